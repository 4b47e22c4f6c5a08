//! Capabilities (capabilities(7), linux/capability.h), the capget/capset
//! header versions, the secure bits (linux/securebits.h) and the prctl
//! options that read and change them.

/// chown(2) of any file, and chgrp to any group.
pub const CAP_CHOWN: u32 = 0;
/// Bypass file read, write and execute permission checks.
pub const CAP_DAC_OVERRIDE: u32 = 1;
/// Bypass file read and directory read and search checks.
pub const CAP_DAC_READ_SEARCH: u32 = 2;
/// Bypass the checks that need the caller to own the file.
pub const CAP_FOWNER: u32 = 3;
/// Keep set-user-ID and set-group-ID bits when a file is modified.
pub const CAP_FSETID: u32 = 4;
/// Send signals to any process.
pub const CAP_KILL: u32 = 5;
/// Set any group id, and the supplementary groups.
pub const CAP_SETGID: u32 = 6;
/// Set any user id.
pub const CAP_SETUID: u32 = 7;
/// Drop from the bounding set; add any permitted capability to the
/// inheritable set; change the secure bits.
pub const CAP_SETPCAP: u32 = 8;
/// Set immutable and append-only inode flags.
pub const CAP_LINUX_IMMUTABLE: u32 = 9;
/// Bind ports below 1024.
pub const CAP_NET_BIND_SERVICE: u32 = 10;
/// Broadcast and multicast.
pub const CAP_NET_BROADCAST: u32 = 11;
/// Network administration.
pub const CAP_NET_ADMIN: u32 = 12;
/// Raw and packet sockets.
pub const CAP_NET_RAW: u32 = 13;
/// Lock memory.
pub const CAP_IPC_LOCK: u32 = 14;
/// Bypass System V IPC permission checks.
pub const CAP_IPC_OWNER: u32 = 15;
/// Load kernel modules.
pub const CAP_SYS_MODULE: u32 = 16;
/// I/O port operations and raw devices.
pub const CAP_SYS_RAWIO: u32 = 17;
/// chroot(2).
pub const CAP_SYS_CHROOT: u32 = 18;
/// ptrace any process.
pub const CAP_SYS_PTRACE: u32 = 19;
/// Process accounting.
pub const CAP_SYS_PACCT: u32 = 20;
/// System administration (mount, sethostname, trusted.* xattrs, ...).
pub const CAP_SYS_ADMIN: u32 = 21;
/// reboot(2).
pub const CAP_SYS_BOOT: u32 = 22;
/// Raise priority; set other processes' priority.
pub const CAP_SYS_NICE: u32 = 23;
/// Override resource limits (raise a hard limit).
pub const CAP_SYS_RESOURCE: u32 = 24;
/// Set the system clock.
pub const CAP_SYS_TIME: u32 = 25;
/// vhangup and privileged terminal ioctls.
pub const CAP_SYS_TTY_CONFIG: u32 = 26;
/// Create device files with mknod(2).
pub const CAP_MKNOD: u32 = 27;
/// File leases on files one does not own.
pub const CAP_LEASE: u32 = 28;
/// Write to the kernel audit log.
pub const CAP_AUDIT_WRITE: u32 = 29;
/// Configure auditing.
pub const CAP_AUDIT_CONTROL: u32 = 30;
/// Set file capabilities.
pub const CAP_SETFCAP: u32 = 31;
/// Override mandatory access control.
pub const CAP_MAC_OVERRIDE: u32 = 32;
/// Configure mandatory access control.
pub const CAP_MAC_ADMIN: u32 = 33;
/// Privileged syslog operations.
pub const CAP_SYSLOG: u32 = 34;
/// Timers that wake the system.
pub const CAP_WAKE_ALARM: u32 = 35;
/// Block system suspend.
pub const CAP_BLOCK_SUSPEND: u32 = 36;
/// Read the audit log.
pub const CAP_AUDIT_READ: u32 = 37;
/// Performance monitoring.
pub const CAP_PERFMON: u32 = 38;
/// BPF operations.
pub const CAP_BPF: u32 = 39;
/// Checkpoint and restore.
pub const CAP_CHECKPOINT_RESTORE: u32 = 40;

/// The highest capability number (CAP_CHECKPOINT_RESTORE).
pub const CAP_LAST_CAP: u32 = CAP_CHECKPOINT_RESTORE;
/// Every capability bit up to [`CAP_LAST_CAP`] (Linux's CAP_FULL_SET).
pub const CAP_FULL_SET: u64 = (1u64 << (CAP_LAST_CAP + 1)) - 1;

/// The names of the capabilities, index = number (as OCI bundles and
/// /usr/include/linux/capability.h spell them).
pub const CAP_NAMES: [&str; CAP_LAST_CAP as usize + 1] = [
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
];

/// The capability named `name` ("CAP_CHOWN"), if there is one.
pub fn cap_by_name(name: &str) -> Option<u32> {
    CAP_NAMES.iter().position(|&n| n == name).map(|i| i as u32)
}

/// The bit of capability `cap` in a capability set.
pub const fn cap_bit(cap: u32) -> u64 {
    1u64 << cap
}

/// Whether `cap` names a capability (Linux's cap_valid).
pub fn cap_valid(cap: u64) -> bool {
    cap <= u64::from(CAP_LAST_CAP)
}

/// capget/capset header version 1: one 32-bit data struct.
pub const LINUX_CAPABILITY_VERSION_1: u32 = 0x1998_0330;
/// capget/capset header version 2 (deprecated): two data structs.
pub const LINUX_CAPABILITY_VERSION_2: u32 = 0x2007_1026;
/// capget/capset header version 3: two data structs.
pub const LINUX_CAPABILITY_VERSION_3: u32 = 0x2008_0522;
/// Data structs a version 1 call copies.
pub const LINUX_CAPABILITY_U32S_1: usize = 1;
/// Data structs a version 2 or 3 call copies.
pub const LINUX_CAPABILITY_U32S_3: usize = 2;

/// `struct __user_cap_header_struct`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CapUserHeader {
    /// LINUX_CAPABILITY_VERSION_*.
    pub version: u32,
    /// The target thread (0: the caller).
    pub pid: i32,
}

/// `struct __user_cap_data_struct`: 32 capabilities of each set.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CapUserData {
    /// Effective set.
    pub effective: u32,
    /// Permitted set.
    pub permitted: u32,
    /// Inheritable set.
    pub inheritable: u32,
}

// SAFETY: both are repr(C) structs of u32/i32 fields with no padding;
// every bit pattern is valid.
unsafe impl super::Pod for CapUserHeader {}
// SAFETY: as above.
unsafe impl super::Pod for CapUserData {}

/// Secure bit: uid 0 gets no capabilities from exec.
pub const SECURE_NOROOT: u32 = 0;
/// Secure bit: [`SECURE_NOROOT`] cannot change.
pub const SECURE_NOROOT_LOCKED: u32 = 1;
/// Secure bit: uid changes do not change the capability sets.
pub const SECURE_NO_SETUID_FIXUP: u32 = 2;
/// Secure bit: [`SECURE_NO_SETUID_FIXUP`] cannot change.
pub const SECURE_NO_SETUID_FIXUP_LOCKED: u32 = 3;
/// Secure bit: leaving uid 0 keeps the permitted set (PR_SET_KEEPCAPS);
/// cleared by execve.
pub const SECURE_KEEP_CAPS: u32 = 4;
/// Secure bit: [`SECURE_KEEP_CAPS`] cannot change.
pub const SECURE_KEEP_CAPS_LOCKED: u32 = 5;
/// Secure bit: PR_CAP_AMBIENT_RAISE is refused.
pub const SECURE_NO_CAP_AMBIENT_RAISE: u32 = 6;
/// Secure bit: [`SECURE_NO_CAP_AMBIENT_RAISE`] cannot change.
pub const SECURE_NO_CAP_AMBIENT_RAISE_LOCKED: u32 = 7;
/// Secure bit: interpreters check scripts with execveat(AT_EXECVE_CHECK)
/// (a flag for user space; Linux 6.14).
pub const SECURE_EXEC_RESTRICT_FILE: u32 = 8;
/// Secure bit: [`SECURE_EXEC_RESTRICT_FILE`] cannot change.
pub const SECURE_EXEC_RESTRICT_FILE_LOCKED: u32 = 9;
/// Secure bit: interpreters refuse interactive use (a flag for user
/// space; Linux 6.14).
pub const SECURE_EXEC_DENY_INTERACTIVE: u32 = 10;
/// Secure bit: [`SECURE_EXEC_DENY_INTERACTIVE`] cannot change.
pub const SECURE_EXEC_DENY_INTERACTIVE_LOCKED: u32 = 11;

/// The mask of secure bit `bit` (Linux's issecure_mask).
pub const fn secbit(bit: u32) -> u32 {
    1 << bit
}

/// Every settable secure bit (SECURE_ALL_BITS).
pub const SECURE_ALL_BITS: u32 = secbit(SECURE_NOROOT)
    | secbit(SECURE_NO_SETUID_FIXUP)
    | secbit(SECURE_KEEP_CAPS)
    | secbit(SECURE_NO_CAP_AMBIENT_RAISE)
    | secbit(SECURE_EXEC_RESTRICT_FILE)
    | secbit(SECURE_EXEC_DENY_INTERACTIVE);
/// Every lock bit (SECURE_ALL_LOCKS).
pub const SECURE_ALL_LOCKS: u32 = SECURE_ALL_BITS << 1;

/// prctl: read the keep-capabilities flag.
pub const PR_GET_KEEPCAPS: i32 = 7;
/// prctl: set it.
pub const PR_SET_KEEPCAPS: i32 = 8;
/// prctl: read the secure bits.
pub const PR_GET_SECUREBITS: i32 = 27;
/// prctl: set them.
pub const PR_SET_SECUREBITS: i32 = 28;
/// prctl: is a capability in the bounding set.
pub const PR_CAPBSET_READ: i32 = 23;
/// prctl: drop a capability from the bounding set.
pub const PR_CAPBSET_DROP: i32 = 24;
/// prctl: the ambient set (operation in arg2).
pub const PR_CAP_AMBIENT: i32 = 47;
/// PR_CAP_AMBIENT: is a capability set.
pub const PR_CAP_AMBIENT_IS_SET: u64 = 1;
/// PR_CAP_AMBIENT: add one.
pub const PR_CAP_AMBIENT_RAISE: u64 = 2;
/// PR_CAP_AMBIENT: remove one.
pub const PR_CAP_AMBIENT_LOWER: u64 = 3;
/// PR_CAP_AMBIENT: remove all.
pub const PR_CAP_AMBIENT_CLEAR_ALL: u64 = 4;
