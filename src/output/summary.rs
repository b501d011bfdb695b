//! The auditors' summary workbook for a whole run: one sheet listing the files with their
//! counts (or why a file could not be read), one sheet listing every finding with its file.
//! Every text goes in as text, so a value starting with `=`, `+`, `-` or `@` never becomes a
//! formula.

use rust_xlsxwriter::{Format, Workbook as XlsxWorkbook, Worksheet};

use super::rebuild::cell_text;
use super::OutputError;
use crate::finding::{Applicability, Finding, Lang};
use crate::render::FileOutcome;

/// Widest column, in Excel character units.
const MAX_WIDTH: f64 = 80.0;
/// Narrowest column.
const MIN_WIDTH: f64 = 6.0;

/// Headers of the files sheet, Vietnamese then English.
const FILE_HEADERS: [(&str, &str); 6] = [
    ("Tệp", "File"),
    ("Mẫu biểu", "Template"),
    ("Lỗi", "Errors"),
    ("Cảnh báo", "Warnings"),
    ("Thông tin", "Infos"),
    ("Lỗi đọc tệp", "Read error"),
];

/// Headers of the findings sheet, Vietnamese then English.
const FINDING_HEADERS: [(&str, &str); 11] = [
    ("Tệp", "File"),
    ("Mức độ", "Severity"),
    ("Mã", "Code"),
    ("Trang tính", "Sheet"),
    ("Ô", "Cell"),
    ("Nội dung", "Message"),
    ("Giá trị đúng", "Expected"),
    ("Giá trị trong bảng", "Actual"),
    ("Giá trị sửa", "Fix value"),
    ("Lý do sửa", "Fix reason"),
    ("Áp dụng", "Applicability"),
];

/// The columns of the sheet of findings across files (`--previous`, `--units`).
const ACROSS_HEADERS: [(&str, &str); 10] = [
    ("Tệp", "File"),
    ("Mức độ", "Severity"),
    ("Mã", "Code"),
    ("Trang tính", "Sheet"),
    ("Ô", "Cell"),
    ("Nội dung", "Message"),
    ("Tệp đối chiếu", "Other file"),
    ("Trang tính đối chiếu", "Other sheet"),
    ("Ô đối chiếu", "Other cell"),
    ("Giá trị ở tệp đối chiếu", "Value in the other file"),
];

/// One cell of the summary: text (always written as text) or a count.
enum Field<'a> {
    Text(&'a str),
    Owned(String),
    Count(usize),
}

impl Field<'_> {
    fn width(&self) -> usize {
        match self {
            Field::Text(text) => text_width(text),
            Field::Owned(text) => text_width(text),
            Field::Count(count) => count.to_string().len(),
        }
    }
}

fn text_width(text: &str) -> usize {
    text.lines()
        .map(|line| line.chars().count())
        .max()
        .unwrap_or(0)
}

/// The summary workbook of a run: sheet `Tệp`/`Files` (file, template, errors, warnings,
/// infos, read error), sheet `Phát hiện`/`Findings` (file, severity, code, sheet, cell,
/// message, expected, actual, fix value, fix reason, applicability) and, when the run
/// compared files (`--previous`, `--units`), sheet `Giữa các tệp`/`Across files` (each
/// finding across files with the other file, sheet, cell and value), each with a bold
/// header row, an autofilter, the header frozen and columns fitted to their text.
///
/// # Errors
/// [`OutputError::Write`] when rust_xlsxwriter cannot write the workbook.
///
/// # Examples
/// ```
/// use crossfoot::{read_workbook, summary_workbook, CheckReport, FileOutcome, Lang};
/// let files = [
///     FileOutcome { path: "a.xlsx".into(), result: Ok(CheckReport::default()) },
///     FileOutcome { path: "=b.xls".into(), result: Err("damaged".into()) },
/// ];
/// let xlsx = summary_workbook(&files, Lang::En).unwrap();
/// let book = read_workbook(&xlsx, "summary.xlsx").unwrap();
/// assert_eq!(book.sheets[0].name, "Files");
/// assert_eq!(book.sheets[0].label(crossfoot::CellRef::new(2, 0)), "=b.xls");
/// assert_eq!(book.sheets[0].label(crossfoot::CellRef::new(2, 5)), "damaged");
/// ```
pub fn summary_workbook(files: &[FileOutcome], lang: Lang) -> Result<Vec<u8>, OutputError> {
    let pick = |(vi, en): (&'static str, &'static str)| match lang {
        Lang::Vi => vi,
        Lang::En => en,
    };

    let file_rows: Vec<Vec<Field<'_>>> = files
        .iter()
        .map(|file| match &file.result {
            Ok(report) => {
                let summary = report.summary();
                vec![
                    Field::Text(&file.path),
                    Field::Text(report.template.as_deref().unwrap_or("")),
                    Field::Count(summary.errors),
                    Field::Count(summary.warnings),
                    Field::Count(summary.infos),
                    Field::Text(""),
                ]
            }
            Err(error) => vec![
                Field::Text(&file.path),
                Field::Text(""),
                Field::Text(""),
                Field::Text(""),
                Field::Text(""),
                Field::Text(error),
            ],
        })
        .collect();

    let mut finding_rows: Vec<Vec<Field<'_>>> = Vec::new();
    let mut across_rows: Vec<Vec<Field<'_>>> = Vec::new();
    for file in files {
        if let Ok(report) = &file.result {
            for finding in &report.findings {
                finding_rows.push(finding_row(&file.path, finding, lang));
                for related in &finding.related {
                    across_rows.push(vec![
                        Field::Text(&file.path),
                        Field::Text(finding.severity.as_str()),
                        Field::Text(finding.code),
                        Field::Text(&finding.sheet),
                        Field::Owned(finding.cell.to_string()),
                        Field::Text(finding.message.get(lang)),
                        Field::Text(&related.path),
                        Field::Text(&related.sheet),
                        Field::Owned(related.cell.to_string()),
                        Field::Text(related.value.as_deref().unwrap_or("")),
                    ]);
                }
            }
        }
    }

    let mut book = XlsxWorkbook::new();
    let files_name = pick(("Tệp", "Files"));
    let findings_name = pick(("Phát hiện", "Findings"));
    let file_headers: Vec<&str> = FILE_HEADERS.iter().map(|pair| pick(*pair)).collect();
    let finding_headers: Vec<&str> = FINDING_HEADERS.iter().map(|pair| pick(*pair)).collect();
    book.push_worksheet(table_sheet(files_name, &file_headers, &file_rows)?);
    book.push_worksheet(table_sheet(findings_name, &finding_headers, &finding_rows)?);
    // Findings across files (`--previous`, `--units`) on a sheet of their own, with the
    // other file's cell in columns of its own; only in a run that has some.
    if !across_rows.is_empty() {
        let across_headers: Vec<&str> = ACROSS_HEADERS.iter().map(|pair| pick(*pair)).collect();
        let across_name = pick(("Giữa các tệp", "Across files"));
        book.push_worksheet(table_sheet(across_name, &across_headers, &across_rows)?);
    }
    book.save_to_buffer().map_err(write_error)
}

/// Edits of one fix a summary row names before counting the rest.
const EDITS_SHOWN: usize = 5;

fn finding_row<'a>(path: &'a str, finding: &'a Finding, lang: Lang) -> Vec<Field<'a>> {
    let (fix_value, fix_reason, applicability) = match &finding.fix {
        Some(fix) => {
            let single_here = matches!(fix.edits.as_slice(), [edit] if edit.cell == finding.cell);
            let value = if single_here {
                fix.edits
                    .iter()
                    .map(|edit| edit.shown.clone())
                    .collect::<String>()
            } else {
                // A fix making a column of text numbers numbers has hundreds of edits.
                let mut shown: Vec<String> = fix
                    .edits
                    .iter()
                    .take(EDITS_SHOWN)
                    .map(|edit| format!("{}: {}", edit.cell, edit.shown))
                    .collect();
                let more = fix.edits.len().saturating_sub(EDITS_SHOWN);
                if more > 0 {
                    shown.push(match lang {
                        Lang::Vi => format!("… và {more} ô khác"),
                        Lang::En => format!("… and {more} more"),
                    });
                }
                shown.join("; ")
            };
            let applicability = match fix.applicability {
                Applicability::Safe => "safe",
                Applicability::NeedsReview => "needs-review",
            };
            (
                Field::Owned(value),
                Field::Text(fix.reason.get(lang)),
                Field::Text(applicability),
            )
        }
        None => (Field::Text(""), Field::Text(""), Field::Text("")),
    };
    vec![
        Field::Text(path),
        Field::Text(finding.severity.as_str()),
        Field::Text(finding.code),
        Field::Text(&finding.sheet),
        Field::Owned(finding.cell.to_string()),
        Field::Text(finding.message.get(lang)),
        Field::Text(finding.expected.as_deref().unwrap_or("")),
        Field::Text(finding.actual.as_deref().unwrap_or("")),
        fix_value,
        fix_reason,
        applicability,
    ]
}

/// A sheet holding a table: bold frozen header, autofilter, fitted columns.
fn table_sheet(
    name: &str,
    headers: &[&str],
    rows: &[Vec<Field<'_>>],
) -> Result<Worksheet, OutputError> {
    let mut sheet = Worksheet::new();
    sheet.set_name(name).map_err(write_error)?;
    let bold = Format::new().set_bold();
    let mut widths: Vec<usize> = headers.iter().map(|header| text_width(header)).collect();
    for (col, header) in headers.iter().enumerate() {
        sheet
            .write_string_with_format(0, col_index(col)?, *header, &bold)
            .map_err(write_error)?;
    }
    for (index, row) in rows.iter().enumerate() {
        let row_number = u32::try_from(index)
            .ok()
            .and_then(|index| index.checked_add(1))
            .ok_or_else(|| OutputError::Write("too many rows / quá nhiều dòng".to_string()))?;
        for (col, field) in row.iter().enumerate() {
            let col_number = col_index(col)?;
            match field {
                Field::Text(text) => sheet.write_string(row_number, col_number, cell_text(text)),
                Field::Owned(text) => sheet.write_string(row_number, col_number, cell_text(text)),
                Field::Count(count) => sheet.write_number(row_number, col_number, *count as f64),
            }
            .map_err(write_error)?;
            if let Some(width) = widths.get_mut(col) {
                *width = (*width).max(field.width());
            }
        }
    }
    let last_row = u32::try_from(rows.len()).unwrap_or(u32::MAX);
    let last_col = col_index(headers.len().saturating_sub(1))?;
    sheet
        .autofilter(0, 0, last_row.clamp(1, 1_048_575), last_col)
        .map_err(write_error)?;
    sheet.set_freeze_panes(1, 0).map_err(write_error)?;
    for (col, width) in widths.iter().enumerate() {
        let width = (*width as f64 * 1.1 + 2.0).clamp(MIN_WIDTH, MAX_WIDTH);
        sheet
            .set_column_width(col_index(col)?, width)
            .map_err(write_error)?;
    }
    Ok(sheet)
}

fn col_index(col: usize) -> Result<u16, OutputError> {
    u16::try_from(col).map_err(|_| OutputError::Write("too many columns".to_string()))
}

fn write_error(error: rust_xlsxwriter::XlsxError) -> OutputError {
    OutputError::Write(error.to_string())
}
