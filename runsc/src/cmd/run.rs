//! `runsc run [--bundle B] [--detach] [--pid-file F] ID`: create, start
//! and (unless --detach) wait; exits with the guest's status and, like
//! runc, removes the container once it has ended. While it waits, the
//! signals a terminal or a supervisor sends (HUP, INT, QUIT, TERM, USR1,
//! USR2) go on to the guest's init instead of ending `run`.

use super::create::{self, CreateOpts};
use super::CmdError;
use crate::cli::GlobalOpts;
use crate::oci::state::{Container, SOCKET_NAME};
use std::os::unix::process::ExitStatusExt;

/// `runsc run`.
pub fn run(global: &GlobalOpts, o: &CreateOpts<'_>, detach: bool) -> Result<i32, CmdError> {
    let mut child = create::create(global, o)?;
    if !detach {
        // Before start, so that no signal meant for the guest can end
        // `run` once the guest runs; after create, so that the sandbox
        // does not inherit the blocked mask.
        crate::oci::signal::forward(
            global.root.join(o.id).join(SOCKET_NAME),
            None,
            crate::oci::signal::FORWARDED,
            false,
        );
    }
    let started = Container::open(&global.root, o.id)
        .map_err(CmdError::from)
        .and_then(|c| super::start::start(&c));
    if let Err(e) = started {
        let _ = child.kill();
        let _ = child.wait();
        if let Ok(c) = Container::open(&global.root, o.id) {
            let _ = c.destroy();
        }
        return Err(e);
    }
    if detach {
        return Ok(0);
    }
    // The sandbox is our child: its status is the guest's.
    let status = child
        .wait()
        .map_err(|e| CmdError::Msg(format!("cannot wait for the sandbox process: {e}")))?;
    let code = status
        .code()
        .or_else(|| status.signal().map(|s| 128 + s))
        .unwrap_or(255);
    if let Ok(c) = Container::open(&global.root, o.id) {
        let _ = c.destroy();
    }
    Ok(code)
}
