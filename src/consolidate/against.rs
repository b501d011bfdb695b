//! A province's report checked against its units' own reports (`crossfoot check --units
//! DIR`): each unit row of the province's table matched with the report of the unit it
//! names, and its figures compared with that report's grand total (CF408); units with a row
//! and no report, or a report and no row (CF409); a unit with two rows (CF410). Where the
//! province's file alone leaves several cells equally likely (CF302), the unit's report can
//! say which one was mistyped: the finding then names that cell (CF301) and the file that
//! decided it. The province's own sections and grand total are its own check's business.

use std::collections::BTreeMap;

use super::reported::{first_bound, UnitFigure, UnitFile, UnitNames, UnitReport};
use crate::codes;
use crate::continuity::{
    ambiguous_alone, as_shown, in_both, listed, merge_agreeing, pointed_alone, settles, Side,
    MOST_MOVED,
};
use crate::finding::{Applicability, Edit, Finding, Fix, Message, Related, Severity};
use crate::layout::{is_note_label, BodyRow, Layout, RowKind};
use crate::model::{CellRef, Workbook};
use crate::number::{format_quantity, Quantity};
use crate::template::Template;

/// Checks the province's report against its units' reports, both bound with `template`
/// (the units read by [`crate::read_unit`] with it): each unit row of the province's table
/// is matched with the report whose unit it names (as people read names: marks compared
/// where both have them, a leading `UBND` left out), and each of its figures compared with
/// that report's grand total in the same column (rates are not compared). The findings are
/// on the province's cells and name the unit's file and cell in `related`:
/// - CF408 (error): a figure of a unit's row differs from its report's total, one finding
///   a cell (a formula of the row over a typed figure found wrong is not reported again);
/// - CF409 (warning): the unit rows no report names (one finding, at the first of them),
///   and the reports whose unit has no row (one finding, at the label column's header);
/// - CF410 (error): a unit's second row, naming the first in its message and `cells`.
///
/// The province's sections and grand total are not compared: they are its own check's.
/// Only the first sheet the template binds is compared; a province's file it does not bind
/// gives no finding (the province's check says so, CF002).
///
/// # Examples
/// ```
/// use crossfoot::{check_against_units, consolidate, read_unit, read_workbook, ConsolidateOptions,
///     Template, UnitFile};
/// let template = Template::builtin("tthc-06").unwrap();
/// let bytes = std::fs::read("tests/fixtures/tthc-06-q3-2022.xlsx").unwrap();
/// let book = read_workbook(&bytes, "so-y-te.xlsx").unwrap();
/// let unit = read_unit(UnitFile { path: "so-y-te.xlsx", workbook: &book }, &template).unwrap();
/// let province = consolidate(&template, &[unit.clone()], &[], &ConsolidateOptions::default()).unwrap();
/// let province = read_workbook(&province.bytes, "tong-hop.xlsx").unwrap();
/// let file = UnitFile { path: "tong-hop.xlsx", workbook: &province };
/// // The province's report was written from the unit's: nothing differs.
/// assert!(check_against_units(file, &[unit], &template).is_empty());
/// // A report of another unit has no row in it.
/// let other = read_unit(UnitFile { path: "so-tu-phap.xlsx", workbook: &book }, &template).unwrap();
/// let findings = check_against_units(file, &[other], &template);
/// assert!(findings.iter().all(|f| f.code == "CF409"));
/// ```
pub fn check_against_units(
    province: UnitFile<'_>,
    units: &[UnitReport],
    template: &Template,
) -> Vec<Finding> {
    against(province, units, template, |against, _| {
        let mut findings = Vec::new();
        let differences = against.differences();
        let typed_wrong: Vec<(u32, bool)> = differences
            .iter()
            .map(|d| (d.row.row, !against.is_formula(d.at)))
            .collect();
        for difference in &differences {
            // A formula over a typed figure of its row found wrong moves with it.
            let follows = against.is_formula(difference.at)
                && typed_wrong
                    .iter()
                    .any(|&(row, typed)| typed && row == difference.row.row);
            if !follows {
                findings.push(against.differs(difference));
            }
        }
        findings.extend(against.without_report());
        findings.extend(against.without_row());
        findings.extend(against.twice());
        findings
    })
    .unwrap_or_default()
}

/// Where the province's file alone leaves several cells equally likely (a CF302 among
/// `findings`, the province's check's) and its units' reports say which one was mistyped,
/// replaces the CF302 by a CF301 on that cell: the figure the unit's report gives is its
/// fix (safe), and the finding names the unit's file and cell in its message and in
/// `related`. A unit's report decides when, of the CF302's cells on unit rows, exactly one
/// differs from its unit's grand total, and that figure in its place makes the province's
/// relations hold with nothing else broken (the province's check run again). The CF408 of
/// that cell among `across` (what [`check_against_units`] found) is dropped: one finding a
/// cell.
///
/// A CF301 the province's file alone put on one cell by a tie-break moves the same way,
/// when exactly one unit row's cell of its row or column differs from the unit's report
/// and that figure makes the relations hold: it then says which cell the file alone
/// pointed at (its `cells`).
///
/// The last period's file decides the same way: [`crate::decide_by_previous`].
///
/// # Examples
/// ```
/// use crossfoot::{check, decide_by_units, read_unit, read_workbook, Template, TemplateChoice,
///     UnitFile};
/// let template = Template::builtin("tthc-06").unwrap();
/// let bytes = std::fs::read("tests/fixtures/tthc-06-q3-2022.xlsx").unwrap();
/// let book = read_workbook(&bytes, "tong-hop.xlsx").unwrap();
/// let mut findings = check(&book, &TemplateChoice::Given(Box::new(template.clone()))).findings;
/// let before = findings.clone();
/// let mut across = Vec::new();
/// let province = UnitFile { path: "tong-hop.xlsx", workbook: &book };
/// // No unit's report: nothing is decided.
/// decide_by_units(province, &[], &template, &mut findings, &mut across);
/// assert_eq!(findings, before);
/// ```
pub fn decide_by_units(
    province: UnitFile<'_>,
    units: &[UnitReport],
    template: &Template,
    findings: &mut [Finding],
    across: &mut Vec<Finding>,
) {
    merge_agreeing(findings, across, &[codes::UNIT_FIGURE_DIFFERS]);
    let deciding = |f: &Finding| matches!(f.code, codes::AMBIGUOUS_CELL | codes::WRONG_CELL);
    if units.is_empty() || !findings.iter().any(deciding) {
        return;
    }
    let decided = against(province, units, template, |against, book| {
        let differences = against.differences();
        // What the units' files may decide: a CF301 the province's file alone put on one
        // cell by a tie-break, where they show another cell of its row or column wrong;
        // then each CF302 of whose cells exactly one differs from its unit's report. With
        // what the file alone said and the cells it named.
        let mut tries: Vec<(usize, &Difference<'_>, Message, Vec<CellRef>)> = Vec::new();
        for (index, wrong) in findings.iter().enumerate() {
            if wrong.code != codes::WRONG_CELL || wrong.sheet != against.side.sheet.name {
                continue;
            }
            let mut contradicting = differences.iter().filter(|d| {
                d.at != wrong.cell && (d.at.row == wrong.cell.row || d.at.col == wrong.cell.col)
            });
            if let (Some(difference), None) = (contradicting.next(), contradicting.next()) {
                tries.push((index, difference, pointed_alone(wrong), vec![wrong.cell]));
            }
        }
        tries.truncate(MOST_MOVED);
        for (index, ambiguous) in findings.iter().enumerate() {
            if ambiguous.code != codes::AMBIGUOUS_CELL || ambiguous.sheet != against.side.sheet.name
            {
                continue;
            }
            let candidates: Vec<CellRef> = std::iter::once(ambiguous.cell)
                .chain(ambiguous.cells.iter().copied())
                .collect();
            let differing: Vec<&Difference> = differences
                .iter()
                .filter(|d| candidates.contains(&d.at))
                .collect();
            if let [difference] = differing.as_slice() {
                let others = candidates
                    .into_iter()
                    .filter(|cell| *cell != difference.at)
                    .collect();
                tries.push((index, *difference, ambiguous_alone(), others));
            }
        }
        let mut decided: Vec<(usize, Finding)> = Vec::new();
        for (index, difference, alone, cells) in tries {
            let Some(original) = findings.get(index) else {
                continue;
            };
            // One finding a cell: a cell already decided is not tried again (a check saved).
            let taken = decided.iter().any(|(_, f)| f.cell == difference.at);
            if !taken && against.holds_with(book, findings, original, difference) {
                decided.push((index, against.decided(difference, &alone, cells)));
            }
        }
        decided
    });
    for (index, finding) in decided.into_iter().flatten() {
        across.retain(|f| {
            !(f.code == codes::UNIT_FIGURE_DIFFERS
                && f.sheet == finding.sheet
                && f.cell == finding.cell)
        });
        if let Some(slot) = findings.get_mut(index) {
            *slot = finding;
        }
    }
}

/// `work` done with the province's side (its first sheet `template` binds, as Excel shows
/// it) matched with `units`, and the workbook as Excel shows it; `None` when the template
/// binds no sheet of it.
fn against<R>(
    province: UnitFile<'_>,
    units: &[UnitReport],
    template: &Template,
    work: impl FnOnce(&Against<'_>, &Workbook) -> R,
) -> Option<R> {
    let book = as_shown(province.workbook);
    let (sheet, bound) = first_bound(template, &book)?;
    let against = Against {
        side: Side {
            path: province.path,
            sheet,
            bound: &bound,
            convention: book.convention,
        },
        template,
        units,
        matching: match_units(&bound.layout, units),
    };
    Some(work(&against, &book))
}

/// The province's unit rows matched with the units' reports.
struct Matching<'a> {
    /// Each unit's first row, with its report's index.
    matched: Vec<(&'a BodyRow, usize)>,
    /// A unit's second (or later) row, with its first.
    twice: Vec<(&'a BodyRow, &'a BodyRow)>,
    /// The unit rows no report names.
    without_report: Vec<&'a BodyRow>,
    /// The reports whose unit has no row, by index.
    without_row: Vec<usize>,
}

/// Matches the unit rows of `layout` with the reports naming their units.
fn match_units<'a>(layout: &'a Layout, units: &[UnitReport]) -> Matching<'a> {
    let mut first: BTreeMap<usize, &BodyRow> = BTreeMap::new();
    let mut matching = Matching {
        matched: Vec::new(),
        twice: Vec::new(),
        without_report: Vec::new(),
        without_row: Vec::new(),
    };
    let unit_rows = layout
        .body
        .iter()
        .filter(|row| row.kind == RowKind::Unit && !row.label.trim().is_empty())
        .filter(|row| !is_note_label(row));
    let mut names = UnitNames::new();
    for (index, unit) in units.iter().enumerate() {
        names.insert(index, &unit.name);
    }
    for row in unit_rows {
        match names.find(&row.label) {
            Some(index) => match first.get(&index) {
                Some(earlier) => matching.twice.push((row, earlier)),
                None => {
                    first.insert(index, row);
                    matching.matched.push((row, index));
                }
            },
            None => matching.without_report.push(row),
        }
    }
    let mut with_row = UnitNames::new();
    for row in first.values() {
        with_row.insert((), &row.label);
    }
    matching.without_row = units
        .iter()
        .enumerate()
        .filter(|(_, unit)| with_row.find(&unit.name).is_none())
        .map(|(index, _)| index)
        .collect();
    matching
}

/// A figure of a unit's row that differs from the unit's report.
struct Difference<'a> {
    /// The unit's row in the province's table.
    row: &'a BodyRow,
    /// The province's cell.
    at: CellRef,
    /// The template's name of its column.
    column: &'a str,
    /// The province's figure.
    now: Quantity,
    /// The unit's report.
    unit: &'a UnitReport,
    /// The report's grand total in that column.
    figure: &'a UnitFigure,
}

/// The province's side and its units, matched.
struct Against<'a> {
    side: Side<'a>,
    template: &'a Template,
    units: &'a [UnitReport],
    matching: Matching<'a>,
}

impl Against<'_> {
    /// Every figure of a matched unit row that differs from its report's grand total, row by
    /// row, left to right.
    fn differences(&self) -> Vec<Difference<'_>> {
        let blanks = &self.template.spec.blanks;
        let mut found = Vec::new();
        for &(row, index) in &self.matching.matched {
            let Some(unit) = self.units.get(index) else {
                continue;
            };
            for (column, &col) in &self.side.bound.columns {
                let Some(figure) = unit.totals.get(column) else {
                    continue;
                };
                let at = CellRef::new(row.row, col);
                let Some(now) = self.side.figure(at, blanks) else {
                    continue;
                };
                if !now.percent && now.value != figure.value {
                    found.push(Difference {
                        row,
                        at,
                        column,
                        now,
                        unit,
                        figure,
                    });
                }
            }
        }
        found.sort_by_key(|d| d.at);
        found
    }

    /// Whether the province's cell holds a formula.
    fn is_formula(&self, at: CellRef) -> bool {
        self.side
            .sheet
            .cell(at)
            .is_some_and(|cell| cell.formula.is_some())
    }

    /// CF408: a unit's figure that differs from its report's grand total.
    fn differs(&self, d: &Difference<'_>) -> Finding {
        let unit_figure = unit_quantity(d.figure);
        let difference = Quantity {
            value: d.now.value.checked_sub(d.figure.value).unwrap_or_default(),
            decimals: d.now.decimals.max(unit_figure.decimals),
            ..d.now
        };
        let (now_vi, now_en) = in_both(&d.now);
        let (unit_vi, unit_en) = in_both(&unit_figure);
        let (difference_vi, difference_en) = in_both(&difference);
        let (path, label, header, at) = (
            self.side.path,
            &d.row.label,
            self.side.header(d.column),
            d.at,
        );
        let (unit_path, unit_sheet, unit_cell) = (&d.unit.path, &d.unit.sheet, d.figure.cell);
        let errors = d
            .unit
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count();
        let (own_vi, own_en) = if errors > 0 {
            (
                format!("; báo cáo của đơn vị có {errors} lỗi riêng"),
                format!("; the unit's own report has {errors} errors of its own"),
            )
        } else {
            (String::new(), String::new())
        };
        let message = Message::new(
            format!(
                "Dòng «{label}»: «{header}» ghi {now_vi} (tệp {path}, ô {at}) khác tổng cộng trong báo cáo của chính đơn vị ({unit_vi}, tệp {unit_path}, trang \"{unit_sheet}\", ô {unit_cell}), chênh lệch {difference_vi}{own_vi}"
            ),
            format!(
                "Row «{label}»: «{header}» is {now_en} (file {path}, cell {at}) but the unit's own report totals {unit_en} (file {unit_path}, sheet \"{unit_sheet}\", cell {unit_cell}), a difference of {difference_en}{own_en}"
            ),
        );
        self.mended_by_unit(d, codes::UNIT_FIGURE_DIFFERS, message, Vec::new())
    }

    /// CF409: the unit rows no report names, at the first of them.
    fn without_report(&self) -> Option<Finding> {
        let rows = &self.matching.without_report;
        let first = rows.first()?;
        let label_col = self.side.bound.layout.label_col;
        let (vi, en) = listed(rows.iter().map(|row| format!("«{}»", row.label)));
        let (count, files) = (rows.len(), self.units.len());
        Some(Finding {
            code: codes::UNIT_REPORT_MISSING,
            severity: Severity::Warning,
            sheet: self.side.sheet.name.clone(),
            cell: CellRef::new(first.row, label_col),
            cells: rows
                .iter()
                .skip(1)
                .map(|row| CellRef::new(row.row, label_col))
                .collect(),
            message: Message::new(
                format!(
                    "{count} đơn vị có dòng trong báo cáo này nhưng không có báo cáo trong {files} tệp đơn vị: {vi}; số liệu của chúng không được đối chiếu"
                ),
                format!(
                    "{count} units have a row in this report but no report among the {files} units' files: {en}; their figures were not compared"
                ),
            ),
            expected: None,
            actual: None,
            fix: None,
            related: Vec::new(),
        })
    }

    /// CF409: the reports whose unit has no row, at the label column's header.
    fn without_row(&self) -> Option<Finding> {
        let reports: Vec<&UnitReport> = self
            .matching
            .without_row
            .iter()
            .filter_map(|&index| self.units.get(index))
            .collect();
        if reports.is_empty() {
            return None;
        }
        let layout = &self.side.bound.layout;
        let (vi, en) = listed(
            reports
                .iter()
                .map(|unit| format!("«{}» ({})", unit.name, unit.path)),
        );
        let (count, path) = (reports.len(), self.side.path);
        Some(Finding {
            code: codes::UNIT_REPORT_MISSING,
            severity: Severity::Warning,
            sheet: self.side.sheet.name.clone(),
            cell: CellRef::new(layout.header_first, layout.label_col),
            cells: Vec::new(),
            message: Message::new(
                format!(
                    "{count} đơn vị có báo cáo nhưng không có dòng trong báo cáo này (tệp {path}): {vi}; số liệu của chúng không có trong tổng"
                ),
                format!(
                    "{count} units have a report but no row in this report (file {path}): {en}; their figures are not in its totals"
                ),
            ),
            expected: None,
            actual: None,
            fix: None,
            related: reports
                .iter()
                .map(|unit| Related {
                    path: unit.path.clone(),
                    sheet: unit.sheet.clone(),
                    cell: name_cell(unit),
                    value: Some(unit.name.clone()),
                })
                .collect(),
        })
    }

    /// CF410: each second row of a unit, naming its first.
    fn twice(&self) -> Vec<Finding> {
        let label_col = self.side.bound.layout.label_col;
        self.matching
            .twice
            .iter()
            .map(|(row, first)| {
                let at = CellRef::new(row.row, label_col);
                let first_at = CellRef::new(first.row, label_col);
                let (label, first_row, row_number) = (
                    &row.label,
                    u64::from(first.row).saturating_add(1),
                    u64::from(row.row).saturating_add(1),
                );
                Finding {
                    code: codes::UNIT_COUNTED_TWICE,
                    severity: Severity::Error,
                    sheet: self.side.sheet.name.clone(),
                    cell: at,
                    cells: vec![first_at],
                    message: Message::new(
                        format!(
                            "Đơn vị «{label}» có hai dòng trong báo cáo này: dòng {row_number} và dòng {first_row} (ô {first_at}); số liệu của đơn vị bị cộng hai lần vào tổng"
                        ),
                        format!(
                            "The unit «{label}» has two rows in this report: row {row_number} and row {first_row} (cell {first_at}); its figures are added into the totals twice"
                        ),
                    ),
                    expected: None,
                    actual: Some(row.label.clone()),
                    fix: None,
                    related: Vec::new(),
                }
            })
            .collect()
    }

    /// Whether the province's report, with the unit's figure in `d`'s cell, no longer shows
    /// `ambiguous` and shows no error `findings` (the province's check) did not.
    fn holds_with(
        &self,
        book: &Workbook,
        findings: &[Finding],
        ambiguous: &Finding,
        d: &Difference<'_>,
    ) -> bool {
        settles(
            book,
            (&self.side.sheet.name, d.at, d.figure.value),
            self.template,
            findings,
            ambiguous,
        )
    }

    /// The CF301 decided by the unit's report in `d`, replacing a CF302 or a CF301 on
    /// another cell: `alone` says what the file alone said, `cells` the cells it named.
    fn decided(&self, d: &Difference<'_>, alone: &Message, cells: Vec<CellRef>) -> Finding {
        let unit_figure = unit_quantity(d.figure);
        let (now_vi, now_en) = in_both(&d.now);
        let (unit_vi, unit_en) = in_both(&unit_figure);
        let (label, header, at) = (&d.row.label, self.side.header(d.column), d.at);
        let (unit_path, unit_sheet, unit_cell) = (&d.unit.path, &d.unit.sheet, d.figure.cell);
        let message = Message::new(
            format!(
                "{at} có lẽ sai: dòng «{label}», «{header}» ghi {now_vi}, đúng ra là {unit_vi} như báo cáo của chính đơn vị (tệp {unit_path}, trang \"{unit_sheet}\", ô {unit_cell}). {}; tệp {unit_path} quyết định: sửa ô này thì các quan hệ đều thỏa",
                alone.vi
            ),
            format!(
                "{at} is probably wrong: row «{label}», «{header}» says {now_en}, it should be {unit_en} as the unit's own report gives it (file {unit_path}, sheet \"{unit_sheet}\", cell {unit_cell}). {}; decided by {unit_path}: with it corrected the relations hold",
                alone.en
            ),
        );
        let mut finding = self.mended_by_unit(d, codes::WRONG_CELL, message, cells);
        if let Some(fix) = finding.fix.as_mut() {
            fix.applicability = Applicability::Safe;
        }
        finding
    }

    /// An error on `d`'s cell that the unit's figure would mend: `expected` and the fix (for
    /// review) the unit's figure, the unit's total cell in `related`.
    fn mended_by_unit(
        &self,
        d: &Difference<'_>,
        code: &'static str,
        message: Message,
        cells: Vec<CellRef>,
    ) -> Finding {
        let expected = format_quantity(&unit_quantity(d.figure), self.side.convention);
        let (unit_path, unit_cell) = (&d.unit.path, d.figure.cell);
        Finding {
            code,
            severity: Severity::Error,
            sheet: self.side.sheet.name.clone(),
            cell: d.at,
            cells,
            message,
            expected: Some(expected.clone()),
            actual: Some(format_quantity(&d.now, self.side.convention)),
            fix: Some(Fix {
                edits: vec![Edit {
                    cell: d.at,
                    value: d.figure.value,
                    shown: expected,
                }],
                reason: Message::new(
                    format!("số trong báo cáo của đơn vị (tệp {unit_path}, ô {unit_cell})"),
                    format!(
                        "the figure of the unit's own report (file {unit_path}, cell {unit_cell})"
                    ),
                ),
                applicability: Applicability::NeedsReview,
            }),
            related: vec![Related {
                path: d.unit.path.clone(),
                sheet: d.unit.sheet.clone(),
                cell: d.figure.cell,
                value: Some(d.figure.shown.clone()),
            }],
        }
    }
}

/// A unit's figure as a quantity: a count or an amount, its decimals as the report keeps
/// them.
fn unit_quantity(figure: &UnitFigure) -> Quantity {
    Quantity {
        value: figure.value,
        decimals: figure.value.scale(),
        percent: false,
        from_text: false,
    }
}

/// Where a unit's report names it: its `Đơn vị báo cáo` line or issuer, or (named by its
/// file) the first figure of its grand total.
fn name_cell(unit: &UnitReport) -> CellRef {
    match &unit.named_by {
        super::Naming::ReportLine(at) | super::Naming::Issuer(at) => *at,
        super::Naming::FileName => unit
            .totals
            .values()
            .map(|figure| figure.cell)
            .min()
            .unwrap_or(CellRef::new(unit.total_row, 0)),
    }
}
