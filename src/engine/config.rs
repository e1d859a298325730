//! What the engine is configured with: our keys, the realms (relying parties) and the users.

use std::collections::HashMap;

use crate::crypto::RsaPrivateKey;
use crate::pki::{Certificate, TrustStore};
use crate::saml::Claim;
pub use crate::service::sct::SctProtection;
use crate::wss::InboundConfig;
use crate::xml::Limits;
use crate::xmlsec::Suite;

use super::keys::KeyPolicy;
pub use super::realm::{AppliesToMatch, Realm};
use super::sealed::TokenKeys;
use super::settings::{KeyxSettings, LockoutSettings};
use super::token_types::TokenTypes;
use super::users::UserStore;
use super::Error;

/// Another STS whose assertions authenticate requesters (issued-token authentication, see
/// [`issued_token`](super::issued_token)): known by the certificate it signs with.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct TrustedIssuer {
    /// A name for logs and errors.
    pub name: String,
    /// The certificate its assertions are signed with (compared by exact DER).
    pub certificate: Certificate,
    /// The `saml:Issuer` its assertions must carry. Default: none (any).
    pub issuer: Option<String>,
    /// An audience its assertions may name instead of our issuer URI (for example the URL of
    /// the endpoint they are presented at). Default: none (only [`EngineConfig::issuer`]).
    pub audience: Option<String>,
    /// Copy the attributes of its assertions into the tokens issued on them. Its subjects
    /// never get the configured claims of a local user of the same name. Default: false
    /// (the assertion only names who: the tokens issued on it carry no claims).
    pub pass_claims: bool,
}

impl TrustedIssuer {
    /// Trusts the STS signing with `certificate`, under `name`, with the defaults.
    pub fn new(name: impl Into<String>, certificate: Certificate) -> Self {
        Self {
            name: name.into(),
            certificate,
            issuer: None,
            audience: None,
            pass_claims: false,
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
    /// The other valid token-signing keys (key rollover: the secondary, not yet promoted,
    /// and previous ones not yet expired): published in federation metadata beside the
    /// signing certificate, and still accepted for our own tokens and for keys encrypted
    /// to them. Never used to sign. Default: none.
    pub other_signing: Vec<(Certificate, RsaPrivateKey)>,
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
    /// Other STSs whose SAML assertions, presented in the security header, authenticate the
    /// requester (bearer, or holder-of-key with the message signed by the confirmation key).
    /// Default: none (issued tokens are refused).
    pub trusted_issuers: Vec<TrustedIssuer>,
    /// Certificates a request may refer to without carrying them (by thumbprint, SKI or
    /// issuer/serial). Our own certificate is always known.
    pub known_certs: Vec<Certificate>,
    /// Proof-key policy.
    pub key_policy: KeyPolicy,
    /// WS-Security inbound policy.
    pub inbound: InboundConfig,
    /// Parser limits.
    pub limits: Limits,
    /// Claims (SAML attributes) per principal: the UsernameToken name, or the certificate
    /// subject of an X.509 requester. Default: none.
    pub user_claims: HashMap<String, Vec<Claim>>,
    /// Issuers of token types other than the SCT (e.g. SAML), asked in order. Default: none.
    pub providers: Vec<Box<dyn super::provider::TokenProvider>>,
    /// MSL-style key exchange (master tokens): `None` turns it off and such requests are
    /// refused. Default: none.
    pub keyx: Option<KeyxSettings>,
    /// How long one issuer key (see [`Realm::sct_protection`]) is used for new tokens, in
    /// seconds. Default: 3600.
    pub issuer_key_period_secs: i64,
    /// Smart lockout of password authentication (see [`super::lockout`]); `None` turns it
    /// off. Default: [`LockoutSettings::default`] (on).
    pub lockout: Option<LockoutSettings>,
    /// The algorithm suite of realms that set none (and of the STS's own realm). Default:
    /// [`Suite::Compatible`], because the clients deployed today send SHA-1 and AES-CBC by
    /// default (zeep's signatures, WCF `Basic256`, WSS4J); DANGER: it accepts RSA-SHA1,
    /// HMAC-SHA1, SHA-1 digests and AES-CBC. Set [`Suite::Modern`] where every client can.
    pub algorithms: Suite,
}

/// The name of the realm of the STS itself: security contexts requested with no
/// `wsp:AppliesTo` (the WS-SecureConversation bootstrap, a context for talking to the STS) are
/// scoped to it, or to an AppliesTo naming our issuer URI. Its key is encrypted for our own
/// certificate. A configured realm of this name replaces it.
pub const STS_REALM: &str = "urn:wstrust:realm:sts";

impl EngineConfig {
    /// Adds the realm of the STS itself ([`STS_REALM`]) unless one is configured.
    pub(crate) fn add_sts_realm(&mut self) {
        if self.realm_named(STS_REALM).is_some() {
            return;
        }
        let mut r = Realm::new(
            STS_REALM,
            AppliesToMatch::Exact(self.issuer.clone()),
            self.signing_cert.clone(),
        );
        r.token_types = TokenTypes::sct_only();
        self.realms.push(r);
    }

    /// The realm of the STS itself (see [`STS_REALM`]).
    pub fn sts_realm(&self) -> Result<&Realm, Error> {
        self.realm_named(STS_REALM).ok_or(Error::InvalidScope)
    }

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
            other_signing: Vec::new(),
            token_keys,
            realms,
            default_realm: None,
            users,
            client_trust: TrustStore::new(),
            trusted_issuers: Vec::new(),
            known_certs: Vec::new(),
            key_policy: KeyPolicy::default(),
            inbound: InboundConfig::default(),
            limits: Limits::default(),
            user_claims: HashMap::new(),
            providers: Vec::new(),
            keyx: None,
            issuer_key_period_secs: 3600,
            lockout: Some(LockoutSettings::default()),
            algorithms: Suite::Compatible,
        }
    }

    /// Every certificate of our token-signing keys: the signing one first.
    pub fn signing_certs(&self) -> impl Iterator<Item = &Certificate> {
        std::iter::once(&self.signing_cert).chain(self.other_signing.iter().map(|(c, _)| c))
    }

    /// The realm named `name`.
    pub fn realm_named(&self, name: &str) -> Option<&Realm> {
        self.realms.iter().find(|r| r.name == name)
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
