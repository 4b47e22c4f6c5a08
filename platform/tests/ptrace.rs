//! End-to-end checks of the ptrace platform with hand-written guest code.
#![allow(clippy::undocumented_unsafe_blocks)]

use platform::{Context, Event, Platform};

const GUEST_CODE: u64 = 0x10000;
const PAGE: u64 = 4096;

/// Creates a memory file holding `code` at offset 0 and returns its fd.
fn memfd_with(code: &[u8]) -> i32 {
    unsafe {
        let fd = libc::memfd_create(c"test-mem".as_ptr(), libc::MFD_CLOEXEC);
        assert!(fd >= 0);
        assert_eq!(libc::ftruncate(fd, 4 * PAGE as i64), 0);
        assert_eq!(
            libc::pwrite(fd, code.as_ptr().cast(), code.len(), 0),
            code.len() as isize
        );
        fd
    }
}

#[test]
fn test_switch_syscall_stop_reports_number_and_args() {
    // mov eax, 39; mov edi, 7; syscall; mov edi, eax; mov eax, 60; syscall
    let code = [
        0xb8, 39, 0, 0, 0, 0xbf, 7, 0, 0, 0, 0x0f, 0x05, 0x89, 0xc7, 0xb8, 60, 0, 0, 0, 0x0f, 0x05,
    ];
    let fd = memfd_with(&code);
    let p = Platform::new(fd).unwrap();
    let mut as_ = p.new_address_space().unwrap();
    as_.map(GUEST_CODE, PAGE, libc::PROT_READ | libc::PROT_EXEC, 0)
        .unwrap();
    let mut ctx = Context::new(&as_);
    ctx.regs_mut().reset_for_exec(GUEST_CODE, 0);
    assert_eq!(ctx.switch(&mut as_).unwrap(), Event::Syscall);
    assert_eq!(ctx.regs().syscall_nr(), 39);
    assert_eq!(ctx.regs().syscall_args()[0], 7);
    ctx.regs_mut().set_syscall_return(1234);
    assert_eq!(ctx.switch(&mut as_).unwrap(), Event::Syscall);
    assert_eq!(ctx.regs().syscall_nr(), 60);
    assert_eq!(
        ctx.regs().syscall_args()[0],
        1234,
        "return value reached the guest"
    );
}

#[test]
fn test_switch_unmapped_access_reports_fault() {
    // mov rax, [0x5000]
    let code = [0x48, 0x8b, 0x04, 0x25, 0x00, 0x50, 0x00, 0x00];
    let fd = memfd_with(&code);
    let p = Platform::new(fd).unwrap();
    let mut as_ = p.new_address_space().unwrap();
    as_.map(GUEST_CODE, PAGE, libc::PROT_READ | libc::PROT_EXEC, 0)
        .unwrap();
    let mut ctx = Context::new(&as_);
    ctx.regs_mut().reset_for_exec(GUEST_CODE, 0);
    match ctx.switch(&mut as_).unwrap() {
        Event::Fault { addr, .. } => assert_eq!(addr, 0x5000),
        e => panic!("expected a fault, got {e:?}"),
    }
}

#[test]
fn test_stub_has_no_inherited_mappings() {
    // Guest reads a sentry address (this test's own code): it must fault.
    let probe = test_stub_has_no_inherited_mappings as *const () as usize as u64;
    let mut code = vec![0x48, 0xb8]; // movabs rax, imm64
    code.extend_from_slice(&probe.to_le_bytes());
    code.extend_from_slice(&[0x48, 0x8b, 0x00]); // mov rax, [rax]
    let fd = memfd_with(&code);
    let p = Platform::new(fd).unwrap();
    let mut as_ = p.new_address_space().unwrap();
    as_.map(GUEST_CODE, PAGE, libc::PROT_READ | libc::PROT_EXEC, 0)
        .unwrap();
    let mut ctx = Context::new(&as_);
    ctx.regs_mut().reset_for_exec(GUEST_CODE, 0);
    match ctx.switch(&mut as_).unwrap() {
        Event::Fault { addr, .. } => assert_eq!(addr, probe),
        e => panic!("expected a fault, got {e:?}"),
    }
}

#[test]
fn test_getpid_round_trip_cost() {
    // loop: mov eax, 39; syscall; jmp loop
    let code = [0xb8, 39, 0, 0, 0, 0x0f, 0x05, 0xeb, 0xf7];
    let fd = memfd_with(&code);
    let p = Platform::new(fd).unwrap();
    let mut as_ = p.new_address_space().unwrap();
    as_.map(GUEST_CODE, PAGE, libc::PROT_READ | libc::PROT_EXEC, 0)
        .unwrap();
    let mut ctx = Context::new(&as_);
    ctx.regs_mut().reset_for_exec(GUEST_CODE, 0);
    let n = 20000;
    let t = std::time::Instant::now();
    for _ in 0..n {
        assert_eq!(ctx.switch(&mut as_).unwrap(), Event::Syscall);
        ctx.regs_mut().set_syscall_return(1);
    }
    eprintln!("round trip: {:?}", t.elapsed() / n);
}
