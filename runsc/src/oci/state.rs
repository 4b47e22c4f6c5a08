//! Container state under `--root`: one directory per container id holding
//! `state.json` (written atomically: a temporary file renamed over it), a
//! `lock` file that each command holds with flock(2) while it reads and
//! changes the state, the sandbox's control socket `sock`, and `exit`,
//! where the sandbox writes the guest's exit status before it ends.
//!
//! The CLI alone writes state.json; the sandbox never does (its seccomp
//! filter forbids opening files once it has booted). A container whose
//! sandbox process is gone is `stopped` whatever the file says, so a
//! SIGKILLed sandbox reads as stopped.

use serde_json::{json, Map, Value};
use std::fs::File;
use std::io::Write;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

/// Lifecycle of a container (OCI runtime spec "status").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// `create` is building the sandbox.
    Creating,
    /// Built, waiting for `start`.
    Created,
    /// The guest runs.
    Running,
    /// The guest is paused (`runsc pause`): no guest code runs.
    Paused,
    /// The guest (or the sandbox) has ended.
    Stopped,
}

impl Status {
    /// The spec's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Creating => "creating",
            Status::Created => "created",
            Status::Running => "running",
            Status::Paused => "paused",
            Status::Stopped => "stopped",
        }
    }

    fn parse(s: &str) -> Option<Status> {
        Some(match s {
            "creating" => Status::Creating,
            "created" => Status::Created,
            "running" => Status::Running,
            "paused" => Status::Paused,
            "stopped" => Status::Stopped,
            _ => return None,
        })
    }

    /// `start` needs a created container.
    pub fn can_start(self) -> bool {
        self == Status::Created
    }

    /// `kill` reaches a created, running or paused container (SIGKILL
    /// ends a paused one; other signals wait for `resume`).
    pub fn can_kill(self) -> bool {
        matches!(self, Status::Created | Status::Running | Status::Paused)
    }

    /// `exec` needs a running container.
    pub fn can_exec(self) -> bool {
        self == Status::Running
    }

    /// `pause` needs a running container.
    pub fn can_pause(self) -> bool {
        self == Status::Running
    }

    /// `resume` needs a paused container.
    pub fn can_resume(self) -> bool {
        self == Status::Paused
    }

    /// `delete` without `--force`: anything but a running or paused
    /// container (a created one is killed first, as runc does).
    pub fn can_delete(self) -> bool {
        !matches!(self, Status::Running | Status::Paused)
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a state operation failed: one line naming the container and what
/// to do.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The id is not acceptable as a directory name.
    #[error("invalid container id {0:?}: use letters, digits, '_', '+', '-' and '.' (not \".\" or \"..\")")]
    BadId(String),
    /// No such container.
    #[error(
        "container {id:?} does not exist under {root}: check the id (`runsc list`) and --root"
    )]
    Unknown {
        /// The id.
        id: String,
        /// The state root.
        root: PathBuf,
    },
    /// The id is taken.
    #[error(
        "container {id:?} already exists under {root}: pick another id or `runsc delete` it first"
    )]
    Exists {
        /// The id.
        id: String,
        /// The state root.
        root: PathBuf,
    },
    /// A file of the state directory could not be used.
    #[error("{what} {path}: {source}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// state.json is damaged.
    #[error("{0} is damaged: `runsc delete --force` the container")]
    Corrupt(PathBuf),
}

fn io<'a>(what: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> StateError + 'a {
    move |source| StateError::Io {
        what,
        path: path.to_path_buf(),
        source,
    }
}

/// Checks a container id the way runc does.
pub fn check_id(id: &str) -> Result<(), StateError> {
    let ok = !id.is_empty()
        && id != "."
        && id != ".."
        && id.len() <= 1024
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_+-.".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(StateError::BadId(id.to_string()))
    }
}

/// What state.json records.
#[derive(Clone, Debug)]
pub struct State {
    /// Container id.
    pub id: String,
    /// Status as last written (see [`State::status`]).
    pub status: Status,
    /// The sandbox process (0 before it exists).
    pub pid: i32,
    /// Its start time (field 22 of /proc/PID/stat), so a reused pid is not
    /// mistaken for it.
    pub start_time: u64,
    /// The bundle directory.
    pub bundle: PathBuf,
    /// The root filesystem.
    pub rootfs: PathBuf,
    /// RFC 3339 creation time.
    pub created: String,
    /// Who created it.
    pub owner: String,
    /// The spec's annotations.
    pub annotations: Map<String, Value>,
}

impl State {
    /// The status now: the recorded one, or `stopped` once the sandbox
    /// process is gone.
    pub fn status(&self) -> Status {
        match self.status {
            Status::Stopped => Status::Stopped,
            s if self.pid > 0 && process_alive(self.pid, self.start_time) => s,
            // `creating` with no sandbox yet: create is still at work.
            Status::Creating if self.pid == 0 => Status::Creating,
            _ => Status::Stopped,
        }
    }

    /// The OCI state document (`runsc state`).
    pub fn to_oci(&self) -> Value {
        let status = self.status();
        let pid = if status == Status::Stopped {
            0
        } else {
            self.pid
        };
        json!({
            "ociVersion": super::spec::OCI_VERSION,
            "id": self.id,
            "status": status.as_str(),
            "pid": pid,
            "bundle": self.bundle.to_string_lossy(),
            "rootfs": self.rootfs.to_string_lossy(),
            "created": self.created,
            "owner": self.owner,
            "annotations": self.annotations,
        })
    }

    fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "status": self.status.as_str(),
            "pid": self.pid,
            "startTime": self.start_time,
            "bundle": self.bundle.to_string_lossy(),
            "rootfs": self.rootfs.to_string_lossy(),
            "created": self.created,
            "owner": self.owner,
            "annotations": self.annotations,
        })
    }

    fn from_json(v: &Value) -> Option<State> {
        let s = |k: &str| v.get(k).and_then(Value::as_str).map(String::from);
        Some(State {
            id: s("id")?,
            status: Status::parse(&s("status")?)?,
            pid: i32::try_from(v.get("pid")?.as_i64()?).ok()?,
            start_time: v.get("startTime")?.as_u64()?,
            bundle: s("bundle")?.into(),
            rootfs: s("rootfs")?.into(),
            created: s("created")?,
            owner: s("owner")?,
            annotations: v.get("annotations")?.as_object()?.clone(),
        })
    }
}

/// One container's state directory, locked for the life of this value.
#[derive(Debug)]
pub struct Container {
    /// `<root>/<id>`.
    pub dir: PathBuf,
    /// The container id.
    pub id: String,
    _lock: File,
}

impl Container {
    /// Makes the directory of a new container and locks it; fails if the
    /// id is taken. The caller removes it with [`Container::destroy`] if
    /// create fails.
    pub fn create(root: &Path, id: &str) -> Result<Container, StateError> {
        check_id(id)?;
        use std::os::unix::fs::DirBuilderExt;
        // Private, as runc's: the control socket inside obeys anyone who
        // can reach it.
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(root)
            .map_err(io("cannot create the state root", root))?;
        let dir = root.join(id);
        match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(StateError::Exists {
                    id: id.into(),
                    root: root.into(),
                })
            }
            Err(e) => return Err(io("cannot create the state directory", &dir)(e)),
        }
        let lock = match lock_file(&dir) {
            Ok(l) => l,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&dir);
                return Err(e);
            }
        };
        Ok(Container {
            dir,
            id: id.into(),
            _lock: lock,
        })
    }

    /// Opens and locks an existing container.
    pub fn open(root: &Path, id: &str) -> Result<Container, StateError> {
        check_id(id)?;
        let dir = root.join(id);
        let unknown = || StateError::Unknown {
            id: id.into(),
            root: root.into(),
        };
        if !dir.join("state.json").is_file() {
            return Err(unknown());
        }
        let lock = lock_file(&dir).map_err(|_| unknown())?;
        // A delete that held the lock before us may have removed it.
        if !dir.join("state.json").is_file() {
            return Err(unknown());
        }
        Ok(Container {
            dir,
            id: id.into(),
            _lock: lock,
        })
    }

    /// Reads a container's state.json without taking its lock (the file
    /// is only ever replaced whole, so a reader sees one version), for
    /// `state` and `list`, which should not wait for a slow create.
    pub fn peek(root: &Path, id: &str) -> Result<State, StateError> {
        check_id(id)?;
        let path = root.join(id).join("state.json");
        let text = std::fs::read(&path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => StateError::Unknown {
                id: id.into(),
                root: root.into(),
            },
            _ => io("cannot read", &path)(e),
        })?;
        serde_json::from_slice::<Value>(&text)
            .ok()
            .and_then(|v| State::from_json(&v))
            .ok_or(StateError::Corrupt(path))
    }

    /// Reads state.json.
    pub fn load(&self) -> Result<State, StateError> {
        let path = self.dir.join("state.json");
        let text = std::fs::read(&path).map_err(io("cannot read", &path))?;
        serde_json::from_slice::<Value>(&text)
            .ok()
            .and_then(|v| State::from_json(&v))
            .ok_or(StateError::Corrupt(path))
    }

    /// Writes state.json atomically.
    pub fn save(&self, st: &State) -> Result<(), StateError> {
        let path = self.dir.join("state.json");
        let tmp = self.dir.join(".state.json.tmp");
        let body = serde_json::to_vec(&st.to_json()).unwrap_or_default();
        let mut f = File::create(&tmp).map_err(io("cannot write", &tmp))?;
        f.write_all(&body)
            .and_then(|()| f.sync_all())
            .map_err(io("cannot write", &tmp))?;
        std::fs::rename(&tmp, &path).map_err(io("cannot replace", &path))
    }

    /// The control socket's path.
    pub fn socket(&self) -> PathBuf {
        self.dir.join(SOCKET_NAME)
    }

    /// Removes the state directory (the lock goes with it).
    pub fn destroy(self) -> Result<(), StateError> {
        std::fs::remove_dir_all(&self.dir).map_err(io("cannot remove", &self.dir))
    }
}

/// Name of the control socket in a container's directory.
pub const SOCKET_NAME: &str = "sock";
/// Name of the exit-status file.
pub const EXIT_NAME: &str = "exit";

/// Reads `<dir>/exit`.
pub fn read_exit(dir: &Path) -> Option<i32> {
    std::fs::read_to_string(dir.join(EXIT_NAME))
        .ok()?
        .trim()
        .parse()
        .ok()
}

fn lock_file(dir: &Path) -> Result<File, StateError> {
    let path = dir.join("lock");
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(io("cannot open the lock file", &path))?;
    loop {
        // SAFETY: flock on an fd this function owns.
        let r = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX) };
        if r == 0 {
            return Ok(f);
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(io("cannot lock", &path)(e));
        }
    }
}

/// The ids under `root`, sorted.
pub fn list_ids(root: &Path) -> Vec<String> {
    let mut ids: Vec<String> = std::fs::read_dir(root)
        .map(|rd| {
            rd.flatten()
                .filter(|e| e.path().join("state.json").is_file())
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|id| check_id(id).is_ok())
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids
}

/// Field 22 (starttime) of /proc/PID/stat, and whether the process is a
/// zombie or dead.
fn proc_stat(pid: i32) -> Option<(u64, bool)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After "pid (comm)": state is field 3, starttime field 22.
    let state = fields.first()?;
    let start = fields.get(19)?.parse().ok()?;
    Some((start, matches!(*state, "Z" | "X" | "x")))
}

/// The start time of `pid`, for [`State::start_time`].
pub fn start_time(pid: i32) -> u64 {
    proc_stat(pid).map_or(0, |s| s.0)
}

/// Whether `pid` is still the process that started at `start_time` and has
/// not exited.
pub fn process_alive(pid: i32, start_time: u64) -> bool {
    matches!(proc_stat(pid), Some((s, false)) if s == start_time)
}

/// Now as RFC 3339 UTC with nanoseconds.
pub fn now_rfc3339() -> String {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = d.as_secs() as i64;
    let (days, sod) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:09}Z",
        sod / 3600,
        sod % 3600 / 60,
        sod % 60,
        d.subsec_nanos()
    )
}

/// The name of the effective user (from /etc/passwd), else its uid.
pub fn owner() -> String {
    // SAFETY: geteuid has no preconditions.
    let uid = unsafe { libc::geteuid() };
    std::fs::read_to_string("/etc/passwd")
        .ok()
        .and_then(|p| {
            p.lines().find_map(|l| {
                let mut f = l.split(':');
                let name = f.next()?;
                (f.nth(1)? == uid.to_string()).then(|| name.to_string())
            })
        })
        .unwrap_or_else(|| uid.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_check_id_rejects_paths() {
        assert!(check_id("abc-1.2_x+y").is_ok());
        for bad in ["", ".", "..", "a/b", "a b", "../x"] {
            assert!(check_id(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn test_status_predicates_follow_runc() {
        assert!(Status::Created.can_start());
        assert!(!Status::Running.can_start());
        assert!(Status::Created.can_kill() && Status::Running.can_kill());
        assert!(!Status::Stopped.can_kill());
        assert!(!Status::Running.can_delete() && Status::Stopped.can_delete());
        assert!(!Status::Paused.can_delete() && Status::Paused.can_kill());
        assert!(Status::Running.can_pause() && !Status::Paused.can_pause());
        assert!(Status::Paused.can_resume() && !Status::Running.can_resume());
        assert!(Status::Running.can_exec() && !Status::Paused.can_exec());
        assert!(!Status::Created.can_exec() && !Status::Stopped.can_exec());
    }

    #[test]
    fn test_own_process_is_alive_and_wrong_start_time_is_not() {
        let pid = std::process::id() as i32;
        let st = start_time(pid);
        assert!(st > 0);
        assert!(process_alive(pid, st));
        assert!(!process_alive(pid, st + 1));
    }

    #[test]
    fn test_now_rfc3339_shape() {
        let s = now_rfc3339();
        assert_eq!(s.len(), 30, "{s}");
        assert!(
            s.starts_with("20") && s.ends_with('Z') && s.as_bytes()[10] == b'T',
            "{s}"
        );
    }
}
