//! Excel formula syntax: a parser into an expression tree, and an evaluator in exact decimal
//! arithmetic that carries intervals. The same parser reads template rules.
//!
//! STUB: being written (see the formula helper's task).
