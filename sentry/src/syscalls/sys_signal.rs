//! rt_sigaction, rt_sigprocmask, sigaltstack (recorded; delivery of
//! handlers arrives with the signal work of step 3).

use super::SyscallArgs;
use crate::abi::caps::CAP_KILL;
use crate::abi::signal::*;
use crate::abi::{Errno, SysError, SysResult};
use crate::kernel::Task;

/// Smallest alternate stack Linux accepts (MINSIGSTKSZ).
const MINSIGSTKSZ: u64 = 2048;
/// sigaltstack: disarm the stack while a handler runs on it.
const SS_AUTODISARM: i32 = 1 << 31;

pub(super) fn rt_sigaction(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (sig, act, oact) = (a.int(0), a.addr(1), a.addr(2));
    if a.size(3) != SIGSET_SIZE {
        return Err(Errno::EINVAL.into());
    }
    // Linux copies the new action in before it looks at the signal.
    let new = if act != 0 {
        Some(t.copy_in_obj::<SigAction>(act)?)
    } else {
        None
    };
    if !(1..NSIG).contains(&sig) || (new.is_some() && (sig == SIGKILL || sig == SIGSTOP)) {
        return Err(Errno::EINVAL.into());
    }
    let slot = (sig - 1) as usize;
    if oact != 0 {
        let old = t.signals.actions.get(slot);
        t.copy_out_obj(oact, &old)?;
    }
    if let Some(mut new) = new {
        new.mask.0 &= !SigSet::UNBLOCKABLE.0;
        t.signals.actions.set(slot, new);
        // A signal that becomes ignored is discarded if pending.
        if t.ignored_set() & bit(sig) != 0 {
            t.kernel.procs.discard(t.tgid, sig);
        }
        if sig == SIGCHLD {
            t.sync_sigchld_action();
        }
    }
    Ok(0)
}

pub(super) fn rt_sigprocmask(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (how, set, oset) = (a.int(0), a.addr(1), a.addr(2));
    if a.size(3) != SIGSET_SIZE {
        return Err(Errno::EINVAL.into());
    }
    let old = t.signals.mask;
    if set != 0 {
        let s = t.copy_in_obj::<SigSet>(set)?;
        let mask = match how {
            SIG_BLOCK => old.0 | s.0,
            SIG_UNBLOCK => old.0 & !s.0,
            SIG_SETMASK => s.0,
            _ => return Err(Errno::EINVAL.into()),
        };
        t.signals.mask = SigSet(mask & !SigSet::UNBLOCKABLE.0);
    }
    if oset != 0 {
        t.copy_out_obj(oset, &old)?;
    }
    Ok(0)
}

pub(super) fn sigaltstack(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (ss, oss) = (a.addr(0), a.addr(1));
    let new = if ss != 0 {
        let new = t.copy_in_obj::<StackT>(ss)?;
        let mode = new.flags & !SS_AUTODISARM;
        if mode != 0 && mode != SS_DISABLE && mode != SS_ONSTACK {
            return Err(Errno::EINVAL.into());
        }
        if mode == SS_DISABLE {
            Some(StackT {
                flags: SS_DISABLE,
                ..StackT::default()
            })
        } else if new.size < MINSIGSTKSZ {
            return Err(Errno::ENOMEM.into());
        } else {
            Some(new)
        }
    } else {
        None
    };
    let cur = t.signals.altstack;
    let sp = t.ctx.regs().rsp();
    let on_stack = cur.flags & SS_DISABLE == 0 && sp.wrapping_sub(cur.sp) < cur.size;
    if oss != 0 {
        let mut old = cur;
        if on_stack {
            old.flags = SS_ONSTACK;
        }
        t.copy_out_obj(oss, &old)?;
    }
    if let Some(new) = new {
        if on_stack {
            return Err(Errno::EPERM.into());
        }
        t.signals.altstack = new;
    }
    Ok(0)
}

/// Sends `sig` to process `pid` (0 checks that it exists), if the
/// caller may signal it.
fn send(t: &Task, pid: i32, sig: i32, code: i32) -> Result<(), Errno> {
    send_info(t, pid, sig, SigInfo::user(sig, code, t.tgid, t.creds.uid))
}

/// Sends `sig` with `info` to process `pid` if the caller may signal it.
fn send_info(t: &Task, pid: i32, sig: i32, info: SigInfo) -> Result<(), Errno> {
    may_signal(t, pid, pid, sig)?;
    t.kernel.procs.send(pid, sig, info)
}

/// Sends `sig` with `info` to every member of process group `pgid` the
/// caller may signal: success if any took it, else the last error
/// (ESRCH for an empty group), as Linux's __kill_pgrp_info.
fn send_group(t: &Task, pgid: i32, sig: i32, info: SigInfo) -> Result<(), Errno> {
    let mut ret = Err(Errno::ESRCH);
    for p in t.kernel.procs.group_members(pgid) {
        let r = send_info(t, p, sig, info);
        if ret.is_err() {
            ret = r;
        }
    }
    ret
}

/// Whether the caller may send `sig` to thread `tid` of process `tgid`
/// (Linux's check_kill_permission): always within its own process;
/// else the caller's real or effective uid must be the target's real or
/// saved uid, or the caller holds CAP_KILL, or the signal is SIGCONT to
/// a process of its own session. EPERM otherwise. A target that has not
/// published its credentials (starting or gone) is left to the send.
fn may_signal(t: &Task, tgid: i32, tid: i32, sig: i32) -> Result<(), Errno> {
    if tgid == t.tgid || t.creds.capable(CAP_KILL) {
        return Ok(());
    }
    let Some(target) = t.kernel.views.get(tid) else {
        return Ok(());
    };
    let (c, tc) = (&t.creds, &target.creds);
    if c.euid == tc.suid || c.euid == tc.uid || c.uid == tc.suid || c.uid == tc.uid {
        return Ok(());
    }
    let session = |p: i32| t.kernel.procs.pgid_sid(p).map(|(_, sid)| sid);
    if sig == SIGCONT && session(tgid).is_some() && session(tgid) == session(t.tgid) {
        return Ok(());
    }
    Err(Errno::EPERM)
}

/// A signal the kernel raises at the caller (SIGPIPE on EPIPE).
pub(super) fn raise_self(t: &mut Task, sig: i32) {
    t.send_self(sig, SigInfo::user(sig, SI_USER, t.tgid, t.creds.uid));
}

fn check_sig(sig: i32) -> Result<(), Errno> {
    if (0..NSIG).contains(&sig) {
        Ok(())
    } else {
        Err(Errno::EINVAL)
    }
}

pub(super) fn kill(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (pid, sig) = (a.int(0), a.int(1));
    check_sig(sig)?;
    if pid > 0 {
        send(t, pid, sig, SI_USER)?;
        return Ok(0);
    }
    if pid == -1 {
        // Every process the caller may signal: refusals do not count
        // (kill_something_info).
        let targets: Vec<i32> = t
            .kernel
            .procs
            .live()
            .into_iter()
            .filter(|&p| p != 1 || t.tgid == 1)
            .collect();
        let mut ret = Ok(());
        for &p in &targets {
            match send(t, p, sig, SI_USER) {
                Err(Errno::EPERM) => {}
                r => ret = r,
            }
        }
        if targets.is_empty() {
            return Err(Errno::ESRCH.into());
        }
        ret?;
        return Ok(0);
    }
    let pgid = match pid {
        0 => t.kernel.procs.pgid_sid(t.tgid).map_or(t.tgid, |p| p.0),
        p => p.checked_neg().ok_or(Errno::ESRCH)?,
    };
    send_group(
        t,
        pgid,
        sig,
        SigInfo::user(sig, SI_USER, t.tgid, t.creds.uid),
    )?;
    Ok(0)
}

pub(super) fn tgkill(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (tgid, tid, sig) = (a.int(0), a.int(1), a.int(2));
    if tgid <= 0 || tid <= 0 {
        return Err(Errno::EINVAL.into());
    }
    check_sig(sig)?;
    if t.kernel.procs.tgid_of(tid) != Some(tgid) {
        return Err(Errno::ESRCH.into());
    }
    may_signal(t, tgid, tid, sig)?;
    let info = SigInfo::user(sig, SI_TKILL, t.tgid, t.creds.uid);
    t.kernel.procs.send_thread(tgid, tid, sig, info)?;
    Ok(0)
}

pub(super) fn tkill(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (tid, sig) = (a.int(0), a.int(1));
    if tid <= 0 {
        return Err(Errno::EINVAL.into());
    }
    check_sig(sig)?;
    let tgid = t.kernel.procs.tgid_of(tid).ok_or(Errno::ESRCH)?;
    may_signal(t, tgid, tid, sig)?;
    let info = SigInfo::user(sig, SI_TKILL, t.tgid, t.creds.uid);
    t.kernel.procs.send_thread(tgid, tid, sig, info)?;
    Ok(0)
}

pub(super) fn rt_sigreturn(t: &mut Task, _a: &SyscallArgs) -> SysResult {
    match t.sigreturn() {
        Ok(rax) => Ok(rax),
        Err(_) => {
            // A corrupt frame: the process dies of SIGSEGV, as on Linux.
            t.force_signal_info(SIGSEGV, SigInfo::new(SIGSEGV, SI_KERNEL));
            Ok(t.ctx.regs().rax())
        }
    }
}

pub(super) fn rt_sigsuspend(t: &mut Task, a: &SyscallArgs) -> SysResult {
    if a.size(1) != SIGSET_SIZE {
        return Err(Errno::EINVAL.into());
    }
    let mask: SigSet = t.copy_in_obj(a.addr(0))?;
    let old = t.signals.mask;
    t.signals.mask = SigSet(mask.0 & !SigSet::UNBLOCKABLE.0);
    t.saved_mask = Some(old);
    t.kernel
        .procs
        .wait_signal(t.tgid, t.tid, t.signals.mask.0 | t.ignored_set());
    Err(SysError::RestartNoHand)
}

pub(super) fn pause(t: &mut Task, _a: &SyscallArgs) -> SysResult {
    t.kernel
        .procs
        .wait_signal(t.tgid, t.tid, t.signals.mask.0 | t.ignored_set());
    Err(SysError::RestartNoHand)
}

pub(super) fn rt_sigpending(t: &mut Task, a: &SyscallArgs) -> SysResult {
    if a.size(1) > SIGSET_SIZE {
        return Err(Errno::EINVAL.into());
    }
    let p = t.kernel.procs.pending_thread(t.tgid, t.tid) & t.signals.mask.0;
    t.mm.copy_out(a.addr(0), &p.to_le_bytes()[..a.size(1) as usize])?;
    Ok(0)
}

/// rt_sigtimedwait: takes a pending signal of `set` (waiting up to the
/// timeout) and returns its number, with its siginfo.
pub(super) fn rt_sigtimedwait(t: &mut Task, a: &SyscallArgs) -> SysResult {
    if a.size(3) != SIGSET_SIZE {
        return Err(Errno::EINVAL.into());
    }
    let set: SigSet = t.copy_in_obj(a.addr(0))?;
    let set = set.0 & !SigSet::UNBLOCKABLE.0;
    let deadline = if a.addr(2) == 0 {
        None
    } else {
        let ts: [i64; 2] = t.copy_in_obj(a.addr(2))?;
        if ts[0] < 0 || !(0..1_000_000_000).contains(&ts[1]) {
            return Err(Errno::EINVAL.into());
        }
        Some(std::time::Instant::now() + std::time::Duration::new(ts[0] as u64, ts[1] as u32))
    };
    loop {
        // Only signals of `set`: everything else counts as blocked here.
        if let Some((sig, info)) = t.kernel.procs.take_signal_thread(t.tgid, t.tid, !set) {
            if a.addr(1) != 0 {
                t.mm.copy_out(a.addr(1), &info.0)?;
            }
            return Ok(sig as u64);
        }
        if t.signal_pending() {
            return Err(SysError::RestartNoHand);
        }
        let now = std::time::Instant::now();
        let slice = match deadline {
            Some(d) if d <= now => return Err(Errno::EAGAIN.into()),
            Some(d) => (d - now).min(std::time::Duration::from_millis(20)),
            None => std::time::Duration::from_millis(20),
        };
        t.kernel
            .procs
            .wait_signal_for(t.tgid, !set & t.signals.mask.0, slice);
    }
}

fn queueinfo(t: &mut Task, tgid: i32, tid: i32, sig: i32, addr: u64) -> SysResult {
    check_sig(sig)?;
    let mut info = SigInfo([0; SIGINFO_LEN]);
    t.mm.copy_in(addr, &mut info.0)?;
    // Only the kernel may claim a kernel si_code; others must use < 0.
    if info.code() >= 0 && tgid != t.tgid {
        return Err(Errno::EPERM.into());
    }
    may_signal(t, tgid, tid, sig)?;
    info.0[0..4].copy_from_slice(&sig.to_le_bytes());
    t.kernel.procs.send(tgid, sig, info)?;
    Ok(0)
}

pub(super) fn rt_sigqueueinfo(t: &mut Task, a: &SyscallArgs) -> SysResult {
    queueinfo(t, a.int(0), a.int(0), a.int(1), a.addr(2))
}

pub(super) fn rt_tgsigqueueinfo(t: &mut Task, a: &SyscallArgs) -> SysResult {
    if t.kernel.procs.tgid_of(a.int(1)) != Some(a.int(0)) {
        return Err(Errno::ESRCH.into());
    }
    queueinfo(t, a.int(0), a.int(1), a.int(2), a.addr(3))
}

/// The process a pidfd argument names: EBADF for a bad fd or one that is
/// no pidfd.
pub(super) fn pidfd_target(t: &Task, fd: i32) -> Result<i32, Errno> {
    let f = t.fds.get(fd).map_err(|_| Errno::EBADF)?;
    f.ops.as_pidfd().map(|p| p.pid).ok_or(Errno::EBADF)
}

pub(super) fn pidfd_open(t: &mut Task, a: &SyscallArgs) -> SysResult {
    use crate::abi::file::{O_NONBLOCK, O_RDWR};
    let (pid, flags) = (a.int(0), a.uint(1));
    // PIDFD_NONBLOCK is O_NONBLOCK.
    if flags & !O_NONBLOCK != 0 || pid <= 0 {
        return Err(Errno::EINVAL.into());
    }
    match t.kernel.procs.tgid_of(pid) {
        // Linux 6.9 and later: a thread needs PIDFD_THREAD (unsupported).
        Some(tg) if tg != pid => return Err(Errno::ENOENT.into()),
        Some(_) if t.kernel.procs.is_live_process(pid) => {}
        _ => return Err(Errno::ESRCH.into()),
    }
    let f = crate::vfs::FileDescription::new(
        Box::new(crate::fsimpl::pidfd::PidFd::new(t, pid)),
        None,
        O_RDWR | (flags & O_NONBLOCK),
    );
    let limit = t.rlimits[crate::abi::misc::RLIMIT_NOFILE].cur;
    // A pidfd is always close-on-exec.
    Ok(t.fds.install(f, true, 0, limit)? as u64)
}

pub(super) fn pidfd_send_signal(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (fd, sig, addr, flags) = (a.int(0), a.int(1), a.addr(2), a.uint(3));
    // At most one scope: the thread, its process (the default), or its
    // process group.
    if flags & !PIDFD_SIGNAL_SCOPES != 0 || flags.count_ones() > 1 {
        return Err(Errno::EINVAL.into());
    }
    check_sig(sig)?;
    let pid = pidfd_target(t, fd)?;
    if t.kernel.procs.has_exited(pid) {
        return Err(Errno::ESRCH.into());
    }
    if sig == 0 {
        may_signal(t, pid, pid, sig)?;
        return Ok(0);
    }
    let info = if addr == 0 {
        SigInfo::user(sig, SI_USER, t.tgid, t.creds.uid)
    } else {
        let mut info = SigInfo([0; SIGINFO_LEN]);
        t.mm.copy_in(addr, &mut info.0)?;
        if info.signo() != sig {
            return Err(Errno::EINVAL.into());
        }
        // Only the kernel may claim a kernel si_code; others must use < 0.
        if info.code() >= 0 && pid != t.tgid {
            return Err(Errno::EPERM.into());
        }
        info
    };
    match flags {
        PIDFD_SIGNAL_THREAD => {
            may_signal(t, pid, pid, sig)?;
            t.kernel.procs.send_thread(pid, pid, sig, info)?
        }
        PIDFD_SIGNAL_PROCESS_GROUP => {
            let g = t.kernel.procs.pgid_sid(pid).ok_or(Errno::ESRCH)?.0;
            send_group(t, g, sig, info)?
        }
        _ => send_info(t, pid, sig, info)?,
    }
    Ok(0)
}
