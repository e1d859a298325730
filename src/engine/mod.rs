//! The token service itself: decisions about requests.
//!
//! Responsibility: turn an incoming message into an authenticated, typed request
//! ([`request`]), route it on the Body's WS-Trust message and RequestType ([`Engine`]), decide,
//! and answer; [`fault`] is the single place any error becomes a SOAP fault. One file per
//! binding: `issue`, `renew`, `cancel`, `validate`; `delegation` checks OnBehalfOf/ActAs,
//! `direct` accepts direct key transfers; `owner` decides who may renew or cancel a context (its
//! key holder, or the principal it was issued to). [`context`] says where context state lives
//! (sealed in the identifier or in the store) and how renewal and cancellation work; [`keys`]
//! makes proof-key material, [`users`] authenticates UsernameTokens against Argon2 hashes,
//! [`sealed`] seals context state, [`provider`] is the extension point for other token types.
//!
//! [`tokens`] chooses the kind of token a request gets, among the kinds [`registry`] lists;
//! `saml_token` issues a provider's token (SAML 1.1/2.0 by `saml_provider`, JWT by
//! `jwt_provider`) with the claims `claims` selects; `saml_lifecycle` and `jwt_lifecycle`
//! validate and renew them.
//!
//! [`algorithms`] holds each request to its realm's algorithm suite and picks the reply's.
//!
//! [`issued_token`] authenticates requesters by another STS's assertion (issued-token
//! authentication: chained STSs, AD FS's `issuedtokenmixed*` endpoints).
//!
//! [`audit`] writes the audit trail: one event per answered token and per refusal (the
//! facts of one request gathered by `audit_scope`).
//!
//! [`lockout`] defends passwords against sprays and brute force (smart lockout).
//!
//! [`resolve`] lends the WS-Security layer the engine's keys, contexts and replay memory.
//!
//! [`keyx`] answers MSL-style key exchange: JSON ([`Engine::handle_keyx_json`]) and RSTs for
//! master tokens (routed before the WS-Trust bindings).
//!
//! The modules form a DAG (`tests/it/layering.rs` fails on a cycle): [`Engine`] and the
//! types every binding shares live in `state`, below the request pipeline (`sts`) and the
//! bindings, which add `impl Engine` blocks; the configuration's parts live below `config`
//! (`realm`, `token_types`, `settings`); `ids` makes fresh identifiers. The engine reads no
//! XML itself: `trust::request` parses the request, and the layers that own an element read
//! it (the few exceptions are listed in that test).
//!
//! May use: every layer below (crypto, pki, xml, xmlsec, soap, saml, wss, trust, store,
//! service, keyx).

pub mod algorithms;
pub mod audit;
mod audit_scope;
mod call;
mod cancel;
mod claims;
pub mod config;
pub mod context;
pub mod delegation;
pub mod direct;
mod error;
pub mod fault;
mod ids;
mod issue;
pub mod issued_token;
mod issuer_key;
mod jwt_lifecycle;
mod jwt_provider;
pub mod keys;
pub mod keyx;
pub mod lockout;
mod owner;
mod policy;
pub mod provider;
pub mod readiness;
mod realm;
pub mod registry;
mod renew;
mod renewal;
pub mod request;
pub(crate) mod resolve;
mod saml_lifecycle;
mod saml_provider;
mod saml_token;
pub mod sealed;
mod settings;
mod state;
mod sts;
pub mod summary;
mod target;
mod token_types;
pub mod tokens;
pub mod users;
mod validate;

pub use error::Error;
pub use state::{Engine, Response, Transport};
pub use summary::{RequestKind, Summary};
pub use tokens::{IssuedTokenProof, RequestOptions, TokenTypes};
