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

/// Follow a trailing symlink (linkat, name_to_handle_at).
pub const AT_SYMLINK_FOLLOW: u64 = 0x400;
/// unlinkat: remove a directory.
pub const AT_REMOVEDIR: u64 = 0x200;
/// faccessat: check with the effective ids.
pub const AT_EACCESS: u64 = 0x200;
/// The dirfd meaning "the current directory".
pub const AT_FDCWD: i32 = -100;
/// statx: sync as stat does (the default).
pub const AT_STATX_SYNC_AS_STAT: u64 = 0x0000;
/// statx: force a sync with the server.
pub const AT_STATX_FORCE_SYNC: u64 = 0x2000;
/// statx: do not sync.
pub const AT_STATX_DONT_SYNC: u64 = 0x4000;
/// statx: the sync-type bits.
pub const AT_STATX_SYNC_TYPE: u64 = 0x6000;

/// Open access mode mask.
pub const O_ACCMODE: u32 = 0o3;
/// Read only.
pub const O_RDONLY: u32 = 0o0;
/// Write only.
pub const O_WRONLY: u32 = 0o1;
/// Read and write.
pub const O_RDWR: u32 = 0o2;
/// Create if missing.
pub const O_CREAT: u32 = 0o100;
/// With O_CREAT: fail if it exists.
pub const O_EXCL: u32 = 0o200;
/// Do not make a tty the controlling terminal.
pub const O_NOCTTY: u32 = 0o400;
/// Truncate to zero length.
pub const O_TRUNC: u32 = 0o1000;
/// Writes append.
pub const O_APPEND: u32 = 0o2000;
/// Non-blocking I/O.
pub const O_NONBLOCK: u32 = 0o4000;
/// Synchronized data writes.
pub const O_DSYNC: u32 = 0o10000;
/// Signal-driven I/O.
pub const O_ASYNC: u32 = 0o20000;
/// Direct I/O.
pub const O_DIRECT: u32 = 0o40000;
/// Large files (always on for 64-bit).
pub const O_LARGEFILE: u32 = 0o100000;
/// Must be a directory.
pub const O_DIRECTORY: u32 = 0o200000;
/// Do not follow a trailing symlink.
pub const O_NOFOLLOW: u32 = 0o400000;
/// Do not update the access time.
pub const O_NOATIME: u32 = 0o1000000;
/// Close on exec.
pub const O_CLOEXEC: u32 = 0o2000000;
/// Synchronized writes (with O_DSYNC).
pub const O_SYNC: u32 = 0o4000000 | O_DSYNC;
/// A path-only descriptor.
pub const O_PATH: u32 = 0o10000000;
/// An unnamed temporary file (with O_DIRECTORY).
pub const O_TMPFILE: u32 = 0o20000000 | O_DIRECTORY;
/// The status flags F_SETFL may change.
pub const SETFL_MASK: u32 = O_APPEND | O_NONBLOCK | O_ASYNC | O_DIRECT | O_NOATIME;
/// Flags O_PATH keeps.
pub const O_PATH_KEEP: u32 = O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

/// File type mask.
pub const S_IFMT: u32 = 0o170000;
/// Socket.
pub const S_IFSOCK: u32 = 0o140000;
/// Symbolic link.
pub const S_IFLNK: u32 = 0o120000;
/// Regular file.
pub const S_IFREG: u32 = 0o100000;
/// Block device.
pub const S_IFBLK: u32 = 0o060000;
/// Directory.
pub const S_IFDIR: u32 = 0o040000;
/// Character device.
pub const S_IFCHR: u32 = 0o020000;
/// FIFO.
pub const S_IFIFO: u32 = 0o010000;
/// Set-user-id.
pub const S_ISUID: u32 = 0o4000;
/// Set-group-id.
pub const S_ISGID: u32 = 0o2000;
/// Mode bit: group may execute (a set-group-ID bit without it marks no
/// set-gid program).
pub const S_IXGRP: u32 = 0o010;
/// Any execute bit (owner, group or other).
pub const S_IXUGO: u32 = 0o111;
/// Sticky.
pub const S_ISVTX: u32 = 0o1000;
/// Permission bits plus setuid, setgid and sticky.
pub const S_IALLUGO: u32 = 0o7777;

/// Unknown dirent type.
pub const DT_UNKNOWN: u8 = 0;
/// FIFO.
pub const DT_FIFO: u8 = 1;
/// Character device.
pub const DT_CHR: u8 = 2;
/// Directory.
pub const DT_DIR: u8 = 4;
/// Block device.
pub const DT_BLK: u8 = 6;
/// Regular file.
pub const DT_REG: u8 = 8;
/// Symbolic link.
pub const DT_LNK: u8 = 10;
/// Socket.
pub const DT_SOCK: u8 = 12;

/// The dirent type for a mode.
pub const fn dt_of_mode(mode: u32) -> u8 {
    ((mode & S_IFMT) >> 12) as u8
}

/// Offset of d_name in `struct linux_dirent64` (ino, off, reclen, type).
pub const DIRENT64_NAME_OFFSET: usize = 19;
/// Offset of d_name in the old `struct linux_dirent` (ino, off, reclen).
pub const DIRENT_NAME_OFFSET: usize = 18;

/// Longest path the kernel accepts, NUL included.
pub const PATH_MAX: usize = 4096;
/// Longest file name component.
pub const NAME_MAX: usize = 255;
/// Symlinks followed in one resolution before ELOOP.
pub const MAXSYMLINKS: u32 = 40;

/// access mode: exists.
pub const F_OK: u32 = 0;
/// access mode: executable.
pub const X_OK: u32 = 1;
/// access mode: writable.
pub const W_OK: u32 = 2;
/// access mode: readable.
pub const R_OK: u32 = 4;

/// lseek whence values.
pub const SEEK_SET: i32 = 0;
/// From the current offset.
pub const SEEK_CUR: i32 = 1;
/// From the end.
pub const SEEK_END: i32 = 2;
/// Next data at or after the offset.
pub const SEEK_DATA: i32 = 3;
/// Next hole at or after the offset.
pub const SEEK_HOLE: i32 = 4;

/// renameat2: fail if the target exists.
pub const RENAME_NOREPLACE: u32 = 1;
/// renameat2: swap the two names.
pub const RENAME_EXCHANGE: u32 = 2;
/// renameat2: leave a whiteout (overlay internals).
pub const RENAME_WHITEOUT: u32 = 4;

/// setxattr: fail if the attribute exists.
pub const XATTR_CREATE: i32 = 1;
/// setxattr: fail if the attribute is missing.
pub const XATTR_REPLACE: i32 = 2;
/// Longest xattr name.
pub const XATTR_NAME_MAX: usize = 255;
/// Largest xattr value.
pub const XATTR_SIZE_MAX: usize = 65536;
/// Largest xattr name list.
pub const XATTR_LIST_MAX: usize = 65536;

/// utimensat: set to the current time.
pub const UTIME_NOW: i64 = (1 << 30) - 1;
/// utimensat: leave unchanged.
pub const UTIME_OMIT: i64 = (1 << 30) - 2;

/// close_range: set close-on-exec instead of closing.
pub const CLOSE_RANGE_CLOEXEC: u32 = 1 << 2;
/// close_range: unshare the table first.
pub const CLOSE_RANGE_UNSHARE: u32 = 1 << 1;

/// fcntl commands.
pub mod fcntl {
    /// Duplicate to the lowest fd >= arg.
    pub const F_DUPFD: i32 = 0;
    /// Get fd flags.
    pub const F_GETFD: i32 = 1;
    /// Set fd flags.
    pub const F_SETFD: i32 = 2;
    /// Get status flags.
    pub const F_GETFL: i32 = 3;
    /// Set status flags.
    pub const F_SETFL: i32 = 4;
    /// Test a record lock.
    pub const F_GETLK: i32 = 5;
    /// Set a record lock, non-blocking.
    pub const F_SETLK: i32 = 6;
    /// Set a record lock, waiting.
    pub const F_SETLKW: i32 = 7;
    /// Set the SIGIO owner.
    pub const F_SETOWN: i32 = 8;
    /// Get the SIGIO owner.
    pub const F_GETOWN: i32 = 9;
    /// Set the SIGIO signal.
    pub const F_SETSIG: i32 = 10;
    /// Get the SIGIO signal.
    pub const F_GETSIG: i32 = 11;
    /// Extended owner.
    pub const F_SETOWN_EX: i32 = 15;
    /// Extended owner.
    pub const F_GETOWN_EX: i32 = 16;
    /// Test an open-file-description lock.
    pub const F_OFD_GETLK: i32 = 36;
    /// Set an open-file-description lock.
    pub const F_OFD_SETLK: i32 = 37;
    /// Set an open-file-description lock, waiting.
    pub const F_OFD_SETLKW: i32 = 38;
    /// Set a lease.
    pub const F_SETLEASE: i32 = 1024;
    /// Get a lease.
    pub const F_GETLEASE: i32 = 1025;
    /// Directory notifications.
    pub const F_NOTIFY: i32 = 1026;
    /// Duplicate with close-on-exec.
    pub const F_DUPFD_CLOEXEC: i32 = 1030;
    /// Set pipe capacity.
    pub const F_SETPIPE_SZ: i32 = 1031;
    /// Get pipe capacity.
    pub const F_GETPIPE_SZ: i32 = 1032;
    /// Add seals.
    pub const F_ADD_SEALS: i32 = 1033;
    /// Get seals.
    pub const F_GET_SEALS: i32 = 1034;
    /// Seal: no more seals.
    pub const F_SEAL_SEAL: u32 = 1;
    /// Seal: no shrinking.
    pub const F_SEAL_SHRINK: u32 = 2;
    /// Seal: no growing.
    pub const F_SEAL_GROW: u32 = 4;
    /// Seal: no writes.
    pub const F_SEAL_WRITE: u32 = 8;
    /// Seal: no new writable mappings.
    pub const F_SEAL_FUTURE_WRITE: u32 = 0x10;
    /// Seal: no exec mode changes.
    pub const F_SEAL_EXEC: u32 = 0x20;
    /// The close-on-exec fd flag.
    pub const FD_CLOEXEC: u64 = 1;
    /// Read lock.
    pub const F_RDLCK: i16 = 0;
    /// Write lock.
    pub const F_WRLCK: i16 = 1;
    /// Unlock.
    pub const F_UNLCK: i16 = 2;
    /// flock: shared.
    pub const LOCK_SH: i32 = 1;
    /// flock: exclusive.
    pub const LOCK_EX: i32 = 2;
    /// flock: do not wait.
    pub const LOCK_NB: i32 = 4;
    /// flock: unlock.
    pub const LOCK_UN: i32 = 8;
}

/// `struct flock` (32 bytes on x86_64).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct Flock {
    /// F_RDLCK, F_WRLCK or F_UNLCK.
    pub typ: i16,
    /// SEEK_SET, SEEK_CUR or SEEK_END.
    pub whence: i16,
    /// Padding of the C layout.
    pub pad0: i32,
    /// Start offset.
    pub start: i64,
    /// Length (0 = to the end).
    pub len: i64,
    /// Owner pid (F_GETLK).
    pub pid: i32,
    /// Padding of the C layout.
    pub pad1: i32,
}
// SAFETY: repr(C), explicit padding fields, any bits valid.
unsafe impl Pod for Flock {}

/// `struct statx_timestamp`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct StatxTimestamp {
    /// Seconds.
    pub sec: i64,
    /// Nanoseconds.
    pub nsec: u32,
    /// Reserved.
    pub reserved: i32,
}
// SAFETY: repr(C), no padding, any bits valid.
unsafe impl Pod for StatxTimestamp {}

/// `struct statx` (256 bytes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct Statx {
    /// Which fields are filled.
    pub mask: u32,
    /// Preferred I/O size.
    pub blksize: u32,
    /// STATX_ATTR_* flags.
    pub attributes: u64,
    /// Link count.
    pub nlink: u32,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Type and permissions.
    pub mode: u16,
    /// Padding of the C layout.
    pub spare0: u16,
    /// Inode.
    pub ino: u64,
    /// Size.
    pub size: u64,
    /// 512-byte blocks.
    pub blocks: u64,
    /// Which attribute bits are supported.
    pub attributes_mask: u64,
    /// Access time.
    pub atime: StatxTimestamp,
    /// Birth time.
    pub btime: StatxTimestamp,
    /// Status change time.
    pub ctime: StatxTimestamp,
    /// Modification time.
    pub mtime: StatxTimestamp,
    /// Device major (device files).
    pub rdev_major: u32,
    /// Device minor (device files).
    pub rdev_minor: u32,
    /// Containing device major.
    pub dev_major: u32,
    /// Containing device minor.
    pub dev_minor: u32,
    /// Mount id.
    pub mnt_id: u64,
    /// Direct I/O alignment.
    pub dio_mem_align: u32,
    /// Direct I/O offset alignment.
    pub dio_offset_align: u32,
    /// Reserved.
    pub spare: [u64; 12],
}
// SAFETY: repr(C); fields are laid out without implicit padding (checked
// by the size assertion below); any bits valid.
unsafe impl Pod for Statx {}
const _: () = assert!(std::mem::size_of::<Statx>() == 256);
const _: () = assert!(std::mem::size_of::<Flock>() == 32);
const _: () = assert!(std::mem::size_of::<Stat>() == 144);

/// statx mask bits.
pub mod statx {
    /// Type bits of mode.
    pub const STATX_TYPE: u32 = 0x1;
    /// Permission bits of mode.
    pub const STATX_MODE: u32 = 0x2;
    /// nlink.
    pub const STATX_NLINK: u32 = 0x4;
    /// uid.
    pub const STATX_UID: u32 = 0x8;
    /// gid.
    pub const STATX_GID: u32 = 0x10;
    /// atime.
    pub const STATX_ATIME: u32 = 0x20;
    /// mtime.
    pub const STATX_MTIME: u32 = 0x40;
    /// ctime.
    pub const STATX_CTIME: u32 = 0x80;
    /// ino.
    pub const STATX_INO: u32 = 0x100;
    /// size.
    pub const STATX_SIZE: u32 = 0x200;
    /// blocks.
    pub const STATX_BLOCKS: u32 = 0x400;
    /// Everything stat returns.
    pub const STATX_BASIC_STATS: u32 = 0x7ff;
    /// btime.
    pub const STATX_BTIME: u32 = 0x800;
    /// mnt_id.
    pub const STATX_MNT_ID: u32 = 0x1000;
    /// Reserved bit: must not be set.
    pub const STATX_RESERVED: u32 = 0x8000_0000;
}

/// `struct statfs` (120 bytes on x86_64).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct Statfs {
    /// Filesystem magic.
    pub typ: i64,
    /// Block size.
    pub bsize: i64,
    /// Total blocks.
    pub blocks: u64,
    /// Free blocks.
    pub bfree: u64,
    /// Blocks free to unprivileged users.
    pub bavail: u64,
    /// Total inodes.
    pub files: u64,
    /// Free inodes.
    pub ffree: u64,
    /// Filesystem id.
    pub fsid: [i32; 2],
    /// Longest name.
    pub namelen: i64,
    /// Fragment size.
    pub frsize: i64,
    /// Mount flags (ST_*).
    pub flags: i64,
    /// Reserved.
    pub spare: [i64; 4],
}
// SAFETY: repr(C), no padding, any bits valid.
unsafe impl Pod for Statfs {}
const _: () = assert!(std::mem::size_of::<Statfs>() == 120);

/// Filesystem magic numbers (statfs f_type).
pub mod magic {
    /// tmpfs.
    pub const TMPFS_MAGIC: i64 = 0x0102_1994;
    /// procfs.
    pub const PROC_SUPER_MAGIC: i64 = 0x9fa0;
    /// sysfs.
    pub const SYSFS_MAGIC: i64 = 0x6265_6572;
    /// overlayfs.
    pub const OVERLAYFS_SUPER_MAGIC: i64 = 0x794c_7630;
    /// devpts.
    pub const DEVPTS_SUPER_MAGIC: i64 = 0x1cd1;
    /// mqueue.
    pub const MQUEUE_MAGIC: i64 = 0x1980_0202;
}

/// A tmpfs (or mqueue) root's mode when no mode= option says otherwise.
pub const TMPFS_ROOT_MODE: u32 = 0o1777;
/// devpts's ptmx mode when no ptmxmode= option says otherwise.
pub const PTMX_DEFAULT_MODE: u32 = 0;

/// statfs flag: read-only mount.
pub const ST_RDONLY: i64 = 1;
/// statfs flag: nosuid mount.
pub const ST_NOSUID: i64 = 2;
/// statfs flag: nodev mount.
pub const ST_NODEV: i64 = 4;
/// statfs flag: noexec mount.
pub const ST_NOEXEC: i64 = 8;
/// statfs flag: noatime mount.
pub const ST_NOATIME: i64 = 1024;
/// statfs flag: nodiratime mount.
pub const ST_NODIRATIME: i64 = 2048;
/// statfs flag: relatime mount.
pub const ST_RELATIME: i64 = 4096;
/// statfs flag: nosymfollow mount.
pub const ST_NOSYMFOLLOW: i64 = 8192;

/// The per-mount flags by the option names /proc/PID/mounts shows them
/// with, in the order Linux prints them (show_mnt_opts).
pub const MOUNT_FLAG_OPTIONS: [(&str, i64); 7] = [
    ("nosuid", ST_NOSUID),
    ("nodev", ST_NODEV),
    ("noexec", ST_NOEXEC),
    ("noatime", ST_NOATIME),
    ("nodiratime", ST_NODIRATIME),
    ("relatime", ST_RELATIME),
    ("nosymfollow", ST_NOSYMFOLLOW),
];

/// Device numbers (major, minor) of the devices /dev provides.
pub mod dev {
    /// Encodes a device number like the kernel's new_encode_dev / glibc makedev.
    pub const fn makedev(major: u32, minor: u32) -> u64 {
        let (ma, mi) = (major as u64, minor as u64);
        ((ma & 0xfff) << 8) | ((ma & !0xfff) << 32) | (mi & 0xff) | ((mi & !0xff) << 12)
    }
    /// Major number of a device.
    pub const fn major(dev: u64) -> u32 {
        (((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff)) as u32
    }
    /// Minor number of a device.
    pub const fn minor(dev: u64) -> u32 {
        ((dev & 0xff) | ((dev >> 12) & !0xff)) as u32
    }
    /// Memory devices' major.
    pub const MEM_MAJOR: u32 = 1;
    /// /dev/null.
    pub const NULL_MINOR: u32 = 3;
    /// /dev/zero.
    pub const ZERO_MINOR: u32 = 5;
    /// /dev/full.
    pub const FULL_MINOR: u32 = 7;
    /// /dev/random.
    pub const RANDOM_MINOR: u32 = 8;
    /// /dev/urandom.
    pub const URANDOM_MINOR: u32 = 9;
    /// TTY major (tty, console, ptmx).
    pub const TTYAUX_MAJOR: u32 = 5;
    /// /dev/tty.
    pub const TTY_MINOR: u32 = 0;
    /// /dev/ptmx.
    pub const PTMX_MINOR: u32 = 2;
    /// /dev/console.
    pub const CONSOLE_MINOR: u32 = 1;
    /// Major of the pty slaves, /dev/pts/N.
    pub const UNIX98_PTY_SLAVE_MAJOR: u32 = 136;
    /// The group pty slaves belong to (the `tty` group of Debian and of
    /// runc's containers).
    pub const TTY_GID: u32 = 5;
    /// Mode of a pty slave in use (crw--w----).
    pub const PTY_SLAVE_MODE: u32 = 0o620;
}

/// ioctl requests on files.
pub mod ioctl {
    /// Bytes available to read.
    pub const FIONREAD: u64 = 0x541b;
    /// Set/clear non-blocking mode.
    pub const FIONBIO: u64 = 0x5421;
    /// Clear close-on-exec.
    pub const FIONCLEX: u64 = 0x5450;
    /// Set close-on-exec.
    pub const FIOCLEX: u64 = 0x5451;
    /// Set/clear async mode.
    pub const FIOASYNC: u64 = 0x5452;
}

/// memfd_create flags.
pub mod memfd {
    /// Close on exec.
    pub const MFD_CLOEXEC: u32 = 1;
    /// Allow sealing.
    pub const MFD_ALLOW_SEALING: u32 = 2;
    /// Huge pages.
    pub const MFD_HUGETLB: u32 = 4;
    /// Non-executable.
    pub const MFD_NOEXEC_SEAL: u32 = 8;
    /// Executable.
    pub const MFD_EXEC: u32 = 0x10;
    /// Longest name (without the "memfd:" prefix).
    pub const MFD_NAME_MAX: usize = 249;
}

/// fallocate modes.
pub mod falloc {
    /// Do not change the size.
    pub const FALLOC_FL_KEEP_SIZE: i32 = 1;
    /// Deallocate the range.
    pub const FALLOC_FL_PUNCH_HOLE: i32 = 2;
    /// Zero the range.
    pub const FALLOC_FL_ZERO_RANGE: i32 = 0x10;
}

/// posix_fadvise advice values (0..=5 are valid).
pub const POSIX_FADV_NOREUSE: i32 = 5;

/// poll events.
pub mod poll {
    /// Data to read.
    pub const POLLIN: i16 = 0x1;
    /// Urgent data.
    pub const POLLPRI: i16 = 0x2;
    /// Writable.
    pub const POLLOUT: i16 = 0x4;
    /// Error.
    pub const POLLERR: i16 = 0x8;
    /// Hang-up.
    pub const POLLHUP: i16 = 0x10;
    /// Not an open fd.
    pub const POLLNVAL: i16 = 0x20;
    /// Normal data to read.
    pub const POLLRDNORM: i16 = 0x40;
    /// Normal data writable.
    pub const POLLWRNORM: i16 = 0x100;
    /// Size of `struct pollfd`.
    pub const POLLFD_SIZE: usize = 8;
}

/// epoll constants.
pub mod epoll {
    /// Readable.
    pub const EPOLLIN: u32 = 0x1;
    /// Urgent data.
    pub const EPOLLPRI: u32 = 0x2;
    /// Writable.
    pub const EPOLLOUT: u32 = 0x4;
    /// Error.
    pub const EPOLLERR: u32 = 0x8;
    /// Hang-up.
    pub const EPOLLHUP: u32 = 0x10;
    /// Normal data readable.
    pub const EPOLLRDNORM: u32 = 0x40;
    /// Normal data writable.
    pub const EPOLLWRNORM: u32 = 0x100;
    /// Peer closed its writing end.
    pub const EPOLLRDHUP: u32 = 0x2000;
    /// Wake one waiter only.
    pub const EPOLLEXCLUSIVE: u32 = 1 << 28;
    /// Hold a wakeup source.
    pub const EPOLLWAKEUP: u32 = 1 << 29;
    /// Report once, then disable.
    pub const EPOLLONESHOT: u32 = 1 << 30;
    /// Edge-triggered.
    pub const EPOLLET: u32 = 1 << 31;
    /// epoll_ctl: add.
    pub const EPOLL_CTL_ADD: i32 = 1;
    /// epoll_ctl: remove.
    pub const EPOLL_CTL_DEL: i32 = 2;
    /// epoll_ctl: change.
    pub const EPOLL_CTL_MOD: i32 = 3;
    /// Size of the packed `struct epoll_event`.
    pub const EPOLL_EVENT_SIZE: usize = 12;
    /// Most events one epoll_wait may ask for.
    pub const EP_MAX_EVENTS: i32 = i32::MAX / EPOLL_EVENT_SIZE as i32;
}

/// eventfd flags.
pub mod eventfd {
    /// Semaphore semantics.
    pub const EFD_SEMAPHORE: u32 = 1;
}

/// Bits of an `fd_set` (select's FD_SETSIZE).
pub const FD_SETSIZE: usize = 1024;

/// prctl options beyond names.
pub mod prctl {
    /// Signal on parent death.
    pub const PR_SET_PDEATHSIG: i32 = 1;
    /// Read it.
    pub const PR_GET_PDEATHSIG: i32 = 2;
    /// Core-dump flag.
    pub const PR_GET_DUMPABLE: i32 = 3;
    /// Set it.
    pub const PR_SET_DUMPABLE: i32 = 4;
    /// Timer slack.
    pub const PR_GET_TIMERSLACK: i32 = 30;
    /// Set it.
    pub const PR_SET_TIMERSLACK: i32 = 29;
    /// Child subreaper.
    pub const PR_SET_CHILD_SUBREAPER: i32 = 36;
    /// Read it.
    pub const PR_GET_CHILD_SUBREAPER: i32 = 37;
    /// no_new_privs.
    pub const PR_SET_NO_NEW_PRIVS: i32 = 38;
    /// Read it.
    pub const PR_GET_NO_NEW_PRIVS: i32 = 39;
    /// Seccomp mode.
    pub const PR_GET_SECCOMP: i32 = 21;
    /// Timer slack default (ns).
    pub const DEFAULT_TIMERSLACK: u64 = 50_000;
}
