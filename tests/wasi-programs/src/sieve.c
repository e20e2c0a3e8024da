// Sieve of Eratosthenes: prints how many primes are below N (argv[1],
// default 10000000) and the largest of them.
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 10000000;
    char *composite = calloc(n, 1);
    if (!composite) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    long count = 0, last = 0;
    for (long i = 2; i < n; i++) {
        if (composite[i])
            continue;
        count++;
        last = i;
        if (i > n / i)
            continue;
        for (long j = i * i; j < n; j += i)
            composite[j] = 1;
    }
    printf("primes below %ld: %ld, largest %ld\n", n, count, last);
    free(composite);
    return 0;
}
