//! File metadata structures and *at() flags.

use super::Pod;

/// `struct stat` on x86_64 (144 bytes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct Stat {
    /// Device.
    pub dev: u64,
    /// Inode.
    pub ino: u64,
    /// Link count.
    pub nlink: u64,
    /// Type and permissions.
    pub mode: u32,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Padding of the C layout.
    pub pad0: i32,
    /// Device number for device files.
    pub rdev: u64,
    /// Size in bytes.
    pub size: i64,
    /// Preferred I/O size.
    pub blksize: i64,
    /// 512-byte blocks allocated.
    pub blocks: i64,
    /// Access time, seconds.
    pub atime: i64,
    /// Access time, nanoseconds.
    pub atime_nsec: i64,
    /// Modification time, seconds.
    pub mtime: i64,
    /// Modification time, nanoseconds.
    pub mtime_nsec: i64,
    /// Status change time, seconds.
    pub ctime: i64,
    /// Status change time, nanoseconds.
    pub ctime_nsec: i64,
    /// Reserved.
    pub unused: [i64; 3],
}
// SAFETY: repr(C) of 8-byte fields plus four 4-byte fields that pair up; no
// padding, any bits valid.
unsafe impl Pod for Stat {}

/// Do not follow a trailing symlink.
pub const AT_SYMLINK_NOFOLLOW: u64 = 0x100;
/// Do not automount.
pub const AT_NO_AUTOMOUNT: u64 = 0x800;
/// An empty path means the dirfd itself.
pub const AT_EMPTY_PATH: u64 = 0x1000;

/// prctl: set the thread name.
pub const PR_SET_NAME: i32 = 15;
/// prctl: get the thread name.
pub const PR_GET_NAME: i32 = 16;
/// Length of a task name, NUL included (TASK_COMM_LEN).
pub const TASK_COMM_LEN: usize = 16;
