//! `xsd:dateTime` (XML Schema Part 2 §3.2.7) as used by `wsu:Created`/`wsu:Expires` and
//! WS-Trust lifetimes: one parser for every layer.

/// Parses an `xsd:dateTime` to milliseconds since the Unix epoch. A value without a zone is
/// taken as UTC (as WCF and WSS4J do).
pub fn parse(s: &str) -> Option<i64> {
    let s = s.trim();
    // Every valid xsd:dateTime is ASCII; refusing anything else keeps all slicing on char
    // boundaries.
    if !s.is_ascii() {
        return None;
    }
    let b = s.as_bytes();
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        t.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse().ok())?
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, min, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || min > 59
        || sec > 60
    {
        return None;
    }
    let mut i = 19;
    let mut millis = 0i64;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start || i - start > 9 {
            return None;
        }
        let frac = &s[start..i];
        let padded = format!("{frac:0<3}");
        millis = padded.get(..3)?.parse().ok()?;
    }
    let offset_min = match &s[i..] {
        "" | "Z" => 0,
        z if z.len() == 6 && (z.starts_with('+') || z.starts_with('-')) && &z[3..4] == ":" => {
            let h: i64 = z.get(1..3)?.parse().ok()?;
            let m: i64 = z.get(4..6)?.parse().ok()?;
            let v = h * 60 + m;
            if z.starts_with('-') {
                -v
            } else {
                v
            }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + min * 60 + sec - offset_min * 60;
    Some(secs * 1000 + millis)
}

/// Parses to whole seconds since the epoch (fractions dropped toward the past).
pub fn parse_seconds(s: &str) -> Option<i64> {
    parse(s).map(|ms| ms.div_euclid(1000))
}

/// Formats whole seconds as `YYYY-MM-DDThh:mm:ssZ`; `None` outside years 0000-9999.
pub fn format_seconds(secs: i64) -> Option<String> {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    if !(0..=9999).contains(&y) {
        return None;
    }
    Some(format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    ))
}

/// Formats milliseconds since the epoch as `YYYY-MM-DDThh:mm:ss.sssZ`.
pub fn format(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let millis = ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
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
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_format() {
        assert_eq!(parse("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse("2026-11-23T10:12:00.5Z"), Some(1_795_428_720_500));
        assert_eq!(format(1_795_428_720_500), "2026-11-23T10:12:00.500Z");
        assert_eq!(
            parse("2026-11-23T11:12:00+01:00"),
            parse("2026-11-23T10:12:00Z")
        );
        assert_eq!(
            parse("2024-02-29T00:00:00Z").map(format).as_deref(),
            Some("2024-02-29T00:00:00.000Z")
        );
        for bad in [
            "2027-01-01T00:00:00+0\u{e9}00",
            "2027-01-01T00:00:00.\u{e9}Z",
            "2023-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "garbage",
            "2026-11-23 10:12:00Z",
            "2026-11-23T10:12:00Zjunk",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
