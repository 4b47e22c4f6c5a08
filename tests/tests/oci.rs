//! The OCI lifecycle by hand, as a shim or a person drives it: `spec`,
//! `create`, `state`, `start`, `kill`, `wait`, `ps`, `list`, `delete` and
//! `run` on a bundle whose root is busybox-static, with a private `--root`.
//!
//! Each test builds its own bundle and state root under the system temp
//! directory (a name unique to the test and this process), so a leftover
//! process can be found by that name in /proc/*/cmdline: the sandbox, its
//! gofer and its stubs all carry it.

use serde_json::Value;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tests::{run, runtime, Input, Outcome, TIMEOUT};

const BUSYBOX: &str = "/bin/busybox";

/// Applets the bundles link to busybox.
const APPLETS: &[&str] = &[
    "sh", "echo", "sleep", "true", "false", "cat", "ls", "id", "pwd", "mkdir", "hostname", "grep",
    "touch", "stat", "head", "wc", "rm", "df", "cp", "mknod", "chown",
];

/// A bundle and a state root of one test; removed (with any container
/// left in it) on drop.
struct Env {
    dir: PathBuf,
    root: PathBuf,
}

impl Env {
    /// A fresh directory with `bundle/rootfs` (busybox) and `root/`, and
    /// `bundle/config.json` from `runsc spec` with `args` as process.args.
    fn new(name: &str, args: &[&str]) -> Env {
        let dir = std::env::temp_dir().join(format!("runsc-oci-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let bin = dir.join("bundle/rootfs/bin");
        std::fs::create_dir_all(&bin).unwrap_or_else(|e| panic!("{}: {e}", bin.display()));
        std::fs::create_dir_all(dir.join("root")).unwrap_or_else(|e| panic!("{e}"));
        std::fs::copy(BUSYBOX, bin.join("busybox")).unwrap_or_else(|e| {
            panic!("{BUSYBOX}: {e}; install it with `apt-get install busybox-static`")
        });
        for a in APPLETS {
            std::os::unix::fs::symlink("busybox", bin.join(a)).unwrap_or_else(|e| panic!("{e}"));
        }
        let env = Env {
            root: dir.join("root"),
            dir,
        };
        let out = env.runsc_in(&env.bundle(), &["spec"]);
        assert_eq!(out.status, 0, "spec failed: {}", out.stderr_text());
        env.edit_config(|c| {
            c["process"]["args"] = args.iter().map(|a| Value::from(*a)).collect();
            c["process"]["terminal"] = Value::Bool(false);
            c["annotations"] = serde_json::json!({"test.name": name});
        });
        env
    }

    fn bundle(&self) -> PathBuf {
        self.dir.join("bundle")
    }

    fn root(&self) -> PathBuf {
        self.root.clone()
    }

    fn config(&self) -> Value {
        let text = std::fs::read(self.bundle().join("config.json")).expect("config.json");
        serde_json::from_slice(&text).expect("config.json is JSON")
    }

    fn edit_config(&self, f: impl FnOnce(&mut Value)) {
        let mut c = self.config();
        f(&mut c);
        std::fs::write(
            self.bundle().join("config.json"),
            serde_json::to_vec_pretty(&c).expect("JSON"),
        )
        .expect("write config.json");
    }

    /// `runsc --root ROOT ARGS` in `cwd`, output captured.
    fn runsc_in(&self, cwd: &Path, args: &[&str]) -> Outcome {
        let mut cmd = runtime().command(&["--root"]);
        cmd.arg(self.root()).args(args).current_dir(cwd);
        run(cmd, Input::Null)
    }

    /// `runsc --root ROOT ARGS`, output captured.
    fn runsc(&self, args: &[&str]) -> Outcome {
        self.runsc_in(&self.dir, args)
    }

    /// `runsc --root ROOT ARGS` with `input` on stdin, output captured.
    fn runsc_input(&self, args: &[&str], input: Input) -> Outcome {
        let mut cmd = runtime().command(&["--root"]);
        cmd.arg(self.root()).args(args).current_dir(&self.dir);
        run(cmd, input)
    }

    /// `create` and `start`, which must succeed.
    fn start(&self, id: &str) {
        self.create(id);
        let out = self.runsc(&["start", id]);
        assert_eq!(out.status, 0, "start {id}: {}", out.stderr_text());
    }

    /// Makes directory `rel` in the bundle's rootfs.
    fn rootfs_dir(&self, rel: &str) {
        let d = self.bundle().join("rootfs").join(rel);
        std::fs::create_dir_all(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display()));
    }

    /// A command whose stdio the sandbox inherits (create, run): stdout
    /// and stderr go to files `<tag>.out` and `<tag>.err`, which the guest
    /// writes to as well, so nobody waits for a pipe to close.
    fn runsc_detached(&self, tag: &str, args: &[&str]) -> (i32, String) {
        let out = File::create(self.dir.join(format!("{tag}.out"))).expect("out file");
        let err_path = self.dir.join(format!("{tag}.err"));
        let err = File::create(&err_path).expect("err file");
        let mut cmd = runtime().command(&["--root"]);
        cmd.arg(self.root())
            .args(args)
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err);
        let desc = format!("{cmd:?}");
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {desc}: {e}"));
        let deadline = Instant::now() + TIMEOUT;
        let status = loop {
            match child.try_wait() {
                Ok(Some(s)) => break s,
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(5))
                }
                _ => {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!("{desc} did not finish within {TIMEOUT:?}");
                }
            }
        };
        use std::os::unix::process::ExitStatusExt;
        let code = status
            .code()
            .or_else(|| status.signal().map(|s| 128 + s))
            .unwrap_or(-1);
        (code, std::fs::read_to_string(err_path).unwrap_or_default())
    }

    /// What the guest (and the runtime) wrote to `<tag>.out`.
    fn output(&self, tag: &str) -> String {
        std::fs::read_to_string(self.dir.join(format!("{tag}.out"))).unwrap_or_default()
    }

    /// `create --bundle B --pid-file P ID`, which must succeed.
    fn create(&self, id: &str) {
        let pid_file = self.dir.join(format!("{id}.pid"));
        let b = self.bundle();
        let (code, err) = self.runsc_detached(
            id,
            &[
                "create",
                "--bundle",
                path(&b),
                "--pid-file",
                path(&pid_file),
                id,
            ],
        );
        assert_eq!(code, 0, "create {id} failed: {err}");
    }

    /// `state ID` as JSON.
    fn state(&self, id: &str) -> Value {
        let out = self.runsc(&["state", id]);
        assert_eq!(out.status, 0, "state {id} failed: {}", out.stderr_text());
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("state {id} is not JSON ({e}): {}", out.stdout_text()))
    }

    fn status(&self, id: &str) -> String {
        self.state(id)["status"].as_str().unwrap_or("").to_string()
    }

    /// `wait ID`: its exit code and the exitStatus it printed.
    fn wait(&self, id: &str) -> (i32, i64) {
        let out = self.runsc(&["wait", id]);
        let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "wait {id} printed no JSON ({e}): {} {}",
                out.stdout_text(),
                out.stderr_text()
            )
        });
        (out.status, v["exitStatus"].as_i64().unwrap_or(i64::MIN))
    }

    /// Pids whose command line mentions this test's directory: sandboxes,
    /// gofers and stubs of its containers.
    fn processes(&self) -> Vec<i32> {
        let needle = self.dir.to_string_lossy().into_owned();
        let me = std::process::id() as i32;
        std::fs::read_dir("/proc")
            .map(|rd| {
                rd.flatten()
                    .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
                    .filter(|&pid| pid != me)
                    .filter(|pid| {
                        std::fs::read(format!("/proc/{pid}/cmdline"))
                            .is_ok_and(|c| String::from_utf8_lossy(&c).contains(&needle))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Asserts that no process of this test is left, waiting a little for
    /// ones that are dying.
    fn assert_no_processes(&self, when: &str) {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let left = self.processes();
            if left.is_empty() {
                return;
            }
            if Instant::now() > deadline {
                let cmds: Vec<String> = left
                    .iter()
                    .map(|p| {
                        let c = std::fs::read(format!("/proc/{p}/cmdline")).unwrap_or_default();
                        format!("{p}: {}", String::from_utf8_lossy(&c).replace('\0', " "))
                    })
                    .collect();
                panic!("{when}: processes left behind:\n{}", cmds.join("\n"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The ids in the state root.
    fn state_dirs(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(self.root())
            .map(|rd| {
                rd.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        for id in self.state_dirs() {
            let _ = self.runsc(&["delete", "--force", &id]);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn path(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// Asserts a failed command: non-zero, exactly one line on stderr that
/// contains every one of `names`.
fn assert_one_line_error(what: &str, out: &Outcome, names: &[&str]) {
    assert_ne!(out.status, 0, "{what} succeeded: {}", out.stdout_text());
    let err = out.stderr_text();
    assert_eq!(err.lines().count(), 1, "{what}: not one line:\n{err}");
    for n in names {
        assert!(err.contains(n), "{what}: {n:?} not in {err:?}");
    }
}

#[test]
fn test_oci_create_start_wait_delete_reports_each_state() {
    let env = Env::new(
        "lifecycle",
        &["sh", "-c", "echo hello from the guest; exit 3"],
    );
    env.create("c1");
    let pid_file: i64 = std::fs::read_to_string(env.dir.join("c1.pid"))
        .expect("pid file written")
        .trim()
        .parse()
        .expect("pid file holds a number");
    let st = env.state("c1");
    assert_eq!(st["status"], "created", "{st}");
    assert_eq!(st["id"], "c1");
    assert_eq!(st["pid"].as_i64(), Some(pid_file), "state pid vs pid file");
    assert!(
        Path::new(&format!("/proc/{pid_file}")).exists(),
        "sandbox {pid_file} not running"
    );
    assert_eq!(st["bundle"], path(&env.bundle()));
    assert_eq!(st["rootfs"], path(&env.bundle().join("rootfs")));
    assert_eq!(st["annotations"]["test.name"], "lifecycle");
    assert!(st["ociVersion"]
        .as_str()
        .is_some_and(|v| v.starts_with("1.")));
    assert!(st["created"]
        .as_str()
        .is_some_and(|c| c.ends_with('Z') && c.contains('T')));
    assert!(st["owner"].is_string(), "{st}");

    let list = env.runsc(&["list", "--format", "json"]);
    assert_eq!(list.status, 0, "{}", list.stderr_text());
    let list: Value = serde_json::from_slice(&list.stdout).expect("list json");
    let entry = list
        .as_array()
        .and_then(|a| a.iter().find(|e| e["id"] == "c1"))
        .unwrap_or_else(|| panic!("c1 not listed: {list}"));
    assert_eq!(entry["status"], "created");
    assert_eq!(entry["pid"].as_i64(), Some(pid_file));
    assert_eq!(env.runsc(&["list", "-q"]).stdout_text(), "c1\n");
    let text = env.runsc(&["list"]).stdout_text();
    assert!(
        text.lines()
            .nth(1)
            .is_some_and(|l| l.starts_with("c1 ") && l.contains("created")),
        "{text}"
    );
    // The guest has not run yet.
    assert_eq!(env.output("c1"), "");

    let out = env.runsc(&["start", "c1"]);
    assert_eq!(out.status, 0, "start: {}", out.stderr_text());
    assert_eq!(env.wait("c1"), (3, 3));
    assert_eq!(env.status("c1"), "stopped");
    assert_eq!(env.output("c1"), "hello from the guest\n");
    // Starting again is refused.
    assert_one_line_error(
        "start of a stopped container",
        &env.runsc(&["start", "c1"]),
        &["c1", "stopped"],
    );

    let out = env.runsc(&["delete", "c1"]);
    assert_eq!(out.status, 0, "delete: {}", out.stderr_text());
    assert!(env.state_dirs().is_empty(), "{:?}", env.state_dirs());
    assert_eq!(env.runsc(&["list", "-q"]).stdout_text(), "");
    env.assert_no_processes("after delete");
}

#[test]
fn test_oci_run_exits_with_guest_status_and_removes_container() {
    let env = Env::new("run", &["sh", "-c", "echo ran; exit 3"]);
    let b = env.bundle();
    let (code, err) = env.runsc_detached("r", &["run", "--bundle", path(&b), "r1"]);
    assert_eq!(code, 3, "run: {err}");
    assert_eq!(env.output("r"), "ran\n");
    assert!(env.state_dirs().is_empty(), "{:?}", env.state_dirs());
    env.assert_no_processes("after run");
}

#[test]
fn test_oci_run_detach_then_wait() {
    let env = Env::new("detach", &["sh", "-c", "sleep 0.2; exit 5"]);
    let b = env.bundle();
    let pid = env.dir.join("d.pid");
    let (code, err) = env.runsc_detached(
        "d",
        &[
            "run",
            "--detach",
            "--pid-file",
            path(&pid),
            "--bundle",
            path(&b),
            "d1",
        ],
    );
    assert_eq!(code, 0, "run --detach: {err}");
    assert!(pid.is_file(), "no pid file");
    assert_eq!(env.wait("d1"), (5, 5));
    assert_eq!(env.status("d1"), "stopped");
}

#[test]
fn test_oci_kill_by_name_and_number_ends_guest_with_that_signal() {
    let env = Env::new("kill", &["sleep", "100"]);
    for (id, sig, want) in [
        ("k1", "TERM", 143),
        ("k2", "SIGKILL", 137),
        ("k3", "9", 137),
        ("k4", "15", 143),
    ] {
        env.create(id);
        assert_eq!(env.runsc(&["start", id]).status, 0);
        assert_eq!(env.status(id), "running");
        let out = env.runsc(&["kill", id, sig]);
        assert_eq!(out.status, 0, "kill {id} {sig}: {}", out.stderr_text());
        assert_eq!(env.wait(id), (want, want as i64), "kill {sig}");
        assert_eq!(env.status(id), "stopped");
        // A stopped container cannot be signalled.
        assert_one_line_error(
            "kill of a stopped container",
            &env.runsc(&["kill", id, "KILL"]),
            &[id, "stopped"],
        );
    }
}

#[test]
fn test_oci_kill_default_is_sigterm_and_reaches_a_handler() {
    let env = Env::new(
        "trap",
        &[
            "sh",
            "-c",
            "trap 'echo got TERM; exit 7' TERM; echo ready; while true; do sleep 0.05; done",
        ],
    );
    env.create("t1");
    assert_eq!(env.runsc(&["start", "t1"]).status, 0);
    let deadline = Instant::now() + Duration::from_secs(30);
    while !env.output("t1").contains("ready") {
        assert!(Instant::now() < deadline, "guest never printed ready");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(env.runsc(&["kill", "t1"]).status, 0);
    assert_eq!(env.wait("t1"), (7, 7));
    assert_eq!(env.output("t1"), "ready\ngot TERM\n");
}

#[test]
fn test_oci_kill_in_created_state_stops_it() {
    let env = Env::new("killcreated", &["sh", "-c", "echo should not run"]);
    env.create("kc");
    assert_eq!(env.runsc(&["kill", "kc", "KILL"]).status, 0);
    assert_eq!(env.wait("kc"), (137, 137));
    assert_eq!(env.status("kc"), "stopped");
    assert_eq!(env.output("kc"), "");
    assert_eq!(env.runsc(&["delete", "kc"]).status, 0);
    env.assert_no_processes("after delete");
}

#[test]
fn test_oci_kill_all_and_ps_list_host_pids() {
    let env = Env::new(
        "ps",
        &["sh", "-c", "sleep 100 & sleep 100; echo not reached"],
    );
    env.create("p1");
    assert_eq!(env.runsc(&["start", "p1"]).status, 0);
    // Until the shell has forked the background sleep.
    let deadline = Instant::now() + Duration::from_secs(30);
    let pids = loop {
        let out = env.runsc(&["ps", "--format", "json", "p1"]);
        assert_eq!(out.status, 0, "ps: {}", out.stderr_text());
        let v: Value = serde_json::from_slice(&out.stdout).expect("ps json");
        let pids: Vec<i64> = v
            .as_array()
            .expect("ps json is an array")
            .iter()
            .map(|p| p.as_i64().expect("ps json holds pids"))
            .collect();
        if pids.len() >= 3 || Instant::now() > deadline {
            break pids;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    // sh and its two sleeps.
    assert_eq!(pids.len(), 3, "{pids:?}");
    // Let the last child finish its exec (a new stub) and look again.
    std::thread::sleep(Duration::from_millis(300));
    let out = env.runsc(&["ps", "--format", "json", "p1"]);
    let pids: Vec<i64> = serde_json::from_slice::<Vec<i64>>(&out.stdout).expect("ps json");
    assert_eq!(pids.len(), 3, "{pids:?}");
    let sandbox = env.state("p1")["pid"].as_i64().expect("pid");
    for p in &pids {
        assert!(
            Path::new(&format!("/proc/{p}")).exists(),
            "host pid {p} does not exist"
        );
        assert_ne!(*p, sandbox, "ps lists the sandbox itself");
    }
    let table = env.runsc(&["ps", "p1"]).stdout_text();
    assert_eq!(table.lines().count(), pids.len() + 1, "{table}");
    assert_eq!(env.runsc(&["kill", "--all", "p1", "KILL"]).status, 0);
    assert_eq!(env.wait("p1"), (137, 137));
    assert_eq!(env.output("p1"), "");
    assert_eq!(env.runsc(&["delete", "p1"]).status, 0);
    env.assert_no_processes("after delete");
}

#[test]
fn test_oci_options_after_id_and_runc_only_flags_are_accepted() {
    let env = Env::new("flags", &["true"]);
    let b = env.bundle();
    let pid = env.dir.join("f.pid");
    let (code, err) = env.runsc_detached(
        "f",
        &[
            "create",
            "f1",
            "--bundle",
            path(&b),
            "--no-pivot",
            "--no-new-keyring",
            "--preserve-fds",
            "0",
            "--pidfd-socket",
            "/nonexistent",
            "--pid-file",
            path(&pid),
        ],
    );
    assert_eq!(code, 0, "create with options after the id: {err}");
    assert!(pid.is_file());
    let out = env.runsc(&["--criu", "/bin/false", "start", "f1"]);
    assert_eq!(out.status, 0, "{}", out.stderr_text());
    assert_eq!(env.wait("f1"), (0, 0));
    assert_eq!(env.runsc(&["delete", "f1", "--force"]).status, 0);
    assert!(env.state_dirs().is_empty());
}

#[test]
fn test_oci_delete_force_of_unknown_id_exits_0() {
    let env = Env::new("delunknown", &["true"]);
    let out = env.runsc(&["delete", "--force", "nosuch"]);
    assert_eq!(out.status, 0, "{}", out.stderr_text());
    assert_one_line_error(
        "delete of an unknown id",
        &env.runsc(&["delete", "nosuch"]),
        &["nosuch"],
    );
}

#[test]
fn test_oci_sigkill_of_sandbox_reads_stopped_and_delete_cleans_up() {
    let env = Env::new("sandboxkill", &["sleep", "100"]);
    env.create("s1");
    assert_eq!(env.runsc(&["start", "s1"]).status, 0);
    let pid = env.state("s1")["pid"].as_i64().expect("pid") as i32;
    assert!(!env.processes().is_empty());
    let killed = Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .expect("run kill(1)");
    assert!(killed.success(), "kill -KILL {pid} failed");
    let deadline = Instant::now() + Duration::from_secs(10);
    while env.status("s1") != "stopped" {
        assert!(Instant::now() < deadline, "still {}", env.status("s1"));
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(env.state("s1")["pid"], 0);
    let out = env.runsc(&["delete", "s1"]);
    assert_eq!(out.status, 0, "{}", out.stderr_text());
    assert!(env.state_dirs().is_empty());
    env.assert_no_processes("after SIGKILL and delete");
}

#[test]
fn test_oci_running_container_refuses_delete_without_force() {
    let env = Env::new("delrunning", &["sleep", "100"]);
    env.create("r1");
    assert_eq!(env.runsc(&["start", "r1"]).status, 0);
    assert_one_line_error(
        "delete of a running container",
        &env.runsc(&["delete", "r1"]),
        &["r1", "running", "--force"],
    );
    assert_one_line_error(
        "second start",
        &env.runsc(&["start", "r1"]),
        &["r1", "running"],
    );
    assert_eq!(env.runsc(&["delete", "--force", "r1"]).status, 0);
    assert!(env.state_dirs().is_empty());
    env.assert_no_processes("after delete --force");
}

/// Runs `create` expecting failure; asserts one line naming `names`, and
/// that neither a state directory nor a process is left.
fn assert_create_fails(env: &Env, id: &str, names: &[&str]) {
    let b = env.bundle();
    let out = env.runsc(&["create", "--bundle", path(&b), id]);
    assert_one_line_error(&format!("create {id}"), &out, names);
    assert!(
        !env.state_dirs().contains(&id.to_string()),
        "state directory of {id} left: {:?}",
        env.state_dirs()
    );
    env.assert_no_processes(&format!("after the failed create {id}"));
}

#[test]
fn test_oci_bad_config_json_is_one_line_and_leaves_nothing() {
    let env = Env::new("badjson", &["true"]);
    std::fs::write(env.bundle().join("config.json"), "{\"process\": ").expect("write");
    assert_create_fails(&env, "b1", &["config.json", "runsc spec"]);
}

#[test]
fn test_oci_missing_rootfs_is_one_line_and_leaves_nothing() {
    let env = Env::new("norootfs", &["true"]);
    env.edit_config(|c| c["root"]["path"] = Value::from("nothere"));
    assert_create_fails(&env, "b2", &["nothere", "root.path"]);
}

#[test]
fn test_oci_args_naming_no_executable_is_one_line_and_leaves_nothing() {
    let env = Env::new("noexe", &["/bin/no-such-program"]);
    assert_create_fails(&env, "b3", &["/bin/no-such-program", "process.args"]);
    env.edit_config(|c| c["process"]["args"] = serde_json::json!([]));
    assert_create_fails(&env, "b4", &["process.args"]);
}

#[test]
fn test_oci_duplicate_id_is_refused_and_the_first_survives() {
    let env = Env::new("dup", &["sleep", "100"]);
    env.create("d1");
    let b = env.bundle();
    let out = env.runsc(&["create", "--bundle", path(&b), "d1"]);
    assert_one_line_error("duplicate create", &out, &["d1", "exists"]);
    assert_eq!(env.status("d1"), "created");
    assert_eq!(env.runsc(&["delete", "d1"]).status, 0);
    env.assert_no_processes("after delete");
}

#[test]
fn test_oci_unknown_id_is_one_line_for_each_command() {
    let env = Env::new("unknown", &["true"]);
    for args in [
        &["state", "ghost"][..],
        &["start", "ghost"],
        &["kill", "ghost", "KILL"],
        &["wait", "ghost"],
        &["ps", "ghost"],
    ] {
        assert_one_line_error(&args.join(" "), &env.runsc(args), &["ghost"]);
    }
    assert_one_line_error(
        "bad signal",
        &env.runsc(&["kill", "ghost", "NOPE"]),
        &["NOPE"],
    );
    assert_one_line_error("bad id", &env.runsc(&["state", "../x"]), &["../x"]);
    assert!(env.state_dirs().is_empty());
}

#[test]
fn test_oci_spec_features_and_version() {
    let env = Env::new("spec", &["true"]);
    // spec refuses to overwrite.
    let out = env.runsc_in(&env.bundle(), &["spec"]);
    assert_one_line_error("spec over an existing config.json", &out, &["config.json"]);
    // --bundle writes elsewhere, with runc's defaults.
    let other = env.dir.join("other");
    std::fs::create_dir_all(&other).expect("mkdir");
    assert_eq!(env.runsc(&["spec", "--bundle", path(&other)]).status, 0);
    let c: Value =
        serde_json::from_slice(&std::fs::read(other.join("config.json")).expect("written"))
            .expect("JSON");
    assert_eq!(c["process"]["args"], serde_json::json!(["sh"]));
    assert_eq!(c["root"]["path"], "rootfs");
    assert!(c["ociVersion"]
        .as_str()
        .is_some_and(|v| v.starts_with("1.")));

    let f = env.runsc(&["features"]);
    assert_eq!(f.status, 0);
    let f: Value = serde_json::from_slice(&f.stdout).expect("features JSON");
    assert!(
        f["ociVersionMin"].is_string() && f["ociVersionMax"].is_string(),
        "{f}"
    );
    assert!(f["linux"]["namespaces"].is_array(), "{f}");

    let v = env.runsc(&["--version"]);
    assert_eq!(v.status, 0);
    let text = v.stdout_text();
    assert!(text.starts_with("runsc version "), "{text}");
    assert!(text.lines().any(|l| l.starts_with("spec: 1.")), "{text}");
}

#[test]
fn test_oci_run_forwards_sigterm_to_the_guest() {
    let env = Env::new(
        "forward",
        &[
            "sh",
            "-c",
            "trap 'echo got TERM; exit 7' TERM; echo ready; while true; do sleep 0.05; done",
        ],
    );
    let b = env.bundle();
    let out = File::create(env.dir.join("fw.out")).expect("out file");
    let mut child = runtime()
        .command(&["--root"])
        .arg(env.root())
        .args(["run", "--bundle", path(&b), "fw1"])
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(Stdio::null())
        .spawn()
        .expect("start runsc run");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !env.output("fw").contains("ready") {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("guest never printed ready");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let sent = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("run kill(1)");
    assert!(sent.success());
    // The guest's handler decides the status (7); were `run` itself
    // killed, it would be 143.
    let status = child.wait().expect("wait for runsc run");
    assert_eq!(status.code(), Some(7), "{status:?}");
    assert_eq!(env.output("fw"), "ready\ngot TERM\n");
    assert!(env.state_dirs().is_empty(), "{:?}", env.state_dirs());
}

/// Receives one fd on a unix socket and prints what can be read from it
/// (python3's socket.recv_fds; the test crate has no libc binding).
const CONSOLE_RECEIVER: &str = r#"
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(1)
print("listening", flush=True)
c, _ = s.accept()
msg, fds, _, _ = socket.recv_fds(c, 1024, 1)
out = b""
while True:
    try:
        b = os.read(fds[0], 4096)
    except OSError:
        break
    if not b:
        break
    out += b
sys.stdout.write("fds=%d\n" % len(fds))
sys.stdout.write(out.decode())
"#;

#[test]
fn test_oci_console_socket_gets_a_pty_the_guest_writes_to() {
    let env = Env::new("console", &["sh", "-c", "echo on the terminal; exit 4"]);
    let sock = env.dir.join("console.sock");
    let mut recv = Command::new("python3")
        .args(["-c", CONSOLE_RECEIVER, path(&sock)])
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 is needed for this test");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !sock.exists() {
        assert!(Instant::now() < deadline, "receiver never listened");
        std::thread::sleep(Duration::from_millis(10));
    }
    let b = env.bundle();
    let (code, err) = env.runsc_detached(
        "con",
        &[
            "run",
            "--console-socket",
            path(&sock),
            "--bundle",
            path(&b),
            "con1",
        ],
    );
    assert_eq!(code, 4, "run: {err}");
    // Nothing went to run's own stdout: the guest's stdio is the pty.
    assert_eq!(env.output("con"), "");
    let mut text = String::new();
    use std::io::Read;
    recv.stdout
        .take()
        .expect("piped")
        .read_to_string(&mut text)
        .expect("read receiver");
    let _ = recv.wait();
    assert_eq!(text, "listening\nfds=1\non the terminal\r\n");
}

#[test]
fn test_oci_sigkill_of_gofer_stops_container_and_delete_cleans_up() {
    let env = Env::new("goferkill", &["sleep", "100"]);
    env.create("g1");
    assert_eq!(env.runsc(&["start", "g1"]).status, 0);
    let gofer: Vec<i32> = env
        .processes()
        .into_iter()
        .filter(|p| {
            std::fs::read(format!("/proc/{p}/cmdline"))
                .is_ok_and(|c| c.split(|&b| b == 0).any(|a| a == b"gofer"))
        })
        .collect();
    assert_eq!(gofer.len(), 1, "gofer processes: {gofer:?}");
    let killed = Command::new("kill")
        .args(["-KILL", &gofer[0].to_string()])
        .status()
        .expect("run kill(1)");
    assert!(killed.success());
    assert_eq!(env.wait("g1"), (137, 137));
    assert_eq!(env.status("g1"), "stopped");
    assert_eq!(env.runsc(&["delete", "g1"]).status, 0);
    assert!(env.state_dirs().is_empty());
    env.assert_no_processes("after the gofer was killed and delete");
}

#[test]
fn test_oci_state_root_too_long_for_a_socket_address_works() {
    let mut env = Env::new("longroot", &["sh", "-c", "exit 6"]);
    // sun_path holds 108 bytes; this root alone is longer.
    env.root = env.dir.join("r".repeat(60)).join("s".repeat(60));
    env.create("l1");
    assert_eq!(env.status("l1"), "created");
    let out = env.runsc(&["start", "l1"]);
    assert_eq!(out.status, 0, "start: {}", out.stderr_text());
    assert_eq!(env.wait("l1"), (6, 6));
    assert_eq!(env.runsc(&["delete", "l1"]).status, 0);
    assert!(env.state_dirs().is_empty());
}

#[test]
fn test_oci_state_directory_is_private() {
    let env = Env::new("private", &["true"]);
    env.create("p1");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(env.root().join("p1"))
        .expect("state directory")
        .permissions()
        .mode();
    assert_eq!(mode & 0o077, 0, "state directory mode {mode:o}");
    let out = env.runsc(&["kill", "p1", "KILL"]);
    assert_eq!(out.status, 0, "{}", out.stderr_text());
}

#[test]
fn test_oci_log_format_json_writes_only_json_lines_with_the_error() {
    let env = Env::new("logjson", &["/bin/no-such-program"]);
    let log = env.dir.join("log.json");
    let b = env.bundle();
    let mut cmd = runtime().command(&["--root"]);
    cmd.arg(env.root())
        .args(["--log", path(&log), "--log-format", "json", "--debug"])
        .args(["create", "--no-pivot", "--bundle", path(&b), "j1"]);
    let out = run(cmd, Input::Null);
    assert_ne!(out.status, 0);
    let text = std::fs::read_to_string(&log).expect("log written");
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let err = lines
        .iter()
        .find(|l| l["level"] == "error")
        .unwrap_or_else(|| panic!("no error line in:\n{text}"));
    assert!(
        err["msg"]
            .as_str()
            .is_some_and(|m| m.contains("/bin/no-such-program")),
        "{err}"
    );
    assert!(
        lines.iter().any(|l| l["level"] == "debug"),
        "no debug line for --no-pivot:\n{text}"
    );
    assert!(env.state_dirs().is_empty());
}

/// `exec ID ARGS` until it exits 0 (the guest may not be ready yet);
/// returns its output.
fn exec_until_ok(env: &Env, id: &str, args: &[&str]) -> Outcome {
    let mut full = vec!["exec", id];
    full.extend_from_slice(args);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let out = env.runsc(&full);
        if out.status == 0 || Instant::now() > deadline {
            return out;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn test_oci_exec_prints_output_and_propagates_exit_status() {
    let env = Env::new("exec", &["sleep", "100"]);
    env.start("e1");
    let out = env.runsc(&["exec", "e1", "echo", "hello", "from", "exec"]);
    assert_eq!(out.status, 0, "exec echo: {}", out.stderr_text());
    assert_eq!(out.stdout_text(), "hello from exec\n");
    // Options after the id, and stdin reaches the process.
    let out = env.runsc_input(
        &["exec", "e1", "--cwd", "/", "cat"],
        Input::File(b"piped in\n"),
    );
    assert_eq!(out.status, 0, "exec cat: {}", out.stderr_text());
    assert_eq!(out.stdout_text(), "piped in\n");
    let out = env.runsc(&["exec", "e1", "sh", "-c", "echo to stderr >&2; exit 7"]);
    assert_eq!(out.status, 7, "{}", out.stderr_text());
    assert_eq!(out.stderr_text(), "to stderr\n");
    // Killed by a signal: 128 + signal, as a shell reports it.
    let out = env.runsc(&["exec", "e1", "sh", "-c", "kill -TERM $$"]);
    assert_eq!(out.status, 143, "{}", out.stderr_text());
    assert_one_line_error(
        "exec of a missing program",
        &env.runsc(&["exec", "e1", "no-such-program"]),
        &["e1", "no-such-program", "no such file"],
    );
    // The container goes on.
    assert_eq!(env.status("e1"), "running");
    assert_eq!(env.runsc(&["kill", "e1", "KILL"]).status, 0);
    assert_eq!(env.wait("e1"), (137, 137));
    assert_eq!(env.runsc(&["delete", "e1"]).status, 0);
    env.assert_no_processes("after delete");
}

#[test]
fn test_oci_exec_shares_the_kernel_and_files_of_init() {
    let env = Env::new(
        "execfs",
        &[
            "sh",
            "-c",
            "echo written by init > /tmp/shared; exec sleep 100",
        ],
    );
    // The root is read-only (runc's default spec): /tmp is a tmpfs.
    env.edit_config(|c| {
        if let Some(m) = c["mounts"].as_array_mut() {
            m.push(serde_json::json!({"destination": "/tmp", "type": "tmpfs", "source": "tmpfs"}));
        }
    });
    env.start("s1");
    let out = exec_until_ok(&env, "s1", &["cat", "/tmp/shared"]);
    assert_eq!(out.status, 0, "exec cat: {}", out.stderr_text());
    assert_eq!(out.stdout_text(), "written by init\n");
    // The other way: init's kernel sees what the exec'd process wrote,
    // and the exec'd process sees init among its processes.
    let out = env.runsc(&[
        "exec",
        "s1",
        "sh",
        "-c",
        "echo back > /tmp/back; cat /proc/1/cmdline; echo; cat /tmp/back",
    ]);
    assert_eq!(out.status, 0, "{}", out.stderr_text());
    assert_eq!(out.stdout_text().replace('\0', " "), "sleep 100 \nback\n");
    assert_eq!(env.runsc(&["kill", "s1", "KILL"]).status, 0);
    assert_eq!(env.wait("s1"), (137, 137));
}

#[test]
fn test_oci_exec_process_json_and_options_set_cwd_env_and_user() {
    let env = Env::new("execproc", &["sleep", "100"]);
    env.rootfs_dir("tmp");
    env.start("p1");
    let script = "pwd; echo $FOO; id -u; id -g; id -G";
    let process = serde_json::json!({
        "args": ["sh", "-c", script],
        "env": ["FOO=from-json", "PATH=/bin"],
        "cwd": "/tmp",
        "user": {"uid": 1000, "gid": 100, "additionalGids": [5]},
        "terminal": false,
    });
    let file = env.dir.join("process.json");
    std::fs::write(&file, process.to_string()).expect("write process.json");
    let out = env.runsc(&["exec", "--process", path(&file), "p1"]);
    assert_eq!(out.status, 0, "exec --process: {}", out.stderr_text());
    assert_eq!(out.stdout_text(), "/tmp\nfrom-json\n1000\n100\n100 5\n");
    let out = env.runsc(&[
        "exec",
        "--cwd",
        "/tmp",
        "--env",
        "FOO=from-flag",
        "--user",
        "1000:100",
        "p1",
        "sh",
        "-c",
        script,
    ]);
    assert_eq!(out.status, 0, "exec with options: {}", out.stderr_text());
    assert_eq!(out.stdout_text(), "/tmp\nfrom-flag\n1000\n100\n100\n");
    // Without options the container's own process is the base: its env
    // (PATH from config.json) and user (root).
    let out = env.runsc(&["exec", "p1", "sh", "-c", "echo $PATH; id -u"]);
    assert_eq!(
        out.stdout_text(),
        "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n0\n"
    );
    assert_one_line_error(
        "exec in a missing working directory",
        &env.runsc(&["exec", "--cwd", "/no-such-dir", "p1", "true"]),
        &["/no-such-dir", "working directory"],
    );
    std::fs::write(&file, "{\"args\": ").expect("write");
    assert_one_line_error(
        "exec with a bad process file",
        &env.runsc(&["exec", "--process", path(&file), "p1"]),
        &["process.json"],
    );
    assert_eq!(env.runsc(&["kill", "p1", "KILL"]).status, 0);
    assert_eq!(env.wait("p1"), (137, 137));
}

/// Runs `runsc exec --detach --pid-file PIDFILE ...` as a child subreaper
/// (python3's ctypes prctl; the test crate has no libc binding), so the
/// waiting child that exec leaves is reparented to it, as to containerd's
/// shim; prints exec's status, optionally sends the waiter SIGTERM, and
/// prints the waiter's exit status.
const SUBREAPER: &str = r#"
import ctypes, os, signal, subprocess, sys, time
PR_SET_CHILD_SUBREAPER = 36
ctypes.CDLL(None).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
mode, pid_file = sys.argv[1], sys.argv[2]
r = subprocess.Popen(sys.argv[3:])
print("exec", r.wait(), flush=True)
pid = int(open(pid_file).read())
print("waiter is exec itself" if pid == r.pid else "waiter is another process", flush=True)
if mode == "term":
    time.sleep(0.3)
    os.kill(pid, signal.SIGTERM)
_, st = os.waitpid(pid, 0)
print("waiter", os.waitstatus_to_exitcode(st), flush=True)
"#;

fn exec_detached(env: &Env, mode: &str, tag: &str, guest: &[&str]) -> String {
    let pid_file = env.dir.join(format!("{tag}.pid"));
    let rt = runtime();
    let mut cmd = Command::new("python3");
    cmd.args(["-c", SUBREAPER, mode, path(&pid_file)])
        .arg(&rt.bin)
        .args(&rt.args)
        .arg("--root")
        .arg(env.root())
        .args(["exec", "--detach", "--pid-file", path(&pid_file), "x1"])
        .args(guest);
    let out = run(cmd, Input::Null);
    assert_eq!(out.status, 0, "python3 is needed: {}", out.stderr_text());
    out.stdout_text()
}

#[test]
fn test_oci_exec_detach_leaves_a_waiter_that_exits_with_the_status() {
    let env = Env::new("execdetach", &["sleep", "100"]);
    env.start("x1");
    let started = Instant::now();
    let text = exec_detached(&env, "wait", "w1", &["sh", "-c", "sleep 0.3; exit 9"]);
    assert_eq!(
        text,
        "exec 0\nwaiter is another process\nwaiter 9\n",
        "{}",
        env.output("x1")
    );
    assert!(started.elapsed() >= Duration::from_millis(300));
    // A signal to the waiter goes to the process (containerd's shim
    // signals the pid in the pid file).
    let text = exec_detached(&env, "term", "w2", &["sleep", "100"]);
    assert_eq!(text, "exec 0\nwaiter is another process\nwaiter 143\n");
    assert_eq!(env.runsc(&["kill", "x1", "KILL"]).status, 0);
    assert_eq!(env.wait("x1"), (137, 137));
    assert_eq!(env.runsc(&["delete", "x1"]).status, 0);
    env.assert_no_processes("after delete");
}

#[test]
fn test_oci_exec_in_a_container_not_running_is_one_line_error() {
    let env = Env::new("execstopped", &["true"]);
    env.create("n1");
    assert_one_line_error(
        "exec in a created container",
        &env.runsc(&["exec", "n1", "true"]),
        &["n1", "not running", "created"],
    );
    assert_eq!(env.runsc(&["start", "n1"]).status, 0);
    assert_eq!(env.wait("n1"), (0, 0));
    assert_one_line_error(
        "exec in a stopped container",
        &env.runsc(&["exec", "n1", "true"]),
        &["n1", "not running", "stopped"],
    );
    assert_one_line_error(
        "exec in an unknown container",
        &env.runsc(&["exec", "nope", "true"]),
        &["nope", "does not exist"],
    );
}

/// Bytes the guest has written to `<tag>.out` so far.
fn output_len(env: &Env, tag: &str) -> u64 {
    std::fs::metadata(env.dir.join(format!("{tag}.out"))).map_or(0, |m| m.len())
}

#[test]
fn test_oci_pause_stops_the_guest_resume_continues_and_kill_ends_it() {
    // A counter that writes as fast as it can.
    let env = Env::new(
        "pause",
        &["sh", "-c", "i=0; while true; do i=$((i+1)); echo $i; done"],
    );
    env.start("z1");
    let deadline = Instant::now() + Duration::from_secs(30);
    while output_len(&env, "z1") == 0 {
        assert!(Instant::now() < deadline, "the counter never wrote");
        std::thread::sleep(Duration::from_millis(10));
    }
    let out = env.runsc(&["pause", "z1"]);
    assert_eq!(out.status, 0, "pause: {}", out.stderr_text());
    assert_eq!(env.status("z1"), "paused");
    let list = env.runsc(&["list"]).stdout_text();
    assert!(list.contains("paused"), "{list}");
    std::thread::sleep(Duration::from_millis(50));
    let a = output_len(&env, "z1");
    std::thread::sleep(Duration::from_millis(300));
    let b = output_len(&env, "z1");
    assert_eq!(a, b, "the counter advanced while paused");
    // Paused: no exec, no second pause, no delete without --force.
    assert_one_line_error(
        "exec in a paused container",
        &env.runsc(&["exec", "z1", "true"]),
        &["z1", "paused"],
    );
    assert_one_line_error("pause twice", &env.runsc(&["pause", "z1"]), &["paused"]);
    assert_ne!(env.runsc(&["delete", "z1"]).status, 0);
    let out = env.runsc(&["resume", "z1"]);
    assert_eq!(out.status, 0, "resume: {}", out.stderr_text());
    assert_eq!(env.status("z1"), "running");
    std::thread::sleep(Duration::from_millis(300));
    assert!(output_len(&env, "z1") > b, "the counter did not go on");
    assert_one_line_error(
        "resume of a running container",
        &env.runsc(&["resume", "z1"]),
        &["running"],
    );
    // SIGKILL ends a paused container.
    assert_eq!(env.runsc(&["pause", "z1"]).status, 0);
    assert_eq!(env.runsc(&["kill", "z1", "KILL"]).status, 0);
    assert_eq!(env.wait("z1"), (137, 137));
    assert_eq!(env.status("z1"), "stopped");
    assert_eq!(env.runsc(&["delete", "z1"]).status, 0);
    env.assert_no_processes("after delete");
}

#[test]
fn test_oci_pause_leaves_blocked_syscalls_to_finish_without_eintr() {
    let env = Env::new(
        "pausesleep",
        &["sh", "-c", "echo start; sleep 0.6; echo slept $?"],
    );
    env.start("q1");
    let deadline = Instant::now() + Duration::from_secs(30);
    while env.output("q1").is_empty() {
        assert!(Instant::now() < deadline, "the guest never started");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(env.runsc(&["pause", "q1"]).status, 0);
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(env.runsc(&["resume", "q1"]).status, 0);
    assert_eq!(env.wait("q1"), (0, 0));
    assert_eq!(env.output("q1"), "start\nslept 0\n");
}

#[test]
fn test_oci_events_stats_and_ps_report_the_guest_processes() {
    let env = Env::new(
        "events",
        &["sh", "-c", "sleep 100 & sleep 100; echo not reached"],
    );
    env.start("v1");
    // Until both sleeps have exec'd (ps shows their command lines; each
    // exec made a new stub, so host pids are final from then on).
    let deadline = Instant::now() + Duration::from_secs(30);
    let table = loop {
        let table = env.runsc(&["ps", "v1"]).stdout_text();
        let sleeps = table.lines().filter(|r| r.ends_with(" sleep 100")).count();
        if sleeps == 2 || Instant::now() > deadline {
            break table;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let out = env.runsc(&["ps", "--format", "json", "v1"]);
    assert_eq!(out.status, 0, "ps: {}", out.stderr_text());
    let pids: Vec<i64> = serde_json::from_slice(&out.stdout).expect("ps json");
    assert_eq!(pids.len(), 3, "{pids:?}");
    let sandbox = env.state("v1")["pid"].as_i64().expect("pid");
    for p in &pids {
        // A real host process: a stub, child of the sandbox process.
        let stat = std::fs::read_to_string(format!("/proc/{p}/stat"))
            .unwrap_or_else(|e| panic!("host pid {p}: {e}"));
        let ppid: i64 = stat[stat.rfind(')').expect("stat") + 2..]
            .split(' ')
            .nth(1)
            .and_then(|v| v.parse().ok())
            .expect("ppid");
        assert_eq!(ppid, sandbox, "host pid {p} is not the sandbox's child");
    }
    let mut lines = table.lines();
    let header: Vec<&str> = lines.next().unwrap_or("").split_whitespace().collect();
    assert_eq!(
        header,
        ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"]
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 3, "{table}");
    assert_eq!(
        rows.iter().filter(|r| r.ends_with(" sleep 100")).count(),
        2,
        "{table}"
    );
    for p in &pids {
        assert!(
            rows.iter()
                .any(|r| r.split_whitespace().nth(1) == Some(&p.to_string())),
            "{p} not in {table}"
        );
    }

    let out = env.runsc(&["events", "--stats", "v1"]);
    assert_eq!(out.status, 0, "events --stats: {}", out.stderr_text());
    let ev: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", out.stdout_text()));
    assert_eq!(ev["type"], "stats");
    assert_eq!(ev["id"], "v1");
    assert_eq!(ev["data"]["pids"]["current"], 3, "{ev}");
    assert!(
        ev["data"]["cpu"]["usage"]["total"].as_u64().is_some(),
        "{ev}"
    );
    assert!(
        ev["data"]["memory"]["usage"]["usage"]
            .as_u64()
            .is_some_and(|m| m > 0),
        "{ev}"
    );

    // Without --stats: an event per interval until the container stops.
    let mut cmd = runtime().command(&["--root"]);
    cmd.arg(env.root())
        .args(["events", "--interval", "100ms", "v1"])
        .stdout(Stdio::piped());
    let mut events = cmd.spawn().expect("events");
    let mut reader = std::io::BufReader::new(events.stdout.take().expect("piped"));
    use std::io::BufRead;
    for _ in 0..2 {
        let mut line = String::new();
        reader.read_line(&mut line).expect("an event");
        let v: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert_eq!(v["type"], "stats");
    }
    assert_eq!(env.runsc(&["kill", "--all", "v1", "KILL"]).status, 0);
    assert_eq!(env.wait("v1"), (137, 137));
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(s) = events.try_wait().expect("try_wait") {
            break s;
        }
        assert!(
            Instant::now() < deadline,
            "events did not end with the container"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status:?}");
}

#[test]
fn test_oci_update_accepts_resources_json_and_refuses_garbage() {
    let env = Env::new("update", &["sleep", "100"]);
    env.start("u1");
    let res =
        br#"{"memory": {"limit": 268435456}, "cpu": {"shares": 512}, "pids": {"limit": 100}}"#;
    let out = env.runsc_input(&["update", "--resources", "-", "u1"], Input::File(res));
    assert_eq!(out.status, 0, "update: {}", out.stderr_text());
    let file = env.dir.join("res.json");
    std::fs::write(&file, "{}").expect("write");
    assert_eq!(
        env.runsc(&["update", "--resources", path(&file), "u1"])
            .status,
        0
    );
    assert_one_line_error(
        "update with bad JSON",
        &env.runsc_input(
            &["update", "--resources", "-", "u1"],
            Input::File(b"{memory"),
        ),
        &["u1", "JSON"],
    );
    assert_eq!(env.status("u1"), "running");
    assert_eq!(env.runsc(&["kill", "u1", "KILL"]).status, 0);
    assert_eq!(env.wait("u1"), (137, 137));
}

#[test]
fn test_oci_exec_tty_sends_a_pty_master_to_the_console_socket() {
    let env = Env::new("exectty", &["sleep", "100"]);
    env.start("t1");
    let sock = env.dir.join("console.sock");
    let mut recv = Command::new("python3")
        .args(["-c", CONSOLE_RECEIVER, path(&sock)])
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 is needed for this test");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !sock.exists() {
        assert!(Instant::now() < deadline, "receiver never listened");
        std::thread::sleep(Duration::from_millis(10));
    }
    let out = env.runsc(&[
        "exec",
        "--tty",
        "--console-socket",
        path(&sock),
        "t1",
        "sh",
        "-c",
        // A terminal, the controlling one of the session it leads, with
        // its group in the foreground (/proc/PID/stat: session, tpgid).
        "[ -t 0 ] && [ -t 1 ] && echo on the tty; \
         read pid comm state ppid pgrp sid tty tpgid rest < /proc/$$/stat; \
         echo leader=$((sid == $$)) foreground=$((tpgid == $$)); exit 3",
    ]);
    assert_eq!(out.status, 3, "exec --tty: {}", out.stderr_text());
    assert_eq!(
        out.stdout_text(),
        "",
        "output went to the pty, not exec's stdout"
    );
    let mut text = String::new();
    use std::io::Read;
    recv.stdout
        .take()
        .expect("piped")
        .read_to_string(&mut text)
        .expect("read receiver");
    let _ = recv.wait();
    assert_eq!(
        text,
        "listening\nfds=1\non the tty\r\nleader=1 foreground=1\r\n"
    );
    // A detached terminal needs the socket.
    assert_one_line_error(
        "exec --tty --detach without a console socket",
        &env.runsc(&["exec", "--tty", "--detach", "t1", "true"]),
        &["console-socket"],
    );
    assert_eq!(env.runsc(&["kill", "t1", "KILL"]).status, 0);
    assert_eq!(env.wait("t1"), (137, 137));
}

// ---- The bundle honoured: process, root and mounts of config.json ----

/// `run`s the bundle (its config as edited by `edit`) with `sh -c
/// script` as the process; the exit code and what the guest printed on
/// stdout and stderr (runsc's own errors also land on stderr).
fn run_script(name: &str, script: &str, edit: impl FnOnce(&mut Value)) -> (i32, String, String) {
    let env = Env::new(name, &["sh", "-c", script]);
    env.edit_config(edit);
    let b = env.bundle();
    let started = Instant::now();
    let (code, err) = env.runsc_detached("run", &["run", "--bundle", path(&b), "c"]);
    let out = env.output("run");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{name}: run took {:?}",
        started.elapsed()
    );
    (code, out, err)
}

#[test]
fn test_oci_process_rlimits_are_the_guests_limits() {
    let (code, out, err) = run_script(
        "rlimits",
        "ulimit -n; ulimit -Hn; ulimit -u; grep 'Max open files' /proc/self/limits",
        |c| {
            c["process"]["rlimits"] = serde_json::json!([
                {"type": "RLIMIT_NOFILE", "soft": 123, "hard": 456},
                {"type": "RLIMIT_NPROC", "soft": 77, "hard": 88}
            ]);
        },
    );
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[..3], ["123", "456", "77"], "{out}");
    let limits: Vec<&str> = lines[3].split_whitespace().collect();
    assert_eq!(limits[3..6], ["123", "456", "files"], "{out}");
}

#[test]
fn test_oci_bad_rlimit_type_is_one_line_naming_the_field() {
    let env = Env::new("badrlimit", &["true"]);
    env.edit_config(|c| {
        c["process"]["rlimits"] =
            serde_json::json!([{"type": "RLIMIT_BOGUS", "soft": 1, "hard": 1}]);
    });
    assert_create_fails(&env, "b1", &["process.rlimits[0].type", "RLIMIT_BOGUS"]);
}

#[test]
fn test_oci_process_user_additional_gids_are_the_guests_groups() {
    let (code, out, err) = run_script("gids", "id -u; id -g; id -G", |c| {
        c["process"]["user"] =
            serde_json::json!({"uid": 1000, "gid": 100, "additionalGids": [10, 20]});
    });
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "1000\n100\n100 10 20\n");
}

#[test]
fn test_oci_hostname_is_the_guests() {
    let (code, out, err) = run_script("hostname", "hostname; cat /proc/sys/kernel/hostname", |c| {
        c["hostname"] = Value::from("bundle-host");
    });
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "bundle-host\nbundle-host\n");
}

#[test]
fn test_oci_no_new_privileges_shows_in_the_guest() {
    for (nnp, want) in [(true, "1"), (false, "0")] {
        let (code, out, err) = run_script(
            &format!("nnp{want}"),
            "grep NoNewPrivs /proc/self/status; sh -c 'grep NoNewPrivs /proc/self/status'",
            |c| c["process"]["noNewPrivileges"] = Value::Bool(nnp),
        );
        assert_eq!(code, 0, "{err}");
        // The child shell inherits it.
        assert_eq!(
            out,
            format!("NoNewPrivs:\t{want}\n").repeat(2),
            "noNewPrivileges {nnp}"
        );
    }
}

/// A line of /proc/self/mountinfo: mount point, per-mount options,
/// filesystem type, source and filesystem options.
#[derive(Debug)]
struct MountInfo {
    point: String,
    mount_opts: Vec<String>,
    fstype: String,
    source: String,
    fs_opts: Vec<String>,
}

fn parse_mountinfo(text: &str) -> Vec<MountInfo> {
    text.lines()
        .map(|l| {
            let (head, tail) = l
                .split_once(" - ")
                .unwrap_or_else(|| panic!("no separator: {l}"));
            let head: Vec<&str> = head.split(' ').collect();
            let tail: Vec<&str> = tail.split(' ').collect();
            let opts = |s: &str| s.split(',').map(String::from).collect();
            MountInfo {
                point: head[4].to_string(),
                mount_opts: opts(head[5]),
                fstype: tail[0].to_string(),
                source: tail[1].to_string(),
                fs_opts: opts(tail[2]),
            }
        })
        .collect()
}

#[test]
fn test_oci_mountinfo_lists_the_spec_mounts_in_order() {
    let spec_mounts = serde_json::json!([
        {"destination": "/proc", "type": "proc", "source": "proc"},
        {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
         "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
        {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
         "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
        {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
         "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
        {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
         "options": ["nosuid", "noexec", "nodev"]},
        {"destination": "/sys", "type": "sysfs", "source": "sysfs",
         "options": ["nosuid", "noexec", "nodev", "ro"]},
        {"destination": "/run/data", "type": "tmpfs", "source": "datafs",
         "options": ["rw", "nodev", "mode=700"]}
    ]);
    let expected = spec_mounts.clone();
    let (code, out, err) = run_script(
        "mountinfo",
        "cat /proc/self/mountinfo; echo ==; cat /proc/mounts; echo ==; ls /dev/pts /dev/mqueue",
        |c| c["mounts"] = spec_mounts,
    );
    assert_eq!(code, 0, "{err}");
    let parts: Vec<&str> = out.split("==\n").collect();
    assert_eq!(parts.len(), 3, "{out}");
    let info = parse_mountinfo(parts[0]);
    let expected = expected.as_array().expect("array");
    // Every spec mount, in the spec's order, after the root.
    let positions: Vec<usize> = expected
        .iter()
        .map(|m| {
            let dest = m["destination"].as_str().expect("destination");
            info.iter()
                .position(|i| i.point == dest)
                .unwrap_or_else(|| panic!("{dest} not in mountinfo:\n{}", parts[0]))
        })
        .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "order {positions:?}:\n{}",
        parts[0]
    );
    assert_eq!(info[0].point, "/", "{}", parts[0]);
    for (m, &at) in expected.iter().zip(&positions) {
        let i = &info[at];
        assert_eq!(i.fstype, m["type"].as_str().unwrap(), "{i:?}");
        assert_eq!(i.source, m["source"].as_str().unwrap(), "{i:?}");
        let opts: Vec<&str> = m["options"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let rw = if opts.contains(&"ro") { "ro" } else { "rw" };
        assert_eq!(i.mount_opts[0], rw, "{i:?}");
        assert_eq!(i.fs_opts[0], rw, "{i:?}");
        for o in opts {
            match o {
                "nosuid" | "nodev" | "noexec" => {
                    assert!(i.mount_opts.iter().any(|x| x == o), "{o} in {i:?}")
                }
                _ if o.contains('=') || o == "newinstance" => {
                    assert!(i.fs_opts.iter().any(|x| x == o), "{o} in {i:?}")
                }
                _ => {}
            }
        }
    }
    // /proc/mounts has the same mounts.
    for m in expected {
        let dest = m["destination"].as_str().unwrap();
        let line = format!(" {dest} {} ", m["type"].as_str().unwrap());
        assert!(
            parts[1].contains(&line),
            "{line:?} not in /proc/mounts:\n{}",
            parts[1]
        );
    }
    // devpts has its ptmx; mqueue is empty.
    assert_eq!(parts[2], "/dev/mqueue:\n\n/dev/pts:\nptmx\n", "{out}");
}

#[test]
fn test_oci_ro_bind_mount_of_a_host_dir_reads_and_refuses_writes() {
    let host = std::env::temp_dir().join(format!("runsc-oci-robind-host-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&host);
    std::fs::create_dir_all(host.join("sub")).expect("host dir");
    std::fs::write(host.join("hello"), "from the host\n").expect("host file");
    let src = host.to_str().expect("UTF-8").to_string();
    let (code, out, err) = run_script(
        "robind",
        "cat /data/hello; ls /data; echo x > /data/new; echo status=$?; \
         touch /data/hello; echo status=$?; mkdir /data/d; echo status=$?",
        |c| {
            c["mounts"].as_array_mut().expect("mounts").push(serde_json::json!(
                {"destination": "/data", "type": "bind", "source": src, "options": ["rbind", "ro"]}
            ));
        },
    );
    let left: Vec<String> = std::fs::read_dir(&host)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    let _ = std::fs::remove_dir_all(&host);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out, "from the host\nhello\nsub\nstatus=1\nstatus=1\nstatus=1\n",
        "{err}"
    );
    assert_eq!(err.matches("Read-only file system").count(), 3, "{err}");
    let mut left = left;
    left.sort();
    assert_eq!(left, ["hello", "sub"]);
}

#[test]
fn test_oci_rw_bind_mounts_of_a_host_dir_and_file_write_through() {
    let host = std::env::temp_dir().join(format!("runsc-oci-rwbind-host-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&host);
    std::fs::create_dir_all(host.join("dir")).expect("host dir");
    std::fs::write(host.join("file.conf"), "one\n").expect("host file");
    std::fs::write(host.join("secret"), "not for the guest\n").expect("host file");
    let dir = host.join("dir").to_str().expect("UTF-8").to_string();
    let file = host.join("file.conf").to_str().expect("UTF-8").to_string();
    let (code, out, err) = run_script(
        "rwbind",
        "echo written > /rw/out && cat /rw/out && echo two >> /etc/app/file.conf && \
         cat /etc/app/file.conf && ls /etc/app",
        |c| {
            let m = c["mounts"].as_array_mut().expect("mounts");
            m.push(serde_json::json!({"destination": "/rw", "type": "bind", "source": dir, "options": ["rbind", "rw"]}));
            // A file, with no type, under a directory the rootfs lacks.
            m.push(serde_json::json!({"destination": "/etc/app/file.conf", "source": file, "options": ["bind"]}));
        },
    );
    let on_host = std::fs::read_to_string(host.join("dir/out")).unwrap_or_default();
    let conf = std::fs::read_to_string(host.join("file.conf")).unwrap_or_default();
    let _ = std::fs::remove_dir_all(&host);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "written\none\ntwo\nfile.conf\n");
    assert_eq!(on_host, "written\n");
    assert_eq!(conf, "one\ntwo\n");
}

/// Container ids 0-65535 stand for host ids from this one.
/// Docker's default capabilities (moby's oci/caps/defaults.go).
const DOCKER_CAPS: &[&str] = &[
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FSETID",
    "CAP_FOWNER",
    "CAP_MKNOD",
    "CAP_NET_RAW",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETFCAP",
    "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT",
    "CAP_KILL",
    "CAP_AUDIT_WRITE",
];

/// What the guest prints: its Cap lines, a child shell's effective set
/// (after another execve), and whether it may make a device node.
const CAPS_SCRIPT: &str = "grep Cap /proc/self/status; sh -c 'grep CapEff /proc/self/status'; \
                           mknod /tmp/null c 1 3 2>/dev/null && echo mknod ok || echo mknod refused";

/// Runs `CAPS_SCRIPT` in a bundle (runc's default spec, with a tmpfs at
/// /tmp, edited by `edit`) under runc (`rt` "runc") or runsc; returns
/// what the guest printed.
fn caps_outcome(rt: &str, name: &str, edit: &dyn Fn(&mut Value)) -> String {
    let env = Env::new(&format!("caps-{name}-{rt}"), &["sh", "-c", CAPS_SCRIPT]);
    env.edit_config(|c| {
        c["mounts"]
            .as_array_mut()
            .expect("mounts")
            .push(serde_json::json!({"destination": "/tmp", "type": "tmpfs", "source": "tmpfs"}));
        edit(c);
    });
    if rt == "runc" {
        // An id of its own: runc names the container's cgroup after it.
        let id = format!("runsc-test-caps-{name}-{}", std::process::id());
        let mut cmd = Command::new("runc");
        cmd.arg("--root")
            .arg(env.root())
            .args(["run", "--bundle", path(&env.bundle()), &id]);
        let o = run(cmd, Input::Null);
        assert_eq!(o.status, 0, "runc ({name}): {}", o.stderr_text());
        o.stdout_text()
    } else {
        let (code, err) = env.runsc_detached("run", &["run", "--bundle", path(&env.bundle()), "c"]);
        assert_eq!(code, 0, "{name}: {err}");
        env.output("run")
    }
}

/// Sets every capability list of the bundle's process to `caps`
/// (inheritable and ambient too when `inheritable`).
fn set_caps(c: &mut Value, caps: &[&str], inheritable: bool) {
    let v = serde_json::json!(caps);
    let mut sets = vec!["bounding", "effective", "permitted"];
    if inheritable {
        sets.extend(["inheritable", "ambient"]);
    }
    c["process"]["capabilities"] = serde_json::json!({});
    for set in sets {
        c["process"]["capabilities"][set] = v.clone();
    }
}

/// Adds `caps` to the bundle's bounding, effective and permitted lists.
fn add_caps(c: &mut Value, caps: &[&str]) {
    for set in ["bounding", "effective", "permitted"] {
        let list = c["process"]["capabilities"][set]
            .as_array_mut()
            .expect("runsc spec lists capabilities");
        list.extend(caps.iter().map(|&n| Value::from(n)));
    }
}

#[test]
fn test_oci_process_capabilities_show_in_the_guest_like_runc() {
    type Edit = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(&str, Edit)> = vec![
        // `spec`'s three, with no_new_privs; ambient without inheritable
        // is not raised.
        ("spec", Box::new(|_: &mut Value| {})),
        (
            "docker",
            Box::new(|c: &mut Value| {
                set_caps(c, DOCKER_CAPS, false);
                c["process"]["noNewPrivileges"] = Value::Bool(false);
            }),
        ),
        (
            "user-ambient",
            Box::new(|c: &mut Value| {
                set_caps(c, &["CAP_NET_BIND_SERVICE", "CAP_MKNOD"], true);
                c["process"]["capabilities"]["bounding"] = serde_json::json!(DOCKER_CAPS);
                c["process"]["user"] = serde_json::json!({"uid": 1000, "gid": 1000});
            }),
        ),
        (
            "user",
            Box::new(|c: &mut Value| {
                set_caps(c, DOCKER_CAPS, false);
                c["process"]["user"] = serde_json::json!({"uid": 1000, "gid": 1000});
            }),
        ),
        (
            "none",
            Box::new(|c: &mut Value| {
                c["process"]
                    .as_object_mut()
                    .expect("process")
                    .remove("capabilities");
            }),
        ),
    ];
    let mut ours = Vec::new();
    for (name, edit) in &cases {
        let out = caps_outcome("ours", name, edit.as_ref());
        // runc (the test command installs it) proves each expectation.
        assert_eq!(out, caps_outcome("runc", name, edit.as_ref()), "{name}");
        ours.push(out);
    }
    let status = |inh: u64, prm: u64, eff: u64, bnd: u64, amb: u64, mknod: bool| {
        format!(
            "CapInh:\t{inh:016x}\nCapPrm:\t{prm:016x}\nCapEff:\t{eff:016x}\n\
             CapBnd:\t{bnd:016x}\nCapAmb:\t{amb:016x}\nCapEff:\t{eff:016x}\nmknod {}\n",
            if mknod { "ok" } else { "refused" }
        )
    };
    // AUDIT_WRITE, KILL, NET_BIND_SERVICE.
    let spec = (1 << 29) | (1 << 5) | (1 << 10);
    assert_eq!(ours[0], status(0, spec, spec, spec, 0, false));
    let docker = 0xa80425fb;
    assert_eq!(ours[1], status(0, docker, docker, docker, 0, true));
    let ambient = (1 << 10) | (1 << 27);
    assert_eq!(
        ours[2],
        status(ambient, ambient, ambient, docker, ambient, true)
    );
    assert_eq!(ours[3], status(0, 0, 0, docker, 0, false));
    assert_eq!(ours[4], status(0, 0, 0, 0, 0, false));
}

#[test]
fn test_oci_exec_gets_the_bundles_capabilities_or_its_own() {
    let env = Env::new("capsexec", &["sleep", "100"]);
    env.edit_config(|c| set_caps(c, &["CAP_CHOWN", "CAP_KILL"], false));
    env.start("k1");
    let want =
        |caps: u64| format!("CapPrm:\t{caps:016x}\nCapEff:\t{caps:016x}\nCapBnd:\t{caps:016x}\n");
    let grep = ["grep", "-E", "CapPrm|CapEff|CapBnd", "/proc/self/status"];
    let out = exec_until_ok(&env, "k1", &grep);
    assert_eq!(out.status, 0, "{}", out.stderr_text());
    assert_eq!(out.stdout_text(), want(0x21));
    // A process file with capabilities of its own, and one without
    // (which gets the bundle's, as in runc).
    let file = env.dir.join("process.json");
    let mut process = serde_json::json!({"args": grep, "cwd": "/", "terminal": false});
    std::fs::write(&file, process.to_string()).expect("write process.json");
    let out = env.runsc(&["exec", "--process", path(&file), "k1"]);
    assert_eq!(out.stdout_text(), want(0x21), "{}", out.stderr_text());
    let kill = serde_json::json!(["CAP_KILL"]);
    process["capabilities"] =
        serde_json::json!({"bounding": kill, "effective": kill, "permitted": kill});
    std::fs::write(&file, process.to_string()).expect("write process.json");
    let out = env.runsc(&["exec", "--process", path(&file), "k1"]);
    assert_eq!(out.stdout_text(), want(0x20), "{}", out.stderr_text());
    assert_eq!(env.runsc(&["kill", "k1", "KILL"]).status, 0);
    assert_eq!(env.wait("k1"), (137, 137));
}

#[test]
fn test_oci_unknown_capabilities_warn_and_inconsistent_ones_are_one_line_naming_the_field() {
    // An unknown name is left out with a warning, as runc does.
    let env = Env::new("badcaps", &["grep", "CapBnd", "/proc/self/status"]);
    env.edit_config(|c| {
        c["process"]["capabilities"]["bounding"] = serde_json::json!(["CAP_KILL", "CAP_BOGUS"]);
    });
    let (code, err) = env.runsc_detached("run", &["run", "--bundle", path(&env.bundle()), "b0"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("ignoring unknown or unavailable capabilities: CAP_BOGUS"),
        "{err}"
    );
    assert_eq!(env.output("run"), "CapBnd:\t0000000000000020\n");
    env.edit_config(|c| {
        c["process"]["capabilities"]["bounding"] = serde_json::json!(["CAP_KILL", 7]);
    });
    assert_create_fails(&env, "b1", &["process.capabilities.bounding[1]", "7"]);
    env.edit_config(|c| {
        c["process"]["capabilities"] = serde_json::json!({
            "bounding": ["CAP_KILL"], "permitted": ["CAP_KILL"], "effective": ["CAP_CHOWN"]
        });
    });
    assert_create_fails(&env, "b2", &["process.capabilities.effective", "CAP_CHOWN"]);
}

const USERNS_BASE: u32 = 100_000;

/// Changes the owner of `p` (not following a symlink) and everything
/// below it to host `uid`/`gid`.
fn chown_tree(p: &Path, uid: u32, gid: u32) {
    std::os::unix::fs::lchown(p, Some(uid), Some(gid))
        .unwrap_or_else(|e| panic!("chown {}: {e}", p.display()));
    if p.is_dir() && !p.is_symlink() {
        for e in std::fs::read_dir(p).expect("read_dir") {
            chown_tree(&e.expect("entry").path(), uid, gid);
        }
    }
}

#[test]
fn test_oci_user_namespace_mappings_translate_file_owners_like_runc() {
    use std::os::unix::fs::MetadataExt;
    // The guest prints owners as it sees them, its mapping, and what a
    // chown to an id outside the mapping gives.
    let script = "stat -c '%u %g %n' /bin/busybox /data/mine /data/rootowned; \
                  cat /proc/self/uid_map /proc/self/gid_map; id -u; \
                  touch /data/new && chown 5:6 /data/mine && stat -c '%u %g %n' /data/new /data/mine; \
                  chown 70000 /data/mine 2>/dev/null || echo unmapped chown refused";
    let outcome = |rt: &str| -> (String, Vec<(u32, u32)>) {
        let env = Env::new(&format!("userns-{rt}"), &["sh", "-c", script]);
        let data = env.dir.join("data");
        std::fs::create_dir_all(&data).expect("data dir");
        std::fs::write(data.join("mine"), "x").expect("file");
        std::fs::write(data.join("rootowned"), "x").expect("file");
        chown_tree(&env.bundle().join("rootfs"), USERNS_BASE, USERNS_BASE);
        chown_tree(&data, USERNS_BASE, USERNS_BASE);
        std::os::unix::fs::chown(data.join("mine"), Some(USERNS_BASE + 1000), None).expect("chown");
        std::os::unix::fs::chown(data.join("rootowned"), Some(0), Some(0)).expect("chown");
        let src = path(&data).to_string();
        env.edit_config(|c| {
            // runc gives root only the capabilities listed (`spec` lists
            // three); chown needs CAP_CHOWN, as Docker's defaults have it.
            let caps = serde_json::json!(["CAP_CHOWN", "CAP_KILL"]);
            for set in ["bounding", "effective", "permitted"] {
                c["process"]["capabilities"][set] = caps.clone();
            }
            let range =
                serde_json::json!([{"containerID": 0, "hostID": USERNS_BASE, "size": 65536}]);
            c["linux"]["uidMappings"] = range.clone();
            c["linux"]["gidMappings"] = range;
            c["linux"]["namespaces"]
                .as_array_mut()
                .expect("namespaces")
                .push(serde_json::json!({"type": "user"}));
            c["mounts"].as_array_mut().expect("mounts").push(serde_json::json!(
                {"destination": "/data", "type": "bind", "source": src, "options": ["rbind", "rw"]}
            ));
        });
        let out = if rt == "runc" {
            let mut cmd = Command::new("runc");
            cmd.arg("--root")
                .arg(env.root())
                .args(["run", "--bundle", path(&env.bundle()), "c"]);
            let o = run(cmd, Input::Null);
            assert_eq!(o.status, 0, "runc: {}", o.stderr_text());
            o.stdout_text()
        } else {
            let (code, err) =
                env.runsc_detached("run", &["run", "--bundle", path(&env.bundle()), "c"]);
            assert_eq!(code, 0, "{err}");
            env.output("run")
        };
        let owner = |n: &str| {
            let m = std::fs::metadata(data.join(n)).expect("stat on the host");
            (m.uid(), m.gid())
        };
        (out, vec![owner("new"), owner("mine")])
    };
    let (ours, ours_host) = outcome("ours");
    let want = format!(
        "0 0 /bin/busybox\n1000 0 /data/mine\n65534 65534 /data/rootowned\n\
         {0:>10} {1:>10} {2:>10}\n{0:>10} {1:>10} {2:>10}\n0\n\
         0 0 /data/new\n5 6 /data/mine\nunmapped chown refused\n",
        0, USERNS_BASE, 65536
    );
    assert_eq!(ours, want);
    assert_eq!(
        ours_host,
        [
            (USERNS_BASE, USERNS_BASE),
            (USERNS_BASE + 5, USERNS_BASE + 6)
        ]
    );
    // runc (the test command installs it), with a real user namespace,
    // proves the expectations.
    assert_eq!(outcome("runc"), (ours, ours_host));
}

#[test]
fn test_oci_bind_mount_of_a_missing_source_is_one_line_naming_it() {
    let env = Env::new("nobind", &["true"]);
    env.edit_config(|c| {
        c["mounts"].as_array_mut().expect("mounts").push(serde_json::json!(
            {"destination": "/data", "type": "bind", "source": "/nonexistent/runsc-src", "options": ["rbind"]}
        ));
    });
    assert_create_fails(&env, "n1", &["/nonexistent/runsc-src", "mounts[6].source"]);
}

#[test]
fn test_oci_tmpfs_mount_has_its_size_and_mode() {
    let (code, out, err) = run_script(
        "tmpfs",
        "stat -c '%a %u' /scratch; df -k /scratch | while read fs total rest; do echo $total; done; \
         echo data > /scratch/f && cat /scratch/f",
        |c| {
            // Root writes into uid 1000's 0700 directory: that takes
            // CAP_DAC_OVERRIDE (not in runc's `spec`; in Docker's defaults).
            add_caps(c, &["CAP_DAC_OVERRIDE"]);
            c["mounts"].as_array_mut().expect("mounts").push(serde_json::json!(
                {"destination": "/scratch", "type": "tmpfs", "source": "tmpfs",
                 "options": ["nosuid", "nodev", "mode=0700", "size=2m", "uid=1000"]}
            ));
        },
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "700 1000\n1K-blocks\n2048\ndata\n", "{err}");
}

/// Runs C program `name` natively with tmpfs mounts of its own (in a
/// private mount namespace) and in a bundle with the same tmpfs mounts;
/// `mounts` are (guest path, tmpfs options), passed to the program as its
/// arguments in order. The outputs must agree; returns the native one.
fn native_vs_bundle_tmpfs(name: &str, mounts: &[(&str, &[&str])]) -> String {
    let prog = tests::c_program(name);
    let base = std::env::temp_dir().join(format!("runsc-{name}-{}", std::process::id()));
    let mut script = String::from("set -e; ");
    let mut args = Vec::new();
    for (i, (_, opts)) in mounts.iter().enumerate() {
        let dir = base.join(i.to_string());
        std::fs::create_dir_all(&dir).expect("mount point");
        let o = if opts.is_empty() {
            "defaults".to_string()
        } else {
            opts.join(",")
        };
        script.push_str(&format!("mount -t tmpfs -o {o} tmpfs {}; ", path(&dir)));
        args.push(path(&dir).to_string());
    }
    script.push_str(&format!("exec {} {}", path(&prog), args.join(" ")));
    let mut cmd = Command::new("unshare");
    cmd.args(["-m", "sh", "-c", &script]);
    let native = run(cmd, Input::Null);
    let _ = std::fs::remove_dir_all(&base);
    assert_eq!(native.status, 0, "native: {}", native.stderr_text());
    let mut argv = vec![format!("/{name}")];
    argv.extend(mounts.iter().map(|(p, _)| p.to_string()));
    let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
    let env = Env::new(name, &argv);
    std::fs::copy(&prog, env.bundle().join("rootfs").join(name)).expect("copy the program");
    env.edit_config(|c| {
        let m = c["mounts"].as_array_mut().expect("mounts");
        for (p, opts) in mounts {
            m.push(serde_json::json!(
                {"destination": p, "type": "tmpfs", "source": "tmpfs", "options": opts}
            ));
        }
    });
    let (code, err) = env.runsc_detached("run", &["run", "--bundle", path(&env.bundle()), "c"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(env.output("run"), native.stdout_text());
    native.stdout_text()
}

#[test]
fn test_oci_tmpfs_size_is_enforced_like_native() {
    let out = native_vs_bundle_tmpfs("fs_tmpfs_full", &[("/scratch", &["nosuid", "size=2m"])]);
    assert!(out.contains("then ENOSPC"), "native: {out}");
}

#[test]
fn test_oci_noexec_mount_refuses_exec_mappings_like_native() {
    let out = native_vs_bundle_tmpfs(
        "mm_noexec",
        &[("/locked", &["nosuid", "noexec"]), ("/plain", &[])],
    );
    assert!(
        out.contains("mprotect(+PROT_EXEC): -1 EACCES"),
        "native: {out}"
    );
}

#[test]
fn test_oci_masked_paths_read_empty() {
    let env = Env::new(
        "masked",
        &[
            "sh",
            "-c",
            "for f in /proc/meminfo /etc/secret; do wc -c < $f; done; ls -A /sys/firmware | wc -l; \
             touch /sys/firmware/x; echo status=$?; cat /proc/kcore; echo status=$?",
        ],
    );
    env.rootfs_dir("etc");
    std::fs::write(env.bundle().join("rootfs/etc/secret"), "hidden\n").expect("secret");
    env.edit_config(|c| {
        c["linux"]["maskedPaths"] = serde_json::json!([
            "/proc/kcore",
            "/proc/meminfo",
            "/etc/secret",
            "/sys/firmware",
            "/no/such/path"
        ]);
    });
    let b = env.bundle();
    let (code, err) = env.runsc_detached("run", &["run", "--bundle", path(&b), "m1"]);
    assert_eq!(code, 0, "{err}");
    // /proc/kcore does not exist in the sandbox: skipped, like any
    // missing masked path.
    assert_eq!(env.output("run"), "0\n0\n0\nstatus=1\nstatus=1\n", "{err}");
    assert!(err.contains("Read-only file system"), "{err}");
}

#[test]
fn test_oci_readonly_paths_refuse_writes() {
    let env = Env::new(
        "ropaths",
        &[
            "sh",
            "-c",
            "cat /data/f; echo x > /data/f; echo status=$?; touch /data/g; echo status=$?; \
             touch /other; echo status=$?; grep -c ' /proc/sys ro[, ]' /proc/self/mountinfo",
        ],
    );
    env.rootfs_dir("data");
    std::fs::write(env.bundle().join("rootfs/data/f"), "kept\n").expect("file");
    env.edit_config(|c| {
        c["root"]["readonly"] = Value::Bool(false);
        c["linux"]["readonlyPaths"] = serde_json::json!(["/proc/sys", "/data", "/no/such/path"]);
    });
    let b = env.bundle();
    let (code, err) = env.runsc_detached("run", &["run", "--bundle", path(&b), "r1"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        env.output("run"),
        "kept\nstatus=1\nstatus=1\nstatus=0\n1\n",
        "{err}"
    );
    assert_eq!(err.matches("Read-only file system").count(), 2, "{err}");
}

#[test]
fn test_oci_root_readonly_refuses_writes() {
    for (readonly, want) in [(true, "status=1\n"), (false, "status=0\n")] {
        let (code, out, err) = run_script(
            &format!("rootro{readonly}"),
            "touch /x; echo status=$?",
            |c| c["root"]["readonly"] = Value::Bool(readonly),
        );
        assert_eq!(code, 0, "{err}");
        assert_eq!(out, want, "root.readonly {readonly}: {err}");
        assert_eq!(err.contains("Read-only file system"), readonly, "{err}");
    }
}

#[test]
fn test_oci_noexec_and_nodev_mount_options_are_enforced() {
    let (code, out, err) = run_script(
        "noexec",
        "for d in /plain /locked; do cp /bin/busybox $d/true; $d/true; echo exec=$?; \
         mknod $d/null c 1 3 && cat $d/null; echo open=$?; done",
        |c| {
            // mknod needs CAP_MKNOD (runc's `spec` does not list it;
            // Docker's defaults do).
            add_caps(c, &["CAP_MKNOD"]);
            let m = c["mounts"].as_array_mut().expect("mounts");
            m.push(
                serde_json::json!({"destination": "/plain", "type": "tmpfs", "source": "tmpfs"}),
            );
            m.push(
                serde_json::json!({"destination": "/locked", "type": "tmpfs", "source": "tmpfs",
                                      "options": ["nosuid", "noexec", "nodev"]}),
            );
        },
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "exec=0\nopen=0\nexec=126\nopen=1\n", "{err}");
    assert_eq!(err.matches("Permission denied").count(), 2, "{err}");
}
