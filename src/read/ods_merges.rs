//! Merged ranges of an OpenDocument spreadsheet, which calamine does not expose: read from
//! `content.xml` as spans (`number-columns-spanned`, `number-rows-spanned`), counting
//! repeated rows and columns without expanding them.

use std::io::{BufReader, Cursor, Read};

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use crate::model::{CellRange, CellRef};

/// Largest `content.xml` read for merges; a bigger one gets no merges rather than an error.
const MAX_CONTENT_BYTES: u64 = 512 << 20;

/// `(sheet name, merges)` in sheet order; empty when the package has no readable content.
pub(crate) fn ods_merges(bytes: &[u8]) -> Vec<(String, Vec<CellRange>)> {
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Vec::new();
    };
    let Ok(file) = archive.by_name("content.xml") else {
        return Vec::new();
    };
    let mut reader = Reader::from_reader(BufReader::new(file.take(MAX_CONTENT_BYTES)));
    let mut buf = Vec::new();
    let mut sheets: Vec<(String, Vec<CellRange>)> = Vec::new();
    let mut row: u64 = 0;
    let mut col: u64 = 0;
    let mut row_repeat: u64 = 1;
    loop {
        buf.clear();
        let event = match reader.read_event_into(&mut buf) {
            Ok(event) => event,
            Err(_) => break,
        };
        let (e, empty) = match event {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::End(e) => {
                if e.local_name().into_inner() == "table-row" {
                    row = row.saturating_add(row_repeat);
                }
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        {
            match e.local_name().into_inner() {
                "table" => {
                    let name = attribute(&e, "name").unwrap_or_default();
                    sheets.push((name, Vec::new()));
                    row = 0;
                }
                "table-row" => {
                    col = 0;
                    row_repeat = number_attribute(&e, "number-rows-repeated").unwrap_or(1);
                    if empty {
                        row = row.saturating_add(row_repeat);
                    }
                }
                "table-cell" | "covered-table-cell" => {
                    let columns = number_attribute(&e, "number-columns-spanned").unwrap_or(1);
                    let rows = number_attribute(&e, "number-rows-spanned").unwrap_or(1);
                    if (columns > 1 || rows > 1) && e.local_name().into_inner() == "table-cell" {
                        if let Some((_, merges)) = sheets.last_mut() {
                            if let Some(range) = range(row, col, rows, columns) {
                                merges.push(range);
                            }
                        }
                    }
                    let repeat = number_attribute(&e, "number-columns-repeated").unwrap_or(1);
                    col = col.saturating_add(repeat);
                }
                _ => {}
            }
        }
    }
    sheets
}

fn range(row: u64, col: u64, rows: u64, columns: u64) -> Option<CellRange> {
    let first_row = u32::try_from(row).ok()?;
    let first_col = u32::try_from(col).ok()?;
    let last_row = u32::try_from(row.checked_add(rows)?.checked_sub(1)?).ok()?;
    let last_col = u32::try_from(col.checked_add(columns)?.checked_sub(1)?).ok()?;
    (last_row < 1_048_576 && last_col < 16_384).then_some(CellRange {
        first: CellRef::new(first_row, first_col),
        last: CellRef::new(last_row, last_col),
    })
}

fn attribute(e: &BytesStart<'_>, local: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find_map(|a| (a.key.local_name().into_inner() == local).then(|| a.value.to_string()))
}

fn number_attribute(e: &BytesStart<'_>, local: &str) -> Option<u64> {
    attribute(e, local)?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_header_merges_of_the_06_sample() {
        let bytes = include_bytes!("../../tests/fixtures/tthc-06-q3-2022.ods");
        let sheets = ods_merges(bytes);
        assert_eq!(sheets.len(), 1);
        let (name, merges) = &sheets[0];
        assert_eq!(name, "06");
        let shown: Vec<String> = merges.iter().map(|m| m.to_string()).collect();
        for expected in ["A2:N2", "A5:A7", "C5:F5", "G5:M5", "K6:M6", "N5:N7"] {
            assert!(
                shown.contains(&expected.to_string()),
                "{expected} in {shown:?}"
            );
        }
    }

    #[test]
    fn garbage_gives_no_merges() {
        assert!(ods_merges(b"not a zip").is_empty());
    }
}
