//! Measures an xls workbook's sheets before calamine reads them: calamine builds a dense
//! grid over the rectangle a sheet's cells span (and reserves what its DIMENSIONS record
//! claims), so two cells at opposite corners would make it allocate hundreds of gigabytes
//! and abort. This walks the OLE container's `Workbook` stream and its BIFF records with
//! every read bounded, and refuses a sheet whose rectangle is over the cell limit, or whose
//! cells would hold more text than the text limit: calamine copies a shared string into
//! every cell that shows it, so a 1 MB file whose 30,000 cells show one 32,767-character
//! string made it allocate 6 GB.

use std::cell::Cell;

use crate::error::ReadError;
use crate::limits::Limits;

const END_OF_CHAIN: u32 = 0xFFFF_FFFE;
/// Sector ids at and above this are markers, not sectors.
const MAX_SECTOR_ID: u32 = 0xFFFF_FFFA;

/// Checks every sheet of the xls in `bytes` against `limits.max_cells_per_sheet`. A file
/// this walk cannot follow is left to calamine, which reports the damage itself.
///
/// # Errors
/// [`ReadError::LimitExceeded`] when a sheet's cells, or its declared dimensions, span a
/// rectangle larger than the limit, or its cells show more text than
/// `limits.max_text_bytes_per_sheet`.
pub(crate) fn check_xls(bytes: &[u8], limits: &Limits) -> Result<(), ReadError> {
    let looped = Cell::new(false);
    let stream = workbook_stream(bytes, &looped);
    // calamine follows the directory and mini-FAT chains until they end: one that loops
    // back on itself grows without bound (a fuzzed xls asked for 24 GB). It is damage.
    if looped.get() {
        return Err(ReadError::Corrupt(
            "xls: một chuỗi sector lặp vòng / a sector chain loops back on itself".to_string(),
        ));
    }
    let Some(stream) = stream else {
        return Ok(());
    };
    check_records(&stream, &Bounds::of(limits))
}

/// The two measures a sheet is held to.
struct Bounds {
    /// Cells in the rectangle the sheet's cells span.
    cells: u64,
    /// Bytes of text (as UTF-8) the sheet's cells show.
    text: u64,
}

impl Bounds {
    fn of(limits: &Limits) -> Self {
        Bounds {
            cells: limits.max_cells_per_sheet,
            text: limits.max_text_bytes_per_sheet,
        }
    }
}

/// Whether the FAT chain from `start` comes back to a sector it has been through (more
/// hops than the FAT has entries, without reaching the end of the chain or leaving it).
fn chain_loops(fat: &[u32], start: u32) -> bool {
    let mut id = start;
    for _ in 0..=fat.len() {
        match usize::try_from(id).ok().and_then(|i| fat.get(i)) {
            Some(&next) => id = next,
            None => return false,
        }
    }
    true
}

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    let b = bytes.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([*b.first()?, *b.get(1)?]))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([
        *b.first()?,
        *b.get(1)?,
        *b.get(2)?,
        *b.get(3)?,
    ]))
}

/// The size under which calamine reads a stream from the mini stream.
const CALAMINE_MINI_CUTOFF: usize = 4096;

/// The bytes of the `Workbook` (or BIFF5 `Book`) stream, following the container's sector
/// chains with loop and bounds checks; `looped` is set when a chain calamine follows to
/// its end or to a declared length loops (the directory, the mini FAT, the root's mini
/// stream, the workbook stream).
fn workbook_stream(bytes: &[u8], looped: &Cell<bool>) -> Option<Vec<u8>> {
    let sector_shift = u16_at(bytes, 0x1E)?;
    if !(7..=16).contains(&sector_shift) {
        return None;
    }
    let sector_size = 1usize << sector_shift;
    let sector_count = bytes.len() >> sector_shift;
    // calamine reads a sector cut short by the end of the file as what is there (nothing
    // past it): so must this walk, or a truncated FAT or directory hides a loop.
    let sector_as_read = |id: u32| -> &[u8] {
        let start = usize::try_from(id)
            .ok()
            .and_then(|id| id.checked_add(1)?.checked_mul(sector_size));
        let Some(start) = start else { return &[] };
        let end = start.saturating_add(sector_size).min(bytes.len());
        bytes.get(start..end).unwrap_or(&[])
    };

    // The FAT: its sectors are listed in the header's DIFAT, then in the DIFAT chain.
    let mut fat_sectors: Vec<u32> = (0..109)
        .filter_map(|i: usize| u32_at(bytes, i.checked_mul(4)?.checked_add(0x4C)?))
        .filter(|&id| id < MAX_SECTOR_ID)
        .collect();
    let mut difat = u32_at(bytes, 0x44)?;
    let mut hops = 0;
    while difat < MAX_SECTOR_ID && hops <= sector_count {
        let data = sector_as_read(difat);
        let per = (sector_size / 4).checked_sub(1)?;
        fat_sectors.extend(
            (0..per)
                .filter_map(|i| u32_at(data, i.checked_mul(4)?))
                .filter(|&id| id < MAX_SECTOR_ID),
        );
        let Some(next) = u32_at(data, per.checked_mul(4)?) else {
            break;
        };
        difat = next;
        hops = hops.saturating_add(1);
    }
    let mut fat = Vec::new();
    for id in fat_sectors.into_iter().take(sector_count) {
        let data = sector_as_read(id);
        fat.extend((0..sector_size / 4).filter_map(|i| u32_at(data, i.checked_mul(4)?)));
    }
    if chain_loops(&fat, u32_at(bytes, 0x30)?) || chain_loops(&fat, u32_at(bytes, 0x3C)?) {
        looped.set(true);
        return None;
    }
    let chain = |start: u32, limit: usize| -> Option<Vec<u8>> {
        let mut out = Vec::new();
        let mut id = start;
        let mut hops = 0;
        while id != END_OF_CHAIN && out.len() < limit {
            if hops > sector_count {
                return None;
            }
            // As calamine reads it: a sector cut short by the end of the file is what is
            // there (a fuzzed xls whose directory sector was cut short hid from this walk
            // a root stream looping over one sector, which calamine copied up to 4 GB).
            out.extend_from_slice(sector_as_read(id));
            id = *fat.get(usize::try_from(id).ok()?)?;
            hops = hops.saturating_add(1);
        }
        out.truncate(limit);
        Some(out)
    };

    let directory = chain(u32_at(bytes, 0x30)?, usize::MAX)?;
    let entries: Vec<&[u8]> = directory.chunks_exact(128).collect();
    let root = entries.first()?;
    // calamine reads the root's mini stream, and a big stream, until their declared
    // lengths (up to 4 GB): a chain that loops would fill them with one sector over and over.
    if chain_loops(&fat, u32_at(root, 0x74)?) {
        looped.set(true);
        return None;
    }
    // The stream calamine opens: the first entry named `Workbook`, else `Book`, compared
    // as calamine reads names (the 64 name bytes as UTF-16 up to the first NUL, ASCII case
    // ignored; the declared name length and the entry type unread). A fuzzed xls with a
    // damaged name length hid its stream from a stricter look-up, and calamine then built a
    // 17.7 GB grid from the cells this walk never measured.
    let name_of = |entry: &[u8]| -> String {
        let units: Vec<u16> = (0..32)
            .filter_map(|i: usize| u16_at(entry, i.checked_mul(2)?))
            .collect();
        let name = String::from_utf16_lossy(&units);
        name.split('\0').next().unwrap_or_default().to_string()
    };
    let named = |wanted: &str| {
        entries
            .iter()
            .find(|entry| name_of(entry).eq_ignore_ascii_case(wanted))
    };
    let stream = named("Workbook").or_else(|| named("Book"))?;
    let start = u32_at(stream, 0x74)?;
    // calamine reads 4 bytes of size for 512-byte sectors, 8 otherwise.
    let size = if sector_size == 512 {
        usize::try_from(u32_at(stream, 0x78)?).ok()?
    } else {
        let low = u64::from(u32_at(stream, 0x78)?);
        let high = u64::from(u32_at(stream, 0x7C)?);
        usize::try_from(high.checked_shl(32)? | low).ok()?
    };
    // calamine takes a stream under 4096 bytes from the mini stream, whatever the header's
    // cutoff says.
    if size >= CALAMINE_MINI_CUTOFF {
        if chain_loops(&fat, start) {
            looped.set(true);
            return None;
        }
        return chain(start, size);
    }
    // A small stream lives in 64-byte mini sectors inside the root entry's stream.
    let mini_stream = chain(u32_at(root, 0x74)?, usize::MAX)?;
    let mini_fat_bytes = chain(u32_at(bytes, 0x3C)?, usize::MAX)?;
    let mini_fat: Vec<u32> = (0..mini_fat_bytes.len() / 4)
        .filter_map(|i| u32_at(&mini_fat_bytes, i.checked_mul(4)?))
        .collect();
    let mut out = Vec::new();
    let mut id = start;
    let mut hops = 0;
    while id != END_OF_CHAIN && out.len() < size {
        if hops > mini_fat.len() {
            return None;
        }
        let at = usize::try_from(id).ok()?.checked_mul(64)?;
        out.extend_from_slice(mini_stream.get(at..at.checked_add(64)?)?);
        id = *mini_fat.get(usize::try_from(id).ok()?)?;
        hops = hops.saturating_add(1);
    }
    out.truncate(size);
    Some(out)
}

/// The rectangle one sheet's cells span.
#[derive(Default)]
struct Extent {
    rows: Option<(u32, u32)>,
    cols: Option<(u32, u32)>,
}

impl Extent {
    fn add(&mut self, row: u32, first_col: u32, last_col: u32) {
        self.rows = Some(
            self.rows
                .map_or((row, row), |(a, b)| (a.min(row), b.max(row))),
        );
        let (lo, hi) = (first_col.min(last_col), first_col.max(last_col));
        self.cols = Some(self.cols.map_or((lo, hi), |(a, b)| (a.min(lo), b.max(hi))));
    }

    fn area(&self) -> u64 {
        match (self.rows, self.cols) {
            // `add` keeps each pair ordered.
            (Some((r0, r1)), Some((c0, c1))) => {
                (u64::from(r1.abs_diff(r0)) + 1).saturating_mul(u64::from(c1.abs_diff(c0)) + 1)
            }
            _ => 0,
        }
    }
}

fn over(area: u64, limit: u64) -> Result<(), ReadError> {
    if area > limit {
        return Err(ReadError::LimitExceeded {
            what: format!("vùng ô của trang xls / cells an xls sheet spans ({area})"),
            limit,
        });
    }
    Ok(())
}

/// The BIFF records of `stream` in order, as `(kind, data)`, up to the first one cut short.
fn records(stream: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    let mut rest = stream;
    std::iter::from_fn(move || {
        let (kind, len) = (u16_at(rest, 0)?, u16_at(rest, 2)?);
        let (data, after) = rest.get(4..)?.split_at_checked(usize::from(len))?;
        rest = after;
        Some((kind, data))
    })
}

/// The cells a DIMENSIONS record claims (BIFF8: first row, last row + 1 as u32; columns
/// as u16; older BIFF: all u16): calamine reserves room for them.
fn dimensions_area(data: &[u8]) -> Option<u64> {
    let (rf, rl, cf, cl) = if data.len() >= 12 {
        (
            u32_at(data, 0)?,
            u32_at(data, 4)?,
            u16_at(data, 8)?,
            u16_at(data, 10)?,
        )
    } else {
        let row = u32::from(u16_at(data, 0)?);
        (
            row,
            u32::from(u16_at(data, 2)?),
            u16_at(data, 4)?,
            u16_at(data, 6)?,
        )
    };
    let rows = u64::from(rl.abs_diff(rf)) + 1;
    let cols = u64::from(cl.abs_diff(cf)) + 1;
    Some(rows.saturating_mul(cols))
}

/// The row and the first and last columns of the cells a record makes: NUMBER, LABEL,
/// RSTRING, BOOLERR, RK, LABELSST and FORMULA one cell; MULRK a row of cells from the
/// first column to the last (its last 2 bytes). `None` for any other record.
fn cells_of(kind: u16, data: &[u8]) -> Option<(u32, u32, u32)> {
    let (row, col) = (u32::from(u16_at(data, 0)?), u32::from(u16_at(data, 2)?));
    match kind {
        0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD | 0x0006 => Some((row, col, col)),
        0x00BD => {
            let last = u16_at(data, data.len().checked_sub(2)?)?;
            Some((row, col, u32::from(last)))
        }
        _ => None,
    }
}

/// Walks the BIFF records: each sheet (between BOF and EOF) has its cells' rectangle and
/// its DIMENSIONS claim measured, and each sheet a BOUNDSHEET names is measured as
/// calamine reads it ([`check_sheet_at`]).
fn check_records(stream: &[u8], bounds: &Bounds) -> Result<(), ReadError> {
    let limit = bounds.cells;
    let strings = shared_string_sizes(stream);
    let mut extent = Extent::default();
    for (kind, data) in records(stream) {
        match kind {
            // BOF starts a substream, EOF ends one: measure what the sheet held.
            0x0809 | 0x000A => {
                over(extent.area(), limit)?;
                extent = Extent::default();
            }
            0x0200 => over(dimensions_area(data).unwrap_or(0), limit)?,
            // BOUNDSHEET: calamine reads the sheet from the offset it names, which need
            // not fall where this walk's records begin.
            0x0085 => {
                if let Some(offset) = u32_at(data, 0).and_then(|at| usize::try_from(at).ok()) {
                    check_sheet_at(stream.get(offset..).unwrap_or_default(), bounds, &strings)?;
                }
            }
            _ => {
                if let Some((row, first, last)) = cells_of(kind, data) {
                    extent.add(row, first, last);
                }
            }
        }
    }
    over(extent.area(), limit)
}

/// Measures one sheet as calamine reads it: from its BOUNDSHEET offset to the EOF that
/// closes it, skipping nested substreams (charts), with every record that makes a cell —
/// a STRING record gives the cell of the FORMULA before it, or A1 when there is none. A
/// fuzzed xls whose BOUNDSHEET pointed into the middle of other records had calamine
/// build a 17.7 GB grid from cells the linear walk never saw.
///
/// Each LABELSST adds the bytes of the shared string it shows (`strings`, by index).
fn check_sheet_at(sheet: &[u8], bounds: &Bounds, strings: &[u64]) -> Result<(), ReadError> {
    let limit = bounds.cells;
    let mut text = 0u64;
    let mut extent = Extent::default();
    let (mut seen_bof, mut depth) = (false, 0usize);
    let mut formula_at = (0u32, 0u32);
    for (kind, data) in records(sheet) {
        if depth > 0 {
            match kind {
                0x0809 => depth = depth.saturating_add(1),
                0x000A => depth = depth.saturating_sub(1),
                _ => {}
            }
            continue;
        }
        match kind {
            0x0809 if seen_bof => depth = 1,
            0x0809 => seen_bof = true,
            0x000A => break,
            0x0200 => over(dimensions_area(data).unwrap_or(0), limit)?,
            0x0207 => extent.add(formula_at.0, formula_at.1, formula_at.1),
            0x00FD => {
                let shown = u32_at(data, 6)
                    .and_then(|index| strings.get(usize::try_from(index).ok()?))
                    .copied()
                    .unwrap_or(0);
                text = text.saturating_add(shown);
                if text > bounds.text {
                    return Err(ReadError::LimitExceeded {
                        what: "chữ trong các ô của trang xls / text in the cells of an xls sheet"
                            .to_string(),
                        limit: bounds.text,
                    });
                }
                if let Some((row, first, last)) = cells_of(kind, data) {
                    extent.add(row, first, last);
                }
            }
            _ => {
                if let Some((row, first, last)) = cells_of(kind, data) {
                    if kind == 0x0006 {
                        formula_at = (row, first);
                    }
                    extent.add(row, first, last);
                }
            }
        }
        // Every record is measured before calamine could build from it: stop early.
        over(extent.area(), limit)?;
    }
    over(extent.area(), limit)
}

/// The UTF-8 length of each string of the workbook's shared string table (the first SST
/// record of the globals and the CONTINUE records after it), as calamine will decode them;
/// as many as could be measured before the table ends or is cut short.
fn shared_string_sizes(stream: &[u8]) -> Vec<u64> {
    let mut pieces: Vec<&[u8]> = Vec::new();
    for (kind, data) in records(stream) {
        match kind {
            0x00FC if pieces.is_empty() => pieces.push(data),
            0x003C if !pieces.is_empty() => pieces.push(data),
            // The globals end (EOF) or the table's continuation does: stop.
            _ if !pieces.is_empty() => break,
            0x000A => break,
            _ => {}
        }
    }
    let mut sizes = Vec::new();
    let mut table = Pieces {
        pieces,
        piece: 0,
        at: 8,
    };
    while let Some(size) = table.string_size() {
        sizes.push(size);
    }
    sizes
}

/// The SST record's data and its CONTINUE records, read across their boundaries.
struct Pieces<'a> {
    pieces: Vec<&'a [u8]>,
    piece: usize,
    at: usize,
}

impl Pieces<'_> {
    /// What is left of the current piece; the next piece when this one is used up; `None`
    /// at the end of the table.
    fn rest(&mut self) -> Option<&[u8]> {
        loop {
            let piece = *self.pieces.get(self.piece)?;
            match piece.get(self.at..) {
                Some(rest) if !rest.is_empty() => return Some(rest),
                _ => {
                    self.piece = self.piece.saturating_add(1);
                    self.at = 0;
                }
            }
        }
    }

    /// Moves `count` bytes on within the current piece.
    fn advance(&mut self, count: usize) {
        self.at = self.at.saturating_add(count);
    }

    fn byte(&mut self) -> Option<u8> {
        let byte = *self.rest()?.first()?;
        self.advance(1);
        Some(byte)
    }

    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_le_bytes([self.byte()?, self.byte()?]))
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes([
            self.byte()?,
            self.byte()?,
            self.byte()?,
            self.byte()?,
        ]))
    }

    /// Skips `count` bytes, across pieces.
    fn skip(&mut self, mut count: usize) -> Option<()> {
        while count > 0 {
            let step = count.min(self.rest()?.len());
            self.advance(step);
            count = count.saturating_sub(step);
        }
        Some(())
    }

    /// One XLUnicodeRichExtendedString: its UTF-8 length, the reader moved past it. Its
    /// characters may run on into the next CONTINUE, which then starts with a new flags
    /// byte saying whether they are one byte or two.
    fn string_size(&mut self) -> Option<u64> {
        let chars = usize::from(self.u16()?);
        let flags = self.byte()?;
        let runs = if flags & 0x08 != 0 { self.u16()? } else { 0 };
        let extended = if flags & 0x04 != 0 { self.u32()? } else { 0 };
        let mut wide = flags & 0x01 != 0;
        let (mut left, mut size) = (chars, 0u64);
        while left > 0 {
            let at_end = self
                .pieces
                .get(self.piece)
                .is_none_or(|piece| self.at >= piece.len());
            if at_end {
                self.piece = self.piece.saturating_add(1);
                self.at = 0;
                wide = self.byte()? & 0x01 != 0;
                continue;
            }
            let rest = self.rest()?;
            let width = if wide { 2 } else { 1 };
            let here = left.min(rest.len().checked_div(width).unwrap_or(0)).max(1);
            let bytes = rest.get(..here.saturating_mul(width))?;
            let utf8: u64 = if wide {
                bytes
                    .chunks_exact(2)
                    .map(|unit| match unit {
                        [low, high] => match u16::from_le_bytes([*low, *high]) {
                            0..0x80 => 1,
                            0x80..0x800 => 2,
                            _ => 3,
                        },
                        _ => 0,
                    })
                    .sum()
            } else {
                bytes.iter().map(|&b| if b < 0x80 { 1 } else { 2 }).sum()
            };
            size = size.saturating_add(utf8);
            self.advance(here.saturating_mul(width));
            left = left.saturating_sub(here);
        }
        self.skip(usize::from(runs).saturating_mul(4))?;
        self.skip(usize::try_from(extended).ok()?)?;
        Some(size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(kind: u16, data: &[u8]) -> Vec<u8> {
        let mut out = kind.to_le_bytes().to_vec();
        out.extend_from_slice(&u16::try_from(data.len()).unwrap().to_le_bytes());
        out.extend_from_slice(data);
        out
    }

    /// Bounds on the cells alone.
    fn cells(limit: u64) -> Bounds {
        Bounds {
            cells: limit,
            text: u64::MAX,
        }
    }

    fn number(row: u16, col: u16) -> Vec<u8> {
        let mut data = row.to_le_bytes().to_vec();
        data.extend_from_slice(&col.to_le_bytes());
        data.extend_from_slice(&[0; 10]);
        record(0x0203, &data)
    }

    #[test]
    fn a_sheet_is_measured_from_where_its_boundsheet_points() {
        // A sheet hidden inside another record's data: the linear walk steps over it, and
        // calamine reads it from the BOUNDSHEET offset.
        let mut hidden = record(0x0809, &[0; 16]);
        hidden.extend(number(0, 0));
        hidden.extend(number(65_535, 16_383));
        hidden.extend(record(0x000A, &[]));
        let mut stream = record(0x0809, &[0; 16]);
        let boundsheet_at = stream.len();
        stream.extend(record(0x0085, &[0; 8]));
        stream.extend(record(0x000A, &[]));
        let hidden_at = stream.len() + 4;
        stream.extend(record(0x00FF, &hidden));
        stream[boundsheet_at + 4..boundsheet_at + 8]
            .copy_from_slice(&u32::try_from(hidden_at).unwrap().to_le_bytes());
        assert!(matches!(
            check_records(&stream, &cells(20_000_000)),
            Err(ReadError::LimitExceeded { .. })
        ));
        // A STRING record after no FORMULA is a cell at A1 for calamine.
        let mut sheet = record(0x0809, &[0; 16]);
        sheet.extend(number(65_535, 16_383));
        sheet.extend(record(0x0207, &[0; 4]));
        assert!(check_sheet_at(&sheet, &cells(20_000_000), &[]).is_err());
        assert!(check_sheet_at(&sheet, &cells(u64::MAX), &[]).is_ok());
    }

    fn label_sst(row: u16, index: u32) -> Vec<u8> {
        let mut data = row.to_le_bytes().to_vec();
        data.extend_from_slice(&[0, 0, 0, 0]);
        data.extend_from_slice(&index.to_le_bytes());
        record(0x00FD, &data)
    }

    #[test]
    fn the_text_a_sheet_shows_counts_a_shared_string_for_every_cell() {
        // Two strings: "abcde", and "ab" + "éx" whose characters run on into a CONTINUE
        // that starts with a flags byte saying they are two bytes each (UTF-8: 5 bytes).
        let mut sst = [2u32.to_le_bytes(), 2u32.to_le_bytes()].concat();
        sst.extend_from_slice(&[5, 0, 0]);
        sst.extend_from_slice(b"abcde");
        sst.extend_from_slice(&[4, 0, 0]);
        sst.extend_from_slice(b"ab");
        let mut stream = record(0x0809, &[0; 16]);
        stream.extend(record(0x00FC, &sst));
        stream.extend(record(0x003C, &[1, 0xE9, 0, b'x', 0]));
        assert_eq!(shared_string_sizes(&stream), vec![5, 5]);
        let boundsheet_at = stream.len();
        stream.extend(record(0x0085, &[0; 8]));
        stream.extend(record(0x000A, &[]));
        let sheet_at = stream.len();
        stream.extend(record(0x0809, &[0; 16]));
        stream.extend(label_sst(0, 1));
        stream.extend(label_sst(1, 1));
        stream.extend(record(0x000A, &[]));
        stream[boundsheet_at + 4..boundsheet_at + 8]
            .copy_from_slice(&u32::try_from(sheet_at).unwrap().to_le_bytes());
        let bounds = |text| Bounds {
            cells: u64::MAX,
            text,
        };
        assert!(check_records(&stream, &bounds(10)).is_ok());
        assert!(matches!(
            check_records(&stream, &bounds(9)),
            Err(ReadError::LimitExceeded { .. })
        ));
    }

    #[test]
    fn cells_at_opposite_corners_are_over_the_limit() {
        let mut stream = record(0x0809, &[0; 16]);
        stream.extend(number(0, 0));
        stream.extend(number(65_535, 255));
        assert!(
            check_records(&stream, &cells(20_000_000)).is_ok(),
            "65,536 × 256 fits"
        );
        stream.extend(number(65_535, 16_383));
        assert!(matches!(
            check_records(&stream, &cells(20_000_000)),
            Err(ReadError::LimitExceeded { .. })
        ));
    }

    #[test]
    fn a_dimensions_claim_is_measured() {
        let mut data = 0u32.to_le_bytes().to_vec();
        data.extend_from_slice(&4_000_000_000u32.to_le_bytes());
        data.extend_from_slice(&[0, 0, 0xFF, 0, 0, 0]);
        let stream = record(0x0200, &data);
        assert!(check_records(&stream, &cells(20_000_000)).is_err());
    }

    #[test]
    fn a_directory_chain_that_loops_is_found() {
        // Sector 0 → 2 → 1 → 2: the chain never ends.
        assert!(chain_loops(&[2, 2, 1], 0));
        assert!(!chain_loops(&[1, END_OF_CHAIN], 0));
        assert!(!chain_loops(&[], 0));
    }

    #[test]
    fn the_sample_xls_passes() {
        let bytes = std::fs::read("tests/fixtures/tthc-06-q3-2022.xls").unwrap();
        let stream =
            workbook_stream(&bytes, &Cell::new(false)).expect("the Workbook stream is found");
        assert!(stream.len() > 1000);
        assert!(check_xls(&bytes, &Limits::default()).is_ok());
        let tiny = Limits {
            max_cells_per_sheet: 10,
            ..Limits::default()
        };
        assert!(check_xls(&bytes, &tiny).is_err());
    }
}
