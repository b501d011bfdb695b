//! PLACEHOLDER for `patch` (the package patcher another helper is writing): the same two
//! signatures, returning the input bytes unchanged, so the dispatch, the rebuild and the CLI
//! can be built and tested before it lands. The lead replaces `use patch_placeholder as
//! patch;` in `output/mod.rs` with `mod patch;` and deletes this file at merge.

use super::{LiveFormula, OutputError, OutputOptions};
use crate::finding::Finding;

/// Placeholder: returns `xlsx` unchanged.
pub(crate) fn annotate_package(
    xlsx: &[u8],
    _findings: &[Finding],
    _options: &OutputOptions,
) -> Result<Vec<u8>, OutputError> {
    Ok(xlsx.to_vec())
}

/// Placeholder: returns `xlsx` unchanged.
pub(crate) fn fix_package(
    xlsx: &[u8],
    _findings: &[Finding],
    _live: &[LiveFormula],
    _options: &OutputOptions,
) -> Result<Vec<u8>, OutputError> {
    Ok(xlsx.to_vec())
}
