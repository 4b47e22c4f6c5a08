//! poll and ppoll. Sandbox files answer from their state; donated host
//! fds (stdio) are asked with a host poll, which may block. Waiting on
//! sandbox files for an event that only another task could cause needs
//! the blocking machinery of step 3: such a wait ends by its timeout, or
//! at once with EINTR when it has none.

use super::SyscallArgs;
use crate::abi::file::poll::*;
use crate::abi::misc::RLIMIT_NOFILE;
use crate::abi::{Errno, SysResult};
use crate::kernel::Task;
use crate::vfs::PollState;
use std::time::Duration;

/// Polls the guest's pollfd array; `timeout` None waits forever.
fn do_poll(t: &mut Task, addr: u64, nfds: u64, timeout: Option<Duration>) -> SysResult {
    if nfds > t.rlimits[RLIMIT_NOFILE].cur || nfds > (1 << 20) {
        return Err(Errno::EINVAL.into());
    }
    let mut raw = vec![0u8; nfds as usize * POLLFD_SIZE];
    t.mm.copy_in(addr, &mut raw)?;
    let mut entries: Vec<(i32, i16, i16)> = raw
        .chunks_exact(POLLFD_SIZE)
        .map(|c| {
            (
                i32::from_le_bytes([c[0], c[1], c[2], c[3]]),
                i16::from_le_bytes([c[4], c[5]]),
                0,
            )
        })
        .collect();
    let mut host: Vec<(usize, libc::pollfd)> = Vec::new();
    for (i, e) in entries.iter_mut().enumerate() {
        if e.0 < 0 {
            continue;
        }
        match t.fds.get(e.0) {
            Err(_) => e.2 = POLLNVAL,
            Ok(f) => match f.ops.poll(e.1) {
                PollState::Ready(r) => e.2 = r,
                PollState::Host(fd) => host.push((
                    i,
                    libc::pollfd {
                        fd,
                        events: e.1,
                        revents: 0,
                    },
                )),
            },
        }
    }
    let mut ready = entries.iter().filter(|e| e.2 != 0).count();
    if !host.is_empty() {
        // Ask the host without waiting if something is ready already.
        let wait_ms = if ready > 0 {
            0
        } else {
            timeout.map_or(-1, |d| d.as_millis().min(i32::MAX as u128) as i32)
        };
        let mut pfds: Vec<libc::pollfd> = host.iter().map(|h| h.1).collect();
        loop {
            // SAFETY: pfds is a valid array of pollfd of its length.
            let r = unsafe { libc::poll(pfds.as_mut_ptr(), pfds.len() as libc::nfds_t, wait_ms) };
            if r >= 0 {
                break;
            }
            let e = Errno::last_host();
            if e != Errno::EINTR {
                return Err(e.into());
            }
        }
        for ((i, _), p) in host.iter().zip(&pfds) {
            entries[*i].2 = p.revents;
        }
        ready = entries.iter().filter(|e| e.2 != 0).count();
    } else if ready == 0 {
        match timeout {
            Some(d) if d.is_zero() => {}
            Some(d) => std::thread::sleep(d),
            None => return Err(Errno::EINTR.into()),
        }
    }
    for (c, e) in raw.chunks_exact_mut(POLLFD_SIZE).zip(&entries) {
        c[6..8].copy_from_slice(&e.2.to_le_bytes());
    }
    t.mm.copy_out(addr, &raw)?;
    Ok(ready as u64)
}

pub(super) fn poll(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let ms = a.int(2);
    let timeout = (ms >= 0).then(|| Duration::from_millis(ms as u64));
    do_poll(t, a.addr(0), a.size(1), timeout)
}

pub(super) fn ppoll(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let timeout = if a.addr(2) == 0 {
        None
    } else {
        let ts: [i64; 2] = t.copy_in_obj(a.addr(2))?;
        if ts[0] < 0 || !(0..1_000_000_000).contains(&ts[1]) {
            return Err(Errno::EINVAL.into());
        }
        Some(Duration::new(ts[0] as u64, ts[1] as u32))
    };
    do_poll(t, a.addr(0), a.size(1), timeout)
}
