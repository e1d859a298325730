//! What the engine is configured with: our keys, the realms (relying parties) and the users.

use crate::crypto::RsaPrivateKey;
use crate::pki::{Certificate, TrustStore};
use crate::wss::InboundConfig;
use crate::xml::Limits;

use super::keys::KeyPolicy;
use super::keyx::KeyxSettings;
use super::sealed::TokenKeys;
use super::users::UserStore;
use super::Error;

/// How a realm matches `wsp:AppliesTo`.
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum AppliesToMatch {
    /// The address equals this URI.
    Exact(String),
    /// The address starts with this prefix.
    Prefix(String),
}

/// A target service (relying party).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Realm {
    /// A name for logs and errors.
    pub name: String,
    /// Which AppliesTo addresses it serves.
    pub applies_to: AppliesToMatch,
    /// The service's certificate: the token's key is encrypted for it.
    pub encryption_cert: Certificate,
    /// Proof key size in bits when the request names none. Default: 256.
    pub key_size_bits: u32,
    /// Token lifetime in seconds. Default: 3600.
    pub lifetime_secs: i64,
    /// How long after expiry a token may still be renewed, in seconds. Default: 86400.
    pub renewal_window_secs: i64,
}

impl Realm {
    /// A realm with default key size, lifetime and renewal window.
    pub fn new(
        name: impl Into<String>,
        applies_to: AppliesToMatch,
        encryption_cert: Certificate,
    ) -> Self {
        Self {
            name: name.into(),
            applies_to,
            encryption_cert,
            key_size_bits: 256,
            lifetime_secs: 3600,
            renewal_window_secs: 86_400,
        }
    }

    fn matches(&self, address: &str) -> bool {
        match &self.applies_to {
            AppliesToMatch::Exact(u) => u == address,
            AppliesToMatch::Prefix(p) => address.starts_with(p.as_str()),
        }
    }
}

/// The engine's configuration.
#[non_exhaustive]
pub struct EngineConfig {
    /// Our issuer URI.
    pub issuer: String,
    /// The key we sign responses and tokens with.
    pub signing_key: RsaPrivateKey,
    /// Its certificate.
    pub signing_cert: Certificate,
    /// Keys sealing stateless token state.
    pub token_keys: TokenKeys,
    /// Target services, in match order (exact matches win over prefixes).
    pub realms: Vec<Realm>,
    /// Realm (by name) for requests whose AppliesTo matches none, if any. Default: none
    /// (`wst:InvalidScope`).
    pub default_realm: Option<String>,
    /// Users for UsernameToken authentication.
    pub users: UserStore,
    /// Which requester certificates may authenticate by X.509 signature (CA anchors and pinned
    /// certificates). Default: none.
    pub client_trust: TrustStore,
    /// Certificates a request may refer to without carrying them (by thumbprint, SKI or
    /// issuer/serial). Our own certificate is always known.
    pub known_certs: Vec<Certificate>,
    /// Proof-key policy.
    pub key_policy: KeyPolicy,
    /// WS-Security inbound policy.
    pub inbound: InboundConfig,
    /// Parser limits.
    pub limits: Limits,
    /// MSL-style key exchange (master tokens): `None` turns it off and such requests are
    /// refused. Default: none.
    pub keyx: Option<KeyxSettings>,
}

impl EngineConfig {
    /// A configuration with defaults around the mandatory parts.
    pub fn new(
        issuer: impl Into<String>,
        signing_key: RsaPrivateKey,
        signing_cert: Certificate,
        token_keys: TokenKeys,
        realms: Vec<Realm>,
        users: UserStore,
    ) -> Self {
        Self {
            issuer: issuer.into(),
            signing_key,
            signing_cert,
            token_keys,
            realms,
            default_realm: None,
            users,
            client_trust: TrustStore::new(),
            known_certs: Vec::new(),
            key_policy: KeyPolicy::default(),
            inbound: InboundConfig::default(),
            limits: Limits::default(),
            keyx: None,
        }
    }

    /// The realm serving `applies_to` (exact matches first, then the longest prefix, then
    /// the default realm).
    pub fn realm_for(&self, applies_to: Option<&str>) -> Result<&Realm, Error> {
        if let Some(a) = applies_to {
            if let Some(r) = self
                .realms
                .iter()
                .find(|r| matches!(&r.applies_to, AppliesToMatch::Exact(u) if u == a))
            {
                return Ok(r);
            }
            if let Some(r) =
                self.realms
                    .iter()
                    .filter(|r| r.matches(a))
                    .max_by_key(|r| match &r.applies_to {
                        AppliesToMatch::Prefix(p) => p.len(),
                        AppliesToMatch::Exact(_) => 0,
                    })
            {
                return Ok(r);
            }
        }
        self.default_realm
            .as_ref()
            .and_then(|d| self.realms.iter().find(|r| &r.name == d))
            .ok_or(Error::InvalidScope)
    }
}
