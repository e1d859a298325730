//! The security contexts the engine issued: where their state lives and how it is opened,
//! renewed and cancelled.
//!
//! # Stateless (default) and stateful contexts
//!
//! A *stateless* context carries its state sealed in its `wsc:Identifier`
//! ([`sealed::identifier`], `urn:wstrust:sct:…`); nothing is stored when it is issued. A
//! *stateful* context (realm option [`Realm::stateful`](super::config::Realm::stateful)) has a
//! random `urn:uuid:` identifier and its state, sealed just the same, in the token store
//! (space `Context`), so the key never sits in the store in the clear.
//!
//! # Renewal keeps the identifier and changes the instance
//!
//! WS-SecureConversation names a context by `wsc:Identifier` and distinguishes its key
//! generations by `wsc:Instance`; a renewal must keep the first and change the second. For a
//! stateless context the identifier cannot change (it is what services and references know),
//! yet it seals the *first* state. The renewed state is therefore sealed into the *instance*:
//! `wsc:Instance` = `urn:wstrust:sct-instance:` + the sealed state of that generation (new key,
//! new lifetime, generation number, and the context's serial). Opening `(identifier, instance)`
//! opens both blobs and requires the same serial and principal, so an instance of one context
//! cannot be grafted onto another. A stateful context simply stores the new state; its instance
//! is the generation number in decimal.
//!
//! Each renewal marks the instance it replaces as superseded in the store (space `Revoked`,
//! [`sct::superseded_key`]) with an atomic insert-if-absent, so an instance renews at most once
//! and the old key stops working at once. Cancellation marks the identifier
//! ([`sct::cancelled_key`]): every instance is refused from then on, by the STS and by any
//! service sharing the store. A store failure refuses the context (fail closed).

use super::sealed::{self, ContextState, TokenKeys};
use super::Error;
use crate::crypto;
use crate::service::sct;
use crate::store::{Space, TokenStore};

/// Prefix of a `wsc:Instance` carrying a sealed per-generation state.
pub const INSTANCE_PREFIX: &str = "urn:wstrust:sct-instance:";

/// How long a stateful context's record outlives its renewal window, so that a late renewal is
/// answered `wst:UnableToRenew` rather than "unknown", in ms.
const STATEFUL_GRACE_MS: i64 = 86_400_000;

/// Why a context did not open.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum Refusal {
    /// Not ours, tampered with, or no longer stored.
    Unknown,
    /// Cancelled.
    Cancelled,
    /// Replaced by a renewal.
    Superseded,
    /// The store could not be asked.
    Store,
}

impl Refusal {
    /// A fixed reason code (for `wst:Status/wst:Reason` and logs).
    pub fn reason(self) -> &'static str {
        match self {
            Self::Unknown => "urn:wstrust:status:unknown-token",
            Self::Cancelled => "urn:wstrust:status:cancelled",
            Self::Superseded => "urn:wstrust:status:superseded",
            Self::Store => "urn:wstrust:status:unavailable",
        }
    }
}

fn marked(store: &dyn TokenStore, key: &[u8]) -> Result<bool, Refusal> {
    store
        .get(Space::Revoked, key)
        .map(|v| v.is_some())
        .map_err(|_| Refusal::Store)
}

/// True for identifiers the engine makes (a propagated context may not take one).
pub fn is_ours(identifier: &str) -> bool {
    identifier.starts_with(sealed::IDENTIFIER_PREFIX)
}

/// Opens context `identifier` at generation `instance` (expiry is the caller's business).
pub fn open(
    keys: &TokenKeys,
    store: &dyn TokenStore,
    identifier: &str,
    instance: Option<&str>,
) -> Result<ContextState, Refusal> {
    if marked(store, &sct::cancelled_key(identifier))? {
        return Err(Refusal::Cancelled);
    }
    let state = if is_ours(identifier) {
        let base = sealed::from_identifier(keys, identifier).map_err(|_| Refusal::Unknown)?;
        match instance {
            None => base,
            Some(i) => {
                let blob = i
                    .strip_prefix(INSTANCE_PREFIX)
                    .ok_or(Refusal::Unknown)
                    .and_then(|b| {
                        sealed::from_identifier(keys, &format!("{}{b}", sealed::IDENTIFIER_PREFIX))
                            .map_err(|_| Refusal::Unknown)
                    })?;
                if blob.serial != base.serial
                    || !crypto::ct_eq(blob.principal.as_bytes(), base.principal.as_bytes())
                {
                    return Err(Refusal::Unknown);
                }
                blob
            }
        }
    } else {
        let v = store
            .get(Space::Context, identifier.as_bytes())
            .map_err(|_| Refusal::Store)?
            .ok_or(Refusal::Unknown)?;
        let state = sealed::open(keys, &v).map_err(|_| Refusal::Unknown)?;
        // A stateful context answers its current generation; a named older one is superseded.
        if let Some(i) = instance {
            if i != instance_number(&state) {
                return Err(Refusal::Superseded);
            }
        }
        state
    };
    // Stateful contexts answer by generation number (above); sealed ones by the marker.
    if is_ours(identifier) && marked(store, &sct::superseded_key(identifier, instance))? {
        return Err(Refusal::Superseded);
    }
    Ok(state)
}

/// Opens context `identifier` at exactly generation `instance`, where no instance means the
/// first generation: unlike [`open`], a stateful context renewed since is then
/// [`Refusal::Superseded`] rather than its current generation. For Validate and for owners
/// naming a target, who must name what they hold.
pub fn open_exact(
    keys: &TokenKeys,
    store: &dyn TokenStore,
    identifier: &str,
    instance: Option<&str>,
) -> Result<ContextState, Refusal> {
    let state = open(keys, store, identifier, instance)?;
    if instance.is_none() && state.instance != 0 {
        return Err(Refusal::Superseded);
    }
    Ok(state)
}

fn instance_number(state: &ContextState) -> String {
    state.instance.to_string()
}

/// A new context for `state`: its identifier, and its instance text (none for the first
/// generation). Stateful contexts are stored; an existing identifier is never overwritten.
pub fn create(
    keys: &TokenKeys,
    store: &dyn TokenStore,
    state: &ContextState,
    stateful_identifier: Option<&str>,
) -> Result<String, Error> {
    match stateful_identifier {
        None => Ok(sealed::identifier(&sealed::seal(keys, state)?)),
        Some(id) => {
            let blob = sealed::seal(keys, state)?;
            let until = state.renew_until_ms.max(state.expires_ms) + STATEFUL_GRACE_MS;
            match store.insert_if_absent(Space::Context, id.as_bytes(), &blob, until) {
                Ok(true) => Ok(id.to_owned()),
                Ok(false) => Err(Error::InvalidRequest {
                    what: "a context with this identifier exists",
                }),
                Err(_) => Err(Error::Internal {
                    what: "token store",
                }),
            }
        }
    }
}

/// The instance text of `state` (generation > 0) for context `identifier`.
pub fn instance_text(
    keys: &TokenKeys,
    identifier: &str,
    state: &ContextState,
) -> Result<Option<String>, Error> {
    if state.instance == 0 {
        return Ok(None);
    }
    if is_ours(identifier) {
        let id = sealed::identifier(&sealed::seal(keys, state)?);
        let b = id
            .strip_prefix(sealed::IDENTIFIER_PREFIX)
            .ok_or(Error::Internal { what: "instance" })?;
        Ok(Some(format!("{INSTANCE_PREFIX}{b}")))
    } else {
        Ok(Some(instance_number(state)))
    }
}

/// Replaces generation `old_instance` of `identifier` by `new` (whose `instance` is one more):
/// marks the old one superseded (at most once: a second renewal of one instance is
/// `wst:UnableToRenew`), stores the new state for stateful contexts, and returns the new
/// instance text.
pub fn renew(
    keys: &TokenKeys,
    store: &dyn TokenStore,
    identifier: &str,
    old_instance: Option<&str>,
    old: &ContextState,
    new: &ContextState,
) -> Result<String, Error> {
    let until = old.renew_until_ms.max(old.expires_ms) + STATEFUL_GRACE_MS;
    match store.insert_if_absent(
        Space::Revoked,
        &sct::superseded_key(identifier, old_instance),
        b"",
        until,
    ) {
        Ok(true) => {}
        Ok(false) => {
            return Err(Error::UnableToRenew {
                what: "this instance was renewed already",
            })
        }
        Err(_) => {
            return Err(Error::Internal {
                what: "token store",
            })
        }
    }
    if !is_ours(identifier) {
        let blob = sealed::seal(keys, new)?;
        let until = new.renew_until_ms.max(new.expires_ms) + STATEFUL_GRACE_MS;
        store
            .put(Space::Context, identifier.as_bytes(), &blob, until)
            .map_err(|_| Error::Internal {
                what: "token store",
            })?;
    }
    instance_text(keys, identifier, new)?.ok_or(Error::Internal {
        what: "renewed instance",
    })
}

/// Cancels context `identifier`: refused everywhere from now on.
pub fn cancel(store: &dyn TokenStore, identifier: &str, state: &ContextState) -> Result<(), Error> {
    let until = state.renew_until_ms.max(state.expires_ms) + STATEFUL_GRACE_MS;
    store
        .put(Space::Revoked, &sct::cancelled_key(identifier), b"", until)
        .map_err(|_| Error::Internal {
            what: "token store",
        })?;
    if !is_ours(identifier) {
        let _ = store.remove(Space::Context, identifier.as_bytes());
    }
    Ok(())
}
