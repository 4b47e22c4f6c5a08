//! The sentry's log: warnings and --strace lines go to stderr (or the
//! runtime's log file once runsc sets one).

use std::io::Write;
use std::sync::Mutex;

static SINK: Mutex<Option<std::fs::File>> = Mutex::new(None);

/// Sends log lines to `file` instead of stderr.
pub fn set_sink(file: std::fs::File) {
    *SINK.lock().unwrap_or_else(|e| e.into_inner()) = Some(file);
}

/// Writes one line.
pub fn line(msg: &str) {
    let mut sink = SINK.lock().unwrap_or_else(|e| e.into_inner());
    let text = format!("{msg}\n");
    let _ = match sink.as_mut() {
        Some(f) => f.write_all(text.as_bytes()),
        None => std::io::stderr().write_all(text.as_bytes()),
    };
}

/// Writes a warning line.
pub fn warn(msg: &str) {
    line(&format!("runsc: warning: {msg}"));
}
