//! Helpers for the engine key exchange tests: an engine with key exchange on, key requests of
//! the three kinds, the JSON and SOAP transports (UsernameToken, X.509 signature or nothing),
//! and reading answers back as a requester does.

use std::sync::Arc;

use serde_json::Value;
use wstrust::crypto::{DigestAlgorithm, SignatureAlgorithm};
use wstrust::engine::keyx::{read_rstr_outcome, KeyxSettings, MASTER_TOKEN_TYPE};
use wstrust::engine::request::Incoming;
use wstrust::engine::{Engine, Response, Transport};
use wstrust::keyx::client::{sign_x509, AsymmetricWrappedRequest, DhRequest, PendingExchange};
use wstrust::keyx::dh::DhGroup;
use wstrust::keyx::{xml as kx, AuthData, KeyRequest, KeyRequestData, RenewOutcome};
use wstrust::pki::Certificate;
use wstrust::soap::SoapVersion;
use wstrust::store::MemoryStore;
use wstrust::wss::{
    self, Environment, FixedClock, InboundConfig, Protection, Signer, SignerKeyInfo,
};
use wstrust::xml::{ns, Document, NodeId, Writer};
use wstrust::xmlsec::{self, SignatureMethod, SigningKey};

use crate::keyx_support::{client_key, policy, token_keys};
use crate::support::fixture_text;
use crate::wss_support::{recorded_sts_config, secret_users};
use crate::wss_support::{MemoryReplay, TestKeys};

/// Id and byte of the STS token key in [`engine`].
pub const TOKEN_KEY: (u32, u8) = (3, 0x5a);

/// The engine of engine_issue.rs (user alice/secret, the recorded client PKI trusted) with
/// key exchange on (renewal window after 100 s, expiration after 200 s) when `keyx`.
pub fn engine(keyx: bool) -> Engine {
    engine_with(keyx, true, TOKEN_KEY)
}

/// [`engine`] with or without the client PKI trusted, with another token key.
pub fn engine_with(keyx: bool, trust_clients: bool, token_key: (u32, u8)) -> Engine {
    let mut cfg = recorded_sts_config(Vec::new(), secret_users(&["alice"]));
    if !trust_clients {
        cfg.client_trust = wstrust::pki::TrustStore::new();
    }
    if keyx {
        cfg.keyx = Some(KeyxSettings::new(
            token_keys(token_key.0, token_key.1),
            policy(),
        ));
    }
    Engine::new(cfg, Arc::new(MemoryStore::new()))
}

/// The kinds of exchange tested.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    /// ASYMMETRIC_WRAPPED with the client's RSA-2048 key.
    Rsa,
    /// DH over ffdhe2048.
    Ffdhe2048,
    /// DH over X25519.
    X25519,
}

pub const KINDS: [Kind; 3] = [Kind::Rsa, Kind::Ffdhe2048, Kind::X25519];

/// A fresh key request of `kind`.
pub fn request(kind: Kind) -> (KeyRequest, PendingExchange) {
    match kind {
        Kind::Rsa => AsymmetricWrappedRequest::with_key("kp-1", client_key()).unwrap(),
        Kind::Ffdhe2048 => DhRequest::new(DhGroup::Ffdhe2048).unwrap(),
        Kind::X25519 => DhRequest::new(DhGroup::X25519).unwrap(),
    }
}

/// Adds USERNAME_PASSWORD authdata.
pub fn with_password(mut r: KeyRequest, password: &str) -> KeyRequest {
    r.auth = Some(AuthData::UsernamePassword {
        username: "alice".into(),
        password: wstrust::crypto::SecretBytes::from_slice(password.as_bytes()),
    });
    r
}

pub fn client_cert() -> Certificate {
    Certificate::from_pem(&fixture_text("clients/pki/client.pem")).unwrap()
}

/// Adds X509 authdata signed with the client key.
pub fn with_x509(r: KeyRequest) -> KeyRequest {
    sign_x509(r, client_cert().der(), &client_key()).unwrap()
}

/// POSTs a JSON document at `t` seconds.
pub fn post_json(e: &Engine, body: &str, confidential: bool, t: i64) -> Response {
    let r = e.handle_keyx_json(
        body.as_bytes(),
        Transport {
            confidential,
            peer: None,
        },
        &FixedClock(t * 1000),
    );
    assert_eq!(r.content_type, "application/json");
    r
}

/// The JSON error code and message of a refusal, checking the log names the same code.
pub fn json_error(r: &Response) -> (String, String) {
    let v: Value = serde_json::from_str(&r.body).unwrap();
    let code = v["error"]["code"].as_str().unwrap().to_owned();
    let message = v["error"]["message"].as_str().unwrap().to_owned();
    let log = r.log.as_deref().expect("a refusal is logged");
    assert!(log.contains(&code), "log {log:?} names {code}");
    (code, message)
}

/// How a SOAP request authenticates.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Auth {
    /// Only a Timestamp.
    Nothing,
    /// A UsernameToken with this password (PasswordText).
    Password(&'static str),
    /// An X.509 signature with the client certificate over Body and Timestamp.
    X509,
}

/// The RST: Issue, or Renew of the request's master token (with `wsx:Mac` when it has one).
pub fn rst_xml(r: &KeyRequest) -> String {
    let mut w = Writer::new();
    w.start(ns::WST13, "RequestSecurityToken");
    w.element_text(ns::WST13, "TokenType", MASTER_TOKEN_TYPE);
    let binding = if r.renewal.is_some() {
        "Renew"
    } else {
        "Issue"
    };
    w.element_text(
        ns::WST13,
        "RequestType",
        &format!("http://docs.oasis-open.org/ws-sx/ws-trust/200512/{binding}"),
    );
    if let Some(renewal) = &r.renewal {
        w.start(ns::WST13, "RenewTarget");
        kx::write_master_token(&mut w, &renewal.master_token, None);
        w.end();
    }
    kx::write_key_request_data(&mut w, &r.data);
    if let Some(mac) = r.renewal.as_ref().and_then(|x| x.mac.as_ref()) {
        w.element_text(ns::WSX, "Mac", &xmlsec::base64_encode(mac));
    }
    w.end();
    w.finish().unwrap()
}

/// A SOAP 1.1 envelope with `rst` as Body, secured as `auth` says, at `t` seconds.
pub fn envelope(rst: &str, auth: Auth, t: i64) -> String {
    let body_doc = Document::parse(rst.as_bytes()).unwrap();
    let body = |w: &mut Writer| {
        w.copy(&body_doc, body_doc.root());
    };
    let key = client_key();
    let cert = client_cert();
    let mut p = Protection::default();
    if auth == Auth::X509 {
        p.signer = Some(Signer {
            key: SigningKey::Rsa(&key),
            method: SignatureMethod::Rsa(SignatureAlgorithm::RsaSha256),
            digest: DigestAlgorithm::Sha256,
            key_info: SignerKeyInfo::BinarySecurityToken(&cert),
        });
    }
    let xml = wss::secure_envelope(SoapVersion::V11, t * 1000, &|_| {}, &body, &p)
        .unwrap()
        .xml;
    let Auth::Password(password) = auth else {
        return xml;
    };
    // Nothing is signed, so the UsernameToken can go in by text.
    let mut w = Writer::new();
    w.start(ns::WSSE, "UsernameToken");
    w.element_text(ns::WSSE, "Username", "alice");
    w.start(ns::WSSE, "Password")
        .attr(
            "",
            "Type",
            "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText",
        )
        .text(password)
        .end();
    w.end();
    let ut = w.finish().unwrap();
    let doc = Document::parse(xml.as_bytes()).unwrap();
    let security = doc
        .descendants_or_self(doc.root())
        .find(|n| doc.is(*n, ns::WSSE, "Security"))
        .unwrap();
    let end = doc.content_span(security).end;
    let mut out = xml;
    out.insert_str(end, &ut);
    out
}

/// Sends `rst` to `Engine::handle` at `t` seconds.
pub fn post_soap(e: &Engine, rst: &str, auth: Auth, confidential: bool, t: i64) -> Response {
    let xml = envelope(rst, auth, t);
    e.handle(
        Incoming {
            body: xml.as_bytes(),
            content_type: Some("text/xml; charset=utf-8"),
            soap_action: None,
        },
        Transport {
            confidential,
            peer: None,
        },
        &FixedClock(t * 1000),
    )
}

fn find(doc: &Document, ns_: &str, local: &str) -> Option<NodeId> {
    doc.descendants_or_self(doc.root())
        .find(|n| doc.is(*n, ns_, local))
}

/// A requester reading a 200 answer: the Body is signed by the STS, the RSTR carries the
/// master token type and the key exchange outcome.
pub fn soap_outcome(r: &Response, t: i64) -> RenewOutcome {
    assert_eq!(r.status, 200, "{:?}\n{}", r.log, r.body);
    let keys = TestKeys::recorded_pki();
    let clock = FixedClock(t * 1000 + 1000);
    let replay = MemoryReplay::default();
    let env = Environment {
        clock: &clock,
        replay: &replay,
        keys: &keys,
    };
    let msg = wss::process(
        Document::parse(r.body.as_bytes()).unwrap(),
        SoapVersion::V11,
        &InboundConfig::default(),
        env,
    )
    .unwrap();
    let body = msg.envelope().unwrap().body();
    assert!(
        matches!(&msg.signature_over(body).unwrap().token(), wss::SigningToken::X509(c) if c.subject().contains("interop-sts")),
        "response body signed by the sts"
    );
    let doc = msg.document();
    let rstr = find(doc, ns::WST13, "RequestSecurityTokenResponse").expect("an RSTR");
    let tt = doc.child(rstr, ns::WST13, "TokenType").expect("TokenType");
    assert_eq!(doc.text(tt), MASTER_TOKEN_TYPE);
    assert!(doc.child(rstr, ns::WST13, "Lifetime").is_some());
    read_rstr_outcome(doc, rstr).unwrap()
}

/// A fault: its WS-Trust subcode (local name) and the log line.
pub fn soap_fault(r: &Response) -> (String, String) {
    assert_ne!(r.status, 200, "expected a fault:\n{}", r.body);
    let doc = Document::parse(r.body.as_bytes()).unwrap();
    let code = find(&doc, ns::SOAP11, "Fault")
        .and_then(|f| {
            doc.child_elements(f)
                .find(|c| doc.name(*c).local == "faultcode")
        })
        .map(|c| doc.text(c).into_owned())
        .expect("a SOAP 1.1 faultcode");
    let local = code.rsplit(':').next().unwrap().to_owned();
    (local, r.log.clone().expect("a fault is logged"))
}

/// Wraps `data` with no authentication.
pub fn bare(data: KeyRequestData) -> KeyRequest {
    KeyRequest::new(data)
}
