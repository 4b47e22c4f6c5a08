//! Threads, futexes and readiness: guest programs `c/thread_*.c` and
//! `c/ipc_*.c` run natively and under `runsc do`; what they print and how
//! they end must agree. They print only facts that are the same in both
//! places (tids, pids, addresses and times are compared inside the
//! program, never printed), and order threads with handshakes rather than
//! sleeps. Checks for divergences the sentry once had run in sections a
//! program runs only when given their name (module `regressions`).
//! See the harness in `src/lib.rs`.

use tests::check_program as check;

#[test]
fn test_thread_basic_pthreads_sync_and_process_wide_exits_match_native() {
    check(
        "thread_basic",
        &[],
        &[
            "8 threads x sum(1..1000) under a mutex: total=4004000",
            "join returned each thread's value=1",
            "__thread kept per thread=1",
            "main's __thread unchanged=1",
            "gettid distinct in every thread=1",
            "getpid same in every thread=1",
            "detached thread ran=1",
            "condvar queue of 1000 items: checksum=436778830 in_order=1",
            "pthread_cond_timedwait unsignalled: ETIMEDOUT",
            "barrier of 4, 3 rounds: passed with all arrived=12 serial threads=3",
            "pthread_once from 5 callers: init ran 1 time(s)",
            "rwlock held for reading: other thread tryrdlock=0 trywrlock=EBUSY",
            "rwlock 4 writers x 1000: counter=4000",
            "sem_wait got 5 posts from another thread",
            "sem_timedwait(empty, past deadline): -1 ETIMEDOUT",
            "pthread_exit(42) from a nested call: join=0 value=42 cleanup ran=1",
            "exit(3) in a non-main thread while main joins: WIFEXITED=1 WEXITSTATUS=3",
            "main returns while a detached thread sleeps: WIFEXITED=1 WEXITSTATUS=0",
            "main pthread_exit, other thread exit(5) later: WIFEXITED=1 WEXITSTATUS=5",
            "fork from a multithreaded process, grandchild runs a thread: WIFEXITED=1 \
             WEXITSTATUS=17",
            "  exec target: a new thread ran=1",
            "execve from main while another thread spins: WIFEXITED=1 WEXITSTATUS=23",
            "  exec target: pid kept=1",
            "execve from a non-main thread while main joins: WIFEXITED=1 WEXITSTATUS=23",
            "done",
        ],
    );
}

#[test]
fn test_thread_futex_wait_wake_bitset_requeue_wake_op_errors_match_native() {
    check(
        "thread_futex",
        &[],
        &[
            "FUTEX_WAIT(val 5, expected 4): -1 EAGAIN",
            "FUTEX_WAIT(match, 50ms timeout): -1 ETIMEDOUT",
            "FUTEX_WAKE(no waiters): 0",
            "FUTEX_WAKE(1 waiter) woke in all: 1",
            "  waiter's FUTEX_WAIT: 0",
            "FUTEX_WAKE(n=1) of 3: 1",
            "FUTEX_WAKE_BITSET(0x8): 0",
            "FUTEX_WAKE_BITSET(0x4): 1",
            "  waiter 0x1 still asleep=1",
            "FUTEX_WAKE_BITSET(0x80) wakes a plain waiter: 1",
            "FUTEX_CMP_REQUEUE(wrong val): -1 EAGAIN",
            "FUTEX_CMP_REQUEUE(w1 -> w2, wake 1, requeue 2): 3",
            "  FUTEX_WAKE(w1, INT_MAX): 0",
            "  FUTEX_WAKE(w2, INT_MAX): 2",
            "FUTEX_REQUEUE(w1 -> w2, wake 0, requeue INT_MAX): 2",
            "FUTEX_WAKE_OP(SET 5 if old==0), no waiters: 0",
            "FUTEX_WAKE_OP(SET 7 if old==5), a waiter on each: 2",
            "FUTEX_WAKE_OP(SET 9 if old==0), a waiter on each: 1",
            "  second word now 9",
            "FUTEX_WAKE_OP(bad op 7): -1 ENOSYS",
            "FUTEX_WAIT(misaligned): -1 EINVAL",
            "FUTEX_WAIT(address 16): -1 EFAULT",
            "futex(op 99): -1 ENOSYS",
            "FUTEX_WAIT without timeout, handler without SA_RESTART (sets the word): -1 EINTR",
            "FUTEX_WAIT without timeout, handler with SA_RESTART (sets the word): -1 EAGAIN",
            "FUTEX_WAIT with timeout, handler without SA_RESTART (sets the word): -1 EINTR",
            "done",
        ],
    );
}

#[test]
fn test_ipc_poll_select_epoll_eventfd_match_native() {
    check(
        "ipc_poll",
        &[],
        &[
            "poll(empty pipe, POLLIN, 0): 0 revents=0",
            "poll(empty pipe, 50ms): 0 revents=0",
            "select(empty pipe, 50ms): 0 r=0 w=0",
            "  waited at least 40ms=1",
            "ppoll(pipe with data, infinite): 1 revents=POLLIN",
            "pselect(pipe with data, read): 1 r=1 w=0",
            "poll(drained, writer closed): 1 revents=POLLHUP",
            "poll(write end, reader closed, events 0): 1 revents=POLLERR",
            "poll(full pipe, POLLOUT): 0 revents=0",
            "poll(fd 1000): 1 revents=POLLNVAL",
            "select(a closed fd): -1 EBADF",
            "epoll_ctl(ADD again): -1 EEXIST",
            "epoll_ctl(MOD unregistered): -1 ENOENT",
            "epoll_ctl(ADD itself): -1 EINVAL",
            "epoll_ctl(ADD regular file): -1 EPERM",
            "LT, 2 bytes, again: 1 [data=1 EPOLLIN]",
            "ET, nothing new: 0",
            "ET, drained: 0",
            "ET, new data after draining: 1 [data=11 EPOLLIN]",
            "ONESHOT, data still there: 0",
            "ONESHOT, re-armed: 1 [data=22 EPOLLIN]",
            "writer closed, drained: 1 [data=24 EPOLLHUP]",
            "eventfd 3: 1 [data=41 EPOLLIN|EPOLLOUT]",
            "outer, inner's pipe ready: 1 [data=52 EPOLLIN]",
            "epoll_wait(-1) woken by another thread: 1 [data=61 EPOLLIN]",
            "poll(30s) woken by another thread: 1 revents=POLLIN",
            "read(eventfd, 4-byte buffer): -1 EINVAL",
            "write(eventfd, 0xffffffffffffffff): -1 EINVAL",
            "read(empty nonblocking eventfd): -1 EAGAIN",
            "EFD_SEMAPHORE read 2: 8 value=1",
            "EFD_SEMAPHORE read 3: -1 EAGAIN",
            "blocking read(eventfd) woken by another thread: 8",
            "blocking write(eventfd at max) woken by another thread's read: 8",
            "done",
        ],
    );
}

/// Checks for divergences the sentry once had (each was a sentry bug,
/// now fixed); they compare native and sandboxed runs like the others.
mod regressions {
    use super::check;

    #[test]
    fn test_futex_cmp_requeue_negative_counts_einval() {
        check(
            "thread_futex",
            &["bug-futex-requeue-negative"],
            &[
                "FUTEX_CMP_REQUEUE(negative nr_wake): -1 EINVAL",
                "FUTEX_CMP_REQUEUE(negative nr_requeue): -1 EINVAL",
            ],
        );
    }

    #[test]
    fn test_futex_clock_realtime_on_wake_enosys() {
        check(
            "thread_futex",
            &["bug-futex-clock-realtime-op"],
            &["FUTEX_WAKE|FUTEX_CLOCK_REALTIME: -1 ENOSYS"],
        );
    }

    #[test]
    fn test_futex_wait_timeout_sa_restart_eintr() {
        check(
            "thread_futex",
            &["bug-futex-timeout-sa-restart"],
            &["FUTEX_WAIT with timeout, handler with SA_RESTART (sets the word): -1 EINTR"],
        );
    }

    #[test]
    fn test_select_writes_time_left() {
        check(
            "ipc_poll",
            &["bug-select-timeval-left"],
            &[
                "select(30ms) timed out: 0, timeval now zero=1",
                "select(20s) ready at once: 1, timeval now below 20s=1, above 19s=1",
            ],
        );
    }

    #[test]
    fn test_pipe_reader_closed_polls_pollout_pollerr() {
        check(
            "ipc_poll",
            &["bug-pipe-reader-closed-pollout"],
            &[
                "poll(write end, reader closed, POLLOUT): 1 revents=POLLOUT|POLLERR",
                "reader closed: 1 [data=31 EPOLLOUT|EPOLLERR]",
            ],
        );
    }

    #[test]
    fn test_epoll_et_not_rearmed_by_read() {
        check(
            "ipc_poll",
            &["bug-epoll-et-read-rearms"],
            &["ET, after reading 1 (nothing new): 0"],
        );
    }

    #[test]
    fn test_epoll_loop_eloop() {
        check(
            "ipc_poll",
            &["bug-epoll-loop"],
            &["epoll_ctl(ADD outer into inner: loop): -1 ELOOP"],
        );
    }
}
