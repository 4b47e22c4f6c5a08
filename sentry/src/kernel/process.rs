//! The process table: pids, parents and children, zombies and reaping,
//! process groups and sessions.
//!
//! # Lock order
//! The table's mutex is a leaf: nothing else is locked while it is held.
//! Waiters (wait4, vfork parents) sleep on the table's condition variable.

use super::ExitStatus;
use crate::vfs::dentry::lock;
use std::collections::BTreeMap;
use std::sync::{Condvar, Mutex};

/// Largest pid (like /proc/sys/kernel/pid_max).
pub const PID_MAX: i32 = 4_194_304;

/// One process (thread group) in the table.
#[derive(Debug)]
pub struct Proc {
    /// Parent's pid (0 for init).
    pub ppid: i32,
    /// Process group.
    pub pgid: i32,
    /// Session.
    pub sid: i32,
    /// Set when it has exited and not been reaped.
    pub zombie: Option<ExitStatus>,
    /// A fatal signal sent by another process, not yet acted on.
    pub kill: Option<i32>,
    /// A vfork child still shares its parent's wait: set when it has
    /// exec'd or exited.
    pub vfork_released: bool,
    /// The host pid of its stub (for `runsc ps` and kill).
    pub host_pid: i32,
    /// Interrupts its task when another process signals it.
    pub interrupter: Option<platform::Interrupter>,
}

/// All processes of the sandbox.
#[derive(Debug, Default)]
pub struct ProcTable {
    procs: Mutex<BTreeMap<i32, Proc>>,
    next: Mutex<i32>,
    cv: Condvar,
}

/// What wait4 found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitResult {
    /// A child that exited, now reaped.
    Reaped(i32, ExitStatus),
    /// Matching children exist but none has exited (WNOHANG).
    NoneYet,
}

/// Which children wait4 considers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitFor {
    /// This pid.
    Pid(i32),
    /// Any child.
    Any,
    /// Any child in this process group.
    Group(i32),
}

impl ProcTable {
    /// Adds init (pid 1).
    pub fn add_init(&self, host_pid: i32, interrupter: platform::Interrupter) {
        let mut p = lock(&self.procs);
        p.insert(
            1,
            Proc {
                ppid: 0,
                pgid: 1,
                sid: 1,
                zombie: None,
                kill: None,
                vfork_released: true,
                host_pid,
                interrupter: Some(interrupter),
            },
        );
        *lock(&self.next) = 2;
    }

    /// Allocates a pid for a child of `parent` (same group and session).
    pub fn add_child(&self, parent: i32, vfork: bool) -> Option<i32> {
        let mut procs = lock(&self.procs);
        let (pgid, sid) = procs.get(&parent).map_or((1, 1), |p| (p.pgid, p.sid));
        let mut next = lock(&self.next);
        let start = *next;
        let pid = loop {
            let cand = *next;
            *next = if cand >= PID_MAX { 2 } else { cand + 1 };
            if !procs.contains_key(&cand) {
                break cand;
            }
            if *next == start {
                return None;
            }
        };
        procs.insert(
            pid,
            Proc {
                ppid: parent,
                pgid,
                sid,
                zombie: None,
                kill: None,
                vfork_released: !vfork,
                host_pid: 0,
                interrupter: None,
            },
        );
        Some(pid)
    }

    /// Records the stub of a process once its thread has made it.
    pub fn set_stub(&self, pid: i32, host_pid: i32, interrupter: platform::Interrupter) {
        if let Some(p) = lock(&self.procs).get_mut(&pid) {
            p.host_pid = host_pid;
            p.interrupter = Some(interrupter);
        }
    }

    /// A process's parent (0 if unknown).
    pub fn ppid(&self, pid: i32) -> i32 {
        lock(&self.procs).get(&pid).map_or(0, |p| p.ppid)
    }

    /// Process group and session of `pid`.
    pub fn pgid_sid(&self, pid: i32) -> Option<(i32, i32)> {
        lock(&self.procs).get(&pid).map(|p| (p.pgid, p.sid))
    }

    /// setpgid(pid, pgid) from `caller`.
    pub fn setpgid(&self, caller: i32, pid: i32, pgid: i32) -> Result<(), crate::abi::Errno> {
        use crate::abi::Errno;
        let mut procs = lock(&self.procs);
        let pid = if pid == 0 { caller } else { pid };
        let pgid = if pgid == 0 { pid } else { pgid };
        if pgid < 0 {
            return Err(Errno::EINVAL);
        }
        let caller_sid = procs.get(&caller).map(|p| p.sid).ok_or(Errno::ESRCH)?;
        let target = procs.get(&pid).ok_or(Errno::ESRCH)?;
        if pid != caller && target.ppid != caller {
            return Err(Errno::ESRCH);
        }
        if target.sid != caller_sid || target.sid == pid {
            return Err(Errno::EPERM);
        }
        if pgid != pid
            && !procs
                .values()
                .any(|p| p.pgid == pgid && p.sid == caller_sid && p.zombie.is_none())
        {
            return Err(Errno::EPERM);
        }
        if let Some(t) = procs.get_mut(&pid) {
            t.pgid = pgid;
        }
        Ok(())
    }

    /// setsid from `pid`.
    pub fn setsid(&self, pid: i32) -> Result<i32, crate::abi::Errno> {
        let mut procs = lock(&self.procs);
        if procs.values().any(|p| p.pgid == pid) && procs.get(&pid).is_some_and(|p| p.pgid == pid) {
            return Err(crate::abi::Errno::EPERM);
        }
        if let Some(p) = procs.get_mut(&pid) {
            p.pgid = pid;
            p.sid = pid;
        }
        Ok(pid)
    }

    /// Marks `pid` exited: children go to init, waiters wake.
    pub fn exit(&self, pid: i32, status: ExitStatus) {
        let mut procs = lock(&self.procs);
        for p in procs.values_mut() {
            if p.ppid == pid {
                p.ppid = 1;
            }
        }
        if let Some(p) = procs.get_mut(&pid) {
            p.zombie = Some(status);
            p.vfork_released = true;
            p.interrupter = None;
        }
        // Zombies whose parent is gone (or is init, which reaps nothing
        // here) would pile up; init's own children are reaped by wait4.
        drop(procs);
        self.cv.notify_all();
    }

    /// A vfork child exec'd: its parent may go on.
    pub fn release_vfork(&self, pid: i32) {
        if let Some(p) = lock(&self.procs).get_mut(&pid) {
            p.vfork_released = true;
        }
        self.cv.notify_all();
    }

    /// Blocks until the vfork child `pid` has exec'd or exited.
    pub fn wait_vfork(&self, pid: i32) {
        let mut procs = lock(&self.procs);
        while procs.get(&pid).is_some_and(|p| !p.vfork_released) {
            procs = self.cv.wait(procs).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// wait4: reaps a matching zombie child of `parent`, waiting for one
    /// unless `nohang`. ECHILD when there is no matching child; EINTR when
    /// `parent` is killed while it waits.
    pub fn wait(
        &self,
        parent: i32,
        which: WaitFor,
        nohang: bool,
    ) -> Result<WaitResult, crate::abi::Errno> {
        let mut procs = lock(&self.procs);
        loop {
            let mut any = false;
            let mut found = None;
            for (&pid, p) in procs.iter() {
                if p.ppid != parent {
                    continue;
                }
                let matches = match which {
                    WaitFor::Pid(x) => pid == x,
                    WaitFor::Any => true,
                    WaitFor::Group(g) => p.pgid == g,
                };
                if !matches {
                    continue;
                }
                any = true;
                if let Some(st) = p.zombie {
                    found = Some((pid, st));
                    break;
                }
            }
            if let Some((pid, st)) = found {
                procs.remove(&pid);
                return Ok(WaitResult::Reaped(pid, st));
            }
            if !any {
                return Err(crate::abi::Errno::ECHILD);
            }
            if nohang {
                return Ok(WaitResult::NoneYet);
            }
            if procs.get(&parent).is_some_and(|p| p.kill.is_some()) {
                return Err(crate::abi::Errno::EINTR);
            }
            let (g, _) = self
                .cv
                .wait_timeout(procs, std::time::Duration::from_millis(50))
                .unwrap_or_else(|e| e.into_inner());
            procs = g;
        }
    }

    /// Sends a fatal signal to process `pid`: it ends at its next stop.
    pub fn kill(&self, pid: i32, sig: i32) -> Result<(), crate::abi::Errno> {
        let mut procs = lock(&self.procs);
        let p = procs
            .get_mut(&pid)
            .filter(|p| p.zombie.is_none())
            .ok_or(crate::abi::Errno::ESRCH)?;
        if sig != 0 {
            p.kill.get_or_insert(sig);
            if let Some(i) = p.interrupter {
                i.interrupt();
            }
        }
        Ok(())
    }

    /// Pids of the live processes in group `pgid`.
    pub fn group_members(&self, pgid: i32) -> Vec<i32> {
        lock(&self.procs)
            .iter()
            .filter(|(_, p)| p.pgid == pgid && p.zombie.is_none())
            .map(|(&pid, _)| pid)
            .collect()
    }

    /// Every live pid.
    pub fn live(&self) -> Vec<i32> {
        lock(&self.procs)
            .iter()
            .filter(|(_, p)| p.zombie.is_none())
            .map(|(&pid, _)| pid)
            .collect()
    }

    /// A pending kill for `pid`, if another process sent one.
    pub fn pending_kill(&self, pid: i32) -> Option<i32> {
        lock(&self.procs).get(&pid).and_then(|p| p.kill)
    }
}
