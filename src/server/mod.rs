//! The HTTP transport: hyper 1.x on tokio, optional TLS with rustls.
//!
//! Responsibility: accept connections within limits (connection count, in all and per client
//! address, header and request timeouts, body size), route (`/sts`, `/sts?wsdl`, `/sts/mex`,
//! `/keyx`, aliases, `/livez` (`/healthz`), `/readyz`, `/metrics`), hand SOAP requests to the
//! engine on tokio's blocking pool, log one line per
//! request, count, and shut down gracefully. [`InProcess`] runs the same routing and engine
//! calls on buffered requests, without a socket, at a given clock. No SOAP logic beyond dispatch: the engine
//! decides and writes every STS answer and fault.
//!
//! May use: crypto, xml, xmlsec (signing the federation metadata), soap, wss (the clock),
//! trust (token type URIs), engine.

mod adfs;
mod connlimit;
mod federation;
mod http;
mod inprocess;
pub mod metadata;
pub mod metrics;
mod ratelimit;
mod settings;
mod tls;
pub mod trace;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

pub use inprocess::{HttpReply, HttpRequest, InProcess};
pub use settings::{AdfsPolicy, Alias, Endpoint, Limits, RateLimit, ServerSettings, TlsFiles};

use crate::engine::Engine;
use http::Shared;
use metadata::Metadata;
use metrics::Metrics;

/// Why the server could not start or run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// The address could not be bound.
    #[error(
        "cannot listen on {addr}: {source} (choose a free address with `--listen` or `listen`)"
    )]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The error.
        source: std::io::Error,
    },
    /// Plain HTTP on a non-loopback address without the explicit setting.
    #[error(
        "refusing plain HTTP on the non-loopback address {0}: configure [tls], listen on \
         127.0.0.1, or set `allow_plain_http_nonloopback = true` behind a TLS-terminating proxy"
    )]
    PlainHttp(SocketAddr),
    /// The TLS configuration cannot be used.
    #[error("tls: {0}")]
    Tls(String),
    /// The metadata documents could not be made.
    #[error(transparent)]
    Metadata(#[from] metadata::MetadataError),
    /// Another I/O failure.
    #[error("server: {0}")]
    Io(#[from] std::io::Error),
}

/// Largest HTTP/1.1 read buffer per connection (the request head must fit in it).
const READ_BUFFER_MAX: usize = 64 * 1024;

/// A bound, not yet running server.
pub struct Server {
    listener: TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    /// The certificate new TLS handshakes use (a reload replaces it).
    certs: Option<Arc<tls::Certs>>,
    shared: Arc<Shared>,
    local: SocketAddr,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("local", &self.local)
            .field("tls", &self.tls.is_some())
            .finish_non_exhaustive()
    }
}

impl Server {
    /// Checks `settings`, loads the TLS key, binds the address and prepares the metadata.
    pub async fn bind(settings: ServerSettings, engine: Arc<Engine>) -> Result<Self, ServerError> {
        let plain = settings.tls.is_none();
        if plain && !settings.listen.ip().to_canonical().is_loopback() {
            if !settings.allow_plain_http_nonloopback {
                return Err(ServerError::PlainHttp(settings.listen));
            }
            tracing::warn!(
                listen = %settings.listen,
                "serving plain HTTP on a non-loopback address (allow_plain_http_nonloopback): \
                 passwords and keys cross the network unprotected unless a TLS proxy fronts us"
            );
        }
        let (tls, certs) = match settings.tls.as_ref().map(tls::server_config).transpose()? {
            Some((cfg, certs)) => (Some(tokio_rustls::TlsAcceptor::from(cfg)), Some(certs)),
            None => (None, None),
        };
        let listener =
            TcpListener::bind(settings.listen)
                .await
                .map_err(|source| ServerError::Bind {
                    addr: settings.listen,
                    source,
                })?;
        let local = listener.local_addr()?;
        let base = settings
            .public_url
            .clone()
            .unwrap_or_else(|| format!("{}://{local}", if plain { "http" } else { "https" }));
        engine.warn_if_signing_certificate_expires(crate::wss::Clock::now_ms(
            &crate::wss::SystemClock,
        ));
        let metadata = metadata_for(&settings, &base, &engine)?;
        let shared = Arc::new(Shared::new(engine, settings, metadata, base));
        Ok(Self {
            listener,
            tls,
            certs,
            shared,
            local,
        })
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// The STS endpoint's address as clients see it.
    pub fn sts_url(&self) -> String {
        format!("{}/sts", self.shared.base)
    }

    /// A handle that replaces the engine while the server runs.
    pub fn reloader(&self) -> Reloader {
        Reloader {
            shared: Arc::clone(&self.shared),
            certs: self.certs.clone(),
        }
    }

    /// The counters (shared with the running server).
    pub fn metrics(&self) -> Arc<Metrics> {
        Arc::clone(&self.shared.metrics)
    }

    /// Serves until `shutdown` completes, then stops accepting and waits up to the shutdown
    /// grace time for in-flight requests.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> Result<(), ServerError> {
        let Self {
            listener,
            tls,
            shared,
            local,
            ..
        } = self;
        let limits = shared.settings.limits;
        let graceful = GracefulShutdown::new();
        let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
        let per_source = connlimit::PerSource::new(limits.max_connections_per_source);
        let mut h1 = hyper::server::conn::http1::Builder::new();
        h1.timer(TokioTimer::new())
            .header_read_timeout(limits.header_timeout)
            // hyper's read buffer grows to ~400 KiB by default; a connection trickling a
            // large body would each hold that much. 64 KiB still takes any sane header block.
            .max_buf_size(READ_BUFFER_MAX)
            .keep_alive(true);
        let mut h2 = hyper::server::conn::http2::Builder::new(TokioExecutor::new());
        h2.timer(TokioTimer::new())
            .max_concurrent_streams(64)
            .keep_alive_interval(Some(limits.header_timeout))
            .keep_alive_timeout(limits.header_timeout);
        let protocols = Arc::new((h1, h2));
        tracing::info!(%local, tls = tls.is_some(), "listening");
        // Shutdown: `/readyz` turns 503 at once; the server keeps accepting for the drain
        // time (so a load balancer probing readiness moves traffic away first), then stops
        // accepting and gives in-flight requests the grace time.
        let drain_shared = Arc::clone(&shared);
        let stop = async move {
            shutdown.await;
            drain_shared
                .draining
                .store(true, std::sync::atomic::Ordering::Relaxed);
            if !limits.drain.is_zero() {
                tracing::info!(
                    secs = limits.drain.as_secs(),
                    "draining: /readyz answers 503, still serving"
                );
                tokio::time::sleep(limits.drain).await;
            }
        };
        let mut shutdown = std::pin::pin!(stop);
        loop {
            let permit = tokio::select! {
                p = Arc::clone(&slots).acquire_owned() => match p {
                    Ok(p) => p,
                    Err(_) => break,
                },
                () = &mut shutdown => break,
            };
            let (stream, peer) = tokio::select! {
                r = listener.accept() => match r {
                    Ok(x) => x,
                    Err(e) => {
                        // Out of descriptors and the like: back off instead of spinning.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                        continue;
                    }
                },
                () = &mut shutdown => break,
            };
            let Some(source_slot) = per_source.acquire(peer.ip()) else {
                // Closed unread: this address holds its share of the slots already.
                shared.metrics.connection_refused();
                tracing::debug!(%peer, "too many connections from this address");
                drop(stream);
                continue;
            };
            let _ = stream.set_nodelay(true);
            let shared = Arc::clone(&shared);
            let protocols = Arc::clone(&protocols);
            let watcher = graceful.watcher();
            let tls = tls.clone();
            tokio::spawn(async move {
                let _permit = (permit, source_slot);
                shared.metrics.connection(1);
                let (h1, h2) = &*protocols;
                match tls {
                    None => {
                        // Plain HTTP is HTTP/1.1: its header timeout runs from the start of
                        // the connection, so a silent or slow client is dropped.
                        let svc = http::service(Arc::clone(&shared), peer, false);
                        let conn = h1.serve_connection(TokioIo::new(stream), svc);
                        let _ = watcher.watch(conn).await;
                    }
                    Some(acceptor) => {
                        let handshake =
                            tokio::time::timeout(limits.header_timeout, acceptor.accept(stream));
                        match handshake.await {
                            Ok(Ok(s)) => {
                                let is_h2 = s.get_ref().1.alpn_protocol() == Some(b"h2");
                                let svc = http::service(Arc::clone(&shared), peer, true);
                                if is_h2 {
                                    let conn = h2.serve_connection(TokioIo::new(s), svc);
                                    let _ = watcher.watch(conn).await;
                                } else {
                                    let conn = h1.serve_connection(TokioIo::new(s), svc);
                                    let _ = watcher.watch(conn).await;
                                }
                            }
                            Ok(Err(e)) => {
                                tracing::debug!(%peer, error = %e, "tls handshake failed")
                            }
                            Err(_) => tracing::debug!(%peer, "tls handshake timed out"),
                        }
                    }
                }
                shared.metrics.connection(-1);
            });
        }
        drop(listener);
        tracing::info!("shutting down: finishing in-flight requests");
        tokio::select! {
            () = graceful.shutdown() => tracing::info!("all connections closed"),
            () = tokio::time::sleep(limits.shutdown_grace) => {
                tracing::warn!("shutdown grace time over; closing the remaining connections");
            }
        }
        Ok(())
    }
}

/// The WSDL, MEX, AD FS and federation metadata documents for the base address `base`.
fn metadata_for(
    settings: &ServerSettings,
    base: &str,
    engine: &Engine,
) -> Result<Metadata, ServerError> {
    let metadata =
        Metadata::new(&format!("{base}/sts"))?.with_adfs(&adfs::wsdl(base, &settings.aliases)?)?;
    if !settings
        .aliases
        .iter()
        .any(|a| a.endpoint == Endpoint::FederationMetadata)
    {
        return Ok(metadata);
    }
    let cfg = engine.config();
    let adfs_mex = settings
        .aliases
        .iter()
        .find(|a| a.endpoint == Endpoint::AdfsMex)
        .map(|a| format!("{base}{}", a.path));
    let mut endpoints: Vec<federation::StsEndpoint> = adfs::advertised(&settings.aliases)
        .iter()
        .map(|a| federation::StsEndpoint {
            address: format!("{base}{}", a.path),
            mex: adfs_mex.clone(),
        })
        .collect();
    endpoints.push(federation::StsEndpoint {
        address: format!("{base}/sts"),
        mex: Some(format!("{base}/sts/mex")),
    });
    let offered = |name: &str| cfg.realms.iter().any(|r| r.token_types.allows(name));
    let mut token_types = Vec::new();
    if offered("saml20") {
        token_types.push("urn:oasis:names:tc:SAML:2.0:assertion");
    }
    if offered("saml11") {
        token_types.push("urn:oasis:names:tc:SAML:1.0:assertion");
    }
    if offered("sct") {
        token_types.push("http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512/sct");
        token_types.push("http://schemas.xmlsoap.org/ws/2005/02/sc/sct");
    }
    if offered("jwt") {
        token_types.push(crate::trust::JWT_TOKEN_TYPE);
    }
    let xml = federation::document(&federation::FederationSpec {
        issuer: &cfg.issuer,
        signing_cert: cfg.signing_cert.der(),
        other_certs: cfg.other_signing.iter().map(|(c, _)| c.der()).collect(),
        signing_key: &cfg.signing_key,
        token_types,
        endpoints,
    })?;
    Ok(metadata.with_federation(xml))
}

/// Completes on SIGTERM or SIGINT (Ctrl-C).
pub async fn shutdown_signal() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = term => {}
    }
}

/// Replaces the engine of a running server (a configuration reload): requests that
/// arrive afterwards use the new one, requests under way finish with the one they began
/// with, and no connection is dropped.
#[derive(Clone)]
pub struct Reloader {
    shared: Arc<Shared>,
    certs: Option<Arc<tls::Certs>>,
}

impl std::fmt::Debug for Reloader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reloader").finish_non_exhaustive()
    }
}

impl Reloader {
    /// The engine in use now.
    pub fn engine(&self) -> Arc<Engine> {
        self.shared.engine()
    }

    /// Makes `engine` current, with metadata made from its configuration. When the
    /// metadata cannot be made, nothing changes. Counted in
    /// `wstrust_config_reloads_total{outcome}`.
    pub fn reload(&self, engine: Arc<Engine>) -> Result<(), ServerError> {
        let made = metadata_for(&self.shared.settings, &self.shared.base, &engine);
        let Ok(metadata) = made else {
            self.shared.metrics.count_reload(false);
            return made.map(|_| ());
        };
        engine.warn_if_signing_certificate_expires(crate::wss::Clock::now_ms(
            &crate::wss::SystemClock,
        ));
        self.shared.replace(http::Generation { engine, metadata });
        self.shared.metrics.count_reload(true);
        Ok(())
    }

    /// Reads the TLS certificate and key of `files` again for new handshakes (a renewed
    /// certificate); connections already open keep theirs. `Ok(false)`: the server does not
    /// serve TLS (turning TLS on or off takes a restart). On an error the certificate in use
    /// stays.
    pub fn reload_tls(&self, files: &TlsFiles) -> Result<bool, ServerError> {
        match &self.certs {
            Some(c) => c.replace(files).map(|()| true),
            None => Ok(false),
        }
    }

    /// Counts a reload that failed before an engine could be made (the configuration did
    /// not load).
    pub fn failed(&self) {
        self.shared.metrics.count_reload(false);
    }
}

/// A server running on its own thread and runtime (for tests and embedding).
#[derive(Debug)]
pub struct Running {
    addr: SocketAddr,
    url: String,
    metrics: Arc<Metrics>,
    reloader: Reloader,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<Result<(), ServerError>>>,
}

impl Running {
    /// Binds and starts serving on a new thread; returns once the address is bound.
    pub fn start(settings: ServerSettings, engine: Arc<Engine>) -> Result<Self, ServerError> {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()?;
            rt.block_on(async move {
                let server = match Server::bind(settings, engine).await {
                    Ok(s) => s,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return Ok(());
                    }
                };
                let _ = ready_tx.send(Ok((
                    server.local_addr(),
                    server.sts_url(),
                    server.metrics(),
                    server.reloader(),
                )));
                server
                    .run(async {
                        let _ = stop_rx.await;
                    })
                    .await
            })
        });
        match ready_rx.recv() {
            Ok(Ok((addr, url, metrics, reloader))) => Ok(Self {
                addr,
                url,
                metrics,
                reloader,
                stop: Some(stop_tx),
                thread: Some(thread),
            }),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(match thread.join() {
                Ok(Err(e)) => e,
                _ => ServerError::Io(std::io::Error::other("server thread ended")),
            }),
        }
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The STS endpoint's address.
    pub fn sts_url(&self) -> &str {
        &self.url
    }

    /// The counters.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// A handle that replaces the engine while the server runs.
    pub fn reloader(&self) -> Reloader {
        self.reloader.clone()
    }

    /// Shuts down gracefully and waits for the server thread.
    pub fn stop(mut self) -> Result<(), ServerError> {
        self.stop_inner()
    }

    fn stop_inner(&mut self) -> Result<(), ServerError> {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        match self.thread.take().map(std::thread::JoinHandle::join) {
            Some(Ok(r)) => r,
            Some(Err(_)) => Err(ServerError::Io(std::io::Error::other(
                "server thread panicked",
            ))),
            None => Ok(()),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.stop_inner();
    }
}
