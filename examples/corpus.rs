//! The corpus harness (`make corpus`): runs the release build of `crossfoot check` over the
//! real workbooks in `../shared/real/` (or the folder given), matches every finding against
//! the verdicts a person gave in its `verdicts.tsv` by file, sheet and cell, and prints per
//! code and per file how many are true, judged false, unsure and unjudged, the precision of
//! errors and of errors + warnings, and whether each miss the folder's README lists is now
//! reported.
//!
//! It fails (exit 1) when a finding judged TRUE and not latent is no longer reported as an
//! error or warning, or when a finding judged FALSE comes back at error severity: the gate
//! that keeps later work from sliding back. The false errors not yet mended are listed in
//! `tests/corpus/known-false-errors.tsv` (file, sheet, cell, code): a ratchet that only
//! shrinks. One on the list that is no longer reported is printed so the list can be cut;
//! one not on it fails the gate. Unjudged findings are printed for a person to judge and
//! never counted as true. Where the folder is absent (a user's clone has no `../shared`) it
//! says so and succeeds.
//!
//! Usage: `cargo run --release --example corpus -- [--bin PATH] [--known FILE] [DIR]`

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// A person's verdict on one finding of an earlier run.
struct Verdict {
    file: String,
    sheet: String,
    cell: String,
    code: String,
    severity: String,
    verdict: String,
    reason: String,
}

impl Verdict {
    fn latent(&self) -> bool {
        self.reason.contains("latent")
    }
}

/// A finding of this run, as the JSON report gives it.
struct Finding {
    file: String,
    sheet: String,
    cell: String,
    code: String,
    severity: String,
    message: String,
}

/// What a finding of this run is, by the verdicts.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Judged {
    True,
    Latent,
    False,
    Unsure,
    Unjudged,
}

/// Counts of findings by what they were judged, at error and at warning severity.
#[derive(Default, Clone)]
struct Tally {
    error: [usize; 5],
    warning: [usize; 5],
    info: usize,
}

impl Tally {
    fn add(&mut self, severity: &str, judged: Judged) {
        let slot = judged as usize;
        match severity {
            "error" => self.error[slot] += 1,
            "warning" => self.warning[slot] += 1,
            _ => self.info += 1,
        }
    }

    fn both(&self) -> [usize; 5] {
        let mut sum = self.error;
        for (s, w) in sum.iter_mut().zip(self.warning) {
            *s += w;
        }
        sum
    }
}

/// True findings over all findings; unjudged ones count as not (yet) true.
fn precision(counts: [usize; 5]) -> String {
    let total: usize = counts.iter().sum();
    if total == 0 {
        return "—".to_string();
    }
    let true_ones = counts[Judged::True as usize] + counts[Judged::Latent as usize];
    format!(
        "{:.0} % ({true_ones}/{total})",
        100.0 * true_ones as f64 / total as f64
    )
}

fn row(label: &str, tally: &Tally) -> String {
    let b = tally.both();
    format!(
        "| {label} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
        b[Judged::True as usize],
        b[Judged::Latent as usize],
        b[Judged::False as usize],
        b[Judged::Unsure as usize],
        b[Judged::Unjudged as usize],
        tally.error.iter().sum::<usize>(),
        tally.info,
        precision(tally.error),
        precision(b),
    )
}

fn main() -> ExitCode {
    let mut binary = PathBuf::from("target/release/crossfoot");
    let mut dir = PathBuf::from("../shared/real");
    let mut known = PathBuf::from("tests/corpus/known-false-errors.tsv");
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--bin" => match args.next() {
                Some(b) => binary = PathBuf::from(b),
                None => return usage(),
            },
            "--known" => match args.next() {
                Some(k) => known = PathBuf::from(k),
                None => return usage(),
            },
            "-h" | "--help" => return usage(),
            _ => dir = PathBuf::from(arg),
        }
    }
    let verdicts_path = dir.join("verdicts.tsv");
    if !verdicts_path.is_file() {
        println!(
            "corpus: {} not found — the real workbooks are not in this clone; nothing to measure",
            verdicts_path.display()
        );
        return ExitCode::SUCCESS;
    }
    match run(&binary, &dir, &verdicts_path, &known) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("corpus: {e}");
            ExitCode::from(2)
        }
    }
}

fn usage() -> ExitCode {
    eprintln!("usage: corpus [--bin PATH_TO_CROSSFOOT] [--known KNOWN_FALSE_ERRORS_TSV] [DIR_WITH_VERDICTS_TSV]");
    ExitCode::from(2)
}

fn run(binary: &Path, dir: &Path, verdicts_path: &Path, known: &Path) -> Result<bool, String> {
    let verdicts = read_verdicts(verdicts_path)?;
    let known_false = read_known(known)?;
    let findings = run_check(binary, dir)?;

    // Verdicts by (file, sheet, cell); a finding takes the verdict of its own code there,
    // else the cell's verdict when all verdicts at the cell agree.
    let mut at_cell: BTreeMap<(&str, &str, &str), Vec<&Verdict>> = BTreeMap::new();
    for v in &verdicts {
        at_cell
            .entry((&v.file, &v.sheet, &v.cell))
            .or_default()
            .push(v);
    }
    let judge = |f: &Finding| -> (Judged, Option<&Verdict>) {
        let Some(list) = at_cell.get(&(f.file.as_str(), f.sheet.as_str(), f.cell.as_str())) else {
            return (Judged::Unjudged, None);
        };
        let own = list.iter().find(|v| v.code == f.code).copied();
        let chosen = own.or_else(|| {
            let first = list.first()?;
            list.iter()
                .all(|v| v.verdict == first.verdict)
                .then_some(*first)
        });
        match chosen {
            Some(v) => (
                match v.verdict.as_str() {
                    "TRUE" if v.latent() => Judged::Latent,
                    "TRUE" => Judged::True,
                    "FALSE" => Judged::False,
                    _ => Judged::Unsure,
                },
                Some(v),
            ),
            None => (Judged::Unjudged, None),
        }
    };

    let mut by_code: BTreeMap<String, Tally> = BTreeMap::new();
    let mut by_file: BTreeMap<String, Tally> = BTreeMap::new();
    let mut total = Tally::default();
    let mut unjudged = Vec::new();
    let mut false_errors = Vec::new();
    for f in &findings {
        let (judged, verdict) = judge(f);
        by_code
            .entry(f.code.clone())
            .or_default()
            .add(&f.severity, judged);
        by_file
            .entry(f.file.clone())
            .or_default()
            .add(&f.severity, judged);
        total.add(&f.severity, judged);
        if f.severity != "info" && judged == Judged::Unjudged {
            unjudged.push(f);
        }
        if f.severity == "error" && judged == Judged::False {
            false_errors.push((f, verdict));
        }
    }
    // Files the verdicts name but this run did not report on still get a row.
    for v in &verdicts {
        by_file.entry(v.file.clone()).or_default();
    }

    let header = "| | true | true, latent | false | unsure | unjudged | of them errors | infos | precision of errors | precision of errors + warnings |\n|---|---|---|---|---|---|---|---|---|---|";
    println!(
        "# crossfoot on {} ({} verdicts)\n",
        dir.display(),
        verdicts.len()
    );
    println!("Findings at error and warning severity, matched to the verdicts by file, sheet and cell.\n");
    println!("## By code\n\n{header}");
    for (code, tally) in &by_code {
        println!("{}", row(code, tally));
    }
    println!("{}", row("**all**", &total));
    println!("\n## By file\n\n{header}");
    for (file, tally) in &by_file {
        println!("{}", row(file, tally));
    }

    // The gate: what was judged true must stay; what was judged false must not be an error.
    let reported: BTreeSet<(&str, &str, &str)> = findings
        .iter()
        .filter(|f| f.severity != "info")
        .map(|f| (f.file.as_str(), f.sheet.as_str(), f.cell.as_str()))
        .collect();
    let lost: Vec<&Verdict> = verdicts
        .iter()
        .filter(|v| v.verdict == "TRUE" && !v.latent())
        .filter(|v| !reported.contains(&(v.file.as_str(), v.sheet.as_str(), v.cell.as_str())))
        .collect();
    let latent_lost = verdicts
        .iter()
        .filter(|v| v.verdict == "TRUE" && v.latent())
        .filter(|v| !reported.contains(&(v.file.as_str(), v.sheet.as_str(), v.cell.as_str())))
        .count();
    let gone_false = verdicts
        .iter()
        .filter(|v| v.verdict == "FALSE")
        .filter(|v| !reported.contains(&(v.file.as_str(), v.sheet.as_str(), v.cell.as_str())))
        .count();
    println!(
        "\n## Against the verdicts\n\n- judged false and no longer reported: {gone_false} of {}",
        verdicts.iter().filter(|v| v.verdict == "FALSE").count()
    );
    println!(
        "- judged true, latent, no longer reported as error or warning: {latent_lost} of {}",
        verdicts
            .iter()
            .filter(|v| v.verdict == "TRUE" && v.latent())
            .count()
    );
    println!(
        "- judged true, not latent, no longer reported as error or warning: {} of {}",
        lost.len(),
        verdicts
            .iter()
            .filter(|v| v.verdict == "TRUE" && !v.latent())
            .count()
    );
    for v in &lost {
        println!(
            "  - LOST {} {}!{} {} {}: {}",
            v.file, v.sheet, v.cell, v.code, v.severity, v.reason
        );
    }
    let key = |f: &Finding| {
        (
            f.file.clone(),
            f.sheet.clone(),
            f.cell.clone(),
            f.code.clone(),
        )
    };
    let (still_known, new_false): (Vec<_>, Vec<_>) = false_errors
        .iter()
        .partition(|(f, _)| known_false.contains(&key(f)));
    let reported_now: BTreeSet<_> = false_errors.iter().map(|(f, _)| key(f)).collect();
    let mended: Vec<_> = known_false
        .iter()
        .filter(|k| !reported_now.contains(*k))
        .collect();
    println!(
        "- judged false, still at error severity and on the known list ({}): {} of {}",
        known.display(),
        still_known.len(),
        known_false.len()
    );
    for (file, sheet, cell, code) in &mended {
        println!("  - mended, cut it from the list: {file}\t{sheet}\t{cell}\t{code}");
    }
    println!(
        "- judged false, reported at error severity and not on the known list: {}",
        new_false.len()
    );
    for (f, v) in &new_false {
        println!(
            "  - FALSE ERROR {} {}!{} {}: {} (judged: {})",
            f.file,
            f.sheet,
            f.cell,
            f.code,
            f.message,
            v.map_or("", |v| v.reason.as_str())
        );
    }

    println!("\n## Missed in the README, and whether each is reported now\n");
    for miss in read_misses(&dir.join("README.md")) {
        let found: Vec<String> = findings
            .iter()
            .filter(|f| f.file == miss.file && miss.covers(f))
            .map(|f| format!("{} {} {}", f.cell, f.code, f.severity))
            .collect();
        let state = if found.is_empty() {
            "not reported".to_string()
        } else {
            format!("reported: {}", found.join(", "))
        };
        println!("- {} {}: {state}\n  ({})", miss.file, miss.place, miss.what);
    }

    println!(
        "\n## Unjudged findings ({}), for a person to judge\n",
        unjudged.len()
    );
    for f in &unjudged {
        println!(
            "- {} {}!{} {} {}: {}",
            f.file, f.sheet, f.cell, f.code, f.severity, f.message
        );
    }

    let pass = lost.is_empty() && new_false.is_empty();
    println!(
        "\ncorpus: {} — {} lost true findings, {} false findings back at error severity, {} known false errors left",
        if pass { "pass" } else { "FAIL" },
        lost.len(),
        new_false.len(),
        still_known.len()
    );
    Ok(pass)
}

fn read_verdicts(path: &Path) -> Result<Vec<Verdict>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        let [file, sheet, cell, code, severity, verdict, reason, ..] = fields.as_slice() else {
            return Err(format!(
                "{}:{}: expected 7 tab-separated fields",
                path.display(),
                n + 1
            ));
        };
        out.push(Verdict {
            file: file.to_string(),
            sheet: sheet.to_string(),
            cell: cell.to_string(),
            code: code.to_string(),
            severity: severity.to_string(),
            verdict: verdict.to_string(),
            reason: reason.trim_matches('"').to_string(),
        });
    }
    Ok(out)
}

/// The false errors not yet mended: (file, sheet, cell, code), tab-separated, `#` comments.
fn read_known(path: &Path) -> Result<BTreeSet<(String, String, String, String)>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeSet::new()),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let mut known = BTreeSet::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        let [file, sheet, cell, code] = fields.as_slice() else {
            return Err(format!(
                "{}:{}: expected file, sheet, cell, code",
                path.display(),
                n + 1
            ));
        };
        known.insert((
            file.to_string(),
            sheet.to_string(),
            cell.to_string(),
            code.to_string(),
        ));
    }
    Ok(known)
}

fn run_check(binary: &Path, dir: &Path) -> Result<Vec<Finding>, String> {
    let output = Command::new(binary)
        .args(["check", "--format", "json", "--lang", "en"])
        .arg(dir)
        .output()
        .map_err(|e| {
            format!(
                "cannot run {}: {e} (build it with `cargo build --release`)",
                binary.display()
            )
        })?;
    if !matches!(output.status.code(), Some(0 | 1)) {
        return Err(format!(
            "{} exited with {:?}: {}",
            binary.display(),
            output.status.code(),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let report: serde_json::Value =
        serde_json::from_slice(&output.stdout).map_err(|e| format!("the JSON report: {e}"))?;
    let prefix = format!("{}/", dir.display());
    let text = |v: &serde_json::Value, key: &str| v[key].as_str().unwrap_or_default().to_string();
    let mut findings = Vec::new();
    for file in report["files"].as_array().into_iter().flatten() {
        let path = text(file, "path");
        let name = path.strip_prefix(&prefix).unwrap_or(&path).to_string();
        for f in file["findings"].as_array().into_iter().flatten() {
            findings.push(Finding {
                file: name.clone(),
                sheet: text(f, "sheet"),
                cell: text(f, "cell"),
                code: text(f, "code"),
                severity: text(f, "severity"),
                message: text(f, "message"),
            });
        }
    }
    Ok(findings)
}

/// A miss the README lists: a file, a place (`Sheet!F175, G175`, `'Sheet name'!F192`,
/// `Sheet row 35`) and what is wrong there.
struct Miss {
    file: String,
    place: String,
    what: String,
    sheet: String,
    cells: Vec<String>,
    row: Option<u32>,
}

impl Miss {
    fn covers(&self, f: &Finding) -> bool {
        if f.sheet != self.sheet {
            return false;
        }
        if let Some(row) = self.row {
            return cell_row(&f.cell) == Some(row);
        }
        self.cells.contains(&f.cell)
    }
}

fn cell_row(cell: &str) -> Option<u32> {
    cell.trim_start_matches(|c: char| c.is_ascii_alphabetic())
        .parse()
        .ok()
}

/// The rows of the README's "What it missed" table.
fn read_misses(path: &Path) -> Vec<Miss> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    let mut misses = Vec::new();
    let mut in_section = false;
    for line in text.lines() {
        if line.starts_with("## ") {
            in_section = line.to_lowercase().contains("missed");
            continue;
        }
        if !in_section || !line.starts_with('|') || line.starts_with("|---") {
            continue;
        }
        let cols: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        let [file, place, what, ..] = cols.as_slice() else {
            continue;
        };
        if *file == "file" {
            continue;
        }
        let (sheet, cells, row) = parse_place(place);
        misses.push(Miss {
            file: file.to_string(),
            place: place.to_string(),
            what: what.to_string(),
            sheet,
            cells,
            row,
        });
    }
    misses
}

fn parse_place(place: &str) -> (String, Vec<String>, Option<u32>) {
    if let Some((sheet, cells)) = place.rsplit_once('!') {
        let sheet = sheet.trim().trim_matches('\'').to_string();
        let cells = cells.split(',').map(|c| c.trim().to_string()).collect();
        return (sheet, cells, None);
    }
    if let Some((sheet, row)) = place.rsplit_once(" row ") {
        return (
            sheet.trim().to_string(),
            Vec::new(),
            row.trim().parse().ok(),
        );
    }
    (place.to_string(), Vec::new(), None)
}
