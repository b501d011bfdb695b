//! Reading workbooks from bytes: detects the format, hands the bytes to the right reader,
//! and reads every text cell as a number in the convention the workbook uses.

mod html;
