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
use serde_json::{json, Value};
use zeroize::Zeroizing;

use crate::crypto::{digest, DigestAlgorithm, RsaPublicKey, SecretBytes};
use crate::pki::Certificate;
use crate::trust::JWT_TOKEN_TYPE;
use crate::wss;
use crate::xml::{ns, Document, NodeId, Writer};

use super::Error;

mod issuing;
mod jwe;
mod validation;
mod validator;

pub use issuing::{issue, JwtConfirmation, JwtContent};
pub use jwe::decrypt_key;
pub use validation::{validate, JwtError, JwtPolicy, JwtProof, ValidatedJwt};
pub use validator::JwtTokenValidator;

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

fn json_b64<T: serde::Serialize>(v: &T) -> Result<String, Error> {
    serde_json::to_vec(v)
        .map(|j| b64url(&j))
        .map_err(|_| Error::Token {
            what: "jwt: not serializable",
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

/// A fingerprint naming a proof key without revealing it (`cnf.kid`): base64url of the first
/// 16 bytes of SHA-256 over a label and the key.
pub fn proof_key_id(key: &SecretBytes) -> String {
    let mut input = Zeroizing::new(b"wstrust-jwt-pop:".to_vec());
    input.extend_from_slice(key.expose());
    b64url(&digest(DigestAlgorithm::Sha256, &input)[..16])
}
