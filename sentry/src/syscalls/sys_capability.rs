//! capget and capset (kernel/capability.c): the capability sets of a
//! thread as pairs of 32-bit words. The rules live in `kernel/caps.rs`.

use super::SyscallArgs;
use crate::abi::caps::*;
use crate::abi::{Errno, SysResult};
use crate::kernel::Task;

/// How many data structs a header version copies; a bad version is
/// EINVAL, and the header then holds the version the sandbox prefers
/// (cap_validate_magic).
fn data_structs(t: &Task, hdr_addr: u64, hdr: &CapUserHeader) -> Result<usize, Errno> {
    match hdr.version {
        LINUX_CAPABILITY_VERSION_1 => Ok(LINUX_CAPABILITY_U32S_1),
        LINUX_CAPABILITY_VERSION_2 | LINUX_CAPABILITY_VERSION_3 => Ok(LINUX_CAPABILITY_U32S_3),
        _ => {
            t.copy_out_obj(hdr_addr, &LINUX_CAPABILITY_VERSION_3)?;
            Err(Errno::EINVAL)
        }
    }
}

pub(super) fn capget(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let hdr: CapUserHeader = t.copy_in_obj(a.addr(0))?;
    let n = match data_structs(t, a.addr(0), &hdr) {
        Ok(n) => n,
        // A NULL data pointer asks for the preferred version only.
        Err(Errno::EINVAL) if a.addr(1) == 0 => return Ok(0),
        Err(e) => return Err(e.into()),
    };
    if a.addr(1) == 0 {
        return Ok(0);
    }
    if hdr.pid < 0 {
        return Err(Errno::EINVAL.into());
    }
    // Any thread may be asked, by its id.
    let creds = if hdr.pid == 0 || hdr.pid == t.tid {
        t.creds.clone()
    } else {
        t.kernel.views.get(hdr.pid).ok_or(Errno::ESRCH)?.creds
    };
    let mut data = [CapUserData::default(); LINUX_CAPABILITY_U32S_3];
    for (i, d) in data.iter_mut().enumerate() {
        let shift = 32 * i;
        // The low or high 32 bits of each set.
        d.effective = (creds.cap_effective >> shift) as u32;
        d.permitted = (creds.cap_permitted >> shift) as u32;
        d.inheritable = (creds.cap_inheritable >> shift) as u32;
    }
    // Version 1 gets the low words only: capabilities 32 and up are
    // silently left out, as Linux does.
    for (i, d) in data.iter().take(n).enumerate() {
        t.copy_out_obj(
            a.addr(1) + (i * std::mem::size_of::<CapUserData>()) as u64,
            d,
        )?;
    }
    Ok(0)
}

pub(super) fn capset(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let hdr: CapUserHeader = t.copy_in_obj(a.addr(0))?;
    let n = data_structs(t, a.addr(0), &hdr)?;
    // Only the calling thread: 0 or its own thread id.
    if hdr.pid != 0 && hdr.pid != t.tid {
        return Err(Errno::EPERM.into());
    }
    let mut data = [CapUserData::default(); LINUX_CAPABILITY_U32S_3];
    for (i, d) in data.iter_mut().take(n).enumerate() {
        *d = t.copy_in_obj(a.addr(1) + (i * std::mem::size_of::<CapUserData>()) as u64)?;
    }
    // Bits above the last capability are ignored (mk_kernel_cap).
    let set = |f: fn(&CapUserData) -> u32| {
        (u64::from(f(&data[0])) | (u64::from(f(&data[1])) << 32)) & CAP_FULL_SET
    };
    t.creds.capset(
        set(|d| d.effective),
        set(|d| d.permitted),
        set(|d| d.inheritable),
    )?;
    Ok(0)
}
