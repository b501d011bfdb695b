//! Numbers as offices write them: Vietnamese and English text numbers, markers for
//! missing or not-applicable values, the precision a number is shown at, and the interval
//! a shown number stands for.

use rust_decimal::{Decimal, RoundingStrategy};

use crate::interval::Interval;

/// How a workbook writes numbers in text.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
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
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
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
        /// Reading under the convention in force (both readings boxed: the few ambiguous
        /// cells carry them, and every other cell of a big sheet would pay their bytes).
        primary: Box<Quantity>,
        /// Reading under the other convention.
        alternative: Box<Quantity>,
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
        /// The separator the text used (`.` or `,`): under a convention whose decimal mark
        /// it is, the text stays ambiguous (see [`resolve_text`]).
        separator: char,
    },
}

impl Quantity {
    /// The interval this number stands for when it was rounded to its shown precision by
    /// `rounding` (a point for [`Rounding::Exact`]).
    ///
    /// A percentage is handled like any number: `96,1%` is 0.961 with 3 decimals, so under
    /// [`Rounding::Nearest`] it stands for [0.9605; 0.9615].
    ///
    /// ```
    /// use crossfoot::{Quantity, Rounding};
    /// use rust_decimal::Decimal;
    /// let shown = Quantity { value: Decimal::new(703, 1), decimals: 1, percent: false, from_text: false };
    /// let nearest = shown.interval(Rounding::Nearest);
    /// assert_eq!((nearest.lo, nearest.hi), (Decimal::new(7025, 2), Decimal::new(7035, 2)));
    /// let truncated = shown.interval(Rounding::Truncate);
    /// assert_eq!((truncated.lo, truncated.hi), (Decimal::new(703, 1), Decimal::new(704, 1)));
    /// ```
    pub fn interval(&self, rounding: Rounding) -> Interval {
        let value = self.value;
        // One unit in the last shown place, and half of it. Beyond Decimal's 28 places the
        // shown precision is finer than anything representable: treat it as exact.
        let (Ok(unit), Ok(half)) = (
            Decimal::try_new(1, self.decimals),
            Decimal::try_new(5, self.decimals.saturating_add(1)),
        ) else {
            return Interval::point(value);
        };
        let widen = |below: Decimal, above: Decimal| match (
            value.checked_sub(below),
            value.checked_add(above),
        ) {
            (Some(lo), Some(hi)) => Interval::new(lo, hi),
            // Only at the edge of Decimal's range; keep the value rather than fail.
            _ => Interval::point(value),
        };
        let negative = value.is_sign_negative() && !value.is_zero();
        match rounding {
            Rounding::Exact => Interval::point(value),
            Rounding::Nearest => widen(half, half),
            Rounding::Truncate if negative => widen(unit, Decimal::ZERO),
            Rounding::Truncate => widen(Decimal::ZERO, unit),
            Rounding::Either if negative => widen(unit, half),
            Rounding::Either => widen(half, unit),
        }
    }
}

/// Longest text (in characters, after trimming) still considered as a possible number.
/// Decimal holds 28 digits; with grouping, sign, percent and a short unit this is ample.
const MAX_NUMBER_TEXT: usize = 96;
/// Most words a trailing unit may have (`nghìn tỷ đồng`); more is a sentence, not a unit.
const MAX_UNIT_WORDS: usize = 3;
/// Most characters a trailing unit may have.
const MAX_UNIT_CHARS: usize = 24;

/// Spaces offices paste from Word and the web, read as plain spaces.
fn is_space_like(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{a0}' | '\u{2007}' | '\u{2009}' | '\u{202f}' | '\u{200b}'
        )
}

/// Analyses a text cell: number, marker, or neither, under both conventions.
///
/// ```
/// use crossfoot::{classify_text, Convention, Marker, TextShape};
/// use rust_decimal::Decimal;
/// match classify_text("19.961.000.000 đồng") {
///     TextShape::Number { quantity, proves } => {
///         assert_eq!(quantity.value, Decimal::new(19_961_000_000, 0));
///         assert_eq!(proves, Some(Convention::Vietnamese));
///     }
///     other => panic!("{other:?}"),
/// }
/// assert_eq!(classify_text("x"), TextShape::Marker(Marker::NotApplicable));
/// assert_eq!(classify_text("Quý III năm 2022"), TextShape::NotNumber);
/// assert!(matches!(classify_text("1.234"), TextShape::Ambiguous { .. }));
/// ```
pub fn classify_text(text: &str) -> TextShape {
    let trimmed = text.trim_matches(is_space_like);
    if trimmed.chars().nth(MAX_NUMBER_TEXT).is_some() {
        return TextShape::NotNumber;
    }
    let normalized: String = trimmed
        .chars()
        .map(|c| if is_space_like(c) { ' ' } else { c })
        .collect();
    if let Some(marker) = marker_of(&normalized) {
        return TextShape::Marker(marker);
    }
    match parse_signed(&normalized) {
        Some(parsed) => parsed.shape(),
        None => TextShape::NotNumber,
    }
}

/// The marker a whole (trimmed) cell text stands for, if any.
fn marker_of(trimmed: &str) -> Option<Marker> {
    match trimmed {
        "" => Some(Marker::Blank),
        "-" | "–" | "—" => Some(Marker::Dash),
        "x" | "X" => Some(Marker::NotApplicable),
        "…" | "..." => Some(Marker::Ellipsis),
        _ => None,
    }
}

/// A text number read under both conventions.
struct ParsedText {
    vietnamese: Option<Quantity>,
    english: Option<Quantity>,
    /// The one non-space separator character the number part used, if exactly one was used.
    separator: Option<char>,
}

impl ParsedText {
    fn shape(self) -> TextShape {
        match (self.vietnamese, self.english) {
            (None, None) => TextShape::NotNumber,
            (Some(quantity), None) => TextShape::Number {
                quantity,
                proves: Some(Convention::Vietnamese),
            },
            (None, Some(quantity)) => TextShape::Number {
                quantity,
                proves: Some(Convention::English),
            },
            (Some(vietnamese), Some(english)) => {
                if vietnamese == english {
                    TextShape::Number {
                        quantity: vietnamese,
                        proves: None,
                    }
                } else {
                    TextShape::Ambiguous {
                        vietnamese,
                        english,
                        // Both readings valid and different only happens with one `.` or `,`
                        // before exactly three digits; `.` is the safe default otherwise.
                        separator: self.separator.unwrap_or('.'),
                    }
                }
            }
        }
    }

    fn map(self, f: impl Fn(Quantity) -> Option<Quantity>) -> ParsedText {
        ParsedText {
            vietnamese: self.vietnamese.and_then(&f),
            english: self.english.and_then(&f),
            separator: self.separator,
        }
    }
}

/// Sign (`-`, `+`, `−`, or accounting parentheses) and then an unsigned number.
fn parse_signed(trimmed: &str) -> Option<ParsedText> {
    if let Some(inner_and_rest) = trimmed.strip_prefix('(') {
        // `(1.234)` or `(1.234) đồng`: negative.
        let close = inner_and_rest.find(')')?;
        let inner = inner_and_rest.get(..close)?.trim();
        let rest = inner_and_rest.get(close.checked_add(1)?..)?.trim();
        if !rest.is_empty() && !is_unit(rest, false) {
            return None;
        }
        return Some(parse_unsigned(inner)?.map(negate));
    }
    let mut chars = trimmed.chars();
    match chars.next()? {
        '-' | '−' => Some(parse_unsigned(chars.as_str().trim_start())?.map(negate)),
        '+' => parse_unsigned(chars.as_str().trim_start()),
        _ => parse_unsigned(trimmed),
    }
}

fn negate(quantity: Quantity) -> Option<Quantity> {
    Some(Quantity {
        value: -quantity.value,
        ..quantity
    })
}

/// Digits with separators, an optional `%`, an optional trailing unit.
fn parse_unsigned(text: &str) -> Option<ParsedText> {
    let core_end = text
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | ',' | ' ')))
        .unwrap_or(text.len());
    let core = text.get(..core_end)?.trim_end();
    // A label (most text cells) fails here, before its words are looked at as a unit.
    if !core.starts_with(|c: char| c.is_ascii_digit() || c == '.' || c == ',') {
        return None;
    }
    let rest = text.get(core_end..)?.trim();
    // No space between the digits and what follows them.
    let glued = core.len() == core_end;
    let (percent, rest) = match rest.strip_prefix('%') {
        // Nothing follows a percent sign: `10 % reduction` is a phrase.
        Some(after) if after.trim().is_empty() => (true, ""),
        Some(_) => return None,
        None => (false, rest),
    };
    if !rest.is_empty() && !is_unit(rest, glued) {
        return None;
    }
    let separators: Vec<char> = core.chars().filter(|c| matches!(c, '.' | ',')).collect();
    let separator = match separators.split_first() {
        Some((first, others)) if others.iter().all(|c| c == first) => Some(*first),
        _ => None,
    };
    let read = |group: char, decimal: char| -> Option<Quantity> {
        let (value, decimals) = read_core(core, group, decimal)?;
        let quantity = Quantity {
            value,
            decimals,
            percent: false,
            from_text: true,
        };
        if percent {
            as_percent(quantity)
        } else {
            Some(quantity)
        }
    };
    Some(ParsedText {
        vietnamese: read('.', ','),
        english: read(',', '.'),
        separator,
    })
}

/// `96,1` typed with `%`: the fraction 0.961, two more decimals.
fn as_percent(quantity: Quantity) -> Option<Quantity> {
    Some(Quantity {
        value: quantity.value.checked_div(Decimal::ONE_HUNDRED)?,
        decimals: quantity.decimals.checked_add(2)?,
        percent: true,
        from_text: quantity.from_text,
    })
}

/// Units a figure may carry after it, lowercase: money and its scales, measures, and the
/// things offices count. A word after a number that is none of these and not a plain
/// lowercase Vietnamese word (see [`is_unit`]) makes the text a label: `180 Suffolk
/// Street`, `12 Months`, `30 or less`.
const UNIT_WORDS: &[&str] = &[
    // money and its scales
    "đồng",
    "đ",
    "₫",
    "vnđ",
    "vnd",
    "usd",
    "eur",
    "€",
    "$",
    "£",
    "dollars",
    "dollar",
    "euro",
    "euros",
    "nghìn",
    "ngàn",
    "triệu",
    "tỷ",
    "tỉ",
    "trđ",
    "tr.đ",
    "tr",
    "ngđ",
    "thousand",
    "thousands",
    "million",
    "millions",
    "billion",
    "billions",
    "bn",
    "mn",
    // measures
    "kg",
    "g",
    "tấn",
    "tạ",
    "km",
    "m",
    "m2",
    "m3",
    "km2",
    "ha",
    "lít",
    "l",
    "kwh",
    "mw",
    "mwh",
    // things counted
    "người",
    "hồ",
    "sơ",
    "lượt",
    "thủ",
    "tục",
    "tthc",
    "văn",
    "bản",
    "hộ",
    "cái",
    "chiếc",
    "lần",
    "people",
    "persons",
    "person",
    "units",
    "items",
    "pcs",
    "cases",
];

/// Units written against the digits (`10.000đ`, `5kg`): letters glued to a number are
/// otherwise an ordinal, a code or a name (`45th`, `1ST`, `2DE`, `3D`).
const GLUED_UNITS: &[&str] = &[
    "đ", "₫", "$", "€", "£", "vnđ", "vnd", "usd", "trđ", "tr.đ", "kg", "km", "m2", "m3", "ha",
];

/// Words of time: `12 tháng`, `15 ngày` name a period, not a figure to add.
const TIME_WORDS: &[&str] = &[
    "ngày", "tháng", "năm", "quý", "tuần", "giờ", "phút", "giây", "kỳ",
];

/// Currency signs a unit may be written with.
fn is_currency_sign(c: char) -> bool {
    matches!(c, '₫' | '$' | '€' | '£' | '¥')
}

/// A trailing unit: a short run of words (letters, with `/` or `.` inside, as in `tr.đ`)
/// that names money, a measure or a thing counted. `glued` when no space separates it
/// from the digits: then only a currency or a measure ([`GLUED_UNITS`]).
///
/// Each word (words split at spaces and `/`, as in `đồng/người`) is one of
/// [`UNIT_WORDS`] (any case) or a lowercase word, and at least one of them is a unit word
/// or a Vietnamese word (a letter outside ASCII): `1.845 hồ sơ`, `36 bệnh nhân`. A title-
/// or upper-case word that is no unit (`Street`, `PARKWAY`, `Nông nghiệp`), an English
/// phrase (`or less`, `reduction`) and a word of time (`12 tháng`) are not units.
fn is_unit(rest: &str, glued: bool) -> bool {
    let starts_well = rest
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || is_currency_sign(c));
    let letters_only = rest.chars().all(|c| {
        c.is_alphabetic()
            || is_currency_sign(c)
            || c == ' '
            || c == '/'
            || c == '.'
            || ('\u{300}'..='\u{36f}').contains(&c)
    });
    if !(starts_well
        && letters_only
        && rest.chars().count() <= MAX_UNIT_CHARS
        && rest.split_whitespace().count() <= MAX_UNIT_WORDS)
    {
        return false;
    }
    let lower = rest.to_lowercase();
    if glued {
        return GLUED_UNITS.contains(&lower.as_str());
    }
    let words: Vec<(&str, &str)> = rest
        .split([' ', '/'])
        .zip(lower.split([' ', '/']))
        .filter(|(word, _)| !word.is_empty())
        .collect();
    let known = |lower: &str| UNIT_WORDS.contains(&lower);
    let each_fits = words
        .iter()
        .all(|(word, lower)| known(lower) || (word == lower && !TIME_WORDS.contains(lower)));
    let some_unit_or_vietnamese = words
        .iter()
        .any(|(word, lower)| known(lower) || !word.is_ascii());
    !words.is_empty() && each_fits && some_unit_or_vietnamese
}

/// Reads digits and separators (`.`, `,`, space) with `group` as the grouping mark and
/// `decimal` as the decimal mark; spaces group under either convention. Returns the value
/// and the number of digits typed after the decimal mark.
fn read_core(core: &str, group: char, decimal: char) -> Option<(Decimal, u32)> {
    let mut runs: Vec<&str> = Vec::new();
    let mut separators: Vec<char> = Vec::new();
    let mut start = 0;
    for (index, c) in core.char_indices() {
        if !c.is_ascii_digit() {
            runs.push(core.get(start..index)?);
            separators.push(c);
            start = index.checked_add(c.len_utf8())?;
        }
    }
    runs.push(core.get(start..)?);

    let decimal_positions: Vec<usize> = separators
        .iter()
        .enumerate()
        .filter(|(_, c)| **c == decimal)
        .map(|(index, _)| index)
        .collect();
    let (integer_runs, fraction) = match decimal_positions.as_slice() {
        [] => (runs.as_slice(), ""),
        // The decimal mark must be the last separator.
        [position] if position.checked_add(1) == Some(separators.len()) => {
            let (integer_runs, fraction_runs) = runs.split_at_checked(position.checked_add(1)?)?;
            (integer_runs, *fraction_runs.first()?)
        }
        _ => return None,
    };
    let group_separators = separators.get(..integer_runs.len().saturating_sub(1))?;
    let (head, groups) = integer_runs.split_first()?;
    if let Some(first_group_mark) = group_separators.first() {
        let consistent = group_separators.iter().all(|c| c == first_group_mark);
        let allowed = *first_group_mark == group || *first_group_mark == ' ';
        let head_ok = (1..=3).contains(&head.len()) && !head.starts_with('0');
        let groups_ok = groups.iter().all(|run| run.len() == 3);
        if !(consistent && allowed && head_ok && groups_ok) {
            return None;
        }
    }
    let integer_digits: String = integer_runs.concat();
    let has_decimal = !decimal_positions.is_empty();
    if has_decimal && fraction.is_empty() {
        return None; // `12,` is not a number
    }
    if integer_digits.is_empty() && !has_decimal {
        return None;
    }
    let integer_digits = if integer_digits.is_empty() {
        "0".to_string()
    } else {
        integer_digits
    };
    let decimals = u32::try_from(fraction.len()).ok()?;
    let canonical = if has_decimal {
        format!("{integer_digits}.{fraction}")
    } else {
        integer_digits
    };
    let value = Decimal::from_str_exact(&canonical).ok()?;
    Some((value, decimals))
}

/// Resolves a text's shape under the convention in force (see [`Reading::Ambiguous`]).
///
/// An ambiguous text resolves by the convention, except when it uses the convention's own
/// *decimal* mark before exactly three digits (`1,234` in a Vietnamese file): that is far
/// more often a thousands separator typed in the other convention, so it stays
/// [`Reading::Ambiguous`] to be reported rather than guessed.
///
/// ```
/// use crossfoot::{classify_text, resolve_text, Convention, Reading};
/// use rust_decimal::Decimal;
/// let grouped = resolve_text(&classify_text("203.566"), Convention::Vietnamese);
/// assert!(matches!(grouped, Reading::Number(q) if q.value == Decimal::new(203_566, 0)));
/// let doubtful = resolve_text(&classify_text("1,234"), Convention::Vietnamese);
/// assert!(matches!(doubtful, Reading::Ambiguous { .. }));
/// ```
pub fn resolve_text(shape: &TextShape, convention: Convention) -> Reading {
    match shape {
        TextShape::NotNumber => Reading::NotNumber,
        TextShape::Marker(marker) => Reading::Marker(*marker),
        TextShape::Number { quantity, .. } => Reading::Number(*quantity),
        TextShape::Ambiguous {
            vietnamese,
            english,
            separator,
        } => {
            let (primary, alternative, decimal_mark) = match convention {
                Convention::Vietnamese => (*vietnamese, *english, ','),
                Convention::English => (*english, *vietnamese, '.'),
            };
            if *separator == decimal_mark {
                Reading::Ambiguous {
                    primary: Box::new(primary),
                    alternative: Box::new(alternative),
                }
            } else {
                Reading::Number(primary)
            }
        }
    }
}

/// A digit string with a leading zero (`00`, `0001`, `023224`, `00,01`): a code (a
/// district, a meter, a post office), never a figure an office writes. It still reads as
/// a number, as Excel's VALUE reads it; the table decides what its column holds.
pub(crate) fn is_code_text(text: &str) -> bool {
    let text = text.trim_matches(is_space_like);
    let mut chars = text.chars();
    chars.next() == Some('0')
        && chars.next().is_some_and(|c| c.is_ascii_digit())
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | ','))
}

/// Most decimals a number format written for a text number shows (Excel shows 15
/// significant digits; more zeros after the point would only pad).
const MAX_FORMAT_DECIMALS: u32 = 15;

/// The Excel number format code that shows `value` the way `text` wrote it: grouping when
/// the text grouped its thousands, its decimals, a percent sign, a unit after the number
/// as quoted text, accounting parentheses for a negative. The corrected workbook gives a
/// text number turned into a number this format, so it looks as it did while it now adds
/// up. `None` when `text` does not read as `value` (under either convention).
///
/// The code is the file's own, locale-free syntax: `#,##0.0` shows `1.845,5` in a
/// Vietnamese Excel and `1,845.5` in an English one, as the office's numbers always do.
///
/// ```
/// use crossfoot::number_format_for_text;
/// use rust_decimal::Decimal;
/// assert_eq!(number_format_for_text("4.088", Decimal::new(4088, 0)).as_deref(), Some("#,##0"));
/// assert_eq!(number_format_for_text("2491", Decimal::new(2491, 0)).as_deref(), Some("0"));
/// assert_eq!(number_format_for_text("96,1%", Decimal::new(961, 3)).as_deref(), Some("0.0%"));
/// assert_eq!(
///     number_format_for_text("1.845 hồ sơ", Decimal::new(1845, 0)).as_deref(),
///     Some("#,##0\" hồ sơ\"")
/// );
/// assert_eq!(number_format_for_text("4.088", Decimal::new(4, 0)), None);
/// ```
pub fn number_format_for_text(text: &str, value: Decimal) -> Option<String> {
    let quantity = match classify_text(text) {
        TextShape::Number { quantity, .. } => quantity,
        TextShape::Ambiguous {
            vietnamese,
            english,
            ..
        } => [vietnamese, english]
            .into_iter()
            .find(|quantity| quantity.value == value)?,
        TextShape::NotNumber | TextShape::Marker(_) => return None,
    };
    if quantity.value != value {
        return None;
    }
    let normalized: String = text
        .trim_matches(is_space_like)
        .chars()
        .map(|c| if is_space_like(c) { ' ' } else { c })
        .collect();
    let parentheses = normalized.starts_with('(');
    let start = normalized.find(|c: char| c.is_ascii_digit() || c == '.' || c == ',')?;
    let number = normalized.get(start..)?;
    let core_end = number
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | ',' | ' ')))
        .unwrap_or(number.len());
    let core = number.get(..core_end)?.trim_end();
    let after = number.get(core_end..)?;
    let unit = after.trim_start_matches([')', '%', ' ']);
    // No space between the number (its `)` or `%`) and the unit: `10.000đ`.
    let glued = core.len() == core_end
        && !after
            .get(..after.len().saturating_sub(unit.len()))
            .is_some_and(|between| between.contains(' '));
    let unit = unit.trim();

    let shown_decimals = if quantity.percent {
        quantity.decimals.saturating_sub(2)
    } else {
        quantity.decimals
    }
    .min(MAX_FORMAT_DECIMALS);
    let separators = core
        .chars()
        .filter(|c| matches!(c, '.' | ',' | ' '))
        .count();
    let grouped = separators > usize::from(shown_decimals > 0);
    let mut code = String::from(if grouped { "#,##0" } else { "0" });
    if shown_decimals > 0 {
        code.push('.');
        code.extend(std::iter::repeat_n(
            '0',
            usize::try_from(shown_decimals).ok()?,
        ));
    }
    if quantity.percent {
        code.push('%');
    }
    let suffix = if unit.is_empty() {
        String::new()
    } else {
        let space = if glued { "" } else { " " };
        format!("\"{space}{}\"", unit.replace('"', ""))
    };
    Some(if parentheses {
        format!("{code}{suffix};({code}){suffix}")
    } else {
        format!("{code}{suffix}")
    })
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
///
/// Only the first `;` section (the one for positive numbers) is read. Quoted text,
/// backslash escapes, `_x` and `*x` padding and bracketed parts (`[Red]`, `[$₫-42A]`) are
/// skipped; `[h]`, `[mm]`, `[ss]` (elapsed time) mark a time format. Date and time formats,
/// `General`, `@` and the empty code show no decimals (`None`).
///
/// ```
/// use crossfoot::format_info;
/// assert_eq!(format_info("#,##0.00").decimals, Some(2));
/// let percent = format_info("0.0%");
/// assert!(percent.percent && percent.decimals == Some(1));
/// assert!(format_info("[$-42A]dd/mm/yyyy").date);
/// assert_eq!(format_info("General").decimals, None);
/// ```
pub fn format_info(code: &str) -> FormatInfo {
    let mut chars = code.chars().peekable();
    let mut info = FormatInfo::default();
    let mut integer_placeholders: u32 = 0;
    let mut decimal_placeholders: u32 = 0;
    let mut after_point = false;
    let mut in_exponent = false;
    while let Some(c) = chars.next() {
        match c {
            ';' => break,
            '"' => {
                for quoted in chars.by_ref() {
                    if quoted == '"' {
                        break;
                    }
                }
            }
            '\\' | '_' | '*' => {
                chars.next();
            }
            '[' => {
                let mut inside = String::new();
                for bracketed in chars.by_ref() {
                    if bracketed == ']' {
                        break;
                    }
                    // Bracket contents are short; stop collecting past any plausible length.
                    if inside.len() < 64 {
                        inside.push(bracketed);
                    }
                }
                let lower = inside.to_lowercase();
                let elapsed = !lower.is_empty()
                    && (lower.chars().all(|c| c == 'h')
                        || lower.chars().all(|c| c == 'm')
                        || lower.chars().all(|c| c == 's'));
                if elapsed {
                    info.date = true;
                }
            }
            'G' | 'g' => {
                // `General` is the only letter-word allowed unquoted; skip it whole.
                let rest: String = chars.clone().take(6).collect();
                if rest.eq_ignore_ascii_case("eneral") {
                    for _ in 0..6 {
                        chars.next();
                    }
                }
            }
            'd' | 'D' | 'm' | 'M' | 'y' | 'Y' | 'h' | 'H' | 's' | 'S' => info.date = true,
            'E' | 'e' if matches!(chars.peek(), Some('+') | Some('-')) => in_exponent = true,
            '%' => info.percent = true,
            '.' if !in_exponent => after_point = true,
            '0' | '#' | '?' if !in_exponent => {
                if after_point {
                    decimal_placeholders = decimal_placeholders.saturating_add(1);
                } else {
                    integer_placeholders = integer_placeholders.saturating_add(1);
                }
            }
            _ => {}
        }
    }
    let has_number_part = integer_placeholders > 0 || decimal_placeholders > 0;
    info.decimals = if info.date || !has_number_part {
        None
    } else {
        Some(decimal_placeholders)
    };
    info
}

/// Reads a numeric cell's value at the precision its format shows.
///
/// The decimals come from the format when it states them (a percent format shows two
/// fewer places of the fraction: `0.0%` → 3); otherwise from the digits the value has.
///
/// ```
/// use crossfoot::{format_info, numeric_reading};
/// use rust_decimal::Decimal;
/// let rate = numeric_reading(Decimal::new(961, 3), Some(&format_info("0.0%")));
/// assert_eq!((rate.decimals, rate.percent), (3, true));
/// let plain = numeric_reading(Decimal::new(72_150, 3), None);
/// assert_eq!(plain.decimals, 2);
/// ```
pub fn numeric_reading(value: Decimal, format: Option<&FormatInfo>) -> Quantity {
    let from_value = Quantity {
        value,
        decimals: value.normalize().scale(),
        percent: false,
        from_text: false,
    };
    match format {
        Some(FormatInfo {
            decimals: Some(decimals),
            percent,
            date: false,
        }) => Quantity {
            decimals: if *percent {
                decimals.saturating_add(2)
            } else {
                *decimals
            },
            percent: *percent,
            ..from_value
        },
        _ => from_value,
    }
}

/// Writes a number in a convention (`203566` → `203.566` in Vietnamese), with `decimals`
/// places, as a person would read it in the sheet. Rounds half away from zero.
///
/// ```
/// use crossfoot::{format_number, Convention};
/// use rust_decimal::Decimal;
/// assert_eq!(format_number(Decimal::new(203_566, 0), 0, Convention::Vietnamese), "203.566");
/// assert_eq!(format_number(Decimal::new(961, 1), 1, Convention::Vietnamese), "96,1");
/// assert_eq!(format_number(Decimal::new(19_961_000_000, 0), 0, Convention::English), "19,961,000,000");
/// ```
pub fn format_number(value: Decimal, decimals: u32, convention: Convention) -> String {
    // Decimal holds at most 28 places.
    let decimals = decimals.min(28);
    let rounded = value.round_dp_with_strategy(decimals, RoundingStrategy::MidpointAwayFromZero);
    let (group_mark, decimal_mark) = match convention {
        Convention::Vietnamese => ('.', ','),
        Convention::English => (',', '.'),
    };
    let plain = rounded.abs().to_string();
    let (integer, fraction) = plain.split_once('.').unwrap_or((plain.as_str(), ""));
    let mut text = String::new();
    if rounded.is_sign_negative() && !rounded.is_zero() {
        text.push('-');
    }
    let digit_count = integer.chars().count();
    for (index, digit) in integer.chars().enumerate() {
        let remaining = digit_count.saturating_sub(index);
        if index > 0 && remaining % 3 == 0 {
            text.push(group_mark);
        }
        text.push(digit);
    }
    if decimals > 0 {
        text.push(decimal_mark);
        let wanted = usize::try_from(decimals).unwrap_or(28);
        // The fraction's digits, padded with zeros to the wanted count.
        text.extend(fraction.chars().chain(std::iter::repeat('0')).take(wanted));
    }
    text
}

/// Writes a quantity as it is shown: a percentage as a percentage (0.961 with 3 decimals →
/// `96,1%` in Vietnamese), anything else as [`format_number`] does.
///
/// ```
/// use crossfoot::{format_quantity, Convention, Quantity};
/// use rust_decimal::Decimal;
/// let rate = Quantity { value: Decimal::new(961, 3), decimals: 3, percent: true, from_text: true };
/// assert_eq!(format_quantity(&rate, Convention::Vietnamese), "96,1%");
/// assert_eq!(format_quantity(&rate, Convention::English), "96.1%");
/// ```
pub fn format_quantity(quantity: &Quantity, convention: Convention) -> String {
    if quantity.percent {
        if let Some(hundredfold) = quantity.value.checked_mul(Decimal::ONE_HUNDRED) {
            let shown = format_number(hundredfold, quantity.decimals.saturating_sub(2), convention);
            return format!("{shown}%");
        }
    }
    format_number(quantity.value, quantity.decimals, convention)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn dec(text: &str) -> Decimal {
        Decimal::from_str_exact(text).unwrap_or_else(|_| panic!("bad test decimal {text}"))
    }

    fn number(text: &str) -> (Quantity, Option<Convention>) {
        match classify_text(text) {
            TextShape::Number { quantity, proves } => (quantity, proves),
            other => panic!("{text:?} should be a number, got {other:?}"),
        }
    }

    fn ambiguous(text: &str) -> (Quantity, Quantity, char) {
        match classify_text(text) {
            TextShape::Ambiguous {
                vietnamese,
                english,
                separator,
            } => (vietnamese, english, separator),
            other => panic!("{text:?} should be ambiguous, got {other:?}"),
        }
    }

    #[test]
    fn markers() {
        assert_eq!(classify_text(""), TextShape::Marker(Marker::Blank));
        assert_eq!(
            classify_text("   \u{a0} "),
            TextShape::Marker(Marker::Blank)
        );
        for dash in ["-", "–", "—", " - "] {
            assert_eq!(
                classify_text(dash),
                TextShape::Marker(Marker::Dash),
                "{dash:?}"
            );
        }
        assert_eq!(classify_text("x"), TextShape::Marker(Marker::NotApplicable));
        assert_eq!(
            classify_text(" X "),
            TextShape::Marker(Marker::NotApplicable)
        );
        assert_eq!(classify_text("…"), TextShape::Marker(Marker::Ellipsis));
        assert_eq!(classify_text("..."), TextShape::Marker(Marker::Ellipsis));
    }

    #[test]
    fn vietnamese_grouping_proves_vietnamese() {
        let (quantity, proves) = number("1.845.000");
        assert_eq!(quantity.value, dec("1845000"));
        assert_eq!(quantity.decimals, 0);
        assert!(quantity.from_text && !quantity.percent);
        assert_eq!(proves, Some(Convention::Vietnamese));

        let (quantity, proves) = number("19.961.000.000 đồng");
        assert_eq!(quantity.value, dec("19961000000"));
        assert_eq!(proves, Some(Convention::Vietnamese));

        let (quantity, proves) = number("1.234,5");
        assert_eq!((quantity.value, quantity.decimals), (dec("1234.5"), 1));
        assert_eq!(proves, Some(Convention::Vietnamese));
    }

    #[test]
    fn decimal_comma_proves_vietnamese_and_decimal_point_english() {
        let (quantity, proves) = number("96,1");
        assert_eq!((quantity.value, quantity.decimals), (dec("96.1"), 1));
        assert_eq!(proves, Some(Convention::Vietnamese));

        let (quantity, proves) = number("96.1");
        assert_eq!((quantity.value, quantity.decimals), (dec("96.1"), 1));
        assert_eq!(proves, Some(Convention::English));

        let (quantity, proves) = number("1,234.5");
        assert_eq!((quantity.value, quantity.decimals), (dec("1234.5"), 1));
        assert_eq!(proves, Some(Convention::English));

        let (quantity, proves) = number("0,5");
        assert_eq!(quantity.value, dec("0.5"));
        assert_eq!(proves, Some(Convention::Vietnamese));
    }

    #[test]
    fn plain_digits_fit_both() {
        let (quantity, proves) = number("2491");
        assert_eq!((quantity.value, quantity.decimals), (dec("2491"), 0));
        assert_eq!(proves, None);

        let (quantity, proves) = number("1 845");
        assert_eq!(quantity.value, dec("1845"));
        assert_eq!(proves, None);

        let (quantity, _) = number("1\u{a0}845\u{202f}000");
        assert_eq!(quantity.value, dec("1845000"));
    }

    #[test]
    fn percent_is_a_fraction_with_two_more_decimals() {
        let (quantity, proves) = number("96,1%");
        assert_eq!(quantity.value, dec("0.961"));
        assert_eq!(quantity.decimals, 3);
        assert!(quantity.percent);
        assert_eq!(proves, Some(Convention::Vietnamese));

        let (quantity, _) = number("72,1 %");
        assert_eq!((quantity.value, quantity.decimals), (dec("0.721"), 3));
        let (quantity, _) = number("100%");
        assert_eq!((quantity.value, quantity.decimals), (dec("1"), 2));
    }

    #[test]
    fn signs_and_accounting_parentheses() {
        let (quantity, _) = number("-5");
        assert_eq!(quantity.value, dec("-5"));
        let (quantity, _) = number("- 5");
        assert_eq!(quantity.value, dec("-5"));
        let (quantity, _) = number("+12,5");
        assert_eq!(quantity.value, dec("12.5"));
        let (quantity, _) = number("−7");
        assert_eq!(quantity.value, dec("-7"));

        let (vietnamese, english, separator) = ambiguous("(1.234)");
        assert_eq!(
            (vietnamese.value, english.value),
            (dec("-1234"), dec("-1.234"))
        );
        assert_eq!(separator, '.');
        let resolved = resolve_text(&classify_text("(1.234)"), Convention::Vietnamese);
        assert!(matches!(resolved, Reading::Number(q) if q.value == dec("-1234")));

        let (quantity, proves) = number("(1.845.000) đồng");
        assert_eq!(quantity.value, dec("-1845000"));
        assert_eq!(proves, Some(Convention::Vietnamese));
    }

    #[test]
    fn units_are_dropped() {
        for (text, value) in [
            ("1.845 hồ sơ", "1845"),
            ("10.000đ", "10000"),
            ("10.000 VNĐ", "10000"),
            ("2.500.000 VND", "2500000"),
            ("12,5 triệu đồng", "12.5"),
            ("36 người", "36"),
        ] {
            let reading = resolve_text(&classify_text(text), Convention::Vietnamese);
            assert!(
                matches!(reading, Reading::Number(q) if q.value == dec(value)),
                "{text}: {reading:?}"
            );
        }
        // A long run of words after a number is a sentence, not a unit.
        assert_eq!(
            classify_text("5 hồ sơ đã được tiếp nhận"),
            TextShape::NotNumber
        );
    }

    #[test]
    fn words_around_numbers_are_not_numbers() {
        for text in [
            "Quý III năm 2022",
            "ngày 15 tháng 9 năm 2022",
            "15 tháng 9 năm 2022",
            "Tổng số 1.845",
            "1. Tổng số hồ sơ",
            "1.",
            "1.2.3",
            "12,",
            "2022-2023",
            "1/2",
            "I",
            "(1)",
            "1 Tổng số hồ sơ tiếp nhận",
            "1..2",
            "1  845",
            "abc",
            "--",
        ] {
            let shape = classify_text(text);
            let expected_not_number = text != "(1)";
            if expected_not_number {
                assert_eq!(shape, TextShape::NotNumber, "{text:?}");
            }
        }
        // The column-number row `(1) (2) (3)` reads as negatives, as accounting does; the
        // template layer excludes that row by position, not this function.
        assert!(
            matches!(classify_text("(1)"), TextShape::Number { quantity, .. } if quantity.value == dec("-1"))
        );
    }

    #[test]
    fn addresses_ordinals_phrases_and_codes_are_not_figures() {
        for text in [
            "180 Suffolk Street",
            "1189 WASHINGTON AVE",
            "115 PRECINCT VEHICLE UPGRADE",
            "45th Day",
            "9th",
            "1ST",
            "2DE",
            "3D SCANNERS",
            "2330B",
            "30 or less",
            "12 Months",
            "12 tháng",
            "15 ngày",
            "10 % reduction",
            "50 % allocation overall",
            "2.1 Nông nghiệp",
        ] {
            assert_eq!(classify_text(text), TextShape::NotNumber, "{text:?}");
        }
        // A code with a leading zero reads as a number, as Excel's VALUE reads it; whether
        // it is a figure is the table's to say (`check::textnum`).
        assert_eq!(number("0001").0.value, dec("1"));
    }

    #[test]
    fn units_as_offices_write_them() {
        for (text, value) in [
            ("1.845 hồ sơ", "1845"),
            ("1.845 Hồ sơ", "1845"),
            ("36 bệnh nhân", "36"),
            ("12 cơ quan", "12"),
            ("5.000 đồng/người", "5000"),
            ("10.000 ₫", "10000"),
            ("10.000₫", "10000"),
            ("2.500 USD", "2500"),
            ("7 tr.đ", "7"),
            ("15kg", "15"),
            ("1,250 people", "1250"),
        ] {
            let reading = resolve_text(&classify_text(text), Convention::Vietnamese);
            let english = resolve_text(&classify_text(text), Convention::English);
            assert!(
                [reading, english]
                    .iter()
                    .any(|r| matches!(r, Reading::Number(q) if q.value == dec(value))),
                "{text:?}"
            );
        }
    }

    #[test]
    fn number_formats_show_a_text_number_as_it_was_typed() {
        for (text, value, code) in [
            ("4.088", "4088", "#,##0"),
            ("203.566", "203566", "#,##0"),
            ("2491", "2491", "0"),
            ("96,1", "96.1", "0.0"),
            ("96.1", "96.1", "0.0"),
            ("1.234,50", "1234.50", "#,##0.00"),
            ("1,234.5", "1234.5", "#,##0.0"),
            ("96,1%", "0.961", "0.0%"),
            ("100%", "1", "0%"),
            ("72,1 %", "0.721", "0.0%"),
            ("24831569094.16", "24831569094.16", "0.00"),
            ("-7482835576.87", "-7482835576.87", "0.00"),
            ("1 845 000", "1845000", "#,##0"),
            ("19.961.000.000 đồng", "19961000000", "#,##0\" đồng\""),
            ("10.000đ", "10000", "#,##0\"đ\""),
            ("(1.234)", "-1234", "#,##0;(#,##0)"),
            (
                "(1.845.000) đồng",
                "-1845000",
                "#,##0\" đồng\";(#,##0)\" đồng\"",
            ),
        ] {
            assert_eq!(
                number_format_for_text(text, dec(value)).as_deref(),
                Some(code),
                "{text:?}"
            );
        }
        // Either reading of an ambiguous text, whichever the value is.
        assert_eq!(
            number_format_for_text("1.234", dec("1.234")).as_deref(),
            Some("0.000")
        );
        assert_eq!(
            number_format_for_text("1.234", dec("1234")).as_deref(),
            Some("#,##0")
        );
        assert_eq!(number_format_for_text("Cộng", dec("0")), None);
        assert_eq!(number_format_for_text("-", dec("0")), None);
    }

    #[test]
    fn codes_are_digit_strings_with_a_leading_zero() {
        for code in ["00", "01", "0001", "023224", "00,01", " 007 "] {
            assert!(is_code_text(code), "{code}");
        }
        for figure in ["0", "0,5", "0.25", "10", "1.845", "", "0a", "-01"] {
            assert!(!is_code_text(figure), "{figure}");
        }
    }

    #[test]
    fn ambiguous_texts_keep_both_readings() {
        let (vietnamese, english, separator) = ambiguous("1.234");
        assert_eq!((vietnamese.value, vietnamese.decimals), (dec("1234"), 0));
        assert_eq!((english.value, english.decimals), (dec("1.234"), 3));
        assert_eq!(separator, '.');

        let (vietnamese, english, separator) = ambiguous("1,234");
        assert_eq!((vietnamese.value, vietnamese.decimals), (dec("1.234"), 3));
        assert_eq!((english.value, english.decimals), (dec("1234"), 0));
        assert_eq!(separator, ',');

        let (vietnamese, english, _) = ambiguous("203.566");
        assert_eq!(
            (vietnamese.value, english.value),
            (dec("203566"), dec("203.566"))
        );
    }

    #[test]
    fn resolving_by_convention() {
        let shape = classify_text("1.234");
        assert!(
            matches!(resolve_text(&shape, Convention::Vietnamese), Reading::Number(q) if q.value == dec("1234"))
        );
        match resolve_text(&shape, Convention::English) {
            Reading::Ambiguous {
                primary,
                alternative,
            } => {
                assert_eq!(primary.value, dec("1.234"));
                assert_eq!(alternative.value, dec("1234"));
            }
            other => panic!("{other:?}"),
        }

        let shape = classify_text("1,234");
        assert!(
            matches!(resolve_text(&shape, Convention::English), Reading::Number(q) if q.value == dec("1234"))
        );
        match resolve_text(&shape, Convention::Vietnamese) {
            Reading::Ambiguous {
                primary,
                alternative,
            } => {
                assert_eq!(primary.value, dec("1.234"));
                assert_eq!(alternative.value, dec("1234"));
            }
            other => panic!("{other:?}"),
        }

        let shape = classify_text("203.566");
        assert!(
            matches!(resolve_text(&shape, Convention::Vietnamese), Reading::Number(q) if q.value == dec("203566"))
        );

        assert_eq!(
            resolve_text(&classify_text("Cộng"), Convention::Vietnamese),
            Reading::NotNumber
        );
        assert_eq!(
            resolve_text(&classify_text("x"), Convention::English),
            Reading::Marker(Marker::NotApplicable)
        );
        assert!(
            matches!(resolve_text(&classify_text("96,1"), Convention::English), Reading::Number(q) if q.value == dec("96.1"))
        );
    }

    fn quantity(value: &str, decimals: u32) -> Quantity {
        Quantity {
            value: dec(value),
            decimals,
            percent: false,
            from_text: false,
        }
    }

    #[test]
    fn intervals() {
        let shown = quantity("70.3", 1);
        assert_eq!(
            shown.interval(Rounding::Exact),
            Interval::point(dec("70.3"))
        );
        assert_eq!(
            shown.interval(Rounding::Nearest),
            Interval::new(dec("70.25"), dec("70.35"))
        );
        assert_eq!(
            shown.interval(Rounding::Truncate),
            Interval::new(dec("70.3"), dec("70.4"))
        );
        assert_eq!(
            shown.interval(Rounding::Either),
            Interval::new(dec("70.25"), dec("70.4"))
        );

        let negative = quantity("-70.3", 1);
        assert_eq!(
            negative.interval(Rounding::Truncate),
            Interval::new(dec("-70.4"), dec("-70.3"))
        );
        assert_eq!(
            negative.interval(Rounding::Either),
            Interval::new(dec("-70.4"), dec("-70.25"))
        );

        let whole = quantity("1845", 0);
        assert_eq!(
            whole.interval(Rounding::Nearest),
            Interval::new(dec("1844.5"), dec("1845.5"))
        );

        let (rate, _) = number("96,1%");
        assert_eq!(
            rate.interval(Rounding::Nearest),
            Interval::new(dec("0.9605"), dec("0.9615"))
        );

        // Precision beyond what Decimal represents is treated as exact rather than failing.
        let fine = quantity("1", 40);
        assert_eq!(fine.interval(Rounding::Nearest), Interval::point(dec("1")));
    }

    #[test]
    fn format_codes() {
        let cases: [(&str, Option<u32>, bool, bool); 20] = [
            ("General", None, false, false),
            ("", None, false, false),
            ("@", None, false, false),
            ("0", Some(0), false, false),
            ("#,##0", Some(0), false, false),
            ("#,##0.00", Some(2), false, false),
            ("0.0%", Some(1), true, false),
            ("0%", Some(0), true, false),
            ("#,##0.0_);[Red](#,##0.0)", Some(1), false, false),
            ("#,##0 \"đồng\"", Some(0), false, false),
            ("#,##0.00\" d.m.y %\"", Some(2), false, false),
            ("[$₫-42A] #,##0", Some(0), false, false),
            ("[Red]0.000", Some(3), false, false),
            ("0.00E+00", Some(2), false, false),
            ("\\%0.0", Some(1), false, false),
            ("dd/mm/yyyy", None, false, true),
            ("m/d/yy", None, false, true),
            ("[$-42A]dd/mm/yyyy", None, false, true),
            ("h:mm", None, false, true),
            ("[h]:mm:ss", None, false, true),
        ];
        for (code, decimals, percent, date) in cases {
            let info = format_info(code);
            assert_eq!(
                info,
                FormatInfo {
                    decimals,
                    percent,
                    date
                },
                "{code:?}"
            );
        }
        assert!(!format_info("_(* #,##0_);_(* (#,##0);_(* \"-\"_);_(@_)").date);
        assert_eq!(format_info("_(* #,##0.00_)").decimals, Some(2));
    }

    #[test]
    fn numeric_readings() {
        let percent = format_info("0.0%");
        let rate = numeric_reading(dec("0.961"), Some(&percent));
        assert_eq!(
            (rate.decimals, rate.percent, rate.from_text),
            (3, true, false)
        );

        let two = format_info("#,##0.00");
        assert_eq!(numeric_reading(dec("1845"), Some(&two)).decimals, 2);

        let general = format_info("General");
        assert_eq!(numeric_reading(dec("72.150"), Some(&general)).decimals, 2);
        assert_eq!(numeric_reading(dec("1845"), None).decimals, 0);
        let date = format_info("dd/mm/yyyy");
        assert_eq!(numeric_reading(dec("44819"), Some(&date)).decimals, 0);
    }

    #[test]
    fn formatting() {
        assert_eq!(
            format_number(dec("203566"), 0, Convention::Vietnamese),
            "203.566"
        );
        assert_eq!(
            format_number(dec("96.1"), 1, Convention::Vietnamese),
            "96,1"
        );
        assert_eq!(
            format_number(dec("19961000000"), 0, Convention::English),
            "19,961,000,000"
        );
        assert_eq!(
            format_number(dec("-1234.5"), 1, Convention::Vietnamese),
            "-1.234,5"
        );
        assert_eq!(
            format_number(dec("72.15"), 1, Convention::Vietnamese),
            "72,2"
        );
        assert_eq!(
            format_number(dec("-72.15"), 1, Convention::English),
            "-72.2"
        );
        assert_eq!(format_number(dec("5"), 2, Convention::English), "5.00");
        assert_eq!(format_number(dec("-0.004"), 2, Convention::English), "0.00");
        assert_eq!(format_number(dec("999"), 0, Convention::English), "999");
        assert_eq!(format_number(dec("1000"), 0, Convention::English), "1,000");

        let (rate, _) = number("96,1%");
        assert_eq!(format_quantity(&rate, Convention::Vietnamese), "96,1%");
        assert_eq!(format_quantity(&rate, Convention::English), "96.1%");
        assert_eq!(
            format_quantity(&quantity("1845", 0), Convention::Vietnamese),
            "1.845"
        );
    }

    fn any_decimal() -> impl Strategy<Value = Decimal> {
        (any::<i64>(), 0u32..8).prop_map(|(mantissa, scale)| Decimal::new(mantissa, scale))
    }

    fn any_convention() -> impl Strategy<Value = Convention> {
        prop_oneof![Just(Convention::Vietnamese), Just(Convention::English)]
    }

    proptest! {
        #[test]
        fn classify_never_panics(text in any::<String>()) {
            let _ = classify_text(&text);
            let _ = format_info(&text);
        }

        #[test]
        fn classify_never_panics_on_number_like_text(text in "[0-9.,% ()+\\-−xđ\u{a0}]{0,120}") {
            let _ = classify_text(&text);
            let _ = format_info(&text);
        }

        #[test]
        fn classify_never_panics_on_huge_text(digits in "[0-9]{1,3}", repeat in 1usize..5000) {
            let text = format!("{digits}.").repeat(repeat);
            let _ = classify_text(&text);
            let _ = format_info(&text);
        }

        #[test]
        fn formatted_numbers_read_back(value in any_decimal(), decimals in 0u32..4, convention in any_convention()) {
            let rounded = value.round_dp_with_strategy(decimals, RoundingStrategy::MidpointAwayFromZero);
            let text = format_number(value, decimals, convention);
            let read = match resolve_text(&classify_text(&text), convention) {
                Reading::Number(quantity) => quantity,
                Reading::Ambiguous { primary, .. } => *primary,
                other => return Err(TestCaseError::fail(format!("{text:?} read as {other:?}"))),
            };
            prop_assert_eq!(read.value, rounded, "{}", text);
            prop_assert_eq!(read.decimals, decimals, "{}", text);
        }
    }
}
