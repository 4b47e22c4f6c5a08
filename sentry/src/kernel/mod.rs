//! The kernel: state shared by all tasks of a sandbox, and the tasks.
//!
//! # Lock order
//! Kernel-wide state is immutable after boot except the once-per-name
//! unimplemented-syscall report, a leaf atomic array. Each task owns its
//! memory manager, fd table and signal state in this step (one task per
//! address space); shared ownership arrives with threads and fork.

pub mod caps;
pub mod exec;
pub mod fork;
pub mod futex;
pub mod hostsig;
pub mod ipc;
pub mod process;
pub mod signal;
pub mod task;
pub mod timers;
pub mod view;

use crate::abi::signal::{NSIG, SIGKILL};
use crate::mm::MemoryFile;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

pub use task::Task;

/// How a guest process ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// exit/exit_group with this code (low 8 bits).
    Exited(u8),
    /// Killed by this signal.
    Signaled(i32),
}

impl ExitStatus {
    /// The status a shell reports: the code, or 128 + signal.
    pub fn shell_code(self) -> i32 {
        match self {
            ExitStatus::Exited(c) => c as i32,
            ExitStatus::Signaled(s) if (1..NSIG).contains(&s) => 128 + s,
            ExitStatus::Signaled(_) => 128 + SIGKILL,
        }
    }
}

/// Sandbox-wide settings the kernel reads.
#[derive(Clone, Debug)]
pub struct KernelConfig {
    /// Print every guest syscall to the log (`--strace`).
    pub strace: bool,
    /// The guest's host name (uname nodename).
    pub hostname: String,
    /// What the sentry's seccomp filter does with a syscall outside its
    /// allowlist.
    pub seccomp: crate::confine::SeccompMode,
}

impl Default for KernelConfig {
    fn default() -> Self {
        KernelConfig {
            strace: false,
            hostname: "runsc".into(),
            seccomp: crate::confine::SeccompMode::Kill,
        }
    }
}

/// State shared by every task of the sandbox.
pub struct Kernel {
    /// All guest memory.
    pub mf: Arc<MemoryFile>,
    /// How guest code runs.
    pub platform: platform::Platform,
    /// Settings.
    pub config: KernelConfig,
    /// When the sandbox booted (CLOCK_BOOTTIME origin, uptime).
    pub boot_time: Instant,
    /// Unimplemented syscalls already reported, by number.
    reported: Box<[AtomicBool]>,
    /// The mount table.
    pub mounts: crate::vfs::MountTable,
    /// The filesystem memfd_create files live in.
    pub memfd_fs: Arc<crate::fsimpl::memfs::MemFs>,
    /// Online CPUs the guest sees.
    pub ncpu: usize,
    /// Whether /tmp is a fresh tmpfs.
    pub tmpfs_tmp: std::sync::Mutex<bool>,
    /// Processes.
    pub procs: process::ProcTable,
    /// alarm/setitimer and POSIX timers.
    pub timers: timers::Timers,
    /// What each task shows other tasks (/proc/PID).
    pub views: view::Views,
    /// Futex wait queues.
    pub futexes: futex::Futexes,
    /// System V shared memory, semaphores and message queues.
    pub ipc: ipc::Ipc,
    /// Executables' segment images, shared by their execs.
    pub images: crate::loader::cache::ImageCache,
    /// The container's root (set once it is mounted), where processes
    /// started from outside (`runsc exec`) begin.
    pub root: std::sync::OnceLock<crate::vfs::VfsPath>,
}

impl std::fmt::Debug for Kernel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kernel")
            .field("config", &self.config)
            .finish()
    }
}

impl Kernel {
    /// A kernel over a fresh memory file.
    pub fn new(mf: Arc<MemoryFile>, platform: platform::Platform, config: KernelConfig) -> Self {
        let memfd_fs = crate::fsimpl::memfs::MemFs::new(
            mf.clone(),
            crate::abi::file::magic::TMPFS_MAGIC,
            crate::fsimpl::dev::open_device,
        );
        let ncpu = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1);
        Kernel {
            mounts: crate::vfs::MountTable::default(),
            memfd_fs: memfd_fs.clone(),
            ncpu,
            tmpfs_tmp: std::sync::Mutex::new(false),
            procs: process::ProcTable::default(),
            timers: timers::Timers::default(),
            views: view::Views::default(),
            futexes: futex::Futexes::default(),
            ipc: ipc::Ipc::default(),
            images: crate::loader::cache::ImageCache::new(memfd_fs.clone()),
            root: std::sync::OnceLock::new(),
            mf,
            platform,
            config,
            boot_time: Instant::now(),
            reported: (0..syscall_tables::TABLE_LEN + 1)
                .map(|_| AtomicBool::new(false))
                .collect(),
        }
    }

    /// Reports an unimplemented syscall, once per number.
    pub fn report_unimplemented(&self, nr: u64, name: &str) {
        let slot = (nr as usize).min(self.reported.len() - 1);
        if !self.reported[slot].swap(true, Ordering::Relaxed) {
            if name.is_empty() {
                crate::log::warn(&format!(
                    "unsupported syscall number {nr}: returning ENOSYS"
                ));
            } else {
                crate::log::warn(&format!(
                    "unsupported syscall {name} ({nr}): returning ENOSYS"
                ));
            }
        }
    }
}
