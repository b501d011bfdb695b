//! Renderers: turn the outcome of checking a batch of files into the text, JSON or CSV
//! report the command line prints, and the exit code scripts read.
//!
//! Everything here is pure: it takes data and returns `String`s (no printing, no file
//! system), so the same renderers serve the binary, the tests and any other shell. Colour
//! is plain ANSI escapes, decided by the caller.

use std::fmt::Write as _;

use crate::check::CheckReport;
use crate::finding::{Applicability, Finding, Lang, Severity, Summary};
use crate::number::Convention;

/// The outcome of one input path: the engine's report, or why the file could not be read.
#[derive(Debug, Clone, PartialEq)]
pub struct FileOutcome {
    /// The path as the user gave it (or as found walking a folder).
    pub path: String,
    /// The report, or the read error's `Display` text.
    pub result: Result<CheckReport, String>,
}

/// The code a read error is reported under in CSV rows.
pub const READ_ERROR_CODE: &str = crate::codes::UNREADABLE;

const ANSI_RED: &str = "\x1b[31m";
const ANSI_YELLOW: &str = "\x1b[33m";
const ANSI_BLUE: &str = "\x1b[34m";
const ANSI_BOLD: &str = "\x1b[1m";
const ANSI_RESET: &str = "\x1b[0m";

/// The process exit code for a batch: 2 if any input could not be read, else 1 if any
/// finding is an error, else 0.
///
/// # Examples
/// ```
/// use crossfoot::{exit_code, CheckReport, FileOutcome};
/// let clean = FileOutcome { path: "a.xlsx".into(), result: Ok(CheckReport::default()) };
/// let unreadable = FileOutcome { path: "b.xlsx".into(), result: Err("not a workbook".into()) };
/// assert_eq!(exit_code(std::slice::from_ref(&clean)), 0);
/// assert_eq!(exit_code(&[clean, unreadable]), 2);
/// ```
pub fn exit_code(files: &[FileOutcome]) -> i32 {
    if files.iter().any(|file| file.result.is_err()) {
        return 2;
    }
    let any_error = files.iter().any(|file| {
        file.result.as_ref().is_ok_and(|report| {
            report
                .findings
                .iter()
                .any(|finding| finding.severity == Severity::Error)
        })
    });
    i32::from(any_error)
}

// ---------------------------------------------------------------------------------------
// JSON

#[derive(serde::Serialize)]
struct JsonDocument<'a> {
    files: Vec<JsonFile<'a>>,
}

/// One file of the JSON report, `{"path","template","error","summary","findings":[…]}`,
/// borrowed from its [`FileOutcome`]: serialise it as it is (the web page takes it so,
/// beside its grid) or within [`render_json`]'s document.
#[derive(serde::Serialize)]
pub struct JsonFile<'a> {
    path: &'a str,
    template: Option<&'a str>,
    error: Option<&'a str>,
    summary: Summary,
    findings: Vec<JsonFinding<'a>>,
}

impl<'a> JsonFile<'a> {
    /// The JSON of one file's outcome, messages and fix reasons in `lang`.
    ///
    /// # Examples
    /// ```
    /// use crossfoot::{render_json, FileOutcome, JsonFile, Lang};
    /// let files = [FileOutcome { path: "a.xlsx".into(), result: Err("damaged".into()) }];
    /// let one = serde_json::to_value(JsonFile::of(&files[0], Lang::En)).unwrap();
    /// let all: serde_json::Value = serde_json::from_str(&render_json(&files, Lang::En)).unwrap();
    /// assert_eq!(one, all["files"][0]);
    /// ```
    pub fn of(file: &'a FileOutcome, lang: Lang) -> JsonFile<'a> {
        match &file.result {
            Ok(report) => JsonFile::checked(&file.path, report, lang),
            Err(error) => JsonFile {
                path: &file.path,
                template: None,
                error: Some(error),
                summary: Summary::default(),
                findings: Vec::new(),
            },
        }
    }

    /// The JSON of a file checked with `report`, messages and fix reasons in `lang`.
    pub fn checked(path: &'a str, report: &'a CheckReport, lang: Lang) -> JsonFile<'a> {
        JsonFile {
            path,
            template: report.template.as_deref(),
            error: None,
            summary: Summary::of(&report.findings),
            findings: report
                .findings
                .iter()
                .map(|finding| json_finding(finding, lang, report.convention))
                .collect(),
        }
    }
}

/// One finding as the JSON report writes it, `{"code","severity","sheet","cell","cells",
/// "message","expected","actual","fix","expected_value","actual_value"}` and `"related"`
/// where it names cells in other files: within a [`JsonFile`], or beside the name of the
/// file it is in (the findings across a set of files the page shows).
#[derive(serde::Serialize)]
pub struct JsonFinding<'a> {
    code: &'a str,
    severity: Severity,
    sheet: &'a str,
    cell: String,
    cells: Vec<String>,
    message: &'a str,
    expected: Option<&'a str>,
    actual: Option<&'a str>,
    fix: Option<JsonFix<'a>>,
    /// `expected` as a plain decimal (`"203566"`, `"96.1"`, a percentage as the fraction
    /// the cell holds), readable without the locale; null when it is not one number.
    expected_value: Option<String>,
    /// `actual` as a plain decimal, likewise.
    actual_value: Option<String>,
    /// Cells in other files the finding compares with (checks across files); left out of
    /// the JSON when there are none, so findings within one file keep their shape.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related: Vec<JsonRelated<'a>>,
}

/// A cell in another file, `{"path","sheet","cell","value"}`.
#[derive(serde::Serialize)]
struct JsonRelated<'a> {
    path: &'a str,
    sheet: &'a str,
    cell: String,
    value: Option<&'a str>,
}

#[derive(serde::Serialize)]
struct JsonFix<'a> {
    /// The first edit's cell (most fixes change one cell).
    cell: String,
    /// The first edit's value as shown.
    value: &'a str,
    reason: &'a str,
    applicability: Applicability,
    /// Every edit, for the rare fix that changes more than one cell.
    edits: Vec<JsonEdit<'a>>,
}

#[derive(serde::Serialize)]
struct JsonEdit<'a> {
    cell: String,
    value: &'a str,
}

/// A finding's shown value as a plain decimal, read in the convention it was shown in.
fn plain(shown: Option<&str>, convention: Convention) -> Option<String> {
    shown
        .and_then(|shown| crate::check::plain_value(shown, convention))
        .map(|value| value.to_string())
}

impl<'a> JsonFinding<'a> {
    /// The JSON of `finding`, its message and fix reason in `lang`, its shown values read
    /// as plain decimals in `convention` (its workbook's).
    pub fn of(finding: &'a Finding, lang: Lang, convention: Convention) -> JsonFinding<'a> {
        json_finding(finding, lang, convention)
    }
}

fn json_finding(finding: &Finding, lang: Lang, convention: Convention) -> JsonFinding<'_> {
    // A fix without edits has nothing to apply; it is shown as no fix rather than as an
    // object whose `cell` and `value` would be missing.
    let fix = finding.fix.as_ref().and_then(|fix| {
        let first = fix.edits.first()?;
        Some(JsonFix {
            cell: first.cell.to_string(),
            value: &first.shown,
            reason: fix.reason.get(lang),
            applicability: fix.applicability,
            edits: fix
                .edits
                .iter()
                .map(|edit| JsonEdit {
                    cell: edit.cell.to_string(),
                    value: &edit.shown,
                })
                .collect(),
        })
    });
    JsonFinding {
        code: finding.code,
        severity: finding.severity,
        sheet: &finding.sheet,
        cell: finding.cell.to_string(),
        cells: finding.cells.iter().map(ToString::to_string).collect(),
        message: finding.message.get(lang),
        expected: finding.expected.as_deref(),
        actual: finding.actual.as_deref(),
        fix,
        expected_value: plain(finding.expected.as_deref(), convention),
        actual_value: plain(finding.actual.as_deref(), convention),
        related: finding
            .related
            .iter()
            .map(|related| JsonRelated {
                path: &related.path,
                sheet: &related.sheet,
                cell: related.cell.to_string(),
                value: related.value.as_deref(),
            })
            .collect(),
    }
}

/// Renders the batch as the JSON object of the contract:
/// `{"files":[{"path","template","error","summary","findings":[…]}]}`, findings in the
/// report's order, messages and fix reasons in `lang`, cells in A1 form.
///
/// # Examples
/// ```
/// use crossfoot::{render_json, CheckReport, FileOutcome, Lang};
/// let files = [FileOutcome { path: "a.xlsx".into(), result: Err("damaged".into()) }];
/// let json: serde_json::Value = serde_json::from_str(&render_json(&files, Lang::En)).unwrap();
/// assert_eq!(json["files"][0]["error"], "damaged");
/// assert_eq!(json["files"][0]["template"], serde_json::Value::Null);
/// ```
pub fn render_json(files: &[FileOutcome], lang: Lang) -> String {
    let document = JsonDocument {
        files: files.iter().map(|file| JsonFile::of(file, lang)).collect(),
    };
    // Serialising these structs cannot fail (string keys, no maps); the fallback keeps the
    // output valid JSON all the same.
    let mut out = serde_json::to_string_pretty(&document).unwrap_or_else(|error| {
        format!(
            "{{\"files\":[],\"internal_error\":{:?}}}",
            error.to_string()
        )
    });
    out.push('\n');
    out
}

// ---------------------------------------------------------------------------------------
// CSV

/// The CSV header row, in column order.
pub const CSV_HEADER: &str =
    "file,template,severity,code,sheet,cell,cells,message,expected,actual,fix_cell,fix_value,fix_reason,expected_value,actual_value";

/// One CSV field: defused against formula injection, then quoted per RFC 4180.
fn csv_field(text: &str) -> String {
    // A spreadsheet runs a field that starts with one of these as a formula; a leading
    // apostrophe makes it text (OWASP's CSV-injection advice). A plain negative number
    // (`-5`, `-1.234,5`, `-12,5%` in the expected and actual columns) is no formula and
    // stays a number.
    let defused = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) && !is_negative_number(text)
    {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if defused.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

/// `-` followed by digits with `.`/`,` separators and at most a trailing `%`: a number a
/// spreadsheet reads as data, never as a formula.
fn is_negative_number(text: &str) -> bool {
    let Some(body) = text.strip_prefix('-') else {
        return false;
    };
    let body = body.strip_suffix('%').unwrap_or(body);
    body.starts_with(|c: char| c.is_ascii_digit())
        && body
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
}

fn push_csv_row(out: &mut String, fields: &[&str]) {
    let row: Vec<String> = fields.iter().map(|field| csv_field(field)).collect();
    out.push_str(&row.join(","));
    out.push_str("\r\n");
}

/// Renders the batch as CSV: the [`CSV_HEADER`] row, then one row per finding (a file that
/// could not be read gives one `error` row with code `CF001` and the error as message).
/// Rows end in CRLF; fields are quoted per RFC 4180, and any field starting with `=`, `+`,
/// `-`, `@`, tab or CR is prefixed with `'` so a spreadsheet never runs it as a formula.
/// `cells` and a multi-cell fix's cells are separated by spaces, its values by `; `.
///
/// # Examples
/// ```
/// use crossfoot::{render_csv, FileOutcome, Lang};
/// let files = [FileOutcome { path: "=a.xlsx".into(), result: Err("damaged, sorry".into()) }];
/// let csv = render_csv(&files, Lang::Vi);
/// assert_eq!(csv.lines().nth(1), Some("'=a.xlsx,,error,CF001,,,,\"damaged, sorry\",,,,,,,"));
/// ```
pub fn render_csv(files: &[FileOutcome], lang: Lang) -> String {
    let mut out = String::new();
    out.push_str(CSV_HEADER);
    out.push_str("\r\n");
    for file in files {
        match &file.result {
            Err(error) => push_csv_row(
                &mut out,
                &[
                    &file.path,
                    "",
                    Severity::Error.as_str(),
                    READ_ERROR_CODE,
                    "",
                    "",
                    "",
                    error,
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                ],
            ),
            Ok(report) => {
                let template = report.template.as_deref().unwrap_or("");
                for finding in &report.findings {
                    let cell = finding.cell.to_string();
                    let cells = join_cells(finding.cells.iter().map(ToString::to_string));
                    let (fix_cell, fix_value, fix_reason) = match &finding.fix {
                        Some(fix) => (
                            join_cells(fix.edits.iter().map(|edit| edit.cell.to_string())),
                            fix.edits
                                .iter()
                                .map(|edit| edit.shown.as_str())
                                .collect::<Vec<_>>()
                                .join("; "),
                            fix.reason.get(lang).to_string(),
                        ),
                        None => (String::new(), String::new(), String::new()),
                    };
                    push_csv_row(
                        &mut out,
                        &[
                            &file.path,
                            template,
                            finding.severity.as_str(),
                            finding.code,
                            &finding.sheet,
                            &cell,
                            &cells,
                            finding.message.get(lang),
                            finding.expected.as_deref().unwrap_or(""),
                            finding.actual.as_deref().unwrap_or(""),
                            &fix_cell,
                            &fix_value,
                            &fix_reason,
                            &plain(finding.expected.as_deref(), report.convention)
                                .unwrap_or_default(),
                            &plain(finding.actual.as_deref(), report.convention)
                                .unwrap_or_default(),
                        ],
                    );
                }
            }
        }
    }
    out
}

fn join_cells(cells: impl Iterator<Item = String>) -> String {
    cells.collect::<Vec<_>>().join(" ")
}

// ---------------------------------------------------------------------------------------
// Text

fn severity_colour(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => ANSI_RED,
        Severity::Warning => ANSI_YELLOW,
        Severity::Info => ANSI_BLUE,
    }
}

/// Wraps `text` in an ANSI style when `color` is on.
fn paint(text: &str, style: &str, color: bool) -> String {
    if color {
        format!("{style}{text}{ANSI_RESET}")
    } else {
        text.to_string()
    }
}

/// `0 lỗi, 6 cảnh báo, 1 thông tin` / `0 errors, 6 warnings, 1 info`.
fn summary_words(summary: Summary, lang: Lang) -> String {
    match lang {
        Lang::Vi => format!(
            "{} lỗi, {} cảnh báo, {} thông tin",
            summary.errors, summary.warnings, summary.infos
        ),
        Lang::En => format!(
            "{} {}, {} {}, {} info",
            summary.errors,
            plural(summary.errors, "error", "errors"),
            summary.warnings,
            plural(summary.warnings, "warning", "warnings"),
            summary.infos
        ),
    }
}

fn plural<'a>(count: usize, one: &'a str, many: &'a str) -> &'a str {
    if count == 1 {
        one
    } else {
        many
    }
}

/// Edits of one fix a text line shows (a fix making hundreds of text numbers numbers
/// lists them all in JSON and CSV).
const TEXT_EDITS_SHOWN: usize = 3;

fn add_summaries(total: Summary, more: Summary) -> Summary {
    Summary {
        errors: total.errors.saturating_add(more.errors),
        warnings: total.warnings.saturating_add(more.warnings),
        infos: total.infos.saturating_add(more.infos),
    }
}

/// The convention numbers are written in for a reader of `lang`.
fn convention_of(lang: Lang) -> Convention {
    match lang {
        Lang::Vi => Convention::Vietnamese,
        Lang::En => Convention::English,
    }
}

fn push_finding_line(
    out: &mut String,
    finding: &Finding,
    cell_width: usize,
    lang: Lang,
    convention: Convention,
    color: bool,
) {
    // One number style in a line: the values, shown in the sheet's convention, are written
    // in the reader's, as the message is.
    let shown = |value: &str| crate::check::in_convention(value, convention, convention_of(lang));
    let cell = finding.cell.to_string();
    let severity = paint(
        &format!("{:<7}", finding.severity.as_str()),
        severity_colour(finding.severity),
        color,
    );
    let _ = write!(
        out,
        "  {cell:<cell_width$}  {severity} {}  {}",
        finding.code,
        finding.message.get(lang)
    );
    let (expected_word, actual_word) = match lang {
        Lang::Vi => ("kỳ vọng", "thực tế"),
        Lang::En => ("expected", "actual"),
    };
    match (&finding.expected, &finding.actual) {
        (Some(expected), Some(actual)) => {
            let _ = write!(
                out,
                " ({expected_word} {}, {actual_word} {})",
                shown(expected),
                shown(actual)
            );
        }
        (Some(expected), None) => {
            let _ = write!(out, " ({expected_word} {})", shown(expected));
        }
        (None, Some(actual)) => {
            let _ = write!(out, " ({actual_word} {})", shown(actual));
        }
        (None, None) => {}
    }
    if let Some(fix) = &finding.fix {
        let mut edits: Vec<String> = fix
            .edits
            .iter()
            .take(TEXT_EDITS_SHOWN)
            .map(|edit| format!("{} = {}", edit.cell, shown(&edit.shown)))
            .collect();
        let more = fix.edits.len().saturating_sub(TEXT_EDITS_SHOWN);
        if more > 0 {
            edits.push(match lang {
                Lang::Vi => format!("… và {more} ô khác"),
                Lang::En => format!("… and {more} more"),
            });
        }
        let label = match (lang, fix.applicability) {
            (Lang::Vi, Applicability::Safe) => "sửa",
            (Lang::Vi, Applicability::NeedsReview) => "sửa (cần xem lại)",
            (Lang::En, Applicability::Safe) => "fix",
            (Lang::En, Applicability::NeedsReview) => "fix (review)",
        };
        let _ = write!(out, " → {label}: {}", edits.join(", "));
        let reason = fix.reason.get(lang);
        if !reason.is_empty() {
            let _ = write!(out, " ({reason})");
        }
    }
    out.push('\n');
}

/// Renders the batch for a person: for each file its path (and template), its findings
/// grouped by sheet, one line each —
/// `  C15  warning CF203  message (expected 5.213, actual 0) → fix: C15 = 5.213 (reason)` —
/// and a summary line; then a total line such as
/// `3 tệp: 0 lỗi, 6 cảnh báo, 1 thông tin; 0 tệp không đọc được` (Vietnamese) or
/// `3 files: 0 errors, 6 warnings, 1 info; 0 unreadable` (English). A file that could not
/// be read shows `  không đọc được / cannot read: <error>`. With `color`, severities are
/// coloured with ANSI escapes (error red, warning yellow, info blue).
///
/// # Examples
/// ```
/// use crossfoot::{render_text, CheckReport, FileOutcome, Lang};
/// let files = [FileOutcome { path: "a.xlsx".into(), result: Ok(CheckReport::default()) }];
/// let text = render_text(&files, Lang::En, false);
/// assert!(text.ends_with("1 file: 0 errors, 0 warnings, 0 info; 0 unreadable\n"));
/// ```
pub fn render_text(files: &[FileOutcome], lang: Lang, color: bool) -> String {
    let mut out = String::new();
    let mut total = Summary::default();
    let mut unreadable: usize = 0;
    for file in files {
        out.push_str(&paint(&file.path, ANSI_BOLD, color));
        match &file.result {
            Err(error) => {
                unreadable = unreadable.saturating_add(1);
                out.push('\n');
                let label = paint("không đọc được / cannot read", ANSI_RED, color);
                let _ = writeln!(out, "  {label}: {error}");
            }
            Ok(report) => {
                if let Some(template) = &report.template {
                    let word = match lang {
                        Lang::Vi => "mẫu",
                        Lang::En => "template",
                    };
                    let _ = write!(out, " ({word} {template})");
                }
                out.push('\n');
                push_sheets(&mut out, &report.findings, report.convention, lang, color);
                let summary = Summary::of(&report.findings);
                total = add_summaries(total, summary);
                let _ = writeln!(out, "  {}", summary_words(summary, lang));
            }
        }
    }
    let count = files.len();
    let _ = match lang {
        Lang::Vi => writeln!(
            out,
            "{count} tệp: {}; {unreadable} tệp không đọc được",
            summary_words(total, lang)
        ),
        Lang::En => writeln!(
            out,
            "{count} {}: {}; {unreadable} unreadable",
            plural(count, "file", "files"),
            summary_words(total, lang)
        ),
    };
    out
}

/// Writes findings grouped by sheet, sheets in order of first appearance (the engine sorts
/// findings by sheet order already; grouping keeps a stray out-of-order finding with its
/// sheet).
fn push_sheets(
    out: &mut String,
    findings: &[Finding],
    convention: Convention,
    lang: Lang,
    color: bool,
) {
    let mut sheets: Vec<&str> = Vec::new();
    for finding in findings {
        if !sheets.contains(&finding.sheet.as_str()) {
            sheets.push(&finding.sheet);
        }
    }
    let sheet_word = match lang {
        Lang::Vi => "Trang tính",
        Lang::En => "Sheet",
    };
    for sheet in sheets {
        let in_sheet: Vec<&Finding> = findings
            .iter()
            .filter(|finding| finding.sheet == sheet)
            .collect();
        let cell_width = in_sheet
            .iter()
            .map(|finding| finding.cell.to_string().len())
            .max()
            .unwrap_or(0);
        let _ = writeln!(out, "  {sheet_word} \"{sheet}\":");
        for finding in in_sheet {
            push_finding_line(out, finding, cell_width, lang, convention, color);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Edit, Fix, Message};
    use crate::model::CellRef;
    use rust_decimal::Decimal;

    fn finding(code: &'static str, severity: Severity, sheet: &str, cell: &str) -> Finding {
        Finding {
            code,
            severity,
            sheet: sheet.to_string(),
            cell: CellRef::parse(cell).expect("a test cell in A1 form"),
            cells: vec![],
            message: Message::new(format!("{code} tiếng Việt"), format!("{code} in English")),
            expected: None,
            actual: None,
            fix: None,
            related: Vec::new(),
        }
    }

    /// The 06 form's shape: a warning with a fix on C15, an info, on two sheets.
    fn sample_report() -> CheckReport {
        let mut gap = finding("CF203", Severity::Warning, "06", "C15");
        gap.cells = vec![CellRef::new(14, 6), CellRef::new(14, 10)];
        gap.expected = Some("5.213".to_string());
        gap.actual = Some("0".to_string());
        gap.fix = Some(Fix {
            edits: vec![Edit {
                cell: CellRef::new(14, 2),
                value: Decimal::new(5213, 0),
                shown: "5.213".to_string(),
            }],
            reason: Message::new("tính lại tổng", "total recomputed"),
            applicability: Applicability::NeedsReview,
        });
        let note = finding("CF101", Severity::Info, "Phụ lục", "D7");
        CheckReport {
            template: Some("tthc-06".to_string()),
            findings: vec![gap, note],
            convention: Convention::Vietnamese,
            ..CheckReport::default()
        }
    }

    fn outcomes() -> Vec<FileOutcome> {
        vec![
            FileOutcome {
                path: "a.xlsx".to_string(),
                result: Ok(sample_report()),
            },
            FileOutcome {
                path: "b.xlsx".to_string(),
                result: Err("không phải bảng tính / not a workbook".to_string()),
            },
        ]
    }

    #[test]
    fn exit_code_prefers_unreadable_over_errors_over_clean() {
        let clean = FileOutcome {
            path: "c".into(),
            result: Ok(sample_report()),
        };
        assert_eq!(
            exit_code(std::slice::from_ref(&clean)),
            0,
            "warnings and infos do not fail"
        );
        let mut with_error = sample_report();
        with_error
            .findings
            .push(finding("CF201", Severity::Error, "06", "C9"));
        let failing = FileOutcome {
            path: "e".into(),
            result: Ok(with_error),
        };
        assert_eq!(exit_code(&[clean.clone(), failing.clone()]), 1);
        let unreadable = FileOutcome {
            path: "u".into(),
            result: Err("x".into()),
        };
        assert_eq!(exit_code(&[failing, unreadable, clean]), 2);
        assert_eq!(exit_code(&[]), 0);
    }

    #[test]
    fn json_has_every_contract_key_and_parses_back() {
        let text = render_json(&outcomes(), Lang::En);
        let json: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        let files = json["files"].as_array().expect("files array");
        assert_eq!(files.len(), 2);

        let good = &files[0];
        for key in ["path", "template", "error", "summary", "findings"] {
            assert!(good.get(key).is_some(), "file key {key} missing");
        }
        assert_eq!(good["path"], "a.xlsx");
        assert_eq!(good["template"], "tthc-06");
        assert!(good["error"].is_null());
        assert_eq!(good["summary"]["errors"], 0);
        assert_eq!(good["summary"]["warnings"], 1);
        assert_eq!(good["summary"]["infos"], 1);

        let findings = good["findings"].as_array().expect("findings array");
        assert_eq!(findings.len(), 2);
        let gap = &findings[0];
        for key in [
            "code", "severity", "sheet", "cell", "cells", "message", "expected", "actual", "fix",
        ] {
            assert!(gap.get(key).is_some(), "finding key {key} missing");
        }
        assert_eq!(gap["code"], "CF203");
        assert_eq!(gap["severity"], "warning");
        assert_eq!(gap["sheet"], "06");
        assert_eq!(gap["cell"], "C15");
        assert_eq!(gap["cells"], serde_json::json!(["G15", "K15"]));
        assert_eq!(gap["message"], "CF203 in English");
        assert_eq!(gap["expected"], "5.213");
        assert_eq!(gap["actual"], "0");
        assert_eq!(gap["fix"]["cell"], "C15");
        assert_eq!(gap["fix"]["value"], "5.213");
        assert_eq!(gap["fix"]["reason"], "total recomputed");
        assert_eq!(gap["fix"]["applicability"], "needs-review");

        let note = &findings[1];
        assert_eq!(note["sheet"], "Phụ lục");
        assert!(note["fix"].is_null());
        assert!(note["expected"].is_null());
        assert!(note["actual"].is_null());
        assert_eq!(note["cells"], serde_json::json!([]));

        let bad = &files[1];
        assert_eq!(bad["error"], "không phải bảng tính / not a workbook");
        assert!(bad["template"].is_null());
        assert_eq!(bad["findings"], serde_json::json!([]));
        assert_eq!(bad["summary"]["errors"], 0);
    }

    #[test]
    fn json_names_related_cells_only_where_a_finding_has_them() {
        let mut report = sample_report();
        let mut across = finding("CF401", Severity::Error, "06", "F12");
        across.related = vec![crate::finding::Related {
            path: "q2.xlsx".to_string(),
            sheet: "06".to_string(),
            cell: CellRef::new(11, 10),
            value: Some("1.200".to_string()),
        }];
        report.findings.push(across);
        let files = [FileOutcome {
            path: "q3.xlsx".into(),
            result: Ok(report),
        }];
        let json: serde_json::Value =
            serde_json::from_str(&render_json(&files, Lang::En)).expect("valid JSON");
        let findings = json["files"][0]["findings"].as_array().expect("findings");
        assert!(findings[0].get("related").is_none(), "{}", findings[0]);
        assert_eq!(
            findings[2]["related"],
            serde_json::json!([{"path": "q2.xlsx", "sheet": "06", "cell": "K12", "value": "1.200"}])
        );
    }

    #[test]
    fn json_messages_follow_the_language() {
        let json: serde_json::Value =
            serde_json::from_str(&render_json(&outcomes(), Lang::Vi)).expect("valid JSON");
        assert_eq!(
            json["files"][0]["findings"][0]["message"],
            "CF203 tiếng Việt"
        );
        assert_eq!(
            json["files"][0]["findings"][0]["fix"]["reason"],
            "tính lại tổng"
        );
    }

    #[test]
    fn json_of_an_empty_batch_is_an_empty_list() {
        let json: serde_json::Value =
            serde_json::from_str(&render_json(&[], Lang::Vi)).expect("valid JSON");
        assert_eq!(json, serde_json::json!({"files": []}));
    }

    #[test]
    fn csv_field_defuses_formulas_and_quotes() {
        assert_eq!(csv_field("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(csv_field("=SUM(A1,B1)"), "\"'=SUM(A1,B1)\"");
        assert_eq!(csv_field("+1"), "'+1");
        assert_eq!(csv_field("-5"), "-5", "a negative number stays a number");
        assert_eq!(csv_field("-1.234,5"), "\"-1.234,5\"");
        assert_eq!(csv_field("-12,5%"), "\"-12,5%\"");
        assert_eq!(csv_field("-5+A1"), "'-5+A1");
        assert_eq!(csv_field("-A1"), "'-A1");
        assert_eq!(csv_field("-"), "'-");
        assert_eq!(csv_field("@cmd"), "'@cmd");
        assert_eq!(csv_field("\tx"), "'\tx");
        assert_eq!(csv_field("\rx"), "\"'\rx\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_field("1.845"), "1.845");
        assert_eq!(csv_field("96,1"), "\"96,1\"");
        assert_eq!(csv_field(""), "");
        assert_eq!(csv_field("a=b"), "a=b", "only a leading sign is dangerous");
    }

    #[test]
    fn csv_has_header_and_one_row_per_finding_or_read_error() {
        let csv = render_csv(&outcomes(), Lang::En);
        let rows: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(rows.first(), Some(&CSV_HEADER));
        assert_eq!(
            rows.get(1),
            Some(
                &"a.xlsx,tthc-06,warning,CF203,06,C15,G15 K15,CF203 in English,5.213,0,C15,5.213,total recomputed,5213,0"
            )
        );
        assert_eq!(
            rows.get(2),
            Some(&"a.xlsx,tthc-06,info,CF101,Phụ lục,D7,,CF101 in English,,,,,,,")
        );
        assert_eq!(
            rows.get(3),
            Some(&"b.xlsx,,error,CF001,,,,không phải bảng tính / not a workbook,,,,,,,")
        );
        assert_eq!(rows.get(4), Some(&""), "the last row ends in CRLF");
        assert_eq!(rows.len(), 5);
    }

    #[test]
    fn csv_escapes_hostile_finding_text() {
        let mut hostile = finding("CF201", Severity::Error, "=Sheet", "A1");
        hostile.message = Message::new("", "=SUM(A1) says \"no\"\nsecond line");
        hostile.expected = Some("-5".to_string());
        hostile.actual = Some("1,5".to_string());
        let files = [FileOutcome {
            path: "x.xlsx".into(),
            result: Ok(CheckReport {
                template: None,
                findings: vec![hostile],
                convention: Convention::Vietnamese,
                ..CheckReport::default()
            }),
        }];
        let csv = render_csv(&files, Lang::En);
        let body = csv.strip_prefix(CSV_HEADER).expect("header first");
        assert_eq!(
            body,
            "\r\nx.xlsx,,error,CF201,'=Sheet,A1,,\"'=SUM(A1) says \"\"no\"\"\nsecond line\",-5,\"1,5\",,,,-5,1.5\r\n"
        );
        // Every row has exactly 15 fields once quoting is undone.
        assert_eq!(
            parse_csv(&csv).iter().map(Vec::len).collect::<Vec<_>>(),
            vec![15, 15]
        );
    }

    /// A minimal RFC 4180 reader, to check that what we write reads back field for field.
    fn parse_csv(text: &str) -> Vec<Vec<String>> {
        let mut rows = Vec::new();
        let mut row = Vec::new();
        let mut field = String::new();
        let mut quoted = false;
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match (quoted, c) {
                (true, '"') if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                (true, '"') => quoted = false,
                (true, c) => field.push(c),
                (false, '"') => quoted = true,
                (false, ',') => row.push(std::mem::take(&mut field)),
                (false, '\r') if chars.peek() == Some(&'\n') => {
                    chars.next();
                    row.push(std::mem::take(&mut field));
                    rows.push(std::mem::take(&mut row));
                }
                (false, c) => field.push(c),
            }
        }
        rows
    }

    #[test]
    fn csv_round_trips_through_a_reader() {
        let rows = parse_csv(&render_csv(&outcomes(), Lang::Vi));
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[1][7], "CF203 tiếng Việt");
        assert_eq!(rows[1][12], "tính lại tổng");
        assert_eq!(rows[3][7], "không phải bảng tính / not a workbook");
    }

    #[test]
    fn text_groups_by_file_and_sheet_with_totals_in_english() {
        let text = render_text(&outcomes(), Lang::En, false);
        let expected = "\
a.xlsx (template tthc-06)
  Sheet \"06\":
  C15  warning CF203  CF203 in English (expected 5,213, actual 0) → fix (review): C15 = 5,213 (total recomputed)
  Sheet \"Phụ lục\":
  D7  info    CF101  CF101 in English
  0 errors, 1 warning, 1 info
b.xlsx
  không đọc được / cannot read: không phải bảng tính / not a workbook
2 files: 0 errors, 1 warning, 1 info; 1 unreadable
";
        assert_eq!(text, expected);
    }

    #[test]
    fn text_in_vietnamese() {
        let text = render_text(&outcomes(), Lang::Vi, false);
        assert!(text.contains("a.xlsx (mẫu tthc-06)\n"));
        assert!(text.contains(
            "  C15  warning CF203  CF203 tiếng Việt (kỳ vọng 5.213, thực tế 0) → sửa (cần xem lại): C15 = 5.213 (tính lại tổng)\n"
        ));
        assert!(text.contains("  0 lỗi, 1 cảnh báo, 1 thông tin\n"));
        assert!(text.ends_with("2 tệp: 0 lỗi, 1 cảnh báo, 1 thông tin; 1 tệp không đọc được\n"));
    }

    #[test]
    fn text_totals_add_across_files() {
        let files = vec![
            FileOutcome {
                path: "a".into(),
                result: Ok(sample_report()),
            },
            FileOutcome {
                path: "b".into(),
                result: Ok(sample_report()),
            },
            FileOutcome {
                path: "c".into(),
                result: Ok(CheckReport::default()),
            },
        ];
        let text = render_text(&files, Lang::Vi, false);
        assert!(text.ends_with("3 tệp: 0 lỗi, 2 cảnh báo, 2 thông tin; 0 tệp không đọc được\n"));
    }

    #[test]
    fn text_colours_severities_only_when_asked() {
        let mut report = sample_report();
        report
            .findings
            .push(finding("CF201", Severity::Error, "06", "C9"));
        let files = [FileOutcome {
            path: "a".into(),
            result: Ok(report),
        }];
        let plain = render_text(&files, Lang::En, false);
        assert!(!plain.contains('\x1b'));
        let coloured = render_text(&files, Lang::En, true);
        assert!(coloured.contains("\x1b[31merror  \x1b[0m"));
        assert!(coloured.contains("\x1b[33mwarning\x1b[0m"));
        assert!(coloured.contains("\x1b[34minfo   \x1b[0m"));
        // Cells in one sheet are padded to the same width.
        assert!(plain.contains("  C15  warning"));
        assert!(plain.contains("  C9   error  "));
    }
}
