//! The formula parser: Excel syntax (plus template names) into an [`Expr`], with byte
//! offsets in its errors and hard limits on length and nesting so no input can exhaust the
//! stack.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;

use super::ast::{BinaryOp, ExcelError, Expr, Reference, UnaryOp};
use crate::model::{CellRange, CellRef};

/// The longest formula text accepted, in bytes.
pub const MAX_FORMULA_LEN: usize = 64 * 1024;
/// The deepest nesting of parentheses and function calls accepted (Excel's own limit for
/// nested functions), which keeps parsing and evaluation well inside a 2 MiB thread stack.
pub const MAX_NESTING: usize = 64;
/// The deepest expression tree accepted (a chain `A1+A2+…` is as deep as it is long).
pub const MAX_TREE_DEPTH: usize = 1000;

/// Why a formula could not be parsed: a message and the byte offset in the text it refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormulaError {
    /// What is wrong, in English.
    pub message: String,
    /// Byte offset in the formula text where the problem was found.
    pub offset: usize,
}

impl FormulaError {
    fn new(message: impl Into<String>, offset: usize) -> Self {
        FormulaError {
            message: message.into(),
            offset,
        }
    }
}

impl fmt::Display for FormulaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at byte {})", self.message, self.offset)
    }
}

impl std::error::Error for FormulaError {}

/// A token of the formula text; names borrow it (a formula of a 500k-row form's every
/// row allocated a string for each of its names).
#[derive(Debug, Clone, PartialEq)]
enum Token<'a> {
    Number(Decimal),
    Text(String),
    Error(ExcelError),
    /// An identifier: a cell address, `TRUE`/`FALSE`, or a name.
    Ident(&'a str),
    /// An identifier written right before `(`; the parenthesis is part of the token.
    Function(&'a str),
    /// A sheet name written before `!`; the `!` is part of the token (a quoted name with
    /// `''` in it is unescaped into its own string).
    Sheet(Cow<'a, str>),
    Plus,
    Minus,
    Star,
    Slash,
    Caret,
    Amp,
    Percent,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    LParen,
    RParen,
    /// `,` or `;` (Vietnamese Excel separates arguments with `;`).
    Separator,
    Colon,
}

fn describe(token: &Token<'_>) -> String {
    match token {
        Token::Number(n) => format!("number {n}"),
        Token::Text(_) => "a string".to_string(),
        Token::Error(e) => e.code().to_string(),
        Token::Ident(name) => format!("`{name}`"),
        Token::Function(name) => format!("function `{name}(`"),
        Token::Sheet(name) => format!("sheet `{name}!`"),
        Token::Plus => "`+`".into(),
        Token::Minus => "`-`".into(),
        Token::Star => "`*`".into(),
        Token::Slash => "`/`".into(),
        Token::Caret => "`^`".into(),
        Token::Amp => "`&`".into(),
        Token::Percent => "`%`".into(),
        Token::Eq => "`=`".into(),
        Token::Ne => "`<>`".into(),
        Token::Lt => "`<`".into(),
        Token::Le => "`<=`".into(),
        Token::Gt => "`>`".into(),
        Token::Ge => "`>=`".into(),
        Token::LParen => "`(`".into(),
        Token::RParen => "`)`".into(),
        Token::Separator => "an argument separator".into(),
        Token::Colon => "`:`".into(),
    }
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_' || c == '\\' || c == '$'
}

fn is_ident_continue(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '.' || c == '$'
}

const ERROR_LITERALS: [&str; 7] = [
    "#DIV/0!", "#N/A", "#REF!", "#VALUE!", "#NAME?", "#NUM!", "#NULL!",
];

struct Lexer<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Lexer<'a> {
    fn peek_char(&self) -> Option<char> {
        self.text
            .get(self.pos..)
            .and_then(|rest| rest.chars().next())
    }

    fn peek_char_at(&self, ahead: usize) -> Option<char> {
        self.text
            .get(self.pos..)
            .and_then(|rest| rest.chars().nth(ahead))
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek_char()?;
        self.pos = self.pos.saturating_add(c.len_utf8());
        Some(c)
    }

    fn rest(&self) -> &'a str {
        self.text.get(self.pos..).unwrap_or("")
    }

    fn tokens(mut self) -> Result<Vec<(Token<'a>, usize)>, FormulaError> {
        // About a token for every three bytes of a formula like `ROUND(K12/E12*100,1)`.
        let mut tokens = Vec::with_capacity(self.text.len().saturating_div(3));
        while let Some(c) = self.peek_char() {
            let start = self.pos;
            if c.is_whitespace() {
                self.bump();
                continue;
            }
            let token = match c {
                '0'..='9' => self.number()?,
                '.' if self.peek_char_at(1).is_some_and(|d| d.is_ascii_digit()) => self.number()?,
                '"' => self.string()?,
                '\'' => self.quoted_sheet()?,
                '#' => self.error_literal()?,
                c if is_ident_start(c) => self.identifier(),
                _ => {
                    self.bump();
                    let two = |lexer: &mut Self, next: char, yes: Token<'a>, no: Token<'a>| {
                        if lexer.peek_char() == Some(next) {
                            lexer.bump();
                            yes
                        } else {
                            no
                        }
                    };
                    match c {
                        '+' => Token::Plus,
                        '-' => Token::Minus,
                        '*' => Token::Star,
                        '/' => Token::Slash,
                        '^' => Token::Caret,
                        '&' => Token::Amp,
                        '%' => Token::Percent,
                        '=' => Token::Eq,
                        '<' => {
                            if self.peek_char() == Some('>') {
                                self.bump();
                                Token::Ne
                            } else {
                                two(&mut self, '=', Token::Le, Token::Lt)
                            }
                        }
                        '>' => two(&mut self, '=', Token::Ge, Token::Gt),
                        '(' => Token::LParen,
                        ')' => Token::RParen,
                        ',' | ';' => Token::Separator,
                        ':' => Token::Colon,
                        '{' => {
                            return Err(FormulaError::new(
                                "array constants `{…}` are not supported",
                                start,
                            ))
                        }
                        other => {
                            return Err(FormulaError::new(
                                format!("unexpected character `{other}`"),
                                start,
                            ))
                        }
                    }
                }
            };
            tokens.push((token, start));
        }
        Ok(tokens)
    }

    fn eat_digits(&mut self) -> usize {
        let mut count: usize = 0;
        while self.peek_char().is_some_and(|c| c.is_ascii_digit()) {
            self.bump();
            count = count.saturating_add(1);
        }
        count
    }

    fn number(&mut self) -> Result<Token<'a>, FormulaError> {
        let start = self.pos;
        self.eat_digits();
        if self.peek_char() == Some('.') {
            self.bump();
            self.eat_digits();
        }
        let mut scientific = false;
        if matches!(self.peek_char(), Some('e' | 'E')) {
            let sign = matches!(self.peek_char_at(1), Some('+' | '-'));
            let digit_at = if sign { 2 } else { 1 };
            if self
                .peek_char_at(digit_at)
                .is_some_and(|c| c.is_ascii_digit())
            {
                scientific = true;
                self.bump();
                if sign {
                    self.bump();
                }
                self.eat_digits();
            }
        }
        let literal = self.text.get(start..self.pos).unwrap_or("");
        let parsed = if scientific {
            Decimal::from_scientific(literal)
        } else {
            let plain = literal.strip_suffix('.').unwrap_or(literal);
            Decimal::from_str(plain)
        };
        parsed
            .map(Token::Number)
            .map_err(|_| FormulaError::new(format!("number `{literal}` is out of range"), start))
    }

    fn string(&mut self) -> Result<Token<'a>, FormulaError> {
        let start = self.pos;
        self.bump();
        let mut text = String::new();
        loop {
            match self.bump() {
                None => return Err(FormulaError::new("unterminated string", start)),
                Some('"') => {
                    if self.peek_char() == Some('"') {
                        self.bump();
                        text.push('"');
                    } else {
                        return Ok(Token::Text(text));
                    }
                }
                Some(c) => text.push(c),
            }
        }
    }

    fn quoted_sheet(&mut self) -> Result<Token<'a>, FormulaError> {
        let start = self.pos;
        self.bump();
        let mut name = String::new();
        loop {
            match self.bump() {
                None => return Err(FormulaError::new("unterminated sheet name", start)),
                Some('\'') => {
                    if self.peek_char() == Some('\'') {
                        self.bump();
                        name.push('\'');
                    } else {
                        break;
                    }
                }
                Some(c) => name.push(c),
            }
        }
        if self.peek_char() != Some('!') {
            return Err(FormulaError::new(
                "a quoted sheet name must be followed by `!`",
                self.pos,
            ));
        }
        self.bump();
        Ok(Token::Sheet(Cow::Owned(name)))
    }

    fn error_literal(&mut self) -> Result<Token<'a>, FormulaError> {
        let start = self.pos;
        let rest = self.rest();
        for literal in ERROR_LITERALS {
            let matches = rest
                .get(..literal.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(literal));
            if matches {
                self.pos = self.pos.saturating_add(literal.len());
                if let Some(error) = ExcelError::from_code(literal) {
                    return Ok(Token::Error(error));
                }
            }
        }
        Err(FormulaError::new("unknown error literal", start))
    }

    fn identifier(&mut self) -> Token<'a> {
        let start = self.pos;
        // The first character (possibly `\\`, which may not continue a name).
        self.bump();
        while self.peek_char().is_some_and(is_ident_continue) {
            self.bump();
        }
        let name = self.text.get(start..self.pos).unwrap_or("");
        match self.peek_char() {
            Some('(') => {
                self.bump();
                Token::Function(name)
            }
            Some('!') => {
                self.bump();
                Token::Sheet(Cow::Borrowed(name))
            }
            _ => Token::Ident(name),
        }
    }
}

/// Upper-cases a function name and removes the prefixes Excel 2010+ writes in files. A
/// prefix stays when what follows it could not start a name (`_xlws.()`, `_xlws.8OR(`):
/// the formula must print back as it parsed.
fn canonical_function_name(name: &str) -> String {
    let mut upper = name.to_uppercase();
    loop {
        let stripped = ["_XLFN.", "_XLWS."].iter().find_map(|prefix| {
            upper
                .strip_prefix(prefix)
                .filter(|rest| rest.chars().next().is_some_and(is_ident_start))
                .map(str::to_string)
        });
        match stripped {
            Some(rest) => upper = rest,
            None => return upper,
        }
    }
}

struct Parser<'a> {
    tokens: Vec<(Token<'a>, usize)>,
    pos: usize,
    end: usize,
    nesting: usize,
}

/// An expression with the depth of its tree.
type Node = (Expr, usize);

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<&Token<'a>> {
        self.tokens.get(self.pos).map(|(token, _)| token)
    }

    fn offset(&self) -> usize {
        self.tokens.get(self.pos).map_or(self.end, |(_, at)| *at)
    }

    /// Takes the next token (a parse never reads a token again once past it, so it is
    /// moved out rather than cloned: a clone was an allocation per name in the formula).
    fn next(&mut self) -> Option<Token<'a>> {
        let token = self
            .tokens
            .get_mut(self.pos)
            .map(|(token, _)| std::mem::replace(token, Token::Colon));
        if token.is_some() {
            self.advance();
        }
        token
    }

    /// Steps past the token just peeked.
    fn advance(&mut self) {
        self.pos = self.pos.saturating_add(1);
    }

    fn deeper(&self, depth: usize, offset: usize) -> Result<usize, FormulaError> {
        let depth = depth.saturating_add(1);
        if depth > MAX_TREE_DEPTH {
            Err(FormulaError::new(
                format!("formula is nested too deeply (more than {MAX_TREE_DEPTH} levels)"),
                offset,
            ))
        } else {
            Ok(depth)
        }
    }

    fn unexpected(&self) -> FormulaError {
        match self.peek() {
            Some(token) => {
                FormulaError::new(format!("unexpected {}", describe(token)), self.offset())
            }
            None => FormulaError::new("unexpected end of formula", self.end),
        }
    }

    /// A whole expression: entered once per parenthesis and argument, so it bounds nesting.
    fn expression(&mut self) -> Result<Node, FormulaError> {
        self.nesting = self.nesting.saturating_add(1);
        if self.nesting > MAX_NESTING {
            return Err(FormulaError::new(
                format!("formula is nested too deeply (more than {MAX_NESTING} levels of parentheses or calls)"),
                self.offset(),
            ));
        }
        let node = self.binary(1);
        self.nesting = self.nesting.saturating_sub(1);
        node
    }

    fn binary_op(&self) -> Option<BinaryOp> {
        Some(match self.peek()? {
            Token::Plus => BinaryOp::Add,
            Token::Minus => BinaryOp::Sub,
            Token::Star => BinaryOp::Mul,
            Token::Slash => BinaryOp::Div,
            Token::Caret => BinaryOp::Pow,
            Token::Amp => BinaryOp::Concat,
            Token::Eq => BinaryOp::Eq,
            Token::Ne => BinaryOp::Ne,
            Token::Lt => BinaryOp::Lt,
            Token::Le => BinaryOp::Le,
            Token::Gt => BinaryOp::Gt,
            Token::Ge => BinaryOp::Ge,
            _ => return None,
        })
    }

    /// Precedence climbing over the infix operators, all left-associative.
    fn binary(&mut self, min_precedence: u8) -> Result<Node, FormulaError> {
        let (mut left, mut depth) = self.percent()?;
        while let Some(op) = self.binary_op() {
            let precedence = op.precedence();
            if precedence < min_precedence {
                break;
            }
            let offset = self.offset();
            self.advance();
            let (right, right_depth) = self.binary(precedence.saturating_add(1))?;
            depth = self.deeper(depth.max(right_depth), offset)?;
            left = Expr::Binary {
                op,
                left: Box::new(left),
                right: Box::new(right),
            };
        }
        Ok((left, depth))
    }

    fn percent(&mut self) -> Result<Node, FormulaError> {
        let (mut expr, mut depth) = self.prefix()?;
        while self.peek() == Some(&Token::Percent) {
            depth = self.deeper(depth, self.offset())?;
            self.advance();
            expr = Expr::Unary {
                op: UnaryOp::Percent,
                operand: Box::new(expr),
            };
        }
        Ok((expr, depth))
    }

    fn prefix(&mut self) -> Result<Node, FormulaError> {
        let mut signs = Vec::new();
        loop {
            match self.peek() {
                Some(Token::Minus) => signs.push((UnaryOp::Neg, self.offset())),
                Some(Token::Plus) => signs.push((UnaryOp::Plus, self.offset())),
                _ => break,
            }
            self.advance();
            if signs.len() > MAX_TREE_DEPTH {
                return Err(FormulaError::new(
                    format!("formula is nested too deeply (more than {MAX_TREE_DEPTH} levels)"),
                    self.offset(),
                ));
            }
        }
        let (mut expr, mut depth) = self.primary()?;
        for (op, offset) in signs.into_iter().rev() {
            depth = self.deeper(depth, offset)?;
            expr = Expr::Unary {
                op,
                operand: Box::new(expr),
            };
        }
        Ok((expr, depth))
    }

    fn primary(&mut self) -> Result<Node, FormulaError> {
        let offset = self.offset();
        let Some(token) = self.next() else {
            return Err(FormulaError::new("unexpected end of formula", self.end));
        };
        let expr = match token {
            Token::Number(n) => Expr::Number(n),
            Token::Text(text) => Expr::Text(text),
            Token::Error(error) => Expr::Error(error),
            Token::LParen => {
                let (inner, depth) = self.expression()?;
                if self.peek() != Some(&Token::RParen) {
                    return Err(FormulaError::new("expected `)`", self.offset()));
                }
                self.advance();
                return Ok((inner, depth));
            }
            Token::Function(name) => return self.call(name, offset),
            Token::Sheet(sheet) => {
                let sheet_end = self.offset();
                match self.next() {
                    Some(Token::Ident(address)) => {
                        return self.reference(Some(sheet.into_owned()), address, sheet_end)
                    }
                    _ => {
                        return Err(FormulaError::new(
                            "expected a cell address after the sheet name",
                            sheet_end,
                        ))
                    }
                }
            }
            Token::Ident(name) => {
                if name.eq_ignore_ascii_case("TRUE") {
                    Expr::Bool(true)
                } else if name.eq_ignore_ascii_case("FALSE") {
                    Expr::Bool(false)
                } else {
                    return self.reference(None, name, offset);
                }
            }
            other => {
                return Err(FormulaError::new(
                    format!("unexpected {}", describe(&other)),
                    offset,
                ));
            }
        };
        Ok((expr, 1))
    }

    /// A cell, a range `first:last` (the sheet may be repeated after `:`), or a name.
    fn reference(
        &mut self,
        sheet: Option<String>,
        text: &str,
        offset: usize,
    ) -> Result<Node, FormulaError> {
        let Some(first) = CellRef::parse(text) else {
            if sheet.is_some() {
                return Err(FormulaError::new(
                    format!("`{text}` is not a cell address"),
                    offset,
                ));
            }
            if text.contains('$') || text.starts_with('\\') {
                return Err(FormulaError::new(
                    format!("`{text}` is not a valid reference or name"),
                    offset,
                ));
            }
            if self.peek() == Some(&Token::Colon) {
                return Err(FormulaError::new(
                    "`:` joins cell addresses only",
                    self.offset(),
                ));
            }
            return Ok((Expr::Reference(Reference::Name(text.to_string())), 1));
        };
        if self.peek() != Some(&Token::Colon) {
            return Ok((Expr::Reference(Reference::Cell { sheet, at: first }), 1));
        }
        self.advance();
        let last_offset = self.offset();
        let mut last_token = self.next();
        if let Some(Token::Sheet(again)) = &last_token {
            if Some(again.as_ref()) != sheet.as_deref() {
                return Err(FormulaError::new(
                    "a range must stay on one sheet",
                    last_offset,
                ));
            }
            last_token = self.next();
        }
        let last = match last_token {
            Some(Token::Ident(address)) => CellRef::parse(address),
            _ => None,
        };
        let Some(last) = last else {
            return Err(FormulaError::new(
                "expected a cell address after `:`",
                last_offset,
            ));
        };
        let range = CellRange {
            first: CellRef::new(first.row.min(last.row), first.col.min(last.col)),
            last: CellRef::new(first.row.max(last.row), first.col.max(last.col)),
        };
        Ok((Expr::Reference(Reference::Range { sheet, range }), 1))
    }

    fn call(&mut self, name: &str, offset: usize) -> Result<Node, FormulaError> {
        let name = canonical_function_name(name);
        let mut args = Vec::new();
        let mut depth = 1;
        if self.peek() == Some(&Token::RParen) {
            self.advance();
        } else {
            loop {
                let arg = match self.peek() {
                    Some(Token::Separator | Token::RParen) => Expr::Missing,
                    _ => {
                        let (arg, arg_depth) = self.expression()?;
                        depth = depth.max(arg_depth);
                        arg
                    }
                };
                args.push(arg);
                match self.next() {
                    Some(Token::Separator) => continue,
                    Some(Token::RParen) => break,
                    Some(_) => {
                        self.pos = self.pos.saturating_sub(1);
                        return Err(FormulaError::new(
                            format!("expected `,` or `)` in the arguments of {name}"),
                            self.offset(),
                        ));
                    }
                    None => {
                        return Err(FormulaError::new(
                            format!("missing `)` after the arguments of {name}"),
                            self.end,
                        ))
                    }
                }
            }
        }
        let depth = self.deeper(depth, offset)?;
        Ok((Expr::Call { name, args }, depth))
    }
}

/// Parses an Excel formula (with or without its leading `=`) or a template rule.
///
/// Accepts numbers, strings, `TRUE`/`FALSE`, error literals, cell references (`A1`,
/// `$A$1`, `Sheet1!A1`, `'Sheet name'!A1:B2`), names (`received`, `tong_so`), the operators
/// `: - % ^ * / + - & = <> < <= > >=` with Excel's precedence, parentheses and function
/// calls with `,` or `;` between arguments.
///
/// # Errors
/// Returns a [`FormulaError`] with the byte offset of the problem for any syntax error, for
/// text longer than [`MAX_FORMULA_LEN`], and for nesting deeper than [`MAX_NESTING`]
/// parentheses/calls or [`MAX_TREE_DEPTH`] operators.
///
/// # Examples
/// ```
/// use crossfoot::{parse_formula, Expr};
/// let expr = parse_formula("=ROUND((H9+I9)/G9*100;1)").unwrap();
/// assert!(matches!(expr, Expr::Call { ref name, ref args } if name == "ROUND" && args.len() == 2));
/// assert_eq!(expr.to_string(), "ROUND((H9+I9)/G9*100,1)");
/// assert!(parse_formula("=1+").is_err());
/// ```
pub fn parse_formula(text: &str) -> Result<Expr, FormulaError> {
    if text.len() > MAX_FORMULA_LEN {
        return Err(FormulaError::new(
            format!("formula is longer than {MAX_FORMULA_LEN} bytes"),
            MAX_FORMULA_LEN,
        ));
    }
    let body = text.trim_start();
    let body = body.strip_prefix('=').unwrap_or(body);
    // `body` is a suffix of `text`.
    let body_start = text.len().saturating_sub(body.len());
    let mut lexer = Lexer { text, pos: 0 };
    lexer.pos = body_start;
    let tokens = lexer.tokens()?;
    if tokens.is_empty() {
        return Err(FormulaError::new("empty formula", text.len()));
    }
    let mut parser = Parser {
        tokens,
        pos: 0,
        end: text.len(),
        nesting: 0,
    };
    let (expr, _) = parser.expression()?;
    if parser.peek().is_some() {
        return Err(parser.unexpected());
    }
    Ok(expr)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parsed(text: &str) -> Expr {
        match parse_formula(text) {
            Ok(expr) => expr,
            Err(error) => panic!("{text}: {error}"),
        }
    }

    fn cell(text: &str) -> Expr {
        Expr::Reference(Reference::Cell {
            sheet: None,
            at: CellRef::parse(text).unwrap_or(CellRef::new(0, 0)),
        })
    }

    fn num(n: i64) -> Expr {
        Expr::Number(Decimal::from(n))
    }

    fn bin(op: BinaryOp, left: Expr, right: Expr) -> Expr {
        Expr::Binary {
            op,
            left: Box::new(left),
            right: Box::new(right),
        }
    }

    fn un(op: UnaryOp, operand: Expr) -> Expr {
        Expr::Unary {
            op,
            operand: Box::new(operand),
        }
    }

    #[test]
    fn numbers_in_all_spellings() {
        assert_eq!(parsed("1"), num(1));
        assert_eq!(parsed("=1.5"), Expr::Number(Decimal::new(15, 1)));
        assert_eq!(parsed("1e3"), num(1000));
        assert_eq!(parsed("2.5E-1"), Expr::Number(Decimal::new(25, 2)));
        assert_eq!(parsed(".5"), Expr::Number(Decimal::new(5, 1)));
        assert!(parse_formula("99999999999999999999999999999999").is_err());
    }

    #[test]
    fn strings_bools_and_errors() {
        assert_eq!(parsed(r#""a""b""#), Expr::Text("a\"b".into()));
        assert_eq!(parsed("true"), Expr::Bool(true));
        assert_eq!(parsed("FALSE"), Expr::Bool(false));
        assert_eq!(parsed("#DIV/0!"), Expr::Error(ExcelError::Div0));
        assert_eq!(parsed("#n/a"), Expr::Error(ExcelError::NA));
        assert_eq!(parsed("#NAME?"), Expr::Error(ExcelError::Name));
        assert!(parse_formula("#FOO!").is_err());
        assert!(parse_formula("\"open").is_err());
    }

    #[test]
    fn references_sheets_and_ranges() {
        assert_eq!(parsed("$A$1"), cell("A1"));
        assert_eq!(
            parsed("$C10:$C26"),
            Expr::Reference(Reference::Range {
                sheet: None,
                range: CellRange {
                    first: CellRef::new(9, 2),
                    last: CellRef::new(25, 2)
                }
            })
        );
        // Corners given backwards are normalised.
        assert_eq!(parsed("B9:A1").to_string(), "A1:B9");
        assert_eq!(
            parsed("Sheet1!A1"),
            Expr::Reference(Reference::Cell {
                sheet: Some("Sheet1".into()),
                at: CellRef::new(0, 0)
            })
        );
        assert_eq!(
            parsed("'Biểu 06''s'!A1:B2"),
            Expr::Reference(Reference::Range {
                sheet: Some("Biểu 06's".into()),
                range: CellRange {
                    first: CellRef::new(0, 0),
                    last: CellRef::new(1, 1)
                }
            })
        );
        assert_eq!(parsed("Sheet1!A1:Sheet1!B2").to_string(), "Sheet1!A1:B2");
        assert!(parse_formula("Sheet1!A1:Sheet2!B2").is_err());
        assert!(parse_formula("Sheet1!rate").is_err());
    }

    #[test]
    fn names_are_neither_cells_nor_functions() {
        for name in ["received", "online_new", "rate", "tong_so", "tổng_số"] {
            assert_eq!(
                parsed(name),
                Expr::Reference(Reference::Name(name.into())),
                "{name}"
            );
        }
        assert_eq!(
            parsed("received = online + direct"),
            bin(
                BinaryOp::Eq,
                Expr::Reference(Reference::Name("received".into())),
                bin(
                    BinaryOp::Add,
                    Expr::Reference(Reference::Name("online".into())),
                    Expr::Reference(Reference::Name("direct".into()))
                )
            )
        );
        assert!(parse_formula("rate:total").is_err());
    }

    #[test]
    fn precedence_follows_excel() {
        // Unary minus binds tighter than ^: -2^2 is 4 in Excel.
        assert_eq!(
            parsed("-2^2"),
            bin(BinaryOp::Pow, un(UnaryOp::Neg, num(2)), num(2))
        );
        // ^ is left-associative.
        assert_eq!(
            parsed("2^3^2"),
            bin(BinaryOp::Pow, bin(BinaryOp::Pow, num(2), num(3)), num(2))
        );
        assert_eq!(parsed("1+2*3").to_string(), "1+2*3");
        assert_eq!(
            parsed("1+2*3"),
            bin(BinaryOp::Add, num(1), bin(BinaryOp::Mul, num(2), num(3)))
        );
        assert_eq!(
            parsed("50%^2"),
            bin(BinaryOp::Pow, un(UnaryOp::Percent, num(50)), num(2))
        );
        assert_eq!(
            parsed("\"a\"&1+2"),
            bin(
                BinaryOp::Concat,
                Expr::Text("a".into()),
                bin(BinaryOp::Add, num(1), num(2))
            )
        );
        assert_eq!(
            parsed("A1&B1=C1"),
            bin(
                BinaryOp::Eq,
                bin(BinaryOp::Concat, cell("A1"), cell("B1")),
                cell("C1")
            )
        );
        assert_eq!(
            parsed("1-2-3"),
            bin(BinaryOp::Sub, bin(BinaryOp::Sub, num(1), num(2)), num(3))
        );
        for (text, op) in [
            ("1<>2", BinaryOp::Ne),
            ("1<=2", BinaryOp::Le),
            ("1>=2", BinaryOp::Ge),
            ("1<2", BinaryOp::Lt),
            ("1>2", BinaryOp::Gt),
        ] {
            assert_eq!(parsed(text), bin(op, num(1), num(2)), "{text}");
        }
    }

    #[test]
    fn calls_with_either_separator_and_prefixes() {
        let expected = Expr::Call {
            name: "ROUND".into(),
            args: vec![cell("A1"), num(1)],
        };
        assert_eq!(parsed("=round(A1, 1)"), expected);
        assert_eq!(parsed("=ROUND(A1;1)"), expected);
        assert_eq!(
            parsed("_xlfn.IFERROR(A1,0)"),
            Expr::Call {
                name: "IFERROR".into(),
                args: vec![cell("A1"), num(0)]
            }
        );
        assert_eq!(
            parsed("IF(A1,,1)"),
            Expr::Call {
                name: "IF".into(),
                args: vec![cell("A1"), Expr::Missing, num(1)]
            }
        );
        assert_eq!(
            parsed("TODAY()"),
            Expr::Call {
                name: "TODAY".into(),
                args: vec![]
            }
        );
    }

    #[test]
    fn errors_carry_offsets() {
        let error = parse_formula("=1+").err();
        assert_eq!(error.map(|e| e.offset), Some(3));
        let error = parse_formula("=SUM(A1 B1)").err();
        assert_eq!(error.map(|e| e.offset), Some(8));
        let error = parse_formula("=(1+2").err();
        assert_eq!(error.map(|e| e.offset), Some(5));
        assert!(parse_formula("").is_err());
        assert!(parse_formula("=").is_err());
        assert!(parse_formula("{1,2}").is_err());
        assert!(parse_formula("1 2").is_err());
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = format!("{}1{}", "(".repeat(10_000), ")".repeat(10_000));
        let error = parse_formula(&deep).err();
        assert!(error.is_some_and(|e| e.message.contains("nested too deeply")));
        let calls = format!("{}1{}", "ABS(".repeat(10_000), ")".repeat(10_000));
        assert!(parse_formula(&calls).is_err());
        let signs = format!("{}1", "-".repeat(10_000));
        assert!(parse_formula(&signs).is_err());
        let percents = format!("1{}", "%".repeat(10_000));
        assert!(parse_formula(&percents).is_err());
        let chain = vec!["1"; 5_000].join("+");
        assert!(parse_formula(&chain).is_err());
        // Within the limits.
        let fine = format!("{}1{}", "(".repeat(60), ")".repeat(60));
        assert_eq!(parsed(&fine), num(1));
        let long_sum = vec!["A1"; 900].join("+");
        assert!(parse_formula(&long_sum).is_ok_and(|expr| expr.to_string() == long_sum));
        // The deepest formula the limits allow, every precedence level in every parenthesis.
        let worst = format!("{}1{}", "1=1&1+1*1^-(".repeat(63), ")".repeat(63));
        let expr = parse_formula(&worst);
        assert!(expr.is_ok());
        assert_eq!(
            expr.clone().ok().map(|e| parse_formula(&e.to_string())),
            Some(expr)
        );
    }

    #[test]
    fn overlong_text_is_refused() {
        let long = format!("={}", "1".repeat(MAX_FORMULA_LEN + 1));
        assert!(parse_formula(&long).is_err_and(|e| e.message.contains("longer")));
    }

    #[test]
    fn display_round_trips() {
        for text in [
            "SUM(C11:C26)",
            "C10+C27+C40",
            "ROUND((H9+I9)/G9*100,1)",
            "-(1+2)^2",
            "1-(2-3)",
            "'My sheet'!A1&\"x\"\"y\"",
            "IF(A1>=0,A1%,-A1)",
            "received=online+direct+carried",
            // Found by the formula fuzz target: a bare prefix is a name of its own, and
            // so is one followed by what cannot start a name.
            "_XLWS.()",
            "AD01.AVERAGE(2*A222,_XLWS.8OR(0,,TR(0,,),,s))=2",
        ] {
            let expr = parsed(text);
            assert_eq!(expr.to_string(), text);
            assert_eq!(parsed(&expr.to_string()), expr);
        }
        // The fuzz input itself: `02` prints as `2`, `;` as `,`, and it parses again.
        let fuzzed = parsed("AD01.AVERAGE(02*A222,_XLWS.8OR(0,,TR(0,;);,s))=2");
        assert_eq!(parsed(&fuzzed.to_string()), fuzzed);
    }

    proptest! {
        #[test]
        fn never_panics_on_arbitrary_text(text in ".{0,200}") {
            let _ = parse_formula(&text);
        }

        #[test]
        fn never_panics_on_formula_like_text(text in "[-+*/^&%=<>(),;:!$'\"#A-Z0-9. ]{0,120}") {
            let _ = parse_formula(&text);
        }
    }
}
