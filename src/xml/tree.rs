//! The immutable arena tree every layer above reads.
//!
//! Nodes are stored in document order (pre-order). Each node records the index one past its
//! last descendant, so a subtree is a contiguous index range: iterating children, descendants
//! or testing ancestry needs no pointer chasing and no allocation. Strings are spans into the
//! document's own copy of the input, or into a side buffer for decoded text, so parsing makes
//! one copy of the input and few allocations.

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;

use super::limits::Limits;
use super::ns;
use super::Error;

/// Index of a node in its [`Document`].
#[derive(Clone, Copy, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
pub struct NodeId(pub(super) u32);

impl NodeId {
    /// The position of the node in document order (0 is the document node).
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A span of text owned by the document: either in the input copy or in the decoded buffer.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Str {
    /// Offset; the top bit marks the decoded buffer.
    pub(super) off: u32,
    pub(super) len: u32,
}

pub(super) const DECODED: u32 = 1 << 31;

/// A namespace-qualified name, compared by (namespace URI, local name), never by prefix.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub struct Name<'a> {
    /// Namespace URI; empty for no namespace.
    pub ns: &'a str,
    /// Local part.
    pub local: &'a str,
}

impl<'a> Name<'a> {
    /// A name in namespace `ns`.
    pub const fn new(ns: &'a str, local: &'a str) -> Self {
        Self { ns, local }
    }

    /// True when this is `{ns}local`.
    pub fn is(&self, ns: &str, local: &str) -> bool {
        self.local == local && self.ns == ns
    }
}

impl fmt::Display for Name<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ns.is_empty() {
            f.write_str(self.local)
        } else {
            write!(f, "{{{}}}{}", self.ns, self.local)
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub(super) struct QStr {
    pub(super) ns: Str,
    pub(super) prefix: Str,
    pub(super) local: Str,
}

#[derive(Clone, Debug)]
pub(super) enum Kind {
    Document,
    Element {
        name: QStr,
        attrs: Range<u32>,
        decls: Range<u32>,
        /// Byte range of the whole element in the input.
        span: Range<u32>,
        /// Byte range of the content (between start and end tag).
        content: Range<u32>,
    },
    Text(Str),
    Comment(Str),
    Pi {
        target: Str,
        data: Str,
    },
}

#[derive(Clone, Debug)]
pub(super) struct Node {
    pub(super) kind: Kind,
    pub(super) parent: u32,
    /// One past the last descendant.
    pub(super) end: u32,
}

#[derive(Clone, Copy, Debug)]
pub(super) struct Attr {
    pub(super) name: QStr,
    pub(super) value: Str,
}

#[derive(Clone, Copy, Debug)]
pub(super) struct Decl {
    /// Empty for the default namespace.
    pub(super) prefix: Str,
    /// Empty for `xmlns=""`.
    pub(super) uri: Str,
}

/// What a node is, with its borrowed content.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
#[non_exhaustive]
pub enum NodeKind<'a> {
    /// The document node (parent of the document element and of top-level comments and PIs).
    Document,
    /// An element.
    Element,
    /// Character data (CDATA sections are merged into text).
    Text(&'a str),
    /// A comment.
    Comment(&'a str),
    /// A processing instruction.
    ProcessingInstruction {
        /// The target.
        target: &'a str,
        /// The data, leading white space removed.
        data: &'a str,
    },
}

/// An attribute of an element (namespace declarations are not attributes).
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct Attribute<'a> {
    /// Expanded name.
    pub name: Name<'a>,
    /// The prefix used in the input (empty when unprefixed).
    pub prefix: &'a str,
    /// The normalized value.
    pub value: &'a str,
}

/// A namespace declaration written on an element.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct NamespaceDeclaration<'a> {
    /// Declared prefix; empty for the default namespace.
    pub prefix: &'a str,
    /// Bound URI; empty for `xmlns=""`.
    pub uri: &'a str,
}

/// State of an Id value in the document's Id index.
#[derive(Clone, Copy, Debug)]
enum IdEntry {
    Unique(NodeId),
    Duplicate,
}

/// An Id value appears on more than one element: references to it are ambiguous.
#[derive(Clone, Copy, Debug, Eq, PartialEq, thiserror::Error)]
#[error("duplicate id in document")]
pub struct DuplicateId;

/// A parsed XML document: immutable, namespace-aware, with an Id index.
#[derive(Clone)]
pub struct Document {
    pub(super) src: Box<str>,
    pub(super) decoded: String,
    pub(super) nodes: Vec<Node>,
    pub(super) attrs: Vec<Attr>,
    pub(super) decls: Vec<Decl>,
    ids: HashMap<Box<str>, IdEntry>,
    duplicate_ids: bool,
    root: u32,
}

impl fmt::Debug for Document {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Document")
            .field("bytes", &self.src.len())
            .field("nodes", &self.nodes.len())
            .finish_non_exhaustive()
    }
}

/// Attributes that act as Id attributes for same-document references: `wsu:Id`, and the
/// unqualified `Id`, `ID` and `AssertionID` (SAML 1.1), plus `xml:id`.
pub fn is_id_attribute(name: Name<'_>) -> bool {
    match name.ns {
        "" => matches!(name.local, "Id" | "ID" | "AssertionID"),
        ns::WSU => name.local == "Id",
        ns::XML => name.local == "id",
        _ => false,
    }
}

impl Document {
    /// Parses `input` with the default [`Limits`].
    pub fn parse(input: &[u8]) -> Result<Self, Error> {
        Self::parse_with(input, &Limits::default())
    }

    /// Parses `input` with the given limits.
    pub fn parse_with(input: &[u8], limits: &Limits) -> Result<Self, Error> {
        super::reader::parse(input, limits)
    }

    pub(super) fn from_parts(
        src: Box<str>,
        decoded: String,
        nodes: Vec<Node>,
        attrs: Vec<Attr>,
        decls: Vec<Decl>,
        root: u32,
    ) -> Self {
        let mut doc = Self {
            src,
            decoded,
            nodes,
            attrs,
            decls,
            ids: HashMap::new(),
            duplicate_ids: false,
            root,
        };
        doc.index_ids();
        doc
    }

    fn index_ids(&mut self) {
        let mut ids: HashMap<Box<str>, IdEntry> = HashMap::new();
        let mut dup = false;
        for i in 0..self.nodes.len() {
            let id = NodeId(i as u32);
            for a in self.attributes(id) {
                if !is_id_attribute(a.name) {
                    continue;
                }
                match ids.get_mut(a.value) {
                    None => {
                        ids.insert(a.value.into(), IdEntry::Unique(id));
                    }
                    // One element carrying two Id attributes with one value is harmless.
                    Some(IdEntry::Unique(prev)) if *prev == id => {}
                    Some(entry) => {
                        *entry = IdEntry::Duplicate;
                        dup = true;
                    }
                }
            }
        }
        self.ids = ids;
        self.duplicate_ids = dup;
    }

    pub(super) fn str(&self, s: Str) -> &str {
        let (buf, off) = if s.off & DECODED != 0 {
            (self.decoded.as_str(), (s.off & !DECODED) as usize)
        } else {
            (&*self.src, s.off as usize)
        };
        buf.get(off..off + s.len as usize).unwrap_or("")
    }

    fn node(&self, id: NodeId) -> &Node {
        // NodeIds are only created by this document, so the index is in range; fall back to
        // the document node rather than panic if a foreign id is passed.
        self.nodes.get(id.index()).unwrap_or(&self.nodes[0])
    }

    /// The input this document was parsed from (after removal of a UTF-8 BOM).
    pub fn source(&self) -> &str {
        &self.src
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Always false: a document has at least the document node and its element.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The document node.
    pub fn document_node(&self) -> NodeId {
        NodeId(0)
    }

    /// The document element.
    pub fn root(&self) -> NodeId {
        NodeId(self.root)
    }

    /// What the node is.
    pub fn kind(&self, id: NodeId) -> NodeKind<'_> {
        match &self.node(id).kind {
            Kind::Document => NodeKind::Document,
            Kind::Element { .. } => NodeKind::Element,
            Kind::Text(s) => NodeKind::Text(self.str(*s)),
            Kind::Comment(s) => NodeKind::Comment(self.str(*s)),
            Kind::Pi { target, data } => NodeKind::ProcessingInstruction {
                target: self.str(*target),
                data: self.str(*data),
            },
        }
    }

    /// True for element nodes.
    pub fn is_element(&self, id: NodeId) -> bool {
        matches!(self.node(id).kind, Kind::Element { .. })
    }

    /// The expanded name of an element (empty for other nodes).
    pub fn name(&self, id: NodeId) -> Name<'_> {
        match &self.node(id).kind {
            Kind::Element { name, .. } => Name {
                ns: self.str(name.ns),
                local: self.str(name.local),
            },
            _ => Name { ns: "", local: "" },
        }
    }

    /// True when `id` is the element `{ns}local`.
    pub fn is(&self, id: NodeId, ns: &str, local: &str) -> bool {
        self.name(id).is(ns, local)
    }

    /// The prefix an element was written with (empty when unprefixed).
    pub fn prefix(&self, id: NodeId) -> &str {
        match &self.node(id).kind {
            Kind::Element { name, .. } => self.str(name.prefix),
            _ => "",
        }
    }

    /// The parent node, `None` for the document node.
    pub fn parent(&self, id: NodeId) -> Option<NodeId> {
        if id.0 == 0 {
            None
        } else {
            Some(NodeId(self.node(id).parent))
        }
    }

    /// The parent element, `None` for the document element and the document node.
    pub fn parent_element(&self, id: NodeId) -> Option<NodeId> {
        self.parent(id).filter(|p| self.is_element(*p))
    }

    /// Byte range of an element in [`Self::source`] (start tag to end tag inclusive).
    pub fn span(&self, id: NodeId) -> Range<usize> {
        match &self.node(id).kind {
            Kind::Element { span, .. } => span.start as usize..span.end as usize,
            _ => 0..0,
        }
    }

    /// Byte range of an element's content in [`Self::source`] (after the start tag, before
    /// the end tag; empty for `<a/>`).
    pub fn content_span(&self, id: NodeId) -> Range<usize> {
        match &self.node(id).kind {
            Kind::Element { content, .. } => content.start as usize..content.end as usize,
            _ => 0..0,
        }
    }

    /// Index one past the last descendant of `id`.
    pub(super) fn subtree_end(&self, id: NodeId) -> u32 {
        self.node(id).end
    }

    /// True when `ancestor` is `node` or one of its ancestors.
    pub fn is_ancestor_or_self(&self, ancestor: NodeId, node: NodeId) -> bool {
        ancestor.0 <= node.0 && node.0 < self.node(ancestor).end
    }

    /// Direct children of a node, in document order.
    pub fn children(&self, id: NodeId) -> Children<'_> {
        Children {
            doc: self,
            next: id.0 + 1,
            end: self.node(id).end,
        }
    }

    /// Direct element children.
    pub fn child_elements(&self, id: NodeId) -> impl Iterator<Item = NodeId> + '_ {
        self.children(id).filter(move |c| self.is_element(*c))
    }

    /// The first child element named `{ns}local`.
    pub fn child(&self, id: NodeId, ns: &str, local: &str) -> Option<NodeId> {
        self.child_elements(id).find(|c| self.is(*c, ns, local))
    }

    /// All child elements named `{ns}local`.
    pub fn children_named<'a>(
        &'a self,
        id: NodeId,
        ns: &'a str,
        local: &'a str,
    ) -> impl Iterator<Item = NodeId> + 'a {
        self.child_elements(id)
            .filter(move |c| self.is(*c, ns, local))
    }

    /// The node and all its descendants, in document order.
    pub fn descendants_or_self(&self, id: NodeId) -> impl Iterator<Item = NodeId> {
        (id.0..self.node(id).end).map(NodeId)
    }

    /// Attributes of an element (empty for other nodes).
    pub fn attributes(&self, id: NodeId) -> impl ExactSizeIterator<Item = Attribute<'_>> + '_ {
        let range = match &self.node(id).kind {
            Kind::Element { attrs, .. } => attrs.start as usize..attrs.end as usize,
            _ => 0..0,
        };
        self.attrs[range].iter().map(move |a| Attribute {
            name: Name {
                ns: self.str(a.name.ns),
                local: self.str(a.name.local),
            },
            prefix: self.str(a.name.prefix),
            value: self.str(a.value),
        })
    }

    /// The value of attribute `{ns}local` (use `""` for unqualified attributes).
    pub fn attribute(&self, id: NodeId, ns: &str, local: &str) -> Option<&str> {
        self.attributes(id)
            .find(|a| a.name.is(ns, local))
            .map(|a| a.value)
    }

    /// Namespace declarations written on an element, in input order.
    pub fn namespace_declarations(
        &self,
        id: NodeId,
    ) -> impl ExactSizeIterator<Item = NamespaceDeclaration<'_>> + '_ {
        let range = match &self.node(id).kind {
            Kind::Element { decls, .. } => decls.start as usize..decls.end as usize,
            _ => 0..0,
        };
        self.decls[range].iter().map(move |d| NamespaceDeclaration {
            prefix: self.str(d.prefix),
            uri: self.str(d.uri),
        })
    }

    /// The namespace bound to `prefix` (empty string: the default namespace) in scope at `id`.
    /// `None` when unbound (or the default namespace is undeclared).
    pub fn lookup_namespace(&self, id: NodeId, prefix: &str) -> Option<&str> {
        if prefix == "xml" {
            return Some(ns::XML);
        }
        let mut cur = Some(id);
        while let Some(n) = cur {
            if let Some(d) = self.namespace_declarations(n).find(|d| d.prefix == prefix) {
                return (!d.uri.is_empty()).then_some(d.uri);
            }
            cur = self.parent_element(n);
        }
        None
    }

    /// Concatenated text of the direct text children of `id`.
    pub fn text(&self, id: NodeId) -> std::borrow::Cow<'_, str> {
        let mut texts = self.children(id).filter_map(|c| match self.kind(c) {
            NodeKind::Text(t) => Some(t),
            _ => None,
        });
        match (texts.next(), texts.next()) {
            (None, _) => "".into(),
            (Some(t), None) => t.into(),
            (Some(a), Some(b)) => {
                let mut s = String::from(a);
                s.push_str(b);
                texts.for_each(|t| s.push_str(t));
                s.into()
            }
        }
    }

    /// The element carrying Id value `value` (see [`is_id_attribute`]).
    ///
    /// Returns `Err(DuplicateId)` when several elements carry it: a reference to it is
    /// ambiguous and must be refused.
    pub fn element_by_id(&self, value: &str) -> Result<Option<NodeId>, DuplicateId> {
        match self.ids.get(value) {
            None => Ok(None),
            Some(IdEntry::Unique(id)) => Ok(Some(*id)),
            Some(IdEntry::Duplicate) => Err(DuplicateId),
        }
    }

    /// True when some Id value appears on more than one element.
    pub fn has_duplicate_ids(&self) -> bool {
        self.duplicate_ids
    }

    /// The Id value of an element, if it has one.
    pub fn id_of(&self, id: NodeId) -> Option<&str> {
        self.attributes(id)
            .find(|a| is_id_attribute(a.name))
            .map(|a| a.value)
    }
}

/// Iterator over the direct children of a node.
#[derive(Clone, Debug)]
pub struct Children<'a> {
    doc: &'a Document,
    next: u32,
    end: u32,
}

impl Iterator for Children<'_> {
    type Item = NodeId;

    fn next(&mut self) -> Option<NodeId> {
        if self.next >= self.end {
            return None;
        }
        let id = NodeId(self.next);
        self.next = self.doc.node(id).end;
        Some(id)
    }
}
