//! System V IPC: shmget/shmat/shmdt/shmctl, semget/semop/semtimedop/
//! semctl, msgget/msgsnd/msgrcv/msgctl, over the tables of
//! `kernel::ipc`. Blocked semop, msgsnd and msgrcv end with EINTR on a
//! signal and are never restarted (signal(7)), EIDRM when the object is
//! removed.

use super::SyscallArgs;
use crate::abi::caps::{CAP_IPC_LOCK, CAP_IPC_OWNER, CAP_SYS_ADMIN, CAP_SYS_RESOURCE};
use crate::abi::ipc::*;
use crate::abi::mm::{MAP_FIXED, MAP_SHARED, PROT_EXEC, PROT_READ, PROT_WRITE};
use crate::abi::{page_up, Errno, Pod, SysResult, PAGE_SIZE};
use crate::kernel::ipc::*;
use crate::kernel::Task;
use crate::mm::VmaFile;
use crate::vfs::dentry::lock;
use crate::vfs::file::MmapSource;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Permission bits a get or an attach asks for, as Linux's ipcperms reads
/// them from a flag word (any of the owner, group or other triplets).
fn requested(flag: u32) -> u32 {
    ((flag >> 6) | (flag >> 3) | flag) & 0o7
}

/// Read and write permission, as `requested` sees them.
const MAY_READ: u32 = 0o4;
const MAY_WRITE: u32 = 0o2;
const MAY_EXEC_IPC: u32 = 0o1;

/// Whether the task may use `p` for `want` (rwx bits); CAP_IPC_OWNER may
/// do anything.
fn permitted(t: &Task, p: &IpcPerm, want: u32) -> bool {
    let c = &t.creds;
    let granted = if c.euid == p.uid || c.euid == p.cuid {
        p.mode >> 6
    } else if c.in_group(p.gid) || c.in_group(p.cgid) {
        p.mode >> 3
    } else {
        p.mode
    };
    want & !granted & 0o7 == 0 || c.capable(CAP_IPC_OWNER)
}

/// Whether the task owns or created `p`, or has CAP_SYS_ADMIN (IPC_SET,
/// IPC_RMID).
fn owns(t: &Task, p: &IpcPerm) -> bool {
    let e = t.creds.euid;
    e == p.uid || e == p.cuid || t.creds.capable(CAP_SYS_ADMIN)
}

fn now() -> i64 {
    crate::vfs::now().0
}

/// A new object's permission record.
fn new_perm(t: &Task, key: i32, flg: u32) -> IpcPerm {
    IpcPerm {
        key,
        uid: t.creds.euid,
        gid: t.creds.egid,
        cuid: t.creds.euid,
        cgid: t.creds.egid,
        mode: flg & IPC_MODE_MASK,
        seq: 0,
    }
}

/// The common part of every get: the id of `key`'s object if it exists
/// and the flags allow it (Ok(Some)), Ok(None) to create one, or the
/// error.
fn lookup_key<T>(
    t: &Task,
    table: &Table<T>,
    key: i32,
    flg: u32,
    more: impl Fn(&T) -> Result<(), Errno>,
) -> Result<Option<i32>, Errno> {
    if key == IPC_PRIVATE {
        return Ok(None);
    }
    match table.find_key(key) {
        Some(id) => {
            if flg & IPC_CREAT != 0 && flg & IPC_EXCL != 0 {
                return Err(Errno::EEXIST);
            }
            let (p, obj) = table.get(id).ok_or(Errno::EIDRM)?;
            if !permitted(t, p, requested(flg)) {
                return Err(Errno::EACCES);
            }
            more(obj)?;
            Ok(Some(id))
        }
        None if flg & IPC_CREAT == 0 => Err(Errno::ENOENT),
        None => Ok(None),
    }
}

/// Writes a Pod value to guest memory.
fn put<T: Pod>(t: &Task, addr: u64, v: &T) -> Result<(), Errno> {
    t.copy_out_obj(addr, v)
}

// ---- shared memory ----

pub(super) fn shmget(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (key, size, flg) = (a.int(0), a.size(1), a.uint(2));
    let k = t.kernel.clone();
    let mut table = lock(&k.ipc.shm);
    Ipc::reap_shm(&mut table);
    let found = lookup_key(t, &table, key, flg, |s: &ShmSegment| {
        if size > s.size {
            Err(Errno::EINVAL)
        } else {
            Ok(())
        }
    })?;
    if let Some(id) = found {
        return Ok(id as u64);
    }
    if !(SHMMIN..=SHMMAX).contains(&size) {
        return Err(Errno::EINVAL.into());
    }
    let owner = crate::vfs::Owner {
        uid: t.creds.euid,
        gid: t.creds.egid,
    };
    let node = k.memfd_fs.anon_file(flg & IPC_MODE_MASK, owner);
    // A size past what a memory file may hold has no memory for it.
    crate::vfs::Inode::setattr(
        &*node,
        &crate::vfs::SetAttr {
            size: Some(size),
            ..Default::default()
        },
    )
    .map_err(|_| Errno::ENOMEM)?;
    let ino = crate::vfs::Inode::stat(&*node)?.ino;
    let file = crate::vfs::Inode::open(&*node, t, crate::abi::file::O_RDWR)?;
    let Some(MmapSource::Mem(pages)) = file.mmap_source() else {
        return Err(Errno::ENOMEM.into());
    };
    let name: Arc<[u8]> = format!("/SYSV{:08x} (deleted)", key as u32)
        .into_bytes()
        .into();
    let (cpid, ctime) = (t.tgid, now());
    let id = table
        .insert_with(new_perm(t, key, flg), SHMMNI as usize, |id| ShmSegment {
            size,
            attach: Arc::new(ShmAttach { pages, id, name }),
            ino,
            atime: 0,
            dtime: 0,
            ctime,
            cpid,
            lpid: 0,
        })
        .ok_or(Errno::ENOSPC)?;
    Ok(id as u64)
}

pub(super) fn shmat(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (id, mut addr, flg) = (a.int(0), a.addr(1), a.uint(2));
    let k = t.kernel.clone();
    let (attach, size, ino) = {
        let mut table = lock(&k.ipc.shm);
        Ipc::reap_shm(&mut table);
        let (p, s) = table.get(id).ok_or(Errno::EINVAL)?;
        let mut want = MAY_READ;
        if flg & SHM_RDONLY == 0 {
            want |= MAY_WRITE;
        }
        if flg & SHM_EXEC != 0 {
            want |= MAY_EXEC_IPC;
        }
        if !permitted(t, p, want) {
            return Err(Errno::EACCES.into());
        }
        (s.attach.clone(), s.size, s.ino)
    };
    if !addr.is_multiple_of(SHMLBA) {
        if flg & SHM_RND == 0 {
            return Err(Errno::EINVAL.into());
        }
        addr -= addr % SHMLBA;
        if addr == 0 && flg & SHM_REMAP != 0 {
            return Err(Errno::EINVAL.into());
        }
    }
    let len = page_up(size).ok_or(Errno::EINVAL)?;
    let mut prot = PROT_READ;
    if flg & SHM_RDONLY == 0 {
        prot |= PROT_WRITE;
    }
    if flg & SHM_EXEC != 0 {
        prot |= PROT_EXEC;
    }
    let mut flags = MAP_SHARED;
    if addr != 0 {
        let end = addr.checked_add(len).ok_or(Errno::EINVAL)?;
        if flg & SHM_REMAP == 0 && !t.mm.is_free(addr, end) {
            return Err(Errno::EINVAL.into());
        }
        flags |= MAP_FIXED;
    }
    let segs = attach.pages.pages(0, len)?;
    let vf = VmaFile {
        path: attach.name.clone(),
        offset: 0,
        dev_ino: (0, ino),
        source: None,
        no_write: flg & SHM_RDONLY != 0,
        no_exec: false,
        pages_owner: Some(attach.clone()),
    };
    drop(attach);
    let at = {
        let Task { mm, as_, .. } = t;
        mm.mmap_file(as_, addr, len, prot, flags, vf, segs)?
    };
    if let Some((_, s)) = lock(&k.ipc.shm).get_mut(id) {
        s.atime = now();
        s.lpid = t.tgid;
    }
    Ok(at)
}

pub(super) fn shmdt(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let addr = a.addr(0);
    if !addr.is_multiple_of(PAGE_SIZE) {
        return Err(Errno::EINVAL.into());
    }
    let vmas = t.mm.vma_list();
    let of = |v: &crate::mm::Vma| -> Option<Arc<dyn std::any::Any + Send + Sync>> {
        let f = v.file.as_ref()?;
        let o = f.pages_owner.as_ref()?;
        o.downcast_ref::<ShmAttach>()?;
        Some(o.clone())
    };
    let (owner, id, size) = vmas
        .iter()
        .find(|v| v.start == addr && v.file.as_ref().is_some_and(|f| f.offset == 0))
        .and_then(|v| {
            let o = of(v)?;
            let att = o.downcast_ref::<ShmAttach>()?;
            let id = att.id;
            let size = page_up(att.pages.size()).unwrap_or(0);
            Some((o, id, size))
        })
        .ok_or(Errno::EINVAL)?;
    let end = addr.saturating_add(size.max(PAGE_SIZE));
    let ranges: Vec<(u64, u64)> = vmas
        .iter()
        .filter(|v| v.start >= addr && v.start < end)
        .filter(|v| of(v).is_some_and(|o| Arc::ptr_eq(&o, &owner)))
        .map(|v| (v.start, v.end))
        .collect();
    drop(vmas);
    drop(owner);
    {
        let Task { mm, as_, .. } = t;
        for (s, e) in ranges {
            mm.munmap(as_, s, e - s)?;
        }
    }
    let k = t.kernel.clone();
    let mut table = lock(&k.ipc.shm);
    if let Some((_, s)) = table.get_mut(id) {
        s.dtime = now();
        s.lpid = t.tgid;
    }
    Ipc::reap_shm(&mut table);
    Ok(0)
}

fn shm_ds(p: &IpcPerm, s: &ShmSegment) -> ShmidDs {
    ShmidDs {
        perm: p.to_abi(),
        segsz: s.size,
        atime: s.atime,
        dtime: s.dtime,
        ctime: s.ctime,
        cpid: s.cpid,
        lpid: s.lpid,
        nattch: s.nattch(),
        ..ShmidDs::default()
    }
}

pub(super) fn shmctl(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (id, cmd, buf) = (a.int(0), a.int(1), a.addr(2));
    let k = t.kernel.clone();
    let mut table = lock(&k.ipc.shm);
    Ipc::reap_shm(&mut table);
    match cmd {
        IPC_INFO => {
            let info = ShmInfo64 {
                shmmax: SHMMAX,
                shmmin: SHMMIN,
                shmmni: SHMMNI,
                shmseg: SHMMNI,
                shmall: SHMALL,
                ..ShmInfo64::default()
            };
            put(t, buf, &info)?;
            Ok(table.highest_index() as u64)
        }
        SHM_INFO => {
            let pages: u64 = table
                .iter()
                .map(|(_, _, s)| page_up(s.size).unwrap_or(0) / PAGE_SIZE)
                .sum();
            let info = ShmUsage {
                used_ids: table.len() as i32,
                shm_tot: pages,
                shm_rss: pages,
                ..ShmUsage::default()
            };
            put(t, buf, &info)?;
            Ok(table.highest_index() as u64)
        }
        SHM_STAT | SHM_STAT_ANY => {
            let (full, p, s) = table.at_index(id).ok_or(Errno::EINVAL)?;
            if cmd == SHM_STAT && !permitted(t, p, MAY_READ) {
                return Err(Errno::EACCES.into());
            }
            put(t, buf, &shm_ds(p, s))?;
            Ok(full as u64)
        }
        IPC_STAT => {
            let (p, s) = table.get(id).ok_or(Errno::EINVAL)?;
            if !permitted(t, p, MAY_READ) {
                return Err(Errno::EACCES.into());
            }
            put(t, buf, &shm_ds(p, s))?;
            Ok(0)
        }
        IPC_SET => {
            let ds: ShmidDs = t.copy_in_obj(buf)?;
            let (p, s) = table.get_mut(id).ok_or(Errno::EINVAL)?;
            if !owns(t, p) {
                return Err(Errno::EPERM.into());
            }
            p.set_from(&ds.perm);
            s.ctime = now();
            Ok(0)
        }
        IPC_RMID => {
            let (p, _) = table.get_mut(id).ok_or(Errno::EINVAL)?;
            if !owns(t, p) {
                return Err(Errno::EPERM.into());
            }
            p.mode |= SHM_DEST;
            table.unkey(id);
            Ipc::reap_shm(&mut table);
            Ok(0)
        }
        SHM_LOCK | SHM_UNLOCK => {
            let (p, _) = table.get_mut(id).ok_or(Errno::EINVAL)?;
            let e = t.creds.euid;
            if !(t.creds.capable(CAP_IPC_LOCK) || e == p.uid || e == p.cuid) {
                return Err(Errno::EPERM.into());
            }
            if cmd == SHM_LOCK {
                p.mode |= SHM_LOCKED;
            } else {
                p.mode &= !SHM_LOCKED;
            }
            Ok(0)
        }
        _ => Err(Errno::EINVAL.into()),
    }
}

// ---- semaphores ----

pub(super) fn semget(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (key, nsems, flg) = (a.int(0), a.int(1), a.uint(2));
    if !(0..=SEMMSL).contains(&nsems) {
        return Err(Errno::EINVAL.into());
    }
    let k = t.kernel.clone();
    let mut table = lock(&k.ipc.sem);
    let found = lookup_key(t, &table, key, flg, |s: &Arc<SemSet>| {
        if nsems as usize > lock(&s.st).sems.len() {
            Err(Errno::EINVAL)
        } else {
            Ok(())
        }
    })?;
    if let Some(id) = found {
        return Ok(id as u64);
    }
    if nsems == 0 {
        return Err(Errno::EINVAL.into());
    }
    let set = Arc::new(SemSet {
        st: std::sync::Mutex::new(SemState {
            sems: vec![Sem::default(); nsems as usize],
            ctime: now(),
            ..SemState::default()
        }),
        cv: std::sync::Condvar::new(),
    });
    let id = table
        .insert(new_perm(t, key, flg), set, SEMMNI as usize)
        .ok_or(Errno::ENOSPC)?;
    Ok(id as u64)
}

pub(super) fn semop(t: &mut Task, a: &SyscallArgs) -> SysResult {
    semop_common(t, a.int(0), a.addr(1), a.size(2), None)
}

pub(super) fn semtimedop(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let ts = a.addr(3);
    let deadline = if ts == 0 {
        None
    } else {
        let v: [i64; 2] = t.copy_in_obj(ts)?;
        if v[0] < 0 || !(0..1_000_000_000).contains(&v[1]) {
            return Err(Errno::EINVAL.into());
        }
        Some(Instant::now() + Duration::new(v[0] as u64, v[1] as u32))
    };
    semop_common(t, a.int(0), a.addr(1), a.size(2), Some(deadline))
}

/// How long a blocked IPC call sleeps before it looks for signals again.
const WAIT_SLICE: Duration = Duration::from_millis(20);

/// One sleep of a blocked semop, msgsnd or msgrcv on its object's
/// condition variable (woken by any change, or after a slice), with the
/// guard back for the caller to look again: EAGAIN (without sleeping)
/// once `deadline` has passed, EINTR when a signal is pending after.
fn sleep_on<'a, T>(
    t: &Task,
    cv: &std::sync::Condvar,
    g: std::sync::MutexGuard<'a, T>,
    deadline: Option<Instant>,
) -> (std::sync::MutexGuard<'a, T>, Result<(), Errno>) {
    let now = Instant::now();
    let slice = match deadline {
        Some(d) if d <= now => return (g, Err(Errno::EAGAIN)),
        Some(d) => (d - now).min(WAIT_SLICE),
        None => WAIT_SLICE,
    };
    let g = cv
        .wait_timeout(g, slice)
        .map(|(g, _)| g)
        .unwrap_or_else(|e| e.into_inner().0);
    let r = if t.signal_pending() {
        Err(Errno::EINTR)
    } else {
        Ok(())
    };
    (g, r)
}

/// One attempt at a whole semop: Ok(true) when applied, Ok(false) with
/// `blocked` set when it must wait.
fn try_semop(
    st: &mut SemState,
    ops: &[SemBuf],
    undo: Option<&mut UndoList>,
    id: i32,
    pid: i32,
    blocked: &mut Option<(SemWait, bool)>,
) -> Result<bool, Errno> {
    let mut vals: Vec<i32> = st.sems.iter().map(|s| s.val).collect();
    // The process's adjustments as they would be, for SEM_UNDO operations.
    let mut adj = undo.as_deref().cloned().unwrap_or_default();
    for op in ops {
        let n = op.num as usize;
        let v = vals[n];
        let delta = i32::from(op.op);
        if delta == 0 {
            if v != 0 {
                *blocked = Some((SemWait::Zero(n), op.flg & IPC_NOWAIT as i16 != 0));
                return Ok(false);
            }
            continue;
        }
        let nv = v + delta;
        if nv < 0 {
            *blocked = Some((SemWait::Increase(n), op.flg & IPC_NOWAIT as i16 != 0));
            return Ok(false);
        }
        if nv > SEMVMX {
            return Err(Errno::ERANGE);
        }
        if op.flg & SEM_UNDO != 0 {
            let e = adj.entry((id, op.num)).or_insert(0);
            *e -= delta;
            if !(-SEMAEM - 1..=SEMAEM).contains(e) {
                return Err(Errno::ERANGE);
            }
        }
        vals[n] = nv;
    }
    for op in ops {
        st.sems[op.num as usize].pid = pid;
    }
    for (s, v) in st.sems.iter_mut().zip(vals) {
        s.val = v;
    }
    if let Some(undo) = undo {
        adj.retain(|_, v| *v != 0);
        *undo = adj;
    }
    st.otime = now();
    Ok(true)
}

fn semop_common(
    t: &mut Task,
    id: i32,
    sops: u64,
    nsops: u64,
    deadline: Option<Option<Instant>>,
) -> SysResult {
    if nsops < 1 {
        return Err(Errno::EINVAL.into());
    }
    if nsops as usize > SEMOPM {
        return Err(Errno::E2BIG.into());
    }
    let mut ops = vec![SemBuf::default(); nsops as usize];
    for (i, op) in ops.iter_mut().enumerate() {
        *op = t.copy_in_obj(sops + i as u64 * std::mem::size_of::<SemBuf>() as u64)?;
    }
    let k = t.kernel.clone();
    let set = {
        let table = lock(&k.ipc.sem);
        let (p, set) = table.get(id).ok_or(Errno::EINVAL)?;
        let nsems = lock(&set.st).sems.len();
        if ops.iter().any(|o| o.num as usize >= nsems) {
            return Err(Errno::EFBIG.into());
        }
        let alter = ops.iter().any(|o| o.op != 0);
        if !permitted(t, p, if alter { MAY_WRITE } else { MAY_READ }) {
            return Err(Errno::EACCES.into());
        }
        set.clone()
    };
    let deadline = deadline.flatten();
    let pid = t.tgid;
    // Only SEM_UNDO operations touch the sandbox-wide undo lists.
    let any_undo = ops.iter().any(|o| o.flg & SEM_UNDO != 0);
    let mut st = lock(&set.st);
    loop {
        if st.removed {
            return Err(Errno::EIDRM.into());
        }
        let mut blocked = None;
        let done = if any_undo {
            let mut undo_all = lock(&k.ipc.undo);
            let mine = undo_all.entry(pid).or_default();
            let r = try_semop(&mut st, &ops, Some(mine), id, pid, &mut blocked);
            if mine.is_empty() {
                undo_all.remove(&pid);
            }
            r?
        } else {
            try_semop(&mut st, &ops, None, id, pid, &mut blocked)?
        };
        if done {
            drop(st);
            set.cv.notify_all();
            return Ok(0);
        }
        let Some((what, nowait)) = blocked else {
            return Err(Errno::EAGAIN.into());
        };
        if nowait {
            return Err(Errno::EAGAIN.into());
        }
        st.waiting.push(what);
        let (g, slept) = sleep_on(t, &set.cv, st, deadline);
        st = g;
        if let Some(i) = st.waiting.iter().position(|w| *w == what) {
            st.waiting.remove(i);
        }
        slept?;
    }
}

fn sem_ds(p: &IpcPerm, st: &SemState) -> SemidDs {
    SemidDs {
        perm: p.to_abi(),
        otime: st.otime,
        ctime: st.ctime,
        nsems: st.sems.len() as u64,
        ..SemidDs::default()
    }
}

/// Linux's SEMMNU, SEMMAP (= SEMMNS), SEMUME (= SEMOPM) and SEMUSZ.
const SEMMNU: i32 = SEMMNS;
const SEMMAP: i32 = SEMMNS;
const SEMUME: i32 = SEMOPM as i32;
const SEMUSZ: i32 = 20;

pub(super) fn semctl(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (id, num, cmd, arg) = (a.int(0), a.int(1), a.int(2), a.addr(3));
    let k = t.kernel.clone();
    let table = lock(&k.ipc.sem);
    match cmd {
        IPC_INFO | SEM_INFO => {
            let mut info = SemInfo {
                semmap: SEMMAP,
                semmni: SEMMNI,
                semmns: SEMMNS,
                semmnu: SEMMNU,
                semmsl: SEMMSL,
                semopm: SEMOPM as i32,
                semume: SEMUME,
                semusz: SEMUSZ,
                semvmx: SEMVMX,
                semaem: SEMAEM,
            };
            if cmd == SEM_INFO {
                info.semusz = table.len() as i32;
                info.semaem = table
                    .iter()
                    .map(|(_, _, s)| lock(&s.st).sems.len() as i32)
                    .sum();
            }
            put(t, arg, &info)?;
            return Ok(table.highest_index() as u64);
        }
        SEM_STAT | SEM_STAT_ANY => {
            let (full, p, set) = table.at_index(id).ok_or(Errno::EINVAL)?;
            if cmd == SEM_STAT && !permitted(t, p, MAY_READ) {
                return Err(Errno::EACCES.into());
            }
            put(t, arg, &sem_ds(p, &lock(&set.st)))?;
            return Ok(full as u64);
        }
        _ => {}
    }
    let (p, set) = table.get(id).ok_or(Errno::EINVAL)?;
    let (p, set) = (*p, set.clone());
    drop(table);
    let mut st = lock(&set.st);
    let nsems = st.sems.len();
    let sem = |st: &SemState| -> Result<usize, Errno> {
        usize::try_from(num)
            .ok()
            .filter(|&n| n < st.sems.len())
            .ok_or(Errno::EINVAL)
    };
    let need = |want: u32| -> Result<(), Errno> {
        if permitted(t, &p, want) {
            Ok(())
        } else {
            Err(Errno::EACCES)
        }
    };
    match cmd {
        IPC_STAT => {
            need(MAY_READ)?;
            put(t, arg, &sem_ds(&p, &st))?;
            Ok(0)
        }
        IPC_SET => {
            let ds: SemidDs = t.copy_in_obj(arg)?;
            if !owns(t, &p) {
                return Err(Errno::EPERM.into());
            }
            st.ctime = now();
            drop(st);
            let mut table = lock(&k.ipc.sem);
            if let Some((pm, _)) = table.get_mut(id) {
                pm.set_from(&ds.perm);
            }
            Ok(0)
        }
        IPC_RMID => {
            if !owns(t, &p) {
                return Err(Errno::EPERM.into());
            }
            st.removed = true;
            drop(st);
            set.cv.notify_all();
            lock(&k.ipc.sem).remove(id);
            k.ipc.clear_undo(id, None);
            Ok(0)
        }
        GETVAL | GETPID | GETNCNT | GETZCNT => {
            need(MAY_READ)?;
            let n = sem(&st)?;
            Ok(match cmd {
                GETVAL => st.sems[n].val as u64,
                GETPID => st.sems[n].pid as u64,
                GETNCNT => st
                    .waiting
                    .iter()
                    .filter(|w| **w == SemWait::Increase(n))
                    .count() as u64,
                _ => st
                    .waiting
                    .iter()
                    .filter(|w| **w == SemWait::Zero(n))
                    .count() as u64,
            })
        }
        GETALL => {
            need(MAY_READ)?;
            let vals: Vec<u8> = st
                .sems
                .iter()
                .flat_map(|s| (s.val as u16).to_ne_bytes())
                .collect();
            t.mm.copy_out(arg, &vals)?;
            Ok(0)
        }
        SETVAL => {
            need(MAY_WRITE)?;
            let n = sem(&st)?;
            // The union semun's int member, in the low half of the register.
            let v = arg as u32 as i32;
            if !(0..=SEMVMX).contains(&v) {
                return Err(Errno::ERANGE.into());
            }
            st.sems[n] = Sem {
                val: v,
                pid: t.tgid,
            };
            st.ctime = now();
            drop(st);
            k.ipc.clear_undo(id, Some(n as u16));
            set.cv.notify_all();
            Ok(0)
        }
        SETALL => {
            need(MAY_WRITE)?;
            let mut raw = vec![0u8; nsems * 2];
            t.mm.copy_in(arg, &mut raw)?;
            let vals: Vec<i32> = raw
                .chunks_exact(2)
                .map(|c| i32::from(u16::from_ne_bytes([c[0], c[1]])))
                .collect();
            if vals.iter().any(|v| *v > SEMVMX) {
                return Err(Errno::ERANGE.into());
            }
            for (s, v) in st.sems.iter_mut().zip(vals) {
                *s = Sem {
                    val: v,
                    pid: t.tgid,
                };
            }
            st.ctime = now();
            drop(st);
            k.ipc.clear_undo(id, None);
            set.cv.notify_all();
            Ok(0)
        }
        _ => Err(Errno::EINVAL.into()),
    }
}

// ---- message queues ----

pub(super) fn msgget(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (key, flg) = (a.int(0), a.uint(1));
    let k = t.kernel.clone();
    let mut table = lock(&k.ipc.msg);
    if let Some(id) = lookup_key(t, &table, key, flg, |_| Ok(()))? {
        return Ok(id as u64);
    }
    let now = now();
    let q = Arc::new(MsgQueue {
        st: std::sync::Mutex::new(MsgState {
            qbytes: MSGMNB,
            ctime: now,
            ..MsgState::default()
        }),
        cv: std::sync::Condvar::new(),
    });
    let id = table
        .insert(new_perm(t, key, flg), q, MSGMNI as usize)
        .ok_or(Errno::ENOSPC)?;
    Ok(id as u64)
}

/// The queue `id` after a permission check for `want`.
fn queue(t: &Task, id: i32, want: u32) -> Result<Arc<MsgQueue>, Errno> {
    let table = lock(&t.kernel.ipc.msg);
    let (p, q) = table.get(id).ok_or(Errno::EINVAL)?;
    if !permitted(t, p, want) {
        return Err(Errno::EACCES);
    }
    Ok(q.clone())
}

/// Size of a message's type field (`long mtype`).
const MTYPE_SIZE: u64 = 8;

pub(super) fn msgsnd(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (id, msgp, size, flg) = (a.int(0), a.addr(1), a.long(2), a.uint(3));
    if !(0..=MSGMAX as i64).contains(&size) {
        return Err(Errno::EINVAL.into());
    }
    let mtype: i64 = t.copy_in_obj(msgp)?;
    if mtype < 1 {
        return Err(Errno::EINVAL.into());
    }
    let mut text = vec![0u8; size as usize];
    t.mm.copy_in(msgp + MTYPE_SIZE, &mut text)?;
    let q = queue(t, id, MAY_WRITE)?;
    let mut st = lock(&q.st);
    loop {
        if st.removed {
            return Err(Errno::EIDRM.into());
        }
        let fits = st.cbytes + size as u64 <= st.qbytes && (st.msgs.len() as u64) < st.qbytes;
        if fits {
            st.cbytes += size as u64;
            st.msgs.push_back(Message { mtype, text });
            st.lspid = t.tgid;
            st.stime = now();
            drop(st);
            q.cv.notify_all();
            return Ok(0);
        }
        if flg & IPC_NOWAIT != 0 {
            return Err(Errno::EAGAIN.into());
        }
        let (g, slept) = sleep_on(t, &q.cv, st, None);
        st = g;
        slept?;
    }
}

/// The index of the message msgrcv takes.
fn pick(msgs: &std::collections::VecDeque<Message>, typ: i64, except: bool) -> Option<usize> {
    if typ == 0 {
        return (!msgs.is_empty()).then_some(0);
    }
    if typ > 0 {
        return msgs.iter().position(|m| {
            if except {
                m.mtype != typ
            } else {
                m.mtype == typ
            }
        });
    }
    let limit = typ.unsigned_abs();
    msgs.iter()
        .enumerate()
        .filter(|(_, m)| m.mtype.unsigned_abs() <= limit)
        .min_by_key(|(i, m)| (m.mtype, *i))
        .map(|(i, _)| i)
}

pub(super) fn msgrcv(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (id, msgp, size, typ, flg) = (a.int(0), a.addr(1), a.long(2), a.long(3), a.uint(4));
    if size < 0 {
        return Err(Errno::EINVAL.into());
    }
    let copy = flg & MSG_COPY != 0;
    if copy && (flg & IPC_NOWAIT == 0 || flg & MSG_EXCEPT != 0) {
        return Err(Errno::EINVAL.into());
    }
    let q = queue(t, id, MAY_READ)?;
    let mut st = lock(&q.st);
    loop {
        if st.removed {
            return Err(Errno::EIDRM.into());
        }
        let found = if copy {
            usize::try_from(typ).ok().filter(|&i| i < st.msgs.len())
        } else {
            pick(&st.msgs, typ, flg & MSG_EXCEPT != 0)
        };
        if let Some(i) = found {
            let m = &st.msgs[i];
            if m.text.len() > size as usize && flg & MSG_NOERROR == 0 {
                return Err(Errno::E2BIG.into());
            }
            let n = m.text.len().min(size as usize);
            let (mtype, text) = (m.mtype, m.text[..n].to_vec());
            if !copy {
                let m = st.msgs.remove(i).expect("index found above");
                st.cbytes -= m.text.len() as u64;
                st.lrpid = t.tgid;
                st.rtime = now();
            }
            drop(st);
            q.cv.notify_all();
            t.copy_out_obj(msgp, &mtype)?;
            t.mm.copy_out(msgp + MTYPE_SIZE, &text)?;
            return Ok(n as u64);
        }
        if flg & IPC_NOWAIT != 0 {
            return Err(Errno::ENOMSG.into());
        }
        let (g, slept) = sleep_on(t, &q.cv, st, None);
        st = g;
        slept?;
    }
}

fn msq_ds(p: &IpcPerm, st: &MsgState) -> MsqidDs {
    MsqidDs {
        perm: p.to_abi(),
        stime: st.stime,
        rtime: st.rtime,
        ctime: st.ctime,
        cbytes: st.cbytes,
        qnum: st.msgs.len() as u64,
        qbytes: st.qbytes,
        lspid: st.lspid,
        lrpid: st.lrpid,
        ..MsqidDs::default()
    }
}

pub(super) fn msgctl(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (id, cmd, buf) = (a.int(0), a.int(1), a.addr(2));
    let k = t.kernel.clone();
    let table = lock(&k.ipc.msg);
    match cmd {
        IPC_INFO | MSG_INFO => {
            let mut info = MsgInfo {
                msgpool: MSGPOOL,
                msgmap: MSGMNB as i32,
                msgmax: MSGMAX as i32,
                msgmnb: MSGMNB as i32,
                msgmni: MSGMNI,
                msgssz: MSGSSZ,
                msgtql: MSGTQL,
                msgseg: MSGSEG,
                pad: 0,
            };
            if cmd == MSG_INFO {
                info.msgpool = table.len() as i32;
                let (n, bytes) = table.iter().fold((0, 0), |(n, b), (_, _, q)| {
                    let st = lock(&q.st);
                    (n + st.msgs.len() as i32, b + st.cbytes as i32)
                });
                info.msgmap = n;
                info.msgtql = bytes;
            }
            put(t, buf, &info)?;
            return Ok(table.highest_index() as u64);
        }
        MSG_STAT | MSG_STAT_ANY => {
            let (full, p, q) = table.at_index(id).ok_or(Errno::EINVAL)?;
            if cmd == MSG_STAT && !permitted(t, p, MAY_READ) {
                return Err(Errno::EACCES.into());
            }
            put(t, buf, &msq_ds(p, &lock(&q.st)))?;
            return Ok(full as u64);
        }
        _ => {}
    }
    let (p, q) = table.get(id).ok_or(Errno::EINVAL)?;
    let (p, q) = (*p, q.clone());
    drop(table);
    match cmd {
        IPC_STAT => {
            if !permitted(t, &p, MAY_READ) {
                return Err(Errno::EACCES.into());
            }
            put(t, buf, &msq_ds(&p, &lock(&q.st)))?;
            Ok(0)
        }
        IPC_SET => {
            let ds: MsqidDs = t.copy_in_obj(buf)?;
            if !owns(t, &p) {
                return Err(Errno::EPERM.into());
            }
            // Raising the limit past the default takes CAP_SYS_RESOURCE.
            if ds.qbytes > MSGMNB && !t.creds.capable(CAP_SYS_RESOURCE) {
                return Err(Errno::EPERM.into());
            }
            {
                let mut st = lock(&q.st);
                st.qbytes = ds.qbytes;
                st.ctime = now();
            }
            q.cv.notify_all();
            let mut table = lock(&k.ipc.msg);
            if let Some((pm, _)) = table.get_mut(id) {
                pm.set_from(&ds.perm);
            }
            Ok(0)
        }
        IPC_RMID => {
            if !owns(t, &p) {
                return Err(Errno::EPERM.into());
            }
            lock(&q.st).removed = true;
            q.cv.notify_all();
            lock(&k.ipc.msg).remove(id);
            Ok(0)
        }
        _ => Err(Errno::EINVAL.into()),
    }
}
