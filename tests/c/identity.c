/* Identity, system information, clocks, randomness, limits, umask and
 * /proc/self/exe. Values that legitimately differ between hosts (times,
 * limits, cpu counts) are printed as normalized facts. */
#include "check.h"

#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <time.h>

static void ids(void) {
    printf("getuid: %d\n", (int)getuid());
    printf("geteuid: %d\n", (int)geteuid());
    printf("getgid: %d\n", (int)getgid());
    printf("getegid: %d\n", (int)getegid());
    uid_t r = 7, e = 7, s = 7;
    CHECK("getresuid", getresuid(&r, &e, &s));
    printf("resuid: %d %d %d\n", (int)r, (int)e, (int)s);
    gid_t gr = 7, ge = 7, gs = 7;
    CHECK("getresgid", getresgid(&gr, &ge, &gs));
    printf("resgid: %d %d %d\n", (int)gr, (int)ge, (int)gs);
    CHECK("getgroups(0, NULL)", getgroups(0, NULL));
    CHECK("getgroups(-1)", syscall(SYS_getgroups, -1, NULL));
}

static void system_info(void) {
    struct utsname u;
    memset(&u, 'x', sizeof u);
    CHECK("uname", uname(&u));
    printf("sysname: %s\n", u.sysname);
    printf("machine: %s\n", u.machine);
    FACT("release_nonempty", u.release[0] != '\0' && u.release[0] != 'x');
    FACT("nodename_terminated", memchr(u.nodename, 0, sizeof u.nodename) != NULL);
    FACT("domainname_terminated", memchr(u.domainname, 0, sizeof u.domainname) != NULL);
}

static int64_t ns(const struct timespec *t) { return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec; }

static int ts_valid(const struct timespec *t) {
    return t->tv_sec >= 0 && t->tv_nsec >= 0 && t->tv_nsec < 1000000000;
}

/* CLOCK_THREAD_CPUTIME_ID is in divergences.c until the sandbox has it. */
static void clocks(void) {
    static const struct {
        const char *name;
        clockid_t id;
    } all[] = {
        {"CLOCK_REALTIME", CLOCK_REALTIME},
        {"CLOCK_MONOTONIC", CLOCK_MONOTONIC},
        {"CLOCK_BOOTTIME", CLOCK_BOOTTIME},
        {"CLOCK_PROCESS_CPUTIME_ID", CLOCK_PROCESS_CPUTIME_ID},
        {"CLOCK_MONOTONIC_RAW", CLOCK_MONOTONIC_RAW},
        {"CLOCK_REALTIME_COARSE", CLOCK_REALTIME_COARSE},
        {"CLOCK_MONOTONIC_COARSE", CLOCK_MONOTONIC_COARSE},
    };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        struct timespec t = {-1, -1};
        char name[64];
        snprintf(name, sizeof name, "clock_gettime(%s)", all[i].name);
        /* The raw syscall: glibc would use the vDSO natively. */
        CHECK(name, syscall(SYS_clock_gettime, all[i].id, &t));
        printf("%s_valid=%d\n", all[i].name, ts_valid(&t));
        struct timespec res = {-1, -1};
        snprintf(name, sizeof name, "clock_getres(%s)", all[i].name);
        CHECK(name, syscall(SYS_clock_getres, all[i].id, &res));
        printf("%s_res_sane=%d\n", all[i].name,
               res.tv_sec == 0 && res.tv_nsec > 0 && res.tv_nsec <= 10000000);
    }
    CHECK("clock_getres(CLOCK_MONOTONIC, NULL)", syscall(SYS_clock_getres, CLOCK_MONOTONIC, NULL));
    struct timespec t;
    CHECK("clock_gettime(1000)", syscall(SYS_clock_gettime, 1000, &t));
    CHECK("clock_gettime(-1)", syscall(SYS_clock_gettime, -1, &t));
    CHECK("clock_getres(1000)", syscall(SYS_clock_getres, 1000, &t));

    /* Monotonic time never goes backwards, and boottime is never behind it. */
    struct timespec prev, cur, boot;
    int nondecreasing = 1;
    syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &prev);
    for (int i = 0; i < 1000; i++) {
        syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &cur);
        if (ns(&cur) < ns(&prev))
            nondecreasing = 0;
        prev = cur;
    }
    FACT("monotonic_nondecreasing", nondecreasing);
    syscall(SYS_clock_gettime, CLOCK_BOOTTIME, &boot);
    FACT("boottime_ge_monotonic", ns(&boot) >= ns(&prev));

    /* Realtime agrees with time(2) and gettimeofday(2). */
    struct timespec rt;
    syscall(SYS_clock_gettime, CLOCK_REALTIME, &rt);
    time_t tt = 0;
    long now = syscall(SYS_time, &tt);
    FACT("time_ret_matches_arg", now == (long)tt);
    FACT("realtime_within_5s_of_time", labs(now - (long)rt.tv_sec) <= 5);
    FACT("time_after_2020", now > 1577836800L);
    CHECK("time(NULL)_positive", syscall(SYS_time, NULL) > 0);
    struct timeval tv = {-1, -1};
    struct timezone tz = {77, 77};
    CHECK("gettimeofday", syscall(SYS_gettimeofday, &tv, &tz));
    FACT("gettimeofday_usec_valid", tv.tv_usec >= 0 && tv.tv_usec < 1000000);
    FACT("gettimeofday_within_5s", labs((long)tv.tv_sec - (long)rt.tv_sec) <= 5);
    CHECK("gettimeofday(NULL, NULL)", syscall(SYS_gettimeofday, NULL, NULL));

    /* CPU time moves when the process computes. */
    struct timespec c0, c1;
    syscall(SYS_clock_gettime, CLOCK_PROCESS_CPUTIME_ID, &c0);
    volatile uint64_t x = 0;
    for (int i = 0; i < 20000000; i++)
        x += i;
    syscall(SYS_clock_gettime, CLOCK_PROCESS_CPUTIME_ID, &c1);
    FACT("process_cputime_advances", ns(&c1) > ns(&c0));
}

static void randomness(void) {
    unsigned char a[64], b[64];
    memset(a, 0, sizeof a);
    memset(b, 0, sizeof b);
    CHECK("getrandom(64)", getrandom(a, sizeof a, 0));
    CHECK("getrandom(64, GRND_NONBLOCK)", getrandom(b, sizeof b, GRND_NONBLOCK));
    int zero = 1;
    for (size_t i = 0; i < sizeof a; i++)
        zero &= a[i] == 0;
    FACT("getrandom_nonzero", !zero);
    FACT("getrandom_differs", memcmp(a, b, sizeof a) != 0);
    CHECK("getrandom(0)", getrandom(a, 0, 0));
    CHECK("getrandom(GRND_INSECURE)", getrandom(a, 16, GRND_INSECURE));
    static unsigned char big[100000];
    CHECK("getrandom(100000)", getrandom(big, sizeof big, 0));
    int tail_zero = 1;
    for (size_t i = sizeof big - 64; i < sizeof big; i++)
        tail_zero &= big[i] == 0;
    FACT("getrandom_big_tail_filled", !tail_zero);
}

static void affinity(void) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CHECK("sched_getaffinity", sched_getaffinity(0, sizeof set, &set));
    FACT("affinity_nonempty", CPU_COUNT(&set) >= 1);
    unsigned long raw[16];
    long n = syscall(SYS_sched_getaffinity, 0, sizeof raw, raw);
    FACT("raw_affinity_len_ok", n >= 8 && n % 8 == 0 && n <= (long)sizeof raw);
    CHECK("sched_getaffinity(len 4)", syscall(SYS_sched_getaffinity, 0, 4, raw));
    CHECK("sched_getaffinity(len 12)", syscall(SYS_sched_getaffinity, 0, 12, raw));
    CHECK("sched_yield", sched_yield());
}

static void limits(void) {
    static const struct {
        const char *name;
        int res;
    } rs[] = {{"RLIMIT_NOFILE", RLIMIT_NOFILE}, {"RLIMIT_STACK", RLIMIT_STACK}};
    for (size_t i = 0; i < 2; i++) {
        struct rlimit g = {0, 0};
        struct rlimit p = {1, 1};
        char name[64];
        snprintf(name, sizeof name, "getrlimit(%s)", rs[i].name);
        CHECK(name, syscall(SYS_getrlimit, rs[i].res, &g));
        snprintf(name, sizeof name, "prlimit64(%s)", rs[i].name);
        CHECK(name, syscall(SYS_prlimit64, 0, rs[i].res, NULL, &p));
        printf("%s_consistent=%d\n", rs[i].name,
               g.rlim_cur == p.rlim_cur && g.rlim_max == p.rlim_max && g.rlim_cur <= g.rlim_max);
    }
    /* Lowering the soft limit is visible to both calls and reported as old. */
    struct rlimit orig, set, old, now;
    syscall(SYS_getrlimit, RLIMIT_NOFILE, &orig);
    set.rlim_cur = 64;
    set.rlim_max = orig.rlim_max;
    CHECK("prlimit64(set NOFILE 64)", syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &set, &old));
    FACT("prlimit64_old_is_orig", old.rlim_cur == orig.rlim_cur && old.rlim_max == orig.rlim_max);
    CHECK("getrlimit(NOFILE)", syscall(SYS_getrlimit, RLIMIT_NOFILE, &now));
    printf("nofile_cur_after_set: %lu\n", (unsigned long)now.rlim_cur);
    set.rlim_cur = 32;
    CHECK("setrlimit(NOFILE 32)", syscall(SYS_setrlimit, RLIMIT_NOFILE, &set));
    syscall(SYS_getrlimit, RLIMIT_NOFILE, &now);
    printf("nofile_cur_after_setrlimit: %lu\n", (unsigned long)now.rlim_cur);
    set.rlim_max = 10;
    set.rlim_cur = 11;
    CHECK("prlimit64(cur > max)", syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &set, NULL));
    CHECK("setrlimit(cur > max)", syscall(SYS_setrlimit, RLIMIT_NOFILE, &set));
    CHECK("getrlimit(99)", syscall(SYS_getrlimit, 99, &now));
    CHECK("prlimit64(99)", syscall(SYS_prlimit64, 0, 99, NULL, &now));
    CHECK("restore NOFILE", syscall(SYS_setrlimit, RLIMIT_NOFILE, &orig));
    syscall(SYS_getrlimit, RLIMIT_NOFILE, &now);
    FACT("nofile_restored", now.rlim_cur == orig.rlim_cur);
    /* The default stack limit is what the loader honours: 8 MiB on both. */
    struct rlimit st;
    syscall(SYS_getrlimit, RLIMIT_STACK, &st);
    FACT("stack_limit_at_least_1MiB", st.rlim_cur >= (1 << 20));
}

static void masks(void) {
    /* The starting umask comes from the caller; only the round trip is fixed. */
    umask(027);
    printf("umask(0) returned %03o\n", (unsigned)umask(0));
    printf("umask(07777) returned %03o\n", (unsigned)umask(07777));
    printf("umask(022) returned %03o\n", (unsigned)umask(022));
}

static void self_exe(const char *argv0) {
    char buf[4096];
    long n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n < 0) {
        printf("readlink(/proc/self/exe): -1 %s\n", errno_name(errno));
    } else {
        buf[n] = 0;
        const char *base = strrchr(buf, '/');
        base = base ? base + 1 : buf;
        const char *want = strrchr(argv0, '/');
        want = want ? want + 1 : argv0;
        printf("exe basename: %s\n", base);
        FACT("exe_absolute", buf[0] == '/');
        FACT("exe_basename_is_argv0", strcmp(base, want) == 0);
    }
    CHECK("readlink(/proc/self/exe, 4)", readlink("/proc/self/exe", buf, 4));
    CHECK("readlink(/proc/self/exe, 0)", syscall(SYS_readlink, "/proc/self/exe", buf, 0));
    CHECK("readlink(/proc/self/exe, -1)", syscall(SYS_readlink, "/proc/self/exe", buf, -1));
    CHECK("readlinkat(AT_FDCWD, /proc/self/exe)",
          readlinkat(AT_FDCWD, "/proc/self/exe", buf, sizeof buf) > 0);
    CHECK("readlink(\"\")", syscall(SYS_readlink, "", buf, sizeof buf));
}

static void names(void) {
    char comm[32];
    memset(comm, 'x', sizeof comm);
    CHECK("prctl(PR_GET_NAME)", prctl(PR_GET_NAME, comm));
    printf("comm: %s\n", comm);
    CHECK("prctl(PR_SET_NAME)", prctl(PR_SET_NAME, "a-rather-long-task-name"));
    memset(comm, 'x', sizeof comm);
    prctl(PR_GET_NAME, comm);
    printf("comm after set: %s\n", comm);
    FACT("comm_terminated_at_16", comm[15] == '\0' && comm[16] == 'x');
}

int main(int argc, char **argv) {
    (void)argc;
    ids();
    system_info();
    clocks();
    randomness();
    affinity();
    limits();
    masks();
    self_exe(argv[0]);
    names();
    return 0;
}
