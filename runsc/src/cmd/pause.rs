//! `runsc pause ID` and `runsc resume ID`: every guest task stops before
//! it next runs guest code, and goes on again.
//!
//! The sentry does it (`sentry::control::Controller::pause`), not the
//! cgroup freezer: the sandbox has no cgroup of its own to freeze, and
//! the sentry already stands between every guest task and the CPU. Each
//! task checks one flag before it switches into the guest; tasks running
//! guest code are interrupted (their stubs stay stopped under ptrace),
//! and tasks blocked in a syscall are left blocked, so nothing the guest
//! sees changes: no EINTR, no restart. SIGKILL still ends a paused task.

use super::CmdError;
use crate::cli::GlobalOpts;
use crate::oci::control;
use crate::oci::state::{Container, Status};
use serde_json::json;
use std::time::Duration;

/// How long the sandbox may take to answer.
const TIMEOUT: Duration = Duration::from_secs(10);

/// `runsc pause`.
pub fn pause(global: &GlobalOpts, id: &str) -> Result<i32, CmdError> {
    let c = Container::open(&global.root, id)?;
    let mut st = c.load()?;
    let status = st.status();
    if !status.can_pause() {
        return Err(CmdError::Msg(format!(
            "cannot pause container {id}: it is {status}, and only a running container can be paused"
        )));
    }
    control::request(&c.socket(), &json!({"cmd": "pause"}), Some(TIMEOUT))?;
    st.status = Status::Paused;
    c.save(&st)?;
    Ok(0)
}

/// `runsc resume`.
pub fn resume(global: &GlobalOpts, id: &str) -> Result<i32, CmdError> {
    let c = Container::open(&global.root, id)?;
    let mut st = c.load()?;
    let status = st.status();
    if !status.can_resume() {
        return Err(CmdError::Msg(format!(
            "cannot resume container {id}: it is {status}, and only a paused container can be resumed"
        )));
    }
    control::request(&c.socket(), &json!({"cmd": "resume"}), Some(TIMEOUT))?;
    st.status = Status::Running;
    c.save(&st)?;
    Ok(0)
}
