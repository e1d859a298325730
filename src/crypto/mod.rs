//! Typed cryptographic primitives for the rest of the crate.
//!
//! This module is a thin façade over `aws-lc-rs`: message digests (including
//! an incremental [`DigestSink`] that canonicalisation streams into), RSA
//! PKCS#1 v1.5 signatures, HMAC with truncation checks, RSA-OAEP key
//! transport, AES key wrap (RFC 3394), AES-CBC and AES-GCM in their XML
//! Encryption wire forms, the WS-Trust / WS-SecureConversation P_SHA-1 key
//! derivation, X25519 key agreement, random numbers and PEM armour. It knows nothing about XML:
//! callers hand it bytes and algorithm enums and get bytes back.
//!
//! Secrets are carried in [`SecretBytes`], which zeroizes on drop; every
//! decryption or unwrap failure collapses into the single [`Error::Decrypt`]
//! so that no padding or integrity oracle leaks through error values.
//!
//! May use: nothing else in the crate.

mod cipher;
mod digest;
mod error;
mod hex;
mod keywrap;
mod pem;
mod pkcs11;
mod psha1;
mod random;
mod secret;
mod signature;
mod x25519;

#[cfg(test)]
pub(crate) mod test_support;

pub use cipher::{decrypt, decrypt_with_aad, encrypt, encrypt_with_aad, BlockCipher};
pub use digest::{digest, DigestAlgorithm, DigestSink};
pub use error::{Error, Result};
pub use hex::hex;
pub use keywrap::{aes_key_unwrap, aes_key_wrap, OaepParams};
pub use pem::{pem_decode, pem_encode};
pub use pkcs11::Pkcs11Uri;
pub use psha1::{psha1, psha1_at, PSHA1_MAX_OUTPUT};
pub use random::{random_array, random_bytes, random_secret, random_uuid};
pub use secret::{ct_eq, SecretBytes};
pub use signature::{
    hmac_sign, hmac_verify, HmacAlgorithm, RsaPrivateKey, RsaPublicKey, SignatureAlgorithm,
};
pub use x25519::{X25519PrivateKey, X25519_LEN};
