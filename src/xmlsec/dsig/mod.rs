//! XML Signature: reading, verifying and making `ds:Signature` elements.

pub(crate) mod model;
pub(crate) mod sign;
pub(crate) mod verify;
