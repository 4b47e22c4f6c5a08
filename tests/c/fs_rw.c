/* Reading and writing files: read/write and their positional and vector
 * forms (pread64, pwrite64, readv, writev, preadv, pwritev, preadv2,
 * pwritev2), lseek (holes read back as zeros, SEEK_DATA/SEEK_HOLE, ESPIPE,
 * EINVAL), offsets shared by dup'd descriptors but not by separate opens,
 * truncation and fallocate, the sync family, in-kernel copies (sendfile,
 * copy_file_range, splice, tee), memfd_create with seals, and the generic
 * ioctls FIONREAD, FIOCLEX/FIONCLEX and FIONBIO. Files live in a fresh
 * scratch directory under /tmp, removed at the end. */
#include "check.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/uio.h>

static char scratch[64];

static int rm_one(const char *p, const struct stat *st, int type, struct FTW *f) {
    (void)st, (void)type, (void)f;
    return remove(p);
}

static void make_scratch(void) {
    strcpy(scratch, "/tmp/fs_rw.XXXXXX");
    if (!mkdtemp(scratch) || chdir(scratch) != 0) {
        perror("scratch");
        exit(1);
    }
}

static void remove_scratch(void) {
    if (chdir("/") != 0 || nftw(scratch, rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
        perror("cleanup");
}

static long size_of(int fd) {
    struct stat st;
    return fstat(fd, &st) == 0 ? (long)st.st_size : -1;
}

/* Prints a name and the first n bytes of a file (NULs shown as '.'). */
static void show(const char *name, int fd, size_t n) {
    char buf[64] = {0};
    ssize_t r = pread(fd, buf, n < sizeof buf ? n : sizeof buf, 0);
    printf("%s (%zd):", name, r);
    for (ssize_t i = 0; i < r; i++)
        putchar(buf[i] ? buf[i] : '.');
    putchar('\n');
}

static int fresh(const char *name) {
    return open(name, O_RDWR | O_CREAT | O_TRUNC, 0644);
}

static void basic_io(void) {
    int fd = fresh("a");
    char buf[32] = {0};
    CHECK("write", write(fd, "0123456789", 10));
    CHECK("read at end", read(fd, buf, sizeof buf));
    CHECK("lseek(SEEK_SET 2)", lseek(fd, 2, SEEK_SET));
    CHECK("read(3)", read(fd, buf, 3));
    printf("read got: %.3s\n", buf);
    CHECK("lseek(SEEK_CUR +1)", lseek(fd, 1, SEEK_CUR));
    CHECK("lseek(SEEK_END -2)", lseek(fd, -2, SEEK_END));
    CHECK("lseek(negative result)", lseek(fd, -20, SEEK_END));
    CHECK("lseek(SEEK_SET -1)", lseek(fd, -1, SEEK_SET));
    CHECK("lseek(bad whence)", lseek(fd, 0, 7));
    CHECK("pread(4 @ 6)", pread(fd, buf, 4, 6));
    printf("pread got: %.4s\n", buf);
    CHECK("offset unchanged by pread", lseek(fd, 0, SEEK_CUR));
    CHECK("pwrite(AB @ 1)", pwrite(fd, "AB", 2, 1));
    CHECK("pread(negative offset)", pread(fd, buf, 1, -1));
    CHECK("pwrite(negative offset)", pwrite(fd, buf, 1, -1));
    CHECK("read(count 0)", read(fd, buf, 0));
    CHECK("write(count 0)", write(fd, buf, 0));
    show("after pwrite", fd, 10);

    /* A write past the end leaves a hole that reads back as zeros. */
    CHECK("lseek(past end 20)", lseek(fd, 20, SEEK_SET));
    CHECK("read past end", read(fd, buf, 4));
    CHECK("write past end", write(fd, "Z", 1));
    CHECK("size with hole", size_of(fd));
    show("with hole", fd, 21);
    CHECK("lseek(SEEK_DATA 0)", lseek(fd, 0, SEEK_DATA));
    CHECK_OK("lseek(SEEK_HOLE 0)", lseek(fd, 0, SEEK_HOLE));
    CHECK("lseek(SEEK_DATA past end)", lseek(fd, 100, SEEK_DATA));
    CHECK("lseek(SEEK_HOLE past end)", lseek(fd, 100, SEEK_HOLE));
    int dense = fresh("dense");
    write(dense, "dense", 5);
    CHECK("SEEK_HOLE of a dense file (= size)", lseek(dense, 0, SEEK_HOLE));
    close(dense);
    close(fd);

    int ro = open("a", O_RDONLY), wo = open("a", O_WRONLY);
    CHECK("write(O_RDONLY fd)", write(ro, "x", 1));
    CHECK("read(O_WRONLY fd)", read(wo, buf, 1));
    CHECK("pwrite(O_RDONLY fd)", pwrite(ro, "x", 1, 0));
    close(ro);
    close(wo);
    mkdir("dir", 0755);
    int dfd = open("dir", O_RDONLY | O_DIRECTORY);
    CHECK("read(dir)", read(dfd, buf, sizeof buf));
    CHECK("pread(dir)", pread(dfd, buf, sizeof buf, 0));
    close(dfd);
    CHECK("read(bad fd)", read(999, buf, 1));
    CHECK("write(bad buffer)", syscall(SYS_write, 1, 8L, 1L));
}

static void vectors(void) {
    int fd = fresh("v");
    struct iovec w[3] = {{"abc", 3}, {"", 0}, {"defgh", 5}};
    CHECK("writev", writev(fd, w, 3));
    CHECK("offset after writev", lseek(fd, 0, SEEK_CUR));
    char x[4] = {0}, y[8] = {0};
    struct iovec r[2] = {{x, 2}, {y, 8}};
    lseek(fd, 1, SEEK_SET);
    CHECK("readv", readv(fd, r, 2));
    printf("readv got: %.2s|%s\n", x, y);
    struct iovec p[2] = {{"XY", 2}, {"Z", 1}};
    CHECK("pwritev @4", pwritev(fd, p, 2, 4));
    memset(y, 0, sizeof y);
    struct iovec q[1] = {{y, 7}};
    CHECK("preadv @2", preadv(fd, q, 1, 2));
    printf("preadv got: %s\n", y);
    CHECK("offset unchanged by p*v", lseek(fd, 0, SEEK_CUR));
    lseek(fd, 6, SEEK_SET);
    struct iovec p2[1] = {{"!", 1}};
    CHECK("pwritev2(offset -1 = current)", pwritev2(fd, p2, 1, -1, 0));
    CHECK("offset advanced by pwritev2(-1)", lseek(fd, 0, SEEK_CUR));
    lseek(fd, 0, SEEK_SET);
    memset(y, 0, sizeof y);
    struct iovec q2[1] = {{y, 5}};
    CHECK("preadv2(offset -1 = current)", preadv2(fd, q2, 1, -1, 0));
    printf("preadv2 got: %s\n", y);
    CHECK("offset advanced by preadv2(-1)", lseek(fd, 0, SEEK_CUR));
    CHECK("preadv2(offset 3)", preadv2(fd, q2, 1, 3, 0));
    CHECK("offset kept by preadv2(3)", lseek(fd, 0, SEEK_CUR));
    CHECK("preadv2(bad flags)", preadv2(fd, q2, 1, 0, 0x40000000));
    CHECK("readv(iovcnt -1)", syscall(SYS_readv, fd, q2, -1L));
    CHECK("readv(iovcnt 1025)", syscall(SYS_readv, fd, q2, 1025L));
    CHECK("readv(iovcnt 0)", readv(fd, q2, 0));
    show("v", fd, 16);
    close(fd);
}

static void offsets(void) {
    int a = fresh("o"), b = dup(a), c = open("o", O_RDWR);
    write(a, "12345", 5);
    CHECK("dup shares offset", lseek(b, 0, SEEK_CUR));
    CHECK("second open has its own", lseek(c, 0, SEEK_CUR));
    lseek(b, 1, SEEK_SET);
    CHECK("offset moved via dup", lseek(a, 0, SEEK_CUR));
    CHECK("write via second open @0", write(c, "ab", 2));
    show("o", a, 5);
    close(a);
    close(b);
    close(c);

    int pfd[2];
    pipe(pfd);
    CHECK("lseek(pipe)", lseek(pfd[0], 0, SEEK_CUR));
    CHECK("pread(pipe)", pread(pfd[0], (char[2]){0}, 1, 0));
    CHECK("pwrite(pipe)", pwrite(pfd[1], "x", 1, 0));
    CHECK("preadv2(pipe, 0)", preadv2(pfd[0], &(struct iovec){(char[2]){0}, 1}, 1, 0, 0));
    write(pfd[1], "p", 1);
    CHECK("preadv2(pipe, -1 = plain read)", preadv2(pfd[0], &(struct iovec){(char[2]){0}, 1}, 1, -1, 0));
    CHECK("fsync(pipe)", fsync(pfd[1]));
    close(pfd[0]);
    close(pfd[1]);
}

static void sizes(void) {
    int fd = fresh("t");
    write(fd, "abcdef", 6);
    CHECK("ftruncate(grow 10)", ftruncate(fd, 10));
    show("grown", fd, 10);
    CHECK("ftruncate(shrink 3)", ftruncate(fd, 3));
    CHECK("size", size_of(fd));
    CHECK("offset unchanged by truncate", lseek(fd, 0, SEEK_CUR));
    CHECK("ftruncate(-1)", ftruncate(fd, -1));
    CHECK("truncate(path, 2)", truncate("t", 2));
    CHECK("size", size_of(fd));
    CHECK("truncate(dir)", truncate("dir", 0));
    CHECK("truncate(missing)", truncate("missing", 0));
    int ro = open("t", O_RDONLY);
    CHECK("ftruncate(O_RDONLY fd)", ftruncate(ro, 0));
    CHECK("fallocate(O_RDONLY fd)", fallocate(ro, 0, 0, 10));
    close(ro);
    CHECK("fallocate(0, 0, 8192)", fallocate(fd, 0, 0, 8192));
    CHECK("size after fallocate", size_of(fd));
    show("after fallocate", fd, 4);
    CHECK("fallocate(KEEP_SIZE to 16384)", fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 16384));
    CHECK("size kept", size_of(fd));
    CHECK("fallocate(len 0)", fallocate(fd, 0, 0, 0));
    CHECK("fallocate(offset -1)", fallocate(fd, 0, -1, 10));
    CHECK("fallocate(PUNCH_HOLE without KEEP_SIZE)", fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, 10));
    CHECK("fsync", fsync(fd));
    CHECK("fdatasync", fdatasync(fd));
    sync();
    printf("sync: returned\n");
    CHECK("syncfs", syncfs(fd));
    CHECK("fsync(bad fd)", fsync(999));
    close(fd);
}

static void copies(void) {
    int src = fresh("src"), dst = fresh("dst");
    write(src, "0123456789", 10);
    lseek(src, 2, SEEK_SET);
    CHECK("sendfile(no offset, 4)", sendfile(dst, src, NULL, 4));
    CHECK("src offset advanced", lseek(src, 0, SEEK_CUR));
    off_t off = 7;
    CHECK("sendfile(offset 7, 10)", sendfile(dst, src, &off, 10));
    printf("offset now %ld, src offset still %ld\n", (long)off, (long)lseek(src, 0, SEEK_CUR));
    show("dst", dst, 16);
    CHECK("sendfile(from O_WRONLY)", sendfile(dst, open("src", O_WRONLY), NULL, 1));

    int cf = fresh("cf");
    off_t in = 1, outo = 0;
    CHECK("copy_file_range(offsets)", copy_file_range(src, &in, cf, &outo, 5, 0));
    printf("in=%ld out=%ld\n", (long)in, (long)outo);
    lseek(src, 0, SEEK_SET);
    CHECK("copy_file_range(file offsets)", copy_file_range(src, NULL, cf, NULL, 3, 0));
    show("cf", cf, 16);
    CHECK("copy_file_range(bad flags)", copy_file_range(src, NULL, cf, NULL, 3, 1));
    in = 0, outo = 2;
    CHECK("copy_file_range(same file, overlap)", copy_file_range(src, &in, src, &outo, 5, 0));
    CHECK("copy_file_range(past end)", copy_file_range(src, &(off_t){100}, cf, NULL, 5, 0));

    int p[2], q[2];
    pipe(p);
    pipe(q);
    off_t so = 3;
    CHECK("splice(file->pipe, off 3)", splice(src, &so, p[1], NULL, 4, 0));
    CHECK("tee(pipe->pipe)", tee(p[0], q[1], 4, 0));
    int sp = fresh("sp");
    CHECK("splice(pipe->file)", splice(p[0], NULL, sp, NULL, 4, 0));
    show("spliced", sp, 8);
    char buf[8] = {0};
    CHECK("read(tee copy)", read(q[0], buf, sizeof buf));
    printf("tee copy: %s\n", buf);
    CHECK("splice(file->file)", splice(src, NULL, sp, NULL, 4, 0));
    CHECK("tee(file, pipe)", tee(src, q[1], 4, 0));
    CHECK("splice(pipe, off ptr)", splice(p[0], &so, sp, NULL, 1, 0));
    close(p[0]), close(p[1]), close(q[0]), close(q[1]);
    close(src), close(dst), close(cf), close(sp);
}

static void memfd_and_ioctls(void) {
    int m = memfd_create("test", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    CHECK("memfd_create >= 0", m >= 0);
    CHECK("F_GETFD(memfd)", fcntl(m, F_GETFD));
    CHECK("write(memfd)", write(m, "memory", 6));
    CHECK("fstat size", size_of(m));
    show("memfd", m, 8);
    CHECK("F_GET_SEALS", fcntl(m, F_GET_SEALS));
    CHECK("F_ADD_SEALS(WRITE|SHRINK)", fcntl(m, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK));
    CHECK("F_GET_SEALS", fcntl(m, F_GET_SEALS));
    CHECK("write(sealed)", write(m, "x", 1));
    CHECK("ftruncate(shrink sealed)", ftruncate(m, 1));
    CHECK("ftruncate(grow)", ftruncate(m, 10));
    CHECK("F_ADD_SEALS(SEAL)", fcntl(m, F_ADD_SEALS, F_SEAL_SEAL));
    CHECK("F_ADD_SEALS(after SEAL)", fcntl(m, F_ADD_SEALS, F_SEAL_GROW));
    close(m);
    m = memfd_create("nosealing", 0);
    CHECK("F_GET_SEALS(no sealing)", fcntl(m, F_GET_SEALS));
    CHECK("F_ADD_SEALS(no sealing)", fcntl(m, F_ADD_SEALS, F_SEAL_WRITE));
    close(m);
    CHECK("memfd_create(bad flags)", memfd_create("x", 0x1000));
    CHECK("F_GET_SEALS(regular file)", fcntl(open("src", O_RDONLY), F_GET_SEALS));

    int p[2], n = -1;
    pipe(p);
    write(p[1], "12345", 5);
    CHECK("FIONREAD(pipe)", ioctl(p[0], FIONREAD, &n));
    printf("pipe bytes: %d\n", n);
    int fd = open("src", O_RDONLY);
    lseek(fd, 3, SEEK_SET);
    CHECK("FIONREAD(file)", ioctl(fd, FIONREAD, &n));
    printf("file bytes left: %d\n", n);
    CHECK("FIOCLEX", ioctl(fd, FIOCLEX));
    CHECK("F_GETFD", fcntl(fd, F_GETFD));
    CHECK("FIONCLEX", ioctl(fd, FIONCLEX));
    CHECK("F_GETFD", fcntl(fd, F_GETFD));
    int on = 1, off = 0;
    CHECK("FIONBIO(1)", ioctl(p[0], FIONBIO, &on));
    FACT("O_NONBLOCK set", fcntl(p[0], F_GETFL) & O_NONBLOCK);
    char c;
    read(p[0], (char[8]){0}, 8);
    CHECK("read(empty nonblocking pipe)", read(p[0], &c, 1));
    CHECK("FIONBIO(0)", ioctl(p[0], FIONBIO, &off));
    FACT("O_NONBLOCK set", fcntl(p[0], F_GETFL) & O_NONBLOCK);
    CHECK("ioctl(file, TCGETS)", ioctl(fd, TCGETS, (char[64]){0}));
    CHECK("ioctl(bad fd, FIONREAD)", ioctl(999, FIONREAD, &n));
    close(fd), close(p[0]), close(p[1]);
}

int main(void) {
    make_scratch();
    basic_io();
    vectors();
    offsets();
    sizes();
    copies();
    memfd_and_ioctls();
    remove_scratch();
    return 0;
}
