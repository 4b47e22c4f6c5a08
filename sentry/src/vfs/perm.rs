//! Permission checks against the guest's credentials: Linux's
//! generic_permission (mode bits, then CAP_DAC_READ_SEARCH and
//! CAP_DAC_OVERRIDE), and the owner, sticky-directory and set-id rules
//! with CAP_FOWNER and CAP_FSETID.

use crate::abi::caps::{cap_bit, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_FSETID};
use crate::abi::file::{S_IFDIR, S_IFMT, S_IFREG, S_ISGID, S_ISUID, S_ISVTX, S_IXGRP, S_IXUGO};
use crate::abi::Errno;
use crate::kernel::task::Credentials;

/// Access wanted: read.
pub const MAY_READ: u32 = 4;
/// Access wanted: write.
pub const MAY_WRITE: u32 = 2;
/// Access wanted: execute or search.
pub const MAY_EXEC: u32 = 1;

/// Checks `want` (MAY_* bits) on an inode with `mode`, `uid`, `gid` for
/// the filesystem ids of `creds` (`real` uses the real ids and the
/// capabilities access(2) checks with). The class bits (owner, group or
/// other) decide first; then CAP_DAC_READ_SEARCH allows reading a file
/// and reading or searching a directory, and CAP_DAC_OVERRIDE allows
/// anything but executing a non-directory without any execute bit.
pub fn check(
    creds: &Credentials,
    real: bool,
    mode: u32,
    uid: u32,
    gid: u32,
    want: u32,
) -> Result<(), Errno> {
    let (fsuid, fsgid, caps) = if real {
        (creds.uid, creds.gid, creds.access_effective())
    } else {
        (creds.euid, creds.egid, creds.cap_effective)
    };
    let bits = if fsuid == uid {
        (mode >> 6) & 7
    } else if fsgid == gid || creds.groups.contains(&gid) {
        (mode >> 3) & 7
    } else {
        mode & 7
    };
    if bits & want == want {
        return Ok(());
    }
    let has = |cap: u32| caps & cap_bit(cap) != 0;
    let want = want & (MAY_READ | MAY_WRITE | MAY_EXEC);
    if mode & S_IFMT == S_IFDIR {
        if want & MAY_WRITE == 0 && has(CAP_DAC_READ_SEARCH) {
            return Ok(());
        }
        return if has(CAP_DAC_OVERRIDE) {
            Ok(())
        } else {
            Err(Errno::EACCES)
        };
    }
    if want == MAY_READ && has(CAP_DAC_READ_SEARCH) {
        return Ok(());
    }
    if (want & MAY_EXEC == 0 || mode & S_IXUGO != 0) && has(CAP_DAC_OVERRIDE) {
        return Ok(());
    }
    Err(Errno::EACCES)
}

/// Whether every directory may be searched without looking at its mode
/// (CAP_DAC_READ_SEARCH or CAP_DAC_OVERRIDE in the effective set).
pub fn searches_any_dir(creds: &Credentials) -> bool {
    creds.capable(CAP_DAC_READ_SEARCH) || creds.capable(CAP_DAC_OVERRIDE)
}

/// The sticky-directory rule for unlink/rename: in a sticky directory only
/// the owner of the file or of the directory, or a holder of CAP_FOWNER,
/// may remove entries.
pub fn sticky_ok(creds: &Credentials, dir_mode: u32, dir_uid: u32, file_uid: u32) -> bool {
    dir_mode & S_ISVTX == 0
        || creds.euid == dir_uid
        || creds.euid == file_uid
        || creds.capable(CAP_FOWNER)
}

/// Whether the caller owns the inode or holds CAP_FOWNER (Linux's
/// inode_owner_or_capable): chmod, utimes with explicit times, setting
/// xattrs.
pub fn owner_ok(creds: &Credentials, uid: u32) -> bool {
    creds.euid == uid || creds.capable(CAP_FOWNER)
}

/// Whether the caller is in group `gid` or holds CAP_FSETID (Linux's
/// in_group_or_capable): else chmod drops S_ISGID.
pub fn in_group_or_fsetid(creds: &Credentials, gid: u32) -> bool {
    creds.in_group(gid) || creds.capable(CAP_FSETID)
}

/// The set-id bits a write by `creds` clears from a file with `mode` and
/// group `gid` (setattr_should_drop_suidgid): none with CAP_FSETID or
/// for a non-regular file; else S_ISUID, and S_ISGID when the group may
/// execute or the writer is not in the file's group.
pub fn write_clears(creds: &Credentials, mode: u32, gid: u32) -> u32 {
    let mut kill = mode & S_ISUID;
    if mode & S_ISGID != 0 && (mode & S_IXGRP != 0 || !in_group_or_fsetid(creds, gid)) {
        kill |= S_ISGID;
    }
    if kill != 0 && !creds.capable(CAP_FSETID) && mode & S_IFMT == S_IFREG {
        kill
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::caps::ProcessCaps;

    fn root_without(caps: &[u32]) -> Credentials {
        let mut c = Credentials::for_process(0, 0, Vec::new(), &ProcessCaps::FULL);
        for &cap in caps {
            c.cap_effective &= !cap_bit(cap);
        }
        c
    }

    #[test]
    fn test_dac_override_reads_and_writes_but_needs_an_exec_bit() {
        let c = root_without(&[]);
        let file = S_IFREG | 0o600;
        assert_eq!(check(&c, false, file, 5, 5, MAY_READ | MAY_WRITE), Ok(()));
        assert_eq!(check(&c, false, file, 5, 5, MAY_EXEC), Err(Errno::EACCES));
        assert_eq!(check(&c, false, file | 0o001, 5, 5, MAY_EXEC), Ok(()));
        assert_eq!(
            check(&c, false, S_IFDIR, 5, 5, MAY_EXEC | MAY_WRITE),
            Ok(())
        );
    }

    #[test]
    fn test_dac_read_search_reads_files_and_searches_dirs_only() {
        let c = root_without(&[CAP_DAC_OVERRIDE]);
        let file = S_IFREG; // mode 000
        assert_eq!(check(&c, false, file, 5, 5, MAY_READ), Ok(()));
        assert_eq!(check(&c, false, file, 5, 5, MAY_WRITE), Err(Errno::EACCES));
        assert_eq!(check(&c, false, S_IFDIR, 5, 5, MAY_READ | MAY_EXEC), Ok(()));
        assert_eq!(
            check(&c, false, S_IFDIR, 5, 5, MAY_WRITE),
            Err(Errno::EACCES)
        );
        let none = root_without(&[CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH]);
        assert_eq!(
            check(&none, false, file, 5, 5, MAY_READ),
            Err(Errno::EACCES)
        );
        // Root's own class bits still apply.
        assert_eq!(check(&none, false, S_IFREG | 0o600, 0, 5, MAY_READ), Ok(()));
    }

    #[test]
    fn test_access_uses_permitted_for_real_root_only() {
        let mut c = root_without(&[]);
        c.euid = 1000;
        c.cap_effective = 0;
        assert_eq!(check(&c, true, S_IFREG | 0o600, 5, 5, MAY_READ), Ok(()));
        assert_eq!(
            check(&c, false, S_IFREG | 0o600, 5, 5, MAY_READ),
            Err(Errno::EACCES)
        );
    }

    #[test]
    fn test_write_clears_set_id_bits_without_fsetid() {
        let c = root_without(&[]);
        assert_eq!(write_clears(&c, S_IFREG | 0o6755, 5), 0);
        let u = root_without(&[CAP_FSETID]);
        assert_eq!(write_clears(&u, S_IFREG | 0o6755, 5), S_ISUID | S_ISGID);
        // Set-group-ID without group execute stays for a group member.
        assert_eq!(write_clears(&u, S_IFREG | 0o2644, 0), 0);
        assert_eq!(write_clears(&u, S_IFREG | 0o2644, 5), S_ISGID);
    }
}
