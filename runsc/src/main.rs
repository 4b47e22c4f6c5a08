//! runsc: the OCI runtime CLI. Each subcommand lives in `cmd/<verb>.rs`.

mod cli;
mod cmd;
mod confine;
mod oci;

use clap::Parser;
use std::ffi::OsString;

/// runc flags that go-runc and other callers may pass and that mean
/// nothing here: accepted anywhere before `--`, and ignored.
const IGNORED_FLAGS: &[&str] = &["--no-pivot", "--no-new-keyring", "--no-subreaper", "--keep"];
/// Ignored runc flags that take a value (`--flag V` or `--flag=V`).
const IGNORED_VALUE_FLAGS: &[&str] = &["--preserve-fds", "--pidfd-socket", "--criu"];
/// Ignored runc flags that only come as `--flag=V` (or bare).
const IGNORED_EQ_FLAGS: &[&str] = &["--rootless"];

/// Drops the ignored runc flags from `args`; returns the rest and what
/// was dropped. Arguments after `--`, and those of `do` (a host command
/// line), are left alone.
fn strip_ignored(args: Vec<OsString>) -> (Vec<OsString>, Vec<String>) {
    let mut kept = Vec::with_capacity(args.len());
    let mut dropped = Vec::new();
    let mut it = args.into_iter();
    let mut passthrough = false;
    while let Some(a) = it.next() {
        if passthrough {
            kept.push(a);
            continue;
        }
        let s = a.to_string_lossy().into_owned();
        if s == "--" || s == "do" {
            passthrough = true;
            kept.push(a);
            continue;
        }
        let name = s.split('=').next().unwrap_or("");
        if IGNORED_FLAGS.contains(&s.as_str())
            || IGNORED_EQ_FLAGS.contains(&name)
            || (IGNORED_VALUE_FLAGS.contains(&name) && s.contains('='))
        {
            dropped.push(s);
        } else if IGNORED_VALUE_FLAGS.contains(&s.as_str()) {
            let v = it.next().map(|v| v.to_string_lossy().into_owned());
            dropped.push(format!("{s} {}", v.unwrap_or_default()));
        } else {
            kept.push(a);
        }
    }
    (kept, dropped)
}

fn main() {
    let (args, ignored) = strip_ignored(std::env::args_os().collect());
    let cli = cli::Cli::parse_from(args);
    let code = match cmd::dispatch(cli, &ignored) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("runsc: {e:#}");
            1
        }
    };
    std::process::exit(code);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strip(v: &[&str]) -> Vec<String> {
        strip_ignored(v.iter().map(OsString::from).collect())
            .0
            .into_iter()
            .map(|s| s.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn test_strip_ignored_drops_runc_flags_and_values() {
        assert_eq!(
            strip(&[
                "runsc",
                "--criu",
                "/x",
                "--rootless=false",
                "create",
                "--no-pivot",
                "--preserve-fds",
                "2",
                "--pidfd-socket=/s",
                "id"
            ]),
            ["runsc", "create", "id"]
        );
    }

    #[test]
    fn test_strip_ignored_keeps_args_after_double_dash_and_do() {
        assert_eq!(
            strip(&["runsc", "spec", "--", "x", "--no-pivot"]),
            ["runsc", "spec", "--", "x", "--no-pivot"]
        );
        assert_eq!(strip(&["runsc", "do", "--keep"]), ["runsc", "do", "--keep"]);
    }
}
