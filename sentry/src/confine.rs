//! The sentry's seccomp policy: an allowlist of exactly the host syscalls
//! the sentry (and, before they install their own filter, its stubs)
//! makes once the sandbox is built (DESIGN.md §1). Anything else kills the
//! whole sandbox process (`SECCOMP_RET_KILL_PROCESS`); in the development
//! mode ([`SeccompMode::Log`], `runsc --seccomp-log` or
//! `RUNSC_SECCOMP_LOG=1`) it is allowed and logged by the kernel's audit
//! code (`dmesg | grep 'type=1326'`), which is how a missing entry is found.
//!
//! The filter is inherited by every stub, since a stub is a fork of a
//! sentry thread; the stub adds its own, narrower filter
//! (platform/src/ptrace/stub.rs), and the kernel applies both. So the stub's
//! start-up syscalls appear here too, marked "stub".
//!
//! Two programs are installed:
//! - [`clone3_filter`]: `clone3` fails with ENOSYS. Its flags sit in memory
//!   that seccomp cannot read; glibc then falls back to `clone`, whose flags
//!   the allowlist checks.
//! - [`sentry_filter`]: the allowlist ([`ANY_ARGS`] plus the argument-checked
//!   rules of [`checked_rules`]).

use seccompiler::{
    BpfProgram, SeccompAction, SeccompCmpArgLen as Len, SeccompCmpOp as Op, SeccompCondition,
    SeccompFilter, SeccompRule, TargetArch,
};
use std::collections::BTreeMap;

/// What a syscall outside the allowlist does.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SeccompMode {
    /// Kill the sandbox process (the normal mode).
    #[default]
    Kill,
    /// Allow it and log it to the kernel's audit log (development: finding
    /// a missing entry).
    Log,
}

impl SeccompMode {
    /// `Log` when `RUNSC_SECCOMP_LOG` is set to anything but "" or "0".
    pub fn from_env() -> SeccompMode {
        match std::env::var_os(LOG_ENV) {
            Some(v) if !v.is_empty() && v != "0" => SeccompMode::Log,
            _ => SeccompMode::Kill,
        }
    }

    fn action(self) -> SeccompAction {
        match self {
            SeccompMode::Kill => SeccompAction::KillProcess,
            SeccompMode::Log => SeccompAction::Log,
        }
    }
}

/// The environment variable that selects [`SeccompMode::Log`]; inherited
/// by every process runsc starts (boot, gofer).
pub const LOG_ENV: &str = "RUNSC_SECCOMP_LOG";

/// Syscalls allowed whatever their arguments, with the code that makes them.
pub const ANY_ARGS: &[(libc::c_long, &str)] = &[
    // Files: only fds the sentry holds (donated by the gofer, stdio, the
    // memory file, the control socket, the log and exit files).
    (
        libc::SYS_write,
        "write: stdio, log, exit file, control replies",
    ),
    (libc::SYS_readv, "readv: guest reads of host fds"),
    (libc::SYS_writev, "writev: guest writes to host fds"),
    (libc::SYS_pread64, "pread64: ELF loading, file reads"),
    (libc::SYS_preadv, "preadv: donated files"),
    (libc::SYS_pwritev, "pwritev: write-through files"),
    (libc::SYS_close, "close: donated fds, stub start-up"),
    (
        libc::SYS_lseek,
        "lseek: SEEK_DATA/SEEK_HOLE on the memory file (copy_populated); host fd seeks",
    ),
    (
        libc::SYS_ftruncate,
        "ftruncate: guest truncate of write-through (--overlay2 none) files",
    ),
    (
        libc::SYS_fallocate,
        "fallocate: punching freed memory-file ranges",
    ),
    (libc::SYS_fsync, "fsync: the exit file (runsc boot)"),
    (libc::SYS_poll, "poll: readiness of host fds"),
    (libc::SYS_epoll_create1, "epoll_create1: host-fd notifier"),
    (libc::SYS_epoll_ctl, "epoll_ctl: host-fd notifier"),
    (libc::SYS_epoll_wait, "epoll_wait: host-fd notifier"),
    // The gofer connection and the control socket.
    (
        libc::SYS_sendmsg,
        "sendmsg: gofer requests (SOCK_SEQPACKET)",
    ),
    (
        libc::SYS_recvmsg,
        "recvmsg: gofer replies with SCM_RIGHTS fds",
    ),
    (
        libc::SYS_accept4,
        "accept4: the control socket (runsc boot)",
    ),
    (libc::SYS_recvfrom, "recvfrom: std's UnixStream read"),
    (libc::SYS_sendto, "sendto: std's UnixStream write"),
    // Memory: the allocator, the memory file, and the platform's injected
    // mmap/munmap/mprotect in stubs (which pass this filter too).
    (
        libc::SYS_mmap,
        "mmap: allocator, thread stacks, injected into stubs",
    ),
    (
        libc::SYS_munmap,
        "munmap: allocator, injected into stubs, stub start-up",
    ),
    (
        libc::SYS_mprotect,
        "mprotect: guard pages, injected into stubs, stub code page",
    ),
    (
        libc::SYS_mremap,
        "mremap: glibc realloc of a large (mmapped) block",
    ),
    (libc::SYS_madvise, "madvise: allocator, MADV_DONTNEED"),
    (libc::SYS_brk, "brk: glibc malloc"),
    // Threads and synchronization.
    (
        libc::SYS_futex,
        "futex: std locks and condvars, guest futex",
    ),
    (libc::SYS_sched_yield, "sched_yield: spin waits"),
    (
        libc::SYS_set_robust_list,
        "set_robust_list: glibc thread start",
    ),
    (
        libc::SYS_rseq,
        "rseq: glibc thread start; stub start-up unregisters it",
    ),
    (
        libc::SYS_clone3,
        "clone3: allowed here so that clone3_filter's ENOSYS wins over a kill",
    ),
    (
        libc::SYS_exit,
        "exit: threads; injected in ending stub threads",
    ),
    (libc::SYS_exit_group, "exit_group: the end of the sandbox"),
    (libc::SYS_gettid, "gettid: abort(), std thread ids"),
    (libc::SYS_getpid, "getpid: stub start-up stop"),
    (libc::SYS_getppid, "getppid: stub start-up (tracer alive?)"),
    // Stubs: the platform forks one per address space and traces it.
    (libc::SYS_fork, "fork: a new stub (platform::ptrace::stub)"),
    // Any request: checking them would make the kernel run the filter on
    // every ptrace call (3-4 per guest syscall, +0.7 us per round trip;
    // calls whose verdict ignores the arguments are cached), and buys
    // nothing: the only processes the sentry may trace are its stubs,
    // which it drives with SETREGS and CONT by design anyway.
    (
        libc::SYS_ptrace,
        "ptrace: TRACEME in a new stub; SEIZE, SYSEMU, CONT, GETREGS, ... on stubs",
    ),
    (libc::SYS_wait4, "wait4: ptrace stops, stub and gofer exits"),
    (
        libc::SYS_setsid,
        "setsid: stub start-up (its own session, no tty signals)",
    ),
    (
        libc::SYS_close_range,
        "close_range: stub start-up keeps only the memory file",
    ),
    (
        libc::SYS_sched_setaffinity,
        "sched_setaffinity: pinning a stub to its tracer's CPU",
    ),
    (
        libc::SYS_sched_getaffinity,
        "sched_getaffinity: std's thread start calls pthread_getattr_np (stack guard)",
    ),
    // Signals.
    (
        libc::SYS_rt_sigaction,
        "rt_sigaction: stub start-up resets all",
    ),
    (libc::SYS_rt_sigprocmask, "rt_sigprocmask: threads, abort"),
    (
        libc::SYS_rt_sigtimedwait,
        "rt_sigtimedwait: the host-signals thread takes terminal signals (kernel::hostsig)",
    ),
    (
        libc::SYS_rt_sigreturn,
        "rt_sigreturn: return from std's SIGSEGV/SIGBUS handler",
    ),
    (
        libc::SYS_sigaltstack,
        "sigaltstack: std's stack-overflow handler on new threads",
    ),
    (
        libc::SYS_restart_syscall,
        "restart_syscall: a clock_nanosleep resumed after a stop of the sentry",
    ),
    // Time and information; time, gettimeofday and getcpu are also the
    // vsyscall page's calls: the stub filter must see them to trap them,
    // and a kill here would take precedence over its trap.
    (
        libc::SYS_clock_gettime,
        "clock_gettime: vDSO fallback, stub CPU clocks",
    ),
    (libc::SYS_clock_nanosleep, "clock_nanosleep: thread::sleep"),
    (
        libc::SYS_gettimeofday,
        "gettimeofday: vsyscall (stub traps it)",
    ),
    (libc::SYS_time, "time: vsyscall (stub traps it)"),
    (libc::SYS_getcpu, "getcpu: vDSO fallback, vsyscall"),
    (
        libc::SYS_getrandom,
        "getrandom: AT_RANDOM, guest getrandom, HashMap",
    ),
    (libc::SYS_sysinfo, "sysinfo: /proc/meminfo, guest sysinfo"),
];

/// An argument equal to one of `values`: one rule per value (rules are
/// alternatives).
fn arg_in(index: u8, len: Len, values: &[u64]) -> Vec<SeccompRule> {
    values
        .iter()
        .map(|&v| rule(vec![cond(index, len.clone(), Op::Eq, v)]))
        .collect()
}

fn cond(index: u8, len: Len, op: Op, value: u64) -> SeccompCondition {
    // Only an argument index above 5 is an error; ours are constants.
    SeccompCondition::new(index, len, op, value)
        .unwrap_or_else(|e| unreachable!("seccomp condition on arg {index}: {e}"))
}

fn rule(conds: Vec<SeccompCondition>) -> SeccompRule {
    // Only an empty condition list is an error.
    SeccompRule::new(conds).unwrap_or_else(|e| unreachable!("seccomp rule: {e}"))
}

/// The clone flags glibc's pthread_create passes (std threads).
pub const CLONE_PTHREAD: u64 = (libc::CLONE_VM
    | libc::CLONE_FS
    | libc::CLONE_FILES
    | libc::CLONE_SYSVSEM
    | libc::CLONE_SIGHAND
    | libc::CLONE_THREAD
    | libc::CLONE_SETTLS
    | libc::CLONE_PARENT_SETTID
    | libc::CLONE_CHILD_CLEARTID) as u64;

/// The clone flags the platform injects into a stub for a guest thread
/// (platform::ptrace::AddressSpace::new_thread).
pub const CLONE_STUB_THREAD: u64 = (libc::CLONE_VM
    | libc::CLONE_FS
    | libc::CLONE_FILES
    | libc::CLONE_SIGHAND
    | libc::CLONE_THREAD
    | libc::CLONE_SYSVSEM) as u64;

const ARCH_GET_FS: u64 = 0x1003;
/// TCGETS, TCSETS, TCSETSW, TCSETSF, TIOCGWINSZ, TIOCSWINSZ: what
/// fsimpl::host forwards to a host tty.
const TTY_IOCTLS: [u64; 6] = [0x5401, 0x5402, 0x5403, 0x5404, 0x5413, 0x5414];

/// Syscalls allowed only with some argument values, each with why.
pub fn checked_rules() -> Vec<(libc::c_long, Vec<SeccompRule>, &'static str)> {
    use Len::{Dword, Qword};
    vec![
        (
            libc::SYS_clone,
            arg_in(0, Qword, &[CLONE_PTHREAD, CLONE_STUB_THREAD]),
            "clone: threads only (std threads; injected stub threads); \
             new processes come from fork",
        ),
        (
            libc::SYS_kill,
            arg_in(1, Dword, &[libc::SIGKILL as u64, libc::SIGSTOP as u64]),
            "kill: SIGKILL to a stub being dropped; SIGSTOP, a stub stopping itself",
        ),
        (
            libc::SYS_tgkill,
            arg_in(2, Dword, &[libc::SIGURG as u64, libc::SIGABRT as u64]),
            "tgkill: SIGURG interrupts a stub thread; SIGABRT is abort()",
        ),
        (
            libc::SYS_prctl,
            arg_in(
                0,
                Dword,
                &[
                    libc::PR_SET_NAME as u64,
                    libc::PR_SET_PDEATHSIG as u64,
                    libc::PR_SET_NO_NEW_PRIVS as u64,
                ],
            ),
            "prctl: thread names; stub start-up (parent-death signal, no_new_privs)",
        ),
        (
            libc::SYS_arch_prctl,
            arg_in(0, Dword, &[ARCH_GET_FS]),
            "arch_prctl: stub start-up finds its TLS to unregister rseq",
        ),
        (
            libc::SYS_seccomp,
            vec![rule(vec![
                cond(0, Dword, Op::Eq, u64::from(libc::SECCOMP_SET_MODE_FILTER)),
                cond(1, Dword, Op::Eq, 0),
            ])],
            "seccomp: a stub adds its own filter (filters only narrow)",
        ),
        (
            libc::SYS_ioctl,
            arg_in(1, Dword, &TTY_IOCTLS),
            "ioctl: terminal requests forwarded to a host tty",
        ),
        (
            libc::SYS_fcntl,
            arg_in(1, Dword, &[libc::F_GETFL as u64]),
            "fcntl: F_GETFL, the status flags a donated fd starts with",
        ),
        (
            libc::SYS_newfstatat,
            vec![rule(vec![cond(
                3,
                Dword,
                Op::MaskedEq(libc::AT_EMPTY_PATH as u64),
                libc::AT_EMPTY_PATH as u64,
            )])],
            "newfstatat: glibc's fstat (AT_EMPTY_PATH on an fd)",
        ),
        (
            libc::SYS_setsockopt,
            vec![rule(vec![
                cond(1, Dword, Op::Eq, libc::SOL_SOCKET as u64),
                cond(2, Dword, Op::Eq, libc::SO_RCVTIMEO as u64),
            ])],
            "setsockopt: SO_RCVTIMEO on control connections (runsc boot)",
        ),
    ]
}

/// How many syscalls the allowlist names (for docs and tests).
pub fn allowlist_len() -> usize {
    ANY_ARGS.len() + checked_rules().len()
}

fn arch() -> std::io::Result<TargetArch> {
    TargetArch::try_from(std::env::consts::ARCH)
        .map_err(|e| std::io::Error::other(format!("seccomp arch: {e}")))
}

fn compile(
    filter: Result<SeccompFilter, seccompiler::BackendError>,
) -> std::io::Result<BpfProgram> {
    let filter = filter.map_err(|e| std::io::Error::other(format!("seccomp filter: {e}")))?;
    BpfProgram::try_from(filter).map_err(|e| std::io::Error::other(format!("seccomp compile: {e}")))
}

/// The allowlist: [`ANY_ARGS`] and [`checked_rules`] pass, anything else
/// gets `mode`'s action.
pub fn sentry_filter(mode: SeccompMode) -> std::io::Result<BpfProgram> {
    let mut rules: BTreeMap<i64, Vec<SeccompRule>> =
        ANY_ARGS.iter().map(|&(nr, _)| (nr, Vec::new())).collect();
    for (nr, r, _) in checked_rules() {
        rules.insert(nr, r);
    }
    compile(SeccompFilter::new(
        rules,
        mode.action(),
        SeccompAction::Allow,
        arch()?,
    ))
}

/// `clone3` fails with ENOSYS; everything else passes (to the allowlist).
pub fn clone3_filter() -> std::io::Result<BpfProgram> {
    compile(SeccompFilter::new(
        [(libc::SYS_clone3, Vec::new())].into_iter().collect(),
        SeccompAction::Allow,
        SeccompAction::Errno(libc::ENOSYS as u32),
        arch()?,
    ))
}

/// Sets no_new_privs and installs both filters on every thread of the
/// process (stubs forked later inherit them). Irrevocable.
pub fn install_sentry_filter(mode: SeccompMode) -> std::io::Result<()> {
    let allow = sentry_filter(mode)?;
    let clone3 = clone3_filter()?;
    // SAFETY: prctl with integer arguments only.
    if unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    for prog in [&clone3, &allow] {
        seccompiler::apply_filter_all_threads(prog)
            .map_err(|e| std::io::Error::other(format!("seccomp install: {e}")))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `struct seccomp_data` as the filter reads it.
    struct Data {
        nr: i64,
        args: [u64; 6],
    }

    const AUDIT_ARCH_X86_64: u32 = 0xc000_003e;

    /// A classic-BPF interpreter for the instructions seccompiler emits.
    fn eval(prog: &BpfProgram, d: &Data) -> u32 {
        let word = |off: u32| -> u32 {
            match off {
                0 => d.nr as u32,
                4 => AUDIT_ARCH_X86_64,
                8 | 12 => 0, // instruction pointer
                o if (16..64).contains(&o) => {
                    let a = d.args[((o - 16) / 8) as usize];
                    if o % 8 == 0 {
                        a as u32
                    } else {
                        (a >> 32) as u32
                    }
                }
                o => panic!("load from offset {o}"),
            }
        };
        let (mut acc, mut pc) = (0u32, 0usize);
        loop {
            let i = &prog[pc];
            pc += 1;
            let class = i.code & 0x07;
            match class {
                0x00 => acc = word(i.k), // LD|W|ABS
                0x04 => match i.code & 0xf0 {
                    0x50 => acc &= i.k, // ALU|AND|K
                    op => panic!("alu op {op:#x}"),
                },
                0x05 => {
                    let taken = match i.code & 0xf0 {
                        0x00 => {
                            pc += i.k as usize; // JA
                            continue;
                        }
                        0x10 => acc == i.k,
                        0x20 => acc > i.k,
                        0x30 => acc >= i.k,
                        0x40 => acc & i.k != 0,
                        op => panic!("jump op {op:#x}"),
                    };
                    pc += if taken { i.jt } else { i.jf } as usize;
                }
                0x06 => return i.k, // RET|K
                c => panic!("class {c:#x}"),
            }
        }
    }

    /// The kernel's precedence among the actions of stacked filters.
    fn rank(action: u32) -> u32 {
        match action & 0xffff_0000 {
            0x8000_0000 => 0, // KILL_PROCESS
            0 => 1,           // KILL_THREAD
            0x0003_0000 => 2, // TRAP
            0x0005_0000 => 3, // ERRNO
            0x7ff0_0000 => 5, // TRACE
            0x7ffc_0000 => 6, // LOG
            0x7fff_0000 => 7, // ALLOW
            a => panic!("action {a:#x}"),
        }
    }

    fn verdict(nr: i64, args: [u64; 6]) -> u32 {
        let d = Data { nr, args };
        [
            sentry_filter(SeccompMode::Kill).unwrap(),
            clone3_filter().unwrap(),
        ]
        .iter()
        .map(|p| eval(p, &d))
        .min_by_key(|&a| rank(a))
        .unwrap()
    }

    const ALLOW: u32 = libc::SECCOMP_RET_ALLOW;
    const KILL: u32 = libc::SECCOMP_RET_KILL_PROCESS;

    fn args(a: &[u64]) -> [u64; 6] {
        let mut v = [0; 6];
        v[..a.len()].copy_from_slice(a);
        v
    }

    #[test]
    fn test_sentry_filter_path_and_exec_syscalls_kill() {
        for nr in [
            libc::SYS_open,
            libc::SYS_openat,
            libc::SYS_openat2,
            libc::SYS_execve,
            libc::SYS_execveat,
            libc::SYS_mkdirat,
            libc::SYS_unlinkat,
            libc::SYS_renameat2,
            libc::SYS_mount,
            libc::SYS_pivot_root,
            libc::SYS_chroot,
            libc::SYS_unshare,
            libc::SYS_setns,
            libc::SYS_connect,
            libc::SYS_bind,
            libc::SYS_process_vm_writev,
            libc::SYS_bpf,
            libc::SYS_keyctl,
            libc::SYS_init_module,
            libc::SYS_vfork,
        ] {
            assert_eq!(verdict(nr, [0; 6]), KILL, "syscall {nr}");
        }
    }

    #[test]
    fn test_sentry_filter_socket_of_any_family_kills() {
        for family in [
            libc::AF_UNIX,
            libc::AF_INET,
            libc::AF_INET6,
            libc::AF_NETLINK,
        ] {
            let a = args(&[family as u64, libc::SOCK_STREAM as u64]);
            assert_eq!(verdict(libc::SYS_socket, a), KILL, "family {family}");
        }
    }

    #[test]
    fn test_sentry_filter_clone_only_with_thread_flags() {
        assert_eq!(verdict(libc::SYS_clone, args(&[CLONE_PTHREAD])), ALLOW);
        assert_eq!(verdict(libc::SYS_clone, args(&[CLONE_STUB_THREAD])), ALLOW);
        // fork-like and namespace-creating clones.
        assert_eq!(
            verdict(libc::SYS_clone, args(&[libc::SIGCHLD as u64])),
            KILL
        );
        let newns = CLONE_PTHREAD | libc::CLONE_NEWUSER as u64;
        assert_eq!(verdict(libc::SYS_clone, args(&[newns])), KILL);
        // clone3 gets ENOSYS, so glibc falls back to clone.
        assert_eq!(
            verdict(libc::SYS_clone3, [0; 6]),
            libc::SECCOMP_RET_ERRNO | libc::ENOSYS as u32
        );
    }

    #[test]
    fn test_sentry_filter_checked_arguments() {
        // kill and tgkill: only the signals the sentry sends.
        assert_eq!(verdict(libc::SYS_kill, args(&[5, 9])), ALLOW);
        assert_eq!(verdict(libc::SYS_kill, args(&[5, 15])), KILL);
        assert_eq!(verdict(libc::SYS_tgkill, args(&[5, 5, 23])), ALLOW);
        assert_eq!(verdict(libc::SYS_tgkill, args(&[5, 5, 9])), KILL);
        // ioctl: terminal requests only.
        assert_eq!(verdict(libc::SYS_ioctl, args(&[0, 0x5413])), ALLOW);
        assert_eq!(verdict(libc::SYS_ioctl, args(&[0, libc::TIOCSTI])), KILL);
        // prctl: no capability or securebits changes.
        assert_eq!(
            verdict(libc::SYS_prctl, args(&[libc::PR_SET_NAME as u64])),
            ALLOW
        );
        assert_eq!(
            verdict(libc::SYS_prctl, args(&[libc::PR_CAP_AMBIENT as u64])),
            KILL
        );
        // stat only of fds, not of paths.
        let empty = libc::AT_EMPTY_PATH as u64;
        assert_eq!(
            verdict(libc::SYS_newfstatat, args(&[3, 0, 0, empty])),
            ALLOW
        );
        assert_eq!(verdict(libc::SYS_newfstatat, args(&[3, 0, 0, 0])), KILL);
    }

    #[test]
    fn test_sentry_filter_log_mode_allows_and_logs() {
        let d = Data {
            nr: libc::SYS_openat,
            args: [0; 6],
        };
        let p = sentry_filter(SeccompMode::Log).unwrap();
        assert_eq!(eval(&p, &d), libc::SECCOMP_RET_LOG);
        let d = Data {
            nr: libc::SYS_write,
            args: [0; 6],
        };
        assert_eq!(eval(&p, &d), ALLOW);
    }

    #[test]
    fn test_sentry_filter_size_is_the_documented_one() {
        // docs/threat-model.md gives the figure.
        assert_eq!(allowlist_len(), 66, "update docs/threat-model.md");
    }

    #[test]
    fn test_sentry_filter_every_entry_is_allowed() {
        for &(nr, why) in ANY_ARGS {
            if nr != libc::SYS_clone3 {
                assert_eq!(verdict(nr, [0; 6]), ALLOW, "{why}");
            }
        }
    }

    /// Runs `f` in a forked child under the real filter; returns how the
    /// child ended (exit code, or 128 + signal).
    fn in_filtered_child(f: fn() -> i64) -> i32 {
        let allow = sentry_filter(SeccompMode::Kill).unwrap();
        let clone3 = clone3_filter().unwrap();
        // SAFETY: the child makes raw syscalls only (no allocation, no
        // locks the test harness's other threads may hold) and _exits.
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0);
        if pid == 0 {
            // SAFETY: raw syscalls with valid pointers to programs that
            // outlive them (the child never returns from this block).
            unsafe {
                libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
                for p in [&clone3, &allow] {
                    let prog = libc::sock_fprog {
                        len: p.len() as u16,
                        filter: p.as_ptr() as *mut libc::sock_filter,
                    };
                    if libc::syscall(libc::SYS_seccomp, libc::SECCOMP_SET_MODE_FILTER, 0, &prog)
                        != 0
                    {
                        libc::_exit(100);
                    }
                }
                let r = f();
                libc::_exit(if r < 0 { 101 } else { 0 });
            }
        }
        let mut status = 0;
        // SAFETY: waiting for our own child with a valid status pointer.
        assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
        if libc::WIFSIGNALED(status) {
            128 + libc::WTERMSIG(status)
        } else {
            libc::WEXITSTATUS(status)
        }
    }

    #[test]
    fn test_installed_filter_kills_process_on_openat_and_allows_getpid() {
        // SAFETY: raw syscalls with a valid C string.
        let openat =
            || unsafe { libc::syscall(libc::SYS_openat, libc::AT_FDCWD, c"/".as_ptr(), 0) };
        assert_eq!(in_filtered_child(openat), 128 + libc::SIGSYS);
        // SAFETY: socket takes integers only.
        let inet =
            || unsafe { libc::syscall(libc::SYS_socket, libc::AF_INET, libc::SOCK_STREAM, 0) };
        assert_eq!(in_filtered_child(inet), 128 + libc::SIGSYS);
        // SAFETY: getpid takes no arguments.
        let getpid = || unsafe { libc::syscall(libc::SYS_getpid) };
        assert_eq!(in_filtered_child(getpid), 0);
    }
}
