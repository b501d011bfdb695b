//! The command line's contract as other tools meet it: exit codes 0, 1 and 2 from the real
//! binary, and every key of the JSON report with its type, on a form with a real error.

use std::process::Command;

use crate::common::fixture;
use crate::form06::{self, Kind, Options};

fn run(args: &[&str]) -> (Option<i32>, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_crossfoot"))
        .args(args)
        .output()
        .expect("the binary runs");
    (
        output.status.code(),
        String::from_utf8(output.stdout).expect("UTF-8 output"),
    )
}

/// A 06 form whose grand total of carried-over dossiers is 1.000 too high.
fn form_with_an_error(dir: &std::path::Path) -> (std::path::PathBuf, String) {
    let mut rows = form06::sample_rows();
    let total = rows.iter().position(|r| r.kind == Kind::Total).unwrap();
    rows[total].counts[form06::CARRIED] += 1000;
    let (bytes, placed) = form06::write(&rows, &Options::default());
    let path = dir.join("wrong-total.xlsx");
    std::fs::write(&path, bytes).unwrap();
    (path, format!("F{}", placed[total] + 1))
}

#[test]
fn exit_codes_are_0_clean_1_errors_2_unreadable() {
    let sample = fixture("tthc-06-q3-2022.xlsx");
    assert_eq!(run(&["check", sample.to_str().unwrap()]).0, Some(0));

    let dir = tempfile::tempdir().unwrap();
    let (wrong, _) = form_with_an_error(dir.path());
    assert_eq!(run(&["check", wrong.to_str().unwrap()]).0, Some(1));

    let broken = dir.path().join("broken.xlsx");
    std::fs::write(&broken, b"PK\x03\x04 not really a zip").unwrap();
    // Unreadable wins over errors: the batch still reports the readable file.
    let (code, out) = run(&[
        "check",
        "--format",
        "json",
        wrong.to_str().unwrap(),
        broken.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(2));
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["files"].as_array().unwrap().len(), 2);
    assert!(json["files"][0]["summary"]["errors"].as_u64().unwrap() > 0);
    assert!(json["files"][1]["error"].is_string());
}

#[test]
fn json_has_every_contract_key_with_its_type() {
    let dir = tempfile::tempdir().unwrap();
    let (wrong, cell) = form_with_an_error(dir.path());
    let (code, out) = run(&[
        "check",
        "--format",
        "json",
        "--lang",
        "en",
        wrong.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(1));
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let file = &json["files"][0];
    assert!(file["path"].as_str().unwrap().ends_with("wrong-total.xlsx"));
    assert_eq!(file["template"], "tthc-06");
    assert!(file["error"].is_null());
    for key in ["errors", "warnings", "infos"] {
        assert!(file["summary"][key].is_u64(), "summary.{key}");
    }
    let findings = file["findings"].as_array().unwrap();
    assert_eq!(
        findings.len() as u64,
        ["errors", "warnings", "infos"]
            .iter()
            .map(|k| file["summary"][k].as_u64().unwrap())
            .sum::<u64>()
    );
    for finding in findings {
        for key in ["code", "severity", "sheet", "cell", "message"] {
            assert!(finding[key].is_string(), "{key} in {finding}");
        }
        assert!(finding["cells"].is_array());
        for key in ["expected", "actual", "expected_value", "actual_value"] {
            assert!(finding[key].is_string() || finding[key].is_null(), "{key}");
        }
        // A plain decimal, readable without the locale, wherever the shown value is one.
        for key in ["expected_value", "actual_value"] {
            if let Some(plain) = finding[key].as_str() {
                assert!(
                    plain.parse::<rust_decimal::Decimal>().is_ok(),
                    "{key}: {plain}"
                );
            }
        }
        assert!(finding["fix"].is_object() || finding["fix"].is_null());
        let severity = finding["severity"].as_str().unwrap();
        assert!(["error", "warning", "info"].contains(&severity));
    }
    // The wrong total is named as the wrong cell, with a safe fix back to the right value.
    let total = findings
        .iter()
        .find(|f| f["code"] == "CF301" && f["cell"] == cell.as_str())
        .expect("the wrong total is found");
    assert_eq!(total["sheet"], "06");
    assert_eq!(total["actual"], "20.158");
    assert_eq!(total["expected"], "19.158");
    assert_eq!(total["actual_value"], "20158");
    assert_eq!(total["expected_value"], "19158");
    assert_eq!(total["fix"]["cell"], cell.as_str());
    assert_eq!(total["fix"]["value"], "19.158");
    assert!(total["fix"]["reason"].is_string());
    assert_eq!(total["fix"]["applicability"], "safe");
    assert!(
        total["message"]
            .as_str()
            .unwrap()
            .contains("should be 19,158"),
        "{}",
        total["message"]
    );
}

#[test]
fn explain_prints_a_codes_documentation_in_both_languages() {
    let (code, vi) = run(&["explain", "CF203"]);
    assert_eq!(code, Some(0));
    assert!(vi.contains("độ chính xác"), "{vi}");
    let (_, en) = run(&["--lang", "en", "explain", "cf203"]);
    assert!(en.contains("precision"), "{en}");
}
