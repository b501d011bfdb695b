//! A period's file checked against the last period's (`crossfoot check --previous`): both
//! bound with one template, rows matched by their labels, and the relations across the two
//! files the template's `[continuity]` declares (this period's carried-over figure is the
//! last period's pending one; cumulative columns do not go down within a year, and one
//! that accumulates a figure of this period is the last period's plus it), with the
//! period lines saying the two periods follow each other, tenfold changes and units in one
//! file only. Each finding is on this period's cell and names the last period's in
//! `related`.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use rust_decimal::Decimal;

use crate::check::{bindings, stated_period_at};
use crate::codes;
use crate::finding::{Applicability, Edit, Finding, Fix, Message, Related, Severity};
use crate::layout::{is_note_label, BodyRow, Layout, RowKind};
use crate::model::{CellRef, Sheet, Workbook};
use crate::number::{format_quantity, Convention, Quantity, Reading};
use crate::period::{days_from_civil, Period};
use crate::template::{BlankMeaning, Blanks, Bound, Continuity, Template};
use crate::text::{as_compared, normalize_label};

/// A change by this factor or more is worth an info (CF404).
const TENFOLD: i64 = 10;

/// The larger of two figures must be at least this for their change to be reported: a
/// unit that received 1 dossier and then 12 has not slipped a digit.
const TENFOLD_FLOOR: i64 = 100;

/// How many units CF405 names; the rest are counted.
const UNITS_NAMED: usize = 5;

/// One of the two files: its path as the user gave it and its workbook.
#[derive(Debug, Clone, Copy)]
pub struct PeriodFile<'a> {
    /// The path shown in messages and in `related` (as the user gave it).
    pub path: &'a str,
    /// The workbook read from it.
    pub workbook: &'a Workbook,
}

/// Checks this period's file against the last period's, both bound with `template`: the
/// findings across the two files, each on a cell of `this` and naming the cell of `last`
/// it was compared with in its `related` and its message. Rows are matched by their labels
/// (Vietnamese marks compared where both labels have them; a label that repeats, such as
/// `Cộng`, matched in order). What the template's `[continuity]` declares is compared
/// only when the period lines do not say the two periods are not consecutive (CF402):
/// carried-over figures (CF401) and, within one year, cumulative ones: the last period's
/// plus this period's own figure where the template says which it accumulates (CF407),
/// never less than the last period's otherwise (CF403). Tenfold
/// changes of a unit's figures (CF404) and units in one file only (CF405) are noted
/// whatever the template declares. The figures are those Excel shows (formulas
/// recalculated, placeholders computed). The checks within one file are [`crate::check`]'s:
/// findings here are only those across the two.
///
/// # Examples
/// ```
/// use crossfoot::{check_continuity, read_workbook, PeriodFile, Template};
/// let bytes = std::fs::read("tests/fixtures/tthc-06-q3-2022.xlsx").unwrap();
/// let book = read_workbook(&bytes, "q3.xlsx").unwrap();
/// let template = Template::builtin("tthc-06").unwrap();
/// let same = PeriodFile { path: "q3.xlsx", workbook: &book };
/// // The same file twice: the period lines say it is the same period.
/// let findings = check_continuity(same, same, &template);
/// assert!(findings.iter().any(|f| f.code == "CF402"));
/// ```
pub fn check_continuity(
    last: PeriodFile<'_>,
    this: PeriodFile<'_>,
    template: &Template,
) -> Vec<Finding> {
    let last_book = as_shown(last.workbook);
    let this_book = as_shown(this.workbook);
    let (this_sheets, _) = bindings(template, &this_book, false);
    // The check reports a template that binds to nothing here (CF002).
    let Some((_, first_bound)) = this_sheets.first() else {
        return Vec::new();
    };
    let (last_sheets, _) = bindings(template, &last_book, false);
    let mut findings = Vec::new();
    if last_sheets.is_empty() {
        if let Some(sheet) = this_sheets
            .first()
            .and_then(|(index, _)| this_book.sheets.get(*index))
        {
            findings.push(not_compared_finding(
                sheet,
                first_bound,
                last.path,
                &template.id,
            ));
        }
        return findings;
    }
    let declared = template
        .spec
        .continuity
        .as_ref()
        .is_some_and(Continuity::declares_any);
    for (this_index, this_bound) in &this_sheets {
        let Some(this_sheet) = this_book.sheets.get(*this_index) else {
            continue;
        };
        let Some((last_sheet, last_bound)) =
            paired_sheet(&this_sheet.name, &this_sheets, &last_sheets, &last_book)
        else {
            continue;
        };
        let pair = SheetPair {
            template,
            last: Side {
                path: last.path,
                sheet: last_sheet,
                bound: last_bound,
                convention: last_book.convention,
            },
            this: Side {
                path: this.path,
                sheet: this_sheet,
                bound: this_bound,
                convention: this_book.convention,
            },
        };
        pair.compare(declared, &mut findings);
    }
    findings
}

/// Where this period's file alone leaves several cells equally likely (a CF302 among
/// `findings`, this file's check's) and the last period's file says which one was
/// mistyped, replaces the CF302 by a CF301 on that cell. The last period decides when, of
/// the CF302's cells, exactly one breaks a relation across the two files with a figure it
/// implies (a carried-over figure that is not the last pending one, CF401; a cumulative one
/// that is not the last plus this period's, CF407), and that figure in its place makes this
/// file's relations hold with nothing else broken (its check run again). The finding names
/// the last period's file and cell in its message and in `related`, and its fix is that
/// figure (safe); the CF401 or CF407 of that cell among `across` (what
/// [`check_continuity`] found) is dropped: one finding a cell.
///
/// The same holds where this file alone chose a cell by a tie-break (a CF301: one
/// mistyped digit explains the row as well as the figure that is wrong) and the last
/// period shows another cell of its row or column wrong, whose figure in its place makes
/// the relations hold: the CF301 moves to that cell, and says which cell the file alone
/// pointed at (its `cells`). A CF301 the other file confirms stays, naming the other
/// file's cell as agreeing.
///
/// # Examples
/// ```
/// use crossfoot::{check, check_continuity, decide_by_previous, read_workbook, PeriodFile,
///     Template, TemplateChoice};
/// let template = Template::builtin("tthc-06").unwrap();
/// let bytes = std::fs::read("tests/fixtures/tthc-06-q3-2022.xlsx").unwrap();
/// let book = read_workbook(&bytes, "q3.xlsx").unwrap();
/// let mut findings = check(&book, &TemplateChoice::Given(Box::new(template.clone()))).findings;
/// let before = findings.clone();
/// let file = PeriodFile { path: "q3.xlsx", workbook: &book };
/// let mut across = check_continuity(file, file, &template);
/// // The same file twice: the periods do not follow each other, nothing is decided.
/// decide_by_previous(file, &template, &mut findings, &mut across);
/// assert_eq!(findings, before);
/// ```
pub fn decide_by_previous(
    this: PeriodFile<'_>,
    template: &Template,
    findings: &mut [Finding],
    across: &mut Vec<Finding>,
) {
    let deciding = [
        codes::CARRIED_OVER_MISMATCH,
        codes::CUMULATIVE_NOT_LAST_PLUS_THIS,
    ];
    merge_agreeing(findings, across, &deciding);
    let contradicted = contradicted(findings, across, &deciding);
    // What the other file may decide: a CF301 it contradicts (this file alone chose that
    // cell by a tie-break, one mistyped digit say; the other file is evidence), then each
    // CF302 of whose cells exactly one breaks a relation across the files. `true` for a
    // CF301 moved.
    let mut tries: Vec<(usize, Finding, Edit, bool)> = contradicted
        .into_iter()
        .map(|(index, by, edit)| (index, by, edit, true))
        .collect();
    for (index, ambiguous) in findings.iter().enumerate() {
        if ambiguous.code != codes::AMBIGUOUS_CELL {
            continue;
        }
        let candidates: Vec<CellRef> = std::iter::once(ambiguous.cell)
            .chain(ambiguous.cells.iter().copied())
            .collect();
        let settling: Vec<(&Finding, &Edit)> = across
            .iter()
            .filter(|f| {
                deciding.contains(&f.code)
                    && f.sheet == ambiguous.sheet
                    && candidates.contains(&f.cell)
            })
            .filter_map(|f| Some((f, f.fix.as_ref()?.edits.first()?)))
            .collect();
        if let [(by, edit)] = settling.as_slice() {
            tries.push((index, (*by).clone(), (*edit).clone(), false));
        }
    }
    if tries.is_empty() {
        return;
    }
    let book = as_shown(this.workbook);
    let mut decided: Vec<(usize, &'static str, Finding)> = Vec::new();
    for (index, by, edit, moved) in tries {
        let Some(original) = findings.get(index) else {
            continue;
        };
        // One finding a cell: a cell already decided is not tried again (a check saved).
        let taken = decided
            .iter()
            .any(|(_, _, f)| f.sheet == original.sheet && f.cell == edit.cell);
        if taken
            || !settles(
                &book,
                (&original.sheet, edit.cell, edit.value),
                template,
                findings,
                original,
            )
        {
            continue;
        }
        let alone = if moved {
            pointed_alone(original)
        } else {
            ambiguous_alone()
        };
        let mut finding = decided_by_last(original, &by, &edit, &alone);
        if moved {
            finding.cells = vec![original.cell];
        }
        decided.push((index, by.code, finding));
    }
    for (index, code, finding) in decided {
        across.retain(|f| !(f.code == code && f.sheet == finding.sheet && f.cell == finding.cell));
        if let Some(slot) = findings.get_mut(index) {
            *slot = finding;
        }
    }
}

/// The CF301 that replaces `ambiguous` (a CF302, or a CF301 on another cell), decided by
/// the last period's file through `by` (a CF401 or CF407 whose fix is `edit`); `alone`
/// says what this file alone said.
fn decided_by_last(ambiguous: &Finding, by: &Finding, edit: &Edit, alone: &Message) -> Finding {
    let at = edit.cell;
    let last_path = by.related.first().map_or("", |r| r.path.as_str());
    let actual = by.actual.clone().unwrap_or_default();
    let shown = &edit.shown;
    let message = Message::new(
        format!(
            "{at} có lẽ sai: ghi {actual}, đúng ra là {shown} theo tệp kỳ trước. {}. {}; tệp {last_path} quyết định: sửa ô này thì các quan hệ đều thỏa",
            by.message.vi, alone.vi
        ),
        format!(
            "{at} is probably wrong: it says {actual}, it should be {shown} by the last period's file. {}. {}; decided by {last_path}: with it corrected the relations hold",
            by.message.en, alone.en
        ),
    );
    Finding {
        code: codes::WRONG_CELL,
        severity: Severity::Error,
        sheet: ambiguous.sheet.clone(),
        cell: at,
        cells: std::iter::once(ambiguous.cell)
            .chain(ambiguous.cells.iter().copied())
            .filter(|cell| *cell != at)
            .collect(),
        message,
        expected: Some(shown.clone()),
        actual: by.actual.clone(),
        fix: by.fix.as_ref().map(|fix| Fix {
            edits: vec![edit.clone()],
            reason: fix.reason.clone(),
            applicability: Applicability::Safe,
        }),
        related: by.related.clone(),
    }
}

/// What a file alone said of a CF301 that the other file moves: the cell it pointed at.
pub(crate) fn pointed_alone(wrong: &Finding) -> Message {
    Message::new(
        format!(
            "Chỉ với tệp này, crossfoot chỉ ra ô {} ({})",
            wrong.cell, wrong.message.vi
        ),
        format!(
            "This file alone pointed at {} ({})",
            wrong.cell, wrong.message.en
        ),
    )
}

/// What a file alone said of a CF302 that the other file decides.
pub(crate) fn ambiguous_alone() -> Message {
    Message::new(
        "Chỉ với tệp này thì nhiều ô đều có thể là ô sai (CF302)".to_string(),
        "This file alone left several cells equally likely (CF302)".to_string(),
    )
}

/// Most CF301s a file's check re-runs to be moved by the other file: each is a check.
pub(crate) const MOST_MOVED: usize = 8;

/// The CF301s among `findings` that one finding across files (one of `deciding`, with a fix)
/// contradicts: it stands on another cell of the same sheet, in the same row or column.
/// Each by its index, with that finding and its fix's edit; a CF301 two such findings
/// contradict is left as it is (which one would decide?).
fn contradicted(
    findings: &[Finding],
    across: &[Finding],
    deciding: &[&str],
) -> Vec<(usize, Finding, Edit)> {
    findings
        .iter()
        .enumerate()
        .filter(|(_, f)| f.code == codes::WRONG_CELL)
        .filter_map(|(index, wrong)| {
            let mut against = across.iter().filter(|f| {
                deciding.contains(&f.code)
                    && f.sheet == wrong.sheet
                    && f.cell != wrong.cell
                    && (f.cell.row == wrong.cell.row || f.cell.col == wrong.cell.col)
            });
            let (Some(by), None) = (against.next(), against.next()) else {
                return None;
            };
            let edit = by.fix.as_ref()?.edits.first()?.clone();
            Some((index, by.clone(), edit))
        })
        .take(MOST_MOVED)
        .collect()
}

/// One finding a cell: where a finding across files (one of `codes`, its fix the other
/// file's figure) stands on a cell this file's own check already found wrong (CF301) and
/// proposes the same figure, the CF301 stays, names the other file's cell as agreeing, and
/// the finding across files goes. Where the two figures differ both stay: they say
/// different things.
pub(crate) fn merge_agreeing(findings: &mut [Finding], across: &mut Vec<Finding>, codes: &[&str]) {
    let proposed = |f: &Finding| f.fix.as_ref()?.edits.first().map(|e| (e.cell, e.value));
    for wrong in findings.iter_mut().filter(|f| f.code == codes::WRONG_CELL) {
        let Some(figure) = proposed(wrong) else {
            continue;
        };
        let Some(at) = across.iter().position(|f| {
            codes.contains(&f.code)
                && f.sheet == wrong.sheet
                && f.cell == wrong.cell
                && proposed(f) == Some(figure)
        }) else {
            continue;
        };
        let agreeing = across.remove(at);
        for related in &agreeing.related {
            let value = related.value.as_deref().unwrap_or("");
            wrong.message = Message::new(
                format!(
                    "{}. Tệp {} cũng cho thấy như vậy ({}!{}: {value})",
                    wrong.message.vi, related.path, related.sheet, related.cell
                ),
                format!(
                    "{}. {} says the same ({}!{}: {value})",
                    wrong.message.en, related.path, related.sheet, related.cell
                ),
            );
            if !wrong.related.contains(related) {
                wrong.related.push(related.clone());
            }
        }
    }
}

/// Whether typing `value` into the cell `at` of the sheet named `sheet` of `book` (as Excel
/// shows it) settles `ambiguous`, one of `findings` (that book's check's): the check run
/// again on the book so edited finds no error the check had not found, `ambiguous` aside.
pub(crate) fn settles(
    book: &Workbook,
    (sheet, at, value): (&str, CellRef, Decimal),
    template: &Template,
    findings: &[Finding],
    ambiguous: &Finding,
) -> bool {
    let mut edited = book.clone();
    if let Some(sheet) = edited.sheets.iter_mut().find(|s| s.name == sheet) {
        sheet.type_number(at, value);
    }
    let edited = as_shown(&edited);
    let again = crate::check::check(
        &edited,
        &crate::check::TemplateChoice::Given(Box::new(template.clone())),
    );
    let errors = |f: &&Finding| f.severity == Severity::Error;
    let before: Vec<(&str, &str, CellRef)> = findings
        .iter()
        .filter(errors)
        .filter(|f| *f != ambiguous)
        .map(|f| (f.code, f.sheet.as_str(), f.cell))
        .collect();
    again
        .findings
        .iter()
        .filter(errors)
        .all(|f| before.contains(&(f.code, f.sheet.as_str(), f.cell)))
}

/// The workbook as Excel shows it: formulas recalculated where their saved values differ
/// (stale values, placeholders), as the check reads it.
pub(crate) fn as_shown(workbook: &Workbook) -> Cow<'_, Workbook> {
    let recalculation = crate::recalc::recalculate(workbook);
    if recalculation.recalculated.is_empty() {
        Cow::Borrowed(workbook)
    } else {
        Cow::Owned(crate::recalc::as_recalculated(
            workbook,
            &recalculation.recalculated,
        ))
    }
}

/// The last period's sheet compared with this period's sheet named `name`: the bound sheet
/// of the same name, or, when each file has one bound sheet, that one.
fn paired_sheet<'b>(
    name: &str,
    this_sheets: &[(usize, Bound)],
    last_sheets: &'b [(usize, Bound)],
    last_book: &'b Workbook,
) -> Option<(&'b Sheet, &'b Bound)> {
    let named = last_sheets.iter().find(|(index, _)| {
        last_book
            .sheets
            .get(*index)
            .is_some_and(|sheet| sheet.name == name)
    });
    let (index, bound) = match (named, this_sheets, last_sheets) {
        (Some(found), _, _) => found,
        (None, [_], [only]) => only,
        _ => return None,
    };
    Some((last_book.sheets.get(*index)?, bound))
}

/// One file's side of a comparison across files (two periods, a province and its units).
pub(crate) struct Side<'a> {
    /// The path as the user gave it.
    pub path: &'a str,
    /// The bound sheet, as Excel shows it.
    pub sheet: &'a Sheet,
    /// The template bound to it.
    pub bound: &'a Bound,
    /// The workbook's number convention.
    pub convention: Convention,
}

impl Side<'_> {
    /// The figure at `at`, as a rule reads it (see [`figure_at`]).
    pub(crate) fn figure(&self, at: CellRef, blanks: &Blanks) -> Option<Quantity> {
        figure_at(self.sheet, at, blanks)
    }

    /// A column's header as a person reads it: its lowest two labels (`Số hồ sơ đang
    /// giải quyết > Tổng số`), or the template's name for it.
    pub(crate) fn header(&self, name: &str) -> String {
        let chain = self
            .bound
            .columns
            .get(name)
            .and_then(|col| self.bound.layout.headers.get(col));
        match chain {
            Some(chain) if !chain.is_empty() => {
                let from = chain.len().saturating_sub(2);
                chain.get(from..).unwrap_or(chain).join(" > ")
            }
            _ => name.to_string(),
        }
    }

    /// `related` for a cell of this side.
    pub(crate) fn related(&self, at: CellRef, value: Option<String>) -> Related {
        Related {
            path: self.path.to_string(),
            sheet: self.sheet.name.clone(),
            cell: at,
            value,
        }
    }
}

/// The figure at `at` of `sheet`, as a rule reads it: a number, a blank or marker standing
/// for zero, or `None` (a marker to skip, a text).
pub(crate) fn figure_at(sheet: &Sheet, at: CellRef, blanks: &Blanks) -> Option<Quantity> {
    let zero = || Quantity {
        value: Decimal::ZERO,
        decimals: 0,
        percent: false,
        from_text: false,
    };
    let by_marker = |marker| match blanks.meaning(marker) {
        BlankMeaning::Zero => Some(zero()),
        BlankMeaning::Skip => None,
    };
    let Some(cell) = sheet.cell(at) else {
        return by_marker(crate::number::Marker::Blank);
    };
    match &cell.reading {
        Reading::Number(quantity) => Some(*quantity),
        Reading::Ambiguous { primary, .. } => Some(**primary),
        Reading::Marker(marker) => by_marker(*marker),
        Reading::NotNumber if cell.value.label().trim().is_empty() => {
            by_marker(crate::number::Marker::Blank)
        }
        Reading::NotNumber => None,
    }
}

/// A figure in both message conventions: (Vietnamese, English).
pub(crate) fn in_both(quantity: &Quantity) -> (String, String) {
    (
        format_quantity(quantity, Convention::Vietnamese),
        format_quantity(quantity, Convention::English),
    )
}

/// A sheet of this period and the sheet of the last period it is compared with.
struct SheetPair<'a> {
    template: &'a Template,
    last: Side<'a>,
    this: Side<'a>,
}

/// Two body rows matched by their labels: this period's, the last period's.
type Matched<'a> = (&'a BodyRow, &'a BodyRow);

/// A matched row whose two figures were found wrong together: this period's row, its cell
/// and the last period's, their figures, and what else the comparison read (`with`).
struct Pair<'m, T> {
    row: &'m BodyRow,
    this_at: CellRef,
    last_at: CellRef,
    now: Quantity,
    before: Quantity,
    with: T,
}

impl SheetPair<'_> {
    /// Everything compared between the two sheets.
    fn compare(&self, declared: bool, findings: &mut Vec<Finding>) {
        let this_period = stated_period_at(self.this.sheet, Some(&self.this.bound.layout));
        let last_period = stated_period_at(self.last.sheet, Some(&self.last.bound.layout));
        let consecutive = match (this_period, last_period) {
            (Some((this, this_at)), Some((last, last_at))) => {
                let follows = follows(last, this);
                if !follows {
                    findings.push(self.not_consecutive(this, this_at, last, last_at));
                }
                Some((follows, this.from.year == last.from.year))
            }
            _ => None,
        };
        let (matched, this_only, last_only) =
            match_rows(&self.this.bound.layout, &self.last.bound.layout);
        let continuity = self.template.spec.continuity.as_ref();
        if !declared {
            findings.push(self.nothing_declared());
        }
        if let Some(continuity) = continuity.filter(|_| consecutive.is_none_or(|(f, _)| f)) {
            for (to, from) in &continuity.carried {
                self.carried_over(to, from, &matched, findings);
            }
            // Year-to-date figures start again with the year: compared only when the period
            // lines say both periods are in one.
            if consecutive.is_some_and(|(_, same_year)| same_year) {
                for (column, own) in &continuity.accumulates {
                    self.accumulated(column, own, &matched, findings);
                }
                for column in &continuity.cumulative {
                    let own = continuity.accumulates.get(column).map(String::as_str);
                    self.cumulative(column, own, &matched, findings);
                }
            }
        }
        self.tenfold(&matched, findings);
        self.units_in_one(&this_only, &last_only, findings);
    }

    /// The rows of this period whose parents are not reported again: a total or section
    /// over a row already found wrong in the same column. `wrong` holds the rows found
    /// wrong; the rows reported are those with no wrong row under them.
    fn roots(&self, wrong: &HashSet<u32>) -> HashSet<u32> {
        let parents: HashMap<u32, Vec<u32>> =
            self.this.bound.layout.hierarchy().into_iter().collect();
        wrong
            .iter()
            .copied()
            .filter(|row| {
                parents
                    .get(row)
                    .is_none_or(|children| !children.iter().any(|c| wrong.contains(c)))
            })
            .collect()
    }

    /// The matched rows whose figure in `this_col` and the last period's in `last_col` are
    /// `wrong` together (which says what else it read of the row, `Some` when wrong), each
    /// with both cells and figures; a total or section is left out when a row under it is
    /// among them (the root is reported, not its sums).
    fn root_pairs<'m, T>(
        &self,
        this_col: u32,
        last_col: u32,
        matched: &[Matched<'m>],
        wrong: impl Fn(&BodyRow, &Quantity, &Quantity) -> Option<T>,
    ) -> Vec<Pair<'m, T>> {
        let blanks = &self.template.spec.blanks;
        let mut found = Vec::new();
        for (this_row, last_row) in matched {
            let this_at = CellRef::new(this_row.row, this_col);
            let last_at = CellRef::new(last_row.row, last_col);
            let (Some(now), Some(before)) = (
                self.this.figure(this_at, blanks),
                self.last.figure(last_at, blanks),
            ) else {
                continue;
            };
            if let Some(with) = wrong(this_row, &now, &before) {
                found.push(Pair {
                    row: this_row,
                    this_at,
                    last_at,
                    now,
                    before,
                    with,
                });
            }
        }
        let rows: HashSet<u32> = found.iter().map(|pair| pair.row.row).collect();
        let roots = self.roots(&rows);
        found.retain(|pair| roots.contains(&pair.row.row));
        found
    }

    /// An error on this period's cell `at.0` that names the last period's `at.1` (its
    /// figure `before`) in `related`; `now` is this period's figure.
    fn across(
        &self,
        code: &'static str,
        at: (CellRef, CellRef),
        message: Message,
        expected: String,
        now: &Quantity,
        before: &Quantity,
    ) -> Finding {
        Finding {
            code,
            severity: Severity::Error,
            sheet: self.this.sheet.name.clone(),
            cell: at.0,
            cells: Vec::new(),
            message,
            expected: Some(expected),
            actual: Some(format_quantity(now, self.this.convention)),
            fix: None,
            related: vec![self
                .last
                .related(at.1, Some(format_quantity(before, self.last.convention)))],
        }
    }

    /// A fix for review on this period's cell `at`: the figure the last period's file says
    /// it should hold (`figure`), and why.
    fn fix_by_last(&self, at: CellRef, figure: &Quantity, reason: Message) -> Fix {
        Fix {
            edits: vec![Edit {
                cell: at,
                value: figure.value,
                shown: format_quantity(figure, self.this.convention),
            }],
            reason,
            applicability: Applicability::NeedsReview,
        }
    }

    /// CF401: each matched row whose `to` figure differs from the last period's `from`.
    fn carried_over(&self, to: &str, from: &str, matched: &[Matched], out: &mut Vec<Finding>) {
        let (Some(&to_col), Some(&from_col)) = (
            self.this.bound.columns.get(to),
            self.last.bound.columns.get(from),
        ) else {
            return;
        };
        let to_header = self.this.header(to);
        let from_header = self.last.header(from);
        let differing = self.root_pairs(to_col, from_col, matched, |_, carried, pending| {
            (carried.value != pending.value).then_some(())
        });
        for Pair {
            row,
            this_at,
            last_at,
            now: carried,
            before: pending,
            ..
        } in differing
        {
            let difference = Quantity {
                value: carried.value.checked_sub(pending.value).unwrap_or_default(),
                ..carried
            };
            let (carried_vi, carried_en) = in_both(&carried);
            let (pending_vi, pending_en) = in_both(&pending);
            let (difference_vi, difference_en) = in_both(&difference);
            let (this_path, last_path, label) = (self.this.path, self.last.path, &row.label);
            let last_sheet = &self.last.sheet.name;
            let reason = Message::new(
                format!("«{from_header}» của kỳ trước (tệp {last_path}, ô {last_at})"),
                format!("the last period's «{from_header}» (file {last_path}, cell {last_at})"),
            );
            let fix = self.fix_by_last(this_at, &pending, reason);
            let mut finding = self.across(
                codes::CARRIED_OVER_MISMATCH,
                (this_at, last_at),
                Message::new(
                    format!(
                        "Dòng «{label}»: «{to_header}» ({carried_vi}, tệp {this_path}, ô {this_at}) khác «{from_header}» của kỳ trước ({pending_vi}, tệp {last_path}, trang \"{last_sheet}\", ô {last_at}), chênh lệch {difference_vi}"
                    ),
                    format!(
                        "Row «{label}»: «{to_header}» ({carried_en}, file {this_path}, cell {this_at}) differs from the last period's «{from_header}» ({pending_en}, file {last_path}, sheet \"{last_sheet}\", cell {last_at}) by {difference_en}"
                    ),
                ),
                format_quantity(&pending, self.this.convention),
                &carried,
                &pending,
            );
            finding.fix = Some(fix);
            out.push(finding);
        }
    }

    /// CF403: each matched row whose cumulative `column` is below the last period's. Where
    /// the column accumulates this period's `own` figure and the row has one, the sum
    /// decides (CF407) and this is not compared: a period's own figure may be negative
    /// (an adjustment), and one finding is enough for a cell.
    fn cumulative(
        &self,
        column: &str,
        own: Option<&str>,
        matched: &[Matched],
        out: &mut Vec<Finding>,
    ) {
        let (Some(&this_col), Some(&last_col)) = (
            self.this.bound.columns.get(column),
            self.last.bound.columns.get(column),
        ) else {
            return;
        };
        let own_col = own
            .and_then(|own| self.this.bound.columns.get(own))
            .copied();
        let blanks = &self.template.spec.blanks;
        let header = self.this.header(column);
        let lower = self.root_pairs(this_col, last_col, matched, |row, now, before| {
            let summed = own_col.is_some_and(|col| {
                self.this
                    .figure(CellRef::new(row.row, col), blanks)
                    .is_some()
            });
            (now.value < before.value && !summed).then_some(())
        });
        for Pair {
            row,
            this_at,
            last_at,
            now,
            before,
            ..
        } in lower
        {
            let (now_vi, now_en) = in_both(&now);
            let (before_vi, before_en) = in_both(&before);
            let (this_path, last_path, label) = (self.this.path, self.last.path, &row.label);
            let last_sheet = &self.last.sheet.name;
            out.push(self.across(
                codes::CUMULATIVE_DECREASED,
                (this_at, last_at),
                Message::new(
                    format!(
                        "Dòng «{label}»: số lũy kế «{header}» giảm từ {before_vi} ở kỳ trước (tệp {last_path}, trang \"{last_sheet}\", ô {last_at}) xuống {now_vi} (tệp {this_path}, ô {this_at}) trong cùng một năm"
                    ),
                    format!(
                        "Row «{label}»: the cumulative «{header}» went down from {before_en} in the last period (file {last_path}, sheet \"{last_sheet}\", cell {last_at}) to {now_en} (file {this_path}, cell {this_at}) within one year"
                    ),
                ),
                format!("≥ {}", format_quantity(&before, self.this.convention)),
                &now,
                &before,
            ));
        }
    }

    /// CF407: each matched row whose cumulative `column` is not the last period's plus this
    /// period's `own` figure.
    fn accumulated(&self, column: &str, own: &str, matched: &[Matched], out: &mut Vec<Finding>) {
        let (Some(&this_col), Some(&last_col), Some(&own_col)) = (
            self.this.bound.columns.get(column),
            self.last.bound.columns.get(column),
            self.this.bound.columns.get(own),
        ) else {
            return;
        };
        let blanks = &self.template.spec.blanks;
        let (header, own_header) = (self.this.header(column), self.this.header(own));
        let off = self.root_pairs(this_col, last_col, matched, |row, now, before| {
            let own_at = CellRef::new(row.row, own_col);
            let figure = self.this.figure(own_at, blanks)?;
            let sum = Quantity {
                value: before.value.checked_add(figure.value)?,
                decimals: before.decimals.max(figure.decimals),
                ..figure
            };
            (now.value != sum.value).then_some((own_at, figure, sum))
        });
        for pair in off {
            let (own_at, figure, sum) = pair.with;
            let (now_vi, now_en) = in_both(&pair.now);
            let (before_vi, before_en) = in_both(&pair.before);
            let (figure_vi, figure_en) = in_both(&figure);
            let (sum_vi, sum_en) = in_both(&sum);
            let (this_at, last_at) = (pair.this_at, pair.last_at);
            let (this_path, last_path, label) = (self.this.path, self.last.path, &pair.row.label);
            let last_sheet = &self.last.sheet.name;
            let mut finding = self.across(
                codes::CUMULATIVE_NOT_LAST_PLUS_THIS,
                (this_at, last_at),
                Message::new(
                    format!(
                        "Dòng «{label}»: số lũy kế «{header}» ({now_vi}, tệp {this_path}, ô {this_at}) khác lũy kế kỳ trước ({before_vi}, tệp {last_path}, trang \"{last_sheet}\", ô {last_at}) cộng số trong kỳ «{own_header}» ({figure_vi}, ô {own_at}): {before_vi} + {figure_vi} = {sum_vi}"
                    ),
                    format!(
                        "Row «{label}»: the cumulative «{header}» ({now_en}, file {this_path}, cell {this_at}) is not the last period's ({before_en}, file {last_path}, sheet \"{last_sheet}\", cell {last_at}) plus this period's «{own_header}» ({figure_en}, cell {own_at}): {before_en} + {figure_en} = {sum_en}"
                    ),
                ),
                format_quantity(&sum, self.this.convention),
                &pair.now,
                &pair.before,
            );
            finding.cells.push(own_at);
            finding.fix = Some(self.fix_by_last(
                this_at,
                &sum,
                Message::new(
                    format!("lũy kế kỳ trước (tệp {last_path}, ô {last_at}) cộng số trong kỳ (ô {own_at})"),
                    format!("the last period's cumulative figure (file {last_path}, cell {last_at}) plus this period's own (cell {own_at})"),
                ),
            ));
            out.push(finding);
        }
    }

    /// CF404: a unit's figure, in a column both files bind, that changed tenfold or more.
    fn tenfold(&self, matched: &[Matched], out: &mut Vec<Finding>) {
        let blanks = &self.template.spec.blanks;
        for (name, &this_col) in &self.this.bound.columns {
            let Some(&last_col) = self.last.bound.columns.get(name) else {
                continue;
            };
            let header = self.this.header(name);
            for (this_row, last_row) in matched {
                if this_row.kind != RowKind::Unit {
                    continue;
                }
                let this_at = CellRef::new(this_row.row, this_col);
                let last_at = CellRef::new(last_row.row, last_col);
                let (Some(now), Some(before)) = (
                    self.this.figure(this_at, blanks),
                    self.last.figure(last_at, blanks),
                ) else {
                    continue;
                };
                if now.percent || before.percent || !tenfold(now.value, before.value) {
                    continue;
                }
                let (now_vi, now_en) = in_both(&now);
                let (before_vi, before_en) = in_both(&before);
                let (last_path, label) = (self.last.path, &this_row.label);
                let last_sheet = &self.last.sheet.name;
                out.push(Finding {
                    code: codes::TENFOLD_CHANGE,
                    severity: Severity::Info,
                    sheet: self.this.sheet.name.clone(),
                    cell: this_at,
                    cells: Vec::new(),
                    message: Message::new(
                        format!(
                            "Dòng «{label}»: «{header}» thay đổi từ 10 lần trở lên so với kỳ trước: {before_vi} (tệp {last_path}, trang \"{last_sheet}\", ô {last_at}) → {now_vi}"
                        ),
                        format!(
                            "Row «{label}»: «{header}» changed tenfold or more since the last period: {before_en} (file {last_path}, sheet \"{last_sheet}\", cell {last_at}) → {now_en}"
                        ),
                    ),
                    expected: None,
                    actual: Some(format_quantity(&now, self.this.convention)),
                    fix: None,
                    related: vec![self
                        .last
                        .related(last_at, Some(format_quantity(&before, self.last.convention)))],
                });
            }
        }
    }

    /// CF405: the units of this period the last one lacks (at the first of them), and the
    /// units of the last period this one lacks (at this sheet's label header).
    fn units_in_one(&self, this_only: &[&BodyRow], last_only: &[&BodyRow], out: &mut Vec<Finding>) {
        let named = |rows: &[&BodyRow]| listed(rows.iter().map(|row| format!("«{}»", row.label)));
        let this_label_col = self.this.bound.layout.label_col;
        let last_label_col = self.last.bound.layout.label_col;
        let last_path = self.last.path;
        if let Some(first) = this_only.first() {
            let (vi, en) = named(this_only);
            out.push(Finding {
                code: codes::UNIT_IN_ONE_PERIOD,
                severity: Severity::Info,
                sheet: self.this.sheet.name.clone(),
                cell: CellRef::new(first.row, this_label_col),
                cells: this_only
                    .iter()
                    .skip(1)
                    .map(|row| CellRef::new(row.row, this_label_col))
                    .collect(),
                message: Message::new(
                    format!(
                        "{} đơn vị không có trong tệp kỳ trước {last_path}: {vi}; số liệu của chúng không được đối chiếu",
                        this_only.len()
                    ),
                    format!(
                        "{} units are not in the last period's file {last_path}: {en}; their figures were not compared",
                        this_only.len()
                    ),
                ),
                expected: None,
                actual: None,
                fix: None,
                related: Vec::new(),
            });
        }
        if !last_only.is_empty() {
            let (vi, en) = named(last_only);
            let layout = &self.this.bound.layout;
            out.push(Finding {
                code: codes::UNIT_IN_ONE_PERIOD,
                severity: Severity::Info,
                sheet: self.this.sheet.name.clone(),
                cell: CellRef::new(layout.header_first, layout.label_col),
                cells: Vec::new(),
                message: Message::new(
                    format!(
                        "{} đơn vị của tệp kỳ trước {last_path} không có ở kỳ này: {vi}",
                        last_only.len()
                    ),
                    format!(
                        "{} units of the last period's file {last_path} are not in this one: {en}",
                        last_only.len()
                    ),
                ),
                expected: None,
                actual: None,
                fix: None,
                related: last_only
                    .iter()
                    .map(|row| {
                        self.last.related(
                            CellRef::new(row.row, last_label_col),
                            Some(row.label.clone()),
                        )
                    })
                    .collect(),
            });
        }
    }

    /// CF402: the period lines say this period does not follow the last.
    fn not_consecutive(
        &self,
        this: Period,
        this_at: CellRef,
        last: Period,
        last_at: CellRef,
    ) -> Finding {
        let (how_vi, how_en) = if this == last {
            ("trùng với", "is the same as")
        } else if days_from_civil(this.from.year, this.from.month, this.from.day)
            <= days_from_civil(last.to.year, last.to.month, last.to.day)
        {
            ("không sau", "does not come after")
        } else {
            ("cách quãng với", "leaves a gap after")
        };
        let last_path = self.last.path;
        let last_sheet = &self.last.sheet.name;
        let period_text = |sheet: &Sheet, at: CellRef| sheet.label(at);
        Finding {
            code: codes::PERIODS_NOT_CONSECUTIVE,
            severity: Severity::Warning,
            sheet: self.this.sheet.name.clone(),
            cell: this_at,
            cells: Vec::new(),
            message: Message::new(
                format!(
                    "Kỳ báo cáo của tệp này ({} – {}) {how_vi} kỳ của tệp kỳ trước {last_path} ({} – {}, trang \"{last_sheet}\", ô {last_at}): số chuyển kỳ và lũy kế không được đối chiếu",
                    this.from, this.to, last.from, last.to
                ),
                format!(
                    "This file's reporting period ({} – {}) {how_en} the period of the last period's file {last_path} ({} – {}, sheet \"{last_sheet}\", cell {last_at}): carried-over and cumulative figures were not compared",
                    this.from, this.to, last.from, last.to
                ),
            ),
            expected: None,
            actual: Some(format!("{} – {}", this.from, this.to)),
            fix: None,
            related: vec![self
                .last
                .related(last_at, Some(period_text(self.last.sheet, last_at)))],
        }
    }

    /// CF406 (info): the template declares nothing across periods.
    fn nothing_declared(&self) -> Finding {
        let layout = &self.this.bound.layout;
        let id = &self.template.id;
        let last_path = self.last.path;
        Finding {
            code: codes::PREVIOUS_NOT_COMPARED,
            severity: Severity::Info,
            sheet: self.this.sheet.name.clone(),
            cell: CellRef::new(layout.header_first, layout.label_col),
            cells: Vec::new(),
            message: Message::new(
                format!(
                    "Mẫu biểu '{id}' không khai báo cột chuyển kỳ ([continuity]): với tệp kỳ trước {last_path} chỉ so sánh số thay đổi lớn và đơn vị"
                ),
                format!(
                    "Template '{id}' declares no carried-over column ([continuity]): against the last period's file {last_path} only large changes and units were compared"
                ),
            ),
            expected: None,
            actual: None,
            fix: None,
            related: Vec::new(),
        }
    }
}

/// CF406 (warning): the template binds no sheet of the last period's file.
fn not_compared_finding(sheet: &Sheet, bound: &Bound, last_path: &str, id: &str) -> Finding {
    let layout = &bound.layout;
    Finding {
        code: codes::PREVIOUS_NOT_COMPARED,
        severity: Severity::Warning,
        sheet: sheet.name.clone(),
        cell: CellRef::new(layout.header_first, layout.label_col),
        cells: Vec::new(),
        message: Message::new(
            format!(
                "Mẫu biểu '{id}' không khớp trang nào của tệp kỳ trước {last_path}: hai kỳ không được đối chiếu"
            ),
            format!(
                "Template '{id}' matches no sheet of the last period's file {last_path}: the two periods were not compared"
            ),
        ),
        expected: None,
        actual: None,
        fix: None,
        related: Vec::new(),
    }
}

/// Units named for a message, in both languages: the first [`UNITS_NAMED`] as given, the
/// rest counted (`«A», «B» và 3 đơn vị khác` / `«A», «B» and 3 more`).
pub(crate) fn listed(names: impl ExactSizeIterator<Item = String>) -> (String, String) {
    let count = names.len();
    let named: Vec<String> = names.take(UNITS_NAMED).collect();
    let more = count.saturating_sub(UNITS_NAMED);
    let (mut vi, mut en) = (named.join(", "), named.join(", "));
    if more > 0 {
        vi.push_str(&format!(" và {more} đơn vị khác"));
        en.push_str(&format!(" and {more} more"));
    }
    (vi, en)
}

/// Whether `this` starts the day after `last` ends.
fn follows(last: Period, this: Period) -> bool {
    let end = days_from_civil(last.to.year, last.to.month, last.to.day);
    let start = days_from_civil(this.from.year, this.from.month, this.from.day);
    end.checked_add(1) == Some(start)
}

/// Whether two figures differ by a factor of [`TENFOLD`] or more, both non-zero and the
/// larger at least [`TENFOLD_FLOOR`].
fn tenfold(now: Decimal, before: Decimal) -> bool {
    let (a, b) = (now.abs(), before.abs());
    if a.is_zero() || b.is_zero() {
        return false;
    }
    let (small, large) = if a < b { (a, b) } else { (b, a) };
    large >= Decimal::from(TENFOLD_FLOOR)
        && small
            .checked_mul(Decimal::from(TENFOLD))
            .is_some_and(|tenfold| large >= tenfold)
}

/// This period's body rows matched with the last period's by their labels, in order (a
/// label that repeats is matched with its repeats in turn), and the unit rows of each
/// that the other lacks. Labels are compared with their marks where both have them.
fn match_rows<'a>(
    this: &'a Layout,
    last: &'a Layout,
) -> (Vec<Matched<'a>>, Vec<&'a BodyRow>, Vec<&'a BodyRow>) {
    let labelled = |row: &&BodyRow| !row.label.trim().is_empty() && !is_note_label(row);
    let mut by_label: HashMap<String, Vec<&BodyRow>> = HashMap::new();
    for row in last.body.iter().filter(labelled) {
        by_label
            .entry(normalize_label(&row.label))
            .or_default()
            .push(row);
    }
    let mut used: HashSet<u32> = HashSet::new();
    let mut matched = Vec::new();
    let mut this_only = Vec::new();
    for row in this.body.iter().filter(labelled) {
        let candidates = by_label.get(&normalize_label(&row.label));
        let found = candidates.and_then(|rows| {
            rows.iter().copied().find(|other| {
                !used.contains(&other.row) && {
                    let (a, b) = as_compared(&row.label, &other.label);
                    a == b
                }
            })
        });
        match found {
            Some(other) => {
                used.insert(other.row);
                matched.push((row, other));
            }
            None if row.kind == RowKind::Unit => this_only.push(row),
            None => {}
        }
    }
    let last_only = last
        .body
        .iter()
        .filter(labelled)
        .filter(|row| row.kind == RowKind::Unit && !used.contains(&row.row))
        .collect();
    (matched, this_only, last_only)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Date;

    fn period(from: (i32, u32, u32), to: (i32, u32, u32)) -> Period {
        let date = |(year, month, day)| Date { year, month, day };
        Period {
            from: date(from),
            to: date(to),
        }
    }

    #[test]
    fn a_period_follows_the_last_from_the_next_day() {
        let q2 = period((2022, 3, 15), (2022, 6, 14));
        let q3 = period((2022, 6, 15), (2022, 9, 14));
        assert!(follows(q2, q3));
        assert!(!follows(q3, q2));
        assert!(!follows(q3, q3));
        let december = period((2022, 12, 1), (2022, 12, 31));
        let january = period((2023, 1, 1), (2023, 1, 31));
        assert!(follows(december, january));
        assert!(!follows(q2, period((2022, 9, 15), (2022, 12, 14))));
    }

    #[test]
    fn tenfold_needs_both_figures_and_a_large_one() {
        let d = Decimal::from;
        assert!(tenfold(d(1_200), d(120)));
        assert!(tenfold(d(12), d(1_200)));
        assert!(tenfold(d(-100), d(10)));
        assert!(!tenfold(d(1_199), d(120)));
        assert!(!tenfold(d(12), d(1)), "small figures move freely");
        assert!(!tenfold(d(0), d(5_000)), "zero is no factor");
    }
}
