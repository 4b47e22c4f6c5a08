//! strace-style rendering of argument registers and return values.
//!
//! Flag words print as `NAME|NAME|0xREMAINDER`, with unknown bits as a hex
//! remainder and `0` when nothing is set (or the kind's zero name, such as
//! `PROT_NONE` or `F_OK`). Enumerated values print their name, or a number
//! when unknown. Values are x86_64 constants from the kernel's uapi headers.

use crate::{errno, signal, ArgKind, RetKind};

/// `(mask, name)` pairs; multi-bit masks must come before their sub-masks.
type BitTable = &'static [(u64, &'static str)];
/// `(value, name)` pairs for enumerated arguments.
type EnumTable = &'static [(i64, &'static str)];

/// Renders the register value `value` of an argument of kind `kind` without
/// touching guest memory.
///
/// Returns `None` for kinds that need guest memory ([`ArgKind::reads_memory`]:
/// paths, strings, buffers, iovecs, structs); the printer reads those itself.
/// Every other kind yields text: integers in decimal, [`ArgKind::Hex`] in hex,
/// [`ArgKind::Ptr`] as hex or `NULL`, and flag or enum kinds symbolically,
/// e.g. `O_RDONLY|O_CLOEXEC`, `PROT_READ|PROT_WRITE`,
/// `MAP_PRIVATE|MAP_ANONYMOUS`, `CLOCK_MONOTONIC`, `SIGSEGV`, `SEEK_SET`,
/// `ARCH_SET_FS`, `AT_FDCWD`, with unknown bits as a hex remainder
/// (`O_RDONLY|0x40000000`).
pub fn format_flags(kind: ArgKind, value: u64) -> Option<String> {
    use ArgKind as K;
    if kind.reads_memory() {
        return None;
    }
    let int = value as u32 as i32;
    Some(match kind {
        K::Int | K::Fd | K::Pid => int.to_string(),
        K::Uint => (value as u32).to_string(),
        K::Long | K::Off => (value as i64).to_string(),
        K::Ulong | K::Size => value.to_string(),
        K::Hex => hex(value),
        K::Ptr if value == 0 => "NULL".to_string(),
        K::Ptr => format!("{value:#x}"),
        K::AtFd if int == AT_FDCWD => "AT_FDCWD".to_string(),
        K::AtFd => int.to_string(),
        K::Uid | K::Gid if value as u32 == u32::MAX => "-1".to_string(),
        K::Uid | K::Gid => (value as u32).to_string(),
        K::Signal => signal_text(int),
        K::Mode => mode(value),
        K::OpenFlags => open_flags(value),
        K::AtFlags => bit_set(value, AT_FLAGS),
        K::AccessAtFlags => bit_set(value, ACCESS_AT_FLAGS),
        K::AccessMode if value == 0 => "F_OK".to_string(),
        K::AccessMode => bit_set(value, ACCESS_MODE),
        K::CloexecFlags => bit_set(value, CLOEXEC_FLAGS),
        K::MmapProt if value == 0 => "PROT_NONE".to_string(),
        K::MmapProt => bit_set(value, MMAP_PROT),
        K::MmapFlags => mmap_flags(value),
        K::MremapFlags => bit_set(value, MREMAP_FLAGS),
        K::Madvise => enum_or_decimal(int, MADVISE),
        K::Clock => enum_or_decimal(int, CLOCKS),
        K::TimerFlags => bit_set(value, TIMER_FLAGS),
        K::Whence => enum_or_decimal(int, WHENCE),
        K::Ioctl => enum_or_hex(i64::from(value as u32), IOCTLS),
        K::Fcntl => enum_or_decimal(int, FCNTL),
        K::ArchPrctl => enum_or_hex(i64::from(int), ARCH_PRCTL),
        K::Futex => futex_op(value as u32),
        K::CloneFlags => clone_flags(value),
        K::UnshareFlags => bit_set(value, UNSHARE_FLAGS),
        K::Prctl => enum_or_decimal(int, PRCTL),
        K::SockDomain => enum_or_decimal(int, SOCK_DOMAINS),
        K::SockType => sock_type(value),
        K::SockFlags => bit_set(value, SOCK_FLAGS),
        K::SockLevel => enum_or_decimal(int, SOCK_LEVELS),
        K::MsgFlags => bit_set(value, MSG_FLAGS),
        K::Shutdown => enum_or_decimal(int, SHUTDOWN),
        K::SigHow => enum_or_decimal(int, SIG_HOW),
        K::WaitOptions => wait_options(value),
        K::IdType => enum_or_decimal(int, ID_TYPES),
        K::Rlimit => enum_or_decimal(int, RLIMITS),
        K::RusageWho => enum_or_decimal(int, RUSAGE_WHO),
        K::PrioWhich => enum_or_decimal(int, PRIO_WHICH),
        K::ItimerWhich => enum_or_decimal(int, ITIMER_WHICH),
        K::EpollOp => enum_or_decimal(int, EPOLL_OPS),
        K::FlockOp => bit_set(value, FLOCK_OPS),
        K::PtraceRequest => enum_or_hex(i64::from(int), PTRACE_REQUESTS),
        K::SeccompOp => enum_or_decimal(int, SECCOMP_OPS),
        K::SchedPolicy => sched_policy(int),
        K::MemfdFlags => bit_set(value, MEMFD_FLAGS),
        K::RenameFlags => bit_set(value, RENAME_FLAGS),
        K::MountFlags => mount_flags(value),
        K::UmountFlags => bit_set(value, UMOUNT_FLAGS),
        K::Path
        | K::Str
        | K::BufIn { .. }
        | K::BufOut { .. }
        | K::IovecIn { .. }
        | K::IovecOut { .. }
        | K::Argv
        | K::StructIn
        | K::StructOut
        | K::StructInOut => return None,
    })
}

/// Renders a raw return register strace-style.
///
/// Errors (`-4095..=-1`) print as `-1 ENOENT (No such file or directory)`;
/// a leaked kernel-internal restart code prints as `? ERESTARTSYS (...)`.
/// Successes print per kind: decimal, hex (`0x7f...`), octal for
/// [`RetKind::Mode`]; [`RetKind::NoReturn`] always prints `?`.
pub fn format_return(ret: RetKind, value: u64) -> String {
    let raw = value as i64;
    if ret == RetKind::NoReturn {
        return "?".to_string();
    }
    if (-i64::from(errno::MAX_ERRNO)..0).contains(&raw) {
        let e = (-raw) as i32;
        let lead = if errno::is_internal(e) { "?" } else { "-1" };
        return match (errno::name(e), errno::description(e)) {
            (Some(n), Some(d)) => format!("{lead} {n} ({d})"),
            _ => format!("-1 errno {e}"),
        };
    }
    match ret {
        RetKind::Hex => hex(value),
        RetKind::Mode => octal(value),
        RetKind::Int | RetKind::Fd | RetKind::NoReturn => raw.to_string(),
    }
}

/// `AT_FDCWD` as the kernel sees it in an `int` dirfd.
const AT_FDCWD: i32 = -100;

/// Hex with `0` for zero, as strace prints opaque words.
fn hex(v: u64) -> String {
    if v == 0 {
        "0".to_string()
    } else {
        format!("{v:#x}")
    }
}

/// Accumulates `|`-separated parts.
#[derive(Default)]
struct Parts(String);

impl Parts {
    fn push(&mut self, part: &str) {
        if !self.0.is_empty() {
            self.0.push('|');
        }
        self.0.push_str(part);
    }

    /// Pushes every table entry whose bits are all set in `v`; returns the
    /// bits no entry claimed.
    fn bits(&mut self, mut v: u64, table: BitTable) -> u64 {
        for &(mask, name) in table {
            if mask != 0 && v & mask == mask {
                self.push(name);
                v &= !mask;
            }
        }
        v
    }

    /// Appends the hex remainder, if any; an empty result becomes `0`.
    fn finish(mut self, rem: u64) -> String {
        if rem != 0 {
            self.push(&format!("{rem:#x}"));
        }
        if self.0.is_empty() {
            "0".to_string()
        } else {
            self.0
        }
    }
}

fn bit_set(v: u64, table: BitTable) -> String {
    let mut p = Parts::default();
    let rem = p.bits(v, table);
    p.finish(rem)
}

fn enum_name(v: i64, table: EnumTable) -> Option<&'static str> {
    table.iter().find(|e| e.0 == v).map(|e| e.1)
}

fn enum_or_decimal(v: i32, table: EnumTable) -> String {
    enum_name(i64::from(v), table).map_or_else(|| v.to_string(), str::to_string)
}

fn enum_or_hex(v: i64, table: EnumTable) -> String {
    enum_name(v, table).map_or_else(|| format!("{v:#x}"), str::to_string)
}

fn signal_text(sig: i32) -> String {
    signal::name(sig).map_or_else(|| sig.to_string(), str::to_string)
}

/// Octal with a leading `0`, at least three digits, as C's `%#03o`:
/// `0644`, `022`, `000`.
fn octal(v: u64) -> String {
    let s = if v == 0 {
        "0".to_string()
    } else {
        format!("0{v:o}")
    };
    format!("{s:0>3}")
}

fn mode(v: u64) -> String {
    let mut p = Parts::default();
    let rem = p.bits(v & 0o170000, FILE_TYPES);
    p.push(&octal(v & 0o7777));
    p.finish(rem | (v & !0o177777))
}

fn open_flags(v: u64) -> String {
    let mut p = Parts::default();
    p.push(match v & 3 {
        0 => "O_RDONLY",
        1 => "O_WRONLY",
        2 => "O_RDWR",
        _ => "O_ACCMODE",
    });
    let rem = p.bits(v & !3, OPEN_FLAGS);
    p.finish(rem)
}

fn mmap_flags(v: u64) -> String {
    const MAP_HUGETLB: u64 = 0x40000;
    const MAP_HUGE_SHIFT: u32 = 26;
    const MAP_HUGE_MASK: u64 = 0x3f;
    let mut p = Parts::default();
    let mut v = v;
    let ty = match v & 0xf {
        1 => Some("MAP_SHARED"),
        2 => Some("MAP_PRIVATE"),
        3 => Some("MAP_SHARED_VALIDATE"),
        8 => Some("MAP_DROPPABLE"),
        _ => None,
    };
    if let Some(ty) = ty {
        p.push(ty);
        v &= !0xf;
    }
    let huge = (v >> MAP_HUGE_SHIFT) & MAP_HUGE_MASK;
    if v & MAP_HUGETLB != 0 && huge != 0 {
        v &= !(MAP_HUGE_MASK << MAP_HUGE_SHIFT);
        let rem = p.bits(v, MMAP_FLAGS);
        p.push(&format!("{huge}<<MAP_HUGE_SHIFT"));
        return p.finish(rem);
    }
    let rem = p.bits(v, MMAP_FLAGS);
    p.finish(rem)
}

fn futex_op(op: u32) -> String {
    const FUTEX_PRIVATE_FLAG: u32 = 128;
    const FUTEX_CLOCK_REALTIME: u32 = 256;
    let cmd = op & !(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
    let Some(name) = enum_name(i64::from(cmd), FUTEX_CMDS) else {
        return format!("{op:#x}");
    };
    let mut s = name.to_string();
    if op & FUTEX_PRIVATE_FLAG != 0 {
        s.push_str("_PRIVATE");
    }
    if op & FUTEX_CLOCK_REALTIME != 0 {
        s.push_str("|FUTEX_CLOCK_REALTIME");
    }
    s
}

fn clone_flags(v: u64) -> String {
    let mut p = Parts::default();
    let rem = p.bits(v & !0xff, CLONE_FLAGS);
    let sig = (v & 0xff) as i32;
    if sig != 0 {
        p.push(&signal_text(sig));
    }
    p.finish(rem)
}

fn sock_type(v: u64) -> String {
    let mut p = Parts::default();
    let ty = match v & 0xf {
        1 => Some("SOCK_STREAM"),
        2 => Some("SOCK_DGRAM"),
        3 => Some("SOCK_RAW"),
        4 => Some("SOCK_RDM"),
        5 => Some("SOCK_SEQPACKET"),
        6 => Some("SOCK_DCCP"),
        10 => Some("SOCK_PACKET"),
        _ => None,
    };
    let mut v = v;
    if let Some(ty) = ty {
        p.push(ty);
        v &= !0xf;
    }
    let rem = p.bits(v, SOCK_FLAGS);
    p.finish(rem)
}

fn wait_options(v: u64) -> String {
    // WUNTRACED and WSTOPPED share a value; waitid callers pass WEXITED too.
    let table: BitTable = if v & 4 != 0 {
        WAITID_OPTIONS
    } else {
        WAIT_OPTIONS
    };
    bit_set(v, table)
}

fn sched_policy(v: i32) -> String {
    const SCHED_RESET_ON_FORK: i32 = 0x4000_0000;
    let base = enum_or_decimal(v & !SCHED_RESET_ON_FORK, SCHED_POLICIES);
    if v & SCHED_RESET_ON_FORK != 0 {
        base + "|SCHED_RESET_ON_FORK"
    } else {
        base
    }
}

fn mount_flags(v: u64) -> String {
    const MS_MGC_VAL: u64 = 0xC0ED_0000;
    const MS_MGC_MSK: u64 = 0xffff_0000;
    let mut p = Parts::default();
    let mut v = v;
    if v & MS_MGC_MSK == MS_MGC_VAL {
        p.push("MS_MGC_VAL");
        v &= !MS_MGC_MSK;
    }
    let rem = p.bits(v, MOUNT_FLAGS);
    p.finish(rem)
}

const FILE_TYPES: BitTable = &[
    (0o140000, "S_IFSOCK"),
    (0o120000, "S_IFLNK"),
    (0o100000, "S_IFREG"),
    (0o060000, "S_IFBLK"),
    (0o040000, "S_IFDIR"),
    (0o020000, "S_IFCHR"),
    (0o010000, "S_IFIFO"),
];

const OPEN_FLAGS: BitTable = &[
    (0o100, "O_CREAT"),
    (0o200, "O_EXCL"),
    (0o400, "O_NOCTTY"),
    (0o1000, "O_TRUNC"),
    (0o2000, "O_APPEND"),
    (0o4000, "O_NONBLOCK"),
    (0o4010000, "O_SYNC"),
    (0o10000, "O_DSYNC"),
    (0o20000, "O_ASYNC"),
    (0o40000, "O_DIRECT"),
    (0o100000, "O_LARGEFILE"),
    (0o20200000, "O_TMPFILE"),
    (0o200000, "O_DIRECTORY"),
    (0o400000, "O_NOFOLLOW"),
    (0o1000000, "O_NOATIME"),
    (0o2000000, "O_CLOEXEC"),
    (0o10000000, "O_PATH"),
];

const CLOEXEC_FLAGS: BitTable = &[(0o4000, "O_NONBLOCK"), (0o2000000, "O_CLOEXEC")];

const AT_FLAGS: BitTable = &[
    (0x100, "AT_SYMLINK_NOFOLLOW"),
    (0x200, "AT_REMOVEDIR"),
    (0x400, "AT_SYMLINK_FOLLOW"),
    (0x800, "AT_NO_AUTOMOUNT"),
    (0x1000, "AT_EMPTY_PATH"),
    (0x2000, "AT_STATX_FORCE_SYNC"),
    (0x4000, "AT_STATX_DONT_SYNC"),
    (0x8000, "AT_RECURSIVE"),
];

const ACCESS_AT_FLAGS: BitTable = &[
    (0x100, "AT_SYMLINK_NOFOLLOW"),
    (0x200, "AT_EACCESS"),
    (0x1000, "AT_EMPTY_PATH"),
];

const ACCESS_MODE: BitTable = &[(4, "R_OK"), (2, "W_OK"), (1, "X_OK")];

const MMAP_PROT: BitTable = &[
    (0x1, "PROT_READ"),
    (0x2, "PROT_WRITE"),
    (0x4, "PROT_EXEC"),
    (0x8, "PROT_SEM"),
    (0x0100_0000, "PROT_GROWSDOWN"),
    (0x0200_0000, "PROT_GROWSUP"),
];

const MMAP_FLAGS: BitTable = &[
    (0x10, "MAP_FIXED"),
    (0x20, "MAP_ANONYMOUS"),
    (0x40, "MAP_32BIT"),
    (0x100, "MAP_GROWSDOWN"),
    (0x800, "MAP_DENYWRITE"),
    (0x1000, "MAP_EXECUTABLE"),
    (0x2000, "MAP_LOCKED"),
    (0x4000, "MAP_NORESERVE"),
    (0x8000, "MAP_POPULATE"),
    (0x10000, "MAP_NONBLOCK"),
    (0x20000, "MAP_STACK"),
    (0x40000, "MAP_HUGETLB"),
    (0x80000, "MAP_SYNC"),
    (0x100000, "MAP_FIXED_NOREPLACE"),
    (0x4000000, "MAP_UNINITIALIZED"),
];

const MREMAP_FLAGS: BitTable = &[
    (1, "MREMAP_MAYMOVE"),
    (2, "MREMAP_FIXED"),
    (4, "MREMAP_DONTUNMAP"),
];

const MADVISE: EnumTable = &[
    (0, "MADV_NORMAL"),
    (1, "MADV_RANDOM"),
    (2, "MADV_SEQUENTIAL"),
    (3, "MADV_WILLNEED"),
    (4, "MADV_DONTNEED"),
    (8, "MADV_FREE"),
    (9, "MADV_REMOVE"),
    (10, "MADV_DONTFORK"),
    (11, "MADV_DOFORK"),
    (12, "MADV_MERGEABLE"),
    (13, "MADV_UNMERGEABLE"),
    (14, "MADV_HUGEPAGE"),
    (15, "MADV_NOHUGEPAGE"),
    (16, "MADV_DONTDUMP"),
    (17, "MADV_DODUMP"),
    (18, "MADV_WIPEONFORK"),
    (19, "MADV_KEEPONFORK"),
    (20, "MADV_COLD"),
    (21, "MADV_PAGEOUT"),
    (22, "MADV_POPULATE_READ"),
    (23, "MADV_POPULATE_WRITE"),
    (24, "MADV_DONTNEED_LOCKED"),
    (25, "MADV_COLLAPSE"),
    (100, "MADV_HWPOISON"),
    (101, "MADV_SOFT_OFFLINE"),
    (102, "MADV_GUARD_INSTALL"),
    (103, "MADV_GUARD_REMOVE"),
];

const CLOCKS: EnumTable = &[
    (0, "CLOCK_REALTIME"),
    (1, "CLOCK_MONOTONIC"),
    (2, "CLOCK_PROCESS_CPUTIME_ID"),
    (3, "CLOCK_THREAD_CPUTIME_ID"),
    (4, "CLOCK_MONOTONIC_RAW"),
    (5, "CLOCK_REALTIME_COARSE"),
    (6, "CLOCK_MONOTONIC_COARSE"),
    (7, "CLOCK_BOOTTIME"),
    (8, "CLOCK_REALTIME_ALARM"),
    (9, "CLOCK_BOOTTIME_ALARM"),
    (11, "CLOCK_TAI"),
];

const TIMER_FLAGS: BitTable = &[(1, "TIMER_ABSTIME")];

const WHENCE: EnumTable = &[
    (0, "SEEK_SET"),
    (1, "SEEK_CUR"),
    (2, "SEEK_END"),
    (3, "SEEK_DATA"),
    (4, "SEEK_HOLE"),
];

const IOCTLS: EnumTable = &[
    (0x5401, "TCGETS"),
    (0x5402, "TCSETS"),
    (0x5403, "TCSETSW"),
    (0x5404, "TCSETSF"),
    (0x5405, "TCGETA"),
    (0x5406, "TCSETA"),
    (0x5407, "TCSETAW"),
    (0x5408, "TCSETAF"),
    (0x5409, "TCSBRK"),
    (0x540A, "TCXONC"),
    (0x540B, "TCFLSH"),
    (0x540C, "TIOCEXCL"),
    (0x540D, "TIOCNXCL"),
    (0x540E, "TIOCSCTTY"),
    (0x540F, "TIOCGPGRP"),
    (0x5410, "TIOCSPGRP"),
    (0x5411, "TIOCOUTQ"),
    (0x5412, "TIOCSTI"),
    (0x5413, "TIOCGWINSZ"),
    (0x5414, "TIOCSWINSZ"),
    (0x5415, "TIOCMGET"),
    (0x5416, "TIOCMBIS"),
    (0x5417, "TIOCMBIC"),
    (0x5418, "TIOCMSET"),
    (0x541B, "FIONREAD"),
    (0x541C, "TIOCLINUX"),
    (0x541D, "TIOCCONS"),
    (0x5420, "TIOCPKT"),
    (0x5421, "FIONBIO"),
    (0x5422, "TIOCNOTTY"),
    (0x5423, "TIOCSETD"),
    (0x5424, "TIOCGETD"),
    (0x5427, "TIOCSBRK"),
    (0x5428, "TIOCCBRK"),
    (0x5429, "TIOCGSID"),
    (0x8004_5430, "TIOCGPTN"),
    (0x4004_5431, "TIOCSPTLCK"),
    (0x4004_5436, "TIOCSIG"),
    (0x5437, "TIOCVHANGUP"),
    (0x5441, "TIOCGPTPEER"),
    (0x5450, "FIONCLEX"),
    (0x5451, "FIOCLEX"),
    (0x5452, "FIOASYNC"),
    (0x5460, "FIOQSIZE"),
    (0x8901, "FIOSETOWN"),
    (0x8902, "SIOCSPGRP"),
    (0x8903, "FIOGETOWN"),
    (0x8904, "SIOCGPGRP"),
    (0x8905, "SIOCATMARK"),
    (0x8910, "SIOCGIFNAME"),
    (0x8912, "SIOCGIFCONF"),
    (0x8913, "SIOCGIFFLAGS"),
    (0x8914, "SIOCSIFFLAGS"),
    (0x8915, "SIOCGIFADDR"),
    (0x8921, "SIOCGIFMTU"),
    (0x8927, "SIOCGIFHWADDR"),
    (0x8933, "SIOCGIFINDEX"),
    (0x8008_6601, "FS_IOC_GETFLAGS"),
    (0x4008_6602, "FS_IOC_SETFLAGS"),
    (0x4004_9409, "FICLONE"),
];

const FCNTL: EnumTable = &[
    (0, "F_DUPFD"),
    (1, "F_GETFD"),
    (2, "F_SETFD"),
    (3, "F_GETFL"),
    (4, "F_SETFL"),
    (5, "F_GETLK"),
    (6, "F_SETLK"),
    (7, "F_SETLKW"),
    (8, "F_SETOWN"),
    (9, "F_GETOWN"),
    (10, "F_SETSIG"),
    (11, "F_GETSIG"),
    (15, "F_SETOWN_EX"),
    (16, "F_GETOWN_EX"),
    (17, "F_GETOWNER_UIDS"),
    (36, "F_OFD_GETLK"),
    (37, "F_OFD_SETLK"),
    (38, "F_OFD_SETLKW"),
    (1024, "F_SETLEASE"),
    (1025, "F_GETLEASE"),
    (1026, "F_NOTIFY"),
    (1027, "F_DUPFD_QUERY"),
    (1028, "F_CREATED_QUERY"),
    (1030, "F_DUPFD_CLOEXEC"),
    (1031, "F_SETPIPE_SZ"),
    (1032, "F_GETPIPE_SZ"),
    (1033, "F_ADD_SEALS"),
    (1034, "F_GET_SEALS"),
    (1035, "F_GET_RW_HINT"),
    (1036, "F_SET_RW_HINT"),
    (1037, "F_GET_FILE_RW_HINT"),
    (1038, "F_SET_FILE_RW_HINT"),
];

const ARCH_PRCTL: EnumTable = &[
    (0x1001, "ARCH_SET_GS"),
    (0x1002, "ARCH_SET_FS"),
    (0x1003, "ARCH_GET_FS"),
    (0x1004, "ARCH_GET_GS"),
    (0x1011, "ARCH_GET_CPUID"),
    (0x1012, "ARCH_SET_CPUID"),
    (0x1021, "ARCH_GET_XCOMP_SUPP"),
    (0x1022, "ARCH_GET_XCOMP_PERM"),
    (0x1023, "ARCH_REQ_XCOMP_PERM"),
    (0x1024, "ARCH_GET_XCOMP_GUEST_PERM"),
    (0x1025, "ARCH_REQ_XCOMP_GUEST_PERM"),
    (0x2001, "ARCH_MAP_VDSO_X32"),
    (0x2002, "ARCH_MAP_VDSO_32"),
    (0x2003, "ARCH_MAP_VDSO_64"),
    (0x4001, "ARCH_GET_UNTAG_MASK"),
    (0x4002, "ARCH_ENABLE_TAGGED_ADDR"),
    (0x4003, "ARCH_GET_MAX_TAG_BITS"),
    (0x4004, "ARCH_FORCE_TAGGED_SVA"),
    (0x5001, "ARCH_SHSTK_ENABLE"),
    (0x5002, "ARCH_SHSTK_DISABLE"),
    (0x5003, "ARCH_SHSTK_LOCK"),
    (0x5004, "ARCH_SHSTK_UNLOCK"),
    (0x5005, "ARCH_SHSTK_STATUS"),
];

const FUTEX_CMDS: EnumTable = &[
    (0, "FUTEX_WAIT"),
    (1, "FUTEX_WAKE"),
    (2, "FUTEX_FD"),
    (3, "FUTEX_REQUEUE"),
    (4, "FUTEX_CMP_REQUEUE"),
    (5, "FUTEX_WAKE_OP"),
    (6, "FUTEX_LOCK_PI"),
    (7, "FUTEX_UNLOCK_PI"),
    (8, "FUTEX_TRYLOCK_PI"),
    (9, "FUTEX_WAIT_BITSET"),
    (10, "FUTEX_WAKE_BITSET"),
    (11, "FUTEX_WAIT_REQUEUE_PI"),
    (12, "FUTEX_CMP_REQUEUE_PI"),
    (13, "FUTEX_LOCK_PI2"),
];

const CLONE_FLAGS: BitTable = &[
    (0x100, "CLONE_VM"),
    (0x200, "CLONE_FS"),
    (0x400, "CLONE_FILES"),
    (0x800, "CLONE_SIGHAND"),
    (0x1000, "CLONE_PIDFD"),
    (0x2000, "CLONE_PTRACE"),
    (0x4000, "CLONE_VFORK"),
    (0x8000, "CLONE_PARENT"),
    (0x10000, "CLONE_THREAD"),
    (0x20000, "CLONE_NEWNS"),
    (0x40000, "CLONE_SYSVSEM"),
    (0x80000, "CLONE_SETTLS"),
    (0x100000, "CLONE_PARENT_SETTID"),
    (0x200000, "CLONE_CHILD_CLEARTID"),
    (0x400000, "CLONE_DETACHED"),
    (0x800000, "CLONE_UNTRACED"),
    (0x1000000, "CLONE_CHILD_SETTID"),
    (0x2000000, "CLONE_NEWCGROUP"),
    (0x4000000, "CLONE_NEWUTS"),
    (0x8000000, "CLONE_NEWIPC"),
    (0x10000000, "CLONE_NEWUSER"),
    (0x20000000, "CLONE_NEWPID"),
    (0x40000000, "CLONE_NEWNET"),
    (0x80000000, "CLONE_IO"),
];

const UNSHARE_FLAGS: BitTable = &[
    (0x80, "CLONE_NEWTIME"),
    (0x100, "CLONE_VM"),
    (0x200, "CLONE_FS"),
    (0x400, "CLONE_FILES"),
    (0x800, "CLONE_SIGHAND"),
    (0x10000, "CLONE_THREAD"),
    (0x20000, "CLONE_NEWNS"),
    (0x40000, "CLONE_SYSVSEM"),
    (0x2000000, "CLONE_NEWCGROUP"),
    (0x4000000, "CLONE_NEWUTS"),
    (0x8000000, "CLONE_NEWIPC"),
    (0x10000000, "CLONE_NEWUSER"),
    (0x20000000, "CLONE_NEWPID"),
    (0x40000000, "CLONE_NEWNET"),
];

const PRCTL: EnumTable = &[
    (1, "PR_SET_PDEATHSIG"),
    (2, "PR_GET_PDEATHSIG"),
    (3, "PR_GET_DUMPABLE"),
    (4, "PR_SET_DUMPABLE"),
    (5, "PR_GET_UNALIGN"),
    (6, "PR_SET_UNALIGN"),
    (7, "PR_GET_KEEPCAPS"),
    (8, "PR_SET_KEEPCAPS"),
    (9, "PR_GET_FPEMU"),
    (10, "PR_SET_FPEMU"),
    (11, "PR_GET_FPEXC"),
    (12, "PR_SET_FPEXC"),
    (13, "PR_GET_TIMING"),
    (14, "PR_SET_TIMING"),
    (15, "PR_SET_NAME"),
    (16, "PR_GET_NAME"),
    (19, "PR_GET_ENDIAN"),
    (20, "PR_SET_ENDIAN"),
    (21, "PR_GET_SECCOMP"),
    (22, "PR_SET_SECCOMP"),
    (23, "PR_CAPBSET_READ"),
    (24, "PR_CAPBSET_DROP"),
    (25, "PR_GET_TSC"),
    (26, "PR_SET_TSC"),
    (27, "PR_GET_SECUREBITS"),
    (28, "PR_SET_SECUREBITS"),
    (29, "PR_SET_TIMERSLACK"),
    (30, "PR_GET_TIMERSLACK"),
    (31, "PR_TASK_PERF_EVENTS_DISABLE"),
    (32, "PR_TASK_PERF_EVENTS_ENABLE"),
    (33, "PR_MCE_KILL"),
    (34, "PR_MCE_KILL_GET"),
    (35, "PR_SET_MM"),
    (36, "PR_SET_CHILD_SUBREAPER"),
    (37, "PR_GET_CHILD_SUBREAPER"),
    (38, "PR_SET_NO_NEW_PRIVS"),
    (39, "PR_GET_NO_NEW_PRIVS"),
    (40, "PR_GET_TID_ADDRESS"),
    (41, "PR_SET_THP_DISABLE"),
    (42, "PR_GET_THP_DISABLE"),
    (43, "PR_MPX_ENABLE_MANAGEMENT"),
    (44, "PR_MPX_DISABLE_MANAGEMENT"),
    (45, "PR_SET_FP_MODE"),
    (46, "PR_GET_FP_MODE"),
    (47, "PR_CAP_AMBIENT"),
    (50, "PR_SVE_SET_VL"),
    (51, "PR_SVE_GET_VL"),
    (52, "PR_GET_SPECULATION_CTRL"),
    (53, "PR_SET_SPECULATION_CTRL"),
    (54, "PR_PAC_RESET_KEYS"),
    (55, "PR_SET_TAGGED_ADDR_CTRL"),
    (56, "PR_GET_TAGGED_ADDR_CTRL"),
    (57, "PR_SET_IO_FLUSHER"),
    (58, "PR_GET_IO_FLUSHER"),
    (59, "PR_SET_SYSCALL_USER_DISPATCH"),
    (60, "PR_PAC_SET_ENABLED_KEYS"),
    (61, "PR_PAC_GET_ENABLED_KEYS"),
    (62, "PR_SCHED_CORE"),
    (63, "PR_SME_SET_VL"),
    (64, "PR_SME_GET_VL"),
    (65, "PR_SET_MDWE"),
    (66, "PR_GET_MDWE"),
    (67, "PR_SET_MEMORY_MERGE"),
    (68, "PR_GET_MEMORY_MERGE"),
    (69, "PR_RISCV_V_SET_CONTROL"),
    (70, "PR_RISCV_V_GET_CONTROL"),
    (71, "PR_RISCV_SET_ICACHE_FLUSH_CTX"),
    (72, "PR_PPC_GET_DEXCR"),
    (73, "PR_PPC_SET_DEXCR"),
    (74, "PR_GET_SHADOW_STACK_STATUS"),
    (75, "PR_SET_SHADOW_STACK_STATUS"),
    (76, "PR_LOCK_SHADOW_STACK_STATUS"),
    (77, "PR_TIMER_CREATE_RESTORE_IDS"),
    (78, "PR_FUTEX_HASH"),
    (0x5356_4d41, "PR_SET_VMA"),
    (0x5961_6d61, "PR_SET_PTRACER"),
];

const SOCK_DOMAINS: EnumTable = &[
    (0, "AF_UNSPEC"),
    (1, "AF_UNIX"),
    (2, "AF_INET"),
    (3, "AF_AX25"),
    (4, "AF_IPX"),
    (5, "AF_APPLETALK"),
    (6, "AF_NETROM"),
    (7, "AF_BRIDGE"),
    (8, "AF_ATMPVC"),
    (9, "AF_X25"),
    (10, "AF_INET6"),
    (11, "AF_ROSE"),
    (12, "AF_DECnet"),
    (13, "AF_NETBEUI"),
    (14, "AF_SECURITY"),
    (15, "AF_KEY"),
    (16, "AF_NETLINK"),
    (17, "AF_PACKET"),
    (18, "AF_ASH"),
    (19, "AF_ECONET"),
    (20, "AF_ATMSVC"),
    (21, "AF_RDS"),
    (22, "AF_SNA"),
    (23, "AF_IRDA"),
    (24, "AF_PPPOX"),
    (25, "AF_WANPIPE"),
    (26, "AF_LLC"),
    (27, "AF_IB"),
    (28, "AF_MPLS"),
    (29, "AF_CAN"),
    (30, "AF_TIPC"),
    (31, "AF_BLUETOOTH"),
    (32, "AF_IUCV"),
    (33, "AF_RXRPC"),
    (34, "AF_ISDN"),
    (35, "AF_PHONET"),
    (36, "AF_IEEE802154"),
    (37, "AF_CAIF"),
    (38, "AF_ALG"),
    (39, "AF_NFC"),
    (40, "AF_VSOCK"),
    (41, "AF_KCM"),
    (42, "AF_QIPCRTR"),
    (43, "AF_SMC"),
    (44, "AF_XDP"),
    (45, "AF_MCTP"),
];

const SOCK_FLAGS: BitTable = &[(0o4000, "SOCK_NONBLOCK"), (0o2000000, "SOCK_CLOEXEC")];

const SOCK_LEVELS: EnumTable = &[
    (0, "SOL_IP"),
    (1, "SOL_SOCKET"),
    (6, "SOL_TCP"),
    (17, "SOL_UDP"),
    (41, "SOL_IPV6"),
    (58, "SOL_ICMPV6"),
    (132, "SOL_SCTP"),
    (136, "SOL_UDPLITE"),
    (255, "SOL_RAW"),
    (263, "SOL_PACKET"),
    (270, "SOL_NETLINK"),
    (274, "SOL_BLUETOOTH"),
    (279, "SOL_ALG"),
    (282, "SOL_TLS"),
    (283, "SOL_XDP"),
    (284, "SOL_MPTCP"),
    (287, "SOL_VSOCK"),
];

const MSG_FLAGS: BitTable = &[
    (0x1, "MSG_OOB"),
    (0x2, "MSG_PEEK"),
    (0x4, "MSG_DONTROUTE"),
    (0x8, "MSG_CTRUNC"),
    (0x10, "MSG_PROBE"),
    (0x20, "MSG_TRUNC"),
    (0x40, "MSG_DONTWAIT"),
    (0x80, "MSG_EOR"),
    (0x100, "MSG_WAITALL"),
    (0x200, "MSG_FIN"),
    (0x400, "MSG_SYN"),
    (0x800, "MSG_CONFIRM"),
    (0x1000, "MSG_RST"),
    (0x2000, "MSG_ERRQUEUE"),
    (0x4000, "MSG_NOSIGNAL"),
    (0x8000, "MSG_MORE"),
    (0x10000, "MSG_WAITFORONE"),
    (0x40000, "MSG_BATCH"),
    (0x4000000, "MSG_ZEROCOPY"),
    (0x20000000, "MSG_FASTOPEN"),
    (0x40000000, "MSG_CMSG_CLOEXEC"),
];

const SHUTDOWN: EnumTable = &[(0, "SHUT_RD"), (1, "SHUT_WR"), (2, "SHUT_RDWR")];

const SIG_HOW: EnumTable = &[(0, "SIG_BLOCK"), (1, "SIG_UNBLOCK"), (2, "SIG_SETMASK")];

const WAIT_OPTIONS: BitTable = &[
    (0x1, "WNOHANG"),
    (0x2, "WUNTRACED"),
    (0x8, "WCONTINUED"),
    (0x0100_0000, "WNOWAIT"),
    (0x2000_0000, "__WNOTHREAD"),
    (0x4000_0000, "__WALL"),
    (0x8000_0000, "__WCLONE"),
];

const WAITID_OPTIONS: BitTable = &[
    (0x1, "WNOHANG"),
    (0x2, "WSTOPPED"),
    (0x4, "WEXITED"),
    (0x8, "WCONTINUED"),
    (0x0100_0000, "WNOWAIT"),
    (0x2000_0000, "__WNOTHREAD"),
    (0x4000_0000, "__WALL"),
    (0x8000_0000, "__WCLONE"),
];

const ID_TYPES: EnumTable = &[(0, "P_ALL"), (1, "P_PID"), (2, "P_PGID"), (3, "P_PIDFD")];

const RLIMITS: EnumTable = &[
    (0, "RLIMIT_CPU"),
    (1, "RLIMIT_FSIZE"),
    (2, "RLIMIT_DATA"),
    (3, "RLIMIT_STACK"),
    (4, "RLIMIT_CORE"),
    (5, "RLIMIT_RSS"),
    (6, "RLIMIT_NPROC"),
    (7, "RLIMIT_NOFILE"),
    (8, "RLIMIT_MEMLOCK"),
    (9, "RLIMIT_AS"),
    (10, "RLIMIT_LOCKS"),
    (11, "RLIMIT_SIGPENDING"),
    (12, "RLIMIT_MSGQUEUE"),
    (13, "RLIMIT_NICE"),
    (14, "RLIMIT_RTPRIO"),
    (15, "RLIMIT_RTTIME"),
];

const RUSAGE_WHO: EnumTable = &[
    (0, "RUSAGE_SELF"),
    (-1, "RUSAGE_CHILDREN"),
    (1, "RUSAGE_THREAD"),
];

const PRIO_WHICH: EnumTable = &[(0, "PRIO_PROCESS"), (1, "PRIO_PGRP"), (2, "PRIO_USER")];

const ITIMER_WHICH: EnumTable = &[
    (0, "ITIMER_REAL"),
    (1, "ITIMER_VIRTUAL"),
    (2, "ITIMER_PROF"),
];

const EPOLL_OPS: EnumTable = &[
    (1, "EPOLL_CTL_ADD"),
    (2, "EPOLL_CTL_DEL"),
    (3, "EPOLL_CTL_MOD"),
];

const FLOCK_OPS: BitTable = &[
    (1, "LOCK_SH"),
    (2, "LOCK_EX"),
    (4, "LOCK_NB"),
    (8, "LOCK_UN"),
];

const PTRACE_REQUESTS: EnumTable = &[
    (0, "PTRACE_TRACEME"),
    (1, "PTRACE_PEEKTEXT"),
    (2, "PTRACE_PEEKDATA"),
    (3, "PTRACE_PEEKUSER"),
    (4, "PTRACE_POKETEXT"),
    (5, "PTRACE_POKEDATA"),
    (6, "PTRACE_POKEUSER"),
    (7, "PTRACE_CONT"),
    (8, "PTRACE_KILL"),
    (9, "PTRACE_SINGLESTEP"),
    (12, "PTRACE_GETREGS"),
    (13, "PTRACE_SETREGS"),
    (14, "PTRACE_GETFPREGS"),
    (15, "PTRACE_SETFPREGS"),
    (16, "PTRACE_ATTACH"),
    (17, "PTRACE_DETACH"),
    (18, "PTRACE_GETFPXREGS"),
    (19, "PTRACE_SETFPXREGS"),
    (24, "PTRACE_SYSCALL"),
    (25, "PTRACE_GET_THREAD_AREA"),
    (26, "PTRACE_SET_THREAD_AREA"),
    (30, "PTRACE_ARCH_PRCTL"),
    (31, "PTRACE_SYSEMU"),
    (32, "PTRACE_SYSEMU_SINGLESTEP"),
    (33, "PTRACE_SINGLEBLOCK"),
    (0x4200, "PTRACE_SETOPTIONS"),
    (0x4201, "PTRACE_GETEVENTMSG"),
    (0x4202, "PTRACE_GETSIGINFO"),
    (0x4203, "PTRACE_SETSIGINFO"),
    (0x4204, "PTRACE_GETREGSET"),
    (0x4205, "PTRACE_SETREGSET"),
    (0x4206, "PTRACE_SEIZE"),
    (0x4207, "PTRACE_INTERRUPT"),
    (0x4208, "PTRACE_LISTEN"),
    (0x4209, "PTRACE_PEEKSIGINFO"),
    (0x420a, "PTRACE_GETSIGMASK"),
    (0x420b, "PTRACE_SETSIGMASK"),
    (0x420c, "PTRACE_SECCOMP_GET_FILTER"),
    (0x420d, "PTRACE_SECCOMP_GET_METADATA"),
    (0x420e, "PTRACE_GET_SYSCALL_INFO"),
    (0x420f, "PTRACE_GET_RSEQ_CONFIGURATION"),
    (0x4210, "PTRACE_SET_SYSCALL_USER_DISPATCH_CONFIG"),
    (0x4211, "PTRACE_GET_SYSCALL_USER_DISPATCH_CONFIG"),
];

const SECCOMP_OPS: EnumTable = &[
    (0, "SECCOMP_SET_MODE_STRICT"),
    (1, "SECCOMP_SET_MODE_FILTER"),
    (2, "SECCOMP_GET_ACTION_AVAIL"),
    (3, "SECCOMP_GET_NOTIF_SIZES"),
];

const SCHED_POLICIES: EnumTable = &[
    (0, "SCHED_OTHER"),
    (1, "SCHED_FIFO"),
    (2, "SCHED_RR"),
    (3, "SCHED_BATCH"),
    (5, "SCHED_IDLE"),
    (6, "SCHED_DEADLINE"),
    (7, "SCHED_EXT"),
];

const MEMFD_FLAGS: BitTable = &[
    (0x1, "MFD_CLOEXEC"),
    (0x2, "MFD_ALLOW_SEALING"),
    (0x4, "MFD_HUGETLB"),
    (0x8, "MFD_NOEXEC_SEAL"),
    (0x10, "MFD_EXEC"),
];

const RENAME_FLAGS: BitTable = &[
    (1, "RENAME_NOREPLACE"),
    (2, "RENAME_EXCHANGE"),
    (4, "RENAME_WHITEOUT"),
];

const MOUNT_FLAGS: BitTable = &[
    (1, "MS_RDONLY"),
    (2, "MS_NOSUID"),
    (4, "MS_NODEV"),
    (8, "MS_NOEXEC"),
    (16, "MS_SYNCHRONOUS"),
    (32, "MS_REMOUNT"),
    (64, "MS_MANDLOCK"),
    (128, "MS_DIRSYNC"),
    (256, "MS_NOSYMFOLLOW"),
    (1024, "MS_NOATIME"),
    (2048, "MS_NODIRATIME"),
    (4096, "MS_BIND"),
    (8192, "MS_MOVE"),
    (16384, "MS_REC"),
    (32768, "MS_SILENT"),
    (1 << 16, "MS_POSIXACL"),
    (1 << 17, "MS_UNBINDABLE"),
    (1 << 18, "MS_PRIVATE"),
    (1 << 19, "MS_SLAVE"),
    (1 << 20, "MS_SHARED"),
    (1 << 21, "MS_RELATIME"),
    (1 << 22, "MS_KERNMOUNT"),
    (1 << 23, "MS_I_VERSION"),
    (1 << 24, "MS_STRICTATIME"),
    (1 << 25, "MS_LAZYTIME"),
];

const UMOUNT_FLAGS: BitTable = &[
    (1, "MNT_FORCE"),
    (2, "MNT_DETACH"),
    (4, "MNT_EXPIRE"),
    (8, "UMOUNT_NOFOLLOW"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ArgKind as K;

    fn f(kind: ArgKind, v: u64) -> String {
        format_flags(kind, v).expect("register-only kind")
    }

    #[test]
    fn test_format_flags_open_flags_strace_style() {
        assert_eq!(f(K::OpenFlags, 0), "O_RDONLY");
        assert_eq!(f(K::OpenFlags, 0x80000), "O_RDONLY|O_CLOEXEC");
        assert_eq!(
            f(K::OpenFlags, 0o1 | 0o100 | 0o1000),
            "O_WRONLY|O_CREAT|O_TRUNC"
        );
        assert_eq!(f(K::OpenFlags, 0o2 | 0o2000000), "O_RDWR|O_CLOEXEC");
        assert_eq!(f(K::OpenFlags, 0o4010000), "O_RDONLY|O_SYNC");
        assert_eq!(f(K::OpenFlags, 0o10000), "O_RDONLY|O_DSYNC");
        assert_eq!(f(K::OpenFlags, 0o20200002), "O_RDWR|O_TMPFILE");
        assert_eq!(
            f(K::OpenFlags, 0o200000 | 0o2000000),
            "O_RDONLY|O_DIRECTORY|O_CLOEXEC"
        );
    }

    #[test]
    fn test_format_flags_unknown_bits_hex_remainder() {
        assert_eq!(f(K::OpenFlags, 0x4000_0000), "O_RDONLY|0x40000000");
        assert_eq!(f(K::MmapProt, 0x1 | 0x80), "PROT_READ|0x80");
        assert_eq!(f(K::AtFlags, 0x100 | 0x1), "AT_SYMLINK_NOFOLLOW|0x1");
    }

    #[test]
    fn test_format_flags_mmap_prot_and_flags_named() {
        assert_eq!(f(K::MmapProt, 0), "PROT_NONE");
        assert_eq!(f(K::MmapProt, 3), "PROT_READ|PROT_WRITE");
        assert_eq!(f(K::MmapProt, 5), "PROT_READ|PROT_EXEC");
        assert_eq!(f(K::MmapFlags, 0x22), "MAP_PRIVATE|MAP_ANONYMOUS");
        assert_eq!(
            f(K::MmapFlags, 0x812),
            "MAP_PRIVATE|MAP_FIXED|MAP_DENYWRITE"
        );
        assert_eq!(f(K::MmapFlags, 0x1), "MAP_SHARED");
        assert_eq!(
            f(K::MmapFlags, 0x20022),
            "MAP_PRIVATE|MAP_ANONYMOUS|MAP_STACK"
        );
        assert_eq!(
            f(K::MmapFlags, 0x22 | 0x40000 | (21 << 26)),
            "MAP_PRIVATE|MAP_ANONYMOUS|MAP_HUGETLB|21<<MAP_HUGE_SHIFT"
        );
    }

    #[test]
    fn test_format_flags_enums_named() {
        assert_eq!(f(K::Clock, 1), "CLOCK_MONOTONIC");
        assert_eq!(f(K::Clock, 0), "CLOCK_REALTIME");
        assert_eq!(f(K::Clock, (-2i64) as u64), "-2");
        assert_eq!(f(K::Signal, 11), "SIGSEGV");
        assert_eq!(f(K::Signal, 0), "0");
        assert_eq!(f(K::Whence, 0), "SEEK_SET");
        assert_eq!(f(K::Whence, 2), "SEEK_END");
        assert_eq!(f(K::ArchPrctl, 0x1002), "ARCH_SET_FS");
        assert_eq!(f(K::ArchPrctl, 0x9999), "0x9999");
        assert_eq!(f(K::Fcntl, 1030), "F_DUPFD_CLOEXEC");
        assert_eq!(f(K::Ioctl, 0x5401), "TCGETS");
        assert_eq!(f(K::Ioctl, 0x8004_5430), "TIOCGPTN");
        assert_eq!(f(K::Ioctl, 0xdead), "0xdead");
        assert_eq!(f(K::Prctl, 15), "PR_SET_NAME");
        assert_eq!(f(K::SockDomain, 10), "AF_INET6");
        assert_eq!(f(K::SockLevel, 1), "SOL_SOCKET");
        assert_eq!(f(K::SigHow, 2), "SIG_SETMASK");
        assert_eq!(f(K::Rlimit, 7), "RLIMIT_NOFILE");
        assert_eq!(f(K::RusageWho, u64::MAX), "RUSAGE_CHILDREN");
        assert_eq!(f(K::EpollOp, 1), "EPOLL_CTL_ADD");
        assert_eq!(f(K::PtraceRequest, 0x4206), "PTRACE_SEIZE");
        assert_eq!(f(K::SeccompOp, 1), "SECCOMP_SET_MODE_FILTER");
        assert_eq!(f(K::Madvise, 4), "MADV_DONTNEED");
        assert_eq!(
            f(K::SchedPolicy, 0x4000_0001),
            "SCHED_FIFO|SCHED_RESET_ON_FORK"
        );
    }

    #[test]
    fn test_format_flags_atfd_cwd_named() {
        assert_eq!(f(K::AtFd, (-100i64) as u64), "AT_FDCWD");
        // A 32-bit write of -100 leaves the upper half zero; still AT_FDCWD.
        assert_eq!(f(K::AtFd, 0xffff_ff9c), "AT_FDCWD");
        assert_eq!(f(K::AtFd, 3), "3");
        assert_eq!(f(K::Fd, u64::MAX), "-1");
    }

    #[test]
    fn test_format_flags_at_flags_named() {
        assert_eq!(f(K::AtFlags, 0), "0");
        assert_eq!(f(K::AtFlags, 0x1100), "AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH");
        assert_eq!(f(K::AtFlags, 0x200), "AT_REMOVEDIR");
        assert_eq!(f(K::AccessAtFlags, 0x200), "AT_EACCESS");
        assert_eq!(f(K::AccessMode, 0), "F_OK");
        assert_eq!(f(K::AccessMode, 6), "R_OK|W_OK");
    }

    #[test]
    fn test_format_flags_futex_private_and_clock() {
        assert_eq!(f(K::Futex, 0), "FUTEX_WAIT");
        assert_eq!(f(K::Futex, 128), "FUTEX_WAIT_PRIVATE");
        assert_eq!(f(K::Futex, 129), "FUTEX_WAKE_PRIVATE");
        assert_eq!(
            f(K::Futex, 9 | 128 | 256),
            "FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME"
        );
        assert_eq!(f(K::Futex, 99), "0x63");
    }

    #[test]
    fn test_format_flags_clone_flags_signal_last() {
        assert_eq!(
            f(K::CloneFlags, 0x0120_0011),
            "CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD"
        );
        assert_eq!(
            f(K::CloneFlags, 0x003d_0f00),
            "CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID"
        );
        assert_eq!(
            f(K::UnshareFlags, 0x2002_0080),
            "CLONE_NEWTIME|CLONE_NEWNS|CLONE_NEWPID"
        );
    }

    #[test]
    fn test_format_flags_sockets_named() {
        assert_eq!(f(K::SockType, 1 | 0x80000), "SOCK_STREAM|SOCK_CLOEXEC");
        assert_eq!(f(K::SockType, 2 | 0x800), "SOCK_DGRAM|SOCK_NONBLOCK");
        assert_eq!(f(K::SockFlags, 0x80800), "SOCK_NONBLOCK|SOCK_CLOEXEC");
        assert_eq!(f(K::MsgFlags, 0x4040), "MSG_DONTWAIT|MSG_NOSIGNAL");
        assert_eq!(f(K::MsgFlags, 0), "0");
    }

    #[test]
    fn test_format_flags_misc_flag_sets_named() {
        assert_eq!(f(K::CloexecFlags, 0x80000), "O_CLOEXEC");
        assert_eq!(f(K::WaitOptions, 0x4000_0001), "WNOHANG|__WALL");
        assert_eq!(f(K::WaitOptions, 0x6), "WSTOPPED|WEXITED");
        assert_eq!(f(K::FlockOp, 6), "LOCK_EX|LOCK_NB");
        assert_eq!(f(K::MremapFlags, 1), "MREMAP_MAYMOVE");
        assert_eq!(f(K::MemfdFlags, 3), "MFD_CLOEXEC|MFD_ALLOW_SEALING");
        assert_eq!(f(K::RenameFlags, 1), "RENAME_NOREPLACE");
        assert_eq!(f(K::MountFlags, 0x5000), "MS_BIND|MS_REC");
        assert_eq!(f(K::MountFlags, 0xC0ED_0001), "MS_MGC_VAL|MS_RDONLY");
        assert_eq!(f(K::UmountFlags, 2), "MNT_DETACH");
        assert_eq!(f(K::TimerFlags, 1), "TIMER_ABSTIME");
    }

    #[test]
    fn test_format_flags_mode_octal() {
        assert_eq!(f(K::Mode, 0o644), "0644");
        assert_eq!(f(K::Mode, 0), "000");
        assert_eq!(f(K::Mode, 0o22), "022");
        assert_eq!(f(K::Mode, 0o7), "007");
        assert_eq!(f(K::Mode, 0o4755), "04755");
        assert_eq!(f(K::Mode, 0o020620), "S_IFCHR|0620");
    }

    #[test]
    fn test_format_flags_scalars_decimal_hex_null() {
        assert_eq!(f(K::Int, u64::MAX), "-1");
        assert_eq!(f(K::Int, 0xffff_ffff), "-1");
        assert_eq!(f(K::Uint, 0xffff_ffff), "4294967295");
        assert_eq!(f(K::Size, 4096), "4096");
        assert_eq!(f(K::Off, u64::MAX), "-1");
        assert_eq!(f(K::Hex, 0), "0");
        assert_eq!(f(K::Hex, 255), "0xff");
        assert_eq!(f(K::Ptr, 0), "NULL");
        assert_eq!(f(K::Ptr, 0x7fff_0000), "0x7fff0000");
        assert_eq!(f(K::Uid, 0xffff_ffff), "-1");
        assert_eq!(f(K::Uid, 1000), "1000");
    }

    #[test]
    fn test_format_flags_memory_kinds_none() {
        for kind in [
            K::Path,
            K::Str,
            K::BufIn { len_arg: 2 },
            K::BufOut { len_arg: 2 },
            K::IovecIn { count_arg: 2 },
            K::IovecOut { count_arg: 2 },
            K::Argv,
            K::StructIn,
            K::StructOut,
            K::StructInOut,
        ] {
            assert_eq!(format_flags(kind, 0x1000), None, "{kind:?}");
        }
    }

    #[test]
    fn test_format_return_errors_and_kinds() {
        assert_eq!(
            format_return(RetKind::Int, (-2i64) as u64),
            "-1 ENOENT (No such file or directory)"
        );
        assert_eq!(
            format_return(RetKind::Hex, (-12i64) as u64),
            "-1 ENOMEM (Cannot allocate memory)"
        );
        assert!(format_return(RetKind::Int, (-512i64) as u64).starts_with("? ERESTARTSYS ("));
        assert_eq!(format_return(RetKind::Int, (-41i64) as u64), "-1 errno 41");
        assert_eq!(format_return(RetKind::Fd, 3), "3");
        assert_eq!(format_return(RetKind::Int, 0), "0");
        assert_eq!(
            format_return(RetKind::Hex, 0x7f00_0000_0000),
            "0x7f0000000000"
        );
        assert_eq!(format_return(RetKind::Mode, 0o22), "022");
        assert_eq!(format_return(RetKind::NoReturn, 0), "?");
    }
}
