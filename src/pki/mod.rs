//! Certificates: parsing and the lookup keys WS-Security references use. No XML.
//!
//! Responsibility: parse X.509 certificates once into [`Certificate`] (public key, SHA-1
//! thumbprint, subject key identifier, issuer and serial, validity) and decide whether to
//! trust them ([`TrustStore`]).
//!
//! May use: crypto.

mod cert;
mod trust;

pub use cert::{Certificate, Error};
pub use trust::{TrustError, TrustStore};
