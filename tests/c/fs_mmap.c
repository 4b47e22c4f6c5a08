/* File-backed memory: MAP_PRIVATE mappings read the file and keep their
 * writes to themselves (MADV_DONTNEED brings the file's bytes back);
 * MAP_SHARED mappings of a file under /tmp (read-only), of a tmpfs file in
 * /dev/shm and of a memfd (writable) see write(2)s and are seen by read(2);
 * the tail of the last page past EOF reads as zeros and whole pages past EOF
 * are inaccessible; msync, mincore; a mapping outlives its descriptor; and
 * the errors for directories, write-only descriptors and shared writable
 * mappings of read-only descriptors. Whether memory is accessible is probed
 * with syscalls that fail with EFAULT, as in mmap.c, so no signal handler is
 * needed. Scratch files live in fresh directories under /tmp and /dev/shm,
 * removed at the end. */
#include "check.h"

#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <sys/stat.h>

#define PAGE 4096L

static char scratch[64], shm[64];

static int rm_one(const char *p, const struct stat *st, int type, struct FTW *f) {
    (void)st, (void)type, (void)f;
    return remove(p);
}

static void make_scratch(void) {
    strcpy(scratch, "/tmp/fs_mmap.XXXXXX");
    strcpy(shm, "/dev/shm/fs_mmap.XXXXXX");
    if (!mkdtemp(scratch) || !mkdtemp(shm) || chdir(scratch) != 0) {
        perror("scratch");
        exit(1);
    }
}

static void remove_scratch(void) {
    if (chdir("/") != 0 || nftw(scratch, rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0 ||
        nftw(shm, rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
        perror("cleanup");
}

/* 1 if 8 bytes at p can be read (rt_sigprocmask copies them in), 0 if
 * that faults. */
static int readable(const void *p) {
    uint64_t old;
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, NULL, &old, 8);
    long r = syscall(SYS_rt_sigprocmask, SIG_BLOCK, p, NULL, 8);
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &old, NULL, 8);
    return r == 0 ? 1 : (r == -1 && errno == EFAULT) ? 0 : -1;
}

static int make_file(const char *path, const char *text, long size) {
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    write(fd, text, strlen(text));
    if (size)
        ftruncate(fd, size);
    return fd;
}

static void show(const char *label, const char *p, size_t n) {
    printf("%s: '", label);
    for (size_t i = 0; i < n; i++)
        putchar(p[i] ? p[i] : '.');
    printf("'\n");
}

static int all_zero(const char *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

static void private_mappings(void) {
    int fd = make_file("p", "private file contents", 0);
    char *m = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    FACT("private_mapped", m != MAP_FAILED);
    show("private reads file", m, 21);
    memcpy(m, "PRIVATE", 7);
    show("private after store", m, 21);
    char buf[32] = {0};
    pread(fd, buf, 21, 0);
    show("file unchanged", buf, 21);
    pwrite(fd, "X", 1, 20);
    show("unmodified part of the page after pwrite", m + 20, 1);
    CHECK("madvise(DONTNEED)", madvise(m, PAGE, MADV_DONTNEED));
    show("private after DONTNEED", m, 21);
    FACT("tail_of_page_zero", all_zero(m + 21, PAGE - 21));
    CHECK("munmap", munmap(m, PAGE));

    /* Offsets: page-aligned only. */
    ftruncate(fd, 2 * PAGE);
    pwrite(fd, "second page", 11, PAGE);
    m = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, PAGE);
    show("mapping at offset PAGE", m, 11);
    munmap(m, PAGE);
    CHECK("mmap(offset 100)", mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 100) == MAP_FAILED ? -1 : 0);
    CHECK("mmap(length 0)", mmap(NULL, 0, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED ? -1 : 0);
    CHECK("mmap(no SHARED or PRIVATE)", mmap(NULL, PAGE, PROT_READ, 0, fd, 0) == MAP_FAILED ? -1 : 0);
    close(fd);

    /* A private writable mapping of a read-only descriptor is fine. */
    fd = open("p", O_RDONLY);
    m = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    FACT("private_writable_of_rdonly", m != MAP_FAILED);
    m[0] = 'p';
    show("after store", m, 7);
    munmap(m, PAGE);
    CHECK("mmap(SHARED, WRITE, O_RDONLY fd)", mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED ? -1 : 0);
    /* A read-only shared mapping cannot be made writable later. */
    m = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
    FACT("shared_readonly_mapped", m != MAP_FAILED);
    show("shared read-only", m, 7);
    CHECK("mprotect(WRITE) on it", mprotect(m, PAGE, PROT_READ | PROT_WRITE));
    munmap(m, PAGE);
    close(fd);

    fd = open("p", O_WRONLY);
    CHECK("mmap(PROT_READ, O_WRONLY fd)", mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED ? -1 : 0);
    CHECK("mmap(SHARED, O_WRONLY fd)", mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED ? -1 : 0);
    close(fd);
    mkdir("dir", 0755);
    fd = open("dir", O_RDONLY | O_DIRECTORY);
    CHECK("mmap(directory)", mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED ? -1 : 0);
    close(fd);
    int pfd[2];
    pipe(pfd);
    CHECK("mmap(pipe)", mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, pfd[0], 0) == MAP_FAILED ? -1 : 0);
    close(pfd[0]), close(pfd[1]);
    fd = open("p", O_PATH);
    CHECK("mmap(O_PATH fd)", mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED ? -1 : 0);
    close(fd);
    CHECK("mmap(bad fd)", mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, 999, 0) == MAP_FAILED ? -1 : 0);
}

/* Page-cache semantics: a private mapping shares the file's pages until
 * it writes one, and pages wholly past end of file fault. */
static void page_cache(void) {
    int fd = make_file("pc", "private file contents", 0);
    char *m = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    /* Until a page is written, a private mapping shows the file's changes. */
    pwrite(fd, "P", 1, 0);
    show("private sees pwrite before any store", m, 21);
    munmap(m, PAGE);
    close(fd);

    fd = make_file("short", "0123456789", 0);
    m = mmap(NULL, 3 * PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
    printf("readable pages: %d %d %d\n", readable(m), readable(m + PAGE), readable(m + 2 * PAGE));
    /* Growing the file makes the next page accessible. */
    ftruncate(fd, PAGE + 1);
    printf("after growing to PAGE+1: %d %d %d\n", readable(m), readable(m + PAGE), readable(m + 2 * PAGE));
    ftruncate(fd, 5);
    printf("after shrinking to 5: %d %d\n", readable(m), readable(m + PAGE));
    FACT("truncated_bytes_zero", all_zero(m + 5, 5));
    /* Touching a page wholly past the end of the file is SIGBUS. */
    fflush(stdout);
    pid_t p = fork();
    if (p == 0) {
        volatile char c = m[PAGE];
        (void)c;
        _exit(0);
    }
    int st;
    waitpid(p, &st, 0);
    printf("child touching past EOF: signaled=%d sig=%d\n", WIFSIGNALED(st), WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    munmap(m, 3 * PAGE);
    close(fd);
    unlink("pc");
    unlink("short");
}

static void eof(void) {
    int fd = make_file("short", "0123456789", 0);
    char *m = mmap(NULL, 3 * PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
    FACT("mapped_past_eof", m != MAP_FAILED);
    show("first bytes", m, 10);
    FACT("rest_of_last_page_zero", all_zero(m + 10, PAGE - 10));
    munmap(m, 3 * PAGE);
    /* A mapping outlives the descriptor it came from. */
    m = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    show("after close", m, 5);
    unlink("short");
    show("after unlink", m, 5);
    munmap(m, PAGE);
}

/* Writes through a writable shared mapping of fd and via write(2). */
static void shared_rw(const char *what, int fd) {
    printf("%s:\n", what);
    ftruncate(fd, 2 * PAGE);
    char *m = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    FACT("  shared_mapped", m != MAP_FAILED);
    if (m == MAP_FAILED)
        return;
    memcpy(m + 100, "through mapping", 15);
    char buf[32] = {0};
    CHECK("  pread", pread(fd, buf, 15, 100));
    printf("  read sees: %s\n", buf);
    CHECK("  pwrite", pwrite(fd, "via write", 9, PAGE + 7));
    show("  mapping sees", m + PAGE + 7, 9);
    CHECK("  msync(MS_SYNC)", msync(m, 2 * PAGE, MS_SYNC));
    CHECK("  msync(MS_ASYNC)", msync(m, PAGE, MS_ASYNC));
    CHECK("  msync(MS_INVALIDATE)", msync(m, PAGE, MS_INVALIDATE));
    CHECK("  msync(SYNC|ASYNC)", msync(m, PAGE, MS_SYNC | MS_ASYNC));
    CHECK("  msync(unaligned)", msync(m + 1, PAGE, MS_SYNC));
    unsigned char vec[4] = {0xff, 0xff, 0xff, 0xff};
    CHECK("  mincore(2 pages)", mincore(m, 2 * PAGE, vec));
    FACT("  mincore_two_entries_only", vec[2] == 0xff && vec[3] == 0xff);
    FACT("  mincore_entries_are_bits", (vec[0] & ~1) == 0 && (vec[1] & ~1) == 0);
    CHECK("  mincore(unaligned)", mincore(m + 1, PAGE, vec));
    /* A second mapping of the same file shares the pages. */
    char *m2 = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
    m[0] = 'S';
    printf("  second mapping sees store: %d\n", m2[0] == 'S');
    /* MADV_DONTNEED on a shared mapping keeps the data. */
    CHECK("  madvise(DONTNEED)", madvise(m, 2 * PAGE, MADV_DONTNEED));
    show("  after DONTNEED", m + 100, 15);
    munmap(m2, PAGE);
    CHECK("  munmap", munmap(m, 2 * PAGE));
    struct stat st;
    fstat(fd, &st);
    printf("  size: %ld\n", (long)st.st_size);
}

static void shared_mappings(void) {
    char path[128];
    snprintf(path, sizeof path, "%s/shared", shm);
    int fd = make_file(path, "", 0);
    shared_rw("tmpfs file in /dev/shm", fd);
    close(fd);
    fd = memfd_create("fs_mmap", 0);
    shared_rw("memfd", fd);
    close(fd);
    fd = make_file("disk", "", 0);
    shared_rw("file under /tmp", fd);
    close(fd);

    /* /dev/zero maps as zeros; shared anonymous-like memory. */
    fd = open("/dev/zero", O_RDWR);
    char *z = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    FACT("dev_zero_mapped", z != MAP_FAILED);
    FACT("dev_zero_zeros", z != MAP_FAILED && all_zero(z, PAGE));
    munmap(z, PAGE);
    close(fd);
}

int main(int argc, char **argv) {
    make_scratch();
    if (argc > 1 && strcmp(argv[1], "page-cache") == 0) {
        page_cache();
        remove_scratch();
        return 0;
    }
    private_mappings();
    eof();
    shared_mappings();
    remove_scratch();
    return 0;
}
