//! The check engine: applies a template's rules (or inferred ones) and the checks every
//! file gets to a workbook, and returns the findings in a deterministic order.
//!
//! STUB: the public shape is fixed; the body is being written.

use crate::finding::Finding;
use crate::model::Workbook;
use crate::template::Template;

/// Which template to check with.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum TemplateChoice {
    /// Recognise a built-in template from the sheet's labels; infer rules when none fits.
    #[default]
    Auto,
    /// No template: only the checks every file gets, and inferred rules.
    None,
    /// This template.
    Given(Template),
}

/// The outcome of checking one workbook.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CheckReport {
    /// The id of the template used (`tthc-06`, a file's id, or `inferred`), if any.
    pub template: Option<String>,
    /// The findings, sorted by sheet order, row, column, then code.
    pub findings: Vec<Finding>,
}

/// Checks a workbook.
pub fn check(_workbook: &Workbook, _template: &TemplateChoice) -> CheckReport {
    CheckReport::default()
}

/// A rule code's user documentation (`crossfoot explain CODE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleDoc {
    /// The stable code, e.g. `CF201`.
    pub code: &'static str,
    /// Short name.
    pub name: &'static str,
    /// Default severity.
    pub severity: crate::finding::Severity,
    /// What the rule checks and why, in Vietnamese.
    pub doc_vi: &'static str,
    /// What the rule checks and why, in English.
    pub doc_en: &'static str,
}

/// Every rule code crossfoot can report.
pub fn rule_docs() -> &'static [RuleDoc] {
    &[]
}
