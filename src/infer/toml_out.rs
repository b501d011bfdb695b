//! Writes a template as TOML text a person can edit and pass back with `--template`, with the
//! evidence for each inferred rule as comments. Only what differs from the format's
//! defaults is written, so the text reads like a hand-written template.

use std::fmt::Write as _;

use super::Evidence;
use crate::finding::Severity;
use crate::number::Rounding;
use crate::template::{
    BlankMeaning, Blanks, Checks, OneOrMany, RowSpec, RuleSpec, Scope, Template,
};

/// The template as TOML, with each rule's evidence written as a comment above it. The text
/// parses back with [`Template::from_toml`] to an equal template.
///
/// # Examples
/// ```
/// let bytes = std::fs::read("tests/fixtures/kinh-phi-2022.xlsx").unwrap();
/// let book = crossfoot::read_workbook(&bytes, "kinh-phi-2022.xlsx").unwrap();
/// let inferred = crossfoot::infer_template(&book).unwrap();
/// let text = crossfoot::template_to_toml(&inferred.template, &inferred.evidence);
/// assert_eq!(crossfoot::Template::from_toml(&text).unwrap(), inferred.template);
/// ```
pub fn template_to_toml(template: &Template, evidence: &[Evidence]) -> String {
    let spec = &template.spec;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Mẫu biểu suy ra từ dữ liệu: sửa rồi dùng lại với --template FILE.toml"
    );
    let _ = writeln!(
        out,
        "# A template inferred from the data: edit it, then use it with --template FILE.toml"
    );
    out.push('\n');
    let _ = writeln!(out, "id = {}", quote(&spec.id));
    let _ = writeln!(out, "title = {}", quote(&spec.title));
    if let Some(title_en) = &spec.title_en {
        let _ = writeln!(out, "title_en = {}", quote(title_en));
    }

    let recognize = &spec.recognize;
    if !recognize.all.is_empty() || !recognize.any.is_empty() || recognize.sheet.is_some() {
        out.push_str("\n[recognize]\n");
        if !recognize.all.is_empty() {
            let _ = writeln!(out, "all = {}", list(&recognize.all));
        }
        if !recognize.any.is_empty() {
            let _ = writeln!(out, "any = {}", list(&recognize.any));
        }
        if let Some(sheet) = &recognize.sheet {
            let _ = writeln!(out, "sheet = {}", quote(sheet));
        }
    }

    let table = &spec.table;
    if table.label_column.is_some()
        || table.value_column.is_some()
        || !table.total_labels.is_empty()
        || !table.subtotal_labels.is_empty()
        || table.unit.is_some()
        || table.rounded.is_some()
    {
        out.push_str("\n[table]\n");
        if let Some(label) = &table.label_column {
            let _ = writeln!(out, "label_column = {}", quote(label));
        }
        if let Some(value) = &table.value_column {
            let _ = writeln!(out, "value_column = {}", quote(value));
        }
        if !table.total_labels.is_empty() {
            let _ = writeln!(out, "total_labels = {}", list(&table.total_labels));
        }
        if !table.subtotal_labels.is_empty() {
            let _ = writeln!(out, "subtotal_labels = {}", list(&table.subtotal_labels));
        }
        if let Some(unit) = &table.unit {
            let _ = writeln!(
                out,
                "# đơn vị của bảng: số liệu làm tròn riêng từng số nếu là bội (triệu, tỷ, nghìn) / the table's unit: figures rounded one by one when it is a multiple"
            );
            let _ = writeln!(out, "unit = {}", quote(unit));
        }
        if let Some(rounded) = table.rounded {
            let _ = writeln!(out, "rounded = {rounded}");
        }
    }

    if !spec.columns.is_empty() {
        out.push_str("\n# Cột theo tiêu đề / columns by header path\n[columns]\n");
        for (name, paths) in &spec.columns {
            let value = match paths {
                OneOrMany::One(one) => quote(one),
                OneOrMany::Many(many) => list(many),
            };
            let _ = writeln!(out, "{} = {value}", key(name));
        }
    }
    if !spec.rows.is_empty() {
        out.push_str("\n[rows]\n");
        for (name, row) in &spec.rows {
            let value = match row {
                RowSpec::Label(label) => quote(label),
                RowSpec::After { label, after } => {
                    format!("{{ label = {}, after = {} }}", quote(label), quote(after))
                }
            };
            let _ = writeln!(out, "{} = {value}", key(name));
        }
    }
    if !spec.cells.is_empty() {
        out.push_str("\n[cells]\n");
        for (name, address) in &spec.cells {
            let _ = writeln!(out, "{} = {}", key(name), quote(address));
        }
    }
    if spec.blanks != Blanks::default() {
        out.push_str("\n[blanks]\n");
        let meaning = |m: BlankMeaning| match m {
            BlankMeaning::Zero => "\"zero\"",
            BlankMeaning::Skip => "\"skip\"",
        };
        let _ = writeln!(out, "blank = {}", meaning(spec.blanks.blank));
        let _ = writeln!(out, "dash = {}", meaning(spec.blanks.dash));
        let _ = writeln!(out, "x = {}", meaning(spec.blanks.x));
        let _ = writeln!(out, "ellipsis = {}", meaning(spec.blanks.ellipsis));
    }
    if spec.checks != Checks::default() {
        out.push_str("\n[checks]\n");
        let _ = writeln!(out, "text_numbers = {}", spec.checks.text_numbers);
        let _ = writeln!(out, "ambiguous_numbers = {}", spec.checks.ambiguous_numbers);
        let _ = writeln!(out, "stale_formulas = {}", spec.checks.stale_formulas);
        let _ = writeln!(out, "dates = {}", spec.checks.dates);
    }
    if let Some(continuity) = &spec.continuity {
        out.push_str("\n# Đối chiếu với kỳ trước (--previous): cột kỳ này = cột kỳ trước; cumulative: lũy kế không giảm trong năm; accumulates: lũy kế = lũy kế kỳ trước + số trong kỳ\n");
        out.push_str("# Against the last period (--previous): this period's column = the last period's; cumulative: never down within a year; accumulates: cumulative = the last period's + this period's own\n");
        out.push_str("[continuity]\n");
        for (to, from) in &continuity.carried {
            let _ = writeln!(out, "{} = {}", key(to), quote(from));
        }
        if !continuity.cumulative.is_empty() {
            let _ = writeln!(out, "cumulative = {}", list(&continuity.cumulative));
        }
        if !continuity.accumulates.is_empty() {
            let pairs: Vec<String> = continuity
                .accumulates
                .iter()
                .map(|(sum, own)| format!("{} = {}", key(sum), quote(own)))
                .collect();
            let _ = writeln!(out, "accumulates = {{ {} }}", pairs.join(", "));
        }
    }

    let mut written = vec![false; evidence.len()];
    for rule in &spec.rules {
        out.push('\n');
        let id = rule.id.as_deref().unwrap_or_default();
        for (ev, done) in evidence.iter().zip(written.iter_mut()) {
            if *done || !rule_matches(id, &ev.rule) {
                continue;
            }
            *done = true;
            for line in ev.message.vi.lines().chain(ev.message.en.lines()) {
                let _ = writeln!(out, "# {line}");
            }
        }
        write_rule(&mut out, rule);
    }
    if let Some(form) = &spec.form {
        #[derive(serde::Serialize)]
        struct WithForm<'a> {
            form: &'a crate::template::FormSpec,
        }
        if let Ok(text) = toml::to_string(&WithForm { form }) {
            out.push('\n');
            out.push_str(&text);
        }
    }
    out
}

/// Whether evidence names this rule (`total-*12` names every `total-c12`, `total-d12`…).
fn rule_matches(id: &str, evidence_rule: &str) -> bool {
    if id.is_empty() {
        return false;
    }
    if id == evidence_rule {
        return true;
    }
    match evidence_rule.split_once('*') {
        Some((prefix, row)) => id
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.trim_start_matches(|c: char| c.is_ascii_alphabetic()) == row),
        None => false,
    }
}

fn write_rule(out: &mut String, rule: &RuleSpec) {
    out.push_str("[[rule]]\n");
    if let Some(id) = &rule.id {
        let _ = writeln!(out, "id = {}", quote(id));
    }
    if rule.scope != Scope::Row {
        let scope = match rule.scope {
            Scope::Row => "row",
            Scope::Hierarchy => "hierarchy",
            Scope::Once => "once",
        };
        let _ = writeln!(out, "scope = \"{scope}\"");
    }
    if let Some(expr) = &rule.expr {
        let _ = writeln!(out, "expr = {}", quote(expr.get_ref()));
    }
    if !rule.columns.is_empty() {
        let _ = writeln!(out, "columns = {}", list(&rule.columns));
    }
    if !rule.each.is_empty() {
        let _ = writeln!(out, "each = {}", list(&rule.each));
    }
    if let Some(when) = &rule.when {
        let _ = writeln!(out, "when = {}", quote(when.get_ref()));
    }
    if rule.rounding != Rounding::Exact {
        let rounding = match rule.rounding {
            Rounding::Exact => "exact",
            Rounding::Nearest => "nearest",
            Rounding::Truncate => "truncate",
            Rounding::Either => "either",
        };
        let _ = writeln!(out, "rounding = \"{rounding}\"");
    }
    if rule.severity != Severity::Error {
        let _ = writeln!(out, "severity = \"{}\"", rule.severity.as_str());
    }
    if let Some(code) = &rule.code {
        let _ = writeln!(out, "code = {}", quote(code));
    }
    if let Some(message) = &rule.message {
        let _ = writeln!(out, "message.vi = {}", quote(&message.vi));
        let _ = writeln!(out, "message.en = {}", quote(&message.en));
    }
}

/// A TOML key: bare when it can be, quoted otherwise.
fn key(name: &str) -> String {
    if !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        name.to_string()
    } else {
        quote(name)
    }
}

/// A TOML basic string.
fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len().saturating_add(2));
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| quote(s)).collect();
    format!("[{}]", quoted.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_and_parse_back() {
        let text = format!("v = {}\n", quote("a \"b\" \\ c\td\u{1}é"));
        let value: toml::Table = toml::from_str(&text).unwrap();
        assert_eq!(value["v"].as_str(), Some("a \"b\" \\ c\td\u{1}é"));
    }

    #[test]
    fn the_builtin_templates_round_trip_with_their_forms() {
        for id in ["tthc-06", "phu-luc-cchc"] {
            let template = Template::builtin(id).unwrap();
            assert!(template.spec.form.is_some(), "{id}");
            assert_eq!(template.spec.continuity.is_some(), id == "tthc-06");
            let text = template_to_toml(&template, &[]);
            assert_eq!(Template::from_toml(&text).unwrap(), template, "{id}");
        }
    }

    #[test]
    fn continuity_round_trips() {
        let text = "id = \"x\"\ntitle = \"t\"\n[columns]\na = \"A\"\n\"b c\" = \"B\"\nown = \"C\"\n[continuity]\na = \"b c\"\ncumulative = [\"a\", \"b c\"]\naccumulates = { \"b c\" = \"own\" }\n";
        let template = Template::from_toml(text).unwrap();
        let continuity = template.spec.continuity.as_ref().unwrap();
        assert_eq!(
            continuity.accumulates.get("b c").map(String::as_str),
            Some("own")
        );
        let written = template_to_toml(&template, &[]);
        assert!(written.contains("[continuity]"), "{written}");
        assert!(
            written.contains("accumulates = { \"b c\" = \"own\" }"),
            "{written}"
        );
        assert_eq!(
            Template::from_toml(&written).unwrap(),
            template,
            "{written}"
        );
    }
}
