//! The WS-Trust messages: `RequestSecurityToken`, `RequestSecurityTokenCollection`,
//! `RequestSecurityTokenResponse`, `RequestSecurityTokenResponseCollection`.

use super::codec::{trim_xml, FromElement, ToXml};
use super::elements::{RequestedProofToken, RequestedReference, Status, TokenHolder};
use super::params::{Parameters, Slot, RST_ORDER};
use super::version::TrustVersion;
use super::{Error, Fragment};
use crate::xml::{ns, Document, NodeId, Writer};

/// An attribute of a message element that the model does not interpret, kept as it is.
#[derive(Clone, Debug, Eq, Hash, PartialEq)]
pub struct ExtensionAttribute {
    /// Namespace URI (empty for none).
    pub ns: String,
    /// Local name.
    pub local: String,
    /// Value.
    pub value: String,
}

/// The version of a message element: its namespace, upgraded to 1.4 when it has a 200802
/// child element.
fn message_version(doc: &Document, el: NodeId, local: &str) -> Result<TrustVersion, Error> {
    let name = doc.name(el);
    let v = TrustVersion::from_namespace(name.ns)
        .filter(|_| name.local == local)
        .ok_or(Error::Unexpected {
            what: "element instead of a ws-trust message",
        })?;
    let has_14 = doc.child_elements(el).any(|c| doc.name(c).ns == ns::WST14);
    Ok(if v == TrustVersion::V13 && has_14 {
        TrustVersion::V14
    } else {
        v
    })
}

/// The `Context` attribute (trimmed) and the other attributes of a message element.
fn read_attributes(doc: &Document, el: NodeId) -> (Option<String>, Vec<ExtensionAttribute>) {
    let mut context = None;
    let mut rest = Vec::new();
    for a in doc.attributes(el) {
        if a.name.is("", "Context") {
            context = Some(trim_xml(a.value).to_owned());
        } else {
            rest.push(ExtensionAttribute {
                ns: a.name.ns.to_owned(),
                local: a.name.local.to_owned(),
                value: a.value.to_owned(),
            });
        }
    }
    (context, rest)
}

fn write_attributes(w: &mut Writer, context: Option<&str>, attributes: &[ExtensionAttribute]) {
    if let Some(c) = context {
        w.attr("", "Context", c);
    }
    for a in attributes {
        w.attr(&a.ns, &a.local, &a.value);
    }
}

/// `wst:RequestSecurityToken` (RST): a request to the STS.
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub struct RequestSecurityToken {
    /// The version it was read in or is to be written in.
    pub version: TrustVersion,
    /// `Context`: echoed in the response.
    pub context: Option<String>,
    /// Other attributes, kept as they are.
    pub attributes: Vec<ExtensionAttribute>,
    /// The parameters (children) of the request.
    pub params: Parameters,
}

impl RequestSecurityToken {
    /// An empty request of `version`.
    pub fn new(version: TrustVersion) -> Self {
        Self {
            version,
            ..Self::default()
        }
    }
}

impl FromElement for RequestSecurityToken {
    fn read(doc: &Document, el: NodeId) -> Result<Self, Error> {
        let version = message_version(doc, el, "RequestSecurityToken")?;
        let (context, attributes) = read_attributes(doc, el);
        Ok(Self {
            version,
            context,
            attributes,
            params: Parameters::read(doc, el, version)?,
        })
    }
}

impl ToXml for RequestSecurityToken {
    fn write(&self, w: &mut Writer) {
        w.start(self.version.namespace(), "RequestSecurityToken");
        write_attributes(w, self.context.as_deref(), &self.attributes);
        self.params.write_children(w, self.version);
        w.end();
    }
}

/// Reads collection element `el` (`collection`): its version, and its children, each an
/// `item` of that version (anything else is unexpected, `what`), at least one.
fn read_collection<T: FromElement>(
    doc: &Document,
    el: NodeId,
    collection: &'static str,
    item: &'static str,
    what: &'static str,
) -> Result<(TrustVersion, Vec<T>), Error> {
    let version = message_version(doc, el, collection)?;
    let mut items = Vec::new();
    for c in doc.child_elements(el) {
        if !doc.is(c, version.namespace(), item) {
            return Err(Error::Unexpected { what });
        }
        items.push(T::read(doc, c)?);
    }
    if items.is_empty() {
        return Err(Error::Missing { element: item });
    }
    Ok((version, items))
}

/// `wst:RequestSecurityTokenCollection` (RSTC): several requests answered together.
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub struct RequestSecurityTokenCollection {
    /// The version of the collection element (each request keeps its own).
    pub version: TrustVersion,
    /// The requests, in order.
    pub requests: Vec<RequestSecurityToken>,
}

impl FromElement for RequestSecurityTokenCollection {
    fn read(doc: &Document, el: NodeId) -> Result<Self, Error> {
        let (version, requests) = read_collection(
            doc,
            el,
            "RequestSecurityTokenCollection",
            "RequestSecurityToken",
            "element in RequestSecurityTokenCollection",
        )?;
        Ok(Self { version, requests })
    }
}

impl ToXml for RequestSecurityTokenCollection {
    fn write(&self, w: &mut Writer) {
        w.start(self.version.namespace(), "RequestSecurityTokenCollection");
        for r in &self.requests {
            r.write(w);
        }
        w.end();
    }
}

/// `wst:RequestSecurityTokenResponse` (RSTR): the STS's answer to one request.
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub struct RequestSecurityTokenResponse {
    /// The version it was read in or is to be written in.
    pub version: TrustVersion,
    /// `Context`: the request's `Context`, echoed.
    pub context: Option<String>,
    /// Other attributes, kept as they are.
    pub attributes: Vec<ExtensionAttribute>,
    /// The parameters echoed or granted (`TokenType`, `Lifetime`, `Entropy`, `KeySize`, ...),
    /// and the children not modelled (`params.extensions`).
    pub params: Parameters,
    /// `wst:RequestedSecurityToken`: the issued token.
    pub requested_security_token: Option<TokenHolder>,
    /// `wst:RequestedAttachedReference`.
    pub requested_attached_reference: Option<RequestedReference>,
    /// `wst:RequestedUnattachedReference`.
    pub requested_unattached_reference: Option<RequestedReference>,
    /// `wst:RequestedProofToken`.
    pub requested_proof_token: Option<RequestedProofToken>,
    /// `wst:Status` (validation).
    pub status: Option<Status>,
    /// `wst:RequestedTokenCancelled` (cancellation).
    pub requested_token_cancelled: bool,
}

impl RequestSecurityTokenResponse {
    /// An empty response of `version`, to be filled in.
    pub fn new(version: TrustVersion) -> Self {
        Self {
            version,
            ..Self::default()
        }
    }

    /// Reads an RSTR-only child; false when `el` is not one.
    fn read_own_child(&mut self, doc: &Document, el: NodeId) -> Result<bool, Error> {
        use super::codec::set_once;
        let tns = self.version.namespace();
        let name = doc.name(el);
        if name.ns != tns {
            return Ok(false);
        }
        match name.local {
            "RequestedSecurityToken" => set_once(
                &mut self.requested_security_token,
                TokenHolder::read(doc, el)?,
                "RequestedSecurityToken",
            )?,
            "RequestedAttachedReference" => set_once(
                &mut self.requested_attached_reference,
                RequestedReference::read(doc, el)?,
                "RequestedAttachedReference",
            )?,
            "RequestedUnattachedReference" => set_once(
                &mut self.requested_unattached_reference,
                RequestedReference::read(doc, el)?,
                "RequestedUnattachedReference",
            )?,
            "RequestedProofToken" => set_once(
                &mut self.requested_proof_token,
                RequestedProofToken::read(doc, el, self.version)?,
                "RequestedProofToken",
            )?,
            "Status" => set_once(
                &mut self.status,
                Status::read(doc, el, self.version)?,
                "Status",
            )?,
            "RequestedTokenCancelled" => {
                if self.requested_token_cancelled {
                    return Err(Error::Duplicate {
                        element: "RequestedTokenCancelled",
                    });
                }
                self.requested_token_cancelled = true;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}

impl FromElement for RequestSecurityTokenResponse {
    fn read(doc: &Document, el: NodeId) -> Result<Self, Error> {
        let version = message_version(doc, el, "RequestSecurityTokenResponse")?;
        let (context, attributes) = read_attributes(doc, el);
        let mut r = Self {
            version,
            context,
            attributes,
            ..Self::default()
        };
        for c in doc.child_elements(el) {
            if r.read_own_child(doc, c)? || r.params.read_child(doc, c, version)? {
                continue;
            }
            r.params.extensions.push(Fragment::from_element(doc, c)?);
        }
        Ok(r)
    }
}

impl ToXml for RequestSecurityTokenResponse {
    fn write(&self, w: &mut Writer) {
        let v = self.version;
        let tns = v.namespace();
        w.start(tns, "RequestSecurityTokenResponse");
        write_attributes(w, self.context.as_deref(), &self.attributes);
        let p = &self.params;
        // The 1.3 schema's intended order of RSTR children; parameters it does not list
        // follow in RST order, then the extensions.
        p.write_slot(Slot::TokenType, w, v);
        p.write_slot(Slot::RequestType, w, v);
        if let Some(t) = &self.requested_security_token {
            t.write(w, tns, "RequestedSecurityToken");
        }
        p.write_slot(Slot::AppliesTo, w, v);
        if let Some(r) = &self.requested_attached_reference {
            r.write(w, v, "RequestedAttachedReference");
        }
        if let Some(r) = &self.requested_unattached_reference {
            r.write(w, v, "RequestedUnattachedReference");
        }
        if let Some(r) = &self.requested_proof_token {
            r.write(w, v);
        }
        p.write_slot(Slot::Entropy, w, v);
        p.write_slot(Slot::Lifetime, w, v);
        if let Some(s) = &self.status {
            s.write(w, v);
        }
        if self.requested_token_cancelled {
            w.start(tns, "RequestedTokenCancelled").end();
        }
        const DONE: &[Slot] = &[
            Slot::TokenType,
            Slot::RequestType,
            Slot::AppliesTo,
            Slot::Entropy,
            Slot::Lifetime,
        ];
        for slot in RST_ORDER.iter().filter(|s| !DONE.contains(s)) {
            p.write_slot(*slot, w, v);
        }
        w.end();
    }
}

/// `wst:RequestSecurityTokenResponseCollection` (RSTRC): the final response of 1.3/1.4.
///
/// The element defines no attribute of its own; extension attributes on it are not kept.
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub struct RequestSecurityTokenResponseCollection {
    /// The version of the collection element (each response keeps its own).
    pub version: TrustVersion,
    /// The responses, in order.
    pub responses: Vec<RequestSecurityTokenResponse>,
}

impl RequestSecurityTokenResponseCollection {
    /// A collection of `responses`.
    pub fn new(version: TrustVersion, responses: Vec<RequestSecurityTokenResponse>) -> Self {
        Self { version, responses }
    }
}

impl FromElement for RequestSecurityTokenResponseCollection {
    fn read(doc: &Document, el: NodeId) -> Result<Self, Error> {
        let (version, responses) = read_collection(
            doc,
            el,
            "RequestSecurityTokenResponseCollection",
            "RequestSecurityTokenResponse",
            "element in RequestSecurityTokenResponseCollection",
        )?;
        Ok(Self { version, responses })
    }
}

impl ToXml for RequestSecurityTokenResponseCollection {
    fn write(&self, w: &mut Writer) {
        w.start(
            self.version.namespace(),
            "RequestSecurityTokenResponseCollection",
        );
        for r in &self.responses {
            r.write(w);
        }
        w.end();
    }
}

/// Any WS-Trust message element.
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum TrustMessage {
    /// `RequestSecurityToken`.
    Rst(RequestSecurityToken),
    /// `RequestSecurityTokenCollection`.
    Rstc(RequestSecurityTokenCollection),
    /// `RequestSecurityTokenResponse`.
    Rstr(RequestSecurityTokenResponse),
    /// `RequestSecurityTokenResponseCollection`.
    Rstrc(RequestSecurityTokenResponseCollection),
}

impl TrustMessage {
    /// True when `el` is one of the four message elements (either namespace).
    pub fn is_message(doc: &Document, el: NodeId) -> bool {
        let name = doc.name(el);
        TrustVersion::from_namespace(name.ns).is_some()
            && matches!(
                name.local,
                "RequestSecurityToken"
                    | "RequestSecurityTokenCollection"
                    | "RequestSecurityTokenResponse"
                    | "RequestSecurityTokenResponseCollection"
            )
    }

    /// The version of the message element.
    pub fn version(&self) -> TrustVersion {
        match self {
            Self::Rst(m) => m.version,
            Self::Rstc(m) => m.version,
            Self::Rstr(m) => m.version,
            Self::Rstrc(m) => m.version,
        }
    }
}

impl FromElement for TrustMessage {
    fn read(doc: &Document, el: NodeId) -> Result<Self, Error> {
        match doc.name(el).local {
            "RequestSecurityToken" => RequestSecurityToken::read(doc, el).map(Self::Rst),
            "RequestSecurityTokenCollection" => {
                RequestSecurityTokenCollection::read(doc, el).map(Self::Rstc)
            }
            "RequestSecurityTokenResponse" => {
                RequestSecurityTokenResponse::read(doc, el).map(Self::Rstr)
            }
            "RequestSecurityTokenResponseCollection" => {
                RequestSecurityTokenResponseCollection::read(doc, el).map(Self::Rstrc)
            }
            _ => Err(Error::Unexpected {
                what: "element instead of a ws-trust message",
            }),
        }
    }
}

impl ToXml for TrustMessage {
    fn write(&self, w: &mut Writer) {
        match self {
            Self::Rst(m) => m.write(w),
            Self::Rstc(m) => m.write(w),
            Self::Rstr(m) => m.write(w),
            Self::Rstrc(m) => m.write(w),
        }
    }
}
