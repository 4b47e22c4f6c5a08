//! execve: resolving the program, shebang scripts, loading the ELF image
//! (with its interpreter) into a fresh address space, and the task state
//! that does not survive exec.

use super::task::Credentials;
use super::Task;
use crate::abi::file::{AT_FDCWD, O_RDONLY, S_ISGID, S_ISUID, S_IXGRP, TASK_COMM_LEN};
use crate::abi::Errno;
use crate::loader::{self, AuxIds, FileLabel, LoadError, ReadAt};
use crate::mm::MemoryManager;
use crate::vfs::perm::{self, MAY_EXEC};
use crate::vfs::{is_dir, is_regular, resolve, FileOps, VfsPath};
use std::sync::Arc;

/// Nested shebang interpreters allowed (Linux's BINPRM_MAX_RECURSION).
const MAX_SHEBANG_DEPTH: usize = 4;
/// Longest "#!" line Linux reads (BINPRM_BUF_SIZE).
const SHEBANG_MAX: usize = 256;

/// Why exec failed: an errno for the guest, with the loader's detail.
#[derive(Debug)]
pub struct ExecError {
    /// The errno execve returns.
    pub errno: Errno,
    /// What went wrong, for the boot error message.
    pub detail: String,
}

impl From<Errno> for ExecError {
    fn from(errno: Errno) -> Self {
        ExecError {
            errno,
            detail: errno.to_string(),
        }
    }
}

impl From<LoadError> for ExecError {
    fn from(e: LoadError) -> Self {
        ExecError {
            errno: e.errno(),
            detail: e.to_string(),
        }
    }
}

/// An executable opened for exec.
struct Exe {
    path: VfsPath,
    file: Box<dyn FileOps>,
    /// Its attributes when opened (the set-id bits, the image key).
    stat: crate::abi::file::Stat,
}

impl Task {
    /// Opens `path` for execution: it must be a regular file the task may
    /// execute.
    fn open_exec(&self, dirfd: i32, path: &[u8]) -> Result<Exe, Errno> {
        let p = resolve::lookup_at(self, dirfd, path, true)?;
        let st = p.inode().stat()?;
        if is_dir(st.mode) || !is_regular(st.mode) || p.mnt.noexec() {
            return Err(Errno::EACCES);
        }
        perm::check(&self.creds, false, st.mode, st.uid, st.gid, MAY_EXEC)?;
        let file = p.inode().open(self, O_RDONLY)?;
        Ok(Exe {
            path: p,
            file,
            stat: st,
        })
    }

    /// Replaces the task's program with `path` (execve semantics).
    pub fn exec(
        &mut self,
        path: &[u8],
        argv: Vec<Vec<u8>>,
        envp: Vec<Vec<u8>>,
    ) -> Result<(), ExecError> {
        let mut argv = argv;
        let mut exe = self.open_exec(AT_FDCWD, path)?;
        let mut exec_path = path.to_vec();
        for depth in 0.. {
            let mut head = [0u8; SHEBANG_MAX];
            let n = read_at(self, &*exe.file, 0, &mut head)?;
            if n < 2 || &head[..2] != b"#!" {
                break;
            }
            if depth >= MAX_SHEBANG_DEPTH {
                return Err(Errno::ELOOP.into());
            }
            let line = head[2..n].split(|&b| b == b'\n').next().unwrap_or_default();
            let line = trim(line);
            let (interp, arg) = match line.iter().position(|&b| b == b' ' || b == b'\t') {
                Some(i) => (&line[..i], Some(trim(&line[i..]))),
                None => (line, None),
            };
            if interp.is_empty() {
                return Err(Errno::ENOEXEC.into());
            }
            let mut new_argv = vec![interp.to_vec()];
            if let Some(a) = arg.filter(|a| !a.is_empty()) {
                new_argv.push(a.to_vec());
            }
            new_argv.push(exec_path.clone());
            new_argv.extend(argv.into_iter().skip(1));
            argv = new_argv;
            exec_path = interp.to_vec();
            exe = self.open_exec(AT_FDCWD, interp)?;
        }

        // Other threads end first (Linux's de-thread), the leader too when
        // another thread execs; that thread then takes over the leader's
        // tid (the process's pid).
        if self.kernel.procs.threads(self.tgid).len() > 1 {
            if self.tid != self.tgid {
                // Our stub thread lives in the leader's stub process, which
                // the leader cannot reap while it exists; the exec gives us
                // a new stub anyway.
                self.as_.end_thread();
            }
            self.kernel.procs.kill_other_threads(self.tgid, self.tid);
        }
        if self.tid != self.tgid {
            self.kernel.procs.become_leader(self.tgid, self.tid);
            self.kernel.views.withdraw(self.tid);
            self.tid = self.tgid;
        }
        let mut as_ = self
            .kernel
            .platform
            .new_address_space_named(&stub_name(&argv, &exec_path))
            .map_err(|_| Errno::ENOMEM)?;
        let mut mm = MemoryManager::new(self.kernel.mf.clone());
        let (creds, secure) = self.exec_creds(&exe);
        let ids = AuxIds {
            uid: creds.uid,
            euid: creds.euid,
            gid: creds.gid,
            egid: creds.egid,
            // Linux's secureexec: the ids changed or capabilities were
            // gained, so the loader and libc must not trust the
            // environment (LD_PRELOAD and the like).
            secure,
        };
        let loaded = {
            let this: &Task = self;
            let file = &exe.file;
            let read: &ReadAt<'_> = &|iov, off| file.read(this, iov, Some(off));
            let open_interp = |p: &[u8]| -> Result<(Box<ReadAt<'_>>, FileLabel), Errno> {
                let e = this.open_exec(AT_FDCWD, p)?;
                let label = this.label_of(&e);
                let f = e.file;
                Ok((
                    Box::new(move |iov: &[libc::iovec], off: u64| f.read(this, iov, Some(off))),
                    label,
                ))
            };
            let label = this.label_of(&exe);
            loader::load(
                &mut mm,
                &mut as_,
                read,
                &label,
                &open_interp,
                &argv,
                &envp,
                &exec_path,
                ids,
                &this.kernel.images,
            )?
        };
        // Past the point of no return: the old image is gone.
        self.as_ = as_;
        // The process now runs in the new stub: kill and `runsc ps` must
        // find that one.
        self.kernel
            .procs
            .set_stub(self.tgid, self.as_.host_pid(), self.as_.interrupter());
        self.creds = creds;
        self.mm = Arc::new(mm);
        self.ctx = platform::Context::new(&self.as_);
        self.ctx.regs_mut().reset_for_exec(loaded.entry, loaded.sp);
        self.fds.close_on_exec();
        self.exe_path = exe.path.name_from(&self.fs.root());
        self.comm = comm_of(&exec_path);
        self.signals.reset_for_exec();
        self.sync_sigchld_action();
        self.clear_child_tid = 0;
        self.robust_list = (0, 0);
        self.argv_env = Arc::new((argv, envp));
        self.kernel.timers.clear(self.tgid, true);
        self.kernel.procs.release_vfork(self.tgid);
        self.publish();
        Ok(())
    }
}

impl Task {
    /// The credentials the task runs `exe` with, and whether the exec is
    /// secure (AT_SECURE): a set-user-ID file makes its owner the
    /// effective uid, a set-group-ID file with group execute its group
    /// the effective gid, unless the task has no_new_privs or the file's
    /// mount is nosuid; the capability sets then change as Linux's
    /// execve changes them (`Credentials::exec_transition`), and the
    /// saved ids take the effective ones.
    fn exec_creds(&self, exe: &Exe) -> (Credentials, bool) {
        let mut c = self.creds.clone();
        if !self.no_new_privs && !exe.path.mnt.nosuid() {
            let st = &exe.stat;
            if st.mode & S_ISUID != 0 {
                c.euid = st.uid;
            }
            if st.mode & (S_ISGID | S_IXGRP) == S_ISGID | S_IXGRP {
                c.egid = st.gid;
            }
        }
        let secure = self.creds.exec_transition(&mut c, self.no_new_privs);
        (c, secure)
    }

    /// The maps label of an executable (and its image-cache key).
    fn label_of(&self, exe: &Exe) -> FileLabel {
        let s = &exe.stat;
        let dev_ino = (exe.path.mnt.dev, s.ino);
        FileLabel {
            path: exe.path.name_from(&self.fs.root()).into(),
            dev_ino,
            key: Some(loader::cache::ImageKey {
                dev_ino,
                size: s.size,
                mtime: (s.mtime, s.mtime_nsec),
                ctime: (s.ctime, s.ctime_nsec),
            }),
        }
    }
}

/// Reads up to `buf.len()` bytes at `off` from an open file.
fn read_at(t: &Task, f: &dyn FileOps, off: u64, buf: &mut [u8]) -> Result<usize, Errno> {
    let iov = [libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    }];
    f.read(t, &iov, Some(off))
}

fn trim(b: &[u8]) -> &[u8] {
    let s = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let e = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(s, |i| i + 1);
    &b[s..e.max(s)]
}

/// The host name of a stub running a program started with `argv` (as
/// `ps` on the host, and so `docker top`, shows it): argv[0]'s last
/// component, which names a busybox applet that the program file
/// (`/proc/self/exe`) would not; the program's path without one.
pub fn stub_name(argv: &[Vec<u8>], path: &[u8]) -> [u8; TASK_COMM_LEN] {
    match argv.first().filter(|a| !a.is_empty()) {
        Some(a0) => comm_of(a0),
        None => comm_of(path),
    }
}

/// The task name exec sets: the basename, truncated like Linux.
pub fn comm_of(path: &[u8]) -> [u8; TASK_COMM_LEN] {
    let mut comm = [0u8; TASK_COMM_LEN];
    let base = path.rsplit(|&b| b == b'/').next().unwrap_or_default();
    let n = base.len().min(TASK_COMM_LEN - 1);
    comm[..n].copy_from_slice(&base[..n]);
    comm
}
