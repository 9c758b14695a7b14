//! FRUS TEI P5 volumes: one record per `div[@type='document']`, read in one streaming pass.
//!
//! The volume is read with quick-xml's pull [`Reader`] straight over the bytes; only the
//! document being read is held as a small element tree, so memory stays flat however large the
//! volume. The header gives the volume id (`TEI/@xml:id`, else `idno[@type='frus']`) and its
//! complete title; the front matter's `persName[@xml:id]` entries (the list of persons) resolve
//! `persName/@corresp` into [`Record::people`].
//!
//! How a document becomes a [`Record`]:
//!
//! - **id** `<volume>-<div xml:id>`, e.g. `frus1894Nicaragua-d1`; **title** the `head` as printed
//!   ("No. 1. Mr. Seat to Mr. Gresham."), footnotes left out and line breaks made spaces.
//! - **date** from the document's own dateline (a child of the document, its `opener` or its
//!   `closer`; never an attachment's): `date/@when`, else `@notBefore`, `@from`; a time is cut
//!   off (`1917-04-03T18:00:00` → `1917-04-03`) and the precision kept (`1894-01`). Failing that,
//!   the FRUS attributes `frus:doc-dateTime-min`/`-max` (to the precision they agree on), then
//!   the dateline's words ("January 25, 1894"; never a date of receipt, "[Received …]"), then a month and year in the head (protocols:
//!   "…held at Geneva on the 14th of August, 1872."). A document with no date at all gets a
//!   [`Diagnostic`]. Slips of the edition are mended, each with a [`Diagnostic`]: an attribute
//!   date whose year is not the year the dateline's words give (`when="0201-06-05"` for "June
//!   5–17, 1864") takes the words' year and keeps its month and day; a year before 1776 (a
//!   misprinted "1670" in the 1870 volume, or a wrong `@when` on a dateline without a year)
//!   takes the volume's year. **place_written** is the dateline's `placeName`.
//! - **doc_type**, a conservative rule: "Telegram" when one of the document's own source notes
//!   says telegram ("[Telegram.]", "861.51/131: Telegram"); else "Memorandum" when the head or a
//!   source note says memorandum; else "Telegram" when the head says telegram ("Telegraphic
//!   instruction"); else none: letters and despatches are not guessed. "Says" means a word
//!   starting so, in any case ("Radiotelegraph Convention" is no telegram).
//! - **authors**: the head's `persName[@type='from']`, then the signers (`closer//signed`: its
//!   `persName`s, else the items of a list in it, else its first small-caps span, else its text
//!   up to the first comma, a final full stop dropped). A name already present, or the last
//!   word(s) of one already present ("Gresham" after "W. Q. Gresham" or before it), titles
//!   aside ("Mr. Seward", "WILLIAM H. SEWARD"), is not repeated; the first form met is kept. With neither, the head's `gloss[@type='from']` ("Secretary of State") stands in.
//!   **recipients**: `persName[@type='to']`, else `gloss[@type='to']`. Names are kept as written.
//! - **texts**: one English text. It is a [`TextRole::Transcript`], unless a source note of the
//!   document says "Translation", in which case the English is what it is: a
//!   [`TextRole::Translation`] (and `languages` stays empty, the original's being unknown).
//!   The body holds the paragraphs (`p`, `closer` with its `signed`, `postscript`, `opener`
//!   salutations, list items, `quote`, a table as one paragraph with a line per row and ` | `
//!   between cells, and `frus:attachment`s in full, their own heads, source notes and datelines
//!   included, since they are printed as part of the document). Left out of the body: the
//!   document's `head`, its dateline (kept in `extra["dateline"]`), its source notes, `pb`,
//!   and footnotes (a `note` with `@n`, `@place='foot'` or `@type='footnote'`), which go to
//!   [`Text::notes`] in order, with no marker left in the body. Inside a paragraph, runs of XML
//!   whitespace become one space and `lb` a newline; no-break spaces are kept. Other notes of the document
//!   itself (centred editorial captions, untyped notes) are kept as notes without a mark.
//! - **archival_refs**: each source note naming a file: "File No. 861.51/131", a decimal file
//!   "861.51/131" or "Paris Peace Conf. 185.1/23" (before a ": Telegram" tail), and named papers
//!   or files ("Edward M. House Papers", "Inquiry files"). "[Telegram]", "[Inclosure.]", "No. 57."
//!   are not references. Every source note is kept whole in `extra["source_note"]` (one a line).
//! - **extra**: `doc_number` (`@n`), `frus_subtype`, `source_note`, `dateline`, `pages` (the
//!   printed page where the document starts, and where it ends when that differs: `9-10`),
//!   `frus_doc_datetime_min`/`_max`, and `date_source` when the date was not read from the
//!   dateline's attributes (`frus:doc-dateTime`, `dateline text`, `head`).
//! - **source**, **citation** ("…, Document 12"), **rights** (public domain).
//!
//! **Enclosures.** Every `div[@type='document']` is a record. One nested in another document
//! (frus1861 prints conventions, proclamations and schedules so, inside a `frus:attachment`,
//! without ids) stays part of its host's body, as printed, and is also a record of its own,
//! emitted right after its host (and before the host's next enclosure), read by the rules above
//! from its own head, dateline, closer and source notes, never its host's:
//!
//! - without an `xml:id`: **id** `<host record id>-enc<k>`, `k` counting the host's id-less
//!   document divs from 1 in document order (`frus1861-d3-enc1`; one nested in an enclosure is
//!   `…-enc1-enc1`); **title** its head, else `Enclosure <k> to <host title>`; **source** the
//!   host's page and id; **citation** the host's with `, enclosure <k>`; the locator
//!   `enclosure <k> of div[@xml:id='d3'], line 2879`;
//! - with an `xml:id`: a record like any other (none in the shared corpus);
//!
//! and either way `extra["enclosed_in"]`, the host's record id. An id-less document div in a
//! `frus:attachment` outside any document (frus1861's front matter has one) is named after the
//! nearest enclosing `div` with an `xml:id`: `<volume>-<div xml:id>-enc<k>`
//! (`frus1861-message-of-the-president-enc1`), or `<volume>-enc<k>` with none; its source page
//! is that div's, and it has no `enclosed_in`. Enclosures without a date or head of their own
//! get one [`Diagnostic`] for the volume, not one each. A made id that is already another
//! record's id is an error naming both lines. A document div without an `xml:id` outside any
//! document and any attachment is an error naming its line.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use crate::model::{ArchivalRef, Note, PartialDate, Record, Source, Text, TextRole};

use super::characters::{describe, refusal};
use super::limits::thousands;
use super::{Diagnostic, IngestError, Parsed, line_column};

/// The publisher's name, as [`Source::name`].
const SOURCE_NAME: &str = "Foreign Relations of the United States";
/// The rights statement every FRUS record carries.
const RIGHTS: &str = "Public domain (U.S. Government work).";

// The limits of a volume's structure, each far above the 25 volumes of the shared corpus (the
// limits of one record's fields are in [`super::limits`]). An error names the limit and the
// place: "frus1894.xml: line 812, column 3: elements nested deeper than 256 (the limit)".

/// How deep elements may nest, the root counting 1: 256. The deepest volume nests 17
/// (frus1917Supp02v02, frus1919Parisv11, frus1934v05). A document's tree is walked recursively
/// (rendering, finding heads, datelines, signers), so this is also what bounds those walks'
/// stack: a test renders a document nested to the limit on a 256 KiB stack.
pub(super) const MAX_DEPTH: usize = 256;

/// Attributes on one element, namespace declarations included: 64. The most in the corpus is 6.
/// (quick-xml checks every attribute's name against those before it, so a million attributes
/// would take minutes.)
pub(super) const MAX_ATTRIBUTES: usize = 64;

/// The length of one attribute value, in bytes: 64 KiB. The longest in the corpus is 36.
pub(super) const MAX_ATTRIBUTE_BYTES: usize = 64 << 10;

/// The length of an element or attribute name, in bytes: 256. The longest in the corpus is 15.
pub(super) const MAX_NAME_BYTES: usize = 256;

/// Elements in one `div[@type='document']`, its enclosures included: 200,000. The most in the
/// corpus is 6,813 (frus1902app1-d6, a report of 1,045 paragraphs).
pub(super) const MAX_DOCUMENT_ELEMENTS: usize = 200_000;

/// Documents nested inside one another: 16. The corpus nests 2 (frus1861's enclosures of
/// enclosures). A nested document's text is its host's too, so this bounds how many records
/// hold one paragraph.
pub(super) const MAX_DOCUMENT_NESTING: usize = 16;

/// Records from one volume: 100,000. The most in the corpus is 885 (frus1864p3).
pub(super) const MAX_RECORDS: usize = 100_000;

/// Authors, and recipients, of one document: 1,000. The most in the corpus is 27
/// (frus1930v01-d106). Each name is compared with those before it (to list a person once), so
/// this bounds that work too.
pub(super) const MAX_NAMES: usize = 1_000;

/// Reads one FRUS TEI volume into records, one per `div[@type='document']`, in source order.
///
/// Malformed XML is an error naming the line and column; so is a volume without documents, a
/// document without `xml:id` outside any document or attachment, and an enclosure id
/// (`-enc<k>`) already taken. Nothing partial is returned on error.
pub(super) fn parse(name: &str, bytes: &[u8]) -> Result<Parsed, IngestError> {
    VolumeReader::new(name, bytes).read()
}

/// One element of a document's tree: its local name, attributes and children.
#[derive(Debug, Default)]
struct Elem {
    /// The local name (`p`, `attachment` for `frus:attachment`).
    name: Cow<'static, str>,
    /// The attributes the importer reads (see [`ATTRIBUTES`]), by qualified name, unescaped.
    attrs: Vec<(&'static str, String)>,
    children: Vec<Node>,
}

/// A node of a document's tree.
#[derive(Debug)]
enum Node {
    Elem(Elem),
    Text(String),
}

impl Elem {
    fn attr(&self, key: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_str())
    }

    fn is(&self, name: &str) -> bool {
        self.name == name
    }

    fn elems(&self) -> impl Iterator<Item = &Elem> {
        self.children.iter().filter_map(|c| match c {
            Node::Elem(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    /// The first descendant (depth first, self excluded) satisfying `pred`, not looking inside
    /// elements for which `descend` is false.
    fn find(&self, pred: &dyn Fn(&Elem) -> bool, descend: &dyn Fn(&Elem) -> bool) -> Option<&Elem> {
        for e in self.elems() {
            if pred(e) {
                return Some(e);
            }
            if descend(e)
                && let Some(found) = e.find(pred, descend)
            {
                return Some(found);
            }
        }
        None
    }

    /// Every descendant satisfying `pred`, in document order, not looking inside matches.
    fn find_all<'a>(&'a self, pred: &dyn Fn(&Elem) -> bool, out: &mut Vec<&'a Elem>) {
        for e in self.elems() {
            if pred(e) {
                out.push(e);
            } else {
                e.find_all(pred, out);
            }
        }
    }
}

/// The attributes the importer reads; others are not kept in the document tree.
const ATTRIBUTES: [&str; 13] = [
    "type",
    "subtype",
    "xml:id",
    "n",
    "place",
    "corresp",
    "when",
    "notBefore",
    "from",
    "rend",
    "xml:lang",
    "frus:doc-dateTime-min",
    "frus:doc-dateTime-max",
];

/// The common element names as static strings, saving an allocation per element.
fn intern(name: &[u8]) -> Option<&'static str> {
    Some(match name {
        b"p" => "p",
        b"hi" => "hi",
        b"pb" => "pb",
        b"lb" => "lb",
        b"note" => "note",
        b"head" => "head",
        b"persName" => "persName",
        b"placeName" => "placeName",
        b"date" => "date",
        b"dateline" => "dateline",
        b"closer" => "closer",
        b"signed" => "signed",
        b"item" => "item",
        b"list" => "list",
        b"label" => "label",
        b"cell" => "cell",
        b"row" => "row",
        b"table" => "table",
        b"ref" => "ref",
        b"gloss" => "gloss",
        b"seg" => "seg",
        b"quote" => "quote",
        b"postscript" => "postscript",
        b"opener" => "opener",
        b"attachment" => "attachment",
        b"div" => "div",
        b"salute" => "salute",
        b"figure" => "figure",
        b"graphic" => "graphic",
        b"gap" => "gap",
        b"title" => "title",
        b"idno" => "idno",
        b"TEI" => "TEI",
        _ => return None,
    })
}

/// A footnote: a `note` with a mark, or placed or typed as a footnote.
fn is_footnote(e: &Elem) -> bool {
    e.is("note")
        && (e.attr("n").is_some()
            || e.attr("place") == Some("foot")
            || e.attr("type") == Some("footnote"))
}

fn is_source_note(e: &Elem) -> bool {
    e.is("note") && e.attr("type") == Some("source") && !is_footnote(e)
}

/// A paragraph being built: whitespace runs become one space, `lb` a newline.
#[derive(Default)]
struct ParaBuf {
    s: String,
    space: bool,
}

impl ParaBuf {
    /// Appends text, XML whitespace (space, tab, newline, carriage return) collapsed.
    fn push_text(&mut self, text: &str) {
        let bytes = text.as_bytes();
        let is_ws = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r');
        let mut i = 0;
        while i < bytes.len() {
            if is_ws(bytes[i]) {
                self.space();
                while i < bytes.len() && is_ws(bytes[i]) {
                    i += 1;
                }
                continue;
            }
            let start = i;
            while i < bytes.len() && !is_ws(bytes[i]) {
                i += 1;
            }
            if std::mem::take(&mut self.space) {
                self.s.push(' ');
            }
            // ASCII whitespace never splits a UTF-8 sequence.
            self.s.push_str(&text[start..i]);
        }
    }

    /// A separator that is not itself collapsed (` | ` between table cells).
    fn push_raw(&mut self, sep: &str) {
        self.space = false;
        let trimmed = self.s.trim_end_matches(' ').len();
        self.s.truncate(trimmed);
        self.s.push_str(sep);
    }

    fn space(&mut self) {
        self.space = !self.s.is_empty() && !self.s.ends_with('\n');
    }

    fn line_break(&mut self) {
        self.space = false;
        let trimmed = self.s.trim_end_matches(' ').len();
        self.s.truncate(trimmed);
        if !self.s.is_empty() && !self.s.ends_with('\n') {
            self.s.push('\n');
        }
    }

    /// The paragraph, trimmed; the buffer is left empty.
    fn take(&mut self) -> String {
        self.space = false;
        let s = std::mem::take(&mut self.s);
        let t = s.trim_matches(|c: char| c == ' ' || c == '\n');
        if t.len() == s.len() { s } else { t.to_string() }
    }
}

/// Elements that stand as paragraphs (or hold paragraphs) in the body.
fn is_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "ab"
            | "closer"
            | "salute"
            | "head"
            | "dateline"
            | "item"
            | "l"
            | "lg"
            | "trailer"
            | "byline"
            | "docAuthor"
            | "argument"
            | "opener"
            | "postscript"
            | "quote"
            | "list"
            | "div"
            | "attachment"
            | "figure"
            | "figDesc"
            | "note"
            | "epigraph"
            | "table"
            | "sp"
            | "speaker"
    )
}

/// Renders a document's content into paragraphs and notes.
struct Renderer<'a> {
    paras: Vec<String>,
    cur: ParaBuf,
    notes: Vec<Note>,
    /// Inside a table cell, blocks run inline.
    inline: u32,
    /// The document's own dateline, left out of the body.
    skip: Option<&'a Elem>,
    /// `persName/@corresp` targets met, in order.
    corresp: Vec<String>,
}

impl<'a> Renderer<'a> {
    fn new(skip: Option<&'a Elem>) -> Self {
        Renderer {
            paras: Vec::new(),
            cur: ParaBuf::default(),
            notes: Vec::new(),
            inline: 0,
            skip,
            corresp: Vec::new(),
        }
    }

    fn flush(&mut self) {
        let p = self.cur.take();
        if !p.is_empty() {
            self.paras.push(p);
        }
    }

    fn children(&mut self, e: &'a Elem) {
        for c in &e.children {
            match c {
                Node::Text(t) => self.cur.push_text(t),
                Node::Elem(c) => self.elem(c),
            }
        }
    }

    fn footnote(&mut self, e: &'a Elem) {
        let mut sub = Renderer::new(None);
        sub.children(e);
        sub.flush();
        self.corresp.append(&mut sub.corresp);
        self.notes.push(Note {
            n: e.attr("n").unwrap_or_default().trim().to_string(),
            body: Text::join_paragraphs(&sub.paras),
        });
        self.notes.append(&mut sub.notes);
    }

    fn elem(&mut self, e: &'a Elem) {
        if self.skip.is_some_and(|s| std::ptr::eq(s, e)) {
            return;
        }
        if let Some(target) = e.attr("corresp").filter(|_| e.is("persName")) {
            self.corresp.push(target.to_string());
        }
        match e.name.as_ref() {
            "pb" | "fw" | "graphic" | "gap" => {}
            "lb" => {
                if self.inline > 0 {
                    self.cur.space();
                } else {
                    self.cur.line_break();
                }
            }
            _ if is_footnote(e) => self.footnote(e),
            "table" if self.inline == 0 => {
                self.flush();
                for c in e.elems() {
                    if c.is("row") {
                        self.cur.line_break();
                        self.inline += 1;
                        for (i, cell) in c.elems().enumerate() {
                            if i > 0 {
                                self.cur.push_raw(" | ");
                            }
                            self.children(cell);
                        }
                        self.inline -= 1;
                    } else {
                        self.cur.line_break();
                        self.inline += 1;
                        self.children(c);
                        self.inline -= 1;
                    }
                }
                self.flush();
            }
            "list" if self.inline == 0 => {
                self.flush();
                for c in &e.children {
                    match c {
                        Node::Text(t) => self.cur.push_text(t),
                        Node::Elem(c) if c.is("label") => {
                            self.children(c);
                            self.cur.space();
                        }
                        Node::Elem(c) if c.is("item") => {
                            self.children(c);
                            self.flush();
                        }
                        Node::Elem(c) => self.elem(c),
                    }
                }
                self.flush();
            }
            name if is_block(name) => {
                if self.inline > 0 {
                    self.cur.space();
                    self.children(e);
                    self.cur.space();
                } else {
                    self.flush();
                    self.children(e);
                    self.flush();
                }
            }
            "cell" | "row" => {
                self.cur.space();
                self.children(e);
                self.cur.space();
            }
            _ => self.children(e),
        }
    }
}

/// An element's text on one line, footnotes collected into `notes`; line breaks become spaces.
fn inline_text(e: &Elem, notes: &mut Vec<Note>, corresp: &mut Vec<String>) -> String {
    let mut r = Renderer::new(None);
    r.inline = 1;
    r.children(e);
    notes.append(&mut r.notes);
    corresp.append(&mut r.corresp);
    r.cur.take()
}

/// An element's text on one line, notes dropped.
fn plain_text(e: &Elem) -> String {
    inline_text(e, &mut Vec::new(), &mut Vec::new())
}

/// Counts lines lazily and incrementally over the input.
struct LineCounter<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: usize,
}

impl LineCounter<'_> {
    /// The 1-based line of a byte offset not before the last one asked for.
    fn line_at(&mut self, pos: usize) -> usize {
        let pos = pos.min(self.bytes.len());
        if pos < self.pos {
            self.pos = 0;
            self.line = 1;
        }
        self.line += self.bytes[self.pos..pos]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.pos = pos;
        self.line
    }
}

/// What the header and front matter say about the volume.
#[derive(Default)]
struct Volume {
    /// `TEI/@xml:id`.
    root_id: Option<String>,
    /// `idno[@type='frus']`.
    idno: Option<String>,
    /// `titleStmt/title[@type='complete']`, whitespace-normalised.
    title: Option<String>,
    /// `persName/@xml:id` → the name as listed.
    persons: HashMap<String, String>,
}

/// Text being captured outside documents, until the element at `depth` closes.
struct Capture {
    kind: CaptureKind,
    depth: usize,
    buf: ParaBuf,
}

enum CaptureKind {
    Title,
    Idno,
    Person(String),
}

/// A document read, waiting for the volume's person list to resolve its `@corresp`s.
struct Pending {
    record: Record,
    corresp: Vec<String>,
    /// The line of its `div` start tag.
    line: usize,
    /// Whether its id was made (`-enc<k>`) rather than read from an `xml:id`.
    enclosure: bool,
}

/// Where a `div[@type='document']` met outside any document gets its identity.
enum Origin {
    /// From its own `xml:id`.
    Own,
    /// An id-less enclosure in a `frus:attachment` outside any document: the `k`-th such under
    /// the nearest ancestor `div` with an `xml:id` (`host`), or under the volume itself.
    Loose { host: Option<String>, k: usize },
}

/// Where a document nested in the document being read starts.
struct NestedStart {
    line: usize,
    /// The page in force at its start.
    page: Option<String>,
}

/// An ancestor `div` with an `xml:id`, open outside documents: it hosts id-less enclosures
/// met outside any document.
struct HostDiv {
    depth: usize,
    id: String,
    enclosures: usize,
}

/// What names a record and places it: made from the `div`'s `xml:id`, or for an enclosure
/// without one, from its host's.
struct Ident {
    /// The record id.
    id: String,
    /// The locator without its line: `div[@xml:id='d12']`, `enclosure 1 of div[@xml:id='d12']`.
    path: String,
    line: usize,
    /// The page at history.state.gov.
    url: String,
    /// The source's own id: the `xml:id`, or the host's.
    record_id: Option<String>,
    /// What the citation names after the volume: `Document 12`, `Document 12, enclosure 1`.
    cite_as: String,
    /// The record id of the document it is enclosed in.
    enclosed_in: Option<String>,
    /// The title when the head is empty.
    untitled: String,
    /// Whether the id was made rather than read (`-enc<k>`).
    enclosure: bool,
}

impl Ident {
    /// A document with its own `xml:id`.
    fn own(volume: &str, doc: &Elem, line: usize, enclosed_in: Option<String>) -> Ident {
        let div_id = doc.attr("xml:id").unwrap_or_default().trim();
        let number = doc.attr("n").map(str::trim).filter(|n| !n.is_empty());
        Ident {
            id: format!("{volume}-{div_id}"),
            path: format!("div[@xml:id='{div_id}']"),
            line,
            url: format!("https://history.state.gov/historicaldocuments/{volume}/{div_id}"),
            record_id: Some(div_id.to_string()),
            cite_as: match number {
                Some(n) => format!("Document {n}"),
                None => div_id.to_string(),
            },
            enclosed_in,
            untitled: format!("Document {}", number.unwrap_or(div_id)),
            enclosure: false,
        }
    }

    /// The `k`-th id-less document div inside the document `self`, titled `host_title`.
    fn enclosure(&self, k: usize, line: usize, host_title: &str) -> Ident {
        Ident {
            id: format!("{}-enc{k}", self.id),
            path: format!("enclosure {k} of {}", self.path),
            line,
            url: self.url.clone(),
            record_id: self.record_id.clone(),
            cite_as: format!("{}, enclosure {k}", self.cite_as),
            enclosed_in: Some(self.id.clone()),
            untitled: format!("Enclosure {k} to {host_title}"),
            enclosure: true,
        }
    }

    /// The `k`-th id-less document div outside any document, under the div `host`.
    fn loose(volume: &str, host: Option<&str>, k: usize, line: usize) -> Ident {
        let (id, path, url, cite_as, untitled) = match host {
            Some(h) => (
                format!("{volume}-{h}-enc{k}"),
                format!("enclosure {k} in div[@xml:id='{h}']"),
                format!("https://history.state.gov/historicaldocuments/{volume}/{h}"),
                format!("{h}, enclosure {k}"),
                format!("Enclosure {k} in {h}"),
            ),
            None => (
                format!("{volume}-enc{k}"),
                format!("enclosure {k} outside any div with an xml:id"),
                format!("https://history.state.gov/historicaldocuments/{volume}"),
                format!("enclosure {k}"),
                format!("Enclosure {k}"),
            ),
        };
        Ident {
            id,
            path,
            line,
            url,
            record_id: host.map(str::to_string),
            cite_as,
            enclosed_in: None,
            untitled,
            enclosure: true,
        }
    }

    fn locator(&self) -> String {
        format!("{}, line {}", self.path, self.line)
    }
}

/// Whether an element is a `div[@type='document']`.
fn is_document(e: &Elem) -> bool {
    e.is("div") && e.attr("type") == Some("document")
}

/// Where the reader is relative to the root element.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Root {
    #[default]
    Before,
    Open,
    Closed,
}

/// What the well-formedness checks keep track of, beyond what quick-xml checks (one root,
/// nothing but comments and whitespace around it, one DOCTYPE before it) and the count limits.
#[derive(Default)]
struct Form {
    root: Root,
    doctype: bool,
    /// Elements in the document being read, itself included.
    doc_elements: usize,
}

/// Whether bytes are an XML name: a letter, `_` or `:` (or any non-ASCII character) first, then
/// those, digits, `-` and `.`. Non-ASCII characters are all taken as name characters: XML's
/// exact ranges exclude only a few symbols, and a document that uses one is still read right.
fn is_xml_name(name: &[u8]) -> bool {
    let start = |b: u8| b.is_ascii_alphabetic() || b == b'_' || b == b':' || b >= 0x80;
    match name.split_first() {
        Some((&first, rest)) => {
            start(first)
                && rest
                    .iter()
                    .all(|&b| start(b) || b.is_ascii_digit() || b == b'-' || b == b'.')
        }
        None => false,
    }
}

/// Where, in a start tag's attributes, a quoted value is directly followed by something else
/// than whitespace or the tag's end (`a="1"b="2"`); quick-xml reads that as two attributes.
fn unseparated_attribute(raw: &[u8]) -> Option<usize> {
    let mut quote = None;
    for (i, &b) in raw.iter().enumerate() {
        match quote {
            Some(q) if b == q => {
                quote = None;
                if let Some(&next) = raw.get(i + 1)
                    && !matches!(next, b' ' | b'\t' | b'\n' | b'\r' | b'/')
                {
                    return Some(i + 1);
                }
            }
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None => {}
        }
    }
    None
}

/// Where `]]>` stands in a text, if it does (found by its rare first byte: a substring
/// searcher costs more to set up than most text events are long).
fn cdata_end(text: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = text[from..].find(']') {
        let at = from + i;
        if text.as_bytes()[at..].starts_with(b"]]>") {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// The streaming pass over one volume.
struct VolumeReader<'a> {
    name: &'a str,
    bytes: &'a [u8],
    lines: LineCounter<'a>,
    volume: Volume,
    diagnostics: Vec<Diagnostic>,
    pending: Vec<Pending>,
    /// How many of `pending` were checked by `check_new_records`.
    checked: usize,
    /// The last `pb/@n` met, in or out of documents.
    last_page: Option<String>,
    /// Enclosure records with no date of their own, and with no head.
    undated_enclosures: usize,
    untitled_enclosures: usize,
}

impl<'a> VolumeReader<'a> {
    fn new(name: &'a str, bytes: &'a [u8]) -> Self {
        VolumeReader {
            name,
            bytes,
            lines: LineCounter {
                bytes,
                pos: 0,
                line: 1,
            },
            volume: Volume::default(),
            diagnostics: Vec::new(),
            pending: Vec::new(),
            checked: 0,
            last_page: None,
            undated_enclosures: 0,
            untitled_enclosures: 0,
        }
    }

    fn malformed_at(&self, pos: usize, message: impl Into<String>) -> IngestError {
        IngestError::malformed(self.name, line_column(self.bytes, pos), message)
    }

    fn read(mut self) -> Result<Parsed, IngestError> {
        // UTF-8 throughout, and no refused character written raw (references are checked as
        // they are resolved).
        super::utf8(self.name, self.bytes, &mut self.diagnostics)?;
        let mut reader = Reader::from_reader(self.bytes);
        reader.config_mut().check_end_names = true;
        reader.config_mut().check_comments = true;
        let mut form = Form::default();
        // Open elements outside documents.
        let mut depth = 0usize;
        let mut title_stmt: Option<usize> = None;
        let mut attachments = 0usize;
        let mut capture: Option<Capture> = None;
        // The document being read: its open elements, the outermost first.
        let mut stack: Vec<Elem> = Vec::new();
        let mut doc_line = 0usize;
        let mut page_at_start: Option<String> = None;
        let mut origin = Origin::Own;
        // Documents nested in the one being read, in document order.
        let mut nested: Vec<NestedStart> = Vec::new();
        // Open divs with an xml:id outside documents, and id-less enclosures outside any.
        let mut hosts: Vec<HostDiv> = Vec::new();
        let mut volume_enclosures = 0usize;
        let mut saw_root = false;

        loop {
            let start = reader.buffer_position() as usize;
            let event = match reader.read_event() {
                Ok(ev) => ev,
                Err(e) => {
                    return Err(self.malformed_at(reader.error_position() as usize, e.to_string()));
                }
            };
            match event {
                Event::Start(ref e) | Event::Empty(ref e) => {
                    let empty = matches!(event, Event::Empty(_));
                    self.check_start(&mut form, e, start, depth + stack.len() + 1)?;
                    let elem = self.element(e, start)?;
                    if elem.is("pb")
                        && let Some(n) = elem.attr("n")
                    {
                        self.last_page = Some(n.to_string());
                    }
                    if !stack.is_empty() {
                        form.doc_elements += 1;
                        if form.doc_elements > MAX_DOCUMENT_ELEMENTS {
                            return Err(self.malformed_at(
                                start,
                                format!(
                                    "more than {} elements in one div[@type='document'] (the \
                                     limit); it started at line {doc_line}",
                                    thousands(MAX_DOCUMENT_ELEMENTS)
                                ),
                            ));
                        }
                        if is_document(&elem) {
                            let nesting = 1 + stack.iter().filter(|e| is_document(e)).count();
                            if nesting > MAX_DOCUMENT_NESTING {
                                return Err(self.malformed_at(
                                    start,
                                    format!(
                                        "div[@type='document'] nested in one another deeper \
                                         than {MAX_DOCUMENT_NESTING} (the limit)"
                                    ),
                                ));
                            }
                            nested.push(NestedStart {
                                line: self.lines.line_at(start),
                                page: self.last_page.clone(),
                            });
                        }
                        if empty {
                            push_child(&mut stack, Node::Elem(elem));
                        } else {
                            stack.push(elem);
                        }
                        continue;
                    }
                    if !saw_root {
                        saw_root = true;
                        form.root = if empty { Root::Closed } else { Root::Open };
                        if !elem.is("TEI") {
                            return Err(self.malformed_at(
                                start,
                                format!("the root element is <{}>, not a TEI <TEI>", elem.name),
                            ));
                        }
                        self.volume.root_id = elem.attr("xml:id").map(str::to_string);
                    }
                    if is_document(&elem) {
                        let line = self.lines.line_at(start);
                        origin = if elem.attr("xml:id").is_some_and(|id| !id.trim().is_empty()) {
                            Origin::Own
                        } else if attachments > 0 {
                            let (host, k) = match hosts.last_mut() {
                                Some(h) => {
                                    h.enclosures += 1;
                                    (Some(h.id.clone()), h.enclosures)
                                }
                                None => {
                                    volume_enclosures += 1;
                                    (None, volume_enclosures)
                                }
                            };
                            Origin::Loose { host, k }
                        } else {
                            return Err(IngestError::malformed(
                                self.name,
                                format!("line {line}"),
                                "div[@type='document'] has no xml:id",
                            ));
                        };
                        doc_line = line;
                        form.doc_elements = 1;
                        page_at_start = self.last_page.clone();
                        if empty {
                            let origin = std::mem::replace(&mut origin, Origin::Own);
                            self.document(
                                &elem,
                                doc_line,
                                page_at_start.take(),
                                origin,
                                Vec::new(),
                            );
                            self.check_new_records(start)?;
                        } else {
                            stack.push(elem);
                        }
                        continue;
                    }
                    if empty {
                        continue;
                    }
                    depth += 1;
                    if elem.is("div")
                        && let Some(id) = elem
                            .attr("xml:id")
                            .map(str::trim)
                            .filter(|id| !id.is_empty())
                    {
                        hosts.push(HostDiv {
                            depth,
                            id: id.to_string(),
                            enclosures: 0,
                        });
                    }
                    match elem.name.as_ref() {
                        "titleStmt" => title_stmt = Some(depth),
                        "attachment" => attachments += 1,
                        "title"
                            if title_stmt.is_some()
                                && elem.attr("type") == Some("complete")
                                && capture.is_none() =>
                        {
                            capture = Some(Capture {
                                kind: CaptureKind::Title,
                                depth,
                                buf: ParaBuf::default(),
                            });
                        }
                        "idno" if elem.attr("type") == Some("frus") && capture.is_none() => {
                            capture = Some(Capture {
                                kind: CaptureKind::Idno,
                                depth,
                                buf: ParaBuf::default(),
                            });
                        }
                        "persName" if capture.is_none() => {
                            if let Some(id) = elem.attr("xml:id") {
                                capture = Some(Capture {
                                    kind: CaptureKind::Person(id.to_string()),
                                    depth,
                                    buf: ParaBuf::default(),
                                });
                            }
                        }
                        _ => {}
                    }
                }
                Event::End(ref e) => {
                    if let Some(elem) = stack.pop() {
                        if let Some(parent) = stack.last_mut() {
                            parent.children.push(Node::Elem(elem));
                        } else {
                            let origin = std::mem::replace(&mut origin, Origin::Own);
                            let nested = std::mem::take(&mut nested);
                            self.document(&elem, doc_line, page_at_start.take(), origin, nested);
                            self.check_new_records(start)?;
                        }
                        continue;
                    }
                    if capture.as_ref().is_some_and(|c| c.depth == depth) {
                        let mut c = capture.take().expect("checked");
                        let text = c.buf.take();
                        match c.kind {
                            CaptureKind::Title => self.volume.title = Some(text),
                            CaptureKind::Idno => self.volume.idno = Some(text),
                            CaptureKind::Person(id) => {
                                self.volume.persons.insert(id, text);
                            }
                        }
                    }
                    if title_stmt == Some(depth) {
                        title_stmt = None;
                    }
                    if hosts.last().is_some_and(|h| h.depth == depth) {
                        hosts.pop();
                    }
                    if e.local_name().as_ref() == b"attachment" {
                        attachments = attachments.saturating_sub(1);
                    }
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        form.root = Root::Closed;
                    }
                }
                Event::Text(ref t) => {
                    let text = t
                        .decode()
                        .map_err(|err| self.malformed_at(start, err.to_string()))?;
                    self.check_text(&text, start, stack.is_empty() && depth == 0)?;
                    if !stack.is_empty() {
                        push_text(&mut stack, &text);
                    } else if let Some(c) = capture.as_mut() {
                        c.buf.push_text(&text);
                    }
                }
                Event::CData(ref t) => {
                    if stack.is_empty() && depth == 0 {
                        return Err(
                            self.malformed_at(start, "a CDATA section outside the root element")
                        );
                    }
                    let text = t
                        .decode()
                        .map_err(|err| self.malformed_at(start, err.to_string()))?;
                    if !stack.is_empty() {
                        push_text(&mut stack, &text);
                    } else if let Some(c) = capture.as_mut() {
                        c.buf.push_text(&text);
                    }
                }
                Event::GeneralRef(ref r) => {
                    if stack.is_empty() && depth == 0 {
                        return Err(
                            self.malformed_at(start, "a reference outside the root element")
                        );
                    }
                    let resolved = match r.resolve_char_ref() {
                        Ok(Some(ch)) => {
                            if refusal(ch).is_some() {
                                return Err(self.malformed_at(
                                    start,
                                    format!(
                                        "the character reference `&{};` is {}, which XML does \
                                         not allow",
                                        String::from_utf8_lossy(r.as_ref()),
                                        describe(ch)
                                    ),
                                ));
                            }
                            ch.to_string()
                        }
                        Ok(None) => {
                            let entity = r
                                .decode()
                                .map_err(|err| self.malformed_at(start, err.to_string()))?;
                            match quick_xml::escape::resolve_xml_entity(&entity) {
                                Some(s) => s.to_string(),
                                None => {
                                    return Err(self.malformed_at(
                                        start,
                                        format!("unknown entity `&{entity};`"),
                                    ));
                                }
                            }
                        }
                        Err(err) => return Err(self.malformed_at(start, err.to_string())),
                    };
                    if !stack.is_empty() {
                        push_text(&mut stack, &resolved);
                    } else if let Some(c) = capture.as_mut() {
                        c.buf.push_text(&resolved);
                    }
                }
                Event::Eof => break,
                Event::Decl(_) => {
                    // quick-xml counts positions after a byte-order mark.
                    if start != 0 {
                        return Err(self.malformed_at(
                            start,
                            "an XML declaration (`<?xml …?>`) may only open the file",
                        ));
                    }
                }
                Event::DocType(ref d) => self.check_doctype(&mut form, d.as_ref(), start)?,
                Event::Comment(_) | Event::PI(_) => {}
            }
        }
        let end = self.bytes.len();
        if !stack.is_empty() || depth > 0 {
            let open = stack.last().map_or("an element", |e| e.name.as_ref());
            return Err(self.malformed_at(
                end,
                format!("unexpected end of file: <{open}> is not closed"),
            ));
        }
        if !saw_root {
            return Err(self.malformed_at(end, "no root element"));
        }
        if self.pending.is_empty() {
            return Err(IngestError::malformed(
                self.name,
                "TEI",
                "no div[@type='document'] in this TEI file",
            ));
        }
        self.check_enclosure_ids()?;
        self.enclosure_diagnostic();
        let VolumeReader {
            pending,
            volume,
            diagnostics,
            ..
        } = self;
        let records = pending
            .into_iter()
            .map(|mut p| {
                for target in &p.corresp {
                    let id = target.trim().trim_start_matches('#');
                    if let Some(full) = volume.persons.get(id) {
                        let full = display_name(full);
                        if !full.is_empty() && !p.record.people.contains(&full) {
                            p.record.people.push(full);
                        }
                    }
                }
                p.record
            })
            .collect();
        Ok(Parsed {
            records,
            diagnostics,
            ..Parsed::default()
        })
    }

    /// Checks a start tag at nesting `depth` (the root is 1): one root, a valid name, the depth
    /// limit.
    fn check_start(
        &self,
        form: &mut Form,
        e: &BytesStart<'_>,
        start: usize,
        depth: usize,
    ) -> Result<(), IngestError> {
        let name = e.name();
        if form.root == Root::Closed {
            return Err(self.malformed_at(
                start,
                format!(
                    "a second root element <{}>: the file holds one root element (<TEI>) and \
                     nothing after it",
                    String::from_utf8_lossy(name.as_ref())
                ),
            ));
        }
        if depth > MAX_DEPTH {
            return Err(self.malformed_at(
                start,
                format!("elements nested deeper than {MAX_DEPTH} (the limit)"),
            ));
        }
        self.check_name(name.as_ref(), start, "element")
    }

    fn check_name(&self, name: &[u8], start: usize, what: &str) -> Result<(), IngestError> {
        if name.is_empty() {
            return Err(self.malformed_at(
                start,
                format!("a `<` not followed by an {what} name (a `<` in text is written `&lt;`)"),
            ));
        }
        if name.len() > MAX_NAME_BYTES {
            return Err(self.malformed_at(
                start,
                format!("an {what} name longer than {MAX_NAME_BYTES} bytes (the limit)"),
            ));
        }
        if !is_xml_name(name) {
            return Err(self.malformed_at(
                start,
                format!(
                    "`{}` is not an XML {what} name",
                    String::from_utf8_lossy(name)
                        .chars()
                        .take(40)
                        .collect::<String>()
                ),
            ));
        }
        Ok(())
    }

    /// Checks text: outside the root element only whitespace may stand, and `]]>` nowhere.
    fn check_text(&self, text: &str, start: usize, outside: bool) -> Result<(), IngestError> {
        if outside && let Some(i) = text.find(|c: char| !matches!(c, ' ' | '\t' | '\n' | '\r')) {
            return Err(self.malformed_at(
                start + i,
                "text outside the root element: a TEI file is one <TEI> element, with only \
                 comments and whitespace around it",
            ));
        }
        if let Some(i) = cdata_end(text) {
            return Err(self.malformed_at(
                start + i,
                "`]]>` in text (XML allows it only to end a CDATA section)",
            ));
        }
        Ok(())
    }

    /// Checks a DOCTYPE: one, before the root, declaring no entities. Fonds resolves only the
    /// five predefined entities and character references; a DOCTYPE that declares entities is
    /// refused outright, so that no external entity is ever fetched and no "billion laughs"
    /// expanded (and a file whose text depends on entities Fonds would not expand is not
    /// imported with holes).
    fn check_doctype(
        &self,
        form: &mut Form,
        doctype: &[u8],
        start: usize,
    ) -> Result<(), IngestError> {
        if form.root != Root::Before {
            return Err(self.malformed_at(start, "a DOCTYPE after the root element started"));
        }
        if std::mem::replace(&mut form.doctype, true) {
            return Err(self.malformed_at(start, "a second DOCTYPE"));
        }
        if doctype.windows(8).any(|w| w == b"<!ENTITY") {
            return Err(self.malformed_at(
                start,
                "the DOCTYPE declares entities: Fonds expands none (no external entities, no \
                 entity expansion), so it does not import the file",
            ));
        }
        Ok(())
    }

    /// The records made since the last check: past [`MAX_RECORDS`] in the volume, or with more
    /// than [`MAX_NAMES`] authors or recipients, an error.
    fn check_new_records(&mut self, start: usize) -> Result<(), IngestError> {
        for p in &self.pending[self.checked..] {
            for (list, what) in [
                (&p.record.authors, "authors"),
                (&p.record.recipients, "recipients"),
            ] {
                if list.len() > MAX_NAMES {
                    return Err(IngestError::malformed(
                        self.name,
                        p.record.provenance.locator.clone().unwrap_or_default(),
                        format!(
                            "more than {} {what} in one document (the limit)",
                            thousands(MAX_NAMES)
                        ),
                    ));
                }
            }
        }
        self.checked = self.pending.len();
        if self.pending.len() > MAX_RECORDS {
            return Err(self.malformed_at(
                start,
                format!(
                    "more than {} div[@type='document'] in one volume (the limit)",
                    thousands(MAX_RECORDS)
                ),
            ));
        }
        Ok(())
    }

    /// A start tag as an [`Elem`] with its attributes unescaped.
    fn element(&self, e: &BytesStart<'_>, start: usize) -> Result<Elem, IngestError> {
        let local = e.local_name();
        let name = match intern(local.as_ref()) {
            Some(name) => Cow::Borrowed(name),
            None => Cow::Owned(
                std::str::from_utf8(local.as_ref())
                    .map_err(|err| self.malformed_at(start, err.to_string()))?
                    .to_string(),
            ),
        };
        if let Some(at) = unseparated_attribute(e.attributes_raw()) {
            return Err(self.malformed_at(
                start,
                format!(
                    "attributes must be separated by whitespace (at byte {} of the tag)",
                    at + 1 + e.name().as_ref().len()
                ),
            ));
        }
        let mut attrs = Vec::new();
        for (i, attr) in e.attributes().enumerate() {
            if i == MAX_ATTRIBUTES {
                return Err(self.malformed_at(
                    start,
                    format!("more than {MAX_ATTRIBUTES} attributes on one element (the limit)"),
                ));
            }
            let attr = attr.map_err(|err| self.malformed_at(start, err.to_string()))?;
            self.check_name(attr.key.as_ref(), start, "attribute")?;
            let raw = attr.value.as_ref();
            if raw.len() > MAX_ATTRIBUTE_BYTES {
                return Err(self.malformed_at(
                    start,
                    format!(
                        "an attribute value longer than {} KiB (the limit)",
                        MAX_ATTRIBUTE_BYTES >> 10
                    ),
                ));
            }
            if raw.contains(&b'<') {
                return Err(self.malformed_at(start, "`<` in an attribute value (write `&lt;`)"));
            }
            let key = ATTRIBUTES
                .iter()
                .find(|k| k.as_bytes() == attr.key.as_ref());
            // References are resolved (and so checked) in every value, kept or not.
            if key.is_none() && !raw.contains(&b'&') {
                continue;
            }
            let value = attr
                .unescape_value()
                .map_err(|err| self.malformed_at(start, err.to_string()))?;
            if raw.contains(&b'&')
                && let Some((_, c)) = super::characters::first_refused(&value)
            {
                return Err(self.malformed_at(
                    start,
                    format!(
                        "an attribute value holds {} by a character reference",
                        describe(c)
                    ),
                ));
            }
            if let Some(key) = key {
                attrs.push((*key, value.into_owned()));
            }
        }
        Ok(Elem {
            name,
            attrs,
            children: Vec::new(),
        })
    }

    /// The volume's id: `TEI/@xml:id`, else `idno[@type='frus']`, else the file's stem.
    fn volume_id(&self) -> String {
        self.volume
            .root_id
            .as_deref()
            .or(self.volume.idno.as_deref())
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .unwrap_or_else(|| {
                let base = self.name.rsplit(['/', '\\']).next().unwrap_or(self.name);
                base.strip_suffix(".xml").unwrap_or(base).to_string()
            })
    }

    /// Turns a document read whole (one met outside any document) into its record, followed
    /// by the records of the documents nested in it, in document order. `nested` holds where
    /// those start, in document order.
    fn document(
        &mut self,
        doc: &Elem,
        line: usize,
        page_at_start: Option<String>,
        origin: Origin,
        nested: Vec<NestedStart>,
    ) {
        let volume = self.volume_id();
        let ident = match origin {
            Origin::Own => Ident::own(&volume, doc, line, None),
            Origin::Loose { host, k } => Ident::loose(&volume, host.as_deref(), k, line),
        };
        self.record(doc, &ident, page_at_start);
        if !nested.is_empty() {
            let mut starts = nested.into_iter();
            self.nested(&volume, doc, &ident, &mut starts);
        }
    }

    /// The records of the documents nested in `host` (whose record was just made), each
    /// followed by those nested in it: with an `xml:id`, a record as any; without, enclosure
    /// `k` of its host.
    fn nested(
        &mut self,
        volume: &str,
        host: &Elem,
        host_ident: &Ident,
        starts: &mut impl Iterator<Item = NestedStart>,
    ) {
        let mut docs = Vec::new();
        host.find_all(&is_document, &mut docs);
        let host_title = self
            .pending
            .last()
            .map(|p| p.record.title.clone())
            .unwrap_or_default();
        let mut k = 0;
        for doc in docs {
            // The reader noted every document div it met inside, in this same order.
            let start = starts.next().unwrap_or(NestedStart {
                line: host_ident.line,
                page: None,
            });
            let ident = if doc.attr("xml:id").is_some_and(|id| !id.trim().is_empty()) {
                Ident::own(volume, doc, start.line, Some(host_ident.id.clone()))
            } else {
                k += 1;
                host_ident.enclosure(k, start.line, &host_title)
            };
            self.record(doc, &ident, start.page);
            self.nested(volume, doc, &ident, starts);
        }
    }

    /// Turns one document's tree into a record.
    fn record(&mut self, doc: &Elem, ident: &Ident, page_at_start: Option<String>) {
        let locator = ident.locator();
        let mut record = Record {
            id: ident.id.clone(),
            ..Record::default()
        };
        record.provenance.locator = Some(locator.clone());
        let mut notes = Vec::new();
        let mut corresp = Vec::new();

        // Head: the title, names and the type hint.
        let head = doc.elems().find(|e| e.is("head"));
        if let Some(head) = head {
            record.title = inline_text(head, &mut notes, &mut corresp);
            let mut from = Vec::new();
            head.find_all(
                &|e| e.is("persName") && e.attr("type") == Some("from"),
                &mut from,
            );
            for e in from {
                add_name(&mut record.authors, plain_text(e));
            }
            let mut to = Vec::new();
            head.find_all(
                &|e| e.is("persName") && e.attr("type") == Some("to"),
                &mut to,
            );
            for e in to {
                add_name(&mut record.recipients, plain_text(e));
            }
        }

        // The document's own source notes, dateline and signers (attachments excluded).
        let own = |e: &Elem| e.is("opener") || e.is("closer");
        let source_notes: Vec<String> = doc
            .elems()
            .filter(|e| is_source_note(e))
            .map(plain_text)
            .filter(|s| !s.is_empty())
            .collect();
        let dateline = doc.find(&|e| e.is("dateline"), &own);
        let mut signed = Vec::new();
        for closer in doc.elems().filter(|e| e.is("closer")) {
            closer.find_all(&|e| e.is("signed"), &mut signed);
        }
        for p in doc.elems().filter(|e| e.is("postscript")) {
            for closer in p.elems().filter(|e| e.is("closer")) {
                closer.find_all(&|e| e.is("signed"), &mut signed);
            }
        }
        for s in &signed {
            for name in signers(s) {
                add_name(&mut record.authors, name);
            }
        }
        if let Some(head) = head {
            for (list, kind) in [
                (&mut record.authors, "from"),
                (&mut record.recipients, "to"),
            ] {
                if list.is_empty() {
                    let mut glosses = Vec::new();
                    head.find_all(
                        &|e| e.is("gloss") && e.attr("type") == Some(kind),
                        &mut glosses,
                    );
                    for g in glosses {
                        add_name(list, plain_text(g));
                    }
                }
            }
        }

        // Body and notes.
        let mut r = Renderer::new(dateline);
        r.notes = notes;
        r.corresp = corresp;
        let mut editorial = Vec::new();
        for c in &doc.children {
            match c {
                Node::Text(t) => r.cur.push_text(t),
                Node::Elem(e) if e.is("head") && head.is_some_and(|h| std::ptr::eq(h, e)) => {}
                Node::Elem(e) if is_source_note(e) => {}
                Node::Elem(e) if e.is("note") && !is_footnote(e) => {
                    let mut sub = Renderer::new(None);
                    sub.children(e);
                    sub.flush();
                    r.corresp.append(&mut sub.corresp);
                    editorial.push(Note {
                        n: String::new(),
                        body: Text::join_paragraphs(&sub.paras),
                    });
                    r.notes.append(&mut sub.notes);
                }
                Node::Elem(e) => {
                    r.elem(e);
                }
            }
        }
        r.flush();
        // Dateline footnotes and text.
        let mut dateline_text = None;
        if let Some(d) = dateline {
            let text = inline_text(d, &mut r.notes, &mut r.corresp);
            if !text.is_empty() {
                dateline_text = Some(text);
            }
            if let Some(place) = d.find(&|e| e.is("placeName"), &|e| !is_footnote(e)) {
                let place = plain_text(place);
                if !place.is_empty() {
                    record.place_written = Some(place);
                }
            }
        }
        let mut all_notes = r.notes;
        all_notes.extend(editorial);

        // Date, and where it was read from.
        let date_words = || {
            let d = dateline?;
            let date_el = d.find(&|e| e.is("date"), &|e| !is_footnote(e));
            date_el
                .map(plain_text)
                .and_then(|t| date_from_words(&t, false))
                .or_else(|| {
                    let text = dateline_text.as_deref()?;
                    // Not the date of receipt: "(Received March 5.)", "[Received 11 p.m.]".
                    let text = text.split("Received").next().unwrap_or(text);
                    date_from_words(text, false)
                })
        };
        let found = dateline
            .and_then(date_from_dateline)
            .map(|d| (d, "dateline"))
            .or_else(|| date_from_attrs(doc).map(|d| (d, "frus:doc-dateTime")))
            .or_else(|| date_words().map(|d| (d, "dateline text")))
            .or_else(|| date_from_words(&record.title, true).map(|d| (d, "head")));
        // A dateline's `@when` (or the document's attributes) whose year disagrees with the
        // year its own text gives is a slip of the edition (`when="0201-06-05"` for "June
        // 5–17, 1864"): the text's year is taken, with the month and day of `@when` (which
        // follow the calendar the edition normalised to), and the import says so.
        let found = match (found, date_words()) {
            (Some((date, from)), Some(words))
                if from != "dateline text" && words.year != date.year =>
            {
                let mended = match (date.month, date.day) {
                    (Some(m), Some(d)) => PartialDate::ymd(words.year, m, d),
                    (Some(m), None) => PartialDate::ym(words.year, m),
                    _ => None,
                }
                .unwrap_or(words);
                self.diagnostics.push(Diagnostic {
                    location: locator.clone(),
                    message: format!(
                        "the {from} date {date} disagrees with the year of the dateline's \
                         text ({}); {mended} is used",
                        words.year
                    ),
                });
                Some((mended, "dateline text"))
            }
            (found, _) => found,
        };
        // FRUS prints no document older than the United States: a year before 1776 (a
        // misprint, "November 1, 1670" in the 1870 volume; or a dateline without a year and a
        // wrong `@when`) takes the volume's year.
        let found = match (found, volume_year(&self.volume_id())) {
            (Some((date, from)), Some(year)) if date.year < 1776 => {
                let mended = match (date.month, date.day) {
                    (Some(m), Some(d)) => PartialDate::ymd(year, m, d),
                    (Some(m), None) => PartialDate::ym(year, m),
                    _ => PartialDate::y(year),
                };
                self.diagnostics.push(Diagnostic {
                    location: locator.clone(),
                    message: format!(
                        "the {from} date {date} is older than any FRUS document; the \
                         volume's year is used{}",
                        mended.map(|m| format!(" ({m})")).unwrap_or_default()
                    ),
                });
                mended.map(|m| (m, from))
            }
            (found, _) => found,
        };
        let mut date_source = None;
        if let Some((date, from)) = found {
            record.date = Some(date);
            if from != "dateline" {
                date_source = Some(from);
            }
        }
        if record.date.is_none() && ident.enclosure {
            self.undated_enclosures += 1;
        } else if record.date.is_none() {
            self.diagnostics.push(Diagnostic {
                location: locator.clone(),
                message: match &dateline_text {
                    Some(t) => format!("no date could be read from the dateline `{t}`"),
                    None => "the document has no dated dateline".into(),
                },
            });
        }

        // Type, references, language.
        let says = |text: &str, stem: &str| says_word(text, stem);
        record.doc_type = if source_notes.iter().any(|s| says(s, "telegra")) {
            Some("Telegram".into())
        } else if says(&record.title, "memorandum")
            || source_notes.iter().any(|s| says(s, "memorandum"))
        {
            Some("Memorandum".into())
        } else if says(&record.title, "telegra") {
            Some("Telegram".into())
        } else {
            None
        };
        for note in &source_notes {
            if let Some(raw) = archival_ref(note) {
                record.archival_refs.push(ArchivalRef {
                    raw,
                    ..ArchivalRef::default()
                });
            }
        }
        let translated = source_notes.iter().any(|s| says(s, "translation"));
        let lang = doc
            .attr("xml:lang")
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .unwrap_or("en")
            .to_string();
        if !translated {
            record.languages.push(lang.clone());
        }
        record.texts.push(Text {
            role: if translated {
                TextRole::Translation
            } else {
                TextRole::Transcript
            },
            lang,
            body: Text::join_paragraphs(&r.paras),
            translators: Vec::new(),
            notes: all_notes,
        });

        if record.title.is_empty() {
            record.title = ident.untitled.clone();
            if ident.enclosure {
                self.untitled_enclosures += 1;
            } else {
                self.diagnostics.push(Diagnostic {
                    location: locator.clone(),
                    message: "the document has no head; titled by its number".into(),
                });
            }
        }

        // Source, citation, rights.
        let collection = self.volume.title.clone().filter(|t| !t.is_empty());
        let number = doc.attr("n").map(str::trim).filter(|n| !n.is_empty());
        record.citation = Some(format!(
            "{}, {}",
            collection.as_deref().unwrap_or(SOURCE_NAME),
            ident.cite_as
        ));
        record.source = Source {
            name: SOURCE_NAME.into(),
            url: Some(ident.url.clone()),
            record_id: ident.record_id.clone(),
            uploaded: None,
            collection,
        };
        record.rights = Some(RIGHTS.into());

        // Extra, losslessly.
        let mut extra = BTreeMap::new();
        if let Some(n) = number {
            extra.insert("doc_number".into(), n.to_string());
        }
        if let Some(s) = doc.attr("subtype") {
            extra.insert("frus_subtype".into(), s.to_string());
        }
        if !source_notes.is_empty() {
            extra.insert("source_note".into(), source_notes.join("\n"));
        }
        if let Some(t) = dateline_text {
            extra.insert("dateline".into(), t);
        }
        for (attr, key) in [
            ("frus:doc-dateTime-min", "frus_doc_datetime_min"),
            ("frus:doc-dateTime-max", "frus_doc_datetime_max"),
        ] {
            if let Some(v) = doc.attr(attr) {
                extra.insert(key.into(), v.to_string());
            }
        }
        if let Some(from) = date_source {
            extra.insert("date_source".into(), from.to_string());
        }
        if let Some(pages) = page_range(doc, page_at_start) {
            extra.insert("pages".into(), pages);
        }
        if let Some(host) = &ident.enclosed_in {
            extra.insert("enclosed_in".into(), host.clone());
        }
        record.extra = extra;

        self.pending.push(Pending {
            record,
            corresp: r.corresp,
            line: ident.line,
            enclosure: ident.enclosure,
        });
    }

    /// A made-up enclosure id (`-enc<k>`) must not be the id of another record: an error
    /// naming both lines.
    fn check_enclosure_ids(&self) -> Result<(), IngestError> {
        if !self.pending.iter().any(|p| p.enclosure) {
            return Ok(());
        }
        let mut seen: HashMap<&str, &Pending> = HashMap::with_capacity(self.pending.len());
        for p in &self.pending {
            let Some(other) = seen.insert(p.record.id.as_str(), p) else {
                continue;
            };
            let (made, real) = if p.enclosure { (p, other) } else { (other, p) };
            if made.enclosure {
                return Err(IngestError::malformed(
                    self.name,
                    format!("line {}", made.line),
                    format!(
                        "the id `{}` made for the id-less div[@type='document'] here is \
                         already the id of the record at line {}",
                        made.record.id, real.line
                    ),
                ));
            }
        }
        Ok(())
    }

    /// One diagnostic for all enclosures without a date, or a head, of their own.
    fn enclosure_diagnostic(&mut self) {
        let (undated, untitled) = (self.undated_enclosures, self.untitled_enclosures);
        if undated == 0 && untitled == 0 {
            return;
        }
        let total = self.pending.iter().filter(|p| p.enclosure).count();
        let mut parts = Vec::new();
        if undated > 0 {
            let (verb, its) = if undated == 1 {
                ("has", "its")
            } else {
                ("have", "their")
            };
            parts.push(format!(
                "{undated} {verb} no date of {its} own (left undated)"
            ));
        }
        if untitled > 0 {
            let its = if untitled == 1 { "its" } else { "their" };
            parts.push(format!("{untitled} no head (titled after {its} host)"));
        }
        self.diagnostics.push(Diagnostic {
            location: "div[@type='document'] without xml:id (enclosures)".into(),
            message: format!("of {total} enclosure records, {}", parts.join(", ")),
        });
    }
}

fn push_child(stack: &mut [Elem], node: Node) {
    if let Some(top) = stack.last_mut() {
        top.children.push(node);
    }
}

fn push_text(stack: &mut [Elem], text: &str) {
    if let Some(top) = stack.last_mut() {
        if let Some(Node::Text(prev)) = top.children.last_mut() {
            prev.push_str(text);
        } else {
            top.children.push(Node::Text(text.to_string()));
        }
    }
}

/// Adds a name unless it is empty or names someone already listed (see [`same_person`]).
fn add_name(list: &mut Vec<String>, name: String) {
    // Comparing with every name before is quadratic: past the limit nothing more is compared
    // (the record is then refused, see `check_new_records`).
    if list.len() > MAX_NAMES {
        return;
    }
    let name = name.trim().to_string();
    if !name.is_empty() && !list.iter().any(|other| same_person(other, &name)) {
        list.push(name);
    }
}

/// Titles left out when comparing names: "Mr. Seward" is "WILLIAM H. SEWARD".
const HONORIFICS: [&str; 22] = [
    "mr",
    "mrs",
    "miss",
    "dr",
    "sir",
    "lord",
    "m",
    "hon",
    "rev",
    "señor",
    "senor",
    "colonel",
    "col",
    "captain",
    "capt",
    "general",
    "gen",
    "admiral",
    "commodore",
    "count",
    "baron",
    "prince",
];

/// The words of a name, lowercased, titles dropped.
fn name_key(name: &str) -> Vec<String> {
    name.split(|c: char| c.is_whitespace() || c == '.' || c == ',')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .filter(|w| !HONORIFICS.contains(&w.as_str()))
        .collect()
}

/// Whether two names as written name the same person: the same words once titles are dropped,
/// one ending with the other ("Gresham", "W. Q. Gresham"), or the same surname with the same
/// first initial ("E. M. House", "Edward House").
fn same_person(a: &str, b: &str) -> bool {
    let (a, b) = (name_key(a), name_key(b));
    if a.is_empty() || b.is_empty() {
        return a == b;
    }
    let (short, long) = if a.len() <= b.len() {
        (&a, &b)
    } else {
        (&b, &a)
    };
    if long.ends_with(short) {
        return true;
    }
    a.last() == b.last() && a.len() > 1 && b.len() > 1 && a[0].chars().next() == b[0].chars().next()
}

/// The signer(s) of a `signed`, as written.
fn signers(signed: &Elem) -> Vec<String> {
    let mut names = Vec::new();
    signed.find_all(&|e| e.is("persName"), &mut names);
    if !names.is_empty() {
        return names
            .into_iter()
            .map(|e| clean_signer(&plain_text(e)))
            .collect();
    }
    let mut items = Vec::new();
    signed.find_all(&|e| e.is("item"), &mut items);
    if !items.is_empty() {
        return items.into_iter().map(signer_text).collect();
    }
    vec![signer_text(signed)]
}

/// A signature's name: its first small-caps span, else its text up to the first comma.
fn signer_text(e: &Elem) -> String {
    if let Some(sc) = e.find(
        &|e| e.is("hi") && e.attr("rend") == Some("smallcaps"),
        &|e| !is_footnote(e),
    ) {
        return clean_signer(&plain_text(sc));
    }
    // Up to the first comma or line break.
    let mut r = Renderer::new(None);
    r.children(e);
    let text = r.cur.take();
    let first = text.split(['\n', ',']).next().unwrap_or("");
    clean_signer(first)
}

fn clean_signer(s: &str) -> String {
    let s = s.trim().trim_end_matches([',', ';', ':']).trim();
    s.strip_suffix('.').unwrap_or(s).trim().to_string()
}

/// "Baker, Newton D." → "Newton D. Baker"; other forms as listed.
fn display_name(listed: &str) -> String {
    let listed = listed.trim().trim_end_matches(',').trim();
    let parts: Vec<&str> = listed.split(", ").collect();
    match parts.as_slice() {
        [last, first] if !first.is_empty() && !last.is_empty() => format!("{first} {last}"),
        _ => listed.to_string(),
    }
}

/// The first year a FRUS volume id names: `frus1870` → 1870, `frus1969-76v01` → 1969.
fn volume_year(volume: &str) -> Option<i32> {
    let digits: String = volume
        .strip_prefix("frus")?
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    (digits.len() == 4).then(|| digits.parse().ok()).flatten()
}

/// The ISO date part of an attribute value: `1917-04-03T18:00:00` → `1917-04-03`.
fn iso_date(value: &str) -> Option<PartialDate> {
    let v = value.trim();
    let v = v.split('T').next().unwrap_or(v);
    v.parse().ok()
}

/// The date of a dateline's `date/@when` (or `@notBefore`, `@from`).
fn date_from_dateline(dateline: &Elem) -> Option<PartialDate> {
    let date = dateline.find(&|e| e.is("date"), &|e| !is_footnote(e))?;
    ["when", "notBefore", "from"]
        .into_iter()
        .filter_map(|a| date.attr(a))
        .find_map(iso_date)
}

/// The date the FRUS attributes `doc-dateTime-min`/`-max` agree on, to their common precision.
fn date_from_attrs(doc: &Elem) -> Option<PartialDate> {
    let min = iso_date(doc.attr("frus:doc-dateTime-min")?)?;
    let Some(max) = doc.attr("frus:doc-dateTime-max").and_then(iso_date) else {
        return Some(min);
    };
    if min == max {
        Some(min)
    } else if min.year == max.year && min.month == max.month {
        PartialDate::ym(min.year, min.month?)
    } else if min.year == max.year {
        PartialDate::y(min.year)
    } else {
        None
    }
}

/// A date in words: "January 25, 1894", "25th Jan. 1894", "June, 1861", "1894" (this last only
/// unless `need_month`).
fn date_from_words(text: &str, need_month: bool) -> Option<PartialDate> {
    let words: Vec<&str> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let month_of = |w: &str| -> Option<u8> {
        let w = w.to_lowercase();
        const MONTHS: [&str; 12] = [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ];
        MONTHS
            .iter()
            .position(|m| *m == w || (w.len() >= 3 && m.starts_with(w.as_str())))
            .map(|i| i as u8 + 1)
    };
    let day_of = |w: &str| -> Option<u8> {
        let digits = w.trim_end_matches(|c: char| c.is_ascii_alphabetic());
        let rest = &w[digits.len()..];
        if !(1..=2).contains(&digits.len())
            || !digits.bytes().all(|b| b.is_ascii_digit())
            || !matches!(rest, "" | "st" | "nd" | "rd" | "th" | "d")
        {
            return None;
        }
        digits.parse().ok().filter(|d| (1..=31).contains(d))
    };
    let year_of = |w: &str| -> Option<i32> {
        (w.len() == 4 && w.bytes().all(|b| b.is_ascii_digit()))
            .then(|| w.parse().ok())
            .flatten()
            .filter(|y| (1700..=2100).contains(y))
    };
    let year = words.iter().find_map(|w| year_of(w))?;
    let Some(mi) = words.iter().position(|w| month_of(w).is_some()) else {
        return if need_month {
            None
        } else {
            PartialDate::y(year)
        };
    };
    let month = month_of(words[mi])?;
    // "January 25", or "25th January", "16th day of December".
    let before = words[..mi]
        .iter()
        .rev()
        .take(3)
        .find(|w| !matches!(w.to_lowercase().as_str(), "of" | "day" | "the"));
    let day = words
        .get(mi + 1)
        .and_then(|w| day_of(w))
        .or_else(|| before.and_then(|w| day_of(w)));
    match day {
        Some(d) => PartialDate::ymd(year, month, d).or_else(|| PartialDate::ym(year, month)),
        None => PartialDate::ym(year, month),
    }
}

/// Whether a word of `text` starts with `stem` (lowercase), ignoring case: "[Telegram.]" and
/// "Telegraphic instruction" say "telegra", "Radiotelegraph Convention" does not.
fn says_word(text: &str, stem: &str) -> bool {
    let lower = text.to_lowercase();
    lower.match_indices(stem).any(|(i, _)| {
        !lower[..i]
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric)
    })
}

/// The archival reference a source note names, if it names one.
fn archival_ref(note: &str) -> Option<String> {
    let text = note.trim();
    if text.starts_with('[') {
        return None;
    }
    // "861.51/131: Telegram", "Edward M. House Papers: Telegram": the reference is the head.
    let head = match text.rsplit_once(": ") {
        Some((head, tail)) if says_word(tail, "telegra") => head,
        _ => text,
    }
    .trim();
    let lower = head.to_lowercase();
    let is_ref = lower.contains("file no")
        || (head.starts_with(|c: char| c.is_ascii_digit()) && head.contains('/'))
        || lower.starts_with("paris peace conf")
        || lower.ends_with(" papers")
        || lower.ends_with(" files")
        || lower.starts_with("inquiry document");
    is_ref.then(|| head.to_string())
}

/// The printed pages: where the document starts (the page in force at its start, or a `pb`
/// that opens it) and the last `pb` inside it, `9` or `9-10`.
fn page_range(doc: &Elem, page_at_start: Option<String>) -> Option<String> {
    let mut pbs = Vec::new();
    doc.find_all(&|e| e.is("pb"), &mut pbs);
    let opens_with_pb = doc
        .children
        .iter()
        .find(|c| match c {
            Node::Text(t) => !t.trim().is_empty(),
            Node::Elem(_) => true,
        })
        .is_some_and(|c| matches!(c, Node::Elem(e) if e.is("pb")));
    let first = if opens_with_pb {
        pbs.first().and_then(|e| e.attr("n")).map(str::to_string)
    } else {
        page_at_start.or_else(|| pbs.first().and_then(|e| e.attr("n")).map(str::to_string))
    }?;
    let last = pbs.last().and_then(|e| e.attr("n")).unwrap_or(&first);
    Some(if last == first {
        first.clone()
    } else {
        format!("{first}-{last}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn volume(docs: &str) -> String {
        format!(
            r##"<?xml version="1.0" encoding="UTF-8"?>
<TEI xmlns="http://www.tei-c.org/ns/1.0" xmlns:frus="http://history.state.gov/frus/ns/1.0" xml:id="frusTest">
<teiHeader><fileDesc><titleStmt><title type="complete">Foreign Relations,
  1900, Test</title></titleStmt></fileDesc></teiHeader>
<text><front><pb n="1"/><list type="names"><item><persName xml:id="p_DO1">Doe, John</persName>, Consul.</item></list></front>
<body><div type="chapter" xml:id="ch1"><head>Chapter</head>
{docs}
</div></body></text></TEI>"##
        )
    }

    fn one(docs: &str) -> Record {
        let parsed = parse("test.xml", volume(docs).as_bytes()).unwrap();
        assert_eq!(parsed.records.len(), 1);
        parsed.records.into_iter().next().unwrap()
    }

    #[test]
    fn malformed_xml_names_line_and_column() {
        let xml = "<TEI xmlns=\"http://www.tei-c.org/ns/1.0\">\n<text>\n  <p>a</q>\n</text></TEI>";
        let err = parse("bad.xml", xml.as_bytes()).unwrap_err().to_string();
        assert!(err.starts_with("bad.xml: line 3, column 7: "), "{err}");
        let err = parse("cut.xml", b"<TEI>\n<text>").unwrap_err().to_string();
        assert!(err.starts_with("cut.xml: line 2, column 7: "), "{err}");
    }

    /// The error for a volume holding `docs`.
    fn refused(docs: &str) -> String {
        parse("bad.xml", volume(docs).as_bytes())
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn xml_that_is_not_well_formed_is_refused_with_its_place() {
        let ok = volume(r#"<div type="document" xml:id="d1"><head>A</head><p>a</p></div>"#);
        assert!(parse("ok.xml", ok.as_bytes()).is_ok());
        let cases: [(String, &str); 12] = [
            (
                format!("{ok}<TEI/>"),
                "line 8, column 27: a second root element <TEI>",
            ),
            (
                format!("{ok}\ntext"),
                "line 9, column 1: text outside the root element",
            ),
            (
                format!("{ok}&amp;"),
                "line 8, column 27: a reference outside the root element",
            ),
            (
                format!("junk{ok}"),
                "line 1, column 1: text outside the root element",
            ),
            (
                ok.replacen("<p>a</p>", "<p>a\0</p>", 1),
                "line 7, column 52: a NUL character (U+0000)",
            ),
            (
                ok.replacen("<p>a</p>", "<p>&#1;</p>", 1),
                "the character reference `&#1;` is a control character (U+0001)",
            ),
            (
                ok.replacen("<p>a</p>", "<p>&#x9F;</p>", 1),
                "is a C1 control character (U+009F)",
            ),
            (ok.replacen("<p>a</p>", "<p>a]]>b</p>", 1), "`]]>` in text"),
            (
                ok.replacen("<p>a</p>", "<p n=\"&#0;\">a</p>", 1),
                "invalid character reference",
            ),
            (
                ok.replacen("<p>a</p>", "<p rend=\"&#27;\">a</p>", 1),
                "an attribute value holds a control character (U+001B)",
            ),
            (
                ok.replacen("<p>a</p>", "<p a=\"<\">a</p>", 1),
                "`<` in an attribute value",
            ),
            (
                ok.replacen("<p>a</p>", "<1p>a</1p>", 1),
                "`1p` is not an XML element name",
            ),
        ];
        for (xml, expected) in cases {
            let err = parse("bad.xml", xml.as_bytes()).unwrap_err().to_string();
            assert!(err.contains(expected), "{expected:?} not in {err:?}");
            assert!(err.starts_with("bad.xml: line "), "{err}");
        }
        let err = parse(
            "bad.xml",
            format!("<!-- c -->\n<?xml version=\"1.0\"?>{ok}").as_bytes(),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("may only open the file"), "{err}");
    }

    #[test]
    fn doctypes_declaring_entities_are_refused() {
        let laughs = r#"<?xml version="1.0"?>
<!DOCTYPE TEI [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>
<TEI xmlns="http://www.tei-c.org/ns/1.0"><text><body><p>&lol2;</p></body></text></TEI>"#;
        let err = parse("l.xml", laughs.as_bytes()).unwrap_err().to_string();
        assert!(
            err.starts_with("l.xml: line 2, column 1: the DOCTYPE declares entities"),
            "{err}"
        );
        let xxe = "<!DOCTYPE TEI [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><TEI/>";
        assert!(
            parse("x.xml", xxe.as_bytes())
                .unwrap_err()
                .to_string()
                .contains("declares entities")
        );
        // An undeclared entity is refused by name.
        let err = refused(r#"<div type="document" xml:id="d1"><head>&nbsp;</head></div>"#);
        assert!(err.contains("unknown entity `&nbsp;`"), "{err}");
    }

    #[test]
    fn structure_limits_name_the_limit_and_the_place() {
        let deep = format!(
            r#"<div type="document" xml:id="d1"><p>{}x{}</p></div>"#,
            "<hi>".repeat(MAX_DEPTH),
            "</hi>".repeat(MAX_DEPTH)
        );
        let err = refused(&deep);
        assert!(
            err.contains(&format!(
                "elements nested deeper than {MAX_DEPTH} (the limit)"
            )),
            "{err}"
        );
        assert!(err.starts_with("bad.xml: line 7, column 1037: "), "{err}");

        let attrs: String = (0..=MAX_ATTRIBUTES)
            .map(|i| format!(" a{i}=\"v\""))
            .collect();
        let err = refused(&format!(
            r#"<div type="document" xml:id="d1"><p{attrs}>a</p></div>"#
        ));
        assert!(
            err.contains(&format!(
                "more than {MAX_ATTRIBUTES} attributes on one element (the limit)"
            )),
            "{err}"
        );
        let err = refused(&format!(
            r#"<div type="document" xml:id="d1" n="{}"><p>a</p></div>"#,
            "9".repeat(MAX_ATTRIBUTE_BYTES + 1)
        ));
        assert!(
            err.contains("an attribute value longer than 64 KiB (the limit)"),
            "{err}"
        );

        let nested = format!(
            r#"<div type="document" xml:id="d1"><p>a</p>{}{}</div>"#,
            "<frus:attachment><div type=\"document\"><p>b</p>".repeat(MAX_DOCUMENT_NESTING),
            "</div></frus:attachment>".repeat(MAX_DOCUMENT_NESTING)
        );
        let err = refused(&nested);
        assert!(
            err.contains("div[@type='document'] nested in one another deeper than 16 (the limit)"),
            "{err}"
        );
    }

    /// A document nested to the depth limit in every way the walks recurse (inline elements,
    /// footnotes in footnotes, lists, tables, enclosures in enclosures) is read on a stack of
    /// 256 KiB, an eighth of what an import's worker thread has.
    #[test]
    fn a_document_at_the_depth_limit_is_read_on_a_small_stack() {
        // The volume wrapper nests 5 deep (TEI, text, body, div, the document), then `p`.
        let mut depth = 6;
        let mut open = String::new();
        let mut close = String::new();
        let mut enclosures = 1;
        for i in 0.. {
            let (o, c, n) = match i % 5 {
                0 => ("<hi rend=\"italic\">", "</hi>", 1),
                1 => ("<note n=\"1\">", "</note>", 1),
                2 => ("<list><item>", "</item></list>", 2),
                3 => ("<table><row><cell>", "</cell></row></table>", 3),
                // Within the document nesting limit.
                _ if enclosures < MAX_DOCUMENT_NESTING => {
                    enclosures += 1;
                    (
                        "<frus:attachment><div type=\"document\">",
                        "</div></frus:attachment>",
                        2,
                    )
                }
                _ => ("<seg>", "</seg>", 1),
            };
            if depth + n > MAX_DEPTH {
                while depth < MAX_DEPTH {
                    depth += 1;
                    open.push_str("<hi>");
                    close.insert_str(0, "</hi>");
                }
                break;
            }
            depth += n;
            open.push_str(o);
            close.insert_str(0, c);
        }
        assert_eq!(depth, MAX_DEPTH);
        let xml = volume(&format!(
            r#"<div type="document" xml:id="d1"><head>H {open}deep{close}</head><p>{open}deep{close}</p><closer>{open}S{close}</closer></div>"#
        ));
        let parsed = std::thread::Builder::new()
            .stack_size(256 << 10)
            .spawn(move || parse("deep.xml", xml.as_bytes()).map(|p| p.records.len()))
            .unwrap()
            .join()
            .expect("no stack overflow");
        assert!(parsed.unwrap() > 1);
    }

    #[test]
    fn files_without_documents_or_ids_are_refused() {
        let err = parse("empty.xml", volume("<p>nothing</p>").as_bytes())
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "empty.xml: TEI: no div[@type='document'] in this TEI file"
        );
        let err = parse(
            "noid.xml",
            volume("<div type=\"document\"><head>X</head><p>y</p></div>").as_bytes(),
        )
        .unwrap_err()
        .to_string();
        assert_eq!(err, "noid.xml: line 7: div[@type='document'] has no xml:id");
    }

    #[test]
    fn footnotes_are_kept_apart_from_title_and_body() {
        let r = one(r##"<div type="document" xml:id="d7" n="7">
  <head>No. 7.<lb/>Mr. <persName type="from" corresp="#p_DO1">Doe</persName> to Mr. <persName type="to">Roe</persName>.<note n="1">Head note.</note></head>
  <note rend="inline" type="source">File No. 861.51/131</note>
  <dateline><placeName>Paris</placeName>, <date when="1900-03">March, 1900</date>.</dateline>
  <p>First <hi>line</hi>,<lb/>second   line.<note n="2" xml:id="fn2">A <hi>foot</hi>note.</note> End.</p>
  <pb n="12"/>
  <frus:attachment><note rend="inline" type="source">[Inclosure.]</note><p>Enclosed &amp; kept.</p></frus:attachment>
  <closer><signed><hi rend="smallcaps">J. Doe</hi>, Consul.</signed></closer>
</div>"##);
        assert_eq!(r.id, "frusTest-d7");
        assert_eq!(r.title, "No. 7. Mr. Doe to Mr. Roe.");
        assert_eq!(r.date, PartialDate::ym(1900, 3));
        assert_eq!(r.place_written.as_deref(), Some("Paris"));
        assert_eq!(r.authors, ["Doe"]);
        assert_eq!(r.recipients, ["Roe"]);
        assert_eq!(r.people, ["John Doe"]);
        assert_eq!(r.doc_type, None);
        let text = &r.texts[0];
        assert_eq!(text.role, TextRole::Transcript);
        assert_eq!(
            text.body,
            "First line,\nsecond line. End.\n\n[Inclosure.]\n\nEnclosed & kept.\n\nJ. Doe, Consul."
        );
        let notes: Vec<(&str, &str)> = text
            .notes
            .iter()
            .map(|n| (n.n.as_str(), n.body.as_str()))
            .collect();
        assert_eq!(notes, [("1", "Head note."), ("2", "A footnote.")]);
        assert_eq!(r.archival_refs[0].raw, "File No. 861.51/131");
        assert_eq!(r.extra["source_note"], "File No. 861.51/131");
        assert_eq!(r.extra["pages"], "1-12");
        assert_eq!(r.extra["doc_number"], "7");
        assert_eq!(
            r.citation.as_deref(),
            Some("Foreign Relations, 1900, Test, Document 7")
        );
        assert_eq!(
            r.provenance.locator.as_deref(),
            Some("div[@xml:id='d7'], line 7")
        );
    }

    #[test]
    fn telegrams_translations_and_tables() {
        let r = one(r##"<div type="document" xml:id="d1" n="1">
  <head>The Secretary to the <gloss type="to">Minister</gloss></head>
  <note rend="inline" type="source">711.00/12: Telegram</note>
  <note rend="inline" type="source">[Translation]</note>
  <dateline><placeName>Washington</placeName>, <date when="1917-04-03T18:00:00">April 3</date>.</dateline>
  <table><row><cell>a</cell><cell>b</cell></row><row><cell><p>c</p></cell><cell>d</cell></row></table>
</div>"##);
        assert_eq!(r.date, PartialDate::ymd(1917, 4, 3));
        assert_eq!(r.doc_type.as_deref(), Some("Telegram"));
        assert_eq!(r.recipients, ["Minister"]);
        assert_eq!(r.archival_refs[0].raw, "711.00/12");
        assert_eq!(r.texts[0].role, TextRole::Translation);
        assert!(r.languages.is_empty());
        assert_eq!(r.texts[0].body, "a | b\nc | d");
    }

    #[test]
    fn dates_fall_back_to_attributes_words_and_diagnostics() {
        assert_eq!(
            date_from_words("January 25, 1894, 6 p.m.", false),
            PartialDate::ymd(1894, 1, 25)
        );
        assert_eq!(
            date_from_words("on the 16th day of December, A. D. 1871.", false),
            PartialDate::ymd(1871, 12, 16)
        );
        assert_eq!(
            date_from_words("Sept. 3, 1901", false),
            PartialDate::ymd(1901, 9, 3)
        );
        assert_eq!(date_from_words("Treaty of 1846", true), None);
        assert_eq!(date_from_words("September 25.", false), None);
        let parsed = parse(
            "t.xml",
            volume(
                r##"<div type="document" xml:id="d1" frus:doc-dateTime-min="1870-08-03T00:00:00-05:00" frus:doc-dateTime-max="1870-08-03T23:59:59-05:00"><head>A</head><p>x</p></div>
<div type="document" xml:id="d2"><head>B</head><dateline>Paris, <date>July 5, 1870</date></dateline><p>y</p></div>
<div type="document" xml:id="d3"><head>C</head><dateline>[Undated.]</dateline><p>z</p></div>"##,
            )
            .as_bytes(),
        )
        .unwrap();
        let dates: Vec<_> = parsed.records.iter().map(|r| r.date).collect();
        assert_eq!(
            dates,
            [
                PartialDate::ymd(1870, 8, 3),
                PartialDate::ymd(1870, 7, 5),
                None
            ]
        );
        assert_eq!(parsed.diagnostics.len(), 1);
        assert_eq!(parsed.diagnostics[0].location, "div[@xml:id='d3'], line 9");
    }

    #[test]
    fn type_words_start_a_word() {
        assert!(says_word("[Circular telegram]", "telegra"));
        assert!(says_word("Telegraphic instruction sent", "telegra"));
        assert!(!says_word("Radiotelegraph Convention", "telegra"));
        assert_eq!(
            archival_ref("Edward M. House Papers: Telegram").as_deref(),
            Some("Edward M. House Papers")
        );
        assert_eq!(archival_ref("[Telegram.]"), None);
        assert_eq!(archival_ref("No. 57.]"), None);
        assert_eq!(archival_ref("Treaty Series No. 9"), None);
    }

    #[test]
    fn names_of_one_person_are_listed_once() {
        assert!(same_person("Mr. Seward", "WILLIAM H. SEWARD"));
        assert!(same_person("Gresham", "W. Q. Gresham."));
        assert!(same_person("Colonel E. M. House", "Edward House"));
        assert!(!same_person("Charles F. Adams", "John Q. Adams"));
        assert!(!same_person("Baker", "Gresham"));
        let mut list = vec!["Seat".to_string()];
        add_name(&mut list, "SEAT".into());
        add_name(&mut list, "Braida".into());
        assert_eq!(list, ["Seat", "Braida"]);
    }

    #[test]
    fn enclosures_are_records_after_their_host() {
        let parsed = parse(
            "t.xml",
            volume(
                r##"<div type="document" xml:id="d3" n="3"><head>No. 3. Mr. Doe to Mr. Roe.</head><dateline><date when="1861-04-30">April 30</date></dateline><p>Text.</p>
<frus:attachment><note rend="inline" type="source">[Inclosure 1.]</note>
<div type="document"><head>Convention   between
 the Powers.</head><dateline>Paris, <date when="1856-04-16">April 16, 1856</date>.</dateline><p>Article I.<note n="1">A footnote.</note></p><closer><signed>CLARENDON.</signed></closer></div></frus:attachment>
<frus:attachment><div type="document"><head/><note rend="inline" type="source">[Translation.]</note><p>A notice.</p></div></frus:attachment></div>
<div type="document" xml:id="d4"><head>Next</head><dateline><date when="1861-05-01">May 1</date></dateline><p>z</p></div>"##,
            )
            .as_bytes(),
        )
        .unwrap();
        let ids: Vec<&str> = parsed.records.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "frusTest-d3",
                "frusTest-d3-enc1",
                "frusTest-d3-enc2",
                "frusTest-d4"
            ]
        );
        let [host, enc1, enc2, _] = parsed.records.as_slice() else {
            unreachable!()
        };
        // The host is read as before: the enclosures are printed in its body.
        assert_eq!(
            host.texts[0].body,
            "Text.\n\n[Inclosure 1.]\n\nConvention between the Powers.\n\n\
             Paris, April 16, 1856.\n\nArticle I.\n\nCLARENDON.\n\n[Translation.]\n\nA notice."
        );
        assert!(!host.extra.contains_key("enclosed_in"));

        assert_eq!(enc1.title, "Convention between the Powers.");
        assert_eq!(enc1.date, PartialDate::ymd(1856, 4, 16));
        assert_eq!(enc1.place_written, None);
        assert_eq!(enc1.authors, ["CLARENDON"]);
        assert_eq!(enc1.texts[0].body, "Article I.\n\nCLARENDON.");
        assert_eq!(enc1.texts[0].notes[0].body, "A footnote.");
        assert_eq!(enc1.extra["enclosed_in"], "frusTest-d3");
        assert_eq!(enc1.extra["dateline"], "Paris, April 16, 1856.");
        assert_eq!(
            enc1.citation.as_deref(),
            Some("Foreign Relations, 1900, Test, Document 3, enclosure 1")
        );
        assert_eq!(
            enc1.source.url.as_deref(),
            Some("https://history.state.gov/historicaldocuments/frusTest/d3")
        );
        assert_eq!(enc1.source.record_id.as_deref(), Some("d3"));
        assert_eq!(
            enc1.provenance.locator.as_deref(),
            Some("enclosure 1 of div[@xml:id='d3'], line 9")
        );
        assert!(!enc1.extra.contains_key("doc_number"));

        assert_eq!(enc2.title, "Enclosure 2 to No. 3. Mr. Doe to Mr. Roe.");
        assert_eq!(enc2.date, None);
        assert_eq!(enc2.texts[0].role, TextRole::Translation);
        assert_eq!(enc2.texts[0].body, "A notice.");
        assert_eq!(enc2.extra["source_note"], "[Translation.]");
        assert_eq!(enc2.extra["enclosed_in"], "frusTest-d3");
        assert_eq!(
            enc2.provenance.locator.as_deref(),
            Some("enclosure 2 of div[@xml:id='d3'], line 11")
        );
        // No diagnostic per enclosure: one for them all.
        let locations: Vec<&str> = parsed
            .diagnostics
            .iter()
            .map(|d| d.message.as_str())
            .collect();
        assert_eq!(
            locations,
            [
                "of 2 enclosure records, 1 has no date of its own (left undated), 1 no head (titled after its host)"
            ]
        );
    }

    #[test]
    fn nested_documents_with_ids_and_enclosures_of_enclosures() {
        let parsed = parse(
            "t.xml",
            volume(
                r##"<div type="document" xml:id="d1"><head>A</head><p>a</p>
<frus:attachment><div type="document"><head>B</head><p>b</p>
<frus:attachment><div type="document"><head>C</head><p>c</p></div></frus:attachment></div></frus:attachment>
<frus:attachment><div type="document" xml:id="d1a"><head>D</head><p>d</p>
<frus:attachment><div type="document"><head>E</head><p>e</p></div></frus:attachment></div></frus:attachment>
<frus:attachment><div type="document"><head>F</head><p>f</p></div></frus:attachment></div>"##,
            )
            .as_bytes(),
        )
        .unwrap();
        let got: Vec<(&str, &str, Option<&str>)> = parsed
            .records
            .iter()
            .map(|r| {
                (
                    r.id.as_str(),
                    r.title.as_str(),
                    r.extra.get("enclosed_in").map(String::as_str),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("frusTest-d1", "A", None),
                ("frusTest-d1-enc1", "B", Some("frusTest-d1")),
                ("frusTest-d1-enc1-enc1", "C", Some("frusTest-d1-enc1")),
                ("frusTest-d1a", "D", Some("frusTest-d1")),
                ("frusTest-d1a-enc1", "E", Some("frusTest-d1a")),
                ("frusTest-d1-enc2", "F", Some("frusTest-d1")),
            ]
        );
        let d1a = &parsed.records[3];
        assert_eq!(
            d1a.source.url.as_deref(),
            Some("https://history.state.gov/historicaldocuments/frusTest/d1a")
        );
        assert_eq!(
            d1a.provenance.locator.as_deref(),
            Some("div[@xml:id='d1a'], line 10")
        );
        assert_eq!(
            parsed.records[0].texts[0].body,
            "a\n\nB\n\nb\n\nC\n\nc\n\nD\n\nd\n\nE\n\ne\n\nF\n\nf"
        );
        assert_eq!(
            parsed.records[2].citation.as_deref(),
            Some("Foreign Relations, 1900, Test, d1, enclosure 1, enclosure 1")
        );
    }

    #[test]
    fn enclosures_outside_documents_are_named_after_their_div() {
        let xml = r##"<TEI xmlns="http://www.tei-c.org/ns/1.0" xmlns:frus="http://history.state.gov/frus/ns/1.0" xml:id="frusTest">
<text><front><div type="section" xml:id="message"><head>Message</head><p>m</p>
<frus:attachment><div type="document"><head>Schedule A.</head><p>s</p></div></frus:attachment>
<frus:attachment><div type="document"><head/><p>t</p></div></frus:attachment></div>
<frus:attachment><div type="document"><head>Loose</head><p>u</p></div></frus:attachment></front>
<body><div type="document" xml:id="d1"><head>A</head><p>a</p></div></body></text></TEI>"##;
        let parsed = parse("t.xml", xml.as_bytes()).unwrap();
        let got: Vec<(&str, &str, Option<&str>, Option<&str>)> = parsed
            .records
            .iter()
            .map(|r| {
                (
                    r.id.as_str(),
                    r.title.as_str(),
                    r.source.record_id.as_deref(),
                    r.extra.get("enclosed_in").map(String::as_str),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    "frusTest-message-enc1",
                    "Schedule A.",
                    Some("message"),
                    None
                ),
                (
                    "frusTest-message-enc2",
                    "Enclosure 2 in message",
                    Some("message"),
                    None
                ),
                ("frusTest-enc1", "Loose", None, None),
                ("frusTest-d1", "A", Some("d1"), None),
            ]
        );
        let s = &parsed.records[0];
        assert_eq!(
            s.source.url.as_deref(),
            Some("https://history.state.gov/historicaldocuments/frusTest/message")
        );
        assert_eq!(
            s.citation.as_deref(),
            Some("Foreign Relations of the United States, message, enclosure 1")
        );
        assert_eq!(
            s.provenance.locator.as_deref(),
            Some("enclosure 1 in div[@xml:id='message'], line 3")
        );
    }

    #[test]
    fn a_made_enclosure_id_may_not_take_a_real_one() {
        let err = parse(
            "t.xml",
            volume(
                r##"<div type="document" xml:id="d3-enc1"><head>Real</head><p>r</p></div>
<div type="document" xml:id="d3"><head>Host</head><p>h</p>
<frus:attachment><div type="document"><head>Made</head><p>m</p></div></frus:attachment></div>"##,
            )
            .as_bytes(),
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            err,
            "t.xml: line 9: the id `frusTest-d3-enc1` made for the id-less \
             div[@type='document'] here is already the id of the record at line 7"
        );
    }
}
