//! Validation of a compact JWT against a [`JwtPolicy`]: signature, issuer, audience, times
//! and `cnf`.

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};

use super::jwe::decrypt_key;
use super::{b64url_decode, x5t, MAX_JWT_LEN, REGISTERED};
use crate::crypto::{RsaPrivateKey, RsaPublicKey, SecretBytes};
use crate::pki::Certificate;
use crate::saml::Claim;
use crate::service::Error;

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
