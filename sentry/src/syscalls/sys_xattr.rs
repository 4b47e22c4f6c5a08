//! Extended attributes: get/set/list/remove, by path, link and fd.

use super::sys_file::{path_arg, writable_mount};
use super::SyscallArgs;
use crate::abi::caps::{CAP_SETFCAP, CAP_SYS_ADMIN};
use crate::abi::file::{
    Stat, AT_FDCWD, S_ISVTX, XATTR_CREATE, XATTR_LIST_MAX, XATTR_NAME_MAX, XATTR_REPLACE,
    XATTR_SIZE_MAX,
};
use crate::abi::{Errno, SysResult};
use crate::kernel::Task;
use crate::vfs::perm::{self, MAY_READ, MAY_WRITE};
use crate::vfs::{resolve, VfsPath};

/// How the target is named.
#[derive(Clone, Copy)]
enum Target {
    Path,
    Link,
    Fd,
}

fn target(t: &Task, how: Target, a: &SyscallArgs) -> Result<VfsPath, Errno> {
    match how {
        Target::Fd => {
            let f = t.fds.get(a.fd(0))?;
            if f.is_path() {
                return Err(Errno::EBADF);
            }
            f.path.clone().ok_or(Errno::EOPNOTSUPP)
        }
        Target::Path | Target::Link => {
            let path = path_arg(t, a.addr(0))?;
            resolve::lookup_at(t, AT_FDCWD, &path, matches!(how, Target::Path))
        }
    }
}

fn name_arg(t: &Task, addr: u64) -> Result<Vec<u8>, Errno> {
    let name = t.mm.copy_in_cstr(addr, XATTR_NAME_MAX + 1).map_err(|e| {
        if e == Errno::ENAMETOOLONG {
            Errno::ERANGE
        } else {
            e
        }
    })?;
    if name.is_empty() {
        return Err(Errno::ERANGE);
    }
    match name.iter().position(|&b| b == b'.') {
        None => Err(Errno::EOPNOTSUPP),
        Some(i) if i + 1 == name.len() => Err(Errno::EINVAL),
        Some(_) => Ok(name),
    }
}

/// Whether the caller may read (`write` false) or set and remove
/// attribute `name` of an inode with `st` (Linux's xattr_permission and
/// cap_inode_setxattr): trusted.* needs CAP_SYS_ADMIN (reading without
/// it finds nothing), setting security.* too (CAP_SETFCAP for
/// security.capability); user.* exists only on regular files and
/// directories, a sticky directory's only for its owner (or CAP_FOWNER)
/// to write; then the file's read or write permission decides.
fn xattr_permission(t: &Task, name: &[u8], st: &Stat, write: bool) -> Result<(), Errno> {
    let denied = if write { Errno::EPERM } else { Errno::ENODATA };
    let c = &t.creds;
    if name.starts_with(b"security.") || name.starts_with(b"system.") {
        let need = if name == b"security.capability" {
            CAP_SETFCAP
        } else {
            CAP_SYS_ADMIN
        };
        if write && name.starts_with(b"security.") && !c.capable(need) {
            return Err(Errno::EPERM);
        }
        return Ok(());
    }
    if name.starts_with(b"trusted.") {
        return if c.capable(CAP_SYS_ADMIN) {
            Ok(())
        } else {
            Err(denied)
        };
    }
    if name.starts_with(b"user.") {
        let (reg, dir) = (crate::vfs::is_regular(st.mode), crate::vfs::is_dir(st.mode));
        if !reg && !dir {
            return Err(denied);
        }
        if dir && st.mode & S_ISVTX != 0 && write && !perm::owner_ok(c, st.uid) {
            return Err(Errno::EPERM);
        }
    }
    let want = if write { MAY_WRITE } else { MAY_READ };
    perm::check(c, false, st.mode, st.uid, st.gid, want)
}

fn get(t: &mut Task, a: &SyscallArgs, how: Target) -> SysResult {
    let p = target(t, how, a)?;
    let name = name_arg(t, a.addr(1))?;
    xattr_permission(t, &name, &p.inode().stat()?, false)?;
    let value = p.inode().getxattr(&name)?;
    let size = a.size(3) as usize;
    if size == 0 {
        return Ok(value.len() as u64);
    }
    if value.len() > size {
        return Err(Errno::ERANGE.into());
    }
    t.mm.copy_out(a.addr(2), &value)?;
    Ok(value.len() as u64)
}

fn set(t: &mut Task, a: &SyscallArgs, how: Target) -> SysResult {
    let flags = a.int(4);
    if flags & !(XATTR_CREATE | XATTR_REPLACE) != 0 {
        return Err(Errno::EINVAL.into());
    }
    let p = target(t, how, a)?;
    let name = name_arg(t, a.addr(1))?;
    let size = a.size(3) as usize;
    if size > XATTR_SIZE_MAX {
        return Err(Errno::E2BIG.into());
    }
    let mut value = vec![0u8; size];
    t.mm.copy_in(a.addr(2), &mut value)?;
    writable_mount(&p)?;
    xattr_permission(t, &name, &p.inode().stat()?, true)?;
    p.inode().setxattr(&name, &value, flags)?;
    Ok(0)
}

fn list(t: &mut Task, a: &SyscallArgs, how: Target) -> SysResult {
    let p = target(t, how, a)?;
    let mut out = Vec::new();
    // trusted.* names are listed only for CAP_SYS_ADMIN.
    let trusted = t.creds.capable(CAP_SYS_ADMIN);
    for n in p.inode().listxattr()? {
        if !trusted && n.starts_with(b"trusted.") {
            continue;
        }
        out.extend_from_slice(&n);
        out.push(0);
    }
    let size = a.size(2) as usize;
    if size == 0 {
        return Ok(out.len() as u64);
    }
    if out.len() > size || out.len() > XATTR_LIST_MAX {
        return Err(Errno::ERANGE.into());
    }
    t.mm.copy_out(a.addr(1), &out)?;
    Ok(out.len() as u64)
}

fn remove(t: &mut Task, a: &SyscallArgs, how: Target) -> SysResult {
    let p = target(t, how, a)?;
    let name = name_arg(t, a.addr(1))?;
    writable_mount(&p)?;
    xattr_permission(t, &name, &p.inode().stat()?, true)?;
    p.inode().removexattr(&name)?;
    Ok(0)
}

pub(super) fn getxattr(t: &mut Task, a: &SyscallArgs) -> SysResult {
    get(t, a, Target::Path)
}
pub(super) fn lgetxattr(t: &mut Task, a: &SyscallArgs) -> SysResult {
    get(t, a, Target::Link)
}
pub(super) fn fgetxattr(t: &mut Task, a: &SyscallArgs) -> SysResult {
    get(t, a, Target::Fd)
}
pub(super) fn setxattr(t: &mut Task, a: &SyscallArgs) -> SysResult {
    set(t, a, Target::Path)
}
pub(super) fn lsetxattr(t: &mut Task, a: &SyscallArgs) -> SysResult {
    set(t, a, Target::Link)
}
pub(super) fn fsetxattr(t: &mut Task, a: &SyscallArgs) -> SysResult {
    set(t, a, Target::Fd)
}
pub(super) fn listxattr(t: &mut Task, a: &SyscallArgs) -> SysResult {
    list(t, a, Target::Path)
}
pub(super) fn llistxattr(t: &mut Task, a: &SyscallArgs) -> SysResult {
    list(t, a, Target::Link)
}
pub(super) fn flistxattr(t: &mut Task, a: &SyscallArgs) -> SysResult {
    list(t, a, Target::Fd)
}
pub(super) fn removexattr(t: &mut Task, a: &SyscallArgs) -> SysResult {
    remove(t, a, Target::Path)
}
pub(super) fn lremovexattr(t: &mut Task, a: &SyscallArgs) -> SysResult {
    remove(t, a, Target::Link)
}
pub(super) fn fremovexattr(t: &mut Task, a: &SyscallArgs) -> SysResult {
    remove(t, a, Target::Fd)
}
