//! Limits applied while parsing untrusted XML.

/// Limits enforced by [`crate::xml::Document::parse_with`] before any work grows with them.
///
/// Every limit is checked as the input is read, so parse time and memory stay linear in the
/// input size. The defaults suit SOAP messages of a security token service.
#[derive(Clone, Debug, Eq, PartialEq)]
#[non_exhaustive]
pub struct Limits {
    /// Maximum input size in bytes. Default: 4 MiB.
    pub max_bytes: usize,
    /// Maximum element nesting depth. Default: 64.
    pub max_depth: usize,
    /// Maximum number of nodes (elements, text, comments, PIs). Default: 100 000.
    pub max_nodes: usize,
    /// Maximum attributes on one element, namespace declarations excluded. Default: 64.
    pub max_attributes: usize,
    /// Maximum namespace declarations on one element. Default: 64.
    pub max_namespace_declarations: usize,
    /// Maximum namespace bindings in scope at any point. Default: 256.
    pub max_namespaces_in_scope: usize,
    /// Maximum length in bytes of an element or attribute name. Default: 1024.
    pub max_name_len: usize,
    /// Maximum length in bytes of one text node or attribute value. Default: 1 MiB.
    pub max_text_len: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_bytes: 4 * 1024 * 1024,
            max_depth: 64,
            max_nodes: 100_000,
            max_attributes: 64,
            max_namespace_declarations: 64,
            max_namespaces_in_scope: 256,
            max_name_len: 1024,
            max_text_len: 1024 * 1024,
        }
    }
}
