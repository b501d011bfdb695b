//! Reading workbooks from bytes: detects the format, hands the bytes to the right reader,
//! and reads every text cell as a number in the convention the workbook uses.

mod html;

use crate::error::ReadError;
use crate::model::Workbook;

/// Reads a workbook from its bytes; `file_name` is only a hint (its extension breaks ties).
///
/// # Errors
/// A [`ReadError`] saying why the bytes are not a readable workbook.
pub fn read_workbook(_bytes: &[u8], _file_name: &str) -> Result<Workbook, ReadError> {
    Err(ReadError::NotAWorkbook)
}
