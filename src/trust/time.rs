//! `xs:dateTime` ⇄ seconds since the Unix epoch (UTC), for `wst:Lifetime`.

use super::codec::trim_xml;

/// Days from 1970-01-01 to the given proleptic Gregorian date.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count from 1970-01-01.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Reads exactly `n` ASCII digits.
fn digits(s: &[u8], n: usize) -> Option<u32> {
    let part = s.get(..n)?;
    part.iter().try_fold(0u32, |acc, b| {
        b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
    })
}

/// Parses an `xs:dateTime` (`YYYY-MM-DDThh:mm:ss[.fraction][Z|±hh:mm]`, surrounding white space
/// allowed) into whole seconds since 1970-01-01T00:00:00Z, fractions truncated. A value without
/// a time zone is taken as UTC, as WS-Security requires UTC. `None` when malformed.
pub fn parse_utc_seconds(s: &str) -> Option<i64> {
    let b = trim_xml(s).as_bytes();
    // Four-digit years only: what every implementation emits.
    let year = i64::from(digits(b, 4)?);
    if b.get(4) != Some(&b'-') {
        return None;
    }
    let month = digits(b.get(5..)?, 2)?;
    if b.get(7) != Some(&b'-') {
        return None;
    }
    let day = digits(b.get(8..)?, 2)?;
    if b.get(10) != Some(&b'T') {
        return None;
    }
    let hour = digits(b.get(11..)?, 2)?;
    if b.get(13) != Some(&b':') {
        return None;
    }
    let minute = digits(b.get(14..)?, 2)?;
    if b.get(16) != Some(&b':') {
        return None;
    }
    let second = digits(b.get(17..)?, 2)?;
    if !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let mut rest = b.get(19..)?;
    if rest.first() == Some(&b'.') {
        let n = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        rest = &rest[1 + n..];
    }
    let offset: i64 = match rest {
        [] | [b'Z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let h = i64::from(digits(&[*h1, *h2], 2)?);
            let m = i64::from(digits(&[*m1, *m2], 2)?);
            if h > 14 || m > 59 {
                return None;
            }
            let o = h * 3600 + m * 60;
            if *sign == b'-' {
                -o
            } else {
                o
            }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    Some(
        days * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second)
            - offset,
    )
}

/// Formats seconds since the epoch as `YYYY-MM-DDThh:mm:ssZ`; `None` outside years 0000-9999.
pub fn format_utc_seconds(secs: i64) -> Option<String> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_forms_seen_on_the_wire() {
        assert_eq!(parse_utc_seconds("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_utc_seconds("2014-01-27T08:15:45.003Z"),
            Some(1_390_810_545)
        );
        assert_eq!(
            parse_utc_seconds("\n        2012-03-24T02:49:10.187Z\n      "),
            Some(1_332_557_350)
        );
        assert_eq!(
            parse_utc_seconds("2024-02-14T02:06:53.3110000Z"),
            Some(1_707_876_413)
        );
        assert_eq!(
            parse_utc_seconds("2024-02-14T03:06:53+01:00"),
            Some(1_707_876_413)
        );
        assert_eq!(
            parse_utc_seconds("2024-02-13T21:06:53-05:00"),
            Some(1_707_876_413)
        );
        assert_eq!(
            parse_utc_seconds("2024-02-14T02:06:53"),
            Some(1_707_876_413)
        );
        assert_eq!(parse_utc_seconds("2000-02-29T00:00:00Z"), Some(951_782_400));
    }

    #[test]
    fn refuses_malformed_values() {
        for bad in [
            "",
            "2014-01-27",
            "2014-01-27 08:15:45Z",
            "2014-13-01T00:00:00Z",
            "2013-02-29T00:00:00Z",
            "2014-01-27T24:00:00Z",
            "2014-01-27T08:15:45.Z",
            "2014-01-27T08:15:45ZZ",
            "2014-01-27T08:15:45+0100",
            "+2014-01-27T08:15:45Z",
            "2014-01-27T08:15:4５Z",
        ] {
            assert_eq!(parse_utc_seconds(bad), None, "{bad}");
        }
    }

    #[test]
    fn formats_and_reads_back() {
        for secs in [0, 951_782_400, 1_707_876_413, 253_402_300_799] {
            let s = format_utc_seconds(secs).unwrap_or_default();
            assert_eq!(parse_utc_seconds(&s), Some(secs), "{s}");
        }
        assert_eq!(
            format_utc_seconds(1_390_810_545).as_deref(),
            Some("2014-01-27T08:15:45Z")
        );
        assert_eq!(format_utc_seconds(253_402_300_800), None);
        assert_eq!(format_utc_seconds(-62_167_219_201), None);
    }
}
