//! fstat and newfstatat (on open fds; path lookup arrives with the VFS).

use super::SyscallArgs;
use crate::abi::file::{AT_EMPTY_PATH, AT_NO_AUTOMOUNT, AT_SYMLINK_NOFOLLOW};
use crate::abi::misc::{AT_FDCWD, PATH_MAX};
use crate::abi::{Errno, SysResult};
use crate::kernel::Task;

fn stat_fd(t: &mut Task, fd: i32, buf: u64) -> SysResult {
    let st = t.fds.get(fd)?.ops.stat()?;
    t.copy_out_obj(buf, &st)?;
    Ok(0)
}

pub(super) fn fstat(t: &mut Task, a: &SyscallArgs) -> SysResult {
    stat_fd(t, a.fd(0), a.addr(1))
}

pub(super) fn newfstatat(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (dirfd, flags) = (a.fd(0), a.flags(3));
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL.into());
    }
    let path = t.mm.copy_in_cstr(a.addr(1), PATH_MAX)?;
    if path.is_empty() {
        if flags & AT_EMPTY_PATH == 0 {
            return Err(Errno::ENOENT.into());
        }
        if dirfd == AT_FDCWD {
            // The working directory: no filesystem in this step.
            return Err(Errno::ENOENT.into());
        }
        return stat_fd(t, dirfd, a.addr(2));
    }
    if dirfd != AT_FDCWD && path[0] != b'/' {
        t.fds.get(dirfd)?;
    }
    Err(Errno::ENOENT.into())
}
