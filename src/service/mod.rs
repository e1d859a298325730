//! The service side of issued tokens: what a target service (relying party) does with the
//! security context tokens our STS issues and with keys other parties propagate to it.
//!
//! Responsibility: [`Validator`] holds the service's private key and the STS certificate(s) it
//! trusts. It validates an SCT (the STS signature over the token, audience, expiry,
//! revocation in a shared [`TokenStore`](crate::store::TokenStore)) and decrypts the key the
//! token carries for the service; verifies a SOAP message signed with that key or a key
//! derived from it; and accepts a direct-pattern unsolicited RSTR (key transfer by an
//! initiator), registering the context. [`sct`] defines the content of the SCTs we issue (the
//! STS writes them with it, so the format lives in one place), [`ReplyExpectation`] binds a
//! reply to the request it answers (pattern 4, requester side).
//!
//! Extension point: token types other than SCT (SAML assertions, built by `saml`) plug in
//! through [`IssuedTokenValidator`] ([`SamlTokenValidator`] for SAML 1.1/2.0 assertions,
//! added by [`ValidatorConfig::with_saml`]; [`JwtTokenValidator`] for JWTs, added by
//! [`ValidatorConfig::with_jwt`]); [`Validator`] asks each registered validator whether it
//! accepts an element before trying its own SCT rules.
//!
//! ```no_run
//! use std::sync::Arc;
//!
//! use wstrust::crypto::RsaPrivateKey;
//! use wstrust::pki::Certificate;
//! use wstrust::service::{Validator, ValidatorConfig};
//! use wstrust::store::MemoryStore;
//! use wstrust::wss::{Clock, SystemClock};
//! use wstrust::xml::Document;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // What the service holds: its own key and certificate, and the STS certificate.
//! let key = RsaPrivateKey::from_pem(&std::fs::read_to_string("pki/service.key")?)?;
//! let cert = Certificate::from_pem(&std::fs::read_to_string("pki/service.pem")?)?;
//! let sts = Certificate::from_pem(&std::fs::read_to_string("pki/sts.pem")?)?;
//! let cfg = ValidatorConfig::new("demo", key, cert, vec![sts]).with_saml();
//! let validator = Validator::new(cfg, Arc::new(MemoryStore::new()))?;
//!
//! // A token as the requester presents it (an SCT, or a SAML 1.1/2.0 assertion).
//! let xml = std::fs::read("token.xml")?;
//! let doc = Document::parse(&xml)?;
//! let token = validator.validate_token(&doc, doc.root(), SystemClock.now_ms())?;
//! println!("{} until {} ms", token.principal, token.expires_ms);
//! // The key the requester proves possession of (None for bearer tokens).
//! let _key = token.key;
//!
//! // A request signed with that key (or a key derived from it).
//! let message = std::fs::read("request.xml")?;
//! let verified = validator.verify_message(&message, &SystemClock)?;
//! # let _ = verified;
//! # Ok(())
//! # }
//! ```
//!
//! May use: crypto, pki, xml, xmlsec, soap, wss, trust, store.

pub mod delegation;
mod error;
pub mod jwt;
mod reply;
pub mod saml;
pub mod sct;
pub mod validator;

pub use error::Error;
pub use jwt::JwtTokenValidator;
pub use reply::ReplyExpectation;
pub use saml::SamlTokenValidator;
pub use validator::{
    read_propagation, IssuedTokenValidator, Propagated, TokenConfirmation, ValidatedToken,
    Validator, ValidatorConfig, VerifiedMessage,
};
