//! clock_gettime, clock_getres, gettimeofday, time.

use super::SyscallArgs;
use crate::abi::time::*;
use crate::abi::{Errno, SysResult};
use crate::kernel::Task;

/// Linux encodes a process CPU-time clock of pid P as `(!P << 3) | 2`.
const CPUCLOCK_SCHED: i32 = 2;

/// Reads a host clock.
fn host_now(clock: i32) -> Result<Timespec, Errno> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: ts is a valid out pointer.
    if unsafe { libc::clock_gettime(clock, &mut ts) } != 0 {
        return Err(Errno::EINVAL);
    }
    Ok(Timespec {
        sec: ts.tv_sec,
        nsec: ts.tv_nsec,
    })
}

/// The guest's view of clock `id`. Wall and monotonic time come from the
/// host; CPU-time clocks measure the stub, which is where guest code runs.
fn now(t: &Task, id: i32) -> Result<Timespec, Errno> {
    let host = match id {
        CLOCK_REALTIME | CLOCK_REALTIME_ALARM | CLOCK_TAI => libc::CLOCK_REALTIME,
        CLOCK_MONOTONIC => libc::CLOCK_MONOTONIC,
        CLOCK_MONOTONIC_RAW => libc::CLOCK_MONOTONIC_RAW,
        CLOCK_REALTIME_COARSE => libc::CLOCK_REALTIME_COARSE,
        CLOCK_MONOTONIC_COARSE => libc::CLOCK_MONOTONIC_COARSE,
        CLOCK_BOOTTIME | CLOCK_BOOTTIME_ALARM => libc::CLOCK_BOOTTIME,
        CLOCK_PROCESS_CPUTIME_ID => (!t.as_.host_pid() << 3) | CPUCLOCK_SCHED,
        // One stub thread per task: its process clock is the thread's
        // (the host refuses per-thread clocks of other processes).
        CLOCK_THREAD_CPUTIME_ID => (!t.as_.host_pid() << 3) | CPUCLOCK_SCHED,
        _ => return Err(Errno::EINVAL),
    };
    host_now(host)
}

pub(super) fn clock_gettime(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let ts = now(t, a.int(0))?;
    t.copy_out_obj(a.addr(1), &ts)?;
    Ok(0)
}

pub(super) fn clock_getres(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let id = a.int(0);
    now(t, id)?;
    let nsec = match id {
        CLOCK_REALTIME_COARSE | CLOCK_MONOTONIC_COARSE => CLOCK_COARSE_RES_NS,
        _ => CLOCK_RES_NS,
    };
    if a.addr(1) != 0 {
        t.copy_out_obj(a.addr(1), &Timespec { sec: 0, nsec })?;
    }
    Ok(0)
}

pub(super) fn gettimeofday(t: &mut Task, a: &SyscallArgs) -> SysResult {
    if a.addr(0) != 0 {
        let ts = now(t, CLOCK_REALTIME)?;
        t.copy_out_obj(
            a.addr(0),
            &Timeval {
                sec: ts.sec,
                usec: ts.nsec / 1000,
            },
        )?;
    }
    if a.addr(1) != 0 {
        t.copy_out_obj(a.addr(1), &Timezone::default())?;
    }
    Ok(0)
}

pub(super) fn time(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let sec = now(t, CLOCK_REALTIME)?.sec;
    if a.addr(0) != 0 {
        t.copy_out_obj(a.addr(0), &sec)?;
    }
    Ok(sec as u64)
}
