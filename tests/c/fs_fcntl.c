/* Descriptor operations: dup/dup2/dup3, F_DUPFD/F_DUPFD_CLOEXEC,
 * F_GETFD/F_SETFD, F_GETFL/F_SETFL (which flags are settable), POSIX
 * record locks (F_SETLK/F_GETLK, checked from a forked child, since a
 * process never conflicts with its own locks, and released when any
 * descriptor of the file is closed), OFD locks between two open file
 * descriptions, flock, bad descriptors and commands, and the descriptor
 * limit (dup2 past it, RLIMIT_NOFILE lowered until EMFILE). Works in a
 * fresh scratch directory under /tmp, removed at the end. */
#include "check.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

static char scratch[64];

static int rm_one(const char *p, const struct stat *st, int type, struct FTW *f) {
    (void)st, (void)type, (void)f;
    return remove(p);
}

static void make_scratch(void) {
    strcpy(scratch, "/tmp/fs_fcntl.XXXXXX");
    if (!mkdtemp(scratch) || chdir(scratch) != 0) {
        perror("scratch");
        exit(1);
    }
}

static void remove_scratch(void) {
    if (chdir("/") != 0 || nftw(scratch, rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
        perror("cleanup");
}

static const char *lock_type(int t) {
    return t == F_RDLCK ? "F_RDLCK" : t == F_WRLCK ? "F_WRLCK" : t == F_UNLCK ? "F_UNLCK" : "?";
}

static int setlk(int fd, int cmd, int type, off_t start, off_t len) {
    struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
    return fcntl(fd, cmd, &fl);
}

/* F_GETLK-style query; prints the reported lock. pid_expect: the pid the
 * owner should have (0: print l_pid as is, for OFD locks it is -1). */
static void getlk(const char *name, int fd, int cmd, int type, off_t start, off_t len, pid_t pid_expect) {
    struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
    errno = 0;
    int r = fcntl(fd, cmd, &fl);
    if (r == -1) {
        printf("%s: -1 %s\n", name, errno_name(errno));
        return;
    }
    printf("%s: %s", name, lock_type(fl.l_type));
    if (fl.l_type != F_UNLCK) {
        printf(" start=%ld len=%ld", (long)fl.l_start, (long)fl.l_len);
        if (pid_expect)
            printf(" pid_is_owner=%d", fl.l_pid == pid_expect);
        else
            printf(" pid=%d", fl.l_pid);
    }
    printf("\n");
}

static void dups(void) {
    int fd = open("f", O_RDWR | O_CREAT, 0644);
    int lowest = dup(fd);
    FACT("dup_gives_next_lowest", lowest == fd + 1);
    close(lowest);
    CHECK("dup(bad fd)", dup(999));
    CHECK("dup2(fd, fd) returns fd", dup2(fd, fd) == fd);
    CHECK("dup2(bad, bad)", dup2(999, 999));
    CHECK("dup2(fd, 50)", dup2(fd, 50));
    CHECK("F_GETFD(50)", fcntl(50, F_GETFD));
    CHECK("dup2(bad, 50)", dup2(999, 50));
    CHECK("  50 still open", fcntl(50, F_GETFD));
    CHECK("dup3(fd, fd)", dup3(fd, fd, 0));
    CHECK("dup3(fd, 51, O_CLOEXEC)", dup3(fd, 51, O_CLOEXEC));
    CHECK("F_GETFD(51)", fcntl(51, F_GETFD));
    CHECK("dup3(bad flags)", dup3(fd, 52, O_NONBLOCK));
    CHECK("dup2(fd, 51) clears cloexec", dup2(fd, 51));
    CHECK("F_GETFD(51)", fcntl(51, F_GETFD));
    CHECK("dup2(fd, -1)", dup2(fd, -1));
    CHECK("F_DUPFD(min 40)", fcntl(fd, F_DUPFD, 40));
    CHECK("F_DUPFD(min 40) again", fcntl(fd, F_DUPFD, 40));
    CHECK("F_DUPFD_CLOEXEC(min 60)", fcntl(fd, F_DUPFD_CLOEXEC, 60));
    CHECK("F_GETFD(60)", fcntl(60, F_GETFD));
    CHECK("F_DUPFD(min -1)", fcntl(fd, F_DUPFD, -1));
    CHECK("F_DUPFD(min 1<<30)", fcntl(fd, F_DUPFD, 1 << 30));
    CHECK("F_SETFD(60, 0)", fcntl(60, F_SETFD, 0));
    CHECK("F_GETFD(60)", fcntl(60, F_GETFD));
    CHECK("F_SETFD(60, ~0)", fcntl(60, F_SETFD, ~0));
    CHECK("F_GETFD(60) only FD_CLOEXEC kept", fcntl(60, F_GETFD));

    /* Duplicates share the file status flags and offset. */
    CHECK("F_SETFL(O_APPEND|O_NONBLOCK)", fcntl(fd, F_SETFL, O_APPEND | O_NONBLOCK));
    printf("F_GETFL(dup): %o\n", fcntl(50, F_GETFL));
    CHECK("F_SETFL(O_WRONLY) ignored", fcntl(fd, F_SETFL, O_WRONLY));
    printf("F_GETFL: %o\n", fcntl(fd, F_GETFL));
    CHECK("F_SETFL(O_CREAT|O_TRUNC|O_EXCL) ignored", fcntl(fd, F_SETFL, O_CREAT | O_TRUNC | O_EXCL));
    printf("F_GETFL: %o\n", fcntl(fd, F_GETFL));
    CHECK("F_SETFL(0)", fcntl(fd, F_SETFL, 0));
    printf("F_GETFL: %o\n", fcntl(fd, F_GETFL));
    CHECK("fcntl(bad fd, F_GETFD)", fcntl(999, F_GETFD));
    CHECK("fcntl(bad fd, F_GETFL)", fcntl(-1, F_GETFL));
    CHECK("fcntl(bad cmd)", fcntl(fd, 9999));
    int pfd = open("f", O_PATH);
    CHECK("F_GETFD(O_PATH)", fcntl(pfd, F_GETFD));
    CHECK("F_DUPFD(O_PATH) >= 0", fcntl(pfd, F_DUPFD, 0) >= 0);
    CHECK("F_SETLK(O_PATH)", setlk(pfd, F_SETLK, F_RDLCK, 0, 0));
    close(pfd);
    for (int i = 40; i <= 60; i++)
        close(i);
    close(fd);
}

/* Set by the "no-fork" argument: skip the forked-child checks. */
static int no_fork;

/* Runs fn in a forked child that prints, and waits for it. */
static void in_child(void (*fn)(void)) {
    if (no_fork)
        return;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        fn();
        fflush(stdout);
        _exit(0);
    }
    int st;
    waitpid(pid, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        printf("child failed: %x\n", st);
}

static void child_sees_write_lock(void) {
    int fd = open("f", O_RDWR);
    getlk("  child F_GETLK(WR, 0..10)", fd, F_GETLK, F_WRLCK, 0, 10, getppid());
    getlk("  child F_GETLK(RD, 50..60)", fd, F_GETLK, F_RDLCK, 50, 10, getppid());
    getlk("  child F_GETLK(WR, 100..)", fd, F_GETLK, F_WRLCK, 100, 0, getppid());
    CHECK("  child F_SETLK(WR, 5..6)", setlk(fd, F_SETLK, F_WRLCK, 5, 1));
    CHECK("  child F_SETLK(RD, 100..200)", setlk(fd, F_SETLK, F_RDLCK, 100, 100));
    CHECK("  child flock(EX|NB)", flock(fd, LOCK_EX | LOCK_NB));
    close(fd);
}

static void child_sees_read_lock(void) {
    int fd = open("f", O_RDWR);
    getlk("  child F_GETLK(RD, 0..10)", fd, F_GETLK, F_RDLCK, 0, 10, getppid());
    getlk("  child F_GETLK(WR, 0..10)", fd, F_GETLK, F_WRLCK, 0, 10, getppid());
    CHECK("  child F_SETLK(RD, 0..10)", setlk(fd, F_SETLK, F_RDLCK, 0, 10));
    close(fd);
}

static void child_sees_nothing(void) {
    int fd = open("f", O_RDWR);
    getlk("  child F_GETLK(WR, whole file)", fd, F_GETLK, F_WRLCK, 0, 0, getppid());
    close(fd);
}

static void record_locks(void) {
    int fd = open("f", O_RDWR);
    CHECK("F_SETLK(WR, 0..100)", setlk(fd, F_SETLK, F_WRLCK, 0, 100));
    getlk("own F_GETLK(WR)", fd, F_GETLK, F_WRLCK, 0, 10, 0);
    CHECK("F_SETLK(RD, 0..10) converts own lock", setlk(fd, F_SETLK, F_RDLCK, 0, 10));
    CHECK("F_SETLK(WR, 0..10) back", setlk(fd, F_SETLK, F_WRLCK, 0, 10));
    in_child(child_sees_write_lock);
    CHECK("F_SETLK(UN, 0..100)", setlk(fd, F_SETLK, F_UNLCK, 0, 100));
    CHECK("F_SETLK(RD, 0..10)", setlk(fd, F_SETLK, F_RDLCK, 0, 10));
    in_child(child_sees_read_lock);
    /* Closing any descriptor of the file drops the process's locks. */
    int other = open("f", O_RDONLY);
    close(other);
    in_child(child_sees_nothing);

    CHECK("F_SETLK(bad type)", setlk(fd, F_SETLK, 42, 0, 10));
    CHECK("F_SETLK(negative start)", setlk(fd, F_SETLK, F_RDLCK, -5, 10));
    CHECK("F_SETLK(negative len from 10)", setlk(fd, F_SETLK, F_RDLCK, 10, -5));
    CHECK("F_SETLK(bad whence)", fcntl(fd, F_SETLK, &(struct flock){.l_type = F_RDLCK, .l_whence = 9}));
    CHECK("F_GETLK(bad pointer)", fcntl(fd, F_GETLK, (struct flock *)8));
    CHECK("F_GETLK(type F_UNLCK)", setlk(fd, F_GETLK, F_UNLCK, 0, 10));
    int ro = open("f", O_RDONLY), wo = open("f", O_WRONLY);
    CHECK("F_SETLK(WR on O_RDONLY)", setlk(ro, F_SETLK, F_WRLCK, 0, 1));
    CHECK("F_SETLK(RD on O_WRONLY)", setlk(wo, F_SETLK, F_RDLCK, 0, 1));
    CHECK("F_SETLKW(RD, free range)", setlk(fd, F_SETLKW, F_RDLCK, 500, 1));
    close(ro), close(wo), close(fd);
}

static void ofd_and_flock(void) {
    int a = open("f", O_RDWR), b = open("f", O_RDWR);
    CHECK("F_OFD_SETLK(a, WR, 0..10)", setlk(a, F_OFD_SETLK, F_WRLCK, 0, 10));
    CHECK("F_OFD_SETLK(b, WR, 5..15)", setlk(b, F_OFD_SETLK, F_WRLCK, 5, 10));
    CHECK("F_OFD_SETLK(b, RD, 10..20)", setlk(b, F_OFD_SETLK, F_RDLCK, 10, 10));
    getlk("F_OFD_GETLK(b, WR, 0..5)", b, F_OFD_GETLK, F_WRLCK, 0, 5, 0);
    getlk("F_OFD_GETLK(a, WR, 0..5) own", a, F_OFD_GETLK, F_WRLCK, 0, 5, 0);
    CHECK("F_OFD_SETLK(nonzero l_pid)", fcntl(a, F_OFD_SETLK, &(struct flock){.l_type = F_RDLCK, .l_pid = 1}));
    int a2 = dup(a);
    CHECK("F_OFD_SETLK(dup of a, WR) same description", setlk(a2, F_OFD_SETLK, F_WRLCK, 0, 10));
    close(a2);
    getlk("F_OFD_GETLK(b) after closing dup", b, F_OFD_GETLK, F_WRLCK, 0, 5, 0);
    /* OFD and classic locks conflict with each other. */
    CHECK("F_SETLK(b, WR, 0..1) vs OFD", setlk(b, F_SETLK, F_WRLCK, 0, 1));
    CHECK("F_OFD_SETLK(a, UN)", setlk(a, F_OFD_SETLK, F_UNLCK, 0, 10));
    CHECK("F_OFD_SETLK(b, WR, 5..15)", setlk(b, F_OFD_SETLK, F_WRLCK, 5, 10));
    CHECK("F_OFD_SETLKW(a, RD, 100..)", setlk(a, F_OFD_SETLKW, F_RDLCK, 100, 0));
    close(a), close(b);

    a = open("f", O_RDONLY), b = open("f", O_RDONLY);
    CHECK("flock(a, EX|NB)", flock(a, LOCK_EX | LOCK_NB));
    CHECK("flock(b, EX|NB)", flock(b, LOCK_EX | LOCK_NB));
    CHECK("flock(b, SH|NB)", flock(b, LOCK_SH | LOCK_NB));
    CHECK("flock(a, EX) again", flock(a, LOCK_EX));
    CHECK("flock(a, UN)", flock(a, LOCK_UN));
    CHECK("flock(b, EX|NB) now", flock(b, LOCK_EX | LOCK_NB));
    CHECK("flock(b, SH|NB) downgrade", flock(b, LOCK_SH | LOCK_NB));
    CHECK("flock(a, SH|NB) shared", flock(a, LOCK_SH | LOCK_NB));
    CHECK("flock(a, EX|NB) vs shared", flock(a, LOCK_EX | LOCK_NB));
    int b2 = dup(b);
    close(b);
    CHECK("flock(a, EX|NB) while dup of b holds", flock(a, LOCK_EX | LOCK_NB));
    close(b2);
    CHECK("flock(a, EX|NB) after last close", flock(a, LOCK_EX | LOCK_NB));
    CHECK("flock(bad op)", flock(a, 0));
    CHECK("flock(LOCK_NB alone)", flock(a, LOCK_NB));
    CHECK("flock(SH|EX)", flock(a, LOCK_SH | LOCK_EX));
    CHECK("flock(bad fd)", flock(999, LOCK_SH));
    /* flock and POSIX locks are independent. */
    int c = open("f", O_RDWR);
    CHECK("F_SETLK(c, WR) while flock held", setlk(c, F_SETLK, F_WRLCK, 0, 0));
    close(a), close(c);
}

static void limits(void) {
    int fd = open("f", O_RDONLY);
    CHECK("dup2(fd, 1<<20)", dup2(fd, 1 << 20));
    CHECK("dup2(fd, INT_MAX)", dup2(fd, 0x7fffffff));
    struct rlimit old, lim;
    getrlimit(RLIMIT_NOFILE, &old);
    lim = old;
    lim.rlim_cur = 16;
    CHECK("setrlimit(NOFILE, 16)", setrlimit(RLIMIT_NOFILE, &lim));
    int last = -1, r;
    errno = 0;
    while ((r = open("f", O_RDONLY)) >= 0)
        last = r;
    printf("opens until failure: last fd %d, then %s\n", last, errno_name(errno));
    CHECK("dup", dup(fd));
    CHECK("dup2(fd, 16)", dup2(fd, 16));
    CHECK("dup2(fd, 15) replaces", dup2(fd, 15));
    CHECK("F_DUPFD(min 16)", fcntl(fd, F_DUPFD, 16));
    CHECK("F_DUPFD(min 0)", fcntl(fd, F_DUPFD, 0));
    int p[2];
    CHECK("pipe", pipe(p));
    close(15), close(14);
    CHECK("pipe after closing two", pipe(p));
    printf("pipe fds: %d %d\n", p[0], p[1]);
    lim.rlim_cur = old.rlim_max + 1;
    CHECK("setrlimit(cur > max)", setrlimit(RLIMIT_NOFILE, &lim));
    CHECK("setrlimit(restore)", setrlimit(RLIMIT_NOFILE, &old));
    CHECK("open after restore", open("f", O_RDONLY));
    syscall(SYS_close_range, 3, ~0U, 0);
}

int main(int argc, char **argv) {
    no_fork = argc > 1 && strcmp(argv[1], "no-fork") == 0;
    /* Descriptor numbers are printed: start from just 0, 1 and 2 even if
     * the native run inherited more. */
    for (int i = 3; i < 1024; i++)
        close(i);
    make_scratch();
    dups();
    record_locks();
    ofd_and_flock();
    limits();
    remove_scratch();
    return 0;
}
