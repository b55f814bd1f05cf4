//! The facts layer's vocabulary beside the snapshot: what a collection plan is, how
//! placeholders in fact paths are written and resolved, and which daemon settings exist.
//! It depends on nothing above it (collect, rules, report, cli); both collection and the
//! rules read these definitions, so they cannot drift apart.

pub mod daemon_settings;
pub mod fact_paths;
pub mod placeholder;
pub mod plan;
