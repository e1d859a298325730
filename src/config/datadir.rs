//! The zero-config data directory: what `wstrust init` and the first `wstrust serve` write.
//!
//! ```text
//! DIR/wstrust.toml              the configuration, every setting commented
//! DIR/pki/ca.pem, ca.key        the development CA
//! DIR/pki/sts.pem, sts.key      the STS signing and decryption key pair
//! DIR/pki/service.pem, .key     the demo service (realm `demo`)
//! DIR/pki/client.pem, .key      the demo client, trusted for X.509 authentication
//! DIR/pki/tls.pem, tls.key      an HTTPS certificate for localhost (off until configured)
//! DIR/token-keys.toml           the AES-256 token-sealing keys
//! DIR/master-token-keys.toml    the key exchange master token keys (`[keyx]`)
//! DIR/demo-credentials.txt      username=, password=, applies_to= of the demo user
//! DIR/store.redb                the token store (created by `serve`)
//! ```
//!
//! Keys, the token keys and the credentials are mode 0600. Whatever exists is kept; only
//! what is missing is made.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use zeroize::Zeroizing;

use super::devpki::{self, Role};
use super::error::ConfigError;
use super::fs::{create_private_dir, write_private, write_public};
use super::token_keys;
use crate::crypto::{self, pem_decode, pem_encode, SecretBytes};
use crate::engine::users::{hash_password, Argon2Params};

/// The configuration file's name in a data directory.
pub const CONFIG_FILE: &str = "wstrust.toml";
/// The demo credentials file's name in a data directory.
pub const CREDENTIALS_FILE: &str = "demo-credentials.txt";
/// The token-sealing keys file's name in a data directory.
pub const TOKEN_KEYS_FILE: &str = "token-keys.toml";
/// The master token keys file's name in a data directory.
pub const MASTER_TOKEN_KEYS_FILE: &str = "master-token-keys.toml";
/// The demo user's name.
pub const DEMO_USER: &str = "demo";
/// The AppliesTo address the demo realm serves (by prefix).
pub const DEMO_REALM_PREFIX: &str = "https://demo.wstrust.invalid/";
/// The AppliesTo address to ask for in the demo.
pub const DEMO_APPLIES_TO: &str = "https://demo.wstrust.invalid/service";
/// The default data directory.
pub const DEFAULT_DATA_DIR: &str = "wstrust-data";

/// What [`init`] found and made.
#[derive(Debug)]
#[non_exhaustive]
pub struct InitReport {
    /// The data directory.
    pub dir: PathBuf,
    /// The configuration file.
    pub config: PathBuf,
    /// The demo credentials file (absent when the configuration predates it and it was
    /// removed).
    pub credentials: Option<PathBuf>,
    /// The files this call created, in order.
    pub created: Vec<PathBuf>,
}

/// Makes whatever is missing in `dir` (see the module documentation); `listen` is written
/// into a new configuration file.
pub fn init(dir: &Path, listen: &str) -> Result<InitReport, ConfigError> {
    init_with_config(dir, listen, None)
}

/// [`init`], with the configuration file at `config` instead of `DIR/wstrust.toml` when given
/// (e.g. `/etc/wstrust/wstrust.toml` of the Debian package, data in `/var/lib/wstrust`): its
/// paths are then absolute paths into `dir` (which must be absolute), so the file can live
/// apart from the data.
pub fn init_with_config(
    dir: &Path,
    listen: &str,
    config: Option<&Path>,
) -> Result<InitReport, ConfigError> {
    if config.is_some() && !dir.is_absolute() {
        return Err(ConfigError::Generate {
            what: "the configuration file",
            message: format!(
                "the data directory {} must be an absolute path when the configuration lives elsewhere",
                dir.display()
            ),
        });
    }
    create_private_dir(dir)?;
    let pki = dir.join("pki");
    create_private_dir(&pki)?;
    let mut created = Vec::new();

    let ca_key = ensure_ca(&pki, &mut created)?;
    for (name, role) in [
        ("sts", Role::Sts),
        ("service", Role::Service),
        ("client", Role::Client),
        ("tls", Role::Tls),
    ] {
        ensure_leaf(&pki, name, role, &ca_key, &mut created)?;
    }

    let keys = dir.join(TOKEN_KEYS_FILE);
    if !keys.exists() {
        token_keys::generate(&keys)?;
        created.push(keys);
    }
    let master = dir.join(MASTER_TOKEN_KEYS_FILE);
    if !master.exists() {
        token_keys::generate_master(&master)?;
        created.push(master);
    }

    let base = match config {
        Some(_) => format!("{}/", dir.display()),
        None => String::new(),
    };
    let config = config.map_or_else(|| dir.join(CONFIG_FILE), Path::to_owned);
    if let Some(parent) = config.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| ConfigError::Generate {
            what: "the configuration file's directory",
            message: format!("{}: {e}", parent.display()),
        })?;
    }
    let credentials = dir.join(CREDENTIALS_FILE);
    if !config.exists() {
        let password = match read_credentials(&credentials)? {
            Some(c) => c.password,
            None => {
                let p = new_password()?;
                write_private(&credentials, credentials_text(&p).as_bytes())?;
                created.push(credentials.clone());
                p
            }
        };
        let hash = hash_password(password.as_bytes(), &Argon2Params::default()).map_err(|e| {
            ConfigError::Generate {
                what: "the demo password hash",
                message: e.to_string(),
            }
        })?;
        write_public(&config, template(listen, &hash, &base).as_bytes())?;
        created.push(config.clone());
    }
    Ok(InitReport {
        dir: dir.to_owned(),
        config,
        credentials: credentials.exists().then_some(credentials),
        created,
    })
}

/// The demo user's credentials as written in `demo-credentials.txt`.
#[derive(Debug)]
#[non_exhaustive]
pub struct Credentials {
    /// `username=`.
    pub username: String,
    /// `password=`.
    pub password: Zeroizing<String>,
    /// `applies_to=`.
    pub applies_to: String,
}

/// Reads a credentials file (`key=value` lines); `None` when it does not exist.
pub fn read_credentials(path: &Path) -> Result<Option<Credentials>, ConfigError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => Zeroizing::new(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(ConfigError::Io {
                path: path.to_owned(),
                source: e,
                fix: "make the credentials file readable by this user",
            })
        }
    };
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix('='))
            .map(|v| v.trim().to_owned())
            .ok_or_else(|| {
                ConfigError::invalid(
                    path,
                    name,
                    "missing",
                    format!("add a line `{name}=...` or delete the file to get a new one"),
                )
            })
    };
    Ok(Some(Credentials {
        username: field("username")?,
        password: Zeroizing::new(field("password")?),
        applies_to: field("applies_to")?,
    }))
}

fn new_password() -> Result<Zeroizing<String>, ConfigError> {
    let bytes = crypto::random_secret(18).map_err(|e| ConfigError::Generate {
        what: "the demo password",
        message: e.to_string(),
    })?;
    Ok(Zeroizing::new(
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes.expose()),
    ))
}

fn credentials_text(password: &str) -> Zeroizing<String> {
    Zeroizing::new(format!(
        "username={DEMO_USER}\npassword={password}\napplies_to={DEMO_APPLIES_TO}\n"
    ))
}

fn read_key(path: &Path) -> Result<SecretBytes, ConfigError> {
    let text = Zeroizing::new(std::fs::read_to_string(path).map_err(ConfigError::io(
        path,
        "restore the key file or delete it together with its certificate to make new ones",
    ))?);
    pem_decode(&text, "PRIVATE KEY")
        .map(SecretBytes::new)
        .map_err(|_| {
            ConfigError::invalid(
                path,
                "private key",
                "not a PKCS#8 `PRIVATE KEY` PEM block",
                "restore the file or delete it together with its certificate",
            )
        })
}

fn ensure_ca(pki: &Path, created: &mut Vec<PathBuf>) -> Result<SecretBytes, ConfigError> {
    let (cert, key) = (pki.join("ca.pem"), pki.join("ca.key"));
    match (cert.exists(), key.exists()) {
        (true, true) => read_key(&key),
        (false, false) => {
            let (_, der) = devpki::new_key()?;
            write_private(&key, pem_encode("PRIVATE KEY", der.expose()).as_bytes())?;
            write_public(&cert, devpki::ca_certificate(&der)?.as_bytes())?;
            created.push(cert);
            created.push(key);
            Ok(der)
        }
        _ => Err(half_pair(&cert, &key)),
    }
}

fn ensure_leaf(
    pki: &Path,
    name: &str,
    role: Role,
    ca_key: &SecretBytes,
    created: &mut Vec<PathBuf>,
) -> Result<(), ConfigError> {
    let (cert, key) = (
        pki.join(format!("{name}.pem")),
        pki.join(format!("{name}.key")),
    );
    match (cert.exists(), key.exists()) {
        (true, true) => Ok(()),
        (false, false) => {
            let (_, der) = devpki::new_key()?;
            let pem = devpki::leaf_certificate(role, &der, ca_key)?;
            write_private(&key, pem_encode("PRIVATE KEY", der.expose()).as_bytes())?;
            write_public(&cert, pem.as_bytes())?;
            created.push(cert);
            created.push(key);
            Ok(())
        }
        _ => Err(half_pair(&cert, &key)),
    }
}

fn half_pair(cert: &Path, key: &Path) -> ConfigError {
    let missing = if cert.exists() { key } else { cert };
    ConfigError::invalid(
        missing,
        "key pair",
        "one half of a certificate/key pair is missing",
        format!(
            "restore `{}`, or delete `{}` and `{}` so both are made anew",
            missing.display(),
            cert.display(),
            key.display()
        ),
    )
}

/// The configuration file; `base` prefixes every path (empty: relative to the file).
fn template(listen: &str, hash: &str, base: &str) -> String {
    let store = if base.is_empty() {
        "redb".to_owned()
    } else {
        format!("redb:{base}store.redb")
    };
    format!(
        r#"# wstrust STS configuration, written by `wstrust init` (or the first `wstrust serve`).
# Relative paths are relative to the directory of this file. Unknown settings are errors.

# Socket address to listen on. Plain HTTP is served only on loopback addresses unless
# `allow_plain_http_nonloopback` is set.
listen = "{listen}"

# The address clients reach this STS at, used in the WSDL and metadata documents.
# Default: derived from the bound address (http://<listen>, or https:// with [tls]).
# public_url = "https://sts.example.com"

# Our issuer URI: names the STS in the tokens it issues.
issuer = "urn:wstrust:dev-sts"

# DEVELOPMENT DEFAULT: plain HTTP from a loopback peer (127.0.0.1, ::1) counts as a
# confidential channel, so a local client may send its password as text and receive proof
# keys in the clear. Set to false in production: then only TLS is confidential.
loopback_is_confidential = true

# Serve plain HTTP on a non-loopback address (only behind a TLS-terminating proxy on the
# same host; a warning is logged at start). Default: false.
# allow_plain_http_nonloopback = false

# Realm used when a request's AppliesTo matches none. Default: none (wst:InvalidScope).
# default_realm = "demo"

# The algorithm suite of realms that name none (and of the STS's own realm). "modern":
# RSA/HMAC with SHA-256 and stronger, SHA-256+ digests, AES-GCM, RSA-OAEP, AES key wrap,
# exclusive c14n. "compatible": also RSA-SHA1, HMAC-SHA1, SHA-1 digests and AES-CBC, which
# zeep, WCF Basic256/Basic128 and WSS4J send by default. DANGER: "compatible" accepts SHA-1
# and AES-CBC; the log says at start which realms do. RSA PKCS#1 v1.5 key transport is in
# neither. Default: "compatible".
# algorithms = "compatible"

# AES-256 keys sealing the state of stateless tokens (mode 0600). Give every node of one
# STS the same file so each opens the others' tokens and tokens survive restarts.
token_keys = "{base}{TOKEN_KEYS_FILE}"

# The STS key pair: signs responses and tokens, decrypts what requesters encrypt for us.
[signing]
cert = "{base}pki/sts.pem"
key = "{base}pki/sts.key"

# Token-signing key rollover, as AD FS does it: 20 days before the signing certificate
# expires a new key is made (self-signed, valid a year) and published at once in the
# federation metadata; 5 days later it signs, and the old key is still accepted until it
# expires. Nodes on one Redis store agree on the new key. `wstrust keys list | rotate |
# import` show and change the keys (in `directory`). Default: off.
[key_rollover]
enabled = true
directory = "{base}keys"
# generate_before_days = 20
# promote_after_days = 5
# validity_days = 365
# check_interval_secs = 3600

# HTTPS (rustls; HTTP/2 and HTTP/1.1). pki/tls.pem is issued by the dev CA (pki/ca.pem)
# for localhost, 127.0.0.1 and ::1: uncomment to serve HTTPS, and let clients trust
# pki/ca.pem. Default: off (plain HTTP).
# [tls]
# cert = "{base}pki/tls.pem"
# key = "{base}pki/tls.key"

# The token store: replay memory, security contexts, cancellations.
[store]
# "redb": store.redb in this directory (durable; one process per file). "redb:PATH".
# "memory": lost when the process ends. "redis://host:6379/0": shared by many nodes
# (give them the same token_keys file). Default: "redb".
url = "{store}"
# Prefix of every Redis key, so deployments can share one Redis. Default: "wstrust".
namespace = "wstrust"

[limits]
# Larger request bodies are refused with HTTP 413. Default: 262144.
max_body_bytes = 262144
# Seconds a client has to send its request headers (slow clients are disconnected).
# Default: 10.
header_timeout_secs = 10
# Seconds one request may take, body and answer included. Default: 30.
request_timeout_secs = 30
# Connections served at once; more wait to be accepted. Default: 512.
max_connections = 512
# Connections served at once from one client address; more from it are closed unread, so
# one slow client cannot hold every slot. Behind a reverse proxy (every connection from its
# address) set it to max_connections. Default: 128.
max_connections_per_source = 128
# On SIGTERM or SIGINT, in-flight requests get this many seconds to finish. Default: 30.
shutdown_grace_secs = 30
# Before that, seconds the server goes on accepting while /readyz answers 503, so a load
# balancer probing readiness moves traffic away first. Default: 0.
drain_secs = 0

# Password-spray and brute-force defence (like AD FS extranet smart lockout): failed password
# checks are counted per user in the token store (shared by every node on one store), apart
# for familiar sources (addresses the user logged in from before) and unfamiliar ones. At the
# threshold the user is refused from that kind of source until the observation window ends,
# with the fault of a wrong password. Default: on, with these values.
# [lockout]
# enabled = true
# threshold = 10
# familiar_threshold = 20
# window_secs = 900
# familiar_secs = 1209600

# Per-client-address rate limiting of /sts, its aliases and /keyx: a token bucket per address;
# a request over it gets HTTP 429 with Retry-After (a SOAP fault, or a JSON refusal for /keyx).
# Default: off.
# [rate_limit]
# requests_per_second = 20
# burst = 40

# The audit trail: one JSON line per Issue, Renew, Cancel, Validate and key exchange answered
# and per refusal (principal, realm, token type, SHA-256 of the token id, lifetime, client
# address, correlation id; never a secret). See docs/audit.md for the fields. Created mode
# 0600; rotate with copytruncate. Remove this section to turn it off. Default: off.
[audit]
path = "{base}audit.jsonl"

# OpenTelemetry traces: one span per HTTP request, sent over OTLP/HTTP to a collector.
# [tracing]
# otlp_endpoint = "http://127.0.0.1:4318/v1/traces"
# otlp_protocol = "http/protobuf"
# service_name = "wstrust"
# sample_ratio = 1.0

# Requester certificates trusted for X.509 authentication.
[client_trust]
# CA certificates (PEM): client certificates they issue (clientAuth usage) are trusted.
ca = []
# Exact certificates (PEM) trusted as they are. The demo client is one.
pinned = ["{base}pki/client.pem"]

# Relying parties: the token's key is encrypted for the realm's certificate.
[[realms]]
name = "demo"
# AppliesTo address; with match = "prefix", every address starting with it.
applies_to = "{DEMO_REALM_PREFIX}"
match = "prefix"
cert = "{base}pki/service.pem"
# Proof-key size in bits when the request names none. Default: 256.
key_size_bits = 256
# Token lifetime in seconds. Default: 3600.
lifetime_secs = 3600
# How long after expiry a token may still be renewed, in seconds. Default: 86400.
renewal_window_secs = 86400
# Which tokens this realm gets: any of "sct", "saml11", "saml20", "jwt". Default: "sct",
# "saml11", "saml20" (a JWT, urn:ietf:params:oauth:token-type:jwt, only where listed).
# token_types = ["sct", "saml11", "saml20"]
# The token type for requests naming none. Default: a SAML 2.0 assertion for KeyType Bearer
# or PublicKey, a security context token otherwise (an SCT always carries a symmetric key).
# default_token_type = "urn:oasis:names:tc:SAML:2.0:assertion"
# Keep security contexts in the token store instead of sealing them into their identifier.
# stateful = false
# Send SAML 2.0 assertions encrypted for the realm's certificate (EncryptedAssertion).
# encrypt_assertion = false
# How the STS vouches for its SCTs: "issuer-key" (HMAC-SHA256 under a key it signs once an
# hour for the service) or "rsa-signature" (one RSA signature per token).
# sct_protection = "issuer-key"
# Let the principal a security context was issued to renew or cancel it by password (over
# TLS or loopback) or X.509 signature; false requires a signature with the context's key.
# owner_renewal = true
# The algorithm suite this realm's requests must keep to (see `algorithms` above). Default:
# the top-level setting.
# algorithms = "modern"

# Users for UsernameToken authentication: name and Argon2id PHC hash. The demo user's
# password is in {CREDENTIALS_FILE}.
[[users]]
name = "{DEMO_USER}"
password_hash = "{hash}"
# Clients sending PasswordDigest (zeep use_digest=True, node-soap PasswordDigest) need the
# password itself, which a hash cannot give: DANGER, a user with `digest_password_file`
# (a file with the password, readable by the STS alone) instead of `password_hash`.
# For example, a user whose [[users]] entry says: name = "legacy-client" and
# digest_password_file = "legacy-client.password".

# Issued-token authentication: another STS (an identity provider, or an STS in a chain)
# whose SAML 1.1/2.0 assertions authenticate their subject here, on /sts and on the
# issuedtokenmixed* paths. Bearer assertions are accepted once, over HTTPS; holder-of-key
# ones when the message is signed with their confirmation key. The assertion's audience
# must be our `issuer` (or `audience`). For example:
# [[trusted_issuers]]
# name = "partner-idp"
# certificate = "pki/partner-idp.pem"     # the certificate it signs assertions with
# issuer="https://idp.partner.example/"  # its saml:Issuer (optional)
# audience = "https://sts.example.com/adfs/services/trust/13/issuedtokenmixedsymmetricbasic256"
# pass_claims = false                      # copy its attributes into our tokens

# MSL-style key exchange: POST /keyx (JSON) and master tokens over WS-Trust (docs/msl.md).
[keyx]
enabled = true
# Keys sealing master tokens (mode 0600); services verifying session MACs need the same file.
keys = "{base}{MASTER_TOKEN_KEYS_FILE}"
# Seconds from issue until a master token may be renewed. Default: 43200.
renewal_window_secs = 43200
# Seconds from issue until a master token expires. Default: 86400.
lifetime_secs = 86400

# Extra URL paths served by the STS endpoint ("sts"), our metadata ("mex"), the AD FS-style
# metadata ("adfs-mex") or the signed WS-Federation metadata ("federation-metadata"), here
# the paths AD FS clients (MSAL, ADAL, WCF, WIF) use. On an "sts" alias, `default_token_type`
# is issued to requests naming no TokenType (AD FS answers them with a SAML 1.1 assertion;
# /sts itself issues a security context token), and `advertise` lists the path in the
# "adfs-mex" document with AD FS's policy for it: "username-13" / "username-2005" (a
# UsernameToken over HTTPS, WS-Trust 1.3 / 2005) or "certificate-13" / "certificate-2005"
# (the message signed with the client's X.509 certificate over HTTPS), or
# "issuedtoken-symmetric-13" / "issuedtoken-asymmetric-13" / "issuedtoken-symmetric-2005" /
# "issuedtoken-asymmetric-2005" (another STS's assertion over HTTPS, its proof key signing
# the message; such a path takes issued-token authentication only: see [[trusted_issuers]]
# below). AD FS's windowstransport (Kerberos) is not offered.
[[aliases]]
path = "/adfs/services/trust/13/usernamemixed"
endpoint = "sts"
default_token_type = "urn:oasis:names:tc:SAML:1.0:assertion"
advertise = "username-13"

[[aliases]]
path = "/adfs/services/trust/13/certificatemixed"
endpoint = "sts"
default_token_type = "urn:oasis:names:tc:SAML:1.0:assertion"
advertise = "certificate-13"

[[aliases]]
path = "/adfs/services/trust/2005/usernamemixed"
endpoint = "sts"
default_token_type = "urn:oasis:names:tc:SAML:1.0:assertion"
advertise = "username-2005"

[[aliases]]
path = "/adfs/services/trust/2005/certificatemixed"
endpoint = "sts"
default_token_type = "urn:oasis:names:tc:SAML:1.0:assertion"
advertise = "certificate-2005"

[[aliases]]
path = "/adfs/services/trust/13/issuedtokenmixedasymmetricbasic256"
endpoint = "sts"
default_token_type = "urn:oasis:names:tc:SAML:1.0:assertion"
advertise = "issuedtoken-asymmetric-13"

[[aliases]]
path = "/adfs/services/trust/13/issuedtokenmixedsymmetricbasic256"
endpoint = "sts"
default_token_type = "urn:oasis:names:tc:SAML:1.0:assertion"
advertise = "issuedtoken-symmetric-13"

[[aliases]]
path = "/adfs/services/trust/2005/issuedtokenmixedasymmetricbasic256"
endpoint = "sts"
default_token_type = "urn:oasis:names:tc:SAML:1.0:assertion"
advertise = "issuedtoken-asymmetric-2005"

[[aliases]]
path = "/adfs/services/trust/2005/issuedtokenmixedsymmetricbasic256"
endpoint = "sts"
default_token_type = "urn:oasis:names:tc:SAML:1.0:assertion"
advertise = "issuedtoken-symmetric-2005"

[[aliases]]
path = "/adfs/services/trust/mex"
endpoint = "adfs-mex"

[[aliases]]
path = "/FederationMetadata/2007-06/FederationMetadata.xml"
endpoint = "federation-metadata"
"#
    )
}
