//! Self-checking forms: a template's form written blank (for the next period, with units
//! from a list or from a filed workbook) so that Excel and LibreOffice check it while it is
//! filled — every cell a rule defines is a live, locked formula; typed cells are validated;
//! a cell whose rule fails turns coloured; the sheet is protected without a password and
//! prints on A4 landscape. One template drives both the checking and the form.
//!
//! The pipeline: lay the form out (`plan`), write it once as a skeleton and read it back
//! with the same reader `check` uses, bind the template to it (so the form is recognised by
//! construction), turn the rules into formulas, validations and colours (`rules`, through
//! the rule-to-formula function `--live-totals` uses), and write the final form (`write`).

mod plan;
mod rules;
mod write;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use crate::error::ReadError;
use crate::model::Workbook;
use crate::template::{bind, recognizes, FormSection, Template};
use crate::text::normalize_label;

/// What goes into a form beyond its template.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FormOptions {
    /// The reporting period written into the period line (`Quý IV năm 2022`); dots to fill
    /// in by hand when absent.
    pub period: Option<String>,
    /// The sections and their units (table forms); the template's own when absent.
    pub sections: Option<Vec<FormSection>>,
    /// Figures to write in unit rows (a consolidation), by the unit's place: its section's
    /// index in `sections` and its own index in that section's units. A unit row without
    /// figures is left blank to fill in.
    pub filled: BTreeMap<(usize, usize), FilledUnit>,
    /// A sheet of rows written after the form's (a consolidation's units and findings).
    pub appendix: Option<Appendix>,
}

/// A unit row's figures in a filled form, and a note on its label when it needs one.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FilledUnit {
    /// Figures by the template's column names. Written where the office types; a cell the
    /// form computes keeps its live formula.
    pub figures: BTreeMap<String, Decimal>,
    /// A note on the unit's label, which is then shaded: why the row needs a look.
    pub note: Option<String>,
}

/// A plain sheet of rows after the form: a header row and text rows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Appendix {
    /// The sheet's name.
    pub sheet: String,
    /// The header row.
    pub header: Vec<String>,
    /// The rows, each as wide as the header or less.
    pub rows: Vec<Vec<String>>,
}

/// Why a form could not be written.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FormError {
    /// The template has no `[form]` table.
    NoLayout(String),
    /// The form laid out from the template is not found by the template's own columns or
    /// rows (a template to fix): the names that were not found.
    Unbound(Vec<String>),
    /// A line of the units file could not be used (1-based line, what is wrong).
    Units(usize, String),
    /// Units were given for a form that has none (an indicator list).
    NoUnits(String),
    /// The filed workbook could not be read.
    Read(ReadError),
    /// The filed workbook holds no table the template binds to.
    NotThisForm,
    /// rust_xlsxwriter refused something.
    Write(String),
}

impl fmt::Display for FormError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormError::NoLayout(id) => write!(
                f,
                "mẫu biểu '{id}' không có bảng [form] để tạo biểu mẫu / template '{id}' has no [form] table to write a form from"
            ),
            FormError::Unbound(names) => write!(
                f,
                "biểu mẫu tạo ra không khớp với chính mẫu biểu của nó (không tìm thấy: {0}) / the form laid out does not bind to its own template (not found: {0})",
                names.join(", ")
            ),
            FormError::Units(line, what) => write!(
                f,
                "tệp danh sách đơn vị, dòng {line}: {what} / units file, line {line}: {what}"
            ),
            FormError::NoUnits(id) => write!(
                f,
                "biểu mẫu '{id}' là danh sách chỉ tiêu, không có đơn vị / form '{id}' is an indicator list and has no units"
            ),
            FormError::Read(error) => write!(f, "{error}"),
            FormError::NotThisForm => write!(
                f,
                "bảng tính không có bảng nào khớp với mẫu biểu / the workbook holds no table the template binds to"
            ),
            FormError::Write(detail) => {
                write!(f, "không ghi được biểu mẫu / the form could not be written: {detail}")
            }
        }
    }
}

impl std::error::Error for FormError {}

/// The blank form of `template` as xlsx bytes: the official layout from its `[form]` table,
/// the totals and rates its rules define as live formulas (locked, with cached values), the
/// cells to type in unlocked and validated, conditional formats that colour a cell while
/// its rule fails, a protected sheet (no password) and the print setup.
///
/// # Errors
/// [`FormError::NoLayout`] when the template has no `[form]`, [`FormError::NoUnits`] for
/// sections given to an indicator list, [`FormError::Unbound`] when
/// the laid-out form is not found by the template itself, [`FormError::Write`] when
/// rust_xlsxwriter refuses a value (a sheet name Excel does not allow, for example).
///
/// # Examples
/// ```
/// use crossfoot::{check, form_workbook, read_workbook, FormOptions, Template, TemplateChoice};
/// let template = Template::builtin("tthc-06").unwrap();
/// let bytes = form_workbook(&template, &FormOptions::default()).unwrap();
/// let book = read_workbook(&bytes, "form.xlsx").unwrap();
/// let report = check(&book, &TemplateChoice::Auto);
/// assert_eq!(report.template.as_deref(), Some("tthc-06"));
/// assert!(report.findings.is_empty());
/// ```
pub fn form_workbook(template: &Template, options: &FormOptions) -> Result<Vec<u8>, FormError> {
    let spec = template
        .spec
        .form
        .as_ref()
        .ok_or_else(|| FormError::NoLayout(template.id.clone()))?;
    let sheet_name = spec
        .sheet
        .clone()
        .unwrap_or_else(|| template.id.chars().take(31).collect());
    if options.sections.is_some() && !spec.lines.is_empty() {
        return Err(FormError::NoUnits(template.id.clone()));
    }
    let sections = options.sections.as_deref().unwrap_or(&spec.sections);
    let period = options.period.as_deref().unwrap_or("……………………");
    let mut plan = plan::plan(spec, sheet_name, sections, period);

    let write_error = |e: rust_xlsxwriter::XlsxError| FormError::Write(e.to_string());
    let skeleton = write::write(&plan, &write::Pass::Skeleton, None).map_err(write_error)?;
    let mut book = crate::read::read_workbook(&skeleton, "form.xlsx").map_err(FormError::Read)?;
    let sheet = book
        .sheets
        .first_mut()
        .ok_or_else(|| FormError::Unbound(vec!["table".to_string()]))?;
    let bound = bind(template, sheet).map_err(|unbound| FormError::Unbound(unbound.names()))?;
    plan.fill(&options.filled, &bound.columns);
    // The live formulas' cached values are computed from the figures, typed into the
    // skeleton as the final form will hold them (a number written as a float).
    for (at, value) in plan.figures() {
        sheet.type_number(at, as_written(value));
    }
    let sheet = &*sheet;
    let typed: BTreeSet<_> = plan
        .cells
        .iter()
        .filter(|(_, planned)| planned.typed)
        .map(|(at, _)| *at)
        .collect();
    let rules = rules::form_rules(template, sheet, &bound, &typed);
    write::write(
        &plan,
        &write::Pass::Final(&rules),
        options.appendix.as_ref(),
    )
    .map_err(write_error)
}

/// `value` as the form's file holds it: written as a float, read back as its shortest
/// decimal.
fn as_written(value: Decimal) -> Decimal {
    value
        .to_f64()
        .and_then(|float| float.to_string().parse().ok())
        .unwrap_or(value)
}

/// Where each unit's row is on the form of `template` laid out with `sections`: by its
/// section's index and its own index in it (empty for a template without a `[form]`).
pub(crate) fn unit_rows(
    template: &Template,
    sections: &[FormSection],
) -> BTreeMap<(usize, usize), u32> {
    template
        .spec
        .form
        .as_ref()
        .map_or_else(BTreeMap::new, |spec| {
            plan::plan(spec, String::new(), sections, "").unit_rows
        })
}

/// The sections and units of a filed workbook of this form, in order, so next period's
/// form lists the same units: each section row (`I Cấp tỉnh`) with the unit rows under it.
///
/// # Errors
/// [`FormError::NotThisForm`] when no sheet binds to the template.
pub fn form_sections_from(
    workbook: &Workbook,
    template: &Template,
) -> Result<Vec<FormSection>, FormError> {
    let bound = workbook
        .sheets
        .iter()
        .filter(|sheet| recognizes(template, sheet))
        .chain(workbook.sheets.iter())
        .find_map(|sheet| bind(template, sheet).ok().map(|bound| (sheet, bound)));
    let Some((sheet, bound)) = bound else {
        return Err(FormError::NotThisForm);
    };
    let mut sections: Vec<FormSection> = Vec::new();
    for body_row in &bound.layout.body {
        match body_row.kind {
            crate::layout::RowKind::Section => sections.push(FormSection {
                number: bound
                    .layout
                    .stt_col
                    .map(|col| sheet.label(crate::model::CellRef::new(body_row.row, col)))
                    .unwrap_or_default(),
                label: body_row.label.clone(),
                units: Vec::new(),
            }),
            crate::layout::RowKind::Unit => {
                if sections.is_empty() {
                    sections.push(FormSection::default());
                }
                if let Some(section) = sections.last_mut() {
                    section.units.push(body_row.label.clone());
                }
            }
            _ => {}
        }
    }
    if sections.iter().all(|s| s.units.is_empty()) {
        return Err(FormError::NotThisForm);
    }
    Ok(sections)
}

/// Reads a units file: one unit per line, or `section<TAB>unit` to put it under a section
/// (by its label, `Cấp huyện`, or number, `II`; the template's numbering is kept, a new
/// section is numbered next). A line with no section goes under the last section named,
/// or under the first of the template's sections. Blank lines and lines starting with `#`
/// are skipped.
///
/// # Errors
/// [`FormError::Units`] for a line with an empty unit, or a file with no unit at all.
///
/// # Examples
/// ```
/// let template = crossfoot::Template::builtin("tthc-06").unwrap();
/// let sections = crossfoot::parse_units("Cấp tỉnh\tSở Y tế\nSở Tài chính\nIII\tXã A\n", &template).unwrap();
/// assert_eq!(sections.len(), 2);
/// assert_eq!(sections[0].units, ["Sở Y tế", "Sở Tài chính"]);
/// assert_eq!((sections[1].number.as_str(), sections[1].label.as_str()), ("III", "Cấp xã"));
/// ```
pub fn parse_units(text: &str, template: &Template) -> Result<Vec<FormSection>, FormError> {
    let known: &[FormSection] = template
        .spec
        .form
        .as_ref()
        .map_or(&[], |form| form.sections.as_slice());
    let mut sections: Vec<FormSection> = Vec::new();
    for (line, line_number) in text.lines().zip(1..) {
        let line = line.trim_start_matches('\u{feff}').trim_end_matches('\r');
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let (section, unit) = match line.split_once('\t') {
            Some((section, unit)) => (Some(section.trim()), unit.trim()),
            None => (None, line.trim()),
        };
        if unit.is_empty() {
            return Err(FormError::Units(
                line_number,
                "thiếu tên đơn vị / the unit's name is missing".to_string(),
            ));
        }
        let position = match section {
            Some(name) => {
                let wanted = normalize_label(name);
                let found = sections.iter().position(|s| {
                    normalize_label(&s.label) == wanted || normalize_label(&s.number) == wanted
                });
                match found {
                    Some(position) => position,
                    None => {
                        let section = known
                            .iter()
                            .find(|s| {
                                normalize_label(&s.label) == wanted
                                    || normalize_label(&s.number) == wanted
                            })
                            .map(|s| FormSection {
                                number: s.number.clone(),
                                label: s.label.clone(),
                                units: Vec::new(),
                            })
                            .unwrap_or_else(|| FormSection {
                                number: roman(sections.len().saturating_add(1)),
                                label: name.to_string(),
                                units: Vec::new(),
                            });
                        sections.push(section);
                        sections.len().saturating_sub(1)
                    }
                }
            }
            None => {
                if sections.is_empty() {
                    sections.push(known.first().map_or_else(FormSection::default, |s| {
                        FormSection {
                            number: s.number.clone(),
                            label: s.label.clone(),
                            units: Vec::new(),
                        }
                    }));
                }
                sections.len().saturating_sub(1)
            }
        };
        if let Some(section) = sections.get_mut(position) {
            section.units.push(unit.to_string());
        }
    }
    if sections.is_empty() {
        return Err(FormError::Units(
            0,
            "không có đơn vị nào / no unit at all".to_string(),
        ));
    }
    Ok(sections)
}

/// 1 → I, 4 → IV (section numbers).
fn roman(mut n: usize) -> String {
    const DIGITS: &[(usize, &str)] = &[
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    let mut out = String::new();
    for (value, digits) in DIGITS {
        while let Some(rest) = n.checked_sub(*value) {
            out.push_str(digits);
            n = rest;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roman_numbers() {
        assert_eq!(roman(1), "I");
        assert_eq!(roman(4), "IV");
        assert_eq!(roman(14), "XIV");
    }

    #[test]
    fn units_files_name_sections_by_label_or_number() {
        let template = Template::builtin("tthc-06").unwrap();
        let sections = parse_units("# comment\nSở A\n\nII\tHuyện B\nMới\tC\n", &template).unwrap();
        assert_eq!(sections.len(), 3);
        assert_eq!(sections[0].label, "Cấp tỉnh");
        assert_eq!(sections[1].label, "Cấp huyện");
        assert_eq!(
            (sections[2].number.as_str(), sections[2].label.as_str()),
            ("III", "Mới")
        );
        assert!(matches!(
            parse_units("Cấp tỉnh\t \n", &template),
            Err(FormError::Units(1, _))
        ));
        assert!(parse_units("\n# none\n", &template).is_err());
    }

    #[test]
    fn a_template_without_a_form_says_so() {
        let template = Template::from_toml("id = \"x\"\ntitle = \"t\"\n").unwrap();
        assert_eq!(
            form_workbook(&template, &FormOptions::default()),
            Err(FormError::NoLayout("x".to_string()))
        );
    }
}
