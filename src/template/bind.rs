//! Binds a template to a sheet: recognises the form, and finds each named column (by its
//! header path), row (by its label) and cell in this particular file, wherever the office
//! put them.

use std::collections::BTreeMap;

use super::nearest::{nearest_header, nearest_row, Seen};
use super::spec::RowSpec;
use super::Template;
use crate::layout::{is_note_label, Layout};
use crate::model::{CellRef, Sheet, Value};
use crate::text::normalize_label;
use crate::unit::Units;

/// A template bound to one sheet.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Bound {
    /// The table.
    pub layout: Layout,
    /// Named columns.
    pub columns: BTreeMap<String, u32>,
    /// Named cells: rows by label (at the value column) and fixed addresses.
    pub cells: BTreeMap<String, CellRef>,
    /// Which figures stand for their rounding interval (the table's unit, its columns').
    pub units: Units,
}

/// Whether every recognition label of the template appears in the sheet.
pub(crate) fn recognizes(template: &Template, sheet: &Sheet) -> bool {
    let recognize = &template.spec.recognize;
    if let Some(part) = &recognize.sheet {
        if !normalize_label(&sheet.name).contains(&normalize_label(part)) {
            return false;
        }
    }
    if recognize.all.is_empty() && recognize.any.is_empty() {
        return false;
    }
    // Forms state their identity in the title and header rows: a bounded look at the top
    // keeps recognition cheap on huge sheets.
    // Headers may be numbers (years over their columns): read as the sheet shows them.
    // The labels are folded as far as a search needs them: a form names itself near the
    // top, so recognising one reads a few cells, not two hundred rows.
    let mut unread = sheet
        .cells
        .iter()
        .take_while(|c| c.at.row < 200)
        .filter(|c| matches!(c.value, Value::Text(_) | Value::Number(_)));
    let mut texts: Vec<String> = Vec::new();
    let mut found = |label: &String| {
        let wanted = normalize_label(label);
        if texts.iter().any(|t| t.contains(&wanted)) {
            return true;
        }
        for cell in unread.by_ref() {
            let text = normalize_label(&cell.value.label());
            let hit = text.contains(&wanted);
            texts.push(text);
            if hit {
                return true;
            }
        }
        false
    };
    recognize.all.iter().all(&mut found)
        && (recognize.any.is_empty() || recognize.any.iter().any(&mut found))
}

/// What a template needs that a sheet lacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Needed {
    /// A table with figures: the sheet holds none.
    Table,
    /// A named column (or the value column of an indicator list), found by its header.
    Column,
    /// A named row, found by its label.
    Row,
}

/// A column or row the template needs and a sheet lacks.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Missing {
    /// What it is.
    pub needed: Needed,
    /// Its name in the template (`received`, `value_column`); empty for the table.
    pub name: String,
    /// The labels it is looked for by, as the template writes them: a column's header
    /// paths (`Group > Leaf`), a row's label.
    pub labels: Vec<String>,
    /// For a row looked for below another named row that is missing too, that row's name:
    /// it lacks what it is found after.
    pub after_missing: Option<String>,
    /// The label the sheet shows nearest to it, once worked out ([`Unbound::explain`]).
    pub nearest: Option<Seen>,
}

impl Missing {
    fn new(needed: Needed, name: &str, labels: Vec<String>) -> Missing {
        Missing {
            needed,
            name: name.to_string(),
            labels,
            after_missing: None,
            nearest: None,
        }
    }
}

/// Why a template does not bind to a sheet: what it lacks, and how much it has.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Unbound {
    /// How many of the template's named columns and rows the sheet has.
    pub found: usize,
    /// What it lacks: the columns, the value column, then the rows (those missing only
    /// because the row they are found after is, last).
    pub missing: Vec<Missing>,
    /// The sheet's table, if it has one (boxed: a failed binding is passed around more
    /// than it is read).
    layout: Option<Box<Layout>>,
}

impl Unbound {
    /// The names not found (`table` when the sheet holds no table).
    pub(crate) fn names(&self) -> Vec<String> {
        self.missing
            .iter()
            .map(|missing| match missing.needed {
                Needed::Table => "table".to_string(),
                _ => missing.name.clone(),
            })
            .collect()
    }

    /// Whether the template came closer to binding here than `other`: more of its names
    /// found, else a table against none.
    pub(crate) fn closer_than(&self, other: &Unbound) -> bool {
        (self.found, self.layout.is_some()) > (other.found, other.layout.is_some())
    }

    /// Works out the nearest label the sheet shows to each of the first `at_most` missing
    /// columns and rows (it is only worth the comparisons for the sheet a finding names).
    pub(crate) fn explain(&mut self, sheet: &Sheet, at_most: usize) {
        let Some(layout) = &self.layout else {
            return;
        };
        for missing in self.missing.iter_mut().take(at_most) {
            let labels: Vec<&str> = missing.labels.iter().map(String::as_str).collect();
            missing.nearest = match missing.needed {
                Needed::Table => None,
                Needed::Column => nearest_header(sheet, layout, &labels),
                Needed::Row => labels.first().and_then(|label| nearest_row(layout, label)),
            };
        }
    }
}

/// Binds the template to the sheet, or says what it lacks there.
pub(crate) fn bind(template: &Template, sheet: &Sheet) -> Result<Bound, Unbound> {
    let spec = &template.spec;
    let Some(layout) = Layout::find(sheet) else {
        return Err(Unbound {
            found: 0,
            missing: vec![Missing::new(Needed::Table, "", Vec::new())],
            layout: None,
        });
    };
    let mut missing = Vec::new();
    let mut found: usize = 0;

    let chains: BTreeMap<u32, Vec<String>> = layout
        .headers
        .iter()
        .map(|(col, chain)| (*col, chain.iter().map(|l| normalize_label(l)).collect()))
        .collect();
    let mut columns = BTreeMap::new();
    for (name, alternatives) in &spec.columns {
        let found_col = alternatives
            .alternatives()
            .iter()
            .find_map(|path| column_for_path(&chains, path));
        match found_col {
            Some(col) => {
                columns.insert(name.clone(), col);
                found = found.saturating_add(1);
            }
            None => missing.push(Missing::new(
                Needed::Column,
                name,
                alternatives
                    .alternatives()
                    .iter()
                    .map(|path| path.to_string())
                    .collect(),
            )),
        }
    }

    let mut cells = BTreeMap::new();
    if !spec.rows.is_empty() {
        let value_col = spec
            .table
            .value_column
            .as_deref()
            .and_then(|path| column_for_path(&chains, path));
        match value_col {
            None => missing.push(Missing::new(
                Needed::Column,
                "value_column",
                spec.table.value_column.iter().cloned().collect(),
            )),
            Some(_) => found = found.saturating_add(1),
        }
        // Rows are found by their labels whether or not the value column is: what the
        // sheet has tells how near it came.
        let mut rows: BTreeMap<String, u32> = BTreeMap::new();
        // Rows found after another must wait for it: resolve in passes.
        for _ in 0..=spec.rows.len() {
            for (name, row_spec) in &spec.rows {
                if rows.contains_key(name) {
                    continue;
                }
                let (label, start) = match row_spec {
                    RowSpec::Label(label) => (label, 0),
                    RowSpec::After { label, after } => {
                        match rows.get(after).and_then(|row| row.checked_add(1)) {
                            Some(start) => (label, start),
                            None => continue,
                        }
                    }
                };
                let wanted = normalize_label(label);
                if let Some(body_row) = layout
                    .body
                    .iter()
                    .filter(|r| r.row >= start && !is_note_label(r))
                    .find(|r| normalize_label(&r.label).contains(&wanted))
                {
                    rows.insert(name.clone(), body_row.row);
                }
            }
        }
        let mut after_missing = Vec::new();
        for (name, row_spec) in &spec.rows {
            match (rows.get(name), value_col) {
                (Some(row), Some(value_col)) => {
                    cells.insert(name.clone(), CellRef::new(*row, value_col));
                    found = found.saturating_add(1);
                }
                (Some(_), None) => found = found.saturating_add(1),
                (None, _) => {
                    let (label, after) = match row_spec {
                        RowSpec::Label(label) => (label, None),
                        RowSpec::After { label, after } => (label, Some(after)),
                    };
                    let mut row = Missing::new(Needed::Row, name, vec![label.clone()]);
                    row.after_missing = after.filter(|after| !rows.contains_key(*after)).cloned();
                    if row.after_missing.is_some() {
                        after_missing.push(row);
                    } else {
                        missing.push(row);
                    }
                }
            }
        }
        missing.extend(after_missing);
    }
    for (name, address) in &spec.cells {
        if let Some(at) = CellRef::parse(address) {
            cells.insert(name.clone(), at);
        }
    }

    if missing.is_empty() {
        let units = Units::of(
            sheet,
            &layout,
            spec.table.unit.as_deref(),
            spec.table.rounded,
        );
        Ok(Bound {
            layout,
            columns,
            cells,
            units,
        })
    } else {
        Err(Unbound {
            found,
            missing,
            layout: Some(Box::new(layout)),
        })
    }
}

/// The leftmost column whose header chain matches `path` (`Group > Leaf`): the last part is
/// in the column's lowest header, the others in order above it.
pub(crate) fn column_for_path(chains: &BTreeMap<u32, Vec<String>>, path: &str) -> Option<u32> {
    let parts: Vec<String> = path
        .split('>')
        .map(normalize_label)
        .filter(|p| !p.is_empty())
        .collect();
    let (leaf, groups) = parts.split_last()?;
    chains.iter().find_map(|(col, chain)| {
        let (chain_leaf, above) = chain.split_last()?;
        if !chain_leaf.contains(leaf.as_str()) {
            return None;
        }
        let mut rest = above.iter();
        groups
            .iter()
            .all(|group| rest.any(|label| label.contains(group.as_str())))
            .then_some(*col)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chains() -> BTreeMap<u32, Vec<String>> {
        let raw = [
            (2, vec!["So ho so nhan giai quyet", "Tong so"]),
            (5, vec!["So ho so nhan giai quyet", "Tu ky truoc"]),
            (
                6,
                vec!["Ket qua giai quyet", "So ho so da giai quyet", "Tong so"],
            ),
        ];
        raw.into_iter()
            .map(|(c, chain)| (c, chain.into_iter().map(normalize_label).collect()))
            .collect()
    }

    #[test]
    fn header_paths_pick_the_column_under_the_right_group() {
        let chains = chains();
        assert_eq!(
            column_for_path(&chains, "nhận giải quyết > Tổng số"),
            Some(2)
        );
        assert_eq!(column_for_path(&chains, "đã giải quyết > Tổng số"), Some(6));
        assert_eq!(column_for_path(&chains, "Tổng số"), Some(2));
        assert_eq!(column_for_path(&chains, "Từ kỳ trước"), Some(5));
        assert_eq!(column_for_path(&chains, "đang giải quyết > Tổng số"), None);
    }
}
