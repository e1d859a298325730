//! Pattern 2, brokered key distribution (WS-Trust 1.4 Appendix): the requester authenticates
//! to the STS and asks for a token for service S; the token carries the key encrypted for S,
//! the proof token the same key for the requester. S, holding only its private key and the
//! STS certificate, validates the token and verifies a message the requester signed with the
//! proof key (directly and through a DerivedKeyToken).

use wstrust::crypto::{psha1, DigestAlgorithm, RsaPrivateKey};
use wstrust::wss::FixedClock;
use wstrust::xml::{ns, Document};
use wstrust::xmlsec::{decrypt_key, EncryptedKey, KeyEncryptionKey, Policy};

use crate::engine_support::*;

/// A service request (not WS-Trust) signed with the proof key.
fn app_message(ctx: &Ctx, derived: bool, now: i64) -> String {
    envelope(
        "<app:Order xmlns:app=\"urn:app\"><app:Item>42</app:Item></app:Order>",
        &By::Context { ctx, derived },
        now,
    )
}

#[test]
fn service_validates_the_token_and_verifies_the_requesters_message() {
    let sts = sts(false);
    let svc = service(sts.store.clone());
    for (extra, tag) in [("", "server key"), ("<wst:Entropy><wst:BinarySecret Type=\"http://docs.oasis-open.org/ws-sx/ws-trust/200512/Nonce\">AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=</wst:BinarySecret></wst:Entropy>", "computed key")] {
        let x = send_at(&sts, &envelope(&issue_body(&format!("{extra}{}", claims(&[READ]))), &By::Client, NOW), false, NOW);
        let doc = x.ok();
        // The requester's proof key.
        let proof = if tag == "computed key" {
            let rstr = find(doc, T13, "RequestSecurityTokenResponse").unwrap();
            let ent = doc.child(rstr, T13, "Entropy").unwrap();
            let ek = EncryptedKey::read(doc, doc.child(ent, ns::XENC, "EncryptedKey").unwrap()).unwrap();
            let server = decrypt_key(&ek, KeyEncryptionKey::Rsa(&key("client")), &Policy::default()).unwrap();
            let client: Vec<u8> = (0u8..32).collect();
            assert!(find(doc, T13, "ComputedKey").is_some());
            psha1(&client, server.expose(), 32).unwrap().expose().to_vec()
        } else {
            client_proof(doc)
        };
        // The service's copy (STS signature, audience, expiry checked): the same key.
        let sct = find(doc, ns::WSC13, "SecurityContextToken").unwrap();
        let t = svc.validate_sct(doc, sct, NOW).unwrap();
        assert_eq!(t.key.as_ref().unwrap().expose(), proof.as_slice(), "{tag}");
        assert_eq!(t.principal, "CN=interop-client");
        assert_eq!(t.claims, vec![(READ.to_owned(), String::new())]);
        // The requester cannot read the service's copy.
        let ek = EncryptedKey::read(doc, doc.child(sct, ns::XENC, "EncryptedKey").unwrap()).unwrap();
        assert!(decrypt_key(&ek, KeyEncryptionKey::Rsa(&key("client")), &Policy::default()).is_err());
        // A message signed with the proof key (and with a key derived from it) verifies.
        let ctx = ctx_from(doc, proof);
        for derived in [false, true] {
            let m = svc
                .verify_message(app_message(&ctx, derived, NOW).as_bytes(), &FixedClock(NOW))
                .unwrap_or_else(|e| panic!("{tag} derived={derived}: {e}"));
            assert_eq!(m.token.identifier, ctx.identifier);
            assert_eq!(m.token.principal, "CN=interop-client");
        }
    }
}

#[test]
fn service_refuses_tampering_wrong_keys_replays_and_other_audiences() {
    let sts = sts(false);
    let svc = service(sts.store.clone());
    let ctx = issue_to_client(&sts, "", NOW);
    let clock = FixedClock(NOW);
    // Replay of a verified message.
    let m = app_message(&ctx, true, NOW);
    svc.verify_message(m.as_bytes(), &clock).unwrap();
    assert!(svc.verify_message(m.as_bytes(), &clock).is_err(), "replay");
    // A changed principal in the SCT breaks the STS signature.
    let tampered = Ctx {
        sct: ctx.sct.replace("CN=interop-client", "CN=admin"),
        ..ctx.clone()
    };
    assert_ne!(tampered.sct, ctx.sct);
    assert!(svc
        .verify_message(app_message(&tampered, false, NOW).as_bytes(), &clock)
        .is_err());
    // A wrong key (the requester does not hold the proof key).
    let wrong = Ctx {
        key: vec![7; 32],
        ..ctx.clone()
    };
    assert!(svc
        .verify_message(app_message(&wrong, false, NOW).as_bytes(), &clock)
        .is_err());
    // An unsigned message.
    let unsigned = envelope("<app:Order xmlns:app=\"urn:app\"/>", &By::Nobody, NOW);
    assert!(svc.verify_message(unsigned.as_bytes(), &clock).is_err());
    // Expired token.
    let late = NOW + 2 * 3_600_000;
    assert!(svc
        .verify_message(app_message(&ctx, false, late).as_bytes(), &FixedClock(late))
        .is_err());
    // Another service (other audience) cannot use the token, even holding the right key.
    let mut cfg =
        wstrust::service::ValidatorConfig::new("other", key("rp"), cert("rp"), vec![cert("sts")]);
    cfg.known_certs = crate::wss_support::TestKeys::recorded_pki().certs;
    let other =
        wstrust::service::Validator::new(cfg, std::sync::Arc::new(crate::support::store_at(NOW)))
            .unwrap();
    assert!(other
        .verify_message(app_message(&ctx, false, NOW).as_bytes(), &clock)
        .is_err());
    // A token signed by someone other than the trusted STS.
    let mut cfg =
        wstrust::service::ValidatorConfig::new("rp", key("rp"), cert("rp"), vec![cert("client")]);
    cfg.known_certs = crate::wss_support::TestKeys::recorded_pki().certs;
    let distrustful =
        wstrust::service::Validator::new(cfg, std::sync::Arc::new(crate::support::store_at(NOW)))
            .unwrap();
    let d = Document::parse(ctx.sct.as_bytes()).unwrap();
    assert!(distrustful.validate_sct(&d, d.root(), NOW).is_err());
    // The service cannot be fooled by a key it cannot decrypt.
    let rp_other =
        RsaPrivateKey::from_pem(&crate::support::fixture_text("clients/pki/client.key")).unwrap();
    let mut cfg =
        wstrust::service::ValidatorConfig::new("rp", rp_other, cert("client"), vec![cert("sts")]);
    cfg.inbound.xmlsec = Policy::default();
    let wrong_service =
        wstrust::service::Validator::new(cfg, std::sync::Arc::new(crate::support::store_at(NOW)))
            .unwrap();
    assert!(wrong_service.validate_sct(&d, d.root(), NOW).is_err());
    let _ = DigestAlgorithm::Sha256;
}

#[test]
fn username_requester_over_tls_gets_a_binary_secret_equal_to_the_services_key() {
    let sts = sts(false);
    let svc = service(sts.store.clone());
    let ut = format!(
        "<wsse:UsernameToken xmlns:wsse=\"{}\"><wsse:Username>alice</wsse:Username>\
         <wsse:Password Type=\"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText\">secret</wsse:Password></wsse:UsernameToken>",
        ns::WSSE
    );
    let xml = envelope_with(&issue_body(""), &By::Nobody, NOW, vec![ut.clone()]);
    let x = send_at(&sts, &xml, true, NOW);
    let doc = x.ok();
    let k = binary_secret_proof(doc);
    assert_eq!(service_key(&svc, doc, NOW), k);
    // Not over TLS: refused (a clear-text password, and no way to deliver the key).
    let xml = envelope_with(&issue_body(""), &By::Nobody, NOW, vec![ut]);
    assert_eq!(
        send_at(&sts, &xml, false, NOW).fault(),
        "wst:FailedAuthentication"
    );
}
