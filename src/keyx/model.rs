//! The data of a key exchange: request, response, entity authentication data, master token
//! and session keys. Pure data plus the byte string that request MACs and signatures cover.

use crate::crypto::{ct_eq, hmac_sign, HmacAlgorithm, SecretBytes};

use super::error::{err, ErrorCode, Result};

/// Length of the session encryption key (AES-128).
pub const ENCRYPTION_KEY_LEN: usize = 16;
/// Length of the session HMAC key (HMAC-SHA256).
pub const HMAC_KEY_LEN: usize = 32;
/// Length of an HMAC-SHA256 tag: MACs made with session keys are never truncated.
pub const MAC_LEN: usize = 32;

/// A key exchange scheme (MSL `scheme`).
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub enum Scheme {
    /// `ASYMMETRIC_WRAPPED`: the STS wraps fresh session keys under the requester's public key.
    AsymmetricWrapped,
    /// `DH` (MSL `DIFFIE_HELLMAN`): both sides derive the keys from an ephemeral agreement.
    DiffieHellman,
}

impl Scheme {
    /// The wire name we write.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AsymmetricWrapped => "ASYMMETRIC_WRAPPED",
            Self::DiffieHellman => "DH",
        }
    }

    /// Parses a wire name; MSL's `DIFFIE_HELLMAN` is accepted as well as `DH`.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "ASYMMETRIC_WRAPPED" => Ok(Self::AsymmetricWrapped),
            "DH" | "DIFFIE_HELLMAN" => Ok(Self::DiffieHellman),
            _ => err(ErrorCode::UnknownScheme, "unknown key exchange scheme"),
        }
    }
}

/// The public-key mechanism of an asymmetric wrapped exchange (MSL `mechanism`).
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub enum Mechanism {
    /// RSA-OAEP (SHA-1, MGF1-SHA1) under a ≥ 2048-bit RSA key.
    Rsa,
    /// ECIES: accepted on the wire, refused by the STS as unsupported.
    Ecc,
}

impl Mechanism {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rsa => "RSA",
            Self::Ecc => "ECC",
        }
    }

    /// Parses a wire name. Names other than `RSA` and `ECC` are unsupported.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "RSA" => Ok(Self::Rsa),
            "ECC" => Ok(Self::Ecc),
            _ => err(
                ErrorCode::UnsupportedMechanism,
                "unsupported asymmetric mechanism",
            ),
        }
    }
}

/// Scheme-specific request key data (MSL `keyrequestdata.keydata`).
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum KeyRequestData {
    /// `ASYMMETRIC_WRAPPED`.
    AsymmetricWrapped {
        /// Requester-chosen key pair id, echoed in the response.
        key_pair_id: String,
        /// Wrapping mechanism.
        mechanism: Mechanism,
        /// DER SubjectPublicKeyInfo of the requester's public key.
        public_key: Vec<u8>,
    },
    /// `DH`.
    DiffieHellman {
        /// Group name: `ffdhe2048`, `ffdhe3072` or `X25519`.
        parameters_id: String,
        /// The requester's public value (see [`super::dh`] for the encodings).
        public_key: Vec<u8>,
    },
}

impl KeyRequestData {
    /// The scheme of this key data.
    pub fn scheme(&self) -> Scheme {
        match self {
            Self::AsymmetricWrapped { .. } => Scheme::AsymmetricWrapped,
            Self::DiffieHellman { .. } => Scheme::DiffieHellman,
        }
    }
}

/// Scheme-specific response key data (MSL `keyresponsedata.keydata`).
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum KeyResponseData {
    /// `ASYMMETRIC_WRAPPED`.
    AsymmetricWrapped {
        /// The request's key pair id.
        key_pair_id: String,
        /// The session encryption key, RSA-OAEP wrapped.
        encryption_key: Vec<u8>,
        /// The session HMAC key, RSA-OAEP wrapped.
        hmac_key: Vec<u8>,
    },
    /// `DH`.
    DiffieHellman {
        /// The request's parameters id.
        parameters_id: String,
        /// The STS's ephemeral public value.
        public_key: Vec<u8>,
    },
}

impl KeyResponseData {
    /// The scheme of this key data.
    pub fn scheme(&self) -> Scheme {
        match self {
            Self::AsymmetricWrapped { .. } => Scheme::AsymmetricWrapped,
            Self::DiffieHellman { .. } => Scheme::DiffieHellman,
        }
    }
}

/// Entity authentication data carried with a request (MSL `entityauthdata`, here `authdata`).
/// This module parses and carries it; checking a password is the caller's business, and
/// [`super::verify_x509_authdata`] checks the X.509 signature form.
#[derive(Clone, Debug)]
pub enum AuthData {
    /// `USERNAME_PASSWORD`.
    UsernamePassword {
        /// User name.
        username: String,
        /// Password (zeroized on drop).
        password: SecretBytes,
    },
    /// `X509`: an RSA PKCS#1 v1.5 SHA-256 signature over [`KeyRequest::signing_input`] made
    /// with the private key of `certificate`.
    X509 {
        /// DER X.509 certificate.
        certificate: Vec<u8>,
        /// The signature.
        signature: Vec<u8>,
    },
}

/// A master token as it travels: token data and the STS's signature over it. Opaque to
/// everyone but the STS and services sharing its token keys.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct MasterToken {
    /// The token data (MSL `tokendata`): JSON bytes, see [`super::token`].
    pub token_data: Vec<u8>,
    /// HMAC-SHA256 of `token_data` under the STS signing key (MSL `signature`).
    pub signature: Vec<u8>,
}

/// The renewal part of a request: the master token to renew and, optionally, the request's
/// MAC under that token's session HMAC key (proof of possession).
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Renewal {
    /// The master token presented for renewal.
    pub master_token: MasterToken,
    /// HMAC-SHA256 of [`KeyRequest::signing_input`] under the session HMAC key.
    pub mac: Option<Vec<u8>>,
}

/// A key request: key request data, optional entity authentication and optional renewal.
#[derive(Clone, Debug)]
pub struct KeyRequest {
    /// The key request data.
    pub data: KeyRequestData,
    /// Entity authentication data.
    pub auth: Option<AuthData>,
    /// The master token to renew, with its proof of possession.
    pub renewal: Option<Renewal>,
}

impl KeyRequest {
    /// A request carrying only key request data.
    pub fn new(data: KeyRequestData) -> Self {
        Self {
            data,
            auth: None,
            renewal: None,
        }
    }

    /// The bytes that a renewal MAC and an X.509 authdata signature cover: a fixed label,
    /// then each field as a 4-byte big-endian length and its bytes: scheme, the key data
    /// fields in wire order (binary fields raw), and, for renewals, the master token's token
    /// data and signature. The MAC and the authdata themselves are not covered.
    pub fn signing_input(&self) -> Vec<u8> {
        let mut out = b"wstrust-keyx-request-v1".to_vec();
        let mut field = |b: &[u8]| {
            let len = u32::try_from(b.len()).unwrap_or(u32::MAX);
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(b);
        };
        field(self.data.scheme().as_str().as_bytes());
        match &self.data {
            KeyRequestData::AsymmetricWrapped {
                key_pair_id,
                mechanism,
                public_key,
            } => {
                field(key_pair_id.as_bytes());
                field(mechanism.as_str().as_bytes());
                field(public_key);
            }
            KeyRequestData::DiffieHellman {
                parameters_id,
                public_key,
            } => {
                field(parameters_id.as_bytes());
                field(public_key);
            }
        }
        if let Some(r) = &self.renewal {
            field(&r.master_token.token_data);
            field(&r.master_token.signature);
        }
        out
    }

    /// Sets the renewal part: `master_token` and the MAC of this request under
    /// `session.hmac` (call after the key data is final).
    pub fn with_renewal(mut self, master_token: MasterToken, session: &SessionKeys) -> Self {
        self.renewal = Some(Renewal {
            master_token,
            mac: None,
        });
        let mac = session.mac(&self.signing_input());
        if let Some(r) = &mut self.renewal {
            r.mac = Some(mac);
        }
        self
    }
}

/// A key response: the issued master token and the scheme's response key data.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct KeyResponse {
    /// The new master token.
    pub master_token: MasterToken,
    /// The response key data.
    pub data: KeyResponseData,
}

/// The answer to a renewal request.
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum RenewOutcome {
    /// The renewal window has not opened: the presented token is returned as it was and
    /// the session keys stay the same.
    Unchanged(MasterToken),
    /// A new master token (same serial number, next sequence number) with new session keys.
    Renewed(KeyResponse),
}

/// The session keys bound to a master token: an AES-128 encryption key and an HMAC-SHA256
/// key. Both sides of an exchange end up with identical keys.
#[derive(Clone, Debug)]
pub struct SessionKeys {
    /// AES-128 key (16 bytes).
    pub encryption: SecretBytes,
    /// HMAC-SHA256 key (32 bytes).
    pub hmac: SecretBytes,
}

impl SessionKeys {
    /// Builds session keys, checking their lengths.
    pub fn new(encryption: SecretBytes, hmac: SecretBytes) -> Result<Self> {
        if encryption.len() != ENCRYPTION_KEY_LEN || hmac.len() != HMAC_KEY_LEN {
            return err(ErrorCode::Internal, "session key of the wrong length");
        }
        Ok(Self { encryption, hmac })
    }

    /// HMAC-SHA256 of `message` under the session HMAC key.
    pub fn mac(&self, message: &[u8]) -> Vec<u8> {
        hmac_sign(HmacAlgorithm::Sha256, self.hmac.expose(), message)
    }

    /// Checks a full-length HMAC-SHA256 `mac` of `message` in constant time.
    pub fn verify_mac(&self, message: &[u8], mac: &[u8]) -> bool {
        mac.len() == MAC_LEN && ct_eq(&self.mac(message), mac)
    }

    /// Whether both keys equal `other`'s (constant time).
    pub fn same_as(&self, other: &Self) -> bool {
        ct_eq(self.encryption.expose(), other.encryption.expose())
            & ct_eq(self.hmac.expose(), other.hmac.expose())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dh_request() -> KeyRequest {
        KeyRequest::new(KeyRequestData::DiffieHellman {
            parameters_id: "X25519".into(),
            public_key: vec![1; 32],
        })
    }

    #[test]
    fn scheme_and_mechanism_names() {
        assert_eq!(Scheme::parse("DH").unwrap(), Scheme::DiffieHellman);
        assert_eq!(
            Scheme::parse("DIFFIE_HELLMAN").unwrap(),
            Scheme::DiffieHellman
        );
        assert_eq!(
            Scheme::parse("ASYMMETRIC_WRAPPED").unwrap().as_str(),
            "ASYMMETRIC_WRAPPED"
        );
        assert_eq!(
            Scheme::parse("dh").unwrap_err().code,
            ErrorCode::UnknownScheme
        );
        assert_eq!(Mechanism::parse("RSA").unwrap(), Mechanism::Rsa);
        assert_eq!(Mechanism::parse("ECC").unwrap().as_str(), "ECC");
        assert_eq!(
            Mechanism::parse("DSA").unwrap_err().code,
            ErrorCode::UnsupportedMechanism
        );
    }

    #[test]
    fn signing_input_binds_every_field() {
        let base = dh_request().signing_input();
        let mut other = dh_request();
        if let KeyRequestData::DiffieHellman { public_key, .. } = &mut other.data {
            public_key[0] = 2;
        }
        assert_ne!(other.signing_input(), base);
        let token = MasterToken {
            token_data: b"td".to_vec(),
            signature: b"sig".to_vec(),
        };
        let keys =
            SessionKeys::new(SecretBytes::new(vec![3; 16]), SecretBytes::new(vec![4; 32])).unwrap();
        let renewing = dh_request().with_renewal(token, &keys);
        assert_ne!(renewing.signing_input(), base);
        let mac = renewing.renewal.as_ref().unwrap().mac.clone().unwrap();
        assert!(keys.verify_mac(&renewing.signing_input(), &mac));
        assert!(!keys.verify_mac(&base, &mac));
        assert!(!keys.verify_mac(&renewing.signing_input(), &mac[..16]));
        // Moving bytes between fields changes the input (length prefixes).
        let shifted = dh_request().with_renewal(
            MasterToken {
                token_data: b"tds".to_vec(),
                signature: b"ig".to_vec(),
            },
            &keys,
        );
        assert_ne!(shifted.signing_input(), renewing.signing_input());
    }

    #[test]
    fn session_key_lengths_checked() {
        assert!(
            SessionKeys::new(SecretBytes::new(vec![0; 16]), SecretBytes::new(vec![0; 31])).is_err()
        );
        let a =
            SessionKeys::new(SecretBytes::new(vec![1; 16]), SecretBytes::new(vec![2; 32])).unwrap();
        let b =
            SessionKeys::new(SecretBytes::new(vec![1; 16]), SecretBytes::new(vec![9; 32])).unwrap();
        assert!(a.same_as(&a.clone()));
        assert!(!a.same_as(&b));
    }
}
