//! Which kind of token a request gets (see [`choose`]): the requested `wst:TokenType`, else
//! the transport's default ([`RequestOptions`]), else the realm's, else by key type; and
//! whether the realm issues that kind ([`TokenTypes`], by [`registry`] name).
//!
//! AD FS answers a request without a `wst:TokenType` on its WS-Trust endpoints with a SAML 1.1
//! assertion (`urn:oasis:names:tc:SAML:1.0:assertion`), which MSAL and ADAL then expect; the
//! server passes that default for requests arriving on AD FS alias paths.

use crate::trust::{KeyType, TokenType};

use super::config::{EngineConfig, Realm};
use super::provider::TokenProvider;
use super::registry;
pub use super::token_types::TokenTypes;
use super::Error;

impl TokenTypes {
    /// Every built-in kind: security context tokens, SAML 1.1, SAML 2.0 and JWT.
    pub fn all() -> Self {
        Self::only(registry::names())
    }
}

/// Per-request choices the transport makes (the path a request arrived on).
#[derive(Clone, Debug, Default, Eq, PartialEq)]
#[non_exhaustive]
pub struct RequestOptions {
    /// The token type for a request that names none; echoed in the response as given.
    /// Default: `None` (the realm's choice, see [`choose`]).
    pub default_token_type: Option<TokenType>,
    /// Authenticate by an issued token only (another STS's assertion, see
    /// [`issued_token`](super::issued_token)), holder of key with this kind of proof key:
    /// passwords, certificates, security contexts and bearer assertions are refused. AD FS's
    /// `issuedtokenmixed*` paths set this. Default: `None` (every authenticator).
    pub issued_token_only: Option<IssuedTokenProof>,
    /// The correlation id the transport offers (an `X-Correlation-Id` or `X-Request-Id`
    /// header), used for the audit trail when the request has no usable `wsa:MessageID`
    /// (see [`audit`](super::audit)). Default: `None` (a fresh UUID).
    pub correlation_hint: Option<String>,
}

/// The proof key an issued-token-only endpoint requires of the assertion presented (its
/// message signature made with that key): AD FS's `issuedtokenmixedsymmetricbasic256` and
/// `issuedtokenmixedasymmetricbasic256`.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
#[non_exhaustive]
pub enum IssuedTokenProof {
    /// A holder-of-key symmetric key (encrypted for us in the assertion).
    Symmetric,
    /// A holder-of-key public key (a certificate or key value in the assertion).
    Public,
}

impl RequestOptions {
    /// Options with defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// These options with `token_type` for requests that name none (AD FS alias paths pass
    /// [`TokenType::Saml11`]).
    pub fn with_default_token_type(mut self, token_type: TokenType) -> Self {
        self.default_token_type = Some(token_type);
        self
    }

    /// These options accepting issued-token authentication only, holder of key with a
    /// `proof` key.
    pub fn issued_token_only(mut self, proof: IssuedTokenProof) -> Self {
        self.issued_token_only = Some(proof);
        self
    }

    /// These options with the correlation id the transport offers (`None`: none).
    pub fn with_correlation_hint(mut self, hint: Option<String>) -> Self {
        self.correlation_hint = hint;
        self
    }
}

/// What the engine issues.
#[derive(Clone, Copy)]
pub(super) enum TokenKind<'p> {
    /// A security context token.
    Sct,
    /// A provider's token.
    Provider(&'p dyn TokenProvider),
}

impl TokenKind<'_> {
    fn name(&self) -> &str {
        match self {
            Self::Sct => registry::SCT,
            Self::Provider(p) => p.name(),
        }
    }

    fn is_sct(&self) -> bool {
        matches!(self, Self::Sct)
    }
}

/// The token kind for a request, and the token type URI to echo (`None` for the security
/// context path, which names its own). Decided once, in this order:
///
/// 1. the `wst:TokenType` the request names (types no registered provider handles are
///    refused);
/// 2. the endpoint's default ([`RequestOptions`]: AD FS alias paths answer SAML 1.1);
/// 3. the realm's default ([`Realm::default_token_type`]), when it fits the key type;
/// 4. by key type, what CXF and AD FS users expect: a `Bearer` or `PublicKey` request gets a
///    SAML 2.0 assertion (else SAML 1.1, as the realm issues), since a security context token
///    always carries a symmetric key; a `SymmetricKey` request, or one naming no key type,
///    gets a security context token (else SAML 2.0, else SAML 1.1). A JWT (or a configured
///    provider's token) is issued only when named, by the endpoint or by the realm's default.
///
/// A named (or endpoint-default) kind the realm does not issue is refused; so is a request
/// for which the realm issues no fitting kind. The whole table is tested in
/// `tests/it/engine_defaults.rs`.
pub(super) fn choose<'c>(
    cfg: &'c EngineConfig,
    realm: &Realm,
    requested: Option<&TokenType>,
    key_type: Option<&KeyType>,
    opts: &RequestOptions,
) -> Result<(TokenKind<'c>, Option<TokenType>), Error> {
    if let Some(t) = requested.or(opts.default_token_type.as_ref()) {
        let kind = kind_of(cfg, t).ok_or(Error::InvalidRequest {
            what: "token type not supported",
        })?;
        if !realm.token_types.allows(kind.name()) {
            return Err(Error::InvalidRequest {
                what: "the realm does not issue this token type",
            });
        }
        return Ok((kind, Some(t.clone())));
    }
    let asymmetric = matches!(key_type, Some(KeyType::Bearer | KeyType::PublicKey));
    let fits = |k: &TokenKind<'_>| {
        realm.token_types.allows(k.name())
            && !(asymmetric && k.is_sct())
            && match (k, key_type) {
                (TokenKind::Provider(p), Some(kt)) => p.supports(kt),
                _ => true,
            }
    };
    if let Some(t) = &realm.default_token_type {
        if let Some(kind) = kind_of(cfg, t).filter(|k| fits(k)) {
            return Ok((kind, echo(kind, Some(t))));
        }
    }
    let order: &[&str] = if asymmetric {
        &["saml20", "saml11"]
    } else {
        &[registry::SCT, "saml20", "saml11"]
    };
    order
        .iter()
        .filter_map(|n| match *n {
            registry::SCT => Some(TokenKind::Sct),
            n => registry::named(cfg, n).map(TokenKind::Provider),
        })
        .find(|k| fits(k))
        .map(|k| (k, echo(k, None)))
        .ok_or(Error::InvalidRequest {
            what: "the realm issues no token type for this key type",
        })
}

fn kind_of<'c>(cfg: &'c EngineConfig, t: &TokenType) -> Option<TokenKind<'c>> {
    if t.is_sct() {
        Some(TokenKind::Sct)
    } else {
        registry::for_type(cfg, t).map(TokenKind::Provider)
    }
}

/// The token type a chosen kind is answered with: the configured URI, else the provider's
/// (for SAML the WSS SAML token profile's URI, what WS-Trust's `wst:TokenType` names); none
/// for an SCT.
fn echo(kind: TokenKind<'_>, configured: Option<&TokenType>) -> Option<TokenType> {
    match kind {
        TokenKind::Sct => None,
        TokenKind::Provider(p) => Some(configured.cloned().unwrap_or_else(|| p.token_type())),
    }
}
