//! What other tasks may see of a task: a snapshot each task publishes in
//! the kernel's registry (/proc/PID of another process, ps, pgrep).
//!
//! A task's state belongs to its own thread, so nothing else can read its
//! `Task`. The task publishes a `TaskView` (cheap: shared parts are
//! `Arc`s) when it starts, after exec, and after the syscalls that change
//! what /proc shows (credentials, name, limits, umask, priority); its own
//! /proc/self is generated from a fresh view. The view is withdrawn when
//! the thread ends.

use super::task::{ArgvEnv, Credentials, SignalState};
use super::{Kernel, Task};
use crate::abi::misc::{Rlimit, RLIM_NLIMITS};
use crate::mm::MemoryManager;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// A task as others see it.
#[derive(Clone)]
pub struct TaskView {
    /// The sandbox's kernel.
    pub kernel: Arc<Kernel>,
    /// Thread id.
    pub tid: i32,
    /// Thread group id.
    pub tgid: i32,
    /// Parent's pid when published (the process table has the current one).
    pub ppid: i32,
    /// Identity.
    pub creds: Credentials,
    /// Task name.
    pub comm: [u8; crate::abi::file::TASK_COMM_LEN],
    /// Path of the executable.
    pub exe_path: Vec<u8>,
    /// argv and envp of the last exec.
    pub argv_env: Arc<ArgvEnv>,
    /// Address space.
    pub mm: Arc<MemoryManager>,
    /// Open files.
    pub fds: crate::vfs::Fds,
    /// Root and working directory.
    pub fs: crate::vfs::resolve::FsContext,
    /// Dispositions (shared, live) and the mask when published.
    pub signals: SignalState,
    /// Resource limits.
    pub rlimits: [Rlimit; RLIM_NLIMITS],
    /// File mode creation mask.
    pub umask: u32,
    /// Nice value.
    pub nice: i32,
    /// no_new_privs (/proc/PID/status NoNewPrivs).
    pub no_new_privs: bool,
    /// The viewer is this task itself (it is running, not sleeping).
    pub is_self: bool,
}

impl Task {
    /// A fresh view of this task.
    pub fn view(&self) -> TaskView {
        TaskView {
            kernel: self.kernel.clone(),
            tid: self.tid,
            tgid: self.tgid,
            ppid: self.ppid,
            creds: self.creds.clone(),
            comm: self.comm,
            exe_path: self.exe_path.clone(),
            argv_env: self.argv_env.clone(),
            mm: self.mm.clone(),
            fds: self.fds.clone(),
            fs: self.fs.clone(),
            signals: self.signals.clone(),
            rlimits: self.rlimits,
            umask: self.umask,
            nice: self.nice,
            no_new_privs: self.no_new_privs,
            is_self: true,
        }
    }

    /// Publishes this task's view for other tasks to see.
    pub fn publish(&self) {
        let mut v = self.view();
        v.is_self = false;
        self.kernel.views.publish(v);
    }
}

/// The registry of published views, by thread id.
#[derive(Default)]
pub struct Views {
    map: Mutex<BTreeMap<i32, TaskView>>,
}

impl Views {
    fn publish(&self, v: TaskView) {
        crate::vfs::dentry::lock(&self.map).insert(v.tid, v);
    }

    /// Withdraws thread `tid`'s view (it ended).
    pub fn withdraw(&self, tid: i32) {
        crate::vfs::dentry::lock(&self.map).remove(&tid);
    }

    /// The view of thread `tid`, if it is alive.
    pub fn get(&self, tid: i32) -> Option<TaskView> {
        crate::vfs::dentry::lock(&self.map).get(&tid).cloned()
    }

    /// Every published thread id of thread group `tgid`, in order.
    pub fn threads(&self, tgid: i32) -> Vec<i32> {
        crate::vfs::dentry::lock(&self.map)
            .values()
            .filter(|v| v.tgid == tgid)
            .map(|v| v.tid)
            .collect()
    }

    /// Every thread group with a published leader, in order.
    pub fn processes(&self) -> Vec<i32> {
        crate::vfs::dentry::lock(&self.map)
            .values()
            .filter(|v| v.tgid == v.tid)
            .map(|v| v.tid)
            .collect()
    }
}

impl std::fmt::Debug for Views {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Views")
    }
}

/// Whether syscall `nr` may change what a task's view shows, so the task
/// publishes a new one after it (identity, name, limits, umask, nice).
pub fn changes_view(nr: u64) -> bool {
    use syscall_tables::nr::*;
    let Ok(nr) = u32::try_from(nr) else {
        return false;
    };
    matches!(
        nr,
        SETUID
            | SETGID
            | SETREUID
            | SETREGID
            | SETRESUID
            | SETRESGID
            | SETFSUID
            | SETFSGID
            | SETGROUPS
            | CAPSET
            | PRCTL
            | UMASK
            | SETRLIMIT
            | PRLIMIT64
            | SETPRIORITY
    )
}
