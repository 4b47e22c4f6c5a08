//! `runsc create [--bundle B] [--pid-file F] [--console-socket S] ID`:
//! checks the bundle, makes the state directory and starts the sandbox
//! process (`runsc boot`), which starts the gofer, boots the kernel and
//! loads the container's program, then waits on its control socket for
//! `start`. Nothing is left behind when any step fails.

use super::CmdError;
use crate::cli::GlobalOpts;
use crate::oci::cgroup::Cgroup;
use crate::oci::spec::{self, absolute};
use crate::oci::state::{self, Container, State, Status};
use std::io::BufRead;
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Child;

/// What create needs.
#[derive(Debug)]
pub struct CreateOpts<'a> {
    /// The bundle directory.
    pub bundle: &'a Path,
    /// Where to write the sandbox pid.
    pub pid_file: Option<&'a Path>,
    /// Where to send the terminal's master.
    pub console_socket: Option<&'a Path>,
    /// The container id.
    pub id: &'a str,
}

/// The fd number `runsc boot` finds its readiness pipe at.
const READY_FD: i32 = 3;

/// `runsc create`.
pub fn run(global: &GlobalOpts, o: &CreateOpts<'_>) -> Result<i32, CmdError> {
    // The sandbox is not waited for: its parent's parent (a shim that is
    // a subreaper) or init reaps it.
    create(global, o).map(|_| 0)
}

/// Creates the container; returns the sandbox process (a child of this
/// process) once it waits for `start`, with state.json saying `created`
/// and the pid file written.
pub fn create(global: &GlobalOpts, o: &CreateOpts<'_>) -> Result<Child, CmdError> {
    state::check_id(o.id)?;
    let bundle = spec::load(o.bundle)?;
    let root = absolute(&global.root);
    let c = Container::create(&root, o.id)?;
    let mut st = State {
        id: o.id.to_string(),
        status: Status::Creating,
        pid: 0,
        start_time: 0,
        bundle: bundle.dir.clone(),
        rootfs: bundle.rootfs.clone(),
        created: state::now_rfc3339(),
        owner: state::owner(),
        annotations: bundle.annotations.clone(),
    };
    let mut child = None;
    let mut cgroup = None;
    let res = (|| -> Result<(), CmdError> {
        c.save(&st)?;
        let cg = Cgroup::create(
            bundle.cgroups_path.as_deref(),
            o.id,
            bundle.resources.as_ref(),
        )?;
        cg.save(&c.dir)?;
        let procs = cg.procs_files();
        cgroup = Some(cg);
        let (ch, ready) = spawn_boot(global, &root, &bundle.dir, o, procs?)?;
        st.pid = ch.id() as i32;
        st.start_time = state::start_time(st.pid);
        child = Some(ch);
        // Recorded at once, so that if create itself is killed now,
        // `delete` finds and kills the sandbox.
        c.save(&st)?;
        wait_ready(ready, o.id)?;
        st.status = Status::Created;
        c.save(&st)?;
        if let Some(p) = o.pid_file {
            write_pid_file(p, st.pid)?;
        }
        Ok(())
    })();
    if let Err(e) = res {
        if let Some(mut ch) = child {
            let _ = ch.kill();
            let _ = ch.wait();
        }
        if let Some(cg) = cgroup {
            cg.remove();
        }
        let _ = c.destroy();
        return Err(e);
    }
    Ok(child.unwrap_or_else(|| unreachable!("create succeeded without a sandbox")))
}

/// Starts `runsc boot` with the readiness pipe at fd 3, in a session of
/// its own (no terminal signals reach it), inheriting stdio.
fn spawn_boot(
    global: &GlobalOpts,
    root: &Path,
    bundle: &Path,
    o: &CreateOpts<'_>,
    cgroup_procs: Vec<std::fs::File>,
) -> Result<(Child, std::io::PipeReader), CmdError> {
    let exe = std::env::current_exe()
        .map_err(|e| CmdError::Msg(format!("cannot find the runsc binary: {e}")))?;
    let (r, w) = std::io::pipe()
        .map_err(|e| CmdError::Msg(format!("cannot create the sandbox's ready pipe: {e}")))?;
    let mut cmd = std::process::Command::new(exe);
    cmd.arg("--root").arg(root);
    if let Some(log) = &global.log {
        cmd.arg("--log").arg(absolute(log));
        if global.log_format == crate::cli::LogFormat::Json {
            cmd.arg("--log-format=json");
        }
    }
    if let Some(log) = &global.debug_log {
        cmd.arg("--debug-log").arg(absolute(log));
    }
    if global.debug {
        cmd.arg("--debug");
    }
    if global.strace {
        cmd.arg("--strace");
    }
    if global.overlay2 == crate::cli::Overlay::None {
        cmd.arg("--overlay2=none");
    }
    cmd.arg("boot")
        .arg("--bundle")
        .arg(bundle)
        .arg("--ready-fd")
        .arg(READY_FD.to_string());
    if let Some(s) = o.console_socket {
        cmd.arg("--console-socket").arg(absolute(s));
        // The guest's stdio is the terminal. The sandbox must not hold
        // create's own stdout and stderr: go-runc reads them to EOF
        // before `create` counts as finished (and only then receives the
        // console), as runc's init does not hold them either.
        cmd.stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
    }
    cmd.arg("--").arg(o.id);
    let raw = w.as_raw_fd();
    let procs: Vec<i32> = cgroup_procs.iter().map(|f| f.as_raw_fd()).collect();
    // SAFETY: the closure runs in the forked child before exec and makes
    // only async-signal-safe calls (write, dup2, setsid).
    unsafe {
        cmd.pre_exec(move || {
            // Join the container's cgroup before anything else exists:
            // "0" is the writing process.
            for &fd in &procs {
                if libc::write(fd, b"0".as_ptr().cast(), 1) != 1 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            if libc::dup2(raw, READY_FD) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            libc::setsid();
            Ok(())
        });
    }
    // The sandbox is the init of a fresh pid namespace (crate::confine).
    let child = crate::confine::with_new_pid_ns(|| cmd.spawn())?
        .map_err(|e| CmdError::Msg(format!("cannot start the sandbox process: {e}")))?;
    drop(w);
    drop(cgroup_procs);
    Ok((child, r))
}

/// Reads the sandbox's one-line report: `ok`, or `error: ...`.
fn wait_ready(r: std::io::PipeReader, id: &str) -> Result<(), CmdError> {
    let mut line = String::new();
    let _ = std::io::BufReader::new(r).read_line(&mut line);
    let line = line.trim_end();
    if line == "ok" {
        return Ok(());
    }
    Err(CmdError::Msg(match line.strip_prefix("error: ") {
        Some(msg) => format!("create {id}: {msg}"),
        None => format!(
            "create {id}: the sandbox process ended before it was ready (see --log or stderr)"
        ),
    }))
}

/// Writes `pid` to `path` atomically (a temporary file renamed over it).
pub fn write_pid_file(path: &Path, pid: i32) -> Result<(), CmdError> {
    let path = absolute(path);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.runsc-tmp"));
    std::fs::write(&tmp, pid.to_string())
        .and_then(|()| std::fs::rename(&tmp, &path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            CmdError::Msg(format!(
                "cannot write the pid file {}: {e}; pass a writable --pid-file",
                path.display()
            ))
        })
}
