//! The SQL subset of the isolation lab, parsed by hand: transaction control
//! (`BEGIN`, `SET TRANSACTION ISOLATION LEVEL`, `COMMIT`, `ROLLBACK`),
//! `SELECT *` or `sum(value)` / `count(*)` with `WHERE` and `FOR UPDATE` /
//! `FOR SHARE`, `UPDATE t SET value = <expr>`, `INSERT INTO t (id, value)
//! VALUES ...` and `DELETE`. Predicates compare integer expressions over
//! `id` and `value` with `AND`, `OR`, `NOT`. A statement outside the subset
//! gets an error that names the position and what is supported; the parser
//! never panics.

use std::fmt;

/// An isolation level, as SQL names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// `READ UNCOMMITTED`.
    ReadUncommitted,
    /// `READ COMMITTED`.
    ReadCommitted,
    /// `REPEATABLE READ`.
    RepeatableRead,
    /// `SERIALIZABLE`.
    Serializable,
}

impl Level {
    /// Every level, weakest first.
    pub const ALL: [Level; 4] = [
        Level::ReadUncommitted,
        Level::ReadCommitted,
        Level::RepeatableRead,
        Level::Serializable,
    ];

    /// The SQL words.
    pub fn sql(self) -> &'static str {
        match self {
            Level::ReadUncommitted => "READ UNCOMMITTED",
            Level::ReadCommitted => "READ COMMITTED",
            Level::RepeatableRead => "REPEATABLE READ",
            Level::Serializable => "SERIALIZABLE",
        }
    }
}

/// A column of the lab's tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Col {
    /// The primary key.
    Id,
    /// The value.
    Value,
}

/// An arithmetic operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arith {
    /// `+`.
    Add,
    /// `-`.
    Sub,
    /// `*`.
    Mul,
    /// `/` (integer division, truncating, as PostgreSQL's for integers).
    Div,
    /// `%`.
    Rem,
}

/// An integer expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    /// A literal.
    Lit(i64),
    /// A column of the row.
    Col(Col),
    /// `-e`.
    Neg(Box<Expr>),
    /// `a op b`.
    Bin(Box<Expr>, Arith, Box<Expr>),
}

/// A comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    /// `=`.
    Eq,
    /// `<>` or `!=`.
    Ne,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
}

/// A `WHERE` condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pred {
    /// `a cmp b`.
    Cmp(Expr, Cmp, Expr),
    /// `a AND b`.
    And(Box<Pred>, Box<Pred>),
    /// `a OR b`.
    Or(Box<Pred>, Box<Pred>),
    /// `NOT a`.
    Not(Box<Pred>),
}

/// What a `SELECT` returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Projection {
    /// `*`: the rows.
    All,
    /// `sum(value)`, `count(*)` in the order given.
    Aggregates(Vec<Aggregate>),
}

/// An aggregate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregate {
    /// `sum(value)`.
    Sum,
    /// `count(*)`.
    Count,
}

/// A row lock a `SELECT` takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lock {
    /// `FOR UPDATE`.
    Update,
    /// `FOR SHARE`.
    Share,
}

/// One statement of the subset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stmt {
    /// `BEGIN [ISOLATION LEVEL ...]` or `START TRANSACTION [...]`.
    Begin(Option<Level>),
    /// `SET TRANSACTION ISOLATION LEVEL ...`.
    SetLevel(Level),
    /// `SELECT ... FROM table [WHERE ...] [FOR UPDATE | FOR SHARE]`.
    Select {
        /// The table.
        table: String,
        /// What is returned.
        what: Projection,
        /// The condition.
        filter: Option<Pred>,
        /// The lock taken.
        lock: Option<Lock>,
    },
    /// `UPDATE table SET value = expr [WHERE ...]`.
    Update {
        /// The table.
        table: String,
        /// The new value.
        value: Expr,
        /// The condition.
        filter: Option<Pred>,
    },
    /// `INSERT INTO table (id, value) VALUES (i, v), ...`.
    Insert {
        /// The table.
        table: String,
        /// `(id, value)` rows.
        rows: Vec<(i64, i64)>,
    },
    /// `DELETE FROM table [WHERE ...]`.
    Delete {
        /// The table.
        table: String,
        /// The condition.
        filter: Option<Pred>,
    },
    /// `COMMIT` or `END`.
    Commit,
    /// `ROLLBACK` or `ABORT`.
    Rollback,
}

/// A statement the parser could not read: where, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// The character offset where reading stopped.
    pub at: usize,
    /// What was expected and what the subset supports.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at character {}: {}", self.at + 1, self.message)
    }
}

/// What the subset supports, for error messages.
pub const SUPPORTED: &str = "BEGIN, SET TRANSACTION ISOLATION LEVEL, SELECT * / sum(value) / count(*) FROM t [WHERE ...] [FOR UPDATE | FOR SHARE | LOCK IN SHARE MODE], UPDATE t SET value = ..., INSERT INTO t (id, value) VALUES (...), DELETE FROM t, COMMIT, ROLLBACK";

/// The deepest nesting of parentheses and `NOT`s read.
pub const MAX_DEPTH: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Word(String),
    Num(i64),
    Sym(&'static str),
}

impl fmt::Display for Tok {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tok::Word(w) => write!(f, "\u{201c}{w}\u{201d}"),
            Tok::Num(n) => write!(f, "{n}"),
            Tok::Sym(s) => write!(f, "\u{201c}{s}\u{201d}"),
        }
    }
}

fn lex(src: &str) -> Result<Vec<(usize, Tok)>, ParseError> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '-' && chars.get(i + 1) == Some(&'-') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            out.push((start, Tok::Word(word.to_ascii_lowercase())));
        } else if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let digits: String = chars[start..i].iter().collect();
            let n = digits.parse::<i64>().map_err(|_| ParseError {
                at: start,
                message: format!("the number {digits} is out of range"),
            })?;
            out.push((start, Tok::Num(n)));
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            let sym = match two.as_str() {
                "<=" => Some("<="),
                ">=" => Some(">="),
                "<>" => Some("<>"),
                "!=" => Some("!="),
                _ => None,
            };
            if let Some(s) = sym {
                out.push((i, Tok::Sym(s)));
                i += 2;
                continue;
            }
            let one = match c {
                '(' => "(",
                ')' => ")",
                ',' => ",",
                ';' => ";",
                '*' => "*",
                '+' => "+",
                '-' => "-",
                '/' => "/",
                '%' => "%",
                '=' => "=",
                '<' => "<",
                '>' => ">",
                _ => {
                    return Err(ParseError {
                        at: i,
                        message: format!("unexpected character \u{201c}{c}\u{201d}"),
                    })
                }
            };
            out.push((i, Tok::Sym(one)));
            i += 1;
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<(usize, Tok)>,
    pos: usize,
    end: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|(_, t)| t)
    }

    fn at(&self) -> usize {
        self.toks.get(self.pos).map(|(a, _)| *a).unwrap_or(self.end)
    }

    fn error<T>(&self, expected: &str) -> Result<T, ParseError> {
        let found = match self.peek() {
            Some(t) => t.to_string(),
            None => "the end of the statement".to_string(),
        };
        Err(ParseError {
            at: self.at(),
            message: format!("expected {expected}, found {found}"),
        })
    }

    fn word(&mut self, w: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Word(x)) if x == w) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect_word(&mut self, w: &str) -> Result<(), ParseError> {
        if self.word(w) {
            Ok(())
        } else {
            self.error(&w.to_ascii_uppercase())
        }
    }

    fn sym(&mut self, s: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Sym(x)) if *x == s) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect_sym(&mut self, s: &str) -> Result<(), ParseError> {
        if self.sym(s) {
            Ok(())
        } else {
            self.error(&format!("\u{201c}{s}\u{201d}"))
        }
    }

    fn table(&mut self) -> Result<String, ParseError> {
        match self.peek() {
            Some(Tok::Word(w)) if !is_keyword(w) => {
                let w = w.clone();
                self.pos += 1;
                Ok(w)
            }
            _ => self.error("a table name"),
        }
    }

    fn level(&mut self) -> Result<Level, ParseError> {
        self.expect_word("isolation")?;
        self.expect_word("level")?;
        if self.word("read") {
            if self.word("uncommitted") {
                Ok(Level::ReadUncommitted)
            } else if self.word("committed") {
                Ok(Level::ReadCommitted)
            } else {
                self.error("UNCOMMITTED or COMMITTED")
            }
        } else if self.word("repeatable") {
            self.expect_word("read")?;
            Ok(Level::RepeatableRead)
        } else if self.word("serializable") {
            Ok(Level::Serializable)
        } else {
            self.error("READ UNCOMMITTED, READ COMMITTED, REPEATABLE READ or SERIALIZABLE")
        }
    }

    fn int(&mut self) -> Result<i64, ParseError> {
        let negative = self.sym("-");
        match self.peek() {
            Some(Tok::Num(n)) => {
                let n = *n;
                self.pos += 1;
                Ok(if negative { -n } else { n })
            }
            _ => self.error("a whole number"),
        }
    }

    fn nest(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(ParseError {
                at: self.at(),
                message: format!("nested more than {MAX_DEPTH} levels deep"),
            });
        }
        Ok(())
    }

    fn expr(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.term()?;
        loop {
            let op = if self.sym("+") {
                Arith::Add
            } else if self.sym("-") {
                Arith::Sub
            } else {
                return Ok(left);
            };
            let right = self.term()?;
            left = Expr::Bin(Box::new(left), op, Box::new(right));
        }
    }

    fn term(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.factor()?;
        loop {
            let op = if self.sym("*") {
                Arith::Mul
            } else if self.sym("/") {
                Arith::Div
            } else if self.sym("%") {
                Arith::Rem
            } else {
                return Ok(left);
            };
            let right = self.factor()?;
            left = Expr::Bin(Box::new(left), op, Box::new(right));
        }
    }

    fn factor(&mut self) -> Result<Expr, ParseError> {
        if self.sym("-") {
            self.nest()?;
            let e = self.factor()?;
            self.depth -= 1;
            return Ok(match e {
                Expr::Lit(n) => Expr::Lit(-n),
                e => Expr::Neg(Box::new(e)),
            });
        }
        if self.sym("(") {
            self.nest()?;
            let e = self.expr()?;
            self.expect_sym(")")?;
            self.depth -= 1;
            return Ok(e);
        }
        match self.peek() {
            Some(Tok::Num(n)) => {
                let n = *n;
                self.pos += 1;
                Ok(Expr::Lit(n))
            }
            Some(Tok::Word(w)) if w == "id" => {
                self.pos += 1;
                Ok(Expr::Col(Col::Id))
            }
            Some(Tok::Word(w)) if w == "value" => {
                self.pos += 1;
                Ok(Expr::Col(Col::Value))
            }
            _ => self.error("a number, id or value"),
        }
    }

    fn pred(&mut self) -> Result<Pred, ParseError> {
        let mut left = self.conj()?;
        while self.word("or") {
            let right = self.conj()?;
            left = Pred::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn conj(&mut self) -> Result<Pred, ParseError> {
        let mut left = self.neg()?;
        while self.word("and") {
            let right = self.neg()?;
            left = Pred::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn neg(&mut self) -> Result<Pred, ParseError> {
        if self.word("not") {
            self.nest()?;
            let p = self.neg()?;
            self.depth -= 1;
            return Ok(Pred::Not(Box::new(p)));
        }
        // A parenthesis opens a condition if one follows; else an expression.
        if matches!(self.peek(), Some(Tok::Sym("("))) {
            let save = (self.pos, self.depth);
            self.pos += 1;
            self.nest()?;
            if let Ok(p) = self.pred() {
                if self.sym(")") {
                    self.depth -= 1;
                    return Ok(p);
                }
            }
            (self.pos, self.depth) = save;
        }
        let left = self.expr()?;
        let op = match self.peek() {
            Some(Tok::Sym("=")) => Cmp::Eq,
            Some(Tok::Sym("<>")) | Some(Tok::Sym("!=")) => Cmp::Ne,
            Some(Tok::Sym("<")) => Cmp::Lt,
            Some(Tok::Sym("<=")) => Cmp::Le,
            Some(Tok::Sym(">")) => Cmp::Gt,
            Some(Tok::Sym(">=")) => Cmp::Ge,
            _ => return self.error("a comparison (=, <>, <, <=, >, >=)"),
        };
        self.pos += 1;
        let right = self.expr()?;
        Ok(Pred::Cmp(left, op, right))
    }

    fn filter(&mut self) -> Result<Option<Pred>, ParseError> {
        if self.word("where") {
            Ok(Some(self.pred()?))
        } else {
            Ok(None)
        }
    }

    fn statement(&mut self) -> Result<Stmt, ParseError> {
        let stmt = match self.peek() {
            Some(Tok::Word(w)) => w.clone(),
            _ => return self.error(&format!("a statement ({SUPPORTED})")),
        };
        self.pos += 1;
        match stmt.as_str() {
            "begin" => self.begin(false),
            "start" => self.begin(true),
            "set" => self.set_level(),
            "commit" | "end" => {
                self.optional_transaction();
                Ok(Stmt::Commit)
            }
            "rollback" | "abort" => {
                self.optional_transaction();
                Ok(Stmt::Rollback)
            }
            "select" => self.select(),
            "update" => self.update(),
            "insert" => self.insert(),
            "delete" => self.delete(),
            _ => {
                self.pos -= 1;
                self.error(&format!("a statement ({SUPPORTED})"))
            }
        }
    }

    /// The optional `TRANSACTION` or `WORK` after a transaction-control
    /// word.
    fn optional_transaction(&mut self) {
        let _ = self.word("transaction") || self.word("work");
    }

    /// The rest of `BEGIN [TRANSACTION | WORK]` or, after `START`, of
    /// `START TRANSACTION`, with an optional level.
    fn begin(&mut self, start: bool) -> Result<Stmt, ParseError> {
        if start {
            self.expect_word("transaction")?;
        } else {
            self.optional_transaction();
        }
        if matches!(self.peek(), Some(Tok::Word(w)) if w == "isolation") {
            Ok(Stmt::Begin(Some(self.level()?)))
        } else {
            Ok(Stmt::Begin(None))
        }
    }

    /// The rest of `SET TRANSACTION ISOLATION LEVEL ...`.
    fn set_level(&mut self) -> Result<Stmt, ParseError> {
        self.expect_word("transaction")?;
        Ok(Stmt::SetLevel(self.level()?))
    }

    /// The rest of `SELECT what FROM table [WHERE ...] [FOR UPDATE | FOR
    /// SHARE]`; a lock is not allowed with aggregates.
    fn select(&mut self) -> Result<Stmt, ParseError> {
        let what = self.projection()?;
        self.expect_word("from")?;
        let table = self.table()?;
        let filter = self.filter()?;
        let lock = self.lock()?;
        if lock.is_some() && what != Projection::All {
            return Err(ParseError {
                at: self.at(),
                message: "FOR UPDATE and FOR SHARE are not allowed with aggregates".into(),
            });
        }
        Ok(Stmt::Select {
            table,
            what,
            filter,
            lock,
        })
    }

    /// What a `SELECT` returns: `*`, or `sum(value)` and `count(*)`
    /// separated by commas.
    fn projection(&mut self) -> Result<Projection, ParseError> {
        if self.sym("*") {
            return Ok(Projection::All);
        }
        let mut aggs = Vec::new();
        loop {
            if self.word("sum") {
                self.expect_sym("(")?;
                self.expect_word("value")?;
                self.expect_sym(")")?;
                aggs.push(Aggregate::Sum);
            } else if self.word("count") {
                self.expect_sym("(")?;
                self.expect_sym("*")?;
                self.expect_sym(")")?;
                aggs.push(Aggregate::Count);
            } else {
                return self.error("*, sum(value) or count(*)");
            }
            if !self.sym(",") {
                return Ok(Projection::Aggregates(aggs));
            }
        }
    }

    /// An optional `FOR UPDATE` or `FOR SHARE`, or MySQL's older `LOCK IN
    /// SHARE MODE` (the only spelling MariaDB accepts), which is the same
    /// shared row lock.
    fn lock(&mut self) -> Result<Option<Lock>, ParseError> {
        if self.word("lock") {
            self.expect_word("in")?;
            self.expect_word("share")?;
            self.expect_word("mode")?;
            Ok(Some(Lock::Share))
        } else if !self.word("for") {
            Ok(None)
        } else if self.word("update") {
            Ok(Some(Lock::Update))
        } else if self.word("share") {
            Ok(Some(Lock::Share))
        } else {
            self.error("UPDATE or SHARE")
        }
    }

    /// The rest of `UPDATE table SET value = expr [WHERE ...]`.
    fn update(&mut self) -> Result<Stmt, ParseError> {
        let table = self.table()?;
        self.expect_word("set")?;
        self.expect_word("value")?;
        self.expect_sym("=")?;
        let value = self.expr()?;
        let filter = self.filter()?;
        Ok(Stmt::Update {
            table,
            value,
            filter,
        })
    }

    /// The rest of `INSERT INTO table (id, value) VALUES (i, v), ...`.
    fn insert(&mut self) -> Result<Stmt, ParseError> {
        self.expect_word("into")?;
        let table = self.table()?;
        self.expect_sym("(")?;
        self.expect_word("id")?;
        self.expect_sym(",")?;
        self.expect_word("value")?;
        self.expect_sym(")")?;
        self.expect_word("values")?;
        let mut rows = Vec::new();
        loop {
            self.expect_sym("(")?;
            let id = self.int()?;
            self.expect_sym(",")?;
            let value = self.int()?;
            self.expect_sym(")")?;
            rows.push((id, value));
            if !self.sym(",") {
                return Ok(Stmt::Insert { table, rows });
            }
        }
    }

    /// The rest of `DELETE FROM table [WHERE ...]`.
    fn delete(&mut self) -> Result<Stmt, ParseError> {
        self.expect_word("from")?;
        let table = self.table()?;
        let filter = self.filter()?;
        Ok(Stmt::Delete { table, filter })
    }
}

fn is_keyword(w: &str) -> bool {
    matches!(
        w,
        "where" | "for" | "set" | "values" | "and" | "or" | "not" | "from" | "select" | "update"
    )
}

/// Parses one statement (a trailing `;` allowed).
pub fn parse(src: &str) -> Result<Stmt, ParseError> {
    let toks = lex(src)?;
    let mut p = Parser {
        toks,
        pos: 0,
        end: src.chars().count(),
        depth: 0,
    };
    let stmt = p.statement()?;
    let _ = p.sym(";");
    if p.pos < p.toks.len() {
        return p.error("the end of the statement");
    }
    Ok(stmt)
}

fn paren(e: &Expr, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match e {
        Expr::Bin(..) => write!(f, "({e})"),
        _ => write!(f, "{e}"),
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Lit(n) if *n < 0 => write!(f, "({n})"),
            Expr::Lit(n) => write!(f, "{n}"),
            Expr::Col(Col::Id) => f.write_str("id"),
            Expr::Col(Col::Value) => f.write_str("value"),
            Expr::Neg(e) => {
                f.write_str("-")?;
                paren(e, f)
            }
            Expr::Bin(a, op, b) => {
                paren(a, f)?;
                let s = match op {
                    Arith::Add => " + ",
                    Arith::Sub => " - ",
                    Arith::Mul => " * ",
                    Arith::Div => " / ",
                    Arith::Rem => " % ",
                };
                f.write_str(s)?;
                paren(b, f)
            }
        }
    }
}

impl fmt::Display for Pred {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pred::Cmp(a, op, b) => {
                let s = match op {
                    Cmp::Eq => "=",
                    Cmp::Ne => "<>",
                    Cmp::Lt => "<",
                    Cmp::Le => "<=",
                    Cmp::Gt => ">",
                    Cmp::Ge => ">=",
                };
                write!(f, "{a} {s} {b}")
            }
            Pred::And(a, b) => write!(f, "({a} AND {b})"),
            Pred::Or(a, b) => write!(f, "({a} OR {b})"),
            Pred::Not(a) => write!(f, "NOT ({a})"),
        }
    }
}

impl fmt::Display for Stmt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let filter = |p: &Option<Pred>| match p {
            Some(p) => format!(" WHERE {p}"),
            None => String::new(),
        };
        match self {
            Stmt::Begin(None) => f.write_str("BEGIN"),
            Stmt::Begin(Some(l)) => write!(f, "BEGIN ISOLATION LEVEL {}", l.sql()),
            Stmt::SetLevel(l) => write!(f, "SET TRANSACTION ISOLATION LEVEL {}", l.sql()),
            Stmt::Commit => f.write_str("COMMIT"),
            Stmt::Rollback => f.write_str("ROLLBACK"),
            Stmt::Select {
                table,
                what,
                filter: p,
                lock,
            } => {
                let what = match what {
                    Projection::All => "*".to_string(),
                    Projection::Aggregates(a) => a
                        .iter()
                        .map(|a| match a {
                            Aggregate::Sum => "sum(value)",
                            Aggregate::Count => "count(*)",
                        })
                        .collect::<Vec<_>>()
                        .join(", "),
                };
                let lock = match lock {
                    Some(Lock::Update) => " FOR UPDATE",
                    Some(Lock::Share) => " FOR SHARE",
                    None => "",
                };
                write!(f, "SELECT {what} FROM {table}{}{lock}", filter(p))
            }
            Stmt::Update {
                table,
                value,
                filter: p,
            } => write!(f, "UPDATE {table} SET value = {value}{}", filter(p)),
            Stmt::Insert { table, rows } => {
                let rows: Vec<String> = rows.iter().map(|(i, v)| format!("({i}, {v})")).collect();
                write!(
                    f,
                    "INSERT INTO {table} (id, value) VALUES {}",
                    rows.join(", ")
                )
            }
            Stmt::Delete { table, filter: p } => write!(f, "DELETE FROM {table}{}", filter(p)),
        }
    }
}

/// Why an expression could not be computed, as PostgreSQL says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvalError {
    /// `division by zero`.
    DivisionByZero,
    /// `bigint out of range`.
    OutOfRange,
}

impl Expr {
    /// The expression's value for a row, computed in 64 bits. (PostgreSQL
    /// computes `int` columns in 32 bits: a result outside that range is an
    /// error when it is stored, and the engine checks it there.)
    pub fn eval(&self, id: i64, value: i64) -> Result<i64, EvalError> {
        match self {
            Expr::Lit(n) => Ok(*n),
            Expr::Col(Col::Id) => Ok(id),
            Expr::Col(Col::Value) => Ok(value),
            Expr::Neg(e) => e
                .eval(id, value)?
                .checked_neg()
                .ok_or(EvalError::OutOfRange),
            Expr::Bin(a, op, b) => {
                let (a, b) = (a.eval(id, value)?, b.eval(id, value)?);
                match op {
                    Arith::Add => a.checked_add(b).ok_or(EvalError::OutOfRange),
                    Arith::Sub => a.checked_sub(b).ok_or(EvalError::OutOfRange),
                    Arith::Mul => a.checked_mul(b).ok_or(EvalError::OutOfRange),
                    Arith::Div if b == 0 => Err(EvalError::DivisionByZero),
                    Arith::Rem if b == 0 => Err(EvalError::DivisionByZero),
                    Arith::Div => a.checked_div(b).ok_or(EvalError::OutOfRange),
                    // PostgreSQL gives 0 for i64::MIN % -1.
                    Arith::Rem => Ok(a.checked_rem(b).unwrap_or(0)),
                }
            }
        }
    }
}

impl Cmp {
    /// The comparison that holds exactly when this one does not.
    pub fn negated(self) -> Cmp {
        match self {
            Cmp::Eq => Cmp::Ne,
            Cmp::Ne => Cmp::Eq,
            Cmp::Lt => Cmp::Ge,
            Cmp::Le => Cmp::Gt,
            Cmp::Gt => Cmp::Le,
            Cmp::Ge => Cmp::Lt,
        }
    }

    /// Whether `a op b`.
    pub fn holds(self, a: i64, b: i64) -> bool {
        match self {
            Cmp::Eq => a == b,
            Cmp::Ne => a != b,
            Cmp::Lt => a < b,
            Cmp::Le => a <= b,
            Cmp::Gt => a > b,
            Cmp::Ge => a >= b,
        }
    }
}

impl Expr {
    /// Whether the expression reads the row's value.
    pub fn uses_value(&self) -> bool {
        match self {
            Expr::Lit(_) | Expr::Col(Col::Id) => false,
            Expr::Col(Col::Value) => true,
            Expr::Neg(e) => e.uses_value(),
            Expr::Bin(a, _, b) => a.uses_value() || b.uses_value(),
        }
    }
}

impl Pred {
    /// Whether the condition reads the row's value (else only its key).
    pub fn uses_value(&self) -> bool {
        match self {
            Pred::Cmp(a, _, b) => a.uses_value() || b.uses_value(),
            Pred::And(a, b) | Pred::Or(a, b) => a.uses_value() || b.uses_value(),
            Pred::Not(a) => a.uses_value(),
        }
    }

    /// Whether a row satisfies the condition.
    pub fn eval(&self, id: i64, value: i64) -> Result<bool, EvalError> {
        // Most conditions compare a column with a number: no expression
        // to walk, nothing that can fail.
        if let Pred::Cmp(Expr::Col(col), op, Expr::Lit(n)) = self {
            let x = if *col == Col::Id { id } else { value };
            return Ok(op.holds(x, *n));
        }
        Ok(match self {
            Pred::Cmp(a, op, b) => op.holds(a.eval(id, value)?, b.eval(id, value)?),
            Pred::And(a, b) => a.eval(id, value)? && b.eval(id, value)?,
            Pred::Or(a, b) => a.eval(id, value)? || b.eval(id, value)?,
            Pred::Not(a) => !a.eval(id, value)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    /// A parser over `src`, a statement's clauses after its first word.
    fn clauses(src: &str) -> Parser {
        let toks = lex(src).unwrap_or_else(|e| panic!("{src}: {e}"));
        Parser {
            toks,
            pos: 0,
            end: src.chars().count(),
            depth: 0,
        }
    }

    #[test]
    fn each_statement_kind_reads_its_own_clauses() {
        assert_eq!(clauses("work").begin(false), Ok(Stmt::Begin(None)));
        assert_eq!(
            clauses("transaction isolation level serializable").begin(true),
            Ok(Stmt::Begin(Some(Level::Serializable)))
        );
        assert!(clauses("work").begin(true).is_err());
        assert_eq!(
            clauses("transaction isolation level repeatable read").set_level(),
            Ok(Stmt::SetLevel(Level::RepeatableRead))
        );
        assert_eq!(clauses("*").projection(), Ok(Projection::All));
        assert_eq!(
            clauses("count(*), sum(value)").projection(),
            Ok(Projection::Aggregates(vec![
                Aggregate::Count,
                Aggregate::Sum
            ]))
        );
        let e = clauses("max(value)").projection().err();
        assert_eq!(e.map(|e| e.at), Some(0));
        assert_eq!(clauses("").lock(), Ok(None));
        assert_eq!(clauses("for share").lock(), Ok(Some(Lock::Share)));
        assert!(clauses("for all").lock().is_err());
        let e = clauses("sum(value) from test for update").select().err();
        assert!(e.is_some_and(|e| e.message.contains("not allowed with aggregates")));
        assert_eq!(
            clauses("into test (id, value) values (1, 2), (3, -4)").insert(),
            Ok(Stmt::Insert {
                table: "test".into(),
                rows: vec![(1, 2), (3, -4)],
            })
        );
        assert!(matches!(
            clauses("from test where id = 1").delete(),
            Ok(Stmt::Delete {
                filter: Some(_),
                ..
            })
        ));
        assert!(matches!(
            clauses("test set value = 1").update(),
            Ok(Stmt::Update { filter: None, .. })
        ));
    }

    #[test]
    fn the_subset_parses() {
        let cases = [
            ("begin", "BEGIN"),
            ("BEGIN ISOLATION LEVEL repeatable read;", "BEGIN ISOLATION LEVEL REPEATABLE READ"),
            ("start transaction isolation level serializable", "BEGIN ISOLATION LEVEL SERIALIZABLE"),
            ("set transaction isolation level read uncommitted", "SET TRANSACTION ISOLATION LEVEL READ UNCOMMITTED"),
            ("select * from test", "SELECT * FROM test"),
            ("select * from test where id = 1 for update", "SELECT * FROM test WHERE id = 1 FOR UPDATE"),
            ("select * from test where id > 1 lock in share mode", "SELECT * FROM test WHERE id > 1 FOR SHARE"),
            ("SELECT * FROM test WHERE value % 3 = 0", "SELECT * FROM test WHERE value % 3 = 0"),
            ("select sum(value), count(*) from test where not (id > 1 and value < 30) or id = 2", "SELECT sum(value), count(*) FROM test WHERE (NOT ((id > 1 AND value < 30)) OR id = 2)"),
            ("update test set value = value + 1 where id = 1", "UPDATE test SET value = value + 1 WHERE id = 1"),
            ("update test set value = -(value * 2) - -3", "UPDATE test SET value = -(value * 2) - (-3)"),
            ("insert into test (id, value) values (3, 30), (4, -40)", "INSERT INTO test (id, value) VALUES (3, 30), (4, -40)"),
            ("delete from test where value = 20", "DELETE FROM test WHERE value = 20"),
            ("commit", "COMMIT"),
            ("abort", "ROLLBACK"),
        ];
        for (src, want) in cases {
            let s = parse(src).unwrap_or_else(|e| panic!("{src}: {e}"));
            assert_eq!(s.to_string(), want);
            // Written back, it reads back the same.
            assert_eq!(parse(&s.to_string()), Ok(s));
        }
    }

    #[test]
    fn errors_name_the_position_and_the_subset() {
        let e = parse("select id from test").expect_err("an error");
        assert_eq!(e.at, 7);
        assert!(
            e.message.contains("expected *, sum(value) or count(*)"),
            "{e}"
        );
        let e = parse("update test set value = 1 where").expect_err("an error");
        assert_eq!(e.at, 31);
        assert!(e.message.contains("found the end of the statement"));
        let e = parse("drop table test").expect_err("an error");
        assert_eq!(e.at, 0);
        assert!(e.message.contains("INSERT INTO"));
        let e = parse("select * from test; select").expect_err("an error");
        assert_eq!(e.at, 20);
        assert!(parse("select * from test where id = 99999999999999999999").is_err());
        assert!(parse(&format!(
            "select * from test where {}id = 1{}",
            "(".repeat(40),
            ")".repeat(40)
        ))
        .is_err());
        assert!(parse("select * from test where id = 1 # 2").is_err());
    }

    #[test]
    fn expressions_compute_as_postgresql_does() {
        let e = |s: &str| match parse(&format!("update t set value = {s}")) {
            Ok(Stmt::Update { value, .. }) => value,
            other => panic!("{other:?}"),
        };
        assert_eq!(e("7 / 2").eval(0, 0), Ok(3));
        assert_eq!(e("-7 / 2").eval(0, 0), Ok(-3));
        assert_eq!(e("-7 % 3").eval(0, 0), Ok(-1));
        assert_eq!(e("value / 0").eval(1, 5), Err(EvalError::DivisionByZero));
        assert_eq!(e("value * 2 + id").eval(3, 10), Ok(23));
        assert_eq!(
            e("9223372036854775807 + 1").eval(0, 0),
            Err(EvalError::OutOfRange)
        );
    }

    #[test]
    fn the_parser_never_panics() {
        let words = [
            "select",
            "*",
            "from",
            "test",
            "where",
            "id",
            "value",
            "=",
            "<",
            ">=",
            "<>",
            "!=",
            "and",
            "or",
            "not",
            "(",
            ")",
            ",",
            ";",
            "-",
            "+",
            "%",
            "/",
            "1",
            "-5",
            "for",
            "update",
            "share",
            "sum(value)",
            "count(*)",
            "insert",
            "into",
            "values",
            "delete",
            "begin",
            "commit",
            "rollback",
            "set",
            "transaction",
            "isolation",
            "level",
            "read",
            "committed",
            "serializable",
            "repeatable",
            "é",
            "'x'",
            "\u{0}",
            "99999999999999999999",
            "--",
        ];
        let mut rng = Rng::new(3);
        for _ in 0..20_000 {
            let n = rng.below(14) as usize;
            let src: Vec<&str> = (0..n)
                .map(|_| words[rng.below(words.len() as u64) as usize])
                .collect();
            let src = src.join(if rng.below(3) == 0 { "" } else { " " });
            match parse(&src) {
                Ok(s) => assert_eq!(parse(&s.to_string()), Ok(s), "{src}"),
                Err(e) => assert!(e.at <= src.chars().count(), "{src}: {e}"),
            }
        }
    }
}
