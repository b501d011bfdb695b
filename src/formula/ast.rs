//! The expression tree a formula parses into, the references it reads, and the way it is
//! written back as formula text.

use std::fmt;

use rust_decimal::Decimal;

use crate::model::{CellRange, CellRef};

/// An Excel error value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ExcelError {
    /// `#DIV/0!`: division by zero.
    Div0,
    /// `#N/A`: no value available.
    NA,
    /// `#REF!`: a reference to a cell or sheet that does not exist.
    Ref,
    /// `#VALUE!`: an operand of the wrong kind.
    Value,
    /// `#NAME?`: an unknown name.
    Name,
    /// `#NUM!`: a number out of range (here also: exact arithmetic overflowed).
    Num,
    /// `#NULL!`: an empty intersection.
    Null,
    /// Not an Excel error: the formula uses something this evaluator does not implement (the
    /// text says what, e.g. the function name), so its result is unknown. The caller
    /// reports the formula as "not recomputed".
    Unsupported(String),
}

impl ExcelError {
    /// The error for Excel's text (`#DIV/0!`, case-insensitive); `None` for other text.
    pub fn from_code(code: &str) -> Option<ExcelError> {
        let upper = code.trim().to_ascii_uppercase();
        Some(match upper.as_str() {
            "#DIV/0!" => ExcelError::Div0,
            "#N/A" => ExcelError::NA,
            "#REF!" => ExcelError::Ref,
            "#VALUE!" => ExcelError::Value,
            "#NAME?" => ExcelError::Name,
            "#NUM!" => ExcelError::Num,
            "#NULL!" => ExcelError::Null,
            _ => return None,
        })
    }

    /// Excel's text for the error (`#DIV/0!`); for [`ExcelError::Unsupported`], `#NAME?`,
    /// what Excel itself shows for an unknown function.
    pub fn code(&self) -> &'static str {
        match self {
            ExcelError::Div0 => "#DIV/0!",
            ExcelError::NA => "#N/A",
            ExcelError::Ref => "#REF!",
            ExcelError::Value => "#VALUE!",
            ExcelError::Name | ExcelError::Unsupported(_) => "#NAME?",
            ExcelError::Num => "#NUM!",
            ExcelError::Null => "#NULL!",
        }
    }
}

impl fmt::Display for ExcelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExcelError::Unsupported(what) => write!(f, "unsupported: {what}"),
            other => f.write_str(other.code()),
        }
    }
}

/// Something a formula reads: a cell, a rectangle of cells, or a name a template defines.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Reference {
    /// One cell, `A1`, `$A$1` or `Sheet1!A1`; `sheet` is `None` for the formula's own sheet.
    Cell {
        /// The sheet named before `!`, unquoted.
        sheet: Option<String>,
        /// The cell.
        at: CellRef,
    },
    /// A rectangle `A1:B9`, corners normalised so `first` is top-left.
    Range {
        /// The sheet named before `!`, unquoted.
        sheet: Option<String>,
        /// The rectangle.
        range: CellRange,
    },
    /// A name that is neither a cell address nor a function: a template's column or row
    /// name (`received`, `tong_so`), or a defined name.
    Name(String),
}

/// A prefix or postfix operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    /// Prefix `-`.
    Neg,
    /// Prefix `+` (no effect on numbers).
    Plus,
    /// Postfix `%` (divides by 100).
    Percent,
}

/// An infix operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `^`
    Pow,
    /// `&` (text concatenation)
    Concat,
    /// `=`
    Eq,
    /// `<>`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl BinaryOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Pow => "^",
            BinaryOp::Concat => "&",
            BinaryOp::Eq => "=",
            BinaryOp::Ne => "<>",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
        }
    }

    /// Excel's binding strength: higher binds tighter. All infix operators are
    /// left-associative (`2^3^2` is 64 in Excel).
    pub(crate) fn precedence(self) -> u8 {
        match self {
            BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge => 1,
            BinaryOp::Concat => 2,
            BinaryOp::Add | BinaryOp::Sub => 3,
            BinaryOp::Mul | BinaryOp::Div => 4,
            BinaryOp::Pow => 5,
        }
    }
}

/// Binding strength of postfix `%`, and of prefix signs (tighter still).
const PERCENT_PRECEDENCE: u8 = 6;
const PREFIX_PRECEDENCE: u8 = 7;
const ATOM_PRECEDENCE: u8 = 8;

/// A parsed formula.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A number literal (`1`, `1.5`, `1e3`, `.5`); literals are never negative, a minus
    /// sign is a [`UnaryOp::Neg`].
    Number(Decimal),
    /// A string literal, quotes removed and `""` unescaped.
    Text(String),
    /// `TRUE` or `FALSE`.
    Bool(bool),
    /// An error literal such as `#N/A`.
    Error(ExcelError),
    /// An omitted function argument, as in `IF(A1,,1)`; evaluates to blank.
    Missing,
    /// A cell, range or name read by the formula.
    Reference(Reference),
    /// A prefix or postfix operator applied to one operand.
    Unary {
        /// The operator.
        op: UnaryOp,
        /// Its operand.
        operand: Box<Expr>,
    },
    /// An infix operator.
    Binary {
        /// The operator.
        op: BinaryOp,
        /// Left operand.
        left: Box<Expr>,
        /// Right operand.
        right: Box<Expr>,
    },
    /// A function call; `name` is upper-cased with any `_xlfn.`/`_xlws.` prefix removed.
    Call {
        /// Function name, e.g. `SUM`.
        name: String,
        /// Arguments in order.
        args: Vec<Expr>,
    },
}

/// Every cell, range and name the expression reads, in the order written (repeats kept).
///
/// # Examples
/// ```
/// use crossfoot::{parse_formula, references, Reference, CellRef};
/// let expr = parse_formula("=SUM(C11:C26)+rate*$B$2").unwrap();
/// let refs = references(&expr);
/// assert_eq!(refs.len(), 3);
/// assert_eq!(refs[2], Reference::Cell { sheet: None, at: CellRef::new(1, 1) });
/// ```
pub fn references(expr: &Expr) -> Vec<Reference> {
    let mut found = Vec::new();
    let mut pending = vec![expr];
    // An explicit stack: a hand-built tree may be deeper than the parser allows.
    while let Some(next) = pending.pop() {
        match next {
            Expr::Reference(reference) => found.push(reference.clone()),
            Expr::Unary { operand, .. } => pending.push(operand),
            Expr::Binary { left, right, .. } => {
                pending.push(right);
                pending.push(left);
            }
            Expr::Call { args, .. } => pending.extend(args.iter().rev()),
            Expr::Number(_) | Expr::Text(_) | Expr::Bool(_) | Expr::Error(_) | Expr::Missing => {}
        }
    }
    found
}

/// The references an expression adds up, when all it does is add: `+`, `-`, signs,
/// `SUM(…)`, and a reference times a number (`2*F54`: a double count made explicit).
/// `None` for anything else (a ratio, a lookup, a condition): such a formula does not say
/// that what it reads are parts of it.
///
/// # Examples
/// ```
/// use crossfoot::{added_references, parse_formula};
/// let combined = parse_formula("=(F54*2)+F56").unwrap();
/// assert_eq!(added_references(&combined).map(|r| r.len()), Some(2));
/// let share = parse_formula("=C7/$C$28").unwrap();
/// assert_eq!(added_references(&share), None);
/// ```
pub fn added_references(expr: &Expr) -> Option<Vec<Reference>> {
    let mut found = Vec::new();
    let mut pending = vec![expr];
    while let Some(next) = pending.pop() {
        match next {
            Expr::Reference(reference) => found.push(reference.clone()),
            Expr::Number(_) => {}
            Expr::Unary {
                op: UnaryOp::Neg | UnaryOp::Plus,
                operand,
            } => pending.push(operand),
            Expr::Binary {
                op: BinaryOp::Add | BinaryOp::Sub,
                left,
                right,
            } => {
                pending.push(right);
                pending.push(left);
            }
            Expr::Binary {
                op: BinaryOp::Mul,
                left,
                right,
            } => match (left.as_ref(), right.as_ref()) {
                (Expr::Number(_), term) | (term, Expr::Number(_)) => pending.push(term),
                _ => return None,
            },
            Expr::Call { name, args } if name == "SUM" => pending.extend(args.iter().rev()),
            _ => return None,
        }
    }
    Some(found)
}

/// Whether a sheet name can be written without quotes.
fn sheet_needs_quotes(name: &str) -> bool {
    let mut chars = name.chars();
    let starts_well = chars.next().is_some_and(|c| c.is_alphabetic() || c == '_');
    !starts_well
        || !name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
        || CellRef::parse(name).is_some()
}

fn write_sheet(f: &mut fmt::Formatter<'_>, sheet: &Option<String>) -> fmt::Result {
    match sheet {
        None => Ok(()),
        Some(name) if sheet_needs_quotes(name) => write!(f, "'{}'!", name.replace('\'', "''")),
        Some(name) => write!(f, "{name}!"),
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reference::Cell { sheet, at } => {
                write_sheet(f, sheet)?;
                write!(f, "{at}")
            }
            Reference::Range { sheet, range } => {
                write_sheet(f, sheet)?;
                write!(f, "{range}")
            }
            Reference::Name(name) => f.write_str(name),
        }
    }
}

impl Expr {
    fn precedence(&self) -> u8 {
        match self {
            Expr::Binary { op, .. } => op.precedence(),
            Expr::Unary {
                op: UnaryOp::Percent,
                ..
            } => PERCENT_PRECEDENCE,
            Expr::Unary { .. } => PREFIX_PRECEDENCE,
            // A negative literal (built by hand) prints with a sign.
            Expr::Number(n) if n.is_sign_negative() => PREFIX_PRECEDENCE,
            _ => ATOM_PRECEDENCE,
        }
    }
}

fn write_operand(f: &mut fmt::Formatter<'_>, expr: &Expr, needs_parens: bool) -> fmt::Result {
    if needs_parens {
        write!(f, "({expr})")
    } else {
        write!(f, "{expr}")
    }
}

/// Writes the formula back as Excel text without the leading `=`, with only the
/// parentheses precedence needs; parsing the text gives the same tree.
impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Number(n) => write!(f, "{}", n.normalize()),
            Expr::Text(text) => write!(f, "\"{}\"", text.replace('"', "\"\"")),
            Expr::Bool(true) => f.write_str("TRUE"),
            Expr::Bool(false) => f.write_str("FALSE"),
            Expr::Error(error) => f.write_str(error.code()),
            Expr::Missing => Ok(()),
            Expr::Reference(reference) => write!(f, "{reference}"),
            Expr::Unary { op, operand } => {
                let own = self.precedence();
                match op {
                    UnaryOp::Neg | UnaryOp::Plus => {
                        f.write_str(if *op == UnaryOp::Neg { "-" } else { "+" })?;
                        write_operand(f, operand, operand.precedence() < own)
                    }
                    UnaryOp::Percent => {
                        write_operand(f, operand, operand.precedence() < own)?;
                        f.write_str("%")
                    }
                }
            }
            Expr::Binary { op, left, right } => {
                let own = op.precedence();
                write_operand(f, left, left.precedence() < own)?;
                f.write_str(op.symbol())?;
                write_operand(f, right, right.precedence() <= own)
            }
            Expr::Call { name, args } => {
                write!(f, "{name}(")?;
                for (i, arg) in args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{arg}")?;
                }
                f.write_str(")")
            }
        }
    }
}
