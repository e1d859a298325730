//! Typed `ds:Signature` read from the tree (codec only, no decisions).
//!
//! ```text
//! XML Signature Syntax and Processing Version 1.1, §4.1:
//! <element name="Signature" type="ds:SignatureType"/>
//! <complexType name="SignatureType"><sequence>
//!     <element ref="ds:SignedInfo"/> <element ref="ds:SignatureValue"/>
//!     <element ref="ds:KeyInfo" minOccurs="0"/> <element ref="ds:Object" minOccurs="0"
//!     maxOccurs="unbounded"/>
//! </sequence> <attribute name="Id" type="ID" use="optional"/> </complexType>
//! ```
//! <https://www.w3.org/TR/xmldsig-core1/#sec-Signature>

use crate::crypto::DigestAlgorithm;
use crate::xml::{ns, Document, NodeId};
use crate::xmlsec::algorithm::{self, uri, C14nAlgorithm, SignatureMethod};
use crate::xmlsec::{base64, Error, Policy};

/// A `ds:Transform`.
#[derive(Clone, Debug, Eq, PartialEq)]
#[non_exhaustive]
pub enum Transform {
    /// Enveloped signature: leave the signature out of the node-set.
    Enveloped,
    /// Canonicalization, with an optional InclusiveNamespaces PrefixList.
    C14n {
        /// Algorithm.
        algorithm: C14nAlgorithm,
        /// PrefixList (exclusive c14n only).
        prefixes: Option<String>,
    },
    /// WS-Security STR-Transform: dereference the SecurityTokenReference, then canonicalize.
    StrTransform {
        /// The c14n of its TransformationParameters.
        algorithm: C14nAlgorithm,
    },
}

/// A `ds:Reference`.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Reference {
    /// The element.
    pub node: NodeId,
    /// The URI attribute.
    pub uri: Option<String>,
    /// Transforms in order.
    pub transforms: Vec<Transform>,
    /// Digest algorithm.
    pub digest: DigestAlgorithm,
    /// Expected digest.
    pub digest_value: Vec<u8>,
}

/// A `ds:Signature`.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Signature {
    /// The element.
    pub node: NodeId,
    /// `ds:SignedInfo`.
    pub signed_info: NodeId,
    /// `CanonicalizationMethod` of SignedInfo.
    pub c14n: C14nAlgorithm,
    /// Its InclusiveNamespaces PrefixList.
    pub c14n_prefixes: Option<String>,
    /// `SignatureMethod`.
    pub method: SignatureMethod,
    /// `HMACOutputLength` in bits, when given.
    pub hmac_output_bits: Option<usize>,
    /// References in order.
    pub references: Vec<Reference>,
    /// `SignatureValue` octets.
    pub value: Vec<u8>,
    /// `ds:KeyInfo`, for the caller to resolve.
    pub key_info: Option<NodeId>,
}

/// The element children of `node`, refusing non-white-space text between them.
fn element_children(doc: &Document, node: NodeId) -> Result<Vec<NodeId>, Error> {
    let mut out = Vec::new();
    for c in doc.children(node) {
        match doc.kind(c) {
            crate::xml::NodeKind::Element => out.push(c),
            crate::xml::NodeKind::Text(t) if t.trim().is_empty() => {}
            crate::xml::NodeKind::Comment(_) => {}
            _ => {
                return Err(Error::Malformed {
                    what: "signature: unexpected content",
                })
            }
        }
    }
    Ok(out)
}

/// `next` when it is the `ds:{local}` element, else malformed (`what`).
fn expect_ds(
    doc: &Document,
    next: Option<NodeId>,
    local: &str,
    what: &'static str,
) -> Result<NodeId, Error> {
    next.filter(|c| doc.is(*c, ns::DS, local))
        .ok_or(Error::Malformed { what })
}

/// Reads each of `nodes` with `read`: every one must be a `ds:{local}` (else malformed,
/// `what`), and there may be at most `max` (else refused, `what_many`).
fn read_each_ds<T>(
    doc: &Document,
    nodes: impl IntoIterator<Item = NodeId>,
    (local, what): (&str, &'static str),
    (max, what_many): (usize, &'static str),
    mut read: impl FnMut(NodeId) -> Result<T, Error>,
) -> Result<Vec<T>, Error> {
    let mut out = Vec::new();
    for n in nodes {
        if !doc.is(n, ns::DS, local) {
            return Err(Error::Malformed { what });
        }
        if out.len() >= max {
            return Err(Error::Refused { what: what_many });
        }
        out.push(read(n)?);
    }
    Ok(out)
}

/// The `Algorithm` attribute of `node`, trimmed; malformed (`what`) when absent.
fn required_algorithm<'d>(
    doc: &'d Document,
    node: NodeId,
    what: &'static str,
) -> Result<&'d str, Error> {
    doc.attribute(node, "", "Algorithm")
        .map(str::trim)
        .ok_or(Error::Malformed { what })
}

/// The canonicalization `uri` names; an unknown one is unsupported.
fn known_c14n(uri: &str) -> Result<C14nAlgorithm, Error> {
    match C14nAlgorithm::from_uri(uri) {
        C14nAlgorithm::Unknown(u) => Err(Error::unsupported(&u)),
        c => Ok(c),
    }
}

fn inclusive_prefixes(doc: &Document, method: NodeId) -> Result<Option<String>, Error> {
    let mut found = None;
    for c in doc.child_elements(method) {
        if doc.is(c, ns::EXC_C14N, "InclusiveNamespaces") {
            if found.is_some() {
                return Err(Error::Malformed {
                    what: "signature: two InclusiveNamespaces",
                });
            }
            found = Some(doc.attribute(c, "", "PrefixList").unwrap_or("").to_owned());
        } else {
            return Err(Error::Malformed {
                what: "signature: unexpected c14n parameter",
            });
        }
    }
    Ok(found)
}

impl Signature {
    /// Reads the `ds:Signature` element `node` under `policy`'s structural limits.
    pub fn read(doc: &Document, node: NodeId, policy: &Policy) -> Result<Self, Error> {
        if !doc.is(node, ns::DS, "Signature") {
            return Err(Error::Malformed {
                what: "signature: not a ds:Signature",
            });
        }
        let children = element_children(doc, node)?;
        let mut it = children.iter().copied();
        let signed_info = expect_ds(
            doc,
            it.next(),
            "SignedInfo",
            "signature: SignedInfo must come first",
        )?;
        let value_node = expect_ds(
            doc,
            it.next(),
            "SignatureValue",
            "signature: SignatureValue must follow SignedInfo",
        )?;
        let mut key_info = None;
        for rest in it {
            match doc.name(rest).local {
                "KeyInfo" if doc.name(rest).ns == ns::DS && key_info.is_none() => {
                    key_info = Some(rest)
                }
                "Object" if doc.name(rest).ns == ns::DS => {}
                _ => {
                    return Err(Error::Malformed {
                        what: "signature: unexpected child",
                    })
                }
            }
        }
        let value = base64::decode(&doc.text(value_node)).ok_or(Error::Malformed {
            what: "signature: SignatureValue",
        })?;

        let si = element_children(doc, signed_info)?;
        let mut si_it = si.iter().copied();
        let c14n_node = expect_ds(
            doc,
            si_it.next(),
            "CanonicalizationMethod",
            "signature: CanonicalizationMethod must come first",
        )?;
        let c14n_uri = required_algorithm(
            doc,
            c14n_node,
            "signature: CanonicalizationMethod without Algorithm",
        )?;
        let c14n = known_c14n(c14n_uri)?;
        let c14n_prefixes = inclusive_prefixes(doc, c14n_node)?;
        let method_node = expect_ds(
            doc,
            si_it.next(),
            "SignatureMethod",
            "signature: SignatureMethod must follow",
        )?;
        let method_uri = required_algorithm(
            doc,
            method_node,
            "signature: SignatureMethod without Algorithm",
        )?;
        let method =
            SignatureMethod::from_uri(method_uri).ok_or_else(|| Error::unsupported(method_uri))?;
        let mut hmac_output_bits = None;
        for p in doc.child_elements(method_node) {
            if doc.is(p, ns::DS, "HMACOutputLength") && hmac_output_bits.is_none() {
                let bits = doc
                    .text(p)
                    .trim()
                    .parse::<usize>()
                    .map_err(|_| Error::Malformed {
                        what: "signature: HMACOutputLength",
                    })?;
                hmac_output_bits = Some(bits);
            } else {
                return Err(Error::Malformed {
                    what: "signature: unexpected SignatureMethod parameter",
                });
            }
        }
        let references = read_each_ds(
            doc,
            si_it,
            (
                "Reference",
                "signature: only References may follow SignatureMethod",
            ),
            (policy.max_references, "too many references"),
            |r| read_reference(doc, r, policy),
        )?;
        if references.is_empty() {
            return Err(Error::Malformed {
                what: "signature: no Reference",
            });
        }
        Ok(Self {
            node,
            signed_info,
            c14n,
            c14n_prefixes,
            method,
            hmac_output_bits,
            references,
            value,
            key_info,
        })
    }
}

fn read_reference(doc: &Document, r: NodeId, policy: &Policy) -> Result<Reference, Error> {
    let uri = doc.attribute(r, "", "URI").map(str::to_owned);
    let kids = element_children(doc, r)?;
    let mut i = 0;
    let mut transforms = Vec::new();
    if let Some(t) = kids.first().filter(|k| doc.is(**k, ns::DS, "Transforms")) {
        i = 1;
        transforms = read_each_ds(
            doc,
            element_children(doc, *t)?,
            ("Transform", "signature: Transforms may hold only Transform"),
            (policy.max_transforms, "too many transforms"),
            |tr| read_transform(doc, tr),
        )?;
    }
    let dm = expect_ds(
        doc,
        kids.get(i).copied(),
        "DigestMethod",
        "signature: DigestMethod",
    )?;
    let dm_uri = required_algorithm(doc, dm, "signature: DigestMethod without Algorithm")?;
    let digest = algorithm::digest_from_uri(dm_uri).ok_or_else(|| Error::unsupported(dm_uri))?;
    let dv = expect_ds(
        doc,
        kids.get(i + 1).copied(),
        "DigestValue",
        "signature: DigestValue",
    )?;
    if kids.len() != i + 2 {
        return Err(Error::Malformed {
            what: "signature: unexpected Reference child",
        });
    }
    let digest_value = base64::decode(&doc.text(dv)).ok_or(Error::Malformed {
        what: "signature: DigestValue",
    })?;
    Ok(Reference {
        node: r,
        uri,
        transforms,
        digest,
        digest_value,
    })
}

fn read_transform(doc: &Document, tr: NodeId) -> Result<Transform, Error> {
    let alg = required_algorithm(doc, tr, "signature: Transform without Algorithm")?;
    match alg {
        uri::ENVELOPED => {
            if doc.child_elements(tr).next().is_some() {
                return Err(Error::Malformed {
                    what: "signature: enveloped transform with parameters",
                });
            }
            Ok(Transform::Enveloped)
        }
        uri::STR_TRANSFORM => {
            let params =
                doc.child(tr, ns::WSSE, "TransformationParameters")
                    .ok_or(Error::Malformed {
                        what: "signature: STR-Transform without parameters",
                    })?;
            let cm =
                doc.child(params, ns::DS, "CanonicalizationMethod")
                    .ok_or(Error::Malformed {
                        what: "signature: STR-Transform without c14n",
                    })?;
            let a = doc.attribute(cm, "", "Algorithm").unwrap_or("").trim();
            Ok(Transform::StrTransform {
                algorithm: known_c14n(a)?,
            })
        }
        other => {
            // XSLT, XPath, XPath-Filter2, base64 and the rest are refused by design.
            let algorithm = known_c14n(other)?;
            let prefixes = inclusive_prefixes(doc, tr)?;
            Ok(Transform::C14n {
                algorithm,
                prefixes,
            })
        }
    }
}
