//! A big xlsx sheet read on every core (feature `parallel`): one thread inflates the
//! sheet's XML, measures it as the one-scan reader would, and cuts it into blocks of whole
//! rows, which the other threads read with [`scan_block`] while the next ones inflate;
//! the blocks' cells are then put together in order, a shared formula whose template is
//! in an earlier block expanded there. Whatever the cut cannot be sure of (a comment,
//! CDATA or instruction before a cut, a cut row without its `r`, cells out of order
//! between blocks, a block the scan gives up on, a sheet at its cell limit) sends the
//! caller back to reading the sheet in one scan, which decides as before.

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::Arc;
use std::sync::{mpsc, Mutex};

use crate::error::ReadError;
use crate::limits::Limits;
use crate::model::{Cell, CellRange, CellRef, Value};

use crate::ooxml::Archive;

use super::guard::{PartMeter, Unmeasured};
use super::tags::{attribute, construct_end};
use super::xlsx_scan::{inflate_into, scan_block, ScannedBlock, SheetScan};

/// Parts smaller than this are read in one scan: a form-sized sheet gains nothing, and a
/// batch already keeps every core busy with whole files.
const MIN_PART_BYTES: u64 = 16 << 20;
/// About how much XML one block holds (some 20,000 cells).
const BLOCK_BYTES: usize = 1 << 20;
/// How much is inflated at a time.
const CHUNK_BYTES: usize = 64 << 10;
/// Most XML held waiting for a cut: past it the sheet is read in one scan.
const MAX_UNCUT_BYTES: usize = 64 << 20;

/// A shared formula template: its text and the start of its `ref`.
type Template = Option<(String, (u32, u32))>;

/// Reads one sheet part in blocks on every core; `Ok(None)` when the part is small,
/// rayon's pool has one thread, or the blocks cannot be read exactly as one scan reads the
/// sheet: then the caller reads it in one scan. A part the package guard left
/// to its reader (`unmeasured`) is measured as it inflates, to its end.
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
    // As many as rayon's pool has: `RAYON_NUM_THREADS=1` keeps the whole check on one core.
    let threads = rayon::current_num_threads();
    if threads < 2 {
        return Ok(None);
    }
    let Ok(file) = archive.by_name(part) else {
        return Ok(None);
    };
    if file.size() < MIN_PART_BYTES {
        return Ok(None);
    }
    let metered = unmeasured.holds(part);
    let declared = file.size();
    let mut meter = PartMeter::of(&file);
    let source = meter.bounded(file);
    let blocks = Blocks {
        block_bytes: BLOCK_BYTES,
        threads,
        declared,
    };
    let read = read_in_blocks(
        source,
        blocks,
        strings,
        limits,
        metered.then_some(&mut meter),
    )?;
    if read.is_some() && metered {
        unmeasured.measured(part, &meter, limits)?;
    }
    Ok(read)
}

/// How a part is cut and read.
#[derive(Clone, Copy)]
struct Blocks {
    /// About how much XML one block holds.
    block_bytes: usize,
    /// Readers besides the thread that inflates and cuts.
    threads: usize,
    /// The part's declared size, from which the first block tells how many cells to
    /// expect.
    declared: u64,
}

/// Reads a sheet part's XML from `source` in blocks, measuring it with `meter` when given;
/// `Ok(None)` when only one scan can read it exactly.
fn read_in_blocks(
    source: impl Read,
    Blocks {
        block_bytes,
        threads,
        declared,
    }: Blocks,
    strings: &[Arc<str>],
    limits: &Limits,
    meter: Option<&mut PartMeter>,
) -> Result<Option<SheetScan>, ReadError> {
    let max_cells = limits.max_cells_per_sheet;
    let (blocks, to_read) = mpsc::sync_channel::<(usize, Vec<u8>)>(threads.saturating_mul(2));
    let to_read = Mutex::new(to_read);
    let (read_tx, read) = mpsc::channel::<(usize, Option<ScannedBlock>)>();
    std::thread::scope(|scope| {
        // The senders move into this closure: whichever way it returns, they are dropped
        // before the readers are joined, so no reader waits for a block that never comes.
        let (blocks, read_tx) = (blocks, read_tx);
        for _ in 0..threads {
            let (to_read, read_tx) = (&to_read, read_tx.clone());
            scope.spawn(move || loop {
                let next = to_read.lock().ok().and_then(|queue| queue.recv().ok());
                let Some((k, bytes)) = next else {
                    break;
                };
                if read_tx
                    .send((k, scan_block(&bytes, strings, max_cells)))
                    .is_err()
                {
                    break;
                }
            });
        }
        drop(read_tx);
        let meter = meter.map(|meter| (meter, limits));
        let mut assembly = Assembly::new(max_cells, declared, meter);
        let sent = cut_into_blocks(source, block_bytes, &blocks, &read, &mut assembly)?;
        // Dropping the queue lets every reader finish once it is empty.
        drop(blocks);
        let Some(sent) = sent else {
            return Ok(None);
        };
        for (k, scanned) in read.iter() {
            assembly.take(k, scanned)?;
        }
        Ok(assembly.finish(sent))
    })
}

/// Inflates `source`, measuring its size when the assembly has a meter, and sends it to
/// the readers in blocks of about `block_bytes` cut before a `<row>`; takes the blocks
/// read meanwhile into `assembly`. Returns how many blocks were sent, or `None` when the
/// sheet must be read in one scan.
fn cut_into_blocks(
    mut source: impl Read,
    block_bytes: usize,
    blocks: &mpsc::SyncSender<(usize, Vec<u8>)>,
    read: &mpsc::Receiver<(usize, Option<ScannedBlock>)>,
    assembly: &mut Assembly,
) -> Result<Option<usize>, ReadError> {
    let mut buffer: Vec<u8> = Vec::with_capacity(block_bytes.saturating_mul(2));
    // A block's worth is inflated in a few chunks, so that it is cut near its size.
    let mut chunk = vec![0u8; CHUNK_BYTES.min(block_bytes.div_ceil(2)).max(1)];
    let mut sent = 0usize;
    let mut past_rows = false;
    loop {
        // The depth is counted by the blocks' readers, following the tags.
        let meter = assembly.meter.as_mut();
        let Some(count) = inflate_into(&mut source, &mut chunk, &mut buffer, meter)? else {
            return Ok(None);
        };
        if count == 0 {
            let last = std::mem::take(&mut buffer);
            if blocks.send((sent, last)).is_err() {
                return Ok(None);
            }
            return Ok(Some(sent.saturating_add(1)));
        }
        if !past_rows && buffer.len() >= block_bytes {
            match cut(&buffer, sent == 0) {
                Cut::At(at) => {
                    let rest = buffer.split_off(at);
                    let block = std::mem::replace(&mut buffer, rest);
                    if blocks.send((sent, block)).is_err() {
                        return Ok(None);
                    }
                    sent = sent.saturating_add(1);
                }
                Cut::NotYet => {}
                Cut::PastRows => past_rows = true,
                Cut::Unsure => return Ok(None),
            }
        }
        if buffer.len() > MAX_UNCUT_BYTES {
            return Ok(None);
        }
        while let Ok((k, scanned)) = read.try_recv() {
            assembly.take(k, scanned)?;
        }
        if assembly.abandoned {
            return Ok(None);
        }
    }
}

/// Where the XML inflated so far may be cut.
#[derive(Debug, PartialEq)]
enum Cut {
    /// Before the `<row>` at this offset: the last whole one, with its `r`.
    At(usize),
    /// No `<row>` start tag yet.
    NotYet,
    /// The rows have ended: the rest is one block.
    PastRows,
    /// A comment, CDATA section or instruction (a cut could fall inside one), or a row
    /// without its `r` (its number depends on the rows before it).
    Unsure,
}

/// Where `buffer`, the XML inflated since the last cut (from the part's start when
/// `first`), may be cut.
fn cut(buffer: &[u8], first: bool) -> Cut {
    let mut from = 0;
    if first {
        // The declaration is the one instruction a sheet has; the rows follow `<sheetData>`.
        if buffer.starts_with(b"<?xml") {
            match memchr::memmem::find(buffer, b"?>") {
                Some(end) => from = end.saturating_add(2),
                None => return Cut::NotYet,
            }
        }
        match memchr::memmem::find(buffer.get(from..).unwrap_or_default(), b"sheetData") {
            Some(at) => from = from.saturating_add(at).saturating_add(b"sheetData".len()),
            None => return Cut::NotYet,
        }
    }
    let rest = buffer.get(from..).unwrap_or_default();
    if memchr::memmem::find(rest, b"<!").is_some() || memchr::memmem::find(rest, b"<?").is_some() {
        return Cut::Unsure;
    }
    if [&b"sheetData>"[..], b"sheetData/>", b"worksheet>"]
        .iter()
        .any(|end| memchr::memmem::find(rest, end).is_some())
    {
        return Cut::PastRows;
    }
    for at in memchr::memmem::rfind_iter(rest, b"<row") {
        let Some(tag) = rest.get(at..) else {
            continue;
        };
        if !tag
            .get(4)
            .is_some_and(|b| b.is_ascii_whitespace() || *b == b'>' || *b == b'/')
        {
            continue;
        }
        // The last row's tag may not be whole yet: cut before the one before it.
        let Some(end) = construct_end(tag) else {
            continue;
        };
        let inner = tag.get(1..end.saturating_sub(1)).unwrap_or_default();
        if attribute(inner, b"r").is_none() {
            return Cut::Unsure;
        }
        let at = at.saturating_add(from);
        return if at == 0 { Cut::NotYet } else { Cut::At(at) };
    }
    Cut::NotYet
}

/// The blocks read so far, put together in order.
struct Assembly<'m> {
    /// Blocks read before the ones ahead of them.
    waiting: BTreeMap<usize, ScannedBlock>,
    /// The next block to put in.
    next: usize,
    cells: Vec<Cell>,
    cell_styles: Vec<u32>,
    merges: Vec<CellRange>,
    /// The shared formula templates of the blocks put in, the latest of each index.
    templates: Vec<Template>,
    last_cell: Option<CellRef>,
    max_cells: u64,
    /// The part's declared size, from which the first block tells how many cells to
    /// expect: the cells are put in place once, not moved each time their vector grows.
    declared: u64,
    /// Measures the part, when the package guard left that to its reader: its size as it
    /// inflates, its depth as the blocks are put together.
    meter: Option<(&'m mut PartMeter, &'m Limits)>,
    /// A block cannot be read as one scan would read it.
    abandoned: bool,
}

impl<'m> Assembly<'m> {
    fn new(
        max_cells: u64,
        declared: u64,
        meter: Option<(&'m mut PartMeter, &'m Limits)>,
    ) -> Assembly<'m> {
        Assembly {
            meter,
            declared,
            waiting: BTreeMap::new(),
            next: 0,
            cells: Vec::new(),
            cell_styles: Vec::new(),
            merges: Vec::new(),
            templates: Vec::new(),
            last_cell: None,
            max_cells,
            abandoned: false,
        }
    }

    /// Block `k` as read (`None`: the scan gave up on it).
    ///
    /// # Errors
    /// The nesting depth past its limit, in a part this reader measures.
    fn take(&mut self, k: usize, scanned: Option<ScannedBlock>) -> Result<(), ReadError> {
        let Some(block) = scanned else {
            self.abandoned = true;
            return Ok(());
        };
        self.waiting.insert(k, block);
        while let Some(block) = self.waiting.remove(&self.next) {
            if self.abandoned || !self.measure(&block)? || self.put_in(block).is_none() {
                self.abandoned = true;
            }
            self.next = self.next.saturating_add(1);
        }
        Ok(())
    }

    /// Measures the next block's nesting depth, and what follows `</worksheet>`, as one
    /// scan's meter would; `false` when only one scan can count it.
    fn measure(&mut self, block: &ScannedBlock) -> Result<bool, ReadError> {
        let Some((meter, limits)) = self.meter.as_mut() else {
            return Ok(true);
        };
        let walk = block.depth;
        if !meter.walk(walk.lowest, walk.highest, walk.depth, limits)? {
            return Ok(false);
        }
        meter.measure_depth(&block.tail, limits)?;
        Ok(true)
    }

    /// Puts the next block in; `None` when it cannot follow the blocks before it as one
    /// scan would read them.
    fn put_in(&mut self, mut block: ScannedBlock) -> Option<()> {
        if self.next == 0 {
            self.reserve_like(&block);
        }
        // One scan gives up on a cell out of order or repeated.
        if let (Some(last), Some(first)) = (self.last_cell, block.first_cell) {
            if first <= last {
                return None;
            }
        }
        self.last_cell = block.last_cell.or(self.last_cell);
        // Shared formulas whose template came before the block; a cell with no value and
        // no formula after all is not kept, as one scan does not keep it.
        let mut left_out = Vec::new();
        for &(place, index) in &block.deferred {
            let cell = block.cells.get_mut(place)?;
            let formula = match self.templates.get(index) {
                Some(Some((template, start))) => Some(
                    calamine::expand_shared_formula(template, *start, (cell.at.row, cell.at.col))
                        .ok()?,
                ),
                _ => None,
            };
            cell.formula = formula
                .filter(|f| !f.is_empty())
                .map(String::into_boxed_str);
            if cell.formula.is_none() && cell.value == Value::Empty {
                left_out.push(place);
            }
        }
        for (index, template) in block.templates.into_iter().enumerate() {
            if template.is_none() {
                continue;
            }
            if self.templates.len() <= index {
                self.templates.resize(index.saturating_add(1), None);
            }
            *self.templates.get_mut(index)? = template;
        }
        if left_out.is_empty() {
            self.cells.append(&mut block.cells);
            self.cell_styles.append(&mut block.cell_styles);
        } else {
            let mut left_out = left_out.into_iter().peekable();
            let cells = block.cells.into_iter().zip(block.cell_styles);
            for (place, (cell, style)) in cells.enumerate() {
                if left_out.next_if_eq(&place).is_some() {
                    continue;
                }
                self.cells.push(cell);
                self.cell_styles.push(style);
            }
        }
        self.merges.append(&mut block.merges);
        // At the limit one scan decides (it stops at the cell past it).
        ((self.cells.len() as u64) < self.max_cells).then_some(())
    }

    /// Room for as many cells as the whole part holds if it is like its first block (a
    /// little more: pages reserved and never written cost no memory).
    fn reserve_like(&mut self, first: &ScannedBlock) {
        let (Ok(cells), Ok(bytes)) = (u64::try_from(first.cells.len()), u64::try_from(first.bytes))
        else {
            return;
        };
        let expected = self
            .declared
            .checked_div(bytes.max(1))
            .and_then(|blocks| blocks.checked_add(2))
            .and_then(|blocks| blocks.checked_mul(cells))
            .unwrap_or(0)
            .min(self.max_cells);
        let expected = usize::try_from(expected).unwrap_or(0);
        self.cells.reserve(expected);
        self.cell_styles.reserve(expected);
    }

    /// The sheet, once every one of the `sent` blocks is in.
    fn finish(self, sent: usize) -> Option<SheetScan> {
        (!self.abandoned && self.next == sent && self.waiting.is_empty()).then(|| SheetScan {
            styles: Vec::new(),
            merges: self.merges,
            cells: self.cells,
            cell_styles: self.cell_styles,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sheet's XML: `rows` rows of a dozen cells (numbers, shared and inline strings, an
    /// empty styled cell), a shared formula whose template is in the first row and whose
    /// children run down the sheet, its index defined again halfway, a child of an index
    /// never defined, and merged ranges after the cells.
    fn sheet_xml(rows: u32, extra: &str) -> String {
        let mut xml = String::from(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:M9"/><sheetData>"#,
        );
        for r in 1..=rows {
            xml.push_str(&format!(r#"<row r="{r}" spans="1:13">"#));
            xml.push_str(&format!(r#"<c r="A{r}" t="s"><v>{}</v></c>"#, r % 3));
            xml.push_str(&format!(
                r#"<c r="B{r}" t="inlineStr"><is><t>unit {r}</t></is></c>"#
            ));
            for (k, col) in ["C", "D", "E", "F", "G"].iter().enumerate() {
                xml.push_str(&format!(
                    r#"<c r="{col}{r}" s="1"><v>{}</v></c>"#,
                    r * 7 + k as u32
                ));
            }
            xml.push_str(&format!(r#"<c r="H{r}" s="2"/>"#));
            match r {
                1 => xml.push_str(
                    r#"<c r="I1"><f t="shared" ref="I1:I9999" si="0">C1+D1</f><v>1</v></c>"#,
                ),
                _ if r == rows / 2 => xml.push_str(&format!(
                    r#"<c r="I{r}"><f t="shared" ref="I{r}:I9999" si="0">E{r}*2</f><v>2</v></c>"#
                )),
                _ => xml.push_str(&format!(
                    r#"<c r="I{r}"><f t="shared" si="0"/><v>{r}</v></c>"#
                )),
            }
            // A child of an index with no template: its formula is left out, and the cell
            // with no value with it.
            xml.push_str(&format!(r#"<c r="J{r}"><f t="shared" si="5"/></c>"#));
            xml.push_str(&format!(
                r#"<c r="K{r}"><f t="shared" si="5"/><v>3</v></c>"#
            ));
            xml.push_str("</row>");
        }
        xml.push_str(extra);
        xml.push_str(r#"</sheetData><mergeCells count="2"><mergeCell ref="A1:B1"/><mergeCell ref="C2:D3"/></mergeCells></worksheet>"#);
        xml
    }

    fn strings() -> Vec<Arc<str>> {
        ["một", "two", "ba"].map(Arc::from).to_vec()
    }

    fn limits() -> Limits {
        Limits::default()
    }

    /// Blocks of `block_bytes` of a part of `declared` bytes, for two readers.
    fn two_readers(block_bytes: usize, declared: usize) -> Blocks {
        Blocks {
            block_bytes,
            threads: 2,
            declared: declared as u64,
        }
    }

    /// `xml` read in blocks of `block_bytes`.
    fn in_blocks(xml: &str, block_bytes: usize) -> Option<SheetScan> {
        read_in_blocks(
            xml.as_bytes(),
            two_readers(block_bytes, xml.len()),
            &strings(),
            &limits(),
            None,
        )
        .expect("no meter, no error")
    }

    #[test]
    fn blocks_read_as_one_scan_reads() {
        let xml = sheet_xml(300, "");
        let whole = super::super::xlsx_scan::read_xml(xml.as_bytes(), &strings()).expect("reads");
        assert_eq!(whole.merges.len(), 2);
        // The undefined index's cells without a value are not kept; the others are.
        assert!(whole.cells.iter().all(|c| c.at.col != 9));
        assert!(whole
            .cells
            .iter()
            .any(|c| c.at.col == 10 && c.formula.is_none()));
        for block_bytes in [64, 700, 5_000, 1 << 20] {
            let blocks = in_blocks(&xml, block_bytes).expect("read in blocks");
            assert_eq!(blocks.cells, whole.cells, "{block_bytes}");
            assert_eq!(blocks.cell_styles, whole.cell_styles, "{block_bytes}");
            assert_eq!(blocks.merges, whole.merges, "{block_bytes}");
        }
        // A child far below the redefinition takes the second template, as one scan does.
        let last = whole
            .cells
            .iter()
            .find(|c| c.at == CellRef::new(299, 8))
            .and_then(|c| c.formula.as_deref());
        assert_eq!(last, Some("E300*2"));
    }

    #[test]
    fn what_a_cut_cannot_be_sure_of_is_left_to_one_scan() {
        // A comment among the rows: a cut could fall inside one.
        let commented = sheet_xml(200, "<!-- <row r=\"9\"> -->");
        assert!(in_blocks(&commented, 500).is_none());
        // A row without its number, where a cut falls.
        let unnumbered = sheet_xml(200, "").replace(r#"<row r="150" "#, "<row ");
        assert!(in_blocks(&unnumbered, 500).is_none());
        // Rows out of order between blocks.
        let disordered = sheet_xml(200, "").replace("180\"", "2\"");
        assert!(in_blocks(&disordered, 500).is_none());
        // Whole, each is read (or left) exactly as one scan does it.
        for xml in [commented, unnumbered, disordered] {
            let whole = super::super::xlsx_scan::read_xml(xml.as_bytes(), &strings());
            let blocks = in_blocks(&xml, 1 << 30);
            assert_eq!(
                blocks.map(|b| b.cells),
                whole.map(|w| w.cells),
                "one block is one scan"
            );
        }
    }

    #[test]
    fn cuts_fall_before_a_whole_numbered_row() {
        let xml = sheet_xml(3, "");
        let body = xml.as_bytes();
        let second = xml.find(r#"<row r="2""#).expect("row 2");
        let third = xml.find(r#"<row r="3""#).expect("row 3");
        // Before the rows start: nothing to cut yet.
        assert_eq!(
            cut(&body[..xml.find("<sheetData>").unwrap()], true),
            Cut::NotYet
        );
        assert_eq!(cut(&body[..third + 40], true), Cut::At(third));
        // The last row's tag not whole yet: the row before it.
        assert_eq!(cut(&body[..third + 5], true), Cut::At(second));
        assert_eq!(
            cut(&body[second..third + 40], false),
            Cut::At(third - second)
        );
        assert_eq!(cut(&body[second..], false), Cut::PastRows);
        assert_eq!(
            cut(b"<row r=\"4\"><c r=\"A4\"/></row><rowBreaks>", false),
            Cut::NotYet
        );
    }

    #[test]
    fn a_measured_part_too_deep_is_refused_as_one_scan_refuses_it() {
        let deep = format!("{}{}", "<x>".repeat(40), "</x>".repeat(40));
        let xml = sheet_xml(200, &format!(r#"<row r="500">{deep}</row>"#));
        // The part read in blocks of 500 bytes through a meter of its own.
        let measured = |limits: &Limits| {
            let mut meter = PartMeter::measuring("xl/worksheets/sheet1.xml", xml.len() as u64);
            let blocks = two_readers(500, xml.len());
            read_in_blocks(xml.as_bytes(), blocks, &strings(), limits, Some(&mut meter))
        };
        let shallow = Limits {
            max_xml_depth: 30,
            ..Limits::default()
        };
        match measured(&shallow) {
            Err(ReadError::LimitExceeded { limit, .. }) => assert_eq!(limit, 30),
            other => panic!("{:?}", other.map(|found| found.map(|f| f.cells.len()))),
        }
        // Within the limit the depth walked by the blocks is the meter's own count.
        let read = measured(&Limits::default());
        assert!(read.expect("within limits").is_some());
    }

    /// A workbook as a spreadsheet program writes it (shared strings, numbers, formulas,
    /// merged ranges), its sheet part inflated from the package and measured: read in
    /// blocks of 16 KB, it gives the one scan's cells, styles and merges.
    #[test]
    fn a_written_workbook_reads_in_blocks_as_in_one_scan() {
        use std::io::Cursor;
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        let bold = rust_xlsxwriter::Format::new().set_bold();
        for row in 0..3_000u32 {
            sheet
                .write_string(row, 0, format!("đơn vị {row}"))
                .expect("writes");
            for col in 1..11u16 {
                let value = f64::from(row) * f64::from(col) / 4.0;
                sheet
                    .write_number_with_format(row, col, value, &bold)
                    .expect("writes");
            }
            let total = format!("=SUM(B{r}:K{r})", r = row + 1);
            sheet
                .write_formula(row, 11, rust_xlsxwriter::Formula::new(total))
                .expect("writes");
        }
        sheet
            .merge_range(3_001, 0, 3_002, 3, "Người lập biểu", &bold)
            .expect("merges");
        let bytes = book.save_to_buffer().expect("saves");
        let mut archive = Archive::new(Cursor::new(&bytes[..])).expect("a zip");
        let strings =
            super::super::xlsx_cells::shared_strings(&mut archive, "xl/sharedStrings.xml")
                .expect("strings");
        let part = "xl/worksheets/sheet1.xml";
        let mut xml = Vec::new();
        archive
            .by_name(part)
            .expect("a sheet")
            .read_to_end(&mut xml)
            .expect("inflates");
        assert!(xml.len() > 500_000, "{}", xml.len());
        let whole = super::super::xlsx_scan::read_xml(&xml, &strings).expect("one scan");
        let file = archive.by_name(part).expect("a sheet");
        let mut meter = PartMeter::of(&file);
        let source = meter.bounded(file);
        let blocks = read_in_blocks(
            source,
            two_readers(16 << 10, xml.len()),
            &strings,
            &limits(),
            Some(&mut meter),
        )
        .expect("within limits")
        .expect("read in blocks");
        assert_eq!(blocks.cells.len(), 3_000 * 12 + 1);
        assert_eq!(blocks.cells, whole.cells);
        assert_eq!(blocks.cell_styles, whole.cell_styles);
        assert_eq!(blocks.merges, whole.merges);
        assert_eq!(blocks.merges.len(), 1);
    }
}
