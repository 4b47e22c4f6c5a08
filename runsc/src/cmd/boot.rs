//! `runsc boot ID` (hidden): the sandbox process of one container, started
//! by `create`. It starts the gofer for the bundle's root, boots the
//! kernel and loads the program (so a bad executable fails `create`),
//! reports `ok` (or `error: ...`) on its readiness pipe, and then serves
//! its control socket: `start` runs the guest, `signal` delivers to it,
//! `ps` lists its processes. It exits with the guest init's status
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
        Some(s) => console(s)?,
        None => [
            dup(std::io::stdin().as_fd(), "stdin")?,
            dup(std::io::stdout().as_fd(), "stdout")?,
            dup(std::io::stderr().as_fd(), "stderr")?,
        ],
    };
    let write_through = global.overlay2 == crate::cli::Overlay::None;
    let (gofer_sock, gofer) = super::r#do::spawn_gofer(&b.rootfs, write_through && !b.readonly)?;
    let init = sentry::InitProcess {
        path: b.args[0].as_bytes().to_vec(),
        argv: b.args.iter().map(|a| a.as_bytes().to_vec()).collect(),
        envp: b.env.iter().map(|e| e.as_bytes().to_vec()).collect(),
        cwd: b.cwd.as_bytes().to_vec(),
        stdio,
        uid: b.uid,
        gid: b.gid,
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
    };
    let config_path = b.dir.join("config.json");
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

/// Words for the errno names exec failures carry.
fn explain_exec(detail: &str) -> String {
    let words = match detail.split_whitespace().next().unwrap_or("") {
        "ENOENT" => "no such file in the container's root filesystem",
        "EACCES" => "permission denied (not an executable file?)",
        "ENOEXEC" => "not an executable format the sandbox can run",
        "ENOTDIR" => "a component of the path is not a directory",
        "ELOOP" => "too many symbolic links",
        _ => return detail.to_string(),
    };
    format!("{words} ({detail})")
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
                handle(conn, &ctl, &tx, &st);
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
    let Ok(req) = control::read_msg(&mut conn) else {
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
            signal(ctl, started, sig, all, &mut after)
        }
        Some("ps") => {
            let procs: Vec<Value> = ctl
                .processes()
                .into_iter()
                .map(|p| json!({"pid": p.pid, "ppid": p.ppid, "hostPid": p.host_pid}))
                .collect();
            json!({"ok": true, "processes": procs})
        }
        _ => error_reply("unknown request"),
    };
    // Reply first: the process may end as soon as the event is handled.
    let _ = control::write_msg(&mut conn, &reply);
    drop(conn);
    if let Some(ev) = after {
        let _ = tx.send(ev);
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

/// A pty whose master goes to the console socket; returns the slave three
/// times, for the guest's stdio.
fn console(socket: &Path) -> Result<[OwnedFd; 3], CmdError> {
    let fail = |what: &str, e: std::io::Error| {
        CmdError::Msg(format!("console socket {}: {what}: {e}", socket.display()))
    };
    let (mut master, mut slave) = (-1, -1);
    // SAFETY: openpty writes two fds through valid pointers; name, termios
    // and winsize are null (not wanted).
    let r = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    if r != 0 {
        return Err(fail("cannot open a pty", std::io::Error::last_os_error()));
    }
    // SAFETY: openpty succeeded, so both fds are open and ours alone.
    let (master, slave) = unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
    let stream = UnixStream::connect(socket).map_err(|e| fail("cannot connect", e))?;
    send_fd(&stream, &master).map_err(|e| fail("cannot send the pty master", e))?;
    drop(master);
    let again = |_| {
        slave
            .try_clone()
            .map_err(|e| fail("cannot duplicate the pty", e))
    };
    Ok([again(0)?, again(1)?, slave])
}

/// Sends `fd` over `s` with SCM_RIGHTS, with the name runc sends as data.
fn send_fd(s: &UnixStream, fd: &OwnedFd) -> std::io::Result<()> {
    let name = b"/dev/ptmx";
    // SAFETY: CMSG_SPACE is a pure size computation.
    let space = unsafe { libc::CMSG_SPACE(std::mem::size_of::<i32>() as u32) } as usize;
    let mut cbuf = vec![0u64; space.div_ceil(8)];
    let mut iov = libc::iovec {
        iov_base: name.as_ptr() as *mut libc::c_void,
        iov_len: name.len(),
    };
    // SAFETY: msghdr is plain data; every pointer set below refers to a
    // live buffer of the stated length (iov, cbuf), and CMSG_FIRSTHDR of
    // a control buffer of CMSG_SPACE(4) bytes is non-null and writable
    // for a header and one int.
    let r = unsafe {
        let mut msg: libc::msghdr = std::mem::zeroed();
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = cbuf.as_mut_ptr() as *mut libc::c_void;
        msg.msg_controllen = space;
        let c = libc::CMSG_FIRSTHDR(&msg);
        (*c).cmsg_level = libc::SOL_SOCKET;
        (*c).cmsg_type = libc::SCM_RIGHTS;
        (*c).cmsg_len = libc::CMSG_LEN(std::mem::size_of::<i32>() as u32) as usize;
        std::ptr::write_unaligned(libc::CMSG_DATA(c) as *mut i32, fd.as_raw_fd());
        libc::sendmsg(s.as_raw_fd(), &msg, 0)
    };
    if r < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}
