//! Processes: fork, vfork, clone and clone3 (new processes; threads come
//! with step 3), wait4, waitid, getppid, process groups and sessions.

use super::SyscallArgs;
use crate::abi::signal::clone::*;
use crate::abi::signal::wait::*;
use crate::abi::signal::{SIGCHLD, SIGCONT};
use crate::abi::{Errno, SysError, SysResult};
use crate::kernel::fork::{self, NewTask};
use crate::kernel::process::{WaitFor, WaitOptions, WaitResult};
use crate::kernel::{ExitStatus, Task};

/// The clone flags a new process may use. Threads (CLONE_THREAD, or
/// CLONE_VM without CLONE_VFORK) need a shared address space.
const PROCESS_FLAGS: u64 = CSIGNAL
    | CLONE_VFORK
    | CLONE_VM
    | CLONE_FS
    | CLONE_FILES
    | CLONE_PARENT_SETTID
    | CLONE_CHILD_SETTID
    | CLONE_CHILD_CLEARTID
    | CLONE_SETTLS
    | CLONE_DETACHED
    | CLONE_UNTRACED
    | CLONE_PTRACE
    | CLONE_SYSVSEM
    | CLONE_PIDFD;

/// clone's arguments, from clone or clone3.
struct CloneArgs {
    flags: u64,
    stack: u64,
    parent_tid: u64,
    child_tid: u64,
    tls: u64,
    /// Where CLONE_PIDFD stores the new process's pidfd.
    pidfd_at: u64,
}

fn do_clone(t: &mut Task, c: CloneArgs) -> SysResult {
    let flags = c.flags;
    if flags & CLONE_PIDFD != 0 && flags & (CLONE_THREAD | CLONE_DETACHED) != 0 {
        return Err(Errno::EINVAL.into());
    }
    if flags & CLONE_THREAD != 0 {
        return clone_thread(t, c);
    }
    if flags & CLONE_SIGHAND != 0 {
        // Sharing handlers between processes needs a shared table.
        return Err(Errno::ENOSYS.into());
    }
    if flags & !PROCESS_FLAGS != 0 {
        return Err(Errno::EINVAL.into());
    }
    if flags & CLONE_VM != 0 && flags & CLONE_VFORK == 0 {
        return Err(Errno::ENOSYS.into());
    }
    let vfork = flags & CLONE_VFORK != 0;
    let pid = t
        .kernel
        .procs
        .add_child(t.tgid, vfork)
        .ok_or(Errno::EAGAIN)?;
    // A vfork child runs in the parent's memory (borrowed pages mapped in
    // its own stub) while the parent waits for its exec or exit.
    let copied = if vfork {
        Ok(t.mm.vfork_share())
    } else {
        let Task { mm, as_, .. } = &mut *t;
        mm.fork_copy(as_)
    };
    let mm = match copied {
        Ok(mm) => mm,
        Err(e) => {
            t.kernel.procs.exit(pid, ExitStatus::Exited(0), t.creds.uid);
            let reap = WaitOptions {
                exited: true,
                nohang: true,
                ..Default::default()
            };
            let _ = t.kernel.procs.wait(t.tgid, WaitFor::Pid(pid), reap, 0);
            return Err(e.into());
        }
    };
    let mut regs = *t.ctx.regs();
    regs.set_syscall_return(0);
    if c.stack != 0 {
        regs.set_rsp(c.stack);
    }
    if flags & CLONE_SETTLS != 0 {
        regs.set_fs_base(c.tls);
    }
    if flags & CLONE_PARENT_SETTID != 0 {
        t.copy_out_obj(c.parent_tid, &pid)?;
        let _ = mm.copy_out(c.parent_tid, &pid.to_le_bytes());
    }
    if flags & CLONE_CHILD_SETTID != 0 {
        let _ = mm.copy_out(c.child_tid, &pid.to_le_bytes());
    }
    let new = NewTask {
        mm: std::sync::Arc::new(mm),
        regs,
        fds: if flags & CLONE_FILES != 0 {
            t.fds.clone()
        } else {
            t.fds.fork_copy()
        },
        fs: if flags & CLONE_FS != 0 {
            t.fs.clone()
        } else {
            t.fs.fork_copy()
        },
        creds: t.creds.clone(),
        signals: t.signals.fork_copy(),
        pid,
        tgid: pid,
        stub_thread: None,
        ppid: t.tgid,
        clear_child_tid: if flags & CLONE_CHILD_CLEARTID != 0 {
            c.child_tid
        } else {
            0
        },
        exe_path: t.exe_path.clone(),
        argv_env: t.argv_env.clone(),
        rlimits: t.rlimits,
        umask: t.umask,
        comm: t.comm,
        no_new_privs: t.no_new_privs,
    };
    // The parent's pidfd comes after the child's copy of the fd table.
    if flags & CLONE_PIDFD != 0 {
        let f = crate::vfs::FileDescription::new(
            Box::new(crate::fsimpl::pidfd::PidFd::new(t, pid)),
            None,
            crate::abi::file::O_RDWR,
        );
        let limit = t.rlimits[crate::abi::misc::RLIMIT_NOFILE].cur;
        let installed = t.fds.install(f, true, 0, limit).and_then(|fd| {
            t.copy_out_obj(c.pidfd_at, &fd).inspect_err(|_| {
                // The guest gets no fd it was not told of.
                let _ = t.fds.close(fd);
            })
        });
        if let Err(e) = installed {
            t.kernel.procs.exit(pid, ExitStatus::Exited(0), t.creds.uid);
            let reap = WaitOptions {
                exited: true,
                nohang: true,
                ..Default::default()
            };
            let _ = t.kernel.procs.wait(t.tgid, WaitFor::Pid(pid), reap, 0);
            return Err(e.into());
        }
    }
    fork::spawn(t.kernel.clone(), new)?;
    if vfork {
        t.kernel.procs.wait_vfork(pid);
    }
    Ok(pid as u64)
}

/// CLONE_THREAD: a new thread in the caller's process, sharing its
/// memory and (CLONE_FILES) its fd table, run on a new stub thread of the
/// same stub process. Signal dispositions and the working directory are
/// copied, not shared, for now.
fn clone_thread(t: &mut Task, c: CloneArgs) -> SysResult {
    let flags = c.flags;
    if flags & CLONE_SIGHAND == 0 || flags & CLONE_VM == 0 {
        return Err(Errno::EINVAL.into());
    }
    let tid = t.kernel.procs.add_thread(t.tgid).ok_or(Errno::EAGAIN)?;
    let stub_tid = match t.as_.new_thread() {
        Ok(s) => s,
        Err(_) => {
            t.kernel
                .procs
                .thread_done(t.tgid, tid, ExitStatus::Exited(0));
            return Err(Errno::EAGAIN.into());
        }
    };
    let mut regs = *t.ctx.regs();
    regs.set_syscall_return(0);
    if c.stack != 0 {
        regs.set_rsp(c.stack);
    }
    if flags & CLONE_SETTLS != 0 {
        regs.set_fs_base(c.tls);
    }
    if flags & CLONE_PARENT_SETTID != 0 {
        t.copy_out_obj(c.parent_tid, &tid)?;
    }
    if flags & CLONE_CHILD_SETTID != 0 {
        t.copy_out_obj(c.child_tid, &tid)?;
    }
    let new = NewTask {
        mm: t.mm.clone(),
        regs,
        fds: if flags & CLONE_FILES != 0 {
            t.fds.clone()
        } else {
            t.fds.fork_copy()
        },
        fs: if flags & CLONE_FS != 0 {
            t.fs.clone()
        } else {
            t.fs.fork_copy()
        },
        creds: t.creds.clone(),
        signals: t.signals.clone(),
        pid: tid,
        tgid: t.tgid,
        stub_thread: Some((t.as_.host_pid(), stub_tid)),
        ppid: t.ppid,
        clear_child_tid: if flags & CLONE_CHILD_CLEARTID != 0 {
            c.child_tid
        } else {
            0
        },
        exe_path: t.exe_path.clone(),
        argv_env: t.argv_env.clone(),
        rlimits: t.rlimits,
        umask: t.umask,
        comm: t.comm,
        no_new_privs: t.no_new_privs,
    };
    fork::spawn(t.kernel.clone(), new)?;
    Ok(tid as u64)
}

pub(super) fn clone(t: &mut Task, a: &SyscallArgs) -> SysResult {
    // x86_64 order: flags, stack, parent_tid, child_tid, tls. clone()
    // stores a pidfd where the parent's tid would go, so not both.
    let flags = a.flags(0);
    if flags & CLONE_PIDFD != 0 && flags & CLONE_PARENT_SETTID != 0 {
        return Err(Errno::EINVAL.into());
    }
    do_clone(
        t,
        CloneArgs {
            flags,
            stack: a.addr(1),
            parent_tid: a.addr(2),
            child_tid: a.addr(3),
            tls: a.raw(4),
            pidfd_at: a.addr(2),
        },
    )
}

pub(super) fn clone3(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let size = a.size(1);
    if !(CLONE_ARGS_SIZE_VER0..=crate::abi::PAGE_SIZE).contains(&size) {
        return Err(Errno::EINVAL.into());
    }
    // flags, pidfd, child_tid, parent_tid, exit_signal, stack,
    // stack_size, tls (version 0).
    let raw: [u64; 8] = t.copy_in_obj(a.addr(0))?;
    if raw[4] > CSIGNAL || raw[0] & CSIGNAL != 0 {
        return Err(Errno::EINVAL.into());
    }
    let stack = if raw[5] != 0 {
        raw[5].checked_add(raw[6]).ok_or(Errno::EINVAL)?
    } else {
        0
    };
    do_clone(
        t,
        CloneArgs {
            flags: raw[0] | raw[4],
            stack,
            parent_tid: raw[3],
            child_tid: raw[2],
            tls: raw[7],
            pidfd_at: raw[1],
        },
    )
}

pub(super) fn fork(t: &mut Task, _a: &SyscallArgs) -> SysResult {
    do_clone(
        t,
        CloneArgs {
            flags: SIGCHLD as u64,
            stack: 0,
            parent_tid: 0,
            child_tid: 0,
            tls: 0,
            pidfd_at: 0,
        },
    )
}

pub(super) fn vfork(t: &mut Task, _a: &SyscallArgs) -> SysResult {
    do_clone(
        t,
        CloneArgs {
            flags: CLONE_VM | CLONE_VFORK | SIGCHLD as u64,
            stack: 0,
            parent_tid: 0,
            child_tid: 0,
            tls: 0,
            pidfd_at: 0,
        },
    )
}

/// The wait status word of an exit (wait(2)'s encoding).
fn wstatus(st: ExitStatus) -> i32 {
    match st {
        ExitStatus::Exited(code) => (code as i32) << 8,
        ExitStatus::Signaled(sig) => sig & 0x7f,
    }
}

fn wait_common(t: &mut Task, which: WaitFor, opts: WaitOptions) -> Result<WaitResult, SysError> {
    t.kernel
        .procs
        .wait(t.tgid, which, opts, t.signals.mask.0 | t.ignored_set())
        .map_err(|e| {
            if e == Errno::EINTR {
                SysError::RestartSys
            } else {
                e.into()
            }
        })
}

pub(super) fn wait4(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (pid, status, options, rusage) = (a.int(0), a.addr(1), a.flags(2), a.addr(3));
    if options & !(WNOHANG | WUNTRACED | WCONTINUED | WNOTHREAD | WALL | WCLONE) != 0 {
        return Err(Errno::EINVAL.into());
    }
    let which = match pid {
        -1 => WaitFor::Any,
        0 => WaitFor::Group(t.kernel.procs.pgid_sid(t.tgid).map_or(t.tgid, |p| p.0)),
        p if p < -1 => WaitFor::Group(-p),
        p => WaitFor::Pid(p),
    };
    let opts = WaitOptions {
        exited: true,
        stopped: options & WUNTRACED != 0,
        continued: options & WCONTINUED != 0,
        nowait: false,
        nohang: options & WNOHANG != 0,
    };
    let zero = std::time::Duration::ZERO;
    let (child, word, cpu) = match wait_common(t, which, opts)? {
        WaitResult::NoneYet => return Ok(0),
        WaitResult::Exited(child, st, _, cpu) => (child, wstatus(st), cpu),
        WaitResult::Stopped(child, sig, _) => (child, (sig << 8) | WSTATUS_STOPPED, zero),
        WaitResult::Continued(child, _) => (child, WSTATUS_CONTINUED, zero),
    };
    if status != 0 {
        t.copy_out_obj(status, &word)?;
    }
    if rusage != 0 {
        t.mm.copy_out(rusage, &crate::syscalls::sys_time::rusage_bytes(cpu))?;
    }
    Ok(child as u64)
}

pub(super) fn waitid(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (idtype, id, infop, options) = (a.int(0), a.int(1), a.addr(2), a.flags(3));
    if options & !(WNOHANG | WSTOPPED | WEXITED | WCONTINUED | WNOWAIT | WNOTHREAD | WALL | WCLONE)
        != 0
        || options & (WEXITED | WSTOPPED | WCONTINUED) == 0
    {
        return Err(Errno::EINVAL.into());
    }
    let which = match idtype {
        P_ALL => WaitFor::Any,
        P_PID if id > 0 => WaitFor::Pid(id),
        P_PGID if id >= 0 => WaitFor::Group(if id == 0 {
            t.kernel.procs.pgid_sid(t.tgid).map_or(t.tgid, |p| p.0)
        } else {
            id
        }),
        P_PIDFD => WaitFor::Pid(super::sys_signal::pidfd_target(t, id)?),
        _ => return Err(Errno::EINVAL.into()),
    };
    // A non-blocking pidfd does not wait: EAGAIN when nothing is ready.
    let pidfd_nonblock = idtype == P_PIDFD
        && t.fds
            .get(id)
            .is_ok_and(|f| f.flags() & crate::abi::file::O_NONBLOCK != 0);
    let options = if pidfd_nonblock {
        options | WNOHANG
    } else {
        options
    };
    let opts = WaitOptions {
        exited: options & WEXITED != 0,
        stopped: options & WSTOPPED != 0,
        continued: options & WCONTINUED != 0,
        nowait: options & WNOWAIT != 0,
        nohang: options & WNOHANG != 0,
    };
    let found = match wait_common(t, which, opts)? {
        WaitResult::NoneYet => None,
        WaitResult::Exited(child, ExitStatus::Exited(c), uid, _) => {
            Some((child, uid, CLD_EXITED, c as i32))
        }
        WaitResult::Exited(child, ExitStatus::Signaled(s), uid, _) => {
            Some((child, uid, CLD_KILLED, s))
        }
        WaitResult::Stopped(child, sig, uid) => Some((child, uid, CLD_STOPPED, sig)),
        WaitResult::Continued(child, uid) => Some((child, uid, CLD_CONTINUED, SIGCONT)),
    };
    if found.is_none() && pidfd_nonblock {
        return Err(Errno::EAGAIN.into());
    }
    let mut info = [0u8; SIGINFO_SIZE];
    if let Some((child, uid, code, status)) = found {
        info[0..4].copy_from_slice(&SIGCHLD.to_le_bytes());
        info[8..12].copy_from_slice(&code.to_le_bytes());
        info[16..20].copy_from_slice(&child.to_le_bytes());
        info[20..24].copy_from_slice(&uid.to_le_bytes());
        info[24..28].copy_from_slice(&status.to_le_bytes());
    }
    if infop != 0 {
        t.mm.copy_out(infop, &info)?;
    }
    Ok(0)
}

pub(super) fn getppid(t: &mut Task, _a: &SyscallArgs) -> SysResult {
    Ok(t.kernel.procs.ppid(t.tgid) as u64)
}

pub(super) fn getpgid(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let pid = if a.int(0) == 0 { t.tgid } else { a.int(0) };
    let (pgid, _) = t.kernel.procs.pgid_sid(pid).ok_or(Errno::ESRCH)?;
    Ok(pgid as u64)
}

pub(super) fn getpgrp(t: &mut Task, _a: &SyscallArgs) -> SysResult {
    Ok(t.kernel.procs.pgid_sid(t.tgid).map_or(t.tgid, |p| p.0) as u64)
}

pub(super) fn getsid(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let pid = if a.int(0) == 0 { t.tgid } else { a.int(0) };
    let (_, sid) = t.kernel.procs.pgid_sid(pid).ok_or(Errno::ESRCH)?;
    Ok(sid as u64)
}

pub(super) fn setpgid(t: &mut Task, a: &SyscallArgs) -> SysResult {
    t.kernel.procs.setpgid(t.tgid, a.int(0), a.int(1))?;
    Ok(0)
}

pub(super) fn setsid(t: &mut Task, _a: &SyscallArgs) -> SysResult {
    Ok(t.kernel.procs.setsid(t.tgid)? as u64)
}
