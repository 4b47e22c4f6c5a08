//! Signals as `runsc kill` takes them: a number, a name (`KILL`), or a
//! name with its prefix (`SIGKILL`).

use serde_json::json;
use std::path::PathBuf;
use std::time::Duration;
use syscall_tables::signal::{from_name, SIGRTMAX};

/// Host signals `run` passes on to the guest's init instead of dying of
/// them: what a terminal or a supervisor sends.
pub const FORWARDED: &[i32] = &[
    libc::SIGHUP,
    libc::SIGINT,
    libc::SIGQUIT,
    libc::SIGTERM,
    libc::SIGUSR1,
    libc::SIGUSR2,
];

/// Host signals the process standing for an exec'd guest process passes
/// on (containerd's shim signals that process directly): every signal
/// that can be caught and is not about the host process itself (SIGCHLD,
/// faults, SIGPIPE, SIGURG). SIGKILL cannot be caught; it ends the
/// connection, and with it the guest process.
pub const EXEC_FORWARDED: &[i32] = &[
    libc::SIGHUP,
    libc::SIGINT,
    libc::SIGQUIT,
    libc::SIGABRT,
    libc::SIGUSR1,
    libc::SIGUSR2,
    libc::SIGALRM,
    libc::SIGTERM,
    libc::SIGCONT,
    libc::SIGTSTP,
    libc::SIGTTIN,
    libc::SIGTTOU,
    libc::SIGXCPU,
    libc::SIGXFSZ,
    libc::SIGVTALRM,
    libc::SIGPROF,
    libc::SIGWINCH,
    libc::SIGPWR,
];

/// Blocks `signals` in this process (call it while the process has one
/// thread, and after spawning children that must not inherit the mask)
/// and starts a thread that takes each with sigwaitinfo and sends it to
/// the sandbox at `socket`: to guest process `pid`, or to the guest's init
/// when None. With `tty` (this process holds the pty of `pid` as its
/// controlling terminal), a signal the terminal raised (^C, ^Z, a resize)
/// goes to the foreground process group of `pid`'s terminal instead, as
/// the guest's own terminal would send it.
pub fn forward(socket: PathBuf, pid: Option<i32>, signals: &[i32], tty: bool) {
    // SAFETY: sigset_t is plain data that sigemptyset initializes.
    let mut set: libc::sigset_t = unsafe { std::mem::zeroed() };
    // SAFETY: sigemptyset/sigaddset on a local set; pthread_sigmask with a
    // valid set and a null old-set pointer.
    unsafe {
        libc::sigemptyset(&mut set);
        for &s in signals {
            libc::sigaddset(&mut set, s);
        }
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
    }
    let spawned = std::thread::Builder::new()
        .name("forward-signals".into())
        .spawn(move || loop {
            // SAFETY: siginfo_t is plain data the call fills in.
            let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
            // SAFETY: sigwaitinfo with a valid set and out-pointer.
            let sig = unsafe { libc::sigwaitinfo(&set, &mut info) };
            if sig < 0 {
                continue;
            }
            let mut req = json!({"cmd": "signal", "signal": sig, "all": false});
            if let Some(pid) = pid {
                req["pid"] = json!(pid);
            }
            if tty && info.si_code == libc::SI_KERNEL {
                req["terminal"] = json!(true);
            }
            if let Err(e) = super::control::request(&socket, &req, Some(Duration::from_secs(5))) {
                sentry::log::warn(&format!("cannot forward signal {sig}: {e}"));
            }
        });
    if spawned.is_err() {
        sentry::log::warn("cannot forward signals to the container: no thread");
    }
}

/// The signal `s` names; an error line says what is accepted.
pub fn parse(s: &str) -> Result<i32, String> {
    let t = s.trim();
    if let Ok(n) = t.parse::<i32>() {
        if (1..=SIGRTMAX).contains(&n) {
            return Ok(n);
        }
        return Err(format!(
            "signal {s:?} is out of range: use 1 to {SIGRTMAX} or a name such as TERM or SIGKILL"
        ));
    }
    let upper = t.to_ascii_uppercase();
    let full = if upper.starts_with("SIG") {
        upper
    } else {
        format!("SIG{upper}")
    };
    from_name(&full).ok_or_else(|| {
        format!("unknown signal {s:?}: use a number or a name such as TERM, KILL or SIGHUP")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_parse_names_and_numbers_agree() {
        assert_eq!(parse("9"), Ok(9));
        assert_eq!(parse("KILL"), Ok(9));
        assert_eq!(parse("SIGKILL"), Ok(9));
        assert_eq!(parse("term"), Ok(15));
        assert_eq!(parse("SIGRTMIN+2"), Ok(34));
    }

    #[test]
    fn test_parse_garbage_is_error() {
        assert!(parse("0").is_err());
        assert!(parse("65").is_err());
        assert!(parse("NOPE").is_err());
        assert!(parse("").is_err());
    }
}
