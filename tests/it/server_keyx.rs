//! `POST /keyx` over real HTTP against the in-process server of a zero-config data directory:
//! both key exchange schemes with the demo user's password (loopback counts as confidential
//! there), both sides end with the same session keys; refusals are JSON with stable codes.

use wstrust::config::{datadir, token_keys};
use wstrust::crypto::SecretBytes;
use wstrust::engine::keyx::verify_session_mac;
use wstrust::keyx::client::{AsymmetricWrappedRequest, DhRequest, PendingExchange};
use wstrust::keyx::dh::DhGroup;
use wstrust::keyx::json::{parse_error, parse_response, write_request};
use wstrust::keyx::{open_master_token, AuthData, ErrorCode, KeyRequest, MasterTokenKeys};
use wstrust::wss::{Clock, SystemClock};

use crate::server_support::{data_dir, demo, get, load, request, start, Http};

fn post_json(addr: std::net::SocketAddr, body: &[u8]) -> Http {
    request(
        addr,
        "POST",
        "/keyx",
        &[("Content-Type", "application/json")],
        body,
    )
}

fn with_password(mut r: KeyRequest, user: &str, password: &str) -> KeyRequest {
    r.auth = Some(AuthData::UsernamePassword {
        username: user.to_owned(),
        password: SecretBytes::from_slice(password.as_bytes()),
    });
    r
}

fn error_code(r: &Http) -> String {
    let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    v["error"]["code"].as_str().unwrap().to_owned()
}

/// Runs one exchange and checks the client's keys against the master token opened with the
/// data directory's keys, and a session MAC against the service-side check.
fn exchange(
    addr: std::net::SocketAddr,
    keys: &MasterTokenKeys,
    user: &str,
    password: &str,
    (req, pending): (KeyRequest, PendingExchange),
) {
    let r = post_json(
        addr,
        write_request(&with_password(req, user, password)).as_bytes(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("application/json"));
    let response = parse_response(&r.body).unwrap();
    let (session, token) = pending.complete(&response).unwrap();
    let claims = open_master_token(&token, keys).unwrap();
    assert_eq!(claims.identity, user);
    assert!(claims.session.same_as(&session), "session keys differ");
    let now = SystemClock.now_ms() / 1000;
    let message = b"a message to a service sharing the token keys";
    let mac = session.mac(message);
    let c = verify_session_mac(&token, keys, message, &mac, now, None).unwrap();
    assert_eq!(c.serial_number, claims.serial_number);
    let mut bad = mac;
    bad[0] ^= 1;
    assert!(verify_session_mac(&token, keys, message, &bad, now, None).is_err());
}

#[test]
fn both_schemes_over_http_and_json_refusals() {
    let dir = data_dir("keyx");
    let keys = token_keys::load_master(&dir.path().join(datadir::MASTER_TOKEN_KEYS_FILE)).unwrap();
    let server = start(load(dir.path()));
    let (user, password, _) = demo(dir.path());
    let addr = server.addr();

    exchange(
        addr,
        &keys,
        &user,
        &password,
        AsymmetricWrappedRequest::new("kp-http").unwrap(),
    );
    exchange(
        addr,
        &keys,
        &user,
        &password,
        DhRequest::new(DhGroup::X25519).unwrap(),
    );
    exchange(
        addr,
        &keys,
        &user,
        &password,
        DhRequest::new(DhGroup::Ffdhe2048).unwrap(),
    );

    // A wrong password: 401 with the stable code and the generic message.
    let (req, _) = DhRequest::new(DhGroup::X25519).unwrap();
    let r = post_json(
        addr,
        write_request(&with_password(req, &user, "not the password")).as_bytes(),
    );
    assert_eq!(r.status, 401, "{}", r.text());
    assert_eq!(error_code(&r), "ENTITYAUTH_FAILED");
    assert_eq!(parse_error(&r.body), Some(ErrorCode::AuthFailed));
    assert!(!r.text().contains("not the password"));

    // Malformed JSON: 400.
    let r = post_json(addr, b"{\"scheme\": \"DH\", \"keydata\": ");
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(error_code(&r), "KEYX_MALFORMED_REQUEST");

    // Not JSON at all: 415 before the engine; GET: 405.
    let r = request(
        addr,
        "POST",
        "/keyx",
        &[("Content-Type", "text/xml")],
        b"<a/>",
    );
    assert_eq!(r.status, 415);
    assert_eq!(get(addr, "/keyx").status, 405);

    // Counted by outcome.
    let m = get(addr, "/metrics").text();
    assert!(
        m.contains("wstrust_requests_total{action=\"keyx\",outcome=\"ok\"} 3\n"),
        "{m}"
    );
    assert!(m.contains("wstrust_requests_total{action=\"keyx\",outcome=\"fault\"} 2\n"));
    assert!(m.contains("wstrust_requests_total{action=\"keyx\",outcome=\"rejected\"} 1\n"));
}

#[test]
fn keyx_off_in_the_config_is_404() {
    let dir = data_dir("keyx-off");
    let cfg = dir.path().join(datadir::CONFIG_FILE);
    let text = std::fs::read_to_string(&cfg).unwrap();
    assert!(text.contains("[keyx]\nenabled = true\n"));
    std::fs::write(
        &cfg,
        text.replace("[keyx]\nenabled = true\n", "[keyx]\nenabled = false\n"),
    )
    .unwrap();
    let server = start(load(dir.path()));
    let (req, _) = DhRequest::new(DhGroup::X25519).unwrap();
    let r = post_json(
        server.addr(),
        write_request(&with_password(req, "demo", "x")).as_bytes(),
    );
    assert_eq!(r.status, 404, "{}", r.text());
    assert_eq!(error_code(&r), "KEYX_DISABLED");
}
