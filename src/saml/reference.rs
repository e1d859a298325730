//! `wsse:SecurityTokenReference` elements the SAML layer writes: the reference to an
//! assertion that an RSTR carries, and the reference to the service certificate inside a
//! holder-of-key `xenc:EncryptedKey`.
//!
//! ```text
//! Web Services Security SAML Token Profile 1.1, §3.4.2 (key identifier references):
//! <wsse:SecurityTokenReference wsse11:TokenType="...#SAMLV2.0">
//!   <wsse:KeyIdentifier ValueType="...#SAMLID">_a75adf55-01d7-40cc-929f-dbd8372ebdfc
//!   </wsse:KeyIdentifier>
//! </wsse:SecurityTokenReference>
//! ```
//! <https://docs.oasis-open.org/wss-m/wss/v1.1.1/os/wss-SAMLTokenProfile-v1.1.1-os.html>
//!
//! These are written here rather than with `wss::write_key_identifier` because the WS-Security
//! layer sits above this one (and its writer always adds a base64 `EncodingType`, which the
//! profile does not allow on a SAML key identifier).

use crate::xml::{ns, Writer};

use super::{uri, SamlVersion};

/// Writes the `wsse:SecurityTokenReference` naming the assertion with Id `id` by key
/// identifier (for `wst:RequestedAttachedReference` / `RequestedUnattachedReference`, and for
/// a signature's `ds:KeyInfo`): ValueType `...#SAMLAssertionID` (1.1) or `...#SAMLID` (2.0) and
/// `wsse11:TokenType` `...#SAMLV1.1` / `...#SAMLV2.0`.
pub fn write_key_identifier(w: &mut Writer, version: SamlVersion, id: &str) {
    w.start_prefixed(ns::WSSE, "SecurityTokenReference", Some("wsse"))
        .attr_prefixed(
            ns::WSSE11,
            "TokenType",
            version.token_type(),
            Some("wsse11"),
        );
    w.start_prefixed(ns::WSSE, "KeyIdentifier", Some("wsse"))
        .attr("", "ValueType", version.key_identifier_value_type())
        .text(id)
        .end();
    w.end();
}

/// Writes a `wsse:SecurityTokenReference` with a base64 `wsse:KeyIdentifier` naming a
/// certificate (thumbprint or subject key identifier).
pub(crate) fn write_certificate_key_identifier(w: &mut Writer, value_type: &str, value: &str) {
    w.start_prefixed(ns::WSSE, "SecurityTokenReference", Some("wsse"));
    w.start_prefixed(ns::WSSE, "KeyIdentifier", Some("wsse"))
        .attr("", "EncodingType", uri::ENCODING_BASE64)
        .attr("", "ValueType", value_type)
        .text(value)
        .end();
    w.end();
}
