//! The evaluator: an [`Expr`] computed exactly over intervals, with Excel's coercions,
//! error propagation and the functions report workbooks use.
//!
//! Comparisons of numbers follow the interval model: a comparison is TRUE when *some* pair
//! of values from the two intervals satisfies it, i.e. the reported precision does not
//! contradict it. So `a = b` holds iff the intervals meet, `a < b` iff `a.lo < b.hi`,
//! `a <= b` iff `a.lo <= b.hi`, `a > b` iff `a.hi > b.lo`, `a >= b` iff `a.hi >= b.lo`, and
//! `a <> b` unless both are the same single value. For points these are the plain
//! comparisons.

use std::cell::Cell;
use std::cmp::Ordering;
use std::str::FromStr;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use smallvec::SmallVec;

use super::ast::{BinaryOp, ExcelError, Expr, Reference, UnaryOp};
use super::binary;
use crate::interval::{Interval, RoundMode};
use crate::model::{CellRange, CellRef};

/// The value of an expression or of a cell as the evaluator sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum EvalValue {
    /// A number, exact or known to lie in an interval.
    Number(Interval),
    /// Text.
    Text(String),
    /// TRUE or FALSE.
    Bool(bool),
    /// An Excel error, or [`ExcelError::Unsupported`] when the value cannot be computed.
    Error(ExcelError),
    /// An empty cell (0 in arithmetic, "" in text). A formula that only reads an empty cell
    /// evaluates to `Blank`; Excel shows it as 0.
    Blank,
}

impl EvalValue {
    /// A number value that is a single exact decimal.
    pub fn number(value: Decimal) -> EvalValue {
        EvalValue::Number(Interval::point(value))
    }
}

/// What a name resolves to: one value (a cell of the current row) or many (a column).
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// One value.
    Single(EvalValue),
    /// Several values, as a range gives them (row by row).
    Many(Vec<EvalValue>),
}

/// Supplies the values a formula reads. `sheet` is `None` for the formula's own sheet.
pub trait Resolver {
    /// The value at one cell (`Blank` when empty; `#REF!` for an unknown sheet).
    fn cell(&self, sheet: Option<&str>, at: CellRef) -> EvalValue;
    /// The values of a rectangle, row by row.
    fn range(&self, sheet: Option<&str>, range: CellRange) -> Vec<EvalValue>;
    /// What a name stands for; `None` when it is unknown (the formula gets `#NAME?`).
    fn name(&self, name: &str) -> Option<Operand>;
}

/// How deep evaluation recurses before giving up (the parser already bounds its trees).
const MAX_EVAL_DEPTH: usize = 1_000;

/// Evaluates a parsed formula against the values `resolver` supplies. Never panics:
/// overflow of exact arithmetic gives `#NUM!`, an unknown function
/// `Error(Unsupported(name))`.
///
/// # Examples
/// ```
/// use crossfoot::{evaluate, parse_formula, CellRange, CellRef, EvalValue, Operand, Resolver};
/// use rust_decimal::Decimal;
///
/// struct Row;
/// impl Resolver for Row {
///     fn cell(&self, _: Option<&str>, at: CellRef) -> EvalValue {
///         EvalValue::number(Decimal::from(at.col + 1))
///     }
///     fn range(&self, sheet: Option<&str>, range: CellRange) -> Vec<EvalValue> {
///         (range.first.col..=range.last.col)
///             .map(|col| self.cell(sheet, CellRef::new(range.first.row, col)))
///             .collect()
///     }
///     fn name(&self, name: &str) -> Option<Operand> {
///         (name == "total").then(|| Operand::Single(EvalValue::number(Decimal::from(6))))
///     }
/// }
///
/// let rule = parse_formula("total = SUM(A1:C1)").unwrap();
/// assert_eq!(evaluate(&rule, &Row), EvalValue::Bool(true));
/// let ratio = parse_formula("=ROUND(A1/C1*100, 1)").unwrap();
/// assert_eq!(evaluate(&ratio, &Row), EvalValue::number("33.3".parse().unwrap()));
/// ```
pub fn evaluate(expr: &Expr, resolver: &dyn Resolver) -> EvalValue {
    Evaluator {
        resolver,
        binary: None,
    }
    .eval(expr, 0)
}

/// How the rounding functions read their argument in binary arithmetic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RoundingInput {
    /// First rounded to 15 significant digits, as Excel does (`ROUND(0.285*100, 0)` is 29).
    FifteenDigits,
    /// The double as it is, as LibreOffice does (the same is 28).
    Double,
}

/// Evaluates a formula in Excel's binary arithmetic ([`binary`]): what a spreadsheet program
/// would compute and save for it. Returns the value and the largest magnitude any operation
/// met, against which a cancellation's residue is measured.
pub(crate) fn evaluate_binary(
    expr: &Expr,
    resolver: &dyn Resolver,
    rounding: RoundingInput,
) -> (EvalValue, f64) {
    let magnitude = Cell::new(0.0);
    let value = Evaluator {
        resolver,
        binary: Some(Binary {
            magnitude: &magnitude,
            rounding,
        }),
    }
    .eval(expr, 0);
    (value, magnitude.get())
}

/// The state of an evaluation in binary arithmetic.
#[derive(Clone, Copy)]
struct Binary<'a> {
    /// The largest magnitude met so far.
    magnitude: &'a Cell<f64>,
    rounding: RoundingInput,
}

/// A function argument: a value written directly, or the values of a reference (which
/// functions like SUM treat differently: text in a reference is skipped).
enum Arg {
    Direct(EvalValue),
    /// One referenced cell: the common case, kept out of the heap.
    Cell(EvalValue),
    Referenced(Vec<EvalValue>),
}

/// The numbers of one call (SUM, MIN, MAX, AVERAGE), on the stack for the usual few.
type Numbers = SmallVec<[Interval; 8]>;

/// Most calls take a handful of arguments: they stay on the stack (the rules of a form
/// evaluate millions of calls).
type Args = SmallVec<[Arg; 4]>;

impl Arg {
    fn into_values(self) -> Vec<EvalValue> {
        match self {
            Arg::Direct(value) | Arg::Cell(value) => vec![value],
            Arg::Referenced(values) => values,
        }
    }

    /// The values a reference gave, or the direct value alone (`Err`).
    fn referenced(&self) -> Result<&[EvalValue], &EvalValue> {
        match self {
            Arg::Direct(value) => Err(value),
            Arg::Cell(value) => Ok(std::slice::from_ref(value)),
            Arg::Referenced(values) => Ok(values),
        }
    }
}

fn unsupported(what: &str) -> EvalValue {
    EvalValue::Error(ExcelError::Unsupported(what.to_string()))
}

/// Parses text the way direct arithmetic converts it: a plain `.`-decimal number, an
/// optional exponent, an optional trailing `%`.
fn number_from_text(text: &str) -> Option<Interval> {
    let trimmed = text.trim();
    let (body, percent) = match trimmed.strip_suffix('%') {
        Some(body) => (body.trim_end(), true),
        None => (trimmed, false),
    };
    if body.is_empty()
        || !body
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'))
    {
        return None;
    }
    let body = body.strip_prefix('+').unwrap_or(body);
    let value = if body.contains(['e', 'E']) {
        Decimal::from_scientific(body).ok()?
    } else {
        Decimal::from_str(body).ok()?
    };
    let value = if percent {
        value.checked_div(Decimal::ONE_HUNDRED)?
    } else {
        value
    };
    Some(Interval::point(value))
}

fn bool_number(b: bool) -> Interval {
    Interval::point(if b { Decimal::ONE } else { Decimal::ZERO })
}

/// A value as a number in direct arithmetic (`=A1+1`).
fn to_number(value: &EvalValue) -> Result<Interval, ExcelError> {
    match value {
        EvalValue::Number(n) => Ok(*n),
        EvalValue::Blank => Ok(Interval::point(Decimal::ZERO)),
        EvalValue::Bool(b) => Ok(bool_number(*b)),
        EvalValue::Text(text) => number_from_text(text).ok_or(ExcelError::Value),
        EvalValue::Error(error) => Err(error.clone()),
    }
}

/// A value as text (`&`). A number that is not a single value has no one text.
fn to_text(value: &EvalValue) -> Result<String, ExcelError> {
    match value {
        EvalValue::Number(n) if n.is_point() => Ok(n.lo.normalize().to_string()),
        EvalValue::Number(_) => Err(ExcelError::Value),
        EvalValue::Text(text) => Ok(text.clone()),
        EvalValue::Bool(true) => Ok("TRUE".to_string()),
        EvalValue::Bool(false) => Ok("FALSE".to_string()),
        EvalValue::Blank => Ok(String::new()),
        EvalValue::Error(error) => Err(error.clone()),
    }
}

/// Whether a number may be non-zero (a condition holds unless the value is exactly 0).
pub(crate) fn number_truth(n: &Interval) -> bool {
    !(n.lo.is_zero() && n.hi.is_zero())
}

/// A value as a condition (`IF`, `NOT`).
fn to_bool(value: &EvalValue) -> Result<bool, ExcelError> {
    match value {
        EvalValue::Bool(b) => Ok(*b),
        EvalValue::Number(n) => Ok(number_truth(n)),
        EvalValue::Blank => Ok(false),
        EvalValue::Text(text) if text.trim().eq_ignore_ascii_case("TRUE") => Ok(true),
        EvalValue::Text(text) if text.trim().eq_ignore_ascii_case("FALSE") => Ok(false),
        EvalValue::Text(_) => Err(ExcelError::Value),
        EvalValue::Error(error) => Err(error.clone()),
    }
}

/// Whether two numbers may stand in relation `op` (see the module documentation).
pub(crate) fn compare_numbers(op: BinaryOp, a: &Interval, b: &Interval) -> bool {
    match op {
        BinaryOp::Eq => a.meets(b),
        BinaryOp::Ne => !(a.is_point() && b.is_point() && a.lo == b.lo),
        BinaryOp::Lt => a.lo < b.hi,
        BinaryOp::Le => a.lo <= b.hi,
        BinaryOp::Gt => a.hi > b.lo,
        BinaryOp::Ge => a.hi >= b.lo,
        _ => false,
    }
}

fn ordering_satisfies(op: BinaryOp, ordering: Ordering) -> bool {
    match op {
        BinaryOp::Eq => ordering == Ordering::Equal,
        BinaryOp::Ne => ordering != Ordering::Equal,
        BinaryOp::Lt => ordering == Ordering::Less,
        BinaryOp::Le => ordering != Ordering::Greater,
        BinaryOp::Gt => ordering == Ordering::Greater,
        BinaryOp::Ge => ordering != Ordering::Less,
        _ => false,
    }
}

fn compare_text(a: &str, b: &str) -> Ordering {
    a.to_lowercase().cmp(&b.to_lowercase())
}

/// Excel's comparison: blank takes the other side's kind; numbers < text < booleans.
fn compare(
    op: BinaryOp,
    left: &EvalValue,
    right: &EvalValue,
    binary: bool,
) -> Result<bool, ExcelError> {
    use EvalValue::{Blank, Bool, Error, Number, Text};
    let zero = Interval::point(Decimal::ZERO);
    let numbers = |a: &Interval, b: &Interval| {
        if binary {
            compare_doubles(op, a, b)
        } else {
            compare_numbers(op, a, b)
        }
    };
    Ok(match (left, right) {
        (Error(e), _) | (_, Error(e)) => return Err(e.clone()),
        (Number(a), Number(b)) => numbers(a, b),
        (Number(a), Blank) => numbers(a, &zero),
        (Blank, Number(b)) => numbers(&zero, b),
        (Text(a), Text(b)) => ordering_satisfies(op, compare_text(a, b)),
        (Text(a), Blank) => ordering_satisfies(op, compare_text(a, "")),
        (Blank, Text(b)) => ordering_satisfies(op, compare_text("", b)),
        (Bool(a), Bool(b)) => ordering_satisfies(op, a.cmp(b)),
        (Bool(a), Blank) => ordering_satisfies(op, a.cmp(&false)),
        (Blank, Bool(b)) => ordering_satisfies(op, false.cmp(b)),
        (Blank, Blank) => ordering_satisfies(op, Ordering::Equal),
        (Number(_), _) | (Text(_), Bool(_)) => ordering_satisfies(op, Ordering::Less),
        _ => ordering_satisfies(op, Ordering::Greater),
    })
}

/// Two numbers compared as Excel compares its doubles: the same to within `2^-48` is equal.
fn compare_doubles(op: BinaryOp, a: &Interval, b: &Interval) -> bool {
    match (binary::to_f64(a.lo), binary::to_f64(b.lo)) {
        (Some(x), Some(y)) if a.is_point() && b.is_point() => {
            let ordering = if binary::approx_equal(x, y) {
                Ordering::Equal
            } else {
                x.partial_cmp(&y).unwrap_or(Ordering::Equal)
            };
            ordering_satisfies(op, ordering)
        }
        _ => compare_numbers(op, a, b),
    }
}

fn number_result(result: Option<Interval>) -> EvalValue {
    result.map_or(EvalValue::Error(ExcelError::Num), EvalValue::Number)
}

fn divide(a: &Interval, b: &Interval) -> EvalValue {
    if b.contains(Decimal::ZERO) {
        // A divisor that is, or may be at its shown precision, zero.
        return EvalValue::Error(ExcelError::Div0);
    }
    number_result(a.checked_div(b))
}

fn power(base: &Interval, exponent: &Interval) -> EvalValue {
    if !exponent.is_point() || !exponent.lo.fract().is_zero() {
        return unsupported("^ with a non-integer exponent");
    }
    let Some(exponent) = exponent.lo.to_i64() else {
        return EvalValue::Error(ExcelError::Num);
    };
    match base.checked_pow(exponent) {
        Some(result) => EvalValue::Number(result),
        None if exponent < 0 && base.contains(Decimal::ZERO) => EvalValue::Error(ExcelError::Div0),
        None => EvalValue::Error(ExcelError::Num),
    }
}

impl Evaluator<'_> {
    fn apply_binary(&self, op: BinaryOp, left: &EvalValue, right: &EvalValue) -> EvalValue {
        match op {
            BinaryOp::Concat => match (to_text(left), to_text(right)) {
                (Ok(a), Ok(b)) => EvalValue::Text(a + &b),
                (Err(e), _) | (_, Err(e)) => EvalValue::Error(e),
            },
            BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge => match compare(op, left, right, self.binary.is_some()) {
                Ok(b) => EvalValue::Bool(b),
                Err(e) => EvalValue::Error(e),
            },
            BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Pow => {
                let (a, b) = match (to_number(left), to_number(right)) {
                    (Ok(a), Ok(b)) => (a, b),
                    (Err(e), _) | (_, Err(e)) => return EvalValue::Error(e),
                };
                if let Some(value) = self.in_binary(op, &a, &b) {
                    return value;
                }
                match op {
                    BinaryOp::Add => number_result(a.checked_add(&b)),
                    BinaryOp::Sub => number_result(a.checked_sub(&b)),
                    BinaryOp::Mul => number_result(a.checked_mul(&b)),
                    BinaryOp::Div => divide(&a, &b),
                    _ => power(&a, &b),
                }
            }
        }
    }

    /// `a op b` in Excel's binary arithmetic, when evaluating that way; `None` otherwise
    /// (and for powers with a fractional exponent, left to the exact path's verdict).
    fn in_binary(&self, op: BinaryOp, a: &Interval, b: &Interval) -> Option<EvalValue> {
        let magnitude = self.binary?.magnitude;
        let (x, y) = (binary::to_f64(a.lo)?, binary::to_f64(b.lo)?);
        if !a.is_point() || !b.is_point() {
            return None;
        }
        let result = match op {
            BinaryOp::Add => binary::add(x, y),
            BinaryOp::Sub => binary::sub(x, y),
            BinaryOp::Mul => x * y,
            BinaryOp::Div if y == 0.0 => return Some(EvalValue::Error(ExcelError::Div0)),
            BinaryOp::Div => x / y,
            BinaryOp::Pow if x == 0.0 && y < 0.0 => {
                return Some(EvalValue::Error(ExcelError::Div0))
            }
            BinaryOp::Pow if x < 0.0 && y.fract() != 0.0 => {
                return Some(EvalValue::Error(ExcelError::Num))
            }
            BinaryOp::Pow => x.powf(y),
            _ => return None,
        };
        magnitude.set(magnitude.get().max(x.abs()).max(y.abs()).max(result.abs()));
        Some(binary::from_f64(result).map_or(EvalValue::Error(ExcelError::Num), EvalValue::number))
    }

    /// `total + n`, exactly or in binary arithmetic as the evaluator computes.
    fn add(&self, total: &Interval, n: &Interval) -> Result<Interval, ExcelError> {
        match self.in_binary(BinaryOp::Add, total, n) {
            Some(EvalValue::Number(sum)) => Ok(sum),
            Some(EvalValue::Error(e)) => Err(e),
            _ => total.checked_add(n).ok_or(ExcelError::Num),
        }
    }

    /// `total × n`, exactly or in binary arithmetic as the evaluator computes.
    fn mul(&self, total: &Interval, n: &Interval) -> Result<Interval, ExcelError> {
        match self.in_binary(BinaryOp::Mul, total, n) {
            Some(EvalValue::Number(product)) => Ok(product),
            Some(EvalValue::Error(e)) => Err(e),
            _ => total.checked_mul(n).ok_or(ExcelError::Num),
        }
    }
}

/// The integer a digits argument stands for (`ROUND(x, 1.7)` rounds to 1 digit).
fn digits_argument(value: &EvalValue) -> Result<i64, ExcelError> {
    digits_of(&to_number(value)?).ok_or(ExcelError::Value)
}

/// The integer a number stands for as a digits argument; `None` when its bounds truncate
/// to different integers.
pub(crate) fn digits_of(n: &Interval) -> Option<i64> {
    let lo = n.lo.trunc();
    if lo != n.hi.trunc() {
        return None;
    }
    // Anything beyond ±1000 digits rounds the same as ±1000.
    Some(
        lo.max(Decimal::from(-1000))
            .min(Decimal::from(1000))
            .to_i64()
            .unwrap_or(0),
    )
}

/// A SUMIF criterion: an operator and what it compares with.
struct Criterion {
    op: BinaryOp,
    target: EvalValue,
}

impl Criterion {
    fn from_value(value: &EvalValue) -> Result<Criterion, ExcelError> {
        let text = match value {
            EvalValue::Error(e) => return Err(e.clone()),
            EvalValue::Text(text) => text,
            EvalValue::Blank => {
                return Ok(Criterion {
                    op: BinaryOp::Eq,
                    target: EvalValue::number(Decimal::ZERO),
                })
            }
            other => {
                return Ok(Criterion {
                    op: BinaryOp::Eq,
                    target: other.clone(),
                })
            }
        };
        let operators = [
            ("<=", BinaryOp::Le),
            (">=", BinaryOp::Ge),
            ("<>", BinaryOp::Ne),
            ("<", BinaryOp::Lt),
            (">", BinaryOp::Gt),
            ("=", BinaryOp::Eq),
        ];
        let (op, operand) = operators
            .iter()
            .find_map(|(symbol, op)| text.strip_prefix(symbol).map(|rest| (*op, rest)))
            .unwrap_or((BinaryOp::Eq, text.as_str()));
        let target = if let Some(n) = number_from_text(operand) {
            EvalValue::Number(n)
        } else if operand.eq_ignore_ascii_case("TRUE") {
            EvalValue::Bool(true)
        } else if operand.eq_ignore_ascii_case("FALSE") {
            EvalValue::Bool(false)
        } else {
            EvalValue::Text(operand.to_string())
        };
        Ok(Criterion { op, target })
    }

    fn matches(&self, cell: &EvalValue) -> bool {
        match (&self.target, cell) {
            (_, EvalValue::Error(_)) => false,
            (EvalValue::Number(target), EvalValue::Number(n)) => {
                compare_numbers(self.op, n, target)
            }
            (EvalValue::Bool(target), EvalValue::Bool(b)) => {
                ordering_satisfies(self.op, b.cmp(target))
            }
            (EvalValue::Text(pattern), _) if matches!(self.op, BinaryOp::Eq | BinaryOp::Ne) => {
                let equal = match cell {
                    EvalValue::Text(text) => wildcard_match(pattern, text),
                    EvalValue::Blank => pattern.is_empty(),
                    _ => false,
                };
                equal == (self.op == BinaryOp::Eq)
            }
            (EvalValue::Text(target), EvalValue::Text(text)) => {
                ordering_satisfies(self.op, compare_text(text, target))
            }
            // Different kinds never compare equal, so only `<>` holds.
            _ => self.op == BinaryOp::Ne,
        }
    }
}

/// Excel's criteria wildcards, case-insensitive: `*` any run, `?` one character, `~`
/// escapes the next one.
// `p` and `t` only step past a piece or character just read (or one past a remembered
// `*`), so they never exceed the lengths of `pieces` and `text`.
#[allow(clippy::arithmetic_side_effects)]
fn wildcard_match(pattern: &str, text: &str) -> bool {
    #[derive(PartialEq)]
    enum Piece {
        Any,
        One,
        Char(char),
    }
    let mut pieces = Vec::new();
    let mut chars = pattern.chars().flat_map(char::to_lowercase);
    while let Some(c) = chars.next() {
        pieces.push(match c {
            '*' => Piece::Any,
            '?' => Piece::One,
            '~' => Piece::Char(chars.next().unwrap_or('~')),
            c => Piece::Char(c),
        });
    }
    let text: Vec<char> = text.chars().flat_map(char::to_lowercase).collect();
    // Greedy matching with backtracking to the last `*`: linear in practice.
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match (pieces.get(p), text.get(t)) {
            (Some(Piece::One), Some(_)) => {
                p += 1;
                t += 1;
            }
            (Some(Piece::Char(c)), Some(x)) if c == x => {
                p += 1;
                t += 1;
            }
            (Some(Piece::Any), _) => {
                star = Some((p, t));
                p += 1;
            }
            _ => match star {
                Some((star_p, star_t)) => {
                    p = star_p + 1;
                    t = star_t + 1;
                    star = Some((star_p, star_t + 1));
                }
                None => return false,
            },
        }
    }
    pieces
        .get(p..)
        .is_some_and(|rest| rest.iter().all(|piece| *piece == Piece::Any))
}

struct Evaluator<'a> {
    resolver: &'a dyn Resolver,
    /// Evaluating in Excel's binary arithmetic.
    binary: Option<Binary<'a>>,
}

impl Evaluator<'_> {
    fn eval(&self, expr: &Expr, depth: usize) -> EvalValue {
        if depth > MAX_EVAL_DEPTH {
            return unsupported("formula nested too deeply");
        }
        match expr {
            Expr::Number(n) => EvalValue::number(*n),
            Expr::Text(text) => EvalValue::Text(text.clone()),
            Expr::Bool(b) => EvalValue::Bool(*b),
            Expr::Error(error) => EvalValue::Error(error.clone()),
            Expr::Missing => EvalValue::Blank,
            Expr::Reference(reference) => self.scalar_reference(reference),
            Expr::Unary { .. } => self.unary_chain(expr, depth),
            Expr::Binary { .. } => self.binary_chain(expr, depth),
            Expr::Call { name, args } => self.call(name, args, depth),
        }
    }

    /// A reference where one value is expected. A multi-cell range would need Excel's
    /// implicit intersection or array evaluation, which are not implemented.
    fn scalar_reference(&self, reference: &Reference) -> EvalValue {
        match reference {
            Reference::Cell { sheet, at } => self.resolver.cell(sheet.as_deref(), *at),
            Reference::Range { sheet, range } => {
                if range.first == range.last {
                    self.resolver.cell(sheet.as_deref(), range.first)
                } else {
                    unsupported("a range used as a single value")
                }
            }
            Reference::Name(name) => match self.resolver.name(name) {
                None => EvalValue::Error(ExcelError::Name),
                Some(Operand::Single(value)) => value,
                Some(Operand::Many(mut values)) => {
                    if values.len() == 1 {
                        values.pop().unwrap_or(EvalValue::Blank)
                    } else {
                        unsupported("a name of many cells used as a single value")
                    }
                }
            },
        }
    }

    /// Prefix and postfix operators, applied innermost first without recursing per sign.
    fn unary_chain(&self, expr: &Expr, depth: usize) -> EvalValue {
        let mut ops: SmallVec<[UnaryOp; 4]> = SmallVec::new();
        let mut node = expr;
        while let Expr::Unary { op, operand } = node {
            ops.push(*op);
            node = operand;
        }
        let mut value = self.eval(node, depth.saturating_add(1));
        for op in ops.into_iter().rev() {
            value = match op {
                // Excel's unary plus leaves any value as it is.
                UnaryOp::Plus => value,
                UnaryOp::Neg => match to_number(&value) {
                    Ok(n) => EvalValue::Number(n.neg()),
                    Err(e) => EvalValue::Error(e),
                },
                UnaryOp::Percent => match to_number(&value) {
                    Ok(n) => {
                        let hundred = Interval::point(Decimal::ONE_HUNDRED);
                        self.in_binary(BinaryOp::Div, &n, &hundred)
                            .unwrap_or_else(|| number_result(n.checked_div(&hundred)))
                    }
                    Err(e) => EvalValue::Error(e),
                },
            };
        }
        value
    }

    /// A left-leaning chain `a + b - c …` evaluated left to right without recursing down
    /// its spine, so long chains cost no stack.
    fn binary_chain(&self, expr: &Expr, depth: usize) -> EvalValue {
        let mut spine: SmallVec<[(BinaryOp, &Expr); 8]> = SmallVec::new();
        let mut node = expr;
        while let Expr::Binary { op, left, right } = node {
            spine.push((*op, right.as_ref()));
            node = left;
        }
        let mut value = self.eval(node, depth.saturating_add(1));
        for (op, right) in spine.into_iter().rev() {
            let right = self.eval(right, depth.saturating_add(1));
            value = self.apply_binary(op, &value, &right);
        }
        value
    }

    /// An argument as a function sees it: references stay lists of values.
    fn arg(&self, expr: &Expr, depth: usize) -> Arg {
        match expr {
            Expr::Reference(Reference::Cell { sheet, at }) => {
                Arg::Cell(self.resolver.cell(sheet.as_deref(), *at))
            }
            Expr::Reference(Reference::Range { sheet, range }) => {
                Arg::Referenced(self.resolver.range(sheet.as_deref(), *range))
            }
            Expr::Reference(Reference::Name(name)) => match self.resolver.name(name) {
                None => Arg::Direct(EvalValue::Error(ExcelError::Name)),
                Some(Operand::Single(value)) => Arg::Cell(value),
                Some(Operand::Many(values)) => Arg::Referenced(values),
            },
            other => Arg::Direct(self.eval(other, depth.saturating_add(1))),
        }
    }

    fn args(&self, args: &[Expr], depth: usize) -> Args {
        args.iter().map(|arg| self.arg(arg, depth)).collect()
    }

    fn scalar_arg(&self, args: &[Expr], index: usize, depth: usize) -> Option<EvalValue> {
        args.get(index)
            .map(|arg| self.eval(arg, depth.saturating_add(1)))
    }

    fn call(&self, name: &str, args: &[Expr], depth: usize) -> EvalValue {
        let result = match name {
            "SUM" => self.sum(args, depth),
            "SUMIF" => self.sumif(args, depth),
            "SUMPRODUCT" => self.sumproduct(args, depth),
            "ROUND" => self.round(args, depth, RoundMode::HalfAwayFromZero, true),
            "ROUNDUP" => self.round(args, depth, RoundMode::AwayFromZero, true),
            "ROUNDDOWN" => self.round(args, depth, RoundMode::TowardZero, true),
            "TRUNC" => self.round(args, depth, RoundMode::TowardZero, false),
            "INT" => self.int(args, depth),
            "ABS" => self.abs(args, depth),
            "IF" => self.if_(args, depth),
            "IFERROR" => self.iferror(args, depth),
            "AND" => self.logical(args, depth, true),
            "OR" => self.logical(args, depth, false),
            "NOT" => self.not(args, depth),
            "MIN" => self.min_max(args, depth, true),
            "MAX" => self.min_max(args, depth, false),
            "AVERAGE" => self.average(args, depth),
            "COUNT" => self.count(args, depth),
            "COUNTA" => self.counta(args, depth),
            "TRUE" if args.is_empty() => Ok(EvalValue::Bool(true)),
            "FALSE" if args.is_empty() => Ok(EvalValue::Bool(false)),
            _ => return unsupported(name),
        };
        result.unwrap_or_else(EvalValue::Error)
    }

    /// The numbers of SUM/MIN/MAX/AVERAGE: direct values are converted, references keep
    /// only their numbers; any error is returned.
    fn numbers(&self, args: &[Expr], depth: usize) -> Result<Numbers, ExcelError> {
        let mut numbers = Numbers::new();
        for arg in self.args(args, depth) {
            match arg.referenced() {
                Err(value) => numbers.push(to_number(value)?),
                Ok(values) => {
                    for value in values {
                        match value {
                            EvalValue::Number(n) => numbers.push(*n),
                            EvalValue::Error(e) => return Err(e.clone()),
                            _ => {}
                        }
                    }
                }
            }
        }
        Ok(numbers)
    }

    fn sum_of(&self, numbers: &[Interval]) -> Result<Interval, ExcelError> {
        numbers
            .iter()
            .try_fold(Interval::point(Decimal::ZERO), |total, n| {
                self.add(&total, n)
            })
    }

    fn sum(&self, args: &[Expr], depth: usize) -> Result<EvalValue, ExcelError> {
        let numbers = self.numbers(args, depth)?;
        Ok(EvalValue::Number(self.sum_of(&numbers)?))
    }

    fn sumif(&self, args: &[Expr], depth: usize) -> Result<EvalValue, ExcelError> {
        if !(2..=3).contains(&args.len()) {
            return Err(ExcelError::Value);
        }
        let range = args
            .first()
            .map_or_else(Vec::new, |arg| self.arg(arg, depth).into_values());
        let criterion_value = self.scalar_arg(args, 1, depth).unwrap_or(EvalValue::Blank);
        let criterion = Criterion::from_value(&criterion_value)?;
        let sum_values = match args.get(2) {
            Some(arg) => self.arg(arg, depth).into_values(),
            None => range.clone(),
        };
        let mut total = Interval::point(Decimal::ZERO);
        for (cell, summand) in range.iter().zip(sum_values.iter()) {
            if !criterion.matches(cell) {
                continue;
            }
            match summand {
                EvalValue::Number(n) => total = self.add(&total, n)?,
                EvalValue::Error(e) => return Err(e.clone()),
                _ => {}
            }
        }
        Ok(EvalValue::Number(total))
    }

    fn sumproduct(&self, args: &[Expr], depth: usize) -> Result<EvalValue, ExcelError> {
        let arrays: Vec<Vec<EvalValue>> = self
            .args(args, depth)
            .into_iter()
            .map(Arg::into_values)
            .collect();
        let Some(length) = arrays.first().map(Vec::len) else {
            return Err(ExcelError::Value);
        };
        if arrays.iter().any(|array| array.len() != length) {
            return Err(ExcelError::Value);
        }
        let mut total = Interval::point(Decimal::ZERO);
        for i in 0..length {
            let mut product = Interval::point(Decimal::ONE);
            for array in &arrays {
                let factor = match array.get(i) {
                    Some(EvalValue::Number(n)) => *n,
                    Some(EvalValue::Error(e)) => return Err(e.clone()),
                    // Text, booleans and blanks count as 0 in SUMPRODUCT.
                    _ => Interval::point(Decimal::ZERO),
                };
                product = self.mul(&product, &factor)?;
            }
            total = self.add(&total, &product)?;
        }
        Ok(EvalValue::Number(total))
    }

    fn round(
        &self,
        args: &[Expr],
        depth: usize,
        mode: RoundMode,
        digits_required: bool,
    ) -> Result<EvalValue, ExcelError> {
        let count_ok = if digits_required {
            args.len() == 2
        } else {
            (1..=2).contains(&args.len())
        };
        if !count_ok {
            return Err(ExcelError::Value);
        }
        let value = self.as_rounded(to_number(
            &self.scalar_arg(args, 0, depth).unwrap_or(EvalValue::Blank),
        )?);
        let digits = match self.scalar_arg(args, 1, depth) {
            Some(digits) => digits_argument(&digits)?,
            None => 0,
        };
        Ok(number_result(value.round(digits, mode)))
    }

    fn single_number(&self, args: &[Expr], depth: usize) -> Result<Interval, ExcelError> {
        if args.len() != 1 {
            return Err(ExcelError::Value);
        }
        to_number(&self.scalar_arg(args, 0, depth).unwrap_or(EvalValue::Blank))
    }

    /// A rounding function's argument: in binary arithmetic, first rounded to the 15
    /// significant digits Excel keeps (`ROUND(0.285*100, 0)` is 29).
    fn as_rounded(&self, value: Interval) -> Interval {
        let fifteen = self
            .binary
            .is_some_and(|b| b.rounding == RoundingInput::FifteenDigits);
        if fifteen && value.is_point() {
            Interval::point(binary::fifteen_digits(value.lo))
        } else {
            value
        }
    }

    fn int(&self, args: &[Expr], depth: usize) -> Result<EvalValue, ExcelError> {
        let value = self.as_rounded(self.single_number(args, depth)?);
        Ok(number_result(value.round(0, RoundMode::Floor)))
    }

    fn abs(&self, args: &[Expr], depth: usize) -> Result<EvalValue, ExcelError> {
        Ok(EvalValue::Number(self.single_number(args, depth)?.abs()))
    }

    fn if_(&self, args: &[Expr], depth: usize) -> Result<EvalValue, ExcelError> {
        if !(1..=3).contains(&args.len()) {
            return Err(ExcelError::Value);
        }
        let condition = to_bool(&self.scalar_arg(args, 0, depth).unwrap_or(EvalValue::Blank))?;
        let branch = if condition { 1 } else { 2 };
        Ok(match args.get(branch) {
            // `IF(c,,x)`: an omitted branch gives 0.
            Some(Expr::Missing) => EvalValue::number(Decimal::ZERO),
            Some(expr) => self.eval(expr, depth.saturating_add(1)),
            None => EvalValue::Bool(false),
        })
    }

    fn iferror(&self, args: &[Expr], depth: usize) -> Result<EvalValue, ExcelError> {
        if args.len() != 2 {
            return Err(ExcelError::Value);
        }
        match self.scalar_arg(args, 0, depth) {
            // An unsupported computation is unknown, not an error IFERROR may replace.
            Some(EvalValue::Error(ExcelError::Unsupported(what))) => {
                Err(ExcelError::Unsupported(what))
            }
            Some(EvalValue::Error(_)) => {
                Ok(self.scalar_arg(args, 1, depth).unwrap_or(EvalValue::Blank))
            }
            Some(value) => Ok(value),
            None => Err(ExcelError::Value),
        }
    }

    fn logical(&self, args: &[Expr], depth: usize, all: bool) -> Result<EvalValue, ExcelError> {
        // Every argument is evaluated first (the resolver notes each cell read), then the
        // first error in argument order wins.
        let (mut seen, mut any, mut every) = (false, false, true);
        let mut note = |truth: bool| {
            seen = true;
            any |= truth;
            every &= truth;
        };
        for arg in self.args(args, depth) {
            match arg.referenced() {
                Err(value) => note(to_bool(value)?),
                Ok(values) => {
                    for value in values {
                        match value {
                            EvalValue::Bool(b) => note(*b),
                            EvalValue::Number(n) => note(number_truth(n)),
                            EvalValue::Error(e) => return Err(e.clone()),
                            _ => {}
                        }
                    }
                }
            }
        }
        if !seen {
            return Err(ExcelError::Value);
        }
        Ok(EvalValue::Bool(if all { every } else { any }))
    }

    fn not(&self, args: &[Expr], depth: usize) -> Result<EvalValue, ExcelError> {
        if args.len() != 1 {
            return Err(ExcelError::Value);
        }
        let value = self.scalar_arg(args, 0, depth).unwrap_or(EvalValue::Blank);
        Ok(EvalValue::Bool(!to_bool(&value)?))
    }

    fn min_max(&self, args: &[Expr], depth: usize, min: bool) -> Result<EvalValue, ExcelError> {
        let numbers = self.numbers(args, depth)?;
        let result = numbers
            .iter()
            .copied()
            .reduce(|a, b| if min { a.min(&b) } else { a.max(&b) });
        Ok(EvalValue::Number(
            result.unwrap_or(Interval::point(Decimal::ZERO)),
        ))
    }

    fn average(&self, args: &[Expr], depth: usize) -> Result<EvalValue, ExcelError> {
        let numbers = self.numbers(args, depth)?;
        if numbers.is_empty() {
            return Err(ExcelError::Div0);
        }
        let total = self.sum_of(&numbers)?;
        let count = Interval::point(Decimal::from(numbers.len()));
        Ok(self
            .in_binary(BinaryOp::Div, &total, &count)
            .unwrap_or_else(|| number_result(total.checked_div(&count))))
    }

    fn count(&self, args: &[Expr], depth: usize) -> Result<EvalValue, ExcelError> {
        let mut count: usize = 0;
        for arg in self.args(args, depth) {
            let counted = match arg.referenced() {
                Err(EvalValue::Error(ExcelError::Unsupported(what))) => {
                    return Err(ExcelError::Unsupported(what.clone()))
                }
                Err(EvalValue::Text(text)) => usize::from(number_from_text(text).is_some()),
                Err(value) => {
                    usize::from(matches!(value, EvalValue::Number(_) | EvalValue::Bool(_)))
                }
                Ok(values) => {
                    let numbers = values
                        .iter()
                        .filter(|value| matches!(value, EvalValue::Number(_)))
                        .count();
                    let unsupported = values.iter().find_map(|value| match value {
                        EvalValue::Error(ExcelError::Unsupported(what)) => Some(what.clone()),
                        _ => None,
                    });
                    if let Some(what) = unsupported {
                        return Err(ExcelError::Unsupported(what));
                    }
                    numbers
                }
            };
            count = count.saturating_add(counted);
        }
        Ok(EvalValue::number(Decimal::from(count)))
    }

    fn counta(&self, args: &[Expr], depth: usize) -> Result<EvalValue, ExcelError> {
        let mut count: usize = 0;
        for (expr, arg) in args.iter().zip(self.args(args, depth)) {
            let counted = match arg.referenced() {
                Err(_) => usize::from(*expr != Expr::Missing),
                Ok(values) => values
                    .iter()
                    .filter(|value| **value != EvalValue::Blank)
                    .count(),
            };
            count = count.saturating_add(counted);
        }
        Ok(EvalValue::number(Decimal::from(count)))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use proptest::prelude::*;

    use super::*;
    use crate::formula::parse_formula;

    #[derive(Default)]
    struct Cells {
        values: HashMap<CellRef, EvalValue>,
        names: HashMap<String, Operand>,
    }

    impl Cells {
        fn with(mut self, address: &str, value: EvalValue) -> Self {
            if let Some(at) = CellRef::parse(address) {
                self.values.insert(at, value);
            }
            self
        }

        fn num(self, address: &str, value: &str) -> Self {
            self.with(address, EvalValue::number(d(value)))
        }

        fn name(mut self, name: &str, operand: Operand) -> Self {
            self.names.insert(name.to_string(), operand);
            self
        }
    }

    impl Resolver for Cells {
        fn cell(&self, sheet: Option<&str>, at: CellRef) -> EvalValue {
            match sheet {
                None => self.values.get(&at).cloned().unwrap_or(EvalValue::Blank),
                Some(_) => EvalValue::Error(ExcelError::Ref),
            }
        }

        fn range(&self, sheet: Option<&str>, range: CellRange) -> Vec<EvalValue> {
            let mut values = Vec::new();
            for row in range.first.row..=range.last.row {
                for col in range.first.col..=range.last.col {
                    values.push(self.cell(sheet, CellRef::new(row, col)));
                }
            }
            values
        }

        fn name(&self, name: &str) -> Option<Operand> {
            self.names.get(name).cloned()
        }
    }

    fn d(text: &str) -> Decimal {
        text.parse().unwrap_or_default()
    }

    fn eval_with(text: &str, cells: &Cells) -> EvalValue {
        match parse_formula(text) {
            Ok(expr) => evaluate(&expr, cells),
            Err(error) => panic!("{text}: {error}"),
        }
    }

    fn eval(text: &str) -> EvalValue {
        eval_with(text, &Cells::default())
    }

    fn n(text: &str) -> EvalValue {
        EvalValue::number(d(text))
    }

    fn err(error: ExcelError) -> EvalValue {
        EvalValue::Error(error)
    }

    fn sheet() -> Cells {
        Cells::default()
            .num("A1", "10")
            .num("A2", "20")
            .with("A3", EvalValue::Text("x".into()))
            .num("A4", "-5")
            .with("A5", EvalValue::Text("7".into()))
            .with("A6", EvalValue::Bool(true))
            .num("B1", "1")
            .num("B2", "2")
            .num("B3", "3")
            .num("B4", "4")
            .with("C1", err(ExcelError::NA))
    }

    #[test]
    fn arithmetic_is_exact() {
        assert_eq!(eval("=0.1+0.2"), n("0.3"));
        assert_eq!(eval("=-2^2"), n("4"));
        assert_eq!(eval("=2^3^2"), n("64"));
        assert_eq!(eval("=2^-2"), n("0.25"));
        assert_eq!(eval("=7219613068/10000000000*100"), n("72.19613068"));
        assert_eq!(eval("=50%"), n("0.5"));
        // Quotients keep 28 significant digits (recalc compares at 15, as Excel shows).
        assert_eq!(eval("=1/3*3"), n("0.9999999999999999999999999999"));
        assert_eq!(eval("=1/0"), err(ExcelError::Div0));
        assert_eq!(eval("=0^0"), err(ExcelError::Num));
        assert_eq!(eval("=0^-1"), err(ExcelError::Div0));
        assert_eq!(
            eval("=4^0.5"),
            err(ExcelError::Unsupported(
                "^ with a non-integer exponent".into()
            ))
        );
        assert_eq!(
            eval("=79228162514264337593543950335*2"),
            err(ExcelError::Num)
        );
        assert_eq!(eval("=10^100"), err(ExcelError::Num));
    }

    #[test]
    fn coercions_follow_excel() {
        let cells = sheet();
        assert_eq!(eval_with("=A9+1", &cells), n("1"));
        assert_eq!(eval_with("=A5*2", &cells), n("14"));
        assert_eq!(eval_with("=A3+1", &cells), err(ExcelError::Value));
        assert_eq!(eval_with("=A6+1", &cells), n("2"));
        assert_eq!(eval_with("=\"1.5\"+\"50%\"", &cells), n("2"));
        assert_eq!(
            eval_with("=A9&\"x\"&A1&TRUE", &cells),
            EvalValue::Text("x10TRUE".into())
        );
        assert_eq!(eval_with("=A9", &cells), EvalValue::Blank);
        assert_eq!(eval_with("=+A3", &cells), EvalValue::Text("x".into()));
    }

    #[test]
    fn errors_propagate_left_first() {
        let cells = sheet();
        assert_eq!(eval_with("=C1+1/0", &cells), err(ExcelError::NA));
        assert_eq!(eval_with("=1/0+C1", &cells), err(ExcelError::Div0));
        assert_eq!(eval_with("=SUM(A1:A2,C1)", &cells), err(ExcelError::NA));
        assert_eq!(eval_with("=Other!A1", &cells), err(ExcelError::Ref));
        assert_eq!(eval_with("=unknown_name", &cells), err(ExcelError::Name));
    }

    #[test]
    fn comparisons() {
        assert_eq!(eval("=1=1"), EvalValue::Bool(true));
        assert_eq!(eval("=1<>1"), EvalValue::Bool(false));
        assert_eq!(eval("=\"ABC\"=\"abc\""), EvalValue::Bool(true));
        assert_eq!(eval("=\"a\"<\"B\""), EvalValue::Bool(true));
        assert_eq!(eval("=\"1\"=1"), EvalValue::Bool(false));
        assert_eq!(eval("=\"z\"<TRUE"), EvalValue::Bool(true));
        assert_eq!(eval("=100>\"a\""), EvalValue::Bool(false));
        assert_eq!(eval("=A9=0"), EvalValue::Bool(true));
        assert_eq!(eval("=A9=\"\""), EvalValue::Bool(true));
        assert_eq!(eval("=2>=3"), EvalValue::Bool(false));
    }

    #[test]
    fn interval_comparisons_ask_whether_the_relation_can_hold() {
        let shown = Interval::new(d("70.25"), d("70.35"));
        let cells = Cells::default()
            .with("A1", EvalValue::Number(shown))
            .num("A2", "70.3")
            .num("A3", "70.36");
        assert_eq!(eval_with("=A1=A2", &cells), EvalValue::Bool(true));
        assert_eq!(eval_with("=A1=A3", &cells), EvalValue::Bool(false));
        assert_eq!(eval_with("=A1<A2", &cells), EvalValue::Bool(true));
        assert_eq!(eval_with("=A1>A2", &cells), EvalValue::Bool(true));
        assert_eq!(eval_with("=A1>=A3", &cells), EvalValue::Bool(false));
        assert_eq!(eval_with("=A1<>A2", &cells), EvalValue::Bool(true));
        assert_eq!(eval_with("=A2<>A2", &cells), EvalValue::Bool(false));
        assert_eq!(
            eval_with("=A1*2", &cells),
            EvalValue::Number(Interval::new(d("140.5"), d("140.7")))
        );
        // A divisor that may be zero at its shown precision.
        let near_zero = Cells::default().with(
            "A1",
            EvalValue::Number(Interval::new(d("-0.05"), d("0.05"))),
        );
        assert_eq!(eval_with("=1/A1", &near_zero), err(ExcelError::Div0));
    }

    #[test]
    fn sums_skip_text_in_references_only() {
        let cells = sheet();
        assert_eq!(eval_with("=SUM(A1:A6)", &cells), n("25"));
        assert_eq!(eval_with("=SUM(A1,\"7\",TRUE)", &cells), n("18"));
        assert_eq!(eval_with("=SUM(A1,\"x\")", &cells), err(ExcelError::Value));
        assert_eq!(eval_with("=SUM(A7:A9)", &cells), n("0"));
        assert_eq!(eval_with("=MIN(A1:A6)", &cells), n("-5"));
        assert_eq!(eval_with("=MAX(A1:A6)", &cells), n("20"));
        assert_eq!(eval_with("=MAX(A7:A9)", &cells), n("0"));
        assert_eq!(
            eval_with("=AVERAGE(A1:A6)", &cells),
            n("8.3333333333333333333333333333")
        );
        assert_eq!(eval_with("=AVERAGE(B1:B4)", &cells), n("2.5"));
        assert_eq!(eval_with("=AVERAGE(A7:A9)", &cells), err(ExcelError::Div0));
        assert_eq!(eval_with("=COUNT(A1:A9,C1)", &cells), n("3"));
        assert_eq!(eval_with("=COUNT(1,\"2\",\"x\",TRUE)", &cells), n("3"));
        assert_eq!(eval_with("=COUNTA(A1:A9,C1)", &cells), n("7"));
    }

    #[test]
    fn sumif_criteria() {
        let cells = sheet();
        assert_eq!(eval_with("=SUMIF(A1:A4,\">0\")", &cells), n("30"));
        assert_eq!(eval_with("=SUMIF(A1:A4,\"<=10\")", &cells), n("5"));
        assert_eq!(eval_with("=SUMIF(A1:A4,\"<>10\")", &cells), n("15"));
        assert_eq!(eval_with("=SUMIF(A1:A4,20)", &cells), n("20"));
        assert_eq!(eval_with("=SUMIF(A1:A4,\"X\",B1:B4)", &cells), n("3"));
        assert_eq!(eval_with("=SUMIF(A1:A4,\"=x\",B1:B4)", &cells), n("3"));
        assert_eq!(eval_with("=SUMIF(A1:A4,\"*\",B1:B4)", &cells), n("3"));
        assert_eq!(eval_with("=SUMIF(A1:A4,\"?y\",B1:B4)", &cells), n("0"));
        assert_eq!(eval_with("=SUMIF(A1:A4,C1)", &cells), err(ExcelError::NA));
    }

    #[test]
    fn wildcards() {
        assert!(wildcard_match("Tổng*", "tổng số"));
        assert!(wildcard_match("a?c", "ABC"));
        assert!(wildcard_match("*c*", "abcd"));
        assert!(!wildcard_match("a?c", "ac"));
        assert!(wildcard_match("a~*", "a*"));
        assert!(!wildcard_match("a~*", "ab"));
        assert!(wildcard_match("", ""));
        assert!(!wildcard_match("", "a"));
    }

    #[test]
    fn sumproduct() {
        let cells = sheet();
        assert_eq!(eval_with("=SUMPRODUCT(A1:A4,B1:B4)", &cells), n("30"));
        assert_eq!(
            eval_with("=SUMPRODUCT(A1:A4,B1:B3)", &cells),
            err(ExcelError::Value)
        );
        assert_eq!(
            eval_with("=SUMPRODUCT((A1:A4>0)*B1:B4)", &cells),
            err(ExcelError::Unsupported(
                "a range used as a single value".into()
            ))
        );
    }

    #[test]
    fn rounding_functions() {
        assert_eq!(eval("=ROUND(72.15,1)"), n("72.2"));
        assert_eq!(eval("=ROUND(-2.5,0)"), n("-3"));
        assert_eq!(eval("=ROUND(1234,-2)"), n("1200"));
        assert_eq!(eval("=ROUNDUP(1.21,1)"), n("1.3"));
        assert_eq!(eval("=ROUNDDOWN(-1.29,1)"), n("-1.2"));
        assert_eq!(eval("=TRUNC(8.9)"), n("8"));
        assert_eq!(eval("=TRUNC(-8.96,1)"), n("-8.9"));
        assert_eq!(eval("=INT(-8.1)"), n("-9"));
        assert_eq!(eval("=ABS(-3)"), n("3"));
        assert_eq!(eval("=ROUND(1.5)"), err(ExcelError::Value));
        assert_eq!(eval("=ROUND(\"x\",1)"), err(ExcelError::Value));
        let cells = Cells::default()
            .num("G9", "100")
            .num("H9", "60")
            .num("I9", "12.15");
        assert_eq!(eval_with("=ROUND((H9+I9)/G9*100,1)", &cells), n("72.2"));
    }

    #[test]
    fn logic_is_lazy_and_iferror_spares_unsupported() {
        let cells = sheet();
        assert_eq!(
            eval_with("=IF(A1>5,\"big\",1/0)", &cells),
            EvalValue::Text("big".into())
        );
        assert_eq!(eval_with("=IF(A4>5,1)", &cells), EvalValue::Bool(false));
        assert_eq!(eval_with("=IF(A1,,1)", &cells), n("0"));
        assert_eq!(eval_with("=IF(C1,1,2)", &cells), err(ExcelError::NA));
        assert_eq!(eval_with("=IF(TRUE,1,NOSUCH())", &cells), n("1"));
        assert_eq!(
            eval_with("=IFERROR(1/0,\"-\")", &cells),
            EvalValue::Text("-".into())
        );
        assert_eq!(eval_with("=IFERROR(A1,0)", &cells), n("10"));
        assert_eq!(
            eval_with("=IFERROR(NOSUCH(1),0)", &cells),
            err(ExcelError::Unsupported("NOSUCH".into()))
        );
        assert_eq!(eval_with("=AND(A1>0,A2>0)", &cells), EvalValue::Bool(true));
        assert_eq!(eval_with("=AND(A1:A6)", &cells), EvalValue::Bool(true));
        assert_eq!(eval_with("=OR(A1<0,FALSE)", &cells), EvalValue::Bool(false));
        assert_eq!(eval_with("=OR(A7:A9)", &cells), err(ExcelError::Value));
        assert_eq!(eval_with("=NOT(A9)", &cells), EvalValue::Bool(true));
        assert_eq!(eval_with("=not(\"x\")", &cells), err(ExcelError::Value));
    }

    #[test]
    fn unknown_functions_are_unsupported() {
        assert_eq!(
            eval("=VLOOKUP(1,A1:B2,2)"),
            err(ExcelError::Unsupported("VLOOKUP".into()))
        );
        assert_eq!(
            eval("=_xlfn.STDEV.S(1,2)"),
            err(ExcelError::Unsupported("STDEV.S".into()))
        );
        assert_eq!(eval("=sum(1,2)"), n("3"));
    }

    #[test]
    fn names_resolve_to_one_or_many_values() {
        let cells = sheet()
            .name("received", Operand::Single(n("100")))
            .name("online", Operand::Single(n("60")))
            .name("direct", Operand::Single(n("40")))
            .name(
                "units",
                Operand::Many(vec![n("1"), n("2"), EvalValue::Text("x".into())]),
            );
        assert_eq!(
            eval_with("received = online + direct", &cells),
            EvalValue::Bool(true)
        );
        assert_eq!(
            eval_with("received < online", &cells),
            EvalValue::Bool(false)
        );
        assert_eq!(eval_with("SUM(units)", &cells), n("3"));
        assert_eq!(
            eval_with("units+1", &cells),
            err(ExcelError::Unsupported(
                "a name of many cells used as a single value".into()
            ))
        );
    }

    #[test]
    fn long_chains_and_hand_built_depth_do_not_overflow() {
        let chain = vec!["1"; 900].join("+");
        assert_eq!(eval(&chain), n("900"));
        let nested = format!("{}1{}", "(1+".repeat(60), ")".repeat(60));
        assert_eq!(eval(&nested), n("61"));
        // Every precedence level nested inside every parenthesis: the deepest evaluation
        // a parsed formula can ask for.
        let worst = format!("{}1{}", "1=1&1+1*1^-(".repeat(63), ")".repeat(63));
        assert!(parse_formula(&worst).is_ok_and(|expr| matches!(
            evaluate(&expr, &Cells::default()),
            EvalValue::Bool(_) | EvalValue::Error(_)
        )));
        let mut deep = Expr::Number(Decimal::ONE);
        for _ in 0..3_000 {
            deep = Expr::Call {
                name: "ABS".into(),
                args: vec![deep],
            };
        }
        let result = evaluate(&deep, &Cells::default());
        assert!(matches!(
            result,
            EvalValue::Error(ExcelError::Unsupported(_))
        ));
        // Let the deep tree go without recursing through its drop.
        let mut node = deep;
        while let Expr::Call { mut args, .. } = node {
            node = args.pop().unwrap_or(Expr::Missing);
        }
    }

    /// A random arithmetic expression over small integers, with its value computed directly
    /// (`None` for a division by zero).
    fn arithmetic() -> impl Strategy<Value = (String, Option<Decimal>)> {
        let leaf = (0i64..20).prop_map(|v| (v.to_string(), Some(Decimal::from(v))));
        leaf.prop_recursive(5, 32, 2, |inner| {
            prop_oneof![
                (inner.clone(), inner.clone(), 0..4u8).prop_map(|((ta, va), (tb, vb), op)| {
                    let (symbol, value) = match op {
                        0 => ("+", va.zip(vb).and_then(|(a, b)| a.checked_add(b))),
                        1 => ("-", va.zip(vb).and_then(|(a, b)| a.checked_sub(b))),
                        2 => ("*", va.zip(vb).and_then(|(a, b)| a.checked_mul(b))),
                        _ => (
                            "/",
                            va.zip(vb).and_then(
                                |(a, b)| if b.is_zero() { None } else { a.checked_div(b) },
                            ),
                        ),
                    };
                    (format!("({ta}){symbol}({tb})"), value)
                }),
                inner.prop_map(|(t, v)| (format!("-({t})"), v.map(|v| -v))),
            ]
        })
    }

    proptest! {
        #[test]
        fn arithmetic_matches_direct_computation((text, expected) in arithmetic()) {
            let result = eval(&text);
            match expected {
                Some(value) => prop_assert_eq!(result, EvalValue::number(value)),
                None => prop_assert!(matches!(result, EvalValue::Error(ExcelError::Div0))),
            }
        }

        #[test]
        fn evaluation_never_panics(text in "[-+*/^&%=<>(),;:A-C1-3. \"]{0,60}|(SUM|ROUND|IF|SUMIF|MAX)\\([-+*/^A-C1-3,:]{0,30}\\)") {
            if let Ok(expr) = parse_formula(&text) {
                let _ = evaluate(&expr, &sheet());
            }
        }
    }
}
