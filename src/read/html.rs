//! Reads the HTML tables that one-stop systems export under an `.xls` name.
//!
//! STUB: being written (see the HTML helper's task).
