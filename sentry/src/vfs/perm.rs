//! Permission checks against the guest's credentials (Linux's
//! generic_permission with CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH for uid 0).

use crate::abi::file::{S_IFDIR, S_IFMT, S_ISVTX};
use crate::abi::Errno;
use crate::kernel::task::Credentials;

/// Access wanted: read.
pub const MAY_READ: u32 = 4;
/// Access wanted: write.
pub const MAY_WRITE: u32 = 2;
/// Access wanted: execute or search.
pub const MAY_EXEC: u32 = 1;

/// Checks `want` (MAY_* bits) on an inode with `mode`, `uid`, `gid` for
/// the filesystem ids of `creds` (`real` uses the real ids, for access(2)).
pub fn check(
    creds: &Credentials,
    real: bool,
    mode: u32,
    uid: u32,
    gid: u32,
    want: u32,
) -> Result<(), Errno> {
    let (fsuid, fsgid) = if real {
        (creds.uid, creds.gid)
    } else {
        (creds.euid, creds.egid)
    };
    if fsuid == 0 {
        // Root may do anything except execute a file with no execute bit.
        let is_dir = mode & S_IFMT == S_IFDIR;
        if want & MAY_EXEC != 0 && !is_dir && mode & 0o111 == 0 {
            return Err(Errno::EACCES);
        }
        return Ok(());
    }
    let bits = if fsuid == uid {
        (mode >> 6) & 7
    } else if fsgid == gid || creds.groups.contains(&gid) {
        (mode >> 3) & 7
    } else {
        mode & 7
    };
    if bits & want == want {
        Ok(())
    } else {
        Err(Errno::EACCES)
    }
}

/// The sticky-directory rule for unlink/rename: in a sticky directory only
/// the owner of the file or the directory (or root) may remove entries.
pub fn sticky_ok(creds: &Credentials, dir_mode: u32, dir_uid: u32, file_uid: u32) -> bool {
    dir_mode & S_ISVTX == 0 || creds.euid == 0 || creds.euid == dir_uid || creds.euid == file_uid
}

/// Whether the caller owns the inode (or is root): chmod, utimes with
/// explicit times, setting xattrs.
pub fn owner_ok(creds: &Credentials, uid: u32) -> bool {
    creds.euid == 0 || creds.euid == uid
}
