//! `runsc kill [--all] ID [SIGNAL]`: signals the guest's init (or every
//! guest process). Allowed in the created state, as in runc.

use super::CmdError;
use crate::cli::GlobalOpts;
use crate::oci::state::Container;
use crate::oci::{control, signal};
use serde_json::json;
use std::time::Duration;

/// `runsc kill`.
pub fn run(global: &GlobalOpts, id: &str, sig: Option<&str>, all: bool) -> Result<i32, CmdError> {
    let sig = signal::parse(sig.unwrap_or("SIGTERM")).map_err(CmdError::Msg)?;
    let c = Container::open(&global.root, id)?;
    let st = c.load()?;
    let status = st.status();
    if !status.can_kill() {
        return Err(CmdError::Msg(format!(
            "cannot signal container {id}: container not running (it is {status}); only a created or running container can be signalled"
        )));
    }
    let req = json!({"cmd": "signal", "signal": sig, "all": all});
    match control::request(&c.socket(), &req, Some(Duration::from_secs(10))) {
        Ok(_) => Ok(0),
        // The sandbox ended between the check and the request.
        Err(control::ControlError::Connect { .. }) if !st.status().can_kill() => {
            Err(CmdError::Msg(format!(
                "cannot signal container {id}: container not running (it has stopped)"
            )))
        }
        Err(e) => Err(e.into()),
    }
}
