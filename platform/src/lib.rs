//! How guest code runs and traps.
//!
//! A platform gives the sentry three things (DESIGN.md §3):
//! - an [`AddressSpace`]: a host process (the *stub*) whose address space holds
//!   nothing but guest mappings of the memory file and a page of stub code;
//! - a [`Context`]: the register state of one guest thread, which
//!   [`Context::switch`] runs until the guest makes a syscall, faults, gets a
//!   host signal or is interrupted;
//! - map, unmap and protect operations on memory-file ranges in the stub.
//!
//! The only back end today is ptrace with `PTRACE_SYSEMU`: the host kernel
//! stops the stub at every syscall instruction and never executes it.
//! The ptrace API binds a tracee to the one host thread that traced it, so an
//! address space and its contexts must be created and used on the same host
//! thread; the sentry's one-thread-per-task model gives that for free.
//!
//! This crate knows nothing of the sentry and touches no files, except that
//! it reads /proc/self/maps once, when the first platform is created, to
//! find the host vDSO the stubs keep (see [`vdso`]).

pub mod ptrace;
mod regs;
pub mod vdso;

pub use ptrace::{AddressSpace, Context, Interrupter, Platform};
pub use regs::Registers;
pub use vdso::{host_vdso, HostMapping, HostVdso};

/// Lowest address the stub code occupies; guest mappings must stay below it.
pub const STUB_START: u64 = 0x7fff_ffe0_0000;
/// Size of the stub region (code page plus room for a future shared page).
pub const STUB_LEN: u64 = 0x1_0000;
/// Highest user address on x86_64 with 4-level paging (exclusive).
pub const TASK_SIZE: u64 = 0x7fff_ffff_f000;
/// The legacy vsyscall page, which the host kernel keeps in every process.
pub const VSYSCALL_ADDR: u64 = 0xffff_ffff_ff60_0000;

/// The highest address (exclusive) a guest mapping may reach.
pub const MAX_GUEST_ADDR: u64 = STUB_START;

/// Kind of memory access that caused a fault, when the platform knows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// The platform cannot tell (ptrace gives no page-fault error code).
    Unknown,
    /// A data read.
    Read,
    /// A data write.
    Write,
    /// An instruction fetch.
    Execute,
}

/// Host signal information about a stop, as the kernel reported it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignalInfo {
    /// Signal number.
    pub signo: i32,
    /// `si_code`.
    pub code: i32,
    /// `si_addr` for faults (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP);
    /// `si_call_addr` for a seccomp SIGSYS.
    pub addr: u64,
    /// `si_syscall` for a seccomp SIGSYS (0 otherwise).
    pub syscall: i32,
}

/// Why [`Context::switch`] returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// The guest executed a syscall instruction; the number is in `orig_rax`
    /// and the host kernel did not run it.
    Syscall,
    /// The guest faulted on memory (SIGSEGV or SIGBUS on the host).
    Fault {
        /// Faulting address.
        addr: u64,
        /// Access type, if known.
        access: Access,
        /// The host's signal information.
        info: SignalInfo,
    },
    /// The guest raised a synchronous exception other than a memory fault
    /// (SIGILL, SIGFPE, SIGTRAP from int3 or a debug trap), or called the
    /// legacy vsyscall page, which the stub's seccomp filter turns into a
    /// SIGSYS (`code` SYS_SECCOMP, `addr` the vsyscall entry, `syscall` its
    /// number) with the guest already returned to its caller.
    Exception(SignalInfo),
    /// A host signal arrived for the stub from outside (for example a
    /// terminal's SIGINT); the sentry decides what the guest sees.
    HostSignal(SignalInfo),
    /// [`Context::switch`] was interrupted by [`Interrupter::interrupt`].
    Interrupted,
    /// The stub died (killed from outside the sentry); the wait status is given.
    StubDied(i32),
}

/// Errors of the platform itself (never guest-visible as such).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A host system call the platform needs failed.
    #[error("{op} failed: {source}")]
    Host {
        /// What the platform was doing.
        op: &'static str,
        /// The host error.
        source: std::io::Error,
    },
    /// The stub stopped in a way the platform did not expect.
    #[error("stub {pid} stopped unexpectedly during {op} (wait status {status:#x})")]
    UnexpectedStop {
        /// Host pid of the stub thread.
        pid: i32,
        /// What the platform was doing.
        op: &'static str,
        /// Raw wait status.
        status: i32,
    },
}

impl Error {
    pub(crate) fn last(op: &'static str) -> Self {
        Error::Host {
            op,
            source: std::io::Error::last_os_error(),
        }
    }
}
