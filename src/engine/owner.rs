//! Who may renew or cancel a security context: its proof-key holder, or its owner.
//!
//! # Proof of possession
//!
//! WS-Trust 1.3 (§5, §6) leaves it to the STS how a Renew or Cancel request proves the right
//! to act on the target token; the usual proof, and the one WS-SecureConversation describes,
//! is possession of the context's key: the request Body is signed with that key or a key
//! derived from it. That proof is always accepted.
//!
//! # Owner authentication
//!
//! A requester may instead authenticate the way it authenticated to get the context in the
//! first place (a UsernameToken over a confidential channel, or an X.509 signature over the
//! Body) as the *same principal* the context was issued to. This is what SOAP stacks that
//! cannot sign with a symmetric key (zeep, node-soap) need to renew or cancel what they were
//! issued. It is no weaker than proof of possession, because that principal could, with the
//! very same credentials, simply ask for a fresh context with the same rights:
//!
//! * the principal is compared with the context state's principal (constant time); for a
//!   delegated context that is the *holder* (the delegate that asked), never the `act_as`
//!   identity, so a delegator cannot take over a context issued to its delegate;
//! * so is the principal's *authority*: a subject another STS authenticated (issued-token
//!   authentication) is its trusted issuer's, a local user or certificate is ours, and a
//!   name from one never matches the same name from the other;
//! * rights never widen: a renewal keeps principal, `act_as`, claims and audience, only key,
//!   lifetime and instance change;
//! * the target must open as the current instance (a superseded or cancelled one is refused),
//!   and renewal stays inside the renewal window, exactly as for the key holder;
//! * the new proof key of a renewal must reach the requester confidentially: encrypted for
//!   its certificate when it signed with one, as a BinarySecret only over a confidential
//!   channel, else the renewal is refused before anything changes.
//!
//! A realm may turn owner authentication off ([`Realm::owner_renewal`]); then only the key
//! holder renews or cancels.
//!
//! [`Realm::owner_renewal`]: super::config::Realm::owner_renewal

use super::context::{self, Refusal};
use super::sealed::ContextState;
use super::state::{Engine, Requester};
use super::Error;

/// How the requester was found entitled to act on a context.
pub(crate) struct Entitled {
    /// The context's state at the target instance.
    pub(crate) state: ContextState,
    /// The instance text of that state (none for the first generation).
    pub(crate) instance: Option<String>,
    /// True when the requester authenticated as the owner, not with the context's key.
    pub(crate) by_owner: bool,
}

impl Engine {
    /// Checks that `who` may renew or cancel context `identifier` at `instance` (the target's
    /// instance, if it named one): by the context's key, or as its owner (see the module
    /// documentation).
    pub(crate) fn entitled(
        &self,
        who: &Requester,
        identifier: &str,
        instance: Option<String>,
    ) -> Result<Entitled, Error> {
        if let Some(used) = who.context() {
            if used.identifier != identifier {
                return Err(Error::Authentication {
                    what: "signed with another context's key than the target's",
                });
            }
            if instance.is_some() && instance != used.instance {
                return Err(Error::Authentication {
                    what: "signed with another instance than the target",
                });
            }
            return Ok(Entitled {
                state: used.state.clone(),
                instance: used.instance.clone(),
                by_owner: false,
            });
        }
        let state = context::open_exact(
            &self.cfg.token_keys,
            &*self.store,
            identifier,
            instance.as_deref(),
        )
        .map_err(|r| match r {
            Refusal::Store => Error::Internal {
                what: "token store",
            },
            Refusal::Cancelled => Error::Authentication {
                what: "target context is cancelled",
            },
            Refusal::Superseded => Error::Authentication {
                what: "target instance was superseded by a renewal",
            },
            Refusal::Unknown => Error::Authentication {
                what: "target context unknown",
            },
        })?;
        let allowed = self
            .cfg
            .realm_named(&state.audience)
            .is_some_and(|r| r.owner_renewal);
        if !allowed {
            return Err(Error::Authentication {
                what: "the realm requires proof of possession of the context key",
            });
        }
        if !who.is(&state.principal, state.authority.as_deref()) {
            return Err(Error::Authentication {
                what: "requester is not the principal the context was issued to",
            });
        }
        Ok(Entitled {
            state,
            instance,
            by_owner: true,
        })
    }
}
