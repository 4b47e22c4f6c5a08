//! Guest errno values and the syscall error type that keeps kernel-internal
//! restart codes apart from them.

use syscall_tables::errno as e;

/// A Linux errno value the guest may see.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Errno(pub i32);

impl std::fmt::Debug for Errno {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match e::name(self.0) {
            Some(n) => f.write_str(n),
            None => write!(f, "Errno({})", self.0),
        }
    }
}

impl std::fmt::Display for Errno {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

macro_rules! errnos {
    ($($name:ident),* $(,)?) => {
        impl Errno {
            $(
                #[doc = concat!("`", stringify!($name), "`")]
                pub const $name: Errno = Errno(e::$name);
            )*
        }
    };
}

errnos!(
    EPERM,
    ENOENT,
    ESRCH,
    EINTR,
    EIO,
    ENXIO,
    E2BIG,
    ENOEXEC,
    EBADF,
    ECHILD,
    EAGAIN,
    ENOMEM,
    EACCES,
    EFAULT,
    EBUSY,
    EEXIST,
    EXDEV,
    ENODEV,
    ENOTDIR,
    EISDIR,
    EINVAL,
    ENFILE,
    EMFILE,
    ENOTTY,
    EFBIG,
    ENOSPC,
    ESPIPE,
    EROFS,
    EMLINK,
    EPIPE,
    ERANGE,
    ENAMETOOLONG,
    ENOSYS,
    ENOTEMPTY,
    ELOOP,
    EOVERFLOW,
    EOPNOTSUPP,
    ENOTSUP,
    ENODATA,
    ETIMEDOUT,
    ELIBBAD,
    ETXTBSY,
    EDEADLK,
    EIDRM,
    ENOMSG,
);

impl Errno {
    /// The errno from a host `std::io::Error` (EIO if it carries none).
    pub fn from_host(err: &std::io::Error) -> Errno {
        Errno(err.raw_os_error().unwrap_or(e::EIO))
    }

    /// The errno of the calling thread's last failed host call.
    pub fn last_host() -> Errno {
        Errno::from_host(&std::io::Error::last_os_error())
    }
}

/// Why a syscall handler did not return a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SysError {
    /// A plain guest-visible error.
    Errno(Errno),
    /// Interrupted; restart the call if the signal handler has SA_RESTART
    /// (kernel ERESTARTSYS). Never reaches the guest as a value.
    RestartSys,
    /// Interrupted; restart unless a handler ran (kernel ERESTARTNOHAND).
    RestartNoHand,
    /// Interrupted; always restart (kernel ERESTARTNOINTR).
    RestartNoIntr,
}

impl From<Errno> for SysError {
    fn from(e: Errno) -> Self {
        SysError::Errno(e)
    }
}

impl SysError {
    /// The value a guest sees if no restart happens: the errno, or EINTR
    /// for the restart kinds.
    pub fn guest_errno(self) -> Errno {
        match self {
            SysError::Errno(e) => e,
            SysError::RestartSys | SysError::RestartNoHand | SysError::RestartNoIntr => {
                Errno::EINTR
            }
        }
    }
}

/// The value a syscall result puts in the guest's rax.
pub fn return_value(r: &SysResult) -> u64 {
    match r {
        Ok(v) => *v,
        Err(e) => (-(e.guest_errno().0 as i64)) as u64,
    }
}

/// The result of a syscall handler.
pub type SysResult = Result<u64, SysError>;
