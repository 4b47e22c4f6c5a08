/* Shared helpers for the guest test programs.
 *
 * Every program prints facts that must be identical natively and in the
 * sandbox: return values that do not depend on the host, errno names, and
 * normalized booleans (`name: ok`) where the raw value legitimately
 * differs (pids, addresses, times). */
#ifndef CHECK_H
#define CHECK_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The errno name ("EFAULT"), or the number if glibc does not know it. */
static inline const char *errno_name(int e) {
    static char buf[16];
    const char *n = strerrorname_np(e);
    if (n)
        return n;
    snprintf(buf, sizeof buf, "errno%d", e);
    return buf;
}

/* `name: VALUE` on success, `name: -1 ENAME` on failure. */
static inline void report(const char *name, long ret, int err) {
    if (ret == -1)
        printf("%s: -1 %s\n", name, errno_name(err));
    else
        printf("%s: %ld\n", name, ret);
}

/* `name: ok` on success (value not printed), `name: -1 ENAME` on failure. */
static inline void report_ok(const char *name, long ret, int err) {
    if (ret == -1)
        printf("%s: -1 %s\n", name, errno_name(err));
    else
        printf("%s: ok\n", name);
}

/* Evaluates EXPR with errno cleared and reports its value. */
#define CHECK(name, expr)                                                      \
    do {                                                                       \
        errno = 0;                                                             \
        long r_ = (long)(expr);                                                \
        report((name), r_, errno);                                             \
    } while (0)

/* Evaluates EXPR with errno cleared and reports success or the errno. */
#define CHECK_OK(name, expr)                                                   \
    do {                                                                       \
        errno = 0;                                                             \
        long r_ = (long)(expr);                                                \
        report_ok((name), r_, errno);                                          \
    } while (0)

#ifndef CHECK_KEEP_STDIO_BUFFERING
/* Line-buffered stdout, so a crash still shows how far the program got. */
__attribute__((constructor)) static void check_line_buffered(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
}
#endif

/* Prints `name=1` or `name=0` for a fact. */
#define FACT(name, cond) printf("%s=%d\n", (name), (cond) ? 1 : 0)

/* Copies this program to `to`, owned by `uid`:`gid` (-1: the caller's)
 * with `mode` (set after the owner, since chown clears set-id bits);
 * exits on failure. */
static inline void copy_self(const char *to, uid_t uid, gid_t gid, mode_t mode) {
    int in = open("/proc/self/exe", O_RDONLY);
    int out = open(to, O_CREAT | O_WRONLY | O_TRUNC, 0700);
    char buf[65536];
    ssize_t n;
    if (in < 0 || out < 0) {
        perror(to);
        exit(1);
    }
    while ((n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, n) != n) {
            perror("write");
            exit(1);
        }
    if (fchown(out, uid, gid) != 0 || fchmod(out, mode) != 0) {
        perror("chown/chmod");
        exit(1);
    }
    close(in);
    close(out);
}

#endif
