/* Known differences between the sandbox and Linux, one case per argv[1].
 * Each case passes natively; the harness runs them in the sandbox from
 * ignored tests (see tests/syscalls.rs) until the sentry is fixed.
 *
 *   thread-cputime   clock_gettime(CLOCK_THREAD_CPUTIME_ID) succeeds
 *   write-huge-count write(fd, buf, SIZE_MAX) is EFAULT, writes nothing
 *   read-huge-count  read(fd, buf, SIZE_MAX) is EFAULT, reads nothing
 *   sigaction-order  rt_sigaction copies `act` in before checking the signal
 *   prlimit-order    prlimit64 sets the new limit even if `old` is bad,
 *                    and copies `new` in before checking the resource
 *   readlink-order   readlink checks bufsiz before reading the path
 *   affinity-pid     sched_getaffinity(-1) is ESRCH
 *   prot-sem         mprotect accepts PROT_SEM
 *   mmap-anon-offset anonymous mmap with an unaligned offset is EINVAL
 *   mmap-anon-type   anonymous MAP_SHARED_VALIDATE, MAP_SHARED|MAP_GROWSDOWN
 *                    are EINVAL
 *   fd-mode-order    read on a write-only fd is EBADF even with a bad buffer
 *   mmap-fd-mode     mmap of a write-only fd is EACCES
 *   madvise-unmapped madvise of an unmapped range is ENOMEM for any advice
 *   mprotect-hole    mprotect changes the pages before a hole, then ENOMEM
 *   madvise-hole     madvise(DONTNEED) zeroes the mapped pages around a hole
 *   vma-merge        adjacent compatible mappings merge, so mremap of a
 *                    range made of them works
 *   devnull-bad-buf  read(2) of /dev/null returns 0 without touching the
 *                    buffer (run with stdin /dev/null)
 */
#include "check.h"

#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>

#define PAGE 4096UL
#define BAD ((void *)8)

static int writable(void *p) {
    long r = syscall(SYS_getrandom, p, 1, 0);
    return r == 1 ? 1 : (r == -1 && errno == EFAULT) ? 0 : -1;
}

static char *map(size_t len, int prot) {
    return mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

static void mmap_result(const char *name, void *p) {
    if (p == MAP_FAILED)
        printf("%s: -1 %s\n", name, errno_name(errno));
    else
        printf("%s: mapped\n", name);
}

static void thread_cputime(void) {
    struct timespec t = {-1, -1};
    CHECK("clock_gettime(CLOCK_THREAD_CPUTIME_ID)",
          syscall(SYS_clock_gettime, CLOCK_THREAD_CPUTIME_ID, &t));
    FACT("valid", t.tv_sec >= 0 && t.tv_nsec >= 0 && t.tv_nsec < 1000000000);
    CHECK("clock_getres(CLOCK_THREAD_CPUTIME_ID)",
          syscall(SYS_clock_getres, CLOCK_THREAD_CPUTIME_ID, &t));
}

static void write_huge_count(void) {
    static const char msg[] = "short\n";
    CHECK("write(1, msg, SIZE_MAX)", syscall(SYS_write, 1, msg, SIZE_MAX));
    CHECK("write(1, msg, 1 << 62)", syscall(SYS_write, 1, msg, 1UL << 62));
}

static void read_huge_count(void) {
    static char buf[1 << 16];
    CHECK("read(0, buf, SIZE_MAX)", syscall(SYS_read, 0, buf, SIZE_MAX));
    FACT("buffer_untouched", buf[0] == 0);
}

static void sigaction_order(void) {
    CHECK("rt_sigaction(SIGKILL, bad, NULL)", syscall(SYS_rt_sigaction, SIGKILL, BAD, NULL, 8));
    CHECK("rt_sigaction(0, bad, NULL)", syscall(SYS_rt_sigaction, 0, BAD, NULL, 8));
    CHECK("rt_sigaction(65, bad, NULL)", syscall(SYS_rt_sigaction, 65, BAD, NULL, 8));
}

static void prlimit_order(void) {
    struct rlimit orig, set, now;
    syscall(SYS_getrlimit, RLIMIT_NOFILE, &orig);
    set.rlim_cur = 64;
    set.rlim_max = orig.rlim_max;
    CHECK("prlimit64(NOFILE, new 64, old bad)",
          syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &set, BAD));
    syscall(SYS_getrlimit, RLIMIT_NOFILE, &now);
    printf("nofile soft limit now: %lu\n", (unsigned long)now.rlim_cur);
    CHECK("prlimit64(99, new bad)", syscall(SYS_prlimit64, 0, 99, BAD, NULL));
}

static void readlink_order(void) {
    char buf[8];
    CHECK("readlink(bad path, bufsiz 0)", syscall(SYS_readlink, BAD, buf, 0));
    CHECK("readlink(bad path, bufsiz -1)", syscall(SYS_readlink, BAD, buf, -1));
}

static void affinity_pid(void) {
    uint64_t mask[16];
    CHECK("sched_getaffinity(-1)", syscall(SYS_sched_getaffinity, -1, sizeof mask, mask));
}

static void prot_sem(void) {
    char *p = map(PAGE, PROT_READ | PROT_WRITE);
    CHECK("mprotect(PROT_READ|PROT_WRITE|PROT_SEM)",
          mprotect(p, PAGE, PROT_READ | PROT_WRITE | 0x8));
    printf("writable after: %d\n", writable(p));
}

static void *raw_mmap(size_t len, int prot, int flags, int fd, long off) {
    /* Raw: glibc's mmap rejects an unaligned offset itself. */
    long r = syscall(SYS_mmap, 0, len, prot, flags, fd, off);
    return r == -1 ? MAP_FAILED : (void *)r;
}

static void mmap_anon_offset(void) {
    mmap_result("mmap(anon, offset 1)",
                raw_mmap(PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 1));
    mmap_result("mmap(anon, offset 100)",
                raw_mmap(PAGE, PROT_READ, MAP_SHARED | MAP_ANONYMOUS, -1, 100));
    mmap_result("mmap(anon, offset 4096)",
                raw_mmap(PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 4096));
}

static void mmap_anon_type(void) {
    mmap_result("mmap(anon, MAP_SHARED_VALIDATE)",
                mmap(NULL, PAGE, PROT_READ, MAP_SHARED_VALIDATE | MAP_ANONYMOUS, -1, 0));
    mmap_result("mmap(anon, MAP_SHARED|MAP_GROWSDOWN)",
                mmap(NULL, PAGE, PROT_READ, MAP_SHARED | MAP_GROWSDOWN | MAP_ANONYMOUS, -1, 0));
}

static void fd_mode_order(void) {
    CHECK("read(1 = pipe write end, bad, 1)", syscall(SYS_read, 1, BAD, 1));
    CHECK("write(0 = read-only, bad, 1)", syscall(SYS_write, 0, BAD, 1));
}

static void mmap_fd_mode(void) {
    mmap_result("mmap(fd 1 = pipe write end, PROT_READ, MAP_PRIVATE)",
                mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, 1, 0));
}

static void madvise_unmapped(void) {
    char *p = map(PAGE, PROT_READ);
    munmap(p, PAGE);
    CHECK("madvise(unmapped, MADV_NORMAL)", madvise(p, PAGE, MADV_NORMAL));
    CHECK("madvise(unmapped, MADV_WILLNEED)", madvise(p, PAGE, MADV_WILLNEED));
    CHECK("madvise(unmapped, MADV_DONTNEED)", madvise(p, PAGE, MADV_DONTNEED));
}

static void mprotect_hole(void) {
    char *p = map(3 * PAGE, PROT_READ | PROT_WRITE);
    munmap(p + PAGE, PAGE);
    CHECK("mprotect(page, hole, page -> PROT_READ)", mprotect(p, 3 * PAGE, PROT_READ));
    printf("first page writable: %d\n", writable(p));
    printf("last page writable: %d\n", writable(p + 2 * PAGE));
}

static void madvise_hole(void) {
    char *p = map(3 * PAGE, PROT_READ | PROT_WRITE);
    memset(p, 'a', 3 * PAGE);
    munmap(p + PAGE, PAGE);
    CHECK("madvise(page, hole, page, DONTNEED)", madvise(p, 3 * PAGE, MADV_DONTNEED));
    printf("first page byte: %d\n", p[0]);
    printf("last page byte: %d\n", p[2 * PAGE]);
}

static void vma_merge(void) {
    /* Grown in place twice: one mapping, so it can move as a whole. */
    char *p = map(8 * PAGE, PROT_READ | PROT_WRITE);
    munmap(p + PAGE, 7 * PAGE);
    p[0] = 'a';
    char *q = mremap(p, PAGE, 2 * PAGE, 0);
    FACT("grown_in_place", q == p);
    q[PAGE] = 'b';
    mmap_result("mremap(grown mapping, MAYMOVE)", mremap(p, 2 * PAGE, 16 * PAGE, MREMAP_MAYMOVE));
    /* Two adjacent mmaps with the same protection. */
    char *a = map(2 * PAGE, PROT_READ | PROT_WRITE);
    munmap(a + PAGE, PAGE);
    char *b = mmap(a + PAGE, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
                   -1, 0);
    FACT("adjacent", b == a + PAGE);
    mmap_result("mremap(two adjacent mmaps, shrink)", mremap(a, 2 * PAGE, PAGE + 1, 0));
    /* Split by mprotect and restored. */
    char *c = map(2 * PAGE, PROT_READ | PROT_WRITE);
    mprotect(c + PAGE, PAGE, PROT_READ);
    mprotect(c + PAGE, PAGE, PROT_READ | PROT_WRITE);
    mmap_result("mremap(split and restored, MAYMOVE)",
                mremap(c, 2 * PAGE, 4 * PAGE, MREMAP_MAYMOVE));
}

static void devnull_bad_buf(void) {
    CHECK("read(0 = /dev/null, bad, 1)", syscall(SYS_read, 0, BAD, 1));
    CHECK("read(0 = /dev/null, NULL, 100)", syscall(SYS_read, 0, NULL, 100));
}

static const struct {
    const char *name;
    void (*run)(void);
} cases[] = {
    {"thread-cputime", thread_cputime},
    {"write-huge-count", write_huge_count},
    {"read-huge-count", read_huge_count},
    {"sigaction-order", sigaction_order},
    {"prlimit-order", prlimit_order},
    {"readlink-order", readlink_order},
    {"affinity-pid", affinity_pid},
    {"prot-sem", prot_sem},
    {"mmap-anon-offset", mmap_anon_offset},
    {"mmap-anon-type", mmap_anon_type},
    {"fd-mode-order", fd_mode_order},
    {"mmap-fd-mode", mmap_fd_mode},
    {"madvise-unmapped", madvise_unmapped},
    {"mprotect-hole", mprotect_hole},
    {"madvise-hole", madvise_hole},
    {"vma-merge", vma_merge},
    {"devnull-bad-buf", devnull_bad_buf},
};

int main(int argc, char **argv) {
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (argc > 1 && strcmp(argv[1], cases[i].name) == 0) {
            cases[i].run();
            return 0;
        }
    }
    fprintf(stderr, "usage: divergences CASE\n");
    return 2;
}
