//! HTML's tokens as a browser's tokenizer (the WHATWG one) reads them from decoded text:
//! start and end tags with their attributes, text with its character references decoded,
//! and comments. The content of `script`, `style` and the other raw-text elements is not
//! read as tags. It is what the HTML reader needs of a document, without a DOM.

use std::borrow::Cow;

use super::html_entities::{COUNT, ENDS, FIRST, NAMES, SECOND};

/// One token of an HTML document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Token<'a> {
    /// `<name attr=value …>`: the name in lower case, the attributes in order, each name
    /// once (the first one kept, as browsers do), their values decoded.
    Start {
        name: String,
        attributes: Vec<(String, String)>,
    },
    /// `</name>`, the name in lower case.
    End { name: String },
    /// Text, its character references decoded.
    Text(Cow<'a, str>),
    /// The text of a raw-text element (`script`, `style`, `noscript`: never shown) or of
    /// the other raw-text elements (`xmp`, `iframe`, …: shown as text).
    RawText { shown: bool, text: &'a str },
    /// `<!-- … -->` (or a bogus comment: `<? … >`, `<![CDATA[ … ]]>`), its text as written.
    Comment(&'a str),
}

/// How the text after a start tag is read until that element's end tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Content {
    /// Tags and character references are read (the usual case).
    Markup,
    /// Only the end tag ends it; character references are decoded (`title`, `textarea`).
    Escapable(&'static str),
    /// Only the end tag ends it; nothing is decoded. `shown` when its text is shown.
    Raw(&'static str, bool),
    /// The rest of the document is text (`plaintext`).
    Plain,
}

/// The tokens of `input`, in order.
pub(super) struct Tokens<'a> {
    input: &'a str,
    position: usize,
    content: Content,
}

impl<'a> Tokens<'a> {
    /// Tokens from the start of `input`.
    pub(super) fn new(input: &'a str) -> Self {
        Self {
            input,
            position: 0,
            content: Content::Markup,
        }
    }

    fn rest(&self) -> &'a str {
        self.input.get(self.position..).unwrap_or_default()
    }

    fn advance(&mut self, bytes: usize) {
        self.position = self.position.saturating_add(bytes).min(self.input.len());
    }

    /// The text of a raw-text or escapable element up to its end tag (left to be read as
    /// a tag), or to the end of the document.
    fn until_end_tag(&mut self, name: &str) -> &'a str {
        let rest = self.rest();
        let end = end_tag_at(rest, name).unwrap_or(rest.len());
        self.advance(end);
        self.content = Content::Markup;
        rest.get(..end).unwrap_or_default()
    }

    /// A token starting at `<`, or `None` when the `<` is text.
    fn markup(&mut self) -> Option<Option<Token<'a>>> {
        let rest = self.rest();
        let after = rest.get(1..).unwrap_or_default();
        let next = after.bytes().next();
        match next {
            Some(b'!') => Some(Some(self.declaration())),
            Some(b'?') => {
                // `<?xml …?>` and the like: a bogus comment up to the next `>`.
                let body = after;
                let (text, used) = up_to_gt(body);
                self.advance(used.saturating_add(1));
                Some(Some(Token::Comment(text)))
            }
            Some(b'/') => {
                let body = after.get(1..).unwrap_or_default();
                match body.bytes().next() {
                    Some(c) if c.is_ascii_alphabetic() => {
                        let Some((name, _, used)) = tag(body) else {
                            // The document ends inside the tag: it is dropped.
                            self.position = self.input.len();
                            return Some(None);
                        };
                        self.advance(used.saturating_add(2));
                        Some(Some(Token::End { name }))
                    }
                    Some(b'>') => {
                        // `</>` is ignored.
                        self.advance(3);
                        Some(None)
                    }
                    None => None,
                    Some(_) => {
                        let (text, used) = up_to_gt(body);
                        self.advance(used.saturating_add(2));
                        Some(Some(Token::Comment(text)))
                    }
                }
            }
            Some(c) if c.is_ascii_alphabetic() => {
                let Some((name, attributes, used)) = tag(after) else {
                    self.position = self.input.len();
                    return Some(None);
                };
                self.advance(used.saturating_add(1));
                self.content = content_after(&name);
                Some(Some(Token::Start { name, attributes }))
            }
            _ => None,
        }
    }

    /// `<!…`: a comment, a doctype (dropped, as an empty comment) or a bogus comment.
    fn declaration(&mut self) -> Token<'a> {
        let rest = self.rest();
        let body = rest.get(2..).unwrap_or_default();
        if let Some(comment) = body.strip_prefix("--") {
            // `<!-->` and `<!--->` are empty comments; otherwise up to `-->` or `--!>`.
            for empty in [">", "->"] {
                if comment.starts_with(empty) {
                    self.advance(4usize.saturating_add(empty.len()));
                    return Token::Comment("");
                }
            }
            let end = [comment.find("-->"), comment.find("--!>")]
                .into_iter()
                .flatten()
                .min();
            return match end {
                Some(end) => {
                    let closer = if comment.get(end..).is_some_and(|c| c.starts_with("-->")) {
                        3
                    } else {
                        4
                    };
                    self.advance(4usize.saturating_add(end).saturating_add(closer));
                    Token::Comment(comment.get(..end).unwrap_or_default())
                }
                None => {
                    self.position = self.input.len();
                    Token::Comment(comment)
                }
            };
        }
        let (text, used) = up_to_gt(body);
        self.advance(used.saturating_add(2));
        let is_doctype = text
            .get(..7)
            .is_some_and(|head| head.eq_ignore_ascii_case("doctype"));
        Token::Comment(if is_doctype { "" } else { text })
    }
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        loop {
            if self.position >= self.input.len() {
                return None;
            }
            match self.content {
                Content::Escapable(name) => {
                    let text = self.until_end_tag(name);
                    if !text.is_empty() {
                        return Some(Token::Text(decode_references(text, false)));
                    }
                }
                Content::Raw(name, shown) => {
                    let text = self.until_end_tag(name);
                    if !text.is_empty() {
                        return Some(Token::RawText { shown, text });
                    }
                }
                Content::Plain => {
                    let text = self.rest();
                    self.position = self.input.len();
                    return Some(Token::RawText { shown: true, text });
                }
                Content::Markup => {
                    let rest = self.rest();
                    if rest.starts_with('<') {
                        match self.markup() {
                            Some(Some(token)) => return Some(token),
                            Some(None) => continue,
                            None => {
                                // A `<` that opens nothing is text, with what follows it.
                                let end = rest
                                    .get(1..)
                                    .and_then(|after| after.find('<'))
                                    .map_or(rest.len(), |at| at.saturating_add(1));
                                self.advance(end);
                                return Some(Token::Text(decode_references(
                                    rest.get(..end).unwrap_or_default(),
                                    false,
                                )));
                            }
                        }
                    }
                    let end = rest.find('<').unwrap_or(rest.len());
                    self.advance(end);
                    return Some(Token::Text(decode_references(
                        rest.get(..end).unwrap_or_default(),
                        false,
                    )));
                }
            }
        }
    }
}

/// How the content after the start tag `name` is read.
fn content_after(name: &str) -> Content {
    match name {
        "title" => Content::Escapable("title"),
        "textarea" => Content::Escapable("textarea"),
        "script" => Content::Raw("script", false),
        "style" => Content::Raw("style", false),
        // Read with scripting on, as the browser an office opens it in does.
        "noscript" => Content::Raw("noscript", false),
        "xmp" => Content::Raw("xmp", true),
        "iframe" => Content::Raw("iframe", true),
        "noembed" => Content::Raw("noembed", true),
        "noframes" => Content::Raw("noframes", true),
        "plaintext" => Content::Plain,
        _ => Content::Markup,
    }
}

/// Where `</name` followed by white space, `/` or `>` starts in `text` (any case).
fn end_tag_at(text: &str, name: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut from = 0usize;
    while let Some(found) = text.get(from..).and_then(|rest| rest.find("</")) {
        let at = from.saturating_add(found);
        let name_start = at.saturating_add(2);
        let name_end = name_start.saturating_add(name.len());
        let same = bytes
            .get(name_start..name_end)
            .is_some_and(|candidate| candidate.eq_ignore_ascii_case(name.as_bytes()));
        let closes = matches!(
            bytes.get(name_end),
            Some(b'\t' | b'\n' | b'\x0c' | b'\r' | b' ' | b'/' | b'>')
        );
        if same && closes {
            return Some(at);
        }
        from = name_start;
    }
    None
}

/// The text up to the next `>` and how many bytes that is with the `>` (all of it when
/// there is none).
fn up_to_gt(text: &str) -> (&str, usize) {
    match text.find('>') {
        Some(end) => (text.get(..end).unwrap_or_default(), end.saturating_add(1)),
        None => (text, text.len()),
    }
}

/// White space between a tag's parts.
fn is_space(c: u8) -> bool {
    matches!(c, b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}

/// A tag's attributes: (name, value) in order, each name once.
type Attributes = Vec<(String, String)>;

/// A tag's name and attributes, read from just after `<` or `</`, and how many bytes it
/// took with its `>`; `None` when the document ends inside it.
fn tag(text: &str) -> Option<(String, Attributes, usize)> {
    let bytes = text.as_bytes();
    let name_end = bytes
        .iter()
        .position(|&c| is_space(c) || c == b'/' || c == b'>')?;
    let name = lower(text.get(..name_end)?);
    let mut attributes: Vec<(String, String)> = Vec::new();
    let mut at = name_end;
    loop {
        // Before an attribute's name.
        while bytes.get(at).is_some_and(|&c| is_space(c) || c == b'/') {
            at = at.saturating_add(1);
        }
        if *bytes.get(at)? == b'>' {
            return Some((name, attributes, at.saturating_add(1)));
        }
        // The name: a first `=` belongs to it.
        let start = at;
        at = at.saturating_add(1);
        while bytes
            .get(at)
            .is_some_and(|&c| !is_space(c) && !matches!(c, b'/' | b'>' | b'='))
        {
            at = at.saturating_add(1);
        }
        let attribute = lower(text.get(start..at)?);
        while bytes.get(at).is_some_and(|&c| is_space(c)) {
            at = at.saturating_add(1);
        }
        let mut value = String::new();
        if bytes.get(at) == Some(&b'=') {
            at = at.saturating_add(1);
            while bytes.get(at).is_some_and(|&c| is_space(c)) {
                at = at.saturating_add(1);
            }
            match bytes.get(at)? {
                quote @ (b'"' | b'\'') => {
                    let open = at.saturating_add(1);
                    let close = bytes.get(open..)?.iter().position(|c| c == quote)?;
                    let end = open.saturating_add(close);
                    value = decode_references(text.get(open..end)?, true).into_owned();
                    at = end.saturating_add(1);
                }
                b'>' => {}
                _ => {
                    let open = at;
                    while bytes.get(at).is_some_and(|&c| !is_space(c) && c != b'>') {
                        at = at.saturating_add(1);
                    }
                    value = decode_references(text.get(open..at)?, true).into_owned();
                }
            }
        }
        if !attributes.iter().any(|(known, _)| *known == attribute) {
            attributes.push((attribute, value));
        }
    }
}

/// ASCII letters in lower case; a NUL as U+FFFD.
fn lower(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c == '\0' {
                '\u{fffd}'
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect()
}

/// The longest name of a character reference (`CounterClockwiseContourIntegral;`).
const LONGEST_NAME: usize = 32;

/// `text` with its character references decoded as a browser does: `&amp;`, `&#7843;`,
/// `&#x1EA3;`, and the legacy names without their `;` (`&nbsp`), which an attribute's
/// value keeps as written when a letter, digit or `=` follows.
pub(super) fn decode_references(text: &str, in_attribute: bool) -> Cow<'_, str> {
    if !text.contains(['&', '\0']) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(['&', '\0']) {
        out.push_str(rest.get(..at).unwrap_or_default());
        let from = rest.get(at..).unwrap_or_default();
        if from.starts_with('\0') {
            // NUL in text is dropped by the tree builder; in a value it becomes U+FFFD.
            if in_attribute {
                out.push('\u{fffd}');
            }
            rest = from.get(1..).unwrap_or_default();
            continue;
        }
        let after = from.get(1..).unwrap_or_default();
        let used = if let Some(numeric) = after.strip_prefix('#') {
            numeric_reference(numeric, &mut out).map(|used| used.saturating_add(1))
        } else {
            named_reference(after, in_attribute, &mut out)
        };
        match used {
            Some(used) => rest = after.get(used..).unwrap_or_default(),
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// A `&#…` reference's digits (after the `#`): pushes its character and returns the bytes
/// it took, or `None` when no digit follows.
fn numeric_reference(text: &str, out: &mut String) -> Option<usize> {
    let (digits, radix, prefix) = match text.as_bytes().first() {
        Some(b'x' | b'X') => (text.get(1..).unwrap_or_default(), 16, 1usize),
        _ => (text, 10, 0usize),
    };
    let length = digits
        .bytes()
        .position(|c| !(c.is_ascii_digit() || radix == 16 && c.is_ascii_hexdigit()))
        .unwrap_or(digits.len());
    if length == 0 {
        return None;
    }
    let value = digits
        .get(..length)?
        .chars()
        .filter_map(|c| c.to_digit(radix))
        .fold(0u32, |value, digit| {
            value.saturating_mul(radix).saturating_add(digit)
        });
    let semicolon = usize::from(digits.get(length..).is_some_and(|r| r.starts_with(';')));
    out.push(reference_char(value));
    Some(prefix.saturating_add(length).saturating_add(semicolon))
}

/// The character a numeric reference stands for: U+FFFD for NUL, surrogates and numbers
/// past Unicode, windows-1252's letters for 0x80–0x9F (as browsers read them).
fn reference_char(value: u32) -> char {
    const WINDOWS_1252: [u32; 32] = [
        0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
        0x2039, 0x0152, 0x8D, 0x017D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013,
        0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
    ];
    let value = match value {
        0x80..=0x9F => WINDOWS_1252
            .get(usize::try_from(value.saturating_sub(0x80)).unwrap_or(0))
            .copied()
            .unwrap_or(value),
        other => other,
    };
    if value == 0 {
        return '\u{fffd}';
    }
    char::from_u32(value).unwrap_or('\u{fffd}')
}

/// A named reference at the start of `text` (after its `&`): pushes its characters and
/// returns the bytes it took, or `None` when no name matches (or an attribute keeps it).
fn named_reference(text: &str, in_attribute: bool, out: &mut String) -> Option<usize> {
    let run = text
        .bytes()
        .take(LONGEST_NAME)
        .position(|c| !c.is_ascii_alphanumeric())
        .unwrap_or_else(|| text.len().min(LONGEST_NAME));
    if run == 0 {
        return None;
    }
    let with_semicolon = text
        .get(..run.saturating_add(1))
        .filter(|n| n.ends_with(';'));
    let candidates = with_semicolon
        .into_iter()
        .chain((1..=run).rev().filter_map(|length| text.get(..length)));
    for name in candidates {
        let Some((first, second)) = reference(name) else {
            continue;
        };
        let next = text.as_bytes().get(name.len());
        if in_attribute
            && !name.ends_with(';')
            && next.is_some_and(|&c| c == b'=' || c.is_ascii_alphanumeric())
        {
            return None;
        }
        out.push(first);
        if let Some(second) = second {
            out.push(second);
        }
        return Some(name.len());
    }
    None
}

/// The name at `index` of the packed table.
pub(super) fn name_at(index: usize) -> &'static str {
    let start = index
        .checked_sub(1)
        .and_then(|before| ENDS.get(before))
        .map_or(0, |&end| usize::from(end));
    let end = ENDS.get(index).map_or(start, |&end| usize::from(end));
    NAMES.get(start..end).unwrap_or_default()
}

/// The characters the reference `name` (after its `&`) stands for.
fn reference(name: &str) -> Option<(char, Option<char>)> {
    let (mut low, mut high) = (0usize, COUNT);
    while low < high {
        let middle = low.saturating_add(high.saturating_sub(low) / 2);
        match name_at(middle).cmp(name) {
            std::cmp::Ordering::Less => low = middle.saturating_add(1),
            std::cmp::Ordering::Greater => high = middle,
            std::cmp::Ordering::Equal => {
                let first = char::from_u32(*FIRST.get(middle)?)?;
                let second = SECOND
                    .binary_search_by_key(&middle, |&(index, _)| usize::from(index))
                    .ok()
                    .and_then(|at| SECOND.get(at))
                    .and_then(|&(_, code)| char::from_u32(code));
                return Some((first, second));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(html: &str) -> Vec<Token<'_>> {
        Tokens::new(html).collect()
    }

    fn start(name: &str, attributes: &[(&str, &str)]) -> Token<'static> {
        Token::Start {
            name: name.to_string(),
            attributes: attributes
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn tags_attributes_text_and_comments() {
        assert_eq!(
            tokens("<TD RowSpan=2 colspan='3' x:num nowrap class=\"a b\" rowspan=9>x &amp; y</Td><!-- c -->"),
            vec![
                start(
                    "td",
                    &[("rowspan", "2"), ("colspan", "3"), ("x:num", ""), ("nowrap", ""), ("class", "a b")]
                ),
                Token::Text("x & y".into()),
                Token::End { name: "td".to_string() },
                Token::Comment(" c "),
            ]
        );
    }

    #[test]
    fn script_and_style_are_not_read_as_tags() {
        let read = tokens("<script>if (a<b) { x = '</td>' }</script><style>td{}</style>z");
        assert_eq!(
            read.get(1),
            Some(&Token::RawText {
                shown: false,
                text: "if (a<b) { x = '</td>' }"
            })
        );
        assert_eq!(
            read.get(4),
            Some(&Token::RawText {
                shown: false,
                text: "td{}"
            })
        );
        assert_eq!(read.last(), Some(&Token::Text("z".into())));
    }

    #[test]
    fn references_decode_as_a_browser_does() {
        assert_eq!(decode_references("&#7843;&#x1EA3;&#X1ea3", false), "ảảả");
        assert_eq!(
            decode_references("a&nbsp;b&nbspc&notit;", false),
            "a\u{a0}b\u{a0}c¬it;"
        );
        assert_eq!(
            decode_references("&#0;&#x110000;&#xD800;&#150;", false),
            "\u{fffd}\u{fffd}\u{fffd}–"
        );
        assert_eq!(
            decode_references("&unknown; & &#; &#x;", false),
            "&unknown; & &#; &#x;"
        );
        assert_eq!(decode_references("&acE;", false), "\u{223e}\u{333}");
        // In a value, a legacy name followed by a letter or `=` stays as written.
        assert_eq!(
            decode_references("?a=1&copy=2&amp;b", true),
            "?a=1&copy=2&b"
        );
        assert_eq!(decode_references("&copy;=", true), "©=");
    }

    #[test]
    fn malformed_markup_is_text_or_dropped_never_a_panic() {
        assert_eq!(
            tokens("a < b"),
            vec![Token::Text("a ".into()), Token::Text("< b".into())]
        );
        assert_eq!(tokens("x<td class=\"open"), vec![Token::Text("x".into())]);
        assert_eq!(
            tokens("<!-->a<!--->b<!--x--!>c"),
            vec![
                Token::Comment(""),
                Token::Text("a".into()),
                Token::Comment(""),
                Token::Text("b".into()),
                Token::Comment("x"),
                Token::Text("c".into()),
            ]
        );
        assert_eq!(
            tokens("<?xml version=\"1.0\"?></>"),
            vec![Token::Comment("?xml version=\"1.0\"?")]
        );
        for broken in [
            "<",
            "</",
            "<!",
            "<!--",
            "<a b='",
            "&#",
            "&",
            "<td x=&",
            "<title>a&amp",
            "\u{0}<p>\u{0}",
        ] {
            let _ = tokens(broken);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// Any text made of markup's characters tokenizes to its end without a panic, and
        /// its text tokens hold no more characters than the input (a reference is never
        /// longer than what it stands for).
        #[test]
        fn markup_characters_in_any_order_tokenize(
            text in r#"[<>/!?&#;="' \n\-\[\]a-eptrxAD0-9ả]{0,200}"#
        ) {
            let mut read = 0usize;
            for token in Tokens::new(&text) {
                if let Token::Text(piece) = token {
                    read += piece.chars().count();
                }
            }
            proptest::prop_assert!(read <= text.chars().count());
        }
    }

    #[test]
    fn the_reference_table_is_sorted_for_binary_search() {
        let names: Vec<&str> = (0..COUNT).map(name_at).collect();
        assert!(names.windows(2).all(|pair| matches!(pair, [a, b] if a < b)));
        assert!(names
            .iter()
            .all(|name| !name.is_empty() && name.len() <= LONGEST_NAME));
        assert_eq!(ENDS.last().map(|&end| usize::from(end)), Some(NAMES.len()));
        assert!(SECOND
            .windows(2)
            .all(|pair| matches!(pair, [a, b] if a.0 < b.0)));
        assert_eq!(reference("amp;"), Some(('&', None)));
        assert_eq!(reference("AElig"), Some(('Æ', None)));
        assert_eq!(reference("zwnj;"), Some(('\u{200c}', None)));
        assert_eq!(reference("acE;"), Some(('\u{223e}', Some('\u{333}'))));
        assert_eq!(reference("amp"), Some(('&', None)));
        assert_eq!(reference("ampx"), None);
    }
}
