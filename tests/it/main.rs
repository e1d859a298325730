//! The integration test binary: one binary, one module per area.

#![allow(unreachable_pub)] // test modules share helpers; visibility is not an API here

mod c14n_vectors;
mod c14n_xmllint;
mod cli;
mod dsig_vectors;
mod engine_issue;
mod engine_keyx;
mod engine_keyx_support;
mod engine_lifecycle;
mod engine_request;
mod engine_saml;
mod engine_schema;
mod engine_support;
mod hostile_xml;
mod interop_clients;
mod interop_docs;
mod interop_support;
mod interop_thirdparty;
mod interop_verifiers;
mod interop_wss4j;
mod keyx_exchange;
mod keyx_hostile;
mod keyx_lifecycle;
mod keyx_openssl;
mod keyx_support;
mod layering;
mod pattern_authenticated;
mod pattern_brokered;
mod pattern_delegated;
mod pattern_direct;
mod saml_hostile;
mod saml_interop;
mod saml_issue;
mod saml_support;
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
