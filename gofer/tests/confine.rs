//! `confine` and `install_seccomp` in forked children.
//!
//! These change the calling process irrevocably, so each runs in a child
//! forked from this single-threaded test binary (`harness = false`: libtest
//! would run tests on extra threads, making `fork` unsafe).

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::path::Path;

use common::TempDir;
use gofer::Client;

/// Child exit code: the host does not allow a mount namespace here.
const UNSUPPORTED: i32 = 77;

/// Fork; the child runs `f` and exits with its code, never returning.
fn fork_child(f: impl FnOnce() -> i32) -> libc::pid_t {
    // SAFETY: this binary runs no threads besides main (no libtest harness),
    // so the child may run arbitrary code.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        let code = f();
        // SAFETY: _exit ends the child without running the parent's atexit
        // handlers or destructors twice.
        unsafe { libc::_exit(code) };
    }
    pid
}

fn wait(pid: libc::pid_t) -> i32 {
    let mut status = 0;
    // SAFETY: waiting on our own child with a valid status pointer.
    let r = unsafe { libc::waitpid(pid, &mut status, 0) };
    assert_eq!(r, pid);
    if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        128 + libc::WTERMSIG(status)
    }
}

/// In a forked child: close the parent's end, own the child's copy of ours.
fn child_fds(parent_end: RawFd, child_end: RawFd) -> OwnedFd {
    // SAFETY: after fork the child holds its own copies of both fds; it
    // closes the parent's end once and takes sole ownership of the other.
    unsafe {
        libc::close(parent_end);
        OwnedFd::from_raw_fd(child_end)
    }
}

/// Child: confine to `dir`, filter, serve `sock`.
fn gofer_child(dir: &Path, sock: OwnedFd, read_only: bool) -> i32 {
    let root = match gofer::confine(dir, read_only) {
        Ok(r) => r,
        Err(e) if e.raw_os_error() == Some(libc::EPERM) => return UNSUPPORTED,
        Err(e) => {
            eprintln!("confine: {e}");
            return 2;
        }
    };
    if let Err(e) = gofer::drop_capabilities() {
        eprintln!("drop_capabilities: {e}");
        return 5;
    }
    if let Err(e) = gofer::install_seccomp() {
        eprintln!("install_seccomp: {e}");
        return 3;
    }
    match gofer::serve(root, sock, false) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("serve: {e}");
            4
        }
    }
}

fn names(c: &Client, dir: u64) -> BTreeSet<String> {
    c.getdents(dir, 0)
        .unwrap()
        .into_iter()
        .filter(|d| d.name != b"." && d.name != b"..")
        .map(|d| String::from_utf8(d.name).unwrap())
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn test_confined_gofer_sees_only_its_root() -> Result<(), String> {
    let dir = TempDir::new("confine");
    fs::write(dir.path().join("a"), b"A").unwrap();
    fs::create_dir(dir.path().join("b")).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", dir.path().join("esc")).unwrap();
    let (mine, theirs) = gofer::seqpacket_pair().unwrap();
    let path = dir.path().to_path_buf();
    let (mine_raw, theirs_raw) = (mine.as_raw_fd(), theirs.as_raw_fd());
    let pid = fork_child(move || {
        let sock = child_fds(mine_raw, theirs_raw);
        gofer_child(&path, sock, false)
    });
    drop(theirs);
    let c = Client::new(mine);
    let Ok((root, attr)) = c.attach() else {
        drop(c);
        return match wait(pid) {
            UNSUPPORTED => Err("skipped: no mount namespaces here".into()),
            code => Err(format!("gofer child failed before serving: exit {code}")),
        };
    };
    let host = fs::metadata(dir.path()).unwrap();
    use std::os::unix::fs::MetadataExt;
    assert_eq!(attr.ino, host.ino());
    assert_eq!(names(&c, root), set(&["a", "b", "esc"]));

    // The symlink is a node, not a way out.
    let (esc, a) = c.walk(root, b"esc").unwrap();
    assert!(a.is_symlink());
    assert_eq!(c.readlink(esc).unwrap(), b"/etc/passwd");
    assert_eq!(c.open(esc, libc::O_RDONLY).err(), Some(libc::ELOOP));
    assert_eq!(c.walk(root, b".."), Err(libc::EINVAL));

    // Writes land in the host directory (a bind mount of it).
    let (_, _, fd) = c.create(root, b"new", libc::O_WRONLY, 0o644, 0, 0).unwrap();
    drop(fd);
    assert!(dir.path().join("new").exists());
    let (b, _) = c.walk(root, b"b").unwrap();
    c.mkdir(b, b"sub", 0o755, 0, 0).unwrap();
    assert!(dir.path().join("b/sub").is_dir());

    // Every request kind works under the filter (a missing allowlist entry
    // would surface here as EPERM).
    exercise_all_requests(&c, root, b);

    // The process is filtered, and its whole view is the directory.
    let status = fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    assert!(status.contains("Seccomp:\t2"), "{status}");
    assert!(status.contains("NoNewPrivs:\t1"), "{status}");
    // Only CAP_CHOWN..CAP_FSETID (bits 0-4) remain, bounding set included.
    for set in ["CapEff", "CapPrm", "CapBnd"] {
        assert!(
            status.contains(&format!("{set}:\t000000000000001f")),
            "{status}"
        );
    }
    assert!(status.contains("CapInh:\t0000000000000000"), "{status}");
    let seen: BTreeSet<String> = fs::read_dir(format!("/proc/{pid}/root"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(seen, set(&["a", "b", "esc", "new"]));
    let mounts = fs::read_to_string(format!("/proc/{pid}/mountinfo")).unwrap();
    assert_eq!(mounts.lines().count(), 1, "{mounts}");

    drop(c);
    assert_eq!(wait(pid), 0, "serve should return Ok at EOF");
    Ok(())
}

fn exercise_all_requests(c: &Client, root: u64, b: u64) {
    use gofer::{SetAttr, SETATTR_ATIME, SETATTR_GID, SETATTR_MODE, SETATTR_MTIME_NOW};
    use gofer::{SETATTR_SIZE, SETATTR_UID};
    let (f, _, fd) = c.create(b, b"f", libc::O_RDWR, 0o600, 1, 2).unwrap();
    drop(fd);
    let all = SetAttr {
        mask: SETATTR_MODE
            | SETATTR_UID
            | SETATTR_GID
            | SETATTR_SIZE
            | SETATTR_ATIME
            | SETATTR_MTIME_NOW,
        mode: 0o640,
        uid: 3,
        gid: 4,
        size: 10,
        atime: (5, 6),
        mtime: (0, 0),
    };
    c.setattr(f, &all).unwrap();
    c.setattr(
        root,
        &SetAttr {
            size: 0,
            mask: all.mask & !SETATTR_SIZE,
            ..all
        },
    )
    .unwrap();
    let a = c.stat(f).unwrap();
    assert_eq!(
        (a.mode & 0o777, a.uid, a.gid, a.size, a.atime),
        (0o640, 3, 4, 10, 5)
    );
    let fd = c.open(f, libc::O_RDWR | libc::O_TRUNC).unwrap();
    drop(fd);
    assert_eq!(c.stat(f).unwrap().size, 0);
    c.mknod(b, b"fifo", libc::S_IFIFO | 0o600, 0, 0, 0).unwrap();
    let (fifo, _) = c.walk(b, b"fifo").unwrap();
    drop(c.open(fifo, libc::O_RDONLY).unwrap());
    c.symlink(b, b"sl", b"f", 0, 0).unwrap();
    let (h, _) = c.link(b, b"hard", f).unwrap();
    c.rename(b, b"hard", root, b"moved", 0).unwrap();
    c.rename(root, b"moved", b, b"sl", libc::RENAME_EXCHANGE)
        .unwrap();
    drop(c.open(h, libc::O_RDONLY).unwrap());
    assert_eq!(c.walk_many(root, &[b"b", b"sub"]).unwrap().len(), 2);
    c.statfs(root).unwrap();
    match c.setxattr(f, b"user.k", b"v", 0) {
        Err(libc::EOPNOTSUPP) => {}
        r => {
            r.unwrap();
            assert_eq!(c.getxattr(f, b"user.k", 0).unwrap(), b"v");
            assert!(!c.listxattr(f, 0).unwrap().is_empty());
            c.removexattr(f, b"user.k").unwrap();
        }
    }
    c.unlink(root, b"moved", 0).unwrap();
    c.unlink(b, b"sl", 0).unwrap();
    c.unlink(b, b"fifo", 0).unwrap();
    c.unlink(b, b"f", 0).unwrap();
    c.close(&[f, fifo, h]).unwrap();
}

fn test_read_only_confine_refuses_writes() -> Result<(), String> {
    let dir = TempDir::new("confine-ro");
    fs::write(dir.path().join("f"), b"keep").unwrap();
    let (mine, theirs) = gofer::seqpacket_pair().unwrap();
    let path = dir.path().to_path_buf();
    let (mine_raw, theirs_raw) = (mine.as_raw_fd(), theirs.as_raw_fd());
    let pid = fork_child(move || {
        let sock = child_fds(mine_raw, theirs_raw);
        // The server itself allows writes: the mount must refuse them.
        gofer_child(&path, sock, true)
    });
    drop(theirs);
    let c = Client::new(mine);
    let Ok((root, _)) = c.attach() else {
        drop(c);
        return Err(format!("gofer child failed: exit {}", wait(pid)));
    };
    let (f, _) = c.walk(root, b"f").unwrap();
    assert_eq!(c.open(f, libc::O_WRONLY).err(), Some(libc::EROFS));
    assert_eq!(c.mkdir(root, b"d", 0o755, 0, 0), Err(libc::EROFS));
    assert_eq!(c.unlink(root, b"f", 0), Err(libc::EROFS));
    assert!(c.open(f, libc::O_RDONLY).is_ok());
    drop(c);
    assert_eq!(wait(pid), 0);
    // The host's own view stays writable.
    fs::write(dir.path().join("g"), b"").unwrap();
    Ok(())
}

fn test_confined_gofer_serves_bind_mounts() -> Result<(), String> {
    let root = TempDir::new("confine-binds-root");
    let dir = TempDir::new("confine-binds-dir");
    let other = TempDir::new("confine-binds-file");
    fs::write(dir.path().join("in-dir"), b"D").unwrap();
    fs::write(other.path().join("f"), b"F").unwrap();
    fs::write(other.path().join("sibling"), b"S").unwrap();
    let binds = vec![
        gofer::BindSource {
            path: dir.path().to_path_buf(),
            read_only: true,
        },
        gofer::BindSource {
            path: other.path().join("f"),
            read_only: false,
        },
    ];
    let (mine, theirs) = gofer::seqpacket_pair().unwrap();
    let path = root.path().to_path_buf();
    let (mine_raw, theirs_raw) = (mine.as_raw_fd(), theirs.as_raw_fd());
    let pid = fork_child(move || {
        let sock = child_fds(mine_raw, theirs_raw);
        let (root, mounts) = match gofer::confine_mounts(&path, false, &binds) {
            Ok(r) => r,
            Err(e) if e.raw_os_error() == Some(libc::EPERM) => return UNSUPPORTED,
            Err(e) => {
                eprintln!("confine_mounts: {e}");
                return 2;
            }
        };
        if gofer::drop_capabilities().is_err() || gofer::install_seccomp().is_err() {
            return 3;
        }
        match gofer::serve_mounts(root, mounts, sock, false) {
            Ok(()) => 0,
            Err(_) => 4,
        }
    });
    drop(theirs);
    let c = Client::new(mine);
    let Ok((r, _)) = c.attach() else {
        drop(c);
        return match wait(pid) {
            UNSUPPORTED => Err("skipped: no mount namespaces here".into()),
            code => Err(format!("gofer child failed before serving: exit {code}")),
        };
    };
    // The root is as before.
    assert!(names(&c, r).is_empty());
    // The directory: its entries, read-only.
    let (d, attr) = c.attach_mount(0).unwrap();
    assert!(attr.is_dir());
    assert_eq!(names(&c, d), set(&["in-dir"]));
    let (f, _) = c.walk(d, b"in-dir").unwrap();
    assert_eq!(c.open(f, libc::O_WRONLY).err(), Some(libc::EROFS));
    assert_eq!(c.mkdir(d, b"x", 0o755, 0, 0).map(|_| ()), Err(libc::EROFS));
    // The file: readable and writable through the holder, no siblings.
    let (file, attr) = c.attach_mount(1).unwrap();
    assert_eq!(attr.file_type(), libc::S_IFREG);
    use std::os::unix::fs::MetadataExt;
    assert_eq!(
        attr.ino,
        fs::metadata(other.path().join("f")).unwrap().ino()
    );
    let mut w = fs::File::from(c.open(file, libc::O_WRONLY | libc::O_TRUNC).unwrap());
    std::io::Write::write_all(&mut w, b"written").unwrap();
    drop(w);
    assert_eq!(c.walk(file, b"sibling").map(|_| ()), Err(libc::ENOTDIR));
    assert_eq!(c.attach_mount(2).map(|_| ()), Err(libc::ENOENT));
    drop(c);
    assert_eq!(wait(pid), 0);
    assert_eq!(fs::read(other.path().join("f")).unwrap(), b"written");
    assert_eq!(fs::read(dir.path().join("in-dir")).unwrap(), b"D");
    Ok(())
}

fn test_seccomp_denies_unlisted_syscalls() -> Result<(), String> {
    let pid = fork_child(|| {
        if gofer::install_seccomp().is_err() {
            return 10;
        }
        // Not on the list: fails with EPERM instead of running.
        // SAFETY: socket takes integer arguments.
        let s = unsafe { libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0) };
        if s != -1 || std::io::Error::last_os_error().raw_os_error() != Some(libc::EPERM) {
            return 11;
        }
        // SAFETY: no arguments.
        if unsafe { libc::syscall(libc::SYS_getppid) } != -1 {
            return 12;
        }
        // On the list: works.
        if fs::metadata("/").is_err() {
            return 13;
        }
        0
    });
    match wait(pid) {
        0 => Ok(()),
        code => Err(format!("seccomp child exit {code}")),
    }
}

/// A test: Ok, Err("skipped..."), or Err(why it failed).
type TestFn = fn() -> Result<(), String>;

fn main() {
    let tests: [(&str, TestFn); 4] = [
        (
            "test_confined_gofer_sees_only_its_root",
            test_confined_gofer_sees_only_its_root,
        ),
        (
            "test_read_only_confine_refuses_writes",
            test_read_only_confine_refuses_writes,
        ),
        (
            "test_confined_gofer_serves_bind_mounts",
            test_confined_gofer_serves_bind_mounts,
        ),
        (
            "test_seccomp_denies_unlisted_syscalls",
            test_seccomp_denies_unlisted_syscalls,
        ),
    ];
    let (mut passed, mut failed, mut skipped) = (0, 0, 0);
    for (name, test) in tests {
        match std::panic::catch_unwind(test) {
            Ok(Ok(())) => {
                println!("test {name} ... ok");
                passed += 1;
            }
            Ok(Err(msg)) if msg.starts_with("skipped") => {
                println!("test {name} ... {msg}");
                skipped += 1;
            }
            Ok(Err(msg)) => {
                println!("test {name} ... FAILED: {msg}");
                failed += 1;
            }
            Err(_) => {
                println!("test {name} ... FAILED (panicked)");
                failed += 1;
            }
        }
    }
    println!("{passed} passed, {failed} failed, {skipped} skipped");
    if failed > 0 {
        std::process::exit(1);
    }
}
