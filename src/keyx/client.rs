//! The requester's side, without transport: build a key request, keep the private half, and
//! complete the exchange from the response, checking that it answers this request.

use crate::crypto::{OaepParams, RsaPrivateKey, SignatureAlgorithm};

use super::dh::{derive_session_keys, DhGroup, DhPrivateKey};
use super::error::{err, ErrorCode, KeyxError, Result};
use super::model::{
    AuthData, KeyRequest, KeyRequestData, KeyResponse, KeyResponseData, MasterToken, Mechanism,
    RenewOutcome, SessionKeys,
};
use super::server::{check_id, MIN_RSA_BITS};

enum Secret {
    Rsa(RsaPrivateKey),
    Dh(DhPrivateKey),
}

/// The private half of a key request in flight; consumed by [`PendingExchange::complete`].
pub struct PendingExchange {
    data: KeyRequestData,
    secret: Secret,
}

impl std::fmt::Debug for PendingExchange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingExchange")
            .field("scheme", &self.data.scheme())
            .finish_non_exhaustive()
    }
}

/// Builds `ASYMMETRIC_WRAPPED` requests.
#[derive(Debug)]
pub struct AsymmetricWrappedRequest;

// `new` returns the request and its pending half: the two are made together.
#[allow(clippy::new_ret_no_self)]
impl AsymmetricWrappedRequest {
    /// A request with a fresh RSA-2048 key pair named `key_pair_id`.
    pub fn new(key_pair_id: &str) -> Result<(KeyRequest, PendingExchange)> {
        let key = RsaPrivateKey::generate(2048)
            .map_err(|_| KeyxError::new(ErrorCode::Internal, "rsa key generation failed"))?;
        Self::with_key(key_pair_id, key)
    }

    /// A request with a given RSA key pair (at least 2048 bits).
    pub fn with_key(
        key_pair_id: &str,
        key: RsaPrivateKey,
    ) -> Result<(KeyRequest, PendingExchange)> {
        check_id(key_pair_id)?;
        if key.modulus_bits() < MIN_RSA_BITS {
            return err(
                ErrorCode::InvalidPublicKey,
                "rsa key shorter than 2048 bits",
            );
        }
        let data = KeyRequestData::AsymmetricWrapped {
            key_pair_id: key_pair_id.to_owned(),
            mechanism: Mechanism::Rsa,
            public_key: key.public_key().spki_der(),
        };
        Ok((
            KeyRequest::new(data.clone()),
            PendingExchange {
                data,
                secret: Secret::Rsa(key),
            },
        ))
    }
}

/// Builds `DH` requests.
#[derive(Debug)]
pub struct DhRequest;

#[allow(clippy::new_ret_no_self)]
impl DhRequest {
    /// A request with a fresh ephemeral key in `group`.
    pub fn new(group: DhGroup) -> Result<(KeyRequest, PendingExchange)> {
        let key = DhPrivateKey::generate(group)?;
        let data = KeyRequestData::DiffieHellman {
            parameters_id: group.id().to_owned(),
            public_key: key.public_value()?,
        };
        Ok((
            KeyRequest::new(data.clone()),
            PendingExchange {
                data,
                secret: Secret::Dh(key),
            },
        ))
    }
}

fn mismatch<T>(code: ErrorCode, detail: &'static str) -> Result<T> {
    err(code, detail)
}

impl PendingExchange {
    /// The key request data this exchange sent.
    pub fn request_data(&self) -> &KeyRequestData {
        &self.data
    }

    /// Completes the exchange: checks that the response echoes this request's scheme and
    /// key pair id or parameters id, then unwraps or derives the session keys.
    pub fn complete(self, response: &KeyResponse) -> Result<(SessionKeys, MasterToken)> {
        let keys = match (&self.data, &response.data, &self.secret) {
            (
                KeyRequestData::AsymmetricWrapped { key_pair_id, .. },
                KeyResponseData::AsymmetricWrapped {
                    key_pair_id: echoed,
                    encryption_key,
                    hmac_key,
                },
                Secret::Rsa(key),
            ) => {
                if key_pair_id != echoed {
                    return mismatch(
                        ErrorCode::KeyPairIdMismatch,
                        "response key pair id is not the request's",
                    );
                }
                let unwrap = |c: &[u8]| {
                    key.oaep_decrypt(&OaepParams::sha1(), c).map_err(|_| {
                        KeyxError::new(ErrorCode::WrappedKeyInvalid, "wrapped key does not unwrap")
                    })
                };
                SessionKeys::new(unwrap(encryption_key)?, unwrap(hmac_key)?).map_err(|_| {
                    KeyxError::new(
                        ErrorCode::WrappedKeyInvalid,
                        "unwrapped key of the wrong length",
                    )
                })?
            }
            (
                KeyRequestData::DiffieHellman { parameters_id, .. },
                KeyResponseData::DiffieHellman {
                    parameters_id: echoed,
                    public_key,
                },
                Secret::Dh(key),
            ) => {
                if parameters_id != echoed {
                    return mismatch(
                        ErrorCode::ParametersIdMismatch,
                        "response parameters id is not the request's",
                    );
                }
                derive_session_keys(&key.agree(public_key)?)?
            }
            _ => {
                return mismatch(
                    ErrorCode::SchemeMismatch,
                    "response scheme is not the request's",
                )
            }
        };
        Ok((keys, response.master_token.clone()))
    }

    /// Completes a renewal: an unchanged token keeps `current` keys; a renewed one completes
    /// this exchange.
    pub fn complete_renewal(
        self,
        outcome: &RenewOutcome,
        current: SessionKeys,
    ) -> Result<(SessionKeys, MasterToken)> {
        match outcome {
            RenewOutcome::Unchanged(token) => Ok((current, token.clone())),
            RenewOutcome::Renewed(response) => self.complete(response),
        }
    }
}

/// Adds `X509` entity authentication to `request`: an RSA-SHA256 signature over its
/// [`KeyRequest::signing_input`] with `key`, the private key of `certificate_der`. Call after
/// the renewal part (if any) is set.
pub fn sign_x509(
    mut request: KeyRequest,
    certificate_der: &[u8],
    key: &RsaPrivateKey,
) -> Result<KeyRequest> {
    let signature = key
        .sign(SignatureAlgorithm::RsaSha256, &request.signing_input())
        .map_err(|_| KeyxError::new(ErrorCode::Internal, "authdata signing failed"))?;
    request.auth = Some(AuthData::X509 {
        certificate: certificate_der.to_vec(),
        signature,
    });
    Ok(request)
}
