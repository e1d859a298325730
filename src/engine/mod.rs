//! The token service itself: decisions about requests.
//!
//! Responsibility: turn an incoming message into an authenticated, typed request
//! ([`request`]), decide, and answer; [`fault`] is the single place any error becomes a SOAP
//! fault. [`keys`] makes proof-key material, [`users`] authenticates UsernameTokens against
//! Argon2 hashes, [`sealed`] seals stateless security-context state.
//!
//! [`tokens`] chooses the kind of token a request gets; `saml_token` issues SAML assertions
//! with the claims `claims` selects.
//!
//! [`resolve`] lends the WS-Security layer the engine's keys, contexts and replay memory.
//!
//! May use: every layer below (crypto, pki, xml, xmlsec, soap, saml, wss, trust, store).

mod claims;
pub mod config;
mod error;
pub mod fault;
pub mod keys;
pub mod request;
mod resolve;
mod saml_token;
pub mod sealed;
mod sts;
pub mod tokens;
pub mod users;

pub use error::Error;
pub use sts::{Engine, Response, Transport};
pub use tokens::{RequestOptions, TokenTypes};
