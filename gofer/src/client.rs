//! The sentry's side of the gofer connection.
//!
//! # Lock order
//! One mutex, [`Client`]'s connection, held for one whole round trip (send
//! the request, receive its reply) and never across anything else, so
//! requests from several sentry threads never interleave on the socket.

use std::os::fd::{AsFd, OwnedFd};
use std::sync::{Mutex, MutexGuard};

use crate::idmap::IdMap;
use crate::proto::{self, ProtoError, Reader, Request, MAX_MESSAGE, MAX_WALK};
use crate::sys;
use crate::{validate_name, Attr, Dirent, NodeId, Result, SetAttr, Statfs};

/// A connection to a gofer. `Send + Sync`: share it behind an `Arc`.
#[derive(Debug)]
pub struct Client {
    conn: Mutex<Conn>,
    /// The guest's ids as the host's files carry them: attributes come
    /// back in guest ids, owners go out in host ids.
    ids: IdMap,
}

#[derive(Debug)]
struct Conn {
    sock: OwnedFd,
    buf: Vec<u8>,
    /// Set when a transport failure may have left a reply unread: every
    /// later call fails with EIO rather than read someone else's reply.
    broken: bool,
}

/// The largest errno a reply may carry.
const MAX_ERRNO: i32 = 4095;

fn proto_err(_: ProtoError) -> i32 {
    libc::EIO
}

impl Client {
    /// Wrap a connected `SOCK_SEQPACKET` socket whose peer runs [`crate::serve`].
    pub fn new(sock: OwnedFd) -> Client {
        Client::with_ids(sock, IdMap::default())
    }

    /// Like [`Client::new`], with the guest's ids mapped to the host's
    /// through `ids`.
    pub fn with_ids(sock: OwnedFd, ids: IdMap) -> Client {
        Client {
            conn: Mutex::new(Conn {
                sock,
                buf: vec![0; MAX_MESSAGE],
                broken: false,
            }),
            ids,
        }
    }

    /// The id mapping.
    pub fn ids(&self) -> &IdMap {
        &self.ids
    }

    /// `a` with its owner in guest ids.
    fn guest(&self, mut a: Attr) -> Attr {
        a.uid = self.ids.uid_to_guest(a.uid);
        a.gid = self.ids.gid_to_guest(a.gid);
        a
    }

    /// The host ids a new file owned by guest `uid`/`gid` gets; EOVERFLOW
    /// when they have none, as Linux refuses a creator whose ids its
    /// filesystem cannot store.
    fn host_owner(&self, uid: u32, gid: u32) -> Result<(u32, u32)> {
        match (self.ids.uid_to_host(uid), self.ids.gid_to_host(gid)) {
            (Some(u), Some(g)) => Ok((u, g)),
            _ => Err(libc::EOVERFLOW),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Conn> {
        // A panic while holding the lock cannot leave the socket mid-message
        // in a way `broken` does not cover; recover the guard.
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// One round trip: send `req`, receive the reply, check its status and
    /// hand the payload and any fds to `decode`, which must consume the
    /// payload exactly.
    fn call<T>(
        &self,
        req: &Request<'_>,
        decode: impl FnOnce(&mut Reader<'_>, Vec<OwnedFd>) -> std::result::Result<T, i32>,
    ) -> Result<T> {
        let packet = req.encode();
        if packet.len() > MAX_MESSAGE {
            return Err(libc::E2BIG);
        }
        let mut guard = self.lock();
        let conn = &mut *guard;
        if conn.broken {
            return Err(libc::EIO);
        }
        if sys::send_packet(conn.sock.as_fd(), &packet, &[]).is_err() {
            conn.broken = true;
            return Err(libc::EIO);
        }
        let pkt = match sys::recv_packet(conn.sock.as_fd(), &mut conn.buf, true) {
            Ok(p) if p.len > 0 && !p.truncated => p,
            _ => {
                conn.broken = true;
                return Err(libc::EIO);
            }
        };
        let data = conn.buf.get(..pkt.len).ok_or(libc::EIO)?;
        let mut r = Reader::new(data);
        let status = r.i32().map_err(proto_err)?;
        if status != 0 {
            return Err(if (1..=MAX_ERRNO).contains(&status) {
                status
            } else {
                libc::EIO
            });
        }
        let out = decode(&mut r, pkt.fds)?;
        r.finish().map_err(proto_err)?;
        Ok(out)
    }

    /// A call whose reply is a node.
    fn call_node(&self, req: &Request<'_>) -> Result<(NodeId, Attr)> {
        let (id, a) = self.call(req, |r, _| proto::get_node(r).map_err(proto_err))?;
        Ok((id, self.guest(a)))
    }

    /// A call whose reply is empty.
    fn call_unit(&self, req: &Request<'_>) -> Result<()> {
        self.call(req, |_, _| Ok(()))
    }

    /// A call whose reply is a byte string.
    fn call_bytes(&self, req: &Request<'_>) -> Result<Vec<u8>> {
        self.call(req, |r, _| Ok(r.bytes().map_err(proto_err)?.to_vec()))
    }

    /// The served root.
    pub fn attach(&self) -> Result<(NodeId, Attr)> {
        self.call_node(&Request::Attach)
    }

    /// The root of extra tree `index` (a bind mount's directory or file;
    /// ENOENT if the gofer serves no such tree).
    pub fn attach_mount(&self, index: u32) -> Result<(NodeId, Attr)> {
        self.call_node(&Request::AttachMount { index })
    }

    /// Look up one component below `dir` (ENOENT if absent, EINVAL for an
    /// empty name, `.`, `..`, or one holding `/` or NUL). A symlink is
    /// returned as itself, never followed.
    pub fn walk(&self, dir: NodeId, name: &[u8]) -> Result<(NodeId, Attr)> {
        validate_name(name)?;
        self.call_node(&Request::Walk { dir, name })
    }

    /// Walk several components in as few round trips as possible. Stops
    /// early, returning what resolved (possibly nothing), at a missing or
    /// unreachable component, after a symlink (included as the last
    /// element), or after a non-directory with components left. Every
    /// returned node must be closed. Call [`Client::walk`] on the next
    /// component to learn why a walk stopped.
    pub fn walk_many(&self, dir: NodeId, names: &[&[u8]]) -> Result<Vec<(NodeId, Attr)>> {
        for name in names {
            validate_name(name)?;
        }
        let mut out: Vec<(NodeId, Attr)> = Vec::with_capacity(names.len());
        let mut cur = dir;
        for chunk in names.chunks(MAX_WALK) {
            let req = Request::WalkMany {
                dir: cur,
                names: chunk.to_vec(),
            };
            let got = self.call(&req, |r, _| {
                let count = r.u32().map_err(proto_err)? as usize;
                if count > chunk.len() {
                    return Err(libc::EIO);
                }
                let mut v = Vec::with_capacity(count);
                for _ in 0..count {
                    let (id, a) = proto::get_node(r).map_err(proto_err)?;
                    v.push((id, self.guest(a)));
                }
                Ok(v)
            })?;
            let complete = got.len() == chunk.len();
            out.extend(got);
            match out.last() {
                Some((id, a)) if complete && a.is_dir() => cur = *id,
                _ => break,
            }
        }
        Ok(out)
    }

    /// Fresh attributes of `node`.
    pub fn stat(&self, node: NodeId) -> Result<Attr> {
        let a = self.call(&Request::Stat { node }, |r, _| {
            proto::get_attr(r).map_err(proto_err)
        })?;
        Ok(self.guest(a))
    }

    /// Open `node` for I/O. `flags`: an access mode plus any of `O_TRUNC`,
    /// `O_APPEND`, `O_DIRECTORY`, `O_NONBLOCK` (others are ignored). FIFOs
    /// always come back non-blocking; device nodes are refused (EPERM).
    pub fn open(&self, node: NodeId, flags: i32) -> Result<OwnedFd> {
        self.call(&Request::Open { node, flags }, |_, fds| one_fd(fds))
    }

    /// Create and open a regular file `dir/name` (`O_CREAT | O_EXCL`
    /// implied), owned by `uid`/`gid` if the gofer may give it away.
    pub fn create(
        &self,
        dir: NodeId,
        name: &[u8],
        flags: i32,
        mode: u32,
        uid: u32,
        gid: u32,
    ) -> Result<(NodeId, Attr, OwnedFd)> {
        validate_name(name)?;
        let (uid, gid) = self.host_owner(uid, gid)?;
        let req = Request::Create {
            dir,
            name,
            flags,
            mode,
            uid,
            gid,
        };
        let (id, attr, fd) = self.call(&req, |r, fds| {
            let (id, attr) = proto::get_node(r).map_err(proto_err)?;
            Ok((id, attr, one_fd(fds)?))
        })?;
        Ok((id, self.guest(attr), fd))
    }

    /// Make a directory.
    pub fn mkdir(
        &self,
        dir: NodeId,
        name: &[u8],
        mode: u32,
        uid: u32,
        gid: u32,
    ) -> Result<(NodeId, Attr)> {
        validate_name(name)?;
        let (uid, gid) = self.host_owner(uid, gid)?;
        self.call_node(&Request::Mkdir {
            dir,
            name,
            mode,
            uid,
            gid,
        })
    }

    /// Make a FIFO or an empty regular file (`mode` carries the type; other
    /// types fail with EPERM).
    pub fn mknod(
        &self,
        dir: NodeId,
        name: &[u8],
        mode: u32,
        rdev: u64,
        uid: u32,
        gid: u32,
    ) -> Result<(NodeId, Attr)> {
        validate_name(name)?;
        let (uid, gid) = self.host_owner(uid, gid)?;
        self.call_node(&Request::Mknod {
            dir,
            name,
            mode,
            rdev,
            uid,
            gid,
        })
    }

    /// Make a symbolic link `dir/name` -> `target`.
    pub fn symlink(
        &self,
        dir: NodeId,
        name: &[u8],
        target: &[u8],
        uid: u32,
        gid: u32,
    ) -> Result<(NodeId, Attr)> {
        validate_name(name)?;
        if target.len() >= libc::PATH_MAX as usize {
            return Err(libc::ENAMETOOLONG);
        }
        let (uid, gid) = self.host_owner(uid, gid)?;
        self.call_node(&Request::Symlink {
            dir,
            name,
            target,
            uid,
            gid,
        })
    }

    /// Make a hard link `dir/name` to the file `target`.
    pub fn link(&self, dir: NodeId, name: &[u8], target: NodeId) -> Result<(NodeId, Attr)> {
        validate_name(name)?;
        self.call_node(&Request::Link { dir, name, target })
    }

    /// Remove `dir/name`; `flags` is 0 or `AT_REMOVEDIR`.
    pub fn unlink(&self, dir: NodeId, name: &[u8], flags: i32) -> Result<()> {
        validate_name(name)?;
        self.call_unit(&Request::Unlink { dir, name, flags })
    }

    /// `renameat2(olddir/oldname, newdir/newname, flags)` with `flags` 0,
    /// `RENAME_NOREPLACE` or `RENAME_EXCHANGE`. Nodes walked through the old
    /// name keep working under the new one.
    pub fn rename(
        &self,
        olddir: NodeId,
        oldname: &[u8],
        newdir: NodeId,
        newname: &[u8],
        flags: u32,
    ) -> Result<()> {
        validate_name(oldname)?;
        validate_name(newname)?;
        self.call_unit(&Request::Rename {
            olddir,
            oldname,
            newdir,
            newname,
            flags,
        })
    }

    /// The target of a symlink node (EINVAL for other types).
    pub fn readlink(&self, node: NodeId) -> Result<Vec<u8>> {
        self.call_bytes(&Request::Readlink { node })
    }

    /// Entries of `dir` after `cookie` (0 = from the start), as many as fit
    /// one reply, in the host's order, `.` and `..` included (their inode
    /// numbers are the host's; a caller shows its own). Resume with the last entry's `off`;
    /// an empty result is the end.
    pub fn getdents(&self, dir: NodeId, cookie: u64) -> Result<Vec<Dirent>> {
        self.call(&Request::Getdents { dir, cookie }, |r, _| {
            let count = r.u32().map_err(proto_err)? as usize;
            // Each entry is at least 21 bytes: bound the allocation by the
            // payload actually received.
            let mut v = Vec::with_capacity(count.min(r.remaining() / proto::dirent_size(0)));
            for _ in 0..count {
                v.push(proto::get_dirent(r).map_err(proto_err)?);
            }
            Ok(v)
        })
    }

    /// Change the attributes `attr.mask` names.
    pub fn setattr(&self, node: NodeId, attr: &SetAttr) -> Result<()> {
        let mut attr = *attr;
        // chown to an id the mapping lacks: EINVAL, as in Linux.
        if attr.mask & crate::SETATTR_UID != 0 {
            attr.uid = self.ids.uid_to_host(attr.uid).ok_or(libc::EINVAL)?;
        }
        if attr.mask & crate::SETATTR_GID != 0 {
            attr.gid = self.ids.gid_to_host(attr.gid).ok_or(libc::EINVAL)?;
        }
        self.call_unit(&Request::SetAttr { node, attr })
    }

    /// Statistics of the file system holding `node`.
    pub fn statfs(&self, node: NodeId) -> Result<Statfs> {
        self.call(&Request::Statfs { node }, |r, _| {
            proto::get_statfs(r).map_err(proto_err)
        })
    }

    /// The value of extended attribute `name`. `size` is the caller's buffer
    /// size: a larger value fails with ERANGE; 0 means "any size" (the value
    /// is returned and the caller reports its length). Values are capped at
    /// 64 KiB.
    pub fn getxattr(&self, node: NodeId, name: &[u8], size: usize) -> Result<Vec<u8>> {
        self.call_bytes(&Request::GetXattr {
            node,
            name,
            size: size as u64,
        })
    }

    /// Set extended attribute `name` (`flags`: `XATTR_CREATE`,
    /// `XATTR_REPLACE`).
    pub fn setxattr(&self, node: NodeId, name: &[u8], value: &[u8], flags: i32) -> Result<()> {
        if value.len() > proto::MAX_XATTR {
            return Err(libc::E2BIG);
        }
        self.call_unit(&Request::SetXattr {
            node,
            name,
            value,
            flags,
        })
    }

    /// The NUL-separated list of extended attribute names; `size` as for
    /// [`Client::getxattr`].
    pub fn listxattr(&self, node: NodeId, size: usize) -> Result<Vec<u8>> {
        self.call_bytes(&Request::ListXattr {
            node,
            size: size as u64,
        })
    }

    /// Remove extended attribute `name`.
    pub fn removexattr(&self, node: NodeId, name: &[u8]) -> Result<()> {
        self.call_unit(&Request::RemoveXattr { node, name })
    }

    /// Release node handles (unknown ones are ignored).
    pub fn close(&self, nodes: &[NodeId]) -> Result<()> {
        // Keep each request within MAX_MESSAGE: 8 bytes per id.
        for chunk in nodes.chunks((MAX_MESSAGE - 16) / 8) {
            self.call_unit(&Request::Close {
                nodes: chunk.to_vec(),
            })?;
        }
        Ok(())
    }
}

/// Exactly one donated fd, else EIO (extra fds are closed on drop).
fn one_fd(fds: Vec<OwnedFd>) -> std::result::Result<OwnedFd, i32> {
    let mut it = fds.into_iter();
    match (it.next(), it.next()) {
        (Some(fd), None) => Ok(fd),
        _ => Err(libc::EIO),
    }
}
