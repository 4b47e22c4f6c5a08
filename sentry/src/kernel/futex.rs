//! Futexes: wait queues keyed by (address space, address) for private
//! futexes and by the word's memory-file offset for shared ones.
//!
//! The word is read and changed with host atomics through the sentry's
//! mapping of the memory file, and a waiter is queued under the table
//! lock before it re-checks the word, so a wake that follows a change of
//! the word always finds it.
//!
//! # Lock order
//! The table lock is a leaf, taken after the address space's lock has
//! been released (the word's address is translated first).

use crate::abi::Errno;
use crate::vfs::dentry::lock;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// A futex's identity.
pub type Key = (usize, u64);

#[derive(Debug)]
struct Waiter {
    bitset: u32,
    woken: Mutex<bool>,
    cv: Condvar,
}

/// All futex wait queues of the sandbox.
#[derive(Debug, Default)]
pub struct Futexes {
    queues: Mutex<HashMap<Key, Vec<Arc<Waiter>>>>,
}

/// Why a wait ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitEnd {
    /// Woken by FUTEX_WAKE (or requeued and woken).
    Woken,
    /// The word did not hold the expected value.
    Again,
    /// The timeout passed.
    TimedOut,
    /// A signal is pending.
    Interrupted,
}

impl Futexes {
    /// Waits on `key` while the word at `word` equals `val`.
    pub fn wait(
        &self,
        key: Key,
        word: &AtomicU32,
        val: u32,
        bitset: u32,
        deadline: Option<Instant>,
        interrupted: &dyn Fn() -> bool,
    ) -> WaitEnd {
        let w = Arc::new(Waiter {
            bitset,
            woken: Mutex::new(false),
            cv: Condvar::new(),
        });
        {
            let mut q = lock(&self.queues);
            if word.load(Ordering::SeqCst) != val {
                return WaitEnd::Again;
            }
            q.entry(key).or_default().push(w.clone());
        }
        let end = loop {
            let mut woken = lock(&w.woken);
            if *woken {
                break WaitEnd::Woken;
            }
            if interrupted() {
                break WaitEnd::Interrupted;
            }
            let now = Instant::now();
            let slice = match deadline {
                Some(d) if d <= now => break WaitEnd::TimedOut,
                Some(d) => (d - now).min(Duration::from_millis(50)),
                None => Duration::from_millis(50),
            };
            woken =
                w.cv.wait_timeout(woken, slice)
                    .map(|(g, _)| g)
                    .unwrap_or_else(|e| e.into_inner().0);
            if *woken {
                break WaitEnd::Woken;
            }
        };
        if end != WaitEnd::Woken {
            // Leave the queue (a wake may have raced in: then we were woken).
            let mut q = lock(&self.queues);
            let mut found = false;
            for list in q.values_mut() {
                if let Some(i) = list.iter().position(|x| Arc::ptr_eq(x, &w)) {
                    list.remove(i);
                    found = true;
                    break;
                }
            }
            if !found && *lock(&w.woken) {
                return WaitEnd::Woken;
            }
        }
        end
    }

    /// Wakes up to `n` waiters of `key` whose bitset meets `bitset`.
    pub fn wake(&self, key: Key, n: u32, bitset: u32) -> u32 {
        let mut q = lock(&self.queues);
        let Some(list) = q.get_mut(&key) else {
            return 0;
        };
        let mut done = 0;
        let mut i = 0;
        while i < list.len() && done < n {
            if list[i].bitset & bitset != 0 {
                let w = list.remove(i);
                *lock(&w.woken) = true;
                w.cv.notify_all();
                done += 1;
            } else {
                i += 1;
            }
        }
        if list.is_empty() {
            q.remove(&key);
        }
        done
    }

    /// Wakes up to `n_wake` waiters of `from` and moves up to `n_requeue`
    /// more to `to`; returns how many were woken plus moved.
    pub fn requeue(&self, from: Key, to: Key, n_wake: u32, n_requeue: u32) -> u32 {
        let woken = self.wake(from, n_wake, u32::MAX);
        let mut q = lock(&self.queues);
        let Some(list) = q.get_mut(&from) else {
            return woken;
        };
        let k = (n_requeue as usize).min(list.len());
        let moved: Vec<Arc<Waiter>> = list.drain(..k).collect();
        if list.is_empty() {
            q.remove(&from);
        }
        let m = moved.len() as u32;
        q.entry(to).or_default().extend(moved);
        woken + m
    }
}

/// The futex word at guest address `addr` as a host atomic (EFAULT if
/// unmapped or not writable; EINVAL if misaligned).
pub fn word(
    mm: &crate::mm::MemoryManager,
    addr: u64,
    write: bool,
) -> Result<&'static AtomicU32, Errno> {
    if !addr.is_multiple_of(4) {
        return Err(Errno::EINVAL);
    }
    let iov = mm.io_vecs(addr, 4, write)?;
    let v = iov.first().ok_or(Errno::EFAULT)?;
    if v.iov_len < 4 {
        return Err(Errno::EFAULT);
    }
    // SAFETY: the pointer is into the memory file's mapping (or, read-only,
    // the sentry's vDSO text), both of which live as long as the sentry; it
    // is 4-byte aligned (guest addresses and memory
    // file offsets agree modulo the page size), and guest memory is only
    // ever accessed atomically or by plain copies that tolerate races.
    Ok(unsafe { AtomicU32::from_ptr(v.iov_base.cast::<u32>()) })
}
