//! The gofer's tree as a writable filesystem (write-through mode,
//! `--overlay2 none`): every change goes to the host through the gofer,
//! and reads and writes go straight to donated fds.

use super::{errno, stat_of, GoferNode};
use crate::abi::file::*;
use crate::abi::Errno;
use crate::fsimpl::memfs::host_preadv;
use crate::kernel::Task;
use crate::vfs::dentry::lock;
use crate::vfs::{
    DirEntry, FileOps, Inode, InodeRef, MmapSource, NewNode, Owner, SetAttr, TimeSpec,
};
use gofer::{Attr, Client, NodeId};
use std::any::Any;
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::{Arc, Mutex};

/// A node of the write-through tree.
pub struct RwNode {
    client: Arc<Client>,
    id: NodeId,
    attr: Mutex<Attr>,
}

impl std::fmt::Debug for RwNode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RwNode({})", self.id)
    }
}

impl Drop for RwNode {
    fn drop(&mut self) {
        let _ = self.client.close(&[self.id]);
    }
}

impl RwNode {
    /// The served root.
    pub fn attach(client: Arc<Client>) -> Result<Arc<RwNode>, Errno> {
        let (id, attr) = client.attach().map_err(errno)?;
        Ok(Arc::new(RwNode {
            client,
            id,
            attr: Mutex::new(attr),
        }))
    }

    /// The root of the gofer's extra tree `index` (an OCI bind mount: a
    /// directory or a single file), written through like the root.
    pub fn attach_mount(client: Arc<Client>, index: u32) -> Result<Arc<RwNode>, Errno> {
        let (id, attr) = client.attach_mount(index).map_err(errno)?;
        Ok(Arc::new(RwNode {
            client,
            id,
            attr: Mutex::new(attr),
        }))
    }

    fn child(&self, id: NodeId, attr: Attr) -> Arc<RwNode> {
        Arc::new(RwNode {
            client: self.client.clone(),
            id,
            attr: Mutex::new(attr),
        })
    }

    fn refresh(&self) -> Result<Attr, Errno> {
        let a = self.client.stat(self.id).map_err(errno)?;
        *lock(&self.attr) = a;
        Ok(a)
    }
}

fn downcast(i: &InodeRef) -> Result<&RwNode, Errno> {
    i.as_any().downcast_ref::<RwNode>().ok_or(Errno::EXDEV)
}

fn time_mask(ts: Option<TimeSpec>, set: u32, now: u32) -> (u32, (i64, i64)) {
    match ts {
        None => (0, (0, 0)),
        Some(TimeSpec::Now) => (now, (0, 0)),
        Some(TimeSpec::At(s, n)) => (set, (s, n)),
    }
}

impl Inode for RwNode {
    fn stat(&self) -> Result<Stat, Errno> {
        // Regular files change size through donated fds: ask the host.
        let a = *lock(&self.attr);
        if a.mode & S_IFMT == S_IFREG {
            return Ok(stat_of(&self.refresh()?));
        }
        Ok(stat_of(&a))
    }

    fn mode(&self) -> u32 {
        lock(&self.attr).mode
    }

    fn lookup(&self, _t: &Task, name: &[u8]) -> Result<InodeRef, Errno> {
        let (id, attr) = self.client.walk(self.id, name).map_err(errno)?;
        Ok(self.child(id, attr))
    }

    fn readdir(&self, _t: &Task) -> Result<Vec<DirEntry>, Errno> {
        GoferNode::list(&self.client, self.id)
    }

    fn create(
        &self,
        name: &[u8],
        kind: NewNode<'_>,
        mode: u32,
        owner: Owner,
    ) -> Result<InodeRef, Errno> {
        let c = &self.client;
        let (id, attr) = match kind {
            NewNode::Regular => c
                .create(self.id, name, libc::O_RDWR, mode, owner.uid, owner.gid)
                .map(|(id, attr, _fd)| (id, attr)),
            NewNode::Dir => c.mkdir(self.id, name, mode, owner.uid, owner.gid),
            NewNode::Symlink(target) => c.symlink(self.id, name, target, owner.uid, owner.gid),
            NewNode::Fifo => c.mknod(self.id, name, S_IFIFO | mode, 0, owner.uid, owner.gid),
            NewNode::CharDev(_) | NewNode::Socket => return Err(Errno::EPERM),
        }
        .map_err(errno)?;
        self.refresh()?;
        Ok(self.child(id, attr))
    }

    fn link(&self, name: &[u8], target: &InodeRef) -> Result<(), Errno> {
        let t = downcast(target)?;
        let (id, _) = self.client.link(self.id, name, t.id).map_err(errno)?;
        let _ = self.client.close(&[id]);
        t.refresh()?;
        Ok(())
    }

    fn unlink(&self, name: &[u8], dir: bool) -> Result<(), Errno> {
        let flags = if dir { libc::AT_REMOVEDIR } else { 0 };
        self.client.unlink(self.id, name, flags).map_err(errno)?;
        self.refresh()?;
        Ok(())
    }

    fn rename(&self, old: &[u8], new_dir: &InodeRef, new: &[u8], flags: u32) -> Result<(), Errno> {
        let nd = downcast(new_dir)?;
        self.client
            .rename(self.id, old, nd.id, new, flags)
            .map_err(errno)?;
        self.refresh()?;
        nd.refresh()?;
        Ok(())
    }

    fn readlink(&self, _t: &Task) -> Result<Vec<u8>, Errno> {
        self.client.readlink(self.id).map_err(errno)
    }

    fn open(&self, _t: &Task, flags: u32) -> Result<Box<dyn FileOps>, Errno> {
        let mode = lock(&self.attr).mode;
        if mode & S_IFMT != S_IFREG {
            // Devices, fifos and sockets of the host are not opened through
            // the gofer.
            return Err(Errno::ENXIO);
        }
        let keep = (O_ACCMODE | O_APPEND | O_TRUNC) & flags;
        let fd = self.client.open(self.id, keep as i32).map_err(errno)?;
        Ok(Box::new(HostBacked {
            fd,
            client: self.client.clone(),
        }))
    }

    fn setattr(&self, attr: &SetAttr) -> Result<(), Errno> {
        let mut a = gofer::SetAttr::default();
        if let Some(m) = attr.mode {
            a.mask |= gofer::SETATTR_MODE;
            a.mode = m;
        }
        if let Some(u) = attr.uid {
            a.mask |= gofer::SETATTR_UID;
            a.uid = u;
        }
        if let Some(g) = attr.gid {
            a.mask |= gofer::SETATTR_GID;
            a.gid = g;
        }
        if let Some(s) = attr.size {
            a.mask |= gofer::SETATTR_SIZE;
            a.size = s;
        }
        let (m, t) = time_mask(attr.atime, gofer::SETATTR_ATIME, gofer::SETATTR_ATIME_NOW);
        a.mask |= m;
        a.atime = t;
        let (m, t) = time_mask(attr.mtime, gofer::SETATTR_MTIME, gofer::SETATTR_MTIME_NOW);
        a.mask |= m;
        a.mtime = t;
        self.client.setattr(self.id, &a).map_err(errno)?;
        self.refresh()?;
        Ok(())
    }

    fn statfs(&self) -> Result<Statfs, Errno> {
        GoferNode::statfs_of(&self.client, self.id)
    }

    fn getxattr(&self, name: &[u8]) -> Result<Vec<u8>, Errno> {
        self.client
            .getxattr(self.id, name, XATTR_SIZE_MAX)
            .map_err(errno)
    }

    fn setxattr(&self, name: &[u8], value: &[u8], flags: i32) -> Result<(), Errno> {
        self.client
            .setxattr(self.id, name, value, flags)
            .map_err(errno)
    }

    fn listxattr(&self) -> Result<Vec<Vec<u8>>, Errno> {
        let raw = self
            .client
            .listxattr(self.id, XATTR_LIST_MAX)
            .map_err(errno)?;
        Ok(raw
            .split(|&b| b == 0)
            .filter(|n| !n.is_empty())
            .map(|n| n.to_vec())
            .collect())
    }

    fn removexattr(&self, name: &[u8]) -> Result<(), Errno> {
        self.client.removexattr(self.id, name).map_err(errno)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// An open host file donated by the gofer.
struct HostBacked {
    fd: OwnedFd,
    /// For the id mapping of its owner.
    client: Arc<Client>,
}

fn host_result(r: isize) -> Result<usize, Errno> {
    if r < 0 {
        Err(Errno::last_host())
    } else {
        Ok(r as usize)
    }
}

impl FileOps for HostBacked {
    fn epollable(&self) -> bool {
        false
    }
    fn read(&self, _t: &Task, iov: &[libc::iovec], off: Option<u64>) -> Result<usize, Errno> {
        host_preadv(&self.fd, iov, off.unwrap_or(0))
    }

    fn write(&self, _t: &Task, iov: &[libc::iovec], off: Option<u64>) -> Result<usize, Errno> {
        let n = iov.len().min(libc::UIO_MAXIOV as usize) as i32;
        loop {
            // SAFETY: the iovecs cover memory-file (or sentry) memory valid
            // for the call; the kernel only reads them.
            let r = unsafe {
                libc::pwritev(
                    self.fd.as_raw_fd(),
                    iov.as_ptr(),
                    n,
                    off.unwrap_or(0) as i64,
                )
            };
            match host_result(r) {
                Err(Errno::EINTR) => continue,
                other => return other,
            }
        }
    }

    fn stat(&self) -> Result<Stat, Errno> {
        // SAFETY: libc::stat is plain data; all-zero is valid.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        // SAFETY: st is a valid out pointer for fstat on our fd.
        if unsafe { libc::fstat(self.fd.as_raw_fd(), &mut st) } != 0 {
            return Err(Errno::last_host());
        }
        let mut st = crate::fsimpl::host::stat_from_host(&st);
        let ids = self.client.ids();
        st.uid = ids.uid_to_guest(st.uid);
        st.gid = ids.gid_to_guest(st.gid);
        Ok(st)
    }

    fn truncate(&self, size: u64) -> Result<(), Errno> {
        // SAFETY: ftruncate on our fd.
        if unsafe { libc::ftruncate(self.fd.as_raw_fd(), size as i64) } != 0 {
            return Err(Errno::last_host());
        }
        Ok(())
    }

    fn mmap_source(&self) -> Option<MmapSource> {
        Some(MmapSource::Copy)
    }
}
