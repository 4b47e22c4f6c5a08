//! Extended attributes: get/set/list/remove, by path, link and fd.

use super::sys_file::{path_arg, writable_mount};
use super::SyscallArgs;
use crate::abi::file::{
    AT_FDCWD, XATTR_CREATE, XATTR_LIST_MAX, XATTR_NAME_MAX, XATTR_REPLACE, XATTR_SIZE_MAX,
};
use crate::abi::{Errno, SysResult};
use crate::kernel::Task;
use crate::vfs::{perm, resolve, VfsPath};

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

/// user.* attributes exist only on regular files and directories
/// (xattr(7)): elsewhere setting or removing one is EPERM.
fn user_xattr_ok(name: &[u8], mode: u32) -> Result<(), Errno> {
    if name.starts_with(b"user.") && !crate::vfs::is_regular(mode) && !crate::vfs::is_dir(mode) {
        return Err(Errno::EPERM);
    }
    Ok(())
}

fn get(t: &mut Task, a: &SyscallArgs, how: Target) -> SysResult {
    let p = target(t, how, a)?;
    let name = name_arg(t, a.addr(1))?;
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
    let st = p.inode().stat()?;
    user_xattr_ok(&name, st.mode)?;
    if !perm::owner_ok(&t.creds, st.uid) {
        return Err(Errno::EPERM.into());
    }
    p.inode().setxattr(&name, &value, flags)?;
    Ok(0)
}

fn list(t: &mut Task, a: &SyscallArgs, how: Target) -> SysResult {
    let p = target(t, how, a)?;
    let mut out = Vec::new();
    for n in p.inode().listxattr()? {
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
    let st = p.inode().stat()?;
    user_xattr_ok(&name, st.mode)?;
    if !perm::owner_ok(&t.creds, st.uid) {
        return Err(Errno::EPERM.into());
    }
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
