//! One worksheet part, streamed once: target cells get their new style (and value), missing
//! cells and rows are created in order, `<dimension>` grows to cover them, and
//! `<legacyDrawing>` is inserted at its schema position when notes are added. Everything else
//! is copied byte for byte.

use std::collections::{BTreeMap, HashMap};

use quick_xml::events::{BytesStart, Event};

use super::styles::Styles;
use super::xml::{
    attr, damaged, esc, local, ns_prefix, prefix_of, rewrite_tag, Events, Splice, REL_NS,
};
use super::{CellPlan, Mark, ValueEdit};
use crate::model::CellRef;
use crate::output::OutputError;

/// Worksheet children that come after `<legacyDrawing>` in the schema.
const AFTER_LEGACY: &[&str] = &[
    "legacyDrawingHF",
    "drawingHF",
    "picture",
    "oleObjects",
    "controls",
    "webPublishItems",
    "tableParts",
    "extLst",
    "AlternateContent",
];

/// What streaming one sheet produced.
#[derive(Debug, Default)]
pub(super) struct SheetOutcome {
    /// The new sheet XML.
    pub(super) xml: String,
    /// The `r:id` of a `<legacyDrawing>` the sheet already had.
    pub(super) legacy_rid: Option<String>,
    /// Whether a new `<legacyDrawing r:id=…>` was written.
    pub(super) inserted_legacy: bool,
    /// The cached values of cells whose value changed, as stored.
    pub(super) old_values: HashMap<CellRef, String>,
    /// Cells whose value edit could not be applied (a shared or array formula anchor).
    pub(super) unapplied: Vec<CellRef>,
    /// Whether any formula was removed or written.
    pub(super) formula_changed: bool,
    /// Whether any text cell was made a number (formulas reading it change).
    pub(super) converted: bool,
}

struct Child {
    name: String,
    start: usize,
    end: usize,
    inner: Option<(usize, usize)>,
    f_kind: Option<String>,
    f_ref: Option<String>,
}

struct Capture {
    tag: BytesStart<'static>,
    start: usize,
    tag_end: usize,
    at: CellRef,
    children: Vec<Child>,
}

struct Streamer<'p> {
    part: &'p str,
    plan: &'p BTreeMap<CellRef, CellPlan>,
    pending: std::iter::Peekable<std::collections::btree_map::Iter<'p, CellRef, CellPlan>>,
    styles: &'p mut Styles,
    p: String,
    out: SheetOutcome,
}

/// Streams a worksheet part, applying `plan`.
///
/// # Errors
/// `Package` when the XML is malformed.
pub(super) fn patch_sheet(
    xml: &str,
    part: &str,
    plan: &BTreeMap<CellRef, CellPlan>,
    styles: &mut Styles,
    notes_wanted: bool,
    new_legacy_rid: &str,
) -> Result<SheetOutcome, OutputError> {
    let mut s = Streamer {
        part,
        plan,
        pending: plan.iter().peekable(),
        styles,
        p: String::new(),
        out: SheetOutcome::default(),
    };
    let mut walk = Walk {
        xml,
        part,
        events: Events::new(xml, part),
        splice: Splice::new(xml),
        notes_wanted,
        new_legacy_rid,
        depth: 0,
        r_prefix: None,
        in_data: false,
        data_done: false,
        row: None,
        last_row: None,
        last_col: None,
        capture: None,
        child_start: None,
    };
    loop {
        let (event, start, end) = walk.events.next()?;
        match &event {
            Event::Start(e) | Event::Empty(e) => {
                let tag = Tag(e, matches!(event, Event::Empty(_)), start, end);
                walk.start_tag(&mut s, tag)?;
            }
            Event::End(e) => walk.end_tag(&mut s, e.local_name().into_inner(), (start, end))?,
            Event::Eof => break,
            _ => {}
        }
    }
    if !walk.data_done {
        return Err(damaged(part, "no <sheetData>"));
    }
    let mut out = s.out;
    out.xml = walk.splice.finish();
    Ok(out)
}

/// A start tag, whether it is empty (`<x/>`), and where it starts and ends in the sheet's
/// XML.
#[derive(Clone, Copy)]
struct Tag<'t, 'x>(&'t BytesStart<'x>, bool, usize, usize);

/// Where the stream is in the sheet's XML, and the copy it is writing.
struct Walk<'x> {
    xml: &'x str,
    part: &'x str,
    events: Events<'x>,
    splice: Splice<'x>,
    /// Notes are added: the sheet needs a `<legacyDrawing>`.
    notes_wanted: bool,
    /// The relationship id a new `<legacyDrawing>` points with.
    new_legacy_rid: &'x str,
    depth: usize,
    /// The prefix the sheet binds the relationships namespace to.
    r_prefix: Option<String>,
    /// Inside `<sheetData>`.
    in_data: bool,
    /// Past `<sheetData>`.
    data_done: bool,
    /// The open row: its index and the style its cells take (`customFormat`).
    row: Option<(u32, Option<u32>)>,
    last_row: Option<u32>,
    last_col: Option<u32>,
    /// The planned cell being read, to be rebuilt at its end tag.
    capture: Option<Capture>,
    /// The open child of the captured cell: its start tag's span and the tag.
    child_start: Option<(usize, usize, BytesStart<'static>)>,
}

impl Walk<'_> {
    /// A start (or empty) tag.
    fn start_tag(&mut self, s: &mut Streamer<'_>, tag: Tag<'_, '_>) -> Result<(), OutputError> {
        let Tag(e, is_empty, start, end) = tag;
        let name = local(e);
        if self.depth == 0 {
            s.p = prefix_of(e.name());
            self.r_prefix = ns_prefix(e, REL_NS, self.part)?;
        } else if self.depth == 1 {
            self.worksheet_child(s, tag)?;
        } else if self.in_data && self.depth == 2 && name == "row" {
            self.row_start(s, tag)?;
        } else if self.depth == 3 && name == "c" {
            self.cell_start(s, tag)?;
        } else if self.depth == 4 {
            if let Some(cap) = self.capture.as_mut() {
                if is_empty {
                    cap.children.push(child(e, start, end, None, self.part)?);
                } else {
                    self.child_start = Some((start, end, e.clone().into_owned()));
                }
            }
        }
        if !is_empty {
            self.depth = self.depth.saturating_add(1);
        }
        Ok(())
    }

    /// A child of `<worksheet>`: the legacy drawing it has, `<dimension>` grown,
    /// `<sheetData>` (rows added to an empty one), a new `<legacyDrawing>` before the
    /// children that follow it.
    fn worksheet_child(
        &mut self,
        s: &mut Streamer<'_>,
        tag: Tag<'_, '_>,
    ) -> Result<(), OutputError> {
        let Tag(e, is_empty, start, end) = tag;
        let name = local(e);
        if name == "legacyDrawing" {
            s.out.legacy_rid = super::xml::attr_local(e, "id", self.part)?;
        } else if name == "dimension" {
            if let Some(tag) = s.grown_dimension(e, is_empty)? {
                self.splice.replace(start, end, &tag);
            }
        } else if name == "sheetData" {
            if is_empty {
                let rows = s.new_rows_before(u32::MAX)?;
                if !rows.is_empty() {
                    let p = s.p.clone();
                    let open = rewrite_tag(e, &[], false, self.part)?;
                    self.splice
                        .replace(start, end, &format!("{open}{rows}</{p}sheetData>"));
                }
                self.data_done = true;
            } else {
                self.in_data = true;
            }
        } else if self.data_done && self.wants_legacy(s) && AFTER_LEGACY.contains(&name) {
            self.insert_legacy(s, start);
        }
        Ok(())
    }

    /// A `<row>`: new rows planned before it inserted, its spans widened, new cells added
    /// to an empty one; a row with nothing planned is skipped unparsed.
    fn row_start(&mut self, s: &mut Streamer<'_>, tag: Tag<'_, '_>) -> Result<(), OutputError> {
        let Tag(e, is_empty, start, end) = tag;
        let part = self.part;
        let r = match attr(e, "r", part)? {
            Some(r) => r
                .trim()
                .parse::<u32>()
                .map_err(|_| damaged(part, format!("row number {r}")))?
                .saturating_sub(1),
            None => self.last_row.map_or(0, |r| r.saturating_add(1)),
        };
        self.last_row = Some(r);
        self.last_col = None;
        let rows = s.new_rows_before(r)?;
        if !rows.is_empty() {
            self.splice.insert_at(start, &rows);
        }
        let row_style = if attr(e, "customFormat", part)?
            .as_deref()
            .is_some_and(|v| v == "1" || v == "true")
        {
            attr(e, "s", part)?.and_then(|v| v.parse::<u32>().ok())
        } else {
            None
        };
        let spans = s.spans_for(e, r)?;
        if is_empty {
            let cells = s.new_cells(r, u32::MAX, row_style)?;
            if !cells.is_empty() {
                let p = s.p.clone();
                let open = rewrite_tag(e, &spans, false, part)?;
                self.splice
                    .replace(start, end, &format!("{open}{cells}</{p}row>"));
            }
        } else {
            if !spans.is_empty() {
                let open = rewrite_tag(e, &spans, false, part)?;
                self.splice.replace(start, end, &open);
            }
            self.row = Some((r, row_style));
            // Nothing planned in this row: copy its cells without parsing
            // them (most rows of a big sheet; the next event is `</row>`).
            if s.pending.peek().is_none_or(|(k, _)| k.row > r) {
                self.events.skip_element(e.name().into_inner());
            }
        }
        Ok(())
    }

    /// A `<c>` in the open row: new cells planned before it inserted; a planned cell is
    /// rebuilt now when empty, else captured until its end tag.
    fn cell_start(&mut self, s: &mut Streamer<'_>, tag: Tag<'_, '_>) -> Result<(), OutputError> {
        let Tag(e, is_empty, start, end) = tag;
        let Some((r, row_style)) = self.row else {
            return Ok(());
        };
        let part = self.part;
        let col = match attr(e, "r", part)? {
            Some(a1) => CellRef::parse(&a1)
                .map(|c| c.col)
                .ok_or_else(|| damaged(part, format!("cell reference {a1}")))?,
            None => self.last_col.map_or(0, |c| c.saturating_add(1)),
        };
        self.last_col = Some(col);
        let before = s.new_cells(r, col, row_style)?;
        if !before.is_empty() {
            self.splice.insert_at(start, &before);
        }
        let at = CellRef::new(r, col);
        if s.pending.peek().is_some_and(|(k, _)| **k == at) {
            s.pending.next();
            if is_empty {
                let cell = s.rebuild(e, true, "", &[], at)?;
                self.splice.replace(start, end, &cell);
            } else {
                self.capture = Some(Capture {
                    tag: e.clone().into_owned(),
                    start,
                    tag_end: end,
                    at,
                    children: Vec::new(),
                });
            }
        }
        Ok(())
    }

    /// An end tag named `name` spanning `start..end`.
    fn end_tag(
        &mut self,
        s: &mut Streamer<'_>,
        name: &str,
        (start, end): (usize, usize),
    ) -> Result<(), OutputError> {
        self.depth = self.depth.saturating_sub(1);
        if self.depth == 4 {
            if let (Some(cap), Some((cs, ce, tag))) =
                (self.capture.as_mut(), self.child_start.take())
            {
                cap.children
                    .push(child(&tag, cs, end, Some((ce, start)), self.part)?);
            }
        } else if self.depth == 3 && name == "c" {
            self.cell_end(s, (start, end))?;
        } else if self.depth == 2 && name == "row" {
            if let Some((r, row_style)) = self.row.take() {
                let cells = s.new_cells(r, u32::MAX, row_style)?;
                if !cells.is_empty() {
                    self.splice.insert_at(start, &cells);
                }
            }
        } else if self.depth == 1 && name == "sheetData" {
            let rows = s.new_rows_before(u32::MAX)?;
            if !rows.is_empty() {
                self.splice.insert_at(start, &rows);
            }
            self.in_data = false;
            self.data_done = true;
        } else if self.depth == 0 && self.wants_legacy(s) {
            self.insert_legacy(s, start);
        }
        Ok(())
    }

    /// The end of a captured cell: the cell rebuilt from its tag and children.
    fn cell_end(
        &mut self,
        s: &mut Streamer<'_>,
        (start, end): (usize, usize),
    ) -> Result<(), OutputError> {
        let Some(cap) = self.capture.take() else {
            return Ok(());
        };
        let inner = self.xml.get(cap.tag_end..start).unwrap_or("");
        let children: Vec<Child> = cap
            .children
            .into_iter()
            .map(|mut c| {
                c.start = c.start.saturating_sub(cap.tag_end);
                c.end = c.end.saturating_sub(cap.tag_end);
                c.inner = c
                    .inner
                    .map(|(a, b)| (a.saturating_sub(cap.tag_end), b.saturating_sub(cap.tag_end)));
                c
            })
            .collect();
        let cell = s.rebuild(&cap.tag, false, inner, &children, cap.at)?;
        self.splice.replace(cap.start, end, &cell);
        Ok(())
    }

    /// Notes are added and the sheet has no `<legacyDrawing>` yet.
    fn wants_legacy(&self, s: &Streamer<'_>) -> bool {
        self.notes_wanted && s.out.legacy_rid.is_none() && !s.out.inserted_legacy
    }

    /// Writes a new `<legacyDrawing>` at `at`.
    fn insert_legacy(&mut self, s: &mut Streamer<'_>, at: usize) {
        let tag = legacy_tag(&s.p, self.r_prefix.as_deref(), self.new_legacy_rid);
        self.splice.insert_at(at, &tag);
        s.out.inserted_legacy = true;
    }
}

fn legacy_tag(p: &str, r_prefix: Option<&str>, rid: &str) -> String {
    match r_prefix {
        Some(r) => format!("<{p}legacyDrawing {r}id=\"{}\"/>", esc(rid)),
        None => format!(
            "<{p}legacyDrawing xmlns:r=\"{REL_NS}\" r:id=\"{}\"/>",
            esc(rid)
        ),
    }
}

fn child(
    e: &BytesStart<'_>,
    start: usize,
    end: usize,
    inner: Option<(usize, usize)>,
    part: &str,
) -> Result<Child, OutputError> {
    let name = local(e).to_string();
    let (f_kind, f_ref) = if name == "f" {
        (attr(e, "t", part)?, attr(e, "ref", part)?)
    } else {
        (None, None)
    };
    Ok(Child {
        name,
        start,
        end,
        inner,
        f_kind,
        f_ref,
    })
}

fn number_text(value: rust_decimal::Decimal) -> String {
    let text = value.normalize().to_string();
    if text == "-0" {
        "0".to_string()
    } else {
        text
    }
}

impl Streamer<'_> {
    /// `<dimension ref>` grown to cover every planned cell, when it does not already.
    fn grown_dimension(
        &self,
        e: &BytesStart<'_>,
        empty: bool,
    ) -> Result<Option<String>, OutputError> {
        let (Some(first), Some(last)) = (self.plan.keys().next(), self.plan.keys().next_back())
        else {
            return Ok(None);
        };
        let max_col = self.plan.keys().map(|c| c.col).max().unwrap_or(0);
        let min_col = self.plan.keys().map(|c| c.col).min().unwrap_or(0);
        let Some(text) = attr(e, "ref", self.part)? else {
            return Ok(None);
        };
        let mut parts = text.split(':');
        let a = parts.next().and_then(CellRef::parse);
        let b = parts.next().and_then(CellRef::parse).or(a);
        let (Some(a), Some(b)) = (a, b) else {
            return Ok(None);
        };
        let lo = CellRef::new(a.row.min(first.row), a.col.min(min_col));
        let hi = CellRef::new(b.row.max(last.row), b.col.max(max_col));
        if lo == a && hi == b {
            return Ok(None);
        }
        let value = if lo == hi {
            lo.to_string()
        } else {
            format!("{lo}:{hi}")
        };
        rewrite_tag(e, &[("ref", Some(value))], empty, self.part).map(Some)
    }

    /// A `spans` attribute widened for the new cells of row `r` (empty when unchanged).
    fn spans_for(
        &self,
        e: &BytesStart<'_>,
        r: u32,
    ) -> Result<Vec<(&'static str, Option<String>)>, OutputError> {
        let Some(spans) = attr(e, "spans", self.part)? else {
            return Ok(Vec::new());
        };
        let cols: Vec<u32> = self
            .plan
            .range(CellRef::new(r, 0)..=CellRef::new(r, u32::MAX))
            .map(|(k, _)| k.col.saturating_add(1))
            .collect();
        let (Some(min), Some(max)) = (cols.iter().min(), cols.iter().max()) else {
            return Ok(Vec::new());
        };
        let mut bounds = spans.split(':').map(|v| v.trim().parse::<u32>());
        match (bounds.next(), bounds.next(), bounds.next()) {
            (Some(Ok(lo)), Some(Ok(hi)), None) if !spans.contains(' ') => {
                if *min >= lo && *max <= hi {
                    Ok(Vec::new())
                } else {
                    Ok(vec![(
                        "spans",
                        Some(format!("{}:{}", lo.min(*min), hi.max(*max))),
                    )])
                }
            }
            _ => Ok(Vec::new()),
        }
    }

    /// New rows (with their new cells) for planned cells in rows before `row`.
    fn new_rows_before(&mut self, row: u32) -> Result<String, OutputError> {
        let mut out = String::new();
        while let Some(r) = self.pending.peek().map(|(k, _)| k.row).filter(|r| *r < row) {
            let cells = self.new_cells(r, u32::MAX, None)?;
            let p = &self.p;
            out.push_str(&format!(
                "<{p}row r=\"{}\">{cells}</{p}row>",
                u64::from(r) + 1
            ));
        }
        Ok(out)
    }

    /// New cells for planned cells of row `row` before column `col`.
    fn new_cells(
        &mut self,
        row: u32,
        col: u32,
        row_style: Option<u32>,
    ) -> Result<String, OutputError> {
        let mut out = String::new();
        while let Some((at, plan)) = self.pending.next_if(|(k, _)| k.row == row && k.col < col) {
            let at = *at;
            let p = self.p.clone();
            let mut attrs = format!("<{p}c r=\"{at}\"");
            let style = row_style.unwrap_or(0);
            let mark = plan.mark;
            if let Some(xf) = self.styled(style, plan.value.as_ref(), mark)? {
                attrs.push_str(&format!(" s=\"{xf}\""));
            } else if style != 0 {
                attrs.push_str(&format!(" s=\"{style}\""));
            }
            match &plan.value {
                None => out.push_str(&format!("{attrs}/>")),
                Some(ValueEdit::Number { value, .. }) => {
                    out.push_str(&format!(
                        "{attrs}><{p}v>{}</{p}v></{p}c>",
                        number_text(*value)
                    ));
                }
                Some(ValueEdit::Live { formula, value }) => {
                    self.out.formula_changed = true;
                    out.push_str(&format!(
                        "{attrs}><{p}f>{}</{p}f><{p}v>{}</{p}v></{p}c>",
                        esc(formula),
                        number_text(*value)
                    ));
                }
            }
        }
        Ok(out)
    }

    /// The cell format a planned cell gets, if it changes: a text number made a number
    /// takes its number format (and the mark's fill), a marked cell the mark's fill.
    fn styled(
        &mut self,
        original: u32,
        value: Option<&ValueEdit>,
        mark: Option<Mark>,
    ) -> Result<Option<u32>, OutputError> {
        if let Some(ValueEdit::Number {
            format: Some(code), ..
        }) = value
        {
            self.out.converted = true;
            return self.styles.formatted_xf(original, code, mark).map(Some);
        }
        mark.map(|mark| self.styles.marked_xf(original, mark))
            .transpose()
    }

    /// The rewritten XML of an existing planned cell.
    fn rebuild(
        &mut self,
        tag: &BytesStart<'_>,
        empty: bool,
        inner: &str,
        children: &[Child],
        at: CellRef,
    ) -> Result<String, OutputError> {
        let Some(plan) = self.plan.get(&at) else {
            return rewrite_tag(tag, &[], empty, self.part).map(|t| format!("{t}{inner}"));
        };
        let part = self.part;
        let p = prefix_of(tag.name());
        let formula = children.iter().find(|c| c.name == "f");
        let mut edit = plan.value.as_ref();
        let mut mark = plan.mark;
        let removes_formula = matches!(
            edit,
            Some(ValueEdit::Live { .. })
                | Some(ValueEdit::Number {
                    keep_formula: false,
                    ..
                })
        );
        if let (true, Some(f)) = (removes_formula, formula) {
            let anchors_others = match f.f_kind.as_deref() {
                Some("shared") => f.f_ref.is_some(),
                Some("array") => f.f_ref.as_deref().is_some_and(|r| {
                    r.contains(':') && {
                        let mut it = r.split(':');
                        it.next() != it.next()
                    }
                }),
                Some("dataTable") => true,
                _ => false,
            };
            if anchors_others {
                self.out.unapplied.push(at);
                edit = None;
                if mark == Some(Mark::Fixed) {
                    mark = None;
                }
            }
        }
        let mut set: Vec<(&str, Option<String>)> = Vec::new();
        let original = attr(tag, "s", part)?
            .and_then(|s| s.trim().parse::<u32>().ok())
            .unwrap_or(0);
        if let Some(xf) = self.styled(original, edit, mark)? {
            set.push(("s", Some(xf.to_string())));
        }
        let Some(edit) = edit else {
            let open = rewrite_tag(tag, &set, empty, part)?;
            return Ok(if empty {
                open
            } else {
                format!("{open}{inner}</{p}c>")
            });
        };
        // The old value, as stored, for the note.
        let kind = attr(tag, "t", part)?;
        if matches!(
            kind.as_deref(),
            None | Some("n") | Some("str") | Some("b") | Some("e")
        ) {
            if let Some((a, b)) = children
                .iter()
                .find(|c| c.name == "v")
                .and_then(|c| c.inner)
            {
                let raw = inner.get(a..b).unwrap_or("");
                let text = quick_xml::escape::unescape(raw).map_err(|e| damaged(part, e))?;
                self.out.old_values.insert(at, text.into_owned());
            }
        }
        set.push(("t", None));
        let open = rewrite_tag(tag, &set, false, part)?;
        let mut body = String::new();
        let others: String = children
            .iter()
            .filter(|c| !matches!(c.name.as_str(), "f" | "v" | "is"))
            .map(|c| inner.get(c.start..c.end).unwrap_or(""))
            .collect();
        match edit {
            ValueEdit::Number {
                value,
                keep_formula,
                ..
            } => {
                if let (true, Some(f)) = (*keep_formula, formula) {
                    body.push_str(inner.get(f.start..f.end).unwrap_or(""));
                } else if formula.is_some() {
                    self.out.formula_changed = true;
                }
                body.push_str(&format!("<{p}v>{}</{p}v>", number_text(*value)));
            }
            ValueEdit::Live {
                formula: text,
                value,
            } => {
                self.out.formula_changed = true;
                body.push_str(&format!(
                    "<{p}f>{}</{p}f><{p}v>{}</{p}v>",
                    esc(text),
                    number_text(*value)
                ));
            }
        }
        body.push_str(&others);
        Ok(format!("{open}{body}</{p}c>"))
    }
}
