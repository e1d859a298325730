//! Typed `xenc:EncryptedKey` and `xenc:EncryptedData` (codec only).
//!
//! ```text
//! XML Encryption Syntax and Processing Version 1.1, §3.1:
//! <complexType name='EncryptedType' abstract='true'><sequence>
//!     <element name='EncryptionMethod' type='xenc:EncryptionMethodType' minOccurs='0'/>
//!     <element ref='ds:KeyInfo' minOccurs='0'/> <element ref='xenc:CipherData'/>
//!     <element ref='xenc:EncryptionProperties' minOccurs='0'/>
//! </sequence> <attribute name='Id' type='ID' use='optional'/>
//!   <attribute name='Type' type='anyURI' use='optional'/> ... </complexType>
//! ```
//! <https://www.w3.org/TR/xmlenc-core1/#sec-EncryptedType>

use crate::crypto::{BlockCipher, DigestAlgorithm, OaepParams};
use crate::xml::{ns, Document, NodeId};
use crate::xmlsec::algorithm::{self, uri};
use crate::xmlsec::{base64, Error};

/// How an `EncryptedKey` transports its key.
#[derive(Clone, Debug, Eq, PartialEq)]
#[non_exhaustive]
pub enum KeyTransport {
    /// RSA-OAEP with these parameters.
    RsaOaep(OaepParams),
    /// AES key wrap (RFC 3394) with a KEK of this many bytes.
    AesKeyWrap(usize),
    /// RSA PKCS#1 v1.5: refused.
    Rsa15,
}

impl KeyTransport {
    /// The method as a suite lists it (the label does not matter to a suite).
    pub fn algorithm(&self) -> crate::xmlsec::Algorithm {
        use crate::xmlsec::suite::KeyTransportMethod as K;
        crate::xmlsec::Algorithm::KeyTransport(match self {
            Self::RsaOaep(p) => K::RsaOaep {
                digest: p.digest,
                mgf1: p.mgf1,
            },
            Self::AesKeyWrap(len) => K::AesKeyWrap {
                bits: u16::try_from(len * 8).unwrap_or(u16::MAX),
            },
            Self::Rsa15 => K::Rsa15,
        })
    }
}

/// An `xenc:EncryptedKey`.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct EncryptedKey {
    /// The element.
    pub node: NodeId,
    /// Its `Id`.
    pub id: Option<String>,
    /// Key transport algorithm.
    pub method: KeyTransport,
    /// `ds:KeyInfo` naming the key-encryption key, for the caller to resolve.
    pub key_info: Option<NodeId>,
    /// The wrapped key.
    pub cipher_value: Vec<u8>,
    /// `xenc:ReferenceList/xenc:DataReference/@URI` values.
    pub data_references: Vec<String>,
}

/// What an `EncryptedData` replaces.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum EncryptedType {
    /// A whole element.
    Element,
    /// The content of an element.
    Content,
    /// Opaque octets (no `Type`, or another one): decryptable, never put back into the tree.
    Data,
}

/// An `xenc:EncryptedData`.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct EncryptedData {
    /// The element.
    pub node: NodeId,
    /// Its `Id`.
    pub id: Option<String>,
    /// Element or content.
    pub kind: EncryptedType,
    /// Content encryption algorithm.
    pub method: BlockCipher,
    /// `ds:KeyInfo`, for the caller to resolve the content key.
    pub key_info: Option<NodeId>,
    /// IV || ciphertext (|| tag for GCM).
    pub cipher_value: Vec<u8>,
}

fn malformed(what: &'static str) -> Error {
    Error::Malformed { what }
}

fn cipher_value(doc: &Document, node: NodeId) -> Result<Vec<u8>, Error> {
    let cd = doc
        .child(node, ns::XENC, "CipherData")
        .ok_or_else(|| malformed("encryption: CipherData"))?;
    if doc.child(cd, ns::XENC, "CipherReference").is_some() {
        return Err(Error::Refused {
            what: "CipherReference",
        });
    }
    let cv = doc
        .child(cd, ns::XENC, "CipherValue")
        .ok_or_else(|| malformed("encryption: CipherValue"))?;
    base64::decode(&doc.text(cv)).ok_or_else(|| malformed("encryption: CipherValue"))
}

fn method_uri(doc: &Document, node: NodeId) -> Result<(NodeId, String), Error> {
    let m = doc
        .child(node, ns::XENC, "EncryptionMethod")
        .ok_or_else(|| malformed("encryption: EncryptionMethod"))?;
    let a = doc
        .attribute(m, "", "Algorithm")
        .ok_or_else(|| malformed("encryption: Algorithm"))?;
    Ok((m, a.trim().to_owned()))
}

fn oaep_params(doc: &Document, method: NodeId, xenc11: bool) -> Result<OaepParams, Error> {
    let digest = match doc.child(method, ns::DS, "DigestMethod") {
        None => DigestAlgorithm::Sha1,
        Some(d) => {
            let u = doc.attribute(d, "", "Algorithm").unwrap_or("").trim();
            algorithm::digest_from_uri(u).ok_or_else(|| Error::unsupported(u))?
        }
    };
    let mgf1 = match doc.child(method, ns::XENC11, "MGF") {
        Some(m) if xenc11 => match doc.attribute(m, "", "Algorithm").unwrap_or("").trim() {
            uri::MGF1_SHA1 => DigestAlgorithm::Sha1,
            uri::MGF1_SHA256 => DigestAlgorithm::Sha256,
            uri::MGF1_SHA384 => DigestAlgorithm::Sha384,
            uri::MGF1_SHA512 => DigestAlgorithm::Sha512,
            other => return Err(Error::unsupported(other)),
        },
        Some(_) => return Err(malformed("encryption: MGF on rsa-oaep-mgf1p")),
        None => DigestAlgorithm::Sha1,
    };
    let label = match doc.child(method, ns::XENC, "OAEPparams") {
        None => None,
        Some(p) => {
            Some(base64::decode(&doc.text(p)).ok_or_else(|| malformed("encryption: OAEPparams"))?)
        }
    };
    Ok(OaepParams {
        digest,
        mgf1,
        label,
    })
}

impl EncryptedKey {
    /// Reads an `xenc:EncryptedKey` element.
    pub fn read(doc: &Document, node: NodeId) -> Result<Self, Error> {
        if !doc.is(node, ns::XENC, "EncryptedKey") {
            return Err(malformed("encryption: not an EncryptedKey"));
        }
        let (m, u) = method_uri(doc, node)?;
        let method = match u.as_str() {
            uri::RSA_OAEP_MGF1P => KeyTransport::RsaOaep(oaep_params(doc, m, false)?),
            uri::RSA_OAEP => KeyTransport::RsaOaep(oaep_params(doc, m, true)?),
            uri::KW_AES128 => KeyTransport::AesKeyWrap(16),
            uri::KW_AES192 => KeyTransport::AesKeyWrap(24),
            uri::KW_AES256 => KeyTransport::AesKeyWrap(32),
            uri::RSA_1_5 => KeyTransport::Rsa15,
            other => return Err(Error::unsupported(other)),
        };
        let mut data_references = Vec::new();
        if let Some(rl) = doc.child(node, ns::XENC, "ReferenceList") {
            for dr in doc.children_named(rl, ns::XENC, "DataReference") {
                if let Some(u) = doc.attribute(dr, "", "URI") {
                    data_references.push(u.to_owned());
                }
            }
        }
        Ok(Self {
            node,
            id: doc.attribute(node, "", "Id").map(str::to_owned),
            method,
            key_info: doc.child(node, ns::DS, "KeyInfo"),
            cipher_value: cipher_value(doc, node)?,
            data_references,
        })
    }
}

impl EncryptedData {
    /// Reads an `xenc:EncryptedData` element.
    pub fn read(doc: &Document, node: NodeId) -> Result<Self, Error> {
        if !doc.is(node, ns::XENC, "EncryptedData") {
            return Err(malformed("encryption: not an EncryptedData"));
        }
        let kind = match doc.attribute(node, "", "Type").map(str::trim) {
            Some(uri::TYPE_ELEMENT) => EncryptedType::Element,
            Some(uri::TYPE_CONTENT) => EncryptedType::Content,
            _ => EncryptedType::Data,
        };
        let (_, u) = method_uri(doc, node)?;
        let method = algorithm::cipher_from_uri(&u).ok_or_else(|| Error::unsupported(&u))?;
        Ok(Self {
            node,
            id: doc.attribute(node, "", "Id").map(str::to_owned),
            kind,
            method,
            key_info: doc.child(node, ns::DS, "KeyInfo"),
            cipher_value: cipher_value(doc, node)?,
        })
    }
}
