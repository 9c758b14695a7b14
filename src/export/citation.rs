//! Chicago Manual of Style (17th ed.) citations of an archival document: the note and the bibliography entry.
//!
//! Both are plain text, as a historian would paste them. A document is cited by its title in
//! quotation marks, its date, where the archive keeps it, who translated it, and where it was
//! published: an archive's website ("…, Wilson Center Digital Archive, https://…") or a printed
//! collection of documents ("…, in Foreign Relations of the United States, 1894, …, doc. 1").
//!
//! | element | note | bibliography |
//! |---|---|---|
//! | authors | first, "A to R," only when the title does not already name them | first, always, without titles of address ("Mr. Motley" → "Motley") |
//! | title | `"Title,"` (no comma after a final `?` or `!`) | `"Title."` |
//! | no title | "A to R, telegram," / "Telegram to R," / "Untitled document," | "Telegram to R." / "Untitled document." |
//! | date | July 13, 1950 / July 1950 / 1950 / n.d. | the same, N.d. |
//! | archival references | "RGASPI, f. 558, op. 11, d. 334, l. 85; …", "file 724.3415/3603" | the same, "File 724.3415/3603" |
//! | translators | trans. A and B | Translated by A and B |
//! | printed collection | in Collection Title, doc. 1 | In Collection Title, doc. 1 |
//! | publisher, URL | Wilson Center Digital Archive, https://… | the same |
//!
//! Archival references of the Russian archives (f., op., d., l.) are written in the usual Latin
//! form from their parsed parts ("ll.0085" → "l. 85", "РГАСПИ.ФН 558, ОП. N 11" → "RGASPI,
//! f. 558, op. 11"), so that two spellings of one reference are cited once; any other reference,
//! or one whose raw text says more than its parts (a "por." or "papka"), is cited as written,
//! a bare State Department decimal file number labelled "file". Names written all in capitals
//! ("CONSUL LIVERPOOL") are printed in title case in both forms.

use crate::model::{ArchivalRef, DatePrecision, PartialDate, Record, TextRole};

/// The first-note form of a Chicago citation of `record`, plain text, ending in a period.
///
/// `url` is the record's page in this archive; the source's own page (`source.url`) is cited
/// instead when there is one, since the citation credits the publisher.
///
/// ```text
/// "Cable No. 3355, Filippov [Stalin] to the Soviet Ambassador, Peking," July 13, 1950, RGASPI,
/// f. 558, op. 11, d. 334, l. 85, trans. Gary Goldberg, Wilson Center Digital Archive,
/// https://…/document/134278.
/// ```
pub fn chicago_note(record: &Record, url: &str) -> String {
    let cite = Cite::of(record, url);
    let mut pieces = Vec::new();
    if !cite.title.is_empty() {
        let named =
            record.authors.is_empty() || record.authors.iter().all(|a| mentions(&cite.title, a));
        if !named {
            let recipients_named = record.recipients.iter().all(|r| mentions(&cite.title, r));
            pieces.push(Piece::Plain(lead(record, Names::Note, !recipients_named)));
        }
        pieces.push(Piece::Title(cite.title.clone()));
    } else if !names(&record.authors, Form::Note).is_empty() {
        // An untitled letter is cited by its correspondents: "Molotov to Stalin, …"; any other
        // kind of document is named after them: "Consul Liverpool, telegram, …" (CMOS 14.232).
        pieces.push(Piece::Plain(lead(record, Names::Note, true)));
        if let Some(kind) = note_kind(record) {
            pieces.push(Piece::Plain(kind));
        }
    } else {
        let description = untitled_description(record, Form::Note);
        pieces.push(Piece::Plain(description.unwrap_or_else(|| UNTITLED.into())));
    }
    pieces.push(Piece::Plain(
        cite.date.clone().unwrap_or_else(|| "n.d.".into()),
    ));
    cite.push_rest(&mut pieces, false);
    render(&pieces, ',')
}

/// The bibliography-entry form of a Chicago citation of `record`: the same elements as
/// [`chicago_note`], separated by periods, with the authors first when there are any.
///
/// ```text
/// Filippov [Stalin]. "Cable No. 3355, Filippov [Stalin] to the Soviet Ambassador, Peking."
/// July 13, 1950. RGASPI, f. 558, op. 11, d. 334, l. 85. Translated by Gary Goldberg. Wilson
/// Center Digital Archive. https://…/document/134278.
/// ```
pub fn chicago_bibliography(record: &Record, url: &str) -> String {
    let cite = Cite::of(record, url);
    let mut pieces = Vec::new();
    let authors = names(&record.authors, Form::Bibliography);
    if !authors.is_empty() {
        pieces.push(Piece::Plain(join_names(&authors, Names::Bibliography)));
    }
    if !cite.title.is_empty() {
        pieces.push(Piece::Title(cite.title.clone()));
    } else {
        let description = untitled_description(record, Form::Bibliography);
        pieces.push(Piece::Plain(description.unwrap_or_else(|| UNTITLED.into())));
    }
    pieces.push(Piece::Plain(
        cite.date.clone().unwrap_or_else(|| "N.d.".into()),
    ));
    cite.push_rest(&mut pieces, true);
    render(&pieces, '.')
}

/// What both forms cite, cleaned for print.
struct Cite {
    /// The title as cited: whitespace collapsed, inner double quotes made single, a FRUS
    /// "No. 1." prefix that repeats the document number dropped, a closing period dropped;
    /// empty when there is none or it only stands for a missing one ("[Untitled]", or the
    /// importer's "Document 7").
    title: String,
    /// The date written out, when there is one.
    date: Option<String>,
    /// The archival references, in citation form, each once; a bare State Department decimal
    /// file number labelled "file 724.3415/3603".
    archival: Vec<String>,
    /// The translators of the translations, each once.
    translators: Vec<String>,
    /// The printed collection and the document's number in it ("1", "12, enclosure 1").
    published: Option<(String, String)>,
    /// A collection that is not a printed one (no document numbers), when it is not the
    /// publisher itself.
    collection: Option<String>,
    /// The publisher, unless the printed collection's title already names it.
    publisher: Option<String>,
    /// The URL cited.
    url: Option<String>,
}

impl Cite {
    fn of(record: &Record, url: &str) -> Cite {
        let doc = doc_number(record);
        let collection = record
            .source
            .collection
            .as_deref()
            .map(clean)
            .filter(|c| !c.is_empty());
        let publisher = Some(clean(&record.source.name)).filter(|p| !p.is_empty());
        let (published, collection) = match (collection, &doc) {
            (Some(c), Some(n)) => (Some((c, n.clone())), None),
            (Some(c), None) => {
                let same = publisher
                    .as_deref()
                    .is_some_and(|p| p.eq_ignore_ascii_case(&c));
                (None, (!same).then_some(c))
            }
            (None, _) => (None, None),
        };
        let publisher = publisher.filter(|p| {
            published
                .as_ref()
                .is_none_or(|(c, _)| !c.to_lowercase().contains(&p.to_lowercase()))
        });
        let url = [record.source.url.as_deref().unwrap_or(""), url]
            .into_iter()
            .map(str::trim)
            .find(|u| !u.is_empty())
            .map(str::to_string);
        let title = if is_placeholder_title(record, doc.as_deref()) {
            String::new()
        } else {
            cite_title(&record.title, doc.as_deref())
        };
        let archival = archival_forms(&record.archival_refs)
            .into_iter()
            .map(|form| {
                if is_decimal_file_number(&form) {
                    format!("file {form}")
                } else {
                    form
                }
            })
            .collect();
        Cite {
            title,
            date: record.date.as_ref().map(long_date),
            archival,
            translators: translators(record),
            published,
            collection,
            publisher,
            url,
        }
    }

    /// Everything after the date, in order.
    fn push_rest(&self, pieces: &mut Vec<Piece>, bibliography: bool) {
        if !self.archival.is_empty() {
            let mut archival = self.archival.join("; ");
            // A bibliography's element begins a sentence: "… 1934. File 724.3415/3603. In …".
            if bibliography && archival.starts_with("file ") {
                archival.replace_range(..1, "F");
            }
            pieces.push(Piece::Plain(archival));
        }
        if !self.translators.is_empty() {
            let by = if bibliography {
                "Translated by"
            } else {
                "trans."
            };
            let names = join_names(&self.translators, Names::All);
            pieces.push(Piece::Plain(format!("{by} {names}")));
        }
        if let Some((collection, doc)) = &self.published {
            let word = if bibliography { "In" } else { "in" };
            pieces.push(Piece::Plain(format!("{word} {collection}, doc. {doc}")));
        }
        if let Some(collection) = &self.collection {
            pieces.push(Piece::Plain(collection.clone()));
        }
        if let Some(publisher) = &self.publisher {
            pieces.push(Piece::Plain(publisher.clone()));
        }
        if let Some(url) = &self.url {
            pieces.push(Piece::Plain(url.clone()));
        }
    }
}

/// One element of a citation.
enum Piece {
    /// Printed as it is.
    Plain(String),
    /// Printed in double quotation marks, the separator inside them.
    Title(String),
}

/// Joins the pieces with `sep` (`,` in a note, `.` in a bibliography) and a space, and ends
/// the whole with a period, never doubling a mark: a piece ending in `?` or `!` takes no
/// separator, one ending in `.` takes no period.
fn render(pieces: &[Piece], sep: char) -> String {
    let pieces: Vec<&Piece> = pieces
        .iter()
        .filter(|p| match p {
            Piece::Plain(t) | Piece::Title(t) => !t.trim().is_empty(),
        })
        .collect();
    let mut out = String::new();
    for (i, piece) in pieces.iter().enumerate() {
        let mark = if i + 1 == pieces.len() { '.' } else { sep };
        if i > 0 {
            out.push(' ');
        }
        match piece {
            Piece::Plain(text) => out.push_str(&punctuate(text, mark)),
            Piece::Title(text) => {
                out.push('"');
                out.push_str(&punctuate(text, mark));
                out.push('"');
            }
        }
    }
    out
}

/// `text` followed by `mark`, the American way: inside a closing single quotation mark, left
/// out after `?` or `!`, and a period left out after a period.
fn punctuate(text: &str, mark: char) -> String {
    let body = text.trim_end_matches(['\'', '’']);
    let quotes = &text[body.len()..];
    let last = body.chars().last();
    let add = match last {
        None => false,
        Some('?' | '!') => false,
        Some('.' | '…') => mark != '.',
        Some(_) => true,
    };
    let mut out = body.to_string();
    if add {
        out.push(mark);
    }
    out.push_str(quotes);
    out
}

/// How many names a list prints (Chicago 14.76).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Names {
    /// In a note: up to three; four or more are the first "et al.".
    Note,
    /// In a bibliography: up to ten; more are the first seven "et al.".
    Bibliography,
    /// Every name (translators).
    All,
}

/// "A", "A and B", "A, B, and C", shortened with "et al." as `style` says.
fn join_names(names: &[String], style: Names) -> String {
    let shown = match style {
        Names::Note if names.len() >= 4 => Some(1),
        Names::Bibliography if names.len() > 10 => Some(7),
        _ => None,
    };
    if let Some(n) = shown {
        let sep = if n == 1 { " " } else { ", " };
        return format!("{}{sep}et al.", names[..n].join(", "));
    }
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [a, b] => format!("{a} and {b}"),
        [init @ .., last] => format!("{}, and {last}", init.join(", ")),
    }
}

/// The authors (as a note shows them), and " to " the recipients when `with_recipients`.
fn lead(record: &Record, style: Names, with_recipients: bool) -> String {
    let mut lead = join_names(&names(&record.authors, Form::Note), style);
    let recipients = names(&record.recipients, Form::Note);
    if with_recipients && !recipients.is_empty() {
        lead.push_str(" to ");
        lead.push_str(&join_names(&recipients, style));
    }
    lead
}

/// What a citation gives for a document with neither a title nor anything that describes it
/// (a type, recipients, authors): a descriptive phrase, capitalized and not quoted, as Chicago
/// gives a generic title (CMOS 14.221), rather than a bare "n.d.".
const UNTITLED: &str = "Untitled document";

/// The kind of an untitled document with authors, as a note names it after them: "telegram",
/// "memorandum"; none for a letter, which a note leaves understood (CMOS 14.232).
fn note_kind(record: &Record) -> Option<String> {
    let kind = clean(record.doc_type.as_deref().unwrap_or_default());
    if kind.is_empty() || kind.eq_ignore_ascii_case("letter") {
        return None;
    }
    // Lowercase a generic term, keeping acronyms and proper names past its first word as
    // written: "Record of Conversation" → "record of conversation", "TASS Report" kept.
    let words: Vec<String> = kind
        .split(' ')
        .map(|w| {
            let mut chars = w.chars();
            let first_upper = chars.next().is_some_and(char::is_uppercase);
            if first_upper && chars.all(|c| !c.is_uppercase()) {
                w.to_lowercase()
            } else {
                w.to_string()
            }
        })
        .collect();
    Some(words.join(" "))
}

/// What stands for a missing title: the document's type and its recipients ("Telegram to Mao
/// Zedong", "To Mao Zedong", "Telegram"), or nothing.
fn untitled_description(record: &Record, form: Form) -> Option<String> {
    let kind = record.doc_type.as_deref().map(clean).unwrap_or_default();
    let to = join_names(&names(&record.recipients, form), Names::Note);
    match (kind.is_empty(), to.is_empty()) {
        (true, true) => None,
        (false, true) => Some(kind),
        (true, false) => Some(format!("To {to}")),
        (false, false) => Some(format!("{kind} to {to}")),
    }
}

/// Whether `name` appears in `title` as whole words, ignoring case.
fn mentions(title: &str, name: &str) -> bool {
    let name = clean(name).to_lowercase();
    if name.is_empty() {
        return true;
    }
    let title = title.to_lowercase();
    title.match_indices(&name).any(|(at, _)| {
        let before = title[..at].chars().next_back();
        let after = title[at + name.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// Abbreviations whose period stays at the end of a title.
const ABBREVIATIONS: &[&str] = &[
    "mr.", "mrs.", "ms.", "dr.", "st.", "jr.", "sr.", "no.", "nos.", "co.", "inc.", "ltd.", "etc.",
    "esq.", "gen.", "col.", "capt.", "lt.", "adm.", "gov.", "sen.", "rep.", "hon.", "rev.",
    "prof.", "vol.", "al.",
];

/// The title as a citation prints it (see [`Cite::title`]).
fn cite_title(title: &str, doc: Option<&str>) -> String {
    let mut title = clean(title)
        .replace('"', "'")
        .replace('“', "‘")
        .replace('”', "’");
    // FRUS heads repeat the document number the citation gives: "No. 1. Mr. Seat to …".
    if let Some(n) = doc.and_then(|d| d.split(',').next()) {
        let prefix = format!("No. {n}. ");
        if title.starts_with(&prefix) && title.len() > prefix.len() {
            title.drain(..prefix.len());
        }
    }
    if title.ends_with('.') && !title.ends_with("..") {
        let last_word = title.rsplit(' ').next().unwrap_or("").to_lowercase();
        let inner_dot = last_word[..last_word.len() - 1].contains('.');
        if !inner_dot && !ABBREVIATIONS.contains(&last_word.as_str()) {
            title.pop();
        }
    }
    title
}

/// Whether the record's title only stands for a missing one: a head that says so
/// ("[Untitled]") or the number a FRUS importer names an untitled document by ("Document 7").
fn is_placeholder_title(record: &Record, doc: Option<&str>) -> bool {
    let title = clean(&record.title);
    let bare = title.trim_start_matches('[').trim_end_matches(['.', ']']);
    if bare.eq_ignore_ascii_case("untitled") || bare.eq_ignore_ascii_case("no title") {
        return true;
    }
    let Some(n) = title.strip_prefix("Document ") else {
        return false;
    };
    let doc = doc.and_then(|d| d.split(',').next());
    let source_id = record.source.record_id.as_deref();
    doc == Some(n)
        || source_id == Some(n)
        || source_id.and_then(|id| id.strip_prefix('d')) == Some(n)
}

/// The document's number in a printed collection, from the source's record id (`d12`) or the
/// record id (`frus1894Nicaragua-d12`), with the enclosures the id names
/// (`frus1861-d3-enc1` → `3, enclosure 1`).
fn doc_number(record: &Record) -> Option<String> {
    fn number(s: &str) -> Option<&str> {
        let n = s.strip_prefix('d')?;
        (!n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())).then_some(n)
    }
    let segments: Vec<&str> = record.id.split('-').collect();
    let at = segments.iter().rposition(|s| number(s).is_some());
    let from_id = at.map(|at| (number(segments[at]).unwrap_or(""), &segments[at + 1..]));
    let from_source = record.source.record_id.as_deref().and_then(number);
    let (n, rest): (&str, &[&str]) = match (from_id, from_source) {
        (Some((n, rest)), _) => (n, rest),
        (None, Some(n)) => (n, &[]),
        (None, None) => return None,
    };
    let mut out = n.to_string();
    for segment in rest {
        match segment.strip_prefix("enc") {
            Some(k) if !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit()) => {
                out.push_str(", enclosure ");
                out.push_str(k);
            }
            // Not a document number after all ("-d12-notes"): cite no number.
            _ => return None,
        }
    }
    Some(out)
}

/// A date written out to its precision: "July 13, 1950", "July 1950", "1950".
fn long_date(date: &PartialDate) -> String {
    let month = date.month_name();
    match (date.precision(), month, date.day) {
        (DatePrecision::Day, Some(month), Some(day)) => format!("{month} {day}, {}", date.year),
        (DatePrecision::Day | DatePrecision::Month, Some(month), _) => {
            format!("{month} {}", date.year)
        }
        _ => date.year.to_string(),
    }
}

/// Archives whose references are written fond, opis, delo, list (f., op., d., l.).
const RUSSIAN_ARCHIVES: &[&str] = &[
    "RGASPI", "APRF", "AVPRF", "GARF", "RGANI", "TsAMO", "RGVA", "RGAE",
];

/// The words a Russian reference introduces its parts with (lowercase, no dot), and the
/// number signs in "Д N 334".
const PART_WORDS: &[&str] = &[
    "f",
    "fond",
    "fonds",
    "ф",
    "фн",
    "фонд",
    "op",
    "opis",
    "оп",
    "опись",
    "d",
    "delo",
    "дело",
    "д",
    "file",
    "l",
    "ll",
    "list",
    "listy",
    "л",
    "лл",
    "лист",
    "листы",
    "p",
    "pp",
    "page",
    "pages",
    "folio",
    "folios",
    "ff",
    "n",
    "no",
    "nr",
];

/// The references in citation form (see the module doc), each once, in the record's order.
pub(crate) fn archival_forms(refs: &[ArchivalRef]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in refs {
        let form = russian_form(r).unwrap_or_else(|| clean(&r.raw));
        if !form.is_empty() && !out.contains(&form) {
            out.push(form);
        }
    }
    out
}

/// "RGASPI, f. 558, op. 11, d. 334, l. 85" from the parsed parts, when the archive writes its
/// references so and the raw text holds nothing the parts leave out.
fn russian_form(r: &ArchivalRef) -> Option<String> {
    let archive = r.archive.as_deref()?;
    let (fond, delo) = (r.fond.as_deref()?, r.delo.as_deref()?);
    if !RUSSIAN_ARCHIVES.contains(&archive) || !raw_is_covered(r) {
        return None;
    }
    let mut out = format!("{archive}, f. {fond}");
    if let Some(opis) = &r.opis {
        out.push_str(&format!(", op. {opis}"));
    }
    out.push_str(&format!(", d. {delo}"));
    if let Some(folios) = r.folios.as_deref().filter(|f| !f.is_empty()) {
        let several = folios.contains(['-', '–', ',', ' ']);
        let label = if several { "ll." } else { "l." };
        out.push_str(&format!(", {label} {}", folios.replace('-', "–")));
    }
    Some(out)
}

/// Whether every word of the raw reference after the archive's name is a part word or a value
/// of a parsed part: nothing ("por. 18", "papka 235", "copy") would be lost by rewriting it.
fn raw_is_covered(r: &ArchivalRef) -> bool {
    let tokens = |s: &str| -> Vec<String> {
        s.split(|c: char| !c.is_alphanumeric())
            .filter(|t| !t.is_empty())
            .map(|t| {
                let t = t.to_lowercase();
                if t.bytes().all(|b| b.is_ascii_digit()) {
                    let trimmed = t.trim_start_matches('0');
                    if trimmed.is_empty() { "0" } else { trimmed }.to_string()
                } else {
                    t
                }
            })
            .collect()
    };
    let values: Vec<String> = [&r.fond, &r.opis, &r.delo, &r.folios]
        .into_iter()
        .flatten()
        .flat_map(|v| tokens(v))
        .collect();
    let raw = tokens(&r.raw);
    // The archive's name is everything before the first part word.
    let Some(start) = raw.iter().position(|t| PART_WORDS.contains(&t.as_str())) else {
        return false;
    };
    raw[start..]
        .iter()
        .all(|t| PART_WORDS.contains(&t.as_str()) || values.contains(t))
}

/// The translators of the record's translations, each once, in order.
pub(crate) fn translators(record: &Record) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for text in record
        .texts
        .iter()
        .filter(|t| t.role == TextRole::Translation)
    {
        for name in &text.translators {
            let name = clean(name);
            if !name.is_empty() && !out.contains(&name) {
                out.push(name);
            }
        }
    }
    out
}

/// Whether an archival reference is a bare State Department decimal file number
/// ("724.3415/3603", "893.00 P.R. Tsinan/12", "500.A15a3/744", "123 G 861/178"): a three-digit
/// class, a subject after a dot, a letter or a space, a slash and the item, with no archive's
/// name or label ("File No.", "RGASPI, f. 558") before it.
fn is_decimal_file_number(form: &str) -> bool {
    let Some((class, item)) = form.split_once('/') else {
        return false;
    };
    let digits = class.bytes().take_while(u8::is_ascii_digit).count();
    let after = class[digits..].chars().next();
    let item = item.trim_start();
    digits == 3
        && after.is_none_or(|c| c == '.' || c == ' ' || c.is_ascii_alphabetic())
        && !class.contains(';')
        && item.starts_with(|c: char| c.is_alphanumeric() || matches!(c, '-' | '–' | '—'))
}

/// How a name is written: in a note as written, in a bibliography without the title of
/// address it opens with.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Form {
    Note,
    Bibliography,
}

/// Titles of address and rank a bibliography leaves out before a name (lowercase, no dot):
/// English, French, Spanish and Portuguese, Italian, German, Russian (transliterated), and the
/// common military and courtesy titles. Titles that are themselves how a person is known
/// ("Prince Kung", "Duke de Loulé") are not among them.
const HONORIFICS: &[&str] = &[
    "mr",
    "mrs",
    "ms",
    "miss",
    "messrs",
    "m",
    "mm",
    "mme",
    "mlle",
    "monsieur",
    "madame",
    "mademoiselle",
    "señor",
    "senor",
    "señora",
    "senora",
    "señorita",
    "sr",
    "sra",
    "srta",
    "senhor",
    "senhora",
    "signor",
    "signora",
    "herr",
    "frau",
    "baron",
    "baroness",
    "count",
    "countess",
    "sir",
    "lord",
    "lady",
    "gen",
    "general",
    "adm",
    "admiral",
    "col",
    "colonel",
    "capt",
    "captain",
    "dr",
    "hon",
    "honorable",
    "honourable",
    "tov",
    "cde",
    "comrade",
    "tovarishch",
];

/// Words a title of address is followed by only in a name: "Don" after "Señor".
const AFTER_HONORIFIC: &[&str] = &["don", "doña", "dona", "dom"];

/// Words after which a "title" is a part of an office or body, not of a name: "General
/// Assembly", "Lord High Commissioners".
const NOT_A_NAME: &[&str] = &[
    "assembly",
    "council",
    "commission",
    "commissioners",
    "committee",
    "staff",
    "court",
    "board",
    "headquarters",
    "high",
    "of",
];

/// The name split into the titles of address it opens with and the rest ("Señor Don",
/// "A. Covarrubias"); the titles are empty when there are none or nothing would be left.
fn split_honorifics(name: &str) -> (&str, &str) {
    let words: Vec<&str> = name.split(' ').collect();
    let key = |w: &str| w.trim_end_matches('.').to_lowercase();
    let mut n = 0;
    while n < words.len() {
        let word = words[n];
        let k = key(word);
        let two =
            (k == "his" || k == "her") && words.get(n + 1).is_some_and(|w| key(w) == "excellency");
        let take = if two {
            2
        } else if HONORIFICS.contains(&k.as_str())
            || (n > 0 && AFTER_HONORIFIC.contains(&k.as_str()))
        {
            // "M." is Monsieur before a name but an initial before another ("M. D. Ross").
            let initial = |w: &str| w.trim_end_matches('.').chars().count() == 1;
            if k.chars().count() == 1
                && (!word.ends_with('.') || words.get(n + 1).is_some_and(|w| initial(w)))
            {
                break;
            }
            1
        } else {
            break;
        };
        let Some(next) = words.get(n + take) else {
            break;
        };
        if NOT_A_NAME.contains(&key(next).as_str()) {
            break;
        }
        n += take;
    }
    let at: usize = words[..n].iter().map(|w| w.len() + 1).sum();
    if n == 0 || at >= name.len() {
        return ("", name);
    }
    (&name[..at - 1], &name[at..])
}

/// The names as `form` writes them, each [`clean`]ed, a name written all in capitals in
/// title case ([`title_case`]), the empty ones left out; in a bibliography without the titles
/// of address they open with ("Mr. Stoeckl" → "Stoeckl", "Filippov [Stalin]" kept).
fn names(names: &[String], form: Form) -> Vec<String> {
    names
        .iter()
        .map(|name| {
            let name = clean(name);
            let (titles, rest) = split_honorifics(&name);
            let unshout = |s: &str| {
                if is_shouting(s) {
                    title_case(s)
                } else {
                    s.to_string()
                }
            };
            match (form, titles.is_empty()) {
                (Form::Bibliography, _) | (Form::Note, true) => unshout(rest),
                (Form::Note, false) => format!("{} {}", unshout(titles), unshout(rest)),
            }
        })
        .filter(|n| !n.is_empty())
        .collect()
}

/// Whether `text` is written all in capitals: it has capital letters and no small ones.
fn is_shouting(text: &str) -> bool {
    text.chars().any(char::is_uppercase) && !text.chars().any(char::is_lowercase)
}

/// Acronyms an all-capitals name keeps as they are.
const ACRONYMS: &[&str] = &[
    "US", "USA", "UK", "UN", "UNO", "USSR", "NATO", "SEATO", "CENTO", "UNESCO", "UNRRA", "CPSU",
    "CCP", "PRC", "GDR", "FRG", "SED", "KGB", "CIA", "FBI", "NKVD", "OGPU", "MGB", "MFA", "KMT",
    "ROK", "DPRK", "UAR", "OAS", "OSS", "ANC", "PLO", "DRV", "NLF", "FAO", "ILO", "IMF", "GATT",
    "OEEC", "OECD", "EEC", "SPD", "CDU", "CSU", "KPD", "PCF", "PCI", "TASS",
];

/// The particles of a name, small inside it ("José de la Zendifa", "Drouyn de l’Huys").
const PARTICLES: &[&str] = &[
    "de", "del", "della", "der", "den", "di", "du", "des", "da", "do", "dos", "das", "van", "von",
    "zu", "y", "e", "of", "the", "and",
];

/// An all-capitals name in title case: "CONSUL LIVERPOOL" → "Consul Liverpool", "L. S.
/// SACKVILLE–WEST" → "L. S. Sackville–West", "JOSÉ DE LA ZENDIFA" → "José de la Zendifa".
/// Initials, abbreviations with inner dots ("U.S."), acronyms ("USSR", and short words without
/// vowels: "GDR") and Roman numerals ("II") are kept.
fn title_case(name: &str) -> String {
    let words: Vec<&str> = name.split(' ').collect();
    let mut out: Vec<String> = Vec::with_capacity(words.len());
    for (i, word) in words.iter().enumerate() {
        let core = word.trim_matches(|c: char| !c.is_alphanumeric());
        let letters = core.chars().filter(|c| c.is_alphabetic()).count();
        let inner_dot = core.contains('.');
        let vowelless = !core
            .chars()
            .any(|c| "AEIOUYÀÁÂÃÄÅÈÉÊËÌÍÎÏÒÓÔÕÖÙÚÛÜ".contains(c));
        let roman = (2..=4).contains(&letters) && core.chars().all(|c| "IVX".contains(c));
        if letters <= 1
            || inner_dot
            || roman
            || ACRONYMS.contains(&core)
            || (vowelless && letters <= 5 && !word.ends_with('.'))
        {
            out.push(word.to_string());
            continue;
        }
        let lower = word.to_lowercase();
        let after_particle = i > 0 && PARTICLES.contains(&words[i - 1].to_lowercase().as_str());
        let is_particle = PARTICLES.contains(&lower.as_str())
            || (after_particle && ["la", "le", "les", "los", "las"].contains(&lower.as_str()));
        if i > 0 && is_particle {
            out.push(lower);
            continue;
        }
        out.push(capitalize_parts(&lower));
    }
    out.join(" ")
}

/// A lowercase word with its first letter capitalized, and the first letter after a hyphen or
/// dash, and after an apostrophe that follows one letter ("o’brien" → "O’Brien", but
/// "fred’k" → "Fred’k").
fn capitalize_parts(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    let mut start = true;
    let mut letters_in_part = 0;
    for c in word.chars() {
        if start && c.is_alphabetic() {
            out.extend(c.to_uppercase());
            start = false;
            letters_in_part = 1;
            continue;
        }
        out.push(c);
        if matches!(c, '-' | '–' | '—') {
            start = true;
        } else if matches!(c, '\'' | '’') {
            start = letters_in_part == 1;
        } else if c.is_alphabetic() {
            letters_in_part += 1;
        }
    }
    out
}

/// Text with its runs of whitespace (line breaks included) made one space, trimmed.
pub(crate) fn clean(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::corpus;

    const PAGE: &str = "https://fonds.example/documents/x";

    #[test]
    fn wcda_telegram_note_matches_the_archive_form() {
        let r = corpus::record("wcda-134278");
        assert_eq!(
            chicago_note(&r, PAGE),
            "\"Cable No. 3355, Filippov [Stalin] to the Soviet Ambassador, Peking,\" July 13, 1950, \
             RGASPI, f. 558, op. 11, d. 334, l. 85, trans. Gary Goldberg, Wilson Center Digital \
             Archive, https://wilson-center-digital-archive.dvincitest.com/document/134278."
        );
    }

    #[test]
    fn wcda_telegram_bibliography_puts_the_author_first() {
        let r = corpus::record("wcda-134278");
        assert_eq!(
            chicago_bibliography(&r, PAGE),
            "Filippov [Stalin]. \"Cable No. 3355, Filippov [Stalin] to the Soviet Ambassador, \
             Peking.\" July 13, 1950. RGASPI, f. 558, op. 11, d. 334, l. 85. Translated by Gary \
             Goldberg. Wilson Center Digital Archive. \
             https://wilson-center-digital-archive.dvincitest.com/document/134278."
        );
    }

    #[test]
    fn two_archives_are_both_cited() {
        let r = corpus::record("wcda-113729");
        let note = chicago_note(&r, PAGE);
        assert!(
            note.contains(
                "APRF, f. 45, op. 1, d. 334, ll. 99–103; RGASPI, f. 558, op. 11, d. 334, ll. 97–98,"
            ),
            "{note}"
        );
        assert!(note.starts_with("\"Ciphered Telegram, Filippov [Stalin] to Mao Zedong and Zhou Enlai (via Roshchin),\" October 1, 1950,"), "{note}");
        assert!(
            note.ends_with(", https://digitalarchive.wilsoncenter.org/document/113729."),
            "{note}"
        );
        // Translated, but the page credits no translator: no bare "trans.".
        assert!(!note.contains("trans."), "{note}");
    }

    #[test]
    fn frus_document_is_cited_in_its_volume() {
        let r = corpus::record("frus1894Nicaragua-d1");
        assert_eq!(
            chicago_note(&r, PAGE),
            "\"Mr. Seat to Mr. Gresham,\" January 25, 1894, in Foreign Relations of the United \
             States, 1894, Nicaragua (Mosquito Territory), doc. 1, \
             https://history.state.gov/historicaldocuments/frus1894Nicaragua/d1."
        );
        assert_eq!(
            chicago_bibliography(&r, PAGE),
            "Seat. \"Mr. Seat to Mr. Gresham.\" January 25, 1894. In Foreign Relations of the \
             United States, 1894, Nicaragua (Mosquito Territory), doc. 1. \
             https://history.state.gov/historicaldocuments/frus1894Nicaragua/d1."
        );
    }

    #[test]
    fn undated_documents_are_n_d() {
        let r = corpus::record("frus1894Nicaragua-d27");
        assert!(r.date.is_none());
        let note = chicago_note(&r, PAGE);
        assert!(
            note.starts_with("\"Mr. Baker to Mr. Gresham,\" n.d., in Foreign Relations"),
            "{note}"
        );
        let bib = chicago_bibliography(&r, PAGE);
        assert!(
            bib.starts_with("Baker. \"Mr. Baker to Mr. Gresham.\" N.d. In Foreign"),
            "{bib}"
        );
    }

    #[test]
    fn dates_are_written_to_their_precision() {
        let d = |s: &str| long_date(&s.parse().unwrap());
        assert_eq!(d("1950-07-13"), "July 13, 1950");
        assert_eq!(d("1950-07"), "July 1950");
        assert_eq!(d("1950"), "1950");
        let mut r = corpus::record("wcda-134278");
        r.date = "1950-07".parse().ok();
        assert!(chicago_note(&r, PAGE).contains(",\" July 1950, RGASPI"));
        r.date = "1950".parse().ok();
        assert!(chicago_note(&r, PAGE).contains(",\" 1950, RGASPI"));
    }

    #[test]
    fn a_question_takes_no_comma_and_authors_lead_when_the_title_lacks_them() {
        let mut r = corpus::record("wcda-134278");
        r.title = "Should Soviet Pilots Train Chinese Forces?".into();
        let note = chicago_note(&r, PAGE);
        assert!(
            note.starts_with(
                "Filippov [Stalin] to the Soviet Ambassador, Peking, \"Should Soviet Pilots Train \
                 Chinese Forces?\" July 13, 1950, RGASPI"
            ),
            "{note}"
        );
        let bib = chicago_bibliography(&r, PAGE);
        assert!(
            bib.starts_with(
                "Filippov [Stalin]. \"Should Soviet Pilots Train Chinese Forces?\" July 13, 1950. "
            ),
            "{bib}"
        );
        r.title = "Stop!".into();
        assert!(chicago_note(&r, PAGE).contains("\"Stop!\" July 13, 1950,"));
    }

    #[test]
    fn missing_fields_leave_no_stray_punctuation() {
        let bare = Record {
            id: "x-1".into(),
            title: "A Memorandum".into(),
            ..Record::default()
        };
        assert_eq!(chicago_note(&bare, ""), "\"A Memorandum,\" n.d.");
        assert_eq!(
            chicago_note(&bare, PAGE),
            format!("\"A Memorandum,\" n.d., {PAGE}.")
        );
        assert_eq!(
            chicago_bibliography(&bare, PAGE),
            format!("\"A Memorandum.\" N.d. {PAGE}.")
        );

        let blank_author = Record {
            id: "x-3".into(),
            authors: vec![" ".into()],
            ..Record::default()
        };
        // Nothing names or describes it: a generic title, not a bare "n.d.".
        assert_eq!(
            chicago_note(&blank_author, PAGE),
            format!("Untitled document, n.d., {PAGE}.")
        );

        let untitled = Record {
            id: "x-2".into(),
            authors: vec!["Molotov".into()],
            recipients: vec!["Stalin".into()],
            doc_type: Some("Letter".into()),
            date: "1949-03".parse().ok(),
            ..Record::default()
        };
        assert_eq!(
            chicago_note(&untitled, ""),
            "Molotov to Stalin, March 1949."
        );
        assert_eq!(
            chicago_bibliography(&untitled, ""),
            "Molotov. Letter to Stalin. March 1949."
        );

        let mut r = corpus::record("wcda-134278");
        r.texts[1].translators.clear();
        r.archival_refs.clear();
        r.source.url = None;
        r.source.name.clear();
        let note = chicago_note(&r, PAGE);
        assert_eq!(
            note,
            format!(
                "\"Cable No. 3355, Filippov [Stalin] to the Soviet Ambassador, Peking,\" July 13, 1950, {PAGE}."
            )
        );
        for text in [note, chicago_bibliography(&r, "")] {
            for bad in [",,", "..", ", .", ",.", " ,", "trans.", "  "] {
                assert!(!text.contains(bad), "{bad:?} in {text}");
            }
        }
    }

    #[test]
    fn many_authors_and_translators() {
        let mut r = corpus::record("wcda-134278");
        r.title = "Joint Report".into();
        r.recipients.clear();
        r.authors = ["A", "B", "C", "D"].map(String::from).to_vec();
        assert!(chicago_note(&r, PAGE).starts_with("A et al., \"Joint Report,\""));
        assert!(chicago_bibliography(&r, PAGE).starts_with("A, B, C, and D. \"Joint Report.\""));
        r.authors.truncate(2);
        assert!(chicago_note(&r, PAGE).starts_with("A and B, \"Joint Report,\""));
        r.texts[1].translators = vec!["Gary Goldberg".into(), "Sergey Radchenko".into()];
        assert!(chicago_note(&r, PAGE).contains(", trans. Gary Goldberg and Sergey Radchenko, "));
        assert!(
            chicago_bibliography(&r, PAGE)
                .contains(". Translated by Gary Goldberg and Sergey Radchenko. ")
        );
    }

    #[test]
    fn inner_quotes_become_single_and_keep_the_comma_inside() {
        let mut r = corpus::record("frus1894Nicaragua-d1");
        r.title = "Report on \"Operation Mosquito\"".into();
        assert!(
            chicago_note(&r, PAGE)
                .starts_with("Seat to Gresham, \"Report on 'Operation Mosquito,'\" January")
        );
        assert!(
            chicago_bibliography(&r, PAGE).contains("\"Report on 'Operation Mosquito.'\" January")
        );
        r.title = "Memorandum on the U.S.".into();
        assert!(chicago_note(&r, PAGE).contains(" \"Memorandum on the U.S.,\" January"));
        assert!(chicago_bibliography(&r, PAGE).contains("\"Memorandum on the U.S.\" January"));
    }

    #[test]
    fn russian_references_are_normalised_and_others_kept() {
        let forms = |raw: &str| archival_forms(&ArchivalRef::parse_all(raw));
        assert_eq!(
            forms("[РГАСПИ.ФН 558, ОП. N 11, Д N 334. Л. N 85]"),
            ["RGASPI, f. 558, op. 11, d. 334, l. 85"]
        );
        assert_eq!(
            forms("AVP RF, f. 07, op. 23a, por. 18, papka 235, d. 3"),
            ["AVP RF, f. 07, op. 23a, por. 18, papka 235, d. 3"]
        );
        assert_eq!(
            forms("BArch, B 136/59748, 396-402"),
            ["BArch, B 136/59748, 396-402"]
        );
        assert_eq!(
            forms(
                "Archive of the President of the Russian Federation (APRF), fond 3, opis 65, delo 5, listy 1-20"
            ),
            ["APRF, f. 3, op. 65, d. 5, ll. 1–20"]
        );
    }

    #[test]
    fn enclosures_carry_their_number() {
        let mut r = corpus::record("frus1894Nicaragua-d1");
        r.id = "frus1861-d3-enc1".into();
        r.source.record_id = Some("d3".into());
        assert_eq!(doc_number(&r).as_deref(), Some("3, enclosure 1"));
        r.id = "wcda-134278".into();
        r.source.record_id = Some("134278".into());
        assert_eq!(doc_number(&r), None);
    }

    /// The record `id` of the shared corpus's FRUS volume `volume`, or `None` (with a message)
    /// when the shared corpus is not there.
    fn shared_record(volume: &str, id: &str) -> Option<Record> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/corpus/frus")
            .join(format!("{volume}.xml"));
        let Ok(bytes) = std::fs::read(&path) else {
            eprintln!("skipped: {} is not there", path.display());
            return None;
        };
        let name = format!("frus/{volume}.xml");
        let parsed = crate::ingest::parse(crate::ingest::Format::FrusTei, &name, &bytes)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let record = parsed.records.into_iter().find(|r| r.id == id);
        Some(record.unwrap_or_else(|| panic!("no record `{id}` in {name}")))
    }

    #[test]
    fn a_bibliography_leaves_out_titles_of_address() {
        let bib = |name: &str| names(&[name.to_string()], Form::Bibliography).join("");
        let note = |name: &str| names(&[name.to_string()], Form::Note).join("");
        for (written, listed) in [
            ("Mr. Stoeckl", "Stoeckl"),
            ("Mrs. Roosevelt", "Roosevelt"),
            ("Mr Fish", "Fish"),
            ("M. Drouyn de l’Huys", "Drouyn de l’Huys"),
            ("Mme. Curie", "Curie"),
            ("Señor Don A. Covarrubias", "A. Covarrubias"),
            ("Sr. Loayza", "Loayza"),
            ("Herr von Thile", "von Thile"),
            ("Baron Gerolt", "Gerolt"),
            ("Count Bismarck", "Bismarck"),
            ("Sir Edward Thornton", "Edward Thornton"),
            ("Lord Lyons", "Lyons"),
            ("Gen. Townsend", "Townsend"),
            ("General Tasker H. Bliss", "Tasker H. Bliss"),
            ("Adm. Leahy", "Leahy"),
            ("Dr. Edouard Benes", "Edouard Benes"),
            ("Hon. J. C. B. Davis", "J. C. B. Davis"),
            ("His Excellency A. Burlingame", "A. Burlingame"),
            ("tov. Molotov", "Molotov"),
            ("Cde. Kim Il Sung", "Kim Il Sung"),
            ("COUNT P. DE CHASSELOUP-LAUBAT", "P. de Chasseloup-Laubat"),
            // Kept: pseudonyms, initials, titles that are how a person is known, offices.
            ("Filippov [Stalin]", "Filippov [Stalin]"),
            ("M. D. Ross", "M. D. Ross"),
            ("Prince Kung", "Prince Kung"),
            ("General Assembly", "General Assembly"),
            ("Lord High Commissioners", "Lord High Commissioners"),
            ("Secretary of State", "Secretary of State"),
            ("Mr.", "Mr."),
            ("Don Carlos", "Don Carlos"),
        ] {
            assert_eq!(bib(written), listed, "{written}");
        }
        // A note keeps the name as the document writes it.
        assert_eq!(note("Mr. Stoeckl"), "Mr. Stoeckl");
        assert_eq!(
            note("COUNT P. DE CHASSELOUP-LAUBAT"),
            "Count P. de Chasseloup-Laubat"
        );

        // On a record: the bundled volume's first document, as a head that keeps "Mr." names it.
        let mut r = corpus::record("frus1894Nicaragua-d1");
        r.authors = vec!["Mr. Seat".into()];
        let bib = chicago_bibliography(&r, PAGE);
        assert!(
            bib.starts_with("Seat. \"Mr. Seat to Mr. Gresham.\" January 25, 1894."),
            "{bib}"
        );
        r.title = "Report on the Mosquito Reservation".into();
        let note = chicago_note(&r, PAGE);
        assert!(
            note.starts_with("Mr. Seat to Gresham, \"Report on"),
            "{note}"
        );
    }

    #[test]
    fn frus_senders_with_titles_are_listed_by_name() {
        let Some(r) = shared_record("frus1864p4", "frus1864p4-d142") else {
            return;
        };
        assert_eq!(r.authors, ["Mr. Motley"]);
        let bib = chicago_bibliography(&r, PAGE);
        assert!(
            bib.starts_with("Motley. \"Mr. Motley to Mr. Seward.\" September 21, 1863. In "),
            "{bib}"
        );
        let note = chicago_note(&r, PAGE);
        assert!(
            note.starts_with("\"Mr. Motley to Mr. Seward,\" September 21, 1863, in "),
            "{note}"
        );
    }

    #[test]
    fn names_in_capitals_are_title_cased() {
        let tc = |name: &str| names(&[name.to_string()], Form::Note).join("");
        assert_eq!(tc("CONSUL LIVERPOOL"), "Consul Liverpool");
        assert_eq!(tc("L. S. SACKVILLE–WEST"), "L. S. Sackville–West");
        assert_eq!(tc("JOSÉ DE LA ZENDIFA"), "José de la Zendifa");
        assert_eq!(tc("DROUYN DE L’HUYS"), "Drouyn de L’Huys");
        assert_eq!(tc("FRED’K T. FRELINGHUYSEN"), "Fred’k T. Frelinghuysen");
        assert_eq!(tc("ROBT. C. SCHENCK"), "Robt. C. Schenck");
        assert_eq!(tc("TH. ROUSTAN"), "Th. Roustan");
        assert_eq!(tc("FISH"), "Fish");
        assert_eq!(tc("Colonel JOSÉ MONTESENOF"), "Colonel José Montesenof");
        // Acronyms, inner-dot abbreviations, Roman numerals and mixed-case names are kept.
        assert_eq!(tc("USSR"), "USSR");
        assert_eq!(tc("NATO COUNCIL"), "NATO Council");
        assert_eq!(tc("UN SECRETARIAT"), "UN Secretariat");
        assert_eq!(tc("CC CPSU"), "CC CPSU");
        assert_eq!(tc("U.S. EMBASSY"), "U.S. Embassy");
        assert_eq!(tc("GEORGE III"), "George III");
        assert_eq!(tc("Filippov [Stalin]"), "Filippov [Stalin]");

        let Some(r) = shared_record("frus1864p4", "frus1864p4-d382") else {
            return;
        };
        assert_eq!(r.authors, ["CONSUL LIVERPOOL"]);
        let note = chicago_note(&r, PAGE);
        assert!(
            note.starts_with("Consul Liverpool, telegram, October 12, 1864, in Papers Relating"),
            "{note}"
        );
        let bib = chicago_bibliography(&r, PAGE);
        assert!(
            bib.starts_with("Consul Liverpool. Telegram. October 12, 1864. In Papers Relating"),
            "{bib}"
        );
        assert!(
            !note.contains("Untitled") && !bib.contains("Untitled"),
            "{note}\n{bib}"
        );
    }

    #[test]
    fn decimal_file_numbers_are_labelled() {
        for form in [
            "724.3415/3603",
            "893.00 P.R. Tsinan/12",
            "500.A15a3/744",
            "890d.00/226",
            "811.612 Oranges/Spain/10",
            "740.0011 Mutual Guarantee (Locarno)/507",
            "123 G 861/178a",
            "711.3721/—",
        ] {
            assert!(is_decimal_file_number(form), "{form}");
        }
        for form in [
            "RGASPI, f. 558, op. 11, d. 334, l. 85",
            "File No. 711.94/123",
            "BArch, B 136/59748, 396-402",
            "13/7/1950",
            "558, op. 11/3",
            "Paris Peace Conf. 185.1/99",
        ] {
            assert!(!is_decimal_file_number(form), "{form}");
        }

        let Some(r) = shared_record("frus1934v04", "frus1934v04-d100") else {
            return;
        };
        let note = chicago_note(&r, PAGE);
        assert!(
            note.contains(" March 13, 1934, file 724.3415/3603, in Foreign Relations"),
            "{note}"
        );
        let bib = chicago_bibliography(&r, PAGE);
        assert!(
            bib.contains(" March 13, 1934. File 724.3415/3603. In Foreign Relations"),
            "{bib}"
        );
    }

    #[test]
    fn untitled_documents_are_described_not_numbered() {
        // The importer's stand-in title "Document 7" is no title; neither is a head "[Untitled]".
        let mut r = corpus::record("frus1894Nicaragua-d1");
        r.title = "[Untitled]".into();
        r.authors.clear();
        r.recipients.clear();
        r.doc_type = None;
        let note = chicago_note(&r, PAGE);
        assert!(
            note.starts_with("Untitled document, January 25, 1894, in Foreign Relations"),
            "{note}"
        );
        r.title = "Document 1".into();
        let bib = chicago_bibliography(&r, PAGE);
        assert!(
            bib.starts_with("Untitled document. January 25, 1894. In Foreign Relations"),
            "{bib}"
        );
        // A real title that happens to be a number elsewhere is kept.
        r.title = "Document 12".into();
        assert!(chicago_note(&r, PAGE).starts_with("\"Document 12,\" January 25, 1894,"));

        let Some(r) = shared_record("frus1902app1", "frus1902app1-d7") else {
            return;
        };
        assert_eq!(r.title, "Document 7");
        let note = chicago_note(&r, PAGE);
        assert!(
            note.starts_with(
                "Untitled document, n.d., in Foreign Relations of the United States, 1902,"
            ),
            "{note}"
        );
        assert!(
            note.contains(", doc. 7, https://history.state.gov/"),
            "{note}"
        );
        let bib = chicago_bibliography(&r, PAGE);
        assert!(
            bib.starts_with(
                "Untitled document. N.d. In Foreign Relations of the United States, 1902,"
            ),
            "{bib}"
        );
    }

    #[test]
    fn snapshots() {
        for id in ["wcda-134278", "frus1894Nicaragua-d1"] {
            let r = corpus::record(id);
            let url = format!("https://fonds.example/documents/{id}");
            let text = format!(
                "note:\n{}\n\nbibliography:\n{}\n",
                chicago_note(&r, &url),
                chicago_bibliography(&r, &url)
            );
            insta::assert_snapshot!(format!("{id}_chicago"), text);
        }
    }
}
