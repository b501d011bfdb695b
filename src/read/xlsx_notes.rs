//! A worksheet's notes (Excel's legacy comments, the yellow boxes): the comments part its
//! relationships name (`xl/comments1.xml`), read as each cell's text. Threaded comments
//! are mirrored in that part by Excel, so it is the only one read. Notes only inform the
//! checks: a part that is missing, too big ([`Limits::max_notes_bytes`]) or malformed is
//! left out, and the sheet is read without notes.

use std::io::Read;

use quick_xml::events::Event;
use quick_xml::Reader;

use crate::limits::Limits;
use crate::model::CellRef;
use crate::ooxml::{
    find_relationship, relationships, rels_part, resolve, Archive, NOTE_AUTHOR, REL_COMMENTS,
};

/// The notes of the sheet whose part is `sheet_part`, sorted by cell, each cell once;
/// empty when it has none, or they cannot be read within the limits.
pub(super) fn sheet_notes(
    archive: &mut Archive<'_>,
    sheet_part: &str,
    limits: &Limits,
) -> Vec<(CellRef, Box<str>)> {
    let rels_name = rels_part(sheet_part);
    let Some(rels) = part_text(archive, &rels_name, limits.max_notes_bytes)
        .and_then(|xml| relationships(&xml, &rels_name).ok())
    else {
        return Vec::new();
    };
    let Some(rel) = find_relationship(&rels, REL_COMMENTS) else {
        return Vec::new();
    };
    let part = resolve(sheet_part, &rel.target);
    part_text(archive, &part, limits.max_notes_bytes)
        .and_then(|xml| parse_notes(&xml, limits.max_string_bytes))
        .unwrap_or_default()
}

/// A part's text, when the package holds it and it is no larger than `max` bytes.
fn part_text(archive: &mut Archive<'_>, part: &str, max: u64) -> Option<String> {
    let file = archive.by_name(part).ok()?;
    if file.size() > max {
        return None;
    }
    let mut text = String::new();
    // Bounded whatever the part declares: a part that lies is read only to the limit
    // (and refused by the package guard).
    file.take(max).read_to_string(&mut text).ok()?;
    Some(text)
}

/// The notes of a comments part, sorted by cell (the first of a cell's notes kept), each
/// note's text at most `max_text` bytes; `None` when the XML is malformed.
///
/// A note's text is its runs joined (phonetic runs left out), without the author's name
/// that Excel writes as its first line (`administrator:`), and trimmed; crossfoot's own
/// notes (an annotated workbook checked again) are left out, and so is what crossfoot
/// appended to a person's note. Empty notes are left out.
fn parse_notes(xml: &str, max_text: usize) -> Option<Vec<(CellRef, Box<str>)>> {
    let mut reader = Reader::from_str(xml);
    let mut authors: Vec<String> = Vec::new();
    let mut notes: Vec<(CellRef, Box<str>)> = Vec::new();
    // The author being read, and the note being read (its cell, its author, its text).
    let mut author: Option<String> = None;
    let mut note: Option<(Option<CellRef>, Option<usize>, String)> = None;
    let (mut in_text, mut phonetic) = (false, false);
    loop {
        let event = reader.read_event().ok()?;
        match &event {
            Event::Start(e) | Event::Empty(e) => {
                let empty = matches!(event, Event::Empty(_));
                match e.local_name().as_ref() {
                    "author" if !empty => author = Some(String::new()),
                    "author" => authors.push(String::new()),
                    "comment" if !empty => {
                        let (mut at, mut author_id) = (None, None);
                        for attribute in e.attributes() {
                            let attribute = attribute.ok()?;
                            let value = attribute.value.as_ref();
                            match attribute.key.local_name().as_ref() {
                                "ref" => at = CellRef::parse(value),
                                "authorId" => author_id = value.trim().parse().ok(),
                                _ => {}
                            }
                        }
                        note = Some((at, author_id, String::new()));
                    }
                    "rPh" if !empty => phonetic = true,
                    "t" if !empty && !phonetic => in_text = note.is_some(),
                    _ => {}
                }
            }
            Event::End(e) => match e.local_name().as_ref() {
                "author" => authors.extend(author.take()),
                "comment" => {
                    if let Some((Some(at), author_id, text)) = note.take() {
                        let author = author_id.and_then(|i| authors.get(i));
                        if let Some(text) = note_text(&text, author.map(String::as_str)) {
                            notes.push((at, text.into()));
                        }
                    }
                    in_text = false;
                }
                "rPh" => phonetic = false,
                "t" => in_text = false,
                _ => {}
            },
            Event::Text(t) => {
                let target = if in_text {
                    note.as_mut().map(|(_, _, text)| text)
                } else {
                    author.as_mut()
                };
                if let Some(target) = target {
                    push_bounded(target, &t.xml10_content(), max_text);
                }
            }
            Event::CData(t) => {
                if let Some((_, _, text)) = note.as_mut().filter(|_| in_text) {
                    push_bounded(text, &t.xml10_content(), max_text);
                }
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref().ok()? {
                    Some(c) => c.to_string(),
                    None => quick_xml::escape::resolve_predefined_entity(&r.xml10_content())?
                        .to_string(),
                };
                let target = if in_text {
                    note.as_mut().map(|(_, _, text)| text)
                } else {
                    author.as_mut()
                };
                if let Some(target) = target {
                    push_bounded(target, &resolved, max_text);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    notes.sort_by_key(|(at, _)| *at);
    notes.dedup_by_key(|(at, _)| *at);
    Some(notes)
}

/// Appends `more` to `text` as far as `max` bytes allow, cut at a character boundary.
fn push_bounded(text: &mut String, more: &str, max: usize) {
    let room = max.saturating_sub(text.len());
    if more.len() <= room {
        text.push_str(more);
        return;
    }
    let mut end = room;
    while !more.is_char_boundary(end) {
        end = end.saturating_sub(1);
    }
    text.push_str(more.get(..end).unwrap_or_default());
}

/// What a person wrote in a note: the author's name Excel puts first (`Watson:`) and
/// what crossfoot appended taken off, trimmed; `None` for crossfoot's own note or an
/// empty one.
fn note_text(text: &str, author: Option<&str>) -> Option<String> {
    if author == Some(NOTE_AUTHOR) {
        return None;
    }
    // The patcher appends its text to a person's note after a blank line.
    let appended = format!("\n\n{NOTE_AUTHOR}:\n");
    let text = text.split(appended.as_str()).next().unwrap_or_default();
    // Google Sheets heads a comment it exports with `======`, `ID#…` and `author (date)`.
    let text = match text.splitn(4, '\n').collect::<Vec<_>>().as_slice() {
        ["======", id, _, rest] if id.starts_with("ID#") => rest,
        _ => text,
    };
    let text = author
        .filter(|a| !a.is_empty())
        .and_then(|a| text.strip_prefix(a)?.strip_prefix(':'))
        .unwrap_or(text)
        .trim();
    (!text.is_empty()).then(|| text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(at: &str) -> CellRef {
        CellRef::parse(at).expect("an address")
    }

    fn notes(xml: &str) -> Vec<(String, String)> {
        parse_notes(xml, 1 << 20)
            .expect("well formed")
            .into_iter()
            .map(|(at, text)| (at.to_string(), text.into()))
            .collect()
    }

    #[test]
    fn a_note_is_its_runs_joined_without_its_author_and_entities_resolved() {
        let xml = concat!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
            r#"<comments xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#,
            r#"<authors><author>R &amp; D</author><author>Watson</author></authors><commentList>"#,
            // Excel's shape: the author's name in bold, then the text on the next line.
            r#"<comment ref="U13" authorId="0" shapeId="0"><text><r><rPr><b/><sz val="8"/></rPr><t>R &amp; D:</t></r>"#,
            r#"<r><rPr><sz val="8"/></rPr><t xml:space="preserve">"#,
            "\nfunded to 120K only</t></r><r><t> for homework &amp; &#x2192; jobs</t></r></text></comment>",
            // A plain `<t>`, a phonetic run, a cell written `$B$2`, before U13.
            r#"<comment ref="$B$2" authorId="1"><text><t>  Đã duyệt &lt;tạm&gt; </t><rPh sb="0" eb="1"><t>ダ</t></rPh></text></comment>"#,
            // A note with nothing but its author, and one on no cell, are left out.
            r#"<comment ref="C3" authorId="1"><text><r><t>Watson:</t></r></text></comment>"#,
            r#"<comment ref="nowhere" authorId="1"><text><t>x</t></text></comment>"#,
            // As Google Sheets exports a comment, with no author listed.
            r#"<comment authorId="2" ref="D36"><text><t xml:space="preserve">======"#,
            "\nID#AAABfP3HTV4\nAdministrator    (2025-03-25 01:26:02)\n11747\n6/02</t></text></comment>",
            "</commentList></comments>",
        );
        assert_eq!(
            notes(xml),
            [
                ("B2".to_string(), "Đã duyệt <tạm>".to_string()),
                (
                    "U13".to_string(),
                    "funded to 120K only for homework & → jobs".to_string()
                ),
                ("D36".to_string(), "11747\n6/02".to_string()),
            ]
        );
    }

    #[test]
    fn crossfoots_own_notes_are_not_a_persons() {
        let xml = format!(
            concat!(
                "<comments><authors><author>Lan</author><author>{a}</author></authors><commentList>",
                r#"<comment ref="A1" authorId="1"><text><r><t>{a}:</t></r><r><t xml:space="preserve">"#,
                "\nCF107 …</t></r></text></comment>",
                r#"<comment ref="A2" authorId="0"><text><r><t xml:space="preserve">Lan:"#,
                "\nsố tạm tính</t></r><r><t xml:space=\"preserve\">\n\n{a}:\nCF107 …</t></r></text></comment>",
                "</commentList></comments>"
            ),
            a = NOTE_AUTHOR
        );
        assert_eq!(notes(&xml), [("A2".to_string(), "số tạm tính".to_string())]);
    }

    #[test]
    fn malformed_or_long_notes_are_skipped_or_cut() {
        assert!(parse_notes(
            "<comments><commentList><comment ref=\"A1\"><text><t>x</text></comment>",
            100
        )
        .is_none());
        assert!(parse_notes("<comments><commentList><comment ref=\"A1\"><text><t>&bogus;</t></text></comment></commentList></comments>", 100).is_none());
        let long = parse_notes(
            "<comments><commentList><comment ref=\"A1\"><text><t>ắắắắ</t></text></comment></commentList></comments>",
            7,
        )
        .expect("well formed");
        assert_eq!(long, [(cell("A1"), "ắắ".into())]);
    }
}
