//! rt_sigaction, rt_sigprocmask, sigaltstack (recorded; delivery of
//! handlers arrives with the signal work of step 3).

use super::SyscallArgs;
use crate::abi::signal::*;
use crate::abi::{Errno, SysResult};
use crate::kernel::Task;

/// Smallest alternate stack Linux accepts (MINSIGSTKSZ).
const MINSIGSTKSZ: u64 = 2048;
/// sigaltstack: disarm the stack while a handler runs on it.
const SS_AUTODISARM: i32 = 1 << 31;
/// sigaltstack: currently executing on the stack.
const SS_ONSTACK: i32 = 1;

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
        let old = t.signals.actions[slot];
        t.copy_out_obj(oact, &old)?;
    }
    if let Some(mut new) = new {
        new.mask.0 &= !SigSet::UNBLOCKABLE.0;
        t.signals.actions[slot] = new;
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
    if oss != 0 {
        let old = t.signals.altstack;
        t.copy_out_obj(oss, &old)?;
    }
    if let Some(new) = new {
        t.signals.altstack = new;
    }
    Ok(0)
}

/// Sends `sig` to the calling task itself (the only task in this step):
/// the default action applies unless the signal is ignored or handled
/// (handlers run from step 3 on; until then a handled signal is dropped).
fn signal_self(t: &mut Task, sig: i32) -> SysResult {
    if sig == 0 {
        return Ok(0);
    }
    let act = t.signals.actions[(sig - 1) as usize];
    if act.handler == SIG_IGN || act.handler != SIG_DFL {
        return Ok(0);
    }
    if t.signals.mask.0 & (1u64 << (sig - 1)) != 0 && sig != SIGKILL && sig != SIGSTOP {
        return Ok(0);
    }
    match default_action(sig) {
        DefaultAction::Terminate | DefaultAction::Core => {
            t.exit = Some(crate::kernel::ExitStatus::Signaled(sig));
        }
        _ => {}
    }
    Ok(0)
}

/// A signal the kernel raises at the caller (SIGPIPE on EPIPE). Until
/// handlers run (step 3), a handled SIGPIPE ends the process as its
/// default action would: the handlers programs install for it (sort,
/// for one) clean up and then die of the signal themselves.
pub(super) fn raise_self(t: &mut Task, sig: i32) {
    let act = t.signals.actions[(sig - 1) as usize];
    let blocked = t.signals.mask.0 & (1u64 << (sig - 1)) != 0;
    if act.handler != SIG_IGN && !blocked {
        t.exit = Some(crate::kernel::ExitStatus::Signaled(sig));
    }
}

fn check_sig(sig: i32) -> Result<(), Errno> {
    if (0..NSIG).contains(&sig) {
        Ok(())
    } else {
        Err(Errno::EINVAL)
    }
}

/// Sends `sig` to another process: until handlers run across processes
/// (step 3), a signal whose default action ends the process ends it;
/// others are dropped.
fn signal_other(t: &Task, pid: i32, sig: i32) -> Result<(), Errno> {
    let fatal = sig != 0
        && matches!(
            default_action(sig),
            DefaultAction::Terminate | DefaultAction::Core
        );
    t.kernel.procs.kill(pid, if fatal { sig } else { 0 })
}

pub(super) fn kill(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (pid, sig) = (a.int(0), a.int(1));
    check_sig(sig)?;
    let targets: Vec<i32> = match pid {
        p if p > 0 => vec![p],
        0 => {
            let g = t.kernel.procs.pgid_sid(t.tgid).map_or(t.tgid, |p| p.0);
            t.kernel.procs.group_members(g)
        }
        -1 => t
            .kernel
            .procs
            .live()
            .into_iter()
            .filter(|&p| p != 1 || t.tgid == 1)
            .collect(),
        p => t.kernel.procs.group_members(-p),
    };
    if targets.is_empty() {
        return Err(Errno::ESRCH.into());
    }
    let mut ok = false;
    let mut to_self = false;
    for p in targets {
        if p == t.tgid {
            to_self = true;
            ok = true;
        } else if signal_other(t, p, sig).is_ok() {
            ok = true;
        }
    }
    if !ok {
        return Err(Errno::ESRCH.into());
    }
    if to_self {
        signal_self(t, sig)?;
    }
    Ok(0)
}

pub(super) fn tgkill(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (tgid, tid, sig) = (a.int(0), a.int(1), a.int(2));
    if tgid <= 0 || tid <= 0 {
        return Err(Errno::EINVAL.into());
    }
    check_sig(sig)?;
    if tgid == t.tgid && tid == t.tid {
        return signal_self(t, sig);
    }
    if tid == tgid {
        signal_other(t, tgid, sig)?;
        return Ok(0);
    }
    Err(Errno::ESRCH.into())
}

pub(super) fn tkill(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (tid, sig) = (a.int(0), a.int(1));
    if tid <= 0 {
        return Err(Errno::EINVAL.into());
    }
    check_sig(sig)?;
    if tid == t.tid {
        return signal_self(t, sig);
    }
    signal_other(t, tid, sig)?;
    Ok(0)
}
