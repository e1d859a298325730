//! The one error type of key exchange and master tokens, with stable wire codes.

use std::fmt;

/// A stable, machine-readable error code. The strings returned by [`ErrorCode::as_str`] are
/// part of the wire contract (`{"error":{"code":...}}`) and never change meaning.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
#[non_exhaustive]
pub enum ErrorCode {
    /// The request is not well-formed (syntax, missing or mistyped field, bad base64, size).
    MalformedRequest,
    /// The response is not well-formed (client side).
    MalformedResponse,
    /// The key exchange scheme is not one we know.
    UnknownScheme,
    /// The asymmetric wrapping mechanism is not supported (ECC).
    UnsupportedMechanism,
    /// A public key or public value is invalid (encoding, size, range, low order).
    InvalidPublicKey,
    /// The Diffie-Hellman parameters id names no group we support.
    UnknownParametersId,
    /// The response's key pair id is not the request's.
    KeyPairIdMismatch,
    /// The response's parameters id is not the request's.
    ParametersIdMismatch,
    /// The response's scheme is not the request's.
    SchemeMismatch,
    /// A wrapped session key in the response could not be unwrapped.
    WrappedKeyInvalid,
    /// The entity authentication data names an unknown scheme.
    UnknownAuthScheme,
    /// The entity authentication data does not verify.
    AuthFailed,
    /// The master token is not well-formed.
    MasterTokenMalformed,
    /// The master token's signature, key id or session data does not verify.
    MasterTokenTampered,
    /// A newer master token has been issued for this serial number.
    MasterTokenSequenceStale,
    /// The token store holds no record of this master token's serial number.
    MasterTokenUnknownSerial,
    /// The master token has expired; only a request with entity authentication renews it.
    MasterTokenExpiredNeedsAuth,
    /// The master token has expired (message verification).
    MasterTokenExpired,
    /// A renewal request proved neither possession of the session keys nor entity identity.
    MasterTokenRenewalNeedsProof,
    /// The authenticated entity is not the master token's identity.
    MasterTokenIdentityMismatch,
    /// The master token's sequence number cannot be incremented further.
    MasterTokenSequenceExhausted,
    /// A MAC made with the session HMAC key does not verify.
    MessageMacInvalid,
    /// The token store failed; the request is refused (fail closed).
    StoreUnavailable,
    /// An internal failure (random generator, key sealing).
    Internal,
}

impl ErrorCode {
    /// The stable wire string of this code.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MalformedRequest => "KEYX_MALFORMED_REQUEST",
            Self::MalformedResponse => "KEYX_MALFORMED_RESPONSE",
            Self::UnknownScheme => "KEYX_UNKNOWN_SCHEME",
            Self::UnsupportedMechanism => "KEYX_UNSUPPORTED_MECHANISM",
            Self::InvalidPublicKey => "KEYX_INVALID_PUBLIC_KEY",
            Self::UnknownParametersId => "KEYX_UNKNOWN_PARAMETERS_ID",
            Self::KeyPairIdMismatch => "KEYX_KEYPAIRID_MISMATCH",
            Self::ParametersIdMismatch => "KEYX_PARAMETERSID_MISMATCH",
            Self::SchemeMismatch => "KEYX_SCHEME_MISMATCH",
            Self::WrappedKeyInvalid => "KEYX_WRAPPED_KEY_INVALID",
            Self::UnknownAuthScheme => "ENTITYAUTH_UNKNOWN_SCHEME",
            Self::AuthFailed => "ENTITYAUTH_FAILED",
            Self::MasterTokenMalformed => "MASTERTOKEN_MALFORMED",
            Self::MasterTokenTampered => "MASTERTOKEN_TAMPERED",
            Self::MasterTokenSequenceStale => "MASTERTOKEN_SEQUENCE_STALE",
            Self::MasterTokenUnknownSerial => "MASTERTOKEN_UNKNOWN_SERIAL",
            Self::MasterTokenExpiredNeedsAuth => "MASTERTOKEN_EXPIRED_NEEDS_AUTH",
            Self::MasterTokenExpired => "MASTERTOKEN_EXPIRED",
            Self::MasterTokenRenewalNeedsProof => "MASTERTOKEN_RENEWAL_NEEDS_PROOF",
            Self::MasterTokenIdentityMismatch => "MASTERTOKEN_IDENTITY_MISMATCH",
            Self::MasterTokenSequenceExhausted => "MASTERTOKEN_SEQUENCE_EXHAUSTED",
            Self::MessageMacInvalid => "MESSAGE_MAC_INVALID",
            Self::StoreUnavailable => "STORE_UNAVAILABLE",
            Self::Internal => "INTERNAL_ERROR",
        }
    }

    /// Every code, for documentation and tests.
    pub const ALL: [Self; 24] = [
        Self::MalformedRequest,
        Self::MalformedResponse,
        Self::UnknownScheme,
        Self::UnsupportedMechanism,
        Self::InvalidPublicKey,
        Self::UnknownParametersId,
        Self::KeyPairIdMismatch,
        Self::ParametersIdMismatch,
        Self::SchemeMismatch,
        Self::WrappedKeyInvalid,
        Self::UnknownAuthScheme,
        Self::AuthFailed,
        Self::MasterTokenMalformed,
        Self::MasterTokenTampered,
        Self::MasterTokenSequenceStale,
        Self::MasterTokenUnknownSerial,
        Self::MasterTokenExpiredNeedsAuth,
        Self::MasterTokenExpired,
        Self::MasterTokenRenewalNeedsProof,
        Self::MasterTokenIdentityMismatch,
        Self::MasterTokenSequenceExhausted,
        Self::MessageMacInvalid,
        Self::StoreUnavailable,
        Self::Internal,
    ];

    /// The code whose wire string is `s`.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A key exchange or master token failure: a stable [`ErrorCode`] and a fixed, lower-case
/// explanation. Neither part ever carries secrets or text taken from the input, so both may be
/// logged and sent to the peer.
#[derive(Clone, Debug, Eq, PartialEq, thiserror::Error)]
#[error("{code}: {detail}")]
pub struct KeyxError {
    /// The stable code.
    pub code: ErrorCode,
    /// A fixed explanation.
    pub detail: &'static str,
}

impl KeyxError {
    /// An error with `code` and `detail`.
    pub fn new(code: ErrorCode, detail: &'static str) -> Self {
        Self { code, detail }
    }
}

/// Result alias with [`KeyxError`].
pub type Result<T, E = KeyxError> = std::result::Result<T, E>;

pub(crate) fn err<T>(code: ErrorCode, detail: &'static str) -> Result<T> {
    Err(KeyxError::new(code, detail))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_round_trip() {
        let mut seen = std::collections::HashSet::new();
        for c in ErrorCode::ALL {
            assert!(seen.insert(c.as_str()), "{c}");
            assert_eq!(ErrorCode::parse(c.as_str()), Some(c));
            assert!(c
                .as_str()
                .chars()
                .all(|ch| ch.is_ascii_uppercase() || ch == '_'));
        }
        assert_eq!(ErrorCode::parse("nope"), None);
        let e = KeyxError::new(ErrorCode::UnknownScheme, "no such scheme");
        assert_eq!(e.to_string(), "KEYX_UNKNOWN_SCHEME: no such scheme");
    }
}
