//! Excel formula syntax: a parser into an expression tree, and an evaluator in exact decimal
//! arithmetic that carries intervals. The same parser reads template rules, whose names
//! (`received`, `tong_so`) stand for columns and rows.

mod ast;
pub(crate) mod binary;
mod eval;
mod parse;
pub(crate) mod plain;

pub use ast::*;
pub use eval::*;
pub use parse::*;
