//! Apache WSS4J 1.6 (Debian `libwss4j-java`, Santuario 2.1) as the requester, live: it signs
//! (BST, RSA-SHA256 over Body + Timestamp) and encrypts (EncryptedKey RSA-OAEP for sts.pem,
//! AES-CBC Body content) an RST for a security context token; our engine answers in-process;
//! WSS4J then processes our response's security header (STS signature, Timestamp,
//! SignatureConfirmation), decrypts the proof material addressed to the client with its own
//! EncryptedKeyProcessor, derives CK/PSHA1 with its own P_SHA1, checks the SCT's enveloped
//! signature with Santuario and prints the key; the key must equal what the service reads from
//! the SCT with `rp.key`.

use std::process::Command;

use wstrust::crypto::random_bytes;
use wstrust::engine::request::Incoming;
use wstrust::engine::Transport;
use wstrust::wss::SystemClock;
use wstrust::xml::{ns, Document};
use wstrust::xmlsec::base64_encode;

use crate::interop_support::{
    fact, facts, find, hex, interop_engine, pki, scratch, service_key, wss4j, wss4j_peer,
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
