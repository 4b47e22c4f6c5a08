//! Guest register state.

/// General-purpose registers of one guest thread, in the layout of the host
/// kernel's `struct user_regs_struct` (what `PTRACE_GETREGS` returns).
#[derive(Clone, Copy)]
pub struct Registers(pub(crate) libc::user_regs_struct);

impl Default for Registers {
    fn default() -> Self {
        // SAFETY: user_regs_struct is plain old data of u64 fields; all-zero is valid.
        Registers(unsafe { std::mem::zeroed() })
    }
}

impl std::fmt::Debug for Registers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let r = &self.0;
        write!(
            f,
            "rip={:#x} rsp={:#x} rax={:#x} orig_rax={:#x} rdi={:#x} rsi={:#x} rdx={:#x} r10={:#x} r8={:#x} r9={:#x} fs_base={:#x}",
            r.rip, r.rsp, r.rax, r.orig_rax, r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9, r.fs_base
        )
    }
}

macro_rules! reg_accessors {
    ($($name:ident, $set:ident;)*) => {
        $(
            #[doc = concat!("The `", stringify!($name), "` register.")]
            #[inline]
            pub fn $name(&self) -> u64 {
                self.0.$name
            }
            #[doc = concat!("Sets the `", stringify!($name), "` register.")]
            #[inline]
            pub fn $set(&mut self, v: u64) {
                self.0.$name = v;
            }
        )*
    };
}

impl Registers {
    reg_accessors! {
        rax, set_rax; rbx, set_rbx; rcx, set_rcx; rdx, set_rdx;
        rsi, set_rsi; rdi, set_rdi; rbp, set_rbp; rsp, set_rsp;
        r8, set_r8; r9, set_r9; r10, set_r10; r11, set_r11;
        r12, set_r12; r13, set_r13; r14, set_r14; r15, set_r15;
        rip, set_rip; eflags, set_eflags; orig_rax, set_orig_rax;
        fs_base, set_fs_base; gs_base, set_gs_base; cs, set_cs; ss, set_ss;
    }

    /// The syscall number of a syscall stop.
    #[inline]
    pub fn syscall_nr(&self) -> u64 {
        self.0.orig_rax
    }

    /// The six syscall arguments in x86_64 order (rdi, rsi, rdx, r10, r8, r9).
    #[inline]
    pub fn syscall_args(&self) -> [u64; 6] {
        let r = &self.0;
        [r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9]
    }

    /// Sets the syscall return value.
    #[inline]
    pub fn set_syscall_return(&mut self, v: u64) {
        self.0.rax = v;
    }

    /// Resets the registers to what a thread sees right after execve: all
    /// general registers zero, the given instruction and stack pointers,
    /// interrupts enabled; segment selectors kept from `self`.
    pub fn reset_for_exec(&mut self, rip: u64, rsp: u64) {
        let seg = (
            self.0.cs, self.0.ss, self.0.ds, self.0.es, self.0.fs, self.0.gs,
        );
        *self = Registers::default();
        let r = &mut self.0;
        (r.cs, r.ss, r.ds, r.es, r.fs, r.gs) = seg;
        r.rip = rip;
        r.rsp = rsp;
        r.eflags = EFLAGS_IF;
    }
}

/// The interrupt-enable flag, the only flag set in a fresh thread.
const EFLAGS_IF: u64 = 0x200;
