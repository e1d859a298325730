//! The STS side: answer a key request with session keys and a new master token, and renew
//! master tokens under the lifecycle rules of [`super::lifecycle`].
//!
//! Entity authentication is the caller's: [`Sts::respond`] is called with the identity the
//! caller has authenticated (from `authdata`, WS-Security, TLS ...), and renewals take the
//! authenticated identity, if any. Session-key proof of possession is either checked here
//! ([`Sts::renew`], from the request's `mac`) or by the caller ([`Sts::renew_opened`], e.g.
//! from an XML signature made with the session HMAC key).

use crate::crypto::{random_bytes, random_secret, OaepParams, RsaPublicKey, SecretBytes};
use crate::store::{Space, TokenStore};

use super::dh::{derive_session_keys, DhGroup, DhPrivateKey};
use super::error::{err, ErrorCode, KeyxError, Result};
use super::lifecycle::{self, check_sequence, decide, sequence_key, Proof, RenewalDecision};
use super::model::{
    KeyRequest, KeyRequestData, KeyResponse, KeyResponseData, MasterToken, Mechanism, RenewOutcome,
    SessionKeys, ENCRYPTION_KEY_LEN, HMAC_KEY_LEN,
};
use super::token::{open, seal, MasterTokenClaims, MasterTokenKeys, MAX_NAME, MAX_NUMBER};

/// Smallest RSA key accepted for wrapping, in bits.
pub const MIN_RSA_BITS: usize = 2048;

/// Token lifetimes and the issuer name.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Policy {
    /// Issuer written into master tokens.
    pub issuer: String,
    /// Seconds from issue until the renewal window opens. Default: 43 200 (12 h).
    pub renewal_window_secs: i64,
    /// Seconds from issue until expiration. Default: 86 400 (24 h).
    pub lifetime_secs: i64,
    /// Seconds after expiration that the newest sequence number of a serial is remembered
    /// (how long an expired token can still be renewed with entity authentication).
    /// Default: 2 592 000 (30 days).
    pub retention_secs: i64,
}

impl Policy {
    /// The default lifetimes with `issuer`.
    pub fn new(issuer: &str) -> Self {
        Self {
            issuer: issuer.to_owned(),
            renewal_window_secs: 43_200,
            lifetime_secs: 86_400,
            retention_secs: 2_592_000,
        }
    }

    fn times(&self, now: i64) -> Result<(i64, i64, i64)> {
        let window = now.checked_add(self.renewal_window_secs);
        let exp = now.checked_add(self.lifetime_secs);
        match (window, exp) {
            (Some(w), Some(e)) if self.renewal_window_secs >= 0 && e >= w => {
                let keep_ms = e
                    .saturating_add(self.retention_secs.max(0))
                    .saturating_mul(1000);
                Ok((w, e, keep_ms))
            }
            _ => err(ErrorCode::Internal, "invalid master token policy"),
        }
    }
}

/// The STS's key exchange state: token keys, policy and the shared token store.
#[derive(Clone, Copy)]
pub struct Sts<'a> {
    /// The master token keys.
    pub keys: &'a MasterTokenKeys,
    /// Lifetimes and issuer.
    pub policy: &'a Policy,
    /// Where the newest sequence number of each serial is kept.
    pub store: &'a dyn TokenStore,
}

impl std::fmt::Debug for Sts<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sts")
            .field("policy", self.policy)
            .finish_non_exhaustive()
    }
}

fn internal(_: crate::crypto::Error) -> KeyxError {
    KeyxError::new(ErrorCode::Internal, "random generator failed")
}

/// Performs the server half of the exchange: new session keys and the response key data.
pub fn exchange(data: &KeyRequestData) -> Result<(SessionKeys, KeyResponseData)> {
    match data {
        KeyRequestData::AsymmetricWrapped {
            key_pair_id,
            mechanism,
            public_key,
        } => {
            if *mechanism != Mechanism::Rsa {
                return err(
                    ErrorCode::UnsupportedMechanism,
                    "only the rsa mechanism is supported",
                );
            }
            check_id(key_pair_id)?;
            let key = RsaPublicKey::from_spki_der(public_key).map_err(|_| {
                KeyxError::new(ErrorCode::InvalidPublicKey, "not an rsa public key")
            })?;
            if key.modulus_bits() < MIN_RSA_BITS {
                return err(
                    ErrorCode::InvalidPublicKey,
                    "rsa public key shorter than 2048 bits",
                );
            }
            let session = SessionKeys::new(
                random_secret(ENCRYPTION_KEY_LEN).map_err(internal)?,
                random_secret(HMAC_KEY_LEN).map_err(internal)?,
            )?;
            let wrap = |k: &SecretBytes| {
                key.oaep_encrypt(&OaepParams::sha1(), k.expose())
                    .map_err(|_| {
                        KeyxError::new(ErrorCode::InvalidPublicKey, "rsa-oaep wrap failed")
                    })
            };
            let response = KeyResponseData::AsymmetricWrapped {
                key_pair_id: key_pair_id.clone(),
                encryption_key: wrap(&session.encryption)?,
                hmac_key: wrap(&session.hmac)?,
            };
            Ok((session, response))
        }
        KeyRequestData::DiffieHellman {
            parameters_id,
            public_key,
        } => {
            let group = DhGroup::from_id(parameters_id)?;
            let ours = DhPrivateKey::generate(group)?;
            let shared = ours.agree(public_key)?;
            let session = derive_session_keys(&shared)?;
            let response = KeyResponseData::DiffieHellman {
                parameters_id: parameters_id.clone(),
                public_key: ours.public_value()?,
            };
            Ok((session, response))
        }
    }
}

/// Key pair ids are non-empty, at most 256 bytes, without control characters.
pub(crate) fn check_id(id: &str) -> Result<()> {
    if id.is_empty() || id.len() > 256 || id.chars().any(char::is_control) {
        return err(ErrorCode::MalformedRequest, "invalid key pair id");
    }
    Ok(())
}

fn random_serial() -> Result<u64> {
    let b = random_bytes(8).map_err(internal)?;
    let mut a = [0u8; 8];
    a.copy_from_slice(b.get(..8).unwrap_or(&[0; 8]));
    Ok(u64::from_be_bytes(a) & MAX_NUMBER)
}

impl Sts<'_> {
    /// Answers a key request for the authenticated `identity` (a fresh exchange: new serial
    /// number, sequence number 1). Any renewal part of `request` is ignored: use
    /// [`Sts::renew`] for that.
    pub fn respond(&self, request: &KeyRequest, identity: &str, now: i64) -> Result<KeyResponse> {
        if identity.is_empty() || identity.len() > MAX_NAME {
            return err(ErrorCode::Internal, "identity empty or too long");
        }
        let (window, expiration, keep_ms) = self.policy.times(now)?;
        let (session, data) = exchange(&request.data)?;
        for _ in 0..4 {
            let serial = random_serial()?;
            // A fresh serial must not exist yet; advancing it to 1 claims it atomically.
            if self
                .store
                .advance(Space::Sequence, &sequence_key(serial), 1, keep_ms)
                .map_err(lifecycle::store_error)?
            {
                let claims = MasterTokenClaims {
                    renewal_window: window,
                    expiration,
                    sequence_number: 1,
                    serial_number: serial,
                    key_id: self.keys.current_id(),
                    issuer: self.policy.issuer.clone(),
                    identity: identity.to_owned(),
                    session,
                };
                let master_token = seal(&claims, self.keys)?;
                return Ok(KeyResponse { master_token, data });
            }
        }
        err(ErrorCode::Internal, "no free serial number")
    }

    /// Renews the master token in `request.renewal`: opens it, checks the request's MAC
    /// under its session HMAC key (a MAC that is present and wrong is
    /// `MESSAGE_MAC_INVALID`), then follows [`Sts::renew_opened`].
    /// `authenticated_identity` is the entity the caller authenticated for this request, if
    /// any.
    pub fn renew(
        &self,
        request: &KeyRequest,
        authenticated_identity: Option<&str>,
        now: i64,
    ) -> Result<RenewOutcome> {
        let Some(renewal) = &request.renewal else {
            return err(ErrorCode::MalformedRequest, "no master token to renew");
        };
        let claims = open(&renewal.master_token, self.keys)?;
        let session_mac_ok = match &renewal.mac {
            None => false,
            Some(mac) if claims.session.verify_mac(&request.signing_input(), mac) => true,
            Some(_) => {
                return err(
                    ErrorCode::MessageMacInvalid,
                    "renewal mac does not verify under the session key",
                )
            }
        };
        self.renew_opened(
            &renewal.master_token,
            &claims,
            &request.data,
            session_mac_ok,
            authenticated_identity,
            now,
        )
    }

    /// Renews an already opened token (`claims` from [`super::open_master_token`] of
    /// `token`) given the proofs the caller checked: `session_mac_ok` (the request is
    /// authenticated with `claims.session.hmac`) and `authenticated_identity` (must equal the
    /// token's identity, else `MASTERTOKEN_IDENTITY_MISMATCH`).
    pub fn renew_opened(
        &self,
        token: &MasterToken,
        claims: &MasterTokenClaims,
        data: &KeyRequestData,
        session_mac_ok: bool,
        authenticated_identity: Option<&str>,
        now: i64,
    ) -> Result<RenewOutcome> {
        if authenticated_identity.is_some_and(|id| id != claims.identity) {
            return err(
                ErrorCode::MasterTokenIdentityMismatch,
                "authenticated entity is not the master token's identity",
            );
        }
        let proof = Proof {
            session_mac_ok,
            entity_authenticated: authenticated_identity.is_some(),
        };
        check_sequence(claims, self.store)?;
        match decide(claims.renewal_window, claims.expiration, now, proof)? {
            RenewalDecision::Unchanged => Ok(RenewOutcome::Unchanged(token.clone())),
            RenewalDecision::Renew => {
                let next = claims.sequence_number + 1;
                if next > MAX_NUMBER {
                    return err(
                        ErrorCode::MasterTokenSequenceExhausted,
                        "sequence number exhausted; start a new exchange",
                    );
                }
                let (window, expiration, keep_ms) = self.policy.times(now)?;
                let (session, data) = exchange(data)?;
                let renewed = MasterTokenClaims {
                    renewal_window: window,
                    expiration,
                    sequence_number: next,
                    serial_number: claims.serial_number,
                    key_id: self.keys.current_id(),
                    issuer: self.policy.issuer.clone(),
                    identity: claims.identity.clone(),
                    session,
                };
                let master_token = seal(&renewed, self.keys)?;
                if !self
                    .store
                    .advance(
                        Space::Sequence,
                        &sequence_key(claims.serial_number),
                        next,
                        keep_ms,
                    )
                    .map_err(lifecycle::store_error)?
                {
                    return err(
                        ErrorCode::MasterTokenSequenceStale,
                        "a concurrent renewal won",
                    );
                }
                Ok(RenewOutcome::Renewed(KeyResponse { master_token, data }))
            }
        }
    }
}

/// [`Sts::respond`] as a free function.
pub fn respond(
    request: &KeyRequest,
    identity: &str,
    keys: &MasterTokenKeys,
    policy: &Policy,
    now: i64,
    store: &dyn TokenStore,
) -> Result<KeyResponse> {
    Sts {
        keys,
        policy,
        store,
    }
    .respond(request, identity, now)
}

/// [`Sts::renew`] as a free function.
pub fn renew(
    request: &KeyRequest,
    authenticated_identity: Option<&str>,
    keys: &MasterTokenKeys,
    policy: &Policy,
    now: i64,
    store: &dyn TokenStore,
) -> Result<RenewOutcome> {
    Sts {
        keys,
        policy,
        store,
    }
    .renew(request, authenticated_identity, now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::RsaPrivateKey;

    #[test]
    fn short_and_bogus_rsa_keys_refused() {
        // A 1024-bit modulus (any odd number parses as a public key).
        let mut n = vec![0xc5u8; 128];
        n[127] |= 1;
        let short = RsaPublicKey::from_components(&n, &[1, 0, 1]).unwrap();
        assert_eq!(short.modulus_bits(), 1024);
        let data = |public_key: Vec<u8>, mechanism| KeyRequestData::AsymmetricWrapped {
            key_pair_id: "kp".into(),
            mechanism,
            public_key,
        };
        let e = exchange(&data(short.spki_der(), Mechanism::Rsa)).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidPublicKey);
        assert_eq!(e.detail, "rsa public key shorter than 2048 bits");
        let e = exchange(&data(b"junk".to_vec(), Mechanism::Rsa)).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidPublicKey);
        let good = RsaPrivateKey::generate(2048)
            .unwrap()
            .public_key()
            .spki_der();
        let e = exchange(&data(good.clone(), Mechanism::Ecc)).unwrap_err();
        assert_eq!(e.code, ErrorCode::UnsupportedMechanism);
        assert!(exchange(&data(good, Mechanism::Rsa)).is_ok());
    }

    #[test]
    fn policy_times() {
        let p = Policy::new("sts");
        let (w, e, keep) = p.times(1_000).unwrap();
        assert_eq!((w, e), (44_200, 87_400));
        assert_eq!(keep, (87_400 + 2_592_000) * 1000);
        let bad = Policy {
            renewal_window_secs: 10,
            lifetime_secs: 5,
            ..Policy::new("x")
        };
        assert!(bad.times(0).is_err());
    }
}
