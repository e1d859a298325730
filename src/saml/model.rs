//! The typed parts of an assertion, shared by the writer and the validator.
//!
//! ```text
//! Assertions and Protocols for the OASIS SAML V2.0, §2.3.3:
//! <complexType name="AssertionType"><sequence>
//!     <element ref="saml:Issuer"/> <element ref="ds:Signature" minOccurs="0"/>
//!     <element ref="saml:Subject" minOccurs="0"/>
//!     <element ref="saml:Conditions" minOccurs="0"/> <element ref="saml:Advice" minOccurs="0"/>
//!     <choice minOccurs="0" maxOccurs="unbounded"> <element ref="saml:Statement"/>
//!         <element ref="saml:AuthnStatement"/> <element ref="saml:AuthzDecisionStatement"/>
//!         <element ref="saml:AttributeStatement"/> </choice>
//! </sequence> <attribute name="Version" type="string" use="required"/>
//!   <attribute name="ID" type="ID" use="required"/>
//!   <attribute name="IssueInstant" type="dateTime" use="required"/> </complexType>
//!
//! Assertions and Protocol for the OASIS SAML V1.1, §2.3.2:
//! <complexType name="AssertionType"><sequence>
//!     <element ref="saml:Conditions" minOccurs="0"/> <element ref="saml:Advice" minOccurs="0"/>
//!     <choice maxOccurs="unbounded"> <element ref="saml:Statement"/>
//!         <element ref="saml:SubjectStatement"/> <element ref="saml:AuthenticationStatement"/>
//!         <element ref="saml:AuthorizationDecisionStatement"/>
//!         <element ref="saml:AttributeStatement"/> </choice>
//!     <element ref="ds:Signature" minOccurs="0"/>
//! </sequence> <attribute name="MajorVersion" type="integer" use="required"/>
//!   <attribute name="MinorVersion" type="integer" use="required"/>
//!   <attribute name="AssertionID" type="ID" use="required"/>
//!   <attribute name="Issuer" type="string" use="required"/>
//!   <attribute name="IssueInstant" type="dateTime" use="required"/> </complexType>
//! ```
//! <https://docs.oasis-open.org/security/saml/v2.0/saml-core-2.0-os.pdf>,
//! <https://www.oasis-open.org/committees/download.php/3406/oasis-sstc-saml-core-1.1.pdf>

use crate::crypto::{RsaPrivateKey, RsaPublicKey, SecretBytes};
use crate::pki::Certificate;
use crate::xml::ns;

use super::uri;

/// Which SAML an assertion is.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub enum SamlVersion {
    /// SAML 1.1 (`urn:oasis:names:tc:SAML:1.0:assertion`, `MinorVersion="1"`).
    V11,
    /// SAML 2.0 (`urn:oasis:names:tc:SAML:2.0:assertion`).
    V20,
}

impl SamlVersion {
    /// The assertion namespace.
    pub fn namespace(self) -> &'static str {
        match self {
            Self::V11 => ns::SAML1,
            Self::V20 => ns::SAML2,
        }
    }

    /// The WSS SAML Token Profile 1.1 token type (`...#SAMLV1.1` / `...#SAMLV2.0`).
    pub fn token_type(self) -> &'static str {
        match self {
            Self::V11 => uri::TOKEN_TYPE_SAML11,
            Self::V20 => uri::TOKEN_TYPE_SAML20,
        }
    }

    /// The `wsse:KeyIdentifier` ValueType naming an assertion of this version.
    pub fn key_identifier_value_type(self) -> &'static str {
        match self {
            Self::V11 => uri::VALUE_TYPE_SAML_ASSERTION_ID,
            Self::V20 => uri::VALUE_TYPE_SAML_ID,
        }
    }

    /// The bearer confirmation method URI.
    pub fn bearer(self) -> &'static str {
        match self {
            Self::V11 => uri::CM_BEARER_1,
            Self::V20 => uri::CM_BEARER_2,
        }
    }

    /// The holder-of-key confirmation method URI.
    pub fn holder_of_key(self) -> &'static str {
        match self {
            Self::V11 => uri::CM_HOLDER_OF_KEY_1,
            Self::V20 => uri::CM_HOLDER_OF_KEY_2,
        }
    }

    /// The name of the Id attribute of the assertion element (`AssertionID` / `ID`).
    pub fn id_attribute(self) -> &'static str {
        match self {
            Self::V11 => "AssertionID",
            Self::V20 => "ID",
        }
    }
}

/// A name identifier: SAML 2.0 `saml:NameID`, SAML 1.1 `saml:NameIdentifier`.
#[derive(Clone, Debug, Eq, Hash, PartialEq)]
pub struct NameId {
    /// The name.
    pub value: String,
    /// `Format` (a URI such as [`uri::NAMEID_EMAIL`]); `None` leaves it out (unspecified).
    pub format: Option<String>,
    /// `NameQualifier`: the security or administrative domain the name is from (SAML 2.0
    /// core §2.2.2, SAML 1.1 §2.4.2.2), so that names from different user stores do not
    /// collide. This STS sets it to the trusted issuer's name for a federated subject and
    /// leaves it out for its own users.
    pub qualifier: Option<String>,
}

impl NameId {
    /// A name without a format.
    pub fn new(value: impl Into<String>) -> Self {
        Self {
            value: value.into(),
            format: None,
            qualifier: None,
        }
    }

    /// A name with a `Format`.
    pub fn with_format(value: impl Into<String>, format: impl Into<String>) -> Self {
        Self {
            value: value.into(),
            format: Some(format.into()),
            qualifier: None,
        }
    }

    /// The same name qualified by the domain `qualifier` (`None`: unqualified).
    pub fn qualified(mut self, qualifier: Option<String>) -> Self {
        self.qualifier = qualifier;
        self
    }
}

/// One claim: an attribute with its values.
///
/// In SAML 2.0 the URI is the `Name` with `NameFormat` [`uri::ATTRNAME_FORMAT_URI`]. In SAML 1.1
/// it is split, as AD FS does, at its last `/` into `AttributeNamespace` and `AttributeName`
/// (`http://schemas.xmlsoap.org/ws/2005/05/identity/claims` + `emailaddress`), or, for a URN
/// without `/`, after its last `:` (`urn:oid:` + `2.5.4.3`); reading joins them back.
#[derive(Clone, Debug, Eq, Hash, PartialEq)]
pub struct Claim {
    /// The claim type URI.
    pub uri: String,
    /// The values, in order (at least one).
    pub values: Vec<String>,
}

impl Claim {
    /// A claim with the given values.
    pub fn new<V: Into<String>>(
        uri: impl Into<String>,
        values: impl IntoIterator<Item = V>,
    ) -> Self {
        Self {
            uri: uri.into(),
            values: values.into_iter().map(Into::into).collect(),
        }
    }
}

/// How the subject authenticated: SAML 1.1 `AuthenticationMethod`, SAML 2.0
/// `AuthnContextClassRef`.
#[derive(Clone, Debug, Eq, Hash, PartialEq)]
#[non_exhaustive]
pub enum AuthnMethod {
    /// A password (1.1 `am:password`, 2.0 `ac:classes:Password`).
    Password,
    /// A password over TLS (1.1 `am:password`, 2.0 `ac:classes:PasswordProtectedTransport`).
    PasswordProtectedTransport,
    /// Any other URI, written and read as it is.
    Unknown(String),
    /// Unspecified (1.1 `am:unspecified`, 2.0 `ac:classes:unspecified`).
    Unspecified,
    /// An X.509 key (1.1 `am:X509-PKI`, 2.0 `ac:classes:X509`).
    X509,
}

impl AuthnMethod {
    /// The URI for `version`.
    pub fn uri(&self, version: SamlVersion) -> &str {
        match (self, version) {
            (Self::Password | Self::PasswordProtectedTransport, SamlVersion::V11) => {
                uri::AM_PASSWORD_1
            }
            (Self::Password, SamlVersion::V20) => uri::AC_PASSWORD_2,
            (Self::PasswordProtectedTransport, SamlVersion::V20) => {
                uri::AC_PASSWORD_PROTECTED_TRANSPORT_2
            }
            (Self::Unspecified, SamlVersion::V11) => uri::AM_UNSPECIFIED_1,
            (Self::Unspecified, SamlVersion::V20) => uri::AC_UNSPECIFIED_2,
            (Self::X509, SamlVersion::V11) => uri::AM_X509_1,
            (Self::X509, SamlVersion::V20) => uri::AC_X509_2,
            (Self::Unknown(u), _) => u,
        }
    }

    /// The method a URI names in `version` (SAML 1.1 `am:password` reads as
    /// [`Self::Password`]).
    pub fn from_uri(version: SamlVersion, u: &str) -> Self {
        match (version, u) {
            (SamlVersion::V11, uri::AM_PASSWORD_1) | (SamlVersion::V20, uri::AC_PASSWORD_2) => {
                Self::Password
            }
            (SamlVersion::V20, uri::AC_PASSWORD_PROTECTED_TRANSPORT_2) => {
                Self::PasswordProtectedTransport
            }
            (SamlVersion::V11, uri::AM_UNSPECIFIED_1)
            | (SamlVersion::V20, uri::AC_UNSPECIFIED_2) => Self::Unspecified,
            (SamlVersion::V11, uri::AM_X509_1) | (SamlVersion::V20, uri::AC_X509_2) => Self::X509,
            _ => Self::Unknown(u.to_owned()),
        }
    }
}

/// The authentication statement: SAML 2.0 `AuthnStatement`, SAML 1.1
/// `AuthenticationStatement`.
#[derive(Clone, Debug, Eq, Hash, PartialEq)]
pub struct AuthnStatement {
    /// How the subject authenticated.
    pub method: AuthnMethod,
    /// When, in milliseconds since the Unix epoch (`AuthnInstant` / `AuthenticationInstant`).
    pub instant_ms: i64,
}

/// A public key the subject proves possession of.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum PublicKeyInfo {
    /// The subject's certificate (`ds:X509Data/ds:X509Certificate`).
    Certificate(Certificate),
    /// A bare RSA key (`ds:KeyValue/ds:RSAKeyValue`).
    RsaKeyValue(RsaPublicKey),
}

/// How the `xenc:EncryptedKey` of a holder-of-key assertion names the service certificate it
/// is encrypted for (a `wsse:SecurityTokenReference` with a `wsse:KeyIdentifier`).
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub enum RecipientReference {
    /// The certificate's subject key identifier.
    SubjectKeyIdentifier,
    /// The SHA-1 thumbprint of the certificate (what WCF and AD FS write).
    ThumbprintSha1,
}

/// The subject confirmation to write.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum ConfirmationSpec {
    /// Bearer: whoever presents the assertion.
    Bearer,
    /// Holder of key, public: the subject proves possession of this key.
    HolderOfKeyPublic(PublicKeyInfo),
    /// Holder of key, symmetric: the session key, encrypted (RSA-OAEP, `rsa-oaep-mgf1p`) for
    /// the service's certificate.
    HolderOfKeySymmetric {
        /// The proof key.
        key: SecretBytes,
        /// The service certificate the key is encrypted for.
        recipient: Certificate,
        /// How the EncryptedKey names that certificate.
        reference: RecipientReference,
    },
}

/// Everything an issued assertion says.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct AssertionSpec {
    /// SAML 1.1 or 2.0.
    pub version: SamlVersion,
    /// The assertion Id; `None` makes a random one (`_` and 32 hex digits). Default: `None`.
    pub id: Option<String>,
    /// The issuer (SAML 2.0 `saml:Issuer` text, SAML 1.1 `Issuer` attribute).
    pub issuer: String,
    /// `IssueInstant`, milliseconds since the Unix epoch.
    pub issue_instant_ms: i64,
    /// The subject.
    pub subject: NameId,
    /// `Conditions/@NotBefore`, milliseconds. Default: the issue instant.
    pub not_before_ms: i64,
    /// `Conditions/@NotOnOrAfter`, milliseconds.
    pub not_on_or_after_ms: i64,
    /// The audiences (one `AudienceRestriction` naming them all; at least one). Default: none.
    pub audiences: Vec<String>,
    /// The authentication statement. Default: `None`.
    pub authn: Option<AuthnStatement>,
    /// The claims (one `AttributeStatement`). Default: none.
    pub claims: Vec<Claim>,
    /// The acting party when the token is issued to a delegate (ActAs / OnBehalfOf), written
    /// as the [`uri::ACTOR_CLAIM`] attribute. Default: `None`.
    pub actor: Option<String>,
    /// The subject confirmation.
    pub confirmation: ConfirmationSpec,
}

impl AssertionSpec {
    /// An assertion valid from `issue_instant_ms` for `lifetime_ms`, without audiences, claims
    /// or statements yet: set the public fields next.
    pub fn new(
        version: SamlVersion,
        issuer: impl Into<String>,
        subject: NameId,
        confirmation: ConfirmationSpec,
        issue_instant_ms: i64,
        lifetime_ms: i64,
    ) -> Self {
        Self {
            version,
            id: None,
            issuer: issuer.into(),
            issue_instant_ms,
            subject,
            not_before_ms: issue_instant_ms,
            not_on_or_after_ms: issue_instant_ms.saturating_add(lifetime_ms),
            audiences: Vec::new(),
            authn: None,
            claims: Vec::new(),
            actor: None,
            confirmation,
        }
    }
}

/// The STS's signing certificate and key.
#[derive(Clone, Copy, Debug)]
pub struct SigningCredentials<'a> {
    /// The certificate written in the signature's `ds:KeyInfo`.
    pub certificate: &'a Certificate,
    /// Its private key (RSA-SHA256).
    pub key: &'a RsaPrivateKey,
}

/// Splits a claim URI into a SAML 1.1 `AttributeNamespace` and `AttributeName` (see
/// [`Claim`]); `None` when it cannot be split so that [`join_claim_uri`] gives it back.
pub(crate) fn split_claim_uri(uri: &str) -> Option<(&str, &str)> {
    let (namespace, name) = match uri.rfind('/') {
        Some(i) => (uri.get(..i)?, uri.get(i + 1..)?),
        None => {
            let i = uri.rfind(':')?;
            (uri.get(..=i)?, uri.get(i + 1..)?)
        }
    };
    (!namespace.is_empty() && !name.is_empty() && join_claim_uri(namespace, name) == uri)
        .then_some((namespace, name))
}

/// Joins a SAML 1.1 `AttributeNamespace` and `AttributeName` into a claim URI: with a `/`
/// between them unless the namespace already ends in `/` or `:`.
pub(crate) fn join_claim_uri(namespace: &str, name: &str) -> String {
    if namespace.ends_with('/') || namespace.ends_with(':') {
        format!("{namespace}{name}")
    } else {
        format!("{namespace}/{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claim_uri_split_and_join() {
        for (u, ns_, name) in [
            (
                "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
                "http://schemas.xmlsoap.org/ws/2005/05/identity/claims",
                "emailaddress",
            ),
            ("urn:oid:2.5.4.3", "urn:oid:", "2.5.4.3"),
        ] {
            assert_eq!(split_claim_uri(u), Some((ns_, name)));
            assert_eq!(join_claim_uri(ns_, name), u);
        }
        // No separator, an empty name, or one that would not come back the same.
        for bad in ["plain", "http://a/", "urn:x:/y", "a:"] {
            assert_eq!(split_claim_uri(bad), None, "{bad}");
        }
    }

    #[test]
    fn authn_method_uris() {
        for v in [SamlVersion::V11, SamlVersion::V20] {
            for m in [
                AuthnMethod::Password,
                AuthnMethod::Unspecified,
                AuthnMethod::X509,
            ] {
                assert_eq!(AuthnMethod::from_uri(v, m.uri(v)), m);
            }
            let other = AuthnMethod::Unknown("urn:x".into());
            assert_eq!(AuthnMethod::from_uri(v, other.uri(v)), other);
        }
        assert_eq!(
            AuthnMethod::PasswordProtectedTransport.uri(SamlVersion::V11),
            uri::AM_PASSWORD_1
        );
    }
}
