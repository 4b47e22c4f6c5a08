//! `runsc do PROGRAM ARGS...`: run a host program in a fresh sandbox.

use super::CmdError;
use crate::cli::{GlobalOpts, NetworkKind};
use crate::confine::{self, Forked};
use std::ffi::OsString;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};

fn dup_stdio(fd: std::os::fd::BorrowedFd<'_>, name: &str) -> Result<OwnedFd, CmdError> {
    fd.try_clone_to_owned()
        .map_err(|e| CmdError::Msg(format!("cannot duplicate {name}: {e}")))
}

/// Starts `runsc gofer` serving `root` and returns the sandbox's end of
/// its socket. The gofer dies with this process.
pub fn spawn_gofer(root: &Path, rw: bool) -> Result<(OwnedFd, std::process::Child), CmdError> {
    spawn_gofer_mounts(root, rw, &[])
}

/// [`spawn_gofer`] that also serves `binds` (the sandbox attaches them by
/// index, in order).
pub fn spawn_gofer_mounts(
    root: &Path,
    rw: bool,
    binds: &[gofer::BindSource],
) -> Result<(OwnedFd, std::process::Child), CmdError> {
    let (ours, theirs) = gofer::seqpacket_pair()
        .map_err(|e| CmdError::Msg(format!("cannot create the gofer socket: {e}")))?;
    let exe = std::env::current_exe()
        .map_err(|e| CmdError::Msg(format!("cannot find the runsc binary: {e}")))?;
    let raw = theirs.as_raw_fd();
    let mut cmd = std::process::Command::new(exe);
    cmd.arg("gofer")
        .arg("--root")
        .arg(root)
        .arg("--io-fd")
        .arg(GOFER_FD.to_string());
    if rw {
        cmd.arg("--rw");
    }
    for b in binds {
        cmd.arg("--mount").arg(super::gofer::mount_arg(b));
    }
    // SAFETY: the closure runs in the forked child before exec and makes
    // only async-signal-safe calls (dup2, prctl).
    unsafe {
        cmd.pre_exec(move || {
            if libc::dup2(raw, GOFER_FD) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
    // A process group of its own: a terminal's ^C goes to the sandbox's
    // group (which forwards it to the guest), never to the gofer (spawn
    // unblocks every signal in the child).
    let child = cmd
        .stdin(std::process::Stdio::null())
        .process_group(0)
        .spawn()
        .map_err(|e| CmdError::Msg(format!("cannot start the gofer: {e}")))?;
    drop(theirs);
    Ok((ours, child))
}

/// The fd number the gofer finds its socket at.
const GOFER_FD: i32 = 3;

/// Runs the command; returns the guest's exit status as a shell would.
/// This process forks the sandbox (the init of a fresh pid namespace),
/// waits for it and exits with its status; the sandbox dies with it.
pub fn run(global: &GlobalOpts, rootfs: &Path, command: Vec<OsString>) -> Result<i32, CmdError> {
    // Before any thread: terminal signals are the guest's.
    sentry::kernel::hostsig::block();
    if !rootfs.is_dir() {
        return Err(CmdError::Msg(format!(
            "--rootfs {}: not a directory; pass the root filesystem to run in",
            rootfs.display()
        )));
    }
    match confine::fork_sandbox()? {
        Forked::Parent { pid, lifeline } => {
            let code = confine::wait_exit(pid)
                .map_err(|e| CmdError::Msg(format!("cannot wait for the sandbox: {e}")))?;
            drop(lifeline);
            Ok(code)
        }
        Forked::Child { lifeline } => sandbox(global, rootfs, command, lifeline),
    }
}

/// The sandbox process: starts the gofer, confines itself and runs the
/// guest. The gofer is in its pid namespace, so it ends with it.
fn sandbox(
    global: &GlobalOpts,
    rootfs: &Path,
    command: Vec<OsString>,
    lifeline: OwnedFd,
) -> Result<i32, CmdError> {
    let write_through = global.overlay2 == crate::cli::Overlay::None;
    let (sock, _gofer) = spawn_gofer(rootfs, write_through)?;
    // The host's working directory when the root is the host's; else "/".
    let cwd = if rootfs == Path::new("/") {
        std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"))
    } else {
        PathBuf::from("/")
    };
    let init = sentry::InitProcess {
        path: command[0].as_bytes().to_vec(),
        argv: command.into_iter().map(OsStringExt::into_vec).collect(),
        envp: std::env::vars_os()
            .map(|(k, v)| [k.as_bytes(), b"=", v.as_bytes()].concat())
            .collect(),
        cwd: cwd.into_os_string().into_vec(),
        stdio: [
            dup_stdio(std::io::stdin().as_fd(), "stdin")?,
            dup_stdio(std::io::stdout().as_fd(), "stdout")?,
            dup_stdio(std::io::stderr().as_fd(), "stderr")?,
        ],
        uid: 0,
        gid: 0,
        groups: Vec::new(),
        rlimits: Vec::new(),
        no_new_privs: false,
        // A root shell's: every capability.
        caps: sentry::kernel::caps::ProcessCaps::FULL,
        terminal: false,
    };
    let config = sentry::kernel::KernelConfig {
        strace: global.strace,
        seccomp: sentry::confine::SeccompMode::from_env(),
        ..Default::default()
    };
    let root = sentry::RootFs {
        gofer: sock,
        tmpfs_tmp: false,
        overlay: !write_through,
        layout: Default::default(),
        ids: Default::default(),
    };
    sentry::before_confinement();
    let network = match global.network {
        NetworkKind::Host => confine::Network::Host,
        NetworkKind::Sandbox | NetworkKind::None => confine::Network::New,
    };
    let _confined = confine::enter(confine::Options {
        network,
        lifeline: Some(lifeline),
    })?;
    Ok(sentry::run(config, root, init)?.shell_code())
}
