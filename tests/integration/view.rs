//! The page's view of a checked file (`crossfoot::view`) on the sample workbooks: its
//! findings are the JSON report's, each finding's place is its cell, every sheet's grid is
//! consistent with itself and shows the cells as the sheet does, and the copies written from
//! one kept check are byte for byte those of a fresh read and check. Files dropped together
//! (`CheckedSet`): the findings across them are the command line's, and units' reports give
//! a consolidated workbook the core reads back.

use crossfoot::{
    annotated_workbook, cell_text, check, fixed_workbook, read_workbook, render_json, CellRef,
    CheckedFile, CheckedSet, FileOutcome, Lang, Template, TemplateChoice, CELL_SEPARATOR,
};

use crate::common::fixture;

/// The sample workbooks of every format, with the template each is checked with.
const SAMPLES: [(&str, &str); 7] = [
    ("tthc-06-q3-2022.xlsx", "auto"),
    ("tthc-06-q3-2022.xls", "auto"),
    ("tthc-06-q3-2022.ods", "auto"),
    ("tthc-06-q3-2022-html.xls", "auto"),
    ("kinh-phi-2022.xlsx", "none"),
    ("phu-luc-cchc-q3-2022.xlsx", "auto"),
    ("xss-sheet-name.xlsx", "auto"),
];

fn checked(name: &str, template: &str) -> CheckedFile {
    let bytes = std::fs::read(fixture(name)).expect("fixture exists");
    let choice = TemplateChoice::parse(template).expect("template argument");
    CheckedFile::check(bytes, name, &choice).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn the_view_holds_the_json_reports_file_and_each_findings_place() {
    for (name, template) in SAMPLES {
        let file = checked(name, template);
        for lang in [Lang::Vi, Lang::En] {
            let view = serde_json::to_value(file.view(lang)).expect("serialises");
            let outcome = [FileOutcome {
                path: name.to_string(),
                result: Ok(file.report().clone()),
            }];
            let json: serde_json::Value =
                serde_json::from_str(&render_json(&outcome, lang)).expect("JSON");
            let report = json["files"][0].as_object().expect("a file object");
            for (key, value) in report {
                assert_eq!(&view[key], value, "{name}: {key}");
            }
            let findings = view["findings"].as_array().expect("findings");
            let places = view["places"].as_array().expect("places");
            assert_eq!(places.len(), findings.len(), "{name}");
            for (finding, place) in findings.iter().zip(places) {
                let at = CellRef::new(
                    place[0].as_u64().unwrap() as u32,
                    place[1].as_u64().unwrap() as u32,
                );
                assert_eq!(finding["cell"], at.to_string(), "{name}");
            }
            assert_eq!(
                view["convention"],
                serde_json::to_value(file.workbook().convention).unwrap()
            );
        }
    }
}

#[test]
fn every_grid_shows_its_sheets_cells_as_the_sheet_does() {
    for (name, template) in SAMPLES {
        let file = checked(name, template);
        let book = file.workbook();
        let view = file.view(Lang::Vi);
        assert_eq!(view.sheets.len(), book.sheets.len(), "{name}");
        for (grid, sheet) in view.sheets.iter().zip(&book.sheets) {
            assert_eq!(grid.name, sheet.name);
            assert_eq!(grid.rows.len(), grid.row_count as usize, "{name}");
            assert_eq!(grid.kinds.len(), grid.rows.len(), "{name}");
            assert_eq!(grid.columns.len(), grid.col_count as usize, "{name}");
            assert_eq!(grid.widths.len(), grid.col_count as usize, "{name}");
            assert!(grid.widths.iter().all(|w| (4..=28).contains(w)), "{name}");
            assert!(!grid.truncated, "{name}: the samples are small");
            for (row, (texts, kinds)) in grid.rows.iter().zip(&grid.kinds).enumerate() {
                let texts: Vec<&str> = if texts.is_empty() {
                    Vec::new()
                } else {
                    texts.split(CELL_SEPARATOR).collect()
                };
                assert_eq!(texts.len(), kinds.chars().count(), "{name} row {row}");
                for (col, (text, kind)) in texts.iter().zip(kinds.chars()).enumerate() {
                    let at = CellRef::new(row as u32, col as u32);
                    let expected = sheet.cell(at).map_or(String::new(), |cell| {
                        cell_text(&cell.value, &cell.reading, book.convention)
                    });
                    assert_eq!(*text, expected, "{name} {}!{at}", sheet.name);
                    assert_eq!(kind == ' ', text.is_empty(), "{name} {}!{at}", sheet.name);
                }
            }
        }
    }
}

#[test]
fn the_grid_shows_numbers_in_the_workbooks_convention() {
    let file = checked("tthc-06-q3-2022.xlsx", "auto");
    let view = file.view(Lang::En);
    let cells: Vec<&str> = view.sheets[0]
        .rows
        .iter()
        .flat_map(|row| row.split(CELL_SEPARATOR))
        .collect();
    // The 06 sample writes Vietnamese numbers: an English page still shows them so.
    assert!(cells.contains(&"11.766"), "{cells:?}");
    assert!(cells.contains(&"99,1"), "{cells:?}");
}

#[test]
fn copies_from_a_kept_check_are_those_of_a_fresh_one() {
    for (name, template) in SAMPLES {
        let file = checked(name, template);
        let bytes = std::fs::read(fixture(name)).unwrap();
        let book = read_workbook(&bytes, name).unwrap();
        let report = check(&book, &TemplateChoice::parse(template).unwrap());
        for lang in [Lang::Vi, Lang::En] {
            let options = file.output_options(lang, "2022-10-01 08:00");
            assert_eq!(
                file.annotated(lang, "2022-10-01 08:00").ok(),
                annotated_workbook(&bytes, &book, &report, &options).ok(),
                "{name}"
            );
            assert_eq!(
                file.fixed(lang, "2022-10-01 08:00").ok(),
                fixed_workbook(&bytes, &book, &report, &[], &options).ok(),
                "{name}"
            );
        }
    }
}

#[test]
fn output_options_print_the_time_given_and_say_what_was_converted() {
    let xlsx = checked("tthc-06-q3-2022.xlsx", "auto").output_options(Lang::En, "");
    assert_eq!((xlsx.checked_at, xlsx.converted_from), (None, None));
    assert_eq!(xlsx.template.as_deref(), Some("tthc-06"));
    let ods = checked("tthc-06-q3-2022.ods", "auto").output_options(Lang::Vi, "now");
    assert_eq!(ods.checked_at.as_deref(), Some("now"));
    assert_eq!(ods.converted_from, Some(crossfoot::SourceFormat::Ods));
}

#[test]
fn a_template_argument_is_a_keyword_toml_text_or_an_id() {
    assert_eq!(TemplateChoice::parse("auto"), Ok(TemplateChoice::Auto));
    assert_eq!(TemplateChoice::parse("none"), Ok(TemplateChoice::None));
    let toml = std::fs::read_to_string(fixture("kinh-phi.toml")).unwrap();
    assert_eq!(
        TemplateChoice::parse(&toml),
        Ok(TemplateChoice::Given(Box::new(
            Template::from_toml(&toml).unwrap()
        )))
    );
    assert_eq!(
        TemplateChoice::parse(&toml),
        TemplateChoice::from_toml(&toml)
    );
    let error = TemplateChoice::parse("tthc-99").unwrap_err();
    assert!(error.to_string().contains("tthc-99"), "{error}");
    assert!(TemplateChoice::parse("id = ").unwrap_err().line.is_some());
}

#[test]
fn a_workbook_left_for_excel_to_calculate_is_shown_calculated() {
    use rust_xlsxwriter::{Formula, Workbook as Writer};
    let mut writer = Writer::new(); // saves 0 for every formula, for Excel to calculate
    let sheet = writer.add_worksheet();
    sheet.write_string(0, 0, "Số").unwrap();
    sheet.write_number(1, 0, 2).unwrap();
    sheet.write_formula(2, 0, Formula::new("=A2*3")).unwrap();
    let bytes = writer.save_to_buffer().unwrap();
    let file = CheckedFile::check(bytes, "a.xlsx", &TemplateChoice::None).unwrap();
    assert!(file.report().findings.iter().any(|f| f.code == "CF110"));
    let rows = &file.view(Lang::En).sheets[0].rows;
    assert_eq!(rows[2], "6");
    assert_eq!(file.view(Lang::En).sheets[0].kinds[2], "f");
}

/// The worked example's files (`examples/`), each named by its path there and read.
fn examples(names: &[&str]) -> Vec<(String, Vec<u8>)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    names
        .iter()
        .map(|name| (name.to_string(), std::fs::read(dir.join(name)).expect(name)))
        .collect()
}

#[test]
fn a_set_of_two_periods_shows_the_command_lines_findings_across_them() {
    let mut files = examples(&["don-vi/so-y-te.xlsx", "so-y-te-quy-2.xlsx"]);
    files.insert(1, ("ghi-chu.xlsx".into(), b"not a workbook".to_vec()));
    let set = CheckedSet::check(&files, &TemplateChoice::Auto);
    let view = serde_json::to_value(set.view(Lang::Vi)).unwrap();
    assert_eq!(view["kind"], "periods");
    assert_eq!(view["template"], "tthc-06");
    assert_eq!(
        (&view["last"], &view["this"]),
        (&"so-y-te-quy-2.xlsx".into(), &"don-vi/so-y-te.xlsx".into())
    );
    assert_eq!(view["unreadable"][0]["file"], "ghi-chu.xlsx");
    assert_eq!(view["unreadable"][0]["index"], 1);
    assert!(set.consolidated().is_none());
    // The command line's findings that name the last period's cells, key for key.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_crossfoot"))
        .current_dir(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples"))
        .args([
            "check",
            "--format",
            "json",
            "--previous",
            "so-y-te-quy-2.xlsx",
        ])
        .arg("don-vi/so-y-te.xlsx")
        .output()
        .unwrap();
    let cli: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let across: Vec<&serde_json::Value> = cli["files"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| finding.get("related").is_some())
        .collect();
    let findings = view["findings"].as_array().unwrap();
    assert!(!across.is_empty());
    assert_eq!(findings.len(), across.len());
    for (shown, cli) in findings.iter().zip(across) {
        let mut shown = shown.clone();
        let place = shown.as_object_mut().unwrap();
        assert_eq!(place.remove("file").unwrap(), "don-vi/so-y-te.xlsx");
        assert_eq!(place.remove("index").unwrap(), 0);
        assert_eq!(&shown, cli);
    }
    let cf401 = findings.iter().find(|f| f["code"] == "CF401").unwrap();
    assert_eq!(cf401["cell"], "F12");
    assert_eq!(cf401["related"][0]["path"], "so-y-te-quy-2.xlsx");
    assert_eq!(cf401["related"][0]["cell"], "K12");
}

#[test]
fn units_reports_with_the_province_report_give_a_consolidated_workbook() {
    let units = [
        "don-vi/huyen-lap-vo.xlsx",
        "don-vi/huyen-tan-hong.xlsx",
        "don-vi/so-tu-phap.xlsx",
        "don-vi/so-xay-dung.xlsx",
        "don-vi/so-y-te.xlsx",
        "don-vi/xa-tan-hong.xlsx",
    ];
    let mut names = units.to_vec();
    names.insert(2, "tong-hop-quy-3.xlsx");
    let set = CheckedSet::check(&examples(&names), &TemplateChoice::Auto);
    for lang in [Lang::Vi, Lang::En] {
        let view = set.view(lang);
        assert_eq!(view.kind, "units");
        assert_eq!(view.province, Some("tong-hop-quy-3.xlsx"));
        assert_eq!(view.units, units);
        assert_eq!(view.placed.len(), units.len());
        for unit in &view.placed {
            assert!(units.contains(&unit.path.unwrap()), "{}", unit.name);
            assert_eq!(
                unit.message,
                set.report()
                    .consolidated
                    .as_ref()
                    .unwrap()
                    .units
                    .iter()
                    .find(|placed| placed.name == unit.name)
                    .unwrap()
                    .status
                    .message()
                    .get(lang)
            );
        }
    }
    let bytes = set.consolidated().expect("a consolidated workbook");
    let book = read_workbook(bytes, "tong-hop.xlsx").expect("the core reads it back");
    let report = check(&book, &TemplateChoice::Auto);
    assert_eq!(report.template.as_deref(), Some("tthc-06"));
}
