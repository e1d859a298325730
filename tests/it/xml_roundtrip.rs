//! Every XML fixture parses (or is refused for a documented reason), and what the writer
//! emits parses back to the same content.

use std::path::Path;

use proptest::prelude::*;
use wstrust::xml::{canonicalize, C14nOptions, Document, Error, NodeKind, Writer};

use crate::support::shared;

fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out);
        } else if p
            .extension()
            .is_some_and(|e| e == "xml" || e == "wsdl" || e == "xsd")
        {
            out.push(p);
        }
    }
}

fn exc(doc: &Document) -> Vec<u8> {
    let mut out = Vec::new();
    canonicalize(doc, doc.root(), &C14nOptions::exclusive(), &mut out).unwrap();
    out
}

#[test]
fn every_fixture_parses_and_copies_faithfully() {
    let mut files = Vec::new();
    walk(&shared(), &mut files);
    assert!(files.len() > 250, "only {} xml fixtures found", files.len());
    let (mut parsed, mut refused) = (0, 0);
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        match Document::parse(&bytes) {
            Ok(doc) => {
                parsed += 1;
                let mut w = Writer::new();
                w.copy(&doc, doc.root());
                let copy = w
                    .finish()
                    .unwrap_or_else(|e| panic!("{}: {e}", f.display()));
                let again = Document::parse(copy.as_bytes())
                    .unwrap_or_else(|e| panic!("{}: copy does not parse: {e}", f.display()));
                assert_eq!(exc(&doc), exc(&again), "{}", f.display());
            }
            Err(e) => {
                refused += 1;
                // The only fixtures we refuse carry a DTD or a non-UTF-8 encoding.
                let documented = text.contains("<!DOCTYPE")
                    || text.contains("encoding=\"ISO-8859-1\"")
                    || text.contains("encoding=\"iso-8859-1\"");
                assert!(
                    documented && matches!(e, Error::Forbidden { .. }),
                    "{} refused unexpectedly: {e}",
                    f.display()
                );
            }
        }
    }
    // Each refusal was checked above to be a DTD or a non-UTF-8 encoding.
    assert!(
        parsed > 250 && refused <= 20,
        "parsed {parsed}, refused {refused}"
    );
}

fn xml_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just('&'),
            Just('<'),
            Just('>'),
            Just('"'),
            Just('\''),
            Just('\r'),
            Just('\n'),
            Just('\t'),
            Just('\u{1}'),
            Just(']'),
            any::<char>(),
            proptest::char::range('a', 'z'),
        ],
        0..40,
    )
    .prop_map(|v| v.into_iter().collect())
}

fn is_xml_char(c: char) -> bool {
    matches!(c, '\u{9}' | '\u{A}' | '\u{D}' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}')
        || c >= '\u{10000}'
}

proptest! {
    #[test]
    fn written_text_and_attributes_parse_back_exactly(text in xml_text(), value in xml_text()) {
        let mut w = Writer::new();
        w.start("urn:t", "a").attr("", "v", &value).attr("urn:u", "w", &value).text(&text).end();
        let valid = text.chars().all(is_xml_char) && value.chars().all(is_xml_char);
        match w.finish() {
            Ok(out) => {
                prop_assert!(valid);
                let doc = Document::parse(out.as_bytes()).unwrap();
                let root = doc.root();
                prop_assert_eq!(doc.attribute(root, "", "v"), Some(value.as_str()));
                prop_assert_eq!(doc.attribute(root, "urn:u", "w"), Some(value.as_str()));
                let got = doc.text(root);
                prop_assert_eq!(got.as_ref(), text.as_str());
            }
            Err(_) => prop_assert!(!valid),
        }
    }

    #[test]
    fn writer_never_emits_markup_from_names(local in "[a-zA-Z_][a-zA-Z0-9_.-]{0,8}|.{0,8}") {
        let mut w = Writer::new();
        w.start("urn:t", &local).end();
        if let Ok(out) = w.finish() {
            let doc = Document::parse(out.as_bytes()).unwrap();
            prop_assert_eq!(doc.name(doc.root()).local, local.as_str());
            prop_assert_eq!(doc.len(), 2);
        }
    }
}

#[test]
fn writer_declares_prefixes_once_and_reuses_them() {
    let mut w = Writer::new();
    w.start(wstrust::xml::ns::SOAP12, "Envelope")
        .start(wstrust::xml::ns::SOAP12, "Body")
        .start(
            wstrust::xml::ns::WST13,
            "RequestSecurityTokenResponseCollection",
        )
        .start(wstrust::xml::ns::WST13, "RequestSecurityTokenResponse")
        .attr(wstrust::xml::ns::WSU, "Id", "r1")
        .end()
        .end()
        .end()
        .end();
    let out = w.finish().unwrap();
    assert_eq!(out.matches("xmlns:wst=").count(), 1, "{out}");
    assert_eq!(out.matches("xmlns:s=").count(), 1, "{out}");
    let doc = Document::parse(out.as_bytes()).unwrap();
    assert!(doc.element_by_id("r1").unwrap().is_some());
}

#[test]
fn writer_refuses_unbalanced_and_late_attributes() {
    let mut w = Writer::new();
    w.start("urn:t", "a");
    assert!(w.finish().is_err());
    let mut w = Writer::new();
    w.start("urn:t", "a").text("x").attr("", "late", "1").end();
    assert!(w.finish().is_err());
    let mut w = Writer::new();
    w.start("urn:t", "a").comment("a--b").end();
    assert!(w.finish().is_err());
}

#[test]
fn copy_keeps_qname_valued_content_meaningful() {
    let doc = Document::parse(
        br#"<r xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><v xsi:type="xs:string">x</v></r>"#,
    )
    .unwrap();
    let v = doc.child_elements(doc.root()).next().unwrap();
    let mut w = Writer::new();
    w.copy(&doc, v);
    let out = w.finish().unwrap();
    let copy = Document::parse(out.as_bytes()).unwrap();
    assert_eq!(
        copy.lookup_namespace(copy.root(), "xs"),
        Some("http://www.w3.org/2001/XMLSchema")
    );
    assert_eq!(
        copy.kind(copy.children(copy.root()).next().unwrap()),
        NodeKind::Text("x")
    );
}

#[test]
fn spans_cover_elements_and_their_content() {
    let src = "<a x=\"1\"><b>text</b><c/><d></d></a>";
    let doc = Document::parse(src.as_bytes()).unwrap();
    let root = doc.root();
    assert_eq!(&src[doc.span(root)], src);
    assert_eq!(&src[doc.content_span(root)], "<b>text</b><c/><d></d>");
    let kids: Vec<_> = doc.child_elements(root).collect();
    assert_eq!(&src[doc.span(kids[0])], "<b>text</b>");
    assert_eq!(&src[doc.content_span(kids[0])], "text");
    assert_eq!(&src[doc.content_span(kids[1])], "");
    assert_eq!(&src[doc.content_span(kids[2])], "");
}
