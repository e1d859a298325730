//! Delegation (`wst:OnBehalfOf`, `wst14:ActAs`): B presents a delegation token from A
//! ([`crate::service::delegation`]) signed with the key A shares with the target service T (the
//! key of A's security context for T). The STS checks, in order: the signature (HMAC with that
//! context's key, covering the token itself), the context (ours, not cancelled, not expired,
//! for T's realm), that A's context may delegate (a context obtained by delegation may be
//! delegated again only when it was marked delegatable), the token's expiry, that B is the
//! named delegate, that the target is the requested AppliesTo, and that the rights never
//! widen: delegated ⊆ A's rights and requested ⊆ delegated. The token then issued to B
//! records A as the principal B acts for.

use crate::service::delegation::Delegation;
use crate::trust::{Parameters, TokenHolder};
use crate::xml::ns;
use crate::xmlsec::{self, NoResolver, Signature, VerificationKey};

use super::context;
use super::realm::Realm;
use super::request::ParsedRequest;
use super::state::{Engine, Requester};
use super::Error;

/// Claim marking a delegated context that may be delegated again.
pub const DELEGATABLE: &str = "urn:wstrust:delegation:delegatable";
/// Claim recording an earlier delegator in a chain.
pub const VIA: &str = "urn:wstrust:delegation:via";

/// What a valid delegation grants.
pub(crate) struct Granted {
    pub(crate) delegator: String,
    pub(crate) claims: Vec<(String, String)>,
}

fn refuse(what: &'static str) -> Error {
    Error::Authentication { what }
}

fn is_right(name: &str) -> bool {
    name != DELEGATABLE && name != VIA
}

impl Engine {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn check_delegation(
        &self,
        _req: &ParsedRequest,
        holder: &TokenHolder,
        who: &Requester,
        realm: &Realm,
        params: &Parameters,
        requested: &[String],
        now: i64,
    ) -> Result<Granted, Error> {
        let (doc, el) = holder
            .content
            .first_element()
            .ok_or(Error::InvalidRequest {
                what: "empty delegation",
            })?;
        let d = Delegation::read(doc, el)?;
        let mut sigs = doc.children_named(el, ns::DS, "Signature");
        let sig_node = sigs
            .next()
            .ok_or_else(|| refuse("delegation token not signed"))?;
        if sigs.next().is_some() {
            return Err(refuse("delegation token with two signatures"));
        }
        let (id, instance) = &d.context;
        let state = context::open(&self.cfg.token_keys, &*self.store, id, instance.as_deref())
            .map_err(|_| refuse("delegator context unknown, cancelled or superseded"))?;
        if now >= state.expires_ms {
            return Err(refuse("delegator context expired"));
        }
        let policy = &self.realm_policy(realm);
        let sig = Signature::read(doc, sig_node, policy)?;
        let verified = xmlsec::verify(
            doc,
            &sig,
            VerificationKey::Hmac(state.key.expose()),
            policy,
            &NoResolver,
        )
        .map_err(|_| refuse("delegation signature does not verify"))?;
        if !verified.references(el) {
            return Err(refuse("delegation signature does not cover the token"));
        }
        if state.principal != d.delegator {
            return Err(refuse("delegator is not the context's principal"));
        }
        if state.audience != realm.name {
            return Err(refuse("delegator context is for another service"));
        }
        if self.cfg.realm_for(Some(&d.target))?.name != realm.name
            || params.applies_to.as_ref().and_then(|a| a.target_address())
                != Some(d.target.as_str())
        {
            return Err(refuse("delegation for another target"));
        }
        if state.act_as.is_some()
            && !state
                .claims
                .iter()
                .any(|(n, v)| n == DELEGATABLE && v == "true")
        {
            return Err(refuse("re-delegation of a context that is not delegatable"));
        }
        if now >= d.expires_ms {
            return Err(refuse("delegation expired"));
        }
        if d.delegate != who.principal() {
            return Err(refuse("requester is not the delegate"));
        }
        let held: Vec<&str> = state
            .claims
            .iter()
            .filter(|(n, _)| is_right(n))
            .map(|(n, _)| n.as_str())
            .collect();
        if !d.rights.iter().all(|r| held.contains(&r.as_str())) {
            return Err(refuse("delegation widens the delegator's rights"));
        }
        if !requested.iter().all(|r| d.rights.contains(r)) {
            return Err(refuse("request widens the delegated rights"));
        }
        let granted: Vec<&String> = if requested.is_empty() {
            d.rights.iter().collect()
        } else {
            requested.iter().collect()
        };
        let mut claims: Vec<(String, String)> = granted
            .into_iter()
            .map(|r| (r.clone(), String::new()))
            .collect();
        if d.delegatable {
            claims.push((DELEGATABLE.to_owned(), "true".to_owned()));
        }
        if let Some(prev) = &state.act_as {
            claims.push((VIA.to_owned(), prev.clone()));
        }
        Ok(Granted {
            delegator: d.delegator,
            claims,
        })
    }
}
