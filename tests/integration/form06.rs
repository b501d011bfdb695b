//! A generator of Biểu 06 workbooks with rust_xlsxwriter, from the sample's own figures:
//! columns in any order, headers at any row, totals at the top or the bottom, typed values
//! or live formulas, and any change to the figures before writing.

use crossfoot::{CellRef, Reading};
use rust_decimal::prelude::*;
use rust_xlsxwriter::{Format, FormatAlign, Formula, Workbook};

use crate::common::read_fixture;

/// The figures of one body row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub stt: String,
    pub label: String,
    pub kind: Kind,
    /// received, online, direct, carried, resolved, early, ontime, late, pending, within, overdue
    pub counts: [i64; 11],
    /// On-time rate as typed (None: computed by the generator, rounded to 1 decimal).
    pub rate: Option<Decimal>,
    /// Counts typed as Vietnamese text (`"1.234"`) instead of numbers, by index.
    pub as_text: Vec<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Total,
    Section,
    Unit,
}

/// Column meanings in the generator's canonical order.
pub const RECEIVED: usize = 0;
pub const ONLINE: usize = 1;
pub const CARRIED: usize = 3;
pub const RESOLVED: usize = 4;
pub const EARLY: usize = 5;
pub const ONTIME: usize = 6;
pub const PENDING: usize = 8;
pub const RATE: usize = 11;

/// The sample's rows, read from `tests/fixtures/tthc-06-q3-2022.xlsx`.
pub fn sample_rows() -> Vec<Row> {
    let book = read_fixture("tthc-06-q3-2022.xlsx");
    let sheet = &book.sheets[0];
    let mut rows = Vec::new();
    for row in 8..52u32 {
        let label = sheet.label(CellRef::new(row, 1));
        if label.is_empty() {
            continue;
        }
        let stt = sheet.label(CellRef::new(row, 0));
        let kind = if label == "TỔNG CỘNG" {
            Kind::Total
        } else if ["I", "II", "III"].contains(&stt.as_str()) {
            Kind::Section
        } else {
            Kind::Unit
        };
        let mut counts = [0i64; 11];
        for (i, count) in counts.iter_mut().enumerate() {
            if let Some(Reading::Number(q)) = sheet
                .cell(CellRef::new(row, 2 + i as u32))
                .map(|c| &c.reading)
            {
                *count = q.value.to_i64().unwrap();
            }
        }
        rows.push(Row {
            stt,
            label,
            kind,
            counts,
            rate: None,
            as_text: Vec::new(),
        });
    }
    rows
}

/// How to lay the form out.
#[derive(Debug, Clone)]
pub struct Options {
    /// Rows above the header block (the sample has 4: form number, two titles, a blank).
    pub header_row: u32,
    /// For each canonical column 0..12 (11 counts, then the rate), its sheet column (2..14).
    pub columns: [u16; 12],
    /// Put the grand total under the units instead of above.
    pub totals_at_bottom: bool,
    /// Sections and the grand total as live formulas with cached values; the rate too.
    pub formulas: bool,
    /// The label of the carried-over column.
    pub carried_label: &'static str,
    /// The period line above the header.
    pub period: &'static str,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            header_row: 4,
            columns: [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13],
            totals_at_bottom: false,
            formulas: false,
            carried_label: "Từ kỳ trước",
            period: "Kỳ báo cáo: Quý III năm 2022 (từ ngày 15/6/2022 đến ngày 14/9/2022)",
        }
    }
}

/// The rate the form shows for a row: (early + on time) / resolved × 100, rounded to 1.
pub fn computed_rate(row: &Row) -> Option<Decimal> {
    let resolved = row.counts[RESOLVED];
    (resolved > 0).then(|| {
        (Decimal::from(row.counts[EARLY] + row.counts[ONTIME]) * Decimal::from(100)
            / Decimal::from(resolved))
        .round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero)
    })
}

fn vietnamese(n: i64) -> String {
    let digits = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

fn letter(col: u16) -> String {
    crossfoot::column_letters(u32::from(col))
}

/// Writes the form and returns the xlsx bytes, plus where each body row went (index in
/// `rows` → zero-based sheet row).
pub fn write(rows: &[Row], options: &Options) -> (Vec<u8>, Vec<u32>) {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("06").unwrap();
    let header = Format::new()
        .set_bold()
        .set_align(FormatAlign::Center)
        .set_text_wrap();
    let count_format = Format::new().set_num_format("#,##0");
    let rate_format = Format::new().set_num_format("0.0");

    let h = options.header_row;
    if h >= 3 {
        sheet
            .write_string(h - 3, 12, "Biểu số 06/VPCP/KSTT")
            .unwrap();
        sheet
            .write_string(h - 2, 0, "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH")
            .unwrap();
        sheet.write_string(h - 1, 0, options.period).unwrap();
    }
    let carried = options.carried_label;
    let chains: [[&str; 3]; 12] = [
        ["Số hồ sơ nhận giải quyết", "Tổng số", "Tổng số"],
        [
            "Số hồ sơ nhận giải quyết",
            "Trong đó: số mới tiếp nhận",
            "Trực tuyến",
        ],
        [
            "Số hồ sơ nhận giải quyết",
            "Trong đó: số mới tiếp nhận",
            "Trực tiếp, dịch vụ bưu chính",
        ],
        ["Số hồ sơ nhận giải quyết", carried, carried],
        ["Kết quả giải quyết", "Số hồ sơ đã giải quyết", "Tổng số"],
        [
            "Kết quả giải quyết",
            "Số hồ sơ đã giải quyết",
            "Trả trước hạn",
        ],
        [
            "Kết quả giải quyết",
            "Số hồ sơ đã giải quyết",
            "Trả đúng hạn",
        ],
        [
            "Kết quả giải quyết",
            "Số hồ sơ đã giải quyết",
            "Trả quá hạn",
        ],
        ["Kết quả giải quyết", "Số hồ sơ đang giải quyết", "Tổng số"],
        [
            "Kết quả giải quyết",
            "Số hồ sơ đang giải quyết",
            "Chưa đến hạn",
        ],
        ["Kết quả giải quyết", "Số hồ sơ đang giải quyết", "Quá hạn"],
        [
            "Tỷ lệ giải quyết đúng hạn (%)",
            "Tỷ lệ giải quyết đúng hạn (%)",
            "Tỷ lệ giải quyết đúng hạn (%)",
        ],
    ];
    // Header cells by sheet column, then merged where a label repeats.
    let mut by_col: Vec<(u16, [&str; 3])> =
        (0..12).map(|i| (options.columns[i], chains[i])).collect();
    by_col.sort_by_key(|(col, _)| *col);
    sheet.merge_range(h, 0, h + 2, 0, "STT", &header).unwrap();
    sheet
        .merge_range(h, 1, h + 2, 1, "Lĩnh vực, đơn vị giải quyết", &header)
        .unwrap();
    let mut written = std::collections::HashSet::new();
    for (i, (col, chain)) in by_col.iter().enumerate() {
        for level in 0..3usize {
            if written.contains(&(level, *col)) {
                continue;
            }
            // Extend right while the same label and the same parents continue.
            let mut last_col = *col;
            for (next_col, next_chain) in by_col.iter().skip(i + 1) {
                if *next_col == last_col + 1 && next_chain[..=level] == chain[..=level] {
                    last_col = *next_col;
                } else {
                    break;
                }
            }
            let mut last_level = level;
            while last_level + 1 < 3 && chain[last_level + 1] == chain[level] && last_col == *col {
                last_level += 1;
            }
            for l in level..=last_level {
                for c in *col..=last_col {
                    written.insert((l, c));
                }
            }
            let (r0, r1) = (h + level as u32, h + last_level as u32);
            if r0 == r1 && *col == last_col {
                sheet
                    .write_string_with_format(r0, *col, chain[level], &header)
                    .unwrap();
            } else {
                sheet
                    .merge_range(r0, *col, r1, last_col, chain[level], &header)
                    .unwrap();
            }
        }
    }
    for col in 0..14u16 {
        sheet
            .write_string(h + 3, col, format!("({})", col + 1))
            .unwrap();
    }

    // Body order: the grand total first or last.
    let mut order: Vec<usize> = (0..rows.len()).collect();
    if options.totals_at_bottom {
        order.sort_by_key(|&i| rows[i].kind == Kind::Total);
    }
    let first = h + 4;
    let mut placed = vec![0u32; rows.len()];
    for (offset, &i) in order.iter().enumerate() {
        placed[i] = first + offset as u32;
    }
    // Which rows each parent sums (sections over their units, the total over sections).
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); rows.len()];
    let mut section = None;
    let sections: Vec<usize> = (0..rows.len())
        .filter(|&i| rows[i].kind == Kind::Section)
        .collect();
    for (i, row) in rows.iter().enumerate() {
        match row.kind {
            Kind::Section => section = Some(i),
            Kind::Unit => {
                if let Some(s) = section {
                    children[s].push(i);
                }
            }
            Kind::Total => {}
        }
    }
    for (i, row) in rows.iter().enumerate() {
        if row.kind == Kind::Total {
            children[i] = sections.clone();
        }
    }

    for (i, row) in rows.iter().enumerate() {
        let r = placed[i];
        sheet.write_string(r, 0, &row.stt).unwrap();
        sheet.write_string(r, 1, &row.label).unwrap();
        for (k, count) in row.counts.iter().enumerate() {
            let col = options.columns[k];
            if row.as_text.contains(&k) {
                sheet.write_string(r, col, vietnamese(*count)).unwrap();
            } else if options.formulas && row.kind != Kind::Unit {
                let refs: Vec<String> = children[i]
                    .iter()
                    .map(|&c| format!("{}{}", letter(col), placed[c] + 1))
                    .collect();
                let formula = if row.kind == Kind::Section {
                    let rows_of: Vec<u32> = children[i].iter().map(|&c| placed[c] + 1).collect();
                    format!(
                        "=SUM({l}{}:{l}{})",
                        rows_of.iter().min().unwrap(),
                        rows_of.iter().max().unwrap(),
                        l = letter(col)
                    )
                } else {
                    format!("={}", refs.join("+"))
                };
                sheet
                    .write_formula_with_format(
                        r,
                        col,
                        Formula::new(formula).set_result(count.to_string()),
                        &count_format,
                    )
                    .unwrap();
            } else {
                sheet
                    .write_number_with_format(r, col, *count as f64, &count_format)
                    .unwrap();
            }
        }
        let rate = row.rate.or_else(|| computed_rate(row));
        let rate_col = options.columns[RATE];
        if let Some(rate) = rate {
            if options.formulas && row.rate.is_none() {
                let g = format!("{}{}", letter(options.columns[RESOLVED]), r + 1);
                let e = format!("{}{}", letter(options.columns[EARLY]), r + 1);
                let o = format!("{}{}", letter(options.columns[ONTIME]), r + 1);
                sheet
                    .write_formula_with_format(
                        r,
                        rate_col,
                        Formula::new(format!("=IF({g}=0,\"\",ROUND(({e}+{o})/{g}*100,1))"))
                            .set_result(rate.to_string()),
                        &rate_format,
                    )
                    .unwrap();
            } else {
                sheet
                    .write_number_with_format(r, rate_col, rate.to_f64().unwrap(), &rate_format)
                    .unwrap();
            }
        }
    }
    let last = order.len() as u32 + first;
    sheet.write_string(last + 1, 1, "Người lập biểu").unwrap();
    sheet
        .write_string(last + 1, 10, "Đồng Tháp, ngày 15 tháng 9 năm 2022")
        .unwrap();
    (workbook.save_to_buffer().unwrap(), placed)
}
