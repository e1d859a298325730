//! Our assertions checked by independent peers: libxmlsec1 (`xmlsec1`) verifies the STS
//! signature and decrypts the holder-of-key key and the EncryptedAssertion with the service
//! key, libxml2 (`xmllint`) validates them against the OASIS SAML 1.1 and 2.0 schemas; and we
//! validate a real AD FS SAML 1.1 assertion.

use std::path::{Path, PathBuf};
use std::process::Command;

use wstrust::crypto::BlockCipher;
use wstrust::pki::Certificate;
use wstrust::saml::{
    encrypt, issue, validate, Confirmation, RecipientReference, SamlVersion, TrustedIssuer,
    ValidationPolicy,
};
use wstrust::xml::{datetime, ns, Document, Writer};
use wstrust::xmlsec::x509_certificates;
use wstrust::xmlsec::{write_encrypted_data, EncryptedType};

use crate::saml_support::{pki, spec, Kind, KINDS, PROOF_KEY};
use crate::support::{fixture, require_tool, shared};

struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Self {
        use std::sync::atomic::{AtomicU64, Ordering};
        static N: AtomicU64 = AtomicU64::new(0);
        let d = std::env::temp_dir().join(format!(
            "wstrust-saml-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&d).unwrap();
        Self(d)
    }

    fn file(&self, name: &str, content: &[u8]) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, content).unwrap();
        p
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.0).ok();
    }
}

fn run(
    tool: &str,
    args: &[&dyn AsRef<std::ffi::OsStr>],
    env: &[(&str, &Path)],
) -> (bool, Vec<u8>, String) {
    let mut c = Command::new(tool);
    for a in args {
        c.arg(a);
    }
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().unwrap_or_else(|e| panic!("run {tool}: {e}"));
    (
        out.status.success(),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn pki_file(name: &str) -> PathBuf {
    shared().join("clients/pki").join(name)
}

/// `xmlsec1 --verify` with the STS certificate as the only trusted one.
fn xmlsec1_verifies(version: SamlVersion, file: &Path) -> (bool, String) {
    let (attr, node) = match version {
        SamlVersion::V20 => (
            "--id-attr:ID",
            "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
        ),
        SamlVersion::V11 => (
            "--id-attr:AssertionID",
            "urn:oasis:names:tc:SAML:1.0:assertion:Assertion",
        ),
    };
    let (ok, _, err) = run(
        "xmlsec1",
        &[
            &"--verify",
            &"--trusted-pem",
            &pki_file("ca.pem"),
            &"--pubkey-cert-pem",
            &pki_file("sts.pem"),
            &attr,
            &node,
            &file,
        ],
        &[],
    );
    (ok, err)
}

#[test]
fn xmlsec1_verifies_our_assertions() {
    if !require_tool("xmlsec1") {
        return;
    }
    let pki = pki();
    for version in [SamlVersion::V20, SamlVersion::V11] {
        for kind in KINDS {
            let issued = issue(&spec(version, kind, true), pki.signer()).unwrap();
            let s = Scratch::new("verify");
            let f = s.file("assertion.xml", issued.xml.as_bytes());
            let (ok, err) = xmlsec1_verifies(version, &f);
            assert!(ok, "{version:?} {kind:?}: {err}\n{}", issued.xml);
            // A changed attribute value fails, so the check above can fail.
            let bad = s.file(
                "bad.xml",
                issued
                    .xml
                    .replace(">alice@example.org<", ">mallory@example.org<")
                    .as_bytes(),
            );
            assert!(
                !xmlsec1_verifies(version, &bad).0,
                "{version:?}: tampered copy verified"
            );
        }
    }
}

fn xmllint_validates(version: SamlVersion, file: &Path) -> (bool, String) {
    let schema = match version {
        SamlVersion::V20 => "/usr/share/xml/opensaml/saml-schema-assertion-2.0.xsd",
        SamlVersion::V11 => "/usr/share/xml/opensaml/cs-sstc-schema-assertion-1.1.xsd",
    };
    let catalog = shared().join("schemas/saml-catalog.xml");
    let (ok, _, err) = run(
        "xmllint",
        &[&"--nonet", &"--noout", &"--schema", &schema, &file],
        &[("XML_CATALOG_FILES", &catalog)],
    );
    (ok, err)
}

/// The SAML schemas come from Debian's opensaml-schemas (installed by `scripts/test`).
fn have_schemas() -> bool {
    if !require_tool("xmllint") {
        return false;
    }
    let there = Path::new("/usr/share/xml/opensaml/saml-schema-assertion-2.0.xsd").is_file()
        && Path::new("/usr/share/xml/xmltooling/xmldsig-core-schema.xsd").is_file();
    if !there {
        assert!(
            !crate::support::in_ci(),
            "opensaml-schemas and xmltooling-schemas are required in CI"
        );
        eprintln!("skipped: opensaml-schemas / xmltooling-schemas not installed (scripts/test installs them)");
    }
    there
}

#[test]
fn xmllint_validates_our_assertions_against_the_oasis_schemas() {
    if !have_schemas() {
        return;
    }
    let pki = pki();
    for version in [SamlVersion::V20, SamlVersion::V11] {
        for kind in KINDS {
            for actor in [false, true] {
                let issued = issue(&spec(version, kind, actor), pki.signer()).unwrap();
                let s = Scratch::new("xsd");
                let f = s.file("assertion.xml", issued.xml.as_bytes());
                let (ok, err) = xmllint_validates(version, &f);
                assert!(ok, "{version:?} {kind:?}: {err}\n{}", issued.xml);
                if version == SamlVersion::V20 {
                    let enc =
                        encrypt(&issued, &pki.rp, RecipientReference::ThumbprintSha1).unwrap();
                    let f = s.file("encrypted.xml", enc.as_bytes());
                    let (ok, err) = xmllint_validates(version, &f);
                    assert!(ok, "EncryptedAssertion: {err}\n{enc}");
                }
            }
        }
        // And the schema check can fail: an element the schema does not allow there.
        let issued = issue(&spec(version, Kind::Bearer, false), pki.signer()).unwrap();
        let s = Scratch::new("xsd-bad");
        let bad = issued
            .xml
            .replacen("<saml:Conditions ", "<saml:Bogus/><saml:Conditions ", 1);
        let f = s.file("bad.xml", bad.as_bytes());
        assert!(
            !xmllint_validates(version, &f).0,
            "{version:?}: invalid assertion passed"
        );
    }
}

/// xmlsec1 (1.2.37) will not start decryption at a bare `EncryptedKey`, so the assertion's
/// `xenc:EncryptedKey` is copied into the `ds:KeyInfo` of an `EncryptedData` of a known text
/// made with the expected proof key: xmlsec1 must unwrap our EncryptedKey with the service key
/// to get the one key whose GCM tag checks.
fn hok_probe(assertion: &str) -> String {
    let doc = Document::parse(assertion.as_bytes()).unwrap();
    let eks: Vec<_> = doc
        .descendants_or_self(doc.root())
        .filter(|n| doc.is(*n, ns::XENC, "EncryptedKey"))
        .collect();
    // SAML 1.1 writes the confirmation into each subject statement.
    assert!(!eks.is_empty());
    let ek = eks[0];
    let mut w = Writer::new();
    w.start("urn:probe", "Probe");
    let key_info = |w: &mut Writer| {
        w.copy(&doc, ek);
    };
    write_encrypted_data(
        &mut w,
        None,
        EncryptedType::Element,
        BlockCipher::Aes256Gcm,
        &PROOF_KEY,
        b"<Known xmlns=\"urn:probe\">proof key recovered</Known>",
        Some(&key_info),
    )
    .unwrap();
    w.end();
    w.finish().unwrap()
}

#[test]
fn xmlsec1_decrypts_the_holder_of_key_key_with_the_service_key() {
    if !require_tool("xmlsec1") {
        return;
    }
    let pki = pki();
    for version in [SamlVersion::V20, SamlVersion::V11] {
        for kind in [Kind::SymmetricThumbprint, Kind::SymmetricSki] {
            let issued = issue(&spec(version, kind, false), pki.signer()).unwrap();
            let s = Scratch::new("hok");
            let f = s.file("probe.xml", hok_probe(&issued.xml).as_bytes());
            let (ok, out, err) = run(
                "xmlsec1",
                &[&"--decrypt", &"--privkey-pem", &pki_file("rp.key"), &f],
                &[],
            );
            assert!(ok, "{version:?} {kind:?}: {err}");
            let out = String::from_utf8(out).unwrap();
            assert!(out.contains("proof key recovered"), "{out}");
            // With another private key it fails.
            let (ok, _, _) = run(
                "xmlsec1",
                &[&"--decrypt", &"--privkey-pem", &pki_file("client.key"), &f],
                &[],
            );
            assert!(!ok, "decrypted with the wrong key");
        }
    }
}

#[test]
fn xmlsec1_decrypts_our_encrypted_assertion() {
    if !require_tool("xmlsec1") {
        return;
    }
    let pki = pki();
    for reference in [
        RecipientReference::ThumbprintSha1,
        RecipientReference::SubjectKeyIdentifier,
    ] {
        let issued = issue(&spec(SamlVersion::V20, Kind::Bearer, true), pki.signer()).unwrap();
        let enc = encrypt(&issued, &pki.rp, reference).unwrap();
        assert!(!enc.contains("alice@example.org"));
        assert!(enc.contains("http://www.w3.org/2009/xmlenc11#aes256-gcm"));
        assert!(enc.contains("http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"));
        let s = Scratch::new("encassert");
        let f = s.file("encrypted.xml", enc.as_bytes());
        let (ok, out, err) = run(
            "xmlsec1",
            &[&"--decrypt", &"--privkey-pem", &pki_file("rp.key"), &f],
            &[],
        );
        assert!(ok, "{err}");
        let out = String::from_utf8(out).unwrap();
        assert!(out.contains(&issued.xml), "{out}");
        // The decrypted document still verifies with xmlsec1.
        let g = s.file("decrypted.xml", out.as_bytes());
        let (ok, err) = xmlsec1_verifies(SamlVersion::V20, &g);
        assert!(ok, "{err}");
    }
}

#[test]
fn a_real_adfs_saml11_assertion_validates() {
    let doc = Document::parse(&fixture("wstrust/adfs-adal/common.rstr.xml")).unwrap();
    let a = doc
        .descendants_or_self(doc.root())
        .find(|n| doc.is(*n, ns::SAML1, "Assertion"))
        .unwrap();
    let sig = doc.child(a, ns::DS, "Signature").unwrap();
    let ki = doc.child(sig, ns::DS, "KeyInfo").unwrap();
    let der = x509_certificates(&doc, ki).unwrap();
    let cert = Certificate::from_der(&der[0]).unwrap();
    let trusted = [TrustedIssuer::named(
        cert,
        "http://fs.naturalcauses.com/adfs/services/trust",
    )];
    let now = datetime::parse("2014-01-27T08:30:00Z").unwrap();
    let policy = ValidationPolicy::new(&trusted, ["urn:federation:MicrosoftOnline"], now);
    let v = validate(&doc, a, &policy).unwrap();
    assert_eq!(v.version, SamlVersion::V11);
    assert_eq!(v.id, "_bf137f90-7dd7-4668-8a39-8bf55eb52017");
    assert_eq!(v.subject.value, "43YRzTrh+Ue8eTecnqLAxQ==");
    assert!(matches!(v.confirmation, Confirmation::Bearer));
    assert_eq!(v.claims.len(), 2);
    assert_eq!(v.claims[0].uri, "http://schemas.xmlsoap.org/claims/UPN");
    assert_eq!(v.claims[0].values, ["frizzo@naturalcauses.com"]);
    assert_eq!(
        v.claims[1].uri,
        "http://schemas.microsoft.com/LiveID/Federation/2008/05/ImmutableID"
    );
    // An hour later it has expired; for another audience it is refused.
    let mut late = ValidationPolicy::new(&trusted, ["urn:federation:MicrosoftOnline"], now);
    late.now_ms = now + 2 * 3_600_000;
    assert!(validate(&doc, a, &late).is_err());
    let other = ValidationPolicy::new(&trusted, ["urn:someone:else"], now);
    assert!(validate(&doc, a, &other).is_err());
}
