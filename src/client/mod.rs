//! The WS-Trust client: what STS users run to get, renew, cancel and validate tokens.
//!
//! Responsibility: build requests (WS-Addressing headers, a UsernameToken or an X.509
//! signature, or a signature with a key derived from a token's proof key; the RST in the
//! Body), send them over HTTP(S) with retries, check the answer (SOAP fault → a typed error
//! saying what to fix; the STS signature and the SignatureConfirmation of ours when the STS
//! certificate is configured), read the RSTR through the trust model and recover the proof
//! key (BinarySecret, EncryptedKey for our certificate, or a `CK/PSHA1` computed key).
//!
//! The API is blocking: each [`StsClient`] runs its own single-threaded tokio runtime, so it
//! must not be called from inside another tokio runtime; async code calls the `*_async`
//! methods instead.
//!
//! ```no_run
//! use wstrust::client::{ClientConfig, Credentials, IssueRequest, StsClient};
//! use wstrust::crypto::SecretBytes;
//! use wstrust::pki::Certificate;
//! use wstrust::soap::SoapVersion;
//! use wstrust::trust::TrustVersion;
//!
//! let mut cfg = ClientConfig::new(SoapVersion::V12, TrustVersion::V13);
//! cfg.sts_cert = Some(Certificate::from_pem(&std::fs::read_to_string("sts.pem")?)?);
//! let client = StsClient::new("http://127.0.0.1:8080/sts", cfg)?;
//! let token = client.issue(&IssueRequest::new(
//!     "https://rp.example.com/service",
//!     Credentials::UsernamePassword {
//!         username: "alice".into(),
//!         password: SecretBytes::from_slice(b"secret"),
//!         digest: false,
//!     },
//! ))?;
//! println!("{}", token.token_xml);
//! let renewed = client.renew(&token)?;
//! assert!(client.validate(&renewed)?.valid);
//! client.cancel(&renewed)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! May use: crypto, pki, xml, xmlsec, soap, wss, trust, keyx ([`keyx`]: MSL key exchange over
//! HTTP).

mod config;
mod error;
mod http;
pub mod inspect;
pub mod keyx;
mod message;
mod response;
mod token;

pub use config::{ClientConfig, Credentials, IssueRequest, Progress, RequestedTokenType};
pub use error::{Error, StsFault};
pub use token::{IssuedToken, ValidationStatus};

use crate::crypto::RsaPrivateKey;
use crate::pki::Certificate;
use crate::trust::StatusCode;
use crate::wss::{Clock, SystemClock};

use http::Endpoint;
use message::{Outgoing, TargetBinding};
use response::{Answer, Auth, ContextKey};

/// A client of one STS endpoint.
pub struct StsClient {
    endpoint: Endpoint,
    config: ClientConfig,
    runtime: tokio::runtime::Runtime,
}

impl std::fmt::Debug for StsClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StsClient")
            .field("url", &self.endpoint.url)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl StsClient {
    /// A client of the STS at `url` (`http://` or `https://`; `https` needs
    /// [`ClientConfig::ca`]).
    pub fn new(url: &str, config: ClientConfig) -> Result<Self, Error> {
        let endpoint = Endpoint::new(url, config.ca.as_ref())?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::Connect {
                url: url.to_owned(),
                reason: format!("cannot start the I/O runtime: {e}"),
            })?;
        Ok(Self {
            endpoint,
            config,
            runtime,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// Asks for a token (WS-Trust 1.3 §4, the Issue binding).
    pub fn issue(&self, req: &IssueRequest) -> Result<IssuedToken, Error> {
        self.runtime.block_on(self.issue_async(req))
    }

    /// Renews `token` (WS-SecureConversation 1.3 §6 for an SCT): returns the renewed token,
    /// with its new proof key when the STS sent one, else the old one.
    pub fn renew(&self, token: &IssuedToken) -> Result<IssuedToken, Error> {
        self.runtime.block_on(self.renew_async(token))
    }

    /// Cancels `token` (WS-SecureConversation 1.3 §7 for an SCT).
    pub fn cancel(&self, token: &IssuedToken) -> Result<(), Error> {
        self.runtime.block_on(self.cancel_async(token))
    }

    /// Asks the STS whether `token` is valid (WS-Trust 1.3 §7, status token type).
    pub fn validate(&self, token: &IssuedToken) -> Result<ValidationStatus, Error> {
        self.runtime.block_on(self.validate_async(token))
    }

    /// [`Self::issue`] for async callers (on a tokio runtime with I/O and time enabled).
    pub async fn issue_async(&self, req: &IssueRequest) -> Result<IssuedToken, Error> {
        if req.applies_to.trim().is_empty() {
            return Err(Error::request("no AppliesTo: give the relying party's URI"));
        }
        let now = SystemClock.now_ms();
        let out = message::issue(&self.config, &self.endpoint.url, req, now)?;
        let (auth, own) = match &req.credentials {
            Credentials::UsernamePassword { .. } => (Auth::Password, None),
            Credentials::X509 { cert, key } => (Auth::Certificate, Some((cert, key))),
        };
        let answer = self.exchange(&out, auth, own, None).await?;
        let rstr = answer.rstr()?;
        check_context(rstr.context.as_deref(), &out.context)?;
        let key = response::proof_key(
            rstr,
            out.entropy.as_ref(),
            own.map(|(_, k)| k),
            None,
            req.key_size,
        )?;
        IssuedToken::from_rstr(rstr, answer.body_xml.clone(), key, answer.verified)
    }

    /// [`Self::renew`] for async callers.
    pub async fn renew_async(&self, token: &IssuedToken) -> Result<IssuedToken, Error> {
        let answer = self.on_token(token, TargetBinding::Renew).await?;
        let rstr = answer.rstr()?;
        let key = response::proof_key(rstr, None, None, token.proof_key.as_ref(), None)?;
        IssuedToken::from_rstr(rstr, answer.body_xml.clone(), key, answer.verified)
    }

    /// [`Self::cancel`] for async callers.
    pub async fn cancel_async(&self, token: &IssuedToken) -> Result<(), Error> {
        let answer = self.on_token(token, TargetBinding::Cancel).await?;
        if answer.rstr()?.requested_token_cancelled {
            Ok(())
        } else {
            Err(Error::response(
                "no wst:RequestedTokenCancelled in the answer",
            ))
        }
    }

    /// [`Self::validate`] for async callers.
    pub async fn validate_async(&self, token: &IssuedToken) -> Result<ValidationStatus, Error> {
        let answer = self.on_token(token, TargetBinding::Validate).await?;
        let rstr = answer.rstr()?;
        let status = rstr
            .status
            .as_ref()
            .ok_or_else(|| Error::response("no wst:Status in the answer"))?;
        Ok(ValidationStatus {
            valid: status.code == StatusCode::Valid,
            code: status.code.uri(rstr.version),
            reason: status.reason.clone(),
        })
    }

    async fn on_token(&self, token: &IssuedToken, binding: TargetBinding) -> Result<Answer, Error> {
        let now = SystemClock.now_ms();
        let out = message::target(&self.config, &self.endpoint.url, token, binding, now)?;
        let context = match (&token.identifier, &token.proof_key) {
            (Some(identifier), Some(key)) => Some(ContextKey {
                identifier: identifier.clone(),
                key: key.clone(),
            }),
            _ => None,
        };
        let answer = self
            .exchange(&out, Auth::ProofKey, None, context.as_ref())
            .await?;
        check_context(answer.rstr()?.context.as_deref(), &out.context)?;
        Ok(answer)
    }

    async fn exchange(
        &self,
        out: &Outgoing,
        auth: Auth,
        own: Option<(&Certificate, &RsaPrivateKey)>,
        context: Option<&ContextKey>,
    ) -> Result<Answer, Error> {
        let http = http::post(
            &self.endpoint,
            &self.config,
            &out.xml,
            self.config.soap,
            out.action,
        )
        .await?;
        response::check(
            &http,
            &self.config,
            auth,
            out.signature_value.as_deref(),
            own,
            context,
        )
    }
}

/// The response must answer our request: an RSTR `Context` other than ours is refused.
fn check_context(theirs: Option<&str>, ours: &str) -> Result<(), Error> {
    match theirs {
        Some(c) if c != ours => Err(Error::response(
            "the response's Context is not our request's: it answers another request",
        )),
        _ => Ok(()),
    }
}
