//! `xl/styles.xml`: new fills (one per colour) and new cell formats cloned from a cell's
//! current format with only the fill changed, allocated lazily while the sheets stream and
//! appended to `<fills>`, `<fonts>` and `<cellXfs>` at the end (counts updated, every
//! existing element kept as written).

use std::collections::HashMap;

use quick_xml::events::Event;

use super::xml::{damaged, local, prefix_of, rewrite_tag, Events, Splice};
use super::Mark;
use crate::output::OutputError;

/// The workbook's styles and the formats added to them.
pub(super) struct Styles {
    part: String,
    prefix: String,
    xfs: Vec<String>,
    fills: u32,
    fonts: u32,
    new_fills: Vec<String>,
    fill_ids: HashMap<String, u32>,
    new_fonts: Vec<String>,
    new_xfs: Vec<String>,
    xf_ids: HashMap<(u32, Mark), u32>,
    header_xf: Option<u32>,
    link_xf: Option<u32>,
}

impl Styles {
    /// Reads the fills, fonts and cell formats of a styles part.
    ///
    /// # Errors
    /// `Package` when the XML is malformed or lacks `<fills>`, `<fonts>` or `<cellXfs>`.
    pub(super) fn parse(xml: &str, part: &str) -> Result<Styles, OutputError> {
        let mut events = Events::new(xml, part);
        let mut depth = 0usize;
        let mut section = "";
        let mut seen = (false, false, false);
        let mut styles = Styles {
            part: part.to_string(),
            prefix: String::new(),
            xfs: Vec::new(),
            fills: 0,
            fonts: 0,
            new_fills: Vec::new(),
            fill_ids: HashMap::new(),
            new_fonts: Vec::new(),
            new_xfs: Vec::new(),
            xf_ids: HashMap::new(),
            header_xf: None,
            link_xf: None,
        };
        let mut xf_start: Option<usize> = None;
        loop {
            let (event, start, end) = events.next()?;
            match event {
                Event::Start(e) => {
                    depth = depth.saturating_add(1);
                    if depth == 1 {
                        styles.prefix = prefix_of(&e);
                    }
                    if depth == 2 {
                        section = match local(&e) {
                            "fills" => {
                                seen.0 = true;
                                "fills"
                            }
                            "fonts" => {
                                seen.1 = true;
                                "fonts"
                            }
                            "cellXfs" => {
                                seen.2 = true;
                                "cellXfs"
                            }
                            _ => "",
                        };
                    } else if depth == 3 {
                        styles.count_child(section, local(&e));
                        if section == "cellXfs" && local(&e) == "xf" {
                            xf_start = Some(start);
                        }
                    }
                }
                Event::Empty(e) => {
                    if depth == 1 {
                        match local(&e) {
                            "fills" => seen.0 = true,
                            "fonts" => seen.1 = true,
                            "cellXfs" => seen.2 = true,
                            _ => {}
                        }
                    } else if depth == 2 {
                        styles.count_child(section, local(&e));
                        if section == "cellXfs" && local(&e) == "xf" {
                            styles
                                .xfs
                                .push(xml.get(start..end).unwrap_or("").to_string());
                        }
                    }
                }
                Event::End(_) => {
                    if depth == 3 {
                        if let Some(s) = xf_start.take() {
                            styles.xfs.push(xml.get(s..end).unwrap_or("").to_string());
                        }
                    }
                    if depth == 2 {
                        section = "";
                    }
                    depth = depth.saturating_sub(1);
                }
                Event::Eof => break,
                _ => {}
            }
        }
        if !(seen.0 && seen.1 && seen.2) {
            return Err(damaged(part, "styles lack <fills>, <fonts> or <cellXfs>"));
        }
        Ok(styles)
    }

    fn count_child(&mut self, section: &str, name: &str) {
        match (section, name) {
            ("fills", "fill") => self.fills = self.fills.saturating_add(1),
            ("fonts", "font") => self.fonts = self.fonts.saturating_add(1),
            _ => {}
        }
    }

    /// Whether anything was added.
    pub(super) fn changed(&self) -> bool {
        !(self.new_fills.is_empty() && self.new_fonts.is_empty() && self.new_xfs.is_empty())
    }

    /// The number of cell formats the part had.
    #[cfg(test)]
    pub(super) fn original_xfs(&self) -> usize {
        self.xfs.len()
    }

    fn fill_id(&mut self, rgb: &str) -> Result<u32, OutputError> {
        if let Some(id) = self.fill_ids.get(rgb) {
            return Ok(*id);
        }
        let id = self
            .fills
            .checked_add(self.new_fills.len() as u32)
            .ok_or_else(|| damaged(&self.part, "too many fills"))?;
        let p = &self.prefix;
        self.new_fills.push(format!(
            "<{p}fill><{p}patternFill patternType=\"solid\"><{p}fgColor rgb=\"{rgb}\"/><{p}bgColor indexed=\"64\"/></{p}patternFill></{p}fill>"
        ));
        self.fill_ids.insert(rgb.to_string(), id);
        Ok(id)
    }

    fn push_xf(&mut self, xf: String) -> Result<u32, OutputError> {
        let id = u32::try_from(self.xfs.len().saturating_add(self.new_xfs.len()))
            .map_err(|_| damaged(&self.part, "too many cell formats"))?;
        self.new_xfs.push(xf);
        Ok(id)
    }

    /// The cell format for a cell whose format is `original` and that gets `mark`'s fill:
    /// a clone of `original` (font, border, number format, alignment, protection) with the
    /// new fill. One per (original, mark).
    ///
    /// # Errors
    /// `Package` when the original format cannot be parsed.
    pub(super) fn marked_xf(&mut self, original: u32, mark: Mark) -> Result<u32, OutputError> {
        if let Some(id) = self.xf_ids.get(&(original, mark)) {
            return Ok(*id);
        }
        let fill = self.fill_id(mark.rgb())?;
        let base = usize::try_from(original)
            .ok()
            .and_then(|i| self.xfs.get(i))
            .or_else(|| self.xfs.first())
            .cloned()
            .unwrap_or_else(|| {
                format!(
                    "<{}xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/>",
                    self.prefix
                )
            });
        let xf = clone_xf_with_fill(&base, fill, &self.part)?;
        let id = self.push_xf(xf)?;
        self.xf_ids.insert((original, mark), id);
        Ok(id)
    }

    /// A bold, grey-filled format for the results sheet's header row.
    ///
    /// # Errors
    /// `Package` only on counts overflowing.
    pub(super) fn header_xf(&mut self) -> Result<u32, OutputError> {
        if let Some(id) = self.header_xf {
            return Ok(id);
        }
        let font =
            self.push_font("<b/><sz val=\"11\"/><name val=\"Calibri\"/><family val=\"2\"/>")?;
        let fill = self.fill_id("FFD9D9D9")?;
        let p = self.prefix.clone();
        let id = self.push_xf(format!(
            "<{p}xf numFmtId=\"0\" fontId=\"{font}\" fillId=\"{fill}\" borderId=\"0\" xfId=\"0\" applyFont=\"1\" applyFill=\"1\"/>"
        ))?;
        self.header_xf = Some(id);
        Ok(id)
    }

    /// A blue underlined format for the results sheet's hyperlinks.
    ///
    /// # Errors
    /// `Package` only on counts overflowing.
    pub(super) fn link_xf(&mut self) -> Result<u32, OutputError> {
        if let Some(id) = self.link_xf {
            return Ok(id);
        }
        let font = self.push_font(
            "<u/><sz val=\"11\"/><color rgb=\"FF0563C1\"/><name val=\"Calibri\"/><family val=\"2\"/>",
        )?;
        let p = self.prefix.clone();
        let id = self.push_xf(format!(
            "<{p}xf numFmtId=\"0\" fontId=\"{font}\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyFont=\"1\"/>"
        ))?;
        self.link_xf = Some(id);
        Ok(id)
    }

    fn push_font(&mut self, inner: &str) -> Result<u32, OutputError> {
        let id = self
            .fonts
            .checked_add(self.new_fonts.len() as u32)
            .ok_or_else(|| damaged(&self.part, "too many fonts"))?;
        let p = &self.prefix;
        let inner = if p.is_empty() {
            inner.to_string()
        } else {
            inner.replace('<', &format!("<{p}"))
        };
        self.new_fonts.push(format!("<{p}font>{inner}</{p}font>"));
        Ok(id)
    }

    /// The styles part with the new fills, fonts and formats appended and counts updated.
    ///
    /// # Errors
    /// `Package` when the XML is malformed.
    pub(super) fn patch(&self, xml: &str) -> Result<String, OutputError> {
        let part = self.part.as_str();
        let mut events = Events::new(xml, part);
        let mut splice = Splice::new(xml);
        let mut depth = 0usize;
        loop {
            let (event, start, end) = events.next()?;
            match event {
                Event::Start(e) => {
                    depth = depth.saturating_add(1);
                    if depth == 2 {
                        if let Some((have, added)) = self.section(local(&e)) {
                            if added > 0 {
                                let tag = rewrite_count(&e, have, added, false, part)?;
                                splice.replace(start, end, &tag);
                            }
                        }
                    }
                }
                Event::Empty(e) if depth == 1 => {
                    if let Some((have, added)) = self.section(local(&e)) {
                        if added > 0 {
                            let name = local(&e).to_string();
                            let p = prefix_of(&e);
                            let tag = rewrite_count(&e, have, added, false, part)?;
                            let body = self.additions(&name);
                            splice.replace(start, end, &format!("{tag}{body}</{p}{name}>"));
                        }
                    }
                }
                Event::End(e) => {
                    if depth == 2 {
                        let name = e.local_name().into_inner();
                        if self.section(name).is_some() {
                            let body = self.additions(name);
                            splice.insert_at(start, &body);
                        }
                    }
                    depth = depth.saturating_sub(1);
                }
                Event::Eof => break,
                _ => {}
            }
        }
        Ok(splice.finish())
    }

    fn section(&self, name: &str) -> Option<(usize, usize)> {
        match name {
            "fills" => Some((self.fills as usize, self.new_fills.len())),
            "fonts" => Some((self.fonts as usize, self.new_fonts.len())),
            "cellXfs" => Some((self.xfs.len(), self.new_xfs.len())),
            _ => None,
        }
    }

    fn additions(&self, name: &str) -> String {
        match name {
            "fills" => self.new_fills.concat(),
            "fonts" => self.new_fonts.concat(),
            "cellXfs" => self.new_xfs.concat(),
            _ => String::new(),
        }
    }
}

fn rewrite_count(
    e: &quick_xml::events::BytesStart<'_>,
    have: usize,
    added: usize,
    empty: bool,
    part: &str,
) -> Result<String, OutputError> {
    let has_count = super::xml::attr(e, "count", part)?.is_some();
    if has_count {
        rewrite_tag(
            e,
            &[("count", Some(have.saturating_add(added).to_string()))],
            empty,
            part,
        )
    } else {
        rewrite_tag(e, &[], empty, part)
    }
}

/// `<xf …>` with `fillId` set and `applyFill="1"`, children kept.
fn clone_xf_with_fill(raw: &str, fill: u32, part: &str) -> Result<String, OutputError> {
    let mut events = Events::new(raw, part);
    let (event, _, end) = events.next()?;
    let set = [
        ("fillId", Some(fill.to_string())),
        ("applyFill", Some("1".to_string())),
    ];
    match event {
        Event::Empty(e) => rewrite_tag(&e, &set, true, part),
        Event::Start(e) => {
            let tag = rewrite_tag(&e, &set, false, part)?;
            Ok(format!("{tag}{}", raw.get(end..).unwrap_or("")))
        }
        _ => Err(damaged(part, "unexpected cell format")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const XML: &str = r#"<styleSheet xmlns="m"><fonts count="1"><font><sz val="11"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="164" fontId="3" fillId="0" borderId="1" xfId="0" applyNumberFormat="1"><alignment horizontal="center"/></xf></cellXfs></styleSheet>"#;

    #[test]
    fn clones_format_with_new_fill_once_per_mark() {
        let mut styles = Styles::parse(XML, "s").expect("parsed");
        assert_eq!(styles.original_xfs(), 2);
        assert_eq!(styles.marked_xf(1, Mark::Error).expect("xf"), 2);
        assert_eq!(styles.marked_xf(1, Mark::Error).expect("xf"), 2);
        assert_eq!(styles.marked_xf(0, Mark::Error).expect("xf"), 3);
        let out = styles.patch(XML).expect("patched");
        assert!(out.contains(r#"<fills count="3">"#), "{out}");
        assert!(out.contains(r#"<fgColor rgb="FFFFC7CE"/>"#));
        assert!(out.contains(r#"<cellXfs count="4">"#));
        assert!(out.contains(r#"<xf numFmtId="164" fontId="3" borderId="1" xfId="0" applyNumberFormat="1" fillId="2" applyFill="1"><alignment horizontal="center"/></xf>"#), "{out}");
        assert!(out.starts_with(
            r#"<styleSheet xmlns="m"><fonts count="1"><font><sz val="11"/></font></fonts>"#
        ));
    }
}
