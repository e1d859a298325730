//! Errors of the XML layer.
//!
//! Variants are grouped by cause. Display texts never contain input text: only a byte position
//! and a fixed description, so they are safe to log for hostile input.

/// An error while reading, building or writing XML.
#[derive(Clone, Debug, Eq, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input is not well-formed XML (as reported by the tokenizer or by our own checks).
    #[error("xml syntax error at byte {pos}: {what}")]
    Syntax {
        /// Byte offset in the input.
        pos: u64,
        /// What was wrong.
        what: &'static str,
    },
    /// A construct we never accept: DTDs, entity declarations or references to entities that
    /// are not predefined, a non-UTF-8 encoding.
    #[error("forbidden xml construct at byte {pos}: {what}")]
    Forbidden {
        /// Byte offset in the input.
        pos: u64,
        /// What was found.
        what: &'static str,
    },
    /// A configured limit was exceeded (see [`crate::xml::Limits`]).
    #[error("xml limit exceeded at byte {pos}: `{limit}` (maximum {max})")]
    Limit {
        /// Byte offset in the input.
        pos: u64,
        /// Name of the `Limits` field.
        limit: &'static str,
        /// The configured maximum.
        max: usize,
    },
    /// A namespace well-formedness error (unbound prefix, duplicate expanded attribute name,
    /// illegal binding of `xml`/`xmlns`).
    #[error("xml namespace error at byte {pos}: {what}")]
    Namespace {
        /// Byte offset in the input.
        pos: u64,
        /// What was wrong.
        what: &'static str,
    },
    /// The writer was asked to produce something that is not XML (invalid name or character).
    #[error("xml writer refused: {0}")]
    Write(&'static str),
    /// Writing canonical output to a sink failed.
    #[error("xml output failed: {0}")]
    Io(&'static str),
}

impl Error {
    /// The byte position in the input, when the error has one.
    pub fn position(&self) -> Option<u64> {
        match self {
            Self::Syntax { pos, .. }
            | Self::Forbidden { pos, .. }
            | Self::Limit { pos, .. }
            | Self::Namespace { pos, .. } => Some(*pos),
            Self::Write(_) | Self::Io(_) => None,
        }
    }
}
