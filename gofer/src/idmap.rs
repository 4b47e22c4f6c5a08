//! The guest's user and group ids as the host's files carry them.
//!
//! A container with a user namespace (OCI `linux.uidMappings` and
//! `linux.gidMappings`) sees the host ids of its files through the
//! mapping: a file the host owns as 100000 is the guest's uid 0 when
//! container id 0 maps to host id 100000. Host ids outside the mapping read
//! as the overflow id 65534, as in a Linux user namespace, and a guest id
//! outside it cannot be given to a file (EINVAL) or own a new one
//! (EOVERFLOW). No mapping at all is the identity.

/// One range of a mapping: `count` ids from `inside` (the guest's) stand
/// for as many from `outside` (the host's).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IdRange {
    /// First guest id.
    pub inside: u32,
    /// First host id.
    pub outside: u32,
    /// How many.
    pub count: u32,
}

/// What a host id outside the mapping reads as
/// (/proc/sys/kernel/overflowuid).
pub const OVERFLOW_ID: u32 = 65534;

/// The uid and gid mappings; empty ones are the identity.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IdMap {
    /// uid ranges.
    pub uids: Vec<IdRange>,
    /// gid ranges.
    pub gids: Vec<IdRange>,
}

/// `id` through `ranges`: from the host side to the guest side when
/// `to_guest`, else back; None outside every range.
fn through(ranges: &[IdRange], id: u32, to_guest: bool) -> Option<u32> {
    if ranges.is_empty() {
        return Some(id);
    }
    ranges.iter().find_map(|r| {
        let (from, to) = if to_guest {
            (r.outside, r.inside)
        } else {
            (r.inside, r.outside)
        };
        let off = id.checked_sub(from)?;
        (off < r.count).then(|| to.wrapping_add(off))
    })
}

impl IdMap {
    /// The guest's view of host uid `uid`.
    pub fn uid_to_guest(&self, uid: u32) -> u32 {
        through(&self.uids, uid, true).unwrap_or(OVERFLOW_ID)
    }

    /// The guest's view of host gid `gid`.
    pub fn gid_to_guest(&self, gid: u32) -> u32 {
        through(&self.gids, gid, true).unwrap_or(OVERFLOW_ID)
    }

    /// The host uid guest uid `uid` stands for, if mapped.
    pub fn uid_to_host(&self, uid: u32) -> Option<u32> {
        through(&self.uids, uid, false)
    }

    /// The host gid guest gid `gid` stands for, if mapped.
    pub fn gid_to_host(&self, gid: u32) -> Option<u32> {
        through(&self.gids, gid, false)
    }

    /// Whether both mappings are the identity.
    pub fn is_identity(&self) -> bool {
        self.uids.is_empty() && self.gids.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map() -> IdMap {
        IdMap {
            uids: vec![
                IdRange {
                    inside: 0,
                    outside: 100_000,
                    count: 1000,
                },
                IdRange {
                    inside: 5000,
                    outside: 7,
                    count: 1,
                },
            ],
            gids: Vec::new(),
        }
    }

    #[test]
    fn test_ids_map_both_ways_and_unmapped_host_ids_overflow() {
        let m = map();
        assert_eq!(m.uid_to_guest(100_000), 0);
        assert_eq!(m.uid_to_guest(100_999), 999);
        assert_eq!(m.uid_to_guest(101_000), OVERFLOW_ID);
        assert_eq!(m.uid_to_guest(7), 5000);
        assert_eq!(m.uid_to_guest(0), OVERFLOW_ID);
        assert_eq!(m.uid_to_host(0), Some(100_000));
        assert_eq!(m.uid_to_host(5000), Some(7));
        assert_eq!(m.uid_to_host(1000), None);
        // No gid mapping: the identity.
        assert_eq!(m.gid_to_guest(42), 42);
        assert_eq!(m.gid_to_host(42), Some(42));
    }

    #[test]
    fn test_ranges_near_the_top_do_not_overflow() {
        let m = IdMap {
            uids: vec![IdRange {
                inside: u32::MAX - 1,
                outside: 0,
                count: u32::MAX,
            }],
            gids: Vec::new(),
        };
        assert_eq!(m.uid_to_host(u32::MAX - 1), Some(0));
        assert_eq!(m.uid_to_host(0), None);
    }
}
