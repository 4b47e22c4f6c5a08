//! The sentry's log: warnings and --strace lines go to stderr (or the
//! runtime's log file once runsc sets one).

use std::io::Write;
use std::sync::Mutex;

static SINK: Mutex<Option<std::fs::File>> = Mutex::new(None);

/// Sends log lines to `file` instead of stderr.
pub fn set_sink(file: std::fs::File) {
    *SINK.lock().unwrap_or_else(|e| e.into_inner()) = Some(file);
}

/// Whether lines are written as JSON objects (`--log-format json`).
static JSON: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Writes each line as `{"level":...,"msg":...}` (what go-runc and
/// containerd parse) instead of plain text.
pub fn set_json(on: bool) {
    JSON.store(on, std::sync::atomic::Ordering::Relaxed);
}

/// `msg` as one JSON object; the level comes from a "runsc: LEVEL: "
/// prefix (error, warning, debug), else "info".
fn json_line(msg: &str) -> String {
    let (level, text) = ["error", "warning", "debug"]
        .into_iter()
        .find_map(|l| {
            msg.strip_prefix("runsc: ")
                .and_then(|m| m.strip_prefix(l))
                .and_then(|m| m.strip_prefix(": "))
                .map(|t| (l, t))
        })
        .unwrap_or(("info", msg));
    let mut out = format!("{{\"level\":\"{level}\",\"msg\":\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push_str("\"}\n");
    out
}

/// `msg` as the text of one log line, as JSON or plain.
pub fn format_line(msg: &str, json: bool) -> String {
    if json {
        json_line(msg)
    } else {
        format!("{msg}\n")
    }
}

/// Writes one line.
pub fn line(msg: &str) {
    let mut sink = SINK.lock().unwrap_or_else(|e| e.into_inner());
    let text = format_line(msg, JSON.load(std::sync::atomic::Ordering::Relaxed));
    let _ = match sink.as_mut() {
        Some(f) => f.write_all(text.as_bytes()),
        None => std::io::stderr().write_all(text.as_bytes()),
    };
}

/// Writes a warning line.
pub fn warn(msg: &str) {
    line(&format!("runsc: warning: {msg}"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_json_line_escapes_and_levels() {
        assert_eq!(
            json_line("runsc: warning: a \"b\"\\\n"),
            "{\"level\":\"warning\",\"msg\":\"a \\\"b\\\"\\\\\\u000a\"}\n"
        );
        assert_eq!(json_line("x"), "{\"level\":\"info\",\"msg\":\"x\"}\n");
        assert_eq!(
            json_line("runsc: error: bad"),
            "{\"level\":\"error\",\"msg\":\"bad\"}\n"
        );
    }
}
