//! `runsc events [--stats] [--interval D] ID`: the container's resource
//! usage as runc's stats events, one JSON object per line. With --stats,
//! one event and exit; otherwise one every interval until the container
//! stops. CPU and memory come from the sandbox's host processes
//! (`oci::resources`); pids.current is the number of guest processes.

use super::CmdError;
use crate::cli::GlobalOpts;
use crate::oci::cgroup::Cgroup;
use crate::oci::control;
use crate::oci::resources;
use crate::oci::state::{Container, State, Status};
use serde_json::json;
use std::io::Write;
use std::time::{Duration, Instant};

/// How often the wait between events looks for the container's end.
const POLL: Duration = Duration::from_millis(100);

/// `runsc events`.
pub fn run(global: &GlobalOpts, id: &str, stats: bool, interval: &str) -> Result<i32, CmdError> {
    let interval = parse_duration(interval).ok_or_else(|| {
        CmdError::Msg(format!(
            "--interval {interval:?}: use a duration such as 5s, 500ms or 1m"
        ))
    })?;
    if interval.is_zero() && !stats {
        return Err(CmdError::Msg("--interval must be more than 0".into()));
    }
    loop {
        let (st, socket, cgroup) = {
            let c = Container::open(&global.root, id)?;
            (c.load()?, c.socket(), Cgroup::load(&c.dir))
        };
        if st.status() == Status::Stopped {
            if stats {
                return Err(CmdError::Msg(format!(
                    "cannot read the stats of container {id}: container not running (it is stopped)"
                )));
            }
            return Ok(0);
        }
        let pids = match control::request(&socket, &json!({"cmd": "ps"}), Some(POLL * 100)) {
            Ok(r) => r["processes"].as_array().map_or(0, Vec::len),
            // Ended meanwhile.
            Err(_) if st.status() == Status::Stopped => continue,
            Err(e) => return Err(e.into()),
        };
        let usage = cgroup
            .and_then(|cg| cg.usage())
            .unwrap_or_else(|| resources::usage(st.pid));
        let event = resources::stats_event(id, &usage, pids);
        let mut out = std::io::stdout().lock();
        let printed = writeln!(out, "{event}").and_then(|()| out.flush());
        if printed.is_err() {
            // Nobody reads any more.
            return Ok(0);
        }
        drop(out);
        if stats {
            return Ok(0);
        }
        wait(&st, interval);
    }
}

/// Sleeps for `d`, or until the container stops.
fn wait(st: &State, d: Duration) {
    let end = Instant::now() + d;
    while st.status() != Status::Stopped {
        let now = Instant::now();
        if now >= end {
            return;
        }
        std::thread::sleep(POLL.min(end - now));
    }
}

/// A Go duration: a sequence of numbers (decimals allowed) with units
/// ns, us (or µs), ms, s, m, h; "0" alone is zero.
pub fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    if s == "0" {
        return Some(Duration::ZERO);
    }
    let mut rest = s;
    let mut total = 0f64;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let n: f64 = rest[..num_len].parse().ok()?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let secs = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total += n * secs;
    }
    Duration::try_from_secs_f64(total).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_parse_duration_reads_go_durations() {
        assert_eq!(parse_duration("5s"), Some(Duration::from_secs(5)));
        assert_eq!(parse_duration("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_duration("1m30s"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("1.5s"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_duration("0"), Some(Duration::ZERO));
        assert_eq!(parse_duration("5"), None);
        assert_eq!(parse_duration("5x"), None);
        assert_eq!(parse_duration(""), None);
    }
}
