//! `GET /readyz` and `GET /metrics`.

use super::{Answer, Shared};
use crate::server::metrics::{Action, Outcome};
use crate::wss::SystemClock;
use bytes::Bytes;
use hyper::StatusCode;
use std::sync::atomic::Ordering;

/// `GET /readyz`: 200 when the engine is ready ([`Engine::readiness`]) and the server is not
/// draining, else 503; the body is a small JSON report of each check (fixed texts only).
pub(super) fn ready(shared: &Shared) -> Answer {
    let r = shared
        .engine()
        .readiness(crate::wss::Clock::now_ms(&SystemClock));
    let draining = shared.draining.load(Ordering::Relaxed);
    let mut body = String::from("{\"checks\":{");
    for (i, c) in r.checks.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(&format!(
            "\"{}\":{{\"ok\":{},\"detail\":\"{}\"}}",
            c.name, c.ok, c.detail
        ));
    }
    body.push_str(&format!(
        ",\"draining\":{{\"ok\":{},\"detail\":\"{}\"}}}},",
        !draining,
        if draining { "shutting down" } else { "serving" }
    ));
    let ok = r.ready() && !draining;
    body.push_str(&format!("\"ready\":{ok}}}\n"));
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    Answer {
        content_type: "application/json",
        body: Bytes::from(body),
        ..Answer::plain(
            status,
            Action::Health,
            if ok { Outcome::Ok } else { Outcome::Error },
            "",
        )
    }
}

/// `GET /metrics`: the counters and the gauges read from the engine now.
pub(super) fn metrics_text(shared: &Shared) -> String {
    let mut text = shared.metrics.render_with(shared.engine().auth_counters());
    let readiness = shared
        .engine()
        .readiness(crate::wss::Clock::now_ms(&SystemClock));
    crate::server::metrics::write_readiness(
        &mut text,
        &readiness,
        shared.draining.load(Ordering::Relaxed),
        shared.engine().config().signing_cert.not_after(),
    );
    text
}
