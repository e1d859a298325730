//! Helpers shared by the keyx tests: a clock near real time (the memory store expires entries
//! by the wall clock), token keys, an STS policy, and the client key from the shared PKI.

use wstrust::crypto::{RsaPrivateKey, SecretBytes};
use wstrust::keyx::server::Policy;
use wstrust::keyx::MasterTokenKeys;

use crate::support::fixture_text;

/// Seconds since the epoch, now.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A token key set with one key `id` of 32 bytes `byte`.
pub fn token_keys(id: u32, byte: u8) -> MasterTokenKeys {
    MasterTokenKeys::single(id, SecretBytes::new(vec![byte; 32])).unwrap()
}

/// Renewal window after 100 s, expiration after 200 s.
pub fn policy() -> Policy {
    Policy {
        renewal_window_secs: 100,
        lifetime_secs: 200,
        ..Policy::new("sts.example")
    }
}

/// The 2048-bit client key of the shared PKI.
pub fn client_key() -> RsaPrivateKey {
    RsaPrivateKey::from_pem(&fixture_text("clients/pki/client.key")).unwrap()
}
