//! Key exchange in the style of Netflix MSL: an entity asks for session keys with
//! `keyrequestdata {scheme, keydata}` and receives `keyresponsedata {mastertoken, scheme,
//! keydata}`; the master token carries the session keys sealed under the STS token key and is
//! renewed under MSL's lifecycle rules.
//!
//! Responsibility: the two schemes (`ASYMMETRIC_WRAPPED` with RSA-OAEP, `DH` with the RFC 7919
//! groups and X25519), master token sealing and opening with rotating key ids, the renewal
//! lifecycle (pure [`lifecycle::decide`] plus the store-backed sequence check), the requester's
//! side ([`client`]), the STS side ([`server`]) and the JSON ([`json`]) and XML ([`xml`]) wire
//! forms. No transport, no policy about who may ask: callers authenticate entities and pass
//! the identity in. `docs/msl.md` maps MSL's fields and rules to ours.
//!
//! Integration sketch (engine/server):
//!
//! ```text
//! request  = keyx::json::parse_request(body)?  |  keyx::xml::read_key_request_data(doc, node)?
//! identity = <authenticate request.auth / WS-Security>  (keyx::verify_x509_authdata helps)
//! sts      = keyx::server::Sts { keys: &token_keys, policy: &policy, store: &*store }
//! response = sts.respond(&request, &identity, now)?           // new master token
//! outcome  = sts.renew(&request, authenticated_identity, now)?  // renewal
//! body     = keyx::json::write_response(&response)  |  keyx::xml::write_key_response(w, &response)
//! error    → keyx::json::write_error(&e)  (stable codes: ErrorCode::as_str)
//! ```
//!
//! May use: `crypto`, `pki`, `xml`, `store`.

pub mod carried;
pub mod client;
pub mod dh;
mod error;
mod ffdh;
pub mod json;
pub mod lifecycle;
mod model;
pub mod server;
pub mod token;
pub mod xml;

pub use error::{ErrorCode, KeyxError, Result};
pub use model::{
    AuthData, KeyRequest, KeyRequestData, KeyResponse, KeyResponseData, MasterToken, Mechanism,
    RenewOutcome, Renewal, Scheme, SessionKeys, ENCRYPTION_KEY_LEN, HMAC_KEY_LEN, MAC_LEN,
};
pub use token::{
    open as open_master_token, seal as seal_master_token, verify_message_mac, MasterTokenClaims,
    MasterTokenKeys,
};

use crate::crypto::SignatureAlgorithm;
use crate::pki::Certificate;

/// Checks the `X509` entity authentication of `request`: the certificate parses, holds an RSA
/// key of at least 2048 bits, and its key verifies the RSA-SHA256 signature over
/// [`KeyRequest::signing_input`]. Returns the certificate; whether it is trusted (path,
/// validity, usage) is for the caller to decide with [`crate::pki::TrustStore`].
///
/// Errors: `ENTITYAUTH_UNKNOWN_SCHEME` when the request carries no X.509 authdata,
/// `ENTITYAUTH_FAILED` otherwise.
pub fn verify_x509_authdata(request: &KeyRequest) -> Result<Certificate> {
    let Some(AuthData::X509 {
        certificate,
        signature,
    }) = &request.auth
    else {
        return Err(KeyxError::new(
            ErrorCode::UnknownAuthScheme,
            "request carries no x509 authdata",
        ));
    };
    let failed = |detail| KeyxError::new(ErrorCode::AuthFailed, detail);
    let cert =
        Certificate::from_der(certificate).map_err(|_| failed("certificate does not parse"))?;
    if cert.public_key().modulus_bits() < server::MIN_RSA_BITS {
        return Err(failed("certificate key shorter than 2048 bits"));
    }
    cert.public_key()
        .verify(
            SignatureAlgorithm::RsaSha256,
            &request.signing_input(),
            signature,
        )
        .map_err(|_| failed("authdata signature does not verify"))?;
    Ok(cert)
}
