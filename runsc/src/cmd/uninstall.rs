//! `runsc uninstall [--runtime NAME] [--config-file PATH]`: removes the
//! runtime entry `install` added to Docker's daemon.json, keeping every
//! other key (`runtimes` itself goes once it is empty). A runtime that is
//! not there is an error, as in gVisor.

use super::install::{read_config, remove_runtime, write_config};
use super::CmdError;
use std::path::Path;

/// Removes `runtimes[runtime]` from `config_file`.
pub fn run(runtime: &str, config_file: &Path) -> Result<i32, CmdError> {
    let mut config = read_config(config_file)?;
    remove_runtime(&mut config, runtime)
        .map_err(|e| CmdError::Msg(format!("{}: {e}", config_file.display())))?;
    write_config(config_file, &config)?;
    println!(
        "runsc: runtime {runtime:?} removed from {}; restart dockerd or send it SIGHUP",
        config_file.display()
    );
    Ok(0)
}
