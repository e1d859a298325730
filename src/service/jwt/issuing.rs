//! The JWTs our STS issues: their content and the signed compact JWS.

use jsonwebtoken::{Algorithm, Header};
use serde_json::{json, Map, Value};

use super::jwe::encrypt_key;
use super::{b64url, json_b64, rsa_jwk, seconds, x5t, REGISTERED};
use crate::crypto::{RsaPrivateKey, RsaPublicKey, SecretBytes, SignatureAlgorithm};
use crate::pki::Certificate;
use crate::saml::Claim;
use crate::service::Error;

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
