//! SAML 2.0 and SAML 1.1 assertions as tokens the STS issues and services validate.
//!
//! Responsibility: write and sign assertions from a typed [`AssertionSpec`] ([`issue`]),
//! encrypt a SAML 2.0 assertion for a service ([`encrypt`]), validate an incoming assertion
//! against a [`ValidationPolicy`] ([`validate`], [`validate_xml`]) into a
//! [`ValidatedAssertion`] read only from the node the signature covers, write the
//! `wsse:SecurityTokenReference` that names an assertion ([`write_key_identifier`]), and read
//! the claims a request asks for ([`claims`]).
//!
//! Delegation: the acting party (WS-Trust `ActAs` / `OnBehalfOf`) is carried, in both versions,
//! as the attribute `http://schemas.xmlsoap.org/ws/2009/09/identity/claims/actor` whose one
//! value is the acting party's name identifier ([`uri::ACTOR_CLAIM`]). We chose an attribute
//! over SAML 2.0 `Advice` (which a relying party may ignore and whose content is not a
//! statement) and over the SAML 2.0 `DelegationRestriction` condition (a separate schema that
//! SAML 1.1 lacks): the claim name is the one Windows Identity Foundation uses, it works the
//! same in both versions and validates against the core schemas. WIF puts a whole serialized
//! assertion in the value; we put the name only.
//!
//! May use: crypto, pki, xml, xmlsec.

pub mod claims;
mod error;
mod find;
mod model;
mod read;
mod reference;
pub mod uri;
mod validate;
mod write;

pub use claims::{ClaimRequest, RequestedClaim};
pub use error::Error;
pub use find::{assertion_by_id, assertion_id, is_assertion};
pub use model::{
    AssertionSpec, AuthnMethod, AuthnStatement, Claim, ConfirmationSpec, NameId, PublicKeyInfo,
    RecipientReference, SamlVersion, SigningCredentials,
};
pub use reference::write_key_identifier;
pub use validate::{
    validate, validate_xml, Confirmation, ConfirmationMethods, ServiceKey, TrustedIssuer,
    ValidatedAssertion, ValidationPolicy,
};
pub use write::{encrypt, issue, IssuedAssertion};
