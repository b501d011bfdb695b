//! One byte scan of an xlsx sheet part: it jumps from `<` to `<`, following the `<row>`,
//! `<c>` and `<mergeCell>` tags, and hands each cell's tags and text to
//! [`super::xlsx_cells`] to be read as calamine reads them. It reads a sheet whole (every
//! cell's value, formula and style id, and the merged ranges), or only the style ids and
//! merged ranges of a sheet calamine read (skipping straight to `</sheetData>` when no
//! style is wanted), or one block of a big sheet on its own for the block reader
//! (`xlsx_blocks`: the block's depth walked and its first and last cells kept, for the
//! blocks to be put together). A part the package guard left to this reader is measured
//! as it is inflated. Whatever the scan cannot follow exactly, it gives up on (`None`),
//! and the caller reads the sheet through calamine.

use std::io::Read;
use std::sync::Arc;

use crate::error::ReadError;
use crate::limits::Limits;
use crate::model::{Cell, CellRange, CellRef};
use crate::ooxml::Archive;

use super::guard::{PartMeter, Unmeasured};
use super::tags::{attribute, attributes, construct_end, local_name};
use super::xlsx_cells::{position, CellReader};

/// How far one tag, comment or CDATA section may run before the scan gives up (and the
/// caller falls back on calamine): real ones are a few dozen bytes.
const MAX_CONSTRUCT_BYTES: usize = 4 << 20;

/// How much of the sheet XML is inflated at a time.
const CHUNK_BYTES: usize = 64 << 10;

/// What the scan found in one sheet part.
#[derive(Debug, Default)]
pub(crate) struct SheetScan {
    /// Every cell with a style other than the default, as `(cell, style id)`, read the way
    /// calamine reads positions (a cell without `r` follows the one before it). Empty when
    /// styles were not asked for.
    pub styles: Vec<(CellRef, usize)>,
    /// The merged ranges, in the order the sheet lists them.
    pub merges: Vec<CellRange>,
    /// Every cell with its value and formula, when the cells were asked for (their number
    /// formats are left to the caller, which knows the styles).
    pub cells: Vec<Cell>,
    /// The style id of each of `cells` (the cells' styles are not in `styles` then).
    pub cell_styles: Vec<u32>,
}

/// Scans one sheet part for its merged ranges and, when `with_styles`, its cells' style
/// ids; `None` when the part is missing or its XML cannot be followed.
pub(crate) fn scan_sheet(
    archive: &mut Archive<'_>,
    part: &str,
    with_styles: bool,
) -> Option<SheetScan> {
    let scan = Scan {
        skip_cells: !with_styles,
        ..Scan::default()
    };
    scan_in_chunks(archive.by_name(part).ok()?, CHUNK_BYTES, scan).ok()?
}

/// Reads one sheet part whole in one scan: every cell (value, formula, style id, read as
/// calamine reads them, shared strings from `strings`) and the merged ranges; `None` when
/// the part is missing or holds anything this reader does not follow exactly, and the
/// sheet must be read through calamine. A part the package guard left to its reader
/// (`unmeasured`) is measured as it inflates (size, ratio, nesting depth, to its end) and
/// then taken off the list; a part the scan gives up on stays on it.
///
/// # Errors
/// What [`super::guard`] would have found in a part left to this reader.
pub(crate) fn read_sheet(
    archive: &mut Archive<'_>,
    part: &str,
    strings: &[Arc<str>],
    limits: &Limits,
    unmeasured: &mut Unmeasured,
) -> Result<Option<SheetScan>, ReadError> {
    let Ok(file) = archive.by_name(part) else {
        return Ok(None);
    };
    let cells = Some(CellReader::new(strings, limits.max_cells_per_sheet));
    if !unmeasured.holds(part) {
        let scan = Scan {
            cells,
            ..Scan::default()
        };
        return Ok(scan_in_chunks(file, CHUNK_BYTES, scan).ok().flatten());
    }
    let mut meter = PartMeter::of(&file);
    let source = meter.bounded(file);
    let scan = Scan {
        cells,
        meter: Some((&mut meter, limits)),
        ..Scan::default()
    };
    let found = scan_in_chunks(source, CHUNK_BYTES, scan)?;
    if found.is_some() {
        unmeasured.measured(part, &meter, limits)?;
    }
    Ok(found)
}

/// A sheet part's XML read whole in one scan, as [`read_sheet`] reads it (for tests that
/// compare other readings with it).
#[cfg(test)]
pub(crate) fn read_xml(xml: &[u8], strings: &[Arc<str>]) -> Option<SheetScan> {
    let scan = Scan {
        cells: Some(CellReader::new(strings, u64::MAX)),
        ..Scan::default()
    };
    scan_in_chunks(xml, CHUNK_BYTES, scan).ok().flatten()
}

/// Feeds `source` to `scan` `chunk_bytes` at a time (tests feed tiny pieces); `Ok(None)`
/// when the scan gives up, an error when the scan's meter finds the part over a limit.
fn scan_in_chunks(
    mut source: impl Read,
    chunk_bytes: usize,
    mut scan: Scan<'_>,
) -> Result<Option<SheetScan>, ReadError> {
    let mut buffer: Vec<u8> = Vec::with_capacity(chunk_bytes.saturating_mul(2));
    let mut chunk = vec![0u8; chunk_bytes];
    loop {
        let Some(read) = inflate_into(&mut source, &mut chunk, &mut buffer, scan.meter.as_mut())?
        else {
            return Ok(None);
        };
        let Some(consumed) = scan.feed(&buffer, read == 0) else {
            return match scan.failure.take() {
                Some(error) => Err(error),
                None => Ok(None),
            };
        };
        if scan.finished || read == 0 {
            if let Some(reader) = scan.cells.take() {
                if reader.in_cell() {
                    return Ok(None);
                }
                scan.found.cells = reader.cells;
                scan.found.cell_styles = reader.styles;
            }
            if let Some((meter, limits)) = scan.meter.take() {
                // Past `</worksheet>` the part is only measured, to its end.
                meter.measure_depth(buffer.get(consumed..).unwrap_or_default(), limits)?;
                meter.measure_to_end(&mut source, &mut chunk, limits)?;
            }
            return Ok(Some(scan.found));
        }
        buffer.drain(..consumed);
        if buffer.len() > MAX_CONSTRUCT_BYTES {
            return Ok(None);
        }
    }
}

/// One block of a sheet's XML read on its own ([`super::xlsx_blocks`]).
#[cfg(feature = "parallel")]
pub(crate) struct ScannedBlock {
    pub cells: Vec<Cell>,
    pub cell_styles: Vec<u32>,
    pub merges: Vec<CellRange>,
    /// The shared formula templates the block defines, by index.
    pub templates: Vec<Option<(String, (u32, u32))>>,
    /// Cells whose shared formula's template is not in the block (see
    /// [`CellReader::deferred`]).
    pub deferred: Vec<(usize, usize)>,
    /// The first and last `<c>` positions (cells with nothing in them included).
    pub first_cell: Option<CellRef>,
    pub last_cell: Option<CellRef>,
    /// The nesting depth through the block, up to `</worksheet>`.
    pub depth: DepthWalk,
    /// What follows `</worksheet>`, which the scan does not follow (only measured).
    pub tail: Vec<u8>,
    /// How many bytes of XML the block was.
    pub bytes: usize,
}

/// Reads one block of a sheet's XML whole, as [`read_sheet`] reads the sheet: the block
/// starts at the part's start or at a `<row>` start tag with its `r`, and ends before one
/// or at the part's end. `None` where [`read_sheet`] would give up, or when a cell is
/// left open.
#[cfg(feature = "parallel")]
pub(crate) fn scan_block(
    bytes: &[u8],
    strings: &[Arc<str>],
    max_cells: u64,
) -> Option<ScannedBlock> {
    let mut reader = CellReader::new(strings, max_cells);
    reader.deferred = Some(Vec::new());
    let mut scan = Scan {
        cells: Some(reader),
        depth: Some(DepthWalk::default()),
        ..Scan::default()
    };
    let consumed = scan.feed(bytes, true)?;
    let tail = if scan.finished {
        bytes.get(consumed..).unwrap_or_default().to_vec()
    } else {
        Vec::new()
    };
    let reader = scan.cells.take()?;
    if reader.in_cell() {
        return None;
    }
    Some(ScannedBlock {
        cells: reader.cells,
        cell_styles: reader.styles,
        merges: scan.found.merges,
        templates: reader.templates,
        deferred: reader.deferred.unwrap_or_default(),
        first_cell: scan.first_cell,
        last_cell: scan.last_cell,
        depth: scan.depth.unwrap_or_default(),
        tail,
        bytes: bytes.len(),
    })
}

/// The nesting depth through a block, relative to its start: the lowest and highest it
/// went and where it ended. A block read on its own does not know the depth it starts at.
#[derive(Default, Clone, Copy, Debug)]
pub(crate) struct DepthWalk {
    pub depth: i64,
    pub lowest: i64,
    pub highest: i64,
}

impl DepthWalk {
    fn step(&mut self, by: i64) {
        self.depth = self.depth.saturating_add(by);
        self.lowest = self.lowest.min(self.depth);
        self.highest = self.highest.max(self.depth);
    }
}

/// Inflates the next chunk of a part from `source` through `chunk` onto the end of
/// `buffer`, measuring its size with `meter` when given; how many bytes came (0 at the
/// part's end), `None` when the part cannot be inflated (the reader gives up; the guard
/// reports the damage).
///
/// # Errors
/// The part over its declared size or compression ratio.
pub(crate) fn inflate_into(
    source: &mut impl Read,
    chunk: &mut [u8],
    buffer: &mut Vec<u8>,
    meter: Option<&mut (&mut PartMeter, &Limits)>,
) -> Result<Option<usize>, ReadError> {
    let Ok(read) = source.read(chunk) else {
        return Ok(None);
    };
    if let Some((meter, limits)) = meter {
        meter.measure_size(read, limits)?;
    }
    buffer.extend_from_slice(chunk.get(..read).unwrap_or_default());
    Ok(Some(read))
}

/// The scan's position in the sheet, as calamine keeps it.
#[derive(Default)]
struct Scan<'s> {
    row: u32,
    col: u32,
    /// Jump over the cells to `</sheetData>` instead of reading their tags.
    skip_cells: bool,
    /// Read every cell whole (values and formulas), not only its style.
    cells: Option<CellReader<'s>>,
    found: SheetScan,
    /// `</sheetData>` was reached: only merged ranges follow.
    past_cells: bool,
    /// `</worksheet>` was reached.
    finished: bool,
    /// The position of the last `<c>`: cells read whole must come in order, each once.
    last_cell: Option<CellRef>,
    /// The position of the first `<c>`, for a block read on its own to be put in order.
    first_cell: Option<CellRef>,
    /// Measures the part as it is read, when the package guard left that to this reader:
    /// the scan follows every tag, so it counts the nesting depth itself.
    meter: Option<(&'s mut PartMeter, &'s Limits)>,
    /// The nesting depth followed from the block's start, when a block is read on its own
    /// (the meter then counts it when the blocks are put together).
    depth: Option<DepthWalk>,
    /// Why the meter stopped the scan.
    failure: Option<ReadError>,
}

/// How many bytes at the end of a chunk the cell skip keeps for the next one, so that a
/// `</prefix:sheetData` split between chunks is still found.
const SKIP_OVERLAP: usize = 64;

impl Scan<'_> {
    /// Reads every complete construct in `text`; returns how many bytes were consumed (the
    /// rest is an unfinished construct, kept for the next chunk), or `None` on XML this
    /// scan does not follow.
    fn feed(&mut self, text: &[u8], at_end: bool) -> Option<usize> {
        let mut at = 0;
        loop {
            if self.skip_cells && !self.past_cells {
                match close_of_sheet_data(text, at) {
                    Some(start) => at = start,
                    None if at_end => return None,
                    None => return Some(text.len().saturating_sub(SKIP_OVERLAP).max(at)),
                }
            }
            let Some(offset) = text.get(at..).and_then(|rest| memchr::memchr(b'<', rest)) else {
                if let Some(reader) = self.cells.as_mut() {
                    reader.text(text.get(at..)?);
                }
                return Some(text.len());
            };
            let start = at.checked_add(offset)?;
            let rest = text.get(start..)?;
            let end = match construct_end(rest) {
                Some(end) => end,
                None if at_end => return None,
                None => {
                    if let Some(reader) = self.cells.as_mut() {
                        reader.text(text.get(at..start)?);
                    }
                    return Some(start);
                }
            };
            if let Some(reader) = self.cells.as_mut() {
                reader.text(text.get(at..start)?);
            }
            self.tag(rest.get(..end)?)?;
            at = start.checked_add(end)?;
            if self.finished {
                return Some(at);
            }
        }
    }

    /// One construct from its `<` to its `>` inclusive.
    fn tag(&mut self, tag: &[u8]) -> Option<()> {
        let inner = tag.get(1..tag.len().checked_sub(1)?)?;
        if let Some((meter, limits)) = self.meter.as_mut() {
            match inner.first() {
                Some(b'!' | b'?') => {}
                Some(b'/') => meter.close(),
                _ => {
                    if let Err(error) = meter.enter(limits) {
                        self.failure = Some(error);
                        return None;
                    }
                    if inner.last() == Some(&b'/') {
                        meter.close();
                    }
                }
            }
        }
        if let Some(depth) = self.depth.as_mut() {
            match inner.first() {
                Some(b'!' | b'?') => {}
                Some(b'/') => depth.step(-1),
                _ if inner.last() == Some(&b'/') => {
                    depth.step(1);
                    depth.step(-1);
                }
                _ => depth.step(1),
            }
        }
        if let Some(reader) = self.cells.as_mut().filter(|reader| reader.in_cell()) {
            return match inner.first() {
                // A comment, CDATA or instruction inside a cell: left to calamine.
                Some(b'!' | b'?') => None,
                Some(b'/') => reader.end(local_name(inner.get(1..)?)),
                _ => reader.start(local_name(inner), inner, inner.last() == Some(&b'/')),
            };
        }
        match inner.first() {
            Some(b'!' | b'?') => Some(()),
            Some(b'/') => {
                match local_name(inner.get(1..)?) {
                    b"row" => {
                        self.row = self.row.saturating_add(1);
                        self.col = 0;
                    }
                    b"sheetData" => self.past_cells = true,
                    b"worksheet" => self.finished = true,
                    _ => {}
                }
                Some(())
            }
            _ if self.past_cells => {
                if local_name(inner) == b"mergeCell" {
                    // A reference that is not a range is left out, as Excel drops it.
                    if let Some(range) = attribute(inner, b"ref")
                        .and_then(|r| std::str::from_utf8(r).ok())
                        .and_then(range_of_ref)
                    {
                        self.found.merges.push(range);
                    }
                }
                Some(())
            }
            _ => {
                // calamine reads `<x/>` as `<x></x>`.
                let empty = inner.last() == Some(&b'/');
                match local_name(inner) {
                    b"row" => {
                        if let Some(r) = attribute(inner, b"r") {
                            let number: u32 = std::str::from_utf8(r).ok()?.trim().parse().ok()?;
                            self.row = number.checked_sub(1)?;
                        }
                        if empty {
                            self.row = self.row.saturating_add(1);
                            self.col = 0;
                        }
                    }
                    b"sheetData" if empty => self.past_cells = true,
                    b"c" => {
                        let [r, s, t] = attributes(inner, [b"r", b"s", b"t"]);
                        let at = match r {
                            Some(r) => {
                                let (row, col) = position(r)?;
                                CellRef::new(row, col)
                            }
                            None => CellRef::new(self.row, self.col),
                        };
                        self.col = at.col.saturating_add(1);
                        let style = s
                            .and_then(|s| std::str::from_utf8(s).ok()?.trim().parse().ok())
                            .unwrap_or(0usize);
                        match self.cells.as_mut() {
                            Some(reader) => {
                                // A cell out of order or repeated (a damaged file) is left
                                // to calamine's reading, whose order the model keeps; in
                                // order, each cell's style is simply its own.
                                if self.last_cell.is_some_and(|last| last >= at) {
                                    return None;
                                }
                                self.last_cell = Some(at);
                                self.first_cell.get_or_insert(at);
                                reader.start_cell(at, style, t)?;
                                if empty {
                                    reader.close_cell()?;
                                }
                            }
                            None if style > 0 => self.found.styles.push((at, style)),
                            None => {}
                        }
                    }
                    _ => {}
                }
                Some(())
            }
        }
    }
}

/// Where the closing `</sheetData>` (any prefix) starts in `text` at or after `from`.
fn close_of_sheet_data(text: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    loop {
        let found = at.checked_add(memchr::memmem::find(text.get(at..)?, b"sheetData")?)?;
        // The tag's `<` is a few bytes before the name (`</`, `</x:`).
        let open = memchr::memrchr(b'<', text.get(from..found)?)
            .and_then(|i| i.checked_add(from))
            .filter(|open| found.saturating_sub(*open) <= SKIP_OVERLAP / 2);
        if let Some(open) = open {
            let closing = text.get(open.checked_add(1)?) == Some(&b'/');
            let empty = text
                .get(found.checked_add(b"sheetData".len())?..)
                .is_some_and(|rest| rest.trim_ascii_start().starts_with(b"/>"));
            if closing || empty {
                return Some(open);
            }
        }
        at = found.checked_add(1)?;
    }
}

/// A merged range's reference: `A1:C2`, or one cell.
fn range_of_ref(reference: &str) -> Option<CellRange> {
    let (first, last) = reference.split_once(':').unwrap_or((reference, reference));
    let (first, last) = (CellRef::parse(first.trim())?, CellRef::parse(last.trim())?);
    Some(CellRange {
        first: CellRef::new(first.row.min(last.row), first.col.min(last.col)),
        last: CellRef::new(first.row.max(last.row), first.col.max(last.col)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::Reader as _;
    use std::io::Cursor;

    /// Styles and merged ranges by address.
    type Found = (Vec<(String, usize)>, Vec<String>);

    /// The scan fed `xml` in pieces of `chunk` bytes.
    fn scan_of(xml: &str, chunk: usize, with_styles: bool) -> Option<Found> {
        let scan = Scan {
            skip_cells: !with_styles,
            ..Scan::default()
        };
        let found = scan_in_chunks(xml.as_bytes(), chunk, scan).ok()??;
        Some((
            found
                .styles
                .into_iter()
                .map(|(at, style)| (at.to_string(), style))
                .collect(),
            found
                .merges
                .into_iter()
                .map(|range| format!("{}:{}", range.first, range.last))
                .collect(),
        ))
    }

    /// The cells read from `xml` fed in pieces of `chunk` bytes.
    fn cells_of(xml: &str, chunk: usize, strings: &[Arc<str>]) -> Option<Vec<(Cell, u32)>> {
        let scan = Scan {
            cells: Some(CellReader::new(strings, u64::MAX)),
            ..Scan::default()
        };
        scan_in_chunks(xml.as_bytes(), chunk, scan)
            .ok()?
            .map(|found| found.cells.into_iter().zip(found.cell_styles).collect())
    }

    #[test]
    fn cells_read_the_same_whatever_the_chunks() {
        let xml = concat!(
            r#"<worksheet><sheetData><row r="1"><c r="A1" s="2"><v>-12.5</v></c><c t="s"><v>1</v></c>"#,
            r#"<c r="C1" t="inlineStr"><is><r><t xml:space="preserve"> a &amp; b </t></r><r><t>c</t></r></is></c>"#,
            r#"<c r="D1"><f>SUM(A1:A9)&amp;"&lt;x&gt;"</f><v>3</v></c></row><row><c t="b"><v>1</v></c>"#,
            r#"<c t="str"><f>"dài"</f><v>dài đồng</v></c></row></sheetData></worksheet>"#
        );
        let strings: Vec<Arc<str>> = vec!["không".into(), "Tổng cộng".into()];
        let whole = cells_of(xml, xml.len(), &strings).expect("follows");
        assert_eq!(whole.len(), 6);
        assert_eq!(
            whole.iter().map(|(_, style)| *style).collect::<Vec<_>>(),
            [2, 0, 0, 0, 0, 0]
        );
        assert_eq!(
            whole.get(1).map(|(c, _)| c.value.clone()),
            Some(crate::model::Value::Text("Tổng cộng".into()))
        );
        assert_eq!(
            whole.get(2).map(|(c, _)| c.value.clone()),
            Some(crate::model::Value::Text(" a & b c".into()))
        );
        assert_eq!(
            whole.get(3).and_then(|(c, _)| c.formula.clone()).as_deref(),
            Some(r#"SUM(A1:A9)&"<x>""#)
        );
        for chunk in [1, 2, 3, 5, 7, 11, 64] {
            assert_eq!(
                cells_of(xml, chunk, &strings).as_ref(),
                Some(&whole),
                "chunk {chunk}"
            );
        }
    }

    #[test]
    fn cells_out_of_order_are_left_to_calamine() {
        for xml in [
            r#"<worksheet><sheetData><row r="1"><c r="B1"><v>1</v></c><c r="A1"><v>2</v></c></row></sheetData></worksheet>"#,
            r#"<worksheet><sheetData><row r="2"><c r="A2"><v>1</v></c></row><row r="1"><c r="A1"><v>2</v></c></row></sheetData></worksheet>"#,
            r#"<worksheet><sheetData><row r="1"><c r="A1"><v>1</v></c><c r="A1" s="3"/></row></sheetData></worksheet>"#,
        ] {
            assert_eq!(cells_of(xml, 64, &[]), None, "{xml}");
        }
    }

    fn styles_of(xml: &str, chunk: usize) -> Option<Vec<(String, usize)>> {
        scan_of(xml, chunk, true).map(|(styles, _)| styles)
    }

    #[test]
    fn rows_and_cells_with_and_without_addresses() {
        let xml = r#"<worksheet><sheetData><row r="2"><c r="B2" s="3"><v>1</v></c><c s="4"><f>B2&gt;1</f><v>1</v></c><c r="E2"><v>2</v></c></row><row><c s='5' t="inlineStr"><is><t>a &lt; b</t></is></c></row><!-- <c r="Z9" s="9"> --><x:row r="7"><x:c r="A7" s="6"/><x:c r="B7" s="7"></x:c></x:row></sheetData><c r="A1" s="8"></c></worksheet>"#;
        let expected: Vec<(String, usize)> = vec![
            ("B2".into(), 3),
            ("C2".into(), 4),
            ("A3".into(), 5),
            ("A7".into(), 6),
            ("B7".into(), 7),
        ];
        for chunk in [1, 2, 7, 64, 4096] {
            assert_eq!(
                styles_of(xml, chunk),
                Some(expected.clone()),
                "chunk {chunk}"
            );
        }
    }

    /// A package of one sheet part, and what the guard leaves of it to the reader.
    fn left_to_the_reader(xml: &str) -> (Vec<u8>, Unmeasured) {
        use std::io::Write as _;
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        writer.start_file(PART, options).expect("zip");
        writer.write_all(xml.as_bytes()).expect("zip");
        let bytes = writer.finish().expect("zip").into_inner();
        let unmeasured =
            super::super::guard::check_zip_deferring(&bytes, &Limits::default(), |n| n == PART)
                .expect("declared sizes pass");
        assert!(unmeasured.holds(PART));
        (bytes, unmeasured)
    }

    const PART: &str = "xl/worksheets/sheet1.xml";

    /// The scan measures a part the guard left to it (depth inside what it reads and past
    /// `</worksheet>`), and leaves a part it gives up on for the guard to measure.
    #[test]
    fn a_part_left_to_the_scan_is_measured_by_it() {
        let read = |xml: &str| {
            let (bytes, mut unmeasured) = left_to_the_reader(xml);
            let mut package = Archive::new(Cursor::new(bytes.as_slice())).expect("zip");
            let result = read_sheet(&mut package, PART, &[], &Limits::default(), &mut unmeasured);
            (
                result.map(|found| found.map(|f| f.cells.len())),
                unmeasured.holds(PART),
            )
        };
        let good = r#"<worksheet><sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData></worksheet>"#;
        assert!(matches!(read(good), (Ok(Some(1)), false)));
        let deep = "<x>".repeat(300);
        let inside = format!("<worksheet><sheetData/><extLst>{deep}</extLst></worksheet>");
        assert!(matches!(
            read(&inside),
            (Err(ReadError::LimitExceeded { .. }), true)
        ));
        let after = format!("{good}{deep}");
        assert!(matches!(
            read(&after),
            (Err(ReadError::LimitExceeded { .. }), true)
        ));
        let flat_after = format!("{good}{}", "<x/>".repeat(300));
        assert!(matches!(read(&flat_after), (Ok(Some(1)), false)));
        let unfollowed = r#"<worksheet><sheetData><row r="1"><c r="A1"><!-- c --><v>1</v></c></row></sheetData></worksheet>"#;
        assert!(matches!(read(unfollowed), (Ok(None), true)));
    }

    #[test]
    fn xml_it_cannot_follow_is_none() {
        assert_eq!(
            styles_of(r#"<sheetData><row r="x"><c r="A1" s="2">"#, 64),
            None
        );
        assert_eq!(styles_of(r#"<sheetData><c r="A1" s="2""#, 64), None);
    }

    #[test]
    fn merged_ranges_after_the_cells_with_and_without_styles() {
        let xml = r#"<worksheet><sheetData><row r="1"><c r="A1" s="2" t="inlineStr"><is><t>sheetData &lt;/sheetData&gt;</t></is></c></row><!-- </sheetData> --></x:sheetData><mergeCells count="3"><mergeCell ref="A1:C1"/><mergeCell ref="B3"/><x:mergeCell ref="D5:B2"></x:mergeCell><mergeCell ref="nonsense"/></mergeCells><pageMargins left="0.7"/></worksheet>"#;
        let merges = vec!["A1:C1".to_string(), "B3:B3".into(), "B2:D5".into()];
        for chunk in [1, 2, 7, 13, 64, 4096] {
            for with_styles in [true, false] {
                let (styles, found) = scan_of(xml, chunk, with_styles).expect("follows");
                assert_eq!(found, merges, "chunk {chunk}, styles {with_styles}");
                let expected = if with_styles {
                    vec![("A1".to_string(), 2)]
                } else {
                    vec![]
                };
                assert_eq!(styles, expected, "chunk {chunk}");
            }
        }
        // An empty sheet, and a sheet without merges.
        for xml in [
            r#"<worksheet><sheetData/><mergeCells><mergeCell ref="A1:B1"/></mergeCells></worksheet>"#,
            r#"<worksheet><sheetData /><mergeCells><mergeCell ref="A1:B1"/></mergeCells></worksheet>"#,
        ] {
            for with_styles in [true, false] {
                assert_eq!(
                    scan_of(xml, 5, with_styles).expect("follows").1,
                    vec!["A1:B1".to_string()]
                );
            }
        }
        assert_eq!(
            scan_of(
                "<worksheet><sheetData><row/></sheetData></worksheet>",
                3,
                false
            ),
            Some((vec![], vec![]))
        );
    }

    #[test]
    fn every_xlsx_fixture_matches_calamines_style_and_merge_passes() {
        let (mut compared, mut merged) = (0, 0);
        for entry in std::fs::read_dir("tests/fixtures").unwrap() {
            let path = entry.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            let Ok(mut book) = calamine::Xlsx::new(std::io::Cursor::new(bytes.as_slice())) else {
                continue;
            };
            let mut package = Archive::new(Cursor::new(bytes.as_slice())).expect("zip");
            let parts = crate::ooxml::WorkbookPart::read(|part| {
                crate::ooxml::archive_text(&mut package, part)
            })
            .expect("workbook part")
            .sheet_parts();
            for name in book.sheet_names() {
                let (_, part) = parts.iter().find(|(n, _)| *n == name).expect("its part");
                let scan = scan_sheet(&mut package, part, true).expect("styles");
                let ours = scan.styles;
                let merges = |scan: SheetScan| -> Vec<String> {
                    scan.merges
                        .iter()
                        .map(|r| format!("{}:{}", r.first, r.last))
                        .collect()
                };
                let skipped = scan_sheet(&mut package, part, false).expect("merges");
                assert!(skipped.styles.is_empty());
                let theirs_merges: Vec<String> = book
                    .merge_cells_by_sheet_name(&name)
                    .expect("calamine's merges")
                    .iter()
                    .map(|d| {
                        format!(
                            "{}:{}",
                            CellRef::new(d.start.0, d.start.1),
                            CellRef::new(d.end.0, d.end.1)
                        )
                    })
                    .collect();
                let ours_merges = merges(SheetScan {
                    merges: scan.merges,
                    ..SheetScan::default()
                });
                assert_eq!(ours_merges, theirs_merges, "{path:?} {name}: merges");
                assert_eq!(
                    merges(skipped),
                    theirs_merges,
                    "{path:?} {name}: merges, cells skipped"
                );
                merged += theirs_merges.len();
                let mut reader = book.worksheet_cells_reader(&name).expect("reader");
                let mut theirs = Vec::new();
                while let Some((row, col, style)) = reader.next_style_id().unwrap() {
                    theirs.push((CellRef::new(row, col), style));
                }
                let only_ours: Vec<_> = ours.iter().filter(|x| !theirs.contains(x)).collect();
                let only_theirs: Vec<_> = theirs.iter().filter(|x| !ours.contains(x)).collect();
                assert!(
                    only_ours.is_empty() && only_theirs.is_empty(),
                    "{path:?} {name}: only ours {only_ours:?}, only calamine's {only_theirs:?}"
                );
                compared += theirs.len();
            }
        }
        assert!(compared > 1000, "{compared}");
        assert!(merged >= 10, "{merged}");
    }
}
