//! Escaping of character data and attribute values. The rules are those of Canonical XML
//! (§2.3) and serve the writer too: escape `&`, `<`, `>` and CR in text; `&`, `<`, `"`, TAB, LF
//! and CR in attribute values (so white space survives attribute-value normalization).

/// Where a string goes.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub(super) enum Context {
    /// Character data.
    Text,
    /// A double-quoted attribute value.
    Attribute,
}

fn replacement(b: u8, ctx: Context) -> Option<&'static str> {
    match (b, ctx) {
        (b'&', _) => Some("&amp;"),
        (b'<', _) => Some("&lt;"),
        (b'\r', _) => Some("&#xD;"),
        (b'>', Context::Text) => Some("&gt;"),
        (b'"', Context::Attribute) => Some("&quot;"),
        (b'\t', Context::Attribute) => Some("&#x9;"),
        (b'\n', Context::Attribute) => Some("&#xA;"),
        _ => None,
    }
}

/// Feeds `s`, escaped for `ctx`, to `out` in pieces.
pub(super) fn escape<E>(
    s: &str,
    ctx: Context,
    mut out: impl FnMut(&str) -> Result<(), E>,
) -> Result<(), E> {
    let mut last = 0;
    for (i, b) in s.bytes().enumerate() {
        if let Some(rep) = replacement(b, ctx) {
            out(&s[last..i])?;
            out(rep)?;
            last = i + 1;
        }
    }
    out(&s[last..])
}

/// Appends `s`, escaped for `ctx`, to a string.
pub(super) fn push_escaped(buf: &mut String, s: &str, ctx: Context) {
    let _ = escape(s, ctx, |piece| {
        buf.push_str(piece);
        Ok::<(), std::convert::Infallible>(())
    });
}
