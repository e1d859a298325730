//! HTTP(S) POST of one SOAP message with hyper 1 over one connection, rustls trusting only the
//! configured CA, a timeout, progress lines while waiting, and retries on connection errors
//! and on 5xx answers that carry no SOAP message.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::header::{HeaderValue, CONTENT_TYPE, HOST};
use hyper::{Request, Uri};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use crate::pki::Certificate;
use crate::soap::SoapVersion;

use super::config::{ClientConfig, Progress};
use super::Error;

/// Largest response body read, in bytes.
const MAX_RESPONSE: usize = 16 * 1024 * 1024;

/// After how long a progress line says we are still waiting.
const WAIT_NOTICE: Duration = Duration::from_secs(2);

/// The STS endpoint, parsed once.
#[derive(Clone)]
pub(crate) struct Endpoint {
    pub(crate) url: String,
    host: String,
    port: u16,
    authority: String,
    path: String,
    tls: Option<(TlsConnector, rustls::pki_types::ServerName<'static>)>,
}

impl Endpoint {
    /// Parses `url` (`http://` or `https://`), with the TLS settings for `https`.
    pub(crate) fn new(url: &str, ca: Option<&Certificate>) -> Result<Self, Error> {
        let bad = |what| Error::Url {
            url: url.to_owned(),
            what,
        };
        let uri: Uri = url.parse().map_err(|_| bad("not a url"))?;
        let https = match uri.scheme_str() {
            Some("http") => false,
            Some("https") => true,
            _ => return Err(bad("the scheme must be http or https")),
        };
        let host = uri.host().ok_or_else(|| bad("no host"))?;
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
        let authority = uri
            .authority()
            .map(|a| a.as_str().to_owned())
            .ok_or_else(|| bad("no host"))?;
        let path = uri
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| "/".to_owned());
        let tls = if https {
            let ca = ca.ok_or_else(|| Error::TlsConfig {
                what: "an https STS needs the CA certificate its certificate chains to (--ca)"
                    .into(),
            })?;
            Some(tls_connector(ca, &host)?)
        } else {
            None
        };
        Ok(Self {
            url: url.to_owned(),
            host,
            port,
            authority,
            path,
            tls,
        })
    }
}

fn tls_connector(
    ca: &Certificate,
    host: &str,
) -> Result<(TlsConnector, rustls::pki_types::ServerName<'static>), Error> {
    let tls_err = |what: String| Error::TlsConfig { what };
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(rustls::pki_types::CertificateDer::from(ca.der().to_vec()))
        .map_err(|e| tls_err(format!("the CA certificate cannot be a trust anchor: {e}")))?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let cfg = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_err(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from(host.to_owned())
        .map_err(|_| tls_err(format!("`{host}` is not a valid server name")))?;
    Ok((TlsConnector::from(Arc::new(cfg)), name))
}

/// An HTTP answer.
#[derive(Debug)]
pub(crate) struct HttpResponse {
    pub(crate) status: u16,
    pub(crate) content_type: Option<String>,
    pub(crate) body: Vec<u8>,
}

impl HttpResponse {
    /// True when the body looks like a SOAP message (by media type, or by an envelope).
    pub(crate) fn has_soap_body(&self) -> bool {
        let media = self
            .content_type
            .as_deref()
            .and_then(SoapVersion::from_content_type)
            .is_some();
        let text = String::from_utf8_lossy(&self.body[..self.body.len().min(512)]).into_owned();
        media && text.contains("Envelope")
    }
}

/// Why one attempt failed.
enum Attempt {
    /// Nothing was exchanged (connect, TLS, or the connection broke): worth retrying.
    Connect(String),
    /// A TLS handshake failure (certificate): retrying will not help.
    Tls(String),
}

async fn send_once(
    ep: &Endpoint,
    body: Bytes,
    content_type: &str,
    soap_action: Option<&str>,
) -> Result<HttpResponse, Attempt> {
    let tcp = TcpStream::connect((ep.host.as_str(), ep.port))
        .await
        .map_err(|e| Attempt::Connect(e.to_string()))?;
    let _ = tcp.set_nodelay(true);
    let mut req = Request::post(ep.path.as_str())
        .header(HOST, ep.authority.as_str())
        .header(CONTENT_TYPE, content_type);
    if let Some(a) = soap_action {
        let quoted = format!("\"{a}\"");
        if let Ok(v) = HeaderValue::from_str(&quoted) {
            req = req.header("SOAPAction", v);
        }
    }
    let req = req
        .body(Full::new(body))
        .map_err(|e| Attempt::Connect(e.to_string()))?;
    match &ep.tls {
        None => exchange(TokioIo::new(tcp), req).await,
        Some((connector, name)) => {
            let tls = connector
                .connect(name.clone(), tcp)
                .await
                .map_err(|e| Attempt::Tls(e.to_string()))?;
            exchange(TokioIo::new(tls), req).await
        }
    }
}

async fn exchange<T>(io: TokioIo<T>, req: Request<Full<Bytes>>) -> Result<HttpResponse, Attempt>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, conn) = hyper::client::conn::http1::handshake(io)
        .await
        .map_err(|e| Attempt::Connect(e.to_string()))?;
    let send = async move {
        let resp = sender
            .send_request(req)
            .await
            .map_err(|e| Attempt::Connect(e.to_string()))?;
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = Limited::new(resp.into_body(), MAX_RESPONSE)
            .collect()
            .await
            .map_err(|e| Attempt::Connect(format!("reading the answer: {e}")))?
            .to_bytes()
            .to_vec();
        Ok(HttpResponse {
            status,
            content_type,
            body,
        })
    };
    // The connection is driven alongside the request; it ends once the sender is dropped.
    let (result, _) = tokio::join!(send, conn);
    result
}

/// Posts `body` to the endpoint with retries and progress, within `cfg.timeout` per attempt.
pub(crate) async fn post(
    ep: &Endpoint,
    cfg: &ClientConfig,
    body: &str,
    soap: SoapVersion,
    action: &str,
) -> Result<HttpResponse, Error> {
    let (content_type, soap_action) = match soap {
        SoapVersion::V11 => ("text/xml; charset=utf-8".to_owned(), Some(action)),
        SoapVersion::V12 => (
            format!("application/soap+xml; charset=utf-8; action=\"{action}\""),
            None,
        ),
    };
    let body = Bytes::from(body.to_owned());
    post_with(
        ep,
        cfg,
        body,
        &content_type,
        soap_action,
        HttpResponse::has_soap_body,
    )
    .await
}

/// Posts a JSON document (key exchange) with the same retries and progress as [`post`]; a 5xx
/// answer is retried only when it carries no JSON document.
pub(crate) async fn post_json(
    ep: &Endpoint,
    cfg: &ClientConfig,
    body: &str,
) -> Result<HttpResponse, Error> {
    let body = Bytes::from(body.to_owned());
    let is_json = |r: &HttpResponse| {
        r.content_type
            .as_deref()
            .is_some_and(|c| c.trim_start().starts_with("application/json"))
    };
    post_with(ep, cfg, body, "application/json", None, is_json).await
}

/// Posts `body` with retries: on connection errors, and on 5xx answers for which `answered`
/// is false.
async fn post_with(
    ep: &Endpoint,
    cfg: &ClientConfig,
    body: Bytes,
    content_type: &str,
    soap_action: Option<&str>,
    answered: impl Fn(&HttpResponse) -> bool,
) -> Result<HttpResponse, Error> {
    let mut backoff = cfg.retry_backoff;
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        let once = send_once(ep, body.clone(), content_type, soap_action);
        let outcome = with_notices(once, cfg.progress.as_ref(), &ep.url);
        let outcome = tokio::time::timeout(cfg.timeout, outcome)
            .await
            .map_err(|_| Error::Timeout {
                url: ep.url.clone(),
                secs: cfg.timeout.as_secs(),
            })?;
        let reason = match outcome {
            Ok(r) if r.status >= 500 && !answered(&r) => {
                format!("HTTP {} without an answer document", r.status)
            }
            Ok(r) => return Ok(r),
            Err(Attempt::Tls(e)) => {
                return Err(Error::TlsConfig {
                    what: format!(
                        "handshake with {} failed: {e}; check that --ca is the CA of the STS \
                         certificate and that the certificate names the host",
                        ep.url
                    ),
                })
            }
            Err(Attempt::Connect(e)) => e,
        };
        if attempt > cfg.retries {
            return Err(Error::Connect {
                url: ep.url.clone(),
                reason: if attempt > 1 {
                    format!("{reason} (after {attempt} attempts)")
                } else {
                    reason
                },
            });
        }
        if let Some(p) = &cfg.progress {
            p.report(&format!(
                "the STS at {} is not answering ({reason}); retrying in {} ms (attempt {} of {})",
                ep.url,
                backoff.as_millis(),
                attempt + 1,
                cfg.retries + 1
            ));
        }
        tokio::time::sleep(backoff).await;
        backoff = backoff.saturating_mul(2);
    }
}

/// Posts `body` once, without retries or progress lines: for a sender with its own retry
/// policy and timeout (the OTLP trace exporter).
pub(crate) async fn post_once(
    ep: &Endpoint,
    body: Bytes,
    content_type: &str,
) -> Result<HttpResponse, String> {
    send_once(ep, body, content_type, None)
        .await
        .map_err(|e| match e {
            Attempt::Connect(why) => format!("{}: {why}", ep.url),
            Attempt::Tls(why) => format!("{}: TLS: {why}", ep.url),
        })
}

/// Runs `fut`, reporting every [`WAIT_NOTICE`] that we are still waiting.
async fn with_notices<F, T>(fut: F, progress: Option<&Progress>, url: &str) -> T
where
    F: std::future::Future<Output = T>,
{
    let Some(progress) = progress else {
        return fut.await;
    };
    tokio::pin!(fut);
    let start = tokio::time::Instant::now();
    let mut tick = tokio::time::interval_at(start + WAIT_NOTICE, WAIT_NOTICE);
    loop {
        tokio::select! {
            r = &mut fut => return r,
            _ = tick.tick() => {
                progress.report(&format!(
                    "waiting for the STS at {url} ({} s)",
                    start.elapsed().as_secs()
                ));
            }
        }
    }
}
