//! Shared helpers for bollwerk's integration tests.
//!
//! Each file in `tests/` is built as its own test binary and pulls this
//! module in with `mod support;`. The main helper is
//! [`dockerd::PrivateDaemon`], which starts a throwaway `dockerd` that never
//! touches the system daemon.

// Each integration test binary compiles this module separately and usually
// uses only some of the helpers, so the unused ones would otherwise trigger
// `dead_code` warnings (and fail `clippy -D warnings`) in that binary.
#![allow(dead_code)]

pub mod dockerd;
pub mod fake_daemon;
pub mod fixture;
pub mod podman;
pub mod scan;
