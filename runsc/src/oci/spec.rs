//! The bundle's config.json: the fields runsc uses, read from a
//! `serde_json::Value` (the workspace does not use serde's derive), and the
//! default spec `runsc spec` writes.

use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};

/// The OCI runtime-spec version runsc writes and reports.
pub const OCI_VERSION: &str = "1.0.2";

/// Why a bundle cannot be used; each names the file and the fix.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    /// config.json could not be read.
    #[error("cannot read {path}: {source}; pass --bundle DIR holding a config.json (`runsc spec` writes one)")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// config.json is not JSON.
    #[error("{path} is not valid JSON ({detail}): fix it or write a fresh one with `runsc spec`")]
    Parse {
        /// The file.
        path: PathBuf,
        /// serde_json's message.
        detail: String,
    },
    /// A field is missing or has the wrong type.
    #[error("{path}: {field} {what}")]
    Field {
        /// The file.
        path: PathBuf,
        /// The field, as a JSON path.
        field: &'static str,
        /// What is wrong and what to put there.
        what: String,
    },
    /// root.path is not a directory.
    #[error("root filesystem {path} (root.path in {config}) is not a directory: create it or fix root.path")]
    Rootfs {
        /// The resolved root path.
        path: PathBuf,
        /// The config file.
        config: PathBuf,
    },
}

/// What runsc takes from a bundle.
#[derive(Clone, Debug)]
pub struct Bundle {
    /// The bundle directory, absolute.
    pub dir: PathBuf,
    /// The root filesystem, absolute.
    pub rootfs: PathBuf,
    /// root.readonly.
    pub readonly: bool,
    /// process.args (at least one).
    pub args: Vec<String>,
    /// process.env.
    pub env: Vec<String>,
    /// process.cwd.
    pub cwd: String,
    /// process.user.uid.
    pub uid: u32,
    /// process.user.gid.
    pub gid: u32,
    /// hostname, if set.
    pub hostname: Option<String>,
    /// annotations.
    pub annotations: Map<String, Value>,
    /// The network namespace to join (`linux.namespaces` entry of type
    /// "network" with a path), if any; else the sandbox gets a fresh one.
    pub netns: Option<PathBuf>,
}

/// `dir` made absolute against the working directory.
pub fn absolute(dir: &Path) -> PathBuf {
    if dir.is_absolute() {
        dir.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|c| c.join(dir))
            .unwrap_or_else(|_| dir.to_path_buf())
    }
}

/// Reads and checks `<bundle>/config.json`.
pub fn load(bundle: &Path) -> Result<Bundle, SpecError> {
    let dir = absolute(bundle);
    let path = dir.join("config.json");
    let text = std::fs::read(&path).map_err(|source| SpecError::Read {
        path: path.clone(),
        source,
    })?;
    let v: Value = serde_json::from_slice(&text).map_err(|e| SpecError::Parse {
        path: path.clone(),
        detail: e.to_string(),
    })?;
    parse(&dir, &path, &v)
}

fn parse(dir: &Path, path: &Path, v: &Value) -> Result<Bundle, SpecError> {
    let field = |field: &'static str, what: &str| SpecError::Field {
        path: path.to_path_buf(),
        field,
        what: what.to_string(),
    };
    if !v.is_object() {
        return Err(field("the top level", "must be a JSON object"));
    }
    let process = v
        .get("process")
        .filter(|p| p.is_object())
        .ok_or_else(|| field("process", "is missing: add a process object with args"))?;
    let args = strings(process.get("args"))
        .ok_or_else(|| field("process.args", "must be an array of strings"))?;
    if args.first().is_none_or(|a| a.is_empty()) {
        return Err(field(
            "process.args",
            "is empty: name the program to run, e.g. [\"sh\"]",
        ));
    }
    let env = match process.get("env") {
        None | Some(Value::Null) => Vec::new(),
        e => strings(e).ok_or_else(|| field("process.env", "must be an array of strings"))?,
    };
    let cwd = match process.get("cwd") {
        None | Some(Value::Null) => "/".to_string(),
        Some(Value::String(s)) if s.starts_with('/') => s.clone(),
        _ => return Err(field("process.cwd", "must be an absolute path")),
    };
    let user = process.get("user");
    let id = |name: &'static str, key: &str| -> Result<u32, SpecError> {
        match user.and_then(|u| u.get(key)) {
            None | Some(Value::Null) => Ok(0),
            Some(n) => n
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| field(name, "must be a number from 0 to 4294967295")),
        }
    };
    let uid = id("process.user.uid", "uid")?;
    let gid = id("process.user.gid", "gid")?;
    let root = v.get("root");
    let root_path = root
        .and_then(|r| r.get("path"))
        .and_then(Value::as_str)
        .filter(|p| !p.is_empty())
        .ok_or_else(|| {
            field(
                "root.path",
                "is missing: name the root filesystem directory",
            )
        })?;
    let rootfs = dir.join(root_path);
    if !rootfs.is_dir() {
        return Err(SpecError::Rootfs {
            path: rootfs,
            config: path.to_path_buf(),
        });
    }
    let readonly = root
        .and_then(|r| r.get("readonly"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let hostname = v
        .get("hostname")
        .and_then(Value::as_str)
        .filter(|h| !h.is_empty())
        .map(String::from);
    let annotations = match v.get("annotations") {
        Some(Value::Object(m)) => m.clone(),
        None | Some(Value::Null) => Map::new(),
        Some(_) => return Err(field("annotations", "must be an object of string values")),
    };
    let netns = v
        .get("linux")
        .and_then(|l| l.get("namespaces"))
        .and_then(Value::as_array)
        .and_then(|nss| {
            nss.iter()
                .find(|n| n.get("type").and_then(Value::as_str) == Some("network"))
        })
        .and_then(|n| n.get("path"))
        .and_then(Value::as_str)
        .filter(|p| !p.is_empty())
        .map(PathBuf::from);
    Ok(Bundle {
        dir: dir.to_path_buf(),
        rootfs,
        readonly,
        args,
        env,
        cwd,
        uid,
        gid,
        hostname,
        annotations,
        netns,
    })
}

fn strings(v: Option<&Value>) -> Option<Vec<String>> {
    v?.as_array()?
        .iter()
        .map(|s| s.as_str().map(String::from))
        .collect()
}

/// The default spec `runsc spec` writes: runc's defaults (a read-only
/// `rootfs`, `sh` on a terminal, the usual mounts and namespaces), with
/// `args` in place of `sh` when given.
pub fn default_spec(args: &[String]) -> Value {
    let args: Vec<String> = if args.is_empty() {
        vec!["sh".into()]
    } else {
        args.to_vec()
    };
    let caps = json!(["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]);
    json!({
        "ociVersion": OCI_VERSION,
        "process": {
            "terminal": true,
            "user": {"uid": 0, "gid": 0},
            "args": args,
            "env": [
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "TERM=xterm"
            ],
            "cwd": "/",
            "capabilities": {
                "bounding": caps,
                "effective": caps,
                "permitted": caps,
                "ambient": caps
            },
            "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
            "noNewPrivileges": true
        },
        "root": {"path": "rootfs", "readonly": true},
        "hostname": "runsc",
        "mounts": [
            {"destination": "/proc", "type": "proc", "source": "proc"},
            {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
             "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
            {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
             "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
            {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
             "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
            {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
             "options": ["nosuid", "noexec", "nodev"]},
            {"destination": "/sys", "type": "sysfs", "source": "sysfs",
             "options": ["nosuid", "noexec", "nodev", "ro"]}
        ],
        "linux": {
            "resources": {"devices": [{"allow": false, "access": "rwm"}]},
            "namespaces": [
                {"type": "pid"}, {"type": "network"}, {"type": "ipc"},
                {"type": "uts"}, {"type": "mount"}
            ],
            "maskedPaths": [
                "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
                "/proc/scsi", "/sys/firmware"
            ],
            "readonlyPaths": [
                "/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq",
                "/proc/sys", "/proc/sysrq-trigger"
            ]
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmpdir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("runsc-spec-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(d.join("rootfs")).unwrap_or_else(|e| panic!("{e}"));
        d
    }

    #[test]
    fn test_default_spec_parses_back() {
        let d = tmpdir("default");
        let b =
            parse(&d, &d.join("config.json"), &default_spec(&[])).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(b.args, vec!["sh".to_string()]);
        assert_eq!(b.rootfs, d.join("rootfs"));
        assert!(b.readonly);
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn test_empty_args_is_error_naming_field() {
        let d = tmpdir("noargs");
        let mut v = default_spec(&[]);
        v["process"]["args"] = json!([]);
        let e = parse(&d, &d.join("config.json"), &v)
            .map(|_| ())
            .unwrap_err();
        assert!(e.to_string().contains("process.args"), "{e}");
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn test_missing_rootfs_is_error_naming_path() {
        let d = tmpdir("norootfs");
        let mut v = default_spec(&[]);
        v["root"]["path"] = json!("nothere");
        let e = parse(&d, &d.join("config.json"), &v)
            .map(|_| ())
            .unwrap_err();
        assert!(e.to_string().contains("nothere"), "{e}");
        let _ = std::fs::remove_dir_all(&d);
    }
}
