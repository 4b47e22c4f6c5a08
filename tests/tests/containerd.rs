//! containerd drives the runtime: a real containerd (Debian's package) is
//! started on a private socket, root and state directory, a busybox-static
//! image built here is imported with `ctr images import`, and containers run
//! through containerd's runc v2 shim with `--runc-binary` naming the runtime
//! under test.
//!
//! `CONTAINERD_TEST_RUNTIME=/usr/sbin/runc` runs the same tests with runc,
//! which proves them (scripts/test.sh does both). Tests that need containerd
//! say so and pass vacuously only when `CONTAINERD_TEST_SKIP` is set; a
//! missing containerd is otherwise a failure naming the package.
//!
//! Every container id carries this process's pid, and each test checks at
//! its end that no process whose command line names its container is left
//! and that `ctr` no longer lists it.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use tests::ecosystem::{self, oci_layout_tar, processes_naming, Containerd};
use tests::{run, runtime, Input, Outcome};

const IMAGE: &str = "localhost/runsc-test-busybox:latest";
const NAMESPACE: &str = "runsc-test";

/// The daemon of this test process: its directory and socket.
struct Daemon {
    ctrd: Containerd,
    socket: PathBuf,
}

/// The runtime binary the shim runs.
fn runtime_bin() -> PathBuf {
    match std::env::var_os("CONTAINERD_TEST_RUNTIME").filter(|v| !v.is_empty()) {
        Some(b) => PathBuf::from(b),
        None => runtime().bin.clone(),
    }
}

/// Starts containerd once per test process (it dies with this process)
/// and imports the image.
fn daemon() -> &'static Daemon {
    static D: OnceLock<Result<Daemon, String>> = OnceLock::new();
    match D.get_or_init(start_daemon) {
        Ok(d) => d,
        Err(e) => panic!("{e}"),
    }
}

fn start_daemon() -> Result<Daemon, String> {
    let dir = ecosystem::scratch_dir("runsc-ctrd")?;
    let ctrd = Containerd::start(&dir, false)?;
    let socket = ctrd.socket.clone();
    let d = Daemon { ctrd, socket };
    let tar = oci_layout_tar(&d.ctrd.dir)?;
    let out = d.ctr(&[
        "images",
        "import",
        "--index-name",
        IMAGE,
        &tar.to_string_lossy(),
    ]);
    if out.status != 0 {
        return Err(format!("ctr images import: {}", out.stderr_text()));
    }
    Ok(d)
}

impl Daemon {
    fn ctr_cmd(&self, args: &[&str]) -> Command {
        self.ctrd.ctr_cmd(NAMESPACE, args)
    }

    fn ctr(&self, args: &[&str]) -> Outcome {
        run(self.ctr_cmd(args), Input::Null)
    }

    /// `ctr` with this daemon's socket and namespace: the start of a
    /// command line run through another program (script(1)).
    fn ctr_argv(&self) -> Vec<String> {
        vec![
            "ctr".into(),
            "--address".into(),
            self.socket.to_string_lossy().into_owned(),
            "--namespace".into(),
            NAMESPACE.into(),
        ]
    }

    /// `ctr run` arguments up to the image: our runtime, removal at exit.
    fn run_args(&self) -> Vec<String> {
        vec![
            "run".into(),
            "--runtime".into(),
            "io.containerd.runc.v2".into(),
            "--runc-binary".into(),
            runtime_bin().to_string_lossy().into_owned(),
        ]
    }

    /// `ctr run [extra] --rm IMAGE ID ARGS...` in the foreground.
    fn run_container(&self, extra: &[&str], id: &str, args: &[&str]) -> Outcome {
        let mut a = self.run_args();
        a.extend(extra.iter().map(|s| s.to_string()));
        a.extend(["--rm".to_string(), IMAGE.to_string(), id.to_string()]);
        a.extend(args.iter().map(|s| s.to_string()));
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        self.ctr(&a)
    }

    /// Starts `ctr run` in the background (stdio piped, not yet read).
    fn spawn_container(&self, extra: &[&str], id: &str, args: &[&str]) -> Child {
        let mut a = self.run_args();
        a.extend(extra.iter().map(|s| s.to_string()));
        a.extend([IMAGE.to_string(), id.to_string()]);
        a.extend(args.iter().map(|s| s.to_string()));
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        self.ctr_cmd(&a)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("ctr run: {e}"))
    }

    /// Waits until `ctr task ls` shows `id` with `status`.
    fn wait_status(&self, id: &str, status: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let out = self.ctr(&["task", "ls"]);
            let text = out.stdout_text();
            if text.lines().any(|l| {
                let f: Vec<&str> = l.split_whitespace().collect();
                f.first() == Some(&id) && f.get(2) == Some(&status)
            }) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "task {id} never reached {status}:\n{text}{}",
                out.stderr_text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The container is gone from containerd, no process names it, and
    /// its cgroup is removed.
    fn assert_gone(&self, id: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let listed = self.ctr(&["containers", "ls", "-q"]).stdout_text();
            let procs = processes_naming(id);
            let cgroups = cgroups_named(id);
            if !listed.lines().any(|l| l == id) && procs.is_empty() && cgroups.is_empty() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "container {id} left behind: listed={} processes={procs:?} cgroups={cgroups:?}",
                listed.lines().any(|l| l == id)
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Removes a container whatever its state (cleanup after a failure).
    fn force_remove(&self, id: &str) {
        let _ = self.ctr(&["task", "kill", "-a", "-s", "SIGKILL", id]);
        std::thread::sleep(Duration::from_millis(100));
        let _ = self.ctr(&["task", "delete", "-f", id]);
        let _ = self.ctr(&["containers", "rm", id]);
    }
}

/// Cgroup directories of container `id` (ctr puts it at /NAMESPACE/ID in
/// every hierarchy).
fn cgroups_named(id: &str) -> Vec<PathBuf> {
    let root = Path::new("/sys/fs/cgroup");
    let mut dirs = vec![root.join(NAMESPACE).join(id)];
    if let Ok(rd) = std::fs::read_dir(root) {
        for e in rd.flatten() {
            dirs.push(e.path().join(NAMESPACE).join(id));
        }
    }
    dirs.into_iter().filter(|d| d.exists()).collect()
}

/// A container id unique to this test and process.
fn cid(name: &str) -> String {
    format!("rt-{name}-{}", std::process::id())
}

/// Cleans up a container on drop (also when the test fails).
struct Cleanup<'a>(&'a Daemon, String);

impl Drop for Cleanup<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.force_remove(&self.1);
        }
    }
}

/// Waits (at most a minute) for a `ctr` started in the background.
fn finish(child: Child) -> Outcome {
    ecosystem::finish(child, Duration::from_secs(60))
}

#[test]
fn test_ctr_run_captures_stdout_stderr_and_exit_code() {
    let d = daemon();
    let id = cid("run");
    let _c = Cleanup(d, id.clone());
    let out = d.run_container(
        &[],
        &id,
        &["sh", "-c", "echo to-stdout; echo to-stderr >&2; exit 3"],
    );
    assert_eq!(
        out.status,
        3,
        "stdout:{}\nstderr:{}",
        out.stdout_text(),
        out.stderr_text()
    );
    assert_eq!(out.stdout_text(), "to-stdout\n");
    assert!(
        out.stderr_text().contains("to-stderr\n"),
        "stderr: {}",
        out.stderr_text()
    );
    d.assert_gone(&id);
}

#[test]
fn test_ctr_run_guest_sees_image_env_and_hostname() {
    let d = daemon();
    let id = cid("env");
    let _c = Cleanup(d, id.clone());
    let out = d.run_container(
        &["--env", "GREETING=hello"],
        &id,
        &["sh", "-c", "echo $GREETING $PATH; pwd; id -u"],
    );
    assert_eq!(out.status, 0, "stderr: {}", out.stderr_text());
    assert_eq!(out.stdout_text(), "hello /bin\n/\n0\n");
    d.assert_gone(&id);
}

#[test]
fn test_ctr_task_kill_sigterm_is_handled_by_the_guest() {
    let d = daemon();
    let id = cid("term");
    let _c = Cleanup(d, id.clone());
    let child = d.spawn_container(
        &["--rm"],
        &id,
        &[
            "sh",
            "-c",
            "trap 'echo got TERM; exit 5' TERM; echo ready; while true; do sleep 0.1; done",
        ],
    );
    d.wait_status(&id, "RUNNING");
    // The trap is set before `ready` is printed; give the shell a moment
    // to reach it after the task is reported running.
    std::thread::sleep(Duration::from_millis(300));
    let k = d.ctr(&["task", "kill", "-s", "SIGTERM", &id]);
    assert_eq!(k.status, 0, "kill: {}", k.stderr_text());
    let out = finish(child);
    assert_eq!(
        out.status,
        5,
        "stdout:{}\nstderr:{}",
        out.stdout_text(),
        out.stderr_text()
    );
    assert_eq!(out.stdout_text(), "ready\ngot TERM\n");
    d.assert_gone(&id);
}

#[test]
fn test_ctr_task_kill_all_sigkill_ends_every_process() {
    let d = daemon();
    let id = cid("killall");
    let _c = Cleanup(d, id.clone());
    let child = d.spawn_container(
        &["--rm"],
        &id,
        &["sh", "-c", "sleep 100 & sleep 100 & trap '' TERM; wait"],
    );
    d.wait_status(&id, "RUNNING");
    let k = d.ctr(&["task", "kill", "--all", "-s", "SIGKILL", &id]);
    assert_eq!(k.status, 0, "kill: {}", k.stderr_text());
    let out = finish(child);
    assert_eq!(
        out.status,
        137,
        "stdout:{}\nstderr:{}",
        out.stdout_text(),
        out.stderr_text()
    );
    d.assert_gone(&id);
}

#[test]
fn test_ctr_task_delete_reports_the_exit_status() {
    let d = daemon();
    let id = cid("delete");
    let _c = Cleanup(d, id.clone());
    let mut a = d.run_args();
    a.extend([
        "-d".into(),
        IMAGE.into(),
        id.clone(),
        "sh".into(),
        "-c".into(),
        "exit 6".into(),
    ]);
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    let out = d.ctr(&a);
    assert_eq!(out.status, 0, "run -d: {}", out.stderr_text());
    d.wait_status(&id, "STOPPED");
    let del = d.ctr(&["task", "delete", &id]);
    assert_eq!(del.status, 0, "task delete: {}", del.stderr_text());
    assert!(
        del.stderr_text().contains("exit with non-zero exit code 6"),
        "task delete did not report the status: {}",
        del.stderr_text()
    );
    let rm = d.ctr(&["containers", "rm", &id]);
    assert_eq!(rm.status, 0, "containers rm: {}", rm.stderr_text());
    d.assert_gone(&id);
}

/// Runs `ctr ARGS` under `script` so that it has a terminal (`-t` needs
/// one); returns what the terminal showed and the exit status.
fn ctr_with_tty(d: &Daemon, args: &[&str], input: &str) -> Outcome {
    let socket = d.socket.to_string_lossy();
    let mut argv = vec!["ctr", "--address", &socket, "--namespace", NAMESPACE];
    argv.extend_from_slice(args);
    ecosystem::run_with_tty(&argv, input)
}

#[test]
fn test_ctr_run_tty_gives_the_guest_a_terminal() {
    let d = daemon();
    let id = cid("tty");
    let _c = Cleanup(d, id.clone());
    let mut a = d.run_args();
    a.extend(["-t".into(), "--rm".into(), IMAGE.into(), id.clone()]);
    a.extend(
        [
            "sh",
            "-c",
            "tty; stty size; [ -t 0 ] && echo stdin-is-tty; exit 4",
        ]
        .map(String::from),
    );
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    let out = ctr_with_tty(d, &a, "");
    let text = out.stdout_text();
    assert_eq!(out.status, 4, "output:{text}\nstderr:{}", out.stderr_text());
    assert!(
        text.contains("/dev/"),
        "tty did not name a terminal: {text}"
    );
    assert!(text.contains("stdin-is-tty"), "{text}");
    d.assert_gone(&id);
}

#[test]
fn test_ctr_task_exec_ps_and_exec_tty() {
    let d = daemon();
    let id = cid("exec");
    let _c = Cleanup(d, id.clone());
    let child = d.spawn_container(
        &["--rm"],
        &id,
        &[
            "sh",
            "-c",
            "echo shared > /tmp/f; sleep 1000 & trap 'exit 0' TERM; wait",
        ],
    );
    d.wait_status(&id, "RUNNING");
    let ex = d.ctr(&[
        "task",
        "exec",
        "--exec-id",
        "e1",
        &id,
        "sh",
        "-c",
        "cat /tmp/f; exit 4",
    ]);
    assert_eq!(
        ex.status,
        4,
        "exec: stdout:{} stderr:{}",
        ex.stdout_text(),
        ex.stderr_text()
    );
    assert_eq!(ex.stdout_text(), "shared\n");
    let ex = ctr_with_tty(
        d,
        &[
            "task",
            "exec",
            "-t",
            "--exec-id",
            "e2",
            &id,
            "sh",
            "-c",
            "tty; exit 2",
        ],
        "",
    );
    assert_eq!(
        ex.status,
        2,
        "exec -t: {} {}",
        ex.stdout_text(),
        ex.stderr_text()
    );
    assert!(
        ex.stdout_text().contains("/dev/"),
        "exec -t output: {}",
        ex.stdout_text()
    );
    // ^C typed into an exec's terminal reaches that process's foreground
    // group, as it does for `ctr run -t`.
    let mut argv = d.ctr_argv();
    argv.extend(["task", "exec", "-t", "--exec-id", "e3", &id, "sh", "-c"].map(String::from));
    argv.push(
        "trap 'echo got INT; exit 7' INT; echo ready; sleep 5 & wait; echo not interrupted".into(),
    );
    let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
    let (rest, status) = tests::ecosystem::interrupt_with_tty(&argv);
    assert!(rest.contains("got INT"), "the exec's trap ran: {rest:?}");
    assert_eq!(status, 7, "{rest:?}");
    let ps = d.ctr(&["task", "ps", &id]);
    assert_eq!(ps.status, 0, "task ps: {}", ps.stderr_text());
    let pids: Vec<i32> = ps
        .stdout_text()
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next()?.parse().ok())
        .collect();
    assert!(
        pids.len() >= 2,
        "task ps lists the shell and its sleep: {}",
        ps.stdout_text()
    );
    for p in &pids {
        assert!(
            Path::new(&format!("/proc/{p}")).exists(),
            "task ps pid {p} is not a host process"
        );
    }
    let k = d.ctr(&["task", "kill", "-s", "SIGTERM", &id]);
    assert_eq!(k.status, 0, "kill: {}", k.stderr_text());
    let out = finish(child);
    assert_eq!(out.status, 0, "{}", out.stderr_text());
    d.assert_gone(&id);
}

#[test]
fn test_ctr_task_pause_and_resume() {
    let d = daemon();
    let id = cid("pause");
    let _c = Cleanup(d, id.clone());
    let child = d.spawn_container(
        &["--rm"],
        &id,
        &[
            "sh",
            "-c",
            "trap 'exit 0' TERM; while true; do sleep 0.1; done",
        ],
    );
    d.wait_status(&id, "RUNNING");
    let p = d.ctr(&["task", "pause", &id]);
    assert_eq!(p.status, 0, "pause: {}", p.stderr_text());
    d.wait_status(&id, "PAUSED");
    let r = d.ctr(&["task", "resume", &id]);
    assert_eq!(r.status, 0, "resume: {}", r.stderr_text());
    d.wait_status(&id, "RUNNING");
    let k = d.ctr(&["task", "kill", "-s", "SIGTERM", &id]);
    assert_eq!(k.status, 0, "kill: {}", k.stderr_text());
    let out = finish(child);
    assert_eq!(out.status, 0, "{}", out.stderr_text());
    d.assert_gone(&id);
}

/// The value of `name` in `ctr task metrics` output.
fn metric(text: &str, name: &str) -> String {
    text.lines()
        .find(|l| l.split_whitespace().next() == Some(name))
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap_or_default()
        .to_string()
}

#[test]
fn test_ctr_task_metrics_read_the_container_cgroup_with_its_limits() {
    let d = daemon();
    let id = cid("metrics");
    let _c = Cleanup(d, id.clone());
    let child = d.spawn_container(
        &["--rm", "--memory-limit", "268435456"],
        &id,
        &[
            "sh",
            "-c",
            "trap 'exit 0' TERM; while true; do sleep 0.1; done",
        ],
    );
    d.wait_status(&id, "RUNNING");
    let m = d.ctr(&["task", "metrics", &id]);
    assert_eq!(m.status, 0, "metrics: {}", m.stderr_text());
    let text = m.stdout_text();
    let limit = match metric(&text, "memory.limit_in_bytes") {
        v if v.is_empty() => metric(&text, "memory.limit"),
        v => v,
    };
    assert_eq!(
        limit, "268435456",
        "the memory limit is on the container's cgroup:\n{text}"
    );
    // The sandbox, its gofer and the guest's stubs are all in it, and
    // nothing else is: the container's own usage, not the host's.
    let usage: u64 = metric(&text, "memory.usage_in_bytes").parse().unwrap_or(0);
    assert!(
        usage > 0 && usage < 268435456,
        "memory usage {usage}:\n{text}"
    );
    let k = d.ctr(&["task", "kill", "-s", "SIGTERM", &id]);
    assert_eq!(k.status, 0, "kill: {}", k.stderr_text());
    let out = finish(child);
    assert_eq!(out.status, 0, "{}", out.stderr_text());
    d.assert_gone(&id);
}

#[test]
fn test_ctr_run_of_a_missing_program_fails_and_leaves_nothing() {
    let d = daemon();
    let id = cid("noprog");
    let _c = Cleanup(d, id.clone());
    let out = d.run_container(&[], &id, &["/bin/no-such-program"]);
    assert_ne!(out.status, 0, "stdout:{}", out.stdout_text());
    assert!(
        out.stderr_text().contains("no-such-program"),
        "the error names the program: {}",
        out.stderr_text()
    );
    // ctr leaves the container record after a failed start; remove it
    // the way a caller does, then nothing may remain.
    let _ = d.ctr(&["containers", "rm", &id]);
    d.assert_gone(&id);
}

#[test]
fn test_ctr_run_tty_ctrl_c_reaches_the_guest() {
    let d = daemon();
    let id = cid("ctrlc");
    let _c = Cleanup(d, id.clone());
    let mut argv = d.run_args();
    argv.extend(["-t", "--rm", IMAGE, &id, "sh", "-c"].map(String::from));
    // The trap is set before `ready` is printed.
    argv.push(
        "trap 'echo got INT; exit 7' INT; echo ready; sleep 5 & wait; echo not interrupted".into(),
    );
    let mut full = d.ctr_argv();
    full.extend(argv);
    let argv: Vec<&str> = full.iter().map(String::as_str).collect();
    let (rest, status) = tests::ecosystem::interrupt_with_tty(&argv);
    assert!(rest.contains("got INT"), "the guest's trap ran: {rest:?}");
    assert!(!rest.contains("not interrupted"), "{rest:?}");
    assert_eq!(status, 7, "{rest:?}");
    d.assert_gone(&id);
}
