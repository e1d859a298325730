//! JSON Web Tokens (RFC 7519) as issued tokens: the format of the JWTs our STS issues for
//! `wst:TokenType` `urn:ietf:params:oauth:token-type:jwt` (the engine writes them with
//! [`issue`], so the format lives in one place, as [`super::sct`] does for SCTs), and their
//! validation by a service ([`JwtTokenValidator`], [`validate`]).
//!
//! **Format.** A compact JWS, `RS256` with the STS signing key; the header names the signing
//! certificate by `x5t` (base64url SHA-1 thumbprint, as AD FS does) and `kid` (the same value).
//! Claims: `iss` (our issuer URI), `aud` (the AppliesTo address, else the realm's URI), `sub`
//! (the principal), `iat`/`nbf`/`exp` (seconds), `jti` (`urn:uuid:…`), `auth_time` and
//! `authmethod` (how the requester authenticated, a SAML authentication-context URI, as AD FS
//! writes it), `act` (RFC 8693 actor: `{"sub": …}` when issued on behalf of another principal),
//! `idp` (the identity provider that authenticated a federated subject, as Entra ID writes it:
//! the trusted issuer's configured name; absent for the STS's own users),
//! every claim of the principal by its claim-type URI (a string for one value, an array for
//! several; a claim named like a registered claim is left out), and for holder-of-key `cnf`
//! (RFC 7800):
//!
//! * PublicKey: `{"jwk": {"kty":"RSA","n":…,"e":…}}`, the requester's public key;
//! * SymmetricKey: `{"kid": …, "jwe": …}`: `kid` names the proof key (the requester gets the
//!   same key as a WS-Trust proof token), `jwe` is that key as a symmetric JWK
//!   (`{"kty":"oct","k":…}`) in a compact JWE for the relying party's certificate (RFC 7800
//!   §3.3): `alg` `RSA-OAEP` (SHA-1, the RFC 7518 default every JOSE library has), `enc`
//!   `A256GCM`, `cty` `jwk+json`, `x5t` of the relying party's certificate. A relying party
//!   decrypts it with any JOSE library (`jose` for JavaScript, `jwcrypto`, Nimbus, .NET) and
//!   then checks the presenter's proof of possession with that key;
//! * Bearer: no `cnf`.
//!
//! In WS-Security the token travels as AD FS carries it: a `wsse:BinarySecurityToken` with
//! `ValueType` `urn:ietf:params:oauth:token-type:jwt` and `EncodingType` Base64Binary, whose
//! text is the base64 of the compact JWS ([`write_binary_security_token`],
//! [`compact_of_element`]).
//!
//! **JOSE library.** Header and key types and signature verification (algorithm pinned to
//! `RS256`, audience and issuer) are `jsonwebtoken`'s, with its aws-lc-rs backend. Signing is
//! done with the STS's own aws-lc-rs key ([`RsaPrivateKey::sign`]) over the JWS signing input,
//! because `jsonwebtoken` only signs with a copy of the private key's DER that it keeps
//! unzeroized; `jsonwebtoken` has no JWE, so the `cnf` JWE is assembled here from aws-lc-rs
//! RSA-OAEP and AES-GCM with the protected header as AAD (RFC 7516 §5.1). The tests check both
//! with independent JOSE libraries (PyJWT, npm `jose`). Times are checked against the caller's
//! clock (not the system's), with the configured skew.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use jsonwebtoken::{Algorithm, DecodingKey, Header, Validation};
use serde_json::{json, Map, Value};
use zeroize::{Zeroize, Zeroizing};

use crate::crypto::{
    self, digest, BlockCipher, DigestAlgorithm, OaepParams, RsaPrivateKey, RsaPublicKey,
    SecretBytes, SignatureAlgorithm,
};
use crate::pki::Certificate;
use crate::saml::{Claim, PublicKeyInfo};
use crate::trust::JWT_TOKEN_TYPE;
use crate::wss;
use crate::xml::{ns, Document, NodeId, Writer};

use super::validator::{IssuedTokenValidator, TokenConfirmation, ValidatedToken, ValidatorConfig};
use super::Error;

/// Longest compact JWT accepted, in bytes (a token with many claims stays far below).
pub const MAX_JWT_LEN: usize = 64 * 1024;

/// Claim names this format sets itself (never taken from a principal's claims).
const REGISTERED: &[&str] = &[
    "iss",
    "sub",
    "aud",
    "exp",
    "nbf",
    "iat",
    "jti",
    "cnf",
    "act",
    "idp",
    "auth_time",
    "authmethod",
];

/// How the token binds its presenter.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum JwtConfirmation<'a> {
    /// No `cnf`.
    Bearer,
    /// `cnf.jwk`: the requester's public key.
    PublicKey(&'a RsaPublicKey),
    /// `cnf.kid` + `cnf.jwe`: the proof key encrypted for the relying party's certificate.
    Symmetric {
        /// The proof key.
        key: &'a SecretBytes,
        /// Its name (`cnf.kid`).
        kid: &'a str,
        /// The relying party's certificate.
        recipient: &'a Certificate,
    },
}

/// What goes into a JWT we issue.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct JwtContent<'a> {
    /// `iss`.
    pub issuer: &'a str,
    /// `aud`.
    pub audience: &'a str,
    /// `sub`.
    pub subject: &'a str,
    /// `jti`.
    pub id: &'a str,
    /// `iat` (and `auth_time`), ms since the epoch.
    pub issued_at_ms: i64,
    /// `nbf`, ms.
    pub not_before_ms: i64,
    /// `exp`, ms.
    pub expires_ms: i64,
    /// `authmethod`, a URI.
    pub auth_method: Option<&'a str>,
    /// `act.sub`.
    pub act_as: Option<&'a str>,
    /// `idp`: the domain the subject's name is from, for a federated subject.
    pub identity_provider: Option<&'a str>,
    /// The principal's claims.
    pub claims: &'a [Claim],
    /// `cnf`.
    pub confirmation: JwtConfirmation<'a>,
}

impl<'a> JwtContent<'a> {
    /// Content with the mandatory parts; no authentication method, actor or claims, bearer.
    pub fn new(
        issuer: &'a str,
        audience: &'a str,
        subject: &'a str,
        id: &'a str,
        issued_at_ms: i64,
        expires_ms: i64,
    ) -> Self {
        Self {
            issuer,
            audience,
            subject,
            id,
            issued_at_ms,
            not_before_ms: issued_at_ms,
            expires_ms,
            auth_method: None,
            act_as: None,
            identity_provider: None,
            claims: &[],
            confirmation: JwtConfirmation::Bearer,
        }
    }
}

fn b64url(data: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(data)
}

fn b64url_decode(text: &str) -> Result<Vec<u8>, Error> {
    URL_SAFE_NO_PAD.decode(text).map_err(|_| Error::Token {
        what: "jwt: not base64url",
    })
}

/// `x5t` of `cert`: base64url SHA-1 thumbprint (RFC 7515 §4.1.7).
pub fn x5t(cert: &Certificate) -> String {
    b64url(cert.thumbprint_sha1())
}

/// The RFC 7517 JWK of an RSA public key.
pub fn rsa_jwk(key: &RsaPublicKey) -> Value {
    json!({
        "kty": "RSA",
        "n": b64url(key.modulus_be()),
        "e": b64url(key.exponent_be()),
    })
}

fn seconds(ms: i64) -> i64 {
    ms.div_euclid(1000)
}

/// Makes the compact JWS for `content`, signed RS256 with `key` (of `cert`).
pub fn issue(
    content: &JwtContent<'_>,
    key: &RsaPrivateKey,
    cert: &Certificate,
) -> Result<String, Error> {
    if content.expires_ms <= content.not_before_ms {
        return Err(Error::Token {
            what: "jwt: expiry before validity",
        });
    }
    let mut header = Header::new(Algorithm::RS256);
    header.x5t = Some(x5t(cert));
    header.kid = header.x5t.clone();
    let mut claims = Map::new();
    claims.insert("iss".into(), content.issuer.into());
    claims.insert("aud".into(), content.audience.into());
    claims.insert("sub".into(), content.subject.into());
    claims.insert("iat".into(), seconds(content.issued_at_ms).into());
    claims.insert("nbf".into(), seconds(content.not_before_ms).into());
    claims.insert("exp".into(), seconds(content.expires_ms).into());
    claims.insert("jti".into(), content.id.into());
    if let Some(m) = content.auth_method {
        claims.insert("auth_time".into(), seconds(content.issued_at_ms).into());
        claims.insert("authmethod".into(), m.into());
    }
    if let Some(a) = content.act_as {
        claims.insert("act".into(), json!({ "sub": a }));
    }
    if let Some(idp) = content.identity_provider {
        claims.insert("idp".into(), idp.into());
    }
    for c in content.claims {
        if REGISTERED.contains(&c.uri.as_str()) || claims.contains_key(&c.uri) {
            tracing::debug!(claim = %c.uri.escape_debug(), "jwt: claim left out (name taken)");
            continue;
        }
        let value = match c.values.as_slice() {
            [one] => Value::from(one.as_str()),
            many => Value::from(many.to_vec()),
        };
        claims.insert(c.uri.clone(), value);
    }
    match content.confirmation {
        JwtConfirmation::Bearer => {}
        JwtConfirmation::PublicKey(k) => {
            claims.insert("cnf".into(), json!({ "jwk": rsa_jwk(k) }));
        }
        JwtConfirmation::Symmetric {
            key: proof,
            kid,
            recipient,
        } => {
            let jwe = encrypt_key(proof, recipient)?;
            claims.insert("cnf".into(), json!({ "kid": kid, "jwe": jwe }));
        }
    }
    let input = format!("{}.{}", json_b64(&header)?, json_b64(&claims)?);
    let sig = key.sign(SignatureAlgorithm::RsaSha256, input.as_bytes())?;
    Ok(format!("{input}.{}", b64url(&sig)))
}

fn json_b64<T: serde::Serialize>(v: &T) -> Result<String, Error> {
    serde_json::to_vec(v)
        .map(|j| b64url(&j))
        .map_err(|_| Error::Token {
            what: "jwt: not serializable",
        })
}

/// The compact JWE (RSA-OAEP, A256GCM) of the symmetric JWK of `key` for `recipient`.
fn encrypt_key(key: &SecretBytes, recipient: &Certificate) -> Result<String, Error> {
    let header = json!({
        "alg": "RSA-OAEP",
        "enc": "A256GCM",
        "cty": "jwk+json",
        "x5t": x5t(recipient),
        "kid": x5t(recipient),
    });
    let header = json_b64(&header)?;
    let cek = crypto::random_secret(32)?;
    let wrapped = recipient
        .public_key()
        .oaep_encrypt(&OaepParams::sha1(), cek.expose())?;
    let k = Zeroizing::new(b64url(key.expose()));
    // Base64url text needs no JSON escaping.
    let plaintext = Zeroizing::new(format!("{{\"kty\":\"oct\",\"k\":\"{}\"}}", k.as_str()));
    let sealed = crypto::encrypt_with_aad(
        BlockCipher::Aes256Gcm,
        cek.expose(),
        header.as_bytes(),
        plaintext.as_bytes(),
    )?;
    let (iv, rest) = sealed.split_at(12);
    let (ciphertext, tag) = rest.split_at(rest.len() - 16);
    Ok(format!(
        "{header}.{}.{}.{}.{}",
        b64url(&wrapped),
        b64url(iv),
        b64url(ciphertext),
        b64url(tag)
    ))
}

/// Opens the `cnf.jwe` of a token with the relying party's key: the proof key.
pub fn decrypt_key(jwe: &str, service_key: &RsaPrivateKey) -> Result<SecretBytes, Error> {
    let bad = Error::Token {
        what: "jwt: cnf.jwe not acceptable",
    };
    let parts: Vec<&str> = jwe.split('.').collect();
    let [header, wrapped, iv, ciphertext, tag] = parts.as_slice() else {
        return Err(bad);
    };
    let h: Value = serde_json::from_slice(&b64url_decode(header)?).map_err(|_| Error::Token {
        what: "jwt: cnf.jwe header not JSON",
    })?;
    if h.get("alg").and_then(Value::as_str) != Some("RSA-OAEP")
        || h.get("enc").and_then(Value::as_str) != Some("A256GCM")
        || h.get("zip").is_some()
    {
        return Err(Error::Token {
            what: "jwt: cnf.jwe algorithms not supported",
        });
    }
    let cek = service_key.oaep_decrypt(&OaepParams::sha1(), &b64url_decode(wrapped)?)?;
    let (iv, tag) = (b64url_decode(iv)?, b64url_decode(tag)?);
    if cek.len() != 32 || iv.len() != 12 || tag.len() != 16 {
        return Err(bad);
    }
    let mut sealed = iv;
    sealed.extend_from_slice(&b64url_decode(ciphertext)?);
    sealed.extend_from_slice(&tag);
    let plain = crypto::decrypt_with_aad(
        BlockCipher::Aes256Gcm,
        cek.expose(),
        header.as_bytes(),
        &sealed,
    )?;
    #[derive(serde::Deserialize)]
    struct Oct {
        kty: String,
        k: String,
    }
    let mut jwk: Oct = serde_json::from_slice(plain.expose()).map_err(|_| Error::Token {
        what: "jwt: cnf.jwe content not a JWK",
    })?;
    let key = if jwk.kty == "oct" {
        URL_SAFE_NO_PAD.decode(&jwk.k).ok().map(SecretBytes::new)
    } else {
        None
    };
    jwk.k.zeroize();
    key.filter(|k| !k.is_empty()).ok_or(Error::Token {
        what: "jwt: cnf.jwe holds no symmetric key",
    })
}

/// Writes the `wsse:BinarySecurityToken` carrying `compact` (base64 of its text).
pub fn write_binary_security_token(w: &mut Writer, id: &str, compact: &str) {
    w.start(ns::WSSE, "BinarySecurityToken");
    w.attr(ns::WSU, "Id", id);
    w.attr("", "ValueType", JWT_TOKEN_TYPE);
    w.attr("", "EncodingType", wss::value_type::BASE64);
    w.text(&STANDARD.encode(compact.as_bytes()));
    w.end();
}

/// True when `el` is a `wsse:BinarySecurityToken` holding a JWT.
pub fn is_jwt_element(doc: &Document, el: NodeId) -> bool {
    doc.is(el, ns::WSSE, "BinarySecurityToken")
        && doc
            .attribute(el, "", "ValueType")
            .is_some_and(|v| v.trim() == JWT_TOKEN_TYPE)
}

/// The compact JWT a `wsse:BinarySecurityToken` carries (its text base64-decoded; a text that
/// is already a compact JWT, as some clients send it, is taken as it is).
pub fn compact_of_element(doc: &Document, el: NodeId) -> Result<String, Error> {
    if !is_jwt_element(doc, el) {
        return Err(Error::Token {
            what: "not a JWT binary security token",
        });
    }
    let text: String = doc
        .text(el)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if text.len() > MAX_JWT_LEN * 2 {
        return Err(Error::Token {
            what: "jwt: too long",
        });
    }
    if text.starts_with("eyJ") && text.matches('.').count() == 2 {
        return Ok(text);
    }
    let bytes = STANDARD.decode(text.as_bytes()).map_err(|_| Error::Token {
        what: "jwt: binary security token is not base64",
    })?;
    String::from_utf8(bytes).map_err(|_| Error::Token {
        what: "jwt: not text",
    })
}

/// How a validated JWT binds its presenter.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum JwtProof {
    /// No `cnf`.
    Bearer,
    /// `cnf.jwk`.
    PublicKey(RsaPublicKey),
    /// `cnf.jwe` (and `kid`): the key, when a service key opened it.
    Symmetric {
        /// `cnf.kid`.
        kid: Option<String>,
        /// The proof key (`None` when no service key was given: the issuer's view).
        key: Option<SecretBytes>,
    },
}

/// What a valid JWT says.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ValidatedJwt {
    /// `jti`.
    pub id: String,
    /// `iss`.
    pub issuer: String,
    /// `aud` (one or more).
    pub audiences: Vec<String>,
    /// `sub`.
    pub subject: String,
    /// `act.sub`.
    pub act_as: Option<String>,
    /// `idp`, when a string.
    pub identity_provider: Option<String>,
    /// `iat`, ms.
    pub issued_at_ms: i64,
    /// `nbf`, ms (`iat` when absent).
    pub not_before_ms: i64,
    /// `exp`, ms.
    pub expires_ms: i64,
    /// Other claims with string values (by claim-type URI).
    pub claims: Vec<Claim>,
    /// `cnf`.
    pub proof: JwtProof,
}

/// Why a JWT was refused, for callers that answer differently (WS-Trust Validate's reason
/// codes).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JwtError {
    /// `exp` (with skew) has passed.
    #[error("jwt: expired")]
    Expired,
    /// `nbf` (with skew) is still ahead.
    #[error("jwt: not yet valid")]
    NotYetValid,
    /// Any other rule (signature, issuer, audience, format).
    #[error("{0}")]
    Refused(#[from] Error),
}

impl From<JwtError> for Error {
    fn from(e: JwtError) -> Self {
        match e {
            JwtError::Expired => Self::Token {
                what: "jwt: expired",
            },
            JwtError::NotYetValid => Self::Token {
                what: "jwt: not yet valid",
            },
            JwtError::Refused(e) => e,
        }
    }
}

/// What a JWT must satisfy.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct JwtPolicy<'a> {
    /// Certificates whose key may have signed it.
    pub issuers: &'a [Certificate],
    /// The `iss` required; `None`: any (still required to be present).
    pub issuer_name: Option<&'a str>,
    /// One of these must be in `aud`; empty: `aud` is read, not matched (the issuer's own
    /// view, as the STS's Validate binding checks its word).
    pub audiences: &'a [String],
    /// Now, ms since the epoch.
    pub now_ms: i64,
    /// Allowed clock skew, ms. Default: 300 000.
    pub skew_ms: i64,
    /// Opens `cnf.jwe`; `None`: the key stays sealed.
    pub service_key: Option<&'a RsaPrivateKey>,
}

impl<'a> JwtPolicy<'a> {
    /// A policy trusting `issuers` for `audiences` at `now_ms`, default skew, no service key.
    pub fn new(issuers: &'a [Certificate], audiences: &'a [String], now_ms: i64) -> Self {
        Self {
            issuers,
            issuer_name: None,
            audiences,
            now_ms,
            skew_ms: 300_000,
            service_key: None,
        }
    }
}

fn time_claim(claims: &Map<String, Value>, name: &'static str) -> Result<Option<i64>, Error> {
    match claims.get(name) {
        None => Ok(None),
        Some(v) => v
            .as_i64()
            .or_else(|| v.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))
            .map(|s| Some(s.saturating_mul(1000)))
            .ok_or(Error::Token {
                what: "jwt: a time claim is not a number",
            }),
    }
}

/// Validates compact JWT `token` against `policy`: the RS256 signature by one of the issuers'
/// certificates (the one the header's `x5t`/`kid` names, else each in turn), `iss`, `aud`,
/// `exp` and `nbf` with skew, and `cnf`.
pub fn validate(token: &str, policy: &JwtPolicy<'_>) -> Result<ValidatedJwt, JwtError> {
    let token = token.trim();
    if token.len() > MAX_JWT_LEN {
        return Err(Error::Token {
            what: "jwt: too long",
        }
        .into());
    }
    let header = jsonwebtoken::decode_header(token).map_err(|_| Error::Token {
        what: "jwt: header not acceptable",
    })?;
    if header.alg != Algorithm::RS256 {
        return Err(Error::Token {
            what: "jwt: algorithm not accepted (RS256 only)",
        }
        .into());
    }
    let named = header.x5t.as_ref().or(header.kid.as_ref());
    let mut candidates: Vec<&Certificate> = policy
        .issuers
        .iter()
        .filter(|c| named.is_some_and(|n| *n == x5t(c)))
        .collect();
    if candidates.is_empty() {
        candidates = policy.issuers.iter().collect();
    }
    let mut validation = Validation::new(Algorithm::RS256);
    // Times are checked below against the caller's clock, not the system's.
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.required_spec_claims = ["exp", "iss", "aud", "sub"]
        .into_iter()
        .map(str::to_owned)
        .collect();
    if policy.audiences.is_empty() {
        validation.validate_aud = false;
    } else {
        validation.set_audience(policy.audiences);
    }
    if let Some(i) = policy.issuer_name {
        validation.set_issuer(&[i]);
    }
    let mut claims = None;
    let mut reason = "jwt: signature not by a trusted issuer";
    for c in candidates {
        let k = c.public_key();
        let key = DecodingKey::from_rsa_raw_components(k.modulus_be(), k.exponent_be());
        match jsonwebtoken::decode::<Map<String, Value>>(token, &key, &validation) {
            Ok(d) => {
                claims = Some(d.claims);
                break;
            }
            Err(e) => {
                use jsonwebtoken::errors::ErrorKind as K;
                match e.kind() {
                    K::InvalidSignature => {}
                    K::InvalidAudience => reason = "jwt: another audience",
                    K::InvalidIssuer => reason = "jwt: another issuer",
                    K::MissingRequiredClaim(_) => reason = "jwt: a required claim is missing",
                    _ => reason = "jwt: not acceptable",
                }
            }
        }
    }
    let claims = claims.ok_or(Error::Token { what: reason })?;
    read_claims(&claims, policy)
}

fn read_claims(
    claims: &Map<String, Value>,
    policy: &JwtPolicy<'_>,
) -> Result<ValidatedJwt, JwtError> {
    let text = |name: &'static str| claims.get(name).and_then(Value::as_str).map(str::to_owned);
    let expires_ms = time_claim(claims, "exp")?.ok_or(Error::Token {
        what: "jwt: no exp",
    })?;
    let issued_at_ms = time_claim(claims, "iat")?;
    let not_before_ms = time_claim(claims, "nbf")?.or(issued_at_ms);
    if policy.now_ms >= expires_ms.saturating_add(policy.skew_ms) {
        return Err(JwtError::Expired);
    }
    if let Some(nbf) = not_before_ms {
        if policy.now_ms.saturating_add(policy.skew_ms) < nbf {
            return Err(JwtError::NotYetValid);
        }
    }
    let audiences = match claims.get("aud") {
        Some(Value::String(a)) => vec![a.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    };
    let proof = match claims.get("cnf") {
        None => JwtProof::Bearer,
        Some(Value::Object(cnf)) => {
            if let Some(jwk) = cnf.get("jwk") {
                let part = |n: &str| -> Result<Vec<u8>, Error> {
                    b64url_decode(jwk.get(n).and_then(Value::as_str).unwrap_or(""))
                };
                if jwk.get("kty").and_then(Value::as_str) != Some("RSA") {
                    return Err(Error::Token {
                        what: "jwt: cnf.jwk is not an RSA key",
                    }
                    .into());
                }
                JwtProof::PublicKey(
                    RsaPublicKey::from_components(&part("n")?, &part("e")?).map_err(Error::from)?,
                )
            } else if let Some(jwe) = cnf.get("jwe").and_then(Value::as_str) {
                let key = match policy.service_key {
                    Some(k) => Some(decrypt_key(jwe, k)?),
                    None => None,
                };
                JwtProof::Symmetric {
                    kid: cnf.get("kid").and_then(Value::as_str).map(str::to_owned),
                    key,
                }
            } else {
                return Err(Error::Token {
                    what: "jwt: cnf names no key we can use",
                }
                .into());
            }
        }
        Some(_) => {
            return Err(Error::Token {
                what: "jwt: cnf is not an object",
            }
            .into())
        }
    };
    let mut other = Vec::new();
    for (name, value) in claims {
        if REGISTERED.contains(&name.as_str()) {
            continue;
        }
        let values: Vec<String> = match value {
            Value::String(s) => vec![s.clone()],
            Value::Array(a) => a
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            _ => continue,
        };
        if !values.is_empty() {
            other.push(Claim::new(name.clone(), values));
        }
    }
    Ok(ValidatedJwt {
        id: text("jti").unwrap_or_default(),
        issuer: text("iss").unwrap_or_default(),
        audiences,
        subject: text("sub").ok_or(Error::Token {
            what: "jwt: sub is not a string",
        })?,
        act_as: claims
            .get("act")
            .and_then(|a| a.get("sub"))
            .and_then(Value::as_str)
            .map(str::to_owned),
        identity_provider: text("idp"),
        issued_at_ms: issued_at_ms.unwrap_or(expires_ms),
        not_before_ms: not_before_ms.unwrap_or(i64::MIN),
        expires_ms,
        claims: other,
        proof,
    })
}

/// Validates JWTs (carried in a `wsse:BinarySecurityToken`, or given compact) issued by
/// trusted STS certificates for one service: the [`IssuedTokenValidator`] that lets
/// [`Validator::validate_token`](super::Validator::validate_token) accept them.
#[derive(Clone, Debug)]
pub struct JwtTokenValidator {
    issuers: Vec<Certificate>,
    audiences: Vec<String>,
    service_key: RsaPrivateKey,
    /// The `iss` required. Default: none (any issuer name, still required).
    pub issuer_name: Option<String>,
    /// Allowed clock skew, milliseconds. Default: 300 000.
    pub skew_ms: i64,
}

impl JwtTokenValidator {
    /// Trusts JWTs signed by one of `sts_certs` naming one of `audiences`; `cnf.jwe` keys are
    /// opened with `service_key`.
    pub fn new<A: Into<String>>(
        sts_certs: &[Certificate],
        audiences: impl IntoIterator<Item = A>,
        service_key: RsaPrivateKey,
    ) -> Self {
        Self {
            issuers: sts_certs.to_vec(),
            audiences: audiences.into_iter().map(Into::into).collect(),
            service_key,
            issuer_name: None,
            skew_ms: 300_000,
        }
    }

    /// The validator matching a service's configuration (STS certificates, audience, key,
    /// clock skew).
    pub fn from_config(cfg: &ValidatorConfig) -> Self {
        let mut v = Self::new(
            &cfg.sts_certs,
            [cfg.audience.clone()],
            cfg.service_key.clone(),
        );
        v.skew_ms = cfg.inbound.clock_skew_secs.saturating_mul(1000);
        v
    }

    /// Validates compact JWT `token` at `now_ms`.
    pub fn validate_compact(&self, token: &str, now_ms: i64) -> Result<ValidatedJwt, JwtError> {
        let mut policy = JwtPolicy::new(&self.issuers, &self.audiences, now_ms);
        policy.issuer_name = self.issuer_name.as_deref();
        policy.skew_ms = self.skew_ms;
        policy.service_key = Some(&self.service_key);
        validate(token, &policy)
    }

    /// Validates compact JWT `token` at `now_ms` into the service's common view.
    pub fn validate_token(&self, token: &str, now_ms: i64) -> Result<ValidatedToken, Error> {
        let j = self.validate_compact(token, now_ms)?;
        let (key, confirmation) = match j.proof {
            JwtProof::Bearer => (None, TokenConfirmation::Bearer),
            JwtProof::PublicKey(k) => (
                None,
                TokenConfirmation::PublicKey(PublicKeyInfo::RsaKeyValue(k)),
            ),
            JwtProof::Symmetric { key, .. } => (key, TokenConfirmation::SymmetricKey),
        };
        Ok(ValidatedToken {
            token_type: JWT_TOKEN_TYPE.to_owned(),
            identifier: j.id,
            instance: None,
            issuer: j.issuer,
            principal: j.subject,
            act_as: j.act_as,
            claims: j
                .claims
                .iter()
                .flat_map(|c| c.values.iter().map(|v| (c.uri.clone(), v.clone())))
                .collect(),
            expires_ms: j.expires_ms,
            key,
            confirmation,
        })
    }
}

impl IssuedTokenValidator for JwtTokenValidator {
    fn accepts(&self, doc: &Document, el: NodeId) -> bool {
        is_jwt_element(doc, el)
    }

    fn validate(&self, doc: &Document, el: NodeId, now_ms: i64) -> Result<ValidatedToken, Error> {
        let compact = compact_of_element(doc, el)?;
        self.validate_token(&compact, now_ms)
    }
}

impl ValidatorConfig {
    /// Adds a [`JwtTokenValidator`] built from this configuration, so that
    /// [`Validator::validate_token`](super::Validator::validate_token) accepts JWTs from the
    /// same STS for the same audience.
    pub fn with_jwt(mut self) -> Self {
        let v = JwtTokenValidator::from_config(&self);
        self.token_validators.push(Box::new(v));
        self
    }
}

/// A fingerprint naming a proof key without revealing it (`cnf.kid`): base64url of the first
/// 16 bytes of SHA-256 over a label and the key.
pub fn proof_key_id(key: &SecretBytes) -> String {
    let mut input = Zeroizing::new(b"wstrust-jwt-pop:".to_vec());
    input.extend_from_slice(key.expose());
    b64url(&digest(DigestAlgorithm::Sha256, &input)[..16])
}
