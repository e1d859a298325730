//! Proof types: a [`SignedNode`] can only be made by the verifier, so holding one proves a
//! signature covered exactly that node.

use crate::xml::NodeId;

/// A node covered by a verified signature.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct SignedNode {
    node: NodeId,
    signature: NodeId,
    /// The referenced node is the document node (`URI=""`).
    whole_document: bool,
}

impl SignedNode {
    pub(in crate::xmlsec) fn new(node: NodeId, signature: NodeId, whole_document: bool) -> Self {
        Self {
            node,
            signature,
            whole_document,
        }
    }

    /// The covered node (the element itself, or the document node for `URI=""`).
    pub fn node(&self) -> NodeId {
        self.node
    }

    /// The `ds:Signature` element that covered it.
    pub fn signature(&self) -> NodeId {
        self.signature
    }

    /// True when the reference covered the whole document.
    pub fn is_whole_document(&self) -> bool {
        self.whole_document
    }
}

/// The outcome of a successful verification.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct VerifiedSignature {
    pub(in crate::xmlsec) signature: NodeId,
    pub(in crate::xmlsec) signed: Vec<SignedNode>,
    pub(in crate::xmlsec) method: super::SignatureMethod,
    pub(in crate::xmlsec) value: Vec<u8>,
    pub(in crate::xmlsec) algorithms: Vec<super::Algorithm>,
}

impl VerifiedSignature {
    /// The `ds:Signature` element.
    pub fn signature(&self) -> NodeId {
        self.signature
    }

    /// The nodes covered, in reference order.
    pub fn signed_nodes(&self) -> &[SignedNode] {
        &self.signed
    }

    /// True when `node` is covered by this signature (directly, or inside a covered subtree,
    /// or by a whole-document reference): ask this before consuming `node`.
    pub fn covers(&self, doc: &crate::xml::Document, node: NodeId) -> bool {
        self.signed.iter().any(|s| {
            s.whole_document
                || (doc.is_ancestor_or_self(s.node, node)
                    && !doc.is_ancestor_or_self(self.signature, node))
        })
    }

    /// True when `node` itself is the target of one of the references.
    pub fn references(&self, node: NodeId) -> bool {
        self.signed.iter().any(|s| s.node == node)
    }

    /// The signature method.
    pub fn method(&self) -> super::SignatureMethod {
        self.method
    }

    /// Every algorithm the verification used, in order: the signature method, the
    /// `SignedInfo` c14n, then per reference its c14n transforms (or the implied inclusive
    /// c14n) and its digest. Each was admitted by the policy's suites.
    pub fn algorithms(&self) -> &[super::Algorithm] {
        &self.algorithms
    }

    /// The SignatureValue octets (what a `wsse11:SignatureConfirmation` echoes).
    pub fn value(&self) -> &[u8] {
        &self.value
    }
}
