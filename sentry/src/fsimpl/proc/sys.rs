//! System-wide files of /proc (cpuinfo, meminfo, stat, uptime, ...) and
//! the /proc/sys tree.

use super::{Shared, Static};
use crate::abi::caps::CAP_LAST_CAP;
use crate::abi::misc::CLOCK_TICKS_PER_SEC;
use crate::abi::proc::*;
use crate::abi::PAGE_SIZE;
use crate::kernel::view::TaskView;
use std::arch::x86_64::{__cpuid_count, CpuidResult};
use std::fmt::Write as _;
use std::hash::{BuildHasher, Hasher};

/// A sysctl or other one-value file: the value and a newline.
macro_rules! value_file {
    ($(#[$doc:meta])* $name:ident, $t:ident, $value:expr) => {
        $(#[$doc])*
        fn $name($t: &TaskView, _s: &Shared) -> Vec<u8> {
            let _ = $t;
            format!("{}\n", $value).into_bytes()
        }
    };
}

value_file!(
    /// kernel.hostname.
    hostname, t, t.kernel.config.hostname
);
value_file!(
    /// kernel.ostype.
    ostype, t, "Linux"
);
value_file!(
    /// kernel.osrelease.
    osrelease, t, KERNEL_RELEASE
);
value_file!(
    /// kernel.version.
    kversion, t, KERNEL_VERSION
);
value_file!(
    /// kernel.pid_max.
    pid_max, t, PID_MAX
);
value_file!(
    /// kernel.ngroups_max.
    ngroups_max, t, NGROUPS_MAX
);
value_file!(
    /// kernel.cap_last_cap.
    cap_last_cap, t, CAP_LAST_CAP
);
value_file!(
    /// kernel.overflowuid and overflowgid.
    overflow_id, t, OVERFLOW_ID
);
value_file!(
    /// kernel.threads-max.
    threads_max, t, THREADS_MAX
);
value_file!(
    /// kernel.random.uuid: a fresh one on every open.
    uuid, t, random_uuid()
);
value_file!(
    /// vm.overcommit_memory.
    overcommit_memory, t, OVERCOMMIT_GUESS
);
value_file!(
    /// vm.max_map_count.
    max_map_count, t, MAX_MAP_COUNT
);
value_file!(
    /// vm.mmap_min_addr.
    mmap_min_addr, t, crate::mm::MMAP_MIN_ADDR
);
value_file!(
    /// fs.file-max.
    file_max, t, FILE_MAX
);
value_file!(
    /// fs.nr_open.
    nr_open, t, crate::vfs::fdtable::NR_OPEN
);
value_file!(
    /// fs.pipe-max-size.
    pipe_max_size, t, PIPE_MAX_SIZE
);
value_file!(
    /// net.core.somaxconn.
    somaxconn, t, SOMAXCONN
);

/// kernel.random.boot_id: one per sandbox.
fn boot_id(_t: &TaskView, s: &Shared) -> Vec<u8> {
    format!("{}\n", s.boot_id).into_bytes()
}

/// /proc/sys.
pub(super) const SYS_ENTRIES: &[(&str, Static)] = &[
    ("fs", Static::Dir(FS_ENTRIES)),
    ("kernel", Static::Dir(KERNEL_ENTRIES)),
    (
        "net",
        Static::Dir(&[("core", Static::Dir(NET_CORE_ENTRIES))]),
    ),
    ("vm", Static::Dir(VM_ENTRIES)),
];

const KERNEL_ENTRIES: &[(&str, Static)] = &[
    ("cap_last_cap", Static::File(cap_last_cap)),
    ("hostname", Static::File(hostname)),
    ("ngroups_max", Static::File(ngroups_max)),
    ("osrelease", Static::File(osrelease)),
    ("ostype", Static::File(ostype)),
    ("overflowgid", Static::File(overflow_id)),
    ("overflowuid", Static::File(overflow_id)),
    ("pid_max", Static::File(pid_max)),
    (
        "random",
        Static::Dir(&[
            ("boot_id", Static::File(boot_id)),
            ("uuid", Static::File(uuid)),
        ]),
    ),
    ("threads-max", Static::File(threads_max)),
    ("version", Static::File(kversion)),
];

const VM_ENTRIES: &[(&str, Static)] = &[
    ("max_map_count", Static::File(max_map_count)),
    ("mmap_min_addr", Static::File(mmap_min_addr)),
    ("overcommit_memory", Static::File(overcommit_memory)),
];

const FS_ENTRIES: &[(&str, Static)] = &[
    ("file-max", Static::File(file_max)),
    ("nr_open", Static::File(nr_open)),
    ("pipe-max-size", Static::File(pipe_max_size)),
];

const NET_CORE_ENTRIES: &[(&str, Static)] = &[("somaxconn", Static::File(somaxconn))];

/// A random version-4 UUID (not for cryptography: std's randomly keyed
/// SipHash over the time).
pub(super) fn random_uuid() -> String {
    let mut bytes = [0u8; 16];
    for (i, chunk) in bytes.chunks_mut(8).enumerate() {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_usize(i);
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default(),
        );
        chunk.copy_from_slice(&h.finish().to_le_bytes());
    }
    const VERSION_4: u8 = 0x40;
    const VARIANT_RFC4122: u8 = 0x80;
    bytes[6] = (bytes[6] & 0x0f) | VERSION_4;
    bytes[8] = (bytes[8] & 0x3f) | VARIANT_RFC4122;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// Bytes in a kB.
const BYTES_PER_KB: u64 = 1024;

/// The host's memory size in kB (sysinfo: the sentry may not open host
/// files once it is confined), or a default.
fn host_mem_total_kb() -> u64 {
    // SAFETY: libc::sysinfo is plain integer data; all-zero is valid.
    let mut info: libc::sysinfo = unsafe { std::mem::zeroed() };
    // SAFETY: `info` is a valid, writable sysinfo struct for the call.
    if unsafe { libc::sysinfo(&mut info) } != 0 {
        return DEFAULT_MEM_TOTAL_KB;
    }
    let bytes = info
        .totalram
        .saturating_mul(u64::from(info.mem_unit.max(1)));
    match bytes / BYTES_PER_KB {
        0 => DEFAULT_MEM_TOTAL_KB,
        kb => kb,
    }
}

/// Seconds since the sandbox booted.
fn uptime_secs(t: &TaskView) -> f64 {
    t.kernel.boot_time.elapsed().as_secs_f64()
}

/// /proc/uptime: uptime and idle time (all CPUs idle).
pub(super) fn uptime(t: &TaskView, _s: &Shared) -> Vec<u8> {
    let up = uptime_secs(t);
    format!("{:.2} {:.2}\n", up, up * t.kernel.ncpu as f64).into_bytes()
}

/// /proc/loadavg.
pub(super) fn loadavg(t: &TaskView, _s: &Shared) -> Vec<u8> {
    format!("0.00 0.00 0.00 1/1 {}\n", t.tgid).into_bytes()
}

/// /proc/version.
pub(super) fn version(_t: &TaskView, _s: &Shared) -> Vec<u8> {
    format!(
        "Linux version {KERNEL_RELEASE} ({KERNEL_BUILDER}) ({KERNEL_COMPILER}) {KERNEL_VERSION}\n"
    )
    .into_bytes()
}

/// Filesystem types the sandbox has, as /proc/filesystems lists them.
const FILESYSTEMS: &[(bool, &str)] = &[
    (true, "sysfs"),
    (true, "tmpfs"),
    (true, "proc"),
    (true, "overlay"),
];

/// /proc/filesystems.
pub(super) fn filesystems(_t: &TaskView, _s: &Shared) -> Vec<u8> {
    let mut o = String::new();
    for (nodev, name) in FILESYSTEMS {
        let _ = writeln!(o, "{}\t{name}", if *nodev { "nodev" } else { "" });
    }
    o.into_bytes()
}

/// /proc/stat: every CPU idle since boot.
pub(super) fn stat(t: &TaskView, s: &Shared) -> Vec<u8> {
    let ncpu = t.kernel.ncpu.max(1);
    let idle = (uptime_secs(t) * CLOCK_TICKS_PER_SEC as f64) as u64;
    let mut o = String::new();
    let _ = writeln!(
        o,
        "cpu  0 0 0 {} 0 0 0 0 0 0",
        idle.saturating_mul(ncpu as u64)
    );
    for i in 0..ncpu {
        let _ = writeln!(o, "cpu{i} 0 0 0 {idle} 0 0 0 0 0 0");
    }
    o.push_str("intr 0\nctxt 0\n");
    let _ = writeln!(o, "btime {}", s.time.0);
    let _ = writeln!(o, "processes 1\nprocs_running 1\nprocs_blocked 0");
    o.push_str("softirq 0 0 0 0 0 0 0 0 0 0 0\n");
    o.into_bytes()
}

/// One "Name:   value kB" line of /proc/meminfo.
fn meminfo_line(o: &mut String, name: &str, value: u64, kb: bool) {
    let label = format!("{name}:");
    let _ = write!(o, "{label:<16}{value:>8}");
    o.push_str(if kb { " kB\n" } else { "\n" });
}

/// /proc/meminfo: the host's total, with the guest's mappings used.
pub(super) fn meminfo(t: &TaskView, _s: &Shared) -> Vec<u8> {
    let total = host_mem_total_kb();
    let mapped: u64 =
        t.mm.vma_list().iter().map(|v| v.len()).sum::<u64>() / PAGE_SIZE * KB_PER_PAGE;
    let used = mapped.min(total);
    let free = total - used;
    let mut o = String::new();
    let kb_lines: &[(&str, u64)] = &[
        ("MemTotal", total),
        ("MemFree", free),
        ("MemAvailable", free),
        ("Buffers", 0),
        ("Cached", 0),
        ("SwapCached", 0),
        ("Active", used),
        ("Inactive", 0),
        ("Active(anon)", used),
        ("Inactive(anon)", 0),
        ("Active(file)", 0),
        ("Inactive(file)", 0),
        ("Unevictable", 0),
        ("Mlocked", 0),
        ("SwapTotal", 0),
        ("SwapFree", 0),
        ("Zswap", 0),
        ("Zswapped", 0),
        ("Dirty", 0),
        ("Writeback", 0),
        ("AnonPages", used),
        ("Mapped", 0),
        ("Shmem", 0),
        ("KReclaimable", 0),
        ("Slab", 0),
        ("SReclaimable", 0),
        ("SUnreclaim", 0),
        ("KernelStack", 0),
        ("PageTables", 0),
        ("SecPageTables", 0),
        ("NFS_Unstable", 0),
        ("Bounce", 0),
        ("WritebackTmp", 0),
        ("CommitLimit", total / 2),
        ("Committed_AS", used),
        ("VmallocTotal", VMALLOC_TOTAL_KB),
        ("VmallocUsed", 0),
        ("VmallocChunk", 0),
        ("Percpu", 0),
        ("AnonHugePages", 0),
        ("ShmemHugePages", 0),
        ("ShmemPmdMapped", 0),
        ("FileHugePages", 0),
        ("FilePmdMapped", 0),
    ];
    for (name, v) in kb_lines {
        meminfo_line(&mut o, name, *v, true);
    }
    for name in [
        "HugePages_Total",
        "HugePages_Free",
        "HugePages_Rsvd",
        "HugePages_Surp",
    ] {
        meminfo_line(&mut o, name, 0, false);
    }
    meminfo_line(&mut o, "Hugepagesize", HUGEPAGE_SIZE_KB, true);
    meminfo_line(&mut o, "Hugetlb", 0, true);
    o.into_bytes()
}

/// A CPUID register.
#[derive(Clone, Copy)]
enum Reg {
    Eax,
    Ebx,
    Ecx,
    Edx,
}

/// CPUID leaves the flag table reads.
const LEAF_FEATURES: u32 = 1;
const LEAF_EXT_FEATURES: u32 = 7;
const LEAF_XSAVE: u32 = 0xd;
const LEAF_EXT_BASE: u32 = 0x8000_0000;
const LEAF_EXT_AMD: u32 = 0x8000_0001;
const LEAF_BRAND: [u32; 3] = [0x8000_0002, 0x8000_0003, 0x8000_0004];
const LEAF_ADDR_SIZES: u32 = 0x8000_0008;

/// cpuinfo flags: (leaf, subleaf, register, bit, name), in Linux's order.
const CPU_FLAGS: &[(u32, u32, Reg, u32, &str)] = &[
    (LEAF_FEATURES, 0, Reg::Edx, 0, "fpu"),
    (LEAF_FEATURES, 0, Reg::Edx, 1, "vme"),
    (LEAF_FEATURES, 0, Reg::Edx, 2, "de"),
    (LEAF_FEATURES, 0, Reg::Edx, 3, "pse"),
    (LEAF_FEATURES, 0, Reg::Edx, 4, "tsc"),
    (LEAF_FEATURES, 0, Reg::Edx, 5, "msr"),
    (LEAF_FEATURES, 0, Reg::Edx, 6, "pae"),
    (LEAF_FEATURES, 0, Reg::Edx, 7, "mce"),
    (LEAF_FEATURES, 0, Reg::Edx, 8, "cx8"),
    (LEAF_FEATURES, 0, Reg::Edx, 9, "apic"),
    (LEAF_FEATURES, 0, Reg::Edx, 11, "sep"),
    (LEAF_FEATURES, 0, Reg::Edx, 12, "mtrr"),
    (LEAF_FEATURES, 0, Reg::Edx, 13, "pge"),
    (LEAF_FEATURES, 0, Reg::Edx, 14, "mca"),
    (LEAF_FEATURES, 0, Reg::Edx, 15, "cmov"),
    (LEAF_FEATURES, 0, Reg::Edx, 16, "pat"),
    (LEAF_FEATURES, 0, Reg::Edx, 17, "pse36"),
    (LEAF_FEATURES, 0, Reg::Edx, 19, "clflush"),
    (LEAF_FEATURES, 0, Reg::Edx, 23, "mmx"),
    (LEAF_FEATURES, 0, Reg::Edx, 24, "fxsr"),
    (LEAF_FEATURES, 0, Reg::Edx, 25, "sse"),
    (LEAF_FEATURES, 0, Reg::Edx, 26, "sse2"),
    (LEAF_FEATURES, 0, Reg::Edx, 28, "ht"),
    (LEAF_EXT_AMD, 0, Reg::Edx, 11, "syscall"),
    (LEAF_EXT_AMD, 0, Reg::Edx, 20, "nx"),
    (LEAF_EXT_AMD, 0, Reg::Edx, 22, "mmxext"),
    (LEAF_EXT_AMD, 0, Reg::Edx, 25, "fxsr_opt"),
    (LEAF_EXT_AMD, 0, Reg::Edx, 26, "pdpe1gb"),
    (LEAF_EXT_AMD, 0, Reg::Edx, 27, "rdtscp"),
    (LEAF_EXT_AMD, 0, Reg::Edx, 29, "lm"),
    (LEAF_FEATURES, 0, Reg::Ecx, 0, "pni"),
    (LEAF_FEATURES, 0, Reg::Ecx, 1, "pclmulqdq"),
    (LEAF_FEATURES, 0, Reg::Ecx, 9, "ssse3"),
    (LEAF_FEATURES, 0, Reg::Ecx, 12, "fma"),
    (LEAF_FEATURES, 0, Reg::Ecx, 13, "cx16"),
    (LEAF_FEATURES, 0, Reg::Ecx, 17, "pcid"),
    (LEAF_FEATURES, 0, Reg::Ecx, 19, "sse4_1"),
    (LEAF_FEATURES, 0, Reg::Ecx, 20, "sse4_2"),
    (LEAF_FEATURES, 0, Reg::Ecx, 21, "x2apic"),
    (LEAF_FEATURES, 0, Reg::Ecx, 22, "movbe"),
    (LEAF_FEATURES, 0, Reg::Ecx, 23, "popcnt"),
    (LEAF_FEATURES, 0, Reg::Ecx, 24, "tsc_deadline_timer"),
    (LEAF_FEATURES, 0, Reg::Ecx, 25, "aes"),
    (LEAF_FEATURES, 0, Reg::Ecx, 26, "xsave"),
    (LEAF_FEATURES, 0, Reg::Ecx, 28, "avx"),
    (LEAF_FEATURES, 0, Reg::Ecx, 29, "f16c"),
    (LEAF_FEATURES, 0, Reg::Ecx, 30, "rdrand"),
    (LEAF_FEATURES, 0, Reg::Ecx, 31, "hypervisor"),
    (LEAF_EXT_AMD, 0, Reg::Ecx, 0, "lahf_lm"),
    (LEAF_EXT_AMD, 0, Reg::Ecx, 1, "cmp_legacy"),
    (LEAF_EXT_AMD, 0, Reg::Ecx, 5, "abm"),
    (LEAF_EXT_AMD, 0, Reg::Ecx, 6, "sse4a"),
    (LEAF_EXT_AMD, 0, Reg::Ecx, 7, "misalignsse"),
    (LEAF_EXT_AMD, 0, Reg::Ecx, 8, "3dnowprefetch"),
    (LEAF_EXT_FEATURES, 0, Reg::Ebx, 0, "fsgsbase"),
    (LEAF_EXT_FEATURES, 0, Reg::Ebx, 3, "bmi1"),
    (LEAF_EXT_FEATURES, 0, Reg::Ebx, 4, "hle"),
    (LEAF_EXT_FEATURES, 0, Reg::Ebx, 5, "avx2"),
    (LEAF_EXT_FEATURES, 0, Reg::Ebx, 7, "smep"),
    (LEAF_EXT_FEATURES, 0, Reg::Ebx, 8, "bmi2"),
    (LEAF_EXT_FEATURES, 0, Reg::Ebx, 9, "erms"),
    (LEAF_EXT_FEATURES, 0, Reg::Ebx, 10, "invpcid"),
    (LEAF_EXT_FEATURES, 0, Reg::Ebx, 11, "rtm"),
    (LEAF_EXT_FEATURES, 0, Reg::Ebx, 16, "avx512f"),
    (LEAF_EXT_FEATURES, 0, Reg::Ebx, 17, "avx512dq"),
    (LEAF_EXT_FEATURES, 0, Reg::Ebx, 18, "rdseed"),
    (LEAF_EXT_FEATURES, 0, Reg::Ebx, 19, "adx"),
    (LEAF_EXT_FEATURES, 0, Reg::Ebx, 20, "smap"),
    (LEAF_EXT_FEATURES, 0, Reg::Ebx, 21, "avx512ifma"),
    (LEAF_EXT_FEATURES, 0, Reg::Ebx, 23, "clflushopt"),
    (LEAF_EXT_FEATURES, 0, Reg::Ebx, 24, "clwb"),
    (LEAF_EXT_FEATURES, 0, Reg::Ebx, 28, "avx512cd"),
    (LEAF_EXT_FEATURES, 0, Reg::Ebx, 29, "sha_ni"),
    (LEAF_EXT_FEATURES, 0, Reg::Ebx, 30, "avx512bw"),
    (LEAF_EXT_FEATURES, 0, Reg::Ebx, 31, "avx512vl"),
    (LEAF_XSAVE, 1, Reg::Eax, 0, "xsaveopt"),
    (LEAF_XSAVE, 1, Reg::Eax, 1, "xsavec"),
    (LEAF_XSAVE, 1, Reg::Eax, 2, "xgetbv1"),
    (LEAF_XSAVE, 1, Reg::Eax, 3, "xsaves"),
    (LEAF_EXT_FEATURES, 0, Reg::Ecx, 1, "avx512vbmi"),
    (LEAF_EXT_FEATURES, 0, Reg::Ecx, 2, "umip"),
    (LEAF_EXT_FEATURES, 0, Reg::Ecx, 3, "pku"),
    (LEAF_EXT_FEATURES, 0, Reg::Ecx, 6, "avx512_vbmi2"),
    (LEAF_EXT_FEATURES, 0, Reg::Ecx, 8, "gfni"),
    (LEAF_EXT_FEATURES, 0, Reg::Ecx, 9, "vaes"),
    (LEAF_EXT_FEATURES, 0, Reg::Ecx, 10, "vpclmulqdq"),
    (LEAF_EXT_FEATURES, 0, Reg::Ecx, 11, "avx512_vnni"),
    (LEAF_EXT_FEATURES, 0, Reg::Ecx, 12, "avx512_bitalg"),
    (LEAF_EXT_FEATURES, 0, Reg::Ecx, 14, "avx512_vpopcntdq"),
    (LEAF_EXT_FEATURES, 0, Reg::Ecx, 22, "rdpid"),
    (LEAF_EXT_FEATURES, 0, Reg::Edx, 4, "fsrm"),
];

/// What CPUID says about the CPU.
struct CpuId {
    vendor: String,
    family: u32,
    model: u32,
    stepping: u32,
    model_name: String,
    level: u32,
    flags: String,
    addr_bits: (u32, u32),
}

fn reg(r: &CpuidResult, which: Reg) -> u32 {
    match which {
        Reg::Eax => r.eax,
        Reg::Ebx => r.ebx,
        Reg::Ecx => r.ecx,
        Reg::Edx => r.edx,
    }
}

/// Reads the CPU's identity (the guest runs on this CPU and sees the same
/// CPUID).
fn cpuid() -> CpuId {
    let r0 = __cpuid_count(0, 0);
    let max_basic = r0.eax;
    let max_ext = __cpuid_count(LEAF_EXT_BASE, 0).eax;
    let available = |leaf: u32| {
        if leaf >= LEAF_EXT_BASE {
            leaf <= max_ext
        } else {
            leaf <= max_basic
        }
    };
    let mut vendor = Vec::with_capacity(12);
    for r in [r0.ebx, r0.edx, r0.ecx] {
        vendor.extend_from_slice(&r.to_le_bytes());
    }
    let sig = if available(LEAF_FEATURES) {
        __cpuid_count(LEAF_FEATURES, 0).eax
    } else {
        0
    };
    let mut family = (sig >> 8) & 0xf;
    let mut model = (sig >> 4) & 0xf;
    if family == 0xf {
        family += (sig >> 20) & 0xff;
    }
    if family >= 6 {
        model += ((sig >> 16) & 0xf) << 4;
    }
    let mut name = Vec::with_capacity(48);
    if LEAF_BRAND.iter().all(|&l| available(l)) {
        for l in LEAF_BRAND {
            let r = __cpuid_count(l, 0);
            for v in [r.eax, r.ebx, r.ecx, r.edx] {
                name.extend_from_slice(&v.to_le_bytes());
            }
        }
    }
    let mut flags: Vec<&str> = Vec::new();
    for &(leaf, sub, which, bit, fname) in CPU_FLAGS {
        if available(leaf) && reg(&__cpuid_count(leaf, sub), which) & (1 << bit) != 0 {
            flags.push(fname);
        }
    }
    let addr_bits = if available(LEAF_ADDR_SIZES) {
        let a = __cpuid_count(LEAF_ADDR_SIZES, 0).eax;
        (a & 0xff, (a >> 8) & 0xff)
    } else {
        DEFAULT_ADDR_BITS
    };
    let text = |b: &[u8]| {
        String::from_utf8_lossy(b)
            .trim_matches(|c: char| c == '\0' || c.is_whitespace())
            .to_string()
    };
    CpuId {
        vendor: text(&vendor),
        family,
        model,
        stepping: sig & 0xf,
        model_name: text(&name),
        level: if max_basic == 0 {
            DEFAULT_CPUID_LEVEL
        } else {
            max_basic
        },
        flags: flags.join(" "),
        addr_bits,
    }
}

/// /proc/cpuinfo: one block per CPU the guest sees.
pub(super) fn cpuinfo(t: &TaskView, _s: &Shared) -> Vec<u8> {
    let c = cpuid();
    let n = t.kernel.ncpu.max(1);
    let mut o = String::new();
    for i in 0..n {
        let _ = writeln!(o, "processor\t: {i}");
        let _ = writeln!(o, "vendor_id\t: {}", c.vendor);
        let _ = writeln!(o, "cpu family\t: {}", c.family);
        let _ = writeln!(o, "model\t\t: {}", c.model);
        let _ = writeln!(o, "model name\t: {}", c.model_name);
        let _ = writeln!(o, "stepping\t: {}", c.stepping);
        let _ = writeln!(o, "cpu MHz\t\t: {CPU_MHZ:.3}");
        let _ = writeln!(o, "cache size\t: {CPU_CACHE_KB} KB");
        let _ = writeln!(o, "physical id\t: 0");
        let _ = writeln!(o, "siblings\t: {n}");
        let _ = writeln!(o, "core id\t\t: {i}");
        let _ = writeln!(o, "cpu cores\t: {n}");
        let _ = writeln!(o, "apicid\t\t: {i}");
        let _ = writeln!(o, "initial apicid\t: {i}");
        let _ = writeln!(o, "fpu\t\t: yes");
        let _ = writeln!(o, "fpu_exception\t: yes");
        let _ = writeln!(o, "cpuid level\t: {}", c.level);
        let _ = writeln!(o, "wp\t\t: yes");
        let _ = writeln!(o, "flags\t\t: {}", c.flags);
        let _ = writeln!(o, "bugs\t\t:");
        let _ = writeln!(o, "bogomips\t: {:.2}", CPU_MHZ * 2.0);
        let _ = writeln!(o, "clflush size\t: {CACHE_LINE}");
        let _ = writeln!(o, "cache_alignment\t: {CACHE_LINE}");
        let _ = writeln!(
            o,
            "address sizes\t: {} bits physical, {} bits virtual",
            c.addr_bits.0, c.addr_bits.1
        );
        let _ = writeln!(o, "power management:");
        o.push('\n');
    }
    o.into_bytes()
}

/// /proc/sysvipc/shm: one line per segment, in Linux's columns.
pub(super) fn sysvipc_shm(t: &TaskView, _s: &Shared) -> Vec<u8> {
    let mut o = String::from(
        "       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime                   rss                  swap\n",
    );
    let mut table = crate::vfs::dentry::lock(&t.kernel.ipc.shm);
    crate::kernel::ipc::Ipc::reap_shm(&mut table);
    for (id, p, seg) in table.iter() {
        let rss = crate::abi::page_up(seg.size).unwrap_or(seg.size);
        let _ = writeln!(
            o,
            "{:>10} {:>10}  {:>4o} {:>21} {:>5} {:>5}  {:>5} {:>5} {:>5} {:>5} {:>5} {:>10} {:>10} {:>10} {:>21} {:>21}",
            p.key, id, p.mode, seg.size, seg.cpid, seg.lpid, seg.nattch(), p.uid, p.gid, p.cuid,
            p.cgid, seg.atime, seg.dtime, seg.ctime, rss, 0
        );
    }
    o.into_bytes()
}

/// /proc/sysvipc/sem: one line per semaphore set.
pub(super) fn sysvipc_sem(t: &TaskView, _s: &Shared) -> Vec<u8> {
    let mut o = String::from(
        "       key      semid perms      nsems   uid   gid  cuid  cgid      otime      ctime\n",
    );
    let table = crate::vfs::dentry::lock(&t.kernel.ipc.sem);
    for (id, p, set) in table.iter() {
        let st = crate::vfs::dentry::lock(&set.st);
        let _ = writeln!(
            o,
            "{:>10} {:>10}  {:>4o} {:>10} {:>5} {:>5} {:>5} {:>5} {:>10} {:>10}",
            p.key,
            id,
            p.mode,
            st.sems.len(),
            p.uid,
            p.gid,
            p.cuid,
            p.cgid,
            st.otime,
            st.ctime
        );
    }
    o.into_bytes()
}

/// /proc/sysvipc/msg: one line per message queue.
pub(super) fn sysvipc_msg(t: &TaskView, _s: &Shared) -> Vec<u8> {
    let mut o = String::from(
        "       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  cuid  cgid      stime      rtime      ctime\n",
    );
    let table = crate::vfs::dentry::lock(&t.kernel.ipc.msg);
    for (id, p, q) in table.iter() {
        let st = crate::vfs::dentry::lock(&q.st);
        let _ = writeln!(
            o,
            "{:>10} {:>10}  {:>4o}  {:>10} {:>10} {:>5} {:>5} {:>5} {:>5} {:>5} {:>5} {:>10} {:>10} {:>10}",
            p.key,
            id,
            p.mode,
            st.cbytes,
            st.msgs.len(),
            st.lspid,
            st.lrpid,
            p.uid,
            p.gid,
            p.cuid,
            p.cgid,
            st.stime,
            st.rtime,
            st.ctime
        );
    }
    o.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_uuid_shape() {
        let u = random_uuid();
        assert_eq!(u.len(), 36);
        let parts: Vec<&str> = u.split('-').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            vec![8, 4, 4, 4, 12]
        );
        assert!(parts[2].starts_with('4'));
        assert_ne!(random_uuid(), u);
    }

    #[test]
    fn test_meminfo_line_widths_match_linux() {
        let mut o = String::new();
        meminfo_line(&mut o, "MemTotal", 24_683_656, true);
        meminfo_line(&mut o, "HugePages_Total", 0, false);
        assert_eq!(o, "MemTotal:       24683656 kB\nHugePages_Total:       0\n");
    }

    #[test]
    fn test_host_mem_total_is_positive() {
        assert!(host_mem_total_kb() > 0);
    }

    #[test]
    fn test_cpuid_names_the_vendor() {
        let c = cpuid();
        assert!(!c.vendor.is_empty());
        assert!(c.flags.split(' ').any(|f| f == "sse2"));
    }
}
