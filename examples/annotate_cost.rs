//! What annotating a workbook costs on its own, apart from reading and checking it, in one
//! process: `cargo run --release --example annotate_cost FILE`. Prints the read, the
//! check and three annotations. Whole-process timings of `crossfoot check` with and
//! without `--annotate` differ by more than annotating costs on a noisy host (a 40 s
//! check varies by 10 s from run to run); this is how bench/RESULTS.md measures it.

use std::time::Instant;

use crossfoot::{annotated_workbook, check, read_workbook, OutputOptions, TemplateChoice};

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: annotate_cost FILE");
        std::process::exit(2);
    };
    let bytes = std::fs::read(&path).expect("the file can be read");
    let started = Instant::now();
    let workbook = read_workbook(&bytes, &path).expect("a workbook");
    let read = started.elapsed();
    let started = Instant::now();
    let report = check(&workbook, &TemplateChoice::Auto);
    println!("read {read:.2?}, check {:.2?}", started.elapsed());
    for _ in 0..3 {
        let started = Instant::now();
        let annotated = annotated_workbook(&bytes, &workbook, &report, &OutputOptions::default())
            .expect("annotated");
        println!(
            "annotate {:.2?} ({} bytes)",
            started.elapsed(),
            annotated.len()
        );
    }
}
