//! `--overlay2 none`: guest writes go through the gofer to the host's
//! root filesystem (the default memory overlay keeps them in the sandbox;
//! tests/tests/containment.rs checks that side).

use std::path::{Path, PathBuf};
use tests::{run, runtime, Input, Outcome};

/// A root filesystem with busybox-static, removed on drop.
struct Rootfs(PathBuf);

impl Rootfs {
    fn new(tag: &str) -> Rootfs {
        let dir = std::env::temp_dir().join(format!("runsc-wt-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("bin")).expect("rootfs bin");
        std::fs::copy("/bin/busybox", dir.join("bin/busybox"))
            .expect("copy /bin/busybox (Debian package busybox-static)");
        for d in ["dev", "proc", "sys"] {
            std::fs::create_dir_all(dir.join(d)).expect("rootfs mount point");
        }
        Rootfs(dir)
    }

    fn path(&self, p: &str) -> PathBuf {
        self.0.join(p.trim_start_matches('/'))
    }

    /// Runs one busybox applet in the sandbox with `overlay`.
    fn busybox(&self, overlay: &str, args: &[&str]) -> Outcome {
        let root = self.0.to_str().expect("utf-8 temp dir");
        let mut argv = vec![
            "--overlay2",
            overlay,
            "do",
            "--rootfs",
            root,
            "/bin/busybox",
        ];
        argv.extend_from_slice(args);
        let out = run(runtime().command(&argv), Input::Null);
        assert_eq!(
            out.status,
            0,
            "busybox {args:?} failed: {}",
            out.stderr_text()
        );
        out
    }
}

impl Drop for Rootfs {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| format!("<{e}>"))
}

#[test]
fn test_write_through_changes_reach_the_host() {
    let r = Rootfs::new("through");
    r.busybox(
        "none",
        &["sh", "-c", "echo first > /file; echo second >> /file"],
    );
    assert_eq!(read(&r.path("/file")), "first\nsecond\n");
    r.busybox("none", &["mkdir", "/dir"]);
    assert!(r.path("/dir").is_dir());
    r.busybox("none", &["mv", "/file", "/dir/moved"]);
    assert!(!r.path("/file").exists());
    assert_eq!(read(&r.path("/dir/moved")), "first\nsecond\n");
    r.busybox("none", &["ln", "-s", "moved", "/dir/link"]);
    assert_eq!(
        std::fs::read_link(r.path("/dir/link")).expect("symlink on the host"),
        Path::new("moved")
    );
    r.busybox("none", &["chmod", "600", "/dir/moved"]);
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(r.path("/dir/moved"))
        .expect("stat")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let out = r.busybox("none", &["cat", "/dir/link"]);
    assert_eq!(out.stdout_text(), "first\nsecond\n");
    r.busybox("none", &["rm", "/dir/link", "/dir/moved"]);
    r.busybox("none", &["rmdir", "/dir"]);
    assert!(!r.path("/dir").exists());
}

#[test]
fn test_memory_overlay_keeps_the_same_changes_in_the_sandbox() {
    let r = Rootfs::new("memory");
    std::fs::write(r.path("/keep"), "host\n").expect("host file");
    let out = r.busybox(
        "root:memory",
        &[
            "sh",
            "-c",
            "echo guest > /keep; echo new > /new; read x < /keep; echo $x",
        ],
    );
    assert_eq!(out.stdout_text(), "guest\n", "the guest sees its own write");
    assert_eq!(read(&r.path("/keep")), "host\n");
    assert!(!r.path("/new").exists());
}

#[test]
fn test_exec_and_private_maps_of_a_rewritten_host_file_match_native() {
    // With --overlay2 none the program's copy in /tmp is a host file that
    // the guest rewrites in place: the next exec and mmap must see the new
    // bytes, not a cached image of the old ones.
    let prog = tests::c_program("exec_image");
    let native = tests::run_native(&prog, &[], Input::Null);
    assert!(
        native.stdout_text().contains("mapped marker: BBBB"),
        "native:\n{}",
        native.stdout_text()
    );
    let mut cmd = runtime().command(&["--overlay2", "none", "do"]);
    cmd.arg(&prog);
    let sandboxed = run(cmd, Input::Null);
    tests::assert_same("exec_image with --overlay2 none", &native, &sandboxed);
}
