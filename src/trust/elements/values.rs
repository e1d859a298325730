//! Values in RST/RSTR messages: secrets, entropy, lifetimes, renewal and status.

use std::fmt;

use crate::crypto;
use crate::trust::codec::{
    bool_text, decode_base64, encode_base64, parse_bool, set_once, trimmed_text,
};
use crate::trust::time::{format_utc_seconds, parse_utc_seconds};
use crate::trust::uris::{BinarySecretType, StatusCode};
use crate::trust::version::TrustVersion;
use crate::trust::{Error, Fragment};
use crate::xml::{ns, Document, NodeId, Writer};

use super::has_significant_text;

/// Secret key material in a message model: [`crypto::SecretBytes`] (zeroed on drop, never
/// printed) with a constant-time equality, so models can be compared in tests.
#[derive(Clone, Default)]
pub struct SecretBytes(crypto::SecretBytes);

impl SecretBytes {
    /// Wraps `bytes`.
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(crypto::SecretBytes::new(bytes))
    }

    /// The secret bytes.
    pub fn expose(&self) -> &[u8] {
        self.0.expose()
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True for no bytes.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<Vec<u8>> for SecretBytes {
    fn from(v: Vec<u8>) -> Self {
        Self::new(v)
    }
}

impl PartialEq for SecretBytes {
    fn eq(&self, other: &Self) -> bool {
        crypto::ct_eq(self.expose(), other.expose())
    }
}

impl Eq for SecretBytes {}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// `wst:BinarySecret`: a key or nonce, base64 on the wire.
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub struct BinarySecret {
    /// The `Type` attribute (absent means a symmetric key).
    pub kind: Option<BinarySecretType>,
    /// The `wsu:Id` attribute (WCF sets one).
    pub id: Option<String>,
    /// The decoded value.
    pub value: SecretBytes,
}

impl BinarySecret {
    /// A secret of type `kind` with value `value`.
    pub fn new(kind: Option<BinarySecretType>, value: Vec<u8>) -> Self {
        Self {
            kind,
            id: None,
            value: SecretBytes::new(value),
        }
    }

    /// Reads a `BinarySecret` element (of any trust namespace).
    pub fn read(doc: &Document, el: NodeId) -> Result<Self, Error> {
        Ok(Self {
            kind: doc
                .attribute(el, "", "Type")
                .map(BinarySecretType::from_uri),
            id: doc.attribute(el, ns::WSU, "Id").map(str::to_owned),
            value: SecretBytes::new(decode_base64(&doc.text(el), "BinarySecret")?),
        })
    }

    /// Writes the element in `version`'s namespace.
    pub fn write(&self, w: &mut Writer, version: TrustVersion) {
        w.start(version.namespace(), "BinarySecret");
        if let Some(k) = &self.kind {
            w.attr("", "Type", &k.uri(version));
        }
        if let Some(id) = &self.id {
            w.attr(ns::WSU, "Id", id);
        }
        w.text(&encode_base64(self.value.expose()));
        w.end();
    }
}

/// `wst:Entropy`: key material from one party of a computed or combined key.
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum Entropy {
    /// A `wst:BinarySecret` (usually of type `Nonce`).
    BinarySecret(BinarySecret),
    /// An `xenc:EncryptedKey`, kept as it is.
    EncryptedKey(Fragment),
    /// Any other content, kept as it is.
    Other(Fragment),
}

impl Entropy {
    /// Reads an `Entropy` element of `version`.
    pub fn read(doc: &Document, el: NodeId, version: TrustVersion) -> Result<Self, Error> {
        let elems: Vec<NodeId> = doc.child_elements(el).collect();
        if let ([only], false) = (elems.as_slice(), has_significant_text(doc, el)) {
            if doc.is(*only, version.namespace(), "BinarySecret") {
                return Ok(Self::BinarySecret(BinarySecret::read(doc, *only)?));
            }
            if doc.is(*only, ns::XENC, "EncryptedKey") {
                return Ok(Self::EncryptedKey(Fragment::from_element(doc, *only)?));
            }
        }
        Ok(Self::Other(Fragment::from_children(doc, el)?))
    }

    /// Writes the element in `version`'s namespace.
    pub fn write(&self, w: &mut Writer, version: TrustVersion) {
        w.start(version.namespace(), "Entropy");
        match self {
            Self::BinarySecret(b) => b.write(w, version),
            Self::EncryptedKey(f) | Self::Other(f) => f.write(w),
        }
        w.end();
    }

    /// The binary secret, when the entropy is one.
    pub fn binary_secret(&self) -> Option<&BinarySecret> {
        match self {
            Self::BinarySecret(b) => Some(b),
            _ => None,
        }
    }
}

/// `wst:Lifetime`: the validity interval asked for or granted.
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub struct Lifetime {
    /// `wsu:Created`, trimmed.
    pub created: Option<String>,
    /// `wsu:Expires`, trimmed.
    pub expires: Option<String>,
}

impl Lifetime {
    /// A lifetime from two instants in seconds since the epoch (`None` when out of range).
    pub fn from_seconds(created: i64, expires: i64) -> Option<Self> {
        Some(Self {
            created: Some(format_utc_seconds(created)?),
            expires: Some(format_utc_seconds(expires)?),
        })
    }

    /// `Created` in seconds since the epoch (`None` when absent or malformed).
    pub fn created_seconds(&self) -> Option<i64> {
        self.created.as_deref().and_then(parse_utc_seconds)
    }

    /// `Expires` in seconds since the epoch (`None` when absent or malformed).
    pub fn expires_seconds(&self) -> Option<i64> {
        self.expires.as_deref().and_then(parse_utc_seconds)
    }

    /// Reads a `Lifetime` element.
    pub fn read(doc: &Document, el: NodeId) -> Result<Self, Error> {
        let mut l = Self::default();
        for c in doc.child_elements(el) {
            if doc.is(c, ns::WSU, "Created") {
                set_once(&mut l.created, trimmed_text(doc, c), "Created")?;
            } else if doc.is(c, ns::WSU, "Expires") {
                set_once(&mut l.expires, trimmed_text(doc, c), "Expires")?;
            } else {
                return Err(Error::Unexpected {
                    what: "element in Lifetime",
                });
            }
        }
        Ok(l)
    }

    /// Writes the element in `version`'s namespace.
    pub fn write(&self, w: &mut Writer, version: TrustVersion) {
        w.start(version.namespace(), "Lifetime");
        if let Some(c) = &self.created {
            w.element_text(ns::WSU, "Created", c);
        }
        if let Some(e) = &self.expires {
            w.element_text(ns::WSU, "Expires", e);
        }
        w.end();
    }
}

/// `wst:Renewing`: renewal semantics asked for.
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq)]
pub struct Renewing {
    /// `Allow`: whether the token may be renewed.
    pub allow: Option<bool>,
    /// `OK`: whether renewal after expiry is acceptable.
    pub ok: Option<bool>,
}

impl Renewing {
    /// Reads a `Renewing` element.
    pub fn read(doc: &Document, el: NodeId) -> Result<Self, Error> {
        let allow = doc
            .attribute(el, "", "Allow")
            .map(|v| parse_bool(v, "Renewing"))
            .transpose()?;
        let ok = doc
            .attribute(el, "", "OK")
            .map(|v| parse_bool(v, "Renewing"))
            .transpose()?;
        Ok(Self { allow, ok })
    }

    /// Writes the element in `version`'s namespace.
    pub fn write(&self, w: &mut Writer, version: TrustVersion) {
        w.start(version.namespace(), "Renewing");
        if let Some(a) = self.allow {
            w.attr("", "Allow", bool_text(a));
        }
        if let Some(o) = self.ok {
            w.attr("", "OK", bool_text(o));
        }
        w.end();
    }
}

/// `wst:Status`: the outcome of a validation.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Status {
    /// `wst:Code`.
    pub code: StatusCode,
    /// `wst:Reason`, as written.
    pub reason: Option<String>,
}

impl Status {
    /// Reads a `Status` element of `version`.
    pub fn read(doc: &Document, el: NodeId, version: TrustVersion) -> Result<Self, Error> {
        let tns = version.namespace();
        let mut code = None;
        let mut reason = None;
        for c in doc.child_elements(el) {
            if doc.is(c, tns, "Code") {
                set_once(&mut code, StatusCode::from_uri(&doc.text(c)), "Code")?;
            } else if doc.is(c, tns, "Reason") {
                set_once(&mut reason, doc.text(c).into_owned(), "Reason")?;
            } else {
                return Err(Error::Unexpected {
                    what: "element in Status",
                });
            }
        }
        Ok(Self {
            code: code.ok_or(Error::Missing { element: "Code" })?,
            reason,
        })
    }

    /// Writes the element in `version`'s namespace.
    pub fn write(&self, w: &mut Writer, version: TrustVersion) {
        let tns = version.namespace();
        w.start(tns, "Status");
        w.element_text(tns, "Code", &self.code.uri(version));
        if let Some(r) = &self.reason {
            w.element_text(tns, "Reason", r);
        }
        w.end();
    }
}
