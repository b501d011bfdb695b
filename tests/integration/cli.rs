//! Integration tests of the `crossfoot` binary: runs the real executable and checks its exit
//! codes and output: the JSON contract, CSV, text in both languages, folders, bad paths and
//! broken templates.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn crossfoot(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_crossfoot"))
        .args(args)
        .env_remove("NO_COLOR")
        .output()
        .expect("the crossfoot binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("stderr is UTF-8")
}

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!("stdout is JSON ({error}): {}", stdout(output));
    })
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn as_arg(path: &Path) -> &str {
    path.to_str().expect("test paths are UTF-8")
}

/// A temporary folder holding a text file dressed up as a workbook.
fn fake_workbook() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("fake.xlsx");
    std::fs::write(&path, "this is plain text, not a workbook\n").expect("write fake");
    (dir, path)
}

fn file_paths(json: &serde_json::Value) -> Vec<String> {
    json["files"]
        .as_array()
        .expect("files array")
        .iter()
        .map(|file| file["path"].as_str().expect("path string").to_string())
        .collect()
}

#[test]
fn help_mentions_check_and_examples() {
    let output = crossfoot(&["--help"]);
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    assert!(text.contains("check"), "{text}");
    assert!(text.contains("Examples"), "{text}");
    assert!(text.contains("Ví dụ"), "{text}");
}

#[test]
fn templates_lists_tthc_06() {
    let output = crossfoot(&["templates"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout(&output).contains("tthc-06"), "{}", stdout(&output));
}

#[test]
fn explain_unknown_code_exits_2() {
    let output = crossfoot(&["explain", "CF999"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("CF999"), "{}", stderr(&output));
    assert!(output.stdout.is_empty());
}

#[test]
fn text_file_named_xlsx_is_a_read_error_in_json() {
    let (_dir, path) = fake_workbook();
    let output = crossfoot(&["check", "--format", "json", as_arg(&path)]);
    assert_eq!(output.status.code(), Some(2));
    let json = json(&output);
    let files = json["files"].as_array().expect("files array");
    assert_eq!(files.len(), 1);
    let file = &files[0];
    assert_eq!(file["path"], as_arg(&path));
    assert!(
        file["error"]
            .as_str()
            .is_some_and(|error| !error.is_empty()),
        "{file}"
    );
    assert!(file["template"].is_null());
    assert_eq!(file["findings"], serde_json::json!([]));
    assert_eq!(
        file["summary"],
        serde_json::json!({"errors": 0, "warnings": 0, "infos": 0})
    );
}

#[test]
fn missing_path_is_reported_and_other_paths_are_still_checked() {
    let good = fixture("tthc-06-q3-2022.xlsx");
    let output = crossfoot(&[
        "check",
        "--format",
        "json",
        "no/such/report.xlsx",
        as_arg(&good),
    ]);
    assert_eq!(output.status.code(), Some(2));
    let json = json(&output);
    assert_eq!(
        file_paths(&json),
        vec!["no/such/report.xlsx".to_string(), as_arg(&good).to_string()],
        "order follows the command line"
    );
    let missing_error = json["files"][0]["error"].as_str().expect("error string");
    assert!(missing_error.contains("no such file"), "{missing_error}");
}

#[test]
fn missing_path_does_not_spoil_the_good_file() {
    let good = fixture("tthc-06-q3-2022.xlsx");
    let output = crossfoot(&["check", "--format", "json", "missing.xlsx", as_arg(&good)]);
    assert_eq!(output.status.code(), Some(2));
    let json = json(&output);
    assert!(json["files"][1]["error"].is_null(), "{json}");
    assert_eq!(json["files"][1]["template"], "tthc-06");
}

#[test]
fn folders_are_walked_recursively_in_sorted_order() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    std::fs::create_dir(root.join("sub")).expect("mkdir");
    for name in [
        "b.xlsx",
        "a.XLS",
        "sub/c.ods",
        "notes.txt",
        "~$b.xlsx",
        "sub/d.csv",
    ] {
        std::fs::write(root.join(name), "not a workbook").expect("write");
    }
    #[cfg(unix)]
    std::os::unix::fs::symlink(root, root.join("sub/loop")).expect("symlink");

    let output = crossfoot(&["check", "--format", "json", as_arg(root)]);
    assert_eq!(output.status.code(), Some(2), "the fakes are unreadable");
    let expected: Vec<String> = ["a.XLS", "b.xlsx", "sub/c.ods"]
        .iter()
        .map(|name| root.join(name).display().to_string())
        .collect();
    assert_eq!(file_paths(&json(&output)), expected);
}

#[test]
fn csv_reports_an_unreadable_file_as_cf001() {
    let (_dir, path) = fake_workbook();
    let output = crossfoot(&["check", "--format", "csv", as_arg(&path)]);
    assert_eq!(output.status.code(), Some(2));
    let text = stdout(&output);
    let mut rows = text.split("\r\n");
    assert_eq!(
        rows.next(),
        Some("file,template,severity,code,sheet,cell,cells,message,expected,actual,fix_cell,fix_value,fix_reason,expected_value,actual_value")
    );
    let row = rows.next().expect("one row");
    assert!(
        row.starts_with(&format!("{},,error,CF001,", as_arg(&path))),
        "{row}"
    );
    assert_eq!(rows.next(), Some(""));
    assert_eq!(rows.next(), None);
}

#[test]
fn text_report_has_a_total_line_in_the_chosen_language() {
    let (_dir, path) = fake_workbook();
    let english = stdout(&crossfoot(&["check", "--lang", "en", as_arg(&path)]));
    assert!(english.contains("cannot read"), "{english}");
    assert!(
        english.ends_with("1 file: 0 errors, 0 warnings, 0 info; 1 unreadable\n"),
        "{english}"
    );
    let vietnamese = stdout(&crossfoot(&["check", as_arg(&path)]));
    assert!(
        vietnamese.ends_with("1 tệp: 0 lỗi, 0 cảnh báo, 0 thông tin; 1 tệp không đọc được\n"),
        "{vietnamese}"
    );
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let (_dir, path) = fake_workbook();
    let piped = crossfoot(&["check", as_arg(&path)]);
    assert!(!piped.stdout.contains(&0x1b), "no escapes into a pipe");
    let forced = crossfoot(&["check", "--color", "always", as_arg(&path)]);
    assert!(forced.stdout.contains(&0x1b), "--color always colours");
}

#[test]
fn an_unreadable_input_gets_no_annotated_copy() {
    let (dir, path) = fake_workbook();
    let out_dir = dir.path().join("out");
    let output = crossfoot(&[
        "check",
        "--annotate",
        as_arg(&out_dir),
        "--format",
        "json",
        as_arg(&path),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(file_paths(&json(&output)).len(), 1);
    let written: Vec<_> = std::fs::read_dir(&out_dir)
        .expect("the folder is created")
        .collect();
    assert!(written.is_empty(), "{written:?}");
}

#[test]
fn unknown_builtin_template_exits_2_before_checking() {
    let (_dir, path) = fake_workbook();
    let output = crossfoot(&["check", "--template", "no-such-form", as_arg(&path)]);
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    assert!(
        stderr(&output).contains("no-such-form"),
        "{}",
        stderr(&output)
    );
}

fn broken_template() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("broken.toml");
    std::fs::write(
        &path,
        "id = \"mine\"\ntitle = \"Mẫu riêng\"\nrules = [\n  { expr = \n",
    )
    .expect("write template");
    (dir, path)
}

#[test]
fn broken_template_file_exits_2() {
    let (dir, template) = broken_template();
    let output = crossfoot(&["check", "--template", as_arg(&template), as_arg(dir.path())]);
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    assert!(
        stderr(&output).contains("broken.toml"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn broken_template_file_reports_its_line() {
    let (dir, template) = broken_template();
    let output = crossfoot(&["check", "--template", as_arg(&template), as_arg(dir.path())]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.contains("line") || message.contains("dòng"),
        "{message}"
    );
}

#[test]
fn tthc_06_sample_has_warnings_on_its_three_gap_rows() {
    let path = fixture("tthc-06-q3-2022.xlsx");
    let output = crossfoot(&["check", as_arg(&path), "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let json = json(&output);
    let file = &json["files"][0];
    assert!(file["error"].is_null(), "{file}");
    assert_eq!(file["template"], "tthc-06");
    assert_eq!(file["summary"]["errors"], 0);
    let warned: Vec<&str> = file["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .filter(|finding| finding["severity"] == "warning")
        .filter(|finding| finding["sheet"] == "06")
        .filter_map(|finding| finding["cell"].as_str())
        .collect();
    for cell in ["C15", "C39", "C51"] {
        assert!(warned.contains(&cell), "no warning on {cell}: {warned:?}");
    }
}

#[test]
fn tthc_06_sample_checks_the_same_in_every_format() {
    // The same figures as xlsx, xls and ods give the same warned cells. (The HTML export
    // has no form-number row and no blank row above the header, so its cells sit two rows
    // higher; `check::the_06_form_in_other_formats_gives_the_same_findings` compares it by
    // row label.)
    let mut cells_by_format = Vec::new();
    for name in [
        "tthc-06-q3-2022.xlsx",
        "tthc-06-q3-2022.xls",
        "tthc-06-q3-2022.ods",
    ] {
        let output = crossfoot(&["check", "--format", "json", as_arg(&fixture(name))]);
        assert_eq!(output.status.code(), Some(0), "{name}");
        let json = json(&output);
        let mut cells: Vec<String> = json["files"][0]["findings"]
            .as_array()
            .expect("findings array")
            .iter()
            .filter(|finding| finding["severity"] == "warning")
            .filter_map(|finding| finding["cell"].as_str().map(str::to_string))
            .collect();
        cells.sort();
        cells_by_format.push(cells);
    }
    assert!(!cells_by_format[0].is_empty());
    assert!(
        cells_by_format.windows(2).all(|pair| pair[0] == pair[1]),
        "{cells_by_format:?}"
    );
}
