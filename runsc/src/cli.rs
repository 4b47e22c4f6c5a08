//! The command line: runc's command set and gVisor's global flags.

use clap::{Parser, Subcommand, ValueEnum};
use std::ffi::OsString;
use std::path::PathBuf;

/// What `--version` prints after "runsc " (runc's layout: a version line,
/// then the runtime-spec version).
const VERSION: &str = concat!("version ", env!("CARGO_PKG_VERSION"), "\nspec: ", "1.0.2");

/// runsc: an OCI runtime that runs containers in a user-space kernel.
#[derive(Debug, Parser)]
#[command(name = "runsc", version = VERSION, about, long_about = None)]
pub struct Cli {
    /// Global options.
    #[command(flatten)]
    pub global: GlobalOpts,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command accepts (runc's and gVisor's).
#[derive(Debug, clap::Args)]
pub struct GlobalOpts {
    /// Directory for container state.
    #[arg(long, global = true, default_value = "/var/run/runsc")]
    pub root: PathBuf,
    /// Log file (appended to).
    #[arg(long, global = true)]
    pub log: Option<PathBuf>,
    /// Log format.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Enable debug logging.
    #[arg(long, global = true)]
    pub debug: bool,
    /// Debug log file: takes --strace and debug lines (plain text).
    #[arg(long, global = true)]
    pub debug_log: Option<PathBuf>,
    /// Print every guest syscall to the log (stderr by default).
    #[arg(long, global = true)]
    pub strace: bool,
    /// How guest code runs.
    #[arg(long, global = true, value_enum, default_value_t = PlatformKind::Ptrace)]
    pub platform: PlatformKind,
    /// Networking mode.
    #[arg(long, global = true, value_enum, default_value_t = NetworkKind::Sandbox)]
    pub network: NetworkKind,
    /// Use systemd for cgroups (accepted for compatibility).
    #[arg(long, global = true)]
    pub systemd_cgroup: bool,
    /// Overlay over the root filesystem, gVisor's syntax: "root:memory"
    /// (writes stay in sandbox memory) or "none" (writes go through the
    /// gofer to the host).
    #[arg(long, global = true, value_name = "MOUNT:MEDIUM", default_value = "root:memory",
          value_parser = parse_overlay2)]
    pub overlay2: Overlay,
    /// Development: host syscalls outside the sandbox's seccomp allowlists
    /// are logged to the kernel's audit log (dmesg) instead of killing the
    /// sandbox (also RUNSC_SECCOMP_LOG=1).
    #[arg(long, global = true)]
    pub seccomp_log: bool,
}

/// Where guest writes to the root go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overlay {
    /// An in-memory upper layer.
    Memory,
    /// Straight to the host (write-through).
    None,
}

fn parse_overlay2(v: &str) -> Result<Overlay, String> {
    match v {
        "none" => Ok(Overlay::None),
        "root:memory" | "all:memory" => Ok(Overlay::Memory),
        _ => Err(format!(
            "unsupported overlay {v:?}: use \"root:memory\" (the default) or \"none\""
        )),
    }
}

/// Log line format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Plain text.
    Text,
    /// One JSON object per line.
    Json,
}

/// Platform choice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PlatformKind {
    /// PTRACE_SYSEMU stubs.
    Ptrace,
}

/// Network choice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum NetworkKind {
    /// The sandbox's own network stack.
    Sandbox,
    /// The host's network (not yet available).
    Host,
    /// No network at all.
    None,
}

/// Output format of `syscalls`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TableFormat {
    /// Aligned text columns.
    Table,
    /// A JSON array.
    Json,
}

/// Output format of `list`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// Aligned text columns.
    Text,
    /// A JSON array of state objects.
    Json,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a default config.json into the bundle directory.
    Spec {
        /// The bundle directory (default: the current directory).
        #[arg(long, short = 'b', value_name = "DIR")]
        bundle: Option<PathBuf>,
        /// process.args to write instead of `sh` (after `--`).
        #[arg(last = true, value_name = "ARGS")]
        args: Vec<String>,
    },
    /// Print what this runtime supports, as runc's JSON.
    Features,
    /// Create a container from a bundle; `start` runs it.
    Create {
        /// The bundle directory holding config.json.
        #[arg(long, short = 'b', value_name = "DIR", default_value = ".")]
        bundle: PathBuf,
        /// Write the sandbox process's pid here (the last step of create).
        #[arg(long, value_name = "FILE")]
        pid_file: Option<PathBuf>,
        /// Unix socket to send the terminal's master fd to.
        #[arg(long, value_name = "PATH")]
        console_socket: Option<PathBuf>,
        /// The container id.
        id: String,
    },
    /// The sandbox process of one container (started by create).
    #[command(hide = true)]
    Boot {
        /// The bundle directory.
        #[arg(long)]
        bundle: PathBuf,
        /// Inherited pipe to report readiness on.
        #[arg(long)]
        ready_fd: i32,
        /// Unix socket to send the terminal's master fd to.
        #[arg(long)]
        console_socket: Option<PathBuf>,
        /// The container id.
        id: String,
    },
    /// Run a created container's process.
    Start {
        /// The container id.
        id: String,
    },
    /// Print a container's OCI state as JSON.
    State {
        /// The container id.
        id: String,
    },
    /// Send a signal to a container's init (or all its processes).
    Kill {
        /// Signal every process of the container.
        #[arg(long, short = 'a')]
        all: bool,
        /// The container id.
        id: String,
        /// The signal: a number or a name (TERM, SIGKILL); default SIGTERM.
        signal: Option<String>,
    },
    /// Remove a container's state (and its sandbox, with --force).
    Delete {
        /// Kill a running container first; an unknown id is not an error.
        #[arg(long, short = 'f')]
        force: bool,
        /// The container id.
        id: String,
    },
    /// Create and start a container and wait for it (unless --detach).
    Run {
        /// The bundle directory holding config.json.
        #[arg(long, short = 'b', value_name = "DIR", default_value = ".")]
        bundle: PathBuf,
        /// Return once the container has started.
        #[arg(long, short = 'd')]
        detach: bool,
        /// Write the sandbox process's pid here.
        #[arg(long, value_name = "FILE")]
        pid_file: Option<PathBuf>,
        /// Unix socket to send the terminal's master fd to.
        #[arg(long, value_name = "PATH")]
        console_socket: Option<PathBuf>,
        /// The container id.
        id: String,
    },
    /// Wait for a container to stop; print and exit with its status.
    Wait {
        /// The container id.
        id: String,
    },
    /// List the containers under --root.
    List {
        /// Output format.
        #[arg(long, short = 'f', value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
        /// Print only the ids.
        #[arg(long, short = 'q')]
        quiet: bool,
    },
    /// List a container's processes.
    Ps {
        /// Output format (json: the host pids, as runc prints them).
        #[arg(long, short = 'f', value_enum, default_value_t = TableFormat::Table)]
        format: TableFormat,
        /// The container id.
        id: String,
        /// ps(1) options (accepted, not used).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
        ps_args: Vec<String>,
    },
    /// Run another process in a running container.
    Exec(Box<ExecArgs>),
    /// Stop every process of a running container until `resume`.
    Pause {
        /// The container id.
        id: String,
    },
    /// Let a paused container run again.
    Resume {
        /// The container id.
        id: String,
    },
    /// Print a container's resource usage as runc's stats events.
    Events {
        /// Print one stats event and exit.
        #[arg(long)]
        stats: bool,
        /// Time between stats events (a Go duration: 5s, 500ms, 1m).
        #[arg(long, value_name = "DURATION", default_value = "5s")]
        interval: String,
        /// The container id.
        id: String,
    },
    /// Change a container's resource limits.
    Update {
        /// A linux.resources JSON file, or "-" for stdin.
        #[arg(long, short = 'r', value_name = "FILE")]
        resources: Option<PathBuf>,
        /// The container id.
        id: String,
    },
    /// Add this runtime to Docker's daemon.json (`docker run --runtime NAME`).
    Install {
        /// The runtime's name in daemon.json.
        #[arg(long, default_value = "runsc")]
        runtime: String,
        /// Docker's daemon configuration file (created if missing).
        #[arg(
            long,
            alias = "config_file",
            value_name = "PATH",
            default_value = "/etc/docker/daemon.json"
        )]
        config_file: PathBuf,
        /// Also turn on Docker's experimental features.
        #[arg(long)]
        experimental: bool,
        /// Flags Docker passes to the runtime (after `--`), e.g. `-- --debug`.
        #[arg(last = true, value_name = "FLAGS")]
        runtime_args: Vec<String>,
    },
    /// Remove a runtime that `install` added from Docker's daemon.json.
    Uninstall {
        /// The runtime's name in daemon.json.
        #[arg(long, default_value = "runsc")]
        runtime: String,
        /// Docker's daemon configuration file.
        #[arg(
            long,
            alias = "config_file",
            value_name = "PATH",
            default_value = "/etc/docker/daemon.json"
        )]
        config_file: PathBuf,
    },
    /// Run a host program in a new sandbox and exit with its status.
    Do {
        /// The directory the sandbox sees as its root (served read-only by
        /// the gofer, under an in-memory overlay).
        #[arg(long, value_name = "DIR", default_value = "/")]
        rootfs: std::path::PathBuf,
        /// The program and its arguments.
        #[arg(
            required = true,
            trailing_var_arg = true,
            allow_hyphen_values = true,
            value_name = "PROGRAM [ARGS]"
        )]
        command: Vec<OsString>,
    },
    /// Serve a root directory to a sandbox (started by runsc itself).
    #[command(hide = true)]
    Gofer {
        /// The directory to serve.
        #[arg(long)]
        root: std::path::PathBuf,
        /// The connected socket to serve on (an inherited fd).
        #[arg(long)]
        io_fd: i32,
        /// Allow writes to the served tree.
        #[arg(long)]
        rw: bool,
        /// Also serve a host file or directory (a bind mount), as
        /// "ro:PATH" or "rw:PATH"; repeated, in the order the sandbox
        /// attaches them.
        #[arg(long = "mount", value_name = "ro|rw:PATH")]
        mounts: Vec<String>,
    },
    /// Print the syscall compatibility table.
    Syscalls {
        /// Output format.
        #[arg(long, value_enum, default_value_t = TableFormat::Table)]
        format: TableFormat,
    },
}

/// `runsc exec`'s arguments.
#[derive(Debug, clap::Args)]
pub struct ExecArgs {
    /// An OCI process JSON file (args, env, cwd, user, terminal); it
    /// replaces COMMAND and the options that describe the process.
    #[arg(long, short = 'p', value_name = "FILE")]
    pub process: Option<PathBuf>,
    /// Return once the process has started, leaving a host process
    /// that exits with its status (its pid goes to --pid-file).
    #[arg(long, short = 'd')]
    pub detach: bool,
    /// Write the pid of the process standing for the guest process
    /// here (with --detach: the waiting child; else runsc itself).
    #[arg(long, value_name = "FILE")]
    pub pid_file: Option<PathBuf>,
    /// Unix socket to send the terminal's master fd to.
    #[arg(long, value_name = "PATH")]
    pub console_socket: Option<PathBuf>,
    /// Working directory in the container.
    #[arg(long, value_name = "DIR")]
    pub cwd: Option<String>,
    /// Set an environment variable (added to the container's).
    #[arg(long, short = 'e', value_name = "KEY=VALUE")]
    pub env: Vec<String>,
    /// The user to run as: UID[:GID].
    #[arg(long, short = 'u', value_name = "UID[:GID]")]
    pub user: Option<String>,
    /// Additional groups.
    #[arg(long, short = 'g', value_name = "GID")]
    pub additional_gids: Vec<u32>,
    /// Give the process a terminal (the master goes to
    /// --console-socket).
    #[arg(long, short = 't')]
    pub tty: bool,
    /// runc options accepted and not used.
    #[arg(long, hide = true)]
    pub no_new_privs: bool,
    #[arg(long, short = 'c', hide = true)]
    pub cap: Vec<String>,
    #[arg(long, hide = true)]
    pub apparmor: Option<String>,
    #[arg(long, hide = true)]
    pub process_label: Option<String>,
    #[arg(long, hide = true)]
    pub ignore_paused: bool,
    #[arg(long, hide = true)]
    pub cgroup: Option<String>,
    /// The container id.
    pub id: String,
    /// The program and its arguments (unless --process).
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "COMMAND"
    )]
    pub command: Vec<String>,
}
