//! Batch resilience: a folder of 1,000 small workbooks, 1 % of them broken in different
//! ways, is checked completely by the command line; every file is reported, each broken one
//! with its error, and the exit code is 2.

use std::collections::BTreeMap;
use std::process::Command;

use rust_xlsxwriter::Workbook as XlsxWriter;

use crate::common::fixture;

const FILES: usize = 1_000;

/// A small valid workbook whose numbers add up.
fn small_workbook(seed: usize) -> Vec<u8> {
    let mut book = XlsxWriter::new();
    let sheet = book.add_worksheet();
    let a = u32::try_from(seed % 97).unwrap();
    let b = u32::try_from(seed % 13).unwrap();
    sheet.write_string(0, 0, "Khoản").unwrap();
    sheet.write_string(0, 1, "Số").unwrap();
    sheet.write_string(1, 0, "A").unwrap();
    sheet.write_number(1, 1, f64::from(a)).unwrap();
    sheet.write_string(2, 0, "B").unwrap();
    sheet.write_number(2, 1, f64::from(b)).unwrap();
    sheet.write_string(3, 0, "Tổng").unwrap();
    sheet.write_number(3, 1, f64::from(a + b)).unwrap();
    book.save_to_buffer().unwrap()
}

#[test]
fn a_folder_of_1000_workbooks_with_ten_broken_is_checked_completely() {
    let dir = tempfile::tempdir().unwrap();
    let good = small_workbook(1);
    let hostile = |name: &str| {
        std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/hostile")
                .join(name),
        )
        .unwrap()
    };
    // Ten broken files, each broken differently, spread through the folder.
    let broken: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("text", b"not a workbook".to_vec()),
        ("truncated", good[..good.len() / 2].to_vec()),
        (
            "encrypted",
            std::fs::read(fixture("encrypted.xlsx")).unwrap(),
        ),
        ("bomb", hostile("zip-bomb.xlsx")),
        ("deep", hostile("deep-nesting.xlsx")),
        ("duplicate", hostile("duplicate-parts.xlsx")),
        ("traversal", hostile("path-traversal.xlsx")),
        ("missing", hostile("missing-sheet-part.xlsx")),
        ("zeros", vec![0; 4096]),
    ];
    let mut expected_broken = BTreeMap::new();
    for i in 0..FILES {
        let name = format!("bao-cao-{i:04}.xlsx");
        let bytes = if i % 100 == 37 {
            let (kind, bytes) = &broken[i / 100];
            expected_broken.insert(name.clone(), *kind);
            bytes.clone()
        } else {
            small_workbook(i)
        };
        std::fs::write(dir.path().join(&name), bytes).unwrap();
    }

    let output = Command::new(env!("CARGO_BIN_EXE_crossfoot"))
        .args(["check", "--format", "json"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let files = json["files"].as_array().unwrap();
    assert_eq!(files.len(), FILES, "every file is reported");
    let mut errors = BTreeMap::new();
    for file in files {
        let path = file["path"].as_str().unwrap();
        let name = path.rsplit(['/', '\\']).next().unwrap().to_string();
        if let Some(error) = file["error"].as_str() {
            errors.insert(name, error.to_string());
        }
    }
    assert_eq!(
        errors.keys().collect::<Vec<_>>(),
        expected_broken.keys().collect::<Vec<_>>(),
        "exactly the broken files fail"
    );
    for (name, kind) in &expected_broken {
        let error = &errors[name];
        let wanted = match *kind {
            "empty" => "empty",
            "text" | "zeros" => "not a workbook",
            "encrypted" => "password",
            "bomb" => "compression ratio",
            "deep" => "XML nesting depth",
            "duplicate" => "same name",
            "traversal" => "unsafe part name",
            _ => "damaged",
        };
        assert!(error.contains(wanted), "{name} ({kind}): {error}");
    }
}
