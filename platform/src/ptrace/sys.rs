//! Thin wrappers over the host's ptrace, wait and scheduling calls.
//! Each is one host syscall; none allocates.

use crate::{Error, Registers, SignalInfo};

/// `PTRACE_SYSEMU`: continue, stopping at the next syscall entry without
/// running the syscall.
pub(super) const PTRACE_SYSEMU: libc::c_uint = 31;

/// Resumes a stopped tracee with the given request, delivering `sig` (0 for none).
pub(super) fn resume(pid: i32, request: libc::c_uint, sig: i32) -> Result<(), Error> {
    // SAFETY: a resume request takes no pointers; data is a signal number.
    let r = unsafe { libc::ptrace(request, pid, 0usize, sig as usize) };
    if r < 0 {
        return Err(Error::last("ptrace resume"));
    }
    Ok(())
}

/// Waits for the next stop (or death) of the tracee and returns the status.
pub(super) fn wait_stop(pid: i32) -> Result<i32, Error> {
    let mut status = 0;
    loop {
        // SAFETY: status is a valid out pointer for the duration of the call.
        let r = unsafe { libc::waitpid(pid, &mut status, libc::__WALL) };
        if r == pid {
            return Ok(status);
        }
        if r < 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
            continue;
        }
        return Err(Error::last("waitpid on stub"));
    }
}

/// Reads the general registers of a stopped tracee.
pub(super) fn get_regs(pid: i32) -> Result<Registers, Error> {
    let mut regs = Registers::default();
    // SAFETY: the kernel writes one user_regs_struct into regs.0, which is
    // exactly that type and lives across the call.
    let r = unsafe {
        libc::ptrace(
            libc::PTRACE_GETREGS,
            pid,
            0usize,
            &mut regs.0 as *mut libc::user_regs_struct,
        )
    };
    if r < 0 {
        return Err(Error::last("PTRACE_GETREGS"));
    }
    Ok(regs)
}

/// Writes the general registers of a stopped tracee.
pub(super) fn set_regs(pid: i32, regs: &Registers) -> Result<(), Error> {
    // SAFETY: the kernel reads one user_regs_struct from regs.0.
    let r = unsafe {
        libc::ptrace(
            libc::PTRACE_SETREGS,
            pid,
            0usize,
            &regs.0 as *const libc::user_regs_struct,
        )
    };
    if r < 0 {
        return Err(Error::last("PTRACE_SETREGS"));
    }
    Ok(())
}

/// Reads the signal information of a signal-delivery stop.
pub(super) fn get_siginfo(pid: i32) -> Result<SignalInfo, Error> {
    // SAFETY: siginfo_t is plain data; all-zero is a valid value.
    let mut si: libc::siginfo_t = unsafe { std::mem::zeroed() };
    // SAFETY: the kernel writes one siginfo_t into si.
    let r = unsafe {
        libc::ptrace(
            libc::PTRACE_GETSIGINFO,
            pid,
            0usize,
            &mut si as *mut libc::siginfo_t,
        )
    };
    if r < 0 {
        return Err(Error::last("PTRACE_GETSIGINFO"));
    }
    // SAFETY: si_addr reads the union field at the fault layout; for
    // non-fault signals it is some other member's bits, which callers
    // only use for faults.
    let addr = unsafe { si.si_addr() } as u64;
    // SAFETY: siginfo_t is at least 128 bytes; offset 24 is inside it. For
    // SIGSYS it holds si_syscall, otherwise bits callers ignore.
    let syscall = unsafe {
        std::ptr::read_unaligned(
            (&si as *const libc::siginfo_t)
                .cast::<u8>()
                .add(24)
                .cast::<i32>(),
        )
    };
    Ok(SignalInfo {
        signo: si.si_signo,
        code: si.si_code,
        addr,
        syscall,
    })
}

/// Sets ptrace options on a freshly stopped tracee.
pub(super) fn set_options(pid: i32, options: libc::c_int) -> Result<(), Error> {
    // SAFETY: PTRACE_SETOPTIONS takes the option bits as data, no pointers.
    let r = unsafe { libc::ptrace(libc::PTRACE_SETOPTIONS, pid, 0usize, options as usize) };
    if r < 0 {
        return Err(Error::last("PTRACE_SETOPTIONS"));
    }
    Ok(())
}

/// Pins a host thread to one CPU. Best effort: a failure only costs speed.
pub(super) fn set_affinity(tid: i32, cpu: i32) {
    if !(0..libc::CPU_SETSIZE).contains(&cpu) {
        return;
    }
    // SAFETY: cpu_set_t is a plain bitmap; all-zero is the empty set.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: cpu is within CPU_SETSIZE (checked above); set is a valid
    // cpu_set_t of the size passed.
    unsafe {
        libc::CPU_SET(cpu as usize, &mut set);
        libc::sched_setaffinity(tid, std::mem::size_of::<libc::cpu_set_t>(), &set);
    }
}

/// Sends a signal to one host thread.
pub(super) fn tgkill(pid: i32, tid: i32, sig: i32) {
    // SAFETY: tgkill takes only integers.
    unsafe { libc::syscall(libc::SYS_tgkill, pid, tid, sig) };
}

/// Kills a stub and reaps it so that no zombie is left.
pub(super) fn kill_and_reap(pid: i32) {
    // SAFETY: kill and waitpid take integers and a valid out pointer.
    unsafe {
        libc::kill(pid, libc::SIGKILL);
        let mut status = 0;
        while libc::waitpid(pid, &mut status, libc::__WALL) < 0
            && std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR)
        {}
    }
}

/// NT_X86_XSTATE: the extended FPU state regset.
const NT_X86_XSTATE: libc::c_int = 0x202;

/// Reads the XSAVE area (x87, SSE, AVX, ...) of a stopped tracee; the
/// vector is as long as the host's XSAVE layout.
pub(super) fn get_xstate(pid: i32) -> Result<Vec<u8>, Error> {
    let mut buf = vec![0u8; XSTATE_MAX];
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // SAFETY: the kernel writes at most iov_len bytes into buf and updates
    // iov_len; both live across the call.
    let r = unsafe {
        libc::ptrace(
            libc::PTRACE_GETREGSET,
            pid,
            NT_X86_XSTATE as usize,
            &mut iov as *mut libc::iovec,
        )
    };
    if r < 0 {
        return Err(Error::last("PTRACE_GETREGSET(NT_X86_XSTATE)"));
    }
    buf.truncate(iov.iov_len);
    Ok(buf)
}

/// Writes the XSAVE area of a stopped tracee (the kernel checks it).
pub(super) fn set_xstate(pid: i32, data: &[u8]) -> Result<(), Error> {
    let mut iov = libc::iovec {
        iov_base: data.as_ptr() as *mut libc::c_void,
        iov_len: data.len(),
    };
    // SAFETY: the kernel reads iov_len bytes from data.
    let r = unsafe {
        libc::ptrace(
            libc::PTRACE_SETREGSET,
            pid,
            NT_X86_XSTATE as usize,
            &mut iov as *mut libc::iovec,
        )
    };
    if r < 0 {
        return Err(Error::last("PTRACE_SETREGSET(NT_X86_XSTATE)"));
    }
    Ok(())
}

/// Largest XSAVE area we accept (AVX-512 needs about 2.7 KiB; AMX more).
pub(super) const XSTATE_MAX: usize = 16 << 10;

/// PTRACE_SEIZE with options, then PTRACE_INTERRUPT: the thread stops in
/// an event stop for the calling (now tracing) thread.
pub(super) fn seize(tid: i32, options: libc::c_int) -> Result<(), Error> {
    // SAFETY: PTRACE_SEIZE takes the options as data, no pointers.
    let r = unsafe { libc::ptrace(libc::PTRACE_SEIZE, tid, 0usize, options as usize) };
    if r < 0 {
        return Err(Error::last("PTRACE_SEIZE"));
    }
    // SAFETY: PTRACE_INTERRUPT takes no pointers.
    let r = unsafe { libc::ptrace(libc::PTRACE_INTERRUPT, tid, 0usize, 0usize) };
    if r < 0 {
        return Err(Error::last("PTRACE_INTERRUPT"));
    }
    Ok(())
}
