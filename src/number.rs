//! Numbers as offices write them: Vietnamese and English text numbers, markers for
//! missing or not-applicable values, the precision a number is shown at, and the interval
//! a shown number stands for.
//!
//! STUB: the API below is fixed; the bodies are being written (see the number helper's task).

use rust_decimal::Decimal;

use crate::interval::Interval;

/// How a workbook writes numbers in text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Convention {
    /// `1.845` is one thousand eight hundred forty-five, `96,1` is ninety-six point one.
    #[default]
    #[serde(alias = "vi")]
    Vietnamese,
    /// `1,845` is one thousand eight hundred forty-five, `96.1` is ninety-six point one.
    #[serde(alias = "en")]
    English,
}

/// How a reported number was rounded to the precision it is shown at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Rounding {
    /// The value is exact: no interval.
    #[default]
    Exact,
    /// Rounded to nearest (half away from zero, as Excel's ROUND): 70,3 stands for [70,25; 70,35].
    Nearest,
    /// Truncated toward zero: 70,3 stands for [70,3; 70,4].
    Truncate,
    /// Either of the two: the union of both intervals.
    Either,
}

/// A cell marker that is not a number: blank, `-`, `x`, `…`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Marker {
    /// Nothing typed (or only spaces).
    Blank,
    /// `-` or `–`: conventionally zero or nothing to report.
    Dash,
    /// `x` or `X`: not applicable.
    NotApplicable,
    /// `…` or `...`: not yet known.
    Ellipsis,
}

/// A number with the precision it is shown at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Quantity {
    /// The exact value. A percentage (`96,1%`, or 0.961 under a `0.0%` format) is stored as
    /// the fraction 0.961.
    pub value: Decimal,
    /// Decimal places of `value` that are shown (0.961 shown as `96,1%` → 3).
    pub decimals: u32,
    /// Shown as a percentage (`%` typed, or a percent number format).
    pub percent: bool,
    /// Read from text rather than a numeric cell ("number stored as text").
    pub from_text: bool,
}

/// A cell read as a number.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub enum Reading {
    /// Not a number (a label, a boolean, an error, a date).
    #[default]
    NotNumber,
    /// A marker standing for missing, zero or not applicable.
    Marker(Marker),
    /// A number.
    Number(Quantity),
    /// Text whose value depends on the convention; `primary` is the reading under the
    /// convention in force, `alternative` the other one.
    Ambiguous {
        /// Reading under the convention in force.
        primary: Quantity,
        /// Reading under the other convention.
        alternative: Quantity,
    },
}

/// What a text says about numbers before any convention is applied.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub enum TextShape {
    /// Not a number.
    NotNumber,
    /// A marker.
    Marker(Marker),
    /// One reading whatever the convention; `proves` is the convention it can only be
    /// written in (`1.845.000`, `96,1` → Vietnamese; `96.1` → English), `None` when it fits
    /// both (`2491`).
    Number {
        /// The value.
        quantity: Quantity,
        /// The convention this spelling proves, if any.
        proves: Option<Convention>,
    },
    /// Two readings (`1.234`, `1,234`).
    Ambiguous {
        /// Reading under the Vietnamese convention.
        vietnamese: Quantity,
        /// Reading under the English convention.
        english: Quantity,
    },
}

impl Quantity {
    /// The interval this number stands for when it was rounded to its shown precision by
    /// `rounding` (a point for [`Rounding::Exact`]).
    pub fn interval(&self, _rounding: Rounding) -> Interval {
        Interval::point(self.value)
    }
}

/// Analyses a text cell: number, marker, or neither, under both conventions.
pub fn classify_text(_text: &str) -> TextShape {
    TextShape::NotNumber
}

/// Resolves a text's shape under the convention in force (see [`Reading::Ambiguous`]).
pub fn resolve_text(shape: &TextShape, _convention: Convention) -> Reading {
    match shape {
        TextShape::Marker(marker) => Reading::Marker(*marker),
        TextShape::Number { quantity, .. } => Reading::Number(*quantity),
        _ => Reading::NotNumber,
    }
}

/// What a number format code says about how numbers are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FormatInfo {
    /// Decimal places shown (of the percentage when `percent`), `None` for `General`.
    pub decimals: Option<u32>,
    /// The format shows a percentage.
    pub percent: bool,
    /// The format is a date or time format.
    pub date: bool,
}

/// Reads a number format code (`#,##0`, `0.0%`, `dd/mm/yyyy`, `General`).
pub fn format_info(_code: &str) -> FormatInfo {
    FormatInfo::default()
}

/// Reads a numeric cell's value at the precision its format shows.
pub fn numeric_reading(value: Decimal, _format: Option<&FormatInfo>) -> Quantity {
    Quantity {
        value,
        decimals: value.scale(),
        percent: false,
        from_text: false,
    }
}

/// Writes a number in a convention (`203566` → `203.566` in Vietnamese), with `decimals`
/// places, as a person would read it in the sheet.
pub fn format_number(value: Decimal, _decimals: u32, _convention: Convention) -> String {
    value.to_string()
}
