//! Password-spray defence and per-source rate limiting (issue 20, item 5), against the real
//! server on loopback. Loopback is all of 127.0.0.0/8, so a client binding its socket to
//! 127.0.0.2 is another source than one on 127.0.0.1: a familiar and an unfamiliar address
//! on one machine.

use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use wstrust::engine::lockout::LockoutSettings;
use wstrust::engine::request::Incoming;
use wstrust::engine::{Engine, Transport};
use wstrust::store::MemoryStore;
use wstrust::wss::SystemClock;

use crate::client_front::{engine_config, RP};
use crate::server_support::{
    data_dir, demo, fault_of, load, parse_response, rst_username, start, Http, ISSUE_SCT,
};

/// One request over a new connection whose local address is `from`.
pub(crate) fn request_from(
    from: IpAddr,
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Http {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let stream = rt.block_on(async {
        let s = tokio::net::TcpSocket::new_v4().unwrap();
        s.bind(SocketAddr::new(from, 0)).unwrap();
        s.connect(addr).await.unwrap()
    });
    let mut s = stream.into_std().unwrap();
    s.set_nonblocking(false).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    parse_response(&raw)
}

pub(crate) fn issue_from(
    from: &str,
    addr: SocketAddr,
    user: &str,
    password: &str,
    rp: &str,
) -> Http {
    request_from(
        from.parse().unwrap(),
        addr,
        "POST",
        "/sts",
        &[
            ("Content-Type", "text/xml; charset=utf-8"),
            ("SOAPAction", &format!("\"{ISSUE_SCT}\"")),
        ],
        rst_username(user, password, rp).as_bytes(),
    )
}

pub(crate) fn metric(text: &str, series: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("no series {series} in {text}"))
        .parse()
        .unwrap()
}

pub(crate) fn append_config(dir: &Path, extra: &str) {
    let path = dir.join("wstrust.toml");
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str(extra);
    std::fs::write(&path, text).unwrap();
}

pub(crate) const FAMILIAR: &str = "127.0.0.1";
pub(crate) const SPRAYER: &str = "127.0.0.2";
pub(crate) const TRAVELLER: &str = "127.0.0.3";

#[test]
fn a_spray_locks_unfamiliar_sources_out_and_the_lockout_survives_a_restart_on_redb() {
    let dir = data_dir("lockout");
    append_config(
        dir.path(),
        "\n[lockout]\nthreshold = 3\nfamiliar_threshold = 5\nwindow_secs = 600\n",
    );
    let (user, password, rp) = demo(dir.path());
    let srv = start(load(dir.path()));
    let addr = srv.addr();

    // The user logs in from its usual address: that address is now familiar.
    let ok = issue_from(FAMILIAR, addr, &user, &password, &rp);
    assert_eq!(ok.status, 200, "{}", ok.text());

    // A spray from another address: wrong passwords up to the threshold.
    let mut wrong = Vec::new();
    for i in 0..3 {
        let r = issue_from(SPRAYER, addr, &user, &format!("guess-{i}"), &rp);
        assert_eq!(fault_of(&r), "FailedAuthentication");
        wrong.push(r);
    }
    // Now the right password from any unfamiliar address is refused, exactly as a wrong one.
    for from in [SPRAYER, TRAVELLER] {
        let r = issue_from(from, addr, &user, &password, &rp);
        assert_eq!(r.status, wrong[0].status, "{from}");
        assert_eq!(
            r.body, wrong[0].body,
            "{from}: the wrong-password fault, byte for byte"
        );
        assert_eq!(
            r.header("content-type"),
            wrong[0].header("content-type"),
            "{from}"
        );
    }
    // The user's familiar address still gets in.
    let ok = issue_from(FAMILIAR, addr, &user, &password, &rp);
    assert_eq!(ok.status, 200, "{}", ok.text());

    let m = issue_from(FAMILIAR, addr, "x", "y", &rp);
    assert_eq!(fault_of(&m), "FailedAuthentication");
    let metrics = request_from(FAMILIAR.parse().unwrap(), addr, "GET", "/metrics", &[], b"");
    let text = metrics.text();
    assert_eq!(metric(&text, "wstrust_lockouts_total"), 1, "{text}");
    // 3 wrong, 2 right-but-locked, 1 unknown user.
    assert_eq!(metric(&text, "wstrust_auth_failures_total"), 6, "{text}");
    drop(srv);

    // Restarted on the same redb file: still locked out for unfamiliar sources, and the
    // familiar address is still known.
    let srv = start(load(dir.path()));
    let addr = srv.addr();
    let r = issue_from(TRAVELLER, addr, &user, &password, &rp);
    assert_eq!(r.body, wrong[0].body, "still locked out after the restart");
    let ok = issue_from(FAMILIAR, addr, &user, &password, &rp);
    assert_eq!(ok.status, 200, "{}", ok.text());
}

#[test]
fn a_lockout_is_logged_precisely_and_a_familiar_source_has_its_own_threshold() {
    let mut cfg = engine_config();
    let mut l = LockoutSettings::default();
    l.threshold = 2;
    l.familiar_threshold = 4;
    cfg.lockout = Some(l);
    let engine = Engine::new(cfg, Arc::new(MemoryStore::new()));
    let send = |peer: &str, password: &str| {
        let body = rst_username("alice", password, RP);
        engine.handle(
            Incoming {
                body: body.as_bytes(),
                content_type: Some("text/xml; charset=utf-8"),
                soap_action: Some(ISSUE_SCT),
            },
            Transport {
                confidential: true,
                peer: Some(peer.parse().unwrap()),
            },
            &SystemClock,
        )
    };
    assert_eq!(send("192.0.2.1", "secret").status, 200);
    let wrong = send("198.51.100.7", "wrong");
    assert!(wrong.log.as_deref().unwrap().contains("authentication"));
    send("198.51.100.8", "wrong");
    let locked = send("198.51.100.9", "secret");
    assert_eq!(locked.status, wrong.status);
    assert_eq!(locked.body, wrong.body);
    let log = locked.log.unwrap();
    assert!(log.contains("locked out (unfamiliar source)"), "{log}");
    assert_eq!(engine.auth_counters().lockouts(), 1);
    // The familiar address: its own counter, up to its own threshold.
    for _ in 0..4 {
        assert_ne!(send("192.0.2.1", "wrong").status, 200);
    }
    let log = send("192.0.2.1", "secret").log.unwrap();
    assert!(log.contains("locked out (familiar source)"), "{log}");
    assert_eq!(engine.auth_counters().lockouts(), 2);
    assert_eq!(engine.auth_counters().failures(), 2 + 1 + 4 + 1);
}

#[test]
fn a_success_resets_the_count_and_lockout_can_be_turned_off() {
    let mut cfg = engine_config();
    let mut l = LockoutSettings::default();
    l.threshold = 2;
    l.familiar_threshold = 2;
    cfg.lockout = Some(l);
    let engine = Engine::new(cfg, Arc::new(MemoryStore::new()));
    let send = |engine: &Engine, password: &str| {
        let body = rst_username("alice", password, RP);
        engine
            .handle(
                Incoming {
                    body: body.as_bytes(),
                    content_type: Some("text/xml; charset=utf-8"),
                    soap_action: Some(ISSUE_SCT),
                },
                Transport {
                    confidential: true,
                    peer: None,
                },
                &SystemClock,
            )
            .status
    };
    // One failure, a success (resetting), one failure: never two in a row, never locked.
    for _ in 0..3 {
        assert_ne!(send(&engine, "wrong"), 200);
        assert_eq!(send(&engine, "secret"), 200);
    }
    assert_eq!(engine.auth_counters().lockouts(), 0);
    let mut cfg = engine_config();
    cfg.lockout = None;
    let engine = Engine::new(cfg, Arc::new(MemoryStore::new()));
    for _ in 0..12 {
        assert_ne!(send(&engine, "wrong"), 200);
    }
    assert_eq!(send(&engine, "secret"), 200);
}

#[test]
fn requests_over_the_rate_limit_get_429_with_retry_after() {
    let dir = data_dir("ratelimit");
    append_config(
        dir.path(),
        "\n[rate_limit]\nrequests_per_second = 0.2\nburst = 2\n",
    );
    let (user, password, rp) = demo(dir.path());
    let srv = start(load(dir.path()));
    let addr = srv.addr();
    for _ in 0..2 {
        let r = issue_from(SPRAYER, addr, &user, &password, &rp);
        assert_eq!(r.status, 200, "{}", r.text());
    }
    let r = issue_from(SPRAYER, addr, &user, &password, &rp);
    assert_eq!(r.status, 429, "{}", r.text());
    let wait: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=5).contains(&wait), "{wait}");
    assert!(r.header("content-type").unwrap().starts_with("text/xml"));
    assert_eq!(fault_of(&r), "RequestFailed", "{}", r.text());
    // Another address has its own bucket.
    let r = issue_from(TRAVELLER, addr, &user, &password, &rp);
    assert_eq!(r.status, 200, "{}", r.text());
    // /keyx shares the source's bucket and refuses in JSON.
    let k = request_from(
        SPRAYER.parse().unwrap(),
        addr,
        "POST",
        "/keyx",
        &[("Content-Type", "application/json")],
        b"{}",
    );
    assert_eq!(k.status, 429);
    assert!(k.header("retry-after").is_some());
    assert!(k.text().contains("KEYX_RATE_LIMITED"), "{}", k.text());
    // Unlimited endpoints stay reachable; the refusals are counted.
    let m = request_from(SPRAYER.parse().unwrap(), addr, "GET", "/metrics", &[], b"");
    assert_eq!(m.status, 200);
    assert_eq!(metric(&m.text(), "wstrust_rate_limited_total"), 2);
}
