//! Brokered key distribution end to end (WS-Trust 1.4 Appendix), every party played by our
//! library: recorded client requests go to the engine; the requester reads its proof key, the
//! service reads the token's key with only its own private key and the STS certificate, and the
//! two keys are equal.

use std::sync::Arc;
use wstrust::crypto::{psha1, RsaPrivateKey};
use wstrust::engine::config::{AppliesToMatch, Realm};
use wstrust::engine::request::Incoming;

use wstrust::engine::{Engine, Transport};
use wstrust::pki::Certificate;
use wstrust::soap::{Envelope, SoapVersion};
use wstrust::store::MemoryStore;
use wstrust::wss::{self, Environment, FixedClock, InboundConfig};
use wstrust::xml::{ns, Document, NodeId};
use wstrust::xmlsec::{base64_decode, decrypt_key, EncryptedKey, KeyEncryptionKey, Policy};

use crate::support::{fixture, fixture_text};
use crate::wss_support::{recorded_sts_config, secret_users};
use crate::wss_support::{MemoryReplay, TestKeys};

fn engine() -> Engine {
    let rp = Certificate::from_pem(&fixture_text("clients/pki/rp.pem")).unwrap();
    let realm = Realm::new(
        "rp",
        AppliesToMatch::Prefix("https://rp.example.com/".into()),
        rp,
    );
    engine_with(vec![realm], Some("rp"))
}

fn engine_with(realms: Vec<Realm>, default_realm: Option<&str>) -> Engine {
    let mut cfg = recorded_sts_config(realms, secret_users(&["alice"]));
    cfg.default_realm = default_realm.map(str::to_owned);
    Engine::new(cfg, Arc::new(MemoryStore::new()))
}

struct Exchange {
    response: Document,
    status: u16,
    log: Option<String>,
    now: i64,
}

fn send(engine: &Engine, request: &str, confidential: bool) -> Exchange {
    let body = fixture(&format!("clients/requests/{request}"));
    let doc = Document::parse(&body).unwrap();
    let created = doc
        .descendants_or_self(doc.root())
        .find(|n| doc.is(*n, ns::WSU, "Created"))
        .map(|n| doc.text(n).into_owned())
        .unwrap();
    let now = wss::time::parse(&created).unwrap() + 1000;
    let headers = fixture_text(&format!(
        "clients/requests/{}",
        request.replace(".xml", ".headers.txt")
    ));
    let ct = headers
        .lines()
        .find_map(|l| {
            l.split_once(':')
                .filter(|(k, _)| k.eq_ignore_ascii_case("content-type"))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap();
    let r = engine.handle(
        Incoming {
            body: &body,
            content_type: Some(&ct),
            soap_action: None,
        },
        Transport {
            confidential,
            peer: None,
        },
        &FixedClock(now),
    );
    Exchange {
        response: Document::parse(r.body.as_bytes()).unwrap(),
        status: r.status,
        log: r.log,
        now,
    }
}

fn find(doc: &Document, ns_: &str, local: &str) -> Option<NodeId> {
    doc.descendants_or_self(doc.root())
        .find(|n| doc.is(*n, ns_, local))
}

/// What the service does with the SCT: check the STS signature, decrypt its key.
fn service_key(doc: &Document) -> Vec<u8> {
    let sct = find(doc, ns::WSC13, "SecurityContextToken").expect("an SCT");
    let sts = Certificate::from_pem(&fixture_text("clients/pki/sts.pem")).unwrap();
    let rp = RsaPrivateKey::from_pem(&fixture_text("clients/pki/rp.key")).unwrap();
    crate::support::open_sct(doc, sct, &sts, &rp).1
}

/// What the requester checks first: the response is signed by the STS.
fn response_is_signed_by_sts(x: &Exchange, version: SoapVersion) -> wss::SecuredMessage {
    let keys = TestKeys::recorded_pki();
    let clock = FixedClock(x.now + 1000);
    let replay = MemoryReplay::default();
    let env = Environment {
        clock: &clock,
        replay: &replay,
        keys: &keys,
    };
    let text = x.response.source().to_owned();
    let msg = wss::process(
        Document::parse(text.as_bytes()).unwrap(),
        version,
        &InboundConfig::default(),
        env,
    )
    .unwrap();
    let body = msg.envelope().unwrap().body();
    assert!(
        matches!(&msg.signature_over(body).unwrap().token(), wss::SigningToken::X509(c) if c.subject().contains("sts")),
        "response body signed by the sts"
    );
    msg
}

#[test]
fn x509_requester_gets_the_proof_key_encrypted_for_its_certificate() {
    let e = engine();
    let x = send(&e, "zeep-soap11-x509-binary-issue-symmetric.xml", false);
    assert_eq!(x.status, 200, "{:?}", x.log);
    let msg = response_is_signed_by_sts(&x, SoapVersion::V11);
    // SignatureConfirmation echoes the request's signature.
    assert_eq!(msg.signature_confirmations().len(), 1);
    let doc = &x.response;
    let rstrc = find(doc, ns::WST13, "RequestSecurityTokenResponseCollection")
        .expect("RSTRC for 1.3 issue");
    assert!(doc.child_elements(rstrc).count() == 1);
    let proof = find(doc, ns::WST13, "RequestedProofToken").unwrap();
    let ek = EncryptedKey::read(doc, doc.child(proof, ns::XENC, "EncryptedKey").unwrap()).unwrap();
    let client = RsaPrivateKey::from_pem(&fixture_text("clients/pki/client.key")).unwrap();
    let requester_key =
        decrypt_key(&ek, KeyEncryptionKey::Rsa(&client), &Policy::default()).unwrap();
    assert_eq!(requester_key.len(), 32);
    assert_eq!(
        requester_key.expose(),
        service_key(doc).as_slice(),
        "requester and service hold one key"
    );
    // The requester cannot read the service's copy.
    let sct = find(doc, ns::WSC13, "SecurityContextToken").unwrap();
    let svc_ek =
        EncryptedKey::read(doc, doc.child(sct, ns::XENC, "EncryptedKey").unwrap()).unwrap();
    assert!(decrypt_key(&svc_ek, KeyEncryptionKey::Rsa(&client), &Policy::default()).is_err());
}

#[test]
fn x509_requester_with_entropy_gets_a_computed_key() {
    let e = engine();
    let x = send(&e, "zeep-soap12-x509-sha256-issue-entropy.xml", false);
    assert_eq!(x.status, 200, "{:?}", x.log);
    response_is_signed_by_sts(&x, SoapVersion::V12);
    let doc = &x.response;
    let ck = find(doc, ns::WST13, "ComputedKey").expect("ComputedKey proof");
    assert_eq!(
        doc.text(ck),
        "http://docs.oasis-open.org/ws-sx/ws-trust/200512/CK/PSHA1"
    );
    // Server entropy, encrypted for the client.
    let rstr = find(doc, ns::WST13, "RequestSecurityTokenResponse").unwrap();
    let entropy = doc.child(rstr, ns::WST13, "Entropy").unwrap();
    let ek =
        EncryptedKey::read(doc, doc.child(entropy, ns::XENC, "EncryptedKey").unwrap()).unwrap();
    let client = RsaPrivateKey::from_pem(&fixture_text("clients/pki/client.key")).unwrap();
    let server_entropy =
        decrypt_key(&ek, KeyEncryptionKey::Rsa(&client), &Policy::default()).unwrap();
    // The requester's entropy, from its own request.
    let req = Document::parse(&fixture(
        "clients/requests/zeep-soap12-x509-sha256-issue-entropy.xml",
    ))
    .unwrap();
    let bs = find(&req, ns::WST13, "BinarySecret").unwrap();
    let client_entropy = base64_decode(&req.text(bs)).unwrap();
    let key = psha1(&client_entropy, server_entropy.expose(), 32).unwrap();
    assert_eq!(key.expose(), service_key(doc).as_slice());
}

#[test]
fn username_requester_over_a_confidential_channel_gets_a_computed_key_in_the_clear() {
    let e = engine();
    let x = send(&e, "zeep-soap11-username-sct.xml", true);
    assert_eq!(x.status, 200, "{:?}", x.log);
    let doc = &x.response;
    let rstr = find(doc, ns::WST13, "RequestSecurityTokenResponse").unwrap();
    let entropy = doc.child(rstr, ns::WST13, "Entropy").unwrap();
    let server_entropy =
        base64_decode(&doc.text(doc.child(entropy, ns::WST13, "BinarySecret").unwrap())).unwrap();
    let req = Document::parse(&fixture("clients/requests/zeep-soap11-username-sct.xml")).unwrap();
    let client_entropy =
        base64_decode(&req.text(find(&req, ns::WST13, "BinarySecret").unwrap())).unwrap();
    let key = psha1(&client_entropy, &server_entropy, 32).unwrap();
    assert_eq!(key.expose(), service_key(doc).as_slice());
    // The unattached reference names the context by its identifier.
    let id = doc
        .text(find(doc, ns::WSC13, "Identifier").unwrap())
        .into_owned();
    let unattached = find(doc, ns::WST13, "RequestedUnattachedReference").unwrap();
    assert!(doc
        .descendants_or_self(unattached)
        .any(|n| doc.attribute(n, "", "URI") == Some(id.as_str())));
}

fn fault_subcode(x: &Exchange) -> String {
    let env = Envelope::read(&x.response, None).unwrap();
    let fault = env.body_element().unwrap();
    x.response
        .descendants_or_self(fault)
        .filter(|n| {
            x.response.name(*n).local == "Value" || x.response.name(*n).local == "faultcode"
        })
        .map(|n| x.response.text(n).into_owned())
        .last()
        .unwrap()
}

#[test]
fn refusals_are_faults_that_say_nothing_more() {
    let e = engine();
    // A clear-text password over a channel that is not confidential.
    let x = send(&e, "zeep-soap11-username-sct.xml", false);
    assert_eq!(x.status, 500);
    assert_eq!(fault_subcode(&x), "wst:FailedAuthentication", "{:?}", x.log);
    // A wrong password (msal sends another one).
    let x = send(&e, "msal-issue-wst13.xml", true);
    assert_eq!(x.status, 500);
    assert_eq!(fault_subcode(&x), "wst:FailedAuthentication", "{:?}", x.log);
    // The log, not the wire, says why.
    assert!(x.log.unwrap().contains("authentication"));
}

#[test]
fn unknown_scope_without_a_default_realm_is_invalid_scope() {
    let rp = Certificate::from_pem(&fixture_text("clients/pki/rp.pem")).unwrap();
    let e = engine_with(
        vec![Realm::new(
            "other",
            AppliesToMatch::Exact("https://other.example/".into()),
            rp,
        )],
        None,
    );
    let x = send(&e, "zeep-soap11-x509-binary-issue-symmetric.xml", false);
    assert_eq!(fault_subcode(&x), "wst:InvalidScope", "{:?}", x.log);
}
