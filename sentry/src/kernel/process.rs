//! The process table: pids, parents and children, zombies and reaping,
//! process groups and sessions with their controlling terminals, and the
//! sandbox-wide pause (`runsc pause`): while the table is frozen no task
//! returns to guest code.
//!
//! # Lock order
//! The table's mutex and the controlling-terminal map's are leaves:
//! nothing else is locked while either is held, and they are never held
//! together. Waiters (wait4, vfork parents, tasks held by a pause) sleep
//! on the table's condition variable.

use super::ExitStatus;
use crate::vfs::dentry::lock;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
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
    /// Pending signals (bit `n-1` for signal `n`) and their siginfo.
    pub pending: u64,
    /// siginfo of each pending signal.
    pub infos: BTreeMap<i32, crate::abi::signal::SigInfo>,
    /// A vfork child still shares its parent's wait: set when it has
    /// exec'd or exited.
    pub vfork_released: bool,
    /// The host pid of its stub (for `runsc ps` and kill).
    pub host_pid: i32,
    /// Interrupts its task when another process signals it.
    pub interrupter: Option<platform::Interrupter>,
    /// Live threads (the leader's tid is the pid) and how to interrupt
    /// each.
    pub threads: BTreeMap<i32, Option<platform::Interrupter>>,
    /// Set by exit_group (or a fatal signal): every thread ends with it.
    pub group_exit: Option<ExitStatus>,
    /// Threads told to end (execve by another thread of the group).
    pub doomed: std::collections::BTreeSet<i32>,
    /// prctl(PR_SET_CHILD_SUBREAPER): orphaned descendants come here.
    pub subreaper: bool,
    /// CPU time the process used, recorded when it exits.
    pub exit_cpu: std::time::Duration,
    /// CPU time of its reaped children (and theirs).
    pub child_cpu: std::time::Duration,
    /// Signals sent to one thread (tgkill, faults): pending set and infos.
    pub thread_pending: BTreeMap<i32, (u64, BTreeMap<i32, crate::abi::signal::SigInfo>)>,
    /// Job control: the group is stopped, by this signal, until SIGCONT
    /// or SIGKILL.
    pub stopped: Option<i32>,
    /// A stop a wait with WUNTRACED has not reported yet.
    pub stop_report: Option<i32>,
    /// A continue a wait with WCONTINUED has not reported yet.
    pub cont_report: bool,
    /// Its real uid as of its last stop (for the parent's siginfo).
    pub uid: u32,
    /// Its SIGCHLD action: SA_NOCLDSTOP (no SIGCHLD for children's stops
    /// and continues).
    pub nocldstop: bool,
    /// Its SIGCHLD action: SIG_IGN or SA_NOCLDWAIT (children are reaped
    /// as they exit, never becoming zombies).
    pub nocldwait: bool,
}

impl Proc {
    /// A live process with no threads' state yet but its leader's.
    fn new(pid: i32, ppid: i32, pgid: i32, sid: i32) -> Proc {
        Proc {
            ppid,
            pgid,
            sid,
            zombie: None,
            pending: 0,
            infos: BTreeMap::new(),
            vfork_released: true,
            host_pid: 0,
            interrupter: None,
            threads: BTreeMap::from([(pid, None)]),
            group_exit: None,
            doomed: Default::default(),
            subreaper: false,
            exit_cpu: std::time::Duration::ZERO,
            child_cpu: std::time::Duration::ZERO,
            thread_pending: BTreeMap::new(),
            stopped: None,
            stop_report: None,
            cont_report: false,
            uid: 0,
            nocldstop: false,
            nocldwait: false,
        }
    }

    /// Pending signals of thread `tid`: its own and the process's.
    fn pending_for(&self, tid: i32) -> u64 {
        self.pending | self.thread_pending.get(&tid).map_or(0, |t| t.0)
    }

    /// Whether thread `tid`, blocked in the sentry, must stop waiting: a
    /// signal `mask` lets through, a job-control stop, or the end of its
    /// group (exit_group, a fatal signal, another thread's execve).
    fn must_wake(&self, tid: i32, mask: u64) -> bool {
        deliverable(self.pending_for(tid), mask) != 0
            || self.stopped.is_some()
            || self.group_exit.is_some()
            || self.doomed.contains(&tid)
    }
}

/// All processes of the sandbox.
#[derive(Debug, Default)]
pub struct ProcTable {
    procs: Mutex<BTreeMap<i32, Proc>>,
    next: Mutex<i32>,
    cv: Condvar,
    /// `runsc pause`: tasks hold before they next enter the guest. Read
    /// without the lock on every switch; changed under it.
    frozen: AtomicBool,
    /// Tasks inside a switch into the guest now (see
    /// [`ProcTable::enter_guest`]).
    in_guest: AtomicUsize,
    /// Controlling terminals, by session id.
    ttys: Mutex<BTreeMap<i32, Ctty>>,
}

/// What identifies a terminal: the (device, inode) its stat reports.
pub type TtyKey = (u64, u64);

/// A session's controlling terminal and its foreground process group.
#[derive(Debug, Clone, Copy)]
struct Ctty {
    key: TtyKey,
    foreground: i32,
}

/// The [`TtyKey`] of `file` if it is a terminal (it answers TCGETS).
pub fn terminal_key(file: &crate::vfs::FileDescription) -> Option<TtyKey> {
    use crate::abi::misc::{TCGETS, TERMIOS_SIZE};
    file.ops.tty_ioctl(TCGETS, &mut [0u8; TERMIOS_SIZE]).ok()?;
    let st = file.ops.stat().ok()?;
    Some((st.dev, st.ino))
}

/// What wait4/waitid found: the child's pid, what happened, and its uid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitResult {
    /// A child that exited, now reaped (unless WNOWAIT), with the CPU
    /// time it and its reaped descendants used.
    Exited(i32, ExitStatus, u32, std::time::Duration),
    /// A child stopped by this signal (WUNTRACED/WSTOPPED).
    Stopped(i32, i32, u32),
    /// A stopped child that SIGCONT resumed (WCONTINUED).
    Continued(i32, u32),
    /// Matching children exist but none has anything to report (WNOHANG).
    NoneYet,
}

/// What /proc shows of a process from the table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProcInfo {
    /// Parent.
    pub ppid: i32,
    /// Process group.
    pub pgid: i32,
    /// Session.
    pub sid: i32,
    /// Stopped by job control.
    pub stopped: bool,
    /// Live threads.
    pub threads: usize,
    /// Host pid of its stub (0 before it has one).
    pub host_pid: i32,
}

/// What a wait reports and how it waits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WaitOptions {
    /// Children that exited (always for wait4; WEXITED for waitid).
    pub exited: bool,
    /// Children that stopped (WUNTRACED, WSTOPPED).
    pub stopped: bool,
    /// Children that continued (WCONTINUED).
    pub continued: bool,
    /// Leave the child waitable (WNOWAIT).
    pub nowait: bool,
    /// Do not block (WNOHANG).
    pub nohang: bool,
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
        let mut init = Proc::new(1, 0, 1, 1);
        init.host_pid = host_pid;
        init.interrupter = Some(interrupter);
        init.threads.insert(1, Some(interrupter));
        p.insert(1, init);
        *lock(&self.next) = 2;
    }

    /// Allocates a pid for a child of `parent` (same group and session).
    pub fn add_child(&self, parent: i32, vfork: bool) -> Option<i32> {
        let mut procs = lock(&self.procs);
        let (pgid, sid) = procs.get(&parent).map_or((1, 1), |p| (p.pgid, p.sid));
        let pid = self.alloc_pid(&procs)?;
        let mut child = Proc::new(pid, parent, pgid, sid);
        child.vfork_released = !vfork;
        // fork copies the signal dispositions.
        if let Some(pp) = procs.get(&parent) {
            child.nocldstop = pp.nocldstop;
            child.nocldwait = pp.nocldwait;
        }
        procs.insert(pid, child);
        Some(pid)
    }

    /// Allocates a pid for a process started from outside the sandbox
    /// (`runsc exec`): it has no parent inside (ppid 0, as in gVisor),
    /// leads a new session and process group, and stays a zombie until
    /// [`ProcTable::reap`].
    pub fn add_external(&self) -> Option<i32> {
        let mut procs = lock(&self.procs);
        let pid = self.alloc_pid(&procs)?;
        procs.insert(pid, Proc::new(pid, 0, pid, pid));
        Some(pid)
    }

    /// The next free pid (the caller holds the table).
    fn alloc_pid(&self, procs: &BTreeMap<i32, Proc>) -> Option<i32> {
        let mut next = lock(&self.next);
        let start = *next;
        loop {
            let cand = *next;
            *next = if cand >= PID_MAX { 2 } else { cand + 1 };
            if !procs.contains_key(&cand) && !procs.values().any(|p| p.threads.contains_key(&cand))
            {
                return Some(cand);
            }
            if *next == start {
                return None;
            }
        }
    }

    /// Removes the zombie `pid` (a process [`ProcTable::add_external`]
    /// made, once its status has been collected); returns its status.
    pub fn reap(&self, pid: i32) -> Option<ExitStatus> {
        let mut procs = lock(&self.procs);
        let st = procs.get(&pid)?.zombie?;
        procs.remove(&pid);
        Some(st)
    }

    /// Waits up to `d` for process `pid` to exit; its status once it
    /// has (it stays a zombie), or None while it lives. A pid that is
    /// gone (reaped) reads as exited with 0.
    pub fn wait_exit_for(&self, pid: i32, d: std::time::Duration) -> Option<ExitStatus> {
        let deadline = std::time::Instant::now() + d;
        let mut procs = lock(&self.procs);
        loop {
            match procs.get(&pid) {
                Some(p) if p.zombie.is_some() => return p.zombie,
                None => return Some(ExitStatus::Exited(0)),
                Some(_) => {}
            }
            let now = std::time::Instant::now();
            if now >= deadline {
                return None;
            }
            let (g, _) = self
                .cv
                .wait_timeout(procs, deadline - now)
                .unwrap_or_else(|e| e.into_inner());
            procs = g;
        }
    }

    /// `runsc pause`: every task holds before it next runs guest code.
    /// Tasks running guest code now are interrupted; tasks blocked in a
    /// syscall are left alone (no EINTR, nothing to restart): if the
    /// syscall completes while paused, the task holds before it returns
    /// to the guest.
    pub fn freeze(&self) {
        let procs = lock(&self.procs);
        self.frozen.store(true, Ordering::SeqCst);
        for p in procs.values() {
            for i in p.threads.values().flatten() {
                i.interrupt();
            }
        }
    }

    /// `runsc resume`: held tasks go on.
    pub fn thaw(&self) {
        let procs = lock(&self.procs);
        self.frozen.store(false, Ordering::SeqCst);
        drop(procs);
        self.cv.notify_all();
    }

    /// Whether the sandbox is paused (one atomic load: the run loop asks
    /// before every switch into the guest).
    pub fn is_frozen(&self) -> bool {
        self.frozen.load(Ordering::Relaxed)
    }

    /// Called by a task about to switch into the guest: false (and the
    /// task must not switch) while the sandbox is paused. Counting first
    /// and checking second means that [`ProcTable::freeze`] either stops
    /// the task here or sees it counted in [`ProcTable::in_guest`].
    pub fn enter_guest(&self) -> bool {
        self.in_guest.fetch_add(1, Ordering::SeqCst);
        if self.frozen.load(Ordering::SeqCst) {
            self.in_guest.fetch_sub(1, Ordering::SeqCst);
            return false;
        }
        true
    }

    /// Called by a task once its switch into the guest has returned.
    pub fn leave_guest(&self) {
        self.in_guest.fetch_sub(1, Ordering::SeqCst);
    }

    /// How many tasks are inside a switch into the guest; once the
    /// sandbox is frozen this only falls, and at 0 no guest code runs.
    pub fn in_guest(&self) -> usize {
        self.in_guest.load(Ordering::SeqCst)
    }

    /// Holds thread `tid` of `tgid` while the sandbox is paused, unless
    /// its process gets SIGKILL or its group is ending (those still end
    /// a paused task, as they end a frozen one on Linux).
    pub fn hold_while_frozen(&self, tgid: i32, tid: i32) {
        let kill = crate::abi::signal::bit(crate::abi::signal::SIGKILL);
        let mut procs = lock(&self.procs);
        while self.frozen.load(Ordering::SeqCst)
            && procs.get(&tgid).is_some_and(|p| {
                p.pending & kill == 0 && p.group_exit.is_none() && !p.doomed.contains(&tid)
            })
        {
            let (g, _) = self
                .cv
                .wait_timeout(procs, std::time::Duration::from_millis(50))
                .unwrap_or_else(|e| e.into_inner());
            procs = g;
        }
    }

    /// Records the stub of a process once its thread has made it.
    pub fn set_stub(&self, pid: i32, host_pid: i32, interrupter: platform::Interrupter) {
        if let Some(p) = lock(&self.procs).get_mut(&pid) {
            p.host_pid = host_pid;
            p.interrupter = Some(interrupter);
            p.threads.insert(pid, Some(interrupter));
        }
    }

    /// Records the CPU time process `pid` used (at its exit).
    pub fn set_exit_cpu(&self, pid: i32, d: std::time::Duration) {
        if let Some(p) = lock(&self.procs).get_mut(&pid) {
            p.exit_cpu = d;
        }
    }

    /// CPU time of the reaped children of `pid`.
    pub fn child_cpu(&self, pid: i32) -> std::time::Duration {
        lock(&self.procs)
            .get(&pid)
            .map_or(std::time::Duration::ZERO, |p| p.child_cpu)
    }

    /// prctl(PR_SET_CHILD_SUBREAPER) / PR_GET_CHILD_SUBREAPER.
    pub fn set_subreaper(&self, pid: i32, on: bool) {
        if let Some(p) = lock(&self.procs).get_mut(&pid) {
            p.subreaper = on;
        }
    }

    /// Whether `pid` is a child subreaper.
    pub fn is_subreaper(&self, pid: i32) -> bool {
        lock(&self.procs).get(&pid).is_some_and(|p| p.subreaper)
    }

    /// Allocates a tid for a new thread of `tgid`.
    pub fn add_thread(&self, tgid: i32) -> Option<i32> {
        let mut procs = lock(&self.procs);
        let tid = self.alloc_pid(&procs)?;
        procs.get_mut(&tgid)?.threads.insert(tid, None);
        Some(tid)
    }

    /// Records how to interrupt thread `tid` of `tgid`.
    pub fn set_thread_interrupter(&self, tgid: i32, tid: i32, i: platform::Interrupter) {
        if let Some(p) = lock(&self.procs).get_mut(&tgid) {
            p.threads.insert(tid, Some(i));
        }
    }

    /// The thread group `tid` belongs to.
    pub fn tgid_of(&self, tid: i32) -> Option<i32> {
        let procs = lock(&self.procs);
        if procs.contains_key(&tid) {
            return Some(tid);
        }
        procs
            .iter()
            .find(|(_, p)| p.threads.contains_key(&tid))
            .map(|(&g, _)| g)
    }

    /// Thread ids of `tgid`.
    pub fn threads(&self, tgid: i32) -> Vec<i32> {
        lock(&self.procs)
            .get(&tgid)
            .map(|p| p.threads.keys().copied().collect())
            .unwrap_or_default()
    }

    /// exit_group or a fatal signal: every thread of `tgid` ends with
    /// `status` (the first such status wins).
    pub fn group_exit(&self, tgid: i32, status: ExitStatus) {
        let mut procs = lock(&self.procs);
        if let Some(p) = procs.get_mut(&tgid) {
            if p.group_exit.is_none() {
                p.group_exit = Some(status);
            }
            for i in p.threads.values().flatten() {
                i.interrupt();
            }
        }
        drop(procs);
        self.cv.notify_all();
        crate::vfs::events::bump();
    }

    /// One look at the process table for the run loop: the group's exit
    /// status if it is exiting, and whether a signal is deliverable.
    pub fn poll_task(&self, tgid: i32, tid: i32, mask: u64) -> (Option<ExitStatus>, bool) {
        match lock(&self.procs).get(&tgid) {
            Some(p) if p.doomed.contains(&tid) => (
                Some(ExitStatus::Signaled(crate::abi::signal::SIGKILL)),
                false,
            ),
            Some(p) => (
                p.group_exit,
                deliverable(p.pending_for(tid), mask) != 0 || p.stopped.is_some(),
            ),
            None => (None, false),
        }
    }

    /// Job control: the thread that took stop signal `sig` stops its whole
    /// group. Every thread is interrupted (and stops before it next runs
    /// guest code); the parent gets SIGCHLD with CLD_STOPPED unless its
    /// SIGCHLD action has SA_NOCLDSTOP. False if the group is exiting.
    pub fn stop_group(&self, tgid: i32, sig: i32, uid: u32) -> bool {
        use crate::abi::signal::{wait::CLD_STOPPED, SIGKILL};
        let mut procs = lock(&self.procs);
        let Some(p) = procs.get_mut(&tgid) else {
            return false;
        };
        if p.group_exit.is_some() || p.pending & crate::abi::signal::bit(SIGKILL) != 0 {
            return false;
        }
        if p.stopped.is_none() {
            p.stopped = Some(sig);
            p.stop_report = Some(sig);
            p.cont_report = false;
            p.uid = uid;
            for i in p.threads.values().flatten() {
                i.interrupt();
            }
            let parent = p.ppid;
            notify_parent(&mut procs, parent, CLD_STOPPED, tgid, uid, sig);
        }
        drop(procs);
        self.cv.notify_all();
        crate::vfs::events::bump();
        true
    }

    /// Blocks while `tgid` is stopped (until SIGCONT, SIGKILL or its
    /// group's exit).
    pub fn wait_stopped(&self, tgid: i32) {
        let kill = crate::abi::signal::bit(crate::abi::signal::SIGKILL);
        let mut procs = lock(&self.procs);
        while procs
            .get(&tgid)
            .is_some_and(|p| p.stopped.is_some() && p.group_exit.is_none() && p.pending & kill == 0)
        {
            let (g, _) = self
                .cv
                .wait_timeout(procs, std::time::Duration::from_millis(50))
                .unwrap_or_else(|e| e.into_inner());
            procs = g;
        }
    }

    /// Whether every member of process group `pgid` has its parent
    /// outside the group's session or inside the group (POSIX's orphaned
    /// process group, which terminal stop signals do not stop).
    pub fn pgrp_orphaned(&self, pgid: i32) -> bool {
        let procs = lock(&self.procs);
        !procs
            .values()
            .filter(|p| p.pgid == pgid && p.zombie.is_none())
            .any(|m| {
                procs
                    .get(&m.ppid)
                    .is_some_and(|pp| pp.zombie.is_none() && pp.pgid != pgid && pp.sid == m.sid)
            })
    }

    /// Records process `tgid`'s SIGCHLD action flags.
    pub fn set_sigchld(&self, tgid: i32, nocldstop: bool, nocldwait: bool) {
        if let Some(p) = lock(&self.procs).get_mut(&tgid) {
            p.nocldstop = nocldstop;
            p.nocldwait = nocldwait;
        }
    }

    /// execve from thread `tid`: every other thread of the group ends;
    /// returns once they are gone.
    pub fn kill_other_threads(&self, tgid: i32, tid: i32) {
        let mut procs = lock(&self.procs);
        if let Some(p) = procs.get_mut(&tgid) {
            let others: Vec<i32> = p.threads.keys().copied().filter(|&t| t != tid).collect();
            for t in others {
                p.doomed.insert(t);
                if let Some(Some(i)) = p.threads.get(&t) {
                    i.interrupt();
                }
            }
        }
        while procs
            .get(&tgid)
            .is_some_and(|p| p.threads.keys().any(|&t| t != tid))
        {
            let (g, _) = self
                .cv
                .wait_timeout(procs, std::time::Duration::from_millis(20))
                .unwrap_or_else(|e| e.into_inner());
            procs = g;
        }
        if let Some(p) = procs.get_mut(&tgid) {
            p.doomed.clear();
        }
    }

    /// execve by thread `tid` of `tgid` once the others are gone: it
    /// becomes the leader, known by the process's pid.
    pub fn become_leader(&self, tgid: i32, tid: i32) {
        if let Some(p) = lock(&self.procs).get_mut(&tgid) {
            if let Some(i) = p.threads.remove(&tid) {
                p.threads.insert(tgid, i);
            }
            if let Some(q) = p.thread_pending.remove(&tid) {
                p.thread_pending.insert(tgid, q);
            }
        }
    }

    /// Blocks until process `pid` has exited; returns its status.
    pub fn wait_exit(&self, pid: i32) -> ExitStatus {
        let mut procs = lock(&self.procs);
        loop {
            match procs.get(&pid) {
                Some(p) if p.zombie.is_some() => {
                    return p.zombie.unwrap_or(ExitStatus::Exited(0));
                }
                None => return ExitStatus::Exited(0),
                Some(_) => {}
            }
            let (g, _) = self
                .cv
                .wait_timeout(procs, std::time::Duration::from_millis(50))
                .unwrap_or_else(|e| e.into_inner());
            procs = g;
        }
    }

    /// Whether thread `tid` of `tgid` was told to end by another thread's
    /// execve.
    pub fn is_doomed(&self, tgid: i32, tid: i32) -> bool {
        lock(&self.procs)
            .get(&tgid)
            .is_some_and(|p| p.doomed.contains(&tid))
    }

    /// The status every thread of `tgid` must end with, once exiting.
    pub fn group_exiting(&self, tgid: i32) -> Option<ExitStatus> {
        lock(&self.procs).get(&tgid).and_then(|p| p.group_exit)
    }

    /// Thread `tid` ended; returns the process's status if it was the
    /// last one (the group's exit status, else the thread's own).
    pub fn thread_done(&self, tgid: i32, tid: i32, status: ExitStatus) -> Option<ExitStatus> {
        let mut procs = lock(&self.procs);
        let p = procs.get_mut(&tgid)?;
        p.threads.remove(&tid);
        p.thread_pending.remove(&tid);
        let doomed = p.doomed.remove(&tid);
        let last = p.threads.is_empty() && !doomed;
        let st = p.group_exit.unwrap_or(status);
        drop(procs);
        self.cv.notify_all();
        last.then_some(st)
    }

    /// The leader waits here until it is the last thread (its stub
    /// process must outlive the other threads' stub threads).
    pub fn wait_other_threads(&self, tgid: i32) {
        let mut procs = lock(&self.procs);
        while procs
            .get(&tgid)
            .is_some_and(|p| p.threads.keys().any(|&t| t != tgid))
        {
            let (g, _) = self
                .cv
                .wait_timeout(procs, std::time::Duration::from_millis(50))
                .unwrap_or_else(|e| e.into_inner());
            procs = g;
        }
    }

    /// What /proc shows of process `tgid`, if it exists.
    pub fn info(&self, tgid: i32) -> Option<ProcInfo> {
        lock(&self.procs).get(&tgid).map(|p| ProcInfo {
            ppid: p.ppid,
            pgid: p.pgid,
            sid: p.sid,
            stopped: p.stopped.is_some(),
            threads: p.threads.len(),
            host_pid: p.host_pid,
        })
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

    /// Marks `pid` exited: children go to init, the parent gets SIGCHLD,
    /// waiters wake.
    pub fn exit(&self, pid: i32, status: ExitStatus, uid: u32) {
        use crate::abi::signal::{wait::*, SigInfo, SIGCHLD};
        let mut procs = lock(&self.procs);
        // A session leader's end takes the terminal from its session.
        let leader = procs.get(&pid).is_some_and(|p| p.sid == pid);
        // Orphans go to the nearest live subreaper ancestor, else init.
        let mut reaper = procs.get(&pid).map_or(1, |p| p.ppid);
        while reaper > 1
            && !procs
                .get(&reaper)
                .is_some_and(|p| p.subreaper && p.zombie.is_none())
        {
            reaper = procs.get(&reaper).map_or(1, |p| p.ppid);
        }
        let reaper = reaper.max(1);
        for p in procs.values_mut() {
            if p.ppid == pid {
                p.ppid = reaper;
            }
        }
        let mut parent = 0;
        if let Some(p) = procs.get_mut(&pid) {
            p.zombie = Some(status);
            p.uid = uid;
            p.stopped = None;
            p.vfork_released = true;
            p.interrupter = None;
            p.pending = 0;
            p.infos.clear();
            parent = p.ppid;
        }
        if let Some(pp) = procs.get_mut(&parent) {
            let (code, st) = match status {
                ExitStatus::Exited(c) => (CLD_EXITED, c as i32),
                ExitStatus::Signaled(s) => (CLD_KILLED, s),
            };
            // Like any standard signal, a pending SIGCHLD keeps the
            // siginfo of the first event.
            let b = crate::abi::signal::bit(SIGCHLD);
            if pp.pending & b == 0 {
                pp.pending |= b;
                pp.infos.insert(SIGCHLD, SigInfo::child(code, pid, uid, st));
            }
            if let Some(i) = pp.interrupter {
                i.interrupt();
            }
            // A parent that ignores SIGCHLD (or set SA_NOCLDWAIT) never
            // sees zombies: the child is reaped as it exits.
            if pp.nocldwait {
                procs.remove(&pid);
            }
        }
        crate::vfs::events::bump();
        // Zombies whose parent is gone (or is init, which reaps nothing
        // here) would pile up; init's own children are reaped by wait4.
        drop(procs);
        if leader {
            self.release_ctty(pid);
        }
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

    /// wait4/waitid: reports (and reaps, for an exit without WNOWAIT) a
    /// matching child of `parent` with something `opts` asks for, waiting
    /// for one unless `opts.nohang`. ECHILD when there is no matching
    /// child; EINTR when a signal `mask` lets through arrives first.
    pub fn wait(
        &self,
        parent: i32,
        which: WaitFor,
        opts: WaitOptions,
        mask: u64,
    ) -> Result<WaitResult, crate::abi::Errno> {
        let mut procs = lock(&self.procs);
        loop {
            let mut any = false;
            let mut found = None;
            for (&pid, p) in procs.iter_mut() {
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
                if let Some(st) = p.zombie.filter(|_| opts.exited) {
                    found = Some(WaitResult::Exited(pid, st, p.uid, p.exit_cpu + p.child_cpu));
                    break;
                }
                if let Some(sig) = p.stop_report.filter(|_| opts.stopped && p.zombie.is_none()) {
                    if !opts.nowait {
                        p.stop_report = None;
                    }
                    found = Some(WaitResult::Stopped(pid, sig, p.uid));
                    break;
                }
                if opts.continued && p.cont_report && p.zombie.is_none() {
                    if !opts.nowait {
                        p.cont_report = false;
                    }
                    found = Some(WaitResult::Continued(pid, p.uid));
                    break;
                }
            }
            if let Some(r) = found {
                if let (WaitResult::Exited(pid, ..), false) = (r, opts.nowait) {
                    if let Some(c) = procs.remove(&pid) {
                        if let Some(p) = procs.get_mut(&parent) {
                            p.child_cpu += c.exit_cpu + c.child_cpu;
                        }
                    }
                }
                return Ok(r);
            }
            if !any {
                return Err(crate::abi::Errno::ECHILD);
            }
            if opts.nohang {
                return Ok(WaitResult::NoneYet);
            }
            if procs.get(&parent).is_some_and(|p| {
                deliverable(p.pending, mask) != 0 || p.stopped.is_some() || p.group_exit.is_some()
            }) {
                return Err(crate::abi::Errno::EINTR);
            }
            let (g, _) = self
                .cv
                .wait_timeout(procs, std::time::Duration::from_millis(50))
                .unwrap_or_else(|e| e.into_inner());
            procs = g;
        }
    }

    /// Sends `sig` with `info` to process `pid` (0: only check that it
    /// exists). A running task is interrupted so that it sees the signal.
    pub fn send(
        &self,
        pid: i32,
        sig: i32,
        info: crate::abi::signal::SigInfo,
    ) -> Result<(), crate::abi::Errno> {
        let mut procs = lock(&self.procs);
        match procs.get(&pid) {
            None => return Err(crate::abi::Errno::ESRCH),
            // A zombie still exists for kill(2), which succeeds; the
            // signal goes nowhere.
            Some(p) if p.zombie.is_some() => return Ok(()),
            Some(_) => {}
        }
        job_control_on_send(&mut procs, pid, sig);
        let p = procs.get_mut(&pid).ok_or(crate::abi::Errno::ESRCH)?;
        if sig != 0 {
            let b = crate::abi::signal::bit(sig);
            if p.pending & b == 0 {
                p.pending |= b;
                p.infos.insert(sig, info);
            }
            if let Some(i) = p.interrupter {
                i.interrupt();
            }
        }
        drop(procs);
        self.cv.notify_all();
        crate::vfs::events::bump();
        Ok(())
    }

    /// Sends `sig` to thread `tid` of `tgid` only (tgkill, faults).
    pub fn send_thread(
        &self,
        tgid: i32,
        tid: i32,
        sig: i32,
        info: crate::abi::signal::SigInfo,
    ) -> Result<(), crate::abi::Errno> {
        let mut procs = lock(&self.procs);
        if procs
            .get(&tgid)
            .is_none_or(|p| p.zombie.is_some() || !p.threads.contains_key(&tid))
        {
            return Err(crate::abi::Errno::ESRCH);
        }
        job_control_on_send(&mut procs, tgid, sig);
        let p = procs.get_mut(&tgid).ok_or(crate::abi::Errno::ESRCH)?;
        if sig != 0 {
            let b = crate::abi::signal::bit(sig);
            let q = p.thread_pending.entry(tid).or_default();
            if q.0 & b == 0 {
                q.0 |= b;
                q.1.insert(sig, info);
            }
            if let Some(Some(i)) = p.threads.get(&tid) {
                i.interrupt();
            }
        }
        drop(procs);
        self.cv.notify_all();
        crate::vfs::events::bump();
        Ok(())
    }

    /// The next deliverable signal for thread `tid`: its own first
    /// (synchronous ones before others), then the process's.
    pub fn take_signal_thread(
        &self,
        tgid: i32,
        tid: i32,
        mask: u64,
    ) -> Option<(i32, crate::abi::signal::SigInfo)> {
        {
            let mut procs = lock(&self.procs);
            let p = procs.get_mut(&tgid)?;
            if let Some(q) = p.thread_pending.get_mut(&tid) {
                let ready = deliverable(q.0, mask);
                if ready != 0 {
                    let sync = ready & crate::abi::signal::SYNCHRONOUS;
                    let pick = if sync != 0 { sync } else { ready };
                    let sig = pick.trailing_zeros() as i32 + 1;
                    q.0 &= !crate::abi::signal::bit(sig);
                    let info = q.1.remove(&sig).unwrap_or_else(|| {
                        crate::abi::signal::SigInfo::new(sig, crate::abi::signal::SI_KERNEL)
                    });
                    return Some((sig, info));
                }
            }
        }
        self.take_signal(tgid, mask)
    }

    /// Whether thread `tid` has a signal `mask` lets through.
    /// A stopped or ending group counts too: its blocked threads leave
    /// their syscalls (to restart them once continued, or to exit).
    pub fn signal_pending_thread(&self, tgid: i32, tid: i32, mask: u64) -> bool {
        lock(&self.procs)
            .get(&tgid)
            .is_some_and(|p| p.must_wake(tid, mask))
    }

    /// Pending signals of thread `tid` (its own and its process's).
    pub fn pending_thread(&self, tgid: i32, tid: i32) -> u64 {
        lock(&self.procs)
            .get(&tgid)
            .map_or(0, |p| p.pending_for(tid))
    }

    /// Takes the next deliverable signal of `pid` (synchronous ones first,
    /// then the lowest number).
    pub fn take_signal(&self, pid: i32, mask: u64) -> Option<(i32, crate::abi::signal::SigInfo)> {
        let mut procs = lock(&self.procs);
        let p = procs.get_mut(&pid)?;
        let ready = deliverable(p.pending, mask);
        if ready == 0 {
            return None;
        }
        let sync = ready & crate::abi::signal::SYNCHRONOUS;
        let pick = if sync != 0 { sync } else { ready };
        let sig = pick.trailing_zeros() as i32 + 1;
        p.pending &= !crate::abi::signal::bit(sig);
        let info = p.infos.remove(&sig).unwrap_or_else(|| {
            crate::abi::signal::SigInfo::new(sig, crate::abi::signal::SI_KERNEL)
        });
        Some((sig, info))
    }

    /// Pending signals of `pid`.
    pub fn pending(&self, pid: i32) -> u64 {
        lock(&self.procs).get(&pid).map_or(0, |p| p.pending)
    }

    /// Drops pending `sig` of `pid` (it became ignored).
    pub fn discard(&self, pid: i32, sig: i32) {
        if let Some(p) = lock(&self.procs).get_mut(&pid) {
            p.pending &= !crate::abi::signal::bit(sig);
            p.infos.remove(&sig);
            for q in p.thread_pending.values_mut() {
                q.0 &= !crate::abi::signal::bit(sig);
                q.1.remove(&sig);
            }
        }
    }

    /// Whether `pid` has a signal that `mask` does not block (or SIGKILL).
    pub fn signal_pending(&self, pid: i32, mask: u64) -> bool {
        lock(&self.procs)
            .get(&pid)
            .is_some_and(|p| deliverable(p.pending, mask) != 0)
    }

    /// Sleeps up to `d` unless `pid` has a signal `mask` lets through.
    pub fn wait_signal_for(&self, pid: i32, mask: u64, d: std::time::Duration) {
        let procs = lock(&self.procs);
        if procs
            .get(&pid)
            .is_some_and(|p| deliverable(p.pending, mask) == 0)
        {
            let _ = self.cv.wait_timeout(procs, d);
        }
    }

    /// Sleeps until thread `tid` of `pid` has a deliverable signal
    /// (sigsuspend, pause).
    pub fn wait_signal(&self, pid: i32, tid: i32, mask: u64) {
        let mut procs = lock(&self.procs);
        while procs.get(&pid).is_some_and(|p| !p.must_wake(tid, mask)) {
            let (g, _) = self
                .cv
                .wait_timeout(procs, std::time::Duration::from_millis(50))
                .unwrap_or_else(|e| e.into_inner());
            procs = g;
        }
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

    /// Every live process as (pid, ppid, host pid of its stub), for
    /// `runsc ps`.
    pub fn host_pids(&self) -> Vec<(i32, i32, i32)> {
        lock(&self.procs)
            .iter()
            .filter(|(_, p)| p.zombie.is_none())
            .map(|(&pid, p)| (pid, p.ppid, p.host_pid))
            .collect()
    }

    /// TIOCSCTTY (and a process started with a terminal): terminal `key`
    /// becomes the controlling terminal of session `sid`, with `fg` in
    /// the foreground. EPERM when the session has another one or the
    /// terminal belongs to another session.
    pub fn set_ctty(&self, sid: i32, key: TtyKey, fg: i32) -> Result<(), crate::abi::Errno> {
        let mut ttys = lock(&self.ttys);
        match ttys.get(&sid) {
            Some(c) if c.key == key => return Ok(()),
            Some(_) => return Err(crate::abi::Errno::EPERM),
            None => {}
        }
        if ttys.values().any(|c| c.key == key) {
            return Err(crate::abi::Errno::EPERM);
        }
        ttys.insert(
            sid,
            Ctty {
                key,
                foreground: fg,
            },
        );
        Ok(())
    }

    /// The foreground process group of terminal `key`, which must be the
    /// controlling terminal of session `sid` (else ENOTTY).
    pub fn tty_foreground(&self, sid: i32, key: TtyKey) -> Result<i32, crate::abi::Errno> {
        match lock(&self.ttys).get(&sid) {
            Some(c) if c.key == key => Ok(c.foreground),
            _ => Err(crate::abi::Errno::ENOTTY),
        }
    }

    /// TIOCSPGRP: process group `pgid` of session `sid` becomes the
    /// foreground of `sid`'s controlling terminal `key`.
    pub fn set_tty_foreground(
        &self,
        sid: i32,
        key: TtyKey,
        pgid: i32,
    ) -> Result<(), crate::abi::Errno> {
        use crate::abi::Errno;
        self.tty_foreground(sid, key)?;
        if pgid < 0 {
            return Err(Errno::EINVAL);
        }
        let group_sid = lock(&self.procs)
            .values()
            .find(|p| p.pgid == pgid && p.zombie.is_none())
            .map(|p| p.sid)
            .ok_or(Errno::ESRCH)?;
        if group_sid != sid {
            return Err(Errno::EPERM);
        }
        match lock(&self.ttys).get_mut(&sid) {
            Some(c) if c.key == key => {
                c.foreground = pgid;
                Ok(())
            }
            _ => Err(Errno::ENOTTY),
        }
    }

    /// The session loses its controlling terminal (TIOCNOTTY by its
    /// leader, or the leader's exit).
    pub fn release_ctty(&self, sid: i32) {
        lock(&self.ttys).remove(&sid);
    }

    /// The key of session `sid`'s controlling terminal (/dev/tty).
    pub fn ctty_key(&self, sid: i32) -> Option<TtyKey> {
        lock(&self.ttys).get(&sid).map(|c| c.key)
    }

    /// The foreground process group of session `sid`'s controlling
    /// terminal, if it has one (/proc/PID/stat tpgid).
    pub fn session_foreground(&self, sid: i32) -> Option<i32> {
        lock(&self.ttys).get(&sid).map(|c| c.foreground)
    }

    /// Whether process `pid` has exited (it is a zombie, or gone).
    pub fn has_exited(&self, pid: i32) -> bool {
        lock(&self.procs)
            .get(&pid)
            .is_none_or(|p| p.zombie.is_some())
    }

    /// Whether `pid` is a live process (a thread-group leader that has
    /// not exited).
    pub fn is_live_process(&self, pid: i32) -> bool {
        lock(&self.procs)
            .get(&pid)
            .is_some_and(|p| p.zombie.is_none())
    }

    /// Whether SIGKILL is pending for `pid`.
    pub fn killed(&self, pid: i32) -> bool {
        lock(&self.procs)
            .get(&pid)
            .is_some_and(|p| p.pending & crate::abi::signal::bit(crate::abi::signal::SIGKILL) != 0)
    }
}

/// SIGCHLD to `parent` for a child's stop or continue (unless the
/// parent's SIGCHLD action has SA_NOCLDSTOP).
fn notify_parent(
    procs: &mut BTreeMap<i32, Proc>,
    parent: i32,
    code: i32,
    pid: i32,
    uid: u32,
    status: i32,
) {
    use crate::abi::signal::{SigInfo, SIGCHLD};
    let Some(pp) = procs.get_mut(&parent).filter(|pp| pp.zombie.is_none()) else {
        return;
    };
    if pp.nocldstop {
        return;
    }
    let b = crate::abi::signal::bit(SIGCHLD);
    if pp.pending & b == 0 {
        pp.pending |= b;
        pp.infos
            .insert(SIGCHLD, SigInfo::child(code, pid, uid, status));
    }
    if let Some(i) = pp.interrupter {
        i.interrupt();
    }
}

/// What sending `sig` to `pid` does at once, as Linux's prepare_signal:
/// SIGCONT (and SIGKILL) discard pending stop signals and resume a
/// stopped group (reporting CLD_CONTINUED); a stop signal discards a
/// pending SIGCONT.
fn job_control_on_send(procs: &mut BTreeMap<i32, Proc>, pid: i32, sig: i32) {
    use crate::abi::signal::{bit, wait::CLD_CONTINUED, SIGCONT, SIGKILL, STOP_SIGNALS};
    let Some(p) = procs.get_mut(&pid) else {
        return;
    };
    let drop_set = |p: &mut Proc, set: u64| {
        p.pending &= !set;
        p.infos.retain(|s, _| bit(*s) & set == 0);
        for q in p.thread_pending.values_mut() {
            q.0 &= !set;
            q.1.retain(|s, _| bit(*s) & set == 0);
        }
    };
    if sig == SIGCONT || sig == SIGKILL {
        drop_set(p, STOP_SIGNALS);
        if p.stopped.take().is_some() {
            p.stop_report = None;
            if sig == SIGCONT {
                p.cont_report = true;
                let (parent, uid) = (p.ppid, p.uid);
                notify_parent(procs, parent, CLD_CONTINUED, pid, uid, SIGCONT);
            }
        }
    } else if bit(sig) & STOP_SIGNALS != 0 {
        drop_set(p, bit(SIGCONT));
    }
}

/// The signals of `pending` that `mask` lets through (SIGKILL and SIGSTOP
/// always).
pub fn deliverable(pending: u64, mask: u64) -> u64 {
    pending & !(mask & !crate::abi::signal::SigSet::UNBLOCKABLE.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::abi::Errno;

    #[test]
    fn test_ctty_one_per_session_and_foreground_in_session() {
        let t = ProcTable::default();
        let (a, b) = (t.add_external().unwrap(), t.add_external().unwrap());
        let (tty1, tty2) = ((1, 10), (1, 11));
        assert_eq!(t.set_ctty(a, tty1, a), Ok(()));
        assert_eq!(t.set_ctty(a, tty1, a), Ok(()), "again: no change");
        assert_eq!(t.set_ctty(a, tty2, a), Err(Errno::EPERM), "a second tty");
        assert_eq!(t.set_ctty(b, tty1, b), Err(Errno::EPERM), "another's tty");
        assert_eq!(t.tty_foreground(a, tty1), Ok(a));
        assert_eq!(t.tty_foreground(b, tty1), Err(Errno::ENOTTY));
        assert_eq!(t.set_tty_foreground(a, tty1, b), Err(Errno::EPERM));
        assert_eq!(t.set_tty_foreground(a, tty1, 999), Err(Errno::ESRCH));
        assert_eq!(t.session_foreground(a), Some(a));
        t.exit(a, ExitStatus::Exited(0), 0);
        assert_eq!(t.session_foreground(a), None, "the leader's exit frees it");
    }

    #[test]
    fn test_frozen_table_refuses_guest_entry_until_thawed() {
        let t = ProcTable::default();
        assert!(t.enter_guest());
        assert_eq!(t.in_guest(), 1);
        t.freeze();
        assert!(!t.enter_guest());
        t.leave_guest();
        assert_eq!(t.in_guest(), 0);
        t.thaw();
        assert!(t.enter_guest());
        t.leave_guest();
    }
}
