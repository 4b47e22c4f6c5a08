//! The terminal of a container process: with `--console-socket`, a pty
//! pair is made, the master goes to the socket (as runc sends it: with
//! SCM_RIGHTS and the data "/dev/ptmx"), and the slave becomes the
//! process's stdio.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::path::Path;

/// Makes a pty, sends its master to the unix socket at `socket` and
/// returns the slave three times (for fds 0, 1 and 2); the error is one
/// line naming the socket.
pub fn pty_for_socket(socket: &Path) -> Result<[OwnedFd; 3], String> {
    let fail =
        |what: &str, e: std::io::Error| format!("console socket {}: {what}: {e}", socket.display());
    let (mut master, mut slave) = (-1, -1);
    // SAFETY: openpty writes two fds through valid pointers; name, termios
    // and winsize are null (not wanted).
    let r = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    if r != 0 {
        return Err(fail("cannot open a pty", std::io::Error::last_os_error()));
    }
    // SAFETY: openpty succeeded, so both fds are open and ours alone.
    let (master, slave) = unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
    let stream = UnixStream::connect(socket).map_err(|e| fail("cannot connect", e))?;
    super::fdpass::send(&stream, b"/dev/ptmx", &[master.as_raw_fd()])
        .map_err(|e| fail("cannot send the pty master", e))?;
    drop(master);
    let again = |_| {
        slave
            .try_clone()
            .map_err(|e| fail("cannot duplicate the pty", e))
    };
    Ok([again(0)?, again(1)?, slave])
}

/// Makes the pty slave `fd` the host's controlling terminal of the calling
/// process's session (the sandbox process leads one), so that ^C, ^Z, a
/// resize or a hang-up reach the sandbox, which forwards them to the
/// guest's foreground process group (sentry::kernel::hostsig). Best
/// effort: without it the terminal works, but raises no signals; returns
/// whether it took.
pub fn take_host_terminal(fd: &OwnedFd) -> bool {
    // SAFETY: TIOCSCTTY with argument 0 on an fd we own; no memory is passed.
    unsafe { libc::ioctl(fd.as_raw_fd(), libc::TIOCSCTTY, 0) == 0 }
}
