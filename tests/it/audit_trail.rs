//! The audit trail (issue 19, item 4) over the real server on loopback: issue, validate,
//! renew and cancel a security context, then refusals (a wrong password, malformed XML, a
//! replay, a lockout); the JSON-lines file the `[audit]` section of the data directory's
//! configuration names holds exactly one event per request, with the request's MessageID as
//! correlation id (the `X-Correlation-Id` response header too), and never a secret.

use std::path::Path;

use serde_json::Value;
use wstrust::xml::{datetime, ns, Document};

use crate::server_lockout::append_config;
use crate::server_support::{
    data_dir, demo, fault_of, load, post_soap11, request, start, token_of, Http,
};

const WST: &str = "http://docs.oasis-open.org/ws-sx/ws-trust/200512";
const WSC: &str = "http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512";

fn random_hex() -> String {
    wstrust::crypto::hex(&wstrust::crypto::random_bytes(16).unwrap())
}

/// A SOAP 1.1 request with MessageID `message_id`, a fresh Timestamp and a UsernameToken
/// (PasswordText, fresh Nonce), and `body` as Body.
fn envelope(user: &str, password: &str, message_id: &str, body: &str) -> String {
    crate::server_support::username_envelope(
        user,
        password,
        &format!("{WST}/RST/Issue"),
        message_id,
        body,
    )
}

fn issue_body(applies_to: &str) -> String {
    format!(
        "<wst:RequestSecurityToken xmlns:wst=\"{WST}\">\
         <wst:TokenType>{WSC}/sct</wst:TokenType>\
         <wst:RequestType>{WST}/Issue</wst:RequestType>\
         <wsp:AppliesTo xmlns:wsp=\"http://schemas.xmlsoap.org/ws/2004/09/policy\">\
         <wsa:EndpointReference xmlns:wsa=\"http://www.w3.org/2005/08/addressing\">\
         <wsa:Address>{applies_to}</wsa:Address></wsa:EndpointReference></wsp:AppliesTo>\
         <wst:KeySize>256</wst:KeySize></wst:RequestSecurityToken>"
    )
}

/// An RST of `kind` (Renew, Validate, Cancel) naming the context `identifier` (at
/// `instance`) in its `{kind}Target`.
fn target_body(kind: &str, identifier: &str, instance: Option<&str>) -> String {
    let instance = instance
        .map(|i| format!("<wsc:Instance>{i}</wsc:Instance>"))
        .unwrap_or_default();
    let token_type = if kind == "Validate" {
        format!("<wst:TokenType>{WST}/RSTR/Status</wst:TokenType>")
    } else {
        String::new()
    };
    format!(
        "<wst:RequestSecurityToken xmlns:wst=\"{WST}\">{token_type}\
         <wst:RequestType>{WST}/{kind}</wst:RequestType>\
         <wst:{kind}Target><wsc:SecurityContextToken xmlns:wsc=\"{WSC}\">\
         <wsc:Identifier>{identifier}</wsc:Identifier>{instance}\
         </wsc:SecurityContextToken></wst:{kind}Target></wst:RequestSecurityToken>"
    )
}

/// The `wsc:Instance` of the context in a response.
fn instance_of(resp: &Http) -> Option<String> {
    let doc = Document::parse(&resp.body).unwrap();
    doc.descendants_or_self(doc.root())
        .find(|n| doc.is(*n, ns::WSC13, "Instance"))
        .map(|n| doc.text(n).trim().to_owned())
}

/// The base64 text of the proof key's BinarySecret in a response.
fn proof_text(resp: &Http) -> String {
    let doc = Document::parse(&resp.body).unwrap();
    let n = doc
        .descendants_or_self(doc.root())
        .find(|n| doc.is(*n, ns::WST13, "BinarySecret"))
        .unwrap_or_else(|| panic!("no proof in {}", resp.text()));
    doc.text(n).trim().to_owned()
}

fn sha256_hex(s: &str) -> String {
    wstrust::crypto::hex(&wstrust::crypto::digest(
        wstrust::crypto::DigestAlgorithm::Sha256,
        s.as_bytes(),
    ))
}

/// The audit file's lines, each parsed.
fn events(path: &Path) -> (String, Vec<Value>) {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let events = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    (text, events)
}

/// Sends `xml` and returns the answer and the one event it added to the trail.
fn send(addr: std::net::SocketAddr, audit: &Path, xml: &str) -> (Http, Value) {
    let before = events(audit).1.len();
    let r = post_soap11(addr, "/sts", &format!("{WST}/RST/Issue"), xml);
    let (_, after) = events(audit);
    assert_eq!(after.len(), before + 1, "one event per request: {after:?}");
    (r, after.last().unwrap().clone())
}

/// The fields every event has, and the correlation id equal to the response header.
fn check_common(ev: &Value, r: &Http, correlation_id: &str) {
    assert_eq!(ev["correlation_id"], correlation_id, "{ev}");
    assert_eq!(r.header("x-correlation-id"), Some(correlation_id), "{ev}");
    assert_eq!(ev["client"], "127.0.0.1", "{ev}");
    let t = ev["time"].as_str().unwrap();
    assert!(t.ends_with('Z') && datetime::parse(t).is_some(), "{t}");
}

#[test]
fn one_event_per_request_with_the_message_id_and_never_a_secret() {
    let dir = data_dir("audit");
    let audit = dir.path().join("audit.jsonl");
    let (user, password, rp) = demo(dir.path());
    let srv = start(load(dir.path()));
    let addr = srv.addr();
    assert!(
        audit.exists(),
        "the zero-config data directory turns the trail on"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&audit).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the audit file is private: {mode:o}");
    }

    // Issue.
    let mid = format!("urn:uuid:{}", random_hex());
    let issue_xml = envelope(&user, &password, &mid, &issue_body(&rp));
    let (r, ev) = send(addr, &audit, &issue_xml);
    assert_eq!(r.status, 200, "{}", r.text());
    let (identifier, _) = token_of(&r);
    let proof1 = proof_text(&r);
    check_common(&ev, &r, &mid);
    assert_eq!(ev["event"], "issue");
    assert_eq!(ev["outcome"], "issued");
    assert_eq!(ev["request_type"], "issue");
    assert_eq!(ev["principal"], user.as_str());
    assert_eq!(ev["authn"], "password");
    assert_eq!(ev["realm"], "demo");
    assert_eq!(ev["token_type"], "sct");
    assert_eq!(ev["token_id_sha256"], sha256_hex(&identifier));
    let created = ev["lifetime"]["created"].as_str().unwrap();
    let expires = ev["lifetime"]["expires"].as_str().unwrap();
    assert_eq!(
        datetime::parse(expires).unwrap() - datetime::parse(created).unwrap(),
        3_600_000,
        "the realm's lifetime"
    );
    assert!(
        ev.get("fault").is_none() && ev.get("reason").is_none(),
        "{ev}"
    );

    // Validate.
    let mid = format!("urn:uuid:{}", random_hex());
    let xml = envelope(
        &user,
        &password,
        &mid,
        &target_body("Validate", &identifier, None),
    );
    let (r, ev) = send(addr, &audit, &xml);
    assert_eq!(r.status, 200, "{}", r.text());
    check_common(&ev, &r, &mid);
    assert_eq!(ev["event"], "validate");
    assert_eq!(ev["outcome"], "valid");
    assert_eq!(ev["token_type"], "sct");
    assert_eq!(ev["token_id_sha256"], sha256_hex(&identifier));
    assert_eq!(ev["principal"], user.as_str());

    // Renew, by the owner: same identifier, a new instance and key.
    let mid = format!("urn:uuid:{}", random_hex());
    let xml = envelope(
        &user,
        &password,
        &mid,
        &target_body("Renew", &identifier, None),
    );
    let (r, ev) = send(addr, &audit, &xml);
    assert_eq!(r.status, 200, "{}", r.text());
    let proof2 = proof_text(&r);
    let instance = instance_of(&r).expect("a renewed instance");
    check_common(&ev, &r, &mid);
    assert_eq!(ev["event"], "renew");
    assert_eq!(ev["outcome"], "renewed");
    assert_eq!(ev["token_type"], "sct");
    assert_eq!(ev["token_id_sha256"], sha256_hex(&identifier));
    assert_eq!(ev["realm"], "demo");
    assert!(ev["lifetime"]["expires"].is_string(), "{ev}");

    // Cancel the current instance.
    let mid = format!("urn:uuid:{}", random_hex());
    let body = target_body("Cancel", &identifier, Some(&instance));
    let (r, ev) = send(addr, &audit, &envelope(&user, &password, &mid, &body));
    assert_eq!(r.status, 200, "{}", r.text());
    check_common(&ev, &r, &mid);
    assert_eq!(ev["event"], "cancel");
    assert_eq!(ev["outcome"], "cancelled");
    assert_eq!(ev["token_id_sha256"], sha256_hex(&identifier));

    // Validation of the cancelled context: answered, not valid.
    let mid = format!("urn:uuid:{}", random_hex());
    let body = target_body("Validate", &identifier, Some(&instance));
    let (r, ev) = send(addr, &audit, &envelope(&user, &password, &mid, &body));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(ev["event"], "validate");
    assert_eq!(ev["outcome"], "invalid");

    // A wrong password: refused, the name claimed but no principal.
    let mid = format!("urn:uuid:{}", random_hex());
    let wrong = "not-the-password-7f3a";
    let (r, ev) = send(
        addr,
        &audit,
        &envelope(&user, wrong, &mid, &issue_body(&rp)),
    );
    assert_eq!(fault_of(&r), "FailedAuthentication");
    check_common(&ev, &r, &mid);
    assert_eq!(ev["event"], "refused");
    assert_eq!(ev["outcome"], "refused");
    assert_eq!(ev["request_type"], "issue");
    assert_eq!(ev["authn"], "password");
    assert_eq!(ev["claimed_principal"], user.as_str());
    assert!(ev.get("principal").is_none(), "{ev}");
    assert_eq!(ev["fault"], "wst:FailedAuthentication");
    assert_eq!(ev["reason"], "keys: authentication failed", "{ev}");

    // The issue request again, byte for byte: a replay, refused; still its MessageID.
    let issue_mid = Document::parse(issue_xml.as_bytes())
        .map(|d| {
            let n = d
                .descendants_or_self(d.root())
                .find(|n| d.is(*n, ns::WSA, "MessageID"))
                .unwrap();
            d.text(n).to_string()
        })
        .unwrap();
    let (r, ev) = send(addr, &audit, &issue_xml);
    assert_eq!(fault_of(&r), "FailedAuthentication");
    check_common(&ev, &r, &issue_mid);
    assert_eq!(ev["event"], "refused");
    assert_eq!(ev["fault"], "wst:FailedAuthentication");
    assert!(
        ev["reason"].as_str().unwrap().contains("replay"),
        "the precise reason: {ev}"
    );

    // Malformed XML with a correlation id header: that id.
    let before = events(&audit).1.len();
    let r = request(
        addr,
        "POST",
        "/sts",
        &[
            ("Content-Type", "text/xml; charset=utf-8"),
            ("X-Correlation-Id", "client-chosen-42"),
        ],
        b"<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body>",
    );
    assert_eq!(fault_of(&r), "InvalidRequest");
    let (_, all) = events(&audit);
    assert_eq!(all.len(), before + 1);
    let ev = all.last().unwrap();
    check_common(ev, &r, "client-chosen-42");
    assert_eq!(ev["event"], "refused");
    assert_eq!(ev["fault"], "wst:InvalidRequest");
    assert!(ev.get("request_type").is_none(), "{ev}");

    // Malformed XML without one: a fresh UUID, sent back.
    let r = post_soap11(addr, "/sts", "x", "<not xml");
    let (_, all) = events(&audit);
    let ev = all.last().unwrap();
    let id = r.header("x-correlation-id").unwrap();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    check_common(ev, &r, id);

    // Never a secret: no password (right or wrong), no proof key, no token.
    let (text, all) = events(&audit);
    assert_eq!(all.len(), 9, "{text}");
    for secret in [password.as_str(), wrong, &proof1, &proof2, &identifier] {
        assert!(
            !text.contains(secret),
            "{secret} in the audit trail:\n{text}"
        );
    }
    for fragment in ["SecurityContextToken", "BinarySecret", "wsse:"] {
        assert!(
            !text.contains(fragment),
            "{fragment} in the audit trail:\n{text}"
        );
    }
    // The X-Correlation-Id of a request the engine never saw: none.
    let r = request(addr, "GET", "/sts?wsdl", &[], b"");
    assert!(r.header("x-correlation-id").is_none());
}

#[test]
fn hostile_names_stay_on_their_line_and_a_lockout_is_noted() {
    let dir = data_dir("audit-hostile");
    append_config(
        dir.path(),
        "\n[lockout]\nthreshold = 2\nwindow_secs = 600\n",
    );
    let audit = dir.path().join("audit.jsonl");
    let (user, _, rp) = demo(dir.path());
    let srv = start(load(dir.path()));
    let addr = srv.addr();

    // A user name with a newline, a forged event, a bidi override: escaped, one line.
    let hostile = "eve&#10;{\"event\":\"issue\",\"principal\":\"admin\"}\u{202e}";
    let mid = "not a sane id";
    let (r, ev) = send(addr, &audit, &envelope(hostile, "x", mid, &issue_body(&rp)));
    assert_eq!(fault_of(&r), "FailedAuthentication");
    let claimed = ev["claimed_principal"].as_str().unwrap();
    assert!(claimed.starts_with("eve\\u{a}{"), "{claimed}");
    assert!(claimed.ends_with("\\u{202e}"), "{claimed}");
    let (text, all) = events(&audit);
    assert_eq!(text.lines().count(), 1, "{text}");
    assert_eq!(all.len(), 1);
    // An unusable MessageID is not the correlation id.
    let id = ev["correlation_id"].as_str().unwrap();
    assert_eq!(id.len(), 36, "{id}");
    assert_eq!(r.header("x-correlation-id"), Some(id));

    // Two wrong passwords lock the demo user out; the second refusal says so.
    for i in 0..2 {
        let mid = format!("urn:uuid:{}", random_hex());
        let xml = envelope(&user, &format!("guess-{i}"), &mid, &issue_body(&rp));
        let (r, ev) = send(addr, &audit, &xml);
        assert_eq!(fault_of(&r), "FailedAuthentication");
        if i == 0 {
            assert!(ev.get("lockout").is_none(), "{ev}");
        } else {
            assert_eq!(ev["lockout"]["failures"], 2, "{ev}");
            assert_eq!(ev["lockout"]["window_secs"], 600, "{ev}");
            assert_eq!(ev["lockout"]["source"], "unfamiliar", "{ev}");
        }
    }
}

#[test]
fn without_an_audit_section_there_is_no_trail_and_a_bad_path_is_refused() {
    let dir = data_dir("audit-off");
    let cfg = dir.path().join("wstrust.toml");
    let text = std::fs::read_to_string(&cfg).unwrap();
    let off = text.replace("[audit]\npath = \"audit.jsonl\"\n", "");
    assert_ne!(
        off, text,
        "the data directory's configuration names the trail"
    );
    std::fs::write(&cfg, &off).unwrap();
    let l = load(dir.path());
    assert!(l.audit.is_none());
    assert!(wstrust::config::open_audit(None).unwrap().is_none());
    drop(l);

    let bad = off.replace(
        "[client_trust]",
        "[audit]\npath = \"no/such/dir/a.jsonl\"\n\n[client_trust]",
    );
    std::fs::write(&cfg, bad).unwrap();
    let l = load(dir.path());
    let e = wstrust::config::open_audit(l.audit.as_deref())
        .err()
        .expect("a file in a missing directory is refused at start");
    assert!(e.to_string().contains("[audit] path"), "{e}");
}

#[test]
fn a_collection_gets_one_event_per_token_and_a_refused_one_exactly_one() {
    use crate::engine_support::{self as es, By, Sts, NOW, T13};
    use wstrust::engine::audit::{EventKind, MemorySink};

    let sink = MemorySink::new();
    let Sts { engine, store } = es::sts(false);
    let sts = Sts {
        engine: engine.with_audit(sink.clone()),
        store,
    };
    let one = es::issue_body("");
    let body = format!(
        "<wst:RequestSecurityTokenCollection xmlns:wst=\"{T13}\">{one}{one}</wst:RequestSecurityTokenCollection>"
    );
    es::send_at(&sts, &es::envelope(&body, &By::Client, NOW), false, NOW).ok();
    let ev = sink.events();
    assert_eq!(ev.len(), 2, "{ev:?}");
    for e in &ev {
        assert_eq!(e.event, EventKind::Issue);
        assert_eq!(e.authn, Some("x509"));
        assert_eq!(e.realm.as_deref(), Some("rp"));
        assert_eq!(e.token_type, Some("sct"));
        assert!(e.principal.as_deref().unwrap().contains("CN="), "{e:?}");
        assert!(e.lifetime.is_some());
        assert!(e.correlation_id.starts_with("urn:uuid:"), "{e:?}");
    }
    assert_eq!(ev[0].correlation_id, ev[1].correlation_id, "one request");
    assert_ne!(ev[0].token_id_sha256, ev[1].token_id_sha256, "two tokens");

    // One bad request refuses the batch: one event, the requester known.
    sink.clear();
    let bad = es::rst(
        "Issue",
        &format!("{}<wst:KeySize>64</wst:KeySize>", es::applies_to(es::RP)),
    );
    let body = format!(
        "<wst:RequestSecurityTokenCollection xmlns:wst=\"{T13}\">{one}{bad}</wst:RequestSecurityTokenCollection>"
    );
    let x = es::send_at(&sts, &es::envelope(&body, &By::Client, NOW), false, NOW);
    assert_eq!(x.fault(), "wst:InvalidRequest");
    let ev = sink.events();
    assert_eq!(ev.len(), 1, "{ev:?}");
    assert_eq!(ev[0].event, EventKind::Refused);
    assert_eq!(ev[0].outcome, "refused");
    assert_eq!(ev[0].fault, Some("wst:InvalidRequest"));
    assert!(ev[0].principal.is_some(), "{:?}", ev[0]);
    assert_eq!(
        ev[0].reason.as_deref(),
        x.log.as_deref(),
        "the log's reason"
    );
}

#[test]
fn a_key_exchange_and_its_refusal_are_events_with_the_request_id() {
    use wstrust::crypto::SecretBytes;
    use wstrust::keyx::client::DhRequest;
    use wstrust::keyx::dh::DhGroup;
    use wstrust::keyx::json::write_request;
    use wstrust::keyx::AuthData;

    let dir = data_dir("audit-keyx");
    let audit = dir.path().join("audit.jsonl");
    let (user, password, _) = demo(dir.path());
    let srv = start(load(dir.path()));
    let post = |pw: &str, request_id: &str| {
        let (mut req, _) = DhRequest::new(DhGroup::X25519).unwrap();
        req.auth = Some(AuthData::UsernamePassword {
            username: user.clone(),
            password: SecretBytes::from_slice(pw.as_bytes()),
        });
        request(
            srv.addr(),
            "POST",
            "/keyx",
            &[
                ("Content-Type", "application/json"),
                ("X-Request-Id", request_id),
            ],
            write_request(&req).as_bytes(),
        )
    };
    let r = post(&password, "keyx-ok-1");
    assert_eq!(r.status, 200, "{}", r.text());
    let r2 = post("wrong-keyx-password", "keyx-bad-2");
    assert_eq!(r2.status, 401, "{}", r2.text());

    let (text, ev) = events(&audit);
    assert_eq!(ev.len(), 2, "{text}");
    check_common(&ev[0], &r, "keyx-ok-1");
    assert_eq!(ev[0]["event"], "issue");
    assert_eq!(ev[0]["outcome"], "issued");
    assert_eq!(ev[0]["request_type"], "keyx");
    assert_eq!(ev[0]["principal"], user.as_str());
    assert_eq!(ev[0]["authn"], "password");
    assert_eq!(ev[0]["token_type"], "master-token");
    check_common(&ev[1], &r2, "keyx-bad-2");
    assert_eq!(ev[1]["event"], "refused");
    assert_eq!(ev[1]["fault"], "ENTITYAUTH_FAILED");
    assert!(ev[1].get("principal").is_none(), "{}", ev[1]);
    for secret in [password.as_str(), "wrong-keyx-password"] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
}

#[test]
fn an_assertion_is_followed_from_issue_to_validation_by_the_hash_of_its_id() {
    use crate::engine_support::{self as es, By, Sts, NOW, T13};
    use wstrust::engine::audit::{EventKind, MemorySink};

    let sink = MemorySink::new();
    let Sts { engine, store } = es::sts(false);
    let sts = Sts {
        engine: engine.with_audit(sink.clone()),
        store,
    };
    for (uri, name, ns_, id_attr) in [
        (
            "urn:oasis:names:tc:SAML:2.0:assertion",
            "saml20",
            ns::SAML2,
            "ID",
        ),
        (
            "urn:oasis:names:tc:SAML:1.0:assertion",
            "saml11",
            ns::SAML1,
            "AssertionID",
        ),
    ] {
        sink.clear();
        let body = es::rst(
            "Issue",
            &format!(
                "{}<wst:TokenType>{uri}</wst:TokenType><wst:KeyType>{T13}/Bearer</wst:KeyType>",
                es::applies_to(es::RP)
            ),
        );
        let x = es::send_at(&sts, &es::envelope(&body, &By::Client, NOW), false, NOW);
        let doc = x.ok();
        let a = es::find(doc, ns_, "Assertion").expect("an assertion");
        let id = doc.attribute(a, "", id_attr).unwrap().to_owned();
        let xml = es::outer(doc, a);
        let (code, _) = es::validate_status(&sts, &xml, NOW);
        assert!(code.ends_with("/status/valid"), "{code}");
        let ev = sink.events();
        assert_eq!(ev.len(), 2, "{ev:?}");
        assert_eq!(
            (ev[0].event, ev[1].event),
            (EventKind::Issue, EventKind::Validate)
        );
        assert_eq!(ev[1].outcome, "valid");
        for e in &ev {
            assert_eq!(e.token_type, Some(name), "{e:?}");
            assert_eq!(e.token_id_sha256.as_deref(), Some(sha256_hex(&id).as_str()));
            assert_eq!(e.realm.as_deref(), Some("rp"), "{e:?}");
            let line = e.to_json();
            assert!(!line.contains(&id) && !line.contains("Assertion"), "{line}");
        }
    }
}

#[test]
fn the_binary_writes_the_trail_across_a_reload_and_logs_the_correlation_id() {
    use crate::server_support::{Binary, TempDir};

    let tmp = TempDir::new("audit-binary");
    let dir = tmp.path().join("data");
    let log = tmp.path().join("server.log");
    let d = dir.to_str().unwrap();
    let server = Binary::start_logging(
        &[
            "--data-dir",
            d,
            "--listen",
            "127.0.0.1:0",
            "--log-format",
            "json",
        ],
        Some(&log),
    );
    let audit = dir.join("audit.jsonl");
    assert!(
        server
            .banner
            .contains(&format!("audit trail:  {}", audit.display())),
        "{}",
        server.banner
    );
    let (user, password, rp) = demo(&dir);
    let mid = format!("urn:uuid:{}", random_hex());
    let (r, ev) = send(
        server.addr,
        &audit,
        &envelope(&user, &password, &mid, &issue_body(&rp)),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    check_common(&ev, &r, &mid);
    assert_eq!(ev["event"], "issue");
    // After a configuration reload (SIGHUP) the new engine goes on writing the trail.
    crate::admin_reload::reload(&server, "applied");
    let mid2 = format!("urn:uuid:{}", random_hex());
    let (r, ev) = send(
        server.addr,
        &audit,
        &envelope(&user, &password, &mid2, &issue_body(&rp)),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    check_common(&ev, &r, &mid2);
    assert!(server.terminate());
    let text = std::fs::read_to_string(&log).unwrap();
    let line = text
        .lines()
        .find(|l| l.contains("\"request\"") && l.contains("/sts"))
        .unwrap_or_else(|| panic!("no request line in {text}"));
    let v: Value = serde_json::from_str(line).unwrap();
    assert_eq!(v["fields"]["correlation_id"], mid.as_str(), "{line}");
    assert!(!text.contains(&password), "the password in the log");
}
