//! procfs, generated from sentry state.
//!
//! Every node is a small value (`Kind`) that says what it shows; content is
//! generated from the calling task when a file is opened (a snapshot, like
//! Linux seq files) and directories are listed afresh on every readdir.
//! Directories are not cacheable, so the VFS asks again on every lookup and
//! a process's directory disappears with the process.
//!
//! /proc/self and /proc/thread-self name the caller; /proc/<pid> and
//! /proc/<pid>/task/<tid> show any live task through the view it
//! publishes (`kernel::view`), or the caller's own fresh view.

mod fd;
mod sys;
mod task;

use crate::abi::file::{
    magic::PROC_SUPER_MAGIC, Stat, Statfs, AT_FDCWD, DT_DIR, DT_LNK, DT_REG, NAME_MAX, O_ACCMODE,
    O_RDONLY, S_IFDIR, S_IFLNK, S_IFREG,
};
use crate::abi::proc::*;
use crate::abi::Errno;
use crate::kernel::view::TaskView;
use crate::kernel::Task;
use crate::vfs::file::copy_to_iovecs;
use crate::vfs::{resolve, DirEntry, FileOps, Inode, InodeRef, VfsPath};
use std::any::Any;
use std::sync::Arc;

/// Generates a file's content from the task it belongs to (the caller,
/// for the fixed tree).
type Gen = fn(&TaskView, &Shared) -> Vec<u8>;

/// A node of the fixed part of the tree (/proc/sys, /proc/meminfo, ...).
#[derive(Clone, Copy)]
enum Static {
    /// A directory with these entries.
    Dir(&'static [(&'static str, Static)]),
    /// A generated read-only file.
    File(Gen),
    /// A symlink with this target.
    Link(&'static str),
}

/// One entry of a process directory.
#[derive(Clone, Copy)]
enum TaskEntry {
    /// A generated file with these permission bits.
    File(Gen, u32),
    /// exe, cwd, root.
    Link(TaskLink),
    /// fd/.
    FdDir,
    /// fdinfo/.
    FdInfoDir,
    /// task/ (only in /proc/<pid>, not in task/<tid>).
    TaskList,
}

/// The magic links of a process directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TaskLink {
    /// The executable.
    Exe,
    /// The working directory.
    Cwd,
    /// The root directory.
    Root,
}

/// Which process (and thread) a per-process node shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct TaskId {
    /// Thread group id.
    pid: i32,
    /// Thread id, for nodes under /proc/<pid>/task/<tid>.
    tid: Option<i32>,
}

/// What a procfs node is.
#[derive(Clone, Copy)]
enum Kind {
    /// /proc.
    Root,
    /// A directory of the fixed tree.
    StaticDir(&'static [(&'static str, Static)]),
    /// A file of the fixed tree, generated from the caller.
    StaticFile(Gen),
    /// A symlink with fixed text.
    Text(&'static str),
    /// /proc/self.
    SelfLink,
    /// /proc/thread-self.
    ThreadSelf,
    /// /proc/<pid> or /proc/<pid>/task/<tid>.
    TaskDir(TaskId),
    /// /proc/<pid>/task.
    TaskList(TaskId),
    /// A generated file of a process directory.
    TaskFile(TaskId, Gen),
    /// exe, cwd or root of a process.
    TaskLink(TaskId, TaskLink),
    /// /proc/<pid>/fd.
    FdDir(TaskId),
    /// /proc/<pid>/fdinfo.
    FdInfoDir(TaskId),
    /// /proc/<pid>/fd/<n>.
    FdLink(TaskId, i32),
    /// /proc/<pid>/fdinfo/<n>.
    FdInfo(TaskId, i32),
}

/// State every node of one procfs instance shares.
struct Shared {
    /// Timestamp of every inode (the sandbox's boot).
    time: (i64, i64),
    /// /proc/sys/kernel/random/boot_id.
    boot_id: String,
    /// The container's user namespace mapping (/proc/PID/uid_map).
    ids: gofer::IdMap,
}

/// A procfs inode.
pub struct ProcNode {
    kind: Kind,
    ino: u64,
    /// Type and permission bits.
    mode: u32,
    uid: u32,
    gid: u32,
    shared: Arc<Shared>,
}

/// The /proc root.
/// A procfs; `ids` is the user namespace mapping uid_map and gid_map
/// show.
pub fn new_procfs(ids: gofer::IdMap) -> InodeRef {
    let shared = Arc::new(Shared {
        time: crate::vfs::now(),
        boot_id: sys::random_uuid(),
        ids,
    });
    Arc::new(ProcNode {
        kind: Kind::Root,
        ino: PROC_ROOT_INO,
        mode: S_IFDIR | MODE_DIR,
        uid: 0,
        gid: 0,
        shared,
    })
}

/// The fixed entries of /proc.
const ROOT_ENTRIES: &[(&str, Static)] = &[
    ("cpuinfo", Static::File(sys::cpuinfo)),
    ("filesystems", Static::File(sys::filesystems)),
    ("loadavg", Static::File(sys::loadavg)),
    ("meminfo", Static::File(sys::meminfo)),
    ("mounts", Static::Link("self/mounts")),
    ("stat", Static::File(sys::stat)),
    ("sys", Static::Dir(sys::SYS_ENTRIES)),
    (
        "sysvipc",
        Static::Dir(&[
            ("msg", Static::File(sys::sysvipc_msg)),
            ("sem", Static::File(sys::sysvipc_sem)),
            ("shm", Static::File(sys::sysvipc_shm)),
        ]),
    ),
    ("uptime", Static::File(sys::uptime)),
    ("version", Static::File(sys::version)),
];

/// The entries of /proc/<pid> and /proc/<pid>/task/<tid>.
const TASK_ENTRIES: &[(&str, TaskEntry)] = &[
    ("cgroup", TaskEntry::File(task::cgroup, MODE_FILE)),
    ("cmdline", TaskEntry::File(task::cmdline, MODE_FILE)),
    ("comm", TaskEntry::File(task::comm, MODE_FILE)),
    ("cwd", TaskEntry::Link(TaskLink::Cwd)),
    ("environ", TaskEntry::File(task::environ, MODE_FILE_OWNER)),
    ("exe", TaskEntry::Link(TaskLink::Exe)),
    ("fd", TaskEntry::FdDir),
    ("fdinfo", TaskEntry::FdInfoDir),
    ("gid_map", TaskEntry::File(task::gid_map, MODE_FILE)),
    ("limits", TaskEntry::File(task::limits, MODE_FILE)),
    ("loginuid", TaskEntry::File(task::loginuid, MODE_FILE)),
    ("maps", TaskEntry::File(task::maps, MODE_FILE)),
    ("mountinfo", TaskEntry::File(task::mountinfo, MODE_FILE)),
    ("mounts", TaskEntry::File(task::mounts, MODE_FILE)),
    ("oom_score", TaskEntry::File(task::oom_score, MODE_FILE)),
    (
        "oom_score_adj",
        TaskEntry::File(task::oom_score_adj, MODE_FILE),
    ),
    ("root", TaskEntry::Link(TaskLink::Root)),
    ("stat", TaskEntry::File(task::stat, MODE_FILE)),
    ("statm", TaskEntry::File(task::statm, MODE_FILE)),
    ("status", TaskEntry::File(task::status, MODE_FILE)),
    ("task", TaskEntry::TaskList),
    ("uid_map", TaskEntry::File(task::uid_map, MODE_FILE)),
];

/// A stable synthetic inode number for `name` in the directory `parent`
/// (FNV-1a; never 0 and never the root's).
fn child_ino(parent: u64, name: &[u8]) -> u64 {
    const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const FNV_PRIME: u64 = 0x0100_0000_01b3;
    let mut h = FNV_OFFSET;
    for b in parent.to_le_bytes().iter().chain(name) {
        h ^= u64::from(*b);
        h = h.wrapping_mul(FNV_PRIME);
    }
    if h <= PROC_ROOT_INO {
        h + PROC_ROOT_INO + 1
    } else {
        h
    }
}

/// A pid or fd number as a directory entry name: decimal, no sign, no
/// leading zeros.
fn parse_num(name: &[u8]) -> Option<i32> {
    if name.is_empty() || (name.len() > 1 && name[0] == b'0') {
        return None;
    }
    if !name.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(name).ok()?.parse().ok()
}

/// The task a per-process node shows, if it still exists.
fn target(t: &Task, id: TaskId) -> Result<TaskView, Errno> {
    let tid = id.tid.unwrap_or(id.pid);
    if tid == t.tid && id.pid == t.tgid {
        return Ok(t.view());
    }
    t.kernel
        .views
        .get(tid)
        .filter(|v| v.tgid == id.pid)
        .ok_or(Errno::ESRCH)
}

/// ENOENT for lookups below a process that is gone.
fn lookup_target(t: &Task, id: TaskId) -> Result<TaskView, Errno> {
    target(t, id).map_err(|_| Errno::ENOENT)
}

fn dir_entry(name: &[u8], ino: u64, typ: u8) -> DirEntry {
    DirEntry {
        name: name.to_vec(),
        ino,
        typ,
    }
}

impl ProcNode {
    /// A child node called `name`, owned by root.
    fn child(&self, name: &[u8], kind: Kind, mode: u32) -> Arc<ProcNode> {
        self.child_owned(name, kind, mode, (0, 0))
    }

    /// A child node called `name` with this owner (uid, gid).
    fn child_owned(&self, name: &[u8], kind: Kind, mode: u32, owner: (u32, u32)) -> Arc<ProcNode> {
        Arc::new(ProcNode {
            kind,
            ino: child_ino(self.ino, name),
            mode,
            uid: owner.0,
            gid: owner.1,
            shared: self.shared.clone(),
        })
    }

    /// A node of the fixed tree.
    fn static_child(&self, name: &[u8], s: Static) -> Arc<ProcNode> {
        match s {
            Static::Dir(e) => self.child(name, Kind::StaticDir(e), S_IFDIR | MODE_DIR),
            Static::File(g) => self.child(name, Kind::StaticFile(g), S_IFREG | MODE_FILE),
            Static::Link(l) => self.child(name, Kind::Text(l), S_IFLNK | MODE_LINK),
        }
    }

    /// The directory /proc/<pid> (or task/<tid>) of `t`.
    fn task_dir(&self, name: &[u8], t: &TaskView, id: TaskId) -> Arc<ProcNode> {
        self.child_owned(name, Kind::TaskDir(id), S_IFDIR | MODE_DIR, owner(t))
    }

    /// An entry of a process directory.
    fn task_child(&self, name: &[u8], t: &TaskView, id: TaskId, e: TaskEntry) -> Arc<ProcNode> {
        let o = owner(t);
        match e {
            TaskEntry::File(g, perm) => {
                self.child_owned(name, Kind::TaskFile(id, g), S_IFREG | perm, o)
            }
            TaskEntry::Link(l) => {
                self.child_owned(name, Kind::TaskLink(id, l), S_IFLNK | MODE_LINK, o)
            }
            TaskEntry::FdDir => {
                self.child_owned(name, Kind::FdDir(id), S_IFDIR | MODE_DIR_OWNER, o)
            }
            TaskEntry::FdInfoDir => {
                self.child_owned(name, Kind::FdInfoDir(id), S_IFDIR | MODE_DIR_OWNER, o)
            }
            TaskEntry::TaskList => {
                self.child_owned(name, Kind::TaskList(id), S_IFDIR | MODE_DIR, o)
            }
        }
    }

    /// The entries of a process directory (without task/ in a thread's).
    fn task_entries(id: TaskId) -> impl Iterator<Item = &'static (&'static str, TaskEntry)> {
        TASK_ENTRIES
            .iter()
            .filter(move |(_, e)| id.tid.is_none() || !matches!(e, TaskEntry::TaskList))
    }

    fn dt_of(e: &TaskEntry) -> u8 {
        match e {
            TaskEntry::File(..) => DT_REG,
            TaskEntry::Link(_) => DT_LNK,
            _ => DT_DIR,
        }
    }

    fn static_dt(s: &Static) -> u8 {
        match s {
            Static::Dir(_) => DT_DIR,
            Static::File(_) => DT_REG,
            Static::Link(_) => DT_LNK,
        }
    }

    /// The content of a file node, generated for the caller.
    fn content(&self, t: &Task) -> Result<Vec<u8>, Errno> {
        match self.kind {
            Kind::StaticFile(g) => Ok(g(&t.view(), &self.shared)),
            Kind::TaskFile(id, g) => Ok(g(&target(t, id)?, &self.shared)),
            Kind::FdInfo(id, fd) => fd::fdinfo(&target(t, id)?, fd),
            _ => Err(Errno::ENXIO),
        }
    }
}

/// The owner of a process's nodes: its effective ids.
fn owner(t: &TaskView) -> (u32, u32) {
    (t.creds.euid, t.creds.egid)
}

impl Inode for ProcNode {
    fn stat(&self) -> Result<Stat, Errno> {
        let is_dir = self.mode & crate::abi::file::S_IFMT == S_IFDIR;
        let (s, ns) = self.shared.time;
        Ok(Stat {
            ino: self.ino,
            nlink: if is_dir { DIR_NLINK } else { 1 },
            mode: self.mode,
            uid: self.uid,
            gid: self.gid,
            blksize: PROC_BLKSIZE,
            atime: s,
            atime_nsec: ns,
            mtime: s,
            mtime_nsec: ns,
            ctime: s,
            ctime_nsec: ns,
            ..Stat::default()
        })
    }

    fn mode(&self) -> u32 {
        self.mode
    }

    fn lookup(&self, t: &Task, name: &[u8]) -> Result<InodeRef, Errno> {
        let node: Arc<ProcNode> = match self.kind {
            Kind::Root => {
                if let Some((_, s)) = ROOT_ENTRIES.iter().find(|(n, _)| n.as_bytes() == name) {
                    self.static_child(name, *s)
                } else if name == b"self" {
                    self.child(name, Kind::SelfLink, S_IFLNK | MODE_LINK)
                } else if name == b"thread-self" {
                    self.child(name, Kind::ThreadSelf, S_IFLNK | MODE_LINK)
                } else {
                    let pid = parse_num(name).ok_or(Errno::ENOENT)?;
                    let id = TaskId { pid, tid: None };
                    self.task_dir(name, &lookup_target(t, id)?, id)
                }
            }
            Kind::StaticDir(entries) => {
                let (_, s) = entries
                    .iter()
                    .find(|(n, _)| n.as_bytes() == name)
                    .ok_or(Errno::ENOENT)?;
                self.static_child(name, *s)
            }
            Kind::TaskDir(id) => {
                let tt = lookup_target(t, id)?;
                let (_, e) = Self::task_entries(id)
                    .find(|(n, _)| n.as_bytes() == name)
                    .ok_or(Errno::ENOENT)?;
                self.task_child(name, &tt, id, *e)
            }
            Kind::TaskList(id) => {
                let tt = lookup_target(t, id)?;
                let tid = parse_num(name).ok_or(Errno::ENOENT)?;
                let tid_id = TaskId {
                    pid: id.pid,
                    tid: Some(tid),
                };
                lookup_target(t, tid_id)?;
                self.task_dir(name, &tt, tid_id)
            }
            Kind::FdDir(id) => {
                let tt = lookup_target(t, id)?;
                let n = parse_num(name).ok_or(Errno::ENOENT)?;
                let file = tt.fds.get(n).map_err(|_| Errno::ENOENT)?;
                let mut perm = 0;
                if file.readable() {
                    perm |= MODE_FD_READ;
                }
                if file.writable() {
                    perm |= MODE_FD_WRITE;
                }
                self.child_owned(name, Kind::FdLink(id, n), S_IFLNK | perm, owner(&tt))
            }
            Kind::FdInfoDir(id) => {
                let tt = lookup_target(t, id)?;
                let n = parse_num(name).ok_or(Errno::ENOENT)?;
                tt.fds.get(n).map_err(|_| Errno::ENOENT)?;
                self.child_owned(name, Kind::FdInfo(id, n), S_IFREG | MODE_FILE, owner(&tt))
            }
            _ => return Err(Errno::ENOTDIR),
        };
        Ok(node)
    }

    fn readdir(&self, t: &Task) -> Result<Vec<DirEntry>, Errno> {
        let ino = |name: &[u8]| child_ino(self.ino, name);
        let out = match self.kind {
            Kind::Root => {
                let mut v: Vec<DirEntry> = ROOT_ENTRIES
                    .iter()
                    .map(|(n, s)| dir_entry(n.as_bytes(), ino(n.as_bytes()), Self::static_dt(s)))
                    .collect();
                for n in [&b"self"[..], b"thread-self"] {
                    v.push(dir_entry(n, ino(n), DT_LNK));
                }
                let mut pids = t.kernel.views.processes();
                if !pids.contains(&t.tgid) {
                    pids.push(t.tgid);
                    pids.sort_unstable();
                }
                for pid in pids {
                    let pid = pid.to_string();
                    v.push(dir_entry(pid.as_bytes(), ino(pid.as_bytes()), DT_DIR));
                }
                v
            }
            Kind::StaticDir(entries) => entries
                .iter()
                .map(|(n, s)| dir_entry(n.as_bytes(), ino(n.as_bytes()), Self::static_dt(s)))
                .collect(),
            Kind::TaskDir(id) => {
                target(t, id)?;
                Self::task_entries(id)
                    .map(|(n, e)| dir_entry(n.as_bytes(), ino(n.as_bytes()), Self::dt_of(e)))
                    .collect()
            }
            Kind::TaskList(id) => {
                target(t, id)?;
                let mut tids = t.kernel.views.threads(id.pid);
                if id.pid == t.tgid && !tids.contains(&t.tid) {
                    tids.push(t.tid);
                    tids.sort_unstable();
                }
                tids.iter()
                    .map(|tid| {
                        let tid = tid.to_string();
                        dir_entry(tid.as_bytes(), ino(tid.as_bytes()), DT_DIR)
                    })
                    .collect()
            }
            Kind::FdDir(id) | Kind::FdInfoDir(id) => {
                let tt = target(t, id)?;
                let typ = if matches!(self.kind, Kind::FdDir(_)) {
                    DT_LNK
                } else {
                    DT_REG
                };
                tt.fds
                    .fds()
                    .into_iter()
                    .map(|(fd, _)| {
                        let n = fd.to_string();
                        dir_entry(n.as_bytes(), ino(n.as_bytes()), typ)
                    })
                    .collect()
            }
            _ => return Err(Errno::ENOTDIR),
        };
        Ok(out)
    }

    fn readlink(&self, t: &Task) -> Result<Vec<u8>, Errno> {
        match self.kind {
            Kind::Text(s) => Ok(s.as_bytes().to_vec()),
            Kind::SelfLink => Ok(t.tgid.to_string().into_bytes()),
            Kind::ThreadSelf => Ok(format!("{}/task/{}", t.tgid, t.tid).into_bytes()),
            Kind::TaskLink(id, l) => {
                let tt = target(t, id).map_err(|_| Errno::ENOENT)?;
                Ok(match l {
                    TaskLink::Exe => tt.exe_path.clone(),
                    TaskLink::Cwd => fd::path_name(&tt.fs.cwd(), &t.fs.root()),
                    TaskLink::Root => fd::path_name(&tt.fs.root(), &t.fs.root()),
                })
            }
            Kind::FdLink(id, n) => {
                let tt = target(t, id).map_err(|_| Errno::ENOENT)?;
                let file = tt.fds.get(n).map_err(|_| Errno::ENOENT)?;
                Ok(fd::file_name(&file, &t.fs.root()))
            }
            _ => Err(Errno::EINVAL),
        }
    }

    fn magic_link(&self, t: &Task) -> Option<Result<VfsPath, Errno>> {
        match self.kind {
            Kind::TaskLink(id, l) => Some(target(t, id).map_err(|_| Errno::ENOENT).and_then(
                |tt| match l {
                    // The path is absolute from the sandbox's root.
                    TaskLink::Exe => resolve::lookup_at(t, AT_FDCWD, &tt.exe_path, true),
                    TaskLink::Cwd => Ok(tt.fs.cwd()),
                    TaskLink::Root => Ok(tt.fs.root()),
                },
            )),
            Kind::FdLink(id, n) => Some(
                target(t, id)
                    .and_then(|tt| tt.fds.get(n))
                    .map_err(|_| Errno::ENOENT)
                    .map(|file| fd::reopen_path(t, &file)),
            ),
            _ => None,
        }
    }

    fn open(&self, t: &Task, flags: u32) -> Result<Box<dyn FileOps>, Errno> {
        // The fixed tree's files (/proc/sys, meminfo, ...) have no write
        // method, so even root cannot open them for writing; a process's
        // files open, and then refuse the write (EINVAL).
        if flags & O_ACCMODE != O_RDONLY && !matches!(self.kind, Kind::TaskFile(..)) {
            return Err(Errno::EACCES);
        }
        let data = self.content(t)?;
        Ok(Box::new(ProcFile {
            data,
            stat: self.stat()?,
        }))
    }

    fn statfs(&self) -> Result<Statfs, Errno> {
        Ok(Statfs {
            typ: PROC_SUPER_MAGIC,
            bsize: PROC_STATFS_BSIZE,
            namelen: NAME_MAX as i64,
            frsize: PROC_STATFS_BSIZE,
            ..Statfs::default()
        })
    }

    fn cacheable(&self) -> bool {
        false
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// An open procfs file: the content generated at open time.
struct ProcFile {
    data: Vec<u8>,
    stat: Stat,
}

impl FileOps for ProcFile {
    fn epollable(&self) -> bool {
        false
    }
    fn read(&self, _t: &Task, iov: &[libc::iovec], off: Option<u64>) -> Result<usize, Errno> {
        Ok(copy_to_iovecs(&self.data, off.unwrap_or(0), iov))
    }

    fn write(&self, _t: &Task, _iov: &[libc::iovec], _off: Option<u64>) -> Result<usize, Errno> {
        Err(Errno::EINVAL)
    }

    fn stat(&self) -> Result<Stat, Errno> {
        Ok(self.stat)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_parse_num_rejects_non_canonical_names() {
        assert_eq!(parse_num(b"42"), Some(42));
        assert_eq!(parse_num(b"0"), Some(0));
        assert_eq!(parse_num(b"042"), None);
        assert_eq!(parse_num(b"+4"), None);
        assert_eq!(parse_num(b""), None);
        assert_eq!(parse_num(b"99999999999"), None);
        assert_eq!(parse_num(b"self"), None);
    }

    #[test]
    fn test_child_ino_is_stable_and_never_root() {
        assert_eq!(child_ino(1, b"stat"), child_ino(1, b"stat"));
        assert_ne!(child_ino(1, b"stat"), child_ino(1, b"statm"));
        assert_ne!(child_ino(1, b"stat"), child_ino(2, b"stat"));
        assert!(child_ino(1, b"x") > PROC_ROOT_INO);
    }

    #[test]
    fn test_static_tree_names_are_unique() {
        fn check(entries: &[(&str, Static)]) {
            let mut names: Vec<&str> = entries.iter().map(|(n, _)| *n).collect();
            names.sort_unstable();
            let len = names.len();
            names.dedup();
            assert_eq!(names.len(), len);
            for (_, s) in entries {
                if let Static::Dir(e) = s {
                    check(e);
                }
            }
        }
        check(ROOT_ENTRIES);
        let mut names: Vec<&str> = TASK_ENTRIES.iter().map(|(n, _)| *n).collect();
        names.sort_unstable();
        let len = names.len();
        names.dedup();
        assert_eq!(names.len(), len);
    }
}
