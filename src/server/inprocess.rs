//! The server's request handling without a socket: one buffered HTTP request in, one
//! response out, through the same routing, aliases (with their default token types),
//! metadata and engine calls as [`super::Server`], at the time a given clock tells. For
//! replaying recorded exchanges, tests and embedding; no timeouts, no log line.

use std::sync::Arc;

use hyper::Method;

use super::http::{self, Plan, Shared, SoapWork};
use super::metrics::Action;
use super::{ServerError, ServerSettings};
use crate::engine::request::Incoming;
use crate::engine::{Engine, Transport};
use crate::wss::Clock;

/// One buffered HTTP request.
#[derive(Clone, Copy, Debug)]
pub struct HttpRequest<'a> {
    /// The method (`GET`, `POST`).
    pub method: &'a str,
    /// The path with its query, as on the request line (`/sts?wsdl`).
    pub target: &'a str,
    /// The headers, by name (any case) and value.
    pub headers: &'a [(&'a str, &'a str)],
    /// The body.
    pub body: &'a [u8],
}

/// The response to an [`HttpRequest`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct HttpReply {
    /// The HTTP status.
    pub status: u16,
    /// The `Content-Type`.
    pub content_type: &'static str,
    /// The body.
    pub body: Vec<u8>,
    /// The `X-Correlation-Id` (see [`crate::engine::audit`]), for engine answers.
    pub correlation_id: Option<String>,
}

/// The server's request handling for buffered requests (see the module documentation).
pub struct InProcess {
    shared: Shared,
}

impl std::fmt::Debug for InProcess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InProcess")
            .field("base", &self.shared.base)
            .finish_non_exhaustive()
    }
}

impl InProcess {
    /// The handling [`super::Server::bind`] would set up for `settings` and `engine`; the
    /// metadata documents name `settings.public_url`, else `http(s)://` and the `listen`
    /// address as given.
    pub fn new(settings: ServerSettings, engine: Arc<Engine>) -> Result<Self, ServerError> {
        let scheme = if settings.tls.is_some() {
            "https"
        } else {
            "http"
        };
        let base = settings
            .public_url
            .clone()
            .unwrap_or_else(|| format!("{scheme}://{}", settings.listen));
        let metadata = super::metadata_for(&settings, &base, &engine)?;
        Ok(Self {
            shared: Shared::new(engine, settings, metadata, base),
        })
    }

    /// Handles `request` arriving over `transport` at the time `clock` tells.
    pub fn handle(
        &self,
        request: &HttpRequest<'_>,
        transport: Transport,
        clock: &dyn Clock,
    ) -> HttpReply {
        let shared = &self.shared;
        let (path, query) = match request.target.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (request.target, None),
        };
        let header = |name: &str| {
            request
                .headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| (*v).to_owned())
        };
        let Ok(method) = Method::from_bytes(request.method.as_bytes()) else {
            return reply(http::Answer::plain(
                hyper::StatusCode::METHOD_NOT_ALLOWED,
                Action::Other,
                super::metrics::Outcome::Rejected,
                "method not allowed\n",
            ));
        };
        let body = request.body;
        let hint = crate::engine::audit::correlation_hint(
            header("x-correlation-id").as_deref(),
            header("x-request-id").as_deref(),
        );
        let answer = match http::plan(shared, &method, path, query, &header) {
            Plan::Done(a) => a,
            Plan::Soap {
                route,
                content_type,
                soap_action,
                default_action,
            } => {
                if body.len() > shared.settings.limits.max_body_bytes {
                    return reply(http::too_large(default_action));
                }
                match http::soap_work(shared, route, &content_type, soap_action.as_deref(), body) {
                    SoapWork::Done(a) => a,
                    SoapWork::Engine { action, options } => {
                        let r = shared.engine().handle_with(
                            Incoming {
                                body,
                                content_type: Some(content_type.as_str()),
                                soap_action: soap_action.as_deref(),
                            },
                            transport,
                            clock,
                            &options.with_correlation_hint(hint),
                        );
                        http::engine_answer(shared, action, r)
                    }
                }
            }
            Plan::Keyx => {
                if body.len() > http::keyx_max_body(shared) {
                    return reply(http::too_large(Action::Keyx));
                }
                let r =
                    shared
                        .engine()
                        .handle_keyx_json_with(body, transport, clock, hint.as_deref());
                http::keyx_answer(shared, r)
            }
        };
        reply(answer)
    }
}

fn reply(a: http::Answer) -> HttpReply {
    HttpReply {
        status: a.status.as_u16(),
        content_type: a.content_type,
        body: a.body.to_vec(),
        correlation_id: a.correlation_id,
    }
}
