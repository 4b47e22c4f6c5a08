//! The files of /proc/PID: stat, status, maps, mounts and friends, in
//! Linux's formats (fs/proc/array.c, task_mmu.c, proc_namespace.c).

use super::Shared;
use crate::abi::file::dev::{major, minor};
use crate::abi::misc::{
    RLIMIT_AS, RLIMIT_CORE, RLIMIT_CPU, RLIMIT_DATA, RLIMIT_FSIZE, RLIMIT_LOCKS, RLIMIT_MEMLOCK,
    RLIMIT_MSGQUEUE, RLIMIT_NICE, RLIMIT_NOFILE, RLIMIT_NPROC, RLIMIT_RSS, RLIMIT_RTPRIO,
    RLIMIT_RTTIME, RLIMIT_SIGPENDING, RLIMIT_STACK, RLIM_INFINITY, RLIM_NLIMITS,
};
use crate::abi::mm::{PROT_EXEC, PROT_READ, PROT_WRITE};
use crate::abi::proc::*;
use crate::abi::signal::{SigSet, SIGCHLD, SIG_DFL, SIG_IGN};
use crate::abi::PAGE_SIZE;
use crate::kernel::process::ProcInfo;
use crate::kernel::view::TaskView;
use crate::vfs::VfsPath;
use std::fmt::Write as _;

/// Width /proc/PID/maps pads a line's fixed fields to before the name
/// (Linux: 25 + 6 * sizeof(void *) - 1).
const MAPS_NAME_COLUMN: usize = 72;
/// The legacy vsyscall page, listed last in maps as Linux does.
const VSYSCALL_START: u64 = platform::VSYSCALL_ADDR;
/// Name of the vsyscall mapping.
const VSYSCALL_NAME: &str = "[vsyscall]";
/// Name of the main thread's stack mapping.
const STACK_NAME: &str = "[stack]";
/// Bytes per kB.
const KB: u64 = 1024;
/// Characters /proc/PID/mounts and mountinfo escape as octal.
const MANGLE_CHARS: &[u8] = b" \t\n\\";

/// The task's name (comm) without the NUL padding.
pub(super) fn comm_name(t: &TaskView) -> &[u8] {
    let end = t.comm.iter().position(|&b| b == 0).unwrap_or(t.comm.len());
    &t.comm[..end]
}

/// Sizes of the task's address space, in bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct VmStats {
    /// Everything mapped.
    total: u64,
    /// Executable mappings.
    exec: u64,
    /// The stack.
    stack: u64,
    /// Private writable mappings other than the stack.
    data: u64,
    /// Shared mappings.
    shared: u64,
    /// First executable mapping (start, end): the program's text.
    code: (u64, u64),
}

fn vm_stats(t: &TaskView) -> VmStats {
    let mut s = VmStats::default();
    for v in t.mm.vma_list().iter() {
        let len = v.len();
        s.total += len;
        if v.name == Some(STACK_NAME) {
            s.stack += len;
        } else if v.prot & PROT_EXEC != 0 {
            s.exec += len;
            if s.code == (0, 0) {
                s.code = (v.start, v.end);
            }
        } else if v.prot & PROT_WRITE != 0 && !v.shared {
            s.data += len;
        }
        if v.shared {
            s.shared += len;
        }
    }
    s
}

/// Signals whose disposition is ignore, and those with a handler.
fn ignored_caught(t: &TaskView) -> (u64, u64) {
    let (mut ign, mut cgt) = (0u64, 0u64);
    for (i, a) in t.signals.actions.all().iter().enumerate() {
        let bit = 1u64 << i;
        match a.handler {
            SIG_IGN => ign |= bit,
            SIG_DFL => {}
            _ => cgt |= bit,
        }
    }
    (ign, cgt)
}

/// A bit set of the first `n` CPUs as Linux's "%*pb" prints it: hex,
/// comma-separated in 32-bit groups.
fn cpu_mask(n: usize) -> String {
    let n = n.max(1);
    let digits = n.div_ceil(4);
    let mut hex = String::with_capacity(digits + digits / 8);
    for i in (0..digits).rev() {
        let bits = (n - i * 4).min(4);
        let d = (1u32 << bits) - 1;
        hex.push(char::from_digit(d, 16).unwrap_or('f'));
        if i % 8 == 0 && i != 0 {
            hex.push(',');
        }
    }
    hex
}

/// The first `n` CPUs as a list ("0", "0-3").
fn cpu_list(n: usize) -> String {
    if n <= 1 {
        "0".into()
    } else {
        format!("0-{}", n - 1)
    }
}

/// Escapes a task name as /proc/PID/status does.
fn escape_name(name: &[u8]) -> String {
    let mut s = String::new();
    for &b in name {
        match b {
            b'\n' => s.push_str("\\n"),
            b'\\' => s.push_str("\\\\"),
            _ => s.push(char::from(b)),
        }
    }
    s
}

/// /proc/PID/stat.
/// The process-table facts about `t` and its state letters.
fn proc_state(t: &TaskView) -> (ProcInfo, &'static str, &'static str) {
    let info = t.kernel.procs.info(t.tgid).unwrap_or(ProcInfo {
        ppid: t.ppid,
        pgid: t.tgid,
        sid: t.tgid,
        threads: 1,
        ..ProcInfo::default()
    });
    let (short, long) = if info.stopped {
        (TASK_STATE_STOPPED, TASK_STATE_STOPPED_LONG)
    } else if t.is_self {
        (TASK_STATE_RUNNING, TASK_STATE_RUNNING_LONG)
    } else {
        (TASK_STATE_SLEEPING, TASK_STATE_SLEEPING_LONG)
    };
    (info, short, long)
}

pub(super) fn stat(t: &TaskView, _s: &Shared) -> Vec<u8> {
    let vm = vm_stats(t);
    let (ign, cgt) = ignored_caught(t);
    let pending = SigSet::default().0;
    let rsslim = t.rlimits[RLIMIT_RSS].cur;
    let (info, state, _) = proc_state(t);
    let utime = crate::syscalls::sys_time::ticks(crate::syscalls::sys_time::host_process_cpu(
        info.host_pid,
    ));
    let cutime = crate::syscalls::sys_time::ticks(t.kernel.procs.child_cpu(t.tgid));
    let fields: [String; STAT_FIELDS] = [
        state.into(),
        info.ppid.to_string(),
        info.pgid.to_string(),
        info.sid.to_string(),
        "0".into(), // tty_nr
        t.kernel
            .procs
            .session_foreground(info.sid)
            .unwrap_or(NO_TPGID)
            .to_string(),
        "0".into(), // flags
        "0".into(), // minflt
        "0".into(), // cminflt
        "0".into(), // majflt
        "0".into(), // cmajflt
        utime.to_string(),
        "0".into(), // stime
        cutime.to_string(),
        "0".into(), // cstime
        DEFAULT_PRIORITY.to_string(),
        t.nice.to_string(),
        info.threads.max(1).to_string(),
        "0".into(), // itrealvalue
        "0".into(), // starttime: the one process started with the sandbox
        vm.total.to_string(),
        (vm.total / PAGE_SIZE).to_string(),
        rsslim.to_string(),
        vm.code.0.to_string(),
        vm.code.1.to_string(),
        "0".into(), // startstack
        "0".into(), // kstkesp
        "0".into(), // kstkeip
        pending.to_string(),
        t.signals.mask.0.to_string(),
        ign.to_string(),
        cgt.to_string(),
        "0".into(), // wchan
        "0".into(), // nswap
        "0".into(), // cnswap
        SIGCHLD.to_string(),
        "0".into(), // processor
        "0".into(), // rt_priority
        "0".into(), // policy (SCHED_OTHER)
        "0".into(), // delayacct_blkio_ticks
        "0".into(), // guest_time
        "0".into(), // cguest_time
        "0".into(), // start_data
        "0".into(), // end_data
        "0".into(), // start_brk
        "0".into(), // arg_start
        "0".into(), // arg_end
        "0".into(), // env_start
        "0".into(), // env_end
        "0".into(), // exit_code
    ];
    stat_line(t.tid, comm_name(t), &fields)
}

/// Number of fields of /proc/PID/stat after "pid (comm)".
const STAT_FIELDS: usize = 50;

/// Joins "pid (comm)" and the other stat fields into the line.
fn stat_line(pid: i32, comm: &[u8], fields: &[String; STAT_FIELDS]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(format!("{pid} (").as_bytes());
    out.extend_from_slice(comm);
    out.extend_from_slice(b") ");
    out.extend_from_slice(fields.join(" ").as_bytes());
    out.push(b'\n');
    out
}

/// /proc/PID/statm (pages): size resident shared text lib data dt.
pub(super) fn statm(t: &TaskView, _s: &Shared) -> Vec<u8> {
    let vm = vm_stats(t);
    let p = |b: u64| b / PAGE_SIZE;
    format!(
        "{} {} {} {} 0 {} 0\n",
        p(vm.total),
        p(vm.total),
        p(vm.shared),
        p(vm.exec),
        p(vm.data + vm.stack)
    )
    .into_bytes()
}

/// /proc/PID/status.
pub(super) fn status(t: &TaskView, _s: &Shared) -> Vec<u8> {
    let vm = vm_stats(t);
    let c = &t.creds;
    let mut o = String::new();
    let _ = writeln!(o, "Name:\t{}", escape_name(comm_name(t)));
    let _ = writeln!(o, "Umask:\t{:04o}", t.umask);
    let (info, _, state) = proc_state(t);
    let _ = writeln!(o, "State:\t{state}");
    let _ = writeln!(o, "Tgid:\t{}", t.tgid);
    let _ = writeln!(o, "Ngid:\t0");
    let _ = writeln!(o, "Pid:\t{}", t.tid);
    let _ = writeln!(o, "PPid:\t{}", info.ppid);
    let _ = writeln!(o, "TracerPid:\t0");
    let _ = writeln!(o, "Uid:\t{}\t{}\t{}\t{}", c.uid, c.euid, c.suid, c.euid);
    let _ = writeln!(o, "Gid:\t{}\t{}\t{}\t{}", c.gid, c.egid, c.sgid, c.egid);
    let max_fd = t
        .fds
        .fds()
        .into_iter()
        .map(|(fd, _)| fd as usize + 1)
        .max()
        .unwrap_or(0);
    let _ = writeln!(
        o,
        "FDSize:\t{}",
        max_fd.div_ceil(NR_OPEN_DEFAULT).max(1) * NR_OPEN_DEFAULT
    );
    o.push_str("Groups:\t");
    let groups: Vec<String> = c.groups.iter().map(|g| g.to_string()).collect();
    o.push_str(&groups.join(" "));
    o.push_str(" \n");
    let _ = writeln!(o, "NStgid:\t{}", t.tgid);
    let _ = writeln!(o, "NSpid:\t{}", t.tid);
    let _ = writeln!(o, "NSpgid:\t{}", info.pgid);
    let _ = writeln!(o, "NSsid:\t{}", info.sid);
    let kb = |name: &str, bytes: u64, o: &mut String| {
        let _ = writeln!(o, "{name}:\t{:>8} kB", bytes / KB);
    };
    kb("VmPeak", vm.total, &mut o);
    kb("VmSize", vm.total, &mut o);
    kb("VmLck", 0, &mut o);
    kb("VmPin", 0, &mut o);
    kb("VmHWM", vm.total, &mut o);
    kb("VmRSS", vm.total, &mut o);
    kb("RssAnon", vm.total - vm.shared, &mut o);
    kb("RssFile", 0, &mut o);
    kb("RssShmem", vm.shared, &mut o);
    kb("VmData", vm.data, &mut o);
    kb("VmStk", vm.stack, &mut o);
    kb("VmExe", vm.exec, &mut o);
    kb("VmLib", 0, &mut o);
    kb("VmPTE", 0, &mut o);
    kb("VmSwap", 0, &mut o);
    kb("HugetlbPages", 0, &mut o);
    let _ = writeln!(o, "CoreDumping:\t0");
    let _ = writeln!(o, "THP_enabled:\t{THP_ENABLED}");
    let _ = writeln!(o, "Threads:\t{}", info.threads.max(1));
    let _ = writeln!(o, "SigQ:\t0/{}", t.rlimits[RLIMIT_SIGPENDING].cur);
    let (ign, cgt) = ignored_caught(t);
    let _ = writeln!(o, "SigPnd:\t{:016x}", 0);
    let _ = writeln!(o, "ShdPnd:\t{:016x}", 0);
    let _ = writeln!(o, "SigBlk:\t{:016x}", t.signals.mask.0);
    let _ = writeln!(o, "SigIgn:\t{ign:016x}");
    let _ = writeln!(o, "SigCgt:\t{cgt:016x}");
    let _ = writeln!(o, "CapInh:\t{:016x}", c.cap_inheritable);
    let _ = writeln!(o, "CapPrm:\t{:016x}", c.cap_permitted);
    let _ = writeln!(o, "CapEff:\t{:016x}", c.cap_effective);
    let _ = writeln!(o, "CapBnd:\t{:016x}", c.cap_bounding);
    let _ = writeln!(o, "CapAmb:\t{:016x}", c.cap_ambient);
    let _ = writeln!(o, "NoNewPrivs:\t{}", u8::from(t.no_new_privs));
    let _ = writeln!(o, "Seccomp:\t0");
    let _ = writeln!(o, "Seccomp_filters:\t0");
    let _ = writeln!(o, "Speculation_Store_Bypass:\tthread vulnerable");
    let _ = writeln!(o, "SpeculationIndirectBranch:\tconditional enabled");
    let n = t.kernel.ncpu;
    let _ = writeln!(o, "Cpus_allowed:\t{}", cpu_mask(n));
    let _ = writeln!(o, "Cpus_allowed_list:\t{}", cpu_list(n));
    let _ = writeln!(o, "Mems_allowed:\t1");
    let _ = writeln!(o, "Mems_allowed_list:\t0");
    let _ = writeln!(o, "voluntary_ctxt_switches:\t0");
    let _ = writeln!(o, "nonvoluntary_ctxt_switches:\t0");
    o.into_bytes()
}

/// NUL-terminated strings, as cmdline and environ show them.
fn nul_joined(items: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for a in items {
        out.extend_from_slice(a);
        out.push(0);
    }
    out
}

/// /proc/PID/cmdline.
pub(super) fn cmdline(t: &TaskView, _s: &Shared) -> Vec<u8> {
    nul_joined(&t.argv_env.0)
}

/// /proc/PID/environ.
pub(super) fn environ(t: &TaskView, _s: &Shared) -> Vec<u8> {
    nul_joined(&t.argv_env.1)
}

/// /proc/PID/comm.
pub(super) fn comm(t: &TaskView, _s: &Shared) -> Vec<u8> {
    let mut v = comm_name(t).to_vec();
    v.push(b'\n');
    v
}

/// One line of /proc/PID/maps.
#[allow(clippy::too_many_arguments)]
fn maps_line(
    out: &mut String,
    start: u64,
    end: u64,
    perms: &str,
    offset: u64,
    dev: (u32, u32),
    ino: u64,
    name: Option<&str>,
) {
    let line_start = out.len();
    let _ = write!(
        out,
        "{start:08x}-{end:08x} {perms} {offset:08x} {:02x}:{:02x} {ino} ",
        dev.0, dev.1
    );
    if let Some(name) = name {
        let width = out.len() - line_start;
        for _ in width..MAPS_NAME_COLUMN {
            out.push(' ');
        }
        out.push(' ');
        out.push_str(name);
    }
    out.push('\n');
}

/// The rwxp/s column of maps.
fn perms(prot: u64, shared: bool) -> String {
    let mut s = String::with_capacity(4);
    s.push(if prot & PROT_READ != 0 { 'r' } else { '-' });
    s.push(if prot & PROT_WRITE != 0 { 'w' } else { '-' });
    s.push(if prot & PROT_EXEC != 0 { 'x' } else { '-' });
    s.push(if shared { 's' } else { 'p' });
    s
}

/// /proc/PID/maps.
pub(super) fn maps(t: &TaskView, _s: &Shared) -> Vec<u8> {
    let mut o = String::new();
    for v in t.mm.vma_list().iter() {
        match &v.file {
            Some(f) => {
                let name = String::from_utf8_lossy(&f.path);
                let (dev, ino) = f.dev_ino;
                let dev = (
                    crate::abi::file::dev::major(dev),
                    crate::abi::file::dev::minor(dev),
                );
                maps_line(
                    &mut o,
                    v.start,
                    v.end,
                    &perms(v.prot, v.shared),
                    f.offset,
                    dev,
                    ino,
                    (!name.is_empty()).then_some(&*name),
                );
            }
            None => maps_line(
                &mut o,
                v.start,
                v.end,
                &perms(v.prot, v.shared),
                0,
                (0, 0),
                0,
                v.name,
            ),
        }
    }
    maps_line(
        &mut o,
        VSYSCALL_START,
        VSYSCALL_START + PAGE_SIZE,
        &perms(PROT_EXEC, false),
        0,
        (0, 0),
        0,
        Some(VSYSCALL_NAME),
    );
    o.into_bytes()
}

/// Escapes `s` with octal escapes for the characters mount tables mangle.
fn mangle(s: &[u8]) -> String {
    let mut o = String::with_capacity(s.len());
    for &b in s {
        if MANGLE_CHARS.contains(&b) {
            let _ = write!(o, "\\{b:03o}");
        } else {
            o.push(char::from(b));
        }
    }
    o
}

/// Where `m` is mounted, as seen from the task's root.
fn mount_point(t: &TaskView, m: &std::sync::Arc<crate::vfs::Mount>) -> Vec<u8> {
    VfsPath {
        mnt: m.clone(),
        dentry: m.root.clone(),
    }
    .name_from(&t.fs.root())
}

/// /proc/PID/mounts (and /proc/mounts).
pub(super) fn mounts(t: &TaskView, _s: &Shared) -> Vec<u8> {
    let mut o = String::new();
    for m in t.kernel.mounts.all() {
        // Linux's show_vfsmnt: the per-mount options, then the
        // filesystem's own after its rw/ro.
        let (mnt_opts, sb_opts) = split_options(&m.options, m.read_only);
        let fs_opts = sb_opts.split_once(',').map_or("", |(_, rest)| rest);
        let sep = if fs_opts.is_empty() { "" } else { "," };
        let _ = writeln!(
            o,
            "{} {} {} {mnt_opts}{sep}{fs_opts} 0 0",
            mangle(m.source.as_bytes()),
            mangle(&mount_point(t, &m)),
            mangle(m.fstype.as_bytes()),
        );
    }
    o.into_bytes()
}

/// Splits a mount's option text into (per-mount, superblock) options.
fn split_options(options: &str, read_only: bool) -> (String, String) {
    let rw = if read_only { "ro" } else { "rw" };
    let mut mnt = vec![rw];
    let mut sb = vec![rw];
    for opt in options.split(',').filter(|o| !o.is_empty()) {
        if opt == "rw" || opt == "ro" {
            continue;
        }
        // Per-mount options (mountinfo field 6); the rest are superblock
        // options.
        if crate::abi::file::MOUNT_FLAG_OPTIONS
            .iter()
            .any(|&(name, _)| name == opt)
        {
            mnt.push(opt);
        } else {
            sb.push(opt);
        }
    }
    (mnt.join(","), sb.join(","))
}

/// /proc/PID/mountinfo.
pub(super) fn mountinfo(t: &TaskView, _s: &Shared) -> Vec<u8> {
    let mut o = String::new();
    for m in t.kernel.mounts.all() {
        let parent = m.parent.as_ref().map(|(p, _)| p.id).unwrap_or(m.id);
        let (mnt_opts, sb_opts) = split_options(&m.options, m.read_only);
        let _ = writeln!(
            o,
            "{} {} {}:{} / {} {} - {} {} {}",
            m.id,
            parent,
            major(m.dev),
            minor(m.dev),
            mangle(&mount_point(t, &m)),
            mnt_opts,
            mangle(m.fstype.as_bytes()),
            mangle(m.source.as_bytes()),
            sb_opts
        );
    }
    o.into_bytes()
}

/// Names and units of the resource limits, index RLIMIT_*.
const LIMIT_NAMES: [(usize, &str, &str); RLIM_NLIMITS] = [
    (RLIMIT_CPU, "Max cpu time", "seconds"),
    (RLIMIT_FSIZE, "Max file size", "bytes"),
    (RLIMIT_DATA, "Max data size", "bytes"),
    (RLIMIT_STACK, "Max stack size", "bytes"),
    (RLIMIT_CORE, "Max core file size", "bytes"),
    (RLIMIT_RSS, "Max resident set", "bytes"),
    (RLIMIT_NPROC, "Max processes", "processes"),
    (RLIMIT_NOFILE, "Max open files", "files"),
    (RLIMIT_MEMLOCK, "Max locked memory", "bytes"),
    (RLIMIT_AS, "Max address space", "bytes"),
    (RLIMIT_LOCKS, "Max file locks", "locks"),
    (RLIMIT_SIGPENDING, "Max pending signals", "signals"),
    (RLIMIT_MSGQUEUE, "Max msgqueue size", "bytes"),
    (RLIMIT_NICE, "Max nice priority", ""),
    (RLIMIT_RTPRIO, "Max realtime priority", ""),
    (RLIMIT_RTTIME, "Max realtime timeout", "us"),
];

/// A uid_map or gid_map: one line per range (guest id, host id, count),
/// or the whole id space mapped to itself.
fn id_map(ranges: &[gofer::IdRange]) -> Vec<u8> {
    let mut o = String::new();
    if ranges.is_empty() {
        let _ = writeln!(o, "{:>10} {:>10} {:>10}", 0, 0, u32::MAX);
    }
    for r in ranges {
        let _ = writeln!(o, "{:>10} {:>10} {:>10}", r.inside, r.outside, r.count);
    }
    o.into_bytes()
}

/// /proc/PID/uid_map.
pub(super) fn uid_map(_t: &TaskView, s: &Shared) -> Vec<u8> {
    id_map(&s.ids.uids)
}

/// /proc/PID/gid_map.
pub(super) fn gid_map(_t: &TaskView, s: &Shared) -> Vec<u8> {
    id_map(&s.ids.gids)
}

/// /proc/PID/limits.
pub(super) fn limits(t: &TaskView, _s: &Shared) -> Vec<u8> {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{:<25} {:<20} {:<20} {:<10}",
        "Limit", "Soft Limit", "Hard Limit", "Units"
    );
    let show = |v: u64| {
        if v == RLIM_INFINITY {
            "unlimited".to_string()
        } else {
            v.to_string()
        }
    };
    for (i, name, unit) in LIMIT_NAMES {
        let Some(r) = t.rlimits.get(i) else {
            continue;
        };
        let _ = write!(o, "{:<25} {:<20} {:<20} ", name, show(r.cur), show(r.max));
        if unit.is_empty() {
            o.push('\n');
        } else {
            let _ = writeln!(o, "{unit:<10}");
        }
    }
    o.into_bytes()
}

/// /proc/PID/oom_score_adj.
pub(super) fn oom_score_adj(_t: &TaskView, _s: &Shared) -> Vec<u8> {
    b"0\n".to_vec()
}

/// /proc/PID/oom_score.
pub(super) fn oom_score(_t: &TaskView, _s: &Shared) -> Vec<u8> {
    b"0\n".to_vec()
}

/// /proc/PID/loginuid (Linux prints it without a newline).
pub(super) fn loginuid(_t: &TaskView, _s: &Shared) -> Vec<u8> {
    AUDIT_UID_UNSET.to_string().into_bytes()
}

/// /proc/PID/cgroup.
pub(super) fn cgroup(_t: &TaskView, _s: &Shared) -> Vec<u8> {
    CGROUP_ROOT.as_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_maps_line_matches_linux_padding() {
        let mut o = String::new();
        maps_line(
            &mut o,
            VSYSCALL_START,
            VSYSCALL_START + PAGE_SIZE,
            &perms(PROT_EXEC, false),
            0,
            (0, 0),
            0,
            Some(VSYSCALL_NAME),
        );
        assert_eq!(
            o,
            "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]\n"
        );
        let mut o = String::new();
        maps_line(
            &mut o,
            0x55c7_b30c_7000,
            0x55c7_b30c_9000,
            "r--p",
            0,
            (0xfe, 0),
            247_030,
            Some("/usr/bin/cat"),
        );
        assert_eq!(
            o,
            "55c7b30c7000-55c7b30c9000 r--p 00000000 fe:00 247030                     /usr/bin/cat\n"
        );
        let mut o = String::new();
        maps_line(&mut o, 0x1000, 0x2000, "rw-p", 0, (0, 0), 0, None);
        assert_eq!(o, "00001000-00002000 rw-p 00000000 00:00 0 \n");
    }

    #[test]
    fn test_cpu_mask_groups_by_32_bits() {
        assert_eq!(cpu_mask(1), "1");
        assert_eq!(cpu_mask(2), "3");
        assert_eq!(cpu_mask(8), "ff");
        assert_eq!(cpu_mask(33), "1,ffffffff");
        assert_eq!(cpu_mask(64), "ffffffff,ffffffff");
        assert_eq!(cpu_list(1), "0");
        assert_eq!(cpu_list(4), "0-3");
    }

    #[test]
    fn test_split_options_separates_mount_flags() {
        let (m, s) = split_options("rw,nosuid,nodev,mode=755", false);
        assert_eq!(m, "rw,nosuid,nodev");
        assert_eq!(s, "rw,mode=755");
        let (m, s) = split_options("ro,nosuid,nodev,noexec,relatime", true);
        assert_eq!(m, "ro,nosuid,nodev,noexec,relatime");
        assert_eq!(s, "ro");
    }

    #[test]
    fn test_mangle_escapes_whitespace_as_octal() {
        assert_eq!(mangle(b"/a b\\c"), "/a\\040b\\134c");
    }

    #[test]
    fn test_limit_names_in_rlimit_order() {
        for (i, (r, _, _)) in LIMIT_NAMES.iter().enumerate() {
            assert_eq!(i, *r);
        }
    }

    #[test]
    fn test_stat_line_has_52_fields_after_comm() {
        let fields: [String; STAT_FIELDS] = std::array::from_fn(|i| i.to_string());
        let line = stat_line(7, b"a b) c", &fields);
        let text = String::from_utf8(line).unwrap();
        assert!(text.starts_with("7 (a b) c) 0 1 "));
        assert!(text.ends_with(" 49\n"));
        // Parsers split after the last ')': pid and comm are two fields.
        let rest = &text[text.rfind(')').unwrap() + 1..];
        assert_eq!(rest.split_whitespace().count() + 2, 52);
    }

    #[test]
    fn test_escape_name() {
        assert_eq!(escape_name(b"a\nb\\"), "a\\nb\\\\");
    }
}
