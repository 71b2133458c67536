//! Points in time for `Expires`: a strict RFC 3339 `date-time` parser that explains what is wrong
//! with a value instead of just rejecting it, and the few calendar operations the validator needs.
//!
//! Hand-written rather than taken from a date crate because the diagnostics depend on knowing *why*
//! a value fails (no seconds, no offset, an RFC 5322 date from the drafts), and because it must
//! never panic or overflow on hostile input such as `Expires: 99999999999999999999999`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A moment in UTC, with whole-second precision (fractions of a second are parsed and dropped).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    secs: i64,
}

const SECS_PER_DAY: i64 = 86_400;

impl Timestamp {
    pub const fn from_unix(secs: i64) -> Timestamp {
        Timestamp { secs }
    }

    pub fn unix(self) -> i64 {
        self.secs
    }

    /// Parses an RFC 3339 `date-time` (`2027-01-01T00:00:00Z`, `…t…z`, `….5+02:00`).
    pub fn parse_rfc3339(text: &str) -> Result<Timestamp, DateError> {
        parse_rfc3339(text)
    }

    /// The same wall-clock date and time `years` later, as `dateutil.relativedelta` would give it
    /// (29 February becomes 28 February in a common year).
    pub fn add_years(self, years: i64) -> Timestamp {
        let days = self.secs.div_euclid(SECS_PER_DAY);
        let time = self.secs.rem_euclid(SECS_PER_DAY);
        let (y, m, d) = civil_from_days(days);
        let y = y + years;
        let d = d.min(days_in_month(y, m));
        Timestamp {
            secs: days_from_civil(y, m, d) * SECS_PER_DAY + time,
        }
    }

    pub fn add_days(self, days: i64) -> Timestamp {
        Timestamp {
            secs: self.secs.saturating_add(days.saturating_mul(SECS_PER_DAY)),
        }
    }

    /// Parses an HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`, RFC 9110 §5.6.7), as in
    /// `Retry-After`.
    pub fn parse_http_date(text: &str) -> Option<Timestamp> {
        parse_rfc5322(text).and_then(|s| parse_rfc3339(&s).ok())
    }

    /// Formats as `YYYY-MM-DDThh:mm:ssZ`.
    pub fn to_rfc3339(self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.secs.div_euclid(SECS_PER_DAY);
        let t = self.secs.rem_euclid(SECS_PER_DAY);
        let (y, m, d) = civil_from_days(days);
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
            t / 3600,
            t / 60 % 60,
            t % 60
        )
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        let text = String::deserialize(d)?;
        Timestamp::parse_rfc3339(&text).map_err(serde::de::Error::custom)
    }
}

/// Why a value is not an RFC 3339 date-time, and, when the intent is clear, the value it should be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateError {
    pub reason: String,
    pub suggestion: Option<String>,
}

impl DateError {
    fn new(reason: impl Into<String>) -> DateError {
        DateError {
            reason: reason.into(),
            suggestion: None,
        }
    }

    /// Attaches a corrected value, but only one that is itself valid.
    fn suggest(mut self, value: String) -> DateError {
        if parse_rfc3339(&value).is_ok() {
            self.suggestion = Some(value);
        }
        self
    }
}

impl fmt::Display for DateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)?;
        if let Some(s) = &self.suggestion {
            write!(f, "; did you mean `{s}`?")?;
        }
        Ok(())
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// A cursor over ASCII digits and separators; every read is bounds-checked.
struct Cursor<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn digits(&mut self, n: usize) -> Option<i64> {
        let slice = self.s.get(self.pos..self.pos + n)?;
        if !slice.iter().all(u8::is_ascii_digit) {
            return None;
        }
        self.pos += n;
        Some(
            slice
                .iter()
                .fold(0, |acc, b| acc * 10 + i64::from(b - b'0')),
        )
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.s.get(self.pos) == Some(&c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn rest(&self) -> &str {
        std::str::from_utf8(&self.s[self.pos..]).unwrap_or("")
    }
}

fn parse_rfc3339(text: &str) -> Result<Timestamp, DateError> {
    if text.is_empty() {
        return Err(DateError::new("the value is empty"));
    }
    let mut c = Cursor {
        s: text.as_bytes(),
        pos: 0,
    };
    let Some((y, m, d)) = parse_date(&mut c)? else {
        return Err(not_a_date(text));
    };
    let separator = c.peek();
    match separator {
        None => {
            return Err(
                DateError::new("the value is a date without a time and offset")
                    .suggest(format!("{y:04}-{m:02}-{d:02}T00:00:00Z")),
            );
        }
        Some(b'T' | b't') => c.pos += 1,
        Some(b' ') => {
            let mut fixed = text.to_owned();
            fixed.replace_range(10..11, "T");
            return Err(
                DateError::new("date and time must be separated by `T`, not a space")
                    .suggest(fixed),
            );
        }
        Some(_) => {
            return Err(DateError::new(format!(
                "unexpected `{}` after the date; expected `T` and a time",
                c.rest().chars().next().unwrap_or('?')
            )));
        }
    }
    let (Some(hh), true, Some(mm)) = (c.digits(2), c.eat(b':'), c.digits(2)) else {
        return Err(DateError::new("the time must be written as hh:mm:ss"));
    };
    if !c.eat(b':') {
        return Err(DateError::new("the time has no seconds").suggest(format!(
            "{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:00{}",
            offset_or_z(c.rest())
        )));
    }
    let Some(ss) = c.digits(2) else {
        return Err(DateError::new("the seconds must be two digits"));
    };
    if c.eat(b'.') {
        let start = c.pos;
        while c.peek().is_some_and(|b| b.is_ascii_digit()) {
            c.pos += 1;
        }
        if c.pos == start {
            return Err(DateError::new(
                "a `.` must be followed by fractional digits",
            ));
        }
    }
    if hh > 23 || mm > 59 || ss > 60 {
        return Err(DateError::new(format!(
            "{hh:02}:{mm:02}:{ss:02} is not a valid time of day"
        )));
    }
    let offset_secs = match c.peek() {
        None => {
            return Err(
                DateError::new("the time has no offset: add `Z` for UTC or `+hh:mm`")
                    .suggest(format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}Z")),
            );
        }
        Some(b'Z' | b'z') => {
            c.pos += 1;
            0
        }
        Some(sign @ (b'+' | b'-')) => {
            c.pos += 1;
            let (Some(oh), true, Some(om)) = (c.digits(2), c.eat(b':'), c.digits(2)) else {
                return Err(DateError::new(
                    "the offset must be written as +hh:mm or -hh:mm",
                ));
            };
            if oh > 23 || om > 59 {
                return Err(DateError::new(format!(
                    "the offset {}{oh:02}:{om:02} is out of range (at most ±23:59)",
                    sign as char
                )));
            }
            let secs = oh * 3600 + om * 60;
            if sign == b'+' { secs } else { -secs }
        }
        Some(_) => {
            let rest = c.rest();
            let mut e = DateError::new(format!(
                "`{rest}` is not an RFC 3339 offset: use `Z` or `+hh:mm`"
            ));
            if matches!(rest.to_ascii_uppercase().as_str(), "GMT" | "UTC" | "UT") {
                let head = &text[..text.len() - rest.len()];
                e = e.suggest(format!("{head}Z"));
            }
            return Err(e);
        }
    };
    if c.pos != text.len() {
        return Err(DateError::new(format!(
            "unexpected `{}` after the offset",
            c.rest()
        )));
    }
    let secs =
        days_from_civil(y, m, d) * SECS_PER_DAY + hh * 3600 + mm * 60 + ss.min(59) - offset_secs;
    Ok(Timestamp { secs })
}

/// Reads `YYYY-MM-DD`. `Ok(None)` means the value does not start with a date at all.
fn parse_date(c: &mut Cursor<'_>) -> Result<Option<(i64, i64, i64)>, DateError> {
    let (Some(y), true, Some(m), true, Some(d)) = (
        c.digits(4),
        c.eat(b'-'),
        c.digits(2),
        c.eat(b'-'),
        c.digits(2),
    ) else {
        return Ok(None);
    };
    if !(1..=12).contains(&m) {
        return Err(DateError::new(format!("month {m:02} does not exist")));
    }
    if d < 1 || d > days_in_month(y, m) {
        return Err(DateError::new(format!("{y:04}-{m:02} has no day {d:02}")));
    }
    Ok(Some((y, m, d)))
}

fn offset_or_z(rest: &str) -> &str {
    if rest.is_empty() { "Z" } else { rest }
}

/// Explains a value that does not begin with `YYYY-MM-DD`, recognising the RFC 5322 dates the
/// early drafts used (`Thu, 17 Mar 2022 12:00 +0100`) and proposing the RFC 3339 equivalent.
fn not_a_date(text: &str) -> DateError {
    if let Some(ts) = parse_rfc5322(text) {
        return DateError::new("this is an RFC 5322 date as used in early drafts, not RFC 3339")
            .suggest(ts);
    }
    if text.contains(',') && MONTHS.iter().any(|m| text.contains(m)) {
        return DateError::new(
            "this looks like an RFC 5322 date as used in early drafts, not RFC 3339",
        );
    }
    DateError::new("the value does not start with a date in YYYY-MM-DD form")
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `[Day, ]D Mon YYYY hh:mm[:ss] (+hhmm|GMT|UT|Z)` → the same moment written in RFC 3339.
fn parse_rfc5322(text: &str) -> Option<String> {
    let text = match text.split_once(',') {
        Some((_, rest)) => rest,
        None => text,
    };
    let parts: Vec<&str> = text.split_ascii_whitespace().collect();
    let [day, month, year, time, zone] = parts.as_slice() else {
        return None;
    };
    let d: i64 = day.parse().ok()?;
    let m = MONTHS.iter().position(|x| x.eq_ignore_ascii_case(month))? as i64 + 1;
    let y: i64 = year.parse().ok().filter(|y| (1000..=9999).contains(y))?;
    let mut t = time.split(':');
    let (hh, mm) = (t.next()?, t.next()?);
    let ss = t.next().unwrap_or("00");
    if t.next().is_some() || [hh, mm, ss].iter().any(|p| p.len() != 2) {
        return None;
    }
    let offset = match *zone {
        "GMT" | "UT" | "UTC" | "Z" => "Z".to_owned(),
        z if z.len() == 5 && (z.starts_with('+') || z.starts_with('-')) => {
            format!("{}:{}", &z[..3], &z[3..])
        }
        _ => return None,
    };
    let candidate = format!("{y:04}-{m:02}-{d:02}T{hh}:{mm}:{ss}{offset}");
    parse_rfc3339(&candidate).ok().map(|_| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        Timestamp::parse_rfc3339(s).unwrap()
    }

    #[test]
    fn parses_valid_forms_to_the_same_instant() {
        assert_eq!(ts("1970-01-01T00:00:00Z").unix(), 0);
        assert_eq!(
            ts("2024-02-29T12:00:00Z").to_string(),
            "2024-02-29T12:00:00Z"
        );
        assert_eq!(ts("2027-01-01t01:00:00+01:00"), ts("2027-01-01T00:00:00z"));
        assert_eq!(
            ts("2026-12-31T23:59:59.999-00:30"),
            ts("2027-01-01T00:29:59Z")
        );
    }

    #[test]
    fn explains_common_mistakes() {
        let e = Timestamp::parse_rfc3339("2026-12-19").unwrap_err();
        assert_eq!(e.suggestion.as_deref(), Some("2026-12-19T00:00:00Z"));
        let e = Timestamp::parse_rfc3339("2026-09-18T10:00").unwrap_err();
        assert!(e.reason.contains("no seconds"), "{e}");
        let e = Timestamp::parse_rfc3339("2038-01-19T03:14:07.000GMT").unwrap_err();
        assert_eq!(e.suggestion.as_deref(), Some("2038-01-19T03:14:07.000Z"));
        let e = Timestamp::parse_rfc3339("Thu, 17 Mar 2022 12:00 +0100").unwrap_err();
        assert_eq!(e.suggestion.as_deref(), Some("2022-03-17T12:00:00+01:00"));
        let e = Timestamp::parse_rfc3339("2026-12-01T00:00:00+24:00").unwrap_err();
        assert!(e.reason.contains("out of range"), "{e}");
        assert!(Timestamp::parse_rfc3339("99999999999999999999999").is_err());
        assert!(Timestamp::parse_rfc3339("2023-02-29T00:00:00Z").is_err());
        assert!(Timestamp::parse_rfc3339("2026-12-01 10:00:00Z").is_err());
    }

    #[test]
    fn parses_http_dates() {
        assert_eq!(
            Timestamp::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(ts("1994-11-06T08:49:37Z"))
        );
        assert_eq!(Timestamp::parse_http_date("120"), None);
    }

    #[test]
    fn adds_calendar_years_like_relativedelta() {
        assert_eq!(
            ts("2024-02-29T10:00:00Z").add_years(1),
            ts("2025-02-28T10:00:00Z")
        );
        assert_eq!(
            ts("2026-11-22T00:00:00Z").add_years(1),
            ts("2027-11-22T00:00:00Z")
        );
    }
}
