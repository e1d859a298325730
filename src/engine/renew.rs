//! The Renew binding (WS-Trust 1.3 §5): the proof-key holder renews (the request Body is
//! signed with the context's key or a key derived from it), or the context's owner does,
//! authenticated by password or certificate as the principal the context was issued to (see
//! [`owner`](super::owner) for why that is no weaker, and the realm option that turns it off).
//! Either way only until the end of the renewal window (an expired context may sign its own
//! renewal; past the window the answer is `wst:UnableToRenew`), and only from the current
//! instance. The renewed context keeps its identifier, principal, `act_as`, claims and
//! audience, and gets a new instance and lifetime, and a new key unless the realm says
//! otherwise; the old instance is superseded at once (see [`context`](super::context)).
//!
//! The new key goes back as a proof token. A key holder authenticated with the old key, not a
//! certificate, so unless the channel is confidential the reply is encrypted with the old key
//! (named by a reference to the context identifier). An owner gets the key encrypted for the
//! certificate it signed with, or as a BinarySecret over a confidential channel; with neither
//! the renewal is refused before the context changes.

use crate::trust::TokenType;

use super::call::Call;
use super::context;
use super::jwt_lifecycle::jwt_target;
use super::policy::{self, KeyRequest};
use super::saml_lifecycle::saml_target;
use super::sealed::ContextState;
use super::state::{Engine, Outcome, ReplyKey};
use super::target::target_of;
use super::Error;

impl Engine {
    pub(crate) fn renew(&self, call: Call<'_>) -> Result<Outcome, Error> {
        let (req, rst, who) = (call.req, call.rst, call.who);
        let (confidential, now) = (call.confidential, call.now);
        let params = &rst.params;
        let holder = params.renew_target.as_ref().ok_or(Error::InvalidRequest {
            what: "renew without RenewTarget",
        })?;
        if let Some((doc, el)) = saml_target(req, holder)? {
            let rstr = self.renew_assertion(req, rst, who, doc, el, confidential, now)?;
            return Ok(Outcome {
                rstr,
                reply_key: None,
            });
        }
        if let Some(compact) = jwt_target(holder)? {
            let rstr = self.renew_jwt(req, rst, who, &compact, confidential, now)?;
            return Ok(Outcome {
                rstr,
                reply_key: None,
            });
        }
        let (identifier, instance) = target_of(req, holder)?;
        if let Some(t) = &params.token_type {
            if !t.is_sct() {
                return Err(Error::InvalidRequest {
                    what: "renewal to another token type",
                });
            }
        }
        let entitled = self.entitled(who, &identifier, instance)?;
        let old = &entitled.state;
        if old.renew_until_ms == 0 {
            return Err(Error::UnableToRenew {
                what: "token issued as not renewable",
            });
        }
        if now >= old.renew_until_ms {
            return Err(Error::UnableToRenew {
                what: "expired beyond the renewal window",
            });
        }
        let realm = self
            .cfg
            .realm_named(&old.audience)
            .ok_or(Error::UnableToRenew {
                what: "the token's realm is gone",
            })?;
        self.enforce_suite(req, realm)?;
        let default_bits = u32::try_from(old.key.len() * 8).unwrap_or(realm.key_size_bits);
        let proof = if realm.rekey_on_renew {
            let req = KeyRequest::of(params);
            let (material, bits) = policy::symmetric(&req, &self.cfg.key_policy, default_bits)?;
            Some(super::issue::proof(params, material, bits)?)
        } else {
            None
        };
        // How the new key reaches the requester, decided before anything changes.
        let owner_cert = who.cert().filter(|_| entitled.by_owner);
        if entitled.by_owner && proof.is_some() && owner_cert.is_none() && !confidential {
            return Err(Error::InvalidRequest {
                what: "no way to deliver the renewed key to the owner confidentially",
            });
        }
        let expires = super::issue::lifetime_end(params, realm, now);
        let renew_until = if old.renew_until_ms == old.expires_ms {
            expires
        } else {
            expires.saturating_add(realm.renewal_window_secs.saturating_mul(1000))
        };
        let new = ContextState {
            key: proof
                .as_ref()
                .map_or_else(|| old.key.clone(), |p| p.key.key.clone()),
            created_ms: now,
            expires_ms: expires,
            renew_until_ms: renew_until,
            instance: old.instance.checked_add(1).ok_or(Error::UnableToRenew {
                what: "instance counter exhausted",
            })?,
            ..old.clone()
        };
        let new_instance = context::renew(
            &self.cfg.token_keys,
            &*self.store,
            &identifier,
            entitled.instance.as_deref(),
            old,
            &new,
        )?;
        let mut rstr = self.token_rstr(rst, &identifier, Some(&new_instance), &new, realm)?;
        rstr.params.token_type = Some(TokenType::sct(rst.version));
        let reply_key = if confidential || entitled.by_owner {
            None
        } else {
            Some(ReplyKey::Context {
                key: old.key.clone(),
                identifier,
                sc: rst.version.secure_conversation(),
            })
        };
        if let Some(p) = &proof {
            // Confidential either way: the owner's certificate, TLS, or the reply encrypted
            // with the old key.
            super::issue::deliver_proof(&mut rstr, p, owner_cert)?;
        }
        Ok(Outcome { rstr, reply_key })
    }
}
