//! A namespace-aware writer for the XML we emit.
//!
//! Text and attribute values are always escaped, names are checked, characters that XML
//! cannot carry are refused, and namespace prefixes are declared where first needed, so the
//! output always parses back to exactly what was written. Errors are recorded and returned by
//! [`Writer::finish`], which keeps building code free of `?` on every call.

use super::capture::{CaptureKind, Captured, Captures};
use super::escape::{push_escaped, Context};
use super::ns;
use super::tree::{Document, Name, NodeId, NodeKind};
use super::Error;

/// Builds an XML document or fragment into a string.
#[derive(Debug, Default)]
pub struct Writer {
    out: String,
    open: Vec<Open>,
    /// Bindings in scope: (prefix, uri); the default namespace has prefix "".
    bindings: Vec<(String, String)>,
    in_start_tag: bool,
    error: Option<Error>,
    generated: u32,
    /// Write empty elements as a start-tag and an end-tag (as canonical XML does).
    expand_empty: bool,
    /// Canonical forms computed while writing ([`Writer::capture`], [`Writer::capture_ids`]).
    captures: Captures,
}

#[derive(Debug)]
struct Open {
    qname: String,
    mark: usize,
}

fn is_xml_char(c: char) -> bool {
    matches!(c, '\u{9}' | '\u{A}' | '\u{D}' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}')
        || c >= '\u{10000}'
}

/// The reader's NCName rule: what parses must write out again (a fuzz finding: a processing
/// instruction target with a combining mark, U+0300..U+036F, parsed but was refused here).
fn is_ncname(s: &str) -> bool {
    super::reader::is_ncname(s)
}

impl Writer {
    /// An empty writer.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty writer with room for `cap` bytes.
    pub fn with_capacity(cap: usize) -> Self {
        Self {
            out: String::with_capacity(cap),
            ..Self::default()
        }
    }

    /// A writer that writes empty elements as `<a></a>`, never `<a/>`, as canonical XML
    /// does. Text and attribute values are escaped by the Canonical XML rules in either mode,
    /// so a document written this way with each namespace declared on the element that first
    /// uses it, and at most one attribute per element, is its own exclusive canonical form.
    pub fn canonical_empty_elements() -> Self {
        Self {
            expand_empty: true,
            ..Self::default()
        }
    }

    fn fail(&mut self, what: &'static str) {
        if self.error.is_none() {
            self.error = Some(Error::Write(what));
        }
    }

    fn close_start_tag(&mut self) {
        if self.in_start_tag {
            self.out.push('>');
            self.in_start_tag = false;
            self.captures
                .close_start(&self.out, &self.bindings, self.open.len());
        }
    }

    fn bound(&self, prefix: &str) -> Option<&str> {
        super::capture::innermost(&self.bindings, prefix)
    }

    fn prefix_for(&self, uri: &str) -> Option<&str> {
        // A prefix is usable if its innermost binding is `uri`.
        self.bindings.iter().rev().find_map(|(p, u)| {
            (u == uri && !p.is_empty() && self.bound(p) == Some(uri)).then_some(p.as_str())
        })
    }

    fn push_decl(&mut self, prefix: &str, uri: &str) {
        if prefix.is_empty() {
            self.out.push_str(" xmlns=\"");
        } else {
            self.out.push_str(" xmlns:");
            self.out.push_str(prefix);
            self.out.push_str("=\"");
        }
        push_escaped(&mut self.out, uri, Context::Attribute);
        self.out.push('"');
        self.bindings.push((prefix.to_owned(), uri.to_owned()));
    }

    /// Picks (and declares on the current start tag if needed) a prefix for `uri`,
    /// preferring `hint`.
    fn ensure_prefix(&mut self, uri: &str, hint: Option<&str>) -> String {
        if let Some(h) = hint.filter(|h| !h.is_empty()) {
            match self.bound(h) {
                Some(u) if u == uri => return h.to_owned(),
                None => {
                    self.push_decl(h, uri);
                    return h.to_owned();
                }
                Some(_) => {}
            }
        }
        if let Some(p) = self.prefix_for(uri) {
            return p.to_owned();
        }
        if let Some(p) = ns::preferred_prefix(uri) {
            if self.bound(p).is_none() {
                self.push_decl(p, uri);
                return p.to_owned();
            }
        }
        loop {
            self.generated += 1;
            let p = format!("ns{}", self.generated);
            if self.bound(&p).is_none() {
                self.push_decl(&p, uri);
                return p;
            }
        }
    }

    /// Opens element `{ns}local` with a prefix of the writer's choice (the one already bound
    /// to `ns`, else the spec's usual prefix, else a generated one).
    pub fn start(&mut self, ns: &str, local: &str) -> &mut Self {
        self.start_prefixed(ns, local, None)
    }

    /// Opens element `{ns}local`, preferring `prefix` for it.
    pub fn start_prefixed(&mut self, ns: &str, local: &str, prefix: Option<&str>) -> &mut Self {
        self.start_with_declarations(ns, local, prefix, &[])
    }

    /// Opens an element that first declares `decls` (shadowing outer bindings), then picks its
    /// prefix: used to copy parsed elements with their own declarations.
    fn start_with_declarations(
        &mut self,
        ns: &str,
        local: &str,
        prefix: Option<&str>,
        decls: &[(&str, &str)],
    ) -> &mut Self {
        self.close_start_tag();
        if !is_ncname(local) || prefix.is_some_and(|p| !p.is_empty() && !is_ncname(p)) {
            self.fail("invalid element name");
            return self;
        }
        let mark = self.bindings.len();
        self.out.push('<');
        self.in_start_tag = true;
        // Declarations are written first into the tag, then moved behind the chosen name.
        let decl_start = self.out.len();
        for (p, u) in decls {
            if (p.is_empty() || !u.is_empty()) && self.bound(p) != Some(*u) {
                self.push_decl(p, u);
            }
        }
        let qname = if ns.is_empty() {
            if self.bound("").is_some_and(|u| !u.is_empty()) {
                self.push_decl("", "");
            }
            local.to_owned()
        } else if prefix == Some("") {
            if self.bound("") != Some(ns) {
                self.push_decl("", ns);
            }
            local.to_owned()
        } else {
            let p = self.ensure_prefix(ns, prefix);
            format!("{p}:{local}")
        };
        let decls_text = self.out.split_off(decl_start);
        self.out.push_str(&qname);
        let name = decl_start..self.out.len();
        self.out.push_str(&decls_text);
        self.open.push(Open { qname, mark });
        self.captures.start(name, self.open.len());
        self
    }

    /// Declares `prefix` → `uri` on the element just opened (before any content).
    pub fn declare(&mut self, prefix: &str, uri: &str) -> &mut Self {
        if !self.in_start_tag {
            self.fail("namespace declaration after content");
        } else if (!prefix.is_empty() && !is_ncname(prefix)) || uri.chars().any(|c| !is_xml_char(c))
        {
            self.fail("invalid namespace declaration");
        } else if self.bound(prefix) != Some(uri) {
            let here = self.open.last().map_or(0, |o| o.mark);
            if self.bindings[here..].iter().any(|(p, _)| p == prefix) {
                // A second binding of the prefix on one element would not parse.
                self.fail("namespace prefix declared twice on one element");
            } else {
                self.push_decl(prefix, uri);
            }
        }
        self
    }

    /// Adds attribute `{ns}local="value"` to the element just opened.
    pub fn attr(&mut self, ns: &str, local: &str, value: &str) -> &mut Self {
        self.attr_prefixed(ns, local, value, None)
    }

    /// Adds an attribute, preferring `prefix` when it is namespace-qualified.
    pub fn attr_prefixed(
        &mut self,
        ns: &str,
        local: &str,
        value: &str,
        prefix: Option<&str>,
    ) -> &mut Self {
        if !self.in_start_tag {
            self.fail("attribute after content");
            return self;
        }
        if !is_ncname(local) {
            self.fail("invalid attribute name");
            return self;
        }
        if value.chars().any(|c| !is_xml_char(c)) {
            self.fail("character not allowed in xml");
            return self;
        }
        let q = if ns.is_empty() {
            local.to_owned()
        } else if ns == ns::XML {
            format!("xml:{local}")
        } else {
            let p = self.ensure_prefix(ns, prefix);
            format!("{p}:{local}")
        };
        self.out.push(' ');
        let q_start = self.out.len();
        self.out.push_str(&q);
        let q_range = q_start..self.out.len();
        self.out.push_str("=\"");
        let v_start = self.out.len();
        push_escaped(&mut self.out, value, Context::Attribute);
        let v_range = v_start..self.out.len();
        self.out.push('"');
        if let Err(what) =
            self.captures
                .attribute(q_range, v_range, Name { ns, local }, value, self.open.len())
        {
            self.fail(what);
        }
        self
    }

    /// Adds escaped character data.
    pub fn text(&mut self, text: &str) -> &mut Self {
        if text.chars().any(|c| !is_xml_char(c)) {
            self.fail("character not allowed in xml");
            return self;
        }
        self.close_start_tag();
        let at = self.out.len();
        push_escaped(&mut self.out, text, Context::Text);
        self.captures.text(&self.out[at..]);
        self
    }

    /// Adds a comment.
    pub fn comment(&mut self, text: &str) -> &mut Self {
        if text.contains("--") || text.ends_with('-') || text.chars().any(|c| !is_xml_char(c)) {
            self.fail("invalid comment");
            return self;
        }
        self.close_start_tag();
        let at = self.out.len();
        self.out.push_str("<!--");
        self.out.push_str(text);
        self.out.push_str("-->");
        self.captures.comment(&self.out[at..], self.open.len());
        self
    }

    /// Adds a processing instruction.
    pub fn processing_instruction(&mut self, target: &str, data: &str) -> &mut Self {
        if !is_ncname(target)
            || target.eq_ignore_ascii_case("xml")
            || data.contains("?>")
            || data.chars().any(|c| !is_xml_char(c))
        {
            self.fail("invalid processing instruction");
            return self;
        }
        self.close_start_tag();
        let at = self.out.len();
        self.out.push_str("<?");
        self.out.push_str(target);
        if !data.is_empty() {
            self.out.push(' ');
            self.out.push_str(data);
        }
        self.out.push_str("?>");
        self.captures.text(&self.out[at..]);
        self
    }

    /// Closes the innermost open element.
    pub fn end(&mut self) -> &mut Self {
        let depth = self.open.len();
        if depth == 0 {
            self.fail("end without an open element");
            return self;
        }
        // An element captured by name always gets an end tag, so its content has a place.
        if self.in_start_tag && !self.expand_empty && !self.captures.needs_end_tag(depth) {
            self.out.push_str("/>");
            self.in_start_tag = false;
            self.captures.close_start(&self.out, &self.bindings, depth);
            if let Some(open) = self.open.last() {
                self.captures.end(&open.qname, depth, self.out.len());
            }
        } else {
            self.close_start_tag();
            if let Some(open) = self.open.last() {
                self.captures.end(&open.qname, depth, self.out.len());
                self.out.push_str("</");
                self.out.push_str(&open.qname);
                self.out.push('>');
            }
        }
        if let Some(open) = self.open.pop() {
            self.bindings.truncate(open.mark);
        }
        self
    }

    /// Writes `<{ns}local>text</{ns}local>`.
    pub fn element_text(&mut self, ns: &str, local: &str, text: &str) -> &mut Self {
        self.start(ns, local).text(text).end()
    }

    /// Writes a copy of element `node` of `doc` (with its subtree), keeping its prefixes where
    /// they do not clash and declaring every namespace in scope at `node` on the copy, so
    /// QName-valued content (`xsi:type="xs:string"`) keeps its meaning.
    pub fn copy(&mut self, doc: &Document, node: NodeId) -> &mut Self {
        if !doc.is_element(node) {
            return self;
        }
        // Collect the in-scope bindings of `node` (innermost wins).
        let mut scope: Vec<(&str, &str)> = Vec::new();
        let mut cur = Some(node);
        while let Some(n) = cur {
            for d in doc.namespace_declarations(n) {
                if !scope.iter().any(|(p, _)| *p == d.prefix) {
                    scope.push((d.prefix, d.uri));
                }
            }
            cur = doc.parent_element(n);
        }
        scope.reverse();
        self.copy_element(doc, node, &scope);
        self
    }

    fn copy_element(&mut self, doc: &Document, node: NodeId, inherited: &[(&str, &str)]) {
        let name = doc.name(node);
        let mut decls: Vec<(&str, &str)> = inherited
            .iter()
            .filter(|(p, _)| !p.is_empty())
            .copied()
            .collect();
        for d in doc.namespace_declarations(node) {
            if !d.prefix.is_empty() && !d.uri.is_empty() {
                decls.retain(|(p, _)| *p != d.prefix);
                decls.push((d.prefix, d.uri));
            }
        }
        self.start_with_declarations(name.ns, name.local, Some(doc.prefix(node)), &decls);
        for a in doc.attributes(node) {
            self.attr_prefixed(a.name.ns, a.name.local, a.value, Some(a.prefix));
        }
        for child in doc.children(node) {
            match doc.kind(child) {
                NodeKind::Element => self.copy_element(doc, child, &[]),
                NodeKind::Text(t) => {
                    self.text(t);
                }
                NodeKind::Comment(c) => {
                    self.comment(c);
                }
                NodeKind::ProcessingInstruction { target, data } => {
                    self.processing_instruction(target, data);
                }
                NodeKind::Document => {}
            }
        }
        self.end();
    }

    /// Inserts `xml`, text an earlier [`Writer`] produced, as it is (no parse, no copy).
    ///
    /// `xml` must be content written by a fresh `Writer` (so it is well-formed, escaped, and
    /// declares every prefix it uses itself); never text from outside. Such content keeps its
    /// meaning wherever it goes, except that its unprefixed no-namespace elements carry no
    /// `xmlns=""`: so it may only go where no default namespace is bound, which
    /// [`Writer::can_insert_own_output`] tells.
    pub(crate) fn insert_own_output(&mut self, xml: &str) -> &mut Self {
        if !self.can_insert_own_output() {
            self.fail("own output inserted under a default namespace");
            return self;
        }
        self.close_start_tag();
        self.out.push_str(xml);
        if let Err(e) = self.captures.fragment(xml, self.open.len()) {
            if self.error.is_none() {
                self.error = Some(e);
            }
        }
        self
    }

    /// True when no default namespace is bound here, so that [`Writer::insert_own_output`]
    /// keeps the meaning of what it inserts.
    pub(crate) fn can_insert_own_output(&self) -> bool {
        self.bound("").is_none_or(str::is_empty)
    }

    /// Captures the element just opened (call it in its start tag): its exclusive canonical
    /// form ([`CaptureKind::Element`]) or the plaintext of its content
    /// ([`CaptureKind::Content`]), computed as it is written; [`Writer::finish_captured`]
    /// returns it.
    pub fn capture(&mut self, kind: CaptureKind) -> &mut Self {
        if self.in_start_tag {
            self.captures.begin(None, kind, self.open.len());
        } else {
            self.fail("capture outside a start tag");
        }
        self
    }

    /// Captures the next element started, as [`Writer::capture`] would in its start tag (for
    /// an element a callee writes).
    pub fn capture_next(&mut self, kind: CaptureKind) -> &mut Self {
        self.captures.next(kind);
        self
    }

    /// Captures ([`CaptureKind::Element`]) each element written from now on whose Id
    /// attribute (`wsu:Id`, `Id`, `ID`, `AssertionID`, `xml:id`) has one of `ids`; a value
    /// met twice is an error.
    pub fn capture_ids(&mut self, ids: impl IntoIterator<Item = String>) -> &mut Self {
        self.captures.watch(ids);
        self
    }

    /// The bytes written so far (for signing a fragment in place).
    pub fn as_str(&self) -> &str {
        &self.out
    }

    /// Finishes: every element must be closed.
    pub fn finish(self) -> Result<String, Error> {
        self.finish_captured().map(|(out, _)| out)
    }

    /// Finishes, also returning what was captured, in the order the elements ended.
    pub fn finish_captured(mut self) -> Result<(String, Vec<Captured>), Error> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        if !self.open.is_empty() {
            return Err(Error::Write("unclosed element"));
        }
        let done = self.captures.into_done();
        super::capture::debug_check(&self.out, &done);
        Ok((self.out, done))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_mode_expands_empty_elements_only() {
        let mut w = Writer::canonical_empty_elements();
        w.start("urn:a", "a").attr("", "x", "1");
        w.start("urn:a", "b").end();
        w.element_text("urn:a", "c", "t");
        w.end();
        let s = w.finish().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            s,
            r#"<ns1:a xmlns:ns1="urn:a" x="1"><ns1:b></ns1:b><ns1:c>t</ns1:c></ns1:a>"#
        );
        let mut w = Writer::new();
        w.start("urn:a", "b").end();
        assert_eq!(
            w.finish().ok().as_deref(),
            Some(r#"<ns1:b xmlns:ns1="urn:a"/>"#)
        );
    }

    #[test]
    fn own_output_goes_in_as_it_is_but_never_under_a_default_namespace() {
        let mut inner = Writer::new();
        inner.start("", "x").attr("urn:p", "y", "1").end();
        let inner = inner.finish().unwrap_or_else(|e| panic!("{e}"));

        let mut w = Writer::new();
        w.start("urn:a", "a").attr("", "k", "v");
        w.insert_own_output(&inner);
        w.end();
        let s = w.finish().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            s,
            format!(r#"<ns1:a xmlns:ns1="urn:a" k="v">{inner}</ns1:a>"#)
        );

        let mut w = Writer::new();
        w.start_prefixed("urn:a", "a", Some(""));
        assert!(!w.can_insert_own_output());
        w.insert_own_output(&inner);
        w.end();
        assert!(
            w.finish().is_err(),
            "the no-namespace x would fall into urn:a"
        );

        let mut w = Writer::new();
        w.start_prefixed("urn:a", "a", Some(""));
        w.start("", "n");
        assert!(w.can_insert_own_output(), "xmlns=\"\" undoes the default");
        w.end();
        w.end();
        assert!(w.finish().is_ok());
    }
}
