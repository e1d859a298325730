//! The token service itself: decisions about requests.
//!
//! Responsibility: turn an incoming message into an authenticated, typed request
//! ([`request`]), decide, and answer; [`fault`] is the single place any error becomes a SOAP
//! fault.
//!
//! May use: every layer below (crypto, pki, xml, xmlsec, soap, wss, trust).

mod error;
pub mod fault;
pub mod request;

pub use error::Error;
