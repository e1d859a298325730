//! Which kind of token a request gets: the requested `wst:TokenType`, else the transport's
//! default ([`RequestOptions`]), else a security context token; and whether the realm issues
//! that kind ([`TokenTypes`]).
//!
//! AD FS answers a request without a `wst:TokenType` on its WS-Trust endpoints with a SAML 1.1
//! assertion (`urn:oasis:names:tc:SAML:1.0:assertion`), which MSAL and ADAL then expect; the
//! server passes that default for requests arriving on AD FS alias paths.

use crate::saml::SamlVersion;
use crate::trust::TokenType;

use super::config::EngineConfig;
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
    /// Default: `None` (a security context token).
    pub default_token_type: Option<TokenType>,
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
}

/// What the engine issues.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub(super) enum TokenKind {
    /// A security context token.
    Sct,
    /// A SAML assertion.
    Saml(SamlVersion),
}

/// The token kind for `requested` (else `opts`' default), with the token type URI to echo
/// (`None` for the security context path, which names its own). Refuses unknown token types and
/// kinds the realm serving `applies_to` does not issue.
pub(super) fn choose(
    cfg: &EngineConfig,
    requested: Option<&TokenType>,
    applies_to: Option<&str>,
    opts: &RequestOptions,
) -> Result<(TokenKind, Option<TokenType>), Error> {
    let wanted = requested.or(opts.default_token_type.as_ref());
    let kind = match wanted {
        None => TokenKind::Sct,
        Some(t) if t.is_sct() => TokenKind::Sct,
        Some(t) if t.is_saml11() => TokenKind::Saml(SamlVersion::V11),
        Some(t) if t.is_saml20() => TokenKind::Saml(SamlVersion::V20),
        Some(_) => {
            return Err(Error::InvalidRequest {
                what: "token type not supported",
            })
        }
    };
    let realm = cfg.realm_for(applies_to)?;
    if !realm.token_types.allows(kind) {
        return Err(Error::InvalidRequest {
            what: "the realm does not issue this token type",
        });
    }
    Ok((kind, wanted.cloned()))
}
