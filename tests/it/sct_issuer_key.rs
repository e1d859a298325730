//! Issuer-key protection of our SCTs (`service::sct`): an HMAC-SHA256 signature under a
//! per-realm, per-period key that the STS encrypted for the service and signed once.
//! What must hold: the service accepts the tokens and gets the requester's key; every change
//! to a token or to its issuer key is refused (also after a good token filled the cache); an
//! issuer key of another realm cannot vouch for a token; keys rotate with the period; the RSA
//! mode still works.

use wstrust::crypto::HmacAlgorithm;
use wstrust::engine::config::SctProtection;
use wstrust::service::sct::{self, ServiceKeys};
use wstrust::xml::{ns, Document};
use wstrust::xmlsec::{
    self, decrypt_key, EncryptedKey, KeyEncryptionKey, Policy, SignReference, SignatureMethod,
    SignatureSpec, SigningKey,
};

use crate::engine_support::*;

const OTHER: &str = "https://other.example.com/service";

fn two_realms() -> Sts {
    let mut other = realm(false);
    other.name = "other".into();
    other.applies_to =
        wstrust::engine::config::AppliesToMatch::Prefix("https://other.example.com/".into());
    sts_with(vec![realm(false), other])
}

fn issue_for(sts: &Sts, address: &str, now: i64) -> Ctx {
    let x = send_at(
        sts,
        &envelope(&rst("Issue", &applies_to(address)), &By::Client, now),
        false,
        now,
    );
    let doc = x.ok();
    ctx_from(doc, client_proof(doc))
}

fn validate(svc: &wstrust::service::Validator, sct_xml: &str, now: i64) -> Result<Vec<u8>, String> {
    let doc = Document::parse(sct_xml.as_bytes()).map_err(|e| e.to_string())?;
    svc.validate_sct(&doc, doc.root(), now)
        .map(|t| t.key.unwrap().expose().to_vec())
        .map_err(|e| e.to_string())
}

fn issuer_key_name(sct_xml: &str) -> String {
    let doc = Document::parse(sct_xml.as_bytes()).unwrap();
    let ik = doc
        .child(doc.root(), ns::WSX, "IssuerKey")
        .expect("an issuer key");
    doc.text(doc.child(ik, ns::WSX, "Name").unwrap())
        .into_owned()
}

#[test]
fn the_service_accepts_the_token_and_refuses_every_change() {
    let sts = sts(false);
    let svc = service(sts.store.clone());
    let c = issue_for(&sts, RP, NOW);
    assert!(
        c.sct.contains("IssuerKey"),
        "issuer-key protection is the default"
    );
    assert_eq!(validate(&svc, &c.sct, NOW + 1000).unwrap(), c.key);
    // Changes to the token, and to its issuer key, after the good one filled the cache.
    for (what, from, to) in [
        ("principal", "Principal>", "Principal>x"),
        (
            "issuer key audience",
            "Audience>rp</wsx:Audience><wsx:Created",
            "Audience>rq</wsx:Audience><wsx:Created",
        ),
        ("issuer key name", "<wsx:Name>ik-", "<wsx:Name>ik-0"),
        (
            "a claim added",
            "</wsx:Principal>",
            "</wsx:Principal><wsx:Claim Name=\"urn:right:admin\"/>",
        ),
    ] {
        let bad = c.sct.replacen(from, to, 1);
        assert_ne!(bad, c.sct, "{what}: the change applies");
        assert!(validate(&svc, &bad, NOW + 1000).is_err(), "{what} accepted");
    }
    // The issuer key's own expiry, changed: its STS signature breaks even though the token's
    // HMAC is re-made by someone holding the issuer key (the service itself).
    let doc = Document::parse(c.sct.as_bytes()).unwrap();
    let ik = doc.child(doc.root(), ns::WSX, "IssuerKey").unwrap();
    let ek = EncryptedKey::read(&doc, doc.child(ik, ns::XENC, "EncryptedKey").unwrap()).unwrap();
    let k = decrypt_key(&ek, KeyEncryptionKey::Rsa(&key("rp")), &Policy::default()).unwrap();
    let expires = doc
        .text(doc.child(ik, ns::WSX, "Expires").unwrap())
        .into_owned();
    let longer = c.sct.replacen(&expires, "2099-01-01T00:00:00Z", 1);
    let resigned = rehmac(&longer, k.expose());
    assert!(validate(&svc, &resigned, NOW + 1000).is_err());
    // Re-signing the unchanged token with the issuer key is accepted: the test's HMAC is right.
    assert_eq!(
        validate(&svc, &rehmac(&c.sct, k.expose()), NOW + 1000).unwrap(),
        c.key
    );
}

/// The token with its HMAC signature removed and made again with `k`.
fn rehmac(sct_xml: &str, k: &[u8]) -> String {
    let start = sct_xml.find("<ds:Signature").unwrap();
    let end = sct_xml.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
    let unsigned = format!("{}{}", &sct_xml[..start], &sct_xml[end..]);
    let doc = Document::parse(unsigned.as_bytes()).unwrap();
    let id = doc.attribute(doc.root(), ns::WSU, "Id").unwrap().to_owned();
    let sig = xmlsec::sign(
        &doc,
        &[SignReference {
            node: doc.root(),
            uri: format!("#{id}"),
            enveloped: true,
            prefixes: None,
        }],
        SignatureSpec {
            method: SignatureMethod::Hmac(HmacAlgorithm::Sha256),
            ..SignatureSpec::default()
        },
        SigningKey::Hmac(k),
        None,
    )
    .unwrap();
    format!("{}{sig}{}", &unsigned[..start], &unsigned[start..])
}

#[test]
fn another_realms_issuer_key_cannot_vouch_for_a_token() {
    let sts = two_realms();
    let svc = service(sts.store.clone());
    // The service of realm "other" holds its own issuer key (both realms use rp.pem here, so
    // the test can play that service) and forges a token addressed to realm "rp".
    let theirs = issue_for(&sts, OTHER, NOW);
    let doc = Document::parse(theirs.sct.as_bytes()).unwrap();
    let ik = doc.child(doc.root(), ns::WSX, "IssuerKey").unwrap();
    let ek = EncryptedKey::read(&doc, doc.child(ik, ns::XENC, "EncryptedKey").unwrap()).unwrap();
    let k = decrypt_key(&ek, KeyEncryptionKey::Rsa(&key("rp")), &Policy::default()).unwrap();
    // The token's own Audience (before its signature; the issuer key follows it).
    let at = theirs.sct.find("<ds:Signature").unwrap();
    let (head, tail) = theirs.sct.split_at(at);
    let changed = format!("{}{tail}", head.replacen(">other</", ">rp</", 1));
    assert_ne!(changed, theirs.sct);
    let forged = rehmac(&changed, k.expose());
    assert_ne!(forged, theirs.sct);
    let e = validate(&svc, &forged, NOW + 1000).unwrap_err();
    assert!(e.contains("another audience"), "{e}");
    // Each realm has its own issuer key.
    let ours = issue_for(&sts, RP, NOW);
    assert_ne!(issuer_key_name(&ours.sct), issuer_key_name(&theirs.sct));
}

#[test]
fn issuer_keys_rotate_with_the_period_and_old_tokens_stay_valid() {
    let mut s = sts(false);
    s.engine = {
        let mut cfg = crate::wss_support::recorded_sts_config(
            vec![realm(false)],
            crate::wss_support::secret_users(&["alice"]),
        );
        cfg.issuer_key_period_secs = 60;
        wstrust::engine::Engine::new(cfg, s.store.clone())
    };
    let svc = service(s.store.clone());
    let a = issue_for(&s, RP, NOW);
    let b = issue_for(&s, RP, NOW + 30_000);
    let c = issue_for(&s, RP, NOW + 61_000);
    assert_eq!(
        issuer_key_name(&a.sct),
        issuer_key_name(&b.sct),
        "same period"
    );
    assert_ne!(
        issuer_key_name(&a.sct),
        issuer_key_name(&c.sct),
        "next period"
    );
    for t in [&a, &b, &c] {
        assert_eq!(validate(&svc, &t.sct, NOW + 62_000).unwrap(), t.key);
    }
}

#[test]
fn rsa_signature_mode_signs_each_token_with_the_sts_key() {
    let mut r = realm(false);
    r.sct_protection = SctProtection::RsaSignature;
    let sts = sts_with(vec![r]);
    let svc = service(sts.store.clone());
    let c = issue_for(&sts, RP, NOW);
    assert!(!c.sct.contains("IssuerKey"));
    assert!(c.sct.contains("rsa-sha256"));
    assert_eq!(validate(&svc, &c.sct, NOW + 1000).unwrap(), c.key);
    let bad = c.sct.replacen("Principal>", "Principal>x", 1);
    assert!(validate(&svc, &bad, NOW + 1000).is_err());
    // The library call a service uses without a Validator agrees.
    let doc = Document::parse(c.sct.as_bytes()).unwrap();
    let certs = [cert("sts")];
    let policy = Policy::default();
    let rp = key("rp");
    let keys = ServiceKeys {
        sts_certs: &certs,
        service_key: &rp,
        policy: &policy,
        cache: None,
    };
    let (content, k) = sct::open(&doc, doc.root(), &keys).unwrap();
    assert_eq!(content.audience, "rp");
    assert_eq!(k.expose(), c.key.as_slice());
}
