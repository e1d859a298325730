//! Validate and Renew of the JWTs this STS issued, as [`saml_lifecycle`](super::saml_lifecycle)
//! does for assertions, with the same rules.
//!
//! The target is the `wsse:BinarySecurityToken` carrying the JWT in `wst:ValidateTarget` /
//! `wst:RenewTarget`. The STS checks its own word only ([`crate::service::jwt::validate`] in
//! the issuer's view): the RS256 signature by our signing certificate, our issuer name, and
//! the lifetime; the audience is read, not matched, and a `cnf.jwe` stays sealed.
//!
//! * **Validate** answers `wst:Status` valid, or invalid with a reason code (`…:expired`,
//!   `…:superseded` once renewed, `…:unknown-token` for anything we cannot vouch for).
//! * **Renew**: the token's subject re-authenticates, or the holder of its `cnf.jwk` key signs
//!   with it; until the realm's renewal window after expiry ends. The new JWT keeps subject,
//!   audience, actor and key binding (bearer, the same public key, a new symmetric proof key),
//!   with a new `jti` and lifetime; a JWT is renewed at most once.

use crate::service::jwt::{self as format, JwtError, JwtPolicy, JwtProof, ValidatedJwt};
use crate::trust::{
    KeyType, RequestSecurityToken, RequestSecurityTokenResponse, TokenHolder, TokenKind, TokenType,
    JWT_TOKEN_TYPE,
};

use super::renewal::Renewable;
use super::request::ParsedRequest;
use super::saml_lifecycle::EXPIRED;
use super::state::{Engine, Requester};
use super::Error;

const UNKNOWN: &str = "urn:wstrust:status:unknown-token";

/// The compact JWT a target holds, when it holds one (`None`: not a JWT target).
pub(super) fn jwt_target(holder: &TokenHolder) -> Result<Option<String>, Error> {
    match holder.token_kind() {
        Some(TokenKind::BinarySecurityToken {
            value_type: Some(v),
            ..
        }) if v == JWT_TOKEN_TYPE => {
            let (doc, el) = holder
                .content
                .first_element()
                .ok_or(Error::InvalidRequest {
                    what: "empty target",
                })?;
            Ok(Some(format::compact_of_element(doc, el)?))
        }
        _ => Ok(None),
    }
}

fn renewed_key(jti: &str) -> Vec<u8> {
    format!("jwt-renewed:{jti}").into_bytes()
}

impl Engine {
    /// Our own JWT, checked as its issuer with `skew_ms` of tolerance.
    fn own_jwt(&self, compact: &str, now: i64, skew_ms: i64) -> Result<ValidatedJwt, JwtError> {
        let issuers: Vec<_> = self.cfg.signing_certs().cloned().collect();
        let mut policy = JwtPolicy::new(&issuers, &[], now);
        policy.issuer_name = Some(&self.cfg.issuer);
        policy.skew_ms = skew_ms;
        format::validate(compact, &policy)
    }

    /// Validate of a JWT: the status, and the token when valid.
    pub(super) fn validate_jwt(
        &self,
        compact: &str,
        now: i64,
    ) -> (Option<ValidatedJwt>, Option<&'static str>) {
        match self.own_jwt(compact, now, 0) {
            Ok(j) => match self.renewal_status(&renewed_key(&j.id)) {
                None => (Some(j), None),
                status => (None, status),
            },
            Err(JwtError::Expired) => (None, Some(EXPIRED)),
            Err(e) => {
                tracing::debug!(reason = %e, "validate: jwt not ours or not valid");
                (None, Some(UNKNOWN))
            }
        }
    }

    /// Renew of a JWT (see the module documentation and [`super::renewal`]).
    pub(super) fn renew_jwt(
        &self,
        req: &ParsedRequest,
        rst: &RequestSecurityToken,
        who: &Requester,
        compact: &str,
        confidential: bool,
        now: i64,
    ) -> Result<RequestSecurityTokenResponse, Error> {
        let old = self
            .own_jwt(compact, now, self.renewal_tolerance_ms())
            .map_err(|_| Error::UnableToRenew {
                what: "not a JWT this STS issued, or outside every renewal window",
            })?;
        let key_holder = match (&old.proof, who.cert()) {
            (JwtProof::PublicKey(k), Some(c)) => k == c.public_key(),
            _ => false,
        };
        let key_type = match old.proof {
            JwtProof::Bearer => KeyType::Bearer,
            JwtProof::PublicKey(_) => KeyType::PublicKey,
            _ => KeyType::SymmetricKey,
        };
        let renewable = Renewable {
            marker: renewed_key(&old.id),
            audience: old.audiences.first().cloned(),
            issued_ms: old.issued_at_ms,
            expires_ms: old.expires_ms,
            key_holder,
            same_type: rst.params.token_type.as_ref().is_some_and(|t| t.is_jwt()),
            key_type,
            token_type: TokenType::Jwt,
            provider: super::registry::jwt(),
            actor: old.act_as,
            authority: old.identity_provider,
            subject: old.subject,
        };
        self.renew_once(req, rst, who, renewable, confidential, now)
    }
}
