//! A target service (relying party) as the engine is configured with it: below the
//! configuration and the token providers, which both name it.

use crate::pki::Certificate;
use crate::service::sct::SctProtection;
use crate::trust::TokenType;
use crate::xmlsec::Suite;

use super::token_types::TokenTypes;

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
    /// The kinds of token issued for this realm. Default: all (security context tokens,
    /// SAML 1.1 and SAML 2.0).
    pub token_types: TokenTypes,
    /// The token type for requests naming none, when it fits their key type (an SCT never
    /// fits `Bearer` or `PublicKey`). Default: none (SAML 2.0 for `Bearer` and `PublicKey`
    /// requests, an SCT otherwise; see [`choose`](super::tokens)).
    pub default_token_type: Option<TokenType>,
    /// Issue SAML 2.0 assertions as `saml:EncryptedAssertion` for `encryption_cert` (a SAML 1.1
    /// request is then refused: SAML 1.1 has no encrypted assertion). Default: false.
    pub encrypt_assertion: bool,
    /// Keep security contexts in the token store (identifier `urn:uuid:…`) instead of sealing
    /// their state into the identifier. Default: false (stateless).
    pub stateful: bool,
    /// A renewal gives the context a new key (delivered as a new proof token). Default: true.
    pub rekey_on_renew: bool,
    /// Besides the holder of a context's key, the principal the context was issued to may
    /// renew or cancel it, authenticated by password (over a confidential channel) or by an
    /// X.509 signature (see [`owner`](super::owner)). `false` requires proof of possession of
    /// the context key. Default: true.
    pub owner_renewal: bool,
    /// Claims (rights, by URI) a requester may ask for in `wst:Claims` (identity dialect) and
    /// delegate. Default: none.
    pub claims: Vec<String>,
    /// How the STS vouches for this realm's SCTs: an HMAC under a periodic issuer key signed
    /// once (default), or an RSA signature on each token. See [`crate::service::sct`].
    pub sct_protection: SctProtection,
    /// The algorithm suite requests for this realm must keep to (see
    /// [`algorithms`](super::algorithms)). Default: none (the STS's
    /// [`EngineConfig::algorithms`](super::config::EngineConfig::algorithms)).
    pub algorithms: Option<Suite>,
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
            token_types: TokenTypes::default(),
            default_token_type: None,
            encrypt_assertion: false,
            stateful: false,
            rekey_on_renew: true,
            owner_renewal: true,
            claims: Vec::new(),
            sct_protection: SctProtection::default(),
            algorithms: None,
        }
    }

    pub(super) fn matches(&self, address: &str) -> bool {
        match &self.applies_to {
            AppliesToMatch::Exact(u) => u == address,
            AppliesToMatch::Prefix(p) => address.starts_with(p.as_str()),
        }
    }
}
