//! The query parser: tantivy's query language over the full-text fields, with field aliases,
//! lenient recovery from syntax errors, and strict errors for unknown fields.

use tantivy::query::{AllQuery, Query, QueryParser};
use tantivy::query_grammar::{self, Delimiter, Occur, UserInputAst, UserInputLeaf};

use super::IndexError;
use super::schema::{Fields, names};

mod excluded_query;

/// Parses users' queries for one index.
#[derive(Clone)]
pub(crate) struct FondsQueryParser {
    parser: QueryParser,
}

/// A parsed query.
pub(crate) struct ParsedQuery {
    /// The tantivy query.
    pub query: Box<dyn Query>,
    /// Whether it matches everything (an empty query or `*`): browsing.
    pub match_all: bool,
    /// What was done to recover from a syntax error.
    pub warnings: Vec<String>,
}

/// What a field name written in a query stands for.
enum Target {
    /// One schema field.
    Field(&'static str),
    /// Either text of the document: original or translation.
    Body,
}

/// Field names accepted in queries (lowercase), and what they search.
const ALIASES: &[(&str, &str)] = &[
    ("title", names::TITLE),
    ("summary", names::SUMMARY),
    ("original", names::ORIGINAL),
    ("transcript", names::ORIGINAL),
    ("translation", names::TRANSLATION),
    ("names", names::NAMES),
    ("name", names::NAMES),
    ("author", names::NAMES),
    ("authors", names::NAMES),
    ("recipient", names::NAMES),
    ("recipients", names::NAMES),
    ("person", names::NAMES),
    ("people", names::NAMES),
    ("place", names::NAMES),
    ("places", names::NAMES),
    ("subject", names::NAMES),
    ("subjects", names::NAMES),
    ("refs", names::REFS),
    ("ref", names::REFS),
    ("citation", names::REFS),
    ("type", names::TYPE),
    ("lang", names::LANG),
    ("language", names::LANG),
    ("archive", names::ARCHIVE),
    ("id", names::ID),
    ("date_start", names::DATE_START),
    ("date_end", names::DATE_END),
];

fn resolve(field: &str) -> Option<Target> {
    let lower = field.to_lowercase();
    if lower == "body" || lower == "text" {
        return Some(Target::Body);
    }
    ALIASES
        .iter()
        .find(|(alias, _)| *alias == lower)
        .map(|(_, name)| Target::Field(name))
}

fn known_fields() -> String {
    let mut names: Vec<&str> = ALIASES.iter().map(|(a, _)| *a).collect();
    names.extend(["body", "text"]);
    names.sort_unstable();
    names.join(", ")
}

impl FondsQueryParser {
    pub fn new(index: &tantivy::Index, fields: &Fields) -> Self {
        let mut parser = QueryParser::for_index(
            index,
            vec![
                fields.title,
                fields.summary,
                fields.original,
                fields.translation,
                fields.names,
                fields.refs,
            ],
        );
        parser.set_conjunction_by_default();
        parser.set_field_boost(fields.title, 2.0);
        parser.set_field_boost(fields.summary, 1.5);
        FondsQueryParser { parser }
    }

    /// Parses a user's query (see [`SearchRequest`](super::SearchRequest) for the language).
    pub fn parse(
        &self,
        query: &str,
        searcher: &tantivy::Searcher,
    ) -> Result<ParsedQuery, IndexError> {
        let trimmed = query.trim();
        if trimmed.is_empty() || trimmed == "*" {
            return Ok(ParsedQuery {
                query: Box::new(AllQuery),
                match_all: true,
                warnings: Vec::new(),
            });
        }
        check_size(trimmed).map_err(|message| IndexError::Query {
            query: query.chars().take(100).collect(),
            message,
        })?;
        let mut warnings = Vec::new();
        let ast = match query_grammar::parse_query(trimmed) {
            Ok(ast) => ast,
            Err(_) => {
                let (ast, errors) = query_grammar::parse_query_lenient(trimmed);
                if errors.is_empty() {
                    // Recovered without loss (a lone apostrophe: `Stalin's treaty`).
                    return self.build(query, ast, warnings, searcher);
                }
                let detail = errors
                    .iter()
                    .map(|e| format!("{} at character {}", e.message, e.pos))
                    .collect::<Vec<_>>()
                    .join("; ");
                warnings.push(format!(
                    "the query is not well-formed ({detail}); searched for what could be read. \
                     Close quotes and parentheses, or put odd characters inside quotes."
                ));
                ast
            }
        };
        self.build(query, ast, warnings, searcher)
    }

    fn build(
        &self,
        query: &str,
        ast: UserInputAst,
        mut warnings: Vec<String>,
        searcher: &tantivy::Searcher,
    ) -> Result<ParsedQuery, IndexError> {
        let user_error = |message: String| IndexError::Query {
            query: query.to_string(),
            message,
        };
        if let Some(field) = exists_query_on(&ast) {
            return Err(user_error(format!(
                "`{field}:*` (any value) can be asked only of date_start, date_end and id; to see \
                 every document, leave the query empty"
            )));
        }
        let ast = rewrite(ast).map_err(|field| {
            user_error(format!(
                "there is no field `{field}`; fields are: {}. To search for the text \
                 `{field}:` itself, put it in quotes.",
                known_fields()
            ))
        })?;
        let ast = limit_slop(ast, &mut warnings);
        let ast = push_boosts_down(expand_prefixes(ast, searcher, &mut warnings));
        let query = self
            .parser
            .build_query_from_user_input_ast(ast)
            .map_err(|e| user_error(plain_error(&e)))?;
        Ok(ParsedQuery {
            query: excluded_query::guard_exclusions(query),
            match_all: false,
            warnings,
        })
    }
}

/// The longest query accepted, in characters: far more than anyone types or pastes as a
/// search, and a bound on the work one request can ask for.
pub(crate) const MAX_QUERY_CHARS: usize = 4096;
/// The deepest nesting of parentheses accepted (the grammar's parser recurses per level).
pub(crate) const MAX_QUERY_DEPTH: usize = 32;
/// The most operators accepted (`AND`, `OR`, `NOT`, a leading `-` or `+`): the grammar's
/// parser recurses on them too (`NOT NOT NOT …`).
pub(crate) const MAX_QUERY_OPERATORS: usize = 64;

/// Refuses queries too long or too deeply nested to parse safely.
fn check_size(query: &str) -> Result<(), String> {
    let chars = query.chars().count();
    if chars > MAX_QUERY_CHARS {
        return Err(format!(
            "the query is {chars} characters long; at most {MAX_QUERY_CHARS} are searched"
        ));
    }
    let (mut depth, mut deepest, mut quoted) = (0usize, 0usize, false);
    for c in query.chars() {
        match c {
            '"' => quoted = !quoted,
            '(' if !quoted => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            ')' if !quoted => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    if deepest > MAX_QUERY_DEPTH {
        return Err(format!(
            "parentheses are nested {deepest} deep; at most {MAX_QUERY_DEPTH} levels are read"
        ));
    }
    let operators: usize = query
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
        .map(|word| {
            if matches!(word, "AND" | "OR" | "NOT" | "&&" | "||") {
                1
            } else {
                word.chars().take_while(|c| matches!(c, '-' | '+')).count()
            }
        })
        .sum();
    if operators > MAX_QUERY_OPERATORS {
        return Err(format!(
            "the query has {operators} operators (AND, OR, NOT, -, +); at most \
             {MAX_QUERY_OPERATORS} are read"
        ));
    }
    Ok(())
}

/// tantivy's parser errors, in the words of our query language.
fn plain_error(e: &tantivy::query::QueryParserError) -> String {
    use tantivy::query::QueryParserError as E;
    match e {
        E::UnsupportedQuery(m) if m.contains("specific field") => {
            "a range (`>`, `<`, `[a TO b]`) needs a field: `date_start:>=19500101`; to search \
             for `<` or `>` as text, put it in quotes"
                .to_string()
        }
        E::ExpectedInt(_) | E::ExpectedFloat(_) | E::ExpectedBool(_) => {
            "date_start and date_end take dates as numbers written yyyymmdd: \
             `date_start:[19500101 TO 19501231]`"
                .to_string()
        }
        e => e.to_string(),
    }
}

/// The most index terms one `word*` stands for in one field.
pub(crate) const MAX_PREFIX_TERMS: usize = 200;

/// The fields a query word without a field searches.
const DEFAULT_FIELDS: [&str; 6] = [
    names::TITLE,
    names::SUMMARY,
    names::ORIGINAL,
    names::TRANSLATION,
    names::NAMES,
    names::REFS,
];

/// Replaces every one-word prefix query (`nicarag*`, `title:secretar*`) by the set of index
/// terms it stands for. tantivy's parser only takes prefixes of phrases of two or more words
/// (`"big bad wo"*`) and finds nothing for one. The index holds stems, so the terms are those
/// that start with the folded word or with its stem (`secretary*` → `secretari…`), in each
/// field searched, at most [`MAX_PREFIX_TERMS`] (with a warning when there are more); only
/// terms the analyzer leaves as they are, since the set's elements are analyzed again.
fn expand_prefixes(
    ast: UserInputAst,
    searcher: &tantivy::Searcher,
    warnings: &mut Vec<String>,
) -> UserInputAst {
    match ast {
        UserInputAst::Clause(clauses) => UserInputAst::Clause(
            clauses
                .into_iter()
                .map(|(occur, a)| (occur, expand_prefixes(a, searcher, warnings)))
                .collect(),
        ),
        UserInputAst::Boost(a, boost) => {
            UserInputAst::Boost(Box::new(expand_prefixes(*a, searcher, warnings)), boost)
        }
        UserInputAst::Leaf(leaf) => {
            let word = match leaf.as_ref() {
                UserInputLeaf::Literal(lit) => {
                    prefix_word(lit).map(|w| (w, lit.field_name.clone()))
                }
                _ => None,
            };
            match word {
                Some((word, field_name)) => {
                    prefix_clause(&word, field_name.as_deref(), searcher, warnings)
                }
                None => UserInputAst::Leaf(leaf),
            }
        }
    }
}

/// The set of index terms `word*` stands for, in `field` or in every default field.
fn prefix_clause(
    word: &str,
    field: Option<&str>,
    searcher: &tantivy::Searcher,
    warnings: &mut Vec<String>,
) -> UserInputAst {
    let fields: Vec<&str> = match field {
        Some(f) => vec![f],
        None => DEFAULT_FIELDS.to_vec(),
    };
    let mut sets = Vec::new();
    for field in fields {
        let (elements, more) = prefix_terms(searcher, field, word);
        if more {
            warnings.push(format!(
                "`{word}*` stands for more than {MAX_PREFIX_TERMS} words in {field}; \
                 the first {MAX_PREFIX_TERMS} were searched: type more letters"
            ));
        }
        sets.push((
            Some(Occur::Should),
            UserInputAst::Leaf(Box::new(UserInputLeaf::Set {
                field: Some(field.to_string()),
                elements,
            })),
        ));
    }
    UserInputAst::Clause(sets)
}

/// The word whose continuations `lit` asks for: `nicarag*` (the grammar keeps the `*` in an
/// unquoted word) or `"nicarag"*`; `None` for anything else.
fn prefix_word(lit: &tantivy::query_grammar::UserInputLiteral) -> Option<String> {
    let word = if lit.prefix {
        lit.phrase.as_str()
    } else if lit.delimiter == Delimiter::None {
        lit.phrase.strip_suffix('*').filter(|w| !w.ends_with('*'))?
    } else {
        return None;
    };
    is_one_word(word).then(|| word.to_string())
}

fn is_one_word(text: &str) -> bool {
    word_count(text) == 1
}

/// How many index terms the analyzer makes of `text`.
fn word_count(text: &str) -> usize {
    let mut analyzer = super::analyzer::fonds_analyzer();
    let mut stream = analyzer.token_stream(text);
    let mut n = 0;
    while stream.advance() {
        n += 1;
    }
    n
}

/// The most positions apart the words of a phrase of three or more words may be
/// (`"a b c"~N`). tantivy 0.27 matches such phrases by carrying each word's slop to the next,
/// and the positions it carries multiply with every word once the slop is 3 or more: on the
/// bundled corpus `"the the the the the the the the"~1000000` took 117 s and 24 GB, and a
/// slop of 50 over 16 words 8 GB in 20 s (found by the `query` fuzz target). With 2 they are
/// never more than the document's words. A phrase of two words is matched in one linear pass,
/// whatever its slop.
pub(crate) const MAX_LONG_PHRASE_SLOP: u32 = 2;

/// Lowers the slop of every phrase of three or more words to [`MAX_LONG_PHRASE_SLOP`], with a
/// warning.
fn limit_slop(ast: UserInputAst, warnings: &mut Vec<String>) -> UserInputAst {
    match ast {
        UserInputAst::Clause(clauses) => UserInputAst::Clause(
            clauses
                .into_iter()
                .map(|(occur, a)| (occur, limit_slop(a, warnings)))
                .collect(),
        ),
        UserInputAst::Boost(a, boost) => {
            UserInputAst::Boost(Box::new(limit_slop(*a, warnings)), boost)
        }
        UserInputAst::Leaf(mut leaf) => {
            if let UserInputLeaf::Literal(lit) = leaf.as_mut()
                && lit.slop > MAX_LONG_PHRASE_SLOP
                && word_count(&lit.phrase) > 2
            {
                warnings.push(format!(
                    "the words of \"{}\" were searched at most {MAX_LONG_PHRASE_SLOP} positions \
                     apart, not {}: a phrase of three or more words takes ~{MAX_LONG_PHRASE_SLOP} \
                     at most (two words take any distance)",
                    lit.phrase, lit.slop
                ));
                lit.slop = MAX_LONG_PHRASE_SLOP;
            }
            UserInputAst::Leaf(leaf)
        }
    }
}

/// The index terms of `field` that start with `word` folded, or with its stem (at most
/// [`MAX_PREFIX_TERMS`]), and whether there were more.
fn prefix_terms(searcher: &tantivy::Searcher, field: &str, word: &str) -> (Vec<String>, bool) {
    let Ok(field) = searcher.schema().get_field(field) else {
        return (Vec::new(), false);
    };
    let folded = super::analyzer::fold_keyword(word);
    let mut analyzer = super::analyzer::fonds_analyzer();
    let stem = analyzer.token_stream(word).next().map(|t| t.text.clone());
    let (mut found, mut more) = terms_starting(searcher, field, &folded);
    if let Some(stem) = stem.filter(|s| *s != folded) {
        if folded.starts_with(stem.as_str()) {
            // `стали*`: the word itself is indexed as its stem `стал`; longer words start
            // with `стали` (`сталин`).
            found.insert(stem);
        } else {
            // `secretary*`: indexed as `secretari…`, which the folded word does not begin.
            let (by_stem, more_by_stem) = terms_starting(searcher, field, &stem);
            more |= more_by_stem;
            found.extend(by_stem);
        }
    }
    // The set's elements are analyzed again: keep the terms the analyzer maps to themselves.
    let elements = found
        .into_iter()
        .filter(|term| {
            let mut stream = analyzer.token_stream(term);
            matches!(stream.next(), Some(t) if t.text == *term) && stream.next().is_none()
        })
        .collect();
    (elements, more)
}

/// The terms of `field` in every segment that start with `prefix`, at most
/// [`MAX_PREFIX_TERMS`], and whether there were more.
fn terms_starting(
    searcher: &tantivy::Searcher,
    field: tantivy::schema::Field,
    prefix: &str,
) -> (std::collections::BTreeSet<String>, bool) {
    let mut found = std::collections::BTreeSet::new();
    for segment in searcher.segment_readers() {
        let Ok(inverted) = segment.inverted_index(field) else {
            continue;
        };
        let Ok(mut terms) = inverted.terms().range().ge(prefix.as_bytes()).into_stream() else {
            continue;
        };
        while terms.advance() {
            let Ok(term) = std::str::from_utf8(terms.key()) else {
                continue;
            };
            if !term.starts_with(prefix) {
                break;
            }
            if found.len() >= MAX_PREFIX_TERMS && !found.contains(term) {
                return (found, true);
            }
            found.insert(term.to_string());
        }
    }
    (found, false)
}

/// Moves every boost of a group onto the group's clauses (`(a -b)^2` → `(a^2 -b^2)`), down
/// to the words, so that no boost hides a group's exclusions from
/// [`excluded_query::guard_exclusions`]. Scores are the same: a group's score is the sum of
/// its clauses' scores, and an excluded clause scores nothing.
fn push_boosts_down(ast: UserInputAst) -> UserInputAst {
    match ast {
        UserInputAst::Clause(clauses) => UserInputAst::Clause(
            clauses
                .into_iter()
                .map(|(occur, a)| (occur, push_boosts_down(a)))
                .collect(),
        ),
        UserInputAst::Boost(inner, boost) => match push_boosts_down(*inner) {
            UserInputAst::Clause(clauses) => UserInputAst::Clause(
                clauses
                    .into_iter()
                    .map(|(occur, a)| {
                        (
                            occur,
                            push_boosts_down(UserInputAst::Boost(Box::new(a), boost)),
                        )
                    })
                    .collect(),
            ),
            inner => UserInputAst::Boost(Box::new(inner), boost),
        },
        leaf @ UserInputAst::Leaf(_) => leaf,
    }
}

/// The field of the first `field:*` (exists) query on a field without fast values, which
/// tantivy cannot answer.
fn exists_query_on(ast: &UserInputAst) -> Option<String> {
    match ast {
        UserInputAst::Clause(clauses) => clauses.iter().find_map(|(_, a)| exists_query_on(a)),
        UserInputAst::Boost(a, _) => exists_query_on(a),
        UserInputAst::Leaf(leaf) => match leaf.as_ref() {
            UserInputLeaf::Exists { field } => {
                let fast = matches!(
                    resolve(field),
                    Some(Target::Field(n)) if [names::DATE_START, names::DATE_END, names::ID].contains(&n)
                );
                (!fast).then(|| field.clone())
            }
            _ => None,
        },
    }
}

/// Maps field aliases to schema fields; `Err(field)` for a field name that does not exist.
fn rewrite(ast: UserInputAst) -> Result<UserInputAst, String> {
    Ok(match ast {
        UserInputAst::Clause(clauses) => {
            let mut clauses = clauses
                .into_iter()
                .map(|(occur, ast)| Ok((occur, rewrite(ast)?)))
                .collect::<Result<Vec<_>, String>>()?;
            // A group of exclusions alone (`NOT b`, as in `a AND NOT b` or `a OR NOT b`) means
            // "every document but these"; tantivy would match nothing, so say "every document".
            if !clauses.is_empty()
                && clauses
                    .iter()
                    .all(|(occur, _)| *occur == Some(Occur::MustNot))
            {
                clauses.insert(
                    0,
                    (
                        Some(Occur::Must),
                        UserInputAst::Leaf(Box::new(UserInputLeaf::All)),
                    ),
                );
            }
            UserInputAst::Clause(clauses)
        }
        UserInputAst::Boost(ast, boost) => UserInputAst::Boost(Box::new(rewrite(*ast)?), boost),
        UserInputAst::Leaf(leaf) => rewrite_leaf(*leaf)?,
    })
}

fn rewrite_leaf(leaf: UserInputLeaf) -> Result<UserInputAst, String> {
    let field = match &leaf {
        UserInputLeaf::Literal(lit) => lit.field_name.clone(),
        UserInputLeaf::Range { field, .. }
        | UserInputLeaf::Set { field, .. }
        | UserInputLeaf::Regex { field, .. } => field.clone(),
        UserInputLeaf::Exists { field } => Some(field.clone()),
        UserInputLeaf::All => None,
    };
    let Some(field) = field else {
        return Ok(UserInputAst::Leaf(Box::new(leaf)));
    };
    let target = match (resolve(&field), leaf) {
        (Some(target), leaf) => (target, leaf),
        // `10:30` is a time, not a field query: search it as the phrase "10 30".
        (None, UserInputLeaf::Literal(mut lit)) if field.bytes().all(|b| b.is_ascii_digit()) => {
            lit.phrase = format!("{field} {}", lit.phrase);
            lit.field_name = None;
            lit.delimiter = Delimiter::DoubleQuotes;
            return Ok(UserInputAst::Leaf(Box::new(UserInputLeaf::Literal(lit))));
        }
        (None, _) => return Err(field),
    };
    let (target, leaf) = target;
    match target {
        Target::Field(name) => Ok(UserInputAst::Leaf(Box::new(with_field(leaf, name)))),
        Target::Body => Ok(UserInputAst::Clause(vec![
            (
                Some(Occur::Should),
                UserInputAst::Leaf(Box::new(with_field(leaf.clone(), names::ORIGINAL))),
            ),
            (
                Some(Occur::Should),
                UserInputAst::Leaf(Box::new(with_field(leaf, names::TRANSLATION))),
            ),
        ])),
    }
}

fn with_field(leaf: UserInputLeaf, name: &str) -> UserInputLeaf {
    let field = Some(name.to_string());
    match leaf {
        UserInputLeaf::Literal(mut lit) => {
            lit.field_name = field;
            UserInputLeaf::Literal(lit)
        }
        UserInputLeaf::Range { lower, upper, .. } => UserInputLeaf::Range {
            field,
            lower,
            upper,
        },
        UserInputLeaf::Set { elements, .. } => UserInputLeaf::Set { field, elements },
        UserInputLeaf::Regex { pattern, .. } => UserInputLeaf::Regex { field, pattern },
        UserInputLeaf::Exists { .. } => UserInputLeaf::Exists {
            field: name.to_string(),
        },
        UserInputLeaf::All => UserInputLeaf::All,
    }
}

#[cfg(test)]
mod tests {
    use super::check_size;
    use tantivy::query_grammar::{UserInputAst, UserInputLeaf};

    #[test]
    fn queries_that_would_exhaust_the_parser_are_refused() {
        assert!(check_size(&"(".repeat(100)).unwrap_err().contains("nested"));
        assert!(
            check_size(&"NOT ".repeat(65))
                .unwrap_err()
                .contains("operators")
        );
        assert!(
            check_size(&"-".repeat(65))
                .unwrap_err()
                .contains("operators")
        );
        assert!(
            check_size(&"a".repeat(4097))
                .unwrap_err()
                .contains("characters")
        );
        // Parentheses inside quotes, and ordinary boolean queries, are fine.
        assert!(check_size(&format!("\"{}\"", "(".repeat(100))).is_ok());
        assert!(check_size("(Stalin OR Сталин) AND NOT -Truman +Korea").is_ok());
    }

    #[test]
    fn long_phrases_keep_a_slop_of_two_at_most() {
        let slops = |q: &str| {
            let mut warnings = Vec::new();
            let ast = super::limit_slop(
                tantivy::query_grammar::parse_query(q).unwrap(),
                &mut warnings,
            );
            let mut found = Vec::new();
            let mut stack = vec![ast];
            while let Some(a) = stack.pop() {
                match a {
                    UserInputAst::Clause(c) => stack.extend(c.into_iter().map(|(_, a)| a)),
                    UserInputAst::Boost(a, _) => stack.push(*a),
                    UserInputAst::Leaf(l) => {
                        if let UserInputLeaf::Literal(lit) = *l {
                            found.push(lit.slop);
                        }
                    }
                }
            }
            (found, warnings.len())
        };
        assert_eq!(slops("\"the the the\"~1000000"), (vec![2], 1));
        assert_eq!(
            slops("(\"a b a b\"~7)^2 \"Stalin Mao\"~1000"),
            (vec![1000, 2], 1)
        );
        assert_eq!(slops("\"a b c\"~2 \"a*b\"~9"), (vec![9, 2], 0));
    }

    #[test]
    fn any_value_queries_on_text_fields_are_named() {
        let ast = |q| tantivy::query_grammar::parse_query(q).unwrap();
        assert_eq!(
            super::exists_query_on(&ast("Korea AND title:*")).as_deref(),
            Some("title")
        );
        assert_eq!(
            super::exists_query_on(&ast("(a OR body:*)^2")).as_deref(),
            Some("body")
        );
        assert_eq!(super::exists_query_on(&ast("date_start:*")), None);
        assert_eq!(super::exists_query_on(&ast("Korea")), None);
    }
}
