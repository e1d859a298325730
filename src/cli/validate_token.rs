//! `wstrust validate-token`: what a service runs on a token it was given. Validates an SCT
//! issued by our STS, a SAML 1.1/2.0 assertion (or SAML 2.0 `EncryptedAssertion`), or a JWT
//! (compact, or in its `wsse:BinarySecurityToken` or an RSTR saved whole), with
//! only the service's key and the STS certificate, through [`crate::service::Validator`], and
//! prints what the token says. The proof key is shown as its length and SHA-256 fingerprint
//! unless `--reveal-key` is given. Exits with status 1 and the reason when the token is not
//! valid (expired, another audience, untrusted signer, tampered, not for this key).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::json;

use crate::crypto::{digest, hex, DigestAlgorithm, RsaPrivateKey};
use crate::pki::Certificate;
use crate::saml::PublicKeyInfo;
use crate::service::jwt;
use crate::service::{
    JwtTokenValidator, TokenConfirmation, ValidatedToken, Validator, ValidatorConfig,
};
use crate::store::MemoryStore;
use crate::wss::{self, Clock, SystemClock};
use crate::xml::{ns, Document, NodeId};

use super::request::{read_cert, read_text};

/// How the result is printed.
#[derive(Clone, Copy, Debug, Default, clap::ValueEnum)]
pub enum OutputFormat {
    /// `name: value` lines.
    #[default]
    Text,
    /// One JSON object.
    Json,
}

/// Arguments of `wstrust validate-token`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The token: an SCT (as written by `request --out-token`), a SAML assertion, a SAML
    /// 2.0 EncryptedAssertion, or a JWT (compact text, or its BinarySecurityToken).
    #[arg(long, value_name = "FILE")]
    pub token: PathBuf,
    /// The service's private key (PEM): decrypts the token's key.
    #[arg(long, value_name = "KEY.pem")]
    pub service_key: PathBuf,
    /// The service's certificate (PEM). Default: the key's path with the extension `.pem`.
    #[arg(long, value_name = "CERT.pem")]
    pub service_cert: Option<PathBuf>,
    /// The STS signing certificate (PEM) whose signature is trusted; may be repeated.
    #[arg(long, value_name = "CERT.pem", required = true)]
    pub sts_cert: Vec<PathBuf>,
    /// The audience the token must name: the realm name for an SCT, the relying party's URI
    /// (AppliesTo) for a SAML assertion or a JWT (`aud`).
    #[arg(long, value_name = "URI", required = true)]
    pub audience: String,
    /// The issuer a JWT's `iss` must name (the STS's issuer URI). Default: any (`iss` is
    /// still required).
    #[arg(long, value_name = "URI")]
    pub issuer: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: OutputFormat,
    /// Print the token's key itself (hex), not only its fingerprint.
    #[arg(long)]
    pub reveal_key: bool,
}

fn read_key(path: &Path) -> Result<RsaPrivateKey, String> {
    let text = zeroize::Zeroizing::new(read_text(path)?);
    RsaPrivateKey::from_pem(&text)
        .map_err(|e| format!("{}: not an RSA private key: {e}", path.display()))
}

fn service_cert(args: &Args, key: &RsaPrivateKey) -> Result<Certificate, String> {
    let path = match &args.service_cert {
        Some(p) => p.clone(),
        None => {
            let p = args.service_key.with_extension("pem");
            if p == args.service_key || !p.is_file() {
                return Err(format!(
                    "give --service-cert (no certificate at {})",
                    p.display()
                ));
            }
            p
        }
    };
    let cert = read_cert(&path)?;
    if *cert.public_key() != key.public_key() {
        return Err(format!(
            "{} is not the certificate of the key {}",
            path.display(),
            args.service_key.display()
        ));
    }
    Ok(cert)
}

fn is_token(doc: &Document, n: NodeId) -> bool {
    let name = doc.name(n);
    ((name.ns == ns::WSC13 || name.ns == ns::WSC_2005) && name.local == "SecurityContextToken")
        || doc.is(n, ns::SAML2, "Assertion")
        || doc.is(n, ns::SAML1, "Assertion")
        || doc.is(n, ns::SAML2, "EncryptedAssertion")
        || jwt::is_jwt_element(doc, n)
}

/// A compact JWT given as text (three base64url parts, the first a JSON header).
fn compact_jwt(text: &[u8]) -> Option<&str> {
    let t = std::str::from_utf8(text).ok()?.trim();
    (t.starts_with("eyJ") && t.split('.').count() == 3).then_some(t)
}

/// The token element: the root, else the first token element inside it (a
/// `RequestedSecurityToken` or an RSTR saved whole).
fn token_element(doc: &Document) -> Option<NodeId> {
    doc.descendants_or_self(doc.root())
        .find(|n| doc.is_element(*n) && is_token(doc, *n))
}

fn confirmation(t: &ValidatedToken) -> String {
    match &t.confirmation {
        TokenConfirmation::Bearer => "bearer".to_owned(),
        TokenConfirmation::SymmetricKey => "holder-of-key (symmetric)".to_owned(),
        TokenConfirmation::PublicKey(PublicKeyInfo::Certificate(c)) => {
            format!("holder-of-key (certificate {})", c.subject())
        }
        TokenConfirmation::PublicKey(PublicKeyInfo::RsaKeyValue(k)) => format!(
            "holder-of-key (RSA key, SHA-256 of its SPKI {})",
            hex(&digest(DigestAlgorithm::Sha256, &k.spki_der()))
        ),
    }
}

/// Validates the token `xml` with `validator` at `now_ms` (what the command does, without
/// files).
pub fn validate(validator: &Validator, xml: &[u8], now_ms: i64) -> Result<ValidatedToken, String> {
    validate_with_issuer(validator, xml, None, now_ms)
}

/// [`validate`], requiring a JWT's `iss` to be `issuer` when given.
pub fn validate_with_issuer(
    validator: &Validator,
    xml: &[u8],
    issuer: Option<&str>,
    now_ms: i64,
) -> Result<ValidatedToken, String> {
    let jwt_validator = || {
        let mut v = JwtTokenValidator::from_config(validator.config());
        v.issuer_name = issuer.map(str::to_owned);
        v
    };
    if let Some(compact) = compact_jwt(xml) {
        return jwt_validator()
            .validate_token(compact, now_ms)
            .map_err(|e| format!("the token is not valid: {e}"));
    }
    let doc = Document::parse_with(xml, &validator.config().limits)
        .map_err(|e| format!("the token is not acceptable XML: {e}"))?;
    let el = token_element(&doc).ok_or(
        "the file holds no security context token, SAML assertion, EncryptedAssertion or JWT",
    )?;
    if jwt::is_jwt_element(&doc, el) {
        let compact = jwt::compact_of_element(&doc, el)
            .map_err(|e| format!("the token is not valid: {e}"))?;
        return jwt_validator()
            .validate_token(&compact, now_ms)
            .map_err(|e| format!("the token is not valid: {e}"));
    }
    validator
        .validate_token(&doc, el, now_ms)
        .map_err(|e| format!("the token is not valid: {e}"))
}

fn print(t: &ValidatedToken, args: &Args) {
    let key = t.key.as_ref();
    match args.format {
        OutputFormat::Json => {
            let mut v = json!({
                "valid": true,
                "token_type": t.token_type,
                "identifier": t.identifier,
                "instance": t.instance,
                "issuer": t.issuer,
                "principal": t.principal,
                "actor": t.act_as,
                "claims": t.claims.iter().map(|(n, v)| json!({"name": n, "value": v})).collect::<Vec<_>>(),
                "expires": wss::time::format(t.expires_ms),
                "confirmation": confirmation(t),
                "key": key.map(|k| json!({
                    "bits": k.len() * 8,
                    "sha256": hex(&digest(DigestAlgorithm::Sha256, k.expose())),
                })),
            });
            if let (true, Some(k), Some(o)) = (args.reveal_key, key, v.get_mut("key")) {
                if let Some(o) = o.as_object_mut() {
                    o.insert("hex".into(), hex(k.expose()).into());
                }
            }
            println!("{v}");
        }
        OutputFormat::Text => {
            println!("valid: yes");
            println!("token type: {}", t.token_type);
            println!("identifier: {}", t.identifier);
            if let Some(i) = &t.instance {
                println!("instance: {i}");
            }
            println!("issuer: {}", t.issuer);
            println!("principal: {}", t.principal);
            if let Some(a) = &t.act_as {
                println!("actor: {a}");
            }
            for (n, v) in &t.claims {
                println!("claim: {n} = {v}");
            }
            println!("expires: {}", wss::time::format(t.expires_ms));
            println!("confirmation: {}", confirmation(t));
            match key {
                Some(k) => {
                    println!(
                        "key: {} bits, SHA-256 {}",
                        k.len() * 8,
                        hex(&digest(DigestAlgorithm::Sha256, k.expose()))
                    );
                    if args.reveal_key {
                        println!("key (hex): {}", hex(k.expose()));
                    }
                }
                None => println!("key: none"),
            }
        }
    }
}

/// Runs the command.
pub fn run(args: &Args) -> Result<(), String> {
    let key = read_key(&args.service_key)?;
    let cert = service_cert(args, &key)?;
    let sts = args
        .sts_cert
        .iter()
        .map(|p| read_cert(p))
        .collect::<Result<Vec<_>, _>>()?;
    let cfg = ValidatorConfig::new(args.audience.clone(), key, cert, sts).with_saml();
    let validator = Validator::new(cfg, Arc::new(MemoryStore::new()))
        .map_err(|e| format!("cannot start the validator: {e}"))?;
    let xml = std::fs::read(&args.token).map_err(|e| format!("{}: {e}", args.token.display()))?;
    let token = validate_with_issuer(
        &validator,
        &xml,
        args.issuer.as_deref(),
        SystemClock.now_ms(),
    )
    .map_err(|e| format!("{}: {e}", args.token.display()))?;
    print(&token, args);
    Ok(())
}
