//! A province's report and its units' reports: each unit's own report read for its name
//! and its totals (`reported`), the province's form written from them (`write`: one row a
//! unit, the sections and the grand total live formulas, every unit's findings on a sheet
//! of their own), and a province's report checked against its units' files (`against`).
//! Units are matched by their names, Vietnamese marks compared where both names have them.

mod against;
mod reported;
mod write;

pub use against::{check_against_units, decide_by_units};
pub(crate) use reported::same_unit;
pub use reported::{read_unit, Naming, UnitError, UnitFigure, UnitFile, UnitReport};
pub use write::{consolidate, ConsolidateOptions, Consolidated, UnitPlaced, UnitStatus};
