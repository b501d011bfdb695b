//! Notes (legacy comments): the `commentsN.xml` part and the VML drawing whose shapes make
//! Excel show them. Existing comments are kept; text for a cell that already has a note is
//! appended to it.

use std::collections::BTreeMap;

use quick_xml::events::Event;

use super::xml::{attr, damaged, esc, local, prefix_of, rewrite_tag, Events, Splice};
use crate::model::CellRef;
// The author name written on new notes (the reader leaves notes by it out).
use crate::ooxml::NOTE_AUTHOR as AUTHOR;
use crate::output::OutputError;

fn text_xml(p: &str, text: &str) -> String {
    format!("<{p}t xml:space=\"preserve\">{}</{p}t>", esc(text))
}

fn comment_xml(p: &str, at: CellRef, author: usize, text: &str) -> String {
    format!(
        "<{p}comment ref=\"{at}\" authorId=\"{author}\"><{p}text><{p}r><{p}rPr><{p}b/><{p}sz val=\"9\"/><{p}rFont val=\"Tahoma\"/></{p}rPr>{}</{p}r><{p}r><{p}rPr><{p}sz val=\"9\"/><{p}rFont val=\"Tahoma\"/></{p}rPr>{}</{p}r></{p}text></{p}comment>",
        text_xml(p, &format!("{AUTHOR}:")),
        text_xml(p, &format!("\n{text}"))
    )
}

/// A new comments part holding `notes`.
pub(super) fn new_comments(notes: &BTreeMap<CellRef, String>) -> String {
    let list: String = notes
        .iter()
        .map(|(at, text)| comment_xml("", *at, 0, text))
        .collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<comments xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><authors><author>{AUTHOR}</author></authors><commentList>{list}</commentList></comments>"
    )
}

/// Adds `notes` to an existing comments part: appended to a cell's note when it has one,
/// new comments otherwise. Returns the part and the cells that got a new note (they need a
/// VML shape).
///
/// # Errors
/// `Package` when the XML is malformed.
pub(super) fn patch_comments(
    xml: &str,
    part: &str,
    notes: &BTreeMap<CellRef, String>,
) -> Result<(String, Vec<CellRef>), OutputError> {
    let mut events = Events::new(xml, part);
    let mut splice = Splice::new(xml);
    let mut depth = 0usize;
    let mut p = String::new();
    let mut authors = 0usize;
    let mut author_id: Option<usize> = None;
    let mut existing: Vec<CellRef> = Vec::new();
    let mut current: Option<CellRef> = None;
    let mut in_text = false;
    let mut appended = false;
    let mut list_done = false;
    let append = |p: &str, text: &str| {
        format!(
            "<{p}r><{p}rPr><{p}sz val=\"9\"/><{p}rFont val=\"Tahoma\"/></{p}rPr>{}</{p}r>",
            text_xml(p, &format!("\n\n{AUTHOR}:\n{text}"))
        )
    };
    loop {
        let (event, start, end) = events.next()?;
        match &event {
            Event::Start(e) | Event::Empty(e) => {
                let empty = matches!(event, Event::Empty(_));
                let name = local(e);
                match (depth, name) {
                    (0, _) => p = prefix_of(e.name()),
                    (1, "authors") if empty => {
                        let open = rewrite_tag(e, &[], false, part)?;
                        splice.replace(
                            start,
                            end,
                            &format!("{open}<{p}author>{AUTHOR}</{p}author></{p}authors>"),
                        );
                        author_id = Some(0);
                    }
                    (2, "author") => authors = authors.saturating_add(1),
                    (1, "commentList") if empty => {
                        let id = author_id.unwrap_or(0);
                        let list: String = notes
                            .iter()
                            .map(|(at, text)| comment_xml(&p, *at, id, text))
                            .collect();
                        let open = rewrite_tag(e, &[], false, part)?;
                        splice.replace(start, end, &format!("{open}{list}</{p}commentList>"));
                        list_done = true;
                    }
                    (2, "comment") => {
                        current = attr(e, "ref", part)?.and_then(|r| CellRef::parse(&r));
                        if let Some(at) = current {
                            existing.push(at);
                        }
                        appended = false;
                    }
                    (3, "text") if !empty => in_text = true,
                    (4, "rPh") | (4, "phoneticPr") if in_text && !appended => {
                        if let Some(text) = current.and_then(|at| notes.get(&at)) {
                            splice.insert_at(start, &append(&p, text));
                            appended = true;
                        }
                    }
                    _ => {}
                }
                if !empty {
                    depth = depth.saturating_add(1);
                }
            }
            Event::End(e) => {
                depth = depth.saturating_sub(1);
                match (depth, e.local_name().into_inner()) {
                    (1, "authors") => {
                        splice.insert_at(start, &format!("<{p}author>{AUTHOR}</{p}author>"));
                        author_id = Some(authors);
                    }
                    (3, "text") => {
                        if !appended {
                            if let Some(text) = current.and_then(|at| notes.get(&at)) {
                                splice.insert_at(start, &append(&p, text));
                                appended = true;
                            }
                        }
                        in_text = false;
                    }
                    (1, "commentList") => {
                        let id = author_id.unwrap_or(0);
                        let list: String = notes
                            .iter()
                            .filter(|(at, _)| !existing.contains(at))
                            .map(|(at, text)| comment_xml(&p, *at, id, text))
                            .collect();
                        splice.insert_at(start, &list);
                        list_done = true;
                    }
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
        let _ = end;
    }
    if !list_done {
        return Err(damaged(part, "no <commentList>"));
    }
    let fresh = notes
        .keys()
        .filter(|at| !existing.contains(at))
        .copied()
        .collect();
    Ok((splice.finish(), fresh))
}

fn shape(id: u64, at: CellRef) -> String {
    let col = u64::from(at.col);
    let row = u64::from(at.row);
    format!(
        "<v:shape id=\"_x0000_s{id}\" type=\"#_x0000_t202\" style=\"position:absolute;margin-left:59.25pt;margin-top:1.5pt;width:216pt;height:120pt;z-index:{id};visibility:hidden\" fillcolor=\"#ffffe1\" o:insetmode=\"auto\"><v:fill color2=\"#ffffe1\"/><v:shadow on=\"t\" color=\"black\" obscured=\"t\"/><v:path o:connecttype=\"none\"/><v:textbox style=\"mso-direction-alt:auto\"><div style=\"text-align:left\"></div></v:textbox><x:ClientData ObjectType=\"Note\"><x:MoveWithCells/><x:SizeWithCells/><x:Anchor>{}, 15, {}, 10, {}, 15, {}, 4</x:Anchor><x:AutoFill>False</x:AutoFill><x:Row>{row}</x:Row><x:Column>{col}</x:Column></x:ClientData></v:shape>",
        col + 1,
        row,
        col + 5,
        row + 8
    )
}

const SHAPETYPE: &str = "<v:shapetype id=\"_x0000_t202\" coordsize=\"21600,21600\" o:spt=\"202\" path=\"m,l,21600r21600,l21600,xe\"><v:stroke joinstyle=\"miter\"/><v:path gradientshapeok=\"t\" o:connecttype=\"rect\"/></v:shapetype>";

/// A new VML drawing with one hidden note shape per cell; `block` picks its shape-id range.
pub(super) fn new_vml(block: u32, cells: &[CellRef]) -> String {
    let base = u64::from(block).saturating_mul(1024);
    let shapes: String = cells
        .iter()
        .zip(1u64..)
        .map(|(at, n)| shape(base.saturating_add(n), *at))
        .collect();
    format!(
        "<xml xmlns:v=\"urn:schemas-microsoft-com:vml\" xmlns:o=\"urn:schemas-microsoft-com:office:office\" xmlns:x=\"urn:schemas-microsoft-com:office:excel\"><o:shapelayout v:ext=\"edit\"><o:idmap v:ext=\"edit\" data=\"{block}\"/></o:shapelayout>{SHAPETYPE}{shapes}</xml>"
    )
}

/// Adds note shapes to an existing VML drawing (treated as text: Excel's VML is not always
/// well-formed XML). Shape ids continue after the largest one present.
///
/// # Errors
/// `Package` when the drawing has no closing `</xml>`.
pub(super) fn patch_vml(vml: &str, part: &str, cells: &[CellRef]) -> Result<String, OutputError> {
    if cells.is_empty() {
        return Ok(vml.to_string());
    }
    let Some(close) = vml.rfind("</xml>") else {
        return Err(damaged(part, "VML drawing without </xml>"));
    };
    let mut max_id: u64 = 1024;
    for (i, _) in vml.match_indices("_x0000_s") {
        let digits: String = vml
            .get(i.saturating_add(8)..)
            .unwrap_or("")
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        if let Ok(n) = digits.parse::<u64>() {
            max_id = max_id.max(n);
        }
    }
    let mut add = String::new();
    if !vml.contains("\"_x0000_t202\"") {
        add.push_str(SHAPETYPE);
    }
    for (at, n) in cells.iter().zip(1u64..) {
        add.push_str(&shape(max_id.saturating_add(n), *at));
    }
    let (head, tail) = vml.split_at(close);
    Ok(format!("{head}{add}{tail}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_to_an_existing_note_and_adds_new_ones() {
        let xml = r#"<comments xmlns="m"><authors><author>An</author></authors><commentList><comment ref="B2" authorId="0"><text><t>Old note</t></text></comment></commentList></comments>"#;
        let mut notes = BTreeMap::new();
        notes.insert(CellRef::new(1, 1), "Lỗi <1>".to_string());
        notes.insert(CellRef::new(4, 2), "New".to_string());
        let (out, fresh) = patch_comments(xml, "c", &notes).expect("patched");
        assert_eq!(fresh, vec![CellRef::new(4, 2)]);
        assert!(
            out.contains("<authors><author>An</author><author>crossfoot</author></authors>"),
            "{out}"
        );
        assert!(out.contains("<t>Old note</t><r>"), "{out}");
        assert!(out.contains("Lỗi &lt;1&gt;"));
        assert!(out.contains(r#"<comment ref="C5" authorId="1">"#), "{out}");
    }

    #[test]
    fn vml_shapes_continue_ids() {
        let vml = r#"<xml><v:shapetype id="_x0000_t202"/><v:shape id="_x0000_s1025"/></xml>"#;
        let out = patch_vml(vml, "v", &[CellRef::new(2, 3)]).expect("patched");
        assert!(out.contains("_x0000_s1026"));
        assert!(out.contains("<x:Row>2</x:Row><x:Column>3</x:Column>"));
        assert!(out.ends_with("</xml>"));
    }
}
