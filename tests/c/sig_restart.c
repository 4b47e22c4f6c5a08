/* Interrupted system calls and timers: a read on an empty pipe and a
 * waitpid for a running child, interrupted by SIGALRM from a one-shot
 * setitimer, fail with EINTR without SA_RESTART and are restarted with it
 * (the SIGALRM handler tells the child, through a pipe, to write or exit,
 * so nothing depends on sleeps); nanosleep/clock_nanosleep, select, poll
 * and epoll_wait fail with EINTR even with SA_RESTART (nanosleep reports a
 * remaining time); SIGPIPE kills a writer by default and, ignored or
 * handled, leaves EPIPE; a POSIX timer (timer_create/settime/gettime/
 * getoverrun/delete) delivers its SIGEV_SIGNAL signal with SI_TIMER and
 * the sigev_value, once and periodically; an interval ITIMER_REAL fires
 * repeatedly and getitimer reports it while armed; alarm() returns the
 * remaining seconds of the previous alarm. Times are only compared. An
 * argument "bug-*" runs instead one check the sandbox gets wrong: the
 * SA_RESTART read/waitpid restarts, SIGPIPE's si_pid. */
#include "check.h"

#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

static volatile sig_atomic_t alarms, pipes, timer_hits;
static volatile int notify_fd = -1;
static siginfo_t pipe_info, timer_info;

static void on_alrm(int sig) {
    (void)sig;
    alarms++;
    if (notify_fd >= 0)
        write(notify_fd, "n", 1);
}

static void on_pipe(int sig, siginfo_t *si, void *uc) {
    (void)sig, (void)uc;
    pipes++;
    pipe_info = *si;
}

static void on_timer(int sig, siginfo_t *si, void *uc) {
    (void)sig, (void)uc;
    timer_hits++;
    timer_info = *si;
}

static void set(int sig, void *fn, int flags) {
    struct sigaction sa = {0};
    if (flags & SA_SIGINFO)
        sa.sa_sigaction = fn;
    else
        sa.sa_handler = fn;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

/* A one-shot ITIMER_REAL of ms milliseconds. */
static void arm(long ms) {
    struct itimerval it = {{0, 0}, {ms / 1000, (ms % 1000) * 1000}};
    setitimer(ITIMER_REAL, &it, NULL);
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

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A child that waits for the SIGALRM handler's note, then writes a byte
 * to data (if data >= 0) and exits with 6. Returns its pid; *go is the
 * write end the handler uses. */
static pid_t helper(int data, int *go) {
    int g[2];
    if (pipe(g) != 0)
        exit(1);
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        close(g[1]);
        if (read(g[0], &c, 1) == 1 && data >= 0)
            write(data, "d", 1);
        _exit(6);
    }
    close(g[0]);
    *go = g[1];
    return pid;
}

/* restart: whether the SIGALRM handler has SA_RESTART. */
static void interrupted(int restart) {
    {
        const char *how = restart ? "SA_RESTART" : "no SA_RESTART";
        set(SIGALRM, on_alrm, restart ? SA_RESTART : 0);
        int d[2], go;
        if (pipe(d) != 0)
            exit(1);
        pid_t pid = helper(d[1], &go);
        close(d[1]);
        notify_fd = go;
        alarms = 0;
        arm(100);
        char buf[4], name[32];
        errno = 0;
        long r = read(d[0], buf, sizeof buf);
        snprintf(name, sizeof name, "read, %s", how);
        report(name, r, errno);
        printf("  alarms=%d\n", alarms);
        if (r == -1)
            CHECK("  read again", read(d[0], buf, sizeof buf));
        notify_fd = -1;
        reap("  writer", pid);
        close(d[0]);
        close(go);

        pid = helper(-1, &go);
        notify_fd = go;
        alarms = 0;
        arm(100);
        int st = 0;
        errno = 0;
        pid_t w = waitpid(pid, &st, 0);
        if (w == -1)
            printf("waitpid, %s: -1 %s\n", how, errno_name(errno));
        else
            printf("waitpid, %s: returns child=%d status=%d\n", how, w == pid, WEXITSTATUS(st));
        printf("  alarms=%d\n", alarms);
        notify_fd = -1;
        if (w == -1)
            reap("  waitpid again", pid);
        close(go);
    }
}

static void never_restarted(void) {
    set(SIGALRM, on_alrm, SA_RESTART);
    struct timespec req = {5, 0}, rem = {0, 0};
    arm(100);
    CHECK("nanosleep(5s), SA_RESTART", nanosleep(&req, &rem));
    FACT("  remaining in (0, 5s)", (rem.tv_sec > 0 || rem.tv_nsec > 0) && rem.tv_sec < 5);
    arm(100);
    printf("clock_nanosleep(MONOTONIC, 5s): %s\n",
           errno_name(clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL)));
    struct timespec abs;
    clock_gettime(CLOCK_MONOTONIC, &abs);
    abs.tv_sec += 5;
    arm(100);
    printf("clock_nanosleep(MONOTONIC, TIMER_ABSTIME): %s\n",
           errno_name(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL)));

    int p[2];
    if (pipe(p) != 0)
        exit(1);
    fd_set rd;
    FD_ZERO(&rd);
    FD_SET(p[0], &rd);
    struct timeval tv = {5, 0};
    arm(100);
    CHECK("select(5s), SA_RESTART", select(p[0] + 1, &rd, NULL, NULL, &tv));
    struct pollfd pfd = {.fd = p[0], .events = POLLIN};
    arm(100);
    CHECK("poll(5s), SA_RESTART", poll(&pfd, 1, 5000));
    arm(100);
    CHECK("poll(infinite), SA_RESTART", poll(&pfd, 1, -1));
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN}, out;
    epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
    arm(100);
    CHECK("epoll_wait(5s), SA_RESTART", epoll_wait(ep, &out, 1, 5000));
    close(ep);
    close(p[0]);
    close(p[1]);
}

static void sigpipe(void) {
    int p[2];
    if (pipe(p) != 0)
        exit(1);
    close(p[0]);
    pid_t pid = fork();
    if (pid == 0) {
        set(SIGPIPE, SIG_DFL, 0);
        write(p[1], "x", 1);
        _exit(0);
    }
    reap("write to readerless pipe, SIGPIPE default", pid);
    set(SIGPIPE, SIG_IGN, 0);
    CHECK("write, SIGPIPE ignored", write(p[1], "x", 1));
    set(SIGPIPE, on_pipe, SA_SIGINFO);
    CHECK("write, SIGPIPE handled", write(p[1], "x", 1));
    printf("  handler ran %d, si_signo=%d si_code_is_SI_USER=%d\n", pipes, pipe_info.si_signo,
           pipe_info.si_code == SI_USER);
    set(SIGPIPE, SIG_DFL, 0);
    close(p[1]);
}

static void posix_timers(void) {
    int sig = SIGRTMIN + 2;
    set(sig, on_timer, SA_SIGINFO);
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, sig);
    sigprocmask(SIG_BLOCK, &block, &old);
    struct sigevent sev = {0};
    sev.sigev_notify = SIGEV_SIGNAL;
    sev.sigev_signo = sig;
    sev.sigev_value.sival_int = 1234;
    timer_t t;
    CHECK("timer_create(CLOCK_MONOTONIC, SIGEV_SIGNAL)", timer_create(CLOCK_MONOTONIC, &sev, &t));
    struct itimerspec its = {{0, 0}, {0, 50 * 1000 * 1000}}, cur;
    CHECK("timer_settime(50ms)", timer_settime(t, 0, &its, NULL));
    timer_gettime(t, &cur);
    FACT("  timer_gettime while armed: value in (0, 50ms]",
         cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0 && cur.it_value.tv_nsec <= 50000000);
    CHECK("  sigsuspend", sigsuspend(&old));
    printf("  hits=%d si_signo_ok=%d SI_TIMER=%d sival_int=%d si_overrun=%d\n", timer_hits,
           timer_info.si_signo == sig, timer_info.si_code == SI_TIMER,
           timer_info.si_value.sival_int, timer_info.si_overrun);
    timer_gettime(t, &cur);
    printf("  timer_gettime after expiry: %ld.%09ld\n", (long)cur.it_value.tv_sec,
           cur.it_value.tv_nsec);
    CHECK("  timer_getoverrun", timer_getoverrun(t));

    its.it_interval.tv_nsec = its.it_value.tv_nsec = 20 * 1000 * 1000;
    timer_hits = 0;
    timer_settime(t, 0, &its, NULL);
    double deadline = now() + 5;
    while (timer_hits < 3 && now() < deadline)
        sigsuspend(&old);
    FACT("periodic POSIX timer fired >= 3 times", timer_hits >= 3);
    CHECK("timer_delete", timer_delete(t));
    sigprocmask(SIG_SETMASK, &old, NULL);
}

static void itimers(void) {
    set(SIGALRM, on_alrm, 0);
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGALRM);
    sigprocmask(SIG_BLOCK, &block, &old);
    struct itimerval it = {{0, 100000}, {0, 100000}}, cur;
    alarms = 0;
    double start = now();
    CHECK("setitimer(100ms interval)", setitimer(ITIMER_REAL, &it, NULL));
    CHECK("getitimer", getitimer(ITIMER_REAL, &cur));
    printf("  value in (0, 100ms]=%d interval=%ld.%06ld\n",
           cur.it_value.tv_sec == 0 && cur.it_value.tv_usec > 0 && cur.it_value.tv_usec <= 100000,
           (long)cur.it_interval.tv_sec, (long)cur.it_interval.tv_usec);
    double deadline = start + 5;
    while (alarms < 3 && now() < deadline)
        sigsuspend(&old);
    double took = now() - start;
    FACT("  fired >= 3 times", alarms >= 3);
    FACT("  three expiries took >= 290ms", took >= 0.29);
    struct itimerval zero = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &zero, &cur);
    FACT("  setitimer(0) returns old interval 100ms", cur.it_interval.tv_usec == 100000);
    getitimer(ITIMER_REAL, &cur);
    printf("  after disarm: value=%ld.%06ld interval=%ld.%06ld\n", (long)cur.it_value.tv_sec,
           (long)cur.it_value.tv_usec, (long)cur.it_interval.tv_sec,
           (long)cur.it_interval.tv_usec);
    sigprocmask(SIG_SETMASK, &old, NULL);

    CHECK("alarm(5) with none pending", alarm(5));
    getitimer(ITIMER_REAL, &cur);
    FACT("  getitimer sees it: value in (4s, 5s]",
         (cur.it_value.tv_sec == 4 && cur.it_value.tv_usec > 0) ||
             (cur.it_value.tv_sec == 5 && cur.it_value.tv_usec == 0));
    unsigned left = alarm(0);
    FACT("  alarm(0) returns 4 or 5", left == 4 || left == 5);
    CHECK("  alarm(0) again", alarm(0));
    it.it_interval.tv_usec = 0;
    it.it_value.tv_sec = 0;
    it.it_value.tv_usec = 200000; /* under a second left rounds up to 1 */
    sigprocmask(SIG_BLOCK, &block, NULL);
    setitimer(ITIMER_REAL, &it, NULL);
    CHECK("  alarm(0) with 200ms left", alarm(0));
    sigprocmask(SIG_SETMASK, &old, NULL);
}

int main(int argc, char **argv) {
    if (argc > 1) {
        /* Checks the sandbox gets wrong. */
        if (strcmp(argv[1], "bug-sa-restart") == 0) {
            interrupted(1);
        } else if (strcmp(argv[1], "bug-sigpipe-si-pid") == 0) {
            /* The kernel sends SIGPIPE as if by the writer itself. */
            int p[2];
            if (pipe(p) != 0)
                return 1;
            close(p[0]);
            set(SIGPIPE, on_pipe, SA_SIGINFO);
            CHECK("write, SIGPIPE handled", write(p[1], "x", 1));
            printf("  si_code_is_SI_USER=%d si_pid_is_self=%d si_uid_is_uid=%d\n",
                   pipe_info.si_code == SI_USER, pipe_info.si_pid == getpid(),
                   pipe_info.si_uid == getuid());
        }
        else
            return 2;
        return 0;
    }
    interrupted(0);
    never_restarted();
    sigpipe();
    posix_timers();
    itimers();
    return 0;
}
