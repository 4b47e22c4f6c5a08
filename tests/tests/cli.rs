//! The runsc command line: the syscall table, and how `do` reports what it
//! cannot run.

use tests::{c_program, run, runtime, Input};

#[test]
fn test_syscalls_json_is_an_array_of_named_entries() {
    let out = run(
        runtime().command(&["syscalls", "--format", "json"]),
        Input::Null,
    );
    assert_eq!(out.status, 0, "stderr: {}", out.stderr_text());
    let text = out.stdout_text();
    let body = text.trim();
    assert!(
        body.starts_with('[') && body.ends_with(']'),
        "not a JSON array:\n{body}"
    );
    // One object per syscall, each with a name and a support level (serde is
    // not a dependency of this crate; a textual check is enough).
    let objects = body.matches('{').count();
    assert!(objects > 300, "only {objects} objects");
    assert_eq!(objects, body.matches('}').count());
    assert_eq!(objects, body.matches("\"name\":").count());
    assert_eq!(objects, body.matches("\"support\":").count());
    // `read` is there and is implemented at least partly.
    let read = body
        .split('}')
        .find(|obj| obj.contains("\"name\": \"read\""))
        .unwrap_or_else(|| panic!("no entry for read in:\n{body}"));
    assert!(
        read.contains("\"support\": \"full\"") || read.contains("\"support\": \"partial\""),
        "read is not supported: {read}"
    );
    assert!(
        body.contains("\"support\": \"unimplemented\""),
        "no unimplemented entries: the table is suspiciously complete"
    );
}

#[test]
fn test_syscalls_table_lists_every_json_name() {
    let json = run(
        runtime().command(&["syscalls", "--format", "json"]),
        Input::Null,
    )
    .stdout_text();
    let table = run(runtime().command(&["syscalls"]), Input::Null).stdout_text();
    let names: Vec<&str> = json
        .lines()
        .filter_map(|l| l.trim().strip_prefix("\"name\": \""))
        .filter_map(|l| l.split('"').next())
        .collect();
    assert!(!names.is_empty());
    for name in names {
        assert!(
            table
                .lines()
                .any(|l| l.split_whitespace().nth(1) == Some(name)),
            "{name} missing from the table"
        );
    }
}

#[test]
fn test_do_nonexistent_program_fails_with_one_line_naming_it() {
    let out = run(
        runtime().command(&["do", "/nonexistent/program"]),
        Input::Null,
    );
    assert_ne!(out.status, 0);
    assert!(out.stdout.is_empty(), "stdout: {}", out.stdout_text());
    let err = out.stderr_text();
    assert_eq!(err.lines().count(), 1, "stderr: {err}");
    assert!(err.contains("/nonexistent/program"), "stderr: {err}");
}

#[test]
fn test_do_dynamic_binaries_run_with_their_interpreter() {
    let out = run(runtime().command(&["do", "/bin/true"]), Input::Null);
    assert_eq!(out.status, 0, "stderr: {}", out.stderr_text());
    let out = run(runtime().command(&["do", "/bin/false"]), Input::Null);
    assert_eq!(out.status, 1, "stderr: {}", out.stderr_text());
}

#[test]
fn test_do_directory_is_refused_with_one_line() {
    let out = run(runtime().command(&["do", "/etc"]), Input::Null);
    assert_ne!(out.status, 0);
    let err = out.stderr_text();
    assert_eq!(err.lines().count(), 1, "stderr: {err}");
    assert!(err.contains("/etc"), "stderr: {err}");
}

#[test]
fn test_do_without_program_is_a_usage_error() {
    let out = run(runtime().command(&["do"]), Input::Null);
    assert_ne!(out.status, 0);
    assert!(
        out.stderr_text().to_lowercase().contains("usage"),
        "{}",
        out.stderr_text()
    );
}

#[test]
fn test_strace_do_logs_write_and_exit_group() {
    let prog = c_program("exit_code");
    let mut cmd = runtime().command(&["--strace", "do"]);
    cmd.arg(&prog).arg("5");
    let out = run(cmd, Input::Null);
    assert_eq!(out.status, 5, "stderr: {}", out.stderr_text());
    // The guest's own output is untouched by tracing.
    assert_eq!(
        out.stdout_text(),
        "exiting with 5 by return\natexit handler ran\n"
    );
    let err = out.stderr_text();
    assert!(
        err.lines()
            .any(|l| l.contains("write(1, ") && l.contains("exiting with 5")),
        "no write(1, ...) line in:\n{err}"
    );
    assert!(
        err.lines().any(|l| l.contains("exit_group(5")),
        "no exit_group(5) line in:\n{err}"
    );
}

#[test]
fn test_strace_off_logs_nothing() {
    let prog = c_program("exit_code");
    let mut cmd = runtime().command(&["do"]);
    cmd.arg(&prog).arg("0");
    let out = run(cmd, Input::Null);
    assert_eq!(out.status, 0);
    assert_eq!(out.stderr_text(), "");
}

/// Counts the traced time syscalls of `time_vdso loop` (1000 rounds of
/// clock_gettime, gettimeofday, time and getcpu).
fn traced_time_calls(no_vdso: bool) -> usize {
    let prog = c_program("time_vdso");
    let mut cmd = runtime().command(&["--strace", "do"]);
    cmd.arg(&prog).arg("loop");
    if no_vdso {
        cmd.env("RUNSC_NO_VDSO", "1");
    }
    let out = run(cmd, Input::Null);
    assert_eq!(out.status, 0, "stderr: {}", out.stderr_text());
    assert_eq!(out.stdout_text(), "looped: 1\n");
    out.stderr_text()
        .lines()
        .filter(|l| {
            ["clock_gettime(", "gettimeofday(", "time(", "getcpu("]
                .iter()
                .any(|c| l.contains(c))
        })
        .count()
}

#[test]
fn test_vdso_time_queries_never_trap() {
    assert_eq!(traced_time_calls(false), 0);
    // Without the vDSO every call traps: the count above can fail.
    assert!(traced_time_calls(true) >= 4000);
}

/// Runs `sh -c SCRIPT` in the sandbox with a host pipe as stdin that
/// stays open (nothing is written, or `later` after 300 ms), and returns
/// its stdout; fails if it takes over 10 s.
fn with_open_stdin(script: &str, later: Option<&'static [u8]>) -> String {
    use std::io::Write;
    let mut cmd = runtime().command(&["do", "/bin/sh", "-c", script]);
    cmd.stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped());
    let mut child = cmd.spawn().expect("spawn runsc");
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || {
        if let Some(data) = later {
            std::thread::sleep(std::time::Duration::from_millis(300));
            let _ = stdin.write_all(data);
        }
        // Keep the pipe open until the sandbox is done.
        std::thread::sleep(std::time::Duration::from_secs(10));
        drop(stdin);
    });
    let start = std::time::Instant::now();
    let out = child.wait_with_output().expect("wait runsc");
    assert!(
        start.elapsed() < std::time::Duration::from_secs(8),
        "the guest did not finish while its host stdin stayed open"
    );
    drop(writer);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn test_host_stdin_read_is_interrupted_by_signals() {
    // cat blocks reading a host pipe; timeout's SIGTERM must end it (a
    // read blocked in the host kernel could not see the guest signal).
    assert_eq!(
        with_open_stdin("timeout 1 cat; echo rc=$?", None),
        "rc=124\n"
    );
}

#[test]
fn test_host_stdin_data_wakes_select_and_read() {
    let out = with_open_stdin(
        "python3 -c 'import select; print(len(select.select([0], [], [], 5)[0]))'; \
         read x; echo got $x; timeout 2 head -c 3 >/dev/null; echo head=$?",
        Some(b"hello\n"),
    );
    assert_eq!(out, "1\ngot hello\nhead=124\n");
}

/// Runs `line` (a shell command) under script(1), so its stdio is a fresh
/// pseudo-terminal that is its controlling terminal.
fn under_a_terminal(line: &str) -> tests::Outcome {
    run(tests::ecosystem::script_command(line), Input::Null)
}

#[test]
fn test_terminal_stdio_is_dev_pts_and_controls_the_session_like_native() {
    let prog = c_program("tty_ctty");
    let native = under_a_terminal(&prog.to_string_lossy());
    let rt = runtime();
    let mut line = format!("{}", rt.bin.display());
    for a in &rt.args {
        line.push_str(&format!(" {a}"));
    }
    let sandboxed = under_a_terminal(&format!("{line} do {}", prog.display()));
    let text = native.stdout_text();
    // The native run proves the test: a terminal was there and controlled.
    assert!(
        text.contains("ttyname(0) is /dev/pts/N: 1") && text.contains("foreground again: 1"),
        "native run under script(1):\n{text}"
    );
    tests::assert_same("tty_ctty under a terminal", &native, &sandboxed);
}

#[test]
fn test_ctrl_c_on_the_terminal_reaches_the_guest_foreground_group_like_native() {
    let script = std::env::temp_dir().join(format!("runsc-ctrlc-{}.sh", std::process::id()));
    std::fs::write(
        &script,
        "trap 'echo got INT; exit 7' INT\necho ready\nsleep 5 &\nwait\necho not interrupted\n",
    )
    .expect("write the script");
    let script_path = script.to_string_lossy().into_owned();
    let native = tests::ecosystem::interrupt_with_tty(&["sh", &script_path]);
    let rt = runtime();
    let mut argv: Vec<String> = vec![rt.bin.to_string_lossy().into_owned()];
    argv.extend(rt.args.iter().cloned());
    argv.extend(["do", "/bin/sh", &script_path].map(String::from));
    let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
    let sandboxed = tests::ecosystem::interrupt_with_tty(&argv);
    let _ = std::fs::remove_file(&script);
    assert_eq!(native.1, 7, "natively ^C runs the trap: {native:?}");
    assert_eq!(native, sandboxed);
}
