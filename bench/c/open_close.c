/* Guest open+close round trip: N open(O_RDONLY)+close pairs of one path,
 * timed inside the guest. Usage: open_close [N] [PATH|scratch]. PATH
 * defaults to /usr/include/stdio.h (a host file: in a sandbox, a lookup
 * through the host-backed filesystem); "scratch" creates a file in a fresh
 * directory under /tmp first (in a sandbox, a file in its own overlay) and
 * removes it at the end. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 10000;
    const char *path = argc > 2 ? argv[2] : "/usr/include/stdio.h";
    char dir[64] = "", file[96] = "";
    if (strcmp(path, "scratch") == 0) {
        strcpy(dir, "/tmp/bench_open.XXXXXX");
        if (!mkdtemp(dir)) {
            perror("mkdtemp");
            return 1;
        }
        snprintf(file, sizeof file, "%s/file", dir);
        close(open(file, O_CREAT | O_WRONLY, 0644));
        path = file;
    }
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        perror(path);
        return 1;
    }
    close(fd);
    for (long i = 0; i < n / 10; i++) close(open(path, O_RDONLY)); /* warm up */
    double t0 = now_ns();
    for (long i = 0; i < n; i++) close(open(path, O_RDONLY));
    double t1 = now_ns();
    if (dir[0]) {
        unlink(file);
        rmdir(dir);
    }
    printf("ns_per_op=%.1f\n", (t1 - t0) / n);
    return 0;
}
