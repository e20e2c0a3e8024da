// Sorts N pseudo-random 64-bit numbers (a fixed xorshift sequence) with
// qsort and prints an order-sensitive checksum.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static int cmp(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    uint64_t *v = malloc(n * sizeof *v);
    uint64_t s = 88172645463325252ULL;
    for (long i = 0; i < n; i++) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        v[i] = s;
    }
    qsort(v, n, sizeof *v, cmp);
    uint64_t sum = 0;
    for (long i = 0; i < n; i++)
        sum = sum * 31 + v[i];
    printf("sorted %ld numbers, min %llu, max %llu, checksum %llu\n", n,
           (unsigned long long)v[0], (unsigned long long)v[n - 1], (unsigned long long)sum);
    free(v);
    return 0;
}
