//! The bundle's config.json: the fields runsc uses, read from a
//! `serde_json::Value` (the workspace does not use serde's derive), and the
//! default spec `runsc spec` writes.

use sentry::abi::caps::{cap_bit, cap_by_name, CAP_NAMES};
use sentry::abi::misc::{rlimit_by_name, Rlimit};
use sentry::kernel::caps::ProcessCaps;
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
        field: String,
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
    /// process.user.additionalGids.
    pub additional_gids: Vec<u32>,
    /// process.rlimits: (RLIMIT_* index, soft and hard limits).
    pub rlimits: Vec<(usize, Rlimit)>,
    /// process.noNewPrivileges.
    pub no_new_privileges: bool,
    /// process.capabilities (none without it, as runc gives).
    pub capabilities: ProcessCaps,
    /// mounts, in order.
    pub mounts: Vec<SpecMount>,
    /// linux.maskedPaths.
    pub masked_paths: Vec<String>,
    /// linux.readonlyPaths.
    pub readonly_paths: Vec<String>,
    /// hostname, if set.
    pub hostname: Option<String>,
    /// annotations.
    pub annotations: Map<String, Value>,
    /// The network namespace to join (`linux.namespaces` entry of type
    /// "network" with a path), if any; else the sandbox gets a fresh one.
    pub netns: Option<PathBuf>,
    /// linux.uidMappings and linux.gidMappings, with a user namespace in
    /// linux.namespaces (else the identity): how the guest's ids appear
    /// on the host's files.
    pub ids: gofer::IdMap,
    /// linux.cgroupsPath.
    pub cgroups_path: Option<String>,
    /// linux.resources (applied to the sandbox's cgroup).
    pub resources: Option<Value>,
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
    let field = |field: &str, what: &str| SpecError::Field {
        path: path.to_path_buf(),
        field: field.to_string(),
        what: what.to_string(),
    };
    if !v.is_object() {
        return Err(field("the top level", "must be a JSON object"));
    }
    let process = v
        .get("process")
        .filter(|p| p.is_object())
        .ok_or_else(|| field("process", "is missing: add a process object with args"))?;
    let Process {
        args,
        env,
        cwd,
        uid,
        gid,
        additional_gids,
        rlimits,
        no_new_privileges,
        capabilities,
        terminal: _,
    } = parse_process(path, process, "process.")?;
    let capabilities = capabilities.unwrap_or(ProcessCaps::NONE);
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
    let linux = v.get("linux");
    let ids = parse_id_mappings(linux, &field)?;
    let cgroups_path = match linux.and_then(|l| l.get("cgroupsPath")) {
        None | Some(Value::Null) => None,
        Some(Value::String(p)) => Some(p.clone()),
        Some(_) => return Err(field("linux.cgroupsPath", "must be a string")),
    };
    let resources = match linux.and_then(|l| l.get("resources")) {
        None | Some(Value::Null) => None,
        Some(r @ Value::Object(_)) => Some(r.clone()),
        Some(_) => return Err(field("linux.resources", "must be an object")),
    };
    let mounts = parse_mounts(path, v.get("mounts"))?;
    let paths = |key: &str| -> Result<Vec<String>, SpecError> {
        let name = format!("linux.{key}");
        let list = match linux.and_then(|l| l.get(key)) {
            None | Some(Value::Null) => return Ok(Vec::new()),
            Some(l) => {
                strings(Some(l)).ok_or_else(|| field(&name, "must be an array of strings"))?
            }
        };
        if list.iter().any(|p| !p.starts_with('/')) {
            return Err(field(&name, "must hold absolute paths"));
        }
        Ok(list)
    };
    let masked_paths = paths("maskedPaths")?;
    let readonly_paths = paths("readonlyPaths")?;
    Ok(Bundle {
        dir: dir.to_path_buf(),
        cgroups_path,
        resources,
        rootfs,
        readonly,
        args,
        env,
        cwd,
        uid,
        gid,
        additional_gids,
        rlimits,
        no_new_privileges,
        capabilities,
        mounts,
        masked_paths,
        readonly_paths,
        hostname,
        annotations,
        netns,
        ids,
    })
}

/// linux.uidMappings and linux.gidMappings, which apply when
/// linux.namespaces has a user namespace; that namespace needs both.
fn parse_id_mappings(
    linux: Option<&Value>,
    field: &dyn Fn(&str, &str) -> SpecError,
) -> Result<gofer::IdMap, SpecError> {
    let userns = linux
        .and_then(|l| l.get("namespaces"))
        .and_then(Value::as_array)
        .is_some_and(|nss| {
            nss.iter()
                .any(|n| n.get("type").and_then(Value::as_str) == Some("user"))
        });
    if !userns {
        return Ok(gofer::IdMap::default());
    }
    let ranges = |key: &str| -> Result<Vec<gofer::IdRange>, SpecError> {
        let name = format!("linux.{key}");
        let bad = || {
            field(
                &name,
                "must be an array of {containerID, hostID, size} with size > 0",
            )
        };
        let list = match linux.and_then(|l| l.get(key)) {
            Some(Value::Array(a)) if !a.is_empty() => a,
            None | Some(Value::Null) | Some(Value::Array(_)) => {
                return Err(field(&name, "a user namespace needs uid and gid mappings"))
            }
            Some(_) => return Err(bad()),
        };
        list.iter()
            .map(|m| {
                let num = |k: &str| {
                    m.get(k)
                        .and_then(Value::as_u64)
                        .and_then(|n| u32::try_from(n).ok())
                };
                match (num("containerID"), num("hostID"), num("size")) {
                    (Some(inside), Some(outside), Some(count)) if count > 0 => Ok(gofer::IdRange {
                        inside,
                        outside,
                        count,
                    }),
                    _ => Err(bad()),
                }
            })
            .collect()
    };
    Ok(gofer::IdMap {
        uids: ranges("uidMappings")?,
        gids: ranges("gidMappings")?,
    })
}

/// One entry of config.json's `mounts`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpecMount {
    /// destination: an absolute path in the container.
    pub destination: String,
    /// type ("" when absent, as bind mounts often leave it).
    pub typ: String,
    /// source ("" when absent).
    pub source: String,
    /// options, in order.
    pub options: Vec<String>,
}

impl SpecMount {
    /// A bind mount of a host file or directory: type "bind" or "rbind",
    /// or a "bind"/"rbind" option (runc's rule).
    pub fn is_bind(&self) -> bool {
        matches!(self.typ.as_str(), "bind" | "rbind")
            || self.options.iter().any(|o| o == "bind" || o == "rbind")
    }

    /// Whether the options make it read-only (the last of "ro" and "rw"
    /// wins).
    pub fn read_only(&self) -> bool {
        self.options
            .iter()
            .rev()
            .find(|o| *o == "ro" || *o == "rw")
            .is_some_and(|o| o == "ro")
    }

    /// The host path a bind mount's source names: absolute, or relative
    /// to the bundle directory `bundle`, as runc resolves it.
    pub fn host_source(&self, bundle: &Path) -> PathBuf {
        bundle.join(&self.source)
    }
}

/// Checks config.json's `mounts` array.
fn parse_mounts(path: &Path, v: Option<&Value>) -> Result<Vec<SpecMount>, SpecError> {
    let field = |name: String, what: &str| SpecError::Field {
        path: path.to_path_buf(),
        field: name,
        what: what.to_string(),
    };
    let list = match v {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(a)) => a,
        Some(_) => return Err(field("mounts".into(), "must be an array of mount objects")),
    };
    let mut out = Vec::with_capacity(list.len());
    for (i, m) in list.iter().enumerate() {
        let name = |key: &str| format!("mounts[{i}].{key}");
        if !m.is_object() {
            return Err(field(format!("mounts[{i}]"), "must be an object"));
        }
        let destination = match m.get("destination") {
            Some(Value::String(d)) if d.starts_with('/') => d.clone(),
            _ => {
                return Err(field(
                    name("destination"),
                    "must be an absolute path in the container",
                ))
            }
        };
        let text = |key: &str| -> Result<String, SpecError> {
            match m.get(key) {
                None | Some(Value::Null) => Ok(String::new()),
                Some(Value::String(s)) => Ok(s.clone()),
                Some(_) => Err(field(name(key), "must be a string")),
            }
        };
        let typ = text("type")?;
        let source = text("source")?;
        let options = match m.get("options") {
            None | Some(Value::Null) => Vec::new(),
            o => strings(o).ok_or_else(|| field(name("options"), "must be an array of strings"))?,
        };
        let mount = SpecMount {
            destination,
            typ,
            source,
            options,
        };
        if mount.is_bind() && mount.source.is_empty() {
            return Err(field(
                name("source"),
                "is missing: a bind mount needs the host path to mount",
            ));
        }
        out.push(mount);
    }
    Ok(out)
}

/// An OCI process object (config.json's `process`, or the file `runsc
/// exec --process` reads): the fields runsc uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Process {
    /// args (at least one, the first not empty).
    pub args: Vec<String>,
    /// env.
    pub env: Vec<String>,
    /// cwd (absolute; "/" when missing).
    pub cwd: String,
    /// user.uid.
    pub uid: u32,
    /// user.gid.
    pub gid: u32,
    /// user.additionalGids.
    pub additional_gids: Vec<u32>,
    /// rlimits: (RLIMIT_* index, soft and hard limits).
    pub rlimits: Vec<(usize, Rlimit)>,
    /// noNewPrivileges.
    pub no_new_privileges: bool,
    /// capabilities, if given.
    pub capabilities: Option<ProcessCaps>,
    /// terminal.
    pub terminal: bool,
}

/// Reads and checks an OCI process JSON file (`runsc exec --process`).
pub fn load_process(file: &Path) -> Result<Process, SpecError> {
    let text = std::fs::read(file).map_err(|source| SpecError::Read {
        path: file.to_path_buf(),
        source,
    })?;
    let v: Value = serde_json::from_slice(&text).map_err(|e| SpecError::Parse {
        path: file.to_path_buf(),
        detail: e.to_string(),
    })?;
    if !v.is_object() {
        return Err(SpecError::Field {
            path: file.to_path_buf(),
            field: "the top level".into(),
            what: "must be an OCI process object with args".into(),
        });
    }
    parse_process(file, &v, "")
}

/// Checks the process object `p` of file `path`; `prefix` ("process."
/// in config.json) names its fields in errors.
fn parse_process(path: &Path, p: &Value, prefix: &str) -> Result<Process, SpecError> {
    let field = |name: &str, what: &str| SpecError::Field {
        path: path.to_path_buf(),
        field: format!("{prefix}{name}"),
        what: what.to_string(),
    };
    let args =
        strings(p.get("args")).ok_or_else(|| field("args", "must be an array of strings"))?;
    if args.first().is_none_or(|a| a.is_empty()) {
        return Err(field(
            "args",
            "is empty: name the program to run, e.g. [\"sh\"]",
        ));
    }
    let env = match p.get("env") {
        None | Some(Value::Null) => Vec::new(),
        e => strings(e).ok_or_else(|| field("env", "must be an array of strings"))?,
    };
    let cwd = match p.get("cwd") {
        None | Some(Value::Null) => "/".to_string(),
        Some(Value::String(s)) if s.starts_with('/') => s.clone(),
        _ => return Err(field("cwd", "must be an absolute path")),
    };
    let user = p.get("user");
    let num = |v: &Value| v.as_u64().and_then(|n| u32::try_from(n).ok());
    let id = |key: &str| -> Result<u32, SpecError> {
        match user.and_then(|u| u.get(key)) {
            None | Some(Value::Null) => Ok(0),
            Some(n) => num(n).ok_or_else(|| {
                field(
                    &format!("user.{key}"),
                    "must be a number from 0 to 4294967295",
                )
            }),
        }
    };
    let uid = id("uid")?;
    let gid = id("gid")?;
    let additional_gids = match user.and_then(|u| u.get("additionalGids")) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a
            .iter()
            .map(num)
            .collect::<Option<Vec<u32>>>()
            .ok_or_else(|| field("user.additionalGids", "must be an array of numbers"))?,
        Some(_) => return Err(field("user.additionalGids", "must be an array of numbers")),
    };
    let terminal = match p.get("terminal") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(field("terminal", "must be true or false")),
    };
    let no_new_privileges = match p.get("noNewPrivileges") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(field("noNewPrivileges", "must be true or false")),
    };
    let rlimits = match p.get("rlimits") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a
            .iter()
            .enumerate()
            .map(|(i, r)| {
                parse_rlimit(r).map_err(|(key, what)| field(&format!("rlimits[{i}]{key}"), &what))
            })
            .collect::<Result<Vec<_>, _>>()?,
        Some(_) => {
            return Err(field(
                "rlimits",
                "must be an array of {type, soft, hard} objects",
            ))
        }
    };
    let capabilities = match p.get("capabilities") {
        None | Some(Value::Null) => None,
        Some(c @ Value::Object(_)) => Some(
            parse_capabilities(c)
                .map_err(|(key, what)| field(&format!("capabilities.{key}"), &what))?,
        ),
        Some(_) => {
            return Err(field(
                "capabilities",
                "must be an object of capability name lists (bounding, effective, ...)",
            ))
        }
    };
    Ok(Process {
        args,
        env,
        cwd,
        uid,
        gid,
        additional_gids,
        rlimits,
        no_new_privileges,
        capabilities,
        terminal,
    })
}

/// A process's `capabilities` object: each list of names ("CAP_CHOWN")
/// as a mask. A name this sandbox does not know is left out with a
/// warning, as runc does ("ignoring unknown or unavailable
/// capabilities"), so that a bundle from a newer tool still runs. A value
/// that is no string, or a list runc could not apply (capset refuses an
/// effective capability that is not permitted, or an inheritable one
/// outside the bounding set), is an error, as it is for runc. On error,
/// the field (`effective[2]`, ...) and what is wrong.
fn parse_capabilities(c: &Value) -> Result<ProcessCaps, (String, String)> {
    let mut unknown: Vec<String> = Vec::new();
    let set = |key: &str| -> Result<u64, (String, String)> {
        let list = match c.get(key) {
            None | Some(Value::Null) => return Ok(0),
            Some(Value::Array(a)) => a,
            Some(_) => {
                return Err((
                    key.to_string(),
                    "must be an array of capability names such as \"CAP_CHOWN\"".into(),
                ))
            }
        };
        let mut mask = 0;
        for (i, v) in list.iter().enumerate() {
            let name = v.as_str().ok_or_else(|| {
                (
                    format!("{key}[{i}]"),
                    format!("{v} is not a capability name: use names from capabilities(7), such as \"CAP_CHOWN\""),
                )
            })?;
            match cap_by_name(name) {
                Some(cap) => mask |= cap_bit(cap),
                None => unknown.push(name.to_string()),
            }
        }
        Ok(mask)
    };
    let mut set = set;
    let caps = ProcessCaps {
        bounding: set("bounding")?,
        effective: set("effective")?,
        permitted: set("permitted")?,
        inheritable: set("inheritable")?,
        ambient: set("ambient")?,
    };
    if !unknown.is_empty() {
        unknown.sort();
        unknown.dedup();
        sentry::log::warn(&format!(
            "ignoring unknown or unavailable capabilities: {}",
            unknown.join(" ")
        ));
    }
    let outside = |what: u64, within: u64| {
        (0..CAP_NAMES.len())
            .find(|&i| what & !within & (1u64 << i) != 0)
            .map(|i| CAP_NAMES[i])
    };
    if let Some(name) = outside(caps.effective, caps.permitted) {
        return Err((
            "effective".into(),
            format!("holds {name}, which is not in capabilities.permitted: the effective set must lie within the permitted set"),
        ));
    }
    if let Some(name) = outside(caps.inheritable, caps.bounding) {
        return Err((
            "inheritable".into(),
            format!("holds {name}, which is not in capabilities.bounding: the inheritable set must lie within the bounding set"),
        ));
    }
    Ok(caps)
}

/// One `process.rlimits` entry; on error, the field (".type", ...)
/// and what is wrong with it.
fn parse_rlimit(r: &Value) -> Result<(usize, Rlimit), (&'static str, String)> {
    let typ = r.get("type").and_then(Value::as_str).ok_or((
        ".type",
        "must name the limit, e.g. \"RLIMIT_NOFILE\"".to_string(),
    ))?;
    let resource = rlimit_by_name(typ).ok_or_else(|| {
        (
            ".type",
            format!("{typ:?} is not a Linux resource limit (RLIMIT_NOFILE, RLIMIT_NPROC, ...)"),
        )
    })?;
    let num = |key: &'static str| {
        r.get(key).and_then(Value::as_u64).ok_or((
            if key == "soft" { ".soft" } else { ".hard" },
            "must be a number".to_string(),
        ))
    };
    let (cur, max) = (num("soft")?, num("hard")?);
    if cur > max {
        return Err((".soft", format!("{cur} is above the hard limit {max}")));
    }
    Ok((resource, Rlimit { cur, max }))
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
    fn test_default_spec_mounts_rlimits_and_paths_parse() {
        let d = tmpdir("fields");
        let b =
            parse(&d, &d.join("config.json"), &default_spec(&[])).unwrap_or_else(|e| panic!("{e}"));
        let dests: Vec<&str> = b.mounts.iter().map(|m| m.destination.as_str()).collect();
        assert_eq!(
            dests,
            [
                "/proc",
                "/dev",
                "/dev/pts",
                "/dev/shm",
                "/dev/mqueue",
                "/sys"
            ]
        );
        assert!(b.mounts.iter().all(|m| !m.is_bind()));
        assert!(b.mounts[5].read_only());
        assert_eq!(
            b.rlimits,
            vec![(
                sentry::abi::misc::RLIMIT_NOFILE,
                Rlimit {
                    cur: 1024,
                    max: 1024
                }
            )]
        );
        assert!(b.no_new_privileges);
        assert!(b.masked_paths.contains(&"/proc/kcore".to_string()));
        assert!(b.readonly_paths.contains(&"/proc/sys".to_string()));
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn test_bind_mounts_and_bad_mount_fields() {
        let d = tmpdir("binds");
        let mut v = default_spec(&[]);
        v["mounts"] = json!([
            {"destination": "/a", "type": "bind", "source": "/host/a", "options": ["rbind", "rw"]},
            {"destination": "/b", "source": "rel", "options": ["bind", "ro"]}
        ]);
        let b = parse(&d, &d.join("config.json"), &v).unwrap_or_else(|e| panic!("{e}"));
        assert!(b.mounts[0].is_bind() && !b.mounts[0].read_only());
        assert!(b.mounts[1].is_bind() && b.mounts[1].read_only());
        assert_eq!(b.mounts[1].host_source(&d), d.join("rel"));
        assert_eq!(b.mounts[0].host_source(&d), PathBuf::from("/host/a"));
        for (bad, field) in [
            (
                json!([{"destination": "rel", "type": "tmpfs"}]),
                "mounts[0].destination",
            ),
            (
                json!([{"destination": "/x", "type": "bind"}]),
                "mounts[0].source",
            ),
            (
                json!([{"destination": "/x", "options": "ro"}]),
                "mounts[0].options",
            ),
            (json!({}), "mounts"),
        ] {
            v["mounts"] = bad;
            let e = parse(&d, &d.join("config.json"), &v)
                .map(|_| ())
                .unwrap_err();
            assert!(e.to_string().contains(field), "{e}");
        }
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn test_id_mappings_apply_with_a_user_namespace_and_need_both() {
        let d = tmpdir("userns");
        let mut v = default_spec(&[]);
        let range = json!([{"containerID": 0, "hostID": 100000, "size": 65536}]);
        v["linux"]["uidMappings"] = range.clone();
        v["linux"]["gidMappings"] = range;
        let parsed = |v: &Value| parse(&d, &d.join("config.json"), v);
        // Without a user namespace the mappings do not apply.
        let b = parsed(&v).unwrap_or_else(|e| panic!("{e}"));
        assert!(b.ids.is_identity());
        v["linux"]["namespaces"]
            .as_array_mut()
            .expect("namespaces")
            .push(json!({"type": "user"}));
        let b = parsed(&v).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(b.ids.uid_to_host(0), Some(100000));
        assert_eq!(b.ids.gid_to_guest(100001), 1);
        for (key, bad) in [
            ("gidMappings", Value::Null),
            (
                "uidMappings",
                json!([{"containerID": 0, "hostID": 1, "size": 0}]),
            ),
            (
                "uidMappings",
                json!([{"containerID": -1, "hostID": 1, "size": 1}]),
            ),
            ("gidMappings", json!("0 100000 65536")),
        ] {
            let mut w = v.clone();
            w["linux"][key] = bad;
            let e = parsed(&w).map(|_| ()).unwrap_err();
            assert!(e.to_string().contains(&format!("linux.{key}")), "{e}");
        }
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn test_capabilities_parse_to_masks_and_bad_lists_name_the_field() {
        use sentry::abi::caps::{CAP_AUDIT_WRITE, CAP_KILL, CAP_NET_BIND_SERVICE};
        let d = tmpdir("caps");
        let parsed = |v: &Value| parse(&d, &d.join("config.json"), v);
        let mut v = default_spec(&[]);
        let b = parsed(&v).unwrap_or_else(|e| panic!("{e}"));
        let three = cap_bit(CAP_AUDIT_WRITE) | cap_bit(CAP_KILL) | cap_bit(CAP_NET_BIND_SERVICE);
        assert_eq!(
            b.capabilities,
            ProcessCaps {
                bounding: three,
                effective: three,
                permitted: three,
                inheritable: 0,
                ambient: three,
            }
        );
        v["process"]
            .as_object_mut()
            .expect("process")
            .remove("capabilities");
        let b = parsed(&v).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(b.capabilities, ProcessCaps::NONE);
        // An unknown name is left out (runc warns and goes on).
        v["process"]["capabilities"] = json!({"bounding": ["CAP_KILL", "CAP_NOPE"]});
        let b = parsed(&v).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(b.capabilities.bounding, cap_bit(CAP_KILL));
        for (bad, field) in [
            (
                json!({"bounding": ["CAP_KILL", 7]}),
                "capabilities.bounding[1]",
            ),
            (json!({"effective": "CAP_KILL"}), "capabilities.effective"),
            (json!({"effective": ["CAP_KILL"]}), "capabilities.effective"),
            (
                json!({"inheritable": ["CAP_KILL"]}),
                "capabilities.inheritable",
            ),
            (json!(["CAP_KILL"]), "process.capabilities"),
        ] {
            v["process"]["capabilities"] = bad;
            let e = parsed(&v).map(|_| ()).unwrap_err().to_string();
            assert!(e.contains(field), "{e}");
        }
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
