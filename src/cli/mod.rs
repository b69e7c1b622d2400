//! Subcommands whose output needs more than a few lines of glue.

pub mod eval;
pub mod explain;
pub mod export;
pub mod extract;
pub mod push;
pub mod serve;
pub mod store;
pub mod views;
