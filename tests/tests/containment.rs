//! Containment: a guest cannot reach host files outside its root, and its
//! writes never reach the host.
//!
//! Most tests build a root filesystem in a unique temp dir (`rootfs/`
//! holding `bin/busybox`, copied from the static `/bin/busybox` of the
//! Debian package busybox-static) and run single busybox applets with
//! `runsc do --rootfs`. A host "secret" file lies next to `rootfs/`,
//! outside it; each test first shows that the escape path does reach the
//! secret on the host, so the sandbox's refusal is meaningful.
//!
//! Not here: a guest `mkdir` under the default root is
//! `robustness.rs::test_host_effect_guest_mkdir_never_reaches_host`; the
//! rename-during-walk race is covered at the gofer level (`gofer/tests`),
//! as one guest thread cannot race itself.

use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use tests::{run, run_native, runtime, Input, Outcome};

const BUSYBOX: &str = "/bin/busybox";

static SEQ: AtomicUsize = AtomicUsize::new(0);

/// A unique name for this process and call.
fn unique(tag: &str) -> String {
    format!(
        "runsc-contain-{}-{}-{tag}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    )
}

/// `base/` with `base/rootfs/bin/busybox` and the host secret
/// `base/secret`; the whole tree is removed when dropped, also when the
/// test fails.
struct Sandbox {
    base: PathBuf,
    secret: String,
}

impl Sandbox {
    fn new(tag: &str) -> Sandbox {
        let bytes = std::fs::read(BUSYBOX).unwrap_or_else(|e| {
            panic!("{BUSYBOX}: {e}; install it with `apt-get install busybox-static`")
        });
        assert!(
            !bytes
                .windows(b"/lib64/ld-linux".len())
                .any(|w| w == b"/lib64/ld-linux"),
            "{BUSYBOX} is dynamically linked; install the static one with \
             `apt-get install busybox-static`"
        );
        let name = unique(tag);
        let base = std::env::temp_dir().join(&name);
        let _ = std::fs::remove_dir_all(&base);
        let sb = Sandbox {
            base,
            secret: format!("host-secret-{name}-must-not-leak"),
        };
        std::fs::create_dir_all(sb.rootfs().join("bin")).unwrap();
        let bb = sb.rootfs().join("bin/busybox");
        std::fs::write(&bb, &bytes).unwrap();
        std::fs::set_permissions(&bb, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(sb.secret_path(), format!("{}\n", sb.secret)).unwrap();
        sb
    }

    fn rootfs(&self) -> PathBuf {
        self.base.join("rootfs")
    }

    /// The host secret, outside the rootfs.
    fn secret_path(&self) -> PathBuf {
        self.base.join("secret")
    }

    /// Runs `busybox args...` in a sandbox rooted at `rootfs/`.
    fn busybox(&self, args: &[&str]) -> Outcome {
        let mut cmd = runtime().command(&["do", "--rootfs"]);
        cmd.arg(self.rootfs()).arg("/bin/busybox").args(args);
        run(cmd, Input::Null)
    }

    /// Asserts that `busybox cat PATH` in the sandbox fails with ENOENT and
    /// does not print the secret.
    fn assert_cat_fails(&self, path: &str) {
        let out = self.busybox(&["cat", path]);
        self.assert_no_leak(&format!("cat {path}"), &out);
        assert_ne!(out.status, 0, "cat {path} succeeded: {}", out.stdout_text());
        assert!(
            out.guest_stderr().contains("No such file or directory"),
            "cat {path}: expected ENOENT, stderr: {}",
            out.stderr_text()
        );
    }

    fn assert_no_leak(&self, what: &str, out: &Outcome) {
        assert!(
            !out.stdout_text().contains(&self.secret) && !out.stderr_text().contains(&self.secret),
            "{what}: the host secret leaked into the sandbox:\nstdout: {}\nstderr: {}",
            out.stdout_text(),
            out.stderr_text()
        );
    }

    /// Asserts that the host path escapes to the secret (the control).
    fn assert_host_reaches_secret(&self, host_path: &Path) {
        let text = std::fs::read_to_string(host_path)
            .unwrap_or_else(|e| panic!("control: {} on the host: {e}", host_path.display()));
        assert_eq!(
            text.trim_end(),
            self.secret,
            "control: {}",
            host_path.display()
        );
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.base);
    }
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("temp paths are UTF-8")
}

// ---- reading outside the root ----

#[test]
fn test_dotdot_above_root_cannot_reach_host_secret() {
    let sb = Sandbox::new("dotdot");
    sb.assert_host_reaches_secret(&sb.rootfs().join("../secret"));
    sb.assert_host_reaches_secret(&sb.rootfs().join("bin/../../secret"));
    // The guest's cwd is its root.
    for path in [
        "/../secret",
        "/../../../secret",
        "../secret",
        "../../secret",
        "/bin/../../secret",
        "/bin/../../../../secret",
    ] {
        sb.assert_cat_fails(path);
    }
}

#[test]
fn test_dotdot_above_root_stays_at_root() {
    let sb = Sandbox::new("dotdot-decoy");
    std::fs::write(sb.rootfs().join("secret"), "decoy in the rootfs\n").unwrap();
    for path in ["/../secret", "../../secret", "/bin/../../../secret"] {
        let out = sb.busybox(&["cat", path]);
        sb.assert_no_leak(path, &out);
        assert_eq!(
            (out.status, out.stdout_text().as_str()),
            (0, "decoy in the rootfs\n"),
            "cat {path}: stderr {}",
            out.stderr_text()
        );
    }
}

#[test]
fn test_absolute_symlink_to_host_path_resolves_inside_root() {
    let sb = Sandbox::new("abslink");
    let target = sb.secret_path();
    std::os::unix::fs::symlink(&target, sb.rootfs().join("bin/link")).unwrap();
    sb.assert_host_reaches_secret(&sb.rootfs().join("bin/link"));
    sb.assert_cat_fails("/bin/link");
    // The link's text is the host path; it names a file inside the root.
    let out = sb.busybox(&["readlink", "/bin/link"]);
    assert_eq!(out.stdout_text().trim_end(), path_str(&target));
    let decoy = sb
        .rootfs()
        .join(target.strip_prefix("/").expect("absolute temp dir"));
    std::fs::create_dir_all(decoy.parent().unwrap()).unwrap();
    std::fs::write(&decoy, "decoy at the host path inside the rootfs\n").unwrap();
    let out = sb.busybox(&["cat", "/bin/link"]);
    sb.assert_no_leak("cat /bin/link", &out);
    assert_eq!(
        out.stdout_text(),
        "decoy at the host path inside the rootfs\n",
        "stderr: {}",
        out.stderr_text()
    );
}

#[test]
fn test_relative_symlink_escaping_root_resolves_at_root() {
    let sb = Sandbox::new("rellink");
    std::os::unix::fs::symlink("../../secret", sb.rootfs().join("bin/rel")).unwrap();
    std::os::unix::fs::symlink("../../../../../secret", sb.rootfs().join("bin/deep")).unwrap();
    std::os::unix::fs::symlink("../..", sb.rootfs().join("bin/up")).unwrap();
    sb.assert_host_reaches_secret(&sb.rootfs().join("bin/rel"));
    sb.assert_host_reaches_secret(&sb.rootfs().join("bin/up/secret"));
    for path in ["/bin/rel", "/bin/deep", "/bin/up/secret", "bin/up/secret"] {
        sb.assert_cat_fails(path);
    }
    std::fs::write(sb.rootfs().join("secret"), "decoy at the root\n").unwrap();
    for path in ["/bin/rel", "/bin/deep", "/bin/up/secret"] {
        let out = sb.busybox(&["cat", path]);
        sb.assert_no_leak(path, &out);
        assert_eq!(
            out.stdout_text(),
            "decoy at the root\n",
            "cat {path}: stderr {}",
            out.stderr_text()
        );
    }
}

#[test]
fn test_proc_root_and_cwd_links_cannot_reach_host_secret() {
    let sb = Sandbox::new("proc");
    sb.assert_host_reaches_secret(&sb.rootfs().join("../secret"));
    for path in [
        "/proc/self/root/../secret",
        "/proc/self/cwd/../secret",
        "/proc/1/root/../secret",
        "/proc/1/cwd/../../secret",
        "/proc/self/root/../../../secret",
    ] {
        sb.assert_cat_fails(path);
    }
    for link in ["/proc/self/root", "/proc/self/cwd", "/proc/1/root"] {
        let out = sb.busybox(&["readlink", link]);
        assert_eq!(
            (out.status, out.stdout_text().as_str()),
            (0, "/\n"),
            "readlink {link}: {}",
            out.stderr_text()
        );
    }
    // The parent of the root through /proc is the root itself.
    let out = sb.busybox(&["ls", "-a", "/proc/1/root/.."]);
    sb.assert_no_leak("ls /proc/1/root/..", &out);
    let names: BTreeSet<String> = out.stdout_text().lines().map(String::from).collect();
    assert!(
        names.contains("bin") && !names.contains("secret") && !names.contains("rootfs"),
        "ls -a /proc/1/root/..: {names:?}"
    );
}

#[test]
fn test_ls_root_shows_only_rootfs_entries_and_sandbox_mounts() {
    let sb = Sandbox::new("lsroot");
    // Control: the host's root has what the guest must not see.
    assert!(Path::new("/etc/passwd").exists() && Path::new("/usr").is_dir());
    let out = sb.busybox(&["ls", "-a", "/"]);
    assert_eq!(out.status, 0, "ls -a /: {}", out.stderr_text());
    let text = out.stdout_text();
    let names: BTreeSet<&str> = text.lines().collect();
    let expected: BTreeSet<&str> = [".", "..", "bin", "dev", "proc", "sys"].into();
    assert_eq!(names, expected, "ls -a / in a rootfs holding only bin/");
    let out = sb.busybox(&["ls", "-la", "/"]);
    assert_eq!(out.status, 0, "ls -la /: {}", out.stderr_text());
    for line in out.stdout_text().lines().skip(1) {
        let name = line.split_whitespace().last().unwrap_or("");
        assert!(
            expected.contains(name),
            "unexpected entry in ls -la /: {line}"
        );
    }
    // The root's parent lists the same.
    let out = sb.busybox(&["ls", "-a", "/.."]);
    let text = out.stdout_text();
    let names: BTreeSet<&str> = text.lines().collect();
    assert_eq!(names, expected, "ls -a /..");
}

// ---- writes stay in the sandbox ----

/// A host file `bin/target` in the rootfs with known content and mode.
const TARGET: &str = "original host content\n";

fn with_target(tag: &str) -> (Sandbox, PathBuf) {
    let sb = Sandbox::new(tag);
    let target = sb.rootfs().join("bin/target");
    std::fs::write(&target, TARGET).unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).unwrap();
    (sb, target)
}

fn assert_target_unchanged(target: &Path, after: &str) {
    let text = std::fs::read_to_string(target)
        .unwrap_or_else(|e| panic!("after {after}: host {}: {e}", target.display()));
    assert_eq!(text, TARGET, "after {after}: the host file changed");
    let mode = std::fs::metadata(target).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode, 0o644, "after {after}: the host file's mode changed");
}

#[test]
fn test_overwrite_and_append_of_rootfs_file_stay_in_sandbox() {
    let (sb, target) = with_target("overwrite");
    // The guest sees its own write (the file is sourced back by the same
    // shell), the host keeps the original.
    let script = "echo 'echo written in the sandbox' > /bin/target; . /bin/target; \
                  echo 'echo appended' >> /bin/target; . /bin/target";
    let out = sb.busybox(&["sh", "-c", script]);
    assert_eq!(
        (out.status, out.stdout_text().as_str()),
        (
            0,
            "written in the sandbox\nwritten in the sandbox\nappended\n"
        ),
        "stderr: {}",
        out.stderr_text()
    );
    assert_target_unchanged(&target, "overwrite and append");
    let out = sb.busybox(&["sh", "-c", ": > /bin/target"]);
    assert_eq!(out.status, 0, "truncate: {}", out.stderr_text());
    assert_target_unchanged(&target, "truncate");
    let out = sb.busybox(&["chmod", "000", "/bin/target"]);
    assert_eq!(out.status, 0, "chmod: {}", out.stderr_text());
    assert_target_unchanged(&target, "chmod 000");
}

#[test]
fn test_new_files_dirs_and_links_stay_in_sandbox() {
    let sb = Sandbox::new("create");
    let cases: [(&[&str], &str); 4] = [
        (&["touch", "/newfile"], "newfile"),
        (&["mkdir", "/newdir"], "newdir"),
        (&["ln", "-s", "/bin/busybox", "/bin/newlink"], "bin/newlink"),
        (&["ln", "/bin/busybox", "/bin/hardlink"], "bin/hardlink"),
    ];
    for (args, created) in cases {
        let out = sb.busybox(args);
        assert_eq!(out.status, 0, "{args:?}: {}", out.stderr_text());
        let host = sb.rootfs().join(created);
        assert!(
            host.symlink_metadata().is_err(),
            "{args:?} reached the host: {}",
            host.display()
        );
    }
    let mut names: Vec<String> = std::fs::read_dir(sb.rootfs().join("bin"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["busybox"],
        "host rootfs/bin after the guest's links"
    );
}

#[test]
fn test_rm_and_rename_of_rootfs_files_leave_host_files() {
    let (sb, target) = with_target("remove");
    let out = sb.busybox(&["rm", "/bin/target"]);
    assert_eq!(out.status, 0, "rm: {}", out.stderr_text());
    assert_target_unchanged(&target, "rm");
    let out = sb.busybox(&["mv", "/bin/target", "/bin/moved"]);
    assert_eq!(out.status, 0, "mv: {}", out.stderr_text());
    assert_target_unchanged(&target, "mv");
    assert!(
        !sb.rootfs().join("bin/moved").exists(),
        "mv created bin/moved"
    );
    let out = sb.busybox(&["mv", "/bin", "/renamed"]);
    assert_eq!(out.status, 0, "mv /bin /renamed: {}", out.stderr_text());
    assert_target_unchanged(&target, "mv /bin /renamed");
    assert!(!sb.rootfs().join("renamed").exists());
    let out = sb.busybox(&["rm", "-rf", "/bin"]);
    assert_eq!(out.status, 0, "rm -rf /bin: {}", out.stderr_text());
    assert_target_unchanged(&target, "rm -rf /bin");
    assert!(sb.rootfs().join("bin/busybox").is_file());
}

#[test]
fn test_guest_writes_under_default_root_stay_in_sandbox() {
    let tmp = std::env::temp_dir();
    let echo_file = tmp.join(unique("echo"));
    let cp_file = tmp.join(unique("cp"));
    struct Cleanup<'a>(&'a [&'a Path]);
    impl Drop for Cleanup<'_> {
        fn drop(&mut self) {
            for p in self.0 {
                let _ = std::fs::remove_file(p);
            }
        }
    }
    let _cleanup = Cleanup(&[&echo_file, &cp_file]);
    let echo_args = ["-c", r#"echo x > "$1""#, "sh", path_str(&echo_file)];
    let cp_args = ["/etc/services", path_str(&cp_file)];
    // Control: natively both commands do create the files.
    for (prog, args, file) in [
        ("/bin/sh", &echo_args[..], &echo_file),
        ("/bin/cp", &cp_args[..], &cp_file),
    ] {
        let out = run_native(Path::new(prog), args, Input::Null);
        assert_eq!(out.status, 0, "native {prog}: {}", out.stderr_text());
        assert!(file.is_file(), "control: native {prog} created no file");
        std::fs::remove_file(file).unwrap();
        let mut cmd = runtime().command(&["do", prog]);
        cmd.args(args);
        let out = run(cmd, Input::Null);
        assert_eq!(
            out.status,
            0,
            "sandboxed {prog} {args:?}: {}",
            out.stderr_text()
        );
        assert!(
            !file.exists(),
            "sandboxed {prog} {args:?} wrote to the host: {}",
            file.display()
        );
    }
}

// The runtime's own confinement (seccomp, namespaces, the empty root) is
// checked in tests/tests/confinement.rs.
