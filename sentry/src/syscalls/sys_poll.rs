//! poll, ppoll, select, pselect6 over the file-event notifier; donated
//! host fds are asked with a zero-timeout host poll.

use super::SyscallArgs;
use crate::abi::file::poll::*;
use crate::abi::file::FD_SETSIZE;
use crate::abi::misc::RLIMIT_NOFILE;
use crate::abi::signal::{SigSet, SIGSET_SIZE};
use crate::abi::{Errno, SysError, SysResult};
use crate::kernel::Task;
use crate::vfs::wait::{host_poll, wait_ready, Check};
use crate::vfs::PollState;
use std::time::{Duration, Instant};

/// Readiness of each (fd, events) into `out` (POLLNVAL for bad fds).
fn check_fds(t: &Task, fds: &[(i32, i16)], out: &mut [i16]) -> Check {
    let mut c = Check::default();
    for ((fd, ev), r) in fds.iter().zip(out.iter_mut()) {
        *r = 0;
        if *fd < 0 {
            continue;
        }
        *r = match t.fds.get(*fd) {
            Err(_) => POLLNVAL,
            Ok(f) => match f.ops.poll(*ev) {
                PollState::Ready(x) => x,
                PollState::Host(h) => {
                    c.host = true;
                    host_poll(h, *ev)
                }
            },
        };
        // Errors and hang-ups are reported whether asked for or not.
        *r &= *ev | POLLERR | POLLHUP | POLLNVAL;
        if *r != 0 {
            c.ready += 1;
        }
    }
    c
}

/// Polls the guest's pollfd array; `timeout` None waits forever.
fn do_poll(t: &mut Task, addr: u64, nfds: u64, timeout: Option<Duration>) -> SysResult {
    if nfds > t.rlimits[RLIMIT_NOFILE].cur || nfds > (1 << 20) {
        return Err(Errno::EINVAL.into());
    }
    let mut raw = vec![0u8; nfds as usize * POLLFD_SIZE];
    t.mm.copy_in(addr, &mut raw)?;
    let fds: Vec<(i32, i16)> = raw
        .chunks_exact(POLLFD_SIZE)
        .map(|c| {
            (
                i32::from_le_bytes([c[0], c[1], c[2], c[3]]),
                i16::from_le_bytes([c[4], c[5]]),
            )
        })
        .collect();
    let mut out = vec![0i16; fds.len()];
    let n = wait_ready(t, timeout, &mut |t| Ok(check_fds(t, &fds, &mut out)))?;
    for (c, r) in raw.chunks_exact_mut(POLLFD_SIZE).zip(&out) {
        c[6..8].copy_from_slice(&r.to_le_bytes());
    }
    t.mm.copy_out(addr, &raw)?;
    Ok(n as u64)
}

fn timespec_timeout(t: &Task, addr: u64) -> Result<Option<Duration>, Errno> {
    if addr == 0 {
        return Ok(None);
    }
    let ts: [i64; 2] = t.copy_in_obj(addr)?;
    if ts[0] < 0 || !(0..1_000_000_000).contains(&ts[1]) {
        return Err(Errno::EINVAL);
    }
    Ok(Some(Duration::new(ts[0] as u64, ts[1] as u32)))
}

/// Applies a temporary signal mask for the call (ppoll, pselect6,
/// epoll_pwait); delivery restores the old one.
pub(super) fn temp_mask(t: &mut Task, addr: u64, size: u64) -> Result<(), Errno> {
    if addr == 0 {
        return Ok(());
    }
    if size != SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let m: SigSet = t.copy_in_obj(addr)?;
    t.saved_mask = Some(t.signals.mask);
    t.signals.mask = SigSet(m.0 & !SigSet::UNBLOCKABLE.0);
    Ok(())
}

/// Restores the mask after a call that did not end in signal delivery.
pub(super) fn end_temp_mask(t: &mut Task, r: &SysResult) {
    if !matches!(r, Err(SysError::RestartNoHand)) {
        if let Some(m) = t.saved_mask.take() {
            t.signals.mask = m;
        }
    }
}

pub(super) fn poll(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let ms = a.int(2);
    let timeout = (ms >= 0).then(|| Duration::from_millis(ms as u64));
    do_poll(t, a.addr(0), a.size(1), timeout)
}

pub(super) fn ppoll(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let timeout = timespec_timeout(t, a.addr(2))?;
    temp_mask(t, a.addr(3), a.size(4))?;
    let r = do_poll(t, a.addr(0), a.size(1), timeout);
    end_temp_mask(t, &r);
    r
}

/// select and pselect6: three fd sets of `nfds` bits.
fn do_select(t: &mut Task, nfds: i32, sets: [u64; 3], timeout: Option<Duration>) -> SysResult {
    if nfds < 0 || nfds as u64 > t.rlimits[RLIMIT_NOFILE].cur.max(FD_SETSIZE as u64) {
        return Err(Errno::EINVAL.into());
    }
    let nbytes = (nfds as usize).div_ceil(64) * 8;
    let mut bits = [vec![0u8; nbytes], vec![0u8; nbytes], vec![0u8; nbytes]];
    for (i, &addr) in sets.iter().enumerate() {
        if addr != 0 {
            t.mm.copy_in(addr, &mut bits[i])?;
        }
    }
    let is_set = |b: &[u8], fd: usize| b[fd / 8] & (1 << (fd % 8)) != 0;
    let mut fds: Vec<(i32, i16)> = Vec::new();
    for fd in 0..nfds as usize {
        let mut ev = 0i16;
        if is_set(&bits[0], fd) {
            ev |= POLLIN | POLLRDNORM | POLLHUP | POLLERR;
        }
        if is_set(&bits[1], fd) {
            ev |= POLLOUT | POLLWRNORM | POLLERR;
        }
        if is_set(&bits[2], fd) {
            ev |= POLLPRI;
        }
        if ev != 0 {
            if t.fds.get(fd as i32).is_err() {
                return Err(Errno::EBADF.into());
            }
            fds.push((fd as i32, ev));
        }
    }
    let mut out = vec![0i16; fds.len()];
    wait_ready(t, timeout, &mut |t| Ok(check_fds(t, &fds, &mut out)))?;
    let mut res = [vec![0u8; nbytes], vec![0u8; nbytes], vec![0u8; nbytes]];
    let mut count = 0u64;
    for ((fd, ev), r) in fds.iter().zip(&out) {
        let fd = *fd as usize;
        let set = |b: &mut Vec<u8>| b[fd / 8] |= 1 << (fd % 8);
        if ev & POLLIN != 0 && r & (POLLIN | POLLRDNORM | POLLHUP | POLLERR) != 0 {
            set(&mut res[0]);
            count += 1;
        }
        if ev & POLLOUT != 0 && r & (POLLOUT | POLLWRNORM | POLLERR) != 0 {
            set(&mut res[1]);
            count += 1;
        }
        if ev & POLLPRI != 0 && r & POLLPRI != 0 {
            set(&mut res[2]);
            count += 1;
        }
    }
    for (i, &addr) in sets.iter().enumerate() {
        if addr != 0 {
            t.mm.copy_out(addr, &res[i])?;
        }
    }
    Ok(count)
}

pub(super) fn select(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let tv_addr = a.addr(4);
    let timeout = if tv_addr == 0 {
        None
    } else {
        let tv: [i64; 2] = t.copy_in_obj(tv_addr)?;
        if tv[0] < 0 || !(0..1_000_000).contains(&tv[1]) {
            return Err(Errno::EINVAL.into());
        }
        Some(Duration::new(tv[0] as u64, (tv[1] * 1000) as u32))
    };
    let start = Instant::now();
    let r = do_select(t, a.int(0), [a.addr(1), a.addr(2), a.addr(3)], timeout);
    // Linux writes back the time left.
    if let (Some(d), true) = (timeout, tv_addr != 0) {
        let left = d.saturating_sub(start.elapsed());
        let _ = t.copy_out_obj(
            tv_addr,
            &[left.as_secs() as i64, left.subsec_micros() as i64],
        );
    }
    r
}

pub(super) fn pselect6(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let timeout = timespec_timeout(t, a.addr(4))?;
    // The sixth argument points at {sigset pointer, size}.
    if a.addr(5) != 0 {
        let sm: [u64; 2] = t.copy_in_obj(a.addr(5))?;
        temp_mask(t, sm[0], sm[1])?;
    }
    let start = Instant::now();
    let r = do_select(t, a.int(0), [a.addr(1), a.addr(2), a.addr(3)], timeout);
    end_temp_mask(t, &r);
    // Like select, pselect6 reports the time left (glibc's select uses it).
    if let Some(d) = timeout {
        let left = d.saturating_sub(start.elapsed());
        let _ = t.copy_out_obj(
            a.addr(4),
            &[left.as_secs() as i64, left.subsec_nanos() as i64],
        );
    }
    r
}
