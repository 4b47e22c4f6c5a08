//! The OCI side of runsc: the bundle's config.json, the per-container
//! state directory, and the control socket between the CLI and the
//! sandbox process.

pub mod cgroup;
pub mod console;
pub mod control;
pub mod fdpass;
pub mod resources;
pub mod signal;
pub mod spec;
pub mod state;
