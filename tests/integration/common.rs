//! Helpers shared by the integration tests: fixture paths and small workbook builders.

use std::path::PathBuf;

use crossfoot::{read_workbook, CellRef, Workbook};

/// The path of a fixture file.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("fixtures")
        .join(name)
}

/// Reads a fixture workbook, failing the test with the read error.
pub fn read_fixture(name: &str) -> Workbook {
    let bytes = std::fs::read(fixture(name)).expect("fixture exists");
    read_workbook(&bytes, name).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// A1 address to position.
pub fn at(a1: &str) -> CellRef {
    CellRef::parse(a1).expect("valid A1 address")
}
