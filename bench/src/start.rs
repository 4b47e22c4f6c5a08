//! Container start latency, as a user of containerd and of the runtime CLI
//! sees it:
//!
//! - `ctr run --rm IMAGE ID true` through containerd's runc v2 shim with
//!   `--runc-binary` naming our runsc, runc, or gVisor's runsc (through a
//!   wrapper script that adds `--platform=ptrace --network=none`), on a
//!   private containerd started here, with a busybox-static image built
//!   here. Wall time from starting `ctr` to its exit: shim start, create,
//!   start, the guest's `true`, the exit event, delete and the snapshot's
//!   removal.
//! - `create`, `start`, wait, `delete` of a busybox bundle whose process
//!   is `true`, each step timed, for our runsc, runc and gVisor's runsc;
//!   the bench is a subreaper that reaps every orphan at once, as the shim
//!   is, and "wait" is until the pid create wrote has exited.
//!
//! Runtimes take turns within each round, so a slow spell of the machine
//! hits them alike; the median of the rounds is reported.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;
use tests::ecosystem::{self, Containerd};

const IMAGE: &str = "localhost/runsc-bench-busybox:latest";
const NAMESPACE: &str = "runsc-bench";
const GVISOR: &str = "/usr/bin/runsc";

/// A runtime binary for `--runc-binary`, and its name in the table.
struct Contender {
    name: &'static str,
    bin: PathBuf,
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    Some(v[v.len() / 2])
}

fn ms(v: Option<f64>) -> String {
    v.map_or("-".into(), |x| format!("{x:.0}"))
}

fn ratio(a: Option<f64>, b: Option<f64>) -> String {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => format!("{:.2}x", a / b),
        _ => "-".into(),
    }
}

/// Runs `cmd` with stdin and stdout on /dev/null (a runtime's `create`
/// hands its stdio to the container, so a pipe would stay open) and
/// stderr in a scratch file; returns the wall time in ms, or None (with
/// the command's stderr) when it fails.
fn timed(what: &str, mut cmd: Command) -> Option<f64> {
    let err_path = std::env::temp_dir().join(format!("runsc-bench-err-{}", std::process::id()));
    let err = std::fs::File::create(&err_path).ok()?;
    let t = Instant::now();
    let st = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(err)
        .status();
    let el = t.elapsed().as_secs_f64() * 1e3;
    let text = std::fs::read_to_string(&err_path).unwrap_or_default();
    let _ = std::fs::remove_file(&err_path);
    match st {
        Ok(s) if s.success() => Some(el),
        Ok(s) => {
            eprintln!("{what}: {s}: {}", text.trim());
            None
        }
        Err(e) => {
            eprintln!("{what}: {e}");
            None
        }
    }
}

/// gVisor's runsc with the flags it needs here, as one executable.
fn gvisor_wrapper(dir: &Path) -> Option<PathBuf> {
    if !Path::new(GVISOR).exists() {
        eprintln!("gVisor's runsc not installed (apt-get install runsc): its column is skipped");
        return None;
    }
    let path = dir.join("gvisor-runsc");
    let script = format!("#!/bin/sh\nexec {GVISOR} --platform=ptrace --network=none \"$@\"\n");
    std::fs::write(&path, script).ok()?;
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).ok()?;
    Some(path)
}

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(name))
            .find(|c| c.is_file())
    })
}

/// Both start-latency benchmarks; `ours` is our runsc binary.
pub fn run(ours: &Path, runs: usize) {
    let dir = match ecosystem::scratch_dir("runsc-bench-start") {
        Ok(d) => d,
        Err(e) => {
            eprintln!("start latency skipped: {e}");
            return;
        }
    };
    let gvisor = gvisor_wrapper(&dir);
    let mut contenders = vec![Contender {
        name: "ours",
        bin: ours.to_path_buf(),
    }];
    if let Some(r) = which("runc") {
        contenders.push(Contender {
            name: "runc",
            bin: r,
        });
    }
    if let Some(g) = &gvisor {
        contenders.push(Contender {
            name: "gVisor",
            bin: g.clone(),
        });
    }
    if let Err(e) = ctr_run(&dir, &contenders, runs) {
        eprintln!("ctr run latency skipped: {e}");
    }
    if let Err(e) = lifecycle(&dir, ours, runs) {
        eprintln!("create/start/wait/delete latency skipped: {e}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `ctr run --rm IMAGE ID true` for each contender.
fn ctr_run(dir: &Path, contenders: &[Contender], runs: usize) -> Result<(), String> {
    let ctrd = Containerd::start(&dir.join("containerd"), false)?;
    let tar = ecosystem::oci_layout_tar(&dir.join("image"))?;
    let out = ctrd
        .ctr_cmd(
            NAMESPACE,
            &[
                "images",
                "import",
                "--index-name",
                IMAGE,
                &tar.to_string_lossy(),
            ],
        )
        .output()
        .map_err(|e| format!("ctr: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "ctr images import: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); contenders.len()];
    // One warm-up round (page cache, the shim binary), then the rounds.
    for round in 0..=runs {
        for (i, c) in contenders.iter().enumerate() {
            let id = format!("bench-{}-{round}-{}", c.name, std::process::id());
            let cmd = ctrd.ctr_cmd(
                NAMESPACE,
                &[
                    "run",
                    "--rm",
                    "--runtime",
                    "io.containerd.runc.v2",
                    "--runc-binary",
                    &c.bin.to_string_lossy(),
                    IMAGE,
                    &id,
                    "true",
                ],
            );
            let t = timed(&format!("{}: ctr run", c.name), cmd);
            if let (Some(t), true) = (t, round > 0) {
                times[i].push(t);
            }
        }
    }
    let medians: Vec<Option<f64>> = times.into_iter().map(median).collect();
    let of = |name: &str| {
        contenders
            .iter()
            .position(|c| c.name == name)
            .and_then(|i| medians[i])
    };
    println!();
    println!("ctr run --rm IMAGE true (ms, median of {runs})");
    println!(
        "{:<10} {:>10} {:>10} {:>12}",
        "runtime", "median ms", "vs runc", "vs gVisor"
    );
    for (c, m) in contenders.iter().zip(&medians) {
        println!(
            "{:<10} {:>10} {:>10} {:>12}",
            c.name,
            ms(*m),
            ratio(*m, of("runc")),
            ratio(*m, of("gVisor"))
        );
    }
    Ok(())
}

/// A runtime's command line up to the subcommand.
struct Cli {
    name: &'static str,
    prefix: Vec<String>,
}

impl Cli {
    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(&self.prefix[0]);
        c.args(&self.prefix[1..]).args(args);
        c
    }
}

/// The orphans of runtime commands (sandboxes, gofers, container
/// processes) become children of this process, which reaps every child it
/// has as soon as it can, as containerd's shim does. (gVisor's delete
/// waits until its sandbox and gofer pids are gone, and a zombie left to a
/// slow init counts as not gone.) One thread spawns and reaps everything.
struct Reaper {
    /// Children reaped while waiting for another one: pid to wait status.
    reaped: std::collections::HashMap<i32, i32>,
}

impl Reaper {
    /// Makes this process the subreaper of its orphaned descendants.
    fn new() -> Reaper {
        // SAFETY: prctl with integer arguments only.
        unsafe {
            libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1 as libc::c_ulong);
        }
        Reaper {
            reaped: std::collections::HashMap::new(),
        }
    }

    /// Reaps children until `pid` has been reaped (or, without `block`,
    /// until none is ready); its wait status once it is.
    fn reap_until(&mut self, pid: i32, block: bool) -> Option<i32> {
        loop {
            if let Some(status) = self.reaped.remove(&pid) {
                return Some(status);
            }
            let mut status = 0;
            let flags = if block { 0 } else { libc::WNOHANG };
            // SAFETY: waitpid writes one int through the pointer it is given.
            let r = unsafe { libc::waitpid(-1, &mut status, flags) };
            if r <= 0 {
                return None;
            }
            self.reaped.insert(r, status);
        }
    }

    /// Runs `cmd` like [`timed`], reaping every child meanwhile.
    fn timed(&mut self, what: &str, mut cmd: Command) -> Option<f64> {
        let err_path = std::env::temp_dir().join(format!("runsc-bench-err-{}", std::process::id()));
        let err = std::fs::File::create(&err_path).ok()?;
        let t = Instant::now();
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(err)
            .spawn();
        let child = match child {
            Ok(c) => c,
            Err(e) => {
                eprintln!("{what}: {e}");
                return None;
            }
        };
        let pid = child.id() as i32;
        let status = self.reap_until(pid, true).unwrap_or(-1);
        let el = t.elapsed().as_secs_f64() * 1e3;
        let text = std::fs::read_to_string(&err_path).unwrap_or_default();
        let _ = std::fs::remove_file(&err_path);
        if libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0 {
            Some(el)
        } else {
            eprintln!("{what}: wait status {status:#x}: {}", text.trim());
            None
        }
    }

    /// Waits (at most 30 s) until process `pid`, an orphan of `create`,
    /// has exited and been reaped.
    fn wait_exit(&mut self, pid: i32) -> bool {
        let deadline = Instant::now() + std::time::Duration::from_secs(30);
        loop {
            if self.reap_until(pid, false).is_some() {
                return true;
            }
            if !ecosystem::alive(pid as u32) && !Path::new(&format!("/proc/{pid}")).exists() {
                // Not our child (reaped elsewhere): gone all the same.
                return true;
            }
            if Instant::now() > deadline {
                eprintln!("the sandbox {pid} did not exit within 30 s");
                return false;
            }
            std::thread::sleep(std::time::Duration::from_micros(100));
        }
    }
}

impl Drop for Reaper {
    fn drop(&mut self) {
        // SAFETY: prctl with integer arguments only.
        unsafe {
            libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 0 as libc::c_ulong);
        }
    }
}

/// One create, start, wait, delete; the times of the four steps in ms.
/// `wait` is the time from start's return until the container's process
/// (the pid create wrote) has exited, as a shim sees it: gVisor's
/// `runsc wait` cannot report the status of a root container whose
/// sandbox has already exited ("sandbox no longer running and its exit
/// status is unavailable"), and runc has no wait.
fn one_lifecycle(
    r: &mut Reaper,
    cli: &Cli,
    bundle: &str,
    dir: &Path,
    id: &str,
) -> Option<[f64; 4]> {
    let pid_file = dir.join(format!("{id}.pid"));
    let pf = pid_file.display().to_string();
    let create = r.timed(
        &format!("{}: create", cli.name),
        cli.cmd(&["create", "--bundle", bundle, "--pid-file", &pf, id]),
    );
    let mut steps = || {
        let create = create?;
        let pid: i32 = std::fs::read_to_string(&pid_file)
            .ok()?
            .trim()
            .parse()
            .ok()?;
        let start = r.timed(&format!("{}: start", cli.name), cli.cmd(&["start", id]))?;
        let t = Instant::now();
        if !r.wait_exit(pid) {
            return None;
        }
        let wait = t.elapsed().as_secs_f64() * 1e3;
        let delete = r.timed(&format!("{}: delete", cli.name), cli.cmd(&["delete", id]))?;
        Some([create, start, wait, delete])
    };
    let res = steps();
    if res.is_none() {
        let _ = r.timed(
            &format!("{}: delete --force", cli.name),
            cli.cmd(&["delete", "--force", id]),
        );
    }
    let _ = std::fs::remove_file(&pid_file);
    res
}

/// `create`, `start`, wait, `delete` of a bundle running `true`, for our
/// runsc, gVisor's and runc.
fn lifecycle(dir: &Path, ours: &Path, runs: usize) -> Result<(), String> {
    let bundle = dir.join("bundle");
    let rootfs = bundle.join("rootfs");
    std::fs::create_dir_all(&rootfs).map_err(|e| e.to_string())?;
    let (layer, _, _) = ecosystem::busybox_layer(&dir.join("bundle-image"))?;
    let st = Command::new("tar")
        .arg("-xf")
        .arg(&layer)
        .arg("-C")
        .arg(&rootfs)
        .status()
        .map_err(|e| format!("tar: {e}"))?;
    if !st.success() {
        return Err("unpacking the busybox layer failed".into());
    }
    let spec = Command::new(ours)
        .arg("spec")
        .arg("--bundle")
        .arg(&bundle)
        .args(["--", "true"])
        .status()
        .map_err(|e| format!("runsc spec: {e}"))?;
    if !spec.success() {
        return Err("runsc spec failed".into());
    }
    // No terminal: runc would want one of its own.
    let config = bundle.join("config.json");
    let text = std::fs::read_to_string(&config).map_err(|e| e.to_string())?;
    std::fs::write(
        &config,
        text.replace("\"terminal\": true", "\"terminal\": false"),
    )
    .map_err(|e| e.to_string())?;
    let state = |n: &str| dir.join(format!("state-{n}")).display().to_string();
    let mut clis = vec![Cli {
        name: "ours",
        prefix: vec![ours.display().to_string(), "--root".into(), state("ours")],
    }];
    if let Some(r) = which("runc") {
        clis.push(Cli {
            name: "runc",
            prefix: vec![r.display().to_string(), "--root".into(), state("runc")],
        });
    }
    if Path::new(GVISOR).exists() {
        clis.push(Cli {
            name: "gVisor",
            prefix: vec![
                GVISOR.into(),
                "--root".into(),
                state("gvisor"),
                "--platform=ptrace".into(),
                "--network=none".into(),
            ],
        });
    }
    // times[cli][step], the last one the total.
    let mut times: Vec<Vec<Vec<f64>>> = vec![vec![Vec::new(); 5]; clis.len()];
    let b = bundle.display().to_string();
    let mut reaper = Reaper::new();
    for round in 0..=runs {
        for (i, cli) in clis.iter().enumerate() {
            let id = format!("bench-{}-{round}-{}", cli.name, std::process::id());
            if let (Some(steps), true) = (one_lifecycle(&mut reaper, cli, &b, dir, &id), round > 0)
            {
                for (s, t) in steps.iter().enumerate() {
                    times[i][s].push(*t);
                }
                times[i][4].push(steps.iter().sum());
            }
        }
    }
    drop(reaper);
    let med: Vec<Vec<Option<f64>>> = times
        .into_iter()
        .map(|per| per.into_iter().map(median).collect())
        .collect();
    let total_of = |name: &str| {
        clis.iter()
            .position(|c| c.name == name)
            .and_then(|i| med[i][4])
    };
    println!();
    println!(
        "create + start + wait + delete of a busybox bundle running true (ms, median of {runs})"
    );
    println!(
        "{:<10} {:>8} {:>8} {:>8} {:>8} {:>8} {:>9} {:>10}",
        "runtime", "create", "start", "wait", "delete", "total", "vs runc", "vs gVisor"
    );
    for (i, cli) in clis.iter().enumerate() {
        println!(
            "{:<10} {:>8} {:>8} {:>8} {:>8} {:>8} {:>9} {:>10}",
            cli.name,
            ms(med[i][0]),
            ms(med[i][1]),
            ms(med[i][2]),
            ms(med[i][3]),
            ms(med[i][4]),
            ratio(med[i][4], total_of("runc")),
            ratio(med[i][4], total_of("gVisor"))
        );
    }
    Ok(())
}
