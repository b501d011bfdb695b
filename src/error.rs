//! Typed errors of the core: what went wrong reading a workbook or a template, in words a
//! user can act on (Vietnamese first, English beside it).

use std::fmt;

/// Why a workbook could not be read.
///
/// Every variant carries enough to tell the user what to do; none of them is a panic.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReadError {
    /// The input has no bytes at all.
    Empty,
    /// The bytes are not a workbook crossfoot can read (not zip, not BIFF, not an HTML table).
    NotAWorkbook,
    /// The workbook is protected with a password (an encrypted OLE container).
    Encrypted,
    /// The file looks like a workbook but is damaged; the detail says where.
    Corrupt(String),
    /// The HTML document holds no `<table>`.
    NoTable,
    /// The input exceeds a safety limit (`what` exceeded `limit`).
    LimitExceeded {
        /// What was being counted (`cells in sheet 06`, `uncompressed size`, …).
        what: String,
        /// The limit that was hit.
        limit: u64,
    },
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Empty => write!(f, "tệp rỗng / the file is empty"),
            ReadError::NotAWorkbook => write!(
                f,
                "không phải bảng tính (xlsx, xlsm, xlsb, xls, ods hoặc bảng HTML) / not a workbook (xlsx, xlsm, xlsb, xls, ods or an HTML table)"
            ),
            ReadError::Encrypted => write!(
                f,
                "bảng tính được bảo vệ bằng mật khẩu; hãy gỡ mật khẩu rồi thử lại / the workbook is password-protected; remove the password and try again"
            ),
            ReadError::Corrupt(detail) => {
                write!(f, "bảng tính bị hỏng / the workbook is damaged: {detail}")
            }
            ReadError::NoTable => write!(
                f,
                "tài liệu HTML không có bảng nào / the HTML document holds no table"
            ),
            ReadError::LimitExceeded { what, limit } => write!(
                f,
                "vượt giới hạn an toàn / safety limit exceeded: {what} > {limit}"
            ),
        }
    }
}

impl std::error::Error for ReadError {}

/// Why a template could not be used: a syntax or meaning error, with its place in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    /// 1-based line in the template text, when known.
    pub line: Option<usize>,
    /// 1-based column in the template text, when known.
    pub column: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl TemplateError {
    /// An error with no position (for example, an unknown built-in template id).
    pub fn new(message: impl Into<String>) -> Self {
        TemplateError {
            line: None,
            column: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(line), Some(column)) => write!(
                f,
                "mẫu biểu lỗi ở dòng {line}, cột {column} / template error at line {line}, column {column}: {}",
                self.message
            ),
            _ => write!(f, "mẫu biểu lỗi / template error: {}", self.message),
        }
    }
}

impl std::error::Error for TemplateError {}
