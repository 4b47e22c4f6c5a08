//! File syscalls: guest programs `c/fs_*.c` run natively and under
//! `runsc do`; what they print and how they end must agree. Each program
//! works in a scratch directory it creates under /tmp (fs_mmap also under
//! /dev/shm) and removes at the end; in the sandbox those writes stay in
//! the sandbox's overlay. See the harness in `src/lib.rs`.

use tests::{compare, Input};

/// Runs `c/NAME.c` both ways, asserts agreement, and checks that the
/// native run ended with status 0 (so a program that broke natively is
/// reported as such, not as a sandbox divergence).
fn check(name: &str) -> String {
    check_args(name, &[])
}

/// [`check`] with program arguments.
fn check_args(name: &str, args: &[&str]) -> String {
    let out = compare(name, args, Input::Null);
    assert_eq!(
        out.status,
        0,
        "{name} failed natively:\nstdout:\n{}\nstderr:\n{}",
        out.stdout_text(),
        out.stderr_text()
    );
    assert!(
        out.stderr.is_empty(),
        "{name} wrote to stderr natively:\n{}",
        out.stderr_text()
    );
    out.stdout_text()
}

#[test]
fn test_fs_open_flags_and_lookup_errors_match_native() {
    let text = check("fs_open");
    for line in [
        "open(O_CREAT|O_EXCL existing): -1 EEXIST",
        "open(O_NOFOLLOW on symlink): -1 ELOOP",
        "contents: hello-world!",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in:\n{text}"
        );
    }
}

#[test]
fn test_fs_rw_read_write_seek_copy_match_native() {
    let text = check("fs_rw");
    assert!(
        text.lines()
            .any(|l| l == "with hole (21):0AB3456789..........Z"),
        "{text}"
    );
}

#[test]
fn test_fs_stat_metadata_access_chmod_chown_times_match_native() {
    let text = check("fs_stat");
    assert!(text.lines().any(|l| l == "/dev/null rdev: 1,3"), "{text}");
}

#[test]
fn test_fs_dir_names_rename_link_getdents_cwd_match_native() {
    let text = check("fs_dir");
    assert!(text.lines().any(|l| l == "entries: 55"), "{text}");
}

#[test]
fn test_fs_fcntl_dup_flags_locks_limits_match_native() {
    // Record locks are checked from a forked child too.
    let text = check("fs_fcntl");
    assert!(
        text.lines()
            .any(|l| l == "opens until failure: last fd 15, then EMFILE"),
        "{text}"
    );
}

#[test]
fn test_fs_xattr_extended_attributes_match_native() {
    check("fs_xattr");
}

#[test]
fn test_fs_mmap_file_mappings_match_native() {
    let text = check("fs_mmap");
    assert!(
        !text.contains("=0\n"),
        "a mapping fact failed natively:\n{text}"
    );
}

#[test]
fn test_fs_special_dev_proc_sys_files_match_native() {
    let text = check("fs_special");
    assert!(
        !text.contains("=0\n"),
        "a /dev, /proc or /sys fact failed natively:\n{text}"
    );
}

#[test]
fn test_fs_mmap_page_cache_semantics_match_native() {
    let text = check_args("fs_mmap", &["page-cache"]);
    assert!(
        text.lines()
            .any(|l| l == "child touching past EOF: signaled=1 sig=7"),
        "{text}"
    );
}

#[test]
fn test_fs_perm_non_root_user_gets_eacces_and_eperm_like_native() {
    let text = check("fs_perm");
    for line in [
        "euid=1000 egid=1000",
        "open(0600 root file, RDONLY): -1 EACCES",
        "unlink root file in sticky dir: -1 EPERM",
        "chmod(root file): -1 EPERM",
        "execute a 0644 file: -1 EACCES",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in:\n{text}"
        );
    }
}

#[test]
fn test_fs_xdev_cross_mount_rename_and_link_are_exdev() {
    let text = check("fs_xdev");
    assert!(
        text.lines()
            .any(|l| l == "rename /dev/shm -> /tmp: -1 EXDEV"),
        "{text}"
    );
}

#[test]
fn test_fs_fifo_nonblocking_opens_and_data_match_native() {
    let text = check("fs_fifo");
    assert!(
        text.lines()
            .any(|l| l == "open(WRONLY|NONBLOCK) without reader: -1 ENXIO"),
        "{text}"
    );
}
