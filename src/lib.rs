//! # wstrust
//!
//! A WS-Trust 1.3/1.4 security token service (with the February 2005 namespace real clients
//! still send), its client and the service-side validator of the tokens it issues.
//!
//! Layers, each may use only those before it:
//! `xml` (one parser, one tree, c14n, writer) ← `soap` ← `trust`.
#![forbid(unsafe_code)]

pub mod trust;
pub mod xml;
