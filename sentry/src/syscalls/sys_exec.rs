//! execve and execveat (a single-task process: no other threads to end).

use super::sys_file::path_arg;
use super::SyscallArgs;
use crate::abi::file::{AT_EMPTY_PATH, AT_FDCWD, AT_SYMLINK_NOFOLLOW};
use crate::abi::{Errno, SysResult};
use crate::kernel::Task;
use crate::loader::MAX_ARGS_BYTES;

/// Longest single argument or environment string (MAX_ARG_STRLEN).
const MAX_ARG_STRLEN: usize = 32 * 4096;

/// Copies in a NULL-terminated array of C strings.
fn string_array(t: &Task, addr: u64, total: &mut usize) -> Result<Vec<Vec<u8>>, Errno> {
    let mut out = Vec::new();
    if addr == 0 {
        return Ok(out);
    }
    for i in 0.. {
        let p: u64 = t.copy_in_obj(addr.checked_add(i * 8).ok_or(Errno::EFAULT)?)?;
        if p == 0 {
            break;
        }
        let s = t.mm.copy_in_cstr(p, MAX_ARG_STRLEN).map_err(|e| {
            if e == Errno::ENAMETOOLONG {
                Errno::E2BIG
            } else {
                e
            }
        })?;
        *total += s.len() + 1 + 8;
        if *total > MAX_ARGS_BYTES {
            return Err(Errno::E2BIG);
        }
        out.push(s);
    }
    Ok(out)
}

fn exec_common(t: &mut Task, path: Vec<u8>, argv: u64, envp: u64) -> SysResult {
    let mut total = 0;
    let argv = string_array(t, argv, &mut total)?;
    let envp = string_array(t, envp, &mut total)?;
    t.exec(&path, argv, envp).map_err(|e| e.errno)?;
    Ok(0)
}

pub(super) fn execve(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let path = path_arg(t, a.addr(0))?;
    exec_common(t, path, a.addr(1), a.addr(2))
}

pub(super) fn execveat(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (dirfd, flags) = (a.fd(0), a.flags(4));
    if flags & !(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0 {
        return Err(Errno::EINVAL.into());
    }
    let path = path_arg(t, a.addr(1))?;
    // Only paths the task could name itself: absolute, or relative to
    // the working directory.
    if path.first() != Some(&b'/') && dirfd != AT_FDCWD {
        return Err(Errno::ENOSYS.into());
    }
    if path.is_empty() {
        return Err(Errno::ENOENT.into());
    }
    exec_common(t, path, a.addr(2), a.addr(3))
}
