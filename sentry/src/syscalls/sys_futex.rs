//! futex for a single-threaded guest: with one task there is never a
//! waiter to wake, and a wait whose value matches could only end by
//! timeout. Waiter queues and cross-thread wakeups arrive with step 3.

use super::SyscallArgs;
use crate::abi::time::futex::*;
use crate::abi::{Errno, SysResult};
use crate::kernel::Task;

pub(super) fn futex(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (uaddr, op, val) = (a.addr(0), a.int(1), a.uint(2));
    if !uaddr.is_multiple_of(4) {
        return Err(Errno::EINVAL.into());
    }
    match op & FUTEX_CMD_MASK {
        FUTEX_WAKE | FUTEX_WAKE_BITSET => Ok(0),
        FUTEX_REQUEUE => Ok(0),
        FUTEX_CMP_REQUEUE | FUTEX_WAKE_OP => {
            let cur: u32 = t.copy_in_obj(uaddr)?;
            if op & FUTEX_CMD_MASK == FUTEX_CMP_REQUEUE && cur != a.uint(5) {
                return Err(Errno::EAGAIN.into());
            }
            Ok(0)
        }
        FUTEX_WAIT | FUTEX_WAIT_BITSET => {
            let cur: u32 = t.copy_in_obj(uaddr)?;
            if cur != val {
                return Err(Errno::EAGAIN.into());
            }
            // Nobody else can change the word: the wait ends only by its
            // timeout (or never, which a lone thread cannot recover from).
            if a.addr(3) == 0 {
                return Err(Errno::EDEADLK.into());
            }
            let ts: [i64; 2] = t.copy_in_obj(a.addr(3))?;
            if ts[0] < 0 || !(0..1_000_000_000).contains(&ts[1]) {
                return Err(Errno::EINVAL.into());
            }
            if op & FUTEX_CMD_MASK == FUTEX_WAIT {
                std::thread::sleep(std::time::Duration::new(ts[0] as u64, ts[1] as u32));
            }
            Err(Errno::ETIMEDOUT.into())
        }
        _ => Err(Errno::ENOSYS.into()),
    }
}
