/* Directories and names: mkdir/mkdirat, rmdir, unlink/unlinkat, rename and
 * renameat2 (RENAME_NOREPLACE, RENAME_EXCHANGE) with their error cases,
 * link/linkat, symlink/symlinkat, getdents64/getdents listings (names
 * sorted before printing, d_type of regular/dir/symlink entries), rewinding
 * a directory, chdir/fchdir/getcwd (printed relative to the scratch
 * directory), mknod, and path resolution: ".", "..", trailing slashes,
 * symlinks to directories followed by "..", relative and absolute symlinks,
 * and the 40-symlink limit. Works in a fresh scratch directory under /tmp,
 * removed at the end. */
#include "check.h"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>

static char scratch[64];

static int rm_one(const char *p, const struct stat *st, int type, struct FTW *f) {
    (void)st, (void)type, (void)f;
    return remove(p);
}

static void make_scratch(void) {
    strcpy(scratch, "/tmp/fs_dir.XXXXXX");
    if (!mkdtemp(scratch) || chdir(scratch) != 0) {
        perror("scratch");
        exit(1);
    }
}

static void remove_scratch(void) {
    if (chdir("/") != 0 || nftw(scratch, rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
        perror("cleanup");
}

static void touch(const char *p, const char *text) {
    int fd = open(p, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    write(fd, text, strlen(text));
    close(fd);
}

/* A file's contents or its errno name; four calls may share a printf. */
static const char *contents(const char *path) {
    static char bufs[4][64];
    static int next;
    char *buf = bufs[next++ % 4];
    int fd = open(path, O_RDONLY);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, 63);
    if (fd >= 0)
        close(fd);
    if (n < 0)
        return errno_name(errno);
    buf[n] = 0;
    return buf;
}

static int same_file(const char *a, const char *b) {
    struct stat x, y;
    return stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_ino == y.st_ino && x.st_dev == y.st_dev;
}

/* getcwd with the scratch directory shown as $S. */
static void show_cwd(const char *label) {
    char buf[512];
    long r = syscall(SYS_getcwd, buf, sizeof buf);
    if (r < 0) {
        printf("%s: -1 %s\n", label, errno_name(errno));
        return;
    }
    size_t n = strlen(scratch);
    if (strncmp(buf, scratch, n) == 0)
        printf("%s: %ld $S%s\n", label, r - (long)n, buf + n);
    else
        printf("%s: %ld %s\n", label, r, buf);
}

static void creation_and_removal(void) {
    CHECK("mkdir(a)", mkdir("a", 0755));
    CHECK("mkdir(a) again", mkdir("a", 0755));
    CHECK("mkdir(a/b/)", mkdir("a/b/", 0700));
    CHECK("mkdir(missing/x)", mkdir("missing/x", 0755));
    touch("file", "F");
    CHECK("mkdir(file/x)", mkdir("file/x", 0755));
    CHECK("mkdir(file)", mkdir("file", 0755));
    struct stat st;
    umask(0);
    mkdir("m", 01777);
    umask(022);
    stat("m", &st);
    printf("mkdir(01777, umask 0) mode: %o\n", st.st_mode & 07777);
    int dfd = open("a", O_RDONLY | O_DIRECTORY);
    CHECK("mkdirat(dfd, c)", mkdirat(dfd, "c", 0755));
    CHECK("a/c is a dir", stat("a/c", &st) == 0 && S_ISDIR(st.st_mode));
    CHECK("mkdirat(bad dirfd)", mkdirat(999, "c", 0755));

    CHECK("rmdir(a) not empty", rmdir("a"));
    CHECK("rmdir(file)", rmdir("file"));
    CHECK("rmdir(.)", rmdir("."));
    CHECK("rmdir(a/c/.)", rmdir("a/c/."));
    CHECK("rmdir(..)", rmdir(".."));
    CHECK("rmdir(missing)", rmdir("missing"));
    CHECK("rmdir(a/c/)", rmdir("a/c/"));
    CHECK("unlink(dir)", unlink("a/b"));
    CHECK("unlink(file/)", unlink("file/"));
    CHECK("unlink(missing)", unlink("missing"));
    CHECK("unlinkat(dfd, b, REMOVEDIR)", unlinkat(dfd, "b", AT_REMOVEDIR));
    touch("a/f", "");
    CHECK("unlinkat(file, REMOVEDIR)", unlinkat(dfd, "f", AT_REMOVEDIR));
    CHECK("unlinkat(bad flags)", unlinkat(dfd, "f", 0x1));
    CHECK("unlinkat(dfd, f, 0)", unlinkat(dfd, "f", 0));
    close(dfd);
    CHECK("rmdir(a) now empty", rmdir("a"));
    CHECK("rmdir(m)", rmdir("m"));

    CHECK("mknod(fifo)", mknod("fifo", S_IFIFO | 0644, 0));
    CHECK("  is fifo", lstat("fifo", &st) == 0 && S_ISFIFO(st.st_mode));
    CHECK("mknod(regular)", mknod("reg", S_IFREG | 0600, 0));
    CHECK("  is regular, empty", lstat("reg", &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0);
    CHECK("mknod(existing)", mknod("reg", S_IFREG | 0600, 0));
    CHECK("mknodat(dir type)", mknodat(AT_FDCWD, "dd", S_IFDIR | 0755, 0));
    CHECK("mkfifo", mkfifo("fifo2", 0600));
    unlink("fifo"), unlink("fifo2"), unlink("reg");
}

static void renames(void) {
    touch("x", "X");
    touch("y", "Y");
    CHECK("rename(x, y) replaces", rename("x", "y"));
    printf("y=%s x=%s\n", contents("y"), contents("x"));
    CHECK("rename(y, y)", rename("y", "y"));
    CHECK("rename(missing, z)", rename("missing", "z"));
    mkdir("d1", 0755);
    mkdir("d2", 0755);
    mkdir("full", 0755);
    touch("full/inside", "I");
    touch("d1/keep", "K");
    CHECK("rename(dir, empty dir)", rename("d1", "d2"));
    printf("d2/keep=%s d1=%s\n", contents("d2/keep"), access("d1", F_OK) ? errno_name(errno) : "exists");
    CHECK("rename(dir, non-empty dir)", rename("d2", "full"));
    CHECK("rename(file, dir)", rename("y", "full"));
    CHECK("rename(dir, file)", rename("full", "y"));
    CHECK("rename(dir into own subdir)", rename("d2", "d2/sub"));
    mkdir("d2/sub", 0755);
    CHECK("rename(dir onto own subdir)", rename("d2", "d2/sub"));
    CHECK("rename(subdir onto ancestor)", rename("d2/sub", "d2"));
    CHECK("rename(., x)", rename(".", "xx"));
    CHECK("rename(file/, z)", rename("y/", "z"));
    CHECK("rename(dir/, newdir/)", rename("d2/", "d3/"));
    CHECK("rename(to missing parent)", rename("y", "nodir/y"));
    CHECK("renameat(dirfd)", renameat(AT_FDCWD, "y", AT_FDCWD, "d3/y"));
    printf("d3/y=%s\n", contents("d3/y"));

    touch("p", "P");
    touch("q", "Q");
    CHECK("renameat2(NOREPLACE, existing)", renameat2(AT_FDCWD, "p", AT_FDCWD, "q", RENAME_NOREPLACE));
    CHECK("renameat2(NOREPLACE, new)", renameat2(AT_FDCWD, "p", AT_FDCWD, "p2", RENAME_NOREPLACE));
    CHECK("renameat2(EXCHANGE)", renameat2(AT_FDCWD, "p2", AT_FDCWD, "q", RENAME_EXCHANGE));
    printf("p2=%s q=%s\n", contents("p2"), contents("q"));
    CHECK("renameat2(EXCHANGE file, dir)", renameat2(AT_FDCWD, "q", AT_FDCWD, "d3", RENAME_EXCHANGE));
    printf("q/keep=%s d3=%s\n", contents("q/keep"), contents("d3"));
    CHECK("renameat2(EXCHANGE, missing)", renameat2(AT_FDCWD, "p2", AT_FDCWD, "nope", RENAME_EXCHANGE));
    CHECK("renameat2(NOREPLACE|EXCHANGE)", renameat2(AT_FDCWD, "p2", AT_FDCWD, "d3", RENAME_NOREPLACE | RENAME_EXCHANGE));
    CHECK("renameat2(bad flags)", renameat2(AT_FDCWD, "p2", AT_FDCWD, "p3", 1U << 10));
    unlink("p2"), unlink("d3");
    nftw("q", rm_one, 8, FTW_DEPTH | FTW_PHYS);
    nftw("full", rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

static void links(void) {
    touch("t", "T");
    struct stat st;
    CHECK("link(t, t2)", link("t", "t2"));
    CHECK("link(t, t2) again", link("t", "t2"));
    CHECK("link(missing)", link("missing", "m2"));
    mkdir("dir", 0755);
    CHECK("link(dir)", link("dir", "dir2"));
    CHECK("link(t, dir/t3)", link("t", "dir/t3"));
    stat("t", &st);
    printf("t nlink=%ld\n", (long)st.st_nlink);
    CHECK("symlink(t, st)", symlink("t", "st"));
    CHECK("symlink again", symlink("t", "st"));
    CHECK("symlink(\"\", e)", symlink("", "e"));
    CHECK("symlinkat(dirfd)", symlinkat("../t", open("dir", O_RDONLY | O_DIRECTORY), "rel"));
    printf("dir/rel -> %s\n", contents("dir/rel"));
    CHECK("linkat(symlink, no follow)", linkat(AT_FDCWD, "st", AT_FDCWD, "hst", 0));
    CHECK("  hard link to symlink is a symlink", lstat("hst", &st) == 0 && S_ISLNK(st.st_mode));
    CHECK("linkat(symlink, FOLLOW)", linkat(AT_FDCWD, "st", AT_FDCWD, "hft", AT_SYMLINK_FOLLOW));
    CHECK("  is regular", lstat("hft", &st) == 0 && S_ISREG(st.st_mode));
    printf("t nlink=%ld\n", (long)st.st_nlink);
    CHECK("linkat(bad flags)", linkat(AT_FDCWD, "t", AT_FDCWD, "t9", 0x1));
    int fd = open("t", O_RDONLY);
    CHECK("linkat(fd, \"\", EMPTY_PATH)", linkat(fd, "", AT_FDCWD, "t4", AT_EMPTY_PATH));
    close(fd);
    unlink("t2"), unlink("dir/t3"), unlink("st"), unlink("hst"), unlink("hft"), unlink("t4");
    unlink("dir/rel"), unlink("t");
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *dtype(unsigned char t) {
    return t == DT_REG ? "reg" : t == DT_DIR ? "dir" : t == DT_LNK ? "lnk" : t == DT_FIFO ? "fifo" : "other";
}

/* Lists the directory fd to its end with getdents64; returns the count. */
static int list(int fd, int print) {
    char buf[1024];
    char *names[128];
    int n = 0;
    long r;
    while ((r = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
        for (long off = 0; off < r;) {
            struct dirent64 *d = (struct dirent64 *)(buf + off);
            if (n < 128) {
                names[n] = malloc(300);
                snprintf(names[n], 300, "%s %s", d->d_name,
                         strcmp(d->d_name, ".") && strcmp(d->d_name, "..") ? dtype(d->d_type) : "");
                n++;
            }
            off += d->d_reclen;
        }
    }
    if (r < 0)
        printf("getdents64: -1 %s\n", errno_name(errno));
    qsort(names, n, sizeof *names, cmp_str);
    for (int i = 0; i < n; i++) {
        if (print)
            printf("  %s\n", names[i]);
        free(names[i]);
    }
    return n;
}

static void listing(void) {
    mkdir("ls", 0755);
    char p[64];
    for (int i = 0; i < 50; i++) {
        snprintf(p, sizeof p, "ls/file%02d", i);
        touch(p, "");
    }
    mkdir("ls/subdir", 0755);
    symlink("file00", "ls/link");
    mkfifo("ls/pipe", 0644);
    int fd = open("ls", O_RDONLY | O_DIRECTORY);
    printf("listing:\n");
    int n = list(fd, 1);
    printf("entries: %d\n", n);
    CHECK("getdents64 at end", syscall(SYS_getdents64, fd, p, sizeof p));
    CHECK("lseek(dir, 0, SEEK_SET)", lseek(fd, 0, SEEK_SET));
    printf("entries after rewind: %d\n", list(fd, 0));
    lseek(fd, 0, SEEK_SET);
    char tiny[8];
    CHECK("getdents64(tiny buffer)", syscall(SYS_getdents64, fd, tiny, sizeof tiny));
    CHECK("getdents(tiny buffer)", syscall(SYS_getdents, fd, tiny, sizeof tiny));
    CHECK("getdents64(bad buffer)", syscall(SYS_getdents64, fd, 8L, 4096L));
    char big[8192];
    long r = syscall(SYS_getdents, fd, big, sizeof big);
    int count = 0;
    for (long off = 0; off < r; off += *(unsigned short *)(big + off + 16))
        count++;
    printf("getdents (legacy) entries: %d\n", count);
    close(fd);
    fd = open("ls/file00", O_RDONLY);
    CHECK("getdents64(file)", syscall(SYS_getdents64, fd, big, sizeof big));
    close(fd);
    CHECK("getdents64(bad fd)", syscall(SYS_getdents64, 999, big, sizeof big));

    /* An entry removed and one added while listing: a fresh listing sees both. */
    fd = open("ls", O_RDONLY | O_DIRECTORY);
    unlink("ls/file07");
    touch("ls/zz", "");
    lseek(fd, 0, SEEK_SET);
    printf("entries after unlink+create: %d\n", list(fd, 0));
    close(fd);

    /* opendir/readdir over the same directory. */
    DIR *d = opendir("ls");
    int m = 0;
    while (readdir(d))
        m++;
    printf("readdir entries: %d\n", m);
    rewinddir(d);
    FACT("rewinddir_restarts", readdir(d) != NULL);
    closedir(d);
    nftw("ls", rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

static void cwd(void) {
    show_cwd("getcwd");
    mkdir("w", 0755);
    mkdir("w/in", 0755);
    CHECK("chdir(w/in)", chdir("w/in"));
    show_cwd("getcwd");
    CHECK("chdir(..)", chdir(".."));
    show_cwd("getcwd");
    int sfd = open(scratch, O_RDONLY | O_DIRECTORY);
    CHECK("fchdir(scratch)", fchdir(sfd));
    show_cwd("getcwd");
    char small[4];
    CHECK("getcwd(4-byte buffer)", syscall(SYS_getcwd, small, sizeof small));
    CHECK("getcwd(size 0)", syscall(SYS_getcwd, small, 0L));
    CHECK("getcwd(bad buffer)", syscall(SYS_getcwd, 8L, 4096L));
    touch("plain", "");
    CHECK("chdir(file)", chdir("plain"));
    CHECK("chdir(missing)", chdir("missing"));
    int ffd = open("plain", O_RDONLY);
    CHECK("fchdir(file fd)", fchdir(ffd));
    close(ffd);
    CHECK("fchdir(bad fd)", fchdir(999));
    symlink("w/in", "lin");
    CHECK("chdir(symlink to dir)", chdir("lin"));
    show_cwd("getcwd (resolved)");
    fchdir(sfd);
    /* The working directory removed from under the process. */
    chdir("w/in");
    CHECK("rmdir(../in, the cwd)", rmdir("../in"));
    show_cwd("getcwd after rmdir");
    CHECK("open(.) in removed cwd >= 0", open(".", O_RDONLY) >= 0);
    CHECK("creat in removed cwd", open("new", O_CREAT | O_WRONLY, 0644));
    CHECK("chdir(..) from removed cwd", chdir(".."));
    show_cwd("getcwd");
    CHECK("chdir(/)", chdir("/"));
    show_cwd("getcwd");
    CHECK("stat(/..) is /", same_file("/..", "/"));
    CHECK("stat(/../..) is /", same_file("/../../", "/"));
    fchdir(sfd);
    close(sfd);
    unlink("lin"), unlink("plain");
}

static void resolution(void) {
    mkdir("a", 0755);
    mkdir("a/b", 0755);
    touch("a/b/file", "deep");
    printf("a/./b/../b/file = %s\n", contents("a/./b/../b/file"));
    printf(".//a///b//file = %s\n", contents(".//a///b//file"));
    printf("a/b/file/ = %s\n", contents("a/b/file/"));
    printf("a/b/file/. = %s\n", contents("a/b/file/."));
    printf("a/missing/../b/file = %s\n", contents("a/missing/../b/file"));
    symlink("a/b", "lb");
    printf("lb/file = %s\n", contents("lb/file"));
    CHECK("lb/.. is a (not .)", same_file("lb/..", "a"));
    printf("lb/../b/file = %s\n", contents("lb/../b/file"));
    char abs[128];
    snprintf(abs, sizeof abs, "%s/a/b/file", scratch);
    symlink(abs, "absl");
    printf("absolute symlink = %s\n", contents("absl"));
    symlink("../../absl", "a/b/up");
    printf("a/b/up (relative to its dir) = %s\n", contents("a/b/up"));
    symlink("b/file", "a/rel");
    printf("a/rel = %s\n", contents("a/rel"));
    symlink("lb", "lb2");
    printf("lb2/file (link to link to dir) = %s\n", contents("lb2/file"));
    CHECK("lstat(lb/) follows", same_file("lb/", "a/b"));
    struct stat st;
    CHECK("lstat(lb/) is dir", lstat("lb/", &st) == 0 && S_ISDIR(st.st_mode));
    CHECK("lstat(lb) is link", lstat("lb", &st) == 0 && S_ISLNK(st.st_mode));

    /* A chain of symlinks: 40 are followed, the 41st is ELOOP. */
    char name[16], next[16];
    touch("end", "END");
    for (int i = 0; i < 41; i++) {
        snprintf(name, sizeof name, "l%d", i);
        snprintf(next, sizeof next, "l%d", i + 1);
        symlink(i == 40 ? "end" : next, name);
    }
    printf("l1 (40 links) = %s\n", contents("l1"));
    printf("l0 (41 links) = %s\n", contents("l0"));
    CHECK("stat(l0)", stat("l0", &st));
    CHECK("lstat(l0)", lstat("l0", &st));
    /* Links to directories inside a path count too. */
    symlink(".", "dot");
    printf("dot/dot/dot/end = %s\n", contents("dot/dot/dot/end"));
    char longp[256] = "";
    for (int i = 0; i < 41; i++)
        strcat(longp, "dot/");
    strcat(longp, "end");
    printf("41 x dot/ = %s\n", contents(longp));
}

int main(void) {
    umask(022);
    make_scratch();
    creation_and_removal();
    renames();
    links();
    listing();
    cwd();
    resolution();
    remove_scratch();
    return 0;
}
