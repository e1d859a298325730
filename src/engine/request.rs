//! A typed request, authenticated as far as the message goes (envelope, security header,
//! WS-Addressing, the WS-Trust message in the Body): read by
//! [`trust::request`](crate::trust::request), below the engine, which parses no XML itself.

use super::Error;
pub use crate::trust::request::Incoming;
use crate::trust::request::{self as trust_request, RequestError, SecuredRequest};
use crate::wss::{Environment, InboundConfig};
use crate::xmlsec::Suite;

/// A request whose security header was processed and whose Body is a WS-Trust message (its
/// parts, [`SecuredRequest`], read as fields: `req.secured`, `req.message`, ...), and the
/// suite it has been held to.
#[derive(Debug)]
pub struct ParsedRequest {
    /// The request as read.
    pub request: SecuredRequest,
    /// The strictest realm suite the request has been held to (see
    /// [`algorithms`](super::algorithms)).
    pub(crate) suite: SuiteCheck,
}

impl std::ops::Deref for ParsedRequest {
    type Target = SecuredRequest;

    fn deref(&self) -> &SecuredRequest {
        &self.request
    }
}

/// Parses and secures a request that came over a channel that is not confidential.
pub fn parse_request(
    incoming: Incoming<'_>,
    limits: &crate::xml::Limits,
    cfg: &InboundConfig,
    env: Environment<'_>,
) -> Result<ParsedRequest, Error> {
    parse_request_over(incoming, limits, cfg, env, false)
}

/// Parses and secures a request. `confidential`: the channel protects the Body (TLS), so an
/// issued token's signature may endorse the Timestamp alone (see
/// [`read_request`](crate::trust::request::read_request)).
pub fn parse_request_over(
    incoming: Incoming<'_>,
    limits: &crate::xml::Limits,
    cfg: &InboundConfig,
    env: Environment<'_>,
    confidential: bool,
) -> Result<ParsedRequest, Error> {
    Ok(ParsedRequest {
        request: trust_request::read_request(incoming, limits, cfg, env, confidential)?,
        suite: SuiteCheck::default(),
    })
}

impl From<RequestError> for Error {
    fn from(e: RequestError) -> Self {
        match e {
            RequestError::Xml(e) => Self::Xml(e),
            RequestError::Soap(e) => Self::Soap(e),
            RequestError::Security(e) => Self::Security(e),
            RequestError::Trust(e) => Self::Trust(e),
            RequestError::Invalid { what } => Self::InvalidRequest { what },
        }
    }
}

/// The strictest suite a request was checked against so far (`None`: not checked yet), and
/// the realm it was last held to (for the audit trail).
#[derive(Debug, Default)]
pub(crate) struct SuiteCheck {
    suite: std::cell::Cell<Option<Suite>>,
    realm: std::cell::RefCell<Option<String>>,
}

impl SuiteCheck {
    pub(super) fn narrow(&self, suite: Suite) {
        self.suite
            .set(Some(self.suite.get().map_or(suite, |s| s.narrower(suite))));
    }

    /// Notes that the request was held to the realm named `realm`.
    pub(super) fn held_to(&self, realm: &str) {
        self.realm.replace(Some(realm.to_owned()));
    }

    pub(crate) fn get(&self) -> Option<Suite> {
        self.suite.get()
    }

    /// The name of the realm the request was last held to, if any.
    pub(crate) fn realm(&self) -> Option<String> {
        self.realm.borrow().clone()
    }
}
