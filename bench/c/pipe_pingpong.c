/* One-byte ping-pong between two processes over two pipes, N round trips. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 10000;
    int a[2], b[2];
    char c = 'x';
    if (pipe(a) || pipe(b))
        return 1;
    pid_t p = fork();
    if (p == 0) {
        for (long i = 0; i < n; i++) {
            if (read(a[0], &c, 1) != 1 || write(b[1], &c, 1) != 1)
                _exit(1);
        }
        _exit(0);
    }
    double t0 = now_ns();
    for (long i = 0; i < n; i++) {
        if (write(a[1], &c, 1) != 1 || read(b[0], &c, 1) != 1)
            return 1;
    }
    double t1 = now_ns();
    waitpid(p, NULL, 0);
    printf("ns_per_op=%.1f\n", (t1 - t0) / n);
    return 0;
}
