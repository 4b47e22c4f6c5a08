//! `runsc gofer`: the file server of one container. It confines itself
//! (private mount namespace, pivot_root into the served root, no
//! capabilities beyond file ownership, a seccomp allowlist) and then
//! serves the sandbox until the sandbox hangs up.

use super::CmdError;
use std::os::fd::{FromRawFd, OwnedFd};
use std::path::Path;

/// Serves `root`, and the host files and directories of `mounts`
/// ("ro:PATH" or "rw:PATH", see [`mount_arg`]), on the inherited socket
/// `io_fd`.
pub fn run(root: &Path, io_fd: i32, rw: bool, mounts: &[String]) -> Result<i32, CmdError> {
    if io_fd < 3 {
        return Err(CmdError::Msg(format!(
            "gofer: --io-fd {io_fd} is not an inherited socket (use 3 or more)"
        )));
    }
    // SAFETY: the parent passed this fd for the gofer to own; nothing else
    // in this process uses it.
    let sock = unsafe { OwnedFd::from_raw_fd(io_fd) };
    let binds = mounts
        .iter()
        .map(|m| parse_mount_arg(m))
        .collect::<Result<Vec<_>, _>>()?;
    raise_nofile();
    let fail = |what: &str, e: std::io::Error| CmdError::Msg(format!("gofer: {what}: {e}"));
    let (root_fd, trees) =
        gofer::confine_mounts(root, !rw, &binds).map_err(|e| fail("confine", e))?;
    gofer::drop_capabilities().map_err(|e| fail("drop capabilities", e))?;
    if sentry::confine::SeccompMode::from_env() == sentry::confine::SeccompMode::Log {
        gofer::install_seccomp_log()
    } else {
        gofer::install_seccomp()
    }
    .map_err(|e| fail("seccomp", e))?;
    gofer::serve_mounts(root_fd, trees, sock, !rw).map_err(|e| fail("serve", e))?;
    Ok(0)
}

/// The `--mount` argument for `bind`: "ro:PATH" or "rw:PATH".
pub fn mount_arg(bind: &gofer::BindSource) -> std::ffi::OsString {
    let mut arg = std::ffi::OsString::from(if bind.read_only { "ro:" } else { "rw:" });
    arg.push(&bind.path);
    arg
}

fn parse_mount_arg(arg: &str) -> Result<gofer::BindSource, CmdError> {
    let (mode, path) = arg.split_once(':').unwrap_or(("", arg));
    let read_only = match mode {
        "ro" => true,
        "rw" => false,
        _ => {
            return Err(CmdError::Msg(format!(
                "gofer: --mount {arg:?}: use ro:PATH or rw:PATH"
            )))
        }
    };
    Ok(gofer::BindSource {
        path: path.into(),
        read_only,
    })
}

/// Every walked node holds an fd, so the gofer needs the hard limit.
fn raise_nofile() {
    let mut r = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit with a valid struct pointer.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut r) == 0 {
            r.rlim_cur = r.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &r);
        }
    }
}
