//! The Cancel binding (WS-Trust 1.3 §6): the proof-key holder cancels (the request Body is
//! signed with the context's key or a key derived from it), or the context's owner does,
//! authenticated by password or certificate as the principal the context was issued to (see
//! [`owner`](super::owner); a realm may require proof of possession). An owner cancels the
//! current instance of a context that is still valid or renewable (inside its renewal
//! window). The identifier is marked cancelled in the token store, so every instance of the
//! context is refused from then on, by this STS and by every service sharing the store.

use crate::trust::RequestSecurityTokenResponse;

use super::call::Call;
use super::context;
use super::state::{Engine, Outcome};
use super::target::target_of;
use super::Error;

impl Engine {
    pub(crate) fn cancel(&self, call: Call<'_>) -> Result<Outcome, Error> {
        let (req, rst, who) = (call.req, call.rst, call.who);
        let now = call.now;
        let holder = rst
            .params
            .cancel_target
            .as_ref()
            .ok_or(Error::InvalidRequest {
                what: "cancel without CancelTarget",
            })?;
        let (identifier, instance) = target_of(req, holder)?;
        // The key holder cancels the whole context whichever instance it names (as before
        // owner authentication existed); an owner must name the current one.
        let instance = instance.filter(|_| who.context().is_none());
        let entitled = self.entitled(who, &identifier, instance)?;
        let state = &entitled.state;
        if entitled.by_owner && now >= state.expires_ms.max(state.renew_until_ms) {
            return Err(Error::InvalidRequest {
                what: "cancellation of a context expired beyond its renewal window",
            });
        }
        // The context's realm decides the algorithms (one no longer configured, or a
        // propagated context: the STS's own).
        match self.cfg.realm_named(&state.audience) {
            Some(realm) => self.enforce_suite(req, realm)?,
            None => self.enforce_sts_suite(req)?,
        }
        context::cancel(&*self.store, &identifier, state)?;
        let mut rstr = RequestSecurityTokenResponse::new(rst.version);
        rstr.context = rst.context.clone();
        rstr.requested_token_cancelled = true;
        Ok(Outcome {
            rstr,
            reply_key: None,
        })
    }
}
