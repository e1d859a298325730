//! Answers to requests refused before the engine: over the rate limit, a body too large
//! or unreadable, an engine task that failed.

use super::{Answer, Shared};
use crate::engine::Summary;
use crate::server::metrics::{Action, Outcome};
use crate::server::ratelimit::retry_after_secs;
use crate::soap::{self, Fault, FaultCode, FaultSubcode, SoapVersion};
use crate::xml::Writer;
use bytes::Bytes;
use http_body_util::{BodyExt as _, Limited};
use hyper::body::Incoming as HyperBody;
use hyper::header::CONTENT_LENGTH;
use hyper::{Request, StatusCode};
use std::time::Instant;

/// The stable code of a rate-limited `/keyx` request.
const KEYX_RATE_LIMITED: &str = "KEYX_RATE_LIMITED";

/// The refusal of a request over its source's rate limit (see [`crate::server::ratelimit`]), if it
/// is: HTTP 429 with `Retry-After`, as a SOAP fault in the request's SOAP version when
/// `soap_content_type` is given, else as a key exchange JSON refusal. Sources of unknown
/// address (none over a socket) are not limited.
pub(super) fn throttle(
    shared: &Shared,
    peer: Option<std::net::IpAddr>,
    action: Action,
    soap_content_type: Option<&str>,
) -> Option<Answer> {
    let (limiter, peer) = (shared.limiter.as_ref()?, peer?);
    let wait = limiter.check(peer, Instant::now()).err()?;
    shared.metrics.rate_limited();
    let (content_type, body) = match soap_content_type {
        Some(ct) => {
            let version = SoapVersion::from_content_type(ct).unwrap_or(SoapVersion::V11);
            let fault = Fault {
                code: FaultCode::Receiver,
                subcode: Some(FaultSubcode::RequestFailed),
                trust_ns: crate::xml::ns::WST13,
                reason: "Too many requests from this address; retry later",
            };
            let mut w = Writer::new();
            soap::write_envelope(&mut w, version, |_| {}, |w| fault.write(w, version));
            (
                version.content_type(),
                Bytes::from(w.finish().unwrap_or_default()),
            )
        }
        None => (
            "application/json",
            Bytes::from(format!(
                "{{\"error\":{{\"code\":\"{KEYX_RATE_LIMITED}\",\"message\":\"too many \
                 requests from this address; retry later\"}}}}"
            )),
        ),
    };
    Some(Answer {
        status: StatusCode::TOO_MANY_REQUESTS,
        content_type,
        body,
        action,
        outcome: Outcome::Rejected,
        reason: Some("rate limited: too many requests from this source".into()),
        retry_after: Some(retry_after_secs(wait)),
        correlation_id: None,
        summary: Summary::default(),
    })
}

pub(super) fn task_failed(action: Action) -> Answer {
    Answer {
        reason: Some("the engine task failed".into()),
        ..Answer::plain(
            StatusCode::INTERNAL_SERVER_ERROR,
            action,
            Outcome::Error,
            "internal error\n",
        )
    }
}

/// The refusal of a body over the size limit.
pub(in crate::server) fn too_large(action: Action) -> Answer {
    Answer {
        reason: Some("body over the size limit".into()),
        ..Answer::plain(
            StatusCode::PAYLOAD_TOO_LARGE,
            action,
            Outcome::Rejected,
            "request body too large\n",
        )
    }
}

/// Reads the body within `max` bytes; a refusal is the answer to send.
pub(super) async fn read_body(
    req: Request<HyperBody>,
    max: usize,
    action: Action,
) -> Result<Bytes, Answer> {
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        return Err(too_large(action));
    }
    match Limited::new(req.into_body(), max).collect().await {
        Ok(b) => Ok(b.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(too_large(action)),
        Err(_) => Err(Answer {
            reason: Some("request body could not be read".into()),
            ..Answer::plain(
                StatusCode::BAD_REQUEST,
                action,
                Outcome::Rejected,
                "request body could not be read\n",
            )
        }),
    }
}

/// The largest `POST /keyx` body read: the configured limit, at most the key exchange's own
/// document limit (the engine refuses more than 64 KiB).
pub(in crate::server) fn keyx_max_body(shared: &Shared) -> usize {
    shared.settings.limits.max_body_bytes.min(KEYX_MAX_BODY)
}

/// The largest `POST /keyx` body read (the key exchange's own document limit).
const KEYX_MAX_BODY: usize = 64 * 1024;
