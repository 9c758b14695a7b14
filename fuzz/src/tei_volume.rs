//! FRUS TEI volumes generated from a grammar of the elements, attributes and wordings the
//! FRUS importer reads, driven by the fuzzer's choices.
//!
//! A volume has a header (its id and title), front matter with a list of persons, and a body of
//! sections and `div[@type='document']`s whose heads, datelines, openers, closers, source notes,
//! footnotes, tables, lists and `frus:attachment`s (with enclosed documents) nest as in FRUS.
//! Values come from vocabularies of what the importer looks for (dates in every precision and
//! some impossible ones, "[Telegram.]", "File No. 861.51/131", "Translation", titles of
//! persons…) mixed with arbitrary text. A few choices break the XML on purpose (a stray `&`,
//! an unclosed or mismatched tag, a DOCTYPE with an entity, CDATA, a NUL), so the error paths
//! are reached too. Nesting is at most [`MAX_DEPTH`] deep and a volume at most [`MAX_NODES`]
//! elements: deep nesting is the importer's depth limit's business, not this grammar's.

use arbitrary::Unstructured;

/// The deepest element nesting generated below a document's `div`.
const MAX_DEPTH: usize = 10;
/// The most elements in one volume.
const MAX_NODES: usize = 400;

/// Element names the importer reads, with the attributes that matter on each.
const ELEMENTS: &[(&str, &[&str])] = &[
    ("p", &["rend", "n"]),
    ("head", &[]),
    ("dateline", &["rend"]),
    ("date", &["when", "notBefore", "notAfter", "from", "to"]),
    ("placeName", &[]),
    ("opener", &[]),
    ("closer", &[]),
    ("salute", &[]),
    ("signed", &[]),
    ("persName", &["type", "corresp", "xml:id"]),
    ("gloss", &["type", "target"]),
    ("note", &["n", "place", "type", "rend", "xml:id"]),
    ("hi", &["rend"]),
    ("lb", &[]),
    ("pb", &["n", "xml:id", "facs"]),
    ("list", &["type"]),
    ("item", &[]),
    ("label", &[]),
    ("table", &["rows", "cols"]),
    ("row", &["role"]),
    ("cell", &["role", "cols"]),
    ("quote", &["rend"]),
    ("postscript", &[]),
    ("frus:attachment", &["xml:id"]),
    ("div", &["type", "subtype", "xml:id", "n"]),
    ("figure", &[]),
    ("graphic", &["url"]),
    ("gap", &[]),
    ("seg", &["rend"]),
    ("ref", &["target"]),
    ("title", &["type"]),
    ("idno", &["type"]),
    ("byline", &[]),
    ("trailer", &[]),
    ("fw", &[]),
    ("lg", &[]),
    ("l", &[]),
    ("sp", &[]),
    ("speaker", &[]),
    ("ab", &[]),
    ("docAuthor", &[]),
    ("epigraph", &[]),
    ("figDesc", &[]),
    ("foreign", &["xml:lang"]),
    ("tei:p", &[]),
    ("x", &["y"]),
];

/// Attributes every element may carry now and then.
const ANY_ATTRIBUTES: &[&str] = &[
    "type",
    "subtype",
    "xml:id",
    "n",
    "rend",
    "xml:lang",
    "frus:doc-dateTime-min",
    "frus:doc-dateTime-max",
    "when",
    "corresp",
];

/// Attribute values, by what the importer looks for.
const VALUES: &[&str] = &[
    "document",
    "section",
    "chapter",
    "compilation",
    "historical-document",
    "editorial-note",
    "from",
    "to",
    "foot",
    "footnote",
    "inline",
    "smallcaps",
    "italic",
    "strong",
    "center",
    "source",
    "frus",
    "complete",
    "d1",
    "d2",
    "d3",
    "d12",
    "ch1",
    "p_GWQ1",
    "#p_GWQ1",
    "#p_SJA1",
    "#nobody",
    "1",
    "2",
    "12",
    "[1]",
    "1894-01-25",
    "1894-01",
    "1894",
    "1917-04-03T18:00:00",
    "1917-04-03T18:00:00-05:00",
    "0201-06-05",
    "1670-01-01",
    "1894-02-30",
    "1894-13-01",
    "0000-00-00",
    "9999-12-31",
    "-1894",
    "+1894-01-01",
    "\u{ff11}\u{ff18}\u{ff19}\u{ff14}",
    "1894-01-25T25:99",
    "",
    " ",
    "en",
    "ru",
];

/// Wordings the importer reads in heads, datelines, source notes and signatures.
const WORDS: &[&str] = &[
    "No. 1. Mr. Seat to Mr. Gresham.",
    "Mr. Gresham to Mr. Baker.",
    "Telegraphic instruction",
    "Memorandum by the Secretary of State",
    "Translation.",
    "Translation",
    "[Translation.]",
    "[Telegram.]",
    "Telegram",
    "[Received February 3.]",
    "861.51/131: Telegram",
    "File No. 861.51/131",
    "Paris Peace Conf. 185.1/23",
    "Edward M. House Papers",
    "Inquiry files",
    "[Inclosure.]",
    "No. 57.",
    "January 25, 1894",
    "June 5\u{2013}17, 1864",
    "held at Geneva on the 14th of August, 1872.",
    "Washington, March 4, 1861.",
    "Bluefields, February 12, 1894.",
    "W. Q. Gresham",
    "WILLIAM H. SEWARD",
    "Gresham",
    "Mr. Seward",
    "Sir:",
    "I have the honor to inclose",
    "Secretary of State",
    "Department of State,",
    "Respectfully,",
    "[Untitled]",
    "1894",
    ",",
    ".",
    " ",
    "\n",
    "\u{a0}",
    "\u{2014}",
    "&amp;",
    "&lt;",
    "&gt;",
    "&quot;",
    "&#160;",
    "&#x2014;",
    "&#x1F600;",
    "\u{0301}",
    "Сталин",
    "毛泽东",
];

/// Arbitrary text, as a sequence of choices: a vocabulary entry or a few arbitrary characters.
fn text(u: &mut Unstructured<'_>, out: &mut String) {
    let n = u.int_in_range(0..=4).unwrap_or(0);
    for _ in 0..n {
        if u.ratio(3, 4).unwrap_or(true) {
            out.push_str(u.choose(WORDS).unwrap_or(&""));
        } else {
            let s: String = u.arbitrary().unwrap_or_default();
            escape_into(&s.chars().take(24).collect::<String>(), out);
        }
    }
}

/// `s` with the characters XML gives meaning to escaped.
fn escape_into(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
}

struct Generator<'a, 'b> {
    u: &'a mut Unstructured<'b>,
    out: String,
    nodes: usize,
}

impl Generator<'_, '_> {
    fn attribute(&mut self, name: &str) {
        self.out.push(' ');
        self.out.push_str(name);
        self.out.push_str("=\"");
        if self.u.ratio(4, 5).unwrap_or(true) {
            let v = *self.u.choose(VALUES).unwrap_or(&"");
            escape_into(v, &mut self.out);
        } else {
            let mut v = String::new();
            text(self.u, &mut v);
            escape_into(&v, &mut self.out);
        }
        self.out.push('"');
    }

    /// One element with attributes and content, or nothing when the budget is spent.
    fn element(&mut self, name: &str, attrs: &[&str], depth: usize) {
        if self.nodes >= MAX_NODES {
            return;
        }
        self.nodes += 1;
        self.out.push('<');
        self.out.push_str(name);
        for attr in attrs {
            if self.u.ratio(1, 2).unwrap_or(false) {
                self.attribute(attr);
            }
        }
        if self.u.ratio(1, 8).unwrap_or(false) {
            let attr = *self.u.choose(ANY_ATTRIBUTES).unwrap_or(&"n");
            self.attribute(attr);
        }
        if self.u.ratio(1, 6).unwrap_or(false) {
            self.out.push_str("/>");
            return;
        }
        self.out.push('>');
        self.content(depth + 1);
        match self.u.int_in_range(0..=60).unwrap_or(1) {
            // A mismatched or missing end tag, now and then.
            0 => self.out.push_str("</wrong>"),
            1 if depth > 0 => {}
            _ => {
                self.out.push_str("</");
                self.out.push_str(name);
                self.out.push('>');
            }
        }
    }

    /// A mix of text and child elements.
    fn content(&mut self, depth: usize) {
        let n = self.u.int_in_range(0..=5).unwrap_or(0);
        for _ in 0..n {
            if self.u.is_empty() {
                return;
            }
            match self.u.int_in_range(0..=20).unwrap_or(0) {
                0..=6 => text(self.u, &mut self.out),
                7..=17 if depth < MAX_DEPTH => {
                    let (name, attrs) = *self.u.choose(ELEMENTS).unwrap_or(&ELEMENTS[0]);
                    if name == "div" {
                        self.document(depth);
                    } else {
                        self.element(name, attrs, depth);
                    }
                }
                18 => self.oddity(),
                _ => text(self.u, &mut self.out),
            }
        }
    }

    /// Something the XML reader must refuse or see through.
    fn oddity(&mut self) {
        let odd = *self
            .u
            .choose(&[
                "&",
                "&unknown;",
                "&#0;",
                "&#xD800;",
                "&#99999999;",
                "<!-- a comment -->",
                "<![CDATA[<p>not markup</p>]]>",
                "<?pi data?>",
                "\u{0}",
                "\u{1}",
                "\u{fffe}",
                "<",
                "]]>",
                "</TEI>",
                "<TEI>",
                "<p xml:id=\"a\" xml:id=\"b\">",
                "<p n=1>",
            ])
            .unwrap_or(&"&");
        self.out.push_str(odd);
    }

    /// A `div[@type='document']` with the parts a FRUS document has, in a plausible order,
    /// each present or not.
    fn document(&mut self, depth: usize) {
        if self.nodes >= MAX_NODES {
            return;
        }
        self.nodes += 1;
        self.out.push_str("<div type=\"");
        let kind = *self
            .u
            .choose(&["document", "document", "document", "section", "chapter", ""])
            .unwrap_or(&"document");
        self.out.push_str(kind);
        self.out.push('"');
        if self.u.ratio(5, 6).unwrap_or(true) {
            let id = self.u.int_in_range(1..=12).unwrap_or(1);
            let prefix = *self
                .u
                .choose(&["d", "d", "ch", "", "d 1", "d/"])
                .unwrap_or(&"d");
            self.out.push_str(&format!(" xml:id=\"{prefix}{id}\""));
        }
        for attr in [
            "n",
            "subtype",
            "frus:doc-dateTime-min",
            "frus:doc-dateTime-max",
        ] {
            if self.u.ratio(1, 3).unwrap_or(false) {
                self.attribute(attr);
            }
        }
        self.out.push('>');
        let depth = depth + 1;
        let parts: [(&str, &[&str]); 8] = [
            ("head", &[]),
            ("note", &["type", "rend"]),
            ("dateline", &["rend"]),
            ("opener", &[]),
            ("p", &[]),
            ("frus:attachment", &[]),
            ("closer", &[]),
            ("postscript", &[]),
        ];
        for (name, attrs) in parts {
            if self.u.is_empty() {
                break;
            }
            let times = self.u.int_in_range(0..=2).unwrap_or(0);
            for _ in 0..times {
                match name {
                    "note" => self.source_note(),
                    "dateline" => self.dateline(depth),
                    _ => self.element(name, attrs, depth),
                }
            }
        }
        self.out.push_str("</div>");
    }

    fn source_note(&mut self) {
        self.out.push_str("<note type=\"source\">");
        text(self.u, &mut self.out);
        self.out.push_str("</note>");
    }

    fn dateline(&mut self, depth: usize) {
        self.out.push_str("<dateline>");
        if self.u.arbitrary().unwrap_or(false) {
            self.out.push_str("<placeName>");
            text(self.u, &mut self.out);
            self.out.push_str("</placeName>, ");
        }
        self.out.push_str("<date");
        for attr in ["when", "notBefore", "from"] {
            if self.u.ratio(1, 2).unwrap_or(false) {
                self.attribute(attr);
            }
        }
        self.out.push('>');
        text(self.u, &mut self.out);
        self.out.push_str("</date>");
        if depth < MAX_DEPTH && self.u.ratio(1, 4).unwrap_or(false) {
            self.content(depth + 1);
        }
        self.out.push_str("</dateline>");
    }
}

/// A TEI volume from the fuzzer's choices.
pub(crate) fn generate(u: &mut Unstructured<'_>) -> String {
    let mut g = Generator {
        u,
        out: String::with_capacity(4096),
        nodes: 0,
    };
    if g.u.ratio(7, 8).unwrap_or(true) {
        g.out
            .push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    }
    if g.u.ratio(1, 16).unwrap_or(false) {
        g.out.push_str(
            "<!DOCTYPE TEI [<!ENTITY e \"expanded\"><!ENTITY x SYSTEM \"file:///etc/passwd\">]>",
        );
    }
    g.out.push_str(
        "<TEI xmlns=\"http://www.tei-c.org/ns/1.0\" \
         xmlns:frus=\"http://history.state.gov/frus/ns/1.0\"",
    );
    if g.u.ratio(3, 4).unwrap_or(true) {
        let id =
            *g.u.choose(&[
                "frus1894Nicaragua",
                "frus1861",
                "frusTest",
                "",
                "a b",
                "x/y",
            ])
            .unwrap_or(&"frusTest");
        g.out.push_str(&format!(" xml:id=\"{id}\""));
    }
    g.out.push_str("><teiHeader><fileDesc><titleStmt>");
    if g.u.ratio(3, 4).unwrap_or(true) {
        g.out.push_str("<title type=\"complete\">");
        text(g.u, &mut g.out);
        g.out.push_str("</title>");
    }
    g.out.push_str("</titleStmt><publicationStmt>");
    if g.u.arbitrary().unwrap_or(false) {
        g.out.push_str("<idno type=\"frus\">");
        text(g.u, &mut g.out);
        g.out.push_str("</idno>");
    }
    g.out
        .push_str("</publicationStmt></fileDesc></teiHeader><text><front>");
    let persons = g.u.int_in_range(0..=3).unwrap_or(0);
    for _ in 0..persons {
        let id =
            *g.u.choose(&["p_GWQ1", "p_SJA1", "p_GWQ1", ""])
                .unwrap_or(&"");
        g.out.push_str(&format!("<item><persName xml:id=\"{id}\">"));
        text(g.u, &mut g.out);
        g.out.push_str("</persName>");
        text(g.u, &mut g.out);
        g.out.push_str("</item>");
    }
    g.out.push_str("</front><body>");
    while !g.u.is_empty() && g.nodes < MAX_NODES {
        if g.u.ratio(1, 5).unwrap_or(false) {
            // A section holding documents.
            g.out
                .push_str("<div type=\"section\" xml:id=\"s1\"><head>Section</head>");
            g.content(1);
            g.out.push_str("</div>");
        } else {
            g.document(0);
        }
    }
    g.out.push_str("</body></text></TEI>");
    g.out
}
