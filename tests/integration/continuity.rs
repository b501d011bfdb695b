//! Checks across two periods' files (`check_continuity`, issue 25's first slice): two
//! quarters of the 06 form written by the `form06` generator, whose carried-over column
//! must equal the last quarter's pending one row by row (CF401, with the last file's cell
//! in `related`), whose period lines must follow each other (CF402), and a template of our
//! own with a cumulative column that must not go down within a year (CF403); a pair that
//! agrees gives no finding across the files. Tables with no built-in template get their
//! `[continuity]` from inference: a year's column that must be the last period's plus this
//! period's own (CF407, not compared across a new year), and the carried-over column paired
//! with the closing one, which `crossfoot infer` prints and `check --previous` uses (CF401).

use crossfoot::{
    check, check_continuity, check_set, decide_by_previous, read_workbook, Applicability, Finding,
    PeriodFile, SetFile, SetKind, Severity, Template, TemplateChoice, Workbook,
};
use rust_decimal::Decimal;
use rust_xlsxwriter::Workbook as XlsxWorkbook;

use crate::common::{crossfoot, outputs_name_the_other_file};
use crate::form06::{self, Kind, Options, Row, CARRIED, PENDING, RECEIVED};

const Q2_2022: &str = "Kỳ báo cáo: Quý II năm 2022 (từ ngày 15/3/2022 đến ngày 14/6/2022)";
const Q3_2022: &str = "Kỳ báo cáo: Quý III năm 2022 (từ ngày 15/6/2022 đến ngày 14/9/2022)";
const Q4_2022: &str = "Kỳ báo cáo: Quý IV năm 2022 (từ ngày 15/9/2022 đến ngày 14/12/2022)";

/// The sample's rows with a steady backlog: each row carries over what it leaves pending
/// (received moved with it, so every relation of the form still holds), so the same
/// figures can be filed for two quarters in a row.
fn steady_rows() -> Vec<Row> {
    let mut rows = form06::sample_rows();
    for row in &mut rows {
        let delta = row.counts[PENDING] - row.counts[CARRIED];
        row.counts[CARRIED] += delta;
        row.counts[RECEIVED] += delta;
    }
    rows
}

/// The unit `label`'s carried-over figure raised by `by`, and its section's and the grand
/// total's with it (received too): the file still adds up, only the carry-over is wrong.
fn carry_more(rows: &mut [Row], label: &str, by: i64) {
    for i in with_totals(rows, label) {
        rows[i].counts[CARRIED] += by;
        rows[i].counts[RECEIVED] += by;
    }
}

/// The unit `label`'s row, its section's and the grand total's.
fn with_totals(rows: &[Row], label: &str) -> [usize; 3] {
    let unit = rows.iter().position(|r| r.label == label).unwrap();
    let section = rows[..unit]
        .iter()
        .rposition(|r| r.kind == Kind::Section)
        .unwrap();
    let total = rows.iter().position(|r| r.kind == Kind::Total).unwrap();
    [unit, section, total]
}

/// A quarter of the 06 form with `rows` under `period`, read back; and where each row went.
fn quarter(rows: &[Row], period: &'static str, name: &str) -> (Workbook, Vec<u32>) {
    let options = Options {
        period,
        ..Options::default()
    };
    let (bytes, placed) = form06::write(rows, &options);
    (read_workbook(&bytes, name).unwrap(), placed)
}

fn across(last: &Workbook, this: &Workbook, template: &Template) -> Vec<Finding> {
    across_named(("q2.xlsx", last), ("q3.xlsx", this), template)
}

/// The findings across `last` and `this`, each a path and its workbook.
fn across_named(
    (last_path, last): (&str, &Workbook),
    (this_path, this): (&str, &Workbook),
    template: &Template,
) -> Vec<Finding> {
    check_continuity(
        PeriodFile {
            path: last_path,
            workbook: last,
        },
        PeriodFile {
            path: this_path,
            workbook: this,
        },
        template,
    )
}

fn codes(findings: &[Finding]) -> Vec<(&str, String)> {
    findings
        .iter()
        .map(|f| (f.code, f.cell.to_string()))
        .collect()
}

#[test]
fn a_carried_over_figure_that_is_not_the_last_pending_one_names_both_files_and_cells() {
    let tthc = Template::builtin("tthc-06").unwrap();
    let (last, placed) = quarter(&steady_rows(), Q2_2022, "q2.xlsx");
    let mut rows = steady_rows();
    carry_more(&mut rows, "Sở Tư pháp", 7);
    let (this, _) = quarter(&rows, Q3_2022, "q3.xlsx");

    let findings = across(&last, &this, &tthc);
    let unit = rows.iter().position(|r| r.label == "Sở Tư pháp").unwrap();
    let row = placed[unit] + 1;
    // Carried over is column F, pending column K; the section and the grand total moved
    // with the unit and are not reported again.
    assert_eq!(
        codes(&findings),
        [("CF401", format!("F{row}"))],
        "{findings:#?}"
    );
    let carried = &findings[0];
    assert_eq!(carried.severity, crossfoot::Severity::Error);
    assert_eq!(carried.sheet, "06");
    assert_eq!(
        (carried.expected.as_deref(), carried.actual.as_deref()),
        (
            Some(rows[unit].counts[PENDING].to_string().as_str()),
            Some((rows[unit].counts[PENDING] + 7).to_string().as_str())
        )
    );
    assert_eq!(carried.related.len(), 1);
    let related = &carried.related[0];
    assert_eq!(related.path, "q2.xlsx");
    assert_eq!(related.sheet, "06");
    assert_eq!(related.cell.to_string(), format!("K{row}"));
    assert_eq!(
        related.value.as_deref(),
        Some(rows[unit].counts[PENDING].to_string().as_str())
    );
    for text in [&carried.message.vi, &carried.message.en] {
        for named in ["q2.xlsx", "q3.xlsx", &format!("K{row}"), &format!("F{row}")] {
            assert!(text.contains(named), "{named} in {text}");
        }
    }
    assert!(carried.message.vi.contains("Sở Tư pháp"));
    assert!(
        carried.message.en.contains("by 7"),
        "{}",
        carried.message.en
    );
}

/// This quarter's unit `label` with its carried-over figure typed `by` too high and its
/// received total left as it was: the row's received = online + direct + carried breaks,
/// and lowering any of the three would mend it (the section and the grand total are live
/// `SUM`s whose saved values moved with the slip).
fn carried_slip(label: &str, by: i64) -> (Workbook, Vec<Row>, u32) {
    let mut rows = steady_rows();
    let [unit, ..] = with_totals(&rows, label);
    for i in with_totals(&rows, label) {
        rows[i].counts[CARRIED] += by;
    }
    let options = Options {
        period: Q3_2022,
        formulas: true,
        ..Options::default()
    };
    let (bytes, placed) = form06::write(&rows, &options);
    let row = placed[unit] + 1;
    (read_workbook(&bytes, "q3.xlsx").unwrap(), rows, row)
}

#[test]
fn a_cell_this_period_alone_cannot_tell_is_decided_by_the_last_periods_file() {
    let tthc = Template::builtin("tthc-06").unwrap();
    let given = || TemplateChoice::Given(Box::new(tthc.clone()));
    let (last, _) = quarter(&steady_rows(), Q2_2022, "q2.xlsx");
    let (this, rows, row) = carried_slip("Sở Tư pháp", 8);
    let unit = rows.iter().position(|r| r.label == "Sở Tư pháp").unwrap();
    let pending = rows[unit].counts[PENDING];

    // This file alone: three cells would each explain the row, none is chosen.
    let alone = check(&this, &given());
    let ambiguous: Vec<&Finding> = alone
        .findings
        .iter()
        .filter(|f| f.code == "CF302")
        .collect();
    assert_eq!(ambiguous.len(), 1, "{:#?}", alone.findings);
    assert!(!alone.findings.iter().any(|f| f.code == "CF301"));
    let carried_cell = format!("F{row}");
    assert!(
        std::iter::once(ambiguous[0].cell)
            .chain(ambiguous[0].cells.iter().copied())
            .any(|c| c.to_string() == carried_cell),
        "{:#?}",
        ambiguous[0]
    );

    // The last period's pending figure says the carried-over one was the slip.
    let mut findings = alone.findings.clone();
    let mut found = across(&last, &this, &tthc);
    assert_eq!(
        codes(&found),
        [("CF401", carried_cell.clone())],
        "{found:#?}"
    );
    // A CF401 proposes the last period's figure, for review.
    let proposed = found[0].fix.as_ref().unwrap();
    assert_eq!(proposed.applicability, Applicability::NeedsReview);
    assert_eq!(proposed.edits[0].value, Decimal::from(pending));
    let this_file = PeriodFile {
        path: "q3.xlsx",
        workbook: &this,
    };
    decide_by_previous(this_file, &tthc, &mut findings, &mut found);
    assert!(found.is_empty(), "one finding a cell: {found:#?}");
    assert!(!findings.iter().any(|f| f.code == "CF302"), "{findings:#?}");
    let decided: Vec<&Finding> = findings.iter().filter(|f| f.code == "CF301").collect();
    assert_eq!(decided.len(), 1, "{findings:#?}");
    let decided = decided[0];
    assert_eq!(decided.cell.to_string(), carried_cell);
    assert_eq!(decided.severity, crossfoot::Severity::Error);
    let related = &decided.related[0];
    assert_eq!(
        (related.path.as_str(), related.cell.to_string()),
        ("q2.xlsx", format!("K{row}"))
    );
    assert!(
        decided.message.en.contains("decided by q2.xlsx"),
        "{}",
        decided.message.en
    );
    assert!(
        decided.message.vi.contains("q2.xlsx quyết định"),
        "{}",
        decided.message.vi
    );
    let fix = decided.fix.as_ref().unwrap();
    assert_eq!(fix.applicability, Applicability::Safe);
    assert_eq!(
        (fix.edits[0].cell.to_string(), fix.edits[0].value),
        (carried_cell.clone(), Decimal::from(pending))
    );
    assert_eq!(findings.len(), alone.findings.len());

    // A last period that would not mend this file's row decides nothing: its pending
    // figure is 3 off the slip, so the CF302 and the CF401 both stay.
    let mut other_rows = steady_rows();
    other_rows[unit].counts[PENDING] += 3;
    let (other_last, _) = quarter(&other_rows, Q2_2022, "q2.xlsx");
    let mut findings = alone.findings.clone();
    let mut found = across(&other_last, &this, &tthc);
    decide_by_previous(this_file, &tthc, &mut findings, &mut found);
    assert_eq!(findings, alone.findings);
    assert_eq!(
        codes(&found),
        [("CF401", carried_cell.clone())],
        "{found:#?}"
    );

    // The command line does the same with --previous.
    let dir = tempfile::tempdir().unwrap();
    let (last_bytes, _) = form06::write(
        &steady_rows(),
        &Options {
            period: Q2_2022,
            ..Options::default()
        },
    );
    let (this_bytes, _) = form06::write(
        &rows,
        &Options {
            period: Q3_2022,
            formulas: true,
            ..Options::default()
        },
    );
    let (q2, q3) = (dir.path().join("q2.xlsx"), dir.path().join("q3.xlsx"));
    std::fs::write(&q2, last_bytes).unwrap();
    std::fs::write(&q3, this_bytes).unwrap();
    let (q2, q3) = (q2.to_str().unwrap(), q3.to_str().unwrap());
    let out = crossfoot(&["check", "--format", "json", "--previous", q2, q3]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let cli: Vec<(String, String)> = json["files"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| ["CF301", "CF302", "CF401"].contains(&f["code"].as_str().unwrap()))
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["cell"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        cli,
        [("CF301".to_string(), carried_cell.clone())],
        "{json:#}"
    );

    // The page's set of the two files (check_set) decides the same: its findings hold the
    // CF301 on this period's file in place of the CF401.
    let (q2_book, q3_book) = (
        read_workbook(&std::fs::read(q2).unwrap(), "q2.xlsx").unwrap(),
        read_workbook(&std::fs::read(q3).unwrap(), "q3.xlsx").unwrap(),
    );
    let set = check_set(
        &[
            SetFile {
                path: "q3.xlsx",
                workbook: &q3_book,
            },
            SetFile {
                path: "q2.xlsx",
                workbook: &q2_book,
            },
        ],
        &TemplateChoice::Auto,
    );
    assert_eq!(set.kind, SetKind::Periods { last: 1, this: 0 });
    let in_set: Vec<(usize, &str, String)> = set
        .findings
        .iter()
        .map(|(file, f)| (*file, f.code, f.cell.to_string()))
        .collect();
    assert_eq!(
        in_set,
        [(0, "CF301", carried_cell.clone())],
        "{:#?}",
        set.findings
    );
    assert_eq!(set.findings[0].1, *decided);
}

/// A slip the file alone pins on another cell (carried over typed 3 too high, 269 as 272:
/// alone, one mistyped digit in another cell of the row explains the row as well and is
/// preferred) is moved to the cell the last period's file shows wrong: one CF301 on the
/// carried-over cell, its fix the last pending figure, naming the last period's file and
/// the cell the file alone pointed at; nothing is left on that cell.
#[test]
fn a_slip_this_file_alone_pins_on_another_cell_is_moved_by_the_last_periods_file() {
    let tthc = Template::builtin("tthc-06").unwrap();
    let (last, _) = quarter(&steady_rows(), Q2_2022, "q2.xlsx");
    let (this, rows, row) = carried_slip("Sở Tư pháp", 3);
    let unit = rows.iter().position(|r| r.label == "Sở Tư pháp").unwrap();
    let pending = Decimal::from(rows[unit].counts[PENDING]);
    let carried_cell = format!("F{row}");

    let alone = check(&this, &TemplateChoice::Given(Box::new(tthc.clone())));
    let wrong: Vec<&Finding> = alone
        .findings
        .iter()
        .filter(|f| f.code == "CF301")
        .collect();
    let [pinned] = wrong.as_slice() else {
        panic!("one CF301 alone: {:#?}", alone.findings);
    };
    assert_ne!(
        pinned.cell.to_string(),
        carried_cell,
        "alone, another cell is preferred"
    );
    let mut found = across(&last, &this, &tthc);
    assert_eq!(
        codes(&found),
        [("CF401", carried_cell.clone())],
        "{found:#?}"
    );

    let mut findings = alone.findings.clone();
    let this_file = PeriodFile {
        path: "q3.xlsx",
        workbook: &this,
    };
    decide_by_previous(this_file, &tthc, &mut findings, &mut found);
    assert!(found.is_empty(), "one finding a cell: {found:#?}");
    let wrong: Vec<&Finding> = findings.iter().filter(|f| f.code == "CF301").collect();
    let [moved] = wrong.as_slice() else {
        panic!("one CF301: {findings:#?}");
    };
    assert_eq!(moved.cell.to_string(), carried_cell);
    assert_eq!(moved.fix.as_ref().unwrap().edits[0].value, pending);
    assert_eq!(
        moved.cells,
        [pinned.cell],
        "it names the cell the file alone pointed at"
    );
    let related: Vec<(&str, String)> = moved
        .related
        .iter()
        .map(|r| (r.path.as_str(), r.cell.to_string()))
        .collect();
    assert_eq!(related, [("q2.xlsx", format!("K{row}"))]);
    let alone_cell = pinned.cell.to_string();
    assert!(
        moved
            .message
            .en
            .contains(&format!("This file alone pointed at {alone_cell}")),
        "{}",
        moved.message.en
    );
    assert!(
        moved.message.vi.contains(&format!("chỉ ra ô {alone_cell}")),
        "{}",
        moved.message.vi
    );
    assert!(
        findings
            .iter()
            .all(|f| f.cell != pinned.cell || f.severity != Severity::Error),
        "nothing left on {alone_cell}: {findings:#?}"
    );

    // The command line, as an auditor runs it on the two files.
    let dir = tempfile::tempdir().unwrap();
    let options = |period, formulas| Options {
        period,
        formulas,
        ..Options::default()
    };
    let (q2, _) = form06::write(&steady_rows(), &options(Q2_2022, false));
    let (q3, _) = form06::write(&rows, &options(Q3_2022, true));
    let (q2_path, q3_path) = (dir.path().join("q2.xlsx"), dir.path().join("q3.xlsx"));
    std::fs::write(&q2_path, q2).unwrap();
    std::fs::write(&q3_path, q3).unwrap();
    let (q2_path, q3_path) = (q2_path.to_str().unwrap(), q3_path.to_str().unwrap());
    let output = crossfoot(&["check", "--format", "json", "--previous", q2_path, q3_path]);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let errors: Vec<(&str, &str)> = json["files"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error")
        .map(|f| (f["code"].as_str().unwrap(), f["cell"].as_str().unwrap()))
        .collect();
    assert_eq!(errors, [("CF301", carried_cell.as_str())], "{json}");
}

/// One finding a cell: a slip the file alone already pins on its cell (CF301: carried over
/// typed 27 too high, 269 as 296, two digits swapped) that the last period's file confirms is one CF301,
/// naming the last period's cell as agreeing, not a CF301 and a CF401 on the same cell.
#[test]
fn a_slip_both_this_file_and_the_last_period_pin_on_one_cell_is_one_finding() {
    let tthc = Template::builtin("tthc-06").unwrap();
    let (last, _) = quarter(&steady_rows(), Q2_2022, "q2.xlsx");
    let (this, rows, row) = carried_slip("Sở Tư pháp", 27);
    let unit = rows.iter().position(|r| r.label == "Sở Tư pháp").unwrap();
    let pending = Decimal::from(rows[unit].counts[PENDING]);
    let carried_cell = format!("F{row}");

    let alone = check(&this, &TemplateChoice::Given(Box::new(tthc.clone())));
    let wrong: Vec<&Finding> = alone
        .findings
        .iter()
        .filter(|f| f.code == "CF301")
        .collect();
    assert_eq!(
        codes(&wrong.iter().map(|f| (*f).clone()).collect::<Vec<_>>()),
        [("CF301", carried_cell.clone())],
        "{:#?}",
        alone.findings
    );
    assert_eq!(wrong[0].fix.as_ref().unwrap().edits[0].value, pending);
    let mut found = across(&last, &this, &tthc);
    assert_eq!(
        codes(&found),
        [("CF401", carried_cell.clone())],
        "{found:#?}"
    );

    let mut findings = alone.findings.clone();
    let this_file = PeriodFile {
        path: "q3.xlsx",
        workbook: &this,
    };
    decide_by_previous(this_file, &tthc, &mut findings, &mut found);
    assert!(found.is_empty(), "one finding a cell: {found:#?}");
    assert_eq!(findings.len(), alone.findings.len());
    let merged = findings.iter().find(|f| f.code == "CF301").unwrap();
    assert_eq!(merged.cell.to_string(), carried_cell);
    assert_eq!(merged.fix, wrong[0].fix, "the file's own fix stays");
    let related: Vec<(&str, String)> = merged
        .related
        .iter()
        .map(|r| (r.path.as_str(), r.cell.to_string()))
        .collect();
    assert_eq!(related, [("q2.xlsx", format!("K{row}"))]);
    assert!(
        merged.message.en.contains("q2.xlsx says the same"),
        "{}",
        merged.message.en
    );
    assert!(
        merged.message.vi.contains("Tệp q2.xlsx cũng cho thấy"),
        "{}",
        merged.message.vi
    );

    // A last period whose pending figure is not the one the file proposes says something
    // else: both findings stay.
    let mut other_rows = steady_rows();
    other_rows[unit].counts[PENDING] += 3;
    let (other_last, _) = quarter(&other_rows, Q2_2022, "q2.xlsx");
    let mut findings = alone.findings.clone();
    let mut found = across(&other_last, &this, &tthc);
    decide_by_previous(this_file, &tthc, &mut findings, &mut found);
    assert_eq!(findings, alone.findings);
    assert_eq!(codes(&found), [("CF401", carried_cell)], "{found:#?}");
}

#[test]
fn periods_that_do_not_follow_each_other_are_a_warning_and_nothing_is_carried() {
    let tthc = Template::builtin("tthc-06").unwrap();
    let (last, _) = quarter(&steady_rows(), Q2_2022, "q2.xlsx");
    let mut rows = steady_rows();
    carry_more(&mut rows, "Sở Tư pháp", 7);
    let (this, _) = quarter(&rows, Q4_2022, "q4.xlsx");

    let findings = across(&last, &this, &tthc);
    // The period line is A4 in both files.
    assert_eq!(
        codes(&findings),
        [("CF402", "A4".to_string())],
        "{findings:#?}"
    );
    let gap = &findings[0];
    assert_eq!(gap.severity, crossfoot::Severity::Warning);
    assert!(
        gap.message.en.contains("leaves a gap after"),
        "{}",
        gap.message.en
    );
    assert_eq!(gap.related[0].path, "q2.xlsx");
    assert_eq!(gap.related[0].cell.to_string(), "A4");
    assert_eq!(gap.related[0].value.as_deref(), Some(Q2_2022));

    // The same period twice: the period line was not updated, or the file is the same.
    let (same, _) = quarter(&steady_rows(), Q2_2022, "q2-again.xlsx");
    let findings = across(&last, &same, &tthc);
    assert_eq!(codes(&findings), [("CF402", "A4".to_string())]);
    assert!(findings[0].message.vi.contains("trùng với"));
}

#[test]
fn a_matching_pair_gives_no_finding_across_the_files() {
    let tthc = Template::builtin("tthc-06").unwrap();
    // The sample as the last quarter, and a quarter that carries over what it left pending:
    // its carried-over figures differ from its own pending ones and from the last
    // quarter's carried-over ones, and only the last quarter's pending ones are its match.
    let last_rows = form06::sample_rows();
    let mut rows = form06::sample_rows();
    for (row, last) in rows.iter_mut().zip(&last_rows) {
        let delta = last.counts[PENDING] - row.counts[CARRIED];
        row.counts[CARRIED] += delta;
        row.counts[RECEIVED] += delta;
        // Twice as many pending at the end of this quarter (within deadline and overdue).
        for k in PENDING..PENDING + 3 {
            row.counts[k] *= 2;
        }
    }
    let differ = |k: usize, of: &[Row]| {
        rows.iter()
            .zip(of)
            .filter(|(a, b)| a.counts[CARRIED] != b.counts[k])
            .count()
    };
    let (c, p) = (differ(CARRIED, &last_rows), differ(PENDING, &rows));
    assert!(c > 10 && p > 10, "{c} {p} of {}", rows.len());
    let (last, _) = quarter(&last_rows, Q2_2022, "q2.xlsx");
    let (this, _) = quarter(&rows, Q3_2022, "q3.xlsx");
    let findings = across(&last, &this, &tthc);
    assert!(findings.is_empty(), "{findings:#?}");
    let (same, _) = quarter(&steady_rows(), Q3_2022, "q3.xlsx");
    let (steady, _) = quarter(&steady_rows(), Q2_2022, "q2.xlsx");
    assert!(across(&steady, &same, &tthc).is_empty());
}

#[test]
fn a_unit_whose_figures_moved_tenfold_or_that_one_file_lacks_is_an_info() {
    let tthc = Template::builtin("tthc-06").unwrap();
    let (last, placed) = quarter(&steady_rows(), Q2_2022, "q2.xlsx");
    let mut rows = steady_rows();
    let unit = rows.iter().position(|r| r.label == "Sở Y tế").unwrap();
    // Resolved on time typed with a digit too many (its total and the rate follow).
    let before = rows[unit].counts[form06::ONTIME];
    assert!(before >= 10, "a figure with room to grow tenfold: {before}");
    let delta = before * 9;
    for k in [form06::ONTIME, form06::RESOLVED] {
        rows[unit].counts[k] += delta;
    }
    rows[unit].label = "Sở Y tế tỉnh".to_string();
    let (this, _) = quarter(&rows, Q3_2022, "q3.xlsx");
    let findings = across(&last, &this, &tthc);
    // Renamed, the unit is in one file only: nothing of it compared, two notes.
    let infos: Vec<_> = findings.iter().map(|f| (f.code, f.severity)).collect();
    assert_eq!(
        infos,
        [
            ("CF405", crossfoot::Severity::Info),
            ("CF405", crossfoot::Severity::Info)
        ],
        "{findings:#?}"
    );
    let lacking = findings
        .iter()
        .find(|f| !f.related.is_empty())
        .expect("the unit the last file had");
    assert_eq!(
        lacking.related[0].cell.to_string(),
        format!("B{}", placed[unit] + 1)
    );
    assert_eq!(lacking.related[0].value.as_deref(), Some("Sở Y tế"));

    rows[unit].label = "Sở Y tế".to_string();
    let (this, _) = quarter(&rows, Q3_2022, "q3.xlsx");
    let findings = across(&last, &this, &tthc);
    let row = placed[unit] + 1;
    // On time (column I) moved tenfold; resolved (G) grew by less, with its early and late
    // dossiers; the rate is a percentage and not compared.
    assert_eq!(
        codes(&findings),
        [("CF404", format!("I{row}"))],
        "{findings:#?}"
    );
    assert_eq!(findings[0].related[0].cell.to_string(), format!("I{row}"));
}

/// A small table of our own: each unit's figure for the period and its cumulative figure
/// since the start of the year.
fn cumulative_book(period: &str, rows: &[(&str, i64, i64)]) -> Workbook {
    let mut book = XlsxWorkbook::new();
    let sheet = book.add_worksheet();
    sheet
        .write_string(0, 0, "BÁO CÁO KẾT QUẢ TIẾP NHẬN")
        .unwrap();
    sheet.write_string(1, 0, period).unwrap();
    for (col, header) in ["STT", "Đơn vị", "Kỳ này", "Lũy kế từ đầu năm"]
        .iter()
        .enumerate()
    {
        sheet.write_string(3, col as u16, *header).unwrap();
    }
    let (mut period_total, mut ytd_total) = (0, 0);
    for (i, (label, figure, ytd)) in rows.iter().enumerate() {
        let r = 5 + i as u32;
        sheet.write_string(r, 0, (i + 1).to_string()).unwrap();
        sheet.write_string(r, 1, *label).unwrap();
        sheet.write_number(r, 2, *figure as f64).unwrap();
        sheet.write_number(r, 3, *ytd as f64).unwrap();
        period_total += figure;
        ytd_total += ytd;
    }
    sheet.write_string(4, 1, "TỔNG CỘNG").unwrap();
    sheet.write_number(4, 2, period_total as f64).unwrap();
    sheet.write_number(4, 3, ytd_total as f64).unwrap();
    read_workbook(&book.save_to_buffer().unwrap(), "luy-ke.xlsx").unwrap()
}

const CUMULATIVE_TEMPLATE: &str = r#"
id = "luy-ke"
title = "Kết quả trong kỳ và lũy kế"
[recognize]
all = ["Lũy kế"]
[table]
label_column = "Đơn vị"
[columns]
period = "Kỳ này"
ytd = "Lũy kế"
[continuity]
cumulative = ["ytd"]
[[rule]]
scope = "hierarchy"
columns = ["period", "ytd"]
"#;

#[test]
fn a_cumulative_figure_that_goes_down_within_a_year_is_an_error() {
    let template = Template::from_toml(CUMULATIVE_TEMPLATE).unwrap();
    let q1 = cumulative_book(
        "Quý I năm 2023",
        &[("Phường An Hòa", 10, 10), ("Phường Mỹ Phú", 5, 5)],
    );
    // Mỹ Phú's year-to-date figure is 4 after 5 in the first quarter.
    let q2 = cumulative_book(
        "Quý II năm 2023",
        &[("Phường An Hòa", 4, 14), ("Phường Mỹ Phú", 3, 4)],
    );
    let findings = across(&q1, &q2, &template);
    assert_eq!(
        codes(&findings),
        [("CF403", "D7".to_string())],
        "{findings:#?}"
    );
    let down = &findings[0];
    assert_eq!(down.severity, crossfoot::Severity::Error);
    assert_eq!(down.related[0].cell.to_string(), "D7");
    assert_eq!(down.related[0].value.as_deref(), Some("5"));
    assert!(
        down.message.en.contains("went down from 5"),
        "{}",
        down.message.en
    );

    // A new year starts the count again: the first quarter is below the last one's.
    let q4 = cumulative_book(
        "Quý IV năm 2022",
        &[("Phường An Hòa", 10, 40), ("Phường Mỹ Phú", 5, 20)],
    );
    let next_year = cumulative_book(
        "Quý I năm 2023",
        &[("Phường An Hòa", 10, 10), ("Phường Mỹ Phú", 5, 5)],
    );
    let findings = across(&q4, &next_year, &template);
    assert!(findings.is_empty(), "{findings:#?}");
}

/// Two quarters of the 06 form in a folder: Q2, and Q3 with one carried-over figure wrong.
/// Also the wrong figure's row and the last quarter's pending figure it should equal.
fn quarters_on_disk() -> (tempfile::TempDir, String, String, u32, i64) {
    let dir = tempfile::tempdir().unwrap();
    let options = |period| Options {
        period,
        ..Options::default()
    };
    let (q2, placed) = form06::write(&steady_rows(), &options(Q2_2022));
    let mut rows = steady_rows();
    carry_more(&mut rows, "Sở Tư pháp", 7);
    let (q3, _) = form06::write(&rows, &options(Q3_2022));
    let unit = rows.iter().position(|r| r.label == "Sở Tư pháp").unwrap();
    let (row, pending) = (placed[unit] + 1, steady_rows()[unit].counts[PENDING]);
    let path = |name: &str, bytes: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path.to_str().unwrap().to_string()
    };
    let (q2, q3) = (path("q2.xlsx", &q2), path("q3.xlsx", &q3));
    (dir, q2, q3, row, pending)
}

#[test]
fn the_command_line_adds_the_findings_across_files_to_every_report() {
    let (dir, q2, q3, row, pending) = quarters_on_disk();
    let output = crossfoot(&["check", "--format", "json", "--previous", &q2, &q3]);
    assert_eq!(output.status.code(), Some(1), "CF401 is an error");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["files"].as_array().unwrap().len(), 1, "{json}");
    let findings = json["files"][0]["findings"].as_array().unwrap();
    let carried: Vec<_> = findings.iter().filter(|f| f["code"] == "CF401").collect();
    assert_eq!(carried.len(), 1, "{findings:#?}");
    assert_eq!(carried[0]["cell"], format!("F{row}"));
    assert_eq!(
        carried[0]["related"],
        serde_json::json!([{"path": q2, "sheet": "06", "cell": format!("K{row}"), "value": pending.to_string()}])
    );
    // Findings within the file keep their shape: no `related` key.
    assert!(findings
        .iter()
        .filter(|f| f["code"] != "CF401")
        .all(|f| f.get("related").is_none()));

    // The text, the CSV and the annotated workbook's note name the other file and cell.
    outputs_name_the_other_file(
        &["--previous", &q2],
        &q3,
        "CF401",
        (&q2, &format!("K{row}")),
        dir.path(),
    );

    // The summary lists the findings across files on their own sheet, the other file's
    // cell in columns of its own.
    let summary = dir.path().join("summary.xlsx");
    let output = crossfoot(&[
        "check",
        "--lang",
        "en",
        "--summary",
        summary.to_str().unwrap(),
        "--previous",
        &q2,
        &q3,
    ]);
    assert_eq!(output.status.code(), Some(1));
    let book = crossfoot::read_workbook(&std::fs::read(&summary).unwrap(), "summary.xlsx").unwrap();
    let across = book
        .sheets
        .iter()
        .find(|sheet| sheet.name == "Across files")
        .expect("a sheet of findings across files");
    let at = |row, col| across.label(crossfoot::CellRef::new(row, col));
    assert_eq!(
        (at(1, 2), at(1, 4), at(1, 6), at(1, 8), at(1, 9)),
        (
            "CF401".to_string(),
            format!("F{row}"),
            q2.clone(),
            format!("K{row}"),
            pending.to_string()
        )
    );
}

#[test]
fn a_last_period_file_that_cannot_be_read_is_said_in_both_languages_and_this_one_is_checked() {
    let (dir, _, q3, ..) = quarters_on_disk();
    let fake = dir.path().join("q2.xlsx");
    std::fs::write(&fake, "not a workbook").unwrap();
    let fake = fake.to_str().unwrap();
    let output = crossfoot(&["check", "--format", "json", "--previous", fake, &q3]);
    assert_eq!(output.status.code(), Some(2), "an input could not be read");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let files = json["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    assert_eq!(files[0]["path"], q3.as_str());
    assert!(files[0]["error"].is_null());
    assert_eq!(files[1]["path"], fake);
    let error = files[1]["error"].as_str().unwrap();
    assert!(
        error.contains("tệp kỳ trước") && error.contains("the last period's file"),
        "{error}"
    );

    // Two files of this period have no one last period: refused before any check.
    let output = crossfoot(&["check", "--previous", &q3, &q3, fake]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("cần đúng một tệp") && stderr.contains("needs exactly one file"),
        "{stderr}"
    );
}

/// A unit's figures for the period and since the start of the year, received and resolved.
struct Yearly {
    label: &'static str,
    received: i64,
    resolved: i64,
    received_ytd: i64,
    resolved_ytd: i64,
}

/// A table with the period's figures and the year's under two group headers, `Trong kỳ >
/// Hồ sơ nhận` beside `Lũy kế từ đầu năm > Hồ sơ nhận`, a grand total over the units; no
/// built-in template knows it, so its template is inferred. The units start on row 7.
fn yearly_book(period: &str, units: &[Yearly]) -> Vec<u8> {
    let mut book = XlsxWorkbook::new();
    let sheet = book.add_worksheet();
    let header = rust_xlsxwriter::Format::new();
    sheet
        .write_string(0, 0, "BÁO CÁO TIẾP NHẬN VÀ GIẢI QUYẾT HỒ SƠ")
        .unwrap();
    sheet.write_string(1, 0, period).unwrap();
    sheet.merge_range(3, 0, 4, 0, "STT", &header).unwrap();
    sheet.merge_range(3, 1, 4, 1, "Đơn vị", &header).unwrap();
    sheet.merge_range(3, 2, 3, 3, "Trong kỳ", &header).unwrap();
    sheet
        .merge_range(3, 4, 3, 5, "Lũy kế từ đầu năm", &header)
        .unwrap();
    for (col, leaf) in [(2, "Hồ sơ nhận"), (3, "Đã giải quyết")] {
        sheet.write_string(4, col, leaf).unwrap();
        sheet.write_string(4, col + 2, leaf).unwrap();
    }
    let rows: Vec<_> = units
        .iter()
        .map(|u| {
            let figures = [u.received, u.resolved, u.received_ytd, u.resolved_ytd];
            (u.label, figures)
        })
        .collect();
    write_units(sheet, 5, &rows);
    book.save_to_buffer().unwrap()
}

/// A grand total on row `total_row` (0-based) and under it each unit's number, label and
/// four figures from column C, the total adding them up.
fn write_units(sheet: &mut rust_xlsxwriter::Worksheet, total_row: u32, units: &[(&str, [i64; 4])]) {
    let mut total = [0i64; 4];
    for (i, (label, figures)) in units.iter().enumerate() {
        let r = total_row + 1 + i as u32;
        sheet.write_string(r, 0, (i + 1).to_string()).unwrap();
        sheet.write_string(r, 1, *label).unwrap();
        for (k, figure) in figures.iter().enumerate() {
            sheet.write_number(r, 2 + k as u16, *figure as f64).unwrap();
            total[k] += figure;
        }
    }
    sheet.write_string(total_row, 1, "TỔNG CỘNG").unwrap();
    for (k, figure) in total.into_iter().enumerate() {
        sheet
            .write_number(total_row, 2 + k as u16, figure as f64)
            .unwrap();
    }
}

fn unit(label: &'static str, period: (i64, i64), ytd: (i64, i64)) -> Yearly {
    Yearly {
        label,
        received: period.0,
        resolved: period.1,
        received_ytd: ytd.0,
        resolved_ytd: ytd.1,
    }
}

fn first_quarter() -> Vec<Yearly> {
    vec![
        unit("Phường An Hòa", (10, 8), (10, 8)),
        unit("Phường Mỹ Phú", (6, 5), (6, 5)),
        unit("Xã Tân Lập", (12, 12), (12, 12)),
    ]
}

/// The second quarter: each unit's year is its first quarter's plus this one.
fn second_quarter() -> Vec<Yearly> {
    vec![
        unit("Phường An Hòa", (4, 6), (14, 14)),
        unit("Phường Mỹ Phú", (3, 2), (9, 7)),
        unit("Xã Tân Lập", (7, 9), (19, 21)),
    ]
}

fn read(bytes: &[u8], name: &str) -> Workbook {
    read_workbook(bytes, name).unwrap()
}

/// Each pair of `template`'s columns as their header paths.
fn header_paths(
    template: &Template,
    pairs: &std::collections::BTreeMap<String, String>,
) -> Vec<(String, String)> {
    let path = |name: &str| match &template.spec.columns[name] {
        crossfoot::OneOrMany::One(path) => path.clone(),
        other => panic!("{other:?}"),
    };
    pairs.iter().map(|(a, b)| (path(a), path(b))).collect()
}

/// The template inferred from `book`, which must say the year's columns add up the period's.
fn inferred_yearly(book: &Workbook) -> Template {
    let template = crossfoot::infer_template(book).unwrap().template;
    let continuity = template.spec.continuity.clone().expect("[continuity]");
    assert_eq!(
        header_paths(&template, &continuity.accumulates),
        [
            (
                "Lũy kế từ đầu năm > Đã giải quyết".to_string(),
                "Trong kỳ > Đã giải quyết".to_string()
            ),
            (
                "Lũy kế từ đầu năm > Hồ sơ nhận".to_string(),
                "Trong kỳ > Hồ sơ nhận".to_string()
            ),
        ],
        "{continuity:?}"
    );
    assert_eq!(continuity.cumulative.len(), 2, "{continuity:?}");
    assert!(continuity.carried.is_empty(), "{continuity:?}");
    template
}

#[test]
fn a_cumulative_figure_that_is_not_the_last_plus_this_period_is_an_error_at_its_cell() {
    let q1 = read(&yearly_book("Quý I năm 2023", &first_quarter()), "q1.xlsx");
    let consistent = read(
        &yearly_book("Quý II năm 2023", &second_quarter()),
        "q2.xlsx",
    );
    let template = inferred_yearly(&consistent);
    let findings = across_named(("q1.xlsx", &q1), ("q2.xlsx", &consistent), &template);
    assert!(findings.is_empty(), "{findings:#?}");

    // Mỹ Phú's year to the second quarter typed 5 where 6 + 3 = 9 (below the first
    // quarter's 6 too: one finding for the cell, not a second for going down); the grand
    // total adds up with it and is not reported again.
    let mut units = second_quarter();
    units[1].received_ytd = 5;
    let wrong = read(&yearly_book("Quý II năm 2023", &units), "q2.xlsx");
    let findings = across_named(("q1.xlsx", &q1), ("q2.xlsx", &wrong), &template);
    assert_eq!(
        codes(&findings),
        [("CF407", "E8".to_string())],
        "{findings:#?}"
    );
    let off = &findings[0];
    assert_eq!(off.severity, crossfoot::Severity::Error);
    assert_eq!(
        (off.expected.as_deref(), off.actual.as_deref()),
        (Some("9"), Some("5"))
    );
    assert_eq!(
        off.cells
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["C8"]
    );
    assert_eq!(off.related.len(), 1);
    assert_eq!(off.related[0].path, "q1.xlsx");
    assert_eq!(off.related[0].cell.to_string(), "E8");
    assert_eq!(off.related[0].value.as_deref(), Some("6"));
    for text in [&off.message.vi, &off.message.en] {
        for named in [
            "q1.xlsx",
            "q2.xlsx",
            "E8",
            "C8",
            "Phường Mỹ Phú",
            "6 + 3 = 9",
        ] {
            assert!(text.contains(named), "{named} in {text}");
        }
    }
    assert!(crossfoot::explain("CF407").is_some());
}

#[test]
fn the_first_period_of_a_year_starts_the_cumulative_figures_again() {
    // The last quarter of 2022, whose year is far above the first quarter of 2023's.
    let q4 = read(
        &yearly_book(
            "Quý IV năm 2022",
            &[
                unit("Phường An Hòa", (9, 9), (40, 38)),
                unit("Phường Mỹ Phú", (5, 5), (22, 21)),
                unit("Xã Tân Lập", (11, 10), (47, 45)),
            ],
        ),
        "q4.xlsx",
    );
    let q1 = read(&yearly_book("Quý I năm 2023", &first_quarter()), "q1.xlsx");
    let template = inferred_yearly(&q1);
    let findings = across_named(("q4.xlsx", &q4), ("q1.xlsx", &q1), &template);
    assert!(findings.is_empty(), "{findings:#?}");
}

/// A table of dossiers carried over and left at the end of the period (`Tồn kỳ trước`,
/// `Tồn cuối kỳ`), with a grand total; `units` are (label, carried over, received,
/// resolved), the units on rows 6 onward.
fn balance_book(period: &str, units: &[(&str, i64, i64, i64)]) -> Vec<u8> {
    let mut book = XlsxWorkbook::new();
    let sheet = book.add_worksheet();
    sheet
        .write_string(0, 0, "TÌNH HÌNH HỒ SƠ TỒN ĐỌNG")
        .unwrap();
    sheet.write_string(1, 0, period).unwrap();
    let headers = [
        "STT",
        "Đơn vị",
        "Tồn kỳ trước",
        "Nhận mới",
        "Đã giải quyết",
        "Tồn cuối kỳ",
    ];
    for (col, header) in headers.iter().enumerate() {
        sheet.write_string(3, col as u16, *header).unwrap();
    }
    let rows: Vec<_> = units
        .iter()
        .map(|&(label, carried, received, resolved)| {
            let closing = carried + received - resolved;
            (label, [carried, received, resolved, closing])
        })
        .collect();
    write_units(sheet, 4, &rows);
    book.save_to_buffer().unwrap()
}

#[test]
fn inference_pairs_the_carried_over_column_with_the_closing_one_and_the_command_line_uses_it() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: Vec<u8>| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path.to_str().unwrap().to_string()
    };
    // The first quarter leaves An Hòa 5 (3 + 9 − 7), Mỹ Phú 2, Tân Lập 6.
    let q1 = write(
        "q1.xlsx",
        balance_book(
            "Quý I năm 2023",
            &[
                ("Phường An Hòa", 3, 9, 7),
                ("Phường Mỹ Phú", 1, 4, 3),
                ("Xã Tân Lập", 0, 8, 2),
            ],
        ),
    );
    // The second carries over 5, 2 and 6, but Mỹ Phú's is typed 4 (its figures still add
    // up, and the grand total with them).
    let q2 = write(
        "q2.xlsx",
        balance_book(
            "Quý II năm 2023",
            &[
                ("Phường An Hòa", 5, 6, 8),
                ("Phường Mỹ Phú", 4, 3, 5),
                ("Xã Tân Lập", 6, 2, 7),
            ],
        ),
    );

    let output = crossfoot(&["infer", &q2]);
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.contains("[continuity]\nton_ky_truoc = \"ton_cuoi_ky\"\n"),
        "{text}"
    );
    let parsed = Template::from_toml(&text).unwrap();
    let book = read(&std::fs::read(&q2).unwrap(), "q2.xlsx");
    let inferred = crossfoot::infer_template(&book).unwrap();
    assert_eq!(parsed, inferred.template);
    assert_eq!(
        Template::from_toml(&crossfoot::template_to_toml(&parsed, &[])).unwrap(),
        parsed
    );

    let output = crossfoot(&["check", "--format", "json", "--previous", &q1, &q2]);
    assert_eq!(output.status.code(), Some(1), "CF401 is an error");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let file = &json["files"][0];
    assert_eq!(file["template"], "inferred", "{json}");
    let across: Vec<_> = file["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"].as_str().unwrap().starts_with("CF40"))
        .collect();
    assert_eq!(across.len(), 1, "{across:#?}");
    assert_eq!(across[0]["code"], "CF401");
    assert_eq!(across[0]["cell"], "C7");
    assert_eq!(
        across[0]["related"],
        serde_json::json!([{"path": q1, "sheet": "Sheet1", "cell": "F7", "value": "2"}])
    );
}

#[test]
fn the_06_sample_inferred_without_its_template_carries_over_what_the_built_in_one_does() {
    let bytes = std::fs::read("tests/fixtures/tthc-06-q3-2022.xlsx").unwrap();
    let template = crossfoot::infer_template(&read(&bytes, "q3.xlsx"))
        .unwrap()
        .template;
    let continuity = template.spec.continuity.clone().expect("[continuity]");
    // Its parts (`… > Chưa đến hạn`, `… > Quá hạn`) are not the pending figure; its total is.
    assert_eq!(
        header_paths(&template, &continuity.carried),
        [(
            "Số hồ sơ nhận giải quyết > Từ kỳ trước".to_string(),
            "Kết quả giải quyết > Số hồ sơ đang giải quyết > Tổng số".to_string()
        )]
    );
    assert!(continuity.cumulative.is_empty() && continuity.accumulates.is_empty());
}
