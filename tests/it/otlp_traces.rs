//! OpenTelemetry traces over OTLP/HTTP (issue 19 item 3), with the real binary and a
//! receiver in the test: `[tracing]` in the configuration makes `wstrust serve` export one
//! `wstrust.request` span per HTTP request, with the realm, request type, token type,
//! outcome and correlation id, as a child of the caller's W3C `traceparent`; the protobuf
//! export is decoded with the official OTLP message types, the JSON one as plain JSON (the
//! OTLP JSON mapping: hex ids, camelCase names); spans still queued at SIGTERM are sent
//! before the process exits; no password reaches the collector.

use std::collections::HashMap;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpListener};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use prost::Message as _;
use wstrust::config::datadir;

use crate::server_support::{demo, get, request, rst_username, Binary, TempDir};

const ISSUE_SCT: &str = "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/SCT";
const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_ID: &str = "00f067aa0ba902b7";

/// One export the receiver got: its `Content-Type` and body.
pub(crate) struct Export {
    content_type: String,
    body: Vec<u8>,
}

/// A minimal OTLP/HTTP receiver: answers every POST with 200 and an empty export response,
/// and hands each export to the test.
pub(crate) fn receiver() -> (SocketAddr, mpsc::Receiver<Export>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            let tx = tx.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(conn.try_clone().unwrap());
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let mut headers = HashMap::new();
                    loop {
                        let mut h = String::new();
                        reader.read_line(&mut h).unwrap();
                        let h = h.trim_end();
                        if h.is_empty() {
                            break;
                        }
                        if let Some((k, v)) = h.split_once(':') {
                            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
                        }
                    }
                    let n: usize = headers
                        .get("content-length")
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(0);
                    let mut body = vec![0; n];
                    reader.read_exact(&mut body).unwrap();
                    let content_type = headers.get("content-type").cloned().unwrap_or_default();
                    let json = content_type.starts_with("application/json");
                    let answer: &[u8] = if json { b"{}" } else { b"" };
                    let head = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: {}\r\nContent-Length: {}\r\n\r\n",
                        if json {
                            "application/json"
                        } else {
                            "application/x-protobuf"
                        },
                        answer.len()
                    );
                    let _ = conn.write_all(head.as_bytes());
                    let _ = conn.write_all(answer);
                    let _ = tx.send(Export { content_type, body });
                }
            });
        }
    });
    (addr, rx)
}

/// A span as the test looks at it.
#[derive(Debug)]
pub(crate) struct Span {
    name: String,
    kind: i64,
    trace_id: String,
    parent_span_id: String,
    attributes: HashMap<String, String>,
    service_name: Option<String>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn from_protobuf(body: &[u8]) -> Vec<Span> {
    let req = ExportTraceServiceRequest::decode(body).expect("an OTLP protobuf export");
    let mut out = Vec::new();
    for rs in req.resource_spans {
        let service_name = rs.resource.as_ref().and_then(|r| {
            r.attributes
                .iter()
                .find_map(|kv| match kv.value.as_ref()?.value.as_ref()? {
                    Value::StringValue(s) if kv.key == "service.name" => Some(s.clone()),
                    _ => None,
                })
        });
        for ss in rs.scope_spans {
            for s in ss.spans {
                let attributes = s
                    .attributes
                    .iter()
                    .filter_map(|kv| {
                        let v = match kv.value.as_ref()?.value.as_ref()? {
                            Value::StringValue(s) => s.clone(),
                            Value::IntValue(i) => i.to_string(),
                            Value::BoolValue(b) => b.to_string(),
                            other => format!("{other:?}"),
                        };
                        Some((kv.key.clone(), v))
                    })
                    .collect();
                out.push(Span {
                    name: s.name,
                    kind: i64::from(s.kind),
                    trace_id: hex(&s.trace_id),
                    parent_span_id: hex(&s.parent_span_id),
                    attributes,
                    service_name: service_name.clone(),
                });
            }
        }
    }
    out
}

fn from_json(body: &[u8]) -> Vec<Span> {
    let doc: serde_json::Value = serde_json::from_slice(body).expect("an OTLP JSON export");
    let text = |v: &serde_json::Value| -> String {
        let v = &v["value"];
        v.get("stringValue")
            .and_then(|s| s.as_str().map(str::to_owned))
            .or_else(|| {
                v.get("intValue")
                    .map(|i| i.to_string().trim_matches('"').to_owned())
            })
            .or_else(|| v.get("boolValue").map(ToString::to_string))
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    for rs in doc["resourceSpans"].as_array().expect("resourceSpans") {
        let service_name = rs["resource"]["attributes"]
            .as_array()
            .and_then(|a| a.iter().find(|kv| kv["key"] == "service.name"))
            .map(text);
        for ss in rs["scopeSpans"].as_array().expect("scopeSpans") {
            for s in ss["spans"].as_array().expect("spans") {
                let attributes = s["attributes"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .map(|kv| (kv["key"].as_str().unwrap().to_owned(), text(kv)))
                            .collect()
                    })
                    .unwrap_or_default();
                out.push(Span {
                    name: s["name"].as_str().unwrap().to_owned(),
                    kind: s["kind"].as_i64().unwrap_or(0),
                    trace_id: s["traceId"].as_str().unwrap_or("").to_ascii_lowercase(),
                    parent_span_id: s["parentSpanId"]
                        .as_str()
                        .unwrap_or("")
                        .to_ascii_lowercase(),
                    attributes,
                    service_name: service_name.clone(),
                });
            }
        }
    }
    out
}

/// The spans of every export received until `want` spans have come (or 30 s have passed),
/// and the raw bodies (to look for secrets).
pub(crate) fn collect(
    rx: &mpsc::Receiver<Export>,
    want: usize,
    json: bool,
) -> (Vec<Span>, Vec<u8>) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let (mut spans, mut raw) = (Vec::new(), Vec::new());
    while spans.len() < want {
        let left = deadline.saturating_duration_since(Instant::now());
        let Ok(e) = rx.recv_timeout(left) else { break };
        if json {
            assert!(
                e.content_type.starts_with("application/json"),
                "{}",
                e.content_type
            );
            spans.extend(from_json(&e.body));
        } else {
            assert_eq!(e.content_type, "application/x-protobuf");
            spans.extend(from_protobuf(&e.body));
        }
        raw.extend_from_slice(&e.body);
    }
    (spans, raw)
}

/// POSTs the SOAP 1.1 SCT request `xml` to `/sts`, with `traceparent` when given.
fn issue(addr: SocketAddr, xml: &str, traceparent: Option<&str>) -> crate::server_support::Http {
    let action = format!("\"{ISSUE_SCT}\"");
    let mut headers = vec![
        ("Content-Type", "text/xml; charset=utf-8"),
        ("SOAPAction", action.as_str()),
    ];
    if let Some(t) = traceparent {
        headers.push(("traceparent", t));
    }
    request(addr, "POST", "/sts", &headers, xml.as_bytes())
}

fn with_tracing(dir: &TempDir, collector: SocketAddr, extra: &str) -> String {
    let path = dir.path().join(datadir::CONFIG_FILE);
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str(&format!(
        "\n[tracing]\notlp_endpoint = \"http://{collector}/v1/traces\"\n{extra}"
    ));
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

pub(crate) fn attr<'a>(s: &'a Span, key: &str) -> &'a str {
    s.attributes
        .get(key)
        .map(String::as_str)
        .unwrap_or_else(|| panic!("span {} has no {key}: {:?}", s.name, s.attributes))
}

/// The span whose `url.path` is `path` and outcome is `outcome`.
pub(crate) fn span_of<'a>(spans: &'a [Span], path: &str, outcome: &str) -> &'a Span {
    spans
        .iter()
        .find(|s| {
            s.attributes.get("url.path").map(String::as_str) == Some(path)
                && s.attributes.get("wstrust.outcome").map(String::as_str) == Some(outcome)
        })
        .unwrap_or_else(|| panic!("no {outcome} span for {path} in {spans:#?}"))
}

#[test]
fn request_spans_reach_an_otlp_protobuf_receiver() {
    let (collector, rx) = receiver();
    let dir = TempDir::new("otlp-proto");
    datadir::init(dir.path(), "127.0.0.1:0").unwrap();
    let (user, password, applies_to) = demo(dir.path());
    let config = with_tracing(&dir, collector, "export_delay_ms = 100\n");
    let srv = Binary::start(&["--config", &config, "--listen", "127.0.0.1:0"]);

    // An Issue that continues the caller's trace.
    let traceparent = format!("00-{TRACE_ID}-{PARENT_ID}-01");
    let xml = rst_username(&user, &password, &applies_to);
    let ok = issue(srv.addr, &xml, Some(&traceparent));
    assert_eq!(ok.status, 200, "{}", ok.text());
    let correlation = ok.header("x-correlation-id").unwrap().to_owned();
    // A wrong password: a fault, in a trace of its own.
    let bad = rst_username(&user, "not-the-password", &applies_to);
    let refused = issue(srv.addr, &bad, None);
    assert_eq!(refused.status, 500);
    assert_eq!(get(srv.addr, "/livez").status, 200);

    let (spans, raw) = collect(&rx, 3, false);
    assert!(spans.len() >= 3, "three requests, three spans: {spans:#?}");
    for s in &spans {
        assert_eq!(s.name, "wstrust.request");
        assert_eq!(s.kind, 2, "SPAN_KIND_SERVER");
        assert_eq!(s.service_name.as_deref(), Some("wstrust"));
    }

    let issued = span_of(&spans, "/sts", "ok");
    assert_eq!(issued.trace_id, TRACE_ID, "the caller's trace continues");
    assert_eq!(issued.parent_span_id, PARENT_ID);
    assert_eq!(attr(issued, "http.request.method"), "POST");
    assert_eq!(attr(issued, "http.response.status_code"), "200");
    assert_eq!(attr(issued, "wstrust.action"), "issue");
    assert_eq!(attr(issued, "wstrust.request_type"), "issue");
    assert_eq!(attr(issued, "wstrust.realm"), "demo");
    assert_eq!(attr(issued, "wstrust.token_type"), "sct");
    assert_eq!(attr(issued, "wstrust.correlation_id"), correlation);

    let fault = span_of(&spans, "/sts", "fault");
    assert_ne!(fault.trace_id, TRACE_ID, "no traceparent: a new trace");
    assert!(fault.parent_span_id.is_empty());
    assert_eq!(attr(fault, "wstrust.fault"), "FailedAuthentication");
    assert_eq!(attr(fault, "http.response.status_code"), "500");
    assert!(!fault.attributes.contains_key("wstrust.token_type"));

    let live = span_of(&spans, "/livez", "ok");
    assert_eq!(attr(live, "wstrust.action"), "healthz");

    let raw = String::from_utf8_lossy(&raw);
    assert!(!raw.contains(&password), "no password in the export");
    assert!(
        !raw.contains("not-the-password"),
        "no attempted password either"
    );
    assert!(srv.terminate());
}

#[test]
fn json_exports_and_spans_queued_at_shutdown_are_sent() {
    let (collector, rx) = receiver();
    let dir = TempDir::new("otlp-json");
    datadir::init(dir.path(), "127.0.0.1:0").unwrap();
    let (user, password, applies_to) = demo(dir.path());
    // A batch delay longer than the test: only the flush at SIGTERM can send the span.
    let config = with_tracing(
        &dir,
        collector,
        "otlp_protocol = \"http/json\"\nservice_name = \"sts-eu-1\"\nexport_delay_ms = 600000\n",
    );
    let srv = Binary::start(&["--config", &config, "--listen", "127.0.0.1:0"]);
    let xml = rst_username(&user, &password, &applies_to);
    let ok = issue(srv.addr, &xml, None);
    assert_eq!(ok.status, 200, "{}", ok.text());
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        rx.try_recv().is_err(),
        "nothing is sent before the batch delay"
    );
    assert!(srv.terminate(), "a clean exit");
    let (spans, _) = collect(&rx, 1, true);
    let s = span_of(&spans, "/sts", "ok");
    assert_eq!(s.service_name.as_deref(), Some("sts-eu-1"));
    assert_eq!(s.trace_id.len(), 32, "a hex trace id: {}", s.trace_id);
    assert_eq!(attr(s, "wstrust.realm"), "demo");
    assert_eq!(attr(s, "wstrust.request_type"), "issue");
}

#[test]
fn a_bad_tracing_section_is_refused_at_load() {
    let dir = TempDir::new("otlp-bad");
    datadir::init(dir.path(), "127.0.0.1:0").unwrap();
    let path = dir.path().join(datadir::CONFIG_FILE);
    let base = std::fs::read_to_string(&path).unwrap();
    for (section, setting) in [
        (
            "otlp_endpoint = \"collector:4318\"",
            "tracing.otlp_endpoint",
        ),
        (
            "otlp_endpoint = \"https://collector:4318/v1/traces\"",
            "tracing.otlp_ca",
        ),
        (
            "otlp_endpoint = \"http://c/v1/traces\"\notlp_protocol = \"grpc\"",
            "tracing.otlp_protocol",
        ),
        (
            "otlp_endpoint = \"http://c/v1/traces\"\nsample_ratio = 1.5",
            "tracing.sample_ratio",
        ),
    ] {
        std::fs::write(&path, format!("{base}\n[tracing]\n{section}\n")).unwrap();
        let e = wstrust::config::load(&path).unwrap_err().to_string();
        assert!(e.contains(setting), "{section}: {e}");
    }
}
