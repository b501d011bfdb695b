//! One unit's own report as a consolidation reads it: the template bound to it, the unit's
//! name (its `Đơn vị báo cáo:` line, the issuing office over its title, or its file's
//! name), and the figures of its grand total row as Excel shows them.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use rust_decimal::Decimal;

use crate::check::{bindings, failing_relations, stated_period_at};
use crate::continuity::{as_shown, figure_at};
use crate::finding::Finding;
use crate::layout::{Layout, RowKind};
use crate::model::{CellRef, Sheet, Workbook};
use crate::number::format_quantity;
use crate::period::Period;
use crate::template::{Bound, Template};
use crate::text::{as_compared, normalize_label};

/// One unit's file: its path as the user gave it and its workbook.
#[derive(Debug, Clone, Copy)]
pub struct UnitFile<'a> {
    /// The path shown in messages, in `related` and on the findings sheet.
    pub path: &'a str,
    /// The workbook read from it.
    pub workbook: &'a Workbook,
}

/// Where a unit's name was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Naming {
    /// A `Đơn vị báo cáo: …` (`Reporting unit: …`) line above the table, at this cell.
    ReportLine(CellRef),
    /// The issuing office's line over the title (`SỞ Y TẾ` under `UBND TỈNH …`).
    Issuer(CellRef),
    /// The file's name: the report names no unit.
    FileName,
}

/// A figure of the unit's grand total row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitFigure {
    /// Its cell in the unit's sheet.
    pub cell: CellRef,
    /// The figure, as Excel shows it.
    pub value: Decimal,
    /// As the unit's sheet shows it (its convention).
    pub shown: String,
}

/// A unit's report, read for a consolidation.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitReport {
    /// The file's path as the user gave it.
    pub path: String,
    /// The unit's name as its report gives it.
    pub name: String,
    /// Where the name was read.
    pub named_by: Naming,
    /// The sheet the template binds to.
    pub sheet: String,
    /// The row of its grand total (zero-based).
    pub total_row: u32,
    /// The grand total's figures by the template's column names (columns the sheet has
    /// and whose total is a figure).
    pub totals: BTreeMap<String, UnitFigure>,
    /// The reporting period its period line states, as written after its colon (`Quý III
    /// năm 2022 (từ ngày …)`), and the period it reads as.
    pub period: Option<(String, Period)>,
    /// Where its report does not hold together: each relation of the template that fails
    /// on its table, on its own (`crossfoot check` on the file says which cell is wrong).
    pub findings: Vec<Finding>,
}

impl UnitReport {
    /// Whether the unit's own report holds together: no error among its findings.
    pub fn holds(&self) -> bool {
        !self
            .findings
            .iter()
            .any(|f| f.severity == crate::finding::Severity::Error)
    }

    /// Whether this unit and a unit named `name` are the same, as people read names: case,
    /// spacing and punctuation aside, marks compared where both have them, and a leading
    /// `UBND` / `Ủy ban nhân dân` left out (`UBND huyện Tân Hồng` is `Huyện Tân Hồng`).
    pub fn is_named(&self, name: &str) -> bool {
        same_unit(&self.name, name)
    }
}

/// Whether two unit names name the same unit (see [`UnitReport::is_named`]).
pub(crate) fn same_unit(a: &str, b: &str) -> bool {
    let (a, b) = as_compared(without_committee(a), without_committee(b));
    !a.is_empty() && a == b
}

/// Unit names to look a name up in, as [`same_unit`] compares them, without comparing it
/// with every name: a thousand units' reports are placed in a thousand rows.
#[derive(Debug)]
pub(crate) struct UnitNames<K> {
    /// The names by their folded form (marks, case and punctuation aside, no `UBND`): two
    /// names of the same unit fold alike, so only those are compared.
    by_folded: HashMap<String, Vec<(K, String)>>,
}

impl<K: Ord + Copy> UnitNames<K> {
    /// No names yet.
    pub(crate) fn new() -> Self {
        Self {
            by_folded: HashMap::new(),
        }
    }

    /// Adds `name` under `key`.
    pub(crate) fn insert(&mut self, key: K, name: &str) {
        self.by_folded
            .entry(normalize_label(without_committee(name)))
            .or_default()
            .push((key, name.to_string()));
    }

    /// The least key whose name names the same unit as `name`.
    pub(crate) fn find(&self, name: &str) -> Option<K> {
        self.by_folded
            .get(&normalize_label(without_committee(name)))?
            .iter()
            .filter(|(_, other)| same_unit(other, name))
            .map(|(key, _)| *key)
            .min()
    }
}

/// A name without its leading `UBND` / `Ủy ban nhân dân` (the people's committee that
/// heads a district or commune signs for it).
fn without_committee(name: &str) -> &str {
    let trimmed = name.trim();
    for prefix in ["ubnd", "uy ban nhan dan"] {
        let words = prefix.split(' ').count();
        let Some((head, rest)) = split_after_words(trimmed, words) else {
            continue;
        };
        if normalize_label(head) == prefix && !normalize_label(rest).is_empty() {
            return rest.trim_start_matches(|c: char| !c.is_alphanumeric());
        }
    }
    trimmed
}

/// `text` cut after its first `words` words (split at white space).
fn split_after_words(text: &str, words: usize) -> Option<(&str, &str)> {
    let mut seen = 0usize;
    let mut in_word = false;
    for (index, c) in text.char_indices() {
        if c.is_whitespace() {
            if in_word {
                seen = seen.saturating_add(1);
                if seen == words {
                    return Some((text.get(..index)?, text.get(index..)?));
                }
            }
            in_word = false;
        } else {
            in_word = true;
        }
    }
    None
}

/// Why a unit's report could not be read for a consolidation.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UnitError {
    /// The template binds to no sheet of the file.
    NotThisForm(String),
    /// The bound table has no grand total row to take the unit's figures from.
    NoTotal(String),
}

impl fmt::Display for UnitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UnitError::NotThisForm(id) => write!(
                f,
                "tệp không có bảng nào khớp mẫu biểu '{id}' / the file holds no table of template '{id}'"
            ),
            UnitError::NoTotal(sheet) => write!(
                f,
                "bảng ở trang \"{sheet}\" không có dòng tổng cộng để lấy số của đơn vị / the table on sheet \"{sheet}\" has no grand total row to take the unit's figures from"
            ),
        }
    }
}

impl std::error::Error for UnitError {}

/// Reads a unit's report for a consolidation: the first sheet `template` binds to, the
/// unit's name, its grand total row's figures as Excel shows them (formulas
/// recalculated), and whether it holds together: the template's relations that fail on
/// its table, each on its own. That costs a fraction of a full check (no localization, no
/// checks of every cell), so consolidating a thousand files is quicker than checking them.
///
/// # Errors
/// [`UnitError::NotThisForm`] when the template binds to no sheet of the file,
/// [`UnitError::NoTotal`] when the table has no grand total row.
///
/// # Examples
/// ```
/// use crossfoot::{read_unit, read_workbook, Template, UnitFile};
/// let bytes = std::fs::read("tests/fixtures/tthc-06-q3-2022.xlsx").unwrap();
/// let book = read_workbook(&bytes, "q3.xlsx").unwrap();
/// let template = Template::builtin("tthc-06").unwrap();
/// let unit = read_unit(UnitFile { path: "so-y-te.xlsx", workbook: &book }, &template).unwrap();
/// assert_eq!(unit.name, "so-y-te"); // the sample names no unit: its file does
/// assert_eq!(unit.totals["received"].value, 203_566.into());
/// // Its received ≠ resolved + pending, a warning: it still holds together.
/// assert!(unit.holds());
/// ```
pub fn read_unit(file: UnitFile<'_>, template: &Template) -> Result<UnitReport, UnitError> {
    let shown = as_shown(file.workbook);
    let Some((sheet, bound)) = first_bound(template, &shown) else {
        return Err(UnitError::NotThisForm(template.id.clone()));
    };
    let Some(total) = bound
        .layout
        .body
        .iter()
        .find(|row| row.kind == RowKind::Total)
    else {
        return Err(UnitError::NoTotal(sheet.name.clone()));
    };
    let blanks = &template.spec.blanks;
    let convention = shown.convention;
    let totals = bound
        .columns
        .iter()
        .filter_map(|(name, &col)| {
            let at = CellRef::new(total.row, col);
            let figure = figure_at(sheet, at, blanks)?;
            (!figure.percent).then(|| {
                (
                    name.clone(),
                    UnitFigure {
                        cell: at,
                        value: figure.value,
                        shown: format_quantity(&figure, convention),
                    },
                )
            })
        })
        .collect();
    let (name, named_by) =
        unit_name(sheet, &bound.layout).unwrap_or_else(|| (file_stem(file.path), Naming::FileName));
    let period = stated_period_at(sheet, Some(&bound.layout)).map(|(period, at)| {
        let line = sheet.label(at);
        let text = line.split_once(':').map_or(line.as_str(), |(_, rest)| rest);
        (text.trim().to_string(), period)
    });
    let findings = failing_relations(template, sheet, &bound, convention);
    Ok(UnitReport {
        period,
        path: file.path.to_string(),
        name,
        named_by,
        sheet: sheet.name.clone(),
        total_row: total.row,
        totals,
        findings,
    })
}

/// The first sheet of `book` that `template` binds to, and its binding.
pub(super) fn first_bound<'b>(
    template: &Template,
    book: &'b Workbook,
) -> Option<(&'b Sheet, Bound)> {
    let (sheets, _) = bindings(template, book, false);
    let (index, bound) = sheets.into_iter().next()?;
    Some((book.sheets.get(index)?, bound))
}

/// The phrases that introduce a report's unit on a line of its own.
const UNIT_LINE_PHRASES: &[&str] = &[
    "đơn vị báo cáo",
    "đơn vị",
    "cơ quan báo cáo",
    "reporting unit",
    "reporting office",
];

/// The unit's name and where it was read: a `Đơn vị báo cáo: …` line above the table, or
/// else the last line of the issuing office's block at the top left (over the title).
fn unit_name(sheet: &Sheet, layout: &Layout) -> Option<(String, Naming)> {
    let above: Vec<(CellRef, String)> = sheet
        .cells
        .iter()
        .filter(|cell| cell.at.row < layout.header_first)
        .map(|cell| (cell.at, cell.value.label().trim().to_string()))
        .filter(|(_, text)| !text.is_empty())
        .collect();
    for (index, (at, text)) in above.iter().enumerate() {
        let folded = normalize_label(text);
        let Some(phrase) = UNIT_LINE_PHRASES
            .iter()
            .map(|phrase| normalize_label(phrase))
            .find(|phrase| folded == *phrase || folded.starts_with(&format!("{phrase} ")))
        else {
            continue;
        };
        // `Đơn vị báo cáo: Sở Y tế`, or the name in the next cell of the row.
        let after_colon = text.split_once(':').map(|(_, rest)| rest.trim());
        let named = match after_colon {
            Some(rest) if !rest.is_empty() && !rest.chars().all(|c| c == '.' || c == '…') => {
                Some(rest.to_string())
            }
            _ if folded == phrase => above
                .get(index.saturating_add(1))
                .filter(|(next, _)| next.row == at.row)
                .map(|(_, next)| next.clone()),
            _ => None,
        };
        if let Some(name) = named.filter(|name| is_a_name(name)) {
            return Some((name, Naming::ReportLine(*at)));
        }
    }
    issuer(sheet, &above).map(|(at, name)| (name, Naming::Issuer(at)))
}

/// The issuing office: the block of lines at the top left, each in the first columns and
/// not spread across the table (a title is), above the first line that is; its last line
/// names the unit (`UBND TỈNH ĐỒNG THÁP` / `SỞ Y TẾ`). Needs two lines or more: one line
/// alone is as likely the province as the unit.
fn issuer(sheet: &Sheet, above: &[(CellRef, String)]) -> Option<(CellRef, String)> {
    let width = sheet
        .cells
        .iter()
        .map(|cell| cell.at.col)
        .max()
        .unwrap_or(0);
    let spread = |at: CellRef| {
        sheet.merges.iter().any(|m| {
            m.first == at && m.last.col.saturating_sub(m.first.col).saturating_mul(2) > width
        })
    };
    let mut block: Vec<(CellRef, &str)> = Vec::new();
    for (at, text) in above {
        if spread(*at) {
            break;
        }
        if at.col <= 1
            && block
                .last()
                .is_none_or(|(last, _)| at.row == last.row.saturating_add(1))
        {
            block.push((*at, text));
        }
    }
    let (at, name) = block.last().copied()?;
    (block.len() >= 2 && is_a_name(name)).then(|| (at, name.to_string()))
}

/// Whether a text reads as a unit's name: some letters, not a line of dots, not a date or
/// a form's number.
fn is_a_name(text: &str) -> bool {
    let folded = normalize_label(text);
    let letters = folded.chars().filter(|c| c.is_alphabetic()).count();
    // `Số: 15/BC-UBND` is a document's number; `Sở Y tế` (folded alike) is a department.
    let numbered = text.trim_start().to_lowercase().starts_with("số")
        || folded.strip_prefix("so ").is_some_and(|rest| {
            rest.split(' ')
                .next()
                .is_some_and(|word| word.chars().any(|c| c.is_ascii_digit()))
        });
    letters >= 3
        && !numbered
        && !folded.starts_with("bieu ")
        && !folded.starts_with("ngay ")
        && !folded.contains("doc lap")
}

/// A file's name without its folder and extension.
fn file_stem(path: &str) -> String {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    match name.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem.to_string(),
        _ => name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_names_match_as_people_read_them() {
        assert!(same_unit("UBND huyện Tân Hồng", "Huyện Tân Hồng"));
        assert!(same_unit("SỞ Y TẾ", "Sở Y tế"));
        assert!(same_unit("So Y te", "Sở Y tế"));
        assert!(!same_unit("Huyện Tân Hồng", "Huyện Hồng Ngự"));
        assert!(!same_unit("", ""));
        assert!(!same_unit("Sở Tư pháp", "Sở Tài chính"));
    }

    #[test]
    fn unit_names_finds_the_least_key_of_the_same_unit() {
        let mut names = UnitNames::new();
        names.insert(3, "Huyện Tân Hồng");
        names.insert(1, "UBND huyện Tân Hồng");
        names.insert(0, "Sở Tư pháp");
        names.insert(2, "Huyện Hồng Ngự");
        assert_eq!(names.find("HUYỆN TÂN HỒNG"), Some(1));
        assert_eq!(names.find("Huyen Tan Hong"), Some(1));
        assert_eq!(names.find("Sở Tài chính"), None);
        assert_eq!(names.find("Huyện Hồng Ngự"), Some(2));
        assert_eq!(names.find(""), None);
    }

    #[test]
    fn a_department_is_a_name_and_a_document_number_is_not() {
        assert!(is_a_name("Sở Y tế"));
        assert!(is_a_name("SỞ TƯ PHÁP"));
        assert!(!is_a_name("Số: 15/BC-UBND"));
        assert!(!is_a_name("So 15/BC-UBND"));
        assert!(!is_a_name("Biểu số 06/VPCP/KSTT"));
    }

    #[test]
    fn file_stems() {
        assert_eq!(file_stem("units/so-y-te.xlsx"), "so-y-te");
        assert_eq!(file_stem("C:\\a\\b.q3.xls"), "b.q3");
        assert_eq!(file_stem("noext"), "noext");
    }
}
