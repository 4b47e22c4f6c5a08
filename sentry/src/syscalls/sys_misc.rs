//! uname, resource limits, getrandom, umask, readlink.

use super::SyscallArgs;
use crate::abi::caps::CAP_SYS_RESOURCE;
use crate::abi::misc::*;
use crate::abi::{Errno, SysResult};
use crate::kernel::Task;

/// The kernel release the guest sees.
pub const UTS_RELEASE: &str = "6.6.0";
/// The kernel version string the guest sees.
pub const UTS_VERSION: &str = "#1 SMP PREEMPT_DYNAMIC runsc";

fn fill(field: &mut [u8; UTS_FIELD_LEN], s: &str) {
    let n = s.len().min(UTS_FIELD_LEN - 1);
    field[..n].copy_from_slice(&s.as_bytes()[..n]);
}

pub(super) fn uname(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let mut u = Utsname::default();
    fill(&mut u.sysname, "Linux");
    fill(&mut u.nodename, &t.kernel.config.hostname);
    fill(&mut u.release, UTS_RELEASE);
    fill(&mut u.version, UTS_VERSION);
    fill(&mut u.machine, "x86_64");
    fill(&mut u.domainname, "(none)");
    t.copy_out_obj(a.addr(0), &u)?;
    Ok(0)
}

fn resource(a: &SyscallArgs, i: usize) -> Result<usize, Errno> {
    let r = a.uint(i) as usize;
    if r >= RLIM_NLIMITS {
        return Err(Errno::EINVAL);
    }
    Ok(r)
}

pub(super) fn prlimit64(t: &mut Task, a: &SyscallArgs) -> SysResult {
    // Linux's order: resource, copy-in of the new limit, the target,
    // setting it, and only then the copy-out of the old one.
    let r = resource(a, 1)?;
    let new = if a.addr(2) != 0 {
        let n = t.copy_in_obj::<Rlimit>(a.addr(2))?;
        if n.cur > n.max {
            return Err(Errno::EINVAL.into());
        }
        Some(n)
    } else {
        None
    };
    let pid = a.int(0);
    if pid != 0 && pid != t.tgid {
        return Err(Errno::ESRCH.into());
    }
    let old = t.rlimits[r];
    if let Some(n) = new {
        raise_ok(t, &old, &n)?;
        t.rlimits[r] = n;
    }
    if a.addr(3) != 0 {
        t.copy_out_obj(a.addr(3), &old)?;
    }
    Ok(0)
}

pub(super) fn getrlimit(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let r = resource(a, 0)?;
    let v = t.rlimits[r];
    t.copy_out_obj(a.addr(1), &v)?;
    Ok(0)
}

pub(super) fn setrlimit(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let r = resource(a, 0)?;
    let n = t.copy_in_obj::<Rlimit>(a.addr(1))?;
    if n.cur > n.max {
        return Err(Errno::EINVAL.into());
    }
    raise_ok(t, &t.rlimits[r], &n)?;
    t.rlimits[r] = n;
    Ok(0)
}

/// Raising a hard limit needs CAP_SYS_RESOURCE (EPERM).
fn raise_ok(t: &Task, old: &Rlimit, new: &Rlimit) -> Result<(), Errno> {
    if new.max > old.max && !t.creds.capable(CAP_SYS_RESOURCE) {
        return Err(Errno::EPERM);
    }
    Ok(())
}

pub(super) fn getrandom(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let flags = a.flags(2);
    if flags & !(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE) != 0
        || flags & (GRND_RANDOM | GRND_INSECURE) == (GRND_RANDOM | GRND_INSECURE)
    {
        return Err(Errno::EINVAL.into());
    }
    let len = a.size(1).min(i32::MAX as u64);
    if len == 0 {
        return Ok(0);
    }
    let mut done = 0u64;
    for v in t.mm.io_vecs(a.addr(0), len, true)? {
        let dst = v.iov_base.cast::<u8>();
        let mut off = 0usize;
        while off < v.iov_len {
            // SAFETY: dst..dst+iov_len lies in the memory file mapping
            // (from io_vecs); the kernel writes at most the remaining length.
            let n = unsafe { libc::getrandom(dst.add(off).cast(), v.iov_len - off, 0) };
            if n <= 0 {
                break;
            }
            off += n as usize;
        }
        done += off as u64;
    }
    Ok(done)
}

pub(super) fn umask(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let old = t.umask;
    t.umask = a.uint(0) & 0o777;
    Ok(old as u64)
}
