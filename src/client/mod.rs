//! The WS-Trust client: what STS users run to get, renew, cancel and validate tokens.
//!
//! Responsibility: build requests (WS-Addressing headers, a UsernameToken or an X.509
//! signature, or a signature with a key derived from a token's proof key; the RST in the
//! Body), send them over HTTP(S) with retries, check the answer (SOAP fault → a typed error
//! saying what to fix), read the RSTR through the trust model and recover the proof key
//! (BinarySecret, EncryptedKey for our certificate, or a `CK/PSHA1` computed key).
//!
//! Every reply is verified by default, before anything in it is used:
//!
//! * the STS signature over Body and Timestamp, by the configured
//!   [`ClientConfig::sts_cert`] (exact pinning), or, for a request signed under a security
//!   context, by a key derived from that context (the symmetric binding); the Timestamp must
//!   be fresh within [`ClientConfig::clock_skew_secs`];
//! * a `wsa:RelatesTo` covered by that signature and naming our request's `wsa:MessageID`,
//!   so a signed answer to another request cannot stand in for this one;
//! * when we signed, a signed `wsse11:SignatureConfirmation` of our SignatureValue;
//! * the granted `wst:Lifetime`, when there is one: `Created` not in the future, `Expires`
//!   not in the past (each within the clock skew), `Created` before `Expires`.
//!
//! Without an STS certificate the calls refuse before sending. Reading replies unchecked
//! takes [`StsClient::danger_unverified`], whose name says what it gives up.
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
pub(crate) mod http;
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
use response::{Answer, Auth, ContextKey, Expected};

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

    /// Asks for a token (WS-Trust 1.3 §4, the Issue binding). The reply is verified (see
    /// [`StsClient`]); without [`ClientConfig::sts_cert`] nothing is sent and
    /// [`Error::Verification`] says so.
    pub fn issue(&self, req: &IssueRequest) -> Result<IssuedToken, Error> {
        self.runtime.block_on(self.issue_async(req))
    }

    /// Renews `token` (WS-SecureConversation 1.3 §6 for an SCT): returns the renewed token,
    /// with its new proof key when the STS sent one, else the old one. The reply is verified.
    pub fn renew(&self, token: &IssuedToken) -> Result<IssuedToken, Error> {
        self.runtime.block_on(self.renew_async(token))
    }

    /// Cancels `token` (WS-SecureConversation 1.3 §7 for an SCT). The reply is verified.
    pub fn cancel(&self, token: &IssuedToken) -> Result<(), Error> {
        self.runtime.block_on(self.cancel_async(token))
    }

    /// Asks the STS whether `token` is valid (WS-Trust 1.3 §7, status token type). The reply
    /// is verified.
    pub fn validate(&self, token: &IssuedToken) -> Result<ValidationStatus, Error> {
        self.runtime.block_on(self.validate_async(token))
    }

    /// [`Self::issue`] for async callers (on a tokio runtime with I/O and time enabled).
    pub async fn issue_async(&self, req: &IssueRequest) -> Result<IssuedToken, Error> {
        self.do_issue(req, Check::Verified).await
    }

    /// [`Self::renew`] for async callers.
    pub async fn renew_async(&self, token: &IssuedToken) -> Result<IssuedToken, Error> {
        self.do_renew(token, Check::Verified).await
    }

    /// [`Self::cancel`] for async callers.
    pub async fn cancel_async(&self, token: &IssuedToken) -> Result<(), Error> {
        self.do_cancel(token, Check::Verified).await
    }

    /// [`Self::validate`] for async callers.
    pub async fn validate_async(&self, token: &IssuedToken) -> Result<ValidationStatus, Error> {
        self.do_validate(token, Check::Verified).await
    }

    /// The same four calls, reading replies **without** checking the STS signature or the
    /// SignatureConfirmation of ours: for an STS whose signing certificate is not at hand,
    /// in development only. Anyone on the path can then forge the token, its proof key and
    /// the answer. The tokens it returns say `sts_signature_verified: false`; a RelatesTo
    /// that is present must still name our request and the lifetime must still be sane.
    pub fn danger_unverified(&self) -> DangerUnverified<'_> {
        DangerUnverified(self)
    }

    async fn do_issue(&self, req: &IssueRequest, check: Check) -> Result<IssuedToken, Error> {
        if req.applies_to.trim().is_empty() {
            return Err(Error::request("no AppliesTo: give the relying party's URI"));
        }
        self.ready(check)?;
        let now = SystemClock.now_ms();
        let out = message::issue(&self.config, &self.endpoint.url, req, now)?;
        let (auth, own) = match &req.credentials {
            Credentials::UsernamePassword { .. } => (Auth::Password, None),
            Credentials::X509 { cert, key } => (Auth::Certificate, Some((cert, key))),
        };
        let answer = self.exchange(&out, auth, own, None, check).await?;
        let rstr = answer.rstr()?;
        check_context(rstr.context.as_deref(), &out.context)?;
        check_lifetime(rstr, SystemClock.now_ms(), self.config.clock_skew_secs)?;
        let key = response::proof_key(
            rstr,
            out.entropy.as_ref(),
            own.map(|(_, k)| k),
            None,
            req.key_size,
        )?;
        IssuedToken::from_rstr(rstr, answer.body_xml.clone(), key, answer.verified)
    }

    async fn do_renew(&self, token: &IssuedToken, check: Check) -> Result<IssuedToken, Error> {
        let answer = self.on_token(token, TargetBinding::Renew, check).await?;
        let rstr = answer.rstr()?;
        check_lifetime(rstr, SystemClock.now_ms(), self.config.clock_skew_secs)?;
        let key = response::proof_key(rstr, None, None, token.proof_key.as_ref(), None)?;
        IssuedToken::from_rstr(rstr, answer.body_xml.clone(), key, answer.verified)
    }

    async fn do_cancel(&self, token: &IssuedToken, check: Check) -> Result<(), Error> {
        let answer = self.on_token(token, TargetBinding::Cancel, check).await?;
        if answer.rstr()?.requested_token_cancelled {
            Ok(())
        } else {
            Err(Error::response(
                "no wst:RequestedTokenCancelled in the answer",
            ))
        }
    }

    async fn do_validate(
        &self,
        token: &IssuedToken,
        check: Check,
    ) -> Result<ValidationStatus, Error> {
        let answer = self.on_token(token, TargetBinding::Validate, check).await?;
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

    /// A verified exchange needs the STS certificate: refused before anything is sent (no
    /// password goes to an STS whose answer could not be checked).
    fn ready(&self, check: Check) -> Result<(), Error> {
        if check == Check::Verified && self.config.sts_cert.is_none() {
            return Err(response::no_sts_certificate());
        }
        Ok(())
    }

    async fn on_token(
        &self,
        token: &IssuedToken,
        binding: TargetBinding,
        check: Check,
    ) -> Result<Answer, Error> {
        self.ready(check)?;
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
            .exchange(&out, Auth::ProofKey, None, context.as_ref(), check)
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
        check: Check,
    ) -> Result<Answer, Error> {
        let http = http::post(
            &self.endpoint,
            &self.config,
            &out.xml,
            self.config.soap,
            out.action,
        )
        .await?;
        let expected = Expected {
            message_id: &out.message_id,
            our_signature: out.signature_value.as_deref(),
            verify: check == Check::Verified,
        };
        response::check(&http, &self.config, auth, &expected, own, context)
    }
}

/// Whether replies are verified: always, except through [`StsClient::danger_unverified`].
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
enum Check {
    DangerUnverified,
    Verified,
}

/// [`StsClient`]'s calls reading replies unverified; see [`StsClient::danger_unverified`].
#[derive(Debug)]
pub struct DangerUnverified<'a>(&'a StsClient);

impl DangerUnverified<'_> {
    /// [`StsClient::issue`] without verifying the reply.
    pub fn issue(&self, req: &IssueRequest) -> Result<IssuedToken, Error> {
        self.0.runtime.block_on(self.issue_async(req))
    }

    /// [`StsClient::renew`] without verifying the reply.
    pub fn renew(&self, token: &IssuedToken) -> Result<IssuedToken, Error> {
        self.0.runtime.block_on(self.renew_async(token))
    }

    /// [`StsClient::cancel`] without verifying the reply.
    pub fn cancel(&self, token: &IssuedToken) -> Result<(), Error> {
        self.0.runtime.block_on(self.cancel_async(token))
    }

    /// [`StsClient::validate`] without verifying the reply.
    pub fn validate(&self, token: &IssuedToken) -> Result<ValidationStatus, Error> {
        self.0.runtime.block_on(self.validate_async(token))
    }

    /// [`Self::issue`] for async callers.
    pub async fn issue_async(&self, req: &IssueRequest) -> Result<IssuedToken, Error> {
        self.0.do_issue(req, Check::DangerUnverified).await
    }

    /// [`Self::renew`] for async callers.
    pub async fn renew_async(&self, token: &IssuedToken) -> Result<IssuedToken, Error> {
        self.0.do_renew(token, Check::DangerUnverified).await
    }

    /// [`Self::cancel`] for async callers.
    pub async fn cancel_async(&self, token: &IssuedToken) -> Result<(), Error> {
        self.0.do_cancel(token, Check::DangerUnverified).await
    }

    /// [`Self::validate`] for async callers.
    pub async fn validate_async(&self, token: &IssuedToken) -> Result<ValidationStatus, Error> {
        self.0.do_validate(token, Check::DangerUnverified).await
    }
}

/// A granted `wst:Lifetime` must be usable now: `Created` not in the future and `Expires` not
/// in the past (each within `skew_secs` of our clock) and `Created` before `Expires`. A reply
/// without a Lifetime is accepted (WS-Trust 1.3 §4.4.1 makes it optional); a Lifetime whose
/// times cannot be read is not.
fn check_lifetime(
    rstr: &crate::trust::RequestSecurityTokenResponse,
    now_ms: i64,
    skew_secs: i64,
) -> Result<(), Error> {
    let Some(l) = &rstr.params.lifetime else {
        return Ok(());
    };
    let bad = |what: &str| Error::Verification {
        what: format!("the granted lifetime is not usable: {what}"),
        hint: "; check that the clocks agree",
    };
    let now = now_ms.div_euclid(1000);
    let created = match &l.created {
        None => None,
        Some(_) => Some(
            l.created_seconds()
                .ok_or_else(|| bad("wsu:Created is not a UTC date and time"))?,
        ),
    };
    let expires = match &l.expires {
        None => None,
        Some(_) => Some(
            l.expires_seconds()
                .ok_or_else(|| bad("wsu:Expires is not a UTC date and time"))?,
        ),
    };
    if created.is_some_and(|c| c > now.saturating_add(skew_secs)) {
        return Err(bad("it starts in the future"));
    }
    if let Some(e) = expires {
        if e <= now.saturating_sub(skew_secs) {
            return Err(bad("it has expired"));
        }
        if created.is_some_and(|c| c >= e) {
            return Err(bad("it expires before it starts"));
        }
    }
    Ok(())
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
