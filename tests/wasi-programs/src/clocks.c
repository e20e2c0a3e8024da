// Checks clocks and randomness and prints one verdict per check (the
// values themselves vary from run to run).
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long long ns(struct timespec t) { return t.tv_sec * 1000000000LL + t.tv_nsec; }

int main(void) {
    struct timespec a, b, res, real;
    clock_gettime(CLOCK_MONOTONIC, &a);
    struct timespec nap = {0, 20 * 1000 * 1000};
    nanosleep(&nap, NULL);
    clock_gettime(CLOCK_MONOTONIC, &b);
    long long slept = ns(b) - ns(a);
    printf("monotonic advances by the sleep: %s\n", slept >= 20000000LL ? "yes" : "no");
    printf("sleep returns within 2 s: %s\n", slept < 2000000000LL ? "yes" : "no");
    printf("resolution positive: %s\n",
           clock_getres(CLOCK_MONOTONIC, &res) == 0 && ns(res) > 0 ? "yes" : "no");
    clock_gettime(CLOCK_REALTIME, &real);
    printf("realtime after 2020: %s\n", real.tv_sec > 1577836800LL ? "yes" : "no");
    time_t t = time(NULL);
    printf("time() agrees with realtime: %s\n", t - real.tv_sec <= 2 ? "yes" : "no");

    unsigned char r1[32], r2[32], zero[32] = {0};
    int ok = getentropy(r1, sizeof r1) == 0 && getentropy(r2, sizeof r2) == 0;
    printf("getentropy succeeds: %s\n", ok ? "yes" : "no");
    printf("random bytes differ between calls: %s\n", memcmp(r1, r2, 32) ? "yes" : "no");
    printf("random bytes not all zero: %s\n", memcmp(r1, zero, 32) ? "yes" : "no");
    return 0;
}
