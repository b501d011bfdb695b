//! Test only: the HTML reader's tables as a browser's parser (html5ever, through scraper)
//! builds them, the reader's earlier implementation, to hold `html_tables` against.

use scraper::{ElementRef, Html, Node};

use super::html_tables::{Document, Table, TableCell};

/// The document's top-level tables and Excel's sheet-list comments, read with html5ever.
pub(super) fn tables(html: &str) -> Document {
    let document = Html::parse_document(html);
    let mut tables = Vec::new();
    let mut stack = vec![document.root_element()];
    while let Some(element) = stack.pop() {
        if element.value().name() == "table" {
            tables.push(table(element));
            continue;
        }
        let children: Vec<_> = element.child_elements().collect();
        stack.extend(children.into_iter().rev());
    }
    let sheet_comments = document
        .tree
        .nodes()
        .filter_map(|node| node.value().as_comment().map(|c| c.to_string()))
        .filter(|text| text.to_ascii_lowercase().contains("<x:name>"))
        .collect();
    Document {
        tables,
        sheet_comments,
    }
}

fn table(table: ElementRef<'_>) -> Table {
    let mut groups: Vec<Vec<Vec<TableCell>>> = Vec::new();
    let mut loose_rows = Vec::new();
    for child in table.child_elements() {
        match child.value().name() {
            "tr" => loose_rows.push(row(child)),
            "thead" | "tbody" | "tfoot" => {
                if !loose_rows.is_empty() {
                    groups.push(std::mem::take(&mut loose_rows));
                }
                groups.push(
                    child
                        .child_elements()
                        .filter(|r| r.value().name() == "tr")
                        .map(row)
                        .collect(),
                );
            }
            _ => {}
        }
    }
    if !loose_rows.is_empty() {
        groups.push(loose_rows);
    }
    Table { groups }
}

fn row(row: ElementRef<'_>) -> Vec<TableCell> {
    row.child_elements()
        .filter(|cell| matches!(cell.value().name(), "td" | "th"))
        .map(|cell| TableCell {
            rowspan: cell.attr("rowspan").map(str::to_string),
            colspan: cell.attr("colspan").map(str::to_string),
            number: cell.attr("x:num").map(str::to_string),
            text: cell_text(cell),
        })
        .collect()
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Gap {
    None,
    Space,
    Lines(u32),
}

enum Step<N> {
    Enter(N),
    Leave(bool),
}

fn cell_text(table_cell: ElementRef<'_>) -> String {
    let mut text = String::new();
    let mut gap = Gap::None;
    let mut stack: Vec<Step<_>> = table_cell.children().rev().map(Step::Enter).collect();
    while let Some(step) = stack.pop() {
        let node = match step {
            Step::Enter(node) => node,
            Step::Leave(ends_line) => {
                gap = gap.max(if ends_line { Gap::Lines(1) } else { Gap::Space });
                continue;
            }
        };
        match node.value() {
            Node::Text(raw) => {
                for (index, word) in raw.split(char::is_whitespace).enumerate() {
                    if index > 0 {
                        gap = gap.max(Gap::Space);
                    }
                    if word.is_empty() {
                        continue;
                    }
                    if !text.is_empty() {
                        match gap {
                            Gap::None => {}
                            Gap::Space => text.push(' '),
                            Gap::Lines(count) => (0..count).for_each(|_| text.push('\n')),
                        }
                    }
                    gap = Gap::None;
                    text.push_str(word);
                }
            }
            Node::Element(element) => {
                let name = element.name();
                if name == "br" {
                    gap = match gap {
                        Gap::Lines(count) => Gap::Lines(count + 1),
                        _ => Gap::Lines(1),
                    };
                    continue;
                }
                if matches!(name, "script" | "style" | "template" | "noscript" | "head") {
                    continue;
                }
                let ends_line = super::html_tables::ends_line(name);
                let separates = ends_line || matches!(name, "td" | "th");
                if separates {
                    gap = gap.max(if ends_line { Gap::Lines(1) } else { Gap::Space });
                    stack.push(Step::Leave(ends_line));
                }
                stack.extend(node.children().rev().map(Step::Enter));
            }
            _ => {}
        }
    }
    text
}
