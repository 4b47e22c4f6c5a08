//! `runsc ps [--format table|json] ID`: the container's processes. Each
//! guest process runs in a stub process on the host, so the JSON format is
//! runc's: an array of host pids, which `docker top` and `podman top` look
//! up. The table has the columns of runc's (`ps -ef`): UID, PID, PPID, C,
//! STIME, TTY, TIME, CMD, where PID and PPID are host pids (the parent of
//! the guest's init, and of processes `exec` started, is the sandbox
//! process), UID is the guest's (a name from the container's /etc/passwd
//! when it has one), CPU figures are the stub's, and CMD is the guest
//! command line. ps(1) options after the id are accepted and not used.

use super::CmdError;
use crate::cli::{GlobalOpts, TableFormat};
use crate::oci::control;
use crate::oci::resources::{clock_ticks, proc_stat};
use crate::oci::state::Container;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

/// Seconds per minute, hour and day, for STIME and TIME.
const MINUTE: u64 = 60;
const HOUR: u64 = 60 * MINUTE;
const DAY: u64 = 24 * HOUR;

/// `runsc ps`.
pub fn run(global: &GlobalOpts, id: &str, format: TableFormat) -> Result<i32, CmdError> {
    let c = Container::open(&global.root, id)?;
    let st = c.load()?;
    let status = st.status();
    if !status.can_kill() {
        return Err(CmdError::Msg(format!(
            "cannot list the processes of container {id}: container not running (it is {status})"
        )));
    }
    let reply = control::request(
        &c.socket(),
        &json!({"cmd": "ps"}),
        Some(Duration::from_secs(10)),
    )?;
    // The sentry knows its stubs by their pids in its own pid namespace;
    // only processes found there are listed (a pid the sentry names that
    // is not in its namespace is gone, or made up).
    let host = crate::confine::host_pids(st.pid);
    let field = |p: &Value, k: &str| p[k].as_i64().unwrap_or(0);
    let procs: Vec<Value> = reply["processes"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter_map(|mut p| {
            let ns_pid = i32::try_from(field(&p, "hostPid")).ok()?;
            p["hostPid"] = Value::from(*host.get(&ns_pid)?);
            Some(p)
        })
        .collect();
    match format {
        TableFormat::Json => {
            let pids: Vec<i64> = procs.iter().map(|p| field(p, "hostPid")).collect();
            println!("{}", serde_json::to_string(&pids).unwrap_or_default());
        }
        TableFormat::Table => {
            let host_of: BTreeMap<i64, i64> = procs
                .iter()
                .map(|p| (field(p, "pid"), field(p, "hostPid")))
                .collect();
            let users = passwd(&st.rootfs.join("etc/passwd"));
            let clock = Clock::now();
            let mut rows =
                vec![["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"].map(String::from)];
            for p in &procs {
                let host = field(p, "hostPid");
                let ppid = host_of
                    .get(&field(p, "ppid"))
                    .copied()
                    .unwrap_or(st.pid as i64);
                let uid = p["uid"].as_u64().unwrap_or(0);
                let stat = proc_stat(host as i32).unwrap_or_default();
                let cpu_ticks = stat.times[0] + stat.times[1];
                rows.push([
                    users.get(&uid).cloned().unwrap_or_else(|| uid.to_string()),
                    host.to_string(),
                    ppid.to_string(),
                    clock.cpu_percent(cpu_ticks, stat.start).to_string(),
                    clock.stime(stat.start),
                    "?".to_string(),
                    cpu_time(cpu_ticks / clock.ticks),
                    p["cmd"].as_str().unwrap_or("").to_string(),
                ]);
            }
            print_table(&rows);
        }
    }
    Ok(0)
}

/// Prints `rows` in columns: left-aligned, the last one unpadded.
fn print_table(rows: &[[String; 8]]) {
    let widths: Vec<usize> = (0..8)
        .map(|i| rows.iter().map(|r| r[i].len()).max().unwrap_or(0))
        .collect();
    for r in rows {
        let mut line = String::new();
        for (i, v) in r.iter().enumerate() {
            if i + 1 == r.len() {
                line.push_str(v);
            } else {
                line.push_str(&format!("{v:<w$} ", w = widths[i]));
            }
        }
        println!("{}", line.trim_end());
    }
}

/// uid → name from a passwd file.
fn passwd(path: &Path) -> BTreeMap<u64, String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let mut f = l.split(':');
            let name = f.next()?;
            let uid = f.nth(1)?.parse().ok()?;
            Some((uid, name.to_string()))
        })
        .collect()
}

/// CPU time as ps prints it: `[DD-]HH:MM:SS`.
fn cpu_time(secs: u64) -> String {
    let hms = format!(
        "{:02}:{:02}:{:02}",
        secs % DAY / HOUR,
        secs % HOUR / MINUTE,
        secs % MINUTE
    );
    if secs >= DAY {
        format!("{}-{hms}", secs / DAY)
    } else {
        hms
    }
}

/// The host clocks the CPU columns need.
struct Clock {
    /// Clock ticks per second.
    ticks: u64,
    /// Seconds since boot.
    uptime: f64,
    /// Boot time, seconds since the epoch.
    boot: u64,
    /// Now, seconds since the epoch.
    now: u64,
}

impl Clock {
    fn now() -> Clock {
        let uptime = std::fs::read_to_string("/proc/uptime")
            .ok()
            .and_then(|s| s.split_whitespace().next()?.parse().ok())
            .unwrap_or(0.0);
        let boot = std::fs::read_to_string("/proc/stat")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix("btime "))
                    .and_then(|v| v.trim().parse().ok())
            })
            .unwrap_or(0);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Clock {
            ticks: clock_ticks(),
            uptime,
            boot,
            now,
        }
    }

    /// ps's C: CPU time over the time since the process started, in
    /// percent.
    fn cpu_percent(&self, cpu_ticks: u64, start_ticks: u64) -> u64 {
        let alive = self.uptime - start_ticks as f64 / self.ticks as f64;
        if alive <= 0.0 {
            return 0;
        }
        (cpu_ticks as f64 / self.ticks as f64 * 100.0 / alive) as u64
    }

    /// ps's STIME: HH:MM (local time) today, else MonDD.
    fn stime(&self, start_ticks: u64) -> String {
        let t = (self.boot + start_ticks / self.ticks) as libc::time_t;
        let now = self.now as libc::time_t;
        let (Some(tm), Some(today)) = (local_time(t), local_time(now)) else {
            return "?".into();
        };
        if (tm.tm_year, tm.tm_yday) == (today.tm_year, today.tm_yday) {
            format!("{:02}:{:02}", tm.tm_hour, tm.tm_min)
        } else {
            const MONTHS: [&str; 12] = [
                "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
            ];
            let m = MONTHS.get(tm.tm_mon as usize).unwrap_or(&"?");
            format!("{m}{:02}", tm.tm_mday)
        }
    }
}

/// `t` broken down in the local time zone.
fn local_time(t: libc::time_t) -> Option<libc::tm> {
    // SAFETY: tm is plain data; all-zero is a valid value.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    // SAFETY: localtime_r reads `t` and writes `tm`, both valid for the
    // call; it is the thread-safe form.
    let r = unsafe { libc::localtime_r(&t, &mut tm) };
    (!r.is_null()).then_some(tm)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_cpu_time_formats_like_ps() {
        assert_eq!(cpu_time(0), "00:00:00");
        assert_eq!(cpu_time(3725), "01:02:05");
        assert_eq!(cpu_time(DAY + 61), "1-00:01:01");
    }
}
