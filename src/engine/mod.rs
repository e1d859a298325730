//! The token service itself: decisions about requests.
//!
//! Responsibility: turn an incoming message into an authenticated, typed request
//! ([`request`]), decide, and answer; [`fault`] is the single place any error becomes a SOAP
//! fault. [`keys`] makes proof-key material, [`users`] authenticates UsernameTokens against
//! Argon2 hashes, [`sealed`] seals stateless security-context state.
//!
//! [`resolve`] lends the WS-Security layer the engine's keys, contexts and replay memory.
//!
//! May use: every layer below (crypto, pki, xml, xmlsec, soap, wss, trust, store).

pub mod config;
mod error;
pub mod fault;
pub mod keys;
pub mod keyx;
pub mod request;
mod resolve;
pub mod sealed;
mod sts;
pub mod users;

pub use error::Error;
pub use sts::{Engine, Response, Transport};
