//! The one XML parser and the one tree every layer reads, the writer every layer emits with,
//! and canonicalization.
//!
//! Responsibility: turn untrusted bytes into an immutable namespace-aware [`Document`] under
//! [`Limits`], canonicalize any subtree of it (exclusive and inclusive c14n 1.0), and write
//! new XML that always parses back to what was meant ([`Writer`]).
//!
//! May use: nothing else in the crate.

mod c14n;
mod capture;
pub mod datetime;
mod error;
mod escape;
mod limits;
pub mod ns;
mod reader;
mod tree;
mod writer;

pub use c14n::{canonicalize, C14nMethod, C14nOptions};
pub use capture::{CaptureKind, Captured};
pub use error::Error;
pub use limits::Limits;
pub use tree::{
    is_id_attribute, Attribute, Children, Document, DuplicateId, Name, NamespaceDeclaration,
    NodeId, NodeKind,
};
pub use writer::Writer;
