//! The WebAssembly shell: the functions the web page's worker calls, compiled only with
//! `--features wasm`. Thin like the command line: it turns arguments into core calls,
//! core errors into JavaScript `Error`s, and plain structs into JavaScript objects. No rule
//! logic lives here.
//!
//! Errors thrown to JavaScript are `Error` objects with extra fields: `kind` (`read`,
//! `template`, `argument`, `output`), for `read` a `code` (`empty`, `not-a-workbook`,
//! `encrypted`, `corrupt`, `no-table`, `limit`), and for `template` the 1-based `line` and
//! `column` when known.

use std::collections::HashSet;

use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::{
    format_number, format_quantity, read_workbook, render_csv, render_json, rule_docs, CellRef,
    CheckReport, Convention, FileOutcome, Lang, ReadError, Reading, Sheet, Template,
    TemplateChoice, TemplateError, Value, Workbook,
};

/// At most this many grid cells (rows × used columns) are sent per sheet; the rest of a
/// huge sheet is cut (and `truncated` says so). Findings are never cut.
const MAX_GRID_CELLS: usize = 400_000;

/// Installs the panic hook when the module is instantiated, so a panic is reported on the
/// console (and the worker can restart) instead of dying silently.
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

/// The result of [`check`] as sent to JavaScript: the CLI's JSON for one file plus the CSV
/// report and a view of every sheet.
#[derive(Serialize)]
struct CheckView {
    /// `files[0]` of the CLI's `--format json` report for this file.
    #[serde(flatten)]
    report: serde_json::Value,
    /// The findings as CSV (`crossfoot check --format csv`), formula-safe.
    csv: String,
    /// The workbook's own number convention (`vietnamese` or `english`).
    convention: Convention,
    /// The format the workbook was read as.
    format: crate::SourceFormat,
    /// The sheets as the grid shows them.
    sheets: Vec<SheetView>,
}

/// One sheet for the grid: cell texts as shown, capped to the used range.
#[derive(Serialize)]
struct SheetView {
    name: String,
    hidden: bool,
    /// Used rows (after the cap).
    row_count: u32,
    /// Used columns.
    col_count: u32,
    /// Row by row, the cells' texts joined by [`CELL_SEPARATOR`] (removed from the
    /// texts themselves), each row trimmed after its last non-empty cell; an empty row is
    /// `""`. One string a row rather than one a cell: handing 400,000 cell texts to
    /// JavaScript was 0.3 s of the page's check of a 50k-row sheet; the page splits only
    /// the rows it shows.
    rows: Vec<String>,
    /// One string per row, one letter per cell of `rows`: `n` number, `f` formula,
    /// `t` text, ` ` empty. The page right-aligns numbers.
    kinds: Vec<String>,
    /// Merged ranges in A1 form (`A1:C2`).
    merges: Vec<String>,
    /// Each column's width in characters for the grid: its longest text among the first
    /// [`WIDTH_SAMPLE_ROWS`] rows plus one, between 4 and 28, not counting the text of a
    /// range merged across columns. Measured here: the page's own loop over a 1,000-row
    /// sheet's texts ran unoptimised once per result (2–4 ms of the 40–50 ms from its file
    /// to its findings).
    widths: Vec<u32>,
    /// Whether rows were cut to keep the view lean.
    truncated: bool,
}

/// Separates the cells of a grid row sent to the page (U+001F, the unit separator).
const CELL_SEPARATOR: char = '\u{1F}';

/// How many rows from the top decide the grid's column widths.
const WIDTH_SAMPLE_ROWS: u32 = 3_000;
/// A grid column's narrowest and widest width, in characters.
const MIN_WIDTH: u32 = 4;
const MAX_WIDTH: u32 = 28;

/// A language name from the page: `en` is English, anything else Vietnamese.
fn lang_of(lang: &str) -> Lang {
    if lang.trim().eq_ignore_ascii_case("en") {
        Lang::En
    } else {
        Lang::Vi
    }
}

/// A JavaScript `Error` with `kind` and extra fields.
fn js_error(kind: &str, message: &str, fields: &[(&str, JsValue)]) -> JsValue {
    let error = js_sys::Error::new(message);
    let _ = js_sys::Reflect::set(&error, &"kind".into(), &kind.into());
    for (key, value) in fields {
        let _ = js_sys::Reflect::set(&error, &(*key).into(), value);
    }
    error.into()
}

fn read_error(error: &ReadError) -> JsValue {
    let code = match error {
        ReadError::Empty => "empty",
        ReadError::NotAWorkbook => "not-a-workbook",
        ReadError::Encrypted => "encrypted",
        ReadError::Corrupt(_) => "corrupt",
        ReadError::NoTable => "no-table",
        ReadError::LimitExceeded { .. } => "limit",
    };
    js_error("read", &error.to_string(), &[("code", code.into())])
}

fn template_error(error: &TemplateError) -> JsValue {
    let place = |n: Option<usize>| n.map_or(JsValue::NULL, |n| JsValue::from(n as f64));
    js_error(
        "template",
        &error.to_string(),
        &[
            ("line", place(error.line)),
            ("column", place(error.column)),
            ("detail", error.message.as_str().into()),
        ],
    )
}

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|error| js_error("internal", &error.to_string(), &[]))
}

/// The template choice from the page's select: `auto`, `none`, a built-in id, or the text
/// of a user's TOML template (anything with a newline or `=` is taken as TOML).
fn template_choice(template: &str) -> Result<TemplateChoice, JsValue> {
    let trimmed = template.trim();
    match trimmed {
        "" | "auto" => Ok(TemplateChoice::Auto),
        "none" => Ok(TemplateChoice::None),
        _ if trimmed.contains(['\n', '=']) => Template::from_toml(template)
            .map(|t| TemplateChoice::Given(Box::new(t)))
            .map_err(|error| template_error(&error)),
        id => Template::builtin(id)
            .map(|t| TemplateChoice::Given(Box::new(t)))
            .map_err(|error| template_error(&error)),
    }
}

/// Reads and checks one workbook: the shared first half of every binding.
fn read_and_check(
    bytes: &[u8],
    file_name: &str,
    template: &str,
) -> Result<(Workbook, CheckReport), JsValue> {
    let choice = template_choice(template)?;
    let workbook = read_workbook(bytes, file_name).map_err(|error| read_error(&error))?;
    let report = crate::check(&workbook, &choice);
    Ok((workbook, report))
}

/// A cell's value as the grid shows it; numbers in `convention` at their shown precision.
fn shown(value: &Value, reading: &Reading, convention: Convention) -> String {
    match value {
        Value::Empty => String::new(),
        Value::Number(number) => match reading {
            Reading::Number(quantity) => format_quantity(quantity, convention),
            Reading::Ambiguous { primary, .. } => format_quantity(primary, convention),
            _ => format_number(*number, number.normalize().scale(), convention),
        },
        Value::Text(text) => text.to_string(),
        Value::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Value::Error(error) => error.to_string(),
        Value::Date(date) => date.to_string(),
        Value::Float(float) => float.to_string(),
    }
}

fn sheet_view(sheet: &Sheet, convention: Convention) -> SheetView {
    let (row_count, col_count) = sheet.extent().map_or((0, 0), |last| {
        (last.row.saturating_add(1), last.col.saturating_add(1))
    });
    let per_row = usize::try_from(col_count).unwrap_or(usize::MAX).max(1);
    let max_rows =
        u32::try_from(MAX_GRID_CELLS.checked_div(per_row).unwrap_or(0)).unwrap_or(u32::MAX);
    let shown_rows = row_count.min(max_rows.max(1));
    let capacity = usize::try_from(shown_rows).unwrap_or(0);
    let mut rows = Vec::with_capacity(capacity);
    let mut kinds = Vec::with_capacity(capacity);
    let mut widths = vec![MIN_WIDTH; usize::try_from(col_count).unwrap_or(0)];
    // Where a range merged across columns starts: its text spans them and widens none.
    let merged_across: HashSet<CellRef> = sheet
        .merges
        .iter()
        .filter(|m| m.last.col > m.first.col)
        .map(|m| m.first)
        .collect();
    let mut cells = sheet.cells.iter().peekable();
    for row in 0..shown_rows {
        let mut texts = String::new();
        // Cells written so far in this row (empty ones included).
        let mut written = 0usize;
        let mut row_kinds = String::new();
        while let Some(cell) = cells.next_if(|cell| cell.at.row <= row) {
            if cell.at.row < row {
                continue;
            }
            let text = shown(&cell.value, &cell.reading, convention);
            if text.is_empty() {
                continue;
            }
            let col = usize::try_from(cell.at.col).unwrap_or(usize::MAX);
            if col >= per_row {
                continue;
            }
            if col < written {
                continue;
            }
            while written < col {
                if written > 0 {
                    texts.push(CELL_SEPARATOR);
                }
                written = written.saturating_add(1);
                row_kinds.push(' ');
            }
            row_kinds.push(match (&cell.value, &cell.formula) {
                (Value::Number(_) | Value::Float(_), Some(_)) => 'f',
                (Value::Number(_) | Value::Float(_), None) => 'n',
                _ => 't',
            });
            if written > 0 {
                texts.push(CELL_SEPARATOR);
            }
            let before = texts.len();
            texts.extend(text.chars().filter(|c| *c != CELL_SEPARATOR));
            if row < WIDTH_SAMPLE_ROWS && !merged_across.contains(&cell.at) {
                // JavaScript's length: UTF-16 code units.
                let length = texts.get(before..).map_or(0, |t| t.encode_utf16().count());
                let wanted = u32::try_from(length)
                    .unwrap_or(u32::MAX)
                    .saturating_add(1)
                    .min(MAX_WIDTH);
                if let Some(width) = widths.get_mut(col) {
                    *width = (*width).max(wanted);
                }
            }
            written = written.saturating_add(1);
        }
        rows.push(texts);
        kinds.push(row_kinds);
    }
    SheetView {
        name: sheet.name.clone(),
        hidden: sheet.hidden,
        row_count: shown_rows,
        col_count,
        rows,
        kinds,
        merges: sheet
            .merges
            .iter()
            .filter(|range| range.first.row < shown_rows)
            .map(ToString::to_string)
            .collect(),
        widths,
        truncated: shown_rows < row_count,
    }
}

/// Checks one workbook and returns
/// `{path, template, error, summary:{errors,warnings,infos}, findings:[…], csv, convention,
/// format, sheets:[{name, hidden, row_count, col_count, rows, kinds, merges, widths, truncated}]}`.
///
/// The findings are exactly those of `crossfoot check --format json` for the same file;
/// `template` is `auto`, `none`, a built-in id or TOML text; `lang` (`vi` or `en`) picks
/// the language of messages. Grid numbers are shown in the workbook's own convention, as
/// the findings' values are.
///
/// # Errors
/// A JavaScript `Error` with `kind: "read"` (and a `code`) when the bytes are not a
/// readable workbook, or `kind: "template"` (with `line`, `column`) when the template is
/// wrong.
#[wasm_bindgen]
pub fn check(
    bytes: &[u8],
    file_name: &str,
    template: &str,
    lang: &str,
) -> Result<JsValue, JsValue> {
    let lang = lang_of(lang);
    let (workbook, report) = read_and_check(bytes, file_name, template)?;
    // The grid shows numbers in the convention the core decided for the workbook, the one
    // the findings' expected and actual values are written in: an English page showing
    // `203,566` beside a message saying `203.566` would invite the very misreading
    // crossfoot exists to catch.
    let convention = workbook.convention;
    // A workbook left for Excel to calculate shows, once opened, what its formulas compute,
    // which is what the findings speak of: not the placeholders it saved.
    // (Recalculated again only when the check found placeholders: a big workbook of
    // results pays nothing.)
    let computed = report
        .findings
        .iter()
        .any(|f| f.code == crate::check::PLACEHOLDER_VALUES)
        .then(|| crate::recalc::excel_shows(&workbook))
        .flatten();
    let sheets = computed
        .as_ref()
        .unwrap_or(&workbook)
        .sheets
        .iter()
        .map(|sheet| sheet_view(sheet, convention))
        .collect();
    let outcome = [FileOutcome {
        path: file_name.to_string(),
        result: Ok(report),
    }];
    let json: serde_json::Value = serde_json::from_str(&render_json(&outcome, lang))
        .map_err(|error| js_error("internal", &error.to_string(), &[]))?;
    let file = json
        .get("files")
        .and_then(|files| files.get(0))
        .cloned()
        .unwrap_or(serde_json::Value::Null);
    to_js(&CheckView {
        report: file,
        csv: render_csv(&outcome, lang),
        convention: workbook.convention,
        format: workbook.format,
        sheets,
    })
}

/// A small report workbook (the Biểu 06 sample) checked once when a worker starts.
const WARM_UP_WORKBOOK: &[u8] = include_bytes!("../examples/tthc-06-q3-2022.xlsx");

/// A Biểu 06 form with 200 unit rows, SUM formulas and a few injected slips (written by the
/// benchmark's generator), checked while a worker waits for its first file.
const WARM_UP_LONG_WORKBOOK: &[u8] = include_bytes!("../assets/warm-up-06-200-rows.xlsx");

/// Checks a small built-in workbook and throws the result away, so the browser compiles
/// and optimises the core's code while the page loads rather than on the user's first file
/// (a first check in a fresh worker is several times slower than the same check repeated).
///
/// # Errors
/// Never in practice: the built-in workbook is read and checked like any other, and an
/// error there is returned as the same JavaScript `Error` [`check`] would throw.
#[wasm_bindgen]
pub fn warm_up() -> Result<(), JsValue> {
    check(WARM_UP_WORKBOOK, "tthc-06-q3-2022.xlsx", "auto", "vi").map(|_| ())
}

/// Checks a built-in 200-row form and throws the result away: the worker calls it a few
/// times while idle after [`warm_up`], because the browser optimises a function only after
/// it has run long enough, and the sample's few rows leave the row-by-row code unoptimised
/// (a user's first 1,000-row form then took 0.25–0.5 s against 0.08 s once warm).
///
/// # Errors
/// Never in practice, as for [`warm_up`].
#[wasm_bindgen]
pub fn warm_up_long() -> Result<(), JsValue> {
    check(
        WARM_UP_LONG_WORKBOOK,
        "warm-up-06-200-rows.xlsx",
        "auto",
        "vi",
    )
    .map(|_| ())
}

#[derive(Serialize)]
struct TemplateInfo {
    id: String,
    title: String,
    /// Whether the template lays out a blank form (`[form]`).
    form: bool,
}

/// The built-in templates as `[{id, title, form}]`.
///
/// # Errors
/// Only if serialisation fails, which plain strings never do.
#[wasm_bindgen]
pub fn templates() -> Result<JsValue, JsValue> {
    let list: Vec<TemplateInfo> = Template::all_builtins()
        .iter()
        .map(|template| TemplateInfo {
            form: template.spec.form.is_some(),
            id: template.id.clone(),
            title: template.title.clone(),
        })
        .collect();
    to_js(&list)
}

/// Parses a user's TOML template and returns `{id, title, form}`, so the page can show which
/// template it will use before any workbook is checked.
///
/// # Errors
/// A JavaScript `Error` with `kind: "template"`, `line` and `column`.
#[wasm_bindgen]
pub fn parse_template(text: &str) -> Result<JsValue, JsValue> {
    let template = Template::from_toml(text).map_err(|error| template_error(&error))?;
    to_js(&TemplateInfo {
        form: template.spec.form.is_some(),
        id: template.id,
        title: template.title,
    })
}

#[derive(Serialize)]
struct Explanation {
    code: &'static str,
    name: &'static str,
    severity: crate::Severity,
    text: &'static str,
}

/// A finding code's documentation `{code, name, severity, text}` in `lang`, or `null` for
/// an unknown code.
///
/// # Errors
/// Only if serialisation fails, which plain strings never do.
#[wasm_bindgen]
pub fn explain(code: &str, lang: &str) -> Result<JsValue, JsValue> {
    let lang = lang_of(lang);
    match crate::explain(code) {
        None => Ok(JsValue::NULL),
        Some(doc) => to_js(&Explanation {
            code: doc.code,
            name: doc.name,
            severity: doc.severity,
            text: match lang {
                Lang::Vi => doc.doc_vi,
                Lang::En => doc.doc_en,
            },
        }),
    }
}

/// Every finding code's documentation in `lang`, as [`explain`] gives one.
///
/// # Errors
/// Only if serialisation fails, which plain strings never do.
#[wasm_bindgen]
pub fn explain_all(lang: &str) -> Result<JsValue, JsValue> {
    let lang = lang_of(lang);
    let docs: Vec<Explanation> = rule_docs()
        .iter()
        .map(|doc| Explanation {
            code: doc.code,
            name: doc.name,
            severity: doc.severity,
            text: match lang {
                Lang::Vi => doc.doc_vi,
                Lang::En => doc.doc_en,
            },
        })
        .collect();
    to_js(&docs)
}

/// The blank self-checking form of a template (`crossfoot form`) as xlsx bytes. `template`
/// is a built-in id or TOML text; `filed`, when not empty, is a filed workbook (named
/// `file_name`) whose sections and units the form takes for the next period; `period`
/// fills the period line (dots when empty).
///
/// # Errors
/// `kind: "template"` for a template that does not parse or is not known, `kind:
/// "argument"` for `auto`/`none`, `kind: "read"` for an unreadable filed workbook, and
/// `kind: "form"` when the template has no form or the filed workbook is not this form.
#[wasm_bindgen]
pub fn form(
    template: &str,
    period: &str,
    filed: &[u8],
    file_name: &str,
) -> Result<js_sys::Uint8Array, JsValue> {
    let TemplateChoice::Given(template) = template_choice(template)? else {
        return Err(js_error(
            "argument",
            "hãy chọn một mẫu biểu / choose a template",
            &[],
        ));
    };
    let form_error = |error: crate::FormError| js_error("form", &error.to_string(), &[]);
    let sections = if filed.is_empty() {
        None
    } else {
        let workbook = read_workbook(filed, file_name).map_err(|error| read_error(&error))?;
        Some(crate::form_sections_from(&workbook, &template).map_err(form_error)?)
    };
    let options = crate::FormOptions {
        period: (!period.trim().is_empty()).then(|| period.trim().to_string()),
        sections,
    };
    crate::form_workbook(&template, &options)
        .map(|bytes| js_sys::Uint8Array::from(bytes.as_slice()))
        .map_err(form_error)
}

// ---------------------------------------------------------------------------------------
// Output workbooks.
//
// The page detects the two exports (`annotated`, `fixed`) and enables its download buttons.

mod output_bindings {
    use wasm_bindgen::prelude::*;

    use super::{js_error, lang_of, read_and_check};
    use crate::{OutputError, OutputOptions, SourceFormat};

    fn output_error(error: &OutputError) -> JsValue {
        js_error("output", &error.to_string(), &[])
    }

    fn options(
        lang: &str,
        template: Option<String>,
        checked_at: &str,
        format: SourceFormat,
    ) -> OutputOptions {
        OutputOptions {
            lang: lang_of(lang),
            template,
            checked_at: (!checked_at.is_empty()).then(|| checked_at.to_string()),
            converted_from: (!format.is_ooxml()).then_some(format),
        }
    }

    /// The annotated workbook (`<name>.checked.xlsx`): every finding on its cell plus a
    /// results sheet. `checked_at` is the time to print (the core has no clock).
    ///
    /// # Errors
    /// As [`super::check`], or `kind: "output"` when the workbook cannot be written.
    #[wasm_bindgen]
    pub fn annotated(
        bytes: &[u8],
        file_name: &str,
        template: &str,
        lang: &str,
        checked_at: &str,
    ) -> Result<js_sys::Uint8Array, JsValue> {
        let (workbook, report) = read_and_check(bytes, file_name, template)?;
        let options = options(lang, report.template.clone(), checked_at, workbook.format);
        crate::annotated_workbook(bytes, &workbook, &report, &options)
            .map(|out| js_sys::Uint8Array::from(out.as_slice()))
            .map_err(|error| output_error(&error))
    }

    /// The corrected workbook (`<name>.fixed.xlsx`): the safe fixes applied.
    ///
    /// # Errors
    /// As [`super::check`], or `kind: "output"` when the workbook cannot be written.
    #[wasm_bindgen]
    pub fn fixed(
        bytes: &[u8],
        file_name: &str,
        template: &str,
        lang: &str,
        checked_at: &str,
    ) -> Result<js_sys::Uint8Array, JsValue> {
        let (workbook, report) = read_and_check(bytes, file_name, template)?;
        let options = options(lang, report.template.clone(), checked_at, workbook.format);
        crate::fixed_workbook(bytes, &workbook, &report, &[], &options)
            .map(|out| js_sys::Uint8Array::from(out.as_slice()))
            .map_err(|error| output_error(&error))
    }
}
