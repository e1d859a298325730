//! Errors of the WS-Trust message model.
//!
//! Display texts are lower case and never contain input text (element text, attribute values,
//! URIs): only fixed names of the element concerned, so they are safe to log for hostile input.

use crate::xml;

/// An error while reading or writing a WS-Trust / WS-SecureConversation structure.
#[derive(Clone, Debug, Eq, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A required element or attribute is absent.
    #[error("missing {element}")]
    Missing {
        /// Name of the element (or attribute) that was expected.
        element: &'static str,
    },
    /// Something was found where it is not allowed (wrong element, wrong namespace).
    #[error("unexpected {what}")]
    Unexpected {
        /// What was found, as a fixed description.
        what: &'static str,
    },
    /// An element that may appear once appeared more than once (ambiguous, so refused).
    #[error("duplicate {element}")]
    Duplicate {
        /// Name of the repeated element.
        element: &'static str,
    },
    /// The text or an attribute of an element is not a valid value of its type.
    #[error("invalid value in {element}")]
    BadValue {
        /// Name of the element (or attribute) holding the value.
        element: &'static str,
    },
    /// The XML layer refused the input or the output.
    #[error("xml: {0}")]
    Xml(#[from] xml::Error),
}
