//! The template file format: serde types for the TOML, with the defaults a form author
//! would expect, and validation of what serde cannot check.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use crate::error::TemplateError;
use crate::finding::Severity;
use crate::number::{Marker, Rounding};

/// A template file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateSpec {
    /// Short stable id.
    pub id: String,
    /// Title in Vietnamese.
    pub title: String,
    /// Title in English.
    #[serde(default)]
    pub title_en: Option<String>,
    /// How auto-detection knows the form.
    #[serde(default)]
    pub recognize: Recognize,
    /// Where the table's parts are.
    #[serde(default)]
    pub table: TableSpec,
    /// Column names by header text: each a list of alternatives, each alternative a header
    /// path `Group > Leaf` (case and diacritics ignored; a part matches when the header
    /// contains it).
    #[serde(default)]
    pub columns: BTreeMap<String, OneOrMany>,
    /// Row names by label (indicator lists): the value is in `table.value_column`.
    #[serde(default)]
    pub rows: BTreeMap<String, RowSpec>,
    /// Fixed cells by A1 address.
    #[serde(default)]
    pub cells: BTreeMap<String, String>,
    /// What blanks and markers mean.
    #[serde(default)]
    pub blanks: Blanks,
    /// Which of the checks every file gets are reported.
    #[serde(default)]
    pub checks: Checks,
    /// The relations that must hold.
    #[serde(default, rename = "rule")]
    pub rules: Vec<RuleSpec>,
    /// How `crossfoot form` lays out this form blank (optional; a template without it
    /// checks as before but cannot print a form).
    #[serde(default)]
    pub form: Option<FormSpec>,
    /// How a period's figures follow from the last period's (`crossfoot check --previous`):
    /// which column carries over from which, which columns are cumulative. Optional; a
    /// template without it compares two periods only row by row for tenfold changes.
    #[serde(default)]
    pub continuity: Option<Continuity>,
}

/// The relations between a period's file and the last period's, as a template declares
/// them in its `[continuity]` table: each key is a column of this period, its value the
/// column of the last period it carries over (this period's carried-over figure is the
/// last period's pending one); the optional `cumulative` key lists the columns that
/// add up from the start of the year (lũy kế), so that they never go down within a year;
/// and the optional `accumulates` key names, for a cumulative column, the column of this
/// period's own figure it adds up, so that this period's cumulative figure is the last
/// period's plus this period's own, within a year.
///
/// ```toml
/// [continuity]
/// carried = "pending"                    # this period's `carried` = last period's `pending`
/// cumulative = ["received_ytd"]          # never less than last period's, within a year
/// accumulates = { received_ytd = "received" }  # = last period's received_ytd + received
/// ```
///
/// Both sides are the template's own column names: the same template binds both files.
/// `cumulative` and `accumulates` are reserved keys: no column of that name can be carried.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(try_from = "BTreeMap<String, ContinuityEntry>")]
pub struct Continuity {
    /// This period's column → the last period's column it carries over, by name.
    pub carried: BTreeMap<String, String>,
    /// Columns that are cumulative within a year (lũy kế), by name.
    pub cumulative: Vec<String>,
    /// A cumulative column → the column of this period's own figure it adds up, by name:
    /// this period's cumulative figure is the last period's plus this period's own, within
    /// a year.
    pub accumulates: BTreeMap<String, String>,
}

impl Continuity {
    /// Whether the table declares anything to compare.
    ///
    /// # Examples
    /// ```
    /// let tthc = crossfoot::Template::builtin("tthc-06").unwrap();
    /// assert!(tthc.spec.continuity.unwrap().declares_any());
    /// assert!(!crossfoot::Continuity::default().declares_any());
    /// ```
    pub fn declares_any(&self) -> bool {
        !self.carried.is_empty() || !self.cumulative.is_empty() || !self.accumulates.is_empty()
    }
}

/// One entry of a `[continuity]` table as TOML writes it: a column name, the list of
/// `cumulative` columns, or the `accumulates` pairs.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum ContinuityEntry {
    /// The last period's column this one carries over.
    Column(String),
    /// The cumulative columns (only under the key `cumulative`).
    Columns(Vec<String>),
    /// Each cumulative column and this period's column it adds up (only under the key
    /// `accumulates`).
    Pairs(BTreeMap<String, String>),
}

/// The key of `[continuity]` that lists cumulative columns rather than naming a column.
const CUMULATIVE_KEY: &str = "cumulative";

/// The key of `[continuity]` that pairs cumulative columns with this period's own figures.
const ACCUMULATES_KEY: &str = "accumulates";

impl TryFrom<BTreeMap<String, ContinuityEntry>> for Continuity {
    type Error = String;

    /// Splits the table into its carried-over pairs, its cumulative list and its
    /// accumulating pairs.
    ///
    /// # Errors
    /// A message in both languages when `cumulative` is not a list of names, `accumulates`
    /// is not a table of names, or another key's value is not one column name.
    fn try_from(table: BTreeMap<String, ContinuityEntry>) -> Result<Self, Self::Error> {
        let mut continuity = Continuity::default();
        for (key, entry) in table {
            match (key.as_str(), entry) {
                (CUMULATIVE_KEY, ContinuityEntry::Columns(columns)) => {
                    continuity.cumulative = columns;
                }
                (CUMULATIVE_KEY, _) => {
                    return Err(
                        "[continuity] cumulative phải là danh sách cột / must be a list of columns"
                            .to_string(),
                    )
                }
                (ACCUMULATES_KEY, ContinuityEntry::Pairs(pairs)) => {
                    continuity.accumulates = pairs;
                }
                (ACCUMULATES_KEY, _) => {
                    return Err(
                        "[continuity] accumulates phải là bảng { cột lũy kế = \"cột trong kỳ\" } / must be a table { cumulative column = \"this period's column\" }"
                            .to_string(),
                    )
                }
                (_, ContinuityEntry::Column(from)) => {
                    continuity.carried.insert(key, from);
                }
                (_, _) => {
                    return Err(format!(
                        "[continuity] {key}: cần một tên cột của kỳ trước / needs one column name of the last period"
                    ))
                }
            }
        }
        if let Some((column, _)) = continuity.accumulates.iter().find(|(sum, own)| sum == own) {
            return Err(format!(
                "[continuity] accumulates: cột '{column}' không thể cộng dồn chính nó / column '{column}' cannot add up itself"
            ));
        }
        Ok(continuity)
    }
}

/// The official layout of a form, for writing it blank (`crossfoot form`): the lines above
/// the table, the header tree, the section and unit rows (table forms) or the indicator
/// lines (lists), and the signature block. Totals, rates and checks come from the rules.
///
/// ```toml
/// [form]
/// corner = ["Biểu số 06/VPCP/KSTT"]            # top right, from row 1
/// title = ["TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"]
/// period = "Kỳ báo cáo: {period}"               # {period} is `--period`
/// label = "Lĩnh vực, đơn vị giải quyết"         # header of the label column
/// total = "TỔNG CỘNG"                          # grand-total row, under the header
/// columns = [                                  # left to right after STT and label
///   { header = "Số hồ sơ nhận giải quyết > Tổng số" },
///   { header = "Tỷ lệ giải quyết đúng hạn (%)", format = "0.0" },
/// ]
/// [[form.sections]]
/// number = "I"
/// label = "Cấp tỉnh"
/// units = ["Sở Nội vụ", "Sở Tư pháp"]
/// ```
///
/// A column's `header` is its path in the header tree (`Group > Leaf`, the syntax of
/// `[columns]`): neighbours sharing a group get it merged across them, a leaf shallower than
/// the deepest path is merged down. The generated form must bind to its own template:
/// `crossfoot form` refuses a layout the template's `[columns]` or `[rows]` do not find.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct FormSpec {
    /// The sheet's name (default: the template id, cut to Excel's 31 characters).
    #[serde(default)]
    pub sheet: Option<String>,
    /// Lines at the top left (the issuing office), one row each from row 1.
    #[serde(default)]
    pub issuer: Vec<String>,
    /// Lines at the top right (the form's number), one row each from row 1.
    #[serde(default)]
    pub corner: Vec<String>,
    /// Title lines, centred across the table.
    #[serde(default)]
    pub title: Vec<String>,
    /// The period line under the title; `{period}` is replaced by the period given (or
    /// dots to fill in by hand).
    #[serde(default)]
    pub period: Option<String>,
    /// Header of the STT column.
    #[serde(default = "stt")]
    pub stt: String,
    /// Header of the label column.
    pub label: String,
    /// The columns after the label, left to right.
    pub columns: Vec<FormColumn>,
    /// Label of the grand-total row written under the header (table forms).
    #[serde(default)]
    pub total: Option<String>,
    /// Section rows with their default units (table forms); a section with an empty label
    /// writes its units without a section row.
    #[serde(default)]
    pub sections: Vec<FormSection>,
    /// The rows of an indicator list, top to bottom (list forms).
    #[serde(default)]
    pub lines: Vec<FormLine>,
    /// Signature block, left side (under the label column).
    #[serde(default)]
    pub sign_left: Vec<String>,
    /// Signature block, right side (over the last columns).
    #[serde(default)]
    pub sign_right: Vec<String>,
}

fn stt() -> String {
    "STT".to_string()
}

/// What a form column holds on each body row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FormColumnKind {
    /// Numbers: typed on unit and indicator rows, computed where a rule defines them.
    #[default]
    Value,
    /// The unit of measure of an indicator line (`Đơn vị tính`).
    Unit,
    /// Free text to fill in (`Ghi chú`).
    Note,
}

/// One column of a form.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct FormColumn {
    /// Its path in the header tree, `Group > Leaf`.
    pub header: String,
    /// What it holds.
    #[serde(default)]
    pub kind: FormColumnKind,
    /// Number format of its cells (default `#,##0`).
    #[serde(default)]
    pub format: Option<String>,
    /// Width in characters (default 11).
    #[serde(default)]
    pub width: Option<f64>,
}

/// A section row and the unit rows under it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct FormSection {
    /// Its number in the STT column (`I`, `II`).
    #[serde(default)]
    pub number: String,
    /// Its label (`Cấp tỉnh`); empty for units with no section row.
    #[serde(default)]
    pub label: String,
    /// The unit rows under it.
    #[serde(default)]
    pub units: Vec<String>,
}

/// One row of an indicator list.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct FormLine {
    /// STT (`I`, `1`, `a`), or none for a `- ` child line.
    #[serde(default)]
    pub stt: Option<String>,
    /// The label, as the template's `[rows]` find it.
    pub label: String,
    /// Unit of measure; a line without one is a heading with no figure.
    #[serde(default)]
    pub unit: Option<String>,
    /// Number format of its figure (default `#,##0`).
    #[serde(default)]
    pub format: Option<String>,
}

/// Labels that tell the form apart.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recognize {
    /// Every one of these texts appears somewhere in the sheet.
    #[serde(default)]
    pub all: Vec<String>,
    /// At least one of these appears (when given).
    #[serde(default)]
    pub any: Vec<String>,
    /// Only sheets whose name contains this (when given).
    #[serde(default)]
    pub sheet: Option<String>,
}

/// Where the table's parts are.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableSpec {
    /// Header text of the label column, when the default guess is not right.
    #[serde(default)]
    pub label_column: Option<String>,
    /// Header text of the single value column of an indicator list (`Số liệu`).
    #[serde(default)]
    pub value_column: Option<String>,
    /// Extra labels of grand-total rows, beyond the built-in ones.
    #[serde(default)]
    pub total_labels: Vec<String>,
    /// Extra labels of subtotal rows.
    #[serde(default)]
    pub subtotal_labels: Vec<String>,
    /// The unit of the table's figures (`triệu đồng`, `tỷ đồng`, `nghìn đồng`, `In
    /// millions of dollars`, `$000`, `đồng`, `hồ sơ`), in place of the one the sheet
    /// states on a line above its header. A scaled unit (thousands, millions, `triệu`,
    /// `tỷ`, `nghìn`, `$K`) means each figure was rounded on its own: it stands for ± half
    /// its last shown unit, and a sum inside what those intervals allow holds (one info
    /// per table says so). A plain unit or a count leaves figures exact. A column whose
    /// header states its own unit (`Tiền (tỷ đồng)`, `Tỷ lệ (%)`, `Số lượng (người)`)
    /// follows it.
    #[serde(default)]
    pub unit: Option<String>,
    /// Whether the table's figures are rounded, whatever the unit: `true` makes every
    /// figure stand for ± half its last shown unit (but columns whose header states a
    /// count or a percentage), `false` keeps every figure exact. By default the unit
    /// decides.
    #[serde(default)]
    pub rounded: Option<bool>,
}

/// One string or a list of strings.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    /// A single alternative.
    One(String),
    /// Several alternatives, tried in order.
    Many(Vec<String>),
}

impl OneOrMany {
    /// The alternatives.
    pub fn alternatives(&self) -> Vec<&str> {
        match self {
            OneOrMany::One(one) => vec![one.as_str()],
            OneOrMany::Many(many) => many.iter().map(String::as_str).collect(),
        }
    }
}

/// A row found by its label.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum RowSpec {
    /// The label (or a part of it).
    Label(String),
    /// The label, searched after another named row (for labels that repeat).
    After {
        /// The label (or a part of it).
        label: String,
        /// Search below this named row.
        after: String,
    },
}

/// What a blank or a marker stands for in a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BlankMeaning {
    /// Zero.
    #[default]
    Zero,
    /// Nothing to check: rules reading it are skipped for that row.
    Skip,
}

/// What blanks and markers mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Blanks {
    /// An empty cell.
    #[serde(default = "zero")]
    pub blank: BlankMeaning,
    /// `-`.
    #[serde(default = "zero")]
    pub dash: BlankMeaning,
    /// `x`: not applicable.
    #[serde(default = "skip")]
    pub x: BlankMeaning,
    /// `…`: not yet known.
    #[serde(default = "skip")]
    pub ellipsis: BlankMeaning,
}

fn zero() -> BlankMeaning {
    BlankMeaning::Zero
}

fn skip() -> BlankMeaning {
    BlankMeaning::Skip
}

impl Blanks {
    /// What a marker (or an empty cell, [`Marker::Blank`]) means to a rule.
    pub(crate) fn meaning(&self, marker: Marker) -> BlankMeaning {
        match marker {
            Marker::Blank => self.blank,
            Marker::Dash => self.dash,
            Marker::NotApplicable => self.x,
            Marker::Ellipsis => self.ellipsis,
        }
    }
}

impl Default for Blanks {
    fn default() -> Self {
        Blanks {
            blank: BlankMeaning::Zero,
            dash: BlankMeaning::Zero,
            x: BlankMeaning::Skip,
            ellipsis: BlankMeaning::Skip,
        }
    }
}

/// Which of the checks every file gets are reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checks {
    /// Numbers stored as text (info). Off for forms that are typed as text by habit.
    #[serde(default = "yes")]
    pub text_numbers: bool,
    /// Text numbers whose reading depends on the convention (warning).
    #[serde(default = "yes")]
    pub ambiguous_numbers: bool,
    /// Formulas whose cached value differs from their recomputation (error).
    #[serde(default = "yes")]
    pub stale_formulas: bool,
    /// Dates outside the reporting period the title states (warning).
    #[serde(default = "yes")]
    pub dates: bool,
}

fn yes() -> bool {
    true
}

impl Default for Checks {
    fn default() -> Self {
        Checks {
            text_numbers: true,
            ambiguous_numbers: true,
            stale_formulas: true,
            dates: true,
        }
    }
}

/// Where a rule applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// On every body row with numbers (units, sections, totals): names are columns.
    #[default]
    Row,
    /// Down each listed column: each section, subtotal and total equals the sum of its
    /// children.
    Hierarchy,
    /// Once per sheet: names are rows (indicator lists) or fixed cells.
    Once,
}

/// A rule's message, in both languages; `{expected}`, `{actual}`, `{difference}` and
/// `{label}` are filled in.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageSpec {
    /// Vietnamese.
    pub vi: String,
    /// English.
    pub en: String,
}

/// A relation that must hold.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// Short id, shown in messages.
    #[serde(default)]
    pub id: Option<String>,
    /// The relation in Excel formula syntax over names or A1 addresses, e.g.
    /// `received = online + direct + carried`. Not used by `hierarchy` rules.
    #[serde(default)]
    pub expr: Option<Spanned<String>>,
    /// Where it applies.
    #[serde(default)]
    pub scope: Scope,
    /// For `hierarchy`: the columns to cross-foot.
    #[serde(default)]
    pub columns: Vec<String>,
    /// Apply `expr` once for each of these names, bound to `x`.
    #[serde(default)]
    pub each: Vec<String>,
    /// Error, warning or info.
    #[serde(default = "error")]
    pub severity: Severity,
    /// How the left side was rounded to its shown precision.
    #[serde(default)]
    pub rounding: Rounding,
    /// Only check rows where this holds (`resolved > 0`).
    #[serde(default)]
    pub when: Option<Spanned<String>>,
    /// The finding code to report (one of `crossfoot explain`'s); chosen from the rule's
    /// shape when absent.
    #[serde(default)]
    pub code: Option<String>,
    /// The message; a generic one is written when absent.
    #[serde(default)]
    pub message: Option<MessageSpec>,
}

fn error() -> Severity {
    Severity::Error
}

impl TemplateSpec {
    /// Every name the template defines (columns, rows, cells).
    pub fn names(&self) -> Vec<&str> {
        self.columns
            .keys()
            .chain(self.rows.keys())
            .chain(self.cells.keys())
            .map(String::as_str)
            .collect()
    }

    /// Checks what serde cannot: rules are complete, name only defined names, and parse.
    pub(crate) fn validate(&self, text: &str) -> Result<(), TemplateError> {
        let names = self.names();
        let at = |span: std::ops::Range<usize>, message: String| {
            let (line, column) = super::line_column(text, span.start);
            TemplateError {
                line,
                column,
                message,
            }
        };
        for (i, rule) in self.rules.iter().enumerate() {
            let label = rule
                .id
                .clone()
                .unwrap_or_else(|| format!("#{}", i.saturating_add(1)));
            match rule.scope {
                Scope::Hierarchy => {
                    if rule.columns.is_empty() {
                        return Err(TemplateError::new(format!(
                            "quy tắc {label}: scope = \"hierarchy\" cần columns / rule {label}: scope = \"hierarchy\" needs columns"
                        )));
                    }
                    for column in &rule.columns {
                        if !self.columns.contains_key(column) {
                            return Err(TemplateError::new(format!(
                                "quy tắc {label}: cột '{column}' chưa khai báo / rule {label}: column '{column}' is not defined"
                            )));
                        }
                    }
                }
                Scope::Row | Scope::Once => {
                    let Some(expr) = &rule.expr else {
                        return Err(TemplateError::new(format!(
                            "quy tắc {label}: thiếu expr / rule {label}: expr is missing"
                        )));
                    };
                    let mut allowed = names.clone();
                    if !rule.each.is_empty() {
                        allowed.push("x");
                    }
                    for formula in [Some(expr), rule.when.as_ref()].into_iter().flatten() {
                        super::rule::validate_rule_formula(formula.get_ref(), &allowed).map_err(
                            |(offset, message)| {
                                at(
                                    formula
                                        .span()
                                        .start
                                        .saturating_add(offset)
                                        .saturating_add(1)
                                        ..formula.span().end,
                                    format!("quy tắc / rule {label}: {message}"),
                                )
                            },
                        )?;
                    }
                }
            }
            for name in &rule.each {
                if !names.contains(&name.as_str()) {
                    return Err(TemplateError::new(format!(
                        "quy tắc {label}: tên '{name}' chưa khai báo / rule {label}: name '{name}' is not defined"
                    )));
                }
            }
            if let Some(code) = &rule.code {
                if !crate::codes::rule_docs().iter().any(|doc| doc.code == code) {
                    return Err(TemplateError::new(format!(
                        "quy tắc {label}: mã '{code}' không có / rule {label}: unknown code '{code}'"
                    )));
                }
            }
        }
        for (name, spec) in &self.rows {
            if let RowSpec::After { after, .. } = spec {
                if !self.rows.contains_key(after) {
                    return Err(TemplateError::new(format!(
                        "dòng '{name}': after = '{after}' chưa khai báo / row '{name}': after = '{after}' is not defined"
                    )));
                }
            }
        }
        if let Some(continuity) = &self.continuity {
            let pairs = continuity
                .carried
                .iter()
                .flat_map(|(to, from)| [to, from])
                .chain(&continuity.cumulative)
                .chain(
                    continuity
                        .accumulates
                        .iter()
                        .flat_map(|(sum, own)| [sum, own]),
                );
            for column in pairs {
                if !self.columns.contains_key(column) {
                    return Err(TemplateError::new(format!(
                        "[continuity]: cột '{column}' chưa khai báo trong [columns] / column '{column}' is not defined in [columns]"
                    )));
                }
            }
        }
        for (name, address) in &self.cells {
            if crate::model::CellRef::parse(address).is_none() {
                return Err(TemplateError::new(format!(
                    "ô '{name}': '{address}' không phải địa chỉ A1 / cell '{name}': '{address}' is not an A1 address"
                )));
            }
        }
        Ok(())
    }
}
