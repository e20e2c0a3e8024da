// Counts lines, words and bytes of its standard input, like `wc`, and
// echoes the input upper-cased to standard output.
#include <ctype.h>
#include <stdio.h>

int main(void) {
    long lines = 0, words = 0, bytes = 0;
    int in_word = 0, c;
    while ((c = getchar()) != EOF) {
        bytes++;
        if (c == '\n')
            lines++;
        if (isspace(c)) {
            in_word = 0;
        } else if (!in_word) {
            in_word = 1;
            words++;
        }
        putchar(toupper(c));
    }
    printf("lines=%ld words=%ld bytes=%ld\n", lines, words, bytes);
    return 0;
}
