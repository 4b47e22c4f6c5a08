//! `runsc exec [--process FILE | COMMAND...] [--detach] [--pid-file F]
//! [--console-socket S] [--cwd D] [--env K=V]... [--user UID[:GID]]
//! [--tty] ID`: runs another process in a running container's sandbox.
//!
//! The process is described by `--process` (an OCI process JSON, used as
//! it is, as runc does) or by COMMAND with the container's own process
//! (env, cwd, user) as the base that the options change. Its stdio is
//! this command's stdio, or a pty whose master goes to the console
//! socket; the fds go to the sandbox over the control socket
//! (SCM_RIGHTS), and the sandbox starts the process in the container's
//! kernel (`sentry::control::Controller::exec`).
//!
//! The connection then stands for the process: the sandbox sends its exit
//! status on it, and kills the process if the connection is closed first.
//! Without `--detach` this command holds it, passes on the signals a
//! terminal or supervisor sends (HUP, INT, QUIT, TERM, USR1, USR2) and
//! exits with the process's status (128+signal for a signal). With
//! `--detach` a forked child holds it and does the same, with its stdio
//! on /dev/null so that it keeps no caller's pipe open; its pid goes to
//! `--pid-file`, and this command exits 0. That is what containerd's runc
//! shim expects: it reaps the pid in the pid file (it is a subreaper) and
//! signals it directly.

use super::CmdError;
use crate::cli::GlobalOpts;
use crate::oci::control::{self, ControlError};
use crate::oci::spec::{self, Bundle, Process};
use crate::oci::state::Container;
use sentry::abi::signal::SIGKILL;
use serde_json::json;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What `runsc exec` was asked.
#[derive(Debug)]
pub struct ExecOpts<'a> {
    /// `--process FILE`.
    pub process: Option<&'a Path>,
    /// `--detach`.
    pub detach: bool,
    /// `--pid-file`.
    pub pid_file: Option<&'a Path>,
    /// `--console-socket`.
    pub console_socket: Option<&'a Path>,
    /// `--cwd`.
    pub cwd: Option<&'a str>,
    /// `--env K=V`, in order.
    pub env: &'a [String],
    /// `--user UID[:GID]`.
    pub user: Option<&'a str>,
    /// `--additional-gids`.
    pub additional_gids: &'a [u32],
    /// `--tty`.
    pub tty: bool,
    /// The container id.
    pub id: &'a str,
    /// COMMAND.
    pub command: &'a [String],
}

/// How long the sandbox may take to start the process.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// `runsc exec`.
pub fn run(global: &GlobalOpts, o: &ExecOpts<'_>) -> Result<i32, CmdError> {
    let id = o.id;
    let (socket, bundle) = {
        // The lock is held only while the state is read, not while the
        // process runs.
        let c = Container::open(&global.root, id)?;
        let st = c.load()?;
        let status = st.status();
        if !status.can_exec() {
            let hint = if status == crate::oci::state::Status::Paused {
                " (`runsc resume` it first)"
            } else {
                ""
            };
            return Err(CmdError::Msg(format!(
                "cannot exec in container {id}: container not running (it is {status}){hint}"
            )));
        }
        (c.socket(), st.bundle)
    };
    let p = process_for(o, &bundle)?;
    if p.terminal && o.detach && o.console_socket.is_none() {
        return Err(CmdError::Msg(format!(
            "cannot exec in container {id}: a terminal for a detached process needs --console-socket"
        )));
    }
    let stdio = stdio_for(&p, o.console_socket)?;
    // A pty made here: the process that waits for the guest process holds
    // it as its host controlling terminal, so that ^C typed into it comes
    // back as a signal to forward.
    let pty = (p.terminal && o.console_socket.is_some()).then(|| &stdio[0]);
    let req = json!({
        "cmd": "exec",
        "args": p.args,
        "env": p.env,
        "cwd": p.cwd,
        "uid": p.uid,
        "gid": p.gid,
        "groups": p.additional_gids,
        "rlimits": p.rlimits.iter().map(|(r, l)| json!([r, l.cur, l.max])).collect::<Vec<_>>(),
        "noNewPrivileges": p.no_new_privileges,
        "capabilities": p.capabilities.map(|c| json!({
            "bounding": c.bounding,
            "effective": c.effective,
            "permitted": c.permitted,
            "inheritable": c.inheritable,
            "ambient": c.ambient,
        })),
        "terminal": p.terminal,
    });
    let raw: Vec<i32> = stdio.iter().map(AsRawFd::as_raw_fd).collect();
    let (reply, conn) =
        control::request_fds(&socket, &req, &raw, Some(START_TIMEOUT)).map_err(|e| match e {
            ControlError::Refused(m) => {
                CmdError::Msg(format!("cannot exec in container {id}: {m}"))
            }
            ControlError::Connect { .. } => CmdError::Msg(format!(
                "cannot exec in container {id}: container not running (the sandbox is gone)"
            )),
            e => e.into(),
        })?;
    let pid = reply["pid"]
        .as_i64()
        .and_then(|p| i32::try_from(p).ok())
        .unwrap_or(0);
    if o.detach {
        let waiter = spawn_waiter(conn, socket, pid, pty);
        // The sandbox has its own copies now.
        drop(stdio);
        let waiter = waiter?;
        if let Some(f) = o.pid_file {
            if let Err(e) = super::create::write_pid_file(f, waiter) {
                // Its end closes the connection, which ends the process.
                // SAFETY: kill of our own child, which has not been reaped.
                unsafe { libc::kill(waiter, libc::SIGKILL) };
                return Err(e);
            }
        }
        return Ok(0);
    }
    if let Some(f) = o.pid_file {
        super::create::write_pid_file(f, std::process::id() as i32)?;
    }
    let tty = pty.is_some_and(take_terminal);
    drop(stdio);
    crate::oci::signal::forward(socket, Some(pid), crate::oci::signal::EXEC_FORWARDED, tty);
    Ok(wait_status(conn, pid))
}

/// Makes `pty` this process's controlling terminal in a session of its
/// own; whether it could (a process group leader cannot start a session,
/// and then the terminal raises no signals).
fn take_terminal(pty: &OwnedFd) -> bool {
    // SAFETY: setsid has no preconditions.
    let leader = unsafe { libc::setsid() } >= 0;
    leader && crate::oci::console::take_host_terminal(pty)
}

/// The process to run: the `--process` file as it is, or COMMAND on the
/// container's process changed by the options.
fn process_for(o: &ExecOpts<'_>, bundle: &Path) -> Result<Process, CmdError> {
    if let Some(f) = o.process {
        let mut p = spec::load_process(f)?;
        // Without its own capabilities the process gets the container's
        // (runc's setns init falls back to the container's config).
        if p.capabilities.is_none() {
            p.capabilities = Some(spec::load(bundle)?.capabilities);
        }
        return Ok(p);
    }
    let base: Bundle = spec::load(bundle)?;
    if o.command.first().is_none_or(|c| c.is_empty()) {
        return Err(CmdError::Msg(format!(
            "exec {}: name the program to run after the container id, or pass --process FILE",
            o.id
        )));
    }
    let mut env = base.env.clone();
    for kv in o.env {
        let key = kv.split('=').next().unwrap_or(kv);
        match env.iter_mut().find(|e| e.split('=').next() == Some(key)) {
            Some(e) => e.clone_from(kv),
            None => env.push(kv.clone()),
        }
    }
    let (uid, gid) = match o.user {
        Some(u) => parse_user(u)?,
        None => (base.uid, base.gid),
    };
    Ok(Process {
        args: o.command.to_vec(),
        env,
        cwd: o.cwd.map_or_else(|| base.cwd.clone(), String::from),
        uid,
        gid,
        additional_gids: if o.additional_gids.is_empty() {
            base.additional_gids.clone()
        } else {
            o.additional_gids.to_vec()
        },
        rlimits: base.rlimits.clone(),
        no_new_privileges: base.no_new_privileges,
        capabilities: Some(base.capabilities),
        terminal: o.tty,
    })
}

/// `UID[:GID]` (numbers; the gid defaults to 0, as in runc).
fn parse_user(u: &str) -> Result<(u32, u32), CmdError> {
    let bad = || {
        CmdError::Msg(format!(
            "--user {u:?}: use numeric UID[:GID] (user names are not looked up)"
        ))
    };
    let (uid, gid) = match u.split_once(':') {
        Some((a, b)) => (a, Some(b)),
        None => (u, None),
    };
    let uid = uid.parse().map_err(|_| bad())?;
    let gid = match gid {
        Some(g) => g.parse().map_err(|_| bad())?,
        None => 0,
    };
    Ok((uid, gid))
}

/// The process's fds 0-2: a pty's slave (its master sent to the console
/// socket), or copies of this command's stdio.
fn stdio_for(p: &Process, console_socket: Option<&Path>) -> Result<[OwnedFd; 3], CmdError> {
    if p.terminal {
        if let Some(s) = console_socket {
            return crate::oci::console::pty_for_socket(s).map_err(CmdError::Msg);
        }
        // SAFETY: isatty on fd 0 has no preconditions.
        if unsafe { libc::isatty(libc::STDIN_FILENO) } != 1 {
            return Err(CmdError::Msg(
                "--tty needs --console-socket, or a terminal on stdin to share".into(),
            ));
        }
    } else if console_socket.is_some() {
        sentry::log::warn("exec: --console-socket without a terminal is not used");
    }
    let dup = |fd: std::os::fd::BorrowedFd<'_>, name: &str| {
        fd.try_clone_to_owned()
            .map_err(|e| CmdError::Msg(format!("cannot duplicate {name}: {e}")))
    };
    Ok([
        dup(std::io::stdin().as_fd(), "stdin")?,
        dup(std::io::stdout().as_fd(), "stdout")?,
        dup(std::io::stderr().as_fd(), "stderr")?,
    ])
}

/// Forks the child that holds `conn` for a detached exec; returns its pid.
fn spawn_waiter(
    conn: UnixStream,
    socket: PathBuf,
    pid: i32,
    pty: Option<&OwnedFd>,
) -> Result<i32, CmdError> {
    // SAFETY: runsc has started no thread by now (clap, the state files
    // and the control request run on the main thread), so the child is a
    // complete copy: no lock it might need is held by a thread that does
    // not exist in it.
    let child = unsafe { libc::fork() };
    if child < 0 {
        return Err(CmdError::Msg(format!(
            "cannot start the process that waits for the exec: {}",
            std::io::Error::last_os_error()
        )));
    }
    if child == 0 {
        detach_stdio();
        let tty = pty.is_some_and(take_terminal);
        crate::oci::signal::forward(socket, Some(pid), crate::oci::signal::EXEC_FORWARDED, tty);
        std::process::exit(wait_status(conn, pid));
    }
    drop(conn);
    Ok(child)
}

/// Points fds 0-2 at /dev/null, so that a caller reading this process's
/// output is not kept waiting by it.
fn detach_stdio() {
    let Ok(null) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")
    else {
        return;
    };
    for fd in 0..3 {
        // SAFETY: dup2 of an open fd onto a standard fd number.
        unsafe { libc::dup2(null.as_raw_fd(), fd) };
    }
}

/// Waits on `conn` for the exit status of guest process `pid`; a sandbox
/// that ends first took the process with it (SIGKILL).
fn wait_status(mut conn: UnixStream, pid: i32) -> i32 {
    match control::read_msg(&mut conn) {
        Ok(v) => v["exitStatus"]
            .as_i64()
            .and_then(|c| i32::try_from(c).ok())
            .unwrap_or(128 + SIGKILL),
        Err(e) => {
            sentry::log::warn(&format!(
                "exec: the sandbox ended before process {pid} did ({e})"
            ));
            128 + SIGKILL
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_parse_user_takes_uid_and_optional_gid() {
        assert_eq!(parse_user("1000").ok(), Some((1000, 0)));
        assert_eq!(parse_user("1000:100").ok(), Some((1000, 100)));
        assert!(parse_user("root").is_err());
        assert!(parse_user("1:x").is_err());
    }
}
