//! Linux errno values (x86_64 uses the asm-generic numbering) with their
//! names and short `strerror`-style descriptions.
//!
//! Guest-visible errors are `1..=133` (`EPERM..=EHWPOISON`; 41 and 58 are
//! unassigned). The kernel-internal restart codes `512..=516` are listed
//! separately: they steer syscall restart after a signal and must never reach
//! the guest (see [`is_internal`]).

/// Largest value a syscall can return as `-errno` (`MAX_ERRNO` in the kernel);
/// raw return values in `-MAX_ERRNO..=-1` are errors.
pub const MAX_ERRNO: i32 = 4095;

/// Defines the errno constants and the `(value, name, description)` list from
/// one table.
macro_rules! errnos {
    ($( $name:ident = $val:literal => $desc:literal; )*) => {
        $(
            #[doc = concat!($desc, " (`", stringify!($name), "`).")]
            pub const $name: i32 = $val;
        )*

        /// Every named errno, ascending: `(value, name, description)`.
        static ERRNOS: &[(i32, &str, &str)] = &[ $( ($val, stringify!($name), $desc), )* ];
    };
}

errnos! {
    EPERM = 1 => "Operation not permitted";
    ENOENT = 2 => "No such file or directory";
    ESRCH = 3 => "No such process";
    EINTR = 4 => "Interrupted system call";
    EIO = 5 => "Input/output error";
    ENXIO = 6 => "No such device or address";
    E2BIG = 7 => "Argument list too long";
    ENOEXEC = 8 => "Exec format error";
    EBADF = 9 => "Bad file descriptor";
    ECHILD = 10 => "No child processes";
    EAGAIN = 11 => "Resource temporarily unavailable";
    ENOMEM = 12 => "Cannot allocate memory";
    EACCES = 13 => "Permission denied";
    EFAULT = 14 => "Bad address";
    ENOTBLK = 15 => "Block device required";
    EBUSY = 16 => "Device or resource busy";
    EEXIST = 17 => "File exists";
    EXDEV = 18 => "Invalid cross-device link";
    ENODEV = 19 => "No such device";
    ENOTDIR = 20 => "Not a directory";
    EISDIR = 21 => "Is a directory";
    EINVAL = 22 => "Invalid argument";
    ENFILE = 23 => "Too many open files in system";
    EMFILE = 24 => "Too many open files";
    ENOTTY = 25 => "Inappropriate ioctl for device";
    ETXTBSY = 26 => "Text file busy";
    EFBIG = 27 => "File too large";
    ENOSPC = 28 => "No space left on device";
    ESPIPE = 29 => "Illegal seek";
    EROFS = 30 => "Read-only file system";
    EMLINK = 31 => "Too many links";
    EPIPE = 32 => "Broken pipe";
    EDOM = 33 => "Numerical argument out of domain";
    ERANGE = 34 => "Numerical result out of range";
    EDEADLK = 35 => "Resource deadlock avoided";
    ENAMETOOLONG = 36 => "File name too long";
    ENOLCK = 37 => "No locks available";
    ENOSYS = 38 => "Function not implemented";
    ENOTEMPTY = 39 => "Directory not empty";
    ELOOP = 40 => "Too many levels of symbolic links";
    ENOMSG = 42 => "No message of desired type";
    EIDRM = 43 => "Identifier removed";
    ECHRNG = 44 => "Channel number out of range";
    EL2NSYNC = 45 => "Level 2 not synchronized";
    EL3HLT = 46 => "Level 3 halted";
    EL3RST = 47 => "Level 3 reset";
    ELNRNG = 48 => "Link number out of range";
    EUNATCH = 49 => "Protocol driver not attached";
    ENOCSI = 50 => "No CSI structure available";
    EL2HLT = 51 => "Level 2 halted";
    EBADE = 52 => "Invalid exchange";
    EBADR = 53 => "Invalid request descriptor";
    EXFULL = 54 => "Exchange full";
    ENOANO = 55 => "No anode";
    EBADRQC = 56 => "Invalid request code";
    EBADSLT = 57 => "Invalid slot";
    EBFONT = 59 => "Bad font file format";
    ENOSTR = 60 => "Device not a stream";
    ENODATA = 61 => "No data available";
    ETIME = 62 => "Timer expired";
    ENOSR = 63 => "Out of streams resources";
    ENONET = 64 => "Machine is not on the network";
    ENOPKG = 65 => "Package not installed";
    EREMOTE = 66 => "Object is remote";
    ENOLINK = 67 => "Link has been severed";
    EADV = 68 => "Advertise error";
    ESRMNT = 69 => "Srmount error";
    ECOMM = 70 => "Communication error on send";
    EPROTO = 71 => "Protocol error";
    EMULTIHOP = 72 => "Multihop attempted";
    EDOTDOT = 73 => "RFS specific error";
    EBADMSG = 74 => "Bad message";
    EOVERFLOW = 75 => "Value too large for defined data type";
    ENOTUNIQ = 76 => "Name not unique on network";
    EBADFD = 77 => "File descriptor in bad state";
    EREMCHG = 78 => "Remote address changed";
    ELIBACC = 79 => "Can not access a needed shared library";
    ELIBBAD = 80 => "Accessing a corrupted shared library";
    ELIBSCN = 81 => ".lib section in a.out corrupted";
    ELIBMAX = 82 => "Attempting to link in too many shared libraries";
    ELIBEXEC = 83 => "Cannot exec a shared library directly";
    EILSEQ = 84 => "Invalid or incomplete multibyte or wide character";
    ERESTART = 85 => "Interrupted system call should be restarted";
    ESTRPIPE = 86 => "Streams pipe error";
    EUSERS = 87 => "Too many users";
    ENOTSOCK = 88 => "Socket operation on non-socket";
    EDESTADDRREQ = 89 => "Destination address required";
    EMSGSIZE = 90 => "Message too long";
    EPROTOTYPE = 91 => "Protocol wrong type for socket";
    ENOPROTOOPT = 92 => "Protocol not available";
    EPROTONOSUPPORT = 93 => "Protocol not supported";
    ESOCKTNOSUPPORT = 94 => "Socket type not supported";
    EOPNOTSUPP = 95 => "Operation not supported";
    EPFNOSUPPORT = 96 => "Protocol family not supported";
    EAFNOSUPPORT = 97 => "Address family not supported by protocol";
    EADDRINUSE = 98 => "Address already in use";
    EADDRNOTAVAIL = 99 => "Cannot assign requested address";
    ENETDOWN = 100 => "Network is down";
    ENETUNREACH = 101 => "Network is unreachable";
    ENETRESET = 102 => "Network dropped connection on reset";
    ECONNABORTED = 103 => "Software caused connection abort";
    ECONNRESET = 104 => "Connection reset by peer";
    ENOBUFS = 105 => "No buffer space available";
    EISCONN = 106 => "Transport endpoint is already connected";
    ENOTCONN = 107 => "Transport endpoint is not connected";
    ESHUTDOWN = 108 => "Cannot send after transport endpoint shutdown";
    ETOOMANYREFS = 109 => "Too many references: cannot splice";
    ETIMEDOUT = 110 => "Connection timed out";
    ECONNREFUSED = 111 => "Connection refused";
    EHOSTDOWN = 112 => "Host is down";
    EHOSTUNREACH = 113 => "No route to host";
    EALREADY = 114 => "Operation already in progress";
    EINPROGRESS = 115 => "Operation now in progress";
    ESTALE = 116 => "Stale file handle";
    EUCLEAN = 117 => "Structure needs cleaning";
    ENOTNAM = 118 => "Not a XENIX named type file";
    ENAVAIL = 119 => "No XENIX semaphores available";
    EISNAM = 120 => "Is a named type file";
    EREMOTEIO = 121 => "Remote I/O error";
    EDQUOT = 122 => "Disk quota exceeded";
    ENOMEDIUM = 123 => "No medium found";
    EMEDIUMTYPE = 124 => "Wrong medium type";
    ECANCELED = 125 => "Operation canceled";
    ENOKEY = 126 => "Required key not available";
    EKEYEXPIRED = 127 => "Key has expired";
    EKEYREVOKED = 128 => "Key has been revoked";
    EKEYREJECTED = 129 => "Key was rejected by service";
    EOWNERDEAD = 130 => "Owner died";
    ENOTRECOVERABLE = 131 => "State not recoverable";
    ERFKILL = 132 => "Operation not possible due to RF-kill";
    EHWPOISON = 133 => "Memory page has hardware error";
    ERESTARTSYS = 512 => "Interrupted system call, restart if the handler has SA_RESTART (kernel-internal, never guest-visible)";
    ERESTARTNOINTR = 513 => "Interrupted system call, always restart (kernel-internal, never guest-visible)";
    ERESTARTNOHAND = 514 => "Interrupted system call, restart if no handler ran (kernel-internal, never guest-visible)";
    ENOIOCTLCMD = 515 => "No ioctl command (kernel-internal, never guest-visible; becomes ENOTTY)";
    ERESTART_RESTARTBLOCK = 516 => "Interrupted system call, restart via restart_syscall (kernel-internal, never guest-visible)";
}

/// Alias of [`EAGAIN`].
pub const EWOULDBLOCK: i32 = EAGAIN;
/// Alias of [`EDEADLK`].
pub const EDEADLOCK: i32 = EDEADLK;
/// Alias of [`EOPNOTSUPP`] (as in glibc).
pub const ENOTSUP: i32 = EOPNOTSUPP;

/// `true` for the kernel-internal restart codes (`ERESTARTSYS`,
/// `ERESTARTNOINTR`, `ERESTARTNOHAND`, `ENOIOCTLCMD`,
/// `ERESTART_RESTARTBLOCK`), which must be translated before a syscall
/// returns to the guest.
pub const fn is_internal(e: i32) -> bool {
    matches!(e, ERESTARTSYS..=ERESTART_RESTARTBLOCK)
}

fn find(e: i32) -> Option<&'static (i32, &'static str, &'static str)> {
    ERRNOS
        .binary_search_by_key(&e, |row| row.0)
        .ok()
        .map(|i| &ERRNOS[i])
}

/// Symbolic name of errno `e` (`2` -> `"ENOENT"`), including the internal
/// restart codes; `None` for unassigned numbers. Aliases resolve to the
/// primary name (`EWOULDBLOCK` -> `"EAGAIN"`).
pub fn name(e: i32) -> Option<&'static str> {
    find(e).map(|row| row.1)
}

/// Short `strerror`-like text for errno `e` (`2` -> `"No such file or
/// directory"`); `None` for unassigned numbers.
pub fn description(e: i32) -> Option<&'static str> {
    find(e).map(|row| row.2)
}

/// Errno value for a symbolic name (`"ENOENT"` -> `2`), aliases included.
pub fn from_name(name: &str) -> Option<i32> {
    match name {
        "EWOULDBLOCK" => Some(EWOULDBLOCK),
        "EDEADLOCK" => Some(EDEADLOCK),
        "ENOTSUP" => Some(ENOTSUP),
        _ => ERRNOS.iter().find(|row| row.1 == name).map(|row| row.0),
    }
}

const _: () = {
    // Sorted (binary search relies on it) and the documented range.
    let mut i = 1;
    while i < ERRNOS.len() {
        assert!(ERRNOS[i - 1].0 < ERRNOS[i].0, "errno table not ascending");
        i += 1;
    }
    assert!(EPERM == 1 && EHWPOISON == 133);
    assert!(ERRNOS.len() == 131 + 5);
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_errno_name_known_values_match() {
        assert_eq!(name(EPERM), Some("EPERM"));
        assert_eq!(name(2), Some("ENOENT"));
        assert_eq!(name(11), Some("EAGAIN"));
        assert_eq!(name(38), Some("ENOSYS"));
        assert_eq!(name(95), Some("EOPNOTSUPP"));
        assert_eq!(name(110), Some("ETIMEDOUT"));
        assert_eq!(name(133), Some("EHWPOISON"));
        assert_eq!(name(512), Some("ERESTARTSYS"));
        assert_eq!(name(516), Some("ERESTART_RESTARTBLOCK"));
    }

    #[test]
    fn test_errno_name_unassigned_none() {
        for e in [0, 41, 58, 134, 511, 517, -1, 4095] {
            assert_eq!(name(e), None, "errno {e}");
            assert_eq!(description(e), None, "errno {e}");
        }
    }

    #[test]
    fn test_errno_description_known_values_match() {
        assert_eq!(description(ENOENT), Some("No such file or directory"));
        assert_eq!(description(EACCES), Some("Permission denied"));
        assert_eq!(description(EINVAL), Some("Invalid argument"));
        assert_eq!(description(ENOSYS), Some("Function not implemented"));
    }

    #[test]
    fn test_errno_from_name_round_trip_all() {
        for &(v, n, _) in ERRNOS {
            assert_eq!(from_name(n), Some(v));
        }
        assert_eq!(from_name("EWOULDBLOCK"), Some(EAGAIN));
        assert_eq!(from_name("ENOTSUP"), Some(EOPNOTSUPP));
        assert_eq!(from_name("EBOGUS"), None);
    }

    #[test]
    fn test_errno_is_internal_restart_codes_true() {
        for e in [
            ERESTARTSYS,
            ERESTARTNOINTR,
            ERESTARTNOHAND,
            ENOIOCTLCMD,
            ERESTART_RESTARTBLOCK,
        ] {
            assert!(is_internal(e));
        }
        assert!(!is_internal(EINTR));
        assert!(!is_internal(EHWPOISON));
    }
}
