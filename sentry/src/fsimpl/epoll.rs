//! epoll: an interest list of (fd, file) pairs, checked on the
//! file-event notifier. Level-triggered items report while ready;
//! edge-triggered ones report again only after some file event happened
//! since their last report (a spurious report is possible, a missed one
//! is not); one-shot items disable themselves after a report.

use crate::abi::file::epoll::*;
use crate::abi::file::Stat;
use crate::abi::Errno;
use crate::kernel::Task;
use crate::vfs::dentry::lock;
use crate::vfs::wait::host_poll;
use crate::vfs::{events, FileDescription, FileOps, PollState};
use std::sync::{Arc, Mutex, Weak};

/// One watched file.
struct Item {
    fd: i32,
    file: Weak<FileDescription>,
    events: u32,
    data: u64,
    /// Notifier sequence at the last report (edge-triggered items).
    reported_at: Option<u64>,
    disabled: bool,
}

/// An epoll instance.
#[derive(Default)]
pub struct Epoll {
    items: Mutex<Vec<Item>>,
}

/// How deep epoll instances may watch each other.
const MAX_NESTING: u32 = 4;

fn readiness(file: &FileDescription, events: u32, depth: u32) -> (u32, bool) {
    if depth > MAX_NESTING {
        return (0, false);
    }
    if let Some(ep) = file.ops.as_epoll() {
        let n = ep.ready_now(depth + 1);
        return (if n > 0 { EPOLLIN & events } else { 0 }, false);
    }
    let ev16 = (events & 0xffff) as i16;
    let (r, host) = match file.ops.poll(ev16) {
        PollState::Ready(r) => (r, false),
        PollState::Host(fd) => (host_poll(fd, ev16), true),
    };
    let r = r as u16 as u32;
    (r & (events | EPOLLERR | EPOLLHUP), host)
}

impl Epoll {
    /// epoll_ctl.
    pub fn ctl(
        &self,
        self_file: &Arc<FileDescription>,
        op: i32,
        fd: i32,
        file: &Arc<FileDescription>,
        events: u32,
        data: u64,
    ) -> Result<(), Errno> {
        if Arc::ptr_eq(self_file, file) {
            return Err(Errno::EINVAL);
        }
        if !file.ops.epollable() {
            return Err(Errno::EPERM);
        }
        if op == EPOLL_CTL_ADD {
            if let Some(inner) = file.ops.as_epoll() {
                if inner.reaches(self, 0) {
                    return Err(Errno::ELOOP);
                }
            }
        }
        let mut items = lock(&self.items);
        items.retain(|i| i.file.strong_count() > 0);
        let pos = items
            .iter()
            .position(|i| i.fd == fd && i.file.upgrade().is_some_and(|f| Arc::ptr_eq(&f, file)));
        match op {
            EPOLL_CTL_ADD => {
                if pos.is_some() {
                    return Err(Errno::EEXIST);
                }
                items.push(Item {
                    fd,
                    file: Arc::downgrade(file),
                    events,
                    data,
                    reported_at: None,
                    disabled: false,
                });
            }
            EPOLL_CTL_MOD => {
                let p = pos.ok_or(Errno::ENOENT)?;
                if events & EPOLLEXCLUSIVE != 0 || items[p].events & EPOLLEXCLUSIVE != 0 {
                    return Err(Errno::EINVAL);
                }
                let it = &mut items[p];
                it.events = events;
                it.data = data;
                it.reported_at = None;
                it.disabled = false;
            }
            EPOLL_CTL_DEL => {
                let p = pos.ok_or(Errno::ENOENT)?;
                items.remove(p);
            }
            _ => return Err(Errno::EINVAL),
        }
        drop(items);
        events::bump();
        Ok(())
    }

    /// Whether this instance watches `target` (itself or through nested
    /// instances): adding it to `target` would make a loop.
    fn reaches(&self, target: &Epoll, depth: u32) -> bool {
        if std::ptr::eq(self, target) {
            return true;
        }
        if depth > MAX_NESTING {
            return true;
        }
        let Ok(items) = self.items.try_lock() else {
            return true;
        };
        items.iter().any(|i| {
            i.file.upgrade().is_some_and(|f| {
                f.ops
                    .as_epoll()
                    .is_some_and(|e| e.reaches(target, depth + 1))
            })
        })
    }

    /// How many items are ready (for polling the epoll fd itself).
    pub fn ready_now(&self, depth: u32) -> usize {
        // A nested instance already being checked (a loop that slipped
        // through) counts as not ready rather than deadlocking.
        let Ok(items) = self.items.try_lock() else {
            return 0;
        };
        let seq = events::seq();
        items
            .iter()
            .filter(|i| !i.disabled)
            .filter(|i| {
                i.events & EPOLLET == 0
                    || i.reported_at
                        != Some(
                            i.file
                                .upgrade()
                                .and_then(|f| f.ops.event_gen())
                                .unwrap_or(seq),
                        )
            })
            .filter_map(|i| i.file.upgrade().map(|f| readiness(&f, i.events, depth).0))
            .filter(|&r| r != 0)
            .count()
    }

    /// Collects up to `max` ready events; the flag says host fds are
    /// watched (their readiness is polled, not notified).
    pub fn collect(&self, max: usize, seq: u64) -> (Vec<(u32, u64)>, bool) {
        let mut items = lock(&self.items);
        items.retain(|i| i.file.strong_count() > 0);
        let mut out = Vec::new();
        let mut host_any = false;
        for it in items.iter_mut() {
            if out.len() >= max {
                break;
            }
            if it.disabled {
                continue;
            }
            let Some(f) = it.file.upgrade() else {
                continue;
            };
            let (r, host) = readiness(&f, it.events, 0);
            host_any |= host;
            if r == 0 {
                continue;
            }
            let gen = f.ops.event_gen().unwrap_or(seq);
            if it.events & EPOLLET != 0 && it.reported_at == Some(gen) {
                continue;
            }
            it.reported_at = Some(gen);
            if it.events & EPOLLONESHOT != 0 {
                it.disabled = true;
            }
            out.push((r, it.data));
        }
        (out, host_any)
    }
}

/// An open epoll instance.
pub struct EpollFile(pub Epoll);

impl FileOps for EpollFile {
    fn seekable(&self) -> bool {
        false
    }
    fn stat(&self) -> Result<Stat, Errno> {
        Ok(crate::vfs::file::anon_stat())
    }
    fn poll(&self, events: i16) -> PollState {
        let n = self.0.ready_now(1);
        PollState::Ready(if n > 0 {
            events & crate::abi::file::poll::POLLIN
        } else {
            0
        })
    }
    fn as_epoll(&self) -> Option<&Epoll> {
        Some(&self.0)
    }
    fn anon_name(&self) -> Option<String> {
        Some("anon_inode:[eventpoll]".into())
    }
}

/// Waits for events of `ep` (None: forever).
pub fn wait(
    t: &Task,
    ep: &Epoll,
    max: usize,
    timeout: Option<std::time::Duration>,
) -> Result<Vec<(u32, u64)>, crate::abi::SysError> {
    let mut got = Vec::new();
    crate::vfs::wait::wait_ready(t, timeout, &mut |_| {
        let (ev, host) = ep.collect(max, events::seq());
        let n = ev.len();
        got = ev;
        Ok(crate::vfs::wait::Check { ready: n, host })
    })?;
    Ok(got)
}
