//! Reads the HTML tables that one-stop systems export under an `.xls` name.
//!
//! STUB: being written (see the HTML helper's task).
use crate::error::ReadError;
use crate::model::Sheet;
pub(crate) fn looks_like_html(_bytes: &[u8]) -> bool { false }
pub(crate) fn read_html(_bytes: &[u8]) -> Result<Vec<Sheet>, ReadError> { Err(ReadError::NoTable) }
