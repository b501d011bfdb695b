//! The package being patched: reading its parts, writing it back (untouched entries copied
//! raw, without recompressing), and the edits to relationship parts and
//! `[Content_Types].xml` that added and removed parts need. What a package's parts and
//! relationships mean is [`crate::ooxml`]'s.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Cursor, Read};

use crossfoot_zip_writer::PackageWriter;
use quick_xml::events::Event;
use zip::ZipArchive;

use super::xml::{attr, damaged, esc, local, prefix_of, text_of, Events, Splice};
use crate::ooxml::{Archive, PackageError, Relationship};
use crate::output::OutputError;

impl From<PackageError> for OutputError {
    fn from(error: PackageError) -> Self {
        OutputError::Package(error.to_string())
    }
}

const MAX_PART: u64 = 1 << 31;

/// An opened package and the edits to write back.
pub(super) struct Package<'a> {
    archive: Archive<'a>,
    names: Vec<String>,
    /// Parts whose content is replaced (part name without leading `/`).
    pub(super) replaced: BTreeMap<String, Vec<u8>>,
    /// Parts dropped from the package.
    pub(super) removed: BTreeSet<String>,
    /// New parts, written after the original entries in this order.
    pub(super) added: Vec<(String, Vec<u8>)>,
}

impl<'a> Package<'a> {
    /// Opens the zip.
    ///
    /// # Errors
    /// `Package` when the bytes are not a readable zip.
    pub(super) fn open(bytes: &'a [u8]) -> Result<Self, OutputError> {
        let archive = ZipArchive::new(Cursor::new(bytes))
            .map_err(|e| OutputError::Package(format!("not a zip package: {e}")))?;
        let names = archive
            .file_names()
            .map(|n| n.map(|n| n.into_owned()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| OutputError::Package(format!("zip entry names: {e}")))?;
        Ok(Package {
            archive,
            names,
            replaced: BTreeMap::new(),
            removed: BTreeSet::new(),
            added: Vec::new(),
        })
    }

    /// The stored entry name matching a part name (OPC names are case-insensitive).
    fn entry_name(&self, part: &str) -> Option<String> {
        let part = part.trim_start_matches('/');
        self.names
            .iter()
            .find(|n| n.as_str() == part)
            .or_else(|| self.names.iter().find(|n| n.eq_ignore_ascii_case(part)))
            .cloned()
    }

    /// Whether a part exists (original or added, and not removed).
    pub(super) fn exists(&self, part: &str) -> bool {
        let part = part.trim_start_matches('/');
        (self.entry_name(part).is_some() && !self.removed.contains(part))
            || self.added.iter().any(|(n, _)| n.eq_ignore_ascii_case(part))
    }

    /// The current text of a part: replaced content if any, else the original.
    ///
    /// # Errors
    /// `Package` when the entry cannot be decompressed or is not UTF-8.
    pub(super) fn text(&mut self, part: &str) -> Result<Option<String>, OutputError> {
        let part = part.trim_start_matches('/');
        if let Some(bytes) = self.replaced.get(part) {
            return text_of(bytes.clone(), part).map(Some);
        }
        if let Some((_, bytes)) = self.added.iter().find(|(n, _)| n == part) {
            return text_of(bytes.clone(), part).map(Some);
        }
        let Some(name) = self.entry_name(part) else {
            return Ok(None);
        };
        let mut file = self.archive.by_name(&name).map_err(|e| damaged(part, e))?;
        let mut bytes = Vec::with_capacity(usize::try_from(file.size().min(MAX_PART)).unwrap_or(0));
        (&mut file)
            .take(MAX_PART)
            .read_to_end(&mut bytes)
            .map_err(|e| damaged(part, e))?;
        text_of(bytes, part).map(Some)
    }

    /// Sets a part's new content (replacing an original part or an added one).
    pub(super) fn put(&mut self, part: &str, content: String) {
        let part = part.trim_start_matches('/');
        if let Some(slot) = self.added.iter_mut().find(|(n, _)| n == part) {
            slot.1 = content.into_bytes();
        } else if let Some(name) = self.entry_name(part) {
            self.replaced.insert(name, content.into_bytes());
        } else {
            self.added.push((part.to_string(), content.into_bytes()));
        }
    }

    /// Drops a part from the package.
    pub(super) fn remove(&mut self, part: &str) {
        if let Some(name) = self.entry_name(part) {
            self.replaced.remove(&name);
            self.removed.insert(name);
        }
    }

    /// A part name `dir/stemN.ext` not used yet, N from 1.
    pub(super) fn free_name(&self, dir: &str, stem: &str, ext: &str) -> String {
        let mut n: u32 = 1;
        loop {
            let name = format!("{dir}{stem}{n}.{ext}");
            if !self.exists(&name) && self.entry_name(&name).is_none() {
                return name;
            }
            n = n.saturating_add(1);
            if n == u32::MAX {
                return format!("{dir}{stem}-crossfoot.{ext}");
            }
        }
    }

    /// Writes the package: original entries in their order (untouched ones copied raw,
    /// replaced ones deflated), then the added parts.
    ///
    /// # Errors
    /// `Package` when an entry cannot be read, `Write` when writing fails.
    pub(super) fn finish(mut self) -> Result<Vec<u8>, OutputError> {
        let write_err = |e: zip::result::ZipError| OutputError::Write(e.to_string());
        let io_err = |e: std::io::Error| OutputError::Write(e.to_string());
        let mut writer = PackageWriter::new();
        for index in 0..self.archive.len() {
            let Some(name) = self.names.get(index).cloned() else {
                continue;
            };
            if self.removed.contains(&name) {
                continue;
            }
            if let Some(content) = self.replaced.get(&name) {
                let modified = self
                    .archive
                    .by_index_raw(index)
                    .ok()
                    .and_then(|file| file.last_modified());
                let (level, large) = options_for(content.len());
                writer
                    .start_deflated(name.as_str(), level, large, modified)
                    .map_err(write_err)?;
                writer.write_all(content).map_err(io_err)?;
            } else {
                let file = self
                    .archive
                    .by_index_raw(index)
                    .map_err(|e| damaged(&name, e))?;
                writer.raw_copy_file(file).map_err(write_err)?;
            }
        }
        for (name, content) in &self.added {
            let (level, large) = options_for(content.len());
            writer
                .start_deflated(name.as_str(), level, large, None)
                .map_err(write_err)?;
            writer.write_all(content).map_err(io_err)?;
        }
        writer.finish().map_err(write_err)
    }
}

/// Parts at least this large (a sheet of some 50,000 rows and more) are deflated at
/// [`BIG_PART_LEVEL`].
const BIG_PART: usize = 16 << 20;

/// Deflating a big sheet again is most of what annotating it costs once its unchanged rows
/// are copied unparsed: level 2 saves some of that time and keeps the office's file close
/// to the size the default level gives; level 1 saves little more and makes it much larger.
const BIG_PART_LEVEL: i64 = 2;

/// How a replaced or added part of `len` bytes is deflated: its level (big parts at
/// [`BIG_PART_LEVEL`], others at the default), and whether it needs zip64.
fn options_for(len: usize) -> (Option<i64>, bool) {
    (
        (len >= BIG_PART).then_some(BIG_PART_LEVEL),
        len as u64 >= u64::from(u32::MAX),
    )
}

/// A relationship id not used by `rels` (`rId{n}` after the largest number).
pub(super) fn free_rel_id(rels: &[Relationship], taken: &[String]) -> String {
    let mut n = rels.len().saturating_add(taken.len()).saturating_add(1);
    loop {
        let id = format!("rId{n}");
        if !rels.iter().any(|r| r.id == id) && !taken.contains(&id) {
            return id;
        }
        n = n.saturating_add(1);
    }
}

/// Adds relationships to a rels part (or a new one) and removes those with the given ids.
///
/// # Errors
/// `Package` when the existing XML is malformed.
pub(super) fn patch_rels(
    xml: Option<&str>,
    part: &str,
    add: &[(String, &str, String)],
    remove: &[String],
) -> Result<String, OutputError> {
    let new_rels: String = add
        .iter()
        .map(|(id, kind, target)| {
            format!(
                "<Relationship Id=\"{}\" Type=\"{}\" Target=\"{}\"/>",
                esc(id),
                esc(kind),
                esc(target)
            )
        })
        .collect();
    let Some(xml) = xml else {
        return Ok(format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">{new_rels}</Relationships>"
        ));
    };
    let mut events = Events::new(xml, part);
    let mut splice = Splice::new(xml);
    let mut done = false;
    loop {
        let (event, start, end) = events.next()?;
        match event {
            Event::Start(e) | Event::Empty(e) if local(&e) == "Relationship" => {
                if let Some(id) = attr(&e, "Id", part)? {
                    if remove.contains(&id) {
                        splice.remove(start, end);
                    }
                }
            }
            Event::Empty(e) if local(&e) == "Relationships" => {
                let p = prefix_of(e.name());
                let open = xml.get(start..end).unwrap_or("").trim_end_matches("/>");
                let with = new_rels.replace("<Relationship ", &format!("<{p}Relationship "));
                splice.replace(start, end, &format!("{open}>{with}</{p}Relationships>"));
                done = true;
            }
            Event::End(e) if e.local_name().into_inner() == "Relationships" => {
                let p = prefix_of(e.name());
                let with = new_rels.replace("<Relationship ", &format!("<{p}Relationship "));
                splice.insert_at(start, &with);
                done = true;
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !done {
        return Err(damaged(part, "no <Relationships> element"));
    }
    Ok(splice.finish())
}

/// Adds `Default` extensions and `Override` parts to `[Content_Types].xml` (skipping those
/// present) and removes overrides of dropped parts.
///
/// # Errors
/// `Package` when the XML is malformed.
pub(super) fn patch_content_types(
    xml: &str,
    defaults: &[(&str, &str)],
    overrides: &[(String, &str)],
    remove: &[String],
) -> Result<String, OutputError> {
    const PART: &str = "[Content_Types].xml";
    let mut have_ext: Vec<String> = Vec::new();
    let mut have_part: Vec<String> = Vec::new();
    let mut events = Events::new(xml, PART);
    let mut splice = Splice::new(xml);
    let mut done = false;
    loop {
        let (event, start, end) = events.next()?;
        match event {
            Event::Start(e) | Event::Empty(e) if local(&e) == "Default" => {
                if let Some(ext) = attr(&e, "Extension", PART)? {
                    have_ext.push(ext.to_ascii_lowercase());
                }
            }
            Event::Start(e) | Event::Empty(e) if local(&e) == "Override" => {
                if let Some(name) = attr(&e, "PartName", PART)? {
                    let bare = name.trim_start_matches('/').to_string();
                    if remove.iter().any(|r| r.eq_ignore_ascii_case(&bare)) {
                        splice.remove(start, end);
                    } else {
                        have_part.push(bare.to_ascii_lowercase());
                    }
                }
            }
            Event::End(e) if e.local_name().into_inner() == "Types" => {
                let p = prefix_of(e.name());
                let mut new = String::new();
                for (ext, ct) in defaults {
                    if !have_ext.contains(&ext.to_ascii_lowercase()) {
                        new.push_str(&format!(
                            "<{p}Default Extension=\"{}\" ContentType=\"{}\"/>",
                            esc(ext),
                            esc(ct)
                        ));
                    }
                }
                for (name, ct) in overrides {
                    let bare = name.trim_start_matches('/');
                    if !have_part.contains(&bare.to_ascii_lowercase()) {
                        new.push_str(&format!(
                            "<{p}Override PartName=\"/{}\" ContentType=\"{}\"/>",
                            esc(bare),
                            esc(ct)
                        ));
                    }
                }
                splice.insert_at(start, &new);
                done = true;
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !done {
        return Err(damaged(PART, "no <Types> element"));
    }
    Ok(splice.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rels_gain_and_lose_entries() {
        let xml = r#"<Relationships xmlns="x"><Relationship Id="rId1" Type="a" Target="b"/><Relationship Id="rId2" Type="c" Target="d"/></Relationships>"#;
        let out = patch_rels(
            Some(xml),
            "r",
            &[("rId3".into(), "t", "u&v".into())],
            &["rId2".into()],
        )
        .expect("patched");
        assert_eq!(
            out,
            r#"<Relationships xmlns="x"><Relationship Id="rId1" Type="a" Target="b"/><Relationship Id="rId3" Type="t" Target="u&amp;v"/></Relationships>"#
        );
        let rels = crate::ooxml::relationships(&out, "r").expect("parsed");
        assert_eq!(rels.len(), 2);
        assert_eq!(free_rel_id(&rels, &[]), "rId4");
    }
}
