//! WS-SecureConversation tokens: `SecurityContextToken` and `DerivedKeyToken`, in the
//! February 2005 and 1.3 (200512) namespaces.

use super::codec::{
    decode_base64, encode_base64, parse_u64, set_once, trimmed_attr, trimmed_text, FromElement,
    ToXml,
};
use super::elements::{write_container, StrInfo};
use super::version::ScVersion;
use super::{Error, Fragment};
use crate::crypto::{self, SecretBytes};
use crate::wss;
use crate::xml::{ns, Document, NodeId, Writer};

/// `wsc:SecurityContextToken`: a reference to an established security context.
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub struct SecurityContextToken {
    /// Which namespace.
    pub version: ScVersion,
    /// `wsu:Id`, for local references.
    pub id: Option<String>,
    /// `wsc:Identifier`: the context's URI, trimmed.
    pub identifier: String,
    /// `wsc:Instance`: which key instance of a renewed context, trimmed.
    pub instance: Option<String>,
    /// Other children, kept as they are.
    pub extensions: Vec<Fragment>,
}

impl SecurityContextToken {
    /// A token for context `identifier`.
    pub fn new(version: ScVersion, identifier: impl Into<String>) -> Self {
        Self {
            version,
            identifier: identifier.into(),
            ..Self::default()
        }
    }
}

impl FromElement for SecurityContextToken {
    fn read(doc: &Document, el: NodeId) -> Result<Self, Error> {
        let name = doc.name(el);
        let version = ScVersion::from_namespace(name.ns)
            .filter(|_| name.local == "SecurityContextToken")
            .ok_or(Error::Unexpected {
                what: "element instead of SecurityContextToken",
            })?;
        let sns = version.namespace();
        let mut identifier = None;
        let mut instance = None;
        let mut extensions = Vec::new();
        for c in doc.child_elements(el) {
            if doc.is(c, sns, "Identifier") {
                set_once(&mut identifier, trimmed_text(doc, c), "Identifier")?;
            } else if doc.is(c, sns, "Instance") {
                set_once(&mut instance, trimmed_text(doc, c), "Instance")?;
            } else {
                extensions.push(Fragment::from_element(doc, c)?);
            }
        }
        Ok(Self {
            version,
            id: doc.attribute(el, ns::WSU, "Id").map(str::to_owned),
            identifier: identifier.ok_or(Error::Missing {
                element: "Identifier",
            })?,
            instance,
            extensions,
        })
    }
}

impl ToXml for SecurityContextToken {
    fn write(&self, w: &mut Writer) {
        let sns = self.version.namespace();
        w.start(sns, "SecurityContextToken");
        if let Some(id) = &self.id {
            w.attr(ns::WSU, "Id", id);
        }
        w.element_text(sns, "Identifier", &self.identifier);
        if let Some(i) = &self.instance {
            w.element_text(sns, "Instance", i);
        }
        for e in &self.extensions {
            e.write(w);
        }
        w.end();
    }
}

/// `wsc:DerivedKeyToken`: a key derived from another token's key.
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub struct DerivedKeyToken {
    /// Which namespace.
    pub version: ScVersion,
    /// `wsu:Id`.
    pub id: Option<String>,
    /// `Algorithm` (absent means P_SHA1), trimmed.
    pub algorithm: Option<String>,
    /// The `wsse:SecurityTokenReference` to the token whose key is the source, kept as it is.
    pub security_token_reference: Option<Fragment>,
    /// The content of `wsc:Properties`, kept as it is.
    pub properties: Option<Fragment>,
    /// `wsc:Generation`.
    pub generation: Option<u64>,
    /// `wsc:Offset`.
    pub offset: Option<u64>,
    /// `wsc:Length` in bytes.
    pub length: Option<u64>,
    /// `wsc:Label`, as written (it is key derivation input).
    pub label: Option<String>,
    /// `wsc:Nonce`, decoded.
    pub nonce: Option<Vec<u8>>,
    /// Other children, kept as they are.
    pub extensions: Vec<Fragment>,
}

/// The label P_SHA-1 derivation uses when a DerivedKeyToken names none (WS-SC 1.3 §7).
pub(crate) const DEFAULT_LABEL: &str = "WS-SecureConversationWS-SecureConversation";

impl DerivedKeyToken {
    /// A new DerivedKeyToken `id` of `length` bytes (offset 0, the default label, a fresh
    /// 16-byte nonce) from the key `base` of the security context `identifier`, and the key it
    /// derives: P_SHA-1(base, label + nonce).
    pub fn for_context(
        version: ScVersion,
        id: &str,
        identifier: &str,
        base: &[u8],
        length: usize,
    ) -> Result<(Self, SecretBytes), Error> {
        Self::derive(version, id, base, length, |w| {
            wss::write_reference(w, identifier, Some(version.sct_token_type()))
        })
    }

    /// As [`for_context`](Self::for_context), from the key of an `xenc:EncryptedKey` named by
    /// its WSS 1.1 `EncryptedKeySHA1` (`sha1`, base64): the symmetric binding over a random
    /// key, where the receiver holds no copy of the EncryptedKey it sent.
    pub fn for_encrypted_key(
        version: ScVersion,
        id: &str,
        sha1: &str,
        base: &[u8],
        length: usize,
    ) -> Result<(Self, SecretBytes), Error> {
        Self::derive(version, id, base, length, |w| {
            wss::write_key_identifier(w, wss::value_type::ENCRYPTED_KEY_SHA1, sha1)
        })
    }

    fn derive(
        version: ScVersion,
        id: &str,
        base: &[u8],
        length: usize,
        reference: impl FnOnce(&mut Writer),
    ) -> Result<(Self, SecretBytes), Error> {
        let bad = |_| Error::BadValue {
            element: "DerivedKeyToken",
        };
        let nonce = crypto::random_bytes(16).map_err(bad)?;
        let mut seed = DEFAULT_LABEL.as_bytes().to_vec();
        seed.extend_from_slice(&nonce);
        let derived = crypto::psha1(base, &seed, length).map_err(bad)?;
        let mut w = Writer::new();
        reference(&mut w);
        let dkt = Self {
            version,
            id: Some(id.to_owned()),
            security_token_reference: Some(Fragment::parse(&w.finish()?)?),
            offset: Some(0),
            length: u64::try_from(length).ok(),
            nonce: Some(nonce),
            ..Self::default()
        };
        Ok((dkt, derived))
    }

    /// What the security token reference says.
    pub fn str_info(&self) -> Option<StrInfo> {
        let (doc, el) = self.security_token_reference.as_ref()?.first_element()?;
        doc.is(el, ns::WSSE, "SecurityTokenReference")
            .then(|| StrInfo::read(doc, el))
    }
}

impl FromElement for DerivedKeyToken {
    fn read(doc: &Document, el: NodeId) -> Result<Self, Error> {
        let name = doc.name(el);
        let version = ScVersion::from_namespace(name.ns)
            .filter(|_| name.local == "DerivedKeyToken")
            .ok_or(Error::Unexpected {
                what: "element instead of DerivedKeyToken",
            })?;
        let sns = version.namespace();
        let mut t = Self {
            version,
            id: doc.attribute(el, ns::WSU, "Id").map(str::to_owned),
            algorithm: trimmed_attr(doc, el, "", "Algorithm"),
            ..Self::default()
        };
        for c in doc.child_elements(el) {
            let n = doc.name(c);
            if n.is(ns::WSSE, "SecurityTokenReference") {
                let f = Fragment::from_element(doc, c)?;
                set_once(&mut t.security_token_reference, f, "SecurityTokenReference")?;
            } else if n.ns != sns {
                t.extensions.push(Fragment::from_element(doc, c)?);
            } else {
                match n.local {
                    "Properties" => {
                        let f = Fragment::from_children(doc, c)?;
                        set_once(&mut t.properties, f, "Properties")?;
                    }
                    "Generation" => {
                        let v = parse_u64(&doc.text(c), "Generation")?;
                        set_once(&mut t.generation, v, "Generation")?;
                    }
                    "Offset" => {
                        let v = parse_u64(&doc.text(c), "Offset")?;
                        set_once(&mut t.offset, v, "Offset")?;
                    }
                    "Length" => {
                        let v = parse_u64(&doc.text(c), "Length")?;
                        set_once(&mut t.length, v, "Length")?;
                    }
                    "Label" => set_once(&mut t.label, doc.text(c).into_owned(), "Label")?,
                    "Nonce" => {
                        let v = decode_base64(&doc.text(c), "Nonce")?;
                        set_once(&mut t.nonce, v, "Nonce")?;
                    }
                    _ => t.extensions.push(Fragment::from_element(doc, c)?),
                }
            }
        }
        Ok(t)
    }
}

impl ToXml for DerivedKeyToken {
    fn write(&self, w: &mut Writer) {
        let sns = self.version.namespace();
        w.start(sns, "DerivedKeyToken");
        if let Some(id) = &self.id {
            w.attr(ns::WSU, "Id", id);
        }
        if let Some(a) = &self.algorithm {
            w.attr("", "Algorithm", a);
        }
        if let Some(s) = &self.security_token_reference {
            s.write(w);
        }
        if let Some(p) = &self.properties {
            write_container(w, sns, "Properties", p);
        }
        if let Some(g) = self.generation {
            w.element_text(sns, "Generation", &g.to_string());
        }
        if let Some(o) = self.offset {
            w.element_text(sns, "Offset", &o.to_string());
        }
        if let Some(l) = self.length {
            w.element_text(sns, "Length", &l.to_string());
        }
        if let Some(l) = &self.label {
            w.element_text(sns, "Label", l);
        }
        if let Some(n) = &self.nonce {
            w.element_text(sns, "Nonce", &encode_base64(n));
        }
        for e in &self.extensions {
            e.write(w);
        }
        w.end();
    }
}
