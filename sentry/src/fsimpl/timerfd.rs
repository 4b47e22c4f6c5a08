//! timerfd: a file whose reads return how many times a timer expired.

use crate::abi::file::poll::*;
use crate::abi::file::{Stat, O_NONBLOCK};
use crate::abi::Errno;
use crate::kernel::Task;
use crate::vfs::dentry::lock;
use crate::vfs::file::copy_to_iovecs;
use crate::vfs::wait::{wait_ready, Check};
use crate::vfs::{events, FileOps, PollState};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

#[derive(Debug, Default)]
struct State {
    expirations: u64,
    deadline: Option<Instant>,
    interval: Duration,
    generation: u64,
}

/// A timerfd.
#[derive(Debug, Default)]
pub struct TimerFd {
    st: Arc<Mutex<State>>,
    /// Whether its clock is a real-time one (absolute times are then on
    /// the wall clock).
    pub realtime: bool,
}

impl TimerFd {
    /// A disarmed timer on a real-time or a monotonic clock.
    pub fn new(realtime: bool) -> TimerFd {
        TimerFd {
            st: Arc::default(),
            realtime,
        }
    }

    /// Arms (value zero disarms); returns the old (time left, interval).
    pub fn set(&self, value: Duration, interval: Duration) -> (Duration, Duration) {
        let mut st = lock(&self.st);
        let old = (
            st.deadline.map_or(Duration::ZERO, |d| {
                d.saturating_duration_since(Instant::now())
            }),
            st.interval,
        );
        st.generation += 1;
        st.expirations = 0;
        if value.is_zero() {
            st.deadline = None;
            st.interval = Duration::ZERO;
            return old;
        }
        let gen = st.generation;
        let first = Instant::now() + value;
        st.deadline = Some(first);
        st.interval = interval;
        drop(st);
        let weak: Weak<Mutex<State>> = Arc::downgrade(&self.st);
        let _ = std::thread::Builder::new()
            .name("timerfd".into())
            .spawn(move || {
                let mut deadline = first;
                loop {
                    let now = Instant::now();
                    if deadline > now {
                        std::thread::sleep(deadline - now);
                    }
                    let Some(st) = weak.upgrade() else {
                        return;
                    };
                    let mut s = lock(&st);
                    if s.generation != gen {
                        return;
                    }
                    s.expirations += 1;
                    if interval.is_zero() {
                        s.deadline = None;
                        drop(s);
                        events::bump();
                        return;
                    }
                    deadline += interval;
                    s.deadline = Some(deadline);
                    drop(s);
                    events::bump();
                }
            });
        old
    }

    /// Time left and interval.
    pub fn get(&self) -> (Duration, Duration) {
        let st = lock(&self.st);
        (
            st.deadline.map_or(Duration::ZERO, |d| {
                d.saturating_duration_since(Instant::now())
            }),
            st.interval,
        )
    }
}

impl FileOps for TimerFd {
    fn read(&self, t: &Task, iov: &[libc::iovec], _off: Option<u64>) -> Result<usize, Errno> {
        self.read_stream(t, iov, 0)
    }
    fn read_stream(&self, t: &Task, iov: &[libc::iovec], flags: u32) -> Result<usize, Errno> {
        if iov.iter().map(|v| v.iov_len).sum::<usize>() < 8 {
            return Err(Errno::EINVAL);
        }
        loop {
            {
                let mut st = lock(&self.st);
                if st.expirations > 0 {
                    let n = std::mem::take(&mut st.expirations);
                    return Ok(copy_to_iovecs(&n.to_le_bytes(), 0, iov).min(8));
                }
            }
            if flags & O_NONBLOCK != 0 {
                return Err(Errno::EAGAIN);
            }
            wait_ready(t, None, &mut |_| {
                Ok(Check {
                    ready: (lock(&self.st).expirations > 0) as usize,
                    host: false,
                })
            })
            .map_err(|_| Errno::EINTR)?;
        }
    }
    fn seekable(&self) -> bool {
        false
    }
    fn stat(&self) -> Result<Stat, Errno> {
        Ok(crate::vfs::file::anon_stat())
    }
    fn poll(&self, events: i16) -> PollState {
        let ready = lock(&self.st).expirations > 0;
        PollState::Ready(if ready {
            events & (POLLIN | POLLRDNORM)
        } else {
            0
        })
    }
    fn as_timerfd(&self) -> Option<&TimerFd> {
        Some(self)
    }
    fn anon_name(&self) -> Option<String> {
        Some("anon_inode:[timerfd]".into())
    }
}
