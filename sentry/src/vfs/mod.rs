//! The virtual filesystem: inodes, dentries, mounts, path resolution, open
//! file descriptions and the fd table.
//!
//! Filesystems implement [`Inode`]; the VFS caches what lookups find in a
//! tree of [`Dentry`]s (positive and negative), so a repeated path walk
//! touches no filesystem code, and keeps that cache coherent itself: every
//! namespace change (create, unlink, rename) goes through the VFS, which
//! updates the dentries. Mounts graft a filesystem's root dentry onto a
//! dentry of another mount.
//!
//! # Lock order
//! Dentry locks (children map, then name/parent) are taken one dentry at a
//! time, never while calling into a filesystem, except that a directory's
//! children lock is held across its inode's `lookup` so two walkers do not
//! both create a dentry for one name. Filesystem locks are leaves below it.
//! A file description's offset lock is taken before its filesystem's locks.

pub mod dentry;
pub mod events;
pub mod fdtable;
pub mod file;
pub mod hostnotify;
pub mod options;
pub mod perm;
pub mod resolve;
pub mod wait;

pub use dentry::{Dentry, Mount, MountTable, VfsPath};
pub use fdtable::{FdEntry, FdTable, Fds};
pub use file::{DirFile, FileDescription, FileOps, MmapSource, PollState};

use crate::abi::file::{Stat, Statfs};
use crate::abi::Errno;
use crate::kernel::Task;
use std::any::Any;
use std::sync::Arc;

/// A shared handle to an inode.
pub type InodeRef = Arc<dyn Inode>;

/// One directory entry as `readdir` reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirEntry {
    /// The name.
    pub name: Vec<u8>,
    /// Its inode number.
    pub ino: u64,
    /// Its DT_* type.
    pub typ: u8,
}

/// What `create` makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NewNode<'a> {
    /// A regular file.
    Regular,
    /// A directory.
    Dir,
    /// A symbolic link to this target.
    Symlink(&'a [u8]),
    /// A named pipe.
    Fifo,
    /// A character device with this number.
    CharDev(u64),
    /// A unix socket placeholder.
    Socket,
}

/// The owner of a new inode.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Owner {
    /// Owner uid.
    pub uid: u32,
    /// Owner gid.
    pub gid: u32,
}

/// A time to set on an inode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeSpec {
    /// The current time.
    Now,
    /// This time (seconds, nanoseconds).
    At(i64, i64),
}

/// Attribute changes (chmod, chown, truncate, utimensat). `None` leaves a
/// field unchanged.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SetAttr {
    /// New permission bits (S_IALLUGO).
    pub mode: Option<u32>,
    /// New owner.
    pub uid: Option<u32>,
    /// New group.
    pub gid: Option<u32>,
    /// New size.
    pub size: Option<u64>,
    /// New access time.
    pub atime: Option<TimeSpec>,
    /// New modification time.
    pub mtime: Option<TimeSpec>,
}

/// A filesystem object. Directory operations take names that the VFS has
/// already validated (non-empty, no '/', not "." or "..", at most NAME_MAX).
/// Methods that produce content may look at the calling task (procfs).
pub trait Inode: Send + Sync + Any {
    /// Metadata.
    fn stat(&self) -> Result<Stat, Errno>;
    /// Type and permission bits; cheap (used on every path step).
    fn mode(&self) -> u32 {
        self.stat().map(|s| s.mode).unwrap_or(0)
    }
    /// The child called `name` (ENOENT if there is none).
    fn lookup(&self, _t: &Task, _name: &[u8]) -> Result<InodeRef, Errno> {
        Err(Errno::ENOTDIR)
    }
    /// The entries of a directory, without "." and "..".
    fn readdir(&self, _t: &Task) -> Result<Vec<DirEntry>, Errno> {
        Err(Errno::ENOTDIR)
    }
    /// Creates `name` (EEXIST if it exists).
    fn create(
        &self,
        _name: &[u8],
        _kind: NewNode<'_>,
        _mode: u32,
        _owner: Owner,
    ) -> Result<InodeRef, Errno> {
        Err(Errno::ENOENT)
    }
    /// Adds `name` as a hard link to `target` (same filesystem).
    fn link(&self, _name: &[u8], _target: &InodeRef) -> Result<(), Errno> {
        Err(Errno::EPERM)
    }
    /// Removes `name`; `dir` says whether it must be an (empty) directory
    /// (rmdir) or must not be one (unlink).
    fn unlink(&self, _name: &[u8], _dir: bool) -> Result<(), Errno> {
        Err(Errno::EPERM)
    }
    /// Renames `old` in this directory to `new` in `new_dir` (same
    /// filesystem), with RENAME_* flags.
    fn rename(
        &self,
        _old: &[u8],
        _new_dir: &InodeRef,
        _new: &[u8],
        _flags: u32,
    ) -> Result<(), Errno> {
        Err(Errno::EXDEV)
    }
    /// A symlink's target.
    fn readlink(&self, _t: &Task) -> Result<Vec<u8>, Errno> {
        Err(Errno::EINVAL)
    }
    /// A "magic" link (procfs fd/N, exe, cwd, root): resolves to this path
    /// instead of its text.
    fn magic_link(&self, _t: &Task) -> Option<Result<VfsPath, Errno>> {
        None
    }
    /// Opens a non-directory with O_* `flags` (directories are opened by the
    /// VFS through `readdir`).
    fn open(&self, _t: &Task, _flags: u32) -> Result<Box<dyn FileOps>, Errno> {
        Err(Errno::ENXIO)
    }
    /// Changes attributes.
    fn setattr(&self, _attr: &SetAttr) -> Result<(), Errno> {
        Err(Errno::EPERM)
    }
    /// Filesystem statistics.
    fn statfs(&self) -> Result<Statfs, Errno> {
        Err(Errno::ENOSYS)
    }
    /// An extended attribute's value.
    fn getxattr(&self, _name: &[u8]) -> Result<Vec<u8>, Errno> {
        Err(Errno::ENODATA)
    }
    /// Sets an extended attribute (XATTR_CREATE / XATTR_REPLACE flags).
    fn setxattr(&self, _name: &[u8], _value: &[u8], _flags: i32) -> Result<(), Errno> {
        Err(Errno::ENOTSUP)
    }
    /// Names of the extended attributes.
    fn listxattr(&self) -> Result<Vec<Vec<u8>>, Errno> {
        Ok(Vec::new())
    }
    /// Removes an extended attribute.
    fn removexattr(&self, _name: &[u8]) -> Result<(), Errno> {
        Err(Errno::ENOTSUP)
    }
    /// Whether lookups in this directory may be cached in dentries (false
    /// for generated directories such as /proc).
    fn cacheable(&self) -> bool {
        true
    }
    /// For downcasts between inodes of one filesystem (link, rename).
    fn as_any(&self) -> &dyn Any;
}

/// Whether `mode` is a directory.
pub fn is_dir(mode: u32) -> bool {
    mode & crate::abi::file::S_IFMT == crate::abi::file::S_IFDIR
}

/// Whether `mode` is a symlink.
pub fn is_symlink(mode: u32) -> bool {
    mode & crate::abi::file::S_IFMT == crate::abi::file::S_IFLNK
}

/// Whether `mode` is a regular file.
pub fn is_regular(mode: u32) -> bool {
    mode & crate::abi::file::S_IFMT == crate::abi::file::S_IFREG
}

/// The current time as (seconds, nanoseconds) since the epoch.
pub fn now() -> (i64, i64) {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    (d.as_secs() as i64, d.subsec_nanos() as i64)
}
