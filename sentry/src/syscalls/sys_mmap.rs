//! mmap, munmap, mprotect, mremap, brk, madvise.

use super::SyscallArgs;
use crate::abi::mm::*;
use crate::abi::{Errno, SysResult, PAGE_SIZE};
use crate::kernel::Task;
use crate::mm::VmaFile;
use crate::vfs::MmapSource;

pub(super) fn mmap(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (addr, len, prot, flags, fd, off) = (
        a.addr(0),
        a.size(1),
        a.flags(2),
        a.flags(3),
        a.fd(4),
        a.raw(5),
    );
    match flags & MAP_TYPE {
        MAP_PRIVATE | MAP_SHARED => {}
        MAP_SHARED_VALIDATE if flags & !MAP_KNOWN == 0 => {}
        MAP_SHARED_VALIDATE => return Err(Errno::EOPNOTSUPP.into()),
        _ => return Err(Errno::EINVAL.into()),
    }
    // x86-64 checks the offset's alignment for every mapping.
    if !off.is_multiple_of(PAGE_SIZE) || len == 0 {
        return Err(Errno::EINVAL.into());
    }
    if flags & MAP_ANONYMOUS == 0 {
        return mmap_file(t, addr, len, prot & PROT_MASK, flags, fd, off);
    }
    // Anonymous memory: MAP_SHARED_VALIDATE is no valid type, and a shared
    // mapping cannot grow down.
    match flags & MAP_TYPE {
        MAP_SHARED_VALIDATE => return Err(Errno::EINVAL.into()),
        MAP_SHARED if flags & MAP_GROWSDOWN != 0 => return Err(Errno::EINVAL.into()),
        _ => {}
    }
    let Task { mm, as_, .. } = t;
    Ok(mm.mmap_anon(as_, addr, len, prot & PROT_MASK, flags)?)
}

pub(super) fn munmap(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let Task { mm, as_, .. } = t;
    mm.munmap(as_, a.addr(0), a.size(1))?;
    Ok(0)
}

pub(super) fn mprotect(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let Task { mm, as_, .. } = t;
    mm.mprotect(as_, a.addr(0), a.size(1), a.flags(2))?;
    Ok(0)
}

pub(super) fn mremap(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let Task { mm, as_, .. } = t;
    Ok(mm.mremap(as_, a.addr(0), a.size(1), a.size(2), a.flags(3), a.addr(4))?)
}

pub(super) fn brk(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let Task { mm, as_, .. } = t;
    Ok(mm.brk(as_, a.addr(0)))
}

pub(super) fn madvise(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (addr, len, advice) = (a.addr(0), a.size(1), a.flags(2));
    if addr % PAGE_SIZE != 0 {
        return Err(Errno::EINVAL.into());
    }
    let len = crate::abi::page_up(len).ok_or(Errno::EINVAL)?;
    let end = addr.checked_add(len).ok_or(Errno::EINVAL)?;
    if len > 0 && !t.mm.fully_mapped(addr, end) && advice <= MADV_POPULATE_WRITE {
        return Err(Errno::ENOMEM.into());
    }
    match advice {
        MADV_DONTNEED | MADV_FREE => {
            if len > 0 {
                let refills = t.mm.file_refills(addr, len);
                {
                    let Task { mm, as_, .. } = t;
                    mm.dontneed(as_, addr, len)?;
                }
                // Private file pages come back with the file's contents.
                let mf = t.mm.memory_file().clone();
                for (mo, n, file, foff) in refills {
                    let iov = [libc::iovec {
                        iov_base: mf.ptr(mo, n).cast(),
                        iov_len: n as usize,
                    }];
                    let _ = file.ops.read(t, &iov, Some(foff));
                }
            }
            Ok(0)
        }
        MADV_NORMAL | MADV_RANDOM | MADV_SEQUENTIAL | MADV_WILLNEED | MADV_REMOVE
        | MADV_DONTFORK | MADV_DOFORK | MADV_MERGEABLE | MADV_UNMERGEABLE | MADV_HUGEPAGE
        | MADV_NOHUGEPAGE | MADV_DONTDUMP | MADV_DODUMP | MADV_WIPEONFORK | MADV_KEEPONFORK
        | MADV_COLD | MADV_PAGEOUT | MADV_POPULATE_READ | MADV_POPULATE_WRITE => Ok(0),
        _ => Err(Errno::EINVAL.into()),
    }
}

/// mmap of an open file: shared mappings of memory-backed files map the
/// file's own pages; everything else gets a private copy of the bytes
/// (read-only shared mappings of host files included: the sandbox's root
/// is read-only under the memory overlay, so nobody can change them).
fn mmap_file(
    t: &mut Task,
    addr: u64,
    len: u64,
    prot: u64,
    flags: u64,
    fd: i32,
    off: u64,
) -> SysResult {
    let file = t.fds.get(fd)?.clone();
    if file.is_path() {
        return Err(Errno::EBADF.into());
    }
    let shared = matches!(flags & MAP_TYPE, MAP_SHARED | MAP_SHARED_VALIDATE);
    if !file.readable() {
        return Err(Errno::EACCES.into());
    }
    if shared && prot & PROT_WRITE != 0 && !file.writable() {
        return Err(Errno::EACCES.into());
    }
    let no_exec = file.path.as_ref().is_some_and(|p| p.mnt.noexec());
    if prot & crate::abi::mm::PROT_EXEC != 0 && no_exec {
        return Err(Errno::EPERM.into());
    }
    let source = file.ops.mmap_source().ok_or(Errno::ENODEV)?;
    if let MmapSource::Anon = source {
        let Task { mm, as_, .. } = t;
        return Ok(mm.mmap_anon(as_, addr, len, prot, flags)?);
    }
    if off.checked_add(len).is_none_or(|e| e > i64::MAX as u64) {
        return Err(Errno::EOVERFLOW.into());
    }
    let st = file.ops.stat()?;
    let path: std::sync::Arc<[u8]> = match &file.path {
        Some(p) => p.name_from(&t.fs.root()).into(),
        None => file
            .ops
            .anon_name()
            .map(|n| n.into_bytes())
            .unwrap_or_default()
            .into(),
    };
    let dev = file.path.as_ref().map_or(0, |p| p.mnt.dev);
    let plen = crate::abi::page_up(len).ok_or(Errno::ENOMEM)?;
    if let MmapSource::Mem(pages) = &source {
        if !shared {
            let vf = VmaFile {
                path,
                offset: off,
                dev_ino: (dev, st.ino),
                source: None,
                no_write: false,
                no_exec,
                pages_owner: None,
            };
            let lazy = crate::mm::LazyFile {
                src: pages.clone(),
                foff: off,
                premapped: false,
                anon: false,
            };
            let Task { mm, as_, .. } = t;
            return Ok(mm.mmap_lazy(as_, addr, len, prot, flags, vf, lazy)?);
        }
    }
    // A private mapping of a file whose bytes are read at map time (a
    // host file: the libraries every dynamic program maps) shares one
    // cached image of the range per file version, copy-on-write, instead
    // of reading and copying it each time.
    // Only where no whole page lies past the end of the file (Linux gives
    // SIGBUS there; the copy below gives zeros, as before).
    let in_file = (st.size.max(0) as u64).saturating_sub(off).min(plen);
    if !shared
        && matches!(source, MmapSource::Copy)
        && crate::vfs::is_regular(st.mode)
        && crate::abi::page_up(in_file).is_some_and(|e| e >= plen)
        && crate::loader::cache::cacheable(st.size, off, in_file)
    {
        let key = crate::loader::cache::ImageKey {
            dev_ino: (st.dev, st.ino),
            size: st.size,
            mtime: (st.mtime, st.mtime_nsec),
            ctime: (st.ctime, st.ctime_nsec),
        };
        let img = t.kernel.images.segment(key, off, in_file, |buf| {
            let mut done = 0;
            while done < buf.len() {
                let iov = [libc::iovec {
                    iov_base: buf[done..].as_mut_ptr().cast(),
                    iov_len: buf.len() - done,
                }];
                match file.ops.read(t, &iov, Some(off + done as u64))? {
                    0 => break,
                    n => done += n,
                }
            }
            Ok(())
        })?;
        let vf = VmaFile {
            path,
            offset: off,
            dev_ino: (dev, st.ino),
            source: None,
            no_write: false,
            no_exec,
            pages_owner: None,
        };
        let lazy = crate::mm::LazyFile {
            src: img,
            foff: 0,
            premapped: true,
            anon: false,
        };
        let Task { mm, as_, .. } = t;
        return Ok(mm.mmap_lazy(as_, addr, len, prot, flags, vf, lazy)?);
    }
    let (segs, owner) = match source {
        MmapSource::Mem(pages) if shared => {
            let segs = pages.pages(off, plen)?;
            let owner: std::sync::Arc<dyn std::any::Any + Send + Sync> = std::sync::Arc::new(pages);
            (segs, Some(owner))
        }
        _ => {
            // A private copy: the file's bytes, zeros past its end.
            let mf = t.kernel.mf.clone();
            let mo = mf.allocate(plen)?;
            let mut done = 0u64;
            while done < plen {
                let iov = [libc::iovec {
                    iov_base: mf.ptr(mo + done, plen - done).cast(),
                    iov_len: (plen - done) as usize,
                }];
                match file.ops.read(t, &iov, Some(off + done)) {
                    Ok(0) => break,
                    Ok(n) => done += n as u64,
                    Err(e) => {
                        mf.free(mo, plen);
                        return Err(e.into());
                    }
                }
            }
            (vec![(mo, plen)], None)
        }
    };
    let vf = VmaFile {
        path,
        offset: off,
        dev_ino: (dev, st.ino),
        source: owner.is_none().then(|| file.clone()),
        no_write: shared && !file.writable(),
        no_exec,
        pages_owner: owner,
    };
    let Task { mm, as_, .. } = t;
    Ok(mm.mmap_file(as_, addr, len, prot, flags, vf, segs)?)
}

pub(super) fn msync(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (addr, len, flags) = (a.addr(0), a.size(1), a.flags(2));
    if addr % PAGE_SIZE != 0
        || flags & !(MS_ASYNC | MS_INVALIDATE | MS_SYNC) != 0
        || flags & (MS_ASYNC | MS_SYNC) == MS_ASYNC | MS_SYNC
    {
        return Err(Errno::EINVAL.into());
    }
    let len = crate::abi::page_up(len).ok_or(Errno::ENOMEM)?;
    let end = addr.checked_add(len).ok_or(Errno::ENOMEM)?;
    if len > 0 && !t.mm.fully_mapped(addr, end) {
        return Err(Errno::ENOMEM.into());
    }
    // Shared mappings are the file's own pages: nothing to write back.
    Ok(0)
}

pub(super) fn mincore(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (addr, len, vec) = (a.addr(0), a.size(1), a.addr(2));
    if addr % PAGE_SIZE != 0 {
        return Err(Errno::EINVAL.into());
    }
    let len = crate::abi::page_up(len).ok_or(Errno::ENOMEM)?;
    let end = addr.checked_add(len).ok_or(Errno::ENOMEM)?;
    if end > crate::mm::MAX_ADDR {
        return Err(Errno::ENOMEM.into());
    }
    if !t.mm.fully_mapped(addr, end) {
        return Err(Errno::ENOMEM.into());
    }
    // Every mapped page is resident: guest memory is mapped eagerly.
    let pages = vec![1u8; (len / PAGE_SIZE) as usize];
    t.mm.copy_out(vec, &pages)?;
    Ok(0)
}
