//! The fd table: guest fd -> open file description, with close-on-exec.

use super::FileDescription;
use crate::abi::Errno;
use std::sync::Arc;

/// One slot of the table.
#[derive(Clone, Debug)]
pub struct FdEntry {
    /// The open file.
    pub file: Arc<FileDescription>,
    /// Close on execve.
    pub cloexec: bool,
}

/// Guest fd -> open file.
#[derive(Clone, Debug, Default)]
pub struct FdTable {
    slots: Vec<Option<FdEntry>>,
}

/// The most fds a table may hold (Linux's fs.nr_open default).
pub const NR_OPEN: usize = 1 << 20;

impl FdTable {
    /// The file at `fd`, or EBADF.
    pub fn get(&self, fd: i32) -> Result<&Arc<FileDescription>, Errno> {
        self.entry(fd).map(|e| &e.file)
    }

    /// The slot at `fd`, or EBADF.
    pub fn entry(&self, fd: i32) -> Result<&FdEntry, Errno> {
        usize::try_from(fd)
            .ok()
            .and_then(|i| self.slots.get(i))
            .and_then(|s| s.as_ref())
            .ok_or(Errno::EBADF)
    }

    /// Sets or clears close-on-exec of `fd`.
    pub fn set_cloexec(&mut self, fd: i32, cloexec: bool) -> Result<(), Errno> {
        let slot = usize::try_from(fd)
            .ok()
            .and_then(|i| self.slots.get_mut(i))
            .and_then(|s| s.as_mut())
            .ok_or(Errno::EBADF)?;
        slot.cloexec = cloexec;
        Ok(())
    }

    /// Installs `file` at exactly `fd`, returning what was there.
    pub fn install_at(
        &mut self,
        fd: usize,
        file: Arc<FileDescription>,
        cloexec: bool,
    ) -> Option<FdEntry> {
        if self.slots.len() <= fd {
            self.slots.resize(fd + 1, None);
        }
        self.slots[fd].replace(FdEntry { file, cloexec })
    }

    /// Installs `file` at the lowest free fd >= `min` below `limit`
    /// (RLIMIT_NOFILE); EMFILE when there is none.
    pub fn install(
        &mut self,
        file: Arc<FileDescription>,
        cloexec: bool,
        min: usize,
        limit: u64,
    ) -> Result<i32, Errno> {
        let limit = (limit.min(NR_OPEN as u64)) as usize;
        let free = (min..limit).find(|&i| self.slots.get(i).is_none_or(|s| s.is_none()));
        let fd = free.ok_or(Errno::EMFILE)?;
        self.install_at(fd, file, cloexec);
        Ok(fd as i32)
    }

    /// Closes `fd`, returning its file.
    pub fn close(&mut self, fd: i32) -> Result<Arc<FileDescription>, Errno> {
        let slot = usize::try_from(fd)
            .ok()
            .and_then(|i| self.slots.get_mut(i))
            .ok_or(Errno::EBADF)?;
        slot.take().map(|e| e.file).ok_or(Errno::EBADF)
    }

    /// close_range: closes (or marks close-on-exec) fds in `[first, last]`.
    pub fn close_range(&mut self, first: u32, last: u32, cloexec: bool) {
        let end = (last as usize).saturating_add(1).min(self.slots.len());
        for slot in self.slots.iter_mut().take(end).skip(first as usize) {
            if cloexec {
                if let Some(e) = slot {
                    e.cloexec = true;
                }
            } else {
                *slot = None;
            }
        }
    }

    /// Closes every close-on-exec fd (execve).
    pub fn close_on_exec(&mut self) {
        for slot in &mut self.slots {
            if slot.as_ref().is_some_and(|e| e.cloexec) {
                *slot = None;
            }
        }
    }

    /// The open fds in order.
    pub fn fds(&self) -> impl Iterator<Item = (i32, &FdEntry)> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.as_ref().map(|e| (i as i32, e)))
    }
}

/// A task's fd table, shared by the threads (and CLONE_FILES children)
/// that share it.
#[derive(Clone, Debug, Default)]
pub struct Fds(std::sync::Arc<std::sync::Mutex<FdTable>>);

impl Fds {
    /// A table holding `t`.
    pub fn new(t: FdTable) -> Fds {
        Fds(std::sync::Arc::new(std::sync::Mutex::new(t)))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FdTable> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A private copy (fork without CLONE_FILES, unshare).
    pub fn fork_copy(&self) -> Fds {
        Fds::new(self.lock().clone())
    }

    /// The file at `fd`, or EBADF.
    pub fn get(&self, fd: i32) -> Result<Arc<FileDescription>, Errno> {
        self.lock().get(fd).cloned()
    }

    /// The slot at `fd`, or EBADF.
    pub fn entry(&self, fd: i32) -> Result<FdEntry, Errno> {
        self.lock().entry(fd).cloned()
    }

    /// Sets or clears close-on-exec of `fd`.
    pub fn set_cloexec(&self, fd: i32, cloexec: bool) -> Result<(), Errno> {
        self.lock().set_cloexec(fd, cloexec)
    }

    /// Installs `file` at exactly `fd`, returning what was there.
    pub fn install_at(
        &self,
        fd: usize,
        file: Arc<FileDescription>,
        cloexec: bool,
    ) -> Option<FdEntry> {
        self.lock().install_at(fd, file, cloexec)
    }

    /// Installs `file` at the lowest free fd >= `min` below `limit`.
    pub fn install(
        &self,
        file: Arc<FileDescription>,
        cloexec: bool,
        min: usize,
        limit: u64,
    ) -> Result<i32, Errno> {
        self.lock().install(file, cloexec, min, limit)
    }

    /// Closes `fd`, returning its file.
    pub fn close(&self, fd: i32) -> Result<Arc<FileDescription>, Errno> {
        self.lock().close(fd)
    }

    /// close_range.
    pub fn close_range(&self, first: u32, last: u32, cloexec: bool) {
        self.lock().close_range(first, last, cloexec)
    }

    /// Closes every close-on-exec fd (execve).
    pub fn close_on_exec(&self) {
        self.lock().close_on_exec()
    }

    /// The open fds in order.
    pub fn fds(&self) -> Vec<(i32, FdEntry)> {
        self.lock().fds().map(|(i, e)| (i, e.clone())).collect()
    }
}
