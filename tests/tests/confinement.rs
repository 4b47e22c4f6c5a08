//! The runtime's own confinement (DESIGN.md §1, docs/threat-model.md),
//! checked from the host through /proc while a guest runs: the sandbox
//! process (the sentry) and its stubs are under seccomp with no_new_privs
//! and no capabilities, in namespaces of their own (user, mount, pid, ipc,
//! uts, cgroup, net) and see an empty root; the gofer has its own mount
//! namespace, its seccomp filter and only file capabilities. Also: killing
//! the sentry takes its stubs and gofer with it.
//!
//! That the sentry's allowlist denies what it should is checked by the
//! unit tests in sentry/src/confine.rs; that it allows all it must, by
//! every other test running under it.

use serde_json::Value;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};
use tests::{c_program, run, run_native, run_sandboxed, runtime, Input};

const BUSYBOX: &str = "/bin/busybox";

/// The namespaces the sandbox must not share with the host.
const SANDBOX_NAMESPACES: &[&str] = &["mnt", "pid", "ipc", "uts", "cgroup", "net"];

/// A running child, killed and reaped when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The `Name:\tvalue` field of /proc/PID/status.
fn status_field(pid: u32, field: &str) -> String {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_else(|e| panic!("/proc/{pid}/status: {e}"));
    status
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"))
        .trim()
        .to_string()
}

/// The namespace `kind` of `pid` ("self" for this process).
fn ns(pid: &str, kind: &str) -> PathBuf {
    std::fs::read_link(format!("/proc/{pid}/ns/{kind}"))
        .unwrap_or_else(|e| panic!("/proc/{pid}/ns/{kind}: {e}"))
}

/// The children of `parent`.
fn children(parent: u32) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            // pid (comm) state ppid ...: comm may hold spaces.
            stat.rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                .and_then(|p| p.parse::<u32>().ok())
                == Some(parent)
        })
        .collect()
}

fn cmdline(pid: u32) -> String {
    let c = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    String::from_utf8_lossy(&c).replace('\0', " ")
}

/// Polls `f` for up to 10 s.
fn wait_for<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(t) = f() {
            return t;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Whether this host lets root make a user namespace (if not, the sandbox
/// runs without one and keeps uid 0, without capabilities).
fn user_namespaces_allowed() -> bool {
    Command::new("unshare")
        .args(["--user", "true"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The processes of one sandbox.
struct Procs {
    sentry: u32,
    gofer: u32,
    stub: u32,
}

/// Finds the gofer and one stub among the sentry's children (the gofer
/// names itself on its command line; a stub has unmapped its own).
fn procs_of(sentry: u32) -> Procs {
    let (gofer, stub) = wait_for("the gofer and a stub of the sentry", || {
        let kids = children(sentry);
        let gofer = kids
            .iter()
            .copied()
            .find(|&k| cmdline(k).contains(" gofer "))?;
        let stub = kids.iter().copied().find(|&k| cmdline(k).is_empty())?;
        Some((gofer, stub))
    });
    Procs {
        sentry,
        gofer,
        stub,
    }
}

/// `runsc [args] do /bin/busybox cat`, up and echoing.
struct Do {
    running: Running,
    stdin: ChildStdin,
    stdout: ChildStdout,
}

impl Do {
    fn start(args: &[&str]) -> Do {
        let mut cmd = runtime().command(args);
        cmd.args(["do", BUSYBOX, "cat"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut running = Running(cmd.spawn().expect("runsc starts"));
        let mut stdin = running.0.stdin.take().expect("piped");
        let mut stdout = running.0.stdout.take().expect("piped");
        // The guest echoes a line back: it is up, blocked reading the pipe.
        stdin.write_all(b"ping\n").expect("write to the guest");
        let mut echoed = [0u8; 5];
        stdout.read_exact(&mut echoed).expect("the guest echoes");
        assert_eq!(&echoed, b"ping\n");
        Do {
            running,
            stdin,
            stdout,
        }
    }

    /// The sandbox: runsc do's only child.
    fn sentry(&self) -> u32 {
        let pid = self.running.0.id();
        match children(pid)[..] {
            [s] => s,
            ref other => panic!("runsc do {pid} has children {other:?}, not one sandbox"),
        }
    }

    /// Ends the guest (EOF on its stdin); returns runsc's status.
    fn finish(mut self) -> i32 {
        drop(self.stdin);
        let status = self.running.0.wait().expect("wait for runsc");
        let mut rest = Vec::new();
        let _ = self.stdout.read_to_end(&mut rest);
        status.code().unwrap_or(-1)
    }
}

/// Checks what DESIGN.md §1 asks of the sentry and its stubs.
fn assert_sentry_and_stub_confined(p: &Procs) {
    let (sentry, stub) = (p.sentry, p.stub);
    for pid in [sentry, stub] {
        assert_eq!(status_field(pid, "Seccomp"), "2", "seccomp mode of {pid}");
        assert_eq!(
            status_field(pid, "NoNewPrivs"),
            "1",
            "no_new_privs of {pid}"
        );
        for set in ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"] {
            assert_eq!(status_field(pid, set), "0000000000000000", "{set} of {pid}");
        }
        assert_eq!(status_field(pid, "Groups"), "", "groups of {pid}");
        for kind in SANDBOX_NAMESPACES {
            assert_ne!(
                ns(&pid.to_string(), kind),
                ns("self", kind),
                "{pid} shares the host's {kind} namespace"
            );
        }
    }
    // The stub: a fork of a sentry thread, in all its namespaces, under
    // the sentry's two filters and its own.
    for kind in SANDBOX_NAMESPACES.iter().chain(&["user"]) {
        assert_eq!(
            ns(&stub.to_string(), kind),
            ns(&sentry.to_string(), kind),
            "the stub is not in the sentry's {kind} namespace"
        );
    }
    assert_eq!(status_field(sentry, "Seccomp_filters"), "2");
    assert_eq!(status_field(stub, "Seccomp_filters"), "3");
    // Init of its pid namespace.
    let nspid = status_field(sentry, "NSpid");
    assert_eq!(nspid.split_whitespace().last(), Some("1"), "NSpid {nspid}");
    if user_namespaces_allowed() {
        for pid in [sentry, stub] {
            assert_ne!(ns(&pid.to_string(), "user"), ns("self", "user"));
            assert_eq!(status_field(pid, "Uid"), "65534\t65534\t65534\t65534");
            assert_eq!(status_field(pid, "Gid"), "65534\t65534\t65534\t65534");
        }
        let map = std::fs::read_to_string(format!("/proc/{sentry}/uid_map")).unwrap();
        assert_eq!(
            map.split_whitespace().collect::<Vec<_>>(),
            ["65534", "65534", "1"],
            "uid_map"
        );
    }
    // The root is an empty, read-only tmpfs with only `proc` in it: a
    // read-only procfs of the sandbox's own pid namespace (podman top
    // reads it), and these are its only mounts.
    let root: Vec<_> = std::fs::read_dir(format!("/proc/{sentry}/root"))
        .expect("read the sentry's root")
        .map(|e| e.map(|e| e.file_name()))
        .collect::<Result<_, _>>()
        .expect("read the sentry's root");
    assert_eq!(root, ["proc"], "the sentry's root lists {root:?}");
    let mounts = std::fs::read_to_string(format!("/proc/{sentry}/mountinfo")).unwrap();
    let lines: Vec<&str> = mounts.lines().collect();
    assert_eq!(lines.len(), 2, "the sentry sees mounts:\n{mounts}");
    for (point, fstype) in [("/", " - tmpfs "), ("/proc", " - proc ")] {
        let line = lines
            .iter()
            .find(|l| l.split_whitespace().nth(4) == Some(point))
            .unwrap_or_else(|| panic!("no mount at {point}:\n{mounts}"));
        assert!(line.contains(fstype), "not {fstype}: {line}");
        let opts = line.split_whitespace().nth(5).unwrap_or("");
        for o in ["ro", "nosuid", "nodev", "noexec"] {
            assert!(opts.split(',').any(|x| x == o), "not {o}: {line}");
        }
    }
    // The sandbox's proc shows its own pid namespace: it is pid 1 there.
    let init = std::fs::read_to_string(format!("/proc/{sentry}/root/proc/1/stat"));
    assert!(
        init.as_ref().is_ok_and(|s| s.contains("runsc")),
        "pid 1 of the sandbox's proc is not the sandbox: {init:?}"
    );
}

fn assert_gofer_confined(p: &Procs) {
    let g = p.gofer;
    assert_eq!(status_field(g, "Seccomp"), "2", "gofer seccomp mode");
    assert_eq!(status_field(g, "NoNewPrivs"), "1", "gofer no_new_privs");
    // CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_FSETID.
    assert_eq!(status_field(g, "CapEff"), "000000000000001f");
    assert_eq!(status_field(g, "CapBnd"), "000000000000001f");
    for kind in ["mnt", "net", "ipc", "uts"] {
        assert_ne!(
            ns(&g.to_string(), kind),
            ns("self", kind),
            "the gofer shares the host's {kind} namespace"
        );
    }
    assert_ne!(ns(&g.to_string(), "mnt"), ns(&p.sentry.to_string(), "mnt"));
}

#[test]
fn test_do_sentry_stub_and_gofer_are_confined() {
    let d = Do::start(&[]);
    let p = procs_of(d.sentry());
    assert_sentry_and_stub_confined(&p);
    assert_gofer_confined(&p);
    // runsc do itself only waits; it stays in the host's namespaces.
    let runsc = d.running.0.id().to_string();
    assert_eq!(ns(&runsc, "pid"), ns("self", "pid"));
    assert_eq!(d.finish(), 0);
}

#[test]
fn test_do_network_host_keeps_the_host_network_namespace() {
    let d = Do::start(&["--network=host"]);
    let sentry = d.sentry().to_string();
    assert_eq!(ns(&sentry, "net"), ns("self", "net"));
    assert_ne!(ns(&sentry, "mnt"), ns("self", "mnt"));
    assert_eq!(d.finish(), 0);
}

#[test]
fn test_do_killing_the_sentry_ends_its_stubs_and_gofer() {
    let d = Do::start(&[]);
    let p = procs_of(d.sentry());
    let killed = Command::new("kill")
        .args(["-KILL", &p.sentry.to_string()])
        .status()
        .expect("run kill(1)");
    assert!(killed.success());
    let mut running = d.running;
    let status = running.0.wait().expect("wait for runsc do");
    assert_eq!(status.code(), Some(137), "runsc do reports the SIGKILL");
    for pid in [p.stub, p.gofer] {
        wait_for(&format!("process {pid} to end"), || {
            (!Path::new(&format!("/proc/{pid}")).exists()).then_some(())
        });
    }
}

#[test]
fn test_do_killing_runsc_do_ends_the_sandbox() {
    let d = Do::start(&[]);
    let p = procs_of(d.sentry());
    let mut running = d.running;
    running.0.kill().expect("kill runsc do");
    let _ = running.0.wait();
    for pid in [p.sentry, p.stub, p.gofer] {
        wait_for(&format!("process {pid} to end"), || {
            (!Path::new(&format!("/proc/{pid}")).exists()).then_some(())
        });
    }
}

/// A busybox bundle and a state root under the temp directory.
struct Bundle {
    dir: PathBuf,
}

impl Bundle {
    fn new(tag: &str, args: &[&str]) -> Bundle {
        let dir = std::env::temp_dir().join(format!("runsc-confine-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let bin = dir.join("bundle/rootfs/bin");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::create_dir_all(dir.join("root")).unwrap();
        std::fs::copy(BUSYBOX, bin.join("busybox")).unwrap_or_else(|e| {
            panic!("{BUSYBOX}: {e}; install it with `apt-get install busybox-static`")
        });
        let b = Bundle { dir };
        let out = b.runsc_in(&b.dir.join("bundle"), &["spec"]);
        assert_eq!(out.status, 0, "spec: {}", out.stderr_text());
        b.edit(|c| {
            c["process"]["args"] = args.iter().map(|a| Value::from(*a)).collect();
            c["process"]["terminal"] = Value::Bool(false);
        });
        b
    }

    fn edit(&self, f: impl FnOnce(&mut Value)) {
        let path = self.dir.join("bundle/config.json");
        let mut c: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        f(&mut c);
        std::fs::write(&path, serde_json::to_vec_pretty(&c).unwrap()).unwrap();
    }

    fn runsc_in(&self, cwd: &Path, args: &[&str]) -> tests::Outcome {
        let mut cmd = runtime().command(&["--root"]);
        cmd.arg(self.dir.join("root")).args(args).current_dir(cwd);
        run(cmd, Input::Null)
    }

    fn runsc(&self, args: &[&str]) -> tests::Outcome {
        self.runsc_in(&self.dir, args)
    }

    /// `create` with the container's stdio in files; returns the sandbox pid.
    fn create(&self, id: &str) -> u32 {
        let out = std::fs::File::create(self.dir.join("out")).unwrap();
        let pid_file = self.dir.join("pid");
        let mut cmd = runtime().command(&["--root"]);
        cmd.arg(self.dir.join("root"))
            .args(["create", "--bundle"])
            .arg(self.dir.join("bundle"))
            .arg("--pid-file")
            .arg(&pid_file)
            .arg(id)
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out);
        let status = cmd.status().expect("run create");
        assert!(
            status.success(),
            "create: {}",
            std::fs::read_to_string(self.dir.join("out")).unwrap_or_default()
        );
        std::fs::read_to_string(pid_file)
            .expect("pid file")
            .trim()
            .parse()
            .expect("a pid")
    }
}

impl Drop for Bundle {
    fn drop(&mut self) {
        let _ = self.runsc(&["delete", "--force", "c1"]);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn test_oci_sandbox_stubs_and_gofer_are_confined_and_ps_lists_host_pids() {
    let b = Bundle::new("oci", &["/bin/busybox", "sleep", "100"]);
    let sandbox = b.create("c1");
    // Before start: already confined (the first task is built).
    assert_eq!(status_field(sandbox, "Seccomp"), "2");
    assert_eq!(b.runsc(&["start", "c1"]).status, 0);
    let p = procs_of(sandbox);
    assert_sentry_and_stub_confined(&p);
    assert_gofer_confined(&p);
    // ps reports host pids (the sentry knows its stubs by the pids of
    // its own namespace).
    let out = b.runsc(&["ps", "--format", "json", "c1"]);
    assert_eq!(out.status, 0, "ps: {}", out.stderr_text());
    let pids: Vec<u32> = serde_json::from_slice(&out.stdout).expect("ps json");
    assert_eq!(pids, [p.stub], "ps lists the stub's host pid");
    assert_eq!(b.runsc(&["kill", "c1", "KILL"]).status, 0);
}

#[test]
fn test_oci_spec_network_namespace_path_is_joined() {
    // A network namespace held by a sleeping process.
    let mut holder = Running(
        Command::new("unshare")
            .args(["--net", "sleep", "60"])
            .spawn()
            .expect("unshare (util-linux) runs"),
    );
    let hpid = holder.0.id().to_string();
    let held = wait_for("unshare's network namespace", || {
        let n = ns(&hpid, "net");
        (n != ns("self", "net")).then_some(n)
    });
    let b = Bundle::new("netns", &["/bin/busybox", "sleep", "100"]);
    let path = format!("/proc/{hpid}/ns/net");
    b.edit(|c| {
        c["linux"]["namespaces"] = serde_json::json!([
            {"type": "pid"}, {"type": "mount"}, {"type": "network", "path": path}
        ]);
    });
    let sandbox = b.create("c1").to_string();
    assert_eq!(ns(&sandbox, "net"), held, "the sandbox did not join {path}");
    assert_ne!(ns(&sandbox, "mnt"), ns("self", "mnt"));
    let _ = holder.0.kill();
}

#[test]
fn test_big_directory_listings_from_threads_match_native() {
    // Freeing big listings once made glibc malloc read a /proc file in a
    // sentry thread (sentry::before_confinement): a kill under the filter.
    let prog = c_program("listdir");
    let native = run_native(&prog, &[], Input::Null);
    assert_eq!(native.status, 0, "native: {}", native.stderr_text());
    assert_eq!(
        native.stdout_text(),
        "entries per listing: 1002, listings: 100\n"
    );
    let sandboxed = run_sandboxed(&prog, &[], Input::Null);
    assert_eq!(
        sandboxed.status,
        0,
        "sandboxed: {}",
        sandboxed.stderr_text()
    );
    assert_eq!(sandboxed.stdout_text(), native.stdout_text());
}
