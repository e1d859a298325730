//! Enumerated URI values. Known URIs of every version read into one variant; unknown ones are
//! kept as [`Unknown`](TokenType::Unknown) with their exact (trimmed) text.
//!
//! `TokenType` keeps one variant per URI so the text written back is exactly the text read
//! (clients compare it byte for byte). The other enumerations name a meaning that exists in
//! every version and are written with the URI of the message's version.

use super::codec::trim_xml;
use super::version::{trust_base, TrustVersion, SCT_13, SCT_2005};

const T05: &str = "http://schemas.xmlsoap.org/ws/2005/02/trust";
const T13: &str = "http://docs.oasis-open.org/ws-sx/ws-trust/200512";

/// Splits a known trust URI into its suffix: `{base}/{suffix}` for either version's base.
fn trust_suffix(uri: &str) -> Option<&str> {
    uri.strip_prefix(T05)
        .or_else(|| uri.strip_prefix(T13))
        .and_then(|s| s.strip_prefix('/'))
}

/// The kind of token requested or returned (`wst:TokenType`).
#[derive(Clone, Debug, Eq, Hash, PartialEq)]
pub enum TokenType {
    /// `http://schemas.xmlsoap.org/ws/2005/02/sc/sct`.
    SctFeb2005,
    /// `http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512/sct`.
    Sct13,
    /// `urn:oasis:names:tc:SAML:1.0:assertion` (what AD FS sends for SAML 1.1).
    Saml11,
    /// `http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV1.1`.
    Saml11Profile,
    /// `urn:oasis:names:tc:SAML:2.0:assertion`.
    Saml20,
    /// `http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV2.0`.
    Saml20Profile,
    /// `urn:ietf:params:oauth:token-type:jwt` (a JSON Web Token, RFC 7519 / RFC 8693: what
    /// AD FS issues over WS-Trust when asked).
    Jwt,
    /// `http://schemas.xmlsoap.org/ws/2005/02/trust/RSTR/Status` (validation answer).
    StatusFeb2005,
    /// `http://docs.oasis-open.org/ws-sx/ws-trust/200512/RSTR/Status` (validation answer).
    Status13,
    /// Any other URI, trimmed.
    Unknown(String),
}

const SAML11: &str = "urn:oasis:names:tc:SAML:1.0:assertion";
const SAML11_PROFILE: &str =
    "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV1.1";
const SAML20: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
const SAML20_PROFILE: &str =
    "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV2.0";
/// The JWT token type URI (RFC 8693 §3), also the `ValueType` of the
/// `wsse:BinarySecurityToken` that carries a JWT in WS-Security.
pub const JWT_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:jwt";
const STATUS_2005: &str = "http://schemas.xmlsoap.org/ws/2005/02/trust/RSTR/Status";
const STATUS_13: &str = "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RSTR/Status";

impl TokenType {
    /// Reads a token type URI (white space around it ignored).
    pub fn from_uri(uri: &str) -> Self {
        match trim_xml(uri) {
            SCT_2005 => Self::SctFeb2005,
            SCT_13 => Self::Sct13,
            SAML11 => Self::Saml11,
            SAML11_PROFILE => Self::Saml11Profile,
            SAML20 => Self::Saml20,
            SAML20_PROFILE => Self::Saml20Profile,
            JWT_TOKEN_TYPE => Self::Jwt,
            STATUS_2005 => Self::StatusFeb2005,
            STATUS_13 => Self::Status13,
            other => Self::Unknown(other.to_owned()),
        }
    }

    /// The exact URI.
    pub fn uri(&self) -> &str {
        match self {
            Self::SctFeb2005 => SCT_2005,
            Self::Sct13 => SCT_13,
            Self::Saml11 => SAML11,
            Self::Saml11Profile => SAML11_PROFILE,
            Self::Saml20 => SAML20,
            Self::Saml20Profile => SAML20_PROFILE,
            Self::Jwt => JWT_TOKEN_TYPE,
            Self::StatusFeb2005 => STATUS_2005,
            Self::Status13 => STATUS_13,
            Self::Unknown(u) => u,
        }
    }

    /// The `RSTR/Status` token type of `version`.
    pub fn status(version: TrustVersion) -> Self {
        if version.is_feb2005() {
            Self::StatusFeb2005
        } else {
            Self::Status13
        }
    }

    /// The security context token type of `version`.
    pub fn sct(version: TrustVersion) -> Self {
        if version.is_feb2005() {
            Self::SctFeb2005
        } else {
            Self::Sct13
        }
    }

    /// A SAML 1.1 assertion (either URI).
    pub fn is_saml11(&self) -> bool {
        matches!(self, Self::Saml11 | Self::Saml11Profile)
    }

    /// A SAML 2.0 assertion (either URI).
    pub fn is_saml20(&self) -> bool {
        matches!(self, Self::Saml20 | Self::Saml20Profile)
    }

    /// A JSON Web Token.
    pub fn is_jwt(&self) -> bool {
        matches!(self, Self::Jwt)
    }

    /// A security context token (either version).
    pub fn is_sct(&self) -> bool {
        matches!(self, Self::SctFeb2005 | Self::Sct13)
    }

    /// The `RSTR/Status` pseudo token type of validation (either version).
    pub fn is_status(&self) -> bool {
        matches!(self, Self::StatusFeb2005 | Self::Status13)
    }
}

/// What is asked of the STS (`wst:RequestType`).
#[derive(Clone, Debug, Eq, Hash, PartialEq)]
pub enum RequestType {
    /// `.../Issue`.
    Issue,
    /// `.../Renew`.
    Renew,
    /// `.../Cancel`.
    Cancel,
    /// `.../STSCancel` (1.3 only; written with the 1.3 URI in every version).
    StsCancel,
    /// `.../Validate`.
    Validate,
    /// `.../KET` (key exchange token).
    KeyExchangeToken,
    /// Any other URI (e.g. `.../BatchIssue`), trimmed.
    Unknown(String),
}

impl RequestType {
    /// Reads a request type URI of either version.
    pub fn from_uri(uri: &str) -> Self {
        let uri = trim_xml(uri);
        match trust_suffix(uri) {
            Some("Issue") => Self::Issue,
            Some("Renew") => Self::Renew,
            Some("Cancel") => Self::Cancel,
            Some("STSCancel") if uri.starts_with(T13) => Self::StsCancel,
            Some("Validate") => Self::Validate,
            Some("KET") => Self::KeyExchangeToken,
            _ => Self::Unknown(uri.to_owned()),
        }
    }

    /// The URI in `version`.
    pub fn uri(&self, version: TrustVersion) -> String {
        let suffix = match self {
            Self::Issue => "Issue",
            Self::Renew => "Renew",
            Self::Cancel => "Cancel",
            Self::StsCancel => return format!("{T13}/STSCancel"),
            Self::Validate => "Validate",
            Self::KeyExchangeToken => "KET",
            Self::Unknown(u) => return u.clone(),
        };
        format!("{}/{suffix}", trust_base(version))
    }
}

/// The kind of proof key asked for or issued (`wst:KeyType`).
#[derive(Clone, Debug, Eq, Hash, PartialEq)]
pub enum KeyType {
    /// `.../PublicKey`.
    PublicKey,
    /// `.../SymmetricKey`.
    SymmetricKey,
    /// No proof key: `.../200512/Bearer` in 1.3, `http://schemas.xmlsoap.org/ws/2005/05/identity/NoProofKey`
    /// in February 2005 (both, and the schema's misspelt `.../wssx/wstrust/200512/Bearer`, are read).
    Bearer,
    /// Any other URI, trimmed.
    Unknown(String),
}

const NO_PROOF_KEY: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/NoProofKey";
const BEARER_SCHEMA_TYPO: &str = "http://docs.oasis-open.org/wssx/wstrust/200512/Bearer";

impl KeyType {
    /// Reads a key type URI of either version.
    pub fn from_uri(uri: &str) -> Self {
        let uri = trim_xml(uri);
        match uri {
            NO_PROOF_KEY | BEARER_SCHEMA_TYPO => return Self::Bearer,
            _ => {}
        }
        match trust_suffix(uri) {
            Some("PublicKey") => Self::PublicKey,
            Some("SymmetricKey") => Self::SymmetricKey,
            Some("Bearer") if uri.starts_with(T13) => Self::Bearer,
            _ => Self::Unknown(uri.to_owned()),
        }
    }

    /// The URI in `version`.
    pub fn uri(&self, version: TrustVersion) -> String {
        match self {
            Self::PublicKey => format!("{}/PublicKey", trust_base(version)),
            Self::SymmetricKey => format!("{}/SymmetricKey", trust_base(version)),
            Self::Bearer if version.is_feb2005() => NO_PROOF_KEY.to_owned(),
            Self::Bearer => format!("{T13}/Bearer"),
            Self::Unknown(u) => u.clone(),
        }
    }
}

/// Defines an enumeration of trust URIs `{base}/{suffix}`: read with either version's base,
/// written with the base of the message's version, any other URI kept as `Unknown`.
macro_rules! suffix_uri_enum {
    (
        $(#[$meta:meta])*
        $name:ident ($what:literal) {
            $($(#[$vmeta:meta])* $variant:ident = $suffix:literal,)*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Eq, Hash, PartialEq)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
            /// Any other URI, trimmed.
            Unknown(String),
        }

        impl $name {
            #[doc = concat!("Reads a ", $what, " URI of either version.")]
            pub fn from_uri(uri: &str) -> Self {
                let uri = trim_xml(uri);
                match trust_suffix(uri) {
                    $(Some($suffix) => Self::$variant,)*
                    _ => Self::Unknown(uri.to_owned()),
                }
            }

            /// The URI in `version`.
            pub fn uri(&self, version: TrustVersion) -> String {
                let suffix = match self {
                    $(Self::$variant => $suffix,)*
                    Self::Unknown(u) => return u.clone(),
                };
                format!("{}/{suffix}", trust_base(version))
            }
        }
    };
}

suffix_uri_enum! {
    /// The `Type` of a `wst:BinarySecret`.
    BinarySecretType("binary secret type") {
        /// `.../AsymmetricKey`.
        AsymmetricKey = "AsymmetricKey",
        /// `.../SymmetricKey` (the default when the attribute is absent).
        SymmetricKey = "SymmetricKey",
        /// `.../Nonce` (entropy).
        Nonce = "Nonce",
    }
}

suffix_uri_enum! {
    /// A computed key algorithm (`wst:ComputedKeyAlgorithm`, `wst:ComputedKey`).
    ComputedKeyAlgorithm("computed key") {
        /// `.../CK/PSHA1`: key = P_SHA1(requestor entropy, issuer entropy).
        PSha1 = "CK/PSHA1",
        /// `.../CK/HASH`.
        Hash = "CK/HASH",
    }
}

suffix_uri_enum! {
    /// The `wst:Code` of a validation `wst:Status`.
    StatusCode("status code") {
        /// `.../status/valid`.
        Valid = "status/valid",
        /// `.../status/invalid`.
        Invalid = "status/invalid",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const V: [TrustVersion; 3] = [TrustVersion::Feb2005, TrustVersion::V13, TrustVersion::V14];

    #[test]
    fn token_types_are_exact() {
        for t in [
            TokenType::SctFeb2005,
            TokenType::Sct13,
            TokenType::Saml11,
            TokenType::Saml11Profile,
            TokenType::Saml20,
            TokenType::Saml20Profile,
            TokenType::Jwt,
            TokenType::StatusFeb2005,
            TokenType::Status13,
            TokenType::Unknown("urn:x".into()),
        ] {
            assert_eq!(TokenType::from_uri(t.uri()), t);
        }
        assert_eq!(
            TokenType::from_uri("\n  urn:oasis:names:tc:SAML:2.0:assertion\n  "),
            TokenType::Saml20
        );
    }

    #[test]
    fn request_types_per_version() {
        assert_eq!(
            RequestType::Issue.uri(TrustVersion::Feb2005),
            "http://schemas.xmlsoap.org/ws/2005/02/trust/Issue"
        );
        assert_eq!(
            RequestType::KeyExchangeToken.uri(TrustVersion::V14),
            "http://docs.oasis-open.org/ws-sx/ws-trust/200512/KET"
        );
        for v in V {
            for r in [
                RequestType::Issue,
                RequestType::Renew,
                RequestType::Cancel,
                RequestType::StsCancel,
                RequestType::Validate,
                RequestType::KeyExchangeToken,
                RequestType::Unknown(format!("{T13}/BatchIssue")),
            ] {
                assert_eq!(RequestType::from_uri(&r.uri(v)), r);
            }
        }
        assert_eq!(
            RequestType::from_uri("http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue\n  "),
            RequestType::Issue
        );
        assert!(matches!(
            RequestType::from_uri("http://schemas.xmlsoap.org/ws/2005/02/trustIssue"),
            RequestType::Unknown(_)
        ));
    }

    #[test]
    fn key_types_per_version() {
        assert_eq!(KeyType::from_uri(NO_PROOF_KEY), KeyType::Bearer);
        assert_eq!(KeyType::from_uri(BEARER_SCHEMA_TYPO), KeyType::Bearer);
        assert_eq!(KeyType::Bearer.uri(TrustVersion::Feb2005), NO_PROOF_KEY);
        assert_eq!(
            KeyType::Bearer.uri(TrustVersion::V13),
            "http://docs.oasis-open.org/ws-sx/ws-trust/200512/Bearer"
        );
        assert!(matches!(
            KeyType::from_uri("http://schemas.xmlsoap.org/ws/2005/02/trust/Bearer"),
            KeyType::Unknown(_)
        ));
        for v in V {
            for k in [KeyType::PublicKey, KeyType::SymmetricKey, KeyType::Bearer] {
                assert_eq!(KeyType::from_uri(&k.uri(v)), k);
            }
            for b in [
                BinarySecretType::AsymmetricKey,
                BinarySecretType::SymmetricKey,
                BinarySecretType::Nonce,
            ] {
                assert_eq!(BinarySecretType::from_uri(&b.uri(v)), b);
            }
            for c in [ComputedKeyAlgorithm::PSha1, ComputedKeyAlgorithm::Hash] {
                assert_eq!(ComputedKeyAlgorithm::from_uri(&c.uri(v)), c);
            }
            for s in [StatusCode::Valid, StatusCode::Invalid] {
                assert_eq!(StatusCode::from_uri(&s.uri(v)), s);
            }
        }
    }
}
