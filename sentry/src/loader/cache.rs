//! Segment images of executables, shared by every exec of the same file.
//!
//! The first exec of a program reads each loadable segment's file bytes
//! into an unlinked memory-backed file (the bytes past the segment's file
//! size zeroed, as Linux zeroes the rest of the last page); later execs
//! map those pages copy-on-write instead of reading and copying the file
//! again. An image is found by the file's identity and version (device,
//! inode, size, modification and change times: any write or utime moves
//! the change time) and the segment's offset and size. The cache keeps at
//! most [`MAX_BYTES`]; older images go first (mappings keep theirs).

use crate::abi::Errno;
use crate::fsimpl::memfs::MemFs;
use crate::vfs::dentry::lock;
use crate::vfs::file::MemPages;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

/// Most bytes of images kept.
pub const MAX_BYTES: u64 = 64 << 20;
/// Largest image made: a bigger segment or mapping is copied as before
/// (an image is read through a buffer of its size first).
pub const MAX_IMAGE: u64 = 32 << 20;

/// Whether the range of `filesz` bytes at file offset `off` can have an
/// image: it lies within the file (`size` bytes) and is not too big. The
/// offset and sizes come from the guest (an ELF header, mmap arguments).
pub fn cacheable(size: i64, off: u64, filesz: u64) -> bool {
    let lead = off % crate::abi::PAGE_SIZE;
    off.checked_add(filesz)
        .is_some_and(|end| end <= size.max(0) as u64)
        && lead.saturating_add(filesz) <= MAX_IMAGE
}

/// A file's identity and version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ImageKey {
    /// Device and inode.
    pub dev_ino: (u64, u64),
    /// Size.
    pub size: i64,
    /// Modification time (seconds, nanoseconds).
    pub mtime: (i64, i64),
    /// Change time (seconds, nanoseconds).
    pub ctime: (i64, i64),
}

/// One segment of one file version: its file offset and size.
type SegKey = (ImageKey, u64, u64);

#[derive(Default)]
struct State {
    map: HashMap<SegKey, (Arc<dyn MemPages>, u64)>,
    order: VecDeque<SegKey>,
    bytes: u64,
}

/// The cache.
pub struct ImageCache {
    fs: Arc<MemFs>,
    st: Mutex<State>,
}

impl std::fmt::Debug for ImageCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ImageCache({} bytes)", lock(&self.st).bytes)
    }
}

impl ImageCache {
    /// A cache whose images live in `fs` (an internal memory filesystem).
    pub fn new(fs: Arc<MemFs>) -> ImageCache {
        ImageCache {
            fs,
            st: Mutex::new(State::default()),
        }
    }

    /// The image of the segment at file offset `off` with `filesz` file
    /// bytes, starting at the page holding `off`; `read` fills a buffer
    /// with the file's bytes from that page's start when it is not cached.
    pub fn segment(
        &self,
        key: ImageKey,
        off: u64,
        filesz: u64,
        read: impl FnOnce(&mut [u8]) -> Result<(), Errno>,
    ) -> Result<Arc<dyn MemPages>, Errno> {
        let k = (key, off, filesz);
        if let Some((img, _)) = lock(&self.st).map.get(&k) {
            return Ok(img.clone());
        }
        if !cacheable(key.size, off, filesz) {
            return Err(Errno::ENOMEM);
        }
        let lead = off % crate::abi::PAGE_SIZE;
        let len = lead + filesz;
        let mut buf = vec![0u8; len as usize];
        read(&mut buf)?;
        let node = self
            .fs
            .anon_file(0o500, crate::vfs::Owner { uid: 0, gid: 0 });
        node.write_all(&buf);
        let img = node.pages();
        let bytes = crate::abi::page_up(len).unwrap_or(len);
        let mut st = lock(&self.st);
        if let Some((img, _)) = st.map.get(&k) {
            return Ok(img.clone());
        }
        st.map.insert(k, (img.clone(), bytes));
        st.order.push_back(k);
        st.bytes += bytes;
        while st.bytes > MAX_BYTES {
            let Some(old) = st.order.pop_front() else {
                break;
            };
            if let Some((_, b)) = st.map.remove(&old) {
                st.bytes -= b;
            }
        }
        Ok(img)
    }
}
