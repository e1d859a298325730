//! The integration test binary: one binary, one module per area.

#![allow(unreachable_pub)] // test modules share helpers; visibility is not an API here

mod c14n_vectors;
mod c14n_xmllint;
mod cli;
mod dsig_vectors;
mod engine_issue;
mod engine_request;
mod hostile_xml;
mod layering;
mod load_tool;
mod soap;
mod support;
mod trust_model;
mod wss4j;
mod wss_hostile;
mod wss_outbound;
mod wss_support;
mod xml_roundtrip;
mod xmlenc_vectors;
mod xmlsec1_interop;
