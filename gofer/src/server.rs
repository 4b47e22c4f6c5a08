//! The gofer's request loop and node table.
//!
//! A node is an `O_PATH | O_NOFOLLOW` descriptor for one file below the
//! served root, plus the parent directory's descriptor and the name it was
//! reached by (needed to open a non-directory for I/O, since an `O_PATH` fd
//! cannot be reopened without `/proc`). Nodes are created only by walking one
//! validated component down from another node, so the table never names
//! anything outside the root.
//!
//! Opening by parent + name can race with a rename on the host, so every
//! such open is checked against the node's device and inode (ESTALE on a
//! mismatch) and `O_TRUNC` is applied only after that check.

use std::collections::HashMap;
use std::ffi::{CStr, CString};
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::Arc;

use crate::proto::{self, Request, Writer, MAX_MESSAGE, MAX_WALK, MAX_XATTR};
use crate::sys;
use crate::{validate_name, Attr, NodeId, SetAttr};

/// The most nodes one connection may hold; further walks fail with ENFILE.
pub const MAX_NODES: usize = 1 << 20;

/// Flags a client may pass to `open`; everything else is masked out.
const OPEN_ALLOWED: i32 =
    libc::O_ACCMODE | libc::O_TRUNC | libc::O_APPEND | libc::O_DIRECTORY | libc::O_NONBLOCK;

/// Flags the server always adds to an open.
const OPEN_FORCED: i32 = libc::O_NOFOLLOW | libc::O_CLOEXEC | libc::O_NOCTTY | libc::O_LARGEFILE;

/// How nodes are opened for the table.
const PATH_FLAGS: i32 = libc::O_PATH | libc::O_NOFOLLOW | libc::O_CLOEXEC;

const DOT: &CStr = c".";

/// Where a node was reached from.
struct Parent {
    /// The parent directory's `O_PATH` fd (shared with the parent's node).
    fd: Arc<OwnedFd>,
    /// The parent directory's (dev, ino), to find nodes a rename moved.
    ident: (u64, u64),
    /// The component the node was reached by.
    name: CString,
    /// The parent is in a read-only tree (so the node is too).
    read_only: bool,
}

/// One walked file.
struct Node {
    /// `O_PATH | O_NOFOLLOW` fd of the file itself.
    fd: Arc<OwnedFd>,
    /// (dev, ino) of the file.
    ident: (u64, u64),
    /// `S_IFMT` bits.
    kind: u32,
    /// None only for the roots.
    parent: Option<Parent>,
    /// In a read-only tree: every change to it is EROFS.
    read_only: bool,
}

/// An extra tree the gofer serves besides its root (an OCI bind mount),
/// whose root [`Request::AttachMount`] returns.
#[derive(Debug)]
pub struct MountRoot {
    /// `O_PATH` fd of the tree's root directory, or of the directory that
    /// holds the tree's one file.
    pub fd: OwnedFd,
    /// For a single-file tree: the file's name in `fd` (the server opens
    /// it for I/O by that name, as it opens any file by parent and name).
    pub file: Option<CString>,
    /// Refuse every change below it with EROFS.
    pub read_only: bool,
}

/// A [`MountRoot`] as the server keeps it.
struct Tree {
    fd: Arc<OwnedFd>,
    file: Option<CString>,
    read_only: bool,
}

fn ident(a: &Attr) -> (u64, u64) {
    (a.dev, a.ino)
}

/// Serve `root` (an `O_PATH` directory fd) over `sock` until the peer closes
/// the connection or sends a malformed request (both `Ok`). Errors are
/// failures of the socket itself.
///
/// With `read_only`, every request that would change the file system
/// answers EROFS.
pub fn serve(root: OwnedFd, sock: OwnedFd, read_only: bool) -> io::Result<()> {
    serve_mounts(root, Vec::new(), sock, read_only)
}

/// Like [`serve`], and also serves `mounts`, whose roots
/// [`Request::AttachMount`] returns by index. `read_only` is the root
/// tree's; each mount has its own.
pub fn serve_mounts(
    root: OwnedFd,
    mounts: Vec<MountRoot>,
    sock: OwnedFd,
    read_only: bool,
) -> io::Result<()> {
    let mut server = Server {
        root: Arc::new(root),
        mounts: mounts
            .into_iter()
            .map(|m| Tree {
                fd: Arc::new(m.fd),
                file: m.file,
                read_only: m.read_only,
            })
            .collect(),
        nodes: HashMap::new(),
        next_id: 1,
        read_only,
    };
    let mut buf = vec![0u8; MAX_MESSAGE];
    loop {
        let pkt = match sys::recv_packet(sock.as_fd(), &mut buf, false) {
            Ok(p) => p,
            Err(e) if e.raw_os_error() == Some(libc::ECONNRESET) => return Ok(()),
            Err(e) => return Err(e),
        };
        // A zero-length read is EOF (an empty packet is malformed anyway).
        if pkt.len == 0 || pkt.truncated {
            return Ok(());
        }
        let Some(data) = buf.get(..pkt.len) else {
            return Ok(());
        };
        let Ok(req) = Request::decode(data) else {
            return Ok(());
        };
        let (reply, fd) = match server.handle(req) {
            Ok((payload, fd)) => (payload, fd),
            Err(errno) => {
                let mut w = Writer::new();
                w.i32(errno);
                (w, None)
            }
        };
        let fds: Vec<BorrowedFd<'_>> = fd.iter().map(|f| f.as_fd()).collect();
        match sys::send_packet(sock.as_fd(), reply.as_slice(), &fds) {
            Ok(()) => {}
            Err(e) if matches!(e.raw_os_error(), Some(libc::EPIPE | libc::ECONNRESET)) => {
                return Ok(())
            }
            Err(e) => return Err(e),
        }
    }
}

/// A reply payload (after the status) and an optional donated fd.
type Reply = (Writer, Option<OwnedFd>);

/// A writer holding a success status.
fn ok_writer() -> Writer {
    let mut w = Writer::new();
    w.i32(0);
    w
}

fn empty_ok() -> crate::Result<Reply> {
    Ok((ok_writer(), None))
}

struct Server {
    root: Arc<OwnedFd>,
    mounts: Vec<Tree>,
    nodes: HashMap<NodeId, Node>,
    next_id: NodeId,
    read_only: bool,
}

/// Ignore EPERM from a best-effort ownership change (an unprivileged gofer
/// cannot give files away; the file keeps the gofer's ids).
fn chown_best_effort(fd: BorrowedFd<'_>, uid: u32, gid: u32) -> crate::Result<()> {
    match sys::fchown_fd(fd, uid, gid) {
        Err(libc::EPERM) => Ok(()),
        r => r,
    }
}

impl Server {
    fn node(&self, id: NodeId) -> crate::Result<&Node> {
        self.nodes.get(&id).ok_or(libc::EBADF)
    }

    fn dir(&self, id: NodeId) -> crate::Result<&Node> {
        let n = self.node(id)?;
        if n.kind != libc::S_IFDIR {
            return Err(libc::ENOTDIR);
        }
        Ok(n)
    }

    fn check_capacity(&self) -> crate::Result<()> {
        if self.nodes.len() >= MAX_NODES {
            Err(libc::ENFILE)
        } else {
            Ok(())
        }
    }

    fn insert(
        &mut self,
        fd: OwnedFd,
        attr: &Attr,
        parent: Option<Parent>,
    ) -> crate::Result<NodeId> {
        self.insert_shared(Arc::new(fd), attr, parent)
    }

    /// Adds a node; it is read-only when its parent is, and a root (no
    /// parent) when the root tree is.
    fn insert_shared(
        &mut self,
        fd: Arc<OwnedFd>,
        attr: &Attr,
        parent: Option<Parent>,
    ) -> crate::Result<NodeId> {
        let read_only = parent.as_ref().map_or(self.read_only, |p| p.read_only);
        self.insert_node(fd, attr, parent, read_only)
    }

    fn insert_node(
        &mut self,
        fd: Arc<OwnedFd>,
        attr: &Attr,
        parent: Option<Parent>,
        read_only: bool,
    ) -> crate::Result<NodeId> {
        self.check_capacity()?;
        let id = self.next_id;
        self.next_id = self.next_id.checked_add(1).ok_or(libc::ENFILE)?;
        self.nodes.insert(
            id,
            Node {
                fd,
                ident: ident(attr),
                kind: attr.file_type(),
                parent,
                read_only,
            },
        );
        Ok(id)
    }

    /// Open `name` below `dir` as a new node fd (never following a symlink)
    /// and describe where it came from.
    fn lookup(dir: &Node, name: &[u8]) -> crate::Result<(OwnedFd, Attr, Parent)> {
        validate_name(name)?;
        let cname = sys::cstring(name)?;
        let fd = sys::openat(dir.fd.as_fd(), &cname, PATH_FLAGS, 0)?;
        let attr = sys::fstat(fd.as_fd())?;
        let parent = Parent {
            fd: dir.fd.clone(),
            ident: dir.ident,
            name: cname,
            read_only: dir.read_only,
        };
        Ok((fd, attr, parent))
    }

    /// [`Request::AttachMount`]: the root of tree `index`.
    fn attach_mount(&mut self, index: u32) -> crate::Result<Reply> {
        let tree = usize::try_from(index)
            .ok()
            .and_then(|i| self.mounts.get(i))
            .ok_or(libc::ENOENT)?;
        let (fd, read_only) = (tree.fd.clone(), tree.read_only);
        let id = match &tree.file {
            None => {
                let attr = sys::fstat(fd.as_fd())?;
                let id = self.insert_node(fd, &attr, None, read_only)?;
                (id, attr)
            }
            Some(name) => {
                let name = name.clone();
                let file = sys::openat(fd.as_fd(), &name, PATH_FLAGS, 0)?;
                let attr = sys::fstat(file.as_fd())?;
                let parent = Parent {
                    ident: ident(&sys::fstat(fd.as_fd())?),
                    fd,
                    name,
                    read_only,
                };
                let id = self.insert_node(Arc::new(file), &attr, Some(parent), read_only)?;
                (id, attr)
            }
        };
        let mut w = ok_writer();
        proto::put_node(&mut w, id.0, &id.1);
        Ok((w, None))
    }

    /// Whether `req` would change a read-only tree: EROFS before anything
    /// is tried. A node the server does not know counts as the root
    /// tree's (the request then fails on it anyway).
    fn refuses_write(&self, req: &Request<'_>) -> bool {
        let targets: [Option<NodeId>; 2] = match req {
            Request::Open { node, flags } => {
                if flags & libc::O_ACCMODE != libc::O_RDONLY || flags & libc::O_TRUNC != 0 {
                    [Some(*node), None]
                } else {
                    [None, None]
                }
            }
            Request::Create { dir, .. }
            | Request::Mkdir { dir, .. }
            | Request::Mknod { dir, .. }
            | Request::Symlink { dir, .. }
            | Request::Unlink { dir, .. } => [Some(*dir), None],
            Request::Link { dir, target, .. } => [Some(*dir), Some(*target)],
            Request::Rename { olddir, newdir, .. } => [Some(*olddir), Some(*newdir)],
            Request::SetAttr { node, .. }
            | Request::SetXattr { node, .. }
            | Request::RemoveXattr { node, .. } => [Some(*node), None],
            _ => [None, None],
        };
        targets
            .into_iter()
            .flatten()
            .any(|id| self.nodes.get(&id).map_or(self.read_only, |n| n.read_only))
    }

    /// Check that `parent/name` still names the node's inode.
    fn check_identity(node: &Node, parent: &Parent) -> crate::Result<()> {
        let a = sys::fstatat(parent.fd.as_fd(), &parent.name, libc::AT_SYMLINK_NOFOLLOW)?;
        if ident(&a) != node.ident {
            return Err(libc::ESTALE);
        }
        Ok(())
    }

    /// Open a node for I/O. `flags` already masked; forced flags added here.
    fn reopen(node: &Node, flags: i32) -> crate::Result<OwnedFd> {
        let flags = flags | OPEN_FORCED;
        match node.kind {
            libc::S_IFDIR => sys::openat(node.fd.as_fd(), DOT, flags, 0),
            libc::S_IFREG | libc::S_IFIFO => {
                let parent = node.parent.as_ref().ok_or(libc::EINVAL)?;
                let mut open_flags = flags & !libc::O_TRUNC;
                if node.kind == libc::S_IFIFO {
                    // The server is single-threaded: a blocking FIFO open
                    // would wait for a peer that can only come through us.
                    // The client clears O_NONBLOCK with fcntl if it wants.
                    open_flags |= libc::O_NONBLOCK;
                }
                let fd = sys::openat(parent.fd.as_fd(), &parent.name, open_flags, 0)?;
                if ident(&sys::fstat(fd.as_fd())?) != node.ident {
                    return Err(libc::ESTALE);
                }
                if flags & libc::O_TRUNC != 0
                    && node.kind == libc::S_IFREG
                    && flags & libc::O_ACCMODE != libc::O_RDONLY
                {
                    sys::ftruncate(fd.as_fd(), 0)?;
                }
                Ok(fd)
            }
            libc::S_IFLNK => Err(libc::ELOOP),
            libc::S_IFSOCK => Err(libc::ENXIO),
            // Device nodes are never opened by the gofer: opening one can
            // have side effects on host hardware.
            _ => Err(libc::EPERM),
        }
    }

    /// An fd on which the f*xattr calls work.
    fn xattr_fd(node: &Node) -> crate::Result<OwnedFd> {
        match node.kind {
            libc::S_IFDIR | libc::S_IFREG | libc::S_IFIFO => {
                Self::reopen(node, libc::O_RDONLY | libc::O_NONBLOCK)
            }
            _ => Err(libc::EOPNOTSUPP),
        }
    }

    fn reply_node(&mut self, fd: OwnedFd, attr: Attr, parent: Parent) -> crate::Result<Reply> {
        let id = self.insert(fd, &attr, Some(parent))?;
        let mut w = ok_writer();
        proto::put_node(&mut w, id, &attr);
        Ok((w, None))
    }

    /// After creating `name` in `dir`: open it as a node, set its owner.
    fn new_child(&mut self, dir: NodeId, name: &[u8], uid: u32, gid: u32) -> crate::Result<Reply> {
        let (fd, _, parent) = Self::lookup(self.dir(dir)?, name)?;
        chown_best_effort(fd.as_fd(), uid, gid)?;
        let attr = sys::fstat(fd.as_fd())?;
        self.reply_node(fd, attr, parent)
    }

    fn handle(&mut self, req: Request<'_>) -> crate::Result<Reply> {
        if self.refuses_write(&req) {
            return Err(libc::EROFS);
        }
        match req {
            Request::Attach => {
                let attr = sys::fstat(self.root.as_fd())?;
                let id = self.insert_shared(self.root.clone(), &attr, None)?;
                let mut w = ok_writer();
                proto::put_node(&mut w, id, &attr);
                Ok((w, None))
            }
            Request::Walk { dir, name } => {
                let (fd, attr, parent) = Self::lookup(self.dir(dir)?, name)?;
                self.reply_node(fd, attr, parent)
            }
            Request::WalkMany { dir, names } => self.walk_many(dir, &names),
            Request::Stat { node } => {
                let attr = sys::fstat(self.node(node)?.fd.as_fd())?;
                let mut w = ok_writer();
                proto::put_attr(&mut w, &attr);
                Ok((w, None))
            }
            Request::Open { node, flags } => {
                let node = self.node(node)?;
                let flags = flags & OPEN_ALLOWED;
                if flags & libc::O_ACCMODE == libc::O_ACCMODE {
                    return Err(libc::EINVAL);
                }
                if flags & libc::O_DIRECTORY != 0 && node.kind != libc::S_IFDIR {
                    return Err(libc::ENOTDIR);
                }
                let fd = Self::reopen(node, flags)?;
                Ok((ok_writer(), Some(fd)))
            }
            Request::Create {
                dir,
                name,
                flags,
                mode,
                uid,
                gid,
            } => {
                self.check_capacity()?;
                let d = self.dir(dir)?;
                validate_name(name)?;
                let cname = sys::cstring(name)?;
                let flags = (flags
                    & (libc::O_ACCMODE | libc::O_TRUNC | libc::O_APPEND | libc::O_NONBLOCK))
                    | libc::O_CREAT
                    | libc::O_EXCL
                    | OPEN_FORCED;
                if flags & libc::O_ACCMODE == libc::O_ACCMODE {
                    return Err(libc::EINVAL);
                }
                let file = sys::openat(d.fd.as_fd(), &cname, flags, mode & 0o7777)?;
                chown_best_effort(file.as_fd(), uid, gid)?;
                let (fd, attr, parent) = Self::lookup(d, name)?;
                if ident(&attr) != ident(&sys::fstat(file.as_fd())?) {
                    return Err(libc::ESTALE);
                }
                let (w, _) = self.reply_node(fd, attr, parent)?;
                Ok((w, Some(file)))
            }
            Request::Mkdir {
                dir,
                name,
                mode,
                uid,
                gid,
            } => {
                self.check_capacity()?;
                validate_name(name)?;
                sys::mkdirat(
                    self.dir(dir)?.fd.as_fd(),
                    &sys::cstring(name)?,
                    mode & 0o7777,
                )?;
                self.new_child(dir, name, uid, gid)
            }
            Request::Mknod {
                dir,
                name,
                mode,
                uid,
                gid,
                rdev: _,
            } => {
                self.check_capacity()?;
                validate_name(name)?;
                let kind = match mode & libc::S_IFMT {
                    0 | libc::S_IFREG => libc::S_IFREG,
                    libc::S_IFIFO => libc::S_IFIFO,
                    _ => return Err(libc::EPERM),
                };
                let d = self.dir(dir)?;
                sys::mknodat(
                    d.fd.as_fd(),
                    &sys::cstring(name)?,
                    kind | (mode & 0o7777),
                    0,
                )?;
                self.new_child(dir, name, uid, gid)
            }
            Request::Symlink {
                dir,
                name,
                target,
                uid,
                gid,
            } => {
                self.check_capacity()?;
                validate_name(name)?;
                if target.len() >= libc::PATH_MAX as usize {
                    return Err(libc::ENAMETOOLONG);
                }
                let d = self.dir(dir)?;
                sys::symlinkat(&sys::cstring(target)?, d.fd.as_fd(), &sys::cstring(name)?)?;
                self.new_child(dir, name, uid, gid)
            }
            Request::Link { dir, name, target } => {
                self.check_capacity()?;
                validate_name(name)?;
                let cname = sys::cstring(name)?;
                let d = self.dir(dir)?;
                let t = self.node(target)?;
                if t.kind == libc::S_IFDIR {
                    return Err(libc::EPERM);
                }
                // Exactly the target's inode when the gofer may (it needs
                // CAP_DAC_READ_SEARCH), else its parent + name.
                match sys::linkat(t.fd.as_fd(), c"", d.fd.as_fd(), &cname, libc::AT_EMPTY_PATH) {
                    Err(libc::ENOENT) => {
                        let p = t.parent.as_ref().ok_or(libc::ENOENT)?;
                        Self::check_identity(t, p)?;
                        sys::linkat(p.fd.as_fd(), &p.name, d.fd.as_fd(), &cname, 0)?;
                    }
                    r => r?,
                }
                let (fd, attr, parent) = Self::lookup(d, name)?;
                self.reply_node(fd, attr, parent)
            }
            Request::Unlink { dir, name, flags } => {
                validate_name(name)?;
                if flags & !libc::AT_REMOVEDIR != 0 {
                    return Err(libc::EINVAL);
                }
                sys::unlinkat(self.dir(dir)?.fd.as_fd(), &sys::cstring(name)?, flags)?;
                empty_ok()
            }
            Request::Rename {
                olddir,
                oldname,
                newdir,
                newname,
                flags,
            } => {
                self.rename(olddir, oldname, newdir, newname, flags)?;
                empty_ok()
            }
            Request::Readlink { node } => {
                let n = self.node(node)?;
                if n.kind != libc::S_IFLNK {
                    return Err(libc::EINVAL);
                }
                let target = sys::readlink_fd(n.fd.as_fd())?;
                let mut w = ok_writer();
                w.bytes(&target);
                Ok((w, None))
            }
            Request::Getdents { dir, cookie } => self.getdents(dir, cookie),
            Request::SetAttr { node, attr } => {
                self.setattr(node, &attr)?;
                empty_ok()
            }
            Request::Statfs { node } => {
                let s = sys::fstatfs(self.node(node)?.fd.as_fd())?;
                let mut w = ok_writer();
                proto::put_statfs(&mut w, &s);
                Ok((w, None))
            }
            Request::GetXattr { node, name, size } => {
                let cname = xattr_name(name)?;
                let fd = Self::xattr_fd(self.node(node)?)?;
                let mut buf = vec![0u8; xattr_buf_len(size)];
                let n = sys::fgetxattr(fd.as_fd(), &cname, &mut buf)?;
                let mut w = ok_writer();
                w.bytes(buf.get(..n).ok_or(libc::EIO)?);
                Ok((w, None))
            }
            Request::SetXattr {
                node,
                name,
                value,
                flags,
            } => {
                let cname = xattr_name(name)?;
                if value.len() > MAX_XATTR {
                    return Err(libc::E2BIG);
                }
                if flags & !(libc::XATTR_CREATE | libc::XATTR_REPLACE) != 0 {
                    return Err(libc::EINVAL);
                }
                let fd = Self::xattr_fd(self.node(node)?)?;
                sys::fsetxattr(fd.as_fd(), &cname, value, flags)?;
                empty_ok()
            }
            Request::ListXattr { node, size } => {
                let fd = Self::xattr_fd(self.node(node)?)?;
                let mut buf = vec![0u8; xattr_buf_len(size)];
                let n = sys::flistxattr(fd.as_fd(), &mut buf)?;
                let mut w = ok_writer();
                w.bytes(buf.get(..n).ok_or(libc::EIO)?);
                Ok((w, None))
            }
            Request::RemoveXattr { node, name } => {
                let cname = xattr_name(name)?;
                let fd = Self::xattr_fd(self.node(node)?)?;
                sys::fremovexattr(fd.as_fd(), &cname)?;
                empty_ok()
            }
            Request::Close { nodes } => {
                for id in nodes {
                    self.nodes.remove(&id);
                }
                empty_ok()
            }
            Request::AttachMount { index } => self.attach_mount(index),
        }
    }

    fn walk_many(&mut self, dir: NodeId, names: &[&[u8]]) -> crate::Result<Reply> {
        if names.len() > MAX_WALK {
            return Err(libc::E2BIG);
        }
        for name in names {
            validate_name(name)?;
        }
        self.dir(dir)?;
        let mut w = ok_writer();
        let count_at = w.len();
        w.u32(0);
        let mut count = 0u32;
        let mut cur = dir;
        for (i, name) in names.iter().enumerate() {
            let Ok(cur_node) = self.node(cur) else { break };
            let Ok((fd, attr, parent)) = Self::lookup(cur_node, name) else {
                break;
            };
            let id = match self.insert(fd, &attr, Some(parent)) {
                Ok(id) => id,
                Err(e) if count == 0 => return Err(e),
                Err(_) => break,
            };
            proto::put_node(&mut w, id, &attr);
            count += 1;
            cur = id;
            let more = i + 1 < names.len();
            if attr.is_symlink() || (more && !attr.is_dir()) {
                break;
            }
        }
        w.patch_u32(count_at, count);
        Ok((w, None))
    }

    fn rename(
        &mut self,
        olddir: NodeId,
        oldname: &[u8],
        newdir: NodeId,
        newname: &[u8],
        flags: u32,
    ) -> crate::Result<()> {
        validate_name(oldname)?;
        validate_name(newname)?;
        if flags & !(libc::RENAME_NOREPLACE | libc::RENAME_EXCHANGE) != 0 {
            return Err(libc::EINVAL);
        }
        let (old_fd, old_ident) = {
            let d = self.dir(olddir)?;
            (d.fd.clone(), d.ident)
        };
        let (new_fd, new_ident) = {
            let d = self.dir(newdir)?;
            (d.fd.clone(), d.ident)
        };
        let oldc = sys::cstring(oldname)?;
        let newc = sys::cstring(newname)?;
        sys::renameat2(old_fd.as_fd(), &oldc, new_fd.as_fd(), &newc, flags)?;

        // Nodes reached by the old name now live under the new one (and, for
        // an exchange, the other way round).
        let at = |n: &Node, dir: (u64, u64), name: &CStr| {
            n.parent
                .as_ref()
                .is_some_and(|p| p.ident == dir && p.name.as_c_str() == name)
        };
        let moved: Vec<NodeId> = self
            .nodes
            .iter()
            .filter(|(_, n)| at(n, old_ident, &oldc))
            .map(|(&id, _)| id)
            .collect();
        let swapped: Vec<NodeId> = if flags & libc::RENAME_EXCHANGE != 0 {
            self.nodes
                .iter()
                .filter(|(_, n)| at(n, new_ident, &newc))
                .map(|(&id, _)| id)
                .collect()
        } else {
            Vec::new()
        };
        for id in moved {
            if let Some(n) = self.nodes.get_mut(&id) {
                n.parent = Some(Parent {
                    fd: new_fd.clone(),
                    ident: new_ident,
                    name: newc.clone(),
                    read_only: n.read_only,
                });
            }
        }
        for id in swapped {
            if let Some(n) = self.nodes.get_mut(&id) {
                n.parent = Some(Parent {
                    fd: old_fd.clone(),
                    ident: old_ident,
                    name: oldc.clone(),
                    read_only: n.read_only,
                });
            }
        }
        Ok(())
    }

    fn getdents(&self, dir: NodeId, cookie: u64) -> crate::Result<Reply> {
        let d = self.dir(dir)?;
        let fd = sys::openat(
            d.fd.as_fd(),
            DOT,
            libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC,
            0,
        )?;
        if cookie != 0 {
            sys::lseek_set(fd.as_fd(), cookie)?;
        }
        let mut w = ok_writer();
        let count_at = w.len();
        w.u32(0);
        let mut count = 0u32;
        let mut buf = vec![0u8; 32 * 1024];
        'outer: loop {
            let n = sys::getdents64(fd.as_fd(), &mut buf)?;
            if n == 0 {
                break;
            }
            let mut r = proto::Reader::new(buf.get(..n).ok_or(libc::EIO)?);
            while r.remaining() > 0 {
                // struct linux_dirent64: ino u64, off i64, reclen u16,
                // type u8, NUL-terminated name, padding to reclen.
                let ent = parse_dirent64(&mut r).ok_or(libc::EIO)?;
                if w.len() + proto::dirent_size(ent.name.len()) > MAX_MESSAGE {
                    break 'outer;
                }
                proto::put_dirent(&mut w, ent.ino, ent.off, ent.typ, ent.name);
                count += 1;
            }
        }
        w.patch_u32(count_at, count);
        Ok((w, None))
    }

    fn setattr(&self, id: NodeId, sa: &SetAttr) -> crate::Result<()> {
        let node = self.node(id)?;
        // Owner first: chown clears set-id bits a mode change may then set.
        if sa.mask & (crate::SETATTR_UID | crate::SETATTR_GID) != 0 {
            let uid = if sa.mask & crate::SETATTR_UID != 0 {
                sa.uid
            } else {
                u32::MAX
            };
            let gid = if sa.mask & crate::SETATTR_GID != 0 {
                sa.gid
            } else {
                u32::MAX
            };
            sys::fchown_fd(node.fd.as_fd(), uid, gid)?;
        }
        if sa.mask & crate::SETATTR_MODE != 0 {
            Self::chmod(node, sa.mode & 0o7777)?;
        }
        if sa.mask & crate::SETATTR_SIZE != 0 {
            match node.kind {
                libc::S_IFDIR => return Err(libc::EISDIR),
                libc::S_IFREG => {
                    let fd = Self::reopen(node, libc::O_WRONLY)?;
                    sys::ftruncate(fd.as_fd(), sa.size)?;
                }
                _ => return Err(libc::EINVAL),
            }
        }
        let times_mask = crate::SETATTR_ATIME
            | crate::SETATTR_MTIME
            | crate::SETATTR_ATIME_NOW
            | crate::SETATTR_MTIME_NOW;
        if sa.mask & times_mask != 0 {
            let ts = |now: u32, set: u32, t: (i64, i64)| {
                if sa.mask & now != 0 {
                    libc::timespec {
                        tv_sec: 0,
                        tv_nsec: libc::UTIME_NOW,
                    }
                } else if sa.mask & set != 0 {
                    libc::timespec {
                        tv_sec: t.0,
                        tv_nsec: t.1,
                    }
                } else {
                    libc::timespec {
                        tv_sec: 0,
                        tv_nsec: libc::UTIME_OMIT,
                    }
                }
            };
            let times = [
                ts(crate::SETATTR_ATIME_NOW, crate::SETATTR_ATIME, sa.atime),
                ts(crate::SETATTR_MTIME_NOW, crate::SETATTR_MTIME, sa.mtime),
            ];
            Self::utimens(node, &times)?;
        }
        Ok(())
    }

    fn chmod(node: &Node, mode: u32) -> crate::Result<()> {
        if node.kind == libc::S_IFLNK {
            return Err(libc::EOPNOTSUPP);
        }
        match sys::fchmod_path_fd(node.fd.as_fd(), mode) {
            Err(libc::ENOSYS | libc::EINVAL) => Self::chmod_fallback(node, mode),
            r => r,
        }
    }

    fn chmod_fallback(node: &Node, mode: u32) -> crate::Result<()> {
        // Kernels before 6.6: chmod through an opened directory, or by
        // parent + name after checking the name still means this inode
        // (fchmodat follows symlinks, and the node is not one).
        if node.kind == libc::S_IFDIR {
            let fd = sys::openat(
                node.fd.as_fd(),
                DOT,
                libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC,
                0,
            )?;
            return sys::fchmod(fd.as_fd(), mode);
        }
        let p = node.parent.as_ref().ok_or(libc::EINVAL)?;
        Self::check_identity(node, p)?;
        sys::fchmodat(p.fd.as_fd(), &p.name, mode)
    }

    fn utimens(node: &Node, times: &[libc::timespec; 2]) -> crate::Result<()> {
        match sys::utimensat(
            node.fd.as_fd(),
            c"",
            times,
            libc::AT_EMPTY_PATH | libc::AT_SYMLINK_NOFOLLOW,
        ) {
            Err(libc::EINVAL | libc::ENOENT) => Self::utimens_fallback(node, times),
            r => r,
        }
    }

    fn utimens_fallback(node: &Node, times: &[libc::timespec; 2]) -> crate::Result<()> {
        // Kernels without AT_EMPTY_PATH support here.
        match &node.parent {
            Some(p) => {
                Self::check_identity(node, p)?;
                sys::utimensat(p.fd.as_fd(), &p.name, times, libc::AT_SYMLINK_NOFOLLOW)
            }
            None => {
                let fd = sys::openat(
                    node.fd.as_fd(),
                    DOT,
                    libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC,
                    0,
                )?;
                sys::futimens(fd.as_fd(), times)
            }
        }
    }
}

/// One parsed `linux_dirent64`, borrowing its name.
struct RawDirent<'a> {
    ino: u64,
    off: u64,
    typ: u8,
    name: &'a [u8],
}

fn parse_dirent64<'a>(r: &mut proto::Reader<'a>) -> Option<RawDirent<'a>> {
    const HEADER: usize = 8 + 8 + 2 + 1;
    let ino = r.u64().ok()?;
    let off = r.u64().ok()?;
    let reclen = u16::from_le_bytes(r.take(2).ok()?.try_into().ok()?) as usize;
    let typ = r.u8().ok()?;
    let rest = r.take(reclen.checked_sub(HEADER)?).ok()?;
    let name_len = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
    Some(RawDirent {
        ino,
        off,
        typ,
        name: rest.get(..name_len)?,
    })
}

fn xattr_name(name: &[u8]) -> crate::Result<CString> {
    if name.is_empty() || name.len() > 255 {
        return Err(libc::ERANGE);
    }
    sys::cstring(name)
}

fn xattr_buf_len(size: u64) -> usize {
    match usize::try_from(size) {
        Ok(s) if s > 0 && s < MAX_XATTR => s,
        _ => MAX_XATTR,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_parse_dirent64_short_reclen_fails() {
        let mut b = Vec::new();
        b.extend_from_slice(&1u64.to_le_bytes());
        b.extend_from_slice(&2u64.to_le_bytes());
        b.extend_from_slice(&5u16.to_le_bytes());
        b.push(4);
        assert!(parse_dirent64(&mut proto::Reader::new(&b)).is_none());
    }

    #[test]
    fn test_parse_dirent64_valid_record_parses() {
        let mut b = Vec::new();
        b.extend_from_slice(&7u64.to_le_bytes());
        b.extend_from_slice(&9u64.to_le_bytes());
        b.extend_from_slice(&24u16.to_le_bytes());
        b.push(8);
        b.extend_from_slice(b"ab\0\0\0");
        let mut r = proto::Reader::new(&b);
        let d = parse_dirent64(&mut r).unwrap();
        assert_eq!((d.ino, d.off, d.typ, d.name), (7, 9, 8, &b"ab"[..]));
        assert_eq!(r.remaining(), 0);
    }

    /// A server over a fresh temp dir holding a file `f`, with the root
    /// attached as node 1 and `f` walked as node 2.
    fn server_with_file(tag: &str) -> (Server, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("gofer-unit-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("f"), b"").unwrap();
        let root = sys::open_path(
            &sys::cstring(dir.as_os_str().as_encoded_bytes()).unwrap(),
            libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC,
        )
        .unwrap();
        let mut s = Server {
            root: Arc::new(root),
            mounts: Vec::new(),
            nodes: HashMap::new(),
            next_id: 1,
            read_only: false,
        };
        s.handle(Request::Attach).unwrap();
        s.handle(Request::Walk { dir: 1, name: b"f" }).unwrap();
        (s, dir)
    }

    #[test]
    fn test_chmod_fallback_file_and_root_applies() {
        let (s, dir) = server_with_file("chmod");
        Server::chmod_fallback(s.node(2).unwrap(), 0o604).unwrap();
        Server::chmod_fallback(s.node(1).unwrap(), 0o705).unwrap();
        let f = sys::fstat(s.node(2).unwrap().fd.as_fd()).unwrap();
        let r = sys::fstat(s.node(1).unwrap().fd.as_fd()).unwrap();
        assert_eq!((f.mode & 0o7777, r.mode & 0o7777), (0o604, 0o705));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn test_utimens_fallback_file_and_root_applies() {
        let (s, dir) = server_with_file("utimens");
        let t = [
            libc::timespec {
                tv_sec: 1000,
                tv_nsec: 1,
            },
            libc::timespec {
                tv_sec: 0,
                tv_nsec: libc::UTIME_OMIT,
            },
        ];
        Server::utimens_fallback(s.node(2).unwrap(), &t).unwrap();
        Server::utimens_fallback(s.node(1).unwrap(), &t).unwrap();
        let f = sys::fstat(s.node(2).unwrap().fd.as_fd()).unwrap();
        let r = sys::fstat(s.node(1).unwrap().fd.as_fd()).unwrap();
        assert_eq!((f.atime, f.atime_nsec, r.atime), (1000, 1, 1000));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn test_chmod_fallback_replaced_name_stale() {
        let (s, dir) = server_with_file("chmodstale");
        std::fs::remove_file(dir.join("f")).unwrap();
        std::fs::write(dir.join("f"), b"other").unwrap();
        assert_eq!(
            Server::chmod_fallback(s.node(2).unwrap(), 0o600),
            Err(libc::ESTALE)
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn test_xattr_buf_len_zero_means_max() {
        assert_eq!(xattr_buf_len(0), MAX_XATTR);
        assert_eq!(xattr_buf_len(10), 10);
        assert_eq!(xattr_buf_len(u64::MAX), MAX_XATTR);
    }
}
