//! `xs:dateTime` ⇄ seconds since the Unix epoch (UTC), for `wst:Lifetime`.

use super::codec::trim_xml;
use crate::xml::datetime;

/// Parses an `xs:dateTime` (`YYYY-MM-DDThh:mm:ss[.fraction][Z|±hh:mm]`, surrounding white space
/// allowed) into whole seconds since 1970-01-01T00:00:00Z. A value without a time zone is taken
/// as UTC, as WS-Security requires UTC. `None` when malformed.
pub fn parse_utc_seconds(s: &str) -> Option<i64> {
    datetime::parse_seconds(trim_xml(s))
}

/// Formats seconds since the epoch as `YYYY-MM-DDThh:mm:ssZ`; `None` outside years 0000-9999.
pub fn format_utc_seconds(secs: i64) -> Option<String> {
    datetime::format_seconds(secs)
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
