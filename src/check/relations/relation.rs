//! Relation instances: each rule of a template applied at each place it applies to (each
//! numeric body row and column of a row rule, once, or each parent row and column of the
//! hierarchy), numbered in the template's rule order.

use crate::template::Scope;

use super::evaluator::Evaluator;

/// One rule applied at one place. Kept small (the rule a `u32`, a hierarchy sum's children
/// an index into the evaluator's list rather than a list of its own), as a big sheet has
/// millions.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Relation {
    /// Index of the rule in the template.
    pub(super) rule: u32,
    /// For hierarchy relations: which of the evaluator's parent rows and their children it
    /// sums ([`Evaluator::children`]); `u32::MAX` for the others.
    pub(super) sum_of: u32,
    /// The row it applies to (row scope and hierarchy parent), if any.
    pub row: Option<u32>,
    /// The column bound to `x` (rules with `each`), or the hierarchy column.
    pub column: Option<u32>,
}

impl Relation {
    pub(super) fn new(rule: usize, row: Option<u32>, column: Option<u32>) -> Relation {
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
/// worked out from their index rather than kept: a big form has millions of them, and
/// they follow from the rows and the rule's columns.
#[derive(Default)]
pub(crate) struct Relations {
    /// The numeric body rows, which row rules apply to, in order.
    rows: Vec<u32>,
    /// Each rule's relations, with the index of its first.
    blocks: Vec<(usize, Block)>,
    pub(super) len: usize,
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

    /// How many relations.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The relations `range`, in order.
    #[cfg(feature = "parallel")]
    pub(crate) fn range(
        &self,
        range: std::ops::Range<usize>,
    ) -> impl Iterator<Item = Relation> + '_ {
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

impl Evaluator<'_> {
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
                // Below a second table's header the columns mean other things.
                .take_while(|&row| self.bound.layout.second_table.is_none_or(|s| row < s))
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
}
