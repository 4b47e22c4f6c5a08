//! Time structures and clock ids.

use super::Pod;

/// `struct timespec`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct Timespec {
    /// Seconds.
    pub sec: i64,
    /// Nanoseconds, 0..1e9.
    pub nsec: i64,
}
// SAFETY: repr(C) of two i64: no padding, any bits valid.
unsafe impl Pod for Timespec {}

/// `struct timeval`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct Timeval {
    /// Seconds.
    pub sec: i64,
    /// Microseconds.
    pub usec: i64,
}
// SAFETY: repr(C) of two i64: no padding, any bits valid.
unsafe impl Pod for Timeval {}

/// `struct timezone` (gettimeofday's second argument).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct Timezone {
    /// Minutes west of Greenwich.
    pub minuteswest: i32,
    /// Type of DST correction.
    pub dsttime: i32,
}
// SAFETY: repr(C) of two i32: no padding, any bits valid.
unsafe impl Pod for Timezone {}

/// Wall-clock time.
pub const CLOCK_REALTIME: i32 = 0;
/// Monotonic time since an unspecified point.
pub const CLOCK_MONOTONIC: i32 = 1;
/// CPU time of the process.
pub const CLOCK_PROCESS_CPUTIME_ID: i32 = 2;
/// CPU time of the thread.
pub const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
/// Monotonic, not slewed by NTP.
pub const CLOCK_MONOTONIC_RAW: i32 = 4;
/// Coarse realtime.
pub const CLOCK_REALTIME_COARSE: i32 = 5;
/// Coarse monotonic.
pub const CLOCK_MONOTONIC_COARSE: i32 = 6;
/// Monotonic including suspend.
pub const CLOCK_BOOTTIME: i32 = 7;
/// Realtime alarm clock.
pub const CLOCK_REALTIME_ALARM: i32 = 8;
/// Boottime alarm clock.
pub const CLOCK_BOOTTIME_ALARM: i32 = 9;
/// International atomic time.
pub const CLOCK_TAI: i32 = 11;

/// Resolution the sentry reports for the fine-grained clocks.
pub const CLOCK_RES_NS: i64 = 1;
/// Resolution of the coarse clocks (one 250 Hz tick, as Debian kernels).
pub const CLOCK_COARSE_RES_NS: i64 = 4_000_000;
/// Nanoseconds per second.
pub const NSEC_PER_SEC: i64 = 1_000_000_000;

/// futex operations and flags.
pub mod futex {
    /// Wait if *uaddr == val.
    pub const FUTEX_WAIT: i32 = 0;
    /// Wake up to val waiters.
    pub const FUTEX_WAKE: i32 = 1;
    /// Requeue.
    pub const FUTEX_REQUEUE: i32 = 3;
    /// Compare and requeue.
    pub const FUTEX_CMP_REQUEUE: i32 = 4;
    /// Wake with an operation.
    pub const FUTEX_WAKE_OP: i32 = 5;
    /// Wait with a bitset (absolute timeout).
    pub const FUTEX_WAIT_BITSET: i32 = 9;
    /// Wake with a bitset.
    pub const FUTEX_WAKE_BITSET: i32 = 10;
    /// Private to the process.
    pub const FUTEX_PRIVATE_FLAG: i32 = 128;
    /// Timeouts on CLOCK_REALTIME.
    pub const FUTEX_CLOCK_REALTIME: i32 = 256;
    /// The operation bits.
    pub const FUTEX_CMD_MASK: i32 = !(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
}

/// clock_nanosleep: the time is absolute.
pub const TIMER_ABSTIME: i32 = 1;
/// Size of `struct sysinfo`.
pub const SYSINFO_SIZE: usize = 112;
/// Size of `struct tms`.
pub const TMS_SIZE: usize = 32;
/// getrusage: the caller.
pub const RUSAGE_SELF: i32 = 0;
/// getrusage: waited-for children.
pub const RUSAGE_CHILDREN: i32 = -1;
/// getrusage: the calling thread.
pub const RUSAGE_THREAD: i32 = 1;
/// Size of `struct rusage`.
pub const RUSAGE_SIZE: usize = 144;

/// setitimer: real time, SIGALRM.
pub const ITIMER_REAL: i32 = 0;
/// setitimer: process virtual time.
pub const ITIMER_VIRTUAL: i32 = 1;
/// setitimer: process profiling time.
pub const ITIMER_PROF: i32 = 2;
/// sigevent: signal on expiry.
pub const SIGEV_SIGNAL: i32 = 0;
/// sigevent: nothing.
pub const SIGEV_NONE: i32 = 1;
/// sigevent: run a thread (glibc; reaches the kernel as SIGEV_THREAD_ID).
pub const SIGEV_THREAD: i32 = 2;
/// sigevent: signal a given thread.
pub const SIGEV_THREAD_ID: i32 = 4;
/// timer_settime: the time is absolute.
pub const TIMER_ABSTIME_FLAG: i32 = 1;

/// FUTEX_WAKE_OP operations and comparisons.
pub mod futex_op {
    /// *uaddr2 = oparg.
    pub const FUTEX_OP_SET: u32 = 0;
    /// *uaddr2 += oparg.
    pub const FUTEX_OP_ADD: u32 = 1;
    /// *uaddr2 |= oparg.
    pub const FUTEX_OP_OR: u32 = 2;
    /// *uaddr2 &= ~oparg.
    pub const FUTEX_OP_ANDN: u32 = 3;
    /// *uaddr2 ^= oparg.
    pub const FUTEX_OP_XOR: u32 = 4;
    /// oparg is a shift count.
    pub const FUTEX_OP_OPARG_SHIFT: u32 = 8;
    /// Compare ==.
    pub const FUTEX_OP_CMP_EQ: u32 = 0;
    /// Compare !=.
    pub const FUTEX_OP_CMP_NE: u32 = 1;
    /// Compare <.
    pub const FUTEX_OP_CMP_LT: u32 = 2;
    /// Compare <=.
    pub const FUTEX_OP_CMP_LE: u32 = 3;
    /// Compare >.
    pub const FUTEX_OP_CMP_GT: u32 = 4;
    /// Compare >=.
    pub const FUTEX_OP_CMP_GE: u32 = 5;
    /// The bitset matching every waiter.
    pub const FUTEX_BITSET_MATCH_ANY: u32 = u32::MAX;
}
