//! Opening, closing and duplicating files, and the namespace operations:
//! open/openat/creat, close/close_range, dup*, fcntl, flock, mkdir, mknod,
//! unlink, rmdir, rename, link, symlink, chdir, getcwd, chmod, chown,
//! truncate, fallocate, utimensat, sync, memfd_create.

use super::SyscallArgs;
use crate::abi::caps::{CAP_CHOWN, CAP_MKNOD, CAP_SYS_CHROOT};
use crate::abi::file::fcntl::*;
use crate::abi::file::*;
use crate::abi::misc::RLIMIT_NOFILE;
use crate::abi::{Errno, SysResult};
use crate::kernel::Task;
use crate::vfs::perm::{self, MAY_EXEC, MAY_READ, MAY_WRITE};
use crate::vfs::resolve::{self, Parent};
use crate::vfs::{
    is_dir, is_symlink, DirFile, FileDescription, FileOps, NewNode, Owner, SetAttr, TimeSpec,
    VfsPath,
};
use std::sync::Arc;

/// Copies a path argument in (ENAMETOOLONG past PATH_MAX).
pub(super) fn path_arg(t: &Task, addr: u64) -> Result<Vec<u8>, Errno> {
    t.mm.copy_in_cstr(addr, PATH_MAX)
}

/// EROFS when the path's mount is read-only.
pub(super) fn writable_mount(p: &VfsPath) -> Result<(), Errno> {
    if p.mnt.read_only {
        Err(Errno::EROFS)
    } else {
        Ok(())
    }
}

/// Write and search permission on a directory, to add or remove entries.
fn may_modify_dir(t: &Task, dir: &VfsPath) -> Result<(), Errno> {
    let st = dir.inode().stat()?;
    perm::check(
        &t.creds,
        false,
        st.mode,
        st.uid,
        st.gid,
        MAY_WRITE | MAY_EXEC,
    )
}

/// Permission to remove `name` (an existing entry) from `dir`.
fn may_delete(t: &Task, dir: &VfsPath, child: &VfsPath) -> Result<(), Errno> {
    may_modify_dir(t, dir)?;
    let ds = dir.inode().stat()?;
    let cs = child.inode().stat()?;
    if !perm::sticky_ok(&t.creds, ds.mode, ds.uid, cs.uid) {
        return Err(Errno::EPERM);
    }
    Ok(())
}

fn owner_of(t: &Task) -> Owner {
    Owner {
        uid: t.creds.euid,
        gid: t.creds.egid,
    }
}

/// Resolves the parent of a path for a create-like call and rejects the
/// names that cannot be created ("", ".", "..") with `dot_err`.
fn create_parent(t: &Task, dirfd: i32, path: &[u8], dot_err: Errno) -> Result<Parent, Errno> {
    let p = resolve::lookup_parent_at(t, dirfd, path)?;
    if p.name.is_empty() || p.name == b"." || p.name == b".." {
        return Err(dot_err);
    }
    Ok(p)
}

/// An O_PATH descriptor: only metadata.
struct PathFile(VfsPath);

impl FileOps for PathFile {
    fn stat(&self) -> Result<Stat, Errno> {
        self.0.inode().stat()
    }
}

/// Opens an already-resolved path with `flags`.
pub(super) fn open_path(
    t: &Task,
    p: VfsPath,
    flags: u32,
    created: bool,
) -> Result<Arc<FileDescription>, Errno> {
    let mode = p.inode().mode();
    let acc = flags & O_ACCMODE;
    let write = acc == O_WRONLY || acc == O_RDWR;
    if flags & O_PATH != 0 {
        if flags & O_DIRECTORY != 0 && !is_dir(mode) {
            return Err(Errno::ENOTDIR);
        }
        let keep = flags & O_PATH_KEEP & !O_CLOEXEC;
        return Ok(FileDescription::new(
            Box::new(PathFile(p.clone())),
            Some(p),
            keep,
        ));
    }
    if flags & O_DIRECTORY != 0 && !is_dir(mode) {
        return Err(Errno::ENOTDIR);
    }
    if is_symlink(mode) {
        return Err(Errno::ELOOP);
    }
    if is_dir(mode) && (write || flags & (O_CREAT | O_TRUNC) != 0 && acc != O_RDONLY) {
        return Err(Errno::EISDIR);
    }
    if is_dir(mode) && flags & O_CREAT != 0 {
        return Err(Errno::EISDIR);
    }
    if !created {
        let st = p.inode().stat()?;
        let mut want = 0;
        if acc == O_RDONLY || acc == O_RDWR {
            want |= MAY_READ;
        }
        if write || flags & O_TRUNC != 0 {
            want |= MAY_WRITE;
        }
        perm::check(&t.creds, false, st.mode, st.uid, st.gid, want)?;
    }
    let is_reg = crate::vfs::is_regular(mode);
    if (write || flags & O_TRUNC != 0) && (is_reg || is_dir(mode)) {
        writable_mount(&p)?;
    }
    if matches!(mode & S_IFMT, S_IFCHR | S_IFBLK) && p.mnt.nodev() {
        return Err(Errno::EACCES);
    }
    let ops: Box<dyn FileOps> = if is_dir(mode) {
        let parent = resolve::parent_path(t, &p);
        let pino = parent.inode().stat().map(|s| s.ino).unwrap_or(0);
        Box::new(DirFile::new(p.inode().clone(), pino))
    } else {
        p.inode().open(t, flags)?
    };
    if flags & O_TRUNC != 0 && is_reg && !created {
        p.inode().setattr(&SetAttr {
            size: Some(0),
            ..SetAttr::default()
        })?;
    }
    let keep = flags & !(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC) | O_LARGEFILE;
    Ok(FileDescription::new(ops, Some(p), keep))
}

/// The open-or-create walk of openat(2).
pub(super) fn do_open(
    t: &Task,
    dirfd: i32,
    path: &[u8],
    flags: u32,
    mode: u32,
) -> Result<Arc<FileDescription>, Errno> {
    if flags & O_TMPFILE == O_TMPFILE {
        return Err(Errno::EOPNOTSUPP);
    }
    if flags & (O_CREAT | O_DIRECTORY) == O_CREAT | O_DIRECTORY {
        return Err(Errno::EINVAL);
    }
    let follow = flags & O_NOFOLLOW == 0;
    if flags & O_CREAT == 0 || flags & O_PATH != 0 {
        let p = resolve::lookup_at(t, dirfd, path, follow)?;
        return open_path(t, p, flags, false);
    }
    let mut parent = resolve::lookup_parent_at(t, dirfd, path)?;
    if parent.name.is_empty() || parent.name == b"." || parent.name == b".." {
        return Err(Errno::EISDIR);
    }
    for _ in 0..MAXSYMLINKS {
        match resolve::step(t, &parent.dir, &parent.name) {
            Ok(child) => {
                if flags & O_EXCL != 0 {
                    return Err(Errno::EEXIST);
                }
                if is_symlink(child.inode().mode()) {
                    if !follow {
                        return Err(Errno::ELOOP);
                    }
                    let mut links = 0;
                    match resolve::follow_link(t, &parent.dir, &child, &mut links) {
                        Ok(p) => return open_path(t, p, flags, false),
                        Err(Errno::ENOENT) => {
                            parent = resolve::creat_target(t, &parent.dir, &child)?;
                            if parent.name.is_empty() {
                                return Err(Errno::EISDIR);
                            }
                            continue;
                        }
                        Err(e) => return Err(e),
                    }
                }
                if parent.trailing && !is_dir(child.inode().mode()) {
                    return Err(Errno::ENOTDIR);
                }
                return open_path(t, child, flags, false);
            }
            Err(Errno::ENOENT) => {
                if parent.trailing {
                    return Err(Errno::EISDIR);
                }
                writable_mount(&parent.dir)?;
                may_modify_dir(t, &parent.dir)?;
                let perm_bits = mode & S_IALLUGO & !t.umask;
                let inode = parent.dir.inode().create(
                    &parent.name,
                    NewNode::Regular,
                    perm_bits,
                    owner_of(t),
                )?;
                let d = parent.dir.dentry.insert_child(&parent.name, inode);
                let p = VfsPath {
                    mnt: parent.dir.mnt.clone(),
                    dentry: d,
                };
                return open_path(t, p, flags, true);
            }
            Err(e) => return Err(e),
        }
    }
    Err(Errno::ELOOP)
}

fn install(t: &mut Task, file: Arc<FileDescription>, cloexec: bool) -> SysResult {
    let limit = t.rlimits[RLIMIT_NOFILE].cur;
    Ok(t.fds.install(file, cloexec, 0, limit)? as u64)
}

fn openat_common(t: &mut Task, dirfd: i32, addr: u64, flags: u32, mode: u32) -> SysResult {
    let path = path_arg(t, addr)?;
    let file = do_open(t, dirfd, &path, flags, mode)?;
    install(t, file, flags & O_CLOEXEC != 0)
}

pub(super) fn open(t: &mut Task, a: &SyscallArgs) -> SysResult {
    openat_common(t, AT_FDCWD, a.addr(0), a.uint(1), a.uint(2))
}

pub(super) fn openat(t: &mut Task, a: &SyscallArgs) -> SysResult {
    openat_common(t, a.fd(0), a.addr(1), a.uint(2), a.uint(3))
}

pub(super) fn creat(t: &mut Task, a: &SyscallArgs) -> SysResult {
    openat_common(
        t,
        AT_FDCWD,
        a.addr(0),
        O_CREAT | O_WRONLY | O_TRUNC,
        a.uint(1),
    )
}

pub(super) fn close(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = t.fds.close(a.fd(0))?;
    super::sys_lock::release(&file, t.tgid);
    Ok(0)
}

pub(super) fn close_range(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (first, last, flags) = (a.uint(0), a.uint(1), a.uint(2));
    if flags & !(CLOSE_RANGE_CLOEXEC | CLOSE_RANGE_UNSHARE) != 0 || first > last {
        return Err(Errno::EINVAL.into());
    }
    t.fds
        .close_range(first, last, flags & CLOSE_RANGE_CLOEXEC != 0);
    Ok(0)
}

pub(super) fn dup(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = t.fds.get(a.fd(0))?.clone();
    install(t, file, false)
}

fn dup_to(t: &mut Task, old: i32, new: i32, cloexec: bool) -> SysResult {
    let file = t.fds.get(old)?.clone();
    let limit = t.rlimits[RLIMIT_NOFILE]
        .cur
        .min(crate::vfs::fdtable::NR_OPEN as u64);
    if new < 0 || new as u64 >= limit {
        return Err(Errno::EBADF.into());
    }
    t.fds.install_at(new as usize, file, cloexec);
    Ok(new as u64)
}

pub(super) fn dup2(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (old, new) = (a.fd(0), a.fd(1));
    if old == new {
        t.fds.get(old)?;
        return Ok(new as u64);
    }
    dup_to(t, old, new, false)
}

pub(super) fn dup3(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (old, new, flags) = (a.fd(0), a.fd(1), a.uint(2));
    if flags & !O_CLOEXEC != 0 || old == new {
        return Err(Errno::EINVAL.into());
    }
    dup_to(t, old, new, flags & O_CLOEXEC != 0)
}

pub(super) fn fcntl(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (fd, cmd, arg) = (a.fd(0), a.int(1), a.raw(2));
    let entry = t.fds.entry(fd)?.clone();
    let file = entry.file;
    match cmd {
        F_DUPFD | F_DUPFD_CLOEXEC => {
            let limit = t.rlimits[RLIMIT_NOFILE].cur;
            let min = arg as i32;
            if min < 0 || min as u64 >= limit {
                return Err(Errno::EINVAL.into());
            }
            Ok(t.fds
                .install(file, cmd == F_DUPFD_CLOEXEC, min as usize, limit)? as u64)
        }
        F_GETFD => Ok(if entry.cloexec { FD_CLOEXEC } else { 0 }),
        F_SETFD => {
            t.fds.set_cloexec(fd, arg & FD_CLOEXEC != 0)?;
            Ok(0)
        }
        F_GETFL => Ok(file.flags() as u64),
        F_SETFL => {
            if file.is_path() {
                return Err(Errno::EBADF.into());
            }
            file.set_flags(SETFL_MASK, arg as u32);
            Ok(0)
        }
        F_GETLK | F_SETLK | F_SETLKW | F_OFD_GETLK | F_OFD_SETLK | F_OFD_SETLKW => {
            super::sys_lock::fcntl_lock(t, &file, cmd, a.addr(2))
        }
        F_GETOWN | F_GETSIG | F_GETLEASE => Ok(0),
        F_SETOWN | F_SETSIG => Ok(0),
        F_SETLEASE | F_NOTIFY | F_GETOWN_EX | F_SETOWN_EX => Err(Errno::EINVAL.into()),
        F_GETPIPE_SZ => Ok(file.ops.pipe().ok_or(Errno::EBADF)?.capacity() as u64),
        F_SETPIPE_SZ => Ok(file
            .ops
            .pipe()
            .ok_or(Errno::EBADF)?
            .set_capacity(arg as u32 as u64)? as u64),
        F_GET_SEALS => Ok(file.ops.seals()? as u64),
        F_ADD_SEALS => {
            if !file.writable() {
                return Err(Errno::EPERM.into());
            }
            file.ops.add_seals(arg as u32)?;
            Ok(0)
        }
        _ => Err(Errno::EINVAL.into()),
    }
}

pub(super) fn flock(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = t.fds.get(a.fd(0))?.clone();
    super::sys_lock::flock(t, &file, a.int(1))
}

fn mknod_common(t: &mut Task, dirfd: i32, addr: u64, mode: u32, dev: u64) -> SysResult {
    let path = path_arg(t, addr)?;
    let kind = match mode & S_IFMT {
        0 | S_IFREG => NewNode::Regular,
        S_IFIFO => NewNode::Fifo,
        S_IFSOCK => NewNode::Socket,
        S_IFCHR => {
            if !t.creds.capable(CAP_MKNOD) {
                return Err(Errno::EPERM.into());
            }
            NewNode::CharDev(dev)
        }
        S_IFBLK => return Err(Errno::EPERM.into()),
        S_IFDIR => return Err(Errno::EPERM.into()),
        _ => return Err(Errno::EINVAL.into()),
    };
    let p = create_parent(t, dirfd, &path, Errno::EEXIST)?;
    create_in(t, &p, kind, mode & S_IALLUGO & !t.umask)?;
    Ok(0)
}

/// Creates `p.name` in `p.dir` after the checks every create makes.
fn create_in(t: &Task, p: &Parent, kind: NewNode<'_>, mode: u32) -> Result<(), Errno> {
    match resolve::step(t, &p.dir, &p.name) {
        Ok(_) => return Err(Errno::EEXIST),
        Err(Errno::ENOENT) => {}
        Err(e) => return Err(e),
    }
    if p.trailing && kind != NewNode::Dir {
        return Err(Errno::ENOENT);
    }
    writable_mount(&p.dir)?;
    may_modify_dir(t, &p.dir)?;
    let inode = p.dir.inode().create(&p.name, kind, mode, owner_of(t))?;
    p.dir.dentry.insert_child(&p.name, inode);
    Ok(())
}

pub(super) fn mknod(t: &mut Task, a: &SyscallArgs) -> SysResult {
    mknod_common(t, AT_FDCWD, a.addr(0), a.uint(1), a.uint(2) as u64)
}

pub(super) fn mknodat(t: &mut Task, a: &SyscallArgs) -> SysResult {
    mknod_common(t, a.fd(0), a.addr(1), a.uint(2), a.uint(3) as u64)
}

fn mkdir_common(t: &mut Task, dirfd: i32, addr: u64, mode: u32) -> SysResult {
    let path = path_arg(t, addr)?;
    let p = create_parent(t, dirfd, &path, Errno::EEXIST)?;
    create_in(t, &p, NewNode::Dir, mode & S_IALLUGO & !t.umask & !S_IFMT)?;
    Ok(0)
}

pub(super) fn mkdir(t: &mut Task, a: &SyscallArgs) -> SysResult {
    mkdir_common(t, AT_FDCWD, a.addr(0), a.uint(1))
}

pub(super) fn mkdirat(t: &mut Task, a: &SyscallArgs) -> SysResult {
    mkdir_common(t, a.fd(0), a.addr(1), a.uint(2))
}

fn symlink_common(t: &mut Task, target_addr: u64, dirfd: i32, addr: u64) -> SysResult {
    let target = path_arg(t, target_addr)?;
    let path = path_arg(t, addr)?;
    if target.is_empty() {
        return Err(Errno::ENOENT.into());
    }
    let p = create_parent(t, dirfd, &path, Errno::EEXIST)?;
    create_in(t, &p, NewNode::Symlink(&target), 0o777)?;
    Ok(0)
}

pub(super) fn symlink(t: &mut Task, a: &SyscallArgs) -> SysResult {
    symlink_common(t, a.addr(0), AT_FDCWD, a.addr(1))
}

pub(super) fn symlinkat(t: &mut Task, a: &SyscallArgs) -> SysResult {
    symlink_common(t, a.addr(0), a.fd(1), a.addr(2))
}

fn unlink_common(t: &mut Task, dirfd: i32, addr: u64, rmdir: bool) -> SysResult {
    let path = path_arg(t, addr)?;
    let p = resolve::lookup_parent_at(t, dirfd, &path)?;
    if rmdir {
        match p.name.as_slice() {
            b"." => return Err(Errno::EINVAL.into()),
            b".." => return Err(Errno::ENOTEMPTY.into()),
            b"" => return Err(Errno::EBUSY.into()),
            _ => {}
        }
    } else if p.name.is_empty() || p.name == b"." || p.name == b".." {
        return Err(Errno::EISDIR.into());
    }
    let child = resolve::step(t, &p.dir, &p.name)?;
    if !rmdir && p.trailing && !is_dir(child.inode().mode()) {
        return Err(Errno::ENOTDIR.into());
    }
    if child.dentry.is_mountpoint() || Arc::ptr_eq(&child.dentry, &child.mnt.root) {
        return Err(Errno::EBUSY.into());
    }
    writable_mount(&p.dir)?;
    may_delete(t, &p.dir, &child)?;
    p.dir.inode().unlink(&p.name, rmdir)?;
    p.dir.dentry.remove_child(&p.name);
    Ok(0)
}

pub(super) fn unlink(t: &mut Task, a: &SyscallArgs) -> SysResult {
    unlink_common(t, AT_FDCWD, a.addr(0), false)
}

pub(super) fn rmdir(t: &mut Task, a: &SyscallArgs) -> SysResult {
    unlink_common(t, AT_FDCWD, a.addr(0), true)
}

pub(super) fn unlinkat(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let flags = a.flags(2);
    if flags & !AT_REMOVEDIR != 0 {
        return Err(Errno::EINVAL.into());
    }
    unlink_common(t, a.fd(0), a.addr(1), flags & AT_REMOVEDIR != 0)
}

fn is_ancestor(anc: &VfsPath, p: &VfsPath) -> bool {
    if !Arc::ptr_eq(&anc.mnt, &p.mnt) {
        return false;
    }
    let mut cur = Some(p.dentry.clone());
    while let Some(d) = cur {
        if Arc::ptr_eq(&d, &anc.dentry) {
            return true;
        }
        cur = d.parent();
    }
    false
}

fn rename_common(
    t: &mut Task,
    olddirfd: i32,
    oldaddr: u64,
    newdirfd: i32,
    newaddr: u64,
    flags: u32,
) -> SysResult {
    if flags & !(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT) != 0
        || flags & RENAME_NOREPLACE != 0 && flags & RENAME_EXCHANGE != 0
        || flags & RENAME_WHITEOUT != 0 && flags & RENAME_EXCHANGE != 0
    {
        return Err(Errno::EINVAL.into());
    }
    if flags & RENAME_WHITEOUT != 0 {
        return Err(Errno::EINVAL.into());
    }
    let oldpath = path_arg(t, oldaddr)?;
    let newpath = path_arg(t, newaddr)?;
    let op = resolve::lookup_parent_at(t, olddirfd, &oldpath)?;
    let np = resolve::lookup_parent_at(t, newdirfd, &newpath)?;
    for n in [&op.name, &np.name] {
        if n.is_empty() || n.as_slice() == b"." || n.as_slice() == b".." {
            return Err(Errno::EBUSY.into());
        }
    }
    let src = resolve::step(t, &op.dir, &op.name)?;
    if !Arc::ptr_eq(&op.dir.mnt, &np.dir.mnt) {
        return Err(Errno::EXDEV.into());
    }
    let dst = match resolve::step(t, &np.dir, &np.name) {
        Ok(d) => Some(d),
        Err(Errno::ENOENT) => None,
        Err(e) => return Err(e.into()),
    };
    let src_dir = is_dir(src.inode().mode());
    if (op.trailing || np.trailing) && !src_dir {
        return Err(Errno::ENOTDIR.into());
    }
    if let Some(d) = &dst {
        if Arc::ptr_eq(d.inode(), src.inode()) && flags & RENAME_EXCHANGE == 0 {
            return Ok(0);
        }
        if d.dentry.is_mountpoint() {
            return Err(Errno::EBUSY.into());
        }
    }
    if src.dentry.is_mountpoint() {
        return Err(Errno::EBUSY.into());
    }
    // A directory cannot move under itself.
    if src_dir && is_ancestor(&src, &np.dir) {
        return Err(Errno::EINVAL.into());
    }
    if flags & RENAME_EXCHANGE != 0 {
        if let Some(d) = &dst {
            if is_dir(d.inode().mode()) && is_ancestor(d, &op.dir) {
                return Err(Errno::EINVAL.into());
            }
        }
    } else if let Some(d) = &dst {
        if is_ancestor(d, &op.dir) {
            return Err(Errno::ENOTEMPTY.into());
        }
    }
    writable_mount(&op.dir)?;
    may_delete(t, &op.dir, &src)?;
    match &dst {
        Some(d) => may_delete(t, &np.dir, d)?,
        None => may_modify_dir(t, &np.dir)?,
    }
    op.dir
        .inode()
        .rename(&op.name, np.dir.inode(), &np.name, flags)?;
    op.dir.dentry.move_child(
        &op.name,
        &np.dir.dentry,
        &np.name,
        flags & RENAME_EXCHANGE != 0,
    );
    Ok(0)
}

pub(super) fn rename(t: &mut Task, a: &SyscallArgs) -> SysResult {
    rename_common(t, AT_FDCWD, a.addr(0), AT_FDCWD, a.addr(1), 0)
}

pub(super) fn renameat(t: &mut Task, a: &SyscallArgs) -> SysResult {
    rename_common(t, a.fd(0), a.addr(1), a.fd(2), a.addr(3), 0)
}

pub(super) fn renameat2(t: &mut Task, a: &SyscallArgs) -> SysResult {
    rename_common(t, a.fd(0), a.addr(1), a.fd(2), a.addr(3), a.uint(4))
}

fn link_common(
    t: &mut Task,
    olddirfd: i32,
    oldaddr: u64,
    newdirfd: i32,
    newaddr: u64,
    flags: u64,
) -> SysResult {
    if flags & !(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL.into());
    }
    let oldpath = path_arg(t, oldaddr)?;
    let newpath = path_arg(t, newaddr)?;
    let target = resolve::lookup_at_empty(
        t,
        olddirfd,
        &oldpath,
        flags & AT_SYMLINK_FOLLOW != 0,
        flags & AT_EMPTY_PATH != 0,
    )?;
    let p = create_parent(t, newdirfd, &newpath, Errno::EEXIST)?;
    if is_dir(target.inode().mode()) {
        return Err(Errno::EPERM.into());
    }
    match resolve::step(t, &p.dir, &p.name) {
        Ok(_) => return Err(Errno::EEXIST.into()),
        Err(Errno::ENOENT) => {}
        Err(e) => return Err(e.into()),
    }
    if !Arc::ptr_eq(&target.mnt, &p.dir.mnt) {
        return Err(Errno::EXDEV.into());
    }
    if p.trailing {
        return Err(Errno::ENOENT.into());
    }
    writable_mount(&p.dir)?;
    may_modify_dir(t, &p.dir)?;
    p.dir.inode().link(&p.name, target.inode())?;
    p.dir.dentry.insert_child(&p.name, target.inode().clone());
    Ok(0)
}

pub(super) fn link(t: &mut Task, a: &SyscallArgs) -> SysResult {
    link_common(t, AT_FDCWD, a.addr(0), AT_FDCWD, a.addr(1), 0)
}

pub(super) fn linkat(t: &mut Task, a: &SyscallArgs) -> SysResult {
    link_common(t, a.fd(0), a.addr(1), a.fd(2), a.addr(3), a.flags(4))
}

pub(super) fn chdir(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let path = path_arg(t, a.addr(0))?;
    let p = resolve::lookup_at(t, AT_FDCWD, &path, true)?;
    if !is_dir(p.inode().mode()) {
        return Err(Errno::ENOTDIR.into());
    }
    resolve::may_search(t, &p)?;
    t.fs.set_cwd(p);
    Ok(0)
}

pub(super) fn fchdir(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = t.fds.get(a.fd(0))?;
    let p = file.path.clone().ok_or(Errno::ENOTDIR)?;
    if !is_dir(p.inode().mode()) {
        return Err(Errno::ENOTDIR.into());
    }
    resolve::may_search(t, &p)?;
    t.fs.set_cwd(p);
    Ok(0)
}

pub(super) fn chroot(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let path = path_arg(t, a.addr(0))?;
    let p = resolve::lookup_at(t, AT_FDCWD, &path, true)?;
    if !is_dir(p.inode().mode()) {
        return Err(Errno::ENOTDIR.into());
    }
    if !t.creds.capable(CAP_SYS_CHROOT) {
        return Err(Errno::EPERM.into());
    }
    t.fs.set_root(p);
    Ok(0)
}

pub(super) fn getcwd(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let cwd = &t.fs.cwd();
    if cwd.dentry.is_deleted() {
        return Err(Errno::ENOENT.into());
    }
    let mut name = cwd.name_from(&t.fs.root());
    name.push(0);
    if (a.size(1) as usize) < name.len() {
        return Err(Errno::ERANGE.into());
    }
    t.mm.copy_out(a.addr(0), &name)?;
    Ok(name.len() as u64)
}

fn setattr_path(t: &Task, p: &VfsPath, attr: &SetAttr) -> Result<(), Errno> {
    writable_mount(p)?;
    p.inode().setattr(attr)?;
    let _ = t;
    Ok(())
}

fn chmod_on(t: &Task, p: &VfsPath, mode: u32) -> SysResult {
    let st = p.inode().stat()?;
    if !perm::owner_ok(&t.creds, st.uid) {
        return Err(Errno::EPERM.into());
    }
    let mut mode = mode & S_IALLUGO;
    if !perm::in_group_or_fsetid(&t.creds, st.gid) {
        mode &= !S_ISGID;
    }
    setattr_path(
        t,
        p,
        &SetAttr {
            mode: Some(mode),
            ..SetAttr::default()
        },
    )?;
    Ok(0)
}

pub(super) fn chmod(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let path = path_arg(t, a.addr(0))?;
    let p = resolve::lookup_at(t, AT_FDCWD, &path, true)?;
    chmod_on(t, &p, a.uint(1))
}

pub(super) fn fchmod(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = t.fds.get(a.fd(0))?.clone();
    if file.is_path() {
        return Err(Errno::EBADF.into());
    }
    let p = file.path.clone().ok_or(Errno::EPERM)?;
    chmod_on(t, &p, a.uint(1))
}

pub(super) fn fchmodat(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let path = path_arg(t, a.addr(1))?;
    let p = resolve::lookup_at(t, a.fd(0), &path, true)?;
    chmod_on(t, &p, a.uint(2))
}

fn chown_on(t: &Task, p: &VfsPath, uid: u32, gid: u32) -> SysResult {
    let st = p.inode().stat()?;
    let uid = (uid != u32::MAX).then_some(uid);
    let gid = (gid != u32::MAX).then_some(gid);
    let c = &t.creds;
    let owner = st.uid == c.euid;
    let may_chown = c.capable(CAP_CHOWN);
    // Linux's chown_ok and chgrp_ok: the owner may "change" the owner to
    // itself and the group to its own or one of its groups; CAP_CHOWN
    // may do anything.
    let uid_ok = |u: u32| may_chown || (owner && u == st.uid);
    let gid_ok = |g: u32| may_chown || (owner && (g == st.gid || c.in_group(g)));
    if uid.is_some_and(|u| !uid_ok(u)) || gid.is_some_and(|g| !gid_ok(g)) {
        return Err(Errno::EPERM.into());
    }
    let mut attr = SetAttr {
        uid,
        gid,
        ..SetAttr::default()
    };
    // chown of a non-directory clears set-user-ID, and set-group-ID when
    // the group may execute or the caller is neither in the file's group
    // nor holds CAP_FSETID, even with both ids -1 and even for root.
    if !is_dir(st.mode) {
        let mut m = st.mode & S_IALLUGO;
        m &= !S_ISUID;
        if m & S_IXGRP != 0 || !perm::in_group_or_fsetid(c, st.gid) {
            m &= !S_ISGID;
        }
        if m != st.mode & S_IALLUGO {
            attr.mode = Some(m);
        }
    }
    setattr_path(t, p, &attr)?;
    Ok(0)
}

pub(super) fn chown(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let path = path_arg(t, a.addr(0))?;
    let p = resolve::lookup_at(t, AT_FDCWD, &path, true)?;
    chown_on(t, &p, a.uint(1), a.uint(2))
}

pub(super) fn lchown(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let path = path_arg(t, a.addr(0))?;
    let p = resolve::lookup_at(t, AT_FDCWD, &path, false)?;
    chown_on(t, &p, a.uint(1), a.uint(2))
}

pub(super) fn fchown(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = t.fds.get(a.fd(0))?.clone();
    if file.is_path() {
        return Err(Errno::EBADF.into());
    }
    let p = file.path.clone().ok_or(Errno::EPERM)?;
    chown_on(t, &p, a.uint(1), a.uint(2))
}

pub(super) fn fchownat(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let flags = a.flags(4);
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL.into());
    }
    let path = path_arg(t, a.addr(1))?;
    let p = resolve::lookup_at_empty(
        t,
        a.fd(0),
        &path,
        flags & AT_SYMLINK_NOFOLLOW == 0,
        flags & AT_EMPTY_PATH != 0,
    )?;
    chown_on(t, &p, a.uint(2), a.uint(3))
}

fn truncate_path(t: &Task, p: &VfsPath, len: i64) -> SysResult {
    if len < 0 {
        return Err(Errno::EINVAL.into());
    }
    let mode = p.inode().mode();
    if is_dir(mode) {
        return Err(Errno::EISDIR.into());
    }
    if !crate::vfs::is_regular(mode) {
        return Err(Errno::EINVAL.into());
    }
    let st = p.inode().stat()?;
    perm::check(&t.creds, false, st.mode, st.uid, st.gid, MAY_WRITE)?;
    setattr_path(
        t,
        p,
        &SetAttr {
            size: Some(len as u64),
            ..SetAttr::default()
        },
    )?;
    Ok(0)
}

pub(super) fn truncate(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let path = path_arg(t, a.addr(0))?;
    let p = resolve::lookup_at(t, AT_FDCWD, &path, true)?;
    truncate_path(t, &p, a.long(1))
}

pub(super) fn ftruncate(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = t.fds.get(a.fd(0))?.clone();
    let len = a.long(1);
    if len < 0 {
        return Err(Errno::EINVAL.into());
    }
    if !file.writable() {
        return Err(Errno::EINVAL.into());
    }
    if let Some(p) = &file.path {
        if is_dir(p.inode().mode()) || !crate::vfs::is_regular(p.inode().mode()) {
            return Err(Errno::EINVAL.into());
        }
    }
    file.ops.truncate(len as u64)?;
    Ok(0)
}

pub(super) fn fallocate(t: &mut Task, a: &SyscallArgs) -> SysResult {
    use crate::abi::file::falloc::*;
    let file = t.fds.get(a.fd(0))?.clone();
    let (mode, off, len) = (a.int(1), a.long(2), a.long(3));
    if off < 0 || len <= 0 {
        return Err(Errno::EINVAL.into());
    }
    if mode & !FALLOC_FL_KEEP_SIZE != 0 {
        return Err(Errno::EOPNOTSUPP.into());
    }
    if !file.writable() {
        return Err(Errno::EBADF.into());
    }
    if let Some(p) = &file.path {
        let m = p.inode().mode();
        if is_dir(m) {
            return Err(Errno::EISDIR.into());
        }
        if !crate::vfs::is_regular(m) {
            return Err(Errno::ENODEV.into());
        }
    } else {
        return Err(Errno::ESPIPE.into());
    }
    file.ops
        .allocate(off as u64, len as u64, mode & FALLOC_FL_KEEP_SIZE != 0)?;
    Ok(0)
}

/// Reads a guest timespec pair for utimensat (None = both "now").
fn times_arg(t: &Task, addr: u64) -> Result<[Option<TimeSpec>; 2], Errno> {
    if addr == 0 {
        return Ok([Some(TimeSpec::Now), Some(TimeSpec::Now)]);
    }
    let raw: [i64; 4] = t.copy_in_obj(addr)?;
    let mut out = [None, None];
    for i in 0..2 {
        let (sec, nsec) = (raw[2 * i], raw[2 * i + 1]);
        out[i] = match nsec {
            UTIME_NOW => Some(TimeSpec::Now),
            UTIME_OMIT => None,
            n if (0..1_000_000_000).contains(&n) => Some(TimeSpec::At(sec, n)),
            _ => return Err(Errno::EINVAL),
        };
    }
    Ok(out)
}

fn utimes_on(t: &Task, p: &VfsPath, times: [Option<TimeSpec>; 2]) -> SysResult {
    if times.iter().all(|x| x.is_none()) {
        return Ok(0);
    }
    let st = p.inode().stat()?;
    let explicit = times.iter().any(|x| matches!(x, Some(TimeSpec::At(..))));
    if !perm::owner_ok(&t.creds, st.uid) {
        if explicit {
            return Err(Errno::EPERM.into());
        }
        perm::check(&t.creds, false, st.mode, st.uid, st.gid, MAY_WRITE)?;
    }
    setattr_path(
        t,
        p,
        &SetAttr {
            atime: times[0],
            mtime: times[1],
            ..SetAttr::default()
        },
    )?;
    Ok(0)
}

pub(super) fn utimensat(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (dirfd, addr, flags) = (a.fd(0), a.addr(1), a.flags(3));
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL.into());
    }
    let times = times_arg(t, a.addr(2))?;
    let p = if addr == 0 {
        // futimens: the fd itself.
        if dirfd == AT_FDCWD {
            return Err(Errno::EFAULT.into());
        }
        t.fds.get(dirfd)?.path.clone().ok_or(Errno::EPERM)?
    } else {
        let path = path_arg(t, addr)?;
        resolve::lookup_at_empty(
            t,
            dirfd,
            &path,
            flags & AT_SYMLINK_NOFOLLOW == 0,
            flags & AT_EMPTY_PATH != 0,
        )?
    };
    utimes_on(t, &p, times)
}

/// utimes/futimesat: struct timeval pairs.
fn timeval_times(t: &Task, addr: u64) -> Result<[Option<TimeSpec>; 2], Errno> {
    if addr == 0 {
        return Ok([Some(TimeSpec::Now), Some(TimeSpec::Now)]);
    }
    let raw: [i64; 4] = t.copy_in_obj(addr)?;
    let mut out = [None, None];
    for i in 0..2 {
        let (sec, usec) = (raw[2 * i], raw[2 * i + 1]);
        if !(0..1_000_000).contains(&usec) {
            return Err(Errno::EINVAL);
        }
        out[i] = Some(TimeSpec::At(sec, usec * 1000));
    }
    Ok(out)
}

pub(super) fn utimes(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let path = path_arg(t, a.addr(0))?;
    let times = timeval_times(t, a.addr(1))?;
    let p = resolve::lookup_at(t, AT_FDCWD, &path, true)?;
    utimes_on(t, &p, times)
}

pub(super) fn futimesat(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let path = path_arg(t, a.addr(1))?;
    let times = timeval_times(t, a.addr(2))?;
    let p = resolve::lookup_at(t, a.fd(0), &path, true)?;
    utimes_on(t, &p, times)
}

pub(super) fn utime(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let path = path_arg(t, a.addr(0))?;
    let times = if a.addr(1) == 0 {
        [Some(TimeSpec::Now), Some(TimeSpec::Now)]
    } else {
        let raw: [i64; 2] = t.copy_in_obj(a.addr(1))?;
        [Some(TimeSpec::At(raw[0], 0)), Some(TimeSpec::At(raw[1], 0))]
    };
    let p = resolve::lookup_at(t, AT_FDCWD, &path, true)?;
    utimes_on(t, &p, times)
}

pub(super) fn fsync(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = t.fds.get(a.fd(0))?;
    if file.is_path() {
        return Err(Errno::EBADF.into());
    }
    // Only filesystem files have an fsync; pipes, sockets and devices
    // say EINVAL.
    let mode = file.ops.stat()?.mode;
    if crate::vfs::is_regular(mode) || is_dir(mode) || is_symlink(mode) {
        Ok(0)
    } else {
        Err(Errno::EINVAL.into())
    }
}

pub(super) fn sync(_t: &mut Task, _a: &SyscallArgs) -> SysResult {
    Ok(0)
}

pub(super) fn syncfs(t: &mut Task, a: &SyscallArgs) -> SysResult {
    t.fds.get(a.fd(0))?;
    Ok(0)
}

pub(super) fn sync_file_range(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = t.fds.get(a.fd(0))?;
    if a.long(1) < 0 || a.long(2) < 0 || a.uint(3) & !7 != 0 {
        return Err(Errno::EINVAL.into());
    }
    if file.is_path() {
        return Err(Errno::EBADF.into());
    }
    Ok(0)
}

pub(super) fn memfd_create(t: &mut Task, a: &SyscallArgs) -> SysResult {
    use crate::abi::file::memfd::*;
    let flags = a.uint(1);
    if flags & !(MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_NOEXEC_SEAL | MFD_EXEC) != 0 {
        return Err(Errno::EINVAL.into());
    }
    if flags & MFD_HUGETLB != 0 {
        return Err(Errno::EINVAL.into());
    }
    let name =
        t.mm.copy_in_cstr(a.addr(0), MFD_NAME_MAX + 1)
            .map_err(|e| {
                if e == Errno::ENAMETOOLONG {
                    Errno::EINVAL
                } else {
                    e
                }
            })?;
    let node = t.kernel.memfd_fs.anon_file(0o777, owner_of(t));
    let ops = crate::vfs::Inode::open(&*node, t, O_RDWR)?;
    let mut full = b"memfd:".to_vec();
    full.extend_from_slice(&name);
    let ops = Box::new(crate::fsimpl::memfs::NamedFile::new(
        ops,
        full,
        flags & MFD_ALLOW_SEALING != 0,
    ));
    let file = FileDescription::new(ops, None, O_RDWR | O_LARGEFILE);
    install(t, file, flags & MFD_CLOEXEC != 0)
}

pub(super) fn statfs(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let path = path_arg(t, a.addr(0))?;
    let p = resolve::lookup_at(t, AT_FDCWD, &path, true)?;
    let st = statfs_of(&p)?;
    t.copy_out_obj(a.addr(1), &st)?;
    Ok(0)
}

pub(super) fn fstatfs(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = t.fds.get(a.fd(0))?.clone();
    let st = match &file.path {
        Some(p) => statfs_of(p)?,
        None => Statfs {
            typ: crate::abi::file::magic::TMPFS_MAGIC,
            bsize: 4096,
            namelen: NAME_MAX as i64,
            frsize: 4096,
            ..Statfs::default()
        },
    };
    t.copy_out_obj(a.addr(1), &st)?;
    Ok(0)
}

fn statfs_of(p: &VfsPath) -> Result<Statfs, Errno> {
    let mut st = p.inode().statfs()?;
    if p.mnt.read_only {
        st.flags |= ST_RDONLY;
    }
    st.flags |= p.mnt.flags;
    Ok(st)
}

pub(super) fn fadvise64(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = t.fds.get(a.fd(0))?;
    if file.ops.pipe().is_some() {
        return Err(Errno::ESPIPE.into());
    }
    if !(0..=POSIX_FADV_NOREUSE).contains(&a.int(3)) || a.long(2) < 0 {
        return Err(Errno::EINVAL.into());
    }
    // Advice only: the sentry keeps no page cache to tune.
    Ok(0)
}
