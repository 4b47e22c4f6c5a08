//! Waiting for files to become ready (poll, select, epoll, and blocking
//! eventfd/timerfd reads), on the file-event notifier.

use super::events;
use crate::abi::{Errno, SysError};
use crate::kernel::Task;
use std::time::{Duration, Instant};

/// How long a waiter sleeps at most before looking again when host fds
/// are among its files and the host-fd notifier could not watch them.
const HOST_RECHECK: Duration = Duration::from_millis(10);
/// How long it sleeps at most otherwise (to notice signals).
const RECHECK: Duration = Duration::from_millis(50);

/// What one readiness check found.
#[derive(Clone, Copy, Debug, Default)]
pub struct Check {
    /// Ready items.
    pub ready: usize,
    /// Some items are host fds the notifier does not watch.
    pub host: bool,
}

/// Runs `check` until something is ready, the timeout passes (`None`
/// waits forever) or a signal arrives (ERESTARTNOHAND, as poll does).
pub fn wait_ready(
    t: &Task,
    timeout: Option<Duration>,
    check: &mut dyn FnMut(&Task) -> Result<Check, Errno>,
) -> Result<usize, SysError> {
    let deadline = timeout.map(|d| Instant::now() + d);
    loop {
        let seen = events::seq();
        let c = check(t)?;
        if c.ready > 0 {
            return Ok(c.ready);
        }
        let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
        if left == Some(Duration::ZERO) {
            return Ok(0);
        }
        if t.signal_pending() {
            return Err(SysError::RestartNoHand);
        }
        let cap = if c.host && !super::hostnotify::available() {
            HOST_RECHECK
        } else {
            RECHECK
        };
        events::wait_change(seen, left.map_or(cap, |l| l.min(cap)));
    }
}

/// Asks the host about one fd without waiting: the ready events. When
/// none is ready, the host-fd notifier is armed for `events`, so a waiter
/// on the event sequence wakes when the fd becomes ready.
pub fn host_poll(fd: i32, events: i16) -> i16 {
    let mut p = libc::pollfd {
        fd,
        events,
        revents: 0,
    };
    // SAFETY: one valid pollfd; zero timeout.
    let r = unsafe { libc::poll(&mut p, 1, 0) };
    if r > 0 {
        return p.revents;
    }
    super::hostnotify::arm(fd, events);
    0
}

/// Blocks until host fd `fd` has one of `events` (or a hang-up or error),
/// EAGAIN at once if `nonblock`, EINTR when a signal arrives first (a
/// blocking read or write of a donated host fd).
pub fn host_wait(t: &Task, fd: i32, events: i16, nonblock: bool) -> Result<(), Errno> {
    loop {
        let seen = events::seq();
        if host_poll(fd, events) != 0 {
            return Ok(());
        }
        if nonblock {
            return Err(Errno::EAGAIN);
        }
        if t.signal_pending() {
            return Err(Errno::EINTR);
        }
        let cap = if super::hostnotify::available() {
            RECHECK
        } else {
            HOST_RECHECK
        };
        events::wait_change(seen, cap);
    }
}
