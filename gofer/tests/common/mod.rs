//! Shared test scaffolding: temp directories and a server thread.
#![allow(dead_code)]

use std::fs::OpenOptions;
use std::os::fd::OwnedFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::JoinHandle;

use gofer::Client;

/// A directory under the system temp dir, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let path = std::env::temp_dir().join(format!(
            "gofer-test-{tag}-{}-{}-{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir(&path).expect("create temp dir");
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// An `O_PATH` directory fd for `path`.
pub fn open_path(path: &Path) -> OwnedFd {
    OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_PATH | libc::O_DIRECTORY)
        .open(path)
        .expect("open root O_PATH")
        .into()
}

/// A client connected to a `serve` thread over `dir`.
pub struct Harness {
    pub client: Client,
    pub server: Option<JoinHandle<std::io::Result<()>>>,
}

impl Harness {
    pub fn start(dir: &Path, read_only: bool) -> Harness {
        let (a, b) = gofer::seqpacket_pair().expect("socketpair");
        let root = open_path(dir);
        let server = std::thread::spawn(move || gofer::serve(root, b, read_only));
        Harness {
            client: Client::new(a),
            server: Some(server),
        }
    }

    /// Close the client and wait for the server to return.
    pub fn finish(mut self) -> std::io::Result<()> {
        let server = self.server.take().expect("server");
        drop(self);
        server.join().expect("server thread panicked")
    }
}
