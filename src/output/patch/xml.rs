//! Streaming XML helpers for patching package parts: an event cursor that knows where each
//! event sits in the source text, a splicer that copies untouched spans byte for byte and
//! writes only the replacements, and small tag and escaping utilities.

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::QName;
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
    src: &'a str,
    reader: Reader<&'a [u8]>,
    part: &'a str,
    /// Where the reader's input starts in `src` (after a [`Events::skip_element`]).
    base: usize,
    pos: usize,
    /// The element [`Events::skip_element`] last skipped and the searcher for its end
    /// tag (`</name`): a sheet skips thousands of rows by the same name.
    end_tag: Option<(String, memchr::memmem::Finder<'static>)>,
}

impl<'a> Events<'a> {
    /// A cursor over `src`, the text of the part named `part` (for error messages).
    pub(super) fn new(src: &'a str, part: &'a str) -> Self {
        Events {
            src,
            reader: Reader::from_str(src),
            part,
            base: 0,
            pos: 0,
            end_tag: None,
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
                format!(
                    "XML error at byte {}: {e}",
                    self.reader
                        .error_position()
                        .saturating_add(self.base as u64)
                ),
            )
        })?;
        let end = usize::try_from(self.reader.buffer_position())
            .ok()
            .and_then(|end| end.checked_add(self.base))
            .ok_or_else(|| damaged(self.part, "part too large"))?;
        self.pos = end;
        Ok((event, start, end))
    }

    /// Skips the content of the element whose start tag (named `name`, as written) was
    /// the last event, so that the next event is its end tag: a sheet's row with nothing
    /// to change is copied without parsing each of its cells. Returns whether it skipped;
    /// it does not when the content holds markup whose text could hide the end tag
    /// (comments, CDATA, processing instructions) or has no plain end tag.
    ///
    /// The skipped bytes are copied as they are, unparsed: callers skip only parts the
    /// workbook reader has already parsed. The elements opened before the skip are
    /// forgotten by the new reader, so their end tags are no longer matched by name.
    pub(super) fn skip_element(&mut self, name: &str) -> bool {
        let Some(rest) = self.src.as_bytes().get(self.pos..) else {
            return false;
        };
        let finder = match &mut self.end_tag {
            Some((element, finder)) if element == name => finder,
            slot => {
                let close = format!("</{name}");
                let finder = memchr::memmem::Finder::new(close.as_bytes()).into_owned();
                &slot.insert((name.to_string(), finder)).1
            }
        };
        let Some(found) = finder.find(rest) else {
            return false;
        };
        let (Some(content), Some(after)) = (
            rest.get(..found),
            rest.get(found.saturating_add(finder.needle().len())),
        ) else {
            return false;
        };
        let plain_end = *after == b'>' || after.is_ascii_whitespace();
        // `<!` (comment, CDATA) or `<?`: one pass for the rare `!` and `?`.
        let hidden_markup = memchr::memchr2_iter(b'!', b'?', content)
            .any(|i| i.checked_sub(1).and_then(|before| content.get(before)) == Some(&b'<'));
        if !plain_end || hidden_markup {
            return false;
        }
        let Some(target) = self.pos.checked_add(found) else {
            return false;
        };
        let Some(tail) = self.src.get(target..) else {
            return false;
        };
        let mut reader = Reader::from_str(tail);
        reader.config_mut().allow_unmatched_ends = true;
        self.reader = reader;
        self.base = target;
        self.pos = target;
        true
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
pub(super) fn prefix_of(name: QName<'_>) -> String {
    match name.prefix() {
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
    first_attr(e, part, |key| key.into_inner() == name)
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
    first_attr(e, part, |key| key.local_name().into_inner() == name)
}

/// The unescaped value of the first attribute whose name `wanted` accepts.
fn first_attr(
    e: &BytesStart<'_>,
    part: &str,
    wanted: impl Fn(QName<'_>) -> bool,
) -> Result<Option<String>, OutputError> {
    for a in e.attributes() {
        let a = a.map_err(|err| damaged(part, err))?;
        if wanted(a.key) {
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

    /// Events from `src` after skipping the content of the first element named `skip`,
    /// as `(kind, name, start)`, and whether it skipped.
    fn events_skipping(src: &str, skip: &str) -> (Vec<(char, String, usize)>, bool) {
        let mut events = Events::new(src, "t");
        let (mut seen, mut skipped) = (Vec::new(), false);
        loop {
            let (event, start, _) = events.next().expect("xml");
            match event {
                Event::Start(e) => {
                    let name = e.name().into_inner().to_string();
                    seen.push(('s', name.clone(), start));
                    if name == skip && !skipped {
                        skipped = events.skip_element(&name);
                    }
                }
                Event::Empty(e) => seen.push(('e', e.name().into_inner().to_string(), start)),
                Event::End(e) => seen.push(('/', e.name().into_inner().to_string(), start)),
                Event::Eof => break,
                _ => {}
            }
        }
        (seen, skipped)
    }

    #[test]
    fn skipping_an_element_resumes_at_its_end_tag_with_true_offsets() {
        let src = r#"<x:ws><x:data><x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c></x:row ><x:row r="2"><x:c r="A2"/></x:row></x:data></x:ws>"#;
        let (seen, skipped) = events_skipping(src, "x:row");
        assert!(skipped);
        let names: Vec<String> = seen.iter().map(|(k, n, _)| format!("{k}{n}")).collect();
        assert_eq!(
            names,
            [
                "sx:ws", "sx:data", "sx:row", "/x:row", "sx:row", "ex:c", "/x:row", "/x:data",
                "/x:ws"
            ]
        );
        // Offsets after the skip are offsets in the whole text.
        let second_row = seen.get(4).expect("second row").2;
        assert!(src[second_row..].starts_with(r#"<x:row r="2">"#));
    }

    #[test]
    fn skipping_refuses_content_that_could_hide_the_end_tag() {
        for src in [
            "<ws><row><c><is><t><![CDATA[</row>]]></t></is></c></row></ws>",
            "<ws><row><!-- </row> --><c/></row></ws>",
            "<ws><row><?pi </row> ?><c/></row></ws>",
            // `</rowx>` is not the row's end tag.
            "<ws><row><rowx></rowx></row></ws>",
        ] {
            let (seen, skipped) = events_skipping(src, "row");
            assert!(!skipped, "{src}");
            // What follows the refused skip is still parsed, event by event.
            assert!(
                seen.iter().any(|(_, n, _)| n == "c" || n == "rowx"),
                "{src}"
            );
        }
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
