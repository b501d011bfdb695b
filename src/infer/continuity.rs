//! The `[continuity]` table proposed from a table's column headers, for `crossfoot check
//! --previous`: the column carried over from the last period (`Tồn kỳ trước`, `Từ kỳ
//! trước`, `Brought forward`) paired with the one left for the next (`Tồn cuối kỳ`, `Đang
//! giải quyết`, `Closing balance`); the cumulative columns (`Lũy kế`, `Year to date`); and
//! for a cumulative column, the column of this period's own figure it adds up (`Lũy kế >
//! Hồ sơ nhận` beside `Trong kỳ > Hồ sơ nhận`). Headers are read by their words, never by a
//! file's or a label's name, and a pair is proposed only when the headers leave no doubt.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use super::search::is_total_header;
use super::table::Table;
use super::Names;
use crate::template::Continuity;
use crate::text::{normalize_label, Phrases};

/// Headers of a figure carried over from the last period (this period's opening).
const CARRIED: &[&str] = &[
    "từ kỳ trước",
    "tồn kỳ trước",
    "kỳ trước chuyển qua",
    "kỳ trước chuyển sang",
    "tồn đầu kỳ",
    "dư đầu kỳ",
    "carried over",
    "brought forward",
    "opening balance",
];

/// Headers of a figure left for the next period (this period's closing).
const PENDING: &[&str] = &[
    "đang giải quyết",
    "chưa giải quyết",
    "tồn cuối kỳ",
    "còn tồn",
    "dư cuối kỳ",
    "chuyển kỳ sau",
    "pending",
    "carried forward",
    "closing balance",
];

/// Headers of a cumulative figure; the longer phrases first, as they are taken out of a
/// header to find the figure it adds up.
const CUMULATIVE: &[&str] = &[
    "lũy kế từ đầu năm",
    "luỹ kế từ đầu năm",
    "lũy kế",
    "luỹ kế",
    "từ đầu năm",
    "year to date",
    "ytd",
    "cumulative",
];

/// Headers of this period's own figure; the longer phrases first, as for [`CUMULATIVE`].
const THIS_PERIOD: &[&str] = &[
    "phát sinh trong kỳ",
    "trong kỳ",
    "phát sinh",
    "kỳ này",
    "tháng này",
    "quý này",
    "this period",
    "this month",
    "this quarter",
    "in the period",
    "for the period",
];

/// A kind of header, its phrases as [`Phrases`] and folded for taking them out of a header.
struct Kind {
    phrases: Phrases,
    folded: Vec<String>,
}

impl Kind {
    fn new(phrases: &[&str]) -> Kind {
        Kind {
            phrases: Phrases::new(phrases),
            folded: phrases.iter().map(|p| normalize_label(p)).collect(),
        }
    }

    /// Whether a header label holds one of the phrases as whole words.
    fn in_label(&self, label: &str) -> bool {
        self.phrases
            .match_with(label, &normalize_label(label), has_words)
    }

    /// The deepest label of `chain` that holds one of the phrases.
    fn deepest(&self, chain: &[String]) -> Option<usize> {
        chain.iter().rposition(|label| self.in_label(label))
    }

    /// The header chain folded, with the phrases taken out and the labels left empty
    /// dropped: what a cumulative column and this period's own share (`hồ sơ nhận`).
    fn without(&self, chain: &[String]) -> Vec<String> {
        chain
            .iter()
            .map(|label| {
                let mut words = format!(" {} ", normalize_label(label));
                for phrase in &self.folded {
                    words = words.replace(&format!(" {phrase} "), " ");
                }
                words.trim().to_string()
            })
            .filter(|label| !label.is_empty())
            .collect()
    }
}

/// Whether `label` holds `phrase` as whole words (both lowercase, words one space apart).
fn has_words(label: &str, phrase: &str) -> bool {
    format!(" {label} ").contains(&format!(" {phrase} "))
}

/// The four kinds of header, built once.
struct Kinds {
    carried: Kind,
    pending: Kind,
    cumulative: Kind,
    this_period: Kind,
}

fn kinds() -> &'static Kinds {
    static KINDS: OnceLock<Kinds> = OnceLock::new();
    KINDS.get_or_init(|| Kinds {
        carried: Kind::new(CARRIED),
        pending: Kind::new(PENDING),
        cumulative: Kind::new(CUMULATIVE),
        this_period: Kind::new(THIS_PERIOD),
    })
}

/// The `[continuity]` the headers of `table` say, and the columns (indices into
/// `table.cols`) it names; `None` when they say nothing. Only named columns of figures
/// that add up are considered (not percentages, prices or averages).
pub(super) fn propose(table: &Table, names: &Names) -> Option<(Continuity, BTreeSet<usize>)> {
    let kinds = kinds();
    let figures: Vec<usize> = (0..table.cols.len())
        .filter(|&c| names.of(c).is_some() && table.additive.get(c) == Some(&true))
        .collect();
    let is = |kind: &Kind, c: usize| kind.deepest(table.chain(c)).is_some();
    let cumulative: Vec<usize> = figures
        .iter()
        .copied()
        .filter(|&c| is(&kinds.cumulative, c))
        .collect();
    let flows: Vec<usize> = figures
        .iter()
        .copied()
        .filter(|c| !cumulative.contains(c))
        .collect();
    let carried: Vec<usize> = flows
        .iter()
        .copied()
        .filter(|&c| stands_for(table, &kinds.carried, c))
        .collect();
    let pending: Vec<usize> = flows
        .iter()
        .copied()
        .filter(|&c| !is(&kinds.carried, c) && stands_for(table, &kinds.pending, c))
        .collect();

    let mut continuity = Continuity::default();
    let mut used = BTreeSet::new();
    let name = |c: usize| names.of(c).unwrap_or_default().to_string();
    if let ([to], [from]) = (carried.as_slice(), pending.as_slice()) {
        continuity.carried.insert(name(*to), name(*from));
        used.extend([*to, *from]);
    }
    for &sum in &cumulative {
        continuity.cumulative.push(name(sum));
        used.insert(sum);
        if let Some(own) = own_figure(table, sum, &flows) {
            continuity.accumulates.insert(name(sum), name(own));
            used.insert(own);
        }
    }
    continuity.declares_any().then_some((continuity, used))
}

/// Whether column `c` stands for a label of `kind`: the label is its own lowest header, or
/// heads a group of which it is the only column or the total (`Số hồ sơ đang giải quyết >
/// Tổng số`); a part of such a group (`… > Trong hạn`) is not the group's figure.
fn stands_for(table: &Table, kind: &Kind, c: usize) -> bool {
    let chain = table.chain(c);
    let Some(at) = kind.deepest(chain) else {
        return false;
    };
    let below = chain.len().saturating_sub(1).saturating_sub(at);
    if below == 0 {
        return true;
    }
    let group = chain.get(..=at).unwrap_or(chain);
    let in_group = (0..table.cols.len())
        .filter(|&o| table.chain(o).starts_with(group))
        .count();
    in_group == 1 || (below == 1 && is_total_header(&table.leaf(c)))
}

/// The column of this period's own figure that the cumulative column `sum` adds up: the
/// one column among `flows` headed as this period's whose header is the cumulative one's
/// with its period words exchanged (`Lũy kế > Hồ sơ nhận`, `Trong kỳ > Hồ sơ nhận`; `Số
/// nhận lũy kế`, `Số nhận trong kỳ`), and never above it on a row where both are figures
/// and the period's is not negative (a year's figure holds the period's).
fn own_figure(table: &Table, sum: usize, flows: &[usize]) -> Option<usize> {
    let kinds = kinds();
    let shared = kinds.cumulative.without(table.chain(sum));
    let candidates: Vec<usize> = flows
        .iter()
        .copied()
        .filter(|&c| {
            kinds.this_period.deepest(table.chain(c)).is_some()
                && kinds.this_period.without(table.chain(c)) == shared
        })
        .collect();
    let [own] = candidates.as_slice() else {
        return None;
    };
    let holds = (0..table.rows.len()).all(|r| match (table.get(sum, r), table.get(*own, r)) {
        (Some(year), Some(period)) => period.is_sign_negative() || year >= period,
        _ => true,
    });
    holds.then_some(*own)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(labels: &[&str]) -> Vec<String> {
        labels.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn headers_are_read_by_their_words_with_their_marks() {
        let kinds = kinds();
        assert!(kinds.carried.in_label("Tồn kỳ trước"));
        assert!(kinds.carried.in_label("Số hồ sơ kỳ trước chuyển sang"));
        assert!(kinds.carried.in_label("Balance brought forward"));
        assert!(
            kinds.carried.in_label("ton ky truoc"),
            "typed without marks"
        );
        assert!(!kinds.carried.in_label("Cùng kỳ năm trước"));
        assert!(kinds.pending.in_label("Số hồ sơ đang giải quyết"));
        assert!(
            !kinds.pending.in_label("Số hồ sơ đáng giải quyết"),
            "marks kept"
        );
        assert!(!kinds.pending.in_label("Unpending"), "whole words");
        assert!(kinds.cumulative.in_label("Luỹ kế"));
        assert!(kinds.cumulative.in_label("YTD"));
        assert!(kinds.this_period.in_label("Số nhận trong kỳ"));
        assert!(kinds.this_period.in_label("Phát sinh"));
    }

    #[test]
    fn a_cumulative_header_and_its_periods_share_what_is_left_of_them() {
        let kinds = kinds();
        assert_eq!(
            kinds
                .cumulative
                .without(&chain(&["Lũy kế từ đầu năm", "Hồ sơ nhận"])),
            ["ho so nhan"]
        );
        assert_eq!(
            kinds
                .this_period
                .without(&chain(&["Trong kỳ", "Hồ sơ nhận"])),
            ["ho so nhan"]
        );
        assert_eq!(
            kinds.cumulative.without(&chain(&["Số nhận lũy kế"])),
            kinds.this_period.without(&chain(&["Số nhận trong kỳ"]))
        );
        assert_eq!(
            kinds.cumulative.without(&chain(&["Doanh thu", "Lũy kế"])),
            kinds
                .this_period
                .without(&chain(&["Doanh thu", "Phát sinh trong kỳ"]))
        );
        assert!(kinds.cumulative.without(&chain(&["Lũy kế"])).is_empty());
    }
}
