//! The set of cells one relation read, kept without an allocation for the common case of a
//! few cells of one row.

use crate::formula::plain::Reads;
use crate::model::CellRef;

/// The cells one relation read, sorted, each once. A rule reads a handful of cells of its
/// own row: those are a column mask, so that the millions of relations of a big sheet
/// allocate nothing for them; anything else is a list.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum CellSet {
    /// Cells of one row, in columns below 32: bit `c` of `columns` is column `c`.
    Row { row: u32, columns: u32 },
    /// Any cells, sorted, each once.
    List(Box<[CellRef]>),
}

impl Default for CellSet {
    fn default() -> Self {
        CellSet::Row { row: 0, columns: 0 }
    }
}

impl CellSet {
    /// The set of the cells in `reads` (in any order, repeats allowed).
    pub(crate) fn of(reads: &[CellRef]) -> CellSet {
        let Some(first) = reads.first() else {
            return CellSet::default();
        };
        let mut columns = 0u32;
        let one_row = reads.iter().all(|at| {
            let bit = (at.row == first.row)
                .then(|| 1u32.checked_shl(at.col))
                .flatten();
            columns |= bit.unwrap_or(0);
            bit.is_some()
        });
        if one_row {
            return CellSet::Row {
                row: first.row,
                columns,
            };
        }
        let mut cells = Reads::from_slice(reads);
        // A section's sum reads its children in order: no sort for those.
        if !cells.is_sorted() {
            cells.sort_unstable();
        }
        cells.dedup();
        CellSet::List(Box::from(cells.as_slice()))
    }

    /// The cells in order.
    pub(crate) fn iter(&self) -> CellSetIter<'_> {
        match self {
            CellSet::Row { row, columns } => CellSetIter::Row {
                row: *row,
                columns: *columns,
            },
            CellSet::List(cells) => CellSetIter::List(cells.iter()),
        }
    }

    /// The first cell in order.
    pub(crate) fn first(&self) -> Option<CellRef> {
        self.iter().next()
    }

    /// Whether `cell` is in the set.
    pub(crate) fn contains(&self, cell: CellRef) -> bool {
        match self {
            CellSet::Row { row, columns } => {
                *row == cell.row
                    && 1u32
                        .checked_shl(cell.col)
                        .is_some_and(|bit| columns & bit != 0)
            }
            CellSet::List(cells) => cells.binary_search(&cell).is_ok(),
        }
    }
}

/// The cells of a [`CellSet`], in order.
#[derive(Clone)]
pub(crate) enum CellSetIter<'a> {
    Row { row: u32, columns: u32 },
    List(std::slice::Iter<'a, CellRef>),
}

impl Iterator for CellSetIter<'_> {
    type Item = CellRef;

    fn next(&mut self) -> Option<CellRef> {
        match self {
            CellSetIter::Row { row, columns } => {
                if *columns == 0 {
                    return None;
                }
                let col = columns.trailing_zeros();
                // Clears the lowest set bit.
                *columns &= columns.wrapping_sub(1);
                Some(CellRef::new(*row, col))
            }
            CellSetIter::List(cells) => cells.next().copied(),
        }
    }
}
