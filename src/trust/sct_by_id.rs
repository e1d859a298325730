//! A SecurityContextToken that a reference names by `#Id` elsewhere in the message.

use crate::xml::Document;

use super::{Error, FromElement, SecurityContextToken};

impl SecurityContextToken {
    /// The SCT whose element has the XML ID `id` in `doc` (`None`: no element has it, or
    /// more than one does); an error when that element is not an SCT.
    pub fn read_by_id(doc: &Document, id: &str) -> Result<Option<Self>, Error> {
        match doc.element_by_id(id).ok().flatten() {
            Some(el) => Self::read(doc, el).map(Some),
            None => Ok(None),
        }
    }
}
