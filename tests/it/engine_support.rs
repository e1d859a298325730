//! Parties for engine and pattern tests, every one played by our library: an STS engine with
//! one realm, a requester with the recorded client certificate or a password, the service
//! `rp` with its own key and the STS certificate.

use std::sync::Arc;

use wstrust::crypto::{psha1, DigestAlgorithm, HmacAlgorithm, RsaPrivateKey, SignatureAlgorithm};
use wstrust::engine::config::{AppliesToMatch, Realm};
use wstrust::engine::request::Incoming;
use wstrust::engine::{Engine, Transport};
use wstrust::pki::Certificate;
use wstrust::service::{Validator, ValidatorConfig};
use wstrust::soap::{Envelope, SoapVersion};
use wstrust::store::TokenStore;
use wstrust::wss::{self, FixedClock, Protection, Signer, SignerKeyInfo};
use wstrust::xml::{ns, Document, NodeId, Writer};
use wstrust::xmlsec::{
    base64_encode, decrypt_key, EncryptedKey, KeyEncryptionKey, Policy, SignatureMethod, SigningKey,
};

use crate::support::fixture_text;
use crate::wss_support::TestKeys;
use crate::wss_support::{recorded_sts_config, secret_users};

/// A time inside every test certificate's validity.
pub const NOW: i64 = 1_800_000_000_000;
pub const T13: &str = "http://docs.oasis-open.org/ws-sx/ws-trust/200512";
pub const SCT13: &str = "http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512/sct";
pub const RP: &str = "https://rp.example.com/service";
pub const READ: &str = "urn:right:read";
pub const WRITE: &str = "urn:right:write";

pub fn cert(name: &str) -> Certificate {
    Certificate::from_pem(&fixture_text(&format!("clients/pki/{name}.pem"))).unwrap()
}

pub fn key(name: &str) -> RsaPrivateKey {
    RsaPrivateKey::from_pem(&fixture_text(&format!("clients/pki/{name}.key"))).unwrap()
}

pub struct Sts {
    pub engine: Engine,
    pub store: Arc<dyn TokenStore>,
}

pub fn realm(stateful: bool) -> Realm {
    let mut r = Realm::new(
        "rp",
        AppliesToMatch::Prefix("https://rp.example.com/".into()),
        cert("rp"),
    );
    r.stateful = stateful;
    r.claims = vec![READ.into(), WRITE.into()];
    r
}

/// An STS for `realms` over an in-memory store running at [`NOW`].
pub fn sts_with(realms: Vec<Realm>) -> Sts {
    sts_on(realms, Arc::new(crate::support::store_at(NOW)))
}

/// An STS for `realms` over `store`.
pub fn sts_on(realms: Vec<Realm>, store: Arc<dyn TokenStore>) -> Sts {
    let cfg = recorded_sts_config(realms, secret_users(&["alice", "bob"]));
    Sts {
        engine: Engine::new(cfg, store.clone()),
        store,
    }
}

pub fn sts(stateful: bool) -> Sts {
    sts_with(vec![realm(stateful)])
}

/// The service `rp`, sharing the STS's store (to see cancellations).
pub fn service(store: Arc<dyn TokenStore>) -> Validator {
    let mut cfg = ValidatorConfig::new("rp", key("rp"), cert("rp"), vec![cert("sts")]);
    cfg.initiators = TestKeys::recorded_pki().trust;
    cfg.known_certs = TestKeys::recorded_pki().certs;
    Validator::new(cfg, store).unwrap()
}

/// A response from the engine.
pub struct Exchange {
    pub doc: Document,
    pub status: u16,
    pub log: Option<String>,
}

impl Exchange {
    pub fn ok(&self) -> &Document {
        assert_eq!(self.status, 200, "{:?}", self.log);
        &self.doc
    }

    /// The fault subcode (`wst:InvalidRequest`, ...).
    pub fn fault(&self) -> String {
        assert_ne!(self.status, 200, "expected a fault");
        let env = Envelope::read(&self.doc, None).unwrap();
        let f = env.body_element().unwrap();
        self.doc
            .descendants_or_self(f)
            .filter(|n| {
                let l = self.doc.name(*n).local;
                l == "Value" || l == "faultcode"
            })
            .map(|n| self.doc.text(n).into_owned())
            .last()
            .unwrap()
    }
}

pub fn send_at(sts: &Sts, xml: &str, confidential: bool, now: i64) -> Exchange {
    send_in(sts, SoapVersion::V12, xml, confidential, now)
}

/// Sends `xml` with the media type of SOAP `version`.
pub fn send_in(
    sts: &Sts,
    version: SoapVersion,
    xml: &str,
    confidential: bool,
    now: i64,
) -> Exchange {
    let r = sts.engine.handle(
        Incoming {
            body: xml.as_bytes(),
            content_type: Some(match version {
                SoapVersion::V11 => "text/xml; charset=utf-8",
                _ => "application/soap+xml; charset=utf-8",
            }),
            soap_action: None,
        },
        Transport {
            confidential,
            peer: None,
        },
        &FixedClock(now),
    );
    Exchange {
        doc: Document::parse(r.body.as_bytes()).unwrap(),
        status: r.status,
        log: r.log,
    }
}

pub fn find(doc: &Document, ns_: &str, local: &str) -> Option<NodeId> {
    doc.descendants_or_self(doc.root())
        .find(|n| doc.is(*n, ns_, local))
}

pub fn find_all(doc: &Document, ns_: &str, local: &str) -> Vec<NodeId> {
    doc.descendants_or_self(doc.root())
        .filter(|n| doc.is(*n, ns_, local))
        .collect()
}

/// The outer XML of `n`, standalone.
pub fn outer(doc: &Document, n: NodeId) -> String {
    let mut w = Writer::new();
    w.copy(doc, n);
    w.finish().unwrap()
}

/// How a request is signed.
pub enum By<'a> {
    /// The recorded client certificate.
    Client,
    /// A security context's key: the SCT element goes into the header; `derived` signs with a
    /// DerivedKeyToken from it instead of the key itself.
    Context { ctx: &'a Ctx, derived: bool },
    /// Not signed (a UsernameToken is added by the caller's `extra` header tokens).
    Nobody,
}

/// An issued context as the requester holds it.
#[derive(Clone, Debug)]
pub struct Ctx {
    pub identifier: String,
    pub instance: Option<String>,
    /// The SCT element as issued (with the STS signature).
    pub sct: String,
    pub sct_id: String,
    pub key: Vec<u8>,
}

/// A SOAP 1.2 envelope with body `body` (an element's XML), signed as `by` says.
pub fn envelope(body: &str, by: &By<'_>, now: i64) -> String {
    envelope_with(body, by, now, Vec::new())
}

pub fn envelope_with(body: &str, by: &By<'_>, now: i64, extra: Vec<String>) -> String {
    envelope_in(SoapVersion::V12, body, by, now, extra)
}

/// An envelope of SOAP `version` with body `body`, signed as `by` says, with `extra` header
/// tokens.
pub fn envelope_in(
    version: SoapVersion,
    body: &str,
    by: &By<'_>,
    now: i64,
    mut extra: Vec<String>,
) -> String {
    let body_doc = Document::parse(body.as_bytes()).unwrap();
    let body_fn = |w: &mut Writer| {
        w.copy(&body_doc, body_doc.root());
    };
    let headers = |w: &mut Writer| {
        w.start(ns::WSA, "MessageID")
            .attr(ns::WSU, "Id", "q-msgid")
            .text(&format!("urn:uuid:{}", hex8()))
            .end();
    };
    let client_key = key("client");
    let client_cert = cert("client");
    let mut p = Protection::default();
    let hmac_key;
    let ki_target: String = match by {
        By::Context { derived: true, .. } => "#dk-1".to_owned(),
        By::Context { ctx, .. } => format!("#{}", ctx.sct_id),
        _ => String::new(),
    };
    let custom = |w: &mut Writer| {
        let vt = if ki_target == "#dk-1" {
            "http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512/dk"
        } else {
            SCT13
        };
        wss::write_reference(w, &ki_target, Some(vt))
    };
    match by {
        By::Client => {
            p.signer = Some(Signer {
                key: SigningKey::Rsa(&client_key),
                method: SignatureMethod::Rsa(SignatureAlgorithm::RsaSha256),
                digest: DigestAlgorithm::Sha256,
                key_info: SignerKeyInfo::BinarySecurityToken(&client_cert),
            });
        }
        By::Context { ctx, derived } => {
            extra.push(ctx.sct.clone());
            if *derived {
                let nonce = b"0123456789abcdef";
                let mut seed = b"WS-SecureConversationWS-SecureConversation".to_vec();
                seed.extend_from_slice(nonce);
                hmac_key = psha1(&ctx.key, &seed, 32).unwrap().expose().to_vec();
                extra.push(format!(
                    "<wsc:DerivedKeyToken xmlns:wsc=\"http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512\" \
                     xmlns:wsu=\"{}\" xmlns:wsse=\"{}\" wsu:Id=\"dk-1\"><wsse:SecurityTokenReference>\
                     <wsse:Reference URI=\"#{}\" ValueType=\"{SCT13}\"/></wsse:SecurityTokenReference>\
                     <wsc:Offset>0</wsc:Offset><wsc:Length>32</wsc:Length><wsc:Nonce>{}</wsc:Nonce>\
                     </wsc:DerivedKeyToken>",
                    ns::WSU,
                    ns::WSSE,
                    ctx.sct_id,
                    base64_encode(nonce)
                ));
            } else {
                hmac_key = ctx.key.clone();
            }
            p.signer = Some(Signer {
                key: SigningKey::Hmac(&hmac_key),
                method: SignatureMethod::Hmac(HmacAlgorithm::Sha256),
                digest: DigestAlgorithm::Sha256,
                key_info: SignerKeyInfo::Custom(&custom),
            });
        }
        By::Nobody => {}
    }
    p.header_tokens = extra;
    p.signed_ids = vec!["q-msgid".into()];
    wss::secure_envelope(version, now, &headers, &body_fn, &p)
        .unwrap()
        .xml
}

pub fn hex8() -> String {
    wstrust::crypto::random_bytes(8)
        .unwrap()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// An RST body.
pub fn rst(request_type: &str, inner: &str) -> String {
    format!(
        "<wst:RequestSecurityToken xmlns:wst=\"{T13}\" xmlns:wsp=\"http://schemas.xmlsoap.org/ws/2004/09/policy\" \
         xmlns:wsa=\"http://www.w3.org/2005/08/addressing\" xmlns:wsse=\"{}\" Context=\"ctx-1\">\
         <wst:RequestType>{T13}/{request_type}</wst:RequestType>{inner}</wst:RequestSecurityToken>",
        ns::WSSE
    )
}

pub fn applies_to(address: &str) -> String {
    format!("<wsp:AppliesTo><wsa:EndpointReference><wsa:Address>{address}</wsa:Address></wsa:EndpointReference></wsp:AppliesTo>")
}

pub fn claims(rights: &[&str]) -> String {
    let mut s = format!(
        "<wst:Claims Dialect=\"{}\" xmlns:ic=\"{}\">",
        ns::IDENTITY,
        ns::IDENTITY
    );
    for r in rights {
        s.push_str(&format!("<ic:ClaimType Uri=\"{r}\"/>"));
    }
    s.push_str("</wst:Claims>");
    s
}

/// A reference to a context by its identifier.
pub fn by_identifier(identifier: &str) -> String {
    format!("<wsse:SecurityTokenReference><wsse:Reference URI=\"{identifier}\" ValueType=\"{SCT13}\"/></wsse:SecurityTokenReference>")
}

pub fn issue_body(extra: &str) -> String {
    rst("Issue", &format!("{}{extra}", applies_to(RP)))
}

/// The context in an RSTR of `doc`, with the key from `key` (the requester's proof key).
pub fn ctx_from(doc: &Document, key: Vec<u8>) -> Ctx {
    let sct = find(doc, ns::WSC13, "SecurityContextToken").expect("an sct");
    let identifier = doc
        .text(doc.child(sct, ns::WSC13, "Identifier").unwrap())
        .trim()
        .to_owned();
    let instance = doc
        .child(sct, ns::WSC13, "Instance")
        .map(|i| doc.text(i).trim().to_owned());
    Ctx {
        identifier,
        instance,
        sct: outer(doc, sct),
        sct_id: doc.attribute(sct, ns::WSU, "Id").unwrap().to_owned(),
        key,
    }
}

/// The proof key encrypted for the client's certificate in `doc`.
pub fn client_proof(doc: &Document) -> Vec<u8> {
    let proof = find(doc, T13, "RequestedProofToken").expect("a proof token");
    let ek = EncryptedKey::read(doc, doc.child(proof, ns::XENC, "EncryptedKey").unwrap()).unwrap();
    decrypt_key(
        &ek,
        KeyEncryptionKey::Rsa(&key("client")),
        &Policy::default(),
    )
    .unwrap()
    .expose()
    .to_vec()
}

/// The key the SCT in `doc` carries for the service (checked by the service validator).
pub fn service_key(svc: &Validator, doc: &Document, now: i64) -> Vec<u8> {
    let sct = find(doc, ns::WSC13, "SecurityContextToken").expect("an sct");
    svc.validate_sct(doc, sct, now)
        .unwrap()
        .key
        .unwrap()
        .expose()
        .to_vec()
}

/// Issues a context to the client (X.509) and returns it.
pub fn issue_to_client(sts: &Sts, extra: &str, now: i64) -> Ctx {
    let x = send_at(
        sts,
        &envelope(&issue_body(extra), &By::Client, now),
        false,
        now,
    );
    let doc = x.ok();
    let k = client_proof(doc);
    ctx_from(doc, k)
}

/// The requester reads a reply: the STS signature over the Body, decryption with a context
/// key it holds (`contexts`) or a key it sent (`sent_keys`, by EncryptedKeySHA1).
pub fn read_reply(x: &Exchange, contexts: Vec<(String, Vec<u8>)>, now: i64) -> wss::SecuredMessage {
    let mut keys = TestKeys::recorded_pki();
    keys.contexts = contexts;
    keys.private = vec![key("client")];
    let replay = crate::wss_support::MemoryReplay::default();
    let clock = FixedClock(now);
    let env = wss::Environment {
        clock: &clock,
        replay: &replay,
        keys: &keys,
    };
    let msg = wss::process(
        Document::parse(x.ok().source().as_bytes()).unwrap(),
        SoapVersion::V12,
        &wss::InboundConfig::default(),
        env,
    )
    .unwrap();
    let body = msg.envelope().unwrap().body();
    match &msg.signature_over(body).expect("reply signed").token() {
        wss::SigningToken::X509(c) => assert_eq!(c.der(), cert("sts").der()),
        // A request signed under a context is answered under a key derived from it.
        wss::SigningToken::Symmetric {
            source: wss::KeySource::Derived(base),
        } => match &**base {
            wss::KeySource::SecurityContext { identifier } => {
                assert!(
                    keys.contexts.iter().any(|(i, _)| i == identifier),
                    "reply signed under an unknown context {identifier}"
                )
            }
            other => panic!("reply signed with a key derived from {other:?}"),
        },
        _ => panic!("reply not signed by the sts"),
    }
    msg
}

/// The BinarySecret proof key in a (decrypted) reply.
pub fn binary_secret_proof(doc: &Document) -> Vec<u8> {
    let proof = find(doc, T13, "RequestedProofToken").expect("a proof token");
    let bs = doc
        .child(proof, T13, "BinarySecret")
        .expect("a binary secret");
    wstrust::xmlsec::base64_decode(&doc.text(bs)).unwrap()
}

/// A UsernameToken with a clear-text password.
pub fn user(name: &str, password: &str) -> String {
    format!(
        "<wsse:UsernameToken xmlns:wsse=\"{}\"><wsse:Username>{name}</wsse:Username>\
         <wsse:Password Type=\"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText\">{password}</wsse:Password></wsse:UsernameToken>",
        ns::WSSE
    )
}

/// Validate with the `RSTR/Status` token type of `target` (a token's XML), signed by the
/// client certificate: the status code and the reason, if any.
pub fn validate_status(sts: &Sts, target: &str, now: i64) -> (String, Option<String>) {
    let body = rst(
        "Validate",
        &format!(
            "<wst:TokenType>{T13}/RSTR/Status</wst:TokenType><wst:ValidateTarget>{target}</wst:ValidateTarget>"
        ),
    );
    let x = send_at(sts, &envelope(&body, &By::Client, now), false, now);
    let doc = x.ok();
    let code = doc.text(find(doc, T13, "Code").unwrap()).into_owned();
    let reason = find(doc, T13, "Reason").map(|r| doc.text(r).into_owned());
    (code, reason)
}

/// Renew of `target` (a token's XML) by `by` with `extra` header tokens, over a confidential
/// transport.
pub fn renew_target(
    sts: &Sts,
    target: &str,
    by: &By<'_>,
    extra: Vec<String>,
    now: i64,
) -> Exchange {
    let body = rst(
        "Renew",
        &format!("<wst:RenewTarget>{target}</wst:RenewTarget>"),
    );
    send_at(sts, &envelope_with(&body, by, now, extra), true, now)
}
