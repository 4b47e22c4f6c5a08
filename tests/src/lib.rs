//! The harness shared by the integration tests under `tests/`.
//!
//! It builds the runtime once per test process, compiles the C guest
//! programs under `c/` with `gcc -static` into `<target>/c-tests/`, runs a
//! program natively and under `runsc do`, and compares what each wrote to
//! stdout and stderr and how it ended.
//!
//! Environment:
//! - `RUNSC_BIN`: the runtime to test instead of the workspace's own
//!   `runsc` (which is then not built), for example gVisor's `runsc`.
//! - `RUNSC_ARGS`: extra leading arguments, split on whitespace, for example
//!   `--network=none --platform=ptrace` for gVisor.
//!
//! To prove the tests themselves against gVisor:
//! `RUNSC_BIN=$(which runsc) RUNSC_ARGS="--network=none --platform=ptrace"
//! cargo test --release -p tests --no-fail-fast -- --include-ignored`.
//! A `RUNSC_BIN` script that drops `do` and execs the rest runs every
//! program natively twice, which checks that the programs are deterministic.

pub mod ecosystem;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How long one run of a guest program (or of the runtime) may take.
pub const TIMEOUT: Duration = Duration::from_secs(120);

/// Lines the runtime itself writes to stderr (warnings about unsupported
/// syscalls, for example); they are dropped before stderr is compared.
const RUNTIME_STDERR_PREFIX: &str = "runsc: warning:";

/// The workspace root (the parent of this crate).
pub fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// The cargo target directory and profile directory name this test binary
/// was built into (`<target>/<profile>/deps/<test>-<hash>`), so the runtime
/// is built with the same profile into the same place.
fn target_and_profile() -> (PathBuf, String) {
    let fallback = (workspace_root().join("target"), "release".to_string());
    let Ok(exe) = std::env::current_exe() else {
        return fallback;
    };
    let Some(deps) = exe.parent() else {
        return fallback;
    };
    if deps.file_name().is_none_or(|n| n != "deps") {
        return fallback;
    }
    let (Some(profile_dir), Some(target)) = (deps.parent(), deps.parent().and_then(Path::parent))
    else {
        return fallback;
    };
    let profile = profile_dir
        .file_name()
        .map_or("release".into(), |n| n.to_string_lossy().into_owned());
    (target.to_path_buf(), profile)
}

/// The runtime under test: a binary and the arguments that precede `do`.
#[derive(Clone, Debug)]
pub struct Runtime {
    /// The runtime binary.
    pub bin: PathBuf,
    /// Leading arguments (from `RUNSC_ARGS`).
    pub args: Vec<String>,
}

impl Runtime {
    /// A command running the runtime with its leading arguments and `args`.
    pub fn command<S: AsRef<std::ffi::OsStr>>(&self, args: &[S]) -> Command {
        let mut cmd = Command::new(&self.bin);
        cmd.args(&self.args).args(args);
        cmd
    }
}

/// The runtime: the workspace's `runsc`, built once per test process with
/// the test's own profile, unless `RUNSC_BIN` names another one. The build
/// (a no-op cargo call when fresh) matters: this crate does not depend on
/// `runsc`, so a stale binary would otherwise go unnoticed.
pub fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Result<Runtime, String>> = OnceLock::new();
    let r = RUNTIME.get_or_init(|| {
        let args = std::env::var("RUNSC_ARGS")
            .unwrap_or_default()
            .split_whitespace()
            .map(String::from)
            .collect();
        if let Some(bin) = std::env::var_os("RUNSC_BIN").filter(|b| !b.is_empty()) {
            return Ok(Runtime {
                bin: PathBuf::from(bin),
                args,
            });
        }
        let (target, profile) = target_and_profile();
        build_runsc(&target, &profile)?;
        Ok(Runtime {
            bin: target.join(&profile).join("runsc"),
            args,
        })
    });
    match r {
        Ok(rt) => rt,
        Err(e) => panic!("{e}"),
    }
}

fn build_runsc(target: &Path, profile: &str) -> Result<(), String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(workspace_root())
        .args(["build", "--quiet", "-p", "runsc", "--target-dir"])
        .arg(target);
    match profile {
        "debug" => {}
        "release" => {
            cmd.arg("--release");
        }
        other => {
            cmd.args(["--profile", other]);
        }
    }
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run cargo to build runsc: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "building runsc failed ({:?}):\n{}",
            cmd,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(())
}

/// The directory of the C sources.
pub fn c_source_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("c")
}

/// The binary built from `c/<name>.c`, compiled on first use in this test
/// process with `gcc -static -O1 -Wall -Werror` into `<target>/c-tests/`.
pub fn c_program(name: &str) -> PathBuf {
    type Slot = Arc<OnceLock<Result<PathBuf, String>>>;
    static PROGRAMS: Mutex<BTreeMap<String, Slot>> = Mutex::new(BTreeMap::new());
    let slot = PROGRAMS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .entry(name.to_string())
        .or_default()
        .clone();
    match slot.get_or_init(|| compile(name)) {
        Ok(p) => p.clone(),
        Err(e) => panic!("{e}"),
    }
}

fn compile(name: &str) -> Result<PathBuf, String> {
    let src = c_source_dir().join(format!("{name}.c"));
    if !src.is_file() {
        return Err(format!("no C program {name}: {} is missing", src.display()));
    }
    let out_dir = target_and_profile().0.join("c-tests");
    std::fs::create_dir_all(&out_dir)
        .map_err(|e| format!("cannot create {}: {e}", out_dir.display()))?;
    // Written under a per-process name and renamed into place, so
    // concurrent test processes never run a half-written binary.
    let out = out_dir.join(name);
    let tmp = out_dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let res = Command::new("gcc")
        .args(["-static", "-O1", "-Wall", "-Werror", "-o"])
        .arg(&tmp)
        .arg(&src)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run gcc (apt-get install gcc libc6-dev): {e}"))?;
    if !res.status.success() {
        let _ = std::fs::remove_file(&tmp);
        return Err(format!(
            "gcc -static -O1 -Wall -Werror {} failed:\n{}",
            src.display(),
            String::from_utf8_lossy(&res.stderr)
        ));
    }
    std::fs::rename(&tmp, &out)
        .map_err(|e| format!("cannot rename {} to {}: {e}", tmp.display(), out.display()))?;
    Ok(out)
}

/// What a guest program reads on stdin.
#[derive(Clone, Copy, Debug)]
pub enum Input {
    /// `/dev/null`.
    Null,
    /// A fresh regular file holding these bytes, opened anew for each run.
    File(&'static [u8]),
}

impl Input {
    fn stdio(self) -> Stdio {
        match self {
            Input::Null => Stdio::null(),
            Input::File(bytes) => {
                static SEQ: AtomicUsize = AtomicUsize::new(0);
                let dir = target_and_profile().0.join("c-tests").join("inputs");
                let path = dir.join(format!(
                    "{}-{}",
                    std::process::id(),
                    SEQ.fetch_add(1, Ordering::Relaxed)
                ));
                let file = std::fs::create_dir_all(&dir)
                    .and_then(|()| std::fs::write(&path, bytes))
                    .and_then(|()| std::fs::File::open(&path))
                    .unwrap_or_else(|e| panic!("cannot create stdin file {}: {e}", path.display()));
                // The open file keeps the data; the name is not needed.
                let _ = std::fs::remove_file(&path);
                Stdio::from(file)
            }
        }
    }
}

/// How one run ended and what it printed.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The status a shell reports: the exit code, or 128 + the signal.
    pub status: i32,
    /// Everything written to stdout.
    pub stdout: Vec<u8>,
    /// Everything written to stderr.
    pub stderr: Vec<u8>,
}

impl Outcome {
    /// stdout as text (lossy).
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// stderr as text (lossy).
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    /// stderr without the runtime's own warning lines.
    pub fn guest_stderr(&self) -> String {
        self.stderr_text()
            .lines()
            .filter(|l| !l.starts_with(RUNTIME_STDERR_PREFIX))
            .map(|l| format!("{l}\n"))
            .collect()
    }
}

fn shell_status(s: ExitStatus) -> i32 {
    s.code()
        .or_else(|| s.signal().map(|sig| 128 + sig))
        .unwrap_or(-1)
}

fn drain<R: Read + Send + 'static>(r: Option<R>) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut r) = r {
            let _ = r.read_to_end(&mut buf);
        }
        buf
    })
}

/// Runs `cmd` with `input` on stdin and stdout/stderr piped, killing it
/// after [`TIMEOUT`].
pub fn run(mut cmd: Command, input: Input) -> Outcome {
    let desc = format!("{cmd:?}");
    let mut child: Child = cmd
        .stdin(input.stdio())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {desc}: {e}"));
    let out = drain(child.stdout.take());
    let err = drain(child.stderr.take());
    let deadline = Instant::now() + TIMEOUT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                // The readers are left behind: a grandchild (a sandbox
                // process of another runtime) may still hold the pipes.
                panic!("{desc} did not finish within {TIMEOUT:?} and was killed");
            }
            Err(e) => panic!("waiting for {desc}: {e}"),
        }
    };
    Outcome {
        status: shell_status(status),
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    }
}

/// Runs `prog args...` on the host.
pub fn run_native(prog: &Path, args: &[&str], input: Input) -> Outcome {
    let mut cmd = Command::new(prog);
    cmd.args(args);
    run(cmd, input)
}

/// Runs `runsc [RUNSC_ARGS] do prog args...`.
pub fn run_sandboxed(prog: &Path, args: &[&str], input: Input) -> Outcome {
    let mut cmd = runtime().command(&["do"]);
    cmd.arg(prog).args(args);
    run(cmd, input)
}

/// A line cut to a readable length (binary garbage can be one huge line).
fn clip(line: &str) -> String {
    const MAX_CHARS: usize = 160;
    match line.char_indices().nth(MAX_CHARS) {
        Some((i, _)) => format!("{}... ({} bytes)", &line[..i], line.len()),
        None => line.to_string(),
    }
}

/// A line diff of two texts: `-` lines only in the left one, `+` lines only
/// in the right one, each with its line number there.
pub fn diff(left_name: &str, left: &str, right_name: &str, right: &str) -> String {
    const MAX_LINES: usize = 60;
    // Past this many table cells the middle is shown as two blocks instead.
    const MAX_CELLS: usize = 16 << 20;
    let a: Vec<&str> = left.lines().collect();
    let b: Vec<&str> = right.lines().collect();
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (ma, mb) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    let mut s = format!("--- {left_name}\n+++ {right_name}\n");
    if let Some(before) = prefix.checked_sub(1).and_then(|i| a.get(i)) {
        let _ = writeln!(s, "  {:>5} | {}", prefix, clip(before));
    }
    let mut edits: Vec<(char, usize, &str)> = Vec::new();
    if (ma.len() + 1).saturating_mul(mb.len() + 1) <= MAX_CELLS {
        // lcs[i][j]: longest common subsequence of ma[i..] and mb[j..].
        let w = mb.len() + 1;
        let mut lcs = vec![0u32; (ma.len() + 1) * w];
        for i in (0..ma.len()).rev() {
            for j in (0..mb.len()).rev() {
                lcs[i * w + j] = if ma[i] == mb[j] {
                    lcs[(i + 1) * w + j + 1] + 1
                } else {
                    lcs[(i + 1) * w + j].max(lcs[i * w + j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < ma.len() || j < mb.len() {
            if i < ma.len() && j < mb.len() && ma[i] == mb[j] {
                i += 1;
                j += 1;
            } else if j == mb.len() || (i < ma.len() && lcs[(i + 1) * w + j] >= lcs[i * w + j + 1])
            {
                edits.push(('-', prefix + i + 1, ma[i]));
                i += 1;
            } else {
                edits.push(('+', prefix + j + 1, mb[j]));
                j += 1;
            }
        }
    } else {
        edits.extend(
            ma.iter()
                .enumerate()
                .map(|(i, l)| ('-', prefix + i + 1, *l)),
        );
        edits.extend(
            mb.iter()
                .enumerate()
                .map(|(j, l)| ('+', prefix + j + 1, *l)),
        );
    }
    for (sign, n, l) in edits.iter().take(MAX_LINES) {
        let _ = writeln!(s, "{sign} {n:>5} | {}", clip(l));
    }
    if edits.len() > MAX_LINES {
        let _ = writeln!(s, "  ... {} more differing lines", edits.len() - MAX_LINES);
    }
    if edits.is_empty() {
        s.push_str("  (the texts differ only in a trailing newline or invalid UTF-8)\n");
    }
    s
}

/// Asserts that the native and sandboxed runs printed the same stdout and
/// stderr (the runtime's own warnings aside) and ended with the same status.
pub fn assert_same(what: &str, native: &Outcome, sandboxed: &Outcome) {
    let mut problems = String::new();
    if native.status != sandboxed.status {
        let _ = writeln!(
            problems,
            "exit status: native {}, sandbox {}",
            native.status, sandboxed.status
        );
    }
    if native.stdout != sandboxed.stdout {
        let _ = writeln!(
            problems,
            "stdout differs ({} bytes native, {} bytes sandbox):\n{}",
            native.stdout.len(),
            sandboxed.stdout.len(),
            diff(
                "native",
                &native.stdout_text(),
                "sandbox",
                &sandboxed.stdout_text()
            )
        );
    }
    let (ne, se) = (native.guest_stderr(), sandboxed.guest_stderr());
    if ne != se {
        let _ = writeln!(
            problems,
            "stderr differs:\n{}",
            diff("native", &ne, "sandbox", &se)
        );
    }
    if !problems.is_empty() {
        panic!(
            "{what}: native and sandboxed runs differ\n{problems}\nfull sandbox stderr:\n{}",
            sandboxed.stderr_text()
        );
    }
}

/// Runs the C program `name` natively and in the sandbox with the same
/// arguments and stdin, asserts they agree, and returns the native outcome
/// (for further checks of what both printed).
pub fn compare(name: &str, args: &[&str], input: Input) -> Outcome {
    let prog = c_program(name);
    let native = run_native(&prog, args, input);
    let sandboxed = run_sandboxed(&prog, args, input);
    let what = std::iter::once(name)
        .chain(args.iter().copied())
        .collect::<Vec<_>>()
        .join(" ");
    assert_same(&what, &native, &sandboxed);
    native
}

/// Runs a host binary natively and in the sandbox; see [`compare`].
pub fn compare_binary(prog: &Path, args: &[&str], input: Input) -> Outcome {
    let native = run_native(prog, args, input);
    let sandboxed = run_sandboxed(prog, args, input);
    let what = std::iter::once(prog.display().to_string())
        .chain(args.iter().map(|s| s.to_string()))
        .collect::<Vec<_>>()
        .join(" ");
    assert_same(&what, &native, &sandboxed);
    native
}

/// Runs `c/NAME.c ARGS` both ways, asserts agreement, checks that the
/// native run ended with status 0 and wrote nothing to stderr, and that
/// every line of `expect` is among the lines it printed.
pub fn check_program(name: &str, args: &[&str], expect: &[&str]) {
    let out = compare(name, args, Input::Null);
    let text = out.stdout_text();
    assert_eq!(
        out.status,
        0,
        "{name} {args:?} failed natively:\nstdout:\n{text}\nstderr:\n{}",
        out.stderr_text()
    );
    assert!(
        out.stderr.is_empty(),
        "{name} {args:?} wrote to stderr natively:\n{}",
        out.stderr_text()
    );
    for line in expect {
        assert!(
            text.lines().any(|l| l == *line),
            "missing {line:?} in the output of {name} {args:?}:\n{text}"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_diff_changed_middle_line_shows_both_versions() {
        let d = diff("a", "x\ny\nz\n", "b", "x\nY\nz\n");
        assert_eq!(d, "--- a\n+++ b\n      1 | x\n-     2 | y\n+     2 | Y\n");
    }

    #[test]
    fn test_diff_inserted_line_is_the_only_edit() {
        let d = diff("a", "1\n2\n3\n4\n", "b", "1\n2\nnew\n3\n4\n");
        assert_eq!(d, "--- a\n+++ b\n      2 | 2\n+     3 | new\n");
    }

    #[test]
    fn test_diff_missing_tail_lists_only_the_tail() {
        let d = diff("a", "x\ny\nz\n", "b", "x\n");
        assert_eq!(d, "--- a\n+++ b\n      1 | x\n-     2 | y\n-     3 | z\n");
    }

    #[test]
    fn test_diff_long_line_is_clipped() {
        let long = "x".repeat(1000);
        let d = diff("a", &long, "b", "");
        assert!(d.contains("... (1000 bytes)") && d.len() < 400, "{d}");
    }

    #[test]
    fn test_guest_stderr_without_runtime_warnings_keeps_guest_lines() {
        let o = Outcome {
            status: 0,
            stdout: Vec::new(),
            stderr: b"runsc: warning: unsupported syscall x\nguest line\n".to_vec(),
        };
        assert_eq!(o.guest_stderr(), "guest line\n");
    }
}
