//! Starting a task on its own host thread: the child side of fork.
//!
//! ptrace binds a stub to the thread that forked it, so a new process's
//! stub must be created on the new task's thread. The parent prepares
//! everything that is plain data ([`NewTask`]); the thread makes the stub,
//! maps the copied memory into it and runs the task.

use super::task::{ArgvEnv, Credentials, SignalState};
use super::{ExitStatus, Kernel, Task};
use crate::abi::misc::{Rlimit, RLIM_NLIMITS};
use crate::abi::signal::SIGKILL;
use crate::mm::MemoryManager;
use crate::vfs::resolve::FsContext;
use std::sync::Arc;

/// Everything a new task needs, built by its parent.
pub struct NewTask {
    /// The copied address space (not yet mapped in a stub).
    pub mm: Arc<MemoryManager>,
    /// Registers to start from.
    pub regs: platform::Registers,
    /// Open files.
    pub fds: crate::vfs::Fds,
    /// Root and working directory.
    pub fs: FsContext,
    /// Identity.
    pub creds: Credentials,
    /// Dispositions and mask.
    pub signals: SignalState,
    /// Its thread id (the pid for a new process).
    pub pid: i32,
    /// Its thread group (the pid for a new process).
    pub tgid: i32,
    /// For a new thread: the stub process's host pid and the host tid of
    /// the stub thread made for it.
    pub stub_thread: Option<(i32, i32)>,
    /// Its parent.
    pub ppid: i32,
    /// CLONE_CHILD_CLEARTID address.
    pub clear_child_tid: u64,
    /// Executable path.
    pub exe_path: Vec<u8>,
    /// argv and envp.
    pub argv_env: Arc<ArgvEnv>,
    /// Limits.
    pub rlimits: [Rlimit; RLIM_NLIMITS],
    /// umask.
    pub umask: u32,
    /// Name.
    pub comm: [u8; crate::abi::file::TASK_COMM_LEN],
    /// no_new_privs, inherited from the parent.
    pub no_new_privs: bool,
}

/// Ends a task: the whole group if it did not just exit(2), the
/// CLONE_CHILD_CLEARTID wake, the leader waiting for its other threads
/// (its stub process holds theirs), and the stub. Returns the process's
/// exit status when this was its last thread.
pub fn finish(task: Task, status: ExitStatus) -> Option<ExitStatus> {
    let k = task.kernel.clone();
    let (tid, tgid) = (task.tid, task.tgid);
    if !task.thread_exit {
        k.procs.group_exit(tgid, status);
    }
    crate::syscalls::sys_futex::release_robust_list(&task);
    crate::syscalls::sys_futex::clear_child_tid(&task);
    // A leader outlives its threads (its stub process holds theirs),
    // unless another thread's execve ended it.
    if tid == tgid && !k.procs.is_doomed(tgid, tid) {
        k.procs.wait_other_threads(tgid);
        // The stub's CPU time is the process's, for its parent's rusage.
        k.procs
            .set_exit_cpu(tgid, crate::syscalls::sys_time::process_cpu(&task));
        // SEM_UNDO adjustments go back before the parent can see the exit.
        k.ipc.exit_process(tgid);
    }
    drop(task);
    k.views.withdraw(tid);
    let last = k.procs.thread_done(tgid, tid, status)?;
    k.timers.clear(tgid, false);
    Some(last)
}

/// Starts `new` on a fresh thread. When its process ends, it becomes a
/// zombie for its parent to reap.
pub fn spawn(kernel: Arc<Kernel>, new: NewTask) -> Result<(), crate::abi::Errno> {
    let (pid, tgid) = (new.pid, new.tgid);
    let uid = new.creds.uid;
    let k = kernel.clone();
    std::thread::Builder::new()
        .name(format!("task-{pid}"))
        .spawn(move || {
            let last = match build(k.clone(), new) {
                Ok(mut task) => {
                    task.publish();
                    let st = task.run();
                    finish(task, st)
                }
                Err(e) => {
                    crate::log::warn(&format!("task {pid}: cannot start: {e}"));
                    let st = ExitStatus::Signaled(SIGKILL);
                    if pid != tgid {
                        k.procs.group_exit(tgid, st);
                    }
                    k.procs.thread_done(tgid, pid, st)
                }
            };
            if let Some(st) = last {
                k.procs.exit(tgid, st, uid);
            }
        })
        .map(|_| ())
        .map_err(|_| crate::abi::Errno::EAGAIN)
}

fn build(kernel: Arc<Kernel>, new: NewTask) -> Result<Task, crate::abi::Errno> {
    let as_ = match new.stub_thread {
        Some((host_tgid, stub_tid)) => {
            let as_ = kernel
                .platform
                .attach_thread(host_tgid, stub_tid)
                .map_err(|_| crate::abi::Errno::EAGAIN)?;
            kernel
                .procs
                .set_thread_interrupter(new.tgid, new.pid, as_.interrupter());
            as_
        }
        None => {
            let mut as_ = kernel
                .platform
                .new_address_space_named(&crate::kernel::exec::stub_name(
                    &new.argv_env.0,
                    &new.comm,
                ))
                .map_err(|_| crate::abi::Errno::ENOMEM)?;
            new.mm.map_all(&mut as_)?;
            kernel
                .procs
                .set_stub(new.pid, as_.host_pid(), as_.interrupter());
            as_
        }
    };
    let mut ctx = platform::Context::new(&as_);
    *ctx.regs_mut() = new.regs;
    Ok(Task {
        kernel,
        ctx,
        as_,
        mm: new.mm,
        fds: new.fds,
        fs: new.fs,
        creds: new.creds,
        signals: new.signals,
        tid: new.pid,
        tgid: new.tgid,
        ppid: new.ppid,
        clear_child_tid: new.clear_child_tid,
        robust_list: (0, 0),
        exe_path: new.exe_path,
        argv_env: new.argv_env,
        rlimits: new.rlimits,
        umask: new.umask,
        comm: new.comm,
        exit: None,
        restart: None,
        saved_mask: None,
        thread_exit: false,
        pdeathsig: 0,
        dumpable: true,
        no_new_privs: new.no_new_privs,
        nice: 0,
        personality: 0,
    })
}
