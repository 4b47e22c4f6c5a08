/* Opening and closing files: open/openat/creat flags (O_CREAT, O_EXCL,
 * O_TRUNC, O_APPEND, O_DIRECTORY, O_NOFOLLOW, O_PATH, O_CLOEXEC), the
 * errors of path lookup (ENOENT, ENOTDIR, EISDIR, ELOOP, ENAMETOOLONG,
 * EFAULT, EBADF), dirfd handling of openat, the file status and descriptor
 * flags fcntl reports, close/close_range, umask, and symlinks that loop
 * or dangle. Everything happens in a fresh scratch directory under /tmp,
 * removed at the end. */
#include "check.h"

#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static char scratch[64];

static int rm_one(const char *p, const struct stat *st, int type, struct FTW *f) {
    (void)st, (void)type, (void)f;
    return remove(p);
}

static void make_scratch(void) {
    strcpy(scratch, "/tmp/fs_open.XXXXXX");
    if (!mkdtemp(scratch) || chdir(scratch) != 0) {
        perror("scratch");
        exit(1);
    }
}

static void remove_scratch(void) {
    if (chdir("/") != 0 || nftw(scratch, rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
        perror("cleanup");
}

/* The contents of a file in the scratch directory, for printing. */
static const char *contents(const char *path) {
    static char buf[128];
    int fd = open(path, O_RDONLY);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
    if (fd >= 0)
        close(fd);
    if (n < 0)
        return "(unreadable)";
    buf[n] = 0;
    return buf;
}

static long mode_of(const char *path) {
    struct stat st;
    return lstat(path, &st) == 0 ? (long)(st.st_mode & 07777) : -1;
}

static void creation(void) {
    int fd;
    CHECK("open(O_CREAT|O_EXCL new) >= 0", (fd = open("f", O_CREAT | O_EXCL | O_WRONLY, 0644)) >= 0);
    CHECK("write(hello)", write(fd, "hello", 5));
    CHECK("close", close(fd));
    CHECK("close(again)", close(fd));
    CHECK("open(O_CREAT|O_EXCL existing)", open("f", O_CREAT | O_EXCL | O_WRONLY, 0644));
    CHECK("open(O_EXCL without O_CREAT) >= 0", (fd = open("f", O_EXCL | O_RDONLY)) >= 0);
    close(fd);
    CHECK("open(O_CREAT existing) >= 0", (fd = open("f", O_CREAT | O_RDONLY, 0600)) >= 0);
    close(fd);
    printf("mode after O_CREAT of existing: %lo\n", mode_of("f"));

    /* O_APPEND: every write lands at the end, whatever the offset. */
    CHECK("open(O_APPEND) >= 0", (fd = open("f", O_WRONLY | O_APPEND)) >= 0);
    CHECK("lseek(0)", lseek(fd, 0, SEEK_SET));
    CHECK("write(append)", write(fd, "-world", 6));
    CHECK("offset after append", lseek(fd, 0, SEEK_CUR));
    CHECK("pwrite(O_APPEND, off 0)", pwrite(fd, "!", 1, 0));
    close(fd);
    printf("contents: %s\n", contents("f"));

    /* O_TRUNC, even with O_RDONLY, empties the file. */
    CHECK("open(O_RDONLY|O_TRUNC) >= 0", (fd = open("f", O_RDONLY | O_TRUNC)) >= 0);
    close(fd);
    printf("contents after O_RDONLY|O_TRUNC: '%s'\n", contents("f"));
    CHECK("creat >= 0", (fd = creat("g", 0600)) >= 0);
    CHECK("write(creat fd)", write(fd, "abc", 3));
    CHECK("read(creat fd is write-only)", read(fd, (char[4]){0}, 4));
    close(fd);
    CHECK("creat(existing, truncates) >= 0", (fd = creat("g", 0600)) >= 0);
    close(fd);
    printf("g after creat: '%s'\n", contents("g"));
    CHECK("open(O_RDONLY) >= 0", (fd = open("g", O_RDONLY)) >= 0);
    CHECK("write(O_RDONLY fd)", write(fd, "x", 1));
    close(fd);

    /* The umask clears mode bits of created files. */
    umask(022);
    close(open("m755", O_CREAT | O_WRONLY, 0777));
    umask(077);
    close(open("m700", O_CREAT | O_WRONLY, 0777));
    umask(0);
    close(open("m6777", O_CREAT | O_WRONLY, 06777));
    umask(022);
    printf("modes: umask022=%lo umask077=%lo umask0(06777)=%lo\n", mode_of("m755"),
           mode_of("m700"), mode_of("m6777"));
    printf("umask returns previous: %o\n", umask(022));
}

static void lookup_errors(void) {
    mkdir("d", 0755);
    CHECK("open(O_DIRECTORY on file)", open("f", O_RDONLY | O_DIRECTORY));
    CHECK("open(O_WRONLY on dir)", open("d", O_WRONLY));
    CHECK("open(O_RDWR on dir)", open("d", O_RDWR));
    CHECK("open(O_CREAT on dir)", open("d", O_CREAT | O_RDONLY, 0644));
    CHECK("open(O_CREAT|O_DIRECTORY)", open("newdir", O_CREAT | O_DIRECTORY | O_RDONLY, 0755));
    CHECK("open(O_CREAT, trailing slash)", open("new/", O_CREAT | O_WRONLY, 0644));
    CHECK("open(file trailing slash)", open("f/", O_RDONLY));
    int fd;
    CHECK("open(dir O_RDONLY|O_DIRECTORY) >= 0", (fd = open("d/", O_RDONLY | O_DIRECTORY)) >= 0);
    close(fd);
    CHECK("open(missing)", open("nope", O_RDONLY));
    CHECK("open(missing parent, O_CREAT)", open("nodir/x", O_CREAT | O_WRONLY, 0644));
    CHECK("open(file as component)", open("f/x", O_RDONLY));
    CHECK("open(file as component, O_CREAT)", open("f/x", O_CREAT | O_WRONLY, 0644));
    CHECK("open(\"\")", open("", O_RDONLY));
    CHECK("open(bad pointer)", open((const char *)1, O_RDONLY));

    char name[300];
    memset(name, 'n', 255);
    name[255] = 0;
    CHECK("open(255-byte name, O_CREAT) >= 0", (fd = open(name, O_CREAT | O_WRONLY, 0644)) >= 0);
    close(fd);
    unlink(name);
    memset(name, 'n', 256);
    name[256] = 0;
    CHECK("open(256-byte name)", open(name, O_CREAT | O_WRONLY, 0644));
    static char longpath[PATH_MAX + 16];
    for (size_t i = 0; i < sizeof longpath - 1; i += 2)
        memcpy(longpath + i, "./", 2);
    longpath[sizeof longpath - 1] = 0;
    CHECK("open(path longer than PATH_MAX)", open(longpath, O_RDONLY));
}

static void symlinks(void) {
    int fd;
    symlink("f", "lf");
    symlink("d", "ld");
    symlink("loop1", "loop2");
    symlink("loop2", "loop1");
    symlink("self", "self");
    symlink("target", "dangling");
    CHECK("open(symlink to file) >= 0", (fd = open("lf", O_RDONLY)) >= 0);
    close(fd);
    CHECK("open(O_NOFOLLOW on symlink)", open("lf", O_RDONLY | O_NOFOLLOW));
    CHECK("open(O_NOFOLLOW on symlink in the middle) >= 0", (fd = open("ld/../f", O_RDONLY | O_NOFOLLOW)) >= 0);
    close(fd);
    CHECK("open(O_DIRECTORY via symlink to dir) >= 0", (fd = open("ld", O_RDONLY | O_DIRECTORY)) >= 0);
    close(fd);
    CHECK("open(O_DIRECTORY|O_NOFOLLOW on symlink to dir)", open("ld", O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
    CHECK("open(symlink loop)", open("loop1", O_RDONLY));
    CHECK("open(self loop)", open("self", O_RDONLY));
    CHECK("open(symlink loop, O_CREAT)", open("loop1", O_CREAT | O_WRONLY, 0644));
    CHECK("open(dangling)", open("dangling", O_RDONLY));
    CHECK("open(dangling, O_CREAT|O_EXCL)", open("dangling", O_CREAT | O_EXCL | O_WRONLY, 0644));
    CHECK("open(dangling, O_CREAT) >= 0", (fd = open("dangling", O_CREAT | O_WRONLY, 0600)) >= 0);
    CHECK("write(through dangling)", write(fd, "T", 1));
    close(fd);
    printf("target created: '%s' mode %lo\n", contents("target"), mode_of("target"));
    struct stat st;
    CHECK("lstat(dangling) still a symlink", lstat("dangling", &st) == 0 && S_ISLNK(st.st_mode));

    /* O_PATH: a handle without read or write access. */
    CHECK("open(O_PATH) >= 0", (fd = open("f", O_PATH)) >= 0);
    CHECK("read(O_PATH fd)", read(fd, (char[4]){0}, 4));
    CHECK("write(O_PATH fd)", write(fd, "x", 1));
    CHECK("fstat(O_PATH fd) regular", fstat(fd, &st) == 0 && S_ISREG(st.st_mode));
    printf("F_GETFL(O_PATH): %o\n", fcntl(fd, F_GETFL));
    close(fd);
    CHECK("open(O_PATH|O_NOFOLLOW on symlink) >= 0", (fd = open("lf", O_PATH | O_NOFOLLOW)) >= 0);
    CHECK("fstat(it) is a symlink", fstat(fd, &st) == 0 && S_ISLNK(st.st_mode));
    close(fd);
    CHECK("open(O_PATH on symlink loop)", open("loop1", O_PATH));
}

static void at_variants(void) {
    int dfd, fd;
    CHECK("open(d, O_DIRECTORY) >= 0", (dfd = open("d", O_RDONLY | O_DIRECTORY)) >= 0);
    CHECK("openat(dfd, new, O_CREAT) >= 0", (fd = openat(dfd, "inner", O_CREAT | O_WRONLY, 0644)) >= 0);
    close(fd);
    CHECK("access(d/inner)", access("d/inner", F_OK));
    CHECK("openat(bad dirfd, relative)", openat(9999, "f", O_RDONLY));
    CHECK("openat(-1, relative)", openat(-1, "f", O_RDONLY));
    char abs[128];
    snprintf(abs, sizeof abs, "%s/f", scratch);
    CHECK("openat(bad dirfd, absolute) >= 0", (fd = openat(9999, abs, O_RDONLY)) >= 0);
    close(fd);
    CHECK("openat(AT_FDCWD, relative) >= 0", (fd = openat(AT_FDCWD, "f", O_RDONLY)) >= 0);
    close(fd);
    int ffd = open("f", O_RDONLY);
    CHECK("openat(file fd, relative)", openat(ffd, "x", O_RDONLY));
    close(ffd);
    int pfd = open("d", O_PATH);
    CHECK("openat(O_PATH dir fd, relative) >= 0", (fd = openat(pfd, "inner", O_RDONLY)) >= 0);
    close(fd);
    close(pfd);
    CHECK("openat(dfd, \"..\" then f) >= 0", (fd = openat(dfd, "../f", O_RDONLY)) >= 0);
    close(fd);
    close(dfd);
}

/* F_GETFL values are printed whole, in octal: the kernel adds its
 * O_LARGEFILE (0100000) on 64-bit, except for O_PATH descriptors. */
static void fd_flags(void) {
    int fd;
    CHECK("open(O_CLOEXEC) >= 0", (fd = open("f", O_RDONLY | O_CLOEXEC)) >= 0);
    CHECK("F_GETFD(O_CLOEXEC)", fcntl(fd, F_GETFD));
    close(fd);
    CHECK("open(no O_CLOEXEC) >= 0", (fd = open("f", O_RDONLY)) >= 0);
    CHECK("F_GETFD(plain)", fcntl(fd, F_GETFD));
    printf("F_GETFL(O_RDONLY): %o\n", fcntl(fd, F_GETFL));
    close(fd);
    fd = open("f", O_WRONLY | O_APPEND | O_CLOEXEC);
    printf("F_GETFL(O_WRONLY|O_APPEND|O_CLOEXEC): %o\n", fcntl(fd, F_GETFL));
    close(fd);
    fd = open("f", O_RDWR | O_CREAT | O_TRUNC | O_NONBLOCK, 0644);
    printf("F_GETFL(O_RDWR|O_CREAT|O_TRUNC|O_NONBLOCK): %o\n", fcntl(fd, F_GETFL));
    close(fd);
    fd = open("d", O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    printf("F_GETFL(O_DIRECTORY|O_NOFOLLOW): %o\n", fcntl(fd, F_GETFL));
    close(fd);

    /* Lowest free descriptor is reused. */
    int a = open("f", O_RDONLY), b = open("f", O_RDONLY);
    close(a);
    int c = open("f", O_RDONLY);
    FACT("lowest_fd_reused", c == a && b == a + 1);
    close(b);
    close(c);
}

static void closing(void) {
    int fd = open("f", O_RDONLY);
    for (int i = 100; i <= 105; i++)
        dup2(fd, i);
    close(fd);
    CHECK("close_range(101, 103, 0)", syscall(SYS_close_range, 101, 103, 0));
    printf("open after close_range:");
    for (int i = 100; i <= 105; i++)
        printf(" %d=%d", i, fcntl(i, F_GETFD) != -1);
    printf("\n");
    CHECK("close_range(104, ~0, CLOEXEC)", syscall(SYS_close_range, 104, ~0U, CLOSE_RANGE_CLOEXEC));
    printf("F_GETFD 100,104,105: %d %d %d\n", fcntl(100, F_GETFD), fcntl(104, F_GETFD), fcntl(105, F_GETFD));
    CHECK("close_range(first > last)", syscall(SYS_close_range, 105, 104, 0));
    CHECK("close_range(bad flags)", syscall(SYS_close_range, 100, 105, 1U << 5));
    CHECK("close_range(nothing open there)", syscall(SYS_close_range, 500, 600, 0));
    CHECK("close_range(100, ~0)", syscall(SYS_close_range, 100, ~0U, 0));
    CHECK("F_GETFD(100) after", fcntl(100, F_GETFD));
    CHECK("F_GETFD(105) after", fcntl(105, F_GETFD));
    CHECK("close(-1)", close(-1));
    CHECK("close(100000)", close(100000));
}

int main(void) {
    /* Descriptor numbers are printed: start from just 0, 1 and 2 even if
     * the native run inherited more. */
    for (int i = 3; i < 1024; i++)
        close(i);
    make_scratch();
    creation();
    lookup_errors();
    symlinks();
    at_variants();
    fd_flags();
    closing();
    remove_scratch();
    return 0;
}
