//! What the client is configured with and what a request asks for.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::crypto::{RsaPrivateKey, SecretBytes};
use crate::pki::Certificate;
use crate::soap::SoapVersion;
use crate::trust::{KeyType, ScVersion, TokenType, TrustVersion};

/// Where progress lines go (waiting for a slow STS, retrying after a connection error).
#[derive(Clone)]
pub struct Progress(Arc<dyn Fn(&str) + Send + Sync>);

impl Progress {
    /// Progress lines handed to `f`, one line per call, without a newline.
    pub fn new(f: impl Fn(&str) + Send + Sync + 'static) -> Self {
        Self(Arc::new(f))
    }

    /// Progress lines printed on standard error (what the command line uses).
    pub fn stderr() -> Self {
        Self::new(|line| eprintln!("{line}"))
    }

    pub(crate) fn report(&self, line: &str) {
        (self.0)(line);
    }
}

impl fmt::Debug for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Progress(..)")
    }
}

/// How the client talks to the STS.
///
/// ```
/// use std::time::Duration;
/// use wstrust::client::ClientConfig;
/// use wstrust::soap::SoapVersion;
/// use wstrust::trust::TrustVersion;
///
/// let mut cfg = ClientConfig::new(SoapVersion::V12, TrustVersion::V13);
/// cfg.timeout = Duration::from_secs(10);
/// cfg.retries = 3;
/// assert!(cfg.sts_cert.is_none());
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ClientConfig {
    /// SOAP version of the requests. Default: SOAP 1.1.
    pub soap: SoapVersion,
    /// WS-Trust version of the requests. Default: WS-Trust 1.3.
    pub trust: TrustVersion,
    /// The CA certificate an `https` STS's certificate must chain to. Required for `https`;
    /// no system roots are used. Default: none.
    pub ca: Option<Certificate>,
    /// The STS's signing certificate: every response must carry a valid STS signature over
    /// its Body, Timestamp and RelatesTo (and confirm our signature), else it is refused.
    /// Required by [`StsClient`](super::StsClient)'s calls, which refuse before sending
    /// without it; only [`StsClient::danger_unverified`](super::StsClient::danger_unverified)
    /// reads replies without it. Default: none.
    pub sts_cert: Option<Certificate>,
    /// The longest wait for one answer. Default: 30 s.
    pub timeout: Duration,
    /// How many times a request is sent again after a connection error, or a 5xx answer
    /// that carries no SOAP message. Default: 2.
    pub retries: u32,
    /// The wait before the first retry, doubled before each further one. Default: 500 ms.
    pub retry_backoff: Duration,
    /// Where progress lines go. Default: nowhere.
    pub progress: Option<Progress>,
    /// Allowed difference between our clock and the STS's, in seconds, when checking the
    /// response's Timestamp. Default: 300.
    pub clock_skew_secs: i64,
}

impl ClientConfig {
    /// A configuration for `soap` and `trust` with the other defaults.
    pub fn new(soap: SoapVersion, trust: TrustVersion) -> Self {
        Self {
            soap,
            trust,
            ..Self::default()
        }
    }
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            soap: SoapVersion::V11,
            trust: TrustVersion::V13,
            ca: None,
            sts_cert: None,
            timeout: Duration::from_secs(30),
            retries: 2,
            retry_backoff: Duration::from_millis(500),
            progress: None,
            clock_skew_secs: 300,
        }
    }
}

/// How the requester authenticates to the STS.
#[derive(Clone, Debug)]
pub enum Credentials {
    /// A WS-Security UsernameToken (UsernameToken Profile 1.1).
    UsernamePassword {
        /// The user name.
        username: String,
        /// The password.
        password: SecretBytes,
        /// Send `PasswordDigest` (SHA-1 of nonce, created and password) instead of
        /// `PasswordText`. Text needs a confidential channel (https); the digest does not, but
        /// the STS must then know the clear password.
        digest: bool,
    },
    /// An X.509 signature over Body, Timestamp and the addressing headers, with the
    /// certificate sent as a BinarySecurityToken. An EncryptedKey proof token or entropy is
    /// decrypted with `key`.
    X509 {
        /// The requester's certificate.
        cert: Certificate,
        /// Its private key.
        key: RsaPrivateKey,
    },
}

/// The kind of token to ask for.
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum RequestedTokenType {
    /// A SAML 1.1 assertion.
    Saml11,
    /// A SAML 2.0 assertion.
    Saml20,
    /// A WS-SecureConversation security context token (in the namespace matching the
    /// WS-Trust version).
    Sct,
    /// Any other token type URI.
    Uri(String),
}

impl RequestedTokenType {
    /// The `wst:TokenType` for WS-Trust `version`.
    pub fn token_type(&self, version: TrustVersion) -> TokenType {
        match self {
            Self::Saml11 => TokenType::Saml11,
            Self::Saml20 => TokenType::Saml20,
            Self::Sct => TokenType::from_uri(version.secure_conversation().sct_token_type()),
            Self::Uri(u) => TokenType::from_uri(u),
        }
    }

    /// The type a token-type URI names.
    pub fn from_uri(uri: &str) -> Self {
        let t = TokenType::from_uri(uri);
        if t.is_saml11() {
            Self::Saml11
        } else if t.is_saml20() {
            Self::Saml20
        } else if uri == ScVersion::V13.sct_token_type()
            || uri == ScVersion::Feb2005.sct_token_type()
        {
            Self::Sct
        } else {
            Self::Uri(uri.to_owned())
        }
    }
}

/// An Issue request.
///
/// ```
/// use wstrust::client::{Credentials, IssueRequest};
/// use wstrust::crypto::SecretBytes;
/// use wstrust::trust::KeyType;
///
/// let mut req = IssueRequest::new(
///     "https://rp.example.com/service",
///     Credentials::UsernamePassword {
///         username: "alice".into(),
///         password: SecretBytes::from_slice(b"secret"),
///         digest: false,
///     },
/// );
/// req.entropy = true;
/// assert_eq!(req.key_type, KeyType::SymmetricKey);
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct IssueRequest {
    /// The relying party the token is for (`wsp:AppliesTo` endpoint address).
    pub applies_to: String,
    /// How we authenticate.
    pub credentials: Credentials,
    /// The key the token is bound to. Default: a symmetric key.
    pub key_type: KeyType,
    /// The token asked for. Default: a security context token.
    pub token_type: RequestedTokenType,
    /// Send our own entropy (and ask for a `CK/PSHA1` computed key). Default: false.
    pub entropy: bool,
    /// The key size asked for, in bits. Default: none (the STS decides).
    pub key_size: Option<u32>,
}

impl IssueRequest {
    /// A request for a symmetric-key SCT for `applies_to`.
    pub fn new(applies_to: impl Into<String>, credentials: Credentials) -> Self {
        Self {
            applies_to: applies_to.into(),
            credentials,
            key_type: KeyType::SymmetricKey,
            token_type: RequestedTokenType::Sct,
            entropy: false,
            key_size: None,
        }
    }
}
