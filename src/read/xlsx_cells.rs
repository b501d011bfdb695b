//! What the XML of an xlsx cell means, read the way calamine reads it: the value of `<v>`
//! by the cell's type, inline strings, formulas (shared ones expanded with calamine's own
//! function), and the workbook's shared strings. `xlsx_scan` walks the sheet's tags and
//! hands each cell's tags and text here, so a sheet is read in one byte scan instead of
//! calamine's quick-xml pass and the scan's. Whatever this reader is not sure to read
//! exactly as calamine would (an unknown type, an entity in a number, a `_xHHHH_` escape,
//! a carriage return, a comment inside a cell, …) makes it give up (`None`), and the caller
//! reads the sheet through calamine instead: the fast path never changes what is read.

use std::io::{Cursor, Read};
use std::sync::Arc;

use quick_xml::events::Event;
use quick_xml::Reader;

use crate::model::{Cell, CellRef, Value};
use crate::number::Reading;

use crate::ooxml::{resolve, Archive};

use super::raw_book::{decimal_of_f64, iso_date};
use super::tags::attribute;

/// Where calamine looks for the shared strings: beside the workbook part, named
/// `sharedStrings.xml` (it does not follow the workbook's relationship to them).
pub(crate) fn shared_strings_part(workbook_part: &str) -> String {
    resolve(workbook_part, "sharedStrings.xml")
}

/// The cell types (`t`) calamine reads.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// `n` or no type.
    Number,
    SharedString,
    Bool,
    Error,
    /// `str`: a formula's text result.
    FormulaText,
    /// `d`: an ISO 8601 date.
    Date,
    /// `inlineStr` (or `is`): the value is in `<is>`; `<v>` is ignored.
    Inline,
}

/// The text being collected, and what it is for.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Capture {
    Nothing,
    Value,
    Formula,
    /// A `<t>` of an inline string; `preserve` keeps its surrounding whitespace.
    InlineText {
        preserve: bool,
    },
}

/// A cell between its `<c>` and `</c>`.
struct OpenCell {
    at: CellRef,
    style: usize,
    kind: Kind,
    value: Value,
    formula: Option<String>,
    /// The attributes of the `<f>` being read: `t="shared"` with its `si` and `ref` start.
    shared: Option<(usize, Option<(u32, u32)>)>,
    /// Inside `<is>`: the text so far (`None` until a run or a `<t>` starts it).
    inline: Option<Option<String>>,
    /// Inside `<rPh>` (phonetic text, left out).
    phonetic: bool,
    /// A shared formula whose template this reader has not seen, by index (a block of a
    /// sheet read on its own: the template may be in an earlier block).
    deferred: Option<usize>,
}

/// Reads the cells of one sheet from the tags and text `xlsx_scan` hands it.
pub(crate) struct CellReader<'s> {
    strings: &'s [Arc<str>],
    /// Shared formula templates by index: the text and the start of its `ref`.
    pub templates: Vec<Option<(String, (u32, u32))>>,
    /// When reading one block of a sheet: the cells (by place in `cells`) whose shared
    /// formula's template was not in the block before them, with its index. Such a cell
    /// is kept even with no value, for the caller to expand or drop.
    pub deferred: Option<Vec<(usize, usize)>>,
    open: Option<OpenCell>,
    capture: Capture,
    text: Vec<u8>,
    /// Cells read so far, in the sheet's order, as calamine's value-and-formula pass gives
    /// them (the model's cells directly: a copy of a big sheet's cells in another shape
    /// would double its memory while it is read).
    pub cells: Vec<Cell>,
    /// The style id (`s`) of each cell in `cells`, 0 when absent or unreadable.
    pub styles: Vec<u32>,
    /// More cells than this and the reader gives up (calamine's path reports the limit).
    max_cells: u64,
}

impl<'s> CellReader<'s> {
    pub(crate) fn new(strings: &'s [Arc<str>], max_cells: u64) -> Self {
        CellReader {
            strings,
            templates: Vec::new(),
            deferred: None,
            open: None,
            capture: Capture::Nothing,
            text: Vec::new(),
            cells: Vec::new(),
            styles: Vec::new(),
            max_cells,
        }
    }

    /// Whether a `<c>` is open.
    pub(crate) fn in_cell(&self) -> bool {
        self.open.is_some()
    }

    /// A `<c>` start tag, its position already worked out; `t` is its raw type.
    pub(crate) fn start_cell(&mut self, at: CellRef, style: usize, t: Option<&[u8]>) -> Option<()> {
        let kind = match t {
            None | Some(b"n") => Kind::Number,
            Some(b"s") => Kind::SharedString,
            Some(b"b") => Kind::Bool,
            Some(b"e") => Kind::Error,
            Some(b"str") => Kind::FormulaText,
            Some(b"d") => Kind::Date,
            Some(b"inlineStr" | b"is") => Kind::Inline,
            Some(_) => return None,
        };
        self.open = Some(OpenCell {
            at,
            style,
            kind,
            value: Value::Empty,
            formula: None,
            shared: None,
            inline: None,
            phonetic: false,
            deferred: None,
        });
        Some(())
    }

    /// Text between two tags.
    pub(crate) fn text(&mut self, bytes: &[u8]) {
        if self.capture != Capture::Nothing {
            self.text.extend_from_slice(bytes);
        }
    }

    /// A start tag inside the open cell (`inner` is the tag without its `<` and `>`).
    pub(crate) fn start(&mut self, name: &[u8], inner: &[u8], empty: bool) -> Option<()> {
        let cell = self.open.as_mut()?;
        if self.capture != Capture::Nothing {
            // Markup inside `<v>`, `<f>` or `<t>`: not something this reader follows.
            return None;
        }
        if let Some(inline) = cell.inline.as_mut() {
            match name {
                b"r" if inline.is_none() => *inline = Some(String::new()),
                b"rPh" if !empty => cell.phonetic = true,
                b"t" if !cell.phonetic => {
                    let preserve = attribute(inner, b"xml:space") == Some(b"preserve");
                    self.capture = Capture::InlineText { preserve };
                    self.text.clear();
                    if empty {
                        return self.end(b"t");
                    }
                }
                _ => {}
            }
            return Some(());
        }
        match name {
            b"v" => {
                self.capture = Capture::Value;
                self.text.clear();
                if empty {
                    return self.end(b"v");
                }
            }
            b"f" => {
                cell.shared = match attribute(inner, b"t") {
                    Some(b"shared") => {
                        let index = digits(attribute(inner, b"si")?)?;
                        let start = match attribute(inner, b"ref") {
                            Some(range) => Some(position(first_of_range(range))?),
                            None => None,
                        };
                        Some((index, start))
                    }
                    _ => None,
                };
                self.capture = Capture::Formula;
                self.text.clear();
                if empty {
                    return self.end(b"f");
                }
            }
            b"is" => {
                cell.inline = Some(None);
                if empty {
                    return self.end(b"is");
                }
            }
            _ => return None,
        }
        Some(())
    }

    /// An end tag inside the open cell; `</c>` closes it.
    pub(crate) fn end(&mut self, name: &[u8]) -> Option<()> {
        let capture = std::mem::replace(&mut self.capture, Capture::Nothing);
        let cell = self.open.as_mut()?;
        match (capture, name) {
            (Capture::Value, b"v") => {
                cell.value = value_of(cell.kind, &self.text, self.strings)?;
            }
            (Capture::Formula, b"f") => {
                let text = decode(&self.text)?;
                cell.formula = match cell.shared.take() {
                    None => Some(text),
                    Some((index, Some(start))) => {
                        if self.templates.len() <= index {
                            // An index far past any real sheet's is not worth the memory.
                            if index > 1 << 20 {
                                return None;
                            }
                            self.templates.resize(index.saturating_add(1), None);
                        }
                        *self.templates.get_mut(index)? = Some((text.clone(), start));
                        Some(text)
                    }
                    Some((index, None)) => match self.templates.get(index) {
                        Some(Some((template, start))) => Some(
                            calamine::expand_shared_formula(
                                template,
                                *start,
                                (cell.at.row, cell.at.col),
                            )
                            .ok()?,
                        ),
                        _ if self.deferred.is_some() => {
                            cell.deferred = Some(index);
                            None
                        }
                        _ => None,
                    },
                };
            }
            (Capture::InlineText { preserve }, b"t") => {
                append_text(cell.inline.as_mut()?, &self.text, preserve)?;
            }
            (Capture::Nothing, b"rPh") if cell.inline.is_some() => cell.phonetic = false,
            (Capture::Nothing, b"is") => {
                let text = cell.inline.take()?.unwrap_or_default();
                cell.value = Value::Text(text.into());
            }
            (Capture::Nothing, b"c") => return self.close_cell(),
            // The end tags of what an inline string holds besides its text.
            (Capture::Nothing, _) if cell.inline.is_some() => {}
            _ => return None,
        }
        Some(())
    }

    /// `</c>`, or the end of an empty `<c/>`.
    pub(crate) fn close_cell(&mut self) -> Option<()> {
        let cell = self.open.take()?;
        if self.capture != Capture::Nothing || cell.inline.is_some() {
            return None;
        }
        if self.cells.len() as u64 >= self.max_cells {
            return None;
        }
        let formula = cell.formula.filter(|f| !f.is_empty());
        if let (Some(index), Some(deferred)) = (cell.deferred, self.deferred.as_mut()) {
            deferred.push((self.cells.len(), index));
        } else if cell.value == Value::Empty && formula.is_none() {
            return Some(());
        }
        self.cells.push(Cell {
            at: cell.at,
            value: cell.value,
            formula: formula.map(String::into_boxed_str),
            number_format: None,
            reading: Reading::default(),
        });
        // A style id past `u32` names no style a workbook has.
        self.styles
            .push(u32::try_from(cell.style).unwrap_or(u32::MAX));
        Some(())
    }
}

/// The value of a `<v>` by the cell's type, as calamine gives it.
fn value_of(kind: Kind, raw: &[u8], strings: &[Arc<str>]) -> Option<Value> {
    match kind {
        Kind::Inline => return Some(Value::Empty),
        Kind::FormulaText => {
            let text = decode(raw)?;
            return (!has_unicode_escape(&text)).then_some(Value::Text(text.into()));
        }
        Kind::Date => return Some(iso_date(&decode(raw)?)),
        _ => {}
    }
    // calamine reads these from the first piece of text alone: an entity or a line break
    // would split it.
    if raw
        .iter()
        .any(|&b| b == b'&' || b == b'\r' || !b.is_ascii())
    {
        return None;
    }
    if raw.is_empty() {
        return Some(Value::Empty);
    }
    let text = std::str::from_utf8(raw).ok()?;
    match kind {
        Kind::SharedString => strings
            .get(digits(raw)?)
            .map(|s| Value::Text(Arc::clone(s))),
        Kind::Bool => match text.trim() {
            "" => Some(Value::Empty),
            "1" => Some(Value::Bool(true)),
            "0" => Some(Value::Bool(false)),
            t if t.eq_ignore_ascii_case("true") => Some(Value::Bool(true)),
            t if t.eq_ignore_ascii_case("false") => Some(Value::Bool(false)),
            _ => None,
        },
        Kind::Error => matches!(
            text,
            "#DIV/0!" | "#N/A" | "#NAME?" | "#NULL!" | "#NUM!" | "#REF!" | "#VALUE!"
        )
        .then(|| Value::Error(text.into())),
        _ => plain_decimal(raw)
            .then(|| text.parse::<f64>().ok())
            .flatten()
            .filter(|f| f.is_finite())
            .map(decimal_of_f64),
    }
}

/// `-12`, `3.5`, `1.5E-3`: the numbers Excel writes. Anything else (spaces, `inf`, a
/// leading `+` or `.`) is left to calamine.
fn plain_decimal(raw: &[u8]) -> bool {
    let mut rest = raw.strip_prefix(b"-").unwrap_or(raw);
    let whole = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    if whole == 0 {
        return false;
    }
    rest = rest.get(whole..).unwrap_or_default();
    if let Some(fraction) = rest.strip_prefix(b".") {
        let count = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
        if count == 0 {
            return false;
        }
        rest = fraction.get(count..).unwrap_or_default();
    }
    if let Some(exponent) = rest.strip_prefix(b"E").or_else(|| rest.strip_prefix(b"e")) {
        let exponent = exponent
            .strip_prefix(b"-")
            .or_else(|| exponent.strip_prefix(b"+"))
            .unwrap_or(exponent);
        return !exponent.is_empty()
            && exponent.len() <= 4
            && exponent.iter().all(u8::is_ascii_digit);
    }
    rest.is_empty()
}

/// A run of ASCII digits as a number (calamine's style and index parse).
fn digits(raw: &[u8]) -> Option<usize> {
    if raw.is_empty() || raw.len() > 18 || !raw.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(raw).ok()?.parse().ok()
}

/// `A1` as calamine reads a cell position (zero-based row and column); only letters
/// then digits.
pub(crate) fn position(raw: &[u8]) -> Option<(u32, u32)> {
    let (mut col, mut row, mut letters, mut figures) = (0u32, 0u32, 0u8, 0u8);
    for &byte in raw {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' if figures == 0 && letters < 3 => {
                let value = u32::from(byte.to_ascii_uppercase().wrapping_sub(b'A')).wrapping_add(1);
                col = col.wrapping_mul(26).wrapping_add(value);
                letters = letters.wrapping_add(1);
            }
            b'0'..=b'9' if letters > 0 && figures < 7 => {
                row = row
                    .wrapping_mul(10)
                    .wrapping_add(u32::from(byte.wrapping_sub(b'0')));
                figures = figures.wrapping_add(1);
            }
            _ => return None,
        }
    }
    // Three letters and seven figures stay far below u32::MAX: no wrap above happens.
    if figures == 0 {
        return None;
    }
    Some((row.checked_sub(1)?, col.checked_sub(1)?))
}

/// The first cell of `A1:B2` (or the only one of `A1`).
fn first_of_range(range: &[u8]) -> &[u8] {
    match memchr::memchr(b':', range) {
        Some(colon) => range.get(..colon).unwrap_or(range),
        None => range,
    }
}

/// Text content: UTF-8, the five XML entities and character references resolved. A
/// carriage return (which XML turns into a line feed) or an unknown entity gives up.
fn decode(raw: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(raw).ok()?;
    if text.contains('\r') {
        return None;
    }
    if !text.contains('&') {
        return Some(text.to_string());
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(rest.get(..amp)?);
        let after = rest.get(amp.checked_add(1)?..)?;
        let semi = after.find(';')?;
        let entity = after.get(..semi)?;
        match entity {
            "amp" => out.push('&'),
            "lt" => out.push('<'),
            "gt" => out.push('>'),
            "quot" => out.push('"'),
            "apos" => out.push('\''),
            _ => {
                let code = if let Some(hex) = entity.strip_prefix("#x") {
                    u32::from_str_radix(hex, 16).ok()?
                } else {
                    entity.strip_prefix('#')?.parse::<u32>().ok()?
                };
                // quick-xml refuses a reference to NUL; calamine then fails the sheet.
                out.push(char::from_u32(code).filter(|c| *c != '\0')?);
            }
        }
        rest = after.get(semi.checked_add(1)?..)?;
    }
    out.push_str(rest);
    Some(out)
}

/// One `<t>` of a string added to what its runs gave so far, as calamine does: trimmed
/// of ASCII whitespace unless preserved; `None` on text left to calamine.
fn append_text(so_far: &mut Option<String>, raw: &[u8], preserve: bool) -> Option<()> {
    let text = decode(raw)?;
    let text = if preserve {
        text.as_str()
    } else {
        text.trim_matches([' ', '\t', '\r', '\n'])
    };
    if has_unicode_escape(text) {
        return None;
    }
    match so_far {
        Some(so_far) => so_far.push_str(text),
        None => *so_far = Some(text.to_string()),
    }
    Some(())
}

/// Whether `text` holds an `_xHHHH_` escape, which calamine decodes (left to it).
fn has_unicode_escape(text: &str) -> bool {
    text.as_bytes().windows(7).any(|w| {
        matches!(w, [b'_', b'x', a, b, c, d, b'_'] if [a, b, c, d].iter().all(|h| h.is_ascii_hexdigit()))
    })
}

/// The workbook's shared strings as calamine reads them (rich runs joined, phonetic runs
/// left out, whitespace trimmed unless preserved); empty when the package has none, `None`
/// when they cannot be read exactly as calamine would.
pub(crate) fn shared_strings(archive: &mut Archive<'_>, part: &str) -> Option<Vec<Arc<str>>> {
    let name = archive
        .file_names()
        .flatten()
        .find(|name| name.eq_ignore_ascii_case(part))
        .map(|name| name.to_string());
    let Some(name) = name else {
        return Some(Vec::new());
    };
    // calamine finds parts whatever their case; a differently cased twin is left to it.
    if name != part {
        return None;
    }
    let mut xml = Vec::new();
    archive.by_name(&name).ok()?.read_to_end(&mut xml).ok()?;
    let mut reader = Reader::from_reader(Cursor::new(xml.as_slice()));
    let config = reader.config_mut();
    config.check_end_names = false;
    config.trim_text(false);
    config.check_comments = false;
    config.expand_empty_elements = true;
    let mut strings = Vec::new();
    let mut buffer = Vec::new();
    loop {
        buffer.clear();
        match reader.read_event_into(&mut buffer).ok()? {
            Event::Start(e) if e.local_name().as_ref() == "si" => {
                let closing = e.name().as_ref().to_string();
                strings.push(read_string(&mut reader, &closing)?.into());
            }
            Event::Eof => return Some(strings),
            _ => {}
        }
    }
}

/// One `<si>` up to its end tag, as calamine's `read_string_with_bufs`.
fn read_string(reader: &mut Reader<Cursor<&[u8]>>, closing: &str) -> Option<String> {
    let mut rich: Option<String> = None;
    let mut phonetic = false;
    let mut buffer = Vec::new();
    loop {
        buffer.clear();
        match reader.read_event_into(&mut buffer).ok()? {
            Event::Start(e) if e.local_name().as_ref() == "r" && rich.is_none() => {
                rich = Some(String::new());
            }
            Event::Start(e) if e.local_name().as_ref() == "rPh" => phonetic = true,
            Event::End(e) if e.name().as_ref() == closing => {
                return Some(rich.unwrap_or_default());
            }
            Event::End(e) if e.local_name().as_ref() == "rPh" => phonetic = false,
            Event::Start(e) if e.local_name().as_ref() == "t" && !phonetic => {
                let preserve = matches!(e.attributes().flatten().find(|a| a.key.as_ref() == "xml:space"), Some(a) if a.value.as_ref() == "preserve");
                let end = e.name().as_ref().to_string();
                let mut raw = Vec::new();
                let mut inner = Vec::new();
                loop {
                    inner.clear();
                    match reader.read_event_into(&mut inner).ok()? {
                        Event::Text(t) => raw.extend_from_slice(t.as_ref().as_bytes()),
                        Event::GeneralRef(r) => {
                            raw.push(b'&');
                            raw.extend_from_slice(r.as_ref().as_bytes());
                            raw.push(b';');
                        }
                        Event::End(e) if e.name().as_ref() == end => break,
                        Event::Eof => return None,
                        // CDATA, comments or markup inside the text: left to calamine.
                        _ => return None,
                    }
                }
                append_text(&mut rich, &raw, preserve)?;
            }
            Event::Eof => return None,
            _ => {}
        }
    }
}
