//! Every client operation against a `serve` thread over a temp directory.

mod common;

use std::collections::HashSet;
use std::fs;
use std::io::{Read, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::sync::Arc;

use common::{Harness, TempDir};
use gofer::{
    SetAttr, SETATTR_ATIME, SETATTR_GID, SETATTR_MODE, SETATTR_MTIME_NOW, SETATTR_SIZE, SETATTR_UID,
};

fn setup(tag: &str) -> (TempDir, Harness) {
    let dir = TempDir::new(tag);
    let h = Harness::start(dir.path(), false);
    (dir, h)
}

#[test]
fn test_attach_root_matches_directory() {
    let (dir, h) = setup("attach");
    let (root, attr) = h.client.attach().unwrap();
    let md = fs::metadata(dir.path()).unwrap();
    assert_eq!((attr.dev, attr.ino), (md.dev(), md.ino()));
    assert!(attr.is_dir());
    assert_eq!(h.client.stat(root).unwrap().ino, md.ino());
    h.finish().unwrap();
}

#[test]
fn test_walk_existing_and_missing() {
    let (dir, h) = setup("walk");
    fs::write(dir.path().join("f"), b"hello").unwrap();
    let (root, _) = h.client.attach().unwrap();
    let (f, attr) = h.client.walk(root, b"f").unwrap();
    assert_eq!(attr.size, 5);
    assert_eq!(attr.file_type(), libc::S_IFREG);
    assert_eq!(h.client.walk(root, b"nope"), Err(libc::ENOENT));
    assert_eq!(h.client.walk(f, b"x"), Err(libc::ENOTDIR));
    assert_eq!(h.client.stat(9999), Err(libc::EBADF));
    h.finish().unwrap();
}

#[test]
fn test_walk_invalid_names_einval() {
    let (_dir, h) = setup("names");
    let (root, _) = h.client.attach().unwrap();
    for bad in [&b""[..], b".", b"..", b"a/b", b"/", b"a\0b"] {
        assert_eq!(h.client.walk(root, bad), Err(libc::EINVAL), "{bad:?}");
        assert_eq!(h.client.walk_many(root, &[b"x", bad]), Err(libc::EINVAL));
        assert_eq!(h.client.mkdir(root, bad, 0o755, 0, 0), Err(libc::EINVAL));
    }
    assert_eq!(h.client.walk(root, &[b'a'; 256]), Err(libc::ENAMETOOLONG));
    h.finish().unwrap();
}

#[test]
fn test_server_rejects_invalid_names_sent_raw() {
    // Bypass the client's own validation: the server must check too.
    let dir = TempDir::new("rawnames");
    let (a, b) = gofer::seqpacket_pair().unwrap();
    let root = common::open_path(dir.path());
    let server = std::thread::spawn(move || gofer::serve(root, b, false));
    let send = |req: gofer::proto::Request<'_>| -> i32 {
        let mut buf = vec![0u8; gofer::proto::MAX_MESSAGE];
        raw_send(&a, &req.encode());
        let n = raw_recv(&a, &mut buf);
        assert!(n >= 4, "short reply");
        i32::from_le_bytes(buf[..4].try_into().unwrap())
    };
    use gofer::proto::Request;
    assert_eq!(send(Request::Attach), 0);
    for bad in [&b".."[..], b".", b"", b"a/b", b"../../etc"] {
        assert_eq!(send(Request::Walk { dir: 1, name: bad }), libc::EINVAL);
        assert_eq!(
            send(Request::Mkdir {
                dir: 1,
                name: bad,
                mode: 0o777,
                uid: 0,
                gid: 0
            }),
            libc::EINVAL
        );
        assert_eq!(
            send(Request::Rename {
                olddir: 1,
                oldname: b"x",
                newdir: 1,
                newname: bad,
                flags: 0
            }),
            libc::EINVAL
        );
    }
    drop(a);
    server.join().unwrap().unwrap();
}

fn raw_send(fd: &std::os::fd::OwnedFd, data: &[u8]) {
    use std::os::fd::AsRawFd;
    // SAFETY: `data` is readable for its length; `fd` is a live socket.
    let n = unsafe {
        libc::send(
            fd.as_raw_fd(),
            data.as_ptr().cast(),
            data.len(),
            libc::MSG_NOSIGNAL,
        )
    };
    assert_eq!(n, data.len() as isize);
}

fn raw_recv(fd: &std::os::fd::OwnedFd, buf: &mut [u8]) -> usize {
    use std::os::fd::AsRawFd;
    // SAFETY: `buf` is writable for its length; `fd` is a live socket.
    let n = unsafe { libc::recv(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
    assert!(n >= 0);
    n as usize
}

#[test]
fn test_walk_many_stops_at_symlink_and_missing() {
    let (dir, h) = setup("walkmany");
    fs::create_dir_all(dir.path().join("a/b/c")).unwrap();
    fs::write(dir.path().join("a/b/c/f"), b"x").unwrap();
    std::os::unix::fs::symlink("/etc", dir.path().join("a/link")).unwrap();
    let (root, _) = h.client.attach().unwrap();

    let all = h.client.walk_many(root, &[b"a", b"b", b"c", b"f"]).unwrap();
    assert_eq!(all.len(), 4);
    assert_eq!(all[3].1.size, 1);

    let to_link = h
        .client
        .walk_many(root, &[b"a", b"link", b"passwd"])
        .unwrap();
    assert_eq!(to_link.len(), 2);
    assert!(to_link[1].1.is_symlink());
    assert_eq!(h.client.readlink(to_link[1].0).unwrap(), b"/etc");

    let missing = h.client.walk_many(root, &[b"a", b"zz", b"c"]).unwrap();
    assert_eq!(missing.len(), 1);
    assert!(h.client.walk_many(root, &[b"zz", b"c"]).unwrap().is_empty());

    let through_file = h
        .client
        .walk_many(root, &[b"a", b"b", b"c", b"f", b"g"])
        .unwrap();
    assert_eq!(through_file.len(), 4);

    assert!(h.client.walk_many(root, &[]).unwrap().is_empty());
    h.finish().unwrap();
}

#[test]
fn test_walk_many_longer_than_one_request() {
    let (dir, h) = setup("deep");
    let mut p = dir.path().to_path_buf();
    let depth = gofer::proto::MAX_WALK + 10;
    for _ in 0..depth {
        p.push("d");
    }
    fs::create_dir_all(&p).unwrap();
    let (root, _) = h.client.attach().unwrap();
    let names: Vec<&[u8]> = vec![b"d"; depth];
    let got = h.client.walk_many(root, &names).unwrap();
    assert_eq!(got.len(), depth);
    let mut more = names.clone();
    more.push(b"missing");
    assert_eq!(h.client.walk_many(root, &more).unwrap().len(), depth);
    h.finish().unwrap();
}

#[test]
fn test_symlink_escape_never_followed() {
    let (dir, h) = setup("escape");
    std::os::unix::fs::symlink("/etc/passwd", dir.path().join("pw")).unwrap();
    std::os::unix::fs::symlink("../../..", dir.path().join("up")).unwrap();
    let (root, _) = h.client.attach().unwrap();

    let (pw, a) = h.client.walk(root, b"pw").unwrap();
    assert!(a.is_symlink());
    assert_eq!(h.client.readlink(pw).unwrap(), b"/etc/passwd");
    assert_eq!(h.client.open(pw, libc::O_RDONLY).err(), Some(libc::ELOOP));

    let (up, a) = h.client.walk(root, b"up").unwrap();
    assert!(a.is_symlink());
    assert_eq!(h.client.readlink(up).unwrap(), b"../../..");
    assert_eq!(h.client.walk(up, b"etc"), Err(libc::ENOTDIR));
    assert_eq!(h.client.getdents(up, 0), Err(libc::ENOTDIR));
    assert_eq!(h.client.readlink(root), Err(libc::EINVAL));
    h.finish().unwrap();
}

#[test]
fn test_open_read_via_donated_fd() {
    let (dir, h) = setup("open");
    fs::write(dir.path().join("f"), b"hello gofer").unwrap();
    let (root, _) = h.client.attach().unwrap();
    let (f, _) = h.client.walk(root, b"f").unwrap();
    let fd = h.client.open(f, libc::O_RDONLY).unwrap();
    let mut s = String::new();
    fs::File::from(fd).read_to_string(&mut s).unwrap();
    assert_eq!(s, "hello gofer");

    // Write with O_TRUNC, then O_APPEND.
    let fd = h.client.open(f, libc::O_WRONLY | libc::O_TRUNC).unwrap();
    fs::File::from(fd).write_all(b"one").unwrap();
    let fd = h.client.open(f, libc::O_WRONLY | libc::O_APPEND).unwrap();
    fs::File::from(fd).write_all(b"two").unwrap();
    assert_eq!(fs::read(dir.path().join("f")).unwrap(), b"onetwo");

    // The root and other directories open with ".".
    let rfd = h
        .client
        .open(root, libc::O_RDONLY | libc::O_DIRECTORY)
        .unwrap();
    let flags = fcntl_getfd(&rfd);
    assert!(
        flags & libc::FD_CLOEXEC != 0,
        "donated fds are close-on-exec"
    );
    assert_eq!(h.client.open(root, libc::O_RDWR).err(), Some(libc::EISDIR));
    assert_eq!(
        h.client.open(f, libc::O_RDONLY | libc::O_DIRECTORY).err(),
        Some(libc::ENOTDIR)
    );
    h.finish().unwrap();
}

fn fcntl_getfd(fd: &std::os::fd::OwnedFd) -> i32 {
    use std::os::fd::AsRawFd;
    // SAFETY: F_GETFD on a live fd.
    unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFD) }
}

#[test]
fn test_open_after_replacement_is_stale() {
    let (dir, h) = setup("stale");
    fs::write(dir.path().join("f"), b"old").unwrap();
    let (root, _) = h.client.attach().unwrap();
    let (f, _) = h.client.walk(root, b"f").unwrap();
    fs::remove_file(dir.path().join("f")).unwrap();
    fs::write(dir.path().join("f"), b"new file").unwrap();
    assert_eq!(
        h.client.open(f, libc::O_RDWR | libc::O_TRUNC).err(),
        Some(libc::ESTALE)
    );
    assert_eq!(fs::read(dir.path().join("f")).unwrap(), b"new file");
    h.finish().unwrap();
}

#[test]
fn test_create_mkdir_mknod_symlink_link() {
    let (dir, h) = setup("create");
    let (root, _) = h.client.attach().unwrap();
    let (f, attr, fd) = h
        .client
        .create(root, b"new", libc::O_RDWR, 0o640, 1234, 5678)
        .unwrap();
    assert_eq!(attr.mode & 0o777, 0o640 & !umask());
    assert_eq!((attr.uid, attr.gid), (1234, 5678));
    fs::File::from(fd).write_all(b"data").unwrap();
    assert_eq!(fs::read(dir.path().join("new")).unwrap(), b"data");
    assert_eq!(
        h.client
            .create(root, b"new", libc::O_RDWR, 0o640, 0, 0)
            .err(),
        Some(libc::EEXIST)
    );

    let (d, a) = h.client.mkdir(root, b"sub", 0o750, 42, 43).unwrap();
    assert!(a.is_dir());
    assert_eq!((a.uid, a.gid), (42, 43));
    assert!(dir.path().join("sub").is_dir());

    let (_, a) = h
        .client
        .mknod(d, b"fifo", libc::S_IFIFO | 0o600, 0, 0, 0)
        .unwrap();
    assert_eq!(a.file_type(), libc::S_IFIFO);
    let (fifo, _) = h.client.walk(d, b"fifo").unwrap();
    // A FIFO open must not block the server.
    let _rd = h.client.open(fifo, libc::O_RDONLY).unwrap();
    let (_, a) = h
        .client
        .mknod(d, b"reg", libc::S_IFREG | 0o600, 0, 0, 0)
        .unwrap();
    assert_eq!(a.file_type(), libc::S_IFREG);
    assert_eq!(
        h.client
            .mknod(d, b"chr", libc::S_IFCHR | 0o600, 0x0103, 0, 0),
        Err(libc::EPERM)
    );
    assert_eq!(
        h.client
            .mknod(d, b"blk", libc::S_IFBLK | 0o600, 0x0801, 0, 0),
        Err(libc::EPERM)
    );

    let (l, a) = h.client.symlink(root, b"sl", b"sub/reg", 7, 8).unwrap();
    assert!(a.is_symlink());
    assert_eq!((a.uid, a.gid), (7, 8));
    assert_eq!(h.client.readlink(l).unwrap(), b"sub/reg");

    let (_, a) = h.client.link(d, b"hard", f).unwrap();
    assert_eq!(a.ino, attr.ino);
    assert_eq!(a.nlink, 2);
    assert_eq!(fs::read(dir.path().join("sub/hard")).unwrap(), b"data");
    assert_eq!(h.client.link(root, b"dirlink", d), Err(libc::EPERM));
    h.finish().unwrap();
}

fn umask() -> u32 {
    // SAFETY: umask only swaps the process mask; we restore it at once.
    let m = unsafe { libc::umask(0o022) };
    // SAFETY: as above.
    unsafe { libc::umask(m) };
    m
}

#[test]
fn test_unlink_and_rmdir() {
    let (dir, h) = setup("unlink");
    fs::write(dir.path().join("f"), b"").unwrap();
    fs::create_dir(dir.path().join("d")).unwrap();
    let (root, _) = h.client.attach().unwrap();
    assert_eq!(h.client.unlink(root, b"d", 0), Err(libc::EISDIR));
    h.client.unlink(root, b"d", libc::AT_REMOVEDIR).unwrap();
    h.client.unlink(root, b"f", 0).unwrap();
    assert_eq!(h.client.unlink(root, b"f", 0), Err(libc::ENOENT));
    assert_eq!(h.client.unlink(root, b"f", 0x1234), Err(libc::EINVAL));
    assert!(fs::read_dir(dir.path()).unwrap().next().is_none());
    h.finish().unwrap();
}

#[test]
fn test_rename_plain_noreplace_exchange_tracks_nodes() {
    let (dir, h) = setup("rename");
    fs::create_dir(dir.path().join("a")).unwrap();
    fs::create_dir(dir.path().join("b")).unwrap();
    fs::write(dir.path().join("a/x"), b"X").unwrap();
    fs::write(dir.path().join("b/y"), b"Y").unwrap();
    let c = &h.client;
    let (root, _) = c.attach().unwrap();
    let (a, _) = c.walk(root, b"a").unwrap();
    let (b, _) = c.walk(root, b"b").unwrap();
    let (x, _) = c.walk(a, b"x").unwrap();
    let (y, _) = c.walk(b, b"y").unwrap();

    c.rename(a, b"x", b, b"x2", 0).unwrap();
    assert!(dir.path().join("b/x2").exists());
    // The moved node still opens (its parent/name record followed it).
    let mut s = String::new();
    fs::File::from(c.open(x, libc::O_RDONLY).unwrap())
        .read_to_string(&mut s)
        .unwrap();
    assert_eq!(s, "X");

    assert_eq!(
        c.rename(b, b"x2", b, b"y", libc::RENAME_NOREPLACE),
        Err(libc::EEXIST)
    );

    c.rename(b, b"x2", b, b"y", libc::RENAME_EXCHANGE).unwrap();
    assert_eq!(fs::read(dir.path().join("b/y")).unwrap(), b"X");
    assert_eq!(fs::read(dir.path().join("b/x2")).unwrap(), b"Y");
    for (node, want) in [(x, "X"), (y, "Y")] {
        let mut s = String::new();
        fs::File::from(c.open(node, libc::O_RDONLY).unwrap())
            .read_to_string(&mut s)
            .unwrap();
        assert_eq!(s, want);
    }
    // setattr by name follows too.
    c.setattr(
        y,
        &SetAttr {
            mask: SETATTR_SIZE,
            size: 0,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(fs::read(dir.path().join("b/x2")).unwrap(), b"");
    assert_eq!(c.rename(a, b"nope", b, b"z", 0), Err(libc::ENOENT));
    assert_eq!(c.rename(a, b"x", b, b"z", 0x80), Err(libc::EINVAL));
    h.finish().unwrap();
}

#[test]
fn test_getdents_paginates_over_many_entries() {
    let (dir, h) = setup("dents");
    let n = 2500;
    for i in 0..n {
        fs::write(
            dir.path().join(format!("entry-with-a-longish-name-{i:05}")),
            b"",
        )
        .unwrap();
    }
    fs::create_dir(dir.path().join("subdir")).unwrap();
    let (root, _) = h.client.attach().unwrap();
    let mut names = HashSet::new();
    let mut cookie = 0;
    let mut pages = 0;
    loop {
        let page = h.client.getdents(root, cookie).unwrap();
        if page.is_empty() {
            break;
        }
        pages += 1;
        for d in &page {
            if d.name == b"." || d.name == b".." {
                continue;
            }
            assert!(names.insert(d.name.clone()), "duplicate {:?}", d.name);
            if d.name == b"subdir" {
                assert_eq!(d.typ, libc::DT_DIR);
            }
        }
        cookie = page.last().unwrap().off;
        assert!(pages < 1000);
    }
    assert!(pages >= 2, "expected pagination, got {pages} page(s)");
    assert_eq!(names.len(), n + 1);
    let (f, _) = h.client.walk(root, b"subdir").unwrap();
    // An empty directory lists only "." and "..".
    assert_eq!(h.client.getdents(f, 0).unwrap().len(), 2);
    h.finish().unwrap();
}

#[test]
fn test_setattr_mode_owner_size_times() {
    let (dir, h) = setup("setattr");
    let p = dir.path().join("f");
    fs::write(&p, b"0123456789").unwrap();
    let c = &h.client;
    let (root, _) = c.attach().unwrap();
    let (f, _) = c.walk(root, b"f").unwrap();
    let set = |sa: SetAttr| c.setattr(f, &sa);

    set(SetAttr {
        mask: SETATTR_MODE,
        mode: 0o600,
        ..Default::default()
    })
    .unwrap();
    assert_eq!(
        fs::metadata(&p).unwrap().permissions().mode() & 0o7777,
        0o600
    );

    set(SetAttr {
        mask: SETATTR_UID | SETATTR_GID,
        uid: 1000,
        gid: 2000,
        ..Default::default()
    })
    .unwrap();
    let md = fs::metadata(&p).unwrap();
    assert_eq!((md.uid(), md.gid()), (1000, 2000));
    set(SetAttr {
        mask: SETATTR_GID,
        gid: 3000,
        ..Default::default()
    })
    .unwrap();
    let md = fs::metadata(&p).unwrap();
    assert_eq!((md.uid(), md.gid()), (1000, 3000));

    set(SetAttr {
        mask: SETATTR_SIZE,
        size: 4,
        ..Default::default()
    })
    .unwrap();
    assert_eq!(fs::read(&p).unwrap(), b"0123");

    set(SetAttr {
        mask: SETATTR_ATIME | SETATTR_MTIME_NOW,
        atime: (1_000_000, 5),
        ..Default::default()
    })
    .unwrap();
    let a = c.stat(f).unwrap();
    assert_eq!((a.atime, a.atime_nsec), (1_000_000, 5));
    assert!(a.mtime > 1_600_000_000);

    // Directories: mode and times on the root itself.
    c.setattr(
        root,
        &SetAttr {
            mask: SETATTR_MODE | SETATTR_ATIME,
            mode: 0o711,
            atime: (2_000_000, 0),
            ..Default::default()
        },
    )
    .unwrap();
    let a = c.stat(root).unwrap();
    assert_eq!((a.mode & 0o7777, a.atime), (0o711, 2_000_000));
    assert_eq!(
        c.setattr(
            root,
            &SetAttr {
                mask: SETATTR_SIZE,
                ..Default::default()
            }
        ),
        Err(libc::EISDIR)
    );
    h.finish().unwrap();
}

#[test]
fn test_statfs_matches_host() {
    let (dir, h) = setup("statfs");
    let (root, _) = h.client.attach().unwrap();
    let s = h.client.statfs(root).unwrap();
    let path = std::ffi::CString::new(dir.path().to_str().unwrap()).unwrap();
    let mut st = std::mem::MaybeUninit::<libc::statfs>::uninit();
    // SAFETY: valid C string and writable statfs storage.
    assert_eq!(unsafe { libc::statfs(path.as_ptr(), st.as_mut_ptr()) }, 0);
    // SAFETY: statfs succeeded.
    let st = unsafe { st.assume_init() };
    assert_eq!(s.typ, st.f_type);
    assert_eq!(s.bsize, st.f_bsize);
    assert_eq!(s.blocks, st.f_blocks);
    assert_eq!(s.namelen, 255);
    h.finish().unwrap();
}

#[test]
fn test_xattrs_roundtrip_or_unsupported() {
    let (dir, h) = setup("xattr");
    fs::write(dir.path().join("f"), b"").unwrap();
    let c = &h.client;
    let (root, _) = c.attach().unwrap();
    let (f, _) = c.walk(root, b"f").unwrap();
    match c.setxattr(f, b"user.gofer", b"value", 0) {
        Err(libc::EOPNOTSUPP) => {
            eprintln!("host fs has no user xattrs: skipping");
            return;
        }
        r => r.unwrap(),
    }
    assert_eq!(c.getxattr(f, b"user.gofer", 0).unwrap(), b"value");
    assert_eq!(c.getxattr(f, b"user.gofer", 2), Err(libc::ERANGE));
    let list = c.listxattr(f, 0).unwrap();
    assert!(list.split(|&b| b == 0).any(|n| n == b"user.gofer"));
    assert_eq!(
        c.setxattr(f, b"user.gofer", b"v2", libc::XATTR_CREATE),
        Err(libc::EEXIST)
    );
    let big = vec![7u8; 3000];
    c.setxattr(f, b"user.big", &big, 0).unwrap();
    assert_eq!(c.getxattr(f, b"user.big", 0).unwrap(), big);
    c.removexattr(f, b"user.gofer").unwrap();
    assert_eq!(c.getxattr(f, b"user.gofer", 0), Err(libc::ENODATA));
    // Directories too.
    c.setxattr(root, b"user.d", b"1", 0).unwrap();
    assert_eq!(c.getxattr(root, b"user.d", 0).unwrap(), b"1");
    assert_eq!(c.getxattr(f, b"", 0), Err(libc::ERANGE));
    h.finish().unwrap();
}

#[test]
fn test_read_only_mutations_erofs() {
    let dir = TempDir::new("ro");
    fs::write(dir.path().join("f"), b"keep").unwrap();
    fs::create_dir(dir.path().join("d")).unwrap();
    let h = Harness::start(dir.path(), true);
    let c = &h.client;
    let (root, _) = c.attach().unwrap();
    let (f, _) = c.walk(root, b"f").unwrap();
    let (d, _) = c.walk(root, b"d").unwrap();
    let erofs = Err(libc::EROFS);
    assert_eq!(
        c.create(root, b"n", libc::O_RDWR, 0o644, 0, 0).map(|_| ()),
        erofs
    );
    assert_eq!(c.mkdir(root, b"n", 0o755, 0, 0).map(|_| ()), erofs);
    assert_eq!(
        c.mknod(root, b"n", libc::S_IFIFO | 0o644, 0, 0, 0)
            .map(|_| ()),
        erofs
    );
    assert_eq!(c.symlink(root, b"n", b"t", 0, 0).map(|_| ()), erofs);
    assert_eq!(c.link(root, b"n", f).map(|_| ()), erofs);
    assert_eq!(c.unlink(root, b"f", 0), erofs);
    assert_eq!(c.unlink(root, b"d", libc::AT_REMOVEDIR), erofs);
    assert_eq!(c.rename(root, b"f", d, b"f", 0), erofs);
    assert_eq!(
        c.setattr(
            f,
            &SetAttr {
                mask: SETATTR_SIZE,
                ..Default::default()
            }
        ),
        erofs
    );
    assert_eq!(c.setxattr(f, b"user.x", b"y", 0), erofs);
    assert_eq!(c.removexattr(f, b"user.x"), erofs);
    for flags in [libc::O_WRONLY, libc::O_RDWR, libc::O_RDONLY | libc::O_TRUNC] {
        assert_eq!(c.open(f, flags).err(), Some(libc::EROFS));
    }
    let mut s = String::new();
    fs::File::from(c.open(f, libc::O_RDONLY).unwrap())
        .read_to_string(&mut s)
        .unwrap();
    assert_eq!(s, "keep");
    assert_eq!(c.getdents(root, 0).unwrap().len(), 4);
    assert!(c.stat(f).is_ok());
    assert!(dir.path().join("d").is_dir());
    h.finish().unwrap();
}

#[test]
fn test_close_releases_handles() {
    let (dir, h) = setup("close");
    fs::write(dir.path().join("f"), b"").unwrap();
    let (root, _) = h.client.attach().unwrap();
    let (f, _) = h.client.walk(root, b"f").unwrap();
    h.client.close(&[f, 12345]).unwrap();
    assert_eq!(h.client.stat(f), Err(libc::EBADF));
    assert!(h.client.stat(root).is_ok());
    h.client.close(&[]).unwrap();
    h.finish().unwrap();
}

#[test]
fn test_client_shared_between_threads() {
    let dir = TempDir::new("threads");
    for i in 0..8 {
        fs::write(dir.path().join(format!("f{i}")), vec![0u8; i]).unwrap();
    }
    let h = Harness::start(dir.path(), false);
    let client = Arc::new(h.client);
    let (root, _) = client.attach().unwrap();
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let c = client.clone();
            std::thread::spawn(move || {
                for round in 0..200 {
                    let i = (t + round) % 8;
                    let (n, a) = c.walk(root, format!("f{i}").as_bytes()).unwrap();
                    assert_eq!(a.size, i as i64);
                    assert_eq!(c.stat(n).unwrap().size, i as i64);
                    c.close(&[n]).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    drop(client);
    h.server.unwrap().join().unwrap().unwrap();
}

#[test]
fn test_client_errors_after_server_gone() {
    let dir = TempDir::new("gone");
    let (a, b) = gofer::seqpacket_pair().unwrap();
    drop(b);
    let c = gofer::Client::new(a);
    assert_eq!(c.attach(), Err(libc::EIO));
    assert_eq!(c.stat(1), Err(libc::EIO));
    drop(dir);
}

#[test]
fn test_attach_mount_trees_have_their_own_read_only() {
    let root = TempDir::new("mounts-root");
    let tree = TempDir::new("mounts-tree");
    let holder = TempDir::new("mounts-holder");
    fs::write(tree.path().join("t"), b"T").unwrap();
    fs::write(holder.path().join("file"), b"F").unwrap();
    let (a, b) = gofer::seqpacket_pair().unwrap();
    let root_fd = common::open_path(root.path());
    let mounts = vec![
        gofer::MountRoot {
            fd: common::open_path(tree.path()),
            file: None,
            read_only: false,
        },
        gofer::MountRoot {
            fd: common::open_path(holder.path()),
            file: Some(c"file".to_owned()),
            read_only: true,
        },
    ];
    // The root tree is read-only, the first mount is not.
    let server = std::thread::spawn(move || gofer::serve_mounts(root_fd, mounts, b, true));
    let c = gofer::Client::new(a);
    let (r, _) = c.attach().unwrap();
    assert_eq!(c.mkdir(r, b"x", 0o755, 0, 0).map(|_| ()), Err(libc::EROFS));
    let (t, attr) = c.attach_mount(0).unwrap();
    assert!(attr.is_dir());
    let (n, _) = c.mkdir(t, b"new", 0o755, 0, 0).unwrap();
    assert!(tree.path().join("new").is_dir());
    // Renames between a writable and a read-only tree are refused.
    assert_eq!(c.rename(t, b"new", r, b"new", 0), Err(libc::EROFS));
    let (f, attr) = c.attach_mount(1).unwrap();
    assert_eq!(attr.size, 1);
    assert_eq!(c.open(f, libc::O_RDWR).err(), Some(libc::EROFS));
    let mut s = String::new();
    fs::File::from(c.open(f, libc::O_RDONLY).unwrap())
        .read_to_string(&mut s)
        .unwrap();
    assert_eq!(s, "F");
    assert_eq!(c.attach_mount(2).map(|_| ()), Err(libc::ENOENT));
    c.close(&[n, t, f, r]).unwrap();
    drop(c);
    server.join().unwrap().unwrap();
}
