//! The proof-key decision (issue 16 item 2), made once for every Issue: how the new token is
//! bound to its holder and how the holder gets its key, from the request's key parameters
//! (`wst:KeyType`, `wst:Entropy`, `wst:KeySize`, `wst:ComputedKeyAlgorithm`, `wst:UseKey`),
//! the kind of token chosen ([`choose`](super::tokens)), what the requester authenticated with
//! and the channel. [`decide`] is a pure function over those facts; every refusal of a key
//! choice is made here, and the whole table is tested below.
//!
//! | key type | token | proof |
//! | --- | --- | --- |
//! | none, `SymmetricKey` | SCT, provider | a symmetric key: the issuer's, the requester's entropy, or computed from both (`CK/PSHA1`), as the realm's [`KeyPolicy`] says |
//! | `PublicKey` | provider | the key of `wst:UseKey`, else the certificate of the requester's X.509 signature |
//! | `Bearer` | provider | none |
//! | `PublicKey`, `Bearer`, other | SCT | refused: a security context always carries a symmetric key |
//!
//! A symmetric key reaches the requester ([`Delivery`]) encrypted for its certificate, else in
//! the clear inside a reply the channel keeps confidential, else (security contexts only)
//! inside a reply encrypted under the context key the requester authenticated with; a key the
//! requester made itself needs none of these. With none available the request is refused
//! rather than the key sent in the clear.

use crate::trust::{ComputedKeyAlgorithm, KeyType, Parameters};

use super::keys::{self, KeyMaterial, KeyPolicy};
use super::tokens::TokenKind;
use super::Error;

/// The key parameters of a request, as far as the decision needs them.
#[derive(Clone, Copy, Debug)]
pub(crate) struct KeyRequest<'a> {
    pub(crate) key_type: Option<&'a KeyType>,
    pub(crate) entropy: Given<'a>,
    pub(crate) computed_key_algorithm: Option<&'a ComputedKeyAlgorithm>,
    pub(crate) key_size: Option<u32>,
    pub(crate) use_key: bool,
}

/// The requester's `wst:Entropy`.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Given<'a> {
    /// None sent.
    None,
    /// A `wst:BinarySecret`'s octets.
    Secret(&'a [u8]),
    /// Entropy in another form (an `xenc:EncryptedKey`, anything else): not supported.
    Other,
}

impl<'a> KeyRequest<'a> {
    /// The key parameters of `params`.
    pub(crate) fn of(params: &'a Parameters) -> Self {
        Self {
            key_type: params.key_type.as_ref(),
            entropy: match &params.entropy {
                None => Given::None,
                Some(e) => e
                    .binary_secret()
                    .map_or(Given::Other, |b| Given::Secret(b.value.expose())),
            },
            computed_key_algorithm: params.computed_key_algorithm.as_ref(),
            key_size: params.key_size,
            use_key: params.use_key.is_some(),
        }
    }

    /// The requester's entropy octets (`None`: none sent), refusing any other form.
    pub(crate) fn entropy(&self) -> Result<Option<&'a [u8]>, Error> {
        match self.entropy {
            Given::None => Ok(None),
            Given::Secret(s) => Ok(Some(s)),
            Given::Other => Err(Error::InvalidRequest {
                what: "encrypted requester entropy is not supported",
            }),
        }
    }
}

/// What the requester brings that can carry a key back to it.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Holder {
    /// A certificate signed the request (the key can be encrypted for it).
    pub(crate) cert: bool,
    /// The reply is confidential: TLS, or a request encrypted under a key the reply uses.
    pub(crate) confidential: bool,
    /// The requester authenticated with a security context's key (a reply can be encrypted
    /// under it).
    pub(crate) context_key: bool,
}

/// How an issued token is bound to its holder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ProofChoice {
    /// No proof key.
    Bearer,
    /// A public key of the requester's.
    PublicKey(PublicKeySource),
    /// A symmetric proof key.
    Symmetric(Symmetric),
}

/// Where a holder-of-key public key comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PublicKeySource {
    /// The key in `wst:UseKey`.
    UseKey,
    /// The certificate of the requester's X.509 signature.
    SigningCertificate,
}

/// A symmetric proof key to make.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Symmetric {
    pub(crate) material: KeyMaterial,
    pub(crate) bits: u32,
    pub(crate) delivery: Delivery,
}

/// How the requester's copy of a symmetric key travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Delivery {
    /// Encrypted for the requester's certificate (`xenc:EncryptedKey`).
    ForCertificate,
    /// In the clear, inside a reply the channel keeps confidential.
    Confidential,
    /// Inside a reply encrypted under the requester's security-context key.
    UnderContextKey,
    /// Nothing to send: the requester made the key.
    Nothing,
}

/// Decides the proof of a new token of `kind` for `req` (see the module table). `default_bits`
/// is the realm's key size.
pub(crate) fn decide(
    req: &KeyRequest<'_>,
    kind: TokenKind<'_>,
    holder: Holder,
    policy: &KeyPolicy,
    default_bits: u32,
) -> Result<ProofChoice, Error> {
    let key_type = req.key_type.unwrap_or(&KeyType::SymmetricKey);
    let provider = match kind {
        TokenKind::Sct if *key_type == KeyType::SymmetricKey => None,
        TokenKind::Sct => {
            return Err(Error::InvalidRequest {
                what: "a security context needs a symmetric key",
            })
        }
        TokenKind::Provider(p) => Some(p),
    };
    if let KeyType::Unknown(_) = key_type {
        return Err(Error::InvalidRequest {
            what: "unknown key type",
        });
    }
    if provider.is_some_and(|p| !p.supports(key_type)) {
        return Err(Error::InvalidRequest {
            what: "key type not supported for this token type",
        });
    }
    match key_type {
        KeyType::Bearer => Ok(ProofChoice::Bearer),
        KeyType::PublicKey if req.use_key => Ok(ProofChoice::PublicKey(PublicKeySource::UseKey)),
        KeyType::PublicKey if holder.cert => {
            Ok(ProofChoice::PublicKey(PublicKeySource::SigningCertificate))
        }
        KeyType::PublicKey => Err(Error::InvalidRequest {
            what: "a public key token needs UseKey or an X.509 signature",
        }),
        _ => {
            let (material, bits) = symmetric(req, policy, default_bits)?;
            let delivery = if holder.cert {
                Delivery::ForCertificate
            } else if holder.confidential {
                Delivery::Confidential
            } else if holder.context_key && provider.is_none() {
                Delivery::UnderContextKey
            } else if material == KeyMaterial::Requester {
                Delivery::Nothing
            } else {
                return Err(Error::InvalidRequest {
                    what: "no way to deliver the proof key confidentially",
                });
            };
            Ok(ProofChoice::Symmetric(Symmetric {
                material,
                bits,
                delivery,
            }))
        }
    }
}

/// Where a symmetric key comes from and its size, with the requester's entropy checked against
/// both: also what a renewal with a new key decides (`renew`).
pub(crate) fn symmetric(
    req: &KeyRequest<'_>,
    policy: &KeyPolicy,
    default_bits: u32,
) -> Result<(KeyMaterial, u32), Error> {
    keys::check_computed_key_algorithm(req.computed_key_algorithm)?;
    let entropy = req.entropy()?;
    let material = keys::decide(entropy, policy)?;
    let bits = keys::key_size_bits(req.key_size, default_bits)?;
    keys::check_entropy(material, entropy, bits)?;
    Ok((material, bits))
}

#[cfg(test)]
mod tests;
