//! Relations that hold only within the rounding of a table's figures: one info a sheet,
//! not one a relation. A published table in millions rounded each figure on its own, and
//! a person reads a total off by one as rounding, not as a slip.

use std::collections::HashMap;

use crate::codes;
use crate::finding::{Finding, Message, Severity};
use crate::model::{CellRef, Sheet};
use crate::number::Convention;

use super::relations::{Evaluator, Relation};
use super::shown::{for_messages, show_number};

/// Most cells the note lists beside its own.
const MAX_LISTED: usize = 200;

/// The one info of a sheet whose relations `within` held only within rounding
/// ([`super::relations::Outcome::HoldsRounded`]), each with its reported cell: how many,
/// the unit the figures are in, and the first of them in the sheet as an example (what it
/// shows, what its parts give). `None` when there are none.
pub(crate) fn within_rounding(
    evaluator: &Evaluator,
    within: &[(Relation, Option<CellRef>)],
    sheet: &Sheet,
    convention: Convention,
) -> Option<Finding> {
    let count = within.len();
    let mut targets: Vec<(CellRef, &Relation)> = within
        .iter()
        .filter_map(|(relation, target)| Some(((*target)?, relation)))
        .collect();
    targets.sort_by_key(|(at, _)| *at);
    let &(first, relation) = targets.first()?;
    let mut cells: Vec<CellRef> = targets
        .iter()
        .map(|(at, _)| *at)
        .filter(|at| *at != first)
        .collect();
    cells.dedup();
    cells.truncate(MAX_LISTED);

    let none = HashMap::new();
    let like = evaluator.quantity(first, &none);
    let shown = like.map(|q| q.value);
    let actual = shown.map(|value| show_number(value, like, convention));
    let expected = shown
        .zip(evaluator.residual(relation, &none))
        .and_then(|(value, residual)| value.checked_sub(residual))
        .map(|value| show_number(value, like, convention));
    let example = match (&actual, &expected) {
        (Some(actual), Some(expected)) => {
            let ((a_vi, a_en), (e_vi, e_en)) = (
                for_messages(actual, convention),
                for_messages(expected, convention),
            );
            (
                format!(" (ví dụ {first}: ghi {a_vi}, các thành phần cho {e_vi})"),
                format!(" (e.g. {first} shows {a_en}, its parts give {e_en})"),
            )
        }
        _ => (String::new(), String::new()),
    };
    let units = &evaluator.bound.units;
    let (unit_vi, unit_en) = match units.unit_of(first.col) {
        _ if !units.rounded(first.col) => (
            "các số được hiển thị đã làm tròn (giá trị lưu có nhiều chữ số thập phân hơn số hiển thị)".to_string(),
            "the figures are shown rounded (their stored values have more decimals than they show)"
                .to_string(),
        ),
        Some(unit) => (
            format!("số liệu của bảng (đơn vị: {unit}) được làm tròn riêng từng số"),
            format!("the table's figures ({unit}) were each rounded on their own"),
        ),
        None => (
            "số liệu của bảng được làm tròn riêng từng số".to_string(),
            "the table's figures were each rounded on their own".to_string(),
        ),
    };
    let (relations_en, hold_en) = if count == 1 {
        ("relation", "holds")
    } else {
        ("relations", "hold")
    };
    Some(Finding {
        code: codes::WITHIN_ROUNDING,
        severity: Severity::Info,
        sheet: sheet.name.clone(),
        cell: first,
        cells,
        message: Message::new(
            format!(
                "{count} quan hệ chỉ khớp trong phạm vi làm tròn: {unit_vi}, mỗi số đứng cho ± nửa đơn vị cuối cùng của nó, nên tổng có thể lệch các thành phần đúng chừng đó{}",
                example.0
            ),
            format!(
                "{count} {relations_en} {hold_en} only within rounding: {unit_en} and each stands for ± half its last unit, so a total may differ from its parts by that much{}",
                example.1
            ),
        ),
        expected,
        actual,
        fix: None,
        related: Vec::new(),
    })
}
