/* Signal delivery: SA_SIGINFO fields for kill() (SI_USER, si_pid, si_uid)
 * and raise() (SI_TKILL), blocking with sigprocmask and sigpending,
 * delivery on unblock, SA_RESETHAND (the second delivery kills a child),
 * the in-handler mask (the signal itself unless SA_NODEFER, plus sa_mask)
 * and its restoration on return, SIG_IGN (and discarding a pending signal),
 * SIGCHLD's default not killing, handlers on the sigaltstack, nested
 * handlers, registers and FPU/SSE state (an xmm register and the rounding
 * mode) preserved across a handler that clobbers them, the ucontext's RIP,
 * faults (SIGSEGV with si_addr and SEGV_MAPERR/SEGV_ACCERR, SIGFPE
 * FPE_INTDIV, SIGILL ILL_ILLOPN at the ud2, SIGTRAP after int3),
 * sigsuspend for SIGCHLD, pause() ended by SIGALRM, kill(0, sig) to a
 * process group (in a child in its own group), kill(pid, 0) for live,
 * zombie and reaped processes, and kill/sigaction errors. Handlers only
 * record; main prints. Pids and addresses are only compared. An argument
 * "bug-*" runs instead one check the sandbox gets wrong (see main). */
#include "check.h"

#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <ucontext.h>

static volatile sig_atomic_t count1, count2;
static siginfo_t last_info;
static volatile int in_mask_self, in_mask_usr2, in_mask_hup;
static volatile uintptr_t handler_local, handler_rip;
static volatile int handler_onstack_flag, handler_round;
static char order[32];
static volatile int order_len;
static sigjmp_buf jump;

/* Functions made of one faulting instruction, so si_addr and RIP can be
 * compared with their addresses. */
void do_ud2(void);
void do_int3(void);
asm(".text\n.globl do_ud2\ndo_ud2: ud2\n ret\n"
    ".globl do_int3\ndo_int3: int3\n ret\n");

/* Rounding control of MXCSR (bits 13-14) and of the x87 control word
 * (bits 10-11): 0 is round-to-nearest, 2 is round-up. */
static int get_round(void) {
    uint32_t mxcsr;
    uint16_t cw;
    asm volatile("stmxcsr %0\n fnstcw %1" : "=m"(mxcsr), "=m"(cw));
    return ((mxcsr >> 13) & 3) | ((cw >> 10) & 3) << 2;
}

static void set_round(int mode) {
    uint32_t mxcsr;
    uint16_t cw;
    asm volatile("stmxcsr %0\n fnstcw %1" : "=m"(mxcsr), "=m"(cw));
    mxcsr = (mxcsr & ~(3u << 13)) | (uint32_t)mode << 13;
    cw = (uint16_t)((cw & ~(3u << 10)) | (uint32_t)mode << 10);
    asm volatile("ldmxcsr %0\n fldcw %1" ::"m"(mxcsr), "m"(cw));
}

static void note(char c) {
    if (order_len < (int)sizeof order - 1)
        order[order_len++] = c;
}

static void on_info(int sig, siginfo_t *si, void *uc_) {
    ucontext_t *uc = uc_;
    sigset_t cur;
    char local = 0;
    count1++;
    last_info = *si;
    handler_rip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    handler_local = (uintptr_t)&local;
    sigprocmask(SIG_SETMASK, NULL, &cur);
    in_mask_self = sigismember(&cur, sig);
    in_mask_usr2 = sigismember(&cur, SIGUSR2);
    stack_t ss;
    sigaltstack(NULL, &ss);
    handler_onstack_flag = (ss.ss_flags & SS_ONSTACK) != 0;
    handler_round = get_round();
}

static void on_usr2(int sig) {
    (void)sig;
    count2++;
    note('2');
}

static void nest_usr1(int sig) {
    (void)sig;
    note('a');
    raise(SIGUSR2);
    note('b');
}

/* Blocks SIGINT inside the handler; the return must undo it. */
static void block_int(int sig) {
    (void)sig;
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGINT);
    sigprocmask(SIG_BLOCK, &s, NULL);
    count1++;
}

/* Clobbers xmm8, checks the rounding it starts with, changes it, and does
 * floating-point math. */
static void fp_handler(int sig) {
    (void)sig;
    volatile double x = 3.0;
    handler_round = get_round();
    set_round(3);
    x = x / 7.0 + 1e300 * 1e10;
    asm volatile("movq %0, %%xmm8" ::"r"((uint64_t)0xdeadbeefcafef00dULL) : "xmm8");
    count1 += x > 0;
}

static void fault_handler(int sig, siginfo_t *si, void *uc_) {
    ucontext_t *uc = uc_;
    last_info = *si;
    handler_rip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    count1++;
    if (sig != SIGTRAP)
        siglongjmp(jump, 1);
}

static void set(int sig, void *fn, int flags, const sigset_t *mask) {
    struct sigaction sa = {0};
    if (flags & SA_SIGINFO)
        sa.sa_sigaction = fn;
    else
        sa.sa_handler = fn;
    sa.sa_flags = flags;
    if (mask)
        sa.sa_mask = *mask;
    else
        sigemptyset(&sa.sa_mask);
    if (sigaction(sig, &sa, NULL) != 0)
        printf("sigaction(%d): -1 %s\n", sig, errno_name(errno));
}

static int is_pending(int sig) {
    sigset_t s;
    sigpending(&s);
    return sigismember(&s, sig);
}

static int blocked(int sig) {
    sigset_t s;
    sigprocmask(SIG_SETMASK, NULL, &s);
    return sigismember(&s, sig);
}

static void mask_sig(int how, int sig) {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    sigprocmask(how, &s, NULL);
}

static void reap(const char *name, pid_t pid) {
    int st = 0;
    if (waitpid(pid, &st, 0) != pid)
        printf("%s: waitpid -1 %s\n", name, errno_name(errno));
    else if (WIFSIGNALED(st))
        printf("%s: WTERMSIG=%d\n", name, WTERMSIG(st));
    else
        printf("%s: WEXITSTATUS=%d\n", name, WEXITSTATUS(st));
}

static void info_and_masks(void) {
    set(SIGUSR1, on_info, SA_SIGINFO, NULL);
    count1 = 0;
    CHECK("kill(getpid(), SIGUSR1)", kill(getpid(), SIGUSR1));
    printf("  count=%d si_signo=%d si_code_is_SI_USER=%d si_pid_is_self=%d si_uid_is_uid=%d\n",
           count1, last_info.si_signo, last_info.si_code == SI_USER,
           last_info.si_pid == getpid(), last_info.si_uid == getuid());
    printf("  in-handler mask has SIGUSR1=%d, after return=%d\n", in_mask_self, blocked(SIGUSR1));
    FACT("  ucontext RIP nonzero", handler_rip != 0);
    CHECK("raise(SIGUSR1)", raise(SIGUSR1));
    printf("  count=%d si_code_is_SI_TKILL=%d si_pid_is_self=%d\n", count1,
           last_info.si_code == SI_TKILL, last_info.si_pid == getpid());

    mask_sig(SIG_BLOCK, SIGUSR1);
    kill(getpid(), SIGUSR1);
    kill(getpid(), SIGUSR1); /* standard signals do not queue */
    printf("blocked: count=%d pending=%d\n", count1, is_pending(SIGUSR1));
    mask_sig(SIG_UNBLOCK, SIGUSR1);
    printf("unblocked: count=%d pending=%d\n", count1, is_pending(SIGUSR1));

    set(SIGUSR1, on_info, SA_SIGINFO | SA_NODEFER, NULL);
    raise(SIGUSR1);
    printf("SA_NODEFER: in-handler mask has SIGUSR1=%d\n", in_mask_self);
    sigset_t m;
    sigemptyset(&m);
    sigaddset(&m, SIGUSR2);
    set(SIGUSR1, on_info, SA_SIGINFO, &m);
    raise(SIGUSR1);
    printf("sa_mask {SIGUSR2}: in-handler SIGUSR1=%d SIGUSR2=%d; after return SIGUSR2=%d\n",
           in_mask_self, in_mask_usr2, blocked(SIGUSR2));
    set(SIGUSR1, on_info, SA_SIGINFO | SA_RESETHAND, NULL);
    raise(SIGUSR1);
    struct sigaction old;
    sigaction(SIGUSR1, NULL, &old);
    printf("SA_RESETHAND: in-handler mask has SIGUSR1=%d, handler now SIG_DFL=%d\n",
           in_mask_self, old.sa_handler == SIG_DFL);

    mask_sig(SIG_BLOCK, SIGHUP);
    set(SIGUSR1, block_int, 0, NULL);
    raise(SIGUSR1);
    printf("after handler that blocked SIGINT: SIGINT=%d SIGHUP=%d SIGUSR1=%d\n", blocked(SIGINT),
           blocked(SIGHUP), blocked(SIGUSR1));
    mask_sig(SIG_UNBLOCK, SIGHUP);

    set(SIGUSR1, SIG_IGN, 0, NULL);
    count1 = 0;
    CHECK("raise(SIGUSR1) while ignored", raise(SIGUSR1));
    mask_sig(SIG_BLOCK, SIGUSR1);
    raise(SIGUSR1);
    printf("SIG_IGN: blocked and raised, pending=%d\n", is_pending(SIGUSR1));
    set(SIGUSR1, on_info, SA_SIGINFO, NULL);
    mask_sig(SIG_UNBLOCK, SIGUSR1);
    printf("SIG_IGN: handler installed and unblocked, count=%d\n", count1);

    pid_t pid = fork();
    if (pid == 0) {
        count1 = 0;
        set(SIGUSR1, on_info, SA_SIGINFO | SA_RESETHAND, NULL);
        raise(SIGUSR1);
        printf("SA_RESETHAND child: first raise caught, count=%d\n", count1);
        raise(SIGUSR1);
        _exit(2);
    }
    reap("SA_RESETHAND child raising twice", pid);
    pid = fork();
    if (pid == 0)
        _exit(0);
    reap("SIGCHLD default", pid);
    CHECK("raise(SIGCHLD) with SIG_DFL", raise(SIGCHLD));
    CHECK("raise(SIGURG) with SIG_DFL", raise(SIGURG));
}

static void altstack_nesting_fpu(void) {
    static char altstack[64 * 1024];
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
    CHECK("sigaltstack", sigaltstack(&ss, NULL));
    set(SIGUSR1, on_info, SA_SIGINFO | SA_ONSTACK, NULL);
    raise(SIGUSR1);
    uintptr_t lo = (uintptr_t)altstack, hi = lo + sizeof altstack;
    printf("SA_ONSTACK: local on altstack=%d\n", handler_local >= lo && handler_local < hi);
    stack_t cur;
    sigaltstack(NULL, &cur);
    printf("  after return: SS_ONSTACK=%d\n", (cur.ss_flags & SS_ONSTACK) != 0);
    set(SIGUSR1, on_info, SA_SIGINFO, NULL);
    raise(SIGUSR1);
    printf("without SA_ONSTACK: local on altstack=%d\n", handler_local >= lo && handler_local < hi);
    ss.ss_flags = SS_DISABLE;
    CHECK("sigaltstack(SS_DISABLE)", sigaltstack(&ss, NULL));

    set(SIGUSR1, nest_usr1, 0, NULL);
    set(SIGUSR2, on_usr2, 0, NULL);
    order_len = 0;
    raise(SIGUSR1);
    order[order_len] = 0;
    printf("nested handlers order: %s\n", order);

    /* xmm8 holds a value across a tgkill that runs fp_handler. */
    set(SIGUSR1, fp_handler, 0, NULL);
    set_round(2);
    volatile double a = 1.0, b = 3.0;
    double before = a / b;
    uint64_t in = 0x0123456789abcdefULL, out = 0;
    long ret = SYS_tgkill;
    asm volatile("movq %[in], %%xmm8\n"
                 "syscall\n"
                 "movq %%xmm8, %[out]\n"
                 : [out] "=r"(out), "+a"(ret)
                 : [in] "r"(in), "D"((long)getpid()), "S"((long)gettid()), "d"((long)SIGUSR1)
                 : "rcx", "r11", "xmm8", "memory");
    double after = a / b;
    printf("FPU: xmm8 preserved=%d main rounding still upward=%d same quotient=%d\n", out == in,
           get_round() == (2 | 2 << 2), before == after);
    set_round(0);
}

static void faults(void) {
    set(SIGSEGV, fault_handler, SA_SIGINFO, NULL);
    set(SIGFPE, fault_handler, SA_SIGINFO, NULL);
    set(SIGILL, fault_handler, SA_SIGINFO, NULL);
    set(SIGTRAP, fault_handler, SA_SIGINFO, NULL);
    char *p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *gone = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(gone, 4096);
    if (sigsetjmp(jump, 1) == 0)
        (void)*(volatile char *)(gone + 100);
    printf("read unmapped: si_signo=%d SEGV_MAPERR=%d si_addr_matches=%d\n", last_info.si_signo,
           last_info.si_code == SEGV_MAPERR, last_info.si_addr == gone + 100);
    if (sigsetjmp(jump, 1) == 0)
        *(volatile char *)(p + 123) = 1;
    printf("write PROT_READ: si_signo=%d SEGV_ACCERR=%d si_addr_matches=%d\n", last_info.si_signo,
           last_info.si_code == SEGV_ACCERR, last_info.si_addr == p + 123);
    FACT("SIGSEGV unblocked after siglongjmp", !blocked(SIGSEGV));
    munmap(p, 4096);

    volatile int n = 1, d = 0;
    if (sigsetjmp(jump, 1) == 0)
        n = n / d;
    printf("divide by zero: si_signo=%d FPE_INTDIV=%d\n", last_info.si_signo,
           last_info.si_code == FPE_INTDIV);
    if (sigsetjmp(jump, 1) == 0)
        do_ud2();
    printf("ud2: si_signo=%d ILL_ILLOPN=%d si_addr_is_ud2=%d rip_is_ud2=%d\n",
           last_info.si_signo, last_info.si_code == ILL_ILLOPN,
           last_info.si_addr == (void *)do_ud2, handler_rip == (uintptr_t)do_ud2);
    count1 = 0;
    do_int3();
    printf("int3: count=%d si_signo=%d si_code=%d rip_after_int3=%d\n", count1,
           last_info.si_signo, last_info.si_code, handler_rip == (uintptr_t)do_int3 + 1);
}

static void waiting_and_kill(void) {
    sigset_t chld, empty;
    sigemptyset(&chld);
    sigemptyset(&empty);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    set(SIGCHLD, on_info, SA_SIGINFO, NULL);
    count1 = 0;
    pid_t pid = fork();
    if (pid == 0)
        _exit(4);
    CHECK("sigsuspend for SIGCHLD", sigsuspend(&empty));
    printf("  count=%d si_signo=%d CLD_EXITED=%d si_status=%d si_pid_matches=%d\n", count1,
           last_info.si_signo, last_info.si_code == CLD_EXITED, last_info.si_status,
           last_info.si_pid == pid);
    FACT("  SIGCHLD blocked again", blocked(SIGCHLD));
    reap("  sigsuspend child", pid);
    sigprocmask(SIG_UNBLOCK, &chld, NULL);
    set(SIGCHLD, SIG_DFL, 0, NULL);

    set(SIGALRM, on_info, SA_SIGINFO, NULL);
    count1 = 0;
    alarm(1);
    CHECK("pause() until alarm(1)", pause());
    printf("  count=%d si_signo=%d\n", count1, last_info.si_signo);

    pid = fork();
    if (pid == 0) {
        /* Its own group, so kill(0) stays within this test's processes. */
        setpgid(0, 0);
        count2 = 0;
        set(SIGUSR2, on_usr2, 0, NULL);
        sigset_t u2;
        sigemptyset(&u2);
        sigaddset(&u2, SIGUSR2);
        sigprocmask(SIG_BLOCK, &u2, NULL);
        int ready[2];
        if (pipe(ready) != 0)
            _exit(1);
        pid_t g = fork();
        if (g == 0) {
            write(ready[1], "x", 1);
            sigsuspend(&empty);
            _exit(count2 == 1 ? 0 : 1);
        }
        char c;
        read(ready[0], &c, 1);
        CHECK("kill(0, SIGUSR2) in own group", kill(0, SIGUSR2));
        sigprocmask(SIG_UNBLOCK, &u2, NULL);
        printf("  sender's handler count=%d\n", count2);
        reap("  group member got it (0 = yes)", g);
        CHECK("kill(-own group, 0)", kill(-getpgid(0), 0));
        _exit(0);
    }
    reap("kill(0) child", pid);

    CHECK("kill(self, 0)", kill(getpid(), 0));
    pid = fork();
    if (pid == 0)
        _exit(0);
    siginfo_t si;
    waitid(P_PID, pid, &si, WEXITED | WNOWAIT);
    CHECK("kill(zombie, 0)", kill(pid, 0));
    reap("zombie", pid);
    CHECK("kill(reaped, 0)", kill(pid, 0));
    CHECK("kill(nonexistent, SIGTERM)", kill(0x3ffffff0, SIGTERM));
    CHECK("kill(self, 65)", kill(getpid(), 65));
    CHECK("kill(self, -1)", kill(getpid(), -1));
    struct sigaction sa = {.sa_handler = SIG_IGN};
    CHECK("sigaction(SIGKILL)", sigaction(SIGKILL, &sa, NULL));
    CHECK("sigaction(SIGSTOP)", sigaction(SIGSTOP, &sa, NULL));
    CHECK("sigaction(0)", sigaction(0, &sa, NULL));
    CHECK("sigaction(65)", sigaction(65, &sa, NULL));
    CHECK("sigaction(SIGKILL, NULL, &old)", sigaction(SIGKILL, NULL, &sa));
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    sigprocmask(SIG_SETMASK, NULL, &all);
    printf("block all: SIGKILL blocked=%d SIGSTOP blocked=%d SIGTERM blocked=%d\n",
           sigismember(&all, SIGKILL), sigismember(&all, SIGSTOP), sigismember(&all, SIGTERM));
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    CHECK("rt_sigprocmask(bad how)", sigprocmask(99, &all, NULL));
}

/* Checks the sandbox gets wrong, run one at a time by name. */

/* Setting SIG_IGN discards a pending (blocked) instance of the signal. */
static void bug_sig_ign_discards(void) {
    set(SIGUSR1, on_info, SA_SIGINFO, NULL);
    mask_sig(SIG_BLOCK, SIGUSR1);
    raise(SIGUSR1);
    int before = is_pending(SIGUSR1);
    set(SIGUSR1, SIG_IGN, 0, NULL);
    printf("SIG_IGN: pending before=%d after=%d\n", before, is_pending(SIGUSR1));
    mask_sig(SIG_UNBLOCK, SIGUSR1);
}

/* sigaltstack(NULL, &old) inside a handler running on it reports SS_ONSTACK. */
static void bug_ss_onstack(void) {
    static char altstack[64 * 1024];
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
    sigaltstack(&ss, NULL);
    set(SIGUSR1, on_info, SA_SIGINFO | SA_ONSTACK, NULL);
    raise(SIGUSR1);
    printf("SA_ONSTACK handler: SS_ONSTACK=%d\n", handler_onstack_flag);
    set(SIGUSR1, on_info, SA_SIGINFO, NULL);
    raise(SIGUSR1);
    printf("handler not on altstack: SS_ONSTACK=%d\n", handler_onstack_flag);
}

/* A handler starts with the default FPU control state (Linux resets it). */
static void bug_handler_fpu_reset(void) {
    set(SIGUSR1, fp_handler, 0, NULL);
    set_round(2);
    raise(SIGUSR1);
    printf("handler started with round-to-nearest (MXCSR and x87)=%d\n", handler_round == 0);
    set_round(0);
}

/* SIGALRM from alarm() carries si_code SI_KERNEL. */
static void bug_alarm_si_code(void) {
    set(SIGALRM, on_info, SA_SIGINFO, NULL);
    alarm(1);
    pause();
    printf("alarm: si_code=%d\n", last_info.si_code);
}

int main(int argc, char **argv) {
    if (argc > 1) {
        if (strcmp(argv[1], "bug-sig-ign-discards") == 0)
            bug_sig_ign_discards();
        else if (strcmp(argv[1], "bug-ss-onstack") == 0)
            bug_ss_onstack();
        else if (strcmp(argv[1], "bug-handler-fpu-reset") == 0)
            bug_handler_fpu_reset();
        else if (strcmp(argv[1], "bug-alarm-si-code") == 0)
            bug_alarm_si_code();
        else
            return 2;
        return 0;
    }
    info_and_masks();
    altstack_nesting_fpu();
    faults();
    waiting_and_kill();
    return 0;
}
