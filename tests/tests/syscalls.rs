//! Guest programs (`c/*.c`) run natively and under `runsc do`; what they
//! print and how they end must agree. See the harness in `src/lib.rs`
//! (`RUNSC_BIN` / `RUNSC_ARGS` point it at another runtime).

use tests::{c_program, compare, run_native, run_sandboxed, Input};

/// stdin for programs that read real data: a regular file, so a read
/// into a bad buffer faults natively instead of returning end of file.
const EFAULT_INPUT: &[u8] = b"efault test input\n";

/// The real uid of this process, from /proc/self/status.
fn host_uid() -> Option<u32> {
    std::fs::read_to_string("/proc/self/status")
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

#[test]
fn test_identity_queries_match_native() {
    // The sandbox runs its guest as uid 0; natively the ids agree only as root.
    assert_eq!(
        host_uid(),
        Some(0),
        "run the tests as root (as CI does): the sandbox's guest is uid 0, so \
         the native run must be too"
    );
    let out = compare("identity", &[], Input::Null);
    // The comparison is only as good as what the program checked; make
    // sure the facts it printed are the expected ones, natively too.
    let text = out.stdout_text();
    for line in [
        "sysname: Linux",
        "machine: x86_64",
        "getrandom_nonzero=1",
        "affinity_nonempty=1",
        "monotonic_nondecreasing=1",
        "realtime_within_5s_of_time=1",
        "exe basename: identity",
        "comm: identity",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in:\n{text}"
        );
    }
    assert!(
        !text.contains("_valid=0") && !text.contains("_sane=0"),
        "{text}"
    );
}

#[test]
fn test_pid_sandboxed_init_is_pid_1_with_parent_0() {
    let out = run_sandboxed(&c_program("pid_sandbox"), &[], Input::Null);
    assert_eq!(out.status, 0, "stderr: {}", out.stderr_text());
    assert_eq!(
        out.stdout_text(),
        "getpid: 1\n\
         getppid: 0\n\
         gettid: 1\n\
         set_tid_address: 1\n\
         readlink(/proc/1/exe) matches /proc/self/exe: 1\n",
        "stderr: {}",
        out.stderr_text()
    );
}

#[test]
fn test_efault_bad_pointers_and_flags_match_native() {
    let out = compare("efault", &[], Input::File(EFAULT_INPUT));
    let text = out.stdout_text();
    assert!(
        text.ends_with("read_only_page_untouched=1\nsurvived\n"),
        "{text}"
    );
    assert!(text.contains("write(1, 1, 10): -1 EFAULT\n"), "{text}");
    assert!(
        text.contains("getrandom(flags 0x100): -1 EINVAL\n"),
        "{text}"
    );
}

#[test]
fn test_enosys_unassigned_numbers_fail_and_guest_continues() {
    let out = compare("enosys", &[], Input::Null);
    let text = out.stdout_text();
    assert_eq!(text.matches("-1 ENOSYS").count(), 12, "{text}");
    assert!(text.ends_with("alive\n"), "{text}");
}

#[test]
fn test_mmap_anonymous_memory_matches_native() {
    let out = compare("mmap", &[], Input::Null);
    let text = out.stdout_text();
    // A `fact=0` line is an expectation that failed natively as well (the
    // page probes, which may rightly print 0, have spaces in their lines).
    let failed: Vec<&str> = text
        .lines()
        .filter(|l| !l.contains(' ') && l.ends_with("=0"))
        .collect();
    assert!(
        failed.is_empty(),
        "facts false natively: {failed:?}\n{text}"
    );
    assert!(text.ends_with("big_frame=1\n"), "{text}");
}

#[test]
fn test_exit_code_values_propagate() {
    for code in ["0", "1", "42", "255"] {
        let out = compare("exit_code", &[code], Input::Null);
        assert_eq!(out.status.to_string(), code);
    }
    // Only the low 8 bits survive.
    assert_eq!(compare("exit_code", &["256"], Input::Null).status, 0);
    assert_eq!(compare("exit_code", &["300"], Input::Null).status, 44);
}

#[test]
fn test_exit_code_each_way_of_exiting_matches_native() {
    for how in ["return", "exit", "_exit", "exit_thread"] {
        let out = compare("exit_code", &["7", how], Input::Null);
        assert_eq!(out.status, 7, "{how}");
    }
}

#[test]
fn test_exit_code_exit_flushes_and_underscore_exit_does_not() {
    let exit = compare("exit_code", &["3", "exit"], Input::Null);
    assert_eq!(
        exit.stdout_text(),
        "exiting with 3 by exit\natexit handler ran\n"
    );
    let raw = compare("exit_code", &["3", "_exit"], Input::Null);
    assert_eq!(raw.stdout_text(), "");
}

/// Runs `segv KIND` both ways and checks the status is 128 + `signal`.
fn fault(kind: &str, signal: i32) {
    let out = compare("segv", &[kind], Input::Null);
    assert_eq!(out.status, 128 + signal, "{kind}");
    assert_eq!(
        out.stdout_text(),
        format!("before the fault (write)\nbefore the fault (stdio, flushed): {kind}\n"),
        "{kind}"
    );
}

const SIGILL: i32 = 4;
const SIGTRAP: i32 = 5;
const SIGFPE: i32 = 8;
const SIGSEGV: i32 = 11;

#[test]
fn test_segv_store_to_low_address_exits_139() {
    fault("write-null", SIGSEGV);
}

#[test]
fn test_segv_load_from_kernel_half_exits_139() {
    fault("read-high", SIGSEGV);
}

#[test]
fn test_segv_noncanonical_address_exits_139() {
    fault("noncanonical", SIGSEGV);
}

#[test]
fn test_segv_store_to_read_only_mapping_exits_139() {
    fault("write-ro", SIGSEGV);
}

#[test]
fn test_segv_jump_to_non_executable_page_exits_139() {
    fault("exec-nx", SIGSEGV);
}

#[test]
fn test_segv_store_to_unmapped_page_exits_139() {
    fault("unmapped", SIGSEGV);
}

#[test]
fn test_segv_privileged_instruction_exits_139() {
    fault("hlt", SIGSEGV);
}

#[test]
fn test_sigill_undefined_instruction_exits_132() {
    fault("ud2", SIGILL);
}

#[test]
fn test_sigfpe_division_by_zero_exits_136() {
    fault("div0", SIGFPE);
}

#[test]
fn test_sigtrap_breakpoint_exits_133() {
    fault("int3", SIGTRAP);
}

#[test]
fn test_abort_sigabrt_exits_134() {
    let out = compare("abort", &[], Input::Null);
    assert_eq!(out.status, 134);
    assert_eq!(out.stdout_text(), "about to abort\n");
}

#[test]
fn test_abort_native_exits_134() {
    // The native half of the ignored test above, so the program itself
    // stays checked while the sandbox cannot run it yet.
    let out = run_native(&c_program("abort"), &[], Input::Null);
    assert_eq!(out.status, 134);
    assert_eq!(out.stdout_text(), "about to abort\n");
}

#[test]
fn test_stdio_buffered_output_and_writev_match_native() {
    let out = compare("stdio", &[], Input::Null);
    let text = out.stdout_text();
    assert!(out.stdout.len() > 200 << 10, "{} bytes", out.stdout.len());
    assert!(text.contains("writev: first, third\n"), "{text}");
    assert!(text.contains("fd 1: fifo S_ISFIFO=1 S_ISREG=0"), "{text}");
    assert!(text.contains("fd 0: char S_ISFIFO=0"), "{text}");
    assert!(text.ends_with("done\n"), "{text}");
    assert_eq!(out.guest_stderr(), "to stderr: 42\n");
}

/// Differences from Linux found while writing these tests. Each case
/// passes natively; the tests are ignored until the sentry is fixed
/// (`cargo test --release -p tests -- --ignored` runs them).
mod divergences {
    use super::*;

    fn case(name: &str) {
        compare("divergences", &[name], Input::File(EFAULT_INPUT));
    }

    #[test]
    fn test_divergences_program_passes_natively() {
        for name in [
            "thread-cputime",
            "write-huge-count",
            "read-huge-count",
            "sigaction-order",
            "prlimit-order",
            "readlink-order",
            "affinity-pid",
            "prot-sem",
            "mmap-anon-offset",
            "mmap-anon-type",
            "fd-mode-order",
            "mmap-fd-mode",
            "madvise-unmapped",
            "mprotect-hole",
            "madvise-hole",
            "vma-merge",
        ] {
            let out = run_native(
                &c_program("divergences"),
                &[name],
                Input::File(EFAULT_INPUT),
            );
            assert_eq!(out.status, 0, "{name}: {}", out.stderr_text());
            assert!(!out.stdout.is_empty(), "{name}");
        }
    }

    #[test]
    fn test_clock_thread_cputime_succeeds() {
        case("thread-cputime");
    }

    #[test]
    fn test_write_count_past_address_space_is_efault() {
        case("write-huge-count");
    }

    #[test]
    fn test_read_count_past_address_space_is_efault() {
        case("read-huge-count");
    }

    #[test]
    fn test_rt_sigaction_bad_act_faults_before_signal_check() {
        case("sigaction-order");
    }

    #[test]
    #[ignore = "sentry bug: prlimit64 copies out the old limit before setting the \
                new one, and checks the resource before copying `new` in"]
    fn test_prlimit64_bad_old_pointer_still_sets_new_limit() {
        case("prlimit-order");
    }

    #[test]
    fn test_readlink_bad_bufsiz_is_einval_before_path_fault() {
        case("readlink-order");
    }

    #[test]
    fn test_sched_getaffinity_negative_pid_is_esrch() {
        case("affinity-pid");
    }

    #[test]
    fn test_mprotect_prot_sem_is_accepted() {
        case("prot-sem");
    }

    #[test]
    fn test_mmap_anonymous_unaligned_offset_is_einval() {
        case("mmap-anon-offset");
    }

    #[test]
    fn test_mmap_anonymous_invalid_types_are_einval() {
        case("mmap-anon-type");
    }

    #[test]
    fn test_read_on_write_only_fd_is_ebadf_even_with_bad_buffer() {
        case("fd-mode-order");
    }

    #[test]
    fn test_mmap_write_only_fd_is_eacces() {
        case("mmap-fd-mode");
    }

    #[test]
    fn test_madvise_unmapped_range_is_enomem_for_any_advice() {
        case("madvise-unmapped");
    }

    #[test]
    #[ignore = "sentry bug: mprotect over a hole changes nothing; Linux changes the \
                pages before the hole and then fails with ENOMEM"]
    fn test_mprotect_range_with_hole_changes_pages_before_it() {
        case("mprotect-hole");
    }

    #[test]
    #[ignore = "sentry bug: madvise(DONTNEED) over a hole zeroes nothing; Linux \
                zeroes every mapped page in the range and then fails with ENOMEM"]
    fn test_madvise_dontneed_range_with_hole_zeroes_mapped_pages() {
        case("madvise-hole");
    }

    #[test]
    #[ignore = "sentry bug: adjacent compatible VMAs are never merged, so mremap of a \
                mapping grown in place (or rebuilt from pieces) fails with EFAULT"]
    fn test_mremap_of_grown_mapping_moves_it_whole() {
        case("vma-merge");
    }

    #[test]
    #[ignore = "sentry divergence: read of /dev/null into a bad buffer gives EFAULT \
                (the buffer is translated first); Linux returns 0 without touching it"]
    fn test_read_devnull_bad_buffer_returns_zero() {
        compare("divergences", &["devnull-bad-buf"], Input::Null);
    }
}

#[test]
fn test_mm_cow_fork_isolates_private_memory_and_shares_shared() {
    let out = compare("mm_cow", &[], Input::Null);
    let text = out.stdout_text();
    for line in [
        "grandchild sees: data=2 stack=20 heap=-1 anon=c shared=200",
        "parent after child: data=1 stack=10 heap=12345 anon=pq shared=300",
        "child anon after DONTNEED: 0 0",
        "second child sees the parent's old value: 7",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in:\n{text}"
        );
    }
}

#[test]
fn test_proc_orphan_reparented_to_subreaper_and_reaped() {
    let out = compare("proc_orphan", &[], Input::Null);
    let text = out.stdout_text();
    for line in [
        "grandchild reparented to the reaper: 1",
        "reaped the grandchild: 1 status 7",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in:\n{text}"
        );
    }
}
