//! Filesystem and file implementations.

pub mod dev;
pub mod host;
pub mod memfs;
pub mod pipe;
pub mod gofer;
pub mod proc;
