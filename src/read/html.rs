//! Reads the HTML tables that Vietnamese one-stop systems export under an `.xls` name.
//!
//! Such a file is an HTML document holding one or more `<table>`s with `rowspan`/`colspan`
//! headers and every number forced to text in Vietnamese grouping (`203.566`, `98,6`). This
//! module decodes the bytes (BOM, `<meta charset>`, UTF-8 by default), lays each top-level
//! table out on a grid with the HTML table model (merges from the spans), and returns one
//! [`Sheet`] per table with every cell as text; the reader's post-pass reads the numbers with
//! the workbook's convention.

use std::borrow::Cow;
use std::collections::HashSet;
use std::str::FromStr;

use encoding_rs::Encoding;
use rust_decimal::Decimal;

use super::html_tables::{self, Table, TableCell};
use crate::error::ReadError;
use crate::model::{Cell, CellRange, CellRef, Sheet, Value};

/// Documents larger than this are refused before parsing.
const MAX_DOCUMENT_BYTES: usize = 256 * 1024 * 1024;
/// Non-empty cells allowed in the whole document.
const MAX_CELLS: usize = 5_000_000;
/// The HTML standard clamps `colspan` to 1000.
const MAX_COLSPAN: u32 = 1000;
/// The HTML standard clamps `rowspan` to 65534.
const MAX_ROWSPAN: u32 = 65_534;
/// Excel's grid: rows beyond it could not be checked or written back.
const MAX_ROWS: u32 = 1_048_576;
/// Excel's grid: columns beyond it could not be checked or written back.
const MAX_COLUMNS: u32 = 16_384;
/// How far into the file the sniffing and the charset prescan look.
const SNIFF_BYTES: usize = 4096;

/// Whether the bytes look like an HTML document (or a bare HTML table).
///
/// After an optional BOM (UTF-8 or UTF-16), white space and comments, the document must start
/// with `<!DOCTYPE html`, `<html`, `<head`, `<body`, `<meta` or `<table`, or with an `<?xml`
/// prolog followed by `<html` or `<!DOCTYPE html` (case-insensitive), within the first 4 KiB.
pub(crate) fn looks_like_html(bytes: &[u8]) -> bool {
    let head = ascii_head(bytes);
    let mut rest: &[u8] = &head;
    let mut after_prolog = false;
    loop {
        rest = rest.trim_ascii_start();
        if starts_with_ignore_case(rest, b"<?xml") {
            match skip_past(rest, b"?>") {
                Some(after) => {
                    rest = after;
                    after_prolog = true;
                }
                None => return false,
            }
        } else if starts_with_ignore_case(rest, b"<!--") {
            match skip_past(rest, b"-->") {
                Some(after) => rest = after,
                None => return false,
            }
        } else {
            break;
        }
    }
    if starts_with_ignore_case(rest, b"<!doctype") {
        let after = rest.get(b"<!doctype".len()..).unwrap_or_default();
        return starts_with_tag(after.trim_ascii_start(), b"html");
    }
    let openers: &[&[u8]] = if after_prolog {
        &[b"<html"]
    } else {
        &[b"<html", b"<head", b"<body", b"<meta", b"<table"]
    };
    openers.iter().any(|opener| starts_with_tag(rest, opener))
}

/// The first [`SNIFF_BYTES`] of the document as ASCII bytes, BOM removed; UTF-16 is narrowed
/// (non-ASCII characters become `?`).
fn ascii_head(bytes: &[u8]) -> Cow<'_, [u8]> {
    match Encoding::for_bom(bytes) {
        Some((encoding, bom_length)) => {
            let body = bytes.get(bom_length..).unwrap_or_default();
            let head = body.get(..SNIFF_BYTES).unwrap_or(body);
            if encoding == encoding_rs::UTF_8 {
                Cow::Borrowed(head)
            } else {
                let (text, _) = encoding.decode_without_bom_handling(head);
                Cow::Owned(
                    text.chars()
                        .map(|c| if c.is_ascii() { c as u8 } else { b'?' })
                        .collect(),
                )
            }
        }
        None => Cow::Borrowed(bytes.get(..SNIFF_BYTES).unwrap_or(bytes)),
    }
}

fn starts_with_ignore_case(haystack: &[u8], prefix: &[u8]) -> bool {
    haystack
        .get(..prefix.len())
        .is_some_and(|start| start.eq_ignore_ascii_case(prefix))
}

/// `prefix` followed by the end of a tag name (so `<head` does not match `<header`).
fn starts_with_tag(haystack: &[u8], prefix: &[u8]) -> bool {
    starts_with_ignore_case(haystack, prefix)
        && haystack
            .get(prefix.len())
            .is_none_or(|&next| next.is_ascii_whitespace() || next == b'>' || next == b'/')
}

/// The bytes after the first `needle`, if there is one.
fn skip_past<'a>(haystack: &'a [u8], needle: &[u8]) -> Option<&'a [u8]> {
    let at = haystack
        .windows(needle.len())
        .position(|window| window == needle)?;
    haystack.get(at.checked_add(needle.len())?..)
}

/// Reads every top-level `<table>` of an HTML document as a sheet.
///
/// Sheet names come from the `<x:Name>` list Excel-style exports put in a conditional
/// comment, else `Bảng 1`, `Bảng 2`, …, made unique. Cells are laid out with the HTML table
/// model; `rowspan`/`colspan` become merged ranges with the text in the top-left cell. Every
/// cell is text (whitespace collapsed, `<br>` a newline), except cells carrying Excel's
/// `x:num` attribute, which hold that number.
///
/// # Errors
/// [`ReadError::NoTable`] when the document holds no table; [`ReadError::LimitExceeded`]
/// for a document over 256 MiB, more than 5,000,000 non-empty cells, or a table beyond
/// Excel's grid (1,048,576 rows, 16,384 columns).
pub(crate) fn read_html(bytes: &[u8]) -> Result<Vec<Sheet>, ReadError> {
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(ReadError::LimitExceeded {
            what: "kích thước tài liệu HTML (byte) / HTML document size (bytes)".to_string(),
            limit: MAX_DOCUMENT_BYTES as u64,
        });
    }
    let text = decode(bytes);
    let document = html_tables::tables(&text);
    let tables = document.tables;
    if tables.is_empty() {
        return Err(ReadError::NoTable);
    }
    let declared_names = declared_sheet_names(&document.sheet_comments);
    let mut taken_names = HashSet::new();
    let mut cells_left = MAX_CELLS;
    let mut sheets = Vec::with_capacity(tables.len());
    for (index, table) in tables.iter().enumerate() {
        let fallback = format!("Bảng {}", index.saturating_add(1));
        let wanted = declared_names
            .get(index)
            .filter(|name| !name.is_empty())
            .map_or(fallback.as_str(), String::as_str);
        let name = unique_name(wanted, &mut taken_names);
        let (cells, merges) = lay_out_table(table, &name, &mut cells_left)?;
        sheets.push(Sheet {
            name,
            hidden: false,
            cells,
            merges,
            // HTML exports carry no notes.
            notes: Vec::new(),
        });
    }
    Ok(sheets)
}

/// Decodes the document: BOM first, then a declared charset, else UTF-8 (lossy); then
/// composes Vietnamese letters written as base letter plus combining marks.
fn decode(bytes: &[u8]) -> String {
    let (encoding, body) = match Encoding::for_bom(bytes) {
        Some((encoding, bom_length)) => (encoding, bytes.get(bom_length..).unwrap_or_default()),
        None => (
            declared_encoding(bytes).unwrap_or(encoding_rs::UTF_8),
            bytes,
        ),
    };
    let (text, _had_errors) = encoding.decode_without_bom_handling(body);
    compose_vietnamese(&text)
}

/// The charset a `<meta>` tag (or an `<?xml … encoding=…?>` prolog) declares in the first
/// 4 KiB. As in browsers, a declared UTF-16 means UTF-8 (the bytes had no UTF-16 BOM) and
/// `x-user-defined` means windows-1252.
fn declared_encoding(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = bytes
        .get(..SNIFF_BYTES)
        .unwrap_or(bytes)
        .to_ascii_lowercase();
    let mut rest: &[u8] = &head;
    let mut found = None;
    while let Some(after_meta) = skip_past(rest, b"<meta") {
        let tag_end = after_meta
            .iter()
            .position(|&b| b == b'>')
            .unwrap_or(after_meta.len());
        let tag = after_meta.get(..tag_end).unwrap_or_default();
        if let Some(encoding) = label_after(tag, b"charset").and_then(Encoding::for_label) {
            found = Some(encoding);
            break;
        }
        rest = after_meta;
    }
    if found.is_none() && head.trim_ascii_start().starts_with(b"<?xml") {
        let prolog_end = skip_past(&head, b"?>")
            .map_or(head.len(), |after| head.len().saturating_sub(after.len()));
        let prolog = head.get(..prolog_end).unwrap_or_default();
        found = label_after(prolog, b"encoding").and_then(Encoding::for_label);
    }
    found.map(|encoding| {
        if encoding == encoding_rs::UTF_16LE || encoding == encoding_rs::UTF_16BE {
            encoding_rs::UTF_8
        } else if encoding == encoding_rs::X_USER_DEFINED {
            encoding_rs::WINDOWS_1252
        } else {
            encoding
        }
    })
}

/// The value after `key` `=` (optionally quoted) inside a tag's text, e.g. `utf-8` in
/// `content="text/html; charset=utf-8"`.
fn label_after<'a>(tag: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    let after_key = skip_past(tag, key)?.trim_ascii_start();
    let after_equals = after_key.strip_prefix(b"=")?.trim_ascii_start();
    let value = after_equals
        .strip_prefix(b"\"")
        .or_else(|| after_equals.strip_prefix(b"'"))
        .unwrap_or(after_equals);
    let end = value
        .iter()
        .position(|&b| matches!(b, b'"' | b'\'' | b';' | b'>' | b'/') || b.is_ascii_whitespace())
        .unwrap_or(value.len());
    value.get(..end).filter(|label| !label.is_empty())
}

/// Vietnamese letters as (letter, combining mark, precomposed), sorted by (letter, mark):
/// every NFC composition of a Latin letter (plain or already marked) with one of the eight
/// marks Vietnamese uses, so `Ô` + dot below → `Ộ` as well as `Ọ` + circumflex → `Ộ`.
/// windows-1258 writes tones as combining marks, and "Unicode tổ hợp" text does the same;
/// composing them makes `TỔNG CỘNG` match whichever way it was typed.
const VIETNAMESE_COMPOSITIONS: &[(char, char, char)] = &[
    ('A', '\u{0300}', 'À'),
    ('A', '\u{0301}', 'Á'),
    ('A', '\u{0302}', 'Â'),
    ('A', '\u{0303}', 'Ã'),
    ('A', '\u{0306}', 'Ă'),
    ('A', '\u{0309}', 'Ả'),
    ('A', '\u{0323}', 'Ạ'),
    ('C', '\u{0301}', 'Ć'),
    ('C', '\u{0302}', 'Ĉ'),
    ('E', '\u{0300}', 'È'),
    ('E', '\u{0301}', 'É'),
    ('E', '\u{0302}', 'Ê'),
    ('E', '\u{0303}', 'Ẽ'),
    ('E', '\u{0306}', 'Ĕ'),
    ('E', '\u{0309}', 'Ẻ'),
    ('E', '\u{0323}', 'Ẹ'),
    ('G', '\u{0302}', 'Ĝ'),
    ('G', '\u{0306}', 'Ğ'),
    ('H', '\u{0302}', 'Ĥ'),
    ('I', '\u{0300}', 'Ì'),
    ('I', '\u{0301}', 'Í'),
    ('I', '\u{0302}', 'Î'),
    ('I', '\u{0303}', 'Ĩ'),
    ('I', '\u{0306}', 'Ĭ'),
    ('I', '\u{0309}', 'Ỉ'),
    ('I', '\u{0323}', 'Ị'),
    ('J', '\u{0302}', 'Ĵ'),
    ('L', '\u{0301}', 'Ĺ'),
    ('N', '\u{0301}', 'Ń'),
    ('N', '\u{0303}', 'Ñ'),
    ('O', '\u{0300}', 'Ò'),
    ('O', '\u{0301}', 'Ó'),
    ('O', '\u{0302}', 'Ô'),
    ('O', '\u{0303}', 'Õ'),
    ('O', '\u{0306}', 'Ŏ'),
    ('O', '\u{0309}', 'Ỏ'),
    ('O', '\u{031b}', 'Ơ'),
    ('O', '\u{0323}', 'Ọ'),
    ('R', '\u{0301}', 'Ŕ'),
    ('S', '\u{0301}', 'Ś'),
    ('S', '\u{0302}', 'Ŝ'),
    ('U', '\u{0300}', 'Ù'),
    ('U', '\u{0301}', 'Ú'),
    ('U', '\u{0302}', 'Û'),
    ('U', '\u{0303}', 'Ũ'),
    ('U', '\u{0306}', 'Ŭ'),
    ('U', '\u{0309}', 'Ủ'),
    ('U', '\u{031b}', 'Ư'),
    ('U', '\u{0323}', 'Ụ'),
    ('W', '\u{0302}', 'Ŵ'),
    ('Y', '\u{0300}', 'Ỳ'),
    ('Y', '\u{0301}', 'Ý'),
    ('Y', '\u{0302}', 'Ŷ'),
    ('Y', '\u{0303}', 'Ỹ'),
    ('Y', '\u{0309}', 'Ỷ'),
    ('Y', '\u{0323}', 'Ỵ'),
    ('Z', '\u{0301}', 'Ź'),
    ('a', '\u{0300}', 'à'),
    ('a', '\u{0301}', 'á'),
    ('a', '\u{0302}', 'â'),
    ('a', '\u{0303}', 'ã'),
    ('a', '\u{0306}', 'ă'),
    ('a', '\u{0309}', 'ả'),
    ('a', '\u{0323}', 'ạ'),
    ('c', '\u{0301}', 'ć'),
    ('c', '\u{0302}', 'ĉ'),
    ('e', '\u{0300}', 'è'),
    ('e', '\u{0301}', 'é'),
    ('e', '\u{0302}', 'ê'),
    ('e', '\u{0303}', 'ẽ'),
    ('e', '\u{0306}', 'ĕ'),
    ('e', '\u{0309}', 'ẻ'),
    ('e', '\u{0323}', 'ẹ'),
    ('g', '\u{0302}', 'ĝ'),
    ('g', '\u{0306}', 'ğ'),
    ('h', '\u{0302}', 'ĥ'),
    ('i', '\u{0300}', 'ì'),
    ('i', '\u{0301}', 'í'),
    ('i', '\u{0302}', 'î'),
    ('i', '\u{0303}', 'ĩ'),
    ('i', '\u{0306}', 'ĭ'),
    ('i', '\u{0309}', 'ỉ'),
    ('i', '\u{0323}', 'ị'),
    ('j', '\u{0302}', 'ĵ'),
    ('l', '\u{0301}', 'ĺ'),
    ('n', '\u{0301}', 'ń'),
    ('n', '\u{0303}', 'ñ'),
    ('o', '\u{0300}', 'ò'),
    ('o', '\u{0301}', 'ó'),
    ('o', '\u{0302}', 'ô'),
    ('o', '\u{0303}', 'õ'),
    ('o', '\u{0306}', 'ŏ'),
    ('o', '\u{0309}', 'ỏ'),
    ('o', '\u{031b}', 'ơ'),
    ('o', '\u{0323}', 'ọ'),
    ('r', '\u{0301}', 'ŕ'),
    ('s', '\u{0301}', 'ś'),
    ('s', '\u{0302}', 'ŝ'),
    ('u', '\u{0300}', 'ù'),
    ('u', '\u{0301}', 'ú'),
    ('u', '\u{0302}', 'û'),
    ('u', '\u{0303}', 'ũ'),
    ('u', '\u{0306}', 'ŭ'),
    ('u', '\u{0309}', 'ủ'),
    ('u', '\u{031b}', 'ư'),
    ('u', '\u{0323}', 'ụ'),
    ('w', '\u{0302}', 'ŵ'),
    ('y', '\u{0300}', 'ỳ'),
    ('y', '\u{0301}', 'ý'),
    ('y', '\u{0302}', 'ŷ'),
    ('y', '\u{0303}', 'ỹ'),
    ('y', '\u{0309}', 'ỷ'),
    ('y', '\u{0323}', 'ỵ'),
    ('z', '\u{0301}', 'ź'),
    ('Â', '\u{0300}', 'Ầ'),
    ('Â', '\u{0301}', 'Ấ'),
    ('Â', '\u{0303}', 'Ẫ'),
    ('Â', '\u{0309}', 'Ẩ'),
    ('Â', '\u{0323}', 'Ậ'),
    ('Ê', '\u{0300}', 'Ề'),
    ('Ê', '\u{0301}', 'Ế'),
    ('Ê', '\u{0303}', 'Ễ'),
    ('Ê', '\u{0309}', 'Ể'),
    ('Ê', '\u{0323}', 'Ệ'),
    ('Ò', '\u{031b}', 'Ờ'),
    ('Ó', '\u{031b}', 'Ớ'),
    ('Ô', '\u{0300}', 'Ồ'),
    ('Ô', '\u{0301}', 'Ố'),
    ('Ô', '\u{0303}', 'Ỗ'),
    ('Ô', '\u{0309}', 'Ổ'),
    ('Ô', '\u{0323}', 'Ộ'),
    ('Õ', '\u{031b}', 'Ỡ'),
    ('Ù', '\u{031b}', 'Ừ'),
    ('Ú', '\u{031b}', 'Ứ'),
    ('â', '\u{0300}', 'ầ'),
    ('â', '\u{0301}', 'ấ'),
    ('â', '\u{0303}', 'ẫ'),
    ('â', '\u{0309}', 'ẩ'),
    ('â', '\u{0323}', 'ậ'),
    ('ê', '\u{0300}', 'ề'),
    ('ê', '\u{0301}', 'ế'),
    ('ê', '\u{0303}', 'ễ'),
    ('ê', '\u{0309}', 'ể'),
    ('ê', '\u{0323}', 'ệ'),
    ('ò', '\u{031b}', 'ờ'),
    ('ó', '\u{031b}', 'ớ'),
    ('ô', '\u{0300}', 'ồ'),
    ('ô', '\u{0301}', 'ố'),
    ('ô', '\u{0303}', 'ỗ'),
    ('ô', '\u{0309}', 'ổ'),
    ('ô', '\u{0323}', 'ộ'),
    ('õ', '\u{031b}', 'ỡ'),
    ('ù', '\u{031b}', 'ừ'),
    ('ú', '\u{031b}', 'ứ'),
    ('Ă', '\u{0300}', 'Ằ'),
    ('Ă', '\u{0301}', 'Ắ'),
    ('Ă', '\u{0303}', 'Ẵ'),
    ('Ă', '\u{0309}', 'Ẳ'),
    ('Ă', '\u{0323}', 'Ặ'),
    ('ă', '\u{0300}', 'ằ'),
    ('ă', '\u{0301}', 'ắ'),
    ('ă', '\u{0303}', 'ẵ'),
    ('ă', '\u{0309}', 'ẳ'),
    ('ă', '\u{0323}', 'ặ'),
    ('Ũ', '\u{031b}', 'Ữ'),
    ('ũ', '\u{031b}', 'ữ'),
    ('Ơ', '\u{0300}', 'Ờ'),
    ('Ơ', '\u{0301}', 'Ớ'),
    ('Ơ', '\u{0303}', 'Ỡ'),
    ('Ơ', '\u{0309}', 'Ở'),
    ('Ơ', '\u{0323}', 'Ợ'),
    ('ơ', '\u{0300}', 'ờ'),
    ('ơ', '\u{0301}', 'ớ'),
    ('ơ', '\u{0303}', 'ỡ'),
    ('ơ', '\u{0309}', 'ở'),
    ('ơ', '\u{0323}', 'ợ'),
    ('Ư', '\u{0300}', 'Ừ'),
    ('Ư', '\u{0301}', 'Ứ'),
    ('Ư', '\u{0303}', 'Ữ'),
    ('Ư', '\u{0309}', 'Ử'),
    ('Ư', '\u{0323}', 'Ự'),
    ('ư', '\u{0300}', 'ừ'),
    ('ư', '\u{0301}', 'ứ'),
    ('ư', '\u{0303}', 'ữ'),
    ('ư', '\u{0309}', 'ử'),
    ('ư', '\u{0323}', 'ự'),
    ('Ạ', '\u{0302}', 'Ậ'),
    ('Ạ', '\u{0306}', 'Ặ'),
    ('ạ', '\u{0302}', 'ậ'),
    ('ạ', '\u{0306}', 'ặ'),
    ('Ẹ', '\u{0302}', 'Ệ'),
    ('ẹ', '\u{0302}', 'ệ'),
    ('Ọ', '\u{0302}', 'Ộ'),
    ('Ọ', '\u{031b}', 'Ợ'),
    ('ọ', '\u{0302}', 'ộ'),
    ('ọ', '\u{031b}', 'ợ'),
    ('Ỏ', '\u{031b}', 'Ở'),
    ('ỏ', '\u{031b}', 'ở'),
    ('Ụ', '\u{031b}', 'Ự'),
    ('ụ', '\u{031b}', 'ự'),
    ('Ủ', '\u{031b}', 'Ử'),
    ('ủ', '\u{031b}', 'ử'),
];

/// Composes base letters with the combining marks Vietnamese uses (a partial NFC enough for
/// Vietnamese: `e` + dot below + circumflex → `ệ`). Text without such marks is returned as is.
fn compose_vietnamese(text: &str) -> String {
    let is_mark = |c: char| {
        matches!(
            c,
            '\u{300}'..='\u{303}' | '\u{306}' | '\u{309}' | '\u{31b}' | '\u{323}'
        )
    };
    if !text.chars().any(is_mark) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut pending: Option<char> = None;
    for c in text.chars() {
        if let Some(base) = pending {
            if is_mark(c) {
                let composed = VIETNAMESE_COMPOSITIONS
                    .binary_search_by(|&(b, m, _)| (b, m).cmp(&(base, c)))
                    .ok()
                    .and_then(|i| VIETNAMESE_COMPOSITIONS.get(i))
                    .map(|&(_, _, composed)| composed);
                if let Some(composed) = composed {
                    pending = Some(composed);
                    continue;
                }
            }
            out.push(base);
        }
        pending = Some(c);
    }
    if let Some(base) = pending {
        out.push(base);
    }
    out
}

/// The sheet names listed as `<x:Name>…</x:Name>` in the document's comments (Excel's
/// `<!--[if gte mso 9]><xml>…` block), in order.
fn declared_sheet_names(comments: &[String]) -> Vec<String> {
    let mut names = Vec::new();
    for text in comments {
        let lower = text.to_ascii_lowercase();
        let mut from = 0;
        while let Some(open) = lower.get(from..).and_then(|rest| rest.find("<x:name>")) {
            let start = from.saturating_add(open).saturating_add("<x:name>".len());
            let Some(close) = lower.get(start..).and_then(|rest| rest.find("</x:name>")) else {
                break;
            };
            let end = start.saturating_add(close);
            let raw = text.get(start..end).unwrap_or_default();
            names.push(decode_basic_entities(raw.trim()));
            from = end.saturating_add("</x:name>".len());
        }
    }
    names
}

/// Decodes the five XML entities (comment text is not entity-decoded by the parser).
fn decode_basic_entities(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// `wanted`, or `wanted (2)`, `wanted (3)`, … if a sheet already has that name (ignoring case).
fn unique_name(wanted: &str, taken: &mut HashSet<String>) -> String {
    let mut candidate = wanted.to_string();
    let mut counter: u64 = 1;
    while taken.contains(&candidate.to_lowercase()) {
        counter = counter.saturating_add(1);
        candidate = format!("{wanted} ({counter})");
    }
    taken.insert(candidate.to_lowercase());
    candidate
}

/// A span attribute read with the HTML rules for non-negative integers (leading white space,
/// optional `+`, digits, anything after ignored); `None` when absent or unreadable.
fn parse_span(attribute: Option<&str>) -> Option<u32> {
    let text = attribute?.trim_start_matches(|c: char| c.is_ascii_whitespace());
    let text = text.strip_prefix('+').unwrap_or(text);
    let digits_end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let digits = text.get(..digits_end).filter(|digits| !digits.is_empty())?;
    // Saturate: any huge span is clamped by the caller anyway.
    Some(digits.bytes().fold(0u32, |value, digit| {
        value
            .saturating_mul(10)
            .saturating_add(u32::from(digit.saturating_sub(b'0')))
    }))
}

fn limit_error(what: String, limit: u64) -> ReadError {
    ReadError::LimitExceeded { what, limit }
}

/// Lays a table out on a grid with the HTML table model and returns its non-empty cells
/// (sorted) and its merged ranges.
///
/// Each cell takes the next column not covered by an earlier cell's span. A `colspan` that
/// would run into such a covered column is cut short there, so merged ranges never overlap
/// (Excel cannot hold overlapping merges).
fn lay_out_table(
    table: &Table,
    sheet_name: &str,
    cells_left: &mut usize,
) -> Result<(Vec<Cell>, Vec<CellRange>), ReadError> {
    let mut cells = Vec::new();
    let mut merges = Vec::new();
    // For each column, the first row at which no earlier cell covers it.
    let mut covered_until: Vec<u32> = Vec::new();
    let mut row: u32 = 0;
    for group in &table.groups {
        let group_rows = u32::try_from(group.len()).unwrap_or(u32::MAX);
        let group_end = row.saturating_add(group_rows);
        for table_row in group {
            if row >= MAX_ROWS {
                return Err(limit_error(
                    format!("số dòng của bảng {sheet_name} / rows in table {sheet_name}"),
                    u64::from(MAX_ROWS),
                ));
            }
            let is_covered = |covered_until: &[u32], col: u32| {
                covered_until
                    .get(col as usize)
                    .is_some_and(|&end| end > row)
            };
            let mut col: u32 = 0;
            for table_cell in table_row {
                while is_covered(&covered_until, col) {
                    col = col.saturating_add(1);
                }
                let rows_left_in_group = group_end.saturating_sub(row).max(1);
                let rowspan = match parse_span(table_cell.rowspan.as_deref()) {
                    None => 1,
                    Some(0) => rows_left_in_group,
                    Some(span) => span.min(MAX_ROWSPAN).min(rows_left_in_group),
                };
                let wanted_colspan = parse_span(table_cell.colspan.as_deref())
                    .unwrap_or(1)
                    .clamp(1, MAX_COLSPAN);
                let mut colspan: u32 = 1;
                while colspan < wanted_colspan
                    && !is_covered(&covered_until, col.saturating_add(colspan))
                {
                    colspan = colspan.saturating_add(1);
                }
                let last_col = col.saturating_add(colspan.saturating_sub(1));
                if last_col >= MAX_COLUMNS {
                    return Err(limit_error(
                        format!("số cột của bảng {sheet_name} / columns in table {sheet_name}"),
                        u64::from(MAX_COLUMNS),
                    ));
                }
                let last_row = row.saturating_add(rowspan.saturating_sub(1));
                let needed = (last_col as usize).saturating_add(1);
                if covered_until.len() < needed {
                    covered_until.resize(needed, 0);
                }
                let free_from = row.saturating_add(rowspan);
                for end in covered_until
                    .iter_mut()
                    .skip(col as usize)
                    .take(colspan as usize)
                {
                    *end = free_from;
                }
                let first = CellRef::new(row, col);
                if rowspan > 1 || colspan > 1 {
                    merges.push(CellRange {
                        first,
                        last: CellRef::new(last_row, last_col),
                    });
                }
                if let Some(value) = cell_value(table_cell) {
                    *cells_left = cells_left.checked_sub(1).ok_or_else(|| {
                        limit_error(
                            "số ô trong tài liệu HTML / cells in the HTML document".to_string(),
                            MAX_CELLS as u64,
                        )
                    })?;
                    cells.push(Cell {
                        at: first,
                        value,
                        formula: None,
                        number_format: None,
                        reading: Default::default(),
                    });
                }
                col = last_col.saturating_add(1);
            }
            row = row.saturating_add(1);
        }
    }
    cells.sort_by_key(|cell| cell.at);
    Ok((cells, merges))
}

/// The value of a `<td>`/`<th>`: Excel's `x:num` number when present, else the text;
/// `None` for an empty cell.
fn cell_value(table_cell: &TableCell) -> Option<Value> {
    let text = table_cell.text.as_str();
    if let Some(number) = table_cell.number.as_deref() {
        // A bare `x:num` means the shown text is the number.
        let source = if number.trim().is_empty() {
            text
        } else {
            number
        };
        if let Some(value) = parse_excel_number(source) {
            return Some(value);
        }
    }
    (!text.is_empty()).then(|| Value::Text(text.into()))
}

/// An Excel-written number (`203566`, `0.986`, `1.5E-05`): exact when it fits a decimal,
/// a float when it is finite but too large or too small.
fn parse_excel_number(text: &str) -> Option<Value> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Ok(exact) = Decimal::from_str(text) {
        return Some(Value::Number(exact));
    }
    if text.contains(['e', 'E']) {
        if let Ok(exact) = Decimal::from_scientific(text) {
            return Some(Value::Number(exact));
        }
    }
    let looks_numeric = text
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'));
    match f64::from_str(text) {
        Ok(float) if looks_numeric && float.is_finite() => Some(Value::Float(float)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &[u8] = include_bytes!("../../tests/fixtures/tthc-06-q3-2022-html.xls");
    const SAMPLE_XLSX: &[u8] = include_bytes!("../../tests/fixtures/tthc-06-q3-2022.xlsx");

    fn text_at(sheet: &Sheet, row: u32, col: u32) -> Option<&str> {
        sheet
            .cell(CellRef::new(row, col))
            .and_then(|cell| cell.value.as_text())
    }

    fn merge(first: (u32, u32), last: (u32, u32)) -> CellRange {
        CellRange {
            first: CellRef::new(first.0, first.1),
            last: CellRef::new(last.0, last.1),
        }
    }

    fn only_sheet(html: &str) -> Sheet {
        let mut sheets = read_html(html.as_bytes()).unwrap();
        assert_eq!(sheets.len(), 1);
        sheets.remove(0)
    }

    #[test]
    fn sample_reads_as_one_sheet_with_its_declared_name() {
        let sheets = read_html(SAMPLE).unwrap();
        assert_eq!(sheets.len(), 1);
        assert_eq!(sheets[0].name, "BaoCao06");
        assert!(!sheets[0].hidden);
    }

    #[test]
    fn sample_header_merges_follow_the_spans() {
        let sheet = &read_html(SAMPLE).unwrap()[0];
        // Rows: 0 title, 1 period, 2–4 headers, 5 column numbers (1)…(14), 6 TỔNG CỘNG.
        assert_eq!(text_at(sheet, 2, 0), Some("STT"));
        assert!(
            sheet.merges.contains(&merge((2, 0), (4, 0))),
            "STT spans 3 rows"
        );
        assert_eq!(text_at(sheet, 2, 2), Some("Số hồ sơ nhận giải quyết"));
        assert!(sheet.merges.contains(&merge((2, 2), (2, 5))), "spans C..F");
        assert!(
            sheet.merges.contains(&merge((2, 6), (2, 12))),
            "Kết quả spans G..M"
        );
        assert!(
            sheet.merges.contains(&merge((2, 13), (4, 13))),
            "N spans 3 rows"
        );
        assert!(
            sheet.merges.contains(&merge((0, 0), (0, 13))),
            "title spans A..N"
        );
        // Row 3 starts after the two rowspans from row 2: "Tổng số" lands in C, not A.
        assert_eq!(text_at(sheet, 3, 2), Some("Tổng số"));
        assert!(sheet.merges.contains(&merge((3, 2), (4, 2))));
        assert_eq!(text_at(sheet, 3, 5), Some("Từ kỳ trước"));
        assert_eq!(text_at(sheet, 3, 6), Some("Số hồ sơ đã giải quyết"));
        assert_eq!(text_at(sheet, 3, 10), Some("Số hồ sơ đang giải quyết"));
        // Row 4 fills D, E, then G..M around the rowspans of A, B, C, F and N.
        assert_eq!(text_at(sheet, 4, 3), Some("Trực tuyến"));
        assert_eq!(text_at(sheet, 4, 4), Some("Trực tiếp, dịch vụ bưu chính"));
        assert_eq!(text_at(sheet, 4, 6), Some("Tổng số"));
        assert_eq!(text_at(sheet, 4, 12), Some("Quá hạn"));
        assert_eq!(text_at(sheet, 5, 13), Some("(14)"));
        assert_eq!(sheet.merges.len(), 12, "the xlsx has the same 12 merges");
    }

    #[test]
    fn sample_grand_total_sits_two_rows_above_the_xlsx_position() {
        // In the xlsx the grand total is B9/C9 (zero-based row 8): the xlsx has a form number
        // in row 1 (M1) and an empty row 4, which the HTML export does not have, so the HTML
        // rows are the xlsx rows minus 2; the columns are the same.
        let sheet = &read_html(SAMPLE).unwrap()[0];
        let total_row = sheet
            .cells
            .iter()
            .find(|cell| cell.value.as_text() == Some("TỔNG CỘNG"))
            .map(|cell| cell.at)
            .unwrap();
        assert_eq!(total_row, CellRef::new(6, 1));
        assert_eq!(text_at(sheet, 6, 2), Some("203.566"));
        assert_eq!(text_at(sheet, 6, 13), Some("98,6"));
        assert!(sheet.cell(CellRef::new(6, 0)).is_none(), "<b></b> is empty");
        // xlsx row 15 (Sở Công Thương) → HTML zero-based row 12.
        assert_eq!(text_at(sheet, 12, 1), Some("Sở Công Thương"));
        assert_eq!(text_at(sheet, 12, 2), Some("13.518"));
        // 50 <tr>s: xlsx rows 1–52 minus the two the HTML lacks (the note in row 54 too).
        assert_eq!(sheet.extent(), Some(CellRef::new(49, 13)));
    }

    #[test]
    fn sample_cells_are_sorted_text_without_formulas() {
        let sheet = &read_html(SAMPLE).unwrap()[0];
        assert!(sheet.cells.windows(2).all(|pair| pair[0].at < pair[1].at));
        assert!(sheet
            .cells
            .iter()
            .all(|cell| matches!(cell.value, Value::Text(_))
                && cell.formula.is_none()
                && cell.number_format.is_none()));
    }

    #[test]
    fn rowspan_from_the_previous_row_pushes_cells_right() {
        let sheet = only_sheet(
            "<table>\
             <tr><td rowspan=2>A</td><td>B</td><td rowspan=3 colspan=2>C</td></tr>\
             <tr><td>D</td></tr>\
             <tr><td>E</td><td>F</td><td>G</td></tr>\
             </table>",
        );
        assert_eq!(text_at(&sheet, 0, 0), Some("A"));
        assert_eq!(text_at(&sheet, 0, 1), Some("B"));
        assert_eq!(text_at(&sheet, 0, 2), Some("C"));
        assert_eq!(
            text_at(&sheet, 1, 1),
            Some("D"),
            "A's rowspan pushes D to column B"
        );
        assert_eq!(text_at(&sheet, 2, 0), Some("E"));
        assert_eq!(text_at(&sheet, 2, 1), Some("F"));
        assert_eq!(text_at(&sheet, 2, 4), Some("G"), "C covers columns 2..3");
        assert_eq!(
            sheet.merges,
            vec![merge((0, 0), (1, 0)), merge((0, 2), (2, 3))]
        );
        assert_eq!(sheet.cells.len(), 7);
    }

    #[test]
    fn spans_are_clamped_to_the_row_group_and_to_sane_bounds() {
        let sheet = only_sheet(
            "<table>\
             <thead><tr><th rowspan=0>H</th><th colspan=0>x</th></tr><tr><th>y</th></tr></thead>\
             <tbody><tr><td rowspan=99>B</td><td colspan=\" +2junk\">w</td></tr>\
             <tr><td>z</td></tr></tbody>\
             <tr><td colspan=999999>big</td></tr>\
             </table>",
        );
        // rowspan=0 runs to the end of <thead> (2 rows); colspan=0 means 1.
        assert!(sheet.merges.contains(&merge((0, 0), (1, 0))));
        assert_eq!(text_at(&sheet, 1, 1), Some("y"));
        // rowspan=99 stops at the end of <tbody>; " +2junk" reads as 2.
        assert!(sheet.merges.contains(&merge((2, 0), (3, 0))));
        assert!(sheet.merges.contains(&merge((2, 1), (2, 2))));
        assert_eq!(text_at(&sheet, 3, 1), Some("z"));
        // Nothing of <thead>'s rowspan leaks into <tbody>; colspan is clamped to 1000.
        assert_eq!(text_at(&sheet, 4, 0), Some("big"));
        assert!(sheet.merges.contains(&merge((4, 0), (4, 999))));
    }

    #[test]
    fn colspan_running_into_a_covered_column_is_cut_so_merges_never_overlap() {
        let sheet = only_sheet(
            "<table><tr><td>a</td><td rowspan=2>b</td></tr><tr><td colspan=3>c</td></tr></table>",
        );
        assert_eq!(text_at(&sheet, 1, 0), Some("c"));
        assert_eq!(sheet.merges, vec![merge((0, 1), (1, 1))]);
    }

    #[test]
    fn br_is_a_newline_and_white_space_collapses() {
        let sheet = only_sheet(
            "<table><tr><td>  Tổng\n\t số <br> hồ&nbsp;sơ <br/><br>cuối </td>\
             <td> &nbsp; </td><td><p>một</p><p>hai</p></td><td>A &amp; B</td></tr></table>",
        );
        assert_eq!(text_at(&sheet, 0, 0), Some("Tổng số\nhồ sơ\n\ncuối"));
        assert!(
            sheet.cell(CellRef::new(0, 1)).is_none(),
            "only white space → no cell"
        );
        assert_eq!(text_at(&sheet, 0, 2), Some("một\nhai"));
        assert_eq!(text_at(&sheet, 0, 3), Some("A & B"));
    }

    #[test]
    fn nested_table_gives_its_text_to_the_cell_only() {
        let sheets = read_html(
            b"<table><tr><td>x<table><tr><td>1</td><td>2</td></tr><tr><td>3</td></tr></table></td>\
              <td>y</td></tr></table><table><tr><td>second</td></tr></table>",
        )
        .unwrap();
        assert_eq!(sheets.len(), 2);
        assert_eq!(sheets[0].name, "Bảng 1");
        assert_eq!(sheets[1].name, "Bảng 2");
        assert_eq!(text_at(&sheets[0], 0, 0), Some("x\n1 2\n3"));
        assert_eq!(text_at(&sheets[0], 0, 1), Some("y"));
        assert_eq!(sheets[0].cells.len(), 2);
        assert_eq!(text_at(&sheets[1], 0, 0), Some("second"));
    }

    #[test]
    fn declared_names_are_used_in_order_and_made_unique() {
        let sheets = read_html(
            b"<html><head><!--[if gte mso 9]><xml><x:ExcelWorkbook><x:ExcelWorksheets>\
              <x:ExcelWorksheet><x:Name>06</x:Name></x:ExcelWorksheet>\
              <x:ExcelWorksheet><x:Name>06</x:Name></x:ExcelWorksheet>\
              </x:ExcelWorksheets></x:ExcelWorkbook></xml><![endif]--></head><body>\
              <table><tr><td>a</td></tr></table><table><tr><td>b</td></tr></table>\
              <table><tr><td>c</td></tr></table></body></html>",
        )
        .unwrap();
        let names: Vec<&str> = sheets.iter().map(|sheet| sheet.name.as_str()).collect();
        assert_eq!(names, ["06", "06 (2)", "Bảng 3"]);
    }

    #[test]
    fn windows_1258_meta_charset_is_decoded_and_composed() {
        // "TỔNG CỘNG" in windows-1258: tones are combining marks after Ô.
        let mut html = b"<html><head><meta http-equiv=\"Content-Type\" \
            content=\"text/html; charset=windows-1258\"></head><body><table><tr><td>"
            .to_vec();
        html.extend_from_slice(b"T\xD4\xD2NG C\xD4\xF2NG</td><td>S\xF4\xEC</td></tr></table>");
        let sheet = only_sheet_bytes(&html);
        assert_eq!(text_at(&sheet, 0, 0), Some("TỔNG CỘNG"));
        assert_eq!(text_at(&sheet, 0, 1), Some("Số"));
    }

    fn only_sheet_bytes(bytes: &[u8]) -> Sheet {
        let mut sheets = read_html(bytes).unwrap();
        assert_eq!(sheets.len(), 1);
        sheets.remove(0)
    }

    #[test]
    fn meta_charset_attribute_and_bom_choose_the_encoding() {
        let sheet = only_sheet_bytes(
            b"<meta charset='windows-1252'><table><tr><td>caf\xE9</td></tr></table>",
        );
        assert_eq!(text_at(&sheet, 0, 0), Some("café"));
        // A UTF-8 BOM wins over a wrong declaration.
        let mut bom = b"\xEF\xBB\xBF<meta charset=windows-1252><table><tr><td>".to_vec();
        bom.extend_from_slice("Sở".as_bytes());
        bom.extend_from_slice(b"</td></tr></table>");
        assert_eq!(text_at(&only_sheet_bytes(&bom), 0, 0), Some("Sở"));
        // UTF-16LE with a BOM.
        let mut utf16 = vec![0xFF, 0xFE];
        for unit in "<table><tr><td>Sở</td></tr></table>".encode_utf16() {
            utf16.extend_from_slice(&unit.to_le_bytes());
        }
        assert!(looks_like_html(&utf16));
        assert_eq!(text_at(&only_sheet_bytes(&utf16), 0, 0), Some("Sở"));
        // No declaration: UTF-8, invalid bytes replaced rather than refused.
        let lossy = only_sheet_bytes(b"<table><tr><td>a\xFFb</td></tr></table>");
        assert_eq!(text_at(&lossy, 0, 0), Some("a\u{FFFD}b"));
    }

    #[test]
    fn decomposed_utf8_is_composed() {
        // "Unicode tổ hợp": e + dot below + circumflex, O + horn + grave.
        let sheet =
            only_sheet("<table><tr><td>Vie\u{323}\u{302}t, O\u{31B}\u{300}</td></tr></table>");
        assert_eq!(text_at(&sheet, 0, 0), Some("Việt, Ờ"));
    }

    #[test]
    fn excel_x_num_cells_hold_exact_numbers() {
        let sheet = only_sheet(
            "<table><tr><td x:num=\"203566\">203.566</td><td x:num=\"0.98599999999999999\">98,6%</td>\
             <td x:num>42</td><td x:num=\"1.5E-3\">0</td><td x:num=\"abc\">text</td>\
             <td x:num=\"1E+300\">huge</td></tr></table>",
        );
        let value = |col| {
            sheet
                .cell(CellRef::new(0, col))
                .map(|cell| cell.value.clone())
        };
        assert_eq!(value(0), Some(Value::Number(Decimal::new(203_566, 0))));
        assert_eq!(
            value(1),
            Some(Value::Number(
                Decimal::from_str("0.98599999999999999").unwrap()
            ))
        );
        assert_eq!(value(2), Some(Value::Number(Decimal::new(42, 0))));
        assert_eq!(value(3), Some(Value::Number(Decimal::new(15, 4))));
        assert_eq!(value(4), Some(Value::Text("text".into())));
        assert_eq!(value(5), Some(Value::Float(1e300)));
        assert!(sheet.cells.iter().all(|cell| cell.formula.is_none()));
    }

    #[test]
    fn a_document_without_a_table_is_refused() {
        assert_eq!(
            read_html(b"<html><body><p>no table here</p></body></html>"),
            Err(ReadError::NoTable)
        );
        assert_eq!(read_html(b""), Err(ReadError::NoTable));
    }

    #[test]
    fn garbage_bytes_do_not_panic() {
        let garbage: Vec<u8> = (0..20_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        assert!(!looks_like_html(&garbage));
        assert!(matches!(
            read_html(&garbage),
            Err(ReadError::NoTable) | Ok(_)
        ));
        assert_eq!(read_html(SAMPLE_XLSX), Err(ReadError::NoTable));
        // Broken markup is repaired, not refused.
        let sheet = only_sheet("<table><tr><td>a<td rowspan=\"x\">b<tr><td colspan=>c</table");
        assert_eq!(text_at(&sheet, 0, 1), Some("b"));
        assert_eq!(text_at(&sheet, 1, 0), Some("c"));
    }

    #[test]
    fn deep_nesting_does_not_overflow_the_stack() {
        let depth = 20_000;
        let html = format!(
            "<table><tr><td>{}deep{}</td></tr></table>",
            "<span>".repeat(depth),
            "</span>".repeat(depth)
        );
        assert_eq!(text_at(&only_sheet(&html), 0, 0), Some("deep"));
    }

    #[test]
    fn too_many_columns_are_refused() {
        let html = format!(
            "<table><tr>{}</tr></table>",
            "<td colspan=1000>x</td>".repeat(17)
        );
        assert!(matches!(
            read_html(html.as_bytes()),
            Err(ReadError::LimitExceeded { limit: 16_384, .. })
        ));
    }

    #[test]
    fn looks_like_html_recognises_html_openers_only() {
        assert!(looks_like_html(SAMPLE));
        assert!(!looks_like_html(SAMPLE_XLSX));
        assert!(!looks_like_html(b"PK\x03\x04rest of a zip"));
        assert!(!looks_like_html(
            b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1 an OLE file"
        ));
        assert!(!looks_like_html(b""));
        assert!(looks_like_html(
            b"\xEF\xBB\xBF  \r\n<!DOCTYPE HTML PUBLIC \"x\"><html>"
        ));
        assert!(looks_like_html(b"<TABLE border=1><tr>"));
        assert!(looks_like_html(b"<meta charset=utf-8><table>"));
        assert!(looks_like_html(b"<!-- exported --><head>"));
        assert!(looks_like_html(
            b"<?xml version=\"1.0\"?>\n<html xmlns=\"x\">"
        ));
        assert!(!looks_like_html(b"<?xml version=\"1.0\"?><table>"));
        assert!(!looks_like_html(
            b"<?xml version=\"1.0\"?><?mso-application progid=\"Excel.Sheet\"?><Workbook>"
        ));
        assert!(!looks_like_html(b"<header>"));
        assert!(!looks_like_html(b"STT,Noi dung\n<table>"));
        let late = [b" ".repeat(5000), b"<html>".to_vec()].concat();
        assert!(!looks_like_html(&late), "only the first 4 KiB count");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(128))]

        /// Any soup of table tags lays out without panicking, with sorted unique cells and
        /// merges that never overlap and never hide a cell.
        #[test]
        fn table_soup_lays_out_consistently(
            fragments in proptest::collection::vec(0usize..14, 0..80)
        ) {
            const PIECES: [&str; 14] = [
                "<table>", "</table>", "<tr>", "</tr>", "<td>", "</td>", "<th rowspan=2>",
                "<td colspan=3>", "<td rowspan=0 colspan=2>", "<tbody>", "x", " 1.234 ",
                "<br>", "<thead>",
            ];
            let html: String = fragments
                .iter()
                .filter_map(|&index| PIECES.get(index).copied())
                .collect();
            let Ok(sheets) = read_html(html.as_bytes()) else {
                return Ok(());
            };
            for sheet in &sheets {
                proptest::prop_assert!(sheet.cells.windows(2).all(|pair| pair[0].at < pair[1].at));
                for (index, range) in sheet.merges.iter().enumerate() {
                    for other in sheet.merges.iter().skip(index + 1) {
                        let apart = range.last.row < other.first.row
                            || other.last.row < range.first.row
                            || range.last.col < other.first.col
                            || other.last.col < range.first.col;
                        proptest::prop_assert!(apart, "{range} overlaps {other} in {html}");
                    }
                }
                for cell in &sheet.cells {
                    if let Some(range) = sheet.merge_at(cell.at) {
                        proptest::prop_assert_eq!(range.first, cell.at);
                    }
                }
            }
        }
    }

    #[test]
    fn composition_table_is_sorted_for_binary_search() {
        assert!(VIETNAMESE_COMPOSITIONS
            .windows(2)
            .all(|pair| (pair[0].0, pair[0].1) < (pair[1].0, pair[1].1)));
    }
}
