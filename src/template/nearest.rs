//! The label a sheet shows nearest to one a template looks for and does not find: what
//! CF002 names, so that an office sees which header or row label its file words otherwise
//! (`Tổng số hồ sơ đã nhận` where the template looks for `Tổng số hồ sơ nhận`).

use std::collections::HashSet;

use crate::layout::{is_note_label, Layout};
use crate::model::{CellRef, Sheet};
use crate::text::as_compared;

/// A label seen on the sheet, and the cell that holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Seen {
    /// The label as the sheet shows it (a header under its groups as `Group > Leaf`).
    pub label: String,
    /// Its cell (a merged header's top-left cell).
    pub at: CellRef,
}

/// How alike a label must be to one looked for to be named as the nearest (0 to 1): at
/// least half its words, or nearly all its letters.
const NEAR_ENOUGH: f64 = 0.5;
/// Characters of a label compared letter by letter: a cell of a whole paragraph costs no
/// more than a long label.
const COMPARED_CHARS: usize = 160;
/// Distinct row labels compared at most: a sheet of 100,000 rows costs no more to explain
/// than an indicator list.
const ROW_LABELS: usize = 2_000;

/// How alike `seen` is to `wanted` (0 to 1): the share of `wanted`'s words that `seen`
/// holds (a template names a part of a label), averaged with how alike they are letter by
/// letter (one less their edit distance over the longer one's length). Compared with their
/// Vietnamese marks when both have them (`đang` is not `đã`), folded when either has none.
/// A label sharing no word is not alike at all.
pub(crate) fn likeness(wanted: &str, seen: &str) -> f64 {
    let (wanted, seen) = as_compared(wanted, seen);
    let wanted_words: Vec<&str> = wanted.split_whitespace().collect();
    let seen_words: HashSet<&str> = seen.split_whitespace().collect();
    let shared = wanted_words
        .iter()
        .filter(|word| seen_words.contains(*word))
        .count();
    if shared == 0 {
        return 0.0;
    }
    let share = ratio(shared, wanted_words.len());
    let wanted: Vec<char> = wanted.chars().take(COMPARED_CHARS).collect();
    let seen: Vec<char> = seen.chars().take(COMPARED_CHARS).collect();
    let longer = wanted.len().max(seen.len());
    let letters = 1.0 - ratio(edit_distance(&wanted, &seen), longer);
    (share + letters) / 2.0
}

/// `part / whole` as a fraction (`0` of nothing is 0).
fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        return 0.0;
    }
    as_f64(part) / as_f64(whole)
}

/// A count of words or characters (far below 2^52, so exact) as a float.
#[allow(clippy::cast_precision_loss)]
fn as_f64(count: usize) -> f64 {
    count as f64
}

/// The Levenshtein distance between two character strings (insert, delete, replace).
fn edit_distance(a: &[char], b: &[char]) -> usize {
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current: Vec<usize> = Vec::with_capacity(b.len().saturating_add(1));
    for (i, ca) in a.iter().enumerate() {
        current.clear();
        current.push(i.saturating_add(1));
        for (j, cb) in b.iter().enumerate() {
            let replace = previous
                .get(j)
                .copied()
                .unwrap_or_default()
                .saturating_add(usize::from(ca != cb));
            let delete = previous
                .get(j.saturating_add(1))
                .copied()
                .unwrap_or_default()
                .saturating_add(1);
            let insert = current
                .last()
                .copied()
                .unwrap_or_default()
                .saturating_add(1);
            current.push(replace.min(delete).min(insert));
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous.last().copied().unwrap_or_default()
}

/// The most alike of `candidates` (label, cell, likeness), if alike enough; the first of
/// equals.
fn most_alike(candidates: impl Iterator<Item = (String, CellRef, f64)>) -> Option<Seen> {
    let mut best: Option<(String, CellRef, f64)> = None;
    for (label, at, score) in candidates {
        if score >= NEAR_ENOUGH && best.as_ref().is_none_or(|(_, _, top)| score > *top) {
            best = Some((label, at, score));
        }
    }
    best.map(|(label, at, _)| Seen { label, at })
}

/// The column header nearest to any of a column's header paths (`Group > Leaf`): the leaf
/// compared with each column's lowest header, and, for a path with groups, its groups with
/// the headers above (the two halves weighed alike).
pub(crate) fn nearest_header(sheet: &Sheet, layout: &Layout, paths: &[&str]) -> Option<Seen> {
    let paths: Vec<Vec<&str>> = paths
        .iter()
        .map(|path| {
            path.split('>')
                .map(str::trim)
                .filter(|part| !part.is_empty())
                .collect()
        })
        .collect();
    let candidates = layout.headers.iter().filter_map(|(col, chain)| {
        let (leaf, above) = chain.split_last()?;
        let mut grouped = false;
        let score = paths
            .iter()
            .filter_map(|parts| {
                let (wanted_leaf, groups) = parts.split_last()?;
                let leaf_score = likeness(wanted_leaf, leaf);
                if groups.is_empty() {
                    return Some(leaf_score);
                }
                grouped = true;
                let group_score = groups
                    .iter()
                    .map(|group| {
                        above
                            .iter()
                            .map(|label| likeness(group, label))
                            .fold(0.0, f64::max)
                    })
                    .sum::<f64>()
                    / as_f64(groups.len());
                Some((leaf_score + group_score) / 2.0)
            })
            .fold(0.0, f64::max);
        let shown = if grouped {
            chain.join(" > ")
        } else {
            leaf.clone()
        };
        Some((shown, header_cell(sheet, layout, *col, leaf), score))
    });
    most_alike(candidates)
}

/// The cell of the header block that shows `label` in column `col` (the lowest such; a
/// merged one's top-left cell).
fn header_cell(sheet: &Sheet, layout: &Layout, col: u32, label: &str) -> CellRef {
    (layout.header_first..=layout.header_last)
        .rev()
        .map(|row| CellRef::new(row, col))
        .find(|at| sheet.label(*at) == label)
        .map_or(CellRef::new(layout.header_last, col), |at| {
            sheet.merge_at(at).map_or(at, |range| range.first)
        })
}

/// The row label nearest to `wanted` among the body's rows (notes left out), at its cell
/// in the label column.
pub(crate) fn nearest_row(layout: &Layout, wanted: &str) -> Option<Seen> {
    let mut seen: HashSet<&str> = HashSet::new();
    let candidates = layout
        .body
        .iter()
        .filter(|row| !row.label.is_empty() && !is_note_label(row))
        .filter(|row| seen.insert(row.label.as_str()))
        .take(ROW_LABELS)
        .map(|row| {
            (
                row.label.clone(),
                CellRef::new(row.row, layout.label_col),
                likeness(wanted, &row.label),
            )
        });
    most_alike(candidates)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distances() {
        let chars = |s: &str| s.chars().collect::<Vec<_>>();
        assert_eq!(edit_distance(&chars("kitten"), &chars("sitting")), 3);
        assert_eq!(edit_distance(&chars(""), &chars("abc")), 3);
        assert_eq!(edit_distance(&chars("đã"), &chars("đang")), 3);
        assert_eq!(edit_distance(&chars("same"), &chars("same")), 0);
    }

    #[test]
    fn a_label_with_a_word_more_is_nearer_than_one_with_words_less() {
        let wanted = "Tổng số hồ sơ nhận";
        let near = likeness(wanted, "Tổng số hồ sơ đã nhận");
        let far = likeness(wanted, "Tổng số");
        assert!(near > 0.85, "{near}");
        assert!(far < NEAR_ENOUGH, "{far}");
        assert_eq!(likeness(wanted, "Ghi chú"), 0.0);
        assert_eq!(likeness(wanted, wanted), 1.0);
    }

    #[test]
    fn marks_count_when_both_labels_have_them() {
        // `đang` and `đáng` differ only by a mark: kept, they differ; typed without, not.
        let marked = likeness("Số hồ sơ đang giải quyết", "Số hồ sơ đáng giải quyết");
        let folded = likeness("So ho so dang giai quyet", "Số hồ sơ đáng giải quyết");
        assert!(marked < folded, "{marked} {folded}");
        assert_eq!(folded, 1.0);
    }
}
