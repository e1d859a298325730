//! A read-only view of a SOAP envelope over the parsed tree.

use super::{Error, SoapVersion};
use crate::xml::{Document, Name, NodeId};

/// A header block of the envelope.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct HeaderBlock {
    /// The header element.
    pub node: NodeId,
    /// `mustUnderstand` is true.
    pub must_understand: bool,
    /// The block targets this node (no role/actor, or the next/ultimate-receiver role).
    pub targets_us: bool,
}

/// A SOAP envelope: version, header blocks and the single body element.
#[derive(Clone, Debug)]
pub struct Envelope<'d> {
    doc: &'d Document,
    version: SoapVersion,
    header: Option<NodeId>,
    body: NodeId,
    body_child: Option<NodeId>,
    blocks: Vec<HeaderBlock>,
}

const NEXT_11: &str = "http://schemas.xmlsoap.org/soap/actor/next";
const NEXT_12: &str = "http://www.w3.org/2003/05/soap-envelope/role/next";
const ULTIMATE_12: &str = "http://www.w3.org/2003/05/soap-envelope/role/ultimateReceiver";

impl<'d> Envelope<'d> {
    /// Reads the envelope of `doc`. `transport` is the version announced by the HTTP content
    /// type, when known; a disagreement is an error.
    pub fn read(doc: &'d Document, transport: Option<SoapVersion>) -> Result<Self, Error> {
        let root = doc.root();
        let name = doc.name(root);
        let version = match SoapVersion::from_namespace(name.ns) {
            Some(v) if name.local == "Envelope" => v,
            _ => return Err(Error::NotAnEnvelope),
        };
        if let Some(t) = transport.filter(|t| *t != version) {
            return Err(Error::VersionMismatch {
                envelope: version,
                transport: t,
            });
        }
        let ns = version.namespace();
        let mut header = None;
        let mut body = None;
        for child in doc.child_elements(root) {
            let n = doc.name(child);
            match (n.ns == ns, n.local) {
                (true, "Header") if header.is_none() && body.is_none() => header = Some(child),
                (true, "Body") if body.is_none() => body = Some(child),
                _ => {
                    return Err(Error::Malformed {
                        what: "envelope children must be one optional Header then one Body",
                    })
                }
            }
        }
        let body = body.ok_or(Error::Malformed {
            what: "envelope without Body",
        })?;
        if has_text(doc, root) || header.is_some_and(|h| has_text(doc, h)) {
            return Err(Error::Malformed {
                what: "character data between envelope elements",
            });
        }
        let mut body_children = doc.child_elements(body);
        let body_child = body_children.next();
        if body_children.next().is_some() {
            return Err(Error::Malformed {
                what: "more than one body element",
            });
        }
        let mut blocks = Vec::new();
        if let Some(h) = header {
            for block in doc.child_elements(h) {
                blocks.push(read_block(doc, version, block)?);
            }
        }
        Ok(Self {
            doc,
            version,
            header,
            body,
            body_child,
            blocks,
        })
    }

    /// The SOAP version.
    pub fn version(&self) -> SoapVersion {
        self.version
    }

    /// The document.
    pub fn document(&self) -> &'d Document {
        self.doc
    }

    /// The `Header` element, if present.
    pub fn header(&self) -> Option<NodeId> {
        self.header
    }

    /// The `Body` element.
    pub fn body(&self) -> NodeId {
        self.body
    }

    /// The single element inside `Body`, if any.
    pub fn body_element(&self) -> Option<NodeId> {
        self.body_child
    }

    /// The header blocks in document order.
    pub fn header_blocks(&self) -> &[HeaderBlock] {
        &self.blocks
    }

    /// The header blocks named `{ns}local`.
    pub fn headers_named<'a>(
        &'a self,
        ns: &'a str,
        local: &'a str,
    ) -> impl Iterator<Item = &'a HeaderBlock> + 'a {
        self.blocks
            .iter()
            .filter(move |b| self.doc.is(b.node, ns, local))
    }

    /// SOAP processing model: every block addressed to us with `mustUnderstand` must be one
    /// that `understood` accepts; otherwise a `MustUnderstand` fault is due.
    pub fn check_must_understand(
        &self,
        understood: impl Fn(Name<'_>) -> bool,
    ) -> Result<(), Error> {
        for b in &self.blocks {
            if b.must_understand && b.targets_us {
                let n = self.doc.name(b.node);
                if !understood(n) {
                    return Err(Error::MustUnderstand {
                        ns: n.ns.to_owned(),
                        local: n.local.to_owned(),
                    });
                }
            }
        }
        Ok(())
    }
}

fn has_text(doc: &Document, node: NodeId) -> bool {
    doc.children(node).any(|c| match doc.kind(c) {
        crate::xml::NodeKind::Text(t) => !t.trim().is_empty(),
        _ => false,
    })
}

fn read_block(doc: &Document, version: SoapVersion, node: NodeId) -> Result<HeaderBlock, Error> {
    let ns = version.namespace();
    let mu = doc.attribute(node, ns, "mustUnderstand");
    let must_understand = match (version, mu.map(str::trim)) {
        (_, None) => false,
        (SoapVersion::V11, Some("1")) | (SoapVersion::V12, Some("true" | "1")) => true,
        (SoapVersion::V11, Some("0")) | (SoapVersion::V12, Some("false" | "0")) => false,
        _ => {
            return Err(Error::Malformed {
                what: "bad mustUnderstand value",
            })
        }
    };
    let role = match version {
        SoapVersion::V11 => doc.attribute(node, ns, "actor"),
        SoapVersion::V12 => doc.attribute(node, ns, "role"),
    };
    let targets_us = match role.map(str::trim) {
        None | Some("") => true,
        Some(r) => r == NEXT_11 || r == NEXT_12 || r == ULTIMATE_12,
    };
    Ok(HeaderBlock {
        node,
        must_understand,
        targets_us,
    })
}
