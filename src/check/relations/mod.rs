//! Template rules as relation instances: each rule applied to each row (or once, or down
//! each column's hierarchy), evaluated exactly over the cells' values, with the reported
//! side standing for the interval its shown precision allows.

mod cell_set;
mod child_sum;
mod evaluator;
mod names;
mod outcome;
mod relation;
mod resolver;
#[cfg(test)]
pub(crate) mod tests;

pub(crate) use cell_set::{CellSet, CellSetIter};
pub(crate) use child_sum::ChildSum;
pub(crate) use evaluator::Evaluator;
pub(crate) use outcome::{Evaluation, Outcome, Sides};
pub(crate) use relation::{Relation, Relations};
