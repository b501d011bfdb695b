//! Tests of the relations engine, and the fixture other engine tests share.

use std::collections::HashMap;

use rust_decimal::Decimal;

use crate::model::{CellRef, Sheet, Value};
use crate::number::Reading;
use crate::template::{Bound, ParsedRule, Scope};

use super::cell_set::CellSet;
use super::evaluator::Evaluator;
use super::outcome::{Evaluation, Outcome};
use super::relation::Relation;

/// The tthc-06 fixture's sheet bound to its template, and the template's rules parsed.
pub(crate) fn fixture() -> (Sheet, Bound, crate::template::Template, Vec<ParsedRule>) {
    let bytes = std::fs::read("tests/fixtures/tthc-06-q3-2022.xlsx").expect("fixture");
    let book = crate::read_workbook(&bytes, "tthc-06-q3-2022.xlsx").expect("reads");
    let template = crate::template::Template::builtin("tthc-06").expect("built in");
    let sheet = book.sheets.into_iter().next().expect("a sheet");
    let bound = crate::template::bind(&template, &sheet).expect("binds");
    let parsed: Vec<ParsedRule> = template
        .spec
        .rules
        .iter()
        .map(|rule| ParsedRule::parse(rule).expect("parses"))
        .collect();
    (sheet, bound, template, parsed)
}

#[test]
fn cell_sets_hold_what_a_sorted_list_would() {
    let at = |row: u32, col: u32| CellRef::new(row, col);
    for reads in [
        vec![],
        vec![at(7, 3)],
        vec![at(7, 13), at(7, 2), at(7, 13), at(7, 0), at(7, 31)],
        vec![at(7, 2), at(7, 32)],
        vec![at(7, 2), at(8, 2), at(9, 2), at(7, 2)],
        vec![at(9, 40), at(2, 1), at(9, 40)],
    ] {
        let set = CellSet::of(&reads);
        let mut sorted = reads.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(set.iter().collect::<Vec<_>>(), sorted, "{reads:?}");
        assert_eq!(set.iter().count(), sorted.len(), "{reads:?}");
        assert_eq!(set.first(), sorted.first().copied(), "{reads:?}");
        // One row's cells below column 32 take no allocation.
        let inline =
            sorted.windows(2).all(|w| w[0].row == w[1].row) && sorted.iter().all(|c| c.col < 32);
        assert_eq!(matches!(set, CellSet::Row { .. }), inline, "{reads:?}");
    }
    assert_eq!(std::mem::size_of::<CellSet>(), 16);
    // A big sheet keeps millions of evaluations: every one of them costs this.
    assert_eq!(std::mem::size_of::<Outcome>(), 16);
    assert!(std::mem::size_of::<Evaluation>() <= 48);
    assert!(std::mem::size_of::<Relation>() <= 24);
}

/// The relations worked out from their index are those listed in order, for a real
/// form's rules of every scope.
#[test]
fn relations_by_index_are_the_relations_in_order() {
    let (sheet, bound, template, parsed) = fixture();
    let evaluator = Evaluator::new(&sheet, &bound, &template.spec, &parsed);
    let relations = evaluator.relations();
    let listed: Vec<Relation> = relations.iter().collect();
    let scopes = |scope: Scope| {
        listed
            .iter()
            .filter(|r| {
                template
                    .spec
                    .rules
                    .get(r.rule())
                    .is_some_and(|rule| rule.scope == scope)
            })
            .count()
    };
    assert!(scopes(Scope::Row) > 100, "{}", scopes(Scope::Row));
    assert!(scopes(Scope::Hierarchy) > 0);
    assert_eq!(relations.len(), listed.len());
    for (i, relation) in listed.iter().enumerate() {
        let got = relations.get(i).expect("in range");
        assert_eq!(
            (got.rule(), got.sum_of, got.row, got.column),
            (
                relation.rule(),
                relation.sum_of,
                relation.row,
                relation.column
            ),
            "{i}"
        );
    }
    assert!(relations.get(listed.len()).is_none());
}

/// A hierarchy sum moved by a tried change says what evaluating it whole with the
/// change says: on the fixture's sums, with children turned into text, an error, a
/// marker and nothing, changes to the parent, to a child (once and twice), to cells of
/// other columns, and changes that repair a sum.
#[test]
fn moved_sums_hold_as_evaluated_whole() {
    let (mut sheet, bound, template, parsed) = fixture();
    let layout_sums = {
        let evaluator = Evaluator::new(&sheet, &bound, &template.spec, &parsed);
        let relations = evaluator.relations();
        relations
            .iter()
            .filter(|r| evaluator.is_plain_sum(r))
            .map(|r| (r, evaluator.children(&r).to_vec()))
            .collect::<Vec<_>>()
    };
    assert!(layout_sums.len() > 10, "{}", layout_sums.len());
    // Damage a few children of the first sums: text, an error, a marker, nothing.
    let damaged: Vec<CellRef> = layout_sums
        .iter()
        .take(4)
        .filter_map(|(r, children)| Some(CellRef::new(*children.last()?, r.column?)))
        .collect();
    for (k, at) in damaged.iter().enumerate() {
        let Some(place) = sheet.cells.iter().position(|c| c.at == *at) else {
            continue;
        };
        match k {
            0 => {
                sheet.cells[place].value = Value::Text("n/a".into());
                sheet.cells[place].reading = Reading::NotNumber;
            }
            1 => {
                sheet.cells[place].value = Value::Error("#REF!".into());
                sheet.cells[place].reading = Reading::NotNumber;
            }
            2 => {
                sheet.cells[place].value = Value::Text("-".into());
                sheet.cells[place].reading = Reading::Marker(crate::number::Marker::Dash);
            }
            _ => {
                sheet.cells.remove(place);
            }
        }
    }
    let evaluator = Evaluator::new(&sheet, &bound, &template.spec, &parsed);
    let value = |at: CellRef| match sheet.cell(at).map(|c| &c.reading) {
        Some(Reading::Number(q)) => q.value,
        _ => Decimal::ZERO,
    };
    let (mut compared, mut changed_verdicts) = (0, 0);
    for (relation, children) in &layout_sums {
        let tally = evaluator.sum_tally(relation).expect("a plain sum in order");
        let (row, col) = (
            relation.row.expect("a row"),
            relation.column.expect("a col"),
        );
        let parent = CellRef::new(row, col);
        let children_total: Decimal = children.iter().map(|&r| value(CellRef::new(r, col))).sum();
        let first = CellRef::new(children[0], col);
        let last = CellRef::new(*children.last().expect("children"), col);
        let elsewhere = CellRef::new(children[0], col + 1);
        let tries: Vec<Vec<(CellRef, Decimal)>> = vec![
            vec![],
            vec![(parent, value(parent) + Decimal::ONE)],
            vec![(parent, children_total)],
            vec![(first, value(first) + Decimal::from(7))],
            vec![(last, Decimal::from(3))],
            vec![
                (first, value(first) - Decimal::ONE),
                (parent, value(parent) - Decimal::ONE),
            ],
            vec![(elsewhere, Decimal::from(1_000))],
            vec![
                (last, Decimal::ZERO),
                (parent, children_total - value(last)),
            ],
        ];
        for edits in tries {
            let overrides: HashMap<CellRef, Decimal> = edits.into_iter().collect();
            let whole = matches!(
                evaluator.evaluate(relation, &overrides).outcome,
                Outcome::Holds
                    | Outcome::HoldsTruncated(_)
                    | Outcome::HoldsRounded
                    | Outcome::Skipped
            );
            let moved = evaluator.moved_sum_holds(relation, &tally, &overrides);
            assert_eq!(moved, Some(whole), "{relation:?} {overrides:?}");
            compared += 1;
            let unchanged = evaluator.moved_sum_holds(relation, &tally, &HashMap::new());
            changed_verdicts += usize::from(unchanged != Some(whole));
        }
    }
    assert!(compared > 80, "{compared}");
    // The tries do change verdicts, both ways.
    assert!(changed_verdicts > 10, "{changed_verdicts}");
}

/// Moved sums agree with whole evaluations when the figures stand for intervals too:
/// every column rounded (the counts of the fixture then stand for ± 0,5 each), and
/// children that are formula results carrying a binary residue. Changes that land
/// within rounding, just outside it, and far away are tried.
#[test]
fn moved_sums_hold_as_evaluated_whole_within_rounding_and_residue() {
    let (mut sheet, mut bound, template, parsed) = fixture();
    let sums: Vec<(Relation, Vec<u32>)> = {
        let evaluator = Evaluator::new(&sheet, &bound, &template.spec, &parsed);
        evaluator
            .relations()
            .iter()
            .filter(|r| evaluator.is_plain_sum(r))
            .map(|r| (r, evaluator.children(&r).to_vec()))
            .collect()
    };
    let residue: Decimal = "0.000000000007".parse().unwrap();
    // The first child of each of the first sums becomes a formula's result, a hair
    // off its typed value.
    for (relation, children) in sums.iter().take(6) {
        let at = CellRef::new(children[0], relation.column.unwrap());
        if let Some(cell) = sheet.cells.iter_mut().find(|c| c.at == at) {
            if let Reading::Number(q) = &mut cell.reading {
                q.value += residue;
                // Shown with every digit: not a figure shown rounded.
                q.decimals = residue.scale();
                cell.value = Value::Number(q.value);
                cell.formula = Some("B1*1.1".into());
            }
        }
    }
    let whole_holds = |outcome: &Outcome| {
        matches!(
            outcome,
            Outcome::Holds | Outcome::HoldsTruncated(_) | Outcome::HoldsRounded | Outcome::Skipped
        )
    };
    let mut outcomes = std::collections::BTreeMap::new();
    for rounded in [false, true] {
        if rounded {
            bound.units = crate::unit::Units::all_rounded();
        }
        let evaluator = Evaluator::new(&sheet, &bound, &template.spec, &parsed);
        let value = |at: CellRef| match sheet.cell(at).map(|c| &c.reading) {
            Some(Reading::Number(q)) => q.value,
            _ => Decimal::ZERO,
        };
        for (relation, children) in &sums {
            let Some(tally) = evaluator.sum_tally(relation) else {
                continue;
            };
            let col = relation.column.unwrap();
            let parent = CellRef::new(relation.row.unwrap(), col);
            let first = CellRef::new(children[0], col);
            let last = CellRef::new(*children.last().unwrap(), col);
            let mut tries: Vec<Vec<(CellRef, Decimal)>> = vec![vec![]];
            for off in ["0.4", "1", "1.5", "2", "7"] {
                let off: Decimal = off.parse().unwrap();
                tries.push(vec![(parent, value(parent) + off)]);
                tries.push(vec![(last, value(last) - off)]);
                tries.push(vec![(first, value(first) + off)]);
            }
            for edits in tries {
                let overrides: HashMap<CellRef, Decimal> = edits.into_iter().collect();
                let whole = evaluator.evaluate(relation, &overrides).outcome;
                let moved = evaluator.moved_sum_holds(relation, &tally, &overrides);
                assert_eq!(
                    moved,
                    Some(whole_holds(&whole)),
                    "rounded {rounded} {relation:?} {overrides:?} {whole:?}"
                );
                let kind = match whole {
                    Outcome::Fails(_) => "fails",
                    Outcome::HoldsRounded => "within rounding",
                    _ => "holds",
                };
                *outcomes.entry((rounded, kind)).or_insert(0) += 1;
            }
        }
    }
    // Exact counts fail by one; rounded ones hold within rounding up to their
    // children's half units, and fail past them. The residue never fails a sum.
    assert!(
        outcomes.get(&(false, "fails")).copied().unwrap_or(0) > 20,
        "{outcomes:?}"
    );
    assert_eq!(
        outcomes.get(&(false, "within rounding")),
        None,
        "{outcomes:?}"
    );
    assert!(
        outcomes
            .get(&(true, "within rounding"))
            .copied()
            .unwrap_or(0)
            > 20,
        "{outcomes:?}"
    );
    assert!(
        outcomes.get(&(true, "fails")).copied().unwrap_or(0) > 5,
        "{outcomes:?}"
    );
    // The sums of the first parents, their first child off by a residue, hold.
    let evaluator = Evaluator::new(&sheet, &bound, &template.spec, &parsed);
    for (relation, _) in sums.iter().take(6) {
        let outcome = evaluator.evaluate(relation, &HashMap::new()).outcome;
        assert!(
            matches!(outcome, Outcome::Holds | Outcome::Skipped),
            "{relation:?} {outcome:?}"
        );
    }
}
