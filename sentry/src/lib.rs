//! The sentry: an application kernel that implements the Linux ABI for
//! guest tasks, which run in stub processes under a platform that traps
//! every syscall (DESIGN.md §3).

pub mod abi;
pub mod fsimpl;
pub mod kernel;
pub mod loader;
pub mod log;
pub mod mm;
pub mod strace;
pub mod syscalls;
pub mod vfs;

use kernel::task::{default_rlimits, Credentials, SignalState};
use kernel::{ExitStatus, Kernel, KernelConfig, Task};
use mm::{MemoryFile, MemoryManager};
use std::os::fd::OwnedFd;
use std::sync::Arc;

/// What to run as the sandbox's first process.
#[derive(Debug)]
pub struct InitProcess {
    /// The executable, opened by the caller (the sentry opens no paths).
    pub exe: std::fs::File,
    /// The path the guest sees for it (/proc/self/exe, AT_EXECFN).
    pub exe_path: Vec<u8>,
    /// Arguments.
    pub argv: Vec<Vec<u8>>,
    /// Environment.
    pub envp: Vec<Vec<u8>>,
    /// Host files for guest fds 0, 1 and 2.
    pub stdio: [OwnedFd; 3],
    /// uid and gid.
    pub uid: u32,
    /// Primary gid.
    pub gid: u32,
}

/// Why the sandbox could not start.
#[derive(Debug, thiserror::Error)]
pub enum BootError {
    /// The memory file could not be created.
    #[error(transparent)]
    MemoryFile(#[from] mm::memfile::MemoryFileError),
    /// The platform failed.
    #[error("platform: {0}")]
    Platform(#[from] platform::Error),
    /// The executable could not be loaded.
    #[error("{path}: {source}")]
    Load {
        /// The program.
        path: String,
        /// What went wrong.
        source: loader::LoadError,
    },
    /// The task thread could not be started or died.
    #[error("task thread: {0}")]
    Thread(String),
}

/// Boots a kernel, runs `init` to completion and returns its exit status.
pub fn run(config: KernelConfig, init: InitProcess) -> Result<ExitStatus, BootError> {
    let mf = Arc::new(MemoryFile::new()?);
    let platform = platform::Platform::new(mf.raw_fd())?;
    let kernel = Arc::new(Kernel::new(mf, platform, config));
    // The task thread creates and traces its stub, so everything about the
    // task happens on it.
    let handle = std::thread::Builder::new()
        .name("task-1".into())
        .spawn(move || -> Result<ExitStatus, BootError> {
            let mut task = new_init_task(kernel, init)?;
            Ok(task.run())
        })
        .map_err(|e| BootError::Thread(e.to_string()))?;
    handle
        .join()
        .map_err(|_| BootError::Thread("task thread panicked".into()))?
}

fn new_init_task(kernel: Arc<Kernel>, init: InitProcess) -> Result<Task, BootError> {
    let mut as_ = kernel.platform.new_address_space()?;
    let mut mm = MemoryManager::new(kernel.mf.clone());
    let ids = loader::AuxIds {
        uid: init.uid,
        euid: init.uid,
        gid: init.gid,
        egid: init.gid,
    };
    let loaded = loader::load(
        &mut mm,
        &mut as_,
        &init.exe,
        &init.argv,
        &init.envp,
        &init.exe_path,
        ids,
    )
    .map_err(|source| BootError::Load {
        path: String::from_utf8_lossy(&init.exe_path).into_owned(),
        source,
    })?;
    let comm = comm_of(&init.exe_path);
    let mut ctx = platform::Context::new(&as_);
    ctx.regs_mut().reset_for_exec(loaded.entry, loaded.sp);
    let mut fds = vfs::FdTable::default();
    for (i, fd) in init.stdio.into_iter().enumerate() {
        let file = vfs::FileDescription {
            ops: Box::new(fsimpl::host::HostFile::new(fd)),
        };
        fds.install_at(i, Arc::new(file), false);
    }
    Ok(Task {
        kernel,
        ctx,
        as_,
        mm,
        fds,
        creds: Credentials {
            uid: init.uid,
            euid: init.uid,
            suid: init.uid,
            gid: init.gid,
            egid: init.gid,
            sgid: init.gid,
            groups: Vec::new(),
        },
        signals: SignalState::default(),
        tid: 1,
        tgid: 1,
        ppid: 0,
        clear_child_tid: 0,
        robust_list: (0, 0),
        exe_path: init.exe_path,
        rlimits: default_rlimits(),
        umask: 0o022,
        comm,
        exit: None,
    })
}

/// The initial task name: the executable's basename, truncated like Linux.
fn comm_of(path: &[u8]) -> [u8; abi::file::TASK_COMM_LEN] {
    let mut comm = [0u8; abi::file::TASK_COMM_LEN];
    let base = path.rsplit(|&b| b == b'/').next().unwrap_or_default();
    let n = base.len().min(abi::file::TASK_COMM_LEN - 1);
    comm[..n].copy_from_slice(&base[..n]);
    comm
}
