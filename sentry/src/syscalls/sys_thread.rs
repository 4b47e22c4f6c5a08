//! Task identity and lifetime: exit, getpid and friends, set_tid_address,
//! robust lists, arch_prctl, scheduling queries.

use super::SyscallArgs;
use crate::abi::misc::{ARCH_GET_FS, ARCH_GET_GS, ARCH_SET_FS, ARCH_SET_GS, CPU_MASK_MIN_BYTES};
use crate::abi::{Errno, SysResult};
use crate::kernel::{ExitStatus, Task};

/// Size of `struct robust_list_head`.
const ROBUST_LIST_HEAD_SIZE: u64 = 24;

/// exit: ends the calling thread only.
pub(super) fn exit(t: &mut Task, a: &SyscallArgs) -> SysResult {
    t.exit = Some(ExitStatus::Exited(a.int(0) as u8));
    t.thread_exit = true;
    Ok(0)
}

/// exit_group: ends every thread of the process.
pub(super) fn exit_group(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let st = ExitStatus::Exited(a.int(0) as u8);
    t.exit = Some(st);
    t.kernel.procs.group_exit(t.tgid, st);
    Ok(0)
}

pub(super) fn getpid(t: &mut Task, _: &SyscallArgs) -> SysResult {
    Ok(t.tgid as u64)
}

pub(super) fn gettid(t: &mut Task, _: &SyscallArgs) -> SysResult {
    Ok(t.tid as u64)
}

pub(super) fn set_tid_address(t: &mut Task, a: &SyscallArgs) -> SysResult {
    t.clear_child_tid = a.addr(0);
    Ok(t.tid as u64)
}

pub(super) fn set_robust_list(t: &mut Task, a: &SyscallArgs) -> SysResult {
    if a.size(1) != ROBUST_LIST_HEAD_SIZE {
        return Err(Errno::EINVAL.into());
    }
    t.robust_list = (a.addr(0), a.size(1));
    Ok(0)
}

pub(super) fn get_robust_list(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let pid = a.int(0);
    if pid != 0 && pid != t.tid {
        return Err(Errno::ESRCH.into());
    }
    t.copy_out_obj(a.addr(1), &t.robust_list.0)?;
    t.copy_out_obj(a.addr(2), &t.robust_list.1)?;
    Ok(0)
}

pub(super) fn arch_prctl(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let addr = a.addr(1);
    match a.flags(0) {
        ARCH_SET_FS | ARCH_SET_GS => {
            if addr >= platform::TASK_SIZE {
                return Err(Errno::EPERM.into());
            }
            let regs = t.ctx.regs_mut();
            if a.flags(0) == ARCH_SET_FS {
                regs.set_fs_base(addr);
            } else {
                regs.set_gs_base(addr);
            }
            Ok(0)
        }
        ARCH_GET_FS => {
            let v = t.ctx.regs().fs_base();
            t.copy_out_obj(addr, &v)?;
            Ok(0)
        }
        ARCH_GET_GS => {
            let v = t.ctx.regs().gs_base();
            t.copy_out_obj(addr, &v)?;
            Ok(0)
        }
        _ => Err(Errno::EINVAL.into()),
    }
}

/// The CPUs the sandbox reports: the host's count, found at boot (std's
/// available_parallelism reads cgroup files, which the confined sentry
/// may not open).
fn cpu_count(t: &Task) -> u64 {
    (t.kernel.ncpu as u64).clamp(1, CPU_MASK_MIN_BYTES * 8)
}

pub(super) fn sched_getaffinity(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let pid = a.int(0);
    if pid != 0 && pid != t.tid {
        return Err(Errno::ESRCH.into());
    }
    let len = a.size(1);
    if len < CPU_MASK_MIN_BYTES || !len.is_multiple_of(8) {
        return Err(Errno::EINVAL.into());
    }
    let n = cpu_count(t);
    let mask: u64 = if n >= 64 { u64::MAX } else { (1u64 << n) - 1 };
    t.copy_out_obj(a.addr(2), &mask)?;
    Ok(CPU_MASK_MIN_BYTES)
}

pub(super) fn sched_yield(_: &mut Task, _: &SyscallArgs) -> SysResult {
    std::thread::yield_now();
    Ok(0)
}

pub(super) fn prctl(t: &mut Task, a: &SyscallArgs) -> SysResult {
    use crate::abi::caps::*;
    use crate::abi::file::prctl::*;
    use crate::abi::file::{PR_GET_NAME, PR_SET_NAME, TASK_COMM_LEN};
    match a.int(0) {
        PR_SET_NAME => {
            let mut name = [0u8; TASK_COMM_LEN];
            // Linux copies up to 15 bytes and stops at a NUL or a fault on a
            // later byte; a fault on the first page is EFAULT.
            let s = t.mm.copy_in_cstr(a.addr(1), TASK_COMM_LEN).or_else(|e| {
                if e == Errno::ENAMETOOLONG {
                    let mut b = [0u8; TASK_COMM_LEN - 1];
                    t.mm.copy_in(a.addr(1), &mut b).map(|_| b.to_vec())
                } else {
                    Err(e)
                }
            })?;
            let n = s.len().min(TASK_COMM_LEN - 1);
            name[..n].copy_from_slice(&s[..n]);
            t.comm = name;
            Ok(0)
        }
        PR_GET_NAME => {
            let name = t.comm;
            t.mm.copy_out(a.addr(1), &name)?;
            Ok(0)
        }
        PR_SET_PDEATHSIG => {
            let sig = a.int(1);
            if !(0..crate::abi::signal::NSIG).contains(&sig) {
                return Err(Errno::EINVAL.into());
            }
            t.pdeathsig = sig;
            Ok(0)
        }
        PR_GET_PDEATHSIG => {
            t.copy_out_obj(a.addr(1), &t.pdeathsig)?;
            Ok(0)
        }
        PR_GET_DUMPABLE => Ok(t.dumpable as u64),
        PR_SET_DUMPABLE => match a.raw(1) {
            0 | 1 => {
                t.dumpable = a.raw(1) == 1;
                Ok(0)
            }
            _ => Err(Errno::EINVAL.into()),
        },
        PR_GET_KEEPCAPS => Ok(u64::from(t.creds.issecure(SECURE_KEEP_CAPS))),
        PR_SET_KEEPCAPS => {
            t.creds.set_keepcaps(a.raw(1))?;
            Ok(0)
        }
        PR_GET_SECUREBITS => Ok(u64::from(t.creds.securebits)),
        PR_SET_SECUREBITS => {
            t.creds.set_securebits(a.raw(1))?;
            Ok(0)
        }
        PR_CAP_AMBIENT => Ok(t
            .creds
            .prctl_ambient(a.raw(1), a.raw(2), a.raw(3), a.raw(4))?),
        PR_GET_TIMERSLACK => Ok(DEFAULT_TIMERSLACK),
        PR_SET_TIMERSLACK => Ok(0),
        PR_SET_CHILD_SUBREAPER => {
            t.kernel.procs.set_subreaper(t.tgid, a.raw(1) != 0);
            Ok(0)
        }
        PR_GET_CHILD_SUBREAPER => {
            let v = t.kernel.procs.is_subreaper(t.tgid) as i32;
            t.copy_out_obj(a.addr(1), &v)?;
            Ok(0)
        }
        PR_SET_NO_NEW_PRIVS => {
            if a.raw(1) != 1 || a.raw(2) != 0 || a.raw(3) != 0 || a.raw(4) != 0 {
                return Err(Errno::EINVAL.into());
            }
            t.no_new_privs = true;
            Ok(0)
        }
        PR_GET_NO_NEW_PRIVS => Ok(t.no_new_privs as u64),
        PR_CAPBSET_READ => {
            if !cap_valid(a.raw(1)) {
                return Err(Errno::EINVAL.into());
            }
            Ok((t.creds.cap_bounding >> a.raw(1)) & 1)
        }
        PR_CAPBSET_DROP => {
            t.creds.capbset_drop(a.raw(1))?;
            Ok(0)
        }
        PR_GET_SECCOMP => Ok(0),
        _ => Err(Errno::EINVAL.into()),
    }
}
