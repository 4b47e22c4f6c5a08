//! Thin safe wrappers over the host system calls the gofer makes.
//!
//! All of the crate's `unsafe` for file system calls lives here: each wrapper
//! takes borrowed fds and `CStr` names, so the pointers handed to the kernel
//! are valid for the duration of the call, and returns a positive errno on
//! failure.

use std::ffi::{CStr, CString};
use std::io;
use std::mem::{size_of, MaybeUninit};
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

use crate::{Attr, Statfs};

/// A positive errno.
pub type SysResult<T> = std::result::Result<T, i32>;

/// The calling thread's errno.
pub fn errno() -> i32 {
    io::Error::last_os_error()
        .raw_os_error()
        .unwrap_or(libc::EIO)
}

fn cvt(ret: libc::c_int) -> SysResult<libc::c_int> {
    if ret < 0 {
        Err(errno())
    } else {
        Ok(ret)
    }
}

fn cvt_size(ret: libc::ssize_t) -> SysResult<usize> {
    usize::try_from(ret).map_err(|_| errno())
}

/// `name` as a C string; EINVAL if it holds a NUL.
pub fn cstring(name: &[u8]) -> SysResult<CString> {
    CString::new(name).map_err(|_| libc::EINVAL)
}

const EMPTY: &CStr = c"";

/// `openat(2)`; the returned fd is owned.
pub fn openat(dir: BorrowedFd<'_>, name: &CStr, flags: i32, mode: u32) -> SysResult<OwnedFd> {
    loop {
        // SAFETY: `name` is a valid NUL-terminated string and `dir` a live fd
        // for the duration of the call.
        let fd = unsafe { libc::openat(dir.as_raw_fd(), name.as_ptr(), flags, mode) };
        if fd >= 0 {
            // SAFETY: the kernel just returned this fd to us and nothing else
            // owns it.
            return Ok(unsafe { OwnedFd::from_raw_fd(fd) });
        }
        let e = errno();
        if e != libc::EINTR {
            return Err(e);
        }
    }
}

/// `open(2)` of an absolute or cwd-relative path.
pub fn open_path(path: &CStr, flags: i32) -> SysResult<OwnedFd> {
    // SAFETY: AT_FDCWD is always a valid directory argument.
    let cwd = unsafe { BorrowedFd::borrow_raw(libc::AT_FDCWD) };
    openat(cwd, path, flags, 0)
}

/// Convert a host `struct stat`.
#[allow(clippy::unnecessary_cast)] // the field types differ between architectures
fn attr_from_stat(st: &libc::stat) -> Attr {
    Attr {
        dev: st.st_dev,
        ino: st.st_ino,
        nlink: st.st_nlink as u64,
        mode: st.st_mode,
        uid: st.st_uid,
        gid: st.st_gid,
        rdev: st.st_rdev,
        size: st.st_size,
        blksize: st.st_blksize as i64,
        blocks: st.st_blocks,
        atime: st.st_atime,
        atime_nsec: st.st_atime_nsec,
        mtime: st.st_mtime,
        mtime_nsec: st.st_mtime_nsec,
        ctime: st.st_ctime,
        ctime_nsec: st.st_ctime_nsec,
    }
}

/// `fstatat(2)`.
pub fn fstatat(dir: BorrowedFd<'_>, name: &CStr, flags: i32) -> SysResult<Attr> {
    let mut st = MaybeUninit::<libc::stat>::uninit();
    // SAFETY: `st` is writable storage of the right type; `name` is a valid C
    // string and `dir` a live fd.
    cvt(unsafe { libc::fstatat(dir.as_raw_fd(), name.as_ptr(), st.as_mut_ptr(), flags) })?;
    // SAFETY: fstatat succeeded, so it filled `st`.
    Ok(attr_from_stat(unsafe { st.assume_init_ref() }))
}

/// Attributes of the file `fd` refers to (works on `O_PATH` fds and does not
/// follow a symlink the fd itself refers to).
pub fn fstat(fd: BorrowedFd<'_>) -> SysResult<Attr> {
    fstatat(fd, EMPTY, libc::AT_EMPTY_PATH | libc::AT_SYMLINK_NOFOLLOW)
}

/// `getdents64(2)` into `buf`; returns the bytes filled (0 at the end).
pub fn getdents64(fd: BorrowedFd<'_>, buf: &mut [u8]) -> SysResult<usize> {
    // SAFETY: `buf` is writable for `buf.len()` bytes and `fd` is live.
    let n = unsafe {
        libc::syscall(
            libc::SYS_getdents64,
            fd.as_raw_fd(),
            buf.as_mut_ptr(),
            buf.len(),
        )
    };
    usize::try_from(n).map_err(|_| errno())
}

/// `lseek(fd, off, SEEK_SET)`.
pub fn lseek_set(fd: BorrowedFd<'_>, off: u64) -> SysResult<()> {
    let off = libc::off_t::try_from(off).map_err(|_| libc::EINVAL)?;
    // SAFETY: plain integer arguments on a live fd.
    let r = unsafe { libc::lseek(fd.as_raw_fd(), off, libc::SEEK_SET) };
    if r < 0 {
        Err(errno())
    } else {
        Ok(())
    }
}

/// `readlinkat(fd, "")`: the target of the symlink an `O_PATH` fd refers to.
pub fn readlink_fd(fd: BorrowedFd<'_>) -> SysResult<Vec<u8>> {
    let mut buf = vec![0u8; libc::PATH_MAX as usize];
    // SAFETY: `buf` is writable for its length; the name is a valid C string.
    let n = cvt_size(unsafe {
        libc::readlinkat(
            fd.as_raw_fd(),
            EMPTY.as_ptr(),
            buf.as_mut_ptr().cast(),
            buf.len(),
        )
    })?;
    buf.truncate(n);
    Ok(buf)
}

/// `mkdirat(2)`.
pub fn mkdirat(dir: BorrowedFd<'_>, name: &CStr, mode: u32) -> SysResult<()> {
    // SAFETY: valid C string, live fd.
    cvt(unsafe { libc::mkdirat(dir.as_raw_fd(), name.as_ptr(), mode) }).map(drop)
}

/// `mknodat(2)`.
pub fn mknodat(dir: BorrowedFd<'_>, name: &CStr, mode: u32, rdev: u64) -> SysResult<()> {
    // SAFETY: valid C string, live fd.
    cvt(unsafe { libc::mknodat(dir.as_raw_fd(), name.as_ptr(), mode, rdev) }).map(drop)
}

/// `symlinkat(2)`.
pub fn symlinkat(target: &CStr, dir: BorrowedFd<'_>, name: &CStr) -> SysResult<()> {
    // SAFETY: valid C strings, live fd.
    cvt(unsafe { libc::symlinkat(target.as_ptr(), dir.as_raw_fd(), name.as_ptr()) }).map(drop)
}

/// `linkat(2)`.
pub fn linkat(
    olddir: BorrowedFd<'_>,
    oldname: &CStr,
    newdir: BorrowedFd<'_>,
    newname: &CStr,
    flags: i32,
) -> SysResult<()> {
    // SAFETY: valid C strings, live fds.
    cvt(unsafe {
        libc::linkat(
            olddir.as_raw_fd(),
            oldname.as_ptr(),
            newdir.as_raw_fd(),
            newname.as_ptr(),
            flags,
        )
    })
    .map(drop)
}

/// `unlinkat(2)`.
pub fn unlinkat(dir: BorrowedFd<'_>, name: &CStr, flags: i32) -> SysResult<()> {
    // SAFETY: valid C string, live fd.
    cvt(unsafe { libc::unlinkat(dir.as_raw_fd(), name.as_ptr(), flags) }).map(drop)
}

/// `renameat2(2)`.
pub fn renameat2(
    olddir: BorrowedFd<'_>,
    oldname: &CStr,
    newdir: BorrowedFd<'_>,
    newname: &CStr,
    flags: u32,
) -> SysResult<()> {
    // SAFETY: valid C strings, live fds.
    let r = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            olddir.as_raw_fd(),
            oldname.as_ptr(),
            newdir.as_raw_fd(),
            newname.as_ptr(),
            flags,
        )
    };
    if r < 0 {
        Err(errno())
    } else {
        Ok(())
    }
}

/// `fchmod(2)` on an opened (not `O_PATH`) fd.
pub fn fchmod(fd: BorrowedFd<'_>, mode: u32) -> SysResult<()> {
    // SAFETY: integer arguments on a live fd.
    cvt(unsafe { libc::fchmod(fd.as_raw_fd(), mode) }).map(drop)
}

/// `fchmodat(2)` (follows a symlink at `name`: callers check the type).
pub fn fchmodat(dir: BorrowedFd<'_>, name: &CStr, mode: u32) -> SysResult<()> {
    // SAFETY: valid C string, live fd.
    cvt(unsafe { libc::fchmodat(dir.as_raw_fd(), name.as_ptr(), mode, 0) }).map(drop)
}

/// The `fchmodat2` system call number (Linux 6.6; the same on x86-64 and
/// arm64, whose tables share the generic numbering from 424 on).
pub const SYS_FCHMODAT2: libc::c_long = 452;

/// `fchmodat2(fd, "", mode, AT_EMPTY_PATH)`: chmod of exactly the inode an
/// `O_PATH` fd refers to. ENOSYS on kernels before 6.6.
pub fn fchmod_path_fd(fd: BorrowedFd<'_>, mode: u32) -> SysResult<()> {
    // SAFETY: valid C string, live fd, integer arguments.
    let r = unsafe {
        libc::syscall(
            SYS_FCHMODAT2,
            fd.as_raw_fd(),
            EMPTY.as_ptr(),
            mode,
            libc::AT_EMPTY_PATH,
        )
    };
    if r < 0 {
        Err(errno())
    } else {
        Ok(())
    }
}

/// `fchownat(fd, "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW)`; `u32::MAX`
/// leaves an id unchanged.
pub fn fchown_fd(fd: BorrowedFd<'_>, uid: u32, gid: u32) -> SysResult<()> {
    // SAFETY: valid C string, live fd.
    cvt(unsafe {
        libc::fchownat(
            fd.as_raw_fd(),
            EMPTY.as_ptr(),
            uid,
            gid,
            libc::AT_EMPTY_PATH | libc::AT_SYMLINK_NOFOLLOW,
        )
    })
    .map(drop)
}

/// `ftruncate(2)`.
pub fn ftruncate(fd: BorrowedFd<'_>, size: u64) -> SysResult<()> {
    let size = libc::off_t::try_from(size).map_err(|_| libc::EINVAL)?;
    // SAFETY: integer arguments on a live fd.
    cvt(unsafe { libc::ftruncate(fd.as_raw_fd(), size) }).map(drop)
}

/// `utimensat(2)`.
pub fn utimensat(
    dir: BorrowedFd<'_>,
    name: &CStr,
    times: &[libc::timespec; 2],
    flags: i32,
) -> SysResult<()> {
    // SAFETY: `times` points at two timespecs, `name` is a valid C string.
    cvt(unsafe { libc::utimensat(dir.as_raw_fd(), name.as_ptr(), times.as_ptr(), flags) }).map(drop)
}

/// `futimens(3)` on an opened (not `O_PATH`) fd.
pub fn futimens(fd: BorrowedFd<'_>, times: &[libc::timespec; 2]) -> SysResult<()> {
    // SAFETY: `times` points at two timespecs; `fd` is live.
    cvt(unsafe { libc::futimens(fd.as_raw_fd(), times.as_ptr()) }).map(drop)
}

/// `fstatfs(2)` (works on `O_PATH` fds).
#[allow(clippy::unnecessary_cast)] // the field types differ between architectures
pub fn fstatfs(fd: BorrowedFd<'_>) -> SysResult<Statfs> {
    let mut st = MaybeUninit::<libc::statfs64>::uninit();
    // SAFETY: `st` is writable storage of the right type.
    cvt(unsafe { libc::fstatfs64(fd.as_raw_fd(), st.as_mut_ptr()) })?;
    // SAFETY: fstatfs succeeded and filled `st`.
    let st = unsafe { st.assume_init_ref() };
    Ok(Statfs {
        typ: st.f_type as i64,
        bsize: st.f_bsize as i64,
        blocks: st.f_blocks,
        bfree: st.f_bfree,
        bavail: st.f_bavail,
        files: st.f_files,
        ffree: st.f_ffree,
        namelen: st.f_namelen as i64,
        frsize: st.f_frsize as i64,
        flags: st.f_flags as i64,
    })
}

/// `fgetxattr(2)` into `buf`; returns the value length.
pub fn fgetxattr(fd: BorrowedFd<'_>, name: &CStr, buf: &mut [u8]) -> SysResult<usize> {
    // SAFETY: `buf` is writable for its length; `name` is a valid C string.
    cvt_size(unsafe {
        libc::fgetxattr(
            fd.as_raw_fd(),
            name.as_ptr(),
            buf.as_mut_ptr().cast(),
            buf.len(),
        )
    })
}

/// `fsetxattr(2)`.
pub fn fsetxattr(fd: BorrowedFd<'_>, name: &CStr, value: &[u8], flags: i32) -> SysResult<()> {
    // SAFETY: `value` is readable for its length; `name` is a valid C string.
    cvt(unsafe {
        libc::fsetxattr(
            fd.as_raw_fd(),
            name.as_ptr(),
            value.as_ptr().cast(),
            value.len(),
            flags,
        )
    })
    .map(drop)
}

/// `flistxattr(2)` into `buf`; returns the list length.
pub fn flistxattr(fd: BorrowedFd<'_>, buf: &mut [u8]) -> SysResult<usize> {
    // SAFETY: `buf` is writable for its length.
    cvt_size(unsafe { libc::flistxattr(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) })
}

/// `fremovexattr(2)`.
pub fn fremovexattr(fd: BorrowedFd<'_>, name: &CStr) -> SysResult<()> {
    // SAFETY: valid C string, live fd.
    cvt(unsafe { libc::fremovexattr(fd.as_raw_fd(), name.as_ptr()) }).map(drop)
}

/// A connected `AF_UNIX`/`SOCK_SEQPACKET` pair, close-on-exec.
pub fn seqpacket_pair() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0 as RawFd; 2];
    // SAFETY: `fds` is writable storage for two ints.
    let r = unsafe {
        libc::socketpair(
            libc::AF_UNIX,
            libc::SOCK_SEQPACKET | libc::SOCK_CLOEXEC,
            0,
            fds.as_mut_ptr(),
        )
    };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: socketpair succeeded, so both fds are new and ours alone.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// Control-message space for `MAX_FDS` descriptors, aligned for `cmsghdr`.
#[repr(C)]
struct CmsgBuf {
    _align: [libc::cmsghdr; 0],
    buf: [u8; 64],
}

/// Send one packet with `fds` attached (at most `proto::MAX_FDS`); retries
/// on EINTR, never raises SIGPIPE.
pub fn send_packet(sock: BorrowedFd<'_>, data: &[u8], fds: &[BorrowedFd<'_>]) -> io::Result<()> {
    let fds: Vec<RawFd> = fds.iter().map(|f| f.as_raw_fd()).collect();
    let fd_bytes = fds.len() * size_of::<RawFd>();
    let mut cbuf = CmsgBuf {
        _align: [],
        buf: [0; 64],
    };
    let mut iov = libc::iovec {
        iov_base: data.as_ptr() as *mut libc::c_void,
        iov_len: data.len(),
    };
    // SAFETY: msghdr is plain old data; all-zero is a valid empty header.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    if !fds.is_empty() {
        // SAFETY: CMSG_SPACE is a pure size computation.
        let space = unsafe { libc::CMSG_SPACE(fd_bytes as u32) } as usize;
        if space > cbuf.buf.len() {
            return Err(io::Error::from_raw_os_error(libc::EINVAL));
        }
        msg.msg_control = cbuf.buf.as_mut_ptr().cast();
        msg.msg_controllen = space as _;
        // SAFETY: msg_control points at `space` bytes of aligned, writable
        // storage, enough for one header carrying `fd_bytes` of data, so the
        // first header and its data area are in bounds.
        unsafe {
            let cmsg = libc::CMSG_FIRSTHDR(&msg);
            (*cmsg).cmsg_level = libc::SOL_SOCKET;
            (*cmsg).cmsg_type = libc::SCM_RIGHTS;
            (*cmsg).cmsg_len = libc::CMSG_LEN(fd_bytes as u32) as _;
            std::ptr::copy_nonoverlapping(
                fds.as_ptr().cast::<u8>(),
                libc::CMSG_DATA(cmsg),
                fd_bytes,
            );
        }
    }
    loop {
        // SAFETY: `msg` points at the live iovec and control buffer above;
        // the kernel only reads them.
        let n = unsafe { libc::sendmsg(sock.as_raw_fd(), &msg, libc::MSG_NOSIGNAL) };
        if n >= 0 {
            return if n as usize == data.len() {
                Ok(())
            } else {
                Err(io::Error::from_raw_os_error(libc::EMSGSIZE))
            };
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

/// One received packet.
#[derive(Debug)]
pub struct Packet {
    /// Bytes received (0 with no fds means the peer closed).
    pub len: usize,
    /// Descriptors that came with it (close-on-exec).
    pub fds: Vec<OwnedFd>,
    /// The packet or its control data did not fit: a protocol error.
    pub truncated: bool,
}

/// Receive one packet into `buf`, taking descriptors only if `want_fds`
/// (otherwise the kernel discards and closes any that were sent).
pub fn recv_packet(sock: BorrowedFd<'_>, buf: &mut [u8], want_fds: bool) -> io::Result<Packet> {
    let mut cbuf = CmsgBuf {
        _align: [],
        buf: [0; 64],
    };
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // SAFETY: msghdr is plain old data; all-zero is a valid empty header.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    if want_fds {
        msg.msg_control = cbuf.buf.as_mut_ptr().cast();
        msg.msg_controllen = cbuf.buf.len() as _;
    }
    let n = loop {
        // SAFETY: `msg` points at the live, writable iovec and control buffer
        // above, with their true lengths.
        let n = unsafe { libc::recvmsg(sock.as_raw_fd(), &mut msg, libc::MSG_CMSG_CLOEXEC) };
        if n >= 0 {
            break n as usize;
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    };
    let mut fds = Vec::new();
    if want_fds && msg.msg_controllen > 0 {
        // SAFETY: the kernel filled `msg_controllen` bytes of the control
        // buffer with well-formed headers; CMSG_FIRSTHDR/NXTHDR stay within
        // it, and each SCM_RIGHTS payload holds `(cmsg_len - CMSG_LEN(0)) / 4`
        // fds that now belong to us. Unaligned reads avoid assuming the
        // data's alignment.
        unsafe {
            let mut cmsg = libc::CMSG_FIRSTHDR(&msg);
            while !cmsg.is_null() {
                if (*cmsg).cmsg_level == libc::SOL_SOCKET && (*cmsg).cmsg_type == libc::SCM_RIGHTS {
                    let data = libc::CMSG_DATA(cmsg);
                    let payload =
                        ((*cmsg).cmsg_len as usize).saturating_sub(libc::CMSG_LEN(0) as usize);
                    for i in 0..payload / size_of::<RawFd>() {
                        let fd = std::ptr::read_unaligned(
                            data.add(i * size_of::<RawFd>()).cast::<RawFd>(),
                        );
                        fds.push(OwnedFd::from_raw_fd(fd));
                    }
                }
                cmsg = libc::CMSG_NXTHDR(&msg, cmsg);
            }
        }
    }
    let truncated = msg.msg_flags & (libc::MSG_TRUNC | libc::MSG_CTRUNC) != 0;
    Ok(Packet {
        len: n,
        fds,
        truncated,
    })
}
