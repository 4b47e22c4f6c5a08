//! What the gofer process does to itself before serving.
//!
//! [`confine`] gives the process private mount, network, ipc and uts
//! namespaces, the mount namespace's root being the served directory, so even a bug in the server's path handling cannot name
//! a host file outside it. [`install_seccomp`] then limits the process to the
//! system calls [`crate::serve`] makes ([`GOFER_SYSCALLS`]).

use std::ffi::{CStr, CString};
use std::io;
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use seccompiler::{BpfProgram, SeccompAction, SeccompFilter, TargetArch};

use crate::server::MountRoot;
use crate::sys;

fn step_err(step: &str) -> io::Error {
    let e = io::Error::last_os_error();
    io::Error::new(e.kind(), format!("{step}: {e}"))
}

fn check(ret: libc::c_int, step: &str) -> io::Result<()> {
    if ret < 0 {
        Err(step_err(step))
    } else {
        Ok(())
    }
}

/// `mount(2)` with optional source and type.
fn mount(src: Option<&CStr>, target: &CStr, flags: libc::c_ulong, step: &str) -> io::Result<()> {
    let src = src.map_or(std::ptr::null(), CStr::as_ptr);
    // SAFETY: every pointer is either null or a valid NUL-terminated string
    // that outlives the call; no data argument is passed.
    let r = unsafe {
        libc::mount(
            src,
            target.as_ptr(),
            std::ptr::null(),
            flags,
            std::ptr::null(),
        )
    };
    check(r, step)
}

/// Where the served tree is attached before pivot_root (inside a tmpfs
/// mounted over /proc in the gofer's private mount namespace only).
const STAGING: &std::ffi::CStr = c"/proc";
const STAGING_ROOT: &std::ffi::CStr = c"/proc/root";
const OPEN_TREE_CLONE: u32 = 1;
const AT_RECURSIVE: u32 = 0x8000;
const MOVE_MOUNT_F_EMPTY_PATH: u32 = 4;
const MOUNT_ATTR_RDONLY: u64 = 1;

/// `struct mount_attr` of mount_setattr(2).
#[repr(C)]
struct MountAttr {
    attr_set: u64,
    attr_clr: u64,
    propagation: u64,
    userns_fd: u64,
}

fn mount_fs(
    src: &std::ffi::CStr,
    target: &std::ffi::CStr,
    fstype: &std::ffi::CStr,
    what: &str,
) -> io::Result<()> {
    // SAFETY: valid C strings; no data argument.
    let r = unsafe {
        libc::mount(
            src.as_ptr(),
            target.as_ptr(),
            fstype.as_ptr(),
            libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC,
            std::ptr::null(),
        )
    };
    check(r, what)
}

/// A host file or directory the gofer serves besides its root (an OCI
/// bind mount); [`confine_mounts`] makes it a [`MountRoot`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BindSource {
    /// The host path (symlinks in it are followed, as mount(2) does).
    pub path: PathBuf,
    /// Serve it read-only (the host mount is made read-only too).
    pub read_only: bool,
}

fn cpath(path: &Path) -> io::Result<CString> {
    CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "path holds a NUL"))
}

/// A detached recursive clone of the mount tree at `path` (which may be a
/// file), read-only throughout if asked.
pub fn clone_tree(path: &CStr, read_only: bool, what: &str) -> io::Result<OwnedFd> {
    // SAFETY: open_tree with a valid C string and flags.
    let tree = unsafe {
        libc::syscall(
            libc::SYS_open_tree,
            libc::AT_FDCWD,
            path.as_ptr(),
            OPEN_TREE_CLONE | libc::O_CLOEXEC as u32 | AT_RECURSIVE,
        )
    };
    if tree < 0 {
        return Err(step_err(&format!("open_tree of {what}")));
    }
    // SAFETY: open_tree returned a new fd we now own.
    let tree = unsafe { OwnedFd::from_raw_fd(tree as i32) };
    if read_only {
        set_read_only(&tree, AT_RECURSIVE, what)?;
    }
    Ok(tree)
}

/// Makes the detached mount `tree` read-only (its submounts too with
/// `AT_RECURSIVE` in `extra_flags`).
fn set_read_only(tree: &OwnedFd, extra_flags: u32, what: &str) -> io::Result<()> {
    let attr = MountAttr {
        attr_set: MOUNT_ATTR_RDONLY,
        attr_clr: 0,
        propagation: 0,
        userns_fd: 0,
    };
    // SAFETY: mount_setattr on our detached tree with a valid struct.
    let r = unsafe {
        libc::syscall(
            libc::SYS_mount_setattr,
            tree.as_raw_fd(),
            c"".as_ptr(),
            libc::AT_EMPTY_PATH as u32 | extra_flags,
            &attr as *const MountAttr,
            std::mem::size_of::<MountAttr>(),
        )
    };
    if r < 0 {
        return Err(step_err(&format!("make {what} read-only")));
    }
    Ok(())
}

/// Attaches the detached mount `tree` at `target` (relative to the
/// working directory).
pub fn attach(tree: &OwnedFd, target: &CStr, what: &str) -> io::Result<()> {
    // SAFETY: move_mount of our detached tree onto a valid path.
    let r = unsafe {
        libc::syscall(
            libc::SYS_move_mount,
            tree.as_raw_fd(),
            c"".as_ptr(),
            libc::AT_FDCWD,
            target.as_ptr(),
            MOVE_MOUNT_F_EMPTY_PATH,
        )
    };
    if r < 0 {
        return Err(step_err(&format!("attach {what}")));
    }
    Ok(())
}

/// Name of a single-file tree's file in its holder directory.
const BIND_FILE: &CStr = c"file";

/// A file tree (a detached clone of a bind-mounted file) made servable:
/// attached as the only entry ([`BIND_FILE`]) of a fresh tmpfs at
/// `holder` (in the staging tmpfs), and that tmpfs cloned, file mount
/// and all, into a detached tree of its own, read-only at its top. The
/// server opens the file by holder fd and name, as it opens every file,
/// and the gofer never sees the file's host siblings.
fn hold_file(tree: &OwnedFd, holder: &CStr, what: &str) -> io::Result<MountRoot> {
    // SAFETY: valid C string.
    let r = unsafe { libc::mkdir(holder.as_ptr(), 0o700) };
    check(r, "mkdir bind holder")?;
    mount_fs(c"tmpfs", holder, c"tmpfs", "mount a bind holder tmpfs")?;
    let mut file = holder.to_bytes().to_vec();
    file.push(b'/');
    file.extend_from_slice(BIND_FILE.to_bytes());
    let file = CString::new(file).map_err(|_| io::Error::other("holder path holds a NUL"))?;
    // SAFETY: open of a valid C string with O_CREAT and a mode.
    let fd = unsafe {
        libc::open(
            file.as_ptr(),
            libc::O_CREAT | libc::O_WRONLY | libc::O_CLOEXEC,
            0o600 as libc::c_uint,
        )
    };
    check(fd, "create the bind mount point")?;
    // SAFETY: closing the fd open just returned, once.
    unsafe { libc::close(fd) };
    attach(tree, &file, what)?;
    let held = clone_tree(holder, false, what)?;
    set_read_only(&held, 0, what)?;
    Ok(MountRoot {
        fd: held,
        file: Some(BIND_FILE.to_owned()),
        read_only: false,
    })
}

/// Make `root_path` this process's whole file system view: a new mount
/// namespace (and new network, ipc and uts ones), a recursive clone of
/// `root_path` (read-only throughout if asked),
/// pivoted to be `/`, and the old root detached. Returns an
/// `O_PATH | O_DIRECTORY` fd of the new root, ready for [`crate::serve`].
///
/// Needs `CAP_SYS_ADMIN`. Call it in the gofer process only (it changes the
/// calling thread's root and working directory, and, with other threads
/// around, only the calling thread's mount namespace).
pub fn confine(root_path: &Path, read_only: bool) -> io::Result<OwnedFd> {
    confine_mounts(root_path, read_only, &[]).map(|(root, _)| root)
}

/// [`confine`], and also clones each of `binds` (before anything else is
/// mounted, so no clone holds the gofer's own scratch mounts) into a
/// detached tree the gofer keeps, reachable only through the fds
/// returned, in order, for [`crate::serve_mounts`].
pub fn confine_mounts(
    root_path: &Path,
    read_only: bool,
    binds: &[BindSource],
) -> io::Result<(OwnedFd, Vec<MountRoot>)> {
    let root = cpath(root_path)?;
    // A private mount namespace for the pivot; the gofer needs no network,
    // no System V IPC and no host name either.
    // SAFETY: unshare takes only flags.
    let r = unsafe {
        libc::unshare(
            libc::CLONE_NEWNS | libc::CLONE_NEWNET | libc::CLONE_NEWIPC | libc::CLONE_NEWUTS,
        )
    };
    check(r, "unshare mount, network, ipc and uts namespaces")?;
    // Nothing we mount from here on may propagate back to the host.
    mount(
        None,
        c"/",
        libc::MS_REC | libc::MS_PRIVATE,
        "make / private",
    )?;
    // Clone the served tree (with its submounts) as a detached mount, so
    // that what we mount below never shows up inside it.
    let tree = clone_tree(&root, read_only, "the root")?;
    let mut bind_trees = Vec::with_capacity(binds.len());
    for b in binds {
        let what = format!("bind mount source {}", b.path.display());
        let t = clone_tree(&cpath(&b.path)?, b.read_only, &what)?;
        let is_dir = sys::fstat(t.as_fd())
            .map_err(io::Error::from_raw_os_error)?
            .is_dir();
        bind_trees.push((t, is_dir, b.read_only, what));
    }
    // A scratch tmpfs (in this private namespace only) to attach the tree
    // to, since pivot_root needs a mount point other than the current root.
    mount_fs(c"tmpfs", STAGING, c"tmpfs", "mount the staging tmpfs")?;
    let mut mounts = Vec::with_capacity(bind_trees.len());
    for (i, (t, is_dir, ro, what)) in bind_trees.into_iter().enumerate() {
        let m = if is_dir {
            MountRoot {
                fd: t,
                file: None,
                read_only: ro,
            }
        } else {
            let holder = CString::new(format!("{}/bind{i}", STAGING.to_string_lossy()))
                .map_err(|_| io::Error::other("holder path holds a NUL"))?;
            MountRoot {
                read_only: ro,
                ..hold_file(&t, &holder, &what)?
            }
        };
        mounts.push(m);
    }
    // SAFETY: valid C string.
    let r = unsafe { libc::mkdir(STAGING_ROOT.as_ptr(), 0o700) };
    check(r, "mkdir staging root")?;
    attach(&tree, STAGING_ROOT, "the root")?;
    drop(tree);
    let root = STAGING_ROOT.to_owned();
    // SAFETY: valid C string.
    check(unsafe { libc::chdir(root.as_ptr()) }, "chdir to root")?;
    // pivot_root(".", "."): the old root ends up stacked on top of the new
    // one at "/", from where it is detached.
    // SAFETY: two valid C strings.
    let r = unsafe { libc::syscall(libc::SYS_pivot_root, c".".as_ptr(), c".".as_ptr()) };
    if r < 0 {
        return Err(step_err("pivot_root"));
    }
    // SAFETY: valid C string.
    let r = unsafe { libc::umount2(c".".as_ptr(), libc::MNT_DETACH) };
    check(r, "detach old root")?;
    // SAFETY: valid C string.
    check(unsafe { libc::chdir(c"/".as_ptr()) }, "chdir to new root")?;
    let root =
        sys::open_path(c"/", libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC).map_err(|e| {
            io::Error::new(
                io::Error::from_raw_os_error(e).kind(),
                format!("open new root: {}", io::Error::from_raw_os_error(e)),
            )
        })?;
    Ok((root, mounts))
}

/// Capabilities the gofer keeps after [`drop_capabilities`]: enough to act
/// for any guest user on the files it serves (ownership changes, permission
/// overrides, linking an fd by `AT_EMPTY_PATH`, keeping set-id bits).
pub const KEPT_CAPABILITIES: &[u32] = &[
    0, // CAP_CHOWN: create/mkdir/setattr owner
    1, // CAP_DAC_OVERRIDE: open and modify files of any guest user
    2, // CAP_DAC_READ_SEARCH: linkat(AT_EMPTY_PATH), walking 0700 dirs
    3, // CAP_FOWNER: chmod, utimes, xattrs on files the gofer does not own
    4, // CAP_FSETID: keep set-id bits across chmod and writes
];

const LINUX_CAPABILITY_VERSION_3: u32 = 0x2008_0522;

#[repr(C)]
struct CapHeader {
    version: u32,
    pid: libc::c_int,
}

#[repr(C)]
#[derive(Clone, Copy, Default)]
struct CapData {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

/// Drop every capability but [`KEPT_CAPABILITIES`] from the bounding,
/// ambient, effective, permitted and inheritable sets of the calling thread.
/// Call it after [`confine`] (which needs `CAP_SYS_ADMIN`) and before
/// [`install_seccomp`] (whose allowlist has neither `prctl` nor `capset`).
pub fn drop_capabilities() -> io::Result<()> {
    drop_capabilities_except(KEPT_CAPABILITIES)
}

/// Drop every capability but `kept` from the bounding, ambient, effective,
/// permitted and inheritable sets of the calling thread (`&[]`: all of
/// them; runsc uses that for the sandbox process). Needs `CAP_SETPCAP` for
/// the bounding set.
pub fn drop_capabilities_except(kept_caps: &[u32]) -> io::Result<()> {
    let kept = |cap: u32| kept_caps.contains(&cap);
    // /proc may be gone after confine: try every number a kernel could
    // define; EINVAL marks the end of the kernel's list.
    for cap in 0..64u32 {
        if kept(cap) {
            continue;
        }
        // SAFETY: prctl with integer arguments only.
        let r = unsafe { libc::prctl(libc::PR_CAPBSET_DROP, cap as libc::c_ulong, 0, 0, 0) };
        if r < 0 {
            let e = io::Error::last_os_error();
            if e.raw_os_error() == Some(libc::EINVAL) {
                break;
            }
            return Err(io::Error::new(
                e.kind(),
                format!("drop bounding capability {cap}: {e}"),
            ));
        }
    }
    // SAFETY: prctl with integer arguments only.
    let r = unsafe {
        libc::prctl(
            libc::PR_CAP_AMBIENT,
            libc::PR_CAP_AMBIENT_CLEAR_ALL as libc::c_ulong,
            0,
            0,
            0,
        )
    };
    if r < 0 && io::Error::last_os_error().raw_os_error() != Some(libc::EINVAL) {
        return Err(step_err("clear ambient capabilities"));
    }
    let mut data = [CapData::default(); 2];
    for &cap in kept_caps {
        let d = &mut data[(cap / 32) as usize];
        d.effective |= 1 << (cap % 32);
        d.permitted |= 1 << (cap % 32);
    }
    let mut header = CapHeader {
        version: LINUX_CAPABILITY_VERSION_3,
        pid: 0,
    };
    // SAFETY: `header` and `data` are the v3 layout the kernel expects (one
    // header, two data words) and live across the call.
    let r = unsafe { libc::syscall(libc::SYS_capset, &mut header, data.as_ptr()) };
    if r < 0 {
        return Err(step_err("capset"));
    }
    Ok(())
}

/// The system calls [`crate::serve`] and the Rust runtime under it make,
/// each with why. Everything else fails with EPERM (or is logged, in
/// [`install_seccomp_log`]).
pub const GOFER_SYSCALLS: &[(libc::c_long, &str)] = &[
    // The connection.
    (libc::SYS_recvmsg, "recvmsg: requests"),
    (libc::SYS_sendmsg, "sendmsg: replies and donated fds"),
    (libc::SYS_close, "close"),
    // File system requests.
    (
        libc::SYS_openat,
        "openat: walk (O_PATH), open, create, reopen",
    ),
    (
        libc::SYS_newfstatat,
        "newfstatat: attributes via AT_EMPTY_PATH",
    ),
    (libc::SYS_fstat, "fstat: libc's fstat on some versions"),
    (libc::SYS_statx, "statx: std's metadata"),
    (libc::SYS_getdents64, "getdents64: getdents"),
    (libc::SYS_lseek, "lseek: getdents cookie"),
    (libc::SYS_readlinkat, "readlinkat: readlink"),
    (libc::SYS_mkdirat, "mkdirat: mkdir"),
    (libc::SYS_mknodat, "mknodat: mknod (fifo, regular)"),
    (libc::SYS_symlinkat, "symlinkat: symlink"),
    (libc::SYS_linkat, "linkat: link"),
    (libc::SYS_unlinkat, "unlinkat: unlink, rmdir"),
    (libc::SYS_renameat2, "renameat2: rename"),
    (libc::SYS_fchmod, "fchmod: setattr mode on an opened dir"),
    (
        libc::SYS_fchmodat,
        "fchmodat: setattr mode before Linux 6.6",
    ),
    (
        sys::SYS_FCHMODAT2,
        "fchmodat2: setattr mode on an O_PATH fd",
    ),
    (libc::SYS_fchownat, "fchownat: setattr owner, create owner"),
    (libc::SYS_fchown, "fchown: libc's fchown"),
    (libc::SYS_ftruncate, "ftruncate: setattr size, O_TRUNC"),
    (libc::SYS_utimensat, "utimensat: setattr times"),
    (libc::SYS_fstatfs, "fstatfs: statfs"),
    (libc::SYS_fgetxattr, "fgetxattr"),
    (libc::SYS_fsetxattr, "fsetxattr"),
    (libc::SYS_flistxattr, "flistxattr"),
    (libc::SYS_fremovexattr, "fremovexattr"),
    (libc::SYS_fcntl, "fcntl: fd flags, std's fd duplication"),
    // Memory (the allocator).
    (libc::SYS_mmap, "mmap"),
    (libc::SYS_munmap, "munmap"),
    (libc::SYS_mremap, "mremap: Vec growth"),
    (libc::SYS_mprotect, "mprotect: glibc malloc arena growth"),
    (libc::SYS_madvise, "madvise: allocator trimming"),
    (libc::SYS_brk, "brk"),
    // Runtime.
    (libc::SYS_read, "read"),
    (libc::SYS_write, "write: diagnostics to stderr"),
    (libc::SYS_writev, "writev: diagnostics to stderr"),
    (libc::SYS_futex, "futex: std locks"),
    (libc::SYS_getrandom, "getrandom: HashMap keys"),
    (libc::SYS_clock_gettime, "clock_gettime"),
    (libc::SYS_sched_yield, "sched_yield: spin locks"),
    (libc::SYS_restart_syscall, "restart_syscall"),
    (libc::SYS_rt_sigreturn, "rt_sigreturn"),
    (libc::SYS_rt_sigprocmask, "rt_sigprocmask: abort"),
    (
        libc::SYS_sigaltstack,
        "sigaltstack: std's stack overflow handler",
    ),
    (libc::SYS_getpid, "getpid: abort"),
    (libc::SYS_gettid, "gettid: abort"),
    (libc::SYS_tgkill, "tgkill: abort raises SIGABRT"),
    (libc::SYS_exit, "exit"),
    (libc::SYS_exit_group, "exit_group"),
];

/// Compile the gofer's allowlist with `mismatch` for everything else.
fn gofer_filter(mismatch: SeccompAction) -> io::Result<BpfProgram> {
    let arch = TargetArch::try_from(std::env::consts::ARCH)
        .map_err(|e| io::Error::new(io::ErrorKind::Unsupported, format!("seccomp arch: {e}")))?;
    // An empty rule list allows the syscall whatever its arguments.
    let rules = GOFER_SYSCALLS
        .iter()
        .map(|&(nr, _)| (nr, Vec::new()))
        .collect();
    let filter = SeccompFilter::new(rules, mismatch, SeccompAction::Allow, arch)
        .map_err(|e| io::Error::other(format!("seccomp filter: {e}")))?;
    BpfProgram::try_from(filter).map_err(|e| io::Error::other(format!("seccomp compile: {e}")))
}

fn install(mismatch: SeccompAction) -> io::Result<()> {
    let prog = gofer_filter(mismatch)?;
    // SAFETY: prctl with integer arguments only.
    let r = unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) };
    check(r, "set no_new_privs")?;
    // All threads: the gofer's threads all serve the same peer.
    seccompiler::apply_filter_all_threads(&prog)
        .map_err(|e| io::Error::other(format!("seccomp install: {e}")))
}

/// Set `no_new_privs` and install the gofer's system call allowlist on every
/// thread of the process; any other system call fails with EPERM. Irrevocable:
/// call it only in the gofer process, after [`confine`].
pub fn install_seccomp() -> io::Result<()> {
    install(SeccompAction::Errno(libc::EPERM as u32))
}

/// Like [`install_seccomp`] but only logs (to the kernel audit log) system
/// calls outside the allowlist: for finding a missing entry.
pub fn install_seccomp_log() -> io::Result<()> {
    install(SeccompAction::Log)
}
