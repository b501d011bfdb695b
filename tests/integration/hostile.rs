//! Hostile and broken inputs (the corpus in `tests/hostile/`): each gives its expected typed
//! error, and the command line, run on each, answers within 1 s and 100 MB of memory
//! (the child runs under `RLIMIT_DATA` = 100 MB, so any allocation past it fails and
//! aborts the child, which fails the test).
//!
//! The corpus is written by `write_hostile_corpus` below (run it with
//! `cargo test --test integration hostile::write_hostile_corpus -- --ignored`); inputs too
//! big to commit (a 10 MB template) are made in the test.

use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crossfoot::{
    check, parse_formula, read_workbook, read_workbook_with, Limits, ReadError, Template,
    TemplateChoice,
};
use rust_xlsxwriter::Workbook as XlsxWriter;

use crate::common::{fixture, zip_parts};

/// What reading a hostile input must give.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expected {
    /// Read fine (the attack is harmless to the streaming reader): the check completes.
    Reads,
    Corrupt,
    Encrypted,
    Limit,
}

/// The corpus: file name in `tests/hostile/`, and what reading it gives.
const CORPUS: &[(&str, Expected)] = &[
    ("zip-bomb.xlsx", Expected::Limit),
    ("zip-bomb-lying-size.xlsx", Expected::Corrupt),
    ("zip-bomb-declared-1.3gb.xlsx", Expected::Limit),
    ("entity-expansion.xlsx", Expected::Corrupt),
    ("deep-nesting.xlsx", Expected::Limit),
    ("huge-dimension.xlsx", Expected::Reads),
    ("shared-strings-count-lie.xlsx", Expected::Corrupt),
    ("duplicate-parts.xlsx", Expected::Corrupt),
    ("path-traversal.xlsx", Expected::Corrupt),
    ("missing-sheet-part.xlsx", Expected::Corrupt),
    ("formula-nested-10000.xlsx", Expected::Limit),
    ("encrypted.xlsx", Expected::Encrypted),
    ("truncated.xlsx", Expected::Corrupt),
    ("truncated.xls", Expected::Corrupt),
    ("truncated.ods", Expected::Corrupt),
    // Found by the annotate fuzz target: calamine 0.38 slices past the end of an OLE
    // container whose sector chain points beyond the file, and panics.
    ("fuzz-cfb-sector-past-end.xls", Expected::Corrupt),
    // Found by the annotate fuzz target: an xls whose cells span a rectangle calamine
    // would allocate 137 GB for (and abort); measured and refused before calamine reads it.
    ("fuzz-xls-cells-span-137gb.xls", Expected::Limit),
    // Found by the annotate fuzz target (session 7): the Workbook stream's directory entry
    // has a damaged name length; calamine finds the stream by the name's characters and
    // would allocate 17.7 GB for its cells. The measure now finds it as calamine does.
    ("fuzz-xls-stream-name-17gb.xls", Expected::Limit),
    // Found by the annotate fuzz target in CI (session 18): the directory's one sector is
    // cut short by the end of the file, which calamine reads as what is there and the walk
    // did not; the root's stream loops over one sector, which calamine copied up to 4 GB.
    ("fuzz-xls-partial-directory-4gb.xls", Expected::Corrupt),
    // One 32,767-character shared string shown by 10,000 cells (written by LibreOffice from
    // an xlsx): calamine copies it into each cell, 969 MB from a 200 KB file.
    ("xls-text-shown-10000-times.xls", Expected::Limit),
    // The same in xlsx: the cells share the one string, so it reads (it took 330 MB).
    ("shared-string-shown-10000-times.xlsx", Expected::Reads),
    // An 864-byte ods whose one 30,000-character cell is repeated over 100 × 1,000 cells:
    // calamine expanded it into 8.8 GB.
    ("ods-text-repeated-100000-times.ods", Expected::Limit),
    // A number cell repeated over 5,000 × 5,000 cells: a grid over the cell limit.
    ("ods-cell-repeated-25m-times.ods", Expected::Limit),
];

fn hostile(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("hostile")
        .join(name)
}

fn outcome(result: &Result<crossfoot::Workbook, ReadError>) -> Expected {
    match result {
        Ok(_) => Expected::Reads,
        Err(ReadError::Corrupt(_)) => Expected::Corrupt,
        Err(ReadError::Encrypted) => Expected::Encrypted,
        Err(ReadError::LimitExceeded { .. }) => Expected::Limit,
        Err(other) => panic!("unexpected error kind {other:?}"),
    }
}

#[test]
fn every_hostile_input_gives_its_expected_error_quickly() {
    for (name, expected) in CORPUS {
        let bytes = std::fs::read(hostile(name)).expect("corpus file exists");
        let started = Instant::now();
        let result = read_workbook(&bytes, name);
        if let Ok(book) = &result {
            let _ = check(book, &TemplateChoice::Auto);
        }
        let took = started.elapsed();
        assert_eq!(outcome(&result), *expected, "{name}: {result:?}");
        // A panic caught inside calamine prints a backtrace when RUST_BACKTRACE is set,
        // which can take longer than the read; the CLI test times that one without it.
        if !name.starts_with("fuzz-") {
            assert!(took < Duration::from_secs(1), "{name} took {took:?}");
        }
    }
}

/// The memory a run may allocate (heap, anonymous maps, stacks: Linux's RLIMIT_DATA).
const MEMORY_LIMIT: u64 = 100 << 20;

/// Runs the CLI on one file with its memory capped at [`MEMORY_LIMIT`]; returns its exit
/// code, wall time and maximum RSS in bytes (an upper bound: Linux counts the test
/// process's own size at the fork into it).
fn run_measured(path: &Path) -> (i32, Duration, u64) {
    use std::os::unix::process::CommandExt;
    let started = Instant::now();
    let mut command = Command::new(env!("CARGO_BIN_EXE_crossfoot"));
    command
        .args(["check", "--format", "json"])
        .arg(path)
        // A caught panic inside calamine prints its message; symbolizing a backtrace for
        // it would cost 150 MB and is not what is measured.
        .env("RUST_BACKTRACE", "0")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let limit = libc::rlimit {
        rlim_cur: MEMORY_LIMIT,
        rlim_max: MEMORY_LIMIT,
    };
    // SAFETY: setrlimit is async-signal-safe and touches only the child about to exec.
    // Reaped below with wait4, which `Child::wait` cannot do (it gives no resource usage).
    #[allow(clippy::zombie_processes)]
    let child = unsafe {
        command.pre_exec(move || {
            if libc::setrlimit(libc::RLIMIT_DATA, &limit) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        })
    }
    .spawn()
    .expect("the binary runs");
    let pid = i32::try_from(child.id()).expect("pid fits");
    let mut status = 0;
    // SAFETY: rusage is plain data, and wait4 reaps the child we just spawned.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // Polled, so a child stuck after a failed allocation fails the test instead of
    // hanging it.
    let reaped = loop {
        let reaped = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if reaped != 0 {
            break reaped;
        }
        if started.elapsed() > Duration::from_secs(10) {
            unsafe { libc::kill(pid, libc::SIGKILL) };
            unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
            panic!(
                "{} hung (out of its {} MB?)",
                path.display(),
                MEMORY_LIMIT >> 20
            );
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let took = started.elapsed();
    assert_eq!(reaped, pid, "wait4 reaped the child");
    assert!(
        libc::WIFEXITED(status),
        "{} did not exit normally (out of its {} MB?)",
        path.display(),
        MEMORY_LIMIT >> 20
    );
    // Linux reports ru_maxrss in kilobytes.
    let max_rss = u64::try_from(usage.ru_maxrss).unwrap_or(0) * 1024;
    (libc::WEXITSTATUS(status), took, max_rss)
}

#[test]
fn the_command_line_survives_every_hostile_input_within_1s_and_100mb() {
    for (name, expected) in CORPUS {
        let (code, took, max_rss) = run_measured(&hostile(name));
        eprintln!(
            "{name}: exit {code}, {took:?}, max RSS <= {} KB",
            max_rss >> 10
        );
        let wanted = if *expected == Expected::Reads {
            0..=1
        } else {
            2..=2
        };
        assert!(wanted.contains(&code), "{name}: exit code {code}");
        assert!(took < Duration::from_secs(1), "{name} took {took:?}");
    }
}

#[test]
fn a_sheet_claiming_every_cell_reads_only_the_cells_it_has() {
    let bytes = std::fs::read(hostile("huge-dimension.xlsx")).unwrap();
    let book = read_workbook(&bytes, "huge-dimension.xlsx").unwrap();
    assert_eq!(book.sheets[0].cells.len(), 2);
}

#[test]
fn a_zip_bomb_names_the_ratio_and_passes_when_the_limits_are_raised() {
    let bytes = std::fs::read(hostile("zip-bomb.xlsx")).unwrap();
    match read_workbook(&bytes, "zip-bomb.xlsx") {
        Err(ReadError::LimitExceeded { what, limit }) => {
            assert!(what.contains("compression ratio"), "{what}");
            assert_eq!(limit, Limits::default().max_compression_ratio);
        }
        other => panic!("{other:?}"),
    }
    let generous = Limits {
        max_compression_ratio: u64::MAX,
        ..Limits::default()
    };
    assert!(read_workbook_with(&bytes, "zip-bomb.xlsx", &generous).is_ok());
}

/// The package guard leaves the worksheet parts to the one-scan reader, which measures
/// them as it reads them: what it reads, what follows `</worksheet>`, and a sheet part no
/// sheet points to are all measured before the read returns, as the guard measured them.
#[test]
fn sheet_parts_left_to_their_reader_are_measured_to_their_end() {
    let deep = "<x>".repeat(300);
    let base_reads = read_workbook(&base_xlsx(), "base.xlsx").unwrap();
    assert_eq!(base_reads.sheets[0].cells.len(), 2);
    let cases = [
        (
            "nested inside the sheet the scan follows",
            with_part(
                SHEET,
                sheet_xml(&format!("<sheetData/><extLst>{deep}</extLst>")),
            ),
            Expected::Limit,
        ),
        (
            "nested after </worksheet>",
            with_part(
                SHEET,
                [sheet_xml("<sheetData/>"), deep.clone().into_bytes()].concat(),
            ),
            Expected::Limit,
        ),
        (
            "a sheet part no sheet points to",
            zip_of(
                &[
                    zip_parts(&base_xlsx()),
                    vec![(
                        "xl/worksheets/sheet9.xml".to_string(),
                        sheet_xml(&format!("<sheetData/>{deep}")),
                    )],
                ]
                .concat(),
            ),
            Expected::Limit,
        ),
        (
            "a sheet larger than it declares",
            declare_size(
                with_part(
                    SHEET,
                    sheet_xml(&format!("<sheetData>{}</sheetData>", " ".repeat(5_000))),
                ),
                SHEET,
                1_000,
            ),
            Expected::Corrupt,
        ),
    ];
    for (what, bytes, expected) in cases {
        let result = read_workbook(&bytes, "x.xlsx");
        assert_eq!(outcome(&result), expected, "{what}: {result:?}");
    }
}

#[test]
fn a_template_with_a_10_mb_string_is_refused_quickly() {
    let text = format!("id = \"x\"\nname = \"{}\"\n", "a".repeat(10 << 20));
    let started = Instant::now();
    let error = Template::from_toml(&text).expect_err("too large");
    assert!(started.elapsed() < Duration::from_secs(1));
    assert!(error.message.contains("1048576"), "{error}");
}

#[test]
fn a_formula_nested_10000_levels_is_an_error_not_a_stack_overflow() {
    let formula = format!("{}1{}", "(".repeat(10_000), ")".repeat(10_000));
    assert!(parse_formula(&formula).is_err());
    let signs = format!("{}1", "-".repeat(10_000));
    assert!(parse_formula(&signs).is_err());
    // Within the reader's default limit, the workbook reads and the check completes.
    let relaxed = Limits {
        max_formula_depth: u32::MAX,
        ..Limits::default()
    };
    let bytes = std::fs::read(hostile("formula-nested-10000.xlsx")).unwrap();
    let book = read_workbook_with(&bytes, "f.xlsx", &relaxed).unwrap();
    let _ = check(&book, &TemplateChoice::Auto);
}

#[test]
fn the_committed_corpus_is_what_the_generator_writes() {
    for (name, bytes) in corpus() {
        let committed = std::fs::read(hostile(&name)).expect("corpus file exists");
        assert!(
            committed == bytes,
            "{name} is stale: rerun write_hostile_corpus"
        );
    }
}

/// Writes the corpus into `tests/hostile/`.
#[test]
#[ignore = "rewrites tests/hostile/"]
fn write_hostile_corpus() {
    for (name, bytes) in corpus() {
        std::fs::write(hostile(&name), bytes).unwrap();
    }
}

// ---- The generator -------------------------------------------------------------------

const SHEET_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#;

/// A small valid workbook: one sheet with a number and a text.
fn base_xlsx() -> Vec<u8> {
    let mut book = XlsxWriter::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "Tổng").unwrap();
    sheet.write_number(0, 1, 1845.0).unwrap();
    let bytes = book.save_to_buffer().unwrap();
    // The document properties carry the time of writing; without them the corpus is the
    // same on every run (calamine does not need them).
    let parts: Vec<_> = zip_parts(&bytes)
        .into_iter()
        .filter(|(name, _)| name != "docProps/core.xml")
        .collect();
    zip_of(&parts)
}

/// A zip of `parts`, deflated, in order.
fn zip_of(parts: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(9));
    for (name, data) in parts {
        writer.start_file(name.as_str(), options).unwrap();
        writer.write_all(data).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

/// The base workbook with one part replaced.
fn with_part(name: &str, data: Vec<u8>) -> Vec<u8> {
    let parts: Vec<_> = zip_parts(&base_xlsx())
        .into_iter()
        .map(|(n, d)| if n == name { (n, data.clone()) } else { (n, d) })
        .collect();
    zip_of(&parts)
}

const SHEET: &str = "xl/worksheets/sheet1.xml";

fn sheet_xml(body: &str) -> Vec<u8> {
    format!("{SHEET_HEAD}{body}</worksheet>").into_bytes()
}

/// A stored (uncompressed) zip written by hand, so it can hold what a zip library refuses
/// to write: duplicate names and names outside the package.
fn raw_zip(parts: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in parts {
        let offset = u32::try_from(out.len()).unwrap();
        let crc = crc32(data);
        let size = u32::try_from(data.len()).unwrap();
        let name_len = u16::try_from(name.len()).unwrap();
        out.extend_from_slice(b"PK\x03\x04");
        out.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]); // version, flags, stored, time, date
        for v in [crc, size, size] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&name_len.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        central.extend_from_slice(b"PK\x01\x02");
        central.extend_from_slice(&[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        for v in [crc, size, size] {
            central.extend_from_slice(&v.to_le_bytes());
        }
        central.extend_from_slice(&name_len.to_le_bytes());
        central.extend_from_slice(&[0; 12]); // extra, comment, disk, internal and external attrs
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let count = u16::try_from(parts.len()).unwrap();
    let central_offset = u32::try_from(out.len()).unwrap();
    let central_size = u32::try_from(central.len()).unwrap();
    out.extend_from_slice(&central);
    out.extend_from_slice(b"PK\x05\x06\0\0\0\0");
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&central_size.to_le_bytes());
    out.extend_from_slice(&central_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Rewrites the declared uncompressed size of the part `name` in both its local header and
/// its central directory entry.
fn declare_size(mut zip_bytes: Vec<u8>, name: &str, size: u32) -> Vec<u8> {
    let find_all = |bytes: &[u8], signature: &[u8]| -> Vec<usize> {
        bytes
            .windows(signature.len())
            .enumerate()
            .filter(|(_, w)| *w == signature)
            .map(|(i, _)| i)
            .collect()
    };
    for (signature, size_at, name_at) in
        [(&b"PK\x03\x04"[..], 22, 30), (&b"PK\x01\x02"[..], 24, 46)]
    {
        for start in find_all(&zip_bytes, signature) {
            let name_end = start + name_at + name.len();
            if zip_bytes.get(start + name_at..name_end) == Some(name.as_bytes()) {
                zip_bytes[start + size_at..start + size_at + 4]
                    .copy_from_slice(&size.to_le_bytes());
            }
        }
    }
    zip_bytes
}

fn truncated(fixture_name: &str) -> Vec<u8> {
    let bytes = std::fs::read(fixture(fixture_name)).unwrap();
    bytes[..bytes.len() / 2].to_vec()
}

/// Every corpus file, as the generator makes it.
fn corpus() -> Vec<(String, Vec<u8>)> {
    // 64 MiB of blank rows deflate to about 64 KB: a ratio near 1000.
    let padding = " ".repeat(64 << 20);
    let bomb = with_part(
        SHEET,
        sheet_xml(&format!("<sheetData>{padding}</sheetData>")),
    );
    drop(padding);
    let lying = declare_size(bomb.clone(), SHEET, 1_000);
    let declared_huge = declare_size(
        with_part(SHEET, sheet_xml("<sheetData/>")),
        SHEET,
        1_300_000_000,
    );

    let laughs: String = (1..10)
        .map(|i| {
            let previous = format!("&lol{};", i - 1);
            format!("<!ENTITY lol{i} \"{}\">", previous.repeat(10))
        })
        .collect();
    let entity = format!(
        r#"<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY lol0 "lol">{laughs}]><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>"#
    );

    let deep = sheet_xml(&format!(
        "<sheetData/><extLst>{}{}</extLst>",
        "<x>".repeat(100_000),
        "</x>".repeat(100_000)
    ));

    let huge_dimension = sheet_xml(
        r#"<dimension ref="A1:XFD1048576"/><sheetData><row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>2</v></c></row></sheetData>"#,
    );

    let strings_lie = with_part(
        "xl/sharedStrings.xml",
        br#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="4000000000" uniqueCount="4000000000"><si><t>T</t></si></sst>"#.to_vec(),
    );

    let base_parts = zip_parts(&base_xlsx());
    let mut duplicate = base_parts.clone();
    duplicate.push((SHEET.to_string(), sheet_xml("<sheetData/>")));
    let mut traversal = base_parts.clone();
    traversal.push(("../../evil.xml".to_string(), b"<x/>".to_vec()));
    let missing: Vec<_> = base_parts
        .iter()
        .filter(|(n, _)| n != SHEET)
        .cloned()
        .collect();

    let mut shared = XlsxWriter::new();
    let long = "x".repeat(32_767);
    let sheet = shared.add_worksheet();
    for row in 0..1_000 {
        for col in 0..10 {
            sheet.write_string(row, col, &long).unwrap();
        }
    }
    let shared_text = zip_parts(&shared.save_to_buffer().unwrap())
        .into_iter()
        .filter(|(name, _)| name != "docProps/core.xml")
        .collect::<Vec<_>>();

    let nested = format!("{}1{}", "(".repeat(10_000), ")".repeat(10_000));
    let formula = sheet_xml(&format!(
        r#"<sheetData><row r="1"><c r="A1"><f>{nested}</f><v>1</v></c></row></sheetData>"#
    ));

    vec![
        ("zip-bomb.xlsx".into(), bomb),
        ("zip-bomb-lying-size.xlsx".into(), lying),
        ("zip-bomb-declared-1.3gb.xlsx".into(), declared_huge),
        (
            "entity-expansion.xlsx".into(),
            with_part(SHEET, entity.into_bytes()),
        ),
        ("deep-nesting.xlsx".into(), with_part(SHEET, deep)),
        (
            "huge-dimension.xlsx".into(),
            with_part(SHEET, huge_dimension),
        ),
        ("shared-strings-count-lie.xlsx".into(), strings_lie),
        ("duplicate-parts.xlsx".into(), raw_zip(&duplicate)),
        ("path-traversal.xlsx".into(), raw_zip(&traversal)),
        ("missing-sheet-part.xlsx".into(), zip_of(&missing)),
        (
            "formula-nested-10000.xlsx".into(),
            with_part(SHEET, formula),
        ),
        (
            "encrypted.xlsx".into(),
            std::fs::read(fixture("encrypted.xlsx")).unwrap(),
        ),
        ("truncated.xlsx".into(), truncated("tthc-06-q3-2022.xlsx")),
        ("truncated.xls".into(), truncated("tthc-06-q3-2022.xls")),
        ("truncated.ods".into(), truncated("tthc-06-q3-2022.ods")),
        (
            "shared-string-shown-10000-times.xlsx".into(),
            zip_of(&shared_text),
        ),
        (
            "ods-text-repeated-100000-times.ods".into(),
            ods_of(
                100,
                1_000,
                r#"office:value-type="string""#,
                &"y".repeat(30_000),
            ),
        ),
        (
            "ods-cell-repeated-25m-times.ods".into(),
            ods_of(
                5_000,
                5_000,
                r#"office:value-type="float" office:value="1""#,
                "1",
            ),
        ),
    ]
}

/// An ods of one sheet whose one row, repeated `rows` times, holds one cell (`attributes`,
/// showing `text`) repeated `cols` times.
fn ods_of(rows: u32, cols: u32, attributes: &str, text: &str) -> Vec<u8> {
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="S"><table:table-row table:number-rows-repeated="{rows}"><table:table-cell table:number-columns-repeated="{cols}" {attributes}><text:p>{text}</text:p></table:table-cell></table:table-row></table:table></office:spreadsheet></office:body></office:document-content>"#
    );
    let manifest = r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;
    zip_of(&[
        (
            "mimetype".to_string(),
            b"application/vnd.oasis.opendocument.spreadsheet".to_vec(),
        ),
        ("content.xml".to_string(), content.into_bytes()),
        (
            "META-INF/manifest.xml".to_string(),
            manifest.as_bytes().to_vec(),
        ),
    ])
}

#[test]
fn limits_are_set_from_the_command_line() {
    let run = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_crossfoot"))
            .args(["check", "--format", "json"])
            .args(extra)
            .arg(fixture("kinh-phi-2022.xlsx"))
            .output()
            .unwrap()
    };
    let strict = run(&["--max-cells", "5"]);
    assert_eq!(strict.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&strict.stdout).contains("cells in sheet 'Kinh phí' > 5"));
    let default = run(&[]);
    assert_ne!(default.status.code(), Some(2));
    let bomb = Command::new(env!("CARGO_BIN_EXE_crossfoot"))
        .args(["check", "--max-ratio", "100000"])
        .arg(hostile("zip-bomb.xlsx"))
        .output()
        .unwrap();
    assert_ne!(
        bomb.status.code(),
        Some(2),
        "a raised ratio lets the blank sheet read"
    );
}

// ---- Output safety -------------------------------------------------------------------

/// A workbook whose sheet name is a formula and whose labels are markup, with two
/// numbers typed as text so findings name the sheet and quote the text.
fn hostile_text_workbook() -> Vec<u8> {
    let mut book = XlsxWriter::new();
    let sheet = book.add_worksheet();
    sheet.set_name("=cmd|' -C calc'!A0").unwrap();
    sheet
        .write_string(0, 0, "<script>alert(1)</script>")
        .unwrap();
    sheet
        .write_string(1, 0, "=HYPERLINK(\"http://x\",\"&<>\")")
        .unwrap();
    sheet.write_string(1, 1, "1.845").unwrap();
    sheet.write_string(2, 0, "@SUM(1+1)").unwrap();
    sheet.write_string(2, 1, "203.566").unwrap();
    book.save_to_buffer().unwrap()
}

#[test]
fn csv_never_starts_a_field_with_a_formula_sign() {
    let bytes = hostile_text_workbook();
    let book = read_workbook(&bytes, "=evil.xlsx").unwrap();
    let report = check(&book, &TemplateChoice::Auto);
    assert!(
        !report.findings.is_empty(),
        "the text numbers give findings"
    );
    let files = [crossfoot::FileOutcome {
        path: "=evil.xlsx".to_string(),
        result: Ok(report),
    }];
    let csv = crossfoot::render_csv(&files, crossfoot::Lang::En);
    assert!(csv.contains("'=cmd|' -C calc'!A0"), "{csv}");
    // Undo RFC 4180 quoting and look at every field.
    let mut fields = Vec::new();
    let (mut field, mut quoted, mut chars) = (String::new(), false, csv.chars().peekable());
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' | '\n' if !quoted => fields.push(std::mem::take(&mut field)),
            '\r' if !quoted => {}
            _ => field.push(c),
        }
    }
    for field in fields {
        let negative_number = field.strip_prefix('-').is_some_and(|rest| {
            rest.trim_end_matches('%')
                .chars()
                .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
        });
        assert!(
            !field.starts_with(['=', '+', '@']) && (!field.starts_with('-') || negative_number),
            "dangerous CSV field {field:?}"
        );
    }
}

#[test]
fn annotated_copy_and_summary_hold_hostile_text_as_escaped_text_never_formulas() {
    let input = hostile_text_workbook();
    let book = read_workbook(&input, "evil.xlsx").unwrap();
    let report = check(&book, &TemplateChoice::Auto);
    let options = crossfoot::OutputOptions::default();
    let output = crossfoot::annotated_workbook(&input, &book, &report, &options).unwrap();
    let annotated = read_workbook(&output, "evil.checked.xlsx").expect("well-formed XML");
    let results = annotated.sheets.last().unwrap();
    assert!(results.cells.iter().all(|cell| cell.formula.is_none()));
    assert!(
        results
            .cells
            .iter()
            .any(|cell| cell.value == crossfoot::Value::Text("=cmd|' -C calc'!A0".into())),
        "the sheet name is written as text"
    );
    // Raw XML: the markup is escaped wherever it was written (notes, results sheet).
    let mut archive = zip::ZipArchive::new(Cursor::new(&output)).unwrap();
    for i in 0..archive.len() {
        let mut part = archive.by_index(i).unwrap();
        let name = part.name().unwrap().into_owned();
        let mut text = String::new();
        if part.read_to_string(&mut text).is_ok() {
            assert!(!text.contains("<script"), "{name} holds raw markup");
        }
    }

    let files = [crossfoot::FileOutcome {
        path: "=evil.xlsx".to_string(),
        result: Ok(report),
    }];
    let summary = crossfoot::summary_workbook(&files, crossfoot::Lang::Vi).unwrap();
    let summary = read_workbook(&summary, "summary.xlsx").unwrap();
    for sheet in &summary.sheets {
        assert!(sheet.cells.iter().all(|cell| cell.formula.is_none()));
    }
}

/// Found by the annotate fuzz target: this damaged xls's directory chain loops back on
/// itself, and calamine's container reader followed it until it had taken 24 GB (34 s).
/// The container is walked first and the loop refused as damage.
#[test]
fn fuzz_xls_oom_is_refused_within_limits() {
    let (code, took, _) = run_measured(&hostile("fuzz-xls-oom-24gb.xls"));
    assert_eq!(code, 2);
    assert!(took < Duration::from_secs(1), "took {took:?}");
}

/// Found by the annotate fuzz target: this damaged xls's root entry starts its mini stream
/// at a sector whose FAT entry points back to itself, and claims 4 GB for it; calamine
/// filled the stream with that one sector until it had 4 GB (the fuzzer's 2 GB ceiling).
/// The loop is found by the container walk first and refused as damage.
#[test]
fn fuzz_xls_mini_stream_loop_is_refused_within_limits() {
    let (code, took, _) = run_measured(&hostile("fuzz-xls-ministream-loop-4gb.xls"));
    assert_eq!(code, 2);
    assert!(took < Duration::from_secs(1), "took {took:?}");
}

/// Found by the annotate fuzz target: in this damaged xls one formula became
/// `=SUM($NJE$49180:I9)`, a range of 480 million cells. Localization evaluated it cell by
/// cell (2 GB, minutes). Ranges beyond the used area are cut to it, since those cells are
/// empty; the recalculation finding on I27 still reports what the formula really sums.
#[test]
fn fuzz_xls_formula_over_a_huge_range_is_checked_within_limits() {
    let path = hostile("fuzz-xls-formula-range-480m-cells.xls");
    let (code, took, _) = run_measured(&path);
    assert_eq!(code, 1, "read and checked: findings, not a failure");
    assert!(took < Duration::from_secs(1), "took {took:?}");
    let out = Command::new(env!("CARGO_BIN_EXE_crossfoot"))
        .args(["check", "--format", "csv"])
        .arg(&path)
        .output()
        .expect("the binary runs");
    let csv = String::from_utf8_lossy(&out.stdout);
    assert!(
        csv.lines()
            .any(|line| line.contains(",I27,") && line.contains("CF103")),
        "{csv}"
    );
}

/// A small report table written anywhere on a sheet: a header row, three units and a
/// `Tổng cộng` row, in four columns from `col` (STT, label, two figures). `figures` are the
/// units' two numbers and the two totals as written.
fn table_at(row: u32, col: u16, figures: [[f64; 2]; 4]) -> Vec<u8> {
    let mut book = XlsxWriter::new();
    let sheet = book.add_worksheet();
    for (i, header) in ["STT", "Đơn vị", "Số tiền", "Số lượng"].iter().enumerate() {
        sheet.write_string(row, col + i as u16, *header).unwrap();
    }
    for (i, [amount, count]) in figures.iter().enumerate() {
        let at = row + 1 + i as u32;
        if i < 3 {
            sheet.write_number(at, col, (i + 1) as f64).unwrap();
            sheet
                .write_string(at, col + 1, format!("Đơn vị số {}", i + 1))
                .unwrap();
        } else {
            sheet.write_string(at, col + 1, "Tổng cộng").unwrap();
        }
        sheet.write_number(at, col + 2, *amount).unwrap();
        sheet.write_number(at, col + 3, *count).unwrap();
    }
    book.save_to_buffer().unwrap()
}

/// Whether a finding points at `a1`, as its cell or one of the cells it names.
fn names_cell(finding: &crossfoot::Finding, a1: &str) -> bool {
    let at = crossfoot::CellRef::parse(a1).unwrap();
    finding.cell == at || finding.cells.contains(&at)
}

/// Figures near `Decimal::MAX` (7.9e28): their sum overflows, and `rust_decimal`'s
/// operators panic on overflow. The total that cannot be computed gives no finding, while
/// the ordinary column beside it is still checked.
#[test]
fn figures_near_the_decimal_maximum_are_checked_without_overflow() {
    let input = table_at(
        0,
        0,
        [[7e28, 10.0], [7e28, 20.0], [1.0, 30.0], [7e28, 70.0]],
    );
    let book = read_workbook(&input, "huge.xlsx").unwrap();
    let report = check(&book, &TemplateChoice::Auto);
    assert!(
        report
            .findings
            .iter()
            .any(|f| names_cell(f, "D5") && f.message.en.contains("D5 = 60")),
        "the count total 70 (its parts add up to 60) is found: {:#?}",
        report.findings
    );
    assert!(
        report
            .findings
            .iter()
            .all(|f| f.cell.col != 2 && f.cells.iter().all(|c| c.col != 2)),
        "no finding claims a sum that does not fit a Decimal: {:#?}",
        report.findings
    );
}

/// Formulas whose results do not fit a `Decimal` (a product of two figures near the
/// maximum, a sum of them): the recalculation leaves them unrecomputed rather than
/// panicking or calling the file stale, and goes on to find a stale formula after them.
#[test]
fn formulas_whose_results_overflow_are_not_a_panic() {
    use rust_xlsxwriter::Formula;
    let mut book = XlsxWriter::new();
    let sheet = book.add_worksheet();
    sheet.write_number(0, 0, 7e28).unwrap();
    sheet.write_number(1, 0, 7e28).unwrap();
    sheet
        .write_formula(2, 0, Formula::new("=A1*A2+A1").set_result("0"))
        .unwrap();
    sheet
        .write_formula(3, 0, Formula::new("=SUM(A1:A2)").set_result("0"))
        .unwrap();
    sheet.write_number(4, 0, 5.0).unwrap();
    sheet
        .write_formula(5, 0, Formula::new("=A5+1").set_result("7"))
        .unwrap();
    // Saved values that are results, not placeholders for a recalculation on load.
    book.set_calculation_mode(rust_xlsxwriter::CalculationMode::Manual);
    let input = book.save_to_buffer().unwrap();
    let book = read_workbook(&input, "product.xlsx").unwrap();
    let report = check(&book, &TemplateChoice::Auto);
    // Excel computes both (its doubles reach 1e308); exact decimals cannot: they are not
    // recomputed, and never reported as stale.
    for cell in ["A3", "A4"] {
        assert!(
            !report
                .findings
                .iter()
                .any(|f| names_cell(f, cell) && f.code != "CF109"),
            "{cell}: {:#?}",
            report.findings
        );
    }
    assert!(
        report
            .findings
            .iter()
            .any(|f| names_cell(f, "A6") && f.expected.as_deref() == Some("6")),
        "{:#?}",
        report.findings
    );
}

/// A table in the last rows and columns of the grid (its total on row 1048576, column
/// XFD): every `row + 1` and `col + 1` the layout, inference, localization and messages do
/// happens at the edge. The wrong total is found and named by its real address, and the
/// annotated copy is written.
#[test]
fn a_table_at_the_edge_of_the_grid_is_checked() {
    let input = table_at(
        1_048_571,
        16_380,
        [[100.0, 10.0], [200.0, 20.0], [300.0, 30.0], [600.0, 70.0]],
    );
    let book = read_workbook(&input, "edge.xlsx").unwrap();
    let report = check(&book, &TemplateChoice::Auto);
    assert!(
        report
            .findings
            .iter()
            .any(|f| names_cell(f, "XFD1048576") && f.message.en.contains("XFD1048576 = 60")),
        "{:#?}",
        report.findings
    );
    assert!(
        report.findings.iter().all(|f| !names_cell(f, "XFC1048576")),
        "the amount column adds up: {:#?}",
        report.findings
    );
    let options = crossfoot::OutputOptions::default();
    let annotated = crossfoot::annotated_workbook(&input, &book, &report, &options);
    assert!(annotated.is_ok(), "{:?}", annotated.err());
}

/// Found while writing the tests above: the xlsx reader took cells addressed far past
/// Excel's grid (row 4294967295), and the check then walked every row up to them (minutes
/// for a 1 KB file). A cell outside the grid is damage, refused at once.
#[test]
fn cells_past_the_grid_are_refused_or_checked_quickly() {
    let rows: String = (0..5u64)
        .map(|i| {
            let r = 4_294_967_291 + i;
            let cell = |col: &str, xml: String| format!("<c r=\"{col}{r}\"{xml}</c>");
            let text = |t: &str| format!(" t=\"inlineStr\"><is><t>{t}</t></is>");
            let number = |n: u64| format!("><v>{n}</v>");
            let cells = if i == 0 {
                [
                    cell("A", text("STT")),
                    cell("B", text("Đơn vị")),
                    cell("C", text("Số tiền")),
                    cell("D", text("Số lượng")),
                ]
            } else {
                let label = if i == 4 {
                    "Tổng cộng"
                } else {
                    "Đơn vị"
                };
                [
                    cell("A", number(i)),
                    cell("B", text(label)),
                    cell("C", number(if i == 4 { 60 } else { i * 10 })),
                    cell("D", number(if i == 4 { 99 } else { i })),
                ]
            };
            format!("<row r=\"{r}\">{}</row>", cells.concat())
        })
        .collect();
    let input = with_part(SHEET, sheet_xml(&format!("<sheetData>{rows}</sheetData>")));
    let started = Instant::now();
    let read = read_workbook(&input, "past-the-grid.xlsx");
    assert!(
        matches!(&read, Err(ReadError::Corrupt(message)) if message.contains("1,048,576 rows")),
        "{:?}",
        read.map(|book| book.sheets.len())
    );
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "took {:?}",
        started.elapsed()
    );
}
