//! The Validate binding (WS-Trust 1.3 §7): any authenticated requester (typically a service)
//! asks whether a context token, or a SAML assertion we issued
//! ([`saml_lifecycle`](super::saml_lifecycle)) or a JWT we issued
//! ([`jwt_lifecycle`](super::jwt_lifecycle)), is valid. The answer is a `wst:Status` with code `valid` or
//! `invalid` and, when invalid, a fixed reason code (`urn:wstrust:status:expired`,
//! `…:cancelled`, `…:superseded`, `…:unknown-token`). When the request asks for a security
//! context token type instead of the status type, and the token is valid, a new context is
//! issued to the requester for the validated principal (token exchange), in the realm of the
//! request's AppliesTo.

use crate::trust::{RequestSecurityTokenResponse, Status, StatusCode, TokenType};

use super::call::Call;
use super::context;
use super::issue::NewContext;
use super::jwt_lifecycle::jwt_target;
use super::policy::Holder;
use super::saml_lifecycle::{saml_target, EXPIRED};
use super::state::{Engine, Outcome};
use super::target::target_of;
use super::Error;

/// Whom a valid target names (what a token exchange issues for).
struct Subject {
    principal: String,
    /// The domain of the principal's name (a federated subject's trusted issuer).
    authority: Option<String>,
    act_as: Option<String>,
    claims: Vec<(String, String)>,
}

impl Engine {
    pub(crate) fn validate(&self, call: Call<'_>) -> Result<Outcome, Error> {
        let (req, rst, who) = (call.req, call.rst, call.who);
        let (confidential, now) = (call.confidential, call.now);
        let params = &rst.params;
        let holder = params
            .validate_target
            .as_ref()
            .ok_or(Error::InvalidRequest {
                what: "validate without ValidateTarget",
            })?;
        let opened;
        // The realm the target was issued for (its audience), when the target is ours.
        let mut target_realm: Option<String> = None;
        let (valid, reason) = match saml_target(req, holder)? {
            Some((doc, el)) => match self.validate_assertion(doc, el, now) {
                (Some(a), None) => {
                    target_realm = a
                        .audiences
                        .first()
                        .and_then(|au| self.cfg.realm_for(Some(au)).ok())
                        .map(|r| r.name.clone());
                    (
                        Some(Subject {
                            principal: a.subject.value,
                            authority: a.subject.qualifier,
                            act_as: a.actor,
                            claims: Vec::new(),
                        }),
                        None,
                    )
                }
                (_, reason) => (None, reason),
            },
            None if jwt_target(holder)?.is_some() => {
                let compact = jwt_target(holder)?.unwrap_or_default();
                match self.validate_jwt(&compact, now) {
                    (Some(j), None) => (
                        Some(Subject {
                            principal: j.subject,
                            authority: j.identity_provider,
                            act_as: j.act_as,
                            claims: Vec::new(),
                        }),
                        None,
                    ),
                    (_, reason) => (None, reason),
                }
            }
            None => {
                let (identifier, instance) = target_of(req, holder)?;
                opened = context::open_exact(
                    &self.cfg.token_keys,
                    &*self.store,
                    &identifier,
                    instance.as_deref(),
                );
                if let Ok(s) = &opened {
                    target_realm = Some(s.audience.clone());
                }
                match &opened {
                    Ok(s) if now < s.expires_ms => (
                        Some(Subject {
                            principal: s.principal.clone(),
                            authority: s.authority.clone(),
                            act_as: s.act_as.clone(),
                            claims: s.claims.clone(),
                        }),
                        None,
                    ),
                    Ok(_) => (None, Some(EXPIRED)),
                    Err(r) => (None, Some(r.reason())),
                }
            }
        };
        // Held to the suite of the target's realm (the STS's own when the target is not ours).
        match target_realm
            .as_deref()
            .and_then(|n| self.cfg.realm_named(n))
        {
            Some(realm) => self.enforce_suite(req, realm)?,
            None => self.enforce_sts_suite(req)?,
        }
        let status = Status {
            code: if valid.is_some() {
                StatusCode::Valid
            } else {
                StatusCode::Invalid
            },
            reason: reason.map(str::to_owned),
        };
        let wants_new = params.token_type.as_ref().is_some_and(|t| !t.is_status());
        let mut rstr = match (wants_new, valid) {
            (false, _) | (true, None) => {
                let mut r = RequestSecurityTokenResponse::new(rst.version);
                r.context = rst.context.clone();
                r.params.token_type = Some(TokenType::status(rst.version));
                r
            }
            (true, Some(state)) => {
                if !params.token_type.as_ref().is_some_and(TokenType::is_sct) {
                    return Err(Error::InvalidRequest {
                        what: "validation to this token type is not supported",
                    });
                }
                let realm = self
                    .cfg
                    .realm_for(params.applies_to.as_ref().and_then(|a| a.target_address()))?;
                self.enforce_suite(req, realm)?;
                let nc = NewContext {
                    principal: state.principal,
                    authority: state.authority,
                    act_as: state.act_as,
                    claims: state.claims,
                    realm,
                };
                let holder = Holder {
                    cert: who.cert().is_some(),
                    confidential,
                    context_key: false,
                };
                let sym = self.sct_proof(params, realm, holder)?;
                self.new_context(rst, &nc, who.cert(), &sym, now)?
            }
        };
        rstr.status = Some(status);
        Ok(Outcome {
            rstr,
            reply_key: None,
        })
    }
}
