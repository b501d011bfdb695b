//! Helpers shared by the integration tests: fixture paths, small workbook builders, zip
//! part edits, and headless LibreOffice (conversions, optionally recalculating on load).

use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

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

/// Runs the `crossfoot` binary.
pub fn crossfoot(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_crossfoot"))
        .args(args)
        .output()
        .expect("the crossfoot binary runs")
}

/// Checks `file` with the flags `across` (the other files it is compared with) in the text
/// report (English), the CSV (Vietnamese) and an annotated workbook written into `work`,
/// and asserts that each shows the finding `code` naming the other file `other` and its
/// cell `cell`.
pub fn outputs_name_the_other_file(
    across: &[&str],
    file: &str,
    code: &str,
    (other, cell): (&str, &str),
    work: &Path,
) {
    let run = |format: &[&str]| {
        let args: Vec<&str> = ["check"]
            .iter()
            .chain(format)
            .chain(across)
            .chain(&[file])
            .copied()
            .collect();
        String::from_utf8(crossfoot(&args).stdout).expect("UTF-8 output")
    };
    for (format, cell_words) in [(["--lang", "en"], "cell"), (["--format", "csv"], "ô")] {
        let out = run(&format);
        let line = out.lines().find(|l| l.contains(code)).expect("the finding");
        let named = format!("{cell_words} {cell}");
        assert!(line.contains(other) && line.contains(&named), "{line}");
    }
    let annotated = work.join("annotated");
    run(&["--annotate", annotated.to_str().expect("UTF-8 path")]);
    let stem = Path::new(file).file_stem().expect("a file name");
    let checked = annotated.join(format!("{}.checked.xlsx", stem.to_string_lossy()));
    let notes = annotated_notes(&checked);
    assert!(
        notes.contains(code) && notes.contains(other) && notes.contains(&format!("ô {cell}")),
        "{notes}"
    );
}

/// The notes of an annotated workbook written to `path`: its comments parts' XML, joined.
pub fn annotated_notes(path: &Path) -> String {
    let bytes = std::fs::read(path).expect("the annotated workbook");
    zip_parts(&bytes)
        .into_iter()
        .filter(|(name, _)| name.starts_with("xl/comments"))
        .map(|(_, data)| String::from_utf8(data).expect("UTF-8 XML"))
        .collect()
}

/// A1 address to position.
pub fn at(a1: &str) -> CellRef {
    CellRef::parse(a1).expect("valid A1 address")
}

/// The package with one XML part edited.
pub fn rezip(bytes: &[u8], part: &str, edit: impl Fn(String) -> String) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("zip");
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).expect("entry");
        let name = file.name().expect("name").to_string();
        let mut data = Vec::new();
        file.read_to_end(&mut data).expect("read");
        if name == part {
            data = edit(String::from_utf8(data).expect("utf8")).into_bytes();
        }
        writer.start_file(name.as_str(), options).expect("start");
        writer.write_all(&data).expect("write");
    }
    writer.finish().expect("finish").into_inner()
}

/// Converts `xlsx` to CSV (its first sheet, UTF-8) with headless LibreOffice; `None` with a
/// printed reason when LibreOffice is not installed.
pub fn libreoffice_csv(xlsx: &Path, work: &Path) -> Option<Vec<Vec<String>>> {
    let csv_path = libreoffice_convert(
        xlsx,
        work,
        "csv:Text - txt - csv (StarCalc):44,34,76",
        false,
    )?;
    let text = std::fs::read_to_string(&csv_path).expect("CSV read");
    Some(parse_csv(&text))
}

/// Converts `input` with headless LibreOffice into `work/out/` (`filter` as for
/// `--convert-to`: `pdf`, `xlsx`, `csv:…`) and returns the written file; `None` with a
/// printed reason when LibreOffice is not installed. With `recalculate`, the profile asks
/// LibreOffice to recalculate every formula of an xlsx on load (by default it trusts the
/// cached values), as Excel does with a file that asks for a full calculation.
pub fn libreoffice_convert(
    input: &Path,
    work: &Path,
    filter: &str,
    recalculate: bool,
) -> Option<PathBuf> {
    let Some(program) = ["libreoffice", "soffice"]
        .into_iter()
        .find(|name| Command::new(name).arg("--version").output().is_ok())
    else {
        println!("skipped: LibreOffice (libreoffice/soffice) is not on PATH");
        return None;
    };
    let profile = work.join(if recalculate {
        "lo-recalc"
    } else {
        "lo-profile"
    });
    if recalculate {
        std::fs::create_dir_all(profile.join("user")).expect("profile");
        std::fs::write(
            profile.join("user/registrymodifications.xcu"),
            r#"<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"#,
        )
        .expect("profile settings");
    }
    let out_dir = work.join("out");
    let output = Command::new(program)
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .args(["--headless", "--convert-to", filter])
        .arg("--outdir")
        .arg(&out_dir)
        .arg(input)
        .output()
        .expect("LibreOffice runs");
    let extension = filter.split(':').next().unwrap_or(filter);
    let written = out_dir.join(
        input
            .with_extension(extension)
            .file_name()
            .expect("file name"),
    );
    assert!(
        written.is_file(),
        "LibreOffice wrote no {extension}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(written)
}

/// A small RFC 4180 reader (quoted fields, doubled quotes, newlines inside quotes).
pub fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

pub fn csv_at(rows: &[Vec<String>], at: CellRef) -> &str {
    rows.get(at.row as usize)
        .and_then(|row| row.get(at.col as usize))
        .map_or("", String::as_str)
}

/// The parts of a zip package (name and inflated bytes), in order.
pub fn zip_parts(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    use std::io::Read as _;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    (0..archive.len())
        .map(|i| {
            let mut part = archive.by_index(i).expect("a part");
            let mut data = Vec::new();
            part.read_to_end(&mut data).expect("the part inflates");
            (part.name().expect("a name").into_owned(), data)
        })
        .collect()
}
