//! Errors of the SOAP layer.

use super::SoapVersion;

/// Why a message is not an acceptable SOAP envelope.
#[derive(Clone, Debug, Eq, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The document element is not a SOAP 1.1 or 1.2 `Envelope`.
    #[error("document element is not a soap envelope")]
    NotAnEnvelope,
    /// The envelope's SOAP version disagrees with the HTTP content type.
    #[error("envelope is soap {envelope} but the content type says soap {transport}")]
    VersionMismatch {
        /// Version of the envelope namespace.
        envelope: SoapVersion,
        /// Version the transport announced.
        transport: SoapVersion,
    },
    /// Envelope structure violates the SOAP schema (`what` names the rule).
    #[error("malformed soap envelope: {what}")]
    Malformed {
        /// The rule that was broken.
        what: &'static str,
    },
    /// A header block addressed to us with `mustUnderstand` that we do not process.
    #[error("header `{{{ns}}}{local}` must be understood")]
    MustUnderstand {
        /// Namespace of the header block.
        ns: String,
        /// Local name of the header block.
        local: String,
    },
    /// A WS-Addressing header is present twice with different values, or is malformed.
    #[error("invalid ws-addressing header `{header}`")]
    InvalidAddressing {
        /// The header's local name.
        header: &'static str,
    },
}
