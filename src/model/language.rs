//! Language names and codes: names in English and Russian to ISO 639-1, and a crude script guess.

/// Every language Fonds knows by name, with its ISO 639-1 code first. Names are lowercase; the
/// ISO 639-1 code itself and the ISO 639-2 (B and T) codes are accepted as names too.
const LANGUAGES: &[(&str, &[&str])] = &[
    ("ru", &["russian", "русский", "rus"]),
    (
        "zh",
        &[
            "chinese",
            "mandarin",
            "китайский",
            "中文",
            "汉语",
            "漢語",
            "chi",
            "zho",
        ],
    ),
    ("de", &["german", "немецкий", "deutsch", "ger", "deu"]),
    ("ja", &["japanese", "японский", "日本語", "jpn"]),
    ("ko", &["korean", "корейский", "한국어", "조선말", "kor"]),
    ("en", &["english", "английский", "eng"]),
    (
        "fr",
        &[
            "french",
            "французский",
            "français",
            "francais",
            "fre",
            "fra",
        ],
    ),
    ("pl", &["polish", "польский", "polski", "pol"]),
    (
        "cs",
        &["czech", "чешский", "čeština", "cestina", "cze", "ces"],
    ),
    ("sk", &["slovak", "словацкий", "slo", "slk"]),
    ("hu", &["hungarian", "венгерский", "magyar", "hun"]),
    ("vi", &["vietnamese", "вьетнамский", "tiếng việt", "vie"]),
    ("mn", &["mongolian", "монгольский", "mon"]),
    ("ro", &["romanian", "румынский", "română", "rum", "ron"]),
    ("bg", &["bulgarian", "болгарский", "български", "bul"]),
    ("sq", &["albanian", "албанский", "shqip", "alb", "sqi"]),
    (
        "sh",
        &[
            "serbo-croatian",
            "serbo-croat",
            "serbocroatian",
            "сербохорватский",
            "сербскохорватский",
            "hbs",
        ],
    ),
    ("sr", &["serbian", "сербский", "srp"]),
    ("hr", &["croatian", "хорватский", "hrv"]),
    ("sl", &["slovenian", "slovene", "словенский", "slv"]),
    ("mk", &["macedonian", "македонский", "mac", "mkd"]),
    ("es", &["spanish", "испанский", "español", "espanol", "spa"]),
    ("it", &["italian", "итальянский", "italiano", "ita"]),
    ("pt", &["portuguese", "португальский", "português", "por"]),
    (
        "fa",
        &["persian", "farsi", "персидский", "фарси", "per", "fas"],
    ),
    ("ar", &["arabic", "арабский", "ara"]),
    ("he", &["hebrew", "иврит", "heb"]),
    ("yi", &["yiddish", "идиш", "yid"]),
    ("uk", &["ukrainian", "украинский", "українська", "ukr"]),
    ("be", &["belarusian", "byelorussian", "белорусский", "bel"]),
    ("ka", &["georgian", "грузинский", "geo", "kat"]),
    ("hy", &["armenian", "армянский", "arm", "hye"]),
    ("az", &["azerbaijani", "azeri", "азербайджанский", "aze"]),
    ("kk", &["kazakh", "казахский", "kaz"]),
    ("uz", &["uzbek", "узбекский", "uzb"]),
    ("tr", &["turkish", "турецкий", "tur"]),
    ("el", &["greek", "греческий", "gre", "ell"]),
    ("fi", &["finnish", "финский", "fin"]),
    ("sv", &["swedish", "шведский", "swe"]),
    ("no", &["norwegian", "норвежский", "nor"]),
    ("da", &["danish", "датский", "dan"]),
    (
        "nl",
        &["dutch", "нидерландский", "голландский", "dut", "nld"],
    ),
    ("lt", &["lithuanian", "литовский", "lit"]),
    ("lv", &["latvian", "латышский", "lav"]),
    ("et", &["estonian", "эстонский", "est"]),
    ("hi", &["hindi", "хинди", "hin"]),
    ("ur", &["urdu", "урду", "urd"]),
    ("bn", &["bengali", "bangla", "бенгальский", "ben"]),
    ("id", &["indonesian", "индонезийский", "ind"]),
    ("ms", &["malay", "малайский", "may", "msa"]),
    ("th", &["thai", "тайский", "tha"]),
    ("km", &["khmer", "cambodian", "кхмерский", "khm"]),
    ("lo", &["lao", "laotian", "лаосский"]),
    ("my", &["burmese", "бирманский", "bur", "mya"]),
    ("tl", &["tagalog", "filipino", "тагальский", "tgl"]),
    ("ps", &["pashto", "пушту", "pus"]),
    ("sw", &["swahili", "суахили", "swa"]),
    ("am", &["amharic", "амхарский", "amh"]),
    ("la", &["latin", "латинский", "lat"]),
];

/// The ISO 639-1 code of a language named in English or Russian ("Russian", "русский",
/// "Serbo-Croatian" → `sh`, "Mandarin" → `zh`), or given by its ISO 639-1 or 639-2 code
/// (`ru`, `rus`, `ger`). Case and surrounding blanks are ignored, as is a trailing
/// " language" / " язык". `None` for a name Fonds does not know.
pub fn iso639_1(name: &str) -> Option<&'static str> {
    let lower = name.trim().to_lowercase();
    let lower = lower
        .strip_suffix(" language")
        .or_else(|| lower.strip_suffix(" язык"))
        .unwrap_or(&lower)
        .trim();
    if lower.is_empty() {
        return None;
    }
    LANGUAGES
        .iter()
        .find(|(code, names)| *code == lower || names.contains(&lower))
        .map(|(code, _)| *code)
}

/// The English name of a language by its ISO 639-1 code (`ru` → "Russian",
/// `sh` → "Serbo-Croatian"); `None` for a code Fonds does not know.
pub fn english_name(code: &str) -> Option<String> {
    let code = code.trim().to_ascii_lowercase();
    let (_, names) = LANGUAGES.iter().find(|(c, _)| *c == code)?;
    let name = names.first()?;
    let mut out = String::with_capacity(name.len());
    let mut upper = true;
    for c in name.chars() {
        if upper {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        upper = c == '-' || c == ' ';
    }
    Some(out)
}

/// A crude guess at the language of a text from the scripts its letters are written in.
///
/// The script with the most letters wins and stands for one language: Cyrillic → `ru`, Han →
/// `zh` (or `ja` when any kana is present), kana → `ja`, Hangul → `ko`, Latin → `en`, Arabic →
/// `ar`, Hebrew → `he`, Greek → `el`, Georgian → `ka`, Armenian → `hy`, Thai → `th`. So Ukrainian
/// reads as `ru` and German as `en`: use it only where the source does not say. `None` when the
/// text has no letters.
pub fn detect_script_lang(text: &str) -> Option<&'static str> {
    // Counts per script, in the order of SCRIPTS.
    const SCRIPTS: [&str; 11] = [
        "ru", "zh", "ja", "ko", "en", "ar", "he", "el", "ka", "hy", "th",
    ];
    let mut counts = [0usize; SCRIPTS.len()];
    for c in text.chars() {
        let i = match c as u32 {
            0x0400..=0x052F => 0,
            0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF => 1,
            0x3040..=0x30FF => 2,
            0x1100..=0x11FF | 0x3130..=0x318F | 0xAC00..=0xD7AF => 3,
            0x0041..=0x005A | 0x0061..=0x007A | 0x00C0..=0x024F if c.is_alphabetic() => 4,
            0x0600..=0x06FF => 5,
            0x0590..=0x05FF => 6,
            0x0370..=0x03FF => 7,
            0x10A0..=0x10FF => 8,
            0x0530..=0x058F => 9,
            0x0E00..=0x0E7F => 10,
            _ => continue,
        };
        counts[i] += 1;
    }
    // Japanese mixes Han and kana: any kana among Han makes it Japanese.
    if counts[2] > 0 && counts[1] + counts[2] >= counts.iter().copied().max().unwrap_or(0) {
        return Some("ja");
    }
    let (best, &n) = counts
        .iter()
        .enumerate()
        .max_by_key(|&(i, n)| (*n, usize::MAX - i))?;
    (n > 0).then_some(SCRIPTS[best])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_english_and_russian_map_to_iso_codes() {
        for (name, code) in [
            ("Russian", "ru"),
            ("русский", "ru"),
            ("Русский язык", "ru"),
            ("Chinese", "zh"),
            ("Mandarin", "zh"),
            ("German", "de"),
            ("Japanese", "ja"),
            ("Korean", "ko"),
            ("English", "en"),
            ("French", "fr"),
            ("Polish", "pl"),
            ("Czech", "cs"),
            ("Hungarian", "hu"),
            ("Vietnamese", "vi"),
            ("Mongolian", "mn"),
            ("Romanian", "ro"),
            ("Bulgarian", "bg"),
            ("Albanian", "sq"),
            ("Serbo-Croatian", "sh"),
            ("Spanish", "es"),
            ("Italian", "it"),
            ("Persian", "fa"),
            ("Arabic", "ar"),
            ("Hebrew", "he"),
            ("Ukrainian", "uk"),
            ("Georgian", "ka"),
            ("Portuguese", "pt"),
            ("китайский", "zh"),
            ("немецкий", "de"),
            (" ENGLISH ", "en"),
        ] {
            assert_eq!(iso639_1(name), Some(code), "{name}");
        }
    }

    #[test]
    fn iso_codes_are_accepted_as_names() {
        assert_eq!(iso639_1("ru"), Some("ru"));
        assert_eq!(iso639_1("DE"), Some("de"));
        assert_eq!(iso639_1("rus"), Some("ru"));
        assert_eq!(iso639_1("ger"), Some("de"));
        assert_eq!(iso639_1("zho"), Some("zh"));
    }

    #[test]
    fn unknown_names_give_nothing() {
        assert_eq!(iso639_1("Klingon"), None);
        assert_eq!(iso639_1(""), None);
        assert_eq!(iso639_1("  "), None);
    }

    #[test]
    fn scripts_guess_a_language() {
        assert_eq!(detect_script_lang("Совершенно секретно"), Some("ru"));
        assert_eq!(
            detect_script_lang("Передано т.Булганину [из Сочи] 1.X..50 г."),
            Some("ru")
        );
        assert_eq!(detect_script_lang("毛泽东同志"), Some("zh"));
        assert_eq!(detect_script_lang("外務省の文書です"), Some("ja"));
        assert_eq!(detect_script_lang("김일성 동지"), Some("ko"));
        assert_eq!(detect_script_lang("Transmitted to Bulganin"), Some("en"));
        assert_eq!(detect_script_lang("F I L I P P O V [STALIN]"), Some("en"));
        assert_eq!(detect_script_lang("13.7.50 — 12"), None);
        assert_eq!(detect_script_lang(""), None);
    }
}
