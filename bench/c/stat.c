/* Guest stat round trip: N stat(2) calls of one path, timed inside the
 * guest. Usage: stat [N] [PATH]; PATH defaults to /usr/include/stdio.h. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 10000;
    const char *path = argc > 2 ? argv[2] : "/usr/include/stdio.h";
    struct stat st;
    if (stat(path, &st) != 0) {
        perror(path);
        return 1;
    }
    for (long i = 0; i < n / 10; i++) stat(path, &st); /* warm up */
    double t0 = now_ns();
    for (long i = 0; i < n; i++) stat(path, &st);
    double t1 = now_ns();
    printf("ns_per_op=%.1f\n", (t1 - t0) / n);
    return 0;
}
