//! Captures: the writer computes the exclusive canonical form of chosen elements while it
//! writes them, so a signature over our own output is made over what was just written,
//! without parsing it back (issue 16 item 6, "sign in the tree").
//!
//! A capture starts on an element (its apex) and follows every event the writer emits under
//! it: each start tag is rendered by the Exclusive XML Canonicalization rules (the namespaces
//! the element visibly utilizes that no output ancestor inside the capture rendered with the
//! same value, sorted by prefix; then the attributes sorted by namespace URI and local name;
//! empty elements as start and end tag), text and attribute values are copied as the writer
//! escaped them (its escaping is that of Canonical XML), comments are left out (or kept, for
//! the plaintext of XML Encryption's Content type). Text inserted with
//! `Writer::insert_own_output` is parsed, and only that text, and canonicalized below the
//! bindings the capture has rendered. Property tests prove the result byte-equal to
//! [`crate::xml::canonicalize`] over the parsed output.

use std::ops::Range;

use super::c14n::canonicalize_below;
use super::ns;
use super::tree::{is_id_attribute, Document, Name, NodeKind};
use super::Error;

/// What a capture collects.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum CaptureKind {
    /// The exclusive canonical form (without comments) of the element: what a reference to
    /// it with the exc-c14n transform digests, and with the enveloped-signature transform
    /// too when the signature is inserted into the element afterwards.
    Element,
    /// The content of the element as XML Encryption's Content type encrypts it: each child
    /// element in its exclusive canonical form with comments, the text between them escaped,
    /// comments between them left out.
    Content,
}

/// A finished capture.
#[derive(Debug)]
pub struct Captured {
    id: Option<String>,
    kind: CaptureKind,
    canonical: Vec<u8>,
    content: Range<usize>,
}

impl Captured {
    /// The Id value that started the capture ([`super::Writer::capture_ids`]), if any.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// What was collected.
    pub fn kind(&self) -> CaptureKind {
        self.kind
    }

    /// The canonical bytes.
    pub fn canonical(&self) -> &[u8] {
        &self.canonical
    }

    /// The canonical bytes, owned.
    pub fn into_canonical(self) -> Vec<u8> {
        self.canonical
    }

    /// Where the element's content is in the writer's output (bytes). An element captured
    /// by name is always written with an end tag, so text inserted at `content().end` goes
    /// in as its last child; for an element captured by Id and written as `<a/>`, the range
    /// is empty and just after it, as [`Document::content_span`] says.
    pub fn content(&self) -> Range<usize> {
        self.content.clone()
    }
}

#[derive(Debug)]
struct Capture {
    id: Option<String>,
    kind: CaptureKind,
    /// Number of open elements when the apex is the innermost.
    depth: usize,
    out: Vec<u8>,
    /// Bindings rendered by output ancestors inside the capture, innermost last.
    rendered: Vec<(String, String)>,
    /// `rendered.len()` before each open element of the capture.
    marks: Vec<usize>,
    content_start: usize,
}

impl Capture {
    /// True when the element at `depth` is this capture's apex and its tags are not output.
    fn hides(&self, depth: usize) -> bool {
        self.kind == CaptureKind::Content && self.depth == depth
    }

    fn rendered(&self, prefix: &str) -> Option<&str> {
        innermost(&self.rendered, prefix)
    }
}

/// The writer's capture state: the open start tag's name and attributes (as byte ranges of
/// the output, recorded always, so a capture may start anywhere in a start tag), the Ids
/// that start captures, the active captures and the finished ones.
#[derive(Debug, Default)]
pub(super) struct Captures {
    tag_name: Range<usize>,
    tag_attrs: Vec<(Range<usize>, Range<usize>)>,
    watch: Vec<String>,
    found: Vec<String>,
    /// A capture for the next element started.
    next: Option<CaptureKind>,
    active: Vec<Capture>,
    done: Vec<Captured>,
}

fn split_qname(q: &str) -> (&str, &str) {
    q.split_once(':').unwrap_or(("", q))
}

/// The URI of the innermost binding of `prefix` in `bindings` (innermost last): the
/// writer's scope and each capture's rendered bindings.
pub(super) fn innermost<'b>(bindings: &'b [(String, String)], prefix: &str) -> Option<&'b str> {
    bindings
        .iter()
        .rev()
        .find(|(p, _)| p == prefix)
        .map(|(_, u)| u.as_str())
}

fn lookup<'b>(bindings: &'b [(String, String)], prefix: &str) -> &'b str {
    match prefix {
        "xml" => ns::XML,
        _ => innermost(bindings, prefix).unwrap_or(""),
    }
}

impl Captures {
    /// A start tag began (the element is the innermost of `depth` open ones); its qualified
    /// name is at `name` in the output.
    pub(super) fn start(&mut self, name: Range<usize>, depth: usize) {
        self.tag_name = name;
        self.tag_attrs.clear();
        if let Some(kind) = self.next.take() {
            self.begin(None, kind, depth);
        }
    }

    /// Captures the next element started.
    pub(super) fn next(&mut self, kind: CaptureKind) {
        self.next = Some(kind);
    }

    /// An attribute of the open start tag: its qualified name and escaped value in the
    /// output. Starts a capture when it is an Id with a watched value; a watched value met
    /// twice is an error.
    pub(super) fn attribute(
        &mut self,
        qname: Range<usize>,
        value: Range<usize>,
        name: Name<'_>,
        raw_value: &str,
        depth: usize,
    ) -> Result<(), &'static str> {
        self.tag_attrs.push((qname, value));
        if (self.watch.is_empty() && self.found.is_empty()) || !is_id_attribute(name) {
            return Ok(());
        }
        if self.found.iter().any(|f| f == raw_value) {
            return Err("an Id to sign appears twice");
        }
        if let Some(i) = self.watch.iter().position(|w| w == raw_value) {
            let id = self.watch.swap_remove(i);
            self.found.push(id.clone());
            self.begin(Some(id), CaptureKind::Element, depth);
        }
        Ok(())
    }

    /// Watches for elements carrying an Id attribute with one of `ids`.
    pub(super) fn watch(&mut self, ids: impl IntoIterator<Item = String>) {
        self.watch.extend(ids);
    }

    /// Starts a capture on the element whose start tag is open.
    pub(super) fn begin(&mut self, id: Option<String>, kind: CaptureKind, depth: usize) {
        self.active.push(Capture {
            id,
            kind,
            depth,
            out: Vec::with_capacity(1024),
            rendered: Vec::new(),
            marks: Vec::new(),
            content_start: 0,
        });
    }

    /// True when the innermost open element (at `depth`) is the apex of a capture asked for
    /// by name ([`super::Writer::capture`], [`super::Writer::capture_next`]): it gets an end
    /// tag even when empty, so that its content has a place for an enveloped signature. An
    /// element captured by its Id keeps the form it would have had.
    pub(super) fn needs_end_tag(&self, depth: usize) -> bool {
        self.active
            .iter()
            .any(|c| c.depth == depth && c.id.is_none())
    }

    /// The open start tag was closed (`out` ends with its `>`): renders it in each capture.
    pub(super) fn close_start(&mut self, out: &str, bindings: &[(String, String)], depth: usize) {
        if self.active.is_empty() {
            return;
        }
        let qname = &out[self.tag_name.clone()];
        let (element_prefix, _) = split_qname(qname);
        let mut attrs: Vec<(&str, &str, &str, &str)> = Vec::with_capacity(self.tag_attrs.len());
        let mut used: Vec<&str> = vec![element_prefix];
        for (q, v) in &self.tag_attrs {
            let q = &out[q.clone()];
            let (prefix, local) = split_qname(q);
            if !prefix.is_empty() && prefix != "xml" {
                used.push(prefix);
            }
            // An unprefixed attribute is in no namespace, whatever the default.
            let uri = if prefix.is_empty() {
                ""
            } else {
                lookup(bindings, prefix)
            };
            attrs.push((uri, local, q, &out[v.clone()]));
        }
        attrs.sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        used.sort_unstable();
        used.dedup();
        for cap in &mut self.active {
            cap.marks.push(cap.rendered.len());
            if cap.depth == depth {
                cap.content_start = out.len();
            }
            if cap.hides(depth) {
                continue;
            }
            cap.out.push(b'<');
            cap.out.extend_from_slice(qname.as_bytes());
            for p in &used {
                let uri = lookup(bindings, p);
                let differs = match cap.rendered(p) {
                    Some(r) => r != uri,
                    None => !(p.is_empty() && uri.is_empty()),
                };
                if differs {
                    if p.is_empty() {
                        cap.out.extend_from_slice(b" xmlns=\"");
                    } else {
                        cap.out.extend_from_slice(b" xmlns:");
                        cap.out.extend_from_slice(p.as_bytes());
                        cap.out.extend_from_slice(b"=\"");
                    }
                    // A namespace URI is escaped as an attribute value, as the writer did.
                    let mut escaped = String::new();
                    super::escape::push_escaped(
                        &mut escaped,
                        uri,
                        super::escape::Context::Attribute,
                    );
                    cap.out.extend_from_slice(escaped.as_bytes());
                    cap.out.push(b'"');
                    cap.rendered.push(((*p).to_owned(), uri.to_owned()));
                }
            }
            for (_, _, q, v) in &attrs {
                cap.out.push(b' ');
                cap.out.extend_from_slice(q.as_bytes());
                cap.out.extend_from_slice(b"=\"");
                cap.out.extend_from_slice(v.as_bytes());
                cap.out.push(b'"');
            }
            cap.out.push(b'>');
        }
    }

    /// Escaped character data (or a processing instruction) the writer just wrote.
    pub(super) fn text(&mut self, written: &str) {
        for cap in &mut self.active {
            cap.out.extend_from_slice(written.as_bytes());
        }
    }

    /// A comment the writer just wrote at `depth` open elements.
    pub(super) fn comment(&mut self, written: &str, depth: usize) {
        for cap in &mut self.active {
            if cap.kind == CaptureKind::Content && !cap.hides(depth) {
                cap.out.extend_from_slice(written.as_bytes());
            }
        }
    }

    /// Text the writer inserted as it is (its own earlier output) at `depth` open elements:
    /// parsed and canonicalized below what each capture rendered.
    pub(super) fn fragment(&mut self, xml: &str, depth: usize) -> Result<(), Error> {
        if self.active.is_empty() {
            return Ok(());
        }
        let wrapped = format!("<f>{xml}</f>");
        let doc = Document::parse(wrapped.as_bytes())?;
        for cap in &mut self.active {
            let comments = cap.kind == CaptureKind::Content;
            for child in doc.children(doc.root()) {
                if cap.hides(depth) && matches!(doc.kind(child), NodeKind::Comment(_)) {
                    continue;
                }
                // Below a hidden apex nothing is rendered: each child stands alone.
                let outer: &[(String, String)] = if cap.hides(depth) { &[] } else { &cap.rendered };
                canonicalize_below(&doc, child, comments, outer, &mut cap.out)?;
            }
        }
        Ok(())
    }

    /// The element at `depth` ends: its end tag `</qname>` is about to be written at byte
    /// `at`. Finishes the captures whose apex it is.
    pub(super) fn end(&mut self, qname: &str, depth: usize, at: usize) {
        for cap in &mut self.active {
            if !cap.hides(depth) {
                cap.out.extend_from_slice(b"</");
                cap.out.extend_from_slice(qname.as_bytes());
                cap.out.push(b'>');
            }
            if let Some(m) = cap.marks.pop() {
                cap.rendered.truncate(m);
            }
        }
        while self.active.last().is_some_and(|c| c.depth == depth) {
            if let Some(cap) = self.active.pop() {
                self.done.push(Captured {
                    id: cap.id,
                    kind: cap.kind,
                    canonical: cap.out,
                    content: cap.content_start..at,
                });
            }
        }
    }

    /// The finished captures, in the order their elements ended.
    pub(super) fn into_done(self) -> Vec<Captured> {
        self.done
    }
}

/// In debug builds (so in every test that signs our own output): each capture equals the
/// canonical form of its element in the parsed output. Output that is not one document
/// (a fragment with several top-level nodes) is not checked.
pub(super) fn debug_check(out: &str, done: &[Captured]) {
    if !cfg!(debug_assertions) || done.is_empty() {
        return;
    }
    let Ok(doc) = Document::parse(out.as_bytes()) else {
        return;
    };
    for cap in done {
        let node = match &cap.id {
            Some(id) => doc.element_by_id(id).ok().flatten(),
            None => doc
                .descendants_or_self(doc.root())
                .find(|&n| doc.is_element(n) && doc.content_span(n) == cap.content),
        };
        let Some(node) = node else {
            panic!("captured element not found in the output");
        };
        let mut expected = Vec::new();
        let result = match cap.kind {
            CaptureKind::Element => {
                super::canonicalize(&doc, node, &super::C14nOptions::exclusive(), &mut expected)
            }
            CaptureKind::Content => doc.children(node).try_for_each(|c| {
                let opts = super::C14nOptions::exclusive().with_comments(doc.is_element(c));
                super::canonicalize(&doc, c, &opts, &mut expected)
            }),
        };
        assert!(result.is_ok(), "canonicalizing the written output failed");
        assert_eq!(
            String::from_utf8_lossy(&cap.canonical),
            String::from_utf8_lossy(&expected),
            "a capture differs from the canonical form of what was written"
        );
    }
}

#[cfg(test)]
mod tests;
