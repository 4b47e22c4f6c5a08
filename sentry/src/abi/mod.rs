//! Linux structures and constants as the guest sees them (x86_64), byte-exact.
//!
//! Handlers name every guest-visible value from here or from
//! `syscall_tables`; no bare numbers in syscall code.

pub mod caps;
pub mod elf;
pub mod errno;
pub mod file;
pub mod ipc;
pub mod misc;
pub mod mm;
pub mod proc;
pub mod signal;
pub mod time;

pub use errno::{Errno, SysError, SysResult};

/// Size of a guest page.
pub const PAGE_SIZE: u64 = 4096;

/// Rounds `v` down to a page boundary.
#[inline]
pub const fn page_down(v: u64) -> u64 {
    v & !(PAGE_SIZE - 1)
}

/// Rounds `v` up to a page boundary; `None` on overflow.
#[inline]
pub const fn page_up(v: u64) -> Option<u64> {
    match v.checked_add(PAGE_SIZE - 1) {
        Some(x) => Some(x & !(PAGE_SIZE - 1)),
        None => None,
    }
}

/// Marker for plain-old-data ABI structs that may be copied to and from
/// guest memory as raw bytes.
///
/// # Safety
/// Implementors must be `repr(C)` with no padding and valid for every bit
/// pattern.
pub unsafe trait Pod: Copy + Default + 'static {
    /// The struct's bytes.
    fn as_bytes(&self) -> &[u8] {
        // SAFETY: Pod types have no padding, so every byte is initialized.
        unsafe {
            std::slice::from_raw_parts((self as *const Self).cast(), std::mem::size_of::<Self>())
        }
    }
    /// The struct's bytes, for writing.
    fn as_bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: any bit pattern is valid for Pod types.
        unsafe {
            std::slice::from_raw_parts_mut((self as *mut Self).cast(), std::mem::size_of::<Self>())
        }
    }
}

macro_rules! pod {
    ($($t:ty),*) => {
        // SAFETY: primitive integers have no padding and accept any bits.
        $(unsafe impl Pod for $t {})*
    };
}
pod!(u8, u16, u32, u64, i32, i64);
// SAFETY: arrays of Pod are Pod.
unsafe impl<T: Pod, const N: usize> Pod for [T; N] where [T; N]: Default {}
