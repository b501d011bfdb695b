//! Streaming XML helpers for patching package parts: an event cursor that knows where each
//! event sits in the source text, a splicer that copies untouched spans byte for byte and
//! writes only the replacements, and small tag and escaping utilities.

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use crate::output::OutputError;

/// The relationships namespace (`r:id` attributes).
pub(super) const REL_NS: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

/// A `Package` error naming the part.
pub(super) fn damaged(part: &str, detail: impl std::fmt::Display) -> OutputError {
    OutputError::Package(format!("{part}: {detail}"))
}

/// Reads events from a part with the byte span of each one.
pub(super) struct Events<'a> {
    reader: Reader<&'a [u8]>,
    part: &'a str,
    pos: usize,
}

impl<'a> Events<'a> {
    /// A cursor over `src`, the text of the part named `part` (for error messages).
    pub(super) fn new(src: &'a str, part: &'a str) -> Self {
        Events {
            reader: Reader::from_str(src),
            part,
            pos: 0,
        }
    }

    /// The next event with its start and end byte offsets in the source.
    ///
    /// # Errors
    /// `Package` when the XML is malformed.
    pub(super) fn next(&mut self) -> Result<(Event<'a>, usize, usize), OutputError> {
        let start = self.pos;
        let event = self.reader.read_event().map_err(|e| {
            damaged(
                self.part,
                format!("XML error at byte {}: {e}", self.reader.error_position()),
            )
        })?;
        let end = usize::try_from(self.reader.buffer_position())
            .map_err(|_| damaged(self.part, "part too large"))?;
        self.pos = end;
        Ok((event, start, end))
    }
}

/// Copies the source through, replacing chosen spans.
pub(super) struct Splice<'a> {
    src: &'a str,
    out: String,
    copied: usize,
}

impl<'a> Splice<'a> {
    /// A splicer over `src`.
    pub(super) fn new(src: &'a str) -> Self {
        Splice {
            src,
            out: String::with_capacity(src.len().saturating_add(src.len() / 16)),
            copied: 0,
        }
    }

    /// Copies the source up to `pos` (no-op when already past it).
    pub(super) fn copy_to(&mut self, pos: usize) {
        if pos > self.copied {
            if let Some(text) = self.src.get(self.copied..pos) {
                self.out.push_str(text);
            }
            self.copied = pos;
        }
    }

    /// Copies up to `pos`, then writes `text` there.
    pub(super) fn insert_at(&mut self, pos: usize, text: &str) {
        self.copy_to(pos);
        self.out.push_str(text);
    }

    /// Replaces the source span `start..end` with `text`.
    pub(super) fn replace(&mut self, start: usize, end: usize, text: &str) {
        self.copy_to(start);
        self.out.push_str(text);
        self.copied = self.copied.max(end);
    }

    /// Drops the source span `start..end`.
    pub(super) fn remove(&mut self, start: usize, end: usize) {
        self.replace(start, end, "");
    }

    /// Copies the rest and returns the text.
    pub(super) fn finish(mut self) -> String {
        self.copy_to(self.src.len());
        self.out
    }
}

/// The local name of an element (`c` for `x:c`).
pub(super) fn local<'b>(e: &'b BytesStart<'_>) -> &'b str {
    e.local_name().into_inner()
}

/// The prefix of an element's name with its colon (`x:`), or empty.
pub(super) fn prefix_of(e: &BytesStart<'_>) -> String {
    match e.name().prefix() {
        Some(p) => format!("{}:", p.into_inner()),
        None => String::new(),
    }
}

/// The unescaped value of the attribute whose full name is `name`.
///
/// # Errors
/// `Package` on a malformed attribute.
pub(super) fn attr(
    e: &BytesStart<'_>,
    name: &str,
    part: &str,
) -> Result<Option<String>, OutputError> {
    for a in e.attributes() {
        let a = a.map_err(|err| damaged(part, err))?;
        if a.key.into_inner() == name {
            let value = a
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|err| damaged(part, err))?;
            return Ok(Some(value.into_owned()));
        }
    }
    Ok(None)
}

/// The unescaped value of the first attribute whose local name is `name` (any prefix).
///
/// # Errors
/// `Package` on a malformed attribute.
pub(super) fn attr_local(
    e: &BytesStart<'_>,
    name: &str,
    part: &str,
) -> Result<Option<String>, OutputError> {
    for a in e.attributes() {
        let a = a.map_err(|err| damaged(part, err))?;
        if a.key.local_name().into_inner() == name {
            let value = a
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|err| damaged(part, err))?;
            return Ok(Some(value.into_owned()));
        }
    }
    Ok(None)
}

/// The prefix (with colon) the element's own `xmlns:*` attributes bind to `ns`.
///
/// # Errors
/// `Package` on a malformed attribute.
pub(super) fn ns_prefix(
    e: &BytesStart<'_>,
    ns: &str,
    part: &str,
) -> Result<Option<String>, OutputError> {
    for a in e.attributes() {
        let a = a.map_err(|err| damaged(part, err))?;
        if let Some(p) = a.key.into_inner().strip_prefix("xmlns:") {
            if a.value == ns {
                return Ok(Some(format!("{p}:")));
            }
        }
    }
    Ok(None)
}

/// Rewrites a start tag: every attribute kept as written (raw), except those named in `set`,
/// which are replaced (value `Some`, already escaped) or removed (`None`); new ones go last.
///
/// # Errors
/// `Package` on a malformed attribute.
pub(super) fn rewrite_tag(
    e: &BytesStart<'_>,
    set: &[(&str, Option<String>)],
    empty: bool,
    part: &str,
) -> Result<String, OutputError> {
    let mut out = String::with_capacity(64);
    out.push('<');
    out.push_str(e.name().into_inner());
    for a in e.attributes() {
        let a = a.map_err(|err| damaged(part, err))?;
        let key = a.key.into_inner();
        if set.iter().any(|(name, _)| *name == key) {
            continue;
        }
        push_attr(&mut out, key, &a.value);
    }
    for (name, value) in set {
        if let Some(value) = value {
            push_attr(&mut out, name, value);
        }
    }
    out.push_str(if empty { "/>" } else { ">" });
    Ok(out)
}

fn push_attr(out: &mut String, key: &str, raw: &str) {
    out.push(' ');
    out.push_str(key);
    if raw.contains('"') {
        out.push_str("='");
        out.push_str(raw);
        out.push('\'');
    } else {
        out.push_str("=\"");
        out.push_str(raw);
        out.push('"');
    }
}

/// Escapes text for element content or an attribute value, dropping characters XML 1.0
/// cannot hold (control characters other than tab, line feed and carriage return).
pub(super) fn esc(text: &str) -> String {
    let clean: String = text
        .chars()
        .filter(|&c| {
            !(c < ' ' && c != '\t' && c != '\n' && c != '\r') && c != '\u{FFFE}' && c != '\u{FFFF}'
        })
        .collect();
    quick_xml::escape::escape(clean.as_str()).into_owned()
}

/// Decodes a part's bytes as UTF-8 text (dropping a byte-order mark is left to the reader).
///
/// # Errors
/// `Package` when the part is not UTF-8.
pub(super) fn text_of(bytes: Vec<u8>, part: &str) -> Result<String, OutputError> {
    String::from_utf8(bytes).map_err(|_| damaged(part, "not UTF-8 text"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splice_keeps_untouched_bytes_and_rewrites_tags() {
        let src = r#"<a x='1'  y="2"><b s="3"/></a>"#;
        let mut events = Events::new(src, "t");
        let mut splice = Splice::new(src);
        loop {
            let (event, start, end) = events.next().expect("xml");
            match event {
                Event::Empty(e) if local(&e) == "b" => {
                    let tag = rewrite_tag(&e, &[("s", Some("9".into())), ("t", None)], true, "t")
                        .expect("tag");
                    splice.replace(start, end, &tag);
                }
                Event::Eof => break,
                _ => {}
            }
        }
        assert_eq!(splice.finish(), r#"<a x='1'  y="2"><b s="9"/></a>"#);
    }

    #[test]
    fn escapes_markup_and_drops_control_characters() {
        assert_eq!(esc("a<b & 'c'\u{1}"), "a&lt;b &amp; &apos;c&apos;");
    }

    #[test]
    fn malformed_xml_is_a_package_error() {
        let mut events = Events::new("<a><b></a>", "p");
        let mut failed = false;
        for _ in 0..10 {
            match events.next() {
                Err(OutputError::Package(_)) => {
                    failed = true;
                    break;
                }
                Ok((Event::Eof, _, _)) => break,
                _ => {}
            }
        }
        assert!(failed);
    }
}
