//! Dates as written in documents and page headers: "July 13, 1950", "1 октября 1950 г.", "13.7.50".

use std::ops::Range;

use super::PartialDate;

/// Month names and abbreviations (lowercase), English, Russian (nominative, genitive and
/// prepositional) and German, with their month number.
const MONTHS: &[(&str, u8)] = &[
    ("january", 1),
    ("february", 2),
    ("march", 3),
    ("april", 4),
    ("may", 5),
    ("june", 6),
    ("july", 7),
    ("august", 8),
    ("september", 9),
    ("october", 10),
    ("november", 11),
    ("december", 12),
    ("jan", 1),
    ("feb", 2),
    ("mar", 3),
    ("apr", 4),
    ("jun", 6),
    ("jul", 7),
    ("aug", 8),
    ("sep", 9),
    ("sept", 9),
    ("oct", 10),
    ("nov", 11),
    ("dec", 12),
    ("январь", 1),
    ("января", 1),
    ("январе", 1),
    ("февраль", 2),
    ("февраля", 2),
    ("феврале", 2),
    ("март", 3),
    ("марта", 3),
    ("марте", 3),
    ("апрель", 4),
    ("апреля", 4),
    ("апреле", 4),
    ("май", 5),
    ("мая", 5),
    ("мае", 5),
    ("июнь", 6),
    ("июня", 6),
    ("июне", 6),
    ("июль", 7),
    ("июля", 7),
    ("июле", 7),
    ("август", 8),
    ("августа", 8),
    ("августе", 8),
    ("сентябрь", 9),
    ("сентября", 9),
    ("сентябре", 9),
    ("октябрь", 10),
    ("октября", 10),
    ("октябре", 10),
    ("ноябрь", 11),
    ("ноября", 11),
    ("ноябре", 11),
    ("декабрь", 12),
    ("декабря", 12),
    ("декабре", 12),
    ("янв", 1),
    ("фев", 2),
    ("февр", 2),
    ("апр", 4),
    ("авг", 8),
    ("сент", 9),
    ("окт", 10),
    ("нояб", 11),
    ("дек", 12),
    ("januar", 1),
    ("februar", 2),
    ("märz", 3),
    ("mai", 5),
    ("juni", 6),
    ("juli", 7),
    ("oktober", 10),
    ("dezember", 12),
];

impl PartialDate {
    /// The first date written in `s`, with the precision actually written: a day ("July 13,
    /// 1950", "13 July 1950", "1 октября 1950 г.", "13.7.50", "1.X.50", "1950-07-13"), a month
    /// ("October 1950", "1950-07") or a year ("1950").
    ///
    /// Two-digit years ("13.7.50") mean 19xx; months may be Roman numerals ("1.X.50", also with
    /// the doubled dot of "1.X..50"). A time before a date ("03.15 13.7.50") is skipped. A bare
    /// year counts only from 1400 to 2099. An impossible date ("February 30, 1950") yields
    /// nothing, not its year.
    pub fn parse_text(s: &str) -> Option<PartialDate> {
        Self::parse_text_all(s).into_iter().next().map(|(d, _)| d)
    }

    /// Every date written in `s`, in order, each with the byte range of its text.
    pub fn parse_text_all(s: &str) -> Vec<(PartialDate, Range<usize>)> {
        let mut found = Vec::new();
        let mut pos = 0;
        while pos < s.len() {
            let c = s[pos..].chars().next().expect("pos is on a char boundary");
            let word_start = c.is_alphanumeric()
                && !s[..pos]
                    .chars()
                    .next_back()
                    .is_some_and(char::is_alphanumeric);
            if word_start
                && !after_dotted_number(&s[..pos])
                && let Some((date, end)) = match_at(s, pos)
            {
                if let Some(date) = date {
                    found.push((date, pos..end));
                }
                pos = end;
                continue;
            }
            pos += c.len_utf8();
        }
        found
    }
}

/// Whether the text before a position ends in "<digit>." (the middle of "1.2.3").
fn after_dotted_number(before: &str) -> bool {
    let mut rev = before.chars().rev();
    rev.next() == Some('.') && rev.next().is_some_and(|c| c.is_ascii_digit())
}

/// A cursor over a string, by byte position.
struct Cursor<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<char> {
        self.s[self.pos..].chars().next()
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    /// Skips blanks (any Unicode white space, the no-break space too); how many bytes.
    fn blanks(&mut self) -> usize {
        let start = self.pos;
        while let Some(c) = self.peek().filter(|c| c.is_whitespace()) {
            self.pos += c.len_utf8();
        }
        self.pos - start
    }

    /// A run of ASCII digits of `min..=max` length, not followed by another digit.
    fn digits(&mut self, min: usize, max: usize) -> Option<(u32, usize)> {
        let rest = &self.s[self.pos..];
        let len = rest.bytes().take_while(u8::is_ascii_digit).count();
        if len < min || len > max {
            return None;
        }
        let n = rest[..len].parse().ok()?;
        self.pos += len;
        Some((n, len))
    }

    /// A run of letters, lowercased.
    fn word(&mut self) -> Option<String> {
        let rest = &self.s[self.pos..];
        let len: usize = rest
            .chars()
            .take_while(|c| c.is_alphabetic())
            .map(char::len_utf8)
            .sum();
        if len == 0 {
            return None;
        }
        self.pos += len;
        Some(rest[..len].to_lowercase())
    }

    fn at_digit(&self) -> bool {
        self.peek().is_some_and(|c| c.is_ascii_digit())
    }

    /// Whether the date may end here: not in the middle of a number or a word.
    fn at_end_of_token(&self) -> bool {
        let rest = &self.s[self.pos..];
        match self.peek() {
            None => true,
            // "1950г." (the Russian year mark written close up) ends a date.
            Some('г') => !rest['г'.len_utf8()..]
                .trim_start_matches('г')
                .starts_with(char::is_alphanumeric),
            Some(c) if c.is_alphanumeric() => false,
            Some('.' | '-' | '/') => !self.s[self.pos + 1..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_digit()),
            Some(_) => true,
        }
    }
}

/// A match at `start`: the date (or `None` for a date-shaped but impossible text, which is
/// skipped whole) and the end of its text.
type Match = (Option<PartialDate>, usize);

fn match_at(s: &str, start: usize) -> Option<Match> {
    iso(s, start)
        .or_else(|| dotted(s, start))
        .or_else(|| day_month_year(s, start))
        .or_else(|| month_day_year(s, start))
        .or_else(|| month_year(s, start))
        .or_else(|| bare_year(s, start))
}

/// `1950-07-13`, `1950-07`.
fn iso(s: &str, start: usize) -> Option<Match> {
    let mut c = Cursor { s, pos: start };
    let (y, _) = c.digits(4, 4)?;
    if !c.eat('-') {
        return None;
    }
    let (m, _) = c.digits(2, 2)?;
    let mut day = None;
    let before_day = c.pos;
    if c.eat('-') {
        match c.digits(2, 2) {
            Some((d, _)) => day = Some(d),
            None => c.pos = before_day,
        }
    }
    if !c.at_end_of_token() {
        return None;
    }
    let date = match day {
        Some(d) => PartialDate::ymd(y as i32, m as u8, d as u8),
        None => PartialDate::ym(y as i32, m as u8),
    };
    Some((date, c.pos))
}

/// `13.7.50`, `13.07.1950`, `1.X.50`, `1.X..50`.
fn dotted(s: &str, start: usize) -> Option<Match> {
    let mut c = Cursor { s, pos: start };
    let (d, _) = c.digits(1, 2)?;
    if !c.eat('.') {
        return None;
    }
    let m = match c.digits(1, 2) {
        Some((m, _)) => m,
        None => roman_month(&mut c)?,
    };
    if !c.eat('.') {
        return None;
    }
    c.eat('.'); // the ".." typo
    let (y, len) = c.digits(2, 4)?;
    let year = match len {
        2 => 1900 + y as i32,
        4 => y as i32,
        _ => return None,
    };
    if !c.at_end_of_token() {
        return None;
    }
    Some((PartialDate::ymd(year, m as u8, d as u8), c.pos))
}

/// A month in Roman numerals, I to XII (Cyrillic look-alikes Х and І accepted).
fn roman_month(c: &mut Cursor<'_>) -> Option<u32> {
    let rest = &c.s[c.pos..];
    let mut len = 0;
    let mut latin = String::new();
    for ch in rest.chars() {
        let l = match ch {
            'I' | 'І' => 'I',
            'V' => 'V',
            'X' | 'Х' => 'X',
            _ => break,
        };
        latin.push(l);
        len += ch.len_utf8();
    }
    const ROMAN: [&str; 12] = [
        "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII",
    ];
    let m = ROMAN.iter().position(|r| *r == latin)? as u32 + 1;
    c.pos += len;
    Some(m)
}

/// A month name at the cursor (with an optional abbreviation dot).
fn month_name(c: &mut Cursor<'_>) -> Option<u8> {
    let word = c.word()?;
    let m = MONTHS.iter().find(|(name, _)| *name == word)?.1;
    c.eat('.');
    Some(m)
}

/// A day number with an optional ordinal ending: `13`, `1st`, `2nd`, `13th`, `1-го`.
fn day_number(c: &mut Cursor<'_>) -> Option<u32> {
    let (d, _) = c.digits(1, 2)?;
    let save = c.pos;
    let dash = c.eat('-');
    match c.word().as_deref() {
        Some("st" | "nd" | "rd" | "th") if !dash => {}
        Some("го" | "е") if dash => {}
        _ => c.pos = save,
    }
    Some(d)
}

/// `13 July 1950`, `1st April, 1949`, `1 октября 1950 г.`, `13. Juli 1950`.
fn day_month_year(s: &str, start: usize) -> Option<Match> {
    let mut c = Cursor { s, pos: start };
    let d = day_number(&mut c)?;
    c.eat('.');
    if c.blanks() == 0 {
        return None;
    }
    let m = month_name(&mut c)?;
    c.eat(',');
    if c.blanks() == 0 {
        return None;
    }
    let (y, _) = c.digits(4, 4)?;
    if !c.at_end_of_token() {
        return None;
    }
    Some((PartialDate::ymd(y as i32, m, d as u8), c.pos))
}

/// `July 13, 1950`, `Jan. 5 1950`.
fn month_day_year(s: &str, start: usize) -> Option<Match> {
    let mut c = Cursor { s, pos: start };
    let m = month_name(&mut c)?;
    if c.blanks() == 0 {
        return None;
    }
    let d = day_number(&mut c)?;
    if c.at_digit() {
        return None;
    }
    c.eat(',');
    if c.blanks() == 0 {
        return None;
    }
    let (y, _) = c.digits(4, 4)?;
    if !c.at_end_of_token() {
        return None;
    }
    Some((PartialDate::ymd(y as i32, m, d as u8), c.pos))
}

/// `October 1950`, `октябре 1950`.
fn month_year(s: &str, start: usize) -> Option<Match> {
    let mut c = Cursor { s, pos: start };
    let m = month_name(&mut c)?;
    c.eat(',');
    if c.blanks() == 0 {
        return None;
    }
    let (y, _) = c.digits(4, 4)?;
    if !c.at_end_of_token() {
        return None;
    }
    Some((PartialDate::ym(y as i32, m), c.pos))
}

/// `1950` (1400 to 2099 only).
fn bare_year(s: &str, start: usize) -> Option<Match> {
    let mut c = Cursor { s, pos: start };
    let (y, _) = c.digits(4, 4)?;
    if !(1400..=2099).contains(&y)
        || (c.peek().is_some_and(char::is_alphanumeric) && !c.at_end_of_token())
    {
        return None;
    }
    Some((PartialDate::y(y as i32), c.pos))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DatePrecision;

    fn parsed(s: &str) -> Option<String> {
        PartialDate::parse_text(s).map(|d| d.to_string())
    }

    #[test]
    fn english_dates() {
        assert_eq!(parsed("July 13, 1950").as_deref(), Some("1950-07-13"));
        assert_eq!(parsed("13 July 1950").as_deref(), Some("1950-07-13"));
        assert_eq!(parsed("1 October 1950").as_deref(), Some("1950-10-01"));
        assert_eq!(parsed("October 1950").as_deref(), Some("1950-10"));
        assert_eq!(parsed("November 1967").as_deref(), Some("1967-11"));
        assert_eq!(
            parsed("New Delhi, 1st April, 1949.").as_deref(),
            Some("1949-04-01")
        );
        assert_eq!(parsed("Jan. 5, 1950").as_deref(), Some("1950-01-05"));
        assert_eq!(
            parsed("MD J. Bitterlich      Bonn, 31 October 1997").as_deref(),
            Some("1997-10-31")
        );
    }

    #[test]
    fn bare_years_have_year_precision() {
        let d = PartialDate::parse_text("1950").unwrap();
        assert_eq!(
            (d.to_string(), d.precision()),
            ("1950".into(), DatePrecision::Year)
        );
        assert_eq!(parsed("первое полугодие 1950 г.").as_deref(), Some("1950"));
        assert_eq!(parsed("No 3305"), None);
        assert_eq!(parsed("B 136/59748, 396-402"), None);
    }

    #[test]
    fn russian_dates() {
        assert_eq!(parsed("1 октября 1950 г.").as_deref(), Some("1950-10-01"));
        assert_eq!(
            parsed("1 октября\u{a0} 1950 г.").as_deref(),
            Some("1950-10-01")
        );
        assert_eq!(parsed("13 июля 1950 года").as_deref(), Some("1950-07-13"));
        assert_eq!(parsed("Октябрь 1950").as_deref(), Some("1950-10"));
        assert_eq!(parsed("в декабре 1949 г.").as_deref(), Some("1949-12"));
        assert_eq!(parsed("1-го мая 1950").as_deref(), Some("1950-05-01"));
        assert_eq!(parsed("5 мая 1950г.").as_deref(), Some("1950-05-05"));
        assert_eq!(parsed("в 1950г.").as_deref(), Some("1950"));
        assert_eq!(parsed("1950годы"), None);
    }

    #[test]
    fn every_russian_month_name() {
        let nominative = [
            "январь",
            "февраль",
            "март",
            "апрель",
            "май",
            "июнь",
            "июль",
            "август",
            "сентябрь",
            "октябрь",
            "ноябрь",
            "декабрь",
        ];
        let genitive = [
            "января",
            "февраля",
            "марта",
            "апреля",
            "мая",
            "июня",
            "июля",
            "августа",
            "сентября",
            "октября",
            "ноября",
            "декабря",
        ];
        for (i, (nom, genv)) in nominative.iter().zip(genitive).enumerate() {
            let m = i + 1;
            assert_eq!(parsed(&format!("{nom} 1950")), Some(format!("1950-{m:02}")));
            assert_eq!(
                parsed(&format!("2 {genv} 1950 г.")),
                Some(format!("1950-{m:02}-02"))
            );
        }
    }

    #[test]
    fn numeric_russian_style_dates() {
        assert_eq!(parsed("13.7.50").as_deref(), Some("1950-07-13"));
        assert_eq!(parsed("1.X..50 г.").as_deref(), Some("1950-10-01"));
        assert_eq!(
            parsed("On 1.X.50 [1 October 1950]").as_deref(),
            Some("1950-10-01")
        );
        assert_eq!(parsed("13.07.1950").as_deref(), Some("1950-07-13"));
        assert_eq!(parsed("5.XII.49").as_deref(), Some("1949-12-05"));
    }

    #[test]
    fn a_time_before_a_date_is_skipped() {
        assert_eq!(parsed("03.15 13.7.50").as_deref(), Some("1950-07-13"));
        assert_eq!(
            parsed("Лоступила 03.15 13.7.50").as_deref(),
            Some("1950-07-13")
        );
    }

    #[test]
    fn iso_dates() {
        assert_eq!(parsed("1950-07-13").as_deref(), Some("1950-07-13"));
        assert_eq!(parsed("uploaded 2011-11-20").as_deref(), Some("2011-11-20"));
        assert_eq!(parsed("1950-07").as_deref(), Some("1950-07"));
    }

    #[test]
    fn impossible_dates_are_rejected() {
        assert_eq!(parsed("February 30, 1950"), None);
        assert_eq!(parsed("31 June 1950"), None);
        assert_eq!(parsed("32.7.50"), None);
        assert_eq!(parsed("1.XIII.50"), None);
        assert_eq!(parsed("1950-13-01"), None);
        assert_eq!(parsed("29.2.50"), None);
        assert_eq!(parsed("29.2.52").as_deref(), Some("1952-02-29"));
        assert_eq!(parsed("no date here"), None);
        assert_eq!(parsed(""), None);
    }

    #[test]
    fn all_dates_with_their_ranges() {
        let s = "Передано 1.X..50 г. … ФИЛИППОВ 1 октября 1950 г.";
        let all = PartialDate::parse_text_all(s);
        assert_eq!(all.len(), 2);
        assert_eq!(&s[all[0].1.clone()], "1.X..50");
        assert_eq!(&s[all[1].1.clone()], "1 октября 1950");
        assert!(all.iter().all(|(d, _)| d.to_string() == "1950-10-01"));
    }

    #[test]
    fn numbers_in_version_like_runs_are_not_dates() {
        assert_eq!(parsed("1.2.3.4"), None);
    }
}
