//! Virtual memory areas: the guest's view of its address space.

use std::collections::BTreeMap;

/// What backs a VMA.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backing {
    /// Memory-file pages starting at this offset (for the VMA's `start`).
    /// Both private and shared anonymous memory, and loaded ELF segments,
    /// live here.
    Anon {
        /// Memory-file offset of the VMA's first byte.
        off: u64,
    },
    /// A special mapping the host kernel keeps in the stub (the vDSO and
    /// its data pages, see `platform::vdso`); no memory-file pages.
    Host {
        /// The sentry may read the guest's bytes here from its own copy
        /// of the mapping (the vDSO text, which is always present). The
        /// data pages may have holes that would fault in the sentry, so
        /// syscalls get EFAULT for them.
        sentry_readable: bool,
    },
}

/// One guest mapping `[start, end)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vma {
    /// First address (page-aligned).
    pub start: u64,
    /// One past the last address (page-aligned).
    pub end: u64,
    /// PROT_* bits.
    pub prot: u64,
    /// Shared (MAP_SHARED) rather than private.
    pub shared: bool,
    /// Backing pages.
    pub backing: Backing,
    /// Name shown in /proc/PID/maps ("[heap]", "[stack]"), if any.
    pub name: Option<&'static str>,
    /// The file mapped, if any.
    pub file: Option<VmaFile>,
    /// Shared anonymous memory that fork made visible in two address
    /// spaces: the pages are freed when the last VMA over them goes.
    pub shared_owner: Option<std::sync::Arc<SharedPages>>,
    /// A private mapping of a memory-backed file that shares the file's
    /// pages until it writes them (see `MemoryManager` on lazy pages).
    pub lazy: Option<LazyFile>,
    /// The pages belong to another address space this one borrows them
    /// from (a vfork child runs in its parent's memory): never freed here.
    pub borrowed: bool,
}

/// The file behind a lazy private mapping.
#[derive(Clone)]
pub struct LazyFile {
    /// The file's pages.
    pub src: std::sync::Arc<dyn crate::vfs::file::MemPages>,
    /// File offset of the VMA's first byte.
    pub foff: u64,
    /// Every page not copied is already mapped read-only from `src` in
    /// the stub (copy-on-write memory after fork), so any fault on such a
    /// page is a write.
    pub premapped: bool,
    /// `src` is anonymous memory shared copy-on-write (MADV_DONTNEED then
    /// gives zeros, not the source's bytes).
    pub anon: bool,
}

impl PartialEq for LazyFile {
    fn eq(&self, o: &Self) -> bool {
        std::sync::Arc::ptr_eq(&self.src, &o.src) && self.foff == o.foff
    }
}
impl Eq for LazyFile {}

impl std::fmt::Debug for LazyFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LazyFile({:#x})", self.foff)
    }
}

/// Memory-file pages owned jointly by the VMAs that hold this (shared
/// anonymous memory after fork).
#[derive(Debug)]
pub struct SharedPages {
    /// The memory file.
    pub mf: std::sync::Arc<super::MemoryFile>,
    /// First page.
    pub off: u64,
    /// Length.
    pub len: u64,
}

impl Drop for SharedPages {
    fn drop(&mut self) {
        self.mf.free(self.off, self.len);
    }
}

impl PartialEq for SharedPages {
    fn eq(&self, o: &Self) -> bool {
        self.off == o.off && self.len == o.len
    }
}
impl Eq for SharedPages {}

/// The file behind a file mapping.
#[derive(Clone)]
pub struct VmaFile {
    /// Its path, for /proc/PID/maps.
    pub path: std::sync::Arc<[u8]>,
    /// File offset of the VMA's first byte.
    pub offset: u64,
    /// Device and inode number, for /proc/PID/maps.
    pub dev_ino: (u64, u64),
    /// For shared mappings of memory-file-backed files: the file, which
    /// owns the pages (so unmapping does not free them).
    pub pages_owner: Option<std::sync::Arc<dyn std::any::Any + Send + Sync>>,
    /// For private mappings: the open file, to read pages again after
    /// MADV_DONTNEED.
    pub source: Option<std::sync::Arc<crate::vfs::FileDescription>>,
    /// A shared mapping of a file opened without write access: mprotect
    /// may not add PROT_WRITE.
    pub no_write: bool,
    /// A file on a noexec mount: mprotect may not add PROT_EXEC (Linux
    /// leaves such a mapping without VM_MAYEXEC).
    pub no_exec: bool,
}

impl PartialEq for VmaFile {
    fn eq(&self, o: &Self) -> bool {
        self.path == o.path
            && self.offset == o.offset
            && match (&self.pages_owner, &o.pages_owner) {
                (None, None) => true,
                (Some(a), Some(b)) => std::sync::Arc::ptr_eq(a, b),
                _ => false,
            }
    }
}
impl Eq for VmaFile {}

impl std::fmt::Debug for VmaFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "VmaFile({}, {:#x}, shared_pages={})",
            String::from_utf8_lossy(&self.path),
            self.offset,
            self.pages_owner.is_some()
        )
    }
}

impl Vma {
    /// Length in bytes.
    pub fn len(&self) -> u64 {
        self.end - self.start
    }

    /// Whether the VMA covers no bytes (never true for a VMA in a set).
    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }

    /// Whether unmapping this VMA frees its memory-file pages (false for
    /// shared mappings of a file that owns them).
    pub fn owns_pages(&self) -> bool {
        !self.borrowed
            && matches!(self.backing, Backing::Anon { .. })
            && self.shared_owner.is_none()
            && self.file.as_ref().is_none_or(|f| f.pages_owner.is_none())
    }

    /// Memory-file offset of guest address `addr` inside this VMA (None
    /// for a host mapping, which has no memory-file pages).
    pub fn file_offset(&self, addr: u64) -> Option<u64> {
        match self.backing {
            Backing::Anon { off } => Some(off + (addr - self.start)),
            Backing::Host { .. } => None,
        }
    }

    /// Whether the host kernel keeps this mapping (the vDSO).
    pub fn is_host(&self) -> bool {
        matches!(self.backing, Backing::Host { .. })
    }

    /// The part of this VMA inside `[start, end)` (which must overlap it).
    fn slice(&self, start: u64, end: u64) -> Vma {
        let s = start.max(self.start);
        let e = end.min(self.end);
        Vma {
            start: s,
            end: e,
            backing: match self.backing {
                Backing::Anon { off } => Backing::Anon {
                    off: off + (s - self.start),
                },
                h @ Backing::Host { .. } => h,
            },
            file: self.file.as_ref().map(|f| VmaFile {
                offset: f.offset + (s - self.start),
                ..f.clone()
            }),
            lazy: self.lazy.as_ref().map(|l| LazyFile {
                foff: l.foff + (s - self.start),
                src: l.src.clone(),
                premapped: l.premapped,
                anon: l.anon,
            }),
            ..self.clone()
        }
    }
}

/// The set of VMAs, keyed by start address, never overlapping.
#[derive(Debug, Default)]
pub struct VmaSet {
    map: BTreeMap<u64, Vma>,
}

impl VmaSet {
    /// The VMA containing `addr`.
    pub fn find(&self, addr: u64) -> Option<&Vma> {
        self.map
            .range(..=addr)
            .next_back()
            .map(|(_, v)| v)
            .filter(|v| addr < v.end)
    }

    /// VMAs overlapping `[start, end)`, in address order.
    pub fn overlapping(&self, start: u64, end: u64) -> impl Iterator<Item = &Vma> {
        let first = self.find(start).map(|v| v.start).unwrap_or(start);
        // An empty or inverted range overlaps nothing (and must not reach
        // BTreeMap::range, which panics on start > end).
        let end = end.max(first);
        self.map
            .range(first..end)
            .map(|(_, v)| v)
            .filter(move |v| v.end > start)
    }

    /// Whether `[start, end)` touches no VMA.
    pub fn is_free(&self, start: u64, end: u64) -> bool {
        self.overlapping(start, end).next().is_none()
    }

    /// Inserts a VMA; the range must be free.
    pub fn insert(&mut self, vma: Vma) {
        debug_assert!(self.is_free(vma.start, vma.end));
        self.map.insert(vma.start, vma);
    }

    /// Removes `[start, end)` from the set, splitting VMAs that straddle an
    /// edge, and returns the removed pieces.
    pub fn remove_range(&mut self, start: u64, end: u64) -> Vec<Vma> {
        let hit: Vec<u64> = self.overlapping(start, end).map(|v| v.start).collect();
        let mut removed = Vec::with_capacity(hit.len());
        for key in hit {
            let Some(v) = self.map.remove(&key) else {
                continue;
            };
            if v.start < start {
                self.map.insert(v.start, v.slice(v.start, start));
            }
            if v.end > end {
                let tail = v.slice(end, v.end);
                self.map.insert(tail.start, tail);
            }
            removed.push(v.slice(start, end));
        }
        removed
    }

    /// Highest free gap of `len` bytes ending at or below `below` and
    /// starting at or above `floor`; returns its start.
    pub fn find_gap_topdown(&self, len: u64, floor: u64, below: u64) -> Option<u64> {
        let mut hi = below;
        for (_, v) in self.map.range(..below).rev() {
            if v.end <= hi && hi - v.end >= len {
                return Some(hi - len).filter(|&s| s >= floor);
            }
            hi = hi.min(v.start);
            if hi < floor.saturating_add(len) {
                return None;
            }
        }
        hi.checked_sub(len).filter(|&s| s >= floor)
    }

    /// All VMAs in address order.
    pub fn iter(&self) -> impl Iterator<Item = &Vma> {
        self.map.values()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vma(start: u64, end: u64, off: u64) -> Vma {
        Vma {
            start,
            end,
            prot: 3,
            shared: false,
            backing: Backing::Anon { off },
            name: None,
            file: None,
            shared_owner: None,
            lazy: None,
            borrowed: false,
        }
    }

    #[test]
    fn test_remove_range_middle_splits_in_three() {
        let mut s = VmaSet::default();
        s.insert(vma(0x1000, 0x5000, 0x10000));
        let removed = s.remove_range(0x2000, 0x3000);
        assert_eq!(removed, vec![vma(0x2000, 0x3000, 0x11000)]);
        let left: Vec<_> = s.iter().cloned().collect();
        assert_eq!(
            left,
            vec![vma(0x1000, 0x2000, 0x10000), vma(0x3000, 0x5000, 0x12000)]
        );
    }

    #[test]
    fn test_find_outside_any_vma_is_none() {
        let mut s = VmaSet::default();
        s.insert(vma(0x1000, 0x2000, 0));
        assert!(s.find(0xfff).is_none());
        assert!(s.find(0x2000).is_none());
        assert_eq!(s.find(0x1fff).unwrap().start, 0x1000);
    }

    #[test]
    fn test_gap_topdown_skips_occupied_ranges() {
        let mut s = VmaSet::default();
        s.insert(vma(0x8000, 0x10000, 0));
        s.insert(vma(0x5000, 0x7000, 0));
        assert_eq!(s.find_gap_topdown(0x1000, 0x1000, 0x10000), Some(0x7000));
        assert_eq!(s.find_gap_topdown(0x2000, 0x1000, 0x10000), Some(0x3000));
        assert_eq!(s.find_gap_topdown(0x5000, 0x1000, 0x10000), None);
    }

    #[test]
    fn test_overlapping_inverted_range_is_empty() {
        let mut s = VmaSet::default();
        s.insert(vma(0x1000, 0x2000, 0));
        assert_eq!(s.overlapping(0x5000, 0x3000).count(), 0);
        assert!(s.remove_range(0x5000, 0x3000).is_empty());
    }

    #[test]
    fn test_overlapping_spanning_several_lists_all() {
        let mut s = VmaSet::default();
        s.insert(vma(0x1000, 0x2000, 0));
        s.insert(vma(0x3000, 0x4000, 0));
        s.insert(vma(0x5000, 0x6000, 0));
        let got: Vec<u64> = s.overlapping(0x1800, 0x5001).map(|v| v.start).collect();
        assert_eq!(got, vec![0x1000, 0x3000, 0x5000]);
    }
}
