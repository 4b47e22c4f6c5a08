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

/// How often a sleeping task looks for a kill from another process.
const SLEEP_CHECK: std::time::Duration = std::time::Duration::from_millis(50);

/// Sleeps for `d`, ending early (with the time left) if the task is killed.
fn sleep_for(t: &Task, d: std::time::Duration) -> Option<std::time::Duration> {
    let end = std::time::Instant::now() + d;
    loop {
        let now = std::time::Instant::now();
        if now >= end {
            return None;
        }
        if t.signal_pending() {
            return Some(end - now);
        }
        std::thread::sleep((end - now).min(SLEEP_CHECK));
    }
}

fn timespec_in(t: &Task, addr: u64) -> Result<Timespec, Errno> {
    let ts: Timespec = t.copy_in_obj(addr)?;
    if ts.sec < 0 || !(0..1_000_000_000).contains(&ts.nsec) {
        return Err(Errno::EINVAL);
    }
    Ok(ts)
}

fn duration(ts: &Timespec) -> std::time::Duration {
    std::time::Duration::new(ts.sec as u64, ts.nsec as u32)
}

pub(super) fn nanosleep(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let req = timespec_in(t, a.addr(0))?;
    if let Some(left) = sleep_for(t, duration(&req)) {
        if a.addr(1) != 0 {
            let rem = Timespec {
                sec: left.as_secs() as i64,
                nsec: left.subsec_nanos() as i64,
            };
            t.copy_out_obj(a.addr(1), &rem)?;
        }
        return Err(Errno::EINTR.into());
    }
    Ok(0)
}

pub(super) fn clock_nanosleep(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (clock, flags) = (a.int(0), a.int(1));
    match clock {
        CLOCK_REALTIME | CLOCK_MONOTONIC | CLOCK_BOOTTIME | CLOCK_TAI => {}
        CLOCK_PROCESS_CPUTIME_ID => return Err(Errno::EINVAL.into()),
        CLOCK_THREAD_CPUTIME_ID => return Err(Errno::EINVAL.into()),
        _ => return Err(Errno::EINVAL.into()),
    }
    let req = timespec_in(t, a.addr(2))?;
    let d = if flags & TIMER_ABSTIME != 0 {
        let now = now(t, clock)?;
        let target = req.sec as i128 * 1_000_000_000 + req.nsec as i128;
        let cur = now.sec as i128 * 1_000_000_000 + now.nsec as i128;
        std::time::Duration::from_nanos((target - cur).max(0) as u64)
    } else {
        duration(&req)
    };
    if let Some(left) = sleep_for(t, d) {
        if flags & TIMER_ABSTIME == 0 && a.addr(3) != 0 {
            let rem = Timespec {
                sec: left.as_secs() as i64,
                nsec: left.subsec_nanos() as i64,
            };
            t.copy_out_obj(a.addr(3), &rem)?;
        }
        return Err(Errno::EINTR.into());
    }
    Ok(0)
}

pub(super) fn sysinfo(t: &mut Task, a: &SyscallArgs) -> SysResult {
    // SAFETY: libc::sysinfo is plain data; all-zero is valid.
    let mut si: libc::sysinfo = unsafe { std::mem::zeroed() };
    // SAFETY: si is a valid out pointer.
    unsafe { libc::sysinfo(&mut si) };
    let mut out = [0u8; SYSINFO_SIZE];
    let uptime = t.kernel.boot_time.elapsed().as_secs() as i64;
    out[0..8].copy_from_slice(&uptime.to_le_bytes());
    let fields: [u64; 6] = [
        si.totalram,
        si.freeram,
        si.sharedram,
        si.bufferram,
        si.totalswap,
        si.freeswap,
    ];
    for (i, v) in fields.iter().enumerate() {
        out[32 + 8 * i..40 + 8 * i].copy_from_slice(&v.to_le_bytes());
    }
    let procs = t.kernel.procs.live().len() as u16;
    out[80..82].copy_from_slice(&procs.to_le_bytes());
    out[104..108].copy_from_slice(&si.mem_unit.to_le_bytes());
    t.mm.copy_out(a.addr(0), &out)?;
    Ok(0)
}

/// CPU time the task's process has used (its stub's, where guest code
/// runs; the sentry's work on its behalf is not counted).
pub fn process_cpu(t: &Task) -> std::time::Duration {
    let ts = now(t, CLOCK_PROCESS_CPUTIME_ID);
    ts.map_or(std::time::Duration::ZERO, duration_of)
}

/// CPU time of the stub process with host pid `host_pid` (zero if gone).
pub fn host_process_cpu(host_pid: i32) -> std::time::Duration {
    if host_pid <= 0 {
        return std::time::Duration::ZERO;
    }
    let ts = host_now((!host_pid << 3) | CPUCLOCK_SCHED);
    ts.map_or(std::time::Duration::ZERO, duration_of)
}

fn duration_of(ts: Timespec) -> std::time::Duration {
    std::time::Duration::new(ts.sec.max(0) as u64, ts.nsec.clamp(0, 999_999_999) as u32)
}

/// Clock ticks (USER_HZ) in `d`.
pub fn ticks(d: std::time::Duration) -> i64 {
    (d.as_millis() as u64 * crate::abi::misc::CLOCK_TICKS_PER_SEC / 1000) as i64
}

pub(super) fn times(t: &mut Task, a: &SyscallArgs) -> SysResult {
    if a.addr(0) != 0 {
        // tms_utime, tms_stime, tms_cutime, tms_cstime: guest time is
        // counted as user time.
        let own = ticks(process_cpu(t));
        let kids = ticks(t.kernel.procs.child_cpu(t.tgid));
        t.copy_out_obj(a.addr(0), &[own, 0, kids, 0])?;
    }
    let ticks = t.kernel.boot_time.elapsed().as_millis() as u64
        * crate::abi::misc::CLOCK_TICKS_PER_SEC
        / 1000;
    Ok(ticks)
}

pub(super) fn getrusage(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let d = match a.int(0) {
        RUSAGE_SELF | RUSAGE_THREAD => process_cpu(t),
        RUSAGE_CHILDREN => t.kernel.procs.child_cpu(t.tgid),
        _ => return Err(Errno::EINVAL.into()),
    };
    t.mm.copy_out(a.addr(1), &rusage_bytes(d))?;
    Ok(0)
}

/// A `struct rusage` with `cpu` as ru_utime (guest time is user time);
/// the rest is not counted.
pub fn rusage_bytes(cpu: std::time::Duration) -> [u8; RUSAGE_SIZE] {
    let mut out = [0u8; RUSAGE_SIZE];
    out[0..8].copy_from_slice(&(cpu.as_secs() as i64).to_le_bytes());
    out[8..16].copy_from_slice(&(cpu.subsec_micros() as i64).to_le_bytes());
    out
}

/// A struct timeval as a duration (EINVAL if out of range).
fn timeval_dur(sec: i64, usec: i64) -> Result<std::time::Duration, Errno> {
    if sec < 0 || !(0..1_000_000).contains(&usec) {
        return Err(Errno::EINVAL);
    }
    Ok(std::time::Duration::new(sec as u64, (usec * 1000) as u32))
}

fn timeval_of(d: std::time::Duration) -> [i64; 2] {
    // A running timer never reads as zero (Linux rounds up).
    let us = d.as_micros() as i64;
    let us = if d.is_zero() { 0 } else { us.max(1) };
    [us / 1_000_000, us % 1_000_000]
}

pub(super) fn alarm(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let secs = a.uint(0) as u64;
    let k = t.kernel.clone();
    let old = k
        .timers
        .set(
            &k,
            t.tgid,
            crate::kernel::timers::ITIMER_REAL_ID,
            std::time::Duration::from_secs(secs),
            std::time::Duration::ZERO,
        )
        .unwrap_or_default();
    // Whole seconds left, rounded to nearest, at least 1 if armed.
    let left = old.0;
    Ok(if left.is_zero() {
        0
    } else {
        (left.as_millis().div_ceil(1000) as u64).max(1)
    })
}

pub(super) fn setitimer(t: &mut Task, a: &SyscallArgs) -> SysResult {
    use crate::kernel::timers::{ITIMER_PROF_ID, ITIMER_REAL_ID, ITIMER_VIRTUAL_ID};
    let id = match a.int(0) {
        ITIMER_REAL => ITIMER_REAL_ID,
        ITIMER_VIRTUAL => ITIMER_VIRTUAL_ID,
        ITIMER_PROF => ITIMER_PROF_ID,
        _ => return Err(Errno::EINVAL.into()),
    };
    let (value, interval) = if a.addr(1) == 0 {
        (std::time::Duration::ZERO, std::time::Duration::ZERO)
    } else {
        let v: [i64; 4] = t.copy_in_obj(a.addr(1))?;
        (timeval_dur(v[2], v[3])?, timeval_dur(v[0], v[1])?)
    };
    let k = t.kernel.clone();
    let old = if id == ITIMER_REAL_ID {
        k.timers
            .set(&k, t.tgid, id, value, interval)
            .unwrap_or_default()
    } else {
        k.timers.set_cpu(&k, t.tgid, id, value, interval)
    };
    if a.addr(2) != 0 {
        let i = timeval_of(old.1);
        let v = timeval_of(old.0);
        t.copy_out_obj(a.addr(2), &[i[0], i[1], v[0], v[1]])?;
    }
    Ok(0)
}

pub(super) fn getitimer(t: &mut Task, a: &SyscallArgs) -> SysResult {
    use crate::kernel::timers::{ITIMER_PROF_ID, ITIMER_REAL_ID, ITIMER_VIRTUAL_ID};
    let id = match a.int(0) {
        ITIMER_REAL => ITIMER_REAL_ID,
        ITIMER_VIRTUAL => ITIMER_VIRTUAL_ID,
        ITIMER_PROF => ITIMER_PROF_ID,
        _ => return Err(Errno::EINVAL.into()),
    };
    let cur = t.kernel.timers.get(t.tgid, id).unwrap_or_default();
    let i = timeval_of(cur.1);
    let v = timeval_of(cur.0);
    t.copy_out_obj(a.addr(1), &[i[0], i[1], v[0], v[1]])?;
    Ok(0)
}

pub(super) fn timer_create(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let clock = a.int(0);
    now(t, clock)?;
    let (signo, value, silent) = if a.addr(1) == 0 {
        (crate::abi::signal::SIGALRM, u64::MAX, false)
    } else {
        // sigev_value, sigev_signo, sigev_notify, sigev_notify_thread_id.
        let raw: [u8; 20] = t.copy_in_obj(a.addr(1))?;
        let value = u64::from_le_bytes(raw[0..8].try_into().unwrap_or_default());
        let signo = i32::from_le_bytes(raw[8..12].try_into().unwrap_or_default());
        let notify = i32::from_le_bytes(raw[12..16].try_into().unwrap_or_default());
        let tid = i32::from_le_bytes(raw[16..20].try_into().unwrap_or_default());
        match notify {
            SIGEV_NONE => (0, value, true),
            SIGEV_SIGNAL | SIGEV_THREAD_ID => {
                if !(1..crate::abi::signal::NSIG).contains(&signo) {
                    return Err(Errno::EINVAL.into());
                }
                if notify == SIGEV_THREAD_ID && tid != t.tid {
                    return Err(Errno::EINVAL.into());
                }
                (signo, value, false)
            }
            _ => return Err(Errno::EINVAL.into()),
        }
    };
    let id = t.kernel.timers.create(t.tgid, signo, value, silent);
    // Without a sigevent, si_value is the timer id.
    if a.addr(1) == 0 {
        t.kernel.timers.delete(t.tgid, id);
        t.kernel.timers.create_with_id(t.tgid, id, signo, id as u64);
    }
    t.copy_out_obj(a.addr(2), &id)?;
    Ok(0)
}

fn itimerspec_in(t: &Task, addr: u64) -> Result<(std::time::Duration, std::time::Duration), Errno> {
    let raw: [i64; 4] = t.copy_in_obj(addr)?;
    let d = |s: i64, n: i64| -> Result<std::time::Duration, Errno> {
        if s < 0 || !(0..1_000_000_000).contains(&n) {
            return Err(Errno::EINVAL);
        }
        Ok(std::time::Duration::new(s as u64, n as u32))
    };
    Ok((d(raw[2], raw[3])?, d(raw[0], raw[1])?))
}

fn itimerspec_out(
    t: &Task,
    addr: u64,
    v: (std::time::Duration, std::time::Duration),
) -> Result<(), Errno> {
    let out = [
        v.1.as_secs() as i64,
        v.1.subsec_nanos() as i64,
        v.0.as_secs() as i64,
        v.0.subsec_nanos() as i64,
    ];
    t.copy_out_obj(addr, &out)
}

pub(super) fn timer_settime(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (id, flags) = (a.int(0), a.int(1));
    if id < 0 || !t.kernel.timers.exists(t.tgid, id) {
        return Err(Errno::EINVAL.into());
    }
    let (mut value, interval) = itimerspec_in(t, a.addr(2))?;
    if flags & TIMER_ABSTIME_FLAG != 0 && !value.is_zero() {
        let cur = now(t, CLOCK_REALTIME)?;
        let target = value.as_nanos() as i128;
        let nowns = cur.sec as i128 * 1_000_000_000 + cur.nsec as i128;
        value = std::time::Duration::from_nanos((target - nowns).max(1) as u64);
    }
    let k = t.kernel.clone();
    let old = k
        .timers
        .set(&k, t.tgid, id, value, interval)
        .ok_or(Errno::EINVAL)?;
    if a.addr(3) != 0 {
        itimerspec_out(t, a.addr(3), old)?;
    }
    Ok(0)
}

pub(super) fn timer_gettime(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let id = a.int(0);
    let cur = if id >= 0 {
        t.kernel.timers.get(t.tgid, id)
    } else {
        None
    }
    .ok_or(Errno::EINVAL)?;
    itimerspec_out(t, a.addr(1), cur)?;
    Ok(0)
}

pub(super) fn timer_delete(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let id = a.int(0);
    if id < 0 || !t.kernel.timers.delete(t.tgid, id) {
        return Err(Errno::EINVAL.into());
    }
    Ok(0)
}

pub(super) fn timer_getoverrun(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let id = a.int(0);
    if id < 0 || !t.kernel.timers.exists(t.tgid, id) {
        return Err(Errno::EINVAL.into());
    }
    Ok(0)
}
