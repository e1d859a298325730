//! Canonical XML 1.0 and Exclusive XML Canonicalization 1.0 over a subtree of a [`Document`].
//!
//! ```text
//! Exclusive XML Canonicalization Version 1.0, W3C Recommendation 18 July 2002, §3:
//! "A namespace node N with a prefix that does not appear in the InclusiveNamespaces
//!  PrefixList is rendered if all of the conditions are met: its parent element is in the
//!  node-set, and it is visibly utilized by its parent element, and the prefix has not yet
//!  been rendered by any output ancestor, or the nearest output ancestor of its parent
//!  element that visibly utilizes the namespace prefix does not have a namespace node in the
//!  node-set with the same namespace prefix and value as N."
//! ```
//! <https://www.w3.org/TR/xml-exc-c14n/>
//!
//! The node-set is always a whole subtree (what same-document `#id` references and
//! `URI=""` select), optionally minus one excluded subtree (the enveloped-signature
//! transform). Output streams into any [`std::io::Write`], such as a digest sink, through a
//! small buffer, so no canonical copy of the document is ever held.

use std::io::Write;

use super::escape::{escape, Context};
use super::ns;
use super::tree::{Document, NodeId, NodeKind};
use super::Error;

/// Which canonicalization algorithm.
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq)]
#[non_exhaustive]
pub enum C14nMethod {
    /// Exclusive XML Canonicalization 1.0 (`http://www.w3.org/2001/10/xml-exc-c14n#`).
    #[default]
    Exclusive,
    /// Canonical XML 1.0 (`http://www.w3.org/TR/2001/REC-xml-c14n-20010315`), for verifying.
    Inclusive,
}

/// Options of one canonicalization.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct C14nOptions {
    /// The algorithm. Default: exclusive.
    pub method: C14nMethod,
    /// Keep comments. Default: false.
    pub with_comments: bool,
    /// InclusiveNamespaces PrefixList (exclusive only); `#default` names the default
    /// namespace. Default: empty.
    pub inclusive_prefixes: Vec<String>,
    /// A subtree left out of the output (the enveloped-signature transform). Default: none.
    pub exclude: Option<NodeId>,
}

impl C14nOptions {
    /// Exclusive c14n without comments and with an empty PrefixList.
    pub fn exclusive() -> Self {
        Self::default()
    }

    /// Inclusive c14n 1.0 without comments.
    pub fn inclusive() -> Self {
        Self {
            method: C14nMethod::Inclusive,
            ..Self::default()
        }
    }

    /// Sets `with_comments`.
    pub fn with_comments(mut self, yes: bool) -> Self {
        self.with_comments = yes;
        self
    }

    /// Sets the InclusiveNamespaces PrefixList from its attribute value (white-space separated).
    pub fn with_prefix_list(mut self, list: &str) -> Self {
        self.inclusive_prefixes = list.split_ascii_whitespace().map(str::to_owned).collect();
        self
    }

    /// Sets the excluded subtree.
    pub fn excluding(mut self, node: NodeId) -> Self {
        self.exclude = Some(node);
        self
    }
}

/// Canonicalizes `node` (an element, or the document node for the whole document) into `out`.
pub fn canonicalize<W: Write>(
    doc: &Document,
    node: NodeId,
    opts: &C14nOptions,
    out: W,
) -> Result<(), Error> {
    let mut c = Canon {
        doc,
        opts,
        out: Buffered::new(out),
        scope: Vec::new(),
        rendered: Vec::new(),
        inclusive_default: opts.inclusive_prefixes.iter().any(|p| p == "#default"),
        scratch_ns: Vec::new(),
        scratch_attrs: Vec::new(),
    };
    if doc.kind(node) == NodeKind::Document {
        c.document(node)?;
    } else if doc.is_element(node) {
        c.seed_scope(node);
        c.subtree(node)?;
    } else {
        c.leaf(node)?;
    }
    c.out.flush()
}

/// Exclusive c14n of `node` (an element, text, comment or processing instruction of `doc`)
/// as output below output ancestors that rendered the bindings `outer` (prefix, uri;
/// innermost last), so a binding they rendered with the same value is not rendered again:
/// how the writer's captures take in a fragment inserted into output they cover.
pub(super) fn canonicalize_below<'d, W: Write>(
    doc: &'d Document,
    node: NodeId,
    with_comments: bool,
    outer: &'d [(String, String)],
    out: W,
) -> Result<(), Error> {
    let opts = C14nOptions::exclusive().with_comments(with_comments);
    let mut c = Canon {
        doc,
        opts: &opts,
        out: Buffered::new(out),
        scope: Vec::new(),
        rendered: outer
            .iter()
            .map(|(p, u)| (p.as_str(), u.as_str()))
            .collect(),
        inclusive_default: false,
        scratch_ns: Vec::new(),
        scratch_attrs: Vec::new(),
    };
    if doc.is_element(node) {
        c.seed_scope(node);
        c.subtree(node)?;
    } else {
        c.leaf(node)?;
    }
    c.out.flush()
}

struct Buffered<W: Write> {
    w: W,
    buf: Vec<u8>,
}

impl<W: Write> Buffered<W> {
    fn new(w: W) -> Self {
        Self {
            w,
            buf: Vec::with_capacity(8192),
        }
    }

    #[inline]
    fn put(&mut self, s: &str) -> Result<(), Error> {
        self.buf.extend_from_slice(s.as_bytes());
        if self.buf.len() >= 8192 {
            self.drain()?;
        }
        Ok(())
    }

    fn drain(&mut self) -> Result<(), Error> {
        self.w
            .write_all(&self.buf)
            .map_err(|_| Error::Io("canonical output sink failed"))?;
        self.buf.clear();
        Ok(())
    }

    fn flush(&mut self) -> Result<(), Error> {
        self.drain()?;
        self.w
            .flush()
            .map_err(|_| Error::Io("canonical output sink failed"))
    }

    fn text(&mut self, s: &str) -> Result<(), Error> {
        escape(s, Context::Text, |piece| self.put(piece))
    }

    fn attr_value(&mut self, s: &str) -> Result<(), Error> {
        escape(s, Context::Attribute, |piece| self.put(piece))
    }
}

struct Canon<'d, 'o, W: Write> {
    doc: &'d Document,
    opts: &'o C14nOptions,
    out: Buffered<W>,
    /// In-scope bindings (prefix, uri), innermost last; uri empty for `xmlns=""`.
    scope: Vec<(&'d str, &'d str)>,
    /// Bindings rendered by output ancestors, innermost last, with a per-element mark.
    rendered: Vec<(&'d str, &'d str)>,
    inclusive_default: bool,
    scratch_ns: Vec<(&'d str, &'d str)>,
    scratch_attrs: Vec<(&'d str, &'d str, &'d str, &'d str)>,
}

impl<'d, W: Write> Canon<'d, '_, W> {
    fn document(&mut self, node: NodeId) -> Result<(), Error> {
        let root = self.doc.root();
        for child in self.doc.children(node) {
            if Some(child) == self.opts.exclude {
                continue;
            }
            let before = child < root;
            match self.doc.kind(child) {
                NodeKind::Element => self.subtree(child)?,
                NodeKind::Comment(_) if !self.opts.with_comments => continue,
                _ => {
                    if !before {
                        self.out.put("\n")?;
                    }
                    self.leaf(child)?;
                    if before {
                        self.out.put("\n")?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Loads the bindings in scope at `apex` from its ancestors, outermost first.
    fn seed_scope(&mut self, apex: NodeId) {
        let mut chain = Vec::new();
        let mut cur = self.doc.parent_element(apex);
        while let Some(p) = cur {
            chain.push(p);
            cur = self.doc.parent_element(p);
        }
        for p in chain.into_iter().rev() {
            for d in self.doc.namespace_declarations(p) {
                self.scope.push((d.prefix, d.uri));
            }
        }
    }

    fn in_scope(&self, prefix: &str) -> &'d str {
        self.scope
            .iter()
            .rev()
            .find(|(p, _)| *p == prefix)
            .map_or("", |(_, u)| u)
    }

    fn rendered(&self, prefix: &str) -> Option<&'d str> {
        self.rendered
            .iter()
            .rev()
            .find(|(p, _)| *p == prefix)
            .map(|(_, u)| *u)
    }

    fn leaf(&mut self, node: NodeId) -> Result<(), Error> {
        match self.doc.kind(node) {
            NodeKind::Text(t) => self.out.text(t),
            NodeKind::Comment(c) if self.opts.with_comments => {
                self.out.put("<!--")?;
                self.out.put(c)?;
                self.out.put("-->")
            }
            NodeKind::ProcessingInstruction { target, data } => {
                self.out.put("<?")?;
                self.out.put(target)?;
                if !data.is_empty() {
                    self.out.put(" ")?;
                    self.out.put(data)?;
                }
                self.out.put("?>")
            }
            _ => Ok(()),
        }
    }

    fn subtree(&mut self, apex: NodeId) -> Result<(), Error> {
        let end = self.doc.subtree_end(apex);
        // Open elements: (node, subtree end, scope mark, rendered mark).
        let mut open: Vec<(NodeId, u32, usize, usize)> = Vec::new();
        let mut i = apex.0;
        while i < end {
            while let Some(&(el, e_end, sm, rm)) = open.last() {
                if i < e_end {
                    break;
                }
                self.close(el)?;
                self.scope.truncate(sm);
                self.rendered.truncate(rm);
                open.pop();
            }
            let id = NodeId(i);
            if Some(id) == self.opts.exclude {
                i = self.doc.subtree_end(id);
                continue;
            }
            if self.doc.is_element(id) {
                let marks = (self.scope.len(), self.rendered.len());
                self.open(id, id == apex)?;
                open.push((id, self.doc.subtree_end(id), marks.0, marks.1));
            } else {
                self.leaf(id)?;
            }
            i += 1;
        }
        while let Some((el, _, sm, rm)) = open.pop() {
            self.close(el)?;
            self.scope.truncate(sm);
            self.rendered.truncate(rm);
        }
        Ok(())
    }

    fn open(&mut self, el: NodeId, is_apex: bool) -> Result<(), Error> {
        let doc = self.doc;
        for d in doc.namespace_declarations(el) {
            self.scope.push((d.prefix, d.uri));
        }
        let prefix = doc.prefix(el);
        self.scratch_ns.clear();
        match self.opts.method {
            C14nMethod::Exclusive => {
                self.consider(prefix);
                for a in doc.attributes(el) {
                    if !a.prefix.is_empty() && a.prefix != "xml" {
                        self.consider(a.prefix);
                    }
                }
                if self.inclusive_default {
                    self.consider("");
                }
                let opts = self.opts;
                for p in &opts.inclusive_prefixes {
                    if p != "#default" && p != "xml" && p != "xmlns" {
                        // Only prefixes in scope can be rendered.
                        let found = self
                            .scope
                            .iter()
                            .rev()
                            .find(|(bp, _)| *bp == p.as_str())
                            .map(|(bp, _)| *bp);
                        if let Some(bp) = found {
                            self.consider(bp);
                        }
                    }
                }
            }
            C14nMethod::Inclusive => {
                let mut idx = self.scope.len();
                while idx > 0 {
                    idx -= 1;
                    let p = self.scope[idx].0;
                    if !self.scope[idx + 1..].iter().any(|(q, _)| *q == p) {
                        self.consider(p);
                    }
                }
            }
        }
        self.scratch_ns.sort_unstable_by(|a, b| a.0.cmp(b.0));
        self.scratch_ns.dedup_by(|a, b| a.0 == b.0);

        self.out.put("<")?;
        if !prefix.is_empty() {
            self.out.put(prefix)?;
            self.out.put(":")?;
        }
        self.out.put(doc.name(el).local)?;
        for k in 0..self.scratch_ns.len() {
            let (p, u) = self.scratch_ns[k];
            self.rendered.push((p, u));
            if p.is_empty() {
                self.out.put(" xmlns=\"")?;
            } else {
                self.out.put(" xmlns:")?;
                self.out.put(p)?;
                self.out.put("=\"")?;
            }
            self.out.attr_value(u)?;
            self.out.put("\"")?;
        }

        self.scratch_attrs.clear();
        for a in doc.attributes(el) {
            self.scratch_attrs
                .push((a.name.ns, a.name.local, a.prefix, a.value));
        }
        if is_apex && self.opts.method == C14nMethod::Inclusive {
            self.inherit_xml_attributes(el);
        }
        self.scratch_attrs
            .sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        for k in 0..self.scratch_attrs.len() {
            let (_, local, p, v) = self.scratch_attrs[k];
            self.out.put(" ")?;
            if !p.is_empty() {
                self.out.put(p)?;
                self.out.put(":")?;
            }
            self.out.put(local)?;
            self.out.put("=\"")?;
            self.out.attr_value(v)?;
            self.out.put("\"")?;
        }
        self.out.put(">")
    }

    /// Queues the binding of `prefix` for output when it differs from what output ancestors
    /// rendered.
    fn consider(&mut self, prefix: &'d str) {
        let value = self.in_scope(prefix);
        let rendered = self.rendered(prefix);
        let differs = match rendered {
            Some(r) => r != value,
            // Nothing rendered: an empty default namespace needs no `xmlns=""`.
            None => !(prefix.is_empty() && value.is_empty()),
        };
        if differs {
            self.scratch_ns.push((prefix, value));
        }
    }

    /// Canonical XML 1.0 §2.4: the apex of a document subset inherits `xml:*` attributes of
    /// its ancestors that it does not carry itself.
    fn inherit_xml_attributes(&mut self, el: NodeId) {
        let doc = self.doc;
        let mut cur = doc.parent_element(el);
        while let Some(p) = cur {
            for a in doc.attributes(p) {
                if a.name.ns == ns::XML
                    && !self
                        .scratch_attrs
                        .iter()
                        .any(|x| x.0 == ns::XML && x.1 == a.name.local)
                {
                    self.scratch_attrs
                        .push((a.name.ns, a.name.local, "xml", a.value));
                }
            }
            cur = doc.parent_element(p);
        }
    }

    fn close(&mut self, el: NodeId) -> Result<(), Error> {
        let prefix = self.doc.prefix(el);
        self.out.put("</")?;
        if !prefix.is_empty() {
            self.out.put(prefix)?;
            self.out.put(":")?;
        }
        self.out.put(self.doc.name(el).local)?;
        self.out.put(">")
    }
}
