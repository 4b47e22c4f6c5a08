/* Bad pointers give EFAULT and never crash the caller; bad flags, sizes
 * and selectors give EINVAL (or the errno Linux picks). Raw syscall(2) is
 * used wherever glibc would check, translate or use the vDSO.
 *
 * The harness runs this with stdin reading a small regular file, so a
 * read(2) really copies data and a bad destination faults natively. */
#include "check.h"

#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <time.h>

#define BAD1 ((void *)1)
#define BAD8 ((void *)8)
#define BAD16 ((void *)16)
/* Non-canonical: no user mapping can ever be there. */
#define NONCANON ((void *)0x8000000000000000UL)
/* Kernel half of the address space. */
#define KERNEL_ADDR ((void *)0xffffffffff600000UL)

static char *ro_page;
static char *none_page;

static void pointers(void) {
    char buf[64];
    CHECK("write(1, 1, 10)", syscall(SYS_write, 1, BAD1, 10));
    CHECK("write(1, noncanonical, 10)", syscall(SYS_write, 1, NONCANON, 10));
    CHECK("write(1, PROT_NONE page, 10)", write(1, none_page, 10));
    CHECK("read(0, 8, 1)", syscall(SYS_read, 0, BAD8, 1));
    CHECK("read(0, read-only page, 16)", read(0, ro_page, 16));
    CHECK("read(0, kernel address, 16)", syscall(SYS_read, 0, KERNEL_ADDR, 16));
    CHECK("clock_gettime(MONOTONIC, 1)", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, BAD1));
    CHECK("clock_gettime(REALTIME, read-only page)",
          syscall(SYS_clock_gettime, CLOCK_REALTIME, ro_page));
    CHECK("clock_getres(MONOTONIC, 1)", syscall(SYS_clock_getres, CLOCK_MONOTONIC, BAD1));
    CHECK("gettimeofday(1, NULL)", syscall(SYS_gettimeofday, BAD1, NULL));
    CHECK("gettimeofday(NULL, 1)", syscall(SYS_gettimeofday, NULL, BAD1));
    CHECK("time(1)", syscall(SYS_time, BAD1));
    CHECK("uname(16)", syscall(SYS_uname, BAD16));
    CHECK("uname(read-only page)", syscall(SYS_uname, ro_page));
    CHECK("getrandom(16, 8, 0)", syscall(SYS_getrandom, BAD16, 8, 0));
    CHECK("getrandom(read-only page, 8, 0)", syscall(SYS_getrandom, ro_page, 8, 0));
    CHECK("getresuid(1, ok, ok)", syscall(SYS_getresuid, BAD1, buf, buf + 8));
    CHECK("getresgid(ok, ok, 1)", syscall(SYS_getresgid, buf, buf + 8, BAD1));
    CHECK("rt_sigaction(SIGUSR1, 8, NULL)", syscall(SYS_rt_sigaction, SIGUSR1, BAD8, NULL, 8));
    CHECK("rt_sigaction(SIGUSR1, NULL, 8)", syscall(SYS_rt_sigaction, SIGUSR1, NULL, BAD8, 8));
    CHECK("rt_sigprocmask(SIG_BLOCK, 8, NULL)",
          syscall(SYS_rt_sigprocmask, SIG_BLOCK, BAD8, NULL, 8));
    CHECK("rt_sigprocmask(SIG_BLOCK, NULL, 8)",
          syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, BAD8, 8));
    CHECK("sigaltstack(8, NULL)", syscall(SYS_sigaltstack, BAD8, NULL));
    CHECK("sigaltstack(NULL, 8)", syscall(SYS_sigaltstack, NULL, BAD8));
    CHECK("readlink(8, buf)", syscall(SYS_readlink, BAD8, buf, sizeof buf));
    CHECK("readlink(/proc/self/exe, 8)", syscall(SYS_readlink, "/proc/self/exe", BAD8, 64));
    CHECK("readlinkat(AT_FDCWD, 8, buf)", syscall(SYS_readlinkat, -100, BAD8, buf, sizeof buf));
    CHECK("fstat(1, 8)", syscall(SYS_fstat, 1, BAD8));
    CHECK("newfstatat(1, \"\", 8, AT_EMPTY_PATH)", syscall(SYS_newfstatat, 1, "", BAD8, 0x1000));
    CHECK("newfstatat(1, 8, buf, AT_EMPTY_PATH)", syscall(SYS_newfstatat, 1, BAD8, buf, 0x1000));
    CHECK("sched_getaffinity(0, 8, 1)", syscall(SYS_sched_getaffinity, 0, 8, BAD1));
    CHECK("getrlimit(NOFILE, 1)", syscall(SYS_getrlimit, RLIMIT_NOFILE, BAD1));
    CHECK("setrlimit(NOFILE, 1)", syscall(SYS_setrlimit, RLIMIT_NOFILE, BAD1));
    CHECK("prlimit64(0, NOFILE, NULL, 1)", syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, BAD1));
    CHECK("prlimit64(0, NOFILE, 1, NULL)", syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, BAD1, NULL));
    /* No supplementary groups: nothing is copied, so no fault. */
    CHECK("getgroups(1, 1)", syscall(SYS_getgroups, 1, BAD1));
    CHECK("prctl(PR_SET_NAME, 8)", syscall(SYS_prctl, 15, BAD8, 0, 0, 0));
    CHECK("prctl(PR_GET_NAME, 8)", syscall(SYS_prctl, 16, BAD8, 0, 0, 0));
    CHECK("prctl(PR_GET_NAME, read-only page)", syscall(SYS_prctl, 16, ro_page, 0, 0, 0));
    CHECK("arch_prctl(ARCH_GET_FS, 8)", syscall(SYS_arch_prctl, 0x1003, BAD8));
    CHECK("get_robust_list(0, 8, ok)", syscall(SYS_get_robust_list, 0, BAD8, buf));
    CHECK("ioctl(1, TIOCGWINSZ, 8)", syscall(SYS_ioctl, 1, 0x5413, BAD8));
}

static void iovecs(void) {
    char a[] = "iov-a\n";
    struct iovec good[2] = {{a, 0}, {a, sizeof a - 1}};
    struct iovec first_bad[2] = {{BAD8, 4}, {a, sizeof a - 1}};
    CHECK("writev(1, 8, 1)", syscall(SYS_writev, 1, BAD8, 1));
    CHECK("writev(1, [bad, ok], 2)", syscall(SYS_writev, 1, first_bad, 2));
    CHECK("writev(1, [empty, ok], -1)", syscall(SYS_writev, 1, good, -1));
    CHECK("writev(1, [empty, ok], 1025)", syscall(SYS_writev, 1, good, 1025));
    CHECK("writev(1, [empty, ok], 0)", syscall(SYS_writev, 1, good, 0));
    CHECK("readv(0, 8, 1)", syscall(SYS_readv, 0, BAD8, 1));
    struct iovec ro[1] = {{ro_page, 8}};
    CHECK("readv(0, [read-only], 1)", syscall(SYS_readv, 0, ro, 1));
    struct iovec neg[1] = {{a, (size_t)-1}};
    CHECK("writev(1, [len -1], 1)", syscall(SYS_writev, 1, neg, 1));
}

static void flags(void) {
    sigset_t set;
    sigemptyset(&set);
    char buf[64];
    CHECK("getrandom(flags 0x100)", syscall(SYS_getrandom, buf, 8, 0x100));
    CHECK("getrandom(GRND_RANDOM|GRND_INSECURE)", syscall(SYS_getrandom, buf, 8, 0x2 | 0x4));
    CHECK("mmap(MAP_TYPE 0)",
          syscall(SYS_mmap, 0, 4096, PROT_READ, MAP_ANONYMOUS, -1, 0) == -1 ? -1 : 0);
    CHECK("mmap(MAP_TYPE 0xf)",
          syscall(SYS_mmap, 0, 4096, PROT_READ, 0xf | MAP_ANONYMOUS, -1, 0) == -1 ? -1 : 0);
    CHECK("mmap(len 0)",
          syscall(SYS_mmap, 0, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == -1 ? -1 : 0);
    CHECK("mmap(len -4095)", syscall(SYS_mmap, 0, (size_t)-4095, PROT_READ,
                                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == -1
                                 ? -1
                                 : 0);
    CHECK("mmap(MAP_FIXED, unaligned)", syscall(SYS_mmap, 0x10000001, 4096, PROT_READ,
                                               MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == -1
                                            ? -1
                                            : 0);
    CHECK("mmap(file, fd -1)", syscall(SYS_mmap, 0, 4096, PROT_READ, MAP_PRIVATE, -1, 0) == -1 ? -1 : 0);
    CHECK("mmap(file, fd 99)", syscall(SYS_mmap, 0, 4096, PROT_READ, MAP_PRIVATE, 99, 0) == -1 ? -1 : 0);
    CHECK("mprotect(prot 0x100)", syscall(SYS_mprotect, ro_page, 4096, 0x100));
    CHECK("mprotect(GROWSDOWN|GROWSUP)",
          syscall(SYS_mprotect, ro_page, 4096, PROT_READ | 0x01000000 | 0x02000000));
    CHECK("mprotect(unaligned)", syscall(SYS_mprotect, ro_page + 1, 4096, PROT_READ));
    CHECK("mprotect(len 0)", syscall(SYS_mprotect, ro_page, 0, PROT_READ));
    CHECK("munmap(unaligned)", syscall(SYS_munmap, ro_page + 1, 4096));
    CHECK("munmap(len 0)", syscall(SYS_munmap, ro_page, 0));
    CHECK("munmap(kernel address)", syscall(SYS_munmap, KERNEL_ADDR, 4096));
    CHECK("madvise(advice 999)", syscall(SYS_madvise, ro_page, 4096, 999));
    CHECK("madvise(unaligned)", syscall(SYS_madvise, ro_page + 1, 4096, MADV_NORMAL));
    CHECK("mremap(flags 0x80)", syscall(SYS_mremap, ro_page, 4096, 8192, 0x80, 0) == -1 ? -1 : 0);
    CHECK("mremap(MREMAP_FIXED without MAYMOVE)",
          syscall(SYS_mremap, ro_page, 4096, 4096, 2, 0x10000000) == -1 ? -1 : 0);
    CHECK("mremap(new_len 0)", syscall(SYS_mremap, ro_page, 4096, 0, 0, 0) == -1 ? -1 : 0);
    CHECK("mremap(unaligned)", syscall(SYS_mremap, ro_page + 1, 4096, 8192, 1, 0) == -1 ? -1 : 0);
    CHECK("rt_sigprocmask(how 99, set)", syscall(SYS_rt_sigprocmask, 99, &set, NULL, 8));
    CHECK("rt_sigprocmask(how 99, NULL)", syscall(SYS_rt_sigprocmask, 99, NULL, NULL, 8));
    CHECK("rt_sigprocmask(sigsetsize 7)", syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 7));
    CHECK("rt_sigprocmask(sigsetsize 16)", syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 16));
    char act[32];
    memset(act, 0, sizeof act);
    CHECK("rt_sigaction(sigsetsize 7)", syscall(SYS_rt_sigaction, SIGUSR1, act, NULL, 7));
    CHECK("rt_sigaction(0)", syscall(SYS_rt_sigaction, 0, act, NULL, 8));
    CHECK("rt_sigaction(65)", syscall(SYS_rt_sigaction, 65, act, NULL, 8));
    CHECK("rt_sigaction(SIGKILL, act)", syscall(SYS_rt_sigaction, SIGKILL, act, NULL, 8));
    CHECK("rt_sigaction(SIGSTOP, act)", syscall(SYS_rt_sigaction, SIGSTOP, act, NULL, 8));
    CHECK("rt_sigaction(SIGKILL, NULL, old)", syscall(SYS_rt_sigaction, SIGKILL, NULL, act, 8));
    stack_t ss = {.ss_sp = buf, .ss_flags = 0x1234, .ss_size = 1 << 16};
    CHECK("sigaltstack(bad flags)", syscall(SYS_sigaltstack, &ss, NULL));
    ss.ss_flags = 0;
    ss.ss_size = 100;
    CHECK("sigaltstack(size 100)", syscall(SYS_sigaltstack, &ss, NULL));
    CHECK("prctl(option 9999)", syscall(SYS_prctl, 9999, 0, 0, 0, 0));
    CHECK("arch_prctl(code 0x9999)", syscall(SYS_arch_prctl, 0x9999, buf));
    CHECK("set_robust_list(len 23)", syscall(SYS_set_robust_list, buf, 23));
    CHECK("getgroups(-1)", syscall(SYS_getgroups, -1, buf));
    CHECK("sched_getaffinity(len 0)", syscall(SYS_sched_getaffinity, 0, 0, buf));
    CHECK("newfstatat(flags 0x1)", syscall(SYS_newfstatat, 1, "", buf, 0x1));
    CHECK("newfstatat(1, \"\", 0)", syscall(SYS_newfstatat, 1, "", buf, 0));
}

static void fds(void) {
    char buf[64];
    CHECK("close(-1)", close(-1));
    CHECK("close(999)", close(999));
    CHECK("write(999)", write(999, "x", 1));
    CHECK("read(999)", read(999, buf, 1));
    CHECK("read(-5)", read(-5, buf, 1));
    CHECK("fstat(999)", syscall(SYS_fstat, 999, buf));
    CHECK("writev(999)", syscall(SYS_writev, 999, buf, 0));
    CHECK("ioctl(999, TCGETS)", syscall(SYS_ioctl, 999, 0x5401, buf));
    CHECK("ioctl(1, TCGETS) on a pipe", syscall(SYS_ioctl, 1, 0x5401, buf));
    CHECK("ioctl(1, 0x1234)", syscall(SYS_ioctl, 1, 0x1234, buf));
    CHECK("readlinkat(999, \"rel\")", syscall(SYS_readlinkat, 999, "rel", buf, 8));
    CHECK("write(0) on a read-only fd", write(0, "x", 1));
}

int main(void) {
    ro_page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    none_page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (ro_page == MAP_FAILED || none_page == MAP_FAILED) {
        printf("mmap failed: %s\n", errno_name(errno));
        return 1;
    }
    setvbuf(stdout, NULL, _IONBF, 0);
    pointers();
    iovecs();
    flags();
    fds();
    /* Still alive, and the read-only page is still all zero. */
    int zero = 1;
    for (int i = 0; i < 4096; i++)
        zero &= ro_page[i] == 0;
    FACT("read_only_page_untouched", zero);
    printf("survived\n");
    return 0;
}
