//! Workbooks crossfoot writes: the annotated workbook (every finding on its cell, plus a
//! results sheet), the corrected workbook (safe fixes applied), and the auditors' batch
//! summary. xlsx and xlsm are patched in place; other formats are rebuilt as xlsx first.
//!
//! [`annotated_workbook`] and [`fixed_workbook`] choose the way: `patch` for xlsx and xlsm,
//! [`rebuild_xlsx`] then `patch` for the others. [`summary_workbook`] writes the batch
//! summary.

use std::borrow::Cow;
use std::fmt;

use crate::check::CheckReport;
use crate::finding::{Finding, Lang, LiveFormula};
use crate::model::{SourceFormat, Workbook};

mod patch;
mod rebuild;
mod summary;

pub use patch::{annotate_package, fix_package};

pub use rebuild::rebuild_xlsx;
pub use summary::summary_workbook;

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

/// The workbook with every finding marked on its cell (a fill and a note) and a results
/// sheet (`Kết quả kiểm tra` / `Check results`) appended.
///
/// xlsx and xlsm are patched: everything else in the file stays as the office made it.
/// Other formats (xls, xlsb, ods, HTML exports) are first rebuilt as xlsx from `workbook`
/// ([`rebuild_xlsx`]) and the results sheet says so (`converted_from`). `input` must be the
/// bytes `workbook` was read from.
///
/// # Errors
/// [`OutputError::Package`] when the xlsx package cannot be read back, [`OutputError::Write`]
/// when the new workbook cannot be written.
///
/// # Examples
/// ```
/// use crossfoot::{annotated_workbook, check, read_workbook, OutputOptions, TemplateChoice};
/// let input = std::fs::read("tests/fixtures/tthc-06-q3-2022.xls").unwrap();
/// let book = read_workbook(&input, "tthc-06-q3-2022.xls").unwrap();
/// let report = check(&book, &TemplateChoice::Auto);
/// let xlsx = annotated_workbook(&input, &book, &report, &OutputOptions::default()).unwrap();
/// assert!(read_workbook(&xlsx, "checked.xlsx").is_ok());
/// ```
pub fn annotated_workbook(
    input: &[u8],
    workbook: &Workbook,
    report: &CheckReport,
    options: &OutputOptions,
) -> Result<Vec<u8>, OutputError> {
    let (package, findings, _, options) = prepare(input, workbook, report, &[], options)?;
    patch::annotate_package(&package, &findings, &options)
}

/// The workbook with every `Safe` fix applied (each with a note saying what changed and
/// why) and, with `live`, those cells rewritten as live formulas with their correct values.
/// Same dispatch as [`annotated_workbook`]: xlsx and xlsm are patched, others rebuilt first.
///
/// # Errors
/// [`OutputError::Package`] when the xlsx package cannot be read back, [`OutputError::Write`]
/// when the new workbook cannot be written.
///
/// # Examples
/// ```
/// use crossfoot::{check, fixed_workbook, read_workbook, OutputOptions, TemplateChoice};
/// let input = std::fs::read("tests/fixtures/tthc-06-q3-2022.ods").unwrap();
/// let book = read_workbook(&input, "tthc-06-q3-2022.ods").unwrap();
/// let report = check(&book, &TemplateChoice::Auto);
/// let xlsx = fixed_workbook(&input, &book, &report, &[], &OutputOptions::default()).unwrap();
/// assert!(read_workbook(&xlsx, "fixed.xlsx").is_ok());
/// ```
pub fn fixed_workbook(
    input: &[u8],
    workbook: &Workbook,
    report: &CheckReport,
    live: &[LiveFormula],
    options: &OutputOptions,
) -> Result<Vec<u8>, OutputError> {
    let (package, findings, live, options) = prepare(input, workbook, report, live, options)?;
    patch::fix_package(&package, &findings, &live, &options)
}

/// What the patcher needs: the package to patch (the input, or the rebuilt xlsx), the
/// findings and live formulas with their sheets named as written, and the options (with
/// `converted_from` set for a rebuild).
type Prepared<'a> = (
    Cow<'a, [u8]>,
    Cow<'a, [Finding]>,
    Cow<'a, [LiveFormula]>,
    Cow<'a, OutputOptions>,
);

fn prepare<'a>(
    input: &'a [u8],
    workbook: &Workbook,
    report: &'a CheckReport,
    live: &'a [LiveFormula],
    options: &'a OutputOptions,
) -> Result<Prepared<'a>, OutputError> {
    if workbook.format.is_ooxml() {
        return Ok((
            Cow::Borrowed(input),
            Cow::Borrowed(&report.findings),
            Cow::Borrowed(live),
            Cow::Borrowed(options),
        ));
    }
    let rebuilt = rebuild::rebuild(workbook)?;
    let renamed = |sheet: &str| {
        rebuilt
            .names
            .iter()
            .find(|(original, written)| original == sheet && original != written)
            .map(|(_, written)| written.clone())
    };
    let findings: Vec<Finding> = report
        .findings
        .iter()
        .map(|finding| {
            let mut finding = finding.clone();
            if let Some(name) = renamed(&finding.sheet) {
                finding.sheet = name;
            }
            finding
        })
        .collect();
    let live: Vec<LiveFormula> = live
        .iter()
        .map(|formula| {
            let mut formula = formula.clone();
            if let Some(name) = renamed(&formula.sheet) {
                formula.sheet = name;
            }
            formula
        })
        .collect();
    let options = OutputOptions {
        converted_from: Some(workbook.format),
        ..options.clone()
    };
    Ok((
        Cow::Owned(rebuilt.bytes),
        Cow::Owned(findings),
        Cow::Owned(live),
        Cow::Owned(options),
    ))
}
