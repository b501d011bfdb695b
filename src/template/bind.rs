//! Binds a template to a sheet: recognises the form, and finds each named column (by its
//! header path), row (by its label) and cell in this particular file, wherever the office
//! put them.

use std::collections::BTreeMap;

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
    let texts: Vec<String> = sheet
        .cells
        .iter()
        .take_while(|c| c.at.row < 200)
        .filter(|c| matches!(c.value, Value::Text(_) | Value::Number(_)))
        .map(|c| normalize_label(&c.value.label()))
        .collect();
    let found = |label: &String| {
        let wanted = normalize_label(label);
        texts.iter().any(|t| t.contains(&wanted))
    };
    recognize.all.iter().all(found) && (recognize.any.is_empty() || recognize.any.iter().any(found))
}

/// Binds the template to the sheet, or says which names could not be found.
pub(crate) fn bind(template: &Template, sheet: &Sheet) -> Result<Bound, Vec<String>> {
    let spec = &template.spec;
    let Some(layout) = Layout::find(sheet) else {
        return Err(vec!["table".to_string()]);
    };
    let mut missing = Vec::new();

    let chains: BTreeMap<u32, Vec<String>> = layout
        .headers
        .iter()
        .map(|(col, chain)| (*col, chain.iter().map(|l| normalize_label(l)).collect()))
        .collect();
    let mut columns = BTreeMap::new();
    for (name, alternatives) in &spec.columns {
        let found = alternatives
            .alternatives()
            .iter()
            .find_map(|path| column_for_path(&chains, path));
        match found {
            Some(col) => {
                columns.insert(name.clone(), col);
            }
            None => missing.push(name.clone()),
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
            None => missing.push("value_column".to_string()),
            Some(value_col) => {
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
                for name in spec.rows.keys() {
                    match rows.get(name) {
                        Some(row) => {
                            cells.insert(name.clone(), CellRef::new(*row, value_col));
                        }
                        None => missing.push(name.clone()),
                    }
                }
            }
        }
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
        Err(missing)
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
