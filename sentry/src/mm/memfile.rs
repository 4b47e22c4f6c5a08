//! The memory file: one memfd holding every page of guest memory, mapped in
//! full into the sentry. Stubs map ranges of the same file, so a byte the
//! sentry writes through its mapping is the byte the guest reads.

use crate::abi::{Errno, PAGE_SIZE};
use std::collections::BTreeMap;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::Mutex;

/// Virtual size of the memory file. The file is sparse: only pages the
/// guest touches take host memory, and freed ranges are punched out.
pub const MEMORY_FILE_SIZE: u64 = 1 << 40;

/// Errors creating the memory file.
#[derive(Debug, thiserror::Error)]
pub enum MemoryFileError {
    /// A host call failed.
    #[error("memory file: {op} failed: {source}")]
    Host {
        /// The failing step.
        op: &'static str,
        /// The host error.
        source: std::io::Error,
    },
}

/// The memory file and its allocator.
pub struct MemoryFile {
    fd: OwnedFd,
    base: *mut u8,
    /// Free extents: offset -> length, page-aligned, coalesced.
    free: Mutex<BTreeMap<u64, u64>>,
}

// SAFETY: `base` points to a MAP_SHARED mapping that lives as long as the
// MemoryFile; all access goes through raw copies that tolerate concurrent
// guest writes (guest memory is shared with the guest by design).
unsafe impl Send for MemoryFile {}
// SAFETY: as above; the allocator state is behind a Mutex.
unsafe impl Sync for MemoryFile {}

impl std::fmt::Debug for MemoryFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryFile")
            .field("fd", &self.fd.as_raw_fd())
            .finish()
    }
}

impl MemoryFile {
    /// Creates the memfd, sizes it and maps it into the sentry.
    pub fn new() -> Result<Self, MemoryFileError> {
        let host = |op| MemoryFileError::Host {
            op,
            source: std::io::Error::last_os_error(),
        };
        // SAFETY: the name is a valid C string; flags are constants.
        let fd = unsafe { libc::memfd_create(c"runsc-memory".as_ptr(), libc::MFD_CLOEXEC) };
        if fd < 0 {
            return Err(host("memfd_create"));
        }
        // SAFETY: fd was just returned by memfd_create and is owned by no one else.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        // SAFETY: ftruncate on an fd we own.
        if unsafe { libc::ftruncate(fd.as_raw_fd(), MEMORY_FILE_SIZE as i64) } != 0 {
            return Err(host("ftruncate"));
        }
        // SAFETY: a fresh shared mapping of the whole file; nothing is replaced.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                MEMORY_FILE_SIZE as usize,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED | libc::MAP_NORESERVE,
                fd.as_raw_fd(),
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(host("mmap"));
        }
        let mut free = BTreeMap::new();
        free.insert(0, MEMORY_FILE_SIZE);
        Ok(MemoryFile {
            fd,
            base: base.cast(),
            free: Mutex::new(free),
        })
    }

    /// The memfd, which stubs inherit and map from.
    pub fn raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    /// Allocates `len` bytes (a multiple of the page size) of zeroed memory
    /// and returns the offset.
    pub fn allocate(&self, len: u64) -> Result<u64, Errno> {
        debug_assert!(len > 0 && len.is_multiple_of(PAGE_SIZE));
        let mut free = self.free.lock().unwrap_or_else(|e| e.into_inner());
        let (&off, &flen) = free.iter().find(|(_, &l)| l >= len).ok_or(Errno::ENOMEM)?;
        free.remove(&off);
        if flen > len {
            free.insert(off + len, flen - len);
        }
        Ok(off)
    }

    /// Returns a range to the allocator and releases its pages to the host,
    /// so the next allocation of it reads zero.
    pub fn free(&self, off: u64, len: u64) {
        if len == 0 {
            return;
        }
        self.punch(off, len);
        let mut free = self.free.lock().unwrap_or_else(|e| e.into_inner());
        let (mut start, mut end) = (off, off + len);
        if let Some((&p, &pl)) = free.range(..start).next_back() {
            if p + pl == start {
                free.remove(&p);
                start = p;
            }
        }
        if let Some(&nl) = free.get(&end) {
            free.remove(&end);
            end += nl;
        }
        free.insert(start, end - start);
    }

    /// Zeroes a range, releasing its pages to the host.
    pub fn punch(&self, off: u64, len: u64) {
        // SAFETY: punching a hole in our own memfd; the kernel checks the range.
        unsafe {
            libc::fallocate(
                self.fd.as_raw_fd(),
                libc::FALLOC_FL_PUNCH_HOLE | libc::FALLOC_FL_KEEP_SIZE,
                off as i64,
                len as i64,
            );
        }
    }

    /// A sentry pointer to byte `off` of the file, for host I/O straight
    /// into guest memory. The caller keeps `off + len` within a range it
    /// allocated.
    pub fn ptr(&self, off: u64, len: u64) -> *mut u8 {
        assert!(off.checked_add(len).is_some_and(|e| e <= MEMORY_FILE_SIZE));
        // SAFETY: off is within the mapping (checked above).
        unsafe { self.base.add(off as usize) }
    }

    /// The file offset of a sentry pointer into the mapping (inverse of
    /// [`Self::ptr`]).
    pub fn offset_of(&self, p: *const u8) -> u64 {
        (p as usize).wrapping_sub(self.base as usize) as u64
    }

    /// Copies bytes out of the file.
    pub fn read(&self, off: u64, dst: &mut [u8]) {
        let src = self.ptr(off, dst.len() as u64);
        // SAFETY: src..src+len is inside the mapping (checked by ptr); dst
        // is a distinct sentry buffer.
        unsafe { std::ptr::copy_nonoverlapping(src, dst.as_mut_ptr(), dst.len()) };
    }

    /// Copies bytes into the file.
    pub fn write(&self, off: u64, src: &[u8]) {
        let dst = self.ptr(off, src.len() as u64);
        // SAFETY: dst..dst+len is inside the mapping (checked by ptr); src
        // is a distinct sentry buffer.
        unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), dst, src.len()) };
    }

    /// Copies `[from, from+len)` to the fresh (all-zero) range at `to`,
    /// skipping holes: pages never touched stay unallocated in the copy.
    pub fn copy_populated(&self, from: u64, to: u64, len: u64) {
        let end = from + len;
        let mut at = from;
        while at < end {
            // SAFETY: lseek on our own memfd; no memory is accessed.
            let data = unsafe { libc::lseek(self.fd.as_raw_fd(), at as i64, libc::SEEK_DATA) };
            if data < 0 || data as u64 >= end {
                return;
            }
            let data = data as u64;
            // SAFETY: as above.
            let hole = unsafe { libc::lseek(self.fd.as_raw_fd(), data as i64, libc::SEEK_HOLE) };
            let hole = if hole < 0 {
                end
            } else {
                (hole as u64).min(end)
            };
            self.copy_within(data, to + (data - from), hole - data);
            at = hole;
        }
    }

    /// Copies `len` bytes inside the file (ranges may overlap).
    pub fn copy_within(&self, from: u64, to: u64, len: u64) {
        let s = self.ptr(from, len);
        let d = self.ptr(to, len);
        // SAFETY: both ranges are inside the mapping (checked by ptr).
        unsafe { std::ptr::copy(s, d, len as usize) };
    }
}

impl Drop for MemoryFile {
    fn drop(&mut self) {
        // SAFETY: base/size is the mapping made in new().
        unsafe { libc::munmap(self.base.cast(), MEMORY_FILE_SIZE as usize) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_allocate_free_coalesces_back_to_one_extent() {
        let mf = MemoryFile::new().unwrap();
        let a = mf.allocate(PAGE_SIZE).unwrap();
        let b = mf.allocate(3 * PAGE_SIZE).unwrap();
        assert_ne!(a, b);
        mf.write(b, b"hello");
        let mut buf = [0u8; 5];
        mf.read(b, &mut buf);
        assert_eq!(&buf, b"hello");
        mf.free(a, PAGE_SIZE);
        mf.free(b, 3 * PAGE_SIZE);
        assert_eq!(mf.free.lock().unwrap().len(), 1);
        let c = mf.allocate(PAGE_SIZE).unwrap();
        mf.read(c, &mut buf);
        assert_eq!(buf, [0; 5], "freed pages read back zero");
    }

    #[test]
    fn test_allocate_too_much_fails_enomem() {
        let mf = MemoryFile::new().unwrap();
        assert_eq!(
            mf.allocate(MEMORY_FILE_SIZE + PAGE_SIZE),
            Err(Errno::ENOMEM)
        );
    }
}
