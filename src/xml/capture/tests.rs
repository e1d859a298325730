//! Captures are byte-equal to canonicalizing the parsed output: examples, then random
//! documents (namespaces declared, shadowed and defaulted, attributes in every namespace,
//! escaping, comments, processing instructions, own output inserted inside captures).

use proptest::prelude::*;

use crate::xml::{canonicalize, ns, C14nOptions, CaptureKind, Document, NodeId, Writer};

fn exclusive(doc: &Document, node: NodeId) -> Vec<u8> {
    let mut out = Vec::new();
    canonicalize(doc, node, &C14nOptions::exclusive(), &mut out).unwrap_or_else(|e| panic!("{e}"));
    out
}

/// The plaintext of XML Encryption's Content type, from the parsed tree.
fn content(doc: &Document, node: NodeId) -> Vec<u8> {
    let mut out = Vec::new();
    for c in doc.children(node) {
        let opts = C14nOptions::exclusive().with_comments(doc.is_element(c));
        canonicalize(doc, c, &opts, &mut out).unwrap_or_else(|e| panic!("{e}"));
    }
    out
}

fn by_id(doc: &Document, id: &str) -> NodeId {
    doc.element_by_id(id)
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("no element {id}"))
}

#[test]
fn a_body_under_outer_declarations_renders_them_on_its_apex() {
    let mut w = Writer::new();
    w.start_prefixed("urn:env", "Envelope", Some("s"))
        .declare("wsu", ns::WSU)
        .declare("unused", "urn:unused");
    w.start_prefixed("urn:env", "Body", Some("s"))
        .attr("urn:z", "b", "2")
        .attr("", "a", "1")
        .attr(ns::WSU, "Id", "B");
    w.capture(CaptureKind::Content);
    w.start("urn:t", "R").attr(ns::XML, "lang", "en");
    w.start("urn:t", "Empty").end();
    w.comment(" kept inside a child ");
    w.element_text(ns::WSU, "Created", "a<b&c>\r");
    w.end();
    w.comment(" dropped between children ");
    w.text("t\u{e9}xt");
    w.end().end();
    let ids = vec!["B".to_owned()];
    let mut w2 = Writer::new();
    w2.capture_ids(ids);
    // Replay into a writer that captures by Id, to have both kinds over one document.
    let (xml, caps) = w.finish_captured().unwrap_or_else(|e| panic!("{e}"));
    let doc = Document::parse(xml.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    w2.copy(&doc, doc.root());
    let (xml2, caps2) = w2.finish_captured().unwrap_or_else(|e| panic!("{e}"));
    let doc2 = Document::parse(xml2.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    let body = by_id(&doc, "B");
    assert_eq!(caps.len(), 1);
    assert_eq!(caps[0].kind(), CaptureKind::Content);
    assert_eq!(caps[0].canonical(), content(&doc, body).as_slice());
    assert_eq!(caps[0].content(), doc.content_span(body));
    assert_eq!(caps2.len(), 1);
    assert_eq!(caps2[0].id(), Some("B"));
    let body2 = by_id(&doc2, "B");
    let expected = exclusive(&doc2, body2);
    assert_eq!(
        String::from_utf8_lossy(caps2[0].canonical()),
        String::from_utf8_lossy(&expected)
    );
    let text = String::from_utf8_lossy(&expected);
    assert!(
        text.starts_with(r#"<s:Body xmlns:ns1="urn:z" xmlns:s="urn:env" xmlns:wsu="#),
        "{text}"
    );
}

#[test]
fn an_id_to_sign_twice_is_an_error_and_a_captured_empty_element_gets_an_end_tag() {
    let mut w = Writer::new();
    w.capture_ids(vec!["x".to_owned()]);
    w.start("urn:a", "r");
    w.start("urn:a", "e").attr("", "Id", "x").end();
    w.start("urn:a", "f").attr("", "Id", "x").end();
    w.end();
    assert!(w.finish().is_err());

    let mut w = Writer::new();
    w.start("urn:a", "r").capture(CaptureKind::Element).end();
    let (xml, caps) = w.finish_captured().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(xml, r#"<ns1:r xmlns:ns1="urn:a"></ns1:r>"#);
    assert_eq!(caps[0].canonical(), xml.as_bytes());
    assert_eq!(caps[0].content(), 25..25);
}

#[test]
fn own_output_inside_a_capture_is_canonicalized_below_what_was_rendered() {
    let mut inner = Writer::new();
    inner
        .start_prefixed("urn:a", "i", Some("p"))
        .attr("urn:b", "k", "v");
    inner.element_text("urn:c", "j", "1");
    inner.end();
    inner.comment("c");
    let inner = inner.finish().unwrap_or_else(|e| panic!("{e}"));
    for kind in [CaptureKind::Element, CaptureKind::Content] {
        let mut w = Writer::new();
        w.start_prefixed("urn:a", "r", Some("p"))
            .attr("", "Id", "r");
        w.capture(kind);
        w.start("urn:b", "m");
        w.insert_own_output(&inner);
        w.end();
        w.insert_own_output(&inner);
        w.end();
        let (xml, caps) = w.finish_captured().unwrap_or_else(|e| panic!("{e}"));
        let doc = Document::parse(xml.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        let r = by_id(&doc, "r");
        let expected = match kind {
            CaptureKind::Element => exclusive(&doc, r),
            CaptureKind::Content => content(&doc, r),
        };
        assert_eq!(
            String::from_utf8_lossy(caps[0].canonical()),
            String::from_utf8_lossy(&expected),
            "{kind:?}"
        );
    }
}

/// A random piece of output.
#[derive(Clone, Debug)]
enum Piece {
    Element {
        ns: usize,
        prefix: Option<usize>,
        declares: Vec<(usize, usize)>,
        attrs: Vec<(usize, usize, String)>,
        capture: Option<bool>,
        id: bool,
        children: Vec<Self>,
    },
    Text(String),
    Comment(String),
    Pi(String),
    Own(Box<Self>),
}

const URIS: &[&str] = &["", "urn:a", "urn:b", "urn:a&b\"c", ns::WSU, ns::XML];
const PREFIXES: &[&str] = &["", "p", "q", "a", "wsu", "ns1"];
const LOCALS: &[&str] = &["x", "y", "Id", "z", "lang"];

fn text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("a".to_owned()),
            Just("&".to_owned()),
            Just("<".to_owned()),
            Just(">".to_owned()),
            Just("\"".to_owned()),
            Just("'".to_owned()),
            Just("\r".to_owned()),
            Just("\n".to_owned()),
            Just("\t".to_owned()),
            Just(" ".to_owned()),
            Just("]]>".to_owned()),
            Just("\u{e9}\u{10348}".to_owned()),
        ],
        0..6,
    )
    .prop_map(|v| v.concat())
}

fn piece() -> impl Strategy<Value = Piece> {
    let leaf = prop_oneof![
        text().prop_map(Piece::Text),
        "[a-z ]{0,6}".prop_map(Piece::Comment),
        "[a-z ]{0,6}".prop_map(Piece::Pi),
    ];
    leaf.prop_recursive(5, 48, 6, |inner| {
        prop_oneof![
            4 => (
                0..URIS.len() - 1,
                proptest::option::of(0..PREFIXES.len()),
                proptest::collection::vec((0..PREFIXES.len(), 0..URIS.len() - 1), 0..3),
                proptest::collection::vec((0..URIS.len(), 0..LOCALS.len(), text()), 0..4),
                proptest::option::of(any::<bool>()),
                any::<bool>(),
                proptest::collection::vec(inner.clone(), 0..5),
            )
                .prop_map(|(ns, prefix, declares, attrs, capture, id, children)| {
                    Piece::Element {
                        ns,
                        prefix,
                        declares,
                        attrs,
                        capture,
                        id,
                        children,
                    }
                }),
            1 => inner.prop_map(|p| Piece::Own(Box::new(p))),
        ]
    })
}

struct Run {
    next: usize,
    /// Explicit captures, in the order their elements end: (element Id, kind).
    explicit: Vec<(String, CaptureKind)>,
    /// Ids given to the writer to capture.
    watched: Vec<String>,
}

fn write(w: &mut Writer, p: &Piece, run: &mut Run, own: bool) {
    match p {
        Piece::Text(t) => {
            w.text(t);
        }
        Piece::Comment(c) => {
            w.comment(c.trim_end_matches('-'));
        }
        Piece::Pi(d) => {
            w.processing_instruction("pi", d.trim());
        }
        Piece::Own(inner) => {
            let mut fresh = Writer::new();
            write(&mut fresh, inner, run, true);
            if let Ok(xml) = fresh.finish() {
                if w.can_insert_own_output() {
                    w.insert_own_output(&xml);
                }
            }
        }
        Piece::Element {
            ns,
            prefix,
            declares,
            attrs,
            capture,
            id,
            children,
        } => {
            w.start_prefixed(URIS[*ns], "e", prefix.map(|p| PREFIXES[p]));
            let mut declared: Vec<usize> = Vec::new();
            for (p, u) in declares {
                if declared.contains(p) || *prefix == Some(*p) {
                    continue;
                }
                declared.push(*p);
                if PREFIXES[*p].is_empty() || !URIS[*u].is_empty() {
                    w.declare(PREFIXES[*p], URIS[*u]);
                }
            }
            let mut seen: Vec<(usize, usize)> = Vec::new();
            for (u, l, v) in attrs {
                // One attribute per name; Id attributes only as the test gives them.
                let key = (*u, *l);
                if seen.contains(&key)
                    || LOCALS[*l] == "Id"
                    || (URIS[*u] == ns::XML && LOCALS[*l] != "lang")
                {
                    continue;
                }
                seen.push(key);
                w.attr(URIS[*u], LOCALS[*l], v);
            }
            run.next += 1;
            let my_id = format!("e{}", run.next);
            let explicit = match capture {
                Some(true) if !own => Some(CaptureKind::Element),
                Some(false) if !own => Some(CaptureKind::Content),
                _ => None,
            };
            if *id || explicit.is_some() {
                if *id && !own {
                    run.watched.push(my_id.clone());
                }
                w.attr("", "Id", &my_id);
            }
            if let Some(k) = explicit {
                w.capture(k);
            }
            for c in children {
                write(w, c, run, own);
            }
            w.end();
            if let Some(k) = explicit {
                run.explicit.push((my_id, k));
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn captures_equal_canonicalizing_the_parsed_output(root in piece()) {
        let root = match root {
            e @ Piece::Element { .. } => e,
            other => Piece::Element {
                ns: 1, prefix: None, declares: vec![], attrs: vec![], capture: Some(true),
                id: false, children: vec![other],
            },
        };
        // Ids are known before writing: a first pass collects them.
        let mut dry = Run { next: 0, explicit: vec![], watched: vec![] };
        let mut scratch = Writer::new();
        write(&mut scratch, &root, &mut dry, false);
        let mut w = Writer::new();
        w.capture_ids(dry.watched.clone());
        let mut run = Run { next: 0, explicit: vec![], watched: vec![] };
        write(&mut w, &root, &mut run, false);
        let (xml, caps) = match w.finish_captured() {
            Ok(done) => done,
            // A random declaration may rebind the element's own prefix: refused, rightly.
            Err(crate::xml::Error::Write("namespace prefix declared twice on one element")) => {
                return Ok(());
            }
            Err(e) => panic!("{e}"),
        };
        let doc = Document::parse(xml.as_bytes()).unwrap_or_else(|e| panic!("{e}: {xml}"));
        let mut explicit = run.explicit.iter();
        let mut watched_seen = 0;
        for c in &caps {
            let (id, kind) = match c.id() {
                Some(id) => {
                    watched_seen += 1;
                    (id.to_owned(), CaptureKind::Element)
                }
                None => explicit.next().cloned().unwrap_or_else(|| panic!("extra capture")),
            };
            prop_assert_eq!(c.kind(), kind);
            let node = by_id(&doc, &id);
            let expected = match kind {
                CaptureKind::Element => exclusive(&doc, node),
                CaptureKind::Content => content(&doc, node),
            };
            prop_assert_eq!(
                String::from_utf8_lossy(c.canonical()),
                String::from_utf8_lossy(&expected),
                "{} in {}", id, xml
            );
            prop_assert_eq!(c.content(), doc.content_span(node));
        }
        prop_assert!(explicit.next().is_none());
        prop_assert_eq!(watched_seen, dry.watched.len());
    }
}
