//! signalfd: reads take pending signals of a mask as
//! `struct signalfd_siginfo` records.

use crate::abi::file::poll::*;
use crate::abi::file::{Stat, O_NONBLOCK};
use crate::abi::signal::SigInfo;
use crate::abi::Errno;
use crate::kernel::Task;
use crate::vfs::file::copy_to_iovecs;
use crate::vfs::wait::{wait_ready, Check};
use crate::vfs::{FileOps, PollState};
use std::sync::atomic::{AtomicU64, Ordering};

/// Size of `struct signalfd_siginfo`.
pub const SIGNALFD_SIGINFO_SIZE: usize = 128;

/// A signalfd of the process that made it.
#[derive(Debug)]
pub struct SignalFd {
    /// The signals it reads.
    pub mask: AtomicU64,
    tgid: i32,
    procs: std::sync::Weak<crate::kernel::Kernel>,
}

impl SignalFd {
    /// A signalfd for process `tgid`.
    pub fn new(t: &Task, mask: u64) -> SignalFd {
        SignalFd {
            mask: AtomicU64::new(mask),
            tgid: t.tgid,
            procs: std::sync::Arc::downgrade(&t.kernel),
        }
    }
}

/// Converts a siginfo to a signalfd record.
fn record(info: &SigInfo) -> [u8; SIGNALFD_SIGINFO_SIZE] {
    let mut r = [0u8; SIGNALFD_SIGINFO_SIZE];
    let i = &info.0;
    r[0..4].copy_from_slice(&i[0..4]); // signo
    r[4..8].copy_from_slice(&i[4..8]); // errno
    r[8..12].copy_from_slice(&i[8..12]); // code
    r[12..16].copy_from_slice(&i[16..20]); // pid
    r[16..20].copy_from_slice(&i[20..24]); // uid
    r[44..48].copy_from_slice(&i[24..28]); // status / int
    r[48..52].copy_from_slice(&i[24..28]);
    r[56..64].copy_from_slice(&i[24..32]); // ptr
    r[80..88].copy_from_slice(&i[16..24]); // addr
    r
}

impl FileOps for SignalFd {
    fn read(&self, t: &Task, iov: &[libc::iovec], _off: Option<u64>) -> Result<usize, Errno> {
        self.read_stream(t, iov, 0)
    }
    fn read_stream(&self, t: &Task, iov: &[libc::iovec], flags: u32) -> Result<usize, Errno> {
        let room = iov.iter().map(|v| v.iov_len).sum::<usize>() / SIGNALFD_SIGINFO_SIZE;
        if room == 0 {
            return Err(Errno::EINVAL);
        }
        loop {
            let mask = self.mask.load(Ordering::Relaxed);
            let mut out = Vec::new();
            while out.len() / SIGNALFD_SIGINFO_SIZE < room {
                match t.kernel.procs.take_signal(t.tgid, !mask) {
                    Some((_, info)) => out.extend_from_slice(&record(&info)),
                    None => break,
                }
            }
            if !out.is_empty() {
                return Ok(copy_to_iovecs(&out, 0, iov));
            }
            if flags & O_NONBLOCK != 0 {
                return Err(Errno::EAGAIN);
            }
            wait_ready(t, None, &mut |t| {
                Ok(Check {
                    ready: (t.kernel.procs.pending(t.tgid) & mask != 0) as usize,
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
        let pending = self
            .procs
            .upgrade()
            .map_or(0, |k| k.procs.pending(self.tgid));
        let ready = pending & self.mask.load(Ordering::Relaxed) != 0;
        PollState::Ready(if ready {
            events & (POLLIN | POLLRDNORM)
        } else {
            0
        })
    }
    fn as_signalfd(&self) -> Option<&SignalFd> {
        Some(self)
    }
    fn anon_name(&self) -> Option<String> {
        Some("anon_inode:[signalfd]".into())
    }
}
