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
//! added by [`ValidatorConfig::with_saml`]); [`Validator`] asks each registered validator whether it
//! accepts an element before trying its own SCT rules.
//!
//! May use: crypto, pki, xml, xmlsec, soap, wss, trust, store.

pub mod delegation;
mod error;
mod reply;
pub mod saml;
pub mod sct;
pub mod validator;

pub use error::Error;
pub use reply::ReplyExpectation;
pub use saml::SamlTokenValidator;
pub use validator::{
    read_propagation, IssuedTokenValidator, Propagated, TokenConfirmation, ValidatedToken,
    Validator, ValidatorConfig, VerifiedMessage,
};
