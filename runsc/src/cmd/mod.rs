//! One module per subcommand.

mod boot;
mod create;
mod delete;
mod r#do;
mod events;
mod exec;
mod features;
mod gofer;
mod install;
mod kill;
mod list;
mod pause;
mod ps;
mod run;
mod spec;
mod start;
mod state;
mod syscalls;
mod uninstall;
mod update;
mod wait;

use crate::cli::{Cli, Command, LogFormat};
use create::CreateOpts;

/// A command's failure: one line for the person at the terminal.
#[derive(Debug, thiserror::Error)]
pub enum CmdError {
    /// Anything that names its own cause.
    #[error("{0}")]
    Msg(String),
    /// The sandbox failed to boot.
    #[error(transparent)]
    Boot(#[from] sentry::BootError),
    /// The bundle is unusable.
    #[error(transparent)]
    Spec(#[from] crate::oci::spec::SpecError),
    /// The container's state is unusable.
    #[error(transparent)]
    State(#[from] crate::oci::state::StateError),
    /// The sandbox did not answer.
    #[error(transparent)]
    Control(#[from] crate::oci::control::ControlError),
    /// The sandbox could not confine itself.
    #[error(transparent)]
    Confine(#[from] crate::confine::ConfineError),
}

/// Runs the parsed command and returns the process exit code. `ignored`
/// lists the runc flags dropped before parsing.
pub fn dispatch(cli: Cli, ignored: &[String]) -> Result<i32, CmdError> {
    if cli.global.seccomp_log {
        // Still single-threaded; the processes runsc starts (boot, gofer)
        // inherit it.
        std::env::set_var(sentry::confine::LOG_ENV, "1");
    }
    // --debug-log, when given, takes the sentry's lines (--strace, warnings,
    // debug) as plain text; --log keeps the errors go-runc reads back.
    let json = cli.global.log_format == LogFormat::Json;
    if let Some(path) = cli.global.debug_log.as_ref().or(cli.global.log.as_ref()) {
        sentry::log::set_sink(open_log(path)?);
        sentry::log::set_json(json && cli.global.debug_log.is_none());
    }
    if cli.global.debug {
        for f in ignored {
            sentry::log::line(&format!("runsc: debug: ignoring runc flag {f}"));
        }
    }
    let res = run_command(&cli);
    if let (Err(e), Some(log)) = (&res, &cli.global.log) {
        // Callers such as go-runc read the error back from the log.
        let msg = format!("runsc: error: {e}");
        if cli.global.debug_log.is_some() {
            sentry::log::line(&msg);
            if let Ok(mut f) = open_log(log) {
                use std::io::Write;
                let _ = f.write_all(sentry::log::format_line(&msg, json).as_bytes());
            }
        } else {
            sentry::log::line(&msg);
        }
    }
    res
}

/// Opens a log file for appending (created if missing).
fn open_log(path: &std::path::Path) -> Result<std::fs::File, CmdError> {
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .map_err(|e| CmdError::Msg(format!("cannot open log file {}: {e}", path.display())))
}

fn run_command(cli: &Cli) -> Result<i32, CmdError> {
    let g = &cli.global;
    match &cli.command {
        Command::Do { rootfs, command } => r#do::run(g, rootfs, command.clone()),
        Command::Gofer {
            root,
            io_fd,
            rw,
            mounts,
        } => gofer::run(root, *io_fd, *rw, mounts),
        Command::Syscalls { format } => syscalls::run(*format),
        Command::Spec { bundle, args } => spec::run(bundle.as_deref(), args),
        Command::Features => features::run(),
        Command::Create {
            bundle,
            pid_file,
            console_socket,
            id,
        } => create::run(
            g,
            &CreateOpts {
                bundle,
                pid_file: pid_file.as_deref(),
                console_socket: console_socket.as_deref(),
                id,
            },
        ),
        Command::Boot {
            bundle,
            ready_fd,
            console_socket,
            id,
        } => boot::run(g, bundle, *ready_fd, console_socket.as_deref(), id),
        Command::Start { id } => start::run(g, id),
        Command::State { id } => state::run(g, id),
        Command::Kill { all, id, signal } => kill::run(g, id, signal.as_deref(), *all),
        Command::Delete { force, id } => delete::run(g, id, *force),
        Command::Run {
            bundle,
            detach,
            pid_file,
            console_socket,
            id,
        } => run::run(
            g,
            &CreateOpts {
                bundle,
                pid_file: pid_file.as_deref(),
                console_socket: console_socket.as_deref(),
                id,
            },
            *detach,
        ),
        Command::Wait { id } => wait::run(g, id),
        Command::List { format, quiet } => list::run(g, *format, *quiet),
        Command::Ps { format, id, .. } => ps::run(g, id, *format),
        Command::Exec(a) => exec::run(
            g,
            &exec::ExecOpts {
                process: a.process.as_deref(),
                detach: a.detach,
                pid_file: a.pid_file.as_deref(),
                console_socket: a.console_socket.as_deref(),
                cwd: a.cwd.as_deref(),
                env: &a.env,
                user: a.user.as_deref(),
                additional_gids: &a.additional_gids,
                tty: a.tty,
                id: &a.id,
                command: &a.command,
            },
        ),
        Command::Pause { id } => pause::pause(g, id),
        Command::Resume { id } => pause::resume(g, id),
        Command::Events {
            stats,
            interval,
            id,
        } => events::run(g, id, *stats, interval),
        Command::Update { resources, id } => update::run(g, id, resources.as_deref()),
        Command::Install {
            runtime,
            config_file,
            experimental,
            runtime_args,
        } => install::run(&install::InstallOpts {
            runtime,
            config_file,
            experimental: *experimental,
            runtime_args,
        }),
        Command::Uninstall {
            runtime,
            config_file,
        } => uninstall::run(runtime, config_file),
    }
}
