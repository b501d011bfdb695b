//! The results sheet added last to the annotated workbook: one row per finding with an
//! internal hyperlink to its cell, an autofilter, a frozen header, and a summary block below.
//! Every string is an inline string (`sharedStrings.xml` stays untouched, and text that
//! starts with `=`, `+`, `-` or `@` stays text).

use super::styles::Styles;
use super::xml::esc;
use super::Mark;
use crate::finding::{Finding, Lang, Severity, Summary};
use crate::model::{column_letters, CellRef};
use crate::output::{OutputError, OutputOptions};

/// The results sheet's name in `lang`, with ` (2)`, ` (3)`, … when a sheet has it already.
pub(super) fn results_name(existing: &[String], lang: Lang) -> String {
    let base = match lang {
        Lang::Vi => "Kết quả kiểm tra",
        Lang::En => "Check results",
    };
    let taken = |name: &str| {
        existing
            .iter()
            .any(|s| s.to_lowercase() == name.to_lowercase())
    };
    if !taken(base) {
        return base.to_string();
    }
    (2u32..)
        .map(|n| format!("{base} ({n})"))
        .find(|name| !taken(name))
        .unwrap_or_else(|| base.to_string())
}

/// A sheet name quoted for a reference (`'06'!`), quotes doubled.
pub(super) fn quoted(sheet: &str) -> String {
    format!("'{}'", sheet.replace('\'', "''"))
}

pub(super) fn severity_label(severity: Severity, lang: Lang) -> &'static str {
    match (severity, lang) {
        (Severity::Error, Lang::Vi) => "Lỗi",
        (Severity::Warning, Lang::Vi) => "Cảnh báo",
        (Severity::Info, Lang::Vi) => "Thông tin",
        (Severity::Error, Lang::En) => "Error",
        (Severity::Warning, Lang::En) => "Warning",
        (Severity::Info, Lang::En) => "Info",
    }
}

/// Edits of one fix a suggestion names before counting the rest.
const EDITS_SHOWN: usize = 5;

/// The suggested value of a finding's fix as one line (`1.234`, or `C15 = 1.234` when the
/// fix changes another cell), with its reason.
pub(super) fn suggestion(finding: &Finding, lang: Lang) -> String {
    let Some(fix) = &finding.fix else {
        return String::new();
    };
    let mut values: Vec<String> = fix
        .edits
        .iter()
        .take(EDITS_SHOWN)
        .map(|edit| {
            if edit.cell == finding.cell {
                edit.shown.clone()
            } else {
                format!("{} = {}", edit.cell, edit.shown)
            }
        })
        .collect();
    // A fix making a column of text numbers numbers has hundreds of edits; a cell holds
    // at most 32,767 characters.
    let more = fix.edits.len().saturating_sub(EDITS_SHOWN);
    if more > 0 {
        values.push(match lang {
            Lang::Vi => format!("… và {more} ô khác"),
            Lang::En => format!("… and {more} more"),
        });
    }
    let reason = fix.reason.get(lang);
    if reason.is_empty() {
        values.join("; ")
    } else {
        format!("{} ({reason})", values.join("; "))
    }
}

fn text_cell(at: CellRef, text: &str, style: Option<u32>) -> String {
    let s = style.map(|s| format!(" s=\"{s}\"")).unwrap_or_default();
    format!(
        "<c r=\"{at}\"{s} t=\"inlineStr\"><is><t xml:space=\"preserve\">{}</t></is></c>",
        esc(text)
    )
}

fn number_cell(at: CellRef, n: usize) -> String {
    format!("<c r=\"{at}\"><v>{n}</v></c>")
}

/// The results sheet's XML.
///
/// # Errors
/// `Package` only when the styles cannot take new formats.
pub(super) fn results_sheet(
    findings: &[Finding],
    options: &OutputOptions,
    styles: &mut Styles,
) -> Result<String, OutputError> {
    let lang = options.lang;
    let headers: [&str; 8] = match lang {
        Lang::Vi => [
            "Mức độ",
            "Mã",
            "Trang",
            "Ô",
            "Nội dung",
            "Thực tế",
            "Kỳ vọng",
            "Đề xuất",
        ],
        Lang::En => [
            "Severity",
            "Code",
            "Sheet",
            "Cell",
            "Message",
            "Actual",
            "Expected",
            "Suggested value",
        ],
    };
    let header_xf = styles.header_xf()?;
    let link_xf = styles.link_xf()?;
    let mut rows = String::new();
    let mut links = String::new();
    let cells: String = headers
        .iter()
        .zip(0u32..)
        .map(|(h, col)| text_cell(CellRef::new(0, col), h, Some(header_xf)))
        .collect();
    rows.push_str(&format!("<row r=\"1\">{cells}</row>"));
    let mut r: u32 = 1;
    for finding in findings {
        let mark = Mark::of(finding.severity);
        let severity_xf = styles.marked_xf(0, mark)?;
        let at = |col: u32| CellRef::new(r, col);
        let mut line = String::new();
        line.push_str(&text_cell(
            at(0),
            severity_label(finding.severity, lang),
            Some(severity_xf),
        ));
        line.push_str(&text_cell(at(1), finding.code, None));
        line.push_str(&text_cell(at(2), &finding.sheet, None));
        line.push_str(&text_cell(at(3), &finding.cell.to_string(), Some(link_xf)));
        line.push_str(&text_cell(at(4), finding.message.get(lang), None));
        line.push_str(&text_cell(
            at(5),
            finding.actual.as_deref().unwrap_or(""),
            None,
        ));
        line.push_str(&text_cell(
            at(6),
            finding.expected.as_deref().unwrap_or(""),
            None,
        ));
        line.push_str(&text_cell(at(7), &suggestion(finding, lang), None));
        rows.push_str(&format!("<row r=\"{}\">{line}</row>", u64::from(r) + 1));
        links.push_str(&format!(
            "<hyperlink ref=\"{}\" location=\"{}\" display=\"{}\"/>",
            at(3),
            esc(&format!("{}!{}", quoted(&finding.sheet), finding.cell)),
            esc(&finding.cell.to_string())
        ));
        r = r.saturating_add(1);
    }
    let table_last = CellRef::new(r.saturating_sub(1), 7);

    // Summary block, one blank row below the table.
    let summary = Summary::of(findings);
    let (title, errors, warnings, infos, template, checked, converted) = match lang {
        Lang::Vi => (
            "Tổng hợp",
            "Lỗi",
            "Cảnh báo",
            "Thông tin",
            "Mẫu biểu",
            "Thời điểm kiểm tra",
            "Chuyển đổi từ định dạng",
        ),
        Lang::En => (
            "Summary",
            "Errors",
            "Warnings",
            "Infos",
            "Template",
            "Checked at",
            "Converted from",
        ),
    };
    let mut block: Vec<(String, Option<String>, Option<usize>)> = vec![
        (title.to_string(), None, None),
        (errors.to_string(), None, Some(summary.errors)),
        (warnings.to_string(), None, Some(summary.warnings)),
        (infos.to_string(), None, Some(summary.infos)),
    ];
    if let Some(t) = &options.template {
        block.push((template.to_string(), Some(t.clone()), None));
    }
    if let Some(t) = &options.checked_at {
        block.push((checked.to_string(), Some(t.clone()), None));
    }
    if let Some(format) = options.converted_from {
        let name = format!("{format:?}").to_lowercase();
        let text = match lang {
            Lang::Vi => format!("{name} (bảng tính đã được chuyển sang xlsx)"),
            Lang::En => format!("{name} (the workbook was converted to xlsx)"),
        };
        block.push((converted.to_string(), Some(text), None));
    }
    let mut last_row = r;
    let mut sr = r.saturating_add(1);
    for (i, (label, text, count)) in block.iter().enumerate() {
        let mut line = text_cell(CellRef::new(sr, 0), label, (i == 0).then_some(header_xf));
        if let Some(text) = text {
            line.push_str(&text_cell(CellRef::new(sr, 2), text, None));
        }
        if let Some(n) = count {
            line.push_str(&number_cell(CellRef::new(sr, 2), *n));
        }
        rows.push_str(&format!("<row r=\"{}\">{line}</row>", u64::from(sr) + 1));
        last_row = sr;
        sr = sr.saturating_add(1);
    }

    let widths = [12.0, 9.0, 16.0, 8.0, 70.0, 16.0, 16.0, 36.0];
    let cols: String = widths
        .iter()
        .zip(1u32..)
        .map(|(w, c)| format!("<col min=\"{c}\" max=\"{c}\" width=\"{w}\" customWidth=\"1\"/>"))
        .collect();
    let hyperlinks = if links.is_empty() {
        String::new()
    } else {
        format!("<hyperlinks>{links}</hyperlinks>")
    };
    Ok(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><dimension ref=\"A1:{}{}\"/><sheetViews><sheetView workbookViewId=\"0\"><pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/><selection pane=\"bottomLeft\" activeCell=\"A2\" sqref=\"A2\"/></sheetView></sheetViews><sheetFormatPr defaultRowHeight=\"15\"/><cols>{cols}</cols><sheetData>{rows}</sheetData><autoFilter ref=\"A1:{table_last}\"/>{hyperlinks}<pageMargins left=\"0.7\" right=\"0.7\" top=\"0.75\" bottom=\"0.75\" header=\"0.3\" footer=\"0.3\"/><pageSetup orientation=\"landscape\"/></worksheet>",
        column_letters(7),
        u64::from(last_row) + 1
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_avoids_existing_sheets() {
        assert_eq!(results_name(&["06".into()], Lang::Vi), "Kết quả kiểm tra");
        assert_eq!(
            results_name(&["check results".into()], Lang::En),
            "Check results (2)"
        );
        assert_eq!(quoted("Bob's"), "'Bob''s'");
    }

    #[test]
    fn a_fix_of_many_cells_names_a_few_and_counts_the_rest() {
        use crate::finding::{Applicability, Edit, Fix, Message};
        let edits = (0..12)
            .map(|row| Edit {
                cell: CellRef::new(row, 3),
                value: rust_decimal::Decimal::from(row),
                shown: row.to_string(),
            })
            .collect();
        let finding = Finding {
            code: crate::codes::TEXT_NUMBER,
            severity: Severity::Info,
            sheet: "S".into(),
            cell: CellRef::new(0, 3),
            cells: Vec::new(),
            message: Message::new("", ""),
            expected: None,
            actual: None,
            fix: Some(Fix {
                edits,
                reason: Message::new("lý do", "why"),
                applicability: Applicability::Safe,
            }),
            related: Vec::new(),
        };
        assert_eq!(
            suggestion(&finding, Lang::En),
            "0; D2 = 1; D3 = 2; D4 = 3; D5 = 4; … and 7 more (why)"
        );
        assert!(suggestion(&finding, Lang::Vi).contains("… và 7 ô khác"));
    }
}
