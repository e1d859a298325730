//! WS-Security 1.0/1.1 and WS-SecureConversation tokens in the `wsse:Security` header.
//!
//! Responsibility: process an inbound security header in document order into a
//! [`SecuredMessage`] record (timestamp, username token, verified signatures with the exact
//! parts they cover, decrypted parts, tokens), check that record against [`Requirements`],
//! and build outbound security headers.
//!
//! May use: crypto, pki, xml, xmlsec, soap, saml (issued tokens: SAML assertions in the header).

mod context;
mod error;
mod header_keys;
mod inbound;
mod outbound;
mod policy;
/// `xsd:dateTime` parsing and formatting (re-exported from the XML layer).
pub use crate::xml::datetime as time;
mod token_ref;

pub use context::{CertificateRef, Clock, FixedClock, KeyResolver, ReplayGuard, SystemClock};
pub use error::Error;
pub use inbound::{
    process, Environment, InboundConfig, KeySource, SecuredMessage, SignatureRecord, SigningToken,
    UsernameTokenInfo,
};
pub use outbound::{
    secure_envelope, write_key_identifier, write_reference, Encryptor, Order, Protection, Secured,
    Signer, SignerKeyInfo,
};
pub use policy::Requirements;
pub use token_ref::{value_type, TokenReference};
