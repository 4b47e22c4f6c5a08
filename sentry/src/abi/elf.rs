//! ELF64 file-format constants the loader reads.

/// `\x7fELF`.
pub const ELF_MAGIC: [u8; 4] = [0x7f, b'E', b'L', b'F'];
/// e_ident[EI_CLASS]: 64-bit.
pub const ELFCLASS64: u8 = 2;
/// e_ident[EI_DATA]: little endian.
pub const ELFDATA2LSB: u8 = 1;
/// Index of the class byte in e_ident.
pub const EI_CLASS: usize = 4;
/// Index of the data-encoding byte in e_ident.
pub const EI_DATA: usize = 5;
/// e_type: executable.
pub const ET_EXEC: u16 = 2;
/// e_type: shared object (PIE).
pub const ET_DYN: u16 = 3;
/// e_machine: x86_64.
pub const EM_X86_64: u16 = 62;
/// Size of the ELF64 header.
pub const EHDR_SIZE: usize = 64;
/// Size of an ELF64 program header.
pub const PHDR_SIZE: usize = 56;
/// Loadable segment.
pub const PT_LOAD: u32 = 1;
/// Interpreter path.
pub const PT_INTERP: u32 = 3;
/// Program header table itself.
pub const PT_PHDR: u32 = 6;
/// Stack flags.
pub const PT_GNU_STACK: u32 = 0x6474_e551;
/// Segment executable.
pub const PF_X: u32 = 1;
/// Segment writable.
pub const PF_W: u32 = 2;
/// Segment readable.
pub const PF_R: u32 = 4;
/// Most program headers the loader accepts (Linux caps the table at 64 KiB).
pub const MAX_PHNUM: usize = 65536 / PHDR_SIZE;
