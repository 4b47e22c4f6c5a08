//! The gofer client side: the container root served by `runsc gofer`, as
//! the read-only lower layer of the root overlay. Walks cost one round trip
//! per new name (the overlay above keeps what it found); opens come back
//! as donated host fds, so reads go straight to the host file.

pub mod rw;

use crate::abi::file::{Stat, Statfs};
use crate::abi::Errno;
use crate::fsimpl::memfs::LowerNode;
use crate::vfs::DirEntry;
use gofer::{Attr, Client, NodeId};
use std::os::fd::OwnedFd;
use std::sync::{Arc, OnceLock};

/// A node the gofer walked to.
pub struct GoferNode {
    client: Arc<Client>,
    id: NodeId,
    attr: Attr,
    /// The host file opened for reading, shared by every open of the node
    /// (reads are positional, so one fd serves them all).
    fd: OnceLock<Arc<OwnedFd>>,
}

impl std::fmt::Debug for GoferNode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GoferNode({})", self.id)
    }
}

pub(crate) fn errno(e: i32) -> Errno {
    Errno(e)
}

pub(crate) fn stat_of(a: &Attr) -> Stat {
    Stat {
        dev: a.dev,
        ino: a.ino,
        nlink: a.nlink,
        mode: a.mode,
        uid: a.uid,
        gid: a.gid,
        pad0: 0,
        rdev: a.rdev,
        size: a.size,
        blksize: a.blksize,
        blocks: a.blocks,
        atime: a.atime,
        atime_nsec: a.atime_nsec,
        mtime: a.mtime,
        mtime_nsec: a.mtime_nsec,
        ctime: a.ctime,
        ctime_nsec: a.ctime_nsec,
        unused: [0; 3],
    }
}

impl GoferNode {
    /// The served root.
    pub fn attach(client: Arc<Client>) -> Result<Arc<GoferNode>, Errno> {
        let (id, attr) = client.attach().map_err(errno)?;
        Ok(Arc::new(GoferNode {
            client,
            id,
            attr,
            fd: OnceLock::new(),
        }))
    }
}

impl GoferNode {
    /// All entries of directory `id`, page by page.
    pub(crate) fn list(client: &Client, id: NodeId) -> Result<Vec<DirEntry>, Errno> {
        let mut out = Vec::new();
        let mut cookie = 0;
        loop {
            let batch = client.getdents(id, cookie).map_err(errno)?;
            let Some(last) = batch.last() else {
                break;
            };
            cookie = last.off;
            out.extend(batch.into_iter().map(|d| DirEntry {
                name: d.name,
                ino: d.ino,
                typ: d.typ,
            }));
        }
        Ok(out)
    }

    /// statfs of the file system holding `id`.
    pub(crate) fn statfs_of(client: &Client, id: NodeId) -> Result<Statfs, Errno> {
        let s = client.statfs(id).map_err(errno)?;
        Ok(Statfs {
            typ: s.typ,
            bsize: s.bsize,
            blocks: s.blocks,
            bfree: s.bfree,
            bavail: s.bavail,
            files: s.files,
            ffree: s.ffree,
            fsid: [0, 0],
            namelen: s.namelen,
            frsize: s.frsize,
            flags: s.flags,
            spare: [0; 4],
        })
    }
}

impl Drop for GoferNode {
    fn drop(&mut self) {
        let _ = self.client.close(&[self.id]);
    }
}

impl LowerNode for GoferNode {
    fn attr(&self) -> Stat {
        stat_of(&self.attr)
    }

    fn lookup(&self, name: &[u8]) -> Result<Arc<dyn LowerNode>, Errno> {
        let (id, attr) = self.client.walk(self.id, name).map_err(errno)?;
        Ok(Arc::new(GoferNode {
            client: self.client.clone(),
            id,
            attr,
            fd: OnceLock::new(),
        }))
    }

    fn readdir(&self) -> Result<Vec<DirEntry>, Errno> {
        GoferNode::list(&self.client, self.id)
    }

    fn open(&self) -> Result<Arc<OwnedFd>, Errno> {
        if let Some(fd) = self.fd.get() {
            return Ok(fd.clone());
        }
        let fd = Arc::new(self.client.open(self.id, libc::O_RDONLY).map_err(errno)?);
        Ok(self.fd.get_or_init(|| fd).clone())
    }

    fn readlink(&self) -> Result<Vec<u8>, Errno> {
        self.client.readlink(self.id).map_err(errno)
    }

    fn statfs(&self) -> Result<Statfs, Errno> {
        GoferNode::statfs_of(&self.client, self.id)
    }

    fn getxattr(&self, name: &[u8]) -> Result<Vec<u8>, Errno> {
        self.client
            .getxattr(self.id, name, crate::abi::file::XATTR_SIZE_MAX)
            .map_err(errno)
    }

    fn listxattr(&self) -> Result<Vec<Vec<u8>>, Errno> {
        let raw = self
            .client
            .listxattr(self.id, crate::abi::file::XATTR_LIST_MAX)
            .map_err(errno)?;
        Ok(raw
            .split(|&b| b == 0)
            .filter(|n| !n.is_empty())
            .map(|n| n.to_vec())
            .collect())
    }
}
