//! The `cnf.jwe` of a holder-of-key JWT: the proof key as a symmetric JWK in a compact JWE
//! (RSA-OAEP, A256GCM) for the relying party's certificate.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Value};
use zeroize::{Zeroize, Zeroizing};

use super::{b64url, b64url_decode, json_b64, x5t};
use crate::crypto::{self, BlockCipher, OaepParams, RsaPrivateKey, SecretBytes};
use crate::pki::Certificate;
use crate::service::Error;

/// The compact JWE (RSA-OAEP, A256GCM) of the symmetric JWK of `key` for `recipient`.
pub(super) fn encrypt_key(key: &SecretBytes, recipient: &Certificate) -> Result<String, Error> {
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
