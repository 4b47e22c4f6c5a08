//! User and group identity queries.

use super::SyscallArgs;
use crate::abi::{Errno, SysResult};
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
