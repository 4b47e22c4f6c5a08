//! Terminal signals the host sends the sandbox process go to the guest.
//!
//! The sandbox's terminal is a host pty (a container's console, or the
//! terminal `runsc do` runs in), so the host's line discipline turns ^C,
//! ^\ and ^Z into SIGINT, SIGQUIT and SIGTSTP, a resize into SIGWINCH and
//! a hang-up into SIGHUP, and sends them to the host's foreground process
//! group of that terminal: the sandbox process (stubs lead sessions of
//! their own and see none of them). The sentry blocks these signals in
//! all its threads and one thread takes them and sends each to the
//! foreground process group of init's controlling terminal, as the
//! guest's own terminal would, or to init when it has no terminal.

use super::Kernel;
use crate::abi::signal::{SigInfo, SIGHUP, SIGINT, SIGQUIT, SIGTSTP, SIGWINCH, SI_KERNEL};
use std::sync::Weak;

/// The guest's init.
const INIT_PID: i32 = 1;

/// The host signals forwarded (host and guest numbers agree on x86-64).
const FORWARDED: [i32; 5] = [SIGINT, SIGQUIT, SIGTSTP, SIGWINCH, SIGHUP];

fn signal_set() -> libc::sigset_t {
    // SAFETY: sigset_t is plain data; sigemptyset initializes it.
    let mut set: libc::sigset_t = unsafe { std::mem::zeroed() };
    // SAFETY: set is a valid sigset_t; the numbers are valid signals.
    unsafe {
        libc::sigemptyset(&mut set);
        for s in FORWARDED {
            libc::sigaddset(&mut set, s);
        }
    }
    set
}

/// Blocks the forwarded signals in the calling thread and so in every
/// thread it starts later: the sandbox process calls this first, before
/// it has other threads.
pub fn block() {
    let set = signal_set();
    // SAFETY: set is initialized; the old mask is not wanted.
    unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) };
}

/// Starts the thread that takes the blocked signals and forwards them.
pub fn start(kernel: Weak<Kernel>) {
    let _ = std::thread::Builder::new()
        .name("host-signals".into())
        .spawn(move || {
            let set = signal_set();
            loop {
                // SAFETY: set is initialized; no siginfo is wanted.
                let sig = unsafe { libc::sigwaitinfo(&set, std::ptr::null_mut()) };
                if sig < 0 {
                    continue;
                }
                let Some(k) = kernel.upgrade() else {
                    return;
                };
                forward(&k, sig);
            }
        });
}

/// Sends `sig` to the foreground group of init's controlling terminal,
/// else (not a resize) to init.
fn forward(k: &Kernel, sig: i32) {
    to_foreground(k, INIT_PID, sig);
}

/// Sends `sig`, as a terminal raises it, to the foreground process group
/// of `pid`'s session's controlling terminal, else (not a resize) to
/// `pid`.
pub fn to_foreground(k: &Kernel, pid: i32, sig: i32) {
    let fg = k
        .procs
        .pgid_sid(pid)
        .and_then(|(_, sid)| k.procs.session_foreground(sid));
    let targets = match fg {
        Some(pgid) => k.procs.group_members(pgid),
        None if sig == SIGWINCH => Vec::new(),
        None => vec![pid],
    };
    for pid in targets {
        let _ = k.procs.send(pid, sig, SigInfo::new(sig, SI_KERNEL));
    }
}
