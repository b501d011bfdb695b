//! Workbooks crossfoot writes: the annotated workbook (every finding on its cell, plus a
//! results sheet), the corrected workbook (safe fixes applied), and the auditors' batch
//! summary. xlsx and xlsm are patched in place; other formats are rebuilt as xlsx first.
//!
//! STUB: the shared types are fixed here; `patch` (package patching) and `rebuild`,
//! `summary` and the dispatch below are being written.

use std::fmt;

mod patch;

pub use patch::{annotate_package, fix_package};

use crate::finding::{Finding, Lang};
use crate::model::{CellRef, SourceFormat};

/// Why an output workbook could not be written.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum OutputError {
    /// The input package could not be read back (damaged zip or XML part).
    Package(String),
    /// Writing the new workbook failed.
    Write(String),
}

impl fmt::Display for OutputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OutputError::Package(detail) => write!(
                f,
                "không đọc lại được gói bảng tính / cannot read the workbook package back: {detail}"
            ),
            OutputError::Write(detail) => {
                write!(
                    f,
                    "không ghi được bảng tính / cannot write the workbook: {detail}"
                )
            }
        }
    }
}

impl std::error::Error for OutputError {}

/// What the annotated and corrected workbooks say about the check.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OutputOptions {
    /// Language of notes and of the results sheet (`Kết quả kiểm tra` / `Check results`).
    pub lang: Lang,
    /// The template used, shown in the summary block.
    pub template: Option<String>,
    /// When the check ran, as text (the core has no clock: the caller passes it).
    pub checked_at: Option<String>,
    /// Set when the input was not xlsx/xlsm and was rebuilt as xlsx first.
    pub converted_from: Option<SourceFormat>,
}

/// A cell the corrected workbook rewrites as a live formula (`--live-totals`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveFormula {
    /// Sheet name.
    pub sheet: String,
    /// The cell.
    pub cell: CellRef,
    /// Excel formula text without the leading `=` (`SUM(C11:C26)`).
    pub formula: String,
    /// Its correct value, written as the cached result.
    pub value: rust_decimal::Decimal,
}

#[allow(dead_code)]
fn _types_in_use(_: &[Finding]) {}
