//! The checks every file gets, template or not: numbers stored as text, ambiguous text
//! numbers, stale formula values, and dates outside the period the title states.

use crate::codes;
use crate::finding::{Applicability, Edit, Finding, Fix, Message, Severity};
use crate::layout::{data_cells, Layout};
use crate::model::{CellRef, Date, Sheet, Value, Workbook};
use crate::number::{format_quantity, Convention, Reading};
use crate::period::{dates_in_text, period_in_text, Period};
use crate::recalc::{RecalcOutcome, Recomputed};

use super::shown::{for_messages, show_eval, show_value};
use super::textnum::TextFigures;
use super::BrokenByStale;

/// Numbers typed as text: one finding per sheet naming every text figure (codes, years,
/// column numbers and the like left out, see [`TextFigures`]), its example a figure a
/// total needs. Its fix turns each into a number (the corrected workbook gives each a
/// number format that shows it as it was typed), so the office's own SUMs count them.
pub(crate) fn text_numbers(
    sheet: &Sheet,
    figures: &TextFigures<'_>,
    convention: Convention,
) -> Option<Finding> {
    let example = figures
        .cells
        .get(figures.example)
        .or_else(|| figures.cells.first())?;
    let Reading::Number(q) = &example.reading else {
        return None;
    };
    let typed = example
        .value
        .as_text()
        .unwrap_or_default()
        .trim()
        .to_string();
    let read = format_quantity(q, convention);
    let count = figures.cells.len();
    let edits = figures
        .cells
        .iter()
        .filter_map(|cell| {
            let Reading::Number(quantity) = &cell.reading else {
                return None;
            };
            Some(Edit {
                cell: cell.at,
                value: quantity.value,
                shown: cell.value.as_text()?.trim().to_string(),
            })
        })
        .collect();
    Some(Finding {
        code: codes::TEXT_NUMBER,
        severity: Severity::Info,
        sheet: sheet.name.clone(),
        cell: example.at,
        cells: figures
            .cells
            .iter()
            .map(|c| c.at)
            .filter(|at| *at != example.at)
            .collect(),
        message: Message::new(
            format!("{count} ô chứa số dạng văn bản (như {} \"{typed}\", đọc là {}); Excel không cộng được các ô này", example.at, for_messages(&read, convention).0),
            format!("{count} cells hold numbers stored as text (like {} \"{typed}\", read as {}); Excel cannot add them", example.at, for_messages(&read, convention).1),
        ),
        expected: None,
        actual: Some(typed),
        fix: Some(Fix {
            edits,
            reason: Message::new(
                "số dạng văn bản chuyển thành số, hiển thị như đã gõ",
                "numbers stored as text made numbers, shown as typed",
            ),
            applicability: Applicability::Safe,
        }),
        related: Vec::new(),
    })
}

/// Text numbers with two readings: one finding per cell.
pub(crate) fn ambiguous_numbers(
    sheet: &Sheet,
    layout: Option<&Layout>,
    convention: Convention,
) -> Vec<Finding> {
    data_cells(sheet, layout)
        .filter_map(|cell| {
            let Reading::Ambiguous {
                primary,
                alternative,
            } = &cell.reading
            else {
                return None;
            };
            let typed = cell.value.as_text().unwrap_or_default().trim().to_string();
            let (p, a) = (format_quantity(primary, convention), format_quantity(alternative, convention));
            let ((p_vi, p_en), (a_vi, a_en)) = (for_messages(&p, convention), for_messages(&a, convention));
            Some(Finding {
                code: codes::AMBIGUOUS_NUMBER,
                severity: Severity::Warning,
                sheet: sheet.name.clone(),
                cell: cell.at,
                cells: Vec::new(),
                message: Message::new(
                    format!("\"{typed}\" có hai cách đọc: {p_vi} (quy ước của tệp, đang dùng) hoặc {a_vi}; hãy ghi rõ"),
                    format!("\"{typed}\" reads two ways: {p_en} (the file's convention, used) or {a_en}; please write it unambiguously"),
                ),
                expected: None,
                actual: Some(typed),
                // Left as text in the corrected workbook, with this proposal on it.
                fix: Some(Fix {
                    edits: vec![Edit {
                        cell: cell.at,
                        value: primary.value,
                        shown: p.clone(),
                    }],
                    reason: Message::new(
                        "đọc theo quy ước số của tệp; hãy xác nhận rồi gõ lại thành số",
                        "read in the file's number convention; confirm it and type it as a number",
                    ),
                    applicability: Applicability::NeedsReview,
                }),
                related: Vec::new(),
            })
        })
        .collect()
}

/// Formulas whose saved value differs from what Excel computes: one finding a stale cell,
/// with the relations its saved value breaks (`broken`) folded in.
pub(crate) fn stale_formulas(
    workbook: &Workbook,
    sheet_index: usize,
    recomputed: &[Recomputed],
    broken: &BrokenByStale,
) -> Vec<Finding> {
    let Some(sheet) = workbook.sheets.get(sheet_index) else {
        return Vec::new();
    };
    recomputed
        .iter()
        .filter(|r| r.sheet == sheet_index)
        .filter_map(|r| {
            let RecalcOutcome::Stale { cached, computed } = &r.outcome else {
                return None;
            };
            let cell = sheet.cell(r.cell);
            let formula = cell.and_then(|c| c.formula.clone()).unwrap_or_default();
            let expected = show_eval(computed, cell, workbook.convention);
            let actual = show_value(cached, cell, workbook.convention);
            let (expected_vi, expected_en) = for_messages(&expected, workbook.convention);
            let (actual_vi, actual_en) = for_messages(&actual, workbook.convention);
            let fix = match computed {
                crate::formula::EvalValue::Number(n) if n.lo == n.hi => Some(Fix {
                    edits: vec![Edit {
                        cell: r.cell,
                        value: n.lo,
                        shown: expected.clone(),
                    }],
                    reason: Message::new(
                        "tính lại công thức",
                        "recalculate the formula",
                    ),
                    applicability: Applicability::Safe,
                }),
                _ => None,
            };
            let relations = broken.get(&r.cell).map(Vec::as_slice).unwrap_or_default();
            let mut cells: Vec<_> = relations.iter().flat_map(|(_, cells)| cells.iter().copied()).collect();
            cells.sort();
            cells.dedup();
            let (vi_broken, en_broken) = if relations.is_empty() {
                (String::new(), String::new())
            } else {
                let list = |pick: fn(&Message) -> &str| {
                    relations.iter().map(|(m, _)| pick(m)).collect::<Vec<_>>().join("; ")
                };
                (
                    format!("; với giá trị lưu sẵn, các quan hệ sau không thỏa: {} (chúng thỏa với {expected_vi})", list(|m| &m.vi)),
                    format!("; with the saved value these relations do not hold: {} (they hold with {expected_en})", list(|m| &m.en)),
                )
            };
            Some(Finding {
                code: codes::STALE_FORMULA,
                severity: Severity::Error,
                sheet: sheet.name.clone(),
                cell: r.cell,
                cells,
                message: Message::new(
                    format!("Công thức ={formula} lưu giá trị {actual_vi} nhưng Excel tính ra {expected_vi}: tệp chưa được tính lại trước khi lưu{vi_broken}"),
                    format!("Formula ={formula} saves {actual_en} but Excel computes {expected_en}: the file was saved without recalculating{en_broken}"),
                ),
                expected: Some(expected),
                actual: Some(actual),
                fix,
                related: Vec::new(),
            })
        })
        .collect()
}

/// What the recalculation could not settle, once per file: formulas it could not
/// recompute (links to other workbooks, functions not implemented), whose saved values
/// stand; and saved values that are placeholders for Excel to replace.
pub(crate) fn recalculation_notes(workbook: &Workbook, recomputed: &[Recomputed]) -> Vec<Finding> {
    let mut notes = Vec::new();
    let at = |r: &Recomputed| {
        workbook
            .sheets
            .get(r.sheet)
            .map(|s| s.name.clone())
            .unwrap_or_default()
    };
    let not_recomputed: Vec<(&Recomputed, &str)> = recomputed
        .iter()
        .filter_map(|r| match &r.outcome {
            RecalcOutcome::NotRecomputed(why) => Some((r, why.as_str())),
            _ => None,
        })
        .collect();
    if let Some((first, _)) = not_recomputed.first() {
        let (vi_why, en_why) = reasons_not_recomputed(not_recomputed.iter().map(|(_, why)| *why));
        let count = not_recomputed.len();
        notes.push(Finding {
            code: codes::NOT_RECOMPUTED,
            severity: Severity::Info,
            sheet: at(first),
            cell: first.cell,
            cells: not_recomputed.iter().skip(1).filter(|(r, _)| r.sheet == first.sheet).map(|(r, _)| r.cell).collect(),
            message: Message::new(
                format!("{count} công thức không tính lại được ở đây ({vi_why}); giá trị lưu sẵn của chúng được dùng như nó là"),
                format!("{count} formulas cannot be recomputed here ({en_why}); their saved values are used as they are"),
            ),
            expected: None,
            actual: None,
            fix: None,
            related: Vec::new(),
        });
    }
    let placeholders: Vec<(&Recomputed, &Value, &crate::formula::EvalValue)> = recomputed
        .iter()
        .filter_map(|r| match &r.outcome {
            RecalcOutcome::Placeholder { saved, computed } => Some((r, saved, computed)),
            _ => None,
        })
        .collect();
    if let Some((first, saved, computed)) = placeholders.first() {
        let cell = workbook
            .sheets
            .get(first.sheet)
            .and_then(|s| s.cell(first.cell));
        let shows = show_eval(computed, cell, workbook.convention);
        let (shows_vi, shows_en) = for_messages(&shows, workbook.convention);
        let saved_text = match saved {
            Value::Empty => ("không có giá trị".to_string(), "no value".to_string()),
            other => {
                let shown = show_value(other, cell, workbook.convention);
                let (vi, en) = for_messages(&shown, workbook.convention);
                (format!("lưu {vi}"), format!("saved {en}"))
            }
        };
        let count = placeholders.len();
        notes.push(Finding {
            code: codes::PLACEHOLDER_VALUES,
            severity: Severity::Info,
            sheet: at(first),
            cell: first.cell,
            cells: placeholders.iter().skip(1).filter(|(r, _, _)| r.sheet == first.sheet).map(|(r, _, _)| r.cell).collect(),
            message: Message::new(
                format!("{count} công thức chỉ lưu giá trị giữ chỗ (như {} {}, Excel sẽ hiện {shows_vi}): Excel tính lại khi mở tệp, và crossfoot đã kiểm tra số Excel sẽ hiện; chương trình đọc giá trị lưu sẵn (phần mềm nhập liệu, SheetJS, pandas) sẽ thấy giá trị giữ chỗ", first.cell, saved_text.0),
                format!("{count} formulas hold placeholders, not results (like {} {}, where Excel shows {shows_en}): Excel recalculates them when it opens the file, and crossfoot checked the figures Excel will show; a program that reads saved values (an importer, SheetJS, pandas) sees the placeholders", first.cell, saved_text.1),
            ),
            expected: Some(shows),
            actual: None,
            fix: None,
            related: Vec::new(),
        });
    }
    notes
}

/// Why formulas were not recomputed, in both languages, grouped: links to other
/// workbooks, functions not implemented (by name), formulas the parser does not read,
/// and the first few other reasons.
fn reasons_not_recomputed<'w>(whys: impl Iterator<Item = &'w str>) -> (String, String) {
    let (mut links, mut unparsed) = (false, false);
    let (mut functions, mut others): (Vec<&str>, Vec<&str>) = (Vec::new(), Vec::new());
    for why in whys {
        let why = why.strip_prefix("unsupported: ").unwrap_or(why);
        if why.contains("another workbook") {
            links = true;
        } else if why.starts_with("parse error") {
            unparsed = true;
        } else if !why.is_empty()
            && why
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '.' || c == '_')
        {
            if !functions.contains(&why) {
                functions.push(why);
            }
        } else if !others.contains(&why) {
            others.push(why);
        }
    }
    let (mut vi, mut en) = (Vec::new(), Vec::new());
    if links {
        vi.push("liên kết tới bảng tính khác".to_string());
        en.push("links to another workbook".to_string());
    }
    if !functions.is_empty() {
        vi.push(format!("hàm chưa hỗ trợ: {}", functions.join(", ")));
        en.push(format!(
            "functions not implemented here: {}",
            functions.join(", ")
        ));
    }
    if unparsed {
        vi.push("công thức không đọc được".to_string());
        en.push("formulas this reader cannot parse".to_string());
    }
    for other in others.iter().take(2) {
        vi.push((*other).to_string());
        en.push((*other).to_string());
    }
    (vi.join("; "), en.join("; "))
}

/// The reporting period stated above the table (explicit `từ ngày … đến ngày …` first).
pub(crate) fn stated_period(sheet: &Sheet, layout: Option<&Layout>) -> Option<Period> {
    stated_period_at(sheet, layout).map(|(period, _)| period)
}

/// The reporting period stated above the table and the cell of the line that states it
/// (explicit `từ ngày … đến ngày …` first).
pub(crate) fn stated_period_at(
    sheet: &Sheet,
    layout: Option<&Layout>,
) -> Option<(Period, CellRef)> {
    let above = layout.map_or(12, |l| l.header_first);
    let texts: Vec<(&str, CellRef)> = sheet
        .cells
        .iter()
        .take_while(|c| c.at.row < above)
        .filter_map(|c| c.value.as_text().map(|text| (text, c.at)))
        .collect();
    let explicit = texts.iter().find_map(|(t, at)| {
        let folded = crate::text::normalize_label(t);
        (folded.contains("tu ngay") || folded.contains("from"))
            .then(|| period_in_text(t))
            .flatten()
            .map(|period| (period, *at))
    });
    explicit.or_else(|| {
        texts
            .iter()
            .find_map(|(t, at)| period_in_text(t).map(|period| (period, *at)))
    })
}

/// Dates in the table body outside the stated period (a month of grace after its end, for
/// figures "as of" the reporting day).
pub(crate) fn dates_outside_period(sheet: &Sheet, layout: Option<&Layout>) -> Vec<Finding> {
    let Some(layout) = layout else {
        return Vec::new();
    };
    let Some(period) = stated_period(sheet, Some(layout)) else {
        return Vec::new();
    };
    let grace_end = add_days(period.to, 31);
    data_cells(sheet, Some(layout))
        .filter_map(|cell| {
            let dates: Vec<Date> = match &cell.value {
                Value::Date(date) => vec![*date],
                Value::Text(text) => dates_in_text(text),
                _ => Vec::new(),
            };
            let outside = dates
                .into_iter()
                .find(|date| *date < period.from || *date > grace_end)?;
            let shown = match &cell.value {
                Value::Text(text) => text.trim().to_string(),
                _ => outside.to_string(),
            };
            Some(Finding {
                code: codes::DATE_OUTSIDE_PERIOD,
                severity: Severity::Warning,
                sheet: sheet.name.clone(),
                cell: cell.at,
                cells: Vec::new(),
                message: Message::new(
                    format!(
                        "Ngày {outside} nằm ngoài kỳ báo cáo {} – {}",
                        period.from, period.to
                    ),
                    format!(
                        "The date {outside} lies outside the reporting period {} – {}",
                        period.from, period.to
                    ),
                ),
                expected: Some(format!("{} – {}", period.from, period.to)),
                actual: Some(shown),
                fix: None,
                related: Vec::new(),
            })
        })
        .collect()
}

/// A date some days later (calendar arithmetic, month lengths and leap years honoured).
// Each increment is guarded by its comparison (day < month length ≤ 31, month < 12); the
// year, which comes from the period text, saturates.
#[allow(clippy::arithmetic_side_effects)]
fn add_days(date: Date, days: u32) -> Date {
    let mut d = date;
    for _ in 0..days {
        let month_len = match d.month {
            2 if (d.year % 4 == 0 && d.year % 100 != 0) || d.year % 400 == 0 => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        if d.day < month_len {
            d.day += 1;
        } else if d.month < 12 {
            d.day = 1;
            d.month += 1;
        } else {
            d = Date {
                year: d.year.saturating_add(1),
                month: 1,
                day: 1,
            };
        }
    }
    d
}
