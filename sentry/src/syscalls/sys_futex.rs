//! futex: WAIT, WAKE, REQUEUE, CMP_REQUEUE, WAKE_OP, WAIT_BITSET,
//! WAKE_BITSET, with timeouts (relative for WAIT, absolute for
//! WAIT_BITSET on CLOCK_MONOTONIC or CLOCK_REALTIME).

use super::SyscallArgs;
use crate::abi::time::futex::*;
use crate::abi::time::futex_op::*;
use crate::abi::{Errno, SysError, SysResult};
use crate::kernel::futex::{word, Key, WaitEnd};
use crate::kernel::Task;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Futexes are keyed as Linux keys them: by address space and address,
/// except non-private operations on a shared mapping, which are keyed by
/// the memory-file offset of the word, so processes that map the same
/// pages (MAP_SHARED, POSIX semaphores) meet.
fn key_op(t: &Task, addr: u64, op: i32) -> Key {
    if op & FUTEX_PRIVATE_FLAG == 0 && t.mm.is_shared(addr) {
        if let Ok(iov) = t.mm.io_vecs(addr, 4, false) {
            if let Some(v) = iov.first() {
                let off = t.mm.memory_file().offset_of(v.iov_base.cast::<u8>());
                return (SHARED_KEY, off);
            }
        }
    }
    (Arc::as_ptr(&t.mm) as usize, addr)
}

/// The key space of shared futexes (no address space has this address).
const SHARED_KEY: usize = usize::MAX;

/// The deadline of a wait: `rel` timeouts count from now; absolute ones
/// (WAIT_BITSET) are on the monotonic or (FUTEX_CLOCK_REALTIME) real clock.
fn deadline(t: &Task, addr: u64, absolute: bool, realtime: bool) -> Result<Option<Instant>, Errno> {
    if addr == 0 {
        return Ok(None);
    }
    let ts: [i64; 2] = t.copy_in_obj(addr)?;
    if ts[0] < 0 || !(0..1_000_000_000).contains(&ts[1]) {
        return Err(Errno::EINVAL);
    }
    let d = Duration::new(ts[0] as u64, ts[1] as u32);
    if !absolute {
        return Ok(Some(Instant::now() + d));
    }
    let now = if realtime {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
    } else {
        let mut n = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: n is a valid out pointer.
        unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut n) };
        Duration::new(n.tv_sec as u64, n.tv_nsec as u32)
    };
    Ok(Some(Instant::now() + d.saturating_sub(now)))
}

fn wait(t: &mut Task, a: &SyscallArgs, bitset: u32, absolute: bool) -> SysResult {
    if bitset == 0 {
        return Err(Errno::EINVAL.into());
    }
    let (addr, op, val) = (a.addr(0), a.int(1), a.uint(2));
    let dl = deadline(t, a.addr(3), absolute, op & FUTEX_CLOCK_REALTIME != 0)?;
    let w = word(&t.mm, addr, false)?;
    let this: &Task = t;
    let interrupted = || this.signal_pending();
    match this
        .kernel
        .futexes
        .wait(key_op(this, addr, op), w, val, bitset, dl, &interrupted)
    {
        WaitEnd::Woken => Ok(0),
        WaitEnd::Again => Err(Errno::EAGAIN.into()),
        WaitEnd::TimedOut => Err(Errno::ETIMEDOUT.into()),
        // A wait with a timeout is never restarted by SA_RESTART
        // (Linux's restart block gives EINTR to a handler).
        WaitEnd::Interrupted if a.addr(3) != 0 => Err(SysError::RestartNoHand),
        WaitEnd::Interrupted => Err(SysError::RestartSys),
    }
}

/// FUTEX_WAKE_OP: applies the encoded operation to *uaddr2 and returns
/// whether the comparison on its old value holds.
fn wake_op_apply(t: &Task, addr2: u64, encoded: u32) -> Result<bool, Errno> {
    let op = (encoded >> 28) & 0x7;
    let shift = (encoded >> 28) & FUTEX_OP_OPARG_SHIFT != 0;
    let cmp = (encoded >> 24) & 0xf;
    let mut oparg = ((encoded << 8) as i32 >> 20) as u32;
    let cmparg = ((encoded << 20) as i32 >> 20) as u32;
    if shift {
        oparg = 1u32.checked_shl(oparg & 31).unwrap_or(0);
    }
    let w = word(&t.mm, addr2, true)?;
    let old = match op {
        FUTEX_OP_SET => w.swap(oparg, Ordering::SeqCst),
        FUTEX_OP_ADD => w.fetch_add(oparg, Ordering::SeqCst),
        FUTEX_OP_OR => w.fetch_or(oparg, Ordering::SeqCst),
        FUTEX_OP_ANDN => w.fetch_and(!oparg, Ordering::SeqCst),
        FUTEX_OP_XOR => w.fetch_xor(oparg, Ordering::SeqCst),
        _ => return Err(Errno::ENOSYS),
    };
    let (o, c) = (old as i32, cmparg as i32);
    Ok(match cmp {
        FUTEX_OP_CMP_EQ => o == c,
        FUTEX_OP_CMP_NE => o != c,
        FUTEX_OP_CMP_LT => o < c,
        FUTEX_OP_CMP_LE => o <= c,
        FUTEX_OP_CMP_GT => o > c,
        FUTEX_OP_CMP_GE => o >= c,
        _ => return Err(Errno::ENOSYS),
    })
}

pub(super) fn futex(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (addr, op, val) = (a.addr(0), a.int(1), a.uint(2));
    if !addr.is_multiple_of(4) {
        return Err(Errno::EINVAL.into());
    }
    let f = &t.kernel.futexes;
    let cmd = op & FUTEX_CMD_MASK;
    // FUTEX_CLOCK_REALTIME only means something to the waits.
    if op & FUTEX_CLOCK_REALTIME != 0 && cmd != FUTEX_WAIT_BITSET && cmd != FUTEX_WAIT {
        return Err(Errno::ENOSYS.into());
    }
    match cmd {
        FUTEX_WAIT => wait(t, a, FUTEX_BITSET_MATCH_ANY, false),
        FUTEX_WAIT_BITSET => wait(t, a, a.uint(5), true),
        FUTEX_WAKE => {
            word(&t.mm, addr, false)?;
            Ok(f.wake(key_op(t, addr, op), val, FUTEX_BITSET_MATCH_ANY) as u64)
        }
        FUTEX_WAKE_BITSET => {
            if a.uint(5) == 0 {
                return Err(Errno::EINVAL.into());
            }
            word(&t.mm, addr, false)?;
            Ok(f.wake(key_op(t, addr, op), val, a.uint(5)) as u64)
        }
        FUTEX_REQUEUE | FUTEX_CMP_REQUEUE => {
            let addr2 = a.addr(4);
            let w = word(&t.mm, addr, false)?;
            word(&t.mm, addr2, false)?;
            if op & FUTEX_CMD_MASK == FUTEX_CMP_REQUEUE && w.load(Ordering::SeqCst) != a.uint(5) {
                return Err(Errno::EAGAIN.into());
            }
            let (n_wake, n_requeue) = (val as i32, a.uint(3) as i32);
            if n_wake < 0 || n_requeue < 0 {
                return Err(Errno::EINVAL.into());
            }
            let n_requeue = n_requeue as u32;
            Ok(f.requeue(key_op(t, addr, op), key_op(t, addr2, op), val, n_requeue) as u64)
        }
        FUTEX_WAKE_OP => {
            let addr2 = a.addr(4);
            word(&t.mm, addr, false)?;
            let hit = wake_op_apply(t, addr2, a.uint(5))?;
            let mut n = f.wake(key_op(t, addr, op), val, FUTEX_BITSET_MATCH_ANY);
            if hit {
                n += f.wake(key_op(t, addr2, op), a.uint(3), FUTEX_BITSET_MATCH_ANY);
            }
            Ok(n as u64)
        }
        _ => Err(Errno::ENOSYS.into()),
    }
}

/// Thread exit with CLONE_CHILD_CLEARTID: clears the tid word and wakes
/// one waiter (pthread_join).
pub fn clear_child_tid(t: &Task) {
    let addr = t.clear_child_tid;
    if addr == 0 {
        return;
    }
    if t.mm.copy_out(addr, &0u32.to_le_bytes()).is_ok() {
        t.kernel
            .futexes
            .wake(key_op(t, addr, 0), 1, FUTEX_BITSET_MATCH_ANY);
    }
}

/// The owner-died bit robust futexes get when their owner exits.
const FUTEX_OWNER_DIED: u32 = 0x4000_0000;
/// The tid bits of a robust futex word.
const FUTEX_TID_MASK: u32 = 0x3fff_ffff;
/// Most robust-list entries walked (Linux's ROBUST_LIST_LIMIT).
const ROBUST_LIST_LIMIT: usize = 2048;

/// Thread exit: every robust futex the thread still holds gets the
/// owner-died bit and one waiter is woken (set_robust_list(2)).
pub fn release_robust_list(t: &Task) {
    let (head, len) = t.robust_list;
    if head == 0 || len == 0 {
        return;
    }
    // struct robust_list_head { next, futex_offset, list_op_pending }.
    let Ok(h) = t.copy_in_obj::<[u64; 3]>(head) else {
        return;
    };
    let offset = h[1] as i64;
    let mark = |entry: u64| {
        let addr = (entry as i64).wrapping_add(offset) as u64;
        let Ok(w) = word(&t.mm, addr, true) else {
            return;
        };
        let cur = w.load(Ordering::SeqCst);
        if cur & FUTEX_TID_MASK == t.tid as u32
            && w.compare_exchange(
                cur,
                (cur & !FUTEX_TID_MASK) | FUTEX_OWNER_DIED,
                Ordering::SeqCst,
                Ordering::SeqCst,
            )
            .is_ok()
        {
            t.kernel
                .futexes
                .wake(key_op(t, addr, 0), 1, FUTEX_BITSET_MATCH_ANY);
        }
    };
    let mut entry = h[0];
    let mut n = 0;
    while entry != head && entry != 0 && n < ROBUST_LIST_LIMIT {
        let next = t.copy_in_obj::<u64>(entry).unwrap_or(head);
        if entry != h[2] {
            mark(entry & !1);
        }
        entry = next;
        n += 1;
    }
    if h[2] != 0 {
        mark(h[2] & !1);
    }
}
