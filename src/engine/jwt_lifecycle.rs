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
use crate::store::Space;
use crate::trust::{
    AppliesTo, KeyType, RequestSecurityToken, RequestSecurityTokenResponse, TokenHolder, TokenKind,
    TokenType, JWT_TOKEN_TYPE,
};

use super::request::ParsedRequest;
use super::saml_lifecycle::EXPIRED;
use super::sts::{Engine, Requester, Transport};
use super::Error;

const SUPERSEDED: &str = "urn:wstrust:status:superseded";
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
        let issuers = [self.cfg.signing_cert.clone()];
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
            Ok(j) => match self.store.get(Space::Revoked, &renewed_key(&j.id)) {
                Ok(None) => (Some(j), None),
                Ok(Some(_)) => (None, Some(SUPERSEDED)),
                Err(_) => (None, Some(super::context::Refusal::Store.reason())),
            },
            Err(JwtError::Expired) => (None, Some(EXPIRED)),
            Err(e) => {
                tracing::debug!(reason = %e, "validate: jwt not ours or not valid");
                (None, Some(UNKNOWN))
            }
        }
    }

    /// Renew of a JWT (see the module documentation).
    #[allow(clippy::too_many_arguments)] // the binding's parts, as `renew` has them
    pub(super) fn renew_jwt(
        &self,
        req: &ParsedRequest,
        rst: &RequestSecurityToken,
        who: &Requester,
        compact: &str,
        confidential: bool,
        now: i64,
    ) -> Result<RequestSecurityTokenResponse, Error> {
        let widest = self
            .cfg
            .realms
            .iter()
            .map(|r| r.renewal_window_secs.saturating_mul(1000))
            .max()
            .unwrap_or(0);
        let old = self
            .own_jwt(compact, now, widest.max(300_000))
            .map_err(|_| Error::UnableToRenew {
                what: "not a JWT this STS issued, or outside every renewal window",
            })?;
        if now.saturating_add(300_000) < old.issued_at_ms {
            return Err(Error::UnableToRenew {
                what: "JWT issued in the future",
            });
        }
        let audience = old.audiences.first().ok_or(Error::UnableToRenew {
            what: "JWT names no audience",
        })?;
        let realm = self.cfg.realm_for(Some(audience))?;
        let window = realm.renewal_window_secs.saturating_mul(1000);
        if now >= old.expires_ms.saturating_add(window) {
            return Err(Error::UnableToRenew {
                what: "expired beyond the renewal window",
            });
        }
        let by_owner = realm.owner_renewal
            && crate::crypto::ct_eq(who.principal.as_bytes(), old.subject.as_bytes());
        let by_key = match (&old.proof, &who.cert) {
            (JwtProof::PublicKey(k), Some(c)) => k == c.public_key(),
            _ => false,
        };
        if !(by_owner || by_key) {
            return Err(Error::Authentication {
                what: "renewal by neither the JWT's subject nor its key holder",
            });
        }
        if let Some(t) = &rst.params.token_type {
            if !t.is_jwt() {
                return Err(Error::InvalidRequest {
                    what: "renewal to another token type",
                });
            }
        }
        let until = old.expires_ms.saturating_add(window);
        match self
            .store
            .insert_if_absent(Space::Revoked, &renewed_key(&old.id), b"", until)
        {
            Ok(true) => {}
            Ok(false) => {
                return Err(Error::UnableToRenew {
                    what: "this JWT was renewed already",
                })
            }
            Err(_) => {
                return Err(Error::Internal {
                    what: "token store",
                })
            }
        }
        let mut issue = rst.clone();
        issue.params.applies_to = Some(AppliesTo::address(audience.clone()));
        issue.params.key_type = Some(match old.proof {
            JwtProof::Bearer => KeyType::Bearer,
            JwtProof::PublicKey(_) => KeyType::PublicKey,
            _ => KeyType::SymmetricKey,
        });
        let token_type = rst.params.token_type.clone().unwrap_or(TokenType::Jwt);
        let renewer = Requester {
            principal: old.subject.clone(),
            ..who.clone()
        };
        let transport = Transport {
            confidential,
            peer: None,
        };
        let made = self.issue_token(
            req,
            &issue,
            &renewer,
            transport,
            now,
            (realm, super::registry::jwt(), token_type),
            old.act_as.clone(),
        );
        if made.is_err() {
            // Nothing issued: the JWT may be renewed again.
            let _ = self.store.remove(Space::Revoked, &renewed_key(&old.id));
        }
        made
    }
}
