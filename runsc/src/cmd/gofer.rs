//! `runsc gofer`: the file server of one container. It confines itself
//! (private mount namespace, pivot_root into the served root, no
//! capabilities beyond file ownership, a seccomp allowlist) and then
//! serves the sandbox until the sandbox hangs up.

use super::CmdError;
use std::os::fd::{FromRawFd, OwnedFd};
use std::path::Path;

/// Serves `root` on the inherited socket `io_fd`.
pub fn run(root: &Path, io_fd: i32, rw: bool) -> Result<i32, CmdError> {
    if io_fd < 3 {
        return Err(CmdError::Msg(format!(
            "gofer: --io-fd {io_fd} is not an inherited socket (use 3 or more)"
        )));
    }
    // SAFETY: the parent passed this fd for the gofer to own; nothing else
    // in this process uses it.
    let sock = unsafe { OwnedFd::from_raw_fd(io_fd) };
    raise_nofile();
    let fail = |what: &str, e: std::io::Error| CmdError::Msg(format!("gofer: {what}: {e}"));
    let root_fd = gofer::confine(root, !rw).map_err(|e| fail("confine", e))?;
    gofer::drop_capabilities().map_err(|e| fail("drop capabilities", e))?;
    if sentry::confine::SeccompMode::from_env() == sentry::confine::SeccompMode::Log {
        gofer::install_seccomp_log()
    } else {
        gofer::install_seccomp()
    }
    .map_err(|e| fail("seccomp", e))?;
    gofer::serve(root_fd, sock, !rw).map_err(|e| fail("serve", e))?;
    Ok(0)
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
