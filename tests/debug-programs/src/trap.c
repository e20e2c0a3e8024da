// A guest for the debugging tests: main -> compute -> divide, which
// divides by zero when the program gets no arguments (argc == 1).
#include <stdio.h>

__attribute__((noinline)) int divide(int a, int b) {
    int quotient = a / b;
    return quotient;
}

__attribute__((noinline)) static int compute(int n) {
    int divisor = n - 3;
    return divide(n * 10, divisor);
}

int main(int argc, char **argv) {
    (void)argv;
    printf("computing\n");
    fflush(stdout);
    return compute(argc + 2);
}
