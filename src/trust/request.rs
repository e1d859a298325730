//! From bytes to a WS-Trust request secured as far as the message goes: the envelope, the
//! security header (through [`wss::process`]), WS-Addressing, and the WS-Trust message in the
//! Body. The engine gets the typed result and decides; it parses no XML itself.

use crate::soap::{self, is_processed_header, Addressing, Envelope, SoapVersion};
use crate::wss::{self, Environment, InboundConfig, SecuredMessage};
use crate::xml::{self, ns, Document, Limits};

use super::{FromElement, TrustMessage};

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
pub struct SecuredRequest {
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
}

/// Why a request could not be read, by the layer that refused it.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    /// The bytes are not acceptable XML.
    #[error("xml: {0}")]
    Xml(#[from] xml::Error),
    /// Not an acceptable SOAP envelope.
    #[error("soap: {0}")]
    Soap(#[from] soap::Error),
    /// The security header was refused.
    #[error("security: {0}")]
    Security(#[from] wss::Error),
    /// The WS-Trust message is malformed.
    #[error("trust message: {0}")]
    Trust(#[from] super::Error),
    /// The request is well-formed but not acceptable (`what` names the rule).
    #[error("invalid request: {what}")]
    Invalid {
        /// The rule.
        what: &'static str,
    },
}

/// Parses and secures a request. `confidential`: the channel protects the Body (TLS), so an
/// issued token's signature may endorse the Timestamp alone (see below).
pub fn read_request(
    incoming: Incoming<'_>,
    limits: &Limits,
    cfg: &InboundConfig,
    env: Environment<'_>,
    confidential: bool,
) -> Result<SecuredRequest, RequestError> {
    let transport = incoming
        .content_type
        .and_then(SoapVersion::from_content_type);
    if incoming.content_type.is_some() && transport.is_none() {
        return Err(RequestError::Invalid {
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
        .ok_or(RequestError::Invalid { what: "empty body" })?;
    let doc = secured.document();
    if !TrustMessage::is_message(doc, body_el) {
        return Err(RequestError::Invalid {
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
            secured.signatures().iter().all(|s| {
                matches!(s.token(), wss::SigningToken::IssuedToken { .. })
                    && secured.signed_by(s, ts)
            })
        });
    if !secured.signatures().is_empty() && !body_signed && !endorsing_only {
        return Err(RequestError::Security(wss::Error::Policy {
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
                return Err(RequestError::Security(wss::Error::Policy {
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
    Ok(SecuredRequest {
        version,
        addressing,
        action,
        message,
        body_signed,
        secured,
    })
}

/// The `wsa:MessageID` of `body`, if it is a well-formed envelope that has one (for the audit
/// event of a request refused before its addressing headers were read).
pub fn message_id_of(body: &[u8], limits: &Limits) -> Option<String> {
    let doc = Document::parse_with(body, limits).ok()?;
    Envelope::read(&doc, None)
        .ok()
        .and_then(|env| Addressing::read(&env).ok())
        .and_then(|a| a.message_id)
}
