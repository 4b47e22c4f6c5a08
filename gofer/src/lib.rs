//! The gofer: the only process of a sandbox that opens host files.
//!
//! The sentry never touches the host file system. It asks the gofer, over a
//! `SOCK_SEQPACKET` unix socket, to walk, stat, create, rename... files below
//! one served root, and receives open file descriptors back for I/O.
//!
//! - [`proto`]: the wire format (one request packet, one reply packet).
//! - [`Client`]: the sentry's side, shared by all sentry threads.
//! - [`serve`]: the gofer's loop over a table of walked nodes.
//! - [`confine`], [`drop_capabilities`] and [`install_seccomp`]: what the
//!   gofer process does to itself before serving, in that order: a private
//!   mount namespace whose root is the served directory, only the file
//!   capabilities, and a system call allowlist.
//!
//! The server walks one validated component at a time with
//! `openat(O_PATH | O_NOFOLLOW)`; it never follows a symlink and never
//! resolves `..` (the sentry resolves both itself), so nothing a guest names
//! reaches outside the root even before [`confine`] makes that structural.
//!
//! `unsafe` lives in `sys` (file system and socket calls) and `confine`
//! (namespace and seccomp setup).

#![deny(missing_docs)]

pub mod client;
pub mod confine;
pub mod idmap;
pub mod proto;
pub mod server;
mod sys;

pub use client::Client;
pub use confine::{
    confine, confine_mounts, drop_capabilities, drop_capabilities_except, install_seccomp,
    install_seccomp_log, BindSource,
};
pub use idmap::{IdMap, IdRange};
pub use server::{serve, serve_mounts, MountRoot};
pub use sys::seqpacket_pair;

/// Server-side handle of a walked node.
pub type NodeId = u64;

/// An error: a positive Linux errno (EIO for protocol failures).
pub type Result<T> = std::result::Result<T, i32>;

/// Host file attributes (from `fstatat`), field-for-field like `struct stat`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Attr {
    /// Device of the containing file system.
    pub dev: u64,
    /// Inode number.
    pub ino: u64,
    /// Hard link count.
    pub nlink: u64,
    /// File type and permission bits.
    pub mode: u32,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Device number, for device files.
    pub rdev: u64,
    /// Size in bytes.
    pub size: i64,
    /// Preferred I/O block size.
    pub blksize: i64,
    /// 512-byte blocks allocated.
    pub blocks: i64,
    /// Last access, seconds.
    pub atime: i64,
    /// Last access, nanoseconds.
    pub atime_nsec: i64,
    /// Last modification, seconds.
    pub mtime: i64,
    /// Last modification, nanoseconds.
    pub mtime_nsec: i64,
    /// Last status change, seconds.
    pub ctime: i64,
    /// Last status change, nanoseconds.
    pub ctime_nsec: i64,
}

impl Attr {
    /// The `S_IFMT` bits of `mode`.
    pub fn file_type(&self) -> u32 {
        self.mode & libc::S_IFMT
    }

    /// True for a directory.
    pub fn is_dir(&self) -> bool {
        self.file_type() == libc::S_IFDIR
    }

    /// True for a symbolic link.
    pub fn is_symlink(&self) -> bool {
        self.file_type() == libc::S_IFLNK
    }
}

/// One directory entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dirent {
    /// Inode number.
    pub ino: u64,
    /// Cookie to resume after this entry.
    pub off: u64,
    /// `DT_*` type.
    pub typ: u8,
    /// Name (never `.` or `..`).
    pub name: Vec<u8>,
}

/// File system statistics, like `struct statfs`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Statfs {
    /// File system magic.
    pub typ: i64,
    /// Block size.
    pub bsize: i64,
    /// Total blocks.
    pub blocks: u64,
    /// Free blocks.
    pub bfree: u64,
    /// Blocks available to unprivileged users.
    pub bavail: u64,
    /// Total inodes.
    pub files: u64,
    /// Free inodes.
    pub ffree: u64,
    /// Maximum name length.
    pub namelen: i64,
    /// Fragment size.
    pub frsize: i64,
    /// Mount flags (`ST_*`).
    pub flags: i64,
}

/// [`SetAttr::mask`]: change the permission bits.
pub const SETATTR_MODE: u32 = 1;
/// [`SetAttr::mask`]: change the owner.
pub const SETATTR_UID: u32 = 2;
/// [`SetAttr::mask`]: change the group.
pub const SETATTR_GID: u32 = 4;
/// [`SetAttr::mask`]: truncate or extend.
pub const SETATTR_SIZE: u32 = 8;
/// [`SetAttr::mask`]: set the access time to [`SetAttr::atime`].
pub const SETATTR_ATIME: u32 = 16;
/// [`SetAttr::mask`]: set the modification time to [`SetAttr::mtime`].
pub const SETATTR_MTIME: u32 = 32;
/// [`SetAttr::mask`]: set the access time to now.
pub const SETATTR_ATIME_NOW: u32 = 64;
/// [`SetAttr::mask`]: set the modification time to now.
pub const SETATTR_MTIME_NOW: u32 = 128;

/// An attribute change; only the fields named by `mask` (the `SETATTR_*`
/// bits) apply.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SetAttr {
    /// Which fields apply.
    pub mask: u32,
    /// New permission bits (`S_IFMT` bits are ignored).
    pub mode: u32,
    /// New owner.
    pub uid: u32,
    /// New group.
    pub gid: u32,
    /// New size.
    pub size: u64,
    /// New access time (seconds, nanoseconds).
    pub atime: (i64, i64),
    /// New modification time (seconds, nanoseconds).
    pub mtime: (i64, i64),
}

/// Check a single path component: not empty, `.` or `..`, no `/` or NUL.
/// EINVAL otherwise (ENAMETOOLONG past `NAME_MAX`).
pub fn validate_name(name: &[u8]) -> Result<()> {
    if name.is_empty() || name == b"." || name == b".." || name.iter().any(|&b| b == b'/' || b == 0)
    {
        return Err(libc::EINVAL);
    }
    if name.len() > 255 {
        return Err(libc::ENAMETOOLONG);
    }
    Ok(())
}
