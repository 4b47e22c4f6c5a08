//! Filesystem and file implementations.

pub mod dev;
pub mod epoll;
pub mod eventfd;
pub mod gofer;
pub mod host;
pub mod memfs;
pub mod pidfd;
pub mod pipe;
pub mod proc;
pub mod signalfd;
pub mod timerfd;
