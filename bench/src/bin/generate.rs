//! Writes the benchmark's workbooks: Biểu 06 forms (the layout of
//! `examples/tthc-06-q3-2022.xlsx`: three merged header rows, the `(1)…(14)` row, a
//! `TỔNG CỘNG` row, sections I/II/III with their unit rows, the signature block) at any
//! number of unit rows, in a values variant (every number typed) and a formula variant
//! (section and grand totals as SUM formulas, the rate as a ROUND formula, all with cached
//! values), each with a few injected errors; and a folder of form-sized workbooks for the
//! batch. Large sheets are written row by row (rust_xlsxwriter's low-memory mode: rows
//! streamed to a temporary file, strings shared as Excel writes them).
//!
//! Usage: `generate OUT_DIR [--rows 1000,50000,500000] [--batch 1000]`

use std::path::{Path, PathBuf};

use rust_xlsxwriter::{
    CalculationMode, Format, FormatAlign, FormatBorder, Formula, Workbook, Worksheet, XlsxError,
};

/// Columns C..M (zero-based 2..=12) hold counts; N (13) the on-time rate.
const COUNT_COLUMNS: std::ops::RangeInclusive<u16> = 2..=12;
const RATE_COLUMN: u16 = 13;
/// The first row after the header block (zero-based): the grand total.
const TOTAL_ROW: u32 = 8;
const SECTIONS: [(&str, &str); 3] = [("I", "Cấp tỉnh"), ("II", "Cấp huyện"), ("III", "Cấp xã")];

#[derive(Clone, Copy, PartialEq)]
enum Variant {
    Values,
    Formulas,
}

/// One unit row's counts, columns C..M in order.
type Counts = [i64; 11];

/// A deterministic hash of (seed, row): the same unit row every time, without storing it.
fn mix(seed: u64, row: u64) -> u64 {
    let mut z = seed
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(row.wrapping_mul(0xBF58_476D_1CE4_E5B9));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The counts of a consistent unit row: received = online + direct + carried, resolved =
/// early + ontime + late, pending = within + overdue, received = resolved + pending.
fn unit_counts(seed: u64, unit: u64) -> Counts {
    let h = mix(seed, unit);
    let part = |shift: u32, range: u64| ((h >> shift) % range) as i64;
    let online = 50 + part(0, 2_000);
    let direct = 100 + part(11, 6_000);
    let carried = part(22, 700);
    let received = online + direct + carried;
    let pending = received / 20 + part(33, 50);
    let resolved = received - pending;
    let late = resolved / 60 + part(40, 10);
    let early = resolved * 4 / 5 - part(45, 30);
    let ontime = resolved - early - late;
    let overdue = pending / 7;
    let within = pending - overdue;
    [
        received, online, direct, carried, resolved, early, ontime, late, pending, within, overdue,
    ]
}

/// The rate the form shows: ROUND((early + ontime) / resolved * 100, 1).
fn rate(counts: &Counts) -> f64 {
    let resolved = counts[4] as f64;
    if resolved == 0.0 {
        return 0.0;
    }
    (((counts[5] + counts[6]) as f64) / resolved * 1000.0).round() / 10.0
}

/// The errors injected into a form, by unit index (never a section or total row).
struct Injected {
    /// Two digits of `online` swapped: breaks received = online + direct + carried.
    swapped: u64,
    /// `received` typed 100 too high: breaks its row and (in the values variant) the column.
    total_slip: u64,
    /// Pending 7 lower on both its parts: received ≠ resolved + pending (a warning).
    balance_gap: u64,
    /// The rate left from an older version of the row (stale percentage / stale cache).
    stale_rate: u64,
}

impl Injected {
    fn for_units(units: u64) -> Option<Injected> {
        (units >= 8).then(|| Injected {
            swapped: units / 9,
            total_slip: units * 3 / 8,
            balance_gap: units * 5 / 8,
            stale_rate: units * 7 / 8,
        })
    }
}

/// A unit row as written: its counts with any injected error applied, and the rate shown.
fn written_unit(seed: u64, unit: u64, injected: Option<&Injected>) -> (Counts, f64) {
    let mut counts = unit_counts(seed, unit);
    let mut shown_rate = rate(&counts);
    if let Some(inj) = injected {
        if unit == inj.swapped {
            counts[1] = swap_two_digits(counts[1]);
        }
        if unit == inj.total_slip {
            counts[0] += 100;
        }
        if unit == inj.balance_gap {
            counts[8] -= 7;
            counts[9] -= 7;
        }
        if unit == inj.stale_rate {
            shown_rate = (shown_rate - 3.4).max(0.0);
        }
    }
    (counts, shown_rate)
}

/// 1234 → 1243: the last two digits swapped (or +9 when they are equal).
fn swap_two_digits(n: i64) -> i64 {
    let last = n % 10;
    let before = (n / 10) % 10;
    if last == before {
        n + 9
    } else {
        n - last - before * 10 + last * 10 + before
    }
}

/// The three sections' unit index ranges (zero-based units, end exclusive).
fn section_units(units: u64) -> [(u64, u64); 3] {
    let first = units / 3;
    let second = units / 3;
    [(0, first), (first, first + second), (first + second, units)]
}

struct Formats {
    title: Format,
    header: Format,
    number_row: Format,
    label: Format,
    bold_label: Format,
    count: Format,
    bold_count: Format,
    rate: Format,
    bold_rate: Format,
}

fn formats() -> Formats {
    let header = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_border(FormatBorder::Thin);
    Formats {
        title: Format::new().set_bold().set_align(FormatAlign::Center),
        number_row: Format::new()
            .set_italic()
            .set_align(FormatAlign::Center)
            .set_border(FormatBorder::Thin),
        header,
        label: Format::new().set_border(FormatBorder::Thin),
        bold_label: Format::new().set_bold().set_border(FormatBorder::Thin),
        count: Format::new().set_num_format("#,##0").set_border(FormatBorder::Thin),
        bold_count: Format::new()
            .set_bold()
            .set_num_format("#,##0")
            .set_border(FormatBorder::Thin),
        rate: Format::new().set_num_format("0.0").set_border(FormatBorder::Thin),
        bold_rate: Format::new()
            .set_bold()
            .set_num_format("0.0")
            .set_border(FormatBorder::Thin),
    }
}

/// Excel's column letters for C..N.
fn letter(col: u16) -> char {
    char::from(b'A' + col as u8)
}

/// Rows 1–8: form number, title, period, the three header rows, the column numbers.
fn write_header(sheet: &mut Worksheet, f: &Formats) -> Result<(), XlsxError> {
    sheet.write_string(0, 12, "Biểu số 06/VPCP/KSTT")?;
    sheet.merge_range(1, 0, 1, 13, "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH", &f.title)?;
    sheet.merge_range(
        2,
        0,
        2,
        13,
        "Kỳ báo cáo: Quý III năm 2022 (từ ngày 15/6/2022 đến ngày 14/9/2022)",
        &f.title,
    )?;
    // Row 5 (zero-based 4): the top of every merged header block.
    sheet.merge_range(4, 0, 6, 0, "STT", &f.header)?;
    sheet.merge_range(4, 1, 6, 1, "Lĩnh vực, đơn vị giải quyết", &f.header)?;
    sheet.merge_range(4, 2, 4, 5, "Số hồ sơ nhận giải quyết", &f.header)?;
    sheet.merge_range(4, 6, 4, 12, "Kết quả giải quyết", &f.header)?;
    sheet.merge_range(4, 13, 6, 13, "Tỷ lệ giải quyết đúng hạn (%)", &f.header)?;
    // Row 6.
    sheet.merge_range(5, 2, 6, 2, "Tổng số", &f.header)?;
    sheet.merge_range(5, 3, 5, 4, "Trong đó: số mới tiếp nhận", &f.header)?;
    sheet.merge_range(5, 5, 6, 5, "Từ kỳ trước", &f.header)?;
    sheet.merge_range(5, 6, 5, 9, "Số hồ sơ đã giải quyết", &f.header)?;
    sheet.merge_range(5, 10, 5, 12, "Số hồ sơ đang giải quyết", &f.header)?;
    // Row 7.
    for (col, text) in [
        (3, "Trực tuyến"),
        (4, "Trực tiếp, dịch vụ bưu chính"),
        (6, "Tổng số"),
        (7, "Trả trước hạn"),
        (8, "Trả đúng hạn"),
        (9, "Trả quá hạn"),
        (10, "Tổng số"),
        (11, "Chưa đến hạn"),
        (12, "Quá hạn"),
    ] {
        sheet.write_string_with_format(6, col, text, &f.header)?;
    }
    // Row 8: (1) … (14).
    for col in 0..=13u16 {
        sheet.write_string_with_format(7, col, format!("({})", col + 1), &f.number_row)?;
    }
    Ok(())
}

/// Writes one form with `units` unit rows to `path`.
fn write_form(path: &Path, units: u64, variant: Variant, seed: u64) -> Result<(), XlsxError> {
    let injected = Injected::for_units(units);
    let sections = section_units(units);

    // First pass: section sums of what the unit rows will hold (the cached values).
    let mut section_sums = [[0i64; 11]; 3];
    for (s, &(start, end)) in sections.iter().enumerate() {
        for unit in start..end {
            let (counts, _) = written_unit(seed, unit, injected.as_ref());
            for (sum, value) in section_sums[s].iter_mut().zip(counts) {
                *sum += value;
            }
        }
    }
    let mut grand = [0i64; 11];
    for sums in &section_sums {
        for (g, v) in grand.iter_mut().zip(sums) {
            *g += v;
        }
    }

    let f = formats();
    let mut workbook = Workbook::new();
    // Saved as a spreadsheet program saves a file in manual calculation: the saved values
    // are results (the stale rate among them), not placeholders for Excel to recompute,
    // which rust_xlsxwriter's default `fullCalcOnLoad` would declare them.
    workbook.set_calculation_mode(CalculationMode::Manual);
    let big = units > 5_000;
    let sheet = if big {
        workbook.add_worksheet_with_low_memory()?
    } else {
        workbook.add_worksheet()
    };
    sheet.set_name("06")?;
    sheet.set_column_width(1, 40)?;
    write_header(sheet, &f)?;

    // Row numbers (zero-based) of each section row and its units.
    let mut section_rows = [0u32; 3];
    let mut row = TOTAL_ROW + 1;
    for (s, &(start, end)) in sections.iter().enumerate() {
        section_rows[s] = row;
        row += 1 + (end - start) as u32;
    }

    // The grand total.
    sheet.write_string_with_format(TOTAL_ROW, 1, "TỔNG CỘNG", &f.bold_label)?;
    for (i, col) in COUNT_COLUMNS.enumerate() {
        let value = grand[i];
        match variant {
            Variant::Values => {
                sheet.write_number_with_format(TOTAL_ROW, col, value as f64, &f.bold_count)?;
            }
            Variant::Formulas => {
                let c = letter(col);
                let text = format!(
                    "={c}{}+{c}{}+{c}{}",
                    section_rows[0] + 1,
                    section_rows[1] + 1,
                    section_rows[2] + 1
                );
                sheet.write_formula_with_format(
                    TOTAL_ROW,
                    col,
                    Formula::new(text).set_result(value.to_string()),
                    &f.bold_count,
                )?;
            }
        }
    }
    write_rate(sheet, TOTAL_ROW, rate(&grand), variant, &f.bold_rate)?;

    for (s, &(start, end)) in sections.iter().enumerate() {
        let at = section_rows[s];
        let (roman, name) = SECTIONS[s];
        sheet.write_string_with_format(at, 0, roman, &f.bold_label)?;
        sheet.write_string_with_format(at, 1, name, &f.bold_label)?;
        for (i, col) in COUNT_COLUMNS.enumerate() {
            let value = section_sums[s][i];
            match variant {
                Variant::Values => {
                    sheet.write_number_with_format(at, col, value as f64, &f.bold_count)?;
                }
                Variant::Formulas => {
                    let c = letter(col);
                    let text = if end > start {
                        format!("=SUM({c}{}:{c}{})", at + 2, at + 1 + (end - start) as u32)
                    } else {
                        "=0".to_string()
                    };
                    sheet.write_formula_with_format(
                        at,
                        col,
                        Formula::new(text).set_result(value.to_string()),
                        &f.bold_count,
                    )?;
                }
            }
        }
        write_rate(sheet, at, rate(&section_sums[s]), variant, &f.bold_rate)?;
        for unit in start..end {
            let r = at + 1 + (unit - start) as u32;
            let (counts, shown_rate) = written_unit(seed, unit, injected.as_ref());
            sheet.write_string_with_format(r, 0, (unit - start + 1).to_string(), &f.label)?;
            sheet.write_string_with_format(r, 1, unit_name(s, unit - start), &f.label)?;
            for (col, value) in COUNT_COLUMNS.zip(counts) {
                sheet.write_number_with_format(r, col, value as f64, &f.count)?;
            }
            write_rate(sheet, r, shown_rate, variant, &f.rate)?;
        }
    }

    // The signature block under the table.
    let sign = row + 1;
    sheet.write_string(sign, 1, "Người lập biểu")?;
    sheet.write_string(sign, 10, "Đồng Tháp, ngày 15 tháng 9 năm 2022")?;
    workbook.save(path)
}

/// The rate cell: a ROUND formula with its cached value, or the typed value.
fn write_rate(
    sheet: &mut Worksheet,
    row: u32,
    value: f64,
    variant: Variant,
    format: &Format,
) -> Result<(), XlsxError> {
    match variant {
        Variant::Values => {
            sheet.write_number_with_format(row, RATE_COLUMN, value, format)?;
        }
        Variant::Formulas => {
            let r = row + 1;
            let text = format!("=IF(G{r}=0,\"\",ROUND((H{r}+I{r})/G{r}*100,1))");
            sheet.write_formula_with_format(
                row,
                RATE_COLUMN,
                Formula::new(text).set_result(value.to_string()),
                format,
            )?;
        }
    }
    Ok(())
}

/// Unit names in the style of each section.
fn unit_name(section: usize, index: u64) -> String {
    const PROVINCE: [&str; 8] = [
        "Sở Nội vụ",
        "Sở Tư pháp",
        "Sở Kế hoạch và Đầu tư",
        "Sở Tài chính",
        "Sở Công Thương",
        "Sở Y tế",
        "Sở Xây dựng",
        "Sở Giáo dục và Đào tạo",
    ];
    match section {
        0 => format!("{} (bộ phận {})", PROVINCE[(index % 8) as usize], index / 8 + 1),
        1 => format!("Huyện số {}", index + 1),
        _ => format!("Các xã thuộc huyện số {}", index + 1),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = PathBuf::from(args.next().ok_or("usage: generate OUT_DIR [--rows N,N] [--batch N]")?);
    let mut rows: Vec<u64> = vec![1_000, 50_000, 500_000];
    let mut batch = 1_000u64;
    while let Some(flag) = args.next() {
        let value = args.next().ok_or("a flag needs a value")?;
        match flag.as_str() {
            "--rows" => {
                rows = value
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::parse)
                    .collect::<Result<_, _>>()?;
            }
            "--batch" => batch = value.parse()?,
            other => return Err(format!("unknown flag {other}").into()),
        }
    }
    std::fs::create_dir_all(&out)?;
    for &n in &rows {
        for (variant, name) in [(Variant::Formulas, "formulas"), (Variant::Values, "values")] {
            let path = out.join(format!("form-{}-{name}.xlsx", label(n)));
            if !path.exists() {
                write_form(&path, n, variant, 6)?;
                println!("wrote {}", path.display());
            }
        }
    }
    if batch > 0 {
        let dir = out.join(format!("batch-{batch}"));
        std::fs::create_dir_all(&dir)?;
        for i in 0..batch {
            let path = dir.join(format!("form-{i:04}.xlsx"));
            if !path.exists() {
                let variant = if i % 2 == 0 { Variant::Formulas } else { Variant::Values };
                // Form-sized: 30 to 60 units, like the samples (43 rows).
                write_form(&path, 30 + mix(i, 1) % 31, variant, 1_000 + i)?;
            }
        }
        println!("wrote {batch} workbooks in {}", dir.display());
    }
    Ok(())
}

/// `1000` → `1k`, `50000` → `50k`.
fn label(n: u64) -> String {
    if n.is_multiple_of(1_000) {
        format!("{}k", n / 1_000)
    } else {
        n.to_string()
    }
}
