//! Measures an OpenDocument spreadsheet's sheets before calamine reads them: calamine
//! expands `number-rows-repeated` and `number-columns-repeated` into a dense grid over the
//! rectangle the valued cells span, and copies a repeated cell's text into every cell it
//! stands for, so an 864-byte file whose one text cell is repeated over 100 × 1,000 cells
//! made it allocate 8.8 GB. This walks `content.xml` counting the repeats without expanding
//! them and refuses a sheet over the cell limit or the text limit.

use std::io::{BufReader, Cursor, Read};

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use crate::error::ReadError;
use crate::limits::Limits;

/// Checks every sheet of the ods in `bytes` against `limits.max_cells_per_sheet` (the
/// rectangle its valued cells span, repeats counted) and `limits.max_text_bytes_per_sheet`
/// (its cells' text, a repeated cell's once for each cell it stands for). A package this
/// walk cannot read is left to calamine, which reports the damage itself.
///
/// # Errors
/// [`ReadError::LimitExceeded`] when a sheet is over either limit.
pub(crate) fn check_ods(bytes: &[u8], limits: &Limits) -> Result<(), ReadError> {
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Ok(());
    };
    let Ok(file) = archive.by_name("content.xml") else {
        return Ok(());
    };
    // The zip guard has measured the part already; the take only bounds this walk.
    let reader = Reader::from_reader(BufReader::new(file.take(limits.max_uncompressed_bytes)));
    walk(reader, limits)
}

/// The rectangle and the text of one sheet so far.
#[derive(Default)]
struct Measure {
    rows: Option<(u64, u64)>,
    cols: Option<(u64, u64)>,
    text: u64,
}

impl Measure {
    fn add(&mut self, row: u64, rows: u64, col: u64, cols: u64, text: u64) {
        let last_row = row.saturating_add(rows.saturating_sub(1));
        let last_col = col.saturating_add(cols.saturating_sub(1));
        self.rows = Some(
            self.rows
                .map_or((row, last_row), |(a, b)| (a.min(row), b.max(last_row))),
        );
        self.cols = Some(
            self.cols
                .map_or((col, last_col), |(a, b)| (a.min(col), b.max(last_col))),
        );
        self.text = self
            .text
            .saturating_add(text.saturating_mul(rows).saturating_mul(cols));
    }

    fn area(&self) -> u64 {
        match (self.rows, self.cols) {
            (Some((r0, r1)), Some((c0, c1))) => r1
                .saturating_sub(r0)
                .saturating_add(1)
                .saturating_mul(c1.saturating_sub(c0).saturating_add(1)),
            _ => 0,
        }
    }

    fn check(&self, limits: &Limits) -> Result<(), ReadError> {
        let area = self.area();
        if area > limits.max_cells_per_sheet {
            return Err(ReadError::LimitExceeded {
                what: format!("vùng ô của trang ods / cells an ods sheet spans ({area})"),
                limit: limits.max_cells_per_sheet,
            });
        }
        if self.text > limits.max_text_bytes_per_sheet {
            return Err(ReadError::LimitExceeded {
                what: "chữ trong các ô của trang ods / text in the cells of an ods sheet"
                    .to_string(),
                limit: limits.max_text_bytes_per_sheet,
            });
        }
        Ok(())
    }
}

/// The cell being read: where it starts, how many it stands for, whether it holds a value
/// and how much text.
struct OpenCell {
    col: u64,
    cols: u64,
    valued: bool,
    text: u64,
}

fn walk<R: std::io::BufRead>(mut reader: Reader<R>, limits: &Limits) -> Result<(), ReadError> {
    let mut buf = Vec::new();
    let mut sheet = Measure::default();
    let (mut row, mut col, mut rows) = (0u64, 0u64, 1u64);
    let mut cell: Option<OpenCell> = None;
    loop {
        buf.clear();
        let Ok(event) = reader.read_event_into(&mut buf) else {
            return Ok(());
        };
        match event {
            Event::Start(e) | Event::Empty(e) if is(&e, "table") => {
                sheet.check(limits)?;
                sheet = Measure::default();
                row = 0;
            }
            Event::Start(e) if is(&e, "table-row") => {
                col = 0;
                rows = repeat(&e, "number-rows-repeated");
            }
            Event::Empty(e) if is(&e, "table-row") => {
                row = row.saturating_add(repeat(&e, "number-rows-repeated"));
            }
            Event::End(e) if e.local_name().into_inner() == "table-row" => {
                row = row.saturating_add(rows);
                rows = 1;
            }
            Event::Start(e) if is_cell(&e) => {
                cell = Some(OpenCell {
                    col,
                    cols: repeat(&e, "number-columns-repeated"),
                    valued: has(&e, "value-type"),
                    text: 0,
                });
            }
            Event::Empty(e) if is_cell(&e) => {
                let cols = repeat(&e, "number-columns-repeated");
                if has(&e, "value-type") {
                    sheet.add(row, rows, col, cols, 0);
                    sheet.check(limits)?;
                }
                col = col.saturating_add(cols);
            }
            Event::Text(text) => {
                if let Some(open) = &mut cell {
                    open.text = open.text.saturating_add(text.len() as u64);
                    open.valued = true;
                }
            }
            Event::End(e)
                if matches!(
                    e.local_name().into_inner(),
                    "table-cell" | "covered-table-cell"
                ) =>
            {
                if let Some(open) = cell.take() {
                    if open.valued {
                        sheet.add(row, rows, open.col, open.cols, open.text);
                        sheet.check(limits)?;
                    }
                    col = open.col.saturating_add(open.cols);
                }
            }
            Event::Eof => return sheet.check(limits),
            _ => {}
        }
    }
}

fn is(e: &BytesStart<'_>, local: &str) -> bool {
    e.local_name().into_inner() == local
}

fn is_cell(e: &BytesStart<'_>) -> bool {
    is(e, "table-cell") || is(e, "covered-table-cell")
}

fn has(e: &BytesStart<'_>, local: &str) -> bool {
    e.attributes()
        .flatten()
        .any(|a| a.key.local_name().into_inner() == local)
}

/// A repeat count; 1 when absent or unreadable.
fn repeat(e: &BytesStart<'_>, local: &str) -> u64 {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().into_inner() == local)
        .and_then(|a| a.value.trim().parse().ok())
        .unwrap_or(1)
        .max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measured(body: &str, limits: &Limits) -> Result<(), ReadError> {
        let xml = format!(
            r#"<office:document-content xmlns:office="o" xmlns:table="t" xmlns:text="x"><office:body><office:spreadsheet>{body}</office:spreadsheet></office:body></office:document-content>"#
        );
        walk(Reader::from_reader(xml.as_bytes()), limits)
    }

    fn repeated_text(rows: u32, cols: u32, text: &str) -> String {
        format!(
            r#"<table:table table:name="S"><table:table-row table:number-rows-repeated="{rows}"><table:table-cell table:number-columns-repeated="{cols}" office:value-type="string"><text:p>{text}</text:p></table:table-cell></table:table-row></table:table>"#
        )
    }

    #[test]
    fn a_repeated_text_counts_once_for_every_cell_it_stands_for() {
        let limits = Limits {
            max_text_bytes_per_sheet: 1_000,
            ..Limits::default()
        };
        // 10 × 10 cells of 10 bytes: exactly the limit.
        assert!(measured(&repeated_text(10, 10, "0123456789"), &limits).is_ok());
        assert!(matches!(
            measured(&repeated_text(10, 11, "0123456789"), &limits),
            Err(ReadError::LimitExceeded { .. })
        ));
    }

    #[test]
    fn the_rectangle_counts_repeats_but_not_trailing_empty_cells() {
        let limits = Limits {
            max_cells_per_sheet: 100,
            ..Limits::default()
        };
        assert!(measured(&repeated_text(10, 10, "a"), &limits).is_ok());
        assert!(measured(&repeated_text(10, 11, "a"), &limits).is_err());
        // LibreOffice ends rows and sheets with empty cells repeated to the sheet's edge.
        let padded = r#"<table:table table:name="S"><table:table-row><table:table-cell office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell><table:table-cell table:number-columns-repeated="16383"/></table:table-row><table:table-row table:number-rows-repeated="1048575"><table:table-cell table:number-columns-repeated="16384"/></table:table-row></table:table>"#;
        assert!(measured(padded, &limits).is_ok());
        // A valued cell far away spans the rectangle up to it.
        let far = r#"<table:table table:name="S"><table:table-row><table:table-cell office:value-type="float" office:value="1"/><table:table-cell table:number-columns-repeated="200"/><table:table-cell office:value-type="float" office:value="1"/></table:table-row></table:table>"#;
        assert!(measured(far, &limits).is_err());
    }

    #[test]
    fn each_sheet_is_measured_on_its_own() {
        let limits = Limits {
            max_cells_per_sheet: 100,
            ..Limits::default()
        };
        let two = format!(
            "{}{}",
            repeated_text(10, 10, "a"),
            repeated_text(10, 10, "a")
        );
        assert!(measured(&two, &limits).is_ok());
    }

    #[test]
    fn the_sample_ods_passes() {
        let bytes = include_bytes!("../../tests/fixtures/tthc-06-q3-2022.ods");
        assert!(check_ods(bytes, &Limits::default()).is_ok());
        let tiny = Limits {
            max_cells_per_sheet: 10,
            ..Limits::default()
        };
        assert!(check_ods(bytes, &tiny).is_err());
    }
}
