//! Character devices (/dev/null, zero, full, random, urandom, tty) and the
//! /dev tree: a memfs with device nodes and the fd links.

use super::memfs::{MemFs, Node};
use crate::abi::file::dev::*;
use crate::abi::file::Stat;
use crate::abi::Errno;
use crate::kernel::Task;
use crate::mm::MemoryFile;
use crate::vfs::file::copy_to_iovecs;
use crate::vfs::{FileOps, Inode, NewNode, Owner};
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Null,
    Zero,
    Full,
    Random,
}

/// An open memory device.
struct MemDevice(Kind);

fn fill(iov: &[libc::iovec], random: bool) -> usize {
    let mut done = 0;
    for v in iov {
        // SAFETY: iovecs built by io_vecs cover writable memory-file ranges.
        let buf = unsafe { std::slice::from_raw_parts_mut(v.iov_base.cast::<u8>(), v.iov_len) };
        if random {
            crate::loader::fill_random(buf);
        } else {
            buf.fill(0);
        }
        done += v.iov_len;
    }
    done
}

impl FileOps for MemDevice {
    fn epollable(&self) -> bool {
        false
    }
    fn read(&self, _t: &Task, iov: &[libc::iovec], _off: Option<u64>) -> Result<usize, Errno> {
        Ok(match self.0 {
            Kind::Null => 0,
            Kind::Zero | Kind::Full => fill(iov, false),
            Kind::Random => fill(iov, true),
        })
    }
    fn write(&self, _t: &Task, iov: &[libc::iovec], _off: Option<u64>) -> Result<usize, Errno> {
        match self.0 {
            Kind::Full => Err(Errno::ENOSPC),
            _ => Ok(iov.iter().map(|v| v.iov_len).sum()),
        }
    }
    fn stat(&self) -> Result<Stat, Errno> {
        Ok(Stat::default())
    }
    fn size(&self) -> Result<u64, Errno> {
        Ok(0)
    }
    fn mmap_source(&self) -> Option<crate::vfs::MmapSource> {
        (self.0 == Kind::Zero).then_some(crate::vfs::MmapSource::Anon)
    }
    fn seek(&self, _off: i64, _whence: i32) -> Option<Result<u64, Errno>> {
        // The memory devices ignore seeks and stay at offset 0.
        Some(Ok(0))
    }
}

/// Opens the device `rdev`.
pub fn open_device(t: &Task, rdev: u64) -> Result<Box<dyn FileOps>, Errno> {
    let kind = match (major(rdev), minor(rdev)) {
        (MEM_MAJOR, NULL_MINOR) => Kind::Null,
        (MEM_MAJOR, ZERO_MINOR) => Kind::Zero,
        (MEM_MAJOR, FULL_MINOR) => Kind::Full,
        (MEM_MAJOR, RANDOM_MINOR) | (MEM_MAJOR, URANDOM_MINOR) => Kind::Random,
        // No controlling terminal yet: Linux says ENXIO.
        (TTYAUX_MAJOR, TTY_MINOR) => return controlling_terminal(t),
        // The console is the sandbox's first terminal.
        (TTYAUX_MAJOR, CONSOLE_MINOR) => return terminal(0),
        (UNIX98_PTY_SLAVE_MAJOR, n) => return terminal(n),
        (TTYAUX_MAJOR, PTMX_MINOR) => return Err(Errno::ENODEV),
        _ => return Err(Errno::ENXIO),
    };
    Ok(Box::new(MemDevice(kind)))
}

/// Opens terminal `index` (ENXIO if the sandbox has none).
fn terminal(index: u32) -> Result<Box<dyn FileOps>, Errno> {
    let t = super::host::tty::get(index).ok_or(Errno::ENXIO)?;
    Ok(Box::new(super::host::tty::TtyFile(t)))
}

/// Opens /dev/tty: the controlling terminal of `t`'s session (ENXIO if
/// it has none).
fn controlling_terminal(t: &Task) -> Result<Box<dyn FileOps>, Errno> {
    let (_, sid) = t.kernel.procs.pgid_sid(t.tgid).ok_or(Errno::ENXIO)?;
    let key = t.kernel.procs.ctty_key(sid).ok_or(Errno::ENXIO)?;
    let term = super::host::tty::by_key(key).ok_or(Errno::ENXIO)?;
    Ok(Box::new(super::host::tty::TtyFile(term)))
}

/// Builds the /dev tree.
pub fn new_devfs(mf: Arc<MemoryFile>) -> Arc<Node> {
    let fs = MemFs::new(mf, crate::abi::file::magic::TMPFS_MAGIC, open_device);
    let root = fs.root(0o755, None);
    let owner = Owner::default();
    let devs = [
        (&b"null"[..], MEM_MAJOR, NULL_MINOR),
        (b"zero", MEM_MAJOR, ZERO_MINOR),
        (b"full", MEM_MAJOR, FULL_MINOR),
        (b"random", MEM_MAJOR, RANDOM_MINOR),
        (b"urandom", MEM_MAJOR, URANDOM_MINOR),
        (b"tty", TTYAUX_MAJOR, TTY_MINOR),
        (b"ptmx", TTYAUX_MAJOR, PTMX_MINOR),
    ];
    for (name, ma, mi) in devs {
        let _ = root.create(name, NewNode::CharDev(makedev(ma, mi)), 0o666, owner);
    }
    let links = [
        (&b"fd"[..], &b"/proc/self/fd"[..]),
        (b"stdin", b"/proc/self/fd/0"),
        (b"stdout", b"/proc/self/fd/1"),
        (b"stderr", b"/proc/self/fd/2"),
    ];
    for (name, target) in links {
        let _ = root.create(name, NewNode::Symlink(target), 0o777, owner);
    }
    for d in [&b"pts"[..], b"shm"] {
        let _ = root.create(d, NewNode::Dir, 0o755, owner);
    }
    root
}

/// Builds a devpts: its `ptmx` node (opening it gives ENODEV, as
/// /dev/ptmx does: the sandbox makes no ptys of its own) with
/// `ptmx_mode`; the terminals the sandbox was given appear in it as N
/// when it is mounted at /dev/pts.
pub fn new_devpts(mf: Arc<MemoryFile>, ptmx_mode: u32) -> Arc<Node> {
    let fs = MemFs::new(mf, crate::abi::file::magic::DEVPTS_SUPER_MAGIC, open_device);
    let root = fs.root(0o755, None);
    let ptmx = NewNode::CharDev(makedev(TTYAUX_MAJOR, PTMX_MINOR));
    let _ = root.create(b"ptmx", ptmx, ptmx_mode, Owner::default());
    root
}

/// A /dev/null node that is in no directory, to mount over a file the
/// container's spec masks (as runc bind-mounts /dev/null).
pub fn null_node(mf: Arc<MemoryFile>) -> Result<crate::vfs::InodeRef, Errno> {
    let fs = MemFs::new(mf, crate::abi::file::magic::TMPFS_MAGIC, open_device);
    let dir = fs.root(0o755, None);
    let null = NewNode::CharDev(makedev(MEM_MAJOR, NULL_MINOR));
    dir.create(b"null", null, 0o666, Owner::default())
}

/// Builds the minimal /sys: devices/system/cpu/{online,possible,present}.
pub fn new_sysfs(mf: Arc<MemoryFile>, ncpu: usize) -> Arc<Node> {
    let fs = MemFs::new(mf, crate::abi::file::magic::SYSFS_MAGIC, open_device);
    let root = fs.root(0o555, None);
    let owner = Owner::default();
    let range = if ncpu <= 1 {
        "0\n".to_string()
    } else {
        format!("0-{}\n", ncpu - 1)
    };
    let mut dir: crate::vfs::InodeRef = root.clone();
    for name in [&b"devices"[..], b"system", b"cpu"] {
        dir = match dir.create(name, NewNode::Dir, 0o755, owner) {
            Ok(d) => d,
            Err(_) => return root,
        };
    }
    for name in [&b"online"[..], b"possible", b"present"] {
        if let Ok(f) = dir.create(name, NewNode::Regular, 0o444, owner) {
            if let Some(n) = f.as_any().downcast_ref::<Node>() {
                n.write_all(range.as_bytes());
            }
        }
    }
    for d in [
        &b"fs"[..],
        b"kernel",
        b"class",
        b"bus",
        b"block",
        b"dev",
        b"module",
        b"firmware",
    ] {
        let _ = root.create(d, NewNode::Dir, 0o755, owner);
    }
    root
}

/// Bytes of a small generated file, for readers that copy into iovecs.
pub fn read_bytes(data: &[u8], off: u64, iov: &[libc::iovec]) -> usize {
    copy_to_iovecs(data, off, iov)
}
