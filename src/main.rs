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
    annotated_workbook, exit_code, fixed_workbook, render_csv, render_json, render_text, rule_docs,
    summary_workbook, CheckReport, FileOutcome, Lang, Limits, OutputOptions, PeriodFile, Template,
    TemplateChoice, UnitFile, UnitReport,
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
  crossfoot check --previous quy-2.xlsx quy-3.xlsx
      đối chiếu với kỳ trước (số chuyển kỳ, lũy kế) / check against the last period
      (carried-over and cumulative figures)
  crossfoot check --units don-vi/ tong-hop.xlsx
      đối chiếu báo cáo tổng hợp với báo cáo của từng đơn vị / check a consolidated report
      against its units' own reports
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
    Check(Box<CheckArgs>),
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
    /// Tạo biểu mẫu trống tự kiểm tra từ mẫu biểu / write a blank self-checking form from a
    /// template
    #[command(after_help = FORM_HELP)]
    Form(FormArgs),
    /// Tổng hợp báo cáo của các đơn vị thành báo cáo chung / consolidate units' reports into
    /// the province's report
    #[command(after_help = CONSOLIDATE_HELP)]
    Consolidate(ConsolidateArgs),
}

const CONSOLIDATE_HELP: &str = "\
Mỗi tệp (hoặc mỗi bảng tính trong thư mục) là báo cáo của một đơn vị; tên đơn vị lấy từ dòng
\"Đơn vị báo cáo: …\", từ tên cơ quan ở góc trên bên trái, hoặc từ tên tệp.
Each file (or workbook in a folder) is one unit's report; the unit is named by its
\"Đơn vị báo cáo: …\" line, the issuing office at the top left, or the file's name.

Mã thoát / exit codes: 0 mọi đơn vị đã cộng / every unit added; 1 có đơn vị cần xem lại
(báo cáo có lỗi, thiếu báo cáo, trùng) / some unit needs a look (its report has errors, no
report, twice); 2 có tệp không đọc được hoặc không ghi được kết quả / a file could not be read
or the output could not be written.

Ví dụ / examples:
  crossfoot consolidate --template tthc-06 don-vi/ -o tong-hop.xlsx
  crossfoot consolidate don-vi/*.xlsx --units don-vi.txt --period \"Quý III năm 2022\" -o tong-hop.xlsx";

#[derive(Debug, Args)]
struct ConsolidateArgs {
    /// Mẫu biểu: mã có sẵn hoặc tệp .toml / template: a built-in id or a .toml file
    #[arg(long, value_name = "ID|FILE", default_value = "tthc-06")]
    template: String,

    /// Danh sách đơn vị, như của `crossfoot form` / the units list, as `crossfoot form` reads it
    #[arg(long, value_name = "FILE")]
    units: Option<PathBuf>,

    /// Kỳ báo cáo; mặc định là kỳ các đơn vị cùng ghi / the reporting period; by default the
    /// one every unit's report states
    #[arg(long, value_name = "TEXT")]
    period: Option<String>,

    /// Tệp báo cáo tổng hợp ghi ra / the consolidated report to write
    #[arg(short, long, value_name = "OUT.xlsx")]
    output: PathBuf,

    #[command(flatten)]
    limits: LimitArgs,

    /// Báo cáo của các đơn vị: tệp hoặc thư mục / the units' reports: files or folders
    #[arg(value_name = "UNIT_FILES", required = true)]
    paths: Vec<PathBuf>,
}

const FORM_HELP: &str = "\
Tệp --units / the --units file (UTF-8):
  một đơn vị mỗi dòng / one unit per line;
  hoặc / or  MỤC<TAB>ĐƠN VỊ  (mục theo tên hoặc số: `Cấp huyện`, `II` / a section by label or number);
  dòng không có mục thuộc mục vừa nêu / a line with no section goes under the last one named;
  dòng trống và dòng bắt đầu bằng # bị bỏ qua / blank lines and lines starting with # are skipped.

Ví dụ / examples:
  crossfoot form tthc-06 --period \"Quý IV năm 2022\" -o bieu-06.xlsx
  crossfoot form tthc-06 --from bao-cao-quy-3.xlsx -o bieu-06-quy-4.xlsx
  crossfoot form examples/phu-luc-cchc.toml -o phu-luc.xlsx";

#[derive(Debug, Args)]
struct FormArgs {
    /// Mẫu biểu: mã có sẵn hoặc tệp .toml / template: a built-in id or a .toml file
    #[arg(value_name = "ID|FILE")]
    template: String,

    /// Kỳ báo cáo ghi vào dòng kỳ báo cáo / the reporting period written into the period line
    #[arg(long, value_name = "TEXT")]
    period: Option<String>,

    /// Danh sách đơn vị (xem dưới) / the units, one per line (see below)
    #[arg(long, value_name = "FILE", conflicts_with = "from")]
    units: Option<PathBuf>,

    /// Lấy đơn vị từ một bảng tính đã nộp / take the units from a filed workbook
    #[arg(long, value_name = "FILED.xlsx")]
    from: Option<PathBuf>,

    /// Tệp biểu mẫu ghi ra / the form to write
    #[arg(short, long, value_name = "OUT.xlsx")]
    output: PathBuf,
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

    /// Trong bản đã sửa, ghi dòng tổng thành công thức / in corrected copies, write totals
    /// as live formulas
    #[arg(long)]
    live_totals: bool,

    /// Tệp kỳ trước để đối chiếu số chuyển kỳ và lũy kế (cần đúng một tệp kỳ này) / the last
    /// period's file, to check carried-over and cumulative figures against (needs exactly
    /// one file of this period)
    #[arg(long, value_name = "LAST.xlsx")]
    previous: Option<PathBuf>,

    /// Thư mục báo cáo của các đơn vị, để đối chiếu báo cáo tổng hợp (cần đúng một tệp tổng
    /// hợp) / the folder of the units' own reports, to check a consolidated report against
    /// (needs exactly one consolidated file)
    #[arg(long, value_name = "DIR")]
    units: Option<PathBuf>,

    #[command(flatten)]
    limits: LimitArgs,

    /// Tệp hoặc thư mục / files or folders
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
}

/// The reading limits (crossfoot::Limits); unset flags keep the library's defaults.
#[derive(Debug, Args)]
#[command(next_help_heading = "Giới hạn an toàn / Safety limits")]
struct LimitArgs {
    /// Tổng kích thước giải nén tối đa (byte) / most uncompressed bytes of a zip package
    /// [default: 536870912]
    #[arg(long, value_name = "BYTES")]
    max_uncompressed: Option<u64>,
    /// Tỷ lệ nén tối đa của một phần / highest compression ratio of one zip part
    /// [default: 200]
    #[arg(long, value_name = "N")]
    max_ratio: Option<u64>,
    /// Số trang tối đa / most sheets [default: 1000]
    #[arg(long, value_name = "N")]
    max_sheets: Option<usize>,
    /// Số ô tối đa của một trang / most cells in one sheet [default: 20000000]
    #[arg(long, value_name = "N")]
    max_cells: Option<u64>,
    /// Độ sâu XML tối đa / deepest XML nesting [default: 256]
    #[arg(long, value_name = "N")]
    max_xml_depth: Option<u32>,
    /// Độ dài chuỗi tối đa (byte) / longest cell text in bytes [default: 1048576]
    #[arg(long, value_name = "BYTES")]
    max_string: Option<usize>,
    /// Tổng chữ tối đa trong các ô của một trang xls (byte) / most text the cells of one xls
    /// sheet show, in bytes [default: 268435456]
    #[arg(long, value_name = "BYTES")]
    max_sheet_text: Option<u64>,
    /// Độ dài công thức tối đa (byte) / longest formula in bytes [default: 65536]
    #[arg(long, value_name = "BYTES")]
    max_formula_length: Option<usize>,
    /// Độ sâu công thức tối đa / deepest parenthesis nesting of a formula [default: 256]
    #[arg(long, value_name = "N")]
    max_formula_depth: Option<u32>,
}

impl LimitArgs {
    fn limits(&self) -> Limits {
        let default = Limits::default();
        Limits {
            max_uncompressed_bytes: self
                .max_uncompressed
                .unwrap_or(default.max_uncompressed_bytes),
            max_compression_ratio: self.max_ratio.unwrap_or(default.max_compression_ratio),
            max_sheets: self.max_sheets.unwrap_or(default.max_sheets),
            max_cells_per_sheet: self.max_cells.unwrap_or(default.max_cells_per_sheet),
            max_xml_depth: self.max_xml_depth.unwrap_or(default.max_xml_depth),
            max_string_bytes: self.max_string.unwrap_or(default.max_string_bytes),
            max_text_bytes_per_sheet: self
                .max_sheet_text
                .unwrap_or(default.max_text_bytes_per_sheet),
            max_formula_bytes: self.max_formula_length.unwrap_or(default.max_formula_bytes),
            max_formula_depth: self.max_formula_depth.unwrap_or(default.max_formula_depth),
            max_notes_bytes: default.max_notes_bytes,
        }
    }
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
        Command::Form(args) => run_form(&args),
        Command::Consolidate(args) => run_consolidate(&args, lang),
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
    let inputs = collect_inputs(&args.paths);
    let limits = args.limits.limits();
    // A check against other files compares one file with them.
    for (given, flag, vi, en) in [
        (
            args.previous.is_some(),
            "--previous",
            "tệp kỳ này",
            "file of this period",
        ),
        (
            args.units.is_some(),
            "--units",
            "tệp tổng hợp",
            "consolidated file",
        ),
    ] {
        if given && inputs.len() != 1 {
            let count = inputs.len();
            eprintln!(
                "{flag}: cần đúng một {vi}, có {count} / needs exactly one {en}, got {count}"
            );
            return ExitCode::from(EXIT_UNREADABLE);
        }
    }
    let previous = args.previous.as_ref().map(|path| {
        let what = "tệp kỳ trước (--previous) / the last period's file (--previous)";
        read_other(path, &limits, what)
    });
    let units = args
        .units
        .as_ref()
        .map(|dir| read_units(dir, &inputs, &limits));
    let mut write_failed = false;
    let outputs = Outputs {
        annotate: output_dir(args.annotate.as_deref(), &mut write_failed),
        fix: output_dir(args.fix.as_deref(), &mut write_failed),
        names: output_names(&inputs),
        lang,
        checked_at: now_utc(),
        live_totals: args.live_totals,
    };
    let last = previous
        .as_ref()
        .and_then(|previous| previous.as_ref().ok());
    let others = Others {
        previous: last,
        units: units.as_ref(),
    };
    let (mut outcomes, write_errors) = check_all(&inputs, &choice, &limits, &outputs, &others);
    // A last period's file, or a unit's, that cannot be read is reported as an input that
    // could not be.
    if let Some(Err(unreadable)) = previous {
        outcomes.push(unreadable);
    }
    if let Some(units) = units {
        let mut failed = units
            .failed
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        failed.sort_by(|a, b| a.path.cmp(&b.path));
        outcomes.extend(failed);
    }
    for message in &write_errors {
        eprintln!("{message}");
    }
    write_failed |= !write_errors.is_empty();
    if let Some(path) = &args.summary {
        let written = summary_workbook(&outcomes, lang)
            .map_err(|error| error.to_string())
            .and_then(|bytes| write_output(path, &bytes));
        if let Err(message) = written {
            eprintln!("{}: {message}", path.display());
            write_failed = true;
        }
    }

    let report = match args.format {
        Format::Text => render_text(&outcomes, lang, use_color(args.color)),
        Format::Json => render_json(&outcomes, lang),
        Format::Csv => render_csv(&outcomes, lang),
    };
    // A closed pipe (`crossfoot check … | head`) is not a failure of the check.
    let mut stdout = io::stdout().lock();
    let _ = stdout.write_all(report.as_bytes());
    let _ = stdout.flush();

    let code = if write_failed {
        EXIT_UNREADABLE
    } else {
        u8::try_from(exit_code(&outcomes)).unwrap_or(EXIT_UNREADABLE)
    };
    ExitCode::from(code)
}

/// Another file a check compares its file with (`--previous`, a unit's report under
/// `--units`): its path as given and its workbook.
struct Other {
    path: String,
    workbook: crossfoot::Workbook,
}

/// The files a check compares its file with.
struct Others<'a> {
    /// `--previous`, once read.
    previous: Option<&'a Other>,
    /// `--units DIR`, once read.
    units: Option<&'a Units>,
}

/// The units' reports under `--units DIR`: those read, and the outcomes of those that
/// could not be read or are no report of the form (added to the batch's outcomes).
struct Units {
    books: Vec<Other>,
    failed: std::sync::Mutex<Vec<FileOutcome>>,
}

/// Why a unit's file is left out, as an outcome of that file.
fn unit_failure(path: String, error: impl std::fmt::Display) -> FileOutcome {
    FileOutcome {
        path,
        result: Err(format!(
            "tệp của đơn vị (--units) / a unit's file (--units): {error}"
        )),
    }
}

/// Reads the workbooks under `dir` (as a folder given to `check` is walked), in parallel,
/// leaving out the consolidated file itself when it is there.
fn read_units(dir: &Path, inputs: &[Input], limits: &Limits) -> Units {
    let checked: Vec<PathBuf> = inputs
        .iter()
        .filter_map(|input| fs::canonicalize(input.path()).ok())
        .collect();
    let found: Vec<Input> = collect_inputs(&[dir.to_path_buf()])
        .into_iter()
        .filter(|input| {
            fs::canonicalize(input.path()).map_or(true, |path| !checked.contains(&path))
        })
        .collect();
    let mut failed = Vec::new();
    if found.is_empty() {
        failed.push(unit_failure(
            dir.display().to_string(),
            "thư mục không có bảng tính nào / the folder holds no workbook",
        ));
    }
    let read: Vec<Result<Other, FileOutcome>> = found
        .par_iter()
        .map(|input| match input {
            Input::File(path) => read_other(
                path,
                limits,
                "tệp của đơn vị (--units) / a unit's file (--units)",
            ),
            Input::Unreadable(path, message) => {
                Err(unit_failure(path.display().to_string(), message))
            }
        })
        .collect();
    let mut books = Vec::new();
    for result in read {
        match result {
            Ok(book) => books.push(book),
            Err(outcome) => failed.push(outcome),
        }
    }
    Units {
        books,
        failed: std::sync::Mutex::new(failed),
    }
}

/// The units' reports read with `template` (their names, totals and whether their relations
/// hold); a file that is no report of the form is recorded as failed and left out.
fn unit_reports(units: &Units, template: &Template) -> Vec<UnitReport> {
    let read: Vec<Result<UnitReport, FileOutcome>> = units
        .books
        .par_iter()
        .map(|book| {
            panic::catch_unwind(AssertUnwindSafe(|| {
                let file = UnitFile {
                    path: &book.path,
                    workbook: &book.workbook,
                };
                crossfoot::read_unit(file, template)
                    .map_err(|error| unit_failure(book.path.clone(), error))
            }))
            .unwrap_or_else(|_| {
                Err(unit_failure(
                    book.path.clone(),
                    "lỗi nội bộ khi kiểm tra tệp này / internal error while checking this file",
                ))
            })
        })
        .collect();
    let mut reports = Vec::new();
    let mut failed = Vec::new();
    for result in read {
        match result {
            Ok(report) => reports.push(report),
            Err(outcome) => failed.push(outcome),
        }
    }
    units
        .failed
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .extend(failed);
    reports
}

/// Reads a file a check compares its file with (`what` says which, in both languages);
/// when it cannot be read, the outcome that says so.
fn read_other(path: &Path, limits: &Limits, what: &str) -> Result<Other, FileOutcome> {
    let shown = path.display().to_string();
    let unreadable = |error: String| FileOutcome {
        path: shown.clone(),
        result: Err(format!("{what}: {error}")),
    };
    let bytes = fs::read(path).map_err(|error| unreadable(io_message(&error)))?;
    let file_name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    // A panic is a bug in crossfoot: it costs the comparison, not the check of this file.
    let read = panic::catch_unwind(AssertUnwindSafe(|| {
        crossfoot::read_workbook_with(&bytes, &file_name, limits).map_err(|e| e.to_string())
    }))
    .unwrap_or_else(|_| {
        Err("lỗi nội bộ khi đọc tệp này / internal error while reading this file".to_string())
    });
    let workbook = read.map_err(unreadable)?;
    Ok(Other {
        path: shown,
        workbook,
    })
}

/// Where and how the annotated and corrected copies are written.
struct Outputs {
    /// `--annotate DIR`, once the folder exists.
    annotate: Option<PathBuf>,
    /// `--fix DIR`, once the folder exists.
    fix: Option<PathBuf>,
    /// The base name of each input's copies, by input index.
    names: Vec<String>,
    lang: Lang,
    checked_at: String,
    /// `--live-totals`: write the totals and rates the rules define as live formulas.
    live_totals: bool,
}

impl Outputs {
    fn wanted(&self) -> bool {
        self.annotate.is_some() || self.fix.is_some()
    }
}

/// Creates an output folder; a failure is reported here, once, and turns the output off.
fn output_dir(dir: Option<&Path>, failed: &mut bool) -> Option<PathBuf> {
    let dir = dir?;
    match fs::create_dir_all(dir) {
        Ok(()) => Some(dir.to_path_buf()),
        Err(error) => {
            eprintln!(
                "{}: không tạo được thư mục / cannot create the folder: {}",
                dir.display(),
                write_message(&error)
            );
            *failed = true;
            None
        }
    }
}

/// The base name of each input's copies: its stem (`a` for `a.xlsx`); inputs sharing a stem
/// (ignoring case) keep their extension (`a.xls`), and any name still taken gets a number.
fn output_names(inputs: &[Input]) -> Vec<String> {
    let stem = |input: &Input| {
        input
            .path()
            .file_stem()
            .map(|stem| stem.to_string_lossy().into_owned())
            .unwrap_or_else(|| "workbook".to_string())
    };
    let file_name = |input: &Input| {
        input
            .path()
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_else(|| "workbook".to_string())
    };
    let mut stem_counts = std::collections::HashMap::new();
    for input in inputs {
        *stem_counts
            .entry(stem(input).to_lowercase())
            .or_insert(0usize) += 1;
    }
    let mut taken = std::collections::HashSet::new();
    inputs
        .iter()
        .map(|input| {
            let stem = stem(input);
            let base = if stem_counts.get(&stem.to_lowercase()).copied() == Some(1) {
                stem
            } else {
                file_name(input)
            };
            let mut name = base.clone();
            let mut n = 2usize;
            while !taken.insert(name.to_lowercase()) {
                name = format!("{base}-{n}");
                n += 1;
            }
            name
        })
        .collect()
}

/// Writes one output file; the error is the message to print.
fn write_output(path: &Path, bytes: &[u8]) -> Result<(), String> {
    fs::write(path, bytes).map_err(|error| write_message(&error))
}

fn write_message(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::PermissionDenied => "không có quyền ghi / permission denied".to_string(),
        _ => format!("lỗi ghi / write error: {error}"),
    }
}

/// Now, as `YYYY-MM-DD HH:MM:SS UTC` (the library has no clock).
fn now_utc() -> String {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs());
    format_utc(seconds)
}

/// Seconds since 1970 as `YYYY-MM-DD HH:MM:SS UTC`: the day through the library's Excel
/// serial dates (day 25569 is 1970-01-01).
fn format_utc(seconds: u64) -> String {
    let days = seconds / 86_400;
    let rest = seconds % 86_400;
    let date = crossfoot::date_from_serial(rust_decimal::Decimal::from(days + 25_569), false);
    let (year, month, day) = date.map_or((1970, 1, 1), |d| (d.year, d.month, d.day));
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rest / 3_600,
        rest % 3_600 / 60,
        rest % 60
    )
}

/// Turns `--template` into a choice: a `.toml` file (or any existing file) is read and its
/// text parsed as a template; any other argument (`auto`, `none`, a built-in id) is the
/// library's [`TemplateChoice::parse`]. The error is the message to print.
fn template_choice(arg: &str) -> Result<TemplateChoice, String> {
    let path = Path::new(arg);
    let is_toml = path
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("toml"));
    let choice = TemplateChoice::parse(arg);
    let keyword = matches!(choice, Ok(TemplateChoice::Auto | TemplateChoice::None));
    if keyword || !(is_toml || path.is_file()) {
        return choice.map_err(|error| error.to_string());
    }
    let text = fs::read_to_string(path).map_err(|error| {
        format!(
            "không đọc được mẫu biểu / cannot read template {arg}: {}",
            io_message(&error)
        )
    })?;
    TemplateChoice::from_toml(&text).map_err(|error| format!("{arg}: {error}"))
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

/// Checks every input in parallel and writes its copies; the outcomes keep the inputs'
/// order, the second list holds the messages of copies that could not be written.
fn check_all(
    inputs: &[Input],
    choice: &TemplateChoice,
    limits: &Limits,
    outputs: &Outputs,
    others: &Others<'_>,
) -> (Vec<FileOutcome>, Vec<String>) {
    let progress = progress_bar(inputs.len());
    let results: Vec<(FileOutcome, Vec<String>)> = inputs
        .par_iter()
        .enumerate()
        .map(|(index, input)| {
            let name = outputs.names.get(index).map_or("workbook", String::as_str);
            let (outcome, errors) = check_input(input, choice, limits, outputs, name, others);
            progress.set_message(outcome.path.clone());
            progress.inc(1);
            (outcome, errors)
        })
        .collect();
    progress.finish_and_clear();
    let mut outcomes = Vec::with_capacity(results.len());
    let mut errors = Vec::new();
    for (outcome, file_errors) in results {
        outcomes.push(outcome);
        errors.extend(file_errors);
    }
    (outcomes, errors)
}

fn check_input(
    input: &Input,
    choice: &TemplateChoice,
    limits: &Limits,
    outputs: &Outputs,
    name: &str,
    others: &Others<'_>,
) -> (FileOutcome, Vec<String>) {
    let path = input.path();
    let mut write_errors = Vec::new();
    let result = match input {
        Input::Unreadable(_, message) => Err(message.clone()),
        // A panic is a bug in crossfoot, but it must cost one file, not the batch.
        Input::File(path) => panic::catch_unwind(AssertUnwindSafe(|| {
            let file = CheckedInput { path, name, others };
            check_file(&file, choice, limits, outputs, &mut write_errors)
        }))
        .unwrap_or_else(|_| {
            Err(
                "lỗi nội bộ khi kiểm tra tệp này / internal error while checking this file"
                    .to_string(),
            )
        }),
    };
    let outcome = FileOutcome {
        path: path.display().to_string(),
        result,
    };
    (outcome, write_errors)
}

/// One file to check: its path, the base name of its copies, the other files to check it
/// against.
struct CheckedInput<'a> {
    path: &'a Path,
    name: &'a str,
    others: &'a Others<'a>,
}

fn check_file(
    file: &CheckedInput<'_>,
    choice: &TemplateChoice,
    limits: &Limits,
    outputs: &Outputs,
    write_errors: &mut Vec<String>,
) -> Result<CheckReport, String> {
    let (path, name) = (file.path, file.name);
    let bytes = fs::read(path).map_err(|error| io_message(&error))?;
    let file_name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let workbook = crossfoot::read_workbook_with(&bytes, &file_name, limits)
        .map_err(|error| error.to_string())?;
    let mut report = crossfoot::check(&workbook, choice);
    let shown_path = path.display().to_string();
    if let Some(previous) = file.others.previous {
        // Across the two files, with the template this period's check used.
        let across = report.template_used().map(|template| {
            crossfoot::check_continuity(
                PeriodFile {
                    path: &previous.path,
                    workbook: &previous.workbook,
                },
                PeriodFile {
                    path: &shown_path,
                    workbook: &workbook,
                },
                template,
            )
        });
        if let Some((mut findings, template)) = across.zip(report.template_used().cloned()) {
            // Where the last period decides which of two cells is wrong, the check's
            // finding says so.
            crossfoot::decide_by_previous(
                PeriodFile {
                    path: &shown_path,
                    workbook: &workbook,
                },
                &template,
                &mut report.findings,
                &mut findings,
            );
            report.add_findings(&workbook, findings);
        }
    }
    // Against the units' own reports, read with the template this file's check used; where
    // they decide which of two cells is wrong, the check's finding says so.
    if let Some((units, template)) = file.others.units.zip(report.template_used().cloned()) {
        let reports = unit_reports(units, &template);
        let province = UnitFile {
            path: &shown_path,
            workbook: &workbook,
        };
        let mut across = crossfoot::check_against_units(province, &reports, &template);
        crossfoot::decide_by_units(
            province,
            &reports,
            &template,
            &mut report.findings,
            &mut across,
        );
        report.add_findings(&workbook, across);
    }
    if outputs.wanted() {
        let options = OutputOptions {
            lang: outputs.lang,
            template: report.template.clone(),
            checked_at: Some(outputs.checked_at.clone()),
            ..OutputOptions::default()
        };
        if let Some(dir) = &outputs.annotate {
            let target = dir.join(format!("{name}.checked.xlsx"));
            let written = annotated_workbook(&bytes, &workbook, &report, &options)
                .map_err(|error| error.to_string())
                .and_then(|xlsx| write_output(&target, &xlsx));
            if let Err(message) = written {
                write_errors.push(format!("{}: {message}", target.display()));
            }
        }
        if let Some(dir) = &outputs.fix {
            let target = dir.join(format!("{name}.fixed.xlsx"));
            let live = if outputs.live_totals {
                crossfoot::live_formulas(&workbook, &report, choice)
            } else {
                Vec::new()
            };
            let written = fixed_workbook(&bytes, &workbook, &report, &live, &options)
                .map_err(|error| error.to_string())
                .and_then(|xlsx| write_output(&target, &xlsx));
            if let Err(message) = written {
                write_errors.push(format!("{}: {message}", target.display()));
            }
        }
    }
    // Freeing a big workbook's millions of cells takes a tenth of a second (a 500k-row
    // form): the report is printed meanwhile, and the process may end before it is done.
    let cells: usize = workbook.sheets.iter().map(|sheet| sheet.cells.len()).sum();
    if cells > FREED_APART_CELLS {
        std::thread::spawn(move || drop(workbook));
    }
    Ok(report)
}

/// Workbooks with more cells than this are freed on a thread of their own.
const FREED_APART_CELLS: usize = 1 << 20;

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

/// The template a command that writes a form needs: a built-in id or a .toml file, not
/// `auto` or `none`.
fn named_template(arg: &str) -> Result<Template, String> {
    match template_choice(arg)? {
        TemplateChoice::Given(template) => Ok(*template),
        _ => Err(
            "hãy nêu mẫu biểu (mã hoặc tệp .toml) / name a template (an id or a .toml file)"
                .to_string(),
        ),
    }
}

/// A units list (`--units`, one unit a line) read for `template`'s sections.
fn units_list(path: &Path, template: &Template) -> Result<Vec<crossfoot::FormSection>, String> {
    let text = fs::read_to_string(path)
        .map_err(|error| format!("{}: {}", path.display(), io_message(&error)))?;
    crossfoot::parse_units(&text, template).map_err(|error| format!("{}: {error}", path.display()))
}

/// `crossfoot form TEMPLATE -o OUT`: reads the template and the units (a list or a filed
/// workbook), writes the form the library lays out.
fn run_form(args: &FormArgs) -> ExitCode {
    let fail = |message: String| {
        eprintln!("{message}");
        ExitCode::from(EXIT_UNREADABLE)
    };
    let template = match named_template(&args.template) {
        Ok(template) => template,
        Err(message) => return fail(message),
    };
    let sections = if let Some(path) = &args.units {
        match units_list(path, &template) {
            Ok(sections) => Some(sections),
            Err(message) => return fail(message),
        }
    } else if let Some(path) = &args.from {
        let bytes = match fs::read(path) {
            Ok(bytes) => bytes,
            Err(error) => return fail(format!("{}: {}", path.display(), io_message(&error))),
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let sections = crossfoot::read_workbook(&bytes, &name)
            .map_err(crossfoot::FormError::Read)
            .and_then(|book| crossfoot::form_sections_from(&book, &template));
        match sections {
            Ok(sections) => Some(sections),
            Err(error) => return fail(format!("{}: {error}", path.display())),
        }
    } else {
        None
    };
    let options = crossfoot::FormOptions {
        period: args.period.clone(),
        sections,
        ..Default::default()
    };
    let bytes = match crossfoot::form_workbook(&template, &options) {
        Ok(bytes) => bytes,
        Err(error) => return fail(error.to_string()),
    };
    if let Err(error) = fs::write(&args.output, bytes) {
        return fail(format!("{}: {}", args.output.display(), io_message(&error)));
    }
    ExitCode::SUCCESS
}

/// `crossfoot consolidate`: read and check every unit's report (in parallel; one that
/// cannot be read is listed, never stops the rest), write the province's form from them,
/// print what became of each unit.
fn run_consolidate(args: &ConsolidateArgs, lang: Lang) -> ExitCode {
    let fail = |message: String| {
        eprintln!("{message}");
        ExitCode::from(EXIT_UNREADABLE)
    };
    let template = match named_template(&args.template) {
        Ok(template) => template,
        Err(message) => return fail(message),
    };
    let units = match args
        .units
        .as_deref()
        .map(|path| units_list(path, &template))
    {
        None => None,
        Some(Ok(sections)) => Some(sections),
        Some(Err(message)) => return fail(message),
    };
    let inputs = collect_inputs(&args.paths);
    let limits = args.limits.limits();
    let progress = progress_bar(inputs.len());
    let read: Vec<Result<crossfoot::UnitReport, (String, String)>> = inputs
        .par_iter()
        .map(|input| {
            let shown = input.path().display().to_string();
            progress.set_message(shown.clone());
            let unit = match input {
                Input::Unreadable(_, message) => Err(message.clone()),
                Input::File(path) => panic::catch_unwind(AssertUnwindSafe(|| {
                    read_unit_file(path, &template, &limits)
                }))
                .unwrap_or_else(|_| {
                    Err(
                        "lỗi nội bộ khi đọc tệp này / internal error while reading this file"
                            .to_string(),
                    )
                }),
            };
            progress.inc(1);
            unit.map_err(|why| (shown, why))
        })
        .collect();
    progress.finish_and_clear();
    let (reports, failed): (Vec<_>, Vec<_>) = read.into_iter().partition(Result::is_ok);
    let reports: Vec<crossfoot::UnitReport> = reports.into_iter().filter_map(Result::ok).collect();
    let failed: Vec<(String, String)> = failed.into_iter().filter_map(Result::err).collect();
    let options = crossfoot::ConsolidateOptions {
        period: args.period.clone(),
        units,
    };
    let consolidated = match crossfoot::consolidate(&template, &reports, &failed, &options) {
        Ok(consolidated) => consolidated,
        Err(error) => return fail(error.to_string()),
    };
    if let Err(message) = write_output(&args.output, &consolidated.bytes) {
        return fail(format!("{}: {message}", args.output.display()));
    }
    let mut stdout = io::stdout().lock();
    let _ = stdout.write_all(consolidation_summary(&consolidated, &args.output, lang).as_bytes());
    let _ = stdout.flush();
    let code = if !failed.is_empty() {
        EXIT_UNREADABLE
    } else if consolidated
        .units
        .iter()
        .any(|unit| unit.status != crossfoot::UnitStatus::Added)
    {
        1
    } else {
        0
    };
    ExitCode::from(code)
}

/// A unit's file read (as `--units` reads one) for its name, its totals and whether it
/// holds together.
fn read_unit_file(
    path: &Path,
    template: &Template,
    limits: &Limits,
) -> Result<crossfoot::UnitReport, String> {
    let other = read_other(path, limits, "tệp của đơn vị / a unit's file")
        .map_err(|outcome| outcome.result.err().unwrap_or_default())?;
    let file = crossfoot::UnitFile {
        path: &other.path,
        workbook: &other.workbook,
    };
    crossfoot::read_unit(file, template).map_err(|error| error.to_string())
}

/// What became of each unit, a line each, and the file written.
fn consolidation_summary(
    consolidated: &crossfoot::Consolidated,
    output: &Path,
    lang: Lang,
) -> String {
    let vi = lang == Lang::Vi;
    let mut out = String::new();
    for unit in &consolidated.units {
        let path = unit.path.as_deref().unwrap_or("—");
        let row = unit
            .row
            .map(|row| {
                let word = if vi { "dòng" } else { "row" };
                format!(" ({word} {})", row.saturating_add(1))
            })
            .unwrap_or_default();
        let status = unit.status.message();
        let status = if vi { status.vi } else { status.en };
        if unit.name.is_empty() {
            out.push_str(&format!("{path}: {status}\n"));
        } else {
            out.push_str(&format!("{path}: {}{row}: {status}\n", unit.name));
        }
    }
    let added = consolidated
        .units
        .iter()
        .filter(|u| u.status.added())
        .count();
    let total = consolidated.units.len();
    let output = output.display();
    if vi {
        out.push_str(&format!("\nĐã cộng {added}/{total} đơn vị vào {output}\n"));
    } else {
        out.push_str(&format!("\nAdded {added} of {total} units into {output}\n"));
    }
    out
}

/// A progress bar on a terminal for more than one file; hidden otherwise.
fn progress_bar(files: usize) -> ProgressBar {
    if io::stderr().is_terminal() && files > 1 {
        let bar = ProgressBar::new(u64::try_from(files).unwrap_or(u64::MAX));
        if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} {wide_msg}") {
            bar.set_style(style);
        }
        bar
    } else {
        ProgressBar::hidden()
    }
}

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

/// `crossfoot explain CODE`: a rule's documentation in the chosen language.
fn run_explain(code: &str, lang: Lang) -> ExitCode {
    let wanted = code.trim();
    let Some(doc) = crossfoot::explain(wanted) else {
        let known: Vec<&str> = rule_docs().iter().map(|doc| doc.code).collect();
        eprintln!("mã không tồn tại / unknown code: {wanted}");
        if !known.is_empty() {
            eprintln!("các mã / known codes: {}", known.join(", "));
        }
        return ExitCode::from(EXIT_UNREADABLE);
    };
    let text = doc.text(lang);
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
    fn utc_times_are_formatted_by_hand() {
        assert_eq!(format_utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(format_utc(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(format_utc(1_664_553_599), "2022-09-30 15:59:59 UTC");
    }

    #[test]
    fn same_stems_keep_their_extension() {
        let inputs = [
            Input::File(PathBuf::from("x/a.xlsx")),
            Input::File(PathBuf::from("x/a.xls")),
            Input::File(PathBuf::from("y/a.xls")),
            Input::File(PathBuf::from("b.ods")),
        ];
        assert_eq!(output_names(&inputs), ["a.xlsx", "a.xls", "a.xls-2", "b"]);
    }

    #[test]
    fn template_keywords_need_no_file() {
        assert_eq!(template_choice("auto"), Ok(TemplateChoice::Auto));
        assert_eq!(template_choice("none"), Ok(TemplateChoice::None));
        let missing = template_choice("no-such-dir/x.toml").expect_err("missing file");
        assert!(missing.contains("cannot read template"), "{missing}");
    }

    #[test]
    fn a_template_file_is_read_here_and_an_id_is_the_librarys() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/kinh-phi.toml");
        assert!(matches!(
            template_choice(path),
            Ok(TemplateChoice::Given(_))
        ));
        assert!(
            matches!(template_choice("tthc-06"), Ok(TemplateChoice::Given(t)) if t.id == "tthc-06")
        );
        let unknown = template_choice("tthc-99").expect_err("no such template");
        assert!(unknown.contains("'tthc-99'"), "{unknown}");
    }
}
