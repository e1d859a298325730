//! Routing and the per-request pipeline: limits, dispatch, one log line, counters.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming as HyperBody;
use hyper::header::{HeaderValue, CONTENT_TYPE, RETRY_AFTER};
use hyper::{Method, Request, Response, StatusCode};
use tracing::Instrument as _;

use super::metadata::Metadata;
use super::metrics::{Action, Metrics, Outcome};
use super::ratelimit::RateLimiter;
use super::settings::{Endpoint, ServerSettings};
use super::trace;

mod probes;
mod refuse;

use crate::engine::audit::correlation_hint;
use crate::engine::request::Incoming;
use crate::engine::{Engine, RequestOptions, Response as EngineResponse, Summary, Transport};
use crate::soap::SoapVersion;
use crate::wss::SystemClock;
use probes::{metrics_text, ready};
pub(super) use refuse::{keyx_max_body, too_large};
use refuse::{read_body, task_failed, throttle};

/// The engine and the metadata made from its configuration: replaced whole on a reload
/// ([`Shared::replace`]); a request keeps the generation it started with to its end.
pub(super) struct Generation {
    pub(super) engine: Arc<Engine>,
    pub(super) metadata: Metadata,
}

/// What every request handler shares.
pub(super) struct Shared {
    current: std::sync::RwLock<Arc<Generation>>,
    pub(super) settings: ServerSettings,
    pub(super) metrics: Arc<Metrics>,
    /// Per-source rate limiting, when configured.
    limiter: Option<RateLimiter>,
    /// The external base address (`scheme://host:port`).
    pub(super) base: String,
    id_prefix: u32,
    next_id: AtomicU64,
    /// Set when shutdown begins: `/readyz` answers 503 from then on, so a load balancer
    /// stops sending new work while in-flight requests finish.
    pub(super) draining: std::sync::atomic::AtomicBool,
}

impl Shared {
    pub(super) fn new(
        engine: Arc<Engine>,
        settings: ServerSettings,
        metadata: Metadata,
        base: String,
    ) -> Self {
        let id_prefix = crate::crypto::random_bytes(4)
            .ok()
            .and_then(|b| b.first_chunk::<4>().map(|a| u32::from_be_bytes(*a)))
            .unwrap_or(0);
        let limiter = settings.rate_limit.map(RateLimiter::new);
        Self {
            current: std::sync::RwLock::new(Arc::new(Generation { engine, metadata })),
            settings,
            metrics: Arc::new(Metrics::default()),
            limiter,
            base,
            id_prefix,
            next_id: AtomicU64::new(1),
            draining: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// The current engine and metadata.
    pub(super) fn current(&self) -> Arc<Generation> {
        let g = self
            .current
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Arc::clone(&g)
    }

    /// The current engine.
    pub(super) fn engine(&self) -> Arc<Engine> {
        Arc::clone(&self.current().engine)
    }

    /// Makes `next` current: requests from now on use it, requests under way finish with
    /// the generation they started with.
    pub(super) fn replace(&self, next: Generation) {
        let mut g = self
            .current
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *g = Arc::new(next);
    }

    fn route(&self, path: &str) -> Option<Route> {
        match path {
            "/sts" => Some(Route::Sts(None)),
            "/sts/mex" => Some(Route::Mex),
            "/keyx" if self.settings.keyx => Some(Route::Keyx),
            "/healthz" | "/livez" => Some(Route::Health),
            "/readyz" => Some(Route::Ready),
            "/metrics" => Some(Route::Metrics),
            p => self
                .settings
                .aliases
                .iter()
                .position(|a| a.path == p)
                .and_then(|i| {
                    Some(match self.settings.aliases.get(i)?.endpoint {
                        Endpoint::Sts => Route::Sts(Some(i)),
                        Endpoint::Mex => Route::Mex,
                        Endpoint::AdfsMex => Route::AdfsMex,
                        Endpoint::FederationMetadata => Route::FederationMetadata,
                    })
                }),
        }
    }

    /// The engine options of the STS endpoint reached through alias `alias` (or `/sts`).
    /// An alias advertised with an issued-token policy takes issued-token authentication only.
    fn options(&self, alias: Option<usize>) -> RequestOptions {
        let alias = alias.and_then(|i| self.settings.aliases.get(i));
        let mut o = match alias.and_then(|a| a.default_token_type.clone()) {
            Some(t) => RequestOptions::new().with_default_token_type(t),
            None => RequestOptions::new(),
        };
        if let Some(proof) = alias.and_then(|a| a.advertise?.issued_token_proof()) {
            o = o.issued_token_only(proof);
        }
        o
    }
}

#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub(super) enum Route {
    AdfsMex,
    FederationMetadata,
    Health,
    Keyx,
    Metrics,
    Mex,
    /// `GET /readyz`.
    Ready,
    /// The token service, directly or through the alias with this index.
    Sts(Option<usize>),
}

/// The hyper service for one connection.
pub(super) fn service(
    shared: Arc<Shared>,
    peer: SocketAddr,
    tls: bool,
) -> impl hyper::service::Service<
    Request<HyperBody>,
    Response = Response<Full<Bytes>>,
    Error = Infallible,
    Future = impl std::future::Future<Output = Result<Response<Full<Bytes>>, Infallible>> + Send,
> + Clone {
    let confidential =
        tls || (shared.settings.loopback_is_confidential && peer.ip().to_canonical().is_loopback());
    hyper::service::service_fn(move |req| {
        let shared = Arc::clone(&shared);
        let peer = Some(peer.ip().to_canonical());
        async move { Ok(handle(shared, req, Transport { confidential, peer }).await) }
    })
}

/// What the pipeline produced, before logging.
pub(super) struct Answer {
    pub(super) status: StatusCode,
    pub(super) content_type: &'static str,
    pub(super) body: Bytes,
    action: Action,
    outcome: Outcome,
    reason: Option<String>,
    /// `Retry-After` in seconds (a rate-limited request).
    retry_after: Option<u64>,
    /// The engine's correlation id (also in the audit trail), sent as `X-Correlation-Id`.
    pub(super) correlation_id: Option<String>,
    /// What the engine read and answered (empty for requests it did not see).
    summary: Summary,
}

impl Answer {
    pub(super) fn plain(
        status: StatusCode,
        action: Action,
        outcome: Outcome,
        text: &'static str,
    ) -> Self {
        Self {
            status,
            content_type: "text/plain; charset=utf-8",
            body: Bytes::from_static(text.as_bytes()),
            action,
            outcome,
            reason: None,
            retry_after: None,
            correlation_id: None,
            summary: Summary::default(),
        }
    }
}

async fn handle(
    shared: Arc<Shared>,
    req: Request<HyperBody>,
    transport: Transport,
) -> Response<Full<Bytes>> {
    let started = Instant::now();
    let n = shared.next_id.fetch_add(1, Ordering::Relaxed);
    let request_id = format!("{:08x}-{n:x}", shared.id_prefix);
    let method = req.method().clone();
    let path: String = req.uri().path().chars().take(200).collect();
    let limits = shared.settings.limits;
    let span = trace::request_span(req.headers(), method.as_str(), &path, &request_id);

    let work = dispatch(&shared, req, transport).instrument(span.clone());
    let answer = match tokio::time::timeout(limits.request_timeout, work).await {
        Ok(a) => a,
        Err(_) => Answer {
            reason: Some("request timeout".into()),
            ..Answer::plain(
                StatusCode::REQUEST_TIMEOUT,
                Action::Other,
                Outcome::Rejected,
                "request timed out\n",
            )
        },
    };

    trace::finish(
        &span,
        &trace::Facts {
            status: answer.status.as_u16(),
            action: answer.action,
            outcome: answer.outcome,
            correlation_id: answer.correlation_id.as_deref(),
            summary: &answer.summary,
        },
    );
    drop(span);
    let elapsed = started.elapsed();
    shared
        .metrics
        .request(answer.action, answer.outcome, elapsed);
    let ms = elapsed.as_secs_f64() * 1000.0;
    match &answer.reason {
        Some(reason) => tracing::info!(
            request_id = %request_id,
            method = %method,
            path = %path,
            action = answer.action.label(),
            outcome = answer.outcome.label(),
            status = answer.status.as_u16(),
            ms = format_args!("{ms:.1}"),
            correlation_id = answer.correlation_id.as_deref(),
            reason = %reason,
            "request"
        ),
        None => tracing::info!(
            request_id = %request_id,
            method = %method,
            path = %path,
            action = answer.action.label(),
            outcome = answer.outcome.label(),
            status = answer.status.as_u16(),
            ms = format_args!("{ms:.1}"),
            correlation_id = answer.correlation_id.as_deref(),
            "request"
        ),
    }

    let mut resp = Response::new(Full::new(answer.body));
    *resp.status_mut() = answer.status;
    let h = resp.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static(answer.content_type));
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        h.insert("x-request-id", v);
    }
    if let Some(secs) = answer.retry_after {
        h.insert(RETRY_AFTER, HeaderValue::from(secs));
    }
    if let Some(v) = answer
        .correlation_id
        .as_deref()
        .and_then(|c| HeaderValue::from_str(c).ok())
    {
        h.insert("x-correlation-id", v);
    }
    resp
}

async fn dispatch(shared: &Shared, req: Request<HyperBody>, transport: Transport) -> Answer {
    let planned = plan(
        shared,
        req.method(),
        req.uri().path(),
        req.uri().query(),
        &|name: &str| header(&req, name),
    );
    let hint = correlation_hint(
        header(&req, "x-correlation-id").as_deref(),
        header(&req, "x-request-id").as_deref(),
    );
    match planned {
        Plan::Done(a) => a,
        Plan::Soap {
            route,
            content_type,
            soap_action,
            default_action,
        } => {
            if let Some(a) = throttle(shared, transport.peer, default_action, Some(&content_type)) {
                return a;
            }
            let body =
                match read_body(req, shared.settings.limits.max_body_bytes, default_action).await {
                    Ok(b) => b,
                    Err(a) => return a,
                };
            let (action, options) =
                match soap_work(shared, route, &content_type, soap_action.as_deref(), &body) {
                    SoapWork::Done(a) => return a,
                    SoapWork::Engine { action, options } => {
                        (action, options.with_correlation_hint(hint))
                    }
                };
            // The engine is synchronous and CPU-bound (signatures, Argon2): it runs on the
            // blocking pool so the I/O workers stay free; each request is independent (no
            // shared lock).
            let engine = shared.engine();
            let r = tokio::task::spawn_blocking(move || {
                engine.handle_with(
                    Incoming {
                        body: &body,
                        content_type: Some(content_type.as_str()),
                        soap_action: soap_action.as_deref(),
                    },
                    transport,
                    &SystemClock,
                    &options,
                )
            })
            .await;
            match r {
                Ok(r) => engine_answer(shared, action, r),
                Err(_) => task_failed(action),
            }
        }
        Plan::Keyx => {
            if let Some(a) = throttle(shared, transport.peer, Action::Keyx, None) {
                return a;
            }
            let body = match read_body(req, keyx_max_body(shared), Action::Keyx).await {
                Ok(b) => b,
                Err(a) => return a,
            };
            let engine = shared.engine();
            let r = tokio::task::spawn_blocking(move || {
                engine.handle_keyx_json_with(&body, transport, &SystemClock, hint.as_deref())
            })
            .await;
            match r {
                Ok(r) => keyx_answer(shared, r),
                Err(_) => task_failed(Action::Keyx),
            }
        }
    }
}

/// What the request line and headers decide, before any body is read.
pub(super) enum Plan {
    /// Answered without reading the body.
    Done(Answer),
    /// A SOAP POST to the token service or a metadata endpoint, with an accepted media type.
    Soap {
        /// Where it goes.
        route: Route,
        /// Its `Content-Type` (a SOAP one).
        content_type: String,
        /// Its `SOAPAction`, unquoted.
        soap_action: Option<String>,
        /// The action counted when the body is refused.
        default_action: Action,
    },
    /// A JSON key exchange POST.
    Keyx,
}

/// Routes a request by method and path (`query` only matters for `GET /sts?wsdl`); `header`
/// reads a request header by lower-case name. The one routing of both the socket server and
/// [`super::InProcess`].
pub(super) fn plan(
    shared: &Shared,
    method: &Method,
    path: &str,
    query: Option<&str>,
    header: &dyn Fn(&str) -> Option<String>,
) -> Plan {
    let Some(route) = shared.route(path) else {
        return Plan::Done(Answer::plain(
            StatusCode::NOT_FOUND,
            Action::Other,
            Outcome::Rejected,
            "not found\n",
        ));
    };
    Plan::Done(match (route, method) {
        (Route::Health, &Method::GET) => {
            Answer::plain(StatusCode::OK, Action::Health, Outcome::Ok, "ok\n")
        }
        (Route::Ready, &Method::GET) => ready(shared),
        (Route::Metrics, &Method::GET) => Answer {
            content_type: "text/plain; version=0.0.4; charset=utf-8",
            body: Bytes::from(metrics_text(shared)),
            ..Answer::plain(StatusCode::OK, Action::Metrics, Outcome::Ok, "")
        },
        (Route::Sts(_), &Method::GET) => {
            if query.is_some_and(|q| q.eq_ignore_ascii_case("wsdl")) {
                Answer {
                    content_type: "text/xml; charset=utf-8",
                    body: Bytes::from(shared.current().metadata.wsdl().to_owned()),
                    ..Answer::plain(StatusCode::OK, Action::Wsdl, Outcome::Ok, "")
                }
            } else {
                Answer::plain(
                    StatusCode::METHOD_NOT_ALLOWED,
                    Action::Other,
                    Outcome::Rejected,
                    "POST a SOAP request here, or GET ?wsdl\n",
                )
            }
        }
        (Route::Mex, &Method::GET) => Answer {
            content_type: "text/xml; charset=utf-8",
            body: Bytes::from(shared.current().metadata.mex().to_owned()),
            ..Answer::plain(StatusCode::OK, Action::Metadata, Outcome::Ok, "")
        },
        (Route::AdfsMex, &Method::GET) => Answer {
            content_type: "text/xml; charset=utf-8",
            body: Bytes::from(shared.current().metadata.adfs_wsdl().to_owned()),
            ..Answer::plain(StatusCode::OK, Action::Metadata, Outcome::Ok, "")
        },
        (Route::FederationMetadata, &Method::GET) => Answer {
            content_type: "application/samlmetadata+xml",
            body: Bytes::from(shared.current().metadata.federation().to_owned()),
            ..Answer::plain(StatusCode::OK, Action::Metadata, Outcome::Ok, "")
        },
        (Route::Keyx, &Method::POST) => {
            let json = header("content-type").is_some_and(|c| {
                c.split(';')
                    .next()
                    .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
            });
            if json {
                return Plan::Keyx;
            }
            Answer::plain(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                Action::Keyx,
                Outcome::Rejected,
                "send application/json\n",
            )
        }
        (Route::Sts(_) | Route::Mex | Route::AdfsMex, &Method::POST) => {
            let default_action = if route == Route::Mex || route == Route::AdfsMex {
                Action::Metadata
            } else {
                Action::Other
            };
            match header("content-type") {
                Some(content_type) if SoapVersion::from_content_type(&content_type).is_some() => {
                    return Plan::Soap {
                        route,
                        content_type,
                        soap_action: header("soapaction")
                            .map(|a| a.trim().trim_matches('"').to_owned()),
                        default_action,
                    }
                }
                _ => Answer::plain(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    default_action,
                    Outcome::Rejected,
                    "send text/xml (SOAP 1.1) or application/soap+xml (SOAP 1.2)\n",
                ),
            }
        }
        _ => Answer::plain(
            StatusCode::METHOD_NOT_ALLOWED,
            Action::Other,
            Outcome::Rejected,
            "method not allowed\n",
        ),
    })
}

fn header(req: &Request<HyperBody>, name: &str) -> Option<String> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// What a SOAP request needs once its body is read.
pub(super) enum SoapWork {
    /// A metadata answer.
    Done(Answer),
    /// An engine call with these options, counted as this action.
    Engine {
        /// The action, for the log and the counters.
        action: Action,
        /// The endpoint's options (an alias's default token type).
        options: RequestOptions,
    },
}

/// Answers a metadata request, or says how the engine is to be called.
pub(super) fn soap_work(
    shared: &Shared,
    route: Route,
    content_type: &str,
    soap_action: Option<&str>,
    body: &[u8],
) -> SoapWork {
    if route == Route::Mex || route == Route::AdfsMex {
        let a = if route == Route::Mex {
            shared
                .current()
                .metadata
                .soap(body, Some(content_type), soap_action)
        } else {
            shared
                .current()
                .metadata
                .adfs_soap(body, Some(content_type), soap_action)
        };
        let outcome = counted(shared, a.fault);
        return SoapWork::Done(Answer {
            status: StatusCode::from_u16(a.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            content_type: a.content_type,
            body: Bytes::from(a.body),
            action: Action::Metadata,
            outcome,
            reason: a.log.map(str::to_owned),
            retry_after: None,
            correlation_id: None,
            summary: Summary {
                fault: a.fault,
                ..Summary::default()
            },
        });
    }
    let action_uri = soap_action
        .map(str::to_owned)
        .or_else(|| SoapVersion::action_parameter(content_type));
    let action = Action::of_soap_action(action_uri.as_deref());
    let options = match route {
        Route::Sts(alias) => shared.options(alias),
        _ => RequestOptions::new(),
    };
    SoapWork::Engine { action, options }
}

/// The outcome of a SOAP answer that sent `fault` (if any), the fault counted.
fn counted(shared: &Shared, fault: Option<&str>) -> Outcome {
    match fault {
        None => Outcome::Ok,
        Some(code) => {
            shared.metrics.fault(code);
            Outcome::Fault
        }
    }
}

/// The answer to an engine response, counted.
pub(super) fn engine_answer(shared: &Shared, action: Action, r: EngineResponse) -> Answer {
    let s = &r.summary;
    shared.metrics.tokens_issued(s.tokens_issued);
    if s.replay {
        shared.metrics.replay();
    }
    let outcome = counted(shared, s.fault);
    let action = Action::of_request_type(s.request_type).unwrap_or(action);
    Answer {
        status: StatusCode::from_u16(r.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        content_type: r.content_type,
        body: Bytes::from(r.body),
        action,
        outcome,
        reason: r.log,
        retry_after: None,
        correlation_id: Some(r.correlation_id),
        summary: r.summary,
    }
}

/// The answer to a key exchange response, counted.
pub(super) fn keyx_answer(shared: &Shared, r: EngineResponse) -> Answer {
    shared.metrics.tokens_issued(r.summary.tokens_issued);
    let outcome = match r.status {
        200 => Outcome::Ok,
        s if s >= 500 => Outcome::Error,
        _ => Outcome::Fault,
    };
    Answer {
        status: StatusCode::from_u16(r.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        content_type: r.content_type,
        body: Bytes::from(r.body),
        action: Action::Keyx,
        outcome,
        reason: r.log,
        retry_after: None,
        correlation_id: Some(r.correlation_id),
        summary: r.summary,
    }
}
