/* Job control: stop and continue signals, their reports to wait4 and
 * waitid (WUNTRACED, WCONTINUED, WSTOPPED, WNOWAIT) and to the parent's
 * SIGCHLD, SA_NOCLDSTOP, orphaned process groups, whole-group stops of
 * threads, blocking syscalls across a stop, and SIGCHLD ignored (children
 * reaped as they exit). */
#include "check.h"
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

static volatile long *counters; /* shared with children */

static void msleep(int ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) && errno == EINTR) {
    }
}

static void describe(const char *what, int st) {
    if (WIFEXITED(st))
        printf("%s: exited %d\n", what, WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        printf("%s: killed by %s\n", what, sigabbrev_np(WTERMSIG(st)));
    else if (WIFSTOPPED(st))
        printf("%s: stopped by %s\n", what, sigabbrev_np(WSTOPSIG(st)));
    else if (WIFCONTINUED(st))
        printf("%s: continued\n", what);
    else
        printf("%s: status %#x\n", what, st);
}

/* Takes a pending SIGCHLD (blocked in main) and prints its si_code. */
static void take_sigchld(const char *what) {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGCHLD);
    struct timespec to = {2, 0};
    siginfo_t si;
    int r = sigtimedwait(&s, &si, &to);
    if (r < 0) {
        printf("%s: no SIGCHLD (%s)\n", what, errno_name(errno));
        return;
    }
    const char *code = si.si_code == CLD_STOPPED     ? "CLD_STOPPED"
                       : si.si_code == CLD_CONTINUED ? "CLD_CONTINUED"
                       : si.si_code == CLD_EXITED    ? "CLD_EXITED"
                       : si.si_code == CLD_KILLED    ? "CLD_KILLED"
                                                     : "other";
    /* Linux fills a stop's si_status when the last thread stops, which
     * can be after a racing waitpid consumed the stop code (then 0). */
    printf("%s: SIGCHLD %s status=%s\n", what, code,
           si.si_code == CLD_EXITED || si.si_code == CLD_STOPPED ? "-"
                                                                  : sigabbrev_np(si.si_status));
}

static int sigchld_pending(void) {
    sigset_t p;
    sigpending(&p);
    return sigismember(&p, SIGCHLD);
}

static pid_t spinner(int slot) {
    pid_t c = fork();
    if (c == 0) {
        for (;;)
            counters[slot]++;
    }
    return c;
}

/* Whether counter `slot` stands still for 100 ms. */
static int frozen(int slot) {
    long a = counters[slot];
    msleep(100);
    return counters[slot] == a;
}

static void *thread_spin(void *arg) {
    long slot = (long)arg;
    for (;;)
        counters[slot]++;
    return NULL;
}

static volatile sig_atomic_t got_cont, got_tstp;
static void on_cont(int s) { (void)s; got_cont = 1; }
static void on_tstp(int s) { (void)s; got_tstp = 1; }

int main(void) {
    counters = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    int st;

    /* 1. SIGSTOP, SIGCONT, then SIGTERM, each seen by wait4 and SIGCHLD. */
    pid_t c = spinner(0);
    msleep(20);
    kill(c, SIGSTOP);
    CHECK("waitpid(WUNTRACED)", waitpid(c, &st, WUNTRACED) == c);
    describe("  status", st);
    take_sigchld("  stop");
    printf("stopped child runs no code: %d\n", frozen(0));
    CHECK("waitpid(WUNTRACED|WNOHANG) again (stop reported once)",
          waitpid(c, &st, WUNTRACED | WNOHANG));
    kill(c, SIGCONT);
    CHECK("waitpid(WCONTINUED)", waitpid(c, &st, WCONTINUED) == c);
    describe("  status", st);
    take_sigchld("  continue");
    printf("continued child runs: %d\n", !frozen(0));
    kill(c, SIGTERM);
    waitpid(c, &st, 0);
    describe("SIGTERM after continue", st);
    take_sigchld("  exit");

    /* 2. A stop is invisible to a plain waitpid, which waits on. */
    c = spinner(1);
    kill(c, SIGSTOP);
    take_sigchld("stop seen without WUNTRACED");
    CHECK("waitpid(WNOHANG) of a stopped child", waitpid(c, &st, WNOHANG));
    kill(c, SIGKILL);
    waitpid(c, &st, 0);
    describe("SIGKILL of a stopped child", st);
    take_sigchld("  exit");

    /* 3. waitid: WSTOPPED with WNOWAIT reports twice; WEXITED|WNOWAIT leaves
     * the zombie for a later wait. */
    c = spinner(2);
    kill(c, SIGSTOP);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    CHECK("waitid(WSTOPPED|WNOWAIT)", waitid(P_PID, c, &si, WSTOPPED | WNOWAIT));
    printf("  si_code=%s si_status=%s si_pid ok=%d\n",
           si.si_code == CLD_STOPPED ? "CLD_STOPPED" : "other", sigabbrev_np(si.si_status),
           si.si_pid == c);
    memset(&si, 0, sizeof si);
    CHECK("waitid(WSTOPPED) again", waitid(P_PID, c, &si, WSTOPPED));
    printf("  si_code=%s\n", si.si_code == CLD_STOPPED ? "CLD_STOPPED" : "other");
    memset(&si, 0, sizeof si);
    CHECK("waitid(WSTOPPED|WNOHANG) after it was reported",
          waitid(P_PID, c, &si, WSTOPPED | WNOHANG));
    printf("  si_pid=%d\n", si.si_pid);
    kill(c, SIGCONT);
    memset(&si, 0, sizeof si);
    CHECK("waitid(WCONTINUED)", waitid(P_PID, c, &si, WCONTINUED));
    printf("  si_code=%s si_status=%s\n",
           si.si_code == CLD_CONTINUED ? "CLD_CONTINUED" : "other", sigabbrev_np(si.si_status));
    kill(c, SIGKILL);
    memset(&si, 0, sizeof si);
    CHECK("waitid(WEXITED|WNOWAIT)", waitid(P_PID, c, &si, WEXITED | WNOWAIT));
    printf("  si_code=%s si_status=%s\n", si.si_code == CLD_KILLED ? "CLD_KILLED" : "other",
           sigabbrev_np(si.si_status));
    CHECK("waitpid reaps it afterwards", waitpid(c, &st, 0) == c);
    while (sigchld_pending())
        take_sigchld("  drained");

    /* 4. SIGTSTP: stops a child in its own process group; a handler
     * catches it instead; an orphaned group (a new session) ignores it. */
    c = fork();
    if (c == 0) {
        setpgid(0, 0);
        for (;;)
            counters[3]++;
    }
    msleep(20);
    kill(c, SIGTSTP);
    waitpid(c, &st, WUNTRACED);
    describe("SIGTSTP to a child in its own group", st);
    take_sigchld("  stop");
    kill(c, SIGKILL);
    waitpid(c, &st, 0);
    take_sigchld("  exit");
    c = fork();
    if (c == 0) {
        signal(SIGTSTP, on_tstp);
        setpgid(0, 0);
        while (!got_tstp)
            ;
        _exit(7);
    }
    msleep(20);
    kill(c, SIGTSTP);
    waitpid(c, &st, WUNTRACED);
    describe("SIGTSTP with a handler", st);
    take_sigchld("  exit");
    c = fork();
    if (c == 0) {
        setsid();
        for (;;)
            counters[4]++;
    }
    msleep(20);
    kill(c, SIGTSTP);
    msleep(50);
    CHECK("SIGTSTP to an orphaned group: waitpid(WUNTRACED|WNOHANG)",
          waitpid(c, &st, WUNTRACED | WNOHANG));
    printf("  still running: %d\n", !frozen(4));
    kill(c, SIGSTOP);
    waitpid(c, &st, WUNTRACED);
    describe("  SIGSTOP stops it anyway", st);
    kill(c, SIGKILL);
    waitpid(c, &st, 0);
    while (sigchld_pending())
        take_sigchld("  drained");

    /* 5. Every thread of the child stops. */
    c = fork();
    if (c == 0) {
        pthread_t th[3];
        for (long i = 0; i < 3; i++)
            pthread_create(&th[i], NULL, thread_spin, (void *)(10 + i));
        for (;;)
            counters[13]++;
    }
    msleep(50);
    kill(c, SIGSTOP);
    waitpid(c, &st, WUNTRACED);
    describe("multithreaded child", st);
    msleep(20);
    printf("  all 4 threads frozen: %d\n", frozen(10) && frozen(11) && frozen(12) && frozen(13));
    kill(c, SIGCONT);
    msleep(50);
    printf("  all 4 run again: %d\n",
           !frozen(10) && !frozen(11) && !frozen(12) && !frozen(13));
    kill(c, SIGKILL);
    waitpid(c, &st, 0);
    while (sigchld_pending())
        take_sigchld("  drained");

    /* 6. A read blocked across a stop goes on after SIGCONT (no EINTR);
     * a SIGCONT handler runs. */
    int p[2];
    pipe(p);
    c = fork();
    if (c == 0) {
        signal(SIGCONT, on_cont);
        char b[8];
        errno = 0;
        ssize_t n;
        do
            n = read(p[0], b, sizeof b);
        while (n < 0 && errno == EINTR);
        _exit(n == 5 && got_cont ? 0 : 1);
    }
    msleep(50);
    kill(c, SIGSTOP);
    waitpid(c, &st, WUNTRACED);
    describe("child blocked in read", st);
    kill(c, SIGCONT);
    msleep(20);
    write(p[1], "hello", 5);
    waitpid(c, &st, 0);
    describe("  read after continue got the data and ran the SIGCONT handler", st);
    while (sigchld_pending())
        take_sigchld("  drained");

    /* 7. SA_NOCLDSTOP: no SIGCHLD for stops and continues, still for exits. */
    struct sigaction sa = {0};
    sa.sa_handler = on_cont; /* never runs: SIGCHLD stays blocked */
    sa.sa_flags = SA_NOCLDSTOP;
    sigaction(SIGCHLD, &sa, NULL);
    c = spinner(5);
    kill(c, SIGSTOP);
    waitpid(c, &st, WUNTRACED);
    printf("SA_NOCLDSTOP: SIGCHLD after a stop: %d\n", sigchld_pending());
    kill(c, SIGCONT);
    waitpid(c, &st, WCONTINUED);
    printf("  SIGCHLD after a continue: %d\n", sigchld_pending());
    kill(c, SIGKILL);
    waitpid(c, &st, 0);
    printf("  SIGCHLD after the exit: %d\n", sigchld_pending());
    take_sigchld("  exit");

    /* 8. SIGCHLD ignored: children are reaped as they exit, and wait
     * reports ECHILD once they are all gone. */
    signal(SIGCHLD, SIG_IGN);
    for (int i = 0; i < 3; i++)
        if (fork() == 0)
            _exit(i);
    msleep(100);
    CHECK("SIG_IGN SIGCHLD: waitpid(-1)", waitpid(-1, &st, 0));
    if (fork() == 0) {
        msleep(50);
        _exit(0);
    }
    CHECK("  waitpid(-1) for a live child blocks, then", waitpid(-1, &st, 0));
    return 0;
}
