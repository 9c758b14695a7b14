//! A text of a document: the original transcript or a translation, with its paragraphs.

use serde::{Deserialize, Serialize};

/// What a [`Text`] is relative to the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TextRole {
    /// The text in its original language, as transcribed from the archival original.
    Transcript,
    /// A translation of the transcript into another language.
    Translation,
}

impl TextRole {
    /// The role's name as written in the record format: `transcript` or `translation`.
    pub fn as_str(self) -> &'static str {
        match self {
            TextRole::Transcript => "transcript",
            TextRole::Translation => "translation",
        }
    }
}

/// A footnote or editorial note belonging to a text, kept apart from its body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    /// The note's mark or number as printed (`1`, `*`, `a`); empty when the source gives none.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub n: String,
    /// The note's text.
    pub body: String,
}

/// One text of a document: a transcript or a translation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Text {
    /// Transcript (original) or translation.
    pub role: TextRole,
    /// The language of this text, ISO 639-1 (`ru`, `en`, `zh`, `de`).
    pub lang: String,
    /// The body: paragraphs separated by one blank line (`"\n\n"`), no leading or trailing
    /// blank lines; a single newline inside a paragraph is a line break kept from the source.
    pub body: String,
    /// Who translated this text, as credited by the source.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub translators: Vec<String>,
    /// Footnotes and editorial notes, in source order, apart from the body.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
}

impl Text {
    /// The body's paragraphs, in order.
    pub fn paragraphs(&self) -> impl Iterator<Item = &str> {
        self.body
            .split("\n\n")
            .map(str::trim)
            .filter(|p| !p.is_empty())
    }

    /// Builds a body from paragraphs: each trimmed, empty ones dropped, joined by a blank line.
    pub fn join_paragraphs<I, S>(paragraphs: I) -> String
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut body = String::new();
        for p in paragraphs {
            let p = p.as_ref().trim();
            if p.is_empty() {
                continue;
            }
            if !body.is_empty() {
                body.push_str("\n\n");
            }
            body.push_str(p);
        }
        body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_round_trip_through_the_body() {
        let body = Text::join_paragraphs(["  First. ", "", "Second\nline."]);
        assert_eq!(body, "First.\n\nSecond\nline.");
        let t = Text {
            role: TextRole::Translation,
            lang: "en".into(),
            body,
            translators: vec![],
            notes: vec![],
        };
        assert_eq!(
            t.paragraphs().collect::<Vec<_>>(),
            ["First.", "Second\nline."]
        );
    }
}
