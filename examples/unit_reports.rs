//! Writes the worked example of working across files (README, "Across files"): six units'
//! Biểu 06 for Q3 2022 (`examples/don-vi/`), one of them for Q2 too
//! (`examples/so-y-te-quy-2.xlsx`, one field's pending figure not what Q3 carries over),
//! and the province's report typed from the units (`examples/tong-hop-quy-3.xlsx`, one
//! unit's early and on-time figures copied into each other's columns). Every figure is
//! consistent within its own file, but for one more Q3 report of the first unit
//! (`examples/so-y-te-nhap-nham.xlsx`, "typed wrongly"): its received totals typed rather
//! than computed, and then the same carried-over slip typed, so that the file alone cannot
//! tell which cell is wrong and the Q2 report decides.
//!
//! `cargo run --example unit_reports [OUT_DIR]`
use std::collections::BTreeMap;
use std::path::Path;

use crossfoot::{form_workbook, FilledUnit, FormOptions, FormSection, Template};
use rust_decimal::Decimal;

const Q3: &str = "Quý III năm 2022 (từ ngày 15/6/2022 đến ngày 14/9/2022)";
const Q2: &str = "Quý II năm 2022 (từ ngày 15/3/2022 đến ngày 14/6/2022)";

/// The units: name, file name, their fields (lĩnh vực).
const UNITS: &[(&str, &str, &[&str])] = &[
    (
        "Sở Y tế",
        "so-y-te",
        &["Khám bệnh, chữa bệnh", "Dược phẩm", "Y tế dự phòng"],
    ),
    (
        "Sở Tư pháp",
        "so-tu-phap",
        &["Hộ tịch", "Lý lịch tư pháp", "Công chứng", "Luật sư"],
    ),
    (
        "Sở Xây dựng",
        "so-xay-dung",
        &["Cấp phép xây dựng", "Nhà ở"],
    ),
    (
        "Huyện Tân Hồng",
        "huyen-tan-hong",
        &["Đất đai", "Hộ tịch", "Kinh doanh"],
    ),
    (
        "Huyện Lấp Vò",
        "huyen-lap-vo",
        &["Đất đai", "Hộ tịch", "Xây dựng", "Kinh doanh"],
    ),
    (
        "Các xã thuộc huyện Tân Hồng",
        "xa-tan-hong",
        &["Chứng thực", "Hộ tịch"],
    ),
];

/// A field's figures, consistent: received = online + direct + carried, resolved = early
/// + on time + late, pending = within + overdue, received = resolved + pending.
fn field(seed: u64, carried: u64) -> BTreeMap<String, Decimal> {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut next = |range: u64| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) % range
    };
    let online = 20 + next(400);
    let direct = 10 + next(300);
    let received = online + direct + carried;
    let within = next(received / 8 + 1);
    let overdue = next(received / 40 + 1);
    let resolved = received - within - overdue;
    let late = next(resolved / 30 + 1);
    let early = next((resolved - late) / 2 + 1);
    let ontime = resolved - late - early;
    [
        ("online", online),
        ("direct", direct),
        ("carried", carried),
        ("received", received),
        ("early", early),
        ("ontime", ontime),
        ("late", late),
        ("resolved", resolved),
        ("within", within),
        ("overdue", overdue),
        ("pending", within + overdue),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_string(), Decimal::from(value)))
    .collect()
}

/// A unit's own report: its fields as unit rows under TỔNG CỘNG, its name on a line of
/// its own under the title.
fn unit_report(
    template: &Template,
    unit: &str,
    period: &str,
    fields: &[&str],
    figures: &[BTreeMap<String, Decimal>],
) -> Vec<u8> {
    let mut own = template.clone();
    if let Some(form) = own.spec.form.as_mut() {
        form.title.push(format!("Đơn vị báo cáo: {unit}"));
    }
    let filled = figures
        .iter()
        .enumerate()
        .map(|(i, f)| {
            (
                (0, i),
                FilledUnit {
                    figures: f.clone(),
                    note: None,
                },
            )
        })
        .collect();
    let options = FormOptions {
        period: Some(period.to_string()),
        sections: Some(vec![FormSection {
            number: String::new(),
            label: String::new(),
            units: fields.iter().map(|f| f.to_string()).collect(),
        }]),
        filled,
        appendix: None,
    };
    form_workbook(&own, &options).expect("a unit's report")
}

fn main() {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "examples".to_string());
    let out = Path::new(&out);
    std::fs::create_dir_all(out.join("don-vi")).expect("the output folder");
    let template = Template::builtin("tthc-06").expect("built-in");
    let mut totals: Vec<(&str, BTreeMap<String, Decimal>)> = Vec::new();
    for (u, (name, file, fields)) in UNITS.iter().enumerate() {
        let q2: Vec<_> = (0..fields.len())
            .map(|f| field((u * 31 + f * 7) as u64, 5 + f as u64))
            .collect();
        // This quarter carries over what Q2 left pending; one field of the first unit
        // carries over a figure of its own (the slip `check --previous` finds).
        let q3: Vec<_> = q2
            .iter()
            .enumerate()
            .map(|(f, last)| {
                let pending = last["pending"].to_string().parse::<u64>().unwrap_or(0);
                let carried = if u == 0 && f == 1 {
                    pending + 9
                } else {
                    pending
                };
                field((u * 53 + f * 11 + 1000) as u64, carried)
            })
            .collect();
        let bytes = unit_report(&template, name, Q3, fields, &q3);
        std::fs::write(out.join("don-vi").join(format!("{file}.xlsx")), bytes).expect("write");
        if u == 0 {
            let bytes = unit_report(&template, name, Q2, fields, &q2);
            std::fs::write(out.join(format!("{file}-quy-2.xlsx")), bytes).expect("write");
            // Received typed (the form written without the rule that computes it), right
            // by Q2's pending figure; the carried-over figure then typed 8 more.
            let mut typed = template.clone();
            typed
                .spec
                .rules
                .retain(|rule| rule.id.as_deref() != Some("received"));
            let slipped: Vec<_> = q2
                .iter()
                .enumerate()
                .map(|(f, last)| {
                    let pending = last["pending"].to_string().parse::<u64>().unwrap_or(0);
                    let mut figures = field((u * 53 + f * 11 + 1000) as u64, pending);
                    if f == 1 {
                        figures.insert("carried".into(), Decimal::from(pending + 8));
                    }
                    figures
                })
                .collect();
            let bytes = unit_report(&typed, name, Q3, fields, &slipped);
            std::fs::write(out.join(format!("{file}-nhap-nham.xlsx")), bytes).expect("write");
        }
        let mut total: BTreeMap<String, Decimal> = BTreeMap::new();
        for figures in &q3 {
            for (column, value) in figures {
                *total.entry(column.clone()).or_default() += *value;
            }
        }
        totals.push((name, total));
    }
    // The province's report, typed from the units' reports: Huyện Lấp Vò's early and
    // on-time figures copied into each other's columns (the report still adds up).
    let sections = vec![
        FormSection {
            number: "I".into(),
            label: "Cấp tỉnh".into(),
            units: totals[..3].iter().map(|(n, _)| n.to_string()).collect(),
        },
        FormSection {
            number: "II".into(),
            label: "Cấp huyện".into(),
            units: totals[3..5].iter().map(|(n, _)| n.to_string()).collect(),
        },
        FormSection {
            number: "III".into(),
            label: "Cấp xã".into(),
            units: totals[5..].iter().map(|(n, _)| n.to_string()).collect(),
        },
    ];
    let mut filled = BTreeMap::new();
    for (i, (name, total)) in totals.iter().enumerate() {
        let place = match i {
            0..=2 => (0, i),
            3 | 4 => (1, i - 3),
            _ => (2, i - 5),
        };
        let mut figures = total.clone();
        if *name == "Huyện Lấp Vò" {
            let (early, ontime) = (figures["early"], figures["ontime"]);
            figures.insert("early".into(), ontime);
            figures.insert("ontime".into(), early);
        }
        filled.insert(
            place,
            FilledUnit {
                figures,
                note: None,
            },
        );
    }
    let options = FormOptions {
        period: Some(Q3.to_string()),
        sections: Some(sections),
        filled,
        appendix: None,
    };
    let bytes = form_workbook(&template, &options).expect("the province's report");
    std::fs::write(out.join("tong-hop-quy-3.xlsx"), bytes).expect("write");
    println!(
        "wrote the units' reports, the Q2 reports right and slipped and the province's report under {}",
        out.display()
    );
}
