//! The host's vDSO, kept in every stub.
//!
//! Every stub is a fork of the sentry, so it inherits the sentry's `[vvar]`,
//! `[vvar_vclock]` and `[vdso]` mappings at the sentry's own addresses. The
//! stub keeps them (it unmaps everything else), and the sentry shows them to
//! the guest as its vDSO (`AT_SYSINFO_EHDR`). clock_gettime, gettimeofday,
//! time and getcpu then run in guest user mode without a trap: the code
//! reads the kernel's time data page and the TSC. Nothing runs in the host
//! kernel on the guest's behalf: when the vDSO cannot answer (a clock it
//! does not handle, an unstable clocksource), it falls back to a `syscall`
//! instruction, which stops the stub like any other guest syscall, and the
//! sentry answers it.
//!
//! The sentry's own clock_gettime reads the same host clocks, so the vDSO
//! and the syscall agree.

use crate::STUB_START;
use std::sync::OnceLock;

/// Name of the mapping holding the vDSO's ELF image.
pub const VDSO_NAME: &str = "[vdso]";

/// One special mapping the host kernel placed in the sentry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HostMapping {
    /// First address.
    pub start: u64,
    /// One past the last address.
    pub end: u64,
    /// Host PROT_* bits.
    pub prot: i32,
    /// The name /proc/PID/maps shows.
    pub name: &'static str,
}

/// The vDSO and its data pages, contiguous, in address order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostVdso {
    /// The mappings, lowest first.
    pub mappings: Vec<HostMapping>,
    /// Address of the vDSO's ELF header (`AT_SYSINFO_EHDR`).
    pub base: u64,
}

impl HostVdso {
    /// The whole range `[start, end)` the mappings cover.
    pub fn range(&self) -> (u64, u64) {
        let start = self.mappings.first().map_or(0, |m| m.start);
        let end = self.mappings.last().map_or(0, |m| m.end);
        (start, end)
    }
}

static HOST_VDSO: OnceLock<Option<HostVdso>> = OnceLock::new();

/// The host vDSO every stub keeps, if there is a usable one. Found once,
/// when the first platform is created (set `RUNSC_NO_VDSO` to go without).
pub fn host_vdso() -> Option<&'static HostVdso> {
    HOST_VDSO.get().and_then(Option::as_ref)
}

/// Finds the sentry's vDSO mappings, once (later calls do nothing). The
/// sandbox calls it before it confines itself (after pivot_root there is no
/// /proc); [`crate::Platform::new`] calls it too. /proc/self/maps is the
/// sentry's own metadata, not a guest path.
pub fn init() {
    HOST_VDSO.get_or_init(|| {
        if std::env::var_os("RUNSC_NO_VDSO").is_some() {
            return None;
        }
        let maps = std::fs::read_to_string("/proc/self/maps").ok()?;
        // SAFETY: getauxval has no preconditions.
        let ehdr = unsafe { libc::getauxval(libc::AT_SYSINFO_EHDR) };
        parse(&maps, ehdr)
    });
}

/// The names of the mappings that make up the vDSO, in the order they
/// may appear.
const NAMES: [&str; 3] = ["[vvar]", "[vvar_vclock]", VDSO_NAME];

/// Picks the vDSO mappings out of a /proc/self/maps text. They must be
/// contiguous, include `[vdso]` at `ehdr`, and lie below the stub region.
fn parse(maps: &str, ehdr: u64) -> Option<HostVdso> {
    let mut mappings = Vec::new();
    for line in maps.lines() {
        let mut fields = line.split_whitespace();
        let (Some(range), Some(perms)) = (fields.next(), fields.next()) else {
            continue;
        };
        let Some(name) = line
            .split_whitespace()
            .last()
            .and_then(|n| NAMES.iter().find(|&&x| x == n))
        else {
            continue;
        };
        let (s, e) = range.split_once('-')?;
        let start = u64::from_str_radix(s, 16).ok()?;
        let end = u64::from_str_radix(e, 16).ok()?;
        let perms = perms.as_bytes();
        let mut prot = 0;
        for (i, bit) in [libc::PROT_READ, libc::PROT_WRITE, libc::PROT_EXEC]
            .into_iter()
            .enumerate()
        {
            if perms.get(i).is_some_and(|&c| c != b'-') {
                prot |= bit;
            }
        }
        mappings.push(HostMapping {
            start,
            end,
            prot,
            name,
        });
    }
    let vdso = mappings.iter().find(|m| m.name == VDSO_NAME)?;
    if vdso.start != ehdr || ehdr == 0 {
        return None;
    }
    let contiguous = mappings.windows(2).all(|w| w[0].end == w[1].start);
    let v = HostVdso {
        base: ehdr,
        mappings,
    };
    let (start, end) = v.range();
    (contiguous && start < end && end <= STUB_START).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAPS: &str = "\
55d0a0000000-55d0a0001000 r--p 00000000 fd:01 123 /usr/bin/x
7f36b1b69000-7f36b1b6d000 r--p 00000000 00:00 0                          [vvar]
7f36b1b6d000-7f36b1b6f000 r--p 00000000 00:00 0                          [vvar_vclock]
7f36b1b6f000-7f36b1b71000 r-xp 00000000 00:00 0                          [vdso]
7ffc00000000-7ffc00021000 rw-p 00000000 00:00 0                          [stack]
";

    #[test]
    fn test_parse_finds_contiguous_vvar_and_vdso() {
        let v = parse(MAPS, 0x7f36_b1b6_f000).unwrap();
        assert_eq!(v.mappings.len(), 3);
        assert_eq!(v.range(), (0x7f36_b1b6_9000, 0x7f36_b1b7_1000));
        assert_eq!(v.mappings[2].prot, libc::PROT_READ | libc::PROT_EXEC);
        assert_eq!(v.mappings[0].name, "[vvar]");
    }

    #[test]
    fn test_parse_rejects_ehdr_mismatch_and_gaps() {
        assert!(parse(MAPS, 0x1000).is_none());
        let gap = MAPS.replace("7f36b1b6d000-7f36b1b6f000", "7f36b1b6e000-7f36b1b6f000");
        assert!(parse(&gap, 0x7f36_b1b6_f000).is_none());
        assert!(parse("", 0).is_none());
    }

    #[test]
    fn test_host_vdso_matches_this_process() {
        init();
        if let Some(v) = host_vdso() {
            // SAFETY: getauxval has no preconditions.
            assert_eq!(v.base, unsafe { libc::getauxval(libc::AT_SYSINFO_EHDR) });
            // The ELF magic is at the base.
            // SAFETY: the vDSO is mapped readable at `base` in this process.
            let magic = unsafe { std::slice::from_raw_parts(v.base as *const u8, 4) };
            assert_eq!(magic, b"\x7fELF");
        }
    }
}
