//! Docker drives the runtime: Debian's docker.io (dockerd 20.10) is started
//! by this test process with its own data root, exec root, pid file and
//! socket, on a private containerd, with a daemon.json that `runsc install
//! --runtime runsc-test --config-file` wrote. A busybox-static image built
//! here is loaded with `docker load` (docker-archive format), and containers
//! run with `docker run --runtime runsc-test --network none`. containerd
//! and dockerd share a mount namespace of their own, so nothing they mount
//! outlives them, and both get SIGKILL when the test process ends.
//!
//! `DOCKER_TEST_RUNTIME=runc` runs the same tests with Docker's built-in
//! runc, which proves them (scripts/test.sh does both).
//!
//! Each test checks at its end that its container is gone: `docker ps -a`
//! does not list it, and no host process it ran (the pids `docker top`
//! showed, the sandbox or init, anything naming its id or root), nor a
//! cgroup named after it, is left;
//! the last test to finish checks that `docker ps -a` is empty.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use tests::ecosystem::{self, alive, descends_from, processes_naming, wait_for, Containerd};
use tests::{run, runtime, Input, Outcome};

const IMAGE: &str = "localhost/runsc-test-busybox:latest";
/// The name `runsc install` gives our runtime in daemon.json.
const OUR_RUNTIME: &str = "runsc-test";
/// How many tests this file has: the last one to finish checks that
/// `docker ps -a` is empty.
const TESTS: usize = 6;
/// How many are `#[ignore]`d.
const IGNORED_TESTS: usize = 0;

/// The dockerd of this test process.
struct Docker {
    /// Its scratch directory.
    dir: PathBuf,
    /// Its API socket.
    socket: PathBuf,
    /// The docker client (the one packaged with dockerd when there is one).
    client: PathBuf,
    /// The runtime name containers run with.
    runtime: String,
    /// containerd, which it uses (kept alive with it).
    _containerd: Containerd,
}

/// Starts containerd and dockerd once per test process and loads the
/// image.
fn docker() -> &'static Docker {
    static D: OnceLock<Result<Docker, String>> = OnceLock::new();
    match D.get_or_init(start) {
        Ok(d) => d,
        Err(e) => panic!("{e}"),
    }
}

fn start() -> Result<Docker, String> {
    if Command::new("dockerd").arg("--version").output().is_err() {
        return Err("dockerd is not installed: apt-get install docker.io".into());
    }
    // Debian's client matches its daemon; a newer one on PATH works too.
    let client = ["/usr/bin/docker", "/usr/local/bin/docker"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from("docker"));
    let runtime_name = std::env::var("DOCKER_TEST_RUNTIME")
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| OUR_RUNTIME.to_string());
    let dir = ecosystem::scratch_dir("runsc-docker")?;
    let containerd = Containerd::start(&dir.join("containerd"), true)?;
    // daemon.json: no iptables, no bridge, no IP forwarding or masquerade
    // (nothing on the host network changes), and our runtime, added by
    // `runsc install`.
    let config = dir.join("daemon.json");
    std::fs::write(
        &config,
        r#"{"iptables": false, "bridge": "none", "ip-forward": false, "ip-masq": false}"#,
    )
    .map_err(|e| e.to_string())?;
    let inst = run(
        runtime().command(&[
            "install",
            "--runtime",
            OUR_RUNTIME,
            "--config-file",
            &config.to_string_lossy(),
        ]),
        Input::Null,
    );
    if inst.status != 0 {
        return Err(format!("runsc install: {}", inst.stderr_text()));
    }
    let socket = dir.join("docker.sock");
    let log = std::fs::File::create(dir.join("dockerd.log")).map_err(|e| e.to_string())?;
    let mut cmd = Command::new("dockerd");
    cmd.arg("--config-file")
        .arg(&config)
        .arg("--data-root")
        .arg(dir.join("data"))
        .arg("--exec-root")
        .arg(dir.join("exec"))
        .arg("--pidfile")
        .arg(dir.join("dockerd.pid"))
        .arg("-H")
        .arg(format!("unix://{}", socket.display()))
        .arg("--containerd")
        .arg(&containerd.socket)
        .stdin(Stdio::null())
        .stdout(log.try_clone().map_err(|e| e.to_string())?)
        .stderr(log);
    ecosystem::in_mount_namespace_of(&mut cmd, containerd.pid)?;
    ecosystem::spawn_tied(cmd)?;
    let d = Docker {
        dir,
        socket,
        client,
        runtime: runtime_name,
        _containerd: containerd,
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while d.docker(&["version"]).status != 0 {
        if Instant::now() > deadline {
            let log = std::fs::read_to_string(d.dir.join("dockerd.log")).unwrap_or_default();
            return Err(format!("dockerd did not come up in 60s:\n{log}"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let tar = ecosystem::docker_archive_tar(&d.dir, IMAGE)?;
    let out = d.docker(&["load", "-i", &tar.to_string_lossy()]);
    if out.status != 0 {
        return Err(format!("docker load: {}", out.stderr_text()));
    }
    Ok(d)
}

impl Docker {
    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(&self.client);
        c.env("DOCKER_CONFIG", self.dir.join("client"))
            .arg("-H")
            .arg(format!("unix://{}", self.socket.display()))
            .args(args);
        c
    }

    fn docker(&self, args: &[&str]) -> Outcome {
        run(self.cmd(args), Input::Null)
    }

    /// `docker ARGS` that must succeed; returns its trimmed stdout.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.docker(args);
        assert_eq!(
            out.status,
            0,
            "docker {args:?}: stdout:{} stderr:{}",
            out.stdout_text(),
            out.stderr_text()
        );
        out.stdout_text().trim().to_string()
    }

    /// `docker run --runtime R --network none EXTRA... IMAGE ARGS...`.
    fn run_container(&self, extra: &[&str], args: &[&str]) -> Outcome {
        let mut a = vec!["run", "--runtime", &self.runtime, "--network", "none"];
        a.extend_from_slice(extra);
        a.push(IMAGE);
        a.extend_from_slice(args);
        self.docker(&a)
    }

    /// `docker inspect -f FORMAT NAME`.
    fn inspect(&self, name: &str, format: &str) -> String {
        self.ok(&["inspect", "-f", format, name])
    }

    /// What a running container is on the host: its id, its init (the
    /// sandbox, for us) and root directory.
    fn host_view(&self, name: &str) -> HostView {
        let id = self.inspect(name, "{{.Id}}");
        let pid = self.inspect(name, "{{.State.Pid}}").parse().unwrap_or(0);
        let root = self.inspect(name, "{{.GraphDriver.Data.MergedDir}}");
        assert!(
            pid > 0 && alive(pid),
            "{name}: State.Pid {pid} is not alive"
        );
        HostView {
            name: name.to_string(),
            id,
            pid,
            root,
            pids: Vec::new(),
        }
    }

    /// Waits until `docker logs NAME` contains `text`.
    fn wait_logs(&self, name: &str, text: &str) -> String {
        wait_for(
            &format!("{text:?} in the logs of {name}"),
            Duration::from_secs(20),
            || {
                let out = self.docker(&["logs", name]);
                let all = out.stdout_text() + &out.stderr_text();
                if all.contains(text) {
                    Ok(all)
                } else {
                    Err(all)
                }
            },
        )
    }

    /// The container is gone: docker does not list it and nothing it ran
    /// is left on the host.
    fn assert_gone(&self, v: &HostView) {
        wait_for(
            &format!("container {} gone", v.name),
            Duration::from_secs(15),
            || {
                let listed = self.ok(&["ps", "-a", "-q", "--no-trunc"]);
                let pids: Vec<u32> = std::iter::once(v.pid)
                    .chain(v.pids.iter().copied())
                    .collect();
                let left = ecosystem::leftovers(&v.id, &v.root, &pids);
                if listed.lines().any(|l| l == v.id) || !left.is_empty() {
                    Err(format!(
                        "listed={} left={left:?}",
                        listed.lines().any(|l| l == v.id)
                    ))
                } else {
                    Ok(())
                }
            },
        );
    }

    /// Records that a test is done; the last one checks that no container
    /// is left at all.
    fn test_done(&self) {
        static DONE: AtomicUsize = AtomicUsize::new(0);
        let all = ecosystem::tests_to_run(TESTS, IGNORED_TESTS);
        if Some(DONE.fetch_add(1, Ordering::SeqCst) + 1) == all {
            let left = self.ok(&["ps", "-a", "-q"]);
            assert!(left.is_empty(), "docker ps -a still lists {left}");
        }
    }
}

/// A container as the host sees it, for the checks after it is removed.
struct HostView {
    name: String,
    id: String,
    /// `State.Pid`: our sandbox process (runc: the container's init).
    pid: u32,
    /// The overlay directory that is the container's root.
    root: String,
    /// Pids `docker top` showed.
    pids: Vec<u32>,
}

/// A container name unique to this test and process.
fn cname(name: &str) -> String {
    format!("rt-{name}-{}", std::process::id())
}

/// Removes a container whatever its state (also when the test fails).
struct Cleanup<'a>(&'a Docker, String);

impl Drop for Cleanup<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let _ = self.0.docker(&["rm", "-f", &self.1]);
        }
    }
}

#[test]
fn test_docker_run_prints_output_and_propagates_the_exit_code() {
    let d = docker();
    let name = cname("run");
    let _c = Cleanup(d, name.clone());
    let out = d.run_container(&["--rm", "--name", &name], &["echo", "hi"]);
    assert_eq!(out.status, 0, "stderr: {}", out.stderr_text());
    assert_eq!(out.stdout_text(), "hi\n");
    let out = d.run_container(
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
    // A detached run's status is what `docker wait` and inspect report.
    let id = d.ok(&[
        "run",
        "--runtime",
        &d.runtime,
        "--network",
        "none",
        "-d",
        "--name",
        &name,
        IMAGE,
        "sh",
        "-c",
        "exit 6",
    ]);
    assert_eq!(d.ok(&["wait", &name]), "6");
    assert_eq!(d.inspect(&name, "{{.State.ExitCode}}"), "6");
    d.ok(&["rm", &name]);
    let listed = d.ok(&["ps", "-a", "-q", "--no-trunc"]);
    assert!(!listed.lines().any(|l| l == id), "{name} still listed");
    assert!(
        processes_naming(&id).is_empty(),
        "{:?}",
        processes_naming(&id)
    );
    d.test_done();
}

#[test]
fn test_docker_detached_exec_logs_top_stop_and_rm() {
    let d = docker();
    let name = cname("life");
    let _c = Cleanup(d, name.clone());
    d.ok(&[
        "run",
        "--runtime",
        &d.runtime,
        "--network",
        "none",
        "-d",
        "--name",
        &name,
        IMAGE,
        "sh",
        "-c",
        "trap 'echo got TERM; exit 7' TERM; echo ready; sleep 1000 & while true; do sleep 0.1; done",
    ]);
    d.wait_logs(&name, "ready");
    let mut v = d.host_view(&name);
    // exec: output, exit status, stdin.
    let ex = d.docker(&["exec", &name, "sh", "-c", "echo from-exec; exit 5"]);
    assert_eq!(ex.status, 5, "exec: {}", ex.stderr_text());
    assert_eq!(ex.stdout_text(), "from-exec\n");
    let mut cat = d.cmd(&["exec", "-i", &name, "wc", "-c"]);
    cat.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cat.spawn().expect("docker exec -i");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(b"twelve bytes").expect("write stdin");
    }
    let out = ecosystem::finish(child, Duration::from_secs(30));
    assert_eq!(out.status, 0, "exec -i: {}", out.stderr_text());
    assert_eq!(out.stdout_text().trim(), "12");
    // top: host pids of the shell, its sleeps and nothing else, all
    // under the container's init (for us, the sandbox).
    let top = d.ok(&["top", &name]);
    let mut lines = top.lines();
    let header: Vec<&str> = lines
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    let col = header.iter().position(|h| *h == "PID").expect("PID column");
    v.pids = lines
        .filter_map(|l| l.split_whitespace().nth(col)?.parse().ok())
        .collect();
    // The loop's short `sleep 0.1`s may be gone already; the shell and
    // `sleep 1000` are not.
    let live: Vec<u32> = v.pids.iter().copied().filter(|&p| alive(p)).collect();
    assert!(live.len() >= 2, "top lists the shell and sleep:\n{top}");
    // The command column names the programs (runc: "sleep 1000"; a
    // stub has no command line, so ps shows its name: "[sleep]").
    assert!(top.contains("sleep"), "top names the sleep:\n{top}");
    for &p in &live {
        assert!(
            descends_from(p, v.pid) || !alive(p),
            "top pid {p} is not under the container's init {}:\n{top}",
            v.pid
        );
    }
    // stop: SIGTERM reaches the guest's trap, well before the timeout.
    let t = Instant::now();
    d.ok(&["stop", "-t", "20", &name]);
    assert!(
        t.elapsed() < Duration::from_secs(15),
        "stop took {:?}: the TERM trap did not run",
        t.elapsed()
    );
    assert_eq!(d.inspect(&name, "{{.State.Status}}"), "exited");
    assert_eq!(d.inspect(&name, "{{.State.ExitCode}}"), "7");
    let logs = d.wait_logs(&name, "got TERM");
    assert_eq!(logs, "ready\ngot TERM\n");
    d.ok(&["rm", &name]);
    let gone = d.docker(&["inspect", &name]);
    assert_ne!(gone.status, 0, "inspect after rm");
    d.assert_gone(&v);
    d.test_done();
}

#[test]
fn test_docker_run_options_reach_the_guest() {
    let d = docker();
    let name = cname("opts");
    let _c = Cleanup(d, name.clone());
    let vol = d.dir.join(format!("volume-{name}"));
    std::fs::create_dir_all(&vol).expect("volume dir");
    std::fs::write(vol.join("in"), "from-host\n").expect("volume file");
    // The guest runs as uid 1000.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&vol, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let bind = format!("{}:/data", vol.display());
    let out = d.run_container(
        &[
            "--rm",
            "--name",
            &name,
            "--hostname",
            "box",
            "-e",
            "GREETING=hello",
            "-w",
            "/tmp",
            "-u",
            "1000:1000",
            "--ulimit",
            "nofile=1000:2000",
            "-v",
            &bind,
            "--init",
        ],
        &[
            "sh",
            "-c",
            "hostname; cat /etc/hostname; echo $GREETING; pwd; id -u; id -g; \
             ulimit -n; ulimit -Hn; cat /data/in; echo from-guest > /data/out; \
             cat /proc/1/cmdline | tr '\\0' ' '; echo",
        ],
    );
    assert_eq!(
        out.status,
        0,
        "stdout:{} stderr:{}",
        out.stdout_text(),
        out.stderr_text()
    );
    let text = out.stdout_text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines.get(..9),
        Some(
            &[
                "box",
                "box",
                "hello",
                "/tmp",
                "1000",
                "1000",
                "1000",
                "2000",
                "from-host"
            ][..]
        ),
        "{text}"
    );
    assert!(
        lines
            .get(9)
            .is_some_and(|l| l.starts_with("/sbin/docker-init -- sh")),
        "--init is the guest's pid 1: {text}"
    );
    assert_eq!(
        std::fs::read_to_string(vol.join("out")).unwrap_or_default(),
        "from-guest\n",
        "the guest's write reaches the host through the volume"
    );
    let ro = d.run_container(
        &["--rm", "--name", &name, "--read-only"],
        &["sh", "-c", "touch /x 2>/dev/null || echo read-only"],
    );
    assert_eq!(ro.stdout_text(), "read-only\n", "{}", ro.stderr_text());
    d.test_done();
}

/// The number of `tick` lines a container has logged.
fn ticks(d: &Docker, name: &str) -> usize {
    d.docker(&["logs", name])
        .stdout_text()
        .lines()
        .filter(|l| *l == "tick")
        .count()
}

#[test]
fn test_docker_pause_stops_the_guest_until_unpause() {
    let d = docker();
    let name = cname("pause");
    let _c = Cleanup(d, name.clone());
    d.ok(&[
        "run",
        "--runtime",
        &d.runtime,
        "--network",
        "none",
        "-d",
        "--name",
        &name,
        IMAGE,
        "sh",
        "-c",
        "trap 'exit 0' TERM; while true; do echo tick; sleep 0.05; done",
    ]);
    d.wait_logs(&name, "tick");
    let v = d.host_view(&name);
    d.ok(&["pause", &name]);
    assert_eq!(d.inspect(&name, "{{.State.Status}}"), "paused");
    // Anything already on its way to the log lands first.
    std::thread::sleep(Duration::from_millis(500));
    let before = ticks(d, &name);
    std::thread::sleep(Duration::from_millis(700));
    assert_eq!(ticks(d, &name), before, "the guest ran while paused");
    d.ok(&["unpause", &name]);
    assert_eq!(d.inspect(&name, "{{.State.Status}}"), "running");
    wait_for(
        "ticks after unpause",
        Duration::from_secs(10),
        || match ticks(d, &name) {
            n if n > before => Ok(()),
            n => Err(format!("{n} ticks")),
        },
    );
    d.ok(&["stop", &name]);
    assert_eq!(d.inspect(&name, "{{.State.ExitCode}}"), "0");
    d.ok(&["rm", &name]);
    d.assert_gone(&v);
    d.test_done();
}

#[test]
fn test_docker_kill_ends_the_container_with_sigkill_status() {
    let d = docker();
    let name = cname("kill");
    let _c = Cleanup(d, name.clone());
    d.ok(&[
        "run",
        "--runtime",
        &d.runtime,
        "--network",
        "none",
        "-d",
        "--name",
        &name,
        IMAGE,
        "sh",
        "-c",
        "trap '' TERM; echo ready; sleep 1000 & wait",
    ]);
    d.wait_logs(&name, "ready");
    let v = d.host_view(&name);
    d.ok(&["kill", &name]);
    assert_eq!(d.ok(&["wait", &name]), "137");
    d.ok(&["rm", &name]);
    d.assert_gone(&v);
    d.test_done();
}

#[test]
fn test_docker_run_it_gives_the_guest_a_terminal() {
    let d = docker();
    let name = cname("tty");
    let _c = Cleanup(d, name.clone());
    let host = format!("unix://{}", d.socket.display());
    let client = d.client.to_string_lossy();
    let config = format!("DOCKER_CONFIG={}", d.dir.join("client").display());
    let out = ecosystem::run_with_tty(
        &[
            "env",
            &config,
            &client,
            "-H",
            &host,
            "run",
            "--runtime",
            &d.runtime,
            "--network",
            "none",
            "-it",
            "--rm",
            "--name",
            &name,
            IMAGE,
            "sh",
            "-c",
            "tty; [ -t 0 ] && [ -t 1 ] && echo stdio-is-tty; exit 4",
        ],
        "",
    );
    let text = out.stdout_text();
    assert_eq!(out.status, 4, "output:{text}\nstderr:{}", out.stderr_text());
    assert!(text.contains("/dev/pts/"), "tty names no pty: {text}");
    assert!(text.contains("stdio-is-tty"), "{text}");
    wait_for("tty container removed", Duration::from_secs(15), || {
        let all = d.ok(&["ps", "-a", "--format", "{{.Names}}"]);
        if all.lines().any(|l| l == name) {
            Err(all)
        } else {
            Ok(())
        }
    });
    d.test_done();
}
