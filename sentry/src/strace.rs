//! `--strace`: one line per guest syscall, arguments decoded from the
//! syscall tables, in strace's style.

use crate::abi::SysResult;
use crate::kernel::Task;
use crate::syscalls::SyscallArgs;
use syscall_tables::{format_flags, format_return, ArgKind, RetKind};

/// Most bytes of a buffer or string shown.
const SHOW_BYTES: usize = 32;

/// Formats bytes as a C string literal, truncated to SHOW_BYTES.
fn quote(bytes: &[u8], more: bool) -> String {
    let mut s = String::from("\"");
    for &b in bytes.iter().take(SHOW_BYTES) {
        match b {
            b'\n' => s.push_str("\\n"),
            b'\t' => s.push_str("\\t"),
            b'\r' => s.push_str("\\r"),
            b'"' => s.push_str("\\\""),
            b'\\' => s.push_str("\\\\"),
            0x20..=0x7e => s.push(b as char),
            _ => s.push_str(&format!("\\{b:o}")),
        }
    }
    s.push('"');
    if more || bytes.len() > SHOW_BYTES {
        s.push_str("...");
    }
    s
}

fn ptr(v: u64) -> String {
    if v == 0 {
        "NULL".into()
    } else {
        format!("{v:#x}")
    }
}

fn read_buf(t: &Task, addr: u64, len: u64) -> String {
    let n = len.min(SHOW_BYTES as u64) as usize;
    let mut buf = vec![0u8; n];
    match t.mm.copy_in(addr, &mut buf) {
        Ok(()) => quote(&buf, len > n as u64),
        Err(_) => ptr(addr),
    }
}

/// Formats one argument known at entry; `None` for output buffers, which
/// are formatted after the call.
fn format_arg(t: &Task, kind: ArgKind, v: u64, args: &SyscallArgs) -> Option<String> {
    Some(match kind {
        ArgKind::Path | ArgKind::Str => match t.mm.copy_in_cstr(v, crate::abi::misc::PATH_MAX) {
            Ok(s) => quote(&s, false),
            Err(_) => ptr(v),
        },
        ArgKind::BufIn { len_arg } => read_buf(t, v, args.raw(len_arg as usize)),
        ArgKind::BufOut { .. } => return None,
        ArgKind::Int | ArgKind::Fd | ArgKind::Pid => (v as i32).to_string(),
        ArgKind::Uint | ArgKind::Uid | ArgKind::Gid => (v as u32).to_string(),
        ArgKind::Long | ArgKind::Off => (v as i64).to_string(),
        ArgKind::Ulong | ArgKind::Size => v.to_string(),
        ArgKind::Ptr | ArgKind::StructIn | ArgKind::StructOut | ArgKind::StructInOut => ptr(v),
        k => format_flags(k, v).unwrap_or_else(|| ptr(v)),
    })
}

/// Formats the arguments at syscall entry.
pub fn format_entry(t: &Task, nr: u64, args: &SyscallArgs) -> Vec<Option<String>> {
    match syscall_tables::lookup(nr) {
        Some(d) => d
            .args
            .iter()
            .enumerate()
            .map(|(i, &k)| format_arg(t, k, args.raw(i), args))
            .collect(),
        None => (0..6).map(|i| Some(ptr(args.raw(i)))).collect(),
    }
}

/// Prints the line for a finished syscall.
pub fn print(t: &Task, nr: u64, args: &SyscallArgs, entry: Vec<Option<String>>, ret: &SysResult) {
    let desc = syscall_tables::lookup(nr);
    let name = desc.map_or_else(|| format!("syscall_{nr}"), |d| d.name.to_string());
    let raw_ret = crate::abi::errno::return_value(ret);
    let parts: Vec<String> = entry
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            s.unwrap_or_else(|| {
                let addr = args.raw(i);
                match ret {
                    Ok(n) => read_buf(t, addr, *n),
                    Err(_) => ptr(addr),
                }
            })
        })
        .collect();
    let ret_kind = desc.map_or(RetKind::Int, |d| d.ret);
    let shown = if t.exit.is_some() {
        "?".to_string()
    } else {
        format_return(ret_kind, raw_ret)
    };
    crate::log::line(&format!(
        "[{:>4}] {}({}) = {}",
        t.tid,
        name,
        parts.join(", "),
        shown
    ));
}
