//! Patching an xlsx/xlsm package in place, so the annotated and corrected workbooks stay the
//! office's own form: every zip entry that is not touched is copied raw (same bytes, same
//! compression); the parts that are touched (the marked sheets, `styles.xml`, the workbook,
//! relationships, content types) are streamed event by event and only the elements that must
//! change are rewritten, every other byte copied through.
//!
//! - [`annotate_package`]: a fill by severity and a note on each finding's cell, plus a
//!   results sheet (`Kết quả kiểm tra` / `Check results`) added last.
//! - [`fix_package`]: applies the safe fixes (green fill and a note with the old value),
//!   notes the fixes that need review, and writes live formulas; no results sheet.
//!
//! `docProps/app.xml` is left alone when a sheet is added (its sheet titles are informative;
//! Excel and LibreOffice tolerate the stale list). When a formula is removed or written,
//! `xl/calcChain.xml` is dropped (with its relationship and content type) and the workbook
//! asks for a full recalculation on load (`<calcPr fullCalcOnLoad="1"/>`).

mod cells;
mod comments;
mod package;
mod results;
mod styles;
mod xml;

use std::collections::BTreeMap;

use quick_xml::events::Event;
use rust_decimal::Decimal;

use self::package::{free_rel_id, patch_content_types, patch_rels, Package};
use self::xml::{damaged, esc, local, ns_prefix, prefix_of, rewrite_tag, Events, Splice, REL_NS};
use crate::codes::{STALE_FORMULA, SUM_SKIPS_TEXT, TEXT_NUMBER};
use crate::finding::{Applicability, Finding, Lang, Severity};
use crate::model::CellRef;
use crate::number::number_format_for_text;
use crate::ooxml::{
    find_relationship, relationships, relative_target, rels_part, resolve, Relationship,
    WorkbookPart, CT_COMMENTS, CT_STYLES, CT_VML, CT_WORKSHEET, REL_CALC_CHAIN, REL_COMMENTS,
    REL_STYLES, REL_VML, REL_WORKSHEET,
};
use crate::output::{LiveFormula, OutputError, OutputOptions};

/// The fill a cell gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) enum Mark {
    /// A finding of severity error (red).
    Error,
    /// A warning (amber).
    Warning,
    /// An info (blue).
    Info,
    /// A value the corrected workbook changed (green).
    Fixed,
}

impl Mark {
    fn of(severity: Severity) -> Mark {
        match severity {
            Severity::Error => Mark::Error,
            Severity::Warning => Mark::Warning,
            Severity::Info => Mark::Info,
        }
    }

    fn rgb(self) -> &'static str {
        match self {
            Mark::Error => "FFFFC7CE",
            Mark::Warning => "FFFFEB9C",
            Mark::Info => "FFDDEBF7",
            Mark::Fixed => "FFC6EFCE",
        }
    }
}

/// A value change.
#[derive(Debug, Clone)]
pub(super) enum ValueEdit {
    /// Store a number; keep the formula (only its cached value changes) when `keep_formula`.
    Number {
        /// The new value.
        value: Decimal,
        /// Keep the cell's formula (a stale cached value).
        keep_formula: bool,
        /// The number format to show it with: a text number made a number keeps its look.
        format: Option<String>,
    },
    /// Write a live formula with its cached value.
    Live {
        /// Formula text without `=`.
        formula: String,
        /// Cached value.
        value: Decimal,
    },
}

/// One piece of a note.
#[derive(Debug, Clone)]
enum Note {
    /// Plain text.
    Text(String),
    /// A value the corrected workbook changed.
    Fixed {
        shown: String,
        reason: String,
        actual: Option<String>,
    },
}

/// What happens to one cell.
#[derive(Debug, Clone, Default)]
pub(super) struct CellPlan {
    mark: Option<Mark>,
    value: Option<ValueEdit>,
    notes: Vec<Note>,
}

type Plans = BTreeMap<String, BTreeMap<CellRef, CellPlan>>;

fn plan_at<'p>(plans: &'p mut Plans, sheet: &str, at: CellRef) -> &'p mut CellPlan {
    plans
        .entry(sheet.to_string())
        .or_default()
        .entry(at)
        .or_default()
}

fn note_for_finding(f: &Finding, lang: Lang) -> String {
    let mut text = format!(
        "[{} {}] {}",
        results::severity_label(f.severity, lang),
        f.code,
        f.message.get(lang)
    );
    let (actual, expected, suggested) = match lang {
        Lang::Vi => ("Thực tế", "Kỳ vọng", "Đề xuất"),
        Lang::En => ("Actual", "Expected", "Suggested"),
    };
    if let Some(a) = &f.actual {
        text.push_str(&format!("\n{actual}: {a}"));
    }
    if let Some(e) = &f.expected {
        text.push_str(&format!("\n{expected}: {e}"));
    }
    let s = results::suggestion(f, lang);
    if !s.is_empty() {
        text.push_str(&format!("\n{suggested}: {s}"));
    }
    text
}

/// Writes the annotated workbook: each finding's cell filled by severity and noted, and a
/// results sheet added last. Only the parts that change are rewritten; every other zip entry
/// is copied byte for byte.
///
/// # Errors
/// [`OutputError::Package`] when the package or one of the parts it must change cannot be
/// read (not a zip, malformed XML, no workbook or styles part); [`OutputError::Write`] when
/// the zip cannot be written.
///
/// # Examples
/// ```
/// let bytes = std::fs::read("tests/fixtures/kinh-phi-2022.xlsx").unwrap();
/// let workbook = crossfoot::read_workbook(&bytes, "kinh-phi-2022.xlsx").unwrap();
/// let report = crossfoot::check(&workbook, &crossfoot::TemplateChoice::Auto);
/// let options = crossfoot::OutputOptions::default();
/// let annotated = crossfoot::annotate_package(&bytes, &report.findings, &options).unwrap();
/// let back = crossfoot::read_workbook(&annotated, "annotated.xlsx").unwrap();
/// assert_eq!(back.sheets.last().unwrap().name, "Kết quả kiểm tra");
/// ```
pub fn annotate_package(
    xlsx: &[u8],
    findings: &[Finding],
    options: &OutputOptions,
) -> Result<Vec<u8>, OutputError> {
    let mut plans = Plans::new();
    for f in findings {
        let plan = plan_at(&mut plans, &f.sheet, f.cell);
        let mark = Mark::of(f.severity);
        plan.mark = Some(plan.mark.map_or(mark, |m| m.min(mark)));
        plan.notes
            .push(Note::Text(note_for_finding(f, options.lang)));
    }
    patch(xlsx, plans, Some((findings, options)), options.lang)
}

/// Writes the corrected workbook: every edit of every [`Applicability::Safe`] fix applied
/// (green fill, a note with the old value and why), a note with the proposal on the cell of
/// each fix that needs review, and each `live` cell rewritten as formula plus cached value.
/// A stale formula (`CF103`), and a SUM that skipped numbers stored as text (`CF111`),
/// keep their formula and get the right cached value; any other fixed formula cell
/// becomes the value. The numbers stored as text (`CF101`) become numbers under a format
/// that shows each as it was typed, with one note for them all, and the workbook asks for
/// a full recalculation on load so every formula counts them. No results sheet: this is
/// the form to file.
///
/// # Errors
/// As [`annotate_package`].
pub fn fix_package(
    xlsx: &[u8],
    findings: &[Finding],
    live: &[LiveFormula],
    options: &OutputOptions,
) -> Result<Vec<u8>, OutputError> {
    let lang = options.lang;
    let mut plans = Plans::new();
    // Numbers stored as text first: each made a number under a format showing it as
    // typed (no fill, one note for them all), so that a fix of the same cell's value
    // below keeps that format.
    for f in findings.iter().filter(|f| f.code == TEXT_NUMBER) {
        let Some(fix) = f.fix_applying(Applicability::Safe) else {
            continue;
        };
        for edit in &fix.edits {
            plan_at(&mut plans, &f.sheet, edit.cell).value = Some(ValueEdit::Number {
                value: edit.value,
                keep_formula: false,
                format: number_format_for_text(&edit.shown, edit.value),
            });
        }
        let count = fix.edits.len();
        plan_at(&mut plans, &f.sheet, f.cell)
            .notes
            .push(Note::Text(match lang {
                Lang::Vi => format!(
                    "Đã chuyển {count} ô số dạng văn bản thành số, hiển thị như đã gõ, để công thức SUM cộng được chúng ({TEXT_NUMBER})."
                ),
                Lang::En => format!(
                    "{count} numbers stored as text made numbers, shown as typed, so that SUM formulas count them ({TEXT_NUMBER})."
                ),
            }));
    }
    for f in findings.iter().filter(|f| f.code != TEXT_NUMBER) {
        let Some(fix) = &f.fix else { continue };
        match fix.applicability {
            Applicability::Safe => {
                for edit in &fix.edits {
                    let plan = plan_at(&mut plans, &f.sheet, edit.cell);
                    let format = match &plan.value {
                        Some(ValueEdit::Number { format, .. }) => format.clone(),
                        _ => None,
                    };
                    plan.mark = Some(Mark::Fixed);
                    plan.value = Some(ValueEdit::Number {
                        value: edit.value,
                        // A stale cached value, or a SUM's total once the text numbers it
                        // skipped are numbers: the formula stays.
                        keep_formula: f.code == STALE_FORMULA || f.code == SUM_SKIPS_TEXT,
                        format,
                    });
                    plan.notes.push(Note::Fixed {
                        shown: edit.shown.clone(),
                        reason: fix.reason.get(lang).to_string(),
                        actual: (edit.cell == f.cell).then(|| f.actual.clone()).flatten(),
                    });
                }
            }
            Applicability::NeedsReview => {
                let plan = plan_at(&mut plans, &f.sheet, f.cell);
                let head = match lang {
                    Lang::Vi => "Đề xuất sửa (cần xem lại, chưa áp dụng)",
                    Lang::En => "Proposed fix (needs review, not applied)",
                };
                plan.notes.push(Note::Text(format!(
                    "{head}: {}\n{}",
                    results::suggestion(f, lang),
                    note_for_finding(f, lang)
                )));
            }
        }
    }
    for l in live {
        let plan = plan_at(&mut plans, &l.sheet, l.cell);
        plan.value = Some(ValueEdit::Live {
            formula: l.formula.trim_start_matches('=').to_string(),
            value: l.value,
        });
    }
    patch(xlsx, plans, None, lang)
}

fn compose_notes(
    plan: &BTreeMap<CellRef, CellPlan>,
    outcome: &cells::SheetOutcome,
    lang: Lang,
) -> BTreeMap<CellRef, String> {
    let mut notes = BTreeMap::new();
    for (at, cell) in plan {
        let pieces: Vec<String> = cell
            .notes
            .iter()
            .map(|note| match note {
                Note::Text(text) => text.clone(),
                Note::Fixed {
                    shown,
                    reason,
                    actual,
                } => {
                    let old = outcome
                        .old_values
                        .get(at)
                        .cloned()
                        .or_else(|| actual.clone())
                        .unwrap_or_else(|| "?".to_string());
                    let unapplied = outcome.unapplied.contains(at);
                    match (lang, unapplied) {
                        (Lang::Vi, false) => format!("Đã sửa: {old} → {shown}. Lý do: {reason}"),
                        (Lang::En, false) => format!("Fixed: {old} → {shown}. Why: {reason}"),
                        (Lang::Vi, true) => format!(
                            "Chưa sửa được tự động (ô gốc của công thức dùng chung/mảng): đề xuất {shown}. Lý do: {reason}"
                        ),
                        (Lang::En, true) => format!(
                            "Not applied (anchor of a shared/array formula): proposed {shown}. Why: {reason}"
                        ),
                    }
                }
            })
            .collect();
        if !pieces.is_empty() {
            notes.insert(*at, pieces.join("\n\n"));
        }
    }
    notes
}

/// Workbook children that come after `<calcPr>` in the schema.
const AFTER_CALC_PR: &[&str] = &[
    "oleSize",
    "customWorkbookViews",
    "pivotCaches",
    "smartTagPr",
    "smartTagTypes",
    "webPublishing",
    "fileRecoveryPr",
    "webPublishObjects",
    "extLst",
];

fn patch_workbook(
    xml: &str,
    part: &str,
    add_sheet: Option<(&str, u32, &str)>,
    full_calc: bool,
) -> Result<String, OutputError> {
    let mut events = Events::new(xml, part);
    let mut splice = Splice::new(xml);
    let mut depth = 0usize;
    let mut r_prefix: Option<String> = None;
    let mut calc_done = !full_calc;
    let mut sheet_done = add_sheet.is_none();
    let sheet_tag = |p: &str, r: &Option<String>| -> String {
        let Some((name, id, rid)) = add_sheet else {
            return String::new();
        };
        match r {
            Some(r) => format!(
                "<{p}sheet name=\"{}\" sheetId=\"{id}\" {r}id=\"{}\"/>",
                esc(name),
                esc(rid)
            ),
            None => format!(
                "<{p}sheet xmlns:r=\"{REL_NS}\" name=\"{}\" sheetId=\"{id}\" r:id=\"{}\"/>",
                esc(name),
                esc(rid)
            ),
        }
    };
    loop {
        let (event, start, end) = events.next()?;
        match &event {
            Event::Start(e) | Event::Empty(e) => {
                let empty = matches!(event, Event::Empty(_));
                if depth == 0 {
                    r_prefix = ns_prefix(e, REL_NS, part)?;
                } else if depth == 1 {
                    let name = local(e);
                    if name == "calcPr" && !calc_done {
                        let tag = rewrite_tag(
                            e,
                            &[("fullCalcOnLoad", Some("1".to_string()))],
                            empty,
                            part,
                        )?;
                        splice.replace(start, end, &tag);
                        calc_done = true;
                    } else if name == "sheets" && empty && !sheet_done {
                        let p = prefix_of(e.name());
                        let open = rewrite_tag(e, &[], false, part)?;
                        splice.replace(
                            start,
                            end,
                            &format!("{open}{}</{p}sheets>", sheet_tag(&p, &r_prefix)),
                        );
                        sheet_done = true;
                    } else if !calc_done && AFTER_CALC_PR.contains(&name) {
                        splice.insert_at(
                            start,
                            &format!("<{}calcPr fullCalcOnLoad=\"1\"/>", prefix_of(e.name())),
                        );
                        calc_done = true;
                    }
                }
                if !empty {
                    depth = depth.saturating_add(1);
                }
            }
            Event::End(e) => {
                depth = depth.saturating_sub(1);
                let p = prefix_of(e.name());
                let name = e.local_name().into_inner();
                if depth == 1 && name == "sheets" && !sheet_done {
                    splice.insert_at(start, &sheet_tag(&p, &r_prefix));
                    sheet_done = true;
                } else if depth == 0 && !calc_done {
                    splice.insert_at(start, &format!("<{p}calcPr fullCalcOnLoad=\"1\"/>"));
                    calc_done = true;
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !sheet_done {
        return Err(damaged(part, "no <sheets> element"));
    }
    Ok(splice.finish())
}

/// What patching the sheets and adding parts asks of the package's shared parts: the
/// workbook's relationships and content types to add or drop, and whether formulas or
/// values changed (the calculation chain is dropped, a full recalculation asked for).
#[derive(Default)]
struct SharedEdits {
    ct_defaults: Vec<(&'static str, &'static str)>,
    ct_overrides: Vec<(String, &'static str)>,
    ct_remove: Vec<String>,
    wb_rels_add: Vec<(String, &'static str, String)>,
    wb_rels_remove: Vec<String>,
    formula_changed: bool,
    values_converted: bool,
    /// The number of the next VML drawing block (`o:idmap`) to try.
    vml_block: u32,
}

/// The styles part of a workbook that has none: one font, the two fills Excel requires,
/// one border, one cell format (`Normal`).
const DEFAULT_STYLES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>"#;

/// The new sheet's name, `sheetId` and relationship id, for the workbook part.
type AddedSheet = (String, u32, String);

fn patch(
    xlsx: &[u8],
    plans: Plans,
    results: Option<(&[Finding], &OutputOptions)>,
    lang: Lang,
) -> Result<Vec<u8>, OutputError> {
    let mut pkg = Package::open(xlsx)?;
    let book = WorkbookPart::read(|part| pkg.text(part))?;
    // A workbook may have no styles part (some generators write none): the marks then go
    // into a new one, as Excel would have written it for a workbook of default styles.
    let related = find_relationship(&book.rels, REL_STYLES).map(|r| book.target_part(r));
    let (styles_part, styles_xml, new_styles) = match related
        .as_ref()
        .map(|part| pkg.text(part))
        .transpose()?
        .flatten()
    {
        Some(xml) => (related.unwrap_or_default(), xml, false),
        None => (
            pkg.free_name("xl/", "styles", "xml"),
            DEFAULT_STYLES.to_string(),
            true,
        ),
    };
    let mut styles = styles::Styles::parse(&styles_xml, &styles_part)?;
    let mut edits = SharedEdits {
        vml_block: 1,
        ..SharedEdits::default()
    };
    for (sheet_name, plan) in &plans {
        let Some(part) = worksheet_part(&book, sheet_name) else {
            continue;
        };
        patch_sheet_part(&mut pkg, &part, plan, &mut styles, lang, &mut edits)?;
    }
    let add_sheet = match results {
        Some((findings, options)) => Some(add_results_sheet(
            &mut pkg,
            &book,
            findings,
            options,
            &mut styles,
            &mut edits,
        )?),
        None => None,
    };
    if edits.formula_changed {
        drop_calc_chain(&mut pkg, &book, &mut edits);
    }
    if styles.changed() {
        let out = styles.patch(&styles_xml)?;
        pkg.put(&styles_part, out);
        if new_styles {
            // A relationship to a styles part the package lacks gives way to the new one.
            if let Some(broken) = find_relationship(&book.rels, REL_STYLES) {
                edits.wb_rels_remove.push(broken.id.clone());
            }
            let taken: Vec<String> = edits
                .wb_rels_add
                .iter()
                .map(|(id, ..)| id.clone())
                .collect();
            let rid = free_rel_id(&book.rels, &taken);
            edits
                .wb_rels_add
                .push((rid, REL_STYLES, relative_target(&book.part, &styles_part)));
            edits.ct_overrides.push((styles_part, CT_STYLES));
        }
    }
    write_shared_parts(&mut pkg, &book, add_sheet, &edits)?;
    pkg.finish()
}

/// The part of the worksheet named `sheet_name` (matched exactly, else ignoring case);
/// `None` when the workbook has no such worksheet.
fn worksheet_part(book: &WorkbookPart, sheet_name: &str) -> Option<String> {
    let sheet = book
        .sheets
        .iter()
        .find(|s| s.name == sheet_name)
        .or_else(|| {
            book.sheets
                .iter()
                .find(|s| s.name.to_lowercase() == sheet_name.to_lowercase())
        })?;
    let rel = book.sheet_relationship(sheet)?;
    if rel.kind != REL_WORKSHEET && !rel.kind.ends_with("/worksheet") {
        return None;
    }
    Some(book.target_part(rel))
}

/// Patches one sheet's XML by its plan, then writes its notes into its comments and VML
/// drawing parts (new ones, with their relationships, when it has none).
fn patch_sheet_part(
    pkg: &mut Package<'_>,
    part: &str,
    plan: &BTreeMap<CellRef, CellPlan>,
    styles: &mut styles::Styles,
    lang: Lang,
    edits: &mut SharedEdits,
) -> Result<(), OutputError> {
    let xml = pkg
        .text(part)?
        .ok_or_else(|| OutputError::Package(format!("sheet part {part} missing")))?;
    let s_rels_part = rels_part(part);
    let s_rels_xml = pkg.text(&s_rels_part)?;
    let s_rels = match &s_rels_xml {
        Some(x) => relationships(x, &s_rels_part)?,
        None => Vec::new(),
    };
    let notes_wanted = plan.values().any(|c| !c.notes.is_empty());
    let vml_rid = free_rel_id(&s_rels, &[]);
    let outcome = cells::patch_sheet(&xml, part, plan, styles, notes_wanted, &vml_rid)?;
    drop(xml);
    edits.formula_changed |= outcome.formula_changed;
    edits.values_converted |= outcome.converted;
    let notes = compose_notes(plan, &outcome, lang);
    let legacy_rid = outcome.legacy_rid.clone();
    let inserted_legacy = outcome.inserted_legacy;
    pkg.put(part, outcome.xml);
    if notes.is_empty() {
        return Ok(());
    }
    let mut rels_add: Vec<(String, &str, String)> = Vec::new();
    let all: Vec<CellRef> = notes.keys().copied().collect();
    let fresh = write_comments(pkg, part, &s_rels, &vml_rid, &notes, &mut rels_add, edits)?;
    let existing_vml = legacy_rid
        .as_ref()
        .and_then(|rid| s_rels.iter().find(|r| &r.id == rid))
        .map(|r| resolve(part, &r.target));
    match existing_vml {
        Some(vpart) => match pkg.text(&vpart)? {
            Some(vml) => {
                let out = comments::patch_vml(&vml, &vpart, &fresh)?;
                pkg.put(&vpart, out);
            }
            None => {
                pkg.put(&vpart, comments::new_vml(edits.vml_block, &all));
                edits.ct_defaults.push(("vml", CT_VML));
            }
        },
        None if inserted_legacy => {
            while pkg.exists(&format!("xl/drawings/vmlDrawing{}.vml", edits.vml_block)) {
                edits.vml_block = edits.vml_block.saturating_add(1);
            }
            let vpart = pkg.free_name("xl/drawings/", "vmlDrawing", "vml");
            pkg.put(&vpart, comments::new_vml(edits.vml_block, &all));
            edits.vml_block = edits.vml_block.saturating_add(1);
            edits.ct_defaults.push(("vml", CT_VML));
            rels_add.push((vml_rid.clone(), REL_VML, relative_target(part, &vpart)));
        }
        None => {}
    }
    if !rels_add.is_empty() {
        let out = patch_rels(s_rels_xml.as_deref(), &s_rels_part, &rels_add, &[])?;
        pkg.put(&s_rels_part, out);
    }
    Ok(())
}

/// Writes a sheet's notes into its comments part (patched, or new with a relationship
/// added to `rels_add`); the cells whose notes are new, which the VML drawing must gain.
fn write_comments(
    pkg: &mut Package<'_>,
    part: &str,
    s_rels: &[Relationship],
    vml_rid: &str,
    notes: &BTreeMap<CellRef, String>,
    rels_add: &mut Vec<(String, &str, String)>,
    edits: &mut SharedEdits,
) -> Result<Vec<CellRef>, OutputError> {
    let all = || notes.keys().copied().collect();
    Ok(match find_relationship(s_rels, REL_COMMENTS) {
        Some(r) => {
            let cpart = resolve(part, &r.target);
            match pkg.text(&cpart)? {
                Some(cxml) => {
                    let (out, fresh) = comments::patch_comments(&cxml, &cpart, notes)?;
                    pkg.put(&cpart, out);
                    fresh
                }
                None => {
                    pkg.put(&cpart, comments::new_comments(notes));
                    edits.ct_overrides.push((cpart.clone(), CT_COMMENTS));
                    all()
                }
            }
        }
        None => {
            let cpart = pkg.free_name("xl/", "comments", "xml");
            pkg.put(&cpart, comments::new_comments(notes));
            edits.ct_overrides.push((cpart.clone(), CT_COMMENTS));
            let id = free_rel_id(s_rels, &[vml_rid.to_string()]);
            rels_add.push((id, REL_COMMENTS, relative_target(part, &cpart)));
            all()
        }
    })
}

/// Adds the results sheet as a new worksheet part and relationship; what the workbook
/// part must list for it.
fn add_results_sheet(
    pkg: &mut Package<'_>,
    book: &WorkbookPart,
    findings: &[Finding],
    options: &OutputOptions,
    styles: &mut styles::Styles,
    edits: &mut SharedEdits,
) -> Result<AddedSheet, OutputError> {
    let names: Vec<String> = book.sheets.iter().map(|s| s.name.clone()).collect();
    let name = results::results_name(&names, options.lang);
    let spart = pkg.free_name("xl/worksheets/", "sheet", "xml");
    let xml = results::results_sheet(findings, options, styles)?;
    pkg.put(&spart, xml);
    let rid = free_rel_id(&book.rels, &[]);
    edits.wb_rels_add.push((
        rid.clone(),
        REL_WORKSHEET,
        relative_target(&book.part, &spart),
    ));
    edits.ct_overrides.push((spart, CT_WORKSHEET));
    let id = book
        .sheets
        .iter()
        .map(|s| s.sheet_id)
        .max()
        .unwrap_or(0)
        .saturating_add(1);
    Ok((name, id, rid))
}

/// Drops the calculation chain (part, relationship, content type): a formula changed.
fn drop_calc_chain(pkg: &mut Package<'_>, book: &WorkbookPart, edits: &mut SharedEdits) {
    if let Some(rel) = find_relationship(&book.rels, REL_CALC_CHAIN) {
        let cpart = book.target_part(rel);
        pkg.remove(&cpart);
        edits.wb_rels_remove.push(rel.id.clone());
        edits.ct_remove.push(cpart);
    }
}

/// Writes the workbook part, its relationships and the content types, where the edits
/// change them.
fn write_shared_parts(
    pkg: &mut Package<'_>,
    book: &WorkbookPart,
    add_sheet: Option<AddedSheet>,
    edits: &SharedEdits,
) -> Result<(), OutputError> {
    // Text made numbers change what formulas read: every formula is recalculated on load.
    let full_calc = edits.formula_changed || edits.values_converted;
    if add_sheet.is_some() || full_calc {
        let sheet = add_sheet
            .as_ref()
            .map(|(n, i, r)| (n.as_str(), *i, r.as_str()));
        let out = patch_workbook(&book.xml, &book.part, sheet, full_calc)?;
        pkg.put(&book.part, out);
    }
    if !edits.wb_rels_add.is_empty() || !edits.wb_rels_remove.is_empty() {
        let out = patch_rels(
            Some(&book.rels_xml),
            &book.rels_part,
            &edits.wb_rels_add,
            &edits.wb_rels_remove,
        )?;
        pkg.put(&book.rels_part, out);
    }
    if !edits.ct_defaults.is_empty()
        || !edits.ct_overrides.is_empty()
        || !edits.ct_remove.is_empty()
    {
        let ct = pkg
            .text("[Content_Types].xml")?
            .ok_or_else(|| OutputError::Package("no [Content_Types].xml".to_string()))?;
        let out = patch_content_types(
            &ct,
            &edits.ct_defaults,
            &edits.ct_overrides,
            &edits.ct_remove,
        )?;
        pkg.put("[Content_Types].xml", out);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workbook_gains_sheet_and_full_calc() {
        let xml = r#"<workbook xmlns="m" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="06" sheetId="1" r:id="rId1"/></sheets><calcPr calcId="124519"/></workbook>"#;
        let out = patch_workbook(xml, "w", Some(("Kết quả", 2, "rId9")), true).expect("patched");
        assert_eq!(
            out,
            r#"<workbook xmlns="m" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="06" sheetId="1" r:id="rId1"/><sheet name="Kết quả" sheetId="2" r:id="rId9"/></sheets><calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>"#
        );
    }

    #[test]
    fn damaged_packages_are_errors() {
        let options = OutputOptions::default();
        assert!(matches!(
            annotate_package(b"not a zip", &[], &options),
            Err(OutputError::Package(_))
        ));
        assert!(matches!(
            fix_package(b"PK\x03\x04junk", &[], &[], &options),
            Err(OutputError::Package(_))
        ));
    }
}
