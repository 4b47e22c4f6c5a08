//! The gofer: the only process of a sandbox that opens host files.
//!
//! Step 1 of the core runs host binaries handed in by `runsc do` directly;
//! the file server and its wire protocol arrive with the VFS (step 2).
#![deny(unsafe_code)]
