//! What the web page shows of a checked workbook, as plain serialisable data: each sheet as
//! a grid of the texts its cells show (with column names, widths and merged ranges), beside
//! the file's findings as the JSON report gives them and the cells they are on. A
//! [`CheckedFile`] keeps one check of a file so that its view and its annotated and
//! corrected copies all come from it. A [`CheckedSet`] is the files dropped together, as
//! what the page shows beside each file's own check (what the set is, the findings across
//! its files, the consolidated workbook). The wasm shell only converts these to JavaScript.

use std::collections::HashSet;

use serde::Serialize;

use crate::check::{check, CheckReport, TemplateChoice};
use crate::codes::PLACEHOLDER_VALUES;
use crate::consolidate::UnitStatus;
use crate::error::ReadError;
use crate::fileset::{check_set, SetFile, SetKind, SetReport};
use crate::finding::Lang;
use crate::model::{column_letters, CellRef, Sheet, SourceFormat, Value, Workbook};
use crate::number::{format_number, format_quantity, Convention, Reading};
use crate::output::{annotated_workbook, fixed_workbook, OutputError, OutputOptions};
use crate::read::read_workbook;
use crate::render::{render_csv, FileOutcome, JsonFile, JsonFinding};
use crate::template::Template;

/// At most this many grid cells (rows × used columns) are shown of a sheet; the rest of a
/// huge sheet is cut (and [`SheetView::truncated`] says so). Findings are never cut.
pub const MAX_GRID_CELLS: usize = 400_000;

/// Separates the cells of a grid row in [`SheetView::rows`] (U+001F, the unit separator).
pub const CELL_SEPARATOR: char = '\u{1F}';

/// How many rows from the top decide the grid's column widths.
const WIDTH_SAMPLE_ROWS: u32 = 3_000;
/// A grid column's narrowest width, in characters.
const MIN_WIDTH: u32 = 4;
/// A grid column's widest width, in characters.
const MAX_WIDTH: u32 = 28;

/// One sheet for the grid: cell texts as shown, capped to the used range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SheetView {
    /// The sheet's name.
    pub name: String,
    /// Whether the sheet is hidden in the workbook.
    pub hidden: bool,
    /// Used rows (after the cap).
    pub row_count: u32,
    /// Used columns.
    pub col_count: u32,
    /// Each used column's name (`A`, `B`, … `AA`): a cell's address is its column's name
    /// and its 1-based row.
    pub columns: Vec<String>,
    /// Row by row, the cells' texts joined by [`CELL_SEPARATOR`] (removed from the texts
    /// themselves), each row trimmed after its last non-empty cell; an empty row is `""`.
    /// One string a row rather than one a cell: the page splits only the rows it shows.
    pub rows: Vec<String>,
    /// One string per row, one letter per cell of `rows`: `n` number, `f` formula,
    /// `t` text, ` ` empty. The page right-aligns numbers.
    pub kinds: Vec<String>,
    /// Merged ranges that start in the rows shown, as zero-based corners.
    pub merges: Vec<MergeView>,
    /// Each column's width in characters: its longest text among the first 3,000 rows plus
    /// one, between 4 and 28, in UTF-16 code units as JavaScript counts them, not counting
    /// the text of a range merged across columns (it spans them).
    pub widths: Vec<u32>,
    /// Whether rows were cut to keep the view lean ([`MAX_GRID_CELLS`]).
    pub truncated: bool,
}

/// A merged range by its zero-based corners, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MergeView {
    /// First row.
    pub r1: u32,
    /// First column.
    pub c1: u32,
    /// Last row.
    pub r2: u32,
    /// Last column.
    pub c2: u32,
}

/// A cell's value as the grid shows it: numbers in `convention` at their shown precision,
/// everything else as its text.
///
/// # Examples
/// ```
/// use crossfoot::{cell_text, Convention, Reading, Value};
/// let value = Value::Number("1234.5".parse().unwrap());
/// assert_eq!(cell_text(&value, &Reading::NotNumber, Convention::Vietnamese), "1.234,5");
/// assert_eq!(cell_text(&Value::Bool(true), &Reading::NotNumber, Convention::English), "TRUE");
/// ```
pub fn cell_text(value: &Value, reading: &Reading, convention: Convention) -> String {
    match value {
        Value::Empty => String::new(),
        Value::Number(number) => match reading {
            Reading::Number(quantity) => format_quantity(quantity, convention),
            Reading::Ambiguous { primary, .. } => format_quantity(primary, convention),
            _ => format_number(*number, number.normalize().scale(), convention),
        },
        Value::Text(text) => text.to_string(),
        Value::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Value::Error(error) => error.to_string(),
        Value::Date(date) => date.to_string(),
        Value::Float(float) => float.to_string(),
    }
}

/// The grid of one sheet, its numbers in `convention`: at most [`MAX_GRID_CELLS`] cells
/// (at least one row), each row's texts and kinds, the columns' names and widths.
pub fn sheet_view(sheet: &Sheet, convention: Convention) -> SheetView {
    let (row_count, col_count) = sheet.extent().map_or((0, 0), |last| {
        (last.row.saturating_add(1), last.col.saturating_add(1))
    });
    let per_row = usize::try_from(col_count).unwrap_or(usize::MAX).max(1);
    let max_rows =
        u32::try_from(MAX_GRID_CELLS.checked_div(per_row).unwrap_or(0)).unwrap_or(u32::MAX);
    let shown_rows = row_count.min(max_rows.max(1));
    let capacity = usize::try_from(shown_rows).unwrap_or(0);
    let mut rows = Vec::with_capacity(capacity);
    let mut kinds = Vec::with_capacity(capacity);
    let mut widths = vec![MIN_WIDTH; usize::try_from(col_count).unwrap_or(0)];
    // Where a range merged across columns starts: its text spans them and widens none.
    let merged_across: HashSet<CellRef> = sheet
        .merges
        .iter()
        .filter(|m| m.last.col > m.first.col)
        .map(|m| m.first)
        .collect();
    let mut cells = sheet.cells.iter().peekable();
    for row in 0..shown_rows {
        let mut texts = String::new();
        // Cells written so far in this row (empty ones included).
        let mut written = 0usize;
        let mut row_kinds = String::new();
        while let Some(cell) = cells.next_if(|cell| cell.at.row <= row) {
            if cell.at.row < row {
                continue;
            }
            let text = cell_text(&cell.value, &cell.reading, convention);
            if text.is_empty() {
                continue;
            }
            let col = usize::try_from(cell.at.col).unwrap_or(usize::MAX);
            if col >= per_row || col < written {
                continue;
            }
            while written < col {
                if written > 0 {
                    texts.push(CELL_SEPARATOR);
                }
                written = written.saturating_add(1);
                row_kinds.push(' ');
            }
            row_kinds.push(match (&cell.value, &cell.formula) {
                (Value::Number(_) | Value::Float(_), Some(_)) => 'f',
                (Value::Number(_) | Value::Float(_), None) => 'n',
                _ => 't',
            });
            if written > 0 {
                texts.push(CELL_SEPARATOR);
            }
            let before = texts.len();
            texts.extend(text.chars().filter(|c| *c != CELL_SEPARATOR));
            if row < WIDTH_SAMPLE_ROWS && !merged_across.contains(&cell.at) {
                let length = texts.get(before..).map_or(0, |t| t.encode_utf16().count());
                let wanted = u32::try_from(length)
                    .unwrap_or(u32::MAX)
                    .saturating_add(1)
                    .min(MAX_WIDTH);
                if let Some(width) = widths.get_mut(col) {
                    *width = (*width).max(wanted);
                }
            }
            written = written.saturating_add(1);
        }
        rows.push(texts);
        kinds.push(row_kinds);
    }
    SheetView {
        name: sheet.name.clone(),
        hidden: sheet.hidden,
        row_count: shown_rows,
        col_count,
        columns: (0..col_count).map(column_letters).collect(),
        rows,
        kinds,
        merges: sheet
            .merges
            .iter()
            .filter(|range| range.first.row < shown_rows)
            .map(|range| MergeView {
                r1: range.first.row,
                c1: range.first.col,
                r2: range.last.row,
                c2: range.last.col,
            })
            .collect(),
        widths,
        truncated: shown_rows < row_count,
    }
}

/// Every sheet of a checked workbook as the grid shows it, numbers in the workbook's own
/// convention (the one the findings' expected and actual values are written in). A
/// workbook left for Excel to calculate (CF110) is shown as Excel shows it once opened,
/// its formulas computed, since that is what the findings speak of; any other is shown as
/// saved, without recalculating it.
pub fn workbook_view(workbook: &Workbook, report: &CheckReport) -> Vec<SheetView> {
    let computed = report
        .findings
        .iter()
        .any(|finding| finding.code == PLACEHOLDER_VALUES)
        .then(|| crate::recalc::excel_shows(workbook))
        .flatten();
    computed
        .as_ref()
        .unwrap_or(workbook)
        .sheets
        .iter()
        .map(|sheet| sheet_view(sheet, workbook.convention))
        .collect()
}

/// One checked file as the page shows it: the file of the JSON report
/// (`{path, template, error, summary, findings}`, flattened in), the CSV report, and the
/// grid of every sheet.
#[derive(Serialize)]
pub struct CheckView<'a> {
    /// The file as `crossfoot check --format json` reports it.
    #[serde(flatten)]
    pub report: JsonFile<'a>,
    /// The findings as CSV (`crossfoot check --format csv`), formula-safe.
    pub csv: String,
    /// The workbook's own number convention (`vietnamese` or `english`).
    pub convention: Convention,
    /// The format the workbook was read as.
    pub format: SourceFormat,
    /// Each finding's cell as zero-based `[row, column]`, in the order of the findings.
    pub places: Vec<[u32; 2]>,
    /// The sheets as the grid shows them.
    pub sheets: Vec<SheetView>,
}

/// A template as the page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TemplateSummary {
    /// The template's id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Whether it lays out a blank self-checking form (`[form]`).
    pub form: bool,
}

impl TemplateSummary {
    /// The summary of `template`.
    ///
    /// # Examples
    /// ```
    /// use crossfoot::{Template, TemplateSummary};
    /// let summary = TemplateSummary::of(&Template::builtin("tthc-06").unwrap());
    /// assert_eq!((summary.id.as_str(), summary.form), ("tthc-06", true));
    /// ```
    pub fn of(template: &Template) -> TemplateSummary {
        TemplateSummary {
            id: template.id.clone(),
            title: template.title.clone(),
            form: template.spec.form.is_some(),
        }
    }
}

/// A workbook read and checked once, kept with its bytes: its view and its annotated and
/// corrected copies all come from this one check.
#[derive(Debug, Clone)]
pub struct CheckedFile {
    bytes: Vec<u8>,
    file_name: String,
    workbook: Workbook,
    report: CheckReport,
}

impl CheckedFile {
    /// Reads `bytes` (a file named `file_name`) and checks the workbook with `choice`.
    ///
    /// # Errors
    /// The [`ReadError`] when the bytes are not a readable workbook.
    ///
    /// # Examples
    /// ```
    /// use crossfoot::{CheckedFile, Lang, TemplateChoice};
    /// let bytes = std::fs::read("examples/tthc-06-q3-2022.xlsx").unwrap();
    /// let file = CheckedFile::check(bytes, "tthc-06-q3-2022.xlsx", &TemplateChoice::Auto).unwrap();
    /// assert_eq!(file.report().template.as_deref(), Some("tthc-06"));
    /// let view = file.view(Lang::En);
    /// assert_eq!(view.places.len(), file.report().findings.len());
    /// ```
    pub fn check(
        bytes: Vec<u8>,
        file_name: &str,
        choice: &TemplateChoice,
    ) -> Result<CheckedFile, ReadError> {
        let workbook = read_workbook(&bytes, file_name)?;
        let report = check(&workbook, choice);
        Ok(CheckedFile {
            bytes,
            file_name: file_name.to_string(),
            workbook,
            report,
        })
    }

    /// The workbook as read.
    pub fn workbook(&self) -> &Workbook {
        &self.workbook
    }

    /// The check's report.
    pub fn report(&self) -> &CheckReport {
        &self.report
    }

    /// The file as the page shows it, messages in `lang`: the findings exactly as
    /// `crossfoot check --format json` gives them for the same file.
    pub fn view(&self, lang: Lang) -> CheckView<'_> {
        // The CSV renderer takes whole outcomes; the report is cloned for it.
        let outcome = [FileOutcome {
            path: self.file_name.clone(),
            result: Ok(self.report.clone()),
        }];
        CheckView {
            report: JsonFile::checked(&self.file_name, &self.report, lang),
            csv: render_csv(&outcome, lang),
            convention: self.workbook.convention,
            format: self.workbook.format,
            places: self
                .report
                .findings
                .iter()
                .map(|finding| [finding.cell.row, finding.cell.col])
                .collect(),
            sheets: workbook_view(&self.workbook, &self.report),
        }
    }

    /// The options the page writes its copies with: notes in `lang`, `checked_at` printed
    /// when not empty (the core has no clock), and a workbook not read from xlsx/xlsm said
    /// to be converted.
    pub fn output_options(&self, lang: Lang, checked_at: &str) -> OutputOptions {
        let format = self.workbook.format;
        OutputOptions {
            lang,
            template: self.report.template.clone(),
            checked_at: (!checked_at.is_empty()).then(|| checked_at.to_string()),
            converted_from: (!format.is_ooxml()).then_some(format),
        }
    }

    /// The annotated workbook (`<name>.checked.xlsx`): every finding on its cell plus a
    /// results sheet.
    ///
    /// # Errors
    /// An [`OutputError`] when the workbook cannot be written.
    pub fn annotated(&self, lang: Lang, checked_at: &str) -> Result<Vec<u8>, OutputError> {
        let options = self.output_options(lang, checked_at);
        annotated_workbook(&self.bytes, &self.workbook, &self.report, &options)
    }

    /// The corrected workbook (`<name>.fixed.xlsx`): the safe fixes applied.
    ///
    /// # Errors
    /// An [`OutputError`] when the workbook cannot be written.
    pub fn fixed(&self, lang: Lang, checked_at: &str) -> Result<Vec<u8>, OutputError> {
        let options = self.output_options(lang, checked_at);
        fixed_workbook(&self.bytes, &self.workbook, &self.report, &[], &options)
    }
}

/// Files dropped together, read and checked across one another ([`check_set`]): what the
/// page shows beside each file's own check. A file that cannot be read is left out of the
/// set and listed with why.
#[derive(Debug, Clone)]
pub struct CheckedSet {
    /// Every file's name, in the order given.
    names: Vec<String>,
    /// The files the set was made of: each one's place among those given and its number
    /// convention (the one its findings' values are shown in).
    read: Vec<(usize, Convention)>,
    /// The files left out: each one's place among those given and why.
    unreadable: Vec<(usize, ReadError)>,
    report: SetReport,
}

/// What the page shows of a set of files: `{kind, template, message, last, this,
/// province, units, unreadable, findings, placed}`, each file named as it was given.
#[derive(Serialize)]
pub struct SetView<'a> {
    /// `periods`, `units` or `unrelated`.
    pub kind: &'static str,
    /// The template that bound the files (its id).
    pub template: Option<&'a str>,
    /// Why the files are unrelated (`unrelated` only), in the page's language.
    pub message: Option<&'a str>,
    /// The last period's file (`periods`).
    pub last: Option<&'a str>,
    /// This period's file (`periods`).
    pub this: Option<&'a str>,
    /// The province's report, which consolidates the others (`units`, when one does).
    pub province: Option<&'a str>,
    /// The units' reports (`units`).
    pub units: Vec<&'a str>,
    /// The files left out because they could not be read.
    pub unreadable: Vec<UnreadableView<'a>>,
    /// The findings across the files, each beside the file its cell is in.
    pub findings: Vec<SetFindingView<'a>>,
    /// Each unit as the consolidated workbook holds it (empty when there is none).
    pub placed: Vec<PlacedView<'a>>,
}

/// A file left out of a set: `{file, index, message}`.
#[derive(Serialize)]
pub struct UnreadableView<'a> {
    /// Its name.
    pub file: &'a str,
    /// Its place among the files given.
    pub index: usize,
    /// Why it could not be read (both languages).
    pub message: String,
}

/// A finding across files: `{file, index}` and the finding's keys as `crossfoot check
/// --format json` writes them, `related` included.
#[derive(Serialize)]
pub struct SetFindingView<'a> {
    /// The name of the file the finding's cell is in.
    pub file: &'a str,
    /// That file's place among the files given.
    pub index: usize,
    /// The finding as the JSON report writes it.
    #[serde(flatten)]
    pub finding: JsonFinding<'a>,
}

/// A unit of the consolidated workbook: `{name, path, status, message, row}`.
#[derive(Serialize)]
pub struct PlacedView<'a> {
    /// The unit's name.
    pub name: &'a str,
    /// Its report's file, when it has one.
    pub path: Option<&'a str>,
    /// `added`, `marked`, `not-listed`, `missing`, `duplicate` or `unreadable`.
    pub status: &'static str,
    /// What became of it, in the page's language.
    pub message: String,
    /// Its row in the consolidated workbook (zero-based), when it has one.
    pub row: Option<u32>,
}

impl CheckedSet {
    /// Reads each file (name, bytes) and checks the files as a set with `choice`.
    ///
    /// # Examples
    /// ```
    /// use crossfoot::{CheckedSet, Lang, TemplateChoice};
    /// let file = |name: &str| (name.to_string(), std::fs::read(format!("examples/{name}")).unwrap());
    /// let files = [file("don-vi/so-y-te.xlsx"), file("so-y-te-quy-2.xlsx"), ("x.xlsx".into(), vec![])];
    /// let set = CheckedSet::check(&files, &TemplateChoice::Auto);
    /// let view = set.view(Lang::En);
    /// assert_eq!((view.kind, view.last), ("periods", Some("so-y-te-quy-2.xlsx")));
    /// assert_eq!(view.unreadable[0].file, "x.xlsx");
    /// assert!(view.findings.iter().any(|f| f.file == "don-vi/so-y-te.xlsx"));
    /// assert!(set.consolidated().is_none());
    /// ```
    pub fn check(files: &[(String, Vec<u8>)], choice: &TemplateChoice) -> CheckedSet {
        let mut workbooks = Vec::new();
        let mut read = Vec::new();
        let mut unreadable = Vec::new();
        for (index, (name, bytes)) in files.iter().enumerate() {
            match read_workbook(bytes, name) {
                Ok(workbook) => {
                    read.push((index, workbook.convention));
                    workbooks.push((name.as_str(), workbook));
                }
                Err(error) => unreadable.push((index, error)),
            }
        }
        let set: Vec<SetFile<'_>> = workbooks
            .iter()
            .map(|(path, workbook)| SetFile { path, workbook })
            .collect();
        let report = check_set(&set, choice);
        CheckedSet {
            names: files.iter().map(|(name, _)| name.clone()).collect(),
            read,
            unreadable,
            report,
        }
    }

    /// The set's report; its file indices count only the files read.
    pub fn report(&self) -> &SetReport {
        &self.report
    }

    /// The consolidated workbook's bytes (`tong-hop.xlsx`), for units' reports of a form.
    pub fn consolidated(&self) -> Option<&[u8]> {
        self.report
            .consolidated
            .as_ref()
            .map(|consolidated| consolidated.bytes.as_slice())
    }

    /// The `read`-th file read: its place among the files given, its name and its number
    /// convention.
    fn file(&self, read: usize) -> Option<(usize, &str, Convention)> {
        let (index, convention) = *self.read.get(read)?;
        Some((index, self.names.get(index)?, convention))
    }

    /// The set as the page shows it, messages in `lang`.
    pub fn view(&self, lang: Lang) -> SetView<'_> {
        let name = |read: usize| self.file(read).map(|(_, name, _)| name);
        let mut view = SetView {
            kind: "unrelated",
            template: self.report.template.as_deref(),
            message: None,
            last: None,
            this: None,
            province: None,
            units: Vec::new(),
            unreadable: self
                .unreadable
                .iter()
                .map(|(index, error)| UnreadableView {
                    file: self.names.get(*index).map_or("", String::as_str),
                    index: *index,
                    message: error.to_string(),
                })
                .collect(),
            findings: self
                .report
                .findings
                .iter()
                .filter_map(|(read, finding)| {
                    let (index, file, convention) = self.file(*read)?;
                    Some(SetFindingView {
                        file,
                        index,
                        finding: JsonFinding::of(finding, lang, convention),
                    })
                })
                .collect(),
            placed: self
                .report
                .consolidated
                .iter()
                .flat_map(|consolidated| &consolidated.units)
                .map(|unit| PlacedView {
                    name: &unit.name,
                    path: unit.path.as_deref(),
                    status: status_key(&unit.status),
                    message: unit.status.message().get(lang).to_string(),
                    row: unit.row,
                })
                .collect(),
        };
        match &self.report.kind {
            SetKind::Periods { last, this } => {
                view.kind = "periods";
                view.last = name(*last);
                view.this = name(*this);
            }
            SetKind::Units { province, units } => {
                view.kind = "units";
                view.province = province.and_then(name);
                view.units = units.iter().filter_map(|unit| name(*unit)).collect();
            }
            SetKind::Unrelated(why) => view.message = Some(why.get(lang)),
        }
        view
    }
}

/// A unit's status as the page's key for it.
fn status_key(status: &UnitStatus) -> &'static str {
    match status {
        UnitStatus::Added => "added",
        UnitStatus::Marked => "marked",
        UnitStatus::NotListed => "not-listed",
        UnitStatus::Missing => "missing",
        UnitStatus::Duplicate(_) => "duplicate",
        UnitStatus::Unreadable(_) => "unreadable",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CellRange;

    fn cell(row: u32, col: u32, value: Value, formula: Option<&str>) -> crate::model::Cell {
        crate::model::Cell {
            at: CellRef::new(row, col),
            value,
            formula: formula.map(Into::into),
            number_format: None,
            reading: Reading::NotNumber,
        }
    }

    fn text(row: u32, col: u32, text: &str) -> crate::model::Cell {
        cell(row, col, Value::Text(text.into()), None)
    }

    fn number(row: u32, col: u32, value: &str, formula: Option<&str>) -> crate::model::Cell {
        cell(row, col, Value::Number(value.parse().unwrap()), formula)
    }

    fn sheet(cells: Vec<crate::model::Cell>, merges: Vec<CellRange>) -> Sheet {
        Sheet {
            name: "S".into(),
            hidden: false,
            cells,
            merges,
            notes: Vec::new(),
        }
    }

    #[test]
    fn rows_join_cells_and_mark_their_kinds() {
        let view = sheet_view(
            &sheet(
                vec![
                    text(0, 0, "Tên"),
                    number(0, 2, "1234.5", None),
                    number(2, 1, "7", Some("A1+1")),
                ],
                vec![],
            ),
            Convention::Vietnamese,
        );
        assert_eq!((view.row_count, view.col_count), (3, 3));
        assert_eq!(view.columns, ["A", "B", "C"]);
        assert_eq!(view.rows, ["Tên\u{1F}\u{1F}1.234,5", "", "\u{1F}7"]);
        assert_eq!(view.kinds, ["t n", "", " f"]);
        assert!(!view.truncated);
    }

    #[test]
    fn the_separator_is_taken_out_of_texts() {
        let view = sheet_view(
            &sheet(vec![text(0, 0, "a\u{1F}b"), text(0, 1, "c")], vec![]),
            Convention::English,
        );
        assert_eq!(view.rows, ["ab\u{1F}c"]);
    }

    #[test]
    fn widths_count_utf16_between_the_bounds_and_skip_texts_merged_across() {
        let long = "x".repeat(40);
        let view = sheet_view(
            &sheet(
                vec![
                    text(0, 0, &long),
                    text(0, 1, "ab"),
                    text(0, 2, "😀😀😀😀"),
                    text(1, 3, &long),
                ],
                vec![CellRange {
                    first: CellRef::new(1, 3),
                    last: CellRef::new(1, 4),
                }],
            ),
            Convention::English,
        );
        // 40 + 1 capped at 28; "ab" + 1 raised to 4; four emoji are eight UTF-16 units.
        assert_eq!(view.widths, [28, 4, 9, 4]);
        assert_eq!(
            view.merges,
            [MergeView {
                r1: 1,
                c1: 3,
                r2: 1,
                c2: 4
            }]
        );
    }

    #[test]
    fn a_huge_sheet_is_cut_to_the_cell_budget() {
        let cols = 1_000u32;
        let rows = 500u32;
        let cells = (0..rows)
            .flat_map(|r| [text(r, 0, "a"), text(r, cols - 1, "z")])
            .collect();
        let view = sheet_view(&sheet(cells, vec![]), Convention::English);
        assert_eq!(view.row_count, 400);
        assert_eq!(view.rows.len(), 400);
        assert_eq!(view.columns.len(), 1_000);
        assert_eq!(view.columns.last().map(String::as_str), Some("ALL"));
        assert!(view.truncated);
    }

    #[test]
    fn an_empty_sheet_has_no_rows() {
        let view = sheet_view(&sheet(vec![], vec![]), Convention::English);
        assert_eq!((view.row_count, view.col_count), (0, 0));
        assert!(view.rows.is_empty() && view.widths.is_empty() && !view.truncated);
    }
}
