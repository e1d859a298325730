//! The master token lifecycle as the receiver enforces it (MSL semantics): a pure decision
//! from the token's times and the proofs a request carries, and the store-backed check that a
//! token is the newest issued for its serial number.
//!
//! | time                              | renewal request proves        | result                     |
//! |-----------------------------------|-------------------------------|----------------------------|
//! | any                               | nothing                       | `MASTERTOKEN_RENEWAL_NEEDS_PROOF` |
//! | now < renewal window              | session MAC or entity auth    | token returned unchanged   |
//! | renewal window ≤ now < expiration | session MAC or entity auth    | renewed                    |
//! | expiration ≤ now                  | entity auth                   | renewed                    |
//! | expiration ≤ now                  | session MAC only              | `MASTERTOKEN_EXPIRED_NEEDS_AUTH` |
//!
//! Each renewal keeps the serial number and increments the sequence number; the store keeps
//! the newest sequence number per serial ([`Space::Sequence`]) and a token older than that is
//! `MASTERTOKEN_SEQUENCE_STALE`.

use crate::store::{Space, TokenStore};

use super::error::{err, ErrorCode, KeyxError, Result};
use super::token::MasterTokenClaims;

/// What a renewal request has proved.
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq)]
pub struct Proof {
    /// The request is MAC'd with the token's session HMAC key and the MAC verified.
    pub session_mac_ok: bool,
    /// The request carries entity authentication that verified for the token's identity.
    pub entity_authenticated: bool,
}

/// What to do with a renewal request.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum RenewalDecision {
    /// Before the renewal window: return the token as it is.
    Unchanged,
    /// Issue a renewed token (same serial, next sequence number, new session keys).
    Renew,
}

/// The pure lifecycle decision (see the module table). Times in seconds since the epoch.
pub fn decide(
    renewal_window: i64,
    expiration: i64,
    now: i64,
    proof: Proof,
) -> Result<RenewalDecision> {
    if !proof.session_mac_ok && !proof.entity_authenticated {
        return err(
            ErrorCode::MasterTokenRenewalNeedsProof,
            "renewal needs a session mac or entity authentication",
        );
    }
    if now < renewal_window {
        Ok(RenewalDecision::Unchanged)
    } else if now < expiration || proof.entity_authenticated {
        Ok(RenewalDecision::Renew)
    } else {
        err(
            ErrorCode::MasterTokenExpiredNeedsAuth,
            "expired master token renews only with entity authentication",
        )
    }
}

/// The store key of a serial number: 8 bytes, big-endian.
pub fn sequence_key(serial_number: u64) -> [u8; 8] {
    serial_number.to_be_bytes()
}

pub(crate) fn store_error(_: crate::store::StoreError) -> KeyxError {
    KeyxError::new(ErrorCode::StoreUnavailable, "token store failed")
}

/// Checks that `claims` is the newest master token issued for its serial number:
/// `MASTERTOKEN_SEQUENCE_STALE` when a newer one exists, `MASTERTOKEN_UNKNOWN_SERIAL` when the
/// store has no (or an older, inconsistent) record, `STORE_UNAVAILABLE` when it fails.
pub fn check_sequence(claims: &MasterTokenClaims, store: &dyn TokenStore) -> Result<()> {
    let newest = store
        .current(Space::Sequence, &sequence_key(claims.serial_number))
        .map_err(store_error)?;
    match newest {
        Some(n) if n == claims.sequence_number => Ok(()),
        Some(n) if n > claims.sequence_number => err(
            ErrorCode::MasterTokenSequenceStale,
            "a newer master token exists for this serial number",
        ),
        _ => err(
            ErrorCode::MasterTokenUnknownSerial,
            "no record of this master token's serial number",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAC: Proof = Proof {
        session_mac_ok: true,
        entity_authenticated: false,
    };
    const AUTH: Proof = Proof {
        session_mac_ok: false,
        entity_authenticated: true,
    };
    const BOTH: Proof = Proof {
        session_mac_ok: true,
        entity_authenticated: true,
    };

    #[test]
    fn decision_table() {
        let (w, e) = (100, 200);
        use RenewalDecision::*;
        for p in [MAC, AUTH, BOTH] {
            assert_eq!(decide(w, e, 99, p).unwrap(), Unchanged);
            assert_eq!(decide(w, e, 100, p).unwrap(), Renew);
            assert_eq!(decide(w, e, 199, p).unwrap(), Renew);
        }
        assert_eq!(decide(w, e, 200, AUTH).unwrap(), Renew);
        assert_eq!(decide(w, e, 10_000, BOTH).unwrap(), Renew);
        assert_eq!(
            decide(w, e, 200, MAC).unwrap_err().code,
            ErrorCode::MasterTokenExpiredNeedsAuth
        );
        for now in [0, 150, 300] {
            assert_eq!(
                decide(w, e, now, Proof::default()).unwrap_err().code,
                ErrorCode::MasterTokenRenewalNeedsProof
            );
        }
    }
}
