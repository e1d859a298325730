//! Canonicalization against the W3C and interop vectors in `../shared/fixtures/c14n` (see its
//! MANIFEST §1) and the CoreWCF exc-c14n digests (§5.5).

use wstrust::xml::{canonicalize, C14nOptions, Document, NodeId};

use crate::support::{fixture, fixture_text};

fn c14n(doc: &Document, node: NodeId, opts: &C14nOptions) -> String {
    let mut out = Vec::new();
    canonicalize(doc, node, opts, &mut out).expect("c14n");
    String::from_utf8(out).expect("utf-8")
}

fn first_named(doc: &Document, ns: &str, local: &str) -> NodeId {
    doc.descendants_or_self(doc.root())
        .find(|n| doc.is(*n, ns, local))
        .expect("element present")
}

/// Removes a DOCTYPE that only names an external DTD (it adds nothing to the infoset we
/// canonicalize): we refuse every DTD, so the vector is fed without it.
fn strip_doctype(s: &str) -> String {
    let start = s.find("<!DOCTYPE").expect("doctype");
    let end = if s[start..].contains('[') && s[start..].find('[') < s[start..].find('>') {
        start + s[start..].find("]>").expect("internal subset end") + 2
    } else {
        start + s[start..].find('>').expect("doctype end") + 1
    };
    format!("{}{}", &s[..start], &s[end..])
}

const SPEC: &str = "c14n/w3c-c14n10-spec-examples/";

#[test]
fn spec_3_1_pis_comments_outside_document_element() {
    let input = strip_doctype(&fixture_text(&format!("{SPEC}31_input.xml")));
    let doc = Document::parse(input.as_bytes()).unwrap();
    let whole = doc.document_node();
    assert_eq!(
        c14n(&doc, whole, &C14nOptions::inclusive()),
        fixture_text(&format!("{SPEC}31_c14n.xml"))
    );
    assert_eq!(
        c14n(&doc, whole, &C14nOptions::inclusive().with_comments(true)),
        fixture_text(&format!("{SPEC}31_c14n-comments.xml"))
    );
}

#[test]
fn spec_3_2_whitespace_in_content() {
    let doc = Document::parse(&fixture(&format!("{SPEC}32_input.xml"))).unwrap();
    assert_eq!(
        c14n(&doc, doc.document_node(), &C14nOptions::inclusive()),
        fixture_text(&format!("{SPEC}32_c14n.xml"))
    );
}

#[test]
fn spec_3_3_start_end_tags_and_namespaces() {
    // The internal subset only adds a default attribute to e9, which a parser without DTD
    // support (ours, by design) does not see: every other byte must match.
    let input = strip_doctype(&fixture_text(&format!("{SPEC}33_input.xml")));
    let doc = Document::parse(input.as_bytes()).unwrap();
    let expected = fixture_text(&format!("{SPEC}33_c14n.xml")).replace(" attr=\"default\"", "");
    assert_eq!(
        c14n(&doc, doc.document_node(), &C14nOptions::inclusive()),
        expected
    );
}

#[test]
fn spec_3_4_character_modifications_and_references() {
    // The internal subset types two attributes (ID, NMTOKENS); without it they are CDATA and
    // are normalized as CDATA. Every other line must match the spec output exactly.
    let input = strip_doctype(&fixture_text(&format!("{SPEC}34_input.xml")));
    let doc = Document::parse(input.as_bytes()).unwrap();
    let got = c14n(&doc, doc.document_node(), &C14nOptions::inclusive());
    let expected = fixture_text(&format!("{SPEC}34_c14n.xml"));
    let keep = |s: &str| {
        s.lines()
            .filter(|l| !l.contains("<normNames") && !l.contains("<normId"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(keep(&got), keep(&expected));
    assert!(got.contains("<normNames attr=\"   A    &#xD;&#xA;&#x9;   B   \"></normNames>"));
    assert!(got.contains("<normId id=\" '    &#xD;&#xA;&#x9;   ' \"></normId>"));
}

#[test]
fn spec_3_5_entity_references_are_refused() {
    let err = Document::parse(&fixture(&format!("{SPEC}35_input.xml"))).unwrap_err();
    assert!(
        matches!(err, wstrust::xml::Error::Forbidden { .. }),
        "{err}"
    );
}

#[test]
fn spec_3_6_non_utf8_encoding_is_refused() {
    let err = Document::parse(&fixture(&format!("{SPEC}36_input.xml"))).unwrap_err();
    assert!(
        matches!(err, wstrust::xml::Error::Forbidden { .. }),
        "{err}"
    );
}

#[test]
fn santuario_default_namespace_redefinition() {
    let doc = Document::parse(&fixture(&format!(
        "{SPEC}default_ns_redefinition_input.xml"
    )))
    .unwrap();
    let obj = doc.element_by_id("envelopedData").unwrap().unwrap();
    assert_eq!(
        c14n(&doc, obj, &C14nOptions::inclusive()),
        fixture_text(&format!("{SPEC}default_ns_redefinition_c14n.xml"))
    );
}

const EXC: &str = "c14n/exc-c14n-examples/";

#[test]
fn exc_spec_2_2_inclusive_depends_on_context() {
    for (input, expected) in [
        ("example2_2_1.xml", "example2_2_1_c14nized.xml"),
        ("example2_2_2.xml", "example2_2_2_c14nized.xml"),
    ] {
        let doc = Document::parse(&fixture(&format!("{EXC}{input}"))).unwrap();
        let elem2 = first_named(&doc, "http://example.net", "elem2");
        assert_eq!(
            c14n(&doc, elem2, &C14nOptions::inclusive().with_comments(true)),
            fixture_text(&format!("{EXC}{expected}")),
            "{input}"
        );
    }
}

#[test]
fn exc_spec_2_2_exclusive_is_context_free() {
    let expected = fixture_text(&format!("{EXC}example2_2_c14nized_exclusive.xml"));
    for input in ["example2_2_1.xml", "example2_2_2.xml"] {
        let doc = Document::parse(&fixture(&format!("{EXC}{input}"))).unwrap();
        let elem2 = first_named(&doc, "http://example.net", "elem2");
        assert_eq!(
            c14n(&doc, elem2, &C14nOptions::exclusive().with_comments(true)),
            expected,
            "{input}"
        );
    }
}

#[test]
fn exc_santuario_263_declared_where_first_used() {
    let doc = Document::parse(&fixture(&format!("{EXC}example2_4.xml"))).unwrap();
    let elem2 = first_named(&doc, "http://example.net", "elem2");
    assert_eq!(
        c14n(&doc, elem2, &C14nOptions::exclusive().with_comments(true)),
        fixture_text(&format!("{EXC}example2_4_c14nized.xml"))
    );
}

#[test]
fn exc_large_soap_body() {
    let doc = Document::parse(&fixture(&format!("{EXC}plain-soap-1.1.xml"))).unwrap();
    let body = first_named(&doc, wstrust::xml::ns::SOAP11, "Body");
    assert_eq!(
        c14n(&doc, body, &C14nOptions::exclusive().with_comments(true)),
        fixture_text(&format!("{EXC}plain-soap-c14nized.xml"))
    );
}

#[test]
fn merlin_exc_c14n_one_prefix_lists() {
    let dir = "c14n/merlin-exc-c14n-one/";
    let doc = Document::parse(&fixture(&format!("{dir}exc-signature.xml"))).unwrap();
    let obj = doc.element_by_id("to-be-signed").unwrap().unwrap();
    let cases = [
        (C14nOptions::exclusive(), "c14n-0.txt"),
        (
            C14nOptions::exclusive().with_prefix_list("bar #default"),
            "c14n-1.txt",
        ),
        (C14nOptions::exclusive().with_comments(true), "c14n-2.txt"),
        (
            C14nOptions::exclusive()
                .with_comments(true)
                .with_prefix_list("bar #default"),
            "c14n-3.txt",
        ),
    ];
    for (opts, expected) in cases {
        assert_eq!(
            c14n(&doc, obj, &opts),
            fixture_text(&format!("{dir}{expected}")),
            "{expected}"
        );
    }
    let si = first_named(&doc, wstrust::xml::ns::DS, "SignedInfo");
    assert_eq!(
        c14n(&doc, si, &C14nOptions::exclusive()),
        fixture_text(&format!("{dir}c14n-4.txt"))
    );
}

#[test]
fn corewcf_timestamp_to_and_signed_info() {
    let dir = "wssc/corewcf-sct-psha1/";
    let cases = [
        (
            "01-rst-sct-issue.request.compact.xml",
            "_0",
            "01-c14n-ref-_0-timestamp.txt",
        ),
        (
            "01-rst-sct-issue.request.compact.xml",
            "_1",
            "01-c14n-ref-_1-to.txt",
        ),
        (
            "03-app-request-sct-hmac.compact.xml",
            "_0",
            "03-c14n-ref-_0-timestamp.txt",
        ),
        (
            "05-rst-sct-cancel.request.compact.xml",
            "_0",
            "05-c14n-ref-_0-timestamp.txt",
        ),
    ];
    for (msg, id, expected) in cases {
        let doc = Document::parse(&fixture(&format!("{dir}{msg}"))).unwrap();
        let node = doc.element_by_id(id).unwrap().unwrap();
        assert_eq!(
            c14n(&doc, node, &C14nOptions::exclusive()),
            fixture_text(&format!("{dir}expected/{expected}")),
            "{msg} #{id}"
        );
    }
    for (msg, expected) in [
        (
            "03-app-request-sct-hmac.compact.xml",
            "03-c14n-signedinfo.txt",
        ),
        (
            "05-rst-sct-cancel.request.compact.xml",
            "05-c14n-signedinfo.txt",
        ),
    ] {
        let doc = Document::parse(&fixture(&format!("{dir}{msg}"))).unwrap();
        let si = first_named(&doc, wstrust::xml::ns::DS, "SignedInfo");
        assert_eq!(
            c14n(&doc, si, &C14nOptions::exclusive()),
            fixture_text(&format!("{dir}expected/{expected}")),
            "{msg}"
        );
    }
}
