//! `runsc install` and `runsc uninstall` through the binary: the flags
//! (`--runtime`, `--config-file`, runtime flags after `--`) and what they
//! leave in a daemon.json (Docker's own use of it is in docker.rs).

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use tests::{run, runtime, Input, Outcome};

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("runsc-install-it-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("scratch dir");
    d
}

fn runsc(args: &[&str]) -> Outcome {
    run(runtime().command(args), Input::Null)
}

fn read(file: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(file).expect("daemon.json")).expect("json")
}

/// The absolute path install records: the binary itself.
fn bin() -> String {
    std::fs::canonicalize(&runtime().bin)
        .expect("runsc path")
        .display()
        .to_string()
}

#[test]
fn test_install_then_uninstall_restores_daemon_json_and_keeps_other_keys() {
    let d = scratch("roundtrip");
    let file = d.join("daemon.json");
    let before = json!({"data-root": "/srv/docker", "runtimes": {"kata": {"path": "/bin/kata"}}});
    std::fs::write(&file, before.to_string()).expect("write");
    let f = file.to_str().expect("utf-8 path");
    let out = runsc(&[
        "install",
        "--runtime",
        "runsc-test",
        "--config-file",
        f,
        "--",
        "--debug",
        "--platform=ptrace",
    ]);
    assert_eq!(out.status, 0, "install: {}", out.stderr_text());
    let after = read(&file);
    assert_eq!(after["data-root"], "/srv/docker");
    assert_eq!(after["runtimes"]["kata"], before["runtimes"]["kata"]);
    assert_eq!(
        after["runtimes"]["runsc-test"],
        json!({"path": bin(), "runtimeArgs": ["--debug", "--platform=ptrace"]})
    );
    let first = std::fs::read(&file).expect("read");
    let again = runsc(&[
        "install",
        "--runtime",
        "runsc-test",
        "--config-file",
        f,
        "--",
        "--debug",
        "--platform=ptrace",
    ]);
    assert_eq!(again.status, 0, "second install: {}", again.stderr_text());
    assert_eq!(
        std::fs::read(&file).expect("read"),
        first,
        "a second install changes nothing"
    );
    let out = runsc(&["uninstall", "--runtime", "runsc-test", "--config-file", f]);
    assert_eq!(out.status, 0, "uninstall: {}", out.stderr_text());
    assert_eq!(read(&file), before);
    let out = runsc(&["uninstall", "--runtime", "runsc-test", "--config-file", f]);
    assert_eq!(out.status, 1, "uninstall of a missing runtime fails");
    assert!(
        out.stderr_text().contains("\"runsc-test\" not found"),
        "{}",
        out.stderr_text()
    );
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn test_install_default_name_creates_the_file_and_its_directory() {
    let d = scratch("create");
    let file = d.join("etc/docker/daemon.json");
    let out = runsc(&["install", "--config_file", file.to_str().expect("utf-8")]);
    assert_eq!(out.status, 0, "install: {}", out.stderr_text());
    assert_eq!(read(&file), json!({"runtimes": {"runsc": {"path": bin()}}}));
    let _ = std::fs::remove_dir_all(&d);
}
