//! The annotated and corrected workbooks patch the office's own package: untouched zip
//! entries are byte-identical, every cell, formula, number format, merge, column, row height,
//! print setting and defined name survives, findings land on their cells (fill + note), the
//! results sheet lists them, and the corrected workbook checks clean. LibreOffice must open
//! the output (skipped with a reason when `libreoffice` is not installed).

use std::collections::{BTreeMap, HashMap};
use std::io::{Cursor, Read};
use std::path::Path;
use std::process::Command;

use crossfoot::{
    annotate_package, check, fix_package, read_workbook, Applicability, CellRef, Finding, Lang,
    Message, OutputOptions, Severity, TemplateChoice, Value, Workbook,
};
use quick_xml::events::Event;
use rust_xlsxwriter::{Format, FormatBorder, Note};

use crate::common::{at, fixture, rezip};

struct Part {
    data: Vec<u8>,
    raw: Vec<u8>,
    method: String,
}

fn parts(bytes: &[u8]) -> BTreeMap<String, Part> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("zip");
    let mut out = BTreeMap::new();
    for i in 0..archive.len() {
        let (name, raw, method) = {
            let mut file = archive.by_index_raw(i).expect("entry");
            let mut raw = Vec::new();
            file.read_to_end(&mut raw).expect("raw");
            (
                file.name().expect("name").to_string(),
                raw,
                format!("{:?}", file.compression()),
            )
        };
        let mut data = Vec::new();
        archive
            .by_index(i)
            .expect("entry")
            .read_to_end(&mut data)
            .expect("data");
        out.insert(name, Part { data, raw, method });
    }
    out
}

fn text(parts: &BTreeMap<String, Part>, name: &str) -> String {
    String::from_utf8(
        parts
            .get(name)
            .unwrap_or_else(|| panic!("part {name}"))
            .data
            .clone(),
    )
    .expect("utf8")
}

/// Elements with their attributes, in document order.
fn elements(xml: &str, names: &[&str]) -> Vec<(String, BTreeMap<String, String>)> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut out = Vec::new();
    loop {
        match reader.read_event().expect("xml") {
            Event::Start(e) | Event::Empty(e) => {
                let name = e.local_name().into_inner().to_string();
                if names.contains(&name.as_str()) {
                    let attrs = e
                        .attributes()
                        .map(|a| {
                            let a = a.expect("attr");
                            (a.key.into_inner().to_string(), a.value.into_owned())
                        })
                        .collect();
                    out.push((name, attrs));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

fn cell_styles(sheet_xml: &str) -> HashMap<String, u32> {
    elements(sheet_xml, &["c"])
        .into_iter()
        .filter_map(|(_, a)| {
            Some((
                a.get("r")?.clone(),
                a.get("s").and_then(|s| s.parse().ok()).unwrap_or(0),
            ))
        })
        .collect()
}

fn cell_xfs(styles: &str) -> Vec<BTreeMap<String, String>> {
    let start = styles.find("<cellXfs").expect("cellXfs");
    let end = styles.find("</cellXfs>").expect("cellXfs end");
    elements(&styles[start..end], &["xf"])
        .into_iter()
        .map(|(_, a)| a)
        .collect()
}

fn fill_colors(styles: &str) -> Vec<String> {
    let start = styles.find("<fills").expect("fills");
    let end = styles.find("</fills>").expect("fills end");
    styles[start..end]
        .split("</fill>")
        .filter(|f| f.contains("<fill"))
        .map(|f| {
            f.split("fgColor rgb=\"")
                .nth(1)
                .map(|s| s[..8].to_string())
                .unwrap_or_default()
        })
        .collect()
}

/// The sheet part of each sheet name, through workbook.xml and its rels.
fn sheet_parts(parts: &BTreeMap<String, Part>) -> HashMap<String, String> {
    let wb = text(parts, "xl/workbook.xml");
    let rels = text(parts, "xl/_rels/workbook.xml.rels");
    let targets: HashMap<String, String> = elements(&rels, &["Relationship"])
        .into_iter()
        .map(|(_, a)| {
            (
                a["Id"].clone(),
                a["Target"]
                    .trim_start_matches('/')
                    .trim_start_matches("xl/")
                    .to_string(),
            )
        })
        .collect();
    elements(&wb, &["sheet"])
        .into_iter()
        .map(|(_, a)| {
            let name = quick_xml::escape::unescape(&a["name"])
                .expect("name")
                .into_owned();
            (name, format!("xl/{}", targets[&a["r:id"]]))
        })
        .collect()
}

fn assert_same_cells(original: &Workbook, annotated: &Workbook) {
    assert_eq!(
        original.defined_names, annotated.defined_names,
        "defined names"
    );
    for sheet in &original.sheets {
        let out = annotated
            .sheet(&sheet.name)
            .unwrap_or_else(|| panic!("sheet {}", sheet.name));
        assert_eq!(sheet.merges, out.merges, "merges of {}", sheet.name);
        for cell in &sheet.cells {
            let got = out
                .cell(cell.at)
                .unwrap_or_else(|| panic!("{}!{} lost", sheet.name, cell.at));
            assert_eq!(got.value, cell.value, "{}!{} value", sheet.name, cell.at);
            assert_eq!(
                got.formula, cell.formula,
                "{}!{} formula",
                sheet.name, cell.at
            );
            assert_eq!(
                got.number_format, cell.number_format,
                "{}!{} format",
                sheet.name, cell.at
            );
        }
    }
}

fn text_at(sheet: &crossfoot::Sheet, row: u32, col: u32) -> String {
    match sheet.cell(CellRef::new(row, col)).map(|c| &c.value) {
        Some(Value::Text(t)) => t.to_string(),
        Some(other) => format!("{other:?}"),
        None => String::new(),
    }
}

/// Everything the brief calls "nothing lost", for one workbook and its findings.
fn assert_nothing_lost(name: &str, original_bytes: &[u8], findings: &[Finding]) -> Vec<u8> {
    let options = OutputOptions {
        template: Some("tthc-06".into()),
        checked_at: Some("2022-10-01 08:00".into()),
        ..OutputOptions::default()
    };
    let annotated = annotate_package(original_bytes, findings, &options).expect("annotated");
    let before = parts(original_bytes);
    let after = parts(&annotated);
    let sheets = sheet_parts(&before);
    let touched_sheets: Vec<&String> = findings
        .iter()
        .filter_map(|f| sheets.get(&f.sheet))
        .collect();

    // Untouched entries: same bytes, same compressed bytes, same method.
    for (part, old) in &before {
        let new = after
            .get(part)
            .unwrap_or_else(|| panic!("{name}: part {part} lost"));
        let may_change = part == "[Content_Types].xml"
            || part == "xl/styles.xml"
            || part == "xl/workbook.xml"
            || part == "xl/_rels/workbook.xml.rels"
            || part.starts_with("xl/worksheets/_rels/")
            || part.starts_with("xl/comments")
            || part.starts_with("xl/drawings/vml")
            || touched_sheets.contains(&part);
        if !may_change {
            assert_eq!(old.data, new.data, "{name}: {part} changed");
            assert_eq!(old.raw, new.raw, "{name}: {part} not copied raw");
            assert_eq!(old.method, new.method, "{name}: {part} compression");
        }
    }
    for kept in [
        "xl/sharedStrings.xml",
        "docProps/app.xml",
        "docProps/core.xml",
        "xl/theme/theme1.xml",
    ] {
        if let Some(old) = before.get(kept) {
            assert_eq!(old.raw, after[kept].raw, "{name}: {kept}");
        }
    }

    // Every cell, formula, number format, merge and defined name; the results sheet.
    let original = read_workbook(original_bytes, "in.xlsx").expect("read original");
    let back = read_workbook(&annotated, "out.xlsx").expect("read annotated");
    assert_same_cells(&original, &back);
    assert_eq!(
        back.sheets.len(),
        original.sheets.len() + 1,
        "{name}: one sheet added"
    );
    let results = back.sheets.last().expect("results sheet");
    assert_eq!(results.name, "Kết quả kiểm tra");
    assert_eq!(text_at(results, 0, 1), "Mã");
    for (i, f) in findings.iter().enumerate() {
        let r = i as u32 + 1;
        assert_eq!(text_at(results, r, 1), f.code, "{name}: row {r} code");
        assert_eq!(text_at(results, r, 2), f.sheet, "{name}: row {r} sheet");
        assert_eq!(
            text_at(results, r, 3),
            f.cell.to_string(),
            "{name}: row {r} cell"
        );
        assert_eq!(
            text_at(results, r, 4),
            f.message.vi,
            "{name}: row {r} message"
        );
    }
    let after_sheets = sheet_parts(&after);
    let results_xml = text(&after, &after_sheets["Kết quả kiểm tra"]);
    if let Some(f) = findings.first() {
        let quoted = format!("'{}'!{}", f.sheet.replace('\'', "''"), f.cell);
        let links = elements(&results_xml, &["hyperlink"]);
        assert_eq!(links.len(), findings.len());
        assert_eq!(
            quick_xml::escape::unescape(&links[0].1["location"]).expect("loc"),
            quoted
        );
        assert!(results_xml.contains("<autoFilter ref=\"A1:H"));
        assert!(results_xml.contains("state=\"frozen\""));
        assert!(results_xml.contains("2022-10-01 08:00"));
    }

    // Layout elements of the touched sheets, and the annotated cells' formats.
    let old_styles = text(&before, "xl/styles.xml");
    let new_styles = text(&after, "xl/styles.xml");
    let (old_xfs, new_xfs, fills) = (
        cell_xfs(&old_styles),
        cell_xfs(&new_styles),
        fill_colors(&new_styles),
    );
    assert_eq!(
        &new_xfs[..old_xfs.len()],
        &old_xfs[..],
        "{name}: existing formats kept"
    );
    for part in &touched_sheets {
        let (old, new) = (text(&before, part), text(&after, part));
        let layout = [
            "col",
            "mergeCell",
            "pageSetup",
            "printOptions",
            "sheetView",
            "pageMargins",
            "sheetFormatPr",
            "pane",
            "definedName",
        ];
        let new_elements = elements(&new, &layout);
        for element in elements(&old, &layout) {
            assert!(
                new_elements.contains(&element),
                "{name} {part}: {element:?} lost"
            );
        }
        let heights = |xml: &str| -> Vec<(String, String)> {
            elements(xml, &["row"])
                .into_iter()
                .filter_map(|(_, a)| Some((a.get("r")?.clone(), a.get("ht")?.clone())))
                .collect()
        };
        let new_heights = heights(&new);
        for h in heights(&old) {
            assert!(new_heights.contains(&h), "{name}: row height {h:?} lost");
        }
        let (old_s, new_s) = (cell_styles(&old), cell_styles(&new));
        for f in findings
            .iter()
            .filter(|f| sheets.get(&f.sheet) == Some(*part))
        {
            let a1 = f.cell.to_string();
            let was = old_s.get(&a1).copied().unwrap_or(0) as usize;
            let now = *new_s
                .get(&a1)
                .unwrap_or_else(|| panic!("{name}: {a1} not in sheet"))
                as usize;
            assert!(now >= old_xfs.len(), "{name}: {a1} got a new format");
            for key in ["fontId", "borderId", "numFmtId", "xfId"] {
                assert_eq!(
                    old_xfs[was].get(key),
                    new_xfs[now].get(key),
                    "{name}: {a1} {key}"
                );
            }
            let fill: usize = new_xfs[now]["fillId"].parse().expect("fillId");
            let worst = findings
                .iter()
                .filter(|g| g.sheet == f.sheet && g.cell == f.cell)
                .map(|g| g.severity)
                .min()
                .expect("one");
            let rgb = match worst {
                Severity::Error => "FFFFC7CE",
                Severity::Warning => "FFFFEB9C",
                Severity::Info => "FFDDEBF7",
            };
            assert_eq!(fills[fill], rgb, "{name}: {a1} fill");
        }
        assert!(new.contains("<legacyDrawing"), "{name}: notes linked");
    }
    annotated
}

fn checked(name: &str) -> (Vec<u8>, Vec<Finding>) {
    let bytes = std::fs::read(fixture(name)).expect("fixture");
    let workbook = read_workbook(&bytes, name).expect("read");
    let findings = check(&workbook, &TemplateChoice::Auto).findings;
    (bytes, findings)
}

#[test]
fn annotating_the_samples_loses_nothing() {
    for name in [
        "tthc-06-q3-2022.xlsx",
        "phu-luc-cchc-q3-2022.xlsx",
        "kinh-phi-2022.xlsx",
    ] {
        let (bytes, mut findings) = checked(name);
        if findings.is_empty() {
            // No built-in template knows this table: hand-made findings on chosen cells
            // (existing and empty).
            let sheet = read_workbook(&bytes, name).expect("read").sheets[0]
                .name
                .clone();
            findings = vec![
                finding("CF202", Severity::Error, &sheet, "C8", "Tổng sai"),
                finding("CF203", Severity::Info, &sheet, "Z40", "Ô trống"),
            ];
        }
        let annotated = assert_nothing_lost(name, &bytes, &findings);
        let after = parts(&annotated);
        let comments: Vec<&String> = after
            .keys()
            .filter(|k| k.starts_with("xl/comments"))
            .collect();
        assert_eq!(comments.len(), 1, "{name}: one comments part");
        let notes = text(&after, comments[0]);
        let first = &findings[0];
        assert!(
            notes.contains(&format!("ref=\"{}\"", first.cell)),
            "{name}: note on {}",
            first.cell
        );
        let ct = text(&after, "[Content_Types].xml");
        assert!(ct.contains("Extension=\"vml\"") && ct.contains(&format!("/{}", comments[0])));
    }
}

fn made_workbook() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let bold = Format::new().set_bold().set_border(FormatBorder::Thin);
    let number = Format::new()
        .set_num_format("#,##0")
        .set_border(FormatBorder::Thin);
    let sheet = book.add_worksheet();
    sheet.set_name("Bob's data").expect("name");
    sheet
        .merge_range(0, 0, 0, 3, "Báo cáo", &bold)
        .expect("merge");
    sheet
        .write_string_with_format(1, 0, "Đơn vị", &bold)
        .expect("w");
    sheet
        .write_string_with_format(1, 1, "Tổng", &bold)
        .expect("w");
    sheet.write_string_with_format(1, 2, "A", &bold).expect("w");
    sheet.write_string_with_format(1, 3, "B", &bold).expect("w");
    for (r, (a, b)) in [(10.0, 5.0), (7.0, 2.0), (3.0, 3.0)].iter().enumerate() {
        let row = r as u32 + 2;
        sheet
            .write_string(row, 0, format!("Unit {row}"))
            .expect("w");
        sheet
            .write_formula_with_format(row, 1, format!("=C{0}+D{0}", row + 1).as_str(), &number)
            .expect("w");
        sheet
            .write_number_with_format(row, 2, *a, &number)
            .expect("w");
        sheet
            .write_number_with_format(row, 3, *b, &number)
            .expect("w");
    }
    sheet
        .write_number_with_format(5, 1, 999.0, &number)
        .expect("w");
    sheet
        .insert_note(5, 1, &Note::new("Kế toán: số liệu tạm").set_author("An"))
        .expect("note");
    sheet.set_column_width(0, 24).expect("width");
    sheet.set_column_width(1, 14).expect("width");
    sheet.set_row_height(1, 30).expect("height");
    sheet.set_landscape();
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_repeat_rows(0, 1).expect("repeat");
    let other = book.add_worksheet();
    other.set_name("Ghi chú").expect("name");
    other.write_string(0, 0, "=not a formula").expect("w");
    book.define_name("Tong", "='Bob''s data'!$B$3:$B$5")
        .expect("name");
    book.save_to_buffer().expect("saved")
}

fn finding(code: &'static str, severity: Severity, sheet: &str, cell: &str, text: &str) -> Finding {
    Finding {
        code,
        severity,
        sheet: sheet.into(),
        cell: at(cell),
        cells: vec![],
        message: Message::new(format!("{text} <vi> & '"), format!("{text} <en>")),
        expected: Some("=1+2".into()),
        actual: Some("-5".into()),
        fix: None,
        related: Vec::new(),
    }
}

#[test]
fn annotating_a_written_workbook_keeps_its_notes_and_layout() {
    let bytes = made_workbook();
    let findings = vec![
        finding("CF201", Severity::Error, "Bob's data", "B6", "Tổng sai"),
        finding(
            "CF202",
            Severity::Warning,
            "Bob's data",
            "B6",
            "Cũng tại đây",
        ),
        finding("CF301", Severity::Info, "Bob's data", "F9", "Ô trống"),
        finding("CF302", Severity::Warning, "Bob's data", "E1", "Giữa hàng"),
        finding("CF303", Severity::Info, "Ghi chú", "A1", "Trang khác"),
    ];
    let annotated = assert_nothing_lost("made", &bytes, &findings);
    let after = parts(&annotated);
    let sheets = sheet_parts(&after);
    let main = text(&after, &sheets["Bob's data"]);
    // F9 and row 9 did not exist: created in order; E1 inserted after D1 in row 1.
    let refs: Vec<String> = elements(&main, &["c"])
        .into_iter()
        .filter_map(|(_, a)| a.get("r").cloned())
        .collect();
    let pos = |r: &str| {
        refs.iter()
            .position(|x| x == r)
            .unwrap_or_else(|| panic!("{r} missing"))
    };
    assert!(pos("D1") < pos("E1") && pos("E1") < pos("A2"));
    assert_eq!(refs.last().map(String::as_str), Some("F9"));
    assert!(
        main.contains("<dimension ref=\"A1:F9\"/>"),
        "dimension grown"
    );
    // The existing note is kept, both findings appended to it, new notes added.
    let comments = text(&after, "xl/comments1.xml");
    assert!(comments.contains("Kế toán: số liệu tạm"));
    assert_eq!(
        comments.matches("ref=\"B6\"").count(),
        1,
        "one note per cell"
    );
    let b6 = &comments[comments.find("ref=\"B6\"").expect("B6")..];
    let b6 = &b6[..b6.find("</comment>").expect("end")];
    assert!(b6.contains("Tổng sai &lt;vi&gt; &amp; &apos;") && b6.contains("Cũng tại đây"));
    assert!(comments.contains("ref=\"F9\"") && comments.contains("ref=\"E1\""));
    let vml = text(&after, "xl/drawings/vmlDrawing1.vml");
    assert_eq!(
        vml.matches("<x:ClientData ObjectType=\"Note\"").count(),
        3,
        "B6 kept, F9 and E1 added"
    );
    // The second sheet got its own comments and drawing.
    let second_rels = text(&after, "xl/worksheets/_rels/sheet2.xml.rels");
    assert!(second_rels.contains("comments") && second_rels.contains("vmlDrawing"));
    // Print titles and the user's name survive.
    let wb = text(&after, "xl/workbook.xml");
    assert!(wb.contains("_xlnm.Print_Titles") && wb.contains("Tong"));
    // Text that looks like a formula stays text.
    let back = read_workbook(&annotated, "x.xlsx").expect("read");
    let results = back.sheets.last().expect("results");
    assert_eq!(text_at(results, 1, 5), "-5");
    assert_eq!(text_at(results, 1, 6), "=1+2");
    assert!(results
        .cell(CellRef::new(1, 6))
        .expect("cell")
        .formula
        .is_none());
}

#[test]
fn fixing_a_wrong_total_and_a_wrong_rate_checks_clean() {
    let bytes = std::fs::read(fixture("tthc-06-q3-2022.xlsx")).expect("fixture");
    let variant = rezip(&bytes, "xl/worksheets/sheet1.xml", |xml| {
        let xml = xml.replace(
            r#"<c r="D9" s="5"><f>D10+D27+D40</f><v>42360</v></c>"#,
            r#"<c r="D9" s="5"><v>43360</v></c>"#,
        );
        xml.replace(
            r#"<c r="N11" s="6"><f>IF(G11=0,"",ROUND((H11+I11)/G11*100,1))</f><v>98.2</v></c>"#,
            r#"<c r="N11" s="6"><v>92.8</v></c>"#,
        )
    });
    let workbook = read_workbook(&variant, "v.xlsx").expect("read");
    let findings = check(&workbook, &TemplateChoice::Auto).findings;
    let safe: Vec<String> = findings
        .iter()
        .filter(|f| {
            f.fix
                .as_ref()
                .is_some_and(|x| x.applicability == Applicability::Safe)
        })
        .map(|f| format!("{} {}", f.code, f.cell))
        .collect();
    for f in &findings {
        println!(
            "{} {:?} {} {:?} -> {:?}",
            f.code,
            f.severity,
            f.cell,
            f.message.en,
            f.fix.as_ref().map(|x| (&x.edits, x.applicability))
        );
    }
    assert!(
        safe.iter().any(|s| s.ends_with(" D9")),
        "safe fix for D9: {safe:?}"
    );
    assert!(
        safe.iter().any(|s| s.ends_with(" N11")),
        "safe fix for N11: {safe:?}"
    );
    let options = OutputOptions {
        lang: Lang::En,
        ..OutputOptions::default()
    };
    let fixed = fix_package(&variant, &findings, &[], &options).expect("fixed");
    let back = read_workbook(&fixed, "fixed.xlsx").expect("read fixed");
    assert_eq!(
        back.sheets.len(),
        1,
        "no results sheet in the corrected form"
    );
    let after = check(&back, &TemplateChoice::Auto).findings;
    let errors: Vec<String> = after
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| format!("{} {} {}", f.code, f.cell, f.message.en))
        .collect();
    assert!(errors.is_empty(), "errors left: {errors:?}");
    let sheet = &back.sheets[0];
    assert_eq!(
        sheet.cell(at("D9")).expect("D9").value,
        Value::Number(42360.into())
    );
    assert_eq!(
        sheet.cell(at("N11")).expect("N11").value,
        Value::Number(rust_decimal::Decimal::new(982, 1))
    );
    let out = parts(&fixed);
    let comments = text(&out, "xl/comments1.xml");
    assert!(
        comments.contains("ref=\"D9\"") && comments.contains("Fixed: 43360"),
        "{comments}"
    );
    let styles = text(&out, "xl/styles.xml");
    assert!(styles.contains("FFC6EFCE"));

    // Live formulas: written with their cached value, style kept, calc chain reset.
    let live = [crossfoot::LiveFormula {
        sheet: "06".into(),
        cell: at("D9"),
        formula: "D10+D27+D40".into(),
        value: 42360.into(),
    }];
    let fixed = fix_package(&variant, &[], &live, &options).expect("live");
    let back = read_workbook(&fixed, "live.xlsx").expect("read");
    let d9 = back.sheets[0].cell(at("D9")).expect("D9");
    assert_eq!(d9.formula.as_deref(), Some("D10+D27+D40"));
    assert_eq!(d9.value, Value::Number(42360.into()));
    assert!(text(&parts(&fixed), "xl/workbook.xml").contains("fullCalcOnLoad=\"1\""));
}

#[test]
fn damaged_packages_are_errors_not_panics() {
    let bytes = std::fs::read(fixture("kinh-phi-2022.xlsx")).expect("fixture");
    let broken = rezip(&bytes, "xl/worksheets/sheet1.xml", |xml| {
        xml.replace("</sheetData>", "</sheetDat>")
    });
    let findings = vec![finding(
        "CF202",
        Severity::Error,
        "Kinh phí",
        "C8",
        "Tổng sai",
    )];
    assert!(matches!(
        annotate_package(&broken, &findings, &OutputOptions::default()),
        Err(crossfoot::OutputError::Package(_))
    ));
    assert!(annotate_package(
        &bytes[..bytes.len() / 2],
        &findings,
        &OutputOptions::default()
    )
    .is_err());
}

/// `bytes` without its styles part: no `xl/styles.xml`, no relationship to it, no content
/// type for it, and no cell naming a style (as some generators write a workbook).
fn without_styles(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in crate::common::zip_parts(bytes) {
        if name == "xl/styles.xml" {
            continue;
        }
        let text = String::from_utf8(data).expect("utf8");
        let text = match name.as_str() {
            "xl/_rels/workbook.xml.rels" => text.replace(
                r#"<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>"#,
                "",
            ),
            "[Content_Types].xml" => text.replace(
                r#"<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>"#,
                "",
            ),
            "xl/worksheets/sheet1.xml" => {
                let mut out = String::new();
                let mut rest = text.as_str();
                while let Some(at) = rest.find(" s=\"") {
                    out.push_str(&rest[..at]);
                    let after = &rest[at + 4..];
                    rest = &after[after.find('"').expect("closing quote") + 1..];
                }
                out.push_str(rest);
                out
            }
            _ => text,
        };
        writer.start_file(name.as_str(), options).expect("start");
        writer.write_all(text.as_bytes()).expect("write");
    }
    writer.finish().expect("finish").into_inner()
}

#[test]
fn a_workbook_without_a_styles_part_is_annotated_with_one_added() {
    let original = std::fs::read(fixture("tthc-06-q3-2022.xlsx")).expect("fixture");
    let bytes = without_styles(&original);
    let before = parts(&bytes);
    assert!(!before.contains_key("xl/styles.xml"));
    assert!(!text(&before, "xl/_rels/workbook.xml.rels").contains("styles"));
    assert!(!text(&before, "xl/worksheets/sheet1.xml").contains(" s=\""));
    let book = read_workbook(&bytes, "06.xlsx").expect("reads without styles");
    let findings = check(&book, &TemplateChoice::Auto).findings;
    assert!(!findings.is_empty());
    let options = OutputOptions::default();
    let annotated = annotate_package(&bytes, &findings, &options).expect("annotated");
    let after = parts(&annotated);
    // The marks' fills live in a new styles part the workbook relates and types.
    let styles = text(&after, "xl/styles1.xml");
    assert!(fill_colors(&styles).len() > 2, "{styles}");
    assert!(text(&after, "xl/_rels/workbook.xml.rels").contains(r#"Target="styles1.xml""#));
    assert!(text(&after, "[Content_Types].xml").contains(
        r#"<Override PartName="/xl/styles1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>"#
    ));
    let again = read_workbook(&annotated, "06.checked.xlsx").expect("reads back");
    assert_same_cells(&book, &again);
    let marked = cell_styles(&text(&after, "xl/worksheets/sheet1.xml"));
    for finding in &findings {
        assert!(
            marked
                .get(&finding.cell.to_string())
                .is_some_and(|&xf| xf > 0),
            "{} is marked",
            finding.cell
        );
    }
    // The corrected workbook too.
    assert!(fix_package(&bytes, &findings, &[], &options).is_ok());
    // LibreOffice opens it and reads the same first sheet.
    let Some(lo) = libreoffice() else {
        println!("skipped: libreoffice is not on PATH (apt-get install libreoffice-calc)");
        return;
    };
    let dir = tempfile::tempdir().expect("tmp");
    let (plain, marked) = (
        dir.path().join("plain.xlsx"),
        dir.path().join("marked.xlsx"),
    );
    std::fs::write(&plain, &bytes).expect("write");
    std::fs::write(&marked, &annotated).expect("write");
    let a = std::fs::read(convert(&lo, &plain, "csv", dir.path())).expect("csv");
    let b = std::fs::read(convert(&lo, &marked, "csv", dir.path())).expect("csv");
    assert!(!a.is_empty());
    assert_eq!(a, b, "LibreOffice reads the same first sheet");
}

fn libreoffice() -> Option<String> {
    ["libreoffice", "soffice"]
        .into_iter()
        .find(|b| {
            Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .map(String::from)
}

fn convert(lo: &str, file: &Path, to: &str, dir: &Path) -> std::path::PathBuf {
    let profile = format!(
        "-env:UserInstallation=file://{}",
        dir.join("profile").display()
    );
    let status = Command::new(lo)
        .args([
            profile.as_str(),
            "--headless",
            "--convert-to",
            to,
            "--outdir",
        ])
        .arg(dir)
        .arg(file)
        .output()
        .expect("run libreoffice");
    assert!(
        status.status.success(),
        "libreoffice: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    let ext = to.split(':').next().unwrap_or(to);
    dir.join(file.file_stem().expect("stem"))
        .with_extension(ext)
}

#[test]
fn libreoffice_opens_the_annotated_workbook() {
    let Some(lo) = libreoffice() else {
        println!("skipped: libreoffice is not on PATH (apt-get install libreoffice-calc)");
        return;
    };
    let (bytes, findings) = checked("tthc-06-q3-2022.xlsx");
    let annotated =
        annotate_package(&bytes, &findings, &OutputOptions::default()).expect("annotated");
    let dir = tempfile::tempdir().expect("tmp");
    let original = dir.path().join("original.xlsx");
    let output = dir.path().join("annotated.xlsx");
    std::fs::write(&original, &bytes).expect("write");
    std::fs::write(&output, &annotated).expect("write");
    let a = std::fs::read(convert(&lo, &original, "csv", dir.path())).expect("csv");
    let b = std::fs::read(convert(&lo, &output, "csv", dir.path())).expect("csv");
    assert!(
        String::from_utf8_lossy(&a).contains("203566"),
        "first sheet values"
    );
    assert_eq!(a, b, "LibreOffice reads the same first sheet");
    let pdf = convert(&lo, &output, "pdf", dir.path());
    assert!(
        std::fs::metadata(&pdf).expect("pdf").len() > 1000,
        "LibreOffice renders it"
    );
    if let Ok(keep) = std::env::var("CROSSFOOT_KEEP_PATCHED") {
        std::fs::write(Path::new(&keep).join("annotated.xlsx"), &annotated).expect("keep");
    }
}
