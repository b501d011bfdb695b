//! What a sheet's evaluations are kept as, and which relations read a cell: a big sheet
//! has ten million relations, nearly all holding, so each evaluation that held is kept in
//! 12 bytes and the readers index lists relations by the rows they read. Evaluating them
//! all (the hierarchy sums of a parent together, a big sheet's chunks on every core with
//! the `parallel` feature) starts here.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::model::CellRef;

use super::relations::{
    CellSet, CellSetIter, ChildSum, Evaluation, Evaluator, Outcome, Relation, Relations,
};

/// How many relations one thread evaluates at a time, when a sheet has more (the
/// `parallel` feature): a few milliseconds of work, so that the cores share a big sheet
/// evenly.
#[cfg(feature = "parallel")]
const PARALLEL_CHUNK: usize = 1 << 15;

/// The evaluations of every relation of a sheet, by relation index. A big sheet has
/// millions, nearly all holding after reading a handful of cells of one row: each of those
/// is kept as that row, the columns read and the target's column (12 bytes, a quarter of
/// an [`Evaluation`]); any other is kept whole.
#[derive(Default)]
pub(crate) struct Evaluations {
    entries: Vec<Entry>,
    /// The evaluations kept whole, in relation order.
    whole: Vec<(u32, Evaluation)>,
    /// The long hierarchy sums as added up, in relation order, for localization to move
    /// ([`Evaluator::moved_sum_holds`]) rather than add up again.
    sums: Vec<(u32, ChildSum)>,
}

/// One relation's evaluation: held or skipped after reading `columns` of `row`, or kept
/// whole (`columns` is then its place in `whole`).
#[derive(Clone, Copy)]
struct Entry {
    row: u32,
    columns: u32,
    kind: EntryKind,
    /// The target's column in `row`, or [`Entry::NO_TARGET`].
    target: u8,
}

#[derive(Clone, Copy, PartialEq)]
enum EntryKind {
    Holds,
    Skipped,
    Whole,
}

/// What is kept of one relation's evaluation.
enum Kept<'a> {
    Compact(Entry),
    Whole(&'a Evaluation),
}

impl Entry {
    const NO_TARGET: u8 = u8::MAX;

    /// The cells a compact entry's relation read.
    fn cells(&self) -> CellSet {
        CellSet::Row {
            row: self.row,
            columns: self.columns,
        }
    }

    /// The entry of an evaluation that holds or was skipped after reading cells of one row
    /// (its target, if any, in that row), `None` for any other.
    fn compact(evaluation: &Evaluation) -> Option<Entry> {
        let kind = match evaluation.outcome {
            Outcome::Holds => EntryKind::Holds,
            Outcome::Skipped => EntryKind::Skipped,
            _ => return None,
        };
        let CellSet::Row { row, columns } = evaluation.cells else {
            return None;
        };
        let target = match evaluation.target {
            None => Entry::NO_TARGET,
            Some(at) if at.row == row => u8::try_from(at.col)
                .ok()
                .filter(|&col| col != Entry::NO_TARGET)?,
            Some(_) => return None,
        };
        Some(Entry {
            row,
            columns,
            kind,
            target,
        })
    }
}

impl Evaluations {
    /// Every relation of `relations` evaluated, with no overrides; the hierarchy sums of one
    /// parent together ([`Evaluator::evaluate_sums`]).
    pub(crate) fn of(evaluator: &Evaluator, relations: &Relations) -> Evaluations {
        #[cfg(feature = "parallel")]
        if relations.len() > PARALLEL_CHUNK {
            return Evaluations::of_in_parallel(evaluator, relations, PARALLEL_CHUNK);
        }
        Evaluations::of_each(evaluator, relations.iter(), relations.len())
    }

    /// The evaluations of `relations`, in order (see [`Evaluations::of`]).
    fn of_each(
        evaluator: &Evaluator,
        relations: impl Iterator<Item = Relation>,
        count: usize,
    ) -> Evaluations {
        let no_overrides = HashMap::new();
        let mut evaluations = Evaluations {
            entries: Vec::with_capacity(count),
            ..Evaluations::default()
        };
        // The hierarchy sums of one parent waiting to be evaluated together.
        let mut run: Vec<Relation> = Vec::new();
        let flush = |run: &mut Vec<Relation>, evaluations: &mut Evaluations| {
            for (evaluation, sum) in evaluator.evaluate_sums(run) {
                if let Some(sum) = sum {
                    let index = u32::try_from(evaluations.entries.len()).unwrap_or(u32::MAX);
                    evaluations.sums.push((index, sum));
                }
                evaluations.push(evaluation);
            }
            run.clear();
        };
        for relation in relations {
            if run
                .last()
                .is_some_and(|last| !evaluator.sum_together(last, &relation))
            {
                flush(&mut run, &mut evaluations);
            }
            if evaluator.is_plain_sum(&relation) {
                run.push(relation);
            } else {
                evaluations.push(evaluator.evaluate(&relation, &no_overrides));
            }
        }
        flush(&mut run, &mut evaluations);
        evaluations
    }

    /// [`Evaluations::of`] on every core, a chunk of relations at a time, each writing its
    /// entries into place (a big sheet's entries are not held twice).
    #[cfg(feature = "parallel")]
    fn of_in_parallel(evaluator: &Evaluator, relations: &Relations, chunk: usize) -> Evaluations {
        use rayon::prelude::*;
        let placeholder = Entry {
            row: 0,
            columns: 0,
            kind: EntryKind::Skipped,
            target: Entry::NO_TARGET,
        };
        let mut entries = vec![placeholder; relations.len()];
        type Kept = (usize, Vec<(u32, Evaluation)>, Vec<(u32, ChildSum)>);
        let parts: Vec<Kept> = entries
            .par_chunks_mut(chunk.max(1))
            .enumerate()
            .map(|(k, places)| {
                let start = k.saturating_mul(chunk.max(1));
                let end = start.saturating_add(places.len());
                let part =
                    Evaluations::of_each(evaluator, relations.range(start..end), places.len());
                for (place, entry) in places.iter_mut().zip(part.entries) {
                    *place = entry;
                }
                (start, part.whole, part.sums)
            })
            .collect();
        // Each chunk numbered its relations and whole evaluations from 0.
        let mut evaluations = Evaluations {
            entries,
            ..Evaluations::default()
        };
        for (start, whole, sums) in parts {
            let places = u32::try_from(evaluations.whole.len()).unwrap_or(u32::MAX);
            let offset = u32::try_from(start).unwrap_or(u32::MAX);
            for (i, sum) in sums {
                evaluations.sums.push((i.saturating_add(offset), sum));
            }
            for (i, evaluation) in whole {
                let i = i.saturating_add(offset);
                if let Some(entry) = evaluations.entries.get_mut(i as usize) {
                    entry.columns = entry.columns.saturating_add(places);
                }
                evaluations.whole.push((i, evaluation));
            }
        }
        evaluations
    }

    /// Adds the evaluation of the next relation.
    pub(crate) fn push(&mut self, evaluation: Evaluation) {
        let entry = Entry::compact(&evaluation).unwrap_or_else(|| {
            // The limit on cells a sheet may have keeps its relations far below 2^32.
            let index = u32::try_from(self.entries.len()).unwrap_or(u32::MAX);
            let place = u32::try_from(self.whole.len()).unwrap_or(u32::MAX);
            self.whole.push((index, evaluation));
            Entry {
                row: 0,
                columns: place,
                kind: EntryKind::Whole,
                target: Entry::NO_TARGET,
            }
        });
        self.entries.push(entry);
    }

    /// How many relations were evaluated.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// What is kept of relation `i`'s evaluation.
    fn kept(&self, i: usize) -> Option<Kept<'_>> {
        let entry = *self.entries.get(i)?;
        match entry.kind {
            EntryKind::Whole => self
                .whole
                .get(entry.columns as usize)
                .map(|(_, evaluation)| Kept::Whole(evaluation)),
            EntryKind::Holds | EntryKind::Skipped => Some(Kept::Compact(entry)),
        }
    }

    /// The evaluation of relation `i`.
    pub(crate) fn get(&self, i: usize) -> Option<Cow<'_, Evaluation>> {
        let entry = match self.kept(i)? {
            Kept::Whole(evaluation) => return Some(Cow::Borrowed(evaluation)),
            Kept::Compact(entry) => entry,
        };
        Some(Cow::Owned(Evaluation {
            outcome: match entry.kind {
                EntryKind::Skipped => Outcome::Skipped,
                _ => Outcome::Holds,
            },
            target: (entry.target != Entry::NO_TARGET)
                .then(|| CellRef::new(entry.row, u32::from(entry.target))),
            cells: entry.cells(),
        }))
    }

    /// The cells relation `i` read, in order.
    pub(crate) fn cells(&self, i: usize) -> CellSetIter<'_> {
        match self.kept(i) {
            Some(Kept::Compact(entry)) => CellSetIter::Row {
                row: entry.row,
                columns: entry.columns,
            },
            Some(Kept::Whole(evaluation)) => evaluation.cells.iter(),
            None => CellSetIter::List([].iter()),
        }
    }

    /// Calls `visit(row, relation)` for every row each relation read, relations in order,
    /// rows in order and each once, walking the entries without looking each relation up
    /// (the readers index walks a big sheet's ten million three times).
    fn for_each_row_read(&self, mut visit: impl FnMut(u32, u32)) {
        for (i, entry) in (0u32..).zip(&self.entries) {
            match entry.kind {
                EntryKind::Holds | EntryKind::Skipped => {
                    if entry.columns != 0 {
                        visit(entry.row, i);
                    }
                }
                EntryKind::Whole => {
                    if let Some((_, evaluation)) = self.whole.get(entry.columns as usize) {
                        for row in rows_read(evaluation.cells.iter()) {
                            visit(row, i);
                        }
                    }
                }
            }
        }
    }

    /// Whether relation `i` read `cell`.
    pub(crate) fn read(&self, i: usize, cell: CellRef) -> bool {
        match self.kept(i) {
            Some(Kept::Compact(entry)) => entry.cells().contains(cell),
            Some(Kept::Whole(evaluation)) => evaluation.cells.contains(cell),
            None => false,
        }
    }

    /// Relation `i`'s sum as added up, when it is a long hierarchy sum.
    pub(crate) fn sum(&self, i: usize) -> Option<&ChildSum> {
        let i = u32::try_from(i).ok()?;
        let place = self
            .sums
            .binary_search_by_key(&i, |(index, _)| *index)
            .ok()?;
        self.sums.get(place).map(|(_, sum)| sum)
    }

    /// The evaluations kept whole, with their relation's index: among them every one that
    /// did not simply hold or was not simply skipped.
    pub(crate) fn whole(&self) -> impl Iterator<Item = (usize, &Evaluation)> {
        self.whole.iter().map(|(i, e)| (*i as usize, e))
    }
}

/// Evaluations kept as they are given (the tests compare what is kept with them).
#[cfg(test)]
impl FromIterator<Evaluation> for Evaluations {
    fn from_iter<T: IntoIterator<Item = Evaluation>>(iter: T) -> Self {
        let mut evaluations = Evaluations::default();
        for evaluation in iter {
            evaluations.push(evaluation);
        }
        evaluations
    }
}

/// Index: which relations read each cell, kept as the relations that read anything in each
/// row. A relation reads a dozen cells of its own row, or (a total) thousands down a
/// column: listed once per row it reads, each entry 4 bytes, rather than one
/// `(cell, relation)` pair per cell read, which would be several times as many entries
/// and need a sort. A look-up tests the row's few dozen relations against their read
/// cells.
#[derive(Default)]
pub(crate) struct Readers<'e> {
    evaluations: Option<&'e Evaluations>,
    /// The first row listed.
    first_row: u32,
    /// Where each row's relations start in `relations` (row `first_row + r` at `r`), and
    /// one more for the end.
    starts: Vec<u32>,
    /// Relation indices, by row, ascending within a row.
    relations: Vec<u32>,
}

impl<'e> Readers<'e> {
    pub(crate) fn new(evaluations: &'e Evaluations) -> Readers<'e> {
        let (mut first, mut last) = (u32::MAX, 0);
        evaluations.for_each_row_read(|row, _| {
            first = first.min(row);
            last = last.max(row);
        });
        let Some(span) = last.checked_sub(first).map(|s| s as usize) else {
            return Readers {
                evaluations: Some(evaluations),
                ..Readers::default()
            };
        };
        // Counted into rows, then placed: the relations come in order, so each row's list
        // is in order too.
        let mut counts = vec![0u32; span.saturating_add(1)];
        evaluations.for_each_row_read(|row, _| {
            if let Some(n) = counts.get_mut(row.saturating_sub(first) as usize) {
                *n = n.saturating_add(1);
            }
        });
        let mut starts = Vec::with_capacity(counts.len().saturating_add(1));
        let mut total = 0u32;
        for n in &counts {
            starts.push(total);
            total = total.saturating_add(*n);
        }
        starts.push(total);
        let mut next = starts.clone();
        let mut relations = vec![0u32; total as usize];
        evaluations.for_each_row_read(|row, i| {
            let Some(slot) = next.get_mut(row.saturating_sub(first) as usize) else {
                return;
            };
            if let Some(place) = relations.get_mut(*slot as usize) {
                *place = i;
            }
            *slot = slot.saturating_add(1);
        });
        Readers {
            evaluations: Some(evaluations),
            first_row: first,
            starts,
            relations,
        }
    }

    /// The relations that read `cell`, in order, each once.
    pub(crate) fn of(&self, cell: CellRef) -> impl Iterator<Item = usize> + '_ {
        let row = cell.row.checked_sub(self.first_row).map(|r| r as usize);
        let listed = row
            .and_then(|r| Some((*self.starts.get(r)?, *self.starts.get(r.saturating_add(1))?)))
            .and_then(|(start, end)| self.relations.get(start as usize..end as usize))
            .unwrap_or_default();
        listed
            .iter()
            .map(|&i| i as usize)
            .filter(move |&i| self.evaluations.is_some_and(|e| e.read(i, cell)))
    }
}

/// The rows a cell set reads, each once, in order.
fn rows_read(cells: CellSetIter<'_>) -> impl Iterator<Item = u32> + '_ {
    let mut previous = None;
    cells.filter_map(move |at| {
        let new = previous != Some(at.row);
        previous = Some(at.row);
        new.then_some(at.row)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_stays_small() {
        // What is kept of each of a big sheet's ten million relations, nearly all holding.
        assert_eq!(std::mem::size_of::<Entry>(), 12);
    }

    /// The sums of a parent evaluated together, and every relation evaluated in chunks on
    /// every core (chunks that split the sums' runs), come out as each relation alone.
    #[test]
    fn evaluated_together_and_in_chunks_as_one_by_one() {
        let (sheet, bound, template, parsed) = super::super::relations::tests::fixture();
        let evaluator = Evaluator::new(&sheet, &bound, &template.spec, &parsed);
        let relations = evaluator.relations();
        let listed: Vec<Relation> = relations.iter().collect();
        let no_overrides = HashMap::new();
        let alone: Vec<Evaluation> = listed
            .iter()
            .map(|relation| evaluator.evaluate(relation, &no_overrides))
            .collect();
        let together = Evaluations::of(&evaluator, &relations);
        for (i, evaluation) in alone.iter().enumerate() {
            assert_eq!(together.get(i).as_deref(), Some(evaluation), "{i}");
        }
        let sums = listed.iter().filter(|r| evaluator.is_plain_sum(r)).count();
        assert!(sums > 10, "{sums}");
        assert!(together.whole().count() > 0);
        // And so do they evaluated on every core, in chunks that split the sums' runs.
        #[cfg(feature = "parallel")]
        for chunk in [1, 7, 64] {
            let parallel = Evaluations::of_in_parallel(&evaluator, &relations, chunk);
            assert_eq!(parallel.len(), alone.len());
            for (i, evaluation) in alone.iter().enumerate() {
                assert_eq!(parallel.get(i).as_deref(), Some(evaluation), "{chunk} {i}");
            }
            assert!(parallel.whole().eq(together.whole()), "{chunk}");
        }
    }

    /// The evaluations kept compact give back what was kept, and the index by rows answers
    /// what a plain list of every `(cell, relation)` pair answers, for relations of one
    /// row, totals down a column, sparse rows and empty ones.
    #[test]
    fn kept_evaluations_and_readers_answer_as_plain_lists_would() {
        let at = |row: u32, col: u32| CellRef::new(row, col);
        let mut state = 0x2545_f491_u64;
        let mut next = move |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        for spread in [7u64, 1_000_000] {
            let evaluations: Vec<Evaluation> = (0..300)
                .map(|i| {
                    let row = 40 + next(spread) as u32;
                    let reads: Vec<CellRef> = if i % 5 == 0 {
                        // A total: its own cell and a column below.
                        (0..1 + next(9) as u32).map(|k| at(row + k, 3)).collect()
                    } else {
                        (0..next(6)).map(|_| at(row, next(40) as u32)).collect()
                    };
                    let outcome = match next(4) {
                        0 => Outcome::Skipped,
                        1 => Outcome::fails_unsided(),
                        _ => Outcome::Holds,
                    };
                    let target = match next(3) {
                        0 => None,
                        1 => reads.first().copied(),
                        _ => Some(at(row.saturating_sub(1), next(300) as u32)),
                    };
                    Evaluation {
                        outcome,
                        target,
                        cells: CellSet::of(&reads),
                    }
                })
                .collect();
            let kept: Evaluations = evaluations.iter().cloned().collect();
            assert_eq!(kept.len(), evaluations.len());
            for (i, evaluation) in evaluations.iter().enumerate() {
                assert_eq!(kept.get(i).as_deref(), Some(evaluation), "{i}");
                assert!(kept.cells(i).eq(evaluation.cells.iter()), "{i}");
            }
            let mut rows_read_kept = Vec::new();
            kept.for_each_row_read(|row, i| rows_read_kept.push((i as usize, row)));
            let rows_read_each: Vec<(usize, u32)> = evaluations
                .iter()
                .enumerate()
                .flat_map(|(i, e)| rows_read(e.cells.iter()).map(move |row| (i, row)))
                .collect();
            assert_eq!(rows_read_kept, rows_read_each);
            assert!(kept
                .whole()
                .all(|(i, e)| Some(e) == evaluations.get(i) && Entry::compact(e).is_none()));
            let readers = Readers::new(&kept);
            let mut asked: Vec<CellRef> = evaluations.iter().flat_map(|e| e.cells.iter()).collect();
            asked.extend([at(0, 0), at(39, 3), at(u32::MAX, 1), at(45, 39)]);
            for cell in asked {
                let expected: Vec<usize> = evaluations
                    .iter()
                    .enumerate()
                    .filter(|(_, e)| e.cells.iter().any(|c| c == cell))
                    .map(|(i, _)| i)
                    .collect();
                assert_eq!(readers.of(cell).collect::<Vec<_>>(), expected, "{cell}");
            }
        }
        assert_eq!(
            Readers::new(&Evaluations::default()).of(at(1, 1)).count(),
            0
        );
    }
}
