//! x86_64 Linux signal numbers and names.
//!
//! Standard signals are `1..=31`; real-time signals are `32..=64`, named
//! `SIGRTMIN` and `SIGRTMIN+n` after the kernel's `SIGRTMIN` of 32 (glibc
//! reserves the first few for itself and moves its own `SIGRTMIN` up; the
//! kernel, and so this table, does not).

/// Defines the standard signal constants and their name list from one table.
macro_rules! signals {
    ($( $name:ident = $val:literal; )*) => {
        $(
            #[doc = concat!("`", stringify!($name), "`.")]
            pub const $name: i32 = $val;
        )*

        /// Names of signals `1..=31`, index `n - 1`.
        static STANDARD: [&str; 31] = [ $( stringify!($name), )* ];

        const _: () = {
            let vals = [$($val),*];
            let mut i = 0;
            while i < vals.len() {
                assert!(vals[i] == i as i32 + 1, "standard signals not dense from 1");
                i += 1;
            }
        };
    };
}

signals! {
    SIGHUP = 1;
    SIGINT = 2;
    SIGQUIT = 3;
    SIGILL = 4;
    SIGTRAP = 5;
    SIGABRT = 6;
    SIGBUS = 7;
    SIGFPE = 8;
    SIGKILL = 9;
    SIGUSR1 = 10;
    SIGSEGV = 11;
    SIGUSR2 = 12;
    SIGPIPE = 13;
    SIGALRM = 14;
    SIGTERM = 15;
    SIGSTKFLT = 16;
    SIGCHLD = 17;
    SIGCONT = 18;
    SIGSTOP = 19;
    SIGTSTP = 20;
    SIGTTIN = 21;
    SIGTTOU = 22;
    SIGURG = 23;
    SIGXCPU = 24;
    SIGXFSZ = 25;
    SIGVTALRM = 26;
    SIGPROF = 27;
    SIGWINCH = 28;
    SIGIO = 29;
    SIGPWR = 30;
    SIGSYS = 31;
}

/// Alias of [`SIGABRT`].
pub const SIGIOT: i32 = SIGABRT;
/// Alias of [`SIGIO`].
pub const SIGPOLL: i32 = SIGIO;
/// First real-time signal as the kernel numbers it.
pub const SIGRTMIN: i32 = 32;
/// Last real-time signal, and the highest signal number (`_NSIG`).
pub const SIGRTMAX: i32 = 64;

/// Names of real-time signals `32..=64`, index `n - 32`.
static REALTIME: [&str; 33] = [
    "SIGRTMIN",
    "SIGRTMIN+1",
    "SIGRTMIN+2",
    "SIGRTMIN+3",
    "SIGRTMIN+4",
    "SIGRTMIN+5",
    "SIGRTMIN+6",
    "SIGRTMIN+7",
    "SIGRTMIN+8",
    "SIGRTMIN+9",
    "SIGRTMIN+10",
    "SIGRTMIN+11",
    "SIGRTMIN+12",
    "SIGRTMIN+13",
    "SIGRTMIN+14",
    "SIGRTMIN+15",
    "SIGRTMIN+16",
    "SIGRTMIN+17",
    "SIGRTMIN+18",
    "SIGRTMIN+19",
    "SIGRTMIN+20",
    "SIGRTMIN+21",
    "SIGRTMIN+22",
    "SIGRTMIN+23",
    "SIGRTMIN+24",
    "SIGRTMIN+25",
    "SIGRTMIN+26",
    "SIGRTMIN+27",
    "SIGRTMIN+28",
    "SIGRTMIN+29",
    "SIGRTMIN+30",
    "SIGRTMIN+31",
    "SIGRTMIN+32",
];

/// Name of signal `sig` (`11` -> `"SIGSEGV"`, `34` -> `"SIGRTMIN+2"`);
/// `None` outside `1..=64`.
pub fn name(sig: i32) -> Option<&'static str> {
    match sig {
        1..=31 => Some(STANDARD[(sig - 1) as usize]),
        SIGRTMIN..=SIGRTMAX => Some(REALTIME[(sig - SIGRTMIN) as usize]),
        _ => None,
    }
}

/// Signal number for a name produced by [`name`], plus the aliases
/// `SIGIOT`, `SIGPOLL` and `SIGRTMAX`.
pub fn from_name(s: &str) -> Option<i32> {
    match s {
        "SIGIOT" => return Some(SIGIOT),
        "SIGPOLL" => return Some(SIGPOLL),
        "SIGRTMAX" => return Some(SIGRTMAX),
        _ => {}
    }
    (1..=SIGRTMAX).find(|&sig| name(sig) == Some(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_signal_name_standard_known() {
        assert_eq!(name(1), Some("SIGHUP"));
        assert_eq!(name(9), Some("SIGKILL"));
        assert_eq!(name(SIGSEGV), Some("SIGSEGV"));
        assert_eq!(name(17), Some("SIGCHLD"));
        assert_eq!(name(31), Some("SIGSYS"));
    }

    #[test]
    fn test_signal_name_realtime_rtmin_style() {
        assert_eq!(name(32), Some("SIGRTMIN"));
        assert_eq!(name(33), Some("SIGRTMIN+1"));
        assert_eq!(name(64), Some("SIGRTMIN+32"));
        for sig in 33..=64 {
            assert_eq!(name(sig), Some(format!("SIGRTMIN+{}", sig - 32)).as_deref());
        }
    }

    #[test]
    fn test_signal_name_out_of_range_none() {
        for sig in [0, -1, 65, 1000, i32::MIN] {
            assert_eq!(name(sig), None);
        }
    }

    #[test]
    fn test_signal_from_name_round_trip_all() {
        for sig in 1..=64 {
            assert_eq!(from_name(name(sig).unwrap()), Some(sig));
        }
        assert_eq!(from_name("SIGRTMAX"), Some(64));
        assert_eq!(from_name("SIGBOGUS"), None);
    }
}
