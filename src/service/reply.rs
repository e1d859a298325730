//! The requester's side of pattern 4 (authenticated request/reply): a reply is accepted only
//! as the answer to the request it names.

use crate::crypto;
use crate::soap::Addressing;
use crate::wss::SecuredMessage;

use super::Error;

/// What the reply to one request must carry: `wsa:RelatesTo` naming the request's
/// `wsa:MessageID`, and a `wsse11:SignatureConfirmation` echoing the request's signature
/// value, both covered by the signature over the reply's Body.
#[derive(Clone, Debug)]
pub struct ReplyExpectation {
    /// The request's `wsa:MessageID`.
    pub message_id: String,
    /// The request's `SignatureValue`.
    pub signature_value: Vec<u8>,
}

impl ReplyExpectation {
    /// Checks a processed reply; `addressing` was read from its envelope.
    pub fn check(&self, reply: &SecuredMessage, addressing: &Addressing) -> Result<(), Error> {
        let env = reply.envelope()?;
        let doc = reply.document();
        let sig = reply.signature_over(env.body()).ok_or(Error::Message {
            what: "reply body not signed",
        })?;
        let relates = addressing.relates_to.as_deref().ok_or(Error::Message {
            what: "reply without RelatesTo",
        })?;
        if relates != self.message_id {
            return Err(Error::Message {
                what: "reply relates to another request",
            });
        }
        let relates_signed = addressing
            .nodes
            .iter()
            .any(|n| doc.name(*n).local == "RelatesTo" && reply.signed_by(sig, *n));
        if !relates_signed {
            return Err(Error::Message {
                what: "RelatesTo not signed",
            });
        }
        if !reply
            .signature_confirmations()
            .iter()
            .any(|v| crypto::ct_eq(v, &self.signature_value))
        {
            return Err(Error::Message {
                what: "reply does not confirm the request's signature",
            });
        }
        Ok(())
    }
}
