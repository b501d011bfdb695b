//! Dates and reporting periods as report text writes them: Excel date serials, dates in
//! text (`15/9/2022`, `ngày 15 tháng 9 năm 2022`), and the period a report covers
//! (`Quý III năm 2022`, `6 tháng đầu năm 2022`, `từ ngày 15/6/2022 đến ngày 14/9/2022`).
//!
//! Text is folded first (lower case, Vietnamese diacritics removed), so `QUÝ III NĂM 2022`
//! and `quy 3 nam 2022` read alike.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use crate::model::Date;

/// The last serial Excel shows as a date (31/12/9999 in the 1900 system).
const MAX_SERIAL_1900: i64 = 2_958_465;

/// The calendar date of an Excel date serial (the time of day, the fraction, is dropped).
///
/// In the 1900 system (`is_1904 == false`) serial 1 is 1/1/1900 and Excel's leap-year bug
/// is honoured: serial 60 is the non-existent 29/2/1900 (→ `None`) and serials from 61 on
/// are one day behind a true count. In the 1904 system serial 0 is 1/1/1904.
///
/// Returns `None` for serials that are no calendar date: below 1 (a time of day) in the
/// 1900 system, negative in the 1904 system, 60 in the 1900 system, or past year 9999.
///
/// ```
/// use crossfoot::{date_from_serial, Date};
/// use rust_decimal::Decimal;
/// let date = date_from_serial(Decimal::new(44819, 0), false);
/// assert_eq!(date, Some(Date { year: 2022, month: 9, day: 15 }));
/// ```
pub fn date_from_serial(serial: Decimal, is_1904: bool) -> Option<Date> {
    let whole_days = serial.floor().to_i64()?;
    let days_since_epoch = if is_1904 {
        if whole_days < 0 {
            return None;
        }
        days_from_civil(1904, 1, 1).checked_add(whole_days)?
    } else {
        match whole_days {
            ..=0 => return None,
            60 => return None, // 29/2/1900, which Excel believes in
            1..=59 => days_from_civil(1899, 12, 31).checked_add(whole_days)?,
            _ => days_from_civil(1899, 12, 30).checked_add(whole_days)?,
        }
    };
    let limit = if is_1904 {
        MAX_SERIAL_1900.checked_sub(1462)?
    } else {
        MAX_SERIAL_1900
    };
    if whole_days > limit {
        return None;
    }
    Some(civil_from_days(i32::try_from(days_since_epoch).ok()?))
}

/// Days since 1/1/1970 of a proleptic Gregorian date (H. Hinnant's algorithm).
// Widened from i32 and u32, every intermediate stays below 2^45 in magnitude.
#[allow(clippy::arithmetic_side_effects)]
pub(crate) fn days_from_civil(year: i32, month: u32, day: u32) -> i64 {
    let (year, month, day) = (i64::from(year), i64::from(month), i64::from(day));
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12; // March = 0
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date `days` days after 1/1/1970.
// Widened from i32, every intermediate stays below 2^42 in magnitude.
#[allow(clippy::arithmetic_side_effects)]
fn civil_from_days(days: i32) -> Date {
    let days = i64::from(days);
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    Date {
        year: i32::try_from(year).unwrap_or(i32::MAX),
        month: u32::try_from(month).unwrap_or(1),
        day: u32::try_from(day).unwrap_or(1),
    }
}

fn is_leap_year(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// A validated date: year 1000–9999, a real month and a day that month has.
fn valid_date(year: u32, month: u32, day: u32) -> Option<Date> {
    let year = i32::try_from(year)
        .ok()
        .filter(|y| (1000..=9999).contains(y))?;
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    Some(Date { year, month, day })
}

/// The dates written in a text, in the order they appear: `15/9/2022`, `15-09-2022`,
/// `15.09.2022`, `2022-09-15`, `ngày 15 tháng 9 năm 2022`. Day and month are validated
/// (`31/2/2022` is no date); years have four digits.
///
/// ```
/// use crossfoot::{dates_in_text, Date};
/// let dates = dates_in_text("Đồng Tháp, ngày 15 tháng 9 năm 2022");
/// assert_eq!(dates, vec![Date { year: 2022, month: 9, day: 15 }]);
/// ```
pub fn dates_in_text(text: &str) -> Vec<Date> {
    let tokens = tokenize(text);
    find_dates(&tokens)
        .into_iter()
        .map(|found| found.date)
        .collect()
}

/// The period a report covers, from its first to its last day (both included).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Period {
    /// First day of the period.
    pub from: Date,
    /// Last day of the period.
    pub to: Date,
}

/// The reporting period a text names, if any.
///
/// In order of precedence: an explicit range (`từ ngày 15/6/2022 đến ngày 14/9/2022`); a
/// quarter (`Quý III năm 2022`, `quý 3 năm 2022`, `Q3 2022`, `Quarter 3, 2022`); the first
/// or last months of a year (`6 tháng đầu năm 2022`, `9 tháng năm 2022`, `6 tháng cuối năm
/// 2022`); a month (`tháng 9 năm 2022`, `tháng 9/2022`); a year (`năm 2022`, `year 2022`).
/// A single date (`Đồng Tháp, ngày 15 tháng 9 năm 2022`, the signature line) names no
/// period. Case and diacritics do not matter.
///
/// ```
/// use crossfoot::{period_in_text, Date, Period};
/// let quarter = period_in_text("BÁO CÁO QUÝ III NĂM 2022");
/// assert_eq!(quarter, Some(Period {
///     from: Date { year: 2022, month: 7, day: 1 },
///     to: Date { year: 2022, month: 9, day: 30 },
/// }));
/// assert_eq!(period_in_text("Người lập biểu"), None);
/// ```
pub fn period_in_text(text: &str) -> Option<Period> {
    let tokens = tokenize(text);
    let dates = find_dates(&tokens);
    if let Some(range) = explicit_range(&tokens, &dates) {
        return Some(range);
    }
    // Words inside a full date (`ngày 15 tháng 9 năm 2022`) are not a period.
    let mut in_date = vec![false; tokens.len()];
    for found in &dates {
        for flag in in_date.iter_mut().take(found.end).skip(found.start) {
            *flag = true;
        }
    }
    let free: Vec<Token> = tokens
        .iter()
        .zip(&in_date)
        .map(|(token, inside)| {
            if *inside {
                Token {
                    kind: Kind::Other(' '),
                    spaced: true,
                }
            } else {
                token.clone()
            }
        })
        .collect();
    let finders: [PeriodAt; 4] = [quarter_at, months_of_year_at, month_at, year_at];
    finders
        .iter()
        .find_map(|finder| (0..free.len()).find_map(|index| finder(&free, index)))
}

/// A period pattern tried at one token position.
type PeriodAt = fn(&[Token], usize) -> Option<Period>;

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    /// A run of ASCII digits.
    Digits(String),
    /// A run of letters, folded to lower case without diacritics.
    Word(String),
    /// Any other character but white space.
    Other(char),
}

#[derive(Debug, Clone, PartialEq)]
struct Token {
    kind: Kind,
    /// White space separates this token from the previous one.
    spaced: bool,
}

impl Token {
    fn digits(&self) -> Option<&str> {
        match &self.kind {
            Kind::Digits(digits) => Some(digits),
            _ => None,
        }
    }

    /// The number of a digit run of `min..=max` digits.
    fn number(&self, min: usize, max: usize) -> Option<u32> {
        let digits = self.digits()?;
        if (min..=max).contains(&digits.len()) {
            digits.parse().ok()
        } else {
            None
        }
    }

    fn is_word(&self, words: &[&str]) -> bool {
        matches!(&self.kind, Kind::Word(word) if words.contains(&word.as_str()))
    }

    fn is_other(&self, chars: &[char]) -> bool {
        matches!(&self.kind, Kind::Other(c) if chars.contains(c))
    }
}

/// Vietnamese letters with their diacritics, by base letter.
const DIACRITIC_FOLDS: [(char, &str); 7] = [
    ('a', "àáảãạăằắẳẵặâầấẩẫậ"),
    ('e', "èéẻẽẹêềếểễệ"),
    ('i', "ìíỉĩị"),
    ('o', "òóỏõọôồốổỗộơờớởỡợ"),
    ('u', "ùúủũụưừứửữự"),
    ('y', "ỳýỷỹỵ"),
    ('d', "đ"),
];

/// Folds one lower-case character: Vietnamese letters lose their diacritics; combining
/// marks (text in decomposed form) vanish.
fn fold_char(c: char) -> Option<char> {
    if ('\u{300}'..='\u{36f}').contains(&c) {
        return None;
    }
    let base = DIACRITIC_FOLDS
        .iter()
        .find(|(_, variants)| variants.contains(c))
        .map_or(c, |(base, _)| *base);
    Some(base)
}

fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens: Vec<Token> = Vec::new();
    let mut spaced = false;
    for c in text
        .chars()
        .flat_map(char::to_lowercase)
        .filter_map(fold_char)
    {
        if c.is_whitespace() {
            spaced = true;
            continue;
        }
        let extends = |token: &mut Token| match &mut token.kind {
            Kind::Digits(run) if c.is_ascii_digit() => {
                run.push(c);
                true
            }
            Kind::Word(run) if c.is_alphabetic() => {
                run.push(c);
                true
            }
            _ => false,
        };
        if !spaced && tokens.last_mut().is_some_and(extends) {
            continue;
        }
        let kind = if c.is_ascii_digit() {
            Kind::Digits(c.to_string())
        } else if c.is_alphabetic() {
            Kind::Word(c.to_string())
        } else {
            Kind::Other(c)
        };
        tokens.push(Token { kind, spaced });
        spaced = false;
    }
    tokens
}

/// A date found in the tokens `start..end`.
struct FoundDate {
    date: Date,
    start: usize,
    end: usize,
}

fn find_dates(tokens: &[Token]) -> Vec<FoundDate> {
    let mut found = Vec::new();
    let mut index = 0;
    while index < tokens.len() {
        match date_at(tokens, index) {
            Some((date, end)) => {
                found.push(FoundDate {
                    date,
                    start: index,
                    end,
                });
                index = end;
            }
            None => index = index.saturating_add(1),
        }
    }
    found
}

/// A date starting at token `index`, with the index just past it.
fn date_at(tokens: &[Token], index: usize) -> Option<(Date, usize)> {
    let window = tokens.get(index..)?;
    // `15/9/2022`, `15-09-2022`, `15.09.2022`, `2022-09-15`: no spaces inside.
    if let [first, sep1, second, sep2, third, ..] = window {
        let tight = !sep1.spaced && !second.spaced && !sep2.spaced && !third.spaced;
        let same_separator = matches!((&sep1.kind, &sep2.kind),
            (Kind::Other(a), Kind::Other(b)) if a == b && matches!(a, '/' | '-' | '.'));
        if tight && same_separator {
            let end = index.checked_add(5)?;
            if let (Some(day), Some(month), Some(year)) =
                (first.number(1, 2), second.number(1, 2), third.number(4, 4))
            {
                if let Some(date) = valid_date(year, month, day) {
                    return Some((date, end));
                }
            }
            if let (Some(year), Some(month), Some(day)) =
                (first.number(4, 4), second.number(1, 2), third.number(1, 2))
            {
                if let Some(date) = valid_date(year, month, day) {
                    return Some((date, end));
                }
            }
        }
    }
    // `ngày 15 tháng 9 năm 2022`
    if let [day_word, day, month_word, month, year_word, year, ..] = window {
        if day_word.is_word(&["ngay"])
            && month_word.is_word(&["thang"])
            && year_word.is_word(&["nam"])
        {
            let date = valid_date(year.number(4, 4)?, month.number(1, 2)?, day.number(1, 2)?)?;
            return Some((date, index.checked_add(6)?));
        }
    }
    None
}

/// Two dates joined by `đến`, `to`, `-`: the range they span.
fn explicit_range(tokens: &[Token], dates: &[FoundDate]) -> Option<Period> {
    dates.windows(2).find_map(|pair| {
        let [first, second] = pair else {
            return None;
        };
        let between = tokens.get(first.end..second.start)?;
        let joined = between.iter().any(|token| {
            token.is_word(&["den", "to", "toi", "until"]) || token.is_other(&['-', '–', '—'])
        });
        let only_joiners = between.iter().all(|token| {
            token.is_word(&["den", "to", "toi", "until", "ngay"])
                || token.is_other(&['-', '–', '—'])
        });
        (joined && only_joiners && first.date <= second.date).then_some(Period {
            from: first.date,
            to: second.date,
        })
    })
}

/// A year written after a period word: `năm 2022`, `, 2022`, `/2022`, `2022`.
fn year_after(tokens: &[Token], index: usize) -> Option<i32> {
    let mut position = index;
    for _ in 0..2 {
        let token = tokens.get(position)?;
        if token.is_word(&["nam", "year", "of"]) || token.is_other(&[',', '/', '-', '.']) {
            position = position.checked_add(1)?;
        } else {
            break;
        }
    }
    let year = tokens.get(position)?.number(4, 4)?;
    i32::try_from(year)
        .ok()
        .filter(|y| (1000..=9999).contains(y))
}

fn months(year: i32, first_month: u32, last_month: u32) -> Option<Period> {
    let from = valid_date(u32::try_from(year).ok()?, first_month, 1)?;
    let last_day = days_in_month(year, last_month);
    let to = valid_date(u32::try_from(year).ok()?, last_month, last_day)?;
    Some(Period { from, to })
}

fn roman_or_digit(token: &Token) -> Option<u32> {
    match &token.kind {
        Kind::Word(word) => match word.as_str() {
            "i" => Some(1),
            "ii" => Some(2),
            "iii" => Some(3),
            "iv" => Some(4),
            _ => None,
        },
        Kind::Digits(_) => token.number(1, 1),
        Kind::Other(_) => None,
    }
}

/// `Quý III năm 2022`, `quý 3/2022`, `Q3 2022`, `Quarter 3, 2022`.
fn quarter_at(tokens: &[Token], index: usize) -> Option<Period> {
    let word = tokens.get(index)?;
    if !word.is_word(&["quy", "q", "quarter"]) {
        return None;
    }
    let quarter = roman_or_digit(tokens.get(index.checked_add(1)?)?)?;
    if !(1..=4).contains(&quarter) {
        return None;
    }
    let year = year_after(tokens, index.checked_add(2)?)?;
    let last_month = quarter.checked_mul(3)?;
    months(year, last_month.checked_sub(2)?, last_month)
}

/// `6 tháng đầu năm 2022`, `9 tháng năm 2022`, `6 tháng cuối năm 2022`.
fn months_of_year_at(tokens: &[Token], index: usize) -> Option<Period> {
    let count = tokens.get(index)?.number(1, 2)?;
    if !(1..=12).contains(&count) || !tokens.get(index.checked_add(1)?)?.is_word(&["thang"]) {
        return None;
    }
    let next = index.checked_add(2)?;
    let (last, year_from) = match tokens.get(next)? {
        token if token.is_word(&["dau"]) => (false, next.checked_add(1)?),
        token if token.is_word(&["cuoi"]) => (true, next.checked_add(1)?),
        token if token.is_word(&["nam"]) => (false, next),
        _ => return None,
    };
    if !tokens.get(year_from)?.is_word(&["nam"]) {
        return None;
    }
    let year = year_after(tokens, year_from)?;
    if last {
        months(year, 13u32.checked_sub(count)?, 12)
    } else {
        months(year, 1, count)
    }
}

/// `tháng 9 năm 2022`, `tháng 9/2022`.
fn month_at(tokens: &[Token], index: usize) -> Option<Period> {
    if !tokens.get(index)?.is_word(&["thang", "month"]) {
        return None;
    }
    let month = tokens.get(index.checked_add(1)?)?.number(1, 2)?;
    let year = year_after(tokens, index.checked_add(2)?)?;
    months(year, month, month)
}

/// `năm 2022`, `year 2022`.
fn year_at(tokens: &[Token], index: usize) -> Option<Period> {
    if !tokens.get(index)?.is_word(&["nam", "year"]) {
        return None;
    }
    let year = tokens.get(index.checked_add(1)?)?.number(4, 4)?;
    months(i32::try_from(year).ok()?, 1, 12)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn date(day: u32, month: u32, year: i32) -> Date {
        Date { year, month, day }
    }

    fn period(from: Date, to: Date) -> Option<Period> {
        Some(Period { from, to })
    }

    #[test]
    fn serials_in_the_1900_system() {
        let serial = |n: i64| date_from_serial(Decimal::new(n, 0), false);
        assert_eq!(serial(1), Some(date(1, 1, 1900)));
        assert_eq!(serial(59), Some(date(28, 2, 1900)));
        assert_eq!(serial(60), None); // Excel's 29/2/1900
        assert_eq!(serial(61), Some(date(1, 3, 1900)));
        assert_eq!(serial(44819), Some(date(15, 9, 2022)));
        assert_eq!(serial(2_958_465), Some(date(31, 12, 9999)));
        assert_eq!(serial(2_958_466), None);
        assert_eq!(serial(0), None);
        assert_eq!(serial(-5), None);
        // The time of day is dropped.
        assert_eq!(
            date_from_serial(Decimal::new(4_481_975, 2), false),
            Some(date(15, 9, 2022))
        );
        assert_eq!(date_from_serial(Decimal::new(5, 1), false), None);
        assert_eq!(date_from_serial(Decimal::MAX, false), None);
    }

    #[test]
    fn serials_in_the_1904_system() {
        let serial = |n: i64| date_from_serial(Decimal::new(n, 0), true);
        assert_eq!(serial(0), Some(date(1, 1, 1904)));
        assert_eq!(serial(43357), Some(date(15, 9, 2022)));
        assert_eq!(serial(-1), None);
        assert_eq!(serial(2_957_003), Some(date(31, 12, 9999)));
        assert_eq!(serial(2_957_004), None);
    }

    #[test]
    fn dates_in_numeric_forms() {
        for text in [
            "15/9/2022",
            "15-09-2022",
            "15.09.2022",
            "2022-09-15",
            "ngày 15/9/2022",
        ] {
            assert_eq!(dates_in_text(text), vec![date(15, 9, 2022)], "{text}");
        }
        assert_eq!(dates_in_text("31/2/2022"), vec![]);
        assert_eq!(dates_in_text("29/2/2024"), vec![date(29, 2, 2024)]);
        assert_eq!(dates_in_text("29/2/2023"), vec![]);
        assert_eq!(dates_in_text("13/13/2022"), vec![]);
        // Numbers are not dates.
        assert_eq!(dates_in_text("1.592.022"), vec![]);
        assert_eq!(dates_in_text("203.566 hồ sơ"), vec![]);
        assert_eq!(dates_in_text("15 / 9 / 2022"), vec![]);
    }

    #[test]
    fn dates_in_words() {
        assert_eq!(
            dates_in_text("Đồng Tháp, ngày 15 tháng 9 năm 2022"),
            vec![date(15, 9, 2022)]
        );
        assert_eq!(
            dates_in_text("ĐỒNG THÁP, NGÀY 15 THÁNG 09 NĂM 2022"),
            vec![date(15, 9, 2022)]
        );
        // Decomposed diacritics (NFD) fold too.
        assert_eq!(
            dates_in_text("nga\u{300}y 1 tha\u{301}ng 7 na\u{306}m 2022"),
            vec![date(1, 7, 2022)]
        );
        assert_eq!(
            dates_in_text("từ ngày 15/6/2022 đến ngày 14/9/2022"),
            vec![date(15, 6, 2022), date(14, 9, 2022)]
        );
        assert_eq!(dates_in_text("ngày 31 tháng 4 năm 2022"), vec![]);
        assert_eq!(dates_in_text("Người lập biểu"), vec![]);
    }

    #[test]
    fn explicit_ranges_win() {
        assert_eq!(
            period_in_text("Số liệu từ ngày 15/6/2022 đến ngày 14/9/2022 (Quý III năm 2022)"),
            period(date(15, 6, 2022), date(14, 9, 2022))
        );
        assert_eq!(
            period_in_text("từ ngày 15 tháng 6 năm 2022 đến ngày 14 tháng 9 năm 2022"),
            period(date(15, 6, 2022), date(14, 9, 2022))
        );
        assert_eq!(
            period_in_text("15/6/2022 - 14/9/2022"),
            period(date(15, 6, 2022), date(14, 9, 2022))
        );
    }

    #[test]
    fn quarters() {
        let third = period(date(1, 7, 2022), date(30, 9, 2022));
        for text in [
            "Quý III năm 2022",
            "QUÝ III NĂM 2022",
            "quý 3 năm 2022",
            "Quy III/2022",
            "Q3 2022",
            "Q3/2022",
            "Quarter 3, 2022",
            "BÁO CÁO Kết quả công tác cải cách hành chính Quý III năm 2022",
        ] {
            assert_eq!(period_in_text(text), third, "{text}");
        }
        assert_eq!(
            period_in_text("Quý I năm 2024"),
            period(date(1, 1, 2024), date(31, 3, 2024))
        );
        assert_eq!(
            period_in_text("Quý IV năm 2022"),
            period(date(1, 10, 2022), date(31, 12, 2022))
        );
    }

    #[test]
    fn months_of_a_year() {
        assert_eq!(
            period_in_text("6 tháng đầu năm 2022"),
            period(date(1, 1, 2022), date(30, 6, 2022))
        );
        assert_eq!(
            period_in_text("Báo cáo 9 tháng năm 2022"),
            period(date(1, 1, 2022), date(30, 9, 2022))
        );
        assert_eq!(
            period_in_text("6 tháng cuối năm 2022"),
            period(date(1, 7, 2022), date(31, 12, 2022))
        );
        assert_eq!(
            period_in_text("tháng 9 năm 2022"),
            period(date(1, 9, 2022), date(30, 9, 2022))
        );
        assert_eq!(
            period_in_text("Tháng 2/2024"),
            period(date(1, 2, 2024), date(29, 2, 2024))
        );
    }

    #[test]
    fn years() {
        let whole = period(date(1, 1, 2022), date(31, 12, 2022));
        assert_eq!(period_in_text("năm 2022"), whole);
        assert_eq!(period_in_text("Kế hoạch năm 2022"), whole);
        assert_eq!(period_in_text("year 2022"), whole);
    }

    #[test]
    fn no_period() {
        for text in [
            "",
            "Người lập biểu",
            "Đồng Tháp, ngày 15 tháng 9 năm 2022",
            "ngày 15/9/2022",
            "Tổng số hồ sơ 203.566",
            "Quý V/2022",
            "tháng 13/2022",
            "năm 22",
        ] {
            assert_eq!(period_in_text(text), None, "{text}");
        }
    }

    proptest! {
        #[test]
        fn never_panics(text in any::<String>()) {
            let _ = dates_in_text(&text);
            let _ = period_in_text(&text);
        }

        #[test]
        fn never_panics_on_date_like_text(text in "([0-9]{1,5}[/.\\- ]|ngày |tháng |năm |quý |Q|III |đến ){0,40}") {
            let _ = dates_in_text(&text);
            let _ = period_in_text(&text);
        }

        #[test]
        fn serials_never_panic(mantissa in any::<i64>(), scale in 0u32..10, is_1904 in any::<bool>()) {
            let _ = date_from_serial(Decimal::new(mantissa, scale), is_1904);
        }

        #[test]
        fn serials_round_trip_through_text(serial in 61i64..2_958_465) {
            let date = date_from_serial(Decimal::new(serial, 0), false);
            prop_assert!(date.is_some());
            if let Some(date) = date {
                let text = format!("{}/{}/{}", date.day, date.month, date.year);
                prop_assert_eq!(dates_in_text(&text), vec![date]);
            }
        }
    }
}
