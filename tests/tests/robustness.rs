//! Robustness and containment: garbage arguments never crash the sentry,
//! and guest syscalls never take effect on the host.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn runsc() -> PathBuf {
    if let Some(p) = std::env::var_os("RUNSC_BIN") {
        return p.into();
    }
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let ok = Command::new(env!("CARGO"))
                .args(["build", "--release", "-p", "runsc"])
                .current_dir(workspace())
                .status()
                .is_ok_and(|s| s.success());
            assert!(ok, "cargo build --release -p runsc failed");
            workspace().join("target/release/runsc")
        })
        .clone()
}

/// Compiles tests/c/NAME.c statically.
fn compile(name: &str) -> PathBuf {
    let dir = workspace().join("target/c-tests-robustness");
    std::fs::create_dir_all(&dir).expect("create output dir");
    let out = dir.join(name);
    let src = workspace().join("tests/c").join(format!("{name}.c"));
    let st = Command::new("gcc")
        .args(["-static", "-O1", "-Wall", "-o"])
        .arg(&out)
        .arg(&src)
        .status()
        .expect("gcc runs (apt-get install gcc libc6-dev)");
    assert!(st.success(), "gcc failed on {}", src.display());
    out
}

fn run(prefix: &[&Path], prog: &Path, args: &[&str]) -> Output {
    let mut c = match prefix.split_first() {
        Some((bin, rest)) => {
            let mut c = Command::new(bin);
            c.args(rest).arg("do").arg(prog);
            c
        }
        None => Command::new(prog),
    };
    c.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("program runs")
}

fn sandboxed(prog: &Path, args: &[&str]) -> Output {
    let bin = runsc();
    run(&[bin.as_path()], prog, args)
}

#[test]
fn test_garbage_syscalls_every_number_sentry_survives() {
    let prog = compile("garbage");
    let out = sandboxed(&prog, &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout: {stdout}\nstderr: {stderr}"
    );
    assert!(stdout.starts_with("survived "), "stdout: {stdout}");
    assert!(!stderr.contains("panicked"), "stderr: {stderr}");
}

#[test]
fn test_host_effect_guest_mkdir_never_reaches_host() {
    let prog = compile("host_effect");
    let base = std::env::temp_dir().join(format!("runsc-host-effect-{}", std::process::id()));
    let native_dir = base.with_extension("native");
    let sandbox_dir = base.with_extension("sandbox");
    let _ = std::fs::remove_dir(&native_dir);
    let _ = std::fs::remove_dir(&sandbox_dir);
    // Natively the program does create the directory: the test can fail.
    run(&[], &prog, &[native_dir.to_str().unwrap()]);
    assert!(
        native_dir.is_dir(),
        "native run must create {}",
        native_dir.display()
    );
    std::fs::remove_dir(&native_dir).unwrap();
    let out = sandboxed(&prog, &[sandbox_dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        !sandbox_dir.exists(),
        "guest mkdir reached the host: {}",
        sandbox_dir.display()
    );
}

fn same_as_native(name: &str) {
    let prog = compile(name);
    let native = run(&[], &prog, &[]);
    let sandbox = sandboxed(&prog, &[]);
    assert_eq!(
        String::from_utf8_lossy(&sandbox.stdout),
        String::from_utf8_lossy(&native.stdout),
        "{name}: stdout differs (stderr: {})",
        String::from_utf8_lossy(&sandbox.stderr)
    );
    assert_eq!(
        sandbox.status.code(),
        native.status.code(),
        "{name}: exit status differs"
    );
}

#[test]
fn test_munmap_above_guest_range_matches_native() {
    same_as_native("munmap_high");
}

#[test]
fn test_vsyscall_time_emulated_matches_native() {
    same_as_native("vsyscall");
}
