//! The reference readers the benchmark compares crossfoot with, each reading the first
//! worksheet of an xlsx file and printing how many cells it saw:
//!
//! - `inflate`: unzip the sheet XML into nothing (the floor: decompression alone);
//! - `scan`: unzip and scan every cell with quick-xml (the floor of any XML reader);
//! - `range`: calamine loads the sheet into a `Range` (what most callers do);
//! - `stream`: calamine streams the cells without a `Range`.
//!
//! Usage: `readers inflate|scan|range|stream FILE`

use std::fs::File;
use std::io::{BufReader, Read};

use calamine::{open_workbook, Reader, Xlsx};
use quick_xml::events::Event;

/// The first worksheet's part name (`xl/worksheets/sheet1.xml` in what Excel writes).
fn first_sheet_part<R: Read + std::io::Seek>(archive: &mut zip::ZipArchive<R>) -> String {
    let mut names: Vec<String> = archive
        .file_names()
        .filter_map(Result::ok)
        .filter(|n| n.starts_with("xl/worksheets/sheet") && n.ends_with(".xml"))
        .map(|n| n.to_string())
        .collect();
    names.sort_by_key(|n| (n.len(), n.clone()));
    names.into_iter().next().expect("a worksheet part")
}

fn inflate(path: &str) -> u64 {
    let mut archive = zip::ZipArchive::new(BufReader::new(File::open(path).expect("open")))
        .expect("a zip file");
    let name = first_sheet_part(&mut archive);
    let mut part = archive.by_name(&name).expect("the sheet part");
    std::io::copy(&mut part, &mut std::io::sink()).expect("inflate")
}

/// Counts `<c>` elements and the bytes of their `<v>` values.
fn scan(path: &str) -> (u64, u64) {
    let mut archive = zip::ZipArchive::new(BufReader::new(File::open(path).expect("open")))
        .expect("a zip file");
    let name = first_sheet_part(&mut archive);
    let part = archive.by_name(&name).expect("the sheet part");
    let mut reader = quick_xml::Reader::from_reader(BufReader::with_capacity(64 << 10, part));
    let mut buf = Vec::with_capacity(1024);
    let (mut cells, mut value_bytes) = (0u64, 0u64);
    let mut in_value = false;
    loop {
        match reader.read_event_into(&mut buf).expect("xml") {
            Event::Start(e) | Event::Empty(e) if e.local_name().into_inner() == "c" => cells += 1,
            Event::Start(e) if e.local_name().into_inner() == "v" => in_value = true,
            Event::End(e) if e.local_name().into_inner() == "v" => in_value = false,
            Event::Text(t) if in_value => value_bytes += t.len() as u64,
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    (cells, value_bytes)
}

fn first_sheet_name(book: &Xlsx<BufReader<File>>) -> String {
    book.sheet_names().first().cloned().expect("a sheet")
}

fn range(path: &str) -> u64 {
    let mut book: Xlsx<_> = open_workbook(path).expect("an xlsx file");
    let name = first_sheet_name(&book);
    let range = book.worksheet_range(&name).expect("the sheet");
    range.used_cells().count() as u64
}

fn stream(path: &str) -> u64 {
    let mut book: Xlsx<_> = open_workbook(path).expect("an xlsx file");
    let name = first_sheet_name(&book);
    let mut reader = book.worksheet_cells_reader(&name).expect("the sheet");
    let mut cells = 0u64;
    while let Some(cell) = reader.next_cell().expect("a cell") {
        if !matches!(cell.get_value(), calamine::DataRef::Empty) {
            cells += 1;
        }
    }
    cells
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(mode), Some(path)) = (args.next(), args.next()) else {
        eprintln!("usage: readers inflate|scan|range|stream FILE");
        std::process::exit(2);
    };
    let start = std::time::Instant::now();
    let what = match mode.as_str() {
        "inflate" => format!("{} bytes of sheet XML", inflate(&path)),
        "scan" => {
            let (cells, bytes) = scan(&path);
            format!("{cells} cells, {bytes} value bytes")
        }
        "range" => format!("{} cells", range(&path)),
        "stream" => format!("{} cells", stream(&path)),
        other => {
            eprintln!("unknown mode {other}");
            std::process::exit(2);
        }
    };
    println!("{mode}: {what} in {:.3} s", start.elapsed().as_secs_f64());
}
