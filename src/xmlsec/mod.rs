//! XML Signature 1.1 and XML Encryption 1.1 over the [`crate::xml`] tree, profile-limited.
//!
//! Responsibility: verify and make signatures (exclusive c14n; RSA-SHA2 and HMAC; SHA-1
//! verify-only), decrypt and make `EncryptedKey`/`EncryptedData` (RSA-OAEP, AES-KW, AES-GCM,
//! AES-CBC), under a [`Policy`] naming the algorithm [`suite`]s it admits. Only same-document references; verification hands out
//! [`SignedNode`] proofs naming the exact nodes covered, so callers can check that what they
//! consume is what was signed.
//!
//! May use: crypto, xml.

pub mod algorithm;
mod base64;
mod dsig;
mod enc;
mod error;
mod keyinfo;
mod policy;
mod resolve;
pub mod suite;
mod verified;

pub use algorithm::{C14nAlgorithm, SignatureMethod};
pub use base64::{decode as base64_decode, encode as base64_encode};
pub use dsig::model::{Reference, Signature, Transform};
pub use dsig::sign::{
    sign, sign_canonical, sign_with_value, sign_written_enveloped, CanonicalReference,
    MadeSignature, SignReference, SignatureSpec, SigningKey,
};
pub use dsig::verify::{verify, VerificationKey};
pub use enc::decrypt::{
    decrypt_data, decrypt_key, replace_encrypted_data, Decrypted, KeyEncryptionKey,
};
pub use enc::encrypt::{
    content_plaintext, element_plaintext, write_encrypted_data, write_encrypted_key,
};
pub use enc::model::{EncryptedData, EncryptedKey, EncryptedType, KeyTransport};
pub use error::Error;
pub use keyinfo::{rsa_key_value, x509_certificates};
pub use policy::Policy;
pub use resolve::{NoResolver, ReferenceResolver};
pub use suite::{Algorithm, Suite, UsedAlgorithms};
pub use verified::{SignedNode, VerifiedSignature};
