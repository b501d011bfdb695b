//! crossfoot checks the numbers in report workbooks: totals against their parts,
//! percentages against the ratio they claim at the precision they show.
//!
//! The library reads from bytes and returns data; the `crossfoot` binary and the
//! WebAssembly bindings are thin shells over it. Its modules are private and their public
//! items are re-exported here, flat, by name. What to call:
//!
//! - **Reading**: [`read_workbook`] (or [`read_workbook_with`] and its [`Limits`]) turns a
//!   file's bytes into a [`Workbook`] of [`Sheet`]s and [`Cell`]s, whatever the format
//!   (xlsx, xlsm, xlsb, xls, ods, HTML saved as `.xls`); errors are [`ReadError`].
//! - **Checking**: [`check`] applies a template ([`TemplateChoice`]: a built-in, a user's
//!   [`Template`], inferred, or none) and the checks every file gets, and returns a
//!   [`CheckReport`] of [`Finding`]s, each with its code, [`Severity`], [`Message`] and
//!   perhaps a [`Fix`]. [`explain`] and [`rule_docs`] document the codes.
//!   [`check_continuity`] checks a period's file against the last period's ([`PeriodFile`]s);
//!   its findings name the other file's cells ([`Related`]), and [`decide_by_previous`] lets
//!   the last period say which of two equally likely cells is wrong. [`check_against_units`] checks a
//!   province's consolidated report against its units' own reports ([`read_unit`]), and
//!   [`decide_by_units`] lets those reports say which of two equally likely cells is wrong.
//! - **Rendering**: [`render_text`], [`render_json`] (the contract) and [`render_csv`] turn
//!   a batch's [`FileOutcome`]s into a report; [`exit_code`] is the command line's.
//! - **Writing back**: [`annotated_workbook`] (every finding on its cell) and
//!   [`fixed_workbook`] (the safe fixes applied), or [`annotate_package`] and
//!   [`fix_package`] for an xlsx already read; [`summary_workbook`] for a batch;
//!   [`live_formulas`] for totals kept as live formulas.
//! - **Templates**: [`Template`] parses a TOML template; [`infer_template`] infers one from
//!   a table and [`template_to_toml`] writes it for a person to edit.
//! - **Forms**: [`form_workbook`] writes a template's self-checking blank form.
//! - **Recalculation**: [`recompute`] recomputes a workbook's formulas as Excel would.
//! - **The page's view**: [`CheckedFile`] keeps a check for its downloads; [`workbook_view`]
//!   and [`sheet_view`] are what the web page shows of it; [`CheckedSet`] is files dropped
//!   together, checked across one another ([`check_set`]).
//!
//! Below these, the building blocks they return and take: the model ([`CellRef`],
//! [`Value`], [`Reading`]), numbers as offices write them ([`Convention`],
//! [`format_number`]), formulas ([`parse_formula`], [`evaluate`]), intervals
//! ([`Interval`]), periods ([`period_in_text`]) and the table's layout ([`Layout`]).

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
mod consolidate;
mod continuity;
mod error;
mod fileset;
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

// Checking.
pub use check::{check, formula_region_findings, live_formulas, CheckReport, TemplateChoice};
pub use codes::{explain, rule_docs, RuleDoc};
pub use consolidate::{
    check_against_units, consolidate, decide_by_units, read_unit, ConsolidateOptions, Consolidated,
    Naming, UnitError, UnitFigure, UnitFile, UnitPlaced, UnitReport, UnitStatus,
};
pub use continuity::{check_continuity, decide_by_previous, PeriodFile};
pub use fileset::{check_set, SetFile, SetKind, SetReport};
pub use finding::{
    Applicability, Edit, Finding, Fix, Lang, LiveFormula, Message, Related, Severity, Summary,
};
// Reading, and the model it builds.
pub use error::{ReadError, TemplateError};
pub use limits::Limits;
pub use model::{
    column_letters, Cell, CellRange, CellRef, Date, Sheet, SourceFormat, Value, Workbook,
};
pub use read::{read_workbook, read_workbook_with};
// Rendering reports and writing workbooks back.
pub use output::{
    annotate_package, annotated_workbook, fix_package, fixed_workbook, rebuild_xlsx,
    summary_workbook, OutputError, OutputOptions,
};
pub use render::{
    exit_code, render_csv, render_json, render_text, FileOutcome, JsonFile, JsonFinding,
    CSV_HEADER, READ_ERROR_CODE,
};
pub use view::{
    cell_text, sheet_view, workbook_view, CheckView, CheckedFile, CheckedSet, MergeView,
    PlacedView, SetFindingView, SetView, SheetView, TemplateSummary, UnreadableView,
    CELL_SEPARATOR, MAX_GRID_CELLS,
};
// Templates, inference and forms.
pub use form::{
    form_sections_from, form_workbook, parse_units, Appendix, FilledUnit, FormError, FormOptions,
};
pub use infer::{infer_template, template_to_toml, Evidence, InferredTemplate};
pub use template::{
    BlankMeaning, Blanks, Checks, Continuity, ContinuityEntry, FormColumn, FormColumnKind,
    FormLine, FormSection, FormSpec, MessageSpec, OneOrMany, Recognize, RowSpec, RuleSpec, Scope,
    TableSpec, Template, TemplateSpec,
};
// The building blocks: numbers, intervals, formulas, recalculation, periods, layout, text.
pub use formula::{
    added_references, evaluate, parse_formula, references, BinaryOp, EvalValue, ExcelError, Expr,
    FormulaError, Operand, Reference, Resolver, UnaryOp, MAX_FORMULA_LEN, MAX_NESTING,
    MAX_TREE_DEPTH,
};
pub use interval::{round_decimal, Interval, RoundMode};
pub use layout::{BodyRow, Layout, RowKind, SUBTOTAL_LABELS, TOTAL_LABELS};
pub use number::{
    classify_text, format_info, format_number, format_quantity, number_format_for_text,
    numeric_reading, resolve_text, Convention, FormatInfo, Marker, Quantity, Reading, Rounding,
    TextShape,
};
pub use period::{date_from_serial, dates_in_text, period_in_text, Period};
pub use recalc::{excel_shows, recompute, RecalcOutcome, Recomputed};
pub use text::normalize_label;
pub use unit::{stated_unit, unit_kind, StatedUnit, UnitKind};
