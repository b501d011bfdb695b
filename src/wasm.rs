//! The WebAssembly shell: the functions the web page's worker calls, compiled only with
//! `--features wasm`. Thin like the command line: it turns arguments into core calls,
//! core errors into JavaScript `Error`s, and the core's plain structs (`crate::view`) into
//! JavaScript objects. No rule or page logic lives here. A checked file is kept as a
//! `CheckedFile` object the worker holds while the page shows the file.
//!
//! Errors thrown to JavaScript are `Error` objects with extra fields: `kind` (`read`,
//! `template`, `argument`, `form`, `output`, `internal`), for `read` a `code` (`empty`,
//! `not-a-workbook`, `encrypted`, `corrupt`, `no-table`, `limit`), and for `template` the
//! 1-based `line` and `column` when known.

use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::{
    read_workbook, rule_docs, CheckedFile, CheckedSet, Lang, OutputError, ReadError, RuleDoc,
    Template, TemplateChoice, TemplateError, TemplateSummary,
};

/// Installs the panic hook when the module is instantiated, so a panic is reported on the
/// console (and the worker can restart) instead of dying silently.
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

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

fn output_error(error: &OutputError) -> JsValue {
    js_error("output", &error.to_string(), &[])
}

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|error| js_error("internal", &error.to_string(), &[]))
}

/// The template choice from the page: `auto`, `none`, a built-in id, or the text of a
/// user's TOML template ([`TemplateChoice::parse`]).
fn template_choice(template: &str) -> Result<TemplateChoice, JsValue> {
    TemplateChoice::parse(template).map_err(|error| template_error(&error))
}

/// A workbook read and checked once, which the page keeps while it shows the file: its
/// view and its annotated and corrected copies come from this one check. The page frees
/// it (`free()`) when it checks the file again or lets it go.
#[wasm_bindgen(js_name = CheckedFile)]
pub struct CheckedFileHandle(CheckedFile);

#[wasm_bindgen(js_class = CheckedFile)]
impl CheckedFileHandle {
    /// Reads and checks one workbook. `template` is `auto`, `none`, a built-in id or TOML
    /// text.
    ///
    /// # Errors
    /// A JavaScript `Error` with `kind: "read"` (and a `code`) when the bytes are not a
    /// readable workbook, or `kind: "template"` (with `line`, `column`) when the template
    /// is wrong.
    #[wasm_bindgen(constructor)]
    pub fn new(
        bytes: Vec<u8>,
        file_name: &str,
        template: &str,
    ) -> Result<CheckedFileHandle, JsValue> {
        let choice = template_choice(template)?;
        CheckedFile::check(bytes, file_name, &choice)
            .map(CheckedFileHandle)
            .map_err(|error| read_error(&error))
    }

    /// The file as the page shows it, messages in `lang` (`vi` or `en`):
    /// `{path, template, error, summary:{errors,warnings,infos}, findings:[…], csv,
    /// convention, format, places, sheets:[{name, hidden, row_count, col_count, columns,
    /// rows, kinds, merges, widths, truncated}]}`. The findings are exactly those of
    /// `crossfoot check --format json` for the same file; `places` holds each finding's
    /// cell as zero-based `[row, column]`.
    ///
    /// # Errors
    /// Only if serialisation fails, which plain data never does.
    pub fn view(&self, lang: &str) -> Result<JsValue, JsValue> {
        to_js(&self.0.view(lang_of(lang)))
    }

    /// The annotated workbook (`<name>.checked.xlsx`): every finding on its cell plus a
    /// results sheet. `checked_at` is the time to print (the core has no clock).
    ///
    /// # Errors
    /// `kind: "output"` when the workbook cannot be written.
    pub fn annotated(&self, lang: &str, checked_at: &str) -> Result<js_sys::Uint8Array, JsValue> {
        self.0
            .annotated(lang_of(lang), checked_at)
            .map(|out| js_sys::Uint8Array::from(out.as_slice()))
            .map_err(|error| output_error(&error))
    }

    /// The corrected workbook (`<name>.fixed.xlsx`): the safe fixes applied.
    ///
    /// # Errors
    /// `kind: "output"` when the workbook cannot be written.
    pub fn fixed(&self, lang: &str, checked_at: &str) -> Result<js_sys::Uint8Array, JsValue> {
        self.0
            .fixed(lang_of(lang), checked_at)
            .map(|out| js_sys::Uint8Array::from(out.as_slice()))
            .map_err(|error| output_error(&error))
    }
}

/// Checks one workbook and returns its view ([`CheckedFileHandle::view`]) without keeping
/// the check.
///
/// # Errors
/// As `new CheckedFile`.
#[wasm_bindgen]
pub fn check(
    bytes: &[u8],
    file_name: &str,
    template: &str,
    lang: &str,
) -> Result<JsValue, JsValue> {
    CheckedFileHandle::new(bytes.to_vec(), file_name, template)?.view(lang)
}

/// Reads the files dropped together (`names[i]` the name of `files[i]`) and checks them as
/// a set ([`CheckedSet`]): `{kind, template, message, last, this, province, units,
/// unreadable, findings, placed, consolidated}`, files named as given. `kind` is
/// `periods`, `units` or `unrelated` (`message` says why); `findings` are the findings
/// across the files, each `{file, index}` and the keys of `crossfoot check --format json`
/// (`related` included); `placed` is each unit of the consolidated workbook `{name, path,
/// status, message, row}`, and `consolidated` its bytes (a `Uint8Array`) or `null`. A file
/// that cannot be read is left out and listed in `unreadable` (`{file, index, message}`).
///
/// # Errors
/// `kind: "template"` when the template is wrong, `kind: "argument"` when there are not as
/// many names as files.
#[wasm_bindgen]
pub fn check_set(
    names: Vec<String>,
    files: Vec<js_sys::Uint8Array>,
    template: &str,
    lang: &str,
) -> Result<JsValue, JsValue> {
    if names.len() != files.len() {
        return Err(js_error("argument", "one name a file", &[]));
    }
    let choice = template_choice(template)?;
    let files: Vec<(String, Vec<u8>)> = names
        .into_iter()
        .zip(files.iter().map(js_sys::Uint8Array::to_vec))
        .collect();
    let set = CheckedSet::check(&files, &choice);
    let view = to_js(&set.view(lang_of(lang)))?;
    let consolidated = set.consolidated().map_or(JsValue::NULL, |bytes| {
        js_sys::Uint8Array::from(bytes).into()
    });
    js_sys::Reflect::set(&view, &"consolidated".into(), &consolidated)?;
    Ok(view)
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

/// The built-in templates as `[{id, title, form}]`: `form` says whether a template lays
/// out a blank self-checking form.
///
/// # Errors
/// Only if serialisation fails, which plain strings never do.
#[wasm_bindgen]
pub fn templates() -> Result<JsValue, JsValue> {
    let list: Vec<TemplateSummary> = Template::all_builtins()
        .iter()
        .map(TemplateSummary::of)
        .collect();
    to_js(&list)
}

/// Parses a user's TOML template and returns `{id, title, form}`, so the page can show which
/// template it will use (and whether it lays out a form) before any workbook is checked.
///
/// # Errors
/// A JavaScript `Error` with `kind: "template"`, `line` and `column`.
#[wasm_bindgen]
pub fn parse_template(text: &str) -> Result<JsValue, JsValue> {
    let template = Template::from_toml(text).map_err(|error| template_error(&error))?;
    to_js(&TemplateSummary::of(&template))
}

#[derive(Serialize)]
struct Explanation {
    code: &'static str,
    name: &'static str,
    severity: crate::Severity,
    text: &'static str,
}

impl Explanation {
    fn of(doc: &RuleDoc, lang: Lang) -> Explanation {
        Explanation {
            code: doc.code,
            name: doc.name,
            severity: doc.severity,
            text: doc.text(lang),
        }
    }
}

/// A finding code's documentation `{code, name, severity, text}` in `lang`, or `null` for
/// an unknown code.
///
/// # Errors
/// Only if serialisation fails, which plain strings never do.
#[wasm_bindgen]
pub fn explain(code: &str, lang: &str) -> Result<JsValue, JsValue> {
    match crate::explain(code) {
        None => Ok(JsValue::NULL),
        Some(doc) => to_js(&Explanation::of(doc, lang_of(lang))),
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
        .map(|doc| Explanation::of(doc, lang))
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
    let template = given_template(template)?;
    let filed = if filed.is_empty() {
        None
    } else {
        Some(read_workbook(filed, file_name).map_err(|error| read_error(&error))?)
    };
    form_of(&template, period, filed.as_ref())
}

#[wasm_bindgen(js_class = CheckedFile)]
impl CheckedFileHandle {
    /// Next period's blank form of `template` (as for [`form`]) with this file's sections
    /// and units.
    ///
    /// # Errors
    /// As [`form`].
    #[wasm_bindgen(js_name = nextForm)]
    pub fn next_form(&self, template: &str, period: &str) -> Result<js_sys::Uint8Array, JsValue> {
        let template = given_template(template)?;
        form_of(&template, period, Some(self.0.workbook()))
    }
}

/// The template a form is laid out from: a built-in id or TOML text, not `auto`/`none`.
fn given_template(template: &str) -> Result<Box<Template>, JsValue> {
    match template_choice(template)? {
        TemplateChoice::Given(template) => Ok(template),
        TemplateChoice::Auto | TemplateChoice::None => Err(js_error(
            "argument",
            "hãy chọn một mẫu biểu / choose a template",
            &[],
        )),
    }
}

/// The form of `template`, its period line `period`, with the sections of `filed` if given.
fn form_of(
    template: &Template,
    period: &str,
    filed: Option<&crate::Workbook>,
) -> Result<js_sys::Uint8Array, JsValue> {
    let form_error = |error: crate::FormError| js_error("form", &error.to_string(), &[]);
    let sections = filed
        .map(|workbook| crate::form_sections_from(workbook, template))
        .transpose()
        .map_err(form_error)?;
    let options = crate::FormOptions {
        period: (!period.trim().is_empty()).then(|| period.trim().to_string()),
        sections,
        ..Default::default()
    };
    crate::form_workbook(template, &options)
        .map(|bytes| js_sys::Uint8Array::from(bytes.as_slice()))
        .map_err(form_error)
}
