//! System V IPC objects of the sandbox's one IPC namespace: shared memory
//! segments, semaphore sets and message queues, each in a table that maps
//! keys and ids to objects (`sys_ipc` holds the syscalls).
//!
//! Ids are Linux's: `seq * 32768 + index`, the lowest free index, the
//! sequence number counting every allocation. A segment's attachments are
//! the clones of its [`ShmAttach`] that mappings hold (fork and VMA splits
//! clone them, unmapping and exit drop them), so `shm_nattch` is exact
//! without hooks in the memory manager; a removed segment lives on, keyed
//! IPC_PRIVATE with SHM_DEST, until the count reaches zero.
//!
//! # Lock order
//! Each table has one mutex; a semaphore set or queue has its own, taken
//! after the table's is released (objects are `Arc`s). Blocked semop and
//! msgsnd/msgrcv callers wait on the object's condition variable.

use crate::abi::ipc::*;
use crate::vfs::dentry::lock;
use crate::vfs::file::MemPages;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Condvar, Mutex};

/// Owner, mode and identity of an object (`struct ipc64_perm`).
#[derive(Clone, Copy, Debug, Default)]
pub struct IpcPerm {
    /// Its key (IPC_PRIVATE once removed).
    pub key: i32,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Creator.
    pub cuid: u32,
    /// Creator's group.
    pub cgid: u32,
    /// Permission bits (and SHM_DEST/SHM_LOCKED for segments).
    pub mode: u32,
    /// Sequence number.
    pub seq: u16,
}

impl IpcPerm {
    /// IPC_SET: owner, group and permission bits from the guest's record
    /// (other mode bits stay).
    pub fn set_from(&mut self, new: &Ipc64Perm) {
        self.uid = new.uid;
        self.gid = new.gid;
        self.mode = (self.mode & !IPC_MODE_MASK) | (new.mode & IPC_MODE_MASK);
    }

    /// The ABI form.
    pub fn to_abi(self) -> Ipc64Perm {
        Ipc64Perm {
            key: self.key,
            uid: self.uid,
            gid: self.gid,
            cuid: self.cuid,
            cgid: self.cgid,
            mode: self.mode,
            seq: self.seq,
            ..Ipc64Perm::default()
        }
    }
}

/// A table of objects of one kind.
#[derive(Debug)]
pub struct Table<T> {
    slots: Vec<Option<(IpcPerm, T)>>,
    keys: HashMap<i32, usize>,
    seq: u16,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Table {
            slots: Vec::new(),
            keys: HashMap::new(),
            seq: 0,
        }
    }
}

impl<T> Table<T> {
    /// The index an id names, if the id is current.
    fn index_of(&self, id: i32) -> Option<usize> {
        if id < 0 {
            return None;
        }
        let idx = (id % IPC_ID_SEQ_MULTIPLIER) as usize;
        let seq = (id / IPC_ID_SEQ_MULTIPLIER) as u16;
        match self.slots.get(idx)? {
            Some((p, _)) if p.seq == seq => Some(idx),
            _ => None,
        }
    }

    /// The object with id `id`.
    pub fn get(&self, id: i32) -> Option<(&IpcPerm, &T)> {
        let idx = self.index_of(id)?;
        self.slots[idx].as_ref().map(|(p, t)| (p, t))
    }

    /// The object with id `id`, to change.
    pub fn get_mut(&mut self, id: i32) -> Option<(&mut IpcPerm, &mut T)> {
        let idx = self.index_of(id)?;
        self.slots[idx].as_mut().map(|(p, t)| (p, t))
    }

    /// The id of the object with `key`.
    pub fn find_key(&self, key: i32) -> Option<i32> {
        let idx = *self.keys.get(&key)?;
        self.slots[idx].as_ref().map(|(p, _)| id_of(idx, p.seq))
    }

    /// The object at table index `idx` (the *_STAT commands' argument,
    /// from the guest: a negative one names nothing) and its id.
    pub fn at_index(&self, idx: i32) -> Option<(i32, &IpcPerm, &T)> {
        let idx = usize::try_from(idx).ok()?;
        let (p, t) = self.slots.get(idx)?.as_ref()?;
        Some((id_of(idx, p.seq), p, t))
    }

    /// Adds an object; returns its id, or None when `max` are in use.
    pub fn insert(&mut self, perm: IpcPerm, obj: T, max: usize) -> Option<i32> {
        self.insert_with(perm, max, |_| obj)
    }

    /// [`Table::insert`], the object made knowing its id.
    pub fn insert_with(
        &mut self,
        mut perm: IpcPerm,
        max: usize,
        make: impl FnOnce(i32) -> T,
    ) -> Option<i32> {
        let idx = match self.slots.iter().position(Option::is_none) {
            Some(i) => i,
            None if self.slots.len() < max => {
                self.slots.push(None);
                self.slots.len() - 1
            }
            None => return None,
        };
        perm.seq = self.seq;
        // Sequence numbers wrap at Linux's IPCID_SEQ_MAX, u16::MAX here:
        // the largest id is still a positive int.
        self.seq = self.seq.wrapping_add(1);
        if perm.key != IPC_PRIVATE {
            self.keys.insert(perm.key, idx);
        }
        let id = id_of(idx, perm.seq);
        self.slots[idx] = Some((perm, make(id)));
        Some(id)
    }

    /// Removes the object `id`.
    pub fn remove(&mut self, id: i32) -> Option<(IpcPerm, T)> {
        let idx = self.index_of(id)?;
        let (p, t) = self.slots[idx].take()?;
        if self.keys.get(&p.key) == Some(&idx) {
            self.keys.remove(&p.key);
        }
        while self.slots.last().is_some_and(Option::is_none) {
            self.slots.pop();
        }
        Some((p, t))
    }

    /// Forgets the key of object `id` (it stays, as IPC_PRIVATE).
    pub fn unkey(&mut self, id: i32) {
        if let Some(idx) = self.index_of(id) {
            if let Some((p, _)) = &mut self.slots[idx] {
                if self.keys.get(&p.key) == Some(&idx) {
                    self.keys.remove(&p.key);
                }
                p.key = IPC_PRIVATE;
            }
        }
    }

    /// Objects in use.
    pub fn len(&self) -> usize {
        self.slots.iter().filter(|s| s.is_some()).count()
    }

    /// Whether no object is in use.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The highest index in use (IPC_INFO's return value), or 0.
    pub fn highest_index(&self) -> usize {
        self.slots.len().saturating_sub(1)
    }

    /// Every object with its id.
    pub fn iter(&self) -> impl Iterator<Item = (i32, &IpcPerm, &T)> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.as_ref().map(|(p, t)| (id_of(i, p.seq), p, t)))
    }
}

fn id_of(idx: usize, seq: u16) -> i32 {
    i32::from(seq) * IPC_ID_SEQ_MULTIPLIER + idx as i32
}

/// What every mapping of a segment holds: its count of clones is the
/// segment's attachment count.
pub struct ShmAttach {
    /// The segment's pages.
    pub pages: Arc<dyn MemPages>,
    /// The segment's id.
    pub id: i32,
    /// Its name in /proc/PID/maps ("/SYSV0000002a (deleted)").
    pub name: Arc<[u8]>,
}

/// A shared memory segment.
pub struct ShmSegment {
    /// Size asked for, in bytes.
    pub size: u64,
    /// The memory, and the attachment count.
    pub attach: Arc<ShmAttach>,
    /// Its inode number (maps shows it).
    pub ino: u64,
    /// Last attach (seconds).
    pub atime: i64,
    /// Last detach.
    pub dtime: i64,
    /// Last change.
    pub ctime: i64,
    /// Creator.
    pub cpid: i32,
    /// Last to attach or detach.
    pub lpid: i32,
}

impl ShmSegment {
    /// Current attachments.
    pub fn nattch(&self) -> u64 {
        Arc::strong_count(&self.attach) as u64 - 1
    }
}

impl std::fmt::Debug for ShmSegment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ShmSegment({} bytes)", self.size)
    }
}

/// One semaphore.
#[derive(Clone, Copy, Debug, Default)]
pub struct Sem {
    /// Value.
    pub val: i32,
    /// Last process to change it.
    pub pid: i32,
}

/// What a blocked semop waits for, for GETNCNT and GETZCNT.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SemWait {
    /// Semaphore `n` to grow.
    Increase(usize),
    /// Semaphore `n` to reach zero.
    Zero(usize),
}

/// A semaphore set's changing state.
#[derive(Debug, Default)]
pub struct SemState {
    /// The semaphores.
    pub sems: Vec<Sem>,
    /// Last semop (seconds).
    pub otime: i64,
    /// Last change.
    pub ctime: i64,
    /// What each blocked semop waits for.
    pub waiting: Vec<SemWait>,
    /// Removed: waiters end with EIDRM.
    pub removed: bool,
}

/// A semaphore set.
#[derive(Debug, Default)]
pub struct SemSet {
    /// Its state.
    pub st: Mutex<SemState>,
    /// Signalled on every change.
    pub cv: Condvar,
}

/// One queued message.
#[derive(Debug)]
pub struct Message {
    /// Its type (> 0).
    pub mtype: i64,
    /// Its text.
    pub text: Vec<u8>,
}

/// A message queue's changing state.
#[derive(Debug, Default)]
pub struct MsgState {
    /// Messages, oldest first.
    pub msgs: VecDeque<Message>,
    /// Bytes queued.
    pub cbytes: u64,
    /// Most bytes.
    pub qbytes: u64,
    /// Last msgsnd, msgrcv, change (seconds).
    pub stime: i64,
    /// Last msgrcv.
    pub rtime: i64,
    /// Last change.
    pub ctime: i64,
    /// Last sender and receiver.
    pub lspid: i32,
    /// Last receiver.
    pub lrpid: i32,
    /// Removed: waiters end with EIDRM.
    pub removed: bool,
}

/// A message queue.
#[derive(Debug, Default)]
pub struct MsgQueue {
    /// Its state.
    pub st: Mutex<MsgState>,
    /// Signalled on every send, receive and removal.
    pub cv: Condvar,
}

/// SEM_UNDO adjustments of one process: (set id, semaphore) -> amount to
/// add back at exit.
pub type UndoList = HashMap<(i32, u16), i32>;

/// The sandbox's System V IPC namespace.
#[derive(Debug, Default)]
pub struct Ipc {
    /// Shared memory segments.
    pub shm: Mutex<Table<ShmSegment>>,
    /// Semaphore sets.
    pub sem: Mutex<Table<Arc<SemSet>>>,
    /// Message queues.
    pub msg: Mutex<Table<Arc<MsgQueue>>>,
    /// SEM_UNDO adjustments by process.
    pub undo: Mutex<HashMap<i32, UndoList>>,
}

impl Ipc {
    /// Drops removed segments that nothing maps any more (Linux frees one
    /// at its last detach; every look at the table comes through here
    /// first, so nobody sees the difference).
    pub fn reap_shm(table: &mut Table<ShmSegment>) {
        let dead: Vec<i32> = table
            .iter()
            .filter(|(_, p, s)| p.mode & SHM_DEST != 0 && s.nattch() == 0)
            .map(|(id, _, _)| id)
            .collect();
        for id in dead {
            table.remove(id);
        }
    }

    /// Applies and forgets process `pid`'s SEM_UNDO adjustments (its exit).
    pub fn exit_process(&self, pid: i32) {
        let Some(list) = lock(&self.undo).remove(&pid) else {
            return;
        };
        let sets = lock(&self.sem);
        for ((id, num), adj) in list {
            let Some((_, set)) = sets.get(id) else {
                continue;
            };
            let mut st = lock(&set.st);
            if let Some(s) = st.sems.get_mut(num as usize) {
                // Linux clamps to the valid range rather than fail.
                s.val = (s.val + adj).clamp(0, SEMVMX);
                s.pid = pid;
            }
            drop(st);
            set.cv.notify_all();
        }
    }

    /// Forgets every process's adjustment of semaphore `num` of set `id`
    /// (SETVAL, SETALL with `num` None, and removal).
    pub fn clear_undo(&self, id: i32, num: Option<u16>) {
        for list in lock(&self.undo).values_mut() {
            list.retain(|&(i, n), _| i != id || num.is_some_and(|m| m != n));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_ids_use_lowest_index_and_count_allocations() {
        let mut t: Table<()> = Table::default();
        let perm = |key| IpcPerm {
            key,
            ..IpcPerm::default()
        };
        let a = t.insert(perm(5), (), 10).expect("a");
        let b = t.insert(perm(IPC_PRIVATE), (), 10).expect("b");
        assert_eq!((a, b), (0, IPC_ID_SEQ_MULTIPLIER + 1));
        assert_eq!(t.find_key(5), Some(a));
        assert!(t.remove(a).is_some());
        assert!(t.get(a).is_none());
        let c = t.insert(perm(6), (), 10).expect("c");
        assert_eq!(c, 2 * IPC_ID_SEQ_MULTIPLIER);
        assert_eq!(t.find_key(5), None);
        t.unkey(c);
        assert_eq!(t.find_key(6), None);
        assert!(t.get(c).is_some());
        assert_eq!(t.len(), 2);
    }
}
