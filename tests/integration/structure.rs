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
    let book = read_workbook(&volumes(&incoming), "san-luong.xlsx").unwrap();
    let report = check(&book, &TemplateChoice::Auto);
    let alarms = alarms(&report);
    assert!(
        alarms.is_empty(),
        "no relation was shown by these numbers: {alarms:#?}"
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
    let book = read_workbook(&bytes, "b26.xlsx").unwrap();
    let report = check(&book, &TemplateChoice::Auto);
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
    let book = read_workbook(&short_sum(0.0), "kinh-phi.xlsx").unwrap();
    let report = check(&book, &TemplateChoice::Auto);
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

    let book = read_workbook(&short_sum(7.0), "kinh-phi.xlsx").unwrap();
    let report = check(&book, &TemplateChoice::Auto);
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
fn each_table_on_a_sheet_adds_up_to_its_own_total_and_check_rows_are_no_parts() {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write(0, 0, "Neighbourhood fund: summary").unwrap();
    // A money table…
    write_headers(sheet, 2, &["Theme", "Allocation", "Funding", "Balance"]);
    let money = [
        ("Community", 850_000.0, 870_647.0),
        ("Crime", 1_450_000.0, 1_448_900.0),
        ("Education", 1_350_000.0, 1_400_338.0),
        ("Health", 1_050_000.0, 1_050_591.0),
    ];
    for (i, (theme, allocation, funding)) in money.iter().enumerate() {
        let row = 3 + i as u32;
        sheet.write(row, 0, *theme).unwrap();
        sheet.write(row, 1, *allocation).unwrap();
        sheet.write(row, 2, *funding).unwrap();
        sheet.write(row, 3, allocation - funding).unwrap();
    }
    sheet.write(7, 0, "TOTAL").unwrap();
    sheet.write(7, 1, 4_700_000.0).unwrap();
    sheet.write(7, 2, 4_770_476.0).unwrap();
    sheet.write(7, 3, -70_476.0).unwrap();
    // …and under it, after a blank row, a count table with its own total and a check row.
    write_headers(sheet, 9, &["Projects", "Crime", "Community", "Education"]);
    let counts = [
        ("Approved", 24.0, 24.0, 29.0),
        ("Rejected", 2.0, 0.0, 1.0),
        ("Merged", 3.0, 0.0, 0.0),
        ("Withdrawn", 1.0, 2.0, 0.0),
    ];
    for (i, (status, a, b, c)) in counts.iter().enumerate() {
        let row = 10 + i as u32;
        sheet.write(row, 0, *status).unwrap();
        sheet.write(row, 1, *a).unwrap();
        sheet.write(row, 2, *b).unwrap();
        sheet.write(row, 3, *c).unwrap();
    }
    sheet.write(14, 0, "Totals").unwrap();
    for (col, total) in [(1u16, 30.0), (2, 26.0), (3, 30.0)] {
        sheet.write(14, col, total).unwrap();
    }
    sheet.write(16, 0, "check").unwrap();
    for (col, letter) in [(1u16, "B"), (2, "C"), (3, "D")] {
        let total = [30, 26, 30][usize::from(col) - 1];
        let formula = rust_xlsxwriter::Formula::new(format!("=SUM({letter}11:{letter}14)"))
            .set_result(total.to_string());
        sheet.write_formula(16, col, formula).unwrap();
    }
    let bytes = book.save_to_buffer().unwrap();

    let book = read_workbook(&bytes, "summary.xlsx").unwrap();
    let layout = Layout::find(&book.sheets[0]).expect("the table is found");
    let hierarchy = layout.hierarchy();
    let children_of = |row: u32| {
        hierarchy
            .iter()
            .find(|(parent, _)| *parent == row)
            .map(|(_, c)| c.clone())
    };
    assert_eq!(
        children_of(7),
        Some(vec![3, 4, 5, 6]),
        "the money total adds the money rows"
    );
    assert_eq!(
        children_of(14),
        Some(vec![10, 11, 12, 13]),
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
    let book = read_workbook(&bytes, "entries.xlsx").unwrap();
    let report = check(&book, &TemplateChoice::Auto);
    let alarms = alarms(&report);
    assert!(
        alarms.is_empty(),
        "1995 was not totalled, the others add up: {alarms:#?}"
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
    let book = read_workbook(&programmes(), "affectation.xlsx").unwrap();
    let report = check(&book, &TemplateChoice::Auto);
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
    let bytes = book.save_to_buffer().unwrap();
    let book = read_workbook(&bytes, "spending.xlsx").unwrap();
    let report = check(&book, &TemplateChoice::Auto);
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
    let book = read_workbook(&bytes, "sponsored.xlsx").unwrap();
    let report = check(&book, &TemplateChoice::Auto);
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
    let book = read_workbook(&bytes, "gnvq.xlsx").unwrap();
    let report = check(&book, &TemplateChoice::Auto);
    // Its rules inferred, its formula regions are read.
    assert_eq!(report.template.as_deref(), Some("inferred"));
    let short = with_code(&report, "CF108");
    assert!(
        short.is_empty(),
        "the check row does not leave out the total it checks: {short:#?}"
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
