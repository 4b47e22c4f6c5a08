//! x86_64 Linux syscall tables: numbers, names, argument kinds, return kinds,
//! errno and signal names, and strace-style flag decoders.
//!
//! This crate is pure data plus a few formatting helpers. It has no
//! dependencies and no unsafe code, so the sentry, the seccomp policies and
//! `runsc` can all share one source of truth for "what is syscall 257".
//!
//! * [`lookup`] / [`by_name`] / [`all`] query the table of the 381 x86_64
//!   syscalls (numbers `0..=334` and `424..=469`; `335..=423` are unused on
//!   x86_64 and the x32 numbers at 512 and up are not included).
//! * [`nr`] holds one `UPPER_CASE` constant per syscall, generated from the
//!   same list as the table so names and numbers cannot drift.
//! * [`ArgKind`] / [`RetKind`] say how an strace printer should render each
//!   argument register and the return value; [`format_flags`] and
//!   [`format_return`] do the register-only part of that rendering.
//! * [`errno`] and [`signal`] name Linux error numbers and signals.
//!
//! ```
//! use syscall_tables::{lookup, nr, ArgKind};
//!
//! let d = lookup(u64::from(nr::OPENAT)).unwrap();
//! assert_eq!(d.name, "openat");
//! assert_eq!(d.args[0], ArgKind::AtFd);
//! assert_eq!(syscall_tables::format_flags(ArgKind::OpenFlags, 0x80000).as_deref(), Some("O_RDONLY|O_CLOEXEC"));
//! ```

#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod errno;
mod flags;
pub mod signal;
mod table;

pub use flags::{format_flags, format_return};
pub use table::nr;

/// Highest x86_64 syscall number in the table (`file_setattr`).
pub const MAX_SYSCALL: usize = 469;

/// Number of slots in a table indexed by syscall number (`0..=MAX_SYSCALL`),
/// gaps included.
pub const TABLE_LEN: usize = MAX_SYSCALL + 1;

/// Number of real syscalls in the table: `0..=334` (335) plus `424..=469` (46).
pub const SYSCALL_COUNT: usize = 381;

/// Numbers in `GAP_START..=GAP_END` are not assigned on x86_64: after 334
/// (`rseq`) the next number is 424, shared by all architectures.
pub const GAP_START: usize = 335;

/// Last unassigned number of the x86_64 gap; see [`GAP_START`].
pub const GAP_END: usize = 423;

/// How an strace-style printer should render one syscall argument.
///
/// Kinds that can be rendered from the register value alone are handled by
/// [`format_flags`]; kinds for which [`ArgKind::reads_memory`] is true need
/// the printer to read guest memory (strings, buffers, structs).
///
/// Argument indices in `len_arg` / `count_arg` are zero-based positions in
/// [`SyscallDesc::args`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ArgKind {
    /// C `int`: low 32 bits, printed as signed decimal.
    Int,
    /// C `unsigned int`: low 32 bits, printed as unsigned decimal.
    Uint,
    /// C `long`: 64 bits, printed as signed decimal.
    Long,
    /// C `unsigned long` / `u64` count: printed as unsigned decimal.
    Ulong,
    /// Opaque value or flag word without a specific decoder: printed as hex.
    Hex,
    /// File descriptor (`int`), printed as signed decimal.
    Fd,
    /// Directory file descriptor of an `*at` call; `-100` prints as `AT_FDCWD`.
    AtFd,
    /// NUL-terminated path name in guest memory (may be NULL).
    Path,
    /// NUL-terminated non-path string in guest memory (may be NULL).
    Str,
    /// Buffer read by the kernel; its length is argument `len_arg`. A printer
    /// may show the first bytes quoted before the call.
    BufIn {
        /// Index of the argument holding the buffer length.
        len_arg: u8,
    },
    /// Buffer filled by the kernel; printed after the call using the return
    /// value as the number of valid bytes. Argument `len_arg` is its capacity.
    BufOut {
        /// Index of the argument holding the buffer capacity.
        len_arg: u8,
    },
    /// `struct iovec[]` whose buffers the kernel reads; argument `count_arg`
    /// holds the number of elements.
    IovecIn {
        /// Index of the argument holding the iovec count.
        count_arg: u8,
    },
    /// `struct iovec[]` whose buffers the kernel fills; argument `count_arg`
    /// holds the number of elements.
    IovecOut {
        /// Index of the argument holding the iovec count.
        count_arg: u8,
    },
    /// NULL-terminated array of string pointers (`argv`, `envp`).
    Argv,
    /// Opaque user pointer: printed as hex, or `NULL` for zero.
    Ptr,
    /// Pointer to a struct (or array) read by the kernel.
    StructIn,
    /// Pointer to a struct (or array) written by the kernel.
    StructOut,
    /// Pointer to a struct both read and written by the kernel.
    StructInOut,
    /// `size_t` byte count, unsigned decimal.
    Size,
    /// `off_t` / `loff_t` file offset, signed decimal.
    Off,
    /// Process, thread or process-group id (`pid_t`), signed decimal.
    Pid,
    /// User id; `(uid_t)-1` prints as `-1`.
    Uid,
    /// Group id; `(gid_t)-1` prints as `-1`.
    Gid,
    /// Signal number, printed as `SIGSEGV` etc.
    Signal,
    /// File mode, printed in octal (`0644`), with `S_IF*` type bits named.
    Mode,
    /// `open(2)` flags: `O_RDONLY|O_CLOEXEC`.
    OpenFlags,
    /// `AT_*` flags of the `*at` calls: `AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH`.
    AtFlags,
    /// `faccessat2(2)` flags, where `0x200` means `AT_EACCESS`.
    AccessAtFlags,
    /// `access(2)` mode: `F_OK` or `R_OK|W_OK|X_OK`.
    AccessMode,
    /// `O_CLOEXEC` / `O_NONBLOCK` style flags of `pipe2`, `dup3`,
    /// `epoll_create1`, `eventfd2`, `signalfd4`, `inotify_init1`,
    /// `timerfd_create`, `userfaultfd` (no access mode).
    CloexecFlags,
    /// `mmap(2)` protection: `PROT_READ|PROT_WRITE`, `PROT_NONE`.
    MmapProt,
    /// `mmap(2)` flags: `MAP_PRIVATE|MAP_ANONYMOUS`.
    MmapFlags,
    /// `mremap(2)` flags: `MREMAP_MAYMOVE`.
    MremapFlags,
    /// `madvise(2)` advice: `MADV_DONTNEED`.
    Madvise,
    /// Clock id: `CLOCK_MONOTONIC`.
    Clock,
    /// `TIMER_ABSTIME` flag of `clock_nanosleep` / `timer_settime`.
    TimerFlags,
    /// `lseek(2)` whence: `SEEK_SET`.
    Whence,
    /// `ioctl(2)` request: `TCGETS`, `FIONREAD`.
    Ioctl,
    /// `fcntl(2)` command: `F_GETFL`.
    Fcntl,
    /// `arch_prctl(2)` code: `ARCH_SET_FS`.
    ArchPrctl,
    /// `futex(2)` operation: `FUTEX_WAIT_PRIVATE`.
    Futex,
    /// `clone(2)` flags with the exit signal in the low byte:
    /// `CLONE_VM|CLONE_FS|SIGCHLD`.
    CloneFlags,
    /// Namespace flags of `unshare(2)` / `setns(2)`: `CLONE_NEWNS|CLONE_NEWPID`.
    UnshareFlags,
    /// `prctl(2)` option: `PR_SET_NAME`.
    Prctl,
    /// Socket address family: `AF_INET`.
    SockDomain,
    /// Socket type plus flags: `SOCK_STREAM|SOCK_CLOEXEC`.
    SockType,
    /// `SOCK_CLOEXEC|SOCK_NONBLOCK` flags of `accept4(2)`.
    SockFlags,
    /// Socket option level: `SOL_SOCKET`.
    SockLevel,
    /// `send`/`recv` flags: `MSG_DONTWAIT|MSG_NOSIGNAL`.
    MsgFlags,
    /// `shutdown(2)` how: `SHUT_WR`.
    Shutdown,
    /// `rt_sigprocmask(2)` how: `SIG_BLOCK`.
    SigHow,
    /// `wait4`/`waitid` options: `WNOHANG|__WALL`.
    WaitOptions,
    /// `waitid(2)` id type: `P_PID`.
    IdType,
    /// Resource of `getrlimit`/`setrlimit`/`prlimit64`: `RLIMIT_NOFILE`.
    Rlimit,
    /// `getrusage(2)` who: `RUSAGE_SELF`.
    RusageWho,
    /// `getpriority`/`setpriority` which: `PRIO_PROCESS`.
    PrioWhich,
    /// `getitimer`/`setitimer` which: `ITIMER_REAL`.
    ItimerWhich,
    /// `epoll_ctl(2)` op: `EPOLL_CTL_ADD`.
    EpollOp,
    /// `flock(2)` operation: `LOCK_EX|LOCK_NB`.
    FlockOp,
    /// `ptrace(2)` request: `PTRACE_ATTACH`.
    PtraceRequest,
    /// `seccomp(2)` operation: `SECCOMP_SET_MODE_FILTER`.
    SeccompOp,
    /// Scheduling policy: `SCHED_FIFO`.
    SchedPolicy,
    /// `memfd_create(2)` flags: `MFD_CLOEXEC|MFD_ALLOW_SEALING`.
    MemfdFlags,
    /// `renameat2(2)` flags: `RENAME_NOREPLACE`.
    RenameFlags,
    /// `mount(2)` flags: `MS_RDONLY|MS_BIND|MS_REC`.
    MountFlags,
    /// `umount2(2)` flags: `MNT_DETACH`.
    UmountFlags,
}

impl ArgKind {
    /// True when rendering the argument needs guest memory (strings, buffers,
    /// iovecs, structs); [`format_flags`] returns `None` for these kinds.
    pub const fn reads_memory(self) -> bool {
        matches!(
            self,
            ArgKind::Path
                | ArgKind::Str
                | ArgKind::BufIn { .. }
                | ArgKind::BufOut { .. }
                | ArgKind::IovecIn { .. }
                | ArgKind::IovecOut { .. }
                | ArgKind::Argv
                | ArgKind::StructIn
                | ArgKind::StructOut
                | ArgKind::StructInOut
        )
    }

    /// True when the argument is written by the kernel and so is best printed
    /// after the call returns.
    pub const fn is_output(self) -> bool {
        matches!(
            self,
            ArgKind::BufOut { .. }
                | ArgKind::IovecOut { .. }
                | ArgKind::StructOut
                | ArgKind::StructInOut
        )
    }
}

/// How an strace-style printer should render a syscall's return value.
///
/// For every kind except [`RetKind::NoReturn`], a raw value in
/// `-4095..=-1` is a negated errno; see [`format_return`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RetKind {
    /// Signed decimal (counts, ids, 0 for success).
    Int,
    /// Address or opaque word, printed as hex (`mmap`, `brk`, `mremap`, `shmat`).
    Hex,
    /// A new file descriptor (`open`, `socket`, ...).
    Fd,
    /// A file mode, printed in octal (`umask`).
    Mode,
    /// The call does not return to the caller on success (`exit`,
    /// `exit_group`, `rt_sigreturn`); a printer shows `?`.
    NoReturn,
}

/// Static description of one x86_64 syscall.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyscallDesc {
    /// Syscall number (the value of `rax` on entry).
    pub nr: u32,
    /// Kernel name, e.g. `"openat"` (no `sys_` prefix).
    pub name: &'static str,
    /// One entry per argument register, in order (`rdi, rsi, rdx, r10, r8, r9`).
    pub args: &'static [ArgKind],
    /// How to render the return value.
    pub ret: RetKind,
}

impl SyscallDesc {
    /// Number of arguments the kernel reads.
    pub const fn argc(&self) -> usize {
        self.args.len()
    }
}

/// Returns the description of syscall `nr`, or `None` for numbers in the
/// x86_64 gap (`335..=423`) and beyond [`MAX_SYSCALL`].
pub fn lookup(nr: u64) -> Option<&'static SyscallDesc> {
    let idx = usize::try_from(nr).ok()?;
    table::SLOTS.get(idx).copied().flatten()
}

/// Returns the description of the syscall named `name` (kernel name, e.g.
/// `"exit_group"`), or `None` if there is no such x86_64 syscall.
pub fn by_name(name: &str) -> Option<&'static SyscallDesc> {
    table::SYSCALLS.iter().find(|d| d.name == name)
}

/// All syscalls in ascending number order, gaps skipped.
pub fn all() -> impl Iterator<Item = &'static SyscallDesc> {
    table::SYSCALLS.iter()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_lookup_known_numbers_match_names() {
        let cases = [
            (0, "read"),
            (1, "write"),
            (2, "open"),
            (9, "mmap"),
            (59, "execve"),
            (156, "_sysctl"),
            (231, "exit_group"),
            (257, "openat"),
            (334, "rseq"),
            (424, "pidfd_send_signal"),
            (435, "clone3"),
            (450, "set_mempolicy_home_node"),
            (451, "cachestat"),
            (462, "mseal"),
            (469, "file_setattr"),
        ];
        for (nr, name) in cases {
            let d = lookup(nr).unwrap_or_else(|| panic!("syscall {nr} missing"));
            assert_eq!(d.name, name);
            assert_eq!(u64::from(d.nr), nr);
        }
    }

    #[test]
    fn test_lookup_gap_and_out_of_range_none() {
        for nr in GAP_START..=GAP_END {
            assert!(lookup(nr as u64).is_none(), "gap {nr}");
        }
        for nr in [470, 512, 547, 1000, u64::from(u32::MAX), u64::MAX] {
            assert!(lookup(nr).is_none(), "nr {nr}");
        }
    }

    #[test]
    fn test_by_name_round_trip_all() {
        for d in all() {
            let found = by_name(d.name).expect("name resolves");
            assert_eq!(found.nr, d.nr);
            assert!(std::ptr::eq(found, lookup(u64::from(d.nr)).unwrap()));
        }
        assert!(by_name("").is_none());
        assert!(by_name("sys_read").is_none());
        assert!(by_name("READ").is_none());
    }

    #[test]
    fn test_all_ascending_count_381() {
        let nrs: Vec<u32> = all().map(|d| d.nr).collect();
        assert_eq!(nrs.len(), SYSCALL_COUNT);
        assert_eq!(SYSCALL_COUNT, 381);
        assert!(nrs.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(nrs.first(), Some(&0));
        assert_eq!(nrs.last(), Some(&(MAX_SYSCALL as u32)));
        assert_eq!(all().filter(|d| d.nr <= 334).count(), 335);
        assert_eq!(all().filter(|d| d.nr >= 424).count(), 46);
    }

    #[test]
    fn test_nr_constants_match_table() {
        assert_eq!(nr::READ, 0);
        assert_eq!(nr::WRITE, 1);
        assert_eq!(nr::EXECVE, 59);
        assert_eq!(nr::_SYSCTL, 156);
        assert_eq!(nr::EXIT_GROUP, 231);
        assert_eq!(nr::RSEQ, 334);
        assert_eq!(nr::CLONE3, 435);
        assert_eq!(nr::MSEAL, 462);
        assert_eq!(nr::FILE_SETATTR as usize, MAX_SYSCALL);
        assert_eq!(lookup(u64::from(nr::FUTEX)).unwrap().name, "futex");
    }

    #[test]
    fn test_args_sample_counts_match_kernel() {
        let cases = [
            ("read", 3),
            ("write", 3),
            ("mmap", 6),
            ("exit_group", 1),
            ("exit", 1),
            ("getpid", 0),
            ("rt_sigreturn", 0),
            ("openat", 4),
            ("futex", 6),
            ("clone", 5),
            ("clone3", 2),
            ("preadv", 5),
            ("preadv2", 6),
            ("fchmodat", 3),
            ("fchmodat2", 4),
            ("ppoll", 5),
            ("pselect6", 6),
            ("execveat", 5),
            ("statx", 5),
            ("setxattrat", 6),
            ("file_getattr", 5),
        ];
        for (name, argc) in cases {
            assert_eq!(by_name(name).unwrap().argc(), argc, "{name}");
        }
    }

    #[test]
    fn test_args_kinds_sample_match() {
        use ArgKind::*;
        assert_eq!(
            by_name("read").unwrap().args,
            &[Fd, BufOut { len_arg: 2 }, Size]
        );
        assert_eq!(
            by_name("write").unwrap().args,
            &[Fd, BufIn { len_arg: 2 }, Size]
        );
        assert_eq!(
            by_name("mmap").unwrap().args,
            &[Ptr, Size, MmapProt, MmapFlags, Fd, Off]
        );
        assert_eq!(
            by_name("openat").unwrap().args,
            &[AtFd, Path, OpenFlags, Mode]
        );
        assert_eq!(by_name("arch_prctl").unwrap().args[0], ArchPrctl);
        assert_eq!(by_name("execve").unwrap().args, &[Path, Argv, Argv]);
    }

    #[test]
    fn test_ret_kinds_sample_match() {
        assert_eq!(by_name("mmap").unwrap().ret, RetKind::Hex);
        assert_eq!(by_name("brk").unwrap().ret, RetKind::Hex);
        assert_eq!(by_name("mremap").unwrap().ret, RetKind::Hex);
        assert_eq!(by_name("shmat").unwrap().ret, RetKind::Hex);
        assert_eq!(by_name("openat").unwrap().ret, RetKind::Fd);
        assert_eq!(by_name("socket").unwrap().ret, RetKind::Fd);
        assert_eq!(by_name("exit").unwrap().ret, RetKind::NoReturn);
        assert_eq!(by_name("exit_group").unwrap().ret, RetKind::NoReturn);
        assert_eq!(by_name("rt_sigreturn").unwrap().ret, RetKind::NoReturn);
        assert_eq!(by_name("read").unwrap().ret, RetKind::Int);
        let no_return: Vec<&str> = all()
            .filter(|d| d.ret == RetKind::NoReturn)
            .map(|d| d.name)
            .collect();
        assert_eq!(no_return, ["rt_sigreturn", "exit", "exit_group"]);
    }

    #[test]
    fn test_table_matches_host_header_when_present() {
        // Cross-check names/numbers against the build host's uapi header.
        let Ok(text) = std::fs::read_to_string("/usr/include/x86_64-linux-gnu/asm/unistd_64.h")
        else {
            return;
        };
        let mut seen = 0;
        for line in text.lines() {
            let mut it = line.split_whitespace();
            if it.next() != Some("#define") {
                continue;
            }
            let (Some(name), Some(num)) = (it.next(), it.next()) else {
                continue;
            };
            let Some(name) = name.strip_prefix("__NR_") else {
                continue;
            };
            let num: u64 = num.parse().expect("numeric __NR_ value");
            let d = lookup(num).unwrap_or_else(|| panic!("{name} ({num}) missing"));
            assert_eq!(d.name, name, "number {num}");
            seen += 1;
        }
        assert!(seen >= 362, "header lists {seen} syscalls");
    }
}
