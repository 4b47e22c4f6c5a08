/* Guest getpid round trip: N raw getpid syscalls, timed inside the guest. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 100000;
    for (long i = 0; i < n / 10; i++) syscall(SYS_getpid); /* warm up */
    double t0 = now_ns();
    for (long i = 0; i < n; i++) syscall(SYS_getpid);
    double t1 = now_ns();
    printf("ns_per_op=%.1f\n", (t1 - t0) / n);
    return 0;
}
