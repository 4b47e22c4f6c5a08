//! The wire protocol between the sentry (client) and the gofer (server).
//!
//! Transport: a `SOCK_SEQPACKET` unix socket. One request is one packet and
//! its reply is the next packet in the other direction; file descriptors ride
//! on the reply as `SCM_RIGHTS`. Requests are never pipelined, so replies
//! carry no tag: the client holds its socket lock for the whole round trip.
//!
//! Encoding is little-endian and compact:
//! - request: `u32` opcode, then the fields of [`Request`] in declaration
//!   order; byte strings are a `u32` length followed by the bytes;
//! - reply: `i32` status (0 = ok, otherwise a positive Linux errno), then on
//!   success the payload of the opcode (see the `put_*`/`get_*` helpers).
//!
//! Every decode goes through [`Reader`], whose reads are bounds-checked and
//! fail with [`ProtoError`] on truncation; a decoded request must consume the
//! whole packet. No message may exceed [`MAX_MESSAGE`].

use crate::{Attr, Dirent, NodeId, SetAttr, Statfs};

/// The largest packet either side sends or accepts: 64 KiB of payload
/// (enough for an `XATTR_SIZE_MAX` value) plus room for headers.
pub const MAX_MESSAGE: usize = 64 * 1024 + 4096;

/// The largest extended attribute value or list carried (Linux's
/// `XATTR_SIZE_MAX` and `XATTR_LIST_MAX`).
pub const MAX_XATTR: usize = 64 * 1024;

/// The most file descriptors one reply carries.
pub const MAX_FDS: usize = 1;

/// The most components one [`Request::WalkMany`] may carry (its reply of
/// that many nodes stays well under [`MAX_MESSAGE`]).
pub const MAX_WALK: usize = 256;

/// Encoded size of an [`Attr`].
pub const ATTR_SIZE: usize = 15 * 8;

/// A request that does not decode: truncated, trailing bytes, a length past
/// the end, or an unknown opcode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProtoError;

impl std::fmt::Display for ProtoError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("malformed gofer message")
    }
}

impl std::error::Error for ProtoError {}

/// Opcodes, one per [`Request`] variant.
pub mod op {
    /// [`super::Request::Attach`]
    pub const ATTACH: u32 = 1;
    /// [`super::Request::Walk`]
    pub const WALK: u32 = 2;
    /// [`super::Request::WalkMany`]
    pub const WALK_MANY: u32 = 3;
    /// [`super::Request::Stat`]
    pub const STAT: u32 = 4;
    /// [`super::Request::Open`]
    pub const OPEN: u32 = 5;
    /// [`super::Request::Create`]
    pub const CREATE: u32 = 6;
    /// [`super::Request::Mkdir`]
    pub const MKDIR: u32 = 7;
    /// [`super::Request::Mknod`]
    pub const MKNOD: u32 = 8;
    /// [`super::Request::Symlink`]
    pub const SYMLINK: u32 = 9;
    /// [`super::Request::Link`]
    pub const LINK: u32 = 10;
    /// [`super::Request::Unlink`]
    pub const UNLINK: u32 = 11;
    /// [`super::Request::Rename`]
    pub const RENAME: u32 = 12;
    /// [`super::Request::Readlink`]
    pub const READLINK: u32 = 13;
    /// [`super::Request::Getdents`]
    pub const GETDENTS: u32 = 14;
    /// [`super::Request::SetAttr`]
    pub const SETATTR: u32 = 15;
    /// [`super::Request::Statfs`]
    pub const STATFS: u32 = 16;
    /// [`super::Request::GetXattr`]
    pub const GETXATTR: u32 = 17;
    /// [`super::Request::SetXattr`]
    pub const SETXATTR: u32 = 18;
    /// [`super::Request::ListXattr`]
    pub const LISTXATTR: u32 = 19;
    /// [`super::Request::RemoveXattr`]
    pub const REMOVEXATTR: u32 = 20;
    /// [`super::Request::Close`]
    pub const CLOSE: u32 = 21;
    /// [`super::Request::AttachMount`]
    pub const ATTACH_MOUNT: u32 = 22;
}

/// One request from the sentry. Byte strings borrow from the packet.
///
/// The reply payload of each variant is noted on it; "node" means a
/// [`NodeId`] followed by an [`Attr`] (see [`put_node`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request<'a> {
    /// The served root. Reply: node.
    Attach,
    /// One path component below `dir`. Reply: node.
    Walk {
        /// Directory to look in.
        dir: NodeId,
        /// A single component.
        name: &'a [u8],
    },
    /// Several components in one round trip. Reply: `u32` count, then count
    /// nodes.
    WalkMany {
        /// Directory to start from.
        dir: NodeId,
        /// Components, in order.
        names: Vec<&'a [u8]>,
    },
    /// Fresh attributes. Reply: [`Attr`].
    Stat {
        /// The node.
        node: NodeId,
    },
    /// Open the node for I/O. Reply: empty, plus one fd.
    Open {
        /// The node.
        node: NodeId,
        /// `open(2)` flags (the server masks them).
        flags: i32,
    },
    /// Create and open a regular file. Reply: node, plus one fd.
    Create {
        /// Parent directory.
        dir: NodeId,
        /// New name.
        name: &'a [u8],
        /// `open(2)` flags.
        flags: i32,
        /// Permission bits.
        mode: u32,
        /// Owner.
        uid: u32,
        /// Group.
        gid: u32,
    },
    /// Make a directory. Reply: node.
    Mkdir {
        /// Parent directory.
        dir: NodeId,
        /// New name.
        name: &'a [u8],
        /// Permission bits.
        mode: u32,
        /// Owner.
        uid: u32,
        /// Group.
        gid: u32,
    },
    /// Make a FIFO or regular file. Reply: node.
    Mknod {
        /// Parent directory.
        dir: NodeId,
        /// New name.
        name: &'a [u8],
        /// File type and permission bits.
        mode: u32,
        /// Device number (unused for the allowed types).
        rdev: u64,
        /// Owner.
        uid: u32,
        /// Group.
        gid: u32,
    },
    /// Make a symbolic link. Reply: node.
    Symlink {
        /// Parent directory.
        dir: NodeId,
        /// New name.
        name: &'a [u8],
        /// Link contents.
        target: &'a [u8],
        /// Owner.
        uid: u32,
        /// Group.
        gid: u32,
    },
    /// Make a hard link to `target` named `dir/name`. Reply: node.
    Link {
        /// Parent directory of the new link.
        dir: NodeId,
        /// New name.
        name: &'a [u8],
        /// Existing node to link to.
        target: NodeId,
    },
    /// Remove a name. Reply: empty.
    Unlink {
        /// Parent directory.
        dir: NodeId,
        /// Name to remove.
        name: &'a [u8],
        /// 0 or `AT_REMOVEDIR`.
        flags: i32,
    },
    /// `renameat2`. Reply: empty.
    Rename {
        /// Source directory.
        olddir: NodeId,
        /// Source name.
        oldname: &'a [u8],
        /// Destination directory.
        newdir: NodeId,
        /// Destination name.
        newname: &'a [u8],
        /// `RENAME_NOREPLACE` / `RENAME_EXCHANGE`.
        flags: u32,
    },
    /// Symlink contents. Reply: bytes.
    Readlink {
        /// The symlink node.
        node: NodeId,
    },
    /// Directory entries after `cookie`. Reply: `u32` count, then count
    /// [`Dirent`]s (see [`put_dirent`]).
    Getdents {
        /// The directory.
        dir: NodeId,
        /// 0 for the start, else the `off` of the last entry seen.
        cookie: u64,
    },
    /// Change attributes. Reply: empty.
    SetAttr {
        /// The node.
        node: NodeId,
        /// What to change.
        attr: SetAttr,
    },
    /// File system statistics. Reply: [`Statfs`].
    Statfs {
        /// Any node of the file system.
        node: NodeId,
    },
    /// One extended attribute. Reply: bytes.
    GetXattr {
        /// The node.
        node: NodeId,
        /// Attribute name.
        name: &'a [u8],
        /// Caller's buffer size (0 = any).
        size: u64,
    },
    /// Set an extended attribute. Reply: empty.
    SetXattr {
        /// The node.
        node: NodeId,
        /// Attribute name.
        name: &'a [u8],
        /// New value.
        value: &'a [u8],
        /// `XATTR_CREATE` / `XATTR_REPLACE`.
        flags: i32,
    },
    /// List extended attribute names. Reply: bytes.
    ListXattr {
        /// The node.
        node: NodeId,
        /// Caller's buffer size (0 = any).
        size: u64,
    },
    /// Remove an extended attribute. Reply: empty.
    RemoveXattr {
        /// The node.
        node: NodeId,
        /// Attribute name.
        name: &'a [u8],
    },
    /// Release node handles. Reply: empty.
    Close {
        /// Handles to release; unknown ones are ignored.
        nodes: Vec<NodeId>,
    },
    /// The root of one of the extra trees the gofer serves besides its
    /// root (an OCI bind mount: a directory or a single file), by its
    /// index in the order they were given. Reply: node (ENOENT past the
    /// last one).
    AttachMount {
        /// Which tree.
        index: u32,
    },
}

/// A bounds-checked little-endian cursor over a received packet.
#[derive(Debug)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A cursor at the start of `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    /// The next `n` bytes, or an error if fewer remain.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], ProtoError> {
        let end = self.pos.checked_add(n).ok_or(ProtoError)?;
        let s = self.buf.get(self.pos..end).ok_or(ProtoError)?;
        self.pos = end;
        Ok(s)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], ProtoError> {
        let s = self.take(N)?;
        s.try_into().map_err(|_| ProtoError)
    }

    /// A `u8`.
    pub fn u8(&mut self) -> Result<u8, ProtoError> {
        Ok(self.array::<1>()?[0])
    }

    /// A little-endian `u32`.
    pub fn u32(&mut self) -> Result<u32, ProtoError> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    /// A little-endian `i32`.
    pub fn i32(&mut self) -> Result<i32, ProtoError> {
        Ok(i32::from_le_bytes(self.array()?))
    }

    /// A little-endian `u64`.
    pub fn u64(&mut self) -> Result<u64, ProtoError> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    /// A little-endian `i64`.
    pub fn i64(&mut self) -> Result<i64, ProtoError> {
        Ok(i64::from_le_bytes(self.array()?))
    }

    /// A `u32`-length-prefixed byte string.
    pub fn bytes(&mut self) -> Result<&'a [u8], ProtoError> {
        let n = usize::try_from(self.u32()?).map_err(|_| ProtoError)?;
        self.take(n)
    }

    /// Bytes not yet read.
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// Succeeds only if the whole packet was consumed.
    pub fn finish(&self) -> Result<(), ProtoError> {
        if self.remaining() == 0 {
            Ok(())
        } else {
            Err(ProtoError)
        }
    }
}

/// A little-endian encoder into a growing buffer.
#[derive(Debug, Default)]
pub struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    /// An empty buffer.
    pub fn new() -> Self {
        Writer::default()
    }

    /// Append a `u8`.
    pub fn u8(&mut self, v: u8) -> &mut Self {
        self.buf.push(v);
        self
    }

    /// Append a `u32`.
    pub fn u32(&mut self, v: u32) -> &mut Self {
        self.buf.extend_from_slice(&v.to_le_bytes());
        self
    }

    /// Append an `i32`.
    pub fn i32(&mut self, v: i32) -> &mut Self {
        self.buf.extend_from_slice(&v.to_le_bytes());
        self
    }

    /// Append a `u64`.
    pub fn u64(&mut self, v: u64) -> &mut Self {
        self.buf.extend_from_slice(&v.to_le_bytes());
        self
    }

    /// Append an `i64`.
    pub fn i64(&mut self, v: i64) -> &mut Self {
        self.buf.extend_from_slice(&v.to_le_bytes());
        self
    }

    /// Append a `u32`-length-prefixed byte string. Lengths past `u32::MAX`
    /// are clamped, which can only produce an oversized (rejected) message.
    pub fn bytes(&mut self, v: &[u8]) -> &mut Self {
        self.u32(u32::try_from(v.len()).unwrap_or(u32::MAX));
        self.buf.extend_from_slice(v);
        self
    }

    /// Bytes written so far.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// True if nothing was written.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Drop everything past `len` bytes.
    pub fn truncate(&mut self, len: usize) {
        self.buf.truncate(len);
    }

    /// Overwrite four bytes at `at` with `v` (for counts known only later).
    /// Out-of-range positions are ignored.
    pub fn patch_u32(&mut self, at: usize, v: u32) {
        if let Some(s) = at.checked_add(4).and_then(|end| self.buf.get_mut(at..end)) {
            s.copy_from_slice(&v.to_le_bytes());
        }
    }

    /// The encoded bytes.
    pub fn into_vec(self) -> Vec<u8> {
        self.buf
    }

    /// The encoded bytes, borrowed.
    pub fn as_slice(&self) -> &[u8] {
        &self.buf
    }
}

impl Request<'_> {
    /// This request's opcode.
    pub fn opcode(&self) -> u32 {
        match self {
            Request::Attach => op::ATTACH,
            Request::Walk { .. } => op::WALK,
            Request::WalkMany { .. } => op::WALK_MANY,
            Request::Stat { .. } => op::STAT,
            Request::Open { .. } => op::OPEN,
            Request::Create { .. } => op::CREATE,
            Request::Mkdir { .. } => op::MKDIR,
            Request::Mknod { .. } => op::MKNOD,
            Request::Symlink { .. } => op::SYMLINK,
            Request::Link { .. } => op::LINK,
            Request::Unlink { .. } => op::UNLINK,
            Request::Rename { .. } => op::RENAME,
            Request::Readlink { .. } => op::READLINK,
            Request::Getdents { .. } => op::GETDENTS,
            Request::SetAttr { .. } => op::SETATTR,
            Request::Statfs { .. } => op::STATFS,
            Request::GetXattr { .. } => op::GETXATTR,
            Request::SetXattr { .. } => op::SETXATTR,
            Request::ListXattr { .. } => op::LISTXATTR,
            Request::RemoveXattr { .. } => op::REMOVEXATTR,
            Request::Close { .. } => op::CLOSE,
            Request::AttachMount { .. } => op::ATTACH_MOUNT,
        }
    }

    /// True for requests that change the file system (refused when serving
    /// read-only). `Open` is judged by its flags separately.
    pub fn is_mutation(&self) -> bool {
        matches!(
            self,
            Request::Create { .. }
                | Request::Mkdir { .. }
                | Request::Mknod { .. }
                | Request::Symlink { .. }
                | Request::Link { .. }
                | Request::Unlink { .. }
                | Request::Rename { .. }
                | Request::SetAttr { .. }
                | Request::SetXattr { .. }
                | Request::RemoveXattr { .. }
        )
    }

    /// Encode into a packet.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.u32(self.opcode());
        match self {
            Request::Attach => {}
            Request::Walk { dir, name } => {
                w.u64(*dir).bytes(name);
            }
            Request::WalkMany { dir, names } => {
                w.u64(*dir)
                    .u32(u32::try_from(names.len()).unwrap_or(u32::MAX));
                for n in names {
                    w.bytes(n);
                }
            }
            Request::Stat { node } | Request::Readlink { node } | Request::Statfs { node } => {
                w.u64(*node);
            }
            Request::Open { node, flags } => {
                w.u64(*node).i32(*flags);
            }
            Request::Create {
                dir,
                name,
                flags,
                mode,
                uid,
                gid,
            } => {
                w.u64(*dir)
                    .bytes(name)
                    .i32(*flags)
                    .u32(*mode)
                    .u32(*uid)
                    .u32(*gid);
            }
            Request::Mkdir {
                dir,
                name,
                mode,
                uid,
                gid,
            } => {
                w.u64(*dir).bytes(name).u32(*mode).u32(*uid).u32(*gid);
            }
            Request::Mknod {
                dir,
                name,
                mode,
                rdev,
                uid,
                gid,
            } => {
                w.u64(*dir)
                    .bytes(name)
                    .u32(*mode)
                    .u64(*rdev)
                    .u32(*uid)
                    .u32(*gid);
            }
            Request::Symlink {
                dir,
                name,
                target,
                uid,
                gid,
            } => {
                w.u64(*dir).bytes(name).bytes(target).u32(*uid).u32(*gid);
            }
            Request::Link { dir, name, target } => {
                w.u64(*dir).bytes(name).u64(*target);
            }
            Request::Unlink { dir, name, flags } => {
                w.u64(*dir).bytes(name).i32(*flags);
            }
            Request::Rename {
                olddir,
                oldname,
                newdir,
                newname,
                flags,
            } => {
                w.u64(*olddir)
                    .bytes(oldname)
                    .u64(*newdir)
                    .bytes(newname)
                    .u32(*flags);
            }
            Request::Getdents { dir, cookie } => {
                w.u64(*dir).u64(*cookie);
            }
            Request::SetAttr { node, attr } => {
                w.u64(*node)
                    .u32(attr.mask)
                    .u32(attr.mode)
                    .u32(attr.uid)
                    .u32(attr.gid)
                    .u64(attr.size)
                    .i64(attr.atime.0)
                    .i64(attr.atime.1)
                    .i64(attr.mtime.0)
                    .i64(attr.mtime.1);
            }
            Request::GetXattr { node, name, size } => {
                w.u64(*node).bytes(name).u64(*size);
            }
            Request::SetXattr {
                node,
                name,
                value,
                flags,
            } => {
                w.u64(*node).bytes(name).bytes(value).i32(*flags);
            }
            Request::ListXattr { node, size } => {
                w.u64(*node).u64(*size);
            }
            Request::RemoveXattr { node, name } => {
                w.u64(*node).bytes(name);
            }
            Request::Close { nodes } => {
                w.u32(u32::try_from(nodes.len()).unwrap_or(u32::MAX));
                for n in nodes {
                    w.u64(*n);
                }
            }
            Request::AttachMount { index } => {
                w.u32(*index);
            }
        }
        w.into_vec()
    }

    /// Decode a whole packet. Fails on an unknown opcode, truncation or
    /// trailing bytes.
    pub fn decode(buf: &[u8]) -> Result<Request<'_>, ProtoError> {
        let mut r = Reader::new(buf);
        let req = match r.u32()? {
            op::ATTACH => Request::Attach,
            op::WALK => Request::Walk {
                dir: r.u64()?,
                name: r.bytes()?,
            },
            op::WALK_MANY => {
                let dir = r.u64()?;
                let count = r.u32()?;
                // Each name costs at least its 4-byte length, so the count
                // cannot exceed what the packet holds: no huge allocation.
                if count as usize > r.remaining() / 4 {
                    return Err(ProtoError);
                }
                let mut names = Vec::with_capacity(count as usize);
                for _ in 0..count {
                    names.push(r.bytes()?);
                }
                Request::WalkMany { dir, names }
            }
            op::STAT => Request::Stat { node: r.u64()? },
            op::OPEN => Request::Open {
                node: r.u64()?,
                flags: r.i32()?,
            },
            op::CREATE => Request::Create {
                dir: r.u64()?,
                name: r.bytes()?,
                flags: r.i32()?,
                mode: r.u32()?,
                uid: r.u32()?,
                gid: r.u32()?,
            },
            op::MKDIR => Request::Mkdir {
                dir: r.u64()?,
                name: r.bytes()?,
                mode: r.u32()?,
                uid: r.u32()?,
                gid: r.u32()?,
            },
            op::MKNOD => Request::Mknod {
                dir: r.u64()?,
                name: r.bytes()?,
                mode: r.u32()?,
                rdev: r.u64()?,
                uid: r.u32()?,
                gid: r.u32()?,
            },
            op::SYMLINK => Request::Symlink {
                dir: r.u64()?,
                name: r.bytes()?,
                target: r.bytes()?,
                uid: r.u32()?,
                gid: r.u32()?,
            },
            op::LINK => Request::Link {
                dir: r.u64()?,
                name: r.bytes()?,
                target: r.u64()?,
            },
            op::UNLINK => Request::Unlink {
                dir: r.u64()?,
                name: r.bytes()?,
                flags: r.i32()?,
            },
            op::RENAME => Request::Rename {
                olddir: r.u64()?,
                oldname: r.bytes()?,
                newdir: r.u64()?,
                newname: r.bytes()?,
                flags: r.u32()?,
            },
            op::READLINK => Request::Readlink { node: r.u64()? },
            op::GETDENTS => Request::Getdents {
                dir: r.u64()?,
                cookie: r.u64()?,
            },
            op::SETATTR => Request::SetAttr {
                node: r.u64()?,
                attr: SetAttr {
                    mask: r.u32()?,
                    mode: r.u32()?,
                    uid: r.u32()?,
                    gid: r.u32()?,
                    size: r.u64()?,
                    atime: (r.i64()?, r.i64()?),
                    mtime: (r.i64()?, r.i64()?),
                },
            },
            op::STATFS => Request::Statfs { node: r.u64()? },
            op::GETXATTR => Request::GetXattr {
                node: r.u64()?,
                name: r.bytes()?,
                size: r.u64()?,
            },
            op::SETXATTR => Request::SetXattr {
                node: r.u64()?,
                name: r.bytes()?,
                value: r.bytes()?,
                flags: r.i32()?,
            },
            op::LISTXATTR => Request::ListXattr {
                node: r.u64()?,
                size: r.u64()?,
            },
            op::REMOVEXATTR => Request::RemoveXattr {
                node: r.u64()?,
                name: r.bytes()?,
            },
            op::CLOSE => {
                let count = r.u32()?;
                if count as usize > r.remaining() / 8 {
                    return Err(ProtoError);
                }
                let mut nodes = Vec::with_capacity(count as usize);
                for _ in 0..count {
                    nodes.push(r.u64()?);
                }
                Request::Close { nodes }
            }
            op::ATTACH_MOUNT => Request::AttachMount { index: r.u32()? },
            _ => return Err(ProtoError),
        };
        r.finish()?;
        Ok(req)
    }
}

/// Encode an [`Attr`] ([`ATTR_SIZE`] bytes).
pub fn put_attr(w: &mut Writer, a: &Attr) {
    w.u64(a.dev)
        .u64(a.ino)
        .u64(a.nlink)
        .u32(a.mode)
        .u32(a.uid)
        .u32(a.gid)
        .u32(0) // padding keeps the record a multiple of 8 bytes
        .u64(a.rdev)
        .i64(a.size)
        .i64(a.blksize)
        .i64(a.blocks)
        .i64(a.atime)
        .i64(a.atime_nsec)
        .i64(a.mtime)
        .i64(a.mtime_nsec)
        .i64(a.ctime)
        .i64(a.ctime_nsec);
}

/// Decode an [`Attr`].
pub fn get_attr(r: &mut Reader<'_>) -> Result<Attr, ProtoError> {
    let dev = r.u64()?;
    let ino = r.u64()?;
    let nlink = r.u64()?;
    let mode = r.u32()?;
    let uid = r.u32()?;
    let gid = r.u32()?;
    let _pad = r.u32()?;
    Ok(Attr {
        dev,
        ino,
        nlink,
        mode,
        uid,
        gid,
        rdev: r.u64()?,
        size: r.i64()?,
        blksize: r.i64()?,
        blocks: r.i64()?,
        atime: r.i64()?,
        atime_nsec: r.i64()?,
        mtime: r.i64()?,
        mtime_nsec: r.i64()?,
        ctime: r.i64()?,
        ctime_nsec: r.i64()?,
    })
}

/// Encode a node: its id then its attributes.
pub fn put_node(w: &mut Writer, id: NodeId, a: &Attr) {
    w.u64(id);
    put_attr(w, a);
}

/// Decode a node.
pub fn get_node(r: &mut Reader<'_>) -> Result<(NodeId, Attr), ProtoError> {
    Ok((r.u64()?, get_attr(r)?))
}

/// Encode a [`Statfs`].
pub fn put_statfs(w: &mut Writer, s: &Statfs) {
    w.i64(s.typ)
        .i64(s.bsize)
        .u64(s.blocks)
        .u64(s.bfree)
        .u64(s.bavail)
        .u64(s.files)
        .u64(s.ffree)
        .i64(s.namelen)
        .i64(s.frsize)
        .i64(s.flags);
}

/// Decode a [`Statfs`].
pub fn get_statfs(r: &mut Reader<'_>) -> Result<Statfs, ProtoError> {
    Ok(Statfs {
        typ: r.i64()?,
        bsize: r.i64()?,
        blocks: r.u64()?,
        bfree: r.u64()?,
        bavail: r.u64()?,
        files: r.u64()?,
        ffree: r.u64()?,
        namelen: r.i64()?,
        frsize: r.i64()?,
        flags: r.i64()?,
    })
}

/// Encoded size of a directory entry with a name of `name_len` bytes.
pub fn dirent_size(name_len: usize) -> usize {
    8 + 8 + 1 + 4 + name_len
}

/// Encode a [`Dirent`] fields-wise (the server encodes straight from the
/// host buffer without building a `Dirent`).
pub fn put_dirent(w: &mut Writer, ino: u64, off: u64, typ: u8, name: &[u8]) {
    w.u64(ino).u64(off).u8(typ).bytes(name);
}

/// Decode a [`Dirent`].
pub fn get_dirent(r: &mut Reader<'_>) -> Result<Dirent, ProtoError> {
    Ok(Dirent {
        ino: r.u64()?,
        off: r.u64()?,
        typ: r.u8()?,
        name: r.bytes()?.to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_requests() -> Vec<Request<'static>> {
        vec![
            Request::Attach,
            Request::Walk { dir: 1, name: b"a" },
            Request::WalkMany {
                dir: 2,
                names: vec![b"a", b"bb", b""],
            },
            Request::Stat { node: 3 },
            Request::Open { node: 4, flags: 2 },
            Request::Create {
                dir: 5,
                name: b"f",
                flags: 1,
                mode: 0o644,
                uid: 7,
                gid: 8,
            },
            Request::Mkdir {
                dir: 5,
                name: b"d",
                mode: 0o755,
                uid: 1,
                gid: 2,
            },
            Request::Mknod {
                dir: 5,
                name: b"p",
                mode: 0o10644,
                rdev: 9,
                uid: 1,
                gid: 2,
            },
            Request::Symlink {
                dir: 5,
                name: b"l",
                target: b"/etc/passwd",
                uid: 1,
                gid: 2,
            },
            Request::Link {
                dir: 5,
                name: b"h",
                target: 6,
            },
            Request::Unlink {
                dir: 5,
                name: b"x",
                flags: 0x200,
            },
            Request::Rename {
                olddir: 1,
                oldname: b"a",
                newdir: 2,
                newname: b"b",
                flags: 2,
            },
            Request::Readlink { node: 9 },
            Request::Getdents {
                dir: 9,
                cookie: u64::MAX,
            },
            Request::SetAttr {
                node: 9,
                attr: SetAttr {
                    mask: 0xff,
                    mode: 0o600,
                    uid: 1,
                    gid: 2,
                    size: 3,
                    atime: (4, 5),
                    mtime: (-6, 7),
                },
            },
            Request::Statfs { node: 1 },
            Request::GetXattr {
                node: 1,
                name: b"user.x",
                size: 10,
            },
            Request::SetXattr {
                node: 1,
                name: b"user.x",
                value: b"v",
                flags: 1,
            },
            Request::ListXattr { node: 1, size: 0 },
            Request::RemoveXattr {
                node: 1,
                name: b"user.x",
            },
            Request::Close {
                nodes: vec![1, 2, 3],
            },
            Request::AttachMount { index: 2 },
        ]
    }

    #[test]
    fn test_request_roundtrip_all_opcodes_equal() {
        for req in all_requests() {
            let buf = req.encode();
            assert_eq!(Request::decode(&buf), Ok(req.clone()));
        }
    }

    #[test]
    fn test_request_truncated_or_extended_errors() {
        for req in all_requests() {
            let buf = req.encode();
            for n in 0..buf.len() {
                assert_eq!(
                    Request::decode(&buf[..n]),
                    Err(ProtoError),
                    "{req:?} cut at {n}"
                );
            }
            let mut longer = buf.clone();
            longer.push(0);
            assert_eq!(Request::decode(&longer), Err(ProtoError));
        }
    }

    #[test]
    fn test_request_unknown_opcode_errors() {
        assert_eq!(Request::decode(&0u32.to_le_bytes()), Err(ProtoError));
        assert_eq!(Request::decode(&999u32.to_le_bytes()), Err(ProtoError));
    }

    #[test]
    fn test_request_huge_counts_error_without_allocating() {
        let mut w = Writer::new();
        w.u32(op::WALK_MANY).u64(1).u32(u32::MAX);
        assert_eq!(Request::decode(w.as_slice()), Err(ProtoError));
        let mut w = Writer::new();
        w.u32(op::CLOSE).u32(u32::MAX).u64(1);
        assert_eq!(Request::decode(w.as_slice()), Err(ProtoError));
        let mut w = Writer::new();
        w.u32(op::WALK).u64(1).u32(u32::MAX).u8(b'a');
        assert_eq!(Request::decode(w.as_slice()), Err(ProtoError));
    }

    #[test]
    fn test_payload_roundtrip_attr_statfs_dirent() {
        let a = Attr {
            dev: 1,
            ino: 2,
            nlink: 3,
            mode: 4,
            uid: 5,
            gid: 6,
            rdev: 7,
            size: -8,
            blksize: 9,
            blocks: 10,
            atime: 11,
            atime_nsec: 12,
            mtime: 13,
            mtime_nsec: 14,
            ctime: 15,
            ctime_nsec: 16,
        };
        let s = Statfs {
            typ: 1,
            bsize: 2,
            blocks: 3,
            bfree: 4,
            bavail: 5,
            files: 6,
            ffree: 7,
            namelen: 8,
            frsize: 9,
            flags: 10,
        };
        let mut w = Writer::new();
        put_node(&mut w, 42, &a);
        put_statfs(&mut w, &s);
        put_dirent(&mut w, 1, 2, 3, b"name");
        assert_eq!(w.len(), 8 + ATTR_SIZE + 80 + dirent_size(4));
        let mut r = Reader::new(w.as_slice());
        assert_eq!(get_node(&mut r), Ok((42, a)));
        let s2 = get_statfs(&mut r).unwrap();
        assert_eq!((s2.typ, s2.flags, s2.ffree), (1, 10, 7));
        let d = get_dirent(&mut r).unwrap();
        assert_eq!(
            d,
            Dirent {
                ino: 1,
                off: 2,
                typ: 3,
                name: b"name".to_vec()
            }
        );
        assert_eq!(r.finish(), Ok(()));
        assert_eq!(get_attr(&mut r), Err(ProtoError));
    }

    #[test]
    fn test_writer_patch_out_of_range_ignored() {
        let mut w = Writer::new();
        w.u32(0);
        w.patch_u32(0, 7);
        w.patch_u32(1, 9);
        w.patch_u32(usize::MAX, 9);
        assert_eq!(w.as_slice(), &7u32.to_le_bytes());
    }
}
