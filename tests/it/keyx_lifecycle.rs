//! Master token lifecycle under MSL's rules, against the store: renewal before the window
//! returns the same token, inside the window the session MAC alone renews, after expiry only
//! entity authentication does, older tokens of a serial are refused, tampering is detected.

use wstrust::crypto::SecretBytes;
use wstrust::keyx::client::{sign_x509, DhRequest};
use wstrust::keyx::dh::DhGroup;
use wstrust::keyx::lifecycle::check_sequence;
use wstrust::keyx::server::Sts;
use wstrust::keyx::{
    json, open_master_token, verify_x509_authdata, ErrorCode, KeyRequest, MasterToken,
    MasterTokenKeys, RenewOutcome, Renewal, SessionKeys,
};
use wstrust::pki::Certificate;
use wstrust::store::MemoryStore;

use crate::keyx_support::{client_key, now, policy, token_keys};
use crate::support::fixture_text;

struct Fixture {
    keys: MasterTokenKeys,
    policy: wstrust::keyx::server::Policy,
    store: MemoryStore,
    t0: i64,
}

impl Fixture {
    fn new() -> Self {
        Self {
            keys: token_keys(1, 0x5a),
            policy: policy(),
            store: MemoryStore::new(),
            t0: now(),
        }
    }

    fn sts(&self) -> Sts<'_> {
        Sts {
            keys: &self.keys,
            policy: &self.policy,
            store: &self.store,
        }
    }

    /// A fresh exchange at t0 for "device-1".
    fn issue(&self) -> (SessionKeys, MasterToken) {
        let (req, pending) = DhRequest::new(DhGroup::X25519).unwrap();
        let resp = self.sts().respond(&req, "device-1", self.t0).unwrap();
        pending.complete(&resp).unwrap()
    }

    /// Sends a renewal request MAC'd with `mac_keys` (or without MAC) through JSON.
    fn renew(
        &self,
        token: &MasterToken,
        mac_keys: Option<&SessionKeys>,
        auth: Option<&str>,
        at: i64,
        current: SessionKeys,
    ) -> Result<(SessionKeys, MasterToken, bool), ErrorCode> {
        let (req, pending) = DhRequest::new(DhGroup::X25519).unwrap();
        let req = match mac_keys {
            Some(k) => req.with_renewal(token.clone(), k),
            None => KeyRequest {
                renewal: Some(Renewal {
                    master_token: token.clone(),
                    mac: None,
                }),
                ..req
            },
        };
        let wire = json::write_request(&req);
        let parsed = json::parse_request(wire.as_bytes()).unwrap();
        let outcome = match self.sts().renew(&parsed, auth, at) {
            Ok(o) => o,
            Err(e) => {
                // The error document carries the same stable code.
                assert_eq!(
                    json::parse_error(json::write_error(&e).as_bytes()),
                    Some(e.code)
                );
                return Err(e.code);
            }
        };
        let outcome = json::parse_outcome(json::write_outcome(&outcome).as_bytes()).unwrap();
        let renewed = matches!(outcome, RenewOutcome::Renewed(_));
        let (k, t) = pending.complete_renewal(&outcome, current).unwrap();
        Ok((k, t, renewed))
    }
}

#[test]
fn before_the_window_the_same_token_comes_back() {
    let f = Fixture::new();
    let (keys, token) = f.issue();
    let (k2, t2, renewed) = f
        .renew(&token, Some(&keys), None, f.t0 + 99, keys.clone())
        .unwrap();
    assert!(!renewed);
    assert_eq!(t2, token);
    assert!(k2.same_as(&keys));
    // Still the newest for its serial.
    check_sequence(&open_master_token(&token, &f.keys).unwrap(), &f.store).unwrap();
}

#[test]
fn a_renewal_must_prove_something() {
    let f = Fixture::new();
    let (keys, token) = f.issue();
    for at in [f.t0, f.t0 + 150, f.t0 + 500] {
        assert_eq!(
            f.renew(&token, None, None, at, keys.clone()).unwrap_err(),
            ErrorCode::MasterTokenRenewalNeedsProof
        );
    }
    // A MAC made with other keys is refused outright.
    let other =
        SessionKeys::new(SecretBytes::new(vec![1; 16]), SecretBytes::new(vec![2; 32])).unwrap();
    assert_eq!(
        f.renew(&token, Some(&other), None, f.t0 + 150, keys)
            .unwrap_err(),
        ErrorCode::MessageMacInvalid
    );
}

#[test]
fn inside_the_window_the_session_mac_renews_and_the_old_token_goes_stale() {
    let f = Fixture::new();
    let (keys, token) = f.issue();
    let old = open_master_token(&token, &f.keys).unwrap();
    let at = f.t0 + 150;
    let (k2, t2, renewed) = f
        .renew(&token, Some(&keys), None, at, keys.clone())
        .unwrap();
    assert!(renewed);
    let new = open_master_token(&t2, &f.keys).unwrap();
    assert_eq!(new.serial_number, old.serial_number);
    assert_eq!(new.sequence_number, old.sequence_number + 1);
    assert_eq!(new.identity, "device-1");
    assert_eq!((new.renewal_window, new.expiration), (at + 100, at + 200));
    assert!(
        new.session.same_as(&k2),
        "client and sts agree on the new keys"
    );
    assert!(!k2.same_as(&keys), "renewal changes the session keys");
    check_sequence(&new, &f.store).unwrap();

    // The older token of the serial is refused, by the store check and by renewal.
    assert_eq!(
        check_sequence(&old, &f.store).unwrap_err().code,
        ErrorCode::MasterTokenSequenceStale
    );
    assert_eq!(
        f.renew(&token, Some(&keys), None, at + 1, keys.clone())
            .unwrap_err(),
        ErrorCode::MasterTokenSequenceStale
    );
    // Even with entity authentication.
    assert_eq!(
        f.renew(&token, Some(&keys), Some("device-1"), at + 1, keys.clone())
            .unwrap_err(),
        ErrorCode::MasterTokenSequenceStale
    );
    // The new one renews on.
    let (_, t3, renewed) = f.renew(&t2, Some(&k2), None, at + 120, k2.clone()).unwrap();
    assert!(renewed);
    assert_eq!(open_master_token(&t3, &f.keys).unwrap().sequence_number, 3);
}

#[test]
fn after_expiry_only_entity_authentication_renews() {
    let f = Fixture::new();
    let (keys, token) = f.issue();
    let at = f.t0 + 200;
    assert_eq!(
        f.renew(&token, Some(&keys), None, at, keys.clone())
            .unwrap_err(),
        ErrorCode::MasterTokenExpiredNeedsAuth
    );
    assert_eq!(
        f.renew(&token, Some(&keys), Some("device-2"), at, keys.clone())
            .unwrap_err(),
        ErrorCode::MasterTokenIdentityMismatch
    );
    let (k2, t2, renewed) = f
        .renew(&token, None, Some("device-1"), at + 1000, keys)
        .unwrap();
    assert!(renewed);
    let c = open_master_token(&t2, &f.keys).unwrap();
    assert_eq!(c.sequence_number, 2);
    assert!(c.session.same_as(&k2));
}

#[test]
fn x509_authdata_authenticates_a_renewal_of_an_expired_token() {
    let f = Fixture::new();
    let (keys, token) = f.issue();
    let cert_pem = fixture_text("clients/pki/client.pem");
    let cert = Certificate::from_pem(&cert_pem).unwrap();
    let (req, pending) = DhRequest::new(DhGroup::Ffdhe2048).unwrap();
    let req = req.with_renewal(token, &keys);
    let req = sign_x509(req, cert.der(), &client_key()).unwrap();
    let parsed = json::parse_request(json::write_request(&req).as_bytes()).unwrap();
    // The caller checks the authdata (trust of the certificate is its business too).
    let who = verify_x509_authdata(&parsed).unwrap();
    assert_eq!(who.der(), cert.der());
    let outcome = f
        .sts()
        .renew(&parsed, Some("device-1"), f.t0 + 300)
        .unwrap();
    let (k2, t2) = pending.complete_renewal(&outcome, keys).unwrap();
    assert!(open_master_token(&t2, &f.keys)
        .unwrap()
        .session
        .same_as(&k2));

    // Any change to the signed request breaks the authdata.
    let mut forged = parsed.clone();
    if let wstrust::keyx::KeyRequestData::DiffieHellman { public_key, .. } = &mut forged.data {
        public_key[5] ^= 1;
    }
    assert_eq!(
        verify_x509_authdata(&forged).unwrap_err().code,
        ErrorCode::AuthFailed
    );
    assert_eq!(
        verify_x509_authdata(&KeyRequest::new(parsed.data))
            .unwrap_err()
            .code,
        ErrorCode::UnknownAuthScheme
    );
}

#[test]
fn tampered_tokens_are_refused() {
    let f = Fixture::new();
    let (keys, token) = f.issue();
    let mut positions: Vec<usize> = vec![0, token.token_data.len() / 2, token.token_data.len() - 2];
    positions.dedup();
    for i in positions {
        let mut bad = token.clone();
        bad.token_data[i] ^= 0x04;
        assert_eq!(
            f.renew(&bad, Some(&keys), None, f.t0 + 150, keys.clone())
                .unwrap_err(),
            ErrorCode::MasterTokenTampered,
            "tokendata byte {i}"
        );
    }
    let mut bad = token;
    bad.signature[31] ^= 0x01;
    assert_eq!(
        f.renew(&bad, Some(&keys), None, f.t0 + 150, keys.clone())
            .unwrap_err(),
        ErrorCode::MasterTokenTampered
    );
}

#[test]
fn a_store_without_the_serial_refuses() {
    let f = Fixture::new();
    let (keys, token) = f.issue();
    let other = Fixture {
        store: MemoryStore::new(),
        keys: f.keys.clone(),
        policy: f.policy.clone(),
        t0: f.t0,
    };
    assert_eq!(
        other
            .renew(&token, Some(&keys), None, f.t0 + 150, keys.clone())
            .unwrap_err(),
        ErrorCode::MasterTokenUnknownSerial
    );
}

#[test]
fn concurrent_renewals_of_one_token_yield_one_winner() {
    let f = Fixture::new();
    let (keys, token) = f.issue();
    // Every thread is spawned before any is joined, hence the collect.
    #[allow(clippy::needless_collect)]
    let results: Vec<Result<bool, ErrorCode>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..6)
            .map(|_| {
                s.spawn(|| {
                    f.renew(&token, Some(&keys), None, f.t0 + 150, keys.clone())
                        .map(|r| r.2)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(
        results.iter().filter(|r| **r == Ok(true)).count(),
        1,
        "{results:?}"
    );
    assert!(results
        .iter()
        .all(|r| *r == Ok(true) || *r == Err(ErrorCode::MasterTokenSequenceStale)));
}

#[test]
fn rotated_keys_renew_old_tokens_under_the_new_key_id() {
    let f = Fixture::new();
    let (keys, token) = f.issue();
    let rotated = Fixture {
        keys: MasterTokenKeys::new(
            vec![
                (1, SecretBytes::new(vec![0x5a; 32])),
                (2, SecretBytes::new(vec![0x77; 32])),
            ],
            2,
        )
        .unwrap(),
        store: MemoryStore::new(),
        policy: f.policy.clone(),
        t0: f.t0,
    };
    // Share the store state: replay the serial's record into the rotated fixture's store.
    let c = open_master_token(&token, &f.keys).unwrap();
    use wstrust::store::{Space, TokenStore};
    rotated
        .store
        .advance(
            Space::Sequence,
            &wstrust::keyx::lifecycle::sequence_key(c.serial_number),
            c.sequence_number,
            (f.t0 + 10_000) * 1000,
        )
        .unwrap();
    let (_, t2, renewed) = rotated
        .renew(&token, Some(&keys), None, f.t0 + 150, keys.clone())
        .unwrap();
    assert!(renewed);
    assert_eq!(open_master_token(&t2, &rotated.keys).unwrap().key_id, 2);
    assert_eq!(
        open_master_token(&t2, &f.keys).unwrap_err().code,
        ErrorCode::MasterTokenTampered
    );
}
