//! Host terminals handed to the sandbox: the pty slave of a container's
//! console (`--console-socket`), or the terminal `runsc do` runs in.
//!
//! The guest sees each as /dev/pts/N (the first also as /dev/console and,
//! for the processes of its session, /dev/tty), as in a runc container:
//! readlink of /proc/self/fd/0 names it and fstat matches the node, so
//! `tty` and ttyname(3) work. Reads, writes, termios and the window size
//! go to the host pty. Which session the terminal controls and its
//! foreground process group are the sentry's (guest pids mean nothing to
//! the host's line discipline): the process table keeps them.

use super::HostFile;
use crate::abi::file::Stat;
use crate::abi::Errno;
use crate::kernel::Task;
use crate::vfs::dentry::lock;
use crate::vfs::{FileOps, PollState};
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::{Arc, Mutex, Weak};

/// One host terminal.
#[derive(Debug)]
pub struct Terminal {
    host: HostFile,
    /// The N of /dev/pts/N.
    pub index: u32,
    /// Host (st_dev, st_ino) of the pty, to recognise the same terminal
    /// donated as several fds (the process table's terminal key).
    host_id: (u64, u64),
}

/// The terminals of this sandbox, by index. One sentry process runs one
/// sandbox, so the table is the process's (device opens reach it by
/// number, without a kernel at hand). It does not keep a terminal open:
/// once the guest's last file of it closes, the host pty's other end
/// sees the hang-up, and its number is free again.
static TERMINALS: Mutex<Vec<Weak<Terminal>>> = Mutex::new(Vec::new());

/// Whether a host fd is a terminal.
pub fn is_terminal(fd: &OwnedFd) -> bool {
    // SAFETY: isatty only inspects the fd.
    unsafe { libc::isatty(fd.as_raw_fd()) == 1 }
}

/// The terminal for host fd `fd` (a terminal): an existing one if the
/// same host pty was registered before, else a new /dev/pts/N.
pub fn register(fd: OwnedFd) -> Arc<Terminal> {
    // SAFETY: libc::stat is plain data; all-zero is valid.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: st is a valid out pointer; fd is open.
    let id = if unsafe { libc::fstat(fd.as_raw_fd(), &mut st) } == 0 {
        (st.st_dev, st.st_ino)
    } else {
        (0, 0)
    };
    let mut all = lock(&TERMINALS);
    if let Some(t) = all
        .iter()
        .filter_map(Weak::upgrade)
        .find(|t| id != (0, 0) && t.host_id == id)
    {
        return t;
    }
    let free = all.iter().position(|w| w.strong_count() == 0);
    let index = free.unwrap_or(all.len());
    let t = Arc::new(Terminal {
        host: HostFile::new(fd),
        index: index as u32,
        host_id: id,
    });
    match free {
        Some(i) => all[i] = Arc::downgrade(&t),
        None => all.push(Arc::downgrade(&t)),
    }
    t
}

/// Terminal number `index`, if the sandbox has it.
pub fn get(index: u32) -> Option<Arc<Terminal>> {
    lock(&TERMINALS).get(index as usize).and_then(Weak::upgrade)
}

/// The terminal whose host identity is `key` (see
/// [`crate::kernel::process::terminal_key`]).
pub fn by_key(key: (u64, u64)) -> Option<Arc<Terminal>> {
    lock(&TERMINALS)
        .iter()
        .filter_map(Weak::upgrade)
        .find(|t| t.host_id == key)
}

/// An open terminal.
#[derive(Debug)]
pub struct TtyFile(pub Arc<Terminal>);

impl FileOps for TtyFile {
    fn read(&self, t: &Task, iov: &[libc::iovec], off: Option<u64>) -> Result<usize, Errno> {
        self.0.host.read(t, iov, off)
    }
    fn write(&self, t: &Task, iov: &[libc::iovec], off: Option<u64>) -> Result<usize, Errno> {
        self.0.host.write(t, iov, off)
    }
    fn read_stream(&self, t: &Task, iov: &[libc::iovec], flags: u32) -> Result<usize, Errno> {
        self.0.host.read_stream(t, iov, flags)
    }
    fn write_stream(&self, t: &Task, iov: &[libc::iovec], flags: u32) -> Result<usize, Errno> {
        self.0.host.write_stream(t, iov, flags)
    }
    fn seekable(&self) -> bool {
        false
    }
    fn seek(&self, _off: i64, _whence: i32) -> Option<Result<u64, Errno>> {
        Some(Err(Errno::ESPIPE))
    }
    fn poll(&self, events: i16) -> PollState {
        self.0.host.poll(events)
    }
    fn stat(&self) -> Result<Stat, Errno> {
        self.0.host.stat()
    }
    fn tty_ioctl(&self, request: u64, arg: &mut [u8]) -> Result<(), Errno> {
        self.0.host.tty_ioctl(request, arg)
    }
    fn terminal(&self) -> Option<&Arc<Terminal>> {
        Some(&self.0)
    }
}
