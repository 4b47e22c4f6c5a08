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
    /// Its pid (and tid).
    pub pid: i32,
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
}

/// Starts `new` on a fresh thread. When it ends, it becomes a zombie for
/// its parent to reap.
pub fn spawn(kernel: Arc<Kernel>, new: NewTask) -> Result<(), crate::abi::Errno> {
    let pid = new.pid;
    let uid = new.creds.uid;
    let k = kernel.clone();
    std::thread::Builder::new()
        .name(format!("task-{pid}"))
        .spawn(move || {
            let status = match build(k.clone(), new) {
                Ok(mut task) => {
                    let st = task.run();
                    // Files close and the stub dies before the parent hears.
                    drop(task);
                    st
                }
                Err(e) => {
                    crate::log::warn(&format!("task {pid}: cannot start: {e}"));
                    ExitStatus::Signaled(SIGKILL)
                }
            };
            k.timers.clear(pid, false);
            k.procs.exit(pid, status, uid);
        })
        .map(|_| ())
        .map_err(|_| crate::abi::Errno::EAGAIN)
}

fn build(kernel: Arc<Kernel>, new: NewTask) -> Result<Task, crate::abi::Errno> {
    let mut as_ = kernel
        .platform
        .new_address_space()
        .map_err(|_| crate::abi::Errno::ENOMEM)?;
    new.mm.map_all(&mut as_)?;
    kernel
        .procs
        .set_stub(new.pid, as_.host_pid(), as_.interrupter());
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
        tgid: new.pid,
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
    })
}
