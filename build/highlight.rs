//! A small, dependency-free syntax highlighter for the fenced code blocks of
//! the cheat sheet. It runs at build time and emits `<span class="tk-…">`
//! tokens that the stylesheet colours for both themes.
//!
//! It knows the few languages the content uses. Unknown languages are
//! escaped and left plain.

/// The token classes the highlighter emits.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Token {
    Keyword,
    String,
    Comment,
    Number,
    /// A YAML key or a JSON object key.
    Key,
    /// A built-in or a well-known type or function name.
    Builtin,
}

impl Token {
    fn class(self) -> &'static str {
        match self {
            Token::Keyword => "tk-k",
            Token::String => "tk-s",
            Token::Comment => "tk-c",
            Token::Number => "tk-n",
            Token::Key => "tk-y",
            Token::Builtin => "tk-b",
        }
    }
}

struct Lang {
    line_comments: &'static [&'static str],
    block_comment: Option<(&'static str, &'static str)>,
    keywords: &'static [&'static str],
    builtins: &'static [&'static str],
    case_insensitive: bool,
    triple_quotes: bool,
    backtick_strings: bool,
    yaml_keys: bool,
}

const PYTHON: Lang = Lang {
    line_comments: &["#"],
    block_comment: None,
    keywords: &[
        "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del",
        "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is",
        "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with",
        "yield", "None", "True", "False", "match", "case",
    ],
    builtins: &[
        "print",
        "len",
        "range",
        "dict",
        "list",
        "set",
        "int",
        "str",
        "float",
        "bool",
        "self",
        "super",
        "isinstance",
        "Exception",
        "ValueError",
        "min",
        "max",
        "sum",
        "open",
    ],
    case_insensitive: false,
    triple_quotes: true,
    backtick_strings: false,
    yaml_keys: false,
};

const SQL: Lang = Lang {
    line_comments: &["--"],
    block_comment: Some(("/*", "*/")),
    keywords: &[
        "select",
        "from",
        "where",
        "and",
        "or",
        "not",
        "in",
        "is",
        "null",
        "insert",
        "into",
        "values",
        "update",
        "set",
        "delete",
        "create",
        "index",
        "table",
        "on",
        "join",
        "left",
        "right",
        "inner",
        "outer",
        "group",
        "by",
        "order",
        "limit",
        "offset",
        "having",
        "as",
        "begin",
        "commit",
        "rollback",
        "transaction",
        "isolation",
        "level",
        "for",
        "share",
        "primary",
        "key",
        "references",
        "explain",
        "analyze",
        "distinct",
        "union",
        "all",
        "exists",
        "between",
        "like",
        "asc",
        "desc",
        "read",
        "committed",
        "repeatable",
        "serializable",
        "uncommitted",
        "with",
        "case",
        "when",
        "then",
        "else",
        "end",
        "returning",
        "unique",
        "constraint",
        "default",
        "partition",
        "range",
        "using",
        "lock",
        "nowait",
        "skip",
        "locked",
        "true",
        "false",
    ],
    builtins: &[
        "count",
        "sum",
        "avg",
        "min",
        "max",
        "now",
        "coalesce",
        "integer",
        "int",
        "bigint",
        "text",
        "varchar",
        "timestamp",
        "timestamptz",
        "boolean",
        "serial",
    ],
    case_insensitive: true,
    triple_quotes: false,
    backtick_strings: false,
    yaml_keys: false,
};

const C_LIKE_KEYWORDS_JS: &[&str] = &[
    "async",
    "await",
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "default",
    "delete",
    "do",
    "else",
    "export",
    "extends",
    "finally",
    "for",
    "function",
    "if",
    "import",
    "in",
    "instanceof",
    "let",
    "new",
    "of",
    "return",
    "static",
    "switch",
    "this",
    "throw",
    "try",
    "typeof",
    "var",
    "void",
    "while",
    "yield",
    "null",
    "undefined",
    "true",
    "false",
    "from",
];

const JS: Lang = Lang {
    line_comments: &["//"],
    block_comment: Some(("/*", "*/")),
    keywords: C_LIKE_KEYWORDS_JS,
    builtins: &[
        "console",
        "Promise",
        "Math",
        "JSON",
        "Date",
        "Error",
        "Map",
        "Set",
        "setTimeout",
    ],
    case_insensitive: false,
    triple_quotes: false,
    backtick_strings: true,
    yaml_keys: false,
};

const JAVA: Lang = Lang {
    line_comments: &["//"],
    block_comment: Some(("/*", "*/")),
    keywords: &[
        "abstract",
        "boolean",
        "break",
        "byte",
        "case",
        "catch",
        "char",
        "class",
        "continue",
        "default",
        "do",
        "double",
        "else",
        "enum",
        "extends",
        "final",
        "finally",
        "float",
        "for",
        "if",
        "implements",
        "import",
        "instanceof",
        "int",
        "interface",
        "long",
        "new",
        "package",
        "private",
        "protected",
        "public",
        "return",
        "short",
        "static",
        "super",
        "switch",
        "synchronized",
        "this",
        "throw",
        "throws",
        "try",
        "void",
        "volatile",
        "while",
        "null",
        "true",
        "false",
        "var",
        "record",
    ],
    builtins: &[
        "String", "Integer", "Long", "List", "Map", "Object", "System", "Thread",
    ],
    case_insensitive: false,
    triple_quotes: false,
    backtick_strings: false,
    yaml_keys: false,
};

const RUST: Lang = Lang {
    line_comments: &["//"],
    block_comment: Some(("/*", "*/")),
    keywords: &[
        "as", "async", "await", "break", "const", "continue", "crate", "else", "enum", "fn", "for",
        "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
        "self", "Self", "static", "struct", "trait", "true", "false", "type", "use", "where",
        "while",
    ],
    builtins: &[
        "Option", "Some", "None", "Result", "Ok", "Err", "Vec", "String", "Box",
    ],
    case_insensitive: false,
    triple_quotes: false,
    backtick_strings: false,
    yaml_keys: false,
};

const SHELL: Lang = Lang {
    line_comments: &["#"],
    block_comment: None,
    keywords: &[
        "if", "then", "else", "fi", "for", "do", "done", "while", "case", "esac", "function",
        "export", "local", "return", "in",
    ],
    builtins: &[
        "echo",
        "cd",
        "curl",
        "kubectl",
        "psql",
        "redis-cli",
        "grep",
        "set",
    ],
    case_insensitive: false,
    triple_quotes: false,
    backtick_strings: false,
    yaml_keys: false,
};

const YAML: Lang = Lang {
    line_comments: &["#"],
    block_comment: None,
    keywords: &["true", "false", "null", "yes", "no"],
    builtins: &[],
    case_insensitive: false,
    triple_quotes: false,
    backtick_strings: false,
    yaml_keys: true,
};

const JSON: Lang = Lang {
    line_comments: &[],
    block_comment: None,
    keywords: &["true", "false", "null"],
    builtins: &[],
    case_insensitive: false,
    triple_quotes: false,
    backtick_strings: false,
    yaml_keys: false,
};

fn lang(name: &str) -> Option<&'static Lang> {
    match name.to_ascii_lowercase().as_str() {
        "python" | "py" => Some(&PYTHON),
        "sql" | "postgres" | "postgresql" | "psql" => Some(&SQL),
        "js" | "javascript" | "ts" | "typescript" | "node" => Some(&JS),
        "java" => Some(&JAVA),
        "rust" | "rs" => Some(&RUST),
        "sh" | "bash" | "shell" | "console" => Some(&SHELL),
        "yaml" | "yml" => Some(&YAML),
        "json" => Some(&JSON),
        _ => None,
    }
}

#[path = "../src/escape.rs"]
mod escape;
pub use escape::escape_html;

fn push_token(out: &mut String, token: Option<Token>, text: &str) {
    match token {
        Some(t) => {
            out.push_str("<span class=\"");
            out.push_str(t.class());
            out.push_str("\">");
            escape_html(text, out);
            out.push_str("</span>");
        }
        None => escape_html(text, out),
    }
}

/// Splits `code` into tokens for `language`. Concatenating the texts gives
/// back `code` exactly. Returns `None` for a language we do not know.
pub fn tokenize<'a>(language: &str, code: &'a str) -> Option<Vec<(Option<Token>, &'a str)>> {
    let mut lexer = Lexer {
        lang: lang(language)?,
        code,
        bytes: code.as_bytes(),
        i: 0,
        plain_start: 0,
        line_start: true,
        tokens: Vec::new(),
    };
    while lexer.i < lexer.bytes.len() {
        lexer.step();
    }
    lexer.plain_until(code.len());
    Some(lexer.tokens)
}

/// The state of [`tokenize`]: where it is in the code, and the tokens so
/// far. Text between tokens is gathered as plain text.
struct Lexer<'a> {
    lang: &'static Lang,
    code: &'a str,
    bytes: &'a [u8],
    /// The byte being looked at.
    i: usize,
    /// Where the plain text not yet pushed starts.
    plain_start: usize,
    /// Whether only white space (and, in YAML, list dashes) precedes `i`
    /// on its line.
    line_start: bool,
    tokens: Vec<(Option<Token>, &'a str)>,
}

impl<'a> Lexer<'a> {
    /// Reads whatever starts at `i`: a comment, a string, a YAML key,
    /// white space, a number or a word, else one character of plain text.
    fn step(&mut self) {
        if self.comment() || self.string() || self.yaml_key() || self.space() {
            return;
        }
        self.line_start = false;
        if self.number() || self.word() {
            return;
        }
        // Any other byte (including the inside of a multi-byte character):
        // advance to the next character boundary.
        self.i += 1;
        while self.i < self.bytes.len() && !self.code.is_char_boundary(self.i) {
            self.i += 1;
        }
    }

    /// Pushes the plain text from `plain_start` up to `to`, if any.
    fn plain_until(&mut self, to: usize) {
        if to > self.plain_start {
            self.tokens.push((None, &self.code[self.plain_start..to]));
        }
    }

    /// Pushes the text from `i` to `end` as a `token` (after the plain
    /// text before it) and goes on after it.
    fn token(&mut self, token: Token, end: usize) {
        self.plain_until(self.i);
        self.tokens.push((Some(token), &self.code[self.i..end]));
        self.i = end;
        self.plain_start = end;
    }

    /// A line comment, to the end of its line, or a block comment, to its
    /// close (or the end of the code).
    fn comment(&mut self) -> bool {
        let rest = &self.code[self.i..];
        if self.lang.line_comments.iter().any(|m| rest.starts_with(*m)) {
            let end = rest.find('\n').map_or(self.code.len(), |n| self.i + n);
            self.token(Token::Comment, end);
            return true;
        }
        if let Some((open, close)) = self.lang.block_comment {
            if let Some(after_open) = rest.strip_prefix(open) {
                let end = after_open
                    .find(close)
                    .map_or(self.code.len(), |n| self.i + open.len() + n + close.len());
                self.token(Token::Comment, end);
                return true;
            }
        }
        false
    }

    /// A string: triple-quoted where the language has them, else quoted
    /// to its closing quote, skipping escapes, ending at the line's end
    /// unless in backticks.
    fn string(&mut self) -> bool {
        let (i, bytes) = (self.i, self.bytes);
        let rest = &self.code[i..];
        if self.lang.triple_quotes && (rest.starts_with("\"\"\"") || rest.starts_with("'''")) {
            let quote = &rest[..3];
            let end = rest[3..]
                .find(quote)
                .map_or(self.code.len(), |n| i + 3 + n + 3);
            self.token(Token::String, end);
            return true;
        }
        let c = bytes[i];
        if !(c == b'"' || c == b'\'' || (self.lang.backtick_strings && c == b'`')) {
            return false;
        }
        // An apostrophe inside a word (YAML prose, contractions) is text.
        let in_word = i > 0 && (bytes[i - 1] as char).is_ascii_alphanumeric();
        if c == b'\'' && in_word {
            return false;
        }
        let mut j = i + 1;
        while j < bytes.len() && bytes[j] != c {
            if bytes[j] == b'\\' {
                j += 1;
            } else if bytes[j] == b'\n' && c != b'`' {
                break;
            }
            j += 1;
        }
        self.token(Token::String, (j + 1).min(bytes.len()));
        self.line_start = false;
        true
    }

    /// A YAML key: the first word of a line (after indentation or "- ")
    /// that is followed by a colon.
    fn yaml_key(&mut self) -> bool {
        let c = self.bytes[self.i];
        if !(self.lang.yaml_keys && self.line_start && !c.is_ascii_whitespace() && c != b'-') {
            return false;
        }
        let rest = &self.code[self.i..];
        let line_end = rest.find('\n').unwrap_or(rest.len());
        let Some(colon) = rest[..line_end].find(':') else {
            return false;
        };
        let key = &rest[..colon];
        let after = rest[colon + 1..].chars().next();
        let plain_key = !key.contains(['"', '\'', '{', '[', '#']);
        if !(plain_key && after.is_none_or(|a| a == ' ' || a == '\n')) {
            return false;
        }
        self.token(Token::Key, self.i + colon);
        self.line_start = false;
        true
    }

    /// White space, which keeps `line_start` (a line break sets it), and
    /// in YAML a list dash at the start of a line.
    fn space(&mut self) -> bool {
        let c = self.bytes[self.i];
        if c == b'\n' {
            self.line_start = true;
        } else if !(c.is_ascii_whitespace()
            || (c == b'-' && self.lang.yaml_keys && self.line_start))
        {
            return false;
        }
        self.i += 1;
        true
    }

    /// A number, unless it ends a word (`x2`), with its letters, dots and
    /// underscores.
    fn number(&mut self) -> bool {
        let (i, bytes) = (self.i, self.bytes);
        if !bytes[i].is_ascii_digit() {
            return false;
        }
        let prev_is_word =
            i > 0 && ((bytes[i - 1] as char).is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        let mut j = i;
        while j < bytes.len()
            && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'.' || bytes[j] == b'_')
        {
            j += 1;
        }
        if prev_is_word {
            self.i = j;
        } else {
            self.token(Token::Number, j);
        }
        true
    }

    /// A word: a keyword or a builtin of the language (unless it follows
    /// a dot), else plain text.
    fn word(&mut self) -> bool {
        let (i, bytes) = (self.i, self.bytes);
        if !(bytes[i].is_ascii_alphabetic() || bytes[i] == b'_') {
            return false;
        }
        let mut j = i;
        while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_') {
            j += 1;
        }
        let word = &self.code[i..j];
        let lang = self.lang;
        let matches = |list: &[&str]| {
            if lang.case_insensitive {
                list.iter().any(|k| k.eq_ignore_ascii_case(word))
            } else {
                list.contains(&word)
            }
        };
        let prev_dot = i > 0 && bytes[i - 1] == b'.';
        let token = if prev_dot {
            None
        } else if matches(lang.keywords) {
            Some(Token::Keyword)
        } else if matches(lang.builtins) {
            Some(Token::Builtin)
        } else {
            None
        };
        match token {
            Some(t) => self.token(t, j),
            None => self.i = j,
        }
        true
    }
}

/// Renders a code block as highlighted, escaped HTML (the inside of `<code>`).
pub fn highlight(language: &str, code: &str) -> String {
    let mut out = String::with_capacity(code.len() * 2);
    match tokenize(language, code) {
        Some(tokens) => {
            for (token, text) in tokens {
                push_token(&mut out, token, text);
            }
        }
        None => escape_html(code, &mut out),
    }
    out
}
