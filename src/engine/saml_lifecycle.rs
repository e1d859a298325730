//! Validate and Renew of the SAML 1.1 / 2.0 assertions this STS issued (WS-Trust 1.3 §§5, 7),
//! not only of security contexts.
//!
//! The target is the assertion itself in `wst:ValidateTarget` / `wst:RenewTarget`, or a
//! `wsse:SecurityTokenReference` to an assertion in the request (its `SAMLID` /
//! `SAMLAssertionID` key identifier, or a `#ID` reference). The STS checks its own word only:
//! the enveloped signature by our signing certificate and our issuer name, and the lifetime
//! (`saml::ValidationPolicy::issuer_view`: the audience is read, not matched; a holder-of-key
//! symmetric key, encrypted for the service, stays sealed).
//!
//! * **Validate** answers `wst:Status` valid, or invalid with a reason code (`…:expired`,
//!   `…:superseded` once renewed, `…:unknown-token` for anything we cannot vouch for). Asked
//!   for a security context token type instead, a valid assertion is exchanged for a new
//!   context for its subject.
//! * **Renew** (CXF's `allowRenewal` with `allowRenewalAfterExpiry`): the assertion's subject
//!   re-authenticates (password or X.509 signature, as the principal the assertion names), or
//!   the holder of a holder-of-key public key signs with it; until the realm's renewal window
//!   after expiry ends. The new assertion keeps version, subject, audience and confirmation
//!   kind (bearer, holder-of-key public with the same certificate, holder-of-key symmetric
//!   with a new proof key), with a new ID and lifetime; an assertion is renewed at most once
//!   (`wst:UnableToRenew` after), and is then reported superseded.

use crate::saml::{
    self, Confirmation, PublicKeyInfo, SamlVersion, TrustedIssuer, ValidatedAssertion,
};
use crate::trust::{
    KeyType, RequestSecurityToken, RequestSecurityTokenResponse, TokenHolder, TokenKind, TokenType,
};
use crate::xml::{Document, NodeId};

use super::renewal::Renewable;
use super::request::ParsedRequest;
use super::state::{Engine, Requester};
use super::Error;

/// Reason code of an expired token.
pub(super) const EXPIRED: &str = "urn:wstrust:status:expired";
const UNKNOWN: &str = "urn:wstrust:status:unknown-token";

/// The assertion a target names, when it names one (`None`: not a SAML target).
pub(super) fn saml_target<'r>(
    req: &'r ParsedRequest,
    holder: &'r TokenHolder,
) -> Result<Option<(&'r Document, NodeId)>, Error> {
    match holder.token_kind() {
        Some(TokenKind::Saml1 { .. } | TokenKind::Saml2 { .. }) => {
            Ok(holder.content.first_element())
        }
        Some(TokenKind::SecurityTokenReference(info)) => {
            let by_key_id = info.key_identifier.as_ref().filter(|k| {
                k.value_type
                    .as_deref()
                    .is_some_and(|t| t.ends_with("#SAMLID") || t.ends_with("#SAMLAssertionID"))
            });
            let id = match (by_key_id, &info.reference) {
                (Some(k), _) => k.value.clone(),
                (None, Some(r))
                    if r.value_type.as_deref().is_some_and(|t| {
                        t.ends_with("#SAMLID") || t.ends_with("#SAMLAssertionID")
                    }) =>
                {
                    match r.uri.as_deref().and_then(|u| u.strip_prefix('#')) {
                        Some(id) => id.to_owned(),
                        None => return Ok(None),
                    }
                }
                _ => return Ok(None),
            };
            let doc = req.secured.document();
            saml::assertion_by_id(doc, &id)
                .map(|n| Some((doc, n)))
                .ok_or(Error::InvalidRequest {
                    what: "target reference names no assertion in the request",
                })
        }
        _ => Ok(None),
    }
}

fn renewed_key(id: &str) -> Vec<u8> {
    format!("saml-renewed:{id}").into_bytes()
}

impl Engine {
    /// Our own assertion at `el`, checked as its issuer with `skew_ms` of tolerance.
    fn own_assertion(
        &self,
        doc: &Document,
        el: NodeId,
        now: i64,
        skew_ms: i64,
    ) -> Result<ValidatedAssertion, saml::Error> {
        let issuers: Vec<TrustedIssuer> = self
            .cfg
            .signing_certs()
            .map(|c| TrustedIssuer::named(c.clone(), self.cfg.issuer.clone()))
            .collect();
        let mut policy = saml::ValidationPolicy::new(&issuers, Vec::<String>::new(), now);
        policy.issuer_view = true;
        policy.skew_ms = skew_ms;
        policy.limits = self.cfg.limits.clone();
        saml::validate(doc, el, &policy)
    }

    /// Validate of an assertion: the status, and the assertion when valid.
    pub(super) fn validate_assertion(
        &self,
        doc: &Document,
        el: NodeId,
        now: i64,
    ) -> (Option<ValidatedAssertion>, Option<&'static str>) {
        match self.own_assertion(doc, el, now, 0) {
            Ok(a) => match self.renewal_status(&renewed_key(&a.id)) {
                None => (Some(a), None),
                status => (None, status),
            },
            Err(saml::Error::Expired) => (None, Some(EXPIRED)),
            Err(e) => {
                tracing::debug!(reason = %e, "validate: assertion not ours or not valid");
                (None, Some(UNKNOWN))
            }
        }
    }

    /// Renew of an assertion (see the module documentation and [`super::renewal`]).
    #[allow(clippy::too_many_arguments)] // the binding's parts, as `renew` has them
    pub(super) fn renew_assertion(
        &self,
        req: &ParsedRequest,
        rst: &RequestSecurityToken,
        who: &Requester,
        doc: &Document,
        el: NodeId,
        confidential: bool,
        now: i64,
    ) -> Result<RequestSecurityTokenResponse, Error> {
        // Expired assertions renew inside their realm's window: validate with the longest
        // window as tolerance; `renew_once` holds the assertion to its own realm's.
        let old = self
            .own_assertion(doc, el, now, self.renewal_tolerance_ms())
            .map_err(|_| Error::UnableToRenew {
                what: "not an assertion this STS issued, or outside every renewal window",
            })?;
        let key_holder = match (&old.confirmation, who.cert()) {
            (Confirmation::HolderOfKeyPublic(PublicKeyInfo::Certificate(k)), Some(c)) => {
                k.public_key() == c.public_key()
            }
            (Confirmation::HolderOfKeyPublic(PublicKeyInfo::RsaKeyValue(k)), Some(c)) => {
                k == c.public_key()
            }
            _ => false,
        };
        let key_type = match old.confirmation {
            Confirmation::Bearer => KeyType::Bearer,
            Confirmation::HolderOfKeyPublic(_) => KeyType::PublicKey,
            _ => KeyType::SymmetricKey,
        };
        let (same_type, token_type) = match old.version {
            SamlVersion::V11 => (
                rst.params
                    .token_type
                    .as_ref()
                    .is_some_and(|t| t.is_saml11()),
                TokenType::Saml11Profile,
            ),
            SamlVersion::V20 => (
                rst.params
                    .token_type
                    .as_ref()
                    .is_some_and(|t| t.is_saml20()),
                TokenType::Saml20Profile,
            ),
        };
        let renewable = Renewable {
            marker: renewed_key(&old.id),
            audience: old.audiences.first().cloned(),
            issued_ms: old.issue_instant_ms,
            expires_ms: old.not_on_or_after_ms,
            key_holder,
            same_type,
            key_type,
            token_type,
            provider: super::registry::saml(old.version),
            actor: old.actor,
            authority: old.subject.qualifier,
            subject: old.subject.value,
        };
        self.renew_once(req, rst, who, renewable, confidential, now)
    }
}
