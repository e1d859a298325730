//! THE single mapping from errors to SOAP faults.
//!
//! Every security failure (signature, decryption, token, timestamp, replay, trust,
//! authentication) collapses to one generic `wst:FailedAuthentication`, so the caller learns
//! nothing about which check failed; the precise reason is what [`log_reason`] returns, for
//! the log only. Malformed input is `wst:InvalidRequest`; SOAP processing-model failures keep
//! their SOAP codes. Fault text is always one of our fixed strings, never input text.

use super::Error;
use crate::saml;
use crate::soap::{self, Fault, FaultCode, FaultSubcode};

/// The fault for `e`, with WS-Trust codes in namespace `trust_ns`.
pub fn to_fault(e: &Error, trust_ns: &'static str) -> Fault {
    let fault = match e {
        Error::Soap(soap::Error::MustUnderstand { .. }) => Fault {
            code: FaultCode::MustUnderstand,
            subcode: None,
            trust_ns,
            reason: "A mandatory header block was not understood",
        },
        Error::Soap(soap::Error::NotAnEnvelope) => Fault {
            code: FaultCode::VersionMismatch,
            subcode: None,
            trust_ns,
            reason: "The envelope is not a SOAP 1.1 or 1.2 envelope",
        },
        Error::Xml(_) | Error::Soap(_) | Error::Trust(_) | Error::InvalidRequest { .. } => {
            Fault::sender(FaultSubcode::InvalidRequest)
        }
        Error::UnableToRenew { .. } => Fault::sender(FaultSubcode::UnableToRenew),
        Error::Security(_)
        | Error::Authentication { .. }
        | Error::IssuedToken(_)
        | Error::Service(_)
        | Error::AlgorithmRefused { .. } => Fault::sender(FaultSubcode::FailedAuthentication),
        Error::InvalidScope => Fault::sender(FaultSubcode::InvalidScope),
        Error::Keys(super::keys::Error::AuthenticationFailed) => {
            Fault::sender(FaultSubcode::FailedAuthentication)
        }
        Error::Keys(_) => Fault::sender(FaultSubcode::InvalidRequest),
        Error::Saml(
            saml::Error::RequiredClaimUnavailable { .. } | saml::Error::ClaimsDialect { .. },
        )
        | Error::Saml(saml::Error::Malformed { .. }) => Fault::sender(FaultSubcode::InvalidRequest),
        Error::Internal { .. } | Error::XmlSec(_) | Error::Saml(_) => Fault::receiver(),
        Error::Keyx(k) => match k.code {
            crate::keyx::ErrorCode::StoreUnavailable | crate::keyx::ErrorCode::Internal => {
                Fault::receiver()
            }
            c if is_authentication(c) => Fault::sender(FaultSubcode::FailedAuthentication),
            _ => Fault::sender(FaultSubcode::InvalidRequest),
        },
    };
    fault.in_trust_namespace(trust_ns)
}

/// The precise reason for the log. Error texts of every layer are built from fixed strings
/// and positions, never from input, so this is safe to log as is.
pub fn log_reason(e: &Error) -> String {
    e.to_string()
}

/// Whether `code` is an authentication failure (one generic fault over SOAP, one generic
/// message in JSON).
pub(super) fn is_authentication(code: crate::keyx::ErrorCode) -> bool {
    matches!(
        code,
        crate::keyx::ErrorCode::UnknownAuthScheme
            | crate::keyx::ErrorCode::AuthFailed
            | crate::keyx::ErrorCode::MasterTokenTampered
            | crate::keyx::ErrorCode::MasterTokenSequenceStale
            | crate::keyx::ErrorCode::MasterTokenUnknownSerial
            | crate::keyx::ErrorCode::MasterTokenExpiredNeedsAuth
            | crate::keyx::ErrorCode::MasterTokenExpired
            | crate::keyx::ErrorCode::MasterTokenRenewalNeedsProof
            | crate::keyx::ErrorCode::MasterTokenIdentityMismatch
            | crate::keyx::ErrorCode::MessageMacInvalid
    )
}
