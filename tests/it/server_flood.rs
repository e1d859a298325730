//! Memory and service under a hostile flood (issue 20, item 6): the built `wstrust serve`
//! with its default limits, for 60 seconds (`WSTRUST_FLOOD_SECS` to change), gets at once
//!
//! - 300 slow-loris connections from 127.0.0.2 that trickle their headers one byte a second
//!   (cut by `header_timeout_secs`, reopened at once),
//! - 300 from 127.0.0.3 that send headers and 200 KiB of a 256 000-byte body at once, then
//!   trickle the rest a byte a second (cut by `request_timeout_secs`, reopened),
//! - oversize bodies (a declared 16 MiB, and 16 MiB chunked without a length) and deeply
//!   nested XML (a 250 KiB Body of nested elements) as fast as one thread each can send them,
//!   from 127.0.0.4,
//!
//! while a client on 127.0.0.1 asks for a token every 200 ms. Every good request must get its
//! token, at least 90 % of them within [`GOOD_BOUND`]; the server's peak resident memory
//! (`VmHWM` in `/proc/<pid>/status`) must stay under [`RSS_BOUND_KIB`]. The figures of a run
//! are printed (`--nocapture`) and recorded in docs/security.md. The 600 slow connections are more
//! than `max_connections` (512): without `max_connections_per_source` (128) they would hold
//! every slot and good clients would wait up to the header timeout for one.

use std::io::{ErrorKind, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::server_support::{demo, rst_username, Binary, TempDir, ISSUE_SCT};
use crate::store_redis::serve;

/// Longest a good request may take under the flood.
const GOOD_BOUND: Duration = Duration::from_secs(5);
/// A slow connection closed after this long was cut by a timeout, not refused.
const CUT_AFTER: Duration = Duration::from_secs(5);
/// Peak resident memory allowed: about twice the 81 MiB measured on 2 cores (docs/security.md);
/// before Argon2 reused its working memory the same flood took the server to 281 MiB.
const RSS_BOUND_KIB: u64 = 160 * 1024;

/// A runtime for binding client sockets to a chosen loopback address.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A blocking connection from `from` to `addr` (`None` when it cannot be made).
fn connect_from(rt: &tokio::runtime::Runtime, from: IpAddr, addr: SocketAddr) -> Option<TcpStream> {
    let s = rt.block_on(async {
        let sock = tokio::net::TcpSocket::new_v4().ok()?;
        sock.bind(SocketAddr::new(from, 0)).ok()?;
        let s = tokio::time::timeout(Duration::from_secs(5), sock.connect(addr))
            .await
            .ok()?
            .ok()?;
        s.into_std().ok()
    })?;
    s.set_nonblocking(false).ok()?;
    s.set_write_timeout(Some(Duration::from_secs(5))).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(30))).ok()?;
    Some(s)
}

fn vm(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in {status}"))
}

/// The status code of the answer on `s` (0 when there is none).
fn status_of(s: &mut TcpStream) -> u16 {
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
        }
        if raw.len() > 1 << 20 {
            break;
        }
    }
    let text = String::from_utf8_lossy(&raw);
    text.split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

/// Keeps `n` slow connections from `from` open, each sending `head` at once and then one byte
/// a second; reopens the ones the server closes. Returns how many the server closed after at
/// least [`CUT_AFTER`] (cut by a timeout) and how many it closed sooner or would not take
/// (refused: over `max_connections_per_source`).
fn slow_loris(
    from: IpAddr,
    addr: SocketAddr,
    n: usize,
    head: Vec<u8>,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<(u64, u64)> {
    std::thread::spawn(move || {
        let rt = runtime();
        let open = |_| -> Option<(TcpStream, Instant)> {
            let mut s = connect_from(&rt, from, addr)?;
            let opened = Instant::now();
            s.write_all(&head).ok()?;
            s.set_nonblocking(true).ok()?;
            Some((s, opened))
        };
        let mut conns: Vec<_> = (0..n).map(open).collect();
        let (mut cut, mut refused) = (0, 0);
        while !stop.load(Ordering::SeqCst) {
            for c in conns.iter_mut() {
                let alive = c.as_mut().is_some_and(|(s, _)| {
                    let mut probe = [0u8; 512];
                    let closed = s.read(&mut probe).is_ok(); // EOF or an answer
                    !closed
                        && match s.write(b"a") {
                            Ok(_) => true,
                            Err(e) => e.kind() == ErrorKind::WouldBlock,
                        }
                });
                if alive || stop.load(Ordering::SeqCst) {
                    continue;
                }
                match c {
                    Some((_, opened)) if opened.elapsed() >= CUT_AFTER => cut += 1,
                    _ => refused += 1,
                }
                *c = open(0);
            }
            std::thread::sleep(Duration::from_secs(1));
        }
        (cut, refused)
    })
}

/// Sends requests built by `send` in a loop from `from` until `stop`; counts the answers
/// with each status.
fn flood(
    from: IpAddr,
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    expect: u16,
    send: fn(&mut TcpStream, SocketAddr) -> std::io::Result<()>,
) -> std::thread::JoinHandle<(u64, u64)> {
    std::thread::spawn(move || {
        let rt = runtime();
        let (mut expected, mut other) = (0, 0);
        while !stop.load(Ordering::SeqCst) {
            let Some(mut s) = connect_from(&rt, from, addr) else {
                other += 1;
                std::thread::sleep(Duration::from_millis(20));
                continue;
            };
            // The server may answer and close before the whole body is written.
            let _ = send(&mut s, addr);
            if status_of(&mut s) == expect {
                expected += 1;
            } else {
                other += 1;
            }
        }
        (expected, other)
    })
}

/// One good issue request on a fresh connection: its status, `None` when the connection
/// failed or nothing came back within 30 s.
fn good_request(addr: SocketAddr, rst: &str) -> Option<u16> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(30))).ok()?;
    s.set_write_timeout(Some(Duration::from_secs(30))).ok()?;
    write!(
        s,
        "POST /sts HTTP/1.1\r\nHost: {addr}\r\nContent-Type: text/xml; charset=utf-8\r\nSOAPAction: \"{ISSUE_SCT}\"\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{rst}",
        rst.len()
    )
    .ok()?;
    Some(status_of(&mut s)).filter(|c| *c != 0)
}

const MIB16: usize = 16 << 20;

fn oversize_declared(s: &mut TcpStream, addr: SocketAddr) -> std::io::Result<()> {
    write!(
        s,
        "POST /sts HTTP/1.1\r\nHost: {addr}\r\nContent-Type: text/xml\r\nSOAPAction: \"{ISSUE_SCT}\"\r\nContent-Length: {MIB16}\r\nConnection: close\r\n\r\n"
    )?;
    let chunk = vec![b'<'; 64 * 1024];
    for _ in 0..MIB16 / chunk.len() {
        s.write_all(&chunk)?;
    }
    Ok(())
}

fn oversize_chunked(s: &mut TcpStream, addr: SocketAddr) -> std::io::Result<()> {
    write!(
        s,
        "POST /sts HTTP/1.1\r\nHost: {addr}\r\nContent-Type: text/xml\r\nSOAPAction: \"{ISSUE_SCT}\"\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )?;
    let chunk = vec![b'<'; 64 * 1024];
    for _ in 0..MIB16 / chunk.len() {
        write!(s, "{:x}\r\n", chunk.len())?;
        s.write_all(&chunk)?;
        s.write_all(b"\r\n")?;
    }
    s.write_all(b"0\r\n\r\n")
}

fn deeply_nested(s: &mut TcpStream, addr: SocketAddr) -> std::io::Result<()> {
    let depth = 250 * 1024 / 7;
    let mut body =
        String::from("<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body>");
    body.push_str(&"<a><b>".repeat(depth / 2));
    body.push_str("</s:Body></s:Envelope>");
    write!(
        s,
        "POST /sts HTTP/1.1\r\nHost: {addr}\r\nContent-Type: text/xml\r\nSOAPAction: \"{ISSUE_SCT}\"\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

#[test]
fn memory_stays_bounded_and_good_requests_are_served_under_a_slow_loris_oversize_and_deep_flood() {
    let secs: u64 = std::env::var("WSTRUST_FLOOD_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let tmp = TempDir::new("flood");
    let dir = tmp.path().join("data");
    wstrust::config::datadir::init(&dir, "127.0.0.1:0").unwrap();
    let server: Binary = serve(&dir);
    let (addr, pid) = (server.addr, server.child.id());
    let (user, password, applies_to) = demo(&dir);
    let rss_start = vm(pid, "VmRSS");

    let stop = Arc::new(AtomicBool::new(false));
    let headers_slow = slow_loris(
        "127.0.0.2".parse().unwrap(),
        addr,
        300,
        format!("POST /sts HTTP/1.1\r\nHost: {addr}\r\nX-Slow: ").into_bytes(),
        Arc::clone(&stop),
    );
    let mut body_head = format!(
        "POST /sts HTTP/1.1\r\nHost: {addr}\r\nContent-Type: text/xml\r\nSOAPAction: \"{ISSUE_SCT}\"\r\nContent-Length: 256000\r\n\r\n"
    )
    .into_bytes();
    body_head.extend(std::iter::repeat_n(b' ', 200 * 1024));
    let bodies_slow = slow_loris(
        "127.0.0.3".parse().unwrap(),
        addr,
        300,
        body_head,
        Arc::clone(&stop),
    );
    let flooder: IpAddr = "127.0.0.4".parse().unwrap();
    let floods = [
        flood(flooder, addr, Arc::clone(&stop), 413, oversize_declared),
        flood(flooder, addr, Arc::clone(&stop), 413, oversize_chunked),
        flood(flooder, addr, Arc::clone(&stop), 500, deeply_nested),
    ];

    // Good requests, and the server's memory, sampled while the flood runs.
    let started = Instant::now();
    let (mut latencies, mut late, mut timeline) = (Vec::new(), 0, Vec::new());
    let mut rss_max = 0;
    while started.elapsed() < Duration::from_secs(secs) {
        let rst = rst_username(&user, &password, &applies_to);
        let t = Instant::now();
        let status = good_request(addr, &rst);
        let took = t.elapsed();
        // Any answer but a token is a failure: the flood must not turn good requests into
        // faults or errors. Slow ones are counted.
        assert_eq!(status, Some(200), "a good request failed after {took:?}");
        if took >= GOOD_BOUND {
            late += 1;
        }
        latencies.push(took);
        let rss = vm(pid, "VmRSS");
        rss_max = rss_max.max(rss);
        if timeline.len() < (started.elapsed().as_secs() / 10) as usize {
            timeline.push(rss);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let hwm = vm(pid, "VmHWM");
    let metrics = crate::server_support::get(addr, "/metrics").text();
    stop.store(true, Ordering::SeqCst);
    let slow = [headers_slow.join().unwrap(), bodies_slow.join().unwrap()];
    let counts: Vec<(u64, u64)> = floods.into_iter().map(|f| f.join().unwrap()).collect();
    let rss_end = vm(pid, "VmRSS");

    let n = latencies.len();
    latencies.sort();
    let pick = |q: f64| latencies[((n - 1) as f64 * q) as usize];
    let refused = crate::server_lockout::metric(&metrics, "wstrust_connections_refused_total");
    eprintln!(
        "flood: {secs} s; good requests {n}, all 200, {late} over {GOOD_BOUND:?} (p50 {:?}, \
         p99 {:?}, max {:?}); server RSS KiB: start {rss_start}, every 10 s {timeline:?}, \
         highest sampled {rss_max}, VmHWM {hwm}, after the flood {rss_end}; slow-loris \
         (cut by a timeout, refused) headers {:?} bodies {:?}; \
         wstrust_connections_refused_total {refused}; oversize declared / chunked / deep \
         (answered as expected, other): {counts:?}",
        pick(0.5),
        pick(0.99),
        latencies[n - 1],
        slow[0],
        slow[1],
    );
    assert!(
        late * 10 <= n,
        "{late} of {n} good requests took over {GOOD_BOUND:?}"
    );
    assert!(hwm < RSS_BOUND_KIB, "peak RSS {hwm} KiB");
    // The flood did reach the server: each kind was answered as refused, the slow
    // connections were cut by the timeouts (and reopened), and the per-source limit closed
    // the slow connections above it.
    for (expected, _) in &counts {
        assert!(*expected > 0, "{counts:?}");
    }
    if secs >= 40 {
        // Past both timeouts: the connections the server took were cut by them.
        assert!(slow.iter().all(|(cut, _)| *cut >= 100), "{slow:?}");
    }
    assert!(refused > 0, "{metrics}");
}
