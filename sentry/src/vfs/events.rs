//! The sandbox-wide file-event notifier: anything that can make a file
//! readable or writable (a pipe write or close, an eventfd write, a timer,
//! a signal) bumps one sequence number and wakes every waiter; poll,
//! select and epoll sleep on it and re-check the files they watch.
//!
//! One notifier for everything wakes more waiters than needed, but it is
//! simple and has no lost wakeups: a waiter reads the sequence number
//! before it checks its files and sleeps only if it is unchanged.

use super::dentry::lock;
use std::sync::{Condvar, Mutex};
use std::time::Duration;

static SEQ: Mutex<u64> = Mutex::new(0);
static CV: Condvar = Condvar::new();

/// The current event sequence number.
pub fn seq() -> u64 {
    *lock(&SEQ)
}

/// Records an event and wakes all waiters.
pub fn bump() {
    *lock(&SEQ) += 1;
    CV.notify_all();
}

/// Sleeps until the sequence number moves past `seen` or `timeout` passes.
pub fn wait_change(seen: u64, timeout: Duration) {
    let g = lock(&SEQ);
    if *g != seen {
        return;
    }
    let _ = CV.wait_timeout(g, timeout);
}
