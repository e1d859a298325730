//! One WS-Trust request as a binding (`issue`, `renew`, `cancel`, `validate`) receives it:
//! the parsed message, the RST being answered (one of a collection's), who asked, whether the
//! reply is confidential, the time and the endpoint's options. The pipeline (`sts`) makes one
//! per RST after authentication; every binding takes it whole.

use crate::trust::RequestSecurityToken;

use super::request::ParsedRequest;
use super::state::Requester;
use super::tokens::RequestOptions;

/// A request for one binding.
#[derive(Clone, Copy)]
pub(crate) struct Call<'a> {
    /// The parsed and verified message.
    pub(crate) req: &'a ParsedRequest,
    /// The RST answered.
    pub(crate) rst: &'a RequestSecurityToken,
    /// Who asked.
    pub(crate) who: &'a Requester,
    /// The reply is confidential (TLS, an encrypted request, or the request's random key).
    pub(crate) confidential: bool,
    /// Now, in milliseconds since the Unix epoch.
    pub(crate) now: i64,
    /// The endpoint's options.
    pub(crate) options: &'a RequestOptions,
}
