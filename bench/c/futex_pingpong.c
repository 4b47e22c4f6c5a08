/* Futex ping-pong between two threads: each round trip is two waits and
 * two wakes on two words. */
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static _Atomic int turn;
static long n;

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void wait_for(int want) {
    int cur;
    while ((cur = atomic_load(&turn)) != want)
        syscall(SYS_futex, &turn, FUTEX_WAIT_PRIVATE, cur, NULL, NULL, 0);
}

static void pass_to(int who) {
    atomic_store(&turn, who);
    syscall(SYS_futex, &turn, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void *other(void *arg) {
    for (long i = 0; i < n; i++) {
        wait_for(1);
        pass_to(0);
    }
    return arg;
}

int main(int argc, char **argv) {
    n = argc > 1 ? atol(argv[1]) : 10000;
    pthread_t t;
    pthread_create(&t, NULL, other, NULL);
    double t0 = now_ns();
    for (long i = 0; i < n; i++) {
        pass_to(1);
        wait_for(0);
    }
    double t1 = now_ns();
    pthread_join(t, NULL);
    printf("ns_per_op=%.1f\n", (t1 - t0) / n);
    return 0;
}
