/* setitimer/getitimer on CPU time: ITIMER_VIRTUAL (SIGVTALRM) and
 * ITIMER_PROF (SIGPROF) fire as the process burns CPU, not while it
 * sleeps; getitimer reports the interval and the time left; disarming
 * returns the old setting; fork children start without timers and exec
 * keeps them. Counts are checked against ranges (the clocks tick
 * differently natively and in the sandbox), never printed raw. */
#include "check.h"
#include <signal.h>
#include <stdlib.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

static volatile sig_atomic_t vt_count, prof_count;

static void on_signal(int sig) {
    if (sig == SIGVTALRM)
        vt_count++;
    else if (sig == SIGPROF)
        prof_count++;
}

static double cpu_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Spins until the process has used `secs` more seconds of CPU. */
static void burn(double secs) {
    double end = cpu_now() + secs;
    volatile unsigned long x = 0;
    while (cpu_now() < end)
        for (int i = 0; i < 10000; i++)
            x += i;
}

static struct itimerval every(long ms) {
    struct itimerval it = {{ms / 1000, (ms % 1000) * 1000}, {ms / 1000, (ms % 1000) * 1000}};
    return it;
}

static void describe(const char *name, int which) {
    struct itimerval cur;
    if (getitimer(which, &cur)) {
        printf("%s: getitimer -1 %s\n", name, errno_name(errno));
        return;
    }
    printf("%s: interval=%ld.%06ld value_set=%d\n", name, (long)cur.it_interval.tv_sec,
           (long)cur.it_interval.tv_usec,
           cur.it_value.tv_sec != 0 || cur.it_value.tv_usec != 0);
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "after-exec") == 0) {
        describe("after exec ITIMER_VIRTUAL", ITIMER_VIRTUAL);
        return 0;
    }
    signal(SIGVTALRM, on_signal);
    signal(SIGPROF, on_signal);

    /* Both timers at 20 ms over 300 ms of CPU: about 15 each. */
    struct itimerval it = every(20);
    CHECK("setitimer(ITIMER_VIRTUAL, 20ms)", setitimer(ITIMER_VIRTUAL, &it, NULL));
    CHECK("setitimer(ITIMER_PROF, 20ms)", setitimer(ITIMER_PROF, &it, NULL));
    describe("armed ITIMER_VIRTUAL", ITIMER_VIRTUAL);
    struct itimerval cur;
    getitimer(ITIMER_PROF, &cur);
    printf("ITIMER_PROF 0 < value <= 30ms: %d\n",
           cur.it_value.tv_sec == 0 && cur.it_value.tv_usec > 0 && cur.it_value.tv_usec <= 30000);
    burn(0.3);
    struct itimerval off = {{0, 0}, {0, 0}}, old;
    CHECK("disarm ITIMER_VIRTUAL", setitimer(ITIMER_VIRTUAL, &off, &old));
    printf("  old interval: %ld.%06ld\n", (long)old.it_interval.tv_sec,
           (long)old.it_interval.tv_usec);
    setitimer(ITIMER_PROF, &off, NULL);
    int v = vt_count, p = prof_count;
    printf("SIGVTALRM over 300ms CPU in [5,20]: %d\n", v >= 5 && v <= 20);
    printf("SIGPROF over 300ms CPU in [5,20]: %d\n", p >= 5 && p <= 20);
    describe("disarmed ITIMER_VIRTUAL", ITIMER_VIRTUAL);

    /* Sleeping uses no CPU: a 50 ms virtual timer does not fire. */
    vt_count = 0;
    it = every(50);
    setitimer(ITIMER_VIRTUAL, &it, NULL);
    struct timespec nap = {0, 300 * 1000000L};
    nanosleep(&nap, NULL);
    printf("SIGVTALRM while sleeping 300ms: %d\n", (int)vt_count);

    /* One-shot: fires once, then reads as disarmed. */
    setitimer(ITIMER_VIRTUAL, &off, NULL);
    vt_count = 0;
    struct itimerval once = {{0, 0}, {0, 30000}};
    setitimer(ITIMER_VIRTUAL, &once, NULL);
    burn(0.15);
    printf("one-shot SIGVTALRM count: %d\n", (int)vt_count);
    describe("after one-shot ITIMER_VIRTUAL", ITIMER_VIRTUAL);

    /* fork: the child has no timers; the parent keeps its own. */
    it = every(500);
    setitimer(ITIMER_VIRTUAL, &it, NULL);
    pid_t pid = fork();
    if (pid == 0) {
        describe("fork child ITIMER_VIRTUAL", ITIMER_VIRTUAL);
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    describe("parent ITIMER_VIRTUAL", ITIMER_VIRTUAL);

    /* exec keeps the timer (SIGVTALRM is set to default by exec, but the
     * timer is long enough not to fire). */
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        it = every(5000);
        setitimer(ITIMER_VIRTUAL, &it, NULL);
        execl("/proc/self/exe", argv[0], "after-exec", (char *)NULL);
        _exit(127);
    }
    int st;
    waitpid(pid, &st, 0);
    printf("exec child exit: %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);

    /* A bad `which` and a bad pointer. */
    CHECK("setitimer(99)", setitimer(99, &it, NULL));
    CHECK("getitimer(99)", getitimer(99, &cur));
    CHECK("getitimer(ITIMER_PROF, NULL)", syscall(SYS_getitimer, ITIMER_PROF, NULL));
    return 0;
}
