//! `runsc ps [--format table|json] ID`: the container's processes. Each
//! guest process runs in a stub process on the host, so the JSON format is
//! runc's: an array of host pids, which `docker top` and `podman top` can
//! look up.

use super::CmdError;
use crate::cli::{GlobalOpts, TableFormat};
use crate::oci::control;
use crate::oci::state::Container;
use serde_json::{json, Value};
use std::time::Duration;

/// `runsc ps`.
pub fn run(global: &GlobalOpts, id: &str, format: TableFormat) -> Result<i32, CmdError> {
    let c = Container::open(&global.root, id)?;
    let state = c.load()?;
    let status = state.status();
    if !status.can_kill() {
        return Err(CmdError::Msg(format!(
            "cannot list the processes of container {id}: it is {status}"
        )));
    }
    let reply = control::request(
        &c.socket(),
        &json!({"cmd": "ps"}),
        Some(Duration::from_secs(10)),
    )?;
    // The sentry knows its stubs by their pids in its own pid namespace;
    // only processes found there are listed (a pid the sentry names that
    // is not in its namespace is gone, or made up).
    let host = crate::confine::host_pids(state.pid);
    let field = |p: &Value, k: &str| p[k].as_i64().unwrap_or(0);
    let procs: Vec<Value> = reply["processes"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter_map(|mut p| {
            let ns_pid = i32::try_from(field(&p, "hostPid")).ok()?;
            p["hostPid"] = Value::from(*host.get(&ns_pid)?);
            Some(p)
        })
        .collect();
    match format {
        TableFormat::Json => {
            let pids: Vec<i64> = procs.iter().map(|p| field(p, "hostPid")).collect();
            println!("{}", serde_json::to_string(&pids).unwrap_or_default());
        }
        TableFormat::Table => {
            println!("{:>8} {:>8} {:>8}", "PID", "PPID", "HOST_PID");
            for p in &procs {
                println!(
                    "{:>8} {:>8} {:>8}",
                    field(p, "pid"),
                    field(p, "ppid"),
                    field(p, "hostPid")
                );
            }
        }
    }
    Ok(0)
}
