//! What the OCI runtime's sandbox process needs from a booted kernel: boot
//! it and build the first task without running it (so `runsc create` can
//! report a bad executable before it returns), start it later (`runsc
//! start`), and, from another thread while it runs, signal the guest and
//! list its processes (`runsc kill`, `runsc ps`).

use crate::abi::signal::{SigInfo, SI_USER};
use crate::abi::Errno;
use crate::kernel::{ExitStatus, Kernel, KernelConfig};
use crate::mm::MemoryFile;
use crate::{BootError, InitProcess, RootFs};
use std::sync::mpsc;
use std::sync::Arc;

/// A kernel whose first task is built and waits for [`Sandbox::start`].
#[derive(Debug)]
pub struct Sandbox {
    controller: Controller,
    go: mpsc::Sender<()>,
    thread: std::thread::JoinHandle<Result<ExitStatus, BootError>>,
}

/// A handle on a booted kernel that any thread may hold (it is cheap to
/// clone) to signal the guest and list its processes.
#[derive(Clone, Debug)]
pub struct Controller {
    kernel: Arc<Kernel>,
}

/// One guest process as `runsc ps` shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GuestProcess {
    /// Its pid inside the sandbox.
    pub pid: i32,
    /// Its parent's pid inside the sandbox (0 for init).
    pub ppid: i32,
    /// The host pid of the stub process running it.
    pub host_pid: i32,
}

/// Boots a kernel and builds `init` (memory, root mount, the executable
/// loaded) on its task thread, which then waits for [`Sandbox::start`].
/// Like [`crate::run`], it installs the sentry's seccomp filter first
/// (`config.seccomp`): the caller must have opened everything it needs
/// from the host by then (runsc confines the process just before).
pub fn prepare(
    config: KernelConfig,
    root: RootFs,
    init: InitProcess,
) -> Result<Sandbox, BootError> {
    let mf = Arc::new(MemoryFile::new()?);
    let platform = platform::Platform::new(mf.raw_fd())?;
    let mode = config.seccomp;
    let kernel = Arc::new(Kernel::new(mf, platform, config));
    crate::confine::install_sentry_filter(mode)
        .map_err(|e| BootError::Thread(format!("seccomp: {e}")))?;
    let (ready_tx, ready_rx) = mpsc::channel::<Result<(), BootError>>();
    let (go, go_rx) = mpsc::channel::<()>();
    let k = kernel.clone();
    // The task thread creates and traces the stub, so the task is built
    // and run on it.
    let thread = std::thread::Builder::new()
        .name("task-1".into())
        .spawn(move || -> Result<ExitStatus, BootError> {
            let mut task = match crate::new_init_task(k, root, init) {
                Ok(t) => {
                    let _ = ready_tx.send(Ok(()));
                    t
                }
                Err(e) => {
                    let _ = ready_tx.send(Err(e));
                    return Err(BootError::Thread("the first task was not built".into()));
                }
            };
            if go_rx.recv().is_err() {
                // The sandbox was dropped without starting.
                return Ok(ExitStatus::Signaled(crate::abi::signal::SIGKILL));
            }
            let st = task.run();
            let (k, tgid) = (task.kernel.clone(), task.tgid);
            // If another thread's execve ended this one, that thread
            // carries the process on; its end is the sandbox's.
            Ok(crate::kernel::fork::finish(task, st).unwrap_or_else(|| k.procs.wait_exit(tgid)))
        })
        .map_err(|e| BootError::Thread(e.to_string()))?;
    match ready_rx.recv() {
        Ok(Ok(())) => Ok(Sandbox {
            controller: Controller { kernel },
            go,
            thread,
        }),
        Ok(Err(e)) => {
            let _ = thread.join();
            Err(e)
        }
        Err(_) => Err(BootError::Thread(
            "task thread ended before the first task was built".into(),
        )),
    }
}

impl Sandbox {
    /// A handle for signalling and listing the guest.
    pub fn controller(&self) -> Controller {
        self.controller.clone()
    }

    /// Runs init and returns its exit status once it has ended.
    pub fn start(self) -> Result<ExitStatus, BootError> {
        self.go
            .send(())
            .map_err(|_| BootError::Thread("task thread is gone".into()))?;
        self.thread
            .join()
            .map_err(|_| BootError::Thread("task thread panicked".into()))?
    }
}

impl Controller {
    /// Sends `sig` (1..=64) to the guest's init, as if from outside the
    /// sandbox (sender pid 0).
    pub fn signal_init(&self, sig: i32) -> Result<(), Errno> {
        self.send(1, sig)
    }

    /// Sends `sig` to every live guest process; returns how many got it.
    pub fn signal_all(&self, sig: i32) -> Result<usize, Errno> {
        let mut n = 0;
        for pid in self.kernel.procs.live() {
            if self.send(pid, sig).is_ok() {
                n += 1;
            }
        }
        Ok(n)
    }

    fn send(&self, pid: i32, sig: i32) -> Result<(), Errno> {
        if !(1..crate::abi::signal::NSIG).contains(&sig) {
            return Err(Errno::EINVAL);
        }
        self.kernel
            .procs
            .send(pid, sig, SigInfo::user(sig, SI_USER, 0, 0))
    }

    /// The live guest processes, by pid (a child whose stub is still
    /// being made is left out).
    pub fn processes(&self) -> Vec<GuestProcess> {
        self.kernel
            .procs
            .host_pids()
            .into_iter()
            .filter(|&(_, _, host)| host > 0)
            .map(|(pid, ppid, host_pid)| GuestProcess {
                pid,
                ppid,
                host_pid,
            })
            .collect()
    }
}
