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

/// What to run as the sandbox's first process, or as a process started
/// later from outside (`runsc exec`).
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
    /// Supplementary groups.
    pub groups: Vec<u32>,
    /// Resource limits to set (RLIMIT_* index, soft and hard), over the
    /// sandbox's defaults.
    pub rlimits: Vec<(usize, abi::misc::Rlimit)>,
    /// Start with no_new_privs set (PR_GET_NO_NEW_PRIVS reads 1); it is
    /// inherited by children and kept across execve, as in Linux.
    pub no_new_privs: bool,
    /// The capability sets, as runc sets them before it runs the program
    /// (whose execve then computes the sets it runs with, as Linux's
    /// does); [`kernel::caps::ProcessCaps::FULL`] for a root shell's.
    pub caps: kernel::caps::ProcessCaps,
    /// Its stdin is its terminal: it becomes the controlling terminal of
    /// the process's session (which the process leads).
    pub terminal: bool,
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
    /// What is mounted over it, and how.
    pub layout: FsLayout,
    /// How the guest's ids appear on the host's files (a user namespace's
    /// mapping; the default is the identity).
    pub ids: gofer::IdMap,
}

/// The container's file system beyond its root directory: config.json's
/// `root.readonly`, `mounts`, `linux.maskedPaths` and
/// `linux.readonlyPaths`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FsLayout {
    /// The root mount is read-only (writes give EROFS).
    pub read_only: bool,
    /// The mounts, in order; None for the sandbox's own set (/proc, /dev,
    /// /dev/shm, /sys), which `runsc do` uses.
    pub mounts: Option<Vec<MountConfig>>,
    /// Paths hidden under /dev/null (files) or an empty read-only tmpfs
    /// (directories); missing ones are skipped.
    pub masked_paths: Vec<Vec<u8>>,
    /// Paths made read-only; missing ones are skipped.
    pub readonly_paths: Vec<Vec<u8>>,
}

/// A filesystem config.json's `mounts` asks for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MountConfig {
    /// Where: an absolute guest path (made if missing).
    pub destination: Vec<u8>,
    /// The spec's type ("proc", "sysfs", "tmpfs", "devpts", "mqueue",
    /// "bind", ...), as /proc/PID/mounts shows it.
    pub fstype: String,
    /// The spec's source, as /proc/PID/mounts shows it.
    pub source: String,
    /// The spec's options.
    pub options: Vec<String>,
    /// For a bind mount: which of the gofer's extra trees serves the host
    /// file or directory (`gofer::Client::attach_mount`).
    pub gofer_tree: Option<u32>,
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
    /// The working directory of a process started by `runsc exec` is
    /// not a directory it can enter.
    #[error("working directory {path}: {errno}")]
    Cwd {
        /// The directory.
        path: String,
        /// Why (ENOENT, ENOTDIR, EACCES, ...).
        errno: abi::Errno,
    },
    /// A mount of the container's spec could not be made.
    #[error("mount at {destination}: {detail}")]
    Mount {
        /// The mount's destination.
        destination: String,
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
    let as_ = kernel
        .platform
        .new_address_space_named(&kernel::exec::stub_name(&init.argv, &init.path))?;
    kernel.procs.add_init(as_.host_pid(), as_.interrupter());
    let RootFs {
        gofer,
        tmpfs_tmp,
        overlay,
        layout,
        ids,
    } = root;
    let client = Arc::new(gofer::Client::with_ids(gofer, ids));
    *kernel.tmpfs_tmp.lock().unwrap_or_else(|e| e.into_inner()) = tmpfs_tmp;
    let root_path = boot::mount_root(&kernel, &client, overlay, layout.read_only)?;
    let _ = kernel.root.set(root_path.clone());
    let InitProcess {
        path,
        argv,
        envp,
        cwd,
        stdio,
        uid,
        gid,
        groups,
        rlimits,
        no_new_privs,
        caps,
        terminal,
    } = init;
    let id = Identity {
        uid,
        gid,
        groups,
        rlimits,
        no_new_privs,
        caps,
    };
    let task = new_task(kernel, as_, 1, root_path, id);
    boot::mount_submounts(&task, &client, &layout)?;
    install_stdio(&task, stdio);
    // A console's pty, or the terminal `runsc do` runs in, controls
    // init's session.
    if terminal || task.fds.get(0).is_ok_and(|f| f.ops.terminal().is_some()) {
        take_terminal(&task);
    }
    load_program(task, &path, argv, envp, &cwd, false)
}

/// Makes `task`'s stdin, a terminal, the controlling terminal of its
/// session, with its process group in the foreground.
fn take_terminal(task: &Task) {
    let Ok(file) = task.fds.get(0) else {
        return;
    };
    if let Some(key) = kernel::process::terminal_key(&file) {
        if let Some((pgid, sid)) = task.kernel.procs.pgid_sid(task.tgid) {
            let _ = task.kernel.procs.set_ctty(sid, key, pgid);
        }
    }
}

/// Starts a new process in a running sandbox, from outside it (`runsc
/// exec`): its own session, no parent inside the sandbox (ppid 0), files
/// 0-2 from `spec.stdio`, the container's root. Returns its pid once its
/// program is loaded and it runs; it stays a zombie when it ends, for
/// [`kernel::process::ProcTable::reap`]. A program that cannot be found
/// or loaded is [`BootError::Exec`], and no process is left.
pub fn spawn_process(kernel: &Arc<Kernel>, spec: InitProcess) -> Result<i32, BootError> {
    let root = kernel
        .root
        .get()
        .cloned()
        .ok_or_else(|| BootError::Thread("the sandbox has no root filesystem yet".into()))?;
    let pid = kernel
        .procs
        .add_external()
        .ok_or_else(|| BootError::Thread("no free pid".into()))?;
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<(), BootError>>();
    let k = kernel.clone();
    let uid = spec.uid;
    let started = std::thread::Builder::new()
        .name(format!("task-{pid}"))
        .spawn(move || {
            // ptrace binds the stub to this thread: build and run here.
            let built = (|| {
                let as_ = k
                    .platform
                    .new_address_space_named(&kernel::exec::stub_name(&spec.argv, &spec.path))?;
                k.procs.set_stub(pid, as_.host_pid(), as_.interrupter());
                let InitProcess {
                    path,
                    argv,
                    envp,
                    cwd,
                    stdio,
                    uid,
                    gid,
                    groups,
                    rlimits,
                    no_new_privs,
                    caps,
                    terminal,
                } = spec;
                let id = Identity {
                    uid,
                    gid,
                    groups,
                    rlimits,
                    no_new_privs,
                    caps,
                };
                let task = new_task(k.clone(), as_, pid, root, id);
                install_stdio(&task, stdio);
                if terminal {
                    take_terminal(&task);
                }
                load_program(task, &path, argv, envp, &cwd, true)
            })();
            let st = match built {
                Ok(mut task) => {
                    let _ = ready_tx.send(Ok(()));
                    let st = task.run();
                    kernel::fork::finish(task, st)
                }
                Err(e) => {
                    let _ = ready_tx.send(Err(e));
                    let st = ExitStatus::Signaled(abi::signal::SIGKILL);
                    k.procs.thread_done(pid, pid, st)
                }
            };
            if let Some(st) = st {
                k.procs.exit(pid, st, uid);
            }
        });
    if let Err(e) = started {
        kernel
            .procs
            .exit(pid, ExitStatus::Signaled(abi::signal::SIGKILL), uid);
        kernel.procs.reap(pid);
        return Err(BootError::Thread(e.to_string()));
    }
    let res = ready_rx
        .recv()
        .unwrap_or_else(|_| Err(BootError::Thread("the task thread died".into())));
    if res.is_err() {
        // Its thread has marked it exited (or does so now).
        kernel.procs.wait_exit(pid);
        kernel.procs.reap(pid);
    }
    res.map(|()| pid)
}

/// Who a process started from outside runs as, and its limits.
struct Identity {
    uid: u32,
    gid: u32,
    groups: Vec<u32>,
    rlimits: Vec<(usize, abi::misc::Rlimit)>,
    no_new_privs: bool,
    caps: kernel::caps::ProcessCaps,
}

/// A task of a new process `pid` (its thread group's leader) with no
/// files yet, root and working directory `root`, and the given identity;
/// nothing loaded yet.
fn new_task(
    kernel: Arc<Kernel>,
    as_: platform::AddressSpace,
    pid: i32,
    root: vfs::VfsPath,
    id: Identity,
) -> Task {
    let mm = Arc::new(MemoryManager::new(kernel.mf.clone()));
    let ctx = platform::Context::new(&as_);
    let Identity {
        uid,
        gid,
        groups,
        rlimits: limits,
        no_new_privs,
        caps,
    } = id;
    let mut rlimits = default_rlimits();
    for (resource, limit) in limits {
        if let Some(r) = rlimits.get_mut(resource) {
            *r = limit;
        }
    }
    Task {
        kernel,
        ctx,
        as_,
        mm,
        fds: vfs::Fds::new(vfs::FdTable::default()),
        fs: vfs::resolve::FsContext::new(root.clone(), root),
        creds: Credentials::for_process(uid, gid, groups, &caps),
        signals: SignalState::default(),
        tid: pid,
        tgid: pid,
        ppid: 0,
        clear_child_tid: 0,
        robust_list: (0, 0),
        exe_path: Vec::new(),
        argv_env: Arc::default(),
        rlimits,
        umask: 0o022,
        comm: [0; abi::file::TASK_COMM_LEN],
        exit: None,
        restart: None,
        saved_mask: None,
        thread_exit: false,
        pdeathsig: 0,
        dumpable: true,
        no_new_privs,
        nice: 0,
        personality: 0,
    }
}

/// Installs `stdio` as files 0-2 of `task` (once /dev is mounted: a
/// terminal among them is named in it).
fn install_stdio(task: &Task, stdio: [OwnedFd; 3]) {
    for (i, fd) in stdio.into_iter().enumerate() {
        task.fds.install_at(i, boot::stdio_file(task, fd), false);
    }
}

/// Enters `cwd` and execs `path` (searched in the PATH of `envp` when it
/// has no '/') in `task`. A `cwd` that cannot be entered is an error when
/// `strict` (exec), else the root stays the working directory (init, as
/// before).
fn load_program(
    mut task: Task,
    path: &[u8],
    argv: Vec<Vec<u8>>,
    envp: Vec<Vec<u8>>,
    cwd: &[u8],
    strict: bool,
) -> Result<Task, BootError> {
    let fail = |detail: String| BootError::Exec {
        path: String::from_utf8_lossy(path).into_owned(),
        detail,
    };
    let dir = vfs::resolve::lookup_at(&task, abi::file::AT_FDCWD, cwd, true).and_then(|d| {
        if vfs::is_dir(d.inode().mode()) {
            vfs::resolve::may_search(&task, &d).map(|()| d)
        } else {
            Err(abi::Errno::ENOTDIR)
        }
    });
    match dir {
        Ok(d) => task.fs.set_cwd(d),
        Err(errno) if strict => {
            return Err(BootError::Cwd {
                path: String::from_utf8_lossy(cwd).into_owned(),
                errno,
            })
        }
        Err(_) => {}
    }
    let found = boot::search_path(&task, path, &envp)
        .map_err(|e| fail(format!("{e} (not found in the sandbox's root)")))?;
    task.exec(&found, argv, envp).map_err(|e| fail(e.detail))?;
    task.publish();
    Ok(task)
}
