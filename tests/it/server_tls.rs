//! HTTPS with the certificate the zero-config setup issues for localhost: a rustls client
//! trusting only the generated CA completes the handshake (HTTP/1.1 and h2 by ALPN), and TLS
//! makes the channel confidential even when loopback is not.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, ServerName};
use wstrust::server::TlsFiles;

use crate::server_support::{
    data_dir, demo, fault_of, load, parse_response, post_soap11, rst_username, start, ISSUE_SCT,
};

fn client(ca: &std::path::Path, alpn: &[&[u8]]) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_file(ca).unwrap())
        .unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut cfg = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    cfg.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Arc::new(cfg)
}

fn tls_request(
    addr: std::net::SocketAddr,
    cfg: Arc<rustls::ClientConfig>,
    raw: &[u8],
) -> (Option<Vec<u8>>, Vec<u8>) {
    let mut tls = connect(addr, cfg).expect("the TLS handshake");
    tls.write_all(raw).unwrap();
    let alpn = tls.conn.alpn_protocol().map(<[u8]>::to_vec);
    let mut out = Vec::new();
    let _ = tls.read_to_end(&mut out);
    (alpn, out)
}

#[test]
fn https_with_the_generated_ca() {
    let dir = data_dir("tls");
    let (user, password, applies_to) = demo(dir.path());
    let mut l = load(dir.path());
    l.server.tls = Some(TlsFiles::new(
        dir.path().join("pki/tls.pem"),
        dir.path().join("pki/tls.key"),
    ));
    // Only TLS is confidential here.
    l.server.loopback_is_confidential = false;
    let srv = start(l);
    assert!(srv.sts_url().starts_with("https://"));
    let ca = dir.path().join("pki/ca.pem");

    let (alpn, raw) = tls_request(
        srv.addr(),
        client(&ca, &[b"http/1.1"]),
        b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(alpn.as_deref(), Some(&b"http/1.1"[..]));
    let r = parse_response(&raw);
    assert_eq!((r.status, r.text().as_str()), (200, "ok\n"));

    // A password as text over TLS is accepted.
    let rst = rst_username(&user, &password, &applies_to);
    let req = format!(
        "POST /sts HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: text/xml\r\n\
         SOAPAction: \"{ISSUE_SCT}\"\r\nContent-Length: {}\r\n\r\n{rst}",
        rst.len()
    );
    let (_, raw) = tls_request(srv.addr(), client(&ca, &[b"http/1.1"]), req.as_bytes());
    let r = parse_response(&raw);
    assert_eq!(r.status, 200, "{}", r.text());

    // The WSDL names the https address.
    let (_, raw) = tls_request(
        srv.addr(),
        client(&ca, &[]),
        b"GET /sts?wsdl HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    );
    let wsdl = parse_response(&raw).text();
    assert!(wsdl.contains(&format!("location=\"https://{}/sts\"", srv.addr())));

    // h2 is offered by ALPN: the client that asks for it gets it.
    let name = ServerName::try_from("localhost").unwrap();
    let mut conn = rustls::ClientConnection::new(client(&ca, &[b"h2", b"http/1.1"]), name).unwrap();
    let mut sock = TcpStream::connect(srv.addr()).unwrap();
    while conn.is_handshaking() {
        conn.complete_io(&mut sock).unwrap();
    }
    assert_eq!(conn.alpn_protocol(), Some(&b"h2"[..]));

    // A client that does not trust the dev CA fails the handshake.
    let other = data_dir("tls-other");
    let name = ServerName::try_from("localhost").unwrap();
    let mut conn =
        rustls::ClientConnection::new(client(&other.path().join("pki/ca.pem"), &[]), name).unwrap();
    let mut sock = TcpStream::connect(srv.addr()).unwrap();
    let mut failed = false;
    while conn.is_handshaking() {
        if conn.complete_io(&mut sock).is_err() {
            failed = true;
            break;
        }
    }
    assert!(failed, "handshake with an unknown CA must fail");
    srv.stop().unwrap();
}

#[test]
fn plain_loopback_is_not_confidential_unless_configured() {
    let dir = data_dir("plain");
    let (user, password, applies_to) = demo(dir.path());
    let mut l = load(dir.path());
    l.server.loopback_is_confidential = false;
    let srv = start(l);
    let r = post_soap11(
        srv.addr(),
        "/sts",
        ISSUE_SCT,
        &rst_username(&user, &password, &applies_to),
    );
    assert_eq!(fault_of(&r), "FailedAuthentication");
}

#[test]
fn plain_http_on_a_public_address_needs_the_explicit_setting() {
    let dir = data_dir("public");
    let mut l = load(dir.path());
    l.server.listen = "0.0.0.0:0".parse().unwrap();
    let store = wstrust::config::open_store(&l.store).unwrap();
    let engine = Arc::new(wstrust::engine::Engine::new(l.engine, store));
    let e = wstrust::server::Running::start(l.server.clone(), Arc::clone(&engine)).unwrap_err();
    assert!(
        e.to_string().contains("allow_plain_http_nonloopback"),
        "{e}"
    );
    let mut s = l.server;
    s.allow_plain_http_nonloopback = true;
    let srv = wstrust::server::Running::start(s, engine).unwrap();
    srv.stop().unwrap();
}

/// A TLS connection to `addr` trusting `roots` only; `None` when the handshake fails.
fn connect(
    addr: std::net::SocketAddr,
    cfg: Arc<rustls::ClientConfig>,
) -> Option<rustls::StreamOwned<rustls::ClientConnection, TcpStream>> {
    let name = ServerName::try_from("localhost").unwrap();
    let conn = rustls::ClientConnection::new(cfg, name).unwrap();
    let sock = TcpStream::connect(addr).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut tls = rustls::StreamOwned::new(conn, sock);
    while tls.conn.is_handshaking() {
        tls.conn.complete_io(&mut tls.sock).ok()?;
    }
    Some(tls)
}

/// One keep-alive `GET path` on `tls`: the status line and the body.
fn get_on(
    tls: &mut rustls::StreamOwned<rustls::ClientConnection, TcpStream>,
    path: &str,
) -> String {
    write!(tls, "GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n").unwrap();
    tls.flush().unwrap();
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = tls.read(&mut buf).unwrap();
        assert!(n > 0, "the connection closed");
        raw.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&raw);
        if let Some(end) = text.find("\r\n\r\n") {
            let len: usize = text[..end]
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse().ok())?
                })
                .unwrap_or(0);
            if raw.len() >= end + 4 + len {
                return text.into_owned();
            }
        }
    }
}

fn peer_cert(tls: &rustls::StreamOwned<rustls::ClientConnection, TcpStream>) -> Vec<u8> {
    tls.conn.peer_certificates().unwrap()[0].to_vec()
}

/// A renewed HTTPS certificate (the files overwritten, as certbot or an operator does) takes
/// effect on SIGHUP for new handshakes; a connection opened before keeps working; an
/// unreadable certificate leaves the one in use serving and counts a failed reload.
#[test]
fn sighup_replaces_the_tls_certificate() {
    let dir = crate::server_support::TempDir::new("tls-reload");
    wstrust::config::datadir::init(dir.path(), "127.0.0.1:0").unwrap();
    let config = dir.path().join(wstrust::config::datadir::CONFIG_FILE);
    let mut text = std::fs::read_to_string(&config).unwrap();
    let (pem, key) = (
        dir.path().join("pki/tls.pem"),
        dir.path().join("pki/tls.key"),
    );
    text.push_str(&format!(
        "\n[tls]\ncert = \"{}\"\nkey = \"{}\"\n",
        pem.display(),
        key.display()
    ));
    std::fs::write(&config, text).unwrap();
    let srv = crate::server_support::Binary::start(&[
        "--config",
        config.to_str().unwrap(),
        "--listen",
        "127.0.0.1:0",
    ]);
    let dev_ca = client(&dir.path().join("pki/ca.pem"), &[b"http/1.1"]);
    let mut before = connect(srv.addr, Arc::clone(&dev_ca)).expect("the dev certificate");
    let first = peer_cert(&before);
    assert!(get_on(&mut before, "/livez").starts_with("HTTP/1.1 200"));

    // The renewed certificate: a new key, self-signed for localhost.
    let k = rcgen::KeyPair::generate().unwrap();
    let renewed = rcgen::CertificateParams::new(vec!["localhost".to_owned()])
        .unwrap()
        .self_signed(&k)
        .unwrap();
    std::fs::write(&pem, renewed.pem()).unwrap();
    std::fs::write(&key, k.serialize_pem()).unwrap();
    let renewed_ca = dir.path().join("renewed.pem");
    std::fs::write(&renewed_ca, renewed.pem()).unwrap();
    let trusts_renewed = client(&renewed_ca, &[b"http/1.1"]);
    assert!(
        connect(srv.addr, Arc::clone(&trusts_renewed)).is_none(),
        "not used before the reload"
    );
    crate::admin_reload::hangup(&srv);
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let mut after = loop {
        if let Some(c) = connect(srv.addr, Arc::clone(&trusts_renewed)) {
            break c;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the renewed certificate is never served"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(peer_cert(&after), renewed.der().to_vec());
    assert_ne!(first, peer_cert(&after));
    assert!(get_on(&mut after, "/livez").starts_with("HTTP/1.1 200"));
    // The connection opened before the reload goes on, with the certificate it had.
    assert!(get_on(&mut before, "/readyz").starts_with("HTTP/1.1 200"));
    assert_eq!(peer_cert(&before), first);

    // A broken certificate file: the renewed certificate stays, the reload counts as failed.
    let failed = |tls: &mut rustls::StreamOwned<rustls::ClientConnection, TcpStream>| -> u64 {
        let m = get_on(tls, "/metrics");
        m.lines()
            .find_map(|l| l.strip_prefix("wstrust_config_reloads_total{outcome=\"failed\"} "))
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    };
    assert_eq!(failed(&mut after), 0);
    std::fs::write(&pem, "not a certificate\n").unwrap();
    crate::admin_reload::hangup(&srv);
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while failed(&mut after) == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the failed reload is never counted"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let mut again = connect(srv.addr, trusts_renewed).expect("the renewed certificate stays");
    assert!(get_on(&mut again, "/livez").starts_with("HTTP/1.1 200"));
    assert!(srv.terminate());
}
