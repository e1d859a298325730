//! Character data and attribute values: the Char production enforced, line ends and
//! attribute white space normalized, adjacent pieces of text merged into one node.

use std::borrow::Cow;

use super::chars::{is_xml_char, resolve_reference};
use super::{syntax, Builder, Pending};
use crate::xml::tree::{Kind, Str, DECODED};
use crate::xml::Error;

impl Builder<'_> {
    /// Refuses characters outside the XML Char production and normalizes line ends.
    pub(super) fn check_chars<'t>(&self, s: Cow<'t, str>, pos: u64) -> Result<Cow<'t, str>, Error> {
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

    pub(super) fn add_text(&mut self, raw: &str, pos: u64) -> Result<(), Error> {
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

    pub(super) fn append_text(&mut self, piece: Cow<'_, str>, decoded: bool) -> Result<(), Error> {
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

    pub(super) fn flush_text(&mut self) -> Result<(), Error> {
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

    /// Attribute-value normalization (XML 1.0 §3.3.3) for CDATA-typed attributes: references
    /// resolved, literal white space characters replaced by a space.
    pub(super) fn normalize_attr<'v>(
        &self,
        raw: Cow<'v, str>,
        pos: u64,
    ) -> Result<Cow<'v, str>, Error> {
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
