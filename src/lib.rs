//! bollwerk audits a Docker host against the CIS Docker Benchmark and beyond.
//!
//! The pipeline has three stages, one module each:
//! [`collect`] gathers facts into a [`snapshot::Snapshot`]; [`rules`] evaluates declarative
//! rules over it into results; [`report`] renders results. Only the CLI and the reports print.
//! [`doc`] is the compact JSON document the snapshot holds container inspect documents in.

#![warn(missing_docs)]

pub mod cli;
pub mod collect;
pub mod config;
pub mod diag;
pub mod digest;
pub mod doc;
pub mod facts;
pub mod manual;
pub mod report;
pub mod rules;
pub mod secrets;
pub mod snapshot;
pub mod wording;
