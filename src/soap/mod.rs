//! SOAP 1.1 and 1.2 envelopes, faults and WS-Addressing: no security.
//!
//! Responsibility: recognise the SOAP version, give typed access to header blocks and the
//! single body element, enforce `mustUnderstand`, read and answer WS-Addressing headers, and
//! write envelopes and faults for both versions.
//!
//! May use: xml.

mod addressing;
mod envelope;
mod error;
mod fault;
mod version;

pub use addressing::{
    is_processed_header, Addressing, AddressingVersion, ReplyAddressing, ANONYMOUS,
};
pub use envelope::{Envelope, HeaderBlock};
pub use error::Error;
pub use fault::{Fault, FaultCode, FaultSubcode};
pub use version::SoapVersion;

use crate::xml::Writer;

/// Writes a whole envelope: `headers` writes the header blocks inside `Header` (an empty
/// `Header` is valid SOAP and keeps this single-pass), `body` writes the body content.
pub fn write_envelope(
    w: &mut Writer,
    version: SoapVersion,
    headers: impl FnOnce(&mut Writer),
    body: impl FnOnce(&mut Writer),
) {
    let ns = version.namespace();
    w.start_prefixed(ns, "Envelope", Some("s"));
    w.start_prefixed(ns, "Header", Some("s"));
    headers(w);
    w.end();
    w.start_prefixed(ns, "Body", Some("s"));
    body(w);
    w.end();
    w.end();
}
