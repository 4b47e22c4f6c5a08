//! epoll_create/create1/ctl/wait/pwait/pwait2 and eventfd/eventfd2.

use super::sys_poll::{end_temp_mask, temp_mask};
use super::SyscallArgs;
use crate::abi::file::epoll::*;
use crate::abi::file::eventfd::EFD_SEMAPHORE;
use crate::abi::file::{O_CLOEXEC, O_NONBLOCK, O_RDONLY, O_RDWR};
use crate::abi::misc::RLIMIT_NOFILE;
use crate::abi::{Errno, SysResult};
use crate::fsimpl::epoll::{self, Epoll, EpollFile};
use crate::fsimpl::eventfd::EventFd;
use crate::kernel::Task;
use crate::vfs::FileDescription;
use std::time::Duration;

fn install(t: &mut Task, f: std::sync::Arc<FileDescription>, cloexec: bool) -> SysResult {
    let limit = t.rlimits[RLIMIT_NOFILE].cur;
    Ok(t.fds.install(f, cloexec, 0, limit)? as u64)
}

fn create(t: &mut Task, flags: u32) -> SysResult {
    if flags & !O_CLOEXEC != 0 {
        return Err(Errno::EINVAL.into());
    }
    let f = FileDescription::new(Box::new(EpollFile(Epoll::default())), None, O_RDONLY);
    install(t, f, flags & O_CLOEXEC != 0)
}

pub(super) fn epoll_create(t: &mut Task, a: &SyscallArgs) -> SysResult {
    if a.int(0) <= 0 {
        return Err(Errno::EINVAL.into());
    }
    create(t, 0)
}

pub(super) fn epoll_create1(t: &mut Task, a: &SyscallArgs) -> SysResult {
    create(t, a.uint(0))
}

pub(super) fn epoll_ctl(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (epfd, op, fd, ev_addr) = (a.fd(0), a.int(1), a.fd(2), a.addr(3));
    let (events, data) = if op == EPOLL_CTL_DEL {
        (0, 0)
    } else {
        let raw: [u8; EPOLL_EVENT_SIZE] = t.copy_in_obj(ev_addr)?;
        (
            u32::from_le_bytes(raw[0..4].try_into().unwrap_or_default()),
            u64::from_le_bytes(raw[4..12].try_into().unwrap_or_default()),
        )
    };
    let ep_file = t.fds.get(epfd)?.clone();
    let file = t.fds.get(fd)?.clone();
    let ep = ep_file.ops.as_epoll().ok_or(Errno::EINVAL)?;
    ep.ctl(&ep_file, op, fd, &file, events, data)?;
    Ok(0)
}

fn wait_common(
    t: &mut Task,
    epfd: i32,
    addr: u64,
    max: i32,
    timeout: Option<Duration>,
) -> SysResult {
    if max <= 0 || max > EP_MAX_EVENTS {
        return Err(Errno::EINVAL.into());
    }
    let ep_file = t.fds.get(epfd)?.clone();
    let ep = ep_file.ops.as_epoll().ok_or(Errno::EINVAL)?;
    // The buffer must be writable before waiting.
    t.mm.io_vecs(addr, max as u64 * EPOLL_EVENT_SIZE as u64, true)?;
    let got = epoll::wait(t, ep, max as usize, timeout)?;
    let mut out = Vec::with_capacity(got.len() * EPOLL_EVENT_SIZE);
    for (ev, data) in &got {
        out.extend_from_slice(&ev.to_le_bytes());
        out.extend_from_slice(&data.to_le_bytes());
    }
    t.mm.copy_out(addr, &out)?;
    Ok(got.len() as u64)
}

fn ms_timeout(ms: i32) -> Option<Duration> {
    (ms >= 0).then(|| Duration::from_millis(ms as u64))
}

pub(super) fn epoll_wait(t: &mut Task, a: &SyscallArgs) -> SysResult {
    wait_common(t, a.fd(0), a.addr(1), a.int(2), ms_timeout(a.int(3)))
}

pub(super) fn epoll_pwait(t: &mut Task, a: &SyscallArgs) -> SysResult {
    temp_mask(t, a.addr(4), a.size(5))?;
    let r = wait_common(t, a.fd(0), a.addr(1), a.int(2), ms_timeout(a.int(3)));
    end_temp_mask(t, &r);
    r
}

pub(super) fn epoll_pwait2(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let timeout = if a.addr(3) == 0 {
        None
    } else {
        let ts: [i64; 2] = t.copy_in_obj(a.addr(3))?;
        if ts[0] < 0 || !(0..1_000_000_000).contains(&ts[1]) {
            return Err(Errno::EINVAL.into());
        }
        Some(Duration::new(ts[0] as u64, ts[1] as u32))
    };
    temp_mask(t, a.addr(4), a.size(5))?;
    let r = wait_common(t, a.fd(0), a.addr(1), a.int(2), timeout);
    end_temp_mask(t, &r);
    r
}

pub(super) fn eventfd2(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (init, flags) = (a.uint(0), a.uint(1));
    if flags & !(O_CLOEXEC | O_NONBLOCK | EFD_SEMAPHORE) != 0 {
        return Err(Errno::EINVAL.into());
    }
    let f = FileDescription::new(
        Box::new(EventFd::new(init, flags)),
        None,
        O_RDWR | (flags & O_NONBLOCK),
    );
    install(t, f, flags & O_CLOEXEC != 0)
}

pub(super) fn eventfd(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let f = FileDescription::new(Box::new(EventFd::new(a.uint(0), 0)), None, O_RDWR);
    install(t, f, false)
}

/// timerfd_create/signalfd flags (O_CLOEXEC and O_NONBLOCK values).
const TFD_FLAGS: u32 = O_CLOEXEC | O_NONBLOCK;
/// timerfd_settime: absolute time.
const TFD_TIMER_ABSTIME: i32 = 1;
/// timerfd_settime: cancel on clock change (accepted).
const TFD_TIMER_CANCEL_ON_SET: i32 = 2;

pub(super) fn timerfd_create(t: &mut Task, a: &SyscallArgs) -> SysResult {
    use crate::abi::time::*;
    let (clock, flags) = (a.int(0), a.uint(1));
    match clock {
        CLOCK_REALTIME | CLOCK_MONOTONIC | CLOCK_BOOTTIME | CLOCK_REALTIME_ALARM
        | CLOCK_BOOTTIME_ALARM => {}
        _ => return Err(Errno::EINVAL.into()),
    }
    if flags & !TFD_FLAGS != 0 {
        return Err(Errno::EINVAL.into());
    }
    let f = FileDescription::new(
        Box::new(crate::fsimpl::timerfd::TimerFd::new(matches!(
            clock,
            CLOCK_REALTIME | CLOCK_REALTIME_ALARM
        ))),
        None,
        O_RDWR | (flags & O_NONBLOCK),
    );
    install(t, f, flags & O_CLOEXEC != 0)
}

fn itimerspec(t: &Task, addr: u64) -> Result<(Duration, Duration), Errno> {
    let raw: [i64; 4] = t.copy_in_obj(addr)?;
    let d = |s: i64, n: i64| -> Result<Duration, Errno> {
        if s < 0 || !(0..1_000_000_000).contains(&n) {
            return Err(Errno::EINVAL);
        }
        Ok(Duration::new(s as u64, n as u32))
    };
    Ok((d(raw[2], raw[3])?, d(raw[0], raw[1])?))
}

fn itimerspec_out(t: &Task, addr: u64, v: (Duration, Duration)) -> Result<(), Errno> {
    let out = [
        v.1.as_secs() as i64,
        v.1.subsec_nanos() as i64,
        v.0.as_secs() as i64,
        v.0.subsec_nanos() as i64,
    ];
    t.copy_out_obj(addr, &out)
}

pub(super) fn timerfd_settime(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = t.fds.get(a.fd(0))?;
    let tfd = file.ops.as_timerfd().ok_or(Errno::EINVAL)?;
    let flags = a.int(1);
    if flags & !(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET) != 0 {
        return Err(Errno::EINVAL.into());
    }
    let (mut value, interval) = itimerspec(t, a.addr(2))?;
    if flags & TFD_TIMER_ABSTIME != 0 && !value.is_zero() {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let mono = {
            let mut n = libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            };
            // SAFETY: n is a valid out pointer.
            unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut n) };
            Duration::new(n.tv_sec as u64, n.tv_nsec as u32)
        };
        // Absolute times are on the timer's clock.
        let base = if tfd.realtime { now } else { mono };
        value = value.saturating_sub(base).max(Duration::from_nanos(1));
    }
    let old = tfd.set(value, interval);
    if a.addr(3) != 0 {
        itimerspec_out(t, a.addr(3), old)?;
    }
    Ok(0)
}

pub(super) fn timerfd_gettime(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = t.fds.get(a.fd(0))?;
    let tfd = file.ops.as_timerfd().ok_or(Errno::EINVAL)?;
    let cur = tfd.get();
    itimerspec_out(t, a.addr(1), cur)?;
    Ok(0)
}

pub(super) fn signalfd4(t: &mut Task, a: &SyscallArgs) -> SysResult {
    use crate::abi::signal::{SigSet, SIGSET_SIZE};
    let (fd, flags) = (a.fd(0), a.uint(3));
    if a.size(2) != SIGSET_SIZE || flags & !TFD_FLAGS != 0 {
        return Err(Errno::EINVAL.into());
    }
    let mask: SigSet = t.copy_in_obj(a.addr(1))?;
    let mask = mask.0 & !SigSet::UNBLOCKABLE.0;
    if fd != -1 {
        let file = t.fds.get(fd)?;
        let sfd = file.ops.as_signalfd().ok_or(Errno::EINVAL)?;
        sfd.mask.store(mask, std::sync::atomic::Ordering::Relaxed);
        return Ok(fd as u64);
    }
    let f = FileDescription::new(
        Box::new(crate::fsimpl::signalfd::SignalFd::new(t, mask)),
        None,
        O_RDONLY | (flags & O_NONBLOCK),
    );
    install(t, f, flags & O_CLOEXEC != 0)
}

pub(super) fn signalfd(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let args = SyscallArgs::new([a.raw(0), a.raw(1), a.raw(2), 0, 0, 0]);
    signalfd4(t, &args)
}
