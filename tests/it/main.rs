//! The integration test binary: one binary, one module per area.

mod c14n_vectors;
mod c14n_xmllint;
mod hostile_xml;
mod support;
mod xml_roundtrip;
