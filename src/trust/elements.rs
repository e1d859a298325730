//! The typed parts of RST/RSTR messages: values, containers and the typed views of tokens
//! and security token references held in them.

use std::fmt;

use super::codec::{
    bool_text, decode_base64, encode_base64, is_xml_space, parse_bool, set_once, trimmed_attr,
    trimmed_text, ToXml,
};
use super::sc::SecurityContextToken;
use super::time::{format_utc_seconds, parse_utc_seconds};
use super::uris::{BinarySecretType, ComputedKeyAlgorithm, StatusCode};
use super::version::{AddressingVersion, PolicyVersion, TrustVersion};
use super::{Error, Fragment};
use crate::crypto;
use crate::xml::{ns, Document, NodeId, NodeKind, Writer};

/// True when `el` has a text child that is not only white space.
pub(crate) fn has_significant_text(doc: &Document, el: NodeId) -> bool {
    doc.children(el)
        .any(|c| matches!(doc.kind(c), NodeKind::Text(t) if !t.chars().all(is_xml_space)))
}

/// Writes `<{ns}local>` holding `content`.
pub(crate) fn write_container(w: &mut Writer, ns: &str, local: &str, content: &Fragment) {
    w.start(ns, local);
    content.write(w);
    w.end();
}

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

/// A WS-Addressing endpoint reference (`wsa:EndpointReference`, or the content of
/// `wst:Issuer`).
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub struct EndpointReference {
    /// Which WS-Addressing namespace.
    pub version: AddressingVersion,
    /// `wsa:Address`, trimmed.
    pub address: String,
    /// Other children (`ReferenceParameters`, `Metadata`, extensions), kept as they are.
    pub extensions: Fragment,
}

impl EndpointReference {
    /// An endpoint reference with just an address.
    pub fn new(version: AddressingVersion, address: impl Into<String>) -> Self {
        Self {
            version,
            address: address.into(),
            extensions: Fragment::empty(),
        }
    }

    /// Reads the content of an element of type `wsa:EndpointReferenceType`, whose `Address`
    /// is in namespace `version`. `None` when it has no such `Address`.
    pub fn read_content(
        doc: &Document,
        el: NodeId,
        version: AddressingVersion,
    ) -> Result<Option<Self>, Error> {
        let mut addresses = doc.children_named(el, version.namespace(), "Address");
        let Some(address) = addresses.next() else {
            return Ok(None);
        };
        if addresses.next().is_some() {
            return Err(Error::Duplicate { element: "Address" });
        }
        let rest = doc.children(el).filter(|c| *c != address);
        Ok(Some(Self {
            version,
            address: trimmed_text(doc, address),
            extensions: Fragment::from_nodes(doc, rest)?,
        }))
    }

    /// Writes the content (`Address`, then the other children).
    pub fn write_content(&self, w: &mut Writer) {
        w.element_text(self.version.namespace(), "Address", &self.address);
        self.extensions.write(w);
    }

    /// Writes a `wsa:EndpointReference` element.
    pub fn write_element(&self, w: &mut Writer) {
        w.start(self.version.namespace(), "EndpointReference");
        self.write_content(w);
        w.end();
    }
}

/// What `wsp:AppliesTo` names.
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum AppliesToTarget {
    /// A `wsa:EndpointReference` (either addressing version).
    EndpointReference(EndpointReference),
    /// A bare URI as text content.
    Uri(String),
    /// Anything else, kept as it is.
    Other(Fragment),
}

/// `wsp:AppliesTo`: the relying party a token is for.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct AppliesTo {
    /// Which WS-Policy namespace.
    pub policy: PolicyVersion,
    /// The target.
    pub target: AppliesToTarget,
}

impl AppliesTo {
    /// An `AppliesTo` naming an endpoint address (WS-Policy 2004/09, WS-Addressing 1.0).
    pub fn address(address: impl Into<String>) -> Self {
        Self {
            policy: PolicyVersion::V2004,
            target: AppliesToTarget::EndpointReference(EndpointReference::new(
                AddressingVersion::V10,
                address,
            )),
        }
    }

    /// The address or URI named, if the target has one.
    pub fn target_address(&self) -> Option<&str> {
        match &self.target {
            AppliesToTarget::EndpointReference(e) => Some(&e.address),
            AppliesToTarget::Uri(u) => Some(u),
            AppliesToTarget::Other(_) => None,
        }
    }

    /// Reads an `AppliesTo` element (either policy namespace).
    pub fn read(doc: &Document, el: NodeId) -> Result<Self, Error> {
        let policy = PolicyVersion::from_namespace(doc.name(el).ns).ok_or(Error::Unexpected {
            what: "AppliesTo namespace",
        })?;
        let elems: Vec<NodeId> = doc.child_elements(el).collect();
        let text = has_significant_text(doc, el);
        let target = match (elems.as_slice(), text) {
            ([epr], false) => {
                let name = doc.name(*epr);
                let version = AddressingVersion::from_namespace(name.ns)
                    .filter(|_| name.local == "EndpointReference");
                match version {
                    Some(v) => match EndpointReference::read_content(doc, *epr, v)? {
                        Some(e) => AppliesToTarget::EndpointReference(e),
                        None => AppliesToTarget::Other(Fragment::from_children(doc, el)?),
                    },
                    None => AppliesToTarget::Other(Fragment::from_children(doc, el)?),
                }
            }
            ([], true) => AppliesToTarget::Uri(trimmed_text(doc, el)),
            _ => AppliesToTarget::Other(Fragment::from_children(doc, el)?),
        };
        Ok(Self { policy, target })
    }

    /// Writes the element.
    pub fn write(&self, w: &mut Writer) {
        w.start(self.policy.namespace(), "AppliesTo");
        match &self.target {
            AppliesToTarget::EndpointReference(e) => e.write_element(w),
            AppliesToTarget::Uri(u) => {
                w.text(u);
            }
            AppliesToTarget::Other(f) => f.write(w),
        }
        w.end();
    }
}

/// One `ic:ClaimType` of the identity claims dialect.
#[derive(Clone, Debug, Eq, Hash, PartialEq)]
pub struct ClaimType {
    /// `Uri`, trimmed.
    pub uri: String,
    /// `Optional`.
    pub optional: Option<bool>,
}

/// `wst:Claims`: the claims asked for.
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub struct Claims {
    /// `Dialect`, trimmed.
    pub dialect: Option<String>,
    /// The content, kept as it is.
    pub content: Fragment,
}

impl Claims {
    /// Reads a `Claims` element.
    pub fn read(doc: &Document, el: NodeId) -> Result<Self, Error> {
        Ok(Self {
            dialect: trimmed_attr(doc, el, "", "Dialect"),
            content: Fragment::from_children(doc, el)?,
        })
    }

    /// Writes the element in `version`'s namespace.
    pub fn write(&self, w: &mut Writer, version: TrustVersion) {
        w.start(version.namespace(), "Claims");
        if let Some(d) = &self.dialect {
            w.attr("", "Dialect", d);
        }
        self.content.write(w);
        w.end();
    }

    /// The `ic:ClaimType` elements when the dialect is the identity one
    /// (`http://schemas.xmlsoap.org/ws/2005/05/identity`); empty for other dialects.
    pub fn claim_types(&self) -> Result<Vec<ClaimType>, Error> {
        if self.dialect.as_deref() != Some(ns::IDENTITY) {
            return Ok(Vec::new());
        }
        let Some((doc, _)) = self.content.document() else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for e in self.content.elements() {
            if !doc.is(e, ns::IDENTITY, "ClaimType") {
                continue;
            }
            let uri = trimmed_attr(doc, e, "", "Uri").ok_or(Error::Missing { element: "Uri" })?;
            let optional = doc
                .attribute(e, "", "Optional")
                .map(|v| parse_bool(v, "ClaimType"))
                .transpose()?;
            out.push(ClaimType { uri, optional });
        }
        Ok(out)
    }
}

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
                match <SecurityContextToken as super::FromElement>::read(doc, el) {
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
        self.content
            .first_element()
            .map(|(d, e)| ElementSummary::of(d, e))
    }

    /// What kind of token the first element held is.
    pub fn token_kind(&self) -> Option<TokenKind> {
        self.content
            .first_element()
            .map(|(d, e)| TokenKind::of(d, e))
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
        self.content
            .first_element()
            .map(|(d, e)| ElementSummary::of(d, e))
    }

    /// What kind of key or token the first element held is.
    pub fn token_kind(&self) -> Option<TokenKind> {
        self.content
            .first_element()
            .map(|(d, e)| TokenKind::of(d, e))
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
        let security_token_reference = Fragment::build(|w| {
            w.start(ns::WSSE, "SecurityTokenReference");
            if let Some(t) = token_type {
                w.attr(ns::WSSE11, "TokenType", t);
            }
            w.start(ns::WSSE, "Reference");
            w.attr("", "URI", uri);
            if let Some(v) = value_type {
                w.attr("", "ValueType", v);
            }
            w.end();
            w.end();
        })?;
        Ok(Self {
            security_token_reference,
        })
    }

    /// A reference by `wsse:KeyIdentifier ValueType=..` (e.g. a `SAMLAssertionID`).
    pub fn by_key_identifier(
        value_type: &str,
        value: &str,
        token_type: Option<&str>,
    ) -> Result<Self, Error> {
        let security_token_reference = Fragment::build(|w| {
            w.start(ns::WSSE, "SecurityTokenReference");
            if let Some(t) = token_type {
                w.attr(ns::WSSE11, "TokenType", t);
            }
            w.start(ns::WSSE, "KeyIdentifier");
            w.attr("", "ValueType", value_type);
            w.text(value);
            w.end();
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
