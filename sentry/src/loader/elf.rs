//! ELF64 header parsing, bounds-checked: a hostile binary gets ENOEXEC.

use crate::abi::elf::*;
use crate::abi::Errno;

/// One program header.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Phdr {
    /// Segment type (PT_*).
    pub p_type: u32,
    /// PF_* flags.
    pub flags: u32,
    /// File offset.
    pub offset: u64,
    /// Virtual address.
    pub vaddr: u64,
    /// Bytes in the file.
    pub filesz: u64,
    /// Bytes in memory.
    pub memsz: u64,
}

/// The parts of an ELF file the loader needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ElfInfo {
    /// ET_EXEC or ET_DYN.
    pub e_type: u16,
    /// Entry point (unrelocated).
    pub entry: u64,
    /// File offset of the program headers.
    pub phoff: u64,
    /// Program headers.
    pub phdrs: Vec<Phdr>,
    /// PT_INTERP path, if any.
    pub interp: Option<Vec<u8>>,
}

fn u16_at(b: &[u8], o: usize) -> u16 {
    u16::from_le_bytes([b[o], b[o + 1]])
}
fn u32_at(b: &[u8], o: usize) -> u32 {
    u32::from_le_bytes(b[o..o + 4].try_into().unwrap_or_default())
}
fn u64_at(b: &[u8], o: usize) -> u64 {
    u64::from_le_bytes(b[o..o + 8].try_into().unwrap_or_default())
}

/// Reads file bytes at an offset into a buffer; returns the count.
pub type ReadBytesAt<'a> = dyn FnMut(u64, &mut [u8]) -> Result<usize, Errno> + 'a;

/// Parses the header and program headers. `read_at(off, buf)` reads file
/// bytes and returns how many it read.
pub fn parse(read_at: &mut ReadBytesAt<'_>) -> Result<ElfInfo, Errno> {
    let mut eh = [0u8; EHDR_SIZE];
    let n = read_at(0, &mut eh)?;
    if n < EHDR_SIZE || eh[..4] != ELF_MAGIC {
        return Err(Errno::ENOEXEC);
    }
    if eh[EI_CLASS] != ELFCLASS64 || eh[EI_DATA] != ELFDATA2LSB || u16_at(&eh, 18) != EM_X86_64 {
        return Err(Errno::ENOEXEC);
    }
    let e_type = u16_at(&eh, 16);
    if e_type != ET_EXEC && e_type != ET_DYN {
        return Err(Errno::ENOEXEC);
    }
    let entry = u64_at(&eh, 24);
    let phoff = u64_at(&eh, 32);
    let phentsize = u16_at(&eh, 54) as usize;
    let phnum = u16_at(&eh, 56) as usize;
    if phentsize != PHDR_SIZE || phnum == 0 || phnum > MAX_PHNUM {
        return Err(Errno::ENOEXEC);
    }
    let mut table = vec![0u8; phnum * PHDR_SIZE];
    let n = read_at(phoff, &mut table)?;
    if n != table.len() {
        return Err(Errno::ENOEXEC);
    }
    let mut phdrs = Vec::with_capacity(phnum);
    let mut interp = None;
    for raw in table.chunks_exact(PHDR_SIZE) {
        let ph = Phdr {
            p_type: u32_at(raw, 0),
            flags: u32_at(raw, 4),
            offset: u64_at(raw, 8),
            vaddr: u64_at(raw, 16),
            filesz: u64_at(raw, 32),
            memsz: u64_at(raw, 40),
        };
        if ph.p_type == PT_LOAD
            && (ph.filesz > ph.memsz || ph.vaddr.checked_add(ph.memsz).is_none())
        {
            return Err(Errno::ENOEXEC);
        }
        if ph.p_type == PT_INTERP && interp.is_none() {
            if ph.filesz < 2 || ph.filesz > crate::abi::misc::PATH_MAX as u64 {
                return Err(Errno::ENOEXEC);
            }
            let mut p = vec![0u8; ph.filesz as usize];
            if read_at(ph.offset, &mut p)? != p.len() || p.last() != Some(&0) {
                return Err(Errno::ENOEXEC);
            }
            p.pop();
            interp = Some(p);
        }
        phdrs.push(ph);
    }
    if !phdrs.iter().any(|p| p.p_type == PT_LOAD) {
        return Err(Errno::ENOEXEC);
    }
    Ok(ElfInfo {
        e_type,
        entry,
        phoff,
        phdrs,
        interp,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal ELF64 image with one PT_LOAD header.
    fn image(e_type: u16, machine: u16) -> Vec<u8> {
        let mut b = vec![0u8; EHDR_SIZE + PHDR_SIZE];
        b[..4].copy_from_slice(&ELF_MAGIC);
        b[EI_CLASS] = ELFCLASS64;
        b[EI_DATA] = ELFDATA2LSB;
        b[16..18].copy_from_slice(&e_type.to_le_bytes());
        b[18..20].copy_from_slice(&machine.to_le_bytes());
        b[24..32].copy_from_slice(&0x401000u64.to_le_bytes());
        b[32..40].copy_from_slice(&(EHDR_SIZE as u64).to_le_bytes());
        b[54..56].copy_from_slice(&(PHDR_SIZE as u16).to_le_bytes());
        b[56..58].copy_from_slice(&1u16.to_le_bytes());
        let ph = EHDR_SIZE;
        b[ph..ph + 4].copy_from_slice(&PT_LOAD.to_le_bytes());
        b[ph + 4..ph + 8].copy_from_slice(&(PF_R | PF_X).to_le_bytes());
        b[ph + 16..ph + 24].copy_from_slice(&0x400000u64.to_le_bytes());
        b[ph + 32..ph + 40].copy_from_slice(&0x120u64.to_le_bytes());
        b[ph + 40..ph + 48].copy_from_slice(&0x2000u64.to_le_bytes());
        b
    }

    fn parse_bytes(b: &[u8]) -> Result<ElfInfo, Errno> {
        parse(&mut |off, buf| {
            let off = off as usize;
            if off >= b.len() {
                return Ok(0);
            }
            let n = buf.len().min(b.len() - off);
            buf[..n].copy_from_slice(&b[off..off + n]);
            Ok(n)
        })
    }

    #[test]
    fn test_parse_static_exec_reads_entry_and_load() {
        let info = parse_bytes(&image(ET_EXEC, EM_X86_64)).unwrap();
        assert_eq!(info.entry, 0x401000);
        assert_eq!(info.phdrs[0].vaddr, 0x400000);
        assert_eq!(info.phdrs[0].memsz, 0x2000);
        assert!(info.interp.is_none());
    }

    #[test]
    fn test_parse_wrong_machine_is_enoexec() {
        assert_eq!(parse_bytes(&image(ET_EXEC, 3)), Err(Errno::ENOEXEC));
    }

    #[test]
    fn test_parse_truncated_or_garbage_is_enoexec() {
        let img = image(ET_DYN, EM_X86_64);
        assert_eq!(parse_bytes(&img[..40]), Err(Errno::ENOEXEC));
        assert_eq!(parse_bytes(b"#!/bin/sh\n"), Err(Errno::ENOEXEC));
        let mut bad = img.clone();
        bad[56..58].copy_from_slice(&0u16.to_le_bytes());
        assert_eq!(parse_bytes(&bad), Err(Errno::ENOEXEC));
    }

    #[test]
    fn test_parse_filesz_above_memsz_is_enoexec() {
        let mut img = image(ET_EXEC, EM_X86_64);
        let ph = EHDR_SIZE;
        img[ph + 32..ph + 40].copy_from_slice(&0x3000u64.to_le_bytes());
        assert_eq!(parse_bytes(&img), Err(Errno::ENOEXEC));
    }
}
