/* Raw futex(2): FUTEX_WAIT with a mismatched value (EAGAIN) and with a
 * timeout (ETIMEDOUT), FUTEX_WAKE with and without waiters, the private
 * variants, FUTEX_WAIT_BITSET/FUTEX_WAKE_BITSET (absolute timeouts on both
 * clocks, non-matching bitsets wake nobody), FUTEX_REQUEUE and
 * FUTEX_CMP_REQUEUE (3 waiters: wake 1, move 2, wake the 2 on the second
 * word), FUTEX_WAKE_OP (the op's effect on the second word and the wake
 * count with and without the comparison holding), argument errors (bad
 * alignment, bad address, bad op, bad timeout, zero bitset) and a wait
 * interrupted by a signal handler with and without SA_RESTART, with and
 * without a timeout. Checks the sandbox gets wrong run only when named
 * (`bug-...` arguments, see main).
 *
 * A waiter is known to be asleep in the kernel, without waking it, by
 * moving every waiter of its word to a spare word with FUTEX_CMP_REQUEUE
 * (which returns how many it moved) and moving them back. */
#include "check.h"

#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>

static long futex(void *uaddr, int op, unsigned val, const void *timeout_or_val2, void *uaddr2,
                  unsigned val3) {
    return syscall(SYS_futex, uaddr, op, val, timeout_or_val2, uaddr2, val3);
}

static long futex_wait(atomic_int *w, int val, const struct timespec *ts) {
    return futex(w, FUTEX_WAIT, val, ts, NULL, 0);
}

static long futex_wake(atomic_int *w, int n) { return futex(w, FUTEX_WAKE, n, NULL, NULL, 0); }

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

static atomic_int spare;

/* How many tasks are asleep on w (whose value must be val): moves them all
 * to `spare` and back. */
static long waiters(atomic_int *w, int val) {
    long n = futex(w, FUTEX_CMP_REQUEUE, 0, (void *)(uintptr_t)INT_MAX, &spare, val);
    if (n > 0)
        futex(&spare, FUTEX_CMP_REQUEUE, 0, (void *)(uintptr_t)INT_MAX, w, atomic_load(&spare));
    return n;
}

/* Waits up to 20 s until n tasks sleep on w; returns whether they do. */
static int await_waiters(atomic_int *w, int val, long n) {
    double end = now() + 20;
    while (now() < end) {
        if (waiters(w, val) == n)
            return 1;
        sleep_ms(1);
    }
    return 0;
}

/* Wakes up to n waiters of w, retrying for up to 20 s until want of them
 * have been woken in all; returns the total woken. */
static long wake_until(atomic_int *w, int op, int n, unsigned bitset, long want) {
    long total = 0;
    double end = now() + 20;
    while (total < want && now() < end) {
        long r = futex(w, op, n, NULL, NULL, bitset);
        if (r > 0)
            total += r;
        else if (r < 0)
            return r;
        if (total < want)
            sleep_ms(1);
    }
    return total;
}

/* ---- a generic waiter thread ---- */

struct waiter {
    atomic_int *word;
    int val;
    int op;
    unsigned bitset;
    atomic_int started;
    atomic_int done;
    long ret;
    int err;
    pthread_t th;
};

static void *waiter_fn(void *arg) {
    struct waiter *w = arg;
    atomic_store(&w->started, 1);
    errno = 0;
    w->ret = futex(w->word, w->op, w->val, NULL, NULL, w->bitset);
    w->err = errno;
    atomic_store(&w->done, 1);
    return NULL;
}

static void start_waiter(struct waiter *w, atomic_int *word, int op, unsigned bitset) {
    w->word = word;
    w->val = atomic_load(word);
    w->op = op;
    w->bitset = bitset;
    atomic_store(&w->started, 0);
    atomic_store(&w->done, 0);
    w->ret = -2;
    w->err = 0;
    pthread_create(&w->th, NULL, waiter_fn, w);
    while (!atomic_load(&w->started))
        sched_yield();
}

static void join_waiter(const char *name, struct waiter *w) {
    pthread_join(w->th, NULL);
    report(name, w->ret, w->err);
}

/* ---- sections ---- */

static void basics(void) {
    atomic_int w = 5;
    struct timespec ts = {0, 50 * 1000000L};
    CHECK("FUTEX_WAIT(val 5, expected 4)", futex_wait(&w, 4, NULL));
    CHECK("FUTEX_WAIT_PRIVATE(val 5, expected 4)",
          futex(&w, FUTEX_WAIT_PRIVATE, 4, NULL, NULL, 0));
    double t0 = now();
    CHECK("FUTEX_WAIT(match, 50ms timeout)", futex_wait(&w, 5, &ts));
    FACT("  waited at least 40ms", now() - t0 >= 0.040);
    t0 = now();
    CHECK("FUTEX_WAIT_PRIVATE(match, 50ms timeout)",
          futex(&w, FUTEX_WAIT_PRIVATE, 5, &ts, NULL, 0));
    FACT("  waited at least 40ms", now() - t0 >= 0.040);
    struct timespec zero = {0, 0};
    CHECK("FUTEX_WAIT(match, zero timeout)", futex_wait(&w, 5, &zero));
    CHECK("FUTEX_WAKE(no waiters)", futex_wake(&w, 1));
    CHECK("FUTEX_WAKE_PRIVATE(no waiters)", futex(&w, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0));
    CHECK("FUTEX_WAKE(n=0, no waiters)", futex_wake(&w, 0));

    /* A waiter woken by FUTEX_WAKE. */
    atomic_int word = 0;
    struct waiter a;
    start_waiter(&a, &word, FUTEX_WAIT, 0);
    printf("FUTEX_WAKE(1 waiter) woke in all: %ld\n", wake_until(&word, FUTEX_WAKE, 1, 0, 1));
    join_waiter("  waiter's FUTEX_WAIT", &a);
    CHECK("FUTEX_WAKE after it left", futex_wake(&word, 1));

    /* Private waits and wakes pair with each other. */
    start_waiter(&a, &word, FUTEX_WAIT_PRIVATE, 0);
    printf("FUTEX_WAKE_PRIVATE(1 private waiter) woke in all: %ld\n",
           wake_until(&word, FUTEX_WAKE_PRIVATE, 1, 0, 1));
    join_waiter("  waiter's FUTEX_WAIT_PRIVATE", &a);

    /* Waking 1 of 3 leaves 2 asleep; waking INT_MAX gets the rest. */
    struct waiter m[3];
    for (int i = 0; i < 3; i++)
        start_waiter(&m[i], &word, FUTEX_WAIT, 0);
    FACT("3 waiters asleep", await_waiters(&word, 0, 3));
    CHECK("FUTEX_WAKE(n=1) of 3", futex_wake(&word, 1));
    FACT("  2 still asleep", await_waiters(&word, 0, 2));
    CHECK("FUTEX_WAKE(INT_MAX) of 2", futex_wake(&word, INT_MAX));
    int all_zero = 1;
    for (int i = 0; i < 3; i++) {
        pthread_join(m[i].th, NULL);
        if (m[i].ret != 0)
            all_zero = 0;
    }
    FACT("  all 3 waits returned 0", all_zero);
}

static void bitsets(void) {
    atomic_int word = 0;
    struct timespec abs_past = {0, 0};
    CHECK("FUTEX_WAIT_BITSET(bitset 0)",
          futex(&word, FUTEX_WAIT_BITSET, 0, NULL, NULL, 0));
    CHECK("FUTEX_WAKE_BITSET(bitset 0)", futex(&word, FUTEX_WAKE_BITSET, 1, NULL, NULL, 0));
    CHECK("FUTEX_WAIT_BITSET(abs deadline in the past, monotonic)",
          futex(&word, FUTEX_WAIT_BITSET, 0, &abs_past, NULL, FUTEX_BITSET_MATCH_ANY));
    CHECK("FUTEX_WAIT_BITSET|CLOCK_REALTIME(abs deadline in the past)",
          futex(&word, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, 0, &abs_past, NULL,
                FUTEX_BITSET_MATCH_ANY));
    struct timespec dl;
    clock_gettime(CLOCK_MONOTONIC, &dl);
    dl.tv_nsec += 50 * 1000000L;
    if (dl.tv_nsec >= 1000000000L) {
        dl.tv_sec++;
        dl.tv_nsec -= 1000000000L;
    }
    double t0 = now();
    CHECK("FUTEX_WAIT_BITSET(abs deadline now+50ms)",
          futex(&word, FUTEX_WAIT_BITSET, 0, &dl, NULL, FUTEX_BITSET_MATCH_ANY));
    FACT("  waited at least 40ms", now() - t0 >= 0.040);

    struct waiter a, b;
    start_waiter(&a, &word, FUTEX_WAIT_BITSET, 0x1);
    start_waiter(&b, &word, FUTEX_WAIT_BITSET, 0x6);
    FACT("2 bitset waiters asleep (0x1, 0x6)", await_waiters(&word, 0, 2));
    CHECK("FUTEX_WAKE_BITSET(0x8)", futex(&word, FUTEX_WAKE_BITSET, INT_MAX, NULL, NULL, 0x8));
    CHECK("FUTEX_WAKE_BITSET(0x4)", futex(&word, FUTEX_WAKE_BITSET, INT_MAX, NULL, NULL, 0x4));
    join_waiter("  waiter 0x6", &b);
    FACT("  waiter 0x1 still asleep", await_waiters(&word, 0, 1) && !atomic_load(&a.done));
    CHECK("FUTEX_WAKE_BITSET(0x2)", futex(&word, FUTEX_WAKE_BITSET, INT_MAX, NULL, NULL, 0x2));
    /* Plain FUTEX_WAKE matches every bitset. */
    CHECK("FUTEX_WAKE (any bitset)", futex_wake(&word, INT_MAX));
    join_waiter("  waiter 0x1", &a);

    /* A plain FUTEX_WAIT waiter has bitset MATCH_ANY. */
    start_waiter(&a, &word, FUTEX_WAIT, 0);
    FACT("plain waiter asleep", await_waiters(&word, 0, 1));
    CHECK("FUTEX_WAKE_BITSET(0x80) wakes a plain waiter",
          futex(&word, FUTEX_WAKE_BITSET, 1, NULL, NULL, 0x80));
    join_waiter("  plain waiter", &a);
}

static void requeue(void) {
    atomic_int w1 = 0, w2 = 0;
    CHECK("FUTEX_CMP_REQUEUE(wrong val)",
          futex(&w1, FUTEX_CMP_REQUEUE, 1, (void *)(uintptr_t)1, &w2, 7));
    CHECK("FUTEX_CMP_REQUEUE(no waiters)",
          futex(&w1, FUTEX_CMP_REQUEUE, 1, (void *)(uintptr_t)1, &w2, 0));

    struct waiter m[3];
    for (int i = 0; i < 3; i++)
        start_waiter(&m[i], &w1, FUTEX_WAIT, 0);
    FACT("3 waiters asleep on w1", await_waiters(&w1, 0, 3));
    CHECK("FUTEX_CMP_REQUEUE(w1 -> w2, wake 1, requeue 2)",
          futex(&w1, FUTEX_CMP_REQUEUE, 1, (void *)(uintptr_t)2, &w2, 0));
    double end = now() + 20;
    int woken = 0;
    while (now() < end) {
        woken = 0;
        for (int i = 0; i < 3; i++)
            woken += atomic_load(&m[i].done);
        if (woken >= 1)
            break;
        sleep_ms(1);
    }
    printf("  woken by the requeue: %d\n", woken);
    CHECK("  FUTEX_WAKE(w1, INT_MAX)", futex_wake(&w1, INT_MAX));
    FACT("  2 asleep on w2", await_waiters(&w2, 0, 2));
    CHECK("  FUTEX_WAKE(w2, INT_MAX)", futex_wake(&w2, INT_MAX));
    int all_zero = 1;
    for (int i = 0; i < 3; i++) {
        pthread_join(m[i].th, NULL);
        if (m[i].ret != 0)
            all_zero = 0;
    }
    FACT("  all 3 waits returned 0", all_zero);

    /* FUTEX_REQUEUE (no comparison): wake 0, move all. */
    for (int i = 0; i < 2; i++)
        start_waiter(&m[i], &w1, FUTEX_WAIT, 0);
    FACT("2 waiters asleep on w1", await_waiters(&w1, 0, 2));
    CHECK("FUTEX_REQUEUE(w1 -> w2, wake 0, requeue INT_MAX)",
          futex(&w1, FUTEX_REQUEUE, 0, (void *)(uintptr_t)INT_MAX, &w2, 0));
    CHECK("  FUTEX_WAKE(w2, INT_MAX)", wake_until(&w2, FUTEX_WAKE, INT_MAX, 0, 2));
    for (int i = 0; i < 2; i++)
        join_waiter("  requeued waiter", &m[i]);
}

#define OP(op, oparg, cmp, cmparg)                                                             \
    ((((op) & 0xf) << 28) | (((cmp) & 0xf) << 24) | (((oparg) & 0xfff) << 12) | ((cmparg) & 0xfff))

static void wake_op(void) {
    atomic_int a = 0, b = 0;
    CHECK("FUTEX_WAKE_OP(SET 5 if old==0), no waiters",
          futex(&a, FUTEX_WAKE_OP, 1, (void *)(uintptr_t)1, &b,
                OP(FUTEX_OP_SET, 5, FUTEX_OP_CMP_EQ, 0)));
    printf("  second word now %d\n", atomic_load(&b));
    CHECK("FUTEX_WAKE_OP(ADD 3 if old==5)",
          futex(&a, FUTEX_WAKE_OP, 1, (void *)(uintptr_t)1, &b,
                OP(FUTEX_OP_ADD, 3, FUTEX_OP_CMP_EQ, 5)));
    printf("  second word now %d\n", atomic_load(&b));
    CHECK("FUTEX_WAKE_OP(OR 0x30 if old<0)",
          futex(&a, FUTEX_WAKE_OP, 1, (void *)(uintptr_t)1, &b,
                OP(FUTEX_OP_OR, 0x30, FUTEX_OP_CMP_LT, 0)));
    printf("  second word now %d\n", atomic_load(&b));
    CHECK("FUTEX_WAKE_OP(ANDN 0x8 if old>=0)",
          futex(&a, FUTEX_WAKE_OP, 1, (void *)(uintptr_t)1, &b,
                OP(FUTEX_OP_ANDN, 0x8, FUTEX_OP_CMP_GE, 0)));
    printf("  second word now %d\n", atomic_load(&b));
    CHECK("FUTEX_WAKE_OP(XOR 0xff if old!=0)",
          futex(&a, FUTEX_WAKE_OP, 1, (void *)(uintptr_t)1, &b,
                OP(FUTEX_OP_XOR, 0xff, FUTEX_OP_CMP_NE, 0)));
    printf("  second word now %d\n", atomic_load(&b));
    CHECK("FUTEX_WAKE_OP(SET 1<<4 with OPARG_SHIFT)",
          futex(&a, FUTEX_WAKE_OP, 1, (void *)(uintptr_t)1, &b,
                OP(FUTEX_OP_SET | (FUTEX_OP_OPARG_SHIFT), 4, FUTEX_OP_CMP_EQ, 0)));
    printf("  second word now %d\n", atomic_load(&b));
    CHECK("FUTEX_WAKE_OP(bad op 7)",
          futex(&a, FUTEX_WAKE_OP, 1, (void *)(uintptr_t)1, &b, OP(7, 0, FUTEX_OP_CMP_EQ, 0)));

    /* With a waiter on each word. */
    atomic_store(&b, 5);
    struct waiter wa, wb;
    start_waiter(&wa, &a, FUTEX_WAIT, 0);
    start_waiter(&wb, &b, FUTEX_WAIT, 0);
    FACT("waiters asleep on both words", await_waiters(&a, 0, 1) && await_waiters(&b, 5, 1));
    CHECK("FUTEX_WAKE_OP(SET 7 if old==5), a waiter on each",
          futex(&a, FUTEX_WAKE_OP, 1, (void *)(uintptr_t)1, &b,
                OP(FUTEX_OP_SET, 7, FUTEX_OP_CMP_EQ, 5)));
    printf("  second word now %d\n", atomic_load(&b));
    join_waiter("  waiter on the first word", &wa);
    join_waiter("  waiter on the second word", &wb);

    start_waiter(&wa, &a, FUTEX_WAIT, 0);
    start_waiter(&wb, &b, FUTEX_WAIT, 0);
    FACT("waiters asleep on both words", await_waiters(&a, 0, 1) && await_waiters(&b, 7, 1));
    CHECK("FUTEX_WAKE_OP(SET 9 if old==0), a waiter on each",
          futex(&a, FUTEX_WAKE_OP, 1, (void *)(uintptr_t)1, &b,
                OP(FUTEX_OP_SET, 9, FUTEX_OP_CMP_EQ, 0)));
    printf("  second word now %d\n", atomic_load(&b));
    join_waiter("  waiter on the first word", &wa);
    FACT("  waiter on the second word still asleep", await_waiters(&b, 9, 1));
    CHECK("  FUTEX_WAKE(second word)", futex_wake(&b, 1));
    join_waiter("  waiter on the second word", &wb);
}

static void errors(void) {
    static atomic_int words[2];
    void *odd = (char *)&words[0] + 1;
    struct timespec ts = {0, 1000000};
    CHECK("FUTEX_WAIT(misaligned)", futex(odd, FUTEX_WAIT, 0, &ts, NULL, 0));
    CHECK("FUTEX_WAKE(misaligned)", futex(odd, FUTEX_WAKE, 1, NULL, NULL, 0));
    CHECK("FUTEX_WAIT(address 16)", futex((void *)16, FUTEX_WAIT, 0, &ts, NULL, 0));
    CHECK("FUTEX_WAIT_PRIVATE(address 16)",
          futex((void *)16, FUTEX_WAIT_PRIVATE, 0, &ts, NULL, 0));
    CHECK("FUTEX_WAKE_OP(second word at address 16)",
          futex(&words[0], FUTEX_WAKE_OP, 1, (void *)(uintptr_t)1, (void *)16,
                OP(FUTEX_OP_SET, 1, FUTEX_OP_CMP_EQ, 0)));
    CHECK("FUTEX_CMP_REQUEUE(first word at address 16)",
          futex((void *)16, FUTEX_CMP_REQUEUE, 1, (void *)(uintptr_t)1, &words[1], 0));
    CHECK("FUTEX_WAIT(timeout at address 16)",
          futex(&words[0], FUTEX_WAIT, 0, (void *)16, NULL, 0));
    struct timespec bad = {0, 1000000000L};
    CHECK("FUTEX_WAIT(tv_nsec 1e9)", futex(&words[0], FUTEX_WAIT, 0, &bad, NULL, 0));
    struct timespec neg = {-1, 0};
    CHECK("FUTEX_WAIT(tv_sec -1)", futex(&words[0], FUTEX_WAIT, 0, &neg, NULL, 0));
    CHECK("futex(op 99)", futex(&words[0], 99, 0, NULL, NULL, 0));
}

/* ---- a wait interrupted by a signal handler ---- */

static atomic_int sig_word;
static atomic_int handled;

static void on_usr1(int sig) {
    (void)sig;
    atomic_store(&sig_word, 1);
    atomic_fetch_add(&handled, 1);
}

/* Sends SIGUSR1 to the thread `arg` points at once it sleeps on the word,
 * with every signal blocked itself so only that thread can take it. */
static void *killer_fn(void *arg) {
    pid_t target = *(pid_t *)arg;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    if (await_waiters(&sig_word, 0, 1))
        syscall(SYS_tgkill, getpid(), target, SIGUSR1);
    else
        printf("  main never slept on the word\n");
    return NULL;
}

static void interrupted(int flags, int with_timeout) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sa.sa_flags = flags;
    sigaction(SIGUSR1, &sa, NULL);
    atomic_store(&sig_word, 0);
    atomic_store(&handled, 0);
    pid_t me = gettid();
    pthread_t t;
    pthread_create(&t, NULL, killer_fn, &me);
    struct timespec ts = {30, 0};
    errno = 0;
    long r = futex_wait(&sig_word, 0, with_timeout ? &ts : NULL);
    int e = errno;
    pthread_join(t, NULL);
    char name[96];
    snprintf(name, sizeof name, "FUTEX_WAIT %s timeout, handler %s SA_RESTART (sets the word)",
             with_timeout ? "with" : "without", flags & SA_RESTART ? "with" : "without");
    report(name, r, e);
    printf("  handler ran %d time(s)\n", atomic_load(&handled));
}

/* Sentry bugs, run only when named. */

/* Negative counts for FUTEX_CMP_REQUEUE are EINVAL. */
static void bug_futex_requeue_negative(void) {
    atomic_int w1 = 0, w2 = 0;
    CHECK("FUTEX_CMP_REQUEUE(negative nr_wake)",
          futex(&w1, FUTEX_CMP_REQUEUE, -1, (void *)(uintptr_t)1, &w2, 0));
    CHECK("FUTEX_CMP_REQUEUE(negative nr_requeue)",
          futex(&w1, FUTEX_CMP_REQUEUE, 1, (void *)(uintptr_t)-1, &w2, 0));
}

/* FUTEX_CLOCK_REALTIME is ENOSYS with ops other than the waits. */
static void bug_futex_clock_realtime_op(void) {
    atomic_int w = 0;
    CHECK("FUTEX_WAKE|FUTEX_CLOCK_REALTIME", futex(&w, FUTEX_WAKE | FUTEX_CLOCK_REALTIME, 1,
                                                   NULL, NULL, 0));
}

/* A FUTEX_WAIT with a timeout interrupted by a handler fails with EINTR
 * even with SA_RESTART (the kernel's restart block is dropped when a
 * handler runs). */
static void bug_futex_timeout_sa_restart(void) { interrupted(SA_RESTART, 1); }

int main(int argc, char **argv) {
    if (argc > 1) {
        if (strcmp(argv[1], "bug-futex-requeue-negative") == 0)
            bug_futex_requeue_negative();
        else if (strcmp(argv[1], "bug-futex-clock-realtime-op") == 0)
            bug_futex_clock_realtime_op();
        else if (strcmp(argv[1], "bug-futex-timeout-sa-restart") == 0)
            bug_futex_timeout_sa_restart();
        else
            return 2;
        return 0;
    }
    basics();
    bitsets();
    requeue();
    wake_op();
    errors();
    interrupted(0, 0);
    interrupted(SA_RESTART, 0);
    interrupted(0, 1);
    printf("done\n");
    return 0;
}
