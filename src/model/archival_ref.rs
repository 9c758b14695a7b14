//! A reference to an archival unit: archive, fond, opis, delo and folios, with the raw text.

use serde::{Deserialize, Serialize};

/// Where a document sits in an archive, as in "RGASPI, f. 558, op. 11, d. 334, l. 85".
///
/// `raw` always holds the reference as the source wrote it; the parsed parts are filled where
/// they could be recognised (a FRUS "File No. 861.51/131" keeps only its raw form).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchivalRef {
    /// The archive, by its usual (Latin-script) abbreviation: `RGASPI`, `APRF`, `AVPRF`, `BArch`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archive: Option<String>,
    /// Fond (record group), e.g. `558`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fond: Option<String>,
    /// Opis (inventory / series), e.g. `11`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opis: Option<String>,
    /// Delo (file), e.g. `334`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delo: Option<String>,
    /// Folios (listy) or pages, normalised without leading zeros: `85`, `99-103`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub folios: Option<String>,
    /// The reference exactly as written in the source.
    pub raw: String,
}

/// Archives known by name: the name or abbreviation as sources write it, and the Latin
/// abbreviation Fonds records. Long names are matched without regard to case; abbreviations
/// exactly. Former names map to the archive that holds the files now (RTsKhIDNI → RGASPI,
/// TsKhSD → RGANI); `raw` keeps what was written.
const ARCHIVES: &[(&str, &str)] = &[
    ("Archive of the President of the Russian Federation", "APRF"),
    ("Presidential Archive of the Russian Federation", "APRF"),
    (
        "Russian State Archive of Social and Political History",
        "RGASPI",
    ),
    ("Russian State Archive of Socio-Political History", "RGASPI"),
    (
        "Archive of Foreign Policy of the Russian Federation",
        "AVPRF",
    ),
    ("Foreign Policy Archive of the Russian Federation", "AVPRF"),
    ("Russian State Archive of Contemporary History", "RGANI"),
    ("State Archive of the Russian Federation", "GARF"),
    ("Central Archive of the Ministry of Defense", "TsAMO"),
    ("Central Archives of the Ministry of Defense", "TsAMO"),
    ("German Federal Archives", "BArch"),
    ("Federal Archives of Germany", "BArch"),
    ("Bundesarchiv", "BArch"),
    ("Political Archive of the Federal Foreign Office", "PA AA"),
    ("Politisches Archiv des Auswärtigen Amts", "PA AA"),
    ("Архив Президента Российской Федерации", "APRF"),
    (
        "Российский государственный архив социально-политической истории",
        "RGASPI",
    ),
    ("Архив внешней политики Российской Федерации", "AVPRF"),
    ("Центральный архив Министерства обороны", "TsAMO"),
    ("Государственный архив Российской Федерации", "GARF"),
    ("Российский государственный архив новейшей истории", "RGANI"),
    ("SAPMO-BArch", "SAPMO-BArch"),
    ("RGASPI", "RGASPI"),
    ("РГАСПИ", "RGASPI"),
    ("RTsKhIDNI", "RGASPI"),
    ("РЦХИДНИ", "RGASPI"),
    ("APRF", "APRF"),
    ("AP RF", "APRF"),
    ("АПРФ", "APRF"),
    ("АП РФ", "APRF"),
    ("AVPRF", "AVPRF"),
    ("AVP RF", "AVPRF"),
    ("АВПРФ", "AVPRF"),
    ("АВП РФ", "AVPRF"),
    ("TsAMO", "TsAMO"),
    ("ЦАМО", "TsAMO"),
    ("GARF", "GARF"),
    ("ГАРФ", "GARF"),
    ("RGANI", "RGANI"),
    ("РГАНИ", "RGANI"),
    ("TsKhSD", "RGANI"),
    ("ЦХСД", "RGANI"),
    ("RGVA", "RGVA"),
    ("РГВА", "RGVA"),
    ("RGAE", "RGAE"),
    ("РГАЭ", "RGAE"),
    ("BArch", "BArch"),
    ("PA AA", "PA AA"),
];

/// The parts of a reference, by the words that introduce them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Fond,
    Opis,
    Delo,
    Folios,
    /// Recognised (por., papka) but not kept apart: it stays in `raw`.
    Other,
}

/// The words that introduce a part, lowercase, without their dot.
const PART_WORDS: &[(&str, Part)] = &[
    ("fond", Part::Fond),
    ("fonds", Part::Fond),
    ("f", Part::Fond),
    ("ф", Part::Fond),
    ("фн", Part::Fond),
    ("фонд", Part::Fond),
    ("opis", Part::Opis),
    ("op", Part::Opis),
    ("оп", Part::Opis),
    ("опись", Part::Opis),
    ("delo", Part::Delo),
    ("d", Part::Delo),
    ("д", Part::Delo),
    ("дело", Part::Delo),
    ("file", Part::Delo),
    ("listy", Part::Folios),
    ("list", Part::Folios),
    ("ll", Part::Folios),
    ("l", Part::Folios),
    ("лл", Part::Folios),
    ("л", Part::Folios),
    ("листы", Part::Folios),
    ("лист", Part::Folios),
    ("pp", Part::Folios),
    ("p", Part::Folios),
    ("page", Part::Folios),
    ("pages", Part::Folios),
    ("folio", Part::Folios),
    ("folios", Part::Folios),
    ("ff", Part::Folios),
    ("por", Part::Other),
    ("papka", Part::Other),
    ("пор", Part::Other),
    ("папка", Part::Other),
    ("pap", Part::Other),
];

impl ArchivalRef {
    /// Every archival reference in a source's wording, each parsed into archive, fond, opis,
    /// delo and folios, with `raw` holding that reference's own text.
    ///
    /// References may be separated by `;`, by "and", or simply follow one another when each
    /// starts with a known archive ("APRF, fond 45, … and RGASPI f. 558, …"); text before the
    /// first archive ("Wilson Center Digital Archive, ") and credit sentences after a reference
    /// ("Translated by …") are not part of it. Russian, transliterated and English part names
    /// are read ("ФН 558, ОП. N 11, Д N 334. Л. N 85", "fond 45, opis 1, delo 334, listy 99-103",
    /// "f. 558, op. 11, d. 334, ll.0085"); folios lose their leading zeros. A German federal
    /// archives signature ("BArch, B 136/59748, 396-402") gives fond `B 136`, delo `59748` and
    /// folios `396-402`. Text without a known archive counts only if it names at least two
    /// parts ("f. 5, op. 2"); otherwise it yields nothing.
    pub fn parse_all(raw: &str) -> Vec<ArchivalRef> {
        let mut refs = Vec::new();
        for piece in raw.split([';', '\n']) {
            for sentence in sentences(piece) {
                refs_in_sentence(sentence, &mut refs);
            }
        }
        refs
    }

    /// Parses one reference; `None` if it does not read as one (see [`ArchivalRef::parse_all`]).
    pub fn parse(raw: &str) -> Option<ArchivalRef> {
        let mut all = ArchivalRef::parse_all(raw);
        (all.len() == 1).then(|| all.remove(0))
    }

    /// The identity of the archival file (archive, fond, opis, delo) as in
    /// "RGASPI f. 558, op. 11, d. 334": the same for every document of one file, whatever the
    /// folios. `None` without an archive or without a fond or delo.
    pub fn file_key(&self) -> Option<String> {
        let archive = self.archive.as_deref()?;
        if self.fond.is_none() && self.delo.is_none() {
            return None;
        }
        let parts: Vec<String> = [("f.", &self.fond), ("op.", &self.opis), ("d.", &self.delo)]
            .into_iter()
            .filter_map(|(label, v)| v.as_ref().map(|v| format!("{label} {v}")))
            .collect();
        Some(format!("{archive} {}", parts.join(", ")))
    }
}

/// Splits text into sentences at ". " before a capitalised word of three or more letters that
/// is not a part name ("… ll.0085. Translated by …"); part names ("D. 334", "Л. N 85") and
/// numbers after a dot do not end a sentence.
fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, _) in text.match_indices(". ") {
        let rest = text[i + 2..].trim_start();
        let word: String = rest.chars().take_while(|c| c.is_alphabetic()).collect();
        let capital = word.chars().next().is_some_and(char::is_uppercase);
        let lower = word.to_lowercase();
        if capital
            && word.chars().count() >= 3
            && !PART_WORDS.iter().any(|(w, _)| *w == lower)
            && archive_at(rest).is_none()
        {
            out.push(&text[start..=i]);
            start = i + 2;
        }
    }
    out.push(&text[start..]);
    out
}

/// The known archive that `text` starts with: (its length in bytes, abbreviation).
fn archive_at(text: &str) -> Option<(usize, &'static str)> {
    ARCHIVES.iter().find_map(|(name, abbr)| {
        let long = name.contains(' ') && name.chars().count() > 12;
        let len = if long {
            let prefix = text.get(..name.len())?;
            prefix.to_lowercase() == name.to_lowercase()
        } else {
            text.starts_with(name)
        }
        .then_some(name.len())?;
        let next = text[len..].chars().next();
        (!next.is_some_and(char::is_alphanumeric)).then_some((len, *abbr))
    })
}

/// Every known archive in `text`, at word starts: (start, end, abbreviation). A long name's end
/// takes in an abbreviation in brackets after it ("… Federation (APRF)").
fn archives_in(text: &str) -> Vec<(usize, usize, &'static str)> {
    let mut found = Vec::new();
    let mut pos = 0;
    while pos < text.len() {
        let c = text[pos..].chars().next().expect("char boundary");
        let word_start = !text[..pos]
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric);
        if word_start
            && c.is_alphabetic()
            && let Some((len, abbr)) = archive_at(&text[pos..])
        {
            let mut end = pos + len;
            let after = &text[end..];
            let trimmed = after.trim_start();
            if let Some(inner) = trimmed.strip_prefix('(')
                && let Some(close) = inner.find(')')
                && archive_at(inner[..close].trim()).is_some()
            {
                end += after.len() - trimmed.len() + 1 + close + 1;
            }
            found.push((pos, end, abbr));
            pos = end;
            continue;
        }
        pos += c.len_utf8();
    }
    found
}

/// Finds the references in one sentence and adds them to `refs`.
fn refs_in_sentence(sentence: &str, refs: &mut Vec<ArchivalRef>) {
    let archives = archives_in(sentence);
    // Text before the first archive counts only if it names parts of its own.
    let first = archives.first().map_or(sentence.len(), |a| a.0);
    let lead = trim_ref(&sentence[..first]);
    if !lead.is_empty() {
        let r = parse_parts(lead, None, 0);
        let named = [&r.fond, &r.opis, &r.delo, &r.folios]
            .iter()
            .filter(|p| p.is_some())
            .count();
        if named >= 2 {
            let mut r = r;
            r.archive = leading_archive_name(lead);
            refs.push(r);
        }
    }
    for (i, &(start, end, abbr)) in archives.iter().enumerate() {
        let stop = archives.get(i + 1).map_or(sentence.len(), |a| a.0);
        let text = trim_ref(&sentence[start..stop]);
        let body_start = end - start;
        refs.push(parse_parts(text, Some(abbr), body_start.min(text.len())));
    }
}

/// An unknown archive's name: the text before the first part name, if short and without digits.
fn leading_archive_name(text: &str) -> Option<String> {
    let first_part = scan_parts(text).first().map_or(0, |p| p.0);
    let name = text[..first_part]
        .trim()
        .trim_end_matches([',', '.'])
        .trim();
    (!name.is_empty() && name.chars().count() <= 80 && !name.contains(|c: char| c.is_ascii_digit()))
        .then(|| name.to_string())
}

/// Trims blanks, brackets, trailing punctuation and a trailing "and" from a reference's text.
fn trim_ref(text: &str) -> &str {
    let mut t = text.trim();
    loop {
        let before = t;
        t = t.trim_end_matches([',', ';', '.', ' ', '\u{a0}']).trim();
        for conj in [" and", " и", " &", ","] {
            if let Some(s) = t.strip_suffix(conj) {
                t = s.trim_end();
            }
        }
        if t.starts_with('[') && t.ends_with(']') {
            t = t[1..t.len() - 1].trim();
        } else if t.ends_with(']') && !t.contains('[') {
            t = t[..t.len() - 1].trim();
        } else if t.starts_with('[') && !t.contains(']') {
            t = t[1..].trim();
        }
        if t == before {
            return t;
        }
    }
}

/// Parses the parts of one reference whose archive (if known) ends at byte `body` of `text`.
fn parse_parts(text: &str, archive: Option<&str>, body: usize) -> ArchivalRef {
    let mut r = ArchivalRef {
        archive: archive.map(str::to_string),
        raw: text.to_string(),
        ..ArchivalRef::default()
    };
    let parts = scan_parts(&text[body..]);
    if parts.is_empty() {
        signature_parts(&text[body..], &mut r);
        return r;
    }
    for (_, part, value) in parts {
        let slot = match part {
            Part::Fond => &mut r.fond,
            Part::Opis => &mut r.opis,
            Part::Delo => &mut r.delo,
            Part::Folios => &mut r.folios,
            Part::Other => continue,
        };
        if slot.is_none() {
            *slot = Some(if part == Part::Folios {
                normalise_folios(&value)
            } else {
                value
            });
        }
    }
    r
}

/// A reference without part names, as "B 136/59748, 396-402": comma-separated pieces, a
/// "<letters> <number>/<number>" signature (fond / delo) and a last piece of folio numbers.
fn signature_parts(text: &str, r: &mut ArchivalRef) {
    let pieces: Vec<&str> = text
        .split(',')
        .map(|p| p.trim().trim_end_matches('.').trim())
        .filter(|p| !p.is_empty())
        .collect();
    for (i, piece) in pieces.iter().enumerate() {
        if let Some((fond, delo)) = piece.split_once('/') {
            let fond = fond.trim();
            let has_letters = fond.chars().next().is_some_and(char::is_alphabetic);
            let has_number = fond.chars().last().is_some_and(|c| c.is_ascii_digit());
            if has_letters && has_number && r.fond.is_none() && !delo.trim().is_empty() {
                r.fond = Some(fond.to_string());
                r.delo = Some(delo.trim().to_string());
                continue;
            }
        }
        if i == pieces.len() - 1 && i > 0 && is_folio_list(piece) {
            r.folios = Some(normalise_folios(piece));
        }
    }
}

fn is_folio_list(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_ascii_digit())
        && s.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '-' | '–' | '—' | ' '))
}

/// Every part found in `text`: (byte position of its word, part, value as written).
fn scan_parts(text: &str) -> Vec<(usize, Part, String)> {
    let mut found = Vec::new();
    let mut pos = 0;
    while pos < text.len() {
        let c = text[pos..].chars().next().expect("char boundary");
        let word_start = c.is_alphabetic()
            && !text[..pos]
                .chars()
                .next_back()
                .is_some_and(char::is_alphabetic);
        if word_start {
            let word_len: usize = text[pos..]
                .chars()
                .take_while(|c| c.is_alphabetic())
                .map(char::len_utf8)
                .sum();
            let word = text[pos..pos + word_len].to_lowercase();
            if let Some(&(_, part)) = PART_WORDS.iter().find(|(w, _)| *w == word)
                && let Some((value, end)) = part_value(text, pos + word_len, part)
            {
                found.push((pos, part, value));
                pos = end;
                continue;
            }
            pos += word_len;
            continue;
        }
        pos += c.len_utf8();
    }
    found
}

/// The value after a part's word: skips a dot, blanks and a number sign (N, №, No.), then
/// reads "558", "07", "23a", "R-5446", "99-103" (folios also "12, 14").
fn part_value(text: &str, mut pos: usize, part: Part) -> Option<(String, usize)> {
    let skip_blanks = |pos: &mut usize| {
        while let Some(c) = text[*pos..].chars().next().filter(|c| c.is_whitespace()) {
            *pos += c.len_utf8();
        }
    };
    if text[pos..].starts_with('.') {
        pos += 1;
    }
    skip_blanks(&mut pos);
    for sign in ["№", "No.", "No", "Nr.", "N", "#"] {
        if let Some(rest) = text[pos..].strip_prefix(sign) {
            let next = rest.chars().next();
            if next.is_none_or(|c| !c.is_alphabetic()) {
                pos += sign.len();
                if text[pos..].starts_with('.') {
                    pos += 1;
                }
                skip_blanks(&mut pos);
                break;
            }
        }
    }
    let start = pos;
    let mut end = number_at(text, pos, true)?;
    // A range: "99-103", "97 – 98".
    let mut p = end;
    skip_blanks(&mut p);
    if let Some(dash) = text[p..]
        .chars()
        .next()
        .filter(|c| matches!(c, '-' | '–' | '—'))
    {
        let mut q = p + dash.len_utf8();
        skip_blanks(&mut q);
        if let Some(e) = number_at(text, q, false) {
            end = e;
        }
    }
    // A list of folios: "12, 14".
    if part == Part::Folios {
        loop {
            let rest = &text[end..];
            let Some(after) = rest.strip_prefix(',') else {
                break;
            };
            let after_trim = after.trim_start();
            let q = text.len() - after_trim.len();
            match number_at(text, q, false) {
                Some(e) if !text[e..].trim_start().starts_with('.') || e == text.len() => end = e,
                _ => break,
            }
        }
    }
    Some((text[start..end].to_string(), end))
}

/// The end of a number starting at `pos`: digits, an optional one-letter suffix ("23a");
/// with `prefix`, an optional letter prefix with a hyphen ("R-5446", "Р-5446").
fn number_at(text: &str, pos: usize, prefix: bool) -> Option<usize> {
    let mut p = pos;
    let rest = &text[p..];
    if prefix {
        let letters: usize = rest
            .chars()
            .take_while(|c| c.is_alphabetic())
            .map(char::len_utf8)
            .sum();
        if letters > 0
            && letters <= 6
            && rest[letters..].starts_with('-')
            && rest[letters + 1..].starts_with(|c: char| c.is_ascii_digit())
        {
            p += letters + 1;
        }
    }
    let digits = text[p..].bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    p += digits;
    let mut chars = text[p..].chars();
    if let Some(c) = chars.next().filter(|c| c.is_alphabetic())
        && !chars.next().is_some_and(char::is_alphabetic)
    {
        p += c.len_utf8();
    }
    Some(p)
}

/// Folios without leading zeros and with plain hyphens: "0085" → "85", "97 – 98" → "97-98".
fn normalise_folios(value: &str) -> String {
    let mut out = String::new();
    let mut num = String::new();
    let flush = |num: &mut String, out: &mut String| {
        if !num.is_empty() {
            let t = num.trim_start_matches('0');
            out.push_str(if t.is_empty() { "0" } else { t });
            num.clear();
        }
    };
    for c in value.chars() {
        match c {
            '0'..='9' => num.push(c),
            '-' | '–' | '—' => {
                flush(&mut num, &mut out);
                out.push('-');
            }
            c if c.is_whitespace() => flush(&mut num, &mut out),
            ',' => {
                flush(&mut num, &mut out);
                out.push_str(", ");
            }
            c => {
                flush(&mut num, &mut out);
                out.push(c);
            }
        }
    }
    flush(&mut num, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(
        archive: &str,
        fond: &str,
        opis: &str,
        delo: &str,
        folios: &str,
        raw: &str,
    ) -> ArchivalRef {
        let some = |s: &str| (!s.is_empty()).then(|| s.to_string());
        ArchivalRef {
            archive: some(archive),
            fond: some(fond),
            opis: some(opis),
            delo: some(delo),
            folios: some(folios),
            raw: raw.to_string(),
        }
    }

    #[test]
    fn transliterated_abbreviations_with_zero_padded_folios() {
        assert_eq!(
            ArchivalRef::parse_all("RGASPI, f. 558, op. 11, d. 334, ll.0085"),
            [r(
                "RGASPI",
                "558",
                "11",
                "334",
                "85",
                "RGASPI, f. 558, op. 11, d. 334, ll.0085"
            )]
        );
    }

    #[test]
    fn cyrillic_reference_in_brackets() {
        assert_eq!(
            ArchivalRef::parse_all("[РГАСПИ.ФН 558, ОП. N 11, Д N 334. Л. N 85]"),
            [r(
                "RGASPI",
                "558",
                "11",
                "334",
                "85",
                "РГАСПИ.ФН 558, ОП. N 11, Д N 334. Л. N 85"
            )]
        );
    }

    #[test]
    fn two_references_joined_by_and() {
        assert_eq!(
            ArchivalRef::parse_all(
                "APRF, fond 45, opis 1, delo 334, listy 99-103 and RGASPI f. 558, Op. 11, D. 334, pp. 97-98."
            ),
            [
                r(
                    "APRF",
                    "45",
                    "1",
                    "334",
                    "99-103",
                    "APRF, fond 45, opis 1, delo 334, listy 99-103"
                ),
                r(
                    "RGASPI",
                    "558",
                    "11",
                    "334",
                    "97-98",
                    "RGASPI f. 558, Op. 11, D. 334, pp. 97-98"
                ),
            ]
        );
    }

    #[test]
    fn references_separated_by_semicolons() {
        let refs = ArchivalRef::parse_all(
            "GARF, f. R-5446, op. 1, d. 10; РГАНИ, ф. 5, оп. 30, д. 4, л. 12, 14",
        );
        assert_eq!(
            refs,
            [
                r(
                    "GARF",
                    "R-5446",
                    "1",
                    "10",
                    "",
                    "GARF, f. R-5446, op. 1, d. 10"
                ),
                r(
                    "RGANI",
                    "5",
                    "30",
                    "4",
                    "12, 14",
                    "РГАНИ, ф. 5, оп. 30, д. 4, л. 12, 14"
                ),
            ]
        );
    }

    #[test]
    fn avp_rf_keeps_por_and_papka_in_raw() {
        let raw = "AVP RF, f. 07, op. 23a, por. 18, papka 235, d. 3";
        assert_eq!(
            ArchivalRef::parse_all(raw),
            [r("AVPRF", "07", "23a", "3", "", raw)]
        );
    }

    #[test]
    fn long_archive_names() {
        let raw = "Archive of the President of the Russian Federation (APRF), fond 3, opis 65, delo 5, listy 1-20";
        assert_eq!(
            ArchivalRef::parse_all(raw),
            [r("APRF", "3", "65", "5", "1-20", raw)]
        );
    }

    #[test]
    fn tsamo_in_cyrillic() {
        let raw = "ЦАМО, ф. 5, оп. 918795, д. 122, л. 82";
        assert_eq!(
            ArchivalRef::parse_all(raw),
            [r("TsAMO", "5", "918795", "122", "82", raw)]
        );
    }

    #[test]
    fn cyrillic_abbreviations_map_to_latin() {
        for (raw, abbr) in [
            ("АПРФ, ф. 3, оп. 65, д. 5", "APRF"),
            ("АВП РФ, ф. 07, оп. 23а, д. 3", "AVPRF"),
            ("АВПРФ, ф. 07, оп. 23а, д. 3", "AVPRF"),
            ("ГАРФ, ф. 5446, оп. 1, д. 2", "GARF"),
            ("РГАНИ, ф. 5, оп. 30, д. 4", "RGANI"),
            ("RGANI, f. 5, op. 30, d. 4", "RGANI"),
        ] {
            let refs = ArchivalRef::parse_all(raw);
            assert_eq!(refs.len(), 1, "{raw}");
            assert_eq!(refs[0].archive.as_deref(), Some(abbr), "{raw}");
            assert_eq!(refs[0].raw, raw);
        }
    }

    #[test]
    fn german_federal_archives_signature() {
        assert_eq!(
            ArchivalRef::parse_all(
                "BArch, B 136/59748, 396-402. Contributed, transcribed, and translated by Stephan Kieninger."
            ),
            [r(
                "BArch",
                "B 136",
                "",
                "59748",
                "396-402",
                "BArch, B 136/59748, 396-402"
            )]
        );
    }

    #[test]
    fn citation_text_around_a_reference_is_left_out() {
        let refs = ArchivalRef::parse_all(
            "\"Cable No. 3355, Filippov [Stalin] to the Soviet Ambassador, Peking\", July 13, 1950, Wilson Center Digital Archive, RGASPI, f. 558, op. 11, d. 334, ll.0085. Translated by Gary Goldberg.",
        );
        assert_eq!(
            refs,
            [r(
                "RGASPI",
                "558",
                "11",
                "334",
                "85",
                "RGASPI, f. 558, op. 11, d. 334, ll.0085"
            )]
        );
    }

    #[test]
    fn unknown_archives_need_two_parts() {
        assert_eq!(
            ArchivalRef::parse_all("Nehru Memorial Museum and Library, File No. JNSG, vol. 21-1."),
            []
        );
        assert_eq!(ArchivalRef::parse_all("Some text, with nothing"), []);
        assert_eq!(ArchivalRef::parse_all(""), []);
        assert_eq!(
            ArchivalRef::parse_all("AMZV, f. 5, op. 2, d. 9"),
            [r("AMZV", "5", "2", "9", "", "AMZV, f. 5, op. 2, d. 9")]
        );
    }

    #[test]
    fn a_known_archive_alone_is_a_raw_only_reference() {
        assert_eq!(
            ArchivalRef::parse_all("GARF, collection of leaflets"),
            [r("GARF", "", "", "", "", "GARF, collection of leaflets")]
        );
    }

    #[test]
    fn file_keys_ignore_folios() {
        let a = &ArchivalRef::parse_all("RGASPI, f. 558, op. 11, d. 334, ll.0085")[0];
        let b = &ArchivalRef::parse_all("[РГАСПИ.ФН 558, ОП. N 11, Д N 334. Л. N 85]")[0];
        assert_eq!(
            a.file_key().as_deref(),
            Some("RGASPI f. 558, op. 11, d. 334")
        );
        assert_eq!(a.file_key(), b.file_key());
        let barch = &ArchivalRef::parse_all("BArch, B 136/59748, 403-410")[0];
        assert_eq!(
            barch.file_key().as_deref(),
            Some("BArch f. B 136, d. 59748")
        );
        assert_eq!(
            ArchivalRef {
                raw: "x".into(),
                ..ArchivalRef::default()
            }
            .file_key(),
            None
        );
    }

    #[test]
    fn parse_takes_exactly_one_reference() {
        assert!(ArchivalRef::parse("RGASPI, f. 558, op. 11, d. 334").is_some());
        assert!(ArchivalRef::parse("APRF, f. 45; RGASPI, f. 558").is_none());
    }
}
