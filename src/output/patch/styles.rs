//! `xl/styles.xml`: new fills (one per colour) and new cell formats cloned from a cell's
//! current format with only the fill changed, or with a number format (a text number
//! made a number), allocated lazily while the sheets stream and appended to `<numFmts>`,
//! `<fills>`, `<fonts>` and `<cellXfs>` at the end (counts updated, `<numFmts>` created
//! where the part has none, every existing element kept as written).

use std::collections::HashMap;

use quick_xml::events::Event;

use super::xml::{attr, damaged, esc, local, prefix_of, rewrite_tag, Events, Splice};
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
    /// Whether the part has a `<numFmts>` element, and its custom formats (id, code).
    num_fmts_present: bool,
    num_fmts: Vec<(u32, String)>,
    /// Number formats added, as `(id, code)`.
    new_num_fmts: Vec<(u32, String)>,
    /// Cell formats cloned with a number format: (original, code, mark) → id.
    formatted_ids: HashMap<(u32, String, Option<Mark>), u32>,
}

/// Excel's built-in number formats that a text number's format may be (`numFmtId` below
/// 164 needs no `<numFmt>` element).
const BUILT_IN_FORMATS: &[(&str, u32)] = &[
    ("0", 1),
    ("0.00", 2),
    ("#,##0", 3),
    ("#,##0.00", 4),
    ("0%", 9),
    ("0.00%", 10),
];

/// The first id of a custom number format.
const FIRST_CUSTOM_FORMAT: u32 = 164;

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
            num_fmts_present: false,
            num_fmts: Vec::new(),
            new_num_fmts: Vec::new(),
            formatted_ids: HashMap::new(),
        };
        let mut xf_start: Option<usize> = None;
        loop {
            let (event, start, end) = events.next()?;
            match event {
                Event::Start(e) => {
                    depth = depth.saturating_add(1);
                    if depth == 1 {
                        styles.prefix = prefix_of(e.name());
                    }
                    if depth == 2 {
                        section = match local(&e) {
                            "numFmts" => {
                                styles.num_fmts_present = true;
                                "numFmts"
                            }
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
                            "numFmts" => styles.num_fmts_present = true,
                            "fills" => seen.0 = true,
                            "fonts" => seen.1 = true,
                            "cellXfs" => seen.2 = true,
                            _ => {}
                        }
                    } else if depth == 2 {
                        if section == "numFmts" && local(&e) == "numFmt" {
                            let id =
                                attr(&e, "numFmtId", part)?.and_then(|id| id.trim().parse().ok());
                            let code = attr(&e, "formatCode", part)?;
                            if let (Some(id), Some(code)) = (id, code) {
                                styles.num_fmts.push((id, code));
                            }
                        }
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
        !(self.new_fills.is_empty()
            && self.new_fonts.is_empty()
            && self.new_xfs.is_empty()
            && self.new_num_fmts.is_empty())
    }

    /// The id of number format `code`: a built-in one, one the part has, or a new one.
    fn num_fmt_id(&mut self, code: &str) -> Result<u32, OutputError> {
        if let Some((_, id)) = BUILT_IN_FORMATS
            .iter()
            .find(|(built_in, _)| *built_in == code)
        {
            return Ok(*id);
        }
        if let Some((id, _)) = self
            .num_fmts
            .iter()
            .chain(&self.new_num_fmts)
            .find(|(_, known)| known == code)
        {
            return Ok(*id);
        }
        let id = self
            .num_fmts
            .iter()
            .chain(&self.new_num_fmts)
            .map(|(id, _)| id.saturating_add(1))
            .max()
            .unwrap_or(FIRST_CUSTOM_FORMAT)
            .max(FIRST_CUSTOM_FORMAT);
        self.new_num_fmts.push((id, code.to_string()));
        Ok(id)
    }

    /// The cell format for a cell whose format is `original` that now holds a number shown
    /// with number format `code` (and `mark`'s fill, if any): a clone of `original` with
    /// the number format set and the quote prefix (`'` typed before a number) dropped. One
    /// per (original, code, mark).
    ///
    /// # Errors
    /// `Package` when the original format cannot be parsed.
    pub(super) fn formatted_xf(
        &mut self,
        original: u32,
        code: &str,
        mark: Option<Mark>,
    ) -> Result<u32, OutputError> {
        let key = (original, code.to_string(), mark);
        if let Some(id) = self.formatted_ids.get(&key) {
            return Ok(*id);
        }
        let num_fmt = self.num_fmt_id(code)?;
        let fill = mark.map(|mark| self.fill_id(mark.rgb())).transpose()?;
        let base = self.base_xf(original);
        let mut set = vec![
            ("numFmtId", Some(num_fmt.to_string())),
            ("applyNumberFormat", Some("1".to_string())),
            ("quotePrefix", None),
        ];
        if let Some(fill) = fill {
            set.push(("fillId", Some(fill.to_string())));
            set.push(("applyFill", Some("1".to_string())));
        }
        let xf = clone_xf(&base, &set, &self.part)?;
        let id = self.push_xf(xf)?;
        self.formatted_ids.insert(key, id);
        Ok(id)
    }

    /// The `<xf>` of cell format `original` as written (the first, or a plain one, when
    /// the id is out of range).
    fn base_xf(&self, original: u32) -> String {
        usize::try_from(original)
            .ok()
            .and_then(|i| self.xfs.get(i))
            .or_else(|| self.xfs.first())
            .cloned()
            .unwrap_or_else(|| {
                format!(
                    "<{}xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/>",
                    self.prefix
                )
            })
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
        let base = self.base_xf(original);
        let set = [
            ("fillId", Some(fill.to_string())),
            ("applyFill", Some("1".to_string())),
        ];
        let xf = clone_xf(&base, &set, &self.part)?;
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
                    if depth == 1 && !self.num_fmts_present && !self.new_num_fmts.is_empty() {
                        // `<numFmts>` is the style sheet's first child.
                        let p = prefix_of(e.name());
                        let count = self.new_num_fmts.len();
                        let body = self.additions("numFmts");
                        splice.insert_at(
                            end,
                            &format!("<{p}numFmts count=\"{count}\">{body}</{p}numFmts>"),
                        );
                    }
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
                            let p = prefix_of(e.name());
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
            "numFmts" => Some((self.num_fmts.len(), self.new_num_fmts.len())),
            "fills" => Some((self.fills as usize, self.new_fills.len())),
            "fonts" => Some((self.fonts as usize, self.new_fonts.len())),
            "cellXfs" => Some((self.xfs.len(), self.new_xfs.len())),
            _ => None,
        }
    }

    fn additions(&self, name: &str) -> String {
        match name {
            "numFmts" => {
                let p = &self.prefix;
                self.new_num_fmts
                    .iter()
                    .map(|(id, code)| {
                        format!(
                            "<{p}numFmt numFmtId=\"{id}\" formatCode=\"{}\"/>",
                            esc(code)
                        )
                    })
                    .collect()
            }
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

/// `<xf …>` with the attributes of `set` set (or removed, for `None`), children kept.
fn clone_xf(raw: &str, set: &[(&str, Option<String>)], part: &str) -> Result<String, OutputError> {
    let mut events = Events::new(raw, part);
    let (event, _, end) = events.next()?;
    match event {
        Event::Empty(e) => rewrite_tag(&e, set, true, part),
        Event::Start(e) => {
            let tag = rewrite_tag(&e, set, false, part)?;
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

    #[test]
    fn number_formats_are_built_in_reused_or_added_and_the_quote_prefix_dropped() {
        // No <numFmts>: one is created as the style sheet's first child.
        let quoted = XML.replace(
            r##"<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>"##,
            r##"<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1" applyNumberFormat="1"/>"##,
        );
        let mut styles = Styles::parse(&quoted, "s").expect("parsed");
        assert_eq!(styles.formatted_xf(0, "#,##0", None).expect("xf"), 2);
        assert_eq!(styles.formatted_xf(0, "#,##0", None).expect("xf"), 2);
        assert_eq!(
            styles.formatted_xf(0, "#,##0\" đồng\"", None).expect("xf"),
            3
        );
        assert_eq!(
            styles
                .formatted_xf(1, "0.0", Some(Mark::Fixed))
                .expect("xf"),
            4
        );
        let out = styles.patch(&quoted).expect("patched");
        assert!(
            out.starts_with(r##"<styleSheet xmlns="m"><numFmts count="2"><numFmt numFmtId="164" formatCode="#,##0&quot; đồng&quot;"/><numFmt numFmtId="165" formatCode="0.0"/></numFmts><fonts"##),
            "{out}"
        );
        assert!(out.contains(r##"<xf fontId="0" fillId="0" borderId="0" xfId="0" numFmtId="3" applyNumberFormat="1"/>"##), "{out}");
        assert_eq!(
            out.matches("quotePrefix").count(),
            1,
            "only the original keeps it"
        );
        assert!(out.contains(r##"<xf fontId="3" borderId="1" xfId="0" numFmtId="165" applyNumberFormat="1" fillId="2" applyFill="1"><alignment horizontal="center"/></xf>"##), "{out}");

        // A <numFmts> the part has: its codes are reused, new ids follow its highest.
        let with_formats = XML.replace(
            "<fonts",
            r##"<numFmts count="2"><numFmt numFmtId="164" formatCode="0.0"/><numFmt numFmtId="170" formatCode="@"/></numFmts><fonts"##,
        );
        let mut styles = Styles::parse(&with_formats, "s").expect("parsed");
        styles.formatted_xf(0, "0.0", None).expect("xf");
        styles.formatted_xf(0, "0.0%", None).expect("xf");
        let out = styles.patch(&with_formats).expect("patched");
        assert!(
            out.contains(r##"<numFmts count="3"><numFmt numFmtId="164" formatCode="0.0"/><numFmt numFmtId="170" formatCode="@"/><numFmt numFmtId="171" formatCode="0.0%"/></numFmts>"##),
            "{out}"
        );
        assert!(
            out.contains(r##"xfId="0" numFmtId="164" applyNumberFormat="1"/>"##),
            "{out}"
        );
    }
}
