//! Units of measure as tables state them, and what they say about the precision of a
//! figure. A published table in a scaled unit (`In millions of dollars`, `Đơn vị tính:
//! triệu đồng`, `$000`, `TL billion`) rounded each figure on its own: each stands for the
//! interval ± half its last shown unit, and a total may differ from its parts by what those
//! intervals allow. A plain unit (`đồng`, `dollars`) or a count (`hồ sơ`, `người`) leaves
//! figures exact. A figure that came from a formula stands for its value within the
//! rounding of binary arithmetic ([`binary_allowance`]).
//!
//! Units are recognised by their words, in Vietnamese (with or without diacritics) and
//! English, and only where a table states a unit: a line above the header (`Đơn vị tính:
//! …`, `(in millions of dollars)`), the first line under it, a column header (`Tiền (tỷ
//! đồng)`, `Amount ($000)`), or the template (`[table] unit`, `rounded`).

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::layout::Layout;
use crate::model::{Cell, CellRef, Sheet, Value};

/// What a stated unit says about the figures under it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum UnitKind {
    /// A multiple of a unit (thousands, millions, `triệu đồng`, `$000`): each figure was
    /// rounded on its own to that unit.
    Scaled,
    /// Percentages or rates.
    Percent,
    /// Whole things counted (`hồ sơ`, `người`, `persons`): exact.
    Count,
    /// A plain unit of money or measure (`đồng`, `dollars`, `tấn`): figures as written.
    Plain,
}

/// A unit a text states, and the words that state it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StatedUnit {
    /// What the unit says about the figures.
    pub kind: UnitKind,
    /// The unit as written (`triệu đồng`, `in millions of dollars`).
    pub text: String,
}

/// Words that scale a unit (folded: no diacritics, lower case).
const SCALE_WORDS: &[&str] = &[
    "thousand",
    "thousands",
    "million",
    "millions",
    "billion",
    "billions",
    "trillion",
    "trillions",
    "mn",
    "mln",
    "bn",
    "mio",
    "mrd",
    "crore",
    "crores",
    "lakh",
    "lakhs",
    "nghin",
    "ngan",
    "trieu",
    "ty",
    "ti",
    "trd",
];
/// Multipliers written as numbers (`$000`, `1.000 đồng`).
const SCALE_NUMBERS: &[&str] = &["000", "1000", "1000000", "1000000000"];
/// Letters that scale a currency written beside them (`$K`, `£m`, `€bn`).
const SCALE_LETTERS: &[&str] = &["k", "m", "b", "bn"];
/// Currencies: symbols and codes.
const CURRENCIES: &[&str] = &[
    "$", "£", "€", "¥", "d", "dong", "vnd", "usd", "eur", "gbp", "tl", "ytl", "lira", "dollar",
    "dollars", "euro", "euros", "pound", "pounds", "sterling", "yen", "yuan", "rmb", "cny", "rs",
    "inr", "rupee", "rupees",
];
/// Plain units of measure.
const MEASURES: &[&str] = &[
    "tan", "tonne", "tonnes", "ton", "tons", "kg", "ha", "km", "m", "m2", "m3", "kwh", "lit",
    "litre", "litres", "liter", "liters",
];
/// Things counted (folded phrases).
const COUNT_PHRASES: &[&str] = &[
    "ho so",
    "thu tuc",
    "tthc",
    "nguoi",
    "luot",
    "lao dong",
    "hoc sinh",
    "sinh vien",
    "benh nhan",
    "ho gia dinh",
    "so luong",
    "persons",
    "people",
    "number",
    "count",
    "cases",
    "students",
    "pupils",
    "households",
    "visits",
    "patients",
    "employees",
    "headcount",
];
/// Percentages and rates (folded phrases).
const PERCENT_PHRASES: &[&str] = &[
    "%",
    "phan tram",
    "percent",
    "percentage",
    "ty le",
    "ti le",
    "pct",
    "rate",
    "ratio",
];
/// Words that may stand between a unit's words (`millions of dollars`, `000s`).
const FILLERS: &[&str] = &["in", "of", "the", "s", "and", "or", "a", "tr"];
/// Labels that introduce a unit (`Đơn vị tính:`, `ĐVT:`, `Unit:`).
const LABELS: &[&[&str]] = &[
    &["don", "vi", "tinh"],
    &["dvt"],
    &["don", "vi"],
    &["unit"],
    &["units"],
    &["currency"],
];
/// Longest text read as a unit line: a title or a note is not one.
const MAX_UNIT_LINE: usize = 160;
/// Most words a unit phrase has (`nghìn tỷ đồng`, `thousands of US dollars`).
const MAX_UNIT_WORDS: usize = 8;

/// Folds a text for unit matching and splits it into words: lower case, diacritics dropped
/// (`đ` → `d`), digit groups joined (`1.000` → `1000`), digits and letters apart (`1000đ`
/// → `1000 d`), the symbols `$ £ € ¥ %` words of their own, anything else a separator.
fn words(text: &str) -> Vec<String> {
    let mut folded: Vec<char> = Vec::with_capacity(text.len());
    for c in text.chars() {
        let mut push = |d: char| {
            if ('\u{300}'..='\u{36f}').contains(&d) {
                return;
            }
            let d = if d == 'đ' || d == 'Đ' { 'd' } else { d };
            folded.extend(d.to_lowercase());
        };
        if c.is_ascii() {
            push(c);
        } else {
            unicode_normalization::char::decompose_canonical(c, &mut push);
        }
    }
    let mut words: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut chars = folded.iter().copied().peekable();
    let mut previous: Option<char> = None;
    while let Some(c) = chars.next() {
        let next = chars.peek().copied();
        let joins_digits = matches!(c, '.' | ',')
            && previous.is_some_and(|p| p.is_ascii_digit())
            && next.is_some_and(|n| n.is_ascii_digit());
        if joins_digits {
            previous = Some(c);
            continue;
        }
        let same_kind = |a: char, b: char| a.is_ascii_digit() == b.is_ascii_digit();
        if c.is_alphanumeric() {
            if current
                .chars()
                .last()
                .is_some_and(|last| !same_kind(last, c))
            {
                words.push(std::mem::take(&mut current));
            }
            current.push(c);
        } else {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            if matches!(c, '$' | '£' | '€' | '¥' | '%') {
                words.push(c.to_string());
            }
        }
        previous = Some(c);
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// Whether `phrase` (words separated by single spaces) occurs in `words` as whole words.
fn has_phrase(words: &[String], phrase: &str) -> bool {
    let wanted: Vec<&str> = phrase.split(' ').collect();
    !wanted.is_empty()
        && words.windows(wanted.len()).any(|window| {
            window
                .iter()
                .zip(&wanted)
                .all(|(word, want)| word.as_str() == *want)
        })
}

/// Whether a word belongs to the vocabulary of units.
fn is_unit_word(word: &str) -> bool {
    let in_phrases = |phrases: &[&str]| phrases.iter().any(|p| p.split(' ').any(|w| w == word));
    [
        SCALE_WORDS,
        SCALE_NUMBERS,
        SCALE_LETTERS,
        CURRENCIES,
        MEASURES,
        FILLERS,
    ]
    .iter()
    .any(|list| list.contains(&word))
        || in_phrases(COUNT_PHRASES)
        || in_phrases(PERCENT_PHRASES)
}

/// What the words of a unit say, or `None` when they name no unit.
fn classify(words: &[String]) -> Option<UnitKind> {
    let word = |i: Option<usize>| i.and_then(|i| words.get(i)).map(String::as_str);
    let is_currency = |w: Option<&str>| w.is_some_and(|w| CURRENCIES.contains(&w) && w != "d");
    let has_currency = words
        .iter()
        .any(|w| CURRENCIES.contains(&w.as_str()) || MEASURES.contains(&w.as_str()));
    let scaled = words.iter().enumerate().any(|(i, w)| {
        let (before, after) = (word(i.checked_sub(1)), word(i.checked_add(1)));
        match w.as_str() {
            // `tỷ lệ`, `tỉ lệ`: a ratio.
            "ty" | "ti" => after != Some("le"),
            // `tr.đ`, `tr đồng`.
            "tr" => matches!(after, Some("d" | "dong")),
            "000" => true,
            w if SCALE_WORDS.contains(&w) => true,
            w if SCALE_NUMBERS.contains(&w) => has_currency,
            w if SCALE_LETTERS.contains(&w) => is_currency(before) || is_currency(after),
            _ => false,
        }
    });
    let has = |phrases: &[&str]| phrases.iter().any(|p| has_phrase(words, p));
    if scaled {
        Some(UnitKind::Scaled)
    } else if has(PERCENT_PHRASES) {
        Some(UnitKind::Percent)
    } else if has(COUNT_PHRASES) {
        Some(UnitKind::Count)
    } else if has_currency {
        Some(UnitKind::Plain)
    } else {
        None
    }
}

/// The words after a label that introduces a unit (`đơn vị tính`, `ĐVT`, `unit`), if the
/// words start with one.
fn after_label(words: &[String]) -> Option<&[String]> {
    LABELS.iter().find_map(|label| {
        let starts = words.len() >= label.len()
            && words
                .iter()
                .zip(label.iter())
                .all(|(w, l)| w.as_str() == *l);
        starts.then(|| words.get(label.len()..)).flatten()
    })
}

/// A short text that is only a unit (`triệu đồng`, `£ million`, `ĐVT: tỷ đồng`, `000s`).
fn unit_phrase(text: &str) -> Option<UnitKind> {
    let all = words(text);
    let rest = after_label(&all).unwrap_or(&all);
    if rest.is_empty() || rest.len() > MAX_UNIT_WORDS || !rest.iter().all(|w| is_unit_word(w)) {
        return None;
    }
    classify(rest)
}

/// The unit a text states, if it states one: a text that is only a unit (`Triệu đồng`,
/// `£ million`), a unit in parentheses (`Tiền (tỷ đồng)`, `(in millions of dollars)`,
/// `Budgets ($K) as of 2-04-03`), after a label (`Đơn vị tính: triệu đồng`, `ĐVT: người`),
/// or `in` and a multiple (`Dollars in thousands`). A place or a word that merely
/// contains a unit's word (`Tả Củ Tỷ`, `5 triệu việc làm`) states none.
///
/// # Examples
/// ```
/// use crossfoot::{stated_unit, UnitKind};
/// let unit = stated_unit("(in millions of dollars)").unwrap();
/// assert_eq!((unit.kind, unit.text.as_str()), (UnitKind::Scaled, "in millions of dollars"));
/// assert_eq!(stated_unit("Đơn vị tính: triệu đồng").unwrap().kind, UnitKind::Scaled);
/// assert_eq!(stated_unit("Don vi tinh: ty dong").unwrap().kind, UnitKind::Scaled);
/// assert_eq!(stated_unit("ĐVT: hồ sơ").unwrap().kind, UnitKind::Count);
/// assert_eq!(stated_unit("Tỷ lệ giải quyết (%)").unwrap().kind, UnitKind::Percent);
/// assert_eq!(stated_unit("Tổng cộng (đồng)").unwrap().kind, UnitKind::Plain);
/// assert_eq!(stated_unit("Hạng 4/ Tyt Tả Củ Tỷ-Lào Cai"), None);
/// ```
pub fn stated_unit(text: &str) -> Option<StatedUnit> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > MAX_UNIT_LINE {
        return None;
    }
    let stated = |kind: UnitKind, unit: &str| StatedUnit {
        kind,
        text: unit
            .trim_matches(|c: char| c.is_whitespace() || matches!(c, '(' | ')' | ':' | ';' | '*'))
            .to_string(),
    };
    // A unit in parentheses or brackets.
    for group in groups(text) {
        if let Some(kind) = unit_phrase(group) {
            let unit = group
                .split_once([':', ';'])
                .map_or(group, |(_, after)| after);
            return Some(stated(kind, unit));
        }
    }
    let all = words(text);
    // After a label: the unit's words up to the first that is not one.
    if let Some(rest) = after_label(&all) {
        let run: Vec<String> = rest
            .iter()
            .take_while(|w| is_unit_word(w))
            .take(MAX_UNIT_WORDS)
            .cloned()
            .collect();
        if let Some(kind) = classify(&run) {
            let unit = text.split_once([':', ';']).map_or(text, |(_, after)| after);
            return Some(stated(kind, unit));
        }
    }
    // `in thousands`, `in $ millions`, `in '000`.
    let in_multiple = all.iter().enumerate().any(|(i, w)| {
        w == "in"
            && all
                .iter()
                .skip(i.saturating_add(1))
                .take(2)
                .take_while(|next| is_unit_word(next))
                .any(|next| SCALE_WORDS.contains(&next.as_str()) || next == "000")
    });
    if in_multiple {
        return Some(stated(UnitKind::Scaled, text));
    }
    unit_phrase(text).map(|kind| stated(kind, text))
}

/// The texts inside parentheses or brackets, innermost groups, in order.
fn groups(text: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut open: Option<usize> = None;
    for (i, c) in text.char_indices() {
        match c {
            '(' | '[' => open = Some(i.saturating_add(1)),
            ')' | ']' => {
                if let Some(start) = open.take() {
                    if let Some(inside) = text.get(start..i) {
                        found.push(inside);
                    }
                }
            }
            _ => {}
        }
    }
    found
}

/// What a unit a template names says (`[table] unit = "triệu đồng"`): as [`stated_unit`]
/// reads a line, or else from its words alone. `None` for a unit crossfoot does not know.
///
/// # Examples
/// ```
/// use crossfoot::{unit_kind, UnitKind};
/// assert_eq!(unit_kind("triệu đồng"), Some(UnitKind::Scaled));
/// assert_eq!(unit_kind("nghin dong"), Some(UnitKind::Scaled));
/// assert_eq!(unit_kind("$000"), Some(UnitKind::Scaled));
/// assert_eq!(unit_kind("hồ sơ"), Some(UnitKind::Count));
/// assert_eq!(unit_kind("đồng"), Some(UnitKind::Plain));
/// ```
pub fn unit_kind(text: &str) -> Option<UnitKind> {
    stated_unit(text)
        .map(|unit| unit.kind)
        .or_else(|| classify(&words(text)))
}

/// How far above the header a unit line is looked for.
const ROWS_ABOVE_HEADER: u32 = 10;
/// How many lines without numbers under the header a unit line is looked for in
/// (`In millions of dollars:` as the table's first line).
const LINES_UNDER_HEADER: usize = 3;

/// Which figures of one table stand for their rounding interval: the table's unit (the
/// template's, or the sheet's unit line), each column's own unit (its header), and the
/// template's `rounded`.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Units {
    /// The template's `rounded`, when it says.
    forced: Option<bool>,
    /// The unit of the whole table.
    table: Option<StatedUnit>,
    /// Units stated by column headers.
    columns: BTreeMap<u32, StatedUnit>,
    /// Whether any column is rounded (nothing to widen otherwise).
    any: bool,
}

impl Units {
    /// The units of the table `layout` found in `sheet`, as a template's `[table] unit` and
    /// `rounded` settle them (`None`: the sheet's unit line, the headers).
    pub(crate) fn of(
        sheet: &Sheet,
        layout: &Layout,
        unit: Option<&str>,
        rounded: Option<bool>,
    ) -> Units {
        let table = match unit {
            Some(unit) => Some(StatedUnit {
                kind: unit_kind(unit).unwrap_or(UnitKind::Plain),
                text: unit.to_string(),
            }),
            None => table_unit(sheet, layout),
        };
        let columns: BTreeMap<u32, StatedUnit> = layout
            .headers
            .iter()
            .filter(|(col, _)| **col != layout.label_col && Some(**col) != layout.stt_col)
            .filter_map(|(col, chain)| Some((*col, column_unit(chain)?)))
            .collect();
        let mut units = Units {
            forced: rounded,
            table,
            columns,
            any: false,
        };
        units.any = units.forced != Some(false)
            && (units.table_rounded()
                || units
                    .columns
                    .values()
                    .any(|unit| unit.kind == UnitKind::Scaled));
        units
    }

    /// Every column rounded, as `rounded = true` with no unit stated makes it (tests).
    #[cfg(test)]
    pub(crate) fn all_rounded() -> Units {
        Units {
            forced: Some(true),
            any: true,
            ..Units::default()
        }
    }

    /// Whether columns without a unit of their own are rounded.
    fn table_rounded(&self) -> bool {
        match self.forced {
            Some(forced) => forced,
            None => self
                .table
                .as_ref()
                .is_some_and(|unit| unit.kind == UnitKind::Scaled),
        }
    }

    /// Whether the figures of column `col` stand for their rounding interval.
    pub(crate) fn rounded(&self, col: u32) -> bool {
        if !self.any {
            return false;
        }
        match (self.columns.get(&col), self.forced) {
            (Some(unit), Some(true)) => !matches!(unit.kind, UnitKind::Count | UnitKind::Percent),
            (Some(unit), _) => unit.kind == UnitKind::Scaled,
            (None, _) => self.table_rounded(),
        }
    }

    /// The unit column `col` is stated in, for messages: its header's, else the table's.
    pub(crate) fn unit_of(&self, col: u32) -> Option<&str> {
        self.columns
            .get(&col)
            .or(self.table.as_ref())
            .map(|unit| unit.text.as_str())
    }

    /// The unit the table states as a whole (the template's or its unit line's).
    pub(crate) fn table(&self) -> Option<&StatedUnit> {
        self.table.as_ref()
    }
}

/// The unit a table states as a whole: on a line above the header (the nearest), on the
/// first lines under it that hold no numbers, or (a scaled one) over its label column.
fn table_unit(sheet: &Sheet, layout: &Layout) -> Option<StatedUnit> {
    let first = layout.header_first.saturating_sub(ROWS_ABOVE_HEADER);
    // A percentage is a column's unit, never a whole table's.
    let of_table = |unit: &StatedUnit| unit.kind != UnitKind::Percent;
    let above = (first..layout.header_first).rev().find_map(|row| {
        sheet
            .row(row)
            .iter()
            .filter_map(|cell| cell.value.as_text())
            .filter_map(stated_unit)
            .find(of_table)
    });
    let under = || {
        layout
            .body
            .iter()
            .take_while(|body| !body.has_numbers)
            .take(LINES_UNDER_HEADER)
            .filter_map(|body| stated_unit(&body.label))
            .find(of_table)
    };
    let over_labels = || {
        [Some(layout.label_col), layout.stt_col]
            .into_iter()
            .flatten()
            .filter_map(|col| layout.headers.get(&col))
            .flat_map(|chain| chain.iter().rev())
            .filter_map(|label| stated_unit(label))
            .find(|unit| unit.kind == UnitKind::Scaled)
    };
    above.or_else(under).or_else(over_labels)
}

/// The unit a column's header states, lowest label first; a header that names a
/// percentage or a rate anywhere is one.
fn column_unit(chain: &[String]) -> Option<StatedUnit> {
    chain
        .iter()
        .rev()
        .find_map(|label| stated_unit(label))
        .or_else(|| {
            let leaf = words(chain.last()?);
            PERCENT_PHRASES
                .iter()
                .any(|p| has_phrase(&leaf, p))
                .then(|| StatedUnit {
                    kind: UnitKind::Percent,
                    text: "%".to_string(),
                })
        })
}

/// Whether a cell's number is a formula's result (a cached value Excel computed in binary
/// arithmetic), not a typed figure.
pub(crate) fn is_formula_result(cell: &Cell) -> bool {
    cell.formula.is_some() && matches!(cell.value, Value::Number(_))
}

/// Half the last unit a figure shows: 0,5 for `1.845`, 0,05 for `96,1`; a stored value
/// with more digits than it shows is held to its stored digits. `None` beyond `Decimal`'s
/// 28 places.
pub(crate) fn half_unit(value: Decimal, decimals: u32) -> Option<Decimal> {
    let places = decimals.max(value.normalize().scale());
    Decimal::try_new(5, places.checked_add(1)?).ok()
}

/// 2^-50, the relative rounding a value computed in binary doubles carries after a few
/// operations (eight half-ulps), to 28 places.
const BINARY_ROUNDING: Decimal = Decimal::from_parts(4_086_796_169, 2_067, 0, false, 28);

/// How far a relation between figures that binary arithmetic produced may be off and
/// still be exact: 2^-50 × (1 + √terms) × the sum of the magnitudes it reads. Each
/// operation rounds to half an ulp (2^-53 relative) and errors of many terms add up about
/// as their square root: `=F24*1.1` totals that differ in the 16th digit hold, a difference
/// a person could see on any figure under 10^12 does not. `None` past `Decimal`'s range.
pub(crate) fn binary_allowance(magnitude: Decimal, terms: usize) -> Option<Decimal> {
    let spread = Decimal::from(terms.isqrt()).checked_add(Decimal::ONE)?;
    magnitude.checked_mul(BINARY_ROUNDING)?.checked_mul(spread)
}

/// The rounding interval's half-width of the figure `value` at `at` (`cell` the cell
/// there, whose precision it is shown at): half its last shown unit when its column is
/// rounded (a scaled unit) and it is not a percentage, or, for the value `stored` in the
/// cell, when it is shown rounded (more decimals than its number format shows:
/// `58601689702,1` shown `58.601.689.702`); else zero. A value tried in the cell's place
/// (`stored` false) is as exact as it is written.
pub(crate) fn cell_half_unit(
    units: &Units,
    at: CellRef,
    cell: Option<&Cell>,
    value: Decimal,
    stored: bool,
) -> Decimal {
    let quantity = cell.and_then(|cell| match &cell.reading {
        crate::number::Reading::Number(q) => Some(*q),
        crate::number::Reading::Ambiguous { primary, .. } => Some(**primary),
        _ => None,
    });
    let decimals = match (cell, &quantity) {
        (Some(cell), Some(q)) => shown_decimals(cell, q),
        _ => 0,
    };
    if units.rounded(at.col) && !quantity.is_some_and(|q| q.percent) {
        return half_unit(value, decimals).unwrap_or(Decimal::ZERO);
    }
    // Shown rounded: only a quantity the cell shows (an empty cell shows none).
    if stored && quantity.is_some() && shows_fewer_decimals(value, decimals) {
        return decimals
            .checked_add(1)
            .and_then(|places| Decimal::try_new(5, places).ok())
            .unwrap_or(Decimal::ZERO);
    }
    Decimal::ZERO
}

/// Significant digits a stored number carries that mean something: Excel shows and
/// computes 15, and a double's 16th and 17th (`48400.000000000007` for `44000*1.1`) are
/// binary residue, not a figure shown rounded.
const SIGNIFICANT_DIGITS: u32 = 15;

/// Whether `value` has more decimals than the `decimals` its cell shows, its binary
/// residue beyond 15 significant digits left aside: `156.651` shown `156,65` is shown
/// rounded, `48400.000000000007` shown `48.400,00` is not.
pub(crate) fn shows_fewer_decimals(value: Decimal, decimals: u32) -> bool {
    value.scale() > decimals
        && value
            .round_sf(SIGNIFICANT_DIGITS)
            .unwrap_or(value)
            .normalize()
            .scale()
            > decimals
}

/// Whether a figure is shown rounded: its stored value has more decimals than its cell
/// shows ([`cell_half_unit`], [`shows_fewer_decimals`]).
pub(crate) fn is_shown_rounded(cell: &Cell) -> bool {
    match &cell.reading {
        crate::number::Reading::Number(q) => shows_fewer_decimals(q.value, shown_decimals(cell, q)),
        crate::number::Reading::Ambiguous { primary, .. } => {
            shows_fewer_decimals(primary.value, shown_decimals(cell, primary))
        }
        _ => false,
    }
}

/// The decimals a figure is meant to be shown with: those it shows, or, for a figure typed
/// as text in a cell whose number format shows fewer (an export that wrote
/// `"58601689702.1"` into a `#,##0 ₫` column of whole đồng), the format's: the office
/// formatted the column to that precision, and the text's extra digit is below it.
fn shown_decimals(cell: &Cell, quantity: &crate::number::Quantity) -> u32 {
    if !quantity.from_text || quantity.percent {
        return quantity.decimals;
    }
    match cell
        .number_format
        .as_deref()
        .map(crate::number::format_info)
    {
        Some(crate::number::FormatInfo {
            decimals: Some(format),
            percent: false,
            date: false,
        }) => format.min(quantity.decimals),
        _ => quantity.decimals,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(text: &str) -> Option<UnitKind> {
        stated_unit(text).map(|unit| unit.kind)
    }

    #[test]
    fn scaled_units_are_read_in_vietnamese_and_english() {
        for text in [
            "(in millions of dollars)",
            "In millions of dollars:",
            "(In thousands)",
            "(thousands)",
            "Dollars in thousands",
            "$000",
            "($000)",
            "($K)",
            "FY 04 Enabling R&D Program Budgets ($K) as of 2-04-03",
            "Money and banking (TL Billion)",
            "Foreign capital ($ Million)",
            "£ million",
            "£ billion",
            "(£m)",
            "€bn",
            "Pupils (000s)",
            "in '000",
            "Đơn vị tính: triệu đồng",
            "ĐƠN VỊ TÍNH: TRIỆU ĐỒNG",
            "Don vi tinh: trieu dong",
            "ĐVT: Tr.đồng",
            "Đvt: trđ",
            "Đơn vị: tỷ đồng",
            "đơn vị tính: tỉ đồng",
            "Đơn vị tính: nghìn đồng",
            "Đơn vị tính: ngàn đồng",
            "Đơn vị tính: 1.000 đồng",
            "ĐVT: 1000đ",
            "Tiền (tỷ)",
            "Tổng chi (tỷ đ)",
            "tien_bhtt ( ĐVT; Triệu đồng)",
            "Triệu đồng",
            "nghìn người",
            "Revenue by Geography (in millions):",
        ] {
            assert_eq!(kind(text), Some(UnitKind::Scaled), "{text}");
        }
    }

    #[test]
    fn counts_plain_units_and_percentages_are_not_scaled() {
        for (text, expected) in [
            ("Đơn vị tính: người", Some(UnitKind::Count)),
            ("ĐVT: hồ sơ", Some(UnitKind::Count)),
            ("Số lượng (người)", Some(UnitKind::Count)),
            ("Đơn vị tính: đồng", Some(UnitKind::Plain)),
            ("TÌNH HÌNH THỰC HIỆN DỰ TOÁN KINH PHÍ NĂM 2022 (đồng)", Some(UnitKind::Plain)),
            ("Tỷ lệ giải quyết đúng hạn (%)", Some(UnitKind::Percent)),
            ("Tỷ lệ (%)", Some(UnitKind::Percent)),
            ("ty le", Some(UnitKind::Percent)),
            // Places, titles, organisations and notes state no unit.
            ("Hạng 4/ Tyt Tả Củ Tỷ-Lào Cai", None),
            ("ỦY BAN NHÂN DÂN TỈNH ĐỒNG THÁP", None),
            ("Đơn vị báo cáo: Sở Tài chính", None),
            ("Mã đơn vị:", None),
            ("Chương trình 5 triệu việc làm giai đoạn 2021-2025", None),
            ("* $500 thousand or less.", None),
            ("Surplus or Deficit (-)", None),
            ("Tổng số (1=2+3)", None),
            ("(2)", None),
            ("Year", None),
            (
                "Totals may not appear equal to the sum of the component parts because of rounding.",
                None,
            ),
        ] {
            assert_eq!(kind(text), expected, "{text}");
        }
    }

    #[test]
    fn the_unit_text_is_the_unit_as_written() {
        let text = |line: &str| stated_unit(line).map(|unit| unit.text);
        assert_eq!(
            text("Đơn vị tính: triệu đồng").as_deref(),
            Some("triệu đồng")
        );
        assert_eq!(text("Tiền (tỷ)").as_deref(), Some("tỷ"));
        assert_eq!(
            text("In millions of dollars:").as_deref(),
            Some("In millions of dollars")
        );
        assert_eq!(text("£ million").as_deref(), Some("£ million"));
    }

    #[test]
    fn binary_allowance_covers_residue_and_no_visible_difference() {
        // 44000 * 1.1 cached as 48400.000000000007, its SUM as 156650.
        let magnitude: Decimal = "313300.000000000007".parse().unwrap();
        let allowance = binary_allowance(magnitude, 5).unwrap();
        assert!(allowance > "0.000000000007".parse().unwrap(), "{allowance}");
        assert!(allowance < "0.000001".parse().unwrap(), "{allowance}");
        assert_eq!(
            BINARY_ROUNDING,
            "0.0000000000000008881784197001".parse::<Decimal>().unwrap()
        );
        let shown = |value: &str, decimals| shows_fewer_decimals(value.parse().unwrap(), decimals);
        assert!(shown("156.651", 2));
        assert!(shown("58601689702.1", 0));
        assert!(!shown("48400.000000000007", 2));
        assert!(!shown("1845", 0));
        assert!(!shown("96.10", 1));
        assert_eq!(half_unit(Decimal::from(1845), 0), "0.5".parse().ok());
        assert_eq!(half_unit("96.1".parse().unwrap(), 1), "0.05".parse().ok());
        assert_eq!(
            half_unit("1234.56".parse().unwrap(), 0),
            "0.005".parse().ok()
        );
    }
}
