//! XML Encryption: `EncryptedKey` and `EncryptedData`, read, decrypted, and written.

pub(crate) mod decrypt;
pub(crate) mod encrypt;
pub(crate) mod model;
