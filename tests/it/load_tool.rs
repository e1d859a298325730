//! The load generator (`wstrust-load`) runs each workload briefly and refuses to report
//! figures when a response is a fault. No timing is asserted: only that it runs, counts,
//! and tells success from failure. Over HTTP it is driven against a small stand-in server
//! in this test (the real `wstrust serve` is exercised by `scripts/bench`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Output};

use crate::support::shared;

fn load_tool(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wstrust-load"))
        .args(args)
        .env(
            "WSTRUST_SHARED",
            shared().parent().expect("fixtures parent"),
        )
        .output()
        .expect("wstrust-load runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn every_in_process_workload_runs_and_reports_throughput() {
    for (w, pool) in [
        ("W-verify", "0"),
        ("W-x509", "30"),
        ("W-sct", "200"),
        ("W-password", "100"),
    ] {
        let o = load_tool(&[
            "--in-process",
            "--workload",
            w,
            "--duration",
            "0.5",
            "--warmup",
            "0",
            "--connections",
            "1",
            "--pool",
            pool,
            "--argon2-m-kib",
            "256",
            "--argon2-t",
            "1",
        ]);
        let out = text(&o);
        assert!(o.status.success(), "{w}: {out}");
        assert!(out.contains(&format!("workload    {w}")), "{w}: {out}");
        assert!(out.contains("throughput"), "{w}: {out}");
        assert!(out.contains("p99"), "{w}: {out}");
    }
}

#[test]
fn unknown_workload_is_an_error() {
    let o = load_tool(&["--in-process", "--workload", "W-nothing"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("unknown workload"));
}

/// A stand-in HTTP/1.1 server answering every request with `status` and `body`, keeping
/// connections alive. Returns its port.
fn stand_in(status: &'static str, body: &'static str) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            std::thread::spawn(move || serve(s, status, body));
        }
    });
    port
}

fn serve(s: TcpStream, status: &str, body: &str) {
    let mut r = BufReader::new(s.try_clone().expect("clone"));
    let mut w = s;
    loop {
        let mut len = 0usize;
        let mut line = String::new();
        loop {
            line.clear();
            if r.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    len = v.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut buf = vec![0u8; len];
        if r.read_exact(&mut buf).is_err() {
            return;
        }
        let resp = format!(
            "HTTP/1.1 {status}\r\nContent-Type: text/xml; charset=utf-8\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        if w.write_all(resp.as_bytes()).is_err() {
            return;
        }
    }
}

const RSTR: &str = "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body><RequestSecurityTokenResponseCollection/></s:Body></s:Envelope>";
const FAULT: &str = "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body><s:Fault><faultcode>wsse:InvalidSecurity</faultcode></s:Fault></s:Body></s:Envelope>";

fn http_run(port: u16, extra: &[&str]) -> Output {
    let url = format!("http://127.0.0.1:{port}/sts");
    let mut args = vec![
        "--url",
        url.as_str(),
        "--workload",
        "W-password",
        "--duration",
        "0.3",
        "--warmup",
        "0",
        "--connections",
        "2",
        "--pool",
        "200",
    ];
    args.extend_from_slice(extra);
    load_tool(&args)
}

#[test]
fn over_http_answers_are_counted() {
    let port = stand_in("200 OK", RSTR);
    let o = http_run(port, &[]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("mode        http (2 connections"), "{out}");
    assert!(out.contains("throughput"), "{out}");
}

#[test]
fn over_http_a_paced_run_reports_the_offered_rate() {
    let port = stand_in("200 OK", RSTR);
    let o = http_run(port, &["--rate", "200"]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("rate        200 req/s offered"), "{out}");
}

#[test]
fn a_fault_refuses_the_report() {
    for (status, body) in [
        ("500 Internal Server Error", FAULT),
        ("200 OK", FAULT),
        ("400 Bad Request", RSTR),
    ] {
        let port = stand_in(status, body);
        let o = http_run(port, &[]);
        let out = text(&o);
        assert_eq!(o.status.code(), Some(2), "{status}: {out}");
        assert!(out.contains("REFUSED"), "{out}");
        assert!(
            !out.contains("throughput"),
            "no figures after a fault: {out}"
        );
    }
}

#[test]
fn idle_connections_are_held_and_memory_read() {
    let port = stand_in("200 OK", RSTR);
    let url = format!("http://127.0.0.1:{port}/sts");
    let pid = std::process::id().to_string();
    let o = load_tool(&[
        "--url",
        &url,
        "--workload",
        "W-idle",
        "--connections",
        "20",
        "--duration",
        "0.2",
        "--server-pid",
        &pid,
    ]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("connections 20"), "{out}");
    assert!(out.contains("20 of 20 connections still open"), "{out}");
    assert!(out.contains("MiB"), "server memory read: {out}");
}
