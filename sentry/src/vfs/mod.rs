//! File descriptions and the fd table.
//!
//! A [`FileDescription`] is an open file (shared offset and status flags);
//! the [`FdTable`] maps guest fds to descriptions with per-fd close-on-exec.
//! Path resolution, mounts and dentries arrive with the gofer (step 2).
//!
//! # Lock order
//! FdTable is owned by its task in this step; a description's own state
//! (offset, flags) is behind its own mutex, a leaf lock.

use crate::abi::Errno;
use std::sync::Arc;

/// Operations of an open file. Buffers are host iovecs that point into the
/// memory file (guest memory), so host-backed files do their I/O straight
/// into guest pages.
pub trait FileOps: Send + Sync {
    /// Reads into `iov`; returns bytes read.
    fn readv(&self, iov: &[libc::iovec]) -> Result<usize, Errno>;
    /// Writes from `iov`; returns bytes written.
    fn writev(&self, iov: &[libc::iovec]) -> Result<usize, Errno>;
    /// The file's metadata.
    fn stat(&self) -> Result<crate::abi::file::Stat, Errno>;
    /// A terminal ioctl with a fixed-size argument: `arg` holds the guest's
    /// input (for set requests) and receives the output (for get requests).
    fn tty_ioctl(&self, _request: u64, _arg: &mut [u8]) -> Result<(), Errno> {
        Err(Errno::ENOTTY)
    }
}

/// An open file description.
pub struct FileDescription {
    /// The file's operations.
    pub ops: Box<dyn FileOps>,
}

impl std::fmt::Debug for FileDescription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FileDescription")
    }
}

/// One slot of the fd table.
#[derive(Clone, Debug)]
pub struct FdEntry {
    /// The open file.
    pub file: Arc<FileDescription>,
    /// Close on execve.
    pub cloexec: bool,
}

/// Guest fd -> open file.
#[derive(Debug, Default)]
pub struct FdTable {
    slots: Vec<Option<FdEntry>>,
}

impl FdTable {
    /// The file at `fd`, or EBADF.
    pub fn get(&self, fd: i32) -> Result<&Arc<FileDescription>, Errno> {
        usize::try_from(fd)
            .ok()
            .and_then(|i| self.slots.get(i))
            .and_then(|s| s.as_ref())
            .map(|e| &e.file)
            .ok_or(Errno::EBADF)
    }

    /// Installs `file` at exactly `fd`, replacing what was there.
    pub fn install_at(&mut self, fd: usize, file: Arc<FileDescription>, cloexec: bool) {
        if self.slots.len() <= fd {
            self.slots.resize(fd + 1, None);
        }
        self.slots[fd] = Some(FdEntry { file, cloexec });
    }

    /// Closes `fd`.
    pub fn close(&mut self, fd: i32) -> Result<(), Errno> {
        let slot = usize::try_from(fd)
            .ok()
            .and_then(|i| self.slots.get_mut(i))
            .ok_or(Errno::EBADF)?;
        slot.take().map(|_| ()).ok_or(Errno::EBADF)
    }
}
