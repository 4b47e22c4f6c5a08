//! read, write, readv, writev, close, ioctl.

use super::SyscallArgs;
use crate::abi::misc::{
    IOVEC_SIZE, MAX_RW_COUNT, TCGETS, TCSETS, TCSETSF, TCSETSW, TERMIOS_SIZE, TIOCGWINSZ,
    TIOCSWINSZ, UIO_MAXIOV, WINSIZE_SIZE,
};
use crate::abi::{Errno, SysResult};
use crate::kernel::Task;

/// Linux's access_ok: the whole buffer must lie below the user address limit.
fn access_ok(addr: u64, len: u64) -> Result<(), Errno> {
    match addr.checked_add(len) {
        Some(end) if end <= platform::TASK_SIZE => Ok(()),
        _ => Err(Errno::EFAULT),
    }
}

pub(super) fn read(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = t.fds.get(a.fd(0))?.clone();
    access_ok(a.addr(1), a.size(2))?;
    let len = a.size(2).min(MAX_RW_COUNT);
    if len == 0 {
        return Ok(0);
    }
    let iov = t.mm.io_vecs(a.addr(1), len, true)?;
    Ok(file.read(t, &iov)? as u64)
}

pub(super) fn write(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = t.fds.get(a.fd(0))?.clone();
    access_ok(a.addr(1), a.size(2))?;
    let len = a.size(2).min(MAX_RW_COUNT);
    if len == 0 {
        return Ok(0);
    }
    let iov = t.mm.io_vecs(a.addr(1), len, false)?;
    Ok(file.write(t, &iov)? as u64)
}

/// Translates a guest iovec array into host iovecs over guest memory.
/// Linux semantics: a bad array or a first buffer that is inaccessible is
/// EFAULT; a total past MAX_RW_COUNT is truncated; a later bad buffer ends
/// the transfer there.
fn guest_iovecs(t: &Task, addr: u64, count: i32, write: bool) -> Result<Vec<libc::iovec>, Errno> {
    if count < 0 || count as u64 > UIO_MAXIOV {
        return Err(Errno::EINVAL);
    }
    let mut raw = vec![0u8; count as usize * IOVEC_SIZE as usize];
    t.mm.copy_in(addr, &mut raw)?;
    let mut total = 0u64;
    let mut out = Vec::with_capacity(count as usize);
    for chunk in raw.chunks_exact(IOVEC_SIZE as usize) {
        let base = u64::from_le_bytes(chunk[..8].try_into().unwrap_or_default());
        let len = u64::from_le_bytes(chunk[8..].try_into().unwrap_or_default());
        if (len as i64) < 0 {
            return Err(Errno::EINVAL);
        }
        let len = len.min(MAX_RW_COUNT - total);
        if len == 0 {
            continue;
        }
        match t.mm.io_vecs(base, len, write) {
            Ok(v) => {
                let got: u64 = v.iter().map(|i| i.iov_len as u64).sum();
                out.extend(v);
                total += got;
                if got < len {
                    break;
                }
            }
            Err(e) if out.is_empty() => return Err(e),
            Err(_) => break,
        }
    }
    Ok(out)
}

pub(super) fn readv(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = t.fds.get(a.fd(0))?.clone();
    let iov = guest_iovecs(t, a.addr(1), a.int(2), true)?;
    if iov.is_empty() {
        return Ok(0);
    }
    Ok(file.read(t, &iov)? as u64)
}

pub(super) fn writev(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = t.fds.get(a.fd(0))?.clone();
    let iov = guest_iovecs(t, a.addr(1), a.int(2), false)?;
    if iov.is_empty() {
        return Ok(0);
    }
    Ok(file.write(t, &iov)? as u64)
}

pub(super) fn close(t: &mut Task, a: &SyscallArgs) -> SysResult {
    t.fds.close(a.fd(0))?;
    Ok(0)
}

pub(super) fn ioctl(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = t.fds.get(a.fd(0))?.clone();
    let request = a.uint(1) as u64;
    let arg = a.addr(2);
    match request {
        TCGETS | TIOCGWINSZ => {
            let mut buf = [0u8; TERMIOS_SIZE];
            let n = if request == TCGETS {
                TERMIOS_SIZE
            } else {
                WINSIZE_SIZE
            };
            file.ops.tty_ioctl(request, &mut buf[..n])?;
            t.mm.copy_out(arg, &buf[..n])?;
            Ok(0)
        }
        TCSETS | TCSETSW | TCSETSF | TIOCSWINSZ => {
            let mut buf = [0u8; TERMIOS_SIZE];
            let n = if request == TIOCSWINSZ {
                WINSIZE_SIZE
            } else {
                TERMIOS_SIZE
            };
            // A non-terminal answers ENOTTY before the argument is read.
            file.ops.tty_ioctl(TCGETS, &mut [0u8; TERMIOS_SIZE])?;
            t.mm.copy_in(arg, &mut buf[..n])?;
            file.ops.tty_ioctl(request, &mut buf[..n])?;
            Ok(0)
        }
        _ => Err(Errno::ENOTTY.into()),
    }
}
