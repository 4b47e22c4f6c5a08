/* fork + _exit + waitpid, N times; with an argument "exec", the child
 * execs this same (static) binary with "child" instead of exiting. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "child") == 0)
        return 0;
    long n = argc > 1 ? atol(argv[1]) : 1000;
    int exec = argc > 2 && strcmp(argv[2], "exec") == 0;
    double t0 = now_ns();
    for (long i = 0; i < n; i++) {
        pid_t p = fork();
        if (p == 0) {
            if (exec)
                execl("/proc/self/exe", argv[0], "child", (char *)NULL);
            _exit(0);
        }
        int st;
        if (p < 0 || waitpid(p, &st, 0) != p) {
            perror("fork/wait");
            return 1;
        }
    }
    double t1 = now_ns();
    printf("ns_per_op=%.1f\n", (t1 - t0) / n);
    return 0;
}
