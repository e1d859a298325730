//! Renew, Cancel and Validate from the client: requests signed with a key derived from the
//! SCT's proof key (a DerivedKeyToken naming the context by its `wsc:Identifier`).
//!
//! The engine does not implement these bindings yet (another branch is building them): against
//! the real engine the tests check that our security header passes the engine's WS-Security
//! processing (the engine then reaches its "request type not supported yet" refusal; once the
//! bindings land the same tests check the answers instead). The answers themselves are checked
//! against a scripted STS that verifies our request with the WS-Security layer and answers as
//! WS-Trust 1.3 / WS-SecureConversation 1.3 prescribe.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use wstrust::client::{Error, IssueRequest, IssuedToken, StsClient};
use wstrust::crypto::{DigestAlgorithm, SecretBytes, SignatureAlgorithm};
use wstrust::soap::{Addressing, AddressingVersion, Envelope, ReplyAddressing, SoapVersion};
use wstrust::trust::{
    Action, BinarySecret, Binding, FromElement, RequestSecurityToken, RequestSecurityTokenResponse,
    RequestType, RequestedProofToken, ScVersion, SecurityContextToken, Status, StatusCode, ToXml,
    TokenHolder, TrustVersion,
};
use wstrust::wss::{
    self, Clock, Environment, InboundConfig, KeySource, Protection, Signer, SignerKeyInfo,
    SigningToken, SystemClock,
};
use wstrust::xml::{ns, Document};
use wstrust::xmlsec::{SignatureMethod, SigningKey};

use crate::client_front::{engine, FrontOptions, Script, StsFront, RP};
use crate::client_issue::{alice, cert, config, key, loopback, service_key};
use crate::wss_support::{MemoryReplay, TestKeys};

fn issued(front: &StsFront, soap: SoapVersion) -> (StsClient, IssuedToken) {
    let client = StsClient::new(&front.url, config(soap, TrustVersion::V13)).unwrap();
    let t = client
        .issue(&IssueRequest::new(RP, alice("secret")))
        .unwrap();
    (client, t)
}

#[test]
fn renew_cancel_and_validate_pass_the_engines_security_processing() {
    let front = StsFront::start(engine(), loopback());
    for soap in [SoapVersion::V11, SoapVersion::V12] {
        let (client, t) = issued(&front, soap);
        assert!(client.validate(&t).unwrap().valid, "a fresh token is valid");
        let r = client.renew(&t).unwrap();
        assert!(r.sts_signature_verified);
        let k = r.proof_key.as_ref().unwrap();
        assert_eq!(k.expose(), service_key(&r.token_xml).as_slice());
        // The renewal superseded the first instance: only the renewed token still works.
        let e = client.cancel(&t).unwrap_err();
        assert_eq!(e.fault().unwrap().local_code(), "FailedAuthentication");
        assert!(
            client.validate(&r).unwrap().valid,
            "the renewed token is valid"
        );
        client.cancel(&r).unwrap();
        // A cancelled context no longer signs anything.
        let e = client.validate(&r).unwrap_err();
        assert_eq!(e.fault().unwrap().local_code(), "FailedAuthentication");
    }
    // What went over the wire: the SC actions for renew and cancel, the generic one for
    // validate; a DerivedKeyToken naming the context.
    let seen = front.seen();
    let actions: Vec<String> = seen.iter().filter_map(|s| s.soap_action.clone()).collect();
    for b in [Binding::SctRenew, Binding::SctCancel, Binding::Validate] {
        let a = Action::Request(b).uri(TrustVersion::V13);
        assert!(actions.iter().any(|x| x.contains(a)), "{a} in {actions:?}");
    }
    assert!(seen
        .iter()
        .filter(|s| s.body.contains("RenewTarget"))
        .all(|s| s.body.contains("DerivedKeyToken")));
}

#[test]
fn a_wrong_proof_key_is_refused_by_the_engine() {
    let front = StsFront::start(engine(), loopback());
    let (client, mut t) = issued(&front, SoapVersion::V11);
    t.proof_key = Some(SecretBytes::from_slice(&[9u8; 32]));
    let e = client.validate(&t).unwrap_err();
    let f = e.fault().unwrap_or_else(|| panic!("a fault: {e}"));
    assert_eq!(f.local_code(), "FailedAuthentication");
    assert!(e.to_string().contains("proof"), "{e}");
    let log = front.seen().last().unwrap().log.clone().unwrap();
    assert!(log.contains("security"), "{log}");
}

#[test]
fn only_security_context_tokens_and_with_their_key() {
    let front = StsFront::start(engine(), loopback());
    let (client, t) = issued(&front, SoapVersion::V11);
    let mut no_key = t;
    no_key.proof_key = None;
    assert!(matches!(client.renew(&no_key), Err(Error::Token { .. })));
    let saml = IssuedToken::from_token_xml(
        r#"<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a"/>"#,
        Some(SecretBytes::from_slice(&[1; 32])),
    )
    .unwrap();
    let e = client.cancel(&saml).unwrap_err();
    assert!(
        e.to_string().contains("only security context tokens"),
        "{e}"
    );
    // Nothing was sent for either.
    assert_eq!(front.seen().len(), 1);
}

/// What the scripted STS checked about one request.
struct Checked {
    binding: RequestType,
    doc: Document,
    signature: Vec<u8>,
    /// The request's `wsa:MessageID` (the reply's RelatesTo).
    message_id: String,
}

/// Verifies a request as the STS would: the signature over Body, Timestamp and addressing
/// made with a key derived from the context's proof key.
fn verify_request(body: &str, soap: SoapVersion, identifier: &str, key: &[u8]) -> Option<Checked> {
    let mut keys = TestKeys::recorded_pki();
    keys.contexts.push((identifier.to_owned(), key.to_vec()));
    let replay = MemoryReplay::default();
    let env = Environment {
        clock: &SystemClock,
        replay: &replay,
        keys: &keys,
    };
    let msg = wss::process(
        Document::parse(body.as_bytes()).unwrap(),
        soap,
        &InboundConfig::default(),
        env,
    )
    .ok()?;
    let env = msg.envelope().unwrap();
    let sig = msg.signature_over(env.body()).expect("body signed");
    match &sig.token() {
        SigningToken::Symmetric {
            source: KeySource::Derived(inner),
        } => assert_eq!(
            **inner,
            KeySource::SecurityContext {
                identifier: identifier.to_owned()
            }
        ),
        other => panic!("signed with {other:?}"),
    }
    assert!(msg.signed_by(sig, msg.timestamp_node().unwrap()));
    for h in env.header_blocks() {
        if msg.document().name(h.node).ns == ns::WSA {
            assert!(msg.signed_by(sig, h.node), "addressing header signed");
        }
    }
    let doc = msg.document();
    let rst = RequestSecurityToken::read(doc, env.body_element().unwrap()).unwrap();
    let target = rst
        .params
        .renew_target
        .or(rst.params.cancel_target)
        .or(rst.params.validate_target)
        .expect("a target");
    assert!(
        target.content.as_str().contains(identifier),
        "STR to the context"
    );
    let signature = sig.value().to_vec();
    let binding = rst.params.request_type.unwrap();
    let message_id = Addressing::read(&env).unwrap().message_id.unwrap();
    drop(env);
    Some(Checked {
        binding,
        doc: Document::parse(msg.document().source().as_bytes()).unwrap(),
        signature,
        message_id,
    })
}

/// The fault a real STS sends when the security header does not verify.
fn failed_authentication(soap: SoapVersion) -> String {
    let mut w = wstrust::xml::Writer::new();
    let f = wstrust::soap::Fault::sender(wstrust::soap::FaultSubcode::FailedAuthentication);
    wstrust::soap::write_envelope(&mut w, soap, |_| {}, |w| f.write(w, soap));
    w.finish().unwrap()
}

/// A response envelope signed by the STS, confirming `signature` and relating to the request
/// `relates_to` (signed reply addressing headers, as the engine writes them).
pub fn signed_response(
    soap: SoapVersion,
    rstr: &RequestSecurityTokenResponse,
    signature: Option<Vec<u8>>,
    relates_to: Option<&str>,
) -> String {
    let body = Document::parse(rstr.to_xml().unwrap().as_bytes()).unwrap();
    let k = key("sts");
    let c = cert("sts");
    let reply = ReplyAddressing {
        version: AddressingVersion::V10,
        action: Action::FinalResponse(Binding::Issue)
            .uri(rstr.version)
            .to_owned(),
        message_id: "urn:uuid:reply".into(),
        relates_to: relates_to.map(str::to_owned),
        to: None,
    };
    let mut signed_ids: Vec<String> = ["r-action", "r-msgid", "r-to"].map(str::to_owned).into();
    if relates_to.is_some() {
        signed_ids.push("r-relates".into());
    }
    let p = Protection {
        signer: Some(Signer {
            key: SigningKey::Rsa(&k),
            method: SignatureMethod::Rsa(SignatureAlgorithm::RsaSha256),
            digest: DigestAlgorithm::Sha256,
            key_info: SignerKeyInfo::BinarySecurityToken(&c),
        }),
        signature_confirmations: signature.into_iter().collect(),
        signed_ids,
        ..Protection::default()
    };
    wss::secure_envelope(
        soap,
        SystemClock.now_ms(),
        &|w| reply.write(w, "r"),
        &|w| {
            w.copy(&body, body.root());
        },
        &p,
    )
    .unwrap()
    .xml
}

#[test]
fn renew_cancel_and_validate_answers_are_read_as_the_specifications_say() {
    // A token as the engine issues it, from the real engine.
    let engine_front = StsFront::start(engine(), loopback());
    let (_, t) = issued(&engine_front, SoapVersion::V12);
    let identifier = t.identifier.clone().unwrap();
    let old_key = t.proof_key.as_ref().unwrap().expose().to_vec();
    let new_key = vec![0x5au8; 32];
    let checks = Arc::new(AtomicUsize::new(0));
    let (id2, key2, nk2, checks2) = (identifier.clone(), old_key, new_key.clone(), checks.clone());
    let script: Script = Arc::new(move |body: &str| {
        let Some(c) = verify_request(body, SoapVersion::V12, &id2, &key2) else {
            return failed_authentication(SoapVersion::V12);
        };
        checks2.fetch_add(1, Ordering::SeqCst);
        let context = {
            let env = Envelope::read(&c.doc, None).unwrap();
            RequestSecurityToken::read(&c.doc, env.body_element().unwrap())
                .unwrap()
                .context
        };
        let mut rstr = RequestSecurityTokenResponse::new(TrustVersion::V13);
        rstr.context = context;
        match c.binding {
            RequestType::Renew => {
                let mut sct = SecurityContextToken::new(ScVersion::V13, id2.clone());
                sct.instance = Some("1".into());
                rstr.requested_security_token = Some(TokenHolder::from_token(&sct).unwrap());
                rstr.requested_proof_token = Some(RequestedProofToken::BinarySecret(
                    BinarySecret::new(None, nk2.clone()),
                ));
            }
            RequestType::Cancel => rstr.requested_token_cancelled = true,
            RequestType::Validate => {
                rstr.status = Some(Status {
                    code: StatusCode::Invalid,
                    reason: Some("expired".into()),
                });
            }
            other => panic!("unexpected {other:?}"),
        }
        signed_response(
            SoapVersion::V12,
            &rstr,
            Some(c.signature),
            Some(&c.message_id),
        )
    });
    let front = StsFront::start(
        engine(),
        FrontOptions {
            script: Some(script),
            ..FrontOptions::default()
        },
    );
    let client = StsClient::new(&front.url, config(SoapVersion::V12, TrustVersion::V13)).unwrap();
    let renewed = client.renew(&t).unwrap();
    assert_eq!(renewed.identifier.as_deref(), Some(identifier.as_str()));
    assert_eq!(renewed.instance.as_deref(), Some("1"));
    assert_eq!(
        renewed.proof_key.as_ref().unwrap().expose(),
        new_key.as_slice()
    );
    assert!(renewed.sts_signature_verified);
    client.cancel(&t).unwrap();
    let status = client.validate(&t).unwrap();
    assert!(!status.valid);
    assert_eq!(status.reason.as_deref(), Some("expired"));
    assert!(status.code.ends_with("status/invalid"));
    assert_eq!(checks.load(Ordering::SeqCst), 3);
    // The renewed token signs with its new key, which this script does not know.
    let e = client.cancel(&renewed).unwrap_err();
    assert_eq!(
        e.fault().map(|f| f.local_code()),
        Some("FailedAuthentication"),
        "{e}"
    );
    assert_eq!(checks.load(Ordering::SeqCst), 3);
}
