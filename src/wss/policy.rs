//! Required protection, checked on the [`SecuredMessage`] record by location, never by name
//! lookups in raw XML.

use crate::xml::ns;

use super::{Error, SecuredMessage};

/// What a message must carry. `Default` requires nothing beyond what processing enforces.
#[derive(Clone, Debug, Default, Eq, PartialEq)]
#[non_exhaustive]
pub struct Requirements {
    /// The SOAP Body is covered by a signature.
    pub body_signed: bool,
    /// The Timestamp is covered by the same signature as the Body.
    pub timestamp_signed: bool,
    /// The Body content arrived encrypted.
    pub body_encrypted: bool,
    /// Every `ds:Signature` arrived encrypted.
    pub signature_encrypted: bool,
    /// The WS-Addressing headers are covered by the Body's signature.
    pub addressing_signed: bool,
}

impl Requirements {
    /// Checks `msg` against these requirements.
    pub fn check(&self, msg: &SecuredMessage) -> Result<(), Error> {
        let env = msg.envelope()?;
        let doc = msg.document();
        let body = env.body();
        let body_sig = msg.signature_over(body);
        if self.body_signed && body_sig.is_none() {
            return Err(Error::Policy {
                what: "body not signed",
            });
        }
        if self.timestamp_signed {
            let ts = msg.timestamp_node().ok_or(Error::Policy {
                what: "timestamp missing",
            })?;
            let same = match body_sig {
                Some(s) => msg.signed_by(s, ts),
                None => msg.is_signed(ts),
            };
            if !same {
                return Err(Error::Policy {
                    what: "timestamp not signed with the body",
                });
            }
        }
        if self.body_encrypted {
            let content = env
                .body_element()
                .ok_or(Error::Policy { what: "empty body" })?;
            if !msg.was_encrypted(content) {
                return Err(Error::Policy {
                    what: "body not encrypted",
                });
            }
        }
        if self.signature_encrypted {
            for s in msg.signatures() {
                let node = msg.signature_node(s).ok_or(Error::Policy {
                    what: "signature missing",
                })?;
                if !msg.was_encrypted(node) {
                    return Err(Error::Policy {
                        what: "signature not encrypted",
                    });
                }
            }
        }
        if self.addressing_signed {
            for b in env.header_blocks() {
                let n = doc.name(b.node);
                if (n.ns == ns::WSA || n.ns == ns::WSA_2004)
                    && !body_sig.is_some_and(|s| msg.signed_by(s, b.node))
                {
                    return Err(Error::Policy {
                        what: "addressing header not signed",
                    });
                }
            }
        }
        Ok(())
    }
}
