//! The one place that drives a quick-xml reader.
//!
//! Hardened: DOCTYPE and entity references other than the five predefined ones and character
//! references are refused, only UTF-8 is accepted, and every [`Limits`] field is enforced as
//! the input is read. Namespace resolution is done here (not with quick-xml's resolver) because
//! the tree must record each element's own declarations for canonicalization.

use std::borrow::Cow;

use quick_xml::events::{BytesStart, Event};
use quick_xml::NsReader;

use super::limits::Limits;
use super::ns;
use super::tree::{Attr, Decl, Document, Kind, Node, QStr, Str, DECODED};
use super::Error;

const BOM: &[u8] = b"\xEF\xBB\xBF";

pub(super) fn parse(input: &[u8], limits: &Limits) -> Result<Document, Error> {
    if input.len() > limits.max_bytes {
        return Err(Error::Limit {
            pos: limits.max_bytes as u64,
            limit: "max_bytes",
            max: limits.max_bytes,
        });
    }
    let input = input.strip_prefix(BOM).unwrap_or(input);
    let text = std::str::from_utf8(input).map_err(|e| Error::Forbidden {
        pos: e.valid_up_to() as u64,
        what: "input is not utf-8",
    })?;
    let src: Box<str> = text.into();
    let built = Builder::new(&src, limits).run()?;
    let (decoded, nodes, attrs, decls, root) = built;
    Ok(Document::from_parts(
        src, decoded, nodes, attrs, decls, root,
    ))
}

type Built = (String, Vec<Node>, Vec<Attr>, Vec<Decl>, u32);

struct Builder<'s> {
    src: &'s str,
    limits: &'s Limits,
    decoded: String,
    nodes: Vec<Node>,
    attrs: Vec<Attr>,
    decls: Vec<Decl>,
    /// Open elements (node indices).
    open: Vec<u32>,
    /// In-scope bindings: (prefix, uri); `marks[i]` is the scope length before `open[i]`.
    scope: Vec<(Str, Str)>,
    marks: Vec<usize>,
    text: Pending,
    root: Option<u32>,
    pos: u64,
    /// Scratch list of attributes of the element being read: (prefix, local, value).
    scratch: Vec<(Str, Str, Str)>,
    /// The `xml` namespace URI, stored once.
    xml_ns: Str,
}

#[derive(Clone, Copy)]
enum Pending {
    None,
    /// One span of the input needing no change.
    Span(Str),
    /// Text accumulated in the decoded buffer from this offset.
    Decoded(usize),
}

fn syntax(pos: u64, what: &'static str) -> Error {
    Error::Syntax { pos, what }
}

fn map_qx(pos: u64, start: u64, e: &quick_xml::Error) -> Error {
    use quick_xml::errors::{IllFormedError as I, SyntaxError as S};
    use quick_xml::Error as Q;
    let what = match e {
        Q::Syntax(s) => match s {
            S::InvalidBangMarkup => "invalid `<!` markup",
            S::UnclosedPI => "unclosed processing instruction",
            S::UnclosedXmlDecl => "unclosed xml declaration",
            S::UnclosedComment => "unclosed comment",
            S::UnclosedDoctype => "unclosed doctype",
            S::UnclosedCData => "unclosed cdata section",
            S::UnclosedTag => "unclosed tag",
            _ => "unclosed attribute value",
        },
        Q::IllFormed(i) => match i {
            I::MissingDeclVersion(_) | I::UnknownVersion => "bad xml declaration version",
            I::MissingDoctypeName => "doctype without name",
            I::MissingEndTag(_) => "missing end tag",
            I::UnmatchedEndTag(_) => "end tag without start tag",
            I::MismatchedEndTag { .. } => "mismatched end tag",
            I::DoubleHyphenInComment => "`--` inside a comment",
            I::UnclosedReference => "`&` without a reference",
        },
        Q::InvalidAttr(_) => "malformed or duplicate attribute",
        Q::Encoding(_) => "bad encoding",
        Q::Escape(_) => "bad escape",
        Q::Namespace(n) => {
            use quick_xml::name::NamespaceError as N;
            return match n {
                N::UnknownPrefix(_) => Error::Namespace {
                    pos: start,
                    what: "unbound namespace prefix",
                },
                N::TooManyBindings(max) => Error::Limit {
                    pos: start,
                    limit: "max_namespaces_in_scope",
                    max: *max,
                },
                _ => Error::Namespace {
                    pos: start,
                    what: "illegal namespace declaration",
                },
            };
        }
        _ => "read error",
    };
    syntax(pos, what)
}

/// Legal XML 1.0 character (production [2] Char).
fn is_xml_char(c: char) -> bool {
    matches!(c, '\u{9}' | '\u{A}' | '\u{D}' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}')
        || c >= '\u{10000}'
}

/// Resolves a reference name (without `&` and `;`) to its character: the five predefined
/// entities and character references only.
fn resolve_reference(name: &str) -> Option<char> {
    let c = match name {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "apos" => '\'',
        "quot" => '"',
        _ => {
            let num = name.strip_prefix('#')?;
            let code = if let Some(hex) = num.strip_prefix('x') {
                if hex.is_empty() || hex.len() > 6 {
                    return None;
                }
                u32::from_str_radix(hex, 16).ok()?
            } else {
                if num.is_empty() || num.len() > 7 || !num.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                num.parse().ok()?
            };
            char::from_u32(code).filter(|c| is_xml_char(*c))?
        }
    };
    Some(c)
}

fn is_name_char(c: char, first: bool) -> bool {
    c.is_alphabetic()
        || c == '_'
        || (!first && (c.is_ascii_digit() || c == '-' || c == '.' || c.is_numeric()))
        || (!first && matches!(c, '\u{B7}' | '\u{300}'..='\u{36F}' | '\u{203F}'..='\u{2040}'))
}

pub(super) fn is_ncname(s: &str) -> bool {
    // The usual case, ASCII, without Unicode tables.
    if s.is_ascii() {
        let b = s.as_bytes();
        return b
            .first()
            .is_some_and(|&c| c.is_ascii_alphabetic() || c == b'_')
            && b.iter()
                .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'));
    }
    let mut it = s.chars();
    match it.next() {
        Some(c) if is_name_char(c, true) => it.all(|c| is_name_char(c, false)),
        _ => false,
    }
}

impl<'s> Builder<'s> {
    fn new(src: &'s str, limits: &'s Limits) -> Self {
        let estimate = (src.len() / 24).min(limits.max_nodes);
        Self {
            src,
            limits,
            decoded: String::new(),
            nodes: Vec::with_capacity(estimate),
            attrs: Vec::with_capacity(estimate / 2),
            decls: Vec::new(),
            open: Vec::new(),
            scope: Vec::new(),
            marks: Vec::new(),
            text: Pending::None,
            root: None,
            pos: 0,
            scratch: Vec::new(),
            xml_ns: Str::default(),
        }
    }

    /// A span for `s`, which must be a sub-slice of the input.
    fn span_of(&mut self, s: &str) -> Str {
        let base = self.src.as_ptr() as usize;
        let p = s.as_ptr() as usize;
        if p >= base && p + s.len() <= base + self.src.len() {
            Str {
                off: (p - base) as u32,
                len: s.len() as u32,
            }
        } else {
            self.store_decoded(s)
        }
    }

    /// Stores `s`: as a span when it borrows from the input, else in the decoded buffer.
    fn store(&mut self, s: Cow<'_, str>) -> Str {
        match s {
            Cow::Borrowed(b) => self.span_of(b),
            Cow::Owned(o) => self.store_decoded(&o),
        }
    }

    fn store_decoded(&mut self, s: &str) -> Str {
        let off = self.decoded.len();
        self.decoded.push_str(s);
        Str {
            off: off as u32 | DECODED,
            len: s.len() as u32,
        }
    }

    fn str(&self, s: Str) -> &str {
        let (buf, off) = if s.off & DECODED != 0 {
            (self.decoded.as_str(), (s.off & !DECODED) as usize)
        } else {
            (self.src, s.off as usize)
        };
        buf.get(off..off + s.len as usize).unwrap_or("")
    }

    fn limit(&self, limit: &'static str, max: usize) -> Error {
        Error::Limit {
            pos: self.pos,
            limit,
            max,
        }
    }

    fn push_node(&mut self, kind: Kind) -> Result<u32, Error> {
        if self.nodes.len() >= self.limits.max_nodes {
            return Err(self.limit("max_nodes", self.limits.max_nodes));
        }
        let idx = self.nodes.len() as u32;
        let parent = self.open.last().copied().unwrap_or(0);
        self.nodes.push(Node {
            kind,
            parent,
            end: idx + 1,
        });
        Ok(idx)
    }

    fn run(mut self) -> Result<Built, Error> {
        self.xml_ns = self.store_decoded(ns::XML);
        self.nodes.push(Node {
            kind: Kind::Document,
            parent: 0,
            end: 1,
        });
        let src = self.src;
        let mut reader = NsReader::from_str(src);
        {
            let cfg = reader.config_mut();
            cfg.enable_all_checks(true);
            cfg.trim_text(false);
            cfg.expand_empty_elements = false;
        }
        reader
            .resolver_mut()
            .set_max_namespace_bindings(self.limits.max_namespaces_in_scope);
        let mut seen_decl = false;
        let mut first = true;
        loop {
            self.pos = reader.buffer_position();
            let start = self.pos;
            let event = reader
                .read_event()
                .map_err(|e| map_qx(reader.error_position(), start, &e))?;
            let is_first = std::mem::replace(&mut first, false);
            match event {
                Event::Decl(d) => {
                    if !is_first || seen_decl {
                        return Err(syntax(start, "xml declaration not at the start"));
                    }
                    seen_decl = true;
                    match d.version() {
                        Ok(v) if v == "1.0" => {}
                        _ => {
                            return Err(Error::Forbidden {
                                pos: start,
                                what: "xml version other than 1.0",
                            })
                        }
                    }
                    if let Some(enc) = d.encoding() {
                        let enc = enc.map_err(|_| syntax(start, "bad encoding declaration"))?;
                        if !enc.eq_ignore_ascii_case("utf-8") {
                            return Err(Error::Forbidden {
                                pos: start,
                                what: "encoding other than utf-8",
                            });
                        }
                    }
                }
                Event::DocType(_) => {
                    return Err(Error::Forbidden {
                        pos: start,
                        what: "document type declaration",
                    })
                }
                Event::Start(e) => {
                    self.flush_text()?;
                    let idx = self.start_element(&e, start)?;
                    self.set_content_start(idx, reader.buffer_position());
                }
                Event::Empty(e) => {
                    self.flush_text()?;
                    let idx = self.start_element(&e, start)?;
                    let end = reader.buffer_position();
                    self.set_content_start(idx, end);
                    self.end_element(idx, end, end);
                }
                Event::End(_) => {
                    self.flush_text()?;
                    let idx = self
                        .open
                        .last()
                        .copied()
                        .ok_or_else(|| syntax(start, "end tag without start tag"))?;
                    self.end_element(idx, start, reader.buffer_position());
                }
                Event::Text(t) => {
                    let raw = t.into_inner();
                    self.add_text(&raw, start)?;
                }
                Event::CData(c) => {
                    let raw = c.into_inner();
                    if self.open.is_empty() {
                        return Err(syntax(start, "cdata outside the document element"));
                    }
                    self.add_text(&raw, start)?;
                }
                Event::GeneralRef(r) => {
                    let name = r.into_inner();
                    let c = resolve_reference(&name).ok_or(Error::Forbidden {
                        pos: start,
                        what: "reference to an undeclared entity",
                    })?;
                    if self.open.is_empty() {
                        return Err(syntax(start, "reference outside the document element"));
                    }
                    let mut buf = [0u8; 4];
                    self.append_text(Cow::Owned(c.encode_utf8(&mut buf).to_owned()), true)?;
                }
                Event::Comment(c) => {
                    self.flush_text()?;
                    let body = c.into_inner();
                    let body = self.check_chars(body, start)?;
                    let s = self.store(body);
                    self.push_node(Kind::Comment(s))?;
                }
                Event::PI(pi) => {
                    self.flush_text()?;
                    let target = pi.target().to_owned();
                    if target.eq_ignore_ascii_case("xml") || !is_ncname(&target) {
                        return Err(syntax(start, "bad processing instruction target"));
                    }
                    let data = pi.content().trim_start_matches([' ', '\t', '\r', '\n']);
                    let data = self.check_chars(Cow::Owned(data.to_owned()), start)?;
                    let target = self.store_decoded(&target);
                    let data = self.store(data);
                    self.push_node(Kind::Pi { target, data })?;
                }
                Event::Eof => break,
            }
        }
        self.flush_text()?;
        if !self.open.is_empty() {
            return Err(syntax(self.pos, "unclosed element at end of input"));
        }
        let root = self
            .root
            .ok_or_else(|| syntax(self.pos, "no document element"))?;
        let n = self.nodes.len() as u32;
        if let Some(doc) = self.nodes.first_mut() {
            doc.end = n;
        }
        Ok((self.decoded, self.nodes, self.attrs, self.decls, root))
    }

    /// Refuses characters outside the XML Char production and normalizes line ends.
    fn check_chars<'t>(&self, s: Cow<'t, str>, pos: u64) -> Result<Cow<'t, str>, Error> {
        if s.len() > self.limits.max_text_len {
            return Err(self.limit("max_text_len", self.limits.max_text_len));
        }
        let mut has_cr = false;
        // ASCII needs no decoding: only controls other than TAB, LF and CR are refused.
        let ascii_end = s.bytes().position(|b| !b.is_ascii()).unwrap_or(s.len());
        for b in s.bytes().take(ascii_end) {
            if b < 0x20 {
                match b {
                    b'\r' => has_cr = true,
                    b'\t' | b'\n' => {}
                    _ => return Err(syntax(pos, "character not allowed in xml")),
                }
            }
        }
        for c in s.get(ascii_end..).unwrap_or("").chars() {
            if c == '\r' {
                has_cr = true;
            } else if !is_xml_char(c) {
                return Err(syntax(pos, "character not allowed in xml"));
            }
        }
        if !has_cr {
            return Ok(s);
        }
        Ok(Cow::Owned(s.replace("\r\n", "\n").replace('\r', "\n")))
    }

    fn add_text(&mut self, raw: &str, pos: u64) -> Result<(), Error> {
        if self.open.is_empty() {
            if raw.chars().all(|c| matches!(c, ' ' | '\t' | '\r' | '\n')) {
                return Ok(());
            }
            return Err(syntax(pos, "text outside the document element"));
        }
        let checked = self.check_chars(Cow::Borrowed(raw), pos)?;
        let changed = matches!(checked, Cow::Owned(_));
        self.append_text(checked, changed)
    }

    fn append_text(&mut self, piece: Cow<'_, str>, decoded: bool) -> Result<(), Error> {
        let piece_len = piece.len();
        self.text = match self.text {
            Pending::None if !decoded => Pending::Span(self.store(piece)),
            Pending::None => {
                let off = self.decoded.len();
                self.decoded.push_str(&piece);
                Pending::Decoded(off)
            }
            Pending::Span(s) => {
                let off = self.decoded.len();
                let prev = self.str(s).to_owned();
                self.decoded.push_str(&prev);
                self.decoded.push_str(&piece);
                Pending::Decoded(off)
            }
            Pending::Decoded(off) => {
                self.decoded.push_str(&piece);
                Pending::Decoded(off)
            }
        };
        let len = match self.text {
            Pending::Span(s) => s.len as usize,
            Pending::Decoded(off) => self.decoded.len() - off,
            Pending::None => piece_len,
        };
        if len > self.limits.max_text_len {
            return Err(self.limit("max_text_len", self.limits.max_text_len));
        }
        Ok(())
    }

    fn flush_text(&mut self) -> Result<(), Error> {
        let s = match std::mem::replace(&mut self.text, Pending::None) {
            Pending::None => return Ok(()),
            Pending::Span(s) => s,
            Pending::Decoded(off) => Str {
                off: off as u32 | DECODED,
                len: (self.decoded.len() - off) as u32,
            },
        };
        self.push_node(Kind::Text(s))?;
        Ok(())
    }

    fn split_qname(&mut self, q: &str) -> Result<(Str, Str), Error> {
        if q.len() > self.limits.max_name_len {
            return Err(self.limit("max_name_len", self.limits.max_name_len));
        }
        // QName = Prefix ':' LocalPart | LocalPart (Namespaces in XML 1.0 §4): a colon needs
        // a prefix before it, so `:x` (a Name in XML 1.0, no QName) is refused; were it read
        // as the unprefixed `x`, `:xmlns` would become an attribute named `xmlns`.
        let (prefix, local, colon) = match q.split_once(':') {
            Some((p, l)) => (p, l, true),
            None => ("", q, false),
        };
        if (colon && !is_ncname(prefix)) || !is_ncname(local) {
            return Err(Error::Namespace {
                pos: self.pos,
                what: "name is not a valid qualified name",
            });
        }
        Ok((self.span_of(prefix), self.span_of(local)))
    }

    fn resolve(&self, prefix: Str, is_element: bool) -> Result<Str, Error> {
        let p = self.str(prefix);
        if p == "xml" {
            return Ok(self.xml_ns);
        }
        if p.is_empty() && !is_element {
            return Ok(Str::default());
        }
        for (bp, uri) in self.scope.iter().rev() {
            if self.str(*bp) == p {
                return Ok(*uri);
            }
        }
        if p.is_empty() {
            Ok(Str::default())
        } else {
            Err(Error::Namespace {
                pos: self.pos,
                what: "unbound namespace prefix",
            })
        }
    }

    fn start_element(&mut self, e: &BytesStart<'_>, start: u64) -> Result<u32, Error> {
        if self.open.is_empty() && self.root.is_some() {
            return Err(syntax(start, "more than one document element"));
        }
        if self.open.len() >= self.limits.max_depth {
            return Err(self.limit("max_depth", self.limits.max_depth));
        }
        let qname = e.name();
        let (prefix, local) = self.split_qname(qname.as_ref())?;
        self.marks.push(self.scope.len());
        let decl_start = self.decls.len() as u32;
        self.scratch.clear();
        let mut n_attrs = 0usize;
        for a in e.attributes().with_checks(false) {
            let a = a.map_err(|_| syntax(start, "malformed or duplicate attribute"))?;
            let key: &str = a.key.as_ref();
            let value = self.normalize_attr(a.value, start)?;
            if key == "xmlns" || key.starts_with("xmlns:") {
                let p = key.strip_prefix("xmlns:").unwrap_or("");
                // `xmlns:` with nothing after the colon is no declaration of the default
                // namespace: refused, as every name with an empty part.
                if key != "xmlns" && !is_ncname(p) {
                    return Err(Error::Namespace {
                        pos: start,
                        what: "bad namespace prefix",
                    });
                }
                let uri_text: &str = &value;
                if p == "xmlns"
                    || (p == "xml") != (uri_text == ns::XML)
                    || uri_text == ns::XMLNS
                    || (!p.is_empty() && uri_text.is_empty())
                {
                    return Err(Error::Namespace {
                        pos: start,
                        what: "illegal namespace declaration",
                    });
                }
                let count = self.decls.len() as u32 - decl_start;
                if count as usize >= self.limits.max_namespace_declarations {
                    return Err(self.limit(
                        "max_namespace_declarations",
                        self.limits.max_namespace_declarations,
                    ));
                }
                if self.scope.len() >= self.limits.max_namespaces_in_scope {
                    return Err(self.limit(
                        "max_namespaces_in_scope",
                        self.limits.max_namespaces_in_scope,
                    ));
                }
                let prefix = self.span_of(p);
                let uri = self.store(value);
                self.decls.push(Decl { prefix, uri });
                if p != "xml" {
                    self.scope.push((prefix, uri));
                }
            } else {
                n_attrs += 1;
                if n_attrs > self.limits.max_attributes {
                    return Err(self.limit("max_attributes", self.limits.max_attributes));
                }
                let (ap, al) = self.split_qname(key)?;
                let v = self.store(value);
                self.scratch.push((ap, al, v));
            }
        }
        let decl_end = self.decls.len() as u32;
        let ns = self.resolve(prefix, true)?;
        if self.str(prefix) == "xmlns" {
            return Err(Error::Namespace {
                pos: start,
                what: "element with the xmlns prefix",
            });
        }
        let attr_start = self.attrs.len() as u32;
        for i in 0..self.scratch.len() {
            let (ap, al, v) = self.scratch[i];
            let ans = self.resolve(ap, false)?;
            self.attrs.push(Attr {
                name: QStr {
                    ns: ans,
                    prefix: ap,
                    local: al,
                },
                value: v,
            });
        }
        let attr_end = self.attrs.len() as u32;
        self.check_unique(attr_start, attr_end, decl_start, decl_end, start)?;
        let idx = self.push_node(Kind::Element {
            name: QStr { ns, prefix, local },
            attrs: attr_start..attr_end,
            decls: decl_start..decl_end,
            span: start as u32..start as u32,
            content: start as u32..start as u32,
        })?;
        if self.open.is_empty() {
            self.root = Some(idx);
        }
        self.open.push(idx);
        Ok(idx)
    }

    /// Expanded attribute names and declared prefixes must be unique on an element
    /// (XML 1.0 WFC Unique Att Spec, Namespaces in XML §6.3). Quadratic for the usual handful,
    /// hashed beyond that, so raised limits stay linear.
    fn check_unique(
        &self,
        attr_start: u32,
        attr_end: u32,
        decl_start: u32,
        decl_end: u32,
        pos: u64,
    ) -> Result<(), Error> {
        let attrs = &self.attrs[attr_start as usize..attr_end as usize];
        let decls = &self.decls[decl_start as usize..decl_end as usize];
        let dup_attr = if attrs.len() <= 16 {
            attrs.iter().enumerate().any(|(i, a)| {
                attrs[i + 1..].iter().any(|b| {
                    self.str(a.name.local) == self.str(b.name.local)
                        && self.str(a.name.ns) == self.str(b.name.ns)
                })
            })
        } else {
            let mut seen = std::collections::HashSet::with_capacity(attrs.len());
            !attrs
                .iter()
                .all(|a| seen.insert((self.str(a.name.ns), self.str(a.name.local))))
        };
        if dup_attr {
            return Err(Error::Namespace {
                pos,
                what: "duplicate attribute",
            });
        }
        let dup_decl = if decls.len() <= 16 {
            decls.iter().enumerate().any(|(i, a)| {
                decls[i + 1..]
                    .iter()
                    .any(|b| self.str(a.prefix) == self.str(b.prefix))
            })
        } else {
            let mut seen = std::collections::HashSet::with_capacity(decls.len());
            !decls.iter().all(|d| seen.insert(self.str(d.prefix)))
        };
        if dup_decl {
            return Err(Error::Namespace {
                pos,
                what: "duplicate namespace declaration",
            });
        }
        Ok(())
    }

    fn set_content_start(&mut self, idx: u32, pos: u64) {
        if let Some(Node {
            kind: Kind::Element { content, .. },
            ..
        }) = self.nodes.get_mut(idx as usize)
        {
            content.start = pos as u32;
        }
    }

    fn end_element(&mut self, idx: u32, content_end: u64, end_pos: u64) {
        let n = self.nodes.len() as u32;
        if let Some(node) = self.nodes.get_mut(idx as usize) {
            node.end = n;
            if let Kind::Element { span, content, .. } = &mut node.kind {
                span.end = end_pos as u32;
                content.end = content_end as u32;
            }
        }
        self.open.pop();
        if let Some(m) = self.marks.pop() {
            self.scope.truncate(m);
        }
    }

    /// Attribute-value normalization (XML 1.0 §3.3.3) for CDATA-typed attributes: references
    /// resolved, literal white space characters replaced by a space.
    fn normalize_attr<'v>(&self, raw: Cow<'v, str>, pos: u64) -> Result<Cow<'v, str>, Error> {
        if raw.len() > self.limits.max_text_len {
            return Err(self.limit("max_text_len", self.limits.max_text_len));
        }
        let needs = raw
            .chars()
            .any(|c| matches!(c, '&' | '<' | '\t' | '\n' | '\r') || !is_xml_char(c));
        if !needs {
            return Ok(raw);
        }
        let mut out = String::with_capacity(raw.len());
        let mut rest: &str = &raw;
        while let Some(c) = rest.chars().next() {
            rest = &rest[c.len_utf8()..];
            match c {
                '<' => return Err(syntax(pos, "`<` in an attribute value")),
                '&' => {
                    let end = rest
                        .find(';')
                        .filter(|e| *e <= 10)
                        .ok_or_else(|| syntax(pos, "`&` without a reference"))?;
                    let ch = resolve_reference(&rest[..end]).ok_or(Error::Forbidden {
                        pos,
                        what: "reference to an undeclared entity",
                    })?;
                    out.push(ch);
                    rest = &rest[end + 1..];
                }
                '\r' => {
                    rest = rest.strip_prefix('\n').unwrap_or(rest);
                    out.push(' ');
                }
                '\t' | '\n' => out.push(' '),
                c if !is_xml_char(c) => return Err(syntax(pos, "character not allowed in xml")),
                c => out.push(c),
            }
        }
        Ok(Cow::Owned(out))
    }
}
