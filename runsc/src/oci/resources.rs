//! What a sandbox uses of the host, for `runsc events`, and the limits
//! `runsc update` sets.
//!
//! A sandbox is a process tree on the host: the sandbox process (the
//! sentry), its gofer, and one stub process per guest process; guest
//! memory is one memfd the sentry owns. When the sandbox has a cgroup
//! (v2) of its own, which holds nothing but that tree, its files answer;
//! otherwise the tree's /proc entries do.

use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where cgroup v2 is mounted.
const CGROUP_ROOT: &str = "/sys/fs/cgroup";

/// The memory file's name, as /proc/PID/fd shows it (`memfd:NAME`).
const MEMFD_LINK: &str = "/memfd:runsc-memory";

/// Nanoseconds per microsecond (cgroup cpu.stat counts microseconds).
const NS_PER_US: u64 = 1_000;

/// Nanoseconds per second.
const NS_PER_S: u64 = 1_000_000_000;

/// Bytes per kB in /proc/PID/status.
const KB: u64 = 1024;

/// CPU period cgroup v2 assumes when a quota comes without one (µs).
const DEFAULT_CPU_PERIOD: u64 = 100_000;

/// cpu.shares range (v1) and cpu.weight range (v2), for the conversion
/// runc uses: weight = 1 + (shares - 2) * 9999 / 262142.
const SHARES_MIN: u64 = 2;
const SHARES_SPAN: u64 = 262_142;
const WEIGHT_SPAN: u64 = 9_999;

/// What the sandbox used, as runc's stats report it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// CPU time in user mode (ns).
    pub user_ns: u64,
    /// CPU time in kernel mode (ns).
    pub kernel_ns: u64,
    /// CPU time in all (ns); at least user + kernel.
    pub total_ns: u64,
    /// Memory in use (bytes).
    pub memory: u64,
    /// The most memory it has used, when known (bytes).
    pub memory_max: u64,
    /// Its memory limit (bytes; u64::MAX for none).
    pub memory_limit: u64,
    /// Its pids limit, if any.
    pub pids_limit: Option<u64>,
    /// CPU throttling: periods, throttled periods, throttled time (ns).
    pub throttling: (u64, u64, u64),
}

/// `pid` and every process descended from it, by /proc's parent links.
pub fn process_tree(pid: i32) -> Vec<i32> {
    let mut children: BTreeMap<i32, Vec<i32>> = BTreeMap::new();
    if let Ok(rd) = std::fs::read_dir("/proc") {
        for e in rd.flatten() {
            let Some(p) = e.file_name().to_str().and_then(|n| n.parse::<i32>().ok()) else {
                continue;
            };
            if let Some(s) = proc_stat(p) {
                children.entry(s.ppid).or_default().push(p);
            }
        }
    }
    let mut tree = vec![pid];
    let mut i = 0;
    while i < tree.len() {
        if let Some(c) = children.get(&tree[i]) {
            tree.extend(c);
        }
        i += 1;
    }
    tree
}

/// The fields of /proc/PID/stat this module reads.
#[derive(Clone, Copy, Debug, Default)]
pub struct ProcStat {
    /// Parent pid (field 4).
    pub ppid: i32,
    /// User, system, children's user and system time, in clock ticks
    /// (fields 14-17).
    pub times: [u64; 4],
    /// Start time in clock ticks after boot (field 22).
    pub start: u64,
}

/// Reads /proc/PID/stat.
pub fn proc_stat(pid: i32) -> Option<ProcStat> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &text[text.rfind(')')? + 1..];
    // After "pid (comm)": state is field 3, so field N is at N - 3.
    let f: Vec<&str> = rest.split_whitespace().collect();
    let num = |n: usize| f.get(n - 3).and_then(|v| v.parse::<u64>().ok());
    Some(ProcStat {
        ppid: f.get(1)?.parse().ok()?,
        times: [num(14)?, num(15)?, num(16)?, num(17)?],
        start: num(22)?,
    })
}

/// Clock ticks per second (sysconf(_SC_CLK_TCK)).
pub fn clock_ticks() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 {
        t as u64
    } else {
        100
    }
}

/// The sandbox's own cgroup (v2): the one its process is in, if that is
/// not the root and holds only processes of the sandbox's tree.
pub fn own_cgroup(pid: i32) -> Option<PathBuf> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/cgroup")).ok()?;
    let rel = text.lines().find_map(|l| l.strip_prefix("0::"))?;
    if rel == "/" || rel.is_empty() {
        return None;
    }
    let dir = Path::new(CGROUP_ROOT).join(rel.trim_start_matches('/'));
    let procs = std::fs::read_to_string(dir.join("cgroup.procs")).ok()?;
    let tree = process_tree(pid);
    let ours = procs
        .split_whitespace()
        .filter_map(|p| p.parse::<i32>().ok())
        .all(|p| tree.contains(&p));
    ours.then_some(dir)
}

/// What the sandbox whose process is `pid` uses now.
pub fn usage(pid: i32) -> Usage {
    match own_cgroup(pid) {
        Some(cg) => cgroup_usage(&cg),
        None => tree_usage(pid),
    }
}

fn read_u64(path: &Path) -> Option<u64> {
    let s = std::fs::read_to_string(path).ok()?;
    let s = s.trim();
    if s == "max" {
        return Some(u64::MAX);
    }
    s.parse().ok()
}

/// `key value` lines (cpu.stat, memory.stat).
fn keyed(path: &Path) -> BTreeMap<String, u64> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let mut it = l.split_whitespace();
            Some((it.next()?.to_string(), it.next()?.parse().ok()?))
        })
        .collect()
}

/// What a cgroup v2 directory reports.
pub fn cgroup_usage(cg: &Path) -> Usage {
    let cpu = keyed(&cg.join("cpu.stat"));
    let us = |k: &str| cpu.get(k).copied().unwrap_or(0);
    let memory = read_u64(&cg.join("memory.current")).unwrap_or(0);
    Usage {
        user_ns: us("user_usec") * NS_PER_US,
        kernel_ns: us("system_usec") * NS_PER_US,
        total_ns: us("usage_usec") * NS_PER_US,
        memory,
        memory_max: read_u64(&cg.join("memory.peak")).unwrap_or(0),
        memory_limit: read_u64(&cg.join("memory.max")).unwrap_or(u64::MAX),
        pids_limit: read_u64(&cg.join("pids.max")).filter(|&m| m != u64::MAX),
        throttling: (
            us("nr_periods"),
            us("nr_throttled"),
            us("throttled_usec") * NS_PER_US,
        ),
    }
}

/// The tree's CPU times (its own and its reaped children's), the memory
/// file's allocated pages, and the tree's anonymous memory.
fn tree_usage(pid: i32) -> Usage {
    let tick_ns = NS_PER_S / clock_ticks();
    let (mut user, mut kernel, mut anon) = (0u64, 0u64, 0u64);
    for p in process_tree(pid) {
        if let Some(s) = proc_stat(p) {
            user += (s.times[0] + s.times[2]) * tick_ns;
            kernel += (s.times[1] + s.times[3]) * tick_ns;
        }
        anon += status_kb(p, "RssAnon:").unwrap_or(0) * KB;
    }
    Usage {
        user_ns: user,
        kernel_ns: kernel,
        total_ns: user + kernel,
        memory: anon + memfd_bytes(pid).unwrap_or(0),
        memory_max: 0,
        memory_limit: u64::MAX,
        pids_limit: None,
        throttling: (0, 0, 0),
    }
}

/// A `Key: N kB` line of /proc/PID/status.
fn status_kb(pid: i32, key: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = text.lines().find(|l| l.starts_with(key))?;
    line[key.len()..].split_whitespace().next()?.parse().ok()
}

/// Bytes allocated to the sandbox's memory file (all guest memory).
fn memfd_bytes(pid: i32) -> Option<u64> {
    let dir = format!("/proc/{pid}/fd");
    for e in std::fs::read_dir(&dir).ok()?.flatten() {
        let Ok(target) = std::fs::read_link(e.path()) else {
            continue;
        };
        if target.to_string_lossy().starts_with(MEMFD_LINK) {
            use std::os::unix::fs::MetadataExt;
            // The fd's file (stat follows the magic link to the memfd).
            let md = std::fs::metadata(e.path()).ok()?;
            return Some(md.blocks() * 512);
        }
    }
    None
}

/// runc's stats event: `{"type":"stats","id":ID,"data":{...}}` with the
/// cpu, memory and pids objects runc fills.
pub fn stats_event(id: &str, u: &Usage, pids: usize) -> Value {
    let mut pids_obj = json!({"current": pids});
    if let Some(l) = u.pids_limit {
        pids_obj["limit"] = json!(l);
    }
    json!({
        "type": "stats",
        "id": id,
        "data": {
            "cpu": {
                "usage": {
                    "total": u.total_ns.max(u.user_ns + u.kernel_ns),
                    "kernel": u.kernel_ns,
                    "user": u.user_ns,
                },
                "throttling": {
                    "periods": u.throttling.0,
                    "throttledPeriods": u.throttling.1,
                    "throttledTime": u.throttling.2,
                },
            },
            "memory": {
                "usage": {
                    "limit": u.memory_limit,
                    "usage": u.memory,
                    "max": u.memory_max,
                    "failcnt": 0,
                },
                "swap": {"limit": 0, "failcnt": 0},
                "kernel": {"limit": 0, "failcnt": 0},
                "kernelTCP": {"limit": 0, "failcnt": 0},
            },
            "pids": pids_obj,
            "blkio": {},
            "hugetlb": {},
        }
    })
}

/// The cgroup v2 files and values a linux.resources object maps to, as
/// runc maps them. Fields with no v2 file (devices, blockIO, hugepage
/// limits, network) are left out and named in the second list.
pub fn cgroup_writes(res: &Value) -> (Vec<(&'static str, String)>, Vec<String>) {
    let mut w = Vec::new();
    let mut skipped = Vec::new();
    let int = |v: &Value, k: &str| v.get(k).and_then(Value::as_i64);
    let limit = |n: i64| {
        if n < 0 {
            "max".to_string()
        } else {
            n.to_string()
        }
    };
    if let Some(m) = res.get("memory") {
        if let Some(l) = int(m, "limit") {
            w.push(("memory.max", limit(l)));
        }
        if let Some(r) = int(m, "reservation") {
            w.push(("memory.low", limit(r)));
        }
        // runc's memory+swap figure becomes swap alone.
        if let Some(s) = int(m, "swap") {
            let swap = match int(m, "limit") {
                _ if s < 0 => "max".to_string(),
                Some(l) if l >= 0 && s >= l => (s - l).to_string(),
                _ => s.to_string(),
            };
            w.push(("memory.swap.max", swap));
        }
    }
    if let Some(c) = res.get("cpu") {
        if let Some(shares) = c.get("shares").and_then(Value::as_u64).filter(|&s| s > 0) {
            let weight = 1
                + (shares.max(SHARES_MIN) - SHARES_MIN).min(SHARES_SPAN) * WEIGHT_SPAN
                    / SHARES_SPAN;
            w.push(("cpu.weight", weight.to_string()));
        }
        let quota = int(c, "quota");
        let period = c.get("period").and_then(Value::as_u64).filter(|&p| p > 0);
        if quota.is_some() || period.is_some() {
            let q = match quota {
                Some(q) if q > 0 => q.to_string(),
                _ => "max".to_string(),
            };
            w.push((
                "cpu.max",
                format!("{q} {}", period.unwrap_or(DEFAULT_CPU_PERIOD)),
            ));
        }
        if let Some(cpus) = c
            .get("cpus")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
        {
            w.push(("cpuset.cpus", cpus.to_string()));
        }
        if let Some(mems) = c
            .get("mems")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
        {
            w.push(("cpuset.mems", mems.to_string()));
        }
    }
    if let Some(l) = res.get("pids").and_then(|p| int(p, "limit")) {
        w.push((
            "pids.max",
            if l <= 0 { "max".into() } else { l.to_string() },
        ));
    }
    if let Some(obj) = res.as_object() {
        for k in obj.keys() {
            if !matches!(k.as_str(), "memory" | "cpu" | "pids") {
                skipped.push(k.clone());
            }
        }
    }
    (w, skipped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_cgroup_writes_follow_runc_conversions() {
        let res = json!({
            "memory": {"limit": 1048576, "swap": 3145728},
            "cpu": {"shares": 1024, "quota": 50000, "period": 100000, "cpus": "0"},
            "pids": {"limit": 0},
            "devices": []
        });
        let (w, skipped) = cgroup_writes(&res);
        let get = |f: &str| w.iter().find(|(k, _)| *k == f).map(|(_, v)| v.as_str());
        assert_eq!(get("memory.max"), Some("1048576"));
        assert_eq!(get("memory.swap.max"), Some("2097152"));
        assert_eq!(get("cpu.weight"), Some("39"));
        assert_eq!(get("cpu.max"), Some("50000 100000"));
        assert_eq!(get("cpuset.cpus"), Some("0"));
        assert_eq!(get("pids.max"), Some("max"));
        assert_eq!(skipped, vec!["devices".to_string()]);
    }

    #[test]
    fn test_process_tree_of_self_holds_a_child() {
        let mut child = std::process::Command::new("sleep")
            .arg("5")
            .spawn()
            .expect("sleep");
        let me = std::process::id() as i32;
        let tree = process_tree(me);
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(tree[0], me);
        assert!(tree.contains(&(child.id() as i32)), "{tree:?}");
    }

    #[test]
    fn test_stats_event_has_runc_shape() {
        let u = Usage {
            user_ns: 2,
            kernel_ns: 3,
            ..Usage::default()
        };
        let v = stats_event("x", &u, 4);
        assert_eq!(v["type"], "stats");
        assert_eq!(v["data"]["pids"]["current"], 4);
        assert_eq!(v["data"]["cpu"]["usage"]["total"], 5);
    }
}
