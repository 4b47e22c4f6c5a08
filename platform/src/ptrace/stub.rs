//! Stub processes: creation and the stub code page.

use super::sys;
use crate::{Error, STUB_LEN, STUB_START, TASK_SIZE};
use std::os::fd::RawFd;

// The stub code, copied to STUB_START in every stub. It is position
// independent and needs no stack. On entry it unmaps everything the fork
// inherited except itself and the host vDSO, stops with SIGSTOP for its tracer, and then parks
// at `syscall; int3`, where the tracer injects syscalls.
std::arch::global_asm!(
    ".pushsection .text.platform_stub,\"ax\",@progbits",
    ".balign 16",
    ".globl platform_stub_begin",
    "platform_stub_begin:",
    // Entered with rdi, rsi = the range of the host vDSO to keep (both
    // STUB_START when there is none).
    "mov r12, rdi",
    "mov r13, rsi",
    // munmap(0, keep_start)
    "mov eax, {sys_munmap}",
    "xor edi, edi",
    "mov rsi, r12",
    "syscall",
    // munmap(keep_end, STUB_START - keep_end); EINVAL when empty.
    "mov eax, {sys_munmap}",
    "mov rdi, r13",
    "movabs rsi, {stub_start}",
    "sub rsi, r13",
    "syscall",
    // munmap(STUB_END, TASK_SIZE - STUB_END)
    "mov eax, {sys_munmap}",
    "movabs rdi, {stub_end}",
    "movabs rsi, {upper_len}",
    "syscall",
    // kill(getpid(), SIGSTOP)
    "mov eax, {sys_getpid}",
    "syscall",
    "mov rdi, rax",
    "mov esi, {sigstop}",
    "mov eax, {sys_kill}",
    "syscall",
    ".globl platform_stub_syscall",
    "platform_stub_syscall:",
    "syscall",
    "int3",
    "jmp platform_stub_syscall",
    // Thread creation: the tracer injects clone here. The parent (rax =
    // the new tid) stops at int3; the new thread (rax = 0) spins, using
    // no stack, until a sentry thread attaches to it and sets its
    // registers.
    ".globl platform_stub_clone",
    "platform_stub_clone:",
    "syscall",
    "test rax, rax",
    "jz 2f",
    "int3",
    "2:",
    "pause",
    "jmp 2b",
    ".globl platform_stub_end",
    "platform_stub_end:",
    ".popsection",
    sys_munmap = const libc::SYS_munmap,
    sys_getpid = const libc::SYS_getpid,
    sys_kill = const libc::SYS_kill,
    sigstop = const libc::SIGSTOP,
    stub_start = const STUB_START,
    stub_end = const STUB_START + STUB_LEN,
    upper_len = const TASK_SIZE - (STUB_START + STUB_LEN),
);

unsafe extern "C" {
    /// glibc: offset of the thread's rseq area from the thread pointer.
    static __rseq_offset: isize;
    /// glibc: size of the rseq area glibc registered (0 if none).
    static __rseq_size: u32;
    static platform_stub_begin: u8;
    static platform_stub_syscall: u8;
    static platform_stub_clone: u8;
    static platform_stub_end: u8;
}

/// SIG_IGN as a kernel sigaction handler.
const SIG_IGN_HANDLER: u64 = 1;
const ARCH_GET_FS: libc::c_int = 0x1003;
const RSEQ_FLAG_UNREGISTER: libc::c_int = 1;
/// The signature glibc registers its rseq area with on x86.
const RSEQ_SIG: u32 = 0x5305_3053;
/// Length of glibc's rseq area (32 bytes, the aligned `struct rseq`).
const RSEQ_AREA_LEN: u32 = 32;
/// Length of the original `struct rseq` fields.
const RSEQ_AREA_LEN_ORIG: u32 = 20;

const fn stmt(code: u16, k: u32) -> libc::sock_filter {
    libc::sock_filter {
        code,
        jt: 0,
        jf: 0,
        k,
    }
}
const fn jeq(k: u32, jt: u8, jf: u8) -> libc::sock_filter {
    libc::sock_filter {
        code: (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16,
        jt,
        jf,
        k,
    }
}
const LD_ABS_W: u16 = (libc::BPF_LD | libc::BPF_W | libc::BPF_ABS) as u16;
const RET_K: u16 = (libc::BPF_RET | libc::BPF_K) as u16;
/// `seccomp_data.nr` and `.arch` offsets.
const SECCOMP_DATA_NR: u32 = 0;
const SECCOMP_DATA_ARCH: u32 = 4;
const AUDIT_ARCH_X86_64: u32 = 0xc000_003e;

/// The stub's seccomp filter. Allowed: what the platform injects (mmap,
/// munmap, mprotect; clone and exit for stub threads) and the stub's own
/// start-up stop (getpid, kill).
/// Everything else traps with SIGSYS, which the tracer sees; that covers
/// the host's vsyscall emulation, so the host never runs a guest's
/// time()/gettimeofday()/getcpu() for it.
static STUB_FILTER: [libc::sock_filter; 13] = [
    stmt(LD_ABS_W, SECCOMP_DATA_ARCH),
    jeq(AUDIT_ARCH_X86_64, 1, 0),
    stmt(RET_K, libc::SECCOMP_RET_KILL_PROCESS),
    stmt(LD_ABS_W, SECCOMP_DATA_NR),
    jeq(libc::SYS_mmap as u32, 7, 0),
    jeq(libc::SYS_munmap as u32, 6, 0),
    jeq(libc::SYS_mprotect as u32, 5, 0),
    jeq(libc::SYS_getpid as u32, 4, 0),
    jeq(libc::SYS_kill as u32, 3, 0),
    jeq(libc::SYS_clone as u32, 2, 0),
    jeq(libc::SYS_exit as u32, 1, 0),
    stmt(RET_K, libc::SECCOMP_RET_TRAP),
    stmt(RET_K, libc::SECCOMP_RET_ALLOW),
];

/// The stub code bytes in the sentry's own text.
fn code() -> &'static [u8] {
    // SAFETY: the three symbols are labels in one contiguous asm block above,
    // in order, so begin..end is a valid readable byte range of our text.
    unsafe {
        let begin = &raw const platform_stub_begin;
        let end = &raw const platform_stub_end;
        std::slice::from_raw_parts(begin, end.offset_from(begin) as usize)
    }
}

/// The guest address of the stub's `syscall` instruction (followed by `int3`).
pub(super) fn syscall_addr() -> u64 {
    let begin = &raw const platform_stub_begin;
    let sys = &raw const platform_stub_syscall;
    // SAFETY: both labels are in the same asm block (same allocation).
    STUB_START + unsafe { sys.offset_from(begin) } as u64
}

/// The guest address of the thread-creation `syscall` instruction.
pub(super) fn clone_addr() -> u64 {
    let begin = &raw const platform_stub_begin;
    let c = &raw const platform_stub_clone;
    // SAFETY: both labels are in the same asm block (same allocation).
    STUB_START + unsafe { c.offset_from(begin) } as u64
}

/// Reserves the stub region in the sentry so no host mapping of ours can
/// occupy it; forks inherit the reservation and replace it with the code.
pub(super) fn reserve_region() -> Result<(), Error> {
    // SAFETY: an anonymous PROT_NONE mapping at a fixed address that must not
    // replace anything (MAP_FIXED_NOREPLACE); no memory is accessed.
    let p = unsafe {
        libc::mmap(
            STUB_START as *mut libc::c_void,
            STUB_LEN as usize,
            libc::PROT_NONE,
            libc::MAP_PRIVATE
                | libc::MAP_ANONYMOUS
                | libc::MAP_NORESERVE
                | libc::MAP_FIXED_NOREPLACE,
            -1,
            0,
        )
    };
    if p == libc::MAP_FAILED {
        let e = std::io::Error::last_os_error();
        // Already reserved by an earlier Platform in this process.
        if e.raw_os_error() == Some(libc::EEXIST) {
            return Ok(());
        }
        return Err(Error::Host {
            op: "reserving the stub region",
            source: e,
        });
    }
    if p as u64 != STUB_START {
        // An old kernel treated NOREPLACE as a hint; give the mapping back.
        // SAFETY: p is the mapping just created, of that length.
        unsafe { libc::munmap(p, STUB_LEN as usize) };
        return Err(Error::Host {
            op: "reserving the stub region",
            source: std::io::Error::from_raw_os_error(libc::EEXIST),
        });
    }
    Ok(())
}

/// Forks a stub traced by the calling thread and waits until it is parked.
pub(super) fn spawn(memfd: RawFd) -> Result<i32, Error> {
    let code = code();
    let keep = crate::vdso::host_vdso().map_or((STUB_START, STUB_START), |v| v.range());
    // SAFETY: getpid has no preconditions.
    let parent = unsafe { libc::getpid() };
    // SAFETY: a raw fork; the child runs only `child`, which makes raw
    // syscalls and never returns, so no lock or allocator state is touched.
    let pid = unsafe { libc::syscall(libc::SYS_fork) };
    if pid < 0 {
        return Err(Error::last("forking a stub"));
    }
    if pid == 0 {
        // SAFETY: we are the freshly forked single-threaded child.
        unsafe { child(parent, memfd, code, keep) }
    }
    let pid = pid as i32;
    let status = sys::wait_stop(pid)?;
    if !libc::WIFSTOPPED(status) || libc::WSTOPSIG(status) != libc::SIGSTOP {
        sys::kill_and_reap(pid);
        return Err(Error::UnexpectedStop {
            pid,
            op: "stub start",
            status,
        });
    }
    if let Err(e) = sys::set_options(pid, libc::PTRACE_O_TRACESYSGOOD | libc::PTRACE_O_EXITKILL) {
        sys::kill_and_reap(pid);
        return Err(e);
    }
    Ok(pid)
}

/// Body of a new stub. Runs in the forked child only.
///
/// # Safety
/// Must be called only in a child just forked from the sentry.
unsafe fn child(parent: i32, memfd: RawFd, code: &[u8], keep: (u64, u64)) -> ! {
    // SAFETY: raw syscalls with integer arguments or pointers to locals; the
    // copy targets the fresh writable mapping at STUB_START, after checking
    // that the mapping exists and the code fits in it.
    unsafe {
        let die = || -> ! {
            libc::syscall(libc::SYS_exit_group, 127);
            std::hint::unreachable_unchecked()
        };
        // Die with the tracer thread; and if it is already gone, now.
        libc::syscall(libc::SYS_prctl, libc::PR_SET_PDEATHSIG, libc::SIGKILL);
        if libc::syscall(libc::SYS_getppid) != parent as libc::c_long {
            die();
        }
        // Own session: a terminal's job-control signals go to the sentry,
        // which decides what the guest sees.
        libc::syscall(libc::SYS_setsid);
        // Keep only the memory file.
        if memfd > 0 {
            libc::syscall(libc::SYS_close_range, 0u32, (memfd - 1) as u32, 0u32);
        }
        libc::syscall(libc::SYS_close_range, (memfd + 1) as u32, u32::MAX, 0u32);
        // Default dispositions and an empty mask: the sentry's handlers
        // are about to be unmapped. Each signal is ignored first, which
        // discards one already pending: a terminal's ^C sent to the
        // sentry's process group before setsid above, held by the mask the
        // stub inherited, would otherwise kill it once unmasked.
        let ignore: [u64; 4] = [SIG_IGN_HANDLER, 0, 0, 0]; // kernel sigaction
        let act: [u64; 4] = [0; 4]; // kernel sigaction: handler=SIG_DFL
        for sig in 1..=64 {
            if sig != libc::SIGKILL && sig != libc::SIGSTOP {
                libc::syscall(libc::SYS_rt_sigaction, sig, ignore.as_ptr(), 0usize, 8usize);
                libc::syscall(libc::SYS_rt_sigaction, sig, act.as_ptr(), 0usize, 8usize);
            }
        }
        let empty: u64 = 0;
        libc::syscall(
            libc::SYS_rt_sigprocmask,
            libc::SIG_SETMASK,
            &empty,
            0usize,
            8usize,
        );
        // glibc registered an rseq area in the thread's TLS, and fork keeps
        // the registration. Once the TLS is unmapped, the kernel's rseq
        // update on the next return to user mode would fault and kill the
        // stub, so unregister it. The kernel wants the registered length;
        // try glibc's figure and the two lengths glibc versions use.
        let mut tp: u64 = 0;
        libc::syscall(libc::SYS_arch_prctl, ARCH_GET_FS, &mut tp);
        let area = tp.wrapping_add(__rseq_offset as u64);
        for len in [__rseq_size, RSEQ_AREA_LEN, RSEQ_AREA_LEN_ORIG] {
            if libc::syscall(libc::SYS_rseq, area, len, RSEQ_FLAG_UNREGISTER, RSEQ_SIG) == 0 {
                break;
            }
        }
        if libc::syscall(libc::SYS_ptrace, libc::PTRACE_TRACEME, 0, 0, 0) < 0 {
            die();
        }
        let p = libc::syscall(
            libc::SYS_mmap,
            STUB_START,
            STUB_LEN,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
            -1,
            0,
        );
        if p as u64 != STUB_START || code.len() as u64 > STUB_LEN {
            die();
        }
        std::ptr::copy_nonoverlapping(code.as_ptr(), STUB_START as *mut u8, code.len());
        libc::syscall(
            libc::SYS_mprotect,
            STUB_START,
            STUB_LEN,
            libc::PROT_READ | libc::PROT_EXEC,
        );
        // From here on only injected syscalls and the host's vsyscall
        // emulation reach seccomp (PTRACE_SYSEMU stops every guest syscall
        // before the filter runs): allow the injected ones, trap the rest.
        libc::syscall(libc::SYS_prctl, libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        let prog = libc::sock_fprog {
            len: STUB_FILTER.len() as u16,
            filter: STUB_FILTER.as_ptr() as *mut libc::sock_filter,
        };
        if libc::syscall(libc::SYS_seccomp, libc::SECCOMP_SET_MODE_FILTER, 0, &prog) != 0 {
            die();
        }
        let entry: extern "C" fn(u64, u64) -> ! = std::mem::transmute(STUB_START as usize);
        entry(keep.0, keep.1)
    }
}
