//! Values procfs shows the guest: inode numbers, permissions, limits and
//! sysctl defaults, as a Linux 6.6 x86_64 machine reports them.

/// Inode number of the /proc root (Linux's PROC_ROOT_INO).
pub const PROC_ROOT_INO: u64 = 1;
/// st_blksize of procfs inodes.
pub const PROC_BLKSIZE: i64 = 1024;
/// statfs f_bsize of procfs.
pub const PROC_STATFS_BSIZE: i64 = 4096;

/// The kernel release the guest sees (must equal uname's release).
pub const KERNEL_RELEASE: &str = "6.6.0";
/// The kernel version string the guest sees (must equal uname's version).
pub const KERNEL_VERSION: &str = "#1 SMP PREEMPT_DYNAMIC runsc";
/// Who built the kernel, for /proc/version.
pub const KERNEL_BUILDER: &str = "runsc@runsc";
/// The compiler /proc/version names.
pub const KERNEL_COMPILER: &str = "gcc (GCC) 13.2.0, GNU ld (GNU Binutils) 2.41";

/// Permission bits of read-only procfs files.
pub const MODE_FILE: u32 = 0o444;
/// Permission bits of files only the owner may read (environ).
pub const MODE_FILE_OWNER: u32 = 0o400;
/// Permission bits of procfs directories.
pub const MODE_DIR: u32 = 0o555;
/// Permission bits of owner-only directories (fd, fdinfo).
pub const MODE_DIR_OWNER: u32 = 0o500;
/// Permission bits of plain procfs symlinks.
pub const MODE_LINK: u32 = 0o777;
/// fd link bits: owner read (the file is readable).
pub const MODE_FD_READ: u32 = 0o500;
/// fd link bits: owner write (the file is writable).
pub const MODE_FD_WRITE: u32 = 0o300;
/// Link count of procfs directories.
pub const DIR_NLINK: u64 = 2;

/// /proc/PID/stat state of a running task.
pub const TASK_STATE_RUNNING: &str = "R";
/// /proc/PID/status State line of a running task.
pub const TASK_STATE_RUNNING_LONG: &str = "R (running)";
/// /proc/PID/stat state of a task waiting for something.
pub const TASK_STATE_SLEEPING: &str = "S";
/// /proc/PID/status State line of a sleeping task.
pub const TASK_STATE_SLEEPING_LONG: &str = "S (sleeping)";
/// /proc/PID/stat state of a task stopped by job control.
pub const TASK_STATE_STOPPED: &str = "T";
/// /proc/PID/status State line of a stopped task.
pub const TASK_STATE_STOPPED_LONG: &str = "T (stopped)";
/// Scheduling priority of a nice-0 normal task (stat field 18).
pub const DEFAULT_PRIORITY: i32 = 20;
/// stat tpgid of a task without a controlling terminal.
pub const NO_TPGID: i32 = -1;
/// Unset audit login uid (/proc/PID/loginuid, AUDIT_UID_UNSET).
pub const AUDIT_UID_UNSET: u32 = u32::MAX;
/// Smallest fd table size Linux reports as FDSize (NR_OPEN_DEFAULT).
pub const NR_OPEN_DEFAULT: usize = 64;
/// /proc/PID/cgroup of a task in the root of the unified hierarchy.
pub const CGROUP_ROOT: &str = "0::/\n";
/// Transparent huge pages enabled (status THP_enabled).
pub const THP_ENABLED: u32 = 1;

/// kernel.pid_max.
pub const PID_MAX: u64 = 4_194_304;
/// kernel.ngroups_max.
pub const NGROUPS_MAX: u64 = 65_536;
/// kernel.overflowuid / overflowgid.
pub const OVERFLOW_ID: u32 = 65_534;
/// kernel.threads-max.
pub const THREADS_MAX: u64 = 126_922;
/// vm.overcommit_memory (heuristic overcommit).
pub const OVERCOMMIT_GUESS: u32 = 0;
/// vm.max_map_count.
pub const MAX_MAP_COUNT: u64 = 65_530;
/// fs.file-max.
pub const FILE_MAX: u64 = i64::MAX as u64;
/// fs.pipe-max-size.
pub const PIPE_MAX_SIZE: u64 = 1_048_576;
/// net.core.somaxconn.
pub const SOMAXCONN: u64 = 4096;

/// /proc/meminfo MemTotal when the host's cannot be read (4 GiB, in kB).
pub const DEFAULT_MEM_TOTAL_KB: u64 = 4 << 20;
/// Kibibytes per page.
pub const KB_PER_PAGE: u64 = 4;
/// Hugepagesize in /proc/meminfo (kB).
pub const HUGEPAGE_SIZE_KB: u64 = 2048;
/// VmallocTotal in /proc/meminfo (kB).
pub const VMALLOC_TOTAL_KB: u64 = 34_359_738_367;

/// cpuinfo "cpu MHz" when the frequency is unknown.
pub const CPU_MHZ: f64 = 2000.0;
/// cpuinfo "cache size" (KB).
pub const CPU_CACHE_KB: u32 = 512;
/// cpuinfo clflush size and cache_alignment.
pub const CACHE_LINE: u32 = 64;
/// cpuinfo "address sizes" when CPUID does not say (bits).
pub const DEFAULT_ADDR_BITS: (u32, u32) = (48, 48);
/// cpuinfo "cpuid level" shown if CPUID leaf 0 cannot be read.
pub const DEFAULT_CPUID_LEVEL: u32 = 13;
