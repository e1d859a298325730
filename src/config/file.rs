//! The `wstrust.toml` file format: plain data read with serde; unknown settings are errors
//! (a typo must not silently fall back to a default). Paths are relative to the directory
//! holding the file.

use schemars::JsonSchema;
use serde::Deserialize;

/// The whole file.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct FileConfig {
    /// Socket address to listen on. Default: `127.0.0.1:8080`.
    pub listen: Option<String>,
    /// Address clients use to reach us (scheme, host, port), for the WSDL and MEX documents.
    /// Default: derived from the bound address and whether TLS is on.
    pub public_url: Option<String>,
    /// Our issuer URI.
    pub issuer: String,
    /// Treat plain HTTP from a loopback peer as confidential (development). Default: false.
    #[serde(default)]
    pub loopback_is_confidential: bool,
    /// Allow plain HTTP on a non-loopback address (only behind a TLS-terminating proxy).
    /// Default: false.
    #[serde(default)]
    pub allow_plain_http_nonloopback: bool,
    /// Realm used when a request's AppliesTo matches none. Default: none.
    pub default_realm: Option<String>,
    /// The algorithm suite of realms that name none (and of the STS's own realm):
    /// `modern` (SHA-256+, AES-GCM, RSA-OAEP, AES-KW, exclusive c14n) or `compatible`
    /// (also RSA-SHA1, HMAC-SHA1, SHA-1 digests, AES-CBC: what zeep, WCF `Basic256` and
    /// WSS4J send by default). Default: `compatible`.
    pub algorithms: Option<String>,
    /// The STS signing and decryption key pair.
    pub signing: KeyPairFiles,
    /// The file holding the token-sealing keys.
    pub token_keys: String,
    /// Certificate and key for HTTPS. Default: none (plain HTTP, loopback only).
    pub tls: Option<KeyPairFiles>,
    /// The token store.
    #[serde(default)]
    pub store: StoreSection,
    /// Transport limits.
    #[serde(default)]
    pub limits: LimitsSection,
    /// Requester certificates trusted for X.509 authentication.
    #[serde(default)]
    pub client_trust: ClientTrustSection,
    /// Relying parties.
    #[serde(default)]
    pub realms: Vec<RealmSection>,
    /// Users for UsernameToken authentication.
    #[serde(default)]
    pub users: Vec<UserSection>,
    /// Other STSs whose SAML assertions authenticate requesters (issued-token
    /// authentication). Default: none.
    #[serde(default)]
    pub trusted_issuers: Vec<TrustedIssuerSection>,
    /// Extra URL paths served by an endpoint.
    #[serde(default)]
    pub aliases: Vec<AliasSection>,
    /// MSL-style key exchange (`POST /keyx` and master tokens over WS-Trust). Default: off.
    pub keyx: Option<KeyxSection>,
    /// Smart lockout of password authentication. Default: on, with the defaults of its keys.
    #[serde(default)]
    pub lockout: LockoutSection,
    /// Per-source rate limiting of the SOAP endpoints and `/keyx`. Default: off.
    pub rate_limit: Option<RateLimitSection>,
    /// Automatic rollover of the token-signing key, the way AD FS does it. Default: off
    /// (`wstrust init` turns it on).
    #[serde(default)]
    pub key_rollover: KeyRolloverSection,
    /// The audit trail (`docs/audit.md`). Default: off; the file `wstrust init` and the
    /// zero-config `wstrust serve` write turns it on, to `audit.jsonl` in the data directory.
    pub audit: Option<AuditSection>,
    /// OpenTelemetry traces over OTLP/HTTP: one `wstrust.request` span per HTTP request.
    /// Default: off.
    pub tracing: Option<TracingSection>,
}

/// `[tracing]`: one span per HTTP request, exported over OTLP/HTTP to a collector (the
/// OpenTelemetry Collector, Jaeger, Tempo, …). A `traceparent` header on a request
/// (W3C Trace Context) makes its span a child of the caller's.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct TracingSection {
    /// The collector's OTLP/HTTP traces URL, used as written (no path is added), such as
    /// `http://127.0.0.1:4318/v1/traces`; `https://` needs `otlp_ca`.
    pub otlp_endpoint: String,
    /// The body encoding: `http/protobuf` or `http/json`. Default: `http/protobuf`.
    #[serde(default = "default_otlp_protocol")]
    pub otlp_protocol: String,
    /// The CA certificate (PEM) an `https://` collector's certificate chains to.
    /// Default: none.
    pub otlp_ca: Option<String>,
    /// The `service.name` resource attribute. Default: `wstrust`.
    #[serde(default = "default_service_name")]
    pub service_name: String,
    /// The share of traces started here that are recorded, from 0.0 to 1.0 (a request with
    /// a `traceparent` follows its caller's decision). Default: 1.0.
    #[serde(default = "default_sample_ratio")]
    pub sample_ratio: f64,
    /// How long finished spans wait to be sent in one batch, in milliseconds. Default: 5000.
    #[serde(default = "default_export_delay_ms")]
    pub export_delay_ms: u64,
    /// How long one export may take before it is given up, in milliseconds. Default: 10000.
    #[serde(default = "default_export_timeout_ms")]
    pub export_timeout_ms: u64,
}

fn default_otlp_protocol() -> String {
    "http/protobuf".into()
}
fn default_service_name() -> String {
    "wstrust".into()
}
fn default_sample_ratio() -> f64 {
    1.0
}
fn default_export_delay_ms() -> u64 {
    5000
}
fn default_export_timeout_ms() -> u64 {
    10_000
}

/// `[key_rollover]`: token-signing keys over time. The `[signing]` key and the keys in
/// `directory` form the ring; the primary signs, newer keys are published in federation
/// metadata before they are promoted, older valid keys stay accepted (see
/// `wstrust keys list`).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct KeyRolloverSection {
    /// Make and promote keys automatically. When off, the ring (the `[signing]` key and any
    /// imported or rotated key in `directory`) is still used. Default: false.
    #[serde(default)]
    pub enabled: bool,
    /// The directory of the ring's keys (relative to this file). Default: `keys`.
    #[serde(default = "default_keys_dir")]
    pub directory: String,
    /// Make a successor this many days before the primary expires (AD FS
    /// `CertificateGenerationThreshold`). Default: 20.
    #[serde(default = "default_generate_before_days")]
    pub generate_before_days: i64,
    /// Promote a new key this many days after it is made (AD FS
    /// `CertificatePromotionThreshold`). Default: 5.
    #[serde(default = "default_promote_after_days")]
    pub promote_after_days: i64,
    /// Validity of a generated certificate, in days (AD FS `CertificateDuration`).
    /// Default: 365.
    #[serde(default = "default_validity_days")]
    pub validity_days: i64,
    /// How often a running server looks at the ring, in seconds. Default: 3600.
    #[serde(default = "default_check_secs")]
    pub check_interval_secs: u64,
}

impl Default for KeyRolloverSection {
    fn default() -> Self {
        Self {
            enabled: false,
            directory: default_keys_dir(),
            generate_before_days: default_generate_before_days(),
            promote_after_days: default_promote_after_days(),
            validity_days: default_validity_days(),
            check_interval_secs: default_check_secs(),
        }
    }
}

fn default_keys_dir() -> String {
    "keys".into()
}
fn default_generate_before_days() -> i64 {
    20
}
fn default_promote_after_days() -> i64 {
    5
}
fn default_validity_days() -> i64 {
    365
}
fn default_check_secs() -> u64 {
    3600
}

/// `[audit]`: one JSON line per Issue, Renew, Cancel, Validate and key exchange answered and
/// per refusal (`docs/audit.md` gives the schema); never a secret.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct AuditSection {
    /// The JSON-lines file events are appended to; created with mode 0600 if missing, its
    /// directory must exist. Rotate it with `copytruncate` (the server keeps it open).
    pub path: String,
}

/// `[lockout]`: password-spray and brute-force defence (AD FS-style smart lockout).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct LockoutSection {
    /// Turn lockout on. Default: true.
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// Failed password checks from unfamiliar sources within one window that lock a user
    /// out for unfamiliar sources. Default: 10.
    #[serde(default = "default_lockout_threshold")]
    pub threshold: u32,
    /// The same for familiar sources (addresses the user authenticated from before).
    /// Default: 20.
    #[serde(default = "default_familiar_threshold")]
    pub familiar_threshold: u32,
    /// The observation window in seconds. Default: 900.
    #[serde(default = "default_lockout_window")]
    pub window_secs: i64,
    /// How long a source stays familiar after a success, in seconds. Default: 1209600.
    #[serde(default = "default_familiar_secs")]
    pub familiar_secs: i64,
}

impl Default for LockoutSection {
    fn default() -> Self {
        Self {
            enabled: true,
            threshold: default_lockout_threshold(),
            familiar_threshold: default_familiar_threshold(),
            window_secs: default_lockout_window(),
            familiar_secs: default_familiar_secs(),
        }
    }
}

fn default_true() -> bool {
    true
}
fn default_lockout_threshold() -> u32 {
    10
}
fn default_familiar_threshold() -> u32 {
    20
}
fn default_lockout_window() -> i64 {
    900
}
fn default_familiar_secs() -> i64 {
    14 * 86_400
}

/// `[rate_limit]`: a token bucket per client address.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct RateLimitSection {
    /// Requests per second each client address may make on average.
    pub requests_per_second: f64,
    /// Requests a client address may make at once (the bucket size). Default: twice
    /// `requests_per_second`, at least 1.
    pub burst: Option<u32>,
}

/// `[keyx]`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct KeyxSection {
    /// Turn key exchange on. Default: false.
    #[serde(default)]
    pub enabled: bool,
    /// The master token keys file (key ids, one current; same format as `token_keys`).
    pub keys: String,
    /// Seconds from issue until a master token may be renewed. Default: 43200.
    pub renewal_window_secs: Option<i64>,
    /// Seconds from issue until a master token expires. Default: 86400.
    pub lifetime_secs: Option<i64>,
}

/// A certificate file and its private key file (PEM).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct KeyPairFiles {
    /// Certificate (PEM).
    pub cert: String,
    /// PKCS#8 private key (PEM), or for `[signing]` a key in an HSM named by an RFC 7512
    /// PKCS#11 URI: `pkcs11:token=LABEL;object=KEYLABEL?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=/etc/wstrust/hsm-pin`
    /// (the key must be non-extractable; the token signs and decrypts).
    pub key: String,
}

/// `[store]`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct StoreSection {
    /// `redb` (file `store.redb` beside the config), `redb:PATH`, `memory`, or a
    /// `redis://` / `rediss://` URL. Default: `redb`.
    #[serde(default = "default_store_url")]
    pub url: String,
    /// Prefix of every Redis key. Default: `wstrust`.
    #[serde(default = "default_namespace")]
    pub namespace: String,
}

impl Default for StoreSection {
    fn default() -> Self {
        Self {
            url: default_store_url(),
            namespace: default_namespace(),
        }
    }
}

fn default_store_url() -> String {
    "redb".to_owned()
}

fn default_namespace() -> String {
    "wstrust".to_owned()
}

/// `[limits]`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct LimitsSection {
    /// Largest request body in bytes. Default: 262144.
    #[serde(default = "default_body")]
    pub max_body_bytes: usize,
    /// Seconds a client has to send the request headers. Default: 10.
    #[serde(default = "default_header_timeout")]
    pub header_timeout_secs: u64,
    /// Seconds a request may take, body and answer included. Default: 30.
    #[serde(default = "default_request_timeout")]
    pub request_timeout_secs: u64,
    /// Connections served at once. Default: 512.
    #[serde(default = "default_connections")]
    pub max_connections: usize,
    /// Connections served at once from one client address; more from it are closed unread
    /// (behind a reverse proxy, set it to `max_connections`). Default: 128.
    #[serde(default = "default_connections_per_source")]
    pub max_connections_per_source: usize,
    /// Seconds in-flight requests get to finish on shutdown. Default: 30.
    #[serde(default = "default_grace")]
    pub shutdown_grace_secs: u64,
    /// Seconds the server goes on accepting on shutdown with `/readyz` answering 503 (for a
    /// load balancer to move traffic away). Default: 0.
    #[serde(default)]
    pub drain_secs: u64,
}

impl Default for LimitsSection {
    fn default() -> Self {
        Self {
            max_body_bytes: default_body(),
            header_timeout_secs: default_header_timeout(),
            request_timeout_secs: default_request_timeout(),
            max_connections: default_connections(),
            max_connections_per_source: default_connections_per_source(),
            shutdown_grace_secs: default_grace(),
            drain_secs: 0,
        }
    }
}

fn default_body() -> usize {
    256 * 1024
}
fn default_header_timeout() -> u64 {
    10
}
fn default_request_timeout() -> u64 {
    30
}
fn default_connections() -> usize {
    512
}
fn default_connections_per_source() -> usize {
    128
}
fn default_grace() -> u64 {
    30
}

/// `[client_trust]`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ClientTrustSection {
    /// CA certificates (PEM files): any client certificate they issue for client
    /// authentication is trusted.
    #[serde(default)]
    pub ca: Vec<String>,
    /// Exact client certificates (PEM files) trusted as they are.
    #[serde(default)]
    pub pinned: Vec<String>,
}

/// One `[[realms]]`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct RealmSection {
    /// Name for logs.
    pub name: String,
    /// The AppliesTo address (or prefix).
    pub applies_to: String,
    /// `exact` or `prefix`. Default: `exact`.
    #[serde(default, rename = "match")]
    pub match_kind: MatchKind,
    /// The service's certificate (PEM).
    pub cert: String,
    /// Proof-key size in bits. Default: 256.
    pub key_size_bits: Option<u32>,
    /// Token lifetime in seconds. Default: 3600.
    pub lifetime_secs: Option<i64>,
    /// Renewal window after expiry in seconds. Default: 86400.
    pub renewal_window_secs: Option<i64>,
    /// The kinds of token issued for this realm: any of `sct`, `saml11`, `saml20`, `jwt`.
    /// Default: `sct`, `saml11`, `saml20`.
    pub token_types: Option<Vec<String>>,
    /// The token type URI for requests naming none, when it fits their key type. Default:
    /// none (SAML 2.0 for `Bearer` and `PublicKey` requests, a security context token
    /// otherwise).
    pub default_token_type: Option<String>,
    /// Keep security contexts in the token store instead of sealing them into their
    /// identifier. Default: false.
    pub stateful: Option<bool>,
    /// Issue SAML 2.0 assertions encrypted for the service (`EncryptedAssertion`). Default:
    /// false.
    pub encrypt_assertion: Option<bool>,
    /// How the STS vouches for the realm's SCTs: `issuer-key` (HMAC under a periodic key the
    /// STS signs once) or `rsa-signature` (an RSA signature per token). Default: `issuer-key`.
    pub sct_protection: Option<String>,
    /// Let the principal a security context was issued to renew or cancel it by password or
    /// certificate, not only the holder of its key. Default: true.
    pub owner_renewal: Option<bool>,
    /// The algorithm suite requests for this realm must keep to: `modern` or `compatible`.
    /// Default: the top-level `algorithms`.
    pub algorithms: Option<String>,
}

/// How `applies_to` matches.
#[derive(Clone, Copy, Debug, Default, Deserialize, JsonSchema, Eq, PartialEq)]
#[serde(rename_all = "lowercase")]
pub enum MatchKind {
    /// The address equals `applies_to`.
    #[default]
    Exact,
    /// The address starts with `applies_to`.
    Prefix,
}

/// One `[[users]]`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct UserSection {
    /// The user name (exact, case-sensitive).
    pub name: String,
    /// Argon2id PHC string (`wstrust init` writes one for the demo user). Give this or
    /// `digest_password_file`. Default: none.
    pub password_hash: Option<String>,
    /// DANGER: a file holding the user's password itself (one line), for clients that send
    /// `PasswordDigest` (a digest can only be checked against the password, never against a
    /// hash). Keep the file readable by the STS alone. Such a user may also send the password
    /// as text. Default: none.
    pub digest_password_file: Option<String>,
    /// Refuse this user (`wstrust users lock`): every request with its name fails like a
    /// wrong password, after the same hash work; the entry and its hash stay. Default: false.
    #[serde(default)]
    pub locked: bool,
}

/// One `[[trusted_issuers]]`: an STS whose assertions (bearer, or holder-of-key with the
/// message signed by the confirmation key) authenticate their subject.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct TrustedIssuerSection {
    /// A name of its own, for logs and as the domain of its subjects' names: the tokens
    /// issued on its assertions carry it (SAML `NameQualifier`, JWT `idp`), and a local
    /// user of the same name as one of its subjects is another principal. Changing it
    /// makes its subjects' earlier tokens renewable only by their key holders.
    pub name: String,
    /// The certificate (PEM) the issuer signs its assertions with.
    pub certificate: String,
    /// The `saml:Issuer` its assertions must carry. Default: any.
    pub issuer: Option<String>,
    /// An audience its assertions may name instead of our `issuer` URI (such as the URL of
    /// the endpoint they are sent to). Default: only our `issuer`.
    pub audience: Option<String>,
    /// Copy the assertions' attributes into the tokens issued on them. Default: false.
    #[serde(default)]
    pub pass_claims: bool,
}

/// One `[[aliases]]`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct AliasSection {
    /// The extra URL path, starting with `/`.
    pub path: String,
    /// `sts`, `mex` (our metadata), `adfs-mex` (the AD FS-style metadata) or
    /// `federation-metadata` (signed WS-Federation metadata). Also read as `target`.
    #[serde(alias = "target")]
    pub endpoint: String,
    /// For `sts`: the token type URI issued for requests naming none (AD FS paths:
    /// `urn:oasis:names:tc:SAML:1.0:assertion`). Default: none (a security context token).
    pub default_token_type: Option<String>,
    /// For `sts`: advertise the path in the `adfs-mex` metadata (and the federation
    /// metadata) with AD FS's UsernameToken policy, `username-13` (WS-Trust 1.3) or
    /// `username-2005` (WS-Trust 2005), or its X.509 certificate policy, `certificate-13` or
    /// `certificate-2005`. Default: not advertised.
    pub advertise: Option<String>,
}
