//! `wstrust request`: ask an STS for a token and print (or save) it with its proof key. Also
//! holds the connection options and file helpers `renew`, `cancel` and `validate` share.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::client::{
    ClientConfig, Credentials, IssueRequest, IssuedToken, Progress, RequestedTokenType, StsClient,
    ValidationStatus,
};
use crate::crypto::{RsaPrivateKey, SecretBytes};
use crate::pki::Certificate;
use crate::soap::SoapVersion;
use crate::trust::{KeyType, TrustVersion};
use crate::xmlsec::{base64_decode, base64_encode};

/// SOAP version option.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum SoapArg {
    /// SOAP 1.1 (`text/xml`, `SOAPAction`).
    #[value(name = "1.1")]
    V11,
    /// SOAP 1.2 (`application/soap+xml`).
    #[value(name = "1.2")]
    V12,
}

/// WS-Trust version option.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum TrustArg {
    /// WS-Trust 1.3 (OASIS, 200512).
    #[value(name = "1.3")]
    V13,
    /// The February 2005 submission namespace.
    #[value(name = "2005")]
    Feb2005,
}

/// How key bytes are printed or written.
#[derive(Clone, Copy, Debug, Default, clap::ValueEnum)]
pub enum KeyFormat {
    /// Lower-case hexadecimal.
    #[default]
    Hex,
    /// Standard base64.
    Base64,
}

/// The key type option.
#[derive(Clone, Copy, Debug, Default, clap::ValueEnum)]
pub enum KeyTypeArg {
    /// A symmetric proof key.
    #[default]
    Symmetric,
    /// The requester's public key.
    Public,
    /// No proof key.
    Bearer,
}

/// The token type option.
#[derive(Clone, Copy, Debug, Default, clap::ValueEnum)]
pub enum TokenTypeArg {
    /// A WS-SecureConversation security context token.
    #[default]
    Sct,
    /// A SAML 2.0 assertion.
    Saml2,
    /// A SAML 1.1 assertion.
    Saml11,
}

/// Where the STS is and how to talk to it.
#[derive(Debug, clap::Args)]
pub struct Connection {
    /// The STS endpoint, e.g. http://127.0.0.1:8080/sts.
    #[arg(long, value_name = "URL")]
    pub url: String,
    /// SOAP version.
    #[arg(long, value_enum, default_value = "1.1")]
    pub soap: SoapArg,
    /// WS-Trust version.
    #[arg(long, value_enum, default_value = "1.3")]
    pub trust: TrustArg,
    /// The CA certificate (PEM) an https STS's certificate must chain to.
    #[arg(long, value_name = "CA.pem")]
    pub ca: Option<PathBuf>,
    /// The STS's signing certificate (PEM): responses must carry its valid signature.
    /// Required (except for --keyx), unless --danger-unverified-replies is given.
    #[arg(long, value_name = "STS.pem")]
    pub sts_cert: Option<PathBuf>,
    /// Read the STS's replies without checking its signature or the confirmation of ours:
    /// anyone on the path can then forge the token and its key (development only).
    #[arg(long, conflicts_with = "sts_cert")]
    pub danger_unverified_replies: bool,
    /// Seconds to wait for an answer.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub timeout: u64,
    /// Retries after a connection error or a 5xx answer without a SOAP message.
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub retries: u32,
}

impl Connection {
    /// A client for these options, printing progress on standard error.
    pub(crate) fn client(&self) -> Result<Client, String> {
        Ok(Client {
            inner: StsClient::new(&self.url, self.config()?).map_err(|e| e.to_string())?,
            unverified: self.danger_unverified_replies,
        })
    }

    /// The client configuration these options give.
    pub(crate) fn config(&self) -> Result<ClientConfig, String> {
        let soap = match self.soap {
            SoapArg::V11 => SoapVersion::V11,
            SoapArg::V12 => SoapVersion::V12,
        };
        let trust = match self.trust {
            TrustArg::V13 => TrustVersion::V13,
            TrustArg::Feb2005 => TrustVersion::Feb2005,
        };
        let mut cfg = ClientConfig::new(soap, trust);
        cfg.ca = self.ca.as_deref().map(read_cert).transpose()?;
        cfg.sts_cert = self.sts_cert.as_deref().map(read_cert).transpose()?;
        cfg.timeout = Duration::from_secs(self.timeout.max(1));
        cfg.retries = self.retries;
        cfg.progress = Some(Progress::stderr());
        Ok(cfg)
    }
}

/// The client of the subcommands: verifying replies, or, with `--danger-unverified-replies`,
/// reading them through [`StsClient::danger_unverified`].
pub(crate) struct Client {
    inner: StsClient,
    unverified: bool,
}

impl Client {
    pub(crate) fn issue(&self, req: &IssueRequest) -> Result<IssuedToken, String> {
        if self.unverified {
            self.inner.danger_unverified().issue(req)
        } else {
            self.inner.issue(req)
        }
        .map_err(|e| e.to_string())
    }

    pub(crate) fn renew(&self, token: &IssuedToken) -> Result<IssuedToken, String> {
        if self.unverified {
            self.inner.danger_unverified().renew(token)
        } else {
            self.inner.renew(token)
        }
        .map_err(|e| e.to_string())
    }

    pub(crate) fn cancel(&self, token: &IssuedToken) -> Result<(), String> {
        if self.unverified {
            self.inner.danger_unverified().cancel(token)
        } else {
            self.inner.cancel(token)
        }
        .map_err(|e| e.to_string())
    }

    pub(crate) fn validate(&self, token: &IssuedToken) -> Result<ValidationStatus, String> {
        if self.unverified {
            self.inner.danger_unverified().validate(token)
        } else {
            self.inner.validate(token)
        }
        .map_err(|e| e.to_string())
    }
}

/// The `--keyx` scheme option.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum KeyxArg {
    /// `ASYMMETRIC_WRAPPED`: the STS wraps the session keys for a fresh RSA key.
    Asymmetric,
    /// `DH`: Diffie-Hellman (see `--dh-group`).
    Dh,
}

/// The `--dh-group` option.
#[derive(Clone, Copy, Debug, Default, clap::ValueEnum)]
pub enum DhGroupArg {
    /// RFC 7919 ffdhe2048.
    #[default]
    Ffdhe2048,
    /// RFC 7919 ffdhe3072.
    Ffdhe3072,
    /// RFC 7748 X25519.
    X25519,
}

/// Where results go and how keys are written.
#[derive(Debug, clap::Args)]
pub struct Output {
    /// Write the token XML to this file instead of printing it.
    #[arg(long, value_name = "FILE")]
    pub out_token: Option<PathBuf>,
    /// Write the proof key to this file (mode 0600) instead of printing it.
    #[arg(long, value_name = "FILE")]
    pub out_key: Option<PathBuf>,
    /// How the proof key is written.
    #[arg(long, value_enum, default_value = "hex")]
    pub format: KeyFormat,
}

/// Arguments of `wstrust request`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Connection options.
    #[command(flatten)]
    pub connection: Connection,
    /// User name (a `username=` line of the password file is the default).
    #[arg(long, value_name = "USER", requires = "password_file")]
    pub username: Option<String>,
    /// File holding the password, or `username=`/`password=`/`applies_to=` lines (the
    /// `demo-credentials.txt` that `wstrust serve` writes).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["cert", "key"])]
    pub password_file: Option<PathBuf>,
    /// Send a PasswordDigest instead of the clear-text password.
    #[arg(long, requires = "password_file")]
    pub password_digest: bool,
    /// Our certificate (PEM), to sign the request with.
    #[arg(long, value_name = "CERT.pem", requires = "key")]
    pub cert: Option<PathBuf>,
    /// Its private key (PEM).
    #[arg(long, value_name = "KEY.pem", requires = "cert")]
    pub key: Option<PathBuf>,
    /// The relying party the token is for (an `applies_to=` line of the password file is the
    /// default).
    #[arg(long, value_name = "URI")]
    pub applies_to: Option<String>,
    /// The key the token is bound to.
    #[arg(long, value_enum, default_value = "symmetric")]
    pub key_type: KeyTypeArg,
    /// The token asked for.
    #[arg(long, value_enum, default_value = "sct")]
    pub token_type: TokenTypeArg,
    /// Send our own entropy (the key is then computed from both sides' entropy).
    #[arg(long)]
    pub entropy: bool,
    /// Key size in bits to ask for.
    #[arg(long, value_name = "BITS")]
    pub key_size: Option<u32>,
    /// Instead of a token, get session keys and a master token by MSL key exchange (`POST
    /// /keyx` of the STS at --url); prints the master token (JSON) and the keys' SHA-256
    /// fingerprints, or writes them with --out-token / --out-key.
    #[arg(long, value_enum, value_name = "SCHEME")]
    pub keyx: Option<KeyxArg>,
    /// The Diffie-Hellman group of `--keyx dh`.
    #[arg(long, value_enum, requires = "keyx")]
    pub dh_group: Option<DhGroupArg>,
    /// Output options.
    #[command(flatten)]
    pub output: Output,
}

/// Runs the command.
pub fn run(args: &Args) -> Result<(), String> {
    if let Some(k) = args.keyx {
        return run_keyx(args, k);
    }
    let (credentials, file_applies_to) = credentials(args)?;
    let applies_to = args
        .applies_to
        .clone()
        .or(file_applies_to)
        .ok_or("give --applies-to (the relying party's URI)")?;
    let mut req = IssueRequest::new(applies_to, credentials);
    req.key_type = match args.key_type {
        KeyTypeArg::Symmetric => KeyType::SymmetricKey,
        KeyTypeArg::Public => KeyType::PublicKey,
        KeyTypeArg::Bearer => KeyType::Bearer,
    };
    req.token_type = match args.token_type {
        TokenTypeArg::Sct => RequestedTokenType::Sct,
        TokenTypeArg::Saml2 => RequestedTokenType::Saml20,
        TokenTypeArg::Saml11 => RequestedTokenType::Saml11,
    };
    req.entropy = args.entropy;
    req.key_size = args.key_size;
    let client = args.connection.client()?;
    let token = client.issue(&req)?;
    report(&token, &args.output)
}

/// What the password file says.
#[derive(Default)]
struct PasswordFile {
    username: Option<String>,
    password: Option<SecretBytes>,
    applies_to: Option<String>,
}

fn read_password_file(path: &Path) -> Result<PasswordFile, String> {
    let text = zeroize::Zeroizing::new(
        std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?,
    );
    let keyed = text
        .lines()
        .any(|l| l.trim_start().starts_with("password="));
    if !keyed {
        let pw = text.strip_suffix('\n').unwrap_or(&text);
        let pw = pw.strip_suffix('\r').unwrap_or(pw);
        if pw.is_empty() {
            return Err(format!("{}: the password file is empty", path.display()));
        }
        return Ok(PasswordFile {
            password: Some(SecretBytes::from_slice(pw.as_bytes())),
            ..PasswordFile::default()
        });
    }
    let mut f = PasswordFile::default();
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if let Some(v) = line.strip_prefix("password=") {
            f.password = Some(SecretBytes::from_slice(v.as_bytes()));
        } else if let Some(v) = line.strip_prefix("username=") {
            f.username = Some(v.trim().to_owned());
        } else if let Some(v) = line.strip_prefix("applies_to=") {
            f.applies_to = Some(v.trim().to_owned());
        }
    }
    Ok(f)
}

fn credentials(args: &Args) -> Result<(Credentials, Option<String>), String> {
    if let Some(path) = &args.password_file {
        let f = read_password_file(path)?;
        let username = args
            .username
            .clone()
            .or(f.username)
            .ok_or("give --username (the password file has no username= line)")?;
        let password = f
            .password
            .ok_or_else(|| format!("{}: no password= line", path.display()))?;
        return Ok((
            Credentials::UsernamePassword {
                username,
                password,
                digest: args.password_digest,
            },
            f.applies_to,
        ));
    }
    if let (Some(cert), Some(key)) = (&args.cert, &args.key) {
        let text = read_text(key)?;
        let key = RsaPrivateKey::from_pem(&text)
            .map_err(|e| format!("{}: not an RSA private key: {e}", key.display()))?;
        return Ok((
            Credentials::X509 {
                cert: read_cert(cert)?,
                key,
            },
            None,
        ));
    }
    Err("give credentials: --password-file FILE [--username USER], or --cert CERT.pem --key KEY.pem".into())
}

pub(crate) fn read_text(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

pub(crate) fn read_cert(path: &Path) -> Result<Certificate, String> {
    Certificate::from_pem(&read_text(path)?)
        .map_err(|e| format!("{}: not a PEM certificate: {e}", path.display()))
}

/// Reads a proof key written by `--out-key` (hex or base64).
pub(crate) fn read_key(path: &Path) -> Result<SecretBytes, String> {
    let text = zeroize::Zeroizing::new(read_text(path)?);
    let t = text.trim();
    let is_hex = !t.is_empty() && t.len() % 2 == 0 && t.bytes().all(|b| b.is_ascii_hexdigit());
    let bytes = if is_hex {
        (0..t.len())
            .step_by(2)
            .map(|i| t.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
            .collect::<Option<Vec<u8>>>()
    } else {
        base64_decode(t)
    };
    bytes
        .filter(|b| !b.is_empty())
        .map(SecretBytes::new)
        .ok_or_else(|| format!("{}: not a hex or base64 key", path.display()))
}

/// Reads a token (XML) and its proof key from files.
/// The token and proof-key files `renew`, `cancel` and `validate` take.
#[derive(Debug, clap::Args)]
pub struct TokenFiles {
    /// The token (XML, as written by `request --out-token`).
    #[arg(long, value_name = "FILE")]
    pub token: PathBuf,
    /// Its proof key (hex or base64, as written by `request --out-key`).
    #[arg(long = "proof-key", visible_alias = "key", value_name = "FILE")]
    pub proof_key: PathBuf,
}

impl TokenFiles {
    /// The token with its proof key.
    pub(crate) fn read(&self) -> Result<IssuedToken, String> {
        read_token(&self.token, Some(&self.proof_key))
    }
}

pub(crate) fn read_token(token: &Path, key: Option<&Path>) -> Result<IssuedToken, String> {
    let xml = read_text(token)?;
    let key = key.map(read_key).transpose()?;
    IssuedToken::from_token_xml(&xml, key).map_err(|e| format!("{}: {e}", token.display()))
}

fn encode(key: &[u8], format: KeyFormat) -> String {
    match format {
        KeyFormat::Hex => key.iter().map(|b| format!("{b:02x}")).collect(),
        KeyFormat::Base64 => base64_encode(key),
    }
}

fn write_secret(path: &Path, text: &str) -> Result<(), String> {
    let err = |e: std::io::Error| format!("{}: {e}", path.display());
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).map_err(err)?;
    std::io::Write::write_all(&mut f, text.as_bytes()).map_err(err)
}

/// Prints or writes a token and its proof key.
pub(crate) fn report(token: &IssuedToken, out: &Output) -> Result<(), String> {
    if !token.sts_signature_verified {
        eprintln!(
            "warning: the reply was read unverified (--danger-unverified-replies): the token and \
             its key may be forged; give --sts-cert STS.pem"
        );
    }
    let mut summary = format!(
        "token: {}",
        token.token_type.as_deref().unwrap_or("(unknown type)")
    );
    if let Some(id) = &token.identifier {
        summary.push_str(&format!(", identifier {id}"));
    }
    if let Some(e) = token.lifetime.as_ref().and_then(|l| l.expires.clone()) {
        summary.push_str(&format!(", expires {e}"));
    }
    eprintln!("{summary}");
    match &out.out_token {
        Some(p) => {
            std::fs::write(p, format!("{}\n", token.token_xml))
                .map_err(|e| format!("{}: {e}", p.display()))?;
            eprintln!("token written to {}", p.display());
        }
        None => println!("{}", token.token_xml),
    }
    match (&token.proof_key, &out.out_key) {
        (Some(k), Some(p)) => {
            let text = zeroize::Zeroizing::new(format!("{}\n", encode(k.expose(), out.format)));
            write_secret(p, &text)?;
            eprintln!(
                "proof key ({} bits) written to {}",
                k.len() * 8,
                p.display()
            );
        }
        (Some(k), None) => {
            let name = match out.format {
                KeyFormat::Hex => "hex",
                KeyFormat::Base64 => "base64",
            };
            println!("proof key ({name}): {}", encode(k.expose(), out.format));
        }
        (None, _) => eprintln!("no proof key (bearer or public-key token)"),
    }
    Ok(())
}

fn run_keyx(args: &Args, scheme: KeyxArg) -> Result<(), String> {
    use crate::client::keyx::{self, Auth, Scheme};
    use crate::keyx::dh::DhGroup;
    let scheme = match (scheme, args.dh_group) {
        (KeyxArg::Asymmetric, None) => Scheme::AsymmetricWrapped,
        (KeyxArg::Asymmetric, Some(_)) => return Err("--dh-group goes with --keyx dh".into()),
        (KeyxArg::Dh, g) => Scheme::Dh(match g.unwrap_or_default() {
            DhGroupArg::Ffdhe2048 => DhGroup::Ffdhe2048,
            DhGroupArg::Ffdhe3072 => DhGroup::Ffdhe3072,
            DhGroupArg::X25519 => DhGroup::X25519,
        }),
    };
    let auth = match credentials(args)?.0 {
        Credentials::UsernamePassword {
            username, password, ..
        } => Auth::Password { username, password },
        Credentials::X509 { cert, key } => Auth::X509 {
            certificate: cert,
            key,
        },
    };
    let cfg = args.connection.config()?;
    let (keys, token) =
        keyx::exchange(&args.connection.url, scheme, &auth, &cfg).map_err(|e| e.to_string())?;
    let token_json = serde_json::json!({
        "tokendata": base64_encode(&token.token_data),
        "signature": base64_encode(&token.signature),
    })
    .to_string();
    match &args.output.out_token {
        Some(p) => {
            std::fs::write(p, format!("{token_json}\n"))
                .map_err(|e| format!("{}: {e}", p.display()))?;
            eprintln!("master token written to {}", p.display());
        }
        None => println!("{token_json}"),
    }
    let fp = |k: &SecretBytes| {
        crate::crypto::digest(crate::crypto::DigestAlgorithm::Sha256, k.expose())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    println!(
        "encryption key: {} bits, SHA-256 {}",
        keys.encryption.len() * 8,
        fp(&keys.encryption)
    );
    println!(
        "hmac key: {} bits, SHA-256 {}",
        keys.hmac.len() * 8,
        fp(&keys.hmac)
    );
    if let Some(p) = &args.output.out_key {
        let text = zeroize::Zeroizing::new(format!(
            "encryption={}\nhmac={}\n",
            encode(keys.encryption.expose(), args.output.format),
            encode(keys.hmac.expose(), args.output.format)
        ));
        write_secret(p, &text)?;
        eprintln!("session keys written to {}", p.display());
    }
    Ok(())
}
