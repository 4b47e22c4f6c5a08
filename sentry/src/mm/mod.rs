//! The memory manager: a guest address space of VMAs over the memory file.
//!
//! Every guest page is a page of the [`MemoryFile`]. A VMA maps a range of
//! it; the manager keeps the stub's host mappings in step with the VMAs by
//! asking the platform to map, unmap and protect (eagerly, so that a guest
//! fault is always a real fault). The sentry reads and writes guest memory
//! only through [`MemoryManager::copy_in`], [`MemoryManager::copy_out`] and
//! [`MemoryManager::io_vecs`], which check every byte against the VMAs and
//! fail with EFAULT, never with a sentry fault.
//!
//! # Lock order
//! The manager is owned by its task (one per address space in this step);
//! the memory file's allocator lock is a leaf taken inside any manager call.
//!
//! # Ownership
//! Each memory-file range belongs to exactly one VMA; unmapping frees it.
//! Copy-on-write sharing between address spaces arrives with fork.

pub mod memfile;
pub mod vma;

pub use memfile::MemoryFile;
pub use vma::{Backing, LazyFile, SharedPages, Vma, VmaFile, VmaSet};

use crate::abi::mm::*;
use crate::abi::signal::{SEGV_ACCERR, SEGV_MAPERR};
use crate::abi::{page_down, page_up, Errno, PAGE_SIZE};
use platform::AddressSpace;
use std::sync::Arc;

/// Lowest address a guest may map (Linux's default vm.mmap_min_addr).
pub const MMAP_MIN_ADDR: u64 = 0x1_0000;
/// Highest guest address (exclusive): below the stub region.
pub const MAX_ADDR: u64 = platform::MAX_GUEST_ADDR;
/// Top of the initial stack.
pub const STACK_TOP: u64 = MAX_ADDR - 0x100_0000;
/// Size reserved for the main thread's stack (the default RLIMIT_STACK).
pub const STACK_SIZE: u64 = 8 << 20;
/// Where top-down mmap placement starts: below the stack and a guard gap.
pub const MMAP_BASE: u64 = STACK_TOP - STACK_SIZE - (128 << 20);
/// Load address of position-independent executables (Linux's ELF_ET_DYN_BASE).
pub const PIE_BASE: u64 = 0x5555_5555_4000;

/// Converts a host platform error from a stub operation into a guest errno.
fn platform_errno(e: platform::Error) -> Errno {
    match e {
        platform::Error::Host { source, .. } => Errno::from_host(&source),
        platform::Error::UnexpectedStop { .. } => Errno::EFAULT,
    }
}

/// A guest address space's VMAs and program break.
#[derive(Debug)]
pub struct Mm {
    mf: Arc<MemoryFile>,
    vmas: VmaSet,
    brk_start: u64,
    brk: u64,
    /// Page state of lazy private file mappings.
    lazy: std::sync::Mutex<LazyPages>,
}

/// Lazy private file mappings (`Vma::lazy`): a page is either not in the
/// stub yet, mapped read-only straight from the file (`from_file`), or
/// copied into the VMA's own range (`copied`) on its first write, as
/// Linux shares page-cache pages until a private write. A page wholly past
/// the end of the file faults with SIGBUS.
#[derive(Debug, Default)]
struct LazyPages {
    copied: std::collections::BTreeSet<u64>,
    from_file: std::collections::BTreeSet<u64>,
    /// Stub mappings to redo before the guest runs: (page, mf offset, prot).
    pending: Vec<(u64, u64, u64)>,
}

/// Private pages that fork shares copy-on-write between parent and
/// child: the source of their lazy VMAs, freed with the last of them.
#[derive(Debug)]
pub struct CowRange {
    mf: Arc<MemoryFile>,
    off: u64,
    len: u64,
}

impl crate::vfs::file::MemPages for CowRange {
    fn pages(&self, off: u64, len: u64) -> Result<Vec<(u64, u64)>, Errno> {
        if off.checked_add(len).is_none_or(|e| e > self.len) {
            return Err(Errno::EFAULT);
        }
        Ok(vec![(self.off + off, len)])
    }

    fn size(&self) -> u64 {
        self.len
    }
}

impl Drop for CowRange {
    fn drop(&mut self) {
        self.mf.free(self.off, self.len);
    }
}

/// Where the sentry finds the bytes of a piece of guest memory.
#[derive(Clone, Copy, Debug)]
enum Piece {
    /// In the memory file, at this offset.
    File(u64),
    /// In the vDSO text, which the sentry has mapped at the same address
    /// as every stub.
    SentryVdso(u64),
}

/// What a guest fault turned out to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultResolution {
    /// The sentry mapped the page; the guest retries the access.
    Resolved,
    /// SIGSEGV with this si_code.
    Segv(i32),
    /// SIGBUS (BUS_ADRERR): past the end of a mapped file.
    Bus,
}

/// How a fault on a guest address is resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultOutcome {
    /// No VMA covers the address: SIGSEGV with SEGV_MAPERR.
    Unmapped,
    /// A VMA covers it but forbids the access: SIGSEGV with SEGV_ACCERR.
    Forbidden,
}

impl Mm {
    /// An empty address space over `mf`.
    pub fn new(mf: Arc<MemoryFile>) -> Self {
        Mm {
            mf,
            vmas: VmaSet::default(),
            brk_start: 0,
            brk: 0,
            lazy: std::sync::Mutex::default(),
        }
    }

    fn lazy_state(&self) -> std::sync::MutexGuard<'_, LazyPages> {
        self.lazy.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A lazy private mapping of a memory-backed file (see [`LazyPages`]);
    /// a premapped source (a cached image) is mapped read-only at once.
    #[allow(clippy::too_many_arguments)]
    pub fn mmap_lazy(
        &mut self,
        as_: &mut AddressSpace,
        addr: u64,
        len: u64,
        prot: u64,
        flags: u64,
        file: VmaFile,
        lazy: LazyFile,
    ) -> Result<u64, Errno> {
        let len = page_up(len).ok_or(Errno::ENOMEM)?;
        let start = self.place(addr, len, flags)?;
        self.unmap_range(as_, start, start + len)?;
        // A premapped source is mapped read-only in the stub now (a cached
        // image: no fault on reads), else page by page on faults.
        let segs = if lazy.premapped {
            lazy.src.pages(lazy.foff, len)?
        } else {
            Vec::new()
        };
        let off = self.mf.allocate(len)?;
        let mut at = start;
        for (o, n) in segs {
            if let Err(e) = as_.map(at, n, (prot & !PROT_WRITE) as i32, o) {
                let _ = as_.unmap(start, len);
                self.mf.free(off, len);
                return Err(platform_errno(e));
            }
            at += n;
        }
        self.vmas.insert(Vma {
            start,
            end: start + len,
            prot,
            shared: false,
            backing: Backing::Anon { off },
            name: None,
            file: Some(file),
            shared_owner: None,
            lazy: Some(lazy),
            borrowed: false,
        });
        Ok(start)
    }

    /// The memory-file offset of `page` of lazy VMA `v` for an access
    /// (a write copies the page first); None past the end of the file.
    fn lazy_page(&self, v: &Vma, page: u64, write: bool) -> Option<u64> {
        let l = v.lazy.as_ref()?;
        let own = v.file_offset(page)?;
        let mut st = self.lazy_state();
        if st.copied.contains(&page) {
            return Some(own);
        }
        let fo = l.foff + (page - v.start);
        if fo >= page_up(l.src.size())? {
            return None;
        }
        let fpage = l.src.pages(fo, PAGE_SIZE).ok()?.first()?.0;
        if !write {
            return Some(fpage);
        }
        self.mf.copy_within(fpage, own, PAGE_SIZE);
        st.copied.insert(page);
        st.from_file.remove(&page);
        st.pending.push((page, own, v.prot));
        Some(own)
    }

    /// Redoes stub mappings the sentry's own writes made stale (a page it
    /// copied while the stub still maps the file's page).
    pub fn apply_pending(&self, as_: &mut AddressSpace) -> Result<(), Errno> {
        let pending = std::mem::take(&mut self.lazy_state().pending);
        for (page, off, prot) in pending {
            as_.map(page, PAGE_SIZE, prot as i32, off)
                .map_err(platform_errno)?;
        }
        Ok(())
    }

    /// Resolves a guest fault at `addr`: maps a lazy file page (read-only,
    /// or a private copy when the page is written), or says which signal
    /// the guest gets.
    pub fn handle_fault(&mut self, as_: &mut AddressSpace, addr: u64) -> FaultResolution {
        let Some(v) = self.vmas.find(addr).cloned() else {
            return FaultResolution::Segv(SEGV_MAPERR);
        };
        let Some(l) = &v.lazy else {
            return FaultResolution::Segv(SEGV_ACCERR);
        };
        let page = page_down(addr);
        if v.prot & PROT_MASK == PROT_NONE {
            return FaultResolution::Segv(SEGV_ACCERR);
        }
        let mut st = self.lazy_state();
        if st.copied.contains(&page) {
            return FaultResolution::Segv(SEGV_ACCERR);
        }
        let fo = l.foff + (page - v.start);
        if page_up(l.src.size()).is_none_or(|s| fo >= s) {
            return FaultResolution::Bus;
        }
        let Some(fpage) = l
            .src
            .pages(fo, PAGE_SIZE)
            .ok()
            .and_then(|p| p.first().map(|x| x.0))
        else {
            return FaultResolution::Bus;
        };
        if !st.from_file.contains(&page) && !l.premapped {
            let prot = v.prot & !PROT_WRITE;
            if as_.map(page, PAGE_SIZE, prot as i32, fpage).is_err() {
                return FaultResolution::Segv(SEGV_ACCERR);
            }
            st.from_file.insert(page);
            return FaultResolution::Resolved;
        }
        // The read-only file page faulted again: a write (or a fetch that
        // the protection forbids).
        if v.prot & PROT_WRITE == 0 {
            return FaultResolution::Segv(SEGV_ACCERR);
        }
        let Some(own) = v.file_offset(page) else {
            return FaultResolution::Segv(SEGV_ACCERR);
        };
        self.mf.copy_within(fpage, own, PAGE_SIZE);
        if as_.map(page, PAGE_SIZE, v.prot as i32, own).is_err() {
            return FaultResolution::Segv(SEGV_ACCERR);
        }
        st.from_file.remove(&page);
        st.copied.insert(page);
        FaultResolution::Resolved
    }

    /// Forgets lazy page state in `[start, end)`.
    fn forget_lazy(&self, start: u64, end: u64) {
        let mut st = self.lazy_state();
        let keys: Vec<u64> = st.copied.range(start..end).copied().collect();
        for k in keys {
            st.copied.remove(&k);
        }
        let keys: Vec<u64> = st.from_file.range(start..end).copied().collect();
        for k in keys {
            st.from_file.remove(&k);
        }
        st.pending.retain(|p| p.0 < start || p.0 >= end);
    }

    /// Turns lazy VMAs in `[start, end)` into plain private memory: every
    /// page gets its own copy (mremap moves only plain memory).
    fn materialize(&mut self, as_: &mut AddressSpace, start: u64, end: u64) -> Result<(), Errno> {
        let lazies: Vec<Vma> = self
            .vmas
            .overlapping(start, end)
            .filter(|v| v.lazy.is_some())
            .cloned()
            .collect();
        for v in lazies {
            let mut page = v.start;
            while page < v.end {
                let _ = self.lazy_page(&v, page, true);
                page += PAGE_SIZE;
            }
            let Some(off) = v.file_offset(v.start) else {
                continue;
            };
            as_.map(v.start, v.len(), v.prot as i32, off)
                .map_err(platform_errno)?;
            self.forget_lazy(v.start, v.end);
            for mut p in self.vmas.remove_range(v.start, v.end) {
                p.lazy = None;
                self.vmas.insert(p);
            }
        }
        Ok(())
    }

    /// The VMAs, for /proc and tests.
    pub fn vmas(&self) -> &VmaSet {
        &self.vmas
    }

    /// Sets where the program break starts (end of the loaded image).
    pub fn set_brk_start(&mut self, addr: u64) {
        self.brk_start = addr;
        self.brk = addr;
    }

    /// Adds the host vDSO the fresh stub already holds (see
    /// `platform::vdso`) as VMAs, unless it would sit where the guest
    /// stack goes, in which case the stub drops it. Returns the address
    /// of the vDSO's ELF header, for AT_SYSINFO_EHDR.
    pub fn add_host_vdso(&mut self, as_: &mut AddressSpace) -> Result<Option<u64>, Errno> {
        let Some(h) = platform::host_vdso() else {
            return Ok(None);
        };
        let (start, end) = h.range();
        let stack_low = STACK_TOP - STACK_SIZE - PAGE_SIZE;
        if (start < STACK_TOP && end > stack_low) || !self.vmas.is_free(start, end) {
            as_.unmap(start, end - start).map_err(platform_errno)?;
            return Ok(None);
        }
        for m in &h.mappings {
            self.vmas.insert(Vma {
                start: m.start,
                end: m.end,
                prot: m.prot as u64,
                shared: false,
                backing: Backing::Host {
                    sentry_readable: m.name == platform::vdso::VDSO_NAME,
                },
                name: Some(m.name),
                file: None,
                shared_owner: None,
                lazy: None,
                borrowed: false,
            });
        }
        Ok(Some(h.base))
    }

    /// Creates an anonymous mapping at exactly `[addr, addr+len)` (which must
    /// be free and page-aligned) and maps it in the stub.
    pub fn map_anon_fixed(
        &mut self,
        as_: &mut AddressSpace,
        addr: u64,
        len: u64,
        prot: u64,
        shared: bool,
        name: Option<&'static str>,
    ) -> Result<(), Errno> {
        let off = self.mf.allocate(len)?;
        let vma = Vma {
            start: addr,
            end: addr + len,
            prot,
            shared,
            backing: Backing::Anon { off },
            name,
            file: None,
            shared_owner: None,
            lazy: None,
            borrowed: false,
        };
        if let Err(e) = as_.map(addr, len, prot as i32, off) {
            self.mf.free(off, len);
            return Err(platform_errno(e));
        }
        self.vmas.insert(vma);
        Ok(())
    }

    /// The mmap syscall for anonymous memory. `addr`, `len`, `prot` and
    /// `flags` are the guest's arguments; returns the mapping's address.
    pub fn mmap_anon(
        &mut self,
        as_: &mut AddressSpace,
        addr: u64,
        len: u64,
        prot: u64,
        flags: u64,
    ) -> Result<u64, Errno> {
        let len = page_up(len).ok_or(Errno::ENOMEM)?;
        let shared = matches!(flags & MAP_TYPE, MAP_SHARED | MAP_SHARED_VALIDATE);
        let start = self.place(addr, len, flags)?;
        self.unmap_range(as_, start, start + len)?;
        self.map_anon_fixed(as_, start, len, prot, shared, None)?;
        Ok(start)
    }

    /// A free, page-aligned range of `len` bytes where mmap would put it.
    pub fn find_free(&self, len: u64) -> Result<u64, Errno> {
        let len = page_up(len).ok_or(Errno::ENOMEM)?;
        self.place(0, len, 0)
    }

    /// mmap of a file: maps the memory-file ranges `segs` (in order) at a
    /// new place. When `file.pages_owner` is None the ranges are the
    /// mapping's own private copy (freed on unmap, and here on failure);
    /// otherwise the file owns them.
    #[allow(clippy::too_many_arguments)]
    pub fn mmap_file(
        &mut self,
        as_: &mut AddressSpace,
        addr: u64,
        len: u64,
        prot: u64,
        flags: u64,
        file: VmaFile,
        segs: Vec<(u64, u64)>,
    ) -> Result<u64, Errno> {
        let owned = file.pages_owner.is_none();
        let free_all = |mf: &MemoryFile, segs: &[(u64, u64)]| {
            if owned {
                for &(o, l) in segs {
                    mf.free(o, l);
                }
            }
        };
        let len = match page_up(len) {
            Some(l) => l,
            None => {
                free_all(&self.mf, &segs);
                return Err(Errno::ENOMEM);
            }
        };
        let shared = matches!(flags & MAP_TYPE, MAP_SHARED | MAP_SHARED_VALIDATE);
        let start = match self
            .place(addr, len, flags)
            .and_then(|s| self.unmap_range(as_, s, s + len).map(|_| s))
        {
            Ok(s) => s,
            Err(e) => {
                free_all(&self.mf, &segs);
                return Err(e);
            }
        };
        let mut at = start;
        for (i, &(off, l)) in segs.iter().enumerate() {
            let l = l.min(start + len - at);
            if l == 0 {
                break;
            }
            if let Err(e) = as_.map(at, l, prot as i32, off) {
                free_all(&self.mf, &segs[i..]);
                return Err(platform_errno(e));
            }
            self.vmas.insert(Vma {
                start: at,
                end: at + l,
                prot,
                shared,
                backing: Backing::Anon { off },
                name: None,
                file: Some(VmaFile {
                    offset: file.offset + (at - start),
                    ..file.clone()
                }),
                shared_owner: None,
                lazy: None,
                borrowed: false,
            });
            at += l;
        }
        Ok(start)
    }

    /// Picks the address of a new mapping of `len` bytes (page-aligned),
    /// honouring MAP_FIXED, MAP_FIXED_NOREPLACE, MAP_32BIT and hints.
    fn place(&self, addr: u64, len: u64, flags: u64) -> Result<u64, Errno> {
        if flags & (MAP_FIXED | MAP_FIXED_NOREPLACE) != 0 {
            if !addr.is_multiple_of(PAGE_SIZE) {
                return Err(Errno::EINVAL);
            }
            let end = addr.checked_add(len).ok_or(Errno::ENOMEM)?;
            if addr < MMAP_MIN_ADDR || end > MAX_ADDR {
                return Err(if addr < MMAP_MIN_ADDR {
                    Errno::EPERM
                } else {
                    Errno::ENOMEM
                });
            }
            if flags & MAP_FIXED == 0 && !self.vmas.is_free(addr, end) {
                return Err(Errno::EEXIST);
            }
            return Ok(addr);
        }
        if len > MAX_ADDR - MMAP_MIN_ADDR {
            return Err(Errno::ENOMEM);
        }
        let hint = page_down(addr);
        if hint >= MMAP_MIN_ADDR
            && hint
                .checked_add(len)
                .is_some_and(|e| e <= MAX_ADDR && self.vmas.is_free(hint, e))
        {
            return Ok(hint);
        }
        let (floor, top) = if flags & MAP_32BIT != 0 {
            (0x4000_0000, 0x8000_0000)
        } else {
            (MMAP_MIN_ADDR, MMAP_BASE)
        };
        self.vmas
            .find_gap_topdown(len, floor, top)
            .or_else(|| self.vmas.find_gap_topdown(len, floor, MAX_ADDR))
            .ok_or(Errno::ENOMEM)
    }

    /// Unmaps `[start, end)` in the VMAs and in the stub, freeing the pages.
    fn unmap_range(&mut self, as_: &mut AddressSpace, start: u64, end: u64) -> Result<(), Errno> {
        if self.vmas.is_free(start, end) {
            return Ok(());
        }
        as_.unmap(start, end - start).map_err(platform_errno)?;
        self.forget_lazy(start, end);
        for v in self.vmas.remove_range(start, end) {
            if let (true, Some(off)) = (v.owns_pages(), v.file_offset(v.start)) {
                self.mf.free(off, v.len());
            }
        }
        Ok(())
    }

    /// The munmap syscall.
    pub fn munmap(&mut self, as_: &mut AddressSpace, addr: u64, len: u64) -> Result<(), Errno> {
        if !addr.is_multiple_of(PAGE_SIZE) || len == 0 {
            return Err(Errno::EINVAL);
        }
        let len = page_up(len).ok_or(Errno::EINVAL)?;
        let end = addr.checked_add(len).ok_or(Errno::EINVAL)?;
        if end > platform::TASK_SIZE {
            return Err(Errno::EINVAL);
        }
        self.unmap_range(as_, addr, end.min(MAX_ADDR))
    }

    /// Whether `[start, end)` is covered by VMAs with no hole.
    pub fn fully_mapped(&self, start: u64, end: u64) -> bool {
        let mut at = start;
        for v in self.vmas.overlapping(start, end) {
            if v.start > at {
                return false;
            }
            at = v.end;
        }
        at >= end
    }

    /// The mprotect syscall.
    pub fn mprotect(
        &mut self,
        as_: &mut AddressSpace,
        addr: u64,
        len: u64,
        prot: u64,
    ) -> Result<(), Errno> {
        if !addr.is_multiple_of(PAGE_SIZE)
            || prot & !(PROT_MASK | PROT_SEM | PROT_GROWSDOWN | PROT_GROWSUP) != 0
        {
            return Err(Errno::EINVAL);
        }
        if prot & PROT_GROWSDOWN != 0 && prot & PROT_GROWSUP != 0 {
            return Err(Errno::EINVAL);
        }
        let len = page_up(len).ok_or(Errno::ENOMEM)?;
        if len == 0 {
            return Ok(());
        }
        let end = addr.checked_add(len).ok_or(Errno::ENOMEM)?;
        if !self.fully_mapped(addr, end) {
            return Err(Errno::ENOMEM);
        }
        let prot = prot & PROT_MASK;
        if self.vmas.overlapping(addr, end).any(|v| {
            v.file.as_ref().is_some_and(|f| {
                (f.no_write && prot & PROT_WRITE != 0) || (f.no_exec && prot & PROT_EXEC != 0)
            })
        }) {
            return Err(Errno::EACCES);
        }
        let pieces: Vec<(u64, u64, bool)> = self
            .vmas
            .overlapping(addr, end)
            .map(|v| (v.start.max(addr), v.end.min(end), v.lazy.is_some()))
            .collect();
        for (s, e, lazy) in pieces {
            if !lazy {
                as_.protect(s, e - s, prot as i32).map_err(platform_errno)?;
                continue;
            }
            // Lazy pages: only those in the stub, file pages never writable.
            let premapped = self
                .vmas
                .find(s)
                .and_then(|v| v.lazy.as_ref())
                .is_some_and(|l| l.premapped);
            if premapped {
                as_.protect(s, e - s, (prot & !PROT_WRITE) as i32)
                    .map_err(platform_errno)?;
            }
            let (copied, from_file): (Vec<u64>, Vec<u64>) = {
                let st = self.lazy_state();
                (
                    st.copied.range(s..e).copied().collect(),
                    st.from_file.range(s..e).copied().collect(),
                )
            };
            for p in copied {
                as_.protect(p, PAGE_SIZE, prot as i32)
                    .map_err(platform_errno)?;
            }
            for p in from_file {
                as_.protect(p, PAGE_SIZE, (prot & !PROT_WRITE) as i32)
                    .map_err(platform_errno)?;
            }
        }
        for mut v in self.vmas.remove_range(addr, end) {
            v.prot = prot;
            self.vmas.insert(v);
        }
        Ok(())
    }

    /// The brk syscall: returns the new (or unchanged) break.
    pub fn brk(&mut self, as_: &mut AddressSpace, addr: u64) -> u64 {
        if addr < self.brk_start || addr > MMAP_BASE {
            return self.brk;
        }
        let (Some(old_top), Some(new_top)) = (page_up(self.brk), page_up(addr)) else {
            return self.brk;
        };
        if new_top > old_top {
            if !self.vmas.is_free(old_top, new_top)
                || self
                    .map_anon_fixed(
                        as_,
                        old_top,
                        new_top - old_top,
                        PROT_READ | PROT_WRITE,
                        false,
                        Some("[heap]"),
                    )
                    .is_err()
            {
                return self.brk;
            }
        } else if new_top < old_top && self.unmap_range(as_, new_top, old_top).is_err() {
            return self.brk;
        }
        self.brk = addr;
        self.brk
    }

    /// The mremap syscall.
    pub fn mremap(
        &mut self,
        as_: &mut AddressSpace,
        old: u64,
        old_len: u64,
        new_len: u64,
        flags: u64,
        new_addr: u64,
    ) -> Result<u64, Errno> {
        if !old.is_multiple_of(PAGE_SIZE)
            || flags & !(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP) != 0
            || (flags & MREMAP_FIXED != 0 && flags & MREMAP_MAYMOVE == 0)
            || (flags & MREMAP_DONTUNMAP != 0
                && (flags & MREMAP_MAYMOVE == 0 || old_len != new_len))
        {
            return Err(Errno::EINVAL);
        }
        let old_len = page_up(old_len).ok_or(Errno::EINVAL)?;
        let new_len = page_up(new_len).ok_or(Errno::EINVAL)?;
        if new_len == 0 || old_len == 0 {
            // old_len == 0 duplicates a shared mapping; not supported yet.
            return Err(Errno::EINVAL);
        }
        let old_end = old.checked_add(old_len).ok_or(Errno::EFAULT)?;
        self.materialize(as_, old, old_end)?;
        let vma = self.vmas.find(old).cloned().ok_or(Errno::EFAULT)?;
        if old_end > vma.end {
            return Err(Errno::EFAULT);
        }
        if vma.is_host() {
            // Moving the vDSO (which Linux allows for checkpointing tools)
            // is not supported: the host mapping cannot follow.
            return Err(Errno::EINVAL);
        }
        if flags & MREMAP_FIXED == 0 && flags & MREMAP_DONTUNMAP == 0 {
            if new_len <= old_len {
                self.unmap_range(as_, old + new_len, old_end)?;
                return Ok(old);
            }
            let grow_end = old.checked_add(new_len).ok_or(Errno::ENOMEM)?;
            if grow_end <= MAX_ADDR && self.vmas.is_free(old_end, grow_end) {
                self.map_anon_fixed(
                    as_,
                    old_end,
                    grow_end - old_end,
                    vma.prot,
                    vma.shared,
                    vma.name,
                )?;
                return Ok(old);
            }
            if flags & MREMAP_MAYMOVE == 0 {
                return Err(Errno::ENOMEM);
            }
        }
        // Move: the pages keep their memory-file backing; only the guest
        // addresses change, so nothing is copied.
        let dest = if flags & MREMAP_FIXED != 0 {
            let end = new_addr.checked_add(new_len).ok_or(Errno::EINVAL)?;
            if !new_addr.is_multiple_of(PAGE_SIZE) || new_addr < MMAP_MIN_ADDR || end > MAX_ADDR {
                return Err(Errno::EINVAL);
            }
            if new_addr < old_end && old < end {
                return Err(Errno::EINVAL);
            }
            self.unmap_range(as_, new_addr, end)?;
            new_addr
        } else {
            self.place(0, new_len, 0)?
        };
        let keep = old_len.min(new_len);
        if new_len < old_len {
            self.unmap_range(as_, old + new_len, old_end)?;
        }
        as_.unmap(old, keep).map_err(platform_errno)?;
        for mut piece in self.vmas.remove_range(old, old + keep) {
            let off = piece.file_offset(piece.start).ok_or(Errno::EINVAL)?;
            piece.end = dest + (piece.end - old);
            piece.start = dest + (piece.start - old);
            as_.map(piece.start, piece.len(), piece.prot as i32, off)
                .map_err(platform_errno)?;
            self.vmas.insert(piece);
        }
        if new_len > old_len {
            self.map_anon_fixed(
                as_,
                dest + old_len,
                new_len - old_len,
                vma.prot,
                vma.shared,
                vma.name,
            )?;
        }
        if flags & MREMAP_DONTUNMAP != 0 {
            self.map_anon_fixed(as_, old, old_len, vma.prot, vma.shared, vma.name)?;
        }
        Ok(dest)
    }

    /// madvise(MADV_DONTNEED): private anonymous pages read back as zero;
    /// pages of lazy file mappings go back to showing the file.
    pub fn dontneed(&mut self, as_: &mut AddressSpace, addr: u64, len: u64) -> Result<(), Errno> {
        let end = addr.checked_add(len).ok_or(Errno::EINVAL)?;
        if !self.fully_mapped(addr, end) {
            return Err(Errno::ENOMEM);
        }
        // Copy-on-write anonymous memory reads back as zero: make it plain
        // private memory first.
        let cow: Vec<(u64, u64)> = self
            .vmas
            .overlapping(addr, end)
            .filter(|v| v.lazy.as_ref().is_some_and(|l| l.anon))
            .map(|v| (v.start, v.end))
            .collect();
        for (s, e) in cow {
            self.materialize(as_, s, e)?;
        }
        let lazies: Vec<(u64, u64)> = self
            .vmas
            .overlapping(addr, end)
            .filter(|v| v.lazy.is_some())
            .map(|v| (v.start.max(addr), v.end.min(end)))
            .collect();
        for (s, e) in lazies {
            let pages: Vec<u64> = {
                let st = self.lazy_state();
                st.copied
                    .range(s..e)
                    .chain(st.from_file.range(s..e))
                    .copied()
                    .collect()
            };
            for p in pages {
                as_.unmap(p, PAGE_SIZE).map_err(platform_errno)?;
            }
            self.forget_lazy(s, e);
        }
        let pieces: Vec<(u64, u64)> = self
            .vmas
            .overlapping(addr, end)
            .filter(|v| !v.shared && v.lazy.is_none())
            .filter_map(|v| {
                let s = v.start.max(addr);
                Some((v.file_offset(s)?, v.end.min(end) - s))
            })
            .collect();
        for (off, n) in pieces {
            self.mf.punch(off, n);
        }
        Ok(())
    }

    /// Private file pages in `[addr, addr+len)` that MADV_DONTNEED must
    /// read again from their file: (memory-file offset, length, file,
    /// file offset).
    pub fn file_refills(
        &self,
        addr: u64,
        len: u64,
    ) -> Vec<(u64, u64, Arc<crate::vfs::FileDescription>, u64)> {
        let end = addr.saturating_add(len);
        self.vmas
            .overlapping(addr, end)
            .filter(|v| !v.shared && v.lazy.is_none())
            .filter_map(|v| {
                let f = v.file.as_ref()?;
                let src = f.source.clone()?;
                let s = v.start.max(addr);
                let n = v.end.min(end) - s;
                Some((v.file_offset(s)?, n, src, f.offset + (s - v.start)))
            })
            .collect()
    }

    /// Marks `[start, end)` as mapped from `file` (its offset is that of
    /// `start`), for /proc/PID/maps.
    pub fn label_file(&mut self, start: u64, end: u64, file: VmaFile) {
        for mut v in self.vmas.remove_range(start, end) {
            v.file = Some(VmaFile {
                offset: file.offset + (v.start - start),
                ..file.clone()
            });
            self.vmas.insert(v);
        }
    }

    /// fork: a copy of this address space's VMAs for a child. Private
    /// memory is copied into fresh pages (eagerly; copy-on-write is
    /// future work); shared memory is shared, its pages becoming jointly
    /// owned. The child's stub is mapped later with [`Self::map_all`].
    pub fn fork_copy(&mut self, as_: &mut AddressSpace) -> Result<Mm, Errno> {
        let mut child = Mm::new(self.mf.clone());
        child.brk_start = self.brk_start;
        child.brk = self.brk;
        let starts: Vec<u64> = self.vmas.iter().map(|v| v.start).collect();
        for start in starts {
            let Some(v) = self.vmas.find(start).cloned() else {
                continue;
            };
            let Backing::Anon { off } = v.backing else {
                // The host keeps the vDSO in every stub.
                child.vmas.insert(v);
                continue;
            };
            let mut c = v.clone();
            if v.shared {
                if v.owns_pages() {
                    // First fork of this shared anonymous memory: both
                    // sides now own it jointly.
                    let owner = Arc::new(SharedPages {
                        mf: self.mf.clone(),
                        off,
                        len: v.len(),
                    });
                    let mut pv = self.vmas.remove_range(v.start, v.end);
                    for p in &mut pv {
                        p.shared_owner = Some(owner.clone());
                    }
                    for p in pv {
                        self.vmas.insert(p);
                    }
                    c.shared_owner = Some(owner);
                }
            } else if v.lazy.is_none() && v.owns_pages() {
                // Copy-on-write: the pages become the shared source of
                // both sides, mapped read-only; each side copies a page
                // into its own (sparse) range when it writes it.
                let len = v.len();
                let parent_own = self.mf.allocate(len)?;
                let child_own = match self.mf.allocate(len) {
                    Ok(o) => o,
                    Err(e) => {
                        self.mf.free(parent_own, len);
                        return Err(e);
                    }
                };
                if let Err(e) = as_.protect(v.start, len, (v.prot & !PROT_WRITE) as i32) {
                    self.mf.free(parent_own, len);
                    self.mf.free(child_own, len);
                    return Err(platform_errno(e));
                }
                let src: Arc<dyn crate::vfs::file::MemPages> = Arc::new(CowRange {
                    mf: self.mf.clone(),
                    off,
                    len,
                });
                let lazy = LazyFile {
                    src,
                    foff: 0,
                    premapped: true,
                    anon: true,
                };
                let mut p = v.clone();
                p.backing = Backing::Anon { off: parent_own };
                p.lazy = Some(lazy.clone());
                self.vmas.remove_range(v.start, v.end);
                self.vmas.insert(p);
                c.backing = Backing::Anon { off: child_own };
                c.lazy = Some(lazy);
                if let Some(f) = &mut c.file {
                    f.pages_owner = None;
                }
            } else {
                let new = self.mf.allocate(v.len())?;
                self.mf.copy_populated(off, new, v.len());
                c.backing = Backing::Anon { off: new };
                c.shared_owner = None;
                c.borrowed = false;
                if let Some(f) = &mut c.file {
                    f.pages_owner = None;
                }
            }
            if v.lazy.is_some() {
                let st = self.lazy_state();
                let copied: Vec<u64> = st.copied.range(v.start..v.end).copied().collect();
                drop(st);
                child.lazy_state().copied.extend(copied);
            }
            child.vmas.insert(c);
        }
        Ok(child)
    }

    /// vfork: the child runs in the parent's memory (CLONE_VM) while the
    /// parent waits, so it gets the same pages, borrowed, not copied.
    pub fn vfork_share(&self) -> Mm {
        let mut child = Mm::new(self.mf.clone());
        child.brk_start = self.brk_start;
        child.brk = self.brk;
        for v in self.vmas.iter() {
            let mut c = v.clone();
            c.borrowed = true;
            child.vmas.insert(c);
        }
        let copied = self.lazy_state().copied.clone();
        child.lazy_state().copied = copied;
        child
    }

    /// Maps every VMA into a fresh stub (the child side of fork).
    pub fn map_all(&self, as_: &mut AddressSpace) -> Result<(), Errno> {
        // The fresh stub has the whole host vDSO; take away what this
        // address space unmapped.
        if let Some(h) = platform::host_vdso() {
            let (start, end) = h.range();
            let mut at = start;
            for v in self.vmas.overlapping(start, end).filter(|v| v.is_host()) {
                if v.start > at {
                    as_.unmap(at, v.start - at).map_err(platform_errno)?;
                }
                at = v.end;
            }
            if at < end {
                as_.unmap(at, end - at).map_err(platform_errno)?;
            }
        }
        for v in self.vmas.iter() {
            let Backing::Anon { off } = v.backing else {
                continue;
            };
            if let Some(l) = v.lazy.as_ref().filter(|l| l.premapped) {
                let segs = l.src.pages(l.foff, v.len())?;
                let mut at = v.start;
                for (o, n) in segs {
                    as_.map(at, n, (v.prot & !PROT_WRITE) as i32, o)
                        .map_err(platform_errno)?;
                    at += n;
                }
            }
            if v.lazy.is_some() {
                // The copied pages; file pages come back on faults.
                let copied: Vec<u64> = self
                    .lazy_state()
                    .copied
                    .range(v.start..v.end)
                    .copied()
                    .collect();
                for p in copied {
                    as_.map(p, PAGE_SIZE, v.prot as i32, off + (p - v.start))
                        .map_err(platform_errno)?;
                }
                continue;
            }
            as_.map(v.start, v.len(), v.prot as i32, off)
                .map_err(platform_errno)?;
        }
        Ok(())
    }

    /// The memory file.
    pub fn memory_file(&self) -> &Arc<MemoryFile> {
        &self.mf
    }

    /// Resolves a guest fault at `addr`. Mappings are made eagerly, so a
    /// fault is always one the guest must see.
    pub fn fault(&self, addr: u64) -> FaultOutcome {
        match self.vmas.find(addr) {
            None => FaultOutcome::Unmapped,
            Some(_) => FaultOutcome::Forbidden,
        }
    }

    /// Host iovecs (pointers into the memory file) for the longest prefix
    /// of `[addr, addr+len)` the guest may access (`write`: the sentry will
    /// write guest memory). EFAULT if not even the first byte is accessible.
    pub fn io_vecs(&self, addr: u64, len: u64, write: bool) -> Result<Vec<libc::iovec>, Errno> {
        let mut out = Vec::new();
        self.for_each_piece(addr, len, write, |piece, n| {
            out.push(libc::iovec {
                iov_base: match piece {
                    Piece::File(off) => self.mf.ptr(off, n).cast(),
                    Piece::SentryVdso(at) => at as *mut libc::c_void,
                },
                iov_len: n as usize,
            })
        });
        if len > 0 && out.is_empty() {
            return Err(Errno::EFAULT);
        }
        Ok(out)
    }

    /// Calls `f(piece, len)` for each accessible piece of the range,
    /// stopping at the first hole or forbidden VMA; returns bytes covered.
    fn for_each_piece(
        &self,
        addr: u64,
        len: u64,
        write: bool,
        mut f: impl FnMut(Piece, u64),
    ) -> u64 {
        let Some(end) = addr.checked_add(len) else {
            return 0;
        };
        let need = if write {
            PROT_WRITE
        } else {
            PROT_READ | PROT_WRITE | PROT_EXEC
        };
        let mut at = addr;
        for v in self.vmas.overlapping(addr, end) {
            if v.start > at || v.prot & need == 0 {
                break;
            }
            let e = v.end.min(end);
            if let Backing::Host { sentry_readable } = v.backing {
                // The sentry never writes the host's pages, and reads only
                // the vDSO text through its own identical mapping.
                if write || !sentry_readable {
                    break;
                }
                f(Piece::SentryVdso(at), e - at);
                at = e;
                continue;
            }
            if v.lazy.is_some() {
                while at < e {
                    let page = page_down(at);
                    let Some(off) = self.lazy_page(v, page, write) else {
                        return at - addr;
                    };
                    let n = (page + PAGE_SIZE).min(e) - at;
                    f(Piece::File(off + (at - page)), n);
                    at += n;
                }
                continue;
            }
            let Some(off) = v.file_offset(at) else {
                break;
            };
            f(Piece::File(off), e - at);
            at = e;
        }
        at - addr
    }

    /// Copies guest memory at `addr` into `dst`; EFAULT unless every byte is
    /// readable.
    pub fn copy_in(&self, addr: u64, dst: &mut [u8]) -> Result<(), Errno> {
        let mut done = 0usize;
        let covered = self.for_each_piece(addr, dst.len() as u64, false, |piece, n| {
            let out = &mut dst[done..done + n as usize];
            match piece {
                Piece::File(off) => self.mf.read(off, out),
                // SAFETY: `at..at+n` lies in the sentry's own [vdso]
                // mapping, which every stub inherits at the same address
                // with the same bytes; it is read-only text the sentry
                // never unmaps, and `out` is a distinct Rust buffer.
                Piece::SentryVdso(at) => unsafe {
                    std::ptr::copy_nonoverlapping(at as *const u8, out.as_mut_ptr(), out.len())
                },
            }
            done += n as usize;
        });
        if covered != dst.len() as u64 {
            return Err(Errno::EFAULT);
        }
        Ok(())
    }

    /// Copies `src` to guest memory at `addr`; EFAULT unless every byte is
    /// writable (nothing is written then).
    pub fn copy_out(&self, addr: u64, src: &[u8]) -> Result<(), Errno> {
        if !self.accessible(addr, src.len() as u64, true) {
            return Err(Errno::EFAULT);
        }
        let mut done = 0usize;
        self.for_each_piece(addr, src.len() as u64, true, |piece, n| {
            if let Piece::File(off) = piece {
                self.mf.write(off, &src[done..done + n as usize]);
            }
            done += n as usize;
        });
        Ok(())
    }

    /// Whether every byte of the range is accessible.
    pub fn accessible(&self, addr: u64, len: u64, write: bool) -> bool {
        self.for_each_piece(addr, len, write, |_, _| {}) == len
    }

    /// Writes to guest memory ignoring VMA protections (the loader fills
    /// read-only segments this way). EFAULT if a byte is unmapped.
    pub fn poke(&self, addr: u64, src: &[u8]) -> Result<(), Errno> {
        let end = addr.checked_add(src.len() as u64).ok_or(Errno::EFAULT)?;
        if !self.fully_mapped(addr, end) {
            return Err(Errno::EFAULT);
        }
        let mut at = addr;
        for v in self.vmas.overlapping(addr, end) {
            let e = v.end.min(end);
            let s = (at - addr) as usize;
            let off = v.file_offset(at).ok_or(Errno::EFAULT)?;
            self.mf.write(off, &src[s..s + (e - at) as usize]);
            at = e;
        }
        Ok(())
    }

    /// Reads a NUL-terminated string of at most `max` bytes (NUL included)
    /// from guest memory. ENAMETOOLONG if no NUL within `max`, EFAULT if it
    /// runs into inaccessible memory first.
    pub fn copy_in_cstr(&self, addr: u64, max: usize) -> Result<Vec<u8>, Errno> {
        let mut out = Vec::new();
        let mut at = addr;
        while out.len() < max {
            // Read up to the end of the page so we never cross into memory
            // the string does not reach.
            let chunk = ((PAGE_SIZE - at % PAGE_SIZE) as usize).min(max - out.len());
            let mut buf = [0u8; PAGE_SIZE as usize];
            self.copy_in(at, &mut buf[..chunk])?;
            if let Some(nul) = buf[..chunk].iter().position(|&b| b == 0) {
                out.extend_from_slice(&buf[..nul]);
                return Ok(out);
            }
            out.extend_from_slice(&buf[..chunk]);
            at = at.checked_add(chunk as u64).ok_or(Errno::EFAULT)?;
        }
        Err(Errno::ENAMETOOLONG)
    }
}

impl Drop for Mm {
    /// An address space that goes away (exit, exec, a failed fork) gives
    /// its own pages back; jointly owned pages go with their last owner.
    fn drop(&mut self) {
        for v in self.vmas.iter() {
            if let (true, Some(off)) = (v.owns_pages(), v.file_offset(v.start)) {
                self.mf.free(off, v.len());
            }
        }
    }
}

/// A guest address space, shared by the threads of a process: the VMAs
/// and page state behind one mutex (a leaf lock: nothing else is locked
/// while it is held, except memory-file and file-page locks inside).
pub struct MemoryManager {
    mf: Arc<MemoryFile>,
    inner: std::sync::Mutex<Mm>,
}

impl std::fmt::Debug for MemoryManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MemoryManager")
    }
}

impl MemoryManager {
    /// An empty address space over `mf`.
    pub fn new(mf: Arc<MemoryFile>) -> Self {
        Self::wrap(Mm::new(mf))
    }

    fn wrap(mm: Mm) -> Self {
        MemoryManager {
            mf: mm.mf.clone(),
            inner: std::sync::Mutex::new(mm),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Mm> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The memory file.
    pub fn memory_file(&self) -> &Arc<MemoryFile> {
        &self.mf
    }

    /// A snapshot of the VMAs, in address order (/proc, tests).
    pub fn vma_list(&self) -> Vec<Vma> {
        self.lock().vmas.iter().cloned().collect()
    }

    /// Whether `[start, end)` touches no VMA.
    pub fn is_free(&self, start: u64, end: u64) -> bool {
        self.lock().vmas.is_free(start, end)
    }

    /// Whether `addr` lies in a shared mapping.
    pub fn is_shared(&self, addr: u64) -> bool {
        self.lock().vmas.find(addr).is_some_and(|v| v.shared)
    }

    /// fork: see [`Mm::fork_copy`].
    pub fn fork_copy(&self, as_: &mut AddressSpace) -> Result<MemoryManager, Errno> {
        self.lock().fork_copy(as_).map(Self::wrap)
    }

    /// vfork: see [`Mm::vfork_share`].
    pub fn vfork_share(&self) -> MemoryManager {
        Self::wrap(self.lock().vfork_share())
    }

    /// A lazy private mapping of a memory-backed file (see [`LazyPages`]).
    #[allow(clippy::too_many_arguments)]
    pub fn mmap_lazy(
        &self,
        as_: &mut AddressSpace,
        addr: u64,
        len: u64,
        prot: u64,
        flags: u64,
        file: VmaFile,
        lazy: LazyFile,
    ) -> Result<u64, Errno> {
        self.lock()
            .mmap_lazy(as_, addr, len, prot, flags, file, lazy)
    }

    /// Redoes stub mappings the sentry's own writes made stale (a page it
    /// copied while the stub still maps the file's page).
    pub fn apply_pending(&self, as_: &mut AddressSpace) -> Result<(), Errno> {
        self.lock().apply_pending(as_)
    }

    /// Resolves a guest fault at `addr`: maps a lazy file page (read-only,
    /// or a private copy when the page is written), or says which signal
    /// the guest gets.
    pub fn handle_fault(&self, as_: &mut AddressSpace, addr: u64) -> FaultResolution {
        self.lock().handle_fault(as_, addr)
    }

    /// Sets where the program break starts (end of the loaded image).
    pub fn set_brk_start(&self, addr: u64) {
        self.lock().set_brk_start(addr)
    }

    /// See [`Mm::add_host_vdso`].
    pub fn add_host_vdso(&self, as_: &mut AddressSpace) -> Result<Option<u64>, Errno> {
        self.lock().add_host_vdso(as_)
    }

    /// Creates an anonymous mapping at exactly `[addr, addr+len)` (which must
    /// be free and page-aligned) and maps it in the stub.
    pub fn map_anon_fixed(
        &self,
        as_: &mut AddressSpace,
        addr: u64,
        len: u64,
        prot: u64,
        shared: bool,
        name: Option<&'static str>,
    ) -> Result<(), Errno> {
        self.lock()
            .map_anon_fixed(as_, addr, len, prot, shared, name)
    }

    /// The mmap syscall for anonymous memory. `addr`, `len`, `prot` and
    /// `flags` are the guest's arguments; returns the mapping's address.
    pub fn mmap_anon(
        &self,
        as_: &mut AddressSpace,
        addr: u64,
        len: u64,
        prot: u64,
        flags: u64,
    ) -> Result<u64, Errno> {
        self.lock().mmap_anon(as_, addr, len, prot, flags)
    }

    /// A free, page-aligned range of `len` bytes where mmap would put it.
    pub fn find_free(&self, len: u64) -> Result<u64, Errno> {
        self.lock().find_free(len)
    }

    /// mmap of a file: maps the memory-file ranges `segs` (in order) at a
    /// new place. When `file.pages_owner` is None the ranges are the
    /// mapping's own private copy (freed on unmap, and here on failure);
    /// otherwise the file owns them.
    #[allow(clippy::too_many_arguments)]
    pub fn mmap_file(
        &self,
        as_: &mut AddressSpace,
        addr: u64,
        len: u64,
        prot: u64,
        flags: u64,
        file: VmaFile,
        segs: Vec<(u64, u64)>,
    ) -> Result<u64, Errno> {
        self.lock()
            .mmap_file(as_, addr, len, prot, flags, file, segs)
    }

    /// The munmap syscall.
    pub fn munmap(&self, as_: &mut AddressSpace, addr: u64, len: u64) -> Result<(), Errno> {
        self.lock().munmap(as_, addr, len)
    }

    /// Whether `[start, end)` is covered by VMAs with no hole.
    pub fn fully_mapped(&self, start: u64, end: u64) -> bool {
        self.lock().fully_mapped(start, end)
    }

    /// The mprotect syscall.
    pub fn mprotect(
        &self,
        as_: &mut AddressSpace,
        addr: u64,
        len: u64,
        prot: u64,
    ) -> Result<(), Errno> {
        self.lock().mprotect(as_, addr, len, prot)
    }

    /// The brk syscall: returns the new (or unchanged) break.
    pub fn brk(&self, as_: &mut AddressSpace, addr: u64) -> u64 {
        self.lock().brk(as_, addr)
    }

    /// The mremap syscall.
    pub fn mremap(
        &self,
        as_: &mut AddressSpace,
        old: u64,
        old_len: u64,
        new_len: u64,
        flags: u64,
        new_addr: u64,
    ) -> Result<u64, Errno> {
        self.lock()
            .mremap(as_, old, old_len, new_len, flags, new_addr)
    }

    /// madvise(MADV_DONTNEED): private anonymous pages read back as zero;
    /// pages of lazy file mappings go back to showing the file.
    pub fn dontneed(&self, as_: &mut AddressSpace, addr: u64, len: u64) -> Result<(), Errno> {
        self.lock().dontneed(as_, addr, len)
    }

    /// Private file pages in `[addr, addr+len)` that MADV_DONTNEED must
    /// read again from their file: (memory-file offset, length, file,
    /// file offset).
    pub fn file_refills(
        &self,
        addr: u64,
        len: u64,
    ) -> Vec<(u64, u64, Arc<crate::vfs::FileDescription>, u64)> {
        self.lock().file_refills(addr, len)
    }

    /// Marks `[start, end)` as mapped from `file` (its offset is that of
    /// `start`), for /proc/PID/maps.
    pub fn label_file(&self, start: u64, end: u64, file: VmaFile) {
        self.lock().label_file(start, end, file)
    }

    /// Maps every VMA into a fresh stub (the child side of fork).
    pub fn map_all(&self, as_: &mut AddressSpace) -> Result<(), Errno> {
        self.lock().map_all(as_)
    }

    /// Resolves a guest fault at `addr`. Mappings are made eagerly, so a
    /// fault is always one the guest must see.
    pub fn fault(&self, addr: u64) -> FaultOutcome {
        self.lock().fault(addr)
    }

    /// Host iovecs (pointers into the memory file) for the longest prefix
    /// of `[addr, addr+len)` the guest may access (`write`: the sentry will
    /// write guest memory). EFAULT if not even the first byte is accessible.
    pub fn io_vecs(&self, addr: u64, len: u64, write: bool) -> Result<Vec<libc::iovec>, Errno> {
        self.lock().io_vecs(addr, len, write)
    }

    /// Copies guest memory at `addr` into `dst`; EFAULT unless every byte is
    /// readable.
    pub fn copy_in(&self, addr: u64, dst: &mut [u8]) -> Result<(), Errno> {
        self.lock().copy_in(addr, dst)
    }

    /// Copies `src` to guest memory at `addr`; EFAULT unless every byte is
    /// writable (nothing is written then).
    pub fn copy_out(&self, addr: u64, src: &[u8]) -> Result<(), Errno> {
        self.lock().copy_out(addr, src)
    }

    /// Whether every byte of the range is accessible.
    pub fn accessible(&self, addr: u64, len: u64, write: bool) -> bool {
        self.lock().accessible(addr, len, write)
    }

    /// Writes to guest memory ignoring VMA protections (the loader fills
    /// read-only segments this way). EFAULT if a byte is unmapped.
    pub fn poke(&self, addr: u64, src: &[u8]) -> Result<(), Errno> {
        self.lock().poke(addr, src)
    }

    /// Reads a NUL-terminated string of at most `max` bytes (NUL included)
    /// from guest memory. ENAMETOOLONG if no NUL within `max`, EFAULT if it
    /// runs into inaccessible memory first.
    pub fn copy_in_cstr(&self, addr: u64, max: usize) -> Result<Vec<u8>, Errno> {
        self.lock().copy_in_cstr(addr, max)
    }
}
