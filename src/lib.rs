//! # wstrust
//!
//! A WS-Trust 1.3/1.4 security token service (with the February 2005 namespace real clients
//! still send), its client and the service-side validator of the tokens it issues.
//!
//! ## Layers
//!
//! Each module may use only the modules listed before it; a lower layer never names a higher
//! one (where it needs a callback it defines a trait the higher layer implements):
//!
//! `crypto` (aws-lc-rs façade, no XML), `pki` (certificates, trust), `store` (shared state:
//! replay cache, contexts, revocations) ← `xml` (one parser, one
//! tree, c14n, writer) ← `xmlsec` (XML Signature and Encryption) ← `soap` (envelopes, faults,
//! WS-Addressing) and `saml` (SAML 1.1/2.0 assertions: issue, sign, validate) ← `wss`
//! (WS-Security) ← `trust` (WS-Trust / WS-SC model) ← `service` (what a target service does
//! with issued tokens) ← `engine` (the token service) ← `server` (HTTP transport) ← `config`
//! (configuration file, zero-config data directory) ← `cli`. Beside that chain, `keyx`
//! (MSL-style key exchange and master tokens) uses `crypto`, `pki`, `xml` and `store`, and
//! `engine` may use it.
//! `client` (the requester's side: WS-Trust client and MSL key exchange over HTTP) sits beside
//! `engine` and uses `trust`, `keyx` and below.
//!
//! ## Threat model in one paragraph
//!
//! Every byte that arrives is hostile until a signature made with a trusted key covers the
//! very node we consume. The parser refuses DTDs and entity expansion and bounds every
//! dimension of its input ([`xml::Limits`]); canonicalization and digesting stream without
//! copying the tree; secrets are zeroizing types compared in constant time
//! ([`crypto::ct_eq`]); errors are precise in logs and generic on the wire.
#![forbid(unsafe_code)]

pub mod crypto;
pub mod pki;
pub mod xml;

pub mod store;

pub mod keyx;

pub mod xmlsec;

pub mod soap;

pub mod saml;

pub mod wss;

pub mod trust;

pub mod service;

pub mod client;

pub mod engine;

pub mod server;

pub mod config;

pub mod cli;

#[doc(hidden)]
pub mod fuzzing;
