//! Regular-file data in the memory file.
//!
//! A file's bytes live in chunks of memory-file pages: chunk 0 holds the
//! first 64 KiB, each next chunk twice as much up to 64 MiB, then 64 MiB
//! chunks. Chunks never move once allocated, so a shared mapping of the file
//! stays valid while it grows; the memory file is sparse, so an allocated
//! but untouched chunk costs no memory.

use crate::abi::{Errno, PAGE_SIZE};
use crate::mm::MemoryFile;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// The page budget of a size-limited tmpfs (its size= option). As in
/// Linux's tmpfs, a page of a file counts from when it is first written or
/// allocated (fallocate) until the file shrinks past it or goes away; holes
/// cost nothing. Pages written only through a shared mapping are not
/// counted.
#[derive(Debug)]
pub struct Quota {
    /// Pages the filesystem may hold.
    limit: u64,
    /// Pages held now.
    used: AtomicU64,
}

impl Quota {
    /// A budget of `limit` pages.
    pub fn new(limit: u64) -> Arc<Quota> {
        Arc::new(Quota {
            limit,
            used: AtomicU64::new(0),
        })
    }

    /// Pages the filesystem may hold.
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// Pages held now.
    pub fn used(&self) -> u64 {
        self.used.load(Ordering::Relaxed)
    }

    /// Takes one page; false when the filesystem is full.
    fn take(&self) -> bool {
        self.used
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |u| {
                (u < self.limit).then_some(u + 1)
            })
            .is_ok()
    }

    /// Gives back `n` pages.
    fn give(&self, n: u64) {
        self.used.fetch_sub(n, Ordering::Relaxed);
    }
}

/// The pages of one file a [`Quota`] counts, as a bitmap by page index.
#[derive(Debug)]
struct Charged {
    quota: Arc<Quota>,
    bits: Vec<u64>,
}

impl Charged {
    fn has(&self, page: u64) -> bool {
        let (w, b) = ((page / 64) as usize, page % 64);
        self.bits.get(w).is_some_and(|x| x & (1 << b) != 0)
    }

    /// Counts `page` if it is not yet; false when the quota is exhausted.
    fn charge(&mut self, page: u64) -> bool {
        if self.has(page) {
            return true;
        }
        if !self.quota.take() {
            return false;
        }
        let (w, b) = ((page / 64) as usize, page % 64);
        if self.bits.len() <= w {
            self.bits.resize(w + 1, 0);
        }
        self.bits[w] |= 1 << b;
        true
    }

    /// Stops counting the pages from index `from` on.
    fn release_from(&mut self, from: u64) {
        let mut freed = 0u64;
        for (w, word) in self.bits.iter_mut().enumerate() {
            let first = w as u64 * 64;
            if first + 64 <= from {
                continue;
            }
            let keep = if from > first {
                (1u64 << (from - first)) - 1
            } else {
                0
            };
            freed += u64::from((*word & !keep).count_ones());
            *word &= keep;
        }
        self.quota.give(freed);
    }
}

const FIRST_CHUNK: u64 = 64 << 10;
const MAX_CHUNK: u64 = 64 << 20;
/// Largest file size (the memory file is 1 TiB; leave room for the rest).
pub const MAX_FILE_SIZE: u64 = 64 << 30;

/// The chunk holding file offset `off`: (index, chunk start, chunk length).
fn chunk_of(off: u64) -> (usize, u64, u64) {
    let mut base = 0u64;
    let mut len = FIRST_CHUNK;
    let mut i = 0usize;
    while off >= base + len {
        base += len;
        len = (len * 2).min(MAX_CHUNK);
        i += 1;
    }
    (i, base, len)
}

/// The data of one file.
#[derive(Debug)]
pub struct MemData {
    mf: Arc<MemoryFile>,
    /// Memory-file offset of each chunk allocated so far.
    chunks: Vec<Option<u64>>,
    /// File size.
    pub size: u64,
    /// The pages counted against a size-limited filesystem.
    charged: Option<Charged>,
}

impl MemData {
    /// An empty file, its pages counted against `quota` when given.
    pub fn new(mf: Arc<MemoryFile>, quota: Option<Arc<Quota>>) -> Self {
        MemData {
            mf,
            chunks: Vec::new(),
            size: 0,
            charged: quota.map(|quota| Charged {
                quota,
                bits: Vec::new(),
            }),
        }
    }

    /// Counts the pages of `[off, off+len)` against the quota, in order;
    /// returns how many bytes from `off` are covered by counted pages (all
    /// of `len` unless the filesystem filled up).
    fn charge(&mut self, off: u64, len: u64) -> u64 {
        let Some(c) = &mut self.charged else {
            return len;
        };
        let end = off + len;
        let mut page = off / PAGE_SIZE;
        while page * PAGE_SIZE < end {
            if !c.charge(page) {
                return (page * PAGE_SIZE).saturating_sub(off);
            }
            page += 1;
        }
        len
    }

    /// Counts the pages of `[off, off+len)` (fallocate): all of them, or
    /// none and ENOSPC.
    pub fn reserve(&mut self, off: u64, len: u64) -> Result<(), Errno> {
        let end = off.checked_add(len).ok_or(Errno::EFBIG)?;
        if end > MAX_FILE_SIZE {
            return Err(Errno::EFBIG);
        }
        let Some(c) = &mut self.charged else {
            return Ok(());
        };
        let mut taken: Vec<u64> = Vec::new();
        for page in off / PAGE_SIZE..end.div_ceil(PAGE_SIZE) {
            if c.has(page) {
                continue;
            }
            if !c.charge(page) {
                for p in taken {
                    let (w, b) = ((p / 64) as usize, p % 64);
                    c.bits[w] &= !(1u64 << b);
                    c.quota.give(1);
                }
                return Err(Errno::ENOSPC);
            }
            taken.push(page);
        }
        Ok(())
    }

    /// Calls `f(file_off, mf_off, len)` for each contiguous piece of
    /// `[off, off+len)`, allocating chunks when `alloc`; a missing chunk
    /// without `alloc` is reported with mf_off None.
    fn pieces(
        &mut self,
        off: u64,
        len: u64,
        alloc: bool,
        mut f: impl FnMut(u64, Option<u64>, u64),
    ) -> Result<(), Errno> {
        let end = off.checked_add(len).ok_or(Errno::EFBIG)?;
        let mut at = off;
        while at < end {
            let (i, base, clen) = chunk_of(at);
            let n = (base + clen).min(end) - at;
            if self.chunks.len() <= i {
                self.chunks.resize(i + 1, None);
            }
            if self.chunks[i].is_none() && alloc {
                self.chunks[i] = Some(self.mf.allocate(clen)?);
            }
            let mo = self.chunks[i].map(|c| c + (at - base));
            f(at, mo, n);
            at += n;
        }
        Ok(())
    }

    /// Reads from `off` into host iovecs; returns bytes read.
    pub fn read(&mut self, off: u64, iov: &[libc::iovec]) -> usize {
        if off >= self.size {
            return 0;
        }
        let want: u64 = iov.iter().map(|v| v.iov_len as u64).sum();
        let len = want.min(self.size - off);
        let mf = self.mf.clone();
        let mut cursor = IovCursor::new(iov);
        let _ = self.pieces(off, len, false, |_, mo, n| match mo {
            Some(mo) => cursor.copy_out_of(mf.ptr(mo, n), n as usize),
            None => cursor.zero(n as usize),
        });
        len as usize
    }

    /// Writes host iovecs at `off`; returns bytes written.
    pub fn write(&mut self, off: u64, iov: &[libc::iovec]) -> Result<usize, Errno> {
        let len: u64 = iov.iter().map(|v| v.iov_len as u64).sum();
        if len == 0 {
            return Ok(0);
        }
        let end = off.checked_add(len).ok_or(Errno::EFBIG)?;
        if end > MAX_FILE_SIZE {
            return Err(Errno::EFBIG);
        }
        // A full filesystem takes what fits, page by page, then ENOSPC.
        let len = self.charge(off, len);
        if len == 0 {
            return Err(Errno::ENOSPC);
        }
        let end = off + len;
        let mf = self.mf.clone();
        let mut cursor = IovCursor::new(iov);
        self.pieces(off, len, true, |_, mo, n| {
            if let Some(mo) = mo {
                cursor.copy_into(mf.ptr(mo, n), n as usize);
            }
        })?;
        self.size = self.size.max(end);
        Ok(len as usize)
    }

    /// Writes a sentry buffer at `off`.
    pub fn write_bytes(&mut self, off: u64, buf: &[u8]) -> Result<usize, Errno> {
        let iov = [libc::iovec {
            iov_base: buf.as_ptr() as *mut libc::c_void,
            iov_len: buf.len(),
        }];
        self.write(off, &iov)
    }

    /// Sets the size; bytes past a shrunk end read as zero if it regrows.
    pub fn truncate(&mut self, size: u64) -> Result<(), Errno> {
        if size > MAX_FILE_SIZE {
            return Err(Errno::EFBIG);
        }
        if size < self.size {
            let mf = self.mf.clone();
            // Zero from the new end to the old one (whole pages are
            // punched, the partial first page cleared).
            let old = self.size;
            let _ = self.pieces(size, old - size, false, |_, mo, n| {
                if let Some(mo) = mo {
                    let p = mo.next_multiple_of(PAGE_SIZE);
                    let head = (p - mo).min(n);
                    if head > 0 {
                        // SAFETY: [mo, mo+head) lies in an allocated chunk.
                        unsafe { std::ptr::write_bytes(mf.ptr(mo, head), 0, head as usize) };
                    }
                    if n > head {
                        mf.punch(p, n - head);
                    }
                }
            });
        }
        // Not shrinking keeps pages allocated past the end (fallocate's
        // KEEP_SIZE), as Linux does.
        if size <= self.size {
            if let Some(c) = &mut self.charged {
                c.release_from(size.div_ceil(PAGE_SIZE));
            }
        }
        self.size = size;
        Ok(())
    }

    /// Memory-file ranges of `[off, off+len)`, allocated.
    pub fn pages(&mut self, off: u64, len: u64) -> Result<Vec<(u64, u64)>, Errno> {
        let mut out: Vec<(u64, u64)> = Vec::new();
        self.pieces(off, len, true, |_, mo, n| {
            if let Some(mo) = mo {
                match out.last_mut() {
                    Some((o, l)) if *o + *l == mo => *l += n,
                    _ => out.push((mo, n)),
                }
            }
        })?;
        Ok(out)
    }

    /// 512-byte blocks in use (allocated chunks, as tmpfs would count pages
    /// up to the size).
    pub fn blocks(&self) -> i64 {
        (self.size.div_ceil(PAGE_SIZE) * (PAGE_SIZE / 512)) as i64
    }
}

impl Drop for MemData {
    fn drop(&mut self) {
        if let Some(c) = &mut self.charged {
            c.release_from(0);
        }
        let mut base = 0u64;
        let mut len = FIRST_CHUNK;
        for &c in &self.chunks {
            if let Some(c) = c {
                self.mf.free(c, len);
            }
            base += len;
            len = (len * 2).min(MAX_CHUNK);
        }
        let _ = base;
    }
}

/// Walks host iovecs while copying.
struct IovCursor<'a> {
    iov: &'a [libc::iovec],
    idx: usize,
    pos: usize,
}

impl<'a> IovCursor<'a> {
    fn new(iov: &'a [libc::iovec]) -> Self {
        IovCursor {
            iov,
            idx: 0,
            pos: 0,
        }
    }

    /// Visits the next `n` bytes of the iovecs as (pointer, len) pieces.
    fn each(&mut self, mut n: usize, mut f: impl FnMut(*mut u8, usize, usize)) {
        let mut done = 0;
        while n > 0 && self.idx < self.iov.len() {
            let v = &self.iov[self.idx];
            let k = (v.iov_len - self.pos).min(n);
            // SAFETY: pos + k <= iov_len, inside the iovec's range.
            let p = unsafe { v.iov_base.cast::<u8>().add(self.pos) };
            f(p, k, done);
            done += k;
            n -= k;
            self.pos += k;
            if self.pos == v.iov_len {
                self.idx += 1;
                self.pos = 0;
            }
        }
    }

    fn copy_out_of(&mut self, src: *const u8, n: usize) {
        self.each(n, |p, k, done| {
            // SAFETY: src..src+n is an allocated memory-file range; p..p+k
            // is inside an iovec over memory the caller validated. They may
            // be the same memory file but the caller never reads a range
            // into itself.
            unsafe { std::ptr::copy(src.add(done), p, k) }
        });
    }

    fn copy_into(&mut self, dst: *mut u8, n: usize) {
        self.each(n, |p, k, done| {
            // SAFETY: as in copy_out_of, with the direction reversed.
            unsafe { std::ptr::copy(p, dst.add(done), k) }
        });
    }

    fn zero(&mut self, n: usize) {
        self.each(n, |p, k, _| {
            // SAFETY: p..p+k is inside an iovec over writable memory.
            unsafe { std::ptr::write_bytes(p, 0, k) }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_arithmetic() {
        assert_eq!(chunk_of(0), (0, 0, FIRST_CHUNK));
        assert_eq!(chunk_of(FIRST_CHUNK - 1), (0, 0, FIRST_CHUNK));
        assert_eq!(chunk_of(FIRST_CHUNK), (1, FIRST_CHUNK, 2 * FIRST_CHUNK));
        assert_eq!(
            chunk_of(3 * FIRST_CHUNK),
            (2, 3 * FIRST_CHUNK, 4 * FIRST_CHUNK)
        );
        let (_, base, len) = chunk_of(1 << 30);
        assert!(base <= 1 << 30 && (1 << 30) < base + len && len == MAX_CHUNK);
    }

    #[test]
    fn write_read_truncate() {
        let mf = Arc::new(MemoryFile::new().expect("memory file"));
        let mut d = MemData::new(mf, None);
        let buf: Vec<u8> = (0..200_000u32).map(|i| i as u8).collect();
        assert_eq!(d.write_bytes(100, &buf), Ok(buf.len()));
        let mut out = vec![0u8; buf.len() + 100];
        let iov = [libc::iovec {
            iov_base: out.as_mut_ptr().cast(),
            iov_len: out.len(),
        }];
        assert_eq!(d.read(0, &iov), buf.len() + 100);
        assert_eq!(&out[..100], &[0u8; 100][..]);
        assert_eq!(&out[100..], &buf[..]);
        d.truncate(150).expect("shrink");
        d.truncate(10_000).expect("grow");
        let mut out = vec![1u8; 10_000];
        let iov = [libc::iovec {
            iov_base: out.as_mut_ptr().cast(),
            iov_len: out.len(),
        }];
        assert_eq!(d.read(0, &iov), 10_000);
        assert_eq!(&out[100..150], &buf[..50]);
        assert!(out[150..].iter().all(|&b| b == 0));
    }
}
