//! Prometheus counters, lock-free: every series is an atomic in a fixed table (the label
//! values are closed sets), so recording a request never takes a lock.
//!
//! The action, outcome and fault code of a request come from typed values: the engine's
//! [`Summary`](crate::engine::Summary) of what it read and answered, else the `SOAPAction`
//! (or SOAP 1.2 `action` parameter); no request or response text is scanned for them.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use crate::engine::lockout::AuthCounters;
use crate::engine::RequestKind;

/// What a request asked for.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
#[non_exhaustive]
pub enum Action {
    /// WS-Trust Cancel.
    Cancel,
    /// `GET /healthz`.
    Health,
    /// WS-Trust Issue (including SCT issue).
    Issue,
    /// `POST /keyx` (JSON key exchange).
    Keyx,
    /// MEX (`GET` or SOAP `GetMetadata`).
    Metadata,
    /// `GET /metrics`.
    Metrics,
    /// Anything else.
    Other,
    /// WS-Trust Renew.
    Renew,
    /// WS-Trust Validate.
    Validate,
    /// `GET /sts?wsdl`.
    Wsdl,
}

const ACTIONS: [Action; 10] = [
    Action::Cancel,
    Action::Health,
    Action::Issue,
    Action::Keyx,
    Action::Metadata,
    Action::Metrics,
    Action::Other,
    Action::Renew,
    Action::Validate,
    Action::Wsdl,
];

impl Action {
    /// The label value.
    pub fn label(self) -> &'static str {
        match self {
            Self::Cancel => "cancel",
            Self::Health => "healthz",
            Self::Issue => "issue",
            Self::Keyx => "keyx",
            Self::Metadata => "mex",
            Self::Metrics => "metrics",
            Self::Other => "other",
            Self::Renew => "renew",
            Self::Validate => "validate",
            Self::Wsdl => "wsdl",
        }
    }

    fn index(self) -> usize {
        ACTIONS.iter().position(|a| *a == self).unwrap_or(0)
    }

    /// The WS-Trust action of an STS request named by its SOAP action URI, if it names one.
    pub fn of_soap_action(action_uri: Option<&str>) -> Self {
        action_uri.and_then(from_uri).unwrap_or(Self::Other)
    }

    /// The action of a request the engine read, by its [`Summary::request_type`]
    /// (`None`: the engine did not get as far as reading it, or it is none of ours).
    ///
    /// [`Summary::request_type`]: crate::engine::Summary::request_type
    pub fn of_request_type(request_type: Option<RequestKind>) -> Option<Self> {
        Some(match request_type? {
            RequestKind::Issue | RequestKind::KeyExchange | RequestKind::KeyTransfer => Self::Issue,
            RequestKind::Renew => Self::Renew,
            RequestKind::Cancel => Self::Cancel,
            RequestKind::Validate => Self::Validate,
            _ => return None,
        })
    }
}

fn from_uri(uri: &str) -> Option<Action> {
    let last = uri.trim().rsplit('/').next()?;
    Some(match last {
        "Issue" | "SCT" => Action::Issue,
        "Renew" => Action::Renew,
        "Cancel" => Action::Cancel,
        "Validate" => Action::Validate,
        _ => return None,
    })
}

/// How a request ended.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
#[non_exhaustive]
pub enum Outcome {
    /// Refused before the engine (size, method, path, content type, timeout).
    Rejected,
    /// A SOAP fault, or a key exchange refusal (4xx JSON error).
    Fault,
    /// Answered.
    Ok,
    /// Our failure (e.g. the engine task failed).
    Error,
}

const OUTCOMES: [Outcome; 4] = [
    Outcome::Error,
    Outcome::Fault,
    Outcome::Ok,
    Outcome::Rejected,
];

impl Outcome {
    /// The label value.
    pub fn label(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Fault => "fault",
            Self::Ok => "ok",
            Self::Rejected => "rejected",
        }
    }

    fn index(self) -> usize {
        OUTCOMES.iter().position(|o| *o == self).unwrap_or(0)
    }
}

/// Fault codes counted (the local names our faults use); others count as `other`.
const FAULT_CODES: [&str; 10] = [
    "FailedAuthentication",
    "InvalidRequest",
    "InvalidScope",
    "RequestFailed",
    "InvalidSecurity",
    "MustUnderstand",
    "VersionMismatch",
    "Sender",
    "Receiver",
    "other",
];

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The server's counters.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: [[AtomicU64; 4]; 10],
    buckets: [AtomicU64; 11],
    latency_count: AtomicU64,
    latency_micros: AtomicU64,
    tokens_issued: AtomicU64,
    faults: [AtomicU64; 10],
    replays: AtomicU64,
    rate_limited: AtomicU64,
    connections: AtomicI64,
    connections_refused: AtomicU64,
    /// Configuration reloads: applied, failed.
    reloads: [AtomicU64; 2],
}

impl Metrics {
    /// Records one request.
    pub fn request(&self, action: Action, outcome: Outcome, elapsed: Duration) {
        if let Some(c) = self
            .requests
            .get(action.index())
            .and_then(|r| r.get(outcome.index()))
        {
            c.fetch_add(1, Ordering::Relaxed);
        }
        let secs = elapsed.as_secs_f64();
        if let Some(i) = BUCKETS.iter().position(|b| secs <= *b) {
            if let Some(b) = self.buckets.get(i) {
                b.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.latency_count.fetch_add(1, Ordering::Relaxed);
        self.latency_micros.fetch_add(
            u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
    }

    /// Records `n` issued (or renewed) tokens.
    pub fn tokens_issued(&self, n: u32) {
        self.tokens_issued
            .fetch_add(u64::from(n), Ordering::Relaxed);
    }

    /// Records a fault with `code` (one of the counted codes, else `other`).
    pub fn fault(&self, code: &str) {
        let i = FAULT_CODES
            .iter()
            .position(|c| *c == code)
            .unwrap_or(FAULT_CODES.len() - 1);
        if let Some(c) = self.faults.get(i) {
            c.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Records a configuration reload, applied (`true`) or failed.
    pub fn count_reload(&self, applied: bool) {
        if let Some(c) = self.reloads.get(usize::from(!applied)) {
            c.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Records a message refused as a replay.
    pub fn replay(&self) {
        self.replays.fetch_add(1, Ordering::Relaxed);
    }

    /// Records a request refused by the per-source rate limit.
    pub fn rate_limited(&self) {
        self.rate_limited.fetch_add(1, Ordering::Relaxed);
    }

    /// A connection closed unread: its address had its limit of open connections.
    pub fn connection_refused(&self) {
        self.connections_refused.fetch_add(1, Ordering::Relaxed);
    }

    /// A connection opened (`+1`) or closed (`-1`).
    pub fn connection(&self, delta: i64) {
        self.connections.fetch_add(delta, Ordering::Relaxed);
    }

    /// The Prometheus text exposition (format 0.0.4).
    pub fn render(&self) -> String {
        self.render_with(&AuthCounters::default())
    }

    /// [`Self::render`] with the engine's password-check counters.
    pub fn render_with(&self, auth: &AuthCounters) -> String {
        let mut s = String::with_capacity(4096);
        let _ = self.write(&mut s);
        let _ = write_auth(&mut s, auth);
        s
    }

    fn write(&self, s: &mut String) -> std::fmt::Result {
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        writeln!(
            s,
            "# HELP wstrust_requests_total Requests by action and outcome."
        )?;
        writeln!(s, "# TYPE wstrust_requests_total counter")?;
        for (a, row) in ACTIONS.iter().zip(&self.requests) {
            for (o, c) in OUTCOMES.iter().zip(row) {
                writeln!(
                    s,
                    "wstrust_requests_total{{action=\"{}\",outcome=\"{}\"}} {}",
                    a.label(),
                    o.label(),
                    get(c)
                )?;
            }
        }
        writeln!(
            s,
            "# HELP wstrust_request_duration_seconds Time to answer a request."
        )?;
        writeln!(s, "# TYPE wstrust_request_duration_seconds histogram")?;
        let mut cumulative = 0;
        for (b, c) in BUCKETS.iter().zip(&self.buckets) {
            cumulative += get(c);
            writeln!(
                s,
                "wstrust_request_duration_seconds_bucket{{le=\"{b}\"}} {cumulative}"
            )?;
        }
        let count = get(&self.latency_count);
        writeln!(
            s,
            "wstrust_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}"
        )?;
        writeln!(
            s,
            "wstrust_request_duration_seconds_sum {}",
            get(&self.latency_micros) as f64 / 1e6
        )?;
        writeln!(s, "wstrust_request_duration_seconds_count {count}")?;
        writeln!(
            s,
            "# HELP wstrust_tokens_issued_total Tokens issued or renewed."
        )?;
        writeln!(s, "# TYPE wstrust_tokens_issued_total counter")?;
        writeln!(
            s,
            "wstrust_tokens_issued_total {}",
            get(&self.tokens_issued)
        )?;
        writeln!(s, "# HELP wstrust_faults_total SOAP faults sent, by code.")?;
        writeln!(s, "# TYPE wstrust_faults_total counter")?;
        for (code, c) in FAULT_CODES.iter().zip(&self.faults) {
            writeln!(s, "wstrust_faults_total{{code=\"{code}\"}} {}", get(c))?;
        }
        writeln!(
            s,
            "# HELP wstrust_replay_refusals_total Messages refused as replays."
        )?;
        writeln!(s, "# TYPE wstrust_replay_refusals_total counter")?;
        writeln!(s, "wstrust_replay_refusals_total {}", get(&self.replays))?;
        writeln!(
            s,
            "# HELP wstrust_rate_limited_total Requests refused by the per-source rate limit."
        )?;
        writeln!(s, "# TYPE wstrust_rate_limited_total counter")?;
        writeln!(s, "wstrust_rate_limited_total {}", get(&self.rate_limited))?;
        writeln!(
            s,
            "# HELP wstrust_connections_open Connections being served."
        )?;
        writeln!(s, "# TYPE wstrust_connections_open gauge")?;
        writeln!(
            s,
            "wstrust_connections_open {}",
            self.connections.load(Ordering::Relaxed)
        )?;
        writeln!(
            s,
            "# HELP wstrust_connections_refused_total Connections closed unread: their address \
             had max_connections_per_source open."
        )?;
        writeln!(s, "# TYPE wstrust_connections_refused_total counter")?;
        writeln!(
            s,
            "wstrust_connections_refused_total {}",
            get(&self.connections_refused)
        )?;
        writeln!(
            s,
            "# HELP wstrust_config_reloads_total Configuration reloads (SIGHUP), by outcome:              applied, or failed (the previous configuration stays in use)."
        )?;
        writeln!(s, "# TYPE wstrust_config_reloads_total counter")?;
        for (i, outcome) in ["applied", "failed"].iter().enumerate() {
            if let Some(c) = self.reloads.get(i) {
                writeln!(
                    s,
                    "wstrust_config_reloads_total{{outcome=\"{outcome}\"}} {}",
                    get(c)
                )?;
            }
        }
        Ok(())
    }
}

fn write_auth(s: &mut String, auth: &AuthCounters) -> std::fmt::Result {
    writeln!(
        s,
        "# HELP wstrust_auth_failures_total Failed password checks (also while locked out)."
    )?;
    writeln!(s, "# TYPE wstrust_auth_failures_total counter")?;
    writeln!(s, "wstrust_auth_failures_total {}", auth.failures())?;
    writeln!(
        s,
        "# HELP wstrust_lockouts_total Times a user's failures reached a lockout threshold."
    )?;
    writeln!(s, "# TYPE wstrust_lockouts_total counter")?;
    writeln!(s, "wstrust_lockouts_total {}", auth.lockouts())
}

/// The gauges read from the engine at each scrape: readiness (1 ready, 0 not; draining
/// counts as not ready) and the signing certificate's end of validity (Unix seconds), for an
/// alert ahead of expiry.
pub fn write_readiness(
    s: &mut String,
    readiness: &crate::engine::readiness::Readiness,
    draining: bool,
    signing_not_after: i64,
) {
    let ready = u8::from(readiness.ready() && !draining);
    let _ = writeln!(
        s,
        "# HELP wstrust_ready Whether /readyz answers 200 (1) or 503 (0)."
    );
    let _ = writeln!(s, "# TYPE wstrust_ready gauge");
    let _ = writeln!(s, "wstrust_ready {ready}");
    let _ = writeln!(
        s,
        "# HELP wstrust_readiness_check Each readiness check: 1 passed, 0 failed."
    );
    let _ = writeln!(s, "# TYPE wstrust_readiness_check gauge");
    for c in &readiness.checks {
        let _ = writeln!(
            s,
            "wstrust_readiness_check{{check=\"{}\"}} {}",
            c.name,
            u8::from(c.ok)
        );
    }
    let _ = writeln!(
        s,
        "# HELP wstrust_signing_certificate_not_after_seconds End of the token-signing certificate's validity (Unix time)."
    );
    let _ = writeln!(
        s,
        "# TYPE wstrust_signing_certificate_not_after_seconds gauge"
    );
    let _ = writeln!(
        s,
        "wstrust_signing_certificate_not_after_seconds {signing_not_after}"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_from_uris_and_request_types() {
        let i = "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue";
        assert_eq!(Action::of_soap_action(Some(i)), Action::Issue);
        let sct = "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/SCT/Cancel";
        assert_eq!(Action::of_soap_action(Some(sct)), Action::Cancel);
        assert_eq!(Action::of_soap_action(Some("urn:x")), Action::Other);
        assert_eq!(Action::of_soap_action(None), Action::Other);
        assert_eq!(
            Action::of_request_type(Some(RequestKind::Renew)),
            Some(Action::Renew)
        );
        assert_eq!(
            Action::of_request_type(Some(RequestKind::KeyExchange)),
            Some(Action::Issue)
        );
        assert_eq!(Action::of_request_type(Some(RequestKind::Other)), None);
        assert_eq!(Action::of_request_type(None), None);
    }

    #[test]
    fn unknown_fault_codes_count_as_other() {
        let m = Metrics::default();
        m.fault("FailedCheck");
        m.fault("InvalidScope");
        let t = m.render();
        assert!(
            t.contains("wstrust_faults_total{code=\"other\"} 1\n"),
            "{t}"
        );
        assert!(
            t.contains("wstrust_faults_total{code=\"InvalidScope\"} 1\n"),
            "{t}"
        );
    }

    #[test]
    fn exposition_counts_cumulatively() {
        let m = Metrics::default();
        m.request(Action::Issue, Outcome::Ok, Duration::from_millis(3));
        m.request(Action::Issue, Outcome::Fault, Duration::from_millis(30));
        m.fault("InvalidScope");
        let t = m.render();
        assert!(t.contains("wstrust_requests_total{action=\"issue\",outcome=\"ok\"} 1\n"));
        assert!(t.contains("wstrust_request_duration_seconds_bucket{le=\"0.005\"} 1\n"));
        assert!(t.contains("wstrust_request_duration_seconds_bucket{le=\"0.05\"} 2\n"));
        assert!(t.contains("wstrust_request_duration_seconds_count 2\n"));
        assert!(t.contains("wstrust_faults_total{code=\"InvalidScope\"} 1\n"));
        assert!(t.contains("wstrust_auth_failures_total 0\n"));
        assert!(t.contains("wstrust_lockouts_total 0\n"));
        m.rate_limited();
        assert!(m.render().contains("wstrust_rate_limited_total 1\n"));
    }
}
