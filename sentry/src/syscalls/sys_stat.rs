//! File metadata: stat, lstat, fstat, newfstatat, statx, access,
//! faccessat, faccessat2, readlink, readlinkat.

use super::sys_file::path_arg;
use super::SyscallArgs;
use crate::abi::file::statx::*;
use crate::abi::file::*;
use crate::abi::{Errno, SysResult};
use crate::kernel::Task;
use crate::vfs::perm::{self, MAY_EXEC, MAY_READ, MAY_WRITE};
use crate::vfs::{resolve, FileDescription, VfsPath};

/// The stat of a path, with the mount's device number.
fn stat_path(p: &VfsPath) -> Result<Stat, Errno> {
    let mut st = p.inode().stat()?;
    st.dev = p.mnt.dev;
    Ok(st)
}

fn stat_file(f: &FileDescription) -> Result<Stat, Errno> {
    match &f.path {
        Some(p) => stat_path(p),
        None => f.ops.stat(),
    }
}

pub(super) fn fstat(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let st = stat_file(&*t.fds.get(a.fd(0))?)?;
    t.copy_out_obj(a.addr(1), &st)?;
    Ok(0)
}

fn stat_common(t: &mut Task, dirfd: i32, addr: u64, buf: u64, flags: u64) -> SysResult {
    let path = path_arg(t, addr)?;
    let st = if path.is_empty() && flags & AT_EMPTY_PATH != 0 {
        if dirfd == AT_FDCWD {
            stat_path(&t.fs.cwd())?
        } else {
            stat_file(&*t.fds.get(dirfd)?)?
        }
    } else {
        let p = resolve::lookup_at(t, dirfd, &path, flags & AT_SYMLINK_NOFOLLOW == 0)?;
        stat_path(&p)?
    };
    t.copy_out_obj(buf, &st)?;
    Ok(0)
}

pub(super) fn stat(t: &mut Task, a: &SyscallArgs) -> SysResult {
    stat_common(t, AT_FDCWD, a.addr(0), a.addr(1), 0)
}

pub(super) fn lstat(t: &mut Task, a: &SyscallArgs) -> SysResult {
    stat_common(t, AT_FDCWD, a.addr(0), a.addr(1), AT_SYMLINK_NOFOLLOW)
}

pub(super) fn newfstatat(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let flags = a.flags(3);
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL.into());
    }
    stat_common(t, a.fd(0), a.addr(1), a.addr(2), flags)
}

fn ts(sec: i64, nsec: i64) -> StatxTimestamp {
    StatxTimestamp {
        sec,
        nsec: nsec as u32,
        reserved: 0,
    }
}

pub(super) fn statx(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (dirfd, addr, flags, mask, buf) = (a.fd(0), a.addr(1), a.flags(2), a.uint(3), a.addr(4));
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH | AT_STATX_SYNC_TYPE) != 0
        || flags & AT_STATX_SYNC_TYPE == AT_STATX_SYNC_TYPE
        || mask & STATX_RESERVED != 0
    {
        return Err(Errno::EINVAL.into());
    }
    let path = path_arg(t, addr)?;
    let (st, mnt_id) = if path.is_empty() && flags & AT_EMPTY_PATH != 0 {
        if dirfd == AT_FDCWD {
            (stat_path(&t.fs.cwd())?, t.fs.cwd().mnt.id)
        } else {
            let f = t.fds.get(dirfd)?;
            (stat_file(&f)?, f.path.as_ref().map_or(0, |p| p.mnt.id))
        }
    } else {
        let p = resolve::lookup_at(t, dirfd, &path, flags & AT_SYMLINK_NOFOLLOW == 0)?;
        (stat_path(&p)?, p.mnt.id)
    };
    let out = Statx {
        mask: STATX_BASIC_STATS | STATX_MNT_ID,
        blksize: st.blksize as u32,
        attributes: 0,
        nlink: st.nlink as u32,
        uid: st.uid,
        gid: st.gid,
        mode: st.mode as u16,
        spare0: 0,
        ino: st.ino,
        size: st.size as u64,
        blocks: st.blocks as u64,
        attributes_mask: 0,
        atime: ts(st.atime, st.atime_nsec),
        btime: StatxTimestamp::default(),
        ctime: ts(st.ctime, st.ctime_nsec),
        mtime: ts(st.mtime, st.mtime_nsec),
        rdev_major: dev::major(st.rdev),
        rdev_minor: dev::minor(st.rdev),
        dev_major: dev::major(st.dev),
        dev_minor: dev::minor(st.dev),
        mnt_id: mnt_id as u64,
        dio_mem_align: 0,
        dio_offset_align: 0,
        spare: [0; 12],
    };
    t.copy_out_obj(buf, &out)?;
    Ok(0)
}

fn access_common(t: &mut Task, dirfd: i32, addr: u64, mode: u32, flags: u64) -> SysResult {
    if mode & !(R_OK | W_OK | X_OK) != 0 {
        return Err(Errno::EINVAL.into());
    }
    if flags & !(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL.into());
    }
    let path = path_arg(t, addr)?;
    let p = resolve::lookup_at_empty(
        t,
        dirfd,
        &path,
        flags & AT_SYMLINK_NOFOLLOW == 0,
        flags & AT_EMPTY_PATH != 0,
    )?;
    if mode == F_OK {
        return Ok(0);
    }
    let st = p.inode().stat()?;
    let mut want = 0;
    if mode & R_OK != 0 {
        want |= MAY_READ;
    }
    if mode & W_OK != 0 {
        want |= MAY_WRITE;
        if p.mnt.read_only && (crate::vfs::is_regular(st.mode) || crate::vfs::is_dir(st.mode)) {
            return Err(Errno::EROFS.into());
        }
    }
    if mode & X_OK != 0 {
        want |= MAY_EXEC;
    }
    perm::check(
        &t.creds,
        flags & AT_EACCESS == 0,
        st.mode,
        st.uid,
        st.gid,
        want,
    )?;
    Ok(0)
}

pub(super) fn access(t: &mut Task, a: &SyscallArgs) -> SysResult {
    access_common(t, AT_FDCWD, a.addr(0), a.uint(1), 0)
}

pub(super) fn faccessat(t: &mut Task, a: &SyscallArgs) -> SysResult {
    access_common(t, a.fd(0), a.addr(1), a.uint(2), 0)
}

pub(super) fn faccessat2(t: &mut Task, a: &SyscallArgs) -> SysResult {
    access_common(t, a.fd(0), a.addr(1), a.uint(2), a.flags(3))
}

fn readlink_common(t: &mut Task, dirfd: i32, addr: u64, buf: u64, size: i32) -> SysResult {
    if size <= 0 {
        return Err(Errno::EINVAL.into());
    }
    let path = path_arg(t, addr)?;
    let p = if path.is_empty() {
        // readlinkat(fd, "") reads the symlink fd itself (O_PATH|O_NOFOLLOW).
        let f = t.fds.get(dirfd).map_err(|_| Errno::ENOENT)?;
        f.path.clone().ok_or(Errno::ENOENT)?
    } else {
        resolve::lookup_at(t, dirfd, &path, false)?
    };
    if !crate::vfs::is_symlink(p.inode().mode()) {
        return Err(if path.is_empty() {
            Errno::ENOENT
        } else {
            Errno::EINVAL
        }
        .into());
    }
    let target = p.inode().readlink(t)?;
    let n = target.len().min(size as usize);
    t.mm.copy_out(buf, &target[..n])?;
    Ok(n as u64)
}

pub(super) fn readlink(t: &mut Task, a: &SyscallArgs) -> SysResult {
    readlink_common(t, AT_FDCWD, a.addr(0), a.addr(1), a.int(2))
}

pub(super) fn readlinkat(t: &mut Task, a: &SyscallArgs) -> SysResult {
    readlink_common(t, a.fd(0), a.addr(1), a.addr(2), a.int(3))
}
