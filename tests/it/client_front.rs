//! TEST SCAFFOLDING, to be replaced by `wstrust serve` when it lands: a minimal HTTP(S) front
//! (hyper 1 server on its own thread) around the real `wstrust::engine::Engine`, so the client
//! is tested against the real engine behind real HTTP. It records what each request carried
//! (content type, SOAPAction, the engine's log line) and can tamper with responses.

use std::convert::Infallible;
use std::net::TcpListener as StdListener;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming as Body;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;

use wstrust::engine::config::{AppliesToMatch, EngineConfig, Realm};
use wstrust::engine::request::Incoming;
use wstrust::engine::{Engine, Transport};
use wstrust::pki::Certificate;
use wstrust::store::MemoryStore;
use wstrust::wss::SystemClock;

use crate::support::fixture_text;
use crate::wss_support::{recorded_sts_config, secret_users};

/// The realm's relying party prefix.
pub const RP: &str = "https://rp.example.com/service";

/// The engine of the recorded test PKI: user alice/secret, realm `rp` for
/// `https://rp.example.com/`, the recorded client certificates trusted.
pub fn engine() -> Engine {
    Engine::new(engine_config(), Arc::new(MemoryStore::new()))
}

/// The configuration of [`engine`], for tests that add to it.
pub fn engine_config() -> EngineConfig {
    let rp = Certificate::from_pem(&fixture_text("clients/pki/rp.pem")).unwrap();
    let realm = Realm::new(
        "rp",
        AppliesToMatch::Prefix("https://rp.example.com/".into()),
        rp,
    );
    recorded_sts_config(vec![realm], secret_users(&["alice"]))
}

/// What one request carried.
#[derive(Clone, Debug)]
pub struct Seen {
    pub content_type: Option<String>,
    pub soap_action: Option<String>,
    pub body: String,
    pub status: u16,
    /// The response body sent.
    pub response: String,
    /// The engine's reason for a fault.
    pub log: Option<String>,
}

/// A function rewriting response bodies.
pub type Tamper = Arc<dyn Fn(&str) -> String + Send + Sync>;

/// A scripted STS (for the bindings the engine does not have yet): request body in,
/// response envelope out.
pub type Script = Arc<dyn Fn(&str) -> String + Send + Sync>;

/// Options of the front.
#[derive(Clone, Default)]
pub struct FrontOptions {
    /// The channel counts as confidential (TLS, or loopback as in development).
    pub confidential: bool,
    /// Rewrite each response body.
    pub tamper: Option<Tamper>,
    /// Serve TLS with this server config.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// Answer with this script instead of the engine (status 200).
    pub script: Option<Script>,
}

/// A running front; stopped on drop.
pub struct StsFront {
    pub url: String,
    pub seen: Arc<Mutex<Vec<Seen>>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl StsFront {
    /// Starts a front for `engine` on a fresh loopback port.
    pub fn start(engine: Engine, opts: FrontOptions) -> Self {
        let listener = StdListener::bind("127.0.0.1:0").unwrap();
        Self::start_on(listener, engine, opts)
    }

    /// Starts a front for `engine` on `listener`.
    pub fn start_on(listener: StdListener, engine: Engine, opts: FrontOptions) -> Self {
        let port = listener.local_addr().unwrap().port();
        let scheme = if opts.tls.is_some() { "https" } else { "http" };
        let host = if opts.tls.is_some() {
            "localhost"
        } else {
            "127.0.0.1"
        };
        let url = format!("{scheme}://{host}:{port}/sts");
        listener.set_nonblocking(true).unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
        let engine = Arc::new(engine);
        let seen2 = seen.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                let acceptor = opts.tls.clone().map(tokio_rustls::TlsAcceptor::from);
                loop {
                    let (stream, _) = tokio::select! {
                        a = listener.accept() => match a { Ok(a) => a, Err(_) => continue },
                        _ = &mut stopped => break,
                    };
                    let engine = engine.clone();
                    let seen = seen2.clone();
                    let opts = opts.clone();
                    let acceptor = acceptor.clone();
                    tokio::spawn(async move {
                        let svc = hyper::service::service_fn(move |req| {
                            handle(req, engine.clone(), seen.clone(), opts.clone())
                        });
                        let http = hyper::server::conn::http1::Builder::new();
                        match acceptor {
                            Some(a) => {
                                if let Ok(tls) = a.accept(stream).await {
                                    let _ = http.serve_connection(TokioIo::new(tls), svc).await;
                                }
                            }
                            None => {
                                let _ = http.serve_connection(TokioIo::new(stream), svc).await;
                            }
                        }
                    });
                }
            });
        });
        Self {
            url,
            seen,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// What the requests so far carried.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for StsFront {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

async fn handle(
    req: Request<Body>,
    engine: Arc<Engine>,
    seen: Arc<Mutex<Vec<Seen>>>,
    opts: FrontOptions,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let content_type = header("content-type");
    let soap_action = header("soapaction");
    let keyx = req.uri().path() == "/keyx";
    let body = req.into_body().collect().await.unwrap().to_bytes();
    if keyx {
        // The key exchange route (JSON), as `wstrust serve` has it.
        let r = engine.handle_keyx_json(
            &body,
            Transport {
                confidential: opts.confidential,
                peer: None,
            },
            &SystemClock,
        );
        seen.lock().unwrap().push(Seen {
            content_type,
            soap_action,
            body: String::from_utf8_lossy(&body).into_owned(),
            status: r.status,
            response: r.body.clone(),
            log: r.log.clone(),
        });
        return Ok(Response::builder()
            .status(r.status)
            .header("content-type", r.content_type)
            .body(Full::new(Bytes::from(r.body)))
            .unwrap());
    }
    let action = soap_action
        .as_deref()
        .map(|a| a.trim().trim_matches('"').to_owned());
    if let Some(script) = &opts.script {
        let text = String::from_utf8_lossy(&body).into_owned();
        let out = script(&text);
        let ct = content_type.clone().unwrap_or_default();
        seen.lock().unwrap().push(Seen {
            content_type: content_type.clone(),
            soap_action,
            body: text,
            status: 200,
            response: out.clone(),
            log: None,
        });
        let media = if ct.starts_with("application/soap+xml") {
            "application/soap+xml; charset=utf-8"
        } else {
            "text/xml; charset=utf-8"
        };
        return Ok(Response::builder()
            .status(200)
            .header("content-type", media)
            .body(Full::new(Bytes::from(out)))
            .unwrap());
    }
    let r = engine.handle(
        Incoming {
            body: &body,
            content_type: content_type.as_deref(),
            soap_action: action.as_deref(),
        },
        Transport {
            confidential: opts.confidential,
            peer: None,
        },
        &SystemClock,
    );
    let out = match &opts.tamper {
        Some(t) => t(&r.body),
        None => r.body.clone(),
    };
    seen.lock().unwrap().push(Seen {
        content_type,
        soap_action,
        body: String::from_utf8_lossy(&body).into_owned(),
        status: r.status,
        response: out.clone(),
        log: r.log.clone(),
    });
    Ok(Response::builder()
        .status(r.status)
        .header("content-type", r.content_type)
        .body(Full::new(Bytes::from(out)))
        .unwrap())
}
