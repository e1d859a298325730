//! Key exchange through the engine (issue #8): both schemes (ASYMMETRIC_WRAPPED with
//! RSA-2048, DH over ffdhe2048 and X25519) end to end through `Engine::handle_keyx_json` and
//! through SOAP `Engine::handle`; the lifecycle with a fixed clock; every refusal as a stable
//! code in JSON and a fault over SOAP.

use wstrust::crypto::RsaPublicKey;
use wstrust::engine::keyx::{verify_session_mac, MASTER_TOKEN_TYPE};
use wstrust::keyx::{
    json, open_master_token, ErrorCode, KeyRequest, KeyRequestData, KeyResponseData, MasterToken,
    Mechanism, RenewOutcome, SessionKeys,
};

use crate::engine_keyx_support::{
    bare, client_cert, engine, engine_with, json_error, post_json, post_soap, request, rst_xml,
    soap_fault, soap_outcome, with_password, with_x509, Auth, Kind, KINDS, TOKEN_KEY,
};
use crate::keyx_support::{now, token_keys};
use wstrust::xml::{ns, Document, Writer};

/// The STS's view of a token: its claims, opened with the STS token key.
fn sts_keys_match(token: &MasterToken, client: &SessionKeys, identity: &str) {
    let claims = open_master_token(token, &token_keys(TOKEN_KEY.0, TOKEN_KEY.1)).unwrap();
    assert!(
        claims.session.same_as(client),
        "both sides hold one key pair"
    );
    assert_eq!(claims.identity, identity);
    // Only the STS token key opens it.
    for other in [
        token_keys(TOKEN_KEY.0, TOKEN_KEY.1 ^ 1),
        token_keys(TOKEN_KEY.0 + 1, TOKEN_KEY.1),
    ] {
        assert_eq!(
            open_master_token(token, &other).unwrap_err().code,
            ErrorCode::MasterTokenTampered
        );
    }
}

/// A fresh JSON exchange as alice; returns the session keys and token.
fn json_issue(e: &wstrust::engine::Engine, kind: Kind, t: i64) -> (SessionKeys, MasterToken) {
    let (req, pending) = request(kind);
    let r = post_json(
        e,
        &json::write_request(&with_password(req, "secret")),
        true,
        t,
    );
    assert_eq!(r.status, 200, "{kind:?}: {:?} {}", r.log, r.body);
    assert!(r.log.is_none());
    pending
        .complete(&json::parse_response(r.body.as_bytes()).unwrap())
        .unwrap()
}

/// A JSON renewal proved by the session MAC only.
fn json_renew(
    e: &wstrust::engine::Engine,
    kind: Kind,
    token: &MasterToken,
    session: &SessionKeys,
    t: i64,
) -> (
    wstrust::engine::Response,
    wstrust::keyx::client::PendingExchange,
) {
    let (req, pending) = request(kind);
    let req = req.with_renewal(token.clone(), session);
    (post_json(e, &json::write_request(&req), false, t), pending)
}

#[test]
fn json_both_schemes_end_to_end_with_password_and_x509() {
    let e = engine(true);
    let t = now();
    for kind in KINDS {
        let (session, token) = json_issue(&e, kind, t);
        sts_keys_match(&token, &session, "alice");

        let (req, pending) = request(kind);
        let r = post_json(&e, &json::write_request(&with_x509(req)), false, t);
        assert_eq!(r.status, 200, "{kind:?}: {:?}", r.log);
        let (session, token) = pending
            .complete(&json::parse_response(r.body.as_bytes()).unwrap())
            .unwrap();
        sts_keys_match(&token, &session, client_cert().subject());
    }
}

#[test]
fn soap_both_schemes_end_to_end_with_username_token_and_x509_signature() {
    let e = engine(true);
    let t = now();
    let subject = client_cert().subject().to_owned();
    for kind in KINDS {
        for (auth, confidential, identity) in [
            (Auth::Password("secret"), true, "alice"),
            (Auth::X509, false, subject.as_str()),
        ] {
            let (req, pending) = request(kind);
            let r = post_soap(&e, &rst_xml(&req), auth, confidential, t);
            let RenewOutcome::Renewed(resp) = soap_outcome(&r, t) else {
                panic!("{kind:?} {auth:?}: a fresh exchange has key response data");
            };
            assert_eq!(resp.data.scheme(), req.data.scheme());
            let (session, token) = pending.complete(&resp).unwrap();
            sts_keys_match(&token, &session, identity);
        }
    }
}

#[test]
fn a_service_sharing_the_token_key_accepts_a_message_macd_with_the_session_key() {
    let e = engine(true);
    let t = now();
    let (session, token) = json_issue(&e, Kind::X25519, t);
    let keys = token_keys(TOKEN_KEY.0, TOKEN_KEY.1);
    let message = b"GET /orders/42 at t";
    let mac = session.mac(message);
    let claims = verify_session_mac(&token, &keys, message, &mac, t + 1, Some(e.store())).unwrap();
    assert_eq!(claims.identity, "alice");
    assert_eq!(claims.sequence_number, 1);
    // Another message, a truncated MAC, another service key, an expired token: refused.
    let code = |r: Result<_, wstrust::keyx::KeyxError>| r.unwrap_err().code;
    assert_eq!(
        code(verify_session_mac(
            &token,
            &keys,
            b"GET /orders/43",
            &mac,
            t + 1,
            None
        )),
        ErrorCode::MessageMacInvalid
    );
    assert_eq!(
        code(verify_session_mac(
            &token,
            &keys,
            message,
            &mac[..16],
            t + 1,
            None
        )),
        ErrorCode::MessageMacInvalid
    );
    assert_eq!(
        code(verify_session_mac(
            &token,
            &token_keys(TOKEN_KEY.0, 1),
            message,
            &mac,
            t + 1,
            None
        )),
        ErrorCode::MasterTokenTampered
    );
    assert_eq!(
        code(verify_session_mac(
            &token,
            &keys,
            message,
            &mac,
            t + 200,
            None
        )),
        ErrorCode::MasterTokenExpired
    );
    // Once renewed, the old token is superseded for a service that checks the shared store.
    let (r, pending) = json_renew(&e, Kind::X25519, &token, &session, t + 150);
    assert_eq!(r.status, 200, "{:?}", r.log);
    let (new_session, new_token) = pending
        .complete_renewal(&json::parse_outcome(r.body.as_bytes()).unwrap(), session)
        .unwrap();
    assert_eq!(
        code(verify_session_mac(
            &token,
            &keys,
            message,
            &mac,
            t + 150,
            Some(e.store())
        )),
        ErrorCode::MasterTokenSequenceStale
    );
    let mac2 = new_session.mac(message);
    let claims =
        verify_session_mac(&new_token, &keys, message, &mac2, t + 150, Some(e.store())).unwrap();
    assert_eq!(claims.sequence_number, 2);
}

#[test]
fn json_lifecycle_before_inside_and_after_the_window() {
    let e = engine(true);
    let t = now();
    for kind in KINDS {
        let (session, token) = json_issue(&e, kind, t);
        // Before the window: the same token, no new keys, no credentials needed.
        let (r, pending) = json_renew(&e, kind, &token, &session, t + 10);
        assert_eq!(r.status, 200, "{kind:?} {:?}", r.log);
        let outcome = json::parse_outcome(r.body.as_bytes()).unwrap();
        assert_eq!(outcome, RenewOutcome::Unchanged(token.clone()));
        let (same, same_token) = pending.complete_renewal(&outcome, session.clone()).unwrap();
        assert!(same.same_as(&session));
        assert_eq!(same_token, token);

        // Inside the window: the session MAC suffices; same serial, next sequence.
        let (r, pending) = json_renew(&e, kind, &token, &session, t + 150);
        assert_eq!(r.status, 200, "{kind:?} {:?}", r.log);
        let outcome = json::parse_outcome(r.body.as_bytes()).unwrap();
        let RenewOutcome::Renewed(_) = &outcome else {
            panic!("{kind:?}: renewed inside the window");
        };
        let (s2, t2) = pending.complete_renewal(&outcome, session.clone()).unwrap();
        assert!(!s2.same_as(&session), "new session keys");
        sts_keys_match(&t2, &s2, "alice");
        let keys = token_keys(TOKEN_KEY.0, TOKEN_KEY.1);
        let (c1, c2) = (
            open_master_token(&token, &keys).unwrap(),
            open_master_token(&t2, &keys).unwrap(),
        );
        assert_eq!(c2.serial_number, c1.serial_number);
        assert_eq!(c2.sequence_number, c1.sequence_number + 1);

        // The old token is now stale.
        let (r, _) = json_renew(&e, kind, &token, &session, t + 151);
        assert_eq!(r.status, 401);
        assert_eq!(json_error(&r).0, "MASTERTOKEN_SEQUENCE_STALE");

        // After expiry (the renewed token expires at t + 150 + 200): the MAC alone is refused,
        let late = t + 150 + 250;
        let (r, _) = json_renew(&e, kind, &t2, &s2, late);
        assert_eq!(r.status, 401);
        assert_eq!(json_error(&r).0, "MASTERTOKEN_EXPIRED_NEEDS_AUTH");
        // entity authentication for another identity too,
        let (req, _) = request(kind);
        let req = with_x509(req.with_renewal(t2.clone(), &s2));
        let r = post_json(&e, &json::write_request(&req), false, late);
        assert_eq!(r.status, 403);
        assert_eq!(json_error(&r).0, "MASTERTOKEN_IDENTITY_MISMATCH");
        // and with the token's entity it renews.
        let (req, pending) = request(kind);
        let req = with_password(req.with_renewal(t2.clone(), &s2), "secret");
        let r = post_json(&e, &json::write_request(&req), true, late);
        assert_eq!(r.status, 200, "{kind:?} {:?}", r.log);
        let (s3, t3) = pending
            .complete_renewal(&json::parse_outcome(r.body.as_bytes()).unwrap(), s2)
            .unwrap();
        sts_keys_match(&t3, &s3, "alice");
        assert_eq!(open_master_token(&t3, &keys).unwrap().sequence_number, 3);
    }
}

#[test]
fn soap_lifecycle_with_wsx_mac_and_x509_after_expiry() {
    let e = engine(true);
    let t = now();
    let subject = client_cert().subject().to_owned();
    for kind in KINDS {
        let (req, pending) = request(kind);
        let r = post_soap(&e, &rst_xml(&req), Auth::X509, false, t);
        assert!(r.body.contains("RequestSecurityTokenResponseCollection"));
        let RenewOutcome::Renewed(resp) = soap_outcome(&r, t) else {
            panic!("issued");
        };
        let (session, token) = pending.complete(&resp).unwrap();

        // Before the window: unchanged, proved by wsx:Mac alone (no WS-Security credentials).
        let (req, pending) = request(kind);
        let req = req.with_renewal(token.clone(), &session);
        let r = post_soap(&e, &rst_xml(&req), Auth::Nothing, false, t + 10);
        let outcome = soap_outcome(&r, t + 10);
        assert_eq!(outcome, RenewOutcome::Unchanged(token.clone()));
        let (same, _) = pending.complete_renewal(&outcome, session.clone()).unwrap();
        assert!(same.same_as(&session));

        // Inside the window: renewed with wsx:Mac alone.
        let (req, pending) = request(kind);
        let req = req.with_renewal(token.clone(), &session);
        let r = post_soap(&e, &rst_xml(&req), Auth::Nothing, false, t + 150);
        // A Renew is answered with a single RSTR, an Issue with an RSTRC (WS-Trust 1.3).
        assert!(!r.body.contains("RequestSecurityTokenResponseCollection"));
        let outcome = soap_outcome(&r, t + 150);
        let (s2, t2) = pending.complete_renewal(&outcome, session.clone()).unwrap();
        assert!(!s2.same_as(&session));
        sts_keys_match(&t2, &s2, &subject);

        // A renewal without wsx:Mac or credentials proves nothing.
        let (req, _) = request(kind);
        let mut req = req.with_renewal(t2.clone(), &s2);
        if let Some(r) = &mut req.renewal {
            r.mac = None;
        }
        let r = post_soap(&e, &rst_xml(&req), Auth::Nothing, false, t + 160);
        let (fault, log) = soap_fault(&r);
        assert_eq!(fault, "FailedAuthentication");
        assert!(log.contains("MASTERTOKEN_RENEWAL_NEEDS_PROOF"), "{log}");

        // After expiry: wsx:Mac alone is refused; the X.509 signature of the token's entity renews.
        let late = t + 150 + 250;
        let (req, _) = request(kind);
        let req = req.with_renewal(t2.clone(), &s2);
        let r = post_soap(&e, &rst_xml(&req), Auth::Nothing, false, late);
        let (fault, log) = soap_fault(&r);
        assert_eq!(fault, "FailedAuthentication");
        assert!(log.contains("MASTERTOKEN_EXPIRED_NEEDS_AUTH"), "{log}");
        let (req, _) = request(kind);
        let req = req.with_renewal(t2.clone(), &s2);
        let r = post_soap(&e, &rst_xml(&req), Auth::Password("secret"), true, late);
        let (fault, log) = soap_fault(&r);
        assert_eq!(fault, "FailedAuthentication");
        assert!(log.contains("MASTERTOKEN_IDENTITY_MISMATCH"), "{log}");
        let (req, pending) = request(kind);
        let req = req.with_renewal(t2.clone(), &s2);
        let r = post_soap(&e, &rst_xml(&req), Auth::X509, false, late);
        let (s3, t3) = pending
            .complete_renewal(&soap_outcome(&r, late), s2.clone())
            .unwrap();
        sts_keys_match(&t3, &s3, &subject);

        // The superseded token is stale over SOAP too.
        let (req, _) = request(kind);
        let req = req.with_renewal(t2.clone(), &s2);
        let r = post_soap(&e, &rst_xml(&req), Auth::X509, false, late + 1);
        let (fault, log) = soap_fault(&r);
        assert_eq!(fault, "FailedAuthentication");
        assert!(log.contains("MASTERTOKEN_SEQUENCE_STALE"), "{log}");
    }
}

/// Requests that must be refused, with their JSON status and code.
fn refusals() -> Vec<(&'static str, KeyRequest, u16, &'static str)> {
    let mut n = vec![0xc5u8; 128];
    n[127] |= 1;
    let short = RsaPublicKey::from_components(&n, &[1, 0, 1]).unwrap();
    assert_eq!(short.modulus_bits(), 1024);
    vec![
        (
            "rsa-1024",
            bare(KeyRequestData::AsymmetricWrapped {
                key_pair_id: "kp-1".into(),
                mechanism: Mechanism::Rsa,
                public_key: short.spki_der(),
            }),
            400,
            "KEYX_INVALID_PUBLIC_KEY",
        ),
        (
            "dh-value-1",
            bare(KeyRequestData::DiffieHellman {
                parameters_id: "ffdhe2048".into(),
                public_key: vec![1],
            }),
            400,
            "KEYX_INVALID_PUBLIC_KEY",
        ),
        (
            "x25519-zero",
            bare(KeyRequestData::DiffieHellman {
                parameters_id: "X25519".into(),
                public_key: vec![0; 32],
            }),
            400,
            "KEYX_INVALID_PUBLIC_KEY",
        ),
        (
            "unknown-parametersid",
            bare(KeyRequestData::DiffieHellman {
                parameters_id: "ffdhe9999".into(),
                public_key: vec![2; 256],
            }),
            400,
            "KEYX_UNKNOWN_PARAMETERS_ID",
        ),
        (
            "ecc",
            bare(KeyRequestData::AsymmetricWrapped {
                key_pair_id: "kp-1".into(),
                mechanism: Mechanism::Ecc,
                public_key: vec![4; 65],
            }),
            400,
            "KEYX_UNSUPPORTED_MECHANISM",
        ),
    ]
}

#[test]
fn json_refusals_have_stable_codes_and_statuses() {
    let e = engine(true);
    let t = now();
    for (name, req, status, code) in refusals() {
        let r = post_json(
            &e,
            &json::write_request(&with_password(req, "secret")),
            true,
            t,
        );
        assert_eq!(r.status, status, "{name}: {:?}", r.log);
        assert_eq!(json_error(&r).0, code, "{name}");
    }
    // Unknown scheme, not JSON, missing keydata.
    let cases = [
        (
            r#"{"scheme":"ECDH_ES","keydata":{},"authdata":{"scheme":"USERNAME_PASSWORD","username":"alice","password":"secret"}}"#,
            400,
            "KEYX_UNKNOWN_SCHEME",
        ),
        ("{not json", 400, "KEYX_MALFORMED_REQUEST"),
        (r#"{"scheme":"DH"}"#, 400, "KEYX_MALFORMED_REQUEST"),
        (
            r#"{"scheme":"DH","keydata":{"parametersid":"X25519","publickey":"AA=="},"authdata":{"scheme":"KERBEROS"}}"#,
            400,
            "ENTITYAUTH_UNKNOWN_SCHEME",
        ),
    ];
    for (body, status, code) in cases {
        let r = post_json(&e, body, true, t);
        assert_eq!(r.status, status, "{body}: {:?}", r.log);
        assert_eq!(json_error(&r).0, code, "{body}");
    }
}

#[test]
fn json_entity_authentication_is_required_and_checked() {
    let e = engine(true);
    let t = now();
    // A fresh exchange without authdata.
    let (req, _) = request(Kind::X25519);
    let r = post_json(&e, &json::write_request(&req), true, t);
    assert_eq!(r.status, 401);
    assert_eq!(json_error(&r).0, "ENTITYAUTH_FAILED");
    assert!(r
        .log
        .as_deref()
        .unwrap()
        .contains("needs entity authentication"));
    // A wrong password: generic on the wire, precise in the log, the password nowhere.
    let (req, _) = request(Kind::X25519);
    let r = post_json(
        &e,
        &json::write_request(&with_password(req, "hunter2")),
        true,
        t,
    );
    assert_eq!(r.status, 401);
    let (code, message) = json_error(&r);
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("ENTITYAUTH_FAILED", "entity authentication failed")
    );
    let log = r.log.unwrap();
    assert!(log.contains("wrong password"), "{log}");
    assert!(!log.contains("hunter2") && !r.body.contains("hunter2"));
    // The right password over a channel that is not confidential.
    let (req, _) = request(Kind::X25519);
    let r = post_json(
        &e,
        &json::write_request(&with_password(req, "secret")),
        false,
        t,
    );
    assert_eq!(r.status, 403);
    assert_eq!(json_error(&r).0, "ENTITYAUTH_FAILED");
    assert!(!r.body.contains("secret\""));
    // X509 authdata over a request it does not sign (the key data was changed afterwards).
    let (req, _) = request(Kind::X25519);
    let mut req = with_x509(req);
    if let KeyRequestData::DiffieHellman { public_key, .. } = &mut req.data {
        public_key[0] ^= 1;
    }
    let r = post_json(&e, &json::write_request(&req), false, t);
    assert_eq!(r.status, 401);
    assert_eq!(json_error(&r).0, "ENTITYAUTH_FAILED");
    // X509 authdata with a certificate the engine does not trust.
    let untrusting = engine_with(true, false, TOKEN_KEY);
    let (req, _) = request(Kind::X25519);
    let r = post_json(&untrusting, &json::write_request(&with_x509(req)), false, t);
    assert_eq!(r.status, 401);
    assert_eq!(json_error(&r).0, "ENTITYAUTH_FAILED");
    assert!(r.log.as_deref().unwrap().contains("not trusted"));
}

#[test]
fn json_master_token_refusals() {
    let e = engine(true);
    let t = now();
    let (session, token) = json_issue(&e, Kind::Ffdhe2048, t);
    // Tampered token data or signature.
    for flip in [0usize, 1] {
        let mut bad = token.clone();
        let v = if flip == 0 {
            &mut bad.token_data
        } else {
            &mut bad.signature
        };
        v[5] ^= 0x20;
        let (r, _) = json_renew(&e, Kind::Ffdhe2048, &bad, &session, t + 150);
        assert_eq!(r.status, 401);
        assert_eq!(json_error(&r).0, "MASTERTOKEN_TAMPERED");
    }
    // A MAC under other keys.
    let other = SessionKeys::new(
        wstrust::crypto::SecretBytes::new(vec![1; 16]),
        wstrust::crypto::SecretBytes::new(vec![2; 32]),
    )
    .unwrap();
    let (r, _) = json_renew(&e, Kind::Ffdhe2048, &token, &other, t + 150);
    assert_eq!(r.status, 401);
    assert_eq!(json_error(&r).0, "MESSAGE_MAC_INVALID");
    // A token sealed by another STS key.
    let foreign = {
        let e2 = engine_with(true, true, (TOKEN_KEY.0, 0x11));
        json_issue(&e2, Kind::Ffdhe2048, t)
    };
    let (r, _) = json_renew(&e, Kind::Ffdhe2048, &foreign.1, &foreign.0, t + 150);
    assert_eq!(json_error(&r).0, "MASTERTOKEN_TAMPERED");
}

#[test]
fn client_detects_a_mismatched_keypairid_in_both_forms() {
    let e = engine(true);
    let t = now();
    // JSON.
    let (req, pending) = request(Kind::Rsa);
    let r = post_json(
        &e,
        &json::write_request(&with_password(req, "secret")),
        true,
        t,
    );
    let mut resp = json::parse_response(r.body.as_bytes()).unwrap();
    if let KeyResponseData::AsymmetricWrapped { key_pair_id, .. } = &mut resp.data {
        *key_pair_id = "kp-2".into();
    }
    assert_eq!(
        pending.complete(&resp).unwrap_err().code,
        ErrorCode::KeyPairIdMismatch
    );
    // SOAP.
    let (req, pending) = request(Kind::Rsa);
    let r = post_soap(&e, &rst_xml(&req), Auth::X509, false, t);
    let RenewOutcome::Renewed(mut resp) = soap_outcome(&r, t) else {
        panic!("issued");
    };
    if let KeyResponseData::AsymmetricWrapped { key_pair_id, .. } = &mut resp.data {
        *key_pair_id = "kp-2".into();
    }
    assert_eq!(
        pending.complete(&resp).unwrap_err().code,
        ErrorCode::KeyPairIdMismatch
    );
}

#[test]
fn soap_refusals_are_faults_with_the_code_in_the_log() {
    let e = engine(true);
    let t = now();
    for (name, req, _, code) in refusals() {
        let r = post_soap(&e, &rst_xml(&req), Auth::X509, false, t);
        let (fault, log) = soap_fault(&r);
        assert_eq!(fault, "InvalidRequest", "{name}");
        assert!(log.contains(code), "{name}: {log}");
    }
    // An unknown scheme in wsx:KeyRequestData.
    let (req, _) = request(Kind::X25519);
    let xml = rst_xml(&req).replace(">DH<", ">ECDH_ES<");
    assert!(xml.contains("ECDH_ES"));
    let r = post_soap(&e, &xml, Auth::X509, false, t);
    let (fault, log) = soap_fault(&r);
    assert_eq!(fault, "InvalidRequest");
    assert!(log.contains("KEYX_UNKNOWN_SCHEME"), "{log}");
    // No credentials for a fresh exchange; a wrong password.
    let (req, _) = request(Kind::X25519);
    for (auth, confidential) in [(Auth::Nothing, false), (Auth::Password("hunter2"), true)] {
        let r = post_soap(&e, &rst_xml(&req), auth, confidential, t);
        let (fault, _) = soap_fault(&r);
        assert_eq!(fault, "FailedAuthentication", "{auth:?}");
    }
    // A clear-text password over a channel that is not confidential.
    let r = post_soap(&e, &rst_xml(&req), Auth::Password("secret"), false, t);
    assert_eq!(soap_fault(&r).0, "FailedAuthentication");
    // Tampered master token, bad wsx:Mac.
    let (req, pending) = request(Kind::X25519);
    let r = post_soap(&e, &rst_xml(&req), Auth::X509, false, t);
    let RenewOutcome::Renewed(resp) = soap_outcome(&r, t) else {
        panic!("issued");
    };
    let (session, token) = pending.complete(&resp).unwrap();
    let mut bad = token.clone();
    bad.signature[0] ^= 1;
    let (req, _) = request(Kind::X25519);
    let r = post_soap(
        &e,
        &rst_xml(&req.with_renewal(bad, &session)),
        Auth::Nothing,
        false,
        t + 150,
    );
    let (fault, log) = soap_fault(&r);
    assert_eq!(fault, "FailedAuthentication");
    assert!(log.contains("MASTERTOKEN_TAMPERED"), "{log}");
    let (req, _) = request(Kind::X25519);
    let mut req = req.with_renewal(token, &session);
    if let Some(r) = &mut req.renewal {
        if let Some(m) = &mut r.mac {
            m[0] ^= 1;
        }
    }
    let r = post_soap(&e, &rst_xml(&req), Auth::Nothing, false, t + 150);
    let (fault, log) = soap_fault(&r);
    assert_eq!(fault, "FailedAuthentication");
    assert!(log.contains("MESSAGE_MAC_INVALID"), "{log}");
    // The wsx:Mac covers the key data: swapping in other key data breaks it.
    let (other, _) = request(Kind::X25519);
    let mut req = req;
    if let Some(r) = &mut req.renewal {
        r.mac = Some(session.mac(&KeyRequest::new(req.data.clone()).signing_input()));
    }
    req.data = other.data;
    let r = post_soap(&e, &rst_xml(&req), Auth::Nothing, false, t + 150);
    assert!(soap_fault(&r).1.contains("MESSAGE_MAC_INVALID"));
    // Another token type with key request data.
    let (req, _) = request(Kind::X25519);
    let xml = rst_xml(&req).replace(
        MASTER_TOKEN_TYPE,
        "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV2.0",
    );
    let r = post_soap(&e, &xml, Auth::X509, false, t);
    assert_eq!(soap_fault(&r).0, "InvalidRequest");
}

#[test]
fn key_exchange_off_is_refused_clearly() {
    let e = engine(false);
    let t = now();
    assert!(!e.keyx_enabled());
    let (req, _) = request(Kind::X25519);
    let r = post_json(
        &e,
        &json::write_request(&with_password(req, "secret")),
        true,
        t,
    );
    assert_eq!(r.status, 404);
    assert_eq!(json_error(&r).0, "KEYX_DISABLED");
    let (req, _) = request(Kind::X25519);
    let r = post_soap(&e, &rst_xml(&req), Auth::X509, false, t);
    let (fault, log) = soap_fault(&r);
    assert_eq!(fault, "InvalidRequest");
    assert!(log.contains("key exchange is not enabled"), "{log}");
}

/// The wsx elements of a real renewal RST and of the RSTR answering it validate against
/// `schemas/wstrust-ext.xsd` (xmllint), and a bad `wsx:Mac` does not.
#[test]
fn soap_wsx_elements_validate_against_the_schema() {
    if !crate::support::require_tool("xmllint") {
        return;
    }
    let e = engine(true);
    let t = now();
    let (session, token) = json_issue(&e, Kind::Rsa, t);
    let (req, _) = request(Kind::Rsa);
    let req = req.with_renewal(token, &session);
    let rst = rst_xml(&req);
    let r = post_soap(&e, &rst, Auth::Nothing, false, t + 150);
    assert_eq!(r.status, 200, "{:?}", r.log);
    let mut elements = Vec::new();
    for (xml, names) in [
        (rst.as_str(), &["KeyRequestData", "MasterToken", "Mac"][..]),
        (r.body.as_str(), &["KeyResponseData", "MasterToken"][..]),
    ] {
        let doc = Document::parse(xml.as_bytes()).unwrap();
        for name in names {
            let node = doc
                .descendants_or_self(doc.root())
                .find(|n| doc.is(*n, ns::WSX, name))
                .unwrap_or_else(|| panic!("wsx:{name}"));
            let mut w = Writer::new();
            w.copy(&doc, node);
            elements.push(w.finish().unwrap());
        }
    }
    elements.push(r#"<wsx:Mac xmlns:wsx="urn:wstrust:ext:2026"><x/></wsx:Mac>"#.to_owned());
    let xsd = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/wstrust-ext.xsd");
    let dir = std::env::temp_dir().join(format!("wstrust-engine-keyx-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (i, el) in elements.iter().enumerate() {
        let file = dir.join(format!("{i}.xml"));
        std::fs::write(&file, el).unwrap();
        let out = std::process::Command::new("xmllint")
            .args(["--noout", "--schema"])
            .arg(&xsd)
            .arg(&file)
            .output()
            .unwrap();
        let must_fail = i == elements.len() - 1;
        assert_eq!(
            out.status.success(),
            !must_fail,
            "{el}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    std::fs::remove_dir_all(dir).ok();
}
