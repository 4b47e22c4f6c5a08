//! Building the sandbox's mount tree and finding the first program.

use crate::abi::file::{magic, AT_FDCWD, PTMX_DEFAULT_MODE, S_IALLUGO, TMPFS_ROOT_MODE};
use crate::abi::Errno;
use crate::fsimpl::gofer::rw::RwNode;
use crate::fsimpl::gofer::GoferNode;
use crate::fsimpl::memfs::MemFs;
use crate::kernel::{Kernel, Task};
use crate::vfs::dentry::MountSpec;
use crate::vfs::options::{parse_size, MountOptions};
use crate::vfs::{resolve, FileDescription, InodeRef, NewNode, Owner, SetAttr, VfsPath};
use crate::{BootError, FsLayout, MountConfig};
use std::sync::Arc;

fn spec(fstype: &str, source: &str, options: &str, read_only: bool) -> MountSpec {
    MountSpec {
        fstype: fstype.into(),
        source: source.into(),
        options: options.into(),
        read_only,
    }
}

/// Mounts the root: the gofer's tree under a memory overlay, or straight
/// through the gofer (`overlay` false). A read-only root always has the
/// overlay, where mount points the spec needs and the root lacks are
/// made (in memory; the guest cannot write there: the mount is
/// read-only).
pub fn mount_root(
    kernel: &Arc<Kernel>,
    client: &Arc<gofer::Client>,
    overlay: bool,
    read_only: bool,
) -> Result<VfsPath, BootError> {
    let rw = if read_only { "ro" } else { "rw" };
    let m = if overlay || read_only {
        let lower = GoferNode::attach(client.clone()).map_err(BootError::Root)?;
        let fs = MemFs::new(
            kernel.mf.clone(),
            magic::OVERLAYFS_SUPER_MAGIC,
            crate::fsimpl::dev::open_device,
        );
        let root_inode: InodeRef = fs.root(0o755, Some(lower));
        kernel
            .mounts
            .mount(root_inode, None, spec("overlay", "root", rw, read_only))
    } else {
        let root_inode: InodeRef = RwNode::attach(client.clone()).map_err(BootError::Root)?;
        kernel
            .mounts
            .mount(root_inode, None, spec("9p", "root", rw, false))
    };
    Ok(VfsPath {
        dentry: m.root.clone(),
        mnt: m,
    })
}

/// The sandbox's own mounts: /proc, /dev, /dev/shm, /sys.
fn default_mounts(k: &Kernel, ids: &gofer::IdMap) -> Vec<(&'static [u8], InodeRef, MountSpec)> {
    vec![
        (
            b"/proc",
            crate::fsimpl::proc::new_procfs(ids.clone()),
            spec("proc", "proc", "rw,nosuid,nodev,noexec,relatime", false),
        ),
        (
            b"/dev",
            crate::fsimpl::dev::new_devfs(k.mf.clone()),
            spec("tmpfs", "none", "rw,nosuid,mode=755", false),
        ),
        (
            b"/dev/shm",
            tmpfs(k, TMPFS_ROOT_MODE),
            spec("tmpfs", "none", "rw,nosuid,nodev,mode=1777", false),
        ),
        (
            b"/sys",
            crate::fsimpl::dev::new_sysfs(k.mf.clone(), k.ncpu),
            spec("sysfs", "sysfs", "ro,nosuid,nodev,noexec,relatime", true),
        ),
    ]
}

/// The mode of /dev, and of the empty directory an unknown filesystem
/// type gets.
const DEV_ROOT_MODE: u32 = 0o755;

fn tmpfs(k: &Kernel, mode: u32) -> Arc<crate::fsimpl::memfs::Node> {
    MemFs::new(
        k.mf.clone(),
        magic::TMPFS_MAGIC,
        crate::fsimpl::dev::open_device,
    )
    .root(mode, None)
}

/// Mounts what the container's root needs: the spec's mounts in order
/// (`layout.mounts`), after those of the sandbox's own (/proc, /dev,
/// /sys) that the spec does not mount itself, or without a spec the
/// sandbox's own set (/dev/shm too, and /tmp when asked); then masks
/// `layout.masked_paths` and makes `layout.readonly_paths` read-only.
/// A spec mount that cannot be made fails the boot; the sandbox's own
/// only warn.
pub fn mount_submounts(
    t: &Task,
    client: &Arc<gofer::Client>,
    layout: &FsLayout,
) -> Result<(), BootError> {
    let k = &t.kernel;
    let spec_mounts = layout.mounts.as_deref();
    let in_spec = |path: &[u8]| {
        spec_mounts.is_some_and(|ms| ms.iter().any(|m| clean_path(&m.destination) == path))
    };
    let mut mounts = default_mounts(k, client.ids());
    if spec_mounts.is_some() {
        // /dev/shm only as the spec has it (/dev has an empty shm/).
        mounts.retain(|(path, _, _)| *path != b"/dev/shm" && !in_spec(path));
    }
    if *k.tmpfs_tmp.lock().unwrap_or_else(|e| e.into_inner()) {
        mounts.push((
            b"/tmp",
            tmpfs(k, TMPFS_ROOT_MODE),
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
    for m in spec_mounts.unwrap_or_default() {
        mount_spec(t, client, m)?;
    }
    for p in &layout.masked_paths {
        mask_path(t, p)?;
    }
    for p in &layout.readonly_paths {
        read_only_path(t, p)?;
    }
    Ok(())
}

/// `path` without empty and "." components or a trailing slash ("/" for
/// none), to compare destinations as paths.
fn clean_path(path: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(path.len());
    for c in path
        .split(|&b| b == b'/')
        .filter(|c| !c.is_empty() && *c != b".")
    {
        out.push(b'/');
        out.extend_from_slice(c);
    }
    if out.is_empty() {
        out.push(b'/');
    }
    out
}

fn mount_error(dest: &[u8], detail: impl std::fmt::Display) -> BootError {
    BootError::Mount {
        destination: String::from_utf8_lossy(dest).into_owned(),
        detail: detail.to_string(),
    }
}

/// Applies the mode=, uid= and gid= options to the root of an in-memory
/// filesystem (`default_mode` when there is no mode=).
fn set_root_attrs(
    root: &InodeRef,
    opts: &MountOptions,
    default_mode: u32,
    dest: &[u8],
) -> Result<(), BootError> {
    let num = |key: &str, radix: u32| -> Result<Option<u32>, BootError> {
        opts.value(key)
            .map(|v| u32::from_str_radix(v, radix))
            .transpose()
            .map_err(|_| mount_error(dest, format!("bad {key}= option")))
    };
    let mode = num("mode", 8)?.unwrap_or(default_mode) & S_IALLUGO;
    let attr = SetAttr {
        mode: Some(mode),
        uid: num("uid", 10)?,
        gid: num("gid", 10)?,
        ..SetAttr::default()
    };
    root.setattr(&attr).map_err(|e| mount_error(dest, e))
}

/// The filesystem a spec mount names, built in the sandbox (a bind
/// mount's comes from the gofer).
fn spec_filesystem(
    t: &Task,
    client: &Arc<gofer::Client>,
    m: &MountConfig,
    opts: &MountOptions,
    dest: &[u8],
) -> Result<InodeRef, BootError> {
    let k = &t.kernel;
    if let Some(tree) = m.gofer_tree {
        let root: InodeRef = RwNode::attach_mount(client.clone(), tree).map_err(|e| {
            mount_error(dest, format!("the gofer cannot serve {:?} ({e})", m.source))
        })?;
        return Ok(root);
    }
    let size = |fs: &MemFs| -> Result<(), BootError> {
        if let Some(v) = opts.value("size") {
            let bytes = parse_size(v).ok_or_else(|| mount_error(dest, "bad size= option"))?;
            fs.set_size(bytes);
        }
        Ok(())
    };
    let memfs = |magic: i64, default_mode: u32| -> Result<InodeRef, BootError> {
        let fs = MemFs::new(k.mf.clone(), magic, crate::fsimpl::dev::open_device);
        size(&fs)?;
        let root: InodeRef = fs.root(default_mode, None);
        set_root_attrs(&root, opts, default_mode, dest)?;
        Ok(root)
    };
    Ok(match m.fstype.as_str() {
        "proc" => crate::fsimpl::proc::new_procfs(client.ids().clone()),
        "sysfs" => crate::fsimpl::dev::new_sysfs(k.mf.clone(), k.ncpu),
        // /dev is the sandbox's devices whatever its type: a tmpfs that
        // holds them (gVisor does the same).
        "devtmpfs" | "tmpfs" if dest == b"/dev" => {
            let dev = crate::fsimpl::dev::new_devfs(k.mf.clone());
            size(dev.filesystem())?;
            let root: InodeRef = dev;
            set_root_attrs(&root, opts, DEV_ROOT_MODE, dest)?;
            root
        }
        "tmpfs" => memfs(magic::TMPFS_MAGIC, TMPFS_ROOT_MODE)?,
        "devpts" => {
            let ptmx = opts
                .value("ptmxmode")
                .map(|v| u32::from_str_radix(v, 8))
                .transpose()
                .map_err(|_| mount_error(dest, "bad ptmxmode= option"))?
                .unwrap_or(PTMX_DEFAULT_MODE);
            crate::fsimpl::dev::new_devpts(k.mf.clone(), ptmx & S_IALLUGO)
        }
        // POSIX message queues are not implemented: an empty mount.
        "mqueue" => memfs(magic::MQUEUE_MAGIC, TMPFS_ROOT_MODE)?,
        // The sandbox has no cgroup filesystem (Docker's spec mounts one):
        // an empty directory, quietly.
        "cgroup" | "cgroup2" => memfs(magic::TMPFS_MAGIC, DEV_ROOT_MODE)?,
        other => {
            crate::log::warn(&format!(
                "mount at {}: the sandbox has no {other:?} filesystem; an empty directory is mounted",
                String::from_utf8_lossy(dest)
            ));
            memfs(magic::TMPFS_MAGIC, DEV_ROOT_MODE)?
        }
    })
}

/// Mounts one entry of the spec's `mounts`.
fn mount_spec(t: &Task, client: &Arc<gofer::Client>, m: &MountConfig) -> Result<(), BootError> {
    let dest = clean_path(&m.destination);
    if dest == b"/" {
        return Err(mount_error(
            &dest,
            "the container's root cannot be mounted over",
        ));
    }
    let opts = MountOptions::parse(&m.options);
    let inode = spec_filesystem(t, client, m, &opts, &dest)?;
    let dir = crate::vfs::is_dir(inode.mode());
    let at = make_mount_point(t, &dest, dir)
        .map_err(|e| mount_error(&dest, format!("cannot make the mount point ({e})")))?;
    let fstype = if m.fstype.is_empty() {
        "bind"
    } else {
        &m.fstype
    };
    let source = if m.source.is_empty() {
        "none"
    } else {
        &m.source
    };
    t.kernel.mounts.mount(
        inode,
        Some(&at),
        spec(fstype, source, &opts.text(), opts.read_only),
    );
    Ok(())
}

/// The node at `path`, made (a directory, or an empty file when `dir` is
/// false, with missing parent directories) if missing; an existing node
/// of the other kind is ENOTDIR or EISDIR, as mount(2) says.
fn make_mount_point(t: &Task, path: &[u8], dir: bool) -> Result<VfsPath, Errno> {
    match resolve::lookup_at(t, AT_FDCWD, path, true) {
        Ok(p) => match (crate::vfs::is_dir(p.inode().mode()), dir) {
            (true, false) => Err(Errno::EISDIR),
            (false, true) => Err(Errno::ENOTDIR),
            _ => Ok(p),
        },
        Err(Errno::ENOENT) => {
            if let Some(i) = path.iter().rposition(|&b| b == b'/').filter(|&i| i > 0) {
                make_mount_point(t, &path[..i], true)?;
            }
            let (node, mode) = if dir {
                (NewNode::Dir, 0o755)
            } else {
                (NewNode::Regular, 0o644)
            };
            node_at(t, path, node, mode, Owner::default())
        }
        Err(e) => Err(e),
    }
}

/// Masks `path` as runc does: a file under /dev/null, a directory under
/// an empty read-only tmpfs. A missing path is skipped.
fn mask_path(t: &Task, path: &[u8]) -> Result<(), BootError> {
    let k = &t.kernel;
    let p = match resolve::lookup_at(t, AT_FDCWD, path, true) {
        Ok(p) => p,
        Err(Errno::ENOENT) => return Ok(()),
        Err(e) => return Err(mount_error(path, format!("cannot mask it ({e})"))),
    };
    if crate::vfs::is_dir(p.inode().mode()) {
        let empty: InodeRef = tmpfs(k, TMPFS_ROOT_MODE);
        k.mounts
            .mount(empty, Some(&p), spec("tmpfs", "tmpfs", "", true));
    } else {
        let null = crate::fsimpl::dev::null_node(k.mf.clone())
            .map_err(|e| mount_error(path, format!("cannot mask it ({e})")))?;
        k.mounts
            .mount(null, Some(&p), spec("tmpfs", "tmpfs", "nosuid", false));
    }
    Ok(())
}

/// Makes `path` read-only as runc does: the same file or directory
/// mounted over itself, read-only. A missing path is skipped.
fn read_only_path(t: &Task, path: &[u8]) -> Result<(), BootError> {
    let p = match resolve::lookup_at(t, AT_FDCWD, path, true) {
        Ok(p) => p,
        Err(Errno::ENOENT) => return Ok(()),
        Err(e) => return Err(mount_error(path, format!("cannot make it read-only ({e})"))),
    };
    let under = p.mnt.clone();
    let sp = MountSpec {
        fstype: under.fstype.clone(),
        source: under.source.clone(),
        options: under.options.clone(),
        read_only: true,
    };
    t.kernel.mounts.mount(p.inode().clone(), Some(&p), sp);
    Ok(())
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
