//! What the sandbox process (the sentry: `runsc boot`, or the child of
//! `runsc do`) does to itself before the first guest instruction runs
//! (DESIGN.md §1, docs/threat-model.md):
//!
//! 1. It is created as the init of a fresh pid namespace
//!    ([`with_new_pid_ns`], [`fork_sandbox`]), so its stubs (forks of its
//!    threads) are there too, can name no host process, and die with it.
//! 2. [`enter`], once it holds every host resource it needs (the gofer
//!    started, the memory file, the vDSO found, the control socket bound,
//!    the exit and log files and stdio open): a user namespace in which it
//!    runs as nobody (uid and gid 65534, mapped to the host's nobody; the
//!    namespace is owned by root, so host processes running as nobody get
//!    no power over it); fresh mount, ipc, uts, cgroup and (unless the
//!    network is the host's, or a path to join was given) network
//!    namespaces; a pivot_root into an empty, read-only tmpfs; no
//!    supplementary groups, no capabilities at all, no_new_privs. The
//!    sentry's seccomp allowlist (sentry::confine) follows in
//!    `sentry::control::prepare`.
//!
//! Where the kernel refuses a user namespace, [`enter`] goes on without one
//! and the sentry stays uid 0 with an empty capability set (see
//! docs/threat-model.md). `RUNSC_NO_USERNS=1` forces that path.
//!
//! All of this runs while the process is single-threaded: unshare of a
//! user or mount namespace, and the fork of a helper, need that.

use std::ffi::CStr;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

/// A confinement step failed.
#[derive(Debug, thiserror::Error)]
#[error("confining the sandbox: {step}: {source}")]
pub struct ConfineError {
    /// What was being done.
    step: &'static str,
    /// The host's error.
    #[source]
    source: io::Error,
}

fn err(step: &'static str, source: io::Error) -> ConfineError {
    ConfineError { step, source }
}

fn last(step: &'static str) -> ConfineError {
    err(step, io::Error::last_os_error())
}

fn check(r: libc::c_long, step: &'static str) -> Result<(), ConfineError> {
    if r < 0 {
        Err(last(step))
    } else {
        Ok(())
    }
}

/// The uid and gid the sentry runs as, inside its user namespace and on
/// the host: nobody.
pub const SANDBOX_ID: u32 = 65534;

/// The network namespace the sentry gets.
#[derive(Debug)]
pub enum Network {
    /// A fresh, empty one (`--network=sandbox|none`).
    New,
    /// The caller's (`--network=host`).
    Host,
    /// This one (the OCI spec's network namespace path, opened).
    Join(OwnedFd),
}

/// What [`enter`] does beyond the fixed steps.
#[derive(Debug)]
pub struct Options {
    /// The network namespace.
    pub network: Network,
    /// A pipe read end whose writer is the parent (`runsc do`): the sentry
    /// dies with it (the parent-death signal, which a change of uid
    /// clears, is set again after that change).
    pub lifeline: Option<OwnedFd>,
}

/// What [`enter`] achieved.
#[derive(Debug)]
pub struct Confined {
    /// Whether the process is in its own user namespace (as nobody).
    pub user_ns: bool,
    /// Kept open for as long as the sandbox lives (see [`Options::lifeline`]).
    _lifeline: Option<OwnedFd>,
}

fn open(path: &CStr, flags: libc::c_int, step: &'static str) -> Result<OwnedFd, ConfineError> {
    // SAFETY: a valid C string; open returns a new fd or -1.
    let fd = unsafe { libc::open(path.as_ptr(), flags | libc::O_CLOEXEC) };
    if fd < 0 {
        return Err(last(step));
    }
    // SAFETY: open just returned this fd; nothing else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

fn pipe(step: &'static str) -> Result<(OwnedFd, OwnedFd), ConfineError> {
    let mut fds = [0; 2];
    // SAFETY: pipe2 writes two fds into a valid array.
    let r = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) };
    check(r.into(), step)?;
    // SAFETY: pipe2 succeeded: both fds are new and ours alone.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// Runs `spawn` while this process's new children go into a fresh pid
/// namespace, so that the one process `spawn` starts is its init; then
/// puts this process's children back into its own namespace (a process
/// whose children's namespace differs from its own cannot make threads).
pub fn with_new_pid_ns<T>(spawn: impl FnOnce() -> T) -> Result<T, ConfineError> {
    let own = open(
        c"/proc/self/ns/pid",
        libc::O_RDONLY,
        "open /proc/self/ns/pid",
    )?;
    // SAFETY: unshare takes flags only.
    let r = unsafe { libc::unshare(libc::CLONE_NEWPID) };
    check(r.into(), "unshare a pid namespace")?;
    let t = spawn();
    // SAFETY: setns on an fd we own.
    let r = unsafe { libc::setns(own.as_raw_fd(), libc::CLONE_NEWPID) };
    check(r.into(), "return to the caller's pid namespace")?;
    Ok(t)
}

/// Which side of [`fork_sandbox`] this is.
#[derive(Debug)]
pub enum Forked {
    /// The caller, which waits for `pid` (its child) and holds the
    /// lifeline's write end until it exits.
    Parent {
        /// The sandbox's host pid.
        pid: i32,
        /// Dropped when the parent exits, which the child watches.
        lifeline: OwnedFd,
    },
    /// The sandbox: init of a fresh pid namespace, dying with its parent.
    Child {
        /// For [`Options::lifeline`].
        lifeline: OwnedFd,
    },
}

/// Forks the sandbox process (for `runsc do`) as init of a fresh pid
/// namespace. Call it single-threaded.
pub fn fork_sandbox() -> Result<Forked, ConfineError> {
    let (life_r, life_w) = pipe("lifeline pipe")?;
    let own = open(
        c"/proc/self/ns/pid",
        libc::O_RDONLY,
        "open /proc/self/ns/pid",
    )?;
    // SAFETY: unshare takes flags only.
    let r = unsafe { libc::unshare(libc::CLONE_NEWPID) };
    check(r.into(), "unshare a pid namespace")?;
    // SAFETY: the caller is single-threaded, so the child may run any code.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(last("fork the sandbox"));
    }
    if pid == 0 {
        drop(life_w);
        drop(own);
        die_with_parent(&life_r)?;
        return Ok(Forked::Child { lifeline: life_r });
    }
    drop(life_r);
    // SAFETY: setns on an fd we own.
    let r = unsafe { libc::setns(own.as_raw_fd(), libc::CLONE_NEWPID) };
    check(r.into(), "return to the caller's pid namespace")?;
    Ok(Forked::Parent {
        pid,
        lifeline: life_w,
    })
}

/// Waits for child `pid`; returns its status as a shell reports it.
pub fn wait_exit(pid: i32) -> io::Result<i32> {
    let mut status = 0;
    loop {
        // SAFETY: waiting for our own child with a valid status pointer.
        let r = unsafe { libc::waitpid(pid, &mut status, 0) };
        if r == pid {
            break;
        }
        let e = io::Error::last_os_error();
        if e.raw_os_error() != Some(libc::EINTR) {
            return Err(e);
        }
    }
    Ok(if libc::WIFSIGNALED(status) {
        128 + libc::WTERMSIG(status)
    } else {
        libc::WEXITSTATUS(status)
    })
}

/// SIGKILL when the parent ends; if it has already ended (the lifeline's
/// writer is gone), exit now.
fn die_with_parent(lifeline: &OwnedFd) -> Result<(), ConfineError> {
    // SAFETY: prctl with integer arguments only.
    let r = unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) };
    check(r.into(), "set the parent-death signal")?;
    let mut p = libc::pollfd {
        fd: lifeline.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd, zero timeout.
    let r = unsafe { libc::poll(&mut p, 1, 0) };
    if r > 0 && p.revents & libc::POLLHUP != 0 {
        // SAFETY: _exit ends the process at once; nothing of it is shared.
        unsafe { libc::_exit(128 + libc::SIGKILL) };
    }
    Ok(())
}

/// Confines the calling process (see the module doc). Call it
/// single-threaded, after everything the sandbox needs from the host is
/// open; the seccomp filter comes after it.
pub fn enter(opts: Options) -> Result<Confined, ConfineError> {
    ensure_single_threaded()?;
    // Root's supplementary groups would survive into the user namespace
    // (as unmapped ids that still grant group access); drop them here,
    // where it is allowed.
    // SAFETY: setgroups with an empty list.
    let r = unsafe { libc::setgroups(0, std::ptr::null()) };
    check(r.into(), "clear supplementary groups")?;
    if let Network::Join(ns) = &opts.network {
        // Before the user namespace: joining needs CAP_SYS_ADMIN over the
        // namespace's owner, the host's user namespace.
        // SAFETY: setns on an fd the caller opened.
        let r = unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) };
        check(r.into(), "join the network namespace")?;
    }
    // While still root in the host's user namespace, which owns the
    // sandbox's pid namespace: only it may mount that namespace's proc.
    let own_proc = mount_own_proc();
    let helper = start_user_ns()?;
    let mut flags =
        libc::CLONE_NEWNS | libc::CLONE_NEWIPC | libc::CLONE_NEWUTS | libc::CLONE_NEWCGROUP;
    if matches!(opts.network, Network::New) {
        flags |= libc::CLONE_NEWNET;
    }
    // SAFETY: unshare takes flags only.
    let r = unsafe { libc::unshare(flags) };
    check(
        r.into(),
        "unshare mount, ipc, uts, cgroup and network namespaces",
    )?;
    // A detached copy of the sandbox's proc mount, for its root.
    let proc_tree = own_proc
        .then(|| gofer::confine::clone_tree(c"/proc", false, "the sandbox's proc").ok())
        .flatten();
    let user_ns = helper.is_some();
    if let Some(h) = helper {
        // The maps must be there before the uid changes, and before the
        // root gets its `proc` directory, made as the mapped user (root's
        // own ids are unmapped here: EOVERFLOW).
        h.wait()?;
        // SAFETY: setfsuid/setfsgid take ids only; CAP_SETUID and
        // CAP_SETGID are ours in the new user namespace.
        unsafe {
            libc::setfsgid(SANDBOX_ID);
            libc::setfsuid(SANDBOX_ID);
        }
    }
    pivot_to_empty_root(proc_tree)?;
    ignore_job_control_signals();
    drop_privileges(user_ns)?;
    if let Some(l) = &opts.lifeline {
        die_with_parent(l)?;
    }
    Ok(Confined {
        user_ns,
        _lifeline: opts.lifeline,
    })
}

/// The sandbox is its pid namespace's init, which the kernel never stops
/// for job control: a read of the terminal from the background would be
/// retried forever on SIGTTIN. Ignored, such a read fails with EIO (and a
/// write goes through), as for any process that ignores them.
fn ignore_job_control_signals() {
    for sig in [libc::SIGTTIN, libc::SIGTTOU, libc::SIGTSTP] {
        // SAFETY: setting a disposition to SIG_IGN installs no handler.
        unsafe { libc::signal(sig, libc::SIG_IGN) };
    }
}

fn ensure_single_threaded() -> Result<(), ConfineError> {
    let status = std::fs::read_to_string("/proc/self/status")
        .map_err(|e| err("read /proc/self/status", e))?;
    let threads = status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .map(str::trim);
    if threads != Some("1") {
        return Err(err(
            "check that the process is single-threaded",
            io::Error::other(format!("{} threads", threads.unwrap_or("?"))),
        ));
    }
    Ok(())
}

/// Where the helper reports a failure: the step and the errno.
const HELPER_STEPS: [&str; 4] = [
    "wait for the sandbox",
    "write setgroups",
    "write uid_map",
    "write gid_map",
];

/// The helper that writes the id maps of the sandbox's user namespace.
struct IdMapHelper {
    pid: i32,
    report: OwnedFd,
}

impl IdMapHelper {
    /// Waits until the maps are written (or why not).
    fn wait(self) -> Result<(), ConfineError> {
        let mut report = [0u32; 2];
        // SAFETY: read of up to 8 bytes into a local array.
        let n = unsafe { libc::read(self.report.as_raw_fd(), report.as_mut_ptr().cast(), 8) };
        let _ = wait_exit(self.pid);
        match (n, report) {
            (8, [0, _]) => Ok(()),
            (8, [step, errno]) => Err(err(
                HELPER_STEPS[(step as usize).clamp(1, HELPER_STEPS.len()) - 1],
                io::Error::from_raw_os_error(errno as i32),
            )),
            _ => Err(err(
                "write the user namespace's id maps",
                io::Error::other("the helper died"),
            )),
        }
    }
}

/// Moves the process into a new user namespace, where it is to become
/// nobody. Only a process with CAP_SETUID in the parent namespace may map
/// an id other than its own, so a forked helper (still root on the host)
/// writes the maps once the namespace exists, while this process goes on
/// (the other namespaces and the root need only the capabilities it has
/// in the new namespace at once); [`IdMapHelper::wait`] before the uid
/// changes. Returns None when the kernel does not allow user namespaces
/// (the caller goes on without).
fn start_user_ns() -> Result<Option<IdMapHelper>, ConfineError> {
    if std::env::var_os("RUNSC_NO_USERNS").is_some_and(|v| !v.is_empty() && v != "0") {
        return Ok(None);
    }
    // The helper reaches this process's /proc entry through this fd: in
    // the new pid namespace our pid is 1, which on the host's /proc is
    // someone else.
    let me = open(
        c"/proc/self",
        libc::O_PATH | libc::O_DIRECTORY,
        "open /proc/self",
    )?;
    let (go_r, go_w) = pipe("helper pipe")?;
    let (res_r, res_w) = pipe("helper pipe")?;
    let id_map = format!("{SANDBOX_ID} {SANDBOX_ID} 1\n");
    // SAFETY: the process is single-threaded (checked by the caller), so
    // the child may run any code; it makes only raw syscalls and _exits.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(last("fork the id-map helper"));
    }
    if pid == 0 {
        drop(go_w);
        drop(res_r);
        let (step, errno) = write_maps(me.as_raw_fd(), go_r.as_raw_fd(), id_map.as_bytes());
        let report = [step, errno];
        // SAFETY: write of a local array to our pipe; then _exit.
        unsafe {
            libc::write(res_w.as_raw_fd(), report.as_ptr().cast(), 8);
            libc::_exit(i32::from(step != 0));
        }
    }
    drop(go_r);
    drop(res_w);
    // SAFETY: unshare takes flags only.
    if unsafe { libc::unshare(libc::CLONE_NEWUSER) } < 0 {
        let e = io::Error::last_os_error();
        drop(go_w); // the helper reads EOF and exits
        let _ = wait_exit(pid);
        return match e.raw_os_error() {
            // Not allowed here (a sysctl, a container without the
            // capability, the nesting limit): go on without.
            Some(libc::EPERM | libc::EINVAL | libc::ENOSPC | libc::EUSERS | libc::ENOSYS) => {
                sentry::log::warn(&format!(
                    "no user namespace for the sandbox ({e}); it keeps uid 0 without capabilities"
                ));
                Ok(None)
            }
            _ => Err(err("unshare a user namespace", e)),
        };
    }
    // SAFETY: write of one byte from a local to our pipe.
    unsafe { libc::write(go_w.as_raw_fd(), b"g".as_ptr().cast(), 1) };
    Ok(Some(IdMapHelper { pid, report: res_r }))
}

/// The helper: once the sandbox says go, write its id maps (nobody to
/// nobody; setgroups denied). Returns (0, 0), or the failed step (1-based
/// index into [`HELPER_STEPS`]) and errno. Raw syscalls only.
fn write_maps(proc_dir: RawFd, go: RawFd, id_map: &[u8]) -> (u32, u32) {
    let errno = || io::Error::last_os_error().raw_os_error().unwrap_or(0) as u32;
    let mut b = [0u8; 1];
    // SAFETY: read into a local byte.
    if unsafe { libc::read(go, b.as_mut_ptr().cast(), 1) } != 1 {
        return (1, errno());
    }
    let files: [(&CStr, &[u8]); 3] = [
        (c"setgroups", b"deny"),
        (c"uid_map", id_map),
        (c"gid_map", id_map),
    ];
    for (i, (name, data)) in files.into_iter().enumerate() {
        // SAFETY: openat on a dirfd we hold with a valid C string; write of
        // a live buffer; close of the fd just opened.
        let ok = unsafe {
            let fd = libc::openat(proc_dir, name.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
            let ok =
                fd >= 0 && libc::write(fd, data.as_ptr().cast(), data.len()) == data.len() as isize;
            if fd >= 0 {
                libc::close(fd);
            }
            ok
        };
        if !ok {
            return (i as u32 + 2, errno());
        }
    }
    (0, 0)
}

/// Where the empty root is mounted before it becomes "/" (in this
/// process's own mount namespace only).
const STAGING: &CStr = c"/proc";

fn mount(
    src: Option<&CStr>,
    target: &CStr,
    fstype: Option<&CStr>,
    flags: libc::c_ulong,
    data: Option<&CStr>,
    step: &'static str,
) -> Result<(), ConfineError> {
    let p = |s: Option<&CStr>| s.map_or(std::ptr::null(), CStr::as_ptr);
    // SAFETY: every pointer is null or a valid C string that outlives the
    // call.
    let r = unsafe { libc::mount(p(src), target.as_ptr(), p(fstype), flags, p(data).cast()) };
    check(r.into(), step)
}

/// Mounts a procfs of the sandbox's pid namespace over /proc in a
/// private mount namespace of its own (nothing reaches the host's).
/// Best effort: false if a step fails, and the sandbox goes on without.
fn mount_own_proc() -> bool {
    // SAFETY: unshare takes flags only.
    if unsafe { libc::unshare(libc::CLONE_NEWNS) } < 0 {
        return false;
    }
    let private = mount(
        None,
        c"/",
        None,
        libc::MS_REC | libc::MS_PRIVATE,
        None,
        "make / private",
    );
    private.is_ok()
        && mount(
            Some(c"proc"),
            c"/proc",
            Some(c"proc"),
            // Writable for now: the id-map helper writes our maps here.
            libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC,
            None,
            "mount the sandbox's proc",
        )
        .is_ok()
}

/// Makes an empty, read-only tmpfs the root and working directory, with
/// only `proc` (the sandbox's own, if given: `podman top` reads /proc in
/// the mount namespace of the container's pid, which is the sandbox's;
/// the sentry cannot open it under its seccomp filter), and detaches the
/// host's tree.
fn pivot_to_empty_root(proc_tree: Option<OwnedFd>) -> Result<(), ConfineError> {
    mount(
        None,
        c"/",
        None,
        libc::MS_REC | libc::MS_PRIVATE,
        None,
        "make / private",
    )?;
    let sealed = libc::MS_RDONLY | libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC;
    mount(
        Some(c"none"),
        STAGING,
        Some(c"tmpfs"),
        if proc_tree.is_some() {
            sealed & !libc::MS_RDONLY
        } else {
            sealed
        },
        Some(c"mode=0555,size=4k,nr_inodes=3"),
        "mount the empty root",
    )?;
    // SAFETY: chdir with a valid C string.
    let r = unsafe { libc::chdir(STAGING.as_ptr()) };
    check(r.into(), "chdir to the empty root")?;
    if let Some(tree) = proc_tree {
        // SAFETY: mkdir with a valid C string.
        if unsafe { libc::mkdir(c"proc".as_ptr(), 0o555) } == 0 {
            if gofer::confine::attach(&tree, c"proc", "the sandbox's proc").is_ok() {
                mount(
                    None,
                    c"proc",
                    None,
                    libc::MS_REMOUNT | libc::MS_BIND | sealed,
                    None,
                    "make the sandbox's proc read-only",
                )?;
            } else {
                // SAFETY: rmdir with a valid C string.
                unsafe { libc::rmdir(c"proc".as_ptr()) };
            }
        }
        mount(
            None,
            c".",
            None,
            libc::MS_REMOUNT | sealed,
            None,
            "make the empty root read-only",
        )?;
    }
    // pivot_root(".", "."): the old root ends up stacked on the new one,
    // from where it is detached.
    // SAFETY: two valid C strings.
    let r = unsafe { libc::syscall(libc::SYS_pivot_root, c".".as_ptr(), c".".as_ptr()) };
    check(r, "pivot_root")?;
    // SAFETY: umount2 with a valid C string.
    let r = unsafe { libc::umount2(c".".as_ptr(), libc::MNT_DETACH) };
    check(r.into(), "detach the host's root")?;
    // SAFETY: chdir with a valid C string.
    check(unsafe { libc::chdir(c"/".as_ptr()) }.into(), "chdir to /")
}

/// Becomes nobody (in a user namespace) and drops every capability.
fn drop_privileges(user_ns: bool) -> Result<(), ConfineError> {
    if user_ns {
        let id = SANDBOX_ID;
        // SAFETY: setresgid/setresuid take integers only.
        let r = unsafe { libc::setresgid(id, id, id) };
        check(r.into(), "set the gid to nobody")?;
        // SAFETY: as above.
        let r = unsafe { libc::setresuid(id, id, id) };
        check(r.into(), "set the uid to nobody")?;
    }
    // Bounding set included: nothing can come back (there is no exec
    // anyway: no_new_privs and the seccomp filter).
    gofer::drop_capabilities_except(&[]).map_err(|e| err("drop capabilities", e))?;
    if user_ns {
        // The uid change made the process non-dumpable, and ptrace then
        // wants CAP_SYS_PTRACE over the stubs' mm, which belongs to the
        // host's user namespace. Dumpable again, the stubs (same uid,
        // same empty capabilities) can be traced with no capability; only
        // root in the host namespace can trace the sentry.
        // SAFETY: prctl with integer arguments only.
        let r = unsafe { libc::prctl(libc::PR_SET_DUMPABLE, 1, 0, 0, 0) };
        check(r.into(), "set dumpable")?;
    }
    // SAFETY: prctl with integer arguments only.
    let r = unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) };
    check(r.into(), "set no_new_privs")
}

/// The host pids of the processes in the pid namespace of the sandbox
/// whose host pid is `sandbox`, by their pid inside it (what the sentry
/// reports for its stubs). Empty if /proc cannot tell.
pub fn host_pids(sandbox: i32) -> std::collections::HashMap<i32, i32> {
    let mut map = std::collections::HashMap::new();
    let Ok(ns) = std::fs::read_link(format!("/proc/{sandbox}/ns/pid")) else {
        return map;
    };
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return map;
    };
    for pid in dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok()) {
        if std::fs::read_link(format!("/proc/{pid}/ns/pid"))
            .ok()
            .as_ref()
            != Some(&ns)
        {
            continue;
        }
        let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
            continue;
        };
        // NSpid lists the pid in each namespace, outermost first.
        if let Some(inner) = status
            .lines()
            .find_map(|l| l.strip_prefix("NSpid:"))
            .and_then(|l| l.split_whitespace().last())
            .and_then(|p| p.parse::<i32>().ok())
        {
            map.insert(inner, pid);
        }
    }
    map
}
