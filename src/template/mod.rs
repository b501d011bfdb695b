//! Templates: where the parts of a form are and which relations must hold, from a small
//! TOML file or built into the binary.
//!
//! STUB: the public shape is fixed; the body is being written.

use crate::error::TemplateError;

/// A form's template: how to find its table and the rules that must hold.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    /// Short stable id (`tthc-06`).
    pub id: String,
    /// Human title in Vietnamese.
    pub title: String,
}

impl Template {
    /// Reads a template from TOML text.
    ///
    /// # Errors
    /// A [`TemplateError`] with the line and column of what is wrong.
    pub fn from_toml(_text: &str) -> Result<Template, TemplateError> {
        Err(TemplateError::new("not yet"))
    }

    /// A built-in template by id.
    ///
    /// # Errors
    /// A [`TemplateError`] naming the known ids when `id` is not one of them.
    pub fn builtin(id: &str) -> Result<Template, TemplateError> {
        Err(TemplateError::new(format!("unknown template {id}")))
    }

    /// The ids and titles of the built-in templates.
    pub fn builtins() -> Vec<(&'static str, &'static str)> {
        vec![("tthc-06", "Biểu số 06/VPCP/KSTT")]
    }
}
