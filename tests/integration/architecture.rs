//! The module map in `ARCHITECTURE.md` against the code: each module's `use crate::` lines
//! name only the modules its row says it may use, every module has a row, each row's
//! "may use" is what the code uses (so the map stays true), and every arrow points down the
//! table, which is what makes the modules free of circles. Inside a module's folder, its
//! files may not use each other in a circle either.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The rows of the "Modules" table: module name and what it may use, in table order.
fn map_rows(architecture: &str) -> Vec<(String, BTreeSet<String>)> {
    let section = architecture
        .split("\n## ")
        .find(|s| s.starts_with("Modules"))
        .expect("ARCHITECTURE.md has a \"## Modules\" section");
    let mut rows = Vec::new();
    for line in section.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.trim_matches('|').split(" | ").map(str::trim).collect();
        assert_eq!(
            cells.len(),
            3,
            "a row of the module map has three columns: {line}"
        );
        let name = backticked(cells[0])
            .into_iter()
            .next()
            .expect("a module name");
        rows.push((name, backticked(cells[2]).into_iter().collect()));
    }
    rows
}

fn backticked(text: &str) -> Vec<String> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// The top-level modules: `src/x.rs` and `src/x/`, but not the crate roots.
fn modules() -> BTreeSet<String> {
    std::fs::read_dir(root().join("src"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter_map(|p| {
            let stem = p.file_stem()?.to_str()?.to_string();
            (p.is_dir() || p.extension()? == "rs").then_some(stem)
        })
        .filter(|m| m != "lib" && m != "main")
        .collect()
}

fn rust_files(path: &Path) -> Vec<PathBuf> {
    if path.is_file() {
        return vec![path.to_path_buf()];
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    files.sort();
    files
        .into_iter()
        .flat_map(|p| {
            if p.is_dir() {
                rust_files(&p)
            } else if p.extension().is_some_and(|e| e == "rs") {
                vec![p]
            } else {
                vec![]
            }
        })
        .collect()
}

/// The code of a file without its unit tests (a test may use anything) and comments.
fn code_of(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => &text,
    };
    text.lines()
        .map(|l| match l.find("//") {
            Some(at) => &l[..at],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The first path segment of every path that starts at `prefix` (`crate::`, `super::`),
/// through brace groups: `crate::{a::B, c}` names `a` and `c`.
fn segments_after(code: &str, prefix: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = code;
    while let Some(at) = rest.find(prefix) {
        let before = rest[..at].chars().last();
        rest = &rest[at + prefix.len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let mut item = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        found.extend(first_segment(&item));
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                item.push(c);
            }
            found.extend(first_segment(&item));
        } else {
            found.extend(first_segment(rest));
        }
    }
    found
}

fn first_segment(path: &str) -> Option<String> {
    let name: String = path
        .trim_start()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty() && name != "self").then_some(name)
}

#[test]
fn every_module_uses_only_what_its_row_in_the_map_allows() {
    let architecture = std::fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap();
    let rows = map_rows(&architecture);
    let modules = modules();
    let listed: BTreeSet<String> = rows.iter().map(|(m, _)| m.clone()).collect();
    assert_eq!(
        listed, modules,
        "ARCHITECTURE.md's module map lists exactly the modules in src/"
    );

    let position: BTreeMap<&str, usize> = rows
        .iter()
        .enumerate()
        .map(|(i, (m, _))| (m.as_str(), i))
        .collect();
    let mut problems = Vec::new();
    for (module, may_use) in &rows {
        let path = if root().join("src").join(module).is_dir() {
            root().join("src").join(module)
        } else {
            root().join("src").join(format!("{module}.rs"))
        };
        let uses: BTreeSet<String> = rust_files(&path)
            .iter()
            .flat_map(|f| segments_after(&code_of(f), "crate::"))
            .filter(|m| m != module && modules.contains(m))
            .collect();
        for used in uses.difference(may_use) {
            problems.push(format!(
                "`{module}` uses `{used}`, which its row does not list"
            ));
        }
        for unused in may_use.difference(&uses) {
            problems.push(format!(
                "`{module}`'s row lists `{unused}`, which it does not use"
            ));
        }
        for used in may_use {
            match position.get(used.as_str()) {
                None => problems.push(format!("`{module}` may use `{used}`, not a module")),
                Some(&at) if at <= position[module.as_str()] => problems.push(format!(
                    "`{module}` uses `{used}`, listed above it: an arrow pointing up"
                )),
                Some(_) => {}
            }
        }
    }
    assert!(
        problems.is_empty(),
        "the module map and the code differ:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_files_of_a_module_use_each_other_in_one_direction() {
    for module in modules() {
        let dir = root().join("src").join(&module);
        if !dir.is_dir() {
            continue;
        }
        // Sibling files (a folder's mod.rs declares them; they may use what it defines).
        let siblings: BTreeMap<String, PathBuf> = rust_files(&dir)
            .into_iter()
            .filter(|p| p.parent() == Some(dir.as_path()) && !p.ends_with("mod.rs"))
            .map(|p| (p.file_stem().unwrap().to_str().unwrap().to_string(), p))
            .chain(
                std::fs::read_dir(&dir)
                    .unwrap()
                    .map(|e| e.unwrap().path())
                    .filter(|p| p.is_dir())
                    .map(|p| (p.file_name().unwrap().to_str().unwrap().to_string(), p)),
            )
            .collect();
        let edges: BTreeMap<&str, BTreeSet<String>> = siblings
            .iter()
            .map(|(name, path)| {
                let code: String = rust_files(path).iter().map(|f| code_of(f)).collect();
                let mut used = segments_after(&code, "super::");
                used.extend(segments_after(&code, &format!("crate::{module}::")));
                used.retain(|u| u != name && siblings.contains_key(u));
                (name.as_str(), used)
            })
            .collect();
        // Depth-first search for a circle.
        fn visit<'a>(
            node: &'a str,
            edges: &'a BTreeMap<&'a str, BTreeSet<String>>,
            path: &mut Vec<&'a str>,
            done: &mut BTreeSet<&'a str>,
        ) -> Option<String> {
            if let Some(at) = path.iter().position(|n| *n == node) {
                return Some(format!("{} → {node}", path[at..].join(" → ")));
            }
            if !done.insert(node) {
                return None;
            }
            path.push(node);
            for next in &edges[node] {
                if let Some(circle) = visit(next, edges, path, done) {
                    return Some(circle);
                }
            }
            path.pop();
            None
        }
        let mut done = BTreeSet::new();
        for start in edges.keys() {
            let circle = visit(start, &edges, &mut Vec::new(), &mut done);
            assert!(
                circle.is_none(),
                "the files of `{module}` use each other in a circle: {}",
                circle.unwrap()
            );
        }
    }
}

#[test]
fn the_path_reader_finds_modules_through_brace_groups() {
    let code = "use crate::{a::B, c::{D, e::F}, self};\nlet x = crate::g::h();\nfoo_crate::z;";
    let found = segments_after(code, "crate::");
    assert_eq!(
        found,
        ["a", "c", "g"].iter().map(|s| s.to_string()).collect()
    );
}
