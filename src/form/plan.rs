//! Where everything of a blank form goes: the lines above the table, the merged header
//! tree, the column-number row, the body rows (total, sections, units, or indicator lines)
//! and the signature block, as positioned cells with their look. No rule is read here.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::model::{CellRange, CellRef};
use crate::template::{FormColumnKind, FormSection, FormSpec};

/// How a planned cell looks (the writer turns it into an Excel format).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Look {
    /// Issuing office, top left: bold, centred over its columns.
    Issuer,
    /// Form number, top right: italic.
    Corner,
    /// Title: bold, large, centred across the table.
    Title,
    /// The period line: italic, centred.
    Period,
    /// A header cell: bold, centred, wrapped, bordered, shaded.
    Header,
    /// The `(1) (2) …` row: italic, centred, bordered.
    ColumnNumber,
    /// A body text cell (STT, label, unit of measure, note); bold on total and section rows.
    Text { bold: bool },
    /// A body number cell with its number format; bold on total and section rows.
    Number { bold: bool },
    /// The signature block: bold for its first line, centred.
    Sign { first: bool },
}

/// One planned cell: its text (or none for a number cell to compute or fill in).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Planned {
    /// The text written, if any.
    pub text: Option<String>,
    /// Its look.
    pub look: Look,
    /// Number format of a number cell.
    pub number_format: Option<String>,
    /// Whether the cell takes a figure (a value column on a body row).
    pub figure: bool,
    /// Whether an office types in it when no rule computes it (unit rows, indicator
    /// lines, notes); figures of total and section rows are computed or left locked.
    pub typed: bool,
    /// The figure written in it (a filled form), where no rule computes it.
    pub value: Option<Decimal>,
    /// A note on it (a filled form's unit that needs a look); the cell is shaded.
    pub note: Option<String>,
}

/// The whole form, positioned.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    /// The sheet's name.
    pub sheet: String,
    /// Every written cell by position (a merged range's text at its first cell).
    pub cells: BTreeMap<CellRef, Planned>,
    /// Merged ranges.
    pub merges: Vec<CellRange>,
    /// First header row.
    pub header_first: u32,
    /// The column-number row (the last row of the header block).
    pub number_row: u32,
    /// Whether the form is a table of units (frozen label columns) rather than a list.
    pub table: bool,
    /// Column widths in characters, from column A.
    pub widths: Vec<f64>,
    /// Each unit's row, by its section's index and its own index in that section.
    pub unit_rows: BTreeMap<(usize, usize), u32>,
}

const STT_COL: u32 = 0;
const LABEL_COL: u32 = 1;
const DEFAULT_FORMAT: &str = "#,##0";

/// Lays out `spec` with `sections` as its units (table forms) and `period` in its period line.
///
/// Positions saturate rather than wrap: a form too big for the grid (only a hostile units
/// file could make one) ends at `u32::MAX`, which the writer refuses with
/// [`FormError::Write`](super::FormError::Write).
pub(crate) fn plan(spec: &FormSpec, sheet: String, sections: &[FormSection], period: &str) -> Plan {
    let last_col = LABEL_COL.saturating_add(spec.columns.len() as u32);
    let mut plan = Plan {
        sheet,
        cells: BTreeMap::new(),
        merges: Vec::new(),
        header_first: 0,
        number_row: 0,
        table: spec.lines.is_empty(),
        unit_rows: BTreeMap::new(),
        widths: std::iter::once(6.0)
            .chain(std::iter::once(if spec.lines.is_empty() {
                36.0
            } else {
                60.0
            }))
            .chain(spec.columns.iter().map(|c| c.width.unwrap_or(11.0)))
            .collect(),
    };

    let row = plan.lines_above(spec, last_col, period);
    let row = plan.header_tree(spec, row, last_col);
    let row = plan.body(spec, sections, row);
    plan.signature(spec, row, last_col);
    plan
}

impl Plan {
    /// The lines above the table: issuer at the left, form number at the right, both from
    /// row 1; a blank row after an issuer; the title and period lines; a blank row. The
    /// row the header starts at.
    fn lines_above(&mut self, spec: &FormSpec, last_col: u32, period: &str) -> u32 {
        let side = 2.min(last_col);
        for (row, line) in spec.issuer.iter().enumerate() {
            self.merged(row as u32, 0, row as u32, side, line, Look::Issuer);
        }
        let corner_first = last_col
            .saturating_sub(2)
            .max(side.saturating_add(1))
            .min(last_col);
        for (row, line) in spec.corner.iter().enumerate() {
            self.merged(
                row as u32,
                corner_first,
                row as u32,
                last_col,
                line,
                Look::Corner,
            );
        }
        let mut row = spec.issuer.len().max(spec.corner.len()) as u32;
        if !spec.issuer.is_empty() {
            row = row.saturating_add(1);
        }
        for line in &spec.title {
            self.merged(row, 0, row, last_col, line, Look::Title);
            row = row.saturating_add(1);
        }
        if let Some(pattern) = &spec.period {
            self.merged(
                row,
                0,
                row,
                last_col,
                &pattern.replace("{period}", period),
                Look::Period,
            );
            row = row.saturating_add(1);
        }
        row.saturating_add(1)
    }

    /// The header tree from `row` (neighbours with the same path share merged cells) and
    /// the `(1) (2) (3)` row under it; the row the body starts at.
    fn header_tree(&mut self, spec: &FormSpec, row: u32, last_col: u32) -> u32 {
        self.header_first = row;
        let paths: Vec<Vec<String>> = spec
            .columns
            .iter()
            .map(|c| c.header.split('>').map(|p| p.trim().to_string()).collect())
            .collect();
        let depth = paths.iter().map(Vec::len).max().unwrap_or(1).max(1) as u32;
        let bottom = row.saturating_add(depth).saturating_sub(1);
        self.merged(row, STT_COL, bottom, STT_COL, &spec.stt, Look::Header);
        self.merged(row, LABEL_COL, bottom, LABEL_COL, &spec.label, Look::Header);
        for level in 0..depth as usize {
            let mut i = 0;
            while let Some(path) = paths.get(i) {
                let Some(text) = path.get(level) else {
                    i = i.saturating_add(1);
                    continue;
                };
                let leaf = path.len() == level.saturating_add(1);
                // Neighbours with the same path down to this level share one merged cell.
                let mut j = i;
                while !leaf
                    && paths.get(j.saturating_add(1)).is_some_and(|next| {
                        next.len() > level.saturating_add(1)
                            && next.get(..=level) == path.get(..=level)
                    })
                {
                    j = j.saturating_add(1);
                }
                let first_col = (LABEL_COL + 1).saturating_add(i as u32);
                let last = (LABEL_COL + 1).saturating_add(j as u32);
                let top = row.saturating_add(level as u32);
                let down = if leaf { bottom } else { top };
                self.merged(top, first_col, down, last, text, Look::Header);
                i = j.saturating_add(1);
            }
        }
        self.number_row = bottom.saturating_add(1);
        for col in 0..=last_col {
            self.text(
                self.number_row,
                col,
                &format!("({})", u64::from(col) + 1),
                Look::ColumnNumber,
            );
        }
        self.number_row.saturating_add(1)
    }

    /// The body from `row`: the total, each section's heading and units, or the spec's
    /// own lines; the row after it.
    fn body(&mut self, spec: &FormSpec, sections: &[FormSection], mut row: u32) -> u32 {
        if spec.lines.is_empty() {
            if let Some(total) = &spec.total {
                self.body_row(spec, row, "", total, true, false, None, None);
                row = row.saturating_add(1);
            }
            for (section_index, section) in sections.iter().enumerate() {
                if !section.label.is_empty() {
                    self.body_row(
                        spec,
                        row,
                        &section.number,
                        &section.label,
                        true,
                        false,
                        None,
                        None,
                    );
                    row = row.saturating_add(1);
                }
                for (n, unit) in section.units.iter().enumerate() {
                    self.unit_rows.insert((section_index, n), row);
                    self.body_row(
                        spec,
                        row,
                        &n.saturating_add(1).to_string(),
                        unit,
                        false,
                        true,
                        None,
                        None,
                    );
                    row = row.saturating_add(1);
                }
            }
        } else {
            for line in &spec.lines {
                let heading = line.unit.is_none();
                let stt = line.stt.as_deref().unwrap_or("");
                self.body_row(
                    spec,
                    row,
                    stt,
                    &line.label,
                    heading,
                    !heading,
                    line.unit.as_deref(),
                    line.format.as_deref(),
                );
                row = row.saturating_add(1);
            }
        }
        row
    }

    /// The signature block, one blank row under the table that ends before `row`.
    fn signature(&mut self, spec: &FormSpec, row: u32, last_col: u32) {
        let sign_row = row.saturating_add(1);
        for (i, line) in spec.sign_left.iter().enumerate() {
            self.text(
                sign_row.saturating_add(i as u32),
                LABEL_COL,
                line,
                Look::Sign { first: i == 0 },
            );
        }
        let right_first = last_col.saturating_sub(3).max(LABEL_COL + 1).min(last_col);
        for (i, line) in spec.sign_right.iter().enumerate() {
            let at = sign_row.saturating_add(i as u32);
            self.merged(
                at,
                right_first,
                at,
                last_col,
                line,
                Look::Sign {
                    first: i == 1 || spec.sign_right.len() == 1,
                },
            );
        }
    }

    fn text(&mut self, row: u32, col: u32, text: &str, look: Look) {
        self.cells.insert(
            CellRef::new(row, col),
            Planned {
                text: Some(text.to_string()),
                look,
                number_format: None,
                figure: false,
                typed: false,
                value: None,
                note: None,
            },
        );
    }

    /// The figures written into the form (a filled form's unit rows), by cell.
    pub(crate) fn figures(&self) -> impl Iterator<Item = (CellRef, Decimal)> + '_ {
        self.cells
            .iter()
            .filter(|(_, planned)| planned.figure)
            .filter_map(|(at, planned)| Some((*at, planned.value?)))
    }

    /// Puts each filled unit's figures in its row, in the columns the template names
    /// (`columns`, bound on the skeleton), and its note on its label.
    pub(crate) fn fill(
        &mut self,
        filled: &BTreeMap<(usize, usize), super::FilledUnit>,
        columns: &BTreeMap<String, u32>,
    ) {
        for (place, unit) in filled {
            let Some(&row) = self.unit_rows.get(place) else {
                continue;
            };
            for (name, value) in &unit.figures {
                let Some(&col) = columns.get(name) else {
                    continue;
                };
                if let Some(planned) = self.cells.get_mut(&CellRef::new(row, col)) {
                    if planned.figure {
                        planned.value = Some(*value);
                    }
                }
            }
            if let Some(planned) = self.cells.get_mut(&CellRef::new(row, LABEL_COL)) {
                planned.note.clone_from(&unit.note);
            }
        }
    }

    fn merged(&mut self, top: u32, left: u32, bottom: u32, right: u32, text: &str, look: Look) {
        self.text(top, left, text, look);
        if (top, left) != (bottom, right) {
            self.merges.push(CellRange {
                first: CellRef::new(top, left),
                last: CellRef::new(bottom, right),
            });
        }
    }

    /// One body row: STT, label, then each column by its kind. `typed` rows take figures.
    #[allow(clippy::too_many_arguments)]
    fn body_row(
        &mut self,
        spec: &FormSpec,
        row: u32,
        stt: &str,
        label: &str,
        bold: bool,
        typed: bool,
        unit: Option<&str>,
        line_format: Option<&str>,
    ) {
        self.text(row, STT_COL, stt, Look::Text { bold });
        self.text(row, LABEL_COL, label, Look::Text { bold });
        for (i, column) in spec.columns.iter().enumerate() {
            let at = CellRef::new(row, (LABEL_COL + 1).saturating_add(i as u32));
            let planned = match column.kind {
                FormColumnKind::Unit => Planned {
                    text: Some(unit.unwrap_or("").to_string()),
                    look: Look::Text { bold },
                    number_format: None,
                    figure: false,
                    typed: false,
                    value: None,
                    note: None,
                },
                FormColumnKind::Note => Planned {
                    text: None,
                    look: Look::Text { bold },
                    number_format: None,
                    figure: false,
                    typed: true,
                    value: None,
                    note: None,
                },
                // A list's heading lines take no figure.
                FormColumnKind::Value if !spec.lines.is_empty() && unit.is_none() => Planned {
                    text: None,
                    look: Look::Text { bold },
                    number_format: None,
                    figure: false,
                    typed: false,
                    value: None,
                    note: None,
                },
                FormColumnKind::Value => Planned {
                    text: None,
                    look: Look::Number { bold },
                    number_format: Some(
                        line_format
                            .or(column.format.as_deref())
                            .unwrap_or(DEFAULT_FORMAT)
                            .to_string(),
                    ),
                    figure: true,
                    typed,
                    value: None,
                    note: None,
                },
            };
            self.cells.insert(at, planned);
        }
    }
}
