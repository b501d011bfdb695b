//! A set of files dropped together, recognised as what it is: two periods of one report
//! (checked against each other), or units' reports with or without the report that
//! consolidates them (the consolidated workbook written, the province's report checked
//! against its units). What the page offers when several files arrive at once.

use crate::check::{bindings, check, stated_period_at, TemplateChoice};
use crate::consolidate::{
    check_against_units, consolidate, decide_by_units, read_unit, same_unit, ConsolidateOptions,
    Consolidated, UnitFile, UnitReport,
};
use crate::continuity::{check_continuity, decide_by_previous, PeriodFile};
use crate::finding::Finding;
use crate::layout::RowKind;
use crate::model::Workbook;
use crate::period::Period;
use crate::template::{Bound, Template};

/// One file of a set: its name as the user gave it and its workbook.
#[derive(Debug, Clone, Copy)]
pub struct SetFile<'a> {
    /// The file's name, shown in messages and in `related`.
    pub path: &'a str,
    /// The workbook read from it.
    pub workbook: &'a Workbook,
}

/// What a set of files was recognised as (indices into the files given).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SetKind {
    /// Two periods of one report: the last period's file and this period's.
    Periods {
        /// The earlier file.
        last: usize,
        /// The later file.
        this: usize,
    },
    /// Units' reports, and the report that consolidates them when one of the files is.
    Units {
        /// The province's report, when the set holds one.
        province: Option<usize>,
        /// The units' reports.
        units: Vec<usize>,
    },
    /// Nothing across the files: why, in both languages.
    Unrelated(crate::finding::Message),
}

/// What a set of files gives beyond each file's own check.
#[derive(Debug, Clone, PartialEq)]
pub struct SetReport {
    /// What the set was recognised as.
    pub kind: SetKind,
    /// The template that bound the files (its id).
    pub template: Option<String>,
    /// The findings across the files, each with the index of the file its cell is in. A
    /// CF301 among them is a cell the file's own check could not choose among others (its
    /// CF302) and the other files decide: the last period's file
    /// ([`crate::decide_by_previous`]) or the units' reports ([`crate::decide_by_units`]).
    pub findings: Vec<(usize, Finding)>,
    /// The consolidated workbook, for a set of units' reports of a form with a layout.
    pub consolidated: Option<Consolidated>,
}

/// Recognises a set of files and checks it across its files: two files of one template
/// whose period lines state different periods are two periods (the later one checked
/// against the earlier, [`check_continuity`]); files of one template with a grand total
/// are units' reports, and a file whose unit rows name two or more of the others' units
/// is the province's report (checked against them); the units' reports are consolidated
/// ([`consolidate`]) when the template lays out a form. Where this period's file, or the
/// province's, leaves several cells equally likely (a CF302 of its own check) and the
/// other files say which one was mistyped, the findings hold that cell's CF301 in place
/// of the finding across the files that decided it. `choice` is the template as the page
/// gives it (`auto` recognises a built-in one from the first file that has one).
///
/// # Examples
/// ```
/// use crossfoot::{check_set, read_workbook, SetFile, SetKind, TemplateChoice};
/// let read = |path: &str| read_workbook(&std::fs::read(path).unwrap(), path).unwrap();
/// let (q2, q3) = (read("examples/so-y-te-quy-2.xlsx"), read("examples/don-vi/so-y-te.xlsx"));
/// let files = [
///     SetFile { path: "so-y-te.xlsx", workbook: &q3 },
///     SetFile { path: "so-y-te-quy-2.xlsx", workbook: &q2 },
/// ];
/// let report = check_set(&files, &TemplateChoice::Auto);
/// assert_eq!(report.kind, SetKind::Periods { last: 1, this: 0 });
/// assert!(report.findings.iter().any(|(file, f)| *file == 0 && f.code == "CF401"));
///
/// // The units' reports and the province's report typed from them.
/// let mut names: Vec<String> = std::fs::read_dir("examples/don-vi").unwrap()
///     .map(|e| e.unwrap().path().to_string_lossy().into_owned()).collect();
/// names.push("examples/tong-hop-quy-3.xlsx".into());
/// let books: Vec<_> = names.iter().map(|n| read(n)).collect();
/// let files: Vec<SetFile> = names.iter().zip(&books)
///     .map(|(path, workbook)| SetFile { path, workbook }).collect();
/// let report = check_set(&files, &TemplateChoice::Auto);
/// assert!(matches!(report.kind, SetKind::Units { province: Some(6), .. }));
/// assert!(report.findings.iter().any(|(file, f)| *file == 6 && f.code == "CF408"));
/// assert!(report.consolidated.is_some());
/// ```
pub fn check_set(files: &[SetFile<'_>], choice: &TemplateChoice) -> SetReport {
    let unrelated = |vi: &str, en: &str| SetReport {
        kind: SetKind::Unrelated(crate::finding::Message::new(vi, en)),
        template: None,
        findings: Vec::new(),
        consolidated: None,
    };
    if files.len() < 2 {
        return unrelated("chỉ có một tệp", "only one file");
    }
    let Some(template) = set_template(files, choice) else {
        return unrelated(
            "không có mẫu biểu nào khớp các tệp",
            "no template matches the files",
        );
    };
    // Each file's first bound sheet, once: the set's questions all read it.
    let bound: Vec<Option<(usize, Bound)>> = files
        .iter()
        .map(|file| {
            bindings(&template, file.workbook, false)
                .0
                .into_iter()
                .next()
        })
        .collect();
    if bound.iter().filter(|b| b.is_some()).count() < 2 {
        return SetReport {
            template: Some(template.id.clone()),
            ..unrelated(
                "mẫu biểu khớp ít hơn hai tệp",
                "the template matches fewer than two files",
            )
        };
    }
    if let Some((last, this)) = two_periods(files, &bound) {
        let (Some(last_file), Some(this_file)) = (files.get(last), files.get(this)) else {
            return unrelated("", "");
        };
        let this_period = PeriodFile {
            path: this_file.path,
            workbook: this_file.workbook,
        };
        let last_period = PeriodFile {
            path: last_file.path,
            workbook: last_file.workbook,
        };
        let mut across = check_continuity(last_period, this_period, &template);
        let decided = decided_for(this_file.workbook, &template, &mut across, |own, across| {
            decide_by_previous(this_period, &template, own, across);
        });
        return SetReport {
            kind: SetKind::Periods { last, this },
            template: Some(template.id.clone()),
            findings: decided
                .into_iter()
                .chain(across)
                .map(|f| (this, f))
                .collect(),
            consolidated: None,
        };
    }
    units_set(files, &bound, template)
}

/// The CF301s the other files decide for `workbook`: its own check with the set's
/// template, and each of its CF302s that `decide` (given its findings and `across`) turns
/// into a CF301; `decide` drops from `across` the findings it settled.
fn decided_for(
    workbook: &Workbook,
    template: &Template,
    across: &mut Vec<Finding>,
    decide: impl FnOnce(&mut [Finding], &mut Vec<Finding>),
) -> Vec<Finding> {
    if across.is_empty() {
        return Vec::new();
    }
    let mut own = check(workbook, &TemplateChoice::Given(Box::new(template.clone()))).findings;
    let before = own.clone();
    decide(&mut own, across);
    own.into_iter()
        .zip(before)
        .filter(|(now, was)| now != was)
        .map(|(now, _)| now)
        .collect()
}

/// The template of the set: the one given, or the first built-in one a file's labels
/// name, or the one inferred from the first file.
fn set_template(files: &[SetFile<'_>], choice: &TemplateChoice) -> Option<Template> {
    match choice {
        TemplateChoice::Given(template) => Some((**template).clone()),
        TemplateChoice::Auto => Template::all_builtins()
            .iter()
            .find(|template| {
                files
                    .iter()
                    .any(|file| !bindings(template, file.workbook, true).0.is_empty())
            })
            .cloned()
            .or_else(|| inferred(files)),
        TemplateChoice::None => inferred(files),
    }
}

fn inferred(files: &[SetFile<'_>]) -> Option<Template> {
    files
        .iter()
        .find_map(|file| crate::infer::infer_template(file.workbook))
        .map(|inferred| inferred.template)
}

/// Two files whose period lines state two different periods, with most unit labels in
/// common (the same report of the same unit): (earlier, later).
fn two_periods(files: &[SetFile<'_>], bound: &[Option<(usize, Bound)>]) -> Option<(usize, usize)> {
    let ([a, b], [Some(a_bound), Some(b_bound)]) = (files, bound) else {
        return None;
    };
    let period_and_labels = |file: &SetFile<'_>, (index, bound): &(usize, Bound)| {
        let sheet = file.workbook.sheets.get(*index)?;
        let (period, _) = stated_period_at(sheet, Some(&bound.layout))?;
        let labels = bound
            .layout
            .body
            .iter()
            .filter(|row| row.kind == RowKind::Unit)
            .map(|row| row.label.clone())
            .collect::<Vec<String>>();
        Some((period, labels))
    };
    let (pa, la) = period_and_labels(a, a_bound)?;
    let (pb, lb) = period_and_labels(b, b_bound)?;
    if pa == pb {
        return None;
    }
    let shared = la
        .iter()
        .filter(|label| lb.iter().any(|other| same_unit(label, other)))
        .count();
    if shared.saturating_mul(2) < la.len().max(lb.len()) {
        return None;
    }
    let start = |p: Period| (p.from.year, p.from.month, p.from.day);
    Some(if start(pa) <= start(pb) {
        (0, 1)
    } else {
        (1, 0)
    })
}

/// Units' reports and, when one file's unit rows name two or more of the others' units,
/// the province's report among them.
fn units_set(
    files: &[SetFile<'_>],
    bound: &[Option<(usize, Bound)>],
    template: Template,
) -> SetReport {
    let read: Vec<Option<UnitReport>> = files
        .iter()
        .zip(bound)
        .map(|(file, bound)| {
            bound
                .is_some()
                .then(|| {
                    read_unit(
                        UnitFile {
                            path: file.path,
                            workbook: file.workbook,
                        },
                        &template,
                    )
                    .ok()
                })
                .flatten()
        })
        .collect();
    let province =
        (0..files.len()).find(|&candidate| {
            let Some(Some((_, bound))) = bound.get(candidate) else {
                return false;
            };
            let named =
                read.iter()
                    .enumerate()
                    .filter(|(other, unit)| {
                        *other != candidate
                            && unit.as_ref().is_some_and(|unit| {
                                bound.layout.body.iter().any(|row| {
                                    row.kind == RowKind::Unit && unit.is_named(&row.label)
                                })
                            })
                    })
                    .count();
            named >= 2
        });
    let units: Vec<usize> = (0..files.len())
        .filter(|i| Some(*i) != province && read.get(*i).is_some_and(Option::is_some))
        .collect();
    let reports: Vec<UnitReport> = units
        .iter()
        .filter_map(|i| read.get(*i).cloned().flatten())
        .collect();
    if reports.len() < 2 && province.is_none() {
        return SetReport {
            kind: SetKind::Unrelated(crate::finding::Message::new(
                "ít hơn hai tệp là báo cáo của đơn vị",
                "fewer than two files are units' reports",
            )),
            template: Some(template.id.clone()),
            findings: Vec::new(),
            consolidated: None,
        };
    }
    let findings = province
        .and_then(|p| files.get(p).map(|file| (p, file)))
        .map(|(p, file)| {
            let province_file = UnitFile {
                path: file.path,
                workbook: file.workbook,
            };
            let mut across = check_against_units(province_file, &reports, &template);
            let decided = decided_for(file.workbook, &template, &mut across, |own, across| {
                decide_by_units(province_file, &reports, &template, own, across);
            });
            decided.into_iter().chain(across).map(|f| (p, f)).collect()
        })
        .unwrap_or_default();
    let consolidated = template
        .spec
        .form
        .is_some()
        .then(|| consolidate(&template, &reports, &[], &ConsolidateOptions::default()).ok())
        .flatten();
    SetReport {
        kind: SetKind::Units { province, units },
        template: Some(template.id.clone()),
        findings,
        consolidated,
    }
}
