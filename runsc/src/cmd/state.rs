//! `runsc state ID`: the container's OCI state as JSON.

use super::CmdError;
use crate::cli::GlobalOpts;
use crate::oci::state::Container;

/// `runsc state`.
pub fn run(global: &GlobalOpts, id: &str) -> Result<i32, CmdError> {
    let st = Container::peek(&global.root, id)?;
    println!(
        "{}",
        serde_json::to_string_pretty(&st.to_oci()).unwrap_or_default()
    );
    Ok(0)
}
