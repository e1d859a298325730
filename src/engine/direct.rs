//! Direct key transfer (WS-Trust 1.4 Appendix): an initiator makes a security context and its
//! key and sends the STS an unsolicited RSTR, signed (Body and Timestamp) with its
//! certificate, whose RequestedProofToken carries the key encrypted for the STS. The STS
//! checks the signature (the certificate must be trusted as a client), decrypts the key and
//! registers the context in the token store under the initiator's identifier, as a stateful
//! context of the initiator; messages signed with that key, or a key derived from it, are then
//! accepted. An identifier already registered (a replayed propagation) or one in our own
//! identifier space is refused. The answer is an RSTR naming the registered context.

use crate::service::read_propagation;
use crate::trust::{Lifetime, RequestSecurityTokenResponse, RequestedReference};
use crate::wss::{Requirements, SigningToken};

use super::context;
use super::ids::random8;
use super::request::ParsedRequest;
use super::sealed::ContextState;
use super::state::{Engine, Outcome};
use super::Error;

/// Lifetime of a propagated context whose RSTR names none, in ms.
const DEFAULT_LIFETIME_MS: i64 = 3_600_000;
/// Audience recorded for propagated contexts.
pub const DIRECT_AUDIENCE: &str = "urn:wstrust:direct";

impl Engine {
    pub(crate) fn accept_propagation(
        &self,
        req: &ParsedRequest,
        rstr: &RequestSecurityTokenResponse,
        now: i64,
    ) -> Result<Outcome, Error> {
        let sec = &req.secured;
        Requirements {
            body_signed: true,
            timestamp_signed: true,
            ..Requirements::default()
        }
        .check(sec)?;
        let body = sec.envelope()?.body();
        let Some(SigningToken::X509(initiator)) = sec.signature_over(body).map(|s| s.token())
        else {
            return Err(Error::Authentication {
                what: "propagation not signed by a certificate",
            });
        };
        let p = read_propagation(rstr, &self.cfg.signing_key, &self.cfg.inbound.xmlsec)?;
        if context::is_ours(&p.identifier) {
            return Err(Error::InvalidRequest {
                what: "propagated identifier in our own space",
            });
        }
        let expires = p
            .expires_ms
            .unwrap_or_else(|| now.saturating_add(DEFAULT_LIFETIME_MS));
        if expires <= now {
            return Err(Error::InvalidRequest {
                what: "propagated context already expired",
            });
        }
        let state = ContextState {
            principal: initiator.subject().to_owned(),
            act_as: None,
            claims: Vec::new(),
            key: p.key,
            created_ms: now,
            expires_ms: expires,
            renew_until_ms: 0,
            instance: 0,
            audience: DIRECT_AUDIENCE.to_owned(),
            serial: u64::from_be_bytes(random8()?),
            authority: None,
        };
        context::create(
            &self.cfg.token_keys,
            &*self.store,
            &state,
            Some(&p.identifier),
        )
        .map_err(|_| Error::Authentication {
            what: "context already registered (replayed propagation)",
        })?;
        let sc = rstr.version.secure_conversation();
        let mut out = RequestSecurityTokenResponse::new(rstr.version);
        out.context = rstr.context.clone();
        out.params.token_type = rstr.params.token_type.clone();
        out.params.lifetime = Lifetime::from_seconds(now / 1000, expires / 1000);
        out.requested_unattached_reference = Some(RequestedReference::by_reference(
            &p.identifier,
            Some(sc.sct_token_type()),
            None,
        )?);
        Ok(Outcome {
            rstr: out,
            reply_key: None,
        })
    }
}
