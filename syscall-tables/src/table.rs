//! The syscall list itself: one row per x86_64 syscall, expanded by
//! [`syscalls!`] into both the [`nr`] constants and the table rows, then
//! checked at compile time.
//!
//! Argument lists follow the kernel's `SYSCALL_DEFINEn` signatures (so
//! `preadv` has the split `pos_l, pos_h` pair and `fchmodat` has no flags
//! argument). Names and numbers for `0..=450` come from
//! `asm/unistd_64.h`; `451..=469` from the kernel's `syscall_64.tbl`.

use crate::ArgKind::*;
use crate::{RetKind, SyscallDesc, GAP_END, GAP_START, MAX_SYSCALL, SYSCALL_COUNT, TABLE_LEN};

/// Expands the syscall list into `pub mod nr` and `SYSCALLS`, and checks that
/// each `UPPER_CASE` constant spells the same name as its syscall.
macro_rules! syscalls {
    ($( $konst:ident = $nr:literal => $name:ident ( $( $arg:expr ),* ) -> $ret:ident ; )*) => {
        /// x86_64 syscall numbers, one `UPPER_CASE` constant per syscall
        /// (`nr::READ == 0`, `nr::EXIT_GROUP == 231`, `nr::_SYSCTL == 156`).
        pub mod nr {
            $(
                #[doc = concat!("`", stringify!($name), "`")]
                pub const $konst: u32 = $nr;
            )*
        }

        /// Every x86_64 syscall in ascending number order.
        pub(crate) static SYSCALLS: [SyscallDesc; SYSCALL_COUNT] = [
            $( SyscallDesc { nr: $nr, name: stringify!($name), args: &[$($arg),*], ret: RetKind::$ret }, )*
        ];

        const _: () = {
            $( assert!(
                same_name(stringify!($konst), stringify!($name)),
                concat!("nr constant ", stringify!($konst), " does not match ", stringify!($name)),
            ); )*
        };
    };
}

syscalls! {
    READ = 0 => read(Fd, BufOut { len_arg: 2 }, Size) -> Int;
    WRITE = 1 => write(Fd, BufIn { len_arg: 2 }, Size) -> Int;
    OPEN = 2 => open(Path, OpenFlags, Mode) -> Fd;
    CLOSE = 3 => close(Fd) -> Int;
    STAT = 4 => stat(Path, StructOut) -> Int;
    FSTAT = 5 => fstat(Fd, StructOut) -> Int;
    LSTAT = 6 => lstat(Path, StructOut) -> Int;
    POLL = 7 => poll(StructInOut, Uint, Int) -> Int;
    LSEEK = 8 => lseek(Fd, Off, Whence) -> Int;
    MMAP = 9 => mmap(Ptr, Size, MmapProt, MmapFlags, Fd, Off) -> Hex;
    MPROTECT = 10 => mprotect(Ptr, Size, MmapProt) -> Int;
    MUNMAP = 11 => munmap(Ptr, Size) -> Int;
    BRK = 12 => brk(Ptr) -> Hex;
    RT_SIGACTION = 13 => rt_sigaction(Signal, StructIn, StructOut, Size) -> Int;
    RT_SIGPROCMASK = 14 => rt_sigprocmask(SigHow, StructIn, StructOut, Size) -> Int;
    RT_SIGRETURN = 15 => rt_sigreturn() -> NoReturn;
    IOCTL = 16 => ioctl(Fd, Ioctl, Hex) -> Int;
    PREAD64 = 17 => pread64(Fd, BufOut { len_arg: 2 }, Size, Off) -> Int;
    PWRITE64 = 18 => pwrite64(Fd, BufIn { len_arg: 2 }, Size, Off) -> Int;
    READV = 19 => readv(Fd, IovecOut { count_arg: 2 }, Ulong) -> Int;
    WRITEV = 20 => writev(Fd, IovecIn { count_arg: 2 }, Ulong) -> Int;
    ACCESS = 21 => access(Path, AccessMode) -> Int;
    PIPE = 22 => pipe(StructOut) -> Int;
    SELECT = 23 => select(Int, StructInOut, StructInOut, StructInOut, StructInOut) -> Int;
    SCHED_YIELD = 24 => sched_yield() -> Int;
    MREMAP = 25 => mremap(Ptr, Size, Size, MremapFlags, Ptr) -> Hex;
    MSYNC = 26 => msync(Ptr, Size, Hex) -> Int;
    MINCORE = 27 => mincore(Ptr, Size, StructOut) -> Int;
    MADVISE = 28 => madvise(Ptr, Size, Madvise) -> Int;
    SHMGET = 29 => shmget(Hex, Size, Hex) -> Int;
    SHMAT = 30 => shmat(Int, Ptr, Hex) -> Hex;
    SHMCTL = 31 => shmctl(Int, Int, StructInOut) -> Int;
    DUP = 32 => dup(Fd) -> Fd;
    DUP2 = 33 => dup2(Fd, Fd) -> Fd;
    PAUSE = 34 => pause() -> Int;
    NANOSLEEP = 35 => nanosleep(StructIn, StructOut) -> Int;
    GETITIMER = 36 => getitimer(ItimerWhich, StructOut) -> Int;
    ALARM = 37 => alarm(Uint) -> Int;
    SETITIMER = 38 => setitimer(ItimerWhich, StructIn, StructOut) -> Int;
    GETPID = 39 => getpid() -> Int;
    SENDFILE = 40 => sendfile(Fd, Fd, StructInOut, Size) -> Int;
    SOCKET = 41 => socket(SockDomain, SockType, Int) -> Fd;
    CONNECT = 42 => connect(Fd, StructIn, Int) -> Int;
    ACCEPT = 43 => accept(Fd, StructOut, StructInOut) -> Fd;
    SENDTO = 44 => sendto(Fd, BufIn { len_arg: 2 }, Size, MsgFlags, StructIn, Int) -> Int;
    RECVFROM = 45 => recvfrom(Fd, BufOut { len_arg: 2 }, Size, MsgFlags, StructOut, StructInOut) -> Int;
    SENDMSG = 46 => sendmsg(Fd, StructIn, MsgFlags) -> Int;
    RECVMSG = 47 => recvmsg(Fd, StructInOut, MsgFlags) -> Int;
    SHUTDOWN = 48 => shutdown(Fd, Shutdown) -> Int;
    BIND = 49 => bind(Fd, StructIn, Int) -> Int;
    LISTEN = 50 => listen(Fd, Int) -> Int;
    GETSOCKNAME = 51 => getsockname(Fd, StructOut, StructInOut) -> Int;
    GETPEERNAME = 52 => getpeername(Fd, StructOut, StructInOut) -> Int;
    SOCKETPAIR = 53 => socketpair(SockDomain, SockType, Int, StructOut) -> Int;
    SETSOCKOPT = 54 => setsockopt(Fd, SockLevel, Int, BufIn { len_arg: 4 }, Int) -> Int;
    GETSOCKOPT = 55 => getsockopt(Fd, SockLevel, Int, StructOut, StructInOut) -> Int;
    CLONE = 56 => clone(CloneFlags, Ptr, Ptr, Ptr, Hex) -> Int;
    FORK = 57 => fork() -> Int;
    VFORK = 58 => vfork() -> Int;
    EXECVE = 59 => execve(Path, Argv, Argv) -> Int;
    EXIT = 60 => exit(Int) -> NoReturn;
    WAIT4 = 61 => wait4(Pid, StructOut, WaitOptions, StructOut) -> Int;
    KILL = 62 => kill(Pid, Signal) -> Int;
    UNAME = 63 => uname(StructOut) -> Int;
    SEMGET = 64 => semget(Hex, Int, Hex) -> Int;
    SEMOP = 65 => semop(Int, StructIn, Uint) -> Int;
    SEMCTL = 66 => semctl(Int, Int, Int, Hex) -> Int;
    SHMDT = 67 => shmdt(Ptr) -> Int;
    MSGGET = 68 => msgget(Hex, Hex) -> Int;
    MSGSND = 69 => msgsnd(Int, StructIn, Size, Hex) -> Int;
    MSGRCV = 70 => msgrcv(Int, StructOut, Size, Long, Hex) -> Int;
    MSGCTL = 71 => msgctl(Int, Int, StructInOut) -> Int;
    FCNTL = 72 => fcntl(Fd, Fcntl, Hex) -> Int;
    FLOCK = 73 => flock(Fd, FlockOp) -> Int;
    FSYNC = 74 => fsync(Fd) -> Int;
    FDATASYNC = 75 => fdatasync(Fd) -> Int;
    TRUNCATE = 76 => truncate(Path, Off) -> Int;
    FTRUNCATE = 77 => ftruncate(Fd, Off) -> Int;
    GETDENTS = 78 => getdents(Fd, StructOut, Uint) -> Int;
    GETCWD = 79 => getcwd(BufOut { len_arg: 1 }, Size) -> Int;
    CHDIR = 80 => chdir(Path) -> Int;
    FCHDIR = 81 => fchdir(Fd) -> Int;
    RENAME = 82 => rename(Path, Path) -> Int;
    MKDIR = 83 => mkdir(Path, Mode) -> Int;
    RMDIR = 84 => rmdir(Path) -> Int;
    CREAT = 85 => creat(Path, Mode) -> Fd;
    LINK = 86 => link(Path, Path) -> Int;
    UNLINK = 87 => unlink(Path) -> Int;
    SYMLINK = 88 => symlink(Path, Path) -> Int;
    READLINK = 89 => readlink(Path, BufOut { len_arg: 2 }, Size) -> Int;
    CHMOD = 90 => chmod(Path, Mode) -> Int;
    FCHMOD = 91 => fchmod(Fd, Mode) -> Int;
    CHOWN = 92 => chown(Path, Uid, Gid) -> Int;
    FCHOWN = 93 => fchown(Fd, Uid, Gid) -> Int;
    LCHOWN = 94 => lchown(Path, Uid, Gid) -> Int;
    UMASK = 95 => umask(Mode) -> Mode;
    GETTIMEOFDAY = 96 => gettimeofday(StructOut, StructOut) -> Int;
    GETRLIMIT = 97 => getrlimit(Rlimit, StructOut) -> Int;
    GETRUSAGE = 98 => getrusage(RusageWho, StructOut) -> Int;
    SYSINFO = 99 => sysinfo(StructOut) -> Int;
    TIMES = 100 => times(StructOut) -> Int;
    PTRACE = 101 => ptrace(PtraceRequest, Pid, Ptr, Ptr) -> Int;
    GETUID = 102 => getuid() -> Int;
    SYSLOG = 103 => syslog(Int, BufOut { len_arg: 2 }, Int) -> Int;
    GETGID = 104 => getgid() -> Int;
    SETUID = 105 => setuid(Uid) -> Int;
    SETGID = 106 => setgid(Gid) -> Int;
    GETEUID = 107 => geteuid() -> Int;
    GETEGID = 108 => getegid() -> Int;
    SETPGID = 109 => setpgid(Pid, Pid) -> Int;
    GETPPID = 110 => getppid() -> Int;
    GETPGRP = 111 => getpgrp() -> Int;
    SETSID = 112 => setsid() -> Int;
    SETREUID = 113 => setreuid(Uid, Uid) -> Int;
    SETREGID = 114 => setregid(Gid, Gid) -> Int;
    GETGROUPS = 115 => getgroups(Int, StructOut) -> Int;
    SETGROUPS = 116 => setgroups(Int, StructIn) -> Int;
    SETRESUID = 117 => setresuid(Uid, Uid, Uid) -> Int;
    GETRESUID = 118 => getresuid(StructOut, StructOut, StructOut) -> Int;
    SETRESGID = 119 => setresgid(Gid, Gid, Gid) -> Int;
    GETRESGID = 120 => getresgid(StructOut, StructOut, StructOut) -> Int;
    GETPGID = 121 => getpgid(Pid) -> Int;
    SETFSUID = 122 => setfsuid(Uid) -> Int;
    SETFSGID = 123 => setfsgid(Gid) -> Int;
    GETSID = 124 => getsid(Pid) -> Int;
    CAPGET = 125 => capget(StructInOut, StructOut) -> Int;
    CAPSET = 126 => capset(StructIn, StructIn) -> Int;
    RT_SIGPENDING = 127 => rt_sigpending(StructOut, Size) -> Int;
    RT_SIGTIMEDWAIT = 128 => rt_sigtimedwait(StructIn, StructOut, StructIn, Size) -> Int;
    RT_SIGQUEUEINFO = 129 => rt_sigqueueinfo(Pid, Signal, StructIn) -> Int;
    RT_SIGSUSPEND = 130 => rt_sigsuspend(StructIn, Size) -> Int;
    SIGALTSTACK = 131 => sigaltstack(StructIn, StructOut) -> Int;
    UTIME = 132 => utime(Path, StructIn) -> Int;
    MKNOD = 133 => mknod(Path, Mode, Hex) -> Int;
    USELIB = 134 => uselib(Path) -> Int;
    PERSONALITY = 135 => personality(Hex) -> Hex;
    USTAT = 136 => ustat(Hex, StructOut) -> Int;
    STATFS = 137 => statfs(Path, StructOut) -> Int;
    FSTATFS = 138 => fstatfs(Fd, StructOut) -> Int;
    SYSFS = 139 => sysfs(Int, Hex, Hex) -> Int;
    GETPRIORITY = 140 => getpriority(PrioWhich, Int) -> Int;
    SETPRIORITY = 141 => setpriority(PrioWhich, Int, Int) -> Int;
    SCHED_SETPARAM = 142 => sched_setparam(Pid, StructIn) -> Int;
    SCHED_GETPARAM = 143 => sched_getparam(Pid, StructOut) -> Int;
    SCHED_SETSCHEDULER = 144 => sched_setscheduler(Pid, SchedPolicy, StructIn) -> Int;
    SCHED_GETSCHEDULER = 145 => sched_getscheduler(Pid) -> Int;
    SCHED_GET_PRIORITY_MAX = 146 => sched_get_priority_max(SchedPolicy) -> Int;
    SCHED_GET_PRIORITY_MIN = 147 => sched_get_priority_min(SchedPolicy) -> Int;
    SCHED_RR_GET_INTERVAL = 148 => sched_rr_get_interval(Pid, StructOut) -> Int;
    MLOCK = 149 => mlock(Ptr, Size) -> Int;
    MUNLOCK = 150 => munlock(Ptr, Size) -> Int;
    MLOCKALL = 151 => mlockall(Hex) -> Int;
    MUNLOCKALL = 152 => munlockall() -> Int;
    VHANGUP = 153 => vhangup() -> Int;
    MODIFY_LDT = 154 => modify_ldt(Int, Ptr, Ulong) -> Int;
    PIVOT_ROOT = 155 => pivot_root(Path, Path) -> Int;
    _SYSCTL = 156 => _sysctl(StructInOut) -> Int;
    PRCTL = 157 => prctl(Prctl, Hex, Hex, Hex, Hex) -> Int;
    ARCH_PRCTL = 158 => arch_prctl(ArchPrctl, Hex) -> Int;
    ADJTIMEX = 159 => adjtimex(StructInOut) -> Int;
    SETRLIMIT = 160 => setrlimit(Rlimit, StructIn) -> Int;
    CHROOT = 161 => chroot(Path) -> Int;
    SYNC = 162 => sync() -> Int;
    ACCT = 163 => acct(Path) -> Int;
    SETTIMEOFDAY = 164 => settimeofday(StructIn, StructIn) -> Int;
    MOUNT = 165 => mount(Str, Path, Str, MountFlags, Str) -> Int;
    UMOUNT2 = 166 => umount2(Path, UmountFlags) -> Int;
    SWAPON = 167 => swapon(Path, Hex) -> Int;
    SWAPOFF = 168 => swapoff(Path) -> Int;
    REBOOT = 169 => reboot(Hex, Hex, Hex, Ptr) -> Int;
    SETHOSTNAME = 170 => sethostname(BufIn { len_arg: 1 }, Int) -> Int;
    SETDOMAINNAME = 171 => setdomainname(BufIn { len_arg: 1 }, Int) -> Int;
    IOPL = 172 => iopl(Uint) -> Int;
    IOPERM = 173 => ioperm(Hex, Ulong, Int) -> Int;
    // 174, 177, 178, 180-185 and 236 are not implemented by Linux (ENOSYS);
    // the argument lists are the historical ones, as strace prints them.
    CREATE_MODULE = 174 => create_module(Str, Size) -> Hex;
    INIT_MODULE = 175 => init_module(Ptr, Size, Str) -> Int;
    DELETE_MODULE = 176 => delete_module(Str, Hex) -> Int;
    GET_KERNEL_SYMS = 177 => get_kernel_syms(StructOut) -> Int;
    QUERY_MODULE = 178 => query_module(Str, Int, Ptr, Size, StructOut) -> Int;
    QUOTACTL = 179 => quotactl(Hex, Path, Int, Ptr) -> Int;
    NFSSERVCTL = 180 => nfsservctl(Int, StructIn, StructOut) -> Int;
    GETPMSG = 181 => getpmsg(Fd, StructInOut, StructInOut, StructInOut, StructInOut) -> Int;
    PUTPMSG = 182 => putpmsg(Fd, StructIn, StructIn, Int, Int) -> Int;
    AFS_SYSCALL = 183 => afs_syscall(Hex, Hex, Hex, Hex, Hex) -> Int;
    TUXCALL = 184 => tuxcall(Hex, Hex, Hex) -> Int;
    SECURITY = 185 => security(Hex, Hex, Hex) -> Int;
    GETTID = 186 => gettid() -> Int;
    READAHEAD = 187 => readahead(Fd, Off, Size) -> Int;
    SETXATTR = 188 => setxattr(Path, Str, BufIn { len_arg: 3 }, Size, Hex) -> Int;
    LSETXATTR = 189 => lsetxattr(Path, Str, BufIn { len_arg: 3 }, Size, Hex) -> Int;
    FSETXATTR = 190 => fsetxattr(Fd, Str, BufIn { len_arg: 3 }, Size, Hex) -> Int;
    GETXATTR = 191 => getxattr(Path, Str, BufOut { len_arg: 3 }, Size) -> Int;
    LGETXATTR = 192 => lgetxattr(Path, Str, BufOut { len_arg: 3 }, Size) -> Int;
    FGETXATTR = 193 => fgetxattr(Fd, Str, BufOut { len_arg: 3 }, Size) -> Int;
    LISTXATTR = 194 => listxattr(Path, BufOut { len_arg: 2 }, Size) -> Int;
    LLISTXATTR = 195 => llistxattr(Path, BufOut { len_arg: 2 }, Size) -> Int;
    FLISTXATTR = 196 => flistxattr(Fd, BufOut { len_arg: 2 }, Size) -> Int;
    REMOVEXATTR = 197 => removexattr(Path, Str) -> Int;
    LREMOVEXATTR = 198 => lremovexattr(Path, Str) -> Int;
    FREMOVEXATTR = 199 => fremovexattr(Fd, Str) -> Int;
    TKILL = 200 => tkill(Pid, Signal) -> Int;
    TIME = 201 => time(StructOut) -> Int;
    FUTEX = 202 => futex(Ptr, Futex, Uint, StructIn, Ptr, Uint) -> Int;
    SCHED_SETAFFINITY = 203 => sched_setaffinity(Pid, Uint, StructIn) -> Int;
    SCHED_GETAFFINITY = 204 => sched_getaffinity(Pid, Uint, StructOut) -> Int;
    SET_THREAD_AREA = 205 => set_thread_area(StructInOut) -> Int;
    IO_SETUP = 206 => io_setup(Uint, StructOut) -> Int;
    IO_DESTROY = 207 => io_destroy(Hex) -> Int;
    IO_GETEVENTS = 208 => io_getevents(Hex, Long, Long, StructOut, StructIn) -> Int;
    IO_SUBMIT = 209 => io_submit(Hex, Long, StructIn) -> Int;
    IO_CANCEL = 210 => io_cancel(Hex, StructIn, StructOut) -> Int;
    GET_THREAD_AREA = 211 => get_thread_area(StructInOut) -> Int;
    LOOKUP_DCOOKIE = 212 => lookup_dcookie(Hex, BufOut { len_arg: 2 }, Size) -> Int;
    EPOLL_CREATE = 213 => epoll_create(Int) -> Fd;
    EPOLL_CTL_OLD = 214 => epoll_ctl_old(Hex, Hex, Hex, Hex) -> Int;
    EPOLL_WAIT_OLD = 215 => epoll_wait_old(Hex, Hex, Hex, Hex) -> Int;
    REMAP_FILE_PAGES = 216 => remap_file_pages(Ptr, Size, MmapProt, Ulong, MmapFlags) -> Int;
    GETDENTS64 = 217 => getdents64(Fd, StructOut, Uint) -> Int;
    SET_TID_ADDRESS = 218 => set_tid_address(Ptr) -> Int;
    RESTART_SYSCALL = 219 => restart_syscall() -> Int;
    SEMTIMEDOP = 220 => semtimedop(Int, StructIn, Uint, StructIn) -> Int;
    FADVISE64 = 221 => fadvise64(Fd, Off, Size, Int) -> Int;
    TIMER_CREATE = 222 => timer_create(Clock, StructIn, StructOut) -> Int;
    TIMER_SETTIME = 223 => timer_settime(Int, TimerFlags, StructIn, StructOut) -> Int;
    TIMER_GETTIME = 224 => timer_gettime(Int, StructOut) -> Int;
    TIMER_GETOVERRUN = 225 => timer_getoverrun(Int) -> Int;
    TIMER_DELETE = 226 => timer_delete(Int) -> Int;
    CLOCK_SETTIME = 227 => clock_settime(Clock, StructIn) -> Int;
    CLOCK_GETTIME = 228 => clock_gettime(Clock, StructOut) -> Int;
    CLOCK_GETRES = 229 => clock_getres(Clock, StructOut) -> Int;
    CLOCK_NANOSLEEP = 230 => clock_nanosleep(Clock, TimerFlags, StructIn, StructOut) -> Int;
    EXIT_GROUP = 231 => exit_group(Int) -> NoReturn;
    EPOLL_WAIT = 232 => epoll_wait(Fd, StructOut, Int, Int) -> Int;
    EPOLL_CTL = 233 => epoll_ctl(Fd, EpollOp, Fd, StructIn) -> Int;
    TGKILL = 234 => tgkill(Pid, Pid, Signal) -> Int;
    UTIMES = 235 => utimes(Path, StructIn) -> Int;
    VSERVER = 236 => vserver(Hex, Hex, Hex, Hex, Hex) -> Int;
    MBIND = 237 => mbind(Ptr, Size, Int, StructIn, Ulong, Hex) -> Int;
    SET_MEMPOLICY = 238 => set_mempolicy(Int, StructIn, Ulong) -> Int;
    GET_MEMPOLICY = 239 => get_mempolicy(StructOut, StructOut, Ulong, Ptr, Hex) -> Int;
    MQ_OPEN = 240 => mq_open(Str, OpenFlags, Mode, StructIn) -> Fd;
    MQ_UNLINK = 241 => mq_unlink(Str) -> Int;
    MQ_TIMEDSEND = 242 => mq_timedsend(Fd, BufIn { len_arg: 2 }, Size, Uint, StructIn) -> Int;
    MQ_TIMEDRECEIVE = 243 => mq_timedreceive(Fd, BufOut { len_arg: 2 }, Size, StructOut, StructIn) -> Int;
    MQ_NOTIFY = 244 => mq_notify(Fd, StructIn) -> Int;
    MQ_GETSETATTR = 245 => mq_getsetattr(Fd, StructIn, StructOut) -> Int;
    KEXEC_LOAD = 246 => kexec_load(Hex, Ulong, StructIn, Hex) -> Int;
    WAITID = 247 => waitid(IdType, Int, StructOut, WaitOptions, StructOut) -> Int;
    ADD_KEY = 248 => add_key(Str, Str, BufIn { len_arg: 3 }, Size, Int) -> Int;
    REQUEST_KEY = 249 => request_key(Str, Str, Str, Int) -> Int;
    KEYCTL = 250 => keyctl(Int, Hex, Hex, Hex, Hex) -> Int;
    IOPRIO_SET = 251 => ioprio_set(Int, Int, Int) -> Int;
    IOPRIO_GET = 252 => ioprio_get(Int, Int) -> Int;
    INOTIFY_INIT = 253 => inotify_init() -> Fd;
    INOTIFY_ADD_WATCH = 254 => inotify_add_watch(Fd, Path, Hex) -> Int;
    INOTIFY_RM_WATCH = 255 => inotify_rm_watch(Fd, Int) -> Int;
    MIGRATE_PAGES = 256 => migrate_pages(Pid, Ulong, StructIn, StructIn) -> Int;
    OPENAT = 257 => openat(AtFd, Path, OpenFlags, Mode) -> Fd;
    MKDIRAT = 258 => mkdirat(AtFd, Path, Mode) -> Int;
    MKNODAT = 259 => mknodat(AtFd, Path, Mode, Hex) -> Int;
    FCHOWNAT = 260 => fchownat(AtFd, Path, Uid, Gid, AtFlags) -> Int;
    FUTIMESAT = 261 => futimesat(AtFd, Path, StructIn) -> Int;
    NEWFSTATAT = 262 => newfstatat(AtFd, Path, StructOut, AtFlags) -> Int;
    UNLINKAT = 263 => unlinkat(AtFd, Path, AtFlags) -> Int;
    RENAMEAT = 264 => renameat(AtFd, Path, AtFd, Path) -> Int;
    LINKAT = 265 => linkat(AtFd, Path, AtFd, Path, AtFlags) -> Int;
    SYMLINKAT = 266 => symlinkat(Path, AtFd, Path) -> Int;
    READLINKAT = 267 => readlinkat(AtFd, Path, BufOut { len_arg: 3 }, Size) -> Int;
    FCHMODAT = 268 => fchmodat(AtFd, Path, Mode) -> Int;
    FACCESSAT = 269 => faccessat(AtFd, Path, AccessMode) -> Int;
    PSELECT6 = 270 => pselect6(Int, StructInOut, StructInOut, StructInOut, StructInOut, StructIn) -> Int;
    PPOLL = 271 => ppoll(StructInOut, Uint, StructInOut, StructIn, Size) -> Int;
    UNSHARE = 272 => unshare(UnshareFlags) -> Int;
    SET_ROBUST_LIST = 273 => set_robust_list(StructIn, Size) -> Int;
    GET_ROBUST_LIST = 274 => get_robust_list(Pid, StructOut, StructOut) -> Int;
    SPLICE = 275 => splice(Fd, StructInOut, Fd, StructInOut, Size, Hex) -> Int;
    TEE = 276 => tee(Fd, Fd, Size, Hex) -> Int;
    SYNC_FILE_RANGE = 277 => sync_file_range(Fd, Off, Off, Hex) -> Int;
    VMSPLICE = 278 => vmsplice(Fd, IovecIn { count_arg: 2 }, Ulong, Hex) -> Int;
    MOVE_PAGES = 279 => move_pages(Pid, Ulong, StructIn, StructIn, StructOut, Hex) -> Int;
    UTIMENSAT = 280 => utimensat(AtFd, Path, StructIn, AtFlags) -> Int;
    EPOLL_PWAIT = 281 => epoll_pwait(Fd, StructOut, Int, Int, StructIn, Size) -> Int;
    SIGNALFD = 282 => signalfd(Fd, StructIn, Size) -> Fd;
    TIMERFD_CREATE = 283 => timerfd_create(Clock, CloexecFlags) -> Fd;
    EVENTFD = 284 => eventfd(Uint) -> Fd;
    FALLOCATE = 285 => fallocate(Fd, Hex, Off, Off) -> Int;
    TIMERFD_SETTIME = 286 => timerfd_settime(Fd, Hex, StructIn, StructOut) -> Int;
    TIMERFD_GETTIME = 287 => timerfd_gettime(Fd, StructOut) -> Int;
    ACCEPT4 = 288 => accept4(Fd, StructOut, StructInOut, SockFlags) -> Fd;
    SIGNALFD4 = 289 => signalfd4(Fd, StructIn, Size, CloexecFlags) -> Fd;
    EVENTFD2 = 290 => eventfd2(Uint, CloexecFlags) -> Fd;
    EPOLL_CREATE1 = 291 => epoll_create1(CloexecFlags) -> Fd;
    DUP3 = 292 => dup3(Fd, Fd, CloexecFlags) -> Fd;
    PIPE2 = 293 => pipe2(StructOut, CloexecFlags) -> Int;
    INOTIFY_INIT1 = 294 => inotify_init1(CloexecFlags) -> Fd;
    PREADV = 295 => preadv(Fd, IovecOut { count_arg: 2 }, Ulong, Off, Hex) -> Int;
    PWRITEV = 296 => pwritev(Fd, IovecIn { count_arg: 2 }, Ulong, Off, Hex) -> Int;
    RT_TGSIGQUEUEINFO = 297 => rt_tgsigqueueinfo(Pid, Pid, Signal, StructIn) -> Int;
    PERF_EVENT_OPEN = 298 => perf_event_open(StructIn, Pid, Int, Fd, Hex) -> Fd;
    RECVMMSG = 299 => recvmmsg(Fd, StructInOut, Uint, MsgFlags, StructInOut) -> Int;
    FANOTIFY_INIT = 300 => fanotify_init(Hex, OpenFlags) -> Fd;
    FANOTIFY_MARK = 301 => fanotify_mark(Fd, Hex, Hex, AtFd, Path) -> Int;
    PRLIMIT64 = 302 => prlimit64(Pid, Rlimit, StructIn, StructOut) -> Int;
    NAME_TO_HANDLE_AT = 303 => name_to_handle_at(AtFd, Path, StructInOut, StructOut, AtFlags) -> Int;
    OPEN_BY_HANDLE_AT = 304 => open_by_handle_at(Fd, StructIn, OpenFlags) -> Fd;
    CLOCK_ADJTIME = 305 => clock_adjtime(Clock, StructInOut) -> Int;
    SYNCFS = 306 => syncfs(Fd) -> Int;
    SENDMMSG = 307 => sendmmsg(Fd, StructInOut, Uint, MsgFlags) -> Int;
    SETNS = 308 => setns(Fd, UnshareFlags) -> Int;
    GETCPU = 309 => getcpu(StructOut, StructOut, Ptr) -> Int;
    PROCESS_VM_READV = 310 => process_vm_readv(Pid, IovecOut { count_arg: 2 }, Ulong, StructIn, Ulong, Hex) -> Int;
    PROCESS_VM_WRITEV = 311 => process_vm_writev(Pid, IovecIn { count_arg: 2 }, Ulong, StructIn, Ulong, Hex) -> Int;
    KCMP = 312 => kcmp(Pid, Pid, Int, Ulong, Ulong) -> Int;
    FINIT_MODULE = 313 => finit_module(Fd, Str, Hex) -> Int;
    SCHED_SETATTR = 314 => sched_setattr(Pid, StructIn, Uint) -> Int;
    SCHED_GETATTR = 315 => sched_getattr(Pid, StructOut, Uint, Uint) -> Int;
    RENAMEAT2 = 316 => renameat2(AtFd, Path, AtFd, Path, RenameFlags) -> Int;
    SECCOMP = 317 => seccomp(SeccompOp, Hex, Ptr) -> Int;
    GETRANDOM = 318 => getrandom(BufOut { len_arg: 1 }, Size, Hex) -> Int;
    MEMFD_CREATE = 319 => memfd_create(Str, MemfdFlags) -> Fd;
    KEXEC_FILE_LOAD = 320 => kexec_file_load(Fd, Fd, Ulong, Str, Hex) -> Int;
    BPF = 321 => bpf(Int, StructInOut, Uint) -> Int;
    EXECVEAT = 322 => execveat(AtFd, Path, Argv, Argv, AtFlags) -> Int;
    USERFAULTFD = 323 => userfaultfd(CloexecFlags) -> Fd;
    MEMBARRIER = 324 => membarrier(Int, Uint, Int) -> Int;
    MLOCK2 = 325 => mlock2(Ptr, Size, Hex) -> Int;
    COPY_FILE_RANGE = 326 => copy_file_range(Fd, StructInOut, Fd, StructInOut, Size, Uint) -> Int;
    PREADV2 = 327 => preadv2(Fd, IovecOut { count_arg: 2 }, Ulong, Off, Hex, Hex) -> Int;
    PWRITEV2 = 328 => pwritev2(Fd, IovecIn { count_arg: 2 }, Ulong, Off, Hex, Hex) -> Int;
    PKEY_MPROTECT = 329 => pkey_mprotect(Ptr, Size, MmapProt, Int) -> Int;
    PKEY_ALLOC = 330 => pkey_alloc(Hex, Hex) -> Int;
    PKEY_FREE = 331 => pkey_free(Int) -> Int;
    STATX = 332 => statx(AtFd, Path, AtFlags, Hex, StructOut) -> Int;
    IO_PGETEVENTS = 333 => io_pgetevents(Hex, Long, Long, StructOut, StructIn, StructIn) -> Int;
    RSEQ = 334 => rseq(StructIn, Uint, Int, Hex) -> Int;
    // 335..=423: unused on x86_64 (see GAP_START / GAP_END).
    PIDFD_SEND_SIGNAL = 424 => pidfd_send_signal(Fd, Signal, StructIn, Uint) -> Int;
    IO_URING_SETUP = 425 => io_uring_setup(Uint, StructInOut) -> Fd;
    IO_URING_ENTER = 426 => io_uring_enter(Fd, Uint, Uint, Hex, StructIn, Size) -> Int;
    IO_URING_REGISTER = 427 => io_uring_register(Fd, Uint, Ptr, Uint) -> Int;
    OPEN_TREE = 428 => open_tree(AtFd, Path, Hex) -> Fd;
    MOVE_MOUNT = 429 => move_mount(AtFd, Path, AtFd, Path, Hex) -> Int;
    FSOPEN = 430 => fsopen(Str, Hex) -> Fd;
    FSCONFIG = 431 => fsconfig(Fd, Uint, Str, Ptr, Int) -> Int;
    FSMOUNT = 432 => fsmount(Fd, Hex, Hex) -> Fd;
    FSPICK = 433 => fspick(AtFd, Path, Hex) -> Fd;
    PIDFD_OPEN = 434 => pidfd_open(Pid, Hex) -> Fd;
    CLONE3 = 435 => clone3(StructIn, Size) -> Int;
    CLOSE_RANGE = 436 => close_range(Uint, Uint, Hex) -> Int;
    OPENAT2 = 437 => openat2(AtFd, Path, StructIn, Size) -> Fd;
    PIDFD_GETFD = 438 => pidfd_getfd(Fd, Fd, Uint) -> Fd;
    FACCESSAT2 = 439 => faccessat2(AtFd, Path, AccessMode, AccessAtFlags) -> Int;
    PROCESS_MADVISE = 440 => process_madvise(Fd, StructIn, Size, Madvise, Uint) -> Int;
    EPOLL_PWAIT2 = 441 => epoll_pwait2(Fd, StructOut, Int, StructIn, StructIn, Size) -> Int;
    MOUNT_SETATTR = 442 => mount_setattr(AtFd, Path, AtFlags, StructIn, Size) -> Int;
    QUOTACTL_FD = 443 => quotactl_fd(Fd, Uint, Int, Ptr) -> Int;
    LANDLOCK_CREATE_RULESET = 444 => landlock_create_ruleset(StructIn, Size, Hex) -> Fd;
    LANDLOCK_ADD_RULE = 445 => landlock_add_rule(Fd, Int, StructIn, Hex) -> Int;
    LANDLOCK_RESTRICT_SELF = 446 => landlock_restrict_self(Fd, Hex) -> Int;
    MEMFD_SECRET = 447 => memfd_secret(Hex) -> Fd;
    PROCESS_MRELEASE = 448 => process_mrelease(Fd, Uint) -> Int;
    FUTEX_WAITV = 449 => futex_waitv(StructIn, Uint, Hex, StructIn, Clock) -> Int;
    SET_MEMPOLICY_HOME_NODE = 450 => set_mempolicy_home_node(Ptr, Size, Ulong, Hex) -> Int;
    CACHESTAT = 451 => cachestat(Fd, StructIn, StructOut, Hex) -> Int;
    FCHMODAT2 = 452 => fchmodat2(AtFd, Path, Mode, AtFlags) -> Int;
    MAP_SHADOW_STACK = 453 => map_shadow_stack(Ptr, Size, Hex) -> Hex;
    FUTEX_WAKE = 454 => futex_wake(Ptr, Hex, Int, Hex) -> Int;
    FUTEX_WAIT = 455 => futex_wait(Ptr, Ulong, Hex, Hex, StructIn, Clock) -> Int;
    FUTEX_REQUEUE = 456 => futex_requeue(StructIn, Hex, Int, Int) -> Int;
    STATMOUNT = 457 => statmount(StructIn, StructOut, Size, Hex) -> Int;
    LISTMOUNT = 458 => listmount(StructIn, StructOut, Size, Hex) -> Int;
    LSM_GET_SELF_ATTR = 459 => lsm_get_self_attr(Uint, StructOut, StructInOut, Hex) -> Int;
    LSM_SET_SELF_ATTR = 460 => lsm_set_self_attr(Uint, StructIn, Uint, Hex) -> Int;
    LSM_LIST_MODULES = 461 => lsm_list_modules(StructOut, StructInOut, Hex) -> Int;
    MSEAL = 462 => mseal(Ptr, Size, Hex) -> Int;
    SETXATTRAT = 463 => setxattrat(AtFd, Path, AtFlags, Str, StructIn, Size) -> Int;
    GETXATTRAT = 464 => getxattrat(AtFd, Path, AtFlags, Str, StructInOut, Size) -> Int;
    LISTXATTRAT = 465 => listxattrat(AtFd, Path, AtFlags, BufOut { len_arg: 4 }, Size) -> Int;
    REMOVEXATTRAT = 466 => removexattrat(AtFd, Path, AtFlags, Str) -> Int;
    OPEN_TREE_ATTR = 467 => open_tree_attr(AtFd, Path, Hex, StructIn, Size) -> Fd;
    FILE_GETATTR = 468 => file_getattr(AtFd, Path, StructOut, Size, AtFlags) -> Int;
    FILE_SETATTR = 469 => file_setattr(AtFd, Path, StructIn, Size, AtFlags) -> Int;
}

/// The table indexed by syscall number; `None` marks an unassigned number.
pub(crate) static SLOTS: [Option<&'static SyscallDesc>; TABLE_LEN] = build_slots(&SYSCALLS);

/// Places each entry at its own number. Fails compilation if the list is not
/// strictly ascending or runs past [`MAX_SYSCALL`].
const fn build_slots(
    list: &'static [SyscallDesc; SYSCALL_COUNT],
) -> [Option<&'static SyscallDesc>; TABLE_LEN] {
    let mut slots: [Option<&'static SyscallDesc>; TABLE_LEN] = [None; TABLE_LEN];
    let mut i = 0;
    while i < list.len() {
        let d = &list[i];
        assert!(
            (d.nr as usize) <= MAX_SYSCALL,
            "syscall number beyond MAX_SYSCALL"
        );
        assert!(
            i == 0 || list[i - 1].nr < d.nr,
            "syscall list not strictly ascending"
        );
        slots[d.nr as usize] = Some(d);
        i += 1;
    }
    slots
}

/// `true` if `konst` is `name` in upper case (`EXIT_GROUP` / `exit_group`).
const fn same_name(konst: &str, name: &str) -> bool {
    let (a, b) = (konst.as_bytes(), name.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i].to_ascii_uppercase() {
            return false;
        }
        i += 1;
    }
    true
}

/// Whether a number is in the x86_64 gap.
const fn is_gap(nr: usize) -> bool {
    nr >= GAP_START && nr <= GAP_END
}

// Compile-time shape checks: TABLE_LEN slots, every slot's nr equals its
// index, exactly the gap numbers are empty, SYSCALL_COUNT real syscalls,
// names non-empty and unique, and every len_arg/count_arg points at an
// existing argument.
const _: () = {
    assert!(SLOTS.len() == TABLE_LEN);
    assert!(SYSCALLS.len() == SYSCALL_COUNT);
    assert!(SYSCALL_COUNT == GAP_START + (MAX_SYSCALL - GAP_END));
    assert!(SYSCALLS[SYSCALL_COUNT - 1].nr as usize == MAX_SYSCALL);

    let mut count = 0;
    let mut i = 0;
    while i < TABLE_LEN {
        match SLOTS[i] {
            Some(d) => {
                assert!(d.nr as usize == i, "slot nr differs from its index");
                assert!(!is_gap(i), "entry inside the x86_64 gap");
                count += 1;
            }
            None => assert!(is_gap(i), "missing syscall outside the gap"),
        }
        i += 1;
    }
    assert!(count == SYSCALL_COUNT, "wrong number of syscalls");

    let mut i = 0;
    while i < SYSCALL_COUNT {
        let d = &SYSCALLS[i];
        assert!(!d.name.is_empty(), "empty syscall name");
        assert!(d.args.len() <= 6, "more than six arguments");
        let mut j = 0;
        while j < d.args.len() {
            let idx = match d.args[j] {
                BufIn { len_arg } | BufOut { len_arg } => len_arg as usize,
                IovecIn { count_arg } | IovecOut { count_arg } => count_arg as usize,
                _ => j,
            };
            assert!(idx < d.args.len(), "len_arg/count_arg out of range");
            assert!(
                idx == j || !d.args[idx].reads_memory(),
                "length argument is a pointer"
            );
            j += 1;
        }
        let mut k = i + 1;
        while k < SYSCALL_COUNT {
            assert!(!str_eq(d.name, SYSCALLS[k].name), "duplicate syscall name");
            k += 1;
        }
        i += 1;
    }
};

/// Const string equality.
const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}
