//! The XML 1.0 character and name productions, and the references the reader resolves.

/// Legal XML 1.0 character (production [2] Char).
pub(super) fn is_xml_char(c: char) -> bool {
    matches!(c, '\u{9}' | '\u{A}' | '\u{D}' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}')
        || c >= '\u{10000}'
}

/// Resolves a reference name (without `&` and `;`) to its character: the five predefined
/// entities and character references only.
pub(super) fn resolve_reference(name: &str) -> Option<char> {
    let c = match name {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "apos" => '\'',
        "quot" => '"',
        _ => {
            let num = name.strip_prefix('#')?;
            let code = if let Some(hex) = num.strip_prefix('x') {
                if hex.is_empty() || hex.len() > 6 {
                    return None;
                }
                u32::from_str_radix(hex, 16).ok()?
            } else {
                if num.is_empty() || num.len() > 7 || !num.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                num.parse().ok()?
            };
            char::from_u32(code).filter(|c| is_xml_char(*c))?
        }
    };
    Some(c)
}

fn is_name_char(c: char, first: bool) -> bool {
    c.is_alphabetic()
        || c == '_'
        || (!first && (c.is_ascii_digit() || c == '-' || c == '.' || c.is_numeric()))
        || (!first && matches!(c, '\u{B7}' | '\u{300}'..='\u{36F}' | '\u{203F}'..='\u{2040}'))
}

pub(in crate::xml) fn is_ncname(s: &str) -> bool {
    // The usual case, ASCII, without Unicode tables.
    if s.is_ascii() {
        let b = s.as_bytes();
        return b
            .first()
            .is_some_and(|&c| c.is_ascii_alphabetic() || c == b'_')
            && b.iter()
                .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'));
    }
    let mut it = s.chars();
    match it.next() {
        Some(c) if is_name_char(c, true) => it.all(|c| is_name_char(c, false)),
        _ => false,
    }
}
