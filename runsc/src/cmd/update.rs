//! `runsc update --resources FILE|- ID`: new resource limits, as a
//! linux.resources JSON object (what containerd's shim sends on stdin).
//! What maps to cgroup v2 files is written to the sandbox's own cgroup
//! when it has one; otherwise the limits are accepted and the log says
//! they were not applied. Valid JSON is never an error: a limit the host
//! refuses is a warning.

use super::CmdError;
use crate::cli::GlobalOpts;
use crate::oci::cgroup::Cgroup;
use crate::oci::resources;
use crate::oci::state::{Container, Status};
use serde_json::Value;
use std::io::Read;
use std::path::Path;

/// `runsc update`.
pub fn run(global: &GlobalOpts, id: &str, file: Option<&Path>) -> Result<i32, CmdError> {
    let file = file.ok_or_else(|| {
        CmdError::Msg(format!(
            "update {id}: pass --resources FILE (or - for stdin) holding a linux.resources JSON object"
        ))
    })?;
    let text = if file == Path::new("-") {
        let mut v = Vec::new();
        std::io::stdin()
            .read_to_end(&mut v)
            .map_err(|e| CmdError::Msg(format!("update {id}: cannot read stdin: {e}")))?;
        v
    } else {
        std::fs::read(file).map_err(|e| {
            CmdError::Msg(format!("update {id}: cannot read {}: {e}", file.display()))
        })?
    };
    let res: Value = serde_json::from_slice(&text).map_err(|e| {
        CmdError::Msg(format!(
            "update {id}: --resources {} is not valid JSON ({e})",
            file.display()
        ))
    })?;
    let c = Container::open(&global.root, id)?;
    let st = c.load()?;
    let info = |m: String| sentry::log::line(&format!("runsc: update {id}: {m}"));
    if !res.is_object() {
        info("the resources are not a JSON object; nothing to apply".into());
        return Ok(0);
    }
    if st.status() == Status::Stopped {
        info("the container is stopped; nothing to apply".into());
        return Ok(0);
    }
    if let Some(cg) = Cgroup::load(&c.dir) {
        // The container's own cgroup (v1 or v2), made by create.
        if let Err(e) = cg.apply(&res) {
            sentry::log::warn(&format!("update {id}: {e}"));
        }
        return Ok(0);
    }
    let (writes, skipped) = resources::cgroup_writes(&res);
    let Some(cg) = resources::own_cgroup(st.pid) else {
        info("the sandbox has no cgroup of its own; resources accepted, not applied".into());
        return Ok(0);
    };
    for (name, value) in writes {
        let path = cg.join(name);
        if let Err(e) = std::fs::write(&path, &value) {
            sentry::log::warn(&format!(
                "update {id}: cannot write {value:?} to {}: {e}",
                path.display()
            ));
        }
    }
    if !skipped.is_empty() {
        info(format!(
            "not applied (no cgroup v2 file): {}",
            skipped.join(", ")
        ));
    }
    Ok(0)
}
