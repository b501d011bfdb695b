//! How a relation comes out (`Outcome`, the two `Sides` of one that fails) and what one
//! evaluation read (`Evaluation`).

use crate::interval::Interval;
use crate::model::CellRef;
use crate::number::Quantity;

use super::cell_set::CellSet;

/// How a relation came out. A big sheet has millions of relations and nearly all hold:
/// what the few that do not carry is behind one thin box, so that every outcome is 16
/// bytes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Outcome {
    /// It holds.
    Holds,
    /// It holds only because the reported value (the quantity) was truncated rather than
    /// rounded to the computed interval.
    HoldsTruncated(Box<(Quantity, Interval)>),
    /// It holds only within the rounding of its figures: they are in a scaled unit (or the
    /// template says they are rounded), or shown with fewer decimals than they hold, and
    /// the two sides meet once each such figure stands for ± half its last shown unit.
    HoldsRounded,
    /// It does not hold.
    Fails(Box<Sides>),
    /// Not checked: a cell was `x`, the condition was false, or a value was not a number.
    Skipped,
    /// A cell it reads holds an Excel error.
    // A boxed slice is a fat pointer: boxed again it is a thin one, and keeps the outcome
    // of every relation at 16 bytes.
    #[allow(clippy::box_collection)]
    ErrorValue(Box<Vec<CellRef>>),
}

/// The two sides of a relation that fails, when they are numbers.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Sides {
    /// The reported value, and how its cell shows it.
    pub lhs: Option<(Interval, Option<Quantity>)>,
    /// The computed value.
    pub rhs: Option<Interval>,
}

impl Outcome {
    /// A failure with both sides known.
    pub(super) fn fails(lhs: Interval, shown: Option<Quantity>, rhs: Interval) -> Outcome {
        Outcome::Fails(Box::new(Sides {
            lhs: Some((lhs, shown)),
            rhs: Some(rhs),
        }))
    }

    /// A failure of a rule that is not an equation of numbers.
    pub(crate) fn fails_unsided() -> Outcome {
        Outcome::Fails(Box::default())
    }
}

/// What one evaluation read.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Evaluation {
    pub outcome: Outcome,
    /// The reported cell (left side), if it is one cell.
    pub target: Option<CellRef>,
    /// Every cell read, sorted, each once.
    pub cells: CellSet,
}
