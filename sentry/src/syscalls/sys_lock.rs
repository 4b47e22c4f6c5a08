//! Advisory locks: fcntl record locks (process-owned POSIX locks and
//! open-file-description locks) and flock.
//!
//! Locks live in a sandbox-wide table keyed by inode. A lock that would
//! have to wait gives EAGAIN for the non-blocking forms; the waiting forms
//! (F_SETLKW, F_OFD_SETLKW, flock without LOCK_NB) sleep on the file-event
//! notifier until the conflicting lock goes (or a signal comes: ERESTARTSYS).
//! Deadlock detection (EDEADLK) is not done.

use crate::abi::file::fcntl::*;
use crate::abi::file::{Flock, SEEK_CUR, SEEK_END, SEEK_SET};
use crate::abi::{Errno, SysResult};
use crate::kernel::Task;
use crate::vfs::dentry::lock;
use crate::vfs::FileDescription;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Owner {
    /// POSIX record lock of a process (tgid).
    Process(i32),
    /// OFD record lock, by description address.
    Ofd(usize),
}

#[derive(Clone, Copy, Debug)]
struct RecordLock {
    owner: Owner,
    write: bool,
    start: u64,
    /// Exclusive end (u64::MAX = to end of file).
    end: u64,
    pid: i32,
}

#[derive(Default)]
struct InodeLocks {
    records: Vec<RecordLock>,
    /// flock holders: description address -> exclusive.
    flocks: HashMap<usize, bool>,
}

static LOCKS: LazyLock<Mutex<HashMap<usize, InodeLocks>>> = LazyLock::new(Mutex::default);

fn inode_key(file: &FileDescription) -> usize {
    match file.inode() {
        Some(i) => Arc::as_ptr(i) as *const () as usize,
        None => file as *const FileDescription as usize,
    }
}

fn conflicts(a: &RecordLock, b: &RecordLock) -> bool {
    a.owner != b.owner && a.start < b.end && b.start < a.end && (a.write || b.write)
}

/// Replaces `owner`'s locks over `[start, end)` with `new` (None = unlock).
fn set_range(
    locks: &mut Vec<RecordLock>,
    owner: Owner,
    start: u64,
    end: u64,
    new: Option<RecordLock>,
) {
    let mut out = Vec::with_capacity(locks.len() + 2);
    for l in locks.drain(..) {
        if l.owner != owner || l.end <= start || l.start >= end {
            out.push(l);
            continue;
        }
        if l.start < start {
            out.push(RecordLock { end: start, ..l });
        }
        if l.end > end {
            out.push(RecordLock { start: end, ..l });
        }
    }
    out.extend(new);
    // Like Linux, merge an owner's touching locks of the same type.
    out.sort_by_key(|l| (l.start, l.end));
    let mut merged: Vec<RecordLock> = Vec::with_capacity(out.len());
    for l in out {
        if let Some(m) = merged
            .iter_mut()
            .rev()
            .find(|m| m.owner == l.owner && m.write == l.write && m.end >= l.start)
        {
            if l.owner == owner {
                m.end = m.end.max(l.end);
                continue;
            }
        }
        merged.push(l);
    }
    *locks = merged;
}

pub(super) fn fcntl_lock(
    t: &mut Task,
    file: &Arc<FileDescription>,
    cmd: i32,
    addr: u64,
) -> SysResult {
    let fl: Flock = t.copy_in_obj(addr)?;
    let ofd = matches!(cmd, F_OFD_GETLK | F_OFD_SETLK | F_OFD_SETLKW);
    if ofd && fl.pid != 0 {
        return Err(Errno::EINVAL.into());
    }
    let base = match fl.whence as i32 {
        SEEK_SET => 0i64,
        SEEK_CUR => *lock(&file.offset) as i64,
        SEEK_END => file.ops.size()? as i64,
        _ => return Err(Errno::EINVAL.into()),
    };
    let mut start = base.checked_add(fl.start).ok_or(Errno::EOVERFLOW)?;
    let mut end = if fl.len == 0 {
        u64::MAX as i128
    } else {
        start as i128 + fl.len as i128
    };
    if fl.len < 0 {
        end = start as i128;
        start += fl.len;
    }
    if start < 0 {
        return Err(Errno::EINVAL.into());
    }
    let (start, end) = (start as u64, end.min(u64::MAX as i128) as u64);
    let owner = if ofd {
        Owner::Ofd(Arc::as_ptr(file) as usize)
    } else {
        Owner::Process(t.tgid)
    };
    let key = inode_key(file);
    let mut table = lock(&LOCKS);
    let entry = table.entry(key).or_default();
    let typ = fl.typ;
    match cmd {
        F_GETLK | F_OFD_GETLK => {
            if typ != F_RDLCK && typ != F_WRLCK {
                return Err(Errno::EINVAL.into());
            }
            let probe = RecordLock {
                owner,
                write: typ == F_WRLCK,
                start,
                end,
                pid: t.tgid,
            };
            let mut out = fl;
            match entry.records.iter().find(|l| conflicts(l, &probe)) {
                Some(l) => {
                    out.typ = if l.write { F_WRLCK } else { F_RDLCK };
                    out.whence = SEEK_SET as i16;
                    out.start = l.start as i64;
                    out.len = if l.end == u64::MAX {
                        0
                    } else {
                        (l.end - l.start) as i64
                    };
                    out.pid = if matches!(l.owner, Owner::Ofd(_)) {
                        -1
                    } else {
                        l.pid
                    };
                }
                None => out.typ = F_UNLCK,
            }
            drop(table);
            t.copy_out_obj(addr, &out)?;
            Ok(0)
        }
        _ => {
            let wait = matches!(cmd, F_SETLKW | F_OFD_SETLKW);
            match typ {
                F_UNLCK => {
                    set_range(&mut entry.records, owner, start, end, None);
                    drop(table);
                    crate::vfs::events::bump();
                    Ok(0)
                }
                F_RDLCK | F_WRLCK => {
                    let write = typ == F_WRLCK;
                    if write && !file.writable() || !write && !file.readable() {
                        return Err(Errno::EBADF.into());
                    }
                    let new = RecordLock {
                        owner,
                        write,
                        start,
                        end,
                        pid: t.tgid,
                    };
                    if !entry.records.iter().any(|l| conflicts(l, &new)) {
                        set_range(&mut entry.records, owner, start, end, Some(new));
                        return Ok(0);
                    }
                    if !wait {
                        return Err(Errno::EAGAIN.into());
                    }
                    drop(table);
                    loop {
                        let seen = crate::vfs::events::seq();
                        {
                            let mut table = lock(&LOCKS);
                            let entry = table.entry(key).or_default();
                            if !entry.records.iter().any(|l| conflicts(l, &new)) {
                                set_range(&mut entry.records, owner, start, end, Some(new));
                                return Ok(0);
                            }
                        }
                        if t.signal_pending() {
                            return Err(crate::abi::SysError::RestartSys);
                        }
                        crate::vfs::events::wait_change(seen, std::time::Duration::from_millis(50));
                    }
                }
                _ => Err(Errno::EINVAL.into()),
            }
        }
    }
}

pub(super) fn flock(t: &mut Task, file: &Arc<FileDescription>, op: i32) -> SysResult {
    let nb = op & LOCK_NB != 0;
    let op = op & !LOCK_NB;
    let me = Arc::as_ptr(file) as usize;
    let key = inode_key(file);
    let mut table = lock(&LOCKS);
    let entry = table.entry(key).or_default();
    match op {
        LOCK_UN => {
            entry.flocks.remove(&me);
            drop(table);
            crate::vfs::events::bump();
            Ok(0)
        }
        LOCK_SH | LOCK_EX => {
            let ex = op == LOCK_EX;
            drop(table);
            loop {
                let seen = crate::vfs::events::seq();
                {
                    let mut table = lock(&LOCKS);
                    let entry = table.entry(key).or_default();
                    let busy = entry
                        .flocks
                        .iter()
                        .any(|(&who, &held_ex)| who != me && (ex || held_ex));
                    if !busy {
                        entry.flocks.insert(me, ex);
                        return Ok(0);
                    }
                }
                if nb {
                    return Err(Errno::EAGAIN.into());
                }
                if t.signal_pending() {
                    return Err(crate::abi::SysError::RestartSys);
                }
                crate::vfs::events::wait_change(seen, std::time::Duration::from_millis(50));
            }
        }
        _ => Err(Errno::EINVAL.into()),
    }
}

/// Drops the locks a closing description held (flock and OFD locks), and
/// the process's POSIX locks on that inode (close drops them all).
pub(super) fn release(file: &Arc<FileDescription>, tgid: i32) {
    let me = Arc::as_ptr(file) as usize;
    let key = inode_key(file);
    let mut table = lock(&LOCKS);
    if let Some(entry) = table.get_mut(&key) {
        if Arc::strong_count(file) == 1 {
            entry.flocks.remove(&me);
            entry.records.retain(|l| l.owner != Owner::Ofd(me));
        }
        entry.records.retain(|l| l.owner != Owner::Process(tgid));
        if entry.records.is_empty() && entry.flocks.is_empty() {
            table.remove(&key);
        }
    }
    drop(table);
    crate::vfs::events::bump();
}
