//! Filesystem and file implementations.

pub mod host;
