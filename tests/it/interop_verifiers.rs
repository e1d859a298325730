//! Independent verifiers of what the engine emits: python-xmlsec (libxmlsec1), signxml, and
//! node's xml-crypto + xml-encryption check every signature in our responses (the envelope
//! signature over Body, Timestamp, SignatureConfirmation and the WS-Addressing reply headers by
//! wsu:Id; the STS's signature on the SCT's issuer key, and the SCT's HMAC under that key) and
//! decrypt every EncryptedKey we emit with the addressee's key (proof key or server entropy
//! with client.key, the SCT's key with rp.key); the requester's key must equal the service's
//! key, and both must equal what our own service-side reading of the SCT says.

use std::path::Path;
use std::process::Command;

use wstrust::xml::Document;
use wstrust::xmlsec::base64_encode;

use crate::interop_support::{
    fact, facts, hex, interop_engine, node_peer, pki, python_peer, repo, run_ok, scratch,
    service_key, Recorded,
};

/// One engine response the verifiers check.
pub struct VerifierCase {
    /// The recorded request that produced it.
    pub request: &'static str,
    /// Sent over a confidential channel.
    pub confidential: bool,
    /// The proof form the requester reads.
    pub proof: &'static str,
    /// How the server entropy travels (for computed keys).
    pub server_entropy: Option<&'static str>,
}

/// The responses checked: one per proof-key delivery the engine implements.
pub const VERIFIER_CASES: &[VerifierCase] = &[
    VerifierCase {
        request: "zeep-soap11-x509-binary-issue-symmetric.xml",
        confidential: false,
        proof: "encrypted-key",
        server_entropy: None,
    },
    VerifierCase {
        request: "zeep-soap12-x509-sha256-issue-entropy.xml",
        confidential: false,
        proof: "computed-key",
        server_entropy: Some("encrypted-key"),
    },
    VerifierCase {
        request: "node-soap-soap12-cert-sct.xml",
        confidential: false,
        proof: "computed-key",
        server_entropy: Some("encrypted-key"),
    },
    VerifierCase {
        request: "zeep-soap11-username-sct.xml",
        confidential: true,
        proof: "computed-key",
        server_entropy: Some("binary-secret"),
    },
];

/// The verifiers, as named in the docs matrix.
pub const VERIFIERS: &[(&str, &str)] = &[
    (
        "python-xmlsec 1.3.17 (libxmlsec1)",
        "envelope, issuer key and SCT signatures, every EncryptedKey",
    ),
    ("signxml 5.2.0", "envelope, issuer key and SCT signatures"),
    (
        "xml-crypto 6.3.2 + xml-encryption 3.1.0 (node)",
        "envelope, issuer key and SCT signatures, every EncryptedKey",
    ),
];

struct Produced {
    response: std::path::PathBuf,
    entropy: String,
    service: String,
}

fn produce(case: &VerifierCase, dir: &Path) -> Produced {
    let r = Recorded::load(case.request);
    let resp = r.send(&interop_engine(), case.confidential);
    assert_eq!(resp.status, 200, "{}: {:?}", case.request, resp.log);
    let response = dir.join(case.request.replace(".xml", ".response.xml"));
    std::fs::write(&response, &resp.body).unwrap();
    let doc = Document::parse(resp.body.as_bytes()).unwrap();
    Produced {
        response,
        entropy: r
            .client_entropy()
            .as_deref()
            .map(base64_encode)
            .unwrap_or_default(),
        service: hex(&service_key(&doc)),
    }
}

fn check_facts(who: &str, case: &VerifierCase, p: &Produced, out: &str) {
    let f = facts(out);
    assert!(
        out.lines().any(|l| l == "ok"),
        "{who} {}: {out}",
        case.request
    );
    assert_eq!(fact(&f, "sct-signature"), "valid", "{who}");
    assert_eq!(fact(&f, "proof"), case.proof, "{who} {}", case.request);
    if let Some(e) = case.server_entropy {
        assert_eq!(fact(&f, "server-entropy"), e, "{who} {}", case.request);
    }
    assert_eq!(fact(&f, "service-key"), p.service, "{who} {}", case.request);
    assert_eq!(fact(&f, "key"), p.service, "{who} {}", case.request);
    // The envelope signature covers Body, Timestamp, SignatureConfirmation (only when the
    // request was signed) and the WS-Addressing reply headers (when the request had them).
    let signed = fact(&f, "signed");
    for part in ["Body", "Timestamp"] {
        assert!(
            signed.split(',').any(|s| s == part),
            "{who} {}: {signed}",
            case.request
        );
    }
    let signed_request = case.request.contains("x509") || case.request.contains("-cert-");
    assert_eq!(
        signed.split(',').any(|s| s == "SignatureConfirmation"),
        signed_request,
        "{who} {}: {signed}",
        case.request
    );
}

#[test]
fn python_xmlsec_and_signxml_verify_and_decrypt_what_we_emit() {
    let Some(py) = python_peer() else { return };
    let dir = scratch("python");
    for case in VERIFIER_CASES {
        let p = produce(case, &dir);
        let out = run_ok(
            Command::new(&py)
                .arg(repo().join("tests/interop/verify_py.py"))
                .arg(&p.response)
                .arg(pki())
                .arg(&p.entropy),
        );
        check_facts("python", case, &p, &out);
        let f = facts(&out);
        assert_eq!(fact(&f, "xmlsec-envelope-signature"), "valid");
        assert!(fact(&f, "signxml-envelope-signature").starts_with("valid"));
        assert_eq!(
            fact(&f, "signature-method"),
            "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn xml_crypto_and_xml_encryption_verify_and_decrypt_what_we_emit() {
    let Some(node) = node_peer() else { return };
    let dir = scratch("node");
    for case in VERIFIER_CASES {
        let p = produce(case, &dir);
        let out = run_ok(
            Command::new(&node)
                .arg(repo().join("tests/interop/verify_node.js"))
                .arg(&p.response)
                .arg(pki())
                .arg(&p.entropy),
        );
        check_facts("node", case, &p, &out);
        assert_eq!(fact(&facts(&out), "xml-crypto-envelope-signature"), "valid");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_verifiers_refuse_a_tampered_response() {
    let py = python_peer();
    let node = node_peer();
    if py.is_none() && node.is_none() {
        return;
    }
    let dir = scratch("tampered");
    let case = &VERIFIER_CASES[0];
    let p = produce(case, &dir);
    let text = std::fs::read_to_string(&p.response).unwrap();
    // Signed content changed (the token lifetime), signatures left as they were.
    let tampered = text.replacen("<wst:KeySize>256", "<wst:KeySize>128", 1);
    assert_ne!(tampered, text);
    std::fs::write(&p.response, tampered).unwrap();
    let script = |s: &str| repo().join("tests/interop").join(s);
    for (runner, s, why) in [
        (
            py,
            "verify_py.py",
            "VerificationError: Signature is invalid",
        ),
        (
            node,
            "verify_node.js",
            "FAILED: xml-crypto: signature verifies",
        ),
    ] {
        let Some(runner) = runner else { continue };
        let out = Command::new(runner)
            .arg(script(s))
            .arg(&p.response)
            .arg(pki())
            .arg(&p.entropy)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{s} accepted a tampered response");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(why), "{s}: {err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
