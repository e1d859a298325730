//! The one place that drives a quick-xml reader.
//!
//! Hardened: DOCTYPE and entity references other than the five predefined ones and character
//! references are refused, only UTF-8 is accepted, and every [`Limits`] field is enforced as
//! the input is read. Namespace resolution is done here (not with quick-xml's resolver) because
//! the tree must record each element's own declarations for canonicalization.

use std::borrow::Cow;

use quick_xml::events::Event;
use quick_xml::NsReader;

use super::limits::Limits;
use super::ns;
use super::tree::{Attr, Decl, Document, Kind, Node, Str, DECODED};
use super::Error;

mod chars;
mod element;
mod text;

pub(super) use chars::is_ncname;
use chars::resolve_reference;

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
}
