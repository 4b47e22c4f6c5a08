//! The sentry's own seccomp filter: once the sandbox is built, the sentry
//! may not open, create, remove or execute host paths. Files reach it only
//! as fds donated by the gofer (DESIGN.md §1).

use seccompiler::{BpfProgram, SeccompAction, SeccompFilter, TargetArch};

/// Host syscalls the sentry refuses itself, with EPERM.
pub const DENIED_SYSCALLS: &[libc::c_long] = &[
    libc::SYS_open,
    libc::SYS_openat,
    libc::SYS_openat2,
    libc::SYS_creat,
    libc::SYS_open_by_handle_at,
    libc::SYS_name_to_handle_at,
    libc::SYS_execve,
    libc::SYS_execveat,
    libc::SYS_mkdir,
    libc::SYS_mkdirat,
    libc::SYS_mknod,
    libc::SYS_mknodat,
    libc::SYS_unlink,
    libc::SYS_unlinkat,
    libc::SYS_rmdir,
    libc::SYS_rename,
    libc::SYS_renameat,
    libc::SYS_renameat2,
    libc::SYS_link,
    libc::SYS_linkat,
    libc::SYS_symlink,
    libc::SYS_symlinkat,
    libc::SYS_chmod,
    libc::SYS_fchmodat,
    libc::SYS_chown,
    libc::SYS_lchown,
    libc::SYS_truncate,
    libc::SYS_chdir,
    libc::SYS_chroot,
    libc::SYS_pivot_root,
    libc::SYS_mount,
    libc::SYS_umount2,
    libc::SYS_uselib,
    libc::SYS_acct,
    libc::SYS_swapon,
    libc::SYS_swapoff,
];

/// Installs the filter on every thread of the sentry (and the stubs it
/// forks later inherit it).
pub fn install_sentry_filter() -> std::io::Result<()> {
    let arch = TargetArch::try_from(std::env::consts::ARCH)
        .map_err(|e| std::io::Error::other(format!("seccomp arch: {e}")))?;
    let rules = DENIED_SYSCALLS.iter().map(|&nr| (nr, Vec::new())).collect();
    let filter = SeccompFilter::new(
        rules,
        SeccompAction::Allow,
        SeccompAction::Errno(libc::EPERM as u32),
        arch,
    )
    .map_err(|e| std::io::Error::other(format!("seccomp filter: {e}")))?;
    let prog = BpfProgram::try_from(filter)
        .map_err(|e| std::io::Error::other(format!("seccomp compile: {e}")))?;
    // SAFETY: prctl with integer arguments only.
    if unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    seccompiler::apply_filter_all_threads(&prog)
        .map_err(|e| std::io::Error::other(format!("seccomp install: {e}")))
}
