//! Named algorithm suites: each admits exactly what its name says, and the lists below are the
//! only place that says it ([`Suite::algorithms`]). `docs/security.md` shows them as a table
//! rendered by [`markdown_table`]; a test fails when the two disagree.
//!
//! * [`Suite::Modern`]: signatures RSA-SHA256/384/512 and HMAC-SHA256/384/512, digests
//!   SHA-256/384/512, exclusive c14n (without comments), AES-GCM content encryption, RSA-OAEP
//!   key transport and AES key wrap.
//! * [`Suite::Compatible`]: everything in `modern`, and what WCF `Basic256`/`Basic128`, zeep's
//!   and WSS4J's defaults send: RSA-SHA1 and HMAC-SHA1 signatures, SHA-1 digests, AES-CBC
//!   content encryption, inclusive c14n and the `#WithComments` forms.
//!
//! RSA-OAEP is in both with SHA-1 as its digest and MGF1 hash (XML Encryption 1.0
//! `rsa-oaep-mgf1p`, what WCF, WSS4J and xmlsec1 send, and the only OAEP WCF has) as well as
//! SHA-256/384/512 (XML Encryption 1.1 `rsa-oaep`): OAEP's security rests on the hash as a
//! random oracle, not on its collision resistance, and NIST SP 800-131A Rev. 2 keeps SHA-1
//! acceptable outside digital signatures. RSA PKCS#1 v1.5 key transport (`rsa-1_5`, the
//! Bleichenbacher oracle class) is in no suite; it stays the separately named
//! [`Policy::danger_allow_rsa_1_5`](super::Policy::danger_allow_rsa_1_5), which has no
//! implementation behind it either. ECDSA is in no suite because the crate does not implement
//! it; an algorithm only gets into a suite with an implementation and tests.
//!
//! The suites nest (`modern` ⊂ `compatible`), so the union of several is the widest and the
//! narrowest is the strictest ([`Suite::narrower`]).

use std::fmt;

use crate::crypto::{BlockCipher, DigestAlgorithm, HmacAlgorithm, SignatureAlgorithm};

use super::algorithm::{uri, SignatureMethod};

/// A canonicalization method (of `SignedInfo`, or of a reference's octets).
#[derive(Clone, Copy, Debug, Eq, PartialEq, Hash)]
pub enum Canonicalization {
    /// Exclusive XML Canonicalization 1.0.
    Exclusive,
    /// The same, keeping comments.
    ExclusiveWithComments,
    /// Canonical XML 1.0 (also what a node-set left at the end of a reference's transforms is
    /// converted with, XML-DSig §4.4.3.2).
    Inclusive,
    /// The same, keeping comments.
    InclusiveWithComments,
}

/// How an `EncryptedKey` carries its key.
#[derive(Clone, Copy, Debug, Eq, PartialEq, Hash)]
pub enum KeyTransportMethod {
    /// RSA-OAEP with this digest and MGF1 hash (only equal pairs are implemented).
    RsaOaep {
        /// The OAEP digest (`ds:DigestMethod`).
        digest: DigestAlgorithm,
        /// The MGF1 hash (`xenc11:MGF`).
        mgf1: DigestAlgorithm,
    },
    /// AES key wrap (RFC 3394) with a key-encryption key of this many bits.
    AesKeyWrap {
        /// 128, 192 or 256.
        bits: u16,
    },
    /// RSA PKCS#1 v1.5: in no suite, never implemented.
    Rsa15,
}

/// One algorithm as a message used it: what a suite admits or refuses, and what the verifier
/// and decryptor report ([`super::VerifiedSignature::algorithms`]).
#[derive(Clone, Copy, Debug, Eq, PartialEq, Hash)]
pub enum Algorithm {
    /// A `SignatureMethod`.
    Signature(SignatureMethod),
    /// A reference's `DigestMethod`.
    Digest(DigestAlgorithm),
    /// A `CanonicalizationMethod`, or a reference's c14n (explicit or implied).
    Canonicalization(Canonicalization),
    /// An `EncryptedKey`'s key transport.
    KeyTransport(KeyTransportMethod),
    /// An `EncryptedData`'s content encryption.
    DataEncryption(BlockCipher),
}

/// A named set of algorithms.
#[derive(Clone, Copy, Debug, Eq, PartialEq, Hash)]
#[non_exhaustive]
pub enum Suite {
    /// SHA-256 and stronger, AES-GCM, RSA-OAEP, AES-KW, exclusive c14n. Config name `modern`.
    Modern,
    /// `modern` plus SHA-1 signatures and digests, AES-CBC, inclusive c14n and comments: what
    /// deployed WCF, zeep and WSS4J peers send by default. Config name `compatible`.
    Compatible,
}

use Algorithm as A;
use Canonicalization as C;
use DigestAlgorithm as D;
use KeyTransportMethod as K;

const fn rsa(a: SignatureAlgorithm) -> Algorithm {
    A::Signature(SignatureMethod::Rsa(a))
}
const fn hmac(a: HmacAlgorithm) -> Algorithm {
    A::Signature(SignatureMethod::Hmac(a))
}
const fn oaep(d: DigestAlgorithm) -> Algorithm {
    A::KeyTransport(K::RsaOaep { digest: d, mgf1: d })
}

/// Which suites admit an algorithm.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tier {
    /// Both suites.
    Modern,
    /// `compatible` only.
    Legacy,
    /// Neither (shown in the table, refused always).
    Never,
}

/// Defines [`ALL`] and, index for index, the [`Tier`] of each algorithm in it, from one list
/// in table order.
macro_rules! algorithm_table {
    ($($tier:ident: $alg:expr,)*) => {
        /// Every algorithm the table shows: all the crate implements, and RSA-1_5 (refused
        /// always).
        pub const ALL: &[Algorithm] = &[$($alg),*];
        /// The tier of `ALL[i]`.
        const TIERS: &[Tier] = &[$(Tier::$tier),*];
    };
}

algorithm_table! {
    Legacy: rsa(SignatureAlgorithm::RsaSha1),
    Modern: rsa(SignatureAlgorithm::RsaSha256),
    Modern: rsa(SignatureAlgorithm::RsaSha384),
    Modern: rsa(SignatureAlgorithm::RsaSha512),
    Legacy: hmac(HmacAlgorithm::Sha1),
    Modern: hmac(HmacAlgorithm::Sha256),
    Modern: hmac(HmacAlgorithm::Sha384),
    Modern: hmac(HmacAlgorithm::Sha512),
    Legacy: A::Digest(D::Sha1),
    Modern: A::Digest(D::Sha256),
    Modern: A::Digest(D::Sha384),
    Modern: A::Digest(D::Sha512),
    Modern: A::Canonicalization(C::Exclusive),
    Legacy: A::Canonicalization(C::ExclusiveWithComments),
    Legacy: A::Canonicalization(C::Inclusive),
    Legacy: A::Canonicalization(C::InclusiveWithComments),
    Modern: oaep(D::Sha1),
    Modern: oaep(D::Sha256),
    Modern: oaep(D::Sha384),
    Modern: oaep(D::Sha512),
    Modern: A::KeyTransport(K::AesKeyWrap { bits: 128 }),
    Modern: A::KeyTransport(K::AesKeyWrap { bits: 192 }),
    Modern: A::KeyTransport(K::AesKeyWrap { bits: 256 }),
    Never: A::KeyTransport(K::Rsa15),
    Modern: A::DataEncryption(BlockCipher::Aes128Gcm),
    Modern: A::DataEncryption(BlockCipher::Aes192Gcm),
    Modern: A::DataEncryption(BlockCipher::Aes256Gcm),
    Legacy: A::DataEncryption(BlockCipher::Aes128Cbc),
    Legacy: A::DataEncryption(BlockCipher::Aes192Cbc),
    Legacy: A::DataEncryption(BlockCipher::Aes256Cbc),
}

/// The tier of `a`; an algorithm outside the table is admitted by no suite.
fn tier(a: Algorithm) -> Tier {
    ALL.iter()
        .position(|x| *x == a)
        .and_then(|i| TIERS.get(i).copied())
        .unwrap_or(Tier::Never)
}

impl Suite {
    /// Every suite, strictest first.
    pub const ALL: [Self; 2] = [Self::Modern, Self::Compatible];

    /// The name in the configuration and the logs.
    pub fn name(self) -> &'static str {
        match self {
            Self::Modern => "modern",
            Self::Compatible => "compatible",
        }
    }

    /// The suite of a configuration name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }

    /// True when the suite admits `a`.
    pub fn admits(self, a: Algorithm) -> bool {
        match tier(a) {
            Tier::Modern => true,
            Tier::Legacy => self == Self::Compatible,
            Tier::Never => false,
        }
    }

    /// Everything the suite admits, in table order.
    pub fn algorithms(self) -> Vec<Algorithm> {
        ALL.iter().copied().filter(|a| self.admits(*a)).collect()
    }

    /// True when the suite admits something `modern` does not (SHA-1, AES-CBC, ...).
    pub fn admits_legacy(self) -> bool {
        ALL.iter()
            .any(|a| self.admits(*a) && !Self::Modern.admits(*a))
    }

    /// The legacy algorithms the suite admits (what `modern` refuses), for the startup log.
    pub fn legacy_algorithms(self) -> Vec<Algorithm> {
        ALL.iter()
            .copied()
            .filter(|a| self.admits(*a) && !Self::Modern.admits(*a))
            .collect()
    }

    /// The stricter of two suites (the suites nest, so it admits what both admit).
    pub fn narrower(self, other: Self) -> Self {
        if self.algorithms().len() <= other.algorithms().len() {
            self
        } else {
            other
        }
    }
}

impl fmt::Display for Suite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

fn digest_name(d: DigestAlgorithm) -> &'static str {
    match d {
        D::Sha1 => "SHA-1",
        D::Sha256 => "SHA-256",
        D::Sha384 => "SHA-384",
        D::Sha512 => "SHA-512",
    }
}

impl Algorithm {
    /// What kind of algorithm it is (the table's first column).
    pub fn kind(self) -> &'static str {
        match self {
            Self::Signature(_) => "signature",
            Self::Digest(_) => "digest",
            Self::Canonicalization(_) => "canonicalization",
            Self::KeyTransport(_) => "key transport",
            Self::DataEncryption(_) => "data encryption",
        }
    }

    /// A short name (`RSA-SHA256`, `AES-256-CBC`, `RSA-OAEP (SHA-1)`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Signature(SignatureMethod::Rsa(a)) => match a {
                SignatureAlgorithm::RsaSha1 => "RSA-SHA1",
                SignatureAlgorithm::RsaSha256 => "RSA-SHA256",
                SignatureAlgorithm::RsaSha384 => "RSA-SHA384",
                SignatureAlgorithm::RsaSha512 => "RSA-SHA512",
            },
            Self::Signature(SignatureMethod::Hmac(h)) => match h {
                HmacAlgorithm::Sha1 => "HMAC-SHA1",
                HmacAlgorithm::Sha256 => "HMAC-SHA256",
                HmacAlgorithm::Sha384 => "HMAC-SHA384",
                HmacAlgorithm::Sha512 => "HMAC-SHA512",
            },
            Self::Digest(d) => digest_name(d),
            Self::Canonicalization(c) => match c {
                C::Exclusive => "exclusive c14n",
                C::ExclusiveWithComments => "exclusive c14n with comments",
                C::Inclusive => "inclusive c14n 1.0",
                C::InclusiveWithComments => "inclusive c14n 1.0 with comments",
            },
            Self::KeyTransport(K::RsaOaep { digest, mgf1 }) if digest == mgf1 => match digest {
                D::Sha1 => "RSA-OAEP (SHA-1)",
                D::Sha256 => "RSA-OAEP (SHA-256)",
                D::Sha384 => "RSA-OAEP (SHA-384)",
                D::Sha512 => "RSA-OAEP (SHA-512)",
            },
            Self::KeyTransport(K::RsaOaep { .. }) => "RSA-OAEP (digest and MGF1 differ)",
            Self::KeyTransport(K::AesKeyWrap { bits }) => match bits {
                128 => "AES-128 key wrap",
                192 => "AES-192 key wrap",
                _ => "AES-256 key wrap",
            },
            Self::KeyTransport(K::Rsa15) => "RSA PKCS#1 v1.5 (rsa-1_5)",
            Self::DataEncryption(c) => match c {
                BlockCipher::Aes128Gcm => "AES-128-GCM",
                BlockCipher::Aes192Gcm => "AES-192-GCM",
                BlockCipher::Aes256Gcm => "AES-256-GCM",
                BlockCipher::Aes128Cbc => "AES-128-CBC",
                BlockCipher::Aes192Cbc => "AES-192-CBC",
                BlockCipher::Aes256Cbc => "AES-256-CBC",
            },
        }
    }

    /// The algorithm URI(s) as written in a message.
    pub fn uri(self) -> &'static str {
        match self {
            Self::Signature(m) => m.uri(),
            Self::Digest(d) => super::algorithm::digest_uri(d),
            Self::Canonicalization(c) => match c {
                C::Exclusive => uri::EXC_C14N,
                C::ExclusiveWithComments => uri::EXC_C14N_WITH_COMMENTS,
                C::Inclusive => uri::C14N,
                C::InclusiveWithComments => uri::C14N_WITH_COMMENTS,
            },
            Self::KeyTransport(K::RsaOaep { digest, .. }) => match digest {
                D::Sha1 => "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p (or xmlenc11#rsa-oaep with mgf1sha1)",
                D::Sha256 => "http://www.w3.org/2009/xmlenc11#rsa-oaep with sha256 and mgf1sha256",
                D::Sha384 => "http://www.w3.org/2009/xmlenc11#rsa-oaep with sha384 and mgf1sha384",
                D::Sha512 => "http://www.w3.org/2009/xmlenc11#rsa-oaep with sha512 and mgf1sha512",
            },
            Self::KeyTransport(K::AesKeyWrap { bits }) => match bits {
                128 => uri::KW_AES128,
                192 => uri::KW_AES192,
                _ => uri::KW_AES256,
            },
            Self::KeyTransport(K::Rsa15) => uri::RSA_1_5,
            Self::DataEncryption(c) => super::algorithm::cipher_uri(c),
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind(), self.name())
    }
}

/// The suites as a Markdown table (what `docs/security.md` shows between its
/// `algorithm-suites` markers).
pub fn markdown_table() -> String {
    let mut out = String::from("| kind | algorithm | URI |");
    for s in Suite::ALL {
        out.push_str(&format!(" `{}` |", s.name()));
    }
    out.push_str("\n|---|---|---|");
    for _ in Suite::ALL {
        out.push_str("---|");
    }
    out.push('\n');
    for a in ALL {
        out.push_str(&format!("| {} | {} | `{}` |", a.kind(), a.name(), a.uri()));
        for s in Suite::ALL {
            out.push_str(if s.admits(*a) { " yes |" } else { " no |" });
        }
        out.push('\n');
    }
    out
}

/// The algorithms a message used, in the order they were met (each once).
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub struct UsedAlgorithms(Vec<Algorithm>);

impl UsedAlgorithms {
    /// Notes `a`.
    pub fn add(&mut self, a: Algorithm) {
        if !self.0.contains(&a) {
            self.0.push(a);
        }
    }

    /// Notes all of `other`.
    pub fn extend(&mut self, other: &[Algorithm]) {
        for a in other {
            self.add(*a);
        }
    }

    /// The algorithms.
    pub fn as_slice(&self) -> &[Algorithm] {
        &self.0
    }

    /// The first one `suite` does not admit.
    pub fn first_refused_by(&self, suite: Suite) -> Option<Algorithm> {
        self.0.iter().copied().find(|a| !suite.admits(*a))
    }
}
