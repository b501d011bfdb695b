//! Localization at scale: a Biểu 06 sheet of 100,000 unit rows with one slipped detail
//! cell, checked beside the reading of the same bytes. Prints medians and the ratio of the
//! localization's cost (the check of the sheet with the slip less the check of the clean
//! sheet) to the reading's.
//!
//! `cargo bench --bench localize_100k` runs it at 100,000 rows; under `cargo test` it runs
//! once at 2,000 rows so it keeps building and working. `ROWS=n` sets another size,
//! `RUNS=n` the number of runs. For repeatable instruction counts of the two parts alone:
//! `valgrind --tool=callgrind --toggle-collect='*Localizer*explain*'` (or `'*read_workbook*'`).

use std::time::{Duration, Instant};

use crossfoot::{check, read_workbook, Severity, TemplateChoice};
use rust_xlsxwriter::{Format, Workbook};

const HEADER: [&str; 14] = [
    "STT",
    "Lĩnh vực, đơn vị giải quyết",
    "Tổng số",
    "Trực tuyến",
    "Trực tiếp, dịch vụ bưu chính",
    "Từ kỳ trước",
    "Tổng số",
    "Trả trước hạn",
    "Trả đúng hạn",
    "Trả quá hạn",
    "Tổng số",
    "Chưa đến hạn",
    "Quá hạn",
    "Tỷ lệ giải quyết đúng hạn (%)",
];

/// The counts of unit `i`: received, online, direct, carried, resolved, early, on time,
/// late, pending, within, overdue — consistent, and different from row to row.
fn unit(i: u64) -> [u64; 11] {
    let early = 40 + i * 7 % 900;
    let ontime = 100 + i * 13 % 2_000;
    let late = i * 3 % 50;
    let within = 10 + i * 11 % 300;
    let overdue = i % 7;
    let resolved = early + ontime + late;
    let pending = within + overdue;
    let received = resolved + pending;
    let online = received * (20 + i % 40) / 100;
    let carried = (received - online) * (i % 20) / 100;
    [
        received,
        online,
        received - online - carried,
        carried,
        resolved,
        early,
        ontime,
        late,
        pending,
        within,
        overdue,
    ]
}

fn rate(counts: &[u64; 11]) -> f64 {
    let raw = (counts[5] + counts[6]) as f64 * 100.0 / counts[4] as f64;
    (raw * 10.0).round() / 10.0
}

/// The form with `units` unit rows in three sections, totals typed; `slip` adds 90 to the
/// online count of the unit in the middle.
fn form(units: u64, slip: bool) -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("06").expect("valid name");
    let header = Format::new().set_bold();
    sheet
        .write_string(0, 0, "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH")
        .expect("write");
    let groups: [(&str, u16, u16); 3] = [
        ("Số hồ sơ nhận giải quyết", 2, 5),
        ("Kết quả giải quyết", 6, 12),
        ("Tỷ lệ giải quyết đúng hạn (%)", 13, 13),
    ];
    for (label, first, last) in groups {
        if first == last {
            sheet
                .write_string_with_format(2, first, label, &header)
                .expect("write");
        } else {
            sheet
                .merge_range(2, first, 2, last, label, &header)
                .expect("merge");
        }
    }
    sheet
        .merge_range(3, 6, 3, 9, "Số hồ sơ đã giải quyết", &header)
        .expect("merge");
    sheet
        .merge_range(3, 10, 3, 12, "Số hồ sơ đang giải quyết", &header)
        .expect("merge");
    sheet
        .merge_range(3, 3, 3, 4, "Trong đó: số mới tiếp nhận", &header)
        .expect("merge");
    for (col, label) in HEADER.iter().enumerate() {
        sheet
            .write_string_with_format(4, col as u16, *label, &header)
            .expect("write");
        sheet
            .write_string(5, col as u16, format!("({})", col + 1))
            .expect("write");
    }
    let per_section = units / 3;
    let sections: Vec<Vec<u64>> = (0..3)
        .map(|s| (s * per_section..if s == 2 { units } else { (s + 1) * per_section }).collect())
        .collect();
    let sum = |ids: &[u64]| {
        let mut total = [0u64; 11];
        for &i in ids {
            for (t, c) in total.iter_mut().zip(unit(i)) {
                *t += c;
            }
        }
        total
    };
    let write_row = |sheet: &mut rust_xlsxwriter::Worksheet,
                     row: u32,
                     stt: &str,
                     label: &str,
                     counts: &[u64; 11]| {
        sheet.write_string(row, 0, stt).expect("write");
        sheet.write_string(row, 1, label).expect("write");
        for (k, count) in counts.iter().enumerate() {
            sheet
                .write_number(row, 2 + k as u16, *count as f64)
                .expect("write");
        }
        sheet.write_number(row, 13, rate(counts)).expect("write");
    };
    let all: Vec<u64> = (0..units).collect();
    write_row(sheet, 6, "", "TỔNG CỘNG", &sum(&all));
    let mut row = 7u32;
    let slipped = units / 2;
    for (s, ids) in sections.iter().enumerate() {
        let roman = ["I", "II", "III"][s];
        write_row(sheet, row, roman, &format!("Cấp {roman}"), &sum(ids));
        row += 1;
        for (k, &i) in ids.iter().enumerate() {
            let mut counts = unit(i);
            if slip && i == slipped {
                counts[1] += 90;
            }
            write_row(
                sheet,
                row,
                &(k + 1).to_string(),
                &format!("Đơn vị số {}", i + 1),
                &counts,
            );
            row += 1;
        }
    }
    book.save_to_buffer().expect("saves")
}

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

fn time<T>(runs: usize, mut work: impl FnMut() -> T) -> (Duration, T) {
    let mut last = None;
    let times = (0..runs)
        .map(|_| {
            let start = Instant::now();
            last = Some(work());
            start.elapsed()
        })
        .collect();
    (median(times), last.expect("at least one run"))
}

fn main() {
    let benching = std::env::args().any(|a| a == "--bench");
    let setting = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
    let (units, runs) = if benching {
        (
            setting("ROWS").unwrap_or(100_000),
            setting("RUNS").map_or(3, |n| n as usize),
        )
    } else {
        (2_000, 1)
    };
    let clean = form(units, false);
    let slipped = form(units, true);
    let (read, book) = time(runs, || read_workbook(&slipped, "06.xlsx").expect("reads"));
    let clean_book = read_workbook(&clean, "06.xlsx").expect("reads");
    let (check_clean, clean_report) = time(runs, || check(&clean_book, &TemplateChoice::Auto));
    let (check_slipped, report) = time(runs, || check(&book, &TemplateChoice::Auto));
    let errors: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .collect();
    // The slip is found at its cell, with the original as a safe fix, and nothing else.
    assert!(clean_report
        .findings
        .iter()
        .all(|f| f.severity != Severity::Error));
    let found: Vec<String> = errors
        .iter()
        .map(|f| format!("{} {}", f.code, f.cell))
        .collect();
    assert_eq!(errors.len(), 1, "{found:?}");
    // Zero-based: the total at 6, section I at 7 and its units, section II's row, then
    // the slipped unit (the middle one, in section II).
    let per_section = units / 3;
    let expected_row = 8 + per_section + 1 + (units / 2 - per_section);
    let fix = errors[0].fix.as_ref().expect("a fix");
    assert_eq!(
        (errors[0].cell.to_string(), fix.edits[0].value.to_string()),
        (
            format!("D{}", expected_row + 1),
            unit(units / 2)[1].to_string()
        ),
    );
    let localization = check_slipped.saturating_sub(check_clean);
    println!(
        "{units} unit rows, medians of {runs}: read {read:.2?}, check clean {check_clean:.2?}, \
         check with one slip {check_slipped:.2?}; localization {localization:.2?} = {:.2} × the read",
        localization.as_secs_f64() / read.as_secs_f64()
    );
}
