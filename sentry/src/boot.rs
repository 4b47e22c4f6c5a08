//! Building the sandbox's mount tree and finding the first program.

use crate::abi::file::{magic, AT_FDCWD};
use crate::abi::Errno;
use crate::fsimpl::gofer::rw::RwNode;
use crate::fsimpl::gofer::GoferNode;
use crate::fsimpl::memfs::MemFs;
use crate::kernel::{Kernel, Task};
use crate::vfs::dentry::MountSpec;
use crate::vfs::{resolve, FileDescription, InodeRef, NewNode, Owner, VfsPath};
use crate::{BootError, RootFs};
use std::sync::Arc;

fn spec(fstype: &str, source: &str, options: &str, read_only: bool) -> MountSpec {
    MountSpec {
        fstype: fstype.into(),
        source: source.into(),
        options: options.into(),
        read_only,
    }
}

/// Mounts the root: the gofer's tree under a memory overlay.
pub fn mount_root(kernel: &Arc<Kernel>, root: RootFs) -> Result<VfsPath, BootError> {
    let client = Arc::new(gofer::Client::new(root.gofer));
    let m = if root.overlay {
        let lower = GoferNode::attach(client).map_err(BootError::Root)?;
        let fs = MemFs::new(
            kernel.mf.clone(),
            magic::OVERLAYFS_SUPER_MAGIC,
            crate::fsimpl::dev::open_device,
        );
        let root_inode: InodeRef = fs.root(0o755, Some(lower));
        kernel
            .mounts
            .mount(root_inode, None, spec("overlay", "root", "rw", false))
    } else {
        let root_inode: InodeRef = RwNode::attach(client).map_err(BootError::Root)?;
        kernel
            .mounts
            .mount(root_inode, None, spec("9p", "root", "rw", false))
    };
    *kernel.tmpfs_tmp.lock().unwrap_or_else(|e| e.into_inner()) = root.tmpfs_tmp;
    Ok(VfsPath {
        dentry: m.root.clone(),
        mnt: m,
    })
}

/// Mounts /proc, /dev, /dev/shm, /sys (and /tmp when asked) on the root.
pub fn mount_submounts(t: &Task) {
    let k = &t.kernel;
    let tmpfs = || -> InodeRef {
        MemFs::new(
            k.mf.clone(),
            magic::TMPFS_MAGIC,
            crate::fsimpl::dev::open_device,
        )
        .root(0o1777, None)
    };
    let mut mounts: Vec<(&[u8], InodeRef, MountSpec)> = vec![
        (
            b"/proc",
            crate::fsimpl::proc::new_procfs(),
            spec("proc", "proc", "rw,nosuid,nodev,noexec,relatime", false),
        ),
        (
            b"/dev",
            crate::fsimpl::dev::new_devfs(k.mf.clone()),
            spec("tmpfs", "none", "rw,nosuid,mode=755", false),
        ),
        (
            b"/dev/shm",
            tmpfs(),
            spec("tmpfs", "none", "rw,nosuid,nodev,mode=1777", false),
        ),
        (
            b"/sys",
            crate::fsimpl::dev::new_sysfs(k.mf.clone(), k.ncpu),
            spec("sysfs", "sysfs", "ro,nosuid,nodev,noexec,relatime", true),
        ),
    ];
    if *k.tmpfs_tmp.lock().unwrap_or_else(|e| e.into_inner()) {
        mounts.push((
            b"/tmp",
            tmpfs(),
            spec("tmpfs", "none", "rw,nosuid,nodev,mode=1777", false),
        ));
    }
    for (path, inode, sp) in mounts {
        match mount_point(t, path) {
            Ok(at) => {
                k.mounts.mount(inode, Some(&at), sp);
            }
            Err(e) => crate::log::warn(&format!(
                "cannot mount {} in the sandbox: {e}",
                String::from_utf8_lossy(path)
            )),
        }
    }
}

/// The directory at `path`, created (in the overlay) if missing.
fn mount_point(t: &Task, path: &[u8]) -> Result<VfsPath, Errno> {
    node_at(t, path, NewNode::Dir, 0o755, Owner::default())
}

/// The node at `path`, created as `node` if missing.
fn node_at(
    t: &Task,
    path: &[u8],
    node: NewNode<'_>,
    mode: u32,
    owner: Owner,
) -> Result<VfsPath, Errno> {
    match resolve::lookup_at(t, AT_FDCWD, path, true) {
        Ok(p) => Ok(p),
        Err(Errno::ENOENT) => {
            let parent = resolve::lookup_parent_at(t, AT_FDCWD, path)?;
            let inode = parent.dir.inode().create(&parent.name, node, mode, owner)?;
            let d = parent.dir.dentry.insert_child(&parent.name, inode);
            Ok(VfsPath {
                mnt: parent.dir.mnt.clone(),
                dentry: d,
            })
        }
        Err(e) => Err(e),
    }
}

/// The guest's description of a donated stdio fd: a terminal becomes
/// /dev/pts/N (and the first one /dev/console too); anything else is a
/// plain host file.
pub fn stdio_file(t: &Task, fd: std::os::fd::OwnedFd) -> Arc<FileDescription> {
    use crate::abi::file::dev::*;
    use crate::fsimpl::host::{self, tty};
    let flags = host::status_flags(&fd);
    if !tty::is_terminal(&fd) {
        return FileDescription::new(Box::new(host::HostFile::new(fd)), None, flags);
    }
    let term = tty::register(fd);
    let owner = Owner {
        uid: t.creds.uid,
        gid: TTY_GID,
    };
    let pts = format!("/dev/pts/{}", term.index);
    let rdev = makedev(UNIX98_PTY_SLAVE_MAJOR, term.index);
    let path = node_at(
        t,
        pts.as_bytes(),
        NewNode::CharDev(rdev),
        PTY_SLAVE_MODE,
        owner,
    );
    if term.index == 0 {
        let console = NewNode::CharDev(makedev(TTYAUX_MAJOR, CONSOLE_MINOR));
        let _ = node_at(t, b"/dev/console", console, PTY_SLAVE_MODE, owner);
    }
    FileDescription::new(Box::new(tty::TtyFile(term)), path.ok(), flags)
}

/// Finds `prog` the way execvp does: as given if it has a '/', else in
/// the guest's PATH (or the default PATH).
pub fn search_path(t: &Task, prog: &[u8], envp: &[Vec<u8>]) -> Result<Vec<u8>, Errno> {
    if prog.is_empty() {
        return Err(Errno::ENOENT);
    }
    if prog.contains(&b'/') {
        return Ok(prog.to_vec());
    }
    let path_var = envp
        .iter()
        .find_map(|e| e.strip_prefix(b"PATH="))
        .unwrap_or(b"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    for dir in path_var.split(|&b| b == b':') {
        let mut cand = if dir.is_empty() {
            b".".to_vec()
        } else {
            dir.to_vec()
        };
        cand.push(b'/');
        cand.extend_from_slice(prog);
        if let Ok(p) = resolve::lookup_at(t, AT_FDCWD, &cand, true) {
            if crate::vfs::is_regular(p.inode().mode()) {
                return Ok(cand);
            }
        }
    }
    Err(Errno::ENOENT)
}
