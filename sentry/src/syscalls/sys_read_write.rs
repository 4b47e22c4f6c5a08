//! read, write, readv, writev, close, ioctl.

use super::SyscallArgs;
use crate::abi::file::ioctl::*;
use crate::abi::file::*;
use crate::abi::misc::{
    IOVEC_SIZE, MAX_RW_COUNT, TCGETS, TCSETS, TCSETSF, TCSETSW, TERMIOS_SIZE, TIOCGPGRP, TIOCGSID,
    TIOCGWINSZ, TIOCNOTTY, TIOCSCTTY, TIOCSPGRP, TIOCSWINSZ, UIO_MAXIOV, WINSIZE_SIZE,
};
use crate::abi::{Errno, SysResult};
use crate::kernel::Task;
use crate::vfs::FileDescription;

/// preadv2/pwritev2 flags we accept (RWF_HIPRI, DSYNC, SYNC, NOWAIT, APPEND).
const RWF_SUPPORTED: i32 = 0x1f;

/// Linux's access_ok: the whole buffer must lie below the user address limit.
fn access_ok(addr: u64, len: u64) -> Result<(), Errno> {
    match addr.checked_add(len) {
        Some(end) if end <= platform::TASK_SIZE => Ok(()),
        _ => Err(Errno::EFAULT),
    }
}

pub(super) fn read(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = t.fds.get(a.fd(0))?.clone();
    if !file.readable() {
        return Err(Errno::EBADF.into());
    }
    access_ok(a.addr(1), a.size(2))?;
    let len = a.size(2).min(MAX_RW_COUNT);
    if len == 0 {
        return Ok(0);
    }
    let iov = t.mm.io_vecs(a.addr(1), len, true)?;
    Ok(restartable(file.read(t, &iov))? as u64)
}

pub(super) fn write(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = t.fds.get(a.fd(0))?.clone();
    if !file.writable() {
        return Err(Errno::EBADF.into());
    }
    access_ok(a.addr(1), a.size(2))?;
    let len = a.size(2).min(MAX_RW_COUNT);
    if len == 0 {
        return Ok(0);
    }
    let iov = t.mm.io_vecs(a.addr(1), len, false)?;
    let r = file.write(t, &iov);
    epipe(t, r)
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
    if !file.readable() {
        return Err(Errno::EBADF.into());
    }
    let iov = guest_iovecs(t, a.addr(1), a.int(2), true)?;
    if iov.is_empty() {
        return Ok(0);
    }
    Ok(restartable(file.read(t, &iov))? as u64)
}

pub(super) fn writev(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = t.fds.get(a.fd(0))?.clone();
    if !file.writable() {
        return Err(Errno::EBADF.into());
    }
    let iov = guest_iovecs(t, a.addr(1), a.int(2), false)?;
    if iov.is_empty() {
        return Ok(0);
    }
    let r = file.write(t, &iov);
    epipe(t, r)
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
        FIONREAD => {
            let n = match file.ops.readable() {
                Some(n) => n,
                None => {
                    let st = file.ops.stat()?;
                    if crate::vfs::is_regular(st.mode) {
                        let off = *crate::vfs::dentry::lock(&file.offset);
                        (st.size.max(0) as u64).saturating_sub(off)
                    } else if crate::vfs::is_dir(st.mode) {
                        return Err(Errno::EINVAL.into());
                    } else {
                        return Err(Errno::ENOTTY.into());
                    }
                }
            };
            t.copy_out_obj(arg, &(n.min(i32::MAX as u64) as i32))?;
            Ok(0)
        }
        TIOCSCTTY | TIOCGPGRP | TIOCSPGRP | TIOCGSID | TIOCNOTTY => {
            controlling_tty(t, &file, request, arg)
        }
        FIOCLEX | FIONCLEX => {
            t.fds.set_cloexec(a.fd(0), request == FIOCLEX)?;
            Ok(0)
        }
        FIONBIO | FIOASYNC => {
            let on: i32 = t.copy_in_obj(arg)?;
            let bit = if request == FIONBIO {
                O_NONBLOCK
            } else {
                O_ASYNC
            };
            file.set_flags(bit, if on != 0 { bit } else { 0 });
            Ok(0)
        }
        _ => Err(Errno::ENOTTY.into()),
    }
}

/// The job-control ioctls of a terminal: the session's controlling
/// terminal and its foreground process group, kept by the sentry (the
/// terminal itself is a host tty, whose line discipline raises no
/// signals in the sandbox).
fn controlling_tty(t: &mut Task, file: &FileDescription, request: u64, arg: u64) -> SysResult {
    let key = crate::kernel::process::terminal_key(file).ok_or(Errno::ENOTTY)?;
    let procs = &t.kernel.procs;
    let (pgid, sid) = procs.pgid_sid(t.tgid).ok_or(Errno::ESRCH)?;
    match request {
        TIOCSCTTY => {
            if sid != t.tgid {
                return Err(Errno::EPERM.into());
            }
            procs.set_ctty(sid, key, pgid)?;
        }
        TIOCGPGRP => {
            let fg = procs.tty_foreground(sid, key)?;
            t.copy_out_obj(arg, &fg)?;
        }
        TIOCSPGRP => {
            let pg: i32 = t.copy_in_obj(arg)?;
            procs.set_tty_foreground(sid, key, pg)?;
        }
        TIOCGSID => {
            procs.tty_foreground(sid, key)?;
            t.copy_out_obj(arg, &sid)?;
        }
        _ => {
            // TIOCNOTTY: only the session leader's gives the terminal up
            // for the whole session.
            procs.tty_foreground(sid, key)?;
            if sid == t.tgid {
                procs.release_ctty(sid);
            }
        }
    }
    Ok(0)
}

/// A file offset argument: negative is EINVAL.
fn offset_arg(off: i64) -> Result<u64, Errno> {
    u64::try_from(off).map_err(|_| Errno::EINVAL)
}

pub(super) fn pread64(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = t.fds.get(a.fd(0))?.clone();
    if !file.readable() {
        return Err(Errno::EBADF.into());
    }
    access_ok(a.addr(1), a.size(2))?;
    let off = offset_arg(a.long(3))?;
    if !file.ops.seekable() {
        return Err(Errno::ESPIPE.into());
    }
    let len = a.size(2).min(MAX_RW_COUNT);
    if len == 0 {
        return Ok(0);
    }
    let iov = t.mm.io_vecs(a.addr(1), len, true)?;
    Ok(file.pread(t, &iov, off)? as u64)
}

pub(super) fn pwrite64(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = t.fds.get(a.fd(0))?.clone();
    if !file.writable() {
        return Err(Errno::EBADF.into());
    }
    access_ok(a.addr(1), a.size(2))?;
    let off = offset_arg(a.long(3))?;
    if !file.ops.seekable() {
        return Err(Errno::ESPIPE.into());
    }
    let len = a.size(2).min(MAX_RW_COUNT);
    if len == 0 {
        return Ok(0);
    }
    let iov = t.mm.io_vecs(a.addr(1), len, false)?;
    Ok(file.pwrite(t, &iov, off)? as u64)
}

/// preadv/pwritev and their v2 forms (`write` picks the direction); for
/// v2 an offset of -1 means "at the file offset".
fn vectored_at(t: &mut Task, a: &SyscallArgs, v2: bool, write: bool) -> SysResult {
    let file = t.fds.get(a.fd(0))?;
    if !(if write {
        file.writable()
    } else {
        file.readable()
    }) {
        return Err(Errno::EBADF.into());
    }
    let off = a.long(3);
    if v2 && a.int(5) & !RWF_SUPPORTED != 0 {
        return Err(Errno::EOPNOTSUPP.into());
    }
    let iov = guest_iovecs(t, a.addr(1), a.int(2), !write)?;
    let r = if v2 && off == -1 {
        if iov.is_empty() {
            return Ok(0);
        }
        if write {
            file.write(t, &iov)
        } else {
            file.read(t, &iov)
        }
    } else {
        let off = offset_arg(off)?;
        if !file.ops.seekable() {
            return Err(Errno::ESPIPE.into());
        }
        if iov.is_empty() {
            return Ok(0);
        }
        if write {
            file.pwrite(t, &iov, off)
        } else {
            file.pread(t, &iov, off)
        }
    };
    if write {
        epipe(t, r)
    } else {
        Ok(restartable(r)? as u64)
    }
}

fn preadv_common(t: &mut Task, a: &SyscallArgs, v2: bool) -> SysResult {
    vectored_at(t, a, v2, false)
}

fn pwritev_common(t: &mut Task, a: &SyscallArgs, v2: bool) -> SysResult {
    vectored_at(t, a, v2, true)
}

pub(super) fn preadv(t: &mut Task, a: &SyscallArgs) -> SysResult {
    preadv_common(t, a, false)
}

pub(super) fn pwritev(t: &mut Task, a: &SyscallArgs) -> SysResult {
    pwritev_common(t, a, false)
}

pub(super) fn preadv2(t: &mut Task, a: &SyscallArgs) -> SysResult {
    preadv_common(t, a, true)
}

pub(super) fn pwritev2(t: &mut Task, a: &SyscallArgs) -> SysResult {
    pwritev_common(t, a, true)
}

pub(super) fn lseek(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = t.fds.get(a.fd(0))?.clone();
    let (off, whence) = (a.long(1), a.int(2));
    if let Some(r) = file.ops.seek(off, whence) {
        return Ok(r?);
    }
    if !file.ops.seekable() {
        return Err(Errno::ESPIPE.into());
    }
    let mut cur = crate::vfs::dentry::lock(&file.offset);
    let is_dir = file.ops.dir().is_some();
    let new = match whence {
        SEEK_SET => off as i128,
        SEEK_CUR => *cur as i128 + off as i128,
        SEEK_END if !is_dir => file.ops.size()? as i128 + off as i128,
        SEEK_DATA | SEEK_HOLE if !is_dir => {
            let size = file.ops.size()? as i128;
            if off < 0 || off as i128 >= size {
                return Err(Errno::ENXIO.into());
            }
            if whence == SEEK_DATA {
                off as i128
            } else {
                size
            }
        }
        _ => return Err(Errno::EINVAL.into()),
    };
    if new < 0 || new > i64::MAX as i128 {
        return Err(Errno::EINVAL.into());
    }
    *cur = new as u64;
    Ok(new as u64)
}

/// getdents64 (`old` = false) and the old getdents record format.
fn getdents_common(t: &mut Task, a: &SyscallArgs, old: bool) -> SysResult {
    let file = t.fds.get(a.fd(0))?.clone();
    let dir = file.ops.dir().ok_or(Errno::ENOTDIR)?;
    if file.is_path() {
        return Err(Errno::EBADF.into());
    }
    let (buf, size) = (a.addr(1), a.uint(2) as usize);
    let mut off = crate::vfs::dentry::lock(&file.offset);
    let entries = dir.entries(t, *off)?;
    let mut out = Vec::new();
    let mut idx = *off as usize;
    while let Some(e) = entries.get(idx) {
        let name_off = if old {
            DIRENT_NAME_OFFSET
        } else {
            DIRENT64_NAME_OFFSET
        };
        // The old format puts d_type in the record's last byte.
        let extra = if old { 2 } else { 1 };
        let reclen = (name_off + e.name.len() + extra).next_multiple_of(8);
        if out.len() + reclen > size {
            break;
        }
        let next = (idx + 1) as u64;
        let mut rec = vec![0u8; reclen];
        rec[0..8].copy_from_slice(&e.ino.to_le_bytes());
        rec[8..16].copy_from_slice(&next.to_le_bytes());
        rec[16..18].copy_from_slice(&(reclen as u16).to_le_bytes());
        if old {
            rec[name_off..name_off + e.name.len()].copy_from_slice(&e.name);
            rec[reclen - 1] = e.typ;
        } else {
            rec[18] = e.typ;
            rec[name_off..name_off + e.name.len()].copy_from_slice(&e.name);
        }
        out.extend_from_slice(&rec);
        idx += 1;
    }
    if out.is_empty() && idx < entries.len() {
        return Err(Errno::EINVAL.into());
    }
    t.mm.copy_out(buf, &out)?;
    *off = idx as u64;
    Ok(out.len() as u64)
}

pub(super) fn getdents64(t: &mut Task, a: &SyscallArgs) -> SysResult {
    getdents_common(t, a, false)
}

pub(super) fn getdents(t: &mut Task, a: &SyscallArgs) -> SysResult {
    getdents_common(t, a, true)
}

/// Copies up to `len` bytes from `src` (at `src_off` or its offset) to
/// `dst` (at `dst_off` or its offset) through a sentry buffer.
fn transfer(
    t: &mut Task,
    src: &FileDescription,
    src_off: Option<u64>,
    dst: &FileDescription,
    dst_off: Option<u64>,
    len: u64,
) -> Result<(u64, u64, u64), Errno> {
    let mut buf = vec![0u8; len.min(1 << 20) as usize];
    let (mut so, mut dof) = (src_off, dst_off);
    let mut done = 0u64;
    while done < len {
        let want = (len - done).min(buf.len() as u64) as usize;
        let iov = [libc::iovec {
            iov_base: buf.as_mut_ptr().cast(),
            iov_len: want,
        }];
        let n = match so {
            Some(o) => src.pread(t, &iov, o)?,
            None => src.read(t, &iov)?,
        };
        if n == 0 {
            break;
        }
        let wiov = [libc::iovec {
            iov_base: buf.as_mut_ptr().cast(),
            iov_len: n,
        }];
        let w = match dof {
            Some(o) => dst.pwrite(t, &wiov, o)?,
            None => dst.write(t, &wiov)?,
        };
        done += w as u64;
        so = so.map(|o| o + w as u64);
        dof = dof.map(|o| o + w as u64);
        if w < n {
            break;
        }
    }
    Ok((done, so.unwrap_or(0), dof.unwrap_or(0)))
}

pub(super) fn sendfile(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let out = t.fds.get(a.fd(0))?.clone();
    let inf = t.fds.get(a.fd(1))?.clone();
    if !inf.readable() || !out.writable() {
        return Err(Errno::EBADF.into());
    }
    if out.flags() & O_APPEND != 0 {
        return Err(Errno::EINVAL.into());
    }
    let off_addr = a.addr(2);
    let off = if off_addr != 0 {
        let o: i64 = t.copy_in_obj(off_addr)?;
        Some(offset_arg(o)?)
    } else {
        None
    };
    let len = a.size(3).min(MAX_RW_COUNT);
    let (n, new_off, _) = transfer(t, &inf, off, &out, None, len)?;
    if off_addr != 0 {
        t.copy_out_obj(off_addr, &(new_off as i64))?;
    }
    Ok(n)
}

/// write(2) family: EPIPE also raises SIGPIPE at the writer; a wait a
/// signal interrupted may restart.
fn epipe(t: &mut Task, r: Result<usize, Errno>) -> SysResult {
    if r == Err(Errno::EPIPE) {
        super::sys_signal::raise_self(t, crate::abi::signal::SIGPIPE);
    }
    Ok(restartable(r)? as u64)
}

/// A blocking file operation ended by a signal (EINTR from the file)
/// restarts or fails as the handler's SA_RESTART says (ERESTARTSYS).
fn restartable(r: Result<usize, Errno>) -> Result<usize, crate::abi::SysError> {
    match r {
        Err(Errno::EINTR) => Err(crate::abi::SysError::RestartSys),
        Err(e) => Err(e.into()),
        Ok(n) => Ok(n),
    }
}

pub(super) fn copy_file_range(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let inf = t.fds.get(a.fd(0))?.clone();
    let out = t.fds.get(a.fd(2))?.clone();
    if a.uint(5) != 0 {
        return Err(Errno::EINVAL.into());
    }
    if !inf.readable() || !out.writable() {
        return Err(Errno::EBADF.into());
    }
    if out.flags() & O_APPEND != 0 {
        return Err(Errno::EBADF.into());
    }
    for f in [&inf, &out] {
        let st = f.ops.stat()?;
        if crate::vfs::is_dir(st.mode) {
            return Err(Errno::EISDIR.into());
        }
        if !crate::vfs::is_regular(st.mode) {
            return Err(Errno::EINVAL.into());
        }
    }
    let read_off = |t: &Task, addr: u64| -> Result<Option<u64>, Errno> {
        if addr == 0 {
            return Ok(None);
        }
        let o: i64 = t.copy_in_obj(addr)?;
        Ok(Some(offset_arg(o)?))
    };
    let in_off = read_off(t, a.addr(1))?;
    if let (Some(i), Some(o)) = (inf.inode(), out.inode()) {
        if std::sync::Arc::ptr_eq(i, o) {
            let io = in_off.unwrap_or(*crate::vfs::dentry::lock(&inf.offset));
            let oo = read_off(t, a.addr(3))?.unwrap_or(*crate::vfs::dentry::lock(&out.offset));
            let n = a.size(4);
            if io < oo.saturating_add(n) && oo < io.saturating_add(n) {
                return Err(Errno::EINVAL.into());
            }
        }
    }
    let out_off = read_off(t, a.addr(3))?;
    let len = a.size(4).min(MAX_RW_COUNT);
    let (n, ni, no) = transfer(t, &inf, in_off, &out, out_off, len)?;
    if a.addr(1) != 0 {
        t.copy_out_obj(a.addr(1), &(ni as i64))?;
    }
    if a.addr(3) != 0 {
        t.copy_out_obj(a.addr(3), &(no as i64))?;
    }
    Ok(n)
}
