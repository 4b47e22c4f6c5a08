/* Threads through glibc's pthreads: 8 threads summing under a mutex,
 * return values through pthread_join, gettid/getpid across threads,
 * __thread storage, pthread_detach, a condition-variable producer/consumer
 * of 1000 items, a barrier of 4, pthread_once, a rwlock, a semaphore,
 * pthread_exit from a nested call, and (each in a forked child whose wait
 * status is printed) exit() from a non-main thread ending the process,
 * main returning while a detached thread sleeps, main calling pthread_exit
 * while another thread later exits, fork from a multithreaded process, and
 * execve from the main thread while another thread spins. Tids, pids and
 * times are only compared, never printed. */
#include "check.h"

#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>

static void *exec_from_thread_fn(void *arg);

#define NTHREADS 8

static void print_status(const char *name, int st) {
    if (WIFEXITED(st))
        printf("%s: WIFEXITED=1 WEXITSTATUS=%d\n", name, WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        printf("%s: WIFSIGNALED=1 WTERMSIG=%d\n", name, WTERMSIG(st));
    else
        printf("%s: other status %#x\n", name, st);
}

static void reap(const char *name, pid_t pid) {
    int st = 0;
    if (waitpid(pid, &st, 0) != pid) {
        printf("%s: waitpid -1 %s\n", name, errno_name(errno));
        return;
    }
    print_status(name, st);
}

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

/* ---- sum under a mutex, join values, tids, TLS ---- */

static pthread_mutex_t sum_lock = PTHREAD_MUTEX_INITIALIZER;
static long total;
static __thread long tls_value = 1000;
static pid_t tids[NTHREADS];
static pid_t pids[NTHREADS];
static atomic_int tls_ready;

static void *summer(void *arg) {
    long idx = (long)(intptr_t)arg;
    tids[idx] = gettid();
    pids[idx] = getpid();
    int tls_was_initial = tls_value == 1000;
    tls_value = idx;
    /* Wait until every thread has written its own copy. */
    atomic_fetch_add(&tls_ready, 1);
    while (atomic_load(&tls_ready) < NTHREADS)
        sched_yield();
    int tls_kept = tls_value == idx;
    for (long i = 1; i <= 1000; i++) {
        pthread_mutex_lock(&sum_lock);
        total += i;
        pthread_mutex_unlock(&sum_lock);
    }
    return (void *)(intptr_t)(idx * 10 + tls_was_initial * 1000 + tls_kept * 10000);
}

static void sum_and_join(void) {
    pthread_t th[NTHREADS];
    for (long i = 0; i < NTHREADS; i++)
        if (pthread_create(&th[i], NULL, summer, (void *)(intptr_t)i) != 0)
            printf("pthread_create %ld failed\n", i);
    long values_ok = 1, tls_initial = 1, tls_kept = 1;
    for (long i = 0; i < NTHREADS; i++) {
        void *ret = NULL;
        int r = pthread_join(th[i], &ret);
        long v = (long)(intptr_t)ret;
        if (r != 0 || v % 1000 != i * 10)
            values_ok = 0;
        if (!(v / 1000 % 10))
            tls_initial = 0;
        if (!(v / 10000))
            tls_kept = 0;
    }
    printf("8 threads x sum(1..1000) under a mutex: total=%ld\n", total);
    FACT("join returned each thread's value", values_ok);
    FACT("__thread starts at its initializer in each thread", tls_initial);
    FACT("__thread kept per thread", tls_kept);
    FACT("main's __thread unchanged", tls_value == 1000);
    int distinct = 1, same_pid = 1;
    pid_t me = gettid();
    for (int i = 0; i < NTHREADS; i++) {
        if (tids[i] == me || tids[i] <= 0)
            distinct = 0;
        for (int j = 0; j < i; j++)
            if (tids[i] == tids[j])
                distinct = 0;
        if (pids[i] != getpid())
            same_pid = 0;
    }
    FACT("gettid distinct in every thread", distinct);
    FACT("getpid same in every thread", same_pid);
    FACT("main thread gettid == getpid", gettid() == getpid());
}

/* ---- detach ---- */

static atomic_int detached_ran;

static void *detached_fn(void *arg) {
    (void)arg;
    atomic_store(&detached_ran, 1);
    return NULL;
}

static void detach(void) {
    pthread_t t;
    pthread_create(&t, NULL, detached_fn, NULL);
    printf("pthread_detach: %d\n", pthread_detach(t));
    for (int i = 0; i < 10000 && !atomic_load(&detached_ran); i++)
        sleep_ms(1);
    FACT("detached thread ran", atomic_load(&detached_ran));

    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    atomic_store(&detached_ran, 0);
    printf("pthread_create(PTHREAD_CREATE_DETACHED): %d\n",
           pthread_create(&t, &attr, detached_fn, NULL));
    pthread_attr_destroy(&attr);
    for (int i = 0; i < 10000 && !atomic_load(&detached_ran); i++)
        sleep_ms(1);
    FACT("created-detached thread ran", atomic_load(&detached_ran));
}

/* ---- condition variable producer/consumer ---- */

#define QSIZE 16
#define ITEMS 1000

static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_not_empty = PTHREAD_COND_INITIALIZER;
static pthread_cond_t q_not_full = PTHREAD_COND_INITIALIZER;
static int queue[QSIZE];
static int q_head, q_count;

static void *producer(void *arg) {
    (void)arg;
    for (int i = 1; i <= ITEMS; i++) {
        pthread_mutex_lock(&q_lock);
        while (q_count == QSIZE)
            pthread_cond_wait(&q_not_full, &q_lock);
        queue[(q_head + q_count) % QSIZE] = i;
        q_count++;
        pthread_cond_signal(&q_not_empty);
        pthread_mutex_unlock(&q_lock);
    }
    return NULL;
}

static void *consumer(void *arg) {
    long *sum = arg;
    long in_order = 1, prev = 0;
    for (int n = 0; n < ITEMS; n++) {
        pthread_mutex_lock(&q_lock);
        while (q_count == 0)
            pthread_cond_wait(&q_not_empty, &q_lock);
        int v = queue[q_head];
        q_head = (q_head + 1) % QSIZE;
        q_count--;
        pthread_cond_signal(&q_not_full);
        pthread_mutex_unlock(&q_lock);
        *sum = *sum * 31 % 1000000007 + v;
        if (v != prev + 1)
            in_order = 0;
        prev = v;
    }
    return (void *)in_order;
}

static void producer_consumer(void) {
    pthread_t p, c;
    long sum = 0;
    void *in_order = NULL;
    pthread_create(&c, NULL, consumer, &sum);
    pthread_create(&p, NULL, producer, NULL);
    pthread_join(p, NULL);
    pthread_join(c, &in_order);
    printf("condvar queue of %d items: checksum=%ld in_order=%ld\n", ITEMS, sum,
           (long)in_order);

    /* pthread_cond_timedwait that nobody signals times out. */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 20 * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&q_lock);
    int r = pthread_cond_timedwait(&q_not_empty, &q_lock, &ts);
    pthread_mutex_unlock(&q_lock);
    printf("pthread_cond_timedwait unsignalled: %s\n", r ? errno_name(r) : "0");
}

/* ---- barrier ---- */

static pthread_barrier_t barrier;
static atomic_int before_barrier, saw_all, serial_count;

static void *barrier_fn(void *arg) {
    (void)arg;
    for (int round = 0; round < 3; round++) {
        atomic_fetch_add(&before_barrier, 1);
        int r = pthread_barrier_wait(&barrier);
        if (r == PTHREAD_BARRIER_SERIAL_THREAD)
            atomic_fetch_add(&serial_count, 1);
        else if (r != 0)
            printf("pthread_barrier_wait: %d\n", r);
        if (atomic_load(&before_barrier) >= 4 * (round + 1))
            atomic_fetch_add(&saw_all, 1);
        /* Keep rounds apart so nobody counts into the next round early. */
        pthread_barrier_wait(&barrier);
    }
    return NULL;
}

static void barrier_test(void) {
    pthread_barrier_init(&barrier, NULL, 4);
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, barrier_fn, NULL);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&barrier);
    printf("barrier of 4, 3 rounds: passed with all arrived=%d serial threads=%d\n",
           atomic_load(&saw_all), atomic_load(&serial_count));
}

/* ---- once ---- */

static pthread_once_t once = PTHREAD_ONCE_INIT;
static atomic_int once_calls;

static void once_init(void) {
    atomic_fetch_add(&once_calls, 1);
    sleep_ms(10);
}

static void *once_fn(void *arg) {
    (void)arg;
    pthread_once(&once, once_init);
    return NULL;
}

static void once_test(void) {
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, once_fn, NULL);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    pthread_once(&once, once_init);
    printf("pthread_once from 5 callers: init ran %d time(s)\n", atomic_load(&once_calls));
}

/* ---- rwlock ---- */

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static long rw_counter;

static void *rw_try(void *arg) {
    int *res = arg;
    res[0] = pthread_rwlock_tryrdlock(&rw);
    if (res[0] == 0)
        pthread_rwlock_unlock(&rw);
    res[1] = pthread_rwlock_trywrlock(&rw);
    if (res[1] == 0)
        pthread_rwlock_unlock(&rw);
    return NULL;
}

static void *rw_writer(void *arg) {
    (void)arg;
    for (int i = 0; i < 1000; i++) {
        pthread_rwlock_wrlock(&rw);
        long v = rw_counter;
        sched_yield();
        rw_counter = v + 1;
        pthread_rwlock_unlock(&rw);
        pthread_rwlock_rdlock(&rw);
        (void)rw_counter;
        pthread_rwlock_unlock(&rw);
    }
    return NULL;
}

static const char *rc(int r) { return r ? errno_name(r) : "0"; }

static void rwlock_test(void) {
    int res[2];
    pthread_t t;
    pthread_rwlock_rdlock(&rw);
    pthread_create(&t, NULL, rw_try, res);
    pthread_join(t, NULL);
    printf("rwlock held for reading: other thread tryrdlock=%s trywrlock=%s\n", rc(res[0]),
           rc(res[1]));
    pthread_rwlock_unlock(&rw);
    pthread_rwlock_wrlock(&rw);
    pthread_create(&t, NULL, rw_try, res);
    pthread_join(t, NULL);
    printf("rwlock held for writing: other thread tryrdlock=%s trywrlock=%s\n", rc(res[0]),
           rc(res[1]));
    pthread_rwlock_unlock(&rw);
    pthread_t w[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&w[i], NULL, rw_writer, NULL);
    for (int i = 0; i < 4; i++)
        pthread_join(w[i], NULL);
    printf("rwlock 4 writers x 1000: counter=%ld\n", rw_counter);
}

/* ---- semaphore ---- */

static sem_t sem;

static void *sem_poster(void *arg) {
    (void)arg;
    for (int i = 0; i < 5; i++) {
        sleep_ms(1);
        sem_post(&sem);
    }
    return NULL;
}

static void semaphore_test(void) {
    CHECK("sem_init(0)", sem_init(&sem, 0, 0));
    CHECK("sem_trywait(empty)", sem_trywait(&sem));
    pthread_t t;
    pthread_create(&t, NULL, sem_poster, NULL);
    int got = 0;
    for (int i = 0; i < 5; i++)
        if (sem_wait(&sem) == 0)
            got++;
    pthread_join(t, NULL);
    printf("sem_wait got %d posts from another thread\n", got);
    sem_post(&sem);
    sem_post(&sem);
    int v = -1;
    sem_getvalue(&sem, &v);
    printf("sem_getvalue after 2 posts: %d\n", v);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec -= 1;
    CHECK("sem_timedwait(available, past deadline)", sem_timedwait(&sem, &ts));
    CHECK("sem_trywait(available)", sem_trywait(&sem));
    CHECK("sem_timedwait(empty, past deadline)", sem_timedwait(&sem, &ts));
    sem_destroy(&sem);
}

/* ---- pthread_exit from a nested call ---- */

__attribute__((noinline)) static void inner_exit(long v) { pthread_exit((void *)(intptr_t)v); }

__attribute__((noinline)) static void nested_exit(int depth) { inner_exit(depth * 14); }

static atomic_int cleanup_ran;

static void cleanup(void *arg) {
    (void)arg;
    atomic_store(&cleanup_ran, 1);
}

static void *exiting_thread(void *arg) {
    (void)arg;
    pthread_cleanup_push(cleanup, NULL);
    sleep_ms(20);
    nested_exit(3);
    pthread_cleanup_pop(0);
    return (void *)1;
}

static void pthread_exit_test(void) {
    pthread_t t;
    void *ret = NULL;
    pthread_create(&t, NULL, exiting_thread, NULL);
    int r = pthread_join(t, &ret);
    printf("pthread_exit(42) from a nested call: join=%d value=%ld cleanup ran=%d\n", r,
           (long)(intptr_t)ret, atomic_load(&cleanup_ran));
}

/* ---- process-wide effects, each in a forked child ---- */

static void *exit3_fn(void *arg) {
    (void)arg;
    sleep_ms(20);
    exit(3);
}

static void *sleeper_fn(void *arg) {
    (void)arg;
    for (;;)
        sleep_ms(1000);
    return NULL;
}

static void *late_exit_fn(void *arg) {
    (void)arg;
    sleep_ms(100);
    printf("  other thread still runs after main's pthread_exit\n");
    fflush(stdout);
    exit(5);
}

static void *spinner_fn(void *arg) {
    atomic_int *started = arg;
    atomic_store(started, 1);
    for (;;)
        __asm__ volatile("" ::: "memory");
    return NULL;
}

static void *trivial_fn(void *arg) { return arg; }

static void process_effects(void) {
    pid_t pid;

    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        pthread_t t;
        pthread_create(&t, NULL, exit3_fn, NULL);
        pthread_join(t, NULL); /* never returns: exit(3) ends everyone */
        _exit(99);
    }
    reap("exit(3) in a non-main thread while main joins", pid);

    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        pthread_t t;
        pthread_create(&t, NULL, sleeper_fn, NULL);
        pthread_detach(t);
        sleep_ms(10);
        return; /* back to main's caller, which returns 0 */
    }
    /* (the child returned from process_effects; main returns 0 for it) */
    reap("main returns while a detached thread sleeps", pid);

    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        pthread_t t;
        pthread_create(&t, NULL, late_exit_fn, NULL);
        pthread_exit(NULL);
    }
    reap("main pthread_exit, other thread exit(5) later", pid);

    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        /* A multithreaded process forks; the grandchild has only the
         * forking thread, yet can create and join threads of its own. */
        atomic_int started = 0;
        pthread_t t;
        pthread_create(&t, NULL, spinner_fn, &started);
        while (!atomic_load(&started))
            sched_yield();
        fflush(stdout);
        pid_t g = fork();
        if (g == 0) {
            pthread_t t2;
            void *ret = NULL;
            pthread_create(&t2, NULL, trivial_fn, (void *)7);
            pthread_join(t2, &ret);
            _exit(10 + (int)(intptr_t)ret);
        }
        int st = 0;
        waitpid(g, &st, 0);
        _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st));
    }
    reap("fork from a multithreaded process, grandchild runs a thread", pid);

    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        atomic_int started = 0;
        pthread_t t;
        pthread_create(&t, NULL, spinner_fn, &started);
        while (!atomic_load(&started))
            sched_yield();
        char *argv[] = {"thread_basic", "exec-target", NULL};
        execv("/proc/self/exe", argv);
        _exit(98);
    }
    reap("execve from main while another thread spins", pid);

    /* A non-main thread execs while main sleeps in a join: main ends, and
     * the exec'ing thread carries on as the process (pid kept, its tid
     * now the pid). */
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        pthread_t t;
        pthread_create(&t, NULL, exec_from_thread_fn, NULL);
        pthread_join(t, NULL);
        _exit(97);
    }
    reap("execve from a non-main thread while main joins", pid);
}

/* Re-executes the program from a non-main thread, passing the pid. */
static void *exec_from_thread_fn(void *arg) {
    (void)arg;
    char pidbuf[16];
    snprintf(pidbuf, sizeof pidbuf, "%d", getpid());
    char *argv[] = {"thread_basic", "exec-target", pidbuf, NULL};
    execv("/proc/self/exe", argv);
    return NULL;
}

/* The program re-executed by the execve check: prints whether it is alone
 * in its thread group (its tid is its pid) and exits 23. */
static int exec_target(const char *old_pid) {
    printf("  exec target: gettid == getpid=%d\n", gettid() == getpid());
    if (old_pid)
        printf("  exec target: pid kept=%d\n", atoi(old_pid) == getpid());
    pthread_t t;
    void *ret = NULL;
    pthread_create(&t, NULL, trivial_fn, (void *)1);
    pthread_join(t, &ret);
    printf("  exec target: a new thread ran=%ld\n", (long)(intptr_t)ret);
    return 23;
}

int main(int argc, char **argv) {
    if (argc > 1) {
        if (strcmp(argv[1], "exec-target") == 0)
            return exec_target(argc > 2 ? argv[2] : NULL);
        return 2;
    }
    pid_t me = getpid();
    sum_and_join();
    detach();
    producer_consumer();
    barrier_test();
    once_test();
    rwlock_test();
    semaphore_test();
    pthread_exit_test();
    process_effects();
    if (getpid() != me)
        return 0; /* the child that returns while a detached thread sleeps */
    printf("done\n");
    return 0;
}
