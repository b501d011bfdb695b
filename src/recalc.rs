//! Recomputes every formula of a workbook whose functions are supported and compares the
//! result with the cached value: a difference means the file was saved without recalculation.
//!
//! STUB: being written (see the formula helper's task).
