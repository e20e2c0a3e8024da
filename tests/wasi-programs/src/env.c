// Prints the environment, sorted, then looks up each argument with getenv.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

static int cmp(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv) {
    int n = 0;
    while (environ[n])
        n++;
    qsort(environ, n, sizeof(char *), cmp);
    printf("count=%d\n", n);
    for (int i = 0; i < n; i++)
        printf("%s\n", environ[i]);
    for (int i = 1; i < argc; i++) {
        const char *v = getenv(argv[i]);
        printf("getenv(%s)=%s\n", argv[i], v ? v : "(null)");
    }
    return 0;
}
