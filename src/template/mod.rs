//! Templates: where the parts of a form are and which relations must hold, read from a
//! small TOML file or built into the binary. See `README.md` ("Writing a template") for the
//! format; `templates/tthc-06.toml` is the reference example.

mod bind;
mod nearest;
mod rule;
mod spec;

pub(crate) use bind::{bind, column_for_path, recognizes, Bound, Missing, Needed, Unbound};
pub(crate) use rule::{parse_rules, Comparison, ParsedRule, RuleBody};
pub use spec::*;

use crate::error::TemplateError;

/// The largest template text accepted: real templates are a few kilobytes, so a larger one
/// is refused before the TOML parser allocates for it.
const MAX_TEMPLATE_BYTES: usize = 1 << 20;

/// The built-in templates, `(id, TOML text)`. The indicator appendix stays in `examples/`,
/// where the README shows it as the model of a template an office writes; it is built in
/// so that its forms, and filed appendices, are recognised without `--template`.
const BUILTINS: &[(&str, &str)] = &[
    ("tthc-06", include_str!("../../templates/tthc-06.toml")),
    (
        "phu-luc-cchc",
        include_str!("../../examples/phu-luc-cchc.toml"),
    ),
];

/// A form's template: how to find its table and the rules that must hold.
///
/// # Examples
/// ```
/// let template = crossfoot::Template::builtin("tthc-06").unwrap();
/// assert_eq!(template.id, "tthc-06");
/// assert!(crossfoot::Template::from_toml("id = 3").is_err());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    /// Short stable id (`tthc-06`).
    pub id: String,
    /// Human title in Vietnamese.
    pub title: String,
    /// The parsed specification.
    pub spec: TemplateSpec,
}

impl Template {
    /// Reads a template from TOML text and checks that its rules parse and name only what
    /// the template defines.
    ///
    /// # Errors
    /// A [`TemplateError`] with the line and column of what is wrong: TOML syntax, an
    /// unknown key, a rule whose formula does not parse, or a rule naming an undefined column.
    pub fn from_toml(text: &str) -> Result<Template, TemplateError> {
        if text.len() > MAX_TEMPLATE_BYTES {
            return Err(TemplateError::new(format!(
                "mẫu biểu quá lớn / the template is larger than {MAX_TEMPLATE_BYTES} bytes"
            )));
        }
        let spec: TemplateSpec = toml::from_str(text).map_err(|error| {
            let (line, column) = error
                .span()
                .map_or((None, None), |span| line_column(text, span.start));
            TemplateError {
                line,
                column,
                message: error.message().trim().to_string(),
            }
        })?;
        spec.validate(text)?;
        Ok(Template {
            id: spec.id.clone(),
            title: spec.title.clone(),
            spec,
        })
    }

    /// A built-in template by id.
    ///
    /// # Errors
    /// A [`TemplateError`] naming the known ids when `id` is not one of them.
    pub fn builtin(id: &str) -> Result<Template, TemplateError> {
        Template::all_builtins()
            .iter()
            .find(|template| template.id == id)
            .cloned()
            .ok_or_else(|| {
                let known: Vec<&str> = BUILTINS.iter().map(|(id, _)| *id).collect();
                TemplateError::new(format!(
                    "không có mẫu biểu '{id}' / no built-in template '{id}' (có / known: {})",
                    known.join(", ")
                ))
            })
    }

    /// The ids and titles of the built-in templates.
    pub fn builtins() -> Vec<(&'static str, String)> {
        Template::all_builtins()
            .iter()
            .map(|template| (template.id.as_str(), template.title.clone()))
            .collect()
    }

    /// Every built-in template, parsed once per process: a batch recognises each of
    /// thousands of files against them, and parsing their TOML per file cost 6 % of it.
    ///
    /// # Examples
    /// ```
    /// let ids: Vec<&str> = crossfoot::Template::all_builtins().iter().map(|t| t.id.as_str()).collect();
    /// assert!(ids.contains(&"tthc-06"));
    /// ```
    pub fn all_builtins() -> &'static [Template] {
        static PARSED: std::sync::OnceLock<Vec<Template>> = std::sync::OnceLock::new();
        PARSED.get_or_init(|| {
            BUILTINS
                .iter()
                .filter_map(|(_, text)| Template::from_toml(text).ok())
                .collect()
        })
    }
}

/// 1-based line and column of a byte offset in `text`.
pub(crate) fn line_column(text: &str, offset: usize) -> (Option<usize>, Option<usize>) {
    let before = text.get(..offset.min(text.len())).unwrap_or_default();
    let line = before.matches('\n').count().saturating_add(1);
    let column = before
        .rsplit('\n')
        .next()
        .map_or(0, |l| l.chars().count())
        .saturating_add(1);
    (Some(line), Some(column))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_parse() {
        for (id, text) in BUILTINS {
            let parsed = Template::from_toml(text);
            assert_eq!(
                parsed.as_ref().map(|t| t.id.as_str()),
                Ok(*id),
                "{parsed:?}"
            );
            assert_eq!(Template::builtin(id).ok(), parsed.ok(), "{id}");
        }
        assert_eq!(Template::all_builtins().len(), BUILTINS.len());
    }

    #[test]
    fn syntax_errors_point_at_line_and_column() {
        let error = Template::from_toml("id = \"x\"\ntitle = \"t\"\n[recognize\n").unwrap_err();
        assert_eq!(error.line, Some(3));
        assert!(error.column.is_some());
    }

    #[test]
    fn continuity_pairs_this_periods_columns_with_the_last_ones() {
        let tthc = Template::builtin("tthc-06").unwrap();
        let continuity = tthc
            .spec
            .continuity
            .expect("06 declares its carried-over column");
        assert_eq!(
            continuity.carried.get("carried").map(String::as_str),
            Some("pending")
        );
        assert!(continuity.cumulative.is_empty());

        let head = "id = \"x\"\ntitle = \"t\"\n[columns]\na = \"A\"\nb = \"B\"\nytd = \"Lũy kế\"\n";
        let own = Template::from_toml(&format!(
            "{head}[continuity]\na = \"b\"\ncumulative = [\"ytd\"]\n"
        ))
        .unwrap();
        let continuity = own.spec.continuity.unwrap();
        assert_eq!(continuity.carried.get("a").map(String::as_str), Some("b"));
        assert_eq!(continuity.cumulative, ["ytd"]);

        let undefined =
            Template::from_toml(&format!("{head}[continuity]\na = \"pending\"\n")).unwrap_err();
        assert!(
            undefined.message.contains("'pending'"),
            "{}",
            undefined.message
        );
        let not_a_list =
            Template::from_toml(&format!("{head}[continuity]\ncumulative = \"ytd\"\n"))
                .unwrap_err();
        assert!(
            not_a_list.message.contains("cumulative"),
            "{}",
            not_a_list.message
        );
        let a_list =
            Template::from_toml(&format!("{head}[continuity]\na = [\"b\"]\n")).unwrap_err();
        assert!(a_list.message.contains("a:"), "{}", a_list.message);

        let accumulating = Template::from_toml(&format!(
            "{head}[continuity]\ncumulative = [\"ytd\"]\naccumulates = {{ ytd = \"a\" }}\n"
        ))
        .unwrap();
        let continuity = accumulating.spec.continuity.unwrap();
        assert_eq!(
            continuity.accumulates.get("ytd").map(String::as_str),
            Some("a")
        );
        for (wrong, named) in [
            ("accumulates = \"a\"", "accumulates"),
            ("accumulates = { ytd = \"own\" }", "'own'"),
            ("accumulates = { ytd = \"ytd\" }", "'ytd'"),
        ] {
            let error = Template::from_toml(&format!("{head}[continuity]\n{wrong}\n")).unwrap_err();
            assert!(error.message.contains(named), "{wrong}: {}", error.message);
        }
    }

    #[test]
    fn unknown_keys_are_errors() {
        let error = Template::from_toml("id = \"x\"\ntitle = \"t\"\ncolour = 1\n").unwrap_err();
        assert_eq!(error.line, Some(3));
        assert!(error.message.contains("colour"), "{}", error.message);
    }
}
