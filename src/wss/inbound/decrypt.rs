//! Decryption of the `xenc:EncryptedData` a ReferenceList or EncryptedKey names: each is
//! replaced by its plaintext and the document re-parsed, recording exactly the elements that
//! came out of it.

use crate::crypto::SecretBytes;
use crate::xml::{ns, Document, NodeId};
use crate::xmlsec::{self, decrypt_data, replace_encrypted_data, EncryptedData, EncryptedType};

use super::{path_of, Error, Path, State};

impl State<'_> {
    pub(super) fn decrypt_references(
        &mut self,
        refs: &[String],
        key: Option<&SecretBytes>,
    ) -> Result<(), Error> {
        for r in refs {
            let id = r.strip_prefix('#').ok_or(Error::Malformed {
                what: "data reference is not local",
            })?;
            let node = self
                .doc()
                .element_by_id(id)
                .map_err(|_| xmlsec::Error::DuplicateId)?
                .ok_or(Error::TokenUnavailable {
                    what: "encrypted data",
                })?;
            let ed = EncryptedData::read(self.doc(), node)?;
            let content_key = match key {
                Some(k) => k.clone(),
                None => {
                    let ki = ed.key_info.ok_or(Error::TokenUnavailable {
                        what: "encrypted data without key",
                    })?;
                    let r = self.key_info_reference(ki, "encrypted data key reference")?;
                    self.symmetric_for(&r)?.0
                }
            };
            let plain = decrypt_data(&ed, content_key.expose(), &self.cfg.xmlsec)?;
            self.out
                .algorithms
                .add(xmlsec::Algorithm::DataEncryption(ed.method));
            let parent_path = path_of(
                self.doc(),
                self.doc().parent_element(node).ok_or(Error::Malformed {
                    what: "encrypted document element",
                })?,
            );
            let shifts_from = match ed.kind {
                EncryptedType::Element => None,
                EncryptedType::Content => Some(parent_path),
                EncryptedType::Data => {
                    return Err(Error::Malformed {
                        what: "encrypted data of no element or content type",
                    })
                }
            };
            // Paths recorded inside a parent whose content changes shape would be stale.
            if let Some(pp) = shifts_from {
                let stale = |p: &Path| p.len() > pp.len() && p.starts_with(&pp);
                if self
                    .out
                    .signatures
                    .iter()
                    .any(|s| s.paths.iter().any(stale) || stale(&s.signature_path))
                    || self.out.timestamp_path.as_ref().is_some_and(stale)
                    || self.out.username_token_path.as_ref().is_some_and(stale)
                    || self.out.encrypted.iter().any(stale)
                    || self.out.assertion_paths.iter().any(stale)
                {
                    return Err(Error::Policy {
                        what: "signature inside content that was decrypted later",
                    });
                }
            }
            let replaced =
                replace_encrypted_data(self.doc(), &ed, plain.expose(), &self.cfg.limits)?;
            self.out.document = replaced.document;
            // Record exactly the elements that came out of the plaintext: for Content type
            // the parent's other children did not.
            let region = replaced.region;
            let doc = &self.out.document;
            let top: Vec<Path> = doc
                .descendants_or_self(doc.root())
                .filter(|n| {
                    let sp = doc.span(*n);
                    doc.is_element(*n)
                        && sp.start >= region.start
                        && sp.end <= region.end
                        && doc
                            .parent_element(*n)
                            .is_none_or(|p| doc.span(p).start < region.start)
                })
                .map(|n| path_of(doc, n))
                .collect();
            self.out.encrypted.extend(top);
        }
        Ok(())
    }
}

pub(super) fn data_references(doc: &Document, list: NodeId) -> Vec<String> {
    doc.children_named(list, ns::XENC, "DataReference")
        .filter_map(|d| doc.attribute(d, "", "URI").map(str::to_owned))
        .collect()
}
