//! Finding an assertion a reference names in a message.

use crate::xml::{ns, Document, NodeId};

/// The first assertion of `doc` (document order) whose identifier is `id`: a SAML 2.0
/// `saml:Assertion` by its `ID`, a SAML 1.1 one by its `AssertionID`.
pub fn assertion_by_id(doc: &Document, id: &str) -> Option<NodeId> {
    doc.descendants_or_self(doc.root()).find(|n| {
        (doc.is(*n, ns::SAML2, "Assertion") && doc.attribute(*n, "", "ID") == Some(id))
            || (doc.is(*n, ns::SAML1, "Assertion")
                && doc.attribute(*n, "", "AssertionID") == Some(id))
    })
}

/// Whether `node` is a SAML 2.0 or SAML 1.1 `saml:Assertion`.
pub fn is_assertion(doc: &Document, node: NodeId) -> bool {
    doc.is(node, ns::SAML2, "Assertion") || doc.is(node, ns::SAML1, "Assertion")
}

/// The identifier of the assertion `node`: its `ID` when it is a SAML 2.0 assertion, else
/// its `AssertionID` (SAML 1.1).
pub fn assertion_id(doc: &Document, node: NodeId) -> Option<&str> {
    let attr = if doc.is(node, ns::SAML2, "Assertion") {
        "ID"
    } else {
        "AssertionID"
    };
    doc.attribute(node, "", attr)
}
