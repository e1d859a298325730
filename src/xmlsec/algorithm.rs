//! Algorithm identifiers of XML Signature and XML Encryption, URI ↔ enum.
//!
//! Unknown URIs are kept as `Unknown(String)` so policy decides, and logs can name them.

use crate::crypto::{BlockCipher, DigestAlgorithm, HmacAlgorithm, SignatureAlgorithm};

/// `CanonicalizationMethod` and c14n `Transform` algorithms.
#[derive(Clone, Debug, Eq, PartialEq)]
#[non_exhaustive]
pub enum C14nAlgorithm {
    /// `http://www.w3.org/2001/10/xml-exc-c14n#`
    Exclusive,
    /// `http://www.w3.org/2001/10/xml-exc-c14n#WithComments`
    ExclusiveWithComments,
    /// `http://www.w3.org/TR/2001/REC-xml-c14n-20010315`
    Inclusive,
    /// `http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments`
    InclusiveWithComments,
    /// Anything else.
    Unknown(String),
}

/// URIs of the c14n algorithms.
pub mod uri {
    /// Exclusive c14n.
    pub const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
    /// Exclusive c14n with comments.
    pub const EXC_C14N_WITH_COMMENTS: &str = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments";
    /// Canonical XML 1.0.
    pub const C14N: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
    /// Canonical XML 1.0 with comments.
    pub const C14N_WITH_COMMENTS: &str =
        "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments";
    /// Enveloped signature transform.
    pub const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
    /// WS-Security STR dereference transform.
    pub const STR_TRANSFORM: &str = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#STR-Transform";
    /// SHA-1.
    pub const SHA1: &str = "http://www.w3.org/2000/09/xmldsig#sha1";
    /// SHA-256.
    pub const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
    /// SHA-384.
    pub const SHA384: &str = "http://www.w3.org/2001/04/xmldsig-more#sha384";
    /// SHA-512.
    pub const SHA512: &str = "http://www.w3.org/2001/04/xmlenc#sha512";
    /// RSA PKCS#1 v1.5 with SHA-1.
    pub const RSA_SHA1: &str = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
    /// RSA PKCS#1 v1.5 with SHA-256.
    pub const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
    /// RSA PKCS#1 v1.5 with SHA-384.
    pub const RSA_SHA384: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384";
    /// RSA PKCS#1 v1.5 with SHA-512.
    pub const RSA_SHA512: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512";
    /// HMAC-SHA1.
    pub const HMAC_SHA1: &str = "http://www.w3.org/2000/09/xmldsig#hmac-sha1";
    /// HMAC-SHA256.
    pub const HMAC_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256";
    /// HMAC-SHA384.
    pub const HMAC_SHA384: &str = "http://www.w3.org/2001/04/xmldsig-more#hmac-sha384";
    /// HMAC-SHA512.
    pub const HMAC_SHA512: &str = "http://www.w3.org/2001/04/xmldsig-more#hmac-sha512";
    /// AES-128-CBC.
    pub const AES128_CBC: &str = "http://www.w3.org/2001/04/xmlenc#aes128-cbc";
    /// AES-192-CBC.
    pub const AES192_CBC: &str = "http://www.w3.org/2001/04/xmlenc#aes192-cbc";
    /// AES-256-CBC.
    pub const AES256_CBC: &str = "http://www.w3.org/2001/04/xmlenc#aes256-cbc";
    /// AES-128-GCM.
    pub const AES128_GCM: &str = "http://www.w3.org/2009/xmlenc11#aes128-gcm";
    /// AES-192-GCM.
    pub const AES192_GCM: &str = "http://www.w3.org/2009/xmlenc11#aes192-gcm";
    /// AES-256-GCM.
    pub const AES256_GCM: &str = "http://www.w3.org/2009/xmlenc11#aes256-gcm";
    /// RSA-OAEP with MGF1-SHA1 (XML Encryption 1.0).
    pub const RSA_OAEP_MGF1P: &str = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p";
    /// RSA-OAEP with a selectable MGF (XML Encryption 1.1).
    pub const RSA_OAEP: &str = "http://www.w3.org/2009/xmlenc11#rsa-oaep";
    /// RSA PKCS#1 v1.5 key transport (refused).
    pub const RSA_1_5: &str = "http://www.w3.org/2001/04/xmlenc#rsa-1_5";
    /// AES-128 key wrap.
    pub const KW_AES128: &str = "http://www.w3.org/2001/04/xmlenc#kw-aes128";
    /// AES-192 key wrap.
    pub const KW_AES192: &str = "http://www.w3.org/2001/04/xmlenc#kw-aes192";
    /// AES-256 key wrap.
    pub const KW_AES256: &str = "http://www.w3.org/2001/04/xmlenc#kw-aes256";
    /// MGF1 with SHA-1 (XML Encryption 1.1).
    pub const MGF1_SHA1: &str = "http://www.w3.org/2009/xmlenc11#mgf1sha1";
    /// MGF1 with SHA-256.
    pub const MGF1_SHA256: &str = "http://www.w3.org/2009/xmlenc11#mgf1sha256";
    /// MGF1 with SHA-384.
    pub const MGF1_SHA384: &str = "http://www.w3.org/2009/xmlenc11#mgf1sha384";
    /// MGF1 with SHA-512.
    pub const MGF1_SHA512: &str = "http://www.w3.org/2009/xmlenc11#mgf1sha512";
    /// EncryptedData Type Element.
    pub const TYPE_ELEMENT: &str = "http://www.w3.org/2001/04/xmlenc#Element";
    /// EncryptedData Type Content.
    pub const TYPE_CONTENT: &str = "http://www.w3.org/2001/04/xmlenc#Content";
}

impl C14nAlgorithm {
    /// From a URI.
    pub fn from_uri(u: &str) -> Self {
        match u {
            uri::EXC_C14N => Self::Exclusive,
            uri::EXC_C14N_WITH_COMMENTS => Self::ExclusiveWithComments,
            uri::C14N => Self::Inclusive,
            uri::C14N_WITH_COMMENTS => Self::InclusiveWithComments,
            other => Self::Unknown(other.to_owned()),
        }
    }

    /// The method as a suite lists it (`None` for an unknown one).
    pub fn canonicalization(&self) -> Option<super::suite::Canonicalization> {
        use super::suite::Canonicalization as C;
        Some(match self {
            Self::Exclusive => C::Exclusive,
            Self::ExclusiveWithComments => C::ExclusiveWithComments,
            Self::Inclusive => C::Inclusive,
            Self::InclusiveWithComments => C::InclusiveWithComments,
            Self::Unknown(_) => return None,
        })
    }

    /// The URI.
    pub fn uri(&self) -> &str {
        match self {
            Self::Exclusive => uri::EXC_C14N,
            Self::ExclusiveWithComments => uri::EXC_C14N_WITH_COMMENTS,
            Self::Inclusive => uri::C14N,
            Self::InclusiveWithComments => uri::C14N_WITH_COMMENTS,
            Self::Unknown(u) => u,
        }
    }
}

/// The digest algorithm of a `DigestMethod` URI.
pub fn digest_from_uri(u: &str) -> Option<DigestAlgorithm> {
    Some(match u {
        uri::SHA1 => DigestAlgorithm::Sha1,
        uri::SHA256 => DigestAlgorithm::Sha256,
        uri::SHA384 => DigestAlgorithm::Sha384,
        uri::SHA512 => DigestAlgorithm::Sha512,
        _ => return None,
    })
}

/// The `DigestMethod` URI of a digest algorithm.
pub fn digest_uri(d: DigestAlgorithm) -> &'static str {
    match d {
        DigestAlgorithm::Sha1 => uri::SHA1,
        DigestAlgorithm::Sha256 => uri::SHA256,
        DigestAlgorithm::Sha384 => uri::SHA384,
        DigestAlgorithm::Sha512 => uri::SHA512,
    }
}

/// A `SignatureMethod`.
#[derive(Clone, Copy, Debug, Eq, PartialEq, Hash)]
pub enum SignatureMethod {
    /// RSA PKCS#1 v1.5.
    Rsa(SignatureAlgorithm),
    /// HMAC.
    Hmac(HmacAlgorithm),
}

impl SignatureMethod {
    /// From a URI.
    pub fn from_uri(u: &str) -> Option<Self> {
        Some(match u {
            uri::RSA_SHA1 => Self::Rsa(SignatureAlgorithm::RsaSha1),
            uri::RSA_SHA256 => Self::Rsa(SignatureAlgorithm::RsaSha256),
            uri::RSA_SHA384 => Self::Rsa(SignatureAlgorithm::RsaSha384),
            uri::RSA_SHA512 => Self::Rsa(SignatureAlgorithm::RsaSha512),
            uri::HMAC_SHA1 => Self::Hmac(HmacAlgorithm::Sha1),
            uri::HMAC_SHA256 => Self::Hmac(HmacAlgorithm::Sha256),
            uri::HMAC_SHA384 => Self::Hmac(HmacAlgorithm::Sha384),
            uri::HMAC_SHA512 => Self::Hmac(HmacAlgorithm::Sha512),
            _ => return None,
        })
    }

    /// The URI.
    pub fn uri(self) -> &'static str {
        match self {
            Self::Rsa(SignatureAlgorithm::RsaSha1) => uri::RSA_SHA1,
            Self::Rsa(SignatureAlgorithm::RsaSha256) => uri::RSA_SHA256,
            Self::Rsa(SignatureAlgorithm::RsaSha384) => uri::RSA_SHA384,
            Self::Rsa(SignatureAlgorithm::RsaSha512) => uri::RSA_SHA512,
            Self::Hmac(HmacAlgorithm::Sha1) => uri::HMAC_SHA1,
            Self::Hmac(HmacAlgorithm::Sha256) => uri::HMAC_SHA256,
            Self::Hmac(HmacAlgorithm::Sha384) => uri::HMAC_SHA384,
            Self::Hmac(HmacAlgorithm::Sha512) => uri::HMAC_SHA512,
        }
    }

    /// True for SHA-1 based methods (weak; verify-only and configurable off).
    pub fn is_sha1(self) -> bool {
        matches!(
            self,
            Self::Rsa(SignatureAlgorithm::RsaSha1) | Self::Hmac(HmacAlgorithm::Sha1)
        )
    }
}

/// The block cipher of an `EncryptionMethod` URI.
pub fn cipher_from_uri(u: &str) -> Option<BlockCipher> {
    Some(match u {
        uri::AES128_CBC => BlockCipher::Aes128Cbc,
        uri::AES192_CBC => BlockCipher::Aes192Cbc,
        uri::AES256_CBC => BlockCipher::Aes256Cbc,
        uri::AES128_GCM => BlockCipher::Aes128Gcm,
        uri::AES192_GCM => BlockCipher::Aes192Gcm,
        uri::AES256_GCM => BlockCipher::Aes256Gcm,
        _ => return None,
    })
}

/// The `EncryptionMethod` URI of a block cipher.
pub fn cipher_uri(c: BlockCipher) -> &'static str {
    match c {
        BlockCipher::Aes128Cbc => uri::AES128_CBC,
        BlockCipher::Aes192Cbc => uri::AES192_CBC,
        BlockCipher::Aes256Cbc => uri::AES256_CBC,
        BlockCipher::Aes128Gcm => uri::AES128_GCM,
        BlockCipher::Aes192Gcm => uri::AES192_GCM,
        BlockCipher::Aes256Gcm => uri::AES256_GCM,
    }
}
