// A guest for gdb's view of variables (built with -O1, see build.sh, so
// that scalars live in wasm locals): at line 28, `inspect` has an int
// parameter and int locals held in wasm locals (registers once
// compiled), an array whose address is taken (on the shadow stack in
// linear memory) and a pointer to a struct on main's shadow stack;
// main then divides by zero.
#include <stdio.h>

struct point {
    int x;
    int y;
};

__attribute__((noinline)) void fill(int *slots, int n) {
    for (int i = 0; i < n; i++)
        slots[i] = i * 10 + 1;
}

__attribute__((noinline)) void report(struct point *p, int value) {
    p->y = value;
}

__attribute__((noinline)) int inspect(struct point *p, int scale) {
    int arr[4];
    fill(arr, 4);
    int weighted = p->x * scale + p->y;
    int result = weighted + arr[2];
    printf("weighted %d result %d\n", weighted, result);
    report(p, result);
    return result * 2 + weighted + scale + arr[3];
}

__attribute__((noinline)) int divide(int a, int b) {
    return a / b;
}

int main(int argc, char **argv) {
    (void)argv;
    struct point pt = {argc + 6, argc + 4};
    int scale = argc + 2;
    int r = inspect(&pt, scale);
    return divide(r, argc - 1);
}
