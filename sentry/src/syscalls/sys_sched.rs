//! Scheduling odds and ends: getpriority/setpriority, the
//! sched_* policy calls, getcpu, personality.

use super::SyscallArgs;
use crate::abi::caps::CAP_SYS_NICE;
use crate::abi::misc::sched::*;
use crate::abi::{Errno, SysResult};
use crate::kernel::Task;

fn target_ok(t: &Task, pid: i32) -> Result<(), Errno> {
    if pid == 0 || pid == t.tid || t.kernel.procs.tgid_of(pid).is_some() {
        Ok(())
    } else {
        Err(Errno::ESRCH)
    }
}

pub(super) fn getpriority(t: &mut Task, a: &SyscallArgs) -> SysResult {
    match a.int(0) {
        PRIO_PROCESS | PRIO_PGRP | PRIO_USER => {}
        _ => return Err(Errno::EINVAL.into()),
    }
    if a.int(0) == PRIO_PROCESS {
        target_ok(t, a.int(1))?;
    }
    Ok((PRIO_BIAS - t.nice) as u64)
}

pub(super) fn setpriority(t: &mut Task, a: &SyscallArgs) -> SysResult {
    match a.int(0) {
        PRIO_PROCESS | PRIO_PGRP | PRIO_USER => {}
        _ => return Err(Errno::EINVAL.into()),
    }
    if a.int(0) == PRIO_PROCESS {
        target_ok(t, a.int(1))?;
    }
    let nice = a.int(2).clamp(NICE_MIN, NICE_MAX);
    if nice < t.nice && !t.creds.capable(CAP_SYS_NICE) {
        return Err(Errno::EACCES.into());
    }
    t.nice = nice;
    Ok(0)
}

pub(super) fn sched_getscheduler(t: &mut Task, a: &SyscallArgs) -> SysResult {
    if a.int(0) < 0 {
        return Err(Errno::EINVAL.into());
    }
    target_ok(t, a.int(0))?;
    Ok(SCHED_OTHER as u64)
}

pub(super) fn sched_getparam(t: &mut Task, a: &SyscallArgs) -> SysResult {
    if a.int(0) < 0 || a.addr(1) == 0 {
        return Err(Errno::EINVAL.into());
    }
    target_ok(t, a.int(0))?;
    t.copy_out_obj(a.addr(1), &0i32)?;
    Ok(0)
}

pub(super) fn sched_setscheduler(t: &mut Task, a: &SyscallArgs) -> SysResult {
    if a.int(0) < 0 || a.addr(2) == 0 {
        return Err(Errno::EINVAL.into());
    }
    target_ok(t, a.int(0))?;
    let prio: i32 = t.copy_in_obj(a.addr(2))?;
    match a.int(1) {
        SCHED_OTHER | SCHED_BATCH | SCHED_IDLE if prio == 0 => Ok(0),
        SCHED_FIFO | SCHED_RR if (1..=RT_PRIO_MAX).contains(&prio) => {
            // Real-time policies would need host privileges the sandbox
            // does not give its guests.
            Err(Errno::EPERM.into())
        }
        _ => Err(Errno::EINVAL.into()),
    }
}

pub(super) fn sched_setparam(t: &mut Task, a: &SyscallArgs) -> SysResult {
    if a.int(0) < 0 || a.addr(1) == 0 {
        return Err(Errno::EINVAL.into());
    }
    target_ok(t, a.int(0))?;
    let prio: i32 = t.copy_in_obj(a.addr(1))?;
    if prio != 0 {
        return Err(Errno::EINVAL.into());
    }
    Ok(0)
}

pub(super) fn sched_get_priority_max(_t: &mut Task, a: &SyscallArgs) -> SysResult {
    match a.int(0) {
        SCHED_FIFO | SCHED_RR => Ok(RT_PRIO_MAX as u64),
        SCHED_OTHER | SCHED_BATCH | SCHED_IDLE => Ok(0),
        _ => Err(Errno::EINVAL.into()),
    }
}

pub(super) fn sched_get_priority_min(_t: &mut Task, a: &SyscallArgs) -> SysResult {
    match a.int(0) {
        SCHED_FIFO | SCHED_RR => Ok(1),
        SCHED_OTHER | SCHED_BATCH | SCHED_IDLE => Ok(0),
        _ => Err(Errno::EINVAL.into()),
    }
}

pub(super) fn getcpu(t: &mut Task, a: &SyscallArgs) -> SysResult {
    // SAFETY: sched_getcpu only reads the calling thread's CPU.
    let cpu = unsafe { libc::sched_getcpu() }.max(0) as u32;
    let cpu = cpu % t.kernel.ncpu.max(1) as u32;
    if a.addr(0) != 0 {
        t.copy_out_obj(a.addr(0), &cpu)?;
    }
    if a.addr(1) != 0 {
        t.copy_out_obj(a.addr(1), &0u32)?;
    }
    Ok(0)
}

pub(super) fn personality(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let old = t.personality;
    let new = a.raw(0) & 0xffff_ffff;
    if new != PERSONALITY_QUERY {
        t.personality = new;
    }
    Ok(old)
}
