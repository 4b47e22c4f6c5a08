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
