//! pipe, pipe2, splice, tee.

use super::SyscallArgs;
use crate::abi::file::{O_CLOEXEC, O_DIRECT, O_NONBLOCK, O_RDONLY, O_WRONLY};
use crate::abi::misc::RLIMIT_NOFILE;
use crate::abi::{Errno, SysResult};
use crate::fsimpl::pipe::Pipe;
use crate::kernel::Task;
use crate::vfs::FileDescription;

fn pipe_common(t: &mut Task, addr: u64, flags: u32) -> SysResult {
    if flags & !(O_CLOEXEC | O_NONBLOCK | O_DIRECT) != 0 {
        return Err(Errno::EINVAL.into());
    }
    let pipe = Pipe::new();
    let status = flags & O_NONBLOCK;
    let r = FileDescription::new(Box::new(pipe.open_end(false)), None, O_RDONLY | status);
    let w = FileDescription::new(Box::new(pipe.open_end(true)), None, O_WRONLY | status);
    let cloexec = flags & O_CLOEXEC != 0;
    let limit = t.rlimits[RLIMIT_NOFILE].cur;
    let rfd = t.fds.install(r, cloexec, 0, limit)?;
    let wfd = match t.fds.install(w, cloexec, 0, limit) {
        Ok(fd) => fd,
        Err(e) => {
            let _ = t.fds.close(rfd);
            return Err(e.into());
        }
    };
    if let Err(e) = t.copy_out_obj(addr, &[rfd, wfd]) {
        let _ = t.fds.close(rfd);
        let _ = t.fds.close(wfd);
        return Err(e.into());
    }
    Ok(0)
}

pub(super) fn pipe(t: &mut Task, a: &SyscallArgs) -> SysResult {
    pipe_common(t, a.addr(0), 0)
}

pub(super) fn pipe2(t: &mut Task, a: &SyscallArgs) -> SysResult {
    pipe_common(t, a.addr(0), a.uint(1))
}

/// splice flags Linux accepts (MOVE, NONBLOCK, MORE, GIFT).
const SPLICE_F_ALL: u32 = 0xf;
/// splice: do not block on the pipe.
const SPLICE_F_NONBLOCK: u32 = 2;

pub(super) fn splice(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (in_fd, in_off, out_fd, out_off, len, flags) =
        (a.fd(0), a.addr(1), a.fd(2), a.addr(3), a.size(4), a.uint(5));
    if flags & !SPLICE_F_ALL != 0 {
        return Err(Errno::EINVAL.into());
    }
    let inf = t.fds.get(in_fd)?.clone();
    let outf = t.fds.get(out_fd)?.clone();
    if !inf.readable() || !outf.writable() {
        return Err(Errno::EBADF.into());
    }
    let in_pipe = inf.ops.pipe().cloned();
    let out_pipe = outf.ops.pipe().cloned();
    if in_pipe.is_none() && out_pipe.is_none() {
        return Err(Errno::EINVAL.into());
    }
    if in_pipe.is_some() && in_off != 0 || out_pipe.is_some() && out_off != 0 {
        return Err(Errno::ESPIPE.into());
    }
    if len == 0 {
        return Ok(0);
    }
    let nonblock = flags & SPLICE_F_NONBLOCK != 0;
    let len = len.min(crate::abi::misc::MAX_RW_COUNT) as usize;
    // Read from the source.
    let data = match &in_pipe {
        Some(p) => {
            let n = out_pipe
                .as_ref()
                .map_or(len, |o| len.min(o.capacity().saturating_sub(o.len())));
            p.take(
                n.max(1).min(len),
                nonblock || inf.flags() & O_NONBLOCK != 0,
                &|| t.signal_pending(),
            )?
        }
        None => {
            let off = if in_off != 0 {
                let o: i64 = t.copy_in_obj(in_off)?;
                Some(u64::try_from(o).map_err(|_| Errno::EINVAL)?)
            } else {
                None
            };
            let room = out_pipe
                .as_ref()
                .map_or(len, |o| len.min(o.capacity().saturating_sub(o.len())));
            let mut buf = vec![0u8; room];
            let iov = [libc::iovec {
                iov_base: buf.as_mut_ptr().cast(),
                iov_len: buf.len(),
            }];
            let n = match off {
                Some(o) => inf.pread(t, &iov, o)?,
                None => inf.read(t, &iov)?,
            };
            buf.truncate(n);
            if let Some(o) = off {
                t.copy_out_obj(in_off, &((o + n as u64) as i64))?;
            }
            buf
        }
    };
    if data.is_empty() {
        return Ok(0);
    }
    // Write to the destination.
    let written = match &out_pipe {
        Some(p) => p.put(&data, true, &|| false)?,
        None => {
            let iov = [libc::iovec {
                iov_base: data.as_ptr() as *mut libc::c_void,
                iov_len: data.len(),
            }];
            if out_off != 0 {
                let o: i64 = t.copy_in_obj(out_off)?;
                let o = u64::try_from(o).map_err(|_| Errno::EINVAL)?;
                let n = outf.pwrite(t, &iov, o)?;
                t.copy_out_obj(out_off, &((o + n as u64) as i64))?;
                n
            } else {
                outf.write(t, &iov)?
            }
        }
    };
    Ok(written as u64)
}

pub(super) fn tee(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (in_fd, out_fd, len, flags) = (a.fd(0), a.fd(1), a.size(2), a.uint(3));
    if flags & !SPLICE_F_ALL != 0 {
        return Err(Errno::EINVAL.into());
    }
    let inf = t.fds.get(in_fd)?.clone();
    let outf = t.fds.get(out_fd)?.clone();
    let (Some(ip), Some(op)) = (inf.ops.pipe(), outf.ops.pipe()) else {
        return Err(Errno::EINVAL.into());
    };
    if !inf.readable() || !outf.writable() {
        return Err(Errno::EBADF.into());
    }
    if std::sync::Arc::ptr_eq(ip, op) {
        return Err(Errno::EINVAL.into());
    }
    let room = op.capacity().saturating_sub(op.len());
    let data = ip.peek((len as usize).min(room));
    if data.is_empty() {
        if ip.is_empty() && flags & SPLICE_F_NONBLOCK != 0 {
            return Err(Errno::EAGAIN.into());
        }
        return Ok(0);
    }
    Ok(op.put(&data, true, &|| false)? as u64)
}
