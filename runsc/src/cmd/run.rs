//! `runsc run [--bundle B] [--detach] [--pid-file F] ID`: create, start
//! and (unless --detach) wait; exits with the guest's status and, like
//! runc, removes the container once it has ended. While it waits, the
//! signals a terminal or a supervisor sends (HUP, INT, QUIT, TERM, USR1,
//! USR2) go on to the guest's init instead of ending `run`.

use super::create::{self, CreateOpts};
use super::CmdError;
use crate::cli::GlobalOpts;
use crate::oci::control;
use crate::oci::state::{Container, SOCKET_NAME};
use serde_json::json;
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::time::Duration;

/// `runsc run`.
pub fn run(global: &GlobalOpts, o: &CreateOpts<'_>, detach: bool) -> Result<i32, CmdError> {
    let mut child = create::create(global, o)?;
    if !detach {
        // Before start, so that no signal meant for the guest can end
        // `run` once the guest runs; after create, so that the sandbox
        // does not inherit the blocked mask.
        forward_signals(global.root.join(o.id).join(SOCKET_NAME));
    }
    let started = Container::open(&global.root, o.id)
        .map_err(CmdError::from)
        .and_then(|c| super::start::start(&c));
    if let Err(e) = started {
        let _ = child.kill();
        let _ = child.wait();
        if let Ok(c) = Container::open(&global.root, o.id) {
            let _ = c.destroy();
        }
        return Err(e);
    }
    if detach {
        return Ok(0);
    }
    // The sandbox is our child: its status is the guest's.
    let status = child
        .wait()
        .map_err(|e| CmdError::Msg(format!("cannot wait for the sandbox process: {e}")))?;
    let code = status
        .code()
        .or_else(|| status.signal().map(|s| 128 + s))
        .unwrap_or(255);
    if let Ok(c) = Container::open(&global.root, o.id) {
        let _ = c.destroy();
    }
    Ok(code)
}

/// Host signals `run` passes on to the guest's init.
const FORWARDED: &[i32] = &[
    libc::SIGHUP,
    libc::SIGINT,
    libc::SIGQUIT,
    libc::SIGTERM,
    libc::SIGUSR1,
    libc::SIGUSR2,
];

/// Blocks [`FORWARDED`] in this (still single-threaded) process and
/// starts a thread that takes each with sigwait and sends it to the
/// sandbox at `socket`. Called after the sandbox is spawned, so it does
/// not inherit the mask.
fn forward_signals(socket: PathBuf) {
    // SAFETY: sigset_t is plain data that sigemptyset initializes.
    let mut set: libc::sigset_t = unsafe { std::mem::zeroed() };
    // SAFETY: sigemptyset/sigaddset on a local set; pthread_sigmask with a
    // valid set and a null old-set pointer.
    unsafe {
        libc::sigemptyset(&mut set);
        for &s in FORWARDED {
            libc::sigaddset(&mut set, s);
        }
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
    }
    let spawned = std::thread::Builder::new()
        .name("forward-signals".into())
        .spawn(move || loop {
            let mut sig = 0;
            // SAFETY: sigwait with a valid set and out-pointer.
            if unsafe { libc::sigwait(&set, &mut sig) } != 0 {
                continue;
            }
            let req = json!({"cmd": "signal", "signal": sig, "all": false});
            if let Err(e) = control::request(&socket, &req, Some(Duration::from_secs(5))) {
                sentry::log::warn(&format!("cannot forward signal {sig}: {e}"));
            }
        });
    if spawned.is_err() {
        sentry::log::warn("cannot forward signals to the container: no thread");
    }
}
