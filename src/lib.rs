#![doc = include_str!("../ARCHITECTURE.md")]

pub mod ast;
pub mod check;
pub mod cli;
pub mod cluster;
pub mod diagnostics;
pub mod diff;
pub mod driver;
pub mod engine;
pub mod files;
pub mod fmt;
pub mod functions;
pub mod git;
pub mod hir;
pub mod judge;
pub mod load;
pub mod lower;
pub mod merge;
mod parallel;
pub mod physical;
pub mod span;
pub mod suggest;
pub mod syntax;
pub mod testing;
pub mod types;
pub mod vars;
pub mod words;
