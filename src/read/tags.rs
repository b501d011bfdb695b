//! Start and end tags read straight from XML bytes, for the scans that jump from `<` to `<`
//! without a parser: where a construct ends, an element's local name, attribute values.

/// Where the construct starting at `text[0] == b'<'` ends (one past its `>`): a comment at
/// `-->`, CDATA at `]]>`, a tag at the first `>` outside quoted attribute values. `None`
/// when `text` holds only its beginning.
pub(super) fn construct_end(text: &[u8]) -> Option<usize> {
    let find = |pattern: &[u8]| {
        text.windows(pattern.len())
            .position(|window| window == pattern)
            .and_then(|i| i.checked_add(pattern.len()))
    };
    if text.starts_with(b"<!--") {
        return find(b"-->");
    }
    if text.starts_with(b"<![CDATA[") {
        return find(b"]]>");
    }
    let mut quote: Option<u8> = None;
    for (i, &byte) in text.iter().enumerate() {
        match (quote, byte) {
            (Some(q), b) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(byte),
            (None, b'>') => return i.checked_add(1),
            (None, _) => {}
        }
    }
    None
}

/// The element name's local part (after any `prefix:`), up to whitespace or the end.
pub(super) fn local_name(inner: &[u8]) -> &[u8] {
    let end = inner
        .iter()
        .position(|b| b.is_ascii_whitespace() || *b == b'/')
        .unwrap_or(inner.len());
    let name = inner.get(..end).unwrap_or_default();
    match name.iter().position(|&b| b == b':') {
        Some(colon) => name.get(colon.saturating_add(1)..).unwrap_or_default(),
        None => name,
    }
}

/// The raw value of attribute `name` in a start tag's inside (`c r="A1" s="3"`, or
/// `c r="A1" s="3"/` for an empty one).
pub(super) fn attribute<'t>(inner: &'t [u8], name: &[u8]) -> Option<&'t [u8]> {
    let [value] = attributes(inner, [name]);
    value
}

/// The raw values of several attributes in one pass over the tag (the first of each
/// name, as [`attribute`] finds it).
pub(super) fn attributes<'t, const N: usize>(
    inner: &'t [u8],
    names: [&[u8]; N],
) -> [Option<&'t [u8]>; N] {
    let mut found = [None; N];
    // Past the element name, then `name = "value"` pairs, up to anything malformed.
    let Some(mut rest) = inner
        .iter()
        .position(u8::is_ascii_whitespace)
        .and_then(|start| inner.get(start..))
    else {
        return found;
    };
    let mut next = || -> Option<()> {
        rest = rest.trim_ascii_start();
        let equals = memchr::memchr(b'=', rest)?;
        let key = rest.get(..equals)?.trim_ascii();
        rest = rest.get(equals.checked_add(1)?..)?.trim_ascii_start();
        let quote = *rest.first()?;
        if quote != b'"' && quote != b'\'' {
            return None;
        }
        let value_len = memchr::memchr(quote, rest.get(1..)?)?;
        let value = rest.get(1..value_len.checked_add(1)?)?;
        if let Some(slot) = names
            .iter()
            .position(|name| *name == key)
            .and_then(|i| found.get_mut(i))
        {
            slot.get_or_insert(value);
        }
        rest = rest.get(value_len.checked_add(2)?..)?;
        Some(())
    };
    while next().is_some() {}
    found
}
