//! User and group identities: the get and set calls (the set-uid calls
//! adjust the capability sets as Linux's commoncap does).

use super::SyscallArgs;
use crate::abi::caps::{CAP_SETGID, CAP_SETUID};
use crate::abi::{Errno, SysResult};
use crate::kernel::task::Credentials;
use crate::kernel::Task;

/// Most supplementary groups (Linux's NGROUPS_MAX).
const NGROUPS_MAX: usize = 65536;

pub(super) fn getuid(t: &mut Task, _: &SyscallArgs) -> SysResult {
    Ok(t.creds.uid as u64)
}

pub(super) fn geteuid(t: &mut Task, _: &SyscallArgs) -> SysResult {
    Ok(t.creds.euid as u64)
}

pub(super) fn getgid(t: &mut Task, _: &SyscallArgs) -> SysResult {
    Ok(t.creds.gid as u64)
}

pub(super) fn getegid(t: &mut Task, _: &SyscallArgs) -> SysResult {
    Ok(t.creds.egid as u64)
}

fn three_ids(t: &Task, a: &SyscallArgs, ids: [u32; 3]) -> SysResult {
    for (i, id) in ids.iter().enumerate() {
        t.copy_out_obj(a.addr(i), id)?;
    }
    Ok(0)
}

pub(super) fn getresuid(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let c = &t.creds;
    three_ids(t, a, [c.uid, c.euid, c.suid])
}

pub(super) fn getresgid(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let c = &t.creds;
    three_ids(t, a, [c.gid, c.egid, c.sgid])
}

pub(super) fn getgroups(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let size = a.int(0);
    let n = t.creds.groups.len();
    if size < 0 || size as usize > NGROUPS_MAX {
        return Err(Errno::EINVAL.into());
    }
    if size == 0 {
        return Ok(n as u64);
    }
    if (size as usize) < n {
        return Err(Errno::EINVAL.into());
    }
    let bytes: Vec<u8> = t
        .creds
        .groups
        .iter()
        .flat_map(|g| g.to_le_bytes())
        .collect();
    t.mm.copy_out(a.addr(1), &bytes)?;
    Ok(n as u64)
}

/// Whether the task may set arbitrary user ids.
fn may_setuid(t: &Task) -> bool {
    t.creds.capable(CAP_SETUID)
}

/// Whether the task may set arbitrary group ids and the groups.
fn may_setgid(t: &Task) -> bool {
    t.creds.capable(CAP_SETGID)
}

/// The real, effective and saved uids.
fn uids(c: &Credentials) -> (u32, u32, u32) {
    (c.uid, c.euid, c.suid)
}

/// An id argument: -1 means "unchanged" where allowed.
fn id_arg(v: u32) -> Option<u32> {
    (v != u32::MAX).then_some(v)
}

pub(super) fn setuid(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let uid = id_arg(a.uint(0)).ok_or(Errno::EINVAL)?;
    let p = may_setuid(t);
    let c = &mut t.creds;
    let old = uids(c);
    if p {
        c.uid = uid;
        c.suid = uid;
        c.euid = uid;
    } else if uid == c.uid || uid == c.suid {
        c.euid = uid;
    } else {
        return Err(Errno::EPERM.into());
    }
    c.fix_setuid(old);
    Ok(0)
}

pub(super) fn setgid(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let gid = id_arg(a.uint(0)).ok_or(Errno::EINVAL)?;
    let p = may_setgid(t);
    let c = &mut t.creds;
    if p {
        c.gid = gid;
        c.sgid = gid;
        c.egid = gid;
    } else if gid == c.gid || gid == c.sgid {
        c.egid = gid;
    } else {
        return Err(Errno::EPERM.into());
    }
    Ok(0)
}

/// setreuid/setregid rules: the real id may become the real or effective
/// one, the effective id any of the three; then the saved id follows the
/// effective one when the real id changed or the effective id moved away
/// from the real one.
fn set_re(priv_: bool, ids: &mut (u32, u32, u32), r: Option<u32>, e: Option<u32>) -> SysResult {
    let (ru, eu, su) = *ids;
    if !priv_ {
        if r.is_some_and(|r| r != ru && r != eu) {
            return Err(Errno::EPERM.into());
        }
        if e.is_some_and(|e| e != ru && e != eu && e != su) {
            return Err(Errno::EPERM.into());
        }
    }
    let nr = r.unwrap_or(ru);
    let ne = e.unwrap_or(eu);
    let ns = if r.is_some() || e.is_some_and(|e| e != ru) {
        ne
    } else {
        su
    };
    *ids = (nr, ne, ns);
    Ok(0)
}

fn set_res(priv_: bool, ids: &mut (u32, u32, u32), new: [Option<u32>; 3]) -> SysResult {
    let (ru, eu, su) = *ids;
    if !priv_ && new.iter().flatten().any(|&v| v != ru && v != eu && v != su) {
        return Err(Errno::EPERM.into());
    }
    *ids = (
        new[0].unwrap_or(ru),
        new[1].unwrap_or(eu),
        new[2].unwrap_or(su),
    );
    Ok(0)
}

pub(super) fn setreuid(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let p = may_setuid(t);
    let c = &mut t.creds;
    let old = uids(c);
    let mut ids = old;
    set_re(p, &mut ids, id_arg(a.uint(0)), id_arg(a.uint(1)))?;
    (c.uid, c.euid, c.suid) = ids;
    c.fix_setuid(old);
    Ok(0)
}

pub(super) fn setregid(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let p = may_setgid(t);
    let c = &mut t.creds;
    let mut ids = (c.gid, c.egid, c.sgid);
    set_re(p, &mut ids, id_arg(a.uint(0)), id_arg(a.uint(1)))?;
    (c.gid, c.egid, c.sgid) = ids;
    Ok(0)
}

pub(super) fn setresuid(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let p = may_setuid(t);
    let c = &mut t.creds;
    let old = uids(c);
    let mut ids = old;
    set_res(
        p,
        &mut ids,
        [id_arg(a.uint(0)), id_arg(a.uint(1)), id_arg(a.uint(2))],
    )?;
    (c.uid, c.euid, c.suid) = ids;
    c.fix_setuid(old);
    Ok(0)
}

pub(super) fn setresgid(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let p = may_setgid(t);
    let c = &mut t.creds;
    let mut ids = (c.gid, c.egid, c.sgid);
    set_res(
        p,
        &mut ids,
        [id_arg(a.uint(0)), id_arg(a.uint(1)), id_arg(a.uint(2))],
    )?;
    (c.gid, c.egid, c.sgid) = ids;
    Ok(0)
}

pub(super) fn setgroups(t: &mut Task, a: &SyscallArgs) -> SysResult {
    // Linux checks the capability before the size.
    if !may_setgid(t) {
        return Err(Errno::EPERM.into());
    }
    let n = a.int(0);
    if n < 0 || n as usize > NGROUPS_MAX {
        return Err(Errno::EINVAL.into());
    }
    let mut raw = vec![0u8; n as usize * 4];
    t.mm.copy_in(a.addr(1), &mut raw)?;
    t.creds.groups = raw
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    Ok(0)
}
