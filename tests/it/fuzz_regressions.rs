//! Replays the saved fuzz regression corpus (`fuzz/regressions/<target>/`) through the same
//! `wstrust::fuzzing` harness functions the fuzz targets call: no input may panic. New crash
//! inputs found by `cargo fuzz` are saved there (see `fuzz/regressions/README.md`).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use wstrust::fuzzing::{self, Fixture, FixturePem};

use crate::support::fixture_text;

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let pem = |n: &str| fixture_text(&format!("clients/pki/{n}"));
        let (sts_key, sts_cert, client, ca, rp) = (
            pem("sts.key"),
            pem("sts.pem"),
            pem("client.pem"),
            pem("ca.pem"),
            pem("rp.pem"),
        );
        Fixture::new(&FixturePem {
            sts_key: &sts_key,
            sts_cert: &sts_cert,
            client_cert: &client,
            ca_cert: &ca,
            rp_cert: &rp,
        })
        .unwrap()
    })
}

/// The saved inputs of `target` (README files excluded), sorted.
fn inputs(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != "README.md"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no saved inputs for {target}");
    files
}

fn replay(target: &str, harness: impl Fn(&[u8])) {
    for path in inputs(target) {
        let data = std::fs::read(&path).unwrap();
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| harness(&data)));
        assert!(result.is_ok(), "{target}: {} panics", path.display());
    }
}

#[test]
fn xml_parser() {
    replay("xml_parser", fuzzing::xml_parser);
}

#[test]
fn c14n() {
    replay("c14n", fuzzing::c14n);
}

#[test]
fn wss_header() {
    replay("wss_header", |d| fuzzing::wss_header(fixture(), d));
}

#[test]
fn rst() {
    replay("rst", fuzzing::rst);
}

#[test]
fn saml() {
    replay("saml", |d| fuzzing::saml(fixture(), d));
}

#[test]
fn keyx_json() {
    replay("keyx_json", |d| fuzzing::keyx_json(fixture(), d));
}

#[test]
fn engine() {
    replay("engine", |d| fuzzing::engine(fixture(), d));
}

/// Fuzz finding (xml_parser, `pi-target-with-combining-mark-crash-4cd72543`): the reader
/// accepted a processing instruction whose target has a combining mark (an XML NameChar),
/// the writer refused to copy it. Both now apply one NCName rule.
#[test]
fn writer_copies_what_the_reader_accepts_in_names() {
    for xml in [
        "<doc><?pi\u{348}x data?></doc>",
        "<doc><?t\u{203f}u?></doc>",
        "<a\u{301}:b\u{36f} xmlns:a\u{301}=\"urn:x\" c\u{2040}=\"1\"/>",
    ] {
        let doc = wstrust::xml::Document::parse(xml.as_bytes()).unwrap();
        let mut w = wstrust::xml::Writer::new();
        w.copy(&doc, doc.root());
        let out = w.finish().unwrap_or_else(|e| panic!("{xml:?}: {e}"));
        wstrust::xml::Document::parse(out.as_bytes()).unwrap();
    }
}

/// Fuzz finding (c14n, `colon-prefixed-xmlns-attribute-crash-50a1d010`): the reader took the
/// attribute `:xmlns` (an XML 1.0 Name, not a QName) as an unprefixed attribute named
/// `xmlns`, which inclusive c14n then wrote among the attributes, after the namespace
/// declarations: canonicalizing the output again moved it first, so c14n was no fixed point,
/// and a signer and a verifier could disagree on one document. Names with an empty prefix
/// are now refused as the namespace-well-formedness errors they are.
#[test]
fn a_colon_needs_a_prefix_before_it() {
    for xml in [
        "<e :xmlns=\"urn:x\"/>",
        "<e :a=\"1\"/>",
        "<:e/>",
        "<e xmlns:=\"urn:x\"/>",
        "<e a:=\"1\" xmlns:a=\"urn:x\"/>",
    ] {
        assert!(
            wstrust::xml::Document::parse(xml.as_bytes()).is_err(),
            "{xml} must be refused"
        );
    }
    // What is fine stays fine.
    for xml in ["<e a=\"1\"/>", "<p:e xmlns:p=\"urn:x\" p:a=\"1\"/>"] {
        assert!(
            wstrust::xml::Document::parse(xml.as_bytes()).is_ok(),
            "{xml}"
        );
    }
}
