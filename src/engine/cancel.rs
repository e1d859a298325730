//! The Cancel binding (WS-Trust 1.3 §6): only the proof-key holder cancels (the request Body
//! is signed with the context's key or a key derived from it). The identifier is marked
//! cancelled in the token store, so every instance of the context is refused from then on, by
//! this STS and by every service sharing the store.

use crate::trust::{RequestSecurityToken, RequestSecurityTokenResponse};

use super::context;
use super::request::ParsedRequest;
use super::sts::{Engine, Outcome, Requester};
use super::target::target_of;
use super::Error;

impl Engine {
    pub(crate) fn cancel(
        &self,
        req: &ParsedRequest,
        rst: &RequestSecurityToken,
        who: &Requester,
    ) -> Result<Outcome, Error> {
        let holder = rst
            .params
            .cancel_target
            .as_ref()
            .ok_or(Error::InvalidRequest {
                what: "cancel without CancelTarget",
            })?;
        let (identifier, _) = target_of(req, holder)?;
        let used = who
            .context
            .as_ref()
            .filter(|c| c.identifier == identifier)
            .ok_or(Error::Authentication {
                what: "cancellation not signed with the target's key",
            })?;
        context::cancel(&*self.store, &identifier, &used.state)?;
        let mut rstr = RequestSecurityTokenResponse::new(rst.version);
        rstr.context = rst.context.clone();
        rstr.requested_token_cancelled = true;
        Ok(Outcome {
            rstr,
            reply_key: None,
        })
    }
}
