//! What the transport is configured with.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::engine::IssuedTokenProof;
use crate::trust::TokenType;

/// The transport's configuration.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ServerSettings {
    /// Address to bind (port 0 picks a free port). Default: `127.0.0.1:8080`.
    pub listen: SocketAddr,
    /// The base address clients use (`https://sts.example.com`), for the WSDL and MEX
    /// documents. Default: none (derived from the bound address).
    pub public_url: Option<String>,
    /// Certificate chain and key for HTTPS. Default: none (plain HTTP).
    pub tls: Option<TlsFiles>,
    /// Limits. Default: [`Limits::default`].
    pub limits: Limits,
    /// Plain HTTP from a loopback peer counts as confidential. Default: false.
    pub loopback_is_confidential: bool,
    /// Allow plain HTTP on a non-loopback address. Default: false.
    pub allow_plain_http_nonloopback: bool,
    /// Extra paths and the endpoint serving each. Default: none.
    pub aliases: Vec<Alias>,
    /// Serve `POST /keyx` (JSON key exchange; the engine must have key exchange configured,
    /// else it answers 404 `KEYX_DISABLED`). Default: true.
    pub keyx: bool,
    /// Per-source rate limiting of the SOAP endpoints and `/keyx`. Default: none (off).
    pub rate_limit: Option<RateLimit>,
}

/// A token bucket per client address: `burst` requests at once, refilled at
/// `requests_per_second`.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct RateLimit {
    /// The refill rate (positive).
    pub requests_per_second: f64,
    /// The bucket size (at least 1).
    pub burst: u32,
}

impl RateLimit {
    /// A limit of `requests_per_second` with bursts of `burst`.
    pub fn new(requests_per_second: f64, burst: u32) -> Self {
        Self {
            requests_per_second,
            burst,
        }
    }
}

impl ServerSettings {
    /// Settings with defaults, listening on `listen`.
    pub fn new(listen: SocketAddr) -> Self {
        Self {
            listen,
            public_url: None,
            tls: None,
            limits: Limits::default(),
            loopback_is_confidential: false,
            allow_plain_http_nonloopback: false,
            aliases: Vec::new(),
            keyx: true,
            rate_limit: None,
        }
    }
}

/// PEM files for HTTPS.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct TlsFiles {
    /// The certificate chain, leaf first.
    pub cert: PathBuf,
    /// The PKCS#8 (or PKCS#1/SEC1) private key.
    pub key: PathBuf,
}

impl TlsFiles {
    /// The chain in `cert` and the key in `key`.
    pub fn new(cert: impl Into<PathBuf>, key: impl Into<PathBuf>) -> Self {
        Self {
            cert: cert.into(),
            key: key.into(),
        }
    }
}

/// Transport limits.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct Limits {
    /// Largest request body; larger ones get 413. Default: 256 KiB.
    pub max_body_bytes: usize,
    /// Time to receive a request's headers (and to finish a TLS handshake); slower clients
    /// are disconnected. Default: 10 s.
    pub header_timeout: Duration,
    /// Time for one request, body and answer included. Default: 30 s.
    pub request_timeout: Duration,
    /// Connections served at once. Default: 512.
    pub max_connections: usize,
    /// Connections served at once from one client address; more from it are closed as they
    /// are accepted (behind a reverse proxy, set it to `max_connections`). Default: 128.
    pub max_connections_per_source: usize,
    /// Time in-flight requests get on shutdown. Default: 30 s.
    pub shutdown_grace: Duration,
    /// On shutdown, time the server goes on accepting with `/readyz` answering 503, before
    /// it stops accepting. Default: 0 (stop accepting at once).
    pub drain: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: 256 * 1024,
            header_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            max_connections: 512,
            max_connections_per_source: 128,
            shutdown_grace: Duration::from_secs(30),
            drain: Duration::ZERO,
        }
    }
}

/// An extra URL path served by an endpoint.
#[derive(Clone, Debug, Eq, PartialEq)]
#[non_exhaustive]
pub struct Alias {
    /// The path, starting with `/`.
    pub path: String,
    /// The endpoint serving it.
    pub endpoint: Endpoint,
    /// For an STS alias: the token type issued for requests that name none (AD FS paths use
    /// SAML 1.1, `urn:oasis:names:tc:SAML:1.0:assertion`). Default: none (a security
    /// context token, as on `/sts`).
    pub default_token_type: Option<TokenType>,
    /// For an STS alias: the AD FS-style policy it is advertised with in the AD FS metadata
    /// ([`Endpoint::AdfsMex`]). Default: none (not advertised there).
    pub advertise: Option<AdfsPolicy>,
}

impl Alias {
    /// `path` served by `endpoint`.
    pub fn new(path: impl Into<String>, endpoint: Endpoint) -> Self {
        Self {
            path: path.into(),
            endpoint,
            default_token_type: None,
            advertise: None,
        }
    }

    /// This alias issuing `token_type` to requests that name none.
    pub fn with_default_token_type(mut self, token_type: TokenType) -> Self {
        self.default_token_type = Some(token_type);
        self
    }

    /// This alias advertised in the AD FS metadata with `policy`.
    pub fn advertised(mut self, policy: AdfsPolicy) -> Self {
        self.advertise = Some(policy);
        self
    }
}

/// The policies an STS alias can be advertised with in the AD FS-style metadata, as AD FS
/// advertises its `usernamemixed` endpoints (MSAL and ADAL choose the endpoint by them).
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
#[non_exhaustive]
pub enum AdfsPolicy {
    /// WS-Trust 1.3, HTTPS transport binding, a signed encrypted supporting UsernameToken
    /// (WS-SecurityPolicy 1.2). Config value: `username-13`.
    Username13,
    /// WS-Trust February 2005, HTTPS transport binding, a signed supporting UsernameToken
    /// (WS-SecurityPolicy 2005/07). Config value: `username-2005`.
    Username2005,
    /// WS-Trust 1.3, HTTPS transport binding, the message signed with the client's X.509
    /// certificate (an endorsing supporting `X509Token`, WS-SecurityPolicy 1.2), as AD FS
    /// advertises `13/certificatemixed`. Config value: `certificate-13`.
    Certificate13,
    /// WS-Trust February 2005, HTTPS transport binding, an endorsing supporting `X509Token`
    /// (WS-SecurityPolicy 2005/07), as AD FS advertises `2005/certificatemixed`. Config value:
    /// `certificate-2005`.
    Certificate2005,
    /// WS-Trust 1.3, HTTPS transport binding, an endorsing supporting `IssuedToken` with a
    /// symmetric proof key (another STS's holder-of-key assertion, the message's Timestamp
    /// signed with its key), as AD FS advertises `13/issuedtokenmixedsymmetricbasic256`. The
    /// alias then accepts issued-token authentication only. Config value:
    /// `issuedtoken-symmetric-13`.
    IssuedTokenSymmetric13,
    /// The same with a public proof key (`13/issuedtokenmixedasymmetricbasic256`). Config
    /// value: `issuedtoken-asymmetric-13`.
    IssuedTokenAsymmetric13,
    /// WS-Trust February 2005 (WS-SecurityPolicy 2005/07), symmetric proof key
    /// (`2005/issuedtokenmixedsymmetricbasic256`). Config value: `issuedtoken-symmetric-2005`.
    IssuedTokenSymmetric2005,
    /// WS-Trust February 2005, public proof key (`2005/issuedtokenmixedasymmetricbasic256`).
    /// Config value: `issuedtoken-asymmetric-2005`.
    IssuedTokenAsymmetric2005,
}

impl AdfsPolicy {
    /// The value naming this policy in `wstrust.toml` (`advertise = "…"`).
    pub fn config_name(self) -> &'static str {
        match self {
            Self::Username13 => "username-13",
            Self::Username2005 => "username-2005",
            Self::Certificate13 => "certificate-13",
            Self::Certificate2005 => "certificate-2005",
            Self::IssuedTokenSymmetric13 => "issuedtoken-symmetric-13",
            Self::IssuedTokenAsymmetric13 => "issuedtoken-asymmetric-13",
            Self::IssuedTokenSymmetric2005 => "issuedtoken-symmetric-2005",
            Self::IssuedTokenAsymmetric2005 => "issuedtoken-asymmetric-2005",
        }
    }

    /// The proof key of the issued-token policies (the alias then takes issued-token
    /// authentication only, holder of key with that kind of key); `None` for the others.
    pub fn issued_token_proof(self) -> Option<IssuedTokenProof> {
        match self {
            Self::IssuedTokenSymmetric13 | Self::IssuedTokenSymmetric2005 => {
                Some(IssuedTokenProof::Symmetric)
            }
            Self::IssuedTokenAsymmetric13 | Self::IssuedTokenAsymmetric2005 => {
                Some(IssuedTokenProof::Public)
            }
            _ => None,
        }
    }

    /// The policy a `wstrust.toml` value names.
    pub fn from_config_name(name: &str) -> Option<Self> {
        [
            Self::Username13,
            Self::Username2005,
            Self::Certificate13,
            Self::Certificate2005,
            Self::IssuedTokenSymmetric13,
            Self::IssuedTokenAsymmetric13,
            Self::IssuedTokenSymmetric2005,
            Self::IssuedTokenAsymmetric2005,
        ]
        .into_iter()
        .find(|p| p.config_name() == name)
    }
}

/// The endpoints an alias can point at.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
#[non_exhaustive]
pub enum Endpoint {
    /// WS-MetadataExchange (`/sts/mex`).
    Mex,
    /// The AD FS-style metadata: a WSDL advertising the STS aliases that have an
    /// [`AdfsPolicy`] (GET), also answered to SOAP `GetMetadata` / WS-Transfer `Get` (POST).
    AdfsMex,
    /// The token service (`/sts`).
    Sts,
    /// WS-Federation metadata (`md:EntityDescriptor` with a `fed:SecurityTokenServiceType`
    /// role), signed with the STS's token-signing key, as AD FS serves it at
    /// `/FederationMetadata/2007-06/FederationMetadata.xml` (GET).
    FederationMetadata,
}
