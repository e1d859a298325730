//! Apache WSS4J 1.6 (Debian `libwss4j-java`, Santuario 2.1) as the requester, live: it signs
//! (BST, RSA-SHA256 over Body + Timestamp) and encrypts (EncryptedKey RSA-OAEP for sts.pem,
//! AES-CBC Body content) an RST for a security context token; our engine answers in-process;
//! WSS4J then processes our response's security header (STS signature, Timestamp,
//! SignatureConfirmation), decrypts the proof material addressed to the client with its own
//! EncryptedKeyProcessor, derives CK/PSHA1 with its own P_SHA1, checks the SCT's enveloped
//! signature with Santuario and prints the key; the key must equal what the service reads from
//! the SCT with `rp.key`.
//!
//! The symmetric binding with an X509 protection token too (`symmetric-request` /
//! `symmetric-response`): WSS4J sends a random key K as an EncryptedKey for sts.pem, signs
//! (HMAC, by K or a DerivedKeyToken over the EncryptedKey, WS-SC 1.3 and 2005/02) the Body,
//! Timestamp, MessageID and a UsernameToken and encrypts the Body, in both orders; it then
//! verifies and decrypts our reply under K (which its callback hands out only for the
//! EncryptedKeySHA1 of the key it sent) and reads the proof key.

use std::process::{Command, Output};

use wstrust::crypto::random_bytes;
use wstrust::engine::request::Incoming;
use wstrust::engine::Transport;
use wstrust::wss::SystemClock;
use wstrust::xml::{ns, Document};
use wstrust::xmlsec::base64_encode;

use crate::interop_support::{
    fact, facts, find, hex, interop_engine, pki, scratch, service_key, service_view, wss4j,
    wss4j_peer,
};

/// SOAP version of a case.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum Soap {
    /// SOAP 1.1.
    V11,
    /// SOAP 1.2.
    V12,
}

impl Soap {
    /// For tables.
    pub fn label(self) -> &'static str {
        match self {
            Self::V11 => "1.1",
            Self::V12 => "1.2",
        }
    }
}

/// One WSS4J requester case.
pub struct Wss4jCase {
    /// Short name.
    pub name: &'static str,
    /// SOAP version.
    pub soap: Soap,
    /// `rsa-sha256` or `rsa-sha1`.
    pub signature: &'static str,
    /// `aes128`, `aes256` or `none` (signature only).
    pub encryption: &'static str,
    /// The RST carries client entropy (then the proof is CK/PSHA1).
    pub entropy: bool,
}

/// The cases: every one must be issued an SCT whose key both sides agree on.
pub const WSS4J_CASES: &[Wss4jCase] = &[
    Wss4jCase {
        name: "sign-encrypt-aes256-entropy",
        soap: Soap::V11,
        signature: "rsa-sha256",
        encryption: "aes256",
        entropy: true,
    },
    Wss4jCase {
        name: "sign-encrypt-aes128-entropy",
        soap: Soap::V12,
        signature: "rsa-sha256",
        encryption: "aes128",
        entropy: true,
    },
    Wss4jCase {
        name: "sign-encrypt-aes256-server-key",
        soap: Soap::V12,
        signature: "rsa-sha256",
        encryption: "aes256",
        entropy: false,
    },
    Wss4jCase {
        name: "sign-only-entropy",
        soap: Soap::V11,
        signature: "rsa-sha256",
        encryption: "none",
        entropy: true,
    },
    Wss4jCase {
        name: "sign-only-rsa-sha1-server-key",
        soap: Soap::V11,
        signature: "rsa-sha1",
        encryption: "none",
        entropy: false,
    },
];

const ISSUE_ACTION: &str = "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue";

/// The unsigned request WSS4J secures: WS-Addressing headers and a WS-Trust 1.3 RST for a
/// WS-SC 1.3 SCT, with client entropy when `entropy` is given.
fn template(soap: Soap, entropy: Option<&[u8]>) -> String {
    let env_ns = match soap {
        Soap::V11 => ns::SOAP11,
        Soap::V12 => ns::SOAP12,
    };
    let entropy = entropy
        .map(|e| {
            format!(
                "<wst:Entropy><wst:BinarySecret Type=\"http://docs.oasis-open.org/ws-sx/ws-trust/200512/Nonce\">{}</wst:BinarySecret></wst:Entropy>",
                base64_encode(e)
            )
        })
        .unwrap_or_default();
    format!(
        "<soap:Envelope xmlns:soap=\"{env_ns}\" xmlns:wsa=\"http://www.w3.org/2005/08/addressing\">\
<soap:Header><wsa:Action>{ISSUE_ACTION}</wsa:Action>\
<wsa:MessageID>urn:uuid:{msgid}</wsa:MessageID><wsa:To>https://sts.example.com/sts</wsa:To>\
<wsa:ReplyTo><wsa:Address>http://www.w3.org/2005/08/addressing/anonymous</wsa:Address></wsa:ReplyTo>\
</soap:Header><soap:Body>\
<wst:RequestSecurityToken xmlns:wst=\"http://docs.oasis-open.org/ws-sx/ws-trust/200512\">\
<wst:TokenType>http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512/sct</wst:TokenType>\
<wst:RequestType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue</wst:RequestType>\
<wsp:AppliesTo xmlns:wsp=\"http://schemas.xmlsoap.org/ws/2004/09/policy\"><wsa:EndpointReference>\
<wsa:Address>https://rp.example.com/service</wsa:Address></wsa:EndpointReference></wsp:AppliesTo>\
<wst:KeyType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/SymmetricKey</wst:KeyType>\
<wst:KeySize>256</wst:KeySize>{entropy}\
<wst:ComputedKeyAlgorithm>http://docs.oasis-open.org/ws-sx/ws-trust/200512/CK/PSHA1</wst:ComputedKeyAlgorithm>\
</wst:RequestSecurityToken></soap:Body></soap:Envelope>",
        msgid = hex(&random_bytes(16).unwrap()),
    )
}

/// Runs one case end to end and checks every step; returns the parts WSS4J found signed.
fn run(classpath: &str, case: &Wss4jCase) -> String {
    let dir = scratch(case.name);
    let entropy = case.entropy.then(|| random_bytes(32).unwrap());
    let template_path = dir.join("template.xml");
    std::fs::write(&template_path, template(case.soap, entropy.as_deref())).unwrap();
    let request_path = dir.join("request.xml");
    let pki = pki();
    let out = wss4j(
        classpath,
        &[
            "request",
            &pki.display().to_string(),
            &template_path.display().to_string(),
            &request_path.display().to_string(),
            case.signature,
            case.encryption,
        ],
    );
    let request_facts = facts(&out);
    assert!(fact(&request_facts, "signature-value").len() > 100);
    // The reply to an encrypted request is encrypted under the request's key: WSS4J gets it back.
    let ephemeral = request_facts
        .iter()
        .find(|(k, _)| k == "ephemeral-key")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let body = std::fs::read(&request_path).unwrap();
    if case.encryption != "none" {
        let text = String::from_utf8_lossy(&body);
        assert!(
            !text.contains("RequestSecurityToken"),
            "{}: the body is encrypted",
            case.name
        );
    }

    let engine = interop_engine();
    let (content_type, soap_action) = match case.soap {
        Soap::V11 => ("text/xml; charset=utf-8".to_owned(), Some(ISSUE_ACTION)),
        Soap::V12 => (
            format!("application/soap+xml; charset=utf-8; action=\"{ISSUE_ACTION}\""),
            None,
        ),
    };
    let response = engine.handle(
        Incoming {
            body: &body,
            content_type: Some(&content_type),
            soap_action,
        },
        Transport {
            confidential: false,
            peer: None,
        },
        &SystemClock,
    );
    assert_eq!(
        response.status, 200,
        "{}: the engine refused WSS4J's request: {:?}",
        case.name, response.log
    );
    let response_path = dir.join("response.xml");
    std::fs::write(&response_path, &response.body).unwrap();

    let entropy_b64 = entropy.as_deref().map(base64_encode).unwrap_or_default();
    let out = wss4j(
        classpath,
        &[
            "response",
            &pki.display().to_string(),
            &request_path.display().to_string(),
            &response_path.display().to_string(),
            &entropy_b64,
            &ephemeral,
        ],
    );
    let f = facts(&out);
    assert!(out.lines().any(|l| l == "ok"), "{}: {out}", case.name);
    assert!(fact(&f, "signer").contains("sts"), "{}", case.name);
    assert_eq!(
        fact(&f, "signature-method"),
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    );
    assert_eq!(fact(&f, "sct-signature"), "valid");
    assert_eq!(
        fact(&f, "proof"),
        if case.entropy {
            "computed-key"
        } else {
            "encrypted-key"
        },
        "{}",
        case.name
    );
    if case.entropy {
        assert_eq!(fact(&f, "server-entropy"), "encrypted-key", "{}", case.name);
    }
    // The key WSS4J holds is the key the service decrypts from the SCT.
    // A reply to an encrypted request is encrypted under the request's key; read it as WSS4J
    // decrypted it (WSS4J could only do so with the key it sent).
    let plain = if case.encryption == "none" {
        response.body
    } else {
        assert!(!response.body.contains("RequestSecurityTokenResponse"));
        std::fs::read_to_string(dir.join("response.xml.plain.xml")).unwrap()
    };
    let doc = Document::parse(plain.as_bytes()).unwrap();
    assert!(find(&doc, ns::WST13, "RequestSecurityTokenResponseCollection").is_some());
    let service = service_key(&doc);
    assert_eq!(service.len(), 32);
    assert_eq!(fact(&f, "key"), hex(&service), "{}", case.name);
    assert_eq!(fact(&f, "service-key"), hex(&service), "{}", case.name);
    let _ = std::fs::remove_dir_all(&dir);
    fact(&f, "signed").to_owned()
}

#[test]
fn wss4j_requester_gets_an_sct_and_agrees_on_the_key() {
    let Some(cp) = wss4j_peer() else { return };
    for case in WSS4J_CASES {
        assert_eq!(
            run(&cp, case),
            "Action,Body,MessageID,RelatesTo,SignatureConfirmation,Timestamp,To",
            "{}",
            case.name
        );
    }
}

#[test]
fn wss4j_sees_a_tampered_response_fail() {
    let Some(cp) = wss4j_peer() else { return };
    let dir = scratch("tampered");
    let template_path = dir.join("template.xml");
    std::fs::write(&template_path, template(Soap::V11, None)).unwrap();
    let request_path = dir.join("request.xml");
    let pki = pki().display().to_string();
    wss4j(
        &cp,
        &[
            "request",
            &pki,
            &template_path.display().to_string(),
            &request_path.display().to_string(),
            "rsa-sha256",
            "none",
        ],
    );
    let body = std::fs::read(&request_path).unwrap();
    let response = interop_engine().handle(
        Incoming {
            body: &body,
            content_type: Some("text/xml"),
            soap_action: Some(ISSUE_ACTION),
        },
        Transport::default(),
        &SystemClock,
    );
    assert_eq!(response.status, 200, "{:?}", response.log);
    // One byte of the signed lifetime changed: WSS4J must refuse the response.
    let tampered = response
        .body
        .replacen("<wst:KeySize>256", "<wst:KeySize>128", 1);
    assert_ne!(tampered, response.body);
    let response_path = dir.join("response.xml");
    std::fs::write(&response_path, tampered).unwrap();
    let out = Command::new("java")
        .arg("-cp")
        .arg(&cp)
        .args([
            "Wss4jPeer",
            "response",
            &pki,
            &request_path.display().to_string(),
            &response_path.display().to_string(),
            "",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success(), "WSS4J accepted a tampered response");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("The signature or decryption was invalid"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// One WSS4J symmetric-binding case (WS-SecurityPolicy SymmetricBinding, X509 protection
/// token, a UsernameToken as signed supporting token: what CXF builds on WSS4J 1.6).
pub struct Wss4jSymmetricCase {
    /// Short name.
    pub name: &'static str,
    /// SOAP version.
    pub soap: Soap,
    /// `encrypt-then-sign` or `sign-then-encrypt` (the Signature encrypted too).
    pub order: &'static str,
    /// `none` (the EncryptedKey's key signs and encrypts), `sc13` or `sc2005` (a
    /// DerivedKeyToken over the EncryptedKey for each).
    pub derived: &'static str,
    /// `hmac-sha1` or `hmac-sha256`.
    pub signature: &'static str,
}

const fn symmetric(
    name: &'static str,
    soap: Soap,
    order: &'static str,
    derived: &'static str,
    signature: &'static str,
) -> Wss4jSymmetricCase {
    Wss4jSymmetricCase {
        name,
        soap,
        order,
        derived,
        signature,
    }
}

/// Both orders, the key itself or derived keys (WS-SC 1.3 and 2005/02), both HMACs.
pub const WSS4J_SYMMETRIC_CASES: &[Wss4jSymmetricCase] = &[
    symmetric(
        "symm-ets-key-sha1",
        Soap::V11,
        "encrypt-then-sign",
        "none",
        "hmac-sha1",
    ),
    symmetric(
        "symm-ets-key-sha256",
        Soap::V12,
        "encrypt-then-sign",
        "none",
        "hmac-sha256",
    ),
    symmetric(
        "symm-ste-key-sha1",
        Soap::V12,
        "sign-then-encrypt",
        "none",
        "hmac-sha1",
    ),
    symmetric(
        "symm-ste-key-sha256",
        Soap::V11,
        "sign-then-encrypt",
        "none",
        "hmac-sha256",
    ),
    symmetric(
        "symm-ets-dk13-sha1",
        Soap::V12,
        "encrypt-then-sign",
        "sc13",
        "hmac-sha1",
    ),
    symmetric(
        "symm-ets-dk13-sha256",
        Soap::V11,
        "encrypt-then-sign",
        "sc13",
        "hmac-sha256",
    ),
    symmetric(
        "symm-ste-dk13-sha1",
        Soap::V11,
        "sign-then-encrypt",
        "sc13",
        "hmac-sha1",
    ),
    symmetric(
        "symm-ste-dk13-sha256",
        Soap::V12,
        "sign-then-encrypt",
        "sc13",
        "hmac-sha256",
    ),
    symmetric(
        "symm-ets-dk2005-sha1",
        Soap::V12,
        "encrypt-then-sign",
        "sc2005",
        "hmac-sha1",
    ),
    symmetric(
        "symm-ets-dk2005-sha256",
        Soap::V11,
        "encrypt-then-sign",
        "sc2005",
        "hmac-sha256",
    ),
    symmetric(
        "symm-ste-dk2005-sha1",
        Soap::V11,
        "sign-then-encrypt",
        "sc2005",
        "hmac-sha1",
    ),
    symmetric(
        "symm-ste-dk2005-sha256",
        Soap::V12,
        "sign-then-encrypt",
        "sc2005",
        "hmac-sha256",
    ),
];

/// What one symmetric case left behind for the reply checks.
struct SymmetricExchange {
    dir: std::path::PathBuf,
    request_path: std::path::PathBuf,
    /// K, base64, as WSS4J generated it.
    key: String,
    /// The EncryptedKeySHA1 of the EncryptedKey WSS4J sent.
    ek_sha1: String,
    /// The request's SignatureValue, base64.
    signature_value: String,
    response: String,
}

/// WSS4J builds the request; the engine answers it over a confidential channel (the
/// UsernameToken's password is clear text in a header that is not encrypted, as over TLS).
fn symmetric_exchange(classpath: &str, case: &Wss4jSymmetricCase) -> SymmetricExchange {
    let dir = scratch(case.name);
    let template_path = dir.join("template.xml");
    std::fs::write(&template_path, template(case.soap, None)).unwrap();
    let request_path = dir.join("request.xml");
    let out = wss4j(
        classpath,
        &[
            "symmetric-request",
            &pki().display().to_string(),
            &template_path.display().to_string(),
            &request_path.display().to_string(),
            case.order,
            case.derived,
            case.signature,
        ],
    );
    let f = facts(&out);
    let body = std::fs::read(&request_path).unwrap();
    let text = String::from_utf8_lossy(&body).into_owned();
    assert!(
        !text.contains("RequestSecurityToken"),
        "{}: the body is encrypted",
        case.name
    );
    assert!(text.contains("UsernameToken"), "{}", case.name);
    assert_eq!(
        text.contains("DerivedKeyToken"),
        case.derived != "none",
        "{}",
        case.name
    );
    assert_eq!(
        text.contains("SignatureValue"),
        case.order == "encrypt-then-sign",
        "{}: sign-then-encrypt hides the signature",
        case.name
    );
    let (content_type, soap_action) = match case.soap {
        Soap::V11 => ("text/xml; charset=utf-8".to_owned(), Some(ISSUE_ACTION)),
        Soap::V12 => (
            format!("application/soap+xml; charset=utf-8; action=\"{ISSUE_ACTION}\""),
            None,
        ),
    };
    let response = interop_engine().handle(
        Incoming {
            body: &body,
            content_type: Some(&content_type),
            soap_action,
        },
        Transport {
            confidential: true,
            ..Transport::default()
        },
        &SystemClock,
    );
    assert_eq!(
        response.status, 200,
        "{}: the engine refused WSS4J's request: {:?}\n{}",
        case.name, response.log, response.body
    );
    assert!(
        !response.body.contains("RequestSecurityTokenResponse"),
        "{}: the reply Body is encrypted",
        case.name
    );
    SymmetricExchange {
        dir,
        request_path,
        key: fact(&f, "key").to_owned(),
        ek_sha1: fact(&f, "ek-sha1").to_owned(),
        signature_value: fact(&f, "signature-value").to_owned(),
        response: response.body,
    }
}

/// Has WSS4J process `response` as the reply to `x`; its output and exit status.
fn symmetric_response(classpath: &str, x: &SymmetricExchange, response: &str) -> Output {
    let response_path = x.dir.join("response.xml");
    std::fs::write(&response_path, response).unwrap();
    Command::new("java")
        .arg("-cp")
        .arg(classpath)
        .args([
            "Wss4jPeer",
            "symmetric-response",
            &pki().display().to_string(),
            &x.request_path.display().to_string(),
            &response_path.display().to_string(),
            &x.key,
            &x.ek_sha1,
            &x.signature_value,
        ])
        .output()
        .unwrap()
}

#[test]
fn wss4j_symmetric_binding_requester_gets_a_reply_under_its_random_key() {
    let Some(cp) = wss4j_peer() else { return };
    for case in WSS4J_SYMMETRIC_CASES {
        let x = symmetric_exchange(&cp, case);
        let out = symmetric_response(&cp, &x, &x.response);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success() && stdout.lines().any(|l| l == "ok"),
            "{}: WSS4J refused the reply\n{stdout}\n{}\n{}",
            case.name,
            String::from_utf8_lossy(&out.stderr),
            x.response
        );
        let f = facts(&stdout);
        // Signed with the HMAC the request used (the default realm's `compatible` suite
        // admits HMAC-SHA1) under K, or under a DerivedKeyToken over K when the request used
        // derived keys; WSS4J resolved it only through our EncryptedKeySHA1.
        assert_eq!(
            fact(&f, "signature-method"),
            if case.signature == "hmac-sha1" {
                "http://www.w3.org/2000/09/xmldsig#hmac-sha1"
            } else {
                "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256"
            },
            "{}",
            case.name
        );
        assert_eq!(
            fact(&f, "derived-key"),
            if case.derived == "none" {
                "false"
            } else {
                "true"
            },
            "{}",
            case.name
        );
        assert!(
            !f.iter().any(|(k, _)| k == "asked-for"),
            "{}: {f:?}",
            case.name
        );
        let signed = fact(&f, "signed");
        for part in ["Body", "RelatesTo", "SignatureConfirmation"] {
            assert!(
                signed.split(',').any(|p| p == part),
                "{}: {signed}",
                case.name
            );
        }
        assert_eq!(fact(&f, "proof"), "binary-secret", "{}", case.name);
        // The key WSS4J read from the reply it decrypted is the key the service decrypts
        // from the SCT (rp.key), and the SCT names the UsernameToken's user.
        let plain = std::fs::read_to_string(x.dir.join("response.xml.plain.xml")).unwrap();
        let doc = Document::parse(plain.as_bytes()).unwrap();
        let (principal, service) = service_view(&doc);
        assert_eq!(principal, "alice", "{}", case.name);
        assert_eq!(service.len(), 32, "{}", case.name);
        assert_eq!(fact(&f, "key"), hex(&service), "{}", case.name);
        assert_eq!(fact(&f, "service-key"), hex(&service), "{}", case.name);
        let _ = std::fs::remove_dir_all(&x.dir);
    }
}

#[test]
fn wss4j_refuses_a_symmetric_reply_changed_in_one_signed_byte() {
    let Some(cp) = wss4j_peer() else { return };
    for case in [&WSS4J_SYMMETRIC_CASES[1], &WSS4J_SYMMETRIC_CASES[7]] {
        let x = symmetric_exchange(&cp, case);
        // Untouched, it is accepted (so what follows fails for the change alone).
        assert!(symmetric_response(&cp, &x, &x.response).status.success());
        // The signed wsa:RelatesTo, naming the request's MessageID, one character changed.
        let request = std::fs::read_to_string(&x.request_path).unwrap();
        let doc = Document::parse(request.as_bytes()).unwrap();
        let id = doc
            .text(find(&doc, "http://www.w3.org/2005/08/addressing", "MessageID").unwrap())
            .trim()
            .to_owned();
        assert_eq!(x.response.matches(id.as_str()).count(), 1, "{}", x.response);
        let last = id.chars().last().unwrap();
        let changed = format!(
            "{}{}",
            &id[..id.len() - 1],
            if last == '0' { '1' } else { '0' }
        );
        let tampered = x.response.replacen(&id, &changed, 1);
        // One byte of the reply's Body ciphertext changed (a base64 digit 40 characters into
        // the Body's CipherValue, past the IV).
        let body_at = x.response.find(":Body").unwrap();
        let cv = body_at + x.response[body_at..].find("CipherValue>").unwrap() + 40;
        let mut body_changed = x.response.clone().into_bytes();
        body_changed[cv] = if body_changed[cv] == b'A' { b'B' } else { b'A' };
        let body_changed = String::from_utf8(body_changed).unwrap();
        for (what, reply) in [("RelatesTo", tampered), ("Body ciphertext", body_changed)] {
            assert_ne!(reply, x.response);
            let out = symmetric_response(&cp, &x, &reply);
            assert!(
                !out.status.success(),
                "{}: WSS4J accepted a reply with its {what} changed",
                case.name
            );
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(
                err.contains("The signature or decryption was invalid"),
                "{}: {what}: {err}",
                case.name
            );
        }
        // A requester that holds the key of another EncryptedKey cannot read the reply.
        let other = SymmetricExchange {
            ek_sha1: base64_encode(&random_bytes(20).unwrap()),
            ..x
        };
        let out = symmetric_response(&cp, &other, &other.response);
        assert!(
            !out.status.success(),
            "{}: a foreign key identifier",
            case.name
        );
        // The same request over plain HTTP: its clear-text password travelled in a header
        // that was not encrypted, so the engine refuses it.
        let body = std::fs::read(&other.request_path).unwrap();
        let (content_type, soap_action) = match case.soap {
            Soap::V11 => ("text/xml; charset=utf-8".to_owned(), Some(ISSUE_ACTION)),
            Soap::V12 => (
                format!("application/soap+xml; charset=utf-8; action=\"{ISSUE_ACTION}\""),
                None,
            ),
        };
        let plain_http = interop_engine().handle(
            Incoming {
                body: &body,
                content_type: Some(&content_type),
                soap_action,
            },
            Transport {
                confidential: false,
                ..Transport::default()
            },
            &SystemClock,
        );
        assert_ne!(plain_http.status, 200, "{}", case.name);
        assert!(
            plain_http.body.contains("FailedAuthentication")
                && plain_http
                    .log
                    .as_deref()
                    .unwrap_or_default()
                    .contains("not confidential"),
            "{}: {:?}",
            case.name,
            plain_http.log
        );
        let _ = std::fs::remove_dir_all(&other.dir);
    }
}
