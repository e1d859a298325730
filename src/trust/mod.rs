//! The WS-Trust (February 2005, 1.3, 1.4) and WS-SecureConversation (February 2005, 1.3)
//! message model.
//!
//! Responsibility: turn the RST/RSTR elements of a parsed message into typed structures and
//! write them back, in the version they were read in, in schema order, with exact text. Every
//! wire structure has a `read` (from an element of an [`xml::Document`](crate::xml::Document))
//! and a `write` (into an [`xml::Writer`](crate::xml::Writer)); message-level ones implement
//! [`FromElement`] and [`ToXml`]. URIs become enumerations with an explicit `Unknown` variant;
//! content the model does not type (tokens, references, extension elements) is kept as an
//! owned [`Fragment`] and written back as it was, never dropped.
//!
//! May use: `xml`.

mod codec;
mod elements;
mod error;
mod fragment;
mod messages;
mod params;
pub mod request;
mod sc;
mod sct_by_id;
mod time;
mod uris;
mod version;

pub use codec::{FromElement, ToXml};
pub use elements::{
    AppliesTo, AppliesToTarget, BinarySecret, ClaimType, Claims, ElementSummary, EndpointReference,
    Entropy, KeyIdentifier, Lifetime, Renewing, RequestedProofToken, RequestedReference,
    SecretBytes, Status, StrInfo, StrReference, TokenHolder, TokenKind, UseKey,
};
pub use error::Error;
pub use fragment::Fragment;
pub use messages::{
    ExtensionAttribute, RequestSecurityToken, RequestSecurityTokenCollection,
    RequestSecurityTokenResponse, RequestSecurityTokenResponseCollection, TrustMessage,
};
pub use params::Parameters;
pub use sc::{DerivedKeyToken, SecurityContextToken};
pub use time::{format_utc_seconds, parse_utc_seconds};
pub use uris::{
    BinarySecretType, ComputedKeyAlgorithm, KeyType, RequestType, StatusCode, TokenType,
    JWT_TOKEN_TYPE,
};
pub use version::{Action, AddressingVersion, Binding, PolicyVersion, ScVersion, TrustVersion};
