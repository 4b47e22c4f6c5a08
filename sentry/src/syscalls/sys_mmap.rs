//! mmap, munmap, mprotect, mremap, brk, madvise.

use super::SyscallArgs;
use crate::abi::mm::*;
use crate::abi::{Errno, SysResult, PAGE_SIZE};
use crate::kernel::Task;

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
        // No file in this step can be mapped (host terminals and pipes
        // cannot be on Linux either).
        t.fds.get(fd)?;
        return Err(Errno::ENODEV.into());
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
                t.mm.dontneed(addr, len)?;
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
