//! `runsc install [--runtime NAME] [--config-file PATH] [-- FLAGS...]`:
//! registers this binary as a Docker runtime, as gVisor's `runsc install`
//! does. It adds `"runtimes": {NAME: {"path": ..., "runtimeArgs": [...]}}`
//! to Docker's daemon.json, keeping every other key, and writes the file
//! atomically (created, with its directory, when missing). Docker reads
//! the file when it starts or on SIGHUP.
//!
//! `uninstall` (cmd/uninstall.rs) removes the entry with the helpers here.

use super::CmdError;
use serde_json::{Map, Value};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// What `install` was asked to do.
pub struct InstallOpts<'a> {
    /// The runtime's name in daemon.json (`docker run --runtime NAME`).
    pub runtime: &'a str,
    /// Docker's daemon configuration file.
    pub config_file: &'a Path,
    /// Also set `"experimental": true`.
    pub experimental: bool,
    /// Flags Docker passes to every run of the runtime (after `--`).
    pub runtime_args: &'a [String],
}

/// Adds (or replaces) the runtime entry for this binary.
pub fn run(o: &InstallOpts) -> Result<i32, CmdError> {
    let exe = this_binary()?;
    let mut config = read_config(o.config_file)?;
    add_runtime(&mut config, o.runtime, &exe, o.runtime_args, o.experimental)
        .map_err(|e| CmdError::Msg(format!("{}: {e}", o.config_file.display())))?;
    write_config(o.config_file, &config)?;
    println!(
        "runsc: runtime {:?} ({}) added to {}; restart dockerd or send it SIGHUP",
        o.runtime,
        exe.display(),
        o.config_file.display()
    );
    Ok(0)
}

/// The absolute path of the running binary.
fn this_binary() -> Result<PathBuf, CmdError> {
    std::env::current_exe()
        .map_err(|e| CmdError::Msg(format!("cannot find the path of this binary: {e}")))
}

/// Sets `runtimes[name]` in `config` to this runtime; other keys, and other
/// runtimes, are left as they are.
pub(super) fn add_runtime(
    config: &mut Map<String, Value>,
    name: &str,
    path: &Path,
    args: &[String],
    experimental: bool,
) -> Result<(), String> {
    let runtimes = config
        .entry("runtimes")
        .or_insert_with(|| Value::Object(Map::new()));
    let Value::Object(runtimes) = runtimes else {
        return Err("\"runtimes\" is not a JSON object".into());
    };
    let mut entry = Map::new();
    entry.insert("path".into(), Value::String(path.display().to_string()));
    if !args.is_empty() {
        entry.insert(
            "runtimeArgs".into(),
            Value::Array(args.iter().cloned().map(Value::String).collect()),
        );
    }
    runtimes.insert(name.into(), Value::Object(entry));
    if experimental {
        config.insert("experimental".into(), Value::Bool(true));
    }
    Ok(())
}

/// Removes `runtimes[name]` (and `runtimes` itself once it is empty).
pub(super) fn remove_runtime(config: &mut Map<String, Value>, name: &str) -> Result<(), String> {
    let Some(Value::Object(runtimes)) = config.get_mut("runtimes") else {
        return Err(format!("runtime {name:?} not found"));
    };
    if runtimes.remove(name).is_none() {
        return Err(format!("runtime {name:?} not found"));
    }
    if runtimes.is_empty() {
        config.remove("runtimes");
    }
    Ok(())
}

/// Reads daemon.json: a missing or empty file is an empty object.
pub(super) fn read_config(path: &Path) -> Result<Map<String, Value>, CmdError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => {
            return Err(CmdError::Msg(format!(
                "cannot read {}: {e}",
                path.display()
            )))
        }
    };
    if text.trim().is_empty() {
        return Ok(Map::new());
    }
    match serde_json::from_str(&text) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(CmdError::Msg(format!(
            "{}: not a JSON object",
            path.display()
        ))),
        Err(e) => Err(CmdError::Msg(format!("{}: {e}", path.display()))),
    }
}

/// Writes daemon.json atomically: a temporary file in the same directory
/// (with the old file's mode, else 0644), synced, renamed over it.
pub(super) fn write_config(path: &Path, config: &Map<String, Value>) -> Result<(), CmdError> {
    let fail = |what: &str, p: &Path, e: std::io::Error| {
        CmdError::Msg(format!("cannot {what} {}: {e}", p.display()))
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(|e| fail("create", dir, e))?;
    let mode = std::fs::metadata(path).map_or(0o644, |m| m.permissions().mode() & 0o7777);
    let name = path
        .file_name()
        .map_or("daemon.json".into(), |n| n.to_string_lossy().into_owned());
    let tmp = dir.join(format!(".{name}.runsc-{}.tmp", std::process::id()));
    let mut text = serde_json::to_string_pretty(config).unwrap_or_default();
    text.push('\n');
    let res = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(&tmp)
        .and_then(|mut f| {
            // The umask may have narrowed the mode given to open.
            f.set_permissions(std::fs::Permissions::from_mode(mode))?;
            f.write_all(text.as_bytes())?;
            f.sync_all()
        })
        .map_err(|e| fail("write", &tmp, e))
        .and_then(|()| std::fs::rename(&tmp, path).map_err(|e| fail("replace", path, e)));
    if res.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("runsc-install-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    fn install(file: &Path, name: &str, args: &[&str]) {
        let mut c = read_config(file).expect("read");
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        add_runtime(&mut c, name, Path::new("/opt/runsc"), &args, false).expect("add");
        write_config(file, &c).expect("write");
    }

    fn uninstall(file: &Path, name: &str) -> Result<(), String> {
        let mut c = read_config(file).expect("read");
        remove_runtime(&mut c, name)?;
        write_config(file, &c).expect("write");
        Ok(())
    }

    fn json(file: &Path) -> Value {
        serde_json::from_str(&std::fs::read_to_string(file).expect("read back")).expect("json")
    }

    #[test]
    fn test_install_missing_file_is_created_with_the_runtime_and_args() {
        let d = scratch("create");
        let file = d.join("docker/daemon.json");
        install(&file, "runsc", &["--debug", "--strace"]);
        assert_eq!(
            json(&file),
            serde_json::json!({"runtimes": {"runsc": {
                "path": "/opt/runsc", "runtimeArgs": ["--debug", "--strace"]}}})
        );
        let mode = std::fs::metadata(&file).expect("stat").permissions().mode();
        assert_eq!(mode & 0o777, 0o644);
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn test_install_uninstall_round_trip_keeps_other_keys_and_runtimes() {
        let d = scratch("roundtrip");
        std::fs::create_dir_all(&d).expect("mkdir");
        let file = d.join("daemon.json");
        let before = serde_json::json!({
            "log-driver": "json-file",
            "iptables": false,
            "default-ulimits": {"nofile": {"Name": "nofile", "Hard": 64000, "Soft": 64000}},
            "runtimes": {"other": {"path": "/usr/bin/other"}}
        });
        std::fs::write(&file, before.to_string()).expect("write");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        install(&file, "runsc-test", &[]);
        let mid = json(&file);
        assert_eq!(mid["log-driver"], "json-file");
        assert_eq!(mid["default-ulimits"], before["default-ulimits"]);
        assert_eq!(mid["runtimes"]["other"], before["runtimes"]["other"]);
        assert_eq!(
            mid["runtimes"]["runsc-test"],
            serde_json::json!({"path": "/opt/runsc"})
        );
        let mode = std::fs::metadata(&file).expect("stat").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the file keeps its mode");
        uninstall(&file, "runsc-test").expect("uninstall");
        assert_eq!(json(&file), before);
        // No temporary file is left beside it.
        let names: Vec<_> = std::fs::read_dir(&d)
            .expect("readdir")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, ["daemon.json"]);
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn test_install_twice_is_idempotent_and_replaces_the_args() {
        let d = scratch("twice");
        let file = d.join("daemon.json");
        install(&file, "runsc", &["--debug"]);
        let once = std::fs::read(&file).expect("read");
        install(&file, "runsc", &["--debug"]);
        assert_eq!(std::fs::read(&file).expect("read"), once);
        install(&file, "runsc", &[]);
        assert_eq!(
            json(&file),
            serde_json::json!({"runtimes": {"runsc": {"path": "/opt/runsc"}}})
        );
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn test_uninstall_unknown_runtime_fails_and_removes_the_empty_runtimes() {
        let d = scratch("unknown");
        let file = d.join("daemon.json");
        install(&file, "runsc", &[]);
        let err = uninstall(&file, "nope").expect_err("unknown runtime");
        assert!(err.contains("\"nope\" not found"), "{err}");
        uninstall(&file, "runsc").expect("uninstall");
        assert_eq!(json(&file), serde_json::json!({}));
        assert!(uninstall(&file, "runsc").is_err());
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn test_read_config_rejects_a_non_object_and_bad_runtimes() {
        let d = scratch("bad");
        std::fs::create_dir_all(&d).expect("mkdir");
        let file = d.join("daemon.json");
        std::fs::write(&file, "[1]").expect("write");
        assert!(read_config(&file).is_err());
        std::fs::write(&file, "{\"runtimes\": 3}").expect("write");
        let mut c = read_config(&file).expect("read");
        assert!(add_runtime(&mut c, "runsc", Path::new("/x"), &[], false).is_err());
        std::fs::write(&file, "  \n").expect("write");
        assert!(read_config(&file).expect("empty file").is_empty());
        let _ = std::fs::remove_dir_all(&d);
    }
}
