//! Findings as data: what a check found, where, how sure it is, the fix it proposes, and
//! the live formulas a corrected workbook writes. Renderers (text, JSON, CSV, workbooks)
//! read these; nothing here formats for a screen.

use crate::model::CellRef;

/// How serious a finding is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// A relation that must hold does not: the numbers are wrong.
    Error,
    /// Probably wrong, or wrong unless something outside the sheet explains it.
    Warning,
    /// Worth knowing (a convention the file uses, numbers stored as text).
    Info,
}

impl Severity {
    /// `error`, `warning` or `info`, as in the JSON contract.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// The language messages are written in.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Vietnamese, the default.
    #[default]
    Vi,
    /// English.
    En,
}

/// A message in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct Message {
    /// Vietnamese text.
    pub vi: String,
    /// English text.
    pub en: String,
}

impl Message {
    /// A message from its two texts.
    pub fn new(vi: impl Into<String>, en: impl Into<String>) -> Self {
        Message {
            vi: vi.into(),
            en: en.into(),
        }
    }

    /// The text in `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Vi => &self.vi,
            Lang::En => &self.en,
        }
    }
}

/// Whether a fix may be applied without a person looking at it (ruff's applicability).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Applicability {
    /// One change explains every broken relation and breaks none: apply it.
    Safe,
    /// Plausible, but another explanation fits too: show it, do not apply it.
    NeedsReview,
}

/// One cell change.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Edit {
    /// The cell to change.
    pub cell: CellRef,
    /// The new value, exact.
    pub value: rust_decimal::Decimal,
    /// The new value as it should be shown in the sheet's convention.
    pub shown: String,
}

/// A proposed correction: edits plus why, and whether it is safe to apply.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Fix {
    /// The changes (most fixes change one cell).
    pub edits: Vec<Edit>,
    /// Why this change (a total recomputed, digits swapped, a thousand-fold slip, …).
    pub reason: Message,
    /// Safe to apply, or for review.
    pub applicability: Applicability,
}

impl Fix {
    /// Whether the fix may be applied where `required` is the least applicability accepted
    /// (ruff's `Fix::applies`): a safe fix applies everywhere, one that needs review only
    /// where review is accepted.
    pub fn applies(&self, required: Applicability) -> bool {
        match required {
            Applicability::Safe => self.applicability == Applicability::Safe,
            Applicability::NeedsReview => true,
        }
    }
}

/// One thing a check found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    /// Stable code, e.g. `CF201` (see `crossfoot explain CODE`).
    pub code: &'static str,
    /// Error, warning or info.
    pub severity: Severity,
    /// The sheet's name.
    pub sheet: String,
    /// The primary cell: the one to look at first.
    pub cell: CellRef,
    /// The other cells of the relation.
    pub cells: Vec<CellRef>,
    /// What is wrong, in both languages.
    pub message: Message,
    /// The value the relation expects, as shown in the sheet's convention.
    pub expected: Option<String>,
    /// The value in the sheet, as shown.
    pub actual: Option<String>,
    /// A proposed correction, when one change explains it.
    pub fix: Option<Fix>,
    /// Cells in other files the finding compares this one with (the last period's figure a
    /// carried-over one must equal); empty for a finding within one file.
    pub related: Vec<Related>,
}

/// A cell in another file that a finding across files compares with its own cell.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Related {
    /// The other file's path, as the user gave it.
    pub path: String,
    /// The sheet's name in that file.
    pub sheet: String,
    /// The cell.
    pub cell: CellRef,
    /// Its value as that file shows it, when it has one.
    pub value: Option<String>,
}

/// A cell the corrected workbook rewrites as a live formula (`--live-totals`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveFormula {
    /// Sheet name.
    pub sheet: String,
    /// The cell.
    pub cell: CellRef,
    /// Excel formula text without the leading `=` (`SUM(C11:C26)`).
    pub formula: String,
    /// Its correct value, written as the cached result.
    pub value: rust_decimal::Decimal,
}

impl Finding {
    /// The finding's fix, when it applies at `required` ([`Fix::applies`]).
    pub fn fix_applying(&self, required: Applicability) -> Option<&Fix> {
        self.fix.as_ref().filter(|fix| fix.applies(required))
    }
}

/// Counts of findings by severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Summary {
    /// Number of errors.
    pub errors: usize,
    /// Number of warnings.
    pub warnings: usize,
    /// Number of infos.
    pub infos: usize,
}

impl Summary {
    /// Counts `findings` by severity.
    pub fn of(findings: &[Finding]) -> Summary {
        let count = |severity: Severity| {
            findings
                .iter()
                .filter(|finding| finding.severity == severity)
                .count()
        };
        Summary {
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            infos: count(Severity::Info),
        }
    }
}
