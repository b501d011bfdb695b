//! The bounded searches that find relations in a table's numbers: column identities
//! (`a = b + c`, `a = b + c + d`, `a = b − c`), "of which" parts, percentages of one column
//! over another, and totals that no label names.

use std::sync::OnceLock;

use rust_decimal::Decimal;

use super::table::Table;
use crate::finding::Severity;
use crate::interval::Interval;
use crate::number::Rounding;
use crate::text::{normalize_label, Phrases};

/// Cell evaluations the searches may spend on one sheet, so a 200-column sheet stays fast.
pub(crate) const WORK_BUDGET: usize = 3_000_000;
/// Most columns the triple search (`a = b − c` for any triple) looks at.
const TRIPLE_COLUMNS: usize = 20;
/// Most parts a column group sum may have.
const MAX_PARTS: usize = 8;

/// A work counter: every cell evaluation costs one.
pub(crate) struct Budget {
    left: usize,
}

impl Budget {
    pub(crate) fn new(left: usize) -> Budget {
        Budget { left }
    }

    /// Spends `n`; false when the budget is exhausted.
    fn spend(&mut self, n: usize) -> bool {
        match self.left.checked_sub(n) {
            Some(left) => {
                self.left = left;
                true
            }
            None => {
                self.left = 0;
                false
            }
        }
    }
}

/// The severity evidence allows for an inferred relation, or `None` when it is not a
/// relation of the table: all rows (at least `min_rows`) → error; ≥ 90 % of at least 10
/// rows → error (the exceptions are the findings); ≥ 80 % → warning (all but one of 5–9
/// rows, or a relation something outside the sheet may explain).
pub(crate) fn severity_for(holds: usize, of: usize, min_rows: usize) -> Option<Severity> {
    if of < min_rows || of == 0 {
        return None;
    }
    // holds ≤ of ≤ the table's rows, far below where the products saturate.
    if holds == of || (of >= 10 && holds.saturating_mul(10) >= of.saturating_mul(9)) {
        Some(Severity::Error)
    } else if holds.saturating_mul(10) >= of.saturating_mul(8) {
        Some(Severity::Warning)
    } else {
        None
    }
}

/// `total = parts[0] + parts[1] + …` over column indices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Identity {
    pub total: usize,
    pub parts: Vec<usize>,
    pub holds: usize,
    pub of: usize,
    pub severity: Severity,
}

/// How a candidate `total = Σ parts` fares on a table's rows.
struct SumCount {
    /// Rows where it holds.
    holds: usize,
    /// Rows that decide it: every term a number, not all zero.
    of: usize,
    /// Rows where it holds with every term non-zero: the rows that show it is a relation
    /// (where a term is 0 it only says the others are equal).
    telling: usize,
}

/// Counts the rows where `total = Σ parts` holds, among rows where every term is a number
/// and not all are zero. Gives up (`None`) once more than a fifth of the rows fail.
fn count_sum(
    table: &Table,
    total: usize,
    parts: &[usize],
    budget: &mut Budget,
) -> Option<SumCount> {
    let n = table.rows.len();
    if !budget.spend(n.saturating_mul(parts.len().saturating_add(1))) {
        return None;
    }
    let allowed_fails = (n / 5).saturating_add(1);
    let (mut holds, mut of, mut fails, mut telling) = (0usize, 0usize, 0usize, 0usize);
    for r in 0..n {
        let Some(t) = table.get(total, r) else {
            continue;
        };
        let mut sum = Some(Decimal::ZERO);
        let mut all_zero = t.is_zero();
        let mut any_zero = t.is_zero();
        for &p in parts {
            match table.get(p, r) {
                Some(v) => {
                    all_zero &= v.is_zero();
                    any_zero |= v.is_zero();
                    sum = sum.and_then(|s| s.checked_add(v));
                }
                None => sum = None,
            }
        }
        let Some(sum) = sum else {
            continue;
        };
        if all_zero {
            continue;
        }
        of = of.saturating_add(1);
        if sum == t || within_slack(table, t, sum, total, parts, r) {
            holds = holds.saturating_add(1);
            if !any_zero {
                telling = telling.saturating_add(1);
            }
        } else {
            fails = fails.saturating_add(1);
            if fails > allowed_fails {
                return None;
            }
        }
    }
    Some(SumCount { holds, of, telling })
}

/// Whether `total = Σ parts` holds on row `r` within the slack of its figures
/// ([`Table::slack`]): rounded figures, formula results.
fn within_slack(
    table: &Table,
    total_value: Decimal,
    sum: Decimal,
    total: usize,
    parts: &[usize],
    r: usize,
) -> bool {
    let Some(off) = total_value.checked_sub(sum).map(|off| off.abs()) else {
        return false;
    };
    let allowed = parts.iter().try_fold(table.slack(total, r), |allowed, &p| {
        allowed.checked_add(table.slack(p, r))
    });
    allowed.is_some_and(|allowed| !allowed.is_zero() && off <= allowed)
}

/// Whether every term of a relation is a non-zero number on at least two rows (a column of
/// zeros makes any identity trivially true).
fn terms_vary(table: &Table, terms: &[usize]) -> bool {
    terms.iter().all(|&c| table.nonzero(c) >= 2)
}

/// Whether a small table's rows confirm an identity its header proposes: it holds on at
/// least two rows and two thirds of those that decide it (3 of 4: three units and a total
/// with one slip). Larger tables are judged by [`severity_for`] alone.
fn confirms_header(holds: usize, of: usize) -> bool {
    of < 10 && holds >= 2 && holds.saturating_mul(3) >= of.saturating_mul(2)
}

/// Rows with every term non-zero a relation found in the numbers alone must hold on.
const MIN_TELLING_ROWS: usize = 3;

/// Column identities: first, sums of adjacent columns to the right of a column under the
/// same group header (a `Tổng số` column followed by its parts); then `x = y + z` for any
/// triple among the first columns.
pub(crate) fn identities(table: &Table, budget: &mut Budget) -> Vec<Identity> {
    let candidates: Vec<usize> = (0..table.cols.len())
        .filter(|&c| table.percent.get(c) == Some(&false))
        .collect();
    let mut found: Vec<Identity> = Vec::new();

    // Group sums.
    let mut rest = candidates.as_slice();
    while let Some((&total, later)) = rest.split_first() {
        rest = later;
        let chain = table.chain(total);
        let Some((_, prefix)) = chain.split_last() else {
            continue;
        };
        if prefix.is_empty() {
            continue;
        }
        let group: Vec<usize> = later
            .iter()
            .copied()
            .enumerate()
            .take_while(|(k, c)| {
                table.cols.get(*c).copied()
                    == table.cols.get(total).map(|t| {
                        t.saturating_add(1)
                            .saturating_add(u32::try_from(*k).unwrap_or(u32::MAX))
                    })
                    && table.chain(*c).len() > prefix.len()
                    && table.chain(*c).get(..prefix.len()) == Some(prefix)
            })
            .map(|(_, c)| c)
            .take(MAX_PARTS)
            .collect();
        // A `Tổng số` column says itself that it adds its siblings: on a small table
        // (three units and their total) a slip leaves too few rows to learn it from the
        // numbers, but a clear majority confirms what the header says.
        let named_total = chain.last().is_some_and(|leaf| is_total_header(leaf));
        let mut best: Option<Identity> = None;
        for k in 2..=group.len() {
            let Some(parts) = group.get(..k) else {
                break;
            };
            let mut terms = parts.to_vec();
            terms.push(total);
            if !terms_vary(table, &terms) {
                continue;
            }
            let Some(SumCount { holds, of, .. }) = count_sum(table, total, parts, budget) else {
                continue;
            };
            let Some(severity) = severity_for(holds, of, 5)
                .or_else(|| (named_total && confirms_header(holds, of)).then_some(Severity::Error))
            else {
                continue;
            };
            if best.as_ref().is_none_or(|b| holds >= b.holds) {
                best = Some(Identity {
                    total,
                    parts: parts.to_vec(),
                    holds,
                    of,
                    severity,
                });
            }
        }
        if let Some(best) = best {
            found.push(best);
        }
    }

    // Triples.
    let few: Vec<usize> = candidates.iter().copied().take(TRIPLE_COLUMNS).collect();
    let mut rest_i = few.as_slice();
    while let Some((&i, after_i)) = rest_i.split_first() {
        rest_i = after_i;
        let mut rest_j = after_i;
        while let Some((&j, after_j)) = rest_j.split_first() {
            rest_j = after_j;
            for &k in after_j {
                let triple = [i, j, k];
                let inside_known = found
                    .iter()
                    .any(|f| triple.iter().all(|c| f.total == *c || f.parts.contains(c)));
                if inside_known || !terms_vary(table, &triple) {
                    continue;
                }
                for (x, y, z) in [(i, j, k), (k, i, j), (j, i, k)] {
                    let Some(SumCount { holds, of, telling }) =
                        count_sum(table, x, &[y, z], budget)
                    else {
                        continue;
                    };
                    // Found in the numbers alone, it needs rows where all three are
                    // figures: `K = E − F` holding where K is 0 and E = F is no evidence.
                    if telling < MIN_TELLING_ROWS {
                        continue;
                    }
                    if let Some(severity) = severity_for(holds, of, 5) {
                        found.push(Identity {
                            total: x,
                            parts: vec![y, z],
                            holds,
                            of,
                            severity,
                        });
                        break;
                    }
                }
            }
        }
    }
    found
}

/// "Of which" parts: a group whose first column is a total (`Tổng số`) and whose parts do
/// not add up to it, but none exceeds it.
pub(crate) struct PartsBound {
    pub total: usize,
    pub parts: Vec<usize>,
    pub holds: usize,
    pub of: usize,
    pub severity: Severity,
}

/// Whether a header leaf names a total (with its marks, as [`Phrases`] compares labels).
pub(crate) fn is_total_header(leaf: &str) -> bool {
    static NAMES: OnceLock<Phrases> = OnceLock::new();
    static OPENINGS: OnceLock<Phrases> = OnceLock::new();
    let names = NAMES.get_or_init(|| {
        Phrases::new(&[
            "tổng số",
            "tổng",
            "tổng cộng",
            "cộng",
            "total",
            "sum",
            "tổng số tiền",
        ])
    });
    let openings = OPENINGS.get_or_init(|| Phrases::new(&["tổng số", "total"]));
    let folded = normalize_label(leaf);
    names.match_with(leaf, &folded, |label, name| label == name)
        || openings.match_with(leaf, &folded, |label, opening| {
            label
                .strip_prefix(opening)
                .is_some_and(|rest| rest.starts_with(' '))
        })
}

/// `total >= MAX(parts)` for total-headed groups the identities did not explain.
pub(crate) fn parts_bounds(
    table: &Table,
    identities: &[Identity],
    budget: &mut Budget,
) -> Vec<PartsBound> {
    let mut found = Vec::new();
    for total in 0..table.cols.len() {
        if table.percent.get(total) != Some(&false)
            || identities.iter().any(|i| i.total == total)
            || !is_total_header(&table.leaf(total))
        {
            continue;
        }
        let chain = table.chain(total);
        let Some((_, prefix)) = chain.split_last() else {
            continue;
        };
        if prefix.is_empty() {
            continue;
        }
        let parts: Vec<usize> = (total.saturating_add(1)..table.cols.len())
            .take_while(|&c| {
                table.percent.get(c) == Some(&false)
                    && table.chain(c).len() > prefix.len()
                    && table.chain(c).get(..prefix.len()) == Some(prefix)
            })
            .take(MAX_PARTS)
            .collect();
        if parts.is_empty()
            || !budget.spend(
                table
                    .rows
                    .len()
                    .saturating_mul(parts.len().saturating_add(1)),
            )
        {
            continue;
        }
        let (mut holds, mut of) = (0usize, 0usize);
        for r in 0..table.rows.len() {
            let Some(t) = table.get(total, r) else {
                continue;
            };
            let values: Option<Vec<Decimal>> = parts.iter().map(|&p| table.get(p, r)).collect();
            let Some(values) = values else {
                continue;
            };
            of = of.saturating_add(1);
            if values.iter().all(|v| *v <= t) {
                holds = holds.saturating_add(1);
            }
        }
        if let Some(severity) = severity_for(holds, of, 5) {
            found.push(PartsBound {
                total,
                parts,
                holds,
                of,
                severity,
            });
        }
    }
    found
}

/// A percentage column: `pct = Σ numerator / denominator × scale`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Percent {
    pub column: usize,
    pub numerator: Vec<usize>,
    pub denominator: usize,
    /// 100 when the column shows 96,15 for 96,15 %; 1 when it holds the fraction 0,9615.
    pub scale: Decimal,
    pub rounding: Rounding,
    /// Decimals most of the column shows.
    pub decimals: u32,
    pub holds: usize,
    pub of: usize,
    pub severity: Severity,
}

/// Counts of one percentage candidate: rows checked, holding when rounded to nearest,
/// holding either way.
struct PercentCount {
    of: usize,
    nearest: usize,
    either: usize,
}

fn count_percent(
    table: &Table,
    column: usize,
    numerator: &[usize],
    denominator: usize,
    scale: Decimal,
    budget: &mut Budget,
) -> Option<PercentCount> {
    let n = table.rows.len();
    if !budget.spend(n.saturating_mul(numerator.len().saturating_add(2))) {
        return None;
    }
    let allowed_fails = (n / 5).saturating_add(1);
    let mut count = PercentCount {
        of: 0,
        nearest: 0,
        either: 0,
    };
    let mut fails = 0usize;
    for r in 0..n {
        let Some(den) = table.get(denominator, r) else {
            continue;
        };
        if den <= Decimal::ZERO {
            continue;
        }
        let Some(q) = table.quantity(column, r) else {
            continue;
        };
        let num: Option<Decimal> = numerator
            .iter()
            .try_fold(Decimal::ZERO, |s, &c| s.checked_add(table.get(c, r)?));
        let Some(ratio) = num
            .and_then(|num| num.checked_mul(scale))
            .and_then(|x| x.checked_div(den))
        else {
            continue;
        };
        count.of = count.of.saturating_add(1);
        let computed = Interval::point(ratio);
        let shows_all = q.value.normalize().scale() <= q.decimals;
        let (nearest, truncated) = if shows_all {
            (
                q.interval(Rounding::Nearest).meets(&computed),
                q.interval(Rounding::Truncate).meets(&computed),
            )
        } else {
            let exact = q.value == ratio;
            (exact, exact)
        };
        if nearest {
            count.nearest = count.nearest.saturating_add(1);
        }
        if nearest || truncated {
            count.either = count.either.saturating_add(1);
        } else {
            fails = fails.saturating_add(1);
            if fails > allowed_fails {
                return None;
            }
        }
    }
    Some(count)
}

/// For each percentage column, the ratio of two columns (or of the sum of two adjacent
/// columns over a third) that it shows on nearly every row.
pub(crate) fn percents(table: &Table, budget: &mut Budget) -> Vec<Percent> {
    let plain: Vec<usize> = (0..table.cols.len())
        .filter(|&c| table.percent.get(c) == Some(&false) && table.nonzero(c) >= 1)
        .take(TRIPLE_COLUMNS)
        .collect();
    let mut numerators: Vec<Vec<usize>> = plain.iter().map(|&c| vec![c]).collect();
    for pair in plain.windows(2) {
        if let [a, b] = pair {
            if table.cols.get(*b).copied() == table.cols.get(*a).map(|c| c.saturating_add(1)) {
                numerators.push(vec![*a, *b]);
            }
        }
    }
    let mut found = Vec::new();
    for column in (0..table.cols.len())
        .filter(|&c| table.percent.get(c) == Some(&true))
        .take(20)
    {
        let shown_as_percent = (0..table.rows.len())
            .filter_map(|r| table.quantity(column, r))
            .any(|q| q.percent);
        let scales: &[Decimal] = if shown_as_percent {
            &[Decimal::ONE, Decimal::ONE_HUNDRED]
        } else {
            &[Decimal::ONE_HUNDRED, Decimal::ONE]
        };
        let mut best: Option<Percent> = None;
        'search: for &scale in scales {
            for numerator in &numerators {
                for &denominator in &plain {
                    if numerator.contains(&denominator) {
                        continue;
                    }
                    let Some(count) =
                        count_percent(table, column, numerator, denominator, scale, budget)
                    else {
                        if budget.left == 0 {
                            break 'search;
                        }
                        continue;
                    };
                    let Some(severity) = severity_for(count.either, count.of, 3) else {
                        continue;
                    };
                    if best.as_ref().is_some_and(|b| b.holds >= count.either) {
                        continue;
                    }
                    let rounding = if count.nearest == count.either {
                        Rounding::Nearest
                    } else {
                        Rounding::Either
                    };
                    best = Some(Percent {
                        column,
                        numerator: numerator.clone(),
                        denominator,
                        scale,
                        rounding,
                        decimals: shown_decimals(table, column, scale),
                        holds: count.either,
                        of: count.of,
                        severity,
                    });
                }
            }
        }
        if let Some(best) = best {
            found.push(best);
        }
    }
    found
}

/// The decimals most of a column shows, in the unit it is read in (96,1 % is 1 decimal).
fn shown_decimals(table: &Table, column: usize, scale: Decimal) -> u32 {
    let mut counts = std::collections::BTreeMap::new();
    for r in 0..table.rows.len() {
        if let Some(q) = table.quantity(column, r) {
            let d = if q.percent && scale == Decimal::ONE {
                q.decimals.saturating_sub(2)
            } else {
                q.decimals
            };
            counts
                .entry(d)
                .and_modify(|n: &mut usize| *n = n.saturating_add(1))
                .or_insert(1);
        }
    }
    counts
        .into_iter()
        .max_by_key(|(d, n)| (*n, std::cmp::Reverse(*d)))
        .map_or(0, |(d, _)| d)
}

/// A total row no label names: it equals the sum of the rows above it since the table's
/// start or the previous such total, in every additive column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UnlabelledTotal {
    /// Row index of the total.
    pub total: usize,
    /// Row indices of the block it sums.
    pub first: usize,
    pub last: usize,
    /// Column indices it sums in.
    pub columns: Vec<usize>,
}

/// Totals by value, for tables whose labels name none.
pub(crate) fn unlabelled_totals(table: &Table, budget: &mut Budget) -> Vec<UnlabelledTotal> {
    let columns: Vec<usize> = (0..table.cols.len())
        .filter(|&c| table.additive.get(c) == Some(&true))
        .collect();
    if columns.is_empty() {
        return Vec::new();
    }
    let mut found = Vec::new();
    let mut start = 0usize;
    let mut sums: Vec<Option<Decimal>> = vec![Some(Decimal::ZERO); columns.len()];
    for r in 0..table.rows.len() {
        if !budget.spend(columns.len()) {
            break;
        }
        // Does row r equal the block start..r in every column, with at least two rows above
        // and two non-zero columns?
        if r >= start.saturating_add(2) {
            let mut nonzero = 0usize;
            let equal = columns.iter().zip(&sums).all(|(&c, sum)| {
                let value = table.get(c, r);
                if value.is_some_and(|v| !v.is_zero()) {
                    nonzero = nonzero.saturating_add(1);
                }
                value.is_some() && value == *sum
            });
            if equal && nonzero >= 2.min(columns.len()) {
                found.push(UnlabelledTotal {
                    total: r,
                    first: start,
                    // r ≥ start + 2 here.
                    last: r.saturating_sub(1),
                    columns: columns.clone(),
                });
                start = r.saturating_add(1);
                sums = vec![Some(Decimal::ZERO); columns.len()];
                continue;
            }
        }
        for (sum, &c) in sums.iter_mut().zip(&columns) {
            *sum = match (*sum, table.get(c, r)) {
                (Some(s), Some(v)) => s.checked_add(v),
                _ => None,
            };
        }
    }
    found
}
