//! Issued tokens as signing keys: a SAML assertion in the security header that a
//! signature's `SecurityTokenReference` names (holder of key), validated through
//! [`KeyResolver::issued_token`](super::KeyResolver::issued_token), the signature verified
//! with its subject confirmation key.

use crate::crypto::{RsaPublicKey, SecretBytes};
use crate::saml::{Confirmation, PublicKeyInfo};
use crate::xml::{ns, NodeId};
use crate::xmlsec::{self, Signature, VerificationKey};

use super::{node_at, vt, Error, SigningToken, State, TokenReference};

/// The proof key of a holder-of-key assertion.
enum IssuedKey {
    Public(RsaPublicKey),
    Symmetric(SecretBytes),
}

impl State<'_> {
    /// The header assertion a STR names as a signature's key: by a SAML key identifier
    /// (`SAMLAssertionID`, `SAMLID`) or by a local reference to its Id. `None`: the STR names
    /// no assertion. An assertion key identifier naming no header assertion is refused.
    pub(super) fn assertion_named(&self, r: &TokenReference) -> Result<Option<NodeId>, Error> {
        let doc = self.doc();
        let (id, by_saml_type) = match r {
            TokenReference::KeyIdentifier { value_type, value }
                if value_type == vt::SAML_ASSERTION_ID || value_type == vt::SAML_ID =>
            {
                (value.trim(), true)
            }
            TokenReference::Reference { uri, value_type } => match uri.strip_prefix('#') {
                Some(id) => (
                    id,
                    matches!(
                        value_type.as_deref(),
                        Some(vt::SAML_ASSERTION_ID | vt::SAML_ID)
                    ),
                ),
                None => return Ok(None),
            },
            _ => return Ok(None),
        };
        let found = self.out.assertion_paths.iter().find_map(|p| {
            let n = node_at(doc, p)?;
            let a = if doc.is(n, ns::SAML2, "Assertion") {
                "ID"
            } else {
                "AssertionID"
            };
            (doc.attribute(n, "", a) == Some(id)).then_some(n)
        });
        match found {
            Some(n) => {
                // The Id must name that assertion and nothing else in the message.
                match doc.element_by_id(id) {
                    Ok(Some(m)) if m == n => Ok(Some(n)),
                    _ => Err(Error::XmlSec(xmlsec::Error::DuplicateId)),
                }
            }
            None if by_saml_type => Err(Error::TokenUnavailable {
                what: "assertion not in the security header",
            }),
            None => Ok(None),
        }
    }

    /// The subject confirmation key of the header assertion `node`, validated by the
    /// resolver once per message.
    fn issued_token_key(&mut self, node: NodeId) -> Result<(String, IssuedKey), Error> {
        let doc = self.doc();
        let a = if doc.is(node, ns::SAML2, "Assertion") {
            "ID"
        } else {
            "AssertionID"
        };
        let id = doc
            .attribute(node, "", a)
            .ok_or(Error::Malformed {
                what: "assertion without its Id",
            })?
            .to_owned();
        if self.out.issued_token(&id).is_none() {
            let v = self
                .env
                .keys
                .issued_token(doc, node, self.now)
                .map_err(Error::IssuedToken)?;
            if v.id != id {
                return Err(Error::Malformed {
                    what: "validated assertion is not the one named",
                });
            }
            self.out.issued.push((id.clone(), v));
        }
        let v = self.out.issued_token(&id).ok_or(Error::TokenUnavailable {
            what: "issued token",
        })?;
        let key = match &v.confirmation {
            Confirmation::HolderOfKeyPublic(PublicKeyInfo::Certificate(c)) => {
                IssuedKey::Public(c.public_key().clone())
            }
            Confirmation::HolderOfKeyPublic(PublicKeyInfo::RsaKeyValue(k)) => {
                IssuedKey::Public(k.clone())
            }
            Confirmation::HolderOfKeySymmetric { key } => IssuedKey::Symmetric(key.clone()),
            _ => {
                return Err(Error::Policy {
                    what: "a signature by an assertion that confirms no key (bearer)",
                })
            }
        };
        Ok((id, key))
    }

    /// Verifies signature `item` (read as `sig`) with the confirmation key of the header
    /// assertion `node` and records it as [`SigningToken::IssuedToken`].
    pub(super) fn issued_token_signature(
        &mut self,
        item: NodeId,
        node: NodeId,
        sig: &Signature,
    ) -> Result<(), Error> {
        let (id, key) = self.issued_token_key(node)?;
        let key = match &key {
            IssuedKey::Public(k) => VerificationKey::Rsa(k),
            IssuedKey::Symmetric(k) => VerificationKey::Hmac(k.expose()),
        };
        let v = self.verify_with(sig, key)?;
        self.record_signature(item, SigningToken::IssuedToken { id }, &v)
    }
}
