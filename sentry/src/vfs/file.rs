//! Open file descriptions and the operations behind them.

use super::dentry::lock;
use super::{DirEntry, InodeRef, VfsPath};
use crate::abi::file::{Stat, O_ACCMODE, O_APPEND, O_RDONLY, O_RDWR, O_WRONLY};
use crate::abi::Errno;
use crate::kernel::Task;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

/// Where mmap finds a file's pages.
pub enum MmapSource {
    /// The file's data lives in the memory file (tmpfs, memfd): shared
    /// mappings map those pages.
    Mem(Arc<dyn MemPages>),
    /// The data is read into private pages at map time (host-backed files).
    Copy,
    /// Mapping gives anonymous memory (/dev/zero).
    Anon,
}

/// What poll learns from a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PollState {
    /// These events are ready now (possibly none).
    Ready(i16),
    /// Ask the host about this fd.
    Host(i32),
}

/// A file whose pages are memory-file pages.
pub trait MemPages: Send + Sync {
    /// The memory-file ranges holding `[off, off+len)` of the file
    /// (page-aligned), allocating pages that do not exist yet. Each
    /// returned `(mf_offset, len)` is contiguous in the memory file.
    fn pages(&self, off: u64, len: u64) -> Result<Vec<(u64, u64)>, Errno>;
    /// The file's current size.
    fn size(&self) -> u64;
}

/// Operations of an open file. Buffers are host iovecs over guest memory
/// (built by `MemoryManager::io_vecs`), so I/O goes straight into guest
/// pages. `off` is `Some` for positional I/O on seekable files.
pub trait FileOps: Send + Sync {
    /// Reads into `iov`; returns bytes read.
    fn read(&self, _t: &Task, _iov: &[libc::iovec], _off: Option<u64>) -> Result<usize, Errno> {
        Err(Errno::EINVAL)
    }
    /// Writes from `iov`; returns bytes written.
    fn write(&self, _t: &Task, _iov: &[libc::iovec], _off: Option<u64>) -> Result<usize, Errno> {
        Err(Errno::EINVAL)
    }
    /// A read of a file without offsets, with the description's status
    /// flags (O_NONBLOCK).
    fn read_stream(&self, t: &Task, iov: &[libc::iovec], _flags: u32) -> Result<usize, Errno> {
        self.read(t, iov, None)
    }
    /// A write to a file without offsets, with the status flags.
    fn write_stream(&self, t: &Task, iov: &[libc::iovec], _flags: u32) -> Result<usize, Errno> {
        self.write(t, iov, None)
    }
    /// Readiness for poll: the ready events among `events`, or the host fd
    /// to ask when readiness depends on the host (donated stdio).
    fn poll(&self, events: i16) -> PollState {
        use crate::abi::file::poll::*;
        PollState::Ready(events & (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM))
    }
    /// A counter of the file's input events (data arriving, a hang-up),
    /// for edge-triggered epoll; None: the sandbox-wide event sequence.
    fn event_gen(&self) -> Option<u64> {
        None
    }
    /// Whether epoll may watch the file (regular files and directories
    /// cannot be watched: EPERM).
    fn epollable(&self) -> bool {
        true
    }
    /// The signalfd behind a signalfd fd.
    fn as_signalfd(&self) -> Option<&crate::fsimpl::signalfd::SignalFd> {
        None
    }
    /// The timerfd behind a timerfd fd.
    fn as_timerfd(&self) -> Option<&crate::fsimpl::timerfd::TimerFd> {
        None
    }
    /// The epoll instance behind an epoll fd.
    fn as_epoll(&self) -> Option<&crate::fsimpl::epoll::Epoll> {
        None
    }
    /// The process behind a pidfd.
    fn as_pidfd(&self) -> Option<&crate::fsimpl::pidfd::PidFd> {
        None
    }
    /// The pipe behind a pipe end or FIFO.
    fn pipe(&self) -> Option<&Arc<crate::fsimpl::pipe::Pipe>> {
        None
    }
    /// memfd seals (F_GET_SEALS); EINVAL for files that cannot be sealed.
    fn seals(&self) -> Result<u32, Errno> {
        Err(Errno::EINVAL)
    }
    /// Adds memfd seals (F_ADD_SEALS).
    fn add_seals(&self, _seals: u32) -> Result<(), Errno> {
        Err(Errno::EINVAL)
    }
    /// Whether the file has an offset (regular files, directories,
    /// devices); pipes and terminals do not (ESPIPE).
    fn seekable(&self) -> bool {
        true
    }
    /// lseek handled by the file itself (host fds); None: the VFS does it.
    fn seek(&self, _off: i64, _whence: i32) -> Option<Result<u64, Errno>> {
        None
    }
    /// The file's metadata.
    fn stat(&self) -> Result<Stat, Errno>;
    /// The size SEEK_END and O_APPEND use.
    fn size(&self) -> Result<u64, Errno> {
        Ok(self.stat()?.size.max(0) as u64)
    }
    /// Sets the size (ftruncate).
    fn truncate(&self, _size: u64) -> Result<(), Errno> {
        Err(Errno::EINVAL)
    }
    /// Allocates `[off, off+len)` (fallocate mode 0 / KEEP_SIZE).
    fn allocate(&self, off: u64, len: u64, keep_size: bool) -> Result<(), Errno> {
        let end = off.checked_add(len).ok_or(Errno::EFBIG)?;
        if !keep_size && end > self.size()? {
            self.truncate(end)?;
        }
        Ok(())
    }
    /// A terminal ioctl with a fixed-size argument (see sys_read_write).
    fn tty_ioctl(&self, _request: u64, _arg: &mut [u8]) -> Result<(), Errno> {
        Err(Errno::ENOTTY)
    }
    /// The terminal behind a terminal file (session and foreground-group
    /// ioctls).
    fn terminal(&self) -> Option<&Arc<crate::fsimpl::host::tty::Terminal>> {
        None
    }
    /// Bytes readable now (FIONREAD), if the file knows.
    fn readable(&self) -> Option<u64> {
        None
    }
    /// How mmap gets pages (None: ENODEV).
    fn mmap_source(&self) -> Option<MmapSource> {
        None
    }
    /// Directory entries (directories only).
    fn dir(&self) -> Option<&DirFile> {
        None
    }
    /// The name /proc/PID/fd shows for a file without a path
    /// ("pipe:[5]", "anon_inode:[eventfd]").
    fn anon_name(&self) -> Option<String> {
        None
    }
}

/// An open file description: ops, flags, offset and the path it was opened by.
pub struct FileDescription {
    /// The file's operations.
    pub ops: Box<dyn FileOps>,
    /// The path it was opened by (None for anonymous files).
    pub path: Option<VfsPath>,
    /// Status flags (access mode, O_APPEND, O_NONBLOCK, ...).
    flags: AtomicU32,
    /// The file offset.
    pub offset: Mutex<u64>,
}

impl std::fmt::Debug for FileDescription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FileDescription(flags={:#o})", self.flags())
    }
}

impl FileDescription {
    /// A new description.
    pub fn new(ops: Box<dyn FileOps>, path: Option<VfsPath>, flags: u32) -> Arc<Self> {
        Arc::new(FileDescription {
            ops,
            path,
            flags: AtomicU32::new(flags),
            offset: Mutex::new(0),
        })
    }

    /// Status flags.
    pub fn flags(&self) -> u32 {
        self.flags.load(Ordering::Relaxed)
    }

    /// Replaces the bits of `mask` with `value`.
    pub fn set_flags(&self, mask: u32, value: u32) {
        let _ = self
            .flags
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |f| {
                Some((f & !mask) | (value & mask))
            });
    }

    /// Opened for reading.
    pub fn readable(&self) -> bool {
        matches!(self.flags() & O_ACCMODE, O_RDONLY | O_RDWR) && !self.is_path()
    }

    /// Opened for writing.
    pub fn writable(&self) -> bool {
        matches!(self.flags() & O_ACCMODE, O_WRONLY | O_RDWR) && !self.is_path()
    }

    /// An O_PATH descriptor.
    pub fn is_path(&self) -> bool {
        self.flags() & crate::abi::file::O_PATH != 0
    }

    /// The inode of a file opened by path.
    pub fn inode(&self) -> Option<&InodeRef> {
        self.path.as_ref().map(|p| p.inode())
    }

    /// read(2)/readv(2): reads at the file offset and advances it.
    pub fn read(&self, t: &Task, iov: &[libc::iovec]) -> Result<usize, Errno> {
        if !self.readable() {
            return Err(Errno::EBADF);
        }
        if !self.ops.seekable() {
            return self.ops.read_stream(t, iov, self.flags());
        }
        let mut off = lock(&self.offset);
        let n = self.ops.read(t, iov, Some(*off))?;
        *off += n as u64;
        Ok(n)
    }

    /// write(2)/writev(2): writes at the file offset (the end with
    /// O_APPEND) and advances it.
    pub fn write(&self, t: &Task, iov: &[libc::iovec]) -> Result<usize, Errno> {
        if !self.writable() {
            return Err(Errno::EBADF);
        }
        if !self.ops.seekable() {
            return self.ops.write_stream(t, iov, self.flags());
        }
        let mut off = lock(&self.offset);
        if self.flags() & O_APPEND != 0 {
            *off = self.ops.size()?;
        }
        let n = self.ops.write(t, iov, Some(*off))?;
        *off += n as u64;
        Ok(n)
    }

    /// pread(2): reads at `off` without moving the file offset.
    pub fn pread(&self, t: &Task, iov: &[libc::iovec], off: u64) -> Result<usize, Errno> {
        if !self.readable() {
            return Err(Errno::EBADF);
        }
        if !self.ops.seekable() {
            return Err(Errno::ESPIPE);
        }
        self.ops.read(t, iov, Some(off))
    }

    /// pwrite(2): writes at `off` (the end with O_APPEND, as Linux does).
    pub fn pwrite(&self, t: &Task, iov: &[libc::iovec], off: u64) -> Result<usize, Errno> {
        if !self.writable() {
            return Err(Errno::EBADF);
        }
        if !self.ops.seekable() {
            return Err(Errno::ESPIPE);
        }
        let off = if self.flags() & O_APPEND != 0 {
            self.ops.size()?
        } else {
            off
        };
        self.ops.write(t, iov, Some(off))
    }
}

/// An open directory: a snapshot of its entries taken when reading starts
/// (and again after a rewind), read by index. Offsets are entry indices.
pub struct DirFile {
    /// The directory.
    pub inode: InodeRef,
    /// Inode number of its parent ("..").
    pub parent_ino: u64,
    entries: Mutex<Option<Arc<Vec<DirEntry>>>>,
}

impl DirFile {
    /// An open directory.
    pub fn new(inode: InodeRef, parent_ino: u64) -> Self {
        DirFile {
            inode,
            parent_ino,
            entries: Mutex::new(None),
        }
    }

    /// The entries ("." and ".." first), snapshotted at offset 0.
    pub fn entries(&self, t: &Task, offset: u64) -> Result<Arc<Vec<DirEntry>>, Errno> {
        let mut e = lock(&self.entries);
        if offset == 0 || e.is_none() {
            let ino = self.inode.stat()?.ino;
            let listed = self.inode.readdir(t)?;
            // A filesystem that lists "." and ".." (a host directory, in
            // its own order) keeps their places; the VFS gives their
            // inode numbers. Otherwise they come first.
            let mut v = Vec::with_capacity(listed.len() + 2);
            if !listed.iter().any(|e| e.name == b".") {
                for name in [&b"."[..], b".."] {
                    v.push(DirEntry {
                        name: name.to_vec(),
                        ino: 0,
                        typ: crate::abi::file::DT_DIR,
                    });
                }
            }
            v.extend(listed);
            for e in &mut v {
                if e.name == b"." {
                    e.ino = ino;
                } else if e.name == b".." {
                    e.ino = self.parent_ino;
                }
            }
            *e = Some(Arc::new(v));
        }
        Ok(e.clone().unwrap_or_default())
    }
}

impl FileOps for DirFile {
    fn epollable(&self) -> bool {
        false
    }
    fn read(&self, _t: &Task, _iov: &[libc::iovec], _off: Option<u64>) -> Result<usize, Errno> {
        Err(Errno::EISDIR)
    }
    fn write(&self, _t: &Task, _iov: &[libc::iovec], _off: Option<u64>) -> Result<usize, Errno> {
        Err(Errno::EISDIR)
    }
    fn stat(&self) -> Result<Stat, Errno> {
        self.inode.stat()
    }
    fn dir(&self) -> Option<&DirFile> {
        Some(self)
    }
}

/// Copies `data[off..]` into host iovecs; returns bytes copied.
pub fn copy_to_iovecs(data: &[u8], off: u64, iov: &[libc::iovec]) -> usize {
    let Ok(start) = usize::try_from(off) else {
        return 0;
    };
    let mut src = data.get(start..).unwrap_or_default();
    let mut done = 0;
    for v in iov {
        if src.is_empty() {
            break;
        }
        let n = v.iov_len.min(src.len());
        // SAFETY: io_vecs built each iovec over a writable range of the
        // memory file mapping, valid for the sentry's lifetime; src is a
        // distinct sentry buffer.
        unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), v.iov_base.cast::<u8>(), n) };
        src = &src[n..];
        done += n;
    }
    done
}

/// Gathers host iovecs into a buffer.
pub fn gather_iovecs(iov: &[libc::iovec]) -> Vec<u8> {
    let total: usize = iov.iter().map(|v| v.iov_len).sum();
    let mut out = Vec::with_capacity(total);
    for v in iov {
        // SAFETY: each iovec covers a readable range of the memory file
        // mapping, valid for the sentry's lifetime.
        out.extend_from_slice(unsafe {
            std::slice::from_raw_parts(v.iov_base.cast::<u8>(), v.iov_len)
        });
    }
    out
}

/// The metadata of an anonymous-inode file (eventfd, timerfd, signalfd,
/// epoll).
pub fn anon_stat() -> Stat {
    Stat {
        mode: crate::abi::file::S_IFREG | 0o600,
        nlink: 1,
        blksize: 4096,
        ..Stat::default()
    }
}
