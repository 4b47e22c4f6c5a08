//! The ptrace back end: guest code runs in stub processes under
//! `PTRACE_SYSEMU`, so every syscall instruction stops the stub before the
//! host kernel would run it.
//!
//! A stub is a fork of the sentry thread that will trace it. Before it stops
//! for the first time it copies a page of stub code to [`STUB_START`],
//! unmaps everything else it inherited and closes every fd but the memory
//! file, so the guest address space starts empty but for the host vDSO
//! (see [`crate::vdso`]). The sentry then maps
//! memory-file ranges into it by *injecting* syscalls: it points the stub's
//! registers at the `syscall; int3` pair of the stub code and continues it.

mod stub;
mod sys;

use crate::{Access, Error, Event, Registers, SignalInfo, STUB_LEN, STUB_START};
use std::marker::PhantomData;
use std::os::fd::RawFd;

/// The signal [`Interrupter::interrupt`] sends to a running stub. It cannot be
/// blocked, and the tracer suppresses it at its signal-delivery stop.
const INTERRUPT_SIGNAL: i32 = libc::SIGURG;

/// Protection bits for [`AddressSpace::map`] and [`AddressSpace::protect`],
/// using the host's `PROT_*` values.
pub type Prot = i32;

/// The ptrace platform: shared, immutable state every stub needs.
#[derive(Debug)]
pub struct Platform {
    memfd: RawFd,
    pin_cpu: bool,
}

impl Platform {
    /// Creates the platform for a memory file (an fd every stub keeps open
    /// and maps from). Reserves the stub region in the calling process so
    /// that no host mapping of the sentry can sit where stubs put their code.
    pub fn new(memfd: RawFd) -> Result<Self, Error> {
        stub::reserve_region()?;
        crate::vdso::init();
        Ok(Platform {
            memfd,
            pin_cpu: std::env::var_os("RUNSC_NO_PIN").is_none(),
        })
    }

    /// Creates a new, empty guest address space: a fresh stub process traced
    /// by the calling thread. Every later use must be on this same thread.
    /// Attaches the calling thread to a stub thread that
    /// [`AddressSpace::new_thread`] started, as its tracer, and returns
    /// the handle to run a guest thread there.
    pub fn attach_thread(&self, tgid: i32, tid: i32) -> Result<AddressSpace, Error> {
        sys::seize(tid, libc::PTRACE_O_TRACESYSGOOD | libc::PTRACE_O_EXITKILL)?;
        loop {
            let status = sys::wait_stop(tid)?;
            if !libc::WIFSTOPPED(status) {
                return Err(Error::UnexpectedStop {
                    pid: tid,
                    op: "attach to a stub thread",
                    status,
                });
            }
            // The PTRACE_INTERRUPT stop (an event stop); anything else that
            // raced in (an interrupt signal) is suppressed.
            if status >> 16 == libc::PTRACE_EVENT_STOP {
                break;
            }
            sys::resume(tid, libc::PTRACE_CONT, 0)?;
        }
        let mut as_ = AddressSpace {
            pid: tid,
            tgid,
            is_thread: true,
            memfd: self.memfd,
            base_regs: Registers::default(),
            clobbered: true,
            pinned_cpu: -1,
            pin_cpu: self.pin_cpu,
            _not_send: PhantomData,
        };
        // Injected syscalls start from the spinning thread's registers
        // (valid segments), pointed at the stub's syscall instruction.
        as_.base_regs = sys::get_regs(tid)?;
        Ok(as_)
    }

    /// [`Platform::new_address_space`], with the stub's host name
    /// (`comm`, what `ps` and `docker top` show) set to `name`: the
    /// calling thread takes that name while it forks the stub, which
    /// inherits it, and gets its own name back after.
    pub fn new_address_space_named(&self, name: &[u8]) -> Result<AddressSpace, Error> {
        set_thread_name(name);
        let r = self.new_address_space();
        let own = std::thread::current()
            .name()
            .map(|n| n.as_bytes().to_vec())
            .unwrap_or_default();
        set_thread_name(&own);
        r
    }

    pub fn new_address_space(&self) -> Result<AddressSpace, Error> {
        let pid = stub::spawn(self.memfd)?;
        let mut as_ = AddressSpace {
            pid,
            tgid: pid,
            is_thread: false,
            memfd: self.memfd,
            base_regs: Registers::default(),
            clobbered: false,
            pinned_cpu: -1,
            pin_cpu: self.pin_cpu,
            _not_send: PhantomData,
        };
        as_.base_regs = sys::get_regs(pid)?;
        Ok(as_)
    }
}

/// One guest address space: a stub process traced by the current thread.
pub struct AddressSpace {
    /// The stub thread this handle traces.
    pid: i32,
    /// The stub process (thread group) it belongs to.
    tgid: i32,
    /// A thread added with [`AddressSpace::new_thread`]: dropping the
    /// handle ends only this thread.
    is_thread: bool,
    memfd: RawFd,
    /// The stub's registers when parked at its syscall instruction; injected
    /// syscalls start from a copy so segment registers stay valid.
    base_regs: Registers,
    /// Set when an injected syscall overwrote the guest thread's registers
    /// in the host kernel; the next switch must restore them.
    clobbered: bool,
    /// The host CPU the stub is pinned to (-1: none yet).
    pinned_cpu: i32,
    pin_cpu: bool,
    /// ptrace requests are only valid from the tracing thread.
    _not_send: PhantomData<*const ()>,
}

impl std::fmt::Debug for AddressSpace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AddressSpace")
            .field("stub_pid", &self.pid)
            .finish()
    }
}

impl AddressSpace {
    /// Host pid of the stub process (what `ps` on the host shows).
    pub fn host_pid(&self) -> i32 {
        self.tgid
    }

    /// Host tid of the stub thread this handle runs.
    pub fn host_tid(&self) -> i32 {
        self.pid
    }

    /// A handle another thread can use to interrupt this address space's
    /// running context.
    pub fn interrupter(&self) -> Interrupter {
        Interrupter {
            tgid: self.tgid,
            tid: self.pid,
        }
    }

    /// Starts another stub thread in this address space (for a new guest
    /// thread) and returns its host tid. It spins in stub code until a
    /// thread attaches to it with [`Platform::attach_thread`].
    pub fn new_thread(&mut self) -> Result<i32, Error> {
        const FLAGS: u64 = (libc::CLONE_VM
            | libc::CLONE_FS
            | libc::CLONE_FILES
            | libc::CLONE_SIGHAND
            | libc::CLONE_THREAD
            | libc::CLONE_SYSVSEM) as u64;
        let ret = self.inject_at(
            stub::clone_addr(),
            libc::SYS_clone as u64,
            [FLAGS, 0, 0, 0, 0, 0],
            "clone in stub",
        )?;
        check_injected(ret, "clone in stub")?;
        Ok(ret as i32)
    }

    /// Maps `len` bytes of the memory file at `offset` at guest address
    /// `addr` (shared, fixed), replacing whatever was there.
    pub fn map(&mut self, addr: u64, len: u64, prot: Prot, offset: u64) -> Result<(), Error> {
        let flags = (libc::MAP_SHARED | libc::MAP_FIXED) as u64;
        let args = [addr, len, prot as u64, flags, self.memfd as u64, offset];
        let ret = self.inject(libc::SYS_mmap as u64, args, "mmap in stub")?;
        check_injected(ret, "mmap in stub")
    }

    /// Removes guest mappings in `[addr, addr+len)`.
    pub fn unmap(&mut self, addr: u64, len: u64) -> Result<(), Error> {
        let ret = self.inject(
            libc::SYS_munmap as u64,
            [addr, len, 0, 0, 0, 0],
            "munmap in stub",
        )?;
        check_injected(ret, "munmap in stub")
    }

    /// Changes the protection of guest mappings in `[addr, addr+len)`.
    pub fn protect(&mut self, addr: u64, len: u64, prot: Prot) -> Result<(), Error> {
        let ret = self.inject(
            libc::SYS_mprotect as u64,
            [addr, len, prot as u64, 0, 0, 0],
            "mprotect in stub",
        )?;
        check_injected(ret, "mprotect in stub")
    }

    /// Runs one syscall in the stub and returns its raw result. The stub
    /// must be stopped (it always is between switches).
    fn inject(&mut self, nr: u64, args: [u64; 6], op: &'static str) -> Result<i64, Error> {
        self.inject_at(stub::syscall_addr(), nr, args, op)
    }

    /// Runs one syscall at stub address `at` (a `syscall` followed, for
    /// the caller, by `int3`).
    fn inject_at(
        &mut self,
        at: u64,
        nr: u64,
        args: [u64; 6],
        op: &'static str,
    ) -> Result<i64, Error> {
        let mut regs = self.base_regs;
        let r = &mut regs.0;
        r.rax = nr;
        // Not a syscall as far as restart logic is concerned.
        r.orig_rax = u64::MAX;
        [r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9] = args;
        r.rip = at;
        sys::set_regs(self.pid, &regs)?;
        self.clobbered = true;
        sys::resume(self.pid, libc::PTRACE_CONT, 0)?;
        loop {
            let status = sys::wait_stop(self.pid)?;
            // An interrupt from another thread may arrive meanwhile: it
            // only asks the task to look at its signals, which it will.
            if libc::WIFSTOPPED(status) && libc::WSTOPSIG(status) == INTERRUPT_SIGNAL {
                sys::resume(self.pid, libc::PTRACE_CONT, 0)?;
                continue;
            }
            if !libc::WIFSTOPPED(status) || libc::WSTOPSIG(status) != libc::SIGTRAP {
                return Err(Error::UnexpectedStop {
                    pid: self.pid,
                    op,
                    status,
                });
            }
            return Ok(sys::get_regs(self.pid)?.0.rax as i64);
        }
    }

    /// Keeps the stub on the CPU the tracer runs on: a ptrace stop and
    /// resume then wake a task on the local run queue instead of sending an
    /// inter-processor interrupt, which halves the round trip on small VMs.
    #[inline]
    fn pin_to_current_cpu(&mut self) {
        if !self.pin_cpu {
            return;
        }
        // SAFETY: sched_getcpu has no preconditions (vDSO read).
        let cpu = unsafe { libc::sched_getcpu() };
        if cpu >= 0 && cpu != self.pinned_cpu {
            sys::set_affinity(self.pid, cpu);
            self.pinned_cpu = cpu;
        }
    }
}

impl AddressSpace {
    /// Ends this handle's stub thread now (a thread handle only; the
    /// handle is useless afterwards). A thread that execs must do this
    /// before it waits for the leader's stub process to go: the host
    /// reaps a process only after all its threads are gone, and this
    /// thread's tracer is the caller.
    pub fn end_thread(&mut self) {
        if self.is_thread && self.pid > 0 {
            // It exits (UnexpectedStop with an exit status), or is gone.
            let _ = self.inject(libc::SYS_exit as u64, [0; 6], "exit of a stub thread");
            self.pid = 0;
        }
    }
}

impl Drop for AddressSpace {
    fn drop(&mut self) {
        if self.is_thread {
            // End only this stub thread: it makes an exit syscall.
            self.end_thread();
            return;
        }
        sys::kill_and_reap(self.pid);
    }
}

fn check_injected(ret: i64, op: &'static str) -> Result<(), Error> {
    if ret < 0 {
        return Err(Error::Host {
            op,
            source: std::io::Error::from_raw_os_error(-ret as i32),
        });
    }
    Ok(())
}

/// Sends [`INTERRUPT_SIGNAL`] to a stub so that a running
/// [`Context::switch`] returns [`Event::Interrupted`]. `Send`, unlike the
/// address space itself.
#[derive(Clone, Copy, Debug)]
pub struct Interrupter {
    tgid: i32,
    tid: i32,
}

impl Interrupter {
    /// Interrupts the stub. Harmless if it is not running: the switch that
    /// follows returns [`Event::Interrupted`] at once.
    pub fn interrupt(&self) {
        sys::tgkill(self.tgid, self.tid, INTERRUPT_SIGNAL);
    }
}

/// The register state of one guest thread.
#[derive(Debug, Default)]
pub struct Context {
    regs: Registers,
    /// The registers differ from the stub's in the host kernel.
    dirty: bool,
}

impl Context {
    /// A context with the registers a stub has when it is parked (valid
    /// segment selectors), ready for [`Registers::reset_for_exec`].
    pub fn new(as_: &AddressSpace) -> Self {
        Context {
            regs: as_.base_regs,
            dirty: true,
        }
    }

    /// The guest registers.
    #[inline]
    pub fn regs(&self) -> &Registers {
        &self.regs
    }

    /// The guest registers, for change; they are written back at the next
    /// switch.
    #[inline]
    pub fn regs_mut(&mut self) -> &mut Registers {
        self.dirty = true;
        &mut self.regs
    }

    /// The guest's FPU/vector state (the XSAVE area, in the host's
    /// layout), read while the guest is stopped in the sentry.
    pub fn fpstate(&self, as_: &AddressSpace) -> Result<Vec<u8>, Error> {
        sys::get_xstate(as_.pid)
    }

    /// Replaces the guest's FPU/vector state (signal return). The host
    /// kernel rejects invalid states (EINVAL).
    pub fn set_fpstate(&mut self, as_: &AddressSpace, data: &[u8]) -> Result<(), Error> {
        sys::set_xstate(as_.pid, data)
    }

    /// Runs the guest in `as_` until it traps back to the sentry.
    pub fn switch(&mut self, as_: &mut AddressSpace) -> Result<Event, Error> {
        let pid = as_.pid;
        as_.pin_to_current_cpu();
        if self.dirty || as_.clobbered {
            sys::set_regs(pid, &self.regs)?;
            self.dirty = false;
            as_.clobbered = false;
        }
        sys::resume(pid, sys::PTRACE_SYSEMU, 0)?;
        let status = sys::wait_stop(pid)?;
        if !libc::WIFSTOPPED(status) {
            return Ok(Event::StubDied(status));
        }
        let sig = libc::WSTOPSIG(status);
        self.regs = sys::get_regs(pid)?;
        if sig == libc::SIGTRAP | 0x80 {
            return Ok(Event::Syscall);
        }
        // A signal-delivery stop: the signal is never delivered on the host
        // (the next resume passes 0); the sentry decides what the guest sees.
        let info: SignalInfo = sys::get_siginfo(pid)?;
        Ok(match sig {
            libc::SIGSEGV | libc::SIGBUS => Event::Fault {
                addr: info.addr,
                // ptrace gives no page-fault error code; a fault at the
                // instruction pointer can only be a fetch.
                access: if info.addr == self.regs.rip() {
                    Access::Execute
                } else {
                    Access::Unknown
                },
                info,
            },
            libc::SIGILL | libc::SIGFPE | libc::SIGTRAP | libc::SIGSYS => Event::Exception(info),
            INTERRUPT_SIGNAL => Event::Interrupted,
            _ => Event::HostSignal(info),
        })
    }
}

/// Where the stub code sits, for tests and for documentation in `runsc`.
pub fn stub_region() -> (u64, u64) {
    (STUB_START, STUB_LEN)
}

/// Sets the calling thread's name (the kernel keeps 15 bytes).
fn set_thread_name(name: &[u8]) {
    let mut buf = [0u8; 16];
    let n = name
        .iter()
        .position(|&b| b == 0)
        .unwrap_or(name.len())
        .min(15);
    buf[..n].copy_from_slice(&name[..n]);
    // SAFETY: PR_SET_NAME reads a NUL-terminated string of at most 16
    // bytes from a live local buffer.
    unsafe { libc::prctl(libc::PR_SET_NAME, buf.as_ptr()) };
}
