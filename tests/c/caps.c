/* Capabilities: capget/capset (header versions, errors, the subset
 * rules), the uid-change fixups with and without keep-caps and the
 * secure bits, the bounding and ambient sets (prctl), what execve makes
 * of the sets for root and for other users (set-user-ID root included),
 * /proc/self/status, per-thread sets, and privilege checks after one
 * capability leaves the effective set.
 *
 * Runs as root. The host may lack capabilities in its bounding set (a
 * container's host often lacks CAP_SYS_RESOURCE), so the program first
 * takes the sets to BASE (every capability but CAP_SYS_RESOURCE) and
 * prints only masks relative to nothing else. Each section runs in a
 * child so that it starts from BASE. */
#include "check.h"

#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>

typedef unsigned long long u64;

#define LAST 40 /* CAP_CHECKPOINT_RESTORE */
#define BIT(c) (1ULL << (c))
#define FULL ((1ULL << (LAST + 1)) - 1)
#define BASE (FULL & ~BIT(CAP_SYS_RESOURCE))

static char dir[64], plain[96], suidroot[96];

static long pr(int op, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5) {
    return prctl(op, a2, a3, a4, a5);
}

struct sets {
    u64 e, p, i;
};

static long capget_v(unsigned version, pid_t pid, struct sets *s) {
    struct __user_cap_header_struct h = {version, pid};
    struct __user_cap_data_struct d[2];
    memset(d, 0, sizeof d);
    long r = syscall(SYS_capget, &h, d);
    s->e = d[0].effective | (u64)d[1].effective << 32;
    s->p = d[0].permitted | (u64)d[1].permitted << 32;
    s->i = d[0].inheritable | (u64)d[1].inheritable << 32;
    return r;
}

static struct sets mine(void) {
    struct sets s;
    if (capget_v(_LINUX_CAPABILITY_VERSION_3, 0, &s)) {
        perror("capget");
        exit(1);
    }
    return s;
}

static long capset_v(unsigned version, pid_t pid, u64 e, u64 p, u64 i) {
    struct __user_cap_header_struct h = {version, pid};
    struct __user_cap_data_struct d[2] = {
        {(uint32_t)e, (uint32_t)p, (uint32_t)i},
        {(uint32_t)(e >> 32), (uint32_t)(p >> 32), (uint32_t)(i >> 32)},
    };
    return syscall(SYS_capset, &h, d);
}

static long capset3(u64 e, u64 p, u64 i) {
    return capset_v(_LINUX_CAPABILITY_VERSION_3, 0, e, p, i);
}

/* Takes `cap` out of the effective set (or puts it back). */
static void eff(int cap, int on) {
    struct sets s = mine();
    u64 e = on ? s.e | BIT(cap) : s.e & ~BIT(cap);
    if (capset3(e, s.p, s.i)) {
        perror("capset (effective)");
        exit(1);
    }
}

static u64 bounding(void) {
    u64 b = 0;
    for (int c = 0; c <= LAST; c++)
        if (pr(PR_CAPBSET_READ, c, 0, 0, 0) == 1)
            b |= BIT(c);
    return b;
}

static u64 ambient(void) {
    u64 a = 0;
    for (int c = 0; c <= LAST; c++)
        if (pr(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, c, 0, 0) == 1)
            a |= BIT(c);
    return a;
}

static void sets(const char *label) {
    struct sets s = mine();
    printf("  %s: eff %llx prm %llx inh %llx bnd %llx amb %llx\n", label, s.e, s.p, s.i,
           bounding(), ambient());
}

/* Runs `fn` in a child, which starts from the parent's sets. */
static void child(const char *name, void (*fn)(void)) {
    printf("%s\n", name);
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
        printf("  (child ended with status %d)\n", st);
}

/* Execs the program at `path` with "show LABEL"; it prints its ids and
 * sets as /proc/self/status shows them. */
static void exec_show(const char *path, const char *label) {
    fflush(stdout);
    execl(path, path, "show", label, (char *)NULL);
    printf("  exec %s: %s\n", path, errno_name(errno));
    exit(1);
}

static int show(const char *label) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    u64 v[5] = {0};
    const char *names[5] = {"CapInh:", "CapPrm:", "CapEff:", "CapBnd:", "CapAmb:"};
    while (f && fgets(line, sizeof line, f))
        for (int i = 0; i < 5; i++)
            if (strncmp(line, names[i], strlen(names[i])) == 0)
                v[i] = strtoull(line + strlen(names[i]), NULL, 16);
    if (f)
        fclose(f);
    uid_t r, e, s;
    getresuid(&r, &e, &s);
    printf("  %s: uid %d/%d/%d inh %llx prm %llx eff %llx bnd %llx amb %llx secure %lu "
           "keepcaps %ld\n",
           label, (int)r, (int)e, (int)s, v[0], v[1], v[2], v[3], v[4], getauxval(AT_SECURE),
           pr(PR_GET_KEEPCAPS, 0, 0, 0, 0));
    struct sets c = mine();
    printf("  %s: capget agrees with status %d\n", label, c.i == v[0] && c.p == v[1] && c.e == v[2]);
    return 0;
}

/* The same sets for every host: BASE everywhere, nothing inheritable or
 * ambient, no secure bits. */
static void normalize(void) {
    for (int c = 0; c <= LAST; c++)
        if (!(BASE & BIT(c)) && pr(PR_CAPBSET_DROP, c, 0, 0, 0) != 0)
            perror("PR_CAPBSET_DROP");
    struct sets s = mine();
    if (capset3(s.e & BASE, s.p & BASE, 0) != 0)
        perror("capset (normalize)");
    pr(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    s = mine();
    if (s.p != BASE || s.e != BASE || bounding() != BASE)
        printf("the host lacks capabilities this test needs: prm %llx eff %llx bnd %llx\n", s.p,
               s.e, bounding());
    CHECK("PR_GET_SECUREBITS at start", pr(PR_GET_SECUREBITS, 0, 0, 0, 0));
}

static void t_capget(void) {
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2];
    memset(d, 0xaa, sizeof d);
    CHECK("capget(v3)", syscall(SYS_capget, &h, d));
    printf("  v3: eff %08x%08x prm %08x%08x inh %08x%08x\n", d[1].effective, d[0].effective,
           d[1].permitted, d[0].permitted, d[1].inheritable, d[0].inheritable);
    struct sets v2, v3;
    CHECK("capget(v2)", capget_v(_LINUX_CAPABILITY_VERSION_2, 0, &v2));
    capget_v(_LINUX_CAPABILITY_VERSION_3, 0, &v3);
    FACT("  v2 same as v3", memcmp(&v2, &v3, sizeof v2) == 0);
    h.version = _LINUX_CAPABILITY_VERSION_1;
    memset(d, 0xaa, sizeof d);
    CHECK("capget(v1)", syscall(SYS_capget, &h, d));
    printf("  v1: eff %08x prm %08x inh %08x second struct untouched %d\n", d[0].effective,
           d[0].permitted, d[0].inheritable, d[1].effective == 0xaaaaaaaa);
    h.version = 0x12345678;
    CHECK("capget(bad version)", syscall(SYS_capget, &h, d));
    printf("  header version now %#x\n", h.version);
    h.version = 0x12345678;
    CHECK("capget(bad version, NULL data)", syscall(SYS_capget, &h, NULL));
    printf("  header version now %#x\n", h.version);
    h.version = _LINUX_CAPABILITY_VERSION_3;
    h.pid = -5;
    CHECK("capget(pid -5, NULL data)", syscall(SYS_capget, &h, NULL));
    CHECK("capget(pid -5)", syscall(SYS_capget, &h, d));
    h.pid = gettid();
    CHECK("capget(own tid)", syscall(SYS_capget, &h, d));
    pid_t gone = fork();
    if (gone == 0)
        _exit(0);
    waitpid(gone, NULL, 0);
    h.pid = gone;
    CHECK("capget(reaped child)", syscall(SYS_capget, &h, d));
    CHECK("capget(bad header)", syscall(SYS_capget, (void *)8, d));
    h.pid = 0;
    CHECK("capget(bad data)", syscall(SYS_capget, &h, (void *)8));

    /* Another process's sets. */
    int ready[2], done[2];
    if (pipe(ready) || pipe(done))
        exit(1);
    pid_t other = fork();
    if (other == 0) {
        char c;
        capset3(BIT(CAP_CHOWN), BIT(CAP_CHOWN) | BIT(CAP_KILL), BIT(CAP_KILL));
        if (write(ready[1], "x", 1) != 1 || read(done[0], &c, 1) < 0)
            _exit(1);
        _exit(0);
    }
    char c;
    if (read(ready[0], &c, 1) != 1)
        exit(1);
    struct sets o;
    CHECK("capget(another process)", capget_v(_LINUX_CAPABILITY_VERSION_3, other, &o));
    printf("  other: eff %llx prm %llx inh %llx\n", o.e, o.p, o.i);
    if (write(done[1], "x", 1) != 1)
        exit(1);
    waitpid(other, NULL, 0);
}

static void t_capset(void) {
    struct sets s = mine();
    CHECK("capset(parent's pid)", capset_v(_LINUX_CAPABILITY_VERSION_3, getppid(), s.e, s.p, s.i));
    CHECK("capset(own tid)", capset_v(_LINUX_CAPABILITY_VERSION_3, gettid(), s.e, s.p, s.i));
    CHECK("capset(bad version)", capset_v(0x12345678, 0, s.e, s.p, s.i));
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    CHECK("capset(bad data)", syscall(SYS_capset, &h, (void *)8));
    CHECK("capset(effective beyond permitted)", capset3(BASE, BASE & ~BIT(CAP_CHOWN), 0));
    CHECK("capset(drop CAP_CHOWN)", capset3(BASE & ~BIT(CAP_CHOWN), BASE & ~BIT(CAP_CHOWN), 0));
    CHECK("capset(regain CAP_CHOWN)", capset3(BASE, BASE, 0));
    sets("after drop");
    CHECK("capset(inheritable outside permitted, with CAP_SETPCAP)",
          capset3(BASE & ~BIT(CAP_CHOWN), BASE & ~BIT(CAP_CHOWN), BIT(CAP_CHOWN)));
    CHECK("capset(inheritable outside bounding)",
          capset3(BASE & ~BIT(CAP_CHOWN), BASE & ~BIT(CAP_CHOWN), BIT(CAP_SYS_RESOURCE)));
    u64 p = BASE & ~BIT(CAP_CHOWN), e = p & ~BIT(CAP_SETPCAP);
    CHECK("capset(no CAP_SETPCAP in effective, keep inheritable)", capset3(e, p, BIT(CAP_CHOWN)));
    CHECK("capset(clear inheritable)", capset3(e, p, 0));
    CHECK("capset(inheritable outside permitted, no CAP_SETPCAP)", capset3(e, p, BIT(CAP_CHOWN)));
    CHECK("capset(inheritable within permitted)", capset3(e, p, BIT(CAP_KILL)));
    CHECK("capset(effective back up to permitted)", capset3(p, p, BIT(CAP_KILL)));
    sets("now");
    /* Version 1 carries the low 32 capabilities: the others go. */
    s = mine();
    CHECK("capset(v1)", capset_v(_LINUX_CAPABILITY_VERSION_1, 0, s.e, s.p, s.i));
    sets("after v1 capset");
}

/* Per-thread sets: a thread's capset changes only its own. */
static int thread_ready[2], thread_done[2];

static void *thread_fn(void *arg) {
    (void)arg;
    char c;
    capset3(BIT(CAP_KILL), BIT(CAP_KILL), 0);
    if (write(thread_ready[1], "x", 1) != 1 || read(thread_done[0], &c, 1) < 0)
        return NULL;
    return NULL;
}

static void t_threads(void) {
    if (pipe(thread_ready) || pipe(thread_done))
        exit(1);
    pthread_t th;
    pthread_create(&th, NULL, thread_fn, NULL);
    char c;
    if (read(thread_ready[0], &c, 1) != 1)
        exit(1);
    sets("main thread after the other's capset");
    /* The other thread's id: the entry of /proc/self/task that is not
     * ours. */
    pid_t tid = 0;
    char buf[4096];
    int fd = open("/proc/self/task", O_RDONLY | O_DIRECTORY);
    long n = syscall(SYS_getdents64, fd, buf, sizeof buf);
    for (long off = 0; off < n;) {
        unsigned short reclen = *(unsigned short *)(buf + off + 16);
        pid_t t = atoi(buf + off + 19);
        if (t > 0 && t != gettid())
            tid = t;
        off += reclen;
    }
    close(fd);
    struct sets o;
    CHECK("capget(other thread)", capget_v(_LINUX_CAPABILITY_VERSION_3, tid, &o));
    printf("  other thread: eff %llx prm %llx\n", o.e, o.p);
    if (write(thread_done[1], "x", 1) != 1)
        exit(1);
    pthread_join(th, NULL);
}

static void t_setuid_plain(void) {
    CHECK("setuid(1000)", setuid(1000));
    sets("after");
}

static void t_setuid_keepcaps(void) {
    CHECK("PR_SET_KEEPCAPS(2)", pr(PR_SET_KEEPCAPS, 2, 0, 0, 0));
    CHECK("PR_SET_KEEPCAPS(1)", pr(PR_SET_KEEPCAPS, 1, 0, 0, 0));
    CHECK("PR_GET_KEEPCAPS", pr(PR_GET_KEEPCAPS, 0, 0, 0, 0));
    CHECK("PR_GET_SECUREBITS", pr(PR_GET_SECUREBITS, 0, 0, 0, 0));
    CHECK("capset(inheritable CAP_KILL)", capset3(BASE, BASE, BIT(CAP_KILL)));
    CHECK("ambient raise CAP_KILL", pr(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_KILL, 0, 0));
    CHECK("setuid(1000)", setuid(1000));
    sets("after (ambient cleared even so)");
    exec_show(plain, "after exec");
}

static void t_seteuid(void) {
    CHECK("seteuid(1000)", seteuid(1000));
    sets("euid 1000");
    CHECK("seteuid(0)", seteuid(0));
    sets("euid 0 again");
    CHECK("setresuid(1000, 1000, 0)", setresuid(1000, 1000, 0));
    sets("saved uid 0 left");
    CHECK("setresuid(-1, -1, 1000)", setresuid(-1, -1, 1000));
    sets("no uid 0 left");
}

static void t_setreuid(void) {
    CHECK("setreuid(1000, -1)", setreuid(1000, -1));
    sets("real 1000, effective and saved 0");
    exec_show(plain, "after exec");
}

static void t_no_setuid_fixup(void) {
    CHECK("PR_SET_SECUREBITS(NO_SETUID_FIXUP)", pr(PR_SET_SECUREBITS, SECBIT_NO_SETUID_FIXUP, 0, 0, 0));
    CHECK("PR_GET_SECUREBITS", pr(PR_GET_SECUREBITS, 0, 0, 0, 0));
    CHECK("setuid(1000)", setuid(1000));
    sets("after");
}

static void t_securebits(void) {
    CHECK("PR_SET_SECUREBITS(KEEP_CAPS|KEEP_CAPS_LOCKED)",
          pr(PR_SET_SECUREBITS, SECBIT_KEEP_CAPS | SECBIT_KEEP_CAPS_LOCKED, 0, 0, 0));
    CHECK("PR_GET_KEEPCAPS", pr(PR_GET_KEEPCAPS, 0, 0, 0, 0));
    CHECK("PR_SET_KEEPCAPS(0), locked", pr(PR_SET_KEEPCAPS, 0, 0, 0, 0));
    CHECK("PR_SET_KEEPCAPS(2), locked", pr(PR_SET_KEEPCAPS, 2, 0, 0, 0));
    CHECK("PR_SET_SECUREBITS(0): unlock", pr(PR_SET_SECUREBITS, 0, 0, 0, 0));
    CHECK("PR_SET_SECUREBITS(+NOROOT)",
          pr(PR_SET_SECUREBITS, SECBIT_KEEP_CAPS | SECBIT_KEEP_CAPS_LOCKED | SECBIT_NOROOT, 0, 0, 0));
    CHECK("PR_SET_SECUREBITS(unknown bit)", pr(PR_SET_SECUREBITS, 1UL << 20, 0, 0, 0));
    CHECK("PR_GET_SECUREBITS", pr(PR_GET_SECUREBITS, 0, 0, 0, 0));
    eff(CAP_SETPCAP, 0);
    CHECK("PR_SET_SECUREBITS without CAP_SETPCAP",
          pr(PR_SET_SECUREBITS, SECBIT_KEEP_CAPS | SECBIT_KEEP_CAPS_LOCKED, 0, 0, 0));
    /* SECURE_NOROOT: root gets no capabilities from exec. */
    exec_show(plain, "NOROOT exec");
}

static void t_bounding(void) {
    CHECK("PR_CAPBSET_READ(CAP_CHOWN)", pr(PR_CAPBSET_READ, CAP_CHOWN, 0, 0, 0));
    CHECK("PR_CAPBSET_READ(CAP_SYS_RESOURCE)", pr(PR_CAPBSET_READ, CAP_SYS_RESOURCE, 0, 0, 0));
    CHECK("PR_CAPBSET_READ(41)", pr(PR_CAPBSET_READ, LAST + 1, 0, 0, 0));
    CHECK("PR_CAPBSET_READ(-1)", pr(PR_CAPBSET_READ, -1UL, 0, 0, 0));
    CHECK("PR_CAPBSET_DROP(CAP_CHOWN)", pr(PR_CAPBSET_DROP, CAP_CHOWN, 0, 0, 0));
    CHECK("PR_CAPBSET_READ(CAP_CHOWN)", pr(PR_CAPBSET_READ, CAP_CHOWN, 0, 0, 0));
    CHECK("PR_CAPBSET_DROP(41)", pr(PR_CAPBSET_DROP, LAST + 1, 0, 0, 0));
    sets("permitted keeps what the bounding set lost");
    CHECK("capset(inheritable CAP_CHOWN, outside bounding now)",
          capset3(BASE, BASE, BIT(CAP_CHOWN)));
    eff(CAP_SETPCAP, 0);
    CHECK("PR_CAPBSET_DROP(CAP_KILL) without CAP_SETPCAP", pr(PR_CAPBSET_DROP, CAP_KILL, 0, 0, 0));
    CHECK("PR_CAPBSET_DROP(41) without CAP_SETPCAP", pr(PR_CAPBSET_DROP, LAST + 1, 0, 0, 0));
    exec_show(plain, "exec as root");
}

static void t_ambient(void) {
    CHECK("raise CAP_KILL, not inheritable",
          pr(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_KILL, 0, 0));
    CHECK("capset(inheritable KILL, NET_BIND_SERVICE)",
          capset3(BASE, BASE, BIT(CAP_KILL) | BIT(CAP_NET_BIND_SERVICE)));
    CHECK("raise CAP_KILL", pr(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_KILL, 0, 0));
    CHECK("is_set CAP_KILL", pr(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_KILL, 0, 0));
    CHECK("is_set CAP_CHOWN", pr(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_CHOWN, 0, 0));
    CHECK("lower CAP_KILL", pr(PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, CAP_KILL, 0, 0));
    CHECK("is_set CAP_KILL", pr(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_KILL, 0, 0));
    CHECK("raise CAP_KILL", pr(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_KILL, 0, 0));
    CHECK("raise CAP_NET_BIND_SERVICE",
          pr(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_BIND_SERVICE, 0, 0));
    sets("two ambient");
    CHECK("clear_all", pr(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0));
    sets("cleared");
    CHECK("clear_all(arg3 1)", pr(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 1, 0, 0));
    CHECK("raise 41", pr(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, LAST + 1, 0, 0));
    CHECK("is_set 41", pr(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, LAST + 1, 0, 0));
    CHECK("raise CAP_KILL, arg4 1", pr(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_KILL, 1, 0));
    CHECK("operation 99", pr(PR_CAP_AMBIENT, 99, CAP_KILL, 0, 0));
    CHECK("raise CAP_KILL", pr(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_KILL, 0, 0));
    CHECK("raise CAP_NET_BIND_SERVICE",
          pr(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_BIND_SERVICE, 0, 0));
    CHECK("capset(inheritable without KILL)", capset3(BASE, BASE, BIT(CAP_NET_BIND_SERVICE)));
    CHECK("is_set CAP_KILL", pr(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_KILL, 0, 0));
    CHECK("capset(permitted without NET_BIND_SERVICE)",
          capset3(BASE & ~BIT(CAP_NET_BIND_SERVICE), BASE & ~BIT(CAP_NET_BIND_SERVICE),
                  BIT(CAP_NET_BIND_SERVICE)));
    CHECK("is_set CAP_NET_BIND_SERVICE",
          pr(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_NET_BIND_SERVICE, 0, 0));
    CHECK("capset(inheritable KILL)", capset3(BASE & ~BIT(CAP_NET_BIND_SERVICE),
                                               BASE & ~BIT(CAP_NET_BIND_SERVICE), BIT(CAP_KILL)));
    CHECK("PR_SET_SECUREBITS(NO_CAP_AMBIENT_RAISE)",
          pr(PR_SET_SECUREBITS, SECBIT_NO_CAP_AMBIENT_RAISE, 0, 0, 0));
    CHECK("raise CAP_KILL, NO_CAP_AMBIENT_RAISE",
          pr(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_KILL, 0, 0));
}

static void t_exec_root_reduced(void) {
    CHECK("capset(eff CHOWN, prm CHOWN+KILL, inh NET_BIND_SERVICE)",
          capset3(BIT(CAP_CHOWN), BIT(CAP_CHOWN) | BIT(CAP_KILL), BIT(CAP_NET_BIND_SERVICE)));
    exec_show(plain, "exec as root");
}

static void t_exec_root_nnp(void) {
    CHECK("capset(CHOWN+KILL)", capset3(BIT(CAP_CHOWN) | BIT(CAP_KILL), BIT(CAP_CHOWN) | BIT(CAP_KILL), 0));
    CHECK("PR_SET_NO_NEW_PRIVS", pr(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
    exec_show(plain, "exec as root, no_new_privs");
}

static void t_exec_euid_user(void) {
    CHECK("setresuid(0, 1000, 0)", setresuid(0, 1000, 0));
    exec_show(plain, "exec, real uid 0, effective 1000");
}

static void to_user(void) {
    if (setgroups(0, NULL) || setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000)) {
        perror("to user");
        exit(1);
    }
}

static void t_exec_user_ambient(void) {
    CHECK("PR_SET_KEEPCAPS(1)", pr(PR_SET_KEEPCAPS, 1, 0, 0, 0));
    CHECK("capset(inheritable KILL, NET_BIND_SERVICE)",
          capset3(BASE, BASE, BIT(CAP_KILL) | BIT(CAP_NET_BIND_SERVICE)));
    to_user();
    sets("as user 1000, keepcaps");
    CHECK("raise CAP_KILL", pr(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_KILL, 0, 0));
    CHECK("raise CAP_NET_BIND_SERVICE",
          pr(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_BIND_SERVICE, 0, 0));
    exec_show(plain, "exec as user with ambient");
}

static void t_exec_user(void) {
    to_user();
    exec_show(plain, "exec as user");
}

static void t_exec_user_suid_ambient(void) {
    CHECK("PR_SET_KEEPCAPS(1)", pr(PR_SET_KEEPCAPS, 1, 0, 0, 0));
    capset3(BASE, BASE, BIT(CAP_KILL));
    to_user();
    CHECK("raise CAP_KILL", pr(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_KILL, 0, 0));
    exec_show(suidroot, "exec set-user-ID root as user");
}

static void t_exec_user_suid_nnp(void) {
    to_user();
    CHECK("PR_SET_NO_NEW_PRIVS", pr(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
    exec_show(suidroot, "exec set-user-ID root as user, no_new_privs");
}

static void mk(const char *name, mode_t mode, uid_t uid, gid_t gid) {
    char p[128];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    int fd = open(p, O_CREAT | O_WRONLY | O_TRUNC, 0600);
    if (fd < 0 || write(fd, "data\n", 5) != 5 || fchown(fd, uid, gid) || fchmod(fd, mode)) {
        perror(p);
        exit(1);
    }
    close(fd);
}

static void mkd(const char *name, mode_t mode, uid_t uid) {
    char p[128];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    if (mkdir(p, 0700) || chown(p, uid, uid) || chmod(p, mode)) {
        perror(p);
        exit(1);
    }
}

static long mode_of(const char *name) {
    struct stat st;
    return stat(name, &st) ? -1 : (long)(st.st_mode & 07777);
}

static void t_checks(void) {
    if (chdir(dir) || setgroups(0, NULL)) {
        perror("checks");
        exit(1);
    }
    printf(" CAP_CHOWN\n");
    eff(CAP_CHOWN, 0);
    CHECK("  chown(root's file, 2000, -1)", chown("mine", 2000, -1));
    CHECK("  chown(root's file, 0, -1)", chown("mine", 0, -1));
    CHECK("  chown(root's file, -1, 2000)", chown("mine", -1, 2000));
    CHECK("  chown(root's file, -1, 0)", chown("mine", -1, 0));
    CHECK("  chown(other's file, 2000, -1)", chown("other0600", 2000, -1));
    eff(CAP_CHOWN, 1);
    CHECK("  with CAP_CHOWN: chown(root's file, 2000, 2000)", chown("mine", 2000, 2000));
    CHECK("  with CAP_CHOWN: chown back", chown("mine", 0, 0));

    printf(" CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH\n");
    eff(CAP_DAC_OVERRIDE, 0);
    eff(CAP_DAC_READ_SEARCH, 0);
    CHECK("  open(other's 0600 file, O_RDONLY)", open("other0600", O_RDONLY));
    CHECK("  stat(file in other's 0700 dir)", ({ struct stat st; stat("otherdir/inner", &st); }));
    CHECK("  access(other's 0600 file, R_OK): real root uses permitted", access("other0600", R_OK));
    CHECK("  faccessat(AT_EACCESS)", faccessat(AT_FDCWD, "other0600", R_OK, AT_EACCESS));
    eff(CAP_DAC_READ_SEARCH, 1);
    int fd = open("other0600", O_RDONLY);
    report_ok("  CAP_DAC_READ_SEARCH: open(O_RDONLY)", fd, errno);
    close(fd);
    CHECK("  CAP_DAC_READ_SEARCH: open(O_WRONLY)", open("other0600", O_WRONLY));
    CHECK("  CAP_DAC_READ_SEARCH: stat(file in 0700 dir)",
          ({ struct stat st; stat("otherdir/inner", &st); }));
    CHECK("  CAP_DAC_READ_SEARCH: create in other's 0700 dir",
          open("otherdir/new", O_CREAT | O_WRONLY, 0644));
    eff(CAP_DAC_READ_SEARCH, 0);
    eff(CAP_DAC_OVERRIDE, 1);
    fd = open("other0600", O_RDWR);
    report_ok("  CAP_DAC_OVERRIDE: open(O_RDWR)", fd, errno);
    close(fd);
    CHECK("  CAP_DAC_OVERRIDE: execute a file without x bits", execl("./other0600", "x", (char *)NULL));
    eff(CAP_DAC_READ_SEARCH, 1);

    printf(" CAP_FOWNER\n");
    eff(CAP_FOWNER, 0);
    CHECK("  chmod(other's file)", chmod("other0600", 0640));
    struct timespec ts[2] = {{1, 0}, {2, 0}};
    CHECK("  utimensat(explicit times, other's file)", utimensat(AT_FDCWD, "other0600", ts, 0));
    CHECK("  utimensat(now, other's file, writable)", utimensat(AT_FDCWD, "other0600", NULL, 0));
    CHECK("  unlink(other's file in other's sticky dir)", unlink("sticky/f"));
    eff(CAP_FOWNER, 1);
    CHECK("  with CAP_FOWNER: unlink", unlink("sticky/f"));
    CHECK("  with CAP_FOWNER: chmod", chmod("other0600", 0600));

    printf(" CAP_FSETID\n");
    eff(CAP_FSETID, 0);
    CHECK("  chmod(g+s, group 2000 not ours)", chmod("sgid", 02644));
    printf("  mode %lo\n", mode_of("sgid"));
    fd = open("suid", O_WRONLY);
    CHECK("  write(06755 file)", write(fd, "x", 1));
    close(fd);
    printf("  mode %lo\n", mode_of("suid"));
    eff(CAP_FSETID, 1);
    CHECK("  with CAP_FSETID: chmod(g+s)", chmod("sgid", 02644));
    printf("  mode %lo\n", mode_of("sgid"));
    chmod("suid", 06755);
    fd = open("suid", O_WRONLY);
    CHECK("  with CAP_FSETID: write(06755 file)", write(fd, "x", 1));
    close(fd);
    printf("  mode %lo\n", mode_of("suid"));
    CHECK("  chown(06755 file, -1, -1)", chown("suid", -1, -1));
    printf("  mode %lo\n", mode_of("suid"));

    printf(" CAP_SETUID, CAP_SETGID\n");
    eff(CAP_SETUID, 0);
    eff(CAP_SETGID, 0);
    CHECK("  setuid(1000)", setuid(1000));
    CHECK("  setresuid(-1, -1, -1)", setresuid(-1, -1, -1));
    CHECK("  setgid(2000)", setgid(2000));
    CHECK("  setgroups(0)", setgroups(0, NULL));
    eff(CAP_SETUID, 1);
    eff(CAP_SETGID, 1);

    printf(" CAP_SYS_NICE\n");
    struct rlimit zero = {0, 0};
    CHECK("  setrlimit(RLIMIT_NICE, 0)", setrlimit(RLIMIT_NICE, &zero));
    int cur = getpriority(PRIO_PROCESS, 0);
    eff(CAP_SYS_NICE, 0);
    CHECK("  setpriority(lower nice)", setpriority(PRIO_PROCESS, 0, cur - 1));
    CHECK("  setpriority(same nice)", setpriority(PRIO_PROCESS, 0, cur));
    eff(CAP_SYS_NICE, 1);
    CHECK("  with CAP_SYS_NICE: setpriority(lower nice)", setpriority(PRIO_PROCESS, 0, cur - 1));

    printf(" CAP_SYS_RESOURCE (not in the permitted set)\n");
    struct rlimit r;
    getrlimit(RLIMIT_NOFILE, &r);
    r.rlim_max = r.rlim_cur;
    CHECK("  setrlimit(NOFILE, lower hard)", setrlimit(RLIMIT_NOFILE, &r));
    r.rlim_max += 1;
    CHECK("  setrlimit(NOFILE, raise hard)", setrlimit(RLIMIT_NOFILE, &r));
    CHECK("  prlimit(NOFILE, raise hard)", prlimit(0, RLIMIT_NOFILE, &r, NULL));

    printf(" CAP_SYS_CHROOT, CAP_MKNOD, CAP_SYS_ADMIN\n");
    eff(CAP_SYS_CHROOT, 0);
    CHECK("  chroot(.)", chroot("."));
    eff(CAP_MKNOD, 0);
    CHECK("  mknod(char device)", mknod("null", S_IFCHR | 0600, makedev(1, 3)));
    eff(CAP_MKNOD, 1);
    CHECK("  with CAP_MKNOD: mknod(char device)", mknod("null", S_IFCHR | 0600, makedev(1, 3)));
    eff(CAP_SYS_ADMIN, 0);
    CHECK("  setxattr(trusted.t)", setxattr("mine", "trusted.t", "v", 1, 0));
    char v[8];
    CHECK("  getxattr(trusted.t)", getxattr("mine", "trusted.t", v, sizeof v));
    eff(CAP_SYS_ADMIN, 1);

    printf(" CAP_KILL\n");
    int ready[2], done[2];
    if (pipe(ready) || pipe(done))
        exit(1);
    pid_t target = fork();
    if (target == 0) {
        char c;
        if (setresuid(2000, 2000, 2000) || write(ready[1], "x", 1) != 1)
            _exit(1);
        if (read(done[0], &c, 1) < 0)
            _exit(1);
        _exit(0);
    }
    char c;
    if (read(ready[0], &c, 1) != 1)
        exit(1);
    eff(CAP_KILL, 0);
    CHECK("  kill(uid 2000's process, 0)", kill(target, 0));
    CHECK("  kill(uid 2000's process, SIGTERM)", kill(target, SIGTERM));
    CHECK("  kill(uid 2000's process, SIGCONT): same session", kill(target, SIGCONT));
    CHECK("  tgkill(uid 2000's thread, 0)", syscall(SYS_tgkill, target, target, 0));
    CHECK("  kill(its process group, 0)", kill(-getpgrp(), 0));
    eff(CAP_KILL, 1);
    CHECK("  with CAP_KILL: kill(uid 2000's process, 0)", kill(target, 0));
    if (write(done[1], "x", 1) != 1)
        exit(1);
    int st;
    waitpid(target, &st, 0);
    printf("  target exited %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

static int rm_one(const char *p, const struct stat *st, int type, struct FTW *f) {
    (void)st, (void)type, (void)f;
    return remove(p);
}

int main(int argc, char **argv) {
    if (argc > 2 && strcmp(argv[1], "show") == 0)
        return show(argv[2]);
    normalize();
    strcpy(dir, "/tmp/caps.XXXXXX");
    if (!mkdtemp(dir) || chmod(dir, 0755) != 0) {
        perror("scratch");
        return 1;
    }
    snprintf(plain, sizeof plain, "%s/plain", dir);
    snprintf(suidroot, sizeof suidroot, "%s/suidroot", dir);
    copy_self(plain, -1, -1, 0755);
    copy_self(suidroot, -1, -1, 04755);
    mk("mine", 0644, 0, 0);
    mk("other0600", 0600, 2000, 2000);
    mkd("otherdir", 0700, 2000);
    mk("otherdir/inner", 0644, 2000, 2000);
    mkd("sticky", 01777, 2000);
    mk("sticky/f", 0644, 2000, 2000);
    mk("sgid", 0644, 0, 2000);
    mk("suid", 06755, 0, 2000);

    printf("start\n");
    sets("root");
    pid_t pid = fork();
    if (pid == 0)
        exec_show(plain, "exec as root");
    waitpid(pid, NULL, 0);
    child("capget", t_capget);
    child("capset", t_capset);
    child("threads", t_threads);
    child("setuid from root", t_setuid_plain);
    child("setuid with keepcaps", t_setuid_keepcaps);
    child("seteuid and setresuid", t_seteuid);
    child("setreuid", t_setreuid);
    child("SECURE_NO_SETUID_FIXUP", t_no_setuid_fixup);
    child("secure bits", t_securebits);
    child("bounding set", t_bounding);
    child("ambient set", t_ambient);
    child("exec as root, reduced sets", t_exec_root_reduced);
    child("exec as root, no_new_privs", t_exec_root_nnp);
    child("exec with effective uid 1000", t_exec_euid_user);
    child("exec as user with ambient capabilities", t_exec_user_ambient);
    child("exec as user", t_exec_user);
    child("exec set-user-ID root as user (ambient cleared)", t_exec_user_suid_ambient);
    child("exec set-user-ID root as user, no_new_privs", t_exec_user_suid_nnp);
    child("privilege checks", t_checks);

    if (nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
        perror("cleanup");
    return 0;
}
