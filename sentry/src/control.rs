//! What the OCI runtime's sandbox process needs from a booted kernel: boot
//! it and build the first task without running it (so `runsc create` can
//! report a bad executable before it returns), start it later (`runsc
//! start`), and, from another thread while it runs, signal the guest, list
//! its processes, start more of them, and pause and resume it all (`runsc
//! kill`, `ps`, `exec`, `pause`, `resume`).

use crate::abi::signal::{SigInfo, SI_USER};
use crate::abi::Errno;
use crate::kernel::{ExitStatus, Kernel, KernelConfig};
use crate::mm::MemoryFile;
use crate::{BootError, InitProcess, RootFs};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

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
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GuestProcess {
    /// Its pid inside the sandbox.
    pub pid: i32,
    /// Its parent's pid inside the sandbox (0 for init and for processes
    /// started by `runsc exec`).
    pub ppid: i32,
    /// The host pid of the stub process running it.
    pub host_pid: i32,
    /// Its real uid.
    pub uid: u32,
    /// Its command line (argv joined by spaces), or its name in brackets
    /// when argv is empty.
    pub cmd: String,
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
    crate::kernel::hostsig::start(Arc::downgrade(&kernel));
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
            .map(|(pid, ppid, host_pid)| {
                let view = self.kernel.views.get(pid);
                let uid = view.as_ref().map_or(0, |v| v.creds.uid);
                let cmd = view.map_or_else(String::new, |v| {
                    let argv: Vec<String> = v
                        .argv_env
                        .0
                        .iter()
                        .map(|a| String::from_utf8_lossy(a).into_owned())
                        .collect();
                    if argv.is_empty() {
                        let n = v.comm.iter().position(|&b| b == 0).unwrap_or(v.comm.len());
                        format!("[{}]", String::from_utf8_lossy(&v.comm[..n]))
                    } else {
                        argv.join(" ")
                    }
                });
                GuestProcess {
                    pid,
                    ppid,
                    host_pid,
                    uid,
                    cmd,
                }
            })
            .collect()
    }

    /// Sends `sig` to guest process `pid`, as from outside the sandbox.
    pub fn signal_process(&self, pid: i32, sig: i32) -> Result<(), Errno> {
        self.send(pid, sig)
    }

    /// Sends `sig` as `pid`'s terminal raises it (a ^C typed into the pty
    /// of a `runsc exec --tty`): to the foreground process group of its
    /// session's terminal, else to `pid`.
    pub fn signal_terminal(&self, pid: i32, sig: i32) -> Result<(), Errno> {
        if !(1..crate::abi::signal::NSIG).contains(&sig) {
            return Err(Errno::EINVAL);
        }
        crate::kernel::hostsig::to_foreground(&self.kernel, pid, sig);
        Ok(())
    }

    /// Starts `spec` as a new guest process (`runsc exec`); returns its
    /// pid once its program is loaded. Collect its status with
    /// [`Controller::wait_exit`], then [`Controller::reap`] it.
    pub fn exec(&self, spec: InitProcess) -> Result<i32, BootError> {
        crate::spawn_process(&self.kernel, spec)
    }

    /// Waits up to `d` for process `pid` to end; its status once it has.
    pub fn wait_exit(&self, pid: i32, d: Duration) -> Option<ExitStatus> {
        self.kernel.procs.wait_exit_for(pid, d)
    }

    /// Forgets process `pid` (a zombie started by [`Controller::exec`]).
    pub fn reap(&self, pid: i32) {
        self.kernel.procs.reap(pid);
    }

    /// Pauses the guest: no task runs guest code until
    /// [`Controller::resume`]. Returns once no task is in the guest (a
    /// task in a syscall finishes it and holds before it returns to the
    /// guest), or after `settle` at most.
    pub fn pause(&self, settle: Duration) {
        self.kernel.procs.freeze();
        let deadline = Instant::now() + settle;
        while self.kernel.procs.in_guest() > 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Lets a paused guest run again.
    pub fn resume(&self) {
        self.kernel.procs.thaw();
    }

    /// Whether the guest is paused.
    pub fn is_paused(&self) -> bool {
        self.kernel.procs.is_frozen()
    }
}
