//! One trace span per HTTP request (`wstrust.request`), for OpenTelemetry: the binary's
//! subscriber exports spans of [`TARGET`] over OTLP when `[tracing]` is configured (see
//! `cli/otlp.rs`); otherwise no layer wants them and a span costs one disabled-callsite check.
//!
//! The attributes are typed facts (the engine's [`Summary`], the answer's action, outcome and
//! status), never request text; a W3C `traceparent` header makes the span a child of the
//! caller's span.

use hyper::HeaderMap;
use tracing::field::Empty;
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

use super::metrics::{Action, Outcome};
use crate::engine::Summary;

/// The tracing target of request spans (the OTLP layer keeps only this target; the log
/// layer leaves it out).
pub const TARGET: &str = "wstrust_trace";

/// The span of one request, a child of the caller's trace when `headers` carry one.
pub(super) fn request_span(headers: &HeaderMap, method: &str, path: &str, id: &str) -> Span {
    let span = tracing::info_span!(
        target: TARGET,
        "wstrust.request",
        otel.kind = "server",
        otel.status_code = Empty,
        http.request.method = method,
        url.path = path,
        http.response.status_code = Empty,
        wstrust.request_id = id,
        wstrust.action = Empty,
        wstrust.outcome = Empty,
        wstrust.request_type = Empty,
        wstrust.realm = Empty,
        wstrust.token_type = Empty,
        wstrust.fault = Empty,
        wstrust.correlation_id = Empty,
    );
    if !span.is_disabled() {
        let parent = opentelemetry::global::get_text_map_propagator(|p| {
            p.extract(&opentelemetry_http::HeaderExtractor(headers))
        });
        // A span that is not recorded by the OpenTelemetry layer has no context to set.
        let _ = span.set_parent(parent);
    }
    span
}

/// What the answer says about the request, recorded on its span.
pub(super) struct Facts<'a> {
    pub(super) status: u16,
    pub(super) action: Action,
    pub(super) outcome: Outcome,
    pub(super) correlation_id: Option<&'a str>,
    pub(super) summary: &'a Summary,
}

/// Records `facts` on `span` (nothing when the span is disabled).
pub(super) fn finish(span: &Span, facts: &Facts<'_>) {
    if span.is_disabled() {
        return;
    }
    span.record("http.response.status_code", facts.status);
    span.record("wstrust.action", facts.action.label());
    span.record("wstrust.outcome", facts.outcome.label());
    let s = facts.summary;
    if let Some(t) = s.request_type {
        span.record("wstrust.request_type", t.as_str());
    }
    if let Some(r) = &s.realm {
        span.record("wstrust.realm", r.as_str());
    }
    if let Some(t) = s.token_type {
        span.record("wstrust.token_type", t);
    }
    if let Some(f) = s.fault {
        span.record("wstrust.fault", f);
    }
    if let Some(c) = facts.correlation_id {
        span.record("wstrust.correlation_id", c);
    }
    // Faults are answers to bad requests; only our own failures mark the span as an error.
    if facts.outcome == Outcome::Error {
        span.record("otel.status_code", "error");
    }
}
