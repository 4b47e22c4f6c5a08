//! `runsc delete [--force] ID`: removes a container's state; a created
//! container's sandbox is killed first, a running one only with --force.
//! `--force` of an unknown id succeeds (the container is already gone).

use super::CmdError;
use crate::cli::GlobalOpts;
use crate::oci::cgroup::Cgroup;
use crate::oci::state::{process_alive, Container, StateError, Status};
use std::time::{Duration, Instant};

/// `runsc delete`.
pub fn run(global: &GlobalOpts, id: &str, force: bool) -> Result<i32, CmdError> {
    let c = match Container::open(&global.root, id) {
        Ok(c) => c,
        Err(StateError::Unknown { .. }) if force => return Ok(0),
        Err(e) => return Err(e.into()),
    };
    let st = match c.load() {
        Ok(st) => st,
        Err(_) if force => {
            remove_cgroup(&c.dir);
            c.destroy()?;
            return Ok(0);
        }
        Err(e) => return Err(e.into()),
    };
    let status = st.status();
    if !status.can_delete() && !force {
        return Err(CmdError::Msg(format!(
            "cannot delete container {id}: it is {status}; stop it first (`runsc kill {id} KILL`) or use `runsc delete --force`"
        )));
    }
    if status != Status::Stopped && st.pid > 0 {
        kill_sandbox(st.pid, st.start_time)?;
    }
    remove_cgroup(&c.dir);
    c.destroy()?;
    Ok(0)
}

/// Kills what is left in the container's cgroup and removes it.
fn remove_cgroup(state_dir: &std::path::Path) {
    if let Some(cg) = Cgroup::load(state_dir) {
        cg.kill_all();
        cg.remove();
    }
}

/// SIGKILLs the sandbox process (if it is still the one recorded) and
/// waits for it to be gone; its gofer and stubs die with it.
pub fn kill_sandbox(pid: i32, start_time: u64) -> Result<(), CmdError> {
    if !process_alive(pid, start_time) {
        return Ok(());
    }
    // SAFETY: kill with a pid checked to be the sandbox just above.
    unsafe { libc::kill(pid, libc::SIGKILL) };
    let deadline = Instant::now() + Duration::from_secs(10);
    while process_alive(pid, start_time) {
        if Instant::now() > deadline {
            return Err(CmdError::Msg(format!(
                "the sandbox process {pid} survived SIGKILL for 10 s; try again"
            )));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    Ok(())
}
