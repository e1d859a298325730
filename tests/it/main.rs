//! The integration test binary: one binary, one module per area.

mod c14n_vectors;
mod hostile_xml;
mod support;
mod trust_model;
mod xml_roundtrip;
