//! The integration test binary: one binary, one module per area.

#![allow(unreachable_pub)] // test modules share helpers; visibility is not an API here

mod c14n_vectors;
mod c14n_xmllint;
mod dsig_vectors;
mod hostile_xml;
mod soap;
mod support;
mod trust_model;
mod wss4j;
mod wss_hostile;
mod wss_support;
mod xml_roundtrip;
mod xmlenc_vectors;
mod xmlsec1_interop;
