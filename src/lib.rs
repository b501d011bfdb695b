//! crossfoot checks the numbers in report workbooks: totals against their parts,
//! percentages against the ratio they claim at the precision they show.
//!
//! The library reads from bytes and returns data; the `crossfoot` binary and the
//! WebAssembly bindings are thin shells over it.

#![warn(missing_docs)]
// The core reads files strangers send: nothing in it may panic on their contents, nor
// overflow on them (integer arithmetic is checked or saturating; `Decimal` arithmetic,
// which panics on overflow, goes through `checked_*`). Tests may unwrap, index and add
// freely.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects
    )
)]

mod check;
mod codes;
mod error;
mod finding;
mod form;
mod formula;
mod infer;
mod interval;
mod layout;
mod limits;
mod model;
mod number;
mod ooxml;
mod output;
mod period;
mod read;
mod recalc;
mod render;
mod template;
mod text;
mod unit;
mod view;
#[cfg(feature = "wasm")]
mod wasm;

pub use check::*;
pub use codes::*;
pub use error::*;
pub use finding::*;
pub use form::*;
pub use formula::*;
pub use infer::*;
pub use interval::*;
pub use layout::*;
pub use limits::Limits;
pub use model::*;
pub use number::*;
pub use output::*;
pub use period::*;
pub use read::{read_workbook, read_workbook_with};
pub use recalc::*;
pub use render::*;
pub use template::*;
pub use text::normalize_label;
pub use unit::{stated_unit, unit_kind, StatedUnit, UnitKind};
pub use view::*;
