//! Checking any table without a template: infers one from a sheet's labels and numbers
//! (total and subtotal rows, column identities that hold on nearly every row, "of which"
//! parts, percentage columns and their rounding), so the same engine checks it, and says on
//! what evidence each rule was inferred; and, from the headers, how its figures follow from
//! the last period's (`[continuity]`).

mod continuity;
mod search;
mod table;
mod toml_out;

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use toml::Spanned;

use crate::finding::{Message, Severity};
use crate::layout::RowKind;
use crate::model::{column_letters, CellRef, Workbook};
use crate::number::Rounding;
use crate::template::{
    MessageSpec, OneOrMany, Recognize, RuleSpec, Scope, TableSpec, Template, TemplateSpec,
};
use crate::text::normalize_label;

pub use toml_out::template_to_toml;

use search::{Budget, Identity, PartsBound, Percent, UnlabelledTotal, WORK_BUDGET};
use table::Table;

/// A template inferred from a sheet, with the evidence for each of its rules.
#[derive(Debug, Clone, PartialEq)]
pub struct InferredTemplate {
    /// The template, ready for [`crate::check`] with [`crate::TemplateChoice::Given`].
    pub template: Template,
    /// One entry per rule: what was inferred and on how many rows it holds.
    pub evidence: Vec<Evidence>,
}

/// Why an inferred rule is in the template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    /// The id of the rule in the template.
    pub rule: String,
    /// On how many rows (or total relations) the relation holds in the file.
    pub holds_on: usize,
    /// On how many it was checked.
    pub of_rows: usize,
    /// What was inferred, in both languages: `suy ra: cột E = C − D đúng trên 14/15 dòng`.
    pub message: Message,
}

/// Infers a template from the first sheet that holds a table with at least two number
/// columns: total, subtotal and section rows from their labels (or, where labels say
/// nothing, from their values), the columns that add up down the hierarchy, column
/// identities, "of which" parts and percentage columns. `None` when no sheet has such a
/// table, or nothing could be inferred. Its `[continuity]` comes from the headers: the one
/// column carried over from the last period (`Tồn kỳ trước`, `Từ kỳ trước`, `Brought
/// forward`) with the one column left for the next (`Tồn cuối kỳ`, `Đang giải quyết`,
/// `Closing balance`) when each is the only one, the cumulative columns (`Lũy kế`, `Year
/// to date`), and for each of those the one column of this period's own figure it adds up
/// (`Trong kỳ > Hồ sơ nhận` beside `Lũy kế > Hồ sơ nhận`).
///
/// The searches are bounded: identities among any three columns look at the first 20
/// number columns, and all searches stop after a fixed amount of work.
///
/// # Examples
/// ```
/// let bytes = std::fs::read("tests/fixtures/kinh-phi-2022.xlsx").unwrap();
/// let book = crossfoot::read_workbook(&bytes, "kinh-phi-2022.xlsx").unwrap();
/// let inferred = crossfoot::infer_template(&book).unwrap();
/// assert!(inferred.evidence.iter().any(|e| e.message.en.contains("E = C − D")));
/// let report = crossfoot::check(&book, &crossfoot::TemplateChoice::Given(Box::new(inferred.template)));
/// assert_eq!(report.summary().errors, 0);
/// ```
pub fn infer_template(workbook: &Workbook) -> Option<InferredTemplate> {
    workbook
        .sheets
        .iter()
        .filter(|s| !s.hidden)
        .chain(workbook.sheets.iter().filter(|s| s.hidden))
        .find_map(|sheet| {
            let table = Table::read(sheet)?;
            infer_from_table(&table)
        })
}

/// Column names and header paths that bind back to the same columns.
struct Names {
    /// By column index: the rule name, if the column can be named.
    names: Vec<Option<String>>,
    /// By column index: the header path.
    paths: Vec<Option<String>>,
}

impl Names {
    fn of(&self, c: usize) -> Option<&str> {
        self.names.get(c).and_then(|n| n.as_deref())
    }
}

fn infer_from_table(table: &Table) -> Option<InferredTemplate> {
    let names = name_columns(table);
    let named = |c: usize| names.of(c).is_some();
    let mut budget = Budget::new(WORK_BUDGET);
    let mut rules: Vec<RuleSpec> = Vec::new();
    let mut evidence: Vec<Evidence> = Vec::new();

    // Hierarchy from labels.
    let hierarchy = table.layout.hierarchy();
    let mut used_columns: BTreeSet<usize> = BTreeSet::new();
    if !hierarchy.is_empty() {
        if let Some((rule, ev, cols)) = hierarchy_rule(table, &names, &hierarchy) {
            rules.push(rule);
            evidence.push(ev);
            used_columns.extend(cols);
        }
    }
    // Totals by value where labels name none.
    let mut unlabelled: Vec<UnlabelledTotal> = Vec::new();
    if hierarchy.is_empty() {
        unlabelled = search::unlabelled_totals(table, &mut budget);
        for total in unlabelled.iter().take(10) {
            let (new_rules, ev) = unlabelled_rules(table, total);
            if !new_rules.is_empty() {
                rules.extend(new_rules);
                evidence.push(ev);
            }
        }
    }

    // Identities.
    let identities: Vec<Identity> = search::identities(table, &mut budget)
        .into_iter()
        .filter(|i| named(i.total) && i.parts.iter().all(|&p| named(p)))
        .collect();
    for (identity, number) in identities.iter().zip(1..) {
        let (rule, ev) = identity_rule(table, &names, identity, number);
        used_columns.insert(identity.total);
        used_columns.extend(identity.parts.iter().copied());
        rules.push(rule);
        evidence.push(ev);
    }
    // "Of which" parts.
    for (bound, number) in search::parts_bounds(table, &identities, &mut budget)
        .into_iter()
        .filter(|b| named(b.total) && b.parts.iter().all(|&p| named(p)))
        .zip(1..)
    {
        used_columns.insert(bound.total);
        used_columns.extend(bound.parts.iter().copied());
        let (rule, ev) = parts_rule(table, &names, &bound, number);
        rules.push(rule);
        evidence.push(ev);
    }
    // Percentages.
    let percents: Vec<Percent> = search::percents(table, &mut budget)
        .into_iter()
        .filter(|p| {
            named(p.column) && named(p.denominator) && p.numerator.iter().all(|&c| named(c))
        })
        .collect();
    for (percent, number) in percents.iter().zip(1..) {
        let (rule, ev) = percent_rule(table, &names, percent, number);
        used_columns.insert(percent.column);
        rules.push(rule);
        evidence.push(ev);
    }

    if rules.is_empty() {
        return None;
    }

    let _ = unlabelled;
    // Across periods, from the headers: their columns are declared so that both files bind them.
    let continuity = continuity::propose(table, &names).map(|(continuity, columns)| {
        used_columns.extend(columns);
        continuity
    });
    let mut template = inferred_template(table, &names, &used_columns, rules);
    template.spec.continuity = continuity;
    Some(InferredTemplate { template, evidence })
}

/// The rule that an "of which" total is at least each of its parts, and its evidence.
fn parts_rule(
    table: &Table,
    names: &Names,
    bound: &PartsBound,
    number: usize,
) -> (RuleSpec, Evidence) {
    let total_name = names.of(bound.total).unwrap_or_default();
    let parts: Vec<&str> = bound.parts.iter().filter_map(|&p| names.of(p)).collect();
    let id = format!("parts-{number}");
    let letters: Vec<String> = bound.parts.iter().map(|&p| table.letter(p)).collect();
    let shape = format!(
        "{} ≥ MAX({})",
        table.letter(bound.total),
        letters.join(", ")
    );
    let rule = RuleSpec {
        id: Some(id.clone()),
        expr: Some(Spanned::new(
            0..0,
            format!("{total_name} >= MAX({})", parts.join(", ")),
        )),
        severity: bound.severity,
        message: Some(MessageSpec {
            vi: format!("Suy ra từ dữ liệu (đúng trên {}/{} dòng): {{label}}: thành phần lớn hơn tổng, cột {shape} không thỏa (ghi {{actual}}, các phần {{expected}})", bound.holds, bound.of),
            en: format!("Inferred from the data (holds on {} of {} rows): {{label}}: a part exceeds its total, column {shape} does not hold (shows {{actual}}, parts {{expected}})", bound.holds, bound.of),
        }),
        ..blank_rule()
    };
    let evidence = Evidence {
        rule: id,
        holds_on: bound.holds,
        of_rows: bound.of,
        message: Message::new(
            format!(
                "suy ra: cột {shape} (phần ≤ tổng) đúng trên {}/{} dòng",
                bound.holds, bound.of
            ),
            format!(
                "inferred: column {shape} (parts ≤ total) holds on {} of {} rows",
                bound.holds, bound.of
            ),
        ),
    };
    (rule, evidence)
}

/// The inferred template: the columns the rules read (`used_columns`), the table's total
/// and subtotal labels, its first header labels to recognise it by, and the `rules`.
fn inferred_template(
    table: &Table,
    names: &Names,
    used_columns: &BTreeSet<usize>,
    rules: Vec<RuleSpec>,
) -> Template {
    // Only the columns the rules read are declared: each must bind for the template to bind.
    let mut columns = BTreeMap::new();
    for &c in used_columns {
        if let (Some(name), Some(path)) = (
            names.names.get(c).cloned().flatten(),
            names.paths.get(c).cloned().flatten(),
        ) {
            columns.insert(name, OneOrMany::One(path));
        }
    }
    let sheet = table.sheet;
    let mut total_labels = BTreeSet::new();
    let mut subtotal_labels = BTreeSet::new();
    for body in &table.layout.body {
        match body.kind {
            RowKind::Total if body.has_numbers => {
                total_labels.insert(body.label.clone());
            }
            RowKind::Subtotal if body.has_numbers => {
                subtotal_labels.insert(body.label.clone());
            }
            _ => {}
        }
    }
    let mut recognize_all: Vec<String> = Vec::new();
    for chain in table.layout.headers.values() {
        if let Some(first) = chain.first() {
            if !recognize_all.contains(first) && recognize_all.len() < 3 {
                recognize_all.push(first.clone());
            }
        }
    }
    let id = "inferred".to_string();
    let title = format!("Suy ra từ trang '{}'", sheet.name);
    let spec = TemplateSpec {
        id: id.clone(),
        title: title.clone(),
        title_en: Some(format!("Inferred from sheet '{}'", sheet.name)),
        recognize: Recognize {
            all: recognize_all,
            any: Vec::new(),
            sheet: Some(sheet.name.clone()),
        },
        table: TableSpec {
            label_column: None,
            value_column: None,
            total_labels: total_labels.into_iter().collect(),
            subtotal_labels: subtotal_labels.into_iter().collect(),
            unit: table.units.table().map(|unit| unit.text.clone()),
            rounded: None,
        },
        columns,
        rows: BTreeMap::new(),
        cells: BTreeMap::new(),
        blanks: Default::default(),
        checks: Default::default(),
        rules,
        form: None,
        continuity: None,
    };
    Template { id, title, spec }
}

/// A rule with every optional part empty.
fn blank_rule() -> RuleSpec {
    RuleSpec {
        id: None,
        expr: None,
        scope: Scope::Row,
        columns: Vec::new(),
        each: Vec::new(),
        severity: Severity::Error,
        rounding: Rounding::Exact,
        when: None,
        code: None,
        message: None,
    }
}

/// Names each number column from its header (ASCII-folded, `du_toan_duoc_giao`), or `c_C`
/// when the header gives no usable name, and writes the header path that binds back to it.
/// A column whose path would bind to another column is left unnamed.
fn name_columns(table: &Table) -> Names {
    let chains: BTreeMap<u32, Vec<String>> = table
        .layout
        .headers
        .iter()
        .map(|(col, chain)| (*col, chain.iter().map(|l| normalize_label(l)).collect()))
        .collect();
    let mut base: Vec<Option<String>> = Vec::new();
    let mut paths: Vec<Option<String>> = Vec::new();
    for (c, col) in table.cols.iter().enumerate() {
        let chain = table.chain(c);
        let path = (!chain.is_empty() && chain.iter().all(|l| !l.contains('>')))
            .then(|| chain.join(" > "))
            .filter(|path| crate::template::column_for_path(&chains, path) == Some(*col));
        paths.push(path);
        let words: Vec<String> = normalize_label(&table.leaf(c))
            .split_whitespace()
            .map(|w| {
                w.chars()
                    .filter(char::is_ascii_alphanumeric)
                    .collect::<String>()
            })
            .filter(|w| !w.is_empty())
            .take(4)
            .collect();
        base.push((!words.is_empty()).then(|| words.join("_")));
    }
    // Repeated names get their column letter.
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for name in base.iter().flatten() {
        counts
            .entry(name.clone())
            .and_modify(|n| *n = n.saturating_add(1))
            .or_insert(1);
    }
    let mut used: BTreeSet<String> = BTreeSet::new();
    let mut names = Vec::new();
    for (c, name) in base.into_iter().enumerate() {
        let letter = table.letter(c);
        let candidates = [
            name.clone()
                .filter(|n| counts.get(n).copied().unwrap_or(0) <= 1),
            name.map(|n| format!("{n}_{}", letter.to_lowercase())),
            Some(format!("c_{letter}")),
        ];
        let chosen = candidates
            .into_iter()
            .flatten()
            .find(|n| is_plain_name(n) && !used.contains(&n.to_ascii_lowercase()));
        let chosen = chosen.filter(|_| paths.get(c).is_some_and(Option::is_some));
        if let Some(n) = &chosen {
            used.insert(n.to_ascii_lowercase());
        }
        names.push(chosen);
    }
    Names { names, paths }
}

/// Whether a name parses as a name in a rule formula (not a cell address, a boolean or a
/// number), and is not the reserved `x`.
fn is_plain_name(name: &str) -> bool {
    if name.eq_ignore_ascii_case("x")
        || !name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
    {
        return false;
    }
    match crate::formula::parse_formula(name) {
        Ok(expr) => matches!(
            crate::formula::references(&expr).as_slice(),
            [crate::formula::Reference::Name(n)] if n.eq_ignore_ascii_case(name)
        ),
        Err(_) => false,
    }
}

/// Row numbers as people read them (1-based), with their label.
fn rows_text(table: &Table, rows: &[u32]) -> String {
    let mut by_label: Vec<(String, Vec<u64>)> = Vec::new();
    for &row in rows {
        let label = table
            .layout
            .body_row(row)
            .map(|b| b.label.clone())
            .unwrap_or_default();
        let number = u64::from(row) + 1;
        match by_label.iter_mut().find(|(l, _)| *l == label) {
            Some((_, list)) => list.push(number),
            None => by_label.push((label, vec![number])),
        }
    }
    by_label
        .into_iter()
        .map(|(label, list)| {
            let list: Vec<String> = list.iter().map(u64::to_string).collect();
            if label.is_empty() {
                list.join(", ")
            } else {
                format!("{} ({label})", list.join(", "))
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The cross-foot rule for every additive column that adds up down the hierarchy.
fn hierarchy_rule(
    table: &Table,
    names: &Names,
    hierarchy: &[(u32, Vec<u32>)],
) -> Option<(RuleSpec, Evidence, Vec<usize>)> {
    let index_of: BTreeMap<u32, usize> = table
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| (*r, i))
        .collect();
    let mut columns = Vec::new();
    let (mut holds_all, mut of_all) = (0usize, 0usize);
    for c in 0..table.cols.len() {
        if table.additive.get(c) != Some(&true) || names.of(c).is_none() {
            continue;
        }
        // A column no total row gives a figure in was not totalled: a blank is not a 0.
        let totalled = table.cols.get(c).is_some_and(|&col| {
            hierarchy.iter().any(|(parent, _)| {
                table
                    .sheet
                    .cell(CellRef::new(*parent, col))
                    .is_some_and(|cell| !cell.value.is_blank())
            })
        });
        if !totalled {
            continue;
        }
        let (mut holds, mut of) = (0usize, 0usize);
        for (parent, children) in hierarchy {
            let Some(p) = index_of.get(parent).and_then(|&i| table.get(c, i)) else {
                continue;
            };
            let sum = children.iter().try_fold(Decimal::ZERO, |s, child| {
                let v = index_of
                    .get(child)
                    .map_or(Some(Decimal::ZERO), |&i| table.get(c, i))?;
                s.checked_add(v)
            });
            let Some(sum) = sum else {
                continue;
            };
            if p.is_zero() && sum.is_zero() {
                continue;
            }
            of = of.saturating_add(1);
            // Within the rounding of its figures (a scaled unit), as the check allows it.
            let slack = || {
                let parent_slack = index_of
                    .get(parent)
                    .map_or(Decimal::ZERO, |&i| table.slack(c, i));
                children.iter().try_fold(parent_slack, |allowed, child| {
                    let child_slack = index_of
                        .get(child)
                        .map_or(Decimal::ZERO, |&i| table.slack(c, i));
                    allowed.checked_add(child_slack)
                })
            };
            let within = || {
                p.checked_sub(sum)
                    .map(|off| off.abs())
                    .zip(slack())
                    .is_some_and(|(off, allowed)| off <= allowed)
            };
            if p == sum || within() {
                holds = holds.saturating_add(1);
            }
        }
        // A column that never adds up is not additive (an average, a price); one wrong
        // total among several is a finding, not a reason to drop the column.
        let additive =
            of == 0 || !((of >= 2 && holds == 0) || (of >= 4 && holds.saturating_mul(2) < of));
        if additive {
            columns.push(c);
            holds_all = holds_all.saturating_add(holds);
            of_all = of_all.saturating_add(of);
        }
    }
    if columns.is_empty() {
        return None;
    }
    let col_names: Vec<String> = columns
        .iter()
        .filter_map(|&c| names.of(c).map(String::from))
        .collect();
    let letters: Vec<String> = columns.iter().map(|&c| table.letter(c)).collect();
    let kind_rows = |kind: RowKind| -> Vec<u32> {
        table
            .layout
            .body
            .iter()
            .filter(|b| b.kind == kind && b.has_numbers)
            .map(|b| b.row)
            .collect()
    };
    let (totals, subtotals, sections) = (
        kind_rows(RowKind::Total),
        kind_rows(RowKind::Subtotal),
        kind_rows(RowKind::Section),
    );
    let mut vi_parts = Vec::new();
    let mut en_parts = Vec::new();
    if !subtotals.is_empty() {
        let t = rows_text(table, &subtotals);
        vi_parts.push(format!("dòng cộng: {t}"));
        en_parts.push(format!("subtotal rows: {t}"));
    }
    if !sections.is_empty() {
        let t = rows_text(table, &sections);
        vi_parts.push(format!("dòng mục: {t}"));
        en_parts.push(format!("section rows: {t}"));
    }
    if !totals.is_empty() {
        let t = rows_text(table, &totals);
        vi_parts.push(format!("tổng cộng: {t}"));
        en_parts.push(format!("grand total: {t}"));
    }
    let id = "cross-foot".to_string();
    let rule = RuleSpec {
        id: Some(id.clone()),
        scope: Scope::Hierarchy,
        columns: col_names,
        message: Some(MessageSpec {
            vi: "Suy ra từ nhãn dòng: {label} ghi {actual} nhưng tổng các dòng con là {expected} (chênh {difference})".to_string(),
            en: "Inferred from the row labels: {label} shows {actual} but its rows add up to {expected} (off by {difference})".to_string(),
        }),
        ..blank_rule()
    };
    let evidence = Evidence {
        rule: id,
        holds_on: holds_all,
        of_rows: of_all,
        message: Message::new(
            format!(
                "suy ra: {}; các cột {} cộng dồn đúng trên {holds_all}/{of_all} quan hệ",
                vi_parts.join("; "),
                letters.join(" ")
            ),
            format!(
                "inferred: {}; columns {} add up on {holds_all} of {of_all} relations",
                en_parts.join("; "),
                letters.join(" ")
            ),
        ),
    };
    Some((rule, evidence, columns))
}

/// Once-rules `C12 = SUM(C5:C11)` for a total row no label names.
fn unlabelled_rules(table: &Table, total: &UnlabelledTotal) -> (Vec<RuleSpec>, Evidence) {
    let (Some(&row), Some(&first), Some(&last)) = (
        table.rows.get(total.total),
        table.rows.get(total.first),
        table.rows.get(total.last),
    ) else {
        return (Vec::new(), empty_evidence());
    };
    // Rows as people read them (1-based).
    let (row, first, last) = (
        u64::from(row) + 1,
        u64::from(first) + 1,
        u64::from(last) + 1,
    );
    let mut rules = Vec::new();
    for &c in &total.columns {
        let Some(&col) = table.cols.get(c) else {
            continue;
        };
        let letter = column_letters(col);
        let id = format!("total-{}{}", letter.to_lowercase(), row);
        rules.push(RuleSpec {
            id: Some(id),
            scope: Scope::Once,
            expr: Some(Spanned::new(
                0..0,
                format!("{letter}{} = SUM({letter}{}:{letter}{})", row, first, last),
            )),
            code: Some(crate::codes::TOTAL.to_string()),
            message: Some(MessageSpec {
                vi: format!("Suy ra từ dữ liệu: dòng {} là tổng của dòng {}–{} nhưng ghi {{actual}}, tổng là {{expected}} (chênh {{difference}})", row, first, last),
                en: format!("Inferred from the data: row {} totals rows {}–{} but shows {{actual}}; they add up to {{expected}} (off by {{difference}})", row, first, last),
            }),
            ..blank_rule()
        });
    }
    let letters: Vec<String> = total.columns.iter().map(|&c| table.letter(c)).collect();
    let evidence = Evidence {
        rule: format!("total-*{}", row),
        holds_on: total.columns.len(),
        of_rows: total.columns.len(),
        message: Message::new(
            format!(
                "suy ra: dòng {} không có nhãn tổng nhưng bằng tổng các dòng {}–{} ở mọi cột số ({})",
                row,
                first,
                last,
                letters.join(" ")
            ),
            format!(
                "inferred: row {} has no total label but equals the sum of rows {}–{} in every number column ({})",
                row,
                first,
                last,
                letters.join(" ")
            ),
        ),
    };
    (rules, evidence)
}

fn empty_evidence() -> Evidence {
    Evidence {
        rule: String::new(),
        holds_on: 0,
        of_rows: 0,
        message: Message::new(String::new(), String::new()),
    }
}

/// How an identity is written: `(lhs, [(sign, part)])`. Sums of three or more parts, and
/// sums whose total is headed as one, are written as sums; `a = b + c` otherwise puts the
/// rightmost column on the left (`Còn lại = Dự toán − Đã thực hiện`).
fn identity_shape(table: &Table, identity: &Identity) -> (usize, Vec<(char, usize)>) {
    let total = identity.total;
    if identity.parts.len() != 2 || is_total_like(table, total) {
        return (total, identity.parts.iter().map(|&p| ('+', p)).collect());
    }
    let mut all = vec![total];
    all.extend(identity.parts.iter().copied());
    let Some(&rightmost) = all.iter().max() else {
        return (total, identity.parts.iter().map(|&p| ('+', p)).collect());
    };
    if rightmost == total {
        return (total, identity.parts.iter().map(|&p| ('+', p)).collect());
    }
    // total = rightmost + other  ⇒  rightmost = total − other.
    let other = identity
        .parts
        .iter()
        .copied()
        .find(|&p| p != rightmost)
        .unwrap_or(rightmost);
    (rightmost, vec![('+', total), ('-', other)])
}

fn is_total_like(table: &Table, c: usize) -> bool {
    search::is_total_header(&table.leaf(c))
}

fn identity_rule(
    table: &Table,
    names: &Names,
    identity: &Identity,
    n: usize,
) -> (RuleSpec, Evidence) {
    let (lhs, terms) = identity_shape(table, identity);
    let write = |name: &dyn Fn(usize) -> String, minus: &str| {
        let mut text = format!("{} = ", name(lhs));
        for (i, (sign, c)) in terms.iter().enumerate() {
            if i > 0 {
                text.push_str(if *sign == '-' { minus } else { " + " });
            }
            text.push_str(&name(*c));
        }
        text
    };
    let expr = write(&|c| names.of(c).unwrap_or_default().to_string(), " - ");
    let letters = write(&|c| table.letter(c), " − ");
    let headers = write(&|c| header_text(table, c), " − ");
    let id = format!("identity-{n}");
    let (holds, of) = (identity.holds, identity.of);
    let rule = RuleSpec {
        id: Some(id.clone()),
        expr: Some(Spanned::new(0..0, expr)),
        severity: identity.severity,
        message: Some(MessageSpec {
            vi: format!("Suy ra từ dữ liệu (đúng trên {holds}/{of} dòng): {{label}}: cột {letters} không thỏa: ghi {{actual}}, tính được {{expected}}"),
            en: format!("Inferred from the data (holds on {holds} of {of} rows): {{label}}: column {letters} does not hold: shows {{actual}}, computed {{expected}}"),
        }),
        ..blank_rule()
    };
    let evidence = Evidence {
        rule: id,
        holds_on: holds,
        of_rows: of,
        message: Message::new(
            format!("suy ra: cột {letters} đúng trên {holds}/{of} dòng ({headers})"),
            format!("inferred: column {letters} holds on {holds} of {of} rows ({headers})"),
        ),
    };
    (rule, evidence)
}

fn percent_rule(table: &Table, names: &Names, percent: &Percent, n: usize) -> (RuleSpec, Evidence) {
    let join = |name: &dyn Fn(usize) -> String| -> String {
        let parts: Vec<String> = percent.numerator.iter().map(|&c| name(c)).collect();
        if parts.len() == 1 {
            parts.join("")
        } else {
            format!("({})", parts.join(" + "))
        }
    };
    let hundred = percent.scale == Decimal::ONE_HUNDRED;
    let name = |c: usize| names.of(c).unwrap_or_default().to_string();
    let den_name = name(percent.denominator);
    let expr = format!(
        "{} = {} / {den_name}{}",
        name(percent.column),
        join(&name),
        if hundred { " * 100" } else { "" }
    );
    let shape = |f: &dyn Fn(usize) -> String| {
        format!(
            "{} = {} / {}{}",
            f(percent.column),
            join(f),
            f(percent.denominator),
            if hundred { " × 100" } else { "" }
        )
    };
    let letters = shape(&|c| table.letter(c));
    let headers = shape(&|c| header_text(table, c));
    let (rounding_vi, rounding_en) = match percent.rounding {
        Rounding::Nearest => ("làm tròn", "rounded to nearest"),
        _ => ("làm tròn hoặc cắt bớt", "rounded or truncated"),
    };
    let d = percent.decimals;
    let id = format!("percent-{n}");
    let (holds, of) = (percent.holds, percent.of);
    let rule = RuleSpec {
        id: Some(id.clone()),
        expr: Some(Spanned::new(0..0, expr)),
        when: Some(Spanned::new(0..0, format!("{den_name} > 0"))),
        rounding: percent.rounding,
        severity: percent.severity,
        message: Some(MessageSpec {
            vi: format!("Suy ra từ dữ liệu (đúng trên {holds}/{of} dòng): {{label}}: tỷ lệ {letters} ghi {{actual}}, tính được {{expected}}"),
            en: format!("Inferred from the data (holds on {holds} of {of} rows): {{label}}: the rate {letters} shows {{actual}}, computed {{expected}}"),
        }),
        ..blank_rule()
    };
    let evidence = Evidence {
        rule: id,
        holds_on: holds,
        of_rows: of,
        message: Message::new(
            format!("suy ra: cột {letters} ({d} chữ số thập phân, {rounding_vi}) đúng trên {holds}/{of} dòng ({headers})"),
            format!("inferred: column {letters} ({d} decimal{}, {rounding_en}) holds on {holds} of {of} rows ({headers})", if d == 1 { "" } else { "s" }),
        ),
    };
    (rule, evidence)
}

/// A column's header as people say it: its lowest label, with the group above when the
/// label alone repeats across the table (`Số hồ sơ đã giải quyết: Tổng số`).
fn header_text(table: &Table, c: usize) -> String {
    let leaf = table.leaf(c);
    let repeats = (0..table.cols.len())
        .filter(|&o| table.leaf(o) == leaf)
        .count()
        > 1;
    let chain = table.chain(c);
    match chain.len().checked_sub(2).and_then(|i| chain.get(i)) {
        Some(parent) if repeats => format!("{parent}: {leaf}"),
        _ => leaf,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_follows_evidence() {
        use search::severity_for;
        assert_eq!(severity_for(15, 15, 5), Some(Severity::Error));
        assert_eq!(severity_for(4, 4, 5), None);
        assert_eq!(severity_for(6, 7, 5), Some(Severity::Warning));
        assert_eq!(severity_for(4, 5, 5), Some(Severity::Warning));
        assert_eq!(severity_for(14, 15, 5), Some(Severity::Error));
        assert_eq!(severity_for(37, 44, 5), Some(Severity::Warning));
        assert_eq!(severity_for(30, 44, 5), None);
    }

    #[test]
    fn names_are_plain_names_not_addresses() {
        assert!(is_plain_name("con_lai"));
        assert!(is_plain_name("c_C"));
        assert!(!is_plain_name("q3"));
        assert!(!is_plain_name("x"));
        assert!(!is_plain_name("true"));
        assert!(!is_plain_name("2nd"));
    }
}
