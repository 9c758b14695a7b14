//! The text analyzers: the multilingual `fonds` analyzer and the exact-value `keyword` analyzer.
//!
//! `fonds` (every full-text field, and every query against one):
//!
//! 1. [`WordTokenizer`]: runs of Unicode alphanumerics (combining marks stay inside their word);
//!    each Han, Hiragana or Katakana character is a token of its own (unigrams), so a CJK word
//!    or name in a query becomes a phrase of its characters and matches exactly that sequence.
//! 2. tokens longer than [`MAX_TOKEN_BYTES`] bytes are dropped (base64, garbage OCR).
//! 3. [`FoldFilter`]: lowercase; `ё` → `е`; Latin letters lose their diacritics (NFD, marks
//!    dropped: `é` → `e`, `ō` → `o`; and `ł` → `l`, `ø` → `o`, `ß` → `ss`, `æ` → `ae`…);
//!    Cyrillic letters are never decomposed, so `й` stays `й`; stray combining marks
//!    (Russian stress accents) are dropped.
//! 4. [`ScriptStemmer`]: a token with Cyrillic letters gets the Russian Snowball stemmer, a token
//!    with Latin letters the English one, anything else is left as it is.
//!
//! `keyword` (type, lang, archive): the whole value as one token, folded as above, unstemmed.
//!
//! Analyzers are not stored in the index: [`register`] runs every time an index is opened.

use std::borrow::Cow;
use std::collections::HashMap;

use tantivy::tokenizer::{
    RawTokenizer, RemoveLongFilter, TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer,
    TokenizerManager,
};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// The name of the full-text analyzer in the index's tokenizer manager.
pub const FONDS: &str = "fonds";
/// The name of the exact-value analyzer.
pub const KEYWORD: &str = "keyword";
/// Tokens longer than this many bytes are dropped.
pub const MAX_TOKEN_BYTES: usize = 40;

/// Registers the `fonds` and `keyword` analyzers.
pub fn register(manager: &TokenizerManager) {
    manager.register(FONDS, fonds_analyzer());
    manager.register(KEYWORD, keyword_analyzer());
}

/// The multilingual full-text analyzer (see the module documentation).
pub fn fonds_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(WordTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES + 1))
        .filter(FoldFilter)
        .filter(ScriptStemmer::default())
        .build()
}

/// The exact-value analyzer: the whole value, lowercased and folded, as one token.
pub fn keyword_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(RawTokenizer::default())
        .filter(FoldFilter)
        .build()
}

/// The `fonds` analyzer for highlighting one query's terms: the same tokens, except that a
/// word is only stemmed if it could stem to one of `stems` (it starts with a stem's first
/// characters, all but the last two), so long texts are scanned for snippets several times
/// faster. A word it leaves unstemmed cannot equal any of `stems`.
pub(crate) fn highlight_analyzer(stems: &[String]) -> TextAnalyzer {
    let gates = stems
        .iter()
        .map(|stem| {
            let keep = stem.chars().count().saturating_sub(2).max(1);
            stem.chars().take(keep).collect::<String>()
        })
        .collect::<Vec<_>>();
    TextAnalyzer::builder(WordTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES + 1))
        .filter(FoldFilter)
        .filter(ScriptStemmer {
            gates: Some(std::sync::Arc::from(gates)),
        })
        .build()
}

/// Lowercases and folds a value the way the `keyword` analyzer does (for building filter terms).
pub fn fold_keyword(value: &str) -> String {
    let mut s = value.trim().to_string();
    fold_in_place(&mut s);
    s
}

/// Whether a character is written as one token by itself (Han, Hiragana, Katakana).
fn is_cjk_unigram(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF      // Hiragana, Katakana
        | 0x31F0..=0x31FF    // Katakana phonetic extensions
        | 0x3400..=0x4DBF    // CJK extension A
        | 0x4E00..=0x9FFF    // CJK unified ideographs
        | 0xF900..=0xFAFF    // CJK compatibility ideographs
        | 0xFF66..=0xFF9D    // halfwidth Katakana
        | 0x20000..=0x3134F) // CJK extensions B–G
}

/// The length of an English possessive `'s` (or `’s`) at the start of `rest`, followed by the
/// end of the word; 0 if there is none. It is skipped, so `Stalin's` is the token `Stalin`.
fn possessive_len(rest: &str) -> usize {
    let mut chars = rest.chars();
    match (chars.next(), chars.next(), chars.next()) {
        (Some(q @ ('\'' | '\u{2019}')), Some('s' | 'S'), next)
            if next.is_none_or(|c| !is_word_char(c)) =>
        {
            q.len_utf8() + 1
        }
        _ => 0,
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || is_combining_mark(c)
}

/// Splits text into words: runs of alphanumerics, each CJK ideograph or kana on its own.
#[derive(Clone, Default)]
pub struct WordTokenizer {
    token: Token,
}

/// The token stream of [`WordTokenizer`].
pub struct WordTokenStream<'a> {
    text: &'a str,
    pos: usize,
    token: &'a mut Token,
}

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = WordTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordTokenStream<'a> {
        self.token.reset();
        WordTokenStream {
            text,
            pos: 0,
            token: &mut self.token,
        }
    }
}

impl TokenStream for WordTokenStream<'_> {
    fn advance(&mut self) -> bool {
        self.token.text.clear();
        let bytes = self.text.as_bytes();
        // ASCII bytes are classified as bytes (most of an English text); only other
        // characters are decoded and looked up in Unicode's tables.
        let char_at = |i: usize| self.text[i..].chars().next().expect("a char boundary");
        // Find the start: an alphanumeric (a lone combining mark does not start a word).
        let mut i = self.pos;
        let (start, first) = loop {
            let Some(&b) = bytes.get(i) else {
                self.pos = self.text.len();
                return false;
            };
            if b.is_ascii() {
                if b.is_ascii_alphanumeric() {
                    break (i, char::from(b));
                }
                i += 1;
            } else {
                let c = char_at(i);
                if c.is_alphanumeric() {
                    break (i, c);
                }
                i += c.len_utf8();
            }
        };
        let mut end = start + first.len_utf8();
        if !is_cjk_unigram(first) {
            while let Some(&b) = bytes.get(end) {
                if b.is_ascii() {
                    if !b.is_ascii_alphanumeric() {
                        break;
                    }
                    end += 1;
                } else {
                    let c = char_at(end);
                    if !is_word_char(c) || is_cjk_unigram(c) {
                        break;
                    }
                    end += c.len_utf8();
                }
            }
        }
        let (from, to) = (start, end);
        self.pos = to + possessive_len(&self.text[to..]);
        self.token.offset_from = from;
        self.token.offset_to = to;
        self.token.position = self.token.position.wrapping_add(1);
        self.token.text.push_str(&self.text[from..to]);
        true
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

/// Lowercases and folds tokens: `ё` → `е`, Latin diacritics stripped, Cyrillic `й` kept.
#[derive(Clone, Copy, Default)]
pub struct FoldFilter;

/// [`FoldFilter`] applied to a tokenizer.
#[derive(Clone)]
pub struct FoldTokenizer<T> {
    inner: T,
}

/// The token stream of [`FoldFilter`].
pub struct FoldTokenStream<S> {
    tail: S,
    buffer: String,
}

impl TokenFilter for FoldFilter {
    type Tokenizer<T: Tokenizer> = FoldTokenizer<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> FoldTokenizer<T> {
        FoldTokenizer { inner: tokenizer }
    }
}

impl<T: Tokenizer> Tokenizer for FoldTokenizer<T> {
    type TokenStream<'a> = FoldTokenStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        FoldTokenStream {
            tail: self.inner.token_stream(text),
            buffer: String::new(),
        }
    }
}

impl<S: TokenStream> TokenStream for FoldTokenStream<S> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let text = &mut self.tail.token_mut().text;
        if text.is_ascii() {
            text.make_ascii_lowercase();
        } else {
            fold_into(text, &mut self.buffer);
            std::mem::swap(text, &mut self.buffer);
        }
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

fn fold_in_place(text: &mut String) {
    if text.is_ascii() {
        text.make_ascii_lowercase();
    } else {
        let mut out = String::new();
        fold_into(text, &mut out);
        *text = out;
    }
}

/// Whether a character belongs to the Latin script blocks beyond ASCII.
fn is_latin_extended(c: char) -> bool {
    matches!(c as u32, 0x00C0..=0x024F | 0x1E00..=0x1EFF | 0x2C60..=0x2C7F | 0xA720..=0xA7FF)
}

/// Folds `text` (not ASCII) into `out`: NFC, lowercase, then per character.
fn fold_into(text: &str, out: &mut String) {
    out.clear();
    // NFC first, so that a decomposed `и` + breve becomes `й` and is then kept whole.
    for c in text.nfc().flat_map(char::to_lowercase) {
        match c {
            'ё' => out.push('е'),
            c if c.is_ascii() => out.push(c),
            c if is_combining_mark(c) => {}
            c if is_latin_extended(c) => match c {
                'ł' => out.push('l'),
                'ø' => out.push('o'),
                'đ' | 'ð' => out.push('d'),
                'ħ' => out.push('h'),
                'ı' => out.push('i'),
                'ß' => out.push_str("ss"),
                'æ' => out.push_str("ae"),
                'œ' => out.push_str("oe"),
                'þ' => out.push_str("th"),
                c => out.extend(std::iter::once(c).nfd().filter(|c| !is_combining_mark(*c))),
            },
            c => out.push(c),
        }
    }
}

/// Stems Cyrillic tokens with the Russian Snowball stemmer, Latin ones with the English one.
#[derive(Clone, Default)]
pub struct ScriptStemmer {
    /// For highlighting: only words starting with one of these are stemmed.
    gates: Option<std::sync::Arc<[String]>>,
}

/// [`ScriptStemmer`] applied to a tokenizer.
#[derive(Clone)]
pub struct ScriptStemmerTokenizer<T> {
    inner: T,
    gates: Option<std::sync::Arc<[String]>>,
    cache: StemCache,
}

/// The most recent stems, by word: Snowball costs several times a hash lookup, and a
/// collection's vocabulary repeats. Each indexing thread has its own (tokenizers are cloned).
#[derive(Clone, Default)]
struct StemCache {
    stems: HashMap<String, String>,
}

/// Words cached before the cache starts over.
const STEM_CACHE_WORDS: usize = 50_000;

/// The token stream of [`ScriptStemmer`].
pub struct ScriptStemmerTokenStream<'a, S> {
    tail: S,
    russian: frostem::Stemmer,
    english: frostem::Stemmer,
    gates: Option<&'a [String]>,
    cache: &'a mut StemCache,
}

impl TokenFilter for ScriptStemmer {
    type Tokenizer<T: Tokenizer> = ScriptStemmerTokenizer<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> ScriptStemmerTokenizer<T> {
        ScriptStemmerTokenizer {
            inner: tokenizer,
            gates: self.gates,
            cache: StemCache::default(),
        }
    }
}

impl<T: Tokenizer> Tokenizer for ScriptStemmerTokenizer<T> {
    type TokenStream<'a> = ScriptStemmerTokenStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        ScriptStemmerTokenStream {
            tail: self.inner.token_stream(text),
            russian: frostem::Stemmer::new(frostem::Algorithm::Russian),
            english: frostem::Stemmer::new(frostem::Algorithm::English),
            gates: self.gates.as_deref(),
            cache: &mut self.cache,
        }
    }
}

/// The script a token is stemmed as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Script {
    Cyrillic,
    Latin,
    Other,
}

fn script_of(token: &str) -> Script {
    let mut latin = false;
    for c in token.chars() {
        if ('\u{0400}'..='\u{04FF}').contains(&c) {
            return Script::Cyrillic;
        }
        latin |= c.is_ascii_alphabetic();
    }
    if latin { Script::Latin } else { Script::Other }
}

impl<S: TokenStream> TokenStream for ScriptStemmerTokenStream<'_, S> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        if let Some(gates) = self.gates
            && !gates.iter().any(|g| token.text.starts_with(g.as_str()))
        {
            return true;
        }
        let stemmer = match script_of(&token.text) {
            Script::Cyrillic => &self.russian,
            Script::Latin => &self.english,
            Script::Other => return true,
        };
        let stems = &mut self.cache.stems;
        if let Some(stem) = stems.get(&token.text) {
            token.text.clear();
            token.text.push_str(stem);
            return true;
        }
        let stem = match stemmer.stem(&token.text) {
            Cow::Owned(stem) => stem,
            Cow::Borrowed(_) => token.text.clone(),
        };
        if stems.len() >= STEM_CACHE_WORDS {
            stems.clear();
        }
        stems.insert(std::mem::replace(&mut token.text, stem.clone()), stem);
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

#[cfg(test)]
mod tests {
    /// The word splitter as first written, char by char: the byte-wise fast path must split
    /// every text the same way.
    fn reference_words(text: &str) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut pos = 0;
        loop {
            let rest = &text[pos..];
            let mut iter = rest.char_indices();
            let Some((start, first)) = iter.by_ref().find(|(_, c)| c.is_alphanumeric()) else {
                return out;
            };
            let mut end = start + first.len_utf8();
            if !is_cjk_unigram(first) {
                for (i, c) in iter {
                    if is_word_char(c) && !is_cjk_unigram(c) {
                        end = i + c.len_utf8();
                    } else {
                        break;
                    }
                }
            }
            let (from, to) = (pos + start, pos + end);
            out.push((from, to));
            pos = to + possessive_len(&text[to..]);
        }
    }

    #[test]
    fn the_fast_word_splitter_splits_as_the_reference_does() {
        let texts = [
            include_str!("../../corpus/wcda-pages/000_2d287dbd93c7e576.txt"),
            include_str!("../../corpus/wcda-pages/001_6ac3a21e3d46086e.txt"),
            include_str!("../../corpus/wcda-json/transcript.json"),
            "Müller’s e\u{301}te Stalin's 周恩来 Чжоу Эньлай; ё-ё 1950-07 a\u{301}\u{301}b",
        ];
        for text in texts {
            let mut tokenizer = WordTokenizer::default();
            let mut stream = tokenizer.token_stream(text);
            let mut got = Vec::new();
            while let Some(t) = stream.next() {
                got.push((t.offset_from, t.offset_to));
            }
            assert_eq!(got, reference_words(text));
        }
    }

    use super::*;

    fn tokens(text: &str) -> Vec<String> {
        let mut analyzer = fonds_analyzer();
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while let Some(t) = stream.next() {
            out.push(t.text.clone());
        }
        out
    }

    #[test]
    fn russian_cases_share_a_stem() {
        let stems = tokens("Сталину Сталин Сталина Сталиным");
        assert_eq!(stems, ["сталин"; 4]);
    }

    #[test]
    fn english_plurals_share_a_stem() {
        assert_eq!(tokens("divisions division"), ["divis", "divis"]);
    }

    #[test]
    fn russian_names_in_the_dative_match_the_nominative() {
        assert_eq!(tokens("Чжоу Эньлаю"), ["чжо", "эньла"]);
        assert_eq!(tokens("Чжоу Эньлай"), ["чжо", "эньла"]);
    }

    #[test]
    fn case_and_yo_and_latin_diacritics_fold() {
        assert_eq!(tokens("Zhou"), tokens("zhou"));
        assert_eq!(tokens("Ёлкин Елкин"), ["елкин", "елкин"]);
        assert_eq!(tokens("Satō"), tokens("Sato"));
        assert_eq!(tokens("Sato"), ["sato"]);
        assert_eq!(tokens("Łódź Müller café"), ["lodz", "muller", "cafe"]);
        // Decomposed input (NFD) is one word and folds the same way.
        assert_eq!(tokens("cafe\u{301}"), ["cafe"]);
    }

    #[test]
    fn cyrillic_short_i_is_not_decomposed() {
        assert_eq!(tokens("Чайковский йод"), ["чайковск", "йод"]);
        assert_eq!(fold_keyword("Йошкар"), "йошкар");
        // A decomposed й (и + breve) is composed back, not stripped to и.
        assert_eq!(fold_keyword("и\u{306}од"), "йод");
        // Stress accents on Cyrillic vowels are dropped.
        assert_eq!(fold_keyword("замо\u{301}к"), "замок");
    }

    #[test]
    fn cjk_characters_are_single_tokens() {
        assert_eq!(tokens("毛泽东同志"), ["毛", "泽", "东", "同", "志"]);
        assert_eq!(tokens("東京タワー"), ["東", "京", "タ", "ワ", "ー"]);
        assert_eq!(tokens("Mao毛"), ["mao", "毛"]);
    }

    #[test]
    fn possessives_are_dropped_but_not_other_apostrophes() {
        assert_eq!(tokens("Stalin's Mao’s order"), ["stalin", "mao", "order"]);
        assert_eq!(tokens("O'Brien isn't"), ["o", "brien", "isn", "t"]);
    }

    #[test]
    fn long_tokens_are_dropped_and_numbers_kept() {
        let long = "a".repeat(MAX_TOKEN_BYTES + 1);
        assert_eq!(
            tokens(&format!("x {long} 38th 3355")),
            ["x", "38th", "3355"]
        );
        assert_eq!(tokens(&"b".repeat(MAX_TOKEN_BYTES)).len(), 1);
    }

    #[test]
    fn offsets_point_into_the_original_text() {
        let text = "Передайте Чжоу Энляю";
        let mut analyzer = fonds_analyzer();
        let mut stream = analyzer.token_stream(text);
        let mut spans = Vec::new();
        while let Some(t) = stream.next() {
            spans.push(&text[t.offset_from..t.offset_to]);
        }
        assert_eq!(spans, ["Передайте", "Чжоу", "Энляю"]);
    }

    #[test]
    fn highlighting_stems_only_words_that_can_match() {
        let text = "The divisions of the Division; Сталину, Сталиным; dying skies";
        let stems = tokens("division Сталин die sky");
        let mut full = fonds_analyzer();
        let mut gated = highlight_analyzer(&stems);
        let (mut a, mut b) = (full.token_stream(text), gated.token_stream(text));
        while let Some(t) = a.next() {
            let g = b.next().unwrap();
            assert_eq!(g.offset_from, t.offset_from);
            if stems.contains(&t.text) {
                assert_eq!(g.text, t.text);
            } else {
                assert!(!stems.contains(&g.text));
            }
        }
        assert!(b.next().is_none());
    }

    #[test]
    fn keyword_keeps_the_whole_value() {
        let mut analyzer = keyword_analyzer();
        let mut stream = analyzer.token_stream("Record of Conversation");
        assert_eq!(stream.next().unwrap().text, "record of conversation");
        assert!(stream.next().is_none());
    }
}
