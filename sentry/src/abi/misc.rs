//! Process-level ABI: uname, rlimits, auxv, arch_prctl, ioctl, getrandom,
//! identity and path constants.

use super::Pod;

/// Length of each `struct utsname` field.
pub const UTS_FIELD_LEN: usize = 65;

/// `struct new_utsname`.
#[derive(Clone, Copy)]
#[repr(C)]
pub struct Utsname {
    /// Operating system name.
    pub sysname: [u8; UTS_FIELD_LEN],
    /// Host name.
    pub nodename: [u8; UTS_FIELD_LEN],
    /// Kernel release.
    pub release: [u8; UTS_FIELD_LEN],
    /// Kernel version string.
    pub version: [u8; UTS_FIELD_LEN],
    /// Hardware name.
    pub machine: [u8; UTS_FIELD_LEN],
    /// NIS domain name.
    pub domainname: [u8; UTS_FIELD_LEN],
}
impl Default for Utsname {
    fn default() -> Self {
        Utsname {
            sysname: [0; UTS_FIELD_LEN],
            nodename: [0; UTS_FIELD_LEN],
            release: [0; UTS_FIELD_LEN],
            version: [0; UTS_FIELD_LEN],
            machine: [0; UTS_FIELD_LEN],
            domainname: [0; UTS_FIELD_LEN],
        }
    }
}
// SAFETY: repr(C) byte arrays only: no padding, any bits valid.
unsafe impl Pod for Utsname {}

/// `struct rlimit64`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct Rlimit {
    /// Soft limit.
    pub cur: u64,
    /// Hard limit.
    pub max: u64,
}
// SAFETY: repr(C) of two u64: no padding, any bits valid.
unsafe impl Pod for Rlimit {}

/// No limit.
pub const RLIM_INFINITY: u64 = u64::MAX;
/// Number of resource limits.
pub const RLIM_NLIMITS: usize = 16;
/// Max CPU time.
pub const RLIMIT_CPU: usize = 0;
/// Max file size.
pub const RLIMIT_FSIZE: usize = 1;
/// Max data segment.
pub const RLIMIT_DATA: usize = 2;
/// Max stack size.
pub const RLIMIT_STACK: usize = 3;
/// Max core size.
pub const RLIMIT_CORE: usize = 4;
/// Max resident set.
pub const RLIMIT_RSS: usize = 5;
/// Max processes.
pub const RLIMIT_NPROC: usize = 6;
/// Max open files.
pub const RLIMIT_NOFILE: usize = 7;
/// Max locked memory.
pub const RLIMIT_MEMLOCK: usize = 8;
/// Max address space.
pub const RLIMIT_AS: usize = 9;
/// Max file locks.
pub const RLIMIT_LOCKS: usize = 10;
/// Max pending signals.
pub const RLIMIT_SIGPENDING: usize = 11;
/// Max bytes in POSIX message queues.
pub const RLIMIT_MSGQUEUE: usize = 12;
/// Max nice priority.
pub const RLIMIT_NICE: usize = 13;
/// Max realtime priority.
pub const RLIMIT_RTPRIO: usize = 14;
/// Max realtime timeout.
pub const RLIMIT_RTTIME: usize = 15;

/// The resource limits by the names the OCI spec (process.rlimits[].type)
/// and getrlimit(2) give them.
pub const RLIMIT_NAMES: [(&str, usize); RLIM_NLIMITS] = [
    ("RLIMIT_CPU", RLIMIT_CPU),
    ("RLIMIT_FSIZE", RLIMIT_FSIZE),
    ("RLIMIT_DATA", RLIMIT_DATA),
    ("RLIMIT_STACK", RLIMIT_STACK),
    ("RLIMIT_CORE", RLIMIT_CORE),
    ("RLIMIT_RSS", RLIMIT_RSS),
    ("RLIMIT_NPROC", RLIMIT_NPROC),
    ("RLIMIT_NOFILE", RLIMIT_NOFILE),
    ("RLIMIT_MEMLOCK", RLIMIT_MEMLOCK),
    ("RLIMIT_AS", RLIMIT_AS),
    ("RLIMIT_LOCKS", RLIMIT_LOCKS),
    ("RLIMIT_SIGPENDING", RLIMIT_SIGPENDING),
    ("RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE),
    ("RLIMIT_NICE", RLIMIT_NICE),
    ("RLIMIT_RTPRIO", RLIMIT_RTPRIO),
    ("RLIMIT_RTTIME", RLIMIT_RTTIME),
];

/// The resource named `name` ("RLIMIT_NOFILE"), if Linux has it.
pub fn rlimit_by_name(name: &str) -> Option<usize> {
    RLIMIT_NAMES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|&(_, r)| r)
}

/// Auxiliary vector entry types.
pub mod auxv {
    /// End of vector.
    pub const AT_NULL: u64 = 0;
    /// Program headers address.
    pub const AT_PHDR: u64 = 3;
    /// Size of a program header entry.
    pub const AT_PHENT: u64 = 4;
    /// Number of program headers.
    pub const AT_PHNUM: u64 = 5;
    /// Page size.
    pub const AT_PAGESZ: u64 = 6;
    /// Interpreter base address.
    pub const AT_BASE: u64 = 7;
    /// Flags.
    pub const AT_FLAGS: u64 = 8;
    /// Program entry point.
    pub const AT_ENTRY: u64 = 9;
    /// Real uid.
    pub const AT_UID: u64 = 11;
    /// Effective uid.
    pub const AT_EUID: u64 = 12;
    /// Real gid.
    pub const AT_GID: u64 = 13;
    /// Effective gid.
    pub const AT_EGID: u64 = 14;
    /// Platform string address.
    pub const AT_PLATFORM: u64 = 15;
    /// CPU capability bits.
    pub const AT_HWCAP: u64 = 16;
    /// Clock ticks per second.
    pub const AT_CLKTCK: u64 = 17;
    /// Secure mode (setuid).
    pub const AT_SECURE: u64 = 23;
    /// Address of 16 random bytes.
    pub const AT_RANDOM: u64 = 25;
    /// More CPU capability bits.
    pub const AT_HWCAP2: u64 = 26;
    /// Executable file name address.
    pub const AT_EXECFN: u64 = 31;
    /// vDSO base address.
    pub const AT_SYSINFO_EHDR: u64 = 33;
    /// Minimal signal stack size.
    pub const AT_MINSIGSTKSZ: u64 = 51;
}

/// Clock ticks per second the guest sees (AT_CLKTCK, times()).
pub const CLOCK_TICKS_PER_SEC: u64 = 100;

/// arch_prctl: set the GS base.
pub const ARCH_SET_GS: u64 = 0x1001;
/// arch_prctl: set the FS base.
pub const ARCH_SET_FS: u64 = 0x1002;
/// arch_prctl: get the FS base.
pub const ARCH_GET_FS: u64 = 0x1003;
/// arch_prctl: get the GS base.
pub const ARCH_GET_GS: u64 = 0x1004;
/// arch_prctl: get CPUID faulting state.
pub const ARCH_GET_CPUID: u64 = 0x1011;
/// arch_prctl: set CPUID faulting.
pub const ARCH_SET_CPUID: u64 = 0x1012;

/// ioctl: get terminal attributes.
pub const TCGETS: u64 = 0x5401;
/// ioctl: set terminal attributes.
pub const TCSETS: u64 = 0x5402;
/// ioctl: set terminal attributes after draining output.
pub const TCSETSW: u64 = 0x5403;
/// ioctl: set terminal attributes after flushing.
pub const TCSETSF: u64 = 0x5404;
/// ioctl: make the terminal the caller's controlling terminal.
pub const TIOCSCTTY: u64 = 0x540e;
/// ioctl: get the foreground process group.
pub const TIOCGPGRP: u64 = 0x540f;
/// ioctl: set the foreground process group.
pub const TIOCSPGRP: u64 = 0x5410;
/// ioctl: get the window size.
pub const TIOCGWINSZ: u64 = 0x5413;
/// ioctl: set the window size.
pub const TIOCSWINSZ: u64 = 0x5414;
/// ioctl: give up the controlling terminal.
pub const TIOCNOTTY: u64 = 0x5422;
/// ioctl: get the session of the terminal.
pub const TIOCGSID: u64 = 0x5429;
/// Size of `struct termios` (kernel layout).
pub const TERMIOS_SIZE: usize = 36;
/// Size of `struct winsize`.
pub const WINSIZE_SIZE: usize = 8;

/// getrandom: do not block.
pub const GRND_NONBLOCK: u64 = 0x1;
/// getrandom: use the (legacy) random pool.
pub const GRND_RANDOM: u64 = 0x2;
/// getrandom: allow insecure bytes.
pub const GRND_INSECURE: u64 = 0x4;

/// rseq is not provided; the guest library falls back when it gets ENOSYS.
pub const RSEQ_NOT_PROVIDED_NOTE: &str = "restartable sequences not provided; glibc falls back";

/// sched_getaffinity needs a mask at least this large (bytes), like Linux
/// with nr_cpu_ids <= 64.
pub const CPU_MASK_MIN_BYTES: u64 = 8;

/// `struct rusage` size, for getrusage.
pub const RUSAGE_SIZE: usize = 144;

/// Largest count one read or write transfers (Linux's MAX_RW_COUNT).
pub const MAX_RW_COUNT: u64 = 0x7fff_f000;
/// Most iovecs one readv/writev takes.
pub const UIO_MAXIOV: u64 = 1024;
/// Size of `struct iovec`.
pub const IOVEC_SIZE: u64 = 16;

pub use super::file::{AT_FDCWD, PATH_MAX};

/// Scheduling policies and priority constants.
pub mod sched {
    /// The default time-sharing policy.
    pub const SCHED_OTHER: i32 = 0;
    /// FIFO real-time.
    pub const SCHED_FIFO: i32 = 1;
    /// Round-robin real-time.
    pub const SCHED_RR: i32 = 2;
    /// Batch.
    pub const SCHED_BATCH: i32 = 3;
    /// Idle.
    pub const SCHED_IDLE: i32 = 5;
    /// Highest real-time priority.
    pub const RT_PRIO_MAX: i32 = 99;
    /// getpriority/setpriority: a process.
    pub const PRIO_PROCESS: i32 = 0;
    /// A process group.
    pub const PRIO_PGRP: i32 = 1;
    /// A user.
    pub const PRIO_USER: i32 = 2;
    /// Nice range.
    pub const NICE_MIN: i32 = -20;
    /// Nice range.
    pub const NICE_MAX: i32 = 19;
    /// getpriority returns 20 - nice.
    pub const PRIO_BIAS: i32 = 20;
    /// personality: the Linux personality.
    pub const PER_LINUX: u64 = 0;
    /// personality(0xffffffff) queries.
    pub const PERSONALITY_QUERY: u64 = 0xffff_ffff;
}
