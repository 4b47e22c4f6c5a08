//! Path resolution: "." and "..", symlinks (with Linux's limit of 40),
//! magic links, mount crossings, trailing slashes and search permission.

use super::perm::{self, MAY_EXEC};
use super::{is_dir, is_symlink, VfsPath};
use crate::abi::file::{AT_FDCWD, MAXSYMLINKS, NAME_MAX};
use crate::abi::Errno;
use crate::kernel::Task;
use std::sync::Arc;

/// A task's filesystem context: root and working directory, shared by
/// threads (CLONE_FS); [`FsContext::fork_copy`] makes a private one.
#[derive(Clone, Debug)]
pub struct FsContext(std::sync::Arc<std::sync::Mutex<(VfsPath, VfsPath)>>);

impl FsContext {
    /// A context with `root` and `cwd`.
    pub fn new(root: VfsPath, cwd: VfsPath) -> FsContext {
        FsContext(std::sync::Arc::new(std::sync::Mutex::new((root, cwd))))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (VfsPath, VfsPath)> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The root ("/").
    pub fn root(&self) -> VfsPath {
        self.lock().0.clone()
    }

    /// The working directory.
    pub fn cwd(&self) -> VfsPath {
        self.lock().1.clone()
    }

    /// chroot.
    pub fn set_root(&self, p: VfsPath) {
        self.lock().0 = p;
    }

    /// chdir.
    pub fn set_cwd(&self, p: VfsPath) {
        self.lock().1 = p;
    }

    /// A private copy (fork without CLONE_FS).
    pub fn fork_copy(&self) -> FsContext {
        let g = self.lock();
        FsContext::new(g.0.clone(), g.1.clone())
    }
}

/// Where a dirfd-relative `path` starts: the root for absolute paths, the
/// working directory for AT_FDCWD, else the directory `dirfd` names.
pub fn start_dir(t: &Task, dirfd: i32, path: &[u8]) -> Result<VfsPath, Errno> {
    if path.first() == Some(&b'/') {
        return Ok(t.fs.root());
    }
    if dirfd == AT_FDCWD {
        return Ok(t.fs.cwd());
    }
    let file = t.fds.get(dirfd)?;
    let p = file.path.clone().ok_or(Errno::ENOTDIR)?;
    if !path.is_empty() && !is_dir(p.inode().mode()) {
        return Err(Errno::ENOTDIR);
    }
    Ok(p)
}

/// Resolves `path` relative to `dirfd`; `follow` says whether a trailing
/// symlink is followed. An empty path is ENOENT.
pub fn lookup_at(t: &Task, dirfd: i32, path: &[u8], follow: bool) -> Result<VfsPath, Errno> {
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    let start = start_dir(t, dirfd, path)?;
    let mut links = 0;
    walk(t, start, path, follow, &mut links)
}

/// Like [`lookup_at`], but an empty path with AT_EMPTY_PATH means `dirfd`
/// itself (which may be any file).
pub fn lookup_at_empty(
    t: &Task,
    dirfd: i32,
    path: &[u8],
    follow: bool,
    empty_ok: bool,
) -> Result<VfsPath, Errno> {
    if path.is_empty() && empty_ok {
        if dirfd == AT_FDCWD {
            return Ok(t.fs.cwd());
        }
        return t.fds.get(dirfd)?.path.clone().ok_or(Errno::EBADF);
    }
    lookup_at(t, dirfd, path, follow)
}

/// The parent directory of `path` and its last component. The component
/// may be "." or ".." (or empty for "/"), which callers reject as they
/// must; `trailing` says the path ended in '/'.
pub struct Parent {
    /// The directory.
    pub dir: VfsPath,
    /// The last component.
    pub name: Vec<u8>,
    /// The path ended with a slash.
    pub trailing: bool,
}

/// Resolves all of `path` but its last component.
pub fn lookup_parent_at(t: &Task, dirfd: i32, path: &[u8]) -> Result<Parent, Errno> {
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    let start = start_dir(t, dirfd, path)?;
    let mut links = 0;
    parent_of(t, start, path, &mut links)
}

fn parent_of(t: &Task, start: VfsPath, path: &[u8], links: &mut u32) -> Result<Parent, Errno> {
    let trimmed_len = path.len() - path.iter().rev().take_while(|&&b| b == b'/').count();
    let trimmed = &path[..trimmed_len];
    let trailing = trimmed_len < path.len();
    let (dir_part, name) = match trimmed.iter().rposition(|&b| b == b'/') {
        Some(i) => (&trimmed[..=i], &trimmed[i + 1..]),
        None => (&b""[..], trimmed),
    };
    if name.len() > NAME_MAX {
        return Err(Errno::ENAMETOOLONG);
    }
    let dir = if path.first() == Some(&b'/') && dir_part.is_empty() {
        t.fs.root()
    } else if dir_part.is_empty() {
        start
    } else {
        walk(t, start, dir_part, true, links)?
    };
    if !is_dir(dir.inode().mode()) {
        return Err(Errno::ENOTDIR);
    }
    Ok(Parent {
        dir,
        name: name.to_vec(),
        trailing,
    })
}

/// Checks search permission on a directory.
pub fn may_search(t: &Task, dir: &VfsPath) -> Result<(), Errno> {
    if perm::searches_any_dir(&t.creds) {
        return Ok(());
    }
    let st = dir.inode().stat()?;
    perm::check(&t.creds, false, st.mode, st.uid, st.gid, MAY_EXEC)
}

/// One step from directory `cur` to `name` (which may be "." or "..").
pub fn step(t: &Task, cur: &VfsPath, name: &[u8]) -> Result<VfsPath, Errno> {
    if !is_dir(cur.inode().mode()) {
        return Err(Errno::ENOTDIR);
    }
    if name.len() > NAME_MAX {
        return Err(Errno::ENAMETOOLONG);
    }
    may_search(t, cur)?;
    match name {
        b"." => Ok(cur.clone()),
        b".." => Ok(parent_path(t, cur)),
        _ => {
            let child = cur.dentry.child(t, name)?;
            let mut p = VfsPath {
                mnt: cur.mnt.clone(),
                dentry: child,
            };
            while let Some(m) = t.kernel.mounts.mounted_on(&p) {
                p = VfsPath {
                    dentry: m.root.clone(),
                    mnt: m,
                };
            }
            Ok(p)
        }
    }
}

/// The parent of `cur`, crossing mount roots, never above the task's root.
pub fn parent_path(t: &Task, cur: &VfsPath) -> VfsPath {
    let mut p = cur.clone();
    loop {
        if p.same(&t.fs.root()) {
            return p;
        }
        if Arc::ptr_eq(&p.dentry, &p.mnt.root) {
            match &p.mnt.parent {
                Some((m, d)) => {
                    p = VfsPath {
                        mnt: m.clone(),
                        dentry: d.clone(),
                    };
                    continue;
                }
                None => return p,
            }
        }
        return match p.dentry.parent() {
            Some(d) => VfsPath {
                mnt: p.mnt,
                dentry: d,
            },
            None => p,
        };
    }
}

/// Walks `path` from `start`, following symlinks (the last one only when
/// `follow`), counting them in `links`.
pub fn walk(
    t: &Task,
    start: VfsPath,
    path: &[u8],
    follow: bool,
    links: &mut u32,
) -> Result<VfsPath, Errno> {
    let mut cur = if path.first() == Some(&b'/') {
        t.fs.root()
    } else {
        start
    };
    let trailing = path.last() == Some(&b'/');
    let comps: Vec<&[u8]> = path
        .split(|&b| b == b'/')
        .filter(|c| !c.is_empty())
        .collect();
    let n = comps.len();
    for (i, name) in comps.into_iter().enumerate() {
        let last = i + 1 == n;
        let next = step(t, &cur, name)?;
        if is_symlink(next.inode().mode()) && (!last || follow || trailing) {
            cur = follow_link(t, &cur, &next, links)?;
        } else {
            cur = next;
        }
    }
    if trailing && !is_dir(cur.inode().mode()) {
        return Err(Errno::ENOTDIR);
    }
    Ok(cur)
}

/// Follows the symlink `link` found in directory `dir`.
pub fn follow_link(
    t: &Task,
    dir: &VfsPath,
    link: &VfsPath,
    links: &mut u32,
) -> Result<VfsPath, Errno> {
    *links += 1;
    if *links > MAXSYMLINKS {
        return Err(Errno::ELOOP);
    }
    if let Some(r) = link.inode().magic_link(t) {
        return r;
    }
    let target = link.inode().readlink(t)?;
    if target.is_empty() {
        return Err(Errno::ENOENT);
    }
    walk(t, dir.clone(), &target, true, links)
}

/// The symlink target of the last component of an O_CREAT open when that
/// component is a dangling symlink: the parent and name to create.
pub fn creat_target(t: &Task, dir: &VfsPath, link: &VfsPath) -> Result<Parent, Errno> {
    let mut links = 0;
    let target = link.inode().readlink(t)?;
    if target.is_empty() {
        return Err(Errno::ENOENT);
    }
    parent_of(t, dir.clone(), &target, &mut links)
}

/// Resolves `dirfd` for `*at` calls that take AT_FDCWD or a directory fd.
pub fn dirfd_is_valid(t: &Task, dirfd: i32) -> Result<(), Errno> {
    if dirfd == AT_FDCWD {
        return Ok(());
    }
    t.fds.get(dirfd).map(|_| ())
}
