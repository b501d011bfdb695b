//! Typo diagnosis of a proposed correction, as Statistics Netherlands' `deductive` package
//! does: what slip turns the right value into the one in the sheet.

use rust_decimal::Decimal;

use crate::finding::Message;

/// A recognised slip between the right value and the typed one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Typo {
    /// Two adjacent digits swapped (1.088 → 1.808).
    SwappedDigits,
    /// One digit changed (1.088 → 1.188).
    ChangedDigit,
    /// A digit left out (1.088 → 188).
    DroppedDigit,
    /// A digit typed twice or added (1.088 → 10.888).
    AddedDigit,
    /// A thousand times too large or small (a separator read the wrong way).
    ThousandFold,
    /// The sign flipped.
    SignFlipped,
    /// The value of the neighbouring row or column copied.
    CopiedNeighbour,
    /// A figure left out: the cell is blank.
    LeftBlank,
}

impl Typo {
    /// Why, in both languages.
    pub(crate) fn reason(self) -> Message {
        match self {
            Typo::SwappedDigits => {
                Message::new("hai chữ số liền nhau bị đảo", "two adjacent digits swapped")
            }
            Typo::ChangedDigit => Message::new("gõ nhầm một chữ số", "one digit mistyped"),
            Typo::DroppedDigit => Message::new("thiếu một chữ số", "a digit left out"),
            Typo::AddedDigit => Message::new("thừa một chữ số", "a digit too many"),
            Typo::ThousandFold => Message::new(
                "lệch 1.000 lần (nhầm dấu phân cách hàng nghìn)",
                "a thousand-fold slip (the thousands separator read the wrong way)",
            ),
            Typo::SignFlipped => Message::new("sai dấu", "the sign flipped"),
            Typo::CopiedNeighbour => Message::new(
                "chép nhầm số của ô bên cạnh",
                "the value of a neighbouring cell copied",
            ),
            Typo::LeftBlank => Message::new("thiếu một số liệu", "a figure left out"),
        }
    }
}

/// The slip that turns `right` into `typed`, if it is one of the known kinds.
/// `neighbours` are the values of the cells around the typed one.
pub(crate) fn diagnose(right: Decimal, typed: Decimal, neighbours: &[Decimal]) -> Option<Typo> {
    if right == typed {
        return None;
    }
    if !typed.is_zero() && typed == -right {
        return Some(Typo::SignFlipped);
    }
    let thousand = Decimal::from(1000);
    if right.checked_mul(thousand) == Some(typed) || typed.checked_mul(thousand) == Some(right) {
        return Some(Typo::ThousandFold);
    }
    if neighbours.contains(&typed) {
        return Some(Typo::CopiedNeighbour);
    }
    let (a, b) = (digits(right)?, digits(typed)?);
    if a.len() == b.len() {
        let differing: Vec<usize> = (0..a.len()).filter(|&i| a.get(i) != b.get(i)).collect();
        match differing.as_slice() {
            [_] => return Some(Typo::ChangedDigit),
            [i, j]
                if i.checked_add(1) == Some(*j)
                    && a.get(*i) == b.get(*j)
                    && a.get(*j) == b.get(*i) =>
            {
                return Some(Typo::SwappedDigits)
            }
            _ => {}
        }
    } else if b.len() < a.len() && is_one_removed(&a, &b) {
        return Some(Typo::DroppedDigit);
    } else if a.len() < b.len() && is_one_removed(&b, &a) {
        return Some(Typo::AddedDigit);
    }
    None
}

/// The digits of a whole number's absolute value; `None` for fractions (no digit slips
/// are diagnosed on them: their last digits are rounding).
fn digits(value: Decimal) -> Option<Vec<u8>> {
    let value = value.abs().normalize();
    if value.scale() > 0 {
        return None;
    }
    Some(value.to_string().bytes().collect())
}

/// Whether `shorter` is `longer` with one digit removed (leading zeros left behind by the
/// removal vanish: 903 without its 9 is 3).
fn is_one_removed(longer: &[u8], shorter: &[u8]) -> bool {
    (0..longer.len()).any(|skip| {
        let rest: Vec<u8> = longer
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != skip)
            .map(|(_, d)| *d)
            .skip_while(|d| *d == b'0')
            .collect();
        let rest: &[u8] = if rest.is_empty() { b"0" } else { &rest };
        rest == shorter
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(n: i64) -> Decimal {
        Decimal::from(n)
    }

    #[test]
    fn recognises_each_slip() {
        assert_eq!(diagnose(d(1088), d(1808), &[]), Some(Typo::SwappedDigits));
        assert_eq!(diagnose(d(1088), d(1188), &[]), Some(Typo::ChangedDigit));
        assert_eq!(diagnose(d(1088), d(188), &[]), Some(Typo::DroppedDigit));
        assert_eq!(diagnose(d(903), d(3), &[]), Some(Typo::DroppedDigit));
        assert_eq!(diagnose(d(1088), d(10888), &[]), Some(Typo::AddedDigit));
        assert_eq!(
            diagnose(d(1088), d(1_088_000), &[]),
            Some(Typo::ThousandFold)
        );
        assert_eq!(diagnose(d(1088), d(-1088), &[]), Some(Typo::SignFlipped));
        assert_eq!(
            diagnose(d(1088), d(549), &[d(549)]),
            Some(Typo::CopiedNeighbour)
        );
        assert_eq!(diagnose(d(1088), d(5000), &[]), None);
        assert_eq!(diagnose(d(1088), d(1088), &[]), None);
    }
}
