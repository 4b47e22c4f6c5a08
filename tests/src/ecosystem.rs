//! What the ecosystem tests share (tests/tests/containerd.rs, docker.rs,
//! podman.rs): daemons tied to the test process, a busybox-static image
//! built here as an OCI layout tar or a docker-archive tar, a private
//! containerd, background clients with a deadline, terminals through
//! script(1), and checks that nothing a container ran is left on the host.

use crate::{run, Input, Outcome};
use std::io::{Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The static busybox every image is made of (Debian's busybox-static).
pub const BUSYBOX: &str = "/bin/busybox";
/// Applets the image links to busybox.
pub const APPLETS: &[&str] = &[
    "sh", "echo", "cat", "sleep", "true", "false", "ls", "id", "hostname", "env", "pwd", "kill",
    "wc", "tty", "stty", "ps", "seq",
];

/// Starts `cmd` so that it gets SIGKILL when this test process ends, and
/// returns its pid. PR_SET_PDEATHSIG fires when the *thread* that forked
/// the child ends, so the fork happens on a thread that is parked for the
/// rest of the process's life.
pub fn spawn_tied(mut cmd: Command) -> Result<u32, String> {
    // SAFETY: prctl with integer arguments only, between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
    let desc = format!("{:?}", cmd.get_program());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(cmd.spawn().map(|c: Child| c.id()));
        loop {
            std::thread::park();
        }
    });
    rx.recv()
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("cannot start {desc}: {e}"))
}

/// Makes `cmd` start in a mount namespace of its own (a private copy of
/// this one), so that whatever it mounts disappears with it, even after a
/// SIGKILL.
pub fn in_new_mount_namespace(cmd: &mut Command) {
    // SAFETY: unshare and mount with constant arguments, between fork and
    // exec (the child is single-threaded, as unshare(CLONE_NEWNS) needs).
    unsafe {
        cmd.pre_exec(|| {
            if libc::unshare(libc::CLONE_NEWNS) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            let flags = libc::MS_REC | libc::MS_PRIVATE;
            if libc::mount(
                c"none".as_ptr(),
                c"/".as_ptr(),
                std::ptr::null(),
                flags,
                std::ptr::null(),
            ) != 0
            {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// Makes `cmd` start in the mount namespace of process `pid`.
pub fn in_mount_namespace_of(cmd: &mut Command, pid: u32) -> Result<(), String> {
    let path = format!("/proc/{pid}/ns/mnt");
    let ns = std::fs::File::open(&path).map_err(|e| format!("{path}: {e}"))?;
    // SAFETY: setns on an fd the closure owns, between fork and exec (the
    // child is single-threaded, as joining a mount namespace needs).
    unsafe {
        cmd.pre_exec(move || {
            use std::os::fd::AsRawFd;
            if libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNS) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    Ok(())
}

/// A fresh scratch directory `<tmp>/<prefix>-<pid>`. Directories that
/// earlier test processes (now gone) left under the same prefix are
/// removed first.
pub fn scratch_dir(prefix: &str) -> Result<PathBuf, String> {
    let tmp = std::env::temp_dir();
    if let Ok(rd) = std::fs::read_dir(&tmp) {
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let Some(pid) = name
                .strip_prefix(prefix)
                .and_then(|r| r.strip_prefix('-'))
                .and_then(|p| p.parse::<u32>().ok())
            else {
                continue;
            };
            if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
    let dir = tmp.join(format!("{prefix}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(dir)
}

/// The sha256 (hex) and size of a file.
pub fn sha256(path: &Path) -> Result<(String, u64), String> {
    let out = Command::new("sha256sum")
        .arg(path)
        .output()
        .map_err(|e| format!("sha256sum: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let digest = text
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string();
    let size = std::fs::metadata(path).map_err(|e| e.to_string())?.len();
    Ok((digest, size))
}

fn tar(args: &[&std::ffi::OsStr]) -> Result<(), String> {
    let st = Command::new("tar")
        .args(args)
        .status()
        .map_err(|e| format!("tar: {e}"))?;
    if st.success() {
        Ok(())
    } else {
        Err(format!("tar {args:?} failed"))
    }
}

/// The image's one layer: a reproducible tar of busybox and its applet
/// links (and empty /tmp, /proc, /dev, /sys, /etc) at `<dir>/layer.tar`.
/// Returns its path, sha256 and size.
pub fn busybox_layer(dir: &Path) -> Result<(PathBuf, String, u64), String> {
    let rootfs = dir.join("image-rootfs");
    for d in ["bin", "tmp", "proc", "dev", "sys", "etc"] {
        std::fs::create_dir_all(rootfs.join(d)).map_err(|e| e.to_string())?;
    }
    std::fs::copy(BUSYBOX, rootfs.join("bin/busybox"))
        .map_err(|e| format!("{BUSYBOX}: {e}; apt-get install busybox-static"))?;
    for a in APPLETS {
        let link = rootfs.join("bin").join(a);
        if std::fs::symlink_metadata(&link).is_err() {
            std::os::unix::fs::symlink("busybox", &link).map_err(|e| e.to_string())?;
        }
    }
    let layer = dir.join("layer.tar");
    tar(&[
        "--sort=name".as_ref(),
        "--owner=0".as_ref(),
        "--group=0".as_ref(),
        "--numeric-owner".as_ref(),
        "--mtime=@0".as_ref(),
        "-C".as_ref(),
        rootfs.as_os_str(),
        "-cf".as_ref(),
        layer.as_os_str(),
        ".".as_ref(),
    ])?;
    let (digest, size) = sha256(&layer)?;
    Ok((layer, digest, size))
}

/// The image config: PATH=/bin, `sh` by default, one layer.
fn image_config(layer_digest: &str) -> String {
    format!(
        r#"{{"architecture":"amd64","os":"linux","config":{{"Env":["PATH=/bin"],"Cmd":["/bin/sh"]}},"rootfs":{{"type":"layers","diff_ids":["sha256:{layer_digest}"]}}}}"#
    )
}

/// Writes `data` as a blob of the OCI layout under `img`; returns its
/// digest and size.
fn blob(img: &Path, name: &str, data: &[u8]) -> Result<(String, u64), String> {
    let tmp = img.join(name);
    std::fs::write(&tmp, data).map_err(|e| e.to_string())?;
    let (digest, size) = sha256(&tmp)?;
    std::fs::rename(&tmp, img.join("blobs/sha256").join(&digest)).map_err(|e| e.to_string())?;
    Ok((digest, size))
}

/// The busybox image as an OCI layout tar (`ctr images import`,
/// `podman load`) at `<dir>/image.tar`.
pub fn oci_layout_tar(dir: &Path) -> Result<PathBuf, String> {
    let img = dir.join("image");
    std::fs::create_dir_all(img.join("blobs/sha256")).map_err(|e| e.to_string())?;
    let (layer, ld, ls) = busybox_layer(dir)?;
    std::fs::rename(&layer, img.join("blobs/sha256").join(&ld)).map_err(|e| e.to_string())?;
    let (cd, cs) = blob(&img, "config", image_config(&ld).as_bytes())?;
    let manifest = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:{cd}","size":{cs}}},"layers":[{{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:{ld}","size":{ls}}}]}}"#
    );
    let (md, ms) = blob(&img, "manifest", manifest.as_bytes())?;
    let index = format!(
        r#"{{"schemaVersion":2,"manifests":[{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:{md}","size":{ms}}}]}}"#
    );
    std::fs::write(img.join("index.json"), index).map_err(|e| e.to_string())?;
    std::fs::write(img.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#)
        .map_err(|e| e.to_string())?;
    let out = dir.join("image.tar");
    tar(&[
        "-C".as_ref(),
        img.as_os_str(),
        "-cf".as_ref(),
        out.as_os_str(),
        ".".as_ref(),
    ])?;
    Ok(out)
}

/// The busybox image as a docker-archive tar (what `docker save` writes
/// and docker 20.10's `docker load` reads: manifest.json naming the config,
/// the repository tags and the layers) at `<dir>/docker-image.tar`.
pub fn docker_archive_tar(dir: &Path, tag: &str) -> Result<PathBuf, String> {
    let img = dir.join("docker-image");
    let (layer, ld, _) = busybox_layer(dir)?;
    std::fs::create_dir_all(img.join(&ld)).map_err(|e| e.to_string())?;
    std::fs::rename(&layer, img.join(&ld).join("layer.tar")).map_err(|e| e.to_string())?;
    let config = img.join("config.tmp");
    std::fs::write(&config, image_config(&ld)).map_err(|e| e.to_string())?;
    let (cd, _) = sha256(&config)?;
    std::fs::rename(&config, img.join(format!("{cd}.json"))).map_err(|e| e.to_string())?;
    let manifest =
        format!(r#"[{{"Config":"{cd}.json","RepoTags":["{tag}"],"Layers":["{ld}/layer.tar"]}}]"#);
    std::fs::write(img.join("manifest.json"), manifest).map_err(|e| e.to_string())?;
    let out = dir.join("docker-image.tar");
    tar(&[
        "-C".as_ref(),
        img.as_os_str(),
        "-cf".as_ref(),
        out.as_os_str(),
        ".".as_ref(),
    ])?;
    Ok(out)
}

/// A containerd of this test process: private root, state and socket
/// under one directory; it dies with the process.
pub struct Containerd {
    /// Its directory (config, log, root, state).
    pub dir: PathBuf,
    /// Its gRPC socket.
    pub socket: PathBuf,
    /// Its pid.
    pub pid: u32,
}

impl Containerd {
    /// Starts containerd under `dir` (made if missing) and waits until it
    /// answers. With `private_mounts` it runs in a mount namespace of its
    /// own, which the daemons that use it can join.
    pub fn start(dir: &Path, private_mounts: bool) -> Result<Containerd, String> {
        if Command::new("containerd")
            .arg("--version")
            .output()
            .is_err()
        {
            return Err("containerd is not installed: apt-get install containerd".into());
        }
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let socket = dir.join("containerd.sock");
        let config = format!(
            r#"version = 2
root = "{d}/root"
state = "{d}/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.aufs", "io.containerd.tracing.processor.v1.otlp",
  "io.containerd.internal.v1.tracing"]
[grpc]
  address = "{s}"
[ttrpc]
  address = "{s}.ttrpc"
"#,
            d = dir.display(),
            s = socket.display()
        );
        std::fs::write(dir.join("config.toml"), config).map_err(|e| e.to_string())?;
        let log = std::fs::File::create(dir.join("containerd.log")).map_err(|e| e.to_string())?;
        let mut cmd = Command::new("containerd");
        cmd.arg("--config")
            .arg(dir.join("config.toml"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log);
        if private_mounts {
            in_new_mount_namespace(&mut cmd);
        }
        let pid = spawn_tied(cmd)?;
        let c = Containerd {
            dir: dir.to_path_buf(),
            socket,
            pid,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while run(c.ctr_cmd("default", &["version"]), Input::Null).status != 0 {
            if Instant::now() > deadline {
                let log = std::fs::read_to_string(dir.join("containerd.log")).unwrap_or_default();
                return Err(format!("containerd did not come up in 20s:\n{log}"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(c)
    }

    /// `ctr --address SOCKET --namespace NS ARGS...`.
    pub fn ctr_cmd(&self, namespace: &str, args: &[&str]) -> Command {
        let mut c = Command::new("ctr");
        c.arg("--address")
            .arg(&self.socket)
            .args(["--namespace", namespace])
            .args(args);
        c
    }
}

/// Client programs whose command lines name containers without being
/// part of them; [`processes_naming`] leaves them out.
const CLIENTS: &[&str] = &["ctr", "docker", "podman", "script"];

/// Host processes (other than clients) whose command line contains
/// `needle`: shims, conmon, runtimes, sandboxes, gofers.
pub fn processes_naming(needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    let Ok(rd) = std::fs::read_dir("/proc") else {
        return found;
    };
    for e in rd.flatten() {
        let name = e.file_name();
        let Some(pid) = name
            .to_str()
            .filter(|n| n.bytes().all(|b| b.is_ascii_digit()))
        else {
            continue;
        };
        let Ok(cmd) = std::fs::read(e.path().join("cmdline")) else {
            continue;
        };
        let argv0 = cmd.split(|&b| b == 0).next().unwrap_or_default();
        let base = String::from_utf8_lossy(argv0.rsplit(|&b| b == b'/').next().unwrap_or(argv0))
            .into_owned();
        if CLIENTS.contains(&base.as_str()) {
            continue;
        }
        let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
        if cmd.contains(needle) {
            found.push(format!("{pid}: {cmd}"));
        }
    }
    found
}

/// What a removed container left on the host: processes whose command
/// line names its `id` or its `root` directory (when known), cgroups
/// named after it, and any of `pids` still alive. Empty when nothing is
/// left.
pub fn leftovers(id: &str, root: &str, pids: &[u32]) -> Vec<String> {
    let mut left = processes_naming(id);
    if !root.is_empty() {
        left.extend(processes_naming(root));
    }
    left.extend(
        cgroups_containing(id)
            .into_iter()
            .map(|c| format!("cgroup {}", c.display())),
    );
    left.extend(
        pids.iter()
            .filter(|&&p| p > 0 && alive(p))
            .map(|p| format!("pid {p} is alive")),
    );
    left
}

/// Cgroup directories whose name contains `id`, one or two levels below
/// the root of any hierarchy (`docker/ID`, `libpod_parent/libpod-ID`,
/// `NAMESPACE/ID`), cgroup v1 or v2.
pub fn cgroups_containing(id: &str) -> Vec<PathBuf> {
    let root = Path::new("/sys/fs/cgroup");
    let mut hierarchies = vec![root.to_path_buf()];
    if let Ok(rd) = std::fs::read_dir(root) {
        hierarchies.extend(rd.flatten().map(|e| e.path()).filter(|p| p.is_dir()));
    }
    let subdirs = |d: &Path| -> Vec<PathBuf> {
        std::fs::read_dir(d)
            .map(|rd| {
                rd.flatten()
                    .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                    .map(|e| e.path())
                    .collect()
            })
            .unwrap_or_default()
    };
    let named = |p: &Path| {
        p.file_name()
            .is_some_and(|n| n.to_string_lossy().contains(id))
    };
    let mut found = Vec::new();
    for h in hierarchies {
        for l1 in subdirs(&h) {
            if named(&l1) {
                found.push(l1);
                continue;
            }
            found.extend(subdirs(&l1).into_iter().filter(|l2| named(l2)));
        }
    }
    found.sort();
    found.dedup();
    found
}

/// Whether host process `pid` exists and is not a zombie.
pub fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rsplit_once(") ")
            .and_then(|(_, rest)| rest.chars().next())
            .is_some_and(|state| state != 'Z' && state != 'X'),
        Err(_) => false,
    }
}

/// The parent of host process `pid`.
pub fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat.rsplit_once(") ")?
        .1
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Whether host process `pid` is `ancestor` or one of its descendants.
pub fn descends_from(pid: u32, ancestor: u32) -> bool {
    let mut p = pid;
    for _ in 0..64 {
        if p == ancestor {
            return true;
        }
        match parent_of(p) {
            Some(pp) if pp > 1 => p = pp,
            _ => return false,
        }
    }
    false
}

/// Polls `f` every 50 ms until it returns `Some`, or panics with
/// `what` and the last value it saw after `timeout`.
pub fn wait_for<T>(what: &str, timeout: Duration, mut f: impl FnMut() -> Result<T, String>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        match f() {
            Ok(v) => return v,
            Err(last) if Instant::now() > deadline => {
                panic!("{what}: not within {timeout:?}; last: {last}")
            }
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

/// Waits (at most `timeout`) for a client started in the background with
/// piped stdout and stderr; kills it and panics when it takes longer.
pub fn finish(mut child: Child, timeout: Duration) -> Outcome {
    let drain = |r: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut r) = r {
                let _ = r.read_to_end(&mut buf);
            }
            buf
        })
    };
    let out = drain(
        child
            .stdout
            .take()
            .map(|r| Box::new(r) as Box<dyn Read + Send>),
    );
    let err = drain(
        child
            .stderr
            .take()
            .map(|r| Box::new(r) as Box<dyn Read + Send>),
    );
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("the client did not finish within {timeout:?}");
            }
        }
    };
    Outcome {
        status: status
            .code()
            .unwrap_or_else(|| 128 + status.signal().unwrap_or(0)),
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    }
}

/// How many tests of this test binary run in this process, given how many
/// it has that run by default and how many are `#[ignore]`d, from the
/// harness's arguments (`--include-ignored`, `--ignored`); `None` when a
/// name filter or `--skip` may leave some out.
pub fn tests_to_run(default: usize, ignored: usize) -> Option<usize> {
    const WITH_VALUE: &[&str] = &[
        "--test-threads",
        "--format",
        "--color",
        "--logfile",
        "--shuffle-seed",
        "-Z",
    ];
    let mut n = default;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--include-ignored" => n = default + ignored,
            "--ignored" => n = ignored,
            "--skip" => return None,
            _ if WITH_VALUE.contains(&a.as_str()) => {
                args.next();
            }
            _ if a.starts_with('-') => {}
            _ => return None,
        }
    }
    Some(n)
}

/// Quotes `s` for sh.
pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// script(1) running the shell command `line` on a fresh pseudo-terminal
/// that is its controlling terminal. The line runs through `exec` in
/// /bin/sh whatever the caller's $SHELL: a shell left waiting between
/// script and the program is in the terminal's foreground group too, and a
/// non-interactive dash dies of a typed ^C (status 130) even when the
/// program traps it.
pub fn script_command(line: &str) -> Command {
    let mut script = Command::new("script");
    script
        .env("SHELL", "/bin/sh")
        .args(["-qefc", &format!("exec {line}"), "/dev/null"]);
    script
}

/// Runs `argv` under script(1), so that it has a terminal (`-t` needs
/// one), with `input` typed into it; returns what the terminal showed and
/// the exit status.
pub fn run_with_tty(argv: &[&str], input: &str) -> Outcome {
    run_with_tty_in(argv, input, |_| {})
}

/// [`run_with_tty`], with `setup` applied to the script(1) command first
/// (a namespace to start in, say).
pub fn run_with_tty_in(argv: &[&str], input: &str, setup: impl FnOnce(&mut Command)) -> Outcome {
    let line = argv
        .iter()
        .map(|a| shell_quote(a))
        .collect::<Vec<_>>()
        .join(" ");
    let mut script = script_command(&line);
    setup(&mut script);
    let mut child = script
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("script (bsdutils): {e}"));
    if let Some(mut i) = child.stdin.take() {
        let _ = i.write_all(input.as_bytes());
        // Keep stdin open briefly: script ends the session on EOF.
        std::thread::sleep(Duration::from_millis(200));
    }
    finish(child, Duration::from_secs(60))
}

/// Runs `argv` under script(1), waits until the terminal shows `ready`,
/// types ^C, and returns what the terminal showed after that (the echoed
/// "^C" removed) and the exit status.
pub fn interrupt_with_tty(argv: &[&str]) -> (String, i32) {
    use std::io::Read;
    let line = argv
        .iter()
        .map(|a| shell_quote(a))
        .collect::<Vec<_>>()
        .join(" ");
    let mut child = script_command(&line)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("script (bsdutils): {e}"));
    let mut out = child.stdout.take().expect("piped");
    let mut seen = Vec::new();
    let mut buf = [0u8; 256];
    while !String::from_utf8_lossy(&seen).contains("ready") {
        match out.read(&mut buf) {
            Ok(0) | Err(_) => panic!(
                "{line}: ended before ready: {:?}",
                String::from_utf8_lossy(&seen)
            ),
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    }
    let mut stdin = child.stdin.take().expect("piped");
    stdin.write_all(b"\x03").expect("type ^C");
    let mut rest = String::new();
    let _ = out.read_to_string(&mut rest);
    drop(stdin);
    let st = child.wait().expect("wait for script");
    (rest.replace("^C", ""), st.code().unwrap_or(-1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_shell_quote_escapes_single_quotes() {
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }

    #[test]
    fn test_descends_from_finds_this_process_under_its_parent() {
        let me = std::process::id();
        let parent = parent_of(me).expect("parent");
        assert!(descends_from(me, me));
        assert!(descends_from(me, parent));
        assert!(!descends_from(parent, me));
        assert!(alive(me));
    }
}
