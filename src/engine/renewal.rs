//! The renewal rules issued tokens share (SAML assertions in
//! [`saml_lifecycle`](super::saml_lifecycle), JWTs in [`jwt_lifecycle`](super::jwt_lifecycle)):
//! one place decides who may renew, until when, and that a token is renewed at most once.
//!
//! A format module checks its own token as its issuer (signature, issuer, lifetime with
//! [`Engine::renewal_tolerance_ms`] of tolerance) and describes it as a [`Renewable`]; this
//! module then holds it to its realm (suite, renewal window, owner renewal), and claims the
//! token's "renewed" marker with an insert-if-absent before issuing, so that two concurrent
//! renewals of one token cannot both succeed. When the new token cannot be made the claim is
//! released: a failed renewal leaves the old token renewable and its Validate status unchanged.

use crate::store::Space;
use crate::trust::{
    AppliesTo, KeyType, RequestSecurityToken, RequestSecurityTokenResponse, TokenType,
};

use super::provider::TokenProvider;
use super::request::ParsedRequest;
use super::state::{Engine, IssuedIdentity, Requester, Transport};
use super::Error;

/// Reason code of a token renewed already (Validate's answer for the old one).
pub(super) const SUPERSEDED: &str = "urn:wstrust:status:superseded";

/// Tokens issued later than this past our clock are refused (the clock skew we allow).
const FUTURE_SKEW_MS: i64 = 300_000;

/// An issued token, as its format module read it, described for renewal.
pub(super) struct Renewable {
    /// The store key marking this token renewed (one namespace per format).
    pub marker: Vec<u8>,
    /// The principal the token names.
    pub subject: String,
    /// The domain of that name, as the token records it (SAML `NameQualifier`, JWT `idp`):
    /// `None` for our own users, a trusted issuer's name for a federated subject.
    pub authority: Option<String>,
    /// The audience it was issued for: the new token's AppliesTo and realm.
    pub audience: Option<String>,
    pub issued_ms: i64,
    pub expires_ms: i64,
    /// The requester proved possession of the token's own public key.
    pub key_holder: bool,
    /// The requested token type, if any, is this token's own type.
    pub same_type: bool,
    /// The new token's key type (the old one's confirmation kind).
    pub key_type: KeyType,
    /// The new token's type when the request names none.
    pub token_type: TokenType,
    pub provider: &'static dyn TokenProvider,
    /// The actor the token carries (`ActAs`), kept.
    pub actor: Option<String>,
}

impl Engine {
    /// The tolerance a format module checks an expired token with before
    /// [`Engine::renew_once`] holds it to its own realm's window: the widest window of any
    /// realm, and never less than the ordinary clock skew.
    pub(super) fn renewal_tolerance_ms(&self) -> i64 {
        self.cfg
            .realms
            .iter()
            .map(|r| r.renewal_window_secs.saturating_mul(1000))
            .max()
            .unwrap_or(0)
            .max(FUTURE_SKEW_MS)
    }

    /// Validate's status of a token that is otherwise valid: `None` when it is current,
    /// [`SUPERSEDED`] once renewed.
    pub(super) fn renewal_status(&self, marker: &[u8]) -> Option<&'static str> {
        match self.store.get(Space::Revoked, marker) {
            Ok(None) => None,
            Ok(Some(_)) => Some(SUPERSEDED),
            Err(_) => Some(super::context::Refusal::Store.reason()),
        }
    }

    /// Renews `old` for `who` (see the module documentation).
    pub(super) fn renew_once(
        &self,
        req: &ParsedRequest,
        rst: &RequestSecurityToken,
        who: &Requester,
        old: Renewable,
        confidential: bool,
        now: i64,
    ) -> Result<RequestSecurityTokenResponse, Error> {
        if now.saturating_add(FUTURE_SKEW_MS) < old.issued_ms {
            return Err(Error::UnableToRenew {
                what: "token issued in the future",
            });
        }
        let audience = old.audience.ok_or(Error::UnableToRenew {
            what: "token names no audience",
        })?;
        let realm = self.cfg.realm_for(Some(&audience))?;
        self.enforce_suite(req, realm)?;
        let window = realm.renewal_window_secs.saturating_mul(1000);
        let until = old.expires_ms.saturating_add(window);
        if now >= until {
            return Err(Error::UnableToRenew {
                what: "expired beyond the renewal window",
            });
        }
        // Who may renew: the subject, re-authenticated, or the holder of the token's key.
        let by_owner = realm.owner_renewal && who.is(&old.subject, old.authority.as_deref());
        if !(by_owner || old.key_holder) {
            return Err(Error::Authentication {
                what: "renewal by neither the token's subject nor its key holder",
            });
        }
        if rst.params.token_type.is_some() && !old.same_type {
            return Err(Error::InvalidRequest {
                what: "renewal to another token type",
            });
        }
        match self
            .store
            .insert_if_absent(Space::Revoked, &old.marker, b"", until)
        {
            Ok(true) => {}
            Ok(false) => {
                return Err(Error::UnableToRenew {
                    what: "this token was renewed already",
                })
            }
            Err(_) => {
                return Err(Error::Internal {
                    what: "token store",
                })
            }
        }
        // The new token: as an Issue for the same audience and confirmation kind.
        let mut issue = rst.clone();
        issue.params.applies_to = Some(AppliesTo::address(audience));
        issue.params.key_type = Some(old.key_type);
        let token_type = rst.params.token_type.clone().unwrap_or(old.token_type);
        // The new token names the old one's subject in the old one's domain: a key holder
        // of another domain renews it as it was (without claims its own issuer passed on).
        let issued = match (old.authority, who.issued()) {
            (None, _) => None,
            (Some(a), Some(i)) if i.authority == a => Some(i.clone()),
            (Some(authority), _) => Some(IssuedIdentity {
                claims: Vec::new(),
                authn: None,
                authority,
            }),
        };
        let renewer = who.renewing_as(old.subject, issued);
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
            (realm, old.provider, token_type),
            old.actor,
        );
        if made.is_err() {
            // Nothing issued: the token stays renewable.
            if let Err(e) = self.store.remove(Space::Revoked, &old.marker) {
                tracing::error!(error = %e, "renew: could not release the renewal claim");
            }
        }
        made
    }
}
