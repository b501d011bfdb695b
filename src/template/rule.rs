//! A template rule's formulas: the comparison at its top, its two sides and its `when`
//! condition parsed once (`ParsedRule`), and the check a template makes of a rule's text
//! when it is read (it parses and names only what the template declares).

use crate::formula::{parse_formula, Expr};
use crate::interval::Interval;

use super::{RuleSpec, Scope, Template};

/// A comparison at the top of a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Comparison {
    Eq,
    Ne,
    Le,
    Ge,
    Lt,
    Gt,
}

impl Comparison {
    /// Whether `lhs op rhs` can hold for some values of the two intervals.
    pub(crate) fn holds(self, lhs: &Interval, rhs: &Interval) -> bool {
        match self {
            Comparison::Eq => lhs.meets(rhs),
            Comparison::Ne => !(lhs.lo == lhs.hi && rhs.lo == rhs.hi && lhs.lo == rhs.lo),
            Comparison::Le => lhs.lo <= rhs.hi,
            Comparison::Ge => lhs.hi >= rhs.lo,
            Comparison::Lt => lhs.lo < rhs.hi,
            Comparison::Gt => lhs.hi > rhs.lo,
        }
    }
}

/// A rule's formulas, parsed once.
#[derive(Debug, Clone)]
pub(crate) struct ParsedRule {
    /// `lhs op rhs`, or a whole boolean formula when there is no top-level comparison.
    pub body: RuleBody,
    /// The `when` condition.
    pub when: Option<Expr>,
    /// The single name or address on the left, if the left side is one cell.
    pub lhs_name: Option<String>,
}

/// What a rule says: a comparison, a formula that must be true, or a hierarchy sum.
#[derive(Debug, Clone)]
pub(crate) enum RuleBody {
    Compare {
        lhs: Expr,
        op: Comparison,
        rhs: Expr,
    },
    Whole(Expr),
    /// Cross-footing: no formula.
    Sum,
}

/// Splits `a + b = c` at its top-level comparison (outside parentheses and strings) and
/// returns the byte offset of the operator.
fn split_comparison(text: &str) -> Option<(&str, Comparison, &str)> {
    let bytes = text.as_bytes();
    let mut depth = 0i32;
    let mut in_string = false;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'"' => in_string = !in_string,
            b'(' if !in_string => depth = depth.saturating_add(1),
            b')' if !in_string => depth = depth.saturating_sub(1),
            b'<' | b'>' | b'=' if !in_string && depth == 0 => {
                let from_operator = text.get(i..)?;
                let next = from_operator.as_bytes().get(1).copied();
                let (op, len) = match (b, next) {
                    (b'<', Some(b'=')) => (Comparison::Le, 2),
                    (b'>', Some(b'=')) => (Comparison::Ge, 2),
                    (b'<', Some(b'>')) => (Comparison::Ne, 2),
                    (b'<', _) => (Comparison::Lt, 1),
                    (b'>', _) => (Comparison::Gt, 1),
                    _ => (Comparison::Eq, 1),
                };
                let lhs = text.get(..i)?;
                let rhs = from_operator.get(len..)?;
                return Some((lhs, op, rhs));
            }
            _ => {}
        }
    }
    None
}

/// Whether a text is a single name or A1 address (the reported cell of a rule).
fn single_name(text: &str) -> Option<String> {
    let t = text.trim();
    (!t.is_empty()
        && t.chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '.' || c == '$')
        && !t.chars().next().is_some_and(|c| c.is_ascii_digit()))
    .then(|| t.to_string())
}

impl ParsedRule {
    pub(crate) fn parse(rule: &RuleSpec) -> Result<ParsedRule, String> {
        let when = match &rule.when {
            Some(when) => Some(parse_formula(when.get_ref()).map_err(|e| e.to_string())?),
            None => None,
        };
        if rule.scope == Scope::Hierarchy {
            return Ok(ParsedRule {
                body: RuleBody::Sum,
                when,
                lhs_name: None,
            });
        }
        let text = rule
            .expr
            .as_ref()
            .map(|e| e.get_ref().as_str())
            .unwrap_or("");
        let (body, lhs_name) = match split_comparison(text) {
            Some((lhs, op, rhs)) => (
                RuleBody::Compare {
                    lhs: parse_formula(lhs).map_err(|e| e.to_string())?,
                    op,
                    rhs: parse_formula(rhs).map_err(|e| e.to_string())?,
                },
                single_name(lhs),
            ),
            None => (
                RuleBody::Whole(parse_formula(text).map_err(|e| e.to_string())?),
                None,
            ),
        };
        Ok(ParsedRule {
            body,
            when,
            lhs_name,
        })
    }
}

/// Every rule of the template parsed, or `None` when one does not parse (a template read
/// through [`Template::from_toml`] always parses).
pub(crate) fn parse_rules(template: &Template) -> Option<Vec<ParsedRule>> {
    template
        .spec
        .rules
        .iter()
        .map(|rule| ParsedRule::parse(rule).ok())
        .collect()
}

/// Checks a rule formula for a template: it parses, and names only `allowed` names.
/// Returns the byte offset and message of the first problem.
pub(crate) fn validate_rule_formula(text: &str, allowed: &[&str]) -> Result<(), (usize, String)> {
    let parts: Vec<&str> = match split_comparison(text) {
        Some((lhs, _, rhs)) => vec![lhs, rhs],
        None => vec![text],
    };
    for part in parts {
        let expr =
            crate::formula::parse_formula(part).map_err(|e| (e.offset, e.message.clone()))?;
        for reference in crate::formula::references(&expr) {
            if let crate::formula::Reference::Name(name) = reference {
                if !allowed.iter().any(|a| a.eq_ignore_ascii_case(&name)) {
                    return Err((
                        0,
                        format!("tên '{name}' chưa khai báo trong [columns], [rows] hoặc [cells] / name '{name}' is not defined in [columns], [rows] or [cells]"),
                    ));
                }
            }
        }
    }
    Ok(())
}
