//! MSL-style key exchange over HTTP (`POST {base}/keyx`, the JSON form of `docs/msl.md`):
//! the requester's side of both schemes, `ASYMMETRIC_WRAPPED` (RSA-OAEP) and `DH` (RFC 7919
//! groups, X25519), a fresh exchange and a renewal. The exchange itself is
//! [`crate::keyx::client`]'s; this module adds entity authentication, the transport (the
//! client's HTTP layer: TLS trusting only the configured CA, timeout, retries, progress) and
//! typed refusals carrying the STS's stable error code ([`Error::KeyExchange`]).
//!
//! ```no_run
//! use wstrust::client::keyx::{self, Auth, Scheme};
//! use wstrust::client::ClientConfig;
//! use wstrust::crypto::SecretBytes;
//! use wstrust::keyx::dh::DhGroup;
//!
//! let cfg = ClientConfig::default();
//! let auth = Auth::Password {
//!     username: "alice".into(),
//!     password: SecretBytes::from_slice(b"secret"),
//! };
//! let (keys, token) = keyx::exchange("https://sts.example.com/", Scheme::Dh(DhGroup::X25519), &auth, &cfg)?;
//! let (keys, token) = keyx::renew("https://sts.example.com/", Scheme::AsymmetricWrapped, &token, &keys, None, &cfg)?;
//! # Ok::<(), wstrust::client::Error>(())
//! ```

use crate::crypto::{RsaPrivateKey, SecretBytes};
use crate::keyx::client::{sign_x509, AsymmetricWrappedRequest, DhRequest, PendingExchange};
use crate::keyx::dh::DhGroup;
use crate::keyx::{self, AuthData, KeyRequest, KeyxError, MasterToken, SessionKeys};
use crate::pki::Certificate;

use super::http::{self, Endpoint};
use super::{ClientConfig, Error};

/// The key exchange scheme to use.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum Scheme {
    /// `ASYMMETRIC_WRAPPED`: a fresh RSA-2048 key pair; the STS wraps the session keys for it.
    AsymmetricWrapped,
    /// `DH` in the given group.
    Dh(DhGroup),
}

/// How the requester authenticates (MSL entity authentication).
#[derive(Clone, Debug)]
pub enum Auth {
    /// `USERNAME_PASSWORD` (the STS accepts it only over a confidential channel).
    Password {
        /// The user name.
        username: String,
        /// The password.
        password: SecretBytes,
    },
    /// `X509`: an RSA-SHA256 signature over the request's signing input.
    X509 {
        /// Our certificate (the STS must trust it).
        certificate: Certificate,
        /// Its private key.
        key: RsaPrivateKey,
    },
}

/// The key exchange URL for `url`: `url` itself when its path ends in `/keyx`, else
/// `{scheme}://{authority}/keyx` (so the STS's `/sts` URL may be given).
pub fn keyx_url(url: &str) -> Result<String, Error> {
    let uri: hyper::Uri = url.parse().map_err(|_| Error::Url {
        url: url.to_owned(),
        what: "not a url",
    })?;
    if uri.path().trim_end_matches('/').ends_with("/keyx") {
        return Ok(url.to_owned());
    }
    match (uri.scheme_str(), uri.authority()) {
        (Some(s), Some(a)) => Ok(format!("{s}://{a}/keyx")),
        _ => Err(Error::Url {
            url: url.to_owned(),
            what: "no scheme or host",
        }),
    }
}

fn refused(e: KeyxError) -> Error {
    Error::KeyExchange {
        code: e.code.as_str().to_owned(),
        message: e.detail.to_owned(),
        status: None,
    }
}

fn start(scheme: Scheme) -> Result<(KeyRequest, PendingExchange), Error> {
    match scheme {
        Scheme::AsymmetricWrapped => {
            let id = format!(
                "kp-{}",
                crate::xmlsec::base64_encode(
                    crate::crypto::random_secret(12)
                        .map_err(|_| Error::request("the random generator failed"))?
                        .expose()
                )
                .replace(['+', '/'], "-")
            );
            AsymmetricWrappedRequest::new(&id).map_err(refused)
        }
        Scheme::Dh(group) => DhRequest::new(group).map_err(refused),
    }
}

fn authenticate(request: KeyRequest, auth: Option<&Auth>) -> Result<KeyRequest, Error> {
    match auth {
        None => Ok(request),
        Some(Auth::Password { username, password }) => {
            let mut r = request;
            r.auth = Some(AuthData::UsernamePassword {
                username: username.clone(),
                password: password.clone(),
            });
            Ok(r)
        }
        Some(Auth::X509 { certificate, key }) => {
            sign_x509(request, certificate.der(), key).map_err(refused)
        }
    }
}

/// The STS's refusal `{"error":{"code","message"}}`, else a generic one for `status`.
fn refusal(status: u16, body: &[u8]) -> Error {
    let doc: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let err = doc.as_ref().and_then(|d| d.get("error"));
    let text = |k: &str| {
        err.and_then(|e| e.get(k))
            .and_then(|v| v.as_str())
            .map(|s| s.chars().filter(|c| !c.is_control()).take(200).collect())
    };
    match text("code") {
        Some(code) => Error::KeyExchange {
            code,
            message: text("message").unwrap_or_default(),
            status: Some(status),
        },
        None => Error::Http {
            status,
            hint: if status == 404 {
                "; is this the STS's /keyx url?"
            } else {
                ""
            },
        },
    }
}

async fn post(url: &str, request: &KeyRequest, cfg: &ClientConfig) -> Result<Vec<u8>, Error> {
    let ep = Endpoint::new(&keyx_url(url)?, cfg.ca.as_ref())?;
    let r = http::post_json(&ep, cfg, &keyx::json::write_request(request)).await?;
    if r.status != 200 {
        return Err(refusal(r.status, &r.body));
    }
    Ok(r.body)
}

/// [`exchange`] for async callers (on a tokio runtime with I/O and time enabled).
pub async fn exchange_async(
    url: &str,
    scheme: Scheme,
    auth: &Auth,
    cfg: &ClientConfig,
) -> Result<(SessionKeys, MasterToken), Error> {
    let (request, pending) = start(scheme)?;
    let request = authenticate(request, Some(auth))?;
    let body = post(url, &request, cfg).await?;
    let response = keyx::json::parse_response(&body).map_err(refused)?;
    pending.complete(&response).map_err(refused)
}

/// [`renew`] for async callers.
pub async fn renew_async(
    url: &str,
    scheme: Scheme,
    token: &MasterToken,
    keys: &SessionKeys,
    auth: Option<&Auth>,
    cfg: &ClientConfig,
) -> Result<(SessionKeys, MasterToken), Error> {
    let (request, pending) = start(scheme)?;
    let request = authenticate(request.with_renewal(token.clone(), keys), auth)?;
    let body = post(url, &request, cfg).await?;
    let outcome = keyx::json::parse_outcome(&body).map_err(refused)?;
    pending
        .complete_renewal(&outcome, keys.clone())
        .map_err(refused)
}

fn block_on<T>(
    url: &str,
    f: impl std::future::Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Connect {
            url: url.to_owned(),
            reason: format!("cannot start the I/O runtime: {e}"),
        })?
        .block_on(f)
}

/// A fresh key exchange with the STS at `url` (its `/keyx` route, see [`keyx_url`]): returns
/// the session keys and the master token that carries them. Blocking: must not be called
/// from inside a tokio runtime (use [`exchange_async`]).
pub fn exchange(
    url: &str,
    scheme: Scheme,
    auth: &Auth,
    cfg: &ClientConfig,
) -> Result<(SessionKeys, MasterToken), Error> {
    block_on(url, exchange_async(url, scheme, auth, cfg))
}

/// Renews `token` (proved by a MAC under `keys`, and by `auth` when given, which an expired
/// token needs): returns the same token and keys while the renewal window has not opened,
/// else the renewed token and its new keys (exchanged with `scheme`). Blocking.
pub fn renew(
    url: &str,
    scheme: Scheme,
    token: &MasterToken,
    keys: &SessionKeys,
    auth: Option<&Auth>,
    cfg: &ClientConfig,
) -> Result<(SessionKeys, MasterToken), Error> {
    block_on(url, renew_async(url, scheme, token, keys, auth, cfg))
}
