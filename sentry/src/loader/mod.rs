//! Loading an ELF executable into a fresh address space and building the
//! initial stack (argv, envp, auxv) the way Linux's binfmt_elf does.

pub mod cache;
pub mod elf;

use crate::abi::elf::{ET_DYN, PF_R, PF_W, PF_X, PHDR_SIZE, PT_LOAD, PT_PHDR};
use crate::abi::misc::auxv::*;
use crate::abi::misc::CLOCK_TICKS_PER_SEC;
use crate::abi::mm::{MAP_FIXED, MAP_PRIVATE, PROT_EXEC, PROT_READ, PROT_WRITE};
use crate::abi::{page_down, page_up, Errno, PAGE_SIZE};
use crate::mm::{MemoryManager, MAX_ADDR, MMAP_MIN_ADDR, PIE_BASE, STACK_SIZE, STACK_TOP};
use platform::AddressSpace;

/// Most bytes of argv plus envp strings (Linux's MAX_ARG_STRLEN * 32 bound
/// is larger; a quarter of the stack, as Linux caps it, is what we allow).
pub const MAX_ARGS_BYTES: usize = (STACK_SIZE / 4) as usize;

/// What the task needs after a successful load.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Loaded {
    /// Initial instruction pointer.
    pub entry: u64,
    /// Initial stack pointer (points at argc).
    pub sp: u64,
}

/// Identity values the auxiliary vector carries.
#[derive(Clone, Copy, Debug, Default)]
pub struct AuxIds {
    /// Real uid.
    pub uid: u32,
    /// Effective uid.
    pub euid: u32,
    /// Real gid.
    pub gid: u32,
    /// Effective gid.
    pub egid: u32,
    /// AT_SECURE: the program runs with ids it did not have before.
    pub secure: bool,
}

/// Why an executable could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file is not an executable we can load (the guest sees the errno).
    #[error("not a loadable x86_64 ELF executable ({0})")]
    Format(Errno),
    /// The program's interpreter could not be opened.
    #[error("interpreter {0}: {1}")]
    Interpreter(String, Errno),
}

impl LoadError {
    /// The errno execve would return.
    pub fn errno(&self) -> Errno {
        match self {
            LoadError::Format(e) => *e,
            LoadError::Interpreter(_, e) => *e,
        }
    }
}

impl From<Errno> for LoadError {
    fn from(e: Errno) -> Self {
        LoadError::Format(e)
    }
}

fn seg_prot(flags: u32) -> u64 {
    let mut p = 0;
    if flags & PF_R != 0 {
        p |= PROT_READ;
    }
    if flags & PF_W != 0 {
        p |= PROT_WRITE;
    }
    if flags & PF_X != 0 {
        p |= PROT_EXEC;
    }
    p
}

/// Reads file bytes at an offset into host iovecs (an open file of the VFS).
pub type ReadAt<'a> = dyn Fn(&[libc::iovec], u64) -> Result<usize, Errno> + 'a;

/// Opens an ELF interpreter by path.
pub type OpenInterp<'a> = dyn Fn(&[u8]) -> Result<(Box<ReadAt<'a>>, FileLabel), Errno> + 'a;

/// How /proc/PID/maps names an image's file-backed segments.
#[derive(Clone, Debug)]
pub struct FileLabel {
    /// The file's path.
    pub path: std::sync::Arc<[u8]>,
    /// Device and inode number.
    pub dev_ino: (u64, u64),
    /// The file's identity and version, to share its segment images with
    /// other execs (None: always read and copy).
    pub key: Option<cache::ImageKey>,
}

/// Where one ELF image landed.
struct Image {
    entry: u64,
    phdr: u64,
    phnum: u64,
    end: u64,
    bias: u64,
}

/// Loads `file` into the empty address space `mm`/`as_`, with its
/// interpreter if it names one, and builds the stack.
#[allow(clippy::too_many_arguments)]
pub fn load(
    mm: &mut MemoryManager,
    as_: &mut AddressSpace,
    file: &ReadAt<'_>,
    label: &FileLabel,
    open_interp: &OpenInterp<'_>,
    argv: &[Vec<u8>],
    envp: &[Vec<u8>],
    execfn: &[u8],
    ids: AuxIds,
    images: &cache::ImageCache,
) -> Result<Loaded, LoadError> {
    let info = elf::parse(&mut |off, buf| read_full(file, off, buf))?;
    // First, so that nothing else is placed over it.
    let vdso = mm.add_host_vdso(as_)?;
    let main = load_image(mm, as_, file, &info, true, label, images)?;
    mm.set_brk_start(main.end);
    let mut entry = main.entry;
    let mut base = 0;
    if let Some(interp) = &info.interp {
        let (ifile, ilabel) = open_interp(interp)
            .map_err(|e| LoadError::Interpreter(String::from_utf8_lossy(interp).into_owned(), e))?;
        let iinfo = elf::parse(&mut |off, buf| read_full(&*ifile, off, buf))?;
        if iinfo.interp.is_some() {
            return Err(Errno::ELIBBAD.into());
        }
        let image = load_image(mm, as_, &*ifile, &iinfo, false, &ilabel, images)?;
        entry = image.entry;
        base = image.bias;
    }
    let mut aux = Vec::with_capacity(20);
    if let Some(base) = vdso {
        aux.push((AT_SYSINFO_EHDR, base));
    }
    aux.extend([
        (AT_PHDR, main.phdr),
        (AT_PHENT, PHDR_SIZE as u64),
        (AT_PHNUM, main.phnum),
        (AT_PAGESZ, PAGE_SIZE),
        (AT_BASE, base),
        (AT_FLAGS, 0),
        (AT_ENTRY, main.entry),
        (AT_UID, ids.uid as u64),
        (AT_EUID, ids.euid as u64),
        (AT_GID, ids.gid as u64),
        (AT_EGID, ids.egid as u64),
        (AT_SECURE, ids.secure as u64),
        (AT_CLKTCK, CLOCK_TICKS_PER_SEC),
        (AT_HWCAP, host_auxv(AT_HWCAP)),
        (AT_HWCAP2, host_auxv(AT_HWCAP2)),
        (AT_MINSIGSTKSZ, host_auxv(AT_MINSIGSTKSZ)),
    ]);
    mm.map_anon_fixed(
        as_,
        STACK_TOP - STACK_SIZE,
        STACK_SIZE,
        PROT_READ | PROT_WRITE,
        false,
        Some("[stack]"),
    )?;
    let sp = build_stack(mm, STACK_TOP, argv, envp, execfn, &aux)?;
    Ok(Loaded { entry, sp })
}

/// Maps one ELF image's PT_LOAD segments. The main program of type ET_DYN
/// goes to PIE_BASE; an interpreter goes where mmap would put it.
fn load_image(
    mm: &mut MemoryManager,
    as_: &mut AddressSpace,
    file: &ReadAt<'_>,
    info: &elf::ElfInfo,
    is_main: bool,
    label: &FileLabel,
    images: &cache::ImageCache,
) -> Result<Image, LoadError> {
    let mut loads: Vec<_> = info
        .phdrs
        .iter()
        .filter(|p| p.p_type == PT_LOAD)
        .copied()
        .collect();
    loads.sort_by_key(|p| p.vaddr);
    if loads.is_empty() {
        return Err(Errno::ENOEXEC.into());
    }
    let bias = if info.e_type != ET_DYN {
        0
    } else if is_main {
        PIE_BASE.wrapping_sub(page_down(loads[0].vaddr))
    } else {
        let lo = page_down(loads[0].vaddr);
        let hi = loads
            .iter()
            .map(|p| p.vaddr.saturating_add(p.memsz))
            .max()
            .and_then(page_up)
            .ok_or(Errno::ENOEXEC)?;
        let at = mm.find_free(hi.saturating_sub(lo))?;
        at.wrapping_sub(lo)
    };
    // Segments that share no page map their cached images copy-on-write.
    let apart = loads.windows(2).all(|w| {
        page_up(w[0].vaddr.saturating_add(w[0].memsz)).is_some_and(|e| e <= page_down(w[1].vaddr))
    });
    let fits = |key: &cache::ImageKey| {
        loads
            .iter()
            .all(|p| p.filesz == 0 || cache::cacheable(key.size, p.offset, p.filesz))
    };
    if let Some(key) = label.key.filter(|k| apart && fits(k)) {
        let end = map_cached(mm, as_, file, &loads, bias, label, key, images)?;
        return Ok(finish_image(info, &loads, bias, end));
    }
    // Map every segment read-write first so the file bytes can be copied in.
    let mut mapped_end = 0u64;
    let mut ranges = Vec::with_capacity(loads.len());
    for ph in &loads {
        let start = ph.vaddr.checked_add(bias).ok_or(Errno::ENOEXEC)?;
        let s = page_down(start);
        let e = start
            .checked_add(ph.memsz)
            .and_then(page_up)
            .ok_or(Errno::ENOEXEC)?;
        if s < MMAP_MIN_ADDR || e > MAX_ADDR || e <= s {
            return Err(Errno::ENOEXEC.into());
        }
        let from = s.max(mapped_end);
        if e > from {
            if !mm.is_free(from, e) {
                return Err(Errno::ENOEXEC.into());
            }
            mm.map_anon_fixed(as_, from, e - from, PROT_READ | PROT_WRITE, false, None)?;
        }
        mapped_end = mapped_end.max(e);
        copy_segment(mm, file, ph.offset, start, ph.filesz)?;
        ranges.push((s, e, seg_prot(ph.flags)));
        // The pages holding file bytes are named after the file.
        if let Some(fe) = start.checked_add(ph.filesz).and_then(page_up) {
            mm.label_file(
                s,
                fe.min(e),
                crate::mm::VmaFile {
                    path: label.path.clone(),
                    offset: page_down(ph.offset),
                    dev_ino: label.dev_ino,
                    pages_owner: None,
                    source: None,
                    no_write: false,
                    no_exec: false,
                },
            );
        }
    }
    // Final protections; a page shared by two segments gets both.
    let mut prev: Option<(u64, u64)> = None;
    for &(s, e, prot) in &ranges {
        mm.mprotect(as_, s, e - s, prot)?;
        if let Some((pe, pprot)) = prev {
            if pe > s {
                mm.mprotect(as_, s, PAGE_SIZE, prot | pprot)?;
            }
        }
        prev = Some((e, prot));
    }
    Ok(finish_image(info, &loads, bias, mapped_end))
}

/// Maps each segment over its cached image (file bytes, copy-on-write)
/// and anonymous memory past it; returns the end of the last segment.
#[allow(clippy::too_many_arguments)]
fn map_cached(
    mm: &mut MemoryManager,
    as_: &mut AddressSpace,
    file: &ReadAt<'_>,
    loads: &[elf::Phdr],
    bias: u64,
    label: &FileLabel,
    key: cache::ImageKey,
    images: &cache::ImageCache,
) -> Result<u64, LoadError> {
    let mut mapped_end = 0u64;
    for ph in loads {
        let start = ph.vaddr.checked_add(bias).ok_or(Errno::ENOEXEC)?;
        let s = page_down(start);
        let e = start
            .checked_add(ph.memsz)
            .and_then(page_up)
            .ok_or(Errno::ENOEXEC)?;
        if s < MMAP_MIN_ADDR || e > MAX_ADDR || e <= s || !mm.is_free(s, e) {
            return Err(Errno::ENOEXEC.into());
        }
        if ph.filesz > ph.memsz {
            return Err(Errno::ENOEXEC.into());
        }
        let prot = seg_prot(ph.flags);
        let fe = start
            .checked_add(ph.filesz)
            .and_then(page_up)
            .ok_or(Errno::ENOEXEC)?
            .min(e);
        if ph.filesz > 0 {
            let from = page_down(ph.offset);
            let img = images.segment(key, ph.offset, ph.filesz, |buf| {
                if read_full(file, from, buf)? != buf.len() {
                    return Err(Errno::EIO);
                }
                Ok(())
            })?;
            let vf = crate::mm::VmaFile {
                path: label.path.clone(),
                offset: from,
                dev_ino: label.dev_ino,
                pages_owner: None,
                source: None,
                no_write: false,
                no_exec: false,
            };
            let lazy = crate::mm::LazyFile {
                src: img,
                foff: 0,
                premapped: true,
                anon: false,
            };
            mm.mmap_lazy(as_, s, fe - s, prot, MAP_PRIVATE | MAP_FIXED, vf, lazy)?;
        }
        if e > fe {
            mm.map_anon_fixed(as_, fe, e - fe, prot, false, None)?;
        }
        mapped_end = mapped_end.max(e);
    }
    Ok(mapped_end)
}

/// Where the image's entry point and program headers ended up.
fn finish_image(info: &elf::ElfInfo, loads: &[elf::Phdr], bias: u64, end: u64) -> Image {
    let phdr = info
        .phdrs
        .iter()
        .find(|p| p.p_type == PT_PHDR)
        .map(|p| p.vaddr + bias)
        .or_else(|| {
            loads
                .iter()
                .find(|p| p.offset <= info.phoff && info.phoff < p.offset + p.filesz)
                .map(|p| p.vaddr + (info.phoff - p.offset) + bias)
        })
        .unwrap_or(0);
    Image {
        entry: info.entry.wrapping_add(bias),
        phdr,
        phnum: info.phdrs.len() as u64,
        end,
        bias,
    }
}

/// Reads as much of `buf` as the file has at `off`.
fn read_full(file: &ReadAt<'_>, off: u64, buf: &mut [u8]) -> Result<usize, Errno> {
    let mut done = 0;
    while done < buf.len() {
        let iov = [libc::iovec {
            iov_base: buf[done..].as_mut_ptr().cast(),
            iov_len: buf.len() - done,
        }];
        match file(&iov, off + done as u64)? {
            0 => break,
            n => done += n,
        }
    }
    Ok(done)
}

/// Copies `len` file bytes at `off` to guest address `addr`.
fn copy_segment(
    mm: &MemoryManager,
    file: &ReadAt<'_>,
    off: u64,
    addr: u64,
    len: u64,
) -> Result<(), Errno> {
    let mut done = 0u64;
    while done < len {
        // The segment is mapped writable here, so its pages take the file
        // bytes straight from the file.
        let iov = mm.io_vecs(addr + done, len - done, true)?;
        let got = file(&iov, off + done)?;
        if got == 0 {
            return Err(Errno::EIO);
        }
        done += got as u64;
    }
    Ok(())
}

/// The host's auxv value for `key` (CPU features the guest may use).
fn host_auxv(key: u64) -> u64 {
    // SAFETY: getauxval only reads the process's auxv.
    unsafe { libc::getauxval(key) }
}

/// Lays out the initial stack below `top` and returns the stack pointer.
///
/// Layout, top down: AT_RANDOM bytes, platform string, execfn, envp and argv
/// strings; then, 16-byte aligned at argc: argc, argv[], NULL, envp[], NULL,
/// auxv pairs, AT_NULL.
pub fn build_stack(
    mm: &MemoryManager,
    top: u64,
    argv: &[Vec<u8>],
    envp: &[Vec<u8>],
    execfn: &[u8],
    aux: &[(u64, u64)],
) -> Result<u64, Errno> {
    let strings: usize = argv.iter().chain(envp).map(|s| s.len() + 1).sum();
    if strings > MAX_ARGS_BYTES {
        return Err(Errno::E2BIG);
    }
    let mut sp = top;
    let push = |bytes: &[u8], sp: &mut u64| -> Result<u64, Errno> {
        *sp -= bytes.len() as u64;
        mm.poke(*sp, bytes)?;
        Ok(*sp)
    };
    let mut random = [0u8; 16];
    fill_random(&mut random);
    let random_addr = push(&random, &mut sp)?;
    let platform_addr = push(b"x86_64\0", &mut sp)?;
    let execfn_addr = push(&[execfn, b"\0"].concat(), &mut sp)?;
    let mut env_addrs = Vec::with_capacity(envp.len());
    for s in envp.iter().rev() {
        env_addrs.push(push(&[s.as_slice(), b"\0"].concat(), &mut sp)?);
    }
    env_addrs.reverse();
    let mut arg_addrs = Vec::with_capacity(argv.len());
    for s in argv.iter().rev() {
        arg_addrs.push(push(&[s.as_slice(), b"\0"].concat(), &mut sp)?);
    }
    arg_addrs.reverse();

    let mut words: Vec<u64> = Vec::with_capacity(argv.len() + envp.len() + 2 * aux.len() + 10);
    words.push(argv.len() as u64);
    words.extend(&arg_addrs);
    words.push(0);
    words.extend(&env_addrs);
    words.push(0);
    for &(k, v) in aux {
        words.extend([k, v]);
    }
    words.extend([
        AT_RANDOM,
        random_addr,
        AT_PLATFORM,
        platform_addr,
        AT_EXECFN,
        execfn_addr,
        AT_NULL,
        0,
    ]);
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    sp = (sp - bytes.len() as u64) & !15;
    mm.poke(sp, &bytes)?;
    Ok(sp)
}

/// Fills `buf` from the host's random source.
pub fn fill_random(buf: &mut [u8]) {
    let mut done = 0;
    while done < buf.len() {
        // SAFETY: writes at most buf.len()-done bytes into buf.
        let n = unsafe { libc::getrandom(buf[done..].as_mut_ptr().cast(), buf.len() - done, 0) };
        if n > 0 {
            done += n as usize;
        }
    }
}
