//! The `crossfoot` command line: parses arguments, finds the workbooks under the paths given,
//! reads and checks them in parallel through the library, and prints the report the user
//! asked for. It only coordinates: every rule lives in the library.

use std::fs;
use std::io::{self, IsTerminal, Write};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use crossfoot::{
    exit_code, render_csv, render_json, render_text, rule_docs, CheckReport, FileOutcome, Lang,
    Template, TemplateChoice,
};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;

/// Extensions taken when walking a folder (compared ignoring case).
const WORKBOOK_EXTENSIONS: [&str; 5] = ["xlsx", "xlsm", "xlsb", "xls", "ods"];

/// How deep a folder walk goes before it gives up on a branch (symlinked folders are never
/// followed, so only a genuinely deep tree reaches this).
const MAX_WALK_DEPTH: usize = 64;

/// The exit code for "could not do what was asked" (unreadable input, bad template, unknown
/// code); clap uses the same for bad arguments.
const EXIT_UNREADABLE: u8 = 2;

const EXAMPLES: &str = "\
Ví dụ / Examples:
  crossfoot check bao-cao.xlsx
      kiểm tra một tệp / check one file
  crossfoot check --format json thu-muc/ > ket-qua.json
      kiểm tra cả thư mục, xuất JSON / check a whole folder, print JSON
  crossfoot check --template tthc-06 --lang en reports/
      dùng mẫu biểu 06, thông báo tiếng Anh / use form 06, messages in English
  crossfoot check --template mau-rieng.toml --format csv a.xlsx b.ods > phat-hien.csv
      mẫu biểu riêng, xuất CSV / your own template, CSV output
  crossfoot templates
      liệt kê mẫu biểu có sẵn / list the built-in templates
  crossfoot explain CF201
      giải thích một mã / explain a code

Mã thoát / Exit codes:
  0  không có lỗi / no errors
  1  có lỗi / errors found
  2  có tệp không đọc được / some input could not be read";

/// Kiểm tra số liệu trong bảng tính báo cáo: tổng so với các phần, tỷ lệ so với độ chính xác
/// hiển thị. / Checks the numbers in report workbooks: totals against their parts,
/// percentages at the precision they show.
#[derive(Debug, Parser)]
#[command(name = "crossfoot", version, after_help = EXAMPLES)]
struct Cli {
    /// Ngôn ngữ thông báo / language of messages
    #[arg(long, value_enum, global = true, default_value_t = LangArg::Vi)]
    lang: LangArg,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Kiểm tra tệp hoặc thư mục / check files or folders
    #[command(after_help = EXAMPLES)]
    Check(CheckArgs),
    /// Liệt kê mẫu biểu có sẵn / list the built-in templates
    Templates,
    /// Giải thích một mã phát hiện / explain a finding code
    Explain {
        /// Mã, ví dụ CF201 / the code, e.g. CF201
        code: String,
    },
    /// In mẫu biểu suy ra từ bảng của tệp (TOML) / print the template inferred from a file's
    /// table (TOML)
    Infer {
        /// Tệp bảng tính / the workbook
        file: PathBuf,
    },
}

#[derive(Debug, Args)]
struct CheckArgs {
    /// Mẫu biểu: mã có sẵn, `auto`, `none` hoặc tệp .toml / template: a built-in id, `auto`,
    /// `none` or a .toml file
    #[arg(long, value_name = "ID|FILE", default_value = "auto")]
    template: String,

    /// Định dạng kết quả / output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,

    /// Tô màu kết quả / colour the output
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    color: ColorArg,

    /// Ghi bảng tính tổng hợp mọi phát hiện / write an Excel summary of all findings
    #[arg(long, value_name = "FILE.xlsx")]
    summary: Option<PathBuf>,

    /// Ghi bản có chú thích vào thư mục này / write annotated copies into this folder
    #[arg(long, value_name = "DIR")]
    annotate: Option<PathBuf>,

    /// Ghi bản đã sửa vào thư mục này / write corrected copies into this folder
    #[arg(long, value_name = "DIR")]
    fix: Option<PathBuf>,

    /// Tệp hoặc thư mục / files or folders
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum LangArg {
    Vi,
    En,
}

impl From<LangArg> for Lang {
    fn from(lang: LangArg) -> Lang {
        match lang {
            LangArg::Vi => Lang::Vi,
            LangArg::En => Lang::En,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
    Csv,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorArg {
    Auto,
    Always,
    Never,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let lang = Lang::from(cli.lang);
    match cli.command {
        Command::Check(args) => run_check(&args, lang),
        Command::Templates => run_templates(),
        Command::Explain { code } => run_explain(&code, lang),
        Command::Infer { file } => run_infer(&file),
    }
}

/// `crossfoot check`: resolve the template, find the files, check them, print the report.
fn run_check(args: &CheckArgs, lang: Lang) -> ExitCode {
    let choice = match template_choice(&args.template) {
        Ok(choice) => choice,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(EXIT_UNREADABLE);
        }
    };
    for (flag, value) in [
        ("--summary", &args.summary),
        ("--annotate", &args.annotate),
        ("--fix", &args.fix),
    ] {
        if value.is_some() {
            eprintln!("{flag}: chưa có, bỏ qua / not yet, skipped");
        }
    }

    let inputs = collect_inputs(&args.paths);
    let outcomes = check_all(&inputs, &choice);

    let report = match args.format {
        Format::Text => render_text(&outcomes, lang, use_color(args.color)),
        Format::Json => render_json(&outcomes, lang),
        Format::Csv => render_csv(&outcomes, lang),
    };
    // A closed pipe (`crossfoot check … | head`) is not a failure of the check.
    let mut stdout = io::stdout().lock();
    let _ = stdout.write_all(report.as_bytes());
    let _ = stdout.flush();

    ExitCode::from(u8::try_from(exit_code(&outcomes)).unwrap_or(EXIT_UNREADABLE))
}

/// Turns `--template` into a choice: `auto`, `none`, a `.toml` file (or any existing file),
/// or a built-in id. The error is the message to print.
fn template_choice(arg: &str) -> Result<TemplateChoice, String> {
    match arg {
        "auto" => return Ok(TemplateChoice::Auto),
        "none" => return Ok(TemplateChoice::None),
        _ => {}
    }
    let path = Path::new(arg);
    let is_toml = path
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("toml"));
    if is_toml || path.is_file() {
        let text = fs::read_to_string(path).map_err(|error| {
            format!(
                "không đọc được mẫu biểu / cannot read template {arg}: {}",
                io_message(&error)
            )
        })?;
        Template::from_toml(&text)
            .map(|t| TemplateChoice::Given(Box::new(t)))
            .map_err(|error| format!("{arg}: {error}"))
    } else {
        Template::builtin(arg)
            .map(|t| TemplateChoice::Given(Box::new(t)))
            .map_err(|error| error.to_string())
    }
}

/// One thing to check: a workbook file, or a path that failed before reading (missing,
/// unreadable folder).
#[derive(Debug, Clone, PartialEq)]
enum Input {
    File(PathBuf),
    Unreadable(PathBuf, String),
}

impl Input {
    fn path(&self) -> &Path {
        match self {
            Input::File(path) | Input::Unreadable(path, _) => path,
        }
    }
}

/// Expands the command-line paths, in the order given: a file stands for itself (whatever
/// its extension), a folder for the workbooks under it in sorted order; a path that cannot
/// be read becomes an error for that path. A file reached twice is checked once.
fn collect_inputs(paths: &[PathBuf]) -> Vec<Input> {
    let mut inputs = Vec::new();
    for path in paths {
        match fs::metadata(path) {
            Err(error) => inputs.push(Input::Unreadable(path.clone(), io_message(&error))),
            Ok(meta) if meta.is_dir() => walk(path, 0, &mut inputs),
            Ok(_) => inputs.push(Input::File(path.clone())),
        }
    }
    let mut seen = std::collections::HashSet::new();
    inputs.retain(|input| seen.insert(input.path().to_path_buf()));
    inputs
}

/// Adds the workbooks under `dir`, depth first in name order. Symlinked folders are not
/// followed (no loops); symlinks to workbook files are taken. Office lock files (`~$…`) are
/// skipped: they sit beside every open workbook and are not workbooks.
fn walk(dir: &Path, depth: usize, inputs: &mut Vec<Input>) {
    if depth > MAX_WALK_DEPTH {
        inputs.push(Input::Unreadable(
            dir.to_path_buf(),
            format!("thư mục lồng quá sâu / folders nested deeper than {MAX_WALK_DEPTH}"),
        ));
        return;
    }
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) => {
            inputs.push(Input::Unreadable(dir.to_path_buf(), io_message(&error)));
            return;
        }
    };
    let mut children = Vec::new();
    for entry in entries {
        match entry {
            Ok(entry) => children.push(entry),
            Err(error) => {
                inputs.push(Input::Unreadable(dir.to_path_buf(), io_message(&error)));
            }
        }
    }
    children.sort_by_key(fs::DirEntry::file_name);
    for child in children {
        let path = child.path();
        let Ok(kind) = child.file_type() else {
            continue;
        };
        if kind.is_dir() {
            walk(&path, depth.saturating_add(1), inputs);
        } else if is_workbook_name(&path) {
            // `file_type` does not follow links; a link counts only when it leads to a file.
            let is_file = kind.is_file() || fs::metadata(&path).is_ok_and(|meta| meta.is_file());
            if is_file {
                inputs.push(Input::File(path));
            }
        }
    }
}

fn is_workbook_name(path: &Path) -> bool {
    let is_lock_file = path
        .file_name()
        .is_some_and(|name| name.to_string_lossy().starts_with("~$"));
    let has_extension = path.extension().is_some_and(|ext| {
        WORKBOOK_EXTENSIONS
            .iter()
            .any(|known| ext.eq_ignore_ascii_case(known))
    });
    has_extension && !is_lock_file
}

/// Checks every input in parallel; the result keeps the inputs' order.
fn check_all(inputs: &[Input], choice: &TemplateChoice) -> Vec<FileOutcome> {
    let progress = if io::stderr().is_terminal() && inputs.len() > 1 {
        let bar = ProgressBar::new(u64::try_from(inputs.len()).unwrap_or(u64::MAX));
        if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} {wide_msg}") {
            bar.set_style(style);
        }
        bar
    } else {
        ProgressBar::hidden()
    };
    let outcomes = inputs
        .par_iter()
        .map(|input| {
            let outcome = check_input(input, choice);
            progress.set_message(outcome.path.clone());
            progress.inc(1);
            outcome
        })
        .collect();
    progress.finish_and_clear();
    outcomes
}

fn check_input(input: &Input, choice: &TemplateChoice) -> FileOutcome {
    let path = input.path();
    let result = match input {
        Input::Unreadable(_, message) => Err(message.clone()),
        // A panic is a bug in crossfoot, but it must cost one file, not the batch.
        Input::File(path) => panic::catch_unwind(AssertUnwindSafe(|| check_file(path, choice)))
            .unwrap_or_else(|_| {
                Err(
                    "lỗi nội bộ khi kiểm tra tệp này / internal error while checking this file"
                        .to_string(),
                )
            }),
    };
    FileOutcome {
        path: path.display().to_string(),
        result,
    }
}

fn check_file(path: &Path, choice: &TemplateChoice) -> Result<CheckReport, String> {
    let bytes = fs::read(path).map_err(|error| io_message(&error))?;
    let file_name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let workbook =
        crossfoot::read_workbook(&bytes, &file_name).map_err(|error| error.to_string())?;
    Ok(crossfoot::check(&workbook, choice))
}

/// An I/O error in the bilingual style of the library's errors.
fn io_message(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::NotFound => {
            "không tìm thấy tệp hoặc thư mục / no such file or folder".to_string()
        }
        io::ErrorKind::PermissionDenied => "không có quyền đọc / permission denied".to_string(),
        _ => format!("lỗi đọc / read error: {error}"),
    }
}

/// Colour on stdout: `always`, `never`, or (auto) when stdout is a terminal and `NO_COLOR`
/// is unset or empty (no-color.org).
fn use_color(choice: ColorArg) -> bool {
    match choice {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => {
            io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
        }
    }
}

/// `crossfoot templates`: the built-in templates, one per line.
fn run_templates() -> ExitCode {
    let mut out = String::new();
    for (id, title) in Template::builtins() {
        out.push_str(&format!("{id:<12} {title}\n"));
    }
    let _ = io::stdout().lock().write_all(out.as_bytes());
    ExitCode::SUCCESS
}

/// `crossfoot explain CODE`: a rule's documentation in the chosen language.
/// `crossfoot infer FILE`: the inferred template as TOML on stdout.
fn run_infer(path: &Path) -> ExitCode {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) => {
            eprintln!("{}: {}", path.display(), io_message(&error));
            return ExitCode::from(EXIT_UNREADABLE);
        }
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let book = match crossfoot::read_workbook(&bytes, &name) {
        Ok(book) => book,
        Err(error) => {
            eprintln!("{}: {error}", path.display());
            return ExitCode::from(EXIT_UNREADABLE);
        }
    };
    match crossfoot::infer_template(&book) {
        Some(inferred) => {
            let text = crossfoot::template_to_toml(&inferred.template, &inferred.evidence);
            let _ = io::stdout().lock().write_all(text.as_bytes());
            ExitCode::SUCCESS
        }
        None => {
            eprintln!(
                "{}: không tìm thấy bảng số nào để suy ra quy tắc / no table of numbers to infer rules from",
                path.display()
            );
            ExitCode::from(1)
        }
    }
}

fn run_explain(code: &str, lang: Lang) -> ExitCode {
    let wanted = code.trim();
    let Some(doc) = rule_docs()
        .iter()
        .find(|doc| doc.code.eq_ignore_ascii_case(wanted))
    else {
        let known: Vec<&str> = rule_docs().iter().map(|doc| doc.code).collect();
        eprintln!("mã không tồn tại / unknown code: {wanted}");
        if !known.is_empty() {
            eprintln!("các mã / known codes: {}", known.join(", "));
        }
        return ExitCode::from(EXIT_UNREADABLE);
    };
    let text = match lang {
        Lang::Vi => doc.doc_vi,
        Lang::En => doc.doc_en,
    };
    let out = format!(
        "{} — {} ({})\n\n{}\n",
        doc.code,
        doc.name,
        doc.severity.as_str(),
        text.trim_end()
    );
    let _ = io::stdout().lock().write_all(out.as_bytes());
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workbook_names_ignore_case_and_lock_files() {
        assert!(is_workbook_name(Path::new("a/B.XLSX")));
        assert!(is_workbook_name(Path::new("b.Ods")));
        assert!(is_workbook_name(Path::new("c.xlsb")));
        assert!(!is_workbook_name(Path::new("notes.txt")));
        assert!(!is_workbook_name(Path::new("xlsx")));
        assert!(!is_workbook_name(Path::new("~$open.xlsx")));
    }

    #[test]
    fn template_keywords_need_no_file() {
        assert_eq!(template_choice("auto"), Ok(TemplateChoice::Auto));
        assert_eq!(template_choice("none"), Ok(TemplateChoice::None));
        let missing = template_choice("no-such-dir/x.toml").expect_err("missing file");
        assert!(missing.contains("cannot read template"), "{missing}");
    }
}
