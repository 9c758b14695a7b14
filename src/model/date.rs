//! A calendar date known to a day, a month or only a year, written as ISO 8601 (`1950-07-13`,
//! `1950-07`, `1950`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// How much of a [`PartialDate`] is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DatePrecision {
    /// Only the year.
    Year,
    /// Year and month.
    Month,
    /// Year, month and day.
    Day,
}

/// A date with its precision. Serialized as the ISO 8601 string of that precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PartialDate {
    /// The year (proleptic Gregorian, 1..=9999).
    pub year: i32,
    /// The month, 1..=12, when known.
    pub month: Option<u8>,
    /// The day of the month, when known (only with a month).
    pub day: Option<u8>,
}

impl PartialDate {
    /// A date known to the day; `None` if it is not a real calendar date.
    pub fn ymd(year: i32, month: u8, day: u8) -> Option<Self> {
        (valid_year(year)
            && (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(year, month))
        .then_some(PartialDate {
            year,
            month: Some(month),
            day: Some(day),
        })
    }

    /// A date known to the month.
    pub fn ym(year: i32, month: u8) -> Option<Self> {
        (valid_year(year) && (1..=12).contains(&month)).then_some(PartialDate {
            year,
            month: Some(month),
            day: None,
        })
    }

    /// A date known to the year.
    pub fn y(year: i32) -> Option<Self> {
        valid_year(year).then_some(PartialDate {
            year,
            month: None,
            day: None,
        })
    }

    /// How precisely this date is known.
    pub fn precision(&self) -> DatePrecision {
        match (self.month, self.day) {
            (Some(_), Some(_)) => DatePrecision::Day,
            (Some(_), None) => DatePrecision::Month,
            _ => DatePrecision::Year,
        }
    }

    /// The first day this date may stand for, as `(year, month, day)`.
    pub fn first_day(&self) -> (i32, u8, u8) {
        (self.year, self.month.unwrap_or(1), self.day.unwrap_or(1))
    }

    /// The last day this date may stand for, as `(year, month, day)`.
    pub fn last_day(&self) -> (i32, u8, u8) {
        let month = self.month.unwrap_or(12);
        (
            self.year,
            month,
            self.day.unwrap_or_else(|| days_in_month(self.year, month)),
        )
    }

    /// The first day as a sortable number `yyyymmdd` (for range filters).
    pub fn start_key(&self) -> i64 {
        key(self.first_day())
    }

    /// The last day as a sortable number `yyyymmdd` (for range filters).
    pub fn end_key(&self) -> i64 {
        key(self.last_day())
    }

    /// The decade's first year: 1950 for 1953.
    pub fn decade(&self) -> i32 {
        self.year.div_euclid(10) * 10
    }
}

fn key((y, m, d): (i32, u8, u8)) -> i64 {
    i64::from(y) * 10_000 + i64::from(m) * 100 + i64::from(d)
}

fn valid_year(year: i32) -> bool {
    (1..=9999).contains(&year)
}

/// Days in a month of the proleptic Gregorian calendar.
pub(crate) fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

/// The English month names, January first.
const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

impl PartialDate {
    /// The English name of the date's month ("July"), when it has one.
    pub fn month_name(&self) -> Option<&'static str> {
        self.month.and_then(month_name)
    }
}

/// The English name of month `m` (1–12): "January" … "December".
pub fn month_name(m: u8) -> Option<&'static str> {
    MONTH_NAMES.get(usize::from(m).checked_sub(1)?).copied()
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(m) = self.month {
            write!(f, "-{m:02}")?;
            if let Some(d) = self.day {
                write!(f, "-{d:02}")?;
            }
        }
        Ok(())
    }
}

/// The error for a string that is not an ISO 8601 date of year, month or day precision.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an ISO 8601 date (YYYY, YYYY-MM or YYYY-MM-DD)")]
pub struct DateParseError(pub String);

impl FromStr for PartialDate {
    type Err = DateParseError;

    /// Parses `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || DateParseError(s.to_string());
        let parts: Vec<&str> = s.trim().split('-').collect();
        let num = |p: &str, len: usize| -> Result<u32, DateParseError> {
            if p.len() == len && p.bytes().all(|b| b.is_ascii_digit()) {
                p.parse().map_err(|_| err())
            } else {
                Err(err())
            }
        };
        let date = match parts.as_slice() {
            [y] => PartialDate::y(num(y, 4)? as i32),
            [y, m] => PartialDate::ym(num(y, 4)? as i32, num(m, 2)? as u8),
            [y, m, d] => PartialDate::ymd(num(y, 4)? as i32, num(m, 2)? as u8, num(d, 2)? as u8),
            _ => None,
        };
        date.ok_or_else(err)
    }
}

impl Serialize for PartialDate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PartialDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_strings_keep_their_precision() {
        for s in ["1950", "1950-07", "1950-07-13", "1896-02-29"] {
            let d: PartialDate = s.parse().unwrap();
            assert_eq!(d.to_string(), s);
        }
        assert_eq!(
            "1950-07".parse::<PartialDate>().unwrap().precision(),
            DatePrecision::Month
        );
    }

    #[test]
    fn impossible_dates_are_rejected() {
        for s in [
            "1950-13",
            "1900-02-29",
            "50-07-13",
            "1950-7-13",
            "July 1950",
            "",
        ] {
            assert!(s.parse::<PartialDate>().is_err(), "{s}");
        }
    }

    #[test]
    fn range_keys_cover_the_whole_period() {
        let d: PartialDate = "1950-02".parse().unwrap();
        assert_eq!((d.start_key(), d.end_key()), (19500201, 19500228));
        assert_eq!(PartialDate::y(1953).unwrap().decade(), 1950);
    }
}
