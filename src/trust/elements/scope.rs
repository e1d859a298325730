//! What a request is about: endpoint references, `wsp:AppliesTo` and `wst:Claims`.

use crate::trust::codec::{parse_bool, trimmed_attr, trimmed_text};
use crate::trust::version::{AddressingVersion, PolicyVersion, TrustVersion};
use crate::trust::{Error, Fragment};
use crate::xml::{ns, Document, NodeId, Writer};

use super::has_significant_text;

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
