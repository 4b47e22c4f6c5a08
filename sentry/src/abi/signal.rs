//! Signal numbers and the kernel's `struct sigaction` / sigset layout.

use super::Pod;

/// Hangup.
pub const SIGHUP: i32 = 1;
/// Interrupt.
pub const SIGINT: i32 = 2;
/// Quit.
pub const SIGQUIT: i32 = 3;
/// Illegal instruction.
pub const SIGILL: i32 = 4;
/// Trace trap.
pub const SIGTRAP: i32 = 5;
/// Abort.
pub const SIGABRT: i32 = 6;
/// Bus error.
pub const SIGBUS: i32 = 7;
/// Floating-point exception.
pub const SIGFPE: i32 = 8;
/// Kill.
pub const SIGKILL: i32 = 9;
/// Segmentation violation.
pub const SIGSEGV: i32 = 11;
/// User signal 1.
pub const SIGUSR1: i32 = 10;
/// User signal 2.
pub const SIGUSR2: i32 = 12;
/// Broken pipe.
pub const SIGPIPE: i32 = 13;
/// Alarm clock.
pub const SIGALRM: i32 = 14;
/// Termination.
pub const SIGTERM: i32 = 15;
/// Child status changed.
pub const SIGCHLD: i32 = 17;
/// Continue.
pub const SIGCONT: i32 = 18;
/// Stop.
pub const SIGSTOP: i32 = 19;
/// Terminal stop.
pub const SIGTSTP: i32 = 20;
/// Background read from the tty.
pub const SIGTTIN: i32 = 21;
/// Background write to the tty.
pub const SIGTTOU: i32 = 22;
/// CPU time limit exceeded.
pub const SIGXCPU: i32 = 24;
/// File size limit exceeded.
pub const SIGXFSZ: i32 = 25;
/// ITIMER_VIRTUAL expired.
pub const SIGVTALRM: i32 = 26;
/// ITIMER_PROF expired.
pub const SIGPROF: i32 = 27;
/// Bad system call.
pub const SIGSYS: i32 = 31;
/// Urgent socket condition.
pub const SIGURG: i32 = 23;
/// Window size change.
pub const SIGWINCH: i32 = 28;
/// Number of signals (1..=NSIG-1 are valid).
pub const NSIG: i32 = 65;

/// `si_code` for a SIGSEGV on an address with no mapping.
pub const SEGV_MAPERR: i32 = 1;
/// `si_code` for a SIGSEGV on a mapping without the needed permission.
pub const SEGV_ACCERR: i32 = 2;

/// `si_code` of a SIGSYS raised by a seccomp filter.
pub const SYS_SECCOMP: i32 = 1;

/// rt_sigprocmask: add to the mask.
pub const SIG_BLOCK: i32 = 0;
/// rt_sigprocmask: remove from the mask.
pub const SIG_UNBLOCK: i32 = 1;
/// rt_sigprocmask: replace the mask.
pub const SIG_SETMASK: i32 = 2;

/// Default action handler value.
pub const SIG_DFL: u64 = 0;
/// Ignore handler value.
pub const SIG_IGN: u64 = 1;

/// The only sigset size the x86_64 kernel accepts, in bytes.
pub const SIGSET_SIZE: u64 = 8;

/// A signal set: bit `n-1` stands for signal `n`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(transparent)]
pub struct SigSet(pub u64);

impl SigSet {
    /// The set of signals that can never be blocked.
    pub const UNBLOCKABLE: SigSet = SigSet(bit(SIGKILL) | bit(SIGSTOP));

    /// Whether `sig` is in the set.
    pub fn has(self, sig: i32) -> bool {
        self.0 & bit(sig) != 0
    }
}

/// The mask bit of a signal.
pub const fn bit(sig: i32) -> u64 {
    1u64 << (sig - 1)
}

/// `struct sigaction` as the x86_64 kernel lays it out for rt_sigaction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct SigAction {
    /// Handler address, SIG_DFL or SIG_IGN.
    pub handler: u64,
    /// SA_* flags.
    pub flags: u64,
    /// Restorer trampoline (SA_RESTORER).
    pub restorer: u64,
    /// Signals blocked while the handler runs.
    pub mask: SigSet,
}

// SAFETY: repr(C) of four u64-sized fields: no padding, any bits valid.
unsafe impl Pod for SigAction {}
// SAFETY: repr(transparent) over u64.
unsafe impl Pod for SigSet {}

/// `stack_t` for sigaltstack.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct StackT {
    /// Base address.
    pub sp: u64,
    /// SS_* flags.
    pub flags: i32,
    /// Explicit padding of the C layout.
    pub pad: i32,
    /// Size in bytes.
    pub size: u64,
}
// SAFETY: repr(C), fields fill 24 bytes with the explicit pad; any bits valid.
unsafe impl Pod for StackT {}

/// sigaltstack: the stack is disabled.
pub const SS_DISABLE: i32 = 2;
/// sigaltstack: currently executing on the stack.
pub const SS_ONSTACK: i32 = 1;

/// Default action of a signal with SIG_DFL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DefaultAction {
    /// Terminate the process.
    Terminate,
    /// Terminate and (on Linux) dump core; the exit status has the core bit.
    Core,
    /// Ignore.
    Ignore,
    /// Stop the process.
    Stop,
    /// Continue a stopped process.
    Continue,
}

/// The default action of a signal (signal(7)).
pub fn default_action(sig: i32) -> DefaultAction {
    match sig {
        SIGQUIT | SIGILL | SIGTRAP | SIGABRT | SIGBUS | SIGFPE | SIGSEGV | SIGXCPU | SIGXFSZ
        | SIGSYS => DefaultAction::Core,
        SIGCHLD | SIGURG | SIGWINCH => DefaultAction::Ignore,
        SIGSTOP | SIGTSTP | SIGTTIN | SIGTTOU => DefaultAction::Stop,
        SIGCONT => DefaultAction::Continue,
        _ => DefaultAction::Terminate,
    }
}

/// clone flags.
pub mod clone {
    /// The exit signal's bits.
    pub const CSIGNAL: u64 = 0xff;
    /// Share the address space.
    pub const CLONE_VM: u64 = 0x100;
    /// Share cwd and root.
    pub const CLONE_FS: u64 = 0x200;
    /// Share the fd table.
    pub const CLONE_FILES: u64 = 0x400;
    /// Share signal handlers.
    pub const CLONE_SIGHAND: u64 = 0x800;
    /// pidfd.
    pub const CLONE_PIDFD: u64 = 0x1000;
    /// Traced.
    pub const CLONE_PTRACE: u64 = 0x2000;
    /// The parent waits until the child execs or exits.
    pub const CLONE_VFORK: u64 = 0x4000;
    /// Same parent as the caller.
    pub const CLONE_PARENT: u64 = 0x8000;
    /// Same thread group.
    pub const CLONE_THREAD: u64 = 0x10000;
    /// New mount namespace.
    pub const CLONE_NEWNS: u64 = 0x20000;
    /// Share SysV semaphore undo.
    pub const CLONE_SYSVSEM: u64 = 0x40000;
    /// Set the TLS base.
    pub const CLONE_SETTLS: u64 = 0x80000;
    /// Store the child's tid in the parent.
    pub const CLONE_PARENT_SETTID: u64 = 0x100000;
    /// Clear the child's tid at exit.
    pub const CLONE_CHILD_CLEARTID: u64 = 0x200000;
    /// Unused.
    pub const CLONE_DETACHED: u64 = 0x400000;
    /// Untraced.
    pub const CLONE_UNTRACED: u64 = 0x800000;
    /// Store the child's tid in the child.
    pub const CLONE_CHILD_SETTID: u64 = 0x1000000;
    /// Size of `struct clone_args` version 0.
    pub const CLONE_ARGS_SIZE_VER0: u64 = 64;
}

/// wait4/waitid options.
pub mod wait {
    /// Do not block.
    pub const WNOHANG: u64 = 1;
    /// Report stopped children.
    pub const WUNTRACED: u64 = 2;
    /// waitid: stopped children.
    pub const WSTOPPED: u64 = 2;
    /// waitid: exited children.
    pub const WEXITED: u64 = 4;
    /// Report continued children.
    pub const WCONTINUED: u64 = 8;
    /// waitid: leave the child waitable.
    pub const WNOWAIT: u64 = 0x0100_0000;
    /// Do not wait for other threads' children.
    pub const WNOTHREAD: u64 = 0x2000_0000;
    /// Wait for all children.
    pub const WALL: u64 = 0x4000_0000;
    /// Wait for clone children.
    pub const WCLONE: u64 = 0x8000_0000;
    /// waitid idtype: any child.
    pub const P_ALL: i32 = 0;
    /// waitid idtype: a pid.
    pub const P_PID: i32 = 1;
    /// waitid idtype: a process group.
    pub const P_PGID: i32 = 2;
    /// waitid idtype: a pidfd.
    pub const P_PIDFD: i32 = 3;
    /// SIGCHLD si_code: exited.
    pub const CLD_EXITED: i32 = 1;
    /// SIGCHLD si_code: killed.
    pub const CLD_KILLED: i32 = 2;
    /// SIGCHLD si_code: killed with a core dump.
    pub const CLD_DUMPED: i32 = 3;
    /// SIGCHLD si_code: stopped.
    pub const CLD_STOPPED: i32 = 5;
    /// SIGCHLD si_code: continued.
    pub const CLD_CONTINUED: i32 = 6;
    /// Low byte of a wait status for a stopped child (the signal is in
    /// the next byte).
    pub const WSTATUS_STOPPED: i32 = 0x7f;
    /// The wait status of a continued child.
    pub const WSTATUS_CONTINUED: i32 = 0xffff;
    /// Size of `struct rusage`.
    pub const RUSAGE_SIZE: usize = 144;
    /// Size of `siginfo_t`.
    pub const SIGINFO_SIZE: usize = 128;
}

/// Number of signals (1..=64).
pub const NSIG_MAX: i32 = 64;
/// Size of `siginfo_t`.
pub const SIGINFO_LEN: usize = 128;

/// si_code: sent by kill.
pub const SI_USER: i32 = 0;
/// pidfd_send_signal: to the thread the pidfd names.
pub const PIDFD_SIGNAL_THREAD: u32 = 1;
/// pidfd_send_signal: to its thread group (the default).
pub const PIDFD_SIGNAL_THREAD_GROUP: u32 = 2;
/// pidfd_send_signal: to its process group.
pub const PIDFD_SIGNAL_PROCESS_GROUP: u32 = 4;
/// Every pidfd_send_signal scope flag.
pub const PIDFD_SIGNAL_SCOPES: u32 =
    PIDFD_SIGNAL_THREAD | PIDFD_SIGNAL_THREAD_GROUP | PIDFD_SIGNAL_PROCESS_GROUP;
/// si_code: sent by the kernel.
pub const SI_KERNEL: i32 = 0x80;
/// si_code: sent by sigqueue.
pub const SI_QUEUE: i32 = -1;
/// si_code: sent by a timer.
pub const SI_TIMER: i32 = -2;
/// si_code: sent by tkill/tgkill.
pub const SI_TKILL: i32 = -6;
/// SIGBUS si_code: nonexistent physical address (past end of file).
pub const BUS_ADRERR: i32 = 2;

/// A `siginfo_t` as the guest sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SigInfo(pub [u8; SIGINFO_LEN]);

impl Default for SigInfo {
    fn default() -> Self {
        SigInfo([0; SIGINFO_LEN])
    }
}

impl SigInfo {
    fn put_i32(&mut self, at: usize, v: i32) {
        self.0[at..at + 4].copy_from_slice(&v.to_le_bytes());
    }

    /// signo, errno 0, code.
    pub fn new(signo: i32, code: i32) -> SigInfo {
        let mut s = SigInfo::default();
        s.put_i32(0, signo);
        s.put_i32(8, code);
        s
    }

    /// From kill/tkill: sender pid and uid.
    pub fn user(signo: i32, code: i32, pid: i32, uid: u32) -> SigInfo {
        let mut s = SigInfo::new(signo, code);
        s.put_i32(16, pid);
        s.put_i32(20, uid as i32);
        s
    }

    /// A fault: the faulting address.
    pub fn fault(signo: i32, code: i32, addr: u64) -> SigInfo {
        let mut s = SigInfo::new(signo, code);
        s.0[16..24].copy_from_slice(&addr.to_le_bytes());
        s
    }

    /// SIGCHLD: child pid, uid and status.
    pub fn child(code: i32, pid: i32, uid: u32, status: i32) -> SigInfo {
        let mut s = SigInfo::user(SIGCHLD, code, pid, uid);
        s.put_i32(24, status);
        s
    }

    /// The signal number.
    pub fn signo(&self) -> i32 {
        i32::from_le_bytes([self.0[0], self.0[1], self.0[2], self.0[3]])
    }

    /// The si_code.
    pub fn code(&self) -> i32 {
        i32::from_le_bytes([self.0[8], self.0[9], self.0[10], self.0[11]])
    }
}

/// Signals whose delivery the kernel forces (faults): delivered first.
pub const SYNCHRONOUS: u64 =
    bit(SIGSEGV) | bit(SIGBUS) | bit(SIGILL) | bit(SIGTRAP) | bit(SIGFPE) | bit(SIGSYS);

/// Signals whose default action stops the process.
pub const STOP_SIGNALS: u64 = bit(SIGSTOP) | bit(SIGTSTP) | bit(SIGTTIN) | bit(SIGTTOU);

/// sigaction flags.
pub mod sa {
    /// No SIGCHLD when children stop.
    pub const SA_NOCLDSTOP: u64 = 1;
    /// Do not make zombies.
    pub const SA_NOCLDWAIT: u64 = 2;
    /// Three-argument handler.
    pub const SA_SIGINFO: u64 = 4;
    /// Use sa_restorer.
    pub const SA_RESTORER: u64 = 0x0400_0000;
    /// Run on the alternate stack.
    pub const SA_ONSTACK: u64 = 0x0800_0000;
    /// Restart interrupted syscalls.
    pub const SA_RESTART: u64 = 0x1000_0000;
    /// Do not block the signal in its handler.
    pub const SA_NODEFER: u64 = 0x4000_0000;
    /// Reset to SIG_DFL on delivery.
    pub const SA_RESETHAND: u64 = 0x8000_0000;
}

/// Signal frame layout (x86_64 `struct rt_sigframe`).
pub mod frame {
    /// Size of `struct ucontext` (kernel layout, 8-byte sigset).
    pub const UCONTEXT_SIZE: u64 = 304;
    /// Offset of uc_mcontext in ucontext.
    pub const UC_MCONTEXT: u64 = 40;
    /// Offset of uc_sigmask in ucontext.
    pub const UC_SIGMASK: u64 = 296;
    /// Offset of uc_stack in ucontext.
    pub const UC_STACK: u64 = 16;
    /// Offset of the fpstate pointer in sigcontext.
    pub const SC_FPSTATE: u64 = 184;
    /// Offset of oldmask in sigcontext.
    pub const SC_OLDMASK: u64 = 168;
    /// Offset of cr2 in sigcontext.
    pub const SC_CR2: u64 = 176;
    /// Offset of err in sigcontext.
    pub const SC_ERR: u64 = 152;
    /// Offset of trapno in sigcontext.
    pub const SC_TRAPNO: u64 = 160;
    /// Offset of the cs/gs/fs/ss words in sigcontext.
    pub const SC_CS: u64 = 144;
    /// uc_flags: the fpstate is in XSAVE format.
    pub const UC_FP_XSTATE: u64 = 1;
    /// uc_flags: sigcontext holds ss.
    pub const UC_SIGCONTEXT_SS: u64 = 2;
    /// First magic of the XSAVE signal frame (`fpx_sw_bytes.magic1`).
    pub const FP_XSTATE_MAGIC1: u32 = 0x4650_5853;
    /// Second magic, after the XSAVE area.
    pub const FP_XSTATE_MAGIC2: u32 = 0x4650_5845;
    /// Offset of `fpx_sw_bytes` in the legacy FXSAVE area.
    pub const FPX_SW_BYTES: usize = 464;
    /// The red zone below rsp that a frame must skip.
    pub const RED_ZONE: u64 = 128;
    /// eflags bits sigreturn may restore (AC, OF, DF, TF, SF, ZF, AF, PF,
    /// CF, RF).
    pub const FIX_EFLAGS: u64 =
        0x0004_0000 | 0x800 | 0x400 | 0x100 | 0x80 | 0x40 | 0x10 | 0x4 | 0x1 | 0x1_0000;
    /// eflags bits cleared for a handler (DF, TF, RF).
    pub const HANDLER_CLEAR_EFLAGS: u64 = 0x400 | 0x100 | 0x1_0000;
}
