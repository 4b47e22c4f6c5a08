//! A guest cannot reach a host file outside its root by racing renames
//! against path walks (two guest processes), with the memory overlay and
//! with writes going through the gofer to the host.

use std::path::PathBuf;
use tests::{c_program, run, runtime, Input};

/// `base/rootfs` holding the race program, and `base/secret` outside it.
struct Base(PathBuf);

impl Base {
    fn new(tag: &str) -> Base {
        let base = std::env::temp_dir().join(format!("runsc-race-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(base.join("rootfs/bin")).expect("rootfs");
        for d in ["dev", "proc", "sys"] {
            std::fs::create_dir_all(base.join("rootfs").join(d)).expect("mount point");
        }
        std::fs::copy(c_program("contain_race"), base.join("rootfs/bin/race")).expect("copy");
        std::fs::write(base.join("secret"), "host secret\n").expect("secret");
        Base(base)
    }
}

impl Drop for Base {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn race(overlay: &str) {
    let b = Base::new(overlay.replace(':', "-").as_str());
    // On the host the escape path does reach the secret.
    assert!(b.0.join("rootfs/../secret").exists());
    let root = b.0.join("rootfs");
    let out = run(
        runtime().command(&[
            "--overlay2",
            overlay,
            "do",
            "--rootfs",
            root.to_str().expect("utf-8"),
            "/bin/race",
        ]),
        Input::Null,
    );
    assert_eq!(out.status, 0, "stderr: {}", out.stderr_text());
    assert_eq!(out.stdout_text(), "tries=4000 found=0 child_ok=1\n");
}

#[test]
fn test_rename_race_cannot_escape_the_memory_overlay_root() {
    race("root:memory");
}

#[test]
fn test_rename_race_cannot_escape_a_write_through_root() {
    race("none");
}
