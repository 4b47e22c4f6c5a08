//! Benchmarks: the same guest workload natively, under our runsc and under
//! gVisor's runsc (when installed), with ratios from one run.
//!
//! Usage: `cargo run --release -p bench -- [--runs N] [--iters N]
//! [--start-runs N] [--start-only | --no-start]`
//! Each workload is a C program in bench/c that times itself and prints
//! `ns_per_op=<value>`; each runtime runs it `--runs` times and the median
//! is reported. Then container start latency (start.rs): `ctr run` through
//! containerd with our runsc, runc and gVisor's runsc, and each runtime's
//! create/start/wait/delete, `--start-runs` rounds (default 15).

mod start;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

struct Runtime {
    name: &'static str,
    prefix: Vec<String>,
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn compile(name: &str) -> PathBuf {
    let src = workspace().join("bench/c").join(format!("{name}.c"));
    let out_dir = workspace().join("target/bench-c");
    std::fs::create_dir_all(&out_dir).expect("create target/bench-c");
    let out = out_dir.join(name);
    let ok = Command::new("gcc")
        .args(["-static", "-O2", "-o"])
        .arg(&out)
        .arg(&src)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(ok, "gcc failed for {}", src.display());
    out
}

/// Runs `prog` under `rt` and returns the ns_per_op it printed. Output is
/// read through a pipe (gVisor's runsc needs that for its stdout).
fn run_once(rt: &Runtime, prog: &Path, args: &[String]) -> Option<f64> {
    let (cmd, rest) = match rt.prefix.split_first() {
        Some((c, r)) => (c.as_str(), r.to_vec()),
        None => (prog.to_str()?, Vec::new()),
    };
    let mut c = Command::new(cmd);
    c.args(rest);
    if !rt.prefix.is_empty() {
        c.arg(prog);
    }
    let out = c
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let v = text
        .lines()
        .find_map(|l| l.strip_prefix("ns_per_op="))?
        .trim()
        .parse()
        .ok();
    if v.is_none() {
        eprintln!(
            "{}: no result (status {:?}): {}",
            rt.name,
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    v
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    Some(v[v.len() / 2])
}

fn main() {
    let argv: Vec<String> = std::env::args().collect();
    let flag = |name: &str, default: usize| -> usize {
        argv.iter()
            .position(|a| a == name)
            .and_then(|i| argv.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let runs = flag("--runs", 5);
    let iters = flag("--iters", 100_000);
    let start_runs = flag("--start-runs", 15);
    let has = |name: &str| argv.iter().any(|a| a == name);

    let ours = workspace().join("target/release/runsc");
    assert!(ours.exists(), "build first: cargo build --release -p runsc");
    if has("--start-only") {
        start::run(&ours, start_runs);
        return;
    }
    let mut runtimes = vec![
        Runtime {
            name: "native",
            prefix: vec![],
        },
        Runtime {
            name: "ours (ptrace)",
            prefix: vec![ours.display().to_string(), "do".into()],
        },
    ];
    let gvisor = ["/usr/bin/runsc", "/usr/local/bin/runsc"]
        .into_iter()
        .find(|p| Path::new(p).exists());
    match gvisor {
        Some(g) => runtimes.push(Runtime {
            name: "gVisor (ptrace)",
            prefix: vec![
                g.into(),
                "--network=none".into(),
                "--platform=ptrace".into(),
                "do".into(),
            ],
        }),
        None => {
            eprintln!("gVisor's runsc not installed (apt-get install runsc): its column is skipped")
        }
    }

    // (row label, program in bench/c, iterations, arguments after the
    // iteration count). File workloads do more per operation, so fewer.
    let file_iters = (iters / 10).max(1);
    let proc_iters = (iters / 500).max(1);
    let workloads: [(&str, &str, usize, &[&str]); 11] = [
        ("getpid", "getpid", iters, &[]),
        ("open_close", "open_close", file_iters, &[]),
        ("open_close_tmp", "open_close", file_iters, &["scratch"]),
        ("stat", "stat", file_iters, &[]),
        ("pread_4k", "pread", file_iters, &[]),
        ("getdents_1k", "getdents", (iters / 1000).max(1), &[]),
        ("fork_exit_wait", "fork_wait", proc_iters, &[]),
        ("fork_exec_wait", "fork_wait", proc_iters, &["exec"]),
        ("pipe_pingpong", "pipe_pingpong", file_iters, &[]),
        ("futex_pingpong", "futex_pingpong", file_iters, &[]),
        ("clock_gettime", "clock_gettime", iters, &[]),
    ];
    println!(
        "{:<16} {:>14} {:>14} {:>16} {:>12} {:>12}",
        "workload", "native ns", "ours ns", "gVisor ns", "ours/native", "ours/gVisor"
    );
    for (name, program, n, extra) in workloads {
        let prog = compile(program);
        let results: Vec<Option<f64>> = runtimes
            .iter()
            .map(|rt| {
                // Fewer iterations under trapping runtimes keep runs short.
                let count = if rt.prefix.is_empty() { n * 10 } else { n };
                let a: Vec<String> = std::iter::once(count.to_string())
                    .chain(extra.iter().map(|e| e.to_string()))
                    .collect();
                median((0..runs).filter_map(|_| run_once(rt, &prog, &a)).collect())
            })
            .collect();
        let fmt = |v: Option<f64>| v.map_or("-".to_string(), |x| format!("{x:.1}"));
        let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (Some(a), Some(b)) if b > 0.0 => format!("{:.2}x", a / b),
            _ => "-".into(),
        };
        let g = results.get(2).copied().flatten();
        println!(
            "{:<16} {:>14} {:>14} {:>16} {:>12} {:>12}",
            name,
            fmt(results[0]),
            fmt(results[1]),
            fmt(g),
            ratio(results[1], results[0]),
            ratio(results[1], g)
        );
    }
    untar(&runtimes, runs);
    if !has("--no-start") {
        start::run(&ours, start_runs);
    }
}

/// Wall-clock time of extracting a 5000-file tarball with tar(1) into a
/// fresh directory, per runtime (sandbox start-up included).
fn untar(runtimes: &[Runtime], runs: usize) {
    let dir = std::env::temp_dir().join(format!("runsc-bench-untar-{}", std::process::id()));
    let src = dir.join("src");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&src).expect("bench scratch dir");
    for i in 0..5000 {
        let sub = src.join(format!("d{}", i / 100));
        if i % 100 == 0 {
            std::fs::create_dir_all(&sub).expect("bench subdir");
        }
        std::fs::write(sub.join(format!("f{i}")), format!("file {i}\n").repeat(20))
            .expect("bench file");
    }
    let tarball = dir.join("files.tar");
    let ok = Command::new("tar")
        .arg("-cf")
        .arg(&tarball)
        .arg("-C")
        .arg(&src)
        .arg(".")
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(ok, "tar -cf failed");
    let mut medians = Vec::new();
    for rt in runtimes {
        let mut times = Vec::new();
        for r in 0..runs {
            let out = dir.join(format!("out-{}-{r}", medians.len()));
            std::fs::create_dir_all(&out).expect("bench out dir");
            let mut argv: Vec<String> = rt.prefix.clone();
            argv.extend(["/bin/tar".into(), "-xf".into()]);
            argv.push(tarball.display().to_string());
            argv.extend(["-C".into(), out.display().to_string()]);
            let start = std::time::Instant::now();
            let st = Command::new(&argv[0])
                .args(&argv[1..])
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .output();
            let el = start.elapsed().as_secs_f64() * 1e3;
            match st {
                Ok(o) if o.status.success() => times.push(el),
                Ok(o) => eprintln!(
                    "{}: tar failed: {}",
                    rt.name,
                    String::from_utf8_lossy(&o.stderr).trim()
                ),
                Err(e) => eprintln!("{}: {e}", rt.name),
            }
            let _ = std::fs::remove_dir_all(&out);
        }
        medians.push(median(times));
    }
    let fmt = |v: Option<f64>| v.map_or("-".to_string(), |x| format!("{x:.1}"));
    let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => format!("{:.2}x", a / b),
        _ => "-".into(),
    };
    let g = medians.get(2).copied().flatten();
    println!(
        "{:<16} {:>14} {:>14} {:>16} {:>12} {:>12}",
        "untar_5000 (ms)",
        fmt(medians[0]),
        fmt(medians[1]),
        fmt(g),
        ratio(medians[1], medians[0]),
        ratio(medians[1], g)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
