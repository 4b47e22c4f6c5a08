//! Dentries (the name cache), mounts and paths.

use super::{Inode, InodeRef};
use crate::abi::Errno;
use crate::kernel::Task;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, RwLock};

/// A cached name -> inode binding in a tree of names.
pub struct Dentry {
    /// The inode.
    pub inode: InodeRef,
    /// Name in the parent and the parent (None for a filesystem root).
    link: Mutex<(Vec<u8>, Option<Arc<Dentry>>)>,
    /// Cached children: `None` values are negative entries.
    children: Mutex<HashMap<Vec<u8>, Option<Arc<Dentry>>>>,
    /// How many mounts sit on this dentry.
    mounts: AtomicU32,
    /// Unlinked (getcwd and /proc links show " (deleted)").
    deleted: AtomicBool,
}

impl std::fmt::Debug for Dentry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Dentry({})", String::from_utf8_lossy(&self.name()))
    }
}

impl Dentry {
    /// A filesystem's root dentry.
    pub fn new_root(inode: InodeRef) -> Arc<Dentry> {
        Arc::new(Dentry {
            inode,
            link: Mutex::new((b"/".to_vec(), None)),
            children: Mutex::default(),
            mounts: AtomicU32::new(0),
            deleted: AtomicBool::new(false),
        })
    }

    fn new_child(self: &Arc<Self>, name: &[u8], inode: InodeRef) -> Arc<Dentry> {
        Arc::new(Dentry {
            inode,
            link: Mutex::new((name.to_vec(), Some(self.clone()))),
            children: Mutex::default(),
            mounts: AtomicU32::new(0),
            deleted: AtomicBool::new(false),
        })
    }

    /// The name in the parent directory.
    pub fn name(&self) -> Vec<u8> {
        lock(&self.link).0.clone()
    }

    /// The parent (None for a filesystem root).
    pub fn parent(&self) -> Option<Arc<Dentry>> {
        lock(&self.link).1.clone()
    }

    /// Whether it was unlinked.
    pub fn is_deleted(&self) -> bool {
        self.deleted.load(Ordering::Relaxed)
    }

    /// Whether something is mounted on it.
    pub fn is_mountpoint(&self) -> bool {
        self.mounts.load(Ordering::Relaxed) > 0
    }

    /// The child `name`, from the cache or the filesystem.
    pub fn child(self: &Arc<Self>, t: &Task, name: &[u8]) -> Result<Arc<Dentry>, Errno> {
        if !self.inode.cacheable() {
            // Only mount points are kept (`pin`): a mount sits on one
            // dentry, so the walk must find that one again.
            if let Some(Some(d)) = lock(&self.children).get(name) {
                return Ok(d.clone());
            }
            let inode = self.inode.lookup(t, name)?;
            return Ok(self.new_child(name, inode));
        }
        let mut children = lock(&self.children);
        if let Some(c) = children.get(name) {
            return c.clone().ok_or(Errno::ENOENT);
        }
        match self.inode.lookup(t, name) {
            Ok(inode) => {
                let d = self.new_child(name, inode);
                children.insert(name.to_vec(), Some(d.clone()));
                Ok(d)
            }
            Err(Errno::ENOENT) => {
                children.insert(name.to_vec(), None);
                Err(Errno::ENOENT)
            }
            Err(e) => Err(e),
        }
    }

    /// Keeps `self` in its parent's children when the parent does not
    /// cache lookups (procfs), so that the next walk through the parent
    /// finds this dentry, and the mount on it, again.
    fn pin(self: &Arc<Self>) {
        if let Some(parent) = self.parent() {
            if !parent.inode.cacheable() {
                lock(&parent.children).insert(self.name(), Some(self.clone()));
            }
        }
    }

    /// Records a newly created child.
    pub fn insert_child(self: &Arc<Self>, name: &[u8], inode: InodeRef) -> Arc<Dentry> {
        let d = self.new_child(name, inode);
        if self.inode.cacheable() {
            lock(&self.children).insert(name.to_vec(), Some(d.clone()));
        }
        d
    }

    /// Forgets a removed child (it becomes a negative entry).
    pub fn remove_child(&self, name: &[u8]) {
        let mut children = lock(&self.children);
        if let Some(Some(d)) = children.insert(name.to_vec(), None) {
            d.deleted.store(true, Ordering::Relaxed);
        }
    }

    /// Forgets whatever is cached for `name`.
    pub fn invalidate(&self, name: &[u8]) {
        lock(&self.children).remove(name);
    }

    /// Moves the cached child `old` of `self` to `new` in `new_parent`
    /// (after the filesystem renamed it); `exchange` swaps the two.
    pub fn move_child(
        self: &Arc<Self>,
        old: &[u8],
        new_parent: &Arc<Dentry>,
        new: &[u8],
        exchange: bool,
    ) {
        let moved = lock(&self.children).remove(old).flatten();
        let other = lock(&new_parent.children).remove(new).flatten();
        if let Some(d) = &moved {
            *lock(&d.link) = (new.to_vec(), Some(new_parent.clone()));
            lock(&new_parent.children).insert(new.to_vec(), Some(d.clone()));
        }
        match other {
            Some(o) if exchange => {
                *lock(&o.link) = (old.to_vec(), Some(self.clone()));
                lock(&self.children).insert(old.to_vec(), Some(o));
            }
            Some(o) => {
                o.deleted.store(true, Ordering::Relaxed);
            }
            None => {}
        }
        if !exchange {
            lock(&self.children).insert(old.to_vec(), None);
        }
    }
}

/// Locks a mutex, recovering from poisoning (a panicking holder cannot
/// leave these maps inconsistent: each update is one insert or remove).
pub fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A mounted filesystem.
pub struct Mount {
    /// Mount id (/proc/self/mountinfo).
    pub id: u32,
    /// The filesystem's root.
    pub root: Arc<Dentry>,
    /// Where it is mounted: parent mount and dentry (None for the root).
    pub parent: Option<(Arc<Mount>, Arc<Dentry>)>,
    /// Filesystem type ("tmpfs", "proc", ...).
    pub fstype: String,
    /// Source ("none", a path).
    pub source: String,
    /// Options for /proc/mounts ("rw", "ro,nosuid", ...).
    pub options: String,
    /// Mounted read-only.
    pub read_only: bool,
    /// Per-mount flags other than read-only (ST_NOSUID, ST_NODEV,
    /// ST_NOEXEC, ...), from `options`.
    pub flags: i64,
    /// Device number its inodes report.
    pub dev: u64,
}

impl Mount {
    /// Mounted noexec: nothing on it may be executed (execve: EACCES;
    /// mmap with PROT_EXEC: EPERM).
    pub fn noexec(&self) -> bool {
        self.flags & crate::abi::file::ST_NOEXEC != 0
    }

    /// Mounted nosuid: execve ignores set-user-ID and set-group-ID bits
    /// of files on it.
    pub fn nosuid(&self) -> bool {
        self.flags & crate::abi::file::ST_NOSUID != 0
    }

    /// Mounted nodev: device files on it cannot be opened (EACCES).
    pub fn nodev(&self) -> bool {
        self.flags & crate::abi::file::ST_NODEV != 0
    }
}

impl std::fmt::Debug for Mount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Mount({}, {})", self.id, self.fstype)
    }
}

/// A point in the mount tree.
#[derive(Clone, Debug)]
pub struct VfsPath {
    /// The mount.
    pub mnt: Arc<Mount>,
    /// The dentry in it.
    pub dentry: Arc<Dentry>,
}

impl VfsPath {
    /// Same mount and dentry.
    pub fn same(&self, other: &VfsPath) -> bool {
        Arc::ptr_eq(&self.mnt, &other.mnt) && Arc::ptr_eq(&self.dentry, &other.dentry)
    }

    /// The inode.
    pub fn inode(&self) -> &InodeRef {
        &self.dentry.inode
    }

    /// The path's name as seen from `root` ("/a/b"); a path outside
    /// `root` is named from the top of its mount tree.
    pub fn name_from(&self, root: &VfsPath) -> Vec<u8> {
        let mut parts: Vec<Vec<u8>> = Vec::new();
        let mut cur = self.clone();
        loop {
            if cur.same(root) {
                break;
            }
            if Arc::ptr_eq(&cur.dentry, &cur.mnt.root) {
                match &cur.mnt.parent {
                    Some((m, d)) => {
                        cur = VfsPath {
                            mnt: m.clone(),
                            dentry: d.clone(),
                        };
                        continue;
                    }
                    None => break,
                }
            }
            match cur.dentry.parent() {
                Some(p) => {
                    parts.push(cur.dentry.name());
                    cur.dentry = p;
                }
                None => break,
            }
        }
        if parts.is_empty() {
            return b"/".to_vec();
        }
        let mut out = Vec::new();
        for p in parts.iter().rev() {
            out.push(b'/');
            out.extend_from_slice(p);
        }
        out
    }
}

/// All mounts of the sandbox.
#[derive(Default)]
pub struct MountTable {
    mounts: RwLock<Vec<Arc<Mount>>>,
    next_id: AtomicU32,
}

impl std::fmt::Debug for MountTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MountTable")
    }
}

/// What a new mount is.
#[derive(Clone, Debug)]
pub struct MountSpec {
    /// Filesystem type.
    pub fstype: String,
    /// Source.
    pub source: String,
    /// Options text.
    pub options: String,
    /// Read-only.
    pub read_only: bool,
}

impl MountTable {
    /// Mounts `root` at `at` (or as the root mount when `at` is None).
    pub fn mount(&self, root: InodeRef, at: Option<&VfsPath>, spec: MountSpec) -> Arc<Mount> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        if let Some(p) = at {
            p.dentry.mounts.fetch_add(1, Ordering::Relaxed);
            p.dentry.pin();
        }
        let m = Arc::new(Mount {
            id,
            root: Dentry::new_root(root),
            parent: at.map(|p| (p.mnt.clone(), p.dentry.clone())),
            fstype: spec.fstype,
            source: spec.source,
            flags: super::options::flags_of(&spec.options),
            options: spec.options,
            read_only: spec.read_only,
            dev: crate::abi::file::dev::makedev(0, 0x20 + id),
        });
        self.mounts
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .push(m.clone());
        m
    }

    /// The topmost mount on `p`, if any.
    pub fn mounted_on(&self, p: &VfsPath) -> Option<Arc<Mount>> {
        if !p.dentry.is_mountpoint() {
            return None;
        }
        let mounts = self.mounts.read().unwrap_or_else(|e| e.into_inner());
        mounts
            .iter()
            .rev()
            .find(|m| {
                m.parent
                    .as_ref()
                    .is_some_and(|(pm, pd)| Arc::ptr_eq(pm, &p.mnt) && Arc::ptr_eq(pd, &p.dentry))
            })
            .cloned()
    }

    /// All mounts in mount order.
    pub fn all(&self) -> Vec<Arc<Mount>> {
        self.mounts
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// Checks that `inode` is the kind of thing `Inode` downcasts expect.
pub fn downcast<T: Inode>(inode: &InodeRef) -> Option<&T> {
    inode.as_any().downcast_ref::<T>()
}
