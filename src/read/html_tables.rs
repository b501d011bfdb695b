//! The tables of an HTML document as a browser builds them from its tokens (the WHATWG
//! tree builder's table rules, without a DOM): each top-level `<table>`'s row groups, rows
//! and cells, with the end tags offices leave out implied (`<td>` closes the cell before
//! it, `<tr>` the row), a cell's text as a browser lays it out (nested tables' text
//! included), and the comments that name Excel's sheets.

use super::html_tokens::{Token, Tokens};

/// A `<td>` or `<th>` of a top-level table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct TableCell {
    /// Its `rowspan` attribute, as written.
    pub rowspan: Option<String>,
    /// Its `colspan` attribute, as written.
    pub colspan: Option<String>,
    /// Excel's `x:num` attribute (the cell's number), as written.
    pub number: Option<String>,
    /// Its visible text: white space collapsed, `<br>` a newline.
    pub text: String,
}

/// A row: its cells in order.
pub(super) type TableRow = Vec<TableCell>;

/// A top-level table: its row groups (`<thead>`, `<tbody>`, `<tfoot>`, or the rows a
/// browser puts in an implied `<tbody>`), each a list of rows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Table {
    /// The row groups in document order.
    pub groups: Vec<Vec<TableRow>>,
}

/// What the HTML reader needs of a document.
#[derive(Debug, Default)]
pub(super) struct Document {
    /// The `<table>`s not inside another table, in document order.
    pub tables: Vec<Table>,
    /// The comments that mention `x:Name` (Excel's list of sheets), in order.
    pub sheet_comments: Vec<String>,
}

/// Tables nested deeper than this in one another's cells are read as their text, the
/// `<table>` tag left out: a nested table's text is handed to the cell above it when it
/// closes, so a hostile depth would cost its square.
const MAX_TABLE_DEPTH: usize = 64;

/// Elements open inside one cell beyond this are not kept open (their end tags are left
/// unmatched): every end tag looks through them.
const MOST_OPEN_ELEMENTS: usize = 256;

/// Reads the tables of `html`.
pub(super) fn tables(html: &str) -> Document {
    let mut builder = Builder::default();
    for token in Tokens::new(html) {
        builder.take(token);
    }
    builder.finish()
}

/// Elements that end a line of a cell's text where they open and close.
pub(super) fn ends_line(name: &str) -> bool {
    matches!(
        name,
        "p" | "div"
            | "tr"
            | "li"
            | "table"
            | "ul"
            | "ol"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "blockquote"
            | "pre"
            | "caption"
    )
}

/// Where the end tag `name` closes the open `elements` (innermost last), as a browser's
/// tree builder reads it: a block's end tag closes it with whatever is open inside it; any
/// other end tag only when no block is open inside it (`<span><p>x</span>` leaves both
/// open).
fn closed_by(elements: &[String], name: &str) -> Option<usize> {
    if closes_inner(name) {
        // Only when it is in scope: a list item not past a list, a paragraph not past a
        // button.
        for (at, open) in elements.iter().enumerate().rev() {
            if open == name {
                return Some(at);
            }
            let boundary = matches!(open.as_str(), "applet" | "marquee" | "object")
                || (name == "li" && matches!(open.as_str(), "ul" | "ol"))
                || (name == "p" && open == "button");
            if boundary {
                return None;
            }
        }
        return None;
    }
    for (at, open) in elements.iter().enumerate().rev() {
        if open == name {
            return Some(at);
        }
        if is_special(open) {
            return None;
        }
    }
    None
}

/// End tags that close their element with everything open inside it.
fn closes_inner(name: &str) -> bool {
    matches!(
        name,
        "address"
            | "article"
            | "aside"
            | "blockquote"
            | "button"
            | "center"
            | "details"
            | "dialog"
            | "dir"
            | "div"
            | "dl"
            | "fieldset"
            | "figcaption"
            | "figure"
            | "footer"
            | "header"
            | "hgroup"
            | "listing"
            | "main"
            | "menu"
            | "nav"
            | "ol"
            | "pre"
            | "section"
            | "summary"
            | "ul"
            | "li"
            | "dd"
            | "dt"
            | "p"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "form"
    )
}

/// The elements HTML calls special: other end tags do not reach past them.
fn is_special(name: &str) -> bool {
    closes_inner(name)
        || matches!(
            name,
            "applet"
                | "caption"
                | "iframe"
                | "marquee"
                | "noembed"
                | "noframes"
                | "object"
                | "plaintext"
                | "select"
                | "table"
                | "tbody"
                | "td"
                | "template"
                | "textarea"
                | "tfoot"
                | "th"
                | "thead"
                | "title"
                | "tr"
                | "xmp"
        )
}

/// The tags that build a table (and close what was put before it).
fn is_table_part(name: &str) -> bool {
    matches!(
        name,
        "caption" | "colgroup" | "col" | "thead" | "tbody" | "tfoot" | "tr" | "td" | "th" | "table"
    )
}

/// Elements with no content and no end tag.
fn is_void(name: &str) -> bool {
    matches!(
        name,
        "area"
            | "base"
            | "br"
            | "col"
            | "embed"
            | "hr"
            | "img"
            | "input"
            | "keygen"
            | "link"
            | "meta"
            | "param"
            | "source"
            | "track"
            | "wbr"
    )
}

/// The start tags that close an open cell (and are then read in its row or table).
fn closes_cell(name: &str) -> bool {
    matches!(
        name,
        "td" | "th" | "tr" | "tbody" | "thead" | "tfoot" | "caption" | "col" | "colgroup"
    )
}

/// Where a white-space run or element boundary falls between two words of a cell's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Gap {
    None,
    Space,
    /// Line breaks: `<br>`s counted, block boundaries counting as one.
    Lines(u32),
}

/// Builds a cell's text: white-space runs become one space, line breaks survive, and
/// leading and trailing gaps are dropped.
#[derive(Debug)]
struct TextBuilder {
    text: String,
    gap: Gap,
}

impl TextBuilder {
    fn new() -> Self {
        Self {
            text: String::new(),
            gap: Gap::None,
        }
    }

    fn push_text(&mut self, raw: &str) {
        for (index, word) in raw.split(char::is_whitespace).enumerate() {
            if index > 0 {
                self.widen(Gap::Space);
            }
            if word.is_empty() {
                continue;
            }
            if !self.text.is_empty() {
                match self.gap {
                    Gap::None => {}
                    Gap::Space => self.text.push(' '),
                    Gap::Lines(count) => {
                        for _ in 0..count {
                            self.text.push('\n');
                        }
                    }
                }
            }
            self.gap = Gap::None;
            self.text.push_str(word);
        }
    }

    fn widen(&mut self, gap: Gap) {
        self.gap = self.gap.max(gap);
    }

    fn line_break(&mut self) {
        self.gap = match self.gap {
            Gap::Lines(count) => Gap::Lines(count.saturating_add(1)),
            _ => Gap::Lines(1),
        };
    }
}

/// A row group's kind: what its end tag is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Group {
    /// No group is open.
    Closed,
    /// `<thead>`, `<tbody>` or `<tfoot>` as written, or the `<tbody>` a loose `<tr>` implies.
    Open(&'static str),
}

/// A piece of a cell's text, held while a nested table is open: a browser puts what is
/// written loose in a nested table (outside its cells) before that table.
#[derive(Debug)]
enum Piece {
    Text(String),
    Gap(Gap),
    Break,
}

/// What is open in one table, the top-level one or one nested in a cell.
#[derive(Debug)]
struct Level {
    group: Group,
    row: bool,
    /// The open cell's tag (`td` or `th`).
    cell: Option<&'static str>,
    caption: bool,
    /// The elements open inside the open cell (or caption), innermost last.
    elements: Vec<String>,
    /// A nested table's text, given to the cell that holds it when the table closes.
    held: Vec<Piece>,
}

impl Level {
    fn new() -> Self {
        Self {
            group: Group::Closed,
            row: false,
            cell: None,
            caption: false,
            elements: Vec::new(),
            held: Vec::new(),
        }
    }

    fn in_cell(&self) -> bool {
        self.cell.is_some() || self.caption
    }
}

/// The tree builder's state.
#[derive(Debug, Default)]
struct Builder {
    document: Document,
    /// The open tables: the first is a top-level one (the last of `document.tables`).
    levels: Vec<Level>,
    /// The top-level table's open cell: its attributes and its text so far.
    cell: Option<(TableCell, TextBuilder)>,
    /// Inside a `<template>` (its content is no part of the document): how deep.
    template: u32,
}

impl Builder {
    fn take(&mut self, token: Token<'_>) {
        match token {
            Token::Comment(text) => {
                if self.template == 0 && text.to_ascii_lowercase().contains("<x:name>") {
                    self.document.sheet_comments.push(text.to_string());
                }
            }
            _ if self.template > 0 => match token {
                Token::Start { name, .. } if name == "template" => {
                    self.template = self.template.saturating_add(1);
                }
                Token::End { name } if name == "template" => {
                    self.template = self.template.saturating_sub(1);
                }
                _ => {}
            },
            Token::Text(text) => self.text(&text),
            Token::RawText { shown, text } => {
                if shown {
                    self.text(text);
                }
            }
            Token::Start { name, attributes } => self.start(name, attributes),
            Token::End { name } => self.end(&name),
        }
    }

    /// The level whose cell takes what comes now: the innermost table when a cell (or
    /// caption) is open there, else the cell holding it (loose content goes before a
    /// nested table); `None` out of every cell.
    fn content_level(&self) -> Option<usize> {
        let innermost = self.levels.len().checked_sub(1)?;
        if self.levels.get(innermost)?.in_cell() {
            Some(innermost)
        } else {
            innermost.checked_sub(1)
        }
    }

    /// Gives `piece` to the cell of the table at `level`.
    fn put(&mut self, level: usize, piece: Piece) {
        if level == 0 {
            if let Some((_, builder)) = self.cell.as_mut() {
                match piece {
                    Piece::Text(text) => builder.push_text(&text),
                    Piece::Gap(gap) => builder.widen(gap),
                    Piece::Break => builder.line_break(),
                }
            }
        } else if let Some(open) = self.levels.get_mut(level) {
            open.held.push(piece);
        }
    }

    /// Gives `piece` to the cell that takes what comes now.
    fn put_here(&mut self, piece: Piece) {
        if let Some(level) = self.content_level() {
            self.put(level, piece);
        }
    }

    fn text(&mut self, text: &str) {
        let Some(innermost) = self.levels.len().checked_sub(1) else {
            return;
        };
        let in_table = self
            .levels
            .get(innermost)
            .is_some_and(|level| !level.in_cell() && level.elements.is_empty());
        if in_table
            && text
                .chars()
                .all(|c| matches!(c, '\t' | '\n' | '\x0c' | '\r' | ' '))
        {
            // HTML's white space between a table's rows stays in the table.
            if innermost > 0 {
                self.put(innermost, Piece::Gap(Gap::Space));
            }
            return;
        }
        self.put_here(Piece::Text(text.to_string()));
    }

    /// The gap an element leaves where it opens or closes, in the cell at `level`.
    fn edge(&mut self, level: usize, name: &str) {
        if ends_line(name) {
            self.put(level, Piece::Gap(Gap::Lines(1)));
        } else if matches!(name, "td" | "th") {
            self.put(level, Piece::Gap(Gap::Space));
        }
    }

    /// An element inside a cell (or put before a nested table): a line break, or a
    /// block's edge.
    fn element_here(&mut self, name: &str) {
        let Some(level) = self.content_level() else {
            return;
        };
        if name == "br" {
            self.put(level, Piece::Break);
        } else {
            self.edge(level, name);
        }
    }

    fn innermost(&self) -> usize {
        self.levels.len().saturating_sub(1)
    }

    fn start(&mut self, name: String, attributes: Vec<(String, String)>) {
        if name == "template" {
            self.template = 1;
            return;
        }
        let Some(level) = self.levels.last_mut() else {
            if name == "table" {
                self.open_table();
            }
            return;
        };
        if level.in_cell() {
            if closes_cell(&name) {
                self.close_cell();
                return self.start(name, attributes);
            }
            if name == "table" && self.levels.len() < MAX_TABLE_DEPTH {
                self.open_table();
                return;
            }
            self.open_element(name);
            return;
        }
        if is_table_part(&name) {
            self.close_fostered();
        }
        match name.as_str() {
            "caption" => {
                self.close_group();
                if let Some(level) = self.levels.last_mut() {
                    level.caption = true;
                }
                let here = self.innermost();
                self.edge(here, "caption");
            }
            "colgroup" | "col" => self.close_group(),
            "thead" | "tbody" | "tfoot" => {
                self.close_group();
                self.open_group(group_name(&name));
            }
            "tr" => {
                self.close_row();
                self.open_row();
            }
            "td" | "th" => {
                if !self.levels.last().is_some_and(|level| level.row) {
                    self.open_row();
                }
                self.open_cell(if name == "th" { "th" } else { "td" }, attributes);
            }
            "table" => {
                self.close_table();
                self.open_table();
            }
            // Anything else in a table outside its cells goes before the table: into the
            // cell that holds a nested table, out of a top-level one.
            _ => {
                self.open_element(name);
            }
        }
    }

    /// An element opening inside a cell (or before a nested table): a block closes an open
    /// paragraph first, a list item the item before it, as a browser's tree builder does.
    fn open_element(&mut self, name: String) {
        if name == "li" {
            self.close_open("li");
        }
        if closes_inner(&name) || matches!(name.as_str(), "hr" | "xmp") {
            self.close_open("p");
        }
        if !is_void(&name) {
            if let Some(level) = self
                .levels
                .last_mut()
                .filter(|level| level.elements.len() < MOST_OPEN_ELEMENTS)
            {
                level.elements.push(name.clone());
            }
        }
        self.element_here(&name);
    }

    /// Closes the open `name` (`p` or `li`) with what is inside it, when one is open
    /// within reach (no block other than a paragraph or a division between).
    fn close_open(&mut self, name: &str) {
        let Some(level) = self.levels.last_mut() else {
            return;
        };
        let mut found = None;
        for (at, open) in level.elements.iter().enumerate().rev() {
            if open == name {
                found = Some(at);
                break;
            }
            let passes = if name == "p" {
                !matches!(open.as_str(), "button" | "applet" | "marquee" | "object")
            } else {
                !is_special(open) || matches!(open.as_str(), "address" | "div" | "p")
            };
            if !passes {
                break;
            }
        }
        let Some(at) = found else {
            return;
        };
        let closed: Vec<String> = level.elements.drain(at..).collect();
        let Some(holder) = self.content_level() else {
            return;
        };
        for element in closed.iter().rev() {
            self.edge(holder, element);
        }
    }

    /// Closes the elements put before the innermost table, as a table's part (a row, a
    /// cell) arriving does.
    fn close_fostered(&mut self) {
        let Some(level) = self.levels.last_mut() else {
            return;
        };
        let closed: Vec<String> = std::mem::take(&mut level.elements);
        for element in closed.iter().rev() {
            if let Some(holder) = self.content_level() {
                self.edge(holder, element);
            }
        }
    }

    fn end(&mut self, name: &str) {
        let Some(level) = self.levels.last_mut() else {
            return;
        };
        if level.in_cell() {
            let cell = level.cell;
            let in_scope = match name {
                "table" => true,
                "caption" => cell.is_none(),
                // A caption ignores the end tags of a table's parts.
                _ if cell.is_none() && is_table_part(name) => false,
                "td" | "th" => cell == Some(name),
                "tr" => true,
                "tbody" | "thead" | "tfoot" => level.group == Group::Open(group_name(name)),
                _ => {
                    // An element open inside the cell closes, with those inside it.
                    if let Some(at) = closed_by(&level.elements, name) {
                        let closed: Vec<String> = level.elements.drain(at..).collect();
                        let here = self.innermost();
                        for element in closed.iter().rev() {
                            self.edge(here, element);
                        }
                    } else if matches!(name, "br" | "p") {
                        // `</br>` is a `<br>`; `</p>` with no `<p>` open an empty paragraph.
                        self.element_here(name);
                    }
                    return;
                }
            };
            if in_scope {
                self.close_cell();
                if !matches!(name, "td" | "th" | "caption") {
                    self.end(name);
                }
            }
            return;
        }
        if let Some(at) = closed_by(&level.elements, name) {
            // An element put before the table closes, with those inside it.
            let closed: Vec<String> = level.elements.drain(at..).collect();
            for element in closed.iter().rev() {
                if let Some(holder) = self.content_level() {
                    self.edge(holder, element);
                }
            }
            return;
        }
        let applies = match name {
            "tr" => level.row,
            "tbody" | "thead" | "tfoot" => level.group == Group::Open(group_name(name)),
            _ => name == "table",
        };
        if applies {
            self.close_fostered();
        }
        let Some(level) = self.levels.last_mut() else {
            return;
        };
        match name {
            "tr" => self.close_row(),
            "tbody" | "thead" | "tfoot" if level.group == Group::Open(group_name(name)) => {
                self.close_group();
            }
            "table" => self.close_table(),
            "br" | "p" => self.element_here(name),
            _ => {}
        }
    }

    fn open_table(&mut self) {
        if self.levels.is_empty() {
            self.document.tables.push(Table::default());
        }
        self.levels.push(Level::new());
    }

    /// Closes the innermost table; a nested one gives its text to the cell holding it.
    fn close_table(&mut self) {
        self.close_group();
        let Some(closed) = self.levels.pop() else {
            return;
        };
        let Some(holder) = self.levels.len().checked_sub(1) else {
            return;
        };
        self.edge(holder, "table");
        for piece in closed.held {
            self.put(holder, piece);
        }
        self.edge(holder, "table");
    }

    fn open_group(&mut self, group: &'static str) {
        if self.levels.len() == 1 {
            if let Some(table) = self.document.tables.last_mut() {
                table.groups.push(Vec::new());
            }
        }
        if let Some(level) = self.levels.last_mut() {
            level.group = Group::Open(group);
        }
    }

    fn close_group(&mut self) {
        self.close_row();
        if let Some(level) = self.levels.last_mut() {
            level.group = Group::Closed;
        }
    }

    fn open_row(&mut self) {
        if self
            .levels
            .last()
            .is_some_and(|level| level.group == Group::Closed)
        {
            self.open_group("tbody");
        }
        let here = self.innermost();
        if here == 0 {
            if let Some(group) = self
                .document
                .tables
                .last_mut()
                .and_then(|table| table.groups.last_mut())
            {
                group.push(Vec::new());
            }
        } else {
            self.edge(here, "tr");
        }
        if let Some(level) = self.levels.last_mut() {
            level.row = true;
        }
    }

    fn close_row(&mut self) {
        self.close_cell();
        let here = self.innermost();
        let Some(level) = self.levels.last_mut() else {
            return;
        };
        if level.row {
            level.row = false;
            if here > 0 {
                self.edge(here, "tr");
            }
        }
    }

    fn open_cell(&mut self, tag: &'static str, attributes: Vec<(String, String)>) {
        let here = self.innermost();
        if here == 0 {
            let mut cell = TableCell::default();
            for (name, value) in attributes {
                match name.as_str() {
                    "rowspan" => cell.rowspan = Some(value),
                    "colspan" => cell.colspan = Some(value),
                    "x:num" => cell.number = Some(value),
                    _ => {}
                }
            }
            self.cell = Some((cell, TextBuilder::new()));
        } else {
            self.edge(here, tag);
        }
        if let Some(level) = self.levels.last_mut() {
            level.cell = Some(tag);
        }
    }

    /// Closes the innermost table's open cell or caption, if any.
    fn close_cell(&mut self) {
        let here = self.innermost();
        let Some(level) = self.levels.last_mut().filter(|level| level.in_cell()) else {
            return;
        };
        let closed: Vec<String> = std::mem::take(&mut level.elements);
        let tag = level.cell.take().or(level.caption.then_some("caption"));
        level.caption = false;
        for element in closed.iter().rev() {
            self.edge(here, element);
        }
        if here == 0 {
            if let Some((mut cell, text)) = self.cell.take() {
                cell.text = text.text;
                if let Some(row) = self
                    .document
                    .tables
                    .last_mut()
                    .and_then(|table| table.groups.last_mut())
                    .and_then(|group| group.last_mut())
                {
                    row.push(cell);
                }
            }
        } else if let Some(tag) = tag {
            self.edge(here, tag);
        }
    }

    fn finish(mut self) -> Document {
        while !self.levels.is_empty() {
            self.close_cell();
            self.close_table();
        }
        self.document
    }
}

/// A row group's end-tag name as a static string.
fn group_name(name: &str) -> &'static str {
    match name {
        "thead" => "thead",
        "tfoot" => "tfoot",
        _ => "tbody",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(table: &Table) -> Vec<Vec<Vec<&str>>> {
        table
            .groups
            .iter()
            .map(|group| {
                group
                    .iter()
                    .map(|row| row.iter().map(|cell| cell.text.as_str()).collect())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn left_out_end_tags_are_implied() {
        let document = tables("<table><tr><td>a<td>b<tr><th>c</table>");
        assert_eq!(document.tables.len(), 1);
        assert_eq!(
            texts(&document.tables[0]),
            vec![vec![vec!["a", "b"], vec!["c"]]]
        );
    }

    #[test]
    fn loose_rows_between_groups_make_groups_of_their_own() {
        let document =
            tables("<table><tr><td>1</tr><thead><tr><td>2<tr><td>3</thead><td>4</table>");
        assert_eq!(
            texts(&document.tables[0]),
            vec![vec![vec!["1"]], vec![vec!["2"], vec!["3"]], vec![vec!["4"]]]
        );
    }

    #[test]
    fn a_nested_table_gives_its_text_to_the_cell() {
        let document = tables(
            "<table><tr><td>x<table><tr><td>a</td><td>b</td></tr><tr><td>c</table>y</td><td>z</table><table><td>2</table>",
        );
        assert_eq!(document.tables.len(), 2);
        assert_eq!(
            texts(&document.tables[0]),
            vec![vec![vec!["x\na b\nc\ny", "z"]]]
        );
        assert_eq!(texts(&document.tables[1]), vec![vec![vec!["2"]]]);
    }

    #[test]
    fn text_outside_cells_and_in_templates_is_not_a_cell() {
        let document = tables(
            "<p>before</p><table>loose<caption>title</caption><tr>row<td>in<template><td>t</template></td></tr></table>",
        );
        assert_eq!(texts(&document.tables[0]), vec![vec![vec!["in"]]]);
    }

    #[test]
    fn an_end_tag_of_another_cell_kind_is_ignored() {
        let document = tables("<table><tr><td>a</th>b</td></table>");
        assert_eq!(texts(&document.tables[0]), vec![vec![vec!["ab"]]]);
    }

    /// Hostile depths (tables in cells of tables, elements in elements, end tags that
    /// match nothing) read in time proportional to the document.
    #[test]
    fn hostile_depths_read_in_linear_time() {
        let depth = 200_000;
        let nested = format!("<table><tr><td>{}x", "<table><tr><td>".repeat(depth));
        let document = tables(&nested);
        assert_eq!(texts(&document.tables[0]), vec![vec![vec!["x"]]]);
        let elements = format!(
            "<table><td>{}y{}",
            "<div><span>".repeat(depth),
            "</p></li></div>".repeat(depth)
        );
        let document = tables(&elements);
        assert_eq!(texts(&document.tables[0]), vec![vec![vec!["y"]]]);
    }

    /// The sample one-stop export reads as a browser's parser reads it.
    #[test]
    fn the_sample_export_reads_as_html5ever_reads_it() {
        let bytes = std::fs::read("tests/fixtures/tthc-06-q3-2022-html.xls").unwrap();
        let html = String::from_utf8_lossy(&bytes);
        let ours = tables(&html);
        let theirs = super::super::html_oracle::tables(&html);
        assert_eq!(ours.tables, theirs.tables);
        assert_eq!(ours.sheet_comments, theirs.sheet_comments);
        assert!(ours.tables[0].groups.iter().map(Vec::len).sum::<usize>() > 20);
    }

    /// Every named reference, and a few numeric ones, decode as html5ever decodes them, in
    /// text and in a value.
    #[test]
    fn references_read_as_html5ever_reads_them() {
        let mut html = String::from("<table>");
        for index in 0..super::super::html_entities::COUNT {
            let name = super::super::html_tokens::name_at(index);
            html.push_str(&format!("<tr><td x:num=\"a&{name}\">&{name} &{name}x</td>"));
        }
        for code in [
            "#0", "#x80", "#150", "#xD800", "#1114112", "#x1EA3", "#65", "#x", "#",
        ] {
            html.push_str(&format!("<tr><td>&{code};&{code}</td>"));
        }
        let ours = tables(&html);
        let theirs = super::super::html_oracle::tables(&html);
        assert_eq!(ours.tables, theirs.tables);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

        /// Tables written the way exports and people write them (end tags left out, spans,
        /// groups, nested tables, markup and references inside cells, comments, scripts)
        /// read as html5ever reads them.
        #[test]
        fn table_soup_reads_as_html5ever_reads_it(
            fragments in proptest::collection::vec(0usize..PIECES.len(), 0..60)
        ) {
            let html: String = std::iter::once("<table>")
                .chain(fragments.iter().filter_map(|&index| PIECES.get(index).copied()))
                .collect();
            let ours = tables(&html);
            let theirs = super::super::html_oracle::tables(&html);
            proptest::prop_assert_eq!(&ours.tables, &theirs.tables, "{}", html);
            proptest::prop_assert_eq!(&ours.sheet_comments, &theirs.sheet_comments, "{}", html);
        }
    }

    const PIECES: [&str; 43] = [
        "<table>",
        "</table>",
        "<tr>",
        "</tr>",
        "<td>",
        "</td>",
        "<th rowspan=2>",
        "</th>",
        "<td colspan='3' x:num=\"1.5\">",
        "<td x:num>",
        "<tbody>",
        "</tbody>",
        "<thead>",
        "</thead>",
        "<tfoot>",
        "x",
        " 1.234 ",
        "<br>",
        "<p>",
        "</p>",
        "<div>",
        "</div>",
        "<span>",
        "</span>",
        "&amp;",
        "&nbsp;",
        "&#7843;",
        "<!-- c -->",
        "<!--[if gte mso 9]><xml><x:Name>S&amp;1</x:Name></xml><![endif]-->",
        "<script>a</td>b</script>",
        "\n",
        "<b>Tổng</b>",
        "Tổng",
        "<caption>",
        "</caption>",
        "<li>",
        "</li>",
        "&copy",
        "<h1>",
        "<td rowspan=\"2\" x:num=\"1&amp;2\">",
        "\r\n",
        "<ul>",
        "</ul>",
    ];
}
