//! `runsc do PROGRAM ARGS...`: run a host program in a fresh sandbox.

use super::CmdError;
use crate::cli::GlobalOpts;
use std::ffi::OsString;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

/// Finds `prog` like a shell: as given if it has a slash, else on $PATH.
fn resolve(prog: &Path) -> Result<PathBuf, CmdError> {
    if prog.as_os_str().as_bytes().contains(&b'/') {
        return Ok(prog.to_path_buf());
    }
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into());
    std::env::split_paths(&path)
        .map(|d| d.join(prog))
        .find(|p| p.is_file())
        .ok_or_else(|| CmdError::Msg(format!("{}: command not found in PATH", prog.display())))
}

fn dup_stdio(fd: std::os::fd::BorrowedFd<'_>, name: &str) -> Result<OwnedFd, CmdError> {
    fd.try_clone_to_owned()
        .map_err(|e| CmdError::Msg(format!("cannot duplicate {name}: {e}")))
}

/// Runs the command; returns the guest's exit status as a shell would.
pub fn run(global: &GlobalOpts, command: Vec<OsString>) -> Result<i32, CmdError> {
    let path = resolve(Path::new(&command[0]))?;
    let exe = std::fs::File::open(&path)
        .map_err(|e| CmdError::Msg(format!("cannot open {}: {e}", path.display())))?;
    let abs = std::path::absolute(&path).unwrap_or(path);
    let init = sentry::InitProcess {
        exe,
        exe_path: abs.into_os_string().into_vec(),
        argv: command.into_iter().map(OsStringExt::into_vec).collect(),
        envp: std::env::vars_os()
            .map(|(k, v)| [k.as_bytes(), b"=", v.as_bytes()].concat())
            .collect(),
        stdio: [
            dup_stdio(std::io::stdin().as_fd(), "stdin")?,
            dup_stdio(std::io::stdout().as_fd(), "stdout")?,
            dup_stdio(std::io::stderr().as_fd(), "stderr")?,
        ],
        uid: 0,
        gid: 0,
    };
    let config = sentry::kernel::KernelConfig {
        strace: global.strace,
        ..Default::default()
    };
    Ok(sentry::run(config, init)?.shell_code())
}
