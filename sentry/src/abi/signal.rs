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
/// Broken pipe.
pub const SIGPIPE: i32 = 13;
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
    /// Size of `struct rusage`.
    pub const RUSAGE_SIZE: usize = 144;
    /// Size of `siginfo_t`.
    pub const SIGINFO_SIZE: usize = 128;
}
