//! System V IPC (shared memory, semaphores, message queues) as x86_64
//! Linux defines it: flags, commands, limits and the `*64_ds` structures
//! of the IPC_64 interface (the only one on x86_64).

use super::Pod;

/// The key that always makes a new object.
pub const IPC_PRIVATE: i32 = 0;
/// get: create the object if the key has none.
pub const IPC_CREAT: u32 = 0o1000;
/// get: fail if the key has one.
pub const IPC_EXCL: u32 = 0o2000;
/// Do not block.
pub const IPC_NOWAIT: u32 = 0o4000;
/// ctl: remove.
pub const IPC_RMID: i32 = 0;
/// ctl: set owner and mode.
pub const IPC_SET: i32 = 1;
/// ctl: read the `*id64_ds`.
pub const IPC_STAT: i32 = 2;
/// ctl: read the limits.
pub const IPC_INFO: i32 = 3;

/// Permission bits of an object's mode.
pub const IPC_MODE_MASK: u32 = 0o777;

/// shmctl: lock in memory (accepted; nothing is swapped here).
pub const SHM_LOCK: i32 = 11;
/// shmctl: unlock.
pub const SHM_UNLOCK: i32 = 12;
/// shmctl: IPC_STAT by index.
pub const SHM_STAT: i32 = 13;
/// shmctl: usage totals.
pub const SHM_INFO: i32 = 14;
/// shmctl: SHM_STAT without the read permission check.
pub const SHM_STAT_ANY: i32 = 15;
/// shmat: attach read-only.
pub const SHM_RDONLY: u32 = 0o10000;
/// shmat: round the address down to SHMLBA.
pub const SHM_RND: u32 = 0o20000;
/// shmat: replace mappings at the address.
pub const SHM_REMAP: u32 = 0o40000;
/// shmat: executable.
pub const SHM_EXEC: u32 = 0o100000;
/// Mode bit: removed, destroyed at the last detach.
pub const SHM_DEST: u32 = 0o1000;
/// Mode bit: locked (SHM_LOCK).
pub const SHM_LOCKED: u32 = 0o2000;
/// Attach address alignment.
pub const SHMLBA: u64 = 4096;
/// Largest segment (Linux's default: ULONG_MAX - 2^24).
pub const SHMMAX: u64 = u64::MAX - (1 << 24);
/// Smallest segment.
pub const SHMMIN: u64 = 1;
/// Most segments.
pub const SHMMNI: u64 = 4096;
/// Most pages in all segments.
pub const SHMALL: u64 = u64::MAX - (1 << 24);

/// semop: undo on exit.
pub const SEM_UNDO: i16 = 0x1000;
/// semctl: pid of the last operation.
pub const GETPID: i32 = 11;
/// semctl: value.
pub const GETVAL: i32 = 12;
/// semctl: all values.
pub const GETALL: i32 = 13;
/// semctl: tasks waiting for an increase.
pub const GETNCNT: i32 = 14;
/// semctl: tasks waiting for zero.
pub const GETZCNT: i32 = 15;
/// semctl: set one value.
pub const SETVAL: i32 = 16;
/// semctl: set all values.
pub const SETALL: i32 = 17;
/// semctl: IPC_STAT by index.
pub const SEM_STAT: i32 = 18;
/// semctl: usage totals.
pub const SEM_INFO: i32 = 19;
/// semctl: SEM_STAT without the read permission check.
pub const SEM_STAT_ANY: i32 = 20;
/// Most semaphores in a set.
pub const SEMMSL: i32 = 32000;
/// Most semaphores in all sets.
pub const SEMMNS: i32 = 1_024_000_000;
/// Most operations in one semop.
pub const SEMOPM: usize = 500;
/// Most sets.
pub const SEMMNI: i32 = 32000;
/// Largest value.
pub const SEMVMX: i32 = 32767;
/// Largest undo adjustment.
pub const SEMAEM: i32 = SEMVMX;

/// msgrcv: truncate a message that does not fit.
pub const MSG_NOERROR: u32 = 0o10000;
/// msgrcv: the first message not of the type.
pub const MSG_EXCEPT: u32 = 0o20000;
/// msgrcv: copy message number `msgtyp` without removing it.
pub const MSG_COPY: u32 = 0o40000;
/// msgctl: IPC_STAT by index.
pub const MSG_STAT: i32 = 11;
/// msgctl: usage totals.
pub const MSG_INFO: i32 = 12;
/// msgctl: MSG_STAT without the read permission check.
pub const MSG_STAT_ANY: i32 = 13;
/// Largest message.
pub const MSGMAX: usize = 8192;
/// Default most bytes in a queue.
pub const MSGMNB: u64 = 16384;
/// Most queues.
pub const MSGMNI: i32 = 32000;
/// msginfo.msgpool (KiB of message data).
pub const MSGPOOL: i32 = MSGMNI * MSGMNB as i32 / 1024;
/// msginfo.msgtql and msgmap.
pub const MSGTQL: i32 = MSGMNB as i32;
/// msginfo.msgssz.
pub const MSGSSZ: i32 = 16;
/// msginfo.msgseg.
pub const MSGSEG: u16 = 0xffff;

/// Sequence numbers step the id by this much (IPCMNI).
pub const IPC_ID_SEQ_MULTIPLIER: i32 = 32768;

/// `struct ipc64_perm` (48 bytes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct Ipc64Perm {
    /// Key.
    pub key: i32,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Creator.
    pub cuid: u32,
    /// Creator's group.
    pub cgid: u32,
    /// Permission and state bits.
    pub mode: u32,
    /// Sequence number.
    pub seq: u16,
    /// Padding.
    pub pad2: u16,
    /// Padding.
    pub pad3: u32,
    /// Unused.
    pub unused1: u64,
    /// Unused.
    pub unused2: u64,
}
// SAFETY: repr(C) integers laid out without implicit padding (pad fields
// are explicit).
unsafe impl Pod for Ipc64Perm {}

/// `struct shmid64_ds` (112 bytes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct ShmidDs {
    /// Owner and mode.
    pub perm: Ipc64Perm,
    /// Size in bytes.
    pub segsz: u64,
    /// Last attach.
    pub atime: i64,
    /// Last detach.
    pub dtime: i64,
    /// Last change.
    pub ctime: i64,
    /// Creator's pid.
    pub cpid: i32,
    /// Last attach or detach.
    pub lpid: i32,
    /// Attachments.
    pub nattch: u64,
    /// Unused.
    pub unused4: u64,
    /// Unused.
    pub unused5: u64,
}
// SAFETY: repr(C) integers with no implicit padding.
unsafe impl Pod for ShmidDs {}

/// `struct shminfo64` (IPC_INFO; 72 bytes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct ShmInfo64 {
    /// Largest segment.
    pub shmmax: u64,
    /// Smallest segment.
    pub shmmin: u64,
    /// Most segments.
    pub shmmni: u64,
    /// Most attachments per process.
    pub shmseg: u64,
    /// Most pages.
    pub shmall: u64,
    /// Unused.
    pub unused: [u64; 4],
}
// SAFETY: repr(C) u64s.
unsafe impl Pod for ShmInfo64 {}

/// `struct shm_info` (SHM_INFO; 48 bytes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct ShmUsage {
    /// Segments.
    pub used_ids: i32,
    /// Padding.
    pub pad: u32,
    /// Pages in all segments.
    pub shm_tot: u64,
    /// Resident pages.
    pub shm_rss: u64,
    /// Swapped pages.
    pub shm_swp: u64,
    /// Unused.
    pub swap_attempts: u64,
    /// Unused.
    pub swap_successes: u64,
}
// SAFETY: repr(C) integers with explicit padding.
unsafe impl Pod for ShmUsage {}

/// `struct semid64_ds` (104 bytes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct SemidDs {
    /// Owner and mode.
    pub perm: Ipc64Perm,
    /// Last semop.
    pub otime: i64,
    /// Unused.
    pub unused1: u64,
    /// Last change.
    pub ctime: i64,
    /// Unused.
    pub unused2: u64,
    /// Semaphores in the set.
    pub nsems: u64,
    /// Unused.
    pub unused3: u64,
    /// Unused.
    pub unused4: u64,
}
// SAFETY: repr(C) integers with no implicit padding.
unsafe impl Pod for SemidDs {}

/// `struct seminfo` (IPC_INFO and SEM_INFO; 40 bytes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct SemInfo {
    /// semmap (SEM_INFO: sets in use... see sys_ipc).
    pub semmap: i32,
    /// Most sets.
    pub semmni: i32,
    /// Most semaphores.
    pub semmns: i32,
    /// semmnu.
    pub semmnu: i32,
    /// Most semaphores per set.
    pub semmsl: i32,
    /// Most operations per semop.
    pub semopm: i32,
    /// semume.
    pub semume: i32,
    /// semusz.
    pub semusz: i32,
    /// Largest value.
    pub semvmx: i32,
    /// Largest undo adjustment.
    pub semaem: i32,
}
// SAFETY: repr(C) i32s.
unsafe impl Pod for SemInfo {}

/// `struct sembuf` (6 bytes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct SemBuf {
    /// Semaphore index.
    pub num: u16,
    /// Operation.
    pub op: i16,
    /// IPC_NOWAIT, SEM_UNDO.
    pub flg: i16,
}
// SAFETY: repr(C) 16-bit integers, no padding.
unsafe impl Pod for SemBuf {}

/// `struct msqid64_ds` (120 bytes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct MsqidDs {
    /// Owner and mode.
    pub perm: Ipc64Perm,
    /// Last msgsnd.
    pub stime: i64,
    /// Last msgrcv.
    pub rtime: i64,
    /// Last change.
    pub ctime: i64,
    /// Bytes queued.
    pub cbytes: u64,
    /// Messages queued.
    pub qnum: u64,
    /// Most bytes queued.
    pub qbytes: u64,
    /// Last sender.
    pub lspid: i32,
    /// Last receiver.
    pub lrpid: i32,
    /// Unused.
    pub unused4: u64,
    /// Unused.
    pub unused5: u64,
}
// SAFETY: repr(C) integers with no implicit padding.
unsafe impl Pod for MsqidDs {}

/// `struct msginfo` (IPC_INFO and MSG_INFO; 32 bytes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct MsgInfo {
    /// msgpool (MSG_INFO: queues in use).
    pub msgpool: i32,
    /// msgmap (MSG_INFO: messages queued).
    pub msgmap: i32,
    /// Largest message.
    pub msgmax: i32,
    /// Default most bytes per queue.
    pub msgmnb: i32,
    /// Most queues.
    pub msgmni: i32,
    /// msgssz.
    pub msgssz: i32,
    /// msgtql (MSG_INFO: bytes queued).
    pub msgtql: i32,
    /// msgseg.
    pub msgseg: u16,
    /// Padding.
    pub pad: u16,
}
// SAFETY: repr(C) integers with explicit padding.
unsafe impl Pod for MsgInfo {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_struct_sizes_match_x86_64() {
        assert_eq!(std::mem::size_of::<Ipc64Perm>(), 48);
        assert_eq!(std::mem::size_of::<ShmidDs>(), 112);
        assert_eq!(std::mem::size_of::<ShmInfo64>(), 72);
        assert_eq!(std::mem::size_of::<ShmUsage>(), 48);
        assert_eq!(std::mem::size_of::<SemidDs>(), 104);
        assert_eq!(std::mem::size_of::<SemInfo>(), 40);
        assert_eq!(std::mem::size_of::<SemBuf>(), 6);
        assert_eq!(std::mem::size_of::<MsqidDs>(), 120);
        assert_eq!(std::mem::size_of::<MsgInfo>(), 32);
    }
}
