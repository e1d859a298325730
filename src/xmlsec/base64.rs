//! Base64 as it appears in XML: white space (including `&#13;` line breaks) is ignored.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

/// Decodes base64 text, ignoring XML white space.
pub fn decode(text: &str) -> Option<Vec<u8>> {
    if text.bytes().any(|b| b.is_ascii_whitespace()) {
        let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        STANDARD.decode(compact).ok()
    } else {
        STANDARD.decode(text).ok()
    }
}

/// Encodes without line breaks.
pub fn encode(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}
