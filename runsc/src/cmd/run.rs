//! `runsc run [--bundle B] [--detach] [--pid-file F] ID`: create, start
//! and (unless --detach) wait; exits with the guest's status and, like
//! runc, removes the container once it has ended.

use super::create::{self, CreateOpts};
use super::CmdError;
use crate::cli::GlobalOpts;
use crate::oci::state::Container;
use std::os::unix::process::ExitStatusExt;

/// `runsc run`.
pub fn run(global: &GlobalOpts, o: &CreateOpts<'_>, detach: bool) -> Result<i32, CmdError> {
    let mut child = create::create(global, o)?;
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
