/* Guest directory listing: creates a fresh directory under /tmp holding
 * 1000 empty files (in a sandbox, in its overlay), then times N listings of
 * it (open + getdents64 until the end + close) inside the guest, and
 * removes it. ns_per_op is per listing. Usage: getdents [N] [DIR] (DIR: an
 * existing directory to list instead; nothing is created). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define FILES 1000

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static long list(const char *dir) {
    static char buf[32768];
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return -1;
    long total = 0, r;
    while ((r = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0)
        total += r;
    close(fd);
    return r < 0 ? -1 : total;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 100;
    char tmpl[] = "/tmp/bench_getdents.XXXXXX", path[64];
    const char *dir = argc > 2 ? argv[2] : NULL;
    if (!dir) {
        if (!mkdtemp(tmpl)) {
            perror("mkdtemp");
            return 1;
        }
        dir = tmpl;
        for (int i = 0; i < FILES; i++) {
            snprintf(path, sizeof path, "%s/file%04d", dir, i);
            close(open(path, O_CREAT | O_WRONLY, 0644));
        }
    }
    if (list(dir) <= 0) {
        fprintf(stderr, "%s: cannot list\n", dir);
        return 1;
    }
    for (long i = 0; i < n / 10; i++) list(dir); /* warm up */
    double t0 = now_ns();
    for (long i = 0; i < n; i++) list(dir);
    double t1 = now_ns();
    if (dir == tmpl) {
        for (int i = 0; i < FILES; i++) {
            snprintf(path, sizeof path, "%s/file%04d", dir, i);
            unlink(path);
        }
        rmdir(dir);
    }
    printf("ns_per_op=%.1f\n", (t1 - t0) / n);
    return 0;
}
