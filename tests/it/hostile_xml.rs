//! Hostile XML: every case is refused with a typed error before work grows with the input.

use wstrust::xml::{Document, Error, Limits};

fn parse(s: &str) -> Result<Document, Error> {
    Document::parse(s.as_bytes())
}

macro_rules! refused {
    ($($name:ident: $input:expr => $pat:pat_param $(| $alt:pat_param)*,)*) => {$(
        #[test]
        fn $name() {
            let input: String = $input;
            match parse(&input) {
                Err($pat $(| $alt)*) => {}
                Err(other) => panic!("wrong error for {}: {other:?}", stringify!($name)),
                Ok(_) => panic!("{} was accepted", stringify!($name)),
            }
        }
    )*};
}

fn deep(n: usize) -> String {
    format!("{}{}", "<a>".repeat(n), "</a>".repeat(n))
}

refused! {
    doctype_internal_subset_billion_laughs: concat!(
        "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">",
        "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;\">]><lolz>&lol2;</lolz>").into()
        => Error::Forbidden { .. },
    doctype_external_xxe: "<!DOCTYPE r SYSTEM \"file:///etc/passwd\"><r/>".into()
        => Error::Forbidden { .. },
    doctype_parameter_entity: "<!DOCTYPE r [<!ENTITY % p SYSTEM \"http://x/\"> %p;]><r/>".into()
        => Error::Forbidden { .. },
    undeclared_entity_in_text: "<r>&ent;</r>".into() => Error::Forbidden { .. },
    undeclared_entity_in_attribute: "<r a=\"&ent;\"/>".into() => Error::Forbidden { .. },
    encoding_not_utf8: "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><r/>".into()
        => Error::Forbidden { .. },
    utf16_declared: "<?xml version=\"1.0\" encoding=\"UTF-16\"?><r/>".into()
        => Error::Forbidden { .. },
    xml_version_1_1: "<?xml version=\"1.1\"?><r/>".into() => Error::Forbidden { .. },
    nesting_deeper_than_64: deep(65) => Error::Limit { limit: "max_depth", .. },
    attributes_over_64: format!("<r {}/>",
        (0..65).map(|i| format!("a{i}=\"x\"")).collect::<Vec<_>>().join(" "))
        => Error::Limit { limit: "max_attributes", .. },
    ten_thousand_attributes: format!("<r {}/>",
        (0..10_000).map(|i| format!("a{i}=\"x\"")).collect::<Vec<_>>().join(" "))
        => Error::Limit { limit: "max_attributes", .. },
    one_mib_of_namespace_declarations: format!("<r {}/>",
        (0..40_000).map(|i| format!("xmlns:p{i}=\"urn:x:{i}\"")).collect::<Vec<_>>().join(" "))
        => Error::Limit { limit: "max_namespace_declarations", .. }
            | Error::Limit { limit: "max_namespaces_in_scope", .. },
    namespaces_in_scope_over_256: {
        let mut s = String::new();
        for d in 0..5 {
            s.push_str("<e ");
            for i in 0..60 { s.push_str(&format!("xmlns:p{d}x{i}=\"urn:{i}\" ")); }
            s.push('>');
        }
        s.push_str(&"</e>".repeat(5));
        s
    } => Error::Limit { limit: "max_namespaces_in_scope", .. },
    name_longer_than_1024: format!("<{}/>", "a".repeat(1025))
        => Error::Limit { limit: "max_name_len", .. },
    more_than_100000_nodes: format!("<r>{}</r>", "<a/>".repeat(100_001))
        => Error::Limit { limit: "max_nodes", .. },
    unbound_element_prefix: "<p:r/>".into() => Error::Namespace { .. },
    unbound_attribute_prefix: "<r p:a=\"1\"/>".into() => Error::Namespace { .. },
    duplicate_attribute: "<r a=\"1\" a=\"2\"/>".into() => Error::Namespace { .. } | Error::Syntax { .. },
    duplicate_expanded_attribute: "<r xmlns:p=\"urn:x\" xmlns:q=\"urn:x\" p:a=\"1\" q:a=\"2\"/>".into()
        => Error::Namespace { .. },
    duplicate_namespace_declaration: "<r xmlns:p=\"urn:x\" xmlns:p=\"urn:y\"/>".into()
        => Error::Namespace { .. } | Error::Syntax { .. },
    undeclaring_a_prefix: "<r xmlns:p=\"\"/>".into() => Error::Namespace { .. },
    rebinding_xml_prefix: "<r xmlns:xml=\"urn:x\"/>".into() => Error::Namespace { .. },
    binding_xmlns_namespace: "<r xmlns:p=\"http://www.w3.org/2000/xmlns/\"/>".into()
        => Error::Namespace { .. },
    control_character_reference: "<r>&#1;</r>".into() => Error::Forbidden { .. },
    literal_control_character: "<r>\u{1}</r>".into() => Error::Syntax { .. },
    nul_in_attribute: "<r a=\"&#0;\"/>".into() => Error::Forbidden { .. },
    less_than_in_attribute: "<r a=\"<\"/>".into() => Error::Syntax { .. },
    mismatched_end_tag: "<a><b></a></b>".into() => Error::Syntax { .. },
    unclosed_element: "<a><b></b>".into() => Error::Syntax { .. },
    two_document_elements: "<a/><b/>".into() => Error::Syntax { .. },
    text_after_document_element: "<a/>junk".into() => Error::Syntax { .. },
    no_document_element: "<!-- only a comment -->".into() => Error::Syntax { .. },
    xml_declaration_not_first: "<a/><?xml version=\"1.0\"?>".into() => Error::Syntax { .. },
    cdata_outside_document_element: "<![CDATA[x]]><a/>".into() => Error::Syntax { .. },
    double_hyphen_in_comment: "<a><!-- a -- b --></a>".into() => Error::Syntax { .. },
    bare_ampersand: "<a>fish & chips</a>".into() => Error::Syntax { .. } | Error::Forbidden { .. },
    bad_element_name: "<1a/>".into() => Error::Syntax { .. } | Error::Namespace { .. },
}

#[test]
fn invalid_utf8_is_refused() {
    let err = Document::parse(b"<a>\xff\xfe</a>").unwrap_err();
    assert!(matches!(err, Error::Forbidden { .. }), "{err:?}");
}

#[test]
fn utf16_input_is_refused() {
    let utf16: Vec<u8> = "\u{feff}<a/>"
        .encode_utf16()
        .flat_map(|u| u.to_le_bytes())
        .collect();
    assert!(Document::parse(&utf16).is_err());
}

#[test]
fn oversize_input_is_refused_before_parsing() {
    let mut limits = Limits::default();
    limits.max_bytes = 1024;
    let input = format!("<a>{}</a>", "x".repeat(2000));
    let err = Document::parse_with(input.as_bytes(), &limits).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Limit {
                limit: "max_bytes",
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn text_node_limit_counts_merged_pieces() {
    let mut limits = Limits::default();
    limits.max_text_len = 100;
    // Many references merge into one text node; the merged length is what is limited.
    let input = format!("<a>{}</a>", "&amp;".repeat(150));
    let err = Document::parse_with(input.as_bytes(), &limits).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Limit {
                limit: "max_text_len",
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn raised_limits_stay_linear_for_ten_thousand_attributes() {
    // With limits raised, duplicate detection is hashed: this parses in linear time.
    let mut limits = Limits::default();
    limits.max_attributes = 20_000;
    let input = format!(
        "<r {}/>",
        (0..10_000)
            .map(|i| format!("a{i}=\"x\""))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let doc = Document::parse_with(input.as_bytes(), &limits).unwrap();
    assert_eq!(doc.attributes(doc.root()).len(), 10_000);
    // And a duplicate at the very end is still found.
    let dup = input.replace("/>", " a5=\"y\"/>");
    assert!(Document::parse_with(dup.as_bytes(), &limits).is_err());
}

#[test]
fn raised_limits_stay_linear_for_one_mib_of_declarations() {
    let mut limits = Limits::default();
    limits.max_namespace_declarations = 50_000;
    limits.max_namespaces_in_scope = 50_000;
    let decls: Vec<String> = (0..40_000)
        .map(|i| format!("xmlns:p{i}=\"urn:x:{i}\""))
        .collect();
    let input = format!("<r {}><p39999:c/></r>", decls.join(" "));
    assert!(input.len() > 1024 * 1024);
    let doc = Document::parse_with(input.as_bytes(), &limits).unwrap();
    let child = doc.child_elements(doc.root()).next().unwrap();
    assert_eq!(doc.name(child).ns, "urn:x:39999");
}

#[test]
fn duplicate_ids_are_detected_not_resolved() {
    let doc = parse(concat!(
        "<r xmlns:wsu=\"http://docs.oasis-open.org/wss/2004/01/",
        "oasis-200401-wss-wssecurity-utility-1.0.xsd\">",
        "<a wsu:Id=\"x\"/><b Id=\"x\"/><c ID=\"y\"/></r>"
    ))
    .unwrap();
    assert!(doc.has_duplicate_ids());
    assert!(doc.element_by_id("x").is_err());
    assert!(doc.element_by_id("y").unwrap().is_some());
}

#[test]
fn predefined_and_character_references_are_decoded() {
    let doc = parse("<a b=\"&lt;&#x41;&#66;&quot;\">&amp;&gt;&apos;&#x1F600;</a>").unwrap();
    assert_eq!(doc.attribute(doc.root(), "", "b"), Some("<AB\""));
    assert_eq!(doc.text(doc.root()), "&>'\u{1F600}");
}

#[test]
fn line_ends_are_normalized_but_referenced_cr_is_kept() {
    let doc = parse("<a x=\"1\r\n2\">l1\r\nl2\rl3&#13;</a>").unwrap();
    assert_eq!(doc.text(doc.root()), "l1\nl2\nl3\r");
    assert_eq!(doc.attribute(doc.root(), "", "x"), Some("1 2"));
}
