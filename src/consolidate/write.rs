//! The province's form written from its units' reports: each unit placed in its section
//! (the units list's, the template's, or by the level its name states), its grand total's
//! figures in its row, the sections and the grand total left to the form's live formulas;
//! a unit whose report does not hold together, or that is listed with no report, is
//! marked on its row; every unit's own findings listed on a sheet after the form.

use std::collections::BTreeMap;

use super::reported::{same_unit, UnitNames, UnitReport};
use crate::finding::{Message, Severity};
use crate::form::{form_workbook, Appendix, FilledUnit, FormError, FormOptions};
use crate::model::CellRef;
use crate::template::{FormSection, Template};
use crate::text::normalize_label;

/// What a consolidation is given beyond its units' reports.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConsolidateOptions {
    /// The reporting period written into the period line; when absent, the one every
    /// unit's report states (dots to fill in when they differ).
    pub period: Option<String>,
    /// The units expected, in their sections (`--units`): each gets its row, with or
    /// without a report. Without it, the units are those of the reports given.
    pub units: Option<Vec<FormSection>>,
}

/// What became of one unit.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UnitStatus {
    /// Its figures were added.
    Added,
    /// Its figures were added, and its row is marked: its own report does not hold
    /// together (errors among its findings).
    Marked,
    /// Its figures were added, and its row is marked: the units list does not name it.
    NotListed,
    /// Listed, but no report names it: its row is left blank and marked.
    Missing,
    /// A second report of a unit already added (the first one's path): not added again.
    Duplicate(String),
    /// The file could not be read or is no report of this form (why).
    Unreadable(String),
}

/// A unit's line on the findings sheet and in the command's summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitPlaced {
    /// The unit's name (its report's, or the list's for a missing unit).
    pub name: String,
    /// Its report's path, when it has one.
    pub path: Option<String>,
    /// What became of it.
    pub status: UnitStatus,
    /// Its row in the consolidated form (zero-based), when it has one.
    pub row: Option<u32>,
}

/// A consolidated workbook and what became of each unit.
#[derive(Debug, Clone, PartialEq)]
pub struct Consolidated {
    /// The xlsx bytes.
    pub bytes: Vec<u8>,
    /// Each unit, in the order of the form's rows, then those without a row.
    pub units: Vec<UnitPlaced>,
}

/// The findings sheet's name.
const FINDINGS_SHEET: &str = "Kiểm tra đơn vị";

/// Writes the province's form of `template` from its units' reports: one row per unit
/// holding its grand total's figures (where the office types; totals and rates stay live
/// formulas), its sections and the grand total adding them up, and a sheet listing every
/// unit with its file, what became of it and its own findings. `failed` are the files that
/// could not be read as a unit's report (path, why), listed there too.
///
/// # Errors
/// What [`form_workbook`] refuses: [`FormError::NoLayout`] for a template without a
/// `[form]`, [`FormError::NoUnits`] for an indicator list, [`FormError::Write`].
///
/// # Examples
/// ```
/// use crossfoot::{check, consolidate, read_unit, read_workbook, ConsolidateOptions, Template,
///     TemplateChoice, UnitFile};
/// let template = Template::builtin("tthc-06").unwrap();
/// let bytes = std::fs::read("tests/fixtures/tthc-06-q3-2022.xlsx").unwrap();
/// let book = read_workbook(&bytes, "so-y-te.xlsx").unwrap();
/// let unit = read_unit(UnitFile { path: "so-y-te.xlsx", workbook: &book }, &template).unwrap();
/// let out = consolidate(&template, &[unit], &[], &ConsolidateOptions::default()).unwrap();
/// let province = read_workbook(&out.bytes, "tong-hop.xlsx").unwrap();
/// let report = check(&province, &TemplateChoice::Given(Box::new(template)));
/// assert_eq!(report.summary().errors, 0);
/// ```
pub fn consolidate(
    template: &Template,
    units: &[UnitReport],
    failed: &[(String, String)],
    options: &ConsolidateOptions,
) -> Result<Consolidated, FormError> {
    let known: &[FormSection] = template
        .spec
        .form
        .as_ref()
        .map_or(&[], |form| form.sections.as_slice());
    let listed = options.units.is_some();
    let mut sections: Vec<FormSection> = match &options.units {
        Some(list) => list.clone(),
        None => known
            .iter()
            .map(|s| FormSection {
                units: Vec::new(),
                ..s.clone()
            })
            .collect(),
    };
    if sections.is_empty() {
        sections.push(FormSection::default());
    }
    // Each place (section, unit) and the report filling it.
    let mut placed: Places<'_> = BTreeMap::new();
    let mut names = UnitNames::new();
    if listed {
        for (s, section) in sections.iter().enumerate() {
            for (u, name) in section.units.iter().enumerate() {
                placed.insert((s, u), None);
                names.insert((s, u), name);
            }
        }
    }
    let mut statuses: Vec<UnitPlaced> = Vec::new();
    let mut not_listed: Vec<(usize, usize)> = Vec::new();
    for unit in units {
        let taken = names
            .find(&unit.name)
            .and_then(|place| Some((place, *placed.get(&place)?)));
        match taken {
            Some((_, Some(first))) => statuses.push(UnitPlaced {
                name: unit.name.clone(),
                path: Some(unit.path.clone()),
                status: UnitStatus::Duplicate(first.path.clone()),
                row: None,
            }),
            Some((place, None)) => {
                placed.insert(place, Some(unit));
            }
            None => {
                let s = section_for(&unit.name, &sections, known);
                let Some(section) = sections.get_mut(s) else {
                    continue;
                };
                section.units.push(unit.name.clone());
                let place = (s, section.units.len().saturating_sub(1));
                placed.insert(place, Some(unit));
                names.insert(place, &unit.name);
                if listed {
                    not_listed.push(place);
                }
            }
        }
    }
    // A section no unit is in is left out of the form.
    let (sections, placed, not_listed) = without_empty_sections(sections, placed, not_listed);

    let mut filled = BTreeMap::new();
    for (place, report) in &placed {
        let note = match report {
            None => Some(missing_note()),
            Some(report) if !report.holds() => Some(not_holding_note(report)),
            Some(_) if not_listed.contains(place) => Some(not_listed_note()),
            Some(_) => None,
        };
        let figures = report
            .map(|r| {
                r.totals
                    .iter()
                    .map(|(name, figure)| (name.clone(), figure.value))
                    .collect()
            })
            .unwrap_or_default();
        filled.insert(*place, FilledUnit { figures, note });
    }
    let rows = crate::form::unit_rows(template, &sections);
    let mut in_rows: Vec<UnitPlaced> = placed
        .iter()
        .map(|(place, report)| {
            let name = sections
                .get(place.0)
                .and_then(|s| s.units.get(place.1))
                .cloned()
                .unwrap_or_default();
            let status = match report {
                None => UnitStatus::Missing,
                Some(report) if !report.holds() => UnitStatus::Marked,
                Some(_) if not_listed.contains(place) => UnitStatus::NotListed,
                Some(_) => UnitStatus::Added,
            };
            UnitPlaced {
                name,
                path: report.map(|r| r.path.clone()),
                status,
                row: rows.get(place).copied(),
            }
        })
        .collect();
    in_rows.extend(statuses);
    in_rows.extend(failed.iter().map(|(path, why)| UnitPlaced {
        name: String::new(),
        path: Some(path.clone()),
        status: UnitStatus::Unreadable(why.clone()),
        row: None,
    }));
    let appendix = findings_sheet(&in_rows, units);
    let bytes = form_workbook(
        template,
        &FormOptions {
            period: options.period.clone().or_else(|| common_period(units)),
            sections: Some(sections),
            filled,
            appendix: Some(appendix),
        },
    )?;
    Ok(Consolidated {
        bytes,
        units: in_rows,
    })
}

/// The period every unit's report states, as the first one writes it; none when they
/// differ or one states none.
fn common_period(units: &[UnitReport]) -> Option<String> {
    let (text, first) = units.first()?.period.clone()?;
    units
        .iter()
        .all(|unit| {
            unit.period
                .as_ref()
                .is_some_and(|(_, period)| *period == first)
        })
        .then_some(text)
}

/// The section a unit not in the list goes to: the template's section that lists it, or
/// the one whose label names the level its name states (`Huyện …`, `Thành phố …` under
/// `Cấp huyện`; `Xã …`, `Phường …`, `Các xã thuộc …` under `Cấp xã`; anything else under
/// `Cấp tỉnh`), or the first.
fn section_for(name: &str, sections: &[FormSection], known: &[FormSection]) -> usize {
    let by_label = |label: &str| {
        sections
            .iter()
            .position(|s| normalize_label(&s.label) == normalize_label(label))
    };
    if let Some(position) = known
        .iter()
        .find(|s| s.units.iter().any(|u| same_unit(u, name)))
        .and_then(|s| by_label(&s.label))
    {
        return position;
    }
    let folded = normalize_label(name);
    let folded = folded
        .strip_prefix("ubnd ")
        .or_else(|| folded.strip_prefix("uy ban nhan dan "))
        .unwrap_or(&folded);
    let level = if ["xa ", "phuong ", "thi tran ", "cac xa ", "cac phuong "]
        .iter()
        .any(|p| folded.starts_with(p))
    {
        "xa"
    } else if ["huyen ", "quan ", "thi xa ", "thanh pho "]
        .iter()
        .any(|p| folded.starts_with(p))
    {
        "huyen"
    } else {
        "tinh"
    };
    sections
        .iter()
        .position(|s| {
            normalize_label(&s.label)
                .split(' ')
                .any(|word| word == level)
        })
        .unwrap_or(0)
}

/// Each unit's place (its section's index, its own in the section) and its report, if any.
type Places<'r> = BTreeMap<(usize, usize), Option<&'r UnitReport>>;

/// The sections that hold a unit, with the places renumbered.
fn without_empty_sections(
    sections: Vec<FormSection>,
    placed: Places<'_>,
    not_listed: Vec<(usize, usize)>,
) -> (Vec<FormSection>, Places<'_>, Vec<(usize, usize)>) {
    let mut renumbered = BTreeMap::new();
    let mut kept = Vec::new();
    for (old, section) in sections.into_iter().enumerate() {
        if section.units.is_empty() {
            continue;
        }
        renumbered.insert(old, kept.len());
        kept.push(section);
    }
    let moved = |(s, u): (usize, usize)| renumbered.get(&s).map(|new| (*new, u));
    let placed = placed
        .into_iter()
        .filter_map(|(place, report)| moved(place).map(|p| (p, report)))
        .collect();
    let not_listed = not_listed.into_iter().filter_map(moved).collect();
    (kept, placed, not_listed)
}

fn missing_note() -> String {
    "Không có báo cáo của đơn vị này: dòng để trống.\nNo report from this unit: its row is left blank."
        .to_string()
}

fn not_listed_note() -> String {
    "Đơn vị không có trong danh sách đơn vị (--units): đã cộng số liệu của báo cáo.\nThis unit is not in the units list (--units): its report's figures were added."
        .to_string()
}

/// The note on a unit whose report does not hold together: its errors, the first few.
fn not_holding_note(report: &UnitReport) -> String {
    let errors: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .collect();
    let mut vi = format!(
        "Báo cáo của đơn vị ({}) có {} lỗi; số liệu đã cộng như đơn vị báo cáo, cần kiểm tra:",
        report.path,
        errors.len()
    );
    let mut en = format!(
        "The unit's report ({}) has {} errors; its figures were added as reported and need a look:",
        report.path,
        errors.len()
    );
    for finding in errors.iter().take(3) {
        vi.push_str(&format!(
            "\n- {} {}: {}",
            finding.code, finding.cell, finding.message.vi
        ));
        en.push_str(&format!(
            "\n- {} {}: {}",
            finding.code, finding.cell, finding.message.en
        ));
    }
    format!("{vi}\n\n{en}")
}

/// The sheet after the form: each unit, its file, what became of it, then each of its
/// findings on a row of its own.
fn findings_sheet(placed: &[UnitPlaced], reports: &[UnitReport]) -> Appendix {
    let header = [
        "Đơn vị / Unit",
        "Tệp / File",
        "Ô trong báo cáo tổng hợp / Cell in the consolidated report",
        "Tình trạng / Status",
        "Mã / Code",
        "Mức / Severity",
        "Ô / Cell",
        "Nội dung / Message",
    ]
    .map(str::to_string)
    .to_vec();
    let mut rows = Vec::new();
    for unit in placed {
        let status = unit.status.message();
        rows.push(vec![
            unit.name.clone(),
            unit.path.clone().unwrap_or_default(),
            unit.row
                .map(|row| CellRef::new(row, 1).to_string())
                .unwrap_or_default(),
            format!("{} / {}", status.vi, status.en),
        ]);
        let Some(report) = unit
            .path
            .as_deref()
            .and_then(|path| reports.iter().find(|r| r.path == path))
            .filter(|_| !matches!(unit.status, UnitStatus::Unreadable(_)))
        else {
            continue;
        };
        for finding in &report.findings {
            rows.push(vec![
                unit.name.clone(),
                report.path.clone(),
                String::new(),
                String::new(),
                finding.code.to_string(),
                finding.severity.as_str().to_string(),
                format!("'{}'!{}", finding.sheet, finding.cell),
                format!("{}\n{}", finding.message.vi, finding.message.en),
            ]);
        }
    }
    Appendix {
        sheet: FINDINGS_SHEET.to_string(),
        header,
        rows,
    }
}

impl UnitStatus {
    /// What became of the unit, in both languages.
    pub fn message(&self) -> Message {
        match self {
            UnitStatus::Added => Message::new("đã cộng", "added"),
            UnitStatus::Marked => Message::new(
                "đã cộng, báo cáo có lỗi (dòng được đánh dấu)",
                "added, its report has errors (row marked)",
            ),
            UnitStatus::NotListed => Message::new(
                "đã cộng, không có trong danh sách đơn vị (dòng được đánh dấu)",
                "added, not in the units list (row marked)",
            ),
            UnitStatus::Missing => Message::new(
                "không có báo cáo (dòng để trống, được đánh dấu)",
                "no report (its row left blank, marked)",
            ),
            UnitStatus::Duplicate(first) => Message::new(
                format!("trùng đơn vị với {first}, không cộng lại"),
                format!("the same unit as {first}, not added again"),
            ),
            UnitStatus::Unreadable(why) => {
                Message::new(format!("không đọc được: {why}"), format!("not read: {why}"))
            }
        }
    }

    /// Whether the unit's figures are in the consolidated form.
    pub fn added(&self) -> bool {
        matches!(
            self,
            UnitStatus::Added | UnitStatus::Marked | UnitStatus::NotListed
        )
    }
}
