//! Memory-management constants: mmap, mprotect, mremap, madvise.

/// No access.
pub const PROT_NONE: u64 = 0;
/// Page may be read.
pub const PROT_READ: u64 = 0x1;
/// Page may be written.
pub const PROT_WRITE: u64 = 0x2;
/// Page may be executed.
pub const PROT_EXEC: u64 = 0x4;
/// Page may be used for atomic ops (accepted, no effect on x86-64).
pub const PROT_SEM: u64 = 0x8;
/// Extend change to the start of a growsdown mapping.
pub const PROT_GROWSDOWN: u64 = 0x0100_0000;
/// Extend change to the end of a growsup mapping.
pub const PROT_GROWSUP: u64 = 0x0200_0000;
/// Protection bits a guest may ask for.
pub const PROT_MASK: u64 = PROT_READ | PROT_WRITE | PROT_EXEC;

/// Share changes.
pub const MAP_SHARED: u64 = 0x01;
/// Changes are private.
pub const MAP_PRIVATE: u64 = 0x02;
/// Shared, with flag validation.
pub const MAP_SHARED_VALIDATE: u64 = 0x03;
/// Mask of the mapping type.
pub const MAP_TYPE: u64 = 0x0f;
/// Interpret addr exactly.
pub const MAP_FIXED: u64 = 0x10;
/// Not backed by a file.
pub const MAP_ANONYMOUS: u64 = 0x20;
/// Only give out 32-bit addresses.
pub const MAP_32BIT: u64 = 0x40;
/// Stack-like segment.
pub const MAP_GROWSDOWN: u64 = 0x0100;
/// Ignored.
pub const MAP_DENYWRITE: u64 = 0x0800;
/// Ignored.
pub const MAP_EXECUTABLE: u64 = 0x1000;
/// Lock the mapping (accepted, no effect: guest memory is never swapped by us).
pub const MAP_LOCKED: u64 = 0x2000;
/// Do not reserve swap.
pub const MAP_NORESERVE: u64 = 0x4000;
/// Populate page tables.
pub const MAP_POPULATE: u64 = 0x8000;
/// Do not block on IO.
pub const MAP_NONBLOCK: u64 = 0x1_0000;
/// Allocation is for a stack.
pub const MAP_STACK: u64 = 0x2_0000;
/// Create a huge page mapping.
pub const MAP_HUGETLB: u64 = 0x4_0000;
/// Perform synchronous page faults.
pub const MAP_SYNC: u64 = 0x8_0000;
/// MAP_FIXED which does not unmap underlying mappings.
pub const MAP_FIXED_NOREPLACE: u64 = 0x10_0000;
/// For anonymous mmap, memory could be uninitialized.
pub const MAP_UNINITIALIZED: u64 = 0x400_0000;
/// Flags mmap accepts with MAP_PRIVATE or MAP_SHARED (others are ignored by
/// Linux for those types; MAP_SHARED_VALIDATE rejects unknown ones).
pub const MAP_KNOWN: u64 = MAP_TYPE
    | MAP_FIXED
    | MAP_ANONYMOUS
    | MAP_32BIT
    | MAP_GROWSDOWN
    | MAP_DENYWRITE
    | MAP_EXECUTABLE
    | MAP_LOCKED
    | MAP_NORESERVE
    | MAP_POPULATE
    | MAP_NONBLOCK
    | MAP_STACK
    | MAP_HUGETLB
    | MAP_SYNC
    | MAP_FIXED_NOREPLACE
    | MAP_UNINITIALIZED;

/// mremap: the mapping may move.
pub const MREMAP_MAYMOVE: u64 = 1;
/// mremap: move to the given address.
pub const MREMAP_FIXED: u64 = 2;
/// mremap: leave the old range mapped but empty.
pub const MREMAP_DONTUNMAP: u64 = 4;

/// madvise: no special treatment.
pub const MADV_NORMAL: u64 = 0;
/// madvise: expect random access.
pub const MADV_RANDOM: u64 = 1;
/// madvise: expect sequential access.
pub const MADV_SEQUENTIAL: u64 = 2;
/// madvise: will need these pages.
pub const MADV_WILLNEED: u64 = 3;
/// madvise: drop these pages (private anonymous memory reads back zero).
pub const MADV_DONTNEED: u64 = 4;
/// madvise: free pages lazily.
pub const MADV_FREE: u64 = 8;
/// madvise: remove pages and backing store.
pub const MADV_REMOVE: u64 = 9;
/// madvise: do not inherit across fork.
pub const MADV_DONTFORK: u64 = 10;
/// madvise: inherit across fork.
pub const MADV_DOFORK: u64 = 11;
/// madvise: may merge identical pages.
pub const MADV_MERGEABLE: u64 = 12;
/// madvise: undo MADV_MERGEABLE.
pub const MADV_UNMERGEABLE: u64 = 13;
/// madvise: worth backing with hugepages.
pub const MADV_HUGEPAGE: u64 = 14;
/// madvise: not worth backing with hugepages.
pub const MADV_NOHUGEPAGE: u64 = 15;
/// madvise: exclude from core dumps.
pub const MADV_DONTDUMP: u64 = 16;
/// madvise: include in core dumps.
pub const MADV_DODUMP: u64 = 17;
/// madvise: zero memory on fork.
pub const MADV_WIPEONFORK: u64 = 18;
/// madvise: undo MADV_WIPEONFORK.
pub const MADV_KEEPONFORK: u64 = 19;
/// madvise: deactivate pages.
pub const MADV_COLD: u64 = 20;
/// madvise: reclaim pages.
pub const MADV_PAGEOUT: u64 = 21;
/// madvise: populate (prefault) page tables readable.
pub const MADV_POPULATE_READ: u64 = 22;
/// madvise: populate (prefault) page tables writable.
pub const MADV_POPULATE_WRITE: u64 = 23;

/// msync: schedule writeback.
pub const MS_ASYNC: u64 = 1;
/// msync: invalidate other mappings.
pub const MS_INVALIDATE: u64 = 2;
/// msync: write back and wait.
pub const MS_SYNC: u64 = 4;
