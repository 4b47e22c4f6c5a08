//! Pipes: a bounded byte queue with reader and writer counts.
//!
//! Reads of an empty pipe with writers, and writes that do not fit, block
//! on the pipe's condition variable until another task changes the pipe
//! (or, for a non-blocking end, give EAGAIN). A waiting task also wakes
//! now and then to notice that it was killed (`interrupted`); signal
//! handlers and restart semantics come with step 3.

use crate::abi::file::{Stat, O_NONBLOCK, S_IFIFO};
use crate::abi::Errno;
use crate::kernel::Task;
use crate::vfs::dentry::lock;
use crate::vfs::file::{copy_to_iovecs, gather_iovecs};
use crate::vfs::FileOps;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

/// How often a blocked pipe operation looks for a kill.
const WAKE_CHECK: Duration = Duration::from_millis(50);

/// Writes up to this size are atomic.
pub const PIPE_BUF: usize = 4096;
/// Default capacity (16 pages, as Linux).
pub const DEFAULT_PIPE_SIZE: usize = 65536;
/// Largest capacity F_SETPIPE_SZ accepts (/proc/sys/fs/pipe-max-size).
pub const MAX_PIPE_SIZE: usize = 1 << 20;

static NEXT_INO: AtomicU64 = AtomicU64::new(1);

struct State {
    buf: VecDeque<u8>,
    readers: usize,
    writers: usize,
    cap: usize,
    /// Input events (writes, the last writer leaving) for edge-triggered
    /// epoll.
    events: u64,
    /// Ends ever opened, so a blocked FIFO open notices a peer that came
    /// and went while it slept.
    opened_readers: u64,
    opened_writers: u64,
}

/// One pipe.
pub struct Pipe {
    st: Mutex<State>,
    cv: Condvar,
    ino: u64,
    created: (i64, i64),
}

impl Pipe {
    /// A new pipe with no ends.
    pub fn new() -> Arc<Pipe> {
        Arc::new(Pipe {
            st: Mutex::new(State {
                buf: VecDeque::new(),
                readers: 0,
                writers: 0,
                cap: DEFAULT_PIPE_SIZE,
                events: 0,
                opened_readers: 0,
                opened_writers: 0,
            }),
            cv: Condvar::new(),
            ino: NEXT_INO.fetch_add(1, Ordering::Relaxed),
            created: crate::vfs::now(),
        })
    }

    /// Opens an end.
    pub fn open_end(self: &Arc<Self>, write: bool) -> PipeEnd {
        let mut st = lock(&self.st);
        if write {
            st.writers += 1;
            st.opened_writers += 1;
        } else {
            st.readers += 1;
            st.opened_readers += 1;
        }
        drop(st);
        self.cv.notify_all();
        crate::vfs::events::bump();
        PipeEnd {
            pipe: self.clone(),
            write,
        }
    }

    /// Bytes buffered.
    pub fn len(&self) -> usize {
        lock(&self.st).buf.len()
    }

    /// Whether nothing is buffered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Capacity.
    pub fn capacity(&self) -> usize {
        lock(&self.st).cap
    }

    /// F_SETPIPE_SZ: rounds up to a power of two of pages; EBUSY if the
    /// data would not fit.
    pub fn set_capacity(&self, want: u64) -> Result<usize, Errno> {
        if want > MAX_PIPE_SIZE as u64 {
            return Err(Errno::EPERM);
        }
        let size = (want as usize).max(4096).next_power_of_two();
        let mut st = lock(&self.st);
        if st.buf.len() > size {
            return Err(Errno::EBUSY);
        }
        st.cap = size;
        Ok(size)
    }

    /// Copies up to `n` buffered bytes without consuming them (tee).
    pub fn peek(&self, n: usize) -> Vec<u8> {
        let st = lock(&self.st);
        st.buf.iter().take(n).copied().collect()
    }

    fn wait<'a>(&self, g: MutexGuard<'a, State>) -> MutexGuard<'a, State> {
        self.cv
            .wait_timeout(g, WAKE_CHECK)
            .map(|(g, _)| g)
            .unwrap_or_else(|e| e.into_inner().0)
    }

    /// Takes up to `n` bytes, waiting while the pipe is empty and has
    /// writers (EAGAIN if `nonblock`, EINTR once `interrupted`).
    pub fn take(
        &self,
        n: usize,
        nonblock: bool,
        interrupted: &dyn Fn() -> bool,
    ) -> Result<Vec<u8>, Errno> {
        let mut st = lock(&self.st);
        while st.buf.is_empty() {
            if st.writers == 0 {
                return Ok(Vec::new());
            }
            if nonblock {
                return Err(Errno::EAGAIN);
            }
            if interrupted() {
                return Err(Errno::EINTR);
            }
            st = self.wait(st);
        }
        let k = n.min(st.buf.len());
        let out = st.buf.drain(..k).collect();
        drop(st);
        self.cv.notify_all();
        crate::vfs::events::bump();
        Ok(out)
    }

    /// Appends `data` with pipe(7) atomicity (writes up to PIPE_BUF go in
    /// whole), waiting for room unless `nonblock`; returns bytes written.
    pub fn put(
        &self,
        data: &[u8],
        nonblock: bool,
        interrupted: &dyn Fn() -> bool,
    ) -> Result<usize, Errno> {
        let mut done = 0;
        let mut st = lock(&self.st);
        loop {
            if st.readers == 0 {
                if done > 0 {
                    break;
                }
                return Err(Errno::EPIPE);
            }
            let rest = &data[done..];
            let room = st.cap - st.buf.len();
            let n = if rest.len() <= PIPE_BUF {
                if room < rest.len() {
                    0
                } else {
                    rest.len()
                }
            } else {
                room.min(rest.len())
            };
            st.buf.extend(&rest[..n]);
            if n > 0 {
                st.events += 1;
            }
            done += n;
            if n > 0 {
                self.cv.notify_all();
                crate::vfs::events::bump();
            }
            if done == data.len() {
                break;
            }
            if nonblock {
                if done > 0 {
                    break;
                }
                return Err(Errno::EAGAIN);
            }
            if interrupted() {
                if done > 0 {
                    break;
                }
                return Err(Errno::EINTR);
            }
            st = self.wait(st);
        }
        drop(st);
        self.cv.notify_all();
        crate::vfs::events::bump();
        Ok(done)
    }

    fn stat(&self) -> Stat {
        Stat {
            ino: self.ino,
            nlink: 1,
            mode: S_IFIFO | 0o600,
            blksize: PIPE_BUF as i64,
            atime: self.created.0,
            atime_nsec: self.created.1,
            mtime: self.created.0,
            mtime_nsec: self.created.1,
            ctime: self.created.0,
            ctime_nsec: self.created.1,
            ..Stat::default()
        }
    }
}

/// One end of a pipe.
pub struct PipeEnd {
    pipe: Arc<Pipe>,
    write: bool,
}

impl Drop for PipeEnd {
    fn drop(&mut self) {
        let mut st = lock(&self.pipe.st);
        if self.write {
            st.writers -= 1;
        } else {
            st.readers -= 1;
        }
        st.events += 1;
        drop(st);
        self.pipe.cv.notify_all();
        crate::vfs::events::bump();
    }
}

/// Whether the task was killed while it waits.
fn killed(t: &Task) -> impl Fn() -> bool + '_ {
    move || t.signal_pending()
}

impl FileOps for PipeEnd {
    fn read(&self, t: &Task, iov: &[libc::iovec], _off: Option<u64>) -> Result<usize, Errno> {
        self.read_stream(t, iov, 0)
    }
    fn write(&self, t: &Task, iov: &[libc::iovec], _off: Option<u64>) -> Result<usize, Errno> {
        self.write_stream(t, iov, 0)
    }
    fn read_stream(&self, t: &Task, iov: &[libc::iovec], flags: u32) -> Result<usize, Errno> {
        let want: usize = iov.iter().map(|v| v.iov_len).sum();
        let data = self.pipe.take(want, flags & O_NONBLOCK != 0, &killed(t))?;
        Ok(copy_to_iovecs(&data, 0, iov))
    }
    fn write_stream(&self, t: &Task, iov: &[libc::iovec], flags: u32) -> Result<usize, Errno> {
        let data = gather_iovecs(iov);
        self.pipe.put(&data, flags & O_NONBLOCK != 0, &killed(t))
    }
    fn seekable(&self) -> bool {
        false
    }
    fn stat(&self) -> Result<Stat, Errno> {
        Ok(self.pipe.stat())
    }
    fn readable(&self) -> Option<u64> {
        Some(self.pipe.len() as u64)
    }
    fn poll(&self, events: i16) -> crate::vfs::PollState {
        use crate::abi::file::poll::*;
        let st = lock(&self.pipe.st);
        let mut r = 0;
        if self.write {
            if st.readers == 0 {
                // A write would fail at once: writable, with an error.
                r |= POLLERR | (events & (POLLOUT | POLLWRNORM));
            } else if st.cap - st.buf.len() >= PIPE_BUF {
                r |= events & (POLLOUT | POLLWRNORM);
            }
        } else {
            if !st.buf.is_empty() {
                r |= events & (POLLIN | POLLRDNORM);
            }
            if st.writers == 0 {
                r |= POLLHUP;
            }
        }
        crate::vfs::PollState::Ready(r)
    }
    fn pipe(&self) -> Option<&Arc<Pipe>> {
        Some(&self.pipe)
    }
    fn event_gen(&self) -> Option<u64> {
        Some(lock(&self.pipe.st).events)
    }
    fn anon_name(&self) -> Option<String> {
        Some(format!("pipe:[{}]", self.pipe.ino))
    }
}

/// Opens a FIFO (fifo(7)): a non-blocking write-only open without a
/// reader is ENXIO; O_RDWR opens both ends; a blocking open waits until
/// the other end has been opened.
pub fn open_fifo(t: &Task, pipe: &Arc<Pipe>, flags: u32) -> Result<Box<dyn FileOps>, Errno> {
    use crate::abi::file::{O_ACCMODE, O_RDONLY, O_RDWR, O_WRONLY};
    let nonblock = flags & O_NONBLOCK != 0;
    let interrupted = killed(t);
    // Waits until an end of the other kind has been opened (now or since
    // `seen`, so a peer that came and went still counts).
    let wait_peer =
        |end: PipeEnd, want_writer: bool, seen: u64| -> Result<Box<dyn FileOps>, Errno> {
            let mut st = lock(&pipe.st);
            loop {
                let (present, opened) = if want_writer {
                    (st.writers, st.opened_writers)
                } else {
                    (st.readers, st.opened_readers)
                };
                if present > 0 || opened > seen {
                    return Ok(Box::new(end));
                }
                if interrupted() {
                    return Err(Errno::EINTR);
                }
                st = pipe.wait(st);
            }
        };
    let (readers, opened_r, opened_w) = {
        let st = lock(&pipe.st);
        (st.readers, st.opened_readers, st.opened_writers)
    };
    match flags & O_ACCMODE {
        O_RDONLY => {
            let end = pipe.open_end(false);
            if nonblock {
                return Ok(Box::new(end));
            }
            wait_peer(end, true, opened_w)
        }
        O_WRONLY => {
            if readers == 0 && nonblock {
                return Err(Errno::ENXIO);
            }
            let end = pipe.open_end(true);
            wait_peer(end, false, opened_r)
        }
        O_RDWR => Ok(Box::new(FifoBoth {
            r: pipe.open_end(false),
            w: pipe.open_end(true),
        })),
        _ => Err(Errno::EINVAL),
    }
}

/// A FIFO opened O_RDWR: both ends.
struct FifoBoth {
    r: PipeEnd,
    w: PipeEnd,
}

impl FileOps for FifoBoth {
    fn read(&self, t: &Task, iov: &[libc::iovec], off: Option<u64>) -> Result<usize, Errno> {
        self.r.read(t, iov, off)
    }
    fn write(&self, t: &Task, iov: &[libc::iovec], off: Option<u64>) -> Result<usize, Errno> {
        self.w.write(t, iov, off)
    }
    fn read_stream(&self, t: &Task, iov: &[libc::iovec], flags: u32) -> Result<usize, Errno> {
        self.r.read_stream(t, iov, flags)
    }
    fn write_stream(&self, t: &Task, iov: &[libc::iovec], flags: u32) -> Result<usize, Errno> {
        self.w.write_stream(t, iov, flags)
    }
    fn seekable(&self) -> bool {
        false
    }
    fn stat(&self) -> Result<Stat, Errno> {
        self.r.stat()
    }
    fn readable(&self) -> Option<u64> {
        self.r.readable()
    }
    fn pipe(&self) -> Option<&Arc<Pipe>> {
        self.r.pipe()
    }
    fn poll(&self, events: i16) -> crate::vfs::PollState {
        match (self.r.poll(events), self.w.poll(events)) {
            (crate::vfs::PollState::Ready(a), crate::vfs::PollState::Ready(b)) => {
                crate::vfs::PollState::Ready((a | b) & !crate::abi::file::poll::POLLHUP)
            }
            (x, _) => x,
        }
    }
}
