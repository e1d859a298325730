//! Which kind of token a request gets (see [`choose`]): the requested `wst:TokenType`, else
//! the transport's default ([`RequestOptions`]), else the realm's, else by key type; and
//! whether the realm issues that kind ([`TokenTypes`]).
//!
//! AD FS answers a request without a `wst:TokenType` on its WS-Trust endpoints with a SAML 1.1
//! assertion (`urn:oasis:names:tc:SAML:1.0:assertion`), which MSAL and ADAL then expect; the
//! server passes that default for requests arriving on AD FS alias paths.

use crate::saml::SamlVersion;
use crate::trust::{KeyType, TokenType};

use super::config::Realm;
use super::Error;

/// The kinds of token a realm issues.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
#[non_exhaustive]
pub struct TokenTypes {
    /// WS-SecureConversation security context tokens (either version). Default: true.
    pub sct: bool,
    /// SAML 1.1 assertions (`urn:oasis:names:tc:SAML:1.0:assertion`, `...#SAMLV1.1`).
    /// Default: true.
    pub saml11: bool,
    /// SAML 2.0 assertions (`urn:oasis:names:tc:SAML:2.0:assertion`, `...#SAMLV2.0`).
    /// Default: true.
    pub saml20: bool,
}

impl TokenTypes {
    /// Every kind.
    pub fn all() -> Self {
        Self {
            sct: true,
            saml11: true,
            saml20: true,
        }
    }

    /// SAML 1.1 assertions only (what AD FS issues over WS-Trust).
    pub fn saml11_only() -> Self {
        Self {
            sct: false,
            saml11: true,
            saml20: false,
        }
    }

    /// Security context tokens only.
    pub fn sct_only() -> Self {
        Self {
            sct: true,
            saml11: false,
            saml20: false,
        }
    }

    fn allows(self, kind: TokenKind) -> bool {
        match kind {
            TokenKind::Sct => self.sct,
            TokenKind::Saml(SamlVersion::V11) => self.saml11,
            TokenKind::Saml(SamlVersion::V20) => self.saml20,
        }
    }
}

impl Default for TokenTypes {
    fn default() -> Self {
        Self::all()
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
    /// [`issued_token`](super::issued_token)): passwords, certificates and security
    /// contexts are refused. AD FS's `issuedtokenmixed*` paths set this. Default: false.
    pub issued_token_only: bool,
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

    /// These options accepting issued-token authentication only.
    pub fn issued_token_only(mut self) -> Self {
        self.issued_token_only = true;
        self
    }
}

/// What the engine issues.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub(super) enum TokenKind {
    /// A security context token.
    Sct,
    /// A SAML assertion.
    Saml(SamlVersion),
}

/// The token kind for a request, and the token type URI to echo (`None` for the security
/// context path, which names its own). Decided once, in this order:
///
/// 1. the `wst:TokenType` the request names (unknown types are refused);
/// 2. the endpoint's default ([`RequestOptions`]: AD FS alias paths answer SAML 1.1);
/// 3. the realm's default ([`Realm::default_token_type`]), when it fits the key type;
/// 4. by key type, what CXF and AD FS users expect: a `Bearer` or `PublicKey` request gets a
///    SAML 2.0 assertion (else SAML 1.1, as the realm issues), since a security context token
///    always carries a symmetric key; a `SymmetricKey` request, or one naming no key type,
///    gets a security context token (else SAML 2.0, else SAML 1.1).
///
/// A named (or endpoint-default) kind the realm does not issue is refused; so is a request
/// for which the realm issues no fitting kind. The whole table is tested in
/// `tests::every_combination`.
pub(super) fn choose(
    realm: &Realm,
    requested: Option<&TokenType>,
    key_type: Option<&KeyType>,
    opts: &RequestOptions,
) -> Result<(TokenKind, Option<TokenType>), Error> {
    if let Some(t) = requested.or(opts.default_token_type.as_ref()) {
        let kind = kind_of(t).ok_or(Error::InvalidRequest {
            what: "token type not supported",
        })?;
        if !realm.token_types.allows(kind) {
            return Err(Error::InvalidRequest {
                what: "the realm does not issue this token type",
            });
        }
        return Ok((kind, Some(t.clone())));
    }
    let asymmetric = matches!(key_type, Some(KeyType::Bearer | KeyType::PublicKey));
    let fits = |k: TokenKind| realm.token_types.allows(k) && !(asymmetric && k == TokenKind::Sct);
    if let Some(t) = &realm.default_token_type {
        if let Some(kind) = kind_of(t).filter(|k| fits(*k)) {
            return Ok((kind, echo(kind, Some(t))));
        }
    }
    let order: &[TokenKind] = if asymmetric {
        &[
            TokenKind::Saml(SamlVersion::V20),
            TokenKind::Saml(SamlVersion::V11),
        ]
    } else {
        &[
            TokenKind::Sct,
            TokenKind::Saml(SamlVersion::V20),
            TokenKind::Saml(SamlVersion::V11),
        ]
    };
    order
        .iter()
        .copied()
        .find(|k| fits(*k))
        .map(|k| (k, echo(k, None)))
        .ok_or(Error::InvalidRequest {
            what: "the realm issues no token type for this key type",
        })
}

fn kind_of(t: &TokenType) -> Option<TokenKind> {
    if t.is_sct() {
        Some(TokenKind::Sct)
    } else if t.is_saml11() {
        Some(TokenKind::Saml(SamlVersion::V11))
    } else if t.is_saml20() {
        Some(TokenKind::Saml(SamlVersion::V20))
    } else {
        None
    }
}

/// The token type a chosen kind is answered with: the configured URI, else the WSS SAML
/// token profile's URI (what WS-Trust's `wst:TokenType` names); none for an SCT.
fn echo(kind: TokenKind, configured: Option<&TokenType>) -> Option<TokenType> {
    match kind {
        TokenKind::Sct => None,
        _ => Some(configured.cloned().unwrap_or(match kind {
            TokenKind::Saml(SamlVersion::V11) => TokenType::Saml11Profile,
            _ => TokenType::Saml20Profile,
        })),
    }
}
