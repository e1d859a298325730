//! The URIs SAML and the WS-Security SAML Token Profile define, grouped per specification.

/// SAML 2.0 subject confirmation: bearer (SAML Profiles 2.0 §3.3).
pub const CM_BEARER_2: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
/// SAML 2.0 subject confirmation: holder of key (SAML Profiles 2.0 §3.1).
pub const CM_HOLDER_OF_KEY_2: &str = "urn:oasis:names:tc:SAML:2.0:cm:holder-of-key";
/// SAML 1.x subject confirmation: bearer (SAML 1.1 Bindings and Profiles §5.1.2).
pub const CM_BEARER_1: &str = "urn:oasis:names:tc:SAML:1.0:cm:bearer";
/// SAML 1.x subject confirmation: holder of key (SAML 1.1 Bindings and Profiles §5.1.1).
pub const CM_HOLDER_OF_KEY_1: &str = "urn:oasis:names:tc:SAML:1.0:cm:holder-of-key";

/// SAML 1.x authentication method: password (SAML 1.1 Core §7.1).
pub const AM_PASSWORD_1: &str = "urn:oasis:names:tc:SAML:1.0:am:password";
/// SAML 1.x authentication method: X.509 public key (SAML 1.1 Core §7.1).
pub const AM_X509_1: &str = "urn:oasis:names:tc:SAML:1.0:am:X509-PKI";
/// SAML 1.x authentication method: unspecified (SAML 1.1 Core §7.1).
pub const AM_UNSPECIFIED_1: &str = "urn:oasis:names:tc:SAML:1.0:am:unspecified";
/// SAML 2.0 authentication context class: password (SAML AuthnContext 2.0 §3.4.20).
pub const AC_PASSWORD_2: &str = "urn:oasis:names:tc:SAML:2.0:ac:classes:Password";
/// SAML 2.0 authentication context class: password over a protected transport (§3.4.21).
pub const AC_PASSWORD_PROTECTED_TRANSPORT_2: &str =
    "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport";
/// SAML 2.0 authentication context class: X.509 (§3.4.22).
pub const AC_X509_2: &str = "urn:oasis:names:tc:SAML:2.0:ac:classes:X509";
/// SAML 2.0 authentication context: unspecified (§3.4.25).
pub const AC_UNSPECIFIED_2: &str = "urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified";

/// SAML 2.0 attribute name format: the `Name` is a URI (SAML Core 2.0 §8.2.2).
pub const ATTRNAME_FORMAT_URI: &str = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri";

/// Name identifier format: unspecified (SAML Core 2.0 §8.3.1).
pub const NAMEID_UNSPECIFIED: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified";
/// Name identifier format: e-mail address (SAML Core 2.0 §8.3.2).
pub const NAMEID_EMAIL: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";
/// Name identifier format: X.509 subject name (SAML Core 2.0 §8.3.3).
pub const NAMEID_X509_SUBJECT: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:X509SubjectName";
/// Name identifier format: persistent (SAML Core 2.0 §8.3.7).
pub const NAMEID_PERSISTENT: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";
/// Name identifier format: transient (SAML Core 2.0 §8.3.8).
pub const NAMEID_TRANSIENT: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient";
/// Name identifier format of an issuer: entity (SAML Core 2.0 §8.3.6).
pub const NAMEID_ENTITY: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:entity";

/// The attribute that carries the acting party in a delegated assertion (the claim Windows
/// Identity Foundation names `ClaimTypes.Actor`).
pub const ACTOR_CLAIM: &str = "http://schemas.xmlsoap.org/ws/2009/09/identity/claims/actor";

/// `wsse:KeyIdentifier` ValueType for a SAML 1.1 assertion (WSS SAML Token Profile 1.0 §3.3).
pub const VALUE_TYPE_SAML_ASSERTION_ID: &str =
    "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.0#SAMLAssertionID";
/// `wsse:KeyIdentifier` ValueType for a SAML 2.0 assertion (WSS SAML Token Profile 1.1 §3.4).
pub const VALUE_TYPE_SAML_ID: &str =
    "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLID";
/// Token type of a SAML 1.1 assertion (WSS SAML Token Profile 1.1 §3.4).
pub const TOKEN_TYPE_SAML11: &str =
    "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV1.1";
/// Token type of a SAML 2.0 assertion (WSS SAML Token Profile 1.1 §3.4).
pub const TOKEN_TYPE_SAML20: &str =
    "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV2.0";

/// `wsse:KeyIdentifier` ValueType: SHA-1 thumbprint of a certificate (WSS 1.1 §7.2).
pub const VALUE_TYPE_THUMBPRINT_SHA1: &str =
    "http://docs.oasis-open.org/wss/oasis-wss-soap-message-security-1.1#ThumbprintSHA1";
/// `wsse:KeyIdentifier` ValueType: X.509 subject key identifier (X.509 Token Profile §3.2).
pub const VALUE_TYPE_X509_SKI: &str = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509SubjectKeyIdentifier";
/// `wsse:KeyIdentifier` EncodingType: base64 (WSS 1.0 §7.3).
pub const ENCODING_BASE64: &str = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary";

/// Our simple claims dialect for `wst:Claims` (see [`crate::saml::claims`]).
pub const CLAIMS_DIALECT_SIMPLE: &str = "urn:wstrust:claims:simple";
