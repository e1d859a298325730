//! Routing and the per-request pipeline: limits, dispatch, one log line, counters.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::Incoming as HyperBody;
use hyper::header::{HeaderValue, CONTENT_LENGTH, CONTENT_TYPE};
use hyper::{Method, Request, Response, StatusCode};

use super::metadata::Metadata;
use super::metrics::{fault_code, Action, Metrics, Outcome};
use super::settings::{Endpoint, ServerSettings};
use crate::engine::request::Incoming;
use crate::engine::{Engine, RequestOptions, Transport};
use crate::soap::SoapVersion;
use crate::wss::SystemClock;

/// What every request handler shares.
pub(super) struct Shared {
    pub(super) engine: Arc<Engine>,
    pub(super) settings: ServerSettings,
    pub(super) metadata: Metadata,
    pub(super) metrics: Arc<Metrics>,
    /// The external base address (`scheme://host:port`).
    pub(super) base: String,
    id_prefix: u32,
    next_id: AtomicU64,
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
        Self {
            engine,
            settings,
            metadata,
            metrics: Arc::new(Metrics::default()),
            base,
            id_prefix,
            next_id: AtomicU64::new(1),
        }
    }

    fn route(&self, path: &str) -> Option<Route> {
        match path {
            "/sts" => Some(Route::Sts(None)),
            "/sts/mex" => Some(Route::Mex),
            "/keyx" if self.settings.keyx => Some(Route::Keyx),
            "/healthz" => Some(Route::Health),
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
                    })
                }),
        }
    }

    /// The engine options of the STS endpoint reached through alias `alias` (or `/sts`).
    fn options(&self, alias: Option<usize>) -> RequestOptions {
        match alias
            .and_then(|i| self.settings.aliases.get(i))
            .and_then(|a| a.default_token_type.clone())
        {
            Some(t) => RequestOptions::new().with_default_token_type(t),
            None => RequestOptions::new(),
        }
    }
}

#[derive(Clone, Copy, Debug, Eq, PartialEq)]
enum Route {
    AdfsMex,
    Health,
    Keyx,
    Metrics,
    Mex,
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
        async move { Ok(handle(shared, req, Transport { confidential }).await) }
    })
}

/// What the pipeline produced, before logging.
struct Answer {
    status: StatusCode,
    content_type: &'static str,
    body: Bytes,
    action: Action,
    outcome: Outcome,
    reason: Option<String>,
}

impl Answer {
    fn plain(status: StatusCode, action: Action, outcome: Outcome, text: &'static str) -> Self {
        Self {
            status,
            content_type: "text/plain; charset=utf-8",
            body: Bytes::from_static(text.as_bytes()),
            action,
            outcome,
            reason: None,
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

    let answer =
        match tokio::time::timeout(limits.request_timeout, dispatch(&shared, req, transport)).await
        {
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
    resp
}

async fn dispatch(shared: &Shared, req: Request<HyperBody>, transport: Transport) -> Answer {
    let Some(route) = shared.route(req.uri().path()) else {
        return Answer::plain(
            StatusCode::NOT_FOUND,
            Action::Other,
            Outcome::Rejected,
            "not found\n",
        );
    };
    let method = req.method();
    match (route, method) {
        (Route::Health, &Method::GET) => {
            Answer::plain(StatusCode::OK, Action::Health, Outcome::Ok, "ok\n")
        }
        (Route::Metrics, &Method::GET) => Answer {
            content_type: "text/plain; version=0.0.4; charset=utf-8",
            body: Bytes::from(shared.metrics.render()),
            ..Answer::plain(StatusCode::OK, Action::Metrics, Outcome::Ok, "")
        },
        (Route::Sts(_), &Method::GET) => {
            if req
                .uri()
                .query()
                .is_some_and(|q| q.eq_ignore_ascii_case("wsdl"))
            {
                Answer {
                    content_type: "text/xml; charset=utf-8",
                    body: Bytes::from(shared.metadata.wsdl().to_owned()),
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
            body: Bytes::from(shared.metadata.mex().to_owned()),
            ..Answer::plain(StatusCode::OK, Action::Metadata, Outcome::Ok, "")
        },
        (Route::AdfsMex, &Method::GET) => Answer {
            content_type: "text/xml; charset=utf-8",
            body: Bytes::from(shared.metadata.adfs_wsdl().to_owned()),
            ..Answer::plain(StatusCode::OK, Action::Metadata, Outcome::Ok, "")
        },
        (Route::Keyx, &Method::POST) => keyx(shared, req, transport).await,
        (Route::Sts(_) | Route::Mex | Route::AdfsMex, &Method::POST) => {
            soap(shared, route, req, transport).await
        }
        _ => Answer::plain(
            StatusCode::METHOD_NOT_ALLOWED,
            Action::Other,
            Outcome::Rejected,
            "method not allowed\n",
        ),
    }
}

fn header(req: &Request<HyperBody>, name: &str) -> Option<String> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

async fn soap(
    shared: &Shared,
    route: Route,
    req: Request<HyperBody>,
    transport: Transport,
) -> Answer {
    let limits = shared.settings.limits;
    let content_type = header(&req, "content-type");
    let soap_action = header(&req, "soapaction").map(|a| a.trim().trim_matches('"').to_owned());
    let default_action = if route == Route::Mex || route == Route::AdfsMex {
        Action::Metadata
    } else {
        Action::Other
    };
    if content_type
        .as_deref()
        .and_then(SoapVersion::from_content_type)
        .is_none()
    {
        return Answer::plain(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            default_action,
            Outcome::Rejected,
            "send text/xml (SOAP 1.1) or application/soap+xml (SOAP 1.2)\n",
        );
    }
    let body = match read_body(req, limits.max_body_bytes, default_action).await {
        Ok(b) => b,
        Err(a) => return a,
    };

    if route == Route::Mex || route == Route::AdfsMex {
        let (ct, sa) = (content_type.as_deref(), soap_action.as_deref());
        let a = if route == Route::Mex {
            shared.metadata.soap(&body, ct, sa)
        } else {
            shared.metadata.adfs_soap(&body, ct, sa)
        };
        let outcome = if a.status == 200 {
            Outcome::Ok
        } else {
            shared.metrics.fault(fault_code(&a.body));
            Outcome::Fault
        };
        return Answer {
            status: StatusCode::from_u16(a.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            content_type: a.content_type,
            body: Bytes::from(a.body),
            action: Action::Metadata,
            outcome,
            reason: a.log.map(str::to_owned),
        };
    }

    let action_uri = soap_action.clone().or_else(|| {
        content_type
            .as_deref()
            .and_then(SoapVersion::action_parameter)
    });
    let action = Action::of_request(action_uri.as_deref(), &body);
    // The engine is synchronous and CPU-bound (signatures, Argon2): it runs on the blocking
    // pool so the I/O workers stay free; each request is independent (no shared lock).
    let engine = Arc::clone(&shared.engine);
    let options = match route {
        Route::Sts(alias) => shared.options(alias),
        _ => RequestOptions::new(),
    };
    let r = tokio::task::spawn_blocking(move || {
        engine.handle_with(
            Incoming {
                body: &body,
                content_type: content_type.as_deref(),
                soap_action: soap_action.as_deref(),
            },
            transport,
            &SystemClock,
            &options,
        )
    })
    .await;
    let Ok(r) = r else {
        return Answer {
            reason: Some("the engine task failed".into()),
            ..Answer::plain(
                StatusCode::INTERNAL_SERVER_ERROR,
                action,
                Outcome::Error,
                "internal error\n",
            )
        };
    };
    let outcome = if r.status == 200 {
        if r.body.contains("RequestedSecurityToken") {
            shared.metrics.token_issued();
        }
        Outcome::Ok
    } else {
        shared.metrics.fault(fault_code(&r.body));
        if r.log.as_deref().is_some_and(|l| l.contains("replay")) {
            shared.metrics.replay();
        }
        Outcome::Fault
    };
    Answer {
        status: StatusCode::from_u16(r.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        content_type: r.content_type,
        body: Bytes::from(r.body),
        action,
        outcome,
        reason: r.log,
    }
}

/// Reads the body within `max` bytes; a refusal is the answer to send.
async fn read_body(req: Request<HyperBody>, max: usize, action: Action) -> Result<Bytes, Answer> {
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let too_large = || Answer {
        reason: Some("body over the size limit".into()),
        ..Answer::plain(
            StatusCode::PAYLOAD_TOO_LARGE,
            action,
            Outcome::Rejected,
            "request body too large\n",
        )
    };
    if declared.is_some_and(|n| n > max as u64) {
        return Err(too_large());
    }
    match Limited::new(req.into_body(), max).collect().await {
        Ok(b) => Ok(b.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(too_large()),
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

/// `POST /keyx`: a JSON key exchange request (`docs/msl.md`), answered by the engine on the
/// blocking pool (Argon2, RSA and DH are CPU-bound).
async fn keyx(shared: &Shared, req: Request<HyperBody>, transport: Transport) -> Answer {
    let json = header(&req, "content-type").is_some_and(|c| {
        c.split(';')
            .next()
            .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
    });
    if !json {
        return Answer::plain(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Action::Keyx,
            Outcome::Rejected,
            "send application/json\n",
        );
    }
    // Key exchange documents are small (the engine refuses more than 64 KiB).
    let max = shared.settings.limits.max_body_bytes.min(KEYX_MAX_BODY);
    let body = match read_body(req, max, Action::Keyx).await {
        Ok(b) => b,
        Err(a) => return a,
    };
    let engine = Arc::clone(&shared.engine);
    let r = tokio::task::spawn_blocking(move || {
        engine.handle_keyx_json(&body, transport, &SystemClock)
    })
    .await;
    let Ok(r) = r else {
        return Answer {
            reason: Some("the engine task failed".into()),
            ..Answer::plain(
                StatusCode::INTERNAL_SERVER_ERROR,
                Action::Keyx,
                Outcome::Error,
                "internal error\n",
            )
        };
    };
    let outcome = match r.status {
        200 => {
            shared.metrics.token_issued();
            Outcome::Ok
        }
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
    }
}

/// The largest `POST /keyx` body read (the key exchange's own document limit).
const KEYX_MAX_BODY: usize = 64 * 1024;
