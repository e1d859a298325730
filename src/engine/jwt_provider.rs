//! The JWT provider: `wst:TokenType` `urn:ietf:params:oauth:token-type:jwt`, the token AD FS
//! issues over WS-Trust when asked. The format (claims, `cnf`, the JWE of a symmetric proof
//! key) is [`crate::service::jwt`]'s; this file maps the engine's decision onto it.
//!
//! RS256 with the STS signing key (the engine's signing key is RSA only: an EC realm key, and
//! so ES256, would first need EC keys in `EngineConfig`). The token travels in
//! `wst:RequestedSecurityToken` as a `wsse:BinarySecurityToken` (ValueType the JWT token type,
//! Base64Binary of the compact JWS); the attached reference points at it by `#Id`, the
//! unattached one names its `jti` by key identifier.

use crate::crypto::hex;
use crate::saml::SamlVersion;
use crate::service::jwt::{self, JwtConfirmation, JwtContent};
use crate::trust::{Fragment, KeyType, RequestedReference, TokenType, JWT_TOKEN_TYPE};

use super::ids::{random8, uuid};
use super::provider::{key_of, IssueContext, IssuedToken, KeyBinding, TokenProvider};
use super::Error;

/// Issues JWTs.
#[derive(Clone, Copy, Debug)]
pub(crate) struct JwtProvider;

impl TokenProvider for JwtProvider {
    fn name(&self) -> &str {
        "jwt"
    }

    fn handles(&self, token_type: &TokenType) -> bool {
        token_type.is_jwt()
    }

    fn token_type(&self) -> TokenType {
        TokenType::Jwt
    }

    fn supports(&self, key_type: &KeyType) -> bool {
        matches!(
            key_type,
            KeyType::Bearer | KeyType::PublicKey | KeyType::SymmetricKey
        )
    }

    fn issue(&self, ctx: &IssueContext<'_>) -> Result<IssuedToken, Error> {
        let jti = format!("urn:uuid:{}", uuid()?);
        let kid;
        let confirmation = match ctx.binding {
            KeyBinding::Bearer => JwtConfirmation::Bearer,
            KeyBinding::PublicKey(k) => JwtConfirmation::PublicKey(key_of(k)),
            KeyBinding::Symmetric(key) => {
                kid = jwt::proof_key_id(key);
                JwtConfirmation::Symmetric {
                    key,
                    kid: &kid,
                    recipient: &ctx.realm.encryption_cert,
                }
            }
        };
        let mut content = JwtContent::new(
            ctx.issuer,
            ctx.audience,
            ctx.principal,
            &jti,
            ctx.not_before_ms,
            ctx.expires_ms,
        );
        content.auth_method = Some(ctx.authn.uri(SamlVersion::V20));
        content.act_as = ctx.act_as;
        content.identity_provider = ctx.authority;
        content.claims = ctx.claims;
        content.confirmation = confirmation;
        let compact = jwt::issue(&content, ctx.signing_key, ctx.signing_cert)?;
        let id = format!("jwt-{}", hex(&random8()?));
        let token = Fragment::build(|w| jwt::write_binary_security_token(w, &id, &compact))?;
        let attached =
            RequestedReference::by_reference(&format!("#{id}"), Some(JWT_TOKEN_TYPE), None)?;
        let unattached =
            RequestedReference::by_key_identifier(JWT_TOKEN_TYPE, &jti, Some(JWT_TOKEN_TYPE))?;
        Ok(IssuedToken::new(token, Some(attached), Some(unattached)))
    }
}
