//! The client against the real engine behind real HTTP (the scaffolding front in
//! `client_front`): UsernameToken and X.509 issuance over SOAP 1.1/1.2 and WS-Trust
//! 1.3/February 2005, every proof-key form, faults, tampering and retries.

use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use wstrust::client::{ClientConfig, Credentials, Error, IssueRequest, Progress, StsClient};
use wstrust::crypto::{RsaPrivateKey, SecretBytes};
use wstrust::pki::Certificate;
use wstrust::soap::SoapVersion;
use wstrust::trust::{KeyType, TrustVersion};
use wstrust::xml::{ns, Document};

use crate::client_front::{engine, FrontOptions, StsFront, RP};
use crate::support::fixture_text;

pub fn cert(name: &str) -> Certificate {
    Certificate::from_pem(&fixture_text(&format!("clients/pki/{name}.pem"))).unwrap()
}

pub fn key(name: &str) -> RsaPrivateKey {
    RsaPrivateKey::from_pem(&fixture_text(&format!("clients/pki/{name}.key"))).unwrap()
}

pub fn alice(password: &str) -> Credentials {
    Credentials::UsernamePassword {
        username: "alice".into(),
        password: SecretBytes::from_slice(password.as_bytes()),
        digest: false,
    }
}

pub fn x509() -> Credentials {
    Credentials::X509 {
        cert: cert("client"),
        key: key("client"),
    }
}

pub fn config(soap: SoapVersion, trust: TrustVersion) -> ClientConfig {
    let mut c = ClientConfig::new(soap, trust);
    c.sts_cert = Some(cert("sts"));
    c.retries = 0;
    c
}

pub fn loopback() -> FrontOptions {
    FrontOptions {
        confidential: true,
        ..FrontOptions::default()
    }
}

/// What the relying party does with the SCT: check the STS signature inside it and decrypt
/// its key with rp.key.
pub fn service_key(token_xml: &str) -> Vec<u8> {
    let doc = Document::parse(token_xml.as_bytes()).unwrap();
    let sct = doc.root();
    assert!(
        doc.is(sct, ns::WSC13, "SecurityContextToken")
            || doc.is(sct, ns::WSC_2005, "SecurityContextToken"),
        "an SCT: {token_xml}"
    );
    crate::support::open_sct(&doc, sct, &cert("sts"), &key("rp")).1
}

#[test]
fn username_issue_over_both_soap_and_trust_versions_gives_the_services_key() {
    let front = StsFront::start(engine(), loopback());
    let cases = [
        (SoapVersion::V11, TrustVersion::V13),
        (SoapVersion::V12, TrustVersion::V13),
        (SoapVersion::V11, TrustVersion::Feb2005),
        (SoapVersion::V12, TrustVersion::Feb2005),
    ];
    for (i, (soap, trust)) in cases.into_iter().enumerate() {
        let client = StsClient::new(&front.url, config(soap, trust)).unwrap();
        let t = client
            .issue(&IssueRequest::new(RP, alice("secret")))
            .unwrap_or_else(|e| panic!("{soap} {trust:?}: {e}; {:?}", front.seen().last()));
        let key = t.proof_key.as_ref().expect("a proof key");
        assert_eq!(key.len(), 32);
        assert_eq!(
            key.expose(),
            service_key(&t.token_xml).as_slice(),
            "{soap} {trust:?}"
        );
        assert!(t.sts_signature_verified);
        assert!(t.identifier.is_some());
        assert!(t.unattached_reference.is_some() && t.attached_reference.is_some());
        let life = t.lifetime.as_ref().expect("a lifetime");
        assert!(life.expires_seconds().unwrap() > life.created_seconds().unwrap());
        let sct_ns = if trust == TrustVersion::Feb2005 {
            ns::WSC_2005
        } else {
            ns::WSC13
        };
        assert!(t.token_xml.contains(sct_ns), "{}", t.token_xml);
        // What went over the wire.
        let seen = &front.seen()[i];
        let action = wstrust::trust::Action::Request(wstrust::trust::Binding::Issue).uri(trust);
        match soap {
            SoapVersion::V11 => {
                assert_eq!(
                    seen.content_type.as_deref(),
                    Some("text/xml; charset=utf-8")
                );
                assert_eq!(
                    seen.soap_action.as_deref(),
                    Some(format!("\"{action}\"").as_str())
                );
            }
            SoapVersion::V12 => {
                assert_eq!(
                    seen.content_type.as_deref(),
                    Some(
                        format!("application/soap+xml; charset=utf-8; action=\"{action}\"")
                            .as_str()
                    )
                );
                assert_eq!(seen.soap_action, None);
            }
        }
        assert!(seen.body.contains("UsernameToken") && seen.body.contains(ns::WSA));
    }
}

#[test]
fn password_digest_is_sent_as_a_digest() {
    let front = StsFront::start(engine(), loopback());
    let client = StsClient::new(&front.url, config(SoapVersion::V11, TrustVersion::V13)).unwrap();
    let creds = Credentials::UsernamePassword {
        username: "alice".into(),
        password: SecretBytes::from_slice(b"secret"),
        digest: true,
    };
    // The engine keeps only Argon2 hashes, so it cannot check a digest: it refuses it, and the
    // password itself never travelled.
    let e = client.issue(&IssueRequest::new(RP, creds)).unwrap_err();
    assert_eq!(e.fault().unwrap().local_code(), "FailedAuthentication");
    let seen = front.seen();
    assert!(seen[0].body.contains("#PasswordDigest"));
    assert!(!seen[0].body.contains(">secret<"));
}

#[test]
fn x509_issue_gets_the_key_encrypted_for_our_certificate() {
    let front = StsFront::start(engine(), FrontOptions::default());
    for soap in [SoapVersion::V11, SoapVersion::V12] {
        let client = StsClient::new(&front.url, config(soap, TrustVersion::V13)).unwrap();
        let t = client.issue(&IssueRequest::new(RP, x509())).unwrap();
        let rstr = Document::parse(t.rstr_xml.as_bytes()).unwrap();
        let proof = rstr
            .descendants_or_self(rstr.root())
            .find(|n| rstr.is(*n, ns::WST13, "RequestedProofToken"))
            .unwrap();
        assert!(
            rstr.child(proof, ns::XENC, "EncryptedKey").is_some(),
            "EncryptedKey proof"
        );
        assert_eq!(
            t.proof_key.as_ref().unwrap().expose(),
            service_key(&t.token_xml).as_slice()
        );
        assert!(
            t.sts_signature_verified,
            "signature and SignatureConfirmation checked"
        );
    }
}

#[test]
fn entropy_gives_a_computed_key_equal_to_the_services() {
    // Username over a confidential channel: the STS's entropy comes back in the clear;
    // X.509: encrypted for our certificate.
    let front = StsFront::start(engine(), loopback());
    for creds in [alice("secret"), x509()] {
        let client =
            StsClient::new(&front.url, config(SoapVersion::V12, TrustVersion::V13)).unwrap();
        let mut req = IssueRequest::new(RP, creds);
        req.entropy = true;
        let t = client.issue(&req).unwrap();
        assert!(t.rstr_xml.contains("CK/PSHA1"), "{}", t.rstr_xml);
        assert_eq!(
            t.proof_key.as_ref().unwrap().expose(),
            service_key(&t.token_xml).as_slice()
        );
    }
    let sent = front.seen();
    assert!(sent.iter().all(|s| s.body.contains("Entropy")));
}

#[test]
fn wrong_password_is_a_typed_fault_that_says_what_to_fix() {
    let front = StsFront::start(engine(), loopback());
    for soap in [SoapVersion::V11, SoapVersion::V12] {
        let client = StsClient::new(&front.url, config(soap, TrustVersion::V13)).unwrap();
        let e = client
            .issue(&IssueRequest::new(RP, alice("wrong")))
            .unwrap_err();
        let f = e.fault().unwrap_or_else(|| panic!("a fault: {e}"));
        assert_eq!(f.code, "wst:FailedAuthentication");
        assert_eq!(f.code_namespace, ns::WST13);
        let text = e.to_string();
        assert!(
            text.contains("the STS refused authentication")
                && text.contains("check the username and password")
                && text.contains("wst:FailedAuthentication"),
            "{text}"
        );
    }
    assert!(front.seen().iter().all(|s| s.status == 500));
}

#[test]
fn unknown_relying_party_is_invalid_scope() {
    let front = StsFront::start(engine(), loopback());
    let client = StsClient::new(&front.url, config(SoapVersion::V11, TrustVersion::V13)).unwrap();
    let e = client
        .issue(&IssueRequest::new(
            "https://elsewhere.example/",
            alice("secret"),
        ))
        .unwrap_err();
    assert_eq!(e.fault().unwrap().local_code(), "InvalidScope");
    assert!(e.to_string().contains("--applies-to"));
}

#[test]
fn unsupported_key_type_is_invalid_request() {
    let front = StsFront::start(engine(), loopback());
    let client = StsClient::new(&front.url, config(SoapVersion::V11, TrustVersion::V13)).unwrap();
    let mut req = IssueRequest::new(RP, alice("secret"));
    req.key_type = KeyType::Bearer;
    let e = client.issue(&req).unwrap_err();
    assert_eq!(e.fault().unwrap().local_code(), "InvalidRequest", "{e}");
}

fn tamper_applies_to(body: &str) -> String {
    // The RSTR echoes AppliesTo inside the signed Body.
    assert!(body.contains(RP));
    body.replace(RP, "https://rp.example.com/evil")
}

#[test]
fn a_tampered_response_is_refused_when_the_sts_certificate_is_known() {
    let front = StsFront::start(
        engine(),
        FrontOptions {
            confidential: true,
            tamper: Some(Arc::new(tamper_applies_to)),
            ..FrontOptions::default()
        },
    );
    let client = StsClient::new(&front.url, config(SoapVersion::V11, TrustVersion::V13)).unwrap();
    let e = client
        .issue(&IssueRequest::new(RP, alice("secret")))
        .unwrap_err();
    assert!(matches!(e, Error::Verification { .. }), "{e}");
    assert!(e.to_string().contains("--sts-cert"), "{e}");
    // Without the STS certificate nothing is sent by the verifying call...
    let mut cfg = config(SoapVersion::V11, TrustVersion::V13);
    cfg.sts_cert = None;
    let client = StsClient::new(&front.url, cfg).unwrap();
    let sent = front.seen().len();
    let e = client
        .issue(&IssueRequest::new(RP, alice("secret")))
        .unwrap_err();
    assert!(matches!(e, Error::Verification { .. }), "{e}");
    assert!(e.to_string().contains("danger_unverified"), "{e}");
    assert_eq!(front.seen().len(), sent, "nothing sent");
    // ...and only the call named for it reads the same response, marked unverified.
    let t = client
        .danger_unverified()
        .issue(&IssueRequest::new(RP, alice("secret")))
        .unwrap();
    assert!(!t.sts_signature_verified);
}

#[test]
fn a_response_signed_by_another_key_is_refused() {
    let front = StsFront::start(engine(), loopback());
    let mut cfg = config(SoapVersion::V12, TrustVersion::V13);
    cfg.sts_cert = Some(cert("client"));
    let client = StsClient::new(&front.url, cfg).unwrap();
    let e = client
        .issue(&IssueRequest::new(RP, alice("secret")))
        .unwrap_err();
    assert!(matches!(e, Error::Verification { .. }), "{e}");
}

#[test]
fn a_missing_signature_confirmation_is_refused() {
    // Drop the SignatureConfirmation the STS sent for our X.509 signature; the signature over
    // the Body stays valid, but the confirmation is gone.
    let strip: crate::client_front::Tamper = Arc::new(|body: &str| {
        let start = body
            .find("<wsse11:SignatureConfirmation")
            .expect("a confirmation");
        let end = start + body[start..].find("/>").unwrap() + 2;
        let mut b = body.to_owned();
        b.replace_range(start..end, "");
        b
    });
    let front = StsFront::start(
        engine(),
        FrontOptions {
            tamper: Some(strip),
            ..FrontOptions::default()
        },
    );
    let client = StsClient::new(&front.url, config(SoapVersion::V11, TrustVersion::V13)).unwrap();
    let e = client.issue(&IssueRequest::new(RP, x509())).unwrap_err();
    assert!(matches!(e, Error::Verification { .. }), "{e}");
}

#[test]
fn connection_refused_is_retried_until_the_sts_is_up() {
    // A port with nothing listening: the first attempt is refused. When the client reports
    // that it will retry, the test starts the front on that port (the report waits until the
    // listener is bound, so the retry finds it whatever the timing).
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}/sts");
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let (ask, asked) = mpsc::channel::<()>();
    let (ready, is_ready) = mpsc::channel::<()>();
    let is_ready = Mutex::new(is_ready);
    let ask = Mutex::new(ask);
    let lines2 = lines.clone();
    let mut cfg = config(SoapVersion::V11, TrustVersion::V13);
    cfg.retries = 3;
    cfg.retry_backoff = Duration::from_millis(10);
    cfg.progress = Some(Progress::new(move |line| {
        lines2.lock().unwrap().push(line.to_owned());
        if line.contains("retrying") {
            ask.lock().unwrap().send(()).unwrap();
            is_ready.lock().unwrap().recv().unwrap();
        }
    }));
    let starter = std::thread::spawn(move || {
        asked.recv().unwrap();
        let listener = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
        let front = StsFront::start_on(listener, engine(), loopback());
        ready.send(()).unwrap();
        front
    });
    let client = StsClient::new(&url, cfg).unwrap();
    let t = client.issue(&IssueRequest::new(RP, alice("secret")));
    let front = starter.join().unwrap();
    let t = t.unwrap();
    assert!(t.proof_key.is_some());
    let lines = lines.lock().unwrap();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].contains(&url) && lines[0].contains("attempt 2 of 4"),
        "{lines:?}"
    );
    assert_eq!(front.seen().len(), 1);
}

#[test]
fn nothing_listening_after_the_retries_says_what_to_check() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut cfg = config(SoapVersion::V11, TrustVersion::V13);
    cfg.retries = 1;
    cfg.retry_backoff = Duration::from_millis(1);
    let client = StsClient::new(&format!("http://127.0.0.1:{port}/sts"), cfg).unwrap();
    let e = client
        .issue(&IssueRequest::new(RP, alice("secret")))
        .unwrap_err();
    assert!(matches!(e, Error::Connect { .. }), "{e}");
    let text = e.to_string();
    assert!(
        text.contains("after 2 attempts") && text.contains("that the STS is running"),
        "{text}"
    );
}
