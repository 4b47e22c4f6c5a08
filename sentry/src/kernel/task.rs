//! A guest task and its run loop.

use super::{ExitStatus, Kernel};
use crate::abi::misc::{
    Rlimit, RLIMIT_CORE, RLIMIT_NOFILE, RLIMIT_STACK, RLIM_INFINITY, RLIM_NLIMITS,
};
use crate::abi::signal::{
    SigAction, SigSet, StackT, BUS_ADRERR, NSIG, SIGBUS, SIG_IGN, SS_DISABLE,
};
use crate::abi::signal::{SigInfo, SI_KERNEL};
use crate::abi::signal::{SIGSEGV, SIGSYS, SYS_SECCOMP};
use crate::abi::{page_down, Errno, Pod, SysError};
use crate::mm::MemoryManager;
use crate::syscalls::{self, SyscallArgs};
use platform::{AddressSpace, Context, Event};
use std::sync::Arc;
use syscall_tables::nr;

/// argv and envp of a program, as exec received them.
pub type ArgvEnv = (Vec<Vec<u8>>, Vec<Vec<u8>>);

/// User and group ids and capabilities of a task (Linux's `struct cred`:
/// each thread has its own). The capability rules are in
/// `kernel/caps.rs`. The filesystem ids are the effective ones.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Credentials {
    /// Real uid.
    pub uid: u32,
    /// Effective uid.
    pub euid: u32,
    /// Saved set-user-id.
    pub suid: u32,
    /// Real gid.
    pub gid: u32,
    /// Effective gid.
    pub egid: u32,
    /// Saved set-group-id.
    pub sgid: u32,
    /// Supplementary groups.
    pub groups: Vec<u32>,
    /// Permitted capabilities (bit N: capability N).
    pub cap_permitted: u64,
    /// Effective capabilities: the ones privilege checks look at.
    pub cap_effective: u64,
    /// Inheritable capabilities.
    pub cap_inheritable: u64,
    /// The capability bounding set.
    pub cap_bounding: u64,
    /// Ambient capabilities.
    pub cap_ambient: u64,
    /// Secure bits (`abi::caps::SECURE_*`).
    pub securebits: u32,
}

/// Signal dispositions, shared by the threads of a process
/// (CLONE_SIGHAND); index `sig - 1`.
#[derive(Clone, Debug)]
pub struct SigHandlers(Arc<std::sync::Mutex<[SigAction; (NSIG - 1) as usize]>>);

impl Default for SigHandlers {
    fn default() -> Self {
        SigHandlers(Arc::new(std::sync::Mutex::new(
            [SigAction::default(); (NSIG - 1) as usize],
        )))
    }
}

impl SigHandlers {
    fn lock(&self) -> std::sync::MutexGuard<'_, [SigAction; (NSIG - 1) as usize]> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The action of signal slot `i` (`sig - 1`).
    pub fn get(&self, i: usize) -> SigAction {
        self.lock()[i]
    }

    /// Sets the action of slot `i`.
    pub fn set(&self, i: usize, a: SigAction) {
        self.lock()[i] = a;
    }

    /// All actions.
    pub fn all(&self) -> [SigAction; (NSIG - 1) as usize] {
        *self.lock()
    }

    /// A private copy (fork without CLONE_SIGHAND, execve).
    pub fn fork_copy(&self) -> SigHandlers {
        SigHandlers(Arc::new(std::sync::Mutex::new(self.all())))
    }
}

/// Signal dispositions, mask and alternate stack of a task. Cloning
/// shares the dispositions (threads); [`SignalState::fork_copy`] does not.
#[derive(Clone, Debug)]
pub struct SignalState {
    /// Action per signal.
    pub actions: SigHandlers,
    /// Blocked signals.
    pub mask: SigSet,
    /// The alternate signal stack.
    pub altstack: StackT,
}

impl SignalState {
    /// execve: a private table where handled signals go back to their
    /// default action; no alternate stack.
    pub fn reset_for_exec(&mut self) {
        let mut all = self.actions.all();
        for a in &mut all {
            if a.handler != SIG_IGN {
                *a = SigAction::default();
            }
            a.flags = 0;
        }
        self.actions = SigHandlers(Arc::new(std::sync::Mutex::new(all)));
        self.altstack = StackT {
            flags: SS_DISABLE,
            ..StackT::default()
        };
    }

    /// A copy for a new process: its own dispositions.
    pub fn fork_copy(&self) -> SignalState {
        SignalState {
            actions: self.actions.fork_copy(),
            mask: self.mask,
            altstack: self.altstack,
        }
    }
}

impl Default for SignalState {
    fn default() -> Self {
        SignalState {
            actions: SigHandlers::default(),
            mask: SigSet::default(),
            altstack: StackT {
                flags: SS_DISABLE,
                ..StackT::default()
            },
        }
    }
}

/// One guest thread.
pub struct Task {
    /// The sandbox's kernel.
    pub kernel: Arc<Kernel>,
    /// Register state.
    pub ctx: Context,
    /// The stub holding this task's address space.
    pub as_: AddressSpace,
    /// VMAs and program break (shared by the threads of a process).
    pub mm: Arc<MemoryManager>,
    /// Open files (shared by threads).
    pub fds: crate::vfs::Fds,
    /// Root and working directory.
    pub fs: crate::vfs::resolve::FsContext,
    /// Identity.
    pub creds: Credentials,
    /// Signal dispositions and mask.
    pub signals: SignalState,
    /// Guest thread id (== thread group id for the leader).
    pub tid: i32,
    /// Guest thread group id.
    pub tgid: i32,
    /// Guest parent pid (0 for init).
    pub ppid: i32,
    /// set_tid_address value.
    pub clear_child_tid: u64,
    /// set_robust_list head and length.
    pub robust_list: (u64, u64),
    /// Path of the executable (/proc/self/exe).
    pub exe_path: Vec<u8>,
    /// argv and envp of the last exec (/proc/PID/cmdline, environ).
    pub argv_env: Arc<ArgvEnv>,
    /// Resource limits, index RLIMIT_*.
    pub rlimits: [Rlimit; RLIM_NLIMITS],
    /// File mode creation mask.
    pub umask: u32,
    /// Task name (prctl PR_SET_NAME, /proc/PID/comm).
    pub comm: [u8; crate::abi::file::TASK_COMM_LEN],
    /// Set when the task has exited.
    pub exit: Option<ExitStatus>,
    /// The last syscall was interrupted and may restart (ERESTART*).
    pub restart: Option<crate::abi::SysError>,
    /// The mask to restore after a sigsuspend-style temporary mask.
    pub saved_mask: Option<SigSet>,
    /// The task ended with exit(2): only this thread ends.
    pub thread_exit: bool,
    /// prctl(PR_SET_PDEATHSIG).
    pub pdeathsig: i32,
    /// prctl(PR_SET_DUMPABLE).
    pub dumpable: bool,
    /// prctl(PR_SET_NO_NEW_PRIVS).
    pub no_new_privs: bool,
    /// setpriority's nice value.
    pub nice: i32,
    /// personality(2).
    pub personality: u64,
}

impl std::fmt::Debug for Task {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Task").field("tid", &self.tid).finish()
    }
}

/// The resource limits a fresh sandbox starts with (Linux defaults for init,
/// with the open-file limit of a typical container).
pub fn default_rlimits() -> [Rlimit; RLIM_NLIMITS] {
    let mut r = [Rlimit {
        cur: RLIM_INFINITY,
        max: RLIM_INFINITY,
    }; RLIM_NLIMITS];
    r[RLIMIT_STACK] = Rlimit {
        cur: crate::mm::STACK_SIZE,
        max: RLIM_INFINITY,
    };
    r[RLIMIT_CORE] = Rlimit {
        cur: 0,
        max: RLIM_INFINITY,
    };
    r[RLIMIT_NOFILE] = Rlimit {
        cur: 1024,
        max: 1_048_576,
    };
    r[crate::abi::misc::RLIMIT_MEMLOCK] = Rlimit {
        cur: 8 << 20,
        max: 8 << 20,
    };
    r
}

impl Task {
    /// Runs the task until it exits and returns how it ended.
    pub fn run(&mut self) -> ExitStatus {
        loop {
            if let Err(e) = self.mm.apply_pending(&mut self.as_) {
                crate::log::warn(&format!("task {}: remapping pages: {e}", self.tid));
            }
            if !self.kernel.procs.enter_guest() {
                // `runsc pause`: no guest code runs until resume (or
                // SIGKILL, or the end of the group).
                self.kernel.procs.hold_while_frozen(self.tgid, self.tid);
                if let Some(st) = self.check_signals() {
                    return st;
                }
                continue;
            }
            let switched = self.ctx.switch(&mut self.as_);
            self.kernel.procs.leave_guest();
            let event = match switched {
                Ok(e) => e,
                Err(e) => {
                    crate::log::warn(&format!("task {}: platform failure: {e}", self.tid));
                    return ExitStatus::Signaled(crate::abi::signal::SIGKILL);
                }
            };
            match event {
                Event::Syscall => self.syscall(),
                Event::Fault { addr, info, .. } => {
                    use crate::mm::FaultResolution;
                    match self.mm.handle_fault(&mut self.as_, addr) {
                        FaultResolution::Resolved => {}
                        FaultResolution::Bus => {
                            let si = SigInfo::fault(SIGBUS, BUS_ADRERR, addr);
                            self.force_signal_info(SIGBUS, si);
                        }
                        FaultResolution::Segv(code) => {
                            let code = if info.signo == SIGSEGV {
                                code
                            } else {
                                info.code
                            };
                            let si = SigInfo::fault(info.signo, code, addr);
                            self.force_signal_info(info.signo, si);
                        }
                    }
                }
                Event::Exception(info) if self.is_vsyscall(&info) => self.vsyscall(info.syscall),
                Event::Exception(info) => {
                    let si = SigInfo::fault(info.signo, info.code, info.addr);
                    self.force_signal_info(info.signo, si)
                }
                Event::HostSignal(info) => self.host_signal(info.signo),
                Event::Interrupted => {}
                Event::StubDied(_) => {
                    self.exit = Some(ExitStatus::Signaled(crate::abi::signal::SIGKILL))
                }
            }
            if let Some(status) = self.exit {
                return status;
            }
            if let Some(st) = self.check_signals() {
                return st;
            }
        }
    }

    /// Before the task returns to the guest: the group's end, or the
    /// delivery of pending signals (and the fate of an interrupted
    /// syscall). Returns how the task ends, if it does.
    fn check_signals(&mut self) -> Option<ExitStatus> {
        let (group_exit, deliverable) =
            self.kernel
                .procs
                .poll_task(self.tgid, self.tid, self.signals.mask.0);
        if let Some(st) = group_exit {
            // A doomed thread (another thread exec'd) ends alone.
            if self.kernel.procs.group_exiting(self.tgid).is_none() {
                self.thread_exit = true;
            }
            return Some(st);
        }
        if self.restart.is_some() || deliverable {
            self.deliver_signals();
        }
        self.exit
    }

    /// Handles one syscall stop.
    fn syscall(&mut self) {
        let nr = self.ctx.regs().syscall_nr();
        let args = SyscallArgs::new(self.ctx.regs().syscall_args());
        let ret = if self.kernel.config.strace {
            let entry = crate::strace::format_entry(self, nr, &args);
            let r = syscalls::dispatch(self, nr, &args);
            crate::strace::print(self, nr, &args, entry, &r);
            r
        } else {
            syscalls::dispatch(self, nr, &args)
        };
        if self.exit.is_some() {
            return;
        }
        if super::view::changes_view(nr) {
            self.publish();
        }
        if let Err(e @ (SysError::RestartSys | SysError::RestartNoHand | SysError::RestartNoIntr)) =
            ret
        {
            self.restart = Some(e);
        }
        let value = crate::abi::errno::return_value(&ret);
        self.ctx.regs_mut().set_syscall_return(value);
    }

    /// Whether a stop is the stub filter's trap of a legacy vsyscall call.
    fn is_vsyscall(&self, info: &platform::SignalInfo) -> bool {
        info.signo == SIGSYS
            && info.code == SYS_SECCOMP
            && page_down(info.addr) == platform::VSYSCALL_ADDR
    }

    /// Emulates a vsyscall-page call (gettimeofday, time, getcpu). The host
    /// kernel has already returned the guest to its caller without running
    /// the call; the sentry runs it and sets the return value.
    fn vsyscall(&mut self, nr: i32) {
        let ret = match nr as u32 {
            nr::GETTIMEOFDAY | nr::TIME | nr::GETCPU => {
                let args = SyscallArgs::new(self.ctx.regs().syscall_args());
                syscalls::dispatch(self, nr as u64, &args)
            }
            _ => return self.force_signal(SIGSEGV),
        };
        let value = crate::abi::errno::return_value(&ret);
        self.ctx.regs_mut().set_syscall_return(value);
    }

    /// A synchronous fault or exception: the guest gets the signal. Handlers
    /// run from step 3 on; until then the default action applies, which for
    /// every fault signal terminates the process.
    fn force_signal(&mut self, sig: i32) {
        self.exit = Some(ExitStatus::Signaled(sig));
    }

    /// A signal the host sent to the stub (for example `kill` of its host
    /// pid): the guest gets it as if sent by the kernel.
    fn host_signal(&mut self, sig: i32) {
        if (1..NSIG).contains(&sig) {
            self.send_self(sig, SigInfo::new(sig, SI_KERNEL));
        }
    }

    /// Copies a plain-data value from guest memory.
    pub fn copy_in_obj<T: Pod>(&self, addr: u64) -> Result<T, Errno> {
        let mut v = T::default();
        self.mm.copy_in(addr, v.as_bytes_mut())?;
        Ok(v)
    }

    /// Copies a plain-data value to guest memory.
    pub fn copy_out_obj<T: Pod>(&self, addr: u64, v: &T) -> Result<(), Errno> {
        self.mm.copy_out(addr, v.as_bytes())
    }
}
