//! The symmetric binding over an X509 protection token made by hand in Python with lxml and
//! `cryptography` only (no xmlsec, no WS-Security library: `tests/interop/symmetric_py.py`):
//! a random key K wrapped RSA-OAEP for sts.pem, a UsernameToken, an HMAC-SHA1 signature under
//! K over exclusive-c14n'd parts, the Body content encrypted with K (AES-256-CBC or GCM), in
//! both orders. The engine answers in-process over a confidential channel; Python checks the
//! reply's HMAC under K over its exc-c14n SignedInfo and every digest, the signed
//! SignatureConfirmation and RelatesTo, decrypts the Body with K and prints the proof key,
//! which must be the key the service decrypts from the SCT (issued to the UsernameToken's
//! user).

use std::path::PathBuf;
use std::process::Command;

use wstrust::engine::request::Incoming;
use wstrust::engine::Transport;
use wstrust::wss::SystemClock;
use wstrust::xml::Document;

use crate::interop_support::{
    fact, facts, hex, interop_engine, peer_available, pki, repo, run_ok, scratch, service_view,
};

/// The venv's Python with lxml and cryptography, or `None` after the skip notice (in CI:
/// a failure).
fn python() -> Option<PathBuf> {
    let py = repo().join(".venv-interop/bin/python");
    let ok = Command::new(&py)
        .args(["-c", "import lxml, cryptography"])
        .output()
        .is_ok_and(|o| o.status.success());
    peer_available("lxml and cryptography (.venv-interop)", ok).then_some(py)
}

/// One hand-made exchange: the request facts, the reply, and the folder.
struct Exchange {
    dir: PathBuf,
    facts: Vec<(String, String)>,
    reply: String,
}

fn exchange(py: &PathBuf, order: &str, cipher: &str) -> Exchange {
    let dir = scratch(&format!("symm-py-{order}-{cipher}"));
    let request = dir.join("request.xml");
    let out = run_ok(
        Command::new(py)
            .arg(repo().join("tests/interop/symmetric_py.py"))
            .arg("request")
            .arg(pki())
            .arg(&request)
            .args([order, cipher]),
    );
    let body = std::fs::read(&request).unwrap();
    let text = String::from_utf8_lossy(&body);
    assert!(
        !text.contains("RequestType"),
        "{order}: the Body is encrypted"
    );
    assert_eq!(
        text.contains("SignatureValue"),
        order == "encrypt-then-sign",
        "{order}: sign-then-encrypt hides the signature"
    );
    let response = interop_engine().handle(
        Incoming {
            body: &body,
            content_type: Some("application/soap+xml; charset=utf-8"),
            soap_action: None,
        },
        Transport {
            confidential: true,
            ..Transport::default()
        },
        &SystemClock,
    );
    assert_eq!(
        response.status, 200,
        "{order} {cipher}: the engine refused the hand-made request: {:?}\n{text}",
        response.log
    );
    assert!(!response.body.contains("RequestSecurityTokenResponse"));
    Exchange {
        dir,
        facts: facts(&out),
        reply: response.body,
    }
}

/// Python's verdict on `reply` as the answer to `x`.
fn check_reply(py: &PathBuf, x: &Exchange, reply: &str) -> std::process::Output {
    let path = x.dir.join("reply.xml");
    std::fs::write(&path, reply).unwrap();
    Command::new(py)
        .arg(repo().join("tests/interop/symmetric_py.py"))
        .arg("response")
        .arg(&path)
        .arg(x.dir.join("plain.xml"))
        .args([
            fact(&x.facts, "key"),
            fact(&x.facts, "ek-sha1"),
            fact(&x.facts, "message-id"),
            fact(&x.facts, "signature-value"),
        ])
        .output()
        .unwrap()
}

/// The cases (order, Body cipher); each must be answered and its reply verified in Python.
pub const PYTHON_SYMMETRIC_CASES: &[(&str, &str)] = &[
    ("encrypt-then-sign", "aes256-cbc"),
    ("encrypt-then-sign", "aes256-gcm"),
    ("sign-then-encrypt", "aes256-cbc"),
    ("sign-then-encrypt", "aes256-gcm"),
];

#[test]
fn python_without_xmlsec_gets_a_reply_under_its_random_key() {
    let Some(py) = python() else { return };
    for &(order, cipher) in PYTHON_SYMMETRIC_CASES {
        let x = exchange(&py, order, cipher);
        let out = check_reply(&py, &x, &x.reply);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success() && stdout.lines().any(|l| l == "ok"),
            "{order} {cipher}: Python refused the reply (left in {})\n{stdout}\n{}",
            x.dir.display(),
            String::from_utf8_lossy(&out.stderr),
        );
        let f = facts(&stdout);
        assert!(
            x.reply.contains(&format!("#{cipher}\"")),
            "{order} {cipher}: the reply keeps to the request's cipher"
        );
        // The request was signed with HMAC-SHA1 (and SHA-1 digests); the default realm's
        // `compatible` suite admits it, so the symmetric reply keeps to the requester's
        // algorithms (`engine::algorithms`).
        assert_eq!(
            fact(&f, "signature-method"),
            "http://www.w3.org/2000/09/xmldsig#hmac-sha1"
        );
        let signed = fact(&f, "signed");
        for part in ["Body", "RelatesTo", "SignatureConfirmation"] {
            assert!(signed.split(',').any(|p| p == part), "{signed}");
        }
        // The proof key Python decrypted is the key the service reads from the SCT.
        let plain = std::fs::read(x.dir.join("plain.xml")).unwrap();
        let doc = Document::parse(&plain).unwrap();
        let (principal, service) = service_view(&doc);
        assert_eq!(principal, "alice", "the UsernameToken's user");
        assert_eq!(service.len(), 32);
        assert_eq!(fact(&f, "key"), hex(&service), "{order} {cipher}");

        // One signed byte changed (the RelatesTo), or one byte of the Body ciphertext: refused.
        let id = fact(&x.facts, "message-id");
        assert_eq!(x.reply.matches(id).count(), 1);
        let changed_id = format!(
            "{}{}",
            &id[..id.len() - 1],
            if id.ends_with('0') { '1' } else { '0' }
        );
        let at = x.reply.find(":Body").unwrap();
        let cv = at + x.reply[at..].find("CipherValue>").unwrap() + 40;
        let mut bytes = x.reply.clone().into_bytes();
        bytes[cv] = if bytes[cv] == b'A' { b'B' } else { b'A' };
        for (what, reply) in [
            ("RelatesTo", x.reply.replacen(id, &changed_id, 1)),
            ("Body ciphertext", String::from_utf8(bytes).unwrap()),
        ] {
            assert_ne!(reply, x.reply);
            let out = check_reply(&py, &x, &reply);
            assert!(
                !out.status.success(),
                "{order} {cipher}: Python accepted a reply with its {what} changed"
            );
            let err = String::from_utf8_lossy(&out.stderr);
            // The reply keeps to the request's cipher (`engine::algorithms`): under AES-GCM a
            // changed ciphertext byte fails the tag check; under AES-CBC (no integrity of its
            // own) it decrypts to bytes that do not parse, and Python refuses it as it is.
            if what == "RelatesTo" || cipher == "aes256-gcm" {
                assert!(err.contains("check failed"), "{what}: {err}");
            }
        }
        let _ = std::fs::remove_dir_all(&x.dir);
    }
}
