//! `runsc wait ID`: waits until the container has stopped, prints
//! `{"id":ID,"exitStatus":N}` (gVisor's format) and exits with N, the
//! guest init's status (255 when the sandbox was killed before it could
//! record one, and -1 is printed).

use super::CmdError;
use crate::cli::GlobalOpts;
use crate::oci::state::{self, process_alive, Container, Status};
use serde_json::json;
use std::os::fd::{FromRawFd, OwnedFd};

/// `runsc wait`.
pub fn run(global: &GlobalOpts, id: &str) -> Result<i32, CmdError> {
    let (st, dir) = {
        // The lock is not held while waiting.
        let c = Container::open(&global.root, id)?;
        (c.load()?, c.dir.clone())
    };
    if st.status() != Status::Stopped && st.pid > 0 {
        wait_exit(st.pid, st.start_time)?;
    }
    let code = state::read_exit(&dir);
    println!("{}", json!({"id": id, "exitStatus": code.unwrap_or(-1)}));
    Ok(code.unwrap_or(255))
}

/// Blocks until process `pid` (started at `start_time`) has exited.
fn wait_exit(pid: i32, start_time: u64) -> Result<(), CmdError> {
    // SAFETY: pidfd_open takes a pid and flags and returns a new fd or -1.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    if fd < 0 {
        // Already gone.
        return Ok(());
    }
    // SAFETY: pidfd_open returned a fresh fd that we now own.
    let fd = unsafe { OwnedFd::from_raw_fd(fd as i32) };
    // The fd may name a newer process that reused the pid.
    if !process_alive(pid, start_time) {
        return Ok(());
    }
    use std::os::fd::AsRawFd;
    let mut pfd = libc::pollfd {
        fd: fd.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    loop {
        // SAFETY: one valid pollfd.
        let r = unsafe { libc::poll(&mut pfd, 1, -1) };
        if r > 0 {
            return Ok(());
        }
        let e = std::io::Error::last_os_error();
        if r < 0 && e.kind() != std::io::ErrorKind::Interrupted {
            return Err(CmdError::Msg(format!(
                "cannot wait for the sandbox process {pid}: {e}"
            )));
        }
    }
}
