//! A receiver environment for WS-Security tests: the recorded test PKI, an in-memory replay
//! cache, fixed clocks.

use std::collections::HashMap;
use std::sync::Mutex;

use wstrust::crypto::{RsaPrivateKey, SecretBytes};
use wstrust::pki::{Certificate, TrustError, TrustStore};
use wstrust::wss::{CertificateRef, KeyResolver, ReplayGuard};

use crate::support::fixture_text;

/// The receiver's keys: `sts` private key, known client/sts certificates (v1 pinned, v3
/// through the CA), SCT secrets by identifier.
pub struct TestKeys {
    pub certs: Vec<Certificate>,
    pub trust: TrustStore,
    pub private: Vec<RsaPrivateKey>,
    pub contexts: Vec<(String, Vec<u8>)>,
}

impl TestKeys {
    pub fn recorded_pki() -> Self {
        let load = |p: &str| Certificate::from_pem(&fixture_text(p)).unwrap();
        let client = load("clients/pki/client.pem");
        let sts = load("clients/pki/sts.pem");
        let client3 = load("wss4j/pki/client-v3.pem");
        let sts3 = load("wss4j/pki/sts-v3.pem");
        let ca = load("clients/pki/ca.pem");
        let mut trust = TrustStore::new();
        trust.add_anchor(&ca);
        trust.pin(&client);
        trust.pin(&sts);
        Self {
            certs: vec![client, sts, client3, sts3],
            trust,
            private: vec![RsaPrivateKey::from_pem(&fixture_text("clients/pki/sts.key")).unwrap()],
            contexts: Vec::new(),
        }
    }
}

impl KeyResolver for TestKeys {
    fn certificate(&self, r: &CertificateRef) -> Option<Certificate> {
        self.certs
            .iter()
            .find(|c| match r {
                CertificateRef::ThumbprintSha1(t) => c.thumbprint_sha1() == t.as_slice(),
                CertificateRef::SubjectKeyId(s) => c.subject_key_id() == *s,
                CertificateRef::IssuerSerial { issuer, serial } => {
                    c.serial() == serial && c.issuer_matches(issuer)
                }
                _ => false,
            })
            .cloned()
    }

    fn validate(&self, cert: &Certificate, now: i64) -> Result<(), TrustError> {
        self.trust.validate(cert, &[], now)
    }

    fn private_key(&self, cert: &Certificate) -> Option<RsaPrivateKey> {
        self.private
            .iter()
            .find(|k| k.public_key() == *cert.public_key())
            .cloned()
    }

    fn security_context(&self, identifier: &str, _instance: Option<&str>) -> Option<SecretBytes> {
        self.contexts
            .iter()
            .find(|(i, _)| i == identifier)
            .map(|(_, k)| SecretBytes::from_slice(k))
    }
}

/// In-memory replay memory with an atomic check-and-insert.
#[derive(Default)]
pub struct MemoryReplay(Mutex<HashMap<Vec<u8>, i64>>);

impl ReplayGuard for MemoryReplay {
    fn check_and_insert(&self, key: &[u8], expires_ms: i64) -> bool {
        let mut m = self.0.lock().unwrap();
        if m.contains_key(key) {
            return false;
        }
        m.insert(key.to_vec(), expires_ms);
        true
    }

    fn forget(&self, key: &[u8]) {
        self.0.lock().unwrap().remove(key);
    }
}

/// Argon2 parameters cheap enough for tests.
pub const TEST_ARGON2: wstrust::engine::users::Argon2Params =
    wstrust::engine::users::Argon2Params {
        m_cost_kib: 256,
        t_cost: 1,
        p_cost: 1,
    };

/// Users `names`, each with the password `secret` (Argon2, [`TEST_ARGON2`]).
pub fn secret_users(names: &[&str]) -> wstrust::engine::users::UserStore {
    use wstrust::engine::users::{hash_password, PasswordRecord, UserStore};
    UserStore::new(
        names.iter().map(|u| {
            (
                (*u).to_owned(),
                PasswordRecord::Argon2(hash_password(b"secret", &TEST_ARGON2).unwrap()),
            )
        }),
        &TEST_ARGON2,
    )
    .unwrap()
}

/// The STS of the recorded PKI (`clients/pki/sts.*`, issuer `https://sts.example.com/sts`,
/// fresh token keys) with `realms` and `users`, trusting and knowing the recorded client
/// certificates.
pub fn recorded_sts_config(
    realms: Vec<wstrust::engine::config::Realm>,
    users: wstrust::engine::users::UserStore,
) -> wstrust::engine::config::EngineConfig {
    let mut cfg = wstrust::engine::config::EngineConfig::new(
        "https://sts.example.com/sts",
        RsaPrivateKey::from_pem(&fixture_text("clients/pki/sts.key")).unwrap(),
        Certificate::from_pem(&fixture_text("clients/pki/sts.pem")).unwrap(),
        wstrust::engine::sealed::TokenKeys::generate().unwrap(),
        realms,
        users,
    );
    let pki = TestKeys::recorded_pki();
    cfg.client_trust = pki.trust;
    cfg.known_certs = pki.certs;
    cfg
}
