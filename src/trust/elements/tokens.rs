//! Containers of tokens and references (`OnBehalfOf`, `UseKey`, `RequestedProofToken`, the
//! requested references) and the read-only views of what they hold.

use crate::trust::codec::{trimmed_attr, trimmed_text, ToXml};
use crate::trust::sc::SecurityContextToken;
use crate::trust::uris::ComputedKeyAlgorithm;
use crate::trust::version::TrustVersion;
use crate::trust::{Error, Fragment, FromElement};
use crate::xml::{ns, Document, NodeId, Writer};

use super::{has_significant_text, write_container, BinarySecret};

/// The name and Id of an element held in a container.
#[derive(Clone, Debug, Eq, Hash, PartialEq)]
pub struct ElementSummary {
    /// Namespace URI.
    pub ns: String,
    /// Local name.
    pub local: String,
    /// Its Id (`wsu:Id`, `Id`, `ID`, `AssertionID` or `xml:id`).
    pub id: Option<String>,
}

impl ElementSummary {
    /// The summary of element `el`.
    pub fn of(doc: &Document, el: NodeId) -> Self {
        let n = doc.name(el);
        Self {
            ns: n.ns.to_owned(),
            local: n.local.to_owned(),
            id: doc.id_of(el).map(str::to_owned),
        }
    }
}

/// A `wsse:Reference` inside a security token reference.
#[derive(Clone, Debug, Default, Eq, Hash, PartialEq)]
pub struct StrReference {
    /// `URI`, trimmed.
    pub uri: Option<String>,
    /// `ValueType`, trimmed.
    pub value_type: Option<String>,
}

/// A `wsse:KeyIdentifier` inside a security token reference.
#[derive(Clone, Debug, Default, Eq, Hash, PartialEq)]
pub struct KeyIdentifier {
    /// `ValueType`, trimmed.
    pub value_type: Option<String>,
    /// `EncodingType`, trimmed.
    pub encoding_type: Option<String>,
    /// The identifier text, trimmed.
    pub value: String,
}

/// What a `wsse:SecurityTokenReference` says (read-only view; the element itself is kept as
/// a [`Fragment`]).
#[derive(Clone, Debug, Default, Eq, Hash, PartialEq)]
pub struct StrInfo {
    /// `wsu:Id`.
    pub id: Option<String>,
    /// `wsse11:TokenType`, trimmed.
    pub token_type: Option<String>,
    /// The first `wsse:Reference`.
    pub reference: Option<StrReference>,
    /// The first `wsse:KeyIdentifier`.
    pub key_identifier: Option<KeyIdentifier>,
}

impl StrInfo {
    /// Reads a `wsse:SecurityTokenReference` element.
    pub fn read(doc: &Document, el: NodeId) -> Self {
        let reference = doc.child(el, ns::WSSE, "Reference").map(|r| StrReference {
            uri: trimmed_attr(doc, r, "", "URI"),
            value_type: trimmed_attr(doc, r, "", "ValueType"),
        });
        let key_identifier = doc
            .child(el, ns::WSSE, "KeyIdentifier")
            .map(|k| KeyIdentifier {
                value_type: trimmed_attr(doc, k, "", "ValueType"),
                encoding_type: trimmed_attr(doc, k, "", "EncodingType"),
                value: trimmed_text(doc, k),
            });
        Self {
            id: doc.attribute(el, ns::WSU, "Id").map(str::to_owned),
            token_type: trimmed_attr(doc, el, ns::WSSE11, "TokenType"),
            reference,
            key_identifier,
        }
    }
}

/// What kind of token an element is (read-only view of a container's content).
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum TokenKind {
    /// `wsse:UsernameToken`.
    UsernameToken {
        /// `wsse:Username`, trimmed.
        username: Option<String>,
        /// `wsu:Id`.
        id: Option<String>,
    },
    /// A SAML 1.x `saml:Assertion`.
    Saml1 {
        /// `AssertionID`.
        assertion_id: Option<String>,
    },
    /// A SAML 2.0 `saml:Assertion`.
    Saml2 {
        /// `ID`.
        id: Option<String>,
    },
    /// A `wsc:SecurityContextToken` (either version).
    SecurityContextToken(SecurityContextToken),
    /// A `wsse:SecurityTokenReference`.
    SecurityTokenReference(StrInfo),
    /// A `wsse:BinarySecurityToken`.
    BinarySecurityToken {
        /// `ValueType`, trimmed.
        value_type: Option<String>,
        /// `wsu:Id`.
        id: Option<String>,
    },
    /// A `wsa:EndpointReference` (either version).
    EndpointReference {
        /// `wsa:Address`, trimmed.
        address: Option<String>,
    },
    /// An `xenc:EncryptedData` (an encrypted token).
    EncryptedData {
        /// `Id`.
        id: Option<String>,
    },
    /// Anything else.
    Other(ElementSummary),
}

impl TokenKind {
    /// Classifies element `el`.
    pub fn of(doc: &Document, el: NodeId) -> Self {
        let name = doc.name(el);
        match (name.ns, name.local) {
            (ns::WSSE, "UsernameToken") => Self::UsernameToken {
                username: doc
                    .child(el, ns::WSSE, "Username")
                    .map(|u| trimmed_text(doc, u)),
                id: doc.attribute(el, ns::WSU, "Id").map(str::to_owned),
            },
            (ns::SAML1, "Assertion") => Self::Saml1 {
                assertion_id: doc.attribute(el, "", "AssertionID").map(str::to_owned),
            },
            (ns::SAML2, "Assertion") => Self::Saml2 {
                id: doc.attribute(el, "", "ID").map(str::to_owned),
            },
            (ns::WSC_2005 | ns::WSC13, "SecurityContextToken") => {
                match <SecurityContextToken as FromElement>::read(doc, el) {
                    Ok(t) => Self::SecurityContextToken(t),
                    Err(_) => Self::Other(ElementSummary::of(doc, el)),
                }
            }
            (ns::WSSE, "SecurityTokenReference") => {
                Self::SecurityTokenReference(StrInfo::read(doc, el))
            }
            (ns::WSSE, "BinarySecurityToken") => Self::BinarySecurityToken {
                value_type: trimmed_attr(doc, el, "", "ValueType"),
                id: doc.attribute(el, ns::WSU, "Id").map(str::to_owned),
            },
            (ns::WSA | ns::WSA_2004, "EndpointReference") => Self::EndpointReference {
                address: doc
                    .child(el, name.ns, "Address")
                    .map(|a| trimmed_text(doc, a)),
            },
            (ns::XENC, "EncryptedData") => Self::EncryptedData {
                id: doc.attribute(el, "", "Id").map(str::to_owned),
            },
            _ => Self::Other(ElementSummary::of(doc, el)),
        }
    }
}

/// The summary of the first element of `content`.
fn first_summary(content: &Fragment) -> Option<ElementSummary> {
    content
        .first_element()
        .map(|(d, e)| ElementSummary::of(d, e))
}

/// The kind of token the first element of `content` is.
fn first_token_kind(content: &Fragment) -> Option<TokenKind> {
    content.first_element().map(|(d, e)| TokenKind::of(d, e))
}

/// A container whose content is a token or a reference to one (`OnBehalfOf`, `ActAs`,
/// `DelegateTo`, `RenewTarget`, `CancelTarget`, `ValidateTarget`, `Encryption`,
/// `ProofEncryption`, `RequestedSecurityToken`). The content is kept as it is.
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub struct TokenHolder {
    /// The content.
    pub content: Fragment,
}

impl TokenHolder {
    /// A holder of `content`.
    pub fn new(content: Fragment) -> Self {
        Self { content }
    }

    /// A holder of the serialization of `token`.
    pub fn from_token<T: ToXml>(token: &T) -> Result<Self, Error> {
        Ok(Self::new(Fragment::build(|w| token.write(w))?))
    }

    /// Reads the content of a container element.
    pub fn read(doc: &Document, el: NodeId) -> Result<Self, Error> {
        Ok(Self::new(Fragment::from_children(doc, el)?))
    }

    /// Writes `<{ns}local>` holding the content.
    pub fn write(&self, w: &mut Writer, ns: &str, local: &str) {
        write_container(w, ns, local, &self.content);
    }

    /// The name and Id of the first element held.
    pub fn first_element(&self) -> Option<ElementSummary> {
        first_summary(&self.content)
    }

    /// What kind of token the first element held is.
    pub fn token_kind(&self) -> Option<TokenKind> {
        first_token_kind(&self.content)
    }
}

/// `wst:UseKey`: the key the requestor wants the token bound to.
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub struct UseKey {
    /// `Sig`: Id of the signature proving possession of the key.
    pub sig: Option<String>,
    /// The content (a key, a token, a reference), kept as it is.
    pub content: Fragment,
}

impl UseKey {
    /// Reads a `UseKey` element.
    pub fn read(doc: &Document, el: NodeId) -> Result<Self, Error> {
        Ok(Self {
            sig: trimmed_attr(doc, el, "", "Sig"),
            content: Fragment::from_children(doc, el)?,
        })
    }

    /// Writes the element in `version`'s namespace.
    pub fn write(&self, w: &mut Writer, version: TrustVersion) {
        w.start(version.namespace(), "UseKey");
        if let Some(s) = &self.sig {
            w.attr("", "Sig", s);
        }
        self.content.write(w);
        w.end();
    }

    /// The name and Id of the first element held.
    pub fn first_element(&self) -> Option<ElementSummary> {
        first_summary(&self.content)
    }

    /// What kind of key or token the first element held is.
    pub fn token_kind(&self) -> Option<TokenKind> {
        first_token_kind(&self.content)
    }
}

/// `wst:RequestedAttachedReference` / `wst:RequestedUnattachedReference`: how to refer to the
/// issued token from inside (attached) or outside (unattached) the message carrying it.
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub struct RequestedReference {
    /// The `wsse:SecurityTokenReference`, kept as it is.
    pub security_token_reference: Fragment,
}

impl RequestedReference {
    /// A reference by `wsse:Reference URI=.. ValueType=..`.
    pub fn by_reference(
        uri: &str,
        value_type: Option<&str>,
        token_type: Option<&str>,
    ) -> Result<Self, Error> {
        Self::build(token_type, |w| {
            w.start(ns::WSSE, "Reference");
            w.attr("", "URI", uri);
            if let Some(v) = value_type {
                w.attr("", "ValueType", v);
            }
            w.end();
        })
    }

    /// A reference by `wsse:KeyIdentifier ValueType=..` (e.g. a `SAMLAssertionID`).
    pub fn by_key_identifier(
        value_type: &str,
        value: &str,
        token_type: Option<&str>,
    ) -> Result<Self, Error> {
        Self::build(token_type, |w| {
            w.start(ns::WSSE, "KeyIdentifier");
            w.attr("", "ValueType", value_type);
            w.text(value);
            w.end();
        })
    }

    /// A `wsse:SecurityTokenReference` (with `wsse11:TokenType` when given) around what
    /// `body` writes.
    fn build(token_type: Option<&str>, body: impl FnOnce(&mut Writer)) -> Result<Self, Error> {
        let security_token_reference = Fragment::build(|w| {
            w.start(ns::WSSE, "SecurityTokenReference");
            if let Some(t) = token_type {
                w.attr(ns::WSSE11, "TokenType", t);
            }
            body(w);
            w.end();
        })?;
        Ok(Self {
            security_token_reference,
        })
    }

    /// Reads the content of a requested reference element.
    pub fn read(doc: &Document, el: NodeId) -> Result<Self, Error> {
        Ok(Self {
            security_token_reference: Fragment::from_children(doc, el)?,
        })
    }

    /// Writes `<{version}:{local}>` holding the reference.
    pub fn write(&self, w: &mut Writer, version: TrustVersion, local: &str) {
        write_container(
            w,
            version.namespace(),
            local,
            &self.security_token_reference,
        );
    }

    /// What the `wsse:SecurityTokenReference` says (`None` when the content is not one).
    pub fn info(&self) -> Option<StrInfo> {
        let (doc, el) = self.security_token_reference.first_element()?;
        doc.is(el, ns::WSSE, "SecurityTokenReference")
            .then(|| StrInfo::read(doc, el))
    }
}

/// `wst:RequestedProofToken`: the proof key of the issued token, or how to compute it.
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum RequestedProofToken {
    /// The key itself.
    BinarySecret(BinarySecret),
    /// `wst:ComputedKey`: the key is computed from both parties' entropy.
    ComputedKey(ComputedKeyAlgorithm),
    /// The key encrypted for the requestor (`xenc:EncryptedKey`), kept as it is.
    EncryptedKey(Fragment),
    /// Any other content, kept as it is.
    Other(Fragment),
}

impl RequestedProofToken {
    /// Reads a `RequestedProofToken` element of `version`.
    pub fn read(doc: &Document, el: NodeId, version: TrustVersion) -> Result<Self, Error> {
        let elems: Vec<NodeId> = doc.child_elements(el).collect();
        if let ([only], false) = (elems.as_slice(), has_significant_text(doc, el)) {
            if doc.is(*only, version.namespace(), "BinarySecret") {
                return Ok(Self::BinarySecret(BinarySecret::read(doc, *only)?));
            }
            if doc.is(*only, version.namespace(), "ComputedKey") {
                return Ok(Self::ComputedKey(ComputedKeyAlgorithm::from_uri(
                    &doc.text(*only),
                )));
            }
            if doc.is(*only, ns::XENC, "EncryptedKey") {
                return Ok(Self::EncryptedKey(Fragment::from_element(doc, *only)?));
            }
        }
        Ok(Self::Other(Fragment::from_children(doc, el)?))
    }

    /// Writes the element in `version`'s namespace.
    pub fn write(&self, w: &mut Writer, version: TrustVersion) {
        let tns = version.namespace();
        w.start(tns, "RequestedProofToken");
        match self {
            Self::BinarySecret(b) => b.write(w, version),
            Self::ComputedKey(c) => {
                w.element_text(tns, "ComputedKey", &c.uri(version));
            }
            Self::EncryptedKey(f) | Self::Other(f) => f.write(w),
        }
        w.end();
    }
}
