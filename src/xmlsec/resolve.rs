//! The callback the WS-Security layer implements for the STR-Transform.

use crate::xml::{Document, NodeId};

/// Resolves what the XML-DSig layer cannot know by itself.
pub trait ReferenceResolver {
    /// For the WS-Security STR-Transform: the token element that the
    /// `wsse:SecurityTokenReference` element `str_node` refers to, if it is in `doc`.
    fn dereference_token(&self, doc: &Document, str_node: NodeId) -> Option<NodeId>;
}

/// A resolver that knows no tokens: STR-Transform references fail.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoResolver;

impl ReferenceResolver for NoResolver {
    fn dereference_token(&self, _doc: &Document, _str_node: NodeId) -> Option<NodeId> {
        None
    }
}
