//! Malformed and random requests: the server never panics, never touches
//! anything outside its root, and a fresh connection works afterwards.

mod common;

use std::fs;
use std::os::fd::{AsRawFd, OwnedFd};

use common::{Harness, TempDir};
use gofer::proto::{Request, MAX_MESSAGE};
use gofer::SetAttr;

/// xorshift64*: deterministic, dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn bytes(&mut self, max: u64) -> Vec<u8> {
        let n = self.below(max + 1);
        (0..n).map(|_| self.next() as u8).collect()
    }

    fn name(&mut self) -> Vec<u8> {
        const NAMES: &[&[u8]] = &[
            b"a", b"b", b"..", b".", b"", b"a/b", b"/", b"x\0", b"dir", b"f", b"link",
        ];
        NAMES[self.below(NAMES.len() as u64) as usize].to_vec()
    }
}

fn send(fd: &OwnedFd, data: &[u8]) -> bool {
    // SAFETY: `data` is readable for its length; `fd` is a live socket.
    let n = unsafe {
        libc::send(
            fd.as_raw_fd(),
            data.as_ptr().cast(),
            data.len(),
            libc::MSG_NOSIGNAL,
        )
    };
    n == data.len() as isize
}

/// Wait for a reply; false once the server closed the connection.
fn recv(fd: &OwnedFd, buf: &mut [u8]) -> bool {
    let mut pfd = libc::pollfd {
        fd: fd.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd.
    let r = unsafe { libc::poll(&mut pfd, 1, 10_000) };
    assert_eq!(r, 1, "server neither replied nor closed within 10s");
    // SAFETY: `buf` is writable for its length; `fd` is a live socket.
    let n = unsafe { libc::recv(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
    n > 0
}

/// A structurally valid request with random fields (ids small, so some name
/// real nodes).
fn random_request(rng: &mut Rng) -> Vec<u8> {
    let id = rng.below(5);
    let n1 = rng.name();
    let n2 = rng.name();
    let flags = rng.next() as i32;
    let req = match rng.below(21) {
        0 => Request::Attach,
        1 => Request::Walk { dir: id, name: &n1 },
        2 => Request::WalkMany {
            dir: id,
            names: vec![&n1, &n2],
        },
        3 => Request::Stat { node: id },
        4 => Request::Open { node: id, flags },
        5 => Request::Create {
            dir: id,
            name: &n1,
            flags,
            mode: rng.next() as u32,
            uid: 0,
            gid: 0,
        },
        6 => Request::Mkdir {
            dir: id,
            name: &n1,
            mode: 0o755,
            uid: 0,
            gid: 0,
        },
        7 => Request::Mknod {
            dir: id,
            name: &n1,
            mode: rng.next() as u32,
            rdev: rng.next(),
            uid: 0,
            gid: 0,
        },
        8 => Request::Symlink {
            dir: id,
            name: &n1,
            target: b"../../../../etc",
            uid: 0,
            gid: 0,
        },
        9 => Request::Link {
            dir: id,
            name: &n1,
            target: rng.below(5),
        },
        10 => Request::Unlink {
            dir: id,
            name: &n1,
            flags: flags & libc::AT_REMOVEDIR,
        },
        11 => Request::Rename {
            olddir: id,
            oldname: &n1,
            newdir: rng.below(5),
            newname: &n2,
            flags: rng.below(8) as u32,
        },
        12 => Request::Readlink { node: id },
        13 => Request::Getdents {
            dir: id,
            cookie: rng.next(),
        },
        14 => Request::SetAttr {
            node: id,
            attr: SetAttr {
                mask: rng.next() as u32,
                mode: 0o755,
                uid: rng.below(3) as u32,
                gid: rng.below(3) as u32,
                size: rng.below(100),
                atime: (rng.below(1 << 40) as i64, rng.next() as i64),
                mtime: (0, -1),
            },
        },
        15 => Request::Statfs { node: id },
        16 => Request::GetXattr {
            node: id,
            name: b"user.x",
            size: rng.next(),
        },
        17 => Request::SetXattr {
            node: id,
            name: &n1,
            value: &n2,
            flags,
        },
        18 => Request::ListXattr {
            node: id,
            size: rng.below(4),
        },
        19 => Request::RemoveXattr {
            node: id,
            name: &n1,
        },
        _ => Request::Close {
            nodes: vec![rng.below(5)],
        },
    };
    req.encode()
}

fn mutate(rng: &mut Rng, mut pkt: Vec<u8>) -> Vec<u8> {
    match rng.below(6) {
        0 => pkt,
        1 => {
            let cut = rng.below(pkt.len() as u64) as usize;
            pkt.truncate(cut);
            pkt
        }
        2 => {
            if !pkt.is_empty() {
                let i = rng.below(pkt.len() as u64) as usize;
                pkt[i] ^= 1 << rng.below(8);
            }
            pkt
        }
        3 => {
            pkt.extend(rng.bytes(16));
            pkt
        }
        4 => {
            // A length or count field blown up.
            if pkt.len() >= 16 {
                let i = 4 + rng.below(pkt.len() as u64 - 8) as usize;
                pkt[i..i + 4].copy_from_slice(&u32::MAX.to_le_bytes());
            }
            pkt
        }
        _ => rng.bytes(64),
    }
}

#[test]
fn test_random_packets_never_panic_or_escape() {
    let outer = TempDir::new("fuzz");
    let served = outer.path().join("served");
    fs::create_dir(&served).unwrap();
    fs::create_dir(served.join("dir")).unwrap();
    fs::write(served.join("f"), b"f").unwrap();
    fs::write(outer.path().join("sentinel"), b"untouched").unwrap();

    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut buf = vec![0u8; MAX_MESSAGE];
    let mut replies = 0;
    let mut closes = 0;
    for _ in 0..1500 {
        let (a, b) = gofer::seqpacket_pair().unwrap();
        let root = common::open_path(&served);
        let server = std::thread::spawn(move || gofer::serve(root, b, false));
        // Start with a real root node most of the time.
        if rng.below(4) != 0 {
            assert!(send(&a, &Request::Attach.encode()));
            assert!(recv(&a, &mut buf));
        }
        for _ in 0..8 {
            let req = random_request(&mut rng);
            let pkt = mutate(&mut rng, req);
            if !send(&a, &pkt) || !recv(&a, &mut buf) {
                closes += 1;
                break;
            }
            replies += 1;
        }
        drop(a);
        let result = server.join().expect("server panicked");
        assert!(result.is_ok(), "serve failed: {result:?}");
    }
    assert!(
        replies > 100 && closes > 50,
        "replies {replies}, closes {closes}"
    );

    let mut outside: Vec<_> = fs::read_dir(outer.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    outside.sort();
    assert_eq!(outside, ["sentinel", "served"]);
    assert_eq!(
        fs::read(outer.path().join("sentinel")).unwrap(),
        b"untouched"
    );

    // A fresh connection still works.
    let h = Harness::start(&served, false);
    let (root, _) = h.client.attach().unwrap();
    assert!(h.client.walk(root, b"dir").is_ok());
    h.finish().unwrap();
}

#[test]
fn test_oversized_and_empty_packets_close_connection() {
    let dir = TempDir::new("oversize");
    for pkt in [vec![], vec![0u8; MAX_MESSAGE + 1], vec![0xff; 3]] {
        let (a, b) = gofer::seqpacket_pair().unwrap();
        let root = common::open_path(dir.path());
        let server = std::thread::spawn(move || gofer::serve(root, b, false));
        assert!(send(&a, &pkt));
        let mut buf = vec![0u8; 16];
        assert!(
            !recv(&a, &mut buf),
            "expected close for a {}-byte packet",
            pkt.len()
        );
        drop(a);
        server.join().unwrap().unwrap();
    }
}

#[test]
fn test_client_rejects_malformed_replies() {
    // A fake server that answers with garbage: the client returns EIO.
    let (a, b) = gofer::seqpacket_pair().unwrap();
    let fake = std::thread::spawn(move || {
        let mut buf = vec![0u8; MAX_MESSAGE];
        let replies: [&[u8]; 5] = [
            &[1, 2],                                  // truncated status
            &0i32.to_le_bytes(),                      // ok with a missing node
            &(-5i32).to_le_bytes(),                   // negative errno
            &[0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9], // ok with a partial node
            &[0, 0, 0, 0],                            // open: ok without an fd
        ];
        for reply in replies {
            if !recv(&b, &mut buf) {
                return;
            }
            assert!(send(&b, reply));
        }
    });
    let c = gofer::Client::new(a);
    assert_eq!(c.attach(), Err(libc::EIO));
    assert_eq!(c.walk(1, b"x"), Err(libc::EIO));
    assert_eq!(c.stat(1), Err(libc::EIO));
    assert_eq!(c.attach(), Err(libc::EIO));
    assert_eq!(c.open(1, libc::O_RDONLY).err(), Some(libc::EIO));
    fake.join().unwrap();
}
