//! The sentry: an application kernel that implements the Linux ABI for
//! guest tasks, which run in stub processes under a platform that traps
//! every syscall (DESIGN.md §3).

pub mod abi;
pub mod boot;
pub mod confine;
pub mod control;
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
use mm::MemoryManager;
use std::os::fd::OwnedFd;
use std::sync::Arc;

/// What to run as the sandbox's first process.
#[derive(Debug)]
pub struct InitProcess {
    /// The program, as a guest path (searched in PATH when it has no '/').
    pub path: Vec<u8>,
    /// Arguments.
    pub argv: Vec<Vec<u8>>,
    /// Environment.
    pub envp: Vec<Vec<u8>>,
    /// Working directory (a guest path).
    pub cwd: Vec<u8>,
    /// Host files for guest fds 0, 1 and 2.
    pub stdio: [OwnedFd; 3],
    /// uid and gid.
    pub uid: u32,
    /// Primary gid.
    pub gid: u32,
}

/// The root filesystem the sandbox sees.
#[derive(Debug)]
pub struct RootFs {
    /// Socket to the gofer serving the container root.
    pub gofer: OwnedFd,
    /// Mount /tmp as a fresh tmpfs instead of the root's own /tmp.
    pub tmpfs_tmp: bool,
    /// Cover the root with an in-memory overlay (else writes go through
    /// the gofer to the host).
    pub overlay: bool,
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
    /// The root filesystem could not be attached.
    #[error("root filesystem: the gofer failed to serve it ({0})")]
    Root(abi::Errno),
    /// The executable could not be run.
    #[error("{path}: {detail}")]
    Exec {
        /// The program.
        path: String,
        /// What went wrong.
        detail: String,
    },
    /// The task thread could not be started or died.
    #[error("task thread: {0}")]
    Thread(String),
}

/// Does what needs the host's /proc and /sys while they are still there:
/// the sandbox process calls it just before it confines itself (after
/// pivot_root there is neither, and the seccomp filter kills an open).
pub fn before_confinement() {
    // Where the host put the vDSO (/proc/self/maps).
    platform::vdso::init();
    // glibc malloc reads host files lazily in its per-thread arenas: the
    // CPU count (/sys/devices/system/cpu/online, /proc/stat) when a thread
    // needs a new arena, and /proc/sys/vm/overcommit_memory the first time
    // it shrinks an arena's heap, which under the filter kills the sandbox.
    // One arena (the main one, trimmed with brk) never does either; threads
    // still allocate from their own caches (tcache) without the lock, and
    // the syscall path does not allocate. Measured: no difference on the
    // benchmarks (futex and pipe ping-pong, fork, getdents).
    // SAFETY: mallopt takes integers and only sets a malloc parameter.
    unsafe { libc::mallopt(libc::M_ARENA_MAX, 1) };
    // A panic's backtrace would open /proc/self/exe to find symbols: the
    // filter would kill the process before it printed. Without it, a panic
    // prints its message and aborts. (The guest's environment is built
    // already.)
    std::env::remove_var("RUST_BACKTRACE");
    std::env::remove_var("RUST_LIB_BACKTRACE");
}

/// Boots a kernel, runs `init` to completion and returns its exit status.
pub fn run(config: KernelConfig, root: RootFs, init: InitProcess) -> Result<ExitStatus, BootError> {
    control::prepare(config, root, init)?.start()
}

fn new_init_task(kernel: Arc<Kernel>, root: RootFs, init: InitProcess) -> Result<Task, BootError> {
    let as_ = kernel.platform.new_address_space()?;
    kernel.procs.add_init(as_.host_pid(), as_.interrupter());
    let mm = Arc::new(MemoryManager::new(kernel.mf.clone()));
    let root_path = boot::mount_root(&kernel, root)?;
    let ctx = platform::Context::new(&as_);
    let mut fds = vfs::FdTable::default();
    for (i, fd) in init.stdio.into_iter().enumerate() {
        let flags = fsimpl::host::status_flags(&fd);
        let ops = Box::new(fsimpl::host::HostFile::new(fd));
        let file = vfs::FileDescription::new(ops, None, flags);
        fds.install_at(i, file, false);
    }
    let mut task = Task {
        kernel,
        ctx,
        as_,
        mm,
        fds: vfs::Fds::new(fds),
        fs: vfs::resolve::FsContext::new(root_path.clone(), root_path),
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
        exe_path: Vec::new(),
        argv_env: Arc::default(),
        rlimits: default_rlimits(),
        umask: 0o022,
        comm: [0; abi::file::TASK_COMM_LEN],
        exit: None,
        restart: None,
        saved_mask: None,
        thread_exit: false,
        pdeathsig: 0,
        dumpable: true,
        no_new_privs: false,
        nice: 0,
        personality: 0,
    };
    boot::mount_submounts(&task);
    let fail = |detail: String| BootError::Exec {
        path: String::from_utf8_lossy(&init.path).into_owned(),
        detail,
    };
    if let Ok(cwd) = vfs::resolve::lookup_at(&task, abi::file::AT_FDCWD, &init.cwd, true) {
        task.fs.set_cwd(cwd);
    }
    let path = boot::search_path(&task, &init.path, &init.envp)
        .map_err(|e| fail(format!("{e} (not found in the sandbox's root)")))?;
    task.exec(&path, init.argv, init.envp)
        .map_err(|e| fail(e.detail))?;
    task.publish();
    Ok(task)
}
