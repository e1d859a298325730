//! The codec traits every wire structure implements, and the small shared helpers that turn
//! element text into typed values. Raw strings are matched here and in the `read` functions,
//! never in the logic above.

use base64::Engine as _;

use super::Error;
use crate::xml::{Document, NodeId, Writer};

/// A wire structure read from one element of a parsed document.
pub trait FromElement: Sized {
    /// Reads the structure from element `el` of `doc`.
    fn read(doc: &Document, el: NodeId) -> Result<Self, Error>;

    /// Parses `input` and reads the structure from its document element.
    fn from_xml(input: &[u8]) -> Result<Self, Error> {
        let doc = Document::parse(input)?;
        Self::read(&doc, doc.root())
    }
}

/// A wire structure that writes itself as one element.
pub trait ToXml {
    /// Writes the element (with its namespaces as needed) into `w`.
    fn write(&self, w: &mut Writer);

    /// Writes the element as a stand-alone document.
    fn to_xml(&self) -> Result<String, Error> {
        let mut w = Writer::new();
        self.write(&mut w);
        Ok(w.finish()?)
    }
}

/// XML white space (the `S` production): what is trimmed from URI and number text.
pub(crate) fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// Trims XML white space from both ends.
pub(crate) fn trim_xml(s: &str) -> &str {
    s.trim_matches(is_xml_space)
}

/// The text of `el`, trimmed (for URIs, identifiers, numbers, dates).
pub(crate) fn trimmed_text(doc: &Document, el: NodeId) -> String {
    trim_xml(&doc.text(el)).to_owned()
}

/// An attribute value, trimmed (for URI-valued attributes).
pub(crate) fn trimmed_attr(doc: &Document, el: NodeId, ns: &str, local: &str) -> Option<String> {
    doc.attribute(el, ns, local).map(|v| trim_xml(v).to_owned())
}

/// Stores `value` in an empty slot; a second occurrence is refused as ambiguous.
pub(crate) fn set_once<T>(
    slot: &mut Option<T>,
    value: T,
    element: &'static str,
) -> Result<(), Error> {
    if slot.is_some() {
        return Err(Error::Duplicate { element });
    }
    *slot = Some(value);
    Ok(())
}

/// Reads an `xs:boolean` (`true`, `false`, `1`, `0`, surrounding white space allowed).
pub(crate) fn parse_bool(s: &str, element: &'static str) -> Result<bool, Error> {
    match trim_xml(s) {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(Error::BadValue { element }),
    }
}

/// Reads an `xs:unsignedInt`.
pub(crate) fn parse_u32(s: &str, element: &'static str) -> Result<u32, Error> {
    let t = trim_xml(s);
    let digits = t.strip_prefix('+').unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::BadValue { element });
    }
    digits.parse().map_err(|_| Error::BadValue { element })
}

/// Reads an `xs:unsignedLong`.
pub(crate) fn parse_u64(s: &str, element: &'static str) -> Result<u64, Error> {
    let t = trim_xml(s);
    let digits = t.strip_prefix('+').unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::BadValue { element });
    }
    digits.parse().map_err(|_| Error::BadValue { element })
}

/// Decodes `xs:base64Binary` text: white space anywhere is ignored, padding is required.
pub(crate) fn decode_base64(s: &str, element: &'static str) -> Result<Vec<u8>, Error> {
    let compact: String = s.chars().filter(|c| !is_xml_space(*c)).collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .map_err(|_| Error::BadValue { element })
}

/// Encodes bytes as `xs:base64Binary` (standard alphabet, padded, one line).
pub(crate) fn encode_base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Writes `xs:boolean` text.
pub(crate) fn bool_text(b: bool) -> &'static str {
    if b {
        "true"
    } else {
        "false"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_booleans() {
        assert_eq!(parse_u32(" 256\n", "KeySize"), Ok(256));
        assert!(parse_u32("-1", "KeySize").is_err());
        assert!(parse_u32("4294967296", "KeySize").is_err());
        assert!(parse_u32("", "KeySize").is_err());
        assert_eq!(parse_u64("18446744073709551615", "Length"), Ok(u64::MAX));
        assert_eq!(parse_bool(" 1 ", "Allow"), Ok(true));
        assert_eq!(parse_bool("false", "Allow"), Ok(false));
        assert!(parse_bool("yes", "Allow").is_err());
    }

    #[test]
    fn base64_ignores_white_space() {
        assert_eq!(
            decode_base64(" TTAv\n N3FM\tcFY0 OWM= ", "x"),
            Ok(b"M0/7qLpV49c".to_vec())
        );
        assert!(decode_base64("abc", "x").is_err());
        assert_eq!(decode_base64("  \n ", "x"), Ok(Vec::new()));
        assert_eq!(encode_base64(b"M0/7qLpV49c"), "TTAvN3FMcFY0OWM=");
    }

    #[test]
    fn trims_only_xml_space() {
        assert_eq!(trim_xml("\n  urn:x \u{a0}"), "urn:x \u{a0}");
        assert_eq!(
            set_once(&mut Some(1), 2, "x"),
            Err(Error::Duplicate { element: "x" })
        );
    }
}
