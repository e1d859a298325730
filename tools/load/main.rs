//! `wstrust-load`: the load generator for the performance workloads of issue #10.
//!
//! It pre-generates a pool of distinct, fresh requests with real keys (each request is used
//! once: the STS refuses replays), then drives them over N keep-alive HTTP/1.1 connections
//! against `wstrust serve` (`--url`), or through N threads straight into the engine
//! (`--in-process`), for a warm-up and a fixed measured duration. It reports throughput and
//! p50/p99/p99.9 latency, and refuses to report figures if any response was a fault.
//!
//! `--profile N` runs N iterations of a workload on one thread with nothing else in the
//! measured function (`profile_loop`), for `valgrind --tool=callgrind
//! --toggle-collect='*profile_loop*'`.

mod prefill;
#[allow(dead_code)] // shared with the benches, which use more of it
mod workloads;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;

use wstrust::engine::users::Argon2Params;
use wstrust::engine::Engine;
use wstrust::pki::Certificate;
use wstrust::wss::{Clock, SystemClock};
use wstrust::xml::{ns, Document};
use wstrust::xmlsec::{verify, NoResolver, Policy, Signature, VerificationKey};

use workloads::{Credentials, Pki, Request, Workload};

/// Command line.
#[derive(Debug, Parser)]
#[command(
    name = "wstrust-load",
    about = "Load generator for the wstrust performance workloads"
)]
struct Args {
    /// Workload: W-verify, W-x509, W-sct, W-password or W-idle.
    #[arg(long, default_value = "W-x509")]
    workload: String,
    /// STS endpoint, e.g. http://127.0.0.1:8080/sts (HTTP/1.1, keep-alive).
    #[arg(long)]
    url: Option<String>,
    /// Drive the engine in this process instead of a server.
    #[arg(long)]
    in_process: bool,
    /// Concurrent connections (threads in process).
    #[arg(long, default_value_t = 4)]
    connections: usize,
    /// Measured duration in seconds.
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// Warm-up in seconds (requests completed then are not counted).
    #[arg(long, default_value_t = 2.0)]
    warmup: f64,
    /// Fixed total request rate (requests/s), paced per connection; latency is then measured
    /// from each request's scheduled time. Default: closed loop, as fast as answers come.
    #[arg(long)]
    rate: Option<f64>,
    /// A server data directory: DIR/pki/{ca,sts,service,client}.pem/.key and
    /// DIR/demo-credentials.txt. Default: the recorded interop PKI in the shared fixtures.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Requests to pre-generate (each is sent once). Default: by workload.
    #[arg(long)]
    pool: Option<usize>,
    /// Client runtime threads for HTTP (and generator threads). Default: 1.
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Argon2id memory cost in KiB for the in-process demo user.
    #[arg(long, default_value_t = Argon2Params::default().m_cost_kib)]
    argon2_m_kib: u32,
    /// Argon2id passes for the in-process demo user.
    #[arg(long, default_value_t = Argon2Params::default().t_cost)]
    argon2_t: u32,
    /// W-idle: the server's process id, to read its resident memory.
    #[arg(long)]
    server_pid: Option<u32>,
    /// Write the result as JSON to this file too.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Run N iterations on one thread in `profile_loop` (for callgrind) and exit.
    #[arg(long)]
    profile: Option<usize>,
    /// W-sct: pad each request's signed SOAP Body to about N KiB (an extension element in the
    /// RST that the STS ignores). Default: no padding (about 0.5 KiB).
    #[arg(long)]
    body_kib: Option<f64>,
    /// Fill the token store of the server configured in `--data-dir` (DIR/wstrust.toml) with
    /// `replay=N` nonce records or `contexts=N` stateful security contexts, shaped as the
    /// engine writes them, and exit. The server must not be running (redb is one process's).
    #[arg(long, value_name = "KIND=N")]
    prefill: Option<String>,
    /// Lifetime of the prefilled entries in seconds (long enough to outlast the runs).
    #[arg(long, default_value_t = 3600)]
    prefill_ttl: i64,
    /// Writer threads for `--prefill` (concurrent redb writes share one commit).
    #[arg(long, default_value_t = 256)]
    prefill_threads: usize,
}

/// What a run measured.
#[derive(Debug, Default)]
struct Outcome {
    completed: u64,
    errors: u64,
    first_error: Option<String>,
    latencies_us: Vec<u32>,
    measured_secs: f64,
    pool_exhausted: bool,
    /// Mean size of the requests sent (0 for W-verify).
    request_bytes: usize,
}

fn main() {
    let args = Args::parse();
    match run(&args) {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("wstrust-load: {e}");
            std::process::exit(1);
        }
    }
}

fn run(args: &Args) -> Result<i32, String> {
    if let Some(spec) = &args.prefill {
        let dir = args
            .data_dir
            .as_deref()
            .ok_or("--prefill needs --data-dir (the server's, with its wstrust.toml)")?;
        let creds = Credentials::from_data_dir(dir).unwrap_or_default();
        let fill = prefill::Fill::parse(spec)?;
        prefill::run(
            &fill,
            &dir.join("wstrust.toml"),
            &creds,
            args.prefill_ttl,
            args.prefill_threads,
        )?;
        return Ok(0);
    }
    let workload = Workload::parse(&args.workload)
        .ok_or_else(|| format!("unknown workload `{}`", args.workload))?;
    let (pki, creds) = match &args.data_dir {
        Some(d) => (Pki::from_data_dir(d)?, Credentials::from_data_dir(d)?),
        None => (Pki::recorded()?, Credentials::default()),
    };
    let argon2 = Argon2Params {
        m_cost_kib: args.argon2_m_kib,
        t_cost: args.argon2_t,
        p_cost: 1,
    };
    if let Some(n) = args.profile {
        return profile(workload, n, &pki, &creds, &argon2).map(|()| 0);
    }
    if workload == Workload::Idle {
        let url = args
            .url
            .as_deref()
            .ok_or("W-idle needs --url (a running server)")?;
        return idle(args, url);
    }
    let target = if args.in_process || workload == Workload::Verify {
        Target::InProcess(Arc::new(workloads::engine(&pki, &creds, &argon2)?))
    } else {
        let url = args
            .url
            .as_deref()
            .ok_or("give --url of a running `wstrust serve`, or --in-process")?;
        Target::Http(Endpoint::parse(url)?)
    };
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let gen_threads = args.threads.max(cores);
    let pool = match workload {
        Workload::Verify => Vec::new(),
        _ => make_pool(args, workload, &target, &pki, &creds, gen_threads)?,
    };
    let request_bytes = mean_size(&pool);
    let mut outcome = match (&target, workload) {
        (_, Workload::Verify) => drive_verify(args)?,
        (Target::InProcess(engine), _) => drive_in_process(args, engine, workload, pool),
        (Target::Http(ep), _) => drive_http(args, ep, pool)?,
    };
    outcome.request_bytes = request_bytes;
    report(args, workload, &target, &argon2, &outcome, cores)
}

enum Target {
    InProcess(Arc<Engine>),
    Http(Endpoint),
}

impl Target {
    fn mode(&self) -> &'static str {
        match self {
            Self::InProcess(_) => "in-process",
            Self::Http(_) => "http",
        }
    }
}

/// A parsed `http://host:port/path` URL.
#[derive(Clone, Debug)]
struct Endpoint {
    addr: SocketAddr,
    host: String,
    path: String,
}

impl Endpoint {
    fn parse(url: &str) -> Result<Self, String> {
        let rest = url
            .strip_prefix("http://")
            .ok_or("only http:// URLs (loopback benchmarks) are supported")?;
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let with_port = if authority.contains(':') {
            authority.to_owned()
        } else {
            format!("{authority}:80")
        };
        let addr = std::net::ToSocketAddrs::to_socket_addrs(&with_port)
            .map_err(|e| format!("{authority}: {e}"))?
            .next()
            .ok_or_else(|| format!("{authority}: no address"))?;
        Ok(Self {
            addr,
            host: authority.to_owned(),
            path: path.to_owned(),
        })
    }
}

fn default_pool(workload: Workload, args: &Args) -> usize {
    // Enough for the whole run at a generous rate; generation happens before timing.
    let secs = args.duration + args.warmup;
    let per_sec = match workload {
        Workload::X509 => 1500.0,
        Workload::Sct => 6000.0,
        Workload::Password => 200.0,
        Workload::Verify | Workload::Idle => 0.0,
    };
    let by_rate = args.rate.map_or(per_sec, |r| r * 1.1);
    // Padded requests: at most about 512 MiB of pool (a 64 KiB Body is answered far slower).
    let cap = args.body_kib.map_or(usize::MAX, |k| {
        (512.0 * 1024.0 / (k.max(0.0) + 2.0)) as usize
    });
    ((secs * by_rate) as usize)
        .min(cap)
        .max(args.connections * 4)
}

fn make_pool(
    args: &Args,
    workload: Workload,
    target: &Target,
    pki: &Pki,
    creds: &Credentials,
    threads: usize,
) -> Result<Vec<Request>, String> {
    let n = args.pool.unwrap_or_else(|| default_pool(workload, args));
    let now = SystemClock.now_ms();
    let started = Instant::now();
    if args.body_kib.is_some() && workload != Workload::Sct {
        return Err("--body-kib pads W-sct requests only".into());
    }
    let pool = match workload {
        Workload::X509 => {
            workloads::pool(n, threads, &|t| workloads::x509_request(pki, creds, t), now)?
        }
        Workload::Password => {
            workloads::pool(n, threads, &|t| workloads::password_request(creds, t), now)?
        }
        Workload::Sct => {
            let pad = args.body_kib.map_or(0, |k| (k.max(0.0) * 1024.0) as usize);
            let session = match target {
                Target::InProcess(e) => workloads::sct_session_in_process(e, pki, creds, now)?,
                Target::Http(ep) => sct_session_over_http(ep, pki, creds, now)?,
            };
            workloads::pool(
                n,
                threads,
                &|t| workloads::sct_request_padded(&session, creds, t, pad),
                now,
            )?
        }
        Workload::Verify | Workload::Idle => Vec::new(),
    };
    eprintln!(
        "pool: {} {} requests ({} bytes each on average) in {:.1} s",
        pool.len(),
        workload.name(),
        mean_size(&pool),
        started.elapsed().as_secs_f64()
    );
    Ok(pool)
}

/// The mean request size of a pool, in bytes.
fn mean_size(pool: &[Request]) -> usize {
    pool.iter().map(|r| r.body.len()).sum::<usize>() / pool.len().max(1)
}

/// Shared measurement state: a request counts if it completes inside the window.
struct Window {
    start: Instant,
    measure_from: Instant,
    end: Instant,
}

impl Window {
    fn new(args: &Args) -> Self {
        let start = Instant::now();
        let measure_from = start + Duration::from_secs_f64(args.warmup.max(0.0));
        Self {
            start,
            measure_from,
            end: measure_from + Duration::from_secs_f64(args.duration.max(0.01)),
        }
    }

    /// Per-connection pacing interval for `--rate`.
    fn interval(args: &Args) -> Option<Duration> {
        args.rate
            .filter(|r| *r > 0.0)
            .map(|r| Duration::from_secs_f64(args.connections as f64 / r))
    }
}

struct Collector {
    completed: AtomicU64,
    errors: AtomicU64,
    first_error: Mutex<Option<String>>,
    latencies: Mutex<Vec<u32>>,
    next: AtomicUsize,
    exhausted: AtomicBool,
    exhausted_at: Mutex<Option<Instant>>,
}

impl Collector {
    fn new() -> Self {
        Self {
            completed: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            first_error: Mutex::new(None),
            latencies: Mutex::new(Vec::new()),
            next: AtomicUsize::new(0),
            exhausted: AtomicBool::new(false),
            exhausted_at: Mutex::new(None),
        }
    }

    /// The next unused request, or None when the pool is spent.
    fn take(&self, len: usize) -> Option<usize> {
        let i = self.next.fetch_add(1, Ordering::Relaxed);
        if i < len {
            return Some(i);
        }
        if !self.exhausted.swap(true, Ordering::Relaxed) {
            if let Ok(mut g) = self.exhausted_at.lock() {
                *g = Some(Instant::now());
            }
        }
        None
    }

    fn error(&self, what: String) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut g) = self.first_error.lock() {
            g.get_or_insert(what);
        }
    }

    fn finish(self, w: &Window) -> Outcome {
        let end = self
            .exhausted_at
            .lock()
            .ok()
            .and_then(|g| *g)
            .map_or(w.end, |t| t.clamp(w.measure_from, w.end));
        Outcome {
            completed: self.completed.load(Ordering::Relaxed),
            errors: self.errors.load(Ordering::Relaxed),
            first_error: self.first_error.into_inner().ok().flatten(),
            latencies_us: self.latencies.into_inner().unwrap_or_default(),
            measured_secs: end.duration_since(w.measure_from).as_secs_f64(),
            pool_exhausted: self.exhausted.load(Ordering::Relaxed),
            request_bytes: 0,
        }
    }
}

fn micros(d: Duration) -> u32 {
    u32::try_from(d.as_micros()).unwrap_or(u32::MAX)
}

/// Records one answered request that was scheduled (or sent) at `sent`.
fn record(c: &Collector, w: &Window, sent: Instant, ok: Result<(), String>, lat: &mut Vec<u32>) {
    let done = Instant::now();
    match ok {
        Err(e) => c.error(e),
        Ok(()) if done >= w.measure_from && done <= w.end => {
            c.completed.fetch_add(1, Ordering::Relaxed);
            lat.push(micros(done.duration_since(sent)));
        }
        Ok(()) => {}
    }
}

fn drive_in_process(
    args: &Args,
    engine: &Arc<Engine>,
    workload: Workload,
    pool: Vec<Request>,
) -> Outcome {
    let c = Collector::new();
    let w = Window::new(args);
    let interval = Window::interval(args);
    std::thread::scope(|s| {
        for _ in 0..args.connections.max(1) {
            s.spawn(|| {
                let mut lat = Vec::new();
                let mut scheduled = w.start;
                while Instant::now() < w.end {
                    let sent = pace(&mut scheduled, interval);
                    let Some(i) = c.take(pool.len()) else { break };
                    let (status, body) = workloads::handle(engine, &pool[i], workload);
                    let ok = if workloads::is_success(status, body.as_bytes()) {
                        Ok(())
                    } else {
                        Err(format!("status {status}: {}", snippet(body.as_bytes())))
                    };
                    record(&c, &w, sent, ok, &mut lat);
                }
                if let Ok(mut g) = c.latencies.lock() {
                    g.extend(lat);
                }
            });
        }
    });
    c.finish(&w)
}

/// Waits for the next scheduled send time (with `--rate`) and returns the time latency is
/// measured from.
fn pace(scheduled: &mut Instant, interval: Option<Duration>) -> Instant {
    match interval {
        None => Instant::now(),
        Some(iv) => {
            let now = Instant::now();
            if *scheduled > now {
                std::thread::sleep(*scheduled - now);
            }
            let at = *scheduled;
            *scheduled += iv;
            at
        }
    }
}

fn snippet(body: &[u8]) -> String {
    let s = String::from_utf8_lossy(&body[..body.len().min(300)]);
    s.chars().filter(|c| !c.is_control()).collect()
}

fn runtime(threads: usize) -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads.max(1))
        .enable_all()
        .build()
        .map_err(|e| e.to_string())
}

type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

async fn connect(ep: &Endpoint) -> Result<Sender, String> {
    let stream = tokio::net::TcpStream::connect(ep.addr)
        .await
        .map_err(|e| format!("connect {}: {e}", ep.addr))?;
    let _ = stream.set_nodelay(true);
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("handshake: {e}"))?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender)
}

async fn post(sender: &mut Sender, ep: &Endpoint, body: Bytes) -> Result<(u16, Bytes), String> {
    let req = hyper::Request::post(ep.path.as_str())
        .header(hyper::header::HOST, ep.host.as_str())
        .header(hyper::header::CONTENT_TYPE, Request::CONTENT_TYPE)
        .header("SOAPAction", format!("\"{}\"", workloads::ISSUE_ACTION))
        .body(Full::new(body))
        .map_err(|e| e.to_string())?;
    sender
        .ready()
        .await
        .map_err(|e| format!("connection: {e}"))?;
    let resp = sender
        .send_request(req)
        .await
        .map_err(|e| format!("request: {e}"))?;
    let status = resp.status().as_u16();
    let body = resp
        .into_body()
        .collect()
        .await
        .map_err(|e| format!("body: {e}"))?
        .to_bytes();
    Ok((status, body))
}

fn sct_session_over_http(
    ep: &Endpoint,
    pki: &Pki,
    creds: &Credentials,
    now: i64,
) -> Result<workloads::SctSession, String> {
    let req = workloads::x509_request(pki, creds, now)?;
    let (status, body) = runtime(1)?.block_on(async {
        let mut s = connect(ep).await?;
        post(&mut s, ep, Bytes::from(req.body)).await
    })?;
    if !workloads::is_success(status, &body) {
        return Err(format!(
            "W-sct setup (one W-x509 exchange) failed: status {status}: {}",
            snippet(&body)
        ));
    }
    workloads::sct_session(pki, &body)
}

fn drive_http(args: &Args, ep: &Endpoint, pool: Vec<Request>) -> Result<Outcome, String> {
    let rt = runtime(args.threads)?;
    let pool: Arc<Vec<Bytes>> = Arc::new(pool.into_iter().map(|r| Bytes::from(r.body)).collect());
    let c = Arc::new(Collector::new());
    let interval = Window::interval(args);
    let senders = rt.block_on(async {
        let mut v = Vec::with_capacity(args.connections);
        for _ in 0..args.connections.max(1) {
            v.push(connect(ep).await?);
        }
        Ok::<_, String>(v)
    })?;
    let w = Arc::new(Window::new(args));
    rt.block_on(async {
        let mut tasks = Vec::new();
        for mut sender in senders {
            let (c, w, pool, ep) = (c.clone(), w.clone(), pool.clone(), ep.clone());
            tasks.push(tokio::spawn(async move {
                let mut lat = Vec::new();
                let mut scheduled = w.start;
                while Instant::now() < w.end {
                    let sent = match interval {
                        None => Instant::now(),
                        Some(iv) => {
                            tokio::time::sleep_until(scheduled.into()).await;
                            let at = scheduled;
                            scheduled += iv;
                            at
                        }
                    };
                    let Some(i) = c.take(pool.len()) else { break };
                    let ok = match post(&mut sender, &ep, pool[i].clone()).await {
                        Ok((status, body)) if workloads::is_success(status, &body) => Ok(()),
                        Ok((status, body)) => Err(format!("status {status}: {}", snippet(&body))),
                        Err(e) => Err(e),
                    };
                    let broken = ok.is_err();
                    record(&c, &w, sent, ok, &mut lat);
                    if broken {
                        break;
                    }
                }
                if let Ok(mut g) = c.latencies.lock() {
                    g.extend(lat);
                }
            }));
        }
        for t in tasks {
            let _ = t.await;
        }
    });
    drop(rt);
    let c = Arc::try_unwrap(c).map_err(|_| "collector still shared")?;
    Ok(c.finish(&w))
}

/// W-verify in process: every thread parses and verifies the recorded request in a loop.
fn drive_verify(args: &Args) -> Result<Outcome, String> {
    let v = Verifier::new(workloads::VERIFY_FIXTURE)?;
    let c = Collector::new();
    let w = Window::new(args);
    std::thread::scope(|s| {
        for _ in 0..args.connections.max(1) {
            s.spawn(|| {
                let mut lat = Vec::new();
                while Instant::now() < w.end {
                    let sent = Instant::now();
                    record(&c, &w, sent, v.verify_once(), &mut lat);
                }
                if let Ok(mut g) = c.latencies.lock() {
                    g.extend(lat);
                }
            });
        }
    });
    Ok(c.finish(&w))
}

/// The W-verify work: parse, read the signature, verify with the client certificate.
struct Verifier {
    bytes: Vec<u8>,
    cert: Certificate,
    policy: Policy,
}

impl Verifier {
    fn new(fixture: &str) -> Result<Self, String> {
        let pem = workloads::fixture("clients/pki/client.pem")?;
        let cert =
            Certificate::from_pem(&String::from_utf8_lossy(&pem)).map_err(|e| e.to_string())?;
        Ok(Self {
            bytes: workloads::fixture(fixture)?,
            cert,
            policy: Policy::default(),
        })
    }

    fn verify_once(&self) -> Result<(), String> {
        let doc = Document::parse(&self.bytes).map_err(|e| e.to_string())?;
        let node = doc
            .descendants_or_self(doc.root())
            .find(|n| doc.is(*n, ns::DS, "Signature"))
            .ok_or("no signature")?;
        let sig = Signature::read(&doc, node, &self.policy).map_err(|e| e.to_string())?;
        verify(
            &doc,
            &sig,
            VerificationKey::Rsa(self.cert.public_key()),
            &self.policy,
            &NoResolver,
        )
        .map(|_| ())
        .map_err(|e| e.to_string())
    }
}

/// Runs `n` iterations of `workload` on this thread (requests made beforehand).
fn profile(
    workload: Workload,
    n: usize,
    pki: &Pki,
    creds: &Credentials,
    argon2: &Argon2Params,
) -> Result<(), String> {
    match workload {
        Workload::Verify => {
            let v = Verifier::new(workloads::VERIFY_FIXTURE)?;
            profile_loop(n, &mut |_| v.verify_once())
        }
        Workload::Idle => Err("W-idle has no in-process work to profile".into()),
        _ => {
            let engine = workloads::engine(pki, creds, argon2)?;
            let now = SystemClock.now_ms();
            let make: Box<dyn Fn(i64) -> Result<Request, String> + Sync> = match workload {
                Workload::X509 => Box::new(|t| workloads::x509_request(pki, creds, t)),
                Workload::Password => Box::new(|t| workloads::password_request(creds, t)),
                _ => {
                    let s = workloads::sct_session_in_process(&engine, pki, creds, now)?;
                    Box::new(move |t| workloads::sct_request(&s, creds, t))
                }
            };
            let pool = workloads::pool(n, 1, &*make, now)?;
            profile_loop(n, &mut |i| {
                let (status, body) = workloads::handle(&engine, &pool[i], workload);
                if workloads::is_success(status, body.as_bytes()) {
                    Ok(())
                } else {
                    Err(format!("status {status}"))
                }
            })
        }
    }
}

/// The measured loop of `--profile` (callgrind collects only inside it).
#[inline(never)]
fn profile_loop(n: usize, f: &mut dyn FnMut(usize) -> Result<(), String>) -> Result<(), String> {
    for i in 0..n {
        f(i)?;
    }
    Ok(())
}

/// W-idle: opens N keep-alive connections, makes one request on each, holds them idle for
/// the duration and reads the server's resident memory before and after.
fn idle(args: &Args, url: &str) -> Result<i32, String> {
    let ep = Endpoint::parse(url)?;
    let rss_before = args.server_pid.and_then(rss_kib);
    let rt = runtime(args.threads)?;
    let opened = AtomicU64::new(0);
    let result: Result<(), String> = rt.block_on(async {
        let mut held = Vec::with_capacity(args.connections);
        for _ in 0..args.connections {
            let mut s = connect(&ep).await?;
            // Any answer will do (the body is not a valid request): the connection is live.
            post(&mut s, &ep, Bytes::from_static(b"<x/>")).await?;
            opened.fetch_add(1, Ordering::Relaxed);
            held.push(s);
        }
        tokio::time::sleep(Duration::from_secs_f64(args.duration.max(0.1))).await;
        let alive = held.iter().filter(|s| !s.is_closed()).count();
        eprintln!("W-idle: {alive} of {} connections still open", held.len());
        Ok(())
    });
    let rss_idle = args.server_pid.and_then(rss_kib);
    result?;
    let n = opened.load(Ordering::Relaxed);
    let fmt = |v: Option<u64>| {
        v.map_or_else(
            || "n/a".to_owned(),
            |k| format!("{:.1} MiB", k as f64 / 1024.0),
        )
    };
    println!("workload    W-idle");
    println!("connections {n}");
    println!(
        "server RSS  before {}  idle {}",
        fmt(rss_before),
        fmt(rss_idle)
    );
    if let Some(p) = &args.json {
        let j = format!(
            "{{\"workload\":\"W-idle\",\"connections\":{n},\"rss_before_kib\":{},\"rss_idle_kib\":{}}}\n",
            rss_before.map_or_else(|| "null".into(), |v| v.to_string()),
            rss_idle.map_or_else(|| "null".into(), |v| v.to_string()),
        );
        std::fs::write(p, j).map_err(|e| format!("{}: {e}", p.display()))?;
    }
    Ok(0)
}

fn rss_kib(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

fn percentile(sorted: &[u32], p: f64) -> u32 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn report(
    args: &Args,
    workload: Workload,
    target: &Target,
    argon2: &Argon2Params,
    o: &Outcome,
    cores: usize,
) -> Result<i32, String> {
    if o.errors > 0 {
        eprintln!(
            "REFUSED: {} of the responses were faults or errors; no figures are reported. First: {}",
            o.errors,
            o.first_error.as_deref().unwrap_or("?")
        );
        return Ok(2);
    }
    if o.completed == 0 {
        eprintln!("REFUSED: no request completed inside the measured window");
        return Ok(2);
    }
    let mut lat = o.latencies_us.clone();
    lat.sort_unstable();
    let rps = o.completed as f64 / o.measured_secs.max(1e-9);
    let (p50, p99, p999) = (
        percentile(&lat, 50.0),
        percentile(&lat, 99.0),
        percentile(&lat, 99.9),
    );
    println!("workload    {}", workload.name());
    println!(
        "mode        {} ({} connections, {} cores)",
        target.mode(),
        args.connections,
        cores
    );
    if let Some(r) = args.rate {
        println!("rate        {r:.0} req/s offered");
    }
    println!(
        "completed   {} in {:.2} s{}",
        o.completed,
        o.measured_secs,
        if o.pool_exhausted {
            " (pool exhausted: window ended early)"
        } else {
            ""
        }
    );
    println!("throughput  {rps:.1} req/s");
    println!("latency     p50 {p50} us  p99 {p99} us  p99.9 {p999} us");
    if workload == Workload::Password {
        println!(
            "argon2id    m={} KiB t={} p={}",
            argon2.m_cost_kib, argon2.t_cost, argon2.p_cost
        );
    }
    if let Some(p) = &args.json {
        let j = format!(
            "{{\"workload\":\"{}\",\"mode\":\"{}\",\"connections\":{},\"cores\":{cores},\"rate\":{},\"completed\":{},\"seconds\":{:.3},\"throughput\":{rps:.2},\"p50_us\":{p50},\"p99_us\":{p99},\"p999_us\":{p999},\"errors\":0,\"pool_exhausted\":{},\"request_bytes\":{},\"argon2\":\"m={} KiB t={} p={}\"}}\n",
            workload.name(),
            target.mode(),
            args.connections,
            args.rate.map_or_else(|| "null".into(), |r| format!("{r:.1}")),
            o.completed,
            o.measured_secs,
            o.pool_exhausted,
            o.request_bytes,
            argon2.m_cost_kib,
            argon2.t_cost,
            argon2.p_cost
        );
        std::fs::write(p, j).map_err(|e| format!("{}: {e}", p.display()))?;
    }
    Ok(0)
}
