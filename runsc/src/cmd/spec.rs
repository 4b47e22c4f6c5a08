//! `runsc spec [--bundle DIR] [-- ARGS...]`: writes a default config.json.

use super::CmdError;
use crate::oci::spec::default_spec;
use std::path::Path;

/// Writes `<bundle>/config.json`, refusing to overwrite one.
pub fn run(bundle: Option<&Path>, args: &[String]) -> Result<i32, CmdError> {
    let dir = bundle.unwrap_or(Path::new("."));
    let path = dir.join("config.json");
    if path.exists() {
        return Err(CmdError::Msg(format!(
            "{} already exists: remove it first or pass another --bundle",
            path.display()
        )));
    }
    let text = serde_json::to_string_pretty(&default_spec(args)).unwrap_or_default();
    std::fs::write(&path, text + "\n")
        .map_err(|e| CmdError::Msg(format!("cannot write {}: {e}", path.display())))?;
    Ok(0)
}
