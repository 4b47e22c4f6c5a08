/* Guest file read: N pread(2)s of 4 KiB at offset 0 of one file, timed
 * inside the guest. Usage: pread [N] [PATH]; PATH defaults to this
 * program's own binary (argv[0]), which is larger than 4 KiB. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 10000;
    const char *path = argc > 2 ? argv[2] : argv[0];
    static char buf[4096];
    int fd = open(path, O_RDONLY);
    if (fd < 0 || pread(fd, buf, sizeof buf, 0) != (ssize_t)sizeof buf) {
        fprintf(stderr, "%s: cannot read 4 KiB\n", path);
        return 1;
    }
    for (long i = 0; i < n / 10; i++) pread(fd, buf, sizeof buf, 0); /* warm up */
    double t0 = now_ns();
    for (long i = 0; i < n; i++) pread(fd, buf, sizeof buf, 0);
    double t1 = now_ns();
    close(fd);
    printf("ns_per_op=%.1f\n", (t1 - t0) / n);
    return 0;
}
