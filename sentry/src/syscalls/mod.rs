//! The syscall table and dispatch.
//!
//! One table indexed by syscall number records each syscall's handler and
//! support level. It drives dispatch, `runsc syscalls`, `--strace` names and
//! the once-per-name ENOSYS report. Handlers live one file per family.

mod sys_capability;
mod sys_epoll;
mod sys_exec;
mod sys_file;
pub mod sys_futex;
mod sys_identity;
mod sys_ipc;
mod sys_lock;
mod sys_misc;
mod sys_mmap;
mod sys_pipe;
mod sys_poll;
mod sys_process;
mod sys_read_write;
mod sys_sched;
mod sys_signal;
mod sys_stat;
mod sys_thread;
pub mod sys_time;
mod sys_xattr;

use crate::abi::{Errno, SysResult};
use crate::kernel::Task;
use std::sync::LazyLock;
use syscall_tables::nr;

/// A syscall handler.
pub type Handler = fn(&mut Task, &SyscallArgs) -> SysResult;

/// How completely a syscall is implemented.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Support {
    /// Linux semantics.
    Full,
    /// Implemented with the limits the note gives.
    Partial(&'static str),
    /// Returns the errno; the note says why.
    Unimplemented(&'static str),
}

/// One slot of the table.
#[derive(Clone, Copy, Debug)]
pub struct Entry {
    /// Syscall name ("" for unassigned numbers).
    pub name: &'static str,
    /// The handler, if any.
    pub handler: Option<Handler>,
    /// Support level.
    pub support: Support,
    /// What an unimplemented call returns.
    pub errno: Errno,
}

/// The six raw argument registers with typed accessors.
#[derive(Clone, Copy, Debug)]
pub struct SyscallArgs {
    raw: [u64; 6],
}

impl SyscallArgs {
    /// Wraps raw registers.
    pub fn new(raw: [u64; 6]) -> Self {
        SyscallArgs { raw }
    }
    /// Raw 64-bit value.
    #[inline]
    pub fn raw(&self, i: usize) -> u64 {
        self.raw[i]
    }
    /// A file descriptor (C `int`, low 32 bits).
    #[inline]
    pub fn fd(&self, i: usize) -> i32 {
        self.raw[i] as i32
    }
    /// A C `int`.
    #[inline]
    pub fn int(&self, i: usize) -> i32 {
        self.raw[i] as i32
    }
    /// A C `unsigned int`.
    #[inline]
    pub fn uint(&self, i: usize) -> u32 {
        self.raw[i] as u32
    }
    /// A C `long`.
    #[inline]
    pub fn long(&self, i: usize) -> i64 {
        self.raw[i] as i64
    }
    /// A `size_t` or `unsigned long`.
    #[inline]
    pub fn size(&self, i: usize) -> u64 {
        self.raw[i]
    }
    /// A guest address.
    #[inline]
    pub fn addr(&self, i: usize) -> u64 {
        self.raw[i]
    }
    /// Flag bits (`unsigned long`).
    #[inline]
    pub fn flags(&self, i: usize) -> u64 {
        self.raw[i]
    }
}

fn supported(n: u32, handler: Handler) -> (u32, Support, Option<Handler>, Errno) {
    (n, Support::Full, Some(handler), Errno::ENOSYS)
}
fn partial(n: u32, handler: Handler, note: &'static str) -> (u32, Support, Option<Handler>, Errno) {
    (n, Support::Partial(note), Some(handler), Errno::ENOSYS)
}
fn unimplemented(
    n: u32,
    errno: Errno,
    note: &'static str,
) -> (u32, Support, Option<Handler>, Errno) {
    (n, Support::Unimplemented(note), None, errno)
}

/// The declarations: every syscall with a handler or a deliberate errno.
fn declarations() -> Vec<(u32, Support, Option<Handler>, Errno)> {
    use sys_file as f;
    use sys_identity as id;
    use sys_misc as misc;
    use sys_mmap as mm;
    use sys_read_write as rw;
    use sys_signal as sig;
    use sys_stat as stat;
    use sys_thread as th;
    use sys_time as time;
    use sys_xattr as xa;
    vec![
        supported(nr::READ, rw::read),
        supported(nr::WRITE, rw::write),
        supported(nr::READV, rw::readv),
        supported(nr::WRITEV, rw::writev),
        supported(nr::PREAD64, rw::pread64),
        supported(nr::PWRITE64, rw::pwrite64),
        supported(nr::PREADV, rw::preadv),
        supported(nr::PWRITEV, rw::pwritev),
        supported(nr::PREADV2, rw::preadv2),
        supported(nr::PWRITEV2, rw::pwritev2),
        partial(
            nr::LSEEK,
            rw::lseek,
            "SEEK_DATA/SEEK_HOLE treat the whole file as data",
        ),
        supported(nr::GETDENTS, rw::getdents),
        supported(nr::GETDENTS64, rw::getdents64),
        partial(nr::SENDFILE, rw::sendfile, "copies through a sentry buffer"),
        partial(
            nr::COPY_FILE_RANGE,
            rw::copy_file_range,
            "copies through a sentry buffer",
        ),
        supported(nr::CLOSE, f::close),
        partial(nr::GETPRIORITY, sys_sched::getpriority, "per task; groups and users report the caller's"),
        partial(nr::SETPRIORITY, sys_sched::setpriority, "recorded per task; the host does not schedule by it"),
        supported(nr::SCHED_GETSCHEDULER, sys_sched::sched_getscheduler),
        supported(nr::SCHED_GETPARAM, sys_sched::sched_getparam),
        partial(nr::SCHED_SETSCHEDULER, sys_sched::sched_setscheduler, "real-time policies give EPERM"),
        supported(nr::SCHED_SETPARAM, sys_sched::sched_setparam),
        supported(nr::SCHED_GET_PRIORITY_MAX, sys_sched::sched_get_priority_max),
        supported(nr::SCHED_GET_PRIORITY_MIN, sys_sched::sched_get_priority_min),
        partial(nr::GETCPU, sys_sched::getcpu, "the CPU of the task's sentry thread; one NUMA node"),
        partial(nr::PERSONALITY, sys_sched::personality, "recorded; no flag changes behaviour"),
        supported(nr::CAPGET, sys_capability::capget),
        supported(nr::CAPSET, sys_capability::capset),
        partial(
            nr::EPOLL_CREATE,
            sys_epoll::epoll_create,
            "edge-triggered items may report spuriously",
        ),
        partial(
            nr::EPOLL_CREATE1,
            sys_epoll::epoll_create1,
            "edge-triggered items may report spuriously",
        ),
        partial(
            nr::EPOLL_CTL,
            sys_epoll::epoll_ctl,
            "EPOLLEXCLUSIVE and EPOLLWAKEUP are accepted and ignored",
        ),
        supported(nr::EPOLL_WAIT, sys_epoll::epoll_wait),
        supported(nr::EPOLL_PWAIT, sys_epoll::epoll_pwait),
        supported(nr::EPOLL_PWAIT2, sys_epoll::epoll_pwait2),
        supported(nr::EVENTFD, sys_epoll::eventfd),
        supported(nr::EVENTFD2, sys_epoll::eventfd2),
        partial(nr::TIMERFD_CREATE, sys_epoll::timerfd_create, "every clock ticks in real time; TFD_TIMER_CANCEL_ON_SET is accepted and ignored"),
        supported(nr::TIMERFD_SETTIME, sys_epoll::timerfd_settime),
        supported(nr::TIMERFD_GETTIME, sys_epoll::timerfd_gettime),
        partial(nr::SIGNALFD4, sys_epoll::signalfd4, "reads the signals of the process that made it"),
        partial(nr::SIGNALFD, sys_epoll::signalfd, "reads the signals of the process that made it"),
        supported(nr::ALARM, time::alarm),
        partial(
            nr::SETITIMER,
            time::setitimer,
            "ITIMER_VIRTUAL and ITIMER_PROF count the CPU time of the guest's code (not the sentry's time in its syscalls), sampled at 1-100 ms",
        ),
        supported(nr::GETITIMER, time::getitimer),
        partial(
            nr::TIMER_CREATE,
            time::timer_create,
            "SIGEV_SIGNAL, SIGEV_THREAD_ID and SIGEV_NONE; clocks tick in real time",
        ),
        supported(nr::TIMER_SETTIME, time::timer_settime),
        supported(nr::TIMER_GETTIME, time::timer_gettime),
        supported(nr::TIMER_DELETE, time::timer_delete),
        partial(
            nr::TIMER_GETOVERRUN,
            time::timer_getoverrun,
            "overruns are not counted",
        ),
        supported(nr::RT_SIGRETURN, sig::rt_sigreturn),
        supported(nr::RT_SIGSUSPEND, sig::rt_sigsuspend),
        supported(nr::PAUSE, sig::pause),
        supported(nr::RT_SIGPENDING, sig::rt_sigpending),
        supported(nr::RT_SIGTIMEDWAIT, sig::rt_sigtimedwait),
        supported(nr::RT_SIGQUEUEINFO, sig::rt_sigqueueinfo),
        partial(nr::RT_TGSIGQUEUEINFO, sig::rt_tgsigqueueinfo, "the signal may be taken by any thread that does not block it"),
        supported(nr::NANOSLEEP, time::nanosleep),
        partial(nr::CLOCK_NANOSLEEP, time::clock_nanosleep, "CPU-time clocks give EINVAL"),
        supported(nr::SYSINFO, time::sysinfo),
        partial(
            nr::TIMES,
            time::times,
            "guest CPU time counts as user time; system time is zero",
        ),
        partial(
            nr::GETRUSAGE,
            time::getrusage,
            "CPU time only (as user time); no memory or I/O counters",
        ),
        partial(nr::CLONE, sys_process::clone, "CLONE_SIGHAND without CLONE_THREAD is ENOSYS; CLONE_PIDFD with CLONE_THREAD is EINVAL"),
        partial(nr::CLONE3, sys_process::clone3, "as clone; no set_tid or cgroup"),
        supported(nr::FORK, sys_process::fork),
        partial(
            nr::VFORK,
            sys_process::vfork,
            "the child runs in the parent's pages until it execs or exits; its own unmaps do not reach the parent",
        ),
        partial(
            nr::WAIT4,
            sys_process::wait4,
            "rusage has the child's CPU time (as user time) only",
        ),
        supported(nr::WAITID, sys_process::waitid),
        partial(nr::PIDFD_OPEN, sig::pidfd_open, "no PIDFD_THREAD: thread pidfds are EINVAL"),
        supported(nr::PIDFD_SEND_SIGNAL, sig::pidfd_send_signal),
        supported(nr::GETPPID, sys_process::getppid),
        supported(nr::GETPGID, sys_process::getpgid),
        supported(nr::GETPGRP, sys_process::getpgrp),
        supported(nr::GETSID, sys_process::getsid),
        supported(nr::SETPGID, sys_process::setpgid),
        supported(nr::SETSID, sys_process::setsid),
        supported(nr::POLL, sys_poll::poll),
        supported(nr::PPOLL, sys_poll::ppoll),
        supported(nr::SELECT, sys_poll::select),
        supported(nr::PSELECT6, sys_poll::pselect6),
        partial(nr::EXECVE, sys_exec::execve, "no file capabilities (security.capability is not read)"),
        partial(
            nr::EXECVEAT,
            sys_exec::execveat,
            "absolute or cwd-relative paths only",
        ),
        supported(nr::MSYNC, mm::msync),
        supported(nr::FADVISE64, f::fadvise64),
        partial(
            nr::MINCORE,
            mm::mincore,
            "every mapped page reports resident",
        ),
        supported(nr::PIPE, sys_pipe::pipe),
        supported(nr::PIPE2, sys_pipe::pipe2),
        partial(
            nr::SPLICE,
            sys_pipe::splice,
            "copies through a sentry buffer",
        ),
        supported(nr::TEE, sys_pipe::tee),
        partial(nr::FUTEX, sys_futex::futex, "no PI futexes"),
        supported(nr::KILL, sig::kill),
        supported(nr::TGKILL, sig::tgkill),
        supported(nr::TKILL, sig::tkill),
        supported(nr::CLOSE_RANGE, f::close_range),
        supported(nr::SHMGET, sys_ipc::shmget),
        supported(nr::SHMAT, sys_ipc::shmat),
        supported(nr::SHMDT, sys_ipc::shmdt),
        partial(nr::SHMCTL, sys_ipc::shmctl, "SHM_LOCK only marks the segment locked"),
        supported(nr::SEMGET, sys_ipc::semget),
        supported(nr::SEMOP, sys_ipc::semop),
        supported(nr::SEMTIMEDOP, sys_ipc::semtimedop),
        supported(nr::SEMCTL, sys_ipc::semctl),
        supported(nr::MSGGET, sys_ipc::msgget),
        supported(nr::MSGSND, sys_ipc::msgsnd),
        supported(nr::MSGRCV, sys_ipc::msgrcv),
        supported(nr::MSGCTL, sys_ipc::msgctl),
        supported(nr::OPEN, f::open),
        partial(nr::OPENAT, f::openat, "O_TMPFILE gives EOPNOTSUPP"),
        unimplemented(
            nr::OPENAT2,
            Errno::ENOSYS,
            "openat2: callers fall back to openat",
        ),
        supported(nr::CREAT, f::creat),
        supported(nr::DUP, f::dup),
        supported(nr::DUP2, f::dup2),
        supported(nr::DUP3, f::dup3),
        partial(
            nr::FCNTL,
            f::fcntl,
            "no lock deadlock detection, leases or directory notification",
        ),
        partial(
            nr::FLOCK,
            f::flock,
            "no deadlock detection",
        ),
        partial(
            nr::MKNOD,
            f::mknod,
            "regular files, fifos, sockets and character devices",
        ),
        partial(
            nr::MKNODAT,
            f::mknodat,
            "regular files, fifos, sockets and character devices",
        ),
        supported(nr::MKDIR, f::mkdir),
        supported(nr::MKDIRAT, f::mkdirat),
        supported(nr::SYMLINK, f::symlink),
        supported(nr::SYMLINKAT, f::symlinkat),
        supported(nr::UNLINK, f::unlink),
        supported(nr::UNLINKAT, f::unlinkat),
        supported(nr::RMDIR, f::rmdir),
        supported(nr::RENAME, f::rename),
        supported(nr::RENAMEAT, f::renameat),
        partial(nr::RENAMEAT2, f::renameat2, "RENAME_WHITEOUT gives EINVAL"),
        supported(nr::LINK, f::link),
        supported(nr::LINKAT, f::linkat),
        supported(nr::CHDIR, f::chdir),
        supported(nr::FCHDIR, f::fchdir),
        supported(nr::CHROOT, f::chroot),
        supported(nr::GETCWD, f::getcwd),
        supported(nr::CHMOD, f::chmod),
        supported(nr::FCHMOD, f::fchmod),
        supported(nr::FCHMODAT, f::fchmodat),
        supported(nr::CHOWN, f::chown),
        supported(nr::LCHOWN, f::lchown),
        supported(nr::FCHOWN, f::fchown),
        supported(nr::FCHOWNAT, f::fchownat),
        supported(nr::TRUNCATE, f::truncate),
        supported(nr::FTRUNCATE, f::ftruncate),
        partial(
            nr::FALLOCATE,
            f::fallocate,
            "modes 0 and FALLOC_FL_KEEP_SIZE",
        ),
        supported(nr::UTIMENSAT, f::utimensat),
        supported(nr::UTIMES, f::utimes),
        supported(nr::UTIME, f::utime),
        supported(nr::FUTIMESAT, f::futimesat),
        supported(nr::FSYNC, f::fsync),
        supported(nr::FDATASYNC, f::fsync),
        supported(nr::SYNC, f::sync),
        supported(nr::SYNCFS, f::syncfs),
        supported(nr::SYNC_FILE_RANGE, f::sync_file_range),
        partial(nr::MEMFD_CREATE, f::memfd_create, "no seals"),
        supported(nr::STATFS, f::statfs),
        supported(nr::FSTATFS, f::fstatfs),
        supported(nr::FSTAT, stat::fstat),
        supported(nr::STAT, stat::stat),
        supported(nr::LSTAT, stat::lstat),
        supported(nr::NEWFSTATAT, stat::newfstatat),
        partial(nr::STATX, stat::statx, "no birth time"),
        supported(nr::ACCESS, stat::access),
        supported(nr::FACCESSAT, stat::faccessat),
        supported(nr::FACCESSAT2, stat::faccessat2),
        supported(nr::READLINK, stat::readlink),
        supported(nr::READLINKAT, stat::readlinkat),
        partial(
            nr::GETXATTR,
            xa::getxattr,
            "kept in sentry memory over the root's own",
        ),
        partial(
            nr::LGETXATTR,
            xa::lgetxattr,
            "kept in sentry memory over the root's own",
        ),
        partial(
            nr::FGETXATTR,
            xa::fgetxattr,
            "kept in sentry memory over the root's own",
        ),
        partial(
            nr::SETXATTR,
            xa::setxattr,
            "user.* and trusted.* in sentry memory",
        ),
        partial(
            nr::LSETXATTR,
            xa::lsetxattr,
            "user.* and trusted.* in sentry memory",
        ),
        partial(
            nr::FSETXATTR,
            xa::fsetxattr,
            "user.* and trusted.* in sentry memory",
        ),
        supported(nr::LISTXATTR, xa::listxattr),
        supported(nr::LLISTXATTR, xa::llistxattr),
        supported(nr::FLISTXATTR, xa::flistxattr),
        supported(nr::REMOVEXATTR, xa::removexattr),
        supported(nr::LREMOVEXATTR, xa::lremovexattr),
        supported(nr::FREMOVEXATTR, xa::fremovexattr),
        partial(
            nr::PRCTL,
            th::prctl,
            "names, PDEATHSIG (recorded), DUMPABLE, NO_NEW_PRIVS, SUBREAPER (accepted), capabilities (CAPBSET, CAP_AMBIENT, KEEPCAPS, SECUREBITS), TIMERSLACK; others give EINVAL",
        ),
        partial(
            nr::IOCTL,
            rw::ioctl,
            "TCGETS, TCSETS*, TIOCGWINSZ, TIOCSWINSZ on host terminals",
        ),
        partial(
            nr::MMAP,
            mm::mmap,
            "anonymous mappings only until the VFS lands",
        ),
        supported(nr::MUNMAP, mm::munmap),
        supported(nr::MPROTECT, mm::mprotect),
        supported(nr::BRK, mm::brk),
        partial(
            nr::MREMAP,
            mm::mremap,
            "old_size 0 (duplicating a shared mapping) gives EINVAL",
        ),
        partial(
            nr::MADVISE,
            mm::madvise,
            "DONTNEED zeroes private pages; other advice is accepted",
        ),
        supported(nr::EXIT, th::exit),
        supported(nr::EXIT_GROUP, th::exit_group),
        supported(nr::GETPID, th::getpid),
        supported(nr::GETTID, th::gettid),
        supported(nr::SET_TID_ADDRESS, th::set_tid_address),
        supported(nr::SET_ROBUST_LIST, th::set_robust_list),
        supported(nr::GET_ROBUST_LIST, th::get_robust_list),
        partial(
            nr::ARCH_PRCTL,
            th::arch_prctl,
            "ARCH_SET_FS/GS, ARCH_GET_FS/GS; CPUID faulting unsupported",
        ),
        unimplemented(
            nr::RSEQ,
            Errno::ENOSYS,
            crate::abi::misc::RSEQ_NOT_PROVIDED_NOTE,
        ),
        supported(nr::SCHED_GETAFFINITY, th::sched_getaffinity),
        supported(nr::SCHED_YIELD, th::sched_yield),
        supported(nr::GETUID, id::getuid),
        supported(nr::GETEUID, id::geteuid),
        supported(nr::GETGID, id::getgid),
        supported(nr::GETEGID, id::getegid),
        supported(nr::GETRESUID, id::getresuid),
        supported(nr::GETRESGID, id::getresgid),
        supported(nr::GETGROUPS, id::getgroups),
        supported(nr::SETUID, id::setuid),
        supported(nr::SETGID, id::setgid),
        supported(nr::SETREUID, id::setreuid),
        supported(nr::SETREGID, id::setregid),
        supported(nr::SETRESUID, id::setresuid),
        supported(nr::SETRESGID, id::setresgid),
        supported(nr::SETGROUPS, id::setgroups),
        supported(nr::UNAME, misc::uname),
        partial(
            nr::PRLIMIT64,
            misc::prlimit64,
            "own process only; limits are recorded, not enforced",
        ),
        partial(
            nr::GETRLIMIT,
            misc::getrlimit,
            "limits are recorded, not enforced",
        ),
        partial(
            nr::SETRLIMIT,
            misc::setrlimit,
            "limits are recorded, not enforced",
        ),
        supported(nr::GETRANDOM, misc::getrandom),
        supported(nr::UMASK, misc::umask),
        supported(nr::CLOCK_GETTIME, time::clock_gettime),
        supported(nr::CLOCK_GETRES, time::clock_getres),
        supported(nr::GETTIMEOFDAY, time::gettimeofday),
        supported(nr::TIME, time::time),
        supported(nr::RT_SIGACTION, sig::rt_sigaction),
        supported(nr::RT_SIGPROCMASK, sig::rt_sigprocmask),
        supported(nr::SIGALTSTACK, sig::sigaltstack),
    ]
}

/// The table, indexed by syscall number, plus one slot for numbers past the end.
static TABLE: LazyLock<Box<[Entry]>> = LazyLock::new(|| {
    let mut t: Vec<Entry> = (0..syscall_tables::TABLE_LEN as u64)
        .map(|n| Entry {
            name: syscall_tables::lookup(n).map_or("", |d| d.name),
            handler: None,
            support: Support::Unimplemented("not implemented"),
            errno: Errno::ENOSYS,
        })
        .collect();
    for (n, support, handler, errno) in declarations() {
        let e = &mut t[n as usize];
        e.support = support;
        e.handler = handler;
        e.errno = errno;
    }
    t.into_boxed_slice()
});

/// The table entry for `nr`, if it is a known syscall number.
pub fn entry(nr: u64) -> Option<&'static Entry> {
    TABLE.get(nr as usize).filter(|e| !e.name.is_empty())
}

/// Every numbered entry, for `runsc syscalls`.
pub fn table() -> impl Iterator<Item = (u32, &'static Entry)> {
    TABLE
        .iter()
        .enumerate()
        .filter(|(_, e)| !e.name.is_empty())
        .map(|(n, e)| (n as u32, e))
}

/// Runs syscall `nr` for `task`.
#[inline]
pub fn dispatch(task: &mut Task, nr: u64, args: &SyscallArgs) -> SysResult {
    match TABLE.get(nr as usize) {
        Some(Entry {
            handler: Some(h), ..
        }) => h(task, args),
        Some(e) => {
            if matches!(e.support, Support::Unimplemented("not implemented")) {
                task.kernel.report_unimplemented(nr, e.name);
            }
            Err(e.errno.into())
        }
        None => {
            task.kernel.report_unimplemented(nr, "");
            Err(Errno::ENOSYS.into())
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn test_no_syscall_is_declared_twice() {
        let mut seen = std::collections::HashSet::new();
        for (n, ..) in super::declarations() {
            assert!(seen.insert(n), "syscall {n} is declared twice");
        }
    }

    use super::*;

    #[test]
    fn test_table_declarations_have_unique_known_numbers() {
        let mut seen = std::collections::HashSet::new();
        for (n, ..) in declarations() {
            assert!(syscall_tables::lookup(n as u64).is_some(), "unknown nr {n}");
            assert!(seen.insert(n), "nr {n} declared twice");
        }
    }

    #[test]
    fn test_entry_of_gap_or_huge_number_is_none() {
        assert!(entry(400).is_none());
        assert!(entry(u64::MAX).is_none());
        assert_eq!(entry(nr::GETPID as u64).unwrap().name, "getpid");
    }
}
