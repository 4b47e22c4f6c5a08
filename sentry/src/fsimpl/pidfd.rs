//! Process file descriptors (pidfd_open, CLONE_PIDFD): a handle on one
//! process that polls readable once the process has exited, signals it
//! with pidfd_send_signal, and waits for it with waitid(P_PIDFD).

use crate::abi::file::poll::{POLLIN, POLLRDNORM};
use crate::abi::file::Stat;
use crate::abi::Errno;
use crate::kernel::{Kernel, Task};
use crate::vfs::{FileOps, PollState};
use std::sync::Weak;

/// A pidfd.
pub struct PidFd {
    /// The process (its thread-group id).
    pub pid: i32,
    kernel: Weak<Kernel>,
}

impl PidFd {
    /// A handle on process `pid`.
    pub fn new(t: &Task, pid: i32) -> PidFd {
        PidFd {
            pid,
            kernel: std::sync::Arc::downgrade(&t.kernel),
        }
    }

    /// Whether the process has exited (a zombie, or reaped).
    pub fn exited(&self) -> bool {
        self.kernel
            .upgrade()
            .is_none_or(|k| k.procs.has_exited(self.pid))
    }
}

impl FileOps for PidFd {
    fn read(&self, _t: &Task, _iov: &[libc::iovec], _off: Option<u64>) -> Result<usize, Errno> {
        Err(Errno::EINVAL)
    }
    fn write(&self, _t: &Task, _iov: &[libc::iovec], _off: Option<u64>) -> Result<usize, Errno> {
        Err(Errno::EINVAL)
    }
    fn seekable(&self) -> bool {
        false
    }
    fn stat(&self) -> Result<Stat, Errno> {
        Ok(crate::vfs::file::anon_stat())
    }
    fn poll(&self, events: i16) -> PollState {
        let r = if self.exited() {
            POLLIN | POLLRDNORM
        } else {
            0
        };
        PollState::Ready(r & events)
    }
    fn anon_name(&self) -> Option<String> {
        Some("anon_inode:[pidfd]".into())
    }
    fn as_pidfd(&self) -> Option<&PidFd> {
        Some(self)
    }
}
