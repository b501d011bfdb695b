//! The OOXML package as both the reader and the patcher see it: part names and where a
//! relationship's target points, the relationships of a part, and the workbook part
//! (found by following `_rels/.rels`) with its relationships and its list of sheets.
//! Parts are read through whatever holds them: the reader's zip archive, or the patcher's
//! package with its replaced parts.

use std::io::{Cursor, Read};

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

/// A zip package read straight from its bytes.
pub(crate) type Archive<'a> = zip::ZipArchive<Cursor<&'a [u8]>>;

/// The relationship from the package to its main part (the workbook).
pub(crate) const REL_OFFICE_DOCUMENT: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument";
/// The relationship from the workbook to a worksheet.
pub(crate) const REL_WORKSHEET: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet";
/// The relationship from the workbook to its styles.
pub(crate) const REL_STYLES: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles";
/// The relationship from the workbook to its calculation chain.
pub(crate) const REL_CALC_CHAIN: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/calcChain";
/// The relationship from a worksheet to its notes.
pub(crate) const REL_COMMENTS: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments";
/// The relationship from a worksheet to the VML drawing that shows its notes.
pub(crate) const REL_VML: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/vmlDrawing";
/// The author crossfoot writes on the notes it adds, so that its reader knows them for its
/// own when an annotated workbook is checked again.
pub(crate) const NOTE_AUTHOR: &str = "crossfoot";
/// The content type of a worksheet part.
pub(crate) const CT_WORKSHEET: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml";
/// The content type of a notes part.
pub(crate) const CT_COMMENTS: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml";
/// The content type of a VML drawing.
pub(crate) const CT_VML: &str = "application/vnd.openxmlformats-officedocument.vmlDrawing";
/// The content type of a styles part.
pub(crate) const CT_STYLES: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml";

/// Where the workbook part is when `_rels/.rels` does not say.
const DEFAULT_WORKBOOK_PART: &str = "xl/workbook.xml";
/// The package's own relationships.
const PACKAGE_RELS_PART: &str = "_rels/.rels";

/// A part that cannot be read or whose XML is malformed, with the part's name.
#[derive(Debug)]
pub(crate) struct PackageError(String);

impl PackageError {
    fn in_part(part: &str, detail: impl std::fmt::Display) -> Self {
        PackageError(format!("{part}: {detail}"))
    }
}

impl std::fmt::Display for PackageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Resolves a relationship target against its source part into a part name.
pub(crate) fn resolve(source: &str, target: &str) -> String {
    let mut stack: Vec<&str> = Vec::new();
    if let Some(abs) = target.strip_prefix('/') {
        return normalize(abs.split('/'), &mut stack);
    }
    let source = source.trim_start_matches('/');
    if let Some((folder, _)) = source.rsplit_once('/') {
        stack.extend(folder.split('/').filter(|s| !s.is_empty()));
    }
    normalize(target.split('/'), &mut stack)
}

fn normalize<'s>(segments: impl Iterator<Item = &'s str>, stack: &mut Vec<&'s str>) -> String {
    for seg in segments {
        match seg {
            "" | "." => {}
            ".." => {
                stack.pop();
            }
            s => stack.push(s),
        }
    }
    stack.join("/")
}

/// The target to write in `source`'s rels to reach `part` (relative when they share a root).
pub(crate) fn relative_target(source: &str, part: &str) -> String {
    let source = source.trim_start_matches('/');
    let part = part.trim_start_matches('/');
    let from: Vec<&str> = match source.rsplit_once('/') {
        Some((folder, _)) => folder.split('/').collect(),
        None => Vec::new(),
    };
    let to: Vec<&str> = part.split('/').collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut out: Vec<&str> = vec![".."; from.len().saturating_sub(common)];
    out.extend(to.iter().skip(common));
    out.join("/")
}

/// The `.rels` part of a part (`xl/worksheets/sheet1.xml` → `xl/worksheets/_rels/sheet1.xml.rels`).
pub(crate) fn rels_part(part: &str) -> String {
    let part = part.trim_start_matches('/');
    match part.rsplit_once('/') {
        Some((folder, name)) => format!("{folder}/_rels/{name}.rels"),
        None => format!("_rels/{part}.rels"),
    }
}

/// One relationship of a part.
#[derive(Debug, Clone)]
pub(crate) struct Relationship {
    /// Its id (`rId1`), unique within its rels part.
    pub id: String,
    /// Its type URI.
    pub kind: String,
    /// Its target as written, relative to the source part unless it starts with `/`.
    pub target: String,
    /// The target is outside the package (`TargetMode="External"`).
    pub external: bool,
}

/// The relationships in a `.rels` part named `part`.
///
/// # Errors
/// When the XML is malformed.
pub(crate) fn relationships(xml: &str, part: &str) -> Result<Vec<Relationship>, PackageError> {
    let mut rels = Vec::new();
    for_each_start(xml, part, |e| {
        if e.local_name().as_ref() == "Relationship" {
            let [id, kind, target, mode] = attributes(e, ["Id", "Type", "Target", "TargetMode"])
                .map_err(|detail| PackageError::in_part(part, detail))?;
            rels.push(Relationship {
                id: id.unwrap_or_default(),
                kind: kind.unwrap_or_default(),
                target: target.unwrap_or_default(),
                external: mode.as_deref() == Some("External"),
            });
        }
        Ok(())
    })?;
    Ok(rels)
}

/// The first relationship inside the package of type `kind` (matched in full, or by its
/// last segment, as the strict and transitional namespaces name it alike).
pub(crate) fn find_relationship<'r>(
    rels: &'r [Relationship],
    kind: &str,
) -> Option<&'r Relationship> {
    let tail = kind.rsplit('/').next().unwrap_or(kind);
    rels.iter()
        .find(|r| !r.external && (r.kind == kind || r.kind.rsplit('/').next() == Some(tail)))
}

/// A sheet as the workbook part lists it.
#[derive(Debug, Clone)]
pub(crate) struct SheetEntry {
    /// The sheet's name.
    pub name: String,
    /// Its `sheetId` (0 when missing or not a number).
    pub sheet_id: u32,
    /// The id of the workbook's relationship to the sheet's part.
    pub rel_id: String,
}

/// The workbook part of a package, found by following `_rels/.rels`, with what it says.
#[derive(Debug)]
pub(crate) struct WorkbookPart {
    /// Its part name (`xl/workbook.xml` in most packages).
    pub part: String,
    /// Its XML.
    pub xml: String,
    /// Its relationships' part name.
    pub rels_part: String,
    /// Its relationships' XML.
    pub rels_xml: String,
    /// Its relationships.
    pub rels: Vec<Relationship>,
    /// Its sheets, in workbook order.
    pub sheets: Vec<SheetEntry>,
    /// It asks for every formula to be recalculated when it is opened
    /// (`<calcPr fullCalcOnLoad="1"/>`): its saved formula values may be placeholders.
    pub full_calc_on_load: bool,
}

impl WorkbookPart {
    /// Reads the workbook part and its relationships through `text_of`, which gives a
    /// part's text (`None` when the package has no such part).
    ///
    /// # Errors
    /// What `text_of` says, or a [`PackageError`] (converted into `E`) when the workbook
    /// part or its relationships are missing or malformed.
    pub(crate) fn read<E: From<PackageError>>(
        mut text_of: impl FnMut(&str) -> Result<Option<String>, E>,
    ) -> Result<WorkbookPart, E> {
        let package_rels = text_of(PACKAGE_RELS_PART)?.unwrap_or_default();
        let package_rels = relationships(&package_rels, PACKAGE_RELS_PART)?;
        let part = find_relationship(&package_rels, REL_OFFICE_DOCUMENT)
            .map(|r| resolve("", &r.target))
            .unwrap_or_else(|| DEFAULT_WORKBOOK_PART.to_string());
        let xml =
            text_of(&part)?.ok_or_else(|| PackageError(format!("no workbook part {part}")))?;
        let rels_part = rels_part(&part);
        let rels_xml =
            text_of(&rels_part)?.ok_or_else(|| PackageError(format!("no {rels_part}")))?;
        let rels = relationships(&rels_xml, &rels_part)?;
        let (sheets, full_calc_on_load) = sheets_and_calc(&xml, &part)?;
        Ok(WorkbookPart {
            part,
            xml,
            rels_part,
            rels_xml,
            rels,
            sheets,
            full_calc_on_load,
        })
    }

    /// The workbook's relationship to a sheet's part (none when it points outside).
    pub(crate) fn sheet_relationship(&self, sheet: &SheetEntry) -> Option<&Relationship> {
        self.rels
            .iter()
            .find(|r| r.id == sheet.rel_id && !r.external)
    }

    /// The part a relationship of the workbook points to.
    pub(crate) fn target_part(&self, rel: &Relationship) -> String {
        resolve(&self.part, &rel.target)
    }

    /// Each sheet's name and part, in workbook order (those whose part is not in the
    /// package are left out).
    pub(crate) fn sheet_parts(&self) -> Vec<(String, String)> {
        self.sheets
            .iter()
            .filter_map(|sheet| {
                let rel = self.sheet_relationship(sheet)?;
                Some((sheet.name.clone(), self.target_part(rel)))
            })
            .collect()
    }
}

/// A part of a zip archive as text; `None` when the archive has no part of that name.
///
/// # Errors
/// When the part cannot be inflated or is not UTF-8.
pub(crate) fn archive_text(
    archive: &mut Archive<'_>,
    part: &str,
) -> Result<Option<String>, PackageError> {
    let mut file = match archive.by_name(part) {
        Ok(file) => file,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(PackageError::in_part(part, e)),
    };
    let mut text = String::new();
    file.read_to_string(&mut text)
        .map_err(|e| PackageError::in_part(part, e))?;
    Ok(Some(text))
}

/// The sheets a workbook part lists, and whether it asks for a full recalculation on load.
fn sheets_and_calc(xml: &str, part: &str) -> Result<(Vec<SheetEntry>, bool), PackageError> {
    let mut sheets = Vec::new();
    let mut full_calc_on_load = false;
    for_each_start(xml, part, |e| {
        let in_part = |detail| PackageError::in_part(part, detail);
        match e.local_name().as_ref() {
            "sheet" => {
                let [name, sheet_id, rel_id] =
                    attributes(e, ["name", "sheetId", "id"]).map_err(in_part)?;
                sheets.push(SheetEntry {
                    name: name.unwrap_or_default(),
                    sheet_id: sheet_id.and_then(|v| v.trim().parse().ok()).unwrap_or(0),
                    rel_id: rel_id.unwrap_or_default(),
                });
            }
            "calcPr" => {
                let [full] = attributes(e, ["fullCalcOnLoad"]).map_err(in_part)?;
                full_calc_on_load |=
                    full.is_some_and(|v| v == "1" || v.eq_ignore_ascii_case("true"));
            }
            _ => {}
        }
        Ok(())
    })?;
    Ok((sheets, full_calc_on_load))
}

/// Calls `visit` with every start (or empty) tag of `xml`, the text of the part `part`.
fn for_each_start(
    xml: &str,
    part: &str,
    mut visit: impl FnMut(&BytesStart<'_>) -> Result<(), PackageError>,
) -> Result<(), PackageError> {
    let mut reader = Reader::from_str(xml);
    loop {
        let event = reader.read_event().map_err(|e| {
            PackageError::in_part(
                part,
                format!("XML error at byte {}: {e}", reader.error_position()),
            )
        })?;
        match event {
            Event::Start(e) | Event::Empty(e) => visit(&e)?,
            Event::Eof => return Ok(()),
            _ => {}
        }
    }
}

/// The values (unescaped) of the first attribute of each of the local `names` on a tag.
fn attributes<const N: usize>(
    e: &BytesStart<'_>,
    names: [&str; N],
) -> Result<[Option<String>; N], String> {
    let mut found: [Option<String>; N] = std::array::from_fn(|_| None);
    for attribute in e.attributes() {
        let attribute = attribute.map_err(|e| e.to_string())?;
        let key = attribute.key.local_name();
        let Some(slot) = names
            .iter()
            .position(|name| *name == key.as_ref())
            .and_then(|i| found.get_mut(i))
        else {
            continue;
        };
        if slot.is_none() {
            let value = attribute
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|e| e.to_string())?;
            *slot = Some(value.into_owned());
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_names_resolve_and_relativize() {
        assert_eq!(
            resolve("xl/workbook.xml", "worksheets/sheet1.xml"),
            "xl/worksheets/sheet1.xml"
        );
        assert_eq!(
            resolve("xl/worksheets/sheet1.xml", "../comments1.xml"),
            "xl/comments1.xml"
        );
        assert_eq!(
            resolve("xl/workbook.xml", "/xl/worksheets/s.xml"),
            "xl/worksheets/s.xml"
        );
        assert_eq!(
            resolve("xl/workbook.xml", "../xl/./worksheets/s.xml"),
            "xl/worksheets/s.xml"
        );
        assert_eq!(
            relative_target("xl/worksheets/sheet1.xml", "xl/comments1.xml"),
            "../comments1.xml"
        );
        assert_eq!(
            relative_target("xl/worksheets/sheet1.xml", "xl/drawings/vmlDrawing1.vml"),
            "../drawings/vmlDrawing1.vml"
        );
        assert_eq!(
            relative_target("xl/workbook.xml", "xl/worksheets/sheet2.xml"),
            "worksheets/sheet2.xml"
        );
        assert_eq!(
            rels_part("xl/worksheets/sheet1.xml"),
            "xl/worksheets/_rels/sheet1.xml.rels"
        );
    }

    /// A package whose workbook part is `book/main.xml`, named by `_rels/.rels`.
    fn moved_workbook(part: &str) -> Result<Option<String>, PackageError> {
        Ok(match part {
            "_rels/.rels" => Some(format!(
                r#"<Relationships xmlns="r"><Relationship Id="rId1" Type="{REL_OFFICE_DOCUMENT}" Target="/book/main.xml"/></Relationships>"#
            )),
            "book/main.xml" => Some(
                r#"<workbook xmlns:r="x"><sheets><sheet name="A &amp; B" sheetId="3" r:id="rId2"/><sheet name="Out" sheetId="4" r:id="rId9"/><sheet name="C" sheetId="x" r:id="rId5"/></sheets><calcPr fullCalcOnLoad="true"/></workbook>"#.to_string(),
            ),
            "book/_rels/main.xml.rels" => Some(format!(
                r#"<Relationships><Relationship Id="rId5" Type="{REL_WORKSHEET}" Target="../sheets/c.xml"/><Relationship Id="rId2" Type="{REL_WORKSHEET}" Target="a.xml"/><Relationship Id="rId9" Type="{REL_WORKSHEET}" Target="http://x/y.xml" TargetMode="External"/><Relationship Id="rId7" Type="{REL_STYLES}" Target="styles.xml"/></Relationships>"#
            )),
            _ => None,
        })
    }

    #[test]
    fn the_workbook_part_is_where_the_package_rels_say() {
        let book = WorkbookPart::read(moved_workbook).expect("reads");
        assert_eq!(book.part, "book/main.xml");
        assert_eq!(book.rels_part, "book/_rels/main.xml.rels");
        assert!(book.full_calc_on_load);
        assert_eq!(
            book.sheet_parts(),
            [
                ("A & B".to_string(), "book/a.xml".to_string()),
                ("C".to_string(), "sheets/c.xml".to_string())
            ]
        );
        assert_eq!(
            book.sheets.iter().map(|s| s.sheet_id).collect::<Vec<_>>(),
            [3, 4, 0]
        );
        let styles = find_relationship(&book.rels, REL_STYLES).expect("styles");
        assert_eq!(book.target_part(styles), "book/styles.xml");
    }

    #[test]
    fn without_package_rels_the_workbook_is_at_its_usual_place() {
        let book = WorkbookPart::read(|part| -> Result<_, PackageError> {
            Ok(match part {
                "xl/workbook.xml" => Some(r#"<workbook><sheets/></workbook>"#.to_string()),
                "xl/_rels/workbook.xml.rels" => Some("<Relationships/>".to_string()),
                _ => None,
            })
        })
        .expect("reads");
        assert_eq!(book.part, "xl/workbook.xml");
        assert!(book.sheets.is_empty() && !book.full_calc_on_load);
        let broken = WorkbookPart::read(|part| -> Result<_, PackageError> {
            Ok((part == "xl/workbook.xml").then(|| "<workbook><sheets></workbook>".to_string()))
        });
        assert!(broken.is_err());
    }
}
