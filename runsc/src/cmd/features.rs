//! `runsc features`: what this runtime supports, in runc's JSON layout.

use super::CmdError;
use crate::oci::spec::OCI_VERSION;
use serde_json::json;

/// Prints the features document.
pub fn run() -> Result<i32, CmdError> {
    let v = json!({
        "ociVersionMin": "1.0.0",
        "ociVersionMax": OCI_VERSION,
        // No hooks run and no spec mount is honoured yet.
        "hooks": [],
        "mountOptions": [],
        "linux": {
            // What the sandbox gives the guest, whatever the spec asks.
            "namespaces": ["pid", "network", "ipc", "uts", "mount"],
            "capabilities": [],
            "cgroup": {"v1": false, "v2": false, "systemd": false, "systemdUser": false},
            "seccomp": {"enabled": false},
            "apparmor": {"enabled": false},
            "selinux": {"enabled": false}
        },
        "annotations": {
            "dev.runsc.version": env!("CARGO_PKG_VERSION"),
            "org.opencontainers.runc.checkpoint.enabled": "false"
        }
    });
    println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    Ok(0)
}
