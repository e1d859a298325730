//! Fresh random identifiers (our own failure if the system's randomness fails).

use crate::crypto;

use super::Error;

/// Eight random bytes (names of keys and contexts).
pub(crate) fn random8() -> Result<[u8; 8], Error> {
    crypto::random_array().map_err(|_| Error::Internal { what: "random" })
}

/// A random `urn:uuid:` identifier.
pub(crate) fn uuid() -> Result<String, Error> {
    crypto::random_uuid().map_err(|_| Error::Internal { what: "random" })
}
