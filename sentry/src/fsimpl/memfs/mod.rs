//! memfs: the sentry's in-memory filesystem. Alone it is tmpfs (/tmp,
//! /dev/shm, memfd, /dev, /sys); over a read-only lower layer (the gofer's
//! view of the container root) it is the overlay whose upper layer lives in
//! sentry memory (gVisor's `--overlay2 root:memory`).
//!
//! Overlay design: a directory node may have a lower directory. Lookups
//! that miss the node's own entries fall through to the lower directory
//! (unless a whiteout hides the name) and the lower node found is wrapped
//! into a memfs node that is kept, so every later lookup finds the same
//! node. A wrapped regular file reads from the lower file until something
//! writes to it, which copies its data up into the memory file; metadata
//! always lives in the node. Removing a name that the lower layer has
//! leaves a whiteout. Renamed directories keep their lower directory, so
//! their merged contents move with them. Nothing is ever written to the
//! lower layer.
//!
//! # Lock order
//! `MemFs::rename_lock`, then node state locks in address order; a node's
//! state lock is held while calling into the lower layer (a gofer round
//! trip) only for lookups and copy-up.

pub mod data;

use crate::abi::file::*;
use crate::abi::Errno;
use crate::kernel::Task;
use crate::mm::MemoryFile;
use crate::vfs::dentry::lock;
use crate::vfs::file::{MemPages, MmapSource};
use crate::vfs::{now, DirEntry, FileOps, Inode, InodeRef, NewNode, Owner, SetAttr, TimeSpec};
use data::MemData;
use std::any::Any;
use std::collections::{BTreeMap, BTreeSet};
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

/// A node of the read-only lower layer.
pub trait LowerNode: Send + Sync {
    /// Its attributes (as walked; the lower layer does not change).
    fn attr(&self) -> Stat;
    /// The child `name`.
    fn lookup(&self, name: &[u8]) -> Result<Arc<dyn LowerNode>, Errno>;
    /// Directory entries (no "." or "..").
    fn readdir(&self) -> Result<Vec<DirEntry>, Errno>;
    /// A host fd open for reading (shared: use positional reads only).
    fn open(&self) -> Result<Arc<OwnedFd>, Errno>;
    /// Symlink target.
    fn readlink(&self) -> Result<Vec<u8>, Errno>;
    /// Filesystem statistics.
    fn statfs(&self) -> Result<Statfs, Errno>;
    /// An extended attribute.
    fn getxattr(&self, _name: &[u8]) -> Result<Vec<u8>, Errno> {
        Err(Errno::ENODATA)
    }
    /// Extended attribute names.
    fn listxattr(&self) -> Result<Vec<Vec<u8>>, Errno> {
        Ok(Vec::new())
    }
}

/// Opens the character device with this number for a task.
pub type DeviceOpener = fn(&Task, u64) -> Result<Box<dyn FileOps>, Errno>;

/// One memfs instance.
pub struct MemFs {
    mf: Arc<MemoryFile>,
    next_ino: AtomicU64,
    rename_lock: Mutex<()>,
    /// statfs f_type.
    magic: i64,
    /// Opens device nodes.
    devices: DeviceOpener,
    /// The page budget of a size= option.
    quota: std::sync::OnceLock<Arc<data::Quota>>,
}

impl std::fmt::Debug for MemFs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MemFs")
    }
}

/// statfs's block size.
const STATFS_BLOCK_SIZE: i64 = 4096;
/// The blocks (and inodes) statfs reports without a size option: 4 GiB.
const DEFAULT_SIZE_BLOCKS: u64 = 1 << 20;

/// Inode numbers of nodes the sentry creates start here, above any ext4 or
/// xfs inode number a lower layer reports.
const FIRST_INO: u64 = 1 << 40;

impl MemFs {
    /// A new filesystem; `devices` opens its character device nodes.
    pub fn new(mf: Arc<MemoryFile>, magic: i64, devices: DeviceOpener) -> Arc<MemFs> {
        Arc::new(MemFs {
            mf,
            next_ino: AtomicU64::new(FIRST_INO),
            rename_lock: Mutex::new(()),
            magic,
            devices,
            quota: std::sync::OnceLock::new(),
        })
    }

    /// Limits the filesystem to `bytes` (tmpfs's size= option), rounded up
    /// to whole pages: a write that does not fit stops short, or fails
    /// with ENOSPC. Set once, before files are made.
    pub fn set_size(&self, bytes: u64) {
        let pages = bytes.div_ceil(crate::abi::PAGE_SIZE).max(1);
        let _ = self.quota.set(data::Quota::new(pages));
    }

    /// A new file's data, counted against the size limit if there is one.
    fn new_data(&self) -> MemData {
        MemData::new(self.mf.clone(), self.quota.get().cloned())
    }

    /// A new empty root directory with `mode` permissions.
    pub fn root(self: &Arc<Self>, mode: u32, lower: Option<Arc<dyn LowerNode>>) -> Arc<Node> {
        match lower {
            Some(l) => self.wrap_lower(l),
            None => self.new_node(
                S_IFDIR | (mode & S_IALLUGO),
                Owner::default(),
                Content::Dir(DirState::default()),
            ),
        }
    }

    fn new_node(self: &Arc<Self>, mode: u32, owner: Owner, content: Content) -> Arc<Node> {
        let t = now();
        let nlink = if matches!(content, Content::Dir(_)) {
            2
        } else {
            1
        };
        Arc::new_cyclic(|me| Node {
            fs: self.clone(),
            me: me.clone(),
            ino: self.next_ino.fetch_add(1, Ordering::Relaxed),
            ifmt: mode & S_IFMT,
            lower: None,
            st: Mutex::new(NodeState {
                meta: Meta {
                    mode,
                    uid: owner.uid,
                    gid: owner.gid,
                    nlink,
                    rdev: 0,
                    atime: t,
                    mtime: t,
                    ctime: t,
                    size_hint: 0,
                    blocks_hint: 0,
                    blksize: data::MAX_FILE_SIZE.min(4096) as i64,
                },
                content,
                xattrs: BTreeMap::new(),
            }),
        })
    }

    fn wrap_lower(self: &Arc<Self>, lower: Arc<dyn LowerNode>) -> Arc<Node> {
        let a = lower.attr();
        let content = match a.mode & S_IFMT {
            S_IFDIR => Content::Dir(DirState::default()),
            S_IFREG => Content::File(None),
            S_IFLNK => Content::Symlink(None),
            S_IFIFO => Content::Fifo(crate::fsimpl::pipe::Pipe::new()),
            _ => Content::Device,
        };
        Arc::new_cyclic(|me| Node {
            fs: self.clone(),
            me: me.clone(),
            ino: a.ino,
            ifmt: a.mode & S_IFMT,
            lower: Some(lower),
            st: Mutex::new(NodeState {
                meta: Meta {
                    mode: a.mode,
                    uid: a.uid,
                    gid: a.gid,
                    nlink: a.nlink,
                    rdev: a.rdev,
                    atime: (a.atime, a.atime_nsec),
                    mtime: (a.mtime, a.mtime_nsec),
                    ctime: (a.ctime, a.ctime_nsec),
                    size_hint: a.size.max(0) as u64,
                    blocks_hint: a.blocks,
                    blksize: a.blksize,
                },
                content,
                xattrs: BTreeMap::new(),
            }),
        })
    }

    /// A regular file that is in no directory (memfd_create, O_TMPFILE).
    pub fn anon_file(self: &Arc<Self>, mode: u32, owner: Owner) -> Arc<Node> {
        let n = self.new_node(
            S_IFREG | (mode & S_IALLUGO),
            owner,
            Content::File(Some(self.new_data())),
        );
        lock(&n.st).meta.nlink = 0;
        n
    }
}

#[derive(Clone, Copy, Debug)]
struct Meta {
    mode: u32,
    uid: u32,
    gid: u32,
    nlink: u64,
    rdev: u64,
    atime: (i64, i64),
    mtime: (i64, i64),
    ctime: (i64, i64),
    /// Size of a file whose data is still on the lower layer.
    size_hint: u64,
    /// Blocks the lower layer reports, until the data is copied up.
    blocks_hint: i64,
    blksize: i64,
}

#[derive(Default)]
struct DirState {
    entries: BTreeMap<Vec<u8>, Arc<Node>>,
    whiteouts: BTreeSet<Vec<u8>>,
    /// The lower directory's listing, once read.
    lower_list: Option<Vec<DirEntry>>,
}

enum Content {
    /// Data in memory, or None while still on the lower layer.
    File(Option<MemData>),
    Dir(DirState),
    /// Target, or None while still on the lower layer.
    Symlink(Option<Vec<u8>>),
    Fifo(Arc<crate::fsimpl::pipe::Pipe>),
    Device,
    Socket,
}

struct NodeState {
    meta: Meta,
    content: Content,
    xattrs: BTreeMap<Vec<u8>, Vec<u8>>,
}

/// A memfs inode.
pub struct Node {
    fs: Arc<MemFs>,
    me: Weak<Node>,
    ino: u64,
    /// The file type bits (S_IFMT), which never change.
    ifmt: u32,
    lower: Option<Arc<dyn LowerNode>>,
    st: Mutex<NodeState>,
}

impl std::fmt::Debug for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "memfs::Node({})", self.ino)
    }
}

fn type_of(mode: u32) -> u8 {
    dt_of_mode(mode)
}

impl Node {
    /// The filesystem the node belongs to.
    pub fn filesystem(&self) -> &Arc<MemFs> {
        &self.fs
    }

    fn arc(&self) -> Arc<Node> {
        self.me.upgrade().expect("a node is alive while borrowed")
    }

    /// Finds `name` in this directory (state locked by the caller).
    fn find(&self, st: &mut NodeState, name: &[u8]) -> Result<Arc<Node>, Errno> {
        let Content::Dir(d) = &mut st.content else {
            return Err(Errno::ENOTDIR);
        };
        if let Some(n) = d.entries.get(name) {
            return Ok(n.clone());
        }
        if d.whiteouts.contains(name) {
            return Err(Errno::ENOENT);
        }
        let Some(lower) = &self.lower else {
            return Err(Errno::ENOENT);
        };
        let l = lower.lookup(name)?;
        let n = self.fs.wrap_lower(l);
        d.entries.insert(name.to_vec(), n.clone());
        Ok(n)
    }

    /// The merged entries of a directory: the lower directory's entries
    /// in its order ("." and ".." included), each replaced by the node's
    /// own entry if it has one and dropped if whited out; then the entries
    /// only this layer has, by name.
    fn list(&self, st: &mut NodeState) -> Result<Vec<DirEntry>, Errno> {
        let Content::Dir(d) = &mut st.content else {
            return Err(Errno::ENOTDIR);
        };
        let mut out = Vec::new();
        let mut seen = BTreeSet::new();
        if let Some(lower) = &self.lower {
            if d.lower_list.is_none() {
                d.lower_list = Some(lower.readdir()?);
            }
            for e in d.lower_list.iter().flatten() {
                if e.name == b"." || e.name == b".." {
                    out.push(e.clone());
                    continue;
                }
                if d.whiteouts.contains(&e.name) {
                    continue;
                }
                match d.entries.get(&e.name) {
                    Some(n) => {
                        seen.insert(e.name.as_slice());
                        out.push(DirEntry {
                            name: e.name.clone(),
                            ino: n.ino,
                            typ: type_of(n.ifmt),
                        });
                    }
                    None => out.push(e.clone()),
                }
            }
        }
        for (name, n) in &d.entries {
            if seen.contains(name.as_slice()) {
                continue;
            }
            out.push(DirEntry {
                name: name.clone(),
                ino: n.ino,
                typ: type_of(n.ifmt),
            });
        }
        Ok(out)
    }

    /// Copies a lower-layer file's data into memory.
    fn copy_up(&self, st: &mut NodeState) -> Result<(), Errno> {
        if let Content::File(None) = st.content {
            let mut data = self.fs.new_data();
            if let Some(lower) = &self.lower {
                let fd = lower.open()?;
                let mut buf = vec![0u8; 1 << 20];
                let mut off = 0u64;
                loop {
                    let n = host_pread(&fd, &mut buf, off)?;
                    if n == 0 {
                        break;
                    }
                    data.write_bytes(off, &buf[..n])?;
                    off += n as u64;
                }
            }
            st.content = Content::File(Some(data));
        }
        Ok(())
    }

    fn touch_mc(st: &mut NodeState) {
        let t = now();
        st.meta.mtime = t;
        st.meta.ctime = t;
    }

    fn stat_locked(&self, st: &NodeState) -> Stat {
        let m = &st.meta;
        let (size, blocks) = match &st.content {
            Content::File(Some(d)) => (d.size as i64, d.blocks()),
            Content::File(None) => (m.size_hint as i64, m.blocks_hint),
            Content::Symlink(Some(t)) => (t.len() as i64, 0),
            Content::Symlink(_) if self.lower.is_some() => (m.size_hint as i64, m.blocks_hint),
            Content::Symlink(None) => (m.size_hint as i64, 0),
            Content::Dir(_) if self.lower.is_some() => (m.size_hint as i64, m.blocks_hint),
            Content::Dir(d) => (((d.entries.len() + 2) * 20) as i64, 0),
            _ => (0, 0),
        };
        Stat {
            dev: 0,
            ino: self.ino,
            nlink: m.nlink,
            mode: m.mode,
            uid: m.uid,
            gid: m.gid,
            pad0: 0,
            rdev: m.rdev,
            size,
            blksize: if m.blksize > 0 { m.blksize } else { 4096 },
            blocks,
            atime: m.atime.0,
            atime_nsec: m.atime.1,
            mtime: m.mtime.0,
            mtime_nsec: m.mtime.1,
            ctime: m.ctime.0,
            ctime_nsec: m.ctime.1,
            unused: [0; 3],
        }
    }

    /// Whether a directory is empty (merged view).
    fn is_empty_dir(&self) -> Result<bool, Errno> {
        let mut st = lock(&self.st);
        Ok(self
            .list(&mut st)?
            .iter()
            .all(|e| e.name == b"." || e.name == b".."))
    }

    fn is_dir_node(&self) -> bool {
        self.ifmt == S_IFDIR
    }

    /// Whether the lower layer of this directory has `name`.
    fn lower_has(&self, st: &mut NodeState, name: &[u8]) -> bool {
        let Some(lower) = &self.lower else {
            return false;
        };
        let Content::Dir(d) = &mut st.content else {
            return false;
        };
        if d.lower_list.is_none() {
            match lower.readdir() {
                Ok(l) => d.lower_list = Some(l),
                Err(_) => return true,
            }
        }
        d.lower_list
            .iter()
            .flatten()
            .any(|e| e.name.as_slice() == name)
    }

    /// Removes `name` from this directory's state, leaving a whiteout
    /// when the lower layer has it.
    fn detach(&self, st: &mut NodeState, name: &[u8]) -> Option<Arc<Node>> {
        let lower_has = self.lower_has(st, name);
        let Content::Dir(d) = &mut st.content else {
            return None;
        };
        let n = d.entries.remove(name);
        if lower_has {
            d.whiteouts.insert(name.to_vec());
        }
        n
    }

    fn attach(st: &mut NodeState, name: &[u8], n: Arc<Node>) {
        if let Content::Dir(d) = &mut st.content {
            d.entries.insert(name.to_vec(), n);
        }
    }
}

/// pread on a host fd, retrying EINTR.
fn host_pread(fd: &OwnedFd, buf: &mut [u8], off: u64) -> Result<usize, Errno> {
    loop {
        // SAFETY: buf is a valid writable buffer of its length.
        let r = unsafe {
            libc::pread(
                fd.as_raw_fd(),
                buf.as_mut_ptr().cast(),
                buf.len(),
                off as i64,
            )
        };
        if r >= 0 {
            return Ok(r as usize);
        }
        let e = Errno::last_host();
        if e != Errno::EINTR {
            return Err(e);
        }
    }
}

/// preadv on a host fd into host iovecs, retrying EINTR.
pub fn host_preadv(fd: &OwnedFd, iov: &[libc::iovec], off: u64) -> Result<usize, Errno> {
    let n = iov.len().min(libc::UIO_MAXIOV as usize) as i32;
    loop {
        // SAFETY: every iovec covers memory-file memory valid for the
        // sentry's lifetime (built by MemoryManager::io_vecs).
        let r = unsafe { libc::preadv(fd.as_raw_fd(), iov.as_ptr(), n, off as i64) };
        if r >= 0 {
            return Ok(r as usize);
        }
        let e = Errno::last_host();
        if e != Errno::EINTR {
            return Err(e);
        }
    }
}

fn apply_time(ts: TimeSpec) -> (i64, i64) {
    match ts {
        TimeSpec::Now => now(),
        TimeSpec::At(s, ns) => (s, ns),
    }
}

impl Inode for Node {
    fn stat(&self) -> Result<Stat, Errno> {
        Ok(self.stat_locked(&lock(&self.st)))
    }

    fn mode(&self) -> u32 {
        lock(&self.st).meta.mode
    }

    fn lookup(&self, _t: &Task, name: &[u8]) -> Result<InodeRef, Errno> {
        let mut st = lock(&self.st);
        Ok(self.find(&mut st, name)?)
    }

    fn readdir(&self, _t: &Task) -> Result<Vec<DirEntry>, Errno> {
        let mut st = lock(&self.st);
        self.list(&mut st)
    }

    fn create(
        &self,
        name: &[u8],
        kind: NewNode<'_>,
        mode: u32,
        owner: Owner,
    ) -> Result<InodeRef, Errno> {
        let mut st = lock(&self.st);
        match self.find(&mut st, name) {
            Ok(_) => return Err(Errno::EEXIST),
            Err(Errno::ENOENT) => {}
            Err(e) => return Err(e),
        }
        // A removed directory takes no new entries.
        if st.meta.nlink == 0 {
            return Err(Errno::ENOENT);
        }
        let perm = mode & S_IALLUGO;
        let (mode, content) = match kind {
            NewNode::Regular => (S_IFREG | perm, Content::File(Some(self.fs.new_data()))),
            NewNode::Dir => (S_IFDIR | perm, Content::Dir(DirState::default())),
            NewNode::Symlink(t) => (S_IFLNK | 0o777, Content::Symlink(Some(t.to_vec()))),
            NewNode::Fifo => (
                S_IFIFO | perm,
                Content::Fifo(crate::fsimpl::pipe::Pipe::new()),
            ),
            NewNode::CharDev(_) => (S_IFCHR | perm, Content::Device),
            NewNode::Socket => (S_IFSOCK | perm, Content::Socket),
        };
        // New files in a set-group-id directory take its group.
        let mut owner = owner;
        if st.meta.mode & S_ISGID != 0 {
            owner.gid = st.meta.gid;
        }
        let is_dir = kind == NewNode::Dir;
        let n = self.fs.new_node(mode, owner, content);
        if let NewNode::CharDev(rdev) = kind {
            lock(&n.st).meta.rdev = rdev;
        }
        if is_dir {
            st.meta.nlink += 1;
            if self.st_mode_sgid(&st) {
                lock(&n.st).meta.mode |= S_ISGID;
            }
        }
        if let Content::Dir(d) = &mut st.content {
            d.whiteouts.remove(name);
            d.entries.insert(name.to_vec(), n.clone());
        }
        Self::touch_mc(&mut st);
        Ok(n)
    }

    fn link(&self, name: &[u8], target: &InodeRef) -> Result<(), Errno> {
        let target = target
            .as_any()
            .downcast_ref::<Node>()
            .ok_or(Errno::EXDEV)?
            .arc();
        if target.is_dir_node() {
            return Err(Errno::EPERM);
        }
        let mut st = lock(&self.st);
        match self.find(&mut st, name) {
            Ok(_) => return Err(Errno::EEXIST),
            Err(Errno::ENOENT) => {}
            Err(e) => return Err(e),
        }
        {
            let mut ts = lock(&target.st);
            ts.meta.nlink += 1;
            ts.meta.ctime = now();
        }
        if let Content::Dir(d) = &mut st.content {
            d.whiteouts.remove(name);
            d.entries.insert(name.to_vec(), target);
        }
        Self::touch_mc(&mut st);
        Ok(())
    }

    fn unlink(&self, name: &[u8], dir: bool) -> Result<(), Errno> {
        let n = {
            let mut st = lock(&self.st);
            self.find(&mut st, name)?
        };
        let is_dir = n.is_dir_node();
        if dir && !is_dir {
            return Err(Errno::ENOTDIR);
        }
        if !dir && is_dir {
            return Err(Errno::EISDIR);
        }
        if is_dir && !n.is_empty_dir()? {
            return Err(Errno::ENOTEMPTY);
        }
        let mut st = lock(&self.st);
        self.detach(&mut st, name);
        if is_dir {
            st.meta.nlink = st.meta.nlink.saturating_sub(1);
            lock(&n.st).meta.nlink = 0;
        } else {
            let mut ns = lock(&n.st);
            ns.meta.nlink = ns.meta.nlink.saturating_sub(1);
            ns.meta.ctime = now();
        }
        Self::touch_mc(&mut st);
        Ok(())
    }

    fn rename(&self, old: &[u8], new_dir: &InodeRef, new: &[u8], flags: u32) -> Result<(), Errno> {
        let nd = new_dir
            .as_any()
            .downcast_ref::<Node>()
            .ok_or(Errno::EXDEV)?
            .arc();
        if !Arc::ptr_eq(&self.fs, &nd.fs) {
            return Err(Errno::EXDEV);
        }
        let _g = lock(&self.fs.rename_lock);
        let src = {
            let mut st = lock(&self.st);
            self.find(&mut st, old)?
        };
        let dst = {
            let mut st = lock(&nd.st);
            match nd.find(&mut st, new) {
                Ok(n) => Some(n),
                Err(Errno::ENOENT) => None,
                Err(e) => return Err(e),
            }
        };
        let exchange = flags & RENAME_EXCHANGE != 0;
        if exchange && dst.is_none() {
            return Err(Errno::ENOENT);
        }
        if flags & RENAME_NOREPLACE != 0 && dst.is_some() {
            return Err(Errno::EEXIST);
        }
        let src_dir = src.is_dir_node();
        if let Some(d) = &dst {
            if Arc::ptr_eq(d, &src) {
                return Ok(());
            }
            let dst_dir = d.is_dir_node();
            if !exchange {
                if src_dir && !dst_dir {
                    return Err(Errno::ENOTDIR);
                }
                if !src_dir && dst_dir {
                    return Err(Errno::EISDIR);
                }
                if dst_dir && !d.is_empty_dir()? {
                    return Err(Errno::ENOTEMPTY);
                }
            }
        }
        let same = std::ptr::eq(self, Arc::as_ptr(&nd));
        let t = now();
        if same {
            let mut st = lock(&self.st);
            let s = self.detach(&mut st, old);
            let d = self.detach(&mut st, new);
            if let Some(s) = s.or(Some(src.clone())) {
                Self::attach(&mut st, new, s);
            }
            if exchange {
                if let Some(d) = d.or(dst.clone()) {
                    Self::attach(&mut st, old, d);
                }
            } else if let Some(d) = &dst {
                drop_link(d, &mut st);
            }
            st.meta.mtime = t;
            st.meta.ctime = t;
        } else {
            let (mut a, mut b);
            if (self as *const Node) < Arc::as_ptr(&nd) {
                a = lock(&self.st);
                b = lock(&nd.st);
            } else {
                b = lock(&nd.st);
                a = lock(&self.st);
            }
            self.detach(&mut a, old);
            nd.detach(&mut b, new);
            Self::attach(&mut b, new, src.clone());
            if src_dir {
                a.meta.nlink = a.meta.nlink.saturating_sub(1);
                b.meta.nlink += 1;
            }
            if exchange {
                if let Some(d) = &dst {
                    Self::attach(&mut a, old, d.clone());
                    if d.is_dir_node() {
                        a.meta.nlink += 1;
                        b.meta.nlink = b.meta.nlink.saturating_sub(1);
                    }
                }
            } else if let Some(d) = &dst {
                drop_link(d, &mut b);
            }
            for s in [&mut a, &mut b] {
                s.meta.mtime = t;
                s.meta.ctime = t;
            }
        }
        lock(&src.st).meta.ctime = t;
        Ok(())
    }

    fn readlink(&self, _t: &Task) -> Result<Vec<u8>, Errno> {
        let mut st = lock(&self.st);
        match &st.content {
            Content::Symlink(Some(t)) => Ok(t.clone()),
            Content::Symlink(None) => {
                let t = self.lower.as_ref().ok_or(Errno::EIO)?.readlink()?;
                st.content = Content::Symlink(Some(t.clone()));
                Ok(t)
            }
            _ => Err(Errno::EINVAL),
        }
    }

    fn open(&self, t: &Task, flags: u32) -> Result<Box<dyn FileOps>, Errno> {
        let mut st = lock(&self.st);
        let write = flags & O_ACCMODE != O_RDONLY || flags & O_TRUNC != 0;
        match &st.content {
            Content::File(_) => {
                if write {
                    self.copy_up(&mut st)?;
                }
                let lower_fd = match (&st.content, &self.lower) {
                    (Content::File(None), Some(l)) => Some(l.open()?),
                    _ => None,
                };
                Ok(Box::new(MemFile {
                    node: self.arc(),
                    lower_fd,
                }))
            }
            Content::Device => {
                let rdev = st.meta.rdev;
                drop(st);
                (self.fs.devices)(t, rdev)
            }
            Content::Fifo(p) => {
                let p = p.clone();
                drop(st);
                crate::fsimpl::pipe::open_fifo(t, &p, flags)
            }
            Content::Socket => Err(Errno::ENXIO),
            Content::Dir(_) => Err(Errno::EISDIR),
            Content::Symlink(_) => Err(Errno::ELOOP),
        }
    }

    fn setattr(&self, attr: &SetAttr) -> Result<(), Errno> {
        let mut st = lock(&self.st);
        if let Some(size) = attr.size {
            match &st.content {
                Content::File(_) => {
                    self.copy_up(&mut st)?;
                    if let Content::File(Some(d)) = &mut st.content {
                        d.truncate(size)?;
                    }
                    Self::touch_mc(&mut st);
                }
                Content::Dir(_) => return Err(Errno::EISDIR),
                _ => return Err(Errno::EINVAL),
            }
        }
        if let Some(m) = attr.mode {
            st.meta.mode = (st.meta.mode & S_IFMT) | (m & S_IALLUGO);
        }
        if let Some(u) = attr.uid {
            st.meta.uid = u;
        }
        if let Some(g) = attr.gid {
            st.meta.gid = g;
        }
        if let Some(a) = attr.atime {
            st.meta.atime = apply_time(a);
        }
        if let Some(m) = attr.mtime {
            st.meta.mtime = apply_time(m);
        }
        st.meta.ctime = now();
        Ok(())
    }

    fn statfs(&self) -> Result<Statfs, Errno> {
        if let Some(l) = &self.lower {
            if let Ok(mut s) = l.statfs() {
                s.typ = crate::abi::file::magic::OVERLAYFS_SUPER_MAGIC;
                s.flags = 0;
                return Ok(s);
            }
        }
        // Pages and statfs blocks are the same size.
        let (blocks, free) = match self.fs.quota.get() {
            Some(q) => (q.limit(), q.limit().saturating_sub(q.used())),
            None => (DEFAULT_SIZE_BLOCKS, DEFAULT_SIZE_BLOCKS),
        };
        Ok(Statfs {
            typ: self.fs.magic,
            bsize: STATFS_BLOCK_SIZE,
            blocks,
            bfree: free,
            bavail: free,
            files: DEFAULT_SIZE_BLOCKS,
            ffree: DEFAULT_SIZE_BLOCKS,
            fsid: [0, 0],
            namelen: NAME_MAX as i64,
            frsize: STATFS_BLOCK_SIZE,
            flags: 0,
            spare: [0; 4],
        })
    }

    fn getxattr(&self, name: &[u8]) -> Result<Vec<u8>, Errno> {
        let st = lock(&self.st);
        if let Some(v) = st.xattrs.get(name) {
            return Ok(v.clone());
        }
        match &self.lower {
            Some(l) => l.getxattr(name),
            None => Err(Errno::ENODATA),
        }
    }

    fn setxattr(&self, name: &[u8], value: &[u8], flags: i32) -> Result<(), Errno> {
        let mut st = lock(&self.st);
        if !name.starts_with(b"user.") && !name.starts_with(b"trusted.") {
            return Err(Errno::EOPNOTSUPP);
        }
        let exists = st.xattrs.contains_key(name);
        if flags & XATTR_CREATE != 0 && exists {
            return Err(Errno::EEXIST);
        }
        if flags & XATTR_REPLACE != 0 && !exists {
            return Err(Errno::ENODATA);
        }
        st.xattrs.insert(name.to_vec(), value.to_vec());
        st.meta.ctime = now();
        Ok(())
    }

    fn listxattr(&self) -> Result<Vec<Vec<u8>>, Errno> {
        let st = lock(&self.st);
        let mut names: Vec<Vec<u8>> = st.xattrs.keys().cloned().collect();
        if let Some(l) = &self.lower {
            for n in l.listxattr().unwrap_or_default() {
                if !names.contains(&n) {
                    names.push(n);
                }
            }
        }
        Ok(names)
    }

    fn removexattr(&self, name: &[u8]) -> Result<(), Errno> {
        let mut st = lock(&self.st);
        st.xattrs.remove(name).map(|_| ()).ok_or(Errno::ENODATA)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl Node {
    fn st_mode_sgid(&self, st: &NodeState) -> bool {
        st.meta.mode & S_ISGID != 0
    }
}

/// A replaced rename target loses its link.
fn drop_link(d: &Arc<Node>, parent: &mut NodeState) {
    let mut ds = lock(&d.st);
    if matches!(ds.content, Content::Dir(_)) {
        ds.meta.nlink = 0;
        parent.meta.nlink = parent.meta.nlink.saturating_sub(1);
    } else {
        ds.meta.nlink = ds.meta.nlink.saturating_sub(1);
    }
}

/// An open regular file of memfs.
pub struct MemFile {
    node: Arc<Node>,
    /// The lower layer's file, while the data has not been copied up.
    lower_fd: Option<Arc<OwnedFd>>,
}

impl MemFile {
    /// The node.
    pub fn node(&self) -> &Arc<Node> {
        &self.node
    }
}

impl FileOps for MemFile {
    fn epollable(&self) -> bool {
        false
    }
    fn read(&self, _t: &Task, iov: &[libc::iovec], off: Option<u64>) -> Result<usize, Errno> {
        let off = off.unwrap_or(0);
        let mut st = lock(&self.node.st);
        match &mut st.content {
            Content::File(Some(d)) => Ok(d.read(off, iov)),
            Content::File(None) => {
                drop(st);
                match &self.lower_fd {
                    Some(fd) => host_preadv(fd, iov, off),
                    None => Ok(0),
                }
            }
            _ => Err(Errno::EINVAL),
        }
    }

    fn write(&self, t: &Task, iov: &[libc::iovec], off: Option<u64>) -> Result<usize, Errno> {
        let off = off.unwrap_or(0);
        let mut st = lock(&self.node.st);
        self.node.copy_up(&mut st)?;
        let n = match &mut st.content {
            Content::File(Some(d)) => d.write(off, iov)?,
            _ => return Err(Errno::EINVAL),
        };
        Node::touch_mc(&mut st);
        st.meta.mode &= !crate::vfs::perm::write_clears(&t.creds, st.meta.mode, st.meta.gid);
        Ok(n)
    }

    fn stat(&self) -> Result<Stat, Errno> {
        self.node.stat()
    }

    fn truncate(&self, size: u64) -> Result<(), Errno> {
        self.node.setattr(&SetAttr {
            size: Some(size),
            ..SetAttr::default()
        })
    }

    fn allocate(&self, off: u64, len: u64, keep_size: bool) -> Result<(), Errno> {
        let end = off.checked_add(len).ok_or(Errno::EFBIG)?;
        let mut st = lock(&self.node.st);
        self.node.copy_up(&mut st)?;
        let Content::File(Some(d)) = &mut st.content else {
            return Err(Errno::EINVAL);
        };
        d.reserve(off, len)?;
        if !keep_size && end > d.size {
            d.truncate(end)?;
            Node::touch_mc(&mut st);
        }
        Ok(())
    }

    fn readable(&self) -> Option<u64> {
        None
    }

    fn mmap_source(&self) -> Option<MmapSource> {
        let st = lock(&self.node.st);
        match &st.content {
            Content::File(Some(_)) => Some(MmapSource::Mem(Arc::new(NodePages(self.node.clone())))),
            _ => Some(MmapSource::Copy),
        }
    }
}

/// A memfs file's pages for shared mappings.
struct NodePages(Arc<Node>);

impl MemPages for NodePages {
    fn pages(&self, off: u64, len: u64) -> Result<Vec<(u64, u64)>, Errno> {
        let mut st = lock(&self.0.st);
        self.0.copy_up(&mut st)?;
        match &mut st.content {
            Content::File(Some(d)) => d.pages(off, len),
            _ => Err(Errno::ENODEV),
        }
    }

    fn size(&self) -> u64 {
        self.0.stat().map_or(0, |s| s.size.max(0) as u64)
    }
}

impl Node {
    /// A regular file's pages, for mapping them (as an open file's
    /// `mmap_source` gives them).
    pub fn pages(self: &Arc<Self>) -> Arc<dyn MemPages> {
        Arc::new(NodePages(self.clone()))
    }

    /// Replaces a regular file's contents (building /sys and similar).
    pub fn write_all(&self, bytes: &[u8]) {
        let mut st = lock(&self.st);
        if let Content::File(Some(d)) = &mut st.content {
            let _ = d.truncate(0);
            let _ = d.write_bytes(0, bytes);
        }
    }
}

/// A memfd: a file with a fixed name for /proc/PID/fd ("memfd:NAME")
/// and seals.
pub struct NamedFile {
    inner: Box<dyn FileOps>,
    name: Vec<u8>,
    seals: Mutex<u32>,
}

impl NamedFile {
    /// Wraps `inner`, shown as `name`; without `allow_sealing` the file
    /// starts sealed against sealing.
    pub fn new(inner: Box<dyn FileOps>, name: Vec<u8>, allow_sealing: bool) -> Self {
        use crate::abi::file::fcntl::F_SEAL_SEAL;
        NamedFile {
            inner,
            name,
            seals: Mutex::new(if allow_sealing { 0 } else { F_SEAL_SEAL }),
        }
    }
}

impl FileOps for NamedFile {
    fn epollable(&self) -> bool {
        false
    }
    fn read(&self, t: &Task, iov: &[libc::iovec], off: Option<u64>) -> Result<usize, Errno> {
        self.inner.read(t, iov, off)
    }
    fn write(&self, t: &Task, iov: &[libc::iovec], off: Option<u64>) -> Result<usize, Errno> {
        use crate::abi::file::fcntl::{F_SEAL_FUTURE_WRITE, F_SEAL_GROW, F_SEAL_WRITE};
        let seals = *lock(&self.seals);
        if seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE) != 0 {
            return Err(Errno::EPERM);
        }
        if seals & F_SEAL_GROW != 0 {
            let len: u64 = iov.iter().map(|v| v.iov_len as u64).sum();
            if off.unwrap_or(0).saturating_add(len) > self.inner.size()? {
                return Err(Errno::EPERM);
            }
        }
        self.inner.write(t, iov, off)
    }
    fn stat(&self) -> Result<Stat, Errno> {
        self.inner.stat()
    }
    fn truncate(&self, size: u64) -> Result<(), Errno> {
        use crate::abi::file::fcntl::{F_SEAL_GROW, F_SEAL_SHRINK};
        let seals = *lock(&self.seals);
        let cur = self.inner.size()?;
        if size < cur && seals & F_SEAL_SHRINK != 0 || size > cur && seals & F_SEAL_GROW != 0 {
            return Err(Errno::EPERM);
        }
        self.inner.truncate(size)
    }
    fn seals(&self) -> Result<u32, Errno> {
        Ok(*lock(&self.seals))
    }
    fn add_seals(&self, new: u32) -> Result<(), Errno> {
        use crate::abi::file::fcntl::*;
        let all = F_SEAL_SEAL
            | F_SEAL_SHRINK
            | F_SEAL_GROW
            | F_SEAL_WRITE
            | F_SEAL_FUTURE_WRITE
            | F_SEAL_EXEC;
        if new & !all != 0 {
            return Err(Errno::EINVAL);
        }
        let mut s = lock(&self.seals);
        if *s & F_SEAL_SEAL != 0 {
            return Err(Errno::EPERM);
        }
        *s |= new;
        Ok(())
    }
    fn mmap_source(&self) -> Option<MmapSource> {
        self.inner.mmap_source()
    }
    fn anon_name(&self) -> Option<String> {
        Some(format!(
            "/{} (deleted)",
            String::from_utf8_lossy(&self.name)
        ))
    }
}
