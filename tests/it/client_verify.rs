//! The client verifies every reply by default (issue 20, item 4). A scripted STS answers with
//! replies signed by the real STS key, each wrong in one way the signature does not catch: it
//! relates to another request, relates to none, grants a lifetime that has expired or not yet
//! begun, or does not confirm our signature. Each is refused; the same script with nothing
//! wrong is accepted (so the refusals come from the checks, not from the script).
//! A reply tampered with after signing is refused in `client_issue`.

use std::sync::Arc;

use wstrust::client::{Error, IssueRequest, StsClient};
use wstrust::soap::{Addressing, Envelope, SoapVersion};
use wstrust::trust::{
    BinarySecret, FromElement, Lifetime, RequestSecurityToken, RequestSecurityTokenResponse,
    RequestedProofToken, ScVersion, SecurityContextToken, TokenHolder, TrustVersion,
};
use wstrust::wss::{Clock, SystemClock};
use wstrust::xml::{ns, Document};
use wstrust::xmlsec::base64_decode;

use crate::client_front::{engine, FrontOptions, Script, StsFront, RP};
use crate::client_issue::{alice, config, x509};
use crate::client_renew::signed_response;

/// How the scripted reply is wrong.
#[derive(Clone, Copy, Debug)]
enum Fault {
    None,
    RelatesToAnother,
    NoRelatesTo,
    Expired,
    NotYetValid,
    NoConfirmation,
}

/// A scripted STS answering every Issue request with a signed SCT reply wrong as `fault`.
fn front(fault: Fault) -> StsFront {
    let script: Script = Arc::new(move |body: &str| {
        let doc = Document::parse(body.as_bytes()).unwrap();
        let env = Envelope::read(&doc, None).unwrap();
        let soap = env.version();
        let message_id = Addressing::read(&env).unwrap().message_id.unwrap();
        let rst = RequestSecurityToken::read(&doc, env.body_element().unwrap()).unwrap();
        // The request's own SignatureValue, when it was signed.
        let our_signature = doc
            .descendants_or_self(doc.root())
            .find(|n| doc.is(*n, ns::DS, "SignatureValue"))
            .map(|n| base64_decode(doc.text(n).trim()).unwrap());
        let now = SystemClock.now_ms() / 1000;
        let mut rstr = RequestSecurityTokenResponse::new(TrustVersion::V13);
        rstr.context = rst.context;
        let sct = SecurityContextToken::new(ScVersion::V13, "urn:uuid:scripted");
        rstr.requested_security_token = Some(TokenHolder::from_token(&sct).unwrap());
        rstr.requested_proof_token = Some(RequestedProofToken::BinarySecret(BinarySecret::new(
            None,
            vec![7; 32],
        )));
        rstr.params.lifetime = match fault {
            Fault::Expired => Lifetime::from_seconds(now - 7200, now - 3600),
            Fault::NotYetValid => Lifetime::from_seconds(now + 3600, now + 7200),
            _ => Lifetime::from_seconds(now, now + 3600),
        };
        let relates_to = match fault {
            Fault::RelatesToAnother => Some("urn:uuid:another-request"),
            Fault::NoRelatesTo => None,
            _ => Some(message_id.as_str()),
        };
        let confirmation = match fault {
            Fault::NoConfirmation => None,
            _ => our_signature,
        };
        signed_response(soap, &rstr, confirmation, relates_to)
    });
    StsFront::start(
        engine(),
        FrontOptions {
            confidential: true,
            script: Some(script),
            ..FrontOptions::default()
        },
    )
}

fn client(front: &StsFront) -> StsClient {
    StsClient::new(&front.url, config(SoapVersion::V11, TrustVersion::V13)).unwrap()
}

fn refused(fault: Fault, req: &IssueRequest, says: &str) {
    let f = front(fault);
    let e = client(&f).issue(req).unwrap_err();
    assert!(matches!(e, Error::Verification { .. }), "{fault:?}: {e}");
    assert!(e.to_string().contains(says), "{fault:?}: {e}");
}

#[test]
fn a_correct_signed_reply_is_accepted_by_the_same_script() {
    let f = front(Fault::None);
    for req in [
        IssueRequest::new(RP, alice("secret")),
        IssueRequest::new(RP, x509()),
    ] {
        let t = client(&f).issue(&req).unwrap();
        assert!(t.sts_signature_verified);
        assert_eq!(t.identifier.as_deref(), Some("urn:uuid:scripted"));
        assert_eq!(t.proof_key.unwrap().expose(), &[7; 32]);
    }
}

#[test]
fn a_reply_relating_to_another_request_is_refused() {
    let req = IssueRequest::new(RP, alice("secret"));
    refused(Fault::RelatesToAnother, &req, "RelatesTo");
    // Also when read unverified: a RelatesTo that is there must name our request.
    let f = front(Fault::RelatesToAnother);
    let e = client(&f).danger_unverified().issue(&req).unwrap_err();
    assert!(e.to_string().contains("RelatesTo"), "{e}");
}

#[test]
fn a_reply_relating_to_no_request_is_refused() {
    refused(
        Fault::NoRelatesTo,
        &IssueRequest::new(RP, alice("secret")),
        "no wsa:RelatesTo",
    );
}

#[test]
fn an_expired_or_not_yet_valid_lifetime_is_refused() {
    let req = IssueRequest::new(RP, alice("secret"));
    refused(Fault::Expired, &req, "expired");
    refused(Fault::NotYetValid, &req, "future");
    let f = front(Fault::Expired);
    let e = client(&f).danger_unverified().issue(&req).unwrap_err();
    assert!(e.to_string().contains("expired"), "{e}");
}

#[test]
fn a_reply_not_confirming_our_signature_is_refused() {
    refused(
        Fault::NoConfirmation,
        &IssueRequest::new(RP, x509()),
        "SignatureConfirmation",
    );
    // A password request has no signature to confirm: the same reply is accepted.
    let f = front(Fault::NoConfirmation);
    client(&f)
        .issue(&IssueRequest::new(RP, alice("secret")))
        .unwrap();
}
