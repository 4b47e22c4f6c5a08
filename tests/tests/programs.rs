//! Real Debian programs (coreutils, findutils, grep, sed, mawk, tar, gzip,
//! bash, dash, and busybox-static's shell) run natively and under `runsc do` with the same arguments;
//! stdout, the guest's stderr and the exit status must agree. The sandbox
//! sees the host's root filesystem read-only through the gofer, with
//! guest writes kept in its in-memory overlay.
//!
//! Only single-process commands: fork, wait and signals are not
//! implemented yet, so a pipeline is run as its first command in the
//! sandbox with the rest done here in Rust.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use tests::{assert_same, run_native, run_sandboxed, Input, Outcome};

/// Every program used here and the Debian package providing it (all of
/// them priority "required" on Debian 12, except busybox-static).
const PACKAGES: &[(&str, &str)] = &[
    ("awk", "mawk"),
    ("bash", "bash"),
    ("busybox", "busybox-static"),
    ("cat", "coreutils"),
    ("dash", "dash"),
    ("env", "coreutils"),
    ("find", "findutils"),
    ("grep", "grep"),
    ("gzip", "gzip"),
    ("head", "coreutils"),
    ("ls", "coreutils"),
    ("md5sum", "coreutils"),
    ("sed", "sed"),
    ("sha256sum", "coreutils"),
    ("sort", "coreutils"),
    ("stat", "coreutils"),
    ("tar", "tar"),
    ("true", "coreutils"),
    ("wc", "coreutils"),
];

/// The absolute path of a host program, or a failure naming its package.
fn program(name: &str) -> PathBuf {
    let package = PACKAGES
        .iter()
        .find(|(p, _)| *p == name)
        .map_or("?", |(_, pkg)| pkg);
    ["/usr/bin", "/bin"]
        .iter()
        .map(|dir| Path::new(dir).join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!("{name} is missing: install the Debian package with `apt-get install {package}`")
        })
}

fn describe(name: &str, args: &[&str]) -> String {
    std::iter::once(name)
        .chain(args.iter().copied())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs `name args...` natively and in the sandbox.
fn both(name: &str, args: &[&str]) -> (Outcome, Outcome) {
    let prog = program(name);
    let native = run_native(&prog, args, Input::Null);
    let sandboxed = run_sandboxed(&prog, args, Input::Null);
    (native, sandboxed)
}

/// Asserts the native run succeeded, so a command broken on this host is
/// reported as such rather than as a sandbox divergence.
fn assert_native_ok(what: &str, native: &Outcome) {
    assert_eq!(
        native.status,
        0,
        "{what} failed natively:\nstdout:\n{}\nstderr:\n{}",
        native.stdout_text(),
        native.stderr_text()
    );
}

/// Runs `name args...` both ways, asserts identical stdout, guest stderr
/// and status (and native success), and returns the native outcome.
fn same(name: &str, args: &[&str]) -> Outcome {
    let what = describe(name, args);
    let (native, sandboxed) = both(name, args);
    assert_native_ok(&what, &native);
    assert_same(&what, &native, &sandboxed);
    native
}

/// The lines of a text as a sorted list (for outputs whose order follows
/// readdir order).
fn sorted_lines(out: &Outcome) -> Vec<String> {
    let mut lines: Vec<String> = out.stdout_text().lines().map(String::from).collect();
    lines.sort();
    lines
}

/// Like [`same`], but stdout is compared as a sorted list of lines.
fn same_sorted(name: &str, args: &[&str]) -> Vec<String> {
    let what = describe(name, args);
    let (native, sandboxed) = both(name, args);
    assert_native_ok(&what, &native);
    let sorted = |o: &Outcome| Outcome {
        stdout: sorted_lines(o)
            .iter()
            .map(|l| format!("{l}\n"))
            .collect::<String>()
            .into_bytes(),
        ..o.clone()
    };
    assert_same(
        &format!("{what} (lines sorted)"),
        &sorted(&native),
        &sorted(&sandboxed),
    );
    sorted_lines(&native)
}

/// A scratch directory under the temp dir, removed when dropped (also
/// when the test fails).
struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Scratch {
        static SEQ: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "runsc-programs-{}-{}-{tag}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        Scratch(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("temp paths are UTF-8")
}

// ---- coreutils: ls, stat, cat, head, wc, sort, checksums ----

#[test]
fn test_ls_la_etc_matches_native() {
    let out = same("ls", &["-la", "/etc"]);
    assert!(
        out.stdout_text().starts_with("total "),
        "{}",
        out.stdout_text()
    );
    assert!(out.stdout_text().contains(" passwd\n"));
}

#[test]
fn test_ls_lar_coreutils_doc_tree_matches_native() {
    let out = same("ls", &["-laR", "/usr/share/doc/coreutils"]);
    assert!(out.stdout_text().contains(" copyright\n"));
}

#[test]
fn test_ls_li_inode_numbers_match_native() {
    // The overlay reports the host's inode numbers for unmodified files.
    same("ls", &["-li", "/etc"]);
}

#[test]
fn test_ls_f_etc_lists_the_same_entries_as_native() {
    let lines = same_sorted("ls", &["-f", "/etc"]);
    assert!(lines.iter().any(|l| l == "passwd"), "{lines:?}");
}

#[test]
fn test_ls_f_etc_readdir_order_matches_native() {
    same("ls", &["-f", "/etc"]);
}

#[test]
fn test_stat_format_of_file_and_directory_matches_native() {
    let paths = ["/etc/passwd", "/usr/bin"];
    // Settle access times first: with relatime the first read in a day
    // moves atime, which must not happen between the two runs.
    let _ = std::fs::read("/etc/passwd");
    let _ = std::fs::read_dir("/usr/bin").map(|d| d.count());
    let mut args = vec!["-c", "%n %s %f %h %u %g %X %Y"];
    args.extend(paths);
    let out = same("stat", &args);
    assert_eq!(
        out.stdout_text().lines().count(),
        2,
        "{}",
        out.stdout_text()
    );
}

#[test]
fn test_cat_os_release_matches_native() {
    let out = same("cat", &["/etc/os-release"]);
    assert!(out.stdout_text().contains("ID="), "{}", out.stdout_text());
}

#[test]
fn test_head_c_of_binary_matches_native_bytes() {
    let out = same("head", &["-c", "100000", "/usr/bin/ls"]);
    assert_eq!(out.stdout.len(), 100000);
}

#[test]
fn test_wc_l_services_matches_native() {
    same("wc", &["-l", "/etc/services"]);
}

#[test]
fn test_sort_services_matches_native() {
    let out = same("sort", &["/etc/services"]);
    assert!(out.stdout.len() > 1000);
}

#[test]
fn test_md5sum_of_files_matches_native() {
    same("md5sum", &["/etc/passwd", "/etc/services", "/usr/bin/ls"]);
}

#[test]
fn test_sha256sum_of_files_matches_native() {
    same(
        "sha256sum",
        &["/etc/passwd", "/etc/services", "/usr/bin/ls"],
    );
}

#[test]
fn test_missing_file_error_and_status_match_native() {
    let what = "cat /nonexistent-runsc-test-file";
    let (native, sandboxed) = both("cat", &["/nonexistent-runsc-test-file"]);
    assert_eq!(native.status, 1, "{what}: {}", native.stderr_text());
    assert_same(what, &native, &sandboxed);
}

// ---- dynamic binaries: ld.so and the libraries come through the gofer ----

#[test]
fn test_dynamic_true_exits_0() {
    let out = same("true", &[]);
    assert!(out.stdout.is_empty());
}

#[test]
fn test_env_i_prints_empty_environment() {
    let out = same("env", &["-i"]);
    assert!(out.stdout.is_empty(), "{}", out.stdout_text());
}

#[test]
fn test_env_i_execs_dynamic_true_exits_0() {
    // env execs true: the new image and its ld.so come through the gofer.
    let out = same("env", &["-i", "/usr/bin/true"]);
    assert!(out.stdout.is_empty());
}

// ---- findutils, grep, sed, mawk ----

#[test]
fn test_grep_r_l_conf_files_match_native_sorted() {
    // grep -r walks in readdir order, which differs (see the ignored
    // readdir-order test); the set of files must agree.
    let lines = same_sorted("grep", &["-r", "-l", "root", "/etc/", "--include=*.conf"]);
    assert!(!lines.is_empty());
}

#[test]
fn test_find_gz_under_doc_matches_native_sorted_and_count() {
    // `find ... | wc -l`, with the counting done here.
    let lines = same_sorted("find", &["/usr/share/doc", "-name", "*.gz"]);
    assert!(
        lines.iter().all(|l| l.ends_with(".gz")),
        "{:?}",
        lines.iter().find(|l| !l.ends_with(".gz"))
    );
}

#[test]
fn test_sed_extracts_root_password_field_like_native() {
    let out = same("sed", &["-n", r"s/^root:\([^:]*\):.*/\1/p", "/etc/passwd"]);
    assert_eq!(out.stdout_text().lines().count(), 1);
}

#[test]
fn test_awk_prints_user_names_and_uids_like_native() {
    let out = same("awk", &["-F:", "{print $1, $3}", "/etc/passwd"]);
    assert!(out.stdout_text().starts_with("root 0\n"));
}

// ---- gzip, tar ----

#[test]
fn test_gzip_n_c_services_matches_native_bytes() {
    let out = same("gzip", &["-n", "-c", "/etc/services"]);
    assert_eq!(&out.stdout[..2], b"\x1f\x8b");
}

#[test]
fn test_tar_create_reproducible_archive_matches_native_bytes() {
    let out = same(
        "tar",
        &[
            "-cf",
            "-",
            "--sort=name",
            "--mtime=@0",
            "--owner=0",
            "--group=0",
            "-C",
            "/usr/share/doc",
            "coreutils",
        ],
    );
    assert!(out.stdout.len() >= 1024 && out.stdout.len().is_multiple_of(512));
}

#[test]
fn test_tar_tvf_of_native_archive_matches_native() {
    let dir = Scratch::new("tar");
    let content = dir.path("content");
    std::fs::create_dir_all(content.join("sub")).unwrap();
    std::fs::write(content.join("a.txt"), "alpha\n").unwrap();
    std::fs::write(content.join("sub/b.bin"), vec![7u8; 5000]).unwrap();
    std::os::unix::fs::symlink("a.txt", content.join("link")).unwrap();
    let archive = dir.path("archive.tar");
    let made = run_native(
        &program("tar"),
        &[
            "-cf",
            path_str(&archive),
            "--sort=name",
            "-C",
            path_str(&content),
            ".",
        ],
        Input::Null,
    );
    assert_native_ok("tar -cf", &made);
    let out = same("tar", &["-tvf", path_str(&archive)]);
    let text = out.stdout_text();
    assert!(
        text.contains("./sub/b.bin") && text.contains("./link -> a.txt"),
        "{text}"
    );
}

// ---- shells (builtins only) ----

#[test]
fn test_dash_while_loop_arithmetic_matches_native() {
    let out = same(
        "dash",
        &[
            "-c",
            "i=0; while [ $i -lt 5 ]; do echo $i; i=$((i+1)); done",
        ],
    );
    assert_eq!(out.stdout_text(), "0\n1\n2\n3\n4\n");
}

#[test]
fn test_bash_glob_over_etc_matches_native() {
    let out = same(
        "bash",
        &["-c", r#"for f in /etc/host*; do echo "$f"; done"#],
    );
    let text = out.stdout_text();
    assert!(text.lines().all(|l| l.starts_with("/etc/host")), "{text}");
}

#[test]
fn test_bash_write_then_read_round_trip_stays_in_sandbox() {
    let dir = Scratch::new("roundtrip");
    let file = dir.path("rt");
    let script = r#"echo hello > "$1"; read x < "$1"; echo "$x""#;
    let args = ["-c", script, "bash", path_str(&file)];
    let bash = program("bash");
    let native = run_native(&bash, &args, Input::Null);
    assert_native_ok("bash round trip", &native);
    assert_eq!(native.stdout_text(), "hello\n");
    // Natively the file was created on the host; the sandbox run must
    // create its own copy in the overlay only.
    assert!(file.is_file());
    std::fs::remove_file(&file).unwrap();
    let sandboxed = run_sandboxed(&bash, &args, Input::Null);
    assert_same("bash write/read round trip", &native, &sandboxed);
    assert!(
        !file.exists(),
        "the guest's write reached the host: {}",
        file.display()
    );
}

#[test]
fn test_bash_read_builtin_from_stdin_matches_native() {
    let bash = program("bash");
    let args = ["-c", r#"read x; echo "[$x]""#];
    let input = Input::File(b"hello\n");
    let native = run_native(&bash, &args, input);
    assert_eq!(native.stdout_text(), "[hello]\n");
    assert_same("bash read", &native, &run_sandboxed(&bash, &args, input));
}

#[test]
fn test_busybox_sh_read_builtin_from_stdin_matches_native() {
    let busybox = program("busybox");
    let args = ["sh", "-c", r#"read x; echo "[$x]""#];
    let input = Input::File(b"hello\n");
    let native = run_native(&busybox, &args, input);
    assert_eq!(native.stdout_text(), "[hello]\n");
    assert_same(
        "busybox sh read",
        &native,
        &run_sandboxed(&busybox, &args, input),
    );
}

/// Runs `sh -c SCRIPT` natively and sandboxed; both must agree.
fn sh_script(name: &str, script: &str) -> String {
    let args = ["-c", script];
    let native = run_native(Path::new("/bin/sh"), &args, Input::Null);
    assert_eq!(
        native.status,
        0,
        "{name} failed natively: {}",
        native.stderr_text()
    );
    let sandboxed = run_sandboxed(Path::new("/bin/sh"), &args, Input::Null);
    assert_same(name, &native, &sandboxed);
    native.stdout_text()
}

#[test]
fn test_sh_pipelines_subshells_and_command_substitution_match_native() {
    let out = sh_script(
        "sh pipelines",
        "seq 1 20000 | sort -rn | head -3; echo $(echo nested $(echo deep)); \
         (cd /etc && ls passwd group) | tr a-z A-Z; x=$(wc -l < /etc/passwd); \
         test \"$x\" -gt 0 && echo lines-ok; false || echo or-ok; \
         for f in a b c; do echo \"$f\"; done | paste -sd,",
    );
    assert!(out.contains("lines-ok") && out.contains("a,b,c"), "{out}");
}

#[test]
fn test_tar_and_gzip_round_trips_inside_tmp_match_native() {
    let dir = format!("/tmp/runsc-roundtrip-{}", std::process::id());
    let script = format!(
        "set -e; rm -rf {dir}; mkdir -p {dir}/src/sub && cd {dir}; \
         seq 1 5000 > src/numbers; cp /etc/services src/sub/; \
         tar czf tree.tgz src; rm -rf src; tar xzf tree.tgz; \
         md5sum src/numbers src/sub/services; \
         gzip -k src/numbers; gunzip -c src/numbers.gz | md5sum; \
         find src | sort; cd /; rm -rf {dir}"
    );
    let out = sh_script("tar/gzip round trip", &script);
    assert!(out.contains("src/sub/services"), "{out}");
    assert!(
        !std::path::Path::new(&dir).exists(),
        "the sandbox's round trip left {dir} on the host"
    );
}

/// Runs `prog ARGS` natively and sandboxed; stdout and status must agree.
fn same_output(name: &str, prog: &str, args: &[&str]) -> String {
    let native = run_native(Path::new(prog), args, Input::Null);
    assert_eq!(
        native.status,
        0,
        "{name} failed natively: {}",
        native.stderr_text()
    );
    let sandboxed = run_sandboxed(Path::new(prog), args, Input::Null);
    assert_same(name, &native, &sandboxed);
    native.stdout_text()
}

#[test]
fn test_bash_traps_background_jobs_and_wait_match_native() {
    let out = same_output(
        "bash jobs",
        "/bin/bash",
        &[
            "-c",
            "trap 'echo trapped USR1' USR1; kill -USR1 $$; \
             sleep 0.2 & p=$!; (exit 3) & q=$!; wait $q; echo q=$?; wait $p; echo p=$?; \
             (for i in 1 2 3; do (echo sub $i) & done; wait) | sort; \
             true && echo and-ok; false || echo or-ok; echo $(echo $(echo nested))",
        ],
    );
    assert!(out.contains("trapped USR1") && out.contains("q=3"), "{out}");
}

#[test]
fn test_make_j2_builds_a_c_project_like_native() {
    let dir = format!("/tmp/runsc-make-{}", std::process::id());
    let script = format!(
        "set -e; rm -rf {dir}; mkdir -p {dir}; cd {dir}; \
         printf 'int f(void);\\nint g(void);\\n#include <stdio.h>\\nint main(void){{printf(\"%%d\\\\n\", f()+g());return 0;}}\\n' > main.c; \
         printf 'int f(void){{return 40;}}\\n' > f.c; printf 'int g(void){{return 2;}}\\n' > g.c; \
         printf 'prog: main.o f.o g.o\\n\\tgcc -o prog main.o f.o g.o\\n%%.o: %%.c\\n\\tgcc -c $< -o $@\\n' > Makefile; \
         make -s -j2; ./prog; cd /; rm -rf {dir}"
    );
    let out = same_output("make -j2", "/bin/sh", &["-c", &script]);
    assert_eq!(out, "42\n");
}

#[test]
fn test_python3_threads_subprocess_multiprocessing_match_native() {
    let py = "/usr/bin/python3";
    assert!(
        Path::new(py).exists(),
        "python3 missing: apt-get install python3-minimal"
    );
    let code = "
import threading, subprocess, multiprocessing as mp
def sq(x): return x * x
if __name__ == '__main__':
    out = []
    lock = threading.Lock()
    def work(i):
        with lock: out.append(sum(range(i * 1000)))
    ts = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    [t.start() for t in ts]; [t.join() for t in ts]
    print(sorted(out)[-1])
    print(subprocess.run(['echo', 'from subprocess'], capture_output=True, text=True).stdout.strip())
    with mp.Pool(2) as p: print(sum(p.map(sq, range(100))))
    q = mp.Queue(); pr = mp.Process(target=q.put, args=(42,)); pr.start(); print(q.get()); pr.join(); print(pr.exitcode)
";
    let out = same_output("python3", py, &["-c", code]);
    assert!(
        out.contains("from subprocess") && out.contains("328350"),
        "{out}"
    );
}

#[test]
fn test_xargs_p2_timeout_and_parallel_sort_match_native() {
    let out = same_output(
        "xargs/timeout/sort",
        "/bin/sh",
        &[
            "-c",
            "seq 1 20 | xargs -P2 -n1 echo | sort -n | tr '\\n' ' '; echo; \
             timeout 1 sleep 5; echo timeout=$?; \
             seq 1 300000 | awk '{print ($1 * 7919) % 300007}' | sort -n --parallel=2 -S 50M | md5sum",
        ],
    );
    assert!(out.contains("timeout=124"), "{out}");
}

#[test]
fn test_bash_stops_and_continues_background_jobs_like_native() {
    let out = same_output(
        "bash job control",
        "/bin/bash",
        &[
            "-c",
            "sleep 3 & p=$!; kill -STOP $p; sleep 0.1; kill -CONT $p; sleep 0.1; \
             kill $p; wait $p; echo status=$?; \
             sh -c 'kill -STOP $$; echo resumed' & q=$!; \
             sleep 0.2; kill -CONT $q; wait $q; echo q=$?",
        ],
    );
    assert_eq!(out, "status=143\nresumed\nq=0\n");
}
