//! `runsc start ID`: runs a created container's process.

use super::CmdError;
use crate::cli::GlobalOpts;
use crate::oci::control;
use crate::oci::state::{Container, Status};
use serde_json::json;
use std::time::Duration;

/// `runsc start`.
pub fn run(global: &GlobalOpts, id: &str) -> Result<i32, CmdError> {
    let c = Container::open(&global.root, id)?;
    start(&c)?;
    Ok(0)
}

/// Tells the sandbox of the locked container `c` to run the guest.
pub fn start(c: &Container) -> Result<(), CmdError> {
    let mut st = c.load()?;
    let status = st.status();
    if !status.can_start() {
        return Err(CmdError::Msg(format!(
            "cannot start container {}: it is {status}, and only a created container can be started{}",
            c.id,
            if status == Status::Stopped {
                " (`runsc delete` it and create it again)"
            } else {
                ""
            }
        )));
    }
    control::request(
        &c.socket(),
        &json!({"cmd": "start"}),
        Some(Duration::from_secs(30)),
    )?;
    st.status = Status::Running;
    c.save(&st)?;
    Ok(())
}
