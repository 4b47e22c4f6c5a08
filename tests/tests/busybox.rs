//! busybox-static (`/bin/busybox`, Debian package busybox-static) runs the
//! same natively and under `runsc do`.

use std::path::Path;
use tests::{compare_binary, Input};

const BUSYBOX: &str = "/bin/busybox";

/// The busybox binary, which must exist and be static.
fn busybox() -> &'static Path {
    let path = Path::new(BUSYBOX);
    let bytes = std::fs::read(path).unwrap_or_else(|e| {
        panic!("{BUSYBOX}: {e}; install it with `apt-get install busybox-static`")
    });
    assert!(
        !has_interpreter(&bytes),
        "{BUSYBOX} is dynamically linked; install the static one with \
         `apt-get install busybox-static`"
    );
    path
}

/// Whether an ELF64 image has a PT_INTERP program header.
fn has_interpreter(elf: &[u8]) -> bool {
    const PT_INTERP: u32 = 3;
    let u16_at = |o: usize| elf.get(o..o + 2).map(|b| u16::from_le_bytes([b[0], b[1]]));
    let u32_at = |o: usize| {
        elf.get(o..o + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let u64_at = |o: usize| {
        elf.get(o..o + 8)
            .and_then(|b| b.try_into().ok())
            .map(u64::from_le_bytes)
    };
    let (Some(phoff), Some(phentsize), Some(phnum)) = (u64_at(0x20), u16_at(0x36), u16_at(0x38))
    else {
        return false;
    };
    (0..phnum as usize).any(|i| u32_at(phoff as usize + i * phentsize as usize) == Some(PT_INTERP))
}

fn run(args: &[&str]) -> tests::Outcome {
    compare_binary(busybox(), args, Input::Null)
}

#[test]
fn test_busybox_echo_prints_arguments() {
    let out = run(&["echo", "hello", "world"]);
    assert_eq!(out.stdout_text(), "hello world\n");
    assert_eq!(out.status, 0);
}

#[test]
fn test_busybox_uname_prints_sysname() {
    let out = run(&["uname"]);
    assert_eq!(out.stdout_text(), "Linux\n");
}

#[test]
fn test_busybox_sh_arithmetic_and_exit_status() {
    let out = run(&["sh", "-c", "echo $((6*7)); exit 3"]);
    assert_eq!(out.stdout_text(), "42\n");
    assert_eq!(out.status, 3);
}

#[test]
fn test_busybox_true_exits_0() {
    assert_eq!(run(&["true"]).status, 0);
}

#[test]
fn test_busybox_false_exits_1() {
    assert_eq!(run(&["false"]).status, 1);
}

#[test]
fn test_has_interpreter_of_dynamic_true_is_true() {
    // The detector itself: /bin/true is a dynamic executable on Debian.
    let bytes = std::fs::read("/bin/true").expect("/bin/true");
    assert!(has_interpreter(&bytes));
}
