//! Mount options as an OCI spec (or mount(8)) gives them: which are the
//! mount's flags, which the filesystem's own, and which only say how to
//! mount (bind, propagation) and show nowhere.

use crate::abi::file::{MOUNT_FLAG_OPTIONS, ST_NOATIME, ST_NOEXEC, ST_NOSUID, ST_RELATIME};
use crate::abi::file::{ST_NODEV, ST_NODIRATIME};

/// Options that clear a flag another option sets (mount(8)'s words).
const CLEARING_OPTIONS: [(&str, i64); 6] = [
    ("suid", ST_NOSUID),
    ("dev", ST_NODEV),
    ("exec", ST_NOEXEC),
    ("atime", ST_NOATIME),
    ("diratime", ST_NODIRATIME),
    ("norelatime", ST_RELATIME),
];

/// Options that say how to mount, not what the mount is: bind and
/// propagation (a sandbox mount propagates nowhere), the atime words
/// Linux does not print, and the sync/mand family, which the sandbox's
/// filesystems do not change behaviour for.
const UNSHOWN_OPTIONS: &[&str] = &[
    "defaults",
    "bind",
    "rbind",
    "private",
    "rprivate",
    "shared",
    "rshared",
    "slave",
    "rslave",
    "unbindable",
    "runbindable",
    "strictatime",
    "nostrictatime",
    "async",
    "sync",
    "dirsync",
    "mand",
    "nomand",
    "lazytime",
    "nolazytime",
    "iversion",
    "noiversion",
    "loud",
    "silent",
    "remount",
    "tmpcopyup",
    "idmap",
    "ridmap",
];

/// Parsed mount options.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MountOptions {
    /// "ro" (the last of "ro" and "rw" wins).
    pub read_only: bool,
    /// Per-mount flags, ST_* bits.
    pub flags: i64,
    /// The filesystem's own options (size=, mode=, newinstance, ...), in
    /// the order given.
    pub data: Vec<String>,
}

impl MountOptions {
    /// Parses an option list.
    pub fn parse<S: AsRef<str>>(options: &[S]) -> MountOptions {
        let mut o = MountOptions::default();
        for opt in options.iter().map(AsRef::as_ref).filter(|s| !s.is_empty()) {
            if let Some(&(_, bit)) = MOUNT_FLAG_OPTIONS.iter().find(|(n, _)| *n == opt) {
                o.flags |= bit;
            } else if let Some(&(_, bit)) = CLEARING_OPTIONS.iter().find(|(n, _)| *n == opt) {
                o.flags &= !bit;
            } else if opt == "ro" || opt == "rw" {
                o.read_only = opt == "ro";
            } else if !UNSHOWN_OPTIONS.contains(&opt) {
                o.data.push(opt.to_string());
            }
        }
        o
    }

    /// The option text a mount records (after which /proc/PID/mounts
    /// puts "rw" or "ro"): the flags in Linux's order, then the
    /// filesystem's options.
    pub fn text(&self) -> String {
        MOUNT_FLAG_OPTIONS
            .iter()
            .filter(|&&(_, bit)| self.flags & bit != 0)
            .map(|&(name, _)| name.to_string())
            .chain(self.data.iter().cloned())
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The value of filesystem option `key` ("mode" of "mode=755").
    pub fn value(&self, key: &str) -> Option<&str> {
        self.data
            .iter()
            .rev()
            .find_map(|d| d.strip_prefix(key)?.strip_prefix('='))
    }

    /// Whether the filesystem option `key` (a bare word) is given.
    pub fn has(&self, key: &str) -> bool {
        self.data.iter().any(|d| d == key)
    }
}

/// The ST_* flags an option text ("rw,nosuid,mode=755") names.
pub fn flags_of(text: &str) -> i64 {
    MountOptions::parse(&text.split(',').collect::<Vec<_>>()).flags
}

/// A size option ("65536k", "64m", "1g", "4096"); percentages of memory
/// are not sizes here (None).
pub fn parse_size(v: &str) -> Option<u64> {
    let (num, mult) = match v.as_bytes().last()? {
        b'k' | b'K' => (&v[..v.len() - 1], 1u64 << 10),
        b'm' | b'M' => (&v[..v.len() - 1], 1 << 20),
        b'g' | b'G' => (&v[..v.len() - 1], 1 << 30),
        b't' | b'T' => (&v[..v.len() - 1], 1 << 40),
        _ => (v, 1),
    };
    num.parse::<u64>().ok()?.checked_mul(mult)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_parse_splits_flags_data_and_unshown() {
        let o = MountOptions::parse(&[
            "nosuid",
            "strictatime",
            "mode=755",
            "size=65536k",
            "rbind",
            "rprivate",
            "noexec",
            "ro",
        ]);
        assert!(o.read_only);
        assert_eq!(o.flags, ST_NOSUID | ST_NOEXEC);
        assert_eq!(o.text(), "nosuid,noexec,mode=755,size=65536k");
        assert_eq!(o.value("mode"), Some("755"));
        assert_eq!(o.value("size"), Some("65536k"));
        assert_eq!(o.value("uid"), None);
    }

    #[test]
    fn test_parse_last_of_ro_rw_and_clearing_words_win() {
        let o = MountOptions::parse(&["ro", "nodev", "rw", "dev"]);
        assert!(!o.read_only);
        assert_eq!(o.flags, 0);
        assert_eq!(
            flags_of("rw,nosuid,nodev,noexec,relatime"),
            ST_NOSUID | ST_NODEV | ST_NOEXEC | ST_RELATIME
        );
    }

    #[test]
    fn test_parse_size_suffixes() {
        assert_eq!(parse_size("65536k"), Some(64 << 20));
        assert_eq!(parse_size("2m"), Some(2 << 20));
        assert_eq!(parse_size("1G"), Some(1 << 30));
        assert_eq!(parse_size("4096"), Some(4096));
        assert_eq!(parse_size("50%"), None);
        assert_eq!(parse_size(""), None);
    }
}
