//! podman drives the runtime: Debian's podman 4.3 runs containers with
//! `--runtime <our runsc>` through conmon, on a store (`--root`,
//! `--runroot`, `--tmpdir`) private to this test process, with no network
//! (`--network none`: nothing on the host network changes) and explicit
//! rlimits (`--ulimit nofile=...,nproc=...`: podman's defaults are above
//! what root may raise to here, which runc refuses). A busybox-static image
//! built here is loaded with `podman load` (docker-archive format).
//!
//! Every podman command (and script(1) for `run -it`) runs in one mount
//! namespace of this test's own (a parked process holds it), so nothing
//! podman, conmon or the runtime mounts can outlive the test on the host.
//!
//! conmon runs `RUNTIME create --bundle B --pid-file P ID` with no
//! `--root`, so the runtime keeps its state in its default root
//! (/var/run/runsc for us, /run/runc for runc). `--runtime-flag root=DIR`
//! cannot move it: podman 4.3 passes runtime flags to create, start, kill
//! and exec, but not to the `podman container cleanup` that conmon runs
//! when the container exits, whose `delete --force` then looks in the
//! default root and leaves the state behind. Each test checks that the
//! state directory of its container is gone.
//!
//! `PODMAN_TEST_RUNTIME=/usr/sbin/runc` runs the same tests with runc,
//! which proves them (scripts/test.sh does both, with `--include-ignored`).

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use tests::ecosystem::{self, alive, wait_for};
use tests::{run, runtime, Input, Outcome};

const IMAGE: &str = "localhost/runsc-test-busybox:latest";
/// How many tests run by default: the last one to finish checks that
/// `podman ps -a` is empty.
const TESTS: usize = 5;
/// How many are `#[ignore]`d.
const IGNORED_TESTS: usize = 0;

/// Where the runtimes keep state when they get no --root: ours, runc's.
const RUNTIME_ROOTS: &[&str] = &["/var/run/runsc", "/run/runc"];

/// podman's private store and the runtime it runs.
struct Podman {
    dir: PathBuf,
    /// The OCI runtime binary.
    runtime: PathBuf,
    /// `nproc` soft:hard for containers: what podman itself has.
    nproc: String,
    /// The process that holds the mount namespace podman runs in.
    holder: u32,
}

fn podman() -> &'static Podman {
    static P: OnceLock<Result<Podman, String>> = OnceLock::new();
    match P.get_or_init(start) {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    }
}

fn start() -> Result<Podman, String> {
    if Command::new("podman").arg("--version").output().is_err() {
        return Err("podman is not installed: apt-get install podman".into());
    }
    let runtime_bin = match std::env::var_os("PODMAN_TEST_RUNTIME").filter(|v| !v.is_empty()) {
        Some(b) => PathBuf::from(b),
        None => runtime().bin.clone(),
    };
    let dir = ecosystem::scratch_dir("runsc-podman")?;
    let mut holder = Command::new("sleep");
    holder
        .arg("infinity")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    ecosystem::in_new_mount_namespace(&mut holder);
    let holder = ecosystem::spawn_tied(holder)?;
    // podman sets its own RLIMIT_NPROC to 32768 when it starts (when it
    // may), and conmon and the runtime inherit that: a container cannot be
    // given more without CAP_SYS_RESOURCE.
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one rlimit into the struct it is given.
    let r = unsafe { libc::getrlimit(libc::RLIMIT_NPROC, &mut lim) };
    let max = if r == 0 {
        lim.rlim_max.min(32768)
    } else {
        32768
    };
    let nproc = format!("{max}:{max}");
    let p = Podman {
        dir,
        runtime: runtime_bin,
        nproc,
        holder,
    };
    let tar = ecosystem::docker_archive_tar(&p.dir, IMAGE)?;
    let out = p.podman(&["load", "-i", &tar.to_string_lossy()]);
    if out.status != 0 {
        return Err(format!("podman load: {}", out.stderr_text()));
    }
    Ok(p)
}

impl Podman {
    /// podman's global options: the private store, the runtime, no
    /// systemd, no journald.
    fn global_args(&self) -> Vec<String> {
        let d = &self.dir;
        let path = |p: PathBuf| p.display().to_string();
        vec![
            "--root".into(),
            path(d.join("root")),
            "--runroot".into(),
            path(d.join("runroot")),
            "--tmpdir".into(),
            path(d.join("tmp")),
            "--storage-driver".into(),
            "overlay".into(),
            "--runtime".into(),
            path(self.runtime.clone()),
            "--cgroup-manager".into(),
            "cgroupfs".into(),
            "--events-backend".into(),
            "file".into(),
        ]
    }

    /// Puts `cmd` in podman's mount namespace.
    fn enter(&self, cmd: &mut Command) {
        if let Err(e) = ecosystem::in_mount_namespace_of(cmd, self.holder) {
            panic!("podman's mount namespace: {e}");
        }
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new("podman");
        c.args(self.global_args()).args(args);
        self.enter(&mut c);
        c
    }

    fn podman(&self, args: &[&str]) -> Outcome {
        run(self.cmd(args), Input::Null)
    }

    /// `podman ARGS` that must succeed; returns its trimmed stdout.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.podman(args);
        assert_eq!(
            out.status,
            0,
            "podman {args:?}: stdout:{} stderr:{}",
            out.stdout_text(),
            out.stderr_text()
        );
        out.stdout_text().trim().to_string()
    }

    /// The `podman run` options every container gets.
    fn run_opts(&self) -> Vec<String> {
        vec![
            "--network".into(),
            "none".into(),
            "--ulimit".into(),
            "nofile=20000:20000".into(),
            "--ulimit".into(),
            format!("nproc={}", self.nproc),
        ]
    }

    /// `podman run OPTS EXTRA... IMAGE ARGS...`.
    fn run_container(&self, extra: &[&str], args: &[&str]) -> Outcome {
        let opts = self.run_opts();
        let mut a: Vec<&str> = vec!["run"];
        a.extend(opts.iter().map(String::as_str));
        a.extend_from_slice(extra);
        a.push(IMAGE);
        a.extend_from_slice(args);
        self.podman(&a)
    }

    /// Starts a detached container named `name` running `sh -c script`.
    fn run_detached(&self, name: &str, script: &str) {
        let out = self.run_container(&["-d", "--name", name], &["sh", "-c", script]);
        assert_eq!(out.status, 0, "run -d: {}", out.stderr_text());
    }

    fn inspect(&self, name: &str, format: &str) -> String {
        self.ok(&["inspect", "-f", format, name])
    }

    /// What a running container is on the host.
    fn host_view(&self, name: &str) -> HostView {
        let pid = self.inspect(name, "{{.State.Pid}}").parse().unwrap_or(0);
        assert!(
            pid > 0 && alive(pid),
            "{name}: State.Pid {pid} is not alive"
        );
        HostView {
            id: self.inspect(name, "{{.Id}}"),
            pid,
            conmon: self
                .inspect(name, "{{.State.ConmonPid}}")
                .parse()
                .unwrap_or(0),
            root: self.inspect(name, "{{.GraphDriver.Data.MergedDir}}"),
        }
    }

    /// Waits until `podman logs NAME` contains `text`.
    fn wait_logs(&self, name: &str, text: &str) -> String {
        wait_for(
            &format!("{text:?} in the logs of {name}"),
            Duration::from_secs(20),
            || {
                let out = self.podman(&["logs", name]);
                let all = out.stdout_text() + &out.stderr_text();
                if all.contains(text) {
                    Ok(all)
                } else {
                    Err(all)
                }
            },
        )
    }

    /// podman does not list the container and nothing it ran is left.
    fn assert_gone(&self, v: &HostView) {
        wait_for("container gone", Duration::from_secs(15), || {
            let listed = self.ok(&["ps", "-a", "-q", "--no-trunc"]);
            let mut left = ecosystem::leftovers(&v.id, &v.root, &[v.pid, v.conmon]);
            left.extend(
                RUNTIME_ROOTS
                    .iter()
                    .map(|r| std::path::Path::new(r).join(&v.id))
                    .filter(|p| p.exists())
                    .map(|p| format!("state {}", p.display())),
            );
            if listed.lines().any(|l| l == v.id) || !left.is_empty() {
                Err(format!(
                    "listed={} left={left:?}",
                    listed.lines().any(|l| l == v.id)
                ))
            } else {
                Ok(())
            }
        });
    }

    /// Records that a test is done; the last one checks that no container
    /// is left at all.
    fn test_done(&self) {
        static DONE: AtomicUsize = AtomicUsize::new(0);
        let all = ecosystem::tests_to_run(TESTS, IGNORED_TESTS);
        if Some(DONE.fetch_add(1, Ordering::SeqCst) + 1) == all {
            let left = self.ok(&["ps", "-a", "-q"]);
            assert!(left.is_empty(), "podman ps -a still lists {left}");
        }
    }
}

/// A container as the host sees it, for the checks after it is removed.
struct HostView {
    id: String,
    /// `State.Pid`: our sandbox process (runc: the container's init).
    pid: u32,
    conmon: u32,
    /// The overlay directory that is the container's root.
    root: String,
}

/// A container name unique to this test and process.
fn cname(name: &str) -> String {
    format!("rt-{name}-{}", std::process::id())
}

/// Removes a container whatever its state (also when the test fails).
struct Cleanup<'a>(&'a Podman, String);

impl Drop for Cleanup<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let _ = self.0.podman(&["rm", "-f", "-t", "0", &self.1]);
        }
    }
}

#[test]
fn test_podman_run_prints_output_and_propagates_the_exit_code() {
    let p = podman();
    let name = cname("run");
    let _c = Cleanup(p, name.clone());
    let out = p.run_container(&["--rm", "--name", &name], &["echo", "hi"]);
    assert_eq!(out.status, 0, "stderr: {}", out.stderr_text());
    assert_eq!(out.stdout_text(), "hi\n");
    let out = p.run_container(
        &["--rm", "--name", &name],
        &["sh", "-c", "echo to-stdout; echo to-stderr >&2; exit 3"],
    );
    assert_eq!(
        out.status,
        3,
        "stdout:{} stderr:{}",
        out.stdout_text(),
        out.stderr_text()
    );
    assert_eq!(out.stdout_text(), "to-stdout\n");
    assert_eq!(out.stderr_text(), "to-stderr\n");
    // A detached run's status is what `podman wait` and inspect report.
    p.run_detached(&name, "exit 6");
    assert_eq!(p.ok(&["wait", &name]), "6");
    assert_eq!(p.inspect(&name, "{{.State.ExitCode}}"), "6");
    p.ok(&["rm", &name]);
    let all = p.ok(&["ps", "-a", "--format", "{{.Names}}"]);
    assert!(!all.lines().any(|l| l == name), "{name} still listed");
    p.test_done();
}

#[test]
fn test_podman_detached_exec_logs_top_stop_and_rm() {
    let p = podman();
    let name = cname("life");
    let _c = Cleanup(p, name.clone());
    p.run_detached(
        &name,
        "trap 'echo got TERM; exit 7' TERM; echo ready; sleep 1000 & while true; do sleep 0.1; done",
    );
    p.wait_logs(&name, "ready");
    let v = p.host_view(&name);
    let ex = p.podman(&["exec", &name, "sh", "-c", "echo from-exec; exit 5"]);
    assert_eq!(ex.status, 5, "exec: {}", ex.stderr_text());
    assert_eq!(ex.stdout_text(), "from-exec\n");
    let mut wc = p.cmd(&["exec", "-i", &name, "wc", "-c"]);
    wc.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = wc.spawn().expect("podman exec -i");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(b"twelve bytes").expect("write stdin");
    }
    let out = ecosystem::finish(child, Duration::from_secs(30));
    assert_eq!(out.status, 0, "exec -i: {}", out.stderr_text());
    assert_eq!(out.stdout_text().trim(), "12");
    // top with ps(1) options: podman runs ps in the container, which
    // lists the guest's own processes.
    let top = p.ok(&["top", &name, "-o", "pid,args"]);
    assert!(
        top.lines().any(|l| l.trim_end().ends_with("sleep 1000")),
        "top lists the guest's sleep:\n{top}"
    );
    assert!(
        top.lines().any(|l| l.contains("trap ")),
        "top lists the guest's shell:\n{top}"
    );
    let t = Instant::now();
    p.ok(&["stop", "-t", "20", &name]);
    assert!(
        t.elapsed() < Duration::from_secs(15),
        "stop took {:?}: the TERM trap did not run",
        t.elapsed()
    );
    assert_eq!(p.inspect(&name, "{{.State.Status}}"), "exited");
    assert_eq!(p.inspect(&name, "{{.State.ExitCode}}"), "7");
    let logs = p.wait_logs(&name, "got TERM");
    assert_eq!(logs, "ready\ngot TERM\n");
    p.ok(&["rm", &name]);
    assert_ne!(p.podman(&["inspect", &name]).status, 0, "inspect after rm");
    p.assert_gone(&v);
    p.test_done();
}

#[test]
fn test_podman_kill_ends_the_container_with_sigkill_status() {
    let p = podman();
    let name = cname("kill");
    let _c = Cleanup(p, name.clone());
    p.run_detached(&name, "trap '' TERM; echo ready; sleep 1000 & wait");
    p.wait_logs(&name, "ready");
    let v = p.host_view(&name);
    p.ok(&["kill", &name]);
    assert_eq!(p.ok(&["wait", &name]), "137");
    p.ok(&["rm", &name]);
    p.assert_gone(&v);
    p.test_done();
}

#[test]
fn test_podman_run_it_gives_the_guest_a_terminal() {
    let p = podman();
    let name = cname("tty");
    let _c = Cleanup(p, name.clone());
    let global = p.global_args();
    let opts = p.run_opts();
    let mut argv: Vec<&str> = vec!["podman"];
    argv.extend(global.iter().map(String::as_str));
    argv.extend(["run", "-it", "--rm", "--name", &name]);
    argv.extend(opts.iter().map(String::as_str));
    // The pause before exit: podman 4.3 with conmon can drop the
    // terminal output of a container that exits at once (6 runs in 20
    // with runc, seen here; none with the pause).
    argv.extend([
        IMAGE,
        "sh",
        "-c",
        "tty; [ -t 0 ] && [ -t 1 ] && echo stdio-is-tty; sleep 0.3; exit 4",
    ]);
    let out = ecosystem::run_with_tty_in(&argv, "", |c| p.enter(c));
    let text = out.stdout_text();
    assert_eq!(out.status, 4, "output:{text}\nstderr:{}", out.stderr_text());
    assert!(text.contains("/dev/pts/"), "tty names no pty: {text}");
    assert!(text.contains("stdio-is-tty"), "{text}");
    wait_for("tty container removed", Duration::from_secs(15), || {
        let all = p.ok(&["ps", "-a", "--format", "{{.Names}}"]);
        if all.lines().any(|l| l == name) {
            Err(all)
        } else {
            Ok(())
        }
    });
    p.test_done();
}

/// `podman top NAME` (no ps(1) options) reads /proc in the mount namespace
/// of the container's State.Pid, our sandbox process: its root holds a
/// procfs of the sandbox's own pid namespace, so podman lists the
/// sandbox's processes (the sentry, the gofer and one stub per guest
/// process), as with gVisor, and no host process.
#[test]
fn test_podman_top_lists_only_the_container() {
    let p = podman();
    let name = cname("top");
    let _c = Cleanup(p, name.clone());
    p.run_detached(
        &name,
        "trap 'exit 0' TERM; echo ready; sleep 1000 & while true; do sleep 0.1; done",
    );
    p.wait_logs(&name, "ready");
    let v = p.host_view(&name);
    let top = p.ok(&["top", &name]);
    let rows = top.lines().count().saturating_sub(1);
    assert!(
        (2..=6).contains(&rows),
        "top lists the shell, its sleeps and nothing else ({rows} rows):\n{top}"
    );
    // Rows of the container's pid namespace only (for us the sandbox's,
    // whose pid 1 is the sandbox): neither podman nor conmon shows.
    let commands: Vec<&str> = top
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().nth(7))
        .collect();
    assert!(
        !commands
            .iter()
            .any(|c| c.ends_with("/podman") || c.ends_with("conmon") || *c == "podman"),
        "top lists host processes:\n{top}"
    );
    assert!(
        top.lines()
            .skip(1)
            .any(|l| l.split_whitespace().nth(1) == Some("1")),
        "top lists no pid 1 of the container's pid namespace:\n{top}"
    );
    p.ok(&["stop", &name]);
    p.ok(&["rm", &name]);
    p.assert_gone(&v);
    p.test_done();
}
