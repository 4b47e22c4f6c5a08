//! One module per subcommand.

mod r#do;
mod gofer;
mod syscalls;

use crate::cli::{Cli, Command};

/// A command's failure: one line for the person at the terminal.
#[derive(Debug, thiserror::Error)]
pub enum CmdError {
    /// Anything that names its own cause.
    #[error("{0}")]
    Msg(String),
    /// The sandbox failed to boot.
    #[error(transparent)]
    Boot(#[from] sentry::BootError),
}

/// Runs the parsed command and returns the process exit code.
pub fn dispatch(cli: Cli) -> Result<i32, CmdError> {
    if let Some(path) = &cli.global.log {
        let f = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(path)
            .map_err(|e| CmdError::Msg(format!("cannot open log file {}: {e}", path.display())))?;
        sentry::log::set_sink(f);
    }
    match cli.command {
        Command::Do { rootfs, command } => r#do::run(&cli.global, &rootfs, command),
        Command::Gofer { root, io_fd, rw } => gofer::run(&root, io_fd, rw),
        Command::Syscalls { format } => syscalls::run(format),
    }
}
