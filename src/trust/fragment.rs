//! Owned, re-serializable XML content: what the model keeps of elements it does not type
//! (extension elements, tokens inside containers, `SecurityTokenReference`s).

use std::fmt;
use std::sync::{Arc, OnceLock};

use super::codec::is_xml_space;
use super::Error;
use crate::xml::{self, C14nOptions, Document, Limits, Name, NodeId, NodeKind, Writer};

/// Local name of the no-namespace wrapper element that holds the content.
const WRAPPER: &str = "f";

/// A sequence of XML nodes (elements, significant text, comments) copied out of a parsed
/// document, owned and independent of it.
///
/// The content is kept as text our [`Writer`] produced: every element copied out of a parsed
/// document is copied with [`Writer::copy`], so it carries a declaration of every namespace
/// that was in scope where it was read and keeps its meaning (including QName-valued content
/// such as `xsi:type`) wherever it is written again. White-space-only text between elements
/// is not kept. Content we write ourselves ([`Fragment::build`], or our own text handed over)
/// is kept as written, without a parse; it is parsed once, on first use, only if something
/// reads its nodes, and is written into other output as it is (see [`Fragment::write`]).
///
/// Two fragments are equal when their exclusive canonical forms (with comments) are equal, so
/// namespace declarations that differ only in where they were written do not matter.
#[derive(Clone)]
pub struct Fragment {
    /// The content (immutable, so shared by clones); `None` for empty content.
    inner: Option<Arc<Inner>>,
}

struct Inner {
    /// The content inside a no-namespace `<f>` wrapper: writer output.
    wrapped: String,
    /// `wrapped` parsed, on first use (`None` if it could not be).
    doc: OnceLock<Option<Document>>,
    /// Written by us as it is (not copied out of a parsed document).
    own: bool,
}

impl Inner {
    fn doc(&self) -> Option<&Document> {
        self.doc
            .get_or_init(|| Document::parse_with(self.wrapped.as_bytes(), &limits()).ok())
            .as_ref()
    }
}

impl Fragment {
    /// Empty content.
    pub fn empty() -> Self {
        Self { inner: None }
    }

    /// A copy of element `el` of `doc` (with its subtree).
    pub fn from_element(doc: &Document, el: NodeId) -> Result<Self, Error> {
        Self::from_nodes(doc, std::iter::once(el))
    }

    /// A copy of the content of element `el` (its child elements, non-white-space text and
    /// comments).
    pub fn from_children(doc: &Document, el: NodeId) -> Result<Self, Error> {
        Self::from_nodes(doc, doc.children(el))
    }

    /// A copy of the given nodes of `doc`, in the order given.
    pub fn from_nodes(
        doc: &Document,
        nodes: impl IntoIterator<Item = NodeId>,
    ) -> Result<Self, Error> {
        let mut w = Writer::new();
        w.start("", WRAPPER);
        let mut any = false;
        for n in nodes {
            match doc.kind(n) {
                NodeKind::Element => {
                    w.copy(doc, n);
                    any = true;
                }
                NodeKind::Text(t) if !t.chars().all(is_xml_space) => {
                    w.text(t);
                    any = true;
                }
                NodeKind::Comment(c) => {
                    w.comment(c);
                    any = true;
                }
                _ => {}
            }
        }
        w.end();
        let out = w.finish()?;
        if !any {
            return Ok(Self::empty());
        }
        Self::from_wrapped(out)
    }

    /// Parses `xml` as content (one or more elements, text, comments). Every prefix used must
    /// be declared inside `xml`. This is the constructor for text from outside.
    pub fn parse(xml: &str) -> Result<Self, Error> {
        let wrapped = format!("<{WRAPPER}>{xml}</{WRAPPER}>");
        let doc = Document::parse_with(wrapped.as_bytes(), &limits())?;
        // Normalize through the writer, so the stored text is always writer output.
        Self::from_children(&doc, doc.root())
    }

    /// Content written by `write` into a fresh [`Writer`]: kept as written, not parsed.
    pub fn build(write: impl FnOnce(&mut Writer)) -> Result<Self, Error> {
        let mut w = Writer::new();
        write(&mut w);
        Ok(Self::from_own_output(w.finish()?))
    }

    /// Content that a fresh [`Writer`] of ours produced (possibly with a whole element of
    /// another fresh `Writer`'s output inserted before an end tag, as an enveloped signature
    /// is), kept as it is, without a parse. Never for text from outside: that is
    /// [`Fragment::parse`]'s job.
    pub(crate) fn from_own_output(xml: String) -> Self {
        if xml.is_empty() {
            return Self::empty();
        }
        let mut wrapped = String::with_capacity(xml.len() + 2 * WRAPPER.len() + 5);
        wrapped.push('<');
        wrapped.push_str(WRAPPER);
        wrapped.push('>');
        wrapped.push_str(&xml);
        wrapped.push_str("</");
        wrapped.push_str(WRAPPER);
        wrapped.push('>');
        let f = Self {
            inner: Some(Arc::new(Inner {
                wrapped,
                doc: OnceLock::new(),
                own: true,
            })),
        };
        debug_assert!(
            f.document().is_some(),
            "own output that does not parse as content"
        );
        f
    }

    fn from_wrapped(wrapped: String) -> Result<Self, Error> {
        let doc = Document::parse_with(wrapped.as_bytes(), &limits())?;
        let root = doc.root();
        if !doc.is(root, "", WRAPPER) {
            return Err(Error::Unexpected {
                what: "fragment wrapper",
            });
        }
        Ok(Self {
            inner: Some(Arc::new(Inner {
                wrapped,
                doc: OnceLock::from(Some(doc)),
                own: false,
            })),
        })
    }

    /// True when there is no content.
    pub fn is_empty(&self) -> bool {
        self.inner.is_none()
    }

    /// The content as XML text (writer output: escaped, with namespace declarations).
    pub fn as_str(&self) -> &str {
        let Some(inner) = &self.inner else {
            return "";
        };
        let open = WRAPPER.len() + 2;
        let close = WRAPPER.len() + 3;
        inner
            .wrapped
            .get(open..inner.wrapped.len().saturating_sub(close))
            .unwrap_or("")
    }

    fn doc(&self) -> Option<&Document> {
        self.inner.as_deref().and_then(Inner::doc)
    }

    /// The document holding the content, with the node whose children are the content.
    pub fn document(&self) -> Option<(&Document, NodeId)> {
        self.doc().map(|d| (d, d.root()))
    }

    /// The element nodes of the content, in order (ids into [`Self::document`]).
    pub fn elements(&self) -> Vec<NodeId> {
        match self.doc() {
            Some(d) => d.child_elements(d.root()).collect(),
            None => Vec::new(),
        }
    }

    /// The first element of the content, with its document.
    pub fn first_element(&self) -> Option<(&Document, NodeId)> {
        let d = self.doc()?;
        d.child_elements(d.root()).next().map(|e| (d, e))
    }

    /// The expanded name of the first element.
    pub fn first_name(&self) -> Option<Name<'_>> {
        self.first_element().map(|(d, e)| d.name(e))
    }

    /// Non-white-space text directly in the content (outside elements), trimmed.
    pub fn text(&self) -> String {
        match self.doc() {
            Some(d) => super::codec::trim_xml(&d.text(d.root())).to_owned(),
            None => String::new(),
        }
    }

    /// Writes the content into `w` at its current position. Content we wrote goes in as it
    /// is (unless a default namespace is bound there, which its no-namespace elements would
    /// fall into); content read from a document is copied node by node, so it declares only
    /// the namespaces `w` does not already have in scope, and reading and writing it again
    /// gives the same text.
    pub fn write(&self, w: &mut Writer) {
        let Some(inner) = &self.inner else {
            return;
        };
        if inner.own && w.can_insert_own_output() {
            w.insert_own_output(self.as_str());
            return;
        }
        let Some(doc) = self.doc() else {
            // Content that does not parse cannot be copied: the writer records the failure.
            w.insert_own_output(self.as_str());
            return;
        };
        for n in doc.children(doc.root()) {
            match doc.kind(n) {
                NodeKind::Element => {
                    w.copy(doc, n);
                }
                NodeKind::Text(t) => {
                    w.text(t);
                }
                NodeKind::Comment(c) => {
                    w.comment(c);
                }
                _ => {}
            }
        }
    }

    /// Exclusive canonical form (with comments) of the content.
    pub fn canonical(&self) -> Result<Vec<u8>, Error> {
        let Some(inner) = &self.inner else {
            return Ok(Vec::new());
        };
        let Some(doc) = inner.doc() else {
            return Err(Error::Unexpected {
                what: "fragment text",
            });
        };
        let mut out = Vec::new();
        let opts = C14nOptions::exclusive().with_comments(true);
        for n in doc.children(doc.root()) {
            xml::canonicalize(doc, n, &opts, &mut out)?;
        }
        Ok(out)
    }
}

/// Limits for re-reading copied content: the defaults, but room for all the namespace
/// declarations a copy may gather onto its top element.
fn limits() -> Limits {
    let mut l = Limits::default();
    l.max_namespace_declarations = l.max_namespaces_in_scope;
    l
}

impl Default for Fragment {
    fn default() -> Self {
        Self::empty()
    }
}

impl PartialEq for Fragment {
    fn eq(&self, other: &Self) -> bool {
        match (self.canonical(), other.canonical()) {
            (Ok(a), Ok(b)) => a == b,
            _ => self.as_str() == other.as_str(),
        }
    }
}

impl Eq for Fragment {}

impl fmt::Debug for Fragment {
    /// Shows the size and the first element's name only: content may hold credentials.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Fragment");
        d.field("bytes", &self.as_str().len());
        if let Some(n) = self.first_name() {
            d.field("first", &format_args!("{n}"));
        }
        d.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_keep_namespaces_and_compare_canonically() {
        let a = Document::parse(
            br#"<r xmlns:a="urn:a" xmlns:b="urn:b"><a:x b:y="1"> <a:z>t</a:z> </a:x></r>"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let x = a
            .child(a.root(), "urn:a", "x")
            .unwrap_or_else(|| panic!("x"));
        let f = Fragment::from_element(&a, x).unwrap_or_else(|e| panic!("{e}"));
        assert!(f.as_str().contains("xmlns:a=\"urn:a\""));
        let g =
            Fragment::parse(r#"<p:x xmlns:p="urn:a" xmlns:q="urn:b" q:y="1"> <p:z>t</p:z> </p:x>"#)
                .unwrap_or_else(|e| panic!("{e}"));
        assert_ne!(f, g, "prefixes are kept, so they matter");
        let h = Fragment::parse(
            r#"<a:x xmlns:a="urn:a" xmlns:b="urn:b" xmlns:c="urn:c" b:y="1"> <a:z>t</a:z> </a:x>"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(f, h, "unused declarations do not matter");
        assert_eq!(f.first_name(), Some(Name::new("urn:a", "x")));
    }

    #[test]
    fn content_drops_white_space_only_text_and_round_trips() {
        let d =
            Document::parse(b"<r>\n  <x/>\n  text <!--c--></r>").unwrap_or_else(|e| panic!("{e}"));
        let f = Fragment::from_children(&d, d.root()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(f.as_str(), "<x/>\n  text <!--c-->");
        assert_eq!(f.text(), "text");
        let mut w = Writer::new();
        w.start("urn:w", "w");
        f.write(&mut w);
        w.end();
        let s = w.finish().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            s,
            "<ns1:w xmlns:ns1=\"urn:w\"><x/>\n  text <!--c--></ns1:w>"
        );
        let empty = Document::parse(b"<r>  </r>").unwrap_or_else(|e| panic!("{e}"));
        let e = Fragment::from_children(&empty, empty.root()).unwrap_or_else(|e| panic!("{e}"));
        assert!(e.is_empty());
        assert_eq!(e, Fragment::empty());
    }

    #[test]
    fn parse_refuses_escaping_the_wrapper() {
        assert!(Fragment::parse("a</f><f>b").is_err());
        assert!(Fragment::parse("<x:y/>").is_err());
        assert!(Fragment::parse("<?xml version=\"1.0\"?><x/>").is_err());
    }

    #[test]
    fn own_output_is_kept_as_written_and_read_on_demand() {
        let f = Fragment::build(|w| {
            w.start("urn:a", "x").attr("", "Id", "i&1");
            w.element_text("urn:b", "y", "t<");
            w.end();
        })
        .unwrap_or_else(|e| panic!("{e}"));
        let text = r#"<ns1:x xmlns:ns1="urn:a" Id="i&amp;1"><ns2:y xmlns:ns2="urn:b">t&lt;</ns2:y></ns1:x>"#;
        assert_eq!(f.as_str(), text);
        assert_eq!(f.first_name(), Some(Name::new("urn:a", "x")));
        assert_eq!(f.elements().len(), 1);
        let parsed = Fragment::parse(text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(f, parsed);
        assert_eq!(
            f.as_str(),
            parsed.as_str(),
            "the parse normalizes to the same text"
        );
        assert!(Fragment::from_own_output(String::new()).is_empty());
        assert!(Fragment::build(|_| {})
            .map(|f| f.is_empty())
            .unwrap_or(false));
        assert!(Fragment::build(|w| {
            w.start("urn:a", "unclosed");
        })
        .is_err());

        // Into a writer: as it is, or copied where a default namespace is bound.
        let plain = Fragment::build(|w| {
            w.start("", "n").end();
        })
        .unwrap_or_else(|e| panic!("{e}"));
        let mut w = Writer::new();
        w.start("urn:w", "w");
        plain.write(&mut w);
        w.end();
        assert_eq!(
            w.finish().ok().as_deref(),
            Some(r#"<ns1:w xmlns:ns1="urn:w"><n/></ns1:w>"#)
        );
        let mut w = Writer::new();
        w.start_prefixed("urn:w", "w", Some(""));
        plain.write(&mut w);
        w.end();
        assert_eq!(
            w.finish().ok().as_deref(),
            Some(r#"<w xmlns="urn:w"><n xmlns=""/></w>"#)
        );
    }
}
