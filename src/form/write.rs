//! Writes a planned form as xlsx bytes with rust_xlsxwriter: the cells and merges with the
//! office look (Times New Roman, bordered table), live formulas with cached values,
//! typed cells unlocked on a sheet protected without a password, data validation,
//! conditional formats, and the print setup offices use.

use std::collections::BTreeSet;

use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{
    Color, ConditionalFormatFormula, DataValidation, DataValidationRule, Format, FormatAlign,
    FormatBorder, Formula, Note, Workbook, Worksheet, XlsxError,
};

use super::plan::{Look, Plan};
use super::rules::{Accepts, FormRules};
use super::Appendix;
use crate::finding::Severity;
use crate::model::CellRef;
use crate::ooxml::NOTE_AUTHOR;

/// A4 in Excel's paper size codes.
const PAPER_A4: u8 = 9;
/// Computed cells are shaded so they read as "not yours to type".
const COMPUTED_FILL: u32 = 0xF2F2F2;
const HEADER_FILL: u32 = 0xDDEBF7;
/// A unit row whose label carries a note (its report needs a look).
const NOTED_FILL: u32 = 0xFCE4D6;

/// What to write beyond the plan.
pub(crate) enum Pass<'a> {
    /// The skeleton the template is bound to: every figure cell holds 0 in its format.
    Skeleton,
    /// The final form: the rules' formulas, validation and colours, protection.
    Final(&'a FormRules),
}

/// The workbook bytes, with `appendix` as a second sheet when there is one.
pub(crate) fn write(
    plan: &Plan,
    pass: &Pass<'_>,
    appendix: Option<&Appendix>,
) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(&plan.sheet)?;
    // A rate whose condition fails shows nothing: its cached value is empty text, not 0.
    sheet.set_formula_result_default("");
    for (col, width) in plan.widths.iter().enumerate() {
        sheet.set_column_width(col as u16, *width)?;
    }
    // Header rows tall enough for their wrapped labels.
    for row in plan.header_first..plan.number_row {
        sheet.set_row_height(row, 33)?;
    }
    let merged_origins: BTreeSet<CellRef> = plan.merges.iter().map(|m| m.first).collect();
    let rules = match pass {
        Pass::Final(rules) => Some(*rules),
        Pass::Skeleton => None,
    };

    for range in &plan.merges {
        let Some(planned) = plan.cells.get(&range.first) else {
            continue;
        };
        sheet.merge_range(
            range.first.row,
            range.first.col as u16,
            range.last.row,
            range.last.col as u16,
            planned.text.as_deref().unwrap_or(""),
            &format_for(planned.look, None, false),
        )?;
    }
    for (at, planned) in &plan.cells {
        if merged_origins.contains(at) {
            continue;
        }
        let (row, col) = (at.row, at.col as u16);
        let formula = rules.and_then(|r| r.formulas.get(at));
        let unlocked = rules.is_some() && planned.typed && formula.is_none();
        let format = format_for(planned.look, planned.number_format.as_deref(), unlocked);
        let format = if planned.note.is_some() {
            format.set_background_color(Color::RGB(NOTED_FILL))
        } else {
            format
        };
        if let Some(note) = &planned.note {
            let note = Note::new(note)
                .set_author(NOTE_AUTHOR)
                .add_author_prefix(false)
                .set_width(360);
            sheet.insert_note(row, col, &note)?;
        }
        if let Some(computed) = formula {
            let format = format.set_background_color(Color::RGB(COMPUTED_FILL));
            let result = computed.value.map(|v| v.to_string()).unwrap_or_default();
            let formula = Formula::new(&computed.formula).set_result(result);
            sheet.write_formula_with_format(row, col, formula, &format)?;
        } else if let Some(text) = &planned.text {
            sheet.write_string_with_format(row, col, text, &format)?;
        } else if let Some(value) = planned.value.filter(|_| planned.figure) {
            let value = value.to_f64().unwrap_or(0.0);
            sheet.write_number_with_format(row, col, value, &format)?;
        } else if planned.figure && rules.is_none() {
            sheet.write_number_with_format(row, col, 0.0, &format)?;
        } else {
            sheet.write_blank(row, col, &format)?;
        }
    }

    if let Some(rules) = rules {
        for validation in &rules.validations {
            add_validation(
                sheet,
                validation.first,
                validation.last,
                &validation.accepts,
            )?;
        }
        for highlight in &rules.highlights {
            let colour = match highlight.severity {
                Severity::Error => (0xFFC7CE, 0x9C0006),
                Severity::Warning => (0xFFEB9C, 0x9C5700),
                Severity::Info => (0xDDEBF7, 0x1F4E79),
            };
            let format = Format::new()
                .set_background_color(Color::RGB(colour.0))
                .set_font_color(Color::RGB(colour.1))
                .set_bold();
            let cf = ConditionalFormatFormula::new()
                .set_rule(format!("={}", highlight.formula).as_str())
                .set_format(format);
            sheet.add_conditional_format(
                highlight.first.row,
                highlight.first.col as u16,
                highlight.last.row,
                highlight.last.col as u16,
                &cf,
            )?;
        }
        sheet.protect();
    }

    // Print as offices do: A4 landscape, one page wide, the header repeated on every page,
    // panes frozen under it.
    sheet.set_landscape();
    sheet.set_paper_size(PAPER_A4);
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_print_center_horizontally(true);
    sheet.set_margins(0.4, 0.4, 0.6, 0.6, 0.3, 0.3);
    sheet.set_repeat_rows(plan.header_first, plan.number_row)?;
    sheet.set_freeze_panes(
        plan.number_row.saturating_add(1),
        if plan.table { 2 } else { 0 },
    )?;
    if let Some(appendix) = appendix {
        write_appendix(book.add_worksheet(), appendix)?;
    }
    book.save_to_buffer()
}

/// A plain sheet: the header bold and frozen, filters on it, columns as wide as their
/// text (within reason).
fn write_appendix(sheet: &mut Worksheet, appendix: &Appendix) -> Result<(), XlsxError> {
    sheet.set_name(&appendix.sheet)?;
    let header = Format::new()
        .set_font_name("Times New Roman")
        .set_bold()
        .set_text_wrap()
        .set_border(FormatBorder::Thin)
        .set_background_color(Color::RGB(HEADER_FILL));
    let body = Format::new()
        .set_font_name("Times New Roman")
        .set_text_wrap()
        .set_align(FormatAlign::Top)
        .set_border(FormatBorder::Thin);
    for (col, text) in appendix.header.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, text, &header)?;
    }
    let mut widths: Vec<usize> = appendix.header.iter().map(|h| h.chars().count()).collect();
    for (row, cells) in appendix.rows.iter().enumerate() {
        let row = u32::try_from(row.saturating_add(1)).unwrap_or(u32::MAX);
        for (col, text) in cells.iter().enumerate() {
            sheet.write_string_with_format(row, col as u16, text, &body)?;
            if let Some(width) = widths.get_mut(col) {
                *width = (*width).max(text.chars().count());
            }
        }
    }
    for (col, width) in widths.iter().enumerate() {
        sheet.set_column_width(col as u16, (*width).clamp(8, 80) as f64)?;
    }
    let last_row = u32::try_from(appendix.rows.len()).unwrap_or(u32::MAX);
    let last_col = appendix.header.len().saturating_sub(1) as u16;
    if !appendix.header.is_empty() {
        sheet.autofilter(0, 0, last_row, last_col)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

fn add_validation(
    sheet: &mut Worksheet,
    first: CellRef,
    last: CellRef,
    accepts: &Accepts,
) -> Result<(), XlsxError> {
    let (rule, title, message) = match accepts {
        Accepts::Count => (
            DataValidation::new().allow_whole_number(DataValidationRule::GreaterThanOrEqualTo(0)),
            "Số nguyên ≥ 0 / Whole number ≥ 0",
            "Nhập số đếm: số nguyên, không âm.\nEnter a count: a whole number, 0 or more.",
        ),
        Accepts::NonNegative => (
            DataValidation::new()
                .allow_decimal_number(DataValidationRule::GreaterThanOrEqualTo(0.0)),
            "Số ≥ 0 / Number ≥ 0",
            "Nhập một số không âm.\nEnter a number, 0 or more.",
        ),
        Accepts::Custom(formula) => (
            DataValidation::new().allow_custom(Formula::new(formula)),
            "Giá trị / Value",
            "Giá trị phải thỏa quy tắc của mẫu biểu.\nThe value must satisfy the form's rule.",
        ),
    };
    let validation = rule
        .set_input_title(title)?
        .set_input_message(message)?
        .set_error_title(title)?
        .set_error_message(message)?;
    sheet.add_data_validation(
        first.row,
        first.col as u16,
        last.row,
        last.col as u16,
        &validation,
    )?;
    Ok(())
}

fn format_for(look: Look, number_format: Option<&str>, unlocked: bool) -> Format {
    let base = Format::new()
        .set_font_name("Times New Roman")
        .set_font_size(12);
    let bordered = |f: Format| f.set_border(FormatBorder::Thin).set_text_wrap();
    let format = match look {
        Look::Issuer => base.set_bold().set_align(FormatAlign::Center),
        Look::Corner => base.set_italic().set_align(FormatAlign::Right),
        Look::Title => base
            .set_bold()
            .set_font_size(14)
            .set_align(FormatAlign::Center),
        Look::Period => base.set_italic().set_align(FormatAlign::Center),
        Look::Header => bordered(base)
            .set_bold()
            .set_font_size(11)
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter)
            .set_background_color(Color::RGB(HEADER_FILL)),
        Look::ColumnNumber => bordered(base)
            .set_italic()
            .set_font_size(10)
            .set_align(FormatAlign::Center),
        Look::Text { bold } => {
            let f = bordered(base).set_align(FormatAlign::VerticalCenter);
            if bold {
                f.set_bold()
            } else {
                f
            }
        }
        Look::Number { bold } => {
            let f = bordered(base)
                .set_align(FormatAlign::Right)
                .set_num_format(number_format.unwrap_or("General"));
            if bold {
                f.set_bold()
            } else {
                f
            }
        }
        Look::Sign { first } => {
            let f = base.set_align(FormatAlign::Center);
            if first {
                f.set_bold()
            } else {
                f.set_italic()
            }
        }
    };
    if unlocked {
        format.set_unlocked()
    } else {
        format
    }
}
