//! Every request recorded from a real client (zeep, node-soap, msal, adal, adal-node; see the
//! shared MANIFEST section 8) through the in-process engine at its recorded clock. The outcome
//! of each file is written down in [`EXPECTED`]: an issued SCT (then the response's STS
//! signature is checked as the requester would, and the requester's key, read the way the
//! proof token says, must equal the key the service decrypts from the SCT), or a fault with
//! its wire code and the reason the log gives. A change in any outcome fails the test, so the
//! table moves with the engine. A request naming no TokenType gets what its KeyType fits
//! (a SAML 2.0 assertion for Bearer and PublicKey, checked by the service's SAML
//! validation); the recorded Renew, Cancel and Validate requests name contexts this STS never
//! issued, so they are refused (an owner may renew or cancel only a context it can open), and
//! their SAML 1.1 assertions, made by the recording's stand-in issuer, validate as invalid and
//! do not renew.

use wstrust::crypto::{psha1, RsaPrivateKey};
use wstrust::soap::{Envelope, SoapVersion};
use wstrust::wss::{self, Environment, FixedClock, InboundConfig};
use wstrust::xml::{ns, Document};
use wstrust::xmlsec::{self, base64_decode, decrypt_key, KeyEncryptionKey, Policy};

use crate::interop_support::{find, interop_engine, service_key, Recorded};
use crate::support::{fixture_text, shared};
use crate::wss_support::{MemoryReplay, TestKeys};

/// How the requester gets the key of an issued SCT.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum Proof {
    /// `RequestedProofToken/ComputedKey` (CK/PSHA1) with the server entropy as a
    /// `BinarySecret` (only over a confidential channel).
    ComputedClearEntropy,
    /// `RequestedProofToken/ComputedKey` with the server entropy in an `EncryptedKey` for the
    /// requester's certificate.
    ComputedEncryptedEntropy,
    /// `RequestedProofToken/xenc:EncryptedKey` for the requester's certificate.
    EncryptedKey,
    /// `RequestedProofToken/BinarySecret` (only over a confidential channel).
    BinarySecret,
}

impl Proof {
    /// For the docs matrix.
    pub fn label(self) -> &'static str {
        match self {
            Self::ComputedClearEntropy => "SCT, CK/PSHA1, server entropy in the clear (TLS)",
            Self::ComputedEncryptedEntropy => {
                "SCT, CK/PSHA1, server entropy encrypted for the client certificate"
            }
            Self::EncryptedKey => "SCT, proof key encrypted for the client certificate",
            Self::BinarySecret => "SCT, proof key as BinarySecret (TLS)",
        }
    }
}

/// The outcome of one recorded request.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum Outcome {
    /// An SCT, keys agreed.
    Issued(Proof),
    /// A SAML assertion the service accepts for the request's AppliesTo, named by version
    /// and confirmation (`"2.0 bearer"`, `"2.0 holder-of-key public"`, ...).
    Saml(&'static str),
    /// A `wst:Status` answer to a Validate: its code's last segment (`valid`, `invalid`).
    Status(&'static str),
    /// A fault: the wire subcode and a piece of the logged reason.
    Fault(&'static str, &'static str),
}

use Outcome::{Fault, Issued, Saml, Status};
use Proof::{BinarySecret, ComputedClearEntropy, ComputedEncryptedEntropy, EncryptedKey};

/// Every recorded request (sent over a confidential channel, as these clients would over TLS)
/// and what the engine does with it today.
#[rustfmt::skip]
pub const EXPECTED: &[(&str, Outcome)] = &[
    ("adal-issue-wst13-fault.xml", Saml("2.0 bearer")),
    ("adal-issue-wst13.xml", Saml("2.0 bearer")),
    ("adal-node-issue-wst13-fault.xml", Saml("2.0 bearer")),
    ("adal-node-issue-wst13.xml", Saml("2.0 bearer")),
    ("msal-issue-wst13-fault.xml", Saml("2.0 bearer")),
    ("msal-issue-wst13.xml", Saml("2.0 bearer")),
    ("node-soap-soap11-cert-issue-bearer.xml", Saml("2.0 bearer")),
    ("node-soap-soap11-cert-sct.xml", Issued(ComputedEncryptedEntropy)),
    ("node-soap-soap11-plus-cert-issue-bearer.xml", Saml("2.0 bearer")),
    ("node-soap-soap11-username-digest-issue-bearer.xml", Saml("2.0 bearer")),
    ("node-soap-soap11-username-issue-bearer-fault.xml", Saml("2.0 bearer")),
    ("node-soap-soap11-username-issue-bearer.xml", Saml("2.0 bearer")),
    ("node-soap-soap11-username-issue-entropy.xml", Issued(ComputedClearEntropy)),
    ("node-soap-soap12-cert-issue-bearer.xml", Saml("2.0 bearer")),
    ("node-soap-soap12-cert-sct.xml", Issued(ComputedEncryptedEntropy)),
    ("node-soap-soap12-plus-cert-issue-bearer.xml", Saml("2.0 bearer")),
    ("node-soap-soap12-username-digest-issue-bearer.xml", Saml("2.0 bearer")),
    ("node-soap-soap12-username-issue-bearer-fault.xml", Saml("2.0 bearer")),
    ("node-soap-soap12-username-issue-bearer.xml", Saml("2.0 bearer")),
    ("node-soap-soap12-username-issue-entropy.xml", Issued(ComputedClearEntropy)),
    ("zeep-soap11-username-actas.xml", Fault("wst:FailedAuthentication", "not a delegation token")),
    ("zeep-soap11-username-cancel-pre-sct.xml", Issued(BinarySecret)),
    ("zeep-soap11-username-cancel.xml", Fault("wst:FailedAuthentication", "target context unknown")),
    ("zeep-soap11-username-digest-issue-bearer.xml", Saml("2.0 bearer")),
    ("zeep-soap11-username-issue-bearer-fault.xml", Saml("2.0 bearer")),
    ("zeep-soap11-username-issue-bearer.xml", Saml("2.0 bearer")),
    ("zeep-soap11-username-issue-entropy.xml", Issued(ComputedClearEntropy)),
    ("zeep-soap11-username-issue-publickey.xml", Saml("2.0 holder-of-key public")),
    ("zeep-soap11-username-issue-symmetric.xml", Issued(BinarySecret)),
    ("zeep-soap11-username-onbehalfof.xml", Fault("wst:FailedAuthentication", "not a delegation token")),
    ("zeep-soap11-username-renew-pre-issue.xml", Saml("2.0 bearer")),
    ("zeep-soap11-username-renew.xml", Fault("wst:UnableToRenew", "not an assertion this STS issued")),
    ("zeep-soap11-username-sct.xml", Issued(ComputedClearEntropy)),
    ("zeep-soap11-username-validate-pre-issue.xml", Saml("2.0 bearer")),
    ("zeep-soap11-username-validate.xml", Status("invalid")),
    ("zeep-soap11-x509-binary-issue-bearer.xml", Saml("2.0 bearer")),
    ("zeep-soap11-x509-binary-issue-symmetric.xml", Issued(EncryptedKey)),
    ("zeep-soap11-x509-issue-bearer.xml", Saml("2.0 bearer")),
    ("zeep-soap11-x509-sha256-issue-entropy.xml", Issued(ComputedEncryptedEntropy)),
    ("zeep-soap12-username-actas.xml", Fault("wst:FailedAuthentication", "not a delegation token")),
    ("zeep-soap12-username-cancel-pre-sct.xml", Issued(BinarySecret)),
    ("zeep-soap12-username-cancel.xml", Fault("wst:FailedAuthentication", "target context unknown")),
    ("zeep-soap12-username-digest-issue-bearer.xml", Saml("2.0 bearer")),
    ("zeep-soap12-username-issue-bearer-fault.xml", Saml("2.0 bearer")),
    ("zeep-soap12-username-issue-bearer.xml", Saml("2.0 bearer")),
    ("zeep-soap12-username-issue-entropy.xml", Issued(ComputedClearEntropy)),
    ("zeep-soap12-username-issue-publickey.xml", Saml("2.0 holder-of-key public")),
    ("zeep-soap12-username-issue-symmetric.xml", Issued(BinarySecret)),
    ("zeep-soap12-username-onbehalfof.xml", Fault("wst:FailedAuthentication", "not a delegation token")),
    ("zeep-soap12-username-renew-pre-issue.xml", Saml("2.0 bearer")),
    ("zeep-soap12-username-renew.xml", Fault("wst:UnableToRenew", "not an assertion this STS issued")),
    ("zeep-soap12-username-sct.xml", Issued(ComputedClearEntropy)),
    ("zeep-soap12-username-validate-pre-issue.xml", Saml("2.0 bearer")),
    ("zeep-soap12-username-validate.xml", Status("invalid")),
    ("zeep-soap12-x509-binary-issue-bearer.xml", Saml("2.0 bearer")),
    ("zeep-soap12-x509-binary-issue-symmetric.xml", Issued(EncryptedKey)),
    ("zeep-soap12-x509-issue-bearer.xml", Saml("2.0 bearer")),
    ("zeep-soap12-x509-sha256-issue-entropy.xml", Issued(ComputedEncryptedEntropy)),
];

/// How a recorded request authenticates, read from the request itself.
pub fn auth_of(r: &Recorded) -> &'static str {
    let doc = Document::parse(&r.body).unwrap();
    if find(&doc, ns::DS, "Signature").is_some() {
        return "X.509 signature";
    }
    match find(&doc, ns::WSSE, "Password") {
        Some(p)
            if doc
                .attribute(p, "", "Type")
                .is_some_and(|t| t.ends_with("#PasswordDigest")) =>
        {
            "UsernameToken digest"
        }
        Some(_) => "UsernameToken text",
        None => "none",
    }
}

/// The SOAP version of a recorded request.
pub fn soap_of(r: &Recorded) -> SoapVersion {
    Envelope::read(&Document::parse(&r.body).unwrap(), None)
        .unwrap()
        .version()
}

fn fault_code(doc: &Document) -> String {
    let env = Envelope::read(doc, None).unwrap();
    let fault = env.body_element().unwrap();
    assert!(doc.is(fault, env.version().namespace(), "Fault"));
    doc.descendants_or_self(fault)
        .filter(|n| doc.name(*n).local == "Value" || doc.name(*n).local == "faultcode")
        .map(|n| doc.text(n).into_owned())
        .last()
        .unwrap()
}

fn decrypt_for_client(doc: &Document, ek: wstrust::xml::NodeId) -> Vec<u8> {
    let client = RsaPrivateKey::from_pem(&fixture_text("clients/pki/client.key")).unwrap();
    let ek = xmlsec::EncryptedKey::read(doc, ek).unwrap();
    decrypt_key(&ek, KeyEncryptionKey::Rsa(&client), &Policy::default())
        .unwrap()
        .expose()
        .to_vec()
}

/// The requester's first step: the response's Body is signed by the STS.
fn check_sts_signature(r: &Recorded, response: &str) {
    let keys = TestKeys::recorded_pki();
    let clock = FixedClock(r.clock + 1000);
    let replay = MemoryReplay::default();
    let env = Environment {
        clock: &clock,
        replay: &replay,
        keys: &keys,
    };
    let msg = wss::process(
        Document::parse(response.as_bytes()).unwrap(),
        soap_of(r),
        &InboundConfig::default(),
        env,
    )
    .unwrap_or_else(|e| panic!("{}: the response does not verify: {e}", r.name));
    let body = msg.envelope().unwrap().body();
    assert!(
        matches!(&msg.signature_over(body).unwrap().token(), wss::SigningToken::X509(c) if c.subject().contains("sts")),
        "{}: body signed by the sts",
        r.name
    );
}

/// What the requester does with the response: checks the STS signature over the Body, then
/// reads its key the way the proof token says.
fn requester_view(r: &Recorded, response: &str) -> (Proof, Vec<u8>) {
    check_sts_signature(r, response);
    let doc = Document::parse(response.as_bytes()).unwrap();
    let rstr = find(&doc, ns::WST13, "RequestSecurityTokenResponse")
        .or_else(|| find(&doc, ns::WST_2005, "RequestSecurityTokenResponse"))
        .unwrap();
    let t = doc.name(rstr).ns.to_owned();
    let t = t.as_str();
    let proof = doc.child(rstr, t, "RequestedProofToken").unwrap();
    let bits = doc
        .child(rstr, t, "KeySize")
        .map_or(256, |k| doc.text(k).trim().parse::<usize>().unwrap());
    if doc.child(proof, t, "ComputedKey").is_some() {
        let entropy = doc.child(rstr, t, "Entropy").unwrap();
        let (kind, server) = match doc.child(entropy, ns::XENC, "EncryptedKey") {
            Some(ek) => (ComputedEncryptedEntropy, decrypt_for_client(&doc, ek)),
            None => (
                ComputedClearEntropy,
                base64_decode(&doc.text(doc.child(entropy, t, "BinarySecret").unwrap())).unwrap(),
            ),
        };
        let mine = r.client_entropy().expect("client entropy");
        let key = psha1(&mine, &server, bits / 8).unwrap();
        return (kind, key.expose().to_vec());
    }
    if let Some(ek) = doc.child(proof, ns::XENC, "EncryptedKey") {
        return (EncryptedKey, decrypt_for_client(&doc, ek));
    }
    let bs = doc.child(proof, t, "BinarySecret").expect("a proof token");
    (BinarySecret, base64_decode(&doc.text(bs)).unwrap())
}

/// What the service makes of an issued assertion: its signature by the STS, its audience
/// (the request's AppliesTo address), its lifetime at the recorded clock; named by version
/// and confirmation.
fn service_view_of_saml(
    r: &Recorded,
    doc: &Document,
    assertion: wstrust::xml::NodeId,
) -> &'static str {
    use wstrust::saml::{Confirmation, SamlVersion, TrustedIssuer, ValidationPolicy};
    let request = Document::parse(&r.body).unwrap();
    let at = find(&request, ns::WSP, "AppliesTo")
        .or_else(|| find(&request, ns::WSP15, "AppliesTo"))
        .expect("an AppliesTo");
    let address = request
        .descendants_or_self(at)
        .find(|n| request.name(*n).local == "Address")
        .map(|a| request.text(a).trim().to_owned())
        .expect("an AppliesTo address");
    let sts = wstrust::pki::Certificate::from_pem(&fixture_text("clients/pki/sts.pem")).unwrap();
    let issuers = [TrustedIssuer::new(sts)];
    let policy = ValidationPolicy::new(&issuers, [address], r.clock + 1000);
    let v = wstrust::saml::validate(doc, assertion, &policy)
        .unwrap_or_else(|e| panic!("{}: the service refuses the assertion: {e}", r.name));
    match (v.version, &v.confirmation) {
        (SamlVersion::V20, Confirmation::Bearer) => "2.0 bearer",
        (SamlVersion::V11, Confirmation::Bearer) => "1.1 bearer",
        (SamlVersion::V20, Confirmation::HolderOfKeyPublic(_)) => "2.0 holder-of-key public",
        (SamlVersion::V11, Confirmation::HolderOfKeyPublic(_)) => "1.1 holder-of-key public",
        (SamlVersion::V20, _) => "2.0 holder-of-key symmetric",
        (_, _) => "1.1 holder-of-key symmetric",
    }
}

/// Sends `r` (over a confidential channel) and returns its outcome.
pub fn outcome(r: &Recorded) -> Outcome {
    let resp = r.send(&interop_engine(), true);
    let doc = Document::parse(resp.body.as_bytes()).unwrap();
    if resp.status == 200 {
        if let Some(code) =
            find(&doc, ns::WST13, "Code").or_else(|| find(&doc, ns::WST_2005, "Code"))
        {
            check_sts_signature(r, &resp.body);
            let c = doc.text(code);
            return Status(if c.ends_with("/valid") {
                "valid"
            } else {
                "invalid"
            });
        }
        let assertion =
            find(&doc, ns::SAML2, "Assertion").or_else(|| find(&doc, ns::SAML1, "Assertion"));
        if let Some(a) = assertion {
            check_sts_signature(r, &resp.body);
            return Saml(service_view_of_saml(r, &doc, a));
        }
        let (proof, key) = requester_view(r, &resp.body);
        assert_eq!(
            key,
            service_key(&doc),
            "{}: requester and service disagree on the key",
            r.name
        );
        return Issued(proof);
    }
    let code = fault_code(&doc);
    let log = resp.log.unwrap_or_default();
    let (_, expected) = EXPECTED.iter().find(|(n, _)| *n == r.name).unwrap();
    match expected {
        Fault(c, why) if *c == code && log.contains(why) => Fault(c, why),
        // A different fault: reported with the others by the caller.
        _ => Fault(
            Box::leak(code.into_boxed_str()),
            Box::leak(log.into_boxed_str()),
        ),
    }
}

#[test]
fn every_recorded_client_request_has_its_expected_outcome() {
    let mut on_disk: Vec<String> = std::fs::read_dir(shared().join("clients/requests"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".xml") && !n.starts_with("xmlsec1-"))
        .collect();
    on_disk.sort();
    let listed: Vec<&str> = EXPECTED.iter().map(|(n, _)| *n).collect();
    assert_eq!(on_disk, listed, "EXPECTED lists every recording, in order");
    let mut issued = 0;
    let mut changed = Vec::new();
    for (name, expected) in EXPECTED {
        let got = outcome(&Recorded::load(name));
        if got != *expected {
            changed.push(format!("{name}: now {got:?}, table says {expected:?}"));
        }
        issued += usize::from(matches!(got, Issued(_) | Saml(_)));
    }
    assert!(
        changed.is_empty(),
        "outcomes changed:\n{}",
        changed.join("\n")
    );
    assert_eq!(issued, 16 + 32, "16 SCTs and 32 SAML assertions");
}

#[test]
fn a_signed_request_over_plain_http_still_gets_its_key_encrypted() {
    // Without TLS, a certificate holder's proof material travels encrypted for it; a
    // UsernameToken requester with a clear-text password is refused.
    let e = interop_engine();
    let x509 = Recorded::load("zeep-soap12-x509-sha256-issue-entropy.xml");
    let resp = x509.send(&e, false);
    assert_eq!(resp.status, 200, "{:?}", resp.log);
    let (proof, key) = requester_view(&x509, &resp.body);
    assert_eq!(proof, ComputedEncryptedEntropy);
    assert_eq!(
        key,
        service_key(&Document::parse(resp.body.as_bytes()).unwrap())
    );
    let ut = Recorded::load("zeep-soap11-username-sct.xml");
    let resp = ut.send(&e, false);
    let doc = Document::parse(resp.body.as_bytes()).unwrap();
    assert_eq!(fault_code(&doc), "wst:FailedAuthentication");
}
