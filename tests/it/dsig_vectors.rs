//! XML Signature against the W3C/interop vectors (MANIFEST §2, §4, §5, §7): the ones using
//! algorithms we support verify, the ones we refuse by design are asserted refused.

use wstrust::crypto::RsaPublicKey;
use wstrust::pki::Certificate;
use wstrust::xml::{ns, Document, NodeId};
use wstrust::xmlsec::{
    rsa_key_value, verify, x509_certificates, Error, NoResolver, Policy, Signature,
    VerificationKey, VerifiedSignature,
};

use crate::support::{fixture, fixture_text};

fn signature_node(doc: &Document) -> NodeId {
    doc.descendants_or_self(doc.root())
        .find(|n| doc.is(*n, ns::DS, "Signature"))
        .expect("a ds:Signature")
}

/// Policy for the old interop vectors: short keys are allowed for these tests only.
fn vector_policy() -> Policy {
    let mut p = Policy::default();
    p.min_rsa_bits = 1024;
    p.min_hmac_key_len = 1;
    p
}

fn verify_hmac(path: &str, key: &[u8], policy: &Policy) -> Result<VerifiedSignature, Error> {
    let doc = Document::parse(&fixture(path)).unwrap();
    let sig = Signature::read(&doc, signature_node(&doc), policy)?;
    verify(&doc, &sig, VerificationKey::Hmac(key), policy, &NoResolver)
}

fn verify_inline_rsa(path: &str, policy: &Policy) -> Result<VerifiedSignature, Error> {
    let doc = Document::parse(&fixture(path)).unwrap();
    let sig = Signature::read(&doc, signature_node(&doc), policy)?;
    let key = rsa_key_value(&doc, sig.key_info.unwrap())?.expect("RSAKeyValue");
    verify(&doc, &sig, VerificationKey::Rsa(&key), policy, &NoResolver)
}

fn verify_with_cert(
    path: &str,
    cert: &Certificate,
    policy: &Policy,
) -> Result<VerifiedSignature, Error> {
    let doc = Document::parse(&fixture(path)).unwrap();
    let sig = Signature::read(&doc, signature_node(&doc), policy)?;
    verify(
        &doc,
        &sig,
        VerificationKey::Rsa(cert.public_key()),
        policy,
        &NoResolver,
    )
}

#[test]
fn merlin_23_hmac_sha1_valid_and_truncated_refused() {
    let d = "xmldsig/merlin-xmldsig-twenty-three/";
    let p = vector_policy();
    verify_hmac(
        &format!("{d}signature-enveloping-hmac-sha1.xml"),
        b"secret",
        &p,
    )
    .unwrap();
    assert!(matches!(
        verify_hmac(
            &format!("{d}signature-enveloping-hmac-sha1-40.xml"),
            b"secret",
            &p
        ),
        Err(Error::Refused { .. })
    ));
    // Wrong key: the signature value does not verify.
    assert!(matches!(
        verify_hmac(
            &format!("{d}signature-enveloping-hmac-sha1.xml"),
            b"secreT",
            &p
        ),
        Err(Error::BadSignature)
    ));
}

#[test]
fn cve_2009_0217_truncation_attacks_refused() {
    let d = "xmldsig/hmac/santuario-cve-2009-0217/";
    for f in [
        "signature-enveloping-hmac-sha1-trunclen-0-attack.xml",
        "signature-enveloping-hmac-sha1-trunclen-8-attack.xml",
    ] {
        let r = verify_hmac(&format!("{d}{f}"), b"secret", &vector_policy());
        assert!(matches!(r, Err(Error::Refused { .. })), "{f}: {r:?}");
    }
}

#[test]
fn xmldsig11_interop_hmac() {
    let d = "xmldsig/hmac/xmldsig11-interop-2012/";
    let key = fixture(&format!("{d}keys/hmackey.bin"));
    let p = vector_policy();
    for f in [
        "signature-enveloping-hmac-sha1-truncated160.xml",
        "signature-enveloping-hmac-sha256.xml",
        "signature-enveloping-hmac-sha384.xml",
        "signature-enveloping-hmac-sha512.xml",
    ] {
        verify_hmac(&format!("{d}{f}"), &key, &p).unwrap_or_else(|e| panic!("{f}: {e}"));
    }
    assert!(matches!(
        verify_hmac(
            &format!("{d}signature-enveloping-hmac-sha1-truncated40.xml"),
            &key,
            &p
        ),
        Err(Error::Refused { .. })
    ));
    // HMAC-SHA224 is not an algorithm we implement.
    assert!(matches!(
        verify_hmac(
            &format!("{d}signature-enveloping-hmac-sha224.xml"),
            &key,
            &p
        ),
        Err(Error::UnsupportedAlgorithm { .. })
    ));
}

#[test]
fn microsoft_xmldsig11_rsa_and_hmac() {
    let d = "xmldsig/xmldsig11-microsoft/";
    let p = vector_policy();
    for sha in ["sha1", "sha256", "sha384", "sha512"] {
        for c14n in ["c14n", "exc-c14n"] {
            let f = format!("{d}rsa2048_{sha}_{c14n}.xml");
            let v =
                verify_inline_rsa(&f, &Policy::default()).unwrap_or_else(|e| panic!("{f}: {e}"));
            assert!(v.signed_nodes()[0].is_whole_document(), "{f}");
        }
        let key = fixture(&format!("{d}secret-{sha}.hmac"));
        let f = format!("{d}hmac_{sha}_exc-c14n.xml");
        verify_hmac(&f, &key, &p).unwrap_or_else(|e| panic!("{f}: {e}"));
    }
}

#[test]
fn sha1_signatures_are_refused_by_the_modern_suite() {
    let p = Policy::new(wstrust::xmlsec::Suite::Modern);
    let r = verify_inline_rsa("xmldsig/xmldsig11-microsoft/rsa2048_sha1_exc-c14n.xml", &p);
    assert!(matches!(r, Err(Error::AlgorithmRefused { .. })), "{r:?}");
}

#[test]
fn merlin_23_rsa_1024_needs_an_explicit_policy() {
    let f = "xmldsig/merlin-xmldsig-twenty-three/signature-enveloping-rsa.xml";
    verify_inline_rsa(f, &vector_policy()).unwrap();
    assert!(matches!(
        verify_inline_rsa(f, &Policy::default()),
        Err(Error::Refused { .. })
    ));
}

#[test]
fn merlin_23_dsa_is_unsupported() {
    let f = "xmldsig/merlin-xmldsig-twenty-three/signature-enveloping-dsa.xml";
    let doc = Document::parse(&fixture(f)).unwrap();
    assert!(matches!(
        Signature::read(&doc, signature_node(&doc), &Policy::default()),
        Err(Error::UnsupportedAlgorithm { .. })
    ));
}

#[test]
fn merlin_23_complex_signature_is_refused_for_its_transforms() {
    // XSLT, XPath and external references are out of our profile by design; this vector
    // already fails earlier, at its DTD.
    let f = "xmldsig/merlin-xmldsig-twenty-three/signature.xml";
    assert!(matches!(
        Document::parse(&fixture(f)),
        Err(wstrust::xml::Error::Forbidden { .. })
    ));
    // The same transforms in a DTD-free signature are refused when read.
    for (uri, what) in [
        ("http://www.w3.org/TR/1999/REC-xslt-19991116", "xslt"),
        ("http://www.w3.org/TR/1999/REC-xpath-19991116", "xpath"),
        (
            "http://www.w3.org/2002/06/xmldsig-filter2",
            "xpath filter 2",
        ),
        ("http://www.w3.org/2000/09/xmldsig#base64", "base64"),
    ] {
        let xml = format!(
            concat!(
                "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:SignedInfo>",
                "<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>",
                "<ds:SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256\"/>",
                "<ds:Reference URI=\"\"><ds:Transforms><ds:Transform Algorithm=\"{}\"/></ds:Transforms>",
                "<ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/>",
                "<ds:DigestValue>AA==</ds:DigestValue></ds:Reference></ds:SignedInfo>",
                "<ds:SignatureValue>AA==</ds:SignatureValue></ds:Signature>"
            ),
            uri
        );
        let doc = Document::parse(xml.as_bytes()).unwrap();
        assert!(
            matches!(
                Signature::read(&doc, doc.root(), &Policy::default()),
                Err(Error::UnsupportedAlgorithm { .. })
            ),
            "{what}"
        );
    }
}

#[test]
fn real_world_azure_metadata_and_okta_prefix_list() {
    let d = "xmldsig/real-world-exc-c14n/";
    for (xml, pem) in [
        ("wsfederation_metadata.xml", "wsfederation_metadata.pem"),
        (
            "signature_with_inclusivenamespaces.xml",
            "signature_with_inclusivenamespaces.pem",
        ),
    ] {
        let cert = Certificate::from_pem(&fixture_text(&format!("{d}{pem}"))).unwrap();
        // Okta's key is RSA-1024: accepted only by an explicit policy.
        let policy = if cert.public_key().modulus_bits() < 2048 {
            assert!(verify_with_cert(&format!("{d}{xml}"), &cert, &Policy::default()).is_err());
            vector_policy()
        } else {
            Policy::default()
        };
        let v = verify_with_cert(&format!("{d}{xml}"), &cert, &policy)
            .unwrap_or_else(|e| panic!("{xml}: {e}"));
        // The enveloping element is what is covered.
        let doc = Document::parse(&fixture(&format!("{d}{xml}"))).unwrap();
        assert_eq!(v.signed_nodes()[0].node(), doc.root(), "{xml}");
    }
}

#[test]
fn adfs_saml11_assertion_signature_verifies_with_its_inline_certificate() {
    let f = "wstrust/adfs-adal/common.rstr.xml";
    let doc = Document::parse(&fixture(f)).unwrap();
    let sig_node = signature_node(&doc);
    let sig = Signature::read(&doc, sig_node, &Policy::default()).unwrap();
    let der = x509_certificates(&doc, sig.key_info.unwrap()).unwrap();
    let cert = Certificate::from_der(&der[0]).unwrap();
    assert!(cert.subject().contains("ADFS Signing"));
    let v = verify(
        &doc,
        &sig,
        VerificationKey::Rsa(cert.public_key()),
        &Policy::default(),
        &NoResolver,
    )
    .unwrap();
    let assertion = doc.parent_element(sig_node).unwrap();
    assert!(doc.is(assertion, ns::SAML1, "Assertion"));
    assert!(v.references(assertion));
}

#[test]
fn adfs_pretty_printed_rstr_digest_fails() {
    let f = "wstrust/adfs-adal/RSTR.xml";
    let doc = Document::parse(&fixture(f)).unwrap();
    let sig = Signature::read(&doc, signature_node(&doc), &Policy::default()).unwrap();
    let der = x509_certificates(&doc, sig.key_info.unwrap()).unwrap();
    let cert = Certificate::from_der(&der[0]).unwrap();
    let r = verify(
        &doc,
        &sig,
        VerificationKey::Rsa(cert.public_key()),
        &Policy::default(),
        &NoResolver,
    );
    assert!(r.is_err(), "pretty-printed signature must not verify");
}

#[test]
fn wss_signed_soap12_request_with_prefix_lists() {
    let d = "wssecurity/signxml-soap12-wss-signed/";
    let doc = Document::parse(&fixture(&format!("{d}request.xml"))).unwrap();
    let sig = Signature::read(&doc, signature_node(&doc), &Policy::default()).unwrap();
    let der = x509_certificates(&doc, sig.key_info.unwrap()).unwrap();
    let cert = Certificate::from_der(&der[0]).unwrap();
    let v = verify(
        &doc,
        &sig,
        VerificationKey::Rsa(cert.public_key()),
        &Policy::default(),
        &NoResolver,
    )
    .unwrap();
    let body = doc
        .child_elements(doc.root())
        .find(|n| doc.is(*n, ns::SOAP12, "Body"))
        .unwrap();
    assert!(v.references(body));
}

#[test]
fn corewcf_hmac_signature_keyed_by_the_psha1_sct_key() {
    let d = "wssc/corewcf-sct-psha1/";
    let hex = fixture_text(&format!("{d}expected/sct-key-psha1-32.hex"));
    let key: Vec<u8> = (0..hex.trim().len() / 2)
        .map(|i| u8::from_str_radix(&hex.trim()[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    for msg in [
        "03-app-request-sct-hmac.compact.xml",
        "05-rst-sct-cancel.request.compact.xml",
    ] {
        let doc = Document::parse(&fixture(&format!("{d}{msg}"))).unwrap();
        let sig = Signature::read(&doc, signature_node(&doc), &Policy::default()).unwrap();
        verify(
            &doc,
            &sig,
            VerificationKey::Hmac(&key),
            &Policy::default(),
            &NoResolver,
        )
        .unwrap_or_else(|e| panic!("{msg}: {e}"));
        // An RSA key is never accepted for an HMAC signature.
        let pem = fixture_text("clients/pki/client.pem");
        let cert = Certificate::from_pem(&pem).unwrap();
        assert!(matches!(
            verify(
                &doc,
                &sig,
                VerificationKey::Rsa(cert.public_key()),
                &Policy::default(),
                &NoResolver
            ),
            Err(Error::WrongKeyType)
        ));
    }
}

#[test]
fn public_key_spki_round_trip_matches_certificate() {
    let pem = fixture_text("clients/pki/sts.pem");
    let cert = Certificate::from_pem(&pem).unwrap();
    let again = RsaPublicKey::from_spki_der(&cert.public_key().spki_der()).unwrap();
    assert_eq!(again.modulus_bits(), 2048);
    assert_eq!(cert.thumbprint_sha1().len(), 20);
    assert_eq!(cert.subject_key_id().len(), 20);
}
