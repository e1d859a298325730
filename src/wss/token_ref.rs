//! `wsse:SecurityTokenReference` and the URIs of WS-Security token profiles.
//!
//! ```text
//! WS-Security 1.1 SOAP Message Security, §7.1:
//! <wsse:SecurityTokenReference wsu:Id="..." wsse11:TokenType="..." wsse:Usage="...">
//!   ( <wsse:Reference URI="..." ValueType="..."/> | <wsse:KeyIdentifier ValueType="..."
//!     EncodingType="...">...</wsse:KeyIdentifier> | <ds:X509Data>...</ds:X509Data> | ... )
//! </wsse:SecurityTokenReference>
//! ```

use crate::xml::{ns, Document, NodeId};
use crate::xmlsec::base64_decode;

use super::Error;

/// URIs of the token profiles.
pub mod value_type {
    /// X.509 v3 certificate token.
    pub const X509V3: &str =
        "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3";
    /// X.509 subject key identifier.
    pub const X509_SKI: &str = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509SubjectKeyIdentifier";
    /// SHA-1 thumbprint of a certificate.
    pub const THUMBPRINT_SHA1: &str =
        "http://docs.oasis-open.org/wss/oasis-wss-soap-message-security-1.1#ThumbprintSHA1";
    /// SHA-1 of an EncryptedKey's cipher value.
    pub const ENCRYPTED_KEY_SHA1: &str =
        "http://docs.oasis-open.org/wss/oasis-wss-soap-message-security-1.1#EncryptedKeySHA1";
    /// An EncryptedKey as a token.
    pub const ENCRYPTED_KEY: &str =
        "http://docs.oasis-open.org/wss/oasis-wss-soap-message-security-1.1#EncryptedKey";
    /// SAML 1.1 assertion id.
    pub const SAML_ASSERTION_ID: &str =
        "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.0#SAMLAssertionID";
    /// SAML 2.0 assertion id.
    pub const SAML_ID: &str =
        "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLID";
    /// WS-SC 1.3 security context token.
    pub const SCT_13: &str = "http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512/sct";
    /// WS-SC February 2005 security context token.
    pub const SCT_2005: &str = "http://schemas.xmlsoap.org/ws/2005/02/sc/sct";
    /// WS-SC 1.3 derived key token.
    pub const DK_13: &str = "http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512/dk";
    /// WS-SC 1.3 P_SHA1 derivation.
    pub const DK_PSHA1_13: &str =
        "http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512/dk/p_sha1";
    /// WS-SC 2005/02 P_SHA1 derivation.
    pub const DK_PSHA1_2005: &str = "http://schemas.xmlsoap.org/ws/2005/02/sc/dk/p_sha1";
    /// UsernameToken clear-text password.
    pub const PASSWORD_TEXT: &str = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText";
    /// UsernameToken password digest.
    pub const PASSWORD_DIGEST: &str = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest";
    /// Base64 encoding type.
    pub const BASE64: &str = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary";
}

/// What a SecurityTokenReference points at.
#[derive(Clone, Debug, Eq, PartialEq)]
#[non_exhaustive]
pub enum TokenReference {
    /// `wsse:Reference`: a local `#id`, or an absolute URI (a context identifier).
    Reference {
        /// The URI.
        uri: String,
        /// ValueType, if given.
        value_type: Option<String>,
    },
    /// `wsse:KeyIdentifier`.
    KeyIdentifier {
        /// ValueType.
        value_type: String,
        /// The identifier text (base64 for binary identifiers, plain for SAML ids).
        value: String,
    },
    /// `ds:X509Data/ds:X509IssuerSerial`.
    IssuerSerial {
        /// Issuer DN.
        issuer: String,
        /// Decimal serial.
        serial: String,
    },
}

impl TokenReference {
    /// Reads a `wsse:SecurityTokenReference`.
    pub fn read(doc: &Document, str_node: NodeId) -> Result<Self, Error> {
        if !doc.is(str_node, ns::WSSE, "SecurityTokenReference") {
            return Err(Error::Malformed {
                what: "expected a SecurityTokenReference",
            });
        }
        let mut kids = doc.child_elements(str_node);
        let first = kids.next().ok_or(Error::Malformed {
            what: "empty SecurityTokenReference",
        })?;
        if kids.next().is_some() {
            return Err(Error::Malformed {
                what: "SecurityTokenReference with several references",
            });
        }
        let n = doc.name(first);
        match (n.ns, n.local) {
            (ns::WSSE, "Reference") => Ok(Self::Reference {
                uri: doc
                    .attribute(first, "", "URI")
                    .ok_or(Error::Malformed {
                        what: "Reference without URI",
                    })?
                    .trim()
                    .to_owned(),
                value_type: doc
                    .attribute(first, "", "ValueType")
                    .map(|v| v.trim().to_owned()),
            }),
            (ns::WSSE, "KeyIdentifier") => Ok(Self::KeyIdentifier {
                value_type: doc
                    .attribute(first, "", "ValueType")
                    .ok_or(Error::Malformed {
                        what: "KeyIdentifier without ValueType",
                    })?
                    .trim()
                    .to_owned(),
                value: doc.text(first).trim().to_owned(),
            }),
            (ns::DS, "X509Data") => {
                let is = doc.child(first, ns::DS, "X509IssuerSerial").ok_or(
                    Error::UnsupportedToken {
                        what: "X509Data without IssuerSerial in a reference",
                    },
                )?;
                let issuer = doc
                    .child(is, ns::DS, "X509IssuerName")
                    .map(|n| doc.text(n).trim().to_owned())
                    .ok_or(Error::Malformed {
                        what: "X509IssuerName",
                    })?;
                let serial = doc
                    .child(is, ns::DS, "X509SerialNumber")
                    .map(|n| doc.text(n).trim().to_owned())
                    .ok_or(Error::Malformed {
                        what: "X509SerialNumber",
                    })?;
                Ok(Self::IssuerSerial { issuer, serial })
            }
            (ns::WSSE, "Embedded") => Err(Error::UnsupportedToken {
                what: "embedded token reference",
            }),
            _ => Err(Error::UnsupportedToken {
                what: "unknown token reference",
            }),
        }
    }

    /// The binary value of a base64 KeyIdentifier.
    pub fn key_identifier_bytes(value: &str) -> Result<Vec<u8>, Error> {
        base64_decode(value).ok_or(Error::Malformed {
            what: "KeyIdentifier value",
        })
    }
}
