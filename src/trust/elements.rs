//! The typed parts of RST/RSTR messages: values, containers and the typed views of tokens
//! and security token references held in them (values, scope and token containers in the
//! submodules).

use super::codec::is_xml_space;
use super::Fragment;
use crate::xml::{Document, NodeId, NodeKind, Writer};

mod scope;
mod tokens;
mod values;

pub use scope::{AppliesTo, AppliesToTarget, ClaimType, Claims, EndpointReference};
pub use tokens::{
    ElementSummary, KeyIdentifier, RequestedProofToken, RequestedReference, StrInfo, StrReference,
    TokenHolder, TokenKind, UseKey,
};
pub use values::{BinarySecret, Entropy, Lifetime, Renewing, SecretBytes, Status};

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
