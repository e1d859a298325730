//! Elements: qualified names, namespace declarations and their scope, attributes (unique by
//! expanded name), and the spans recorded when an element starts and ends.

use quick_xml::events::BytesStart;

use super::chars::is_ncname;
use super::{syntax, Builder};
use crate::xml::ns;
use crate::xml::tree::{Attr, Decl, Kind, Node, QStr, Str};
use crate::xml::Error;

impl Builder<'_> {
    pub(super) fn split_qname(&mut self, q: &str) -> Result<(Str, Str), Error> {
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

    pub(super) fn resolve(&self, prefix: Str, is_element: bool) -> Result<Str, Error> {
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

    pub(super) fn start_element(&mut self, e: &BytesStart<'_>, start: u64) -> Result<u32, Error> {
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
    pub(super) fn check_unique(
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

    pub(super) fn set_content_start(&mut self, idx: u32, pos: u64) {
        if let Some(Node {
            kind: Kind::Element { content, .. },
            ..
        }) = self.nodes.get_mut(idx as usize)
        {
            content.start = pos as u32;
        }
    }

    pub(super) fn end_element(&mut self, idx: u32, content_end: u64, end_pos: u64) {
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
}
