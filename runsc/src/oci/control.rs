//! The control socket between the CLI and the sandbox process: a
//! path-based unix stream socket in the container's state directory; one
//! request and one reply per connection, each a JSON object preceded by
//! its length (u32, little-endian).
//!
//! Requests: `{"cmd":"start"}`, `{"cmd":"signal","signal":N,"all":B}`
//! (or `"pid":P` for one guest process), `{"cmd":"ps"}`, `{"cmd":"pause"}`,
//! `{"cmd":"resume"}`, and `{"cmd":"exec","args":[..],"env":[..],"cwd":D,
//! "uid":U,"gid":G,"groups":[..],"terminal":B}`, which carries the new process's stdio
//! (three fds, SCM_RIGHTS, attached to the request's bytes). Replies:
//! `{"ok":true,...}` or `{"error":"..."}`. An exec's connection stays
//! open: once the process ends, a second message `{"exitStatus":N}`
//! follows (N is 128+signal for a signal); if the client hangs up before
//! that, the process is killed, so that whoever holds the connection
//! stands for the process, as the process itself does with runc.

use serde_json::{json, Value};
use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Largest message either side accepts.
const MAX_MESSAGE: usize = 1 << 20;

/// Longest path `sockaddr_un` holds (108 bytes with the NUL).
const SUN_PATH_MAX: usize = 107;

/// A control-socket failure, naming the socket.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    /// The sandbox is not answering.
    #[error("cannot reach the sandbox at {path}: {source}")]
    Connect {
        /// The socket.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The exchange failed half-way.
    #[error("talking to the sandbox at {path}: {detail}")]
    Exchange {
        /// The socket.
        path: PathBuf,
        /// What went wrong.
        detail: String,
    },
    /// The sandbox refused the request.
    #[error("the sandbox refused: {0}")]
    Refused(String),
}

/// Writes one framed message.
pub fn write_msg(s: &mut UnixStream, v: &Value) -> std::io::Result<()> {
    let body = serde_json::to_vec(v).map_err(std::io::Error::other)?;
    let len = u32::try_from(body.len()).map_err(std::io::Error::other)?;
    s.write_all(&len.to_le_bytes())?;
    s.write_all(&body)
}

/// Reads one framed message.
pub fn read_msg(s: &mut UnixStream) -> std::io::Result<Value> {
    let mut len = [0u8; 4];
    s.read_exact(&mut len)?;
    let len = u32::from_le_bytes(len) as usize;
    if len > MAX_MESSAGE {
        return Err(std::io::Error::other(format!(
            "message of {len} bytes is too long"
        )));
    }
    let mut body = vec![0u8; len];
    s.read_exact(&mut body)?;
    serde_json::from_slice(&body).map_err(std::io::Error::other)
}

/// Reads one framed message and any fds sent with its first bytes.
pub fn read_msg_fds(s: &mut UnixStream) -> std::io::Result<(Value, Vec<std::os::fd::OwnedFd>)> {
    let mut len = [0u8; 4];
    let (n, fds) = super::fdpass::recv(s, &mut len)?;
    if n == 0 {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    s.read_exact(&mut len[n..])?;
    let len = u32::from_le_bytes(len) as usize;
    if len > MAX_MESSAGE {
        return Err(std::io::Error::other(format!(
            "message of {len} bytes is too long"
        )));
    }
    let mut body = vec![0u8; len];
    s.read_exact(&mut body)?;
    let v = serde_json::from_slice(&body).map_err(std::io::Error::other)?;
    Ok((v, fds))
}

/// Runs `f` on `path`, or, when `path` is too long for a socket address,
/// on `/proc/self/fd/N/<name>` through an O_PATH fd of its directory.
fn via_short_path<T>(
    path: &Path,
    f: impl FnOnce(&Path) -> std::io::Result<T>,
) -> std::io::Result<T> {
    if path.as_os_str().len() <= SUN_PATH_MAX {
        return f(path);
    }
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return f(path);
    };
    use std::os::unix::fs::OpenOptionsExt;
    let d = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_PATH | libc::O_DIRECTORY)
        .open(dir)?;
    use std::os::fd::AsRawFd;
    let short = PathBuf::from(format!("/proc/self/fd/{}", d.as_raw_fd())).join(name);
    f(&short)
}

/// Binds the listening socket at `path` (path-based, never abstract).
pub fn listen(path: &Path) -> std::io::Result<UnixListener> {
    via_short_path(path, |p| UnixListener::bind(p))
}

/// Sends `req` to the sandbox listening at `path` and returns its reply;
/// an `{"error":...}` reply is [`ControlError::Refused`].
pub fn request(path: &Path, req: &Value, timeout: Option<Duration>) -> Result<Value, ControlError> {
    let mut s = via_short_path(path, |p| UnixStream::connect(p)).map_err(|source| {
        ControlError::Connect {
            path: path.into(),
            source,
        }
    })?;
    let ex = |e: std::io::Error| ControlError::Exchange {
        path: path.into(),
        detail: e.to_string(),
    };
    s.set_read_timeout(timeout).map_err(ex)?;
    write_msg(&mut s, req).map_err(ex)?;
    let reply = read_msg(&mut s).map_err(ex)?;
    if let Some(e) = reply.get("error").and_then(Value::as_str) {
        return Err(ControlError::Refused(e.to_string()));
    }
    Ok(reply)
}

/// Sends `req` with `fds` attached to the sandbox at `path` and returns
/// its reply and the connection, on which more may follow (an exec's exit
/// status). `timeout` bounds the wait for the reply.
pub fn request_fds(
    path: &Path,
    req: &Value,
    fds: &[std::os::fd::RawFd],
    timeout: Option<Duration>,
) -> Result<(Value, UnixStream), ControlError> {
    let mut s = via_short_path(path, |p| UnixStream::connect(p)).map_err(|source| {
        ControlError::Connect {
            path: path.into(),
            source,
        }
    })?;
    let ex = |e: std::io::Error| ControlError::Exchange {
        path: path.into(),
        detail: e.to_string(),
    };
    let body = serde_json::to_vec(req).map_err(|e| ex(std::io::Error::other(e)))?;
    let len = u32::try_from(body.len()).map_err(|e| ex(std::io::Error::other(e)))?;
    let msg = [&len.to_le_bytes()[..], &body].concat();
    super::fdpass::send(&s, &msg, fds).map_err(ex)?;
    s.set_read_timeout(timeout).map_err(ex)?;
    let reply = read_msg(&mut s).map_err(ex)?;
    if let Some(e) = reply.get("error").and_then(Value::as_str) {
        return Err(ControlError::Refused(e.to_string()));
    }
    s.set_read_timeout(None).map_err(ex)?;
    Ok((reply, s))
}

/// The reply for a failed request.
pub fn error_reply(msg: &str) -> Value {
    json!({ "error": msg })
}
