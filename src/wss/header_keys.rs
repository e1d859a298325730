//! The request's own encryption key, as the reply needs it: a reply to a request whose Body
//! came encrypted under an `xenc:EncryptedKey` is encrypted with that same key (pattern 4).

use crate::crypto::SecretBytes;
use crate::xml::ns;

use super::{Error, KeySource, SecuredMessage};

impl SecuredMessage {
    /// The first `xenc:EncryptedKey` carried directly in a `wsse:Security` header (in
    /// document order) whose key this message's processing opened: the key, and the base64
    /// SHA-1 of the wrapped key (its EncryptedKeySHA1). `None` when there is none.
    pub fn header_encrypted_key(&self) -> Result<Option<(&SecretBytes, &str)>, Error> {
        let env = self.envelope()?;
        let doc = self.document();
        for h in env.headers_named(ns::WSSE, "Security") {
            for ek in doc.children_named(h.node, ns::XENC, "EncryptedKey") {
                let Some(id) = doc.attribute(ek, "", "Id") else {
                    continue;
                };
                if let Some((key, KeySource::EncryptedKey { sha1 })) = self.symmetric_key(id) {
                    return Ok(Some((key, sha1.as_str())));
                }
            }
        }
        Ok(None)
    }
}
