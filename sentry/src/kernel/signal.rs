//! Signal delivery: default actions, handler frames on the guest stack
//! (siginfo, ucontext, the XSAVE area), rt_sigreturn, and the restart of
//! interrupted syscalls (ERESTARTSYS and friends).
//!
//! Pending signals live in the process table (one task per process in this
//! step), so another process's kill reaches them; the task delivers at
//! every return to the guest.

use super::{ExitStatus, Task};
use crate::abi::signal::frame::*;
use crate::abi::signal::sa::*;
use crate::abi::signal::*;
use crate::abi::{Errno, SysError};

/// Bytes of `struct rt_sigframe`: pretcode, ucontext, siginfo.
const FRAME_SIZE: u64 = 8 + UCONTEXT_SIZE + SIGINFO_LEN as u64;

/// Register order of `struct sigcontext` (x86_64), first 18 words.
fn sigcontext_words(r: &platform::Registers) -> [u64; 18] {
    [
        r.r8(),
        r.r9(),
        r.r10(),
        r.r11(),
        r.r12(),
        r.r13(),
        r.r14(),
        r.r15(),
        r.rdi(),
        r.rsi(),
        r.rbp(),
        r.rbx(),
        r.rdx(),
        r.rax(),
        r.rcx(),
        r.rsp(),
        r.rip(),
        r.eflags(),
    ]
}

impl Task {
    /// Whether a signal is waiting that the task's mask lets through and
    /// that is not ignored (ignored signals never interrupt a wait).
    pub fn signal_pending(&self) -> bool {
        self.kernel.procs.signal_pending_thread(
            self.tgid,
            self.tid,
            self.signals.mask.0 | self.ignored_set(),
        )
    }

    /// Signals whose disposition ignores them.
    pub fn ignored_set(&self) -> u64 {
        let mut set = 0u64;
        for (i, a) in self.signals.actions.all().iter().enumerate() {
            let sig = i as i32 + 1;
            let ignored = a.handler == SIG_IGN
                || (a.handler == SIG_DFL
                    && matches!(
                        default_action(sig),
                        DefaultAction::Ignore | DefaultAction::Continue
                    ));
            if ignored && sig != SIGKILL && sig != SIGSTOP {
                set |= bit(sig);
            }
        }
        set
    }

    /// Tells the process table what this process's SIGCHLD action asks
    /// of its children's stops and exits (SA_NOCLDSTOP; SIG_IGN or
    /// SA_NOCLDWAIT).
    pub fn sync_sigchld_action(&self) {
        let a = self.signals.actions.get((SIGCHLD - 1) as usize);
        self.kernel.procs.set_sigchld(
            self.tgid,
            a.flags & SA_NOCLDSTOP != 0,
            a.handler == SIG_IGN || a.flags & SA_NOCLDWAIT != 0,
        );
    }

    /// Queues `sig` for this process.
    pub fn send_self(&self, sig: i32, info: SigInfo) {
        let _ = self.kernel.procs.send(self.tgid, sig, info);
    }

    /// A fault or exception: the signal is delivered even if blocked or
    /// ignored, in which case its default action (death) applies.
    pub fn force_signal_info(&mut self, sig: i32, info: SigInfo) {
        let slot = (sig - 1) as usize;
        let blocked = self.signals.mask.has(sig);
        if blocked || self.signals.actions.get(slot).handler == SIG_IGN {
            self.signals.actions.set(slot, SigAction::default());
            self.signals.mask.0 &= !bit(sig);
        }
        // Synchronous: for the faulting thread.
        let _ = self
            .kernel
            .procs
            .send_thread(self.tgid, self.tid, sig, info);
    }

    /// Delivers pending signals before the task returns to the guest, and
    /// restarts or fails an interrupted syscall.
    pub fn deliver_signals(&mut self) {
        // A stopped group runs no guest code until SIGCONT or SIGKILL.
        self.kernel.procs.wait_stopped(self.tgid);
        let restart = self.restart.take();
        while let Some((sig, info)) =
            self.kernel
                .procs
                .take_signal_thread(self.tgid, self.tid, self.signals.mask.0)
        {
            if sig == SIGKILL {
                self.exit = Some(ExitStatus::Signaled(SIGKILL));
                return;
            }
            let act = self.signals.actions.get((sig - 1) as usize);
            if act.handler == SIG_IGN {
                continue;
            }
            if act.handler == SIG_DFL {
                match default_action(sig) {
                    DefaultAction::Terminate | DefaultAction::Core => {
                        self.exit = Some(ExitStatus::Signaled(sig));
                        return;
                    }
                    DefaultAction::Stop => {
                        // Terminal stops do nothing to an orphaned group
                        // (no shell would ever continue it).
                        let pgid = self.kernel.procs.pgid_sid(self.tgid).map_or(0, |p| p.0);
                        if (sig == SIGSTOP || !self.kernel.procs.pgrp_orphaned(pgid))
                            && self.kernel.procs.stop_group(self.tgid, sig, self.creds.uid)
                        {
                            self.kernel.procs.wait_stopped(self.tgid);
                        }
                        continue;
                    }
                    DefaultAction::Ignore | DefaultAction::Continue => continue,
                }
            }
            // A handler: first settle the interrupted syscall.
            if let Some(r) = restart {
                let again = match r {
                    SysError::RestartSys => act.flags & SA_RESTART != 0,
                    SysError::RestartNoIntr => true,
                    _ => false,
                };
                if again {
                    self.rewind_syscall();
                }
            }
            if self.setup_frame(sig, &info, &act).is_err() {
                // No room for the frame: the process dies of SIGSEGV.
                self.exit = Some(ExitStatus::Signaled(SIGSEGV));
            }
            return;
        }
        // No handler ran: interrupted syscalls start over.
        if restart.is_some() {
            self.rewind_syscall();
        }
        if let Some(m) = self.saved_mask.take() {
            self.signals.mask = m;
        }
    }

    /// Makes the guest execute its last syscall again.
    fn rewind_syscall(&mut self) {
        let r = self.ctx.regs_mut();
        let nr = r.orig_rax();
        r.set_rip(r.rip().wrapping_sub(2));
        r.set_rax(nr);
    }

    /// Builds the signal frame and points the guest at the handler.
    fn setup_frame(&mut self, sig: i32, info: &SigInfo, act: &SigAction) -> Result<(), Errno> {
        let regs = *self.ctx.regs();
        let fp = self.ctx.fpstate(&self.as_).map_err(|_| Errno::EFAULT)?;
        let alt = self.signals.altstack;
        let alt_ok = alt.flags & SS_DISABLE == 0 && alt.size > 0;
        let on_alt_now = alt_ok && regs.rsp().wrapping_sub(alt.sp) < alt.size;
        let use_alt = act.flags & SA_ONSTACK != 0 && alt_ok && !on_alt_now;
        let mut sp = if use_alt {
            alt.sp + alt.size
        } else {
            regs.rsp().wrapping_sub(RED_ZONE)
        };
        // The XSAVE area, with the software bytes a signal frame carries
        // and the trailing magic.
        let fp_len = fp.len() as u64 + 4;
        sp = sp.wrapping_sub(fp_len) & !63;
        let fp_addr = sp;
        // The handler starts with a clean FPU (default control words, zero
        // registers), as Linux gives it.
        let clean = clean_fpstate(&fp);
        let mut area = fp;
        if area.len() >= FPX_SW_BYTES + 24 {
            let xfeatures = area
                .get(512..520)
                .map_or(0, |b| u64::from_le_bytes(b.try_into().unwrap_or([0; 8])));
            let xsize = area.len() as u32;
            let sw = &mut area[FPX_SW_BYTES..FPX_SW_BYTES + 24];
            sw[0..4].copy_from_slice(&FP_XSTATE_MAGIC1.to_le_bytes());
            sw[4..8].copy_from_slice(&(xsize + 4).to_le_bytes());
            sw[8..16].copy_from_slice(&xfeatures.to_le_bytes());
            sw[16..20].copy_from_slice(&xsize.to_le_bytes());
        }
        area.extend_from_slice(&FP_XSTATE_MAGIC2.to_le_bytes());
        sp = (sp.wrapping_sub(FRAME_SIZE) & !15).wrapping_sub(8);
        let frame = sp;
        let uc = frame + 8;
        let si = uc + UCONTEXT_SIZE;

        let mut ucb = vec![0u8; UCONTEXT_SIZE as usize];
        let put = |b: &mut [u8], at: u64, v: u64| {
            b[at as usize..at as usize + 8].copy_from_slice(&v.to_le_bytes());
        };
        put(&mut ucb, 0, UC_FP_XSTATE | UC_SIGCONTEXT_SS);
        put(&mut ucb, UC_STACK, alt.sp);
        ucb[UC_STACK as usize + 8..UC_STACK as usize + 12].copy_from_slice(
            &(if on_alt_now || use_alt {
                SS_ONSTACK
            } else {
                alt.flags
            })
            .to_le_bytes(),
        );
        put(&mut ucb, UC_STACK + 16, alt.size);
        for (i, w) in sigcontext_words(&regs).iter().enumerate() {
            put(&mut ucb, UC_MCONTEXT + 8 * i as u64, *w);
        }
        let segs = (regs.cs() & 0xffff) | ((regs.ss() & 0xffff) << 48);
        put(&mut ucb, UC_MCONTEXT + SC_CS, segs);
        let old_mask = self.saved_mask.take().unwrap_or(self.signals.mask);
        put(&mut ucb, UC_MCONTEXT + SC_OLDMASK, old_mask.0);
        if SYNCHRONOUS & bit(sig) != 0 {
            let addr = u64::from_le_bytes(info.0[16..24].try_into().unwrap_or([0; 8]));
            put(&mut ucb, UC_MCONTEXT + SC_CR2, addr);
        }
        put(&mut ucb, UC_MCONTEXT + SC_FPSTATE, fp_addr);
        put(&mut ucb, UC_SIGMASK, old_mask.0);

        self.mm.copy_out(fp_addr, &area)?;
        if let Some(c) = clean {
            let _ = self.ctx.set_fpstate(&self.as_, &c);
        }
        self.mm.copy_out(frame, &act.restorer.to_le_bytes())?;
        self.mm.copy_out(uc, &ucb)?;
        self.mm.copy_out(si, &info.0)?;

        let r = self.ctx.regs_mut();
        r.set_rip(act.handler);
        r.set_rsp(frame);
        r.set_rdi(sig as u64);
        r.set_rsi(si);
        r.set_rdx(uc);
        r.set_rax(0);
        r.set_eflags(r.eflags() & !HANDLER_CLEAR_EFLAGS);
        r.set_orig_rax(u64::MAX);

        let mut blocked = act.mask.0;
        if act.flags & SA_NODEFER == 0 {
            blocked |= bit(sig);
        }
        self.signals.mask.0 |= blocked & !SigSet::UNBLOCKABLE.0;
        if act.flags & SA_RESETHAND != 0 {
            self.signals
                .actions
                .set((sig - 1) as usize, SigAction::default());
        }
        Ok(())
    }

    /// rt_sigreturn: restores what [`Self::setup_frame`] saved. Returns
    /// the restored rax (the run loop writes it back).
    pub fn sigreturn(&mut self) -> Result<u64, Errno> {
        let frame = self.ctx.regs().rsp().wrapping_sub(8);
        let uc = frame + 8;
        let mut ucb = vec![0u8; UCONTEXT_SIZE as usize];
        self.mm.copy_in(uc, &mut ucb)?;
        let get = |at: u64| {
            u64::from_le_bytes(
                ucb[at as usize..at as usize + 8]
                    .try_into()
                    .unwrap_or([0; 8]),
            )
        };
        let w: Vec<u64> = (0..18).map(|i| get(UC_MCONTEXT + 8 * i)).collect();
        let fp_addr = get(UC_MCONTEXT + SC_FPSTATE);
        let mask = get(UC_SIGMASK);
        if fp_addr != 0 {
            let len = self
                .ctx
                .fpstate(&self.as_)
                .map_err(|_| Errno::EFAULT)?
                .len();
            let mut area = vec![0u8; len];
            self.mm.copy_in(fp_addr, &mut area)?;
            // The software bytes are the frame's, not the hardware's.
            if area.len() >= FPX_SW_BYTES + 48 {
                area[FPX_SW_BYTES..FPX_SW_BYTES + 48].fill(0);
            }
            self.ctx
                .set_fpstate(&self.as_, &area)
                .map_err(|_| Errno::EFAULT)?;
        }
        let r = self.ctx.regs_mut();
        r.set_r8(w[0]);
        r.set_r9(w[1]);
        r.set_r10(w[2]);
        r.set_r11(w[3]);
        r.set_r12(w[4]);
        r.set_r13(w[5]);
        r.set_r14(w[6]);
        r.set_r15(w[7]);
        r.set_rdi(w[8]);
        r.set_rsi(w[9]);
        r.set_rbp(w[10]);
        r.set_rbx(w[11]);
        r.set_rdx(w[12]);
        r.set_rax(w[13]);
        r.set_rcx(w[14]);
        r.set_rsp(w[15]);
        r.set_rip(w[16]);
        r.set_eflags((r.eflags() & !FIX_EFLAGS) | (w[17] & FIX_EFLAGS));
        r.set_orig_rax(u64::MAX);
        self.signals.mask = SigSet(mask & !SigSet::UNBLOCKABLE.0);
        self.restart = None;
        Ok(w[13])
    }
}

/// x87 control word after FNINIT.
const FCW_DEFAULT: u16 = 0x037f;
/// MXCSR after reset: all exceptions masked, round to nearest.
const MXCSR_DEFAULT: u32 = 0x1f80;
/// Offset of MXCSR in the FXSAVE area.
const FXSAVE_MXCSR: usize = 24;
/// Offset of MXCSR_MASK (kept: it describes the CPU).
const FXSAVE_MXCSR_MASK: usize = 28;
/// Offset of XSTATE_BV in the XSAVE header.
const XSTATE_BV: usize = 512;
/// XSTATE_BV bits of the x87 and SSE components.
const XFEATURE_FP_SSE: u64 = 0x3;

/// A copy of an XSAVE area in its initial state: default x87 and SSE
/// control words, every register zero, upper components in init state.
fn clean_fpstate(fp: &[u8]) -> Option<Vec<u8>> {
    if fp.len() < XSTATE_BV + 8 {
        return None;
    }
    let mut c = vec![0u8; fp.len()];
    c[0..2].copy_from_slice(&FCW_DEFAULT.to_le_bytes());
    c[FXSAVE_MXCSR..FXSAVE_MXCSR + 4].copy_from_slice(&MXCSR_DEFAULT.to_le_bytes());
    c[FXSAVE_MXCSR_MASK..FXSAVE_MXCSR_MASK + 4]
        .copy_from_slice(&fp[FXSAVE_MXCSR_MASK..FXSAVE_MXCSR_MASK + 4]);
    // Keep the header's format word (XCOMP_BV) as the host wrote it.
    c[XSTATE_BV + 8..XSTATE_BV + 16].copy_from_slice(&fp[XSTATE_BV + 8..XSTATE_BV + 16]);
    c[XSTATE_BV..XSTATE_BV + 8].copy_from_slice(&XFEATURE_FP_SSE.to_le_bytes());
    Some(c)
}
