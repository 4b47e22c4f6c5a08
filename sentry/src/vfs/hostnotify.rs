//! The host-fd notifier: one sentry thread that watches host fds (the
//! donated stdio, later the console) with a host epoll, and bumps the
//! file-event sequence (`vfs::events`) when one becomes ready, so guest
//! waits on host fds (poll, select, epoll, blocking reads and writes)
//! sleep until the host says something changed.
//!
//! A waiter that finds a host fd not ready arms it for the events it
//! wants, one-shot: the first readiness disarms it again, so an fd that
//! stays ready while nobody reads it cannot keep the thread busy. Arming
//! an fd that is already ready fires at once, and waiters read the event
//! sequence before they check their files, so no wakeup is lost.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::OnceLock;

/// The notifier's host epoll, or None if it could not start (waiters
/// then re-poll host fds on a short timer).
static EPOLL: OnceLock<Option<OwnedFd>> = OnceLock::new();

fn epoll() -> Option<&'static OwnedFd> {
    EPOLL
        .get_or_init(|| {
            // SAFETY: epoll_create1 has no pointer arguments.
            let fd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
            if fd < 0 {
                crate::log::warn("host-fd notifier: epoll_create1 failed; polling host fds");
                return None;
            }
            // SAFETY: fd is a fresh epoll fd we own.
            let ep = unsafe { OwnedFd::from_raw_fd(fd) };
            let raw = ep.as_raw_fd();
            let spawned = std::thread::Builder::new()
                .name("host-notifier".into())
                .spawn(move || run(raw));
            if spawned.is_err() {
                crate::log::warn("host-fd notifier: no thread; polling host fds");
                return None;
            }
            Some(ep)
        })
        .as_ref()
}

/// The notifier thread: waits for armed fds and wakes the guest waiters.
fn run(epfd: i32) {
    // SAFETY: epoll_event is plain data; all-zero is valid.
    let mut evs: [libc::epoll_event; 16] = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: evs is a valid buffer of 16 events; epfd stays open for
        // the sentry's lifetime (the OnceLock owns it).
        let n = unsafe { libc::epoll_wait(epfd, evs.as_mut_ptr(), evs.len() as i32, -1) };
        if n > 0 {
            super::events::bump();
        } else if n < 0 && std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            return;
        }
    }
}

/// Arms host fd `fd` for the poll(2) `events` (POLLIN, POLLOUT, ...),
/// one-shot. False if the notifier cannot watch it (then the caller must
/// re-poll on a timer).
pub fn arm(fd: i32, events: i16) -> bool {
    let Some(ep) = epoll() else {
        return false;
    };
    // poll(2) and epoll(7) share the low event bits.
    let mut ev = libc::epoll_event {
        events: (events as u16 as u32) | libc::EPOLLONESHOT as u32,
        u64: fd as u64,
    };
    for op in [libc::EPOLL_CTL_MOD, libc::EPOLL_CTL_ADD] {
        // SAFETY: ev is a valid epoll_event; the kernel copies it.
        if unsafe { libc::epoll_ctl(ep.as_raw_fd(), op, fd, &mut ev) } == 0 {
            return true;
        }
        // MOD of an fd never added (or closed and reused) is ENOENT: add.
        if std::io::Error::last_os_error().raw_os_error() != Some(libc::ENOENT) {
            return false;
        }
    }
    false
}

/// Whether host fds are watched by the notifier (else re-polled).
pub fn available() -> bool {
    epoll().is_some()
}
