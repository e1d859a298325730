//! What one request was and how it ended, as typed values ([`Summary`]): the server counts
//! its metrics and fills its trace span from these, never by reading the request or the
//! response text again.

use crate::soap::{Fault, FaultCode};
use crate::trust::RequestType;

use super::Error;

/// Why issued-token authentication refuses a bearer assertion seen before: counted as a
/// replay.
pub(crate) const BEARER_REPLAY: &str = "bearer assertion used before (replay)";

/// The outcome of one request, for metrics and traces.
#[derive(Clone, Debug, Default, Eq, PartialEq)]
#[non_exhaustive]
pub struct Summary {
    /// What the request asked, once the engine got as far as reading it.
    pub request_type: Option<RequestKind>,
    /// The realm the request was held to, if it got that far.
    pub realm: Option<String>,
    /// The type of the (first) token answered for, such as `saml2`, `sct` or `jwt`.
    pub token_type: Option<&'static str>,
    /// How many tokens the reply carries that were issued or renewed by it.
    pub tokens_issued: u32,
    /// The fault sent, by its local name (`InvalidRequest`, `FailedAuthentication`, …, or
    /// `Sender`/`Receiver`/`MustUnderstand`/`VersionMismatch` when it has no subcode).
    pub fault: Option<&'static str>,
    /// The request was refused as a replay (of a message, a nonce or a bearer token).
    pub replay: bool,
}

/// What a request asks: one value shared by the audit trail, the metrics and the traces.
#[derive(Clone, Copy, Debug, Eq, PartialEq, Hash)]
#[non_exhaustive]
pub enum RequestKind {
    /// A WS-Trust Issue (a security context, a SAML assertion, a JWT).
    Issue,
    /// A WS-Trust Renew.
    Renew,
    /// A WS-Trust Cancel (or STSCancel).
    Cancel,
    /// A WS-Trust Validate.
    Validate,
    /// An unsolicited RSTR carrying a security context (direct key transfer).
    KeyTransfer,
    /// An MSL-style key exchange.
    KeyExchange,
    /// Any other request type.
    Other,
}

impl RequestKind {
    /// The kind of a WS-Trust request of `request_type`.
    pub(crate) fn of(request_type: Option<&RequestType>) -> Self {
        match request_type {
            Some(RequestType::Issue) => Self::Issue,
            Some(RequestType::Renew) => Self::Renew,
            Some(RequestType::Cancel | RequestType::StsCancel) => Self::Cancel,
            Some(RequestType::Validate) => Self::Validate,
            _ => Self::Other,
        }
    }

    /// Its name in the audit trail and traces: `issue`, `renew`, `cancel`, `validate`,
    /// `key-transfer`, `keyx`, `other`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Issue => "issue",
            Self::Renew => "renew",
            Self::Cancel => "cancel",
            Self::Validate => "validate",
            Self::KeyTransfer => "key-transfer",
            Self::KeyExchange => "keyx",
            Self::Other => "other",
        }
    }
}

impl serde::Serialize for RequestKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl Summary {
    /// The summary of a refusal with `fault` for the error `e`.
    pub(crate) fn refused(mut self, fault: &Fault, e: &Error) -> Self {
        self.fault = Some(fault_local_name(fault));
        self.replay = is_replay(e);
        self.tokens_issued = 0;
        self
    }
}

/// The local name of the code that says most about `fault`.
pub fn fault_local_name(fault: &Fault) -> &'static str {
    match fault.subcode {
        Some(s) => s.qname("").2,
        None => match fault.code {
            FaultCode::Sender => "Sender",
            FaultCode::Receiver => "Receiver",
            FaultCode::MustUnderstand => "MustUnderstand",
            FaultCode::VersionMismatch => "VersionMismatch",
        },
    }
}

fn is_replay(e: &Error) -> bool {
    match e {
        Error::Security(crate::wss::Error::Replay) => true,
        // The bearer-assertion replay of issued-token authentication.
        Error::Authentication { what } => *what == BEARER_REPLAY,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::soap::FaultSubcode;

    #[test]
    fn fault_names_are_the_local_names() {
        let f = Fault::sender(FaultSubcode::InvalidScope);
        assert_eq!(fault_local_name(&f), "InvalidScope");
        let f = Fault::sender(FaultSubcode::InvalidSecurity);
        assert_eq!(fault_local_name(&f), "InvalidSecurity");
        assert_eq!(fault_local_name(&Fault::receiver()), "RequestFailed");
        let bare = Fault {
            subcode: None,
            ..Fault::receiver()
        };
        assert_eq!(fault_local_name(&bare), "Receiver");
    }

    #[test]
    fn replays_are_told_apart_by_type() {
        let base = Summary::default();
        let f = Fault::sender(FaultSubcode::InvalidSecurity);
        let s = base
            .clone()
            .refused(&f, &Error::Security(crate::wss::Error::Replay));
        assert!(s.replay);
        assert_eq!(s.fault, Some("InvalidSecurity"));
        let bearer = Error::Authentication {
            what: BEARER_REPLAY,
        };
        assert!(base.clone().refused(&f, &bearer).replay);
        let s = base.refused(
            &f,
            &Error::Authentication {
                what: "bad password",
            },
        );
        assert!(!s.replay);
    }
}
