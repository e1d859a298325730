//! The server in-process on a free loopback port, driven by a raw HTTP/1.1 client: tokens for
//! the demo user, replays, metadata, health, metrics, limits, timeouts and graceful shutdown.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::server_support::{
    data_dir, demo, fault_of, get, load, parse_response, post_soap11, request,
    rst_signed_by_context, rst_username, start, token_of, ISSUE_SCT,
};
use crate::support::require_tool;

fn metric(text: &str, series: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("no series {series}"))
        .parse()
        .unwrap()
}

#[test]
fn demo_user_gets_a_token_and_a_replay_is_refused() {
    let dir = data_dir("token");
    let (user, password, applies_to) = demo(dir.path());
    let srv = start(load(dir.path()));
    let rst = rst_username(&user, &password, &applies_to);

    let r = post_soap11(srv.addr(), "/sts", ISSUE_SCT, &rst);
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.header("content-type").unwrap().starts_with("text/xml"));
    assert!(r.header("x-request-id").is_some());
    let (id, key) = token_of(&r);
    assert!(id.starts_with("urn:wstrust:sct:"));
    assert_eq!(key.len(), 32);

    // The same message again is a replay: a generic fault, nothing more.
    let again = post_soap11(srv.addr(), "/sts", ISSUE_SCT, &rst);
    assert_eq!(again.status, 500);
    assert_eq!(fault_of(&again), "FailedAuthentication");
    assert!(
        !again.text().contains("replay"),
        "the reason stays in the log"
    );

    // A wrong password is refused the same way.
    let bad = post_soap11(
        srv.addr(),
        "/sts",
        ISSUE_SCT,
        &rst_username(&user, "wrong", &applies_to),
    );
    assert_eq!(fault_of(&bad), "FailedAuthentication");

    // An AppliesTo no realm serves.
    let scope = post_soap11(
        srv.addr(),
        "/sts",
        ISSUE_SCT,
        &rst_username(&user, &password, "https://elsewhere.example/"),
    );
    assert_eq!(fault_of(&scope), "InvalidScope");

    // The token authenticates a further request (signed with its proof key), here through
    // the ADFS-style alias of the zero-config setup.
    let signed = rst_signed_by_context(&id, &key, &applies_to);
    let r2 = post_soap11(
        srv.addr(),
        "/adfs/services/trust/13/usernamemixed",
        ISSUE_SCT,
        &signed,
    );
    assert_eq!(r2.status, 200, "{}", r2.text());
    // A key that is not the token's is refused.
    let forged = rst_signed_by_context(&id, &[0u8; 32], &applies_to);
    assert_eq!(
        fault_of(&post_soap11(srv.addr(), "/sts", ISSUE_SCT, &forged)),
        "FailedAuthentication"
    );

    let m = get(srv.addr(), "/metrics");
    assert_eq!(m.status, 200);
    assert!(m
        .header("content-type")
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    let t = m.text();
    assert_eq!(
        metric(
            &t,
            "wstrust_requests_total{action=\"issue\",outcome=\"ok\"}"
        ),
        2
    );
    assert_eq!(
        metric(
            &t,
            "wstrust_requests_total{action=\"issue\",outcome=\"fault\"}"
        ),
        4
    );
    assert_eq!(metric(&t, "wstrust_tokens_issued_total"), 2);
    assert_eq!(metric(&t, "wstrust_replay_refusals_total"), 1);
    assert_eq!(
        metric(&t, "wstrust_faults_total{code=\"FailedAuthentication\"}"),
        3
    );
    assert_eq!(metric(&t, "wstrust_faults_total{code=\"InvalidScope\"}"), 1);
    assert!(metric(&t, "wstrust_request_duration_seconds_count") >= 6);
    srv.stop().unwrap();
}

#[test]
fn soap12_with_the_action_parameter() {
    let dir = data_dir("soap12");
    let (user, password, applies_to) = demo(dir.path());
    let srv = start(load(dir.path()));
    let v11 = rst_username(&user, &password, &applies_to);
    let v12 = v11.replace(
        "http://schemas.xmlsoap.org/soap/envelope/",
        "http://www.w3.org/2003/05/soap-envelope",
    );
    let ct = format!("application/soap+xml; charset=utf-8; action=\"{ISSUE_SCT}\"");
    let r = request(
        srv.addr(),
        "POST",
        "/sts",
        &[("Content-Type", &ct)],
        v12.as_bytes(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r
        .header("content-type")
        .unwrap()
        .starts_with("application/soap+xml"));
    token_of(&r);
}

fn xmllint_ok(xml: &[u8]) {
    let mut child = std::process::Command::new("xmllint")
        .args(["--noout", "-"])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(xml).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "xmllint: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn wsdl_and_metadata_name_the_real_address() {
    let dir = data_dir("meta");
    let srv = start(load(dir.path()));
    let url = format!("http://{}/sts", srv.addr());
    let lint = require_tool("xmllint");

    let wsdl = get(srv.addr(), "/sts?wsdl");
    assert_eq!(wsdl.status, 200);
    let t = wsdl.text();
    assert!(
        t.contains(&format!("<soap:address location=\"{url}\"/>")),
        "{t}"
    );
    assert!(t.contains(&format!("<soap12:address location=\"{url}\"/>")));
    assert!(!t.contains("location=\"http://localhost:8080/sts\""));

    let mex = get(srv.addr(), "/sts/mex");
    assert_eq!(mex.status, 200);
    let m = mex.text();
    assert!(m.starts_with("<mex:Metadata"), "{m}");
    assert!(m.contains("Dialect=\"http://schemas.xmlsoap.org/wsdl/\""));
    assert!(m.contains(&format!("location=\"{url}\"")));
    // The AD FS alias serves the AD FS-shaped WSDL naming the usernamemixed aliases
    // (server_adfs checks its structure).
    let adfs = get(srv.addr(), "/adfs/services/trust/mex");
    assert_eq!(adfs.status, 200);
    let base = url.strip_suffix("/sts").unwrap();
    let a = adfs.text();
    assert!(a.starts_with("<wsdl:definitions"), "{a}");
    assert!(a.contains(&format!(
        "<soap12:address location=\"{base}/adfs/services/trust/13/usernamemixed\"/>"
    )));
    if lint {
        xmllint_ok(&wsdl.body);
        xmllint_ok(&mex.body);
        xmllint_ok(&adfs.body);
    }

    // SOAP GetMetadata (1.1) and WS-Transfer Get (1.2) on the MEX endpoint.
    let get_metadata = "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\" \
        xmlns:a=\"http://www.w3.org/2005/08/addressing\"><s:Header>\
        <a:Action>http://schemas.xmlsoap.org/ws/2004/09/mex/GetMetadata/Request</a:Action>\
        <a:MessageID>urn:uuid:m-1</a:MessageID></s:Header><s:Body>\
        <GetMetadata xmlns=\"http://schemas.xmlsoap.org/ws/2004/09/mex\"/></s:Body></s:Envelope>";
    let r = post_soap11(
        srv.addr(),
        "/sts/mex",
        "http://schemas.xmlsoap.org/ws/2004/09/mex/GetMetadata/Request",
        get_metadata,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let t = r.text();
    assert!(t.contains("http://schemas.xmlsoap.org/ws/2004/09/mex/GetMetadata/Response"));
    assert!(
        t.contains(">urn:uuid:m-1</"),
        "RelatesTo echoes the MessageID: {t}"
    );
    assert!(t.contains("MetadataSection"));
    if lint {
        xmllint_ok(&r.body);
    }

    let transfer = "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" \
        xmlns:a=\"http://www.w3.org/2005/08/addressing\"><s:Header>\
        <a:Action s:mustUnderstand=\"1\">http://schemas.xmlsoap.org/ws/2004/09/transfer/Get</a:Action>\
        <a:MessageID>urn:uuid:&lt;t-2&gt;</a:MessageID></s:Header><s:Body/></s:Envelope>";
    let r = request(
        srv.addr(),
        "POST",
        "/adfs/services/trust/mex",
        &[("Content-Type", "application/soap+xml; charset=utf-8")],
        transfer.as_bytes(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let t = r.text();
    assert!(t.contains("http://schemas.xmlsoap.org/ws/2004/09/transfer/GetResponse"));
    assert!(t.contains("urn:uuid:&lt;t-2&gt;"), "escaped echo: {t}");

    // Another action is a fault.
    let r = post_soap11(
        srv.addr(),
        "/sts/mex",
        "urn:other",
        &get_metadata.replace("mex/GetMetadata/Request", "other"),
    );
    assert_eq!(r.status, 500);
    assert_eq!(fault_of(&r), "InvalidRequest");
}

#[test]
fn health_routes_methods_and_media_types() {
    let dir = data_dir("routes");
    let srv = start(load(dir.path()));
    let h = get(srv.addr(), "/healthz");
    assert_eq!((h.status, h.text().as_str()), (200, "ok\n"));
    assert_eq!(get(srv.addr(), "/nope").status, 404);
    assert_eq!(get(srv.addr(), "/sts").status, 405);
    assert_eq!(request(srv.addr(), "DELETE", "/sts", &[], b"").status, 405);
    let r = request(
        srv.addr(),
        "POST",
        "/sts",
        &[("Content-Type", "text/plain")],
        b"hello",
    );
    assert_eq!(r.status, 415);
    // Garbage with a SOAP media type reaches the engine and gets its generic fault.
    let r = post_soap11(srv.addr(), "/sts", ISSUE_SCT, "<not-soap/>");
    assert_eq!(r.status, 500);
    assert!(r.text().contains("Fault"));
    assert!(!r.text().contains("panicked"));
}

#[test]
fn oversized_bodies_get_413() {
    let dir = data_dir("413");
    let srv = start(load(dir.path()));
    let big = vec![b'a'; 256 * 1024 + 1];
    let r = request(
        srv.addr(),
        "POST",
        "/sts",
        &[("Content-Type", "text/xml")],
        &big,
    );
    assert_eq!(r.status, 413);

    // Chunked, without a Content-Length: cut off while streaming.
    let mut s = TcpStream::connect(srv.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    s.write_all(
        b"POST /sts HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: text/xml\r\n\
          Transfer-Encoding: chunked\r\n\r\n",
    )
    .unwrap();
    let chunk = vec![b'b'; 64 * 1024];
    for _ in 0..5 {
        if s.write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
            .is_err()
            || s.write_all(&chunk).is_err()
            || s.write_all(b"\r\n").is_err()
        {
            break;
        }
    }
    let _ = s.write_all(b"0\r\n\r\n");
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    assert_eq!(parse_response(&raw).status, 413);
    let t = get(srv.addr(), "/metrics").text();
    assert_eq!(
        metric(
            &t,
            "wstrust_requests_total{action=\"other\",outcome=\"rejected\"}"
        ),
        2
    );
}

/// Reads until the server closes; true when it did (rather than our read timing out).
fn closed_by_server(s: &mut TcpStream) -> bool {
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut buf = [0u8; 1024];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue, // e.g. a 408 before closing
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return true,
            Err(_) => return false,
        }
    }
}

#[test]
fn slow_clients_are_disconnected() {
    let dir = data_dir("slow");
    let mut l = load(dir.path());
    let mut limits = l.server.limits;
    limits.header_timeout = Duration::from_millis(500);
    limits.request_timeout = Duration::from_secs(1);
    l.server.limits = limits;
    let srv = start(l);

    // Headers trickling in (slowloris).
    let mut a = TcpStream::connect(srv.addr()).unwrap();
    a.write_all(b"POST /sts HTTP/1.1\r\nHost: x\r\n").unwrap();
    // A client that says nothing at all.
    let mut b = TcpStream::connect(srv.addr()).unwrap();
    // A body that never completes.
    let mut c = TcpStream::connect(srv.addr()).unwrap();
    c.write_all(b"POST /sts HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: 100\r\n\r\n<a>")
        .unwrap();
    assert!(closed_by_server(&mut a), "slow headers");
    assert!(closed_by_server(&mut b), "silent client");
    let mut raw = Vec::new();
    c.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let _ = c.read_to_end(&mut raw);
    assert_eq!(parse_response(&raw).status, 408, "slow body");
    // The server still serves.
    assert_eq!(get(srv.addr(), "/healthz").status, 200);
}

#[test]
fn shutdown_lets_the_request_in_flight_finish() {
    let dir = data_dir("graceful");
    let (user, password, applies_to) = demo(dir.path());
    let srv = start(load(dir.path()));
    let addr = srv.addr();
    let rst = rst_username(&user, &password, &applies_to);
    let (head, tail) = rst.as_bytes().split_at(rst.len() / 2);
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(
        format!(
            "POST /sts HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nSOAPAction: \"{ISSUE_SCT}\"\r\nContent-Length: {}\r\n\r\n",
            rst.len()
        )
        .as_bytes(),
    )
    .unwrap();
    s.write_all(head).unwrap();
    // Make sure the server has the request before shutting down.
    std::thread::sleep(Duration::from_millis(200));
    let stopper = std::thread::spawn(move || srv.stop());
    std::thread::sleep(Duration::from_millis(200));
    s.write_all(tail).unwrap();
    let mut raw = Vec::new();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let _ = s.read_to_end(&mut raw);
    let r = parse_response(&raw);
    assert_eq!(r.status, 200, "{}", r.text());
    stopper.join().unwrap().unwrap();
    // No longer listening.
    assert!(TcpStream::connect(addr).is_err());
}
