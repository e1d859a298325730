//! From bytes to a typed, authenticated-as-far-as-the-message-goes request: envelope, security
//! header, WS-Addressing, and the WS-Trust message in the Body.

use super::Error;
use crate::soap::{is_processed_header, Addressing, Envelope, SoapVersion};
use crate::trust::{FromElement, TrustMessage};
use crate::wss::{self, Environment, InboundConfig, SecuredMessage};
use crate::xml::{ns, Document};
use crate::xmlsec::Suite;

/// An HTTP request as the server hands it over.
#[derive(Clone, Copy, Debug)]
pub struct Incoming<'a> {
    /// The body bytes.
    pub body: &'a [u8],
    /// `Content-Type`.
    pub content_type: Option<&'a str>,
    /// `SOAPAction` (SOAP 1.1), unquoted.
    pub soap_action: Option<&'a str>,
}

/// A request whose security header was processed and whose Body is a WS-Trust message.
#[derive(Debug)]
pub struct ParsedRequest {
    /// The security record (and the decrypted document).
    pub secured: SecuredMessage,
    /// SOAP version.
    pub version: SoapVersion,
    /// WS-Addressing headers.
    pub addressing: Addressing,
    /// The action: `wsa:Action`, else the transport's action.
    pub action: Option<String>,
    /// The WS-Trust message.
    pub message: TrustMessage,
    /// The Body was covered by a verified signature.
    pub body_signed: bool,
    /// The strictest realm suite the request has been held to (see
    /// [`algorithms`](super::algorithms)).
    pub(crate) suite: SuiteCheck,
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
/// issued token's signature may endorse the Timestamp alone (see below).
pub fn parse_request_over(
    incoming: Incoming<'_>,
    limits: &crate::xml::Limits,
    cfg: &InboundConfig,
    env: Environment<'_>,
    confidential: bool,
) -> Result<ParsedRequest, Error> {
    let transport = incoming
        .content_type
        .and_then(SoapVersion::from_content_type);
    if incoming.content_type.is_some() && transport.is_none() {
        return Err(Error::InvalidRequest {
            what: "content type is not a soap media type",
        });
    }
    let doc = Document::parse_with(incoming.body, limits)?;
    let version = Envelope::read(&doc, transport)?.version();
    let secured = wss::process(doc, version, cfg, env)?;
    let envelope = secured.envelope()?;
    envelope.check_must_understand(|n| n.is(ns::WSSE, "Security") || is_processed_header(n))?;
    let addressing = Addressing::read(&envelope)?;
    let body_el = envelope
        .body_element()
        .ok_or(Error::InvalidRequest { what: "empty body" })?;
    let doc = secured.document();
    if !TrustMessage::is_message(doc, body_el) {
        return Err(Error::InvalidRequest {
            what: "body is not a ws-trust message",
        });
    }
    let body_signed = secured.is_signed(envelope.body());
    // A message that carries signatures must have them cover what we consume; except, over a
    // confidential channel, the endorsing signatures of issued tokens over the Timestamp
    // alone (WS-SecurityPolicy's transport binding with an endorsing IssuedToken: what WCF
    // sends to AD FS's issuedtokenmixed* endpoints; TLS protects the Body).
    let endorsing_only = confidential
        && secured.timestamp_node().is_some_and(|ts| {
            secured.signatures.iter().all(|s| {
                matches!(s.token, wss::SigningToken::IssuedToken { .. }) && secured.signed_by(s, ts)
            })
        });
    if !secured.signatures.is_empty() && !body_signed && !endorsing_only {
        return Err(Error::Security(wss::Error::Policy {
            what: "a signed message whose body is not signed",
        }));
    }
    // And the Timestamp with the Body: an unsigned Timestamp in place of the signed one
    // (moved into a wrapper, where its digest still verifies) would otherwise set the replay
    // horizon and freshness of a captured message, which could then be replayed once its
    // replay entry expired (issue 20, `xsw_catalogue`).
    if body_signed {
        if let Some(ts) = secured.timestamp_node() {
            let with_body = secured
                .signature_over(envelope.body())
                .is_some_and(|s| secured.signed_by(s, ts));
            if !with_body {
                return Err(Error::Security(wss::Error::Policy {
                    what: "timestamp not signed with the body",
                }));
            }
        }
    }
    let message = TrustMessage::read(doc, body_el)?;
    let transport_action = incoming
        .soap_action
        .map(|a| a.trim().trim_matches('"').to_owned())
        .filter(|a| !a.is_empty())
        .or_else(|| {
            incoming
                .content_type
                .and_then(SoapVersion::action_parameter)
        });
    let action = addressing.action.clone().or(transport_action);
    drop(envelope);
    Ok(ParsedRequest {
        version,
        addressing,
        action,
        message,
        body_signed,
        secured,
        suite: SuiteCheck::default(),
    })
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
