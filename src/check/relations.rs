//! Template rules as relation instances: each rule applied to each row (or once, or down
//! each column's hierarchy), evaluated exactly over the cells' values, with the reported side
//! standing for the interval its shown precision allows.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;

use rust_decimal::Decimal;

use crate::formula::plain::{evaluate_plain, Plain, PlainCells, Reads};
use crate::formula::{evaluate, parse_formula, EvalValue, ExcelError, Expr, Operand, Resolver};
use crate::interval::Interval;
use crate::model::{Cell, CellRange, CellRef, RangeVisit, RowIndex, Sheet, Value, MAX_RANGE_CELLS};
use crate::number::{Marker, Quantity, Reading, Rounding};
use crate::template::{BlankMeaning, Blanks, Bound, RuleSpec, Scope, TemplateSpec};

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
    fn holds(self, lhs: &Interval, rhs: &Interval) -> bool {
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
pub(crate) fn split_comparison(text: &str) -> Option<(&str, Comparison, &str)> {
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

/// One rule applied at one place: 24 bytes, as a big sheet has ten million (40 with the
/// rule a `usize` and the child rows boxed in each relation, every column of a section
/// repeating them).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Relation {
    /// Index of the rule in the template.
    rule: u32,
    /// For hierarchy relations: which of the evaluator's parent rows and their children it
    /// sums ([`Evaluator::children`]); `u32::MAX` for the others.
    sum_of: u32,
    /// The row it applies to (row scope and hierarchy parent), if any.
    pub row: Option<u32>,
    /// The column bound to `x` (rules with `each`), or the hierarchy column.
    pub column: Option<u32>,
}

impl Relation {
    fn new(rule: usize, row: Option<u32>, column: Option<u32>) -> Relation {
        Relation {
            // A template's rules are counted in dozens.
            rule: u32::try_from(rule).unwrap_or(u32::MAX),
            sum_of: u32::MAX,
            row,
            column,
        }
    }

    /// Index of the rule in the template.
    pub(crate) fn rule(&self) -> usize {
        self.rule as usize
    }
}

/// Every relation instance of a template on a sheet, by index, in the template's rule
/// order. A row rule's relations (each numeric body row, each of the rule's columns) are
/// worked out from their index rather than kept: a 500k-row form has ten million, which
/// took 240 MB kept.
#[derive(Default)]
pub(crate) struct Relations {
    /// The numeric body rows, which row rules apply to, in order.
    rows: Vec<u32>,
    /// Each rule's relations, with the index of its first.
    blocks: Vec<(usize, Block)>,
    len: usize,
}

/// One rule's relations.
enum Block {
    /// A row rule: for each numeric body row, one relation a column (`None`: one for the
    /// row, with no `x`).
    Rows {
        rule: usize,
        columns: Vec<Option<u32>>,
    },
    /// Relations listed one by one (rules applied once, hierarchy sums).
    Listed(Vec<Relation>),
}

impl Relations {
    fn block_len(&self, block: &Block) -> usize {
        match block {
            Block::Rows { columns, .. } => self.rows.len().saturating_mul(columns.len()),
            Block::Listed(listed) => listed.len(),
        }
    }

    fn push_block(&mut self, block: Block) {
        let len = self.block_len(&block);
        self.blocks.push((self.len, block));
        self.len = self.len.saturating_add(len);
    }

    /// Relation `i`.
    pub(crate) fn get(&self, i: usize) -> Option<Relation> {
        let after = self.blocks.partition_point(|(start, _)| *start <= i);
        let (start, block) = self.blocks.get(after.checked_sub(1)?)?;
        let offset = i.checked_sub(*start)?;
        match block {
            Block::Rows { rule, columns } => {
                let row = self.rows.get(offset.checked_div(columns.len())?)?;
                let column = columns.get(offset.checked_rem(columns.len())?)?;
                Some(Relation::new(*rule, Some(*row), *column))
            }
            Block::Listed(listed) => listed.get(offset).copied(),
        }
    }

    /// The relations `range`, in order.
    #[cfg(feature = "parallel")]
    fn range(&self, range: std::ops::Range<usize>) -> impl Iterator<Item = Relation> + '_ {
        range.filter_map(|i| self.get(i))
    }

    /// Every relation, in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = Relation> + '_ {
        self.blocks.iter().flat_map(move |(_, block)| {
            let (rule, columns, listed) = match block {
                Block::Rows { rule, columns } => (*rule, columns.as_slice(), &[][..]),
                Block::Listed(listed) => (0, &[][..], listed.as_slice()),
            };
            let rows = if columns.is_empty() {
                &[][..]
            } else {
                self.rows.as_slice()
            };
            rows.iter()
                .flat_map(move |row| {
                    columns
                        .iter()
                        .map(move |column| Relation::new(rule, Some(*row), *column))
                })
                .chain(listed.iter().copied())
        })
    }
}

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
    fn fails(lhs: Interval, shown: Option<Quantity>, rhs: Interval) -> Outcome {
        Outcome::Fails(Box::new(Sides {
            lhs: Some((lhs, shown)),
            rhs: Some(rhs),
        }))
    }

    /// A failure of a rule that is not an equation of numbers.
    fn fails_unsided() -> Outcome {
        Outcome::Fails(Box::default())
    }
}

/// Evaluates relations on one sheet, with optional overridden cell values (to test fixes).
pub(crate) struct Evaluator<'a> {
    pub sheet: &'a Sheet,
    pub bound: &'a Bound,
    pub spec: &'a TemplateSpec,
    pub rules: &'a [ParsedRule],
    /// The sheet's cells by row, for the millions of look-ups of a big sheet.
    pub cells: RowIndex<'a>,
    /// The bound columns by name, scanned rather than searched in the bound map: a form has
    /// a dozen, and every name a rule reads is looked up.
    columns: Vec<(&'a str, u32)>,
    /// Each rule's names, resolved once (by rule index).
    rule_names: Vec<Vec<RuleName<'a>>>,
    /// The layout's parent rows and their children, which hierarchy relations sum.
    hierarchy: Vec<(u32, Vec<u32>)>,
}

/// What a name can stand for in any relation, before its row and `x` are known.
#[derive(Clone, Copy)]
struct NameMeaning {
    /// `x`: the relation's cell, when it has one.
    is_x: bool,
    /// The bound column of that name (read in the relation's row).
    column: Option<u32>,
    /// The bound cell of that name.
    cell: Option<CellRef>,
}

impl NameMeaning {
    /// The meaning of `name`, names compared by `same`.
    fn of(
        columns: &[(&str, u32)],
        bound: &Bound,
        name: &str,
        same: impl Fn(&str, &str) -> bool,
    ) -> NameMeaning {
        NameMeaning {
            is_x: same(name, "x"),
            column: columns
                .iter()
                .find(|(known, _)| same(known, name))
                .map(|(_, col)| *col),
            cell: bound
                .cells
                .iter()
                .find(|(known, _)| same(known, name))
                .map(|(_, at)| *at),
        }
    }
}

/// A name as written in a parsed rule and its meaning, resolved once per sheet: found by
/// the address of its text in the rule (the evaluators hand back the rule's own `&str`),
/// which spares the string comparisons against every bound column that a look-up by text
/// costs, millions of times on a big sheet.
#[derive(Clone, Copy)]
struct RuleName<'a> {
    text: &'a str,
    meaning: NameMeaning,
}

impl RuleName<'_> {
    fn is(&self, name: &str) -> bool {
        std::ptr::eq(self.text.as_ptr(), name.as_ptr()) && self.text.len() == name.len()
    }
}

/// Every name a rule reads (and its reported cell's name), as the text the rule holds.
fn names_in(rule: &ParsedRule) -> Vec<&str> {
    let mut names: Vec<&str> = rule.lhs_name.iter().map(String::as_str).collect();
    let mut pending: Vec<&Expr> = rule.when.iter().collect();
    match &rule.body {
        RuleBody::Sum => {}
        RuleBody::Whole(expr) => pending.push(expr),
        RuleBody::Compare { lhs, rhs, .. } => pending.extend([lhs, rhs]),
    }
    while let Some(next) = pending.pop() {
        match next {
            Expr::Reference(crate::formula::Reference::Name(name)) => names.push(name.as_str()),
            Expr::Unary { operand, .. } => pending.push(operand),
            Expr::Binary { left, right, .. } => pending.extend([left.as_ref(), right.as_ref()]),
            Expr::Call { args, .. } => pending.extend(args.iter()),
            _ => {}
        }
    }
    names
}

/// The names one relation can read and the cells they stand for: `x` (the relation's
/// cell), the template's columns in the relation's row, and its named cells, in that order
/// of precedence. The columns are the evaluator's one list of them, the cells the bound
/// template's: the engine resolves hundreds of thousands of relations on a big sheet, and
/// copying the names for each was a tenth of a 5k-row check under callgrind.
struct Names<'a> {
    bound: &'a Bound,
    columns: &'a [(&'a str, u32)],
    row: Option<u32>,
    x: Option<CellRef>,
    /// The relation's rule's names, resolved once.
    rule_names: &'a [RuleName<'a>],
}

impl Names<'_> {
    fn get(&self, name: &str) -> Option<CellRef> {
        match self.rule_names.iter().find(|known| known.is(name)) {
            Some(known) => self.place(&known.meaning),
            None => self.place(&NameMeaning::of(self.columns, self.bound, name, |a, b| {
                a == b
            })),
        }
    }

    fn get_ignore_case(&self, name: &str) -> Option<CellRef> {
        self.place(&NameMeaning::of(
            self.columns,
            self.bound,
            name,
            str::eq_ignore_ascii_case,
        ))
    }

    /// The cell a name stands for in this relation: `x`, then a column in the row, then a
    /// bound cell.
    fn place(&self, meaning: &NameMeaning) -> Option<CellRef> {
        if let Some(x) = self.x.filter(|_| meaning.is_x) {
            return Some(x);
        }
        self.row
            .zip(meaning.column)
            .map(|(row, col)| CellRef::new(row, col))
            .or(meaning.cell)
    }
}

/// Resolves names and addresses for one relation, recording what it reads.
struct RelationResolver<'a> {
    sheet: &'a Sheet,
    cells: &'a RowIndex<'a>,
    /// The relation's row and its cells: most reads are in it, and a look among a dozen
    /// cells is cheaper than a binary search over the whole sheet.
    row: Option<(u32, &'a [Cell])>,
    names: Names<'a>,
    blanks: Blanks,
    overrides: &'a HashMap<CellRef, Decimal>,
    read: RefCell<Reads>,
    skip: RefCell<bool>,
    errors: RefCell<Vec<CellRef>>,
}

/// Where a value a relation read came from.
enum Source<'c> {
    /// A value the caller put in for the cell (a tried correction).
    Override,
    /// No cell there.
    Missing,
    Cell(&'c Cell),
}

impl Source<'_> {
    /// Whether the cell counts as not filled in for a hierarchy sum: no override, and
    /// empty or a marker (`-`, `x`, `…`).
    fn is_blank(&self) -> bool {
        match self {
            Source::Override => false,
            Source::Missing => true,
            Source::Cell(cell) => {
                matches!(cell.reading, Reading::Marker(_)) || cell.value.is_blank()
            }
        }
    }
}

impl<'a> RelationResolver<'a> {
    fn value_at(&self, at: CellRef) -> EvalValue {
        self.read_value(at).0
    }

    /// A cell's value and where it came from: one look-up serves a hierarchy sum's value
    /// and its "nothing filled in" test, as a section's sum reads thousands of cells.
    fn read_value(&self, at: CellRef) -> (EvalValue, Source<'a>) {
        self.read.borrow_mut().push(at);
        if let Some(value) = self.overrides.get(&at) {
            return (EvalValue::Number(Interval::point(*value)), Source::Override);
        }
        match self.cell_at(at) {
            Some(cell) => (self.value_of(at, cell), Source::Cell(cell)),
            None => (self.marker(Marker::Blank), Source::Missing),
        }
    }

    /// The cell at `at`: looked for among the relation's row first (most reads are in it,
    /// and a look among a dozen cells is cheaper than the row index).
    fn cell_at(&self, at: CellRef) -> Option<&'a Cell> {
        match self.row {
            Some((row, cells)) if row == at.row => cells.iter().find(|cell| cell.at == at),
            _ => self.cells.cell(at),
        }
    }

    /// The value a present cell gives a rule.
    fn value_of(&self, at: CellRef, cell: &Cell) -> EvalValue {
        match &cell.reading {
            Reading::Number(q) => EvalValue::Number(Interval::point(q.value)),
            Reading::Ambiguous { primary, .. } => EvalValue::Number(Interval::point(primary.value)),
            Reading::Marker(marker) => self.marker(*marker),
            Reading::NotNumber => match &cell.value {
                Value::Error(_) => {
                    self.errors.borrow_mut().push(at);
                    EvalValue::Error(ExcelError::Value)
                }
                Value::Empty => self.marker(Marker::Blank),
                Value::Text(text) => EvalValue::Text(text.to_string()),
                Value::Bool(b) => EvalValue::Bool(*b),
                _ => {
                    *self.skip.borrow_mut() = true;
                    EvalValue::Blank
                }
            },
        }
    }

    fn marker(&self, marker: Marker) -> EvalValue {
        match self.blanks.meaning(marker) {
            BlankMeaning::Zero => EvalValue::Number(Interval::point(Decimal::ZERO)),
            BlankMeaning::Skip => {
                *self.skip.borrow_mut() = true;
                EvalValue::Blank
            }
        }
    }
}

impl PlainCells for RelationResolver<'_> {
    fn number(&self, at: CellRef) -> Option<Interval> {
        if let Some(value) = self.overrides.get(&at) {
            return Some(Interval::point(*value));
        }
        let marker = match self.cell_at(at).map(|cell| (&cell.reading, &cell.value)) {
            Some((Reading::Number(q), _)) => return Some(Interval::point(q.value)),
            Some((Reading::Ambiguous { primary, .. }, _)) => {
                return Some(Interval::point(primary.value))
            }
            Some((Reading::Marker(marker), _)) => *marker,
            None | Some((Reading::NotNumber, Value::Empty)) => Marker::Blank,
            Some((Reading::NotNumber, _)) => return None,
        };
        match self.blanks.meaning(marker) {
            BlankMeaning::Zero => Some(Interval::point(Decimal::ZERO)),
            BlankMeaning::Skip => None,
        }
    }

    fn name(&self, name: &str) -> Option<CellRef> {
        self.names
            .get(name)
            .or_else(|| self.names.get_ignore_case(name))
    }

    fn is_own_sheet(&self, sheet: &str) -> bool {
        sheet == self.sheet.name
    }
}

impl Resolver for RelationResolver<'_> {
    fn cell(&self, sheet: Option<&str>, at: CellRef) -> EvalValue {
        if sheet.is_some_and(|name| name != self.sheet.name) {
            return EvalValue::Error(ExcelError::Ref);
        }
        self.value_at(at)
    }

    fn range(&self, sheet: Option<&str>, range: CellRange) -> Vec<EvalValue> {
        if sheet.is_some_and(|name| name != self.sheet.name) {
            return vec![EvalValue::Error(ExcelError::Ref)];
        }
        let (range, cut) = match self.sheet.visit_range(range) {
            RangeVisit::Cells { range, cut } => (range, cut),
            // Every cell is empty: one blank stands for them all (a sum is the same).
            RangeVisit::Empty => return vec![self.marker(Marker::Blank)],
            RangeVisit::TooLarge => {
                return vec![EvalValue::Error(ExcelError::Unsupported(format!(
                    "range {range} larger than {MAX_RANGE_CELLS} cells"
                )))]
            }
        };
        let mut values = Vec::new();
        for row in range.first.row..=range.last.row {
            for col in range.first.col..=range.last.col {
                values.push(self.value_at(CellRef::new(row, col)));
            }
        }
        if cut {
            values.push(self.marker(Marker::Blank));
        }
        values
    }

    fn name(&self, name: &str) -> Option<Operand> {
        let at = self
            .names
            .get(name)
            .or_else(|| self.names.get_ignore_case(name))?;
        Some(Operand::Single(self.value_at(at)))
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

impl<'a> Evaluator<'a> {
    pub(crate) fn new(
        sheet: &'a Sheet,
        bound: &'a Bound,
        spec: &'a TemplateSpec,
        rules: &'a [ParsedRule],
    ) -> Evaluator<'a> {
        let columns: Vec<(&'a str, u32)> = bound
            .columns
            .iter()
            .map(|(name, col)| (name.as_str(), *col))
            .collect();
        let rule_names = rules
            .iter()
            .map(|rule| {
                names_in(rule)
                    .into_iter()
                    .map(|text| RuleName {
                        text,
                        meaning: NameMeaning::of(&columns, bound, text, |a, b| a == b),
                    })
                    .collect()
            })
            .collect();
        Evaluator {
            sheet,
            bound,
            spec,
            rules,
            cells: RowIndex::new(sheet),
            columns,
            rule_names,
            hierarchy: bound.layout.hierarchy(),
        }
    }

    /// The child rows a hierarchy relation sums (none for other relations).
    pub(crate) fn children(&self, relation: &Relation) -> &[u32] {
        self.hierarchy
            .get(relation.sum_of as usize)
            .map_or(&[], |(_, children)| children.as_slice())
    }

    /// Every relation instance of the template on this sheet.
    pub(crate) fn relations(&self) -> Relations {
        let mut relations = Relations {
            rows: self
                .bound
                .layout
                .body
                .iter()
                .filter(|r| r.has_numbers)
                .map(|r| r.row)
                .collect(),
            ..Relations::default()
        };
        for (index, rule) in self.spec.rules.iter().enumerate() {
            let listed = match rule.scope {
                Scope::Row => {
                    let columns = if rule.each.is_empty() {
                        vec![None]
                    } else {
                        rule.each
                            .iter()
                            .filter_map(|name| self.bound.columns.get(name).map(|c| Some(*c)))
                            .collect()
                    };
                    relations.push_block(Block::Rows {
                        rule: index,
                        columns,
                    });
                    continue;
                }
                Scope::Once => {
                    let mut listed = Vec::new();
                    if rule.each.is_empty() {
                        listed.push(Relation::new(index, None, None));
                    }
                    for name in &rule.each {
                        if let Some(at) = self.bound.cells.get(name) {
                            listed.push(Relation::new(index, Some(at.row), Some(at.col)));
                        }
                    }
                    listed
                }
                Scope::Hierarchy => {
                    let mut listed = Vec::new();
                    for (sum_of, (parent, _)) in (0u32..).zip(&self.hierarchy) {
                        for name in &rule.columns {
                            if let Some(col) = self.bound.columns.get(name) {
                                listed.push(Relation {
                                    sum_of,
                                    ..Relation::new(index, Some(*parent), Some(*col))
                                });
                            }
                        }
                    }
                    listed
                }
            };
            relations.push_block(Block::Listed(listed));
        }
        relations
    }

    /// A resolver for one relation (its row's columns and `x` bound), or for a plain cell
    /// formula of the sheet when `relation` is `None`.
    fn resolver<'r>(
        &'r self,
        relation: Option<&Relation>,
        overrides: &'r HashMap<CellRef, Decimal>,
    ) -> RelationResolver<'r> {
        let row_number = relation.and_then(|r| r.row);
        let names = Names {
            bound: self.bound,
            columns: &self.columns,
            rule_names: relation
                .and_then(|r| self.rule_names.get(r.rule()))
                .map_or(&[], Vec::as_slice),
            row: row_number,
            x: row_number
                .zip(relation.and_then(|r| r.column))
                .map(|(row, col)| CellRef::new(row, col)),
        };
        let row = relation
            .and_then(|r| r.row)
            .map(|row| (row, self.cells.row(row)));
        RelationResolver {
            sheet: self.sheet,
            cells: &self.cells,
            row,
            names,
            blanks: self.spec.blanks,
            overrides,
            // A rule reads a handful of cells: on the stack.
            read: RefCell::new(Reads::new()),
            skip: RefCell::new(false),
            errors: RefCell::new(Vec::new()),
        }
    }

    /// Evaluates one relation, with `overrides` standing in for cell values.
    pub(crate) fn evaluate(
        &self,
        relation: &Relation,
        overrides: &HashMap<CellRef, Decimal>,
    ) -> Evaluation {
        let rule_spec = self.spec.rules.get(relation.rule());
        let parsed = self.rules.get(relation.rule());
        let (Some(rule_spec), Some(parsed)) = (rule_spec, parsed) else {
            return Evaluation {
                outcome: Outcome::Skipped,
                target: None,
                cells: CellSet::default(),
            };
        };
        let resolver = self.resolver(Some(relation), overrides);
        let finish = finished;
        if let Some(evaluation) =
            self.evaluate_plain(relation, rule_spec, parsed, &resolver, overrides)
        {
            return evaluation;
        }

        if let Some(when) = &parsed.when {
            match evaluate(when, &resolver) {
                EvalValue::Bool(true) => {}
                EvalValue::Number(n) if n.lo != Decimal::ZERO || n.hi != Decimal::ZERO => {}
                _ => {
                    return Evaluation {
                        outcome: Outcome::Skipped,
                        target: None,
                        cells: CellSet::default(),
                    }
                }
            }
        }

        match &parsed.body {
            RuleBody::Sum => {
                let Some(mut sum) = ChildSum::start(relation, &resolver) else {
                    return finish(Outcome::Skipped, None, &resolver);
                };
                for child in self.children(relation) {
                    sum.add(*child, &resolver);
                }
                self.sum_finished(sum, &resolver, overrides)
            }
            RuleBody::Whole(expr) => {
                let outcome = match evaluate(expr, &resolver) {
                    EvalValue::Bool(true) => Outcome::Holds,
                    EvalValue::Bool(false) => Outcome::fails_unsided(),
                    _ => Outcome::Skipped,
                };
                let target = relation
                    .row
                    .zip(relation.column)
                    .map(|(row, col)| CellRef::new(row, col));
                finish(outcome, target, &resolver)
            }
            RuleBody::Compare { lhs, op, rhs } => {
                let target = parsed
                    .lhs_name
                    .as_deref()
                    .and_then(|name| resolver.names.get(name).or_else(|| CellRef::parse(name)));
                let lhs_value = evaluate(lhs, &resolver);
                let rhs_value = evaluate(rhs, &resolver);
                let (EvalValue::Number(lhs_point), EvalValue::Number(rhs_interval)) =
                    (lhs_value, rhs_value)
                else {
                    return finish(Outcome::Skipped, target, &resolver);
                };
                let outcome =
                    self.compared(rule_spec, *op, target, lhs_point, rhs_interval, overrides);
                finish(outcome, target, &resolver)
            }
        }
    }

    /// Evaluates the hierarchy sums of one parent row together, with no overrides: `run`
    /// is consecutive relations of one sum rule without a condition, one a column, all
    /// summing the same children (see [`Evaluations::of`]). Each child row is read once for
    /// every column, where one relation at a time walked the children once a column: a
    /// 500k-row form's sums went down its 800 MB of cells ten times, a sixth of its check
    /// spent waiting for memory. Each relation reads the same cells in the same order as
    /// [`Evaluator::evaluate`] would.
    fn evaluate_sums(&self, run: &[Relation]) -> Vec<Evaluation> {
        let no_overrides = HashMap::new();
        let resolvers: Vec<RelationResolver> = run
            .iter()
            .map(|relation| self.resolver(Some(relation), &no_overrides))
            .collect();
        let mut sums: Vec<Option<ChildSum>> = run
            .iter()
            .zip(&resolvers)
            .map(|(relation, resolver)| ChildSum::start(relation, resolver))
            .collect();
        let children = run.first().map_or(&[][..], |first| self.children(first));
        for child in children {
            for (sum, resolver) in sums.iter_mut().zip(&resolvers) {
                if let Some(sum) = sum {
                    sum.add(*child, resolver);
                }
            }
        }
        sums.into_iter()
            .zip(&resolvers)
            .map(|(sum, resolver)| match sum {
                Some(sum) => self.sum_finished(sum, resolver, &no_overrides),
                None => finished(Outcome::Skipped, None, resolver),
            })
            .collect()
    }

    /// Whether relations `a` and `b` can be evaluated together by
    /// [`Evaluator::evaluate_sums`].
    fn sum_together(&self, a: &Relation, b: &Relation) -> bool {
        a.rule == b.rule && a.sum_of == b.sum_of && self.is_plain_sum(a)
    }

    /// Whether `relation` sums a parent's children with no condition.
    fn is_plain_sum(&self, relation: &Relation) -> bool {
        relation.sum_of != u32::MAX
            && self
                .rules
                .get(relation.rule())
                .is_some_and(|rule| rule.when.is_none() && matches!(rule.body, RuleBody::Sum))
            && self.spec.rules.get(relation.rule()).is_some()
    }

    /// How a hierarchy sum comes out once its children are added.
    fn sum_finished(
        &self,
        sum: ChildSum,
        resolver: &RelationResolver,
        overrides: &HashMap<CellRef, Decimal>,
    ) -> Evaluation {
        if sum.all_blank {
            return finished(Outcome::Skipped, Some(sum.target), resolver);
        }
        let outcome = match (sum.parent, sum.sum) {
            (EvalValue::Number(p), Some(s)) => {
                let rhs = Interval::point(s);
                if p.meets(&rhs) {
                    Outcome::Holds
                } else {
                    Outcome::fails(p, self.quantity(sum.target, overrides), rhs)
                }
            }
            _ => Outcome::Skipped,
        };
        finished(outcome, Some(sum.target), resolver)
    }

    /// How `lhs op rhs` comes out, the left side being the value reported at `target`
    /// (which stands for the interval its shown precision allows, as the rule's rounding
    /// says).
    fn compared(
        &self,
        rule_spec: &RuleSpec,
        op: Comparison,
        target: Option<CellRef>,
        lhs_point: Interval,
        rhs_interval: Interval,
        overrides: &HashMap<CellRef, Decimal>,
    ) -> Outcome {
        let quantity = target.and_then(|at| self.quantity(at, overrides));
        let reported = |rounding: Rounding| match (&quantity, rounding) {
            (Some(q), rounding) if rounding != Rounding::Exact && shows_all(q) => {
                q.interval(rounding)
            }
            _ => lhs_point,
        };
        if op.holds(&reported(Rounding::Exact), &rhs_interval) {
            Outcome::Holds
        } else if rule_spec.rounding == Rounding::Either {
            if op.holds(&reported(Rounding::Nearest), &rhs_interval) {
                Outcome::Holds
            } else if op.holds(&reported(Rounding::Truncate), &rhs_interval) {
                match quantity {
                    Some(q) => Outcome::HoldsTruncated(Box::new((q, rhs_interval))),
                    None => Outcome::Holds,
                }
            } else {
                Outcome::fails(lhs_point, quantity, rhs_interval)
            }
        } else if op.holds(&reported(rule_spec.rounding), &rhs_interval) {
            Outcome::Holds
        } else {
            Outcome::fails(lhs_point, quantity, rhs_interval)
        }
    }

    /// The relation evaluated over plain numbers ([`evaluate_plain`]), when every cell it
    /// reads is one (an overridden cell is); `None` leaves it to the general evaluator.
    /// Hierarchy sums add their cells directly and are not tried here.
    fn evaluate_plain(
        &self,
        relation: &Relation,
        rule_spec: &RuleSpec,
        parsed: &ParsedRule,
        resolver: &RelationResolver,
        overrides: &HashMap<CellRef, Decimal>,
    ) -> Option<Evaluation> {
        let mut reads = Reads::new();
        if let Some(when) = &parsed.when {
            match evaluate_plain(when, resolver, &mut reads)? {
                Plain::Bool(true) => {}
                Plain::Number(n) if n.lo != Decimal::ZERO || n.hi != Decimal::ZERO => {}
                Plain::Bool(false) | Plain::Number(_) => {
                    return Some(Evaluation {
                        outcome: Outcome::Skipped,
                        target: None,
                        cells: CellSet::default(),
                    })
                }
            }
        }
        let (outcome, target) = match &parsed.body {
            RuleBody::Sum => return None,
            RuleBody::Whole(expr) => {
                let outcome = match evaluate_plain(expr, resolver, &mut reads)? {
                    Plain::Bool(true) => Outcome::Holds,
                    Plain::Bool(false) => Outcome::fails_unsided(),
                    Plain::Number(_) => Outcome::Skipped,
                };
                let target = relation
                    .row
                    .zip(relation.column)
                    .map(|(row, col)| CellRef::new(row, col));
                (outcome, target)
            }
            RuleBody::Compare { lhs, op, rhs } => {
                let target = parsed
                    .lhs_name
                    .as_deref()
                    .and_then(|name| resolver.names.get(name).or_else(|| CellRef::parse(name)));
                let Plain::Number(lhs_point) = evaluate_plain(lhs, resolver, &mut reads)? else {
                    return None;
                };
                let Plain::Number(rhs_interval) = evaluate_plain(rhs, resolver, &mut reads)? else {
                    return None;
                };
                let outcome =
                    self.compared(rule_spec, *op, target, lhs_point, rhs_interval, overrides);
                (outcome, target)
            }
        };
        Some(Evaluation {
            outcome,
            target,
            cells: CellSet::of(&reads),
        })
    }

    /// How far a relation is from holding, as `left − right` with `overrides` in place: the
    /// quantity a single-cell change must remove. `None` for relations that are not
    /// equations or whose sides are not numbers.
    pub(crate) fn residual(
        &self,
        relation: &Relation,
        overrides: &HashMap<CellRef, Decimal>,
    ) -> Option<Decimal> {
        let parsed = self.rules.get(relation.rule())?;
        let resolver = self.resolver(Some(relation), overrides);
        match &parsed.body {
            RuleBody::Sum => {
                let col = relation.column?;
                let parent = match resolver.value_at(CellRef::new(relation.row?, col)) {
                    EvalValue::Number(n) => n.lo,
                    _ => return None,
                };
                let mut sum = Decimal::ZERO;
                for child in self.children(relation) {
                    if let EvalValue::Number(n) = resolver.value_at(CellRef::new(*child, col)) {
                        sum = sum.checked_add(n.lo)?;
                    }
                }
                parent.checked_sub(sum)
            }
            RuleBody::Compare {
                lhs,
                op: Comparison::Eq,
                rhs,
            } => {
                let (EvalValue::Number(l), EvalValue::Number(r)) =
                    (evaluate(lhs, &resolver), evaluate(rhs, &resolver))
                else {
                    return None;
                };
                let middle = r.lo.checked_add(r.hi)?.checked_div(Decimal::TWO)?;
                l.lo.checked_sub(middle)
            }
            _ => None,
        }
    }

    /// Evaluates a cell formula of the sheet with `overrides` standing in for cell values.
    pub(crate) fn formula_value(
        &self,
        expr: &Expr,
        overrides: &HashMap<CellRef, Decimal>,
    ) -> EvalValue {
        evaluate(expr, &self.resolver(None, overrides))
    }

    /// The reported quantity of a cell (with an override, the override at the same precision).
    fn quantity(&self, at: CellRef, overrides: &HashMap<CellRef, Decimal>) -> Option<Quantity> {
        let cell_quantity = self.cells.cell(at).and_then(|cell| match &cell.reading {
            Reading::Number(q) => Some(*q),
            Reading::Ambiguous { primary, .. } => Some(**primary),
            _ => None,
        });
        match overrides.get(&at) {
            Some(value) => Some(Quantity {
                value: *value,
                ..cell_quantity.unwrap_or(Quantity {
                    value: *value,
                    decimals: value.scale(),
                    percent: false,
                    from_text: false,
                })
            }),
            None => cell_quantity,
        }
    }
}

/// Whether a quantity's value has no more digits than it shows: only then is it a rounded
/// report standing for an interval (an unrounded formula result is exact).
fn shows_all(quantity: &Quantity) -> bool {
    quantity.value.normalize().scale() <= quantity.decimals
}

/// The cells one relation read, sorted, each once. A rule reads a handful of cells of its
/// own row: those are a column mask, so that the millions of relations of a big sheet
/// allocate nothing for them (an allocation a relation was a twentieth of a 50k-row
/// check under callgrind, and a tenth of its memory); anything else is a list.
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

/// A relation's evaluation from what its resolver saw: an error read or a skip decides
/// over `outcome`.
fn finished(outcome: Outcome, target: Option<CellRef>, resolver: &RelationResolver) -> Evaluation {
    let cells = CellSet::of(resolver.read.borrow().as_slice());
    let errors = resolver.errors.borrow().clone();
    let outcome = if !errors.is_empty() {
        Outcome::ErrorValue(Box::new(errors))
    } else if *resolver.skip.borrow() {
        Outcome::Skipped
    } else {
        outcome
    };
    Evaluation {
        outcome,
        target,
        cells,
    }
}

/// A hierarchy sum being added up: the parent's value, and its children's so far.
struct ChildSum {
    target: CellRef,
    col: u32,
    parent: EvalValue,
    /// Nothing filled in so far, the parent included.
    all_blank: bool,
    /// `None` once a child is not a number.
    sum: Option<Decimal>,
}

impl ChildSum {
    /// Reads the parent's cell; `None` for a relation with no cell.
    fn start(relation: &Relation, resolver: &RelationResolver) -> Option<ChildSum> {
        let (row, col) = (relation.row?, relation.column?);
        let target = CellRef::new(row, col);
        let (parent, source) = resolver.read_value(target);
        Some(ChildSum {
            target,
            col,
            parent,
            all_blank: source.is_blank(),
            sum: Some(Decimal::ZERO),
        })
    }

    /// Reads and adds the child in `row`.
    fn add(&mut self, row: u32, resolver: &RelationResolver) {
        let (value, source) = resolver.read_value(CellRef::new(row, self.col));
        self.all_blank &= source.is_blank();
        match value {
            EvalValue::Number(n) => self.sum = self.sum.and_then(|s| s.checked_add(n.lo)),
            EvalValue::Blank => {}
            _ => self.sum = None,
        }
    }
}

/// How many relations one thread evaluates at a time, when a sheet has more (the
/// `parallel` feature): a few milliseconds of work, so that the cores share a big sheet
/// evenly.
#[cfg(feature = "parallel")]
const PARALLEL_CHUNK: usize = 1 << 15;

/// The evaluations of every relation of a sheet, by relation index. A big sheet has ten
/// million, nearly all holding after reading a handful of cells of one row: each of those
/// is kept as that row, the columns read and the target's column (12 bytes, where an
/// [`Evaluation`] is 48: a 500k-row form's evaluations took 480 MB); any other is kept
/// whole.
#[derive(Default)]
pub(crate) struct Evaluations {
    entries: Vec<Entry>,
    /// The evaluations kept whole, in relation order.
    whole: Vec<(u32, Evaluation)>,
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

impl Entry {
    const NO_TARGET: u8 = u8::MAX;

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
        if relations.len > PARALLEL_CHUNK {
            return Evaluations::of_in_parallel(evaluator, relations, PARALLEL_CHUNK);
        }
        Evaluations::of_each(evaluator, relations.iter())
    }

    /// The evaluations of `relations`, in order (see [`Evaluations::of`]).
    fn of_each(evaluator: &Evaluator, relations: impl Iterator<Item = Relation>) -> Evaluations {
        let no_overrides = HashMap::new();
        let mut evaluations = Evaluations::default();
        let mut run: Vec<Relation> = Vec::new();
        for relation in relations {
            if run
                .last()
                .is_some_and(|last| !evaluator.sum_together(last, &relation))
            {
                evaluator
                    .evaluate_sums(&run)
                    .into_iter()
                    .for_each(|e| evaluations.push(e));
                run.clear();
            }
            if evaluator.is_plain_sum(&relation) {
                run.push(relation);
            } else {
                evaluations.push(evaluator.evaluate(&relation, &no_overrides));
            }
        }
        evaluator
            .evaluate_sums(&run)
            .into_iter()
            .for_each(|e| evaluations.push(e));
        evaluations.entries.shrink_to_fit();
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
        let mut entries = vec![placeholder; relations.len];
        let wholes: Vec<(usize, Vec<(u32, Evaluation)>)> = entries
            .par_chunks_mut(chunk.max(1))
            .enumerate()
            .map(|(k, places)| {
                let start = k.saturating_mul(chunk.max(1));
                let end = start.saturating_add(places.len());
                let part = Evaluations::of_each(evaluator, relations.range(start..end));
                for (place, entry) in places.iter_mut().zip(part.entries) {
                    *place = entry;
                }
                (start, part.whole)
            })
            .collect();
        // Each chunk numbered its relations and whole evaluations from 0.
        let mut evaluations = Evaluations {
            entries,
            whole: Vec::new(),
        };
        for (start, whole) in wholes {
            let places = u32::try_from(evaluations.whole.len()).unwrap_or(u32::MAX);
            let offset = u32::try_from(start).unwrap_or(u32::MAX);
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
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// The evaluation of relation `i`.
    pub(crate) fn get(&self, i: usize) -> Option<Cow<'_, Evaluation>> {
        let entry = self.entries.get(i)?;
        let outcome = match entry.kind {
            EntryKind::Holds => Outcome::Holds,
            EntryKind::Skipped => Outcome::Skipped,
            EntryKind::Whole => {
                return self
                    .whole
                    .get(entry.columns as usize)
                    .map(|(_, evaluation)| Cow::Borrowed(evaluation))
            }
        };
        Some(Cow::Owned(Evaluation {
            outcome,
            target: (entry.target != Entry::NO_TARGET)
                .then(|| CellRef::new(entry.row, u32::from(entry.target))),
            cells: CellSet::Row {
                row: entry.row,
                columns: entry.columns,
            },
        }))
    }

    /// The cells relation `i` read, in order.
    pub(crate) fn cells(&self, i: usize) -> CellSetIter<'_> {
        match self.entries.get(i) {
            Some(entry) if entry.kind != EntryKind::Whole => CellSetIter::Row {
                row: entry.row,
                columns: entry.columns,
            },
            Some(entry) => self
                .whole
                .get(entry.columns as usize)
                .map_or(CellSetIter::List([].iter()), |(_, e)| e.cells.iter()),
            None => CellSetIter::List([].iter()),
        }
    }

    /// The rows relation `i` read, each once, in order (one for nearly all: the readers
    /// index asks three times for every relation).
    pub(crate) fn rows(&self, i: usize) -> impl Iterator<Item = u32> + '_ {
        let (one, many) = match self.entries.get(i) {
            Some(entry) if entry.kind != EntryKind::Whole => {
                ((entry.columns != 0).then_some(entry.row), None)
            }
            _ => (None, Some(rows_read(self.cells(i)))),
        };
        one.into_iter().chain(many.into_iter().flatten())
    }

    /// Whether relation `i` read `cell`.
    pub(crate) fn read(&self, i: usize, cell: CellRef) -> bool {
        match self.entries.get(i) {
            Some(entry) if entry.kind != EntryKind::Whole => CellSet::Row {
                row: entry.row,
                columns: entry.columns,
            }
            .contains(cell),
            Some(entry) => self
                .whole
                .get(entry.columns as usize)
                .is_some_and(|(_, e)| e.cells.contains(cell)),
            None => false,
        }
    }

    /// The evaluations kept whole, with their relation's index: among them every one that
    /// did not simply hold or was not simply skipped.
    pub(crate) fn whole(&self) -> impl Iterator<Item = (usize, &Evaluation)> {
        self.whole.iter().map(|(i, e)| (*i as usize, e))
    }
}

impl FromIterator<Evaluation> for Evaluations {
    fn from_iter<T: IntoIterator<Item = Evaluation>>(iter: T) -> Self {
        let mut evaluations = Evaluations::default();
        for evaluation in iter {
            evaluations.push(evaluation);
        }
        evaluations.entries.shrink_to_fit();
        evaluations
    }
}

/// Index: which relations read each cell, kept as the relations that read anything in each
/// row. A relation reads a dozen cells of its own row, or (a total) thousands down a
/// column: listed once per row it reads, a 500k-row form's relations take some fifteen
/// million entries of 4 bytes, where one `(cell, relation)` pair per cell read took forty
/// million of 12 bytes (half a gigabyte) and a sort. A look-up tests the row's few dozen
/// relations against their read cells.
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
        // The limit on cells a sheet may have keeps its relations far below 2^32.
        let entries = || {
            (0..evaluations.len())
                .filter_map(|i| Some((i, u32::try_from(i).ok()?)))
                .flat_map(|(i, index)| evaluations.rows(i).map(move |row| (row, index)))
        };
        let (first, last) = entries().fold((u32::MAX, 0), |(lo, hi), (row, _)| {
            (lo.min(row), hi.max(row))
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
        for (row, _) in entries() {
            if let Some(n) = counts.get_mut(row.saturating_sub(first) as usize) {
                *n = n.saturating_add(1);
            }
        }
        let mut starts = Vec::with_capacity(counts.len().saturating_add(1));
        let mut total = 0u32;
        for n in &counts {
            starts.push(total);
            total = total.saturating_add(*n);
        }
        starts.push(total);
        let mut next = starts.clone();
        let mut relations = vec![0u32; total as usize];
        for (row, i) in entries() {
            let Some(slot) = next.get_mut(row.saturating_sub(first) as usize) else {
                continue;
            };
            if let Some(place) = relations.get_mut(*slot as usize) {
                *place = i;
            }
            *slot = slot.saturating_add(1);
        }
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
            let inline = sorted.windows(2).all(|w| w[0].row == w[1].row)
                && sorted.iter().all(|c| c.col < 32);
            assert_eq!(matches!(set, CellSet::Row { .. }), inline, "{reads:?}");
        }
        assert_eq!(std::mem::size_of::<CellSet>(), 16);
        // A big sheet keeps ten million evaluations: every one of them costs this.
        assert_eq!(std::mem::size_of::<Outcome>(), 16);
        assert!(std::mem::size_of::<Evaluation>() <= 48);
        assert!(std::mem::size_of::<Relation>() <= 24);
        // What is kept of each of them, nearly all holding.
        assert_eq!(std::mem::size_of::<Entry>(), 12);
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
                assert!(kept.rows(i).eq(rows_read(evaluation.cells.iter())), "{i}");
            }
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

    /// The relations worked out from their index are those listed in order, for a real
    /// form's rules of every scope, and their evaluations (the sums of a parent together)
    /// are those of each relation alone.
    #[test]
    fn relations_by_index_and_sums_together_are_as_one_by_one() {
        let bytes = std::fs::read("tests/fixtures/tthc-06-q3-2022.xlsx").expect("fixture");
        let book = crate::read_workbook(&bytes, "tthc-06-q3-2022.xlsx").expect("reads");
        let template = crate::template::Template::builtin("tthc-06").expect("built in");
        let sheet = book.sheets.first().expect("a sheet");
        let bound = crate::bind(&template, sheet).expect("binds");
        let parsed: Vec<ParsedRule> = template
            .spec
            .rules
            .iter()
            .map(|rule| ParsedRule::parse(rule).expect("parses"))
            .collect();
        let evaluator = Evaluator::new(sheet, &bound, &template.spec, &parsed);
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
        assert_eq!(relations.len, listed.len());
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

        // The sums of a parent evaluated together come out as each evaluated alone.
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
}
