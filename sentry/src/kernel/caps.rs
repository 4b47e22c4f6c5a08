//! Capabilities of a task's credentials, with the rules of Linux's
//! security/commoncap.c and kernel/capability.c (capabilities(7)):
//! capset's subset rules, the uid-change fixups (cap_emulate_setxuid),
//! the bounding and ambient sets, the secure bits, and what execve makes
//! of the sets (cap_bprm_creds_from_file, without file capabilities: the
//! sandbox's files carry no `security.capability`).
//!
//! Privilege checks look at the effective set only ([`Credentials::capable`]).
//! There is one user namespace, so every capability is over everything
//! the guest sees.

use super::task::Credentials;
use crate::abi::caps::*;
use crate::abi::Errno;

/// The capability sets a new process starts with, before its first
/// execve (an OCI bundle's `process.capabilities`, one mask per list).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProcessCaps {
    /// The bounding set.
    pub bounding: u64,
    /// The effective set.
    pub effective: u64,
    /// The permitted set.
    pub permitted: u64,
    /// The inheritable set.
    pub inheritable: u64,
    /// The ambient set (raised where permitted and inheritable allow).
    pub ambient: u64,
}

impl ProcessCaps {
    /// Everything a root process of the host has (`runsc do`): full
    /// bounding, permitted and effective sets; no inheritable or ambient
    /// capability.
    pub const FULL: ProcessCaps = ProcessCaps {
        bounding: CAP_FULL_SET,
        effective: CAP_FULL_SET,
        permitted: CAP_FULL_SET,
        inheritable: 0,
        ambient: 0,
    };

    /// No capability at all (a bundle without `process.capabilities`).
    pub const NONE: ProcessCaps = ProcessCaps {
        bounding: 0,
        effective: 0,
        permitted: 0,
        inheritable: 0,
        ambient: 0,
    };
}

impl Credentials {
    /// The credentials of a new process with ids `uid`, `gid` and
    /// `groups` and the capabilities of `caps`, set up as runc sets up a
    /// container's process from a root process with every capability:
    /// bounding set first, then the ids (keeping the permitted set), then
    /// capset of the effective, permitted and inheritable sets, then each
    /// ambient capability raised where the rules allow (runc ignores the
    /// refusals). Sets capset would refuse are narrowed to what it
    /// allows (effective within permitted, inheritable within bounding);
    /// the OCI layer rejects such bundles before this. The first execve
    /// then computes the sets the program runs with.
    pub fn for_process(uid: u32, gid: u32, groups: Vec<u32>, caps: &ProcessCaps) -> Credentials {
        let mut c = Credentials {
            uid: 0,
            euid: 0,
            suid: 0,
            gid,
            egid: gid,
            sgid: gid,
            groups,
            cap_permitted: CAP_FULL_SET,
            cap_effective: CAP_FULL_SET,
            cap_inheritable: 0,
            cap_bounding: caps.bounding & CAP_FULL_SET,
            cap_ambient: 0,
            securebits: secbit(SECURE_KEEP_CAPS),
        };
        let old = (c.uid, c.euid, c.suid);
        (c.uid, c.euid, c.suid) = (uid, uid, uid);
        c.fix_setuid(old);
        c.securebits = 0;
        let permitted = caps.permitted & CAP_FULL_SET;
        let inheritable = caps.inheritable & c.cap_bounding;
        let effective = caps.effective & permitted;
        // Within the rules by construction: permitted is within the full
        // set, inheritable within the bounding set, effective within
        // permitted.
        let _ = c.capset(effective, permitted, inheritable);
        for cap in 0..=CAP_LAST_CAP {
            if caps.ambient & cap_bit(cap) != 0 {
                let _ = c.prctl_ambient(PR_CAP_AMBIENT_RAISE, u64::from(cap), 0, 0);
            }
        }
        c
    }

    /// Whether the effective set holds `cap` (Linux's capable()).
    pub fn capable(&self, cap: u32) -> bool {
        self.cap_effective & cap_bit(cap) != 0
    }

    /// Whether secure bit `bit` is set (Linux's issecure()).
    pub fn issecure(&self, bit: u32) -> bool {
        self.securebits & secbit(bit) != 0
    }

    /// Whether `gid` is the effective (filesystem) gid or a
    /// supplementary group (Linux's in_group_p).
    pub fn in_group(&self, gid: u32) -> bool {
        self.egid == gid || self.groups.contains(&gid)
    }

    /// The effective set access(2) checks with (it uses the real ids):
    /// the permitted set for real uid 0, nothing for others, unless
    /// SECURE_NO_SETUID_FIXUP keeps the effective set (do_faccessat).
    pub fn access_effective(&self) -> u64 {
        if self.issecure(SECURE_NO_SETUID_FIXUP) {
            self.cap_effective
        } else if self.uid == 0 {
            self.cap_permitted
        } else {
            0
        }
    }

    /// Adjusts the sets after setuid, setreuid or setresuid changed the
    /// uids from `old` (real, effective, saved) to the current ones
    /// (cap_emulate_setxuid, unless SECURE_NO_SETUID_FIXUP): leaving
    /// uid 0 in all three clears the permitted and effective sets (not
    /// with SECURE_KEEP_CAPS) and the ambient set; an effective uid
    /// leaving 0 clears the effective set, one becoming 0 makes it the
    /// permitted set.
    pub fn fix_setuid(&mut self, old: (u32, u32, u32)) {
        if self.issecure(SECURE_NO_SETUID_FIXUP) {
            return;
        }
        let (ouid, oeuid, osuid) = old;
        if (ouid == 0 || oeuid == 0 || osuid == 0)
            && self.uid != 0
            && self.euid != 0
            && self.suid != 0
        {
            if !self.issecure(SECURE_KEEP_CAPS) {
                self.cap_permitted = 0;
                self.cap_effective = 0;
            }
            self.cap_ambient = 0;
        }
        if oeuid == 0 && self.euid != 0 {
            self.cap_effective = 0;
        }
        if oeuid != 0 && self.euid == 0 {
            self.cap_effective = self.cap_permitted;
        }
    }

    /// capset(2) on the caller (cap_capset): the new inheritable set may
    /// only add permitted capabilities (any, with CAP_SETPCAP) and never
    /// ones outside the bounding set; the permitted set may only shrink;
    /// the effective set must lie within the new permitted set. Ambient
    /// capabilities no longer both permitted and inheritable go. EPERM
    /// otherwise.
    pub fn capset(
        &mut self,
        effective: u64,
        permitted: u64,
        inheritable: u64,
    ) -> Result<(), Errno> {
        if !self.capable(CAP_SETPCAP)
            && inheritable & !(self.cap_inheritable | self.cap_permitted) != 0
        {
            return Err(Errno::EPERM);
        }
        if inheritable & !(self.cap_inheritable | self.cap_bounding) != 0 {
            return Err(Errno::EPERM);
        }
        if permitted & !self.cap_permitted != 0 {
            return Err(Errno::EPERM);
        }
        if effective & !permitted != 0 {
            return Err(Errno::EPERM);
        }
        self.cap_effective = effective;
        self.cap_permitted = permitted;
        self.cap_inheritable = inheritable;
        self.cap_ambient &= permitted & inheritable;
        Ok(())
    }

    /// PR_CAPBSET_DROP (cap_prctl_drop): needs CAP_SETPCAP (checked
    /// before the number).
    pub fn capbset_drop(&mut self, cap: u64) -> Result<(), Errno> {
        if !self.capable(CAP_SETPCAP) {
            return Err(Errno::EPERM);
        }
        if !cap_valid(cap) {
            return Err(Errno::EINVAL);
        }
        self.cap_bounding &= !(1u64 << cap);
        Ok(())
    }

    /// PR_CAP_AMBIENT with operation `op` on capability `cap`; `a4` and
    /// `a5` must be 0. A capability may be raised only when it is both
    /// permitted and inheritable and SECURE_NO_CAP_AMBIENT_RAISE is
    /// clear. IS_SET returns 1 or 0.
    pub fn prctl_ambient(&mut self, op: u64, cap: u64, a4: u64, a5: u64) -> Result<u64, Errno> {
        if op == PR_CAP_AMBIENT_CLEAR_ALL {
            if cap | a4 | a5 != 0 {
                return Err(Errno::EINVAL);
            }
            self.cap_ambient = 0;
            return Ok(0);
        }
        if !cap_valid(cap) || a4 != 0 || a5 != 0 {
            return Err(Errno::EINVAL);
        }
        let bit = 1u64 << cap;
        match op {
            PR_CAP_AMBIENT_IS_SET => Ok(u64::from(self.cap_ambient & bit != 0)),
            PR_CAP_AMBIENT_RAISE => {
                if self.cap_permitted & bit == 0
                    || self.cap_inheritable & bit == 0
                    || self.issecure(SECURE_NO_CAP_AMBIENT_RAISE)
                {
                    return Err(Errno::EPERM);
                }
                self.cap_ambient |= bit;
                Ok(0)
            }
            PR_CAP_AMBIENT_LOWER => {
                self.cap_ambient &= !bit;
                Ok(0)
            }
            _ => Err(Errno::EINVAL),
        }
    }

    /// PR_SET_KEEPCAPS: 0 or 1; EPERM once SECURE_KEEP_CAPS_LOCKED.
    pub fn set_keepcaps(&mut self, v: u64) -> Result<(), Errno> {
        if v > 1 {
            return Err(Errno::EINVAL);
        }
        if self.issecure(SECURE_KEEP_CAPS_LOCKED) {
            return Err(Errno::EPERM);
        }
        if v == 1 {
            self.securebits |= secbit(SECURE_KEEP_CAPS);
        } else {
            self.securebits &= !secbit(SECURE_KEEP_CAPS);
        }
        Ok(())
    }

    /// PR_SET_SECUREBITS: needs CAP_SETPCAP; a locked bit cannot change,
    /// a lock cannot be released, and unknown bits are refused (all
    /// EPERM).
    pub fn set_securebits(&mut self, v: u64) -> Result<(), Errno> {
        let old = u64::from(self.securebits);
        let locks = u64::from(SECURE_ALL_LOCKS);
        let all = u64::from(SECURE_ALL_BITS) | locks;
        if ((old & locks) >> 1) & (old ^ v) != 0
            || old & locks & !v != 0
            || v & !all != 0
            || !self.capable(CAP_SETPCAP)
        {
            return Err(Errno::EPERM);
        }
        // Within SECURE_ALL_BITS | SECURE_ALL_LOCKS, checked above.
        self.securebits = v as u32;
        Ok(())
    }

    /// What execve makes of the credentials (cap_bprm_creds_from_file
    /// without file capabilities). `new` starts as a copy of `self` with
    /// the effective ids a set-user-ID or set-group-ID file gave (the
    /// caller leaves those alone under no_new_privs, as bprm_fill_uid
    /// does). Root (a real or effective uid 0, unless SECURE_NOROOT)
    /// gets permitted = bounding | inheritable, and effective = permitted
    /// when its effective uid is 0; others get the ambient set as both.
    /// A changed effective id clears the ambient set; with no_new_privs
    /// nothing is gained (permitted stays within the old one and the
    /// effective ids fall back to the real ones). Returns whether the
    /// exec is secure (AT_SECURE): the ids changed or a non-root process
    /// gained capabilities beyond its ambient set.
    pub fn exec_transition(&self, new: &mut Credentials, no_new_privs: bool) -> bool {
        let old = self;
        new.cap_permitted = 0;
        let mut effective = false;
        if !old.issecure(SECURE_NOROOT) {
            if new.euid == 0 || new.uid == 0 {
                new.cap_permitted = old.cap_bounding | old.cap_inheritable;
            }
            effective = new.euid == 0;
        }
        let id_changed = new.euid != old.euid || !old.in_group(new.egid);
        let gained = new.cap_permitted & !old.cap_permitted != 0;
        if (id_changed || gained) && no_new_privs {
            new.euid = new.uid;
            new.egid = new.gid;
            new.cap_permitted &= old.cap_permitted;
        }
        new.suid = new.euid;
        new.sgid = new.egid;
        if id_changed {
            new.cap_ambient = 0;
        }
        new.cap_permitted |= new.cap_ambient;
        new.cap_effective = if effective {
            new.cap_permitted
        } else {
            new.cap_ambient
        };
        new.securebits &= !secbit(SECURE_KEEP_CAPS);
        id_changed
            || new.euid != old.uid
            || new.egid != old.gid
            || (new.uid != 0 && (effective || new.cap_permitted & !new.cap_ambient != 0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> Credentials {
        Credentials::for_process(0, 0, Vec::new(), &ProcessCaps::FULL)
    }

    fn exec(c: &Credentials, nnp: bool) -> (Credentials, bool) {
        let mut n = c.clone();
        let secure = c.exec_transition(&mut n, nnp);
        (n, secure)
    }

    #[test]
    fn test_root_process_full_sets_survive_exec() {
        let c = root();
        assert_eq!(c.cap_permitted, CAP_FULL_SET);
        assert_eq!(c.cap_effective, CAP_FULL_SET);
        assert_eq!(c.cap_bounding, CAP_FULL_SET);
        let (n, secure) = exec(&c, false);
        assert_eq!(
            (n.cap_permitted, n.cap_effective),
            (CAP_FULL_SET, CAP_FULL_SET)
        );
        assert!(!secure);
    }

    #[test]
    fn test_setuid_away_from_root_clears_unless_keepcaps() {
        let mut c = root();
        (c.uid, c.euid, c.suid) = (1000, 1000, 1000);
        c.fix_setuid((0, 0, 0));
        assert_eq!((c.cap_permitted, c.cap_effective), (0, 0));

        let mut c = root();
        c.set_keepcaps(1).unwrap_or_else(|e| panic!("{e}"));
        (c.uid, c.euid, c.suid) = (1000, 1000, 1000);
        c.fix_setuid((0, 0, 0));
        assert_eq!((c.cap_permitted, c.cap_effective), (CAP_FULL_SET, 0));

        let mut c = root();
        c.euid = 1000;
        c.fix_setuid((0, 0, 0));
        assert_eq!((c.cap_permitted, c.cap_effective), (CAP_FULL_SET, 0));
        c.euid = 0;
        c.fix_setuid((0, 1000, 0));
        assert_eq!(c.cap_effective, CAP_FULL_SET);
    }

    #[test]
    fn test_capset_rules_refuse_gains() {
        let mut c = root();
        let chown = cap_bit(CAP_CHOWN);
        assert_eq!(c.capset(CAP_FULL_SET, chown, 0), Err(Errno::EPERM));
        c.capset(chown, chown, 0).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.capset(chown, CAP_FULL_SET, 0), Err(Errno::EPERM));
        // Without CAP_SETPCAP, inheritable needs permitted.
        assert_eq!(c.capset(0, chown, cap_bit(CAP_KILL)), Err(Errno::EPERM));
        c.capset(0, chown, chown).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.cap_inheritable, chown);
    }

    #[test]
    fn test_ambient_needs_permitted_and_inheritable_and_survives_exec_as_user() {
        let mut c = root();
        let kill = u64::from(CAP_KILL);
        assert_eq!(
            c.prctl_ambient(PR_CAP_AMBIENT_RAISE, kill, 0, 0),
            Err(Errno::EPERM)
        );
        c.capset(CAP_FULL_SET, CAP_FULL_SET, cap_bit(CAP_KILL))
            .unwrap_or_else(|e| panic!("{e}"));
        c.prctl_ambient(PR_CAP_AMBIENT_RAISE, kill, 0, 0)
            .unwrap_or_else(|e| panic!("{e}"));
        c.set_keepcaps(1).unwrap_or_else(|e| panic!("{e}"));
        (c.uid, c.euid, c.suid) = (1000, 1000, 1000);
        c.fix_setuid((0, 0, 0));
        // Leaving root clears the ambient set even with keep-caps.
        assert_eq!(c.cap_ambient, 0);
        c.prctl_ambient(PR_CAP_AMBIENT_RAISE, kill, 0, 0)
            .unwrap_or_else(|e| panic!("{e}"));
        let (n, secure) = exec(&c, false);
        assert_eq!(n.cap_permitted, cap_bit(CAP_KILL));
        assert_eq!(n.cap_effective, cap_bit(CAP_KILL));
        assert_eq!(n.cap_ambient, cap_bit(CAP_KILL));
        assert!(!secure);
        assert!(!n.issecure(SECURE_KEEP_CAPS));
    }

    #[test]
    fn test_process_caps_like_runc_for_root_and_user() {
        let few = cap_bit(CAP_KILL) | cap_bit(CAP_AUDIT_WRITE);
        let caps = ProcessCaps {
            bounding: few,
            effective: few,
            permitted: few,
            inheritable: 0,
            ambient: few,
        };
        let c = Credentials::for_process(0, 0, Vec::new(), &caps);
        // Ambient needs inheritable: none raised.
        assert_eq!(c.cap_ambient, 0);
        let (n, _) = exec(&c, true);
        assert_eq!(
            (n.cap_permitted, n.cap_effective, n.cap_bounding),
            (few, few, few)
        );
        let u = Credentials::for_process(1000, 1000, Vec::new(), &caps);
        let (n, _) = exec(&u, false);
        assert_eq!((n.cap_permitted, n.cap_effective), (0, 0));
        let with_inh = ProcessCaps {
            inheritable: few,
            ..caps
        };
        let u = Credentials::for_process(1000, 1000, Vec::new(), &with_inh);
        let (n, _) = exec(&u, false);
        assert_eq!(
            (n.cap_permitted, n.cap_effective, n.cap_ambient),
            (few, few, few)
        );
    }

    #[test]
    fn test_no_new_privs_keeps_root_within_its_permitted_set() {
        let mut c = root();
        let chown = cap_bit(CAP_CHOWN);
        c.capset(chown, chown, 0).unwrap_or_else(|e| panic!("{e}"));
        let (n, _) = exec(&c, false);
        assert_eq!(n.cap_permitted, CAP_FULL_SET);
        let (n, _) = exec(&c, true);
        assert_eq!((n.cap_permitted, n.cap_effective), (chown, chown));
    }

    #[test]
    fn test_securebits_locks_hold() {
        let mut c = root();
        let keep_locked = secbit(SECURE_KEEP_CAPS) | secbit(SECURE_KEEP_CAPS_LOCKED);
        c.set_securebits(u64::from(keep_locked))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.set_keepcaps(0), Err(Errno::EPERM));
        assert_eq!(c.set_securebits(0), Err(Errno::EPERM));
        assert_eq!(c.set_securebits(1 << 20), Err(Errno::EPERM));
    }
}
