//! Wilson Center Digital Archive document pages saved as text, in both of the site's layouts.
//!
//! A page is read as blocks of lines separated by blank lines (a line of only blanks, the
//! no-break space too, is blank). Both layouts open with the document's date and its title
//! (bold `**…**` in layout 1, possibly over two lines, which are joined); what follows differs:
//!
//! - **Layout 1** has labelled sections with colons: `Citation:`, `Summary:`,
//!   `Original Language:`, `Contents:`. The `Contents:` list ("Transcript - Russian",
//!   "Translation - English") is followed by the texts themselves, separated by `[...]`, in the
//!   list's order.
//! - **Layout 2** opens with "Skip to content"; the texts follow the title directly, the
//!   summary is the last paragraph before `Author(s):`, and after "Document Information" come
//!   fields labelled without colons: `Source`, `Rights`, `Original Uploaded Date`, `Type`,
//!   `Language`, `Record ID` (and the others the site shows, see `LABELS`).
//!
//! Where the page does not say which paragraphs belong to which text, they are split by
//! script: the transcript is the run up to the last non-Latin paragraph, the translation the
//! Latin run after it. Labels, "Skip to content", "Document Information", `[...]` and `**` are
//! page furniture and land in no field.
//!
//! Fields the page does not hold outright are derived by documented rules:
//! - the record id is the `Record ID` field, else the `/document/<id>` of the citation's URL;
//! - the type is the `Type` field, else inferred from the title's first phrase or the
//!   transcript's heading ("Cable", "Ciphered Telegram", "ШИФРТЕЛЕГРАММА" → "Telegram");
//! - when `Author(s)` is empty and the title reads "`<type>, <author> to <recipients>`", the
//!   author and the recipients (split at " and ") are taken from it as written; a trailing
//!   "(via …)" goes to `extra["transmitted_via"]`;
//! - translators are read from "Translated by …" in the citation or the source;
//! - a bracketed archival reference closing the transcript ("[РГАСПИ.ФН 558, …]") is moved
//!   from the body to the transcript's notes and parsed into the record's references;
//! - a classification marking ("Совершенно секретно", "Top Secret") heading a text is copied
//!   to `classification` (and kept in the text).
//!
//! Rules of the documents themselves ("=====" lines, distribution lists) are kept in the text.
//! No-break spaces become ordinary spaces; other spacing inside a line is kept as written.

use std::collections::BTreeMap;

use crate::model::{
    ArchivalRef, Note, PartialDate, Record, Source, Text, TextRole, detect_script_lang, iso639_1,
};

use super::{Diagnostic, IngestError, Parsed, utf8};

/// The publishing source's name, as recorded in [`Source::name`].
pub(super) const SOURCE_NAME: &str = "Wilson Center Digital Archive";

/// The site's address; a record's page is `{SITE}/document/{record id}`.
pub(super) const SITE: &str = "https://digitalarchive.wilsoncenter.org";

/// The field labels of both layouts (compared without case and without a trailing colon).
const LABELS: &[&str] = &[
    "Citation",
    "Summary",
    "Original Language",
    "Contents",
    "Author(s)",
    "Authors",
    "Source",
    "Rights",
    "Original Uploaded Date",
    "Type",
    "Language",
    "Languages",
    "Record ID",
    "Original Archive",
    "Original Classification",
    "Classification",
    "Donors",
    "Credits",
    "Subjects Discussed",
    "Associated People & Organizations",
    "Associated Places",
    "Associated Topics",
    "Document Contributors",
    "Collections",
    "Keywords",
    "Publisher",
    "Translator(s)",
    "Translators",
];

/// Classification markings, lowercase, without a final dot.
pub(super) const CLASSIFICATIONS: &[&str] = &[
    "совершенно секретно",
    "совершенно секретно (особая папка)",
    "строго секретно",
    "секретно",
    "top secret",
    "secret",
    "strictly secret",
    "confidential",
    "streng geheim",
    "geheim",
    "vertraulich",
    "绝密",
    "机密",
    "秘密",
    "極秘",
    "극비",
    "비밀",
];

/// Words naming a kind of document (lowercase), and the type recorded for them; the first
/// that occurs as a whole word wins.
const TYPE_WORDS: &[(&str, &str)] = &[
    ("ciphered telegram", "Telegram"),
    ("cipher telegram", "Telegram"),
    ("telegram", "Telegram"),
    ("cable", "Telegram"),
    ("шифртелеграмма", "Telegram"),
    ("телеграмма", "Telegram"),
    ("memorandum of conversation", "Memorandum of Conversation"),
    ("record of conversation", "Record of Conversation"),
    ("запись беседы", "Record of Conversation"),
    ("letter", "Letter"),
    ("письмо", "Letter"),
    ("memorandum", "Memorandum"),
    ("minutes", "Minutes"),
    ("report", "Report"),
    ("speech", "Speech"),
    ("diary", "Diary"),
];

/// Words opening a credit sentence after a source or citation ("Translated by …").
const CREDIT_WORDS: &[&str] = &[
    "contributed",
    "transcribed",
    "translated",
    "translation",
    "transcription",
    "obtained",
    "donated",
    "provided",
    "courtesy",
    "edited",
];

/// A paragraph of the page: its lines (trimmed, none blank) and the number of its first line.
struct Block {
    line: usize,
    lines: Vec<String>,
}

impl Block {
    /// The block with its line breaks.
    fn text(&self) -> String {
        self.lines.join("\n")
    }

    /// The block on one line.
    fn flat(&self) -> String {
        self.lines.join(" ")
    }

    /// The label this block is, if it is one line naming a field; whether it had a colon.
    fn label(&self) -> Option<(&'static str, bool)> {
        let [line] = self.lines.as_slice() else {
            return None;
        };
        let colon = line.ends_with(':');
        let name = line.trim_end_matches(':').trim();
        LABELS
            .iter()
            .find(|l| l.eq_ignore_ascii_case(name))
            .map(|l| (*l, colon))
    }

    fn is(&self, furniture: &str) -> bool {
        self.lines.len() == 1 && self.lines[0].eq_ignore_ascii_case(furniture)
    }

    fn is_separator(&self) -> bool {
        self.is("[...]") || self.is("[…]")
    }
}

/// A labelled field and the blocks of its value.
struct Section<'a> {
    label: &'static str,
    line: usize,
    blocks: Vec<&'a Block>,
}

impl Section<'_> {
    /// The value's paragraphs joined by blank lines.
    fn text(&self) -> String {
        Text::join_paragraphs(self.blocks.iter().map(|b| b.text()))
    }

    /// The value's lines, one item each.
    fn items(&self) -> Vec<String> {
        self.blocks
            .iter()
            .flat_map(|b| b.lines.iter().cloned())
            .collect()
    }
}

/// Reads one WCDA page into one record.
pub(super) fn parse(name: &str, bytes: &[u8]) -> Result<Parsed, IngestError> {
    let mut diagnostics = Vec::new();
    let text = utf8(name, bytes, &mut diagnostics)?;
    let mut blocks = blocks_of(text);
    // A date line directly above the title (no blank line between) is a block of its own.
    let start = usize::from(blocks.first().is_some_and(|b| b.is("Skip to content")));
    if let Some(b) = blocks.get_mut(start)
        && b.lines.len() > 1
        && whole_line_date(&b.lines[0]).is_some()
    {
        let rest = Block {
            line: b.line + 1,
            lines: b.lines.split_off(1),
        };
        blocks.insert(start + 1, rest);
    }
    let Some(first) = blocks.first() else {
        return Err(IngestError::malformed(
            name,
            "line 1",
            "the file is empty: no WCDA page to read",
        ));
    };
    let mut i = 0;
    if first.is("Skip to content") {
        i += 1;
    }

    // The date line, then the title.
    let mut date = None;
    if let Some(b) = blocks.get(i)
        && let Some(d) = whole_line_date(&b.flat())
    {
        date = Some(d);
        i += 1;
    }
    let (title, next) = title_at(name, &blocks, i)?;
    i = next;

    // The body (layout 2's texts), up to the first field.
    let mut body: Vec<&Block> = Vec::new();
    while let Some(b) = blocks.get(i) {
        if b.is("Document Information") || b.label().is_some_and(|(_, colon)| colon) {
            break;
        }
        body.push(b);
        i += 1;
    }

    // The fields; layout 1's texts follow the `Contents:` list.
    let mut sections: Vec<Section> = Vec::new();
    let mut contents: Vec<(Option<TextRole>, String)> = Vec::new();
    let mut texts_region: Vec<&Block> = Vec::new();
    while let Some(b) = blocks.get(i) {
        i += 1;
        if b.is("Document Information") || b.is("Skip to content") {
            continue;
        }
        if let Some((label, _)) = b.label() {
            sections.push(Section {
                label,
                line: b.line,
                blocks: Vec::new(),
            });
            if label == "Contents" {
                if let Some(list) = blocks.get(i).and_then(contents_list) {
                    contents = list;
                    i += 1;
                }
                while let Some(t) = blocks.get(i) {
                    if t.is("Document Information") || t.label().is_some_and(|(_, c)| c) {
                        break;
                    }
                    texts_region.push(t);
                    i += 1;
                }
            }
            continue;
        }
        match sections.last_mut() {
            Some(s) => s.blocks.push(b),
            None => body.push(b),
        }
    }
    let section = |label: &str| sections.iter().find(|s| s.label == label);

    let mut record = Record {
        title,
        date,
        ..Record::default()
    };
    let mut extra = BTreeMap::new();

    // Summary: its field, else (layout 2) the last paragraph before the fields.
    if let Some(s) = section("Summary") {
        record.summary = Some(s.text()).filter(|t| !t.is_empty());
    } else if body.len() > 1
        && !sections.is_empty()
        && body
            .last()
            .is_some_and(|b| detect_script_lang(&b.flat()) == Some("en"))
    {
        let b = body.pop().expect("body has a last block");
        record.summary = Some(b.text());
    }

    // Languages of the original.
    for label in ["Original Language", "Language", "Languages"] {
        if let Some(s) = section(label) {
            let (codes, unknown) = language_codes(&s.items().join("\n"));
            for code in codes {
                push_unique(&mut record.languages, code);
            }
            if !unknown.is_empty() {
                diagnostics.push(Diagnostic {
                    location: format!("line {}", s.line),
                    message: format!("unknown language name(s): {}", unknown.join(", ")),
                });
                extra.insert(snake(label), unknown.join("; "));
            }
        }
    }

    // Citation: kept without the angle brackets around its address.
    let mut translators = Vec::new();
    let mut citation_url = None;
    if let Some(s) = section("Citation") {
        let citation = unbracket_urls(&s.items().join(" "));
        citation_url = urls(&citation).into_iter().next();
        let mut plain = citation.clone();
        for url in urls(&citation) {
            plain = plain.replace(&url, "");
        }
        let after = plain
            .find("Digital Archive")
            .map_or(plain.as_str(), |p| &plain[p + "Digital Archive".len()..]);
        let (refs_part, credits, names) = split_credits(after.trim_start_matches([',', ' ']));
        record
            .archival_refs
            .extend(ArchivalRef::parse_all(refs_part));
        record.credits.extend(credits);
        translators.extend(names);
        record.citation = Some(citation);
    }

    // The fields of layout 2 (and any others).
    let mut original_archive = None;
    for s in &sections {
        let value = s.text();
        match s.label {
            "Citation" | "Summary" | "Contents" | "Original Language" | "Language"
            | "Languages" | "Record ID" => {}
            "Author(s)" | "Authors" => record.authors.extend(s.items()),
            "Source" => {
                let flat = s.items().join(" ");
                let (refs_part, credits, names) = split_credits(&flat);
                let refs = ArchivalRef::parse_all(refs_part);
                if refs.is_empty() && !refs_part.trim().is_empty() {
                    record.archival_refs.push(ArchivalRef {
                        raw: refs_part.trim().trim_end_matches('.').to_string(),
                        ..ArchivalRef::default()
                    });
                } else {
                    record.archival_refs.extend(refs);
                }
                record.credits.extend(credits);
                translators.extend(names);
            }
            "Rights" => record.rights = Some(value).filter(|v| !v.is_empty()),
            "Original Uploaded Date" => {
                record.source.uploaded = PartialDate::parse_text(&value)
                    .map(|d| d.to_string())
                    .or(Some(value).filter(|v| !v.is_empty()));
            }
            "Type" => record.doc_type = Some(value).filter(|v| !v.is_empty()),
            "Original Classification" | "Classification" => {
                record.classification = Some(value).filter(|v| !v.is_empty());
            }
            "Donors" | "Credits" => record.credits.extend(s.items()),
            "Subjects Discussed" | "Associated Topics" | "Keywords" => {
                record.subjects.extend(s.items())
            }
            "Associated Places" => record.places.extend(s.items()),
            "Associated People & Organizations" => record.people.extend(s.items()),
            "Collections" => {
                record.source.collection = Some(s.items().join("; ")).filter(|v| !v.is_empty())
            }
            "Translator(s)" | "Translators" => translators.extend(s.items()),
            "Original Archive" => {
                original_archive = Some(archive_abbreviation(&value)).filter(|v| !v.is_empty());
                if !value.is_empty() {
                    extra.insert("original_archive".to_string(), value);
                }
            }
            other => {
                if !value.is_empty() {
                    extra.insert(snake(other), value);
                }
            }
        }
    }
    if let Some(archive) = original_archive {
        for r in record
            .archival_refs
            .iter_mut()
            .filter(|r| r.archive.is_none())
        {
            r.archive = Some(archive.clone());
        }
    }

    // The record id and the page's address.
    let record_id = section("Record ID")
        .map(|s| s.text().trim().to_string())
        .filter(|v| !v.is_empty())
        .or_else(|| citation_url.as_deref().and_then(document_id))
        .or_else(|| document_id(text));
    let Some(record_id) = record_id else {
        return Err(IngestError::malformed(
            name,
            format!("line {}", first.line),
            "no WCDA record id: neither a `Record ID` field nor a /document/<id> address",
        ));
    };
    record.id = format!("wcda-{record_id}");
    record.source = Source {
        name: SOURCE_NAME.to_string(),
        url: Some(
            citation_url
                .filter(|u| document_id(u).is_some())
                .unwrap_or_else(|| format!("{SITE}/document/{record_id}")),
        ),
        record_id: Some(record_id),
        ..record.source
    };

    // The texts.
    let groups = if !texts_region.is_empty() {
        let chunks: Vec<Vec<&Block>> = texts_region
            .split(|b| b.is_separator())
            .map(|c| c.to_vec())
            .filter(|c| !c.is_empty())
            .collect();
        let entries: Vec<&(Option<TextRole>, String)> =
            contents.iter().filter(|(role, _)| role.is_some()).collect();
        if entries.len() == chunks.len() {
            entries
                .into_iter()
                .zip(chunks)
                .map(|((role, lang), blocks)| {
                    let lang = iso639_1(lang)
                        .or_else(|| detect_script_lang(&flat_all(&blocks)))
                        .unwrap_or("und");
                    (role.expect("filtered to texts"), lang, blocks)
                })
                .collect()
        } else {
            if !contents.is_empty() {
                diagnostics.push(Diagnostic {
                    location: format!("line {}", texts_region[0].line),
                    message: format!(
                        "the contents list names {} text(s) but the page holds {}; split by script",
                        entries.len(),
                        chunks.len()
                    ),
                });
            }
            let all: Vec<&Block> = chunks.into_iter().flatten().collect();
            split_by_script(&all, &record.languages)
        }
    } else {
        let blocks: Vec<&Block> = body.into_iter().filter(|b| !b.is_separator()).collect();
        split_by_script(&blocks, &record.languages)
    };
    let translators: Vec<String> = dedup(translators);
    for (role, lang, mut blocks) in groups {
        let mut notes = Vec::new();
        if role == TextRole::Transcript
            && let Some(last) = blocks.last()
        {
            let t = last.flat();
            // Only a bracketed block is looked at (parsing a whole body for references is slow).
            let refs = if t.starts_with('[') && t.ends_with(']') {
                ArchivalRef::parse_all(&t)
            } else {
                Vec::new()
            };
            if refs.iter().any(|r| r.archive.is_some()) {
                notes.push(Note {
                    n: String::new(),
                    body: t,
                });
                record.archival_refs.extend(refs);
                blocks.pop();
            }
        }
        if record.classification.is_none() {
            record.classification = blocks.iter().take(8).find_map(|b| {
                let t = b.flat();
                let key = t.trim_end_matches('.').to_lowercase();
                CLASSIFICATIONS.contains(&key.as_str()).then_some(t)
            });
        }
        let body = Text::join_paragraphs(blocks.iter().map(|b| b.text()));
        if body.is_empty() {
            continue;
        }
        record.texts.push(Text {
            role,
            lang: lang.to_string(),
            body,
            translators: if role == TextRole::Translation {
                translators.clone()
            } else {
                Vec::new()
            },
            notes,
        });
    }
    if record.languages.is_empty()
        && let Some(t) = record.text(TextRole::Transcript)
        && t.lang != "und"
    {
        record.languages.push(t.lang.clone());
    }

    // Type, authors and recipients by rule when the page does not give them.
    if record.doc_type.is_none() {
        record.doc_type = infer_type(&record);
    }
    if record.authors.is_empty()
        && let Some((authors, recipients, via)) = title_parties(&record.title)
    {
        record.authors = authors;
        record.recipients = recipients;
        if let Some(via) = via {
            extra.insert("transmitted_via".to_string(), via);
        }
    }
    if record.date.is_none() {
        diagnostics.push(Diagnostic {
            location: format!("line {}", first.line),
            message: "no date line before the title".to_string(),
        });
    }
    record.credits = dedup(std::mem::take(&mut record.credits));
    record.extra = extra;
    Ok(Parsed {
        records: vec![record],
        diagnostics,
        ..Parsed::default()
    })
}

/// The page's paragraphs: runs of non-blank lines, each line trimmed.
fn blocks_of(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut current: Option<Block> = None;
    for (n, line) in text.lines().enumerate() {
        let line = line.replace('\u{a0}', " ");
        let line = line.trim();
        if line.is_empty() {
            blocks.extend(current.take());
            continue;
        }
        current
            .get_or_insert_with(|| Block {
                line: n + 1,
                lines: Vec::new(),
            })
            .lines
            .push(line.to_string());
    }
    blocks.extend(current);
    blocks
}

/// The date, if the whole line is one date ("July 13, 1950").
fn whole_line_date(line: &str) -> Option<PartialDate> {
    let (date, range) = PartialDate::parse_text_all(line).into_iter().next()?;
    let rest = format!("{}{}", &line[..range.start], &line[range.end..]);
    rest.chars()
        .all(|c| !c.is_alphanumeric() || c == 'г')
        .then_some(date)
}

/// The title starting at block `i`: a bold `**…**` run of lines (joined with spaces), or the
/// block's lines. Returns it and the index of the block after it.
fn title_at(name: &str, blocks: &[Block], i: usize) -> Result<(String, usize), IngestError> {
    let no_title = |line: usize| {
        IngestError::malformed(
            name,
            format!("line {line}"),
            "no document title where the page has its title (after the date)",
        )
    };
    let Some(b) = blocks.get(i) else {
        let line = blocks.last().map_or(1, |b| b.line + b.lines.len());
        return Err(no_title(line));
    };
    if b.label().is_some() || b.is("Document Information") || b.is_separator() {
        return Err(no_title(b.line));
    }
    let mut lines = Vec::new();
    let mut j = i;
    if b.lines[0].starts_with("**") {
        'outer: while let Some(block) = blocks.get(j) {
            j += 1;
            for line in &block.lines {
                lines.push(line.as_str());
                if (lines.len() > 1 || line.len() > 2) && line.ends_with("**") {
                    break 'outer;
                }
            }
        }
    } else {
        lines.extend(b.lines.iter().map(String::as_str));
        j += 1;
    }
    let title = lines
        .join(" ")
        .trim()
        .trim_start_matches("**")
        .trim_end_matches("**")
        .trim()
        .to_string();
    if title.is_empty() {
        return Err(no_title(b.line));
    }
    Ok((title, j))
}

/// A `Contents:` list: every line "Transcript - Russian", "Translation - English",
/// "Original Scan - Russian"; the role (`None` for scans) and the language name.
fn contents_list(block: &Block) -> Option<Vec<(Option<TextRole>, String)>> {
    block
        .lines
        .iter()
        .map(|line| {
            let (kind, lang) = line
                .split_once(" - ")
                .or_else(|| line.split_once(" – "))
                .or_else(|| line.split_once(" — "))?;
            let kind = kind.trim().to_lowercase();
            let role = match kind.as_str() {
                "transcript" | "transcription" => Some(TextRole::Transcript),
                "translation" => Some(TextRole::Translation),
                k if k.contains("scan") || k.contains("original") || k.contains("audio") => None,
                _ => return None,
            };
            Some((role, lang.trim().to_string()))
        })
        .collect()
}

/// Splits texts by script: the transcript runs to the last non-Latin paragraph, the
/// translation is the Latin run after it. All-Latin text is one text in English: the
/// transcript if the original is English or unknown, else a translation.
fn split_by_script<'a>(
    blocks: &[&'a Block],
    languages: &[String],
) -> Vec<(TextRole, &'static str, Vec<&'a Block>)> {
    let scripts: Vec<Option<&str>> = blocks
        .iter()
        .map(|b| detect_script_lang(&b.flat()))
        .collect();
    let last_other = scripts.iter().rposition(|s| s.is_some_and(|s| s != "en"));
    match last_other {
        None if blocks.is_empty() => Vec::new(),
        None => {
            let original_en = languages.is_empty() || languages.iter().any(|l| l == "en");
            let role = if original_en {
                TextRole::Transcript
            } else {
                TextRole::Translation
            };
            vec![(role, "en", blocks.to_vec())]
        }
        Some(k) => {
            let (original, translation) = blocks.split_at(k + 1);
            let lang = detect_script_lang(&flat_all(original)).unwrap_or("und");
            let mut groups = vec![(TextRole::Transcript, lang, original.to_vec())];
            if !translation.is_empty() {
                groups.push((TextRole::Translation, "en", translation.to_vec()));
            }
            groups
        }
    }
}

fn flat_all(blocks: &[&Block]) -> String {
    blocks
        .iter()
        .map(|b| b.flat())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Splits a source or citation into its reference part and the credit sentences after it
/// ("Contributed, transcribed, and translated by Stephan Kieninger."), with the translators
/// those sentences name.
pub(super) fn split_credits(text: &str) -> (&str, Vec<String>, Vec<String>) {
    let lower = text.to_ascii_lowercase();
    // Where a sentence may start: the text's start, or after whitespace that follows a `.` or
    // `;` (the last character before it that is not whitespace). One pass, not a look back
    // from every position (which made a long run of blanks quadratic).
    let mut last_solid = None;
    let mut after_blank = false;
    let starts = text.char_indices().filter_map(move |(p, c)| {
        let candidate = p == 0 || (after_blank && matches!(last_solid, Some('.' | ';')));
        after_blank = c.is_whitespace();
        if !after_blank {
            last_solid = Some(c);
        }
        candidate.then_some(p)
    });
    let start = starts.into_iter().find(|&p| {
        CREDIT_WORDS.iter().any(|w| {
            lower[p..].starts_with(w)
                && !lower[p + w.len()..].starts_with(|c: char| c.is_ascii_alphabetic())
        })
    });
    let Some(start) = start else {
        return (text.trim(), Vec::new(), Vec::new());
    };
    let credits_text = text[start..].trim();
    let mut credits = Vec::new();
    let mut from = 0;
    for (i, _) in credits_text.match_indices(". ") {
        if credits_text[i + 2..].starts_with(char::is_uppercase) {
            credits.push(credits_text[from..=i].trim().to_string());
            from = i + 2;
        }
    }
    credits.push(credits_text[from..].trim().to_string());
    credits.retain(|c| !c.is_empty());
    let mut translators = Vec::new();
    for c in &credits {
        let lower = c.to_ascii_lowercase();
        if let Some(p) = lower.find("translated by ") {
            let names = c[p + "translated by ".len()..].trim().trim_end_matches('.');
            let names = names.split(" for ").next().unwrap_or(names);
            for n in names.split(", and ").flat_map(|s| s.split(" and ")) {
                for n in n.split(", ") {
                    let n = n.trim();
                    if !n.is_empty() {
                        translators.push(n.to_string());
                    }
                }
            }
        }
    }
    (text[..start].trim(), credits, translators)
}

/// ISO 639-1 codes of language names separated by commas, semicolons, lines or "and"; and the
/// names Fonds does not know.
pub(super) fn language_codes(names: &str) -> (Vec<String>, Vec<String>) {
    let mut codes = Vec::new();
    let mut unknown = Vec::new();
    for name in names
        .split([',', ';', '\n'])
        .flat_map(|s| s.split(" and "))
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        match iso639_1(name) {
            Some(code) => push_unique(&mut codes, code.to_string()),
            None => unknown.push(name.to_string()),
        }
    }
    (codes, unknown)
}

fn push_unique(list: &mut Vec<String>, item: String) {
    if !list.contains(&item) {
        list.push(item);
    }
}

/// The list without repeats, in first-seen order.
pub(super) fn dedup(list: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::with_capacity(list.len());
    list.into_iter()
        .filter(|item| seen.insert(item.clone()))
        .collect()
}

/// A label as an `extra` key: "Original Archive" → `original_archive`.
pub(super) fn snake(label: &str) -> String {
    let mut out = String::new();
    for c in label.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_end_matches('_').to_string()
}

/// An archive's abbreviation from its title, "German Federal Archives (BArch)" → "BArch"; the
/// whole title when it has none.
pub(super) fn archive_abbreviation(title: &str) -> String {
    let title = title.trim();
    if let Some(inner) = title.strip_suffix(')')
        && let Some(open) = inner.rfind('(')
    {
        let abbr = inner[open + 1..].trim();
        if !abbr.is_empty() && !abbr.contains(' ') {
            return abbr.to_string();
        }
    }
    title.to_string()
}

/// `<https://…>` → `https://…`.
fn unbracket_urls(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(p) = rest.find("<http") {
        let Some(end) = rest[p..].find('>') else {
            break;
        };
        out.push_str(&rest[..p]);
        out.push_str(&rest[p + 1..p + end]);
        rest = &rest[p + end + 1..];
    }
    out.push_str(rest);
    out
}

/// The web addresses in a text.
fn urls(text: &str) -> Vec<String> {
    text.split_whitespace()
        .filter(|w| w.starts_with("http://") || w.starts_with("https://"))
        .map(|w| w.trim_end_matches(['.', ',', ')', '>']).to_string())
        .collect()
}

/// The WCDA record id in a `/document/<digits>` address, anywhere in `text`.
fn document_id(text: &str) -> Option<String> {
    text.match_indices("/document/").find_map(|(p, m)| {
        let digits: String = text[p + m.len()..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        (!digits.is_empty()).then_some(digits)
    })
}

/// The document type named by the title's first phrase or the transcript's heading.
fn infer_type(record: &Record) -> Option<String> {
    let head = record.title.split(',').next().unwrap_or_default();
    let transcript_head: Vec<&str> = record
        .text(TextRole::Transcript)
        .map(|t| t.paragraphs().take(6).collect())
        .unwrap_or_default();
    std::iter::once(head)
        .chain(transcript_head)
        .find_map(type_word)
        .map(str::to_string)
}

/// The type named by a whole word (or phrase) in `text`.
fn type_word(text: &str) -> Option<&'static str> {
    let lower = text.to_lowercase();
    TYPE_WORDS.iter().find_map(|(word, ty)| {
        lower.match_indices(word).find_map(|(p, _)| {
            let before = lower[..p].chars().next_back();
            let after = lower[p + word.len()..].chars().next();
            (!before.is_some_and(char::is_alphabetic) && !after.is_some_and(char::is_alphabetic))
                .then_some(*ty)
        })
    })
}

/// Author, recipients and a "(via …)" from a title "<type>, <author> to <recipients>".
fn title_parties(title: &str) -> Option<(Vec<String>, Vec<String>, Option<String>)> {
    let (head, rest) = title.split_once(", ")?;
    type_word(head)?;
    let (from, to) = rest.split_once(" to ")?;
    let from = from.trim();
    if from.is_empty() || from.contains(',') || from.chars().count() > 60 {
        return None;
    }
    let mut to = to.trim();
    let mut via = None;
    if to.ends_with(')')
        && let Some(p) = to.rfind("(via ")
    {
        via = Some(to[p + 5..to.len() - 1].trim().to_string());
        to = to[..p].trim();
    }
    let recipients: Vec<String> = to
        .split(" and ")
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    Some((vec![from.to_string()], recipients, via))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credits_are_split_from_the_reference() {
        let (refs, credits, translators) = split_credits(
            "BArch, B 136/59748, 396-402. Contributed, transcribed, and translated by Stephan Kieninger.",
        );
        assert_eq!(refs, "BArch, B 136/59748, 396-402.");
        assert_eq!(
            credits,
            ["Contributed, transcribed, and translated by Stephan Kieninger."]
        );
        assert_eq!(translators, ["Stephan Kieninger"]);

        let (refs, credits, translators) = split_credits(
            "Diplomatic Archives of the Ministry of Foreign Affairs of Japan, File A’0392 (Microfilm). Contributed by Robert Hoppens and translated by Stephen Mercado.",
        );
        assert_eq!(
            refs,
            "Diplomatic Archives of the Ministry of Foreign Affairs of Japan, File A’0392 (Microfilm)."
        );
        assert_eq!(
            credits,
            ["Contributed by Robert Hoppens and translated by Stephen Mercado."]
        );
        assert_eq!(translators, ["Stephen Mercado"]);

        let (refs, credits, _) = split_credits("RGASPI, f. 558, op. 11, d. 334, ll.0085.");
        assert_eq!(refs, "RGASPI, f. 558, op. 11, d. 334, ll.0085.");
        assert!(credits.is_empty());
    }

    #[test]
    fn title_parties_follow_the_rule() {
        assert_eq!(
            title_parties("Cable No. 3355, Filippov [Stalin] to the Soviet Ambassador, Peking"),
            Some((
                vec!["Filippov [Stalin]".to_string()],
                vec!["the Soviet Ambassador, Peking".to_string()],
                None
            ))
        );
        assert_eq!(
            title_parties(
                "Ciphered Telegram, Filippov [Stalin] to Mao Zedong and Zhou Enlai (via Roshchin)"
            ),
            Some((
                vec!["Filippov [Stalin]".to_string()],
                vec!["Mao Zedong".to_string(), "Zhou Enlai".to_string()],
                Some("Roshchin".to_string())
            ))
        );
        assert_eq!(
            title_parties(
                "Statement of Nakajima Kenzo, Chairman of the Board, Opposing the Visit of Prime Minister Sato to the United States"
            ),
            None
        );
    }

    #[test]
    fn credit_sentences_are_found_in_one_pass() {
        // The rule as first written: a look back from every position.
        let slow = |text: &str| -> Vec<usize> {
            (0..text.len())
                .filter(|&p| {
                    text.is_char_boundary(p)
                        && (p == 0 || text[..p].trim_end().ends_with(['.', ';']))
                        && (p == 0 || text[..p].ends_with(char::is_whitespace))
                })
                .collect()
        };
        for text in [
            "BArch, B 136. Translated by X.",
            "A.  B; \u{a0}C .D;E. \n\tF",
            "",
            " . ;  ",
            "Ж. Щ;  ё",
        ] {
            let mut last_solid = None;
            let mut after_blank = false;
            let fast: Vec<usize> = text
                .char_indices()
                .filter_map(|(p, c)| {
                    let candidate =
                        p == 0 || (after_blank && matches!(last_solid, Some('.' | ';')));
                    after_blank = c.is_whitespace();
                    if !after_blank {
                        last_solid = Some(c);
                    }
                    candidate.then_some(p)
                })
                .collect();
            assert_eq!(fast, slow(text), "{text:?}");
        }
        let blanks = format!("RGASPI.{}Translated by X.", " ".repeat(200_000));
        assert_eq!(split_credits(&blanks).2, ["X"]);
    }

    #[test]
    fn types_are_inferred_from_whole_words() {
        assert_eq!(type_word("Cable No. 3355"), Some("Telegram"));
        assert_eq!(type_word("ШИФРТЕЛЕГРАММА No 3305"), Some("Telegram"));
        assert_eq!(type_word("Cablegram"), None);
    }

    #[test]
    fn malformed_pages_are_named() {
        let err = parse("p.txt", b"").unwrap_err().to_string();
        assert_eq!(
            err,
            "p.txt: line 1: the file is empty: no WCDA page to read"
        );
        let err = parse("p.txt", b" \n\xa0\n").unwrap_err().to_string();
        assert!(
            err.starts_with("p.txt: line 2, column 1: not valid UTF-8: the byte 0xA0"),
            "{err}"
        );
        let err = parse("p.txt", "July 13, 1950\n\nCitation:\n\nx\n".as_bytes())
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "p.txt: line 3: no document title where the page has its title (after the date)"
        );
        let err = parse(
            "p.txt",
            "July 13, 1950\n\n**A title**\n\nSummary:\n\nS.\n".as_bytes(),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("no WCDA record id"), "{err}");
    }

    #[test]
    fn layout_2_with_an_english_original_and_more_fields() {
        let page = "Skip to content\n\nApril 1, 1949\n\nLetter, Jawaharlal Nehru to All Provincial Premiers\n\n\
            Secret.\n\nMy dear premier,\n\nMy last letter to you was sent on the 9th March.\n\n\
            Nehru briefs the Provincial Premiers.\n\nAuthor(s):\n\nNehru, Jawaharlal\n\n\
            Document Information\n\nSource\n\nNehru Memorial Museum and Library, File No. JNSG, vol. 21-1.\n\n\
            Original Archive\n\nNehru Memorial Museum and Library (NMML)\n\n\
            Original Classification\n\nSecret\n\nSubjects Discussed\n\nIndia--Foreign relations--Pakistan\n\n\
            Associated Places\n\nIndia\nChina\n\nAssociated People & Organizations\n\nLiaquat Ali Khan\n\n\
            Type\n\nLetter\n\nLanguage\n\nEnglish\n\nRecord ID\n\n300653\n";
        let parsed = parse("nehru.txt", page.as_bytes()).unwrap();
        let r = &parsed.records[0];
        assert_eq!(r.id, "wcda-300653");
        assert_eq!(r.date.unwrap().to_string(), "1949-04-01");
        assert_eq!(
            r.summary.as_deref(),
            Some("Nehru briefs the Provincial Premiers.")
        );
        assert_eq!(r.authors, ["Nehru, Jawaharlal"]);
        assert!(r.recipients.is_empty());
        assert_eq!(r.languages, ["en"]);
        assert_eq!(r.texts.len(), 1);
        assert_eq!(
            (r.texts[0].role, r.texts[0].lang.as_str()),
            (TextRole::Transcript, "en")
        );
        assert_eq!(r.texts[0].paragraphs().count(), 3);
        assert_eq!(r.classification.as_deref(), Some("Secret"));
        assert_eq!(r.subjects, ["India--Foreign relations--Pakistan"]);
        assert_eq!(r.places, ["India", "China"]);
        assert_eq!(r.people, ["Liaquat Ali Khan"]);
        assert_eq!(r.doc_type.as_deref(), Some("Letter"));
        assert_eq!(r.archival_refs.len(), 1);
        assert_eq!(
            r.archival_refs[0].raw,
            "Nehru Memorial Museum and Library, File No. JNSG, vol. 21-1"
        );
        assert_eq!(r.archival_refs[0].archive.as_deref(), Some("NMML"));
        assert_eq!(r.extra.len(), 1, "{:?}", r.extra);
    }

    #[test]
    fn layout_1_with_a_scan_in_the_contents() {
        let page = "March 5, 1953\n**Memorandum, Someone to Someone Else**\n\nCitation:\n\n\
            \"Memorandum\", March 5, 1953, Wilson Center Digital Archive, GARF, f. 5446, op. 1, d. 2, l. 3. <https://digitalarchive.wilsoncenter.org/document/42>\n\n\
            Original Language:\n\nRussian\n\nContents:\n\nOriginal Scan - Russian\nTranslation - English\n\n\
            To Comrade Malenkov.\n\nText of the memorandum.\n";
        let parsed = parse("m.txt", page.as_bytes()).unwrap();
        let r = &parsed.records[0];
        assert_eq!(r.id, "wcda-42");
        assert_eq!(r.title, "Memorandum, Someone to Someone Else");
        assert_eq!(r.doc_type.as_deref(), Some("Memorandum"));
        assert_eq!(r.authors, ["Someone"]);
        assert_eq!(r.texts.len(), 1);
        assert_eq!(
            (r.texts[0].role, r.texts[0].lang.as_str()),
            (TextRole::Translation, "en")
        );
        assert_eq!(
            r.archival_refs[0].file_key().as_deref(),
            Some("GARF f. 5446, op. 1, d. 2")
        );
        assert_eq!(
            r.source.url.as_deref(),
            Some("https://digitalarchive.wilsoncenter.org/document/42")
        );
    }

    #[test]
    fn archive_abbreviations_come_from_titles() {
        assert_eq!(
            archive_abbreviation("German Federal Archives (BArch)"),
            "BArch"
        );
        assert_eq!(
            archive_abbreviation("Diplomatic Archives of the Ministry of Foreign Affairs of Japan"),
            "Diplomatic Archives of the Ministry of Foreign Affairs of Japan"
        );
    }

    #[test]
    fn labels_become_snake_case_keys() {
        assert_eq!(snake("Original Archive"), "original_archive");
        assert_eq!(
            snake("Associated People & Organizations"),
            "associated_people_organizations"
        );
    }
}
