//! Third-party recordings (shared MANIFEST section 5) through our trust model and, where the
//! keys are known, through verification:
//!
//! * WCF ↔ CoreWCF (5.5): the SCT key derived from the client entropy of the RST and the
//!   server entropy of the RSTR as our trust model reads them equals the recorded key, and the
//!   HMAC-signed follow-up messages verify through the whole WS-Security layer with that key
//!   as the security context's (and fail with any other key, without the context, or
//!   pretty-printed).
//! * AD FS (5.1): the issued SAML 1.1 assertion, carried through our RSTRC model and written
//!   back, still verifies with its certificate; the AD FS fault (5.2) and ours for the same
//!   condition share code and subcode.
//! * PicketLink (5.3) and Rampart (5.4) are parse-only recordings (pretty-printed after signing
//!   or without keys): their typed readings are asserted in `trust_model.rs`.

use wstrust::crypto::psha1;
use wstrust::pki::Certificate;
use wstrust::soap::Envelope;
use wstrust::trust::{FromElement, RequestType, ToXml, TokenKind, TrustMessage};
use wstrust::wss::{self, Environment, FixedClock, InboundConfig, KeySource, SigningToken};
use wstrust::xml::{ns, Document};
use wstrust::xmlsec::{verify, x509_certificates, NoResolver, Policy, Signature, VerificationKey};

use crate::interop_support::{find, hex, interop_engine, Recorded};
use crate::support::{fixture, fixture_text};
use crate::wss_support::{MemoryReplay, TestKeys};

/// What the tests below establish, for the docs matrix: (recording, checked, result).
pub const THIRD_PARTY: &[(&str, &str, &str)] = &[
    (
        "WCF client ↔ CoreWCF, WS-SC 2005/02 SCT (MANIFEST 5.5)",
        "P_SHA1(client entropy of the RST, server entropy of the RSTR) as our model reads them",
        "equals the recorded 32-byte key",
    ),
    (
        "WCF client ↔ CoreWCF, HMAC-SHA1 application request and Cancel RST",
        "the whole WS-Security layer with that key as the SCT's",
        "signature valid, signed by the SCT; refused with a one-bit-off key, without the \
         context, and in the pretty-printed capture",
    ),
    (
        "WCF client ↔ CoreWCF, Cancel RST",
        "CancelTarget read by our model",
        "names the issued SCT's identifier",
    ),
    (
        "WCF client ↔ CoreWCF, issue RST",
        "the X.509 signature (certificate redacted in the capture)",
        "refused: malformed BinarySecurityToken",
    ),
    (
        "AD FS RSTRC with a SAML 1.1 assertion (5.1)",
        "the assertion after our RSTRC model read and rewrote it",
        "its signature still verifies with the AD FS signing certificate",
    ),
    (
        "AD FS fault for a wrong password (5.2)",
        "code and subcode against our fault for msal's request with a wrong password",
        "both `Sender` / `FailedAuthentication` (AD FS in the 2005/02 namespace, we in the \
         request's 1.3)",
    ),
];

const WCF: &str = "wssc/corewcf-sct-psha1/";

fn body_message(rel: &str) -> TrustMessage {
    let doc = Document::parse(&fixture(rel)).unwrap();
    let env = Envelope::read(&doc, None).unwrap();
    let el = env.body_element().unwrap();
    TrustMessage::read(&doc, el).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The SCT identifier and key as the requester learns them from messages 1 and 2.
fn corewcf_context() -> (String, Vec<u8>) {
    let TrustMessage::Rst(rst) =
        body_message(&format!("{WCF}01-rst-sct-issue.request.compact.xml"))
    else {
        panic!("message 1 is an RST")
    };
    let TrustMessage::Rstr(rstr) =
        body_message(&format!("{WCF}02-rstr-sct-issue.response.pretty.xml"))
    else {
        panic!("message 2 is an RSTR")
    };
    let client = rst
        .params
        .entropy
        .as_ref()
        .unwrap()
        .binary_secret()
        .unwrap();
    let server = rstr
        .params
        .entropy
        .as_ref()
        .unwrap()
        .binary_secret()
        .unwrap();
    let bits = rstr.params.key_size.unwrap();
    assert_eq!(bits, 256);
    // WS-Trust: key = P_SHA1(requester entropy, issuer entropy).
    let key = psha1(
        client.value.expose(),
        server.value.expose(),
        usize::try_from(bits / 8).unwrap(),
    )
    .unwrap();
    let Some(TokenKind::SecurityContextToken(sct)) = rstr
        .requested_security_token
        .as_ref()
        .and_then(|t| t.token_kind())
    else {
        panic!("message 2 issues an SCT")
    };
    (sct.identifier, key.expose().to_vec())
}

/// Processes a recorded message's security header with the SCT key known (or not).
fn process(file: &str, context: Option<(&str, &[u8])>) -> Result<wss::SecuredMessage, wss::Error> {
    let body = fixture(&format!("{WCF}{file}"));
    let doc = Document::parse(&body).unwrap();
    let created = doc
        .text(find(&doc, ns::WSU, "Created").unwrap())
        .into_owned();
    let clock = FixedClock(wss::time::parse(&created).unwrap() + 1000);
    let mut keys = TestKeys::recorded_pki();
    if let Some((id, key)) = context {
        keys.contexts.push((id.to_owned(), key.to_vec()));
    }
    let replay = MemoryReplay::default();
    let env = Environment {
        clock: &clock,
        replay: &replay,
        keys: &keys,
    };
    let version = Envelope::read(&doc, None).unwrap().version();
    wss::process(doc, version, &InboundConfig::default(), env)
}

#[test]
fn corewcf_sct_key_from_both_entropies_verifies_the_hmac_signed_messages() {
    let (identifier, key) = corewcf_context();
    assert_eq!(identifier, "urn:uuid:40859149-0ab7-4ee2-a7cc-22bc21adfe08");
    assert_eq!(
        hex(&key),
        fixture_text(&format!("{WCF}expected/sct-key-psha1-32.hex")).trim()
    );
    for file in [
        "03-app-request-sct-hmac.compact.xml",
        "05-rst-sct-cancel.request.compact.xml",
    ] {
        let msg =
            process(file, Some((&identifier, &key))).unwrap_or_else(|e| panic!("{file}: {e}"));
        let [sig] = msg.signatures() else {
            panic!("{file}: one signature")
        };
        assert!(
            matches!(&sig.token(), SigningToken::Symmetric { source: KeySource::SecurityContext { identifier: i } } if *i == identifier),
            "{file}: signed with the SCT key: {:?}",
            sig.token()
        );
        let doc = msg.document();
        let ts = find(doc, ns::WSU, "Timestamp").unwrap();
        assert!(msg.is_signed(ts), "{file}: the Timestamp is signed");
        assert_eq!(msg.security_contexts(), vec![identifier.clone()], "{file}");

        // Any other key, no context, or the pretty-printed capture: refused.
        let mut wrong = key.clone();
        wrong[31] ^= 1;
        assert!(
            process(file, Some((&identifier, &wrong))).is_err(),
            "{file}"
        );
        assert!(process(file, None).is_err(), "{file}");
        let pretty = file.replace(".compact.", ".pretty.");
        assert!(
            process(&pretty, Some((&identifier, &key))).is_err(),
            "{pretty}"
        );
    }
    // Message 5 cancels that very context.
    let TrustMessage::Rst(cancel) =
        body_message(&format!("{WCF}05-rst-sct-cancel.request.compact.xml"))
    else {
        panic!("message 5 is an RST")
    };
    assert_eq!(cancel.params.request_type, Some(RequestType::Cancel));
    let Some(TokenKind::SecurityTokenReference(target)) = cancel
        .params
        .cancel_target
        .as_ref()
        .and_then(|t| t.token_kind())
    else {
        panic!("CancelTarget is a reference")
    };
    assert_eq!(
        target.reference.and_then(|r| r.uri).as_deref(),
        Some(identifier.as_str())
    );
}

#[test]
fn corewcf_issue_request_signature_does_not_verify_its_redacted_certificate() {
    // The RSA SignatureValue and the BST certificate were truncated in the published capture.
    let e = process("01-rst-sct-issue.request.compact.xml", None).unwrap_err();
    assert_eq!(
        e.to_string(),
        "malformed security header: BinarySecurityToken"
    );
}

#[test]
fn adfs_issued_assertion_still_verifies_after_our_model_carried_it() {
    let rel = "wstrust/adfs-adal/common.rstr.xml";
    let TrustMessage::Rstrc(c) = body_message(rel) else {
        panic!("an RSTRC")
    };
    let written = c.to_xml().unwrap();
    let doc = Document::parse(written.as_bytes()).unwrap();
    let assertion = find(&doc, ns::SAML1, "Assertion").expect("the assertion, carried");
    let sig_node = doc.child(assertion, ns::DS, "Signature").unwrap();
    let sig = Signature::read(&doc, sig_node, &Policy::default()).unwrap();
    let der = x509_certificates(&doc, sig.key_info.unwrap()).unwrap();
    let cert = Certificate::from_der(&der[0]).unwrap();
    assert!(cert
        .subject()
        .contains("ADFS Signing - fs.naturalcauses.com"));
    let v = verify(
        &doc,
        &sig,
        VerificationKey::Rsa(cert.public_key()),
        &Policy::default(),
        &NoResolver,
    )
    .unwrap();
    assert!(v.references(assertion));
}

/// (code, subcode) local names and the subcode's namespace of a SOAP 1.2 fault.
fn fault_codes(doc: &Document) -> (String, String, String) {
    let fault = Envelope::read(doc, None).unwrap().body_element().unwrap();
    let values: Vec<_> = doc
        .descendants_or_self(fault)
        .filter(|n| doc.is(*n, ns::SOAP12, "Value"))
        .collect();
    let [code, sub] = values.as_slice() else {
        panic!("code and one subcode")
    };
    let local = |n| {
        let t = doc.text(n).into_owned();
        t.split_once(':')
            .map_or_else(|| t.clone(), |(_, l)| l.to_owned())
    };
    let sub_text = doc.text(*sub).into_owned();
    let prefix = sub_text.split_once(':').map(|(p, _)| p).unwrap_or("");
    let sub_ns = doc.lookup_namespace(*sub, prefix).unwrap_or("").to_owned();
    (local(*code), local(*sub), sub_ns)
}

#[test]
fn adfs_and_we_fault_a_wrong_password_alike() {
    let adfs = Document::parse(&fixture(
        "wstrust/adfs-msal-dotnet/WsTrustResponseNoToken.xml",
    ))
    .unwrap();
    let (code, sub, sub_ns) = fault_codes(&adfs);
    assert_eq!(
        (code.as_str(), sub.as_str()),
        ("Sender", "FailedAuthentication")
    );
    assert_eq!(sub_ns, ns::WST_2005);

    let mut msal = Recorded::load("msal-issue-wst13.xml");
    let text = String::from_utf8(msal.body.clone()).unwrap();
    msal.body = text
        .replace("P@ss&lt;&amp;&gt;&apos;&quot;word", "wrong")
        .into_bytes();
    let resp = msal.send(&interop_engine(), true);
    assert_eq!(resp.status, 500);
    let ours = Document::parse(resp.body.as_bytes()).unwrap();
    let (code, sub, sub_ns) = fault_codes(&ours);
    assert_eq!(
        (code.as_str(), sub.as_str()),
        ("Sender", "FailedAuthentication")
    );
    // We answer a WS-Trust 1.3 request in its own namespace; AD FS uses 2005/02 here.
    assert_eq!(sub_ns, ns::WST13);
}
