//! eventfd: a 64-bit counter file.

use crate::abi::file::eventfd::EFD_SEMAPHORE;
use crate::abi::file::poll::*;
use crate::abi::file::{Stat, O_NONBLOCK};
use crate::abi::Errno;
use crate::kernel::Task;
use crate::vfs::dentry::lock;
use crate::vfs::file::{copy_to_iovecs, gather_iovecs};
use crate::vfs::wait::{wait_ready, Check};
use crate::vfs::{events, FileOps, PollState};
use std::sync::Mutex;

/// Largest counter value.
const MAX: u64 = u64::MAX - 1;

/// An eventfd.
pub struct EventFd {
    count: Mutex<u64>,
    semaphore: bool,
}

impl EventFd {
    /// A new eventfd with `init` and EFD_* `flags`.
    pub fn new(init: u32, flags: u32) -> EventFd {
        EventFd {
            count: Mutex::new(init as u64),
            semaphore: flags & EFD_SEMAPHORE != 0,
        }
    }

    fn wait(&self, t: &Task, flags: u32, ready: impl Fn(u64) -> bool) -> Result<(), Errno> {
        if ready(*lock(&self.count)) {
            return Ok(());
        }
        if flags & O_NONBLOCK != 0 {
            return Err(Errno::EAGAIN);
        }
        wait_ready(t, None, &mut |_| {
            Ok(Check {
                ready: ready(*lock(&self.count)) as usize,
                host: false,
            })
        })
        .map(|_| ())
        .map_err(|_| Errno::EINTR)
    }
}

impl FileOps for EventFd {
    fn read(&self, t: &Task, iov: &[libc::iovec], _off: Option<u64>) -> Result<usize, Errno> {
        self.read_stream(t, iov, 0)
    }
    fn write(&self, t: &Task, iov: &[libc::iovec], _off: Option<u64>) -> Result<usize, Errno> {
        self.write_stream(t, iov, 0)
    }
    fn read_stream(&self, t: &Task, iov: &[libc::iovec], flags: u32) -> Result<usize, Errno> {
        if iov.iter().map(|v| v.iov_len).sum::<usize>() < 8 {
            return Err(Errno::EINVAL);
        }
        loop {
            self.wait(t, flags, |c| c > 0)?;
            let mut c = lock(&self.count);
            if *c == 0 {
                continue;
            }
            let v = if self.semaphore { 1 } else { *c };
            *c -= v;
            drop(c);
            events::bump();
            return Ok(copy_to_iovecs(&v.to_le_bytes(), 0, iov).min(8));
        }
    }
    fn write_stream(&self, t: &Task, iov: &[libc::iovec], flags: u32) -> Result<usize, Errno> {
        let data = gather_iovecs(iov);
        if data.len() < 8 {
            return Err(Errno::EINVAL);
        }
        let v = u64::from_le_bytes(data[..8].try_into().unwrap_or_default());
        if v == u64::MAX {
            return Err(Errno::EINVAL);
        }
        loop {
            self.wait(t, flags, |c| MAX - c >= v)?;
            let mut c = lock(&self.count);
            if MAX - *c < v {
                continue;
            }
            *c += v;
            drop(c);
            events::bump();
            return Ok(8);
        }
    }
    fn seekable(&self) -> bool {
        false
    }
    fn stat(&self) -> Result<Stat, Errno> {
        Ok(crate::vfs::file::anon_stat())
    }
    fn poll(&self, events: i16) -> PollState {
        let c = *lock(&self.count);
        let mut r = 0;
        if c > 0 {
            r |= POLLIN | POLLRDNORM;
        }
        if c < MAX {
            r |= POLLOUT | POLLWRNORM;
        }
        PollState::Ready(r & events)
    }
    fn anon_name(&self) -> Option<String> {
        Some("anon_inode:[eventfd]".into())
    }
}
