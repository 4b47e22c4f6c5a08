//! The sandbox's host cgroup: made from the spec's `linux.cgroupsPath`,
//! limited by `linux.resources`, joined by the sandbox process before it
//! execs (so its gofer and every stub are in it from the start), read
//! back for `events --stats`, and removed by `delete`.
//!
//! Both layouts are handled: cgroup v2 (a unified hierarchy at
//! /sys/fs/cgroup) and v1 (one hierarchy per controller under
//! /sys/fs/cgroup/<controller>, as on this project's hybrid hosts). The
//! directories made are listed in the container's state directory
//! (`cgroup`), one per line, so that `delete` removes exactly those.

use super::resources::Usage;
use crate::cmd::CmdError;
use serde_json::Value;
use std::fs::File;
use std::path::{Path, PathBuf};

/// Where cgroup hierarchies are mounted.
const CGROUP_ROOT: &str = "/sys/fs/cgroup";
/// v1 controllers the sandbox is put in (those that are mounted).
const V1_CONTROLLERS: &[&str] = &[
    "cpu", "cpuacct", "cpuset", "memory", "pids", "freezer", "blkio", "devices", "systemd",
];
/// The file listing the cgroup directories in the container's state dir.
const STATE_FILE: &str = "cgroup";
/// cgroup v1's memory limit when none is set is i64::MAX rounded down to
/// a page; anything this large means unlimited.
const V1_UNLIMITED: u64 = 1 << 62;
/// The default CFS period when only a quota is given (runc's).
const DEFAULT_CFS_PERIOD_US: u64 = 100_000;

/// The sandbox's cgroup: one directory (v2) or one per controller (v1).
#[derive(Debug, Clone)]
pub struct Cgroup {
    /// The directories, each a cgroup of one hierarchy.
    pub dirs: Vec<PathBuf>,
    /// Whether the host runs the unified hierarchy.
    pub v2: bool,
}

/// Whether /sys/fs/cgroup is a cgroup v2 mount.
fn is_v2() -> bool {
    Path::new(CGROUP_ROOT).join("cgroup.controllers").exists()
}

/// The relative cgroup path for the container: the spec's (systemd's
/// `slice:prefix:name` made a path), else `runsc/<id>`.
fn relative_path(spec_path: Option<&str>, id: &str) -> PathBuf {
    let p = match spec_path {
        Some(p) if p.contains(':') && !p.starts_with('/') => {
            // systemd style: "system.slice:docker:ID" → system.slice/docker-ID.scope
            let mut parts = p.splitn(3, ':');
            let slice = parts
                .next()
                .filter(|s| !s.is_empty())
                .unwrap_or("system.slice");
            let prefix = parts.next().unwrap_or("runsc");
            let name = parts.next().unwrap_or(id);
            format!("{slice}/{prefix}-{name}.scope")
        }
        Some(p) if !p.is_empty() => p.to_string(),
        _ => format!("runsc/{id}"),
    };
    // Never outside the hierarchy: drop "..", ".", and empty components.
    p.split('/')
        .filter(|c| !c.is_empty() && *c != "." && *c != "..")
        .collect()
}

fn write(dir: &Path, file: &str, value: &str) -> Result<(), CmdError> {
    std::fs::write(dir.join(file), value).map_err(|e| {
        CmdError::Msg(format!(
            "cannot set {} to {value:?}: {e}",
            dir.join(file).display()
        ))
    })
}

fn read_trim(path: &Path) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_string())
}

impl Cgroup {
    /// Makes the container's cgroup and applies `resources`. On failure
    /// whatever was made is removed again.
    pub fn create(
        spec_path: Option<&str>,
        id: &str,
        resources: Option<&Value>,
    ) -> Result<Cgroup, CmdError> {
        let rel = relative_path(spec_path, id);
        let v2 = is_v2();
        let mut cg = Cgroup {
            dirs: Vec::new(),
            v2,
        };
        let res = (|| {
            if v2 {
                let dir = Path::new(CGROUP_ROOT).join(&rel);
                enable_v2_controllers(&dir)?;
                make_dir(&dir)?;
                cg.dirs.push(dir);
            } else {
                for c in V1_CONTROLLERS {
                    let base = Path::new(CGROUP_ROOT).join(c);
                    if !base.join("cgroup.procs").exists() {
                        continue;
                    }
                    let dir = base.join(&rel);
                    make_dir(&dir)?;
                    if *c == "cpuset" {
                        inherit_cpuset(&base, &dir)?;
                    }
                    cg.dirs.push(dir);
                }
            }
            if let Some(r) = resources {
                cg.apply(r)?;
            }
            Ok(())
        })();
        match res {
            Ok(()) => Ok(cg),
            Err(e) => {
                cg.remove();
                Err(e)
            }
        }
    }

    /// The directory of v1 controller `name` (or the v2 directory).
    fn dir(&self, name: &str) -> Option<&Path> {
        if self.v2 {
            return self.dirs.first().map(PathBuf::as_path);
        }
        self.dirs
            .iter()
            .find(|d| {
                d.strip_prefix(CGROUP_ROOT)
                    .ok()
                    .and_then(|r| r.iter().next())
                    == Some(name.as_ref())
            })
            .map(PathBuf::as_path)
    }

    /// Applies the limits of an OCI `linux.resources` object that map to
    /// the cgroup: memory limit and reservation, CPU shares, quota,
    /// period and cpuset, pids limit. Others are accepted and ignored.
    pub fn apply(&self, r: &Value) -> Result<(), CmdError> {
        let num = |v: &Value, k: &str| v.get(k).and_then(Value::as_i64);
        let mem = r.get("memory").unwrap_or(&Value::Null);
        let cpu = r.get("cpu").unwrap_or(&Value::Null);
        let limit = num(mem, "limit");
        let reservation = num(mem, "reservation");
        let shares = cpu.get("shares").and_then(Value::as_u64);
        let quota = num(cpu, "quota");
        let period = cpu.get("period").and_then(Value::as_u64);
        let cpus = cpu
            .get("cpus")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty());
        let mems = cpu
            .get("mems")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty());
        let pids = r.get("pids").and_then(|p| num(p, "limit"));
        let max = |v: i64| {
            if v <= 0 {
                "max".to_string()
            } else {
                v.to_string()
            }
        };
        if self.v2 {
            let Some(d) = self.dir("") else { return Ok(()) };
            if let Some(l) = limit {
                write(d, "memory.max", &max(l))?;
            }
            if let Some(l) = reservation {
                write(d, "memory.low", &max(l))?;
            }
            if let Some(s) = shares.filter(|s| *s > 0) {
                // runc's conversion of shares [2, 262144] to weight [1, 10000].
                let weight = 1 + (s.clamp(2, 262_144) - 2) * 9999 / 262_142;
                write(d, "cpu.weight", &weight.to_string())?;
            }
            if quota.is_some() || period.is_some() {
                let q = quota
                    .filter(|q| *q > 0)
                    .map_or("max".to_string(), |q| q.to_string());
                let p = period.unwrap_or(DEFAULT_CFS_PERIOD_US);
                write(d, "cpu.max", &format!("{q} {p}"))?;
            }
            if let Some(c) = cpus {
                write(d, "cpuset.cpus", c)?;
            }
            if let Some(m) = mems {
                write(d, "cpuset.mems", m)?;
            }
            if let Some(p) = pids {
                write(d, "pids.max", &max(p))?;
            }
            return Ok(());
        }
        if let Some(d) = self.dir("memory") {
            if let Some(l) = limit {
                write(d, "memory.limit_in_bytes", &l.to_string())?;
            }
            if let Some(l) = reservation {
                write(d, "memory.soft_limit_in_bytes", &l.to_string())?;
            }
        }
        if let Some(d) = self.dir("cpu") {
            if let Some(s) = shares.filter(|s| *s > 0) {
                write(d, "cpu.shares", &s.to_string())?;
            }
            if let Some(p) = period.filter(|p| *p > 0) {
                write(d, "cpu.cfs_period_us", &p.to_string())?;
            }
            if let Some(q) = quota.filter(|q| *q != 0) {
                write(d, "cpu.cfs_quota_us", &q.to_string())?;
            }
        }
        if let Some(d) = self.dir("cpuset") {
            if let Some(c) = cpus {
                write(d, "cpuset.cpus", c)?;
            }
            if let Some(m) = mems {
                write(d, "cpuset.mems", m)?;
            }
        }
        if let Some(d) = self.dir("pids") {
            if let Some(p) = pids {
                write(d, "pids.max", &max(p))?;
            }
        }
        Ok(())
    }

    /// The `cgroup.procs` files, opened for the sandbox process to write
    /// "0" (itself) into between fork and exec.
    pub fn procs_files(&self) -> Result<Vec<File>, CmdError> {
        self.dirs
            .iter()
            .map(|d| {
                let p = d.join("cgroup.procs");
                std::fs::OpenOptions::new()
                    .write(true)
                    .open(&p)
                    .map_err(|e| CmdError::Msg(format!("cannot open {}: {e}", p.display())))
            })
            .collect()
    }

    /// The host pids in the cgroup.
    pub fn pids(&self) -> Vec<i32> {
        self.dirs
            .first()
            .and_then(|d| std::fs::read_to_string(d.join("cgroup.procs")).ok())
            .map(|t| t.lines().filter_map(|l| l.trim().parse().ok()).collect())
            .unwrap_or_default()
    }

    /// SIGKILLs every process left in the cgroup (what outlived the
    /// sandbox process), as runc's delete does.
    pub fn kill_all(&self) {
        for pid in self.pids() {
            // SAFETY: kill with a pid read from the container's own cgroup.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
    }

    /// Removes the directories (once no process is in them; a few tries
    /// while the last ones exit).
    pub fn remove(&self) {
        for d in self.dirs.iter().rev() {
            for _ in 0..100 {
                match std::fs::remove_dir(d) {
                    Ok(()) => break,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => break,
                    Err(_) => std::thread::sleep(std::time::Duration::from_millis(10)),
                }
            }
        }
    }

    /// Records the directories in the container's state directory.
    pub fn save(&self, state_dir: &Path) -> Result<(), CmdError> {
        let mut text = String::from(if self.v2 { "v2\n" } else { "v1\n" });
        for d in &self.dirs {
            text.push_str(&d.to_string_lossy());
            text.push('\n');
        }
        std::fs::write(state_dir.join(STATE_FILE), text).map_err(|e| {
            CmdError::Msg(format!(
                "cannot record the cgroup in {}: {e}",
                state_dir.display()
            ))
        })
    }

    /// The cgroup recorded in a container's state directory, if any.
    pub fn load(state_dir: &Path) -> Option<Cgroup> {
        let text = std::fs::read_to_string(state_dir.join(STATE_FILE)).ok()?;
        let mut lines = text.lines();
        let v2 = lines.next()? == "v2";
        let dirs = lines
            .filter(|l| l.starts_with(CGROUP_ROOT))
            .map(PathBuf::from)
            .collect();
        Some(Cgroup { dirs, v2 })
    }

    /// What the container uses now, read from its cgroup.
    pub fn usage(&self) -> Option<Usage> {
        if self.v2 {
            return self.dirs.first().map(|d| super::resources::cgroup_usage(d));
        }
        let n = |d: Option<&Path>, f: &str| {
            d.and_then(|d| read_trim(&d.join(f)))
                .and_then(|s| s.parse::<u64>().ok())
                .unwrap_or(0)
        };
        let (acct, mem, cpu, pids) = (
            self.dir("cpuacct"),
            self.dir("memory"),
            self.dir("cpu"),
            self.dir("pids"),
        );
        let cpu_stat = |k: &str| {
            cpu.and_then(|d| read_trim(&d.join("cpu.stat")))
                .and_then(|t| {
                    t.lines().find_map(|l| {
                        let mut it = l.split_whitespace();
                        (it.next() == Some(k)).then(|| it.next()?.parse::<u64>().ok())?
                    })
                })
                .unwrap_or(0)
        };
        let limit = n(mem, "memory.limit_in_bytes");
        Some(Usage {
            user_ns: n(acct, "cpuacct.usage_user"),
            kernel_ns: n(acct, "cpuacct.usage_sys"),
            total_ns: n(acct, "cpuacct.usage"),
            memory: n(mem, "memory.usage_in_bytes"),
            memory_max: n(mem, "memory.max_usage_in_bytes"),
            // v1 reports "no limit" as a page-rounded i64::MAX.
            memory_limit: if limit >= V1_UNLIMITED {
                u64::MAX
            } else {
                limit
            },
            pids_limit: pids
                .and_then(|d| read_trim(&d.join("pids.max")))
                .and_then(|s| s.parse::<u64>().ok()),
            throttling: (
                cpu_stat("nr_periods"),
                cpu_stat("nr_throttled"),
                cpu_stat("throttled_time"),
            ),
        })
    }
}

fn make_dir(dir: &Path) -> Result<(), CmdError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| CmdError::Msg(format!("cannot create cgroup {}: {e}", dir.display())))
}

/// v1 cpuset: a new cgroup starts with no CPUs or memory nodes, and no
/// process can join it until it has some; copy them down from the
/// nearest ancestor that has them.
fn inherit_cpuset(base: &Path, dir: &Path) -> Result<(), CmdError> {
    let mut chain = Vec::new();
    let mut d = dir.to_path_buf();
    while d.starts_with(base) && d != base {
        chain.push(d.clone());
        if !d.pop() {
            break;
        }
    }
    for file in ["cpuset.cpus", "cpuset.mems"] {
        let mut value = read_trim(&base.join(file)).unwrap_or_default();
        for d in chain.iter().rev() {
            match read_trim(&d.join(file)) {
                Some(v) if !v.is_empty() => value = v,
                _ => write(d, file, &value)?,
            }
        }
    }
    Ok(())
}

/// v2: a controller works in a cgroup only if every ancestor lists it in
/// cgroup.subtree_control; turn on the ones the root offers.
fn enable_v2_controllers(dir: &Path) -> Result<(), CmdError> {
    let root = Path::new(CGROUP_ROOT);
    let wanted: Vec<String> = read_trim(&root.join("cgroup.controllers"))
        .unwrap_or_default()
        .split_whitespace()
        .filter(|c| ["cpu", "cpuset", "memory", "pids", "io"].contains(c))
        .map(|c| format!("+{c}"))
        .collect();
    let mut d = root.to_path_buf();
    let rel = dir.strip_prefix(root).unwrap_or(dir);
    let comps: Vec<_> = rel.iter().collect();
    for (i, c) in comps.iter().enumerate() {
        if i > 0 || d == root {
            for w in &wanted {
                // A controller the parent cannot give is skipped.
                let _ = std::fs::write(d.join("cgroup.subtree_control"), w);
            }
        }
        d.push(c);
        if i + 1 < comps.len() {
            make_dir(&d)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_relative_path_forms() {
        assert_eq!(
            relative_path(Some("/default/abc"), "x"),
            PathBuf::from("default/abc")
        );
        assert_eq!(relative_path(None, "x"), PathBuf::from("runsc/x"));
        assert_eq!(
            relative_path(Some("system.slice:docker:abc"), "x"),
            PathBuf::from("system.slice/docker-abc.scope")
        );
        assert_eq!(
            relative_path(Some("/a/../../etc"), "x"),
            PathBuf::from("a/etc")
        );
    }
}
