//! Processes and signals: guest programs `c/proc_*.c` and `c/sig_*.c` run
//! natively and under `runsc do`; what they print and how they end must
//! agree. They print only facts that are the same in both places (pids,
//! addresses and times are compared inside the program, never printed).
//! Checks for divergences the sentry once had run in sections a program
//! runs only when given their name (the regression tests below).
//! See the harness in `src/lib.rs`.

use tests::check_program as check;

#[test]
fn test_proc_fork_wait_status_exec_sessions_match_native() {
    check(
        "proc_fork",
        &[],
        &[
            "_exit(255): WIFEXITED=1 WIFSIGNALED=0 WEXITSTATUS=255",
            "write to address 16: WIFEXITED=0 WIFSIGNALED=1 WTERMSIG=11",
            "abort(): WIFEXITED=0 WIFSIGNALED=1 WTERMSIG=6",
            "waitpid(WNOHANG) while running: 0",
            "waitpid(grandchild): -1 ECHILD",
            "  si_signo=17 si_code_is_CLD_KILLED=1 si_status=15 si_pid_matches=1",
            "parent offset after child's read+lseek: 9",
            "after exec: O_CLOEXEC fd F_GETFD: -1 EBADF",
            "vfork + execve(exit 17): WIFEXITED=1 WIFSIGNALED=0 WEXITSTATUS=17",
            "execve(garbage, mode 0755): -1 ENOEXEC",
            "script: 0=script 1=hello errexit=1",
            "  setsid() as group leader: -1 EPERM",
            "child setsid() returns its pid=1",
            "children reaped: 20, exit codes sum 190, then ECHILD",
            "return 42 from main: WIFEXITED=1 WIFSIGNALED=0 WEXITSTATUS=42",
        ],
    );
}

#[test]
fn test_sig_basic_delivery_masks_altstack_faults_kill_match_native() {
    check(
        "sig_basic",
        &[],
        &[
            "  count=1 si_signo=10 si_code_is_SI_USER=1 si_pid_is_self=1 si_uid_is_uid=1",
            "unblocked: count=3 pending=0",
            "SA_NODEFER: in-handler mask has SIGUSR1=0",
            "SA_RESETHAND child raising twice: WTERMSIG=10",
            "SA_ONSTACK: local on altstack=1",
            "nested handlers order: a2b",
            "FPU: xmm8 preserved=1 main rounding still upward=1 same quotient=1",
            "write PROT_READ: si_signo=11 SEGV_ACCERR=1 si_addr_matches=1",
            "ud2: si_signo=4 ILL_ILLOPN=1 si_addr_is_ud2=1 rip_is_ud2=1",
            "int3: count=1 si_signo=5 si_code=128 rip_after_int3=1",
            "  count=1 si_signo=17 CLD_EXITED=1 si_status=4 si_pid_matches=1",
            "pause() until alarm(1): -1 EINTR",
            "  group member got it (0 = yes): WEXITSTATUS=0",
            "kill(zombie, 0): 0",
            "kill(self, 65): -1 EINVAL",
        ],
    );
}

#[test]
fn test_sig_restart_eintr_sigpipe_timers_match_native() {
    check(
        "sig_restart",
        &[],
        &[
            "read, no SA_RESTART: -1 EINTR",
            "waitpid, no SA_RESTART: -1 EINTR",
            "  remaining in (0, 5s)=1",
            "select(5s), SA_RESTART: -1 EINTR",
            "write to readerless pipe, SIGPIPE default: WTERMSIG=13",
            "write, SIGPIPE ignored: -1 EPIPE",
            "  hits=1 si_signo_ok=1 SI_TIMER=1 sival_int=1234 si_overrun=0",
            "periodic POSIX timer fired >= 3 times=1",
            "  fired >= 3 times=1",
            "  alarm(0) returns 4 or 5=1",
        ],
    );
}

#[test]
fn test_sig_restart_sa_restart_restarts_read_and_waitpid() {
    check(
        "sig_restart",
        &["bug-sa-restart"],
        &[
            "read, SA_RESTART: 1",
            "waitpid, SA_RESTART: returns child=1 status=6",
        ],
    );
}

#[test]
fn test_sig_restart_sigpipe_si_pid_is_writer() {
    check(
        "sig_restart",
        &["bug-sigpipe-si-pid"],
        &["  si_code_is_SI_USER=1 si_pid_is_self=1 si_uid_is_uid=1"],
    );
}

#[test]
fn test_sig_basic_sig_ign_discards_pending() {
    check(
        "sig_basic",
        &["bug-sig-ign-discards"],
        &["SIG_IGN: pending before=1 after=0"],
    );
}

#[test]
fn test_sig_basic_sigaltstack_reports_ss_onstack_in_handler() {
    check(
        "sig_basic",
        &["bug-ss-onstack"],
        &[
            "SA_ONSTACK handler: SS_ONSTACK=1",
            "handler not on altstack: SS_ONSTACK=0",
        ],
    );
}

#[test]
fn test_sig_basic_handler_starts_with_default_fpu_state() {
    check(
        "sig_basic",
        &["bug-handler-fpu-reset"],
        &["handler started with round-to-nearest (MXCSR and x87)=1"],
    );
}

#[test]
fn test_sig_basic_alarm_sigalrm_si_code_is_si_kernel() {
    check("sig_basic", &["bug-alarm-si-code"], &["alarm: si_code=128"]);
}

#[test]
fn test_time_vdso_present_consistent_and_unmappable_match_native() {
    check(
        "time_vdso",
        &[],
        &[
            "AT_SYSINFO_EHDR present: 1",
            "/proc/self/maps [vdso] lines=1 at the base=1",
            "symbol __vdso_clock_gettime: 1",
            "clock MONOTONIC: vdso=0 syscall=0 vdso again=0 ordered=1",
            "clock PROCESS_CPUTIME_ID: vdso=0 syscall=0 vdso again=0 ordered=1",
            "write(pipe, vdso base, 64): 64",
            "bytes read back equal the vDSO's: 1",
            "read(pipe) into the vDSO: -1 EFAULT",
            "after munmap: [vdso] lines=0",
            "child touching the old base: signaled=1 sig=SEGV",
        ],
    );
}

#[test]
fn test_proc_jobctl_stop_continue_wait_reports_match_native() {
    check(
        "proc_jobctl",
        &[],
        &[
            "  status: stopped by STOP",
            "stopped child runs no code: 1",
            "  status: continued",
            "  continue: SIGCHLD CLD_CONTINUED status=CONT",
            "  si_code=CLD_STOPPED si_status=STOP si_pid ok=1",
            "SIGTSTP to a child in its own group: stopped by TSTP",
            "SIGTSTP to an orphaned group: waitpid(WUNTRACED|WNOHANG): 0",
            "  all 4 threads frozen: 1",
            "  read after continue got the data and ran the SIGCONT handler: exited 0",
            "SA_NOCLDSTOP: SIGCHLD after a stop: 0",
            "SIG_IGN SIGCHLD: waitpid(-1): -1 ECHILD",
        ],
    );
}

#[test]
fn test_proc_pids_other_processes_visible_in_proc_match_native() {
    check(
        "proc_pids",
        &[],
        &[
            "child stat: state=S ppid is parent=1 pgrp is parent's=1",
            "status Name: pids-child",
            "status Threads: 3",
            "cmdline is ours (fork copies it): 1",
            "task/ entries: 3",
            "listed in /proc: 1",
            "stopped: stat state=T status State: T (stopped)",
            "open(/proc/<reaped child>/stat): -1 ENOENT",
        ],
    );
}

#[test]
fn test_sig_itimer_virtual_prof_count_cpu_time_match_native() {
    check(
        "sig_itimer",
        &[],
        &[
            "armed ITIMER_VIRTUAL: interval=0.020000 value_set=1",
            "ITIMER_PROF 0 < value <= 30ms: 1",
            "  old interval: 0.020000",
            "SIGVTALRM over 300ms CPU in [5,20]: 1",
            "SIGPROF over 300ms CPU in [5,20]: 1",
            "SIGVTALRM while sleeping 300ms: 0",
            "one-shot SIGVTALRM count: 1",
            "fork child ITIMER_VIRTUAL: interval=0.000000 value_set=0",
            "after exec ITIMER_VIRTUAL: interval=5.000000 value_set=1",
            "getitimer(ITIMER_PROF, NULL): -1 EFAULT",
        ],
    );
}

#[test]
fn test_caps_sets_rules_exec_and_privilege_checks_match_native() {
    check(
        "caps",
        &[],
        &[
            "  root: eff 1fffeffffff prm 1fffeffffff inh 0 bnd 1fffeffffff amb 0",
            "  v1: eff feffffff prm feffffff inh 00000000 second struct untouched 1",
            "capget(bad version): -1 EINVAL",
            "  header version now 0x20080522",
            "capget(reaped child): -1 ESRCH",
            "  other: eff 1 prm 21 inh 20",
            "capset(parent's pid): -1 EPERM",
            "capset(regain CAP_CHOWN): -1 EPERM",
            "capset(inheritable outside permitted, no CAP_SETPCAP): -1 EPERM",
            "  after v1 capset: eff fefffffe prm fefffffe inh 20 bnd 1fffeffffff amb 0",
            "  other thread: eff 20 prm 20",
            "  after: eff 0 prm 0 inh 0 bnd 1fffeffffff amb 0",
            "  after (ambient cleared even so): eff 0 prm 1fffeffffff inh 20 bnd 1fffeffffff amb 0",
            "  euid 0 again: eff 1fffeffffff prm 1fffeffffff inh 0 bnd 1fffeffffff amb 0",
            "  no uid 0 left: eff 0 prm 0 inh 0 bnd 1fffeffffff amb 0",
            "PR_SET_KEEPCAPS(0), locked: -1 EPERM",
            "  NOROOT exec: uid 0/0/0 inh 0 prm 0 eff 0 bnd 1fffeffffff amb 0 secure 0 keepcaps 0",
            "PR_CAPBSET_DROP(CAP_KILL) without CAP_SETPCAP: -1 EPERM",
            "  exec as root: uid 0/0/0 inh 0 prm 1fffefffffe eff 1fffefffffe bnd 1fffefffffe amb 0 secure 0 keepcaps 0",
            "  two ambient: eff 1fffeffffff prm 1fffeffffff inh 420 bnd 1fffeffffff amb 420",
            "raise CAP_KILL, NO_CAP_AMBIENT_RAISE: -1 EPERM",
            "  exec as root, no_new_privs: uid 0/0/0 inh 0 prm 21 eff 21 bnd 1fffeffffff amb 0 secure 0 keepcaps 0",
            "  exec, real uid 0, effective 1000: uid 0/1000/1000 inh 0 prm 1fffeffffff eff 0 bnd 1fffeffffff amb 0 secure 1 keepcaps 0",
            "  exec as user with ambient: uid 1000/1000/1000 inh 420 prm 420 eff 420 bnd 1fffeffffff amb 420 secure 0 keepcaps 0",
            "  exec as user: uid 1000/1000/1000 inh 0 prm 0 eff 0 bnd 1fffeffffff amb 0 secure 0 keepcaps 0",
            "  exec set-user-ID root as user: uid 1000/0/0 inh 20 prm 1fffeffffff eff 1fffeffffff bnd 1fffeffffff amb 0 secure 1 keepcaps 0",
            "  exec set-user-ID root as user, no_new_privs: uid 1000/1000/1000 inh 0 prm 0 eff 0 bnd 1fffeffffff amb 0 secure 0 keepcaps 0",
            "  chown(root's file, 2000, -1): -1 EPERM",
            "  open(other's 0600 file, O_RDONLY): -1 EACCES",
            "  access(other's 0600 file, R_OK): real root uses permitted: 0",
            "  CAP_DAC_READ_SEARCH: open(O_RDONLY): ok",
            "  unlink(other's file in other's sticky dir): -1 EPERM",
            "  setgroups(0): -1 EPERM",
            "  setpriority(lower nice): -1 EACCES",
            "  setrlimit(NOFILE, raise hard): -1 EPERM",
            "  setxattr(trusted.t): -1 EPERM",
            "  kill(uid 2000's process, 0): -1 EPERM",
            "  kill(uid 2000's process, SIGCONT): same session: 0",
            "  with CAP_KILL: kill(uid 2000's process, 0): 0",
        ],
    );
}

#[test]
fn test_exec_setuid_setgid_bits_change_effective_ids_match_native() {
    check(
        "exec_setuid",
        &[],
        &[
            "plain as user: uid 99/99/99 gid 99/99/99 secure 0",
            "setuid as user: uid 99/1234/1234 gid 99/99/99 secure 1",
            "setgid as user: uid 99/99/99 gid 99/1234/1234 secure 1",
            "both as root: uid 0/1234/1234 gid 0/1234/1234 secure 1",
            "setgid without g+x: uid 99/99/99 gid 99/99/99 secure 0",
            "both, no_new_privs: uid 99/99/99 gid 99/99/99 secure 0",
            "/dev/shm: set-id bits honoured exactly when not nosuid: 1",
        ],
    );
}

#[test]
fn test_ipc_sysv_shm_sem_msg_match_native() {
    check(
        "ipc_sysv",
        &[],
        &[
            "shm row: key=0 perms=640 size=5000 nattch=1 uid=0 gid=0",
            "sem row: key=0 perms=604 nsems=4 uid=0 gid=0",
            "msg row: key=0 perms=620 cbytes=3 qnum=1 uid=0 gid=0",
            "child sees nattch=4",
            "after RMID: mode 1604 (SHM_DEST), key 0, nattch 1, data: still here",
            "GETNCNT(2)=1",
            "GETZCNT(1)=1",
            "after the child: value back: 1",
            "semop interrupted (0 = EINTR): exit 0",
            "semop on removed set (0 = EIDRM): exit 0",
            "msgrcv(type -5): 5 1 three",
            "MSG_COPY: 8, still queued: 1",
            "msgrcv on removed queue (0 = EIDRM): exit 0",
            "shmctl(-1, SHM_STAT): -1 EINVAL",
            "msgctl(-1, MSG_STAT): -1 EINVAL",
        ],
    );
}

#[test]
fn test_proc_pidfd_open_signal_poll_waitid_clone_match_native() {
    check(
        "proc_pidfd",
        &[],
        &[
            "fd link: anon_inode:[pidfd]",
            "readable while running: 0",
            "waitid(P_PIDFD nonblocking, running): -1 EAGAIN",
            "readable after the kill: 1",
            "si_pid is child: 1 si_code=2 si_status=15",
            "group: both killed by SIGUSR2: 1",
            "clone3(CLONE_PIDFD): ok=1 pidfd=1 cloexec=1",
            "si_pid matches=1 si_code=1 si_status=7",
            "clone(CLONE_PIDFD | CLONE_PARENT_SETTID): -1 EINVAL",
            "clone3(CLONE_PIDFD, bad pidfd pointer): EFAULT",
            "no fd left behind: 1",
        ],
    );
}

#[test]
fn test_exec_image_each_exec_starts_from_the_files_bytes_match_native() {
    check(
        "exec_image",
        &[],
        &[
            "own file: ELF magic ELF; write seen by itself 1, by another mapping 0, by a new one 0",
            "own file: after MADV_DONTNEED the file's byte is back: 1",
            "counter=5 bss_zero=1 marker=AAAA",
            "marker found in the file: 1",
            "mapped marker: AAAA",
            "counter=5 bss_zero=1 marker=BBBB",
            "mapped marker: BBBB",
        ],
    );
}
