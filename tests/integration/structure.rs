//! Reading a table as the person who made it reads it: which rows are totals (labels
//! compared with their Vietnamese marks), on workbooks written here with rust_xlsxwriter.

use crossfoot::{check, read_workbook, Layout, RowKind, Severity, TemplateChoice};
use rust_xlsxwriter::Workbook;

/// Writes a header row's labels from column A.
fn write_headers(sheet: &mut rust_xlsxwriter::Worksheet, row: u32, labels: &[&str]) {
    for (col, label) in labels.iter().enumerate() {
        sheet.write(row, col as u16, *label).unwrap();
    }
}

/// The report of a check of `bytes` read as a file named `name`, the template chosen as
/// a user's run would.
fn checked(bytes: &[u8], name: &str) -> crossfoot::CheckReport {
    check(&read_workbook(bytes, name).unwrap(), &TemplateChoice::Auto)
}

/// Asserts that a check of `bytes` gives no error and no warning: `why` the table is right.
fn assert_quiet(bytes: &[u8], name: &str, why: &str) {
    let report = checked(bytes, name);
    let found = alarms(&report);
    assert!(found.is_empty(), "{why}: {found:#?}");
}

/// The findings of a report with one code.
fn with_code<'r>(report: &'r crossfoot::CheckReport, code: &str) -> Vec<&'r crossfoot::Finding> {
    report.findings.iter().filter(|f| f.code == code).collect()
}

/// The errors and warnings of a report.
fn alarms(report: &crossfoot::CheckReport) -> Vec<&crossfoot::Finding> {
    report
        .findings
        .iter()
        .filter(|f| f.severity != Severity::Info)
        .collect()
}

/// A post office list as a postal company exports it: STT, office, two figures, and
/// its total row labelled `total_label` holding `total` (the rows add up to 485 and 14,400).
fn post_offices(total_label: &str, total: (f64, f64)) -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet
        .write(0, 0, "CHI TIẾT SẢN LƯỢNG, DOANH THU THEO BƯU CỤC")
        .unwrap();
    write_headers(sheet, 2, &["STT", "Bưu cục", "Sản lượng", "Doanh thu"]);
    let offices = [
        ("Ba Đình", 120.0, 3500.0),
        // A place whose name folds to `cong vi`, the subtotal label and a roman numeral.
        ("Cống Vị", 95.0, 2800.0),
        ("Kim Mã", 130.0, 4100.0),
        ("Giảng Võ", 80.0, 2100.0),
        ("Ngọc Hà", 60.0, 1900.0),
    ];
    for (i, (name, count, money)) in offices.iter().enumerate() {
        let row = 3 + i as u32;
        sheet.write(row, 0, (i + 1) as f64).unwrap();
        sheet.write(row, 1, *name).unwrap();
        sheet.write(row, 2, *count).unwrap();
        sheet.write(row, 3, *money).unwrap();
    }
    sheet.write(8, 1, total_label).unwrap();
    sheet.write(8, 2, total.0).unwrap();
    sheet.write(8, 3, total.1).unwrap();
    book.save_to_buffer().unwrap()
}

#[test]
fn a_place_named_like_a_total_without_its_marks_is_a_place() {
    let bytes = post_offices("Tổng cộng", (485.0, 14400.0));
    let book = read_workbook(&bytes, "buu-cuc.xlsx").unwrap();
    let layout = Layout::find(&book.sheets[0]).expect("the table is found");
    let kind_of = |row: u32| layout.body_row(row).map(|r| r.kind);
    assert_eq!(
        kind_of(4),
        Some(RowKind::Unit),
        "Cống Vị is a post office, not Cộng"
    );
    assert_eq!(kind_of(8), Some(RowKind::Total));

    let report = check(&book, &TemplateChoice::Auto);
    let alarms = alarms(&report);
    assert!(
        alarms.is_empty(),
        "a correct list has nothing to report: {alarms:#?}"
    );
}

#[test]
fn a_total_typed_without_marks_is_still_a_total_and_checked() {
    // The money total is 100 short of its rows.
    let bytes = post_offices("TONG CONG", (485.0, 14300.0));
    let book = read_workbook(&bytes, "buu-cuc.xlsx").unwrap();
    let layout = Layout::find(&book.sheets[0]).expect("the table is found");
    assert_eq!(layout.body_row(8).map(|r| r.kind), Some(RowKind::Total));
    assert_eq!(layout.body_row(4).map(|r| r.kind), Some(RowKind::Unit));

    let report = check(&book, &TemplateChoice::Auto);
    let errors: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .collect();
    assert!(
        errors
            .iter()
            .any(|f| f.cells.contains(&crossfoot::CellRef::parse("D9").unwrap())),
        "the short total D9 is reported: {errors:#?}"
    );
}

/// A table of mail volumes: sent (B), delivered (C), returned (D), incoming (E). Most
/// months nothing comes in and everything sent is delivered, so `E = B − C` holds on
/// those rows only because E is 0 and B = C; where mail comes in, it does not.
fn volumes(incoming: &[f64]) -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    write_headers(
        sheet,
        0,
        &["Dịch vụ", "Chấp nhận", "Phát", "Chuyển hoàn", "Đến"],
    );
    let sent = [
        120.0, 95.0, 130.0, 80.0, 60.0, 75.0, 140.0, 88.0, 101.0, 66.0,
    ];
    for (i, (&b, &e)) in sent.iter().zip(incoming).enumerate() {
        let row = 1 + i as u32;
        sheet.write(row, 0, format!("Dịch vụ {}", i + 1)).unwrap();
        sheet.write(row, 1, b).unwrap();
        sheet.write(row, 2, b).unwrap();
        sheet.write(row, 3, (i % 3) as f64).unwrap();
        sheet.write(row, 4, e).unwrap();
    }
    book.save_to_buffer().unwrap()
}

#[test]
fn an_identity_that_holds_only_where_a_column_is_zero_is_not_inferred() {
    let incoming = [0.0, 0.0, 568.0, 0.0, 0.0, 0.0, 4155.0, 0.0, 0.0, 0.0];
    assert_quiet(
        &volumes(&incoming),
        "san-luong.xlsx",
        "no relation was shown by these numbers",
    );
}

#[test]
fn a_column_number_row_of_letters_and_numbers_is_not_data() {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    write_headers(
        sheet,
        0,
        &[
            "Chỉ tiêu",
            "Đơn vị tính",
            "Sản lượng",
            "Doanh thu",
            "Sản lượng đến",
        ],
    );
    // `A B 1 2 3`: the letters as text, the numbers as numbers, as the forms have them.
    sheet.write(1, 0, "A").unwrap();
    sheet.write(1, 1, "B").unwrap();
    for (col, n) in [(2u16, 1.0), (3, 2.0), (4, 3.0)] {
        sheet.write(1, col, n).unwrap();
    }
    let rows = [
        ("Bưu phẩm", 1200.0, 35_000.0, 40.0),
        ("Bưu kiện", 300.0, 52_000.0, 12.0),
        ("Chuyển phát nhanh", 450.0, 61_000.0, 25.0),
    ];
    for (i, (label, count, money, incoming)) in rows.iter().enumerate() {
        let row = 2 + i as u32;
        sheet.write(row, 0, *label).unwrap();
        sheet.write(row, 1, "cái").unwrap();
        sheet.write(row, 2, *count).unwrap();
        sheet.write(row, 3, *money).unwrap();
        sheet.write(row, 4, *incoming).unwrap();
    }
    sheet.write(5, 0, "Tổng cộng").unwrap();
    sheet.write(5, 2, 1950.0).unwrap();
    sheet.write(5, 3, 148_000.0).unwrap();
    sheet.write(5, 4, 77.0).unwrap();
    let bytes = book.save_to_buffer().unwrap();

    let book = read_workbook(&bytes, "bieu-02.xlsx").unwrap();
    let layout = Layout::find(&book.sheets[0]).expect("the table is found");
    assert_eq!(layout.number_row, Some(1), "row 2 numbers the columns");
    assert!(layout.body_row(1).is_none());
    let report = check(&book, &TemplateChoice::Auto);
    let alarms = alarms(&report);
    assert!(
        alarms.is_empty(),
        "the totals hold once the numbering row is left out: {alarms:#?}"
    );
}

/// A health-insurance export: its filter parameters over their values, a blank row, then
/// the table: code, name, rank, visits, average cost, inpatient share, with the province's
/// total first. `visits[0]` is the total of the others.
fn insurance_export(visits: [f64; 5]) -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write(0, 0, "B26. Thống kê chi phí KCB BHYT").unwrap();
    write_headers(
        sheet,
        1,
        &["ma_tinh", "loai_kcb", "thoi_gian", "loai_bv", "tuyen"],
    );
    for (col, value) in [15.0, -1.0, 20240502.0, -1.0, -1.0].iter().enumerate() {
        sheet.write(2, col as u16, *value).unwrap();
    }
    let headers = [
        "Mã CSKCB",
        "Tên CSKCB",
        "Thứ hạng",
        "Số lượt",
        "Chi BQ",
        "Tỷ lệ nội trú (%)",
    ];
    write_headers(sheet, 4, &headers);
    let rows = [
        ("", "Toàn tỉnh", 0.0, 1_450_210.0, 14.2),
        ("15001", "Bệnh viện đa khoa tỉnh", 1.0, 1_812_400.0, 22.5),
        (
            "15002",
            "Trung tâm y tế huyện Văn Yên",
            3.0,
            1_120_300.0,
            11.0,
        ),
        (
            "15003",
            "Trung tâm y tế huyện Lục Yên",
            2.0,
            1_305_700.0,
            12.8,
        ),
        (
            "15004",
            "Phòng khám đa khoa khu vực Ngã Ba Kim",
            4.0,
            602_100.0,
            3.1,
        ),
    ];
    for (i, ((code, name, rank, average, share), count)) in rows.iter().zip(visits).enumerate() {
        let row = 5 + i as u32;
        if !code.is_empty() {
            sheet.write(row, 0, code.parse::<f64>().unwrap()).unwrap();
            sheet.write(row, 2, *rank).unwrap();
        }
        sheet.write(row, 1, *name).unwrap();
        sheet.write(row, 3, count).unwrap();
        sheet.write(row, 4, *average).unwrap();
        sheet.write(row, 5, *share).unwrap();
    }
    book.save_to_buffer().unwrap()
}

#[test]
fn codes_ranks_averages_and_rates_are_not_added_and_the_parameters_are_not_the_table() {
    let bytes = insurance_export([41_870.0, 18_200.0, 9_950.0, 10_320.0, 3_400.0]);
    let book = read_workbook(&bytes, "b26.xlsx").unwrap();
    let layout = Layout::find(&book.sheets[0]).expect("the table is found");
    assert_eq!(
        layout.header_first, 4,
        "the header is the table's, not the parameters'"
    );
    assert_eq!(layout.body_row(5).map(|r| r.kind), Some(RowKind::Total));

    let report = check(&book, &TemplateChoice::Auto);
    let alarms = alarms(&report);
    assert!(
        alarms.is_empty(),
        "only the visits add up, and they do: {alarms:#?}"
    );
}

#[test]
fn the_figures_beside_codes_and_ranks_are_still_checked() {
    // One facility's visits typed 1,000 short.
    let bytes = insurance_export([41_870.0, 18_200.0, 8_950.0, 10_320.0, 3_400.0]);
    let report = checked(&bytes, "b26.xlsx");
    let alarms = alarms(&report);
    let visits_total = crossfoot::CellRef::parse("D6").unwrap();
    assert!(
        alarms
            .iter()
            .any(|f| f.cell == visits_total || f.cells.contains(&visits_total)),
        "the visits' total is reported: {alarms:#?}"
    );
    assert!(
        alarms
            .iter()
            .all(|f| f.cell.col == 3 && f.cells.iter().all(|c| c.col == 3)),
        "nothing but the visits column: {alarms:#?}"
    );
}

/// Four units and a total row whose `=SUM(C2:C4)` leaves the fourth unit out; the fourth
/// unit holds `fourth`.
fn short_sum(fourth: f64) -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    write_headers(sheet, 0, &["STT", "Đơn vị", "Kinh phí", "Số người"]);
    let units = [
        ("Xã Tả Củ Tỷ", 120.0, 4.0),
        ("Xã Lùng Cải", 95.0, 3.0),
        ("Xã Bản Già", 130.0, 5.0),
        ("Xã Lùng Phình", fourth, 2.0),
    ];
    for (i, (name, money, people)) in units.iter().enumerate() {
        let row = 1 + i as u32;
        sheet.write(row, 0, (i + 1) as f64).unwrap();
        sheet.write(row, 1, *name).unwrap();
        sheet.write(row, 2, *money).unwrap();
        sheet.write(row, 3, *people).unwrap();
    }
    sheet.write(5, 1, "Tổng cộng").unwrap();
    let total = 345.0;
    sheet
        .write_formula(
            5,
            2,
            rust_xlsxwriter::Formula::new("=SUM(C2:C4)").set_result(total.to_string()),
        )
        .unwrap();
    sheet
        .write_formula(
            5,
            3,
            rust_xlsxwriter::Formula::new("=SUM(D2:D5)").set_result("14"),
        )
        .unwrap();
    book.save_to_buffer().unwrap()
}

#[test]
fn a_sum_that_leaves_out_rows_holding_zero_is_latent_an_info() {
    let report = checked(&short_sum(0.0), "kinh-phi.xlsx");
    let short = with_code(&report, "CF108");
    assert_eq!(short.len(), 1, "{short:#?}");
    assert_eq!(short[0].severity, Severity::Info);
    assert!(
        short[0].message.en.contains("0 today"),
        "{}",
        short[0].message.en
    );
    let alarms = alarms(&report);
    assert!(alarms.is_empty(), "no number is wrong: {alarms:#?}");

    let report = checked(&short_sum(7.0), "kinh-phi.xlsx");
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.code == "CF108" && f.severity == Severity::Warning),
        "a row it leaves out holds a figure: {:#?}",
        report.findings
    );
}

#[test]
fn each_table_on_a_sheet_keeps_its_own_relations_and_check_rows_are_no_parts() {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write(0, 0, "Neighbourhood fund: summary").unwrap();
    // A money table where Balance = Allocation − Funding…
    write_headers(sheet, 2, &["Theme", "Allocation", "Funding", "Balance"]);
    let money = [
        ("Community", 850_000.0, 870_647.0),
        ("Crime", 1_450_000.0, 1_448_900.0),
        ("Education", 1_350_000.0, 1_400_338.0),
        ("Health", 1_050_000.0, 1_050_591.0),
        ("Housing", 800_000.0, 796_012.0),
        ("Road Safety", 250_000.0, 248_330.0),
        ("Youth", 420_000.0, 431_250.0),
        ("Older People", 380_000.0, 377_905.0),
        ("Transport", 610_000.0, 612_440.0),
    ];
    for (i, (theme, allocation, funding)) in money.iter().enumerate() {
        let row = 3 + i as u32;
        sheet.write(row, 0, *theme).unwrap();
        sheet.write(row, 1, *allocation).unwrap();
        sheet.write(row, 2, *funding).unwrap();
        sheet.write(row, 3, allocation - funding).unwrap();
    }
    let allocated: f64 = money.iter().map(|m| m.1).sum();
    let funded: f64 = money.iter().map(|m| m.2).sum();
    sheet.write(12, 0, "TOTAL").unwrap();
    sheet.write(12, 1, allocated).unwrap();
    sheet.write(12, 2, funded).unwrap();
    sheet.write(12, 3, allocated - funded).unwrap();
    // …and under it, after a blank row, a count table with its own total and a check row.
    write_headers(sheet, 14, &["Projects", "Crime", "Community", "Education"]);
    // Here `D = B − C` holds on three rows by chance: it is the money table's relation.
    let counts = [
        ("Approved", 24.0, 20.0, 29.0),
        ("Rejected", 2.0, 1.0, 1.0),
        ("Merged", 3.0, 3.0, 0.0),
        ("Withdrawn", 1.0, 1.0, 0.0),
    ];
    for (i, (status, a, b, c)) in counts.iter().enumerate() {
        let row = 15 + i as u32;
        sheet.write(row, 0, *status).unwrap();
        sheet.write(row, 1, *a).unwrap();
        sheet.write(row, 2, *b).unwrap();
        sheet.write(row, 3, *c).unwrap();
    }
    sheet.write(19, 0, "Totals").unwrap();
    for (col, total) in [(1u16, 30.0), (2, 25.0), (3, 30.0)] {
        sheet.write(19, col, total).unwrap();
    }
    sheet.write(21, 0, "check").unwrap();
    for (col, letter) in [(1u16, "B"), (2, "C"), (3, "D")] {
        let total = [30, 25, 30][usize::from(col) - 1];
        let formula = rust_xlsxwriter::Formula::new(format!("=SUM({letter}16:{letter}19)"))
            .set_result(total.to_string());
        sheet.write_formula(21, col, formula).unwrap();
    }
    let bytes = book.save_to_buffer().unwrap();

    let book = read_workbook(&bytes, "summary.xlsx").unwrap();
    let layout = Layout::find(&book.sheets[0]).expect("the table is found");
    assert_eq!(layout.second_table, Some(14), "the count table's header");
    let hierarchy = layout.hierarchy();
    let children_of = |row: u32| {
        hierarchy
            .iter()
            .find(|(parent, _)| *parent == row)
            .map(|(_, c)| c.clone())
    };
    assert_eq!(
        children_of(12),
        Some((3..12).collect()),
        "the money total adds the money rows"
    );
    assert_eq!(
        children_of(19),
        Some(vec![15, 16, 17, 18]),
        "the count total adds the count rows"
    );
    let report = check(&book, &TemplateChoice::Auto);
    let alarms = alarms(&report);
    assert!(alarms.is_empty(), "both tables add up: {alarms:#?}");
}

/// Subject entries by year (the years are numbers, as the header of a statistics table
/// has them) with a TOTAL row; its 1995 column has no total. `slip` is added to one entry.
fn entries_by_year(book: &mut Workbook, sheet_name: &str, slip: f64) {
    let sheet = book.add_worksheet().set_name(sheet_name).unwrap();
    sheet.write(0, 0, "Entries 1995-1997").unwrap();
    for (col, year) in [(1u16, 1995.0), (2, 1996.0), (3, 1997.0)] {
        sheet.write(2, col, year).unwrap();
    }
    let subjects = [
        ("Art", 212_478.0, 228_882.0, 221_543.0),
        ("Biology", 45_120.0, 47_003.0, 49_870.0),
        ("Chemistry", 41_900.0, 43_210.0, 44_015.0),
        ("Drama", 30_050.0, 31_877.0, 33_002.0),
    ];
    for (i, (subject, a, b, c)) in subjects.iter().enumerate() {
        let row = 3 + i as u32;
        sheet.write(row, 0, *subject).unwrap();
        sheet.write(row, 1, *a).unwrap();
        sheet.write(row, 2, *b).unwrap();
        sheet
            .write(row, 3, if i == 2 { c + slip } else { *c })
            .unwrap();
    }
    sheet.write(7, 0, "TOTAL").unwrap();
    sheet.write(7, 2, 350_972.0).unwrap();
    sheet.write(7, 3, 348_430.0).unwrap();
}

#[test]
fn a_column_its_total_row_leaves_blank_is_not_added() {
    let mut book = Workbook::new();
    entries_by_year(&mut book, "GCSE entries", 0.0);
    let bytes = book.save_to_buffer().unwrap();
    assert_quiet(
        &bytes,
        "entries.xlsx",
        "1995 was not totalled, the others add up",
    );
}

#[test]
fn a_template_recognises_its_sheet_by_headers_that_are_numbers() {
    // The same table twice: right on the first sheet, one entry 500 over on the second.
    let mut book = Workbook::new();
    entries_by_year(&mut book, "A level entries", 0.0);
    entries_by_year(&mut book, "GCSE entries", 500.0);
    let bytes = book.save_to_buffer().unwrap();
    let template = crossfoot::Template::from_toml(
        r#"
id = "entries"
title = "Entries by year"
[recognize]
all = ["1996", "1997"]
sheet = "GCSE"
[table]
total_labels = ["TOTAL"]
[columns]
y1996 = "1996"
y1997 = "1997"
[[rule]]
id = "cross-foot"
scope = "hierarchy"
columns = ["y1996", "y1997"]
"#,
    )
    .unwrap();
    let book = read_workbook(&bytes, "entries.xlsx").unwrap();
    let report = check(&book, &TemplateChoice::Given(Box::new(template)));
    let errors: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .collect();
    assert!(
        !errors.is_empty() && errors.iter().all(|f| f.sheet == "GCSE entries"),
        "the slip on the sheet the template names is found: {errors:#?}"
    );
}

/// Writes `rows` (school, code, programme, places, present; free places beside them) from
/// `first`, then a subtotal row `=SUM` over the rows from `sum_from` (key columns blank, as
/// the file has them). Returns the subtotal's row.
fn programme_block(
    sheet: &mut rust_xlsxwriter::Worksheet,
    first: u32,
    rows: &[(&str, f64, &str, f64, Option<f64>)],
    sum_from: u32,
) -> u32 {
    for (i, (school, code, programme, places, present)) in rows.iter().enumerate() {
        let row = first + i as u32;
        sheet.write(row, 0, *school).unwrap();
        sheet.write(row, 1, *code).unwrap();
        sheet.write(row, 2, *programme).unwrap();
        sheet.write(row, 3, *places).unwrap();
        if let Some(present) = present {
            sheet.write(row, 4, *present).unwrap();
        }
        sheet
            .write(row, 5, places - present.unwrap_or(0.0))
            .unwrap();
    }
    let total = first + rows.len() as u32;
    for (col, letter) in [(3u16, "D"), (4, "E"), (5, "F")] {
        let formula = format!("=SUM({letter}{}:{letter}{})", sum_from + 1, total);
        sheet.write_formula(total, col, formula.as_str()).unwrap();
    }
    total
}

fn programmes() -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let headers = [
        "Établissement",
        "Code",
        "Formation",
        "Capacité",
        "Présents",
        "Places libres",
    ];
    write_headers(sheet, 0, &headers);
    // A programme of its own just above the two schools of the next one: that subtotal
    // adds its own programme's rows.
    programme_block(
        sheet,
        1,
        &[
            (
                "LPO G.EIFFEL",
                23103.0,
                "BEP travaux publics",
                12.0,
                Some(11.0),
            ),
            (
                "LPO LE CORBUSIER",
                23104.0,
                "BEP géomètre",
                12.0,
                Some(12.0),
            ),
            ("LPO G.EIFFEL", 23104.0, "BEP géomètre", 24.0, Some(22.0)),
        ],
        2,
    );
    // Cooking and restaurant classes of three schools, the first school's left out of the
    // subtotal (its restaurant class has nobody present: blank).
    programme_block(
        sheet,
        6,
        &[
            ("LPO A.DUMAS", 33402.0, "BAC PRO cuisine", 24.0, Some(50.0)),
            ("LPO A.DUMAS", 33403.0, "BAC PRO restaurant", 24.0, None),
            ("LP A.BRIAND", 33402.0, "BAC PRO cuisine", 8.0, Some(8.0)),
            ("LP A.BRIAND", 33403.0, "BAC PRO restaurant", 8.0, Some(8.0)),
            ("LPO J.STORCK", 33402.0, "BAC PRO cuisine", 12.0, Some(22.0)),
            (
                "LPO J.STORCK",
                33403.0,
                "BAC PRO restaurant",
                12.0,
                Some(12.0),
            ),
        ],
        8,
    );
    // A département's total: some schools' rows picked from the blocks above.
    sheet.write(14, 2, "Total 67").unwrap();
    sheet.write_formula(14, 3, "=SUM(D3:D4,D9:D10)").unwrap();
    book.save_to_buffer().unwrap()
}

#[test]
fn a_sum_leaves_out_only_rows_of_its_own_group() {
    let report = checked(&programmes(), "affectation.xlsx");
    let short = with_code(&report, "CF108");
    let places = crossfoot::CellRef::parse("D13").unwrap();
    let present = crossfoot::CellRef::parse("E13").unwrap();
    assert!(
        short
            .iter()
            .any(|f| f.cell == places && f.severity == Severity::Warning),
        "the cooking subtotal leaves out A.DUMAS's rows: {short:#?}"
    );
    // Through the blank restaurant class, down to the cooking class's 50 present.
    let dumas_present = crossfoot::CellRef::parse("E7").unwrap();
    assert!(
        short
            .iter()
            .any(|f| f.cell == present && f.cells == vec![dumas_present]),
        "the present column leaves out E7 = 50: {short:#?}"
    );
    assert!(
        short.iter().all(|f| f.cell.row == 12),
        "no other sum is short: the surveying subtotal adds its own programme, the \
         département total picks its rows: {short:#?}"
    );
}

#[test]
fn a_row_the_added_rows_read_is_no_row_they_leave_out() {
    // Spending by subject = schools × spend per school: the row of schools is an input.
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    write_headers(sheet, 0, &["Subject", "England", "Wales", "Scotland"]);
    sheet.write(1, 0, "Number of schools").unwrap();
    for (col, schools) in [(1u16, 18_069.0), (2, 1_631.0), (3, 2_271.0)] {
        sheet.write(1, col, schools).unwrap();
    }
    let spend = [
        ("English", [1503.0, 965.0, 1210.0]),
        ("Maths", [556.0, 543.0, 601.0]),
        ("Science", [301.0, 288.0, 322.0]),
    ];
    for (i, (subject, per_school)) in spend.iter().enumerate() {
        let row = 2 + i as u32;
        sheet.write(row, 0, *subject).unwrap();
        for (k, letter) in ["B", "C", "D"].iter().enumerate() {
            let formula = format!("={letter}$2*{}", per_school[k]);
            sheet
                .write_formula(row, k as u16 + 1, formula.as_str())
                .unwrap();
        }
    }
    sheet.write(5, 0, "Totals").unwrap();
    for (k, letter) in ["B", "C", "D"].iter().enumerate() {
        sheet
            .write_formula(
                5,
                k as u16 + 1,
                format!("=SUM({letter}3:{letter}5)").as_str(),
            )
            .unwrap();
    }
    // A column of totals across: its own formulas read no row above, the others' do.
    sheet.write(0, 4, "Totals").unwrap();
    for row in 1..5u32 {
        let formula = format!("=SUM(B{r}:D{r})", r = row + 1);
        sheet.write_formula(row, 4, formula.as_str()).unwrap();
    }
    sheet.write_formula(5, 4, "=SUM(E3:E5)").unwrap();
    let bytes = book.save_to_buffer().unwrap();
    let report = checked(&bytes, "spending.xlsx");
    let short = with_code(&report, "CF108");
    assert!(
        short.is_empty(),
        "the number of schools is a multiplier, not a subject: {short:#?}"
    );
}

#[test]
fn a_subtotal_of_the_added_rows_and_a_header_of_years_are_not_left_out() {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write(0, 0, "Sponsored programmes").unwrap();
    write_headers(sheet, 1, &["Sponsor", "Awards", "Amount", "Overhead"]);
    // A year over each figure's column (two columns of 2000), a text beside them, then
    // the sponsors' rows.
    sheet.write(2, 0, "(fiscal years)").unwrap();
    sheet.write(2, 1, 1999.0).unwrap();
    sheet.write(2, 2, 2000.0).unwrap();
    sheet.write(2, 3, 2000.0).unwrap();
    let sponsors = [
        ("NSF", 12.0, 1_204_000.0, 240_800.0),
        ("NIH", 9.0, 2_310_500.0, 462_100.0),
        ("DOE", 4.0, 455_000.0, 91_000.0),
    ];
    for (i, (sponsor, awards, amount, overhead)) in sponsors.iter().enumerate() {
        let row = 3 + i as u32;
        sheet.write(row, 0, *sponsor).unwrap();
        sheet.write(row, 1, *awards).unwrap();
        sheet.write(row, 2, *amount).unwrap();
        sheet.write(row, 3, *overhead).unwrap();
    }
    // A subtotal of the rows right under them, then the total of the same rows.
    for (col, letter) in [(1u16, "B"), (2, "C"), (3, "D")] {
        sheet
            .write_formula(6, col, format!("=SUM({letter}4:{letter}6)").as_str())
            .unwrap();
    }
    sheet.write(7, 0, "Total").unwrap();
    for (col, letter) in [(1u16, "B"), (2, "C"), (3, "D")] {
        sheet
            .write_formula(7, col, format!("=SUM({letter}4:{letter}6)").as_str())
            .unwrap();
    }
    let bytes = book.save_to_buffer().unwrap();
    let report = checked(&bytes, "sponsored.xlsx");
    let short = with_code(&report, "CF108");
    assert!(
        short.is_empty(),
        "the total adds what its subtotal adds; 1999 and 2000 are years: {short:#?}"
    );
}

#[test]
fn a_check_row_under_a_total_it_repeats_does_not_leave_the_total_out() {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write(0, 0, "GNVQ entries 2000-2001").unwrap();
    write_headers(sheet, 1, &["Subject", "Legacy", "New", "All", "Change"]);
    let subjects = [
        ("Art and Design", 7077.0, 6211.0),
        ("Business", 26_551.0, 22_715.0),
        ("Health", 11_204.0, 10_030.0),
        ("Leisure", 8_310.0, 7_902.0),
        ("Manufacturing", 1_410.0, 1_288.0),
        ("Science", 2_929.0, 2_217.0),
    ];
    for (i, (subject, legacy, new)) in subjects.iter().enumerate() {
        let row = 3 + i as u32;
        sheet.write(row, 0, *subject).unwrap();
        sheet.write(row, 1, *legacy).unwrap();
        sheet.write(row, 2, *new).unwrap();
        sheet.write(row, 3, legacy + new).unwrap();
    }
    // The reported total, labelled as the publisher labels it, one figure 5 off its rows.
    sheet.write(9, 0, "All Subjects").unwrap();
    for (col, total) in [(1u16, 57_486.0), (2, 50_363.0), (3, 107_844.0)] {
        sheet.write(9, col, total).unwrap();
    }
    // The publisher's check row, adding the subjects again.
    sheet.write(11, 0, "check").unwrap();
    for (col, letter, sum) in [(1u16, "B", 57_481), (2, "C", 50_363), (3, "D", 107_844)] {
        let formula = format!("=SUM({letter}4:{letter}9)");
        let formula = rust_xlsxwriter::Formula::new(formula).set_result(sum.to_string());
        sheet.write_formula(11, col, formula).unwrap();
    }
    let bytes = book.save_to_buffer().unwrap();
    let report = checked(&bytes, "gnvq.xlsx");
    // Its rules inferred, its formula regions are read.
    assert_eq!(report.template.as_deref(), Some("inferred"));
    let short = with_code(&report, "CF108");
    assert!(
        short.is_empty(),
        "the check row does not leave out the total it checks: {short:#?}"
    );
}

/// Entries by subject where some rows are a breakdown of another: `Top 2` sums the two rows
/// above it, and `Science: Combined` is `2 × Double + Single` (a double award counts
/// twice). The TOTAL counts each breakdown once, through the row that adds it up; it is
/// typed `total` in the spring column (450 is right).
fn breakdowns(total: f64) -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    write_headers(sheet, 0, &["Subject", "Spring", "Autumn"]);
    let typed = |sheet: &mut rust_xlsxwriter::Worksheet, row: u32, label: &str, a: f64, b: f64| {
        sheet.write(row, 0, label).unwrap();
        sheet.write(row, 1, a).unwrap();
        sheet.write(row, 2, b).unwrap();
    };
    let formulas =
        |sheet: &mut rust_xlsxwriter::Worksheet, row: u32, label: &str, f: [(&str, f64); 2]| {
            sheet.write(row, 0, label).unwrap();
            for (col, (formula, value)) in [1u16, 2].into_iter().zip(f) {
                let formula = rust_xlsxwriter::Formula::new(formula).set_result(value.to_string());
                sheet.write_formula(row, col, formula).unwrap();
            }
        };
    typed(sheet, 1, "Art", 100.0, 110.0);
    typed(sheet, 2, "Business", 200.0, 210.0);
    formulas(
        sheet,
        3,
        "Top 2",
        [("=SUM(B2:B3)", 300.0), ("=SUM(C2:C3)", 320.0)],
    );
    formulas(
        sheet,
        4,
        "Science: Combined",
        [("=(B6*2)+B7", 120.0), ("=(C6*2)+C7", 132.0)],
    );
    typed(sheet, 5, "Science: Double Award", 50.0, 55.0);
    typed(sheet, 6, "Science: Single Award", 20.0, 22.0);
    typed(sheet, 7, "Drama", 30.0, 33.0);
    typed(sheet, 8, "TOTAL", total, 485.0);
    book.save_to_buffer().unwrap()
}

#[test]
fn rows_another_row_adds_up_are_counted_once_through_it() {
    let book = read_workbook(&breakdowns(450.0), "entries.xlsx").unwrap();
    let layout = Layout::find(&book.sheets[0]).expect("the table is found");
    let counted: Vec<(u32, Option<u32>)> =
        layout.body.iter().map(|r| (r.row, r.counted_in)).collect();
    assert_eq!(
        counted,
        vec![
            (1, Some(3)),
            (2, Some(3)),
            (3, None),
            (4, None),
            (5, Some(4)),
            (6, Some(4)),
            (7, None),
            (8, None)
        ],
        "Art and Business are counted in Top 2, the awards in Combined"
    );
    assert_eq!(layout.hierarchy(), vec![(8, vec![3, 4, 7])]);
    let report = check(&book, &TemplateChoice::Auto);
    let right = alarms(&report);
    assert!(
        right.is_empty(),
        "every row counted once adds up: {right:#?}"
    );

    // A total 10 over what its rows add is still reported, at the spring column.
    let report = checked(&breakdowns(460.0), "entries.xlsx");
    let over = alarms(&report);
    assert!(
        !over.is_empty() && over.iter().all(|f| f.cell.col == 1),
        "the spring total is 10 over: {over:#?}"
    );
}

#[test]
fn a_subtotal_of_another_block_ends_the_block() {
    // Schools by programme, then the same places by sector: a sector's subtotal right
    // above the next sector's rows (labels in the programme column, the school's blank).
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    write_headers(
        sheet,
        0,
        &["School", "Town", "Programme", "Places", "Present"],
    );
    let schools = [
        ("LP Verne", "Saverne", "Industrial design", 9.0, 10.0),
        ("LP Stoessel", "Mulhouse", "Industrial design", 10.0, 5.0),
        ("LP Briand", "Schiltigheim", "Bio-industries", 24.0, 19.0),
    ];
    for (i, (school, town, programme, places, present)) in schools.iter().enumerate() {
        let row = 1 + i as u32;
        sheet.write(row, 0, *school).unwrap();
        sheet.write(row, 1, *town).unwrap();
        sheet.write(row, 2, *programme).unwrap();
        sheet.write(row, 3, *places).unwrap();
        sheet.write(row, 4, *present).unwrap();
    }
    for (col, letter) in [(3u16, "D"), (4, "E")] {
        let formula = format!("=SUM({letter}2:{letter}4)");
        sheet.write_formula(4, col, formula.as_str()).unwrap();
    }
    let sectors: [(&str, Option<[f64; 2]>); 5] = [
        ("Adaptation, production", Some([400.0, 310.0])),
        ("Vocational, production", Some([1236.0, 1060.0])),
        ("Total production", None),
        ("Adaptation, services", Some([566.0, 407.0])),
        ("Vocational, services", Some([1326.0, 1266.0])),
    ];
    for (i, (label, figures)) in sectors.iter().enumerate() {
        let row = 6 + i as u32;
        sheet.write(row, 2, *label).unwrap();
        for (col, letter) in [(3u16, "D"), (4, "E")] {
            match figures {
                Some(f) => sheet.write(row, col, f[usize::from(col) - 3]).unwrap(),
                None => sheet
                    .write_formula(row, col, format!("=SUM({letter}7:{letter}8)").as_str())
                    .unwrap(),
            };
        }
    }
    sheet.write(11, 2, "Total services").unwrap();
    for (col, letter) in [(3u16, "D"), (4, "E")] {
        let formula = format!("=SUM({letter}10:{letter}11)");
        sheet.write_formula(11, col, formula.as_str()).unwrap();
    }
    let bytes = book.save_to_buffer().unwrap();
    let report = checked(&bytes, "sectors.xlsx");
    let short = with_code(&report, "CF108");
    assert!(
        short.is_empty(),
        "the services total adds the services, not the production rows: {short:#?}"
    );
}

/// Twelve projects whose column D adds B and C by formula, except D5, typed with a note
/// explaining it, D3, typed with a remark in the comment column, and D8, typed 500 over
/// with neither.
fn projects_with_an_override() -> Vec<u8> {
    use rust_xlsxwriter::{Formula, Note};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    write_headers(
        sheet,
        0,
        &[
            "Project",
            "Year 1",
            "Year 2",
            "Funded",
            "Comment / Decision",
        ],
    );
    let projects = [
        ("Jobtrain", 52_792.0, 54_262.0),
        ("Parenting skills", 48_656.0, 49_608.0),
        ("Volunteering", 39_724.0, 39_724.0),
        ("Workplace co-ordinator", 60_000.0, 60_000.0),
        ("Refugees into jobs", 61_500.0, 63_500.0),
        ("Homework club", 4_030.0, 7_176.0),
        ("Youth outreach", 43_300.0, 43_700.0),
        ("Mentoring", 11_206.0, 12_000.0),
        ("Adult literacy", 18_400.0, 19_100.0),
        ("Play schemes", 9_850.0, 10_200.0),
        ("Credit union", 22_000.0, 22_000.0),
        ("Digital skills", 15_300.0, 16_750.0),
    ];
    for (i, (name, first, second)) in projects.iter().enumerate() {
        let row = 1 + i as u32;
        sheet.write(row, 0, *name).unwrap();
        sheet.write(row, 1, *first).unwrap();
        sheet.write(row, 2, *second).unwrap();
        let sum = first + second;
        match row {
            2 | 4 => {
                sheet.write(row, 3, sum).unwrap();
            }
            // Not what the formula gives: a figure that will not follow, and is off.
            7 => {
                sheet.write(row, 3, sum + 500.0).unwrap();
            }
            _ => {
                let formula = Formula::new(format!("=B{0}+C{0}", row + 1));
                sheet
                    .write_formula(row, 3, formula.set_result(sum.to_string()))
                    .unwrap();
            }
        }
    }
    // Excel writes the author's name first (`Lan:`); the split runs and `&amp;` with it.
    let note = Note::new("  funded to 120K only & for homework\n  ").set_author("Lan");
    sheet.insert_note(4, 3, &note).unwrap();
    // A remark in the row's comment column explains D3 the same way.
    sheet.write(2, 4, "approved partially").unwrap();
    book.save_to_buffer().unwrap()
}

#[test]
fn a_typed_number_a_note_or_its_rows_remark_explains_is_deliberate_an_info() {
    let report = checked(&projects_with_an_override(), "projects.xlsx");
    let typed = with_code(&report, "CF107");
    assert_eq!(typed.len(), 3, "{typed:#?}");
    let remarked = typed
        .iter()
        .find(|f| f.cell.to_string() == "D3")
        .expect("D3");
    assert_eq!(remarked.severity, Severity::Info, "{remarked:#?}");
    assert!(
        remarked
            .message
            .en
            .contains("with the note «approved partially (E3)»"),
        "{}",
        remarked.message.en
    );
    let noted = typed
        .iter()
        .find(|f| f.cell.to_string() == "D5")
        .expect("D5");
    assert_eq!(noted.severity, Severity::Info, "{noted:#?}");
    assert!(
        noted
            .message
            .en
            .contains("is the typed number 120,000 with the note «funded to 120K only & for homework»: taken as deliberate"),
        "{}",
        noted.message.en
    );
    assert!(
        noted.message.vi.contains(
            "là số gõ tay 120.000 kèm ghi chú «funded to 120K only & for homework»: coi là chủ ý"
        ),
        "{}",
        noted.message.vi
    );
    let bare = typed
        .iter()
        .find(|f| f.cell.to_string() == "D8")
        .expect("D8");
    assert_eq!(bare.severity, Severity::Warning, "{bare:#?}");
    assert!(
        bare.message.en.contains("will not follow"),
        "{}",
        bare.message.en
    );
}

/// What the year columns of the row with the column total hold.
#[derive(Clone, Copy)]
enum Years {
    /// The project's own figures: a total put in a project's row, as rows sorted under a
    /// total leave it.
    Project,
    /// `SUM`s of their columns above: a subtotal row without a total's label.
    SumFormulas,
    /// Those sums typed: a subtotal row too.
    TypedSums,
    /// Those sums typed, where each project's row takes the larger year (`=MAX(Bn:Cn)`), so
    /// the column's formula gives another figure on the subtotal row: a subtotal still.
    TypedSumsUnderMax,
    /// Left blank: a subtotal row that totals only the total column.
    Blank,
}

/// Projects with their two years' grants and a total column `=SUM(Bn:Cn)` on every row;
/// in `total_row` the total column adds up the column above instead, and the year columns
/// hold what `years` says.
fn projects_with_a_total_in_a_row(total_row: u32, years: Years) -> Vec<u8> {
    use rust_xlsxwriter::Formula;
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    write_headers(sheet, 0, &["Project", "2004-2005", "2005-2006", "Total"]);
    let projects = [
        ("Youth club", 25_617.0, 25_617.0),
        ("Street wardens", 40_000.0, 0.0),
        ("Refugees into jobs", 61_500.0, 63_500.0),
        ("Homework club", 4_030.0, 7_176.0),
        ("Youth outreach", 43_300.0, 43_700.0),
        ("Mentoring", 11_206.0, 12_000.0),
        ("Adult literacy", 18_400.0, 19_100.0),
        ("Play schemes", 9_850.0, 10_200.0),
    ];
    let mut column = [0.0f64; 3];
    for (i, (name, first, second)) in projects.iter().enumerate() {
        let row = 1 + i as u32;
        sheet.write(row, 0, *name).unwrap();
        if row == total_row {
            let up = |col: char, sum: f64| {
                Formula::new(format!("=SUM({col}2:{col}{row})")).set_result(sum.to_string())
            };
            match years {
                Years::Project => {
                    sheet.write(row, 1, *first).unwrap();
                    sheet.write(row, 2, *second).unwrap();
                }
                Years::SumFormulas => {
                    sheet.write_formula(row, 1, up('B', column[0])).unwrap();
                    sheet.write_formula(row, 2, up('C', column[1])).unwrap();
                }
                Years::TypedSums | Years::TypedSumsUnderMax => {
                    sheet.write(row, 1, column[0]).unwrap();
                    sheet.write(row, 2, column[1]).unwrap();
                }
                Years::Blank => {}
            }
            sheet.write_formula(row, 3, up('D', column[2])).unwrap();
            continue;
        }
        sheet.write(row, 1, *first).unwrap();
        sheet.write(row, 2, *second).unwrap();
        // The larger year where the row's formula is MAX, as a grant's peak.
        let (sum, function) = match years {
            Years::TypedSumsUnderMax => (f64::max(*first, *second), "MAX"),
            _ => (first + second, "SUM"),
        };
        let formula = Formula::new(format!("={function}(B{0}:C{0})", row + 1));
        sheet
            .write_formula(row, 3, formula.set_result(sum.to_string()))
            .unwrap();
        column[0] += first;
        column[1] += second;
        column[2] += sum;
    }
    book.save_to_buffer().unwrap()
}

#[test]
fn a_total_of_the_column_above_in_a_projects_row_is_an_inconsistent_formula() {
    // Row 7 (Mentoring) holds =SUM(D2:D6) where every other row adds its two years.
    let bytes = projects_with_a_total_in_a_row(6, Years::Project);
    let book = read_workbook(&bytes, "projects.xlsx").unwrap();
    let regions = crossfoot::formula_region_findings(&book);
    let found: Vec<(&str, String)> = regions
        .iter()
        .map(|f| (f.code, f.cell.to_string()))
        .collect();
    // One finding a cell: its range's shortness (CF108) is not reported besides.
    assert_eq!(found, [("CF107", "D7".to_string())], "{regions:#?}");
    let total = &regions[0];
    assert_eq!(total.severity, Severity::Warning);
    // What the column's formula gives on that row, 11,206 + 12,000, in the sheet's
    // convention (Vietnamese where nothing says otherwise).
    assert_eq!(total.expected.as_deref(), Some("23.206"), "{total:#?}");
    assert_eq!(total.actual.as_deref(), Some("314.440"), "{total:#?}");
    for text in ["=SUM(D2:D6)", "=SUM(B7:C7)", "23,206", "item's row"] {
        assert!(
            total.message.en.contains(text),
            "{text}: {}",
            total.message.en
        );
    }
    assert!(total.message.vi.contains("23.206"), "{}", total.message.vi);

    // The check reports it; here the relation inferred from the other rows (Total = the
    // two years) also fails on the cell, with the same figure and its fix.
    let report = checked(&bytes, "projects.xlsx");
    let found: Vec<(&str, String)> = alarms(&report)
        .iter()
        .map(|f| (f.code, f.cell.to_string()))
        .collect();
    assert_eq!(
        found,
        [("CF107", "D7".to_string()), ("CF201", "D7".to_string())],
        "{:#?}",
        report.findings
    );
    let relation = with_code(&report, "CF201")[0];
    assert_eq!(relation.fix.as_ref().unwrap().edits[0].value, 23_206.into());

    // The same row adding up every column above it is a subtotal row, not a slip.
    for years in [
        Years::SumFormulas,
        Years::TypedSums,
        Years::TypedSumsUnderMax,
        Years::Blank,
    ] {
        let subtotal = projects_with_a_total_in_a_row(6, years);
        let book = read_workbook(&subtotal, "projects.xlsx").unwrap();
        let regions = crossfoot::formula_region_findings(&book);
        assert!(
            regions.iter().all(|f| f.code != "CF107"),
            "a row whose every figure adds up its column above is a subtotal: {regions:#?}"
        );
    }
}

/// A small allocation table as a province sends it: three units and their total, the
/// money given under a merged `Kinh phí được giao` header (`Tổng số` then the central and
/// local budgets), and what was spent. `slip` is added to the total row's central budget.
fn allocation(slip: f64) -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write(0, 0, "KINH PHÍ ĐƯỢC GIAO NĂM 2024").unwrap();
    let merged = rust_xlsxwriter::Format::new();
    sheet
        .merge_range(2, 2, 2, 4, "Kinh phí được giao", &merged)
        .unwrap();
    sheet.merge_range(2, 0, 3, 0, "STT", &merged).unwrap();
    sheet.merge_range(2, 1, 3, 1, "Đơn vị", &merged).unwrap();
    sheet
        .merge_range(2, 5, 3, 5, "Đã sử dụng", &merged)
        .unwrap();
    for (col, label) in [
        (2u16, "Tổng số"),
        (3, "Ngân sách trung ương"),
        (4, "Ngân sách địa phương"),
    ] {
        sheet.write(3, col, label).unwrap();
    }
    let units = [
        ("Sở Y tế", 1_250.0, 800.0, 310.0),
        ("Sở Giáo dục", 2_400.0, 1_900.0, 1_150.0),
        ("Sở Nội vụ", 640.0, 0.0, 512.0),
    ];
    let mut totals = [0.0; 4];
    for (i, (name, central, local, spent)) in units.iter().enumerate() {
        let row = 4 + i as u32;
        let figures = [central + local, *central, *local, *spent];
        sheet.write(row, 0, (i + 1) as f64).unwrap();
        sheet.write(row, 1, *name).unwrap();
        for (k, figure) in figures.iter().enumerate() {
            sheet.write(row, 2 + k as u16, *figure).unwrap();
            totals[k] += figure;
        }
    }
    totals[1] += slip;
    sheet.write(7, 1, "Tổng cộng").unwrap();
    for (k, figure) in totals.iter().enumerate() {
        sheet.write(7, 2 + k as u16, *figure).unwrap();
    }
    book.save_to_buffer().unwrap()
}

#[test]
fn a_total_column_under_a_group_header_adds_its_siblings_even_in_a_small_table() {
    assert_quiet(&allocation(0.0), "kinh-phi.xlsx", "the table adds up");

    // The total row's central budget typed 100 over: its row no longer adds up, nor does
    // the column; the one cell in both is D8.
    let report = checked(&allocation(100.0), "kinh-phi.xlsx");
    let slip = alarms(&report);
    assert_eq!(slip.len(), 1, "one slip, one finding: {slip:#?}");
    assert_eq!(slip[0].code, "CF301", "{slip:#?}");
    assert_eq!(slip[0].cell.to_string(), "D8", "{slip:#?}");
}

/// Dossiers received by two groups of offices (STT `I`, `II`, each row of figures the sum
/// of its offices) and the province's total: `Tổng số` = online + in person on each row.
/// `blank` leaves Sở Xây dựng's in-person figure (E4, 95) blank while its total and its
/// group's keep it; `short` is taken off the first group's in-person figure, its total
/// and the province's (its offices left as they are).
fn dossiers(blank: bool, short: f64) -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    write_headers(
        sheet,
        0,
        &["STT", "Đơn vị", "Tổng số", "Trực tuyến", "Trực tiếp"],
    );
    let groups = [
        (
            "I",
            "Các sở, ngành",
            [
                ("Sở Tư pháp", 300.0, 120.0),
                ("Sở Xây dựng", 210.0, 95.0),
                ("Sở Y tế", 180.0, 64.0),
            ],
        ),
        (
            "II",
            "Các huyện",
            [
                ("Huyện Bát Xát", 150.0, 88.0),
                ("Huyện Sa Pa", 260.0, 131.0),
                ("Huyện Si Ma Cai", 75.0, 40.0),
            ],
        ),
    ];
    let mut row = 1u32;
    let mut total = [0.0f64; 2];
    for (stt, name, offices) in groups {
        let online: f64 = offices.iter().map(|o| o.1).sum();
        let in_person: f64 =
            offices.iter().map(|o| o.2).sum::<f64>() - if stt == "I" { short } else { 0.0 };
        sheet.write(row, 0, stt).unwrap();
        sheet.write(row, 1, name).unwrap();
        for (col, figure) in [(2u16, online + in_person), (3, online), (4, in_person)] {
            sheet.write(row, col, figure).unwrap();
        }
        total[0] += online;
        total[1] += in_person;
        row += 1;
        for (i, (office, online, in_person)) in offices.iter().enumerate() {
            sheet.write(row, 0, (i + 1) as f64).unwrap();
            sheet.write(row, 1, *office).unwrap();
            sheet.write(row, 2, online + in_person).unwrap();
            sheet.write(row, 3, *online).unwrap();
            if !(blank && row == 3) {
                sheet.write(row, 4, *in_person).unwrap();
            }
            row += 1;
        }
    }
    sheet.write(row, 1, "Tổng cộng").unwrap();
    for (col, figure) in [(2u16, total[0] + total[1]), (3, total[0]), (4, total[1])] {
        sheet.write(row, col, figure).unwrap();
    }
    book.save_to_buffer().unwrap()
}

#[test]
fn a_blank_cell_that_explains_its_row_and_its_group_is_named() {
    assert_quiet(&dossiers(false, 0.0), "ho-so.xlsx", "the table adds up");

    let report = checked(&dossiers(true, 0.0), "ho-so.xlsx");
    let found = alarms(&report);
    assert_eq!(found.len(), 1, "one blank, one finding: {found:#?}");
    let blank = found[0];
    assert_eq!(
        (blank.code, blank.cell.to_string()),
        ("CF301", "E4".to_string()),
        "{blank:#?}"
    );
    assert!(
        blank
            .message
            .en
            .contains("E4 is probably wrong: it is blank, it should be 95 (a figure left out)"),
        "{}",
        blank.message.en
    );
    assert!(
        blank
            .message
            .vi
            .contains("để trống, đúng ra là 95 (thiếu một số liệu)"),
        "{}",
        blank.message.vi
    );
}

/// Entries by subject over four years and their TOTAL; the last year's total is typed
/// `net` (538 adds them up).
fn entries_with_total(net: f64) -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    write_headers(
        sheet,
        0,
        &[
            "Subject",
            "Entries 1999",
            "Entries 2000",
            "Entries 2001",
            "Entries 2002",
        ],
    );
    let subjects = [
        ("Art", [110.0, 114.0, 118.0, 120.0]),
        ("Drama", [90.0, 92.0, 93.0, 95.0]),
        ("Economics", [70.0, 68.0, 66.0, 64.0]),
        ("Music", [80.0, 84.0, 86.0, 88.0]),
        ("Spanish", [120.0, 125.0, 128.0, 131.0]),
        ("Welsh", [35.0, 37.0, 38.0, 40.0]),
    ];
    let mut totals = [0.0; 4];
    for (i, (subject, entries)) in subjects.iter().enumerate() {
        let row = 1 + i as u32;
        sheet.write(row, 0, *subject).unwrap();
        for (k, figure) in entries.iter().enumerate() {
            sheet.write(row, 1 + k as u16, *figure).unwrap();
            totals[k] += figure;
        }
    }
    totals[3] = net;
    sheet.write(7, 0, "TOTAL").unwrap();
    for (k, figure) in totals.iter().enumerate() {
        sheet.write(7, 1 + k as u16, *figure).unwrap();
    }
    book.save_to_buffer().unwrap()
}

#[test]
fn no_negative_count_is_proposed_to_balance_a_total() {
    assert_quiet(
        &entries_with_total(538.0),
        "entries.xlsx",
        "the table adds up",
    );

    // 280 under what the subjects add up to: only a subject going below zero would
    // balance it from the subjects' side. The total is reported, and no subject named.
    let report = checked(&entries_with_total(258.0), "entries.xlsx");
    let found = alarms(&report);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        (found[0].code, found[0].cell.to_string()),
        ("CF202", "E8".to_string()),
        "{found:#?}"
    );
    assert!(
        found[0]
            .fix
            .iter()
            .flat_map(|fix| &fix.edits)
            .all(|edit| edit.cell == found[0].cell && !edit.value.is_sign_negative()),
        "{found:#?}"
    );
}

/// The indicator appendix of `examples/` written again cell by cell, with `lines` (text in
/// the label column only) each inserted above the sample row it names (1-based, as the
/// sample numbers its rows; one line a row), `changes` typed over the sample's cells (at
/// the sample's addresses), and under the table a note, the signature block and a phone
/// number. Returns the workbook and where each sample row went.
fn appendix_with_lines(lines: &[(u32, &str)], changes: &[(&str, &str)]) -> (Vec<u8>, Vec<u32>) {
    let sample = crate::common::read_fixture("phu-luc-cchc-q3-2022.xlsx");
    let sample = &sample.sheets[0];
    let last = sample.cells.last().unwrap().at.row;
    // A sample row (zero-based) moves down by the lines inserted at or above it.
    let moved: Vec<u32> = (0..=last)
        .map(|row| row + lines.iter().filter(|(above, _)| *above <= row + 1).count() as u32)
        .collect();
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(&sample.name).unwrap();
    for cell in &sample.cells {
        let (row, col) = (moved[cell.at.row as usize], cell.at.col as u16);
        let address = cell.at.to_string();
        if let Some((_, typed)) = changes.iter().find(|(a1, _)| *a1 == address) {
            sheet.write(row, col, *typed).unwrap();
            continue;
        }
        match &cell.value {
            crossfoot::Value::Text(text) => {
                sheet.write(row, col, &**text).unwrap();
            }
            crossfoot::Value::Number(n) => {
                let n: f64 = n.to_string().parse().unwrap();
                match &cell.number_format {
                    Some(format) => {
                        let format = rust_xlsxwriter::Format::new().set_num_format(&**format);
                        sheet
                            .write_number_with_format(row, col, n, &format)
                            .unwrap();
                    }
                    None => {
                        sheet.write(row, col, n).unwrap();
                    }
                }
            }
            other => panic!("the sample holds only text and numbers: {other:?}"),
        }
    }
    for (above, text) in lines {
        sheet
            .write(moved[*above as usize - 1] - 1, 1, *text)
            .unwrap();
    }
    // A note under the table, the signature block, and a figure under it that is no data.
    let under = moved[last as usize];
    sheet
        .write(under + 2, 1, "Ghi chú: số liệu tính đến ngày 14/9/2022")
        .unwrap();
    sheet.write(under + 4, 1, "Người lập biểu").unwrap();
    sheet.write(under + 4, 3, "THỦ TRƯỞNG ĐƠN VỊ").unwrap();
    sheet.write(under + 8, 1, "Điện thoại liên hệ").unwrap();
    sheet.write(under + 8, 3, 2_773_851_234.0).unwrap();
    (book.save_to_buffer().unwrap(), moved)
}

/// A finding's code, severity and cell.
fn finding_keys(report: &crossfoot::CheckReport) -> Vec<(String, Severity, String)> {
    report
        .findings
        .iter()
        .map(|f| (f.code.to_string(), f.severity, f.cell.to_string()))
        .collect()
}

#[test]
fn a_note_inside_an_indicator_list_does_not_end_it() {
    // A slip below the notes: 11.275 dossiers within their deadline typed as 11.257.
    let slip = [("D35", "11.257")];
    let (plain, _) = appendix_with_lines(&[], &slip);
    let notes = [
        (29, "(*) không bao gồm hồ sơ của các cơ quan ngành dọc"),
        // Above the row it speaks of, with that row's label in it.
        (
            34,
            "Ghi chú: số hồ sơ đang giải quyết không bao gồm hồ sơ trực tuyến toàn trình",
        ),
        (37, "[Nguồn: Hệ thống thông tin giải quyết TTHC tỉnh]"),
        (45, "Trong đó:"),
    ];
    let (noted, moved) = appendix_with_lines(&notes, &slip);

    let plain = check(
        &read_workbook(&plain, "phu-luc.xlsx").unwrap(),
        &TemplateChoice::Auto,
    );
    assert_eq!(plain.template.as_deref(), Some("phu-luc-cchc"));
    let book = read_workbook(&noted, "phu-luc-ghi-chu.xlsx").unwrap();
    let report = check(&book, &TemplateChoice::Auto);
    assert_eq!(report.template.as_deref(), Some("phu-luc-cchc"));
    assert!(
        with_code(&report, "CF002").is_empty(),
        "the template still finds every row: {:#?}",
        report.findings
    );

    // The same findings as without the notes, each at its row moved down.
    let at = |a1: &str| {
        let cell = crossfoot::CellRef::parse(a1).unwrap();
        crossfoot::CellRef::new(moved[cell.row as usize], cell.col).to_string()
    };
    let expected: Vec<_> = finding_keys(&plain)
        .into_iter()
        .map(|(code, severity, cell)| (code, severity, at(&cell)))
        .collect();
    assert_eq!(finding_keys(&report), expected, "{:#?}", report.findings);
    // The slip below the notes is among them, on its cell, with the digits put back.
    let slipped = report
        .findings
        .iter()
        .find(|f| f.severity == Severity::Error)
        .expect("the slip is reported");
    assert_eq!(slipped.cell.to_string(), at("D35"), "{slipped:#?}");
    assert_eq!(slipped.expected.as_deref(), Some("11.275"));
    // No finding on a note.
    let note_rows: Vec<u32> = notes
        .iter()
        .map(|(above, _)| moved[*above as usize - 1] - 1)
        .collect();
    assert!(
        report
            .findings
            .iter()
            .all(|f| !note_rows.contains(&f.cell.row)),
        "{:#?}",
        report.findings
    );

    // Named, the template binds as well: no CF002, the same findings.
    let named = check(&book, &TemplateChoice::parse("phu-luc-cchc").unwrap());
    assert_eq!(finding_keys(&named), finding_keys(&report));

    // The signature block ends the table: nothing from the note under the table down is
    // body, the phone number under the signature least of all.
    let layout = Layout::find(&book.sheets[0]).expect("the table is found");
    let under = moved[moved.len() - 1];
    assert_eq!(layout.body.last().map(|r| r.row), Some(under));
    assert_eq!(layout.footer_first, Some(under + 2));
}

#[test]
fn a_note_between_the_rows_of_a_table_does_not_part_them_from_their_total() {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet
        .write(0, 0, "CHI TIẾT SẢN LƯỢNG, DOANH THU THEO BƯU CỤC")
        .unwrap();
    write_headers(sheet, 2, &["STT", "Bưu cục", "Sản lượng", "Doanh thu"]);
    // Two notes between the second office and the third, the label column's text only.
    let rows = [
        Some(("Ba Đình", 120.0, 3500.0)),
        Some(("Cống Vị", 95.0, 2800.0)),
        None,
        None,
        Some(("Kim Mã", 130.0, 4100.0)),
        Some(("Giảng Võ", 80.0, 2100.0)),
        Some(("Ngọc Hà", 60.0, 1900.0)),
    ];
    sheet
        .write(5, 1, "Ghi chú: Kim Mã gồm cả điểm giao dịch Liễu Giai")
        .unwrap();
    sheet
        .write(6, 1, "(*) không bao gồm bưu gửi quốc tế")
        .unwrap();
    let mut number = 0.0;
    for (i, office) in rows.iter().enumerate() {
        let Some((name, count, money)) = office else {
            continue;
        };
        let row = 3 + i as u32;
        number += 1.0;
        sheet.write(row, 0, number).unwrap();
        sheet.write(row, 1, *name).unwrap();
        sheet.write(row, 2, *count).unwrap();
        sheet.write(row, 3, *money).unwrap();
    }
    // The total under the notes, its money 100 short of all five offices.
    sheet.write(10, 1, "Tổng cộng").unwrap();
    sheet.write(10, 2, 485.0).unwrap();
    sheet.write(10, 3, 14_300.0).unwrap();
    sheet.write(12, 3, "Người lập biểu").unwrap();
    let bytes = book.save_to_buffer().unwrap();

    let book = read_workbook(&bytes, "buu-cuc-ghi-chu.xlsx").unwrap();
    let layout = Layout::find(&book.sheets[0]).expect("the table is found");
    assert_eq!(layout.body_row(10).map(|r| r.kind), Some(RowKind::Total));
    assert_eq!(layout.body_row(3).map(|r| r.kind), Some(RowKind::Unit));
    assert_eq!(layout.footer_first, Some(12));
    let report = check(&book, &TemplateChoice::Auto);
    let alarms = alarms(&report);
    // One slip, and any of the five offices or the total could be it: the total's
    // relation reads the offices above the notes and those under them.
    let read = |f: &crossfoot::Finding, a1: &str| {
        let at = crossfoot::CellRef::parse(a1).unwrap();
        f.cell == at || f.cells.contains(&at)
    };
    assert_eq!(alarms.len(), 1, "{alarms:#?}");
    assert!(
        ["D4", "D5", "D8", "D10", "D11"]
            .iter()
            .all(|a1| read(alarms[0], a1)),
        "the total adds the offices above the notes too: {alarms:#?}"
    );
    assert!(!read(alarms[0], "D6") && !read(alarms[0], "D7"));
}

#[test]
fn a_template_that_finds_no_row_names_it_and_the_nearest_label() {
    // The received dossiers' row worded otherwise: the rows found below it are missing
    // too, and named after it.
    let (bytes, _) = appendix_with_lines(
        &[],
        &[("B25", "Tổng số hồ sơ thủ tục hành chính đã nhận trong kỳ")],
    );
    let book = read_workbook(&bytes, "phu-luc.xlsx").unwrap();
    let report = check(&book, &TemplateChoice::parse("phu-luc-cchc").unwrap());
    let not_found = with_code(&report, "CF002");
    assert_eq!(not_found.len(), 1, "{:#?}", report.findings);
    let finding = not_found[0];
    assert_eq!(finding.cell.to_string(), "B25");
    assert!(
        finding.message.vi.starts_with(
            "Mẫu biểu 'phu-luc-cchc' không khớp trang nào: trang 'Phụ lục' thiếu dòng \
             'received' (nhãn «Tổng số hồ sơ TTHC đã tiếp nhận»); nhãn gần nhất: «Tổng số \
             hồ sơ thủ tục hành chính đã nhận trong kỳ» (B25); thiếu dòng 'received_carried' \
             (nhãn «từ kỳ trước», tìm dưới dòng 'received', dòng này cũng thiếu); nhãn gần \
             nhất: «Số từ kỳ trước chuyển qua» (B29)"
        ),
        "{}",
        finding.message.vi
    );
    assert!(
        finding.message.en.starts_with(
            "Template 'phu-luc-cchc' matches no sheet: sheet 'Phụ lục' lacks row 'received' \
             (label «Tổng số hồ sơ TTHC đã tiếp nhận»); nearest label seen: «Tổng số hồ sơ \
             thủ tục hành chính đã nhận trong kỳ» (B25); lacks row 'received_carried'"
        ),
        "{}",
        finding.message.en
    );
}

/// Writes a formula with the value Excel would have saved for it.
fn write_computed(
    sheet: &mut rust_xlsxwriter::Worksheet,
    row: u32,
    col: u16,
    formula: &str,
    value: f64,
) {
    let formula = rust_xlsxwriter::Formula::new(formula).set_result(value.to_string());
    sheet.write_formula(row, col, formula).unwrap();
}

#[test]
fn a_block_typed_by_hand_under_a_block_of_formulas_is_not_inconsistent() {
    // Salaries split by formula between two funds (half each), travel typed by hand.
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    write_headers(
        sheet,
        0,
        &[
            "Budget line",
            "Central fund",
            "Local fund",
            "Total",
            "",
            "Salary",
        ],
    );
    sheet.write(1, 0, "Personnel").unwrap();
    let salaries = [
        84_000.0, 72_000.0, 58_000.0, 61_000.0, 49_000.0, 66_000.0, 70_000.0,
    ];
    for (i, salary) in salaries.iter().enumerate() {
        let row = 2 + i as u32;
        let r1 = row + 1;
        sheet.write(row, 0, format!("Post {}", i + 1)).unwrap();
        sheet.write(row, 5, *salary).unwrap();
        write_computed(sheet, row, 1, &format!("=F{r1}*0.5"), salary * 0.5);
        write_computed(sheet, row, 2, &format!("=F{r1}*0.5"), salary * 0.5);
        write_computed(sheet, row, 3, &format!("=SUM(B{r1}:C{r1})"), *salary);
    }
    let staff: f64 = salaries.iter().sum();
    sheet.write(9, 0, "Subtotal").unwrap();
    for (col, letter, value) in [
        (1u16, "B", staff / 2.0),
        (2, "C", staff / 2.0),
        (3, "D", staff),
    ] {
        write_computed(sheet, 9, col, &format!("=SUM({letter}3:{letter}9)"), value);
    }
    sheet.write(11, 0, "Travel").unwrap();
    let travel = [
        ("Steering committee", 0.0, 5_000.0),
        ("Team", 35_000.0, 0.0),
    ];
    for (i, (line, central, local)) in travel.iter().enumerate() {
        let row = 12 + i as u32;
        let r1 = row + 1;
        sheet.write(row, 0, *line).unwrap();
        sheet.write(row, 1, *central).unwrap();
        sheet.write(row, 2, *local).unwrap();
        write_computed(
            sheet,
            row,
            3,
            &format!("=SUM(B{r1}:C{r1})"),
            central + local,
        );
    }
    sheet.write(14, 0, "Subtotal").unwrap();
    for (col, letter, value) in [(1u16, "B", 35_000.0), (2, "C", 5_000.0), (3, "D", 40_000.0)] {
        write_computed(
            sheet,
            14,
            col,
            &format!("=SUM({letter}13:{letter}14)"),
            value,
        );
    }
    let bytes = book.save_to_buffer().unwrap();
    let report = checked(&bytes, "budget.xlsx");
    assert_eq!(report.template.as_deref(), Some("inferred"));
    let typed = with_code(&report, "CF107");
    assert!(
        typed.is_empty(),
        "the travel block is typed by hand: {typed:#?}"
    );
}
