//! /proc/PID/fd and fdinfo: the names of open files, reopening them
//! through their links, and their positions and flags.

use crate::abi::file::{Stat, O_CLOEXEC, S_IFIFO, S_IFMT, S_IFSOCK};
use crate::abi::Errno;
use crate::kernel::Task;
use crate::vfs::dentry::{lock, Dentry};
use crate::vfs::{FileDescription, FileOps, Inode, SetAttr, VfsPath};
use std::any::Any;
use std::sync::Arc;

/// What readlink of fd/N shows for a path-less file that names nothing
/// better (a donated host stream).
const ANON_FALLBACK: &str = "pipe:[0]";
/// Suffix Linux appends to the name of an unlinked file.
const DELETED_SUFFIX: &[u8] = b" (deleted)";

/// The name of `p` as seen from `root`, marked if it was unlinked.
pub(super) fn path_name(p: &VfsPath, root: &VfsPath) -> Vec<u8> {
    let mut name = p.name_from(root);
    if p.dentry.is_deleted() {
        name.extend_from_slice(DELETED_SUFFIX);
    }
    name
}

/// What readlink of /proc/PID/fd/N shows for `file`.
pub(super) fn file_name(file: &FileDescription, root: &VfsPath) -> Vec<u8> {
    if let Some(p) = &file.path {
        if let Some(r) = p.inode().as_any().downcast_ref::<Reopen>() {
            return file_name(&r.file, root);
        }
        return path_name(p, root);
    }
    if let Some(n) = file.ops.anon_name() {
        return n.into_bytes();
    }
    match file.ops.stat() {
        Ok(st) if st.mode & S_IFMT == S_IFIFO => format!("pipe:[{}]", st.ino).into_bytes(),
        Ok(st) if st.mode & S_IFMT == S_IFSOCK => format!("socket:[{}]", st.ino).into_bytes(),
        _ => ANON_FALLBACK.as_bytes().to_vec(),
    }
}

/// Where following /proc/PID/fd/N leads: the file's path, or for a file
/// without one (a pipe, a host stream) a detached node whose open makes a
/// new description of the same file, as Linux reopens pipes.
pub(super) fn reopen_path(t: &Task, file: &Arc<FileDescription>) -> VfsPath {
    if let Some(p) = &file.path {
        return p.clone();
    }
    let node = Reopen {
        file: file.clone(),
        owner: (t.creds.euid, t.creds.egid),
    };
    VfsPath {
        mnt: t.fs.root().mnt.clone(),
        dentry: Dentry::new_root(Arc::new(node)),
    }
}

/// /proc/PID/fdinfo/N.
pub(super) fn fdinfo(t: &crate::kernel::view::TaskView, fd: i32) -> Result<Vec<u8>, Errno> {
    let entry = t.fds.entry(fd).map_err(|_| Errno::ENOENT)?;
    let file = &entry.file;
    let pos = *lock(&file.offset);
    let mut flags = file.flags();
    if entry.cloexec {
        flags |= O_CLOEXEC;
    }
    let mnt_id = match &file.path {
        Some(p) if p.inode().as_any().downcast_ref::<Reopen>().is_none() => p.mnt.id,
        _ => 0,
    };
    let ino = file.ops.stat().map(|s| s.ino).unwrap_or(0);
    Ok(format!("pos:\t{pos}\nflags:\t0{flags:o}\nmnt_id:\t{mnt_id}\nino:\t{ino}\n").into_bytes())
}

/// A path-less open file reached through its fd link.
struct Reopen {
    file: Arc<FileDescription>,
    /// The owner it shows (uid, gid): the process holding the fd, as a
    /// pipe belongs to its creator (a donated host file's owner means
    /// nothing inside the sandbox).
    owner: (u32, u32),
}

impl Inode for Reopen {
    fn stat(&self) -> Result<Stat, Errno> {
        let mut st = self.file.ops.stat()?;
        st.uid = self.owner.0;
        st.gid = self.owner.1;
        Ok(st)
    }

    fn open(&self, _t: &Task, _flags: u32) -> Result<Box<dyn FileOps>, Errno> {
        Ok(Box::new(Reopened(self.file.clone())))
    }

    fn setattr(&self, attr: &SetAttr) -> Result<(), Errno> {
        if attr.mode.is_some() || attr.uid.is_some() || attr.gid.is_some() {
            return Err(Errno::EPERM);
        }
        match attr.size {
            // O_TRUNC: files that cannot be truncated (streams) ignore it.
            Some(size) => match self.file.ops.truncate(size) {
                Err(Errno::EINVAL) => Ok(()),
                r => r,
            },
            None => Ok(()),
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A new description of a path-less file: I/O goes to the original's
/// operations (its pipe, its host stream).
struct Reopened(Arc<FileDescription>);

impl FileOps for Reopened {
    fn read(&self, t: &Task, iov: &[libc::iovec], off: Option<u64>) -> Result<usize, Errno> {
        self.0.ops.read(t, iov, off)
    }
    fn write(&self, t: &Task, iov: &[libc::iovec], off: Option<u64>) -> Result<usize, Errno> {
        self.0.ops.write(t, iov, off)
    }
    fn seekable(&self) -> bool {
        self.0.ops.seekable()
    }
    fn seek(&self, off: i64, whence: i32) -> Option<Result<u64, Errno>> {
        self.0.ops.seek(off, whence)
    }
    fn stat(&self) -> Result<Stat, Errno> {
        self.0.ops.stat()
    }
    fn size(&self) -> Result<u64, Errno> {
        self.0.ops.size()
    }
    fn tty_ioctl(&self, request: u64, arg: &mut [u8]) -> Result<(), Errno> {
        self.0.ops.tty_ioctl(request, arg)
    }
    fn readable(&self) -> Option<u64> {
        self.0.ops.readable()
    }
    fn anon_name(&self) -> Option<String> {
        self.0.ops.anon_name()
    }
}
