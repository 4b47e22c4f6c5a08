//! `runsc boot ID` (hidden): the sandbox process of one container, started
//! by `create`. It starts the gofer for the bundle's root, boots the
//! kernel and loads the program (so a bad executable fails `create`),
//! reports `ok` (or `error: ...`) on its readiness pipe, and then serves
//! its control socket (one thread per connection): `start` runs the
//! guest, `signal` delivers to it, `ps` lists its processes, `exec` starts
//! another process and reports its end, `pause` and `resume` hold and
//! release every guest task. It exits with the guest init's status
//! (128 + signal for a signal), after writing it to the state
//! directory's `exit` file.

use super::CmdError;
use crate::cli::GlobalOpts;
use crate::confine;
use crate::oci::control::{self, error_reply};
use crate::oci::spec::{self, absolute};
use crate::oci::state::{EXIT_NAME, SOCKET_NAME};
use sentry::abi::signal::{default_action, DefaultAction, SIGKILL};
use sentry::control::{Controller, Sandbox};
use sentry::kernel::caps::ProcessCaps;
use serde_json::{json, Value};
use std::fs::File;
use std::io::Write;
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

/// What the control thread tells the main thread.
enum Event {
    /// Run the guest.
    Start,
    /// A signal whose default action ends the process arrived before
    /// start: the guest never runs and ends with it.
    KilledBeforeStart(i32),
}

/// Everything built before `ok` is reported.
struct Prepared {
    sandbox: Sandbox,
    listener: UnixListener,
    exit_file: File,
    gofer: std::process::Child,
}

/// Runs the sandbox process; returns its exit code.
pub fn run(
    global: &GlobalOpts,
    bundle: &Path,
    ready_fd: i32,
    console_socket: Option<&Path>,
    id: &str,
) -> Result<i32, CmdError> {
    // Before any thread: terminal signals are the guest's.
    sentry::kernel::hostsig::block();
    if ready_fd < 3 {
        return Err(CmdError::Msg(format!(
            "boot: --ready-fd {ready_fd} is not an inherited pipe (runsc create passes it)"
        )));
    }
    // SAFETY: create passed this pipe's write end for boot to own; nothing
    // else in this process uses the fd.
    let mut ready = File::from(unsafe { OwnedFd::from_raw_fd(ready_fd) });
    let dir = absolute(&global.root).join(id);
    let p = match prepare(global, bundle, console_socket, &dir, id) {
        Ok(p) => p,
        Err(e) => {
            let _ = writeln!(ready, "error: {e}");
            return Ok(1);
        }
    };
    if writeln!(ready, "ok").is_err() {
        // create is gone (killed): nobody will start this container.
        return Ok(1);
    }
    drop(ready);
    serve(p)
}

fn prepare(
    global: &GlobalOpts,
    bundle: &Path,
    console_socket: Option<&Path>,
    dir: &Path,
    id: &str,
) -> Result<Prepared, CmdError> {
    let b = spec::load(bundle)?;
    let msg = |what: &str, path: &Path, e: std::io::Error| {
        CmdError::Msg(format!("{what} {}: {e}", path.display()))
    };
    let exit_path = dir.join(EXIT_NAME);
    let exit_file = File::create(&exit_path).map_err(|e| msg("cannot create", &exit_path, e))?;
    let sock = dir.join(SOCKET_NAME);
    let listener = control::listen(&sock).map_err(|e| msg("cannot listen on", &sock, e))?;
    let stdio = match console_socket {
        Some(s) => {
            let fds = crate::oci::console::pty_for_socket(s).map_err(CmdError::Msg)?;
            crate::oci::console::take_host_terminal(&fds[0]);
            fds
        }
        None => [
            dup(std::io::stdin().as_fd(), "stdin")?,
            dup(std::io::stdout().as_fd(), "stdout")?,
            dup(std::io::stderr().as_fd(), "stderr")?,
        ],
    };
    let write_through = global.overlay2 == crate::cli::Overlay::None;
    let config_path = b.dir.join("config.json");
    let (layout, binds) = layout(&b, &config_path)?;
    let (gofer_sock, gofer) =
        super::r#do::spawn_gofer_mounts(&b.rootfs, write_through && !b.readonly, &binds)?;
    let init = sentry::InitProcess {
        path: b.args[0].as_bytes().to_vec(),
        argv: b.args.iter().map(|a| a.as_bytes().to_vec()).collect(),
        envp: b.env.iter().map(|e| e.as_bytes().to_vec()).collect(),
        cwd: b.cwd.as_bytes().to_vec(),
        stdio,
        uid: b.uid,
        gid: b.gid,
        groups: b.additional_gids.clone(),
        rlimits: b.rlimits.clone(),
        no_new_privs: b.no_new_privileges,
        caps: b.capabilities,
        terminal: console_socket.is_some(),
    };
    let config = sentry::kernel::KernelConfig {
        strace: global.strace,
        hostname: b.hostname.clone().unwrap_or_else(|| id.to_string()),
        seccomp: sentry::confine::SeccompMode::from_env(),
    };
    let root = sentry::RootFs {
        gofer: gofer_sock,
        tmpfs_tmp: false,
        overlay: !write_through,
        layout,
        ids: b.ids.clone(),
    };
    // Everything from the host is open: confine this process (the
    // seccomp filter follows in sentry::control::prepare).
    let network = match (global.network, &b.netns) {
        (crate::cli::NetworkKind::Host, _) => confine::Network::Host,
        (_, Some(ns)) => confine::Network::Join(
            File::open(ns)
                .map_err(|e| msg("cannot open the network namespace", ns, e))?
                .into(),
        ),
        (_, None) => confine::Network::New,
    };
    sentry::before_confinement();
    let confined = confine::enter(confine::Options {
        network,
        lifeline: None,
    })?;
    if global.debug {
        sentry::log::line(&format!(
            "runsc: debug: sandbox confined (user namespace: {})",
            confined.user_ns
        ));
    }
    let sandbox = sentry::control::prepare(config, root, init).map_err(|e| match e {
        sentry::BootError::Exec { path, detail } => CmdError::Msg(format!(
            "cannot run process.args[0] {path:?}: {}; fix process.args in {}",
            explain_exec(&detail),
            config_path.display()
        )),
        e => CmdError::Boot(e),
    })?;
    Ok(Prepared {
        sandbox,
        listener,
        exit_file,
        gofer,
    })
}

/// The container's file system beyond its root, from the bundle, and
/// the host files and directories its bind mounts need from the gofer
/// (the sandbox opens no host path: each is an extra tree the gofer
/// serves, attached by index).
fn layout(
    b: &spec::Bundle,
    config_path: &Path,
) -> Result<(sentry::FsLayout, Vec<gofer::BindSource>), CmdError> {
    let mut binds = Vec::new();
    let mut mounts = Vec::with_capacity(b.mounts.len());
    for (i, m) in b.mounts.iter().enumerate() {
        let gofer_tree = if m.is_bind() {
            let source = m.host_source(&b.dir);
            if let Err(e) = std::fs::metadata(&source) {
                return Err(CmdError::Msg(format!(
                    "cannot bind-mount {} (mounts[{i}].source in {}): {e}",
                    source.display(),
                    config_path.display()
                )));
            }
            binds.push(gofer::BindSource {
                path: source,
                read_only: m.read_only(),
            });
            u32::try_from(binds.len() - 1).ok()
        } else {
            None
        };
        mounts.push(sentry::MountConfig {
            destination: m.destination.as_bytes().to_vec(),
            fstype: m.typ.clone(),
            source: m.source.clone(),
            options: m.options.clone(),
            gofer_tree,
        });
    }
    let paths = |ps: &[String]| ps.iter().map(|p| p.as_bytes().to_vec()).collect();
    let layout = sentry::FsLayout {
        read_only: b.readonly,
        mounts: Some(mounts),
        masked_paths: paths(&b.masked_paths),
        readonly_paths: paths(&b.readonly_paths),
    };
    Ok((layout, binds))
}

/// Words for the errno names exec failures carry: "words (ERRNO)", or
/// the detail as it is when its errno has no words here.
fn explain_exec(detail: &str) -> String {
    let errno = detail.split_whitespace().next().unwrap_or("");
    let words = match errno {
        "ENOENT" => "no such file in the container's root filesystem",
        "EACCES" => "permission denied (not an executable file?)",
        "ENOEXEC" => "not an executable format the sandbox can run",
        "ENOTDIR" => "a component of the path is not a directory",
        "ELOOP" => "too many symbolic links",
        _ => return detail.to_string(),
    };
    format!("{words} ({errno})")
}

fn dup(fd: std::os::fd::BorrowedFd<'_>, name: &str) -> Result<OwnedFd, CmdError> {
    fd.try_clone_to_owned()
        .map_err(|e| CmdError::Msg(format!("cannot duplicate {name}: {e}")))
}

/// Serves the control socket until the guest ends; returns its status.
fn serve(p: Prepared) -> Result<i32, CmdError> {
    let Prepared {
        sandbox,
        listener,
        mut exit_file,
        mut gofer,
    } = p;
    let (tx, rx) = mpsc::channel::<Event>();
    let ctl = sandbox.controller();
    let started = Arc::new(AtomicBool::new(false));
    let (st, tx2, ctl2, started2) = (started.clone(), tx.clone(), ctl.clone(), started.clone());
    std::thread::Builder::new()
        .name("control".into())
        .spawn(move || {
            for conn in listener.incoming().flatten() {
                let (ctl, tx, st) = (ctl.clone(), tx.clone(), st.clone());
                // An exec's connection lasts as long as its process.
                let spawned = std::thread::Builder::new()
                    .name("control-conn".into())
                    .spawn(move || handle(conn, &ctl, &tx, &st));
                if let Err(e) = spawned {
                    sentry::log::warn(&format!("control socket: no thread: {e}"));
                }
            }
        })
        .map_err(|e| CmdError::Msg(format!("cannot start the control thread: {e}")))?;
    // Without its gofer the guest has no files: a gofer that dies ends
    // the container as SIGKILL would. (The gofer itself dies with this
    // process: PR_SET_PDEATHSIG.)
    std::thread::Builder::new()
        .name("gofer-watch".into())
        .spawn(move || {
            let st = gofer.wait();
            sentry::log::warn(&format!(
                "the gofer ended ({}); stopping the container",
                st.map_or_else(|e| e.to_string(), |s| s.to_string())
            ));
            if started2.swap(true, Ordering::SeqCst) {
                let _ = ctl2.signal_all(SIGKILL);
            } else {
                let _ = tx2.send(Event::KilledBeforeStart(SIGKILL));
            }
        })
        .map_err(|e| CmdError::Msg(format!("cannot start the gofer watcher: {e}")))?;
    let code = match rx.recv() {
        Ok(Event::Start) => match sandbox.start() {
            Ok(status) => status.shell_code(),
            Err(e) => {
                sentry::log::warn(&format!("the sandbox failed: {e}"));
                128 + SIGKILL
            }
        },
        Ok(Event::KilledBeforeStart(sig)) => 128 + sig,
        Err(_) => 128 + SIGKILL,
    };
    let _ = exit_file.write_all(format!("{code}\n").as_bytes());
    let _ = exit_file.sync_all();
    Ok(code)
}

/// Answers one control connection.
fn handle(mut conn: UnixStream, ctl: &Controller, tx: &mpsc::Sender<Event>, started: &AtomicBool) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(10)));
    let Ok((req, fds)) = control::read_msg_fds(&mut conn) else {
        return;
    };
    let mut after = None;
    let reply = match req.get("cmd").and_then(Value::as_str) {
        Some("start") => {
            if started.swap(true, Ordering::SeqCst) {
                error_reply("the container has already been started or killed")
            } else {
                after = Some(Event::Start);
                json!({"ok": true})
            }
        }
        Some("signal") => {
            let sig = req
                .get("signal")
                .and_then(Value::as_i64)
                .and_then(|s| i32::try_from(s).ok())
                .unwrap_or(0);
            let all = req.get("all").and_then(Value::as_bool).unwrap_or(false);
            let pid = req
                .get("pid")
                .and_then(Value::as_i64)
                .and_then(|p| i32::try_from(p).ok());
            // As raised by the terminal of an exec'd process: for its
            // terminal's foreground group.
            let terminal = req.get("terminal").and_then(Value::as_bool) == Some(true);
            match pid {
                Some(pid) => signal_process(ctl, started, pid, sig, terminal),
                None => signal(ctl, started, sig, all, &mut after),
            }
        }
        Some("ps") => {
            let procs: Vec<Value> = ctl
                .processes()
                .into_iter()
                .map(|p| {
                    json!({"pid": p.pid, "ppid": p.ppid, "hostPid": p.host_pid,
                           "uid": p.uid, "cmd": p.cmd})
                })
                .collect();
            json!({"ok": true, "processes": procs, "paused": ctl.is_paused()})
        }
        Some("pause") if !started.load(Ordering::SeqCst) => {
            error_reply("the container has not been started")
        }
        Some("pause") => {
            ctl.pause(PAUSE_SETTLE);
            json!({"ok": true})
        }
        Some("resume") => {
            ctl.resume();
            json!({"ok": true})
        }
        Some("exec") => return exec(conn, &req, fds, ctl, started),
        _ => error_reply("unknown request"),
    };
    // Reply first: the process may end as soon as the event is handled.
    let _ = control::write_msg(&mut conn, &reply);
    drop(conn);
    if let Some(ev) = after {
        let _ = tx.send(ev);
    }
}

/// How long `pause` waits at most for the tasks running guest code to
/// leave it (each is interrupted, so this is a bound, not a delay).
const PAUSE_SETTLE: Duration = Duration::from_secs(1);

/// How often an exec's waiter looks for its client's hang-up.
const EXEC_POLL: Duration = Duration::from_millis(100);

/// `exec`: starts the process, replies with its pid, then waits for it and
/// sends its status. A client that hangs up first takes the process with
/// it (SIGKILL).
fn exec(
    mut conn: UnixStream,
    req: &Value,
    fds: Vec<OwnedFd>,
    ctl: &Controller,
    started: &AtomicBool,
) {
    let spec = match exec_spec(req, fds, ctl, started) {
        Ok(s) => s,
        Err(e) => {
            let _ = control::write_msg(&mut conn, &error_reply(&e));
            return;
        }
    };
    let pid = match ctl.exec(spec) {
        Ok(pid) => pid,
        Err(e) => {
            let msg = match e {
                sentry::BootError::Exec { path, detail } => {
                    format!("cannot run {path:?}: {}", explain_exec(&detail))
                }
                sentry::BootError::Cwd { path, errno } => {
                    format!(
                        "cannot enter the working directory {path:?}: {}",
                        explain_exec(&errno.to_string())
                    )
                }
                e => format!("cannot start the process: {e}"),
            };
            let _ = control::write_msg(&mut conn, &error_reply(&msg));
            return;
        }
    };
    let _ = control::write_msg(&mut conn, &json!({"ok": true, "pid": pid}));
    let mut killed = false;
    let status = loop {
        if let Some(st) = ctl.wait_exit(pid, EXEC_POLL) {
            break st;
        }
        if !killed && hung_up(&conn) {
            sentry::log::warn(&format!(
                "exec: the client of process {pid} is gone; killing it"
            ));
            let _ = ctl.signal_process(pid, SIGKILL);
            killed = true;
        }
    };
    ctl.reap(pid);
    let _ = control::write_msg(&mut conn, &json!({"exitStatus": status.shell_code()}));
}

/// The process an `exec` request describes, with its stdio from `fds`.
fn exec_spec(
    req: &Value,
    fds: Vec<OwnedFd>,
    ctl: &Controller,
    started: &AtomicBool,
) -> Result<sentry::InitProcess, String> {
    if !started.load(Ordering::SeqCst) {
        return Err("the container has not been started".into());
    }
    if ctl.is_paused() {
        return Err("the container is paused: resume it first".into());
    }
    let stdio: [OwnedFd; 3] = fds
        .try_into()
        .map_err(|_| "exec needs three fds (stdin, stdout, stderr)".to_string())?;
    let strings = |k: &str| -> Result<Vec<Vec<u8>>, String> {
        match req.get(k) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(a)) => a
                .iter()
                .map(|s| s.as_str().map(|s| s.as_bytes().to_vec()))
                .collect::<Option<_>>()
                .ok_or_else(|| format!("exec: {k} must be strings")),
            Some(_) => Err(format!("exec: {k} must be an array")),
        }
    };
    let argv = strings("args")?;
    let path = argv
        .first()
        .filter(|a| !a.is_empty())
        .cloned()
        .ok_or("exec: args is empty: name the program to run")?;
    let id = |k: &str| -> Result<u32, String> {
        match req.get(k) {
            None | Some(Value::Null) => Ok(0),
            Some(v) => v
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| format!("exec: {k} must be a number from 0 to 4294967295")),
        }
    };
    let groups = match req.get("groups") {
        Some(Value::Array(a)) => a
            .iter()
            .map(|g| g.as_u64().and_then(|n| u32::try_from(n).ok()))
            .collect::<Option<Vec<u32>>>()
            .ok_or("exec: groups must be numbers")?,
        _ => Vec::new(),
    };
    // [resource, soft, hard] triples, as `runsc exec` sends them.
    let rlimits = match req.get("rlimits") {
        Some(Value::Array(a)) => a
            .iter()
            .map(|r| {
                let n = |i: usize| r.get(i).and_then(Value::as_u64);
                let resource = usize::try_from(n(0)?).ok()?;
                let limit = sentry::abi::misc::Rlimit {
                    cur: n(1)?,
                    max: n(2)?,
                };
                Some((resource, limit))
            })
            .collect::<Option<Vec<_>>>()
            .ok_or("exec: rlimits must be [resource, soft, hard] numbers")?,
        _ => Vec::new(),
    };
    // Capability masks, as `runsc exec` sends them (none when missing,
    // as for a bundle without process.capabilities).
    let caps = match req.get("capabilities") {
        None | Some(Value::Null) => ProcessCaps::NONE,
        Some(c) => {
            let mask = |k: &str| {
                c.get(k)
                    .and_then(Value::as_u64)
                    .map(|m| m & sentry::abi::caps::CAP_FULL_SET)
                    .ok_or_else(|| format!("exec: capabilities.{k} must be a number"))
            };
            ProcessCaps {
                bounding: mask("bounding")?,
                effective: mask("effective")?,
                permitted: mask("permitted")?,
                inheritable: mask("inheritable")?,
                ambient: mask("ambient")?,
            }
        }
    };
    Ok(sentry::InitProcess {
        path,
        argv,
        envp: strings("env")?,
        cwd: req
            .get("cwd")
            .and_then(Value::as_str)
            .unwrap_or("/")
            .as_bytes()
            .to_vec(),
        stdio,
        uid: id("uid")?,
        gid: id("gid")?,
        groups,
        rlimits,
        no_new_privs: req
            .get("noNewPrivileges")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        caps,
        terminal: req
            .get("terminal")
            .and_then(Value::as_bool)
            .unwrap_or(false),
    })
}

/// Whether the peer of `conn` has closed its end (or the socket failed).
fn hung_up(conn: &UnixStream) -> bool {
    let mut pfd = libc::pollfd {
        fd: conn.as_raw_fd(),
        events: libc::POLLRDHUP,
        revents: 0,
    };
    // SAFETY: one valid pollfd; a zero timeout only samples its state.
    let r = unsafe { libc::poll(&mut pfd, 1, 0) };
    r > 0 && pfd.revents & (libc::POLLRDHUP | libc::POLLHUP | libc::POLLERR) != 0
}

/// `signal` with a pid: that guest process only.
fn signal_process(
    ctl: &Controller,
    started: &AtomicBool,
    pid: i32,
    sig: i32,
    terminal: bool,
) -> Value {
    if !(1..sentry::abi::signal::NSIG).contains(&sig) {
        return error_reply(&format!("signal {sig} is out of range"));
    }
    if !started.load(Ordering::SeqCst) {
        return error_reply("the container has not been started");
    }
    let sent = if terminal {
        ctl.signal_terminal(pid, sig)
    } else {
        ctl.signal_process(pid, sig)
    };
    match sent {
        Ok(()) => json!({"ok": true}),
        Err(e) if e == sentry::abi::Errno::ESRCH => {
            error_reply(&format!("no process {pid} in the container"))
        }
        Err(e) => error_reply(&format!("cannot signal process {pid}: {e}")),
    }
}

fn signal(
    ctl: &Controller,
    started: &AtomicBool,
    sig: i32,
    all: bool,
    after: &mut Option<Event>,
) -> Value {
    if !(1..sentry::abi::signal::NSIG).contains(&sig) {
        return error_reply(&format!("signal {sig} is out of range"));
    }
    if !started.load(Ordering::SeqCst) {
        // The guest has not run, so every disposition is the default: a
        // fatal signal ends it before it starts, any other is ignored.
        let fatal = matches!(
            default_action(sig),
            DefaultAction::Terminate | DefaultAction::Core
        );
        if !fatal {
            return json!({"ok": true});
        }
        if !started.swap(true, Ordering::SeqCst) {
            *after = Some(Event::KilledBeforeStart(sig));
            return json!({"ok": true});
        }
        // Started meanwhile: deliver it.
    }
    let res = if all {
        ctl.signal_all(sig).map(|_| ())
    } else {
        ctl.signal_init(sig)
    };
    match res {
        Ok(()) => json!({"ok": true}),
        Err(e) if e == sentry::abi::Errno::ESRCH => {
            error_reply("container not running (the guest has exited)")
        }
        Err(e) => error_reply(&format!("cannot signal the guest: {e}")),
    }
}
