//! Host files handed to the sandbox as fds (stdio of `runsc do`, later the
//! console): reads and writes go to the host fd.

use crate::abi::file::poll::{POLLIN, POLLOUT};
use crate::abi::file::{Stat, O_NONBLOCK};
use crate::abi::misc::{TCGETS, TCSETS, TCSETSF, TCSETSW, TIOCGWINSZ, TIOCSWINSZ};
use crate::abi::Errno;
use crate::kernel::Task;
use crate::vfs::wait::host_wait;
use crate::vfs::FileOps;
use std::os::fd::{AsRawFd, OwnedFd};

pub mod tty;

/// A donated host fd.
#[derive(Debug)]
pub struct HostFile {
    fd: OwnedFd,
}

impl HostFile {
    /// Wraps a host fd the sandbox owns.
    pub fn new(fd: OwnedFd) -> Self {
        HostFile { fd }
    }
}

/// Retries a host call interrupted by a signal of the sentry's own.
fn retry(mut f: impl FnMut() -> isize) -> Result<usize, Errno> {
    loop {
        let r = f();
        if r >= 0 {
            return Ok(r as usize);
        }
        let e = Errno::last_host();
        if e != Errno::EINTR {
            return Err(e);
        }
    }
}

impl FileOps for HostFile {
    fn read(&self, t: &Task, iov: &[libc::iovec], _off: Option<u64>) -> Result<usize, Errno> {
        self.read_stream(t, iov, 0)
    }

    fn write(&self, t: &Task, iov: &[libc::iovec], _off: Option<u64>) -> Result<usize, Errno> {
        self.write_stream(t, iov, 0)
    }

    /// Waits (interruptibly, on the host-fd notifier) until the host fd
    /// has input, then reads what is there.
    fn read_stream(&self, t: &Task, iov: &[libc::iovec], flags: u32) -> Result<usize, Errno> {
        let fd = self.fd.as_raw_fd();
        host_wait(t, fd, POLLIN, flags & O_NONBLOCK != 0)?;
        let n = iov.len().min(libc::UIO_MAXIOV as usize) as i32;
        // SAFETY: every iovec points into the memory file mapping, which is
        // valid for the sentry's lifetime (built by MemoryManager::io_vecs).
        retry(|| unsafe { libc::readv(fd, iov.as_ptr(), n) })
    }

    /// Waits until the host fd has room, then writes.
    fn write_stream(&self, t: &Task, iov: &[libc::iovec], flags: u32) -> Result<usize, Errno> {
        let fd = self.fd.as_raw_fd();
        host_wait(t, fd, POLLOUT, flags & O_NONBLOCK != 0)?;
        let n = iov.len().min(libc::UIO_MAXIOV as usize) as i32;
        // SAFETY: as in readv; the kernel only reads the buffers.
        retry(|| unsafe { libc::writev(fd, iov.as_ptr(), n) })
    }

    fn seekable(&self) -> bool {
        false
    }

    fn poll(&self, _events: i16) -> crate::vfs::PollState {
        crate::vfs::PollState::Host(self.fd.as_raw_fd())
    }

    fn seek(&self, off: i64, whence: i32) -> Option<Result<u64, Errno>> {
        // SAFETY: lseek on an fd the sandbox owns.
        let r = unsafe { libc::lseek(self.fd.as_raw_fd(), off, whence) };
        Some(if r < 0 {
            Err(Errno::last_host())
        } else {
            Ok(r as u64)
        })
    }

    fn stat(&self) -> Result<Stat, Errno> {
        // SAFETY: libc::stat is plain data; all-zero is valid.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        // SAFETY: st is a valid out pointer.
        if unsafe { libc::fstat(self.fd.as_raw_fd(), &mut st) } != 0 {
            return Err(Errno::last_host());
        }
        Ok(stat_from_host(&st))
    }

    fn tty_ioctl(&self, request: u64, arg: &mut [u8]) -> Result<(), Errno> {
        match request {
            TCGETS | TCSETS | TCSETSW | TCSETSF | TIOCGWINSZ | TIOCSWINSZ => {
                // SAFETY: arg is a buffer of the request's fixed size
                // (checked by the caller against TERMIOS_SIZE/WINSIZE_SIZE).
                let r = unsafe {
                    libc::ioctl(
                        self.fd.as_raw_fd(),
                        request as libc::c_ulong,
                        arg.as_mut_ptr(),
                    )
                };
                if r < 0 {
                    return Err(Errno::last_host());
                }
                Ok(())
            }
            _ => Err(Errno::ENOTTY),
        }
    }
}

/// The host status flags (access mode, O_APPEND, O_NONBLOCK) of a donated
/// fd, as the guest's description of it starts out.
pub fn status_flags(fd: &OwnedFd) -> u32 {
    // SAFETY: F_GETFL on an fd we own.
    let r = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) };
    if r < 0 {
        crate::abi::file::O_RDWR
    } else {
        r as u32
    }
}

/// The guest's stat of a host `struct stat`.
pub fn stat_from_host(st: &libc::stat) -> Stat {
    Stat {
        dev: st.st_dev,
        ino: st.st_ino,
        nlink: st.st_nlink,
        mode: st.st_mode,
        uid: st.st_uid,
        gid: st.st_gid,
        pad0: 0,
        rdev: st.st_rdev,
        size: st.st_size,
        blksize: st.st_blksize,
        blocks: st.st_blocks,
        atime: st.st_atime,
        atime_nsec: st.st_atime_nsec,
        mtime: st.st_mtime,
        mtime_nsec: st.st_mtime_nsec,
        ctime: st.st_ctime,
        ctime_nsec: st.st_ctime_nsec,
        unused: [0; 3],
    }
}
