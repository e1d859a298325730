//! Tokens and the keys they carry: BinarySecurityTokens (certificates), EncryptedKeys
//! addressed to us, security context tokens and derived keys, and the certificate or
//! symmetric key a `SecurityTokenReference` names.

use crate::crypto::{self, DigestAlgorithm, SecretBytes};
use crate::pki::Certificate;
use crate::xml::{ns, NodeId};
use crate::xmlsec::{self, base64_decode, decrypt_key, EncryptedKey, KeyEncryptionKey};

use super::{vt, CertificateRef, Error, KeySource, State, Token, TokenReference};

impl State<'_> {
    pub(super) fn binary_security_token(&mut self, item: NodeId) -> Result<(), Error> {
        let doc = self.doc();
        let vt_ = doc.attribute(item, "", "ValueType").unwrap_or("").trim();
        if vt_ != vt::X509V3 {
            return Err(Error::UnsupportedToken {
                what: "binary security token value type",
            });
        }
        if let Some(enc) = doc.attribute(item, "", "EncodingType") {
            if enc.trim() != vt::BASE64 {
                return Err(Error::UnsupportedToken {
                    what: "binary security token encoding",
                });
            }
        }
        let der = base64_decode(&doc.text(item)).ok_or(Error::Malformed {
            what: "BinarySecurityToken",
        })?;
        let cert = Certificate::from_der(&der).map_err(|_| Error::UnsupportedToken {
            what: "certificate",
        })?;
        let id = doc.id_of(item).map(str::to_owned);
        if let Some(id) = id {
            self.by_id.insert(id, Token::X509(cert));
        }
        Ok(())
    }

    /// The certificate a STR names.
    pub(super) fn certificate_for(&self, r: &TokenReference) -> Result<Certificate, Error> {
        let unavailable = Error::TokenUnavailable {
            what: "certificate",
        };
        // The trust store's name for it, unless the message carries it.
        let by = match r {
            TokenReference::Reference { uri, .. } => {
                let id = uri.strip_prefix('#').ok_or(Error::TokenUnavailable {
                    what: "non-local certificate reference",
                })?;
                return match self.by_id.get(id) {
                    Some(Token::X509(c)) => Ok(c.clone()),
                    _ => Err(unavailable),
                };
            }
            TokenReference::KeyIdentifier { value_type, value } => {
                let bytes = || TokenReference::key_identifier_bytes(value);
                match value_type.as_str() {
                    vt::X509V3 => return Certificate::from_der(&bytes()?).map_err(|_| unavailable),
                    vt::X509_SKI => CertificateRef::SubjectKeyId(bytes()?),
                    vt::THUMBPRINT_SHA1 => CertificateRef::ThumbprintSha1(bytes()?),
                    _ => {
                        return Err(Error::UnsupportedToken {
                            what: "key identifier type for a certificate",
                        })
                    }
                }
            }
            TokenReference::IssuerSerial { issuer, serial } => CertificateRef::IssuerSerial {
                issuer: issuer.clone(),
                serial: serial.clone(),
            },
        };
        self.env.keys.certificate(&by).ok_or(unavailable)
    }

    /// The SecurityTokenReference inside a KeyInfo (`what` names the refusal otherwise).
    pub(super) fn key_info_reference(
        &self,
        key_info: NodeId,
        what: &'static str,
    ) -> Result<TokenReference, Error> {
        let s = self
            .doc()
            .child(key_info, ns::WSSE, "SecurityTokenReference")
            .ok_or(Error::UnsupportedToken { what })?;
        TokenReference::read(self.doc(), s)
    }

    pub(super) fn encrypted_key(&mut self, item: NodeId) -> Result<(), Error> {
        let ek = EncryptedKey::read(self.doc(), item)?;
        let ki = ek.key_info.ok_or(Error::TokenUnavailable {
            what: "encrypted key without key info",
        })?;
        let r = self.key_info_reference(ki, "encrypted key recipient reference")?;
        let cert = self.certificate_for(&r)?;
        let pk = self
            .env
            .keys
            .private_key(&cert)
            .ok_or(Error::TokenUnavailable {
                what: "no private key for the encrypted key's recipient",
            })?;
        let key = decrypt_key(&ek, KeyEncryptionKey::Rsa(&pk), &self.cfg.xmlsec)?;
        self.out.algorithms.add(ek.method.algorithm());
        let sha1 = xmlsec::base64_encode(&crypto::digest(DigestAlgorithm::Sha1, &ek.cipher_value));
        let source = KeySource::EncryptedKey { sha1: sha1.clone() };
        if let Some(id) = &ek.id {
            self.by_id
                .insert(id.clone(), Token::Symmetric(key.clone(), source.clone()));
            self.out
                .symmetric_tokens
                .push((id.clone(), key.clone(), source));
        }
        self.ek_by_sha1.push((sha1, key.clone()));
        if !ek.data_references.is_empty() {
            self.decrypt_references(&ek.data_references, Some(&key))?;
        }
        Ok(())
    }

    /// The symmetric key a STR names (EncryptedKey, SCT, DKT).
    pub(super) fn symmetric_for(
        &self,
        r: &TokenReference,
    ) -> Result<(SecretBytes, KeySource), Error> {
        match r {
            TokenReference::Reference { uri, value_type } => {
                if let Some(id) = uri.strip_prefix('#') {
                    match self.by_id.get(id) {
                        Some(Token::Symmetric(k, s)) => Ok((k.clone(), s.clone())),
                        Some(Token::X509(_)) => Err(Error::XmlSec(xmlsec::Error::WrongKeyType)),
                        None => Err(Error::TokenUnavailable {
                            what: "referenced token",
                        }),
                    }
                } else if matches!(value_type.as_deref(), Some(vt::SCT_13 | vt::SCT_2005)) {
                    // A context referenced by its identifier (WCF does this).
                    if let Some((_, k)) = self.sct_by_identifier.iter().find(|(i, _)| i == uri) {
                        return Ok((
                            k.clone(),
                            KeySource::SecurityContext {
                                identifier: uri.clone(),
                            },
                        ));
                    }
                    let k = self.env.keys.security_context(uri, None).ok_or(
                        Error::TokenUnavailable {
                            what: "security context",
                        },
                    )?;
                    Ok((
                        k,
                        KeySource::SecurityContext {
                            identifier: uri.clone(),
                        },
                    ))
                } else {
                    Err(Error::TokenUnavailable {
                        what: "non-local reference",
                    })
                }
            }
            TokenReference::KeyIdentifier { value_type, value }
                if value_type == vt::ENCRYPTED_KEY_SHA1 =>
            {
                let want = value.trim();
                self.ek_by_sha1
                    .iter()
                    .find(|(s, _)| crypto::ct_eq(s.as_bytes(), want.as_bytes()))
                    .map(|(s, k)| (k.clone(), KeySource::EncryptedKey { sha1: s.clone() }))
                    .or_else(|| {
                        // A key we sent in an earlier message (a reply encrypted with it).
                        self.env.keys.encrypted_key(want).map(|k| {
                            (
                                k,
                                KeySource::EncryptedKey {
                                    sha1: want.to_owned(),
                                },
                            )
                        })
                    })
                    .ok_or(Error::TokenUnavailable {
                        what: "encrypted key by sha1",
                    })
            }
            _ => Err(Error::UnsupportedToken {
                what: "reference for a symmetric key",
            }),
        }
    }

    pub(super) fn security_context(&mut self, item: NodeId) -> Result<(), Error> {
        let doc = self.doc();
        let sc_ns = doc.name(item).ns;
        let identifier = doc
            .child(item, sc_ns, "Identifier")
            .map(|i| doc.text(i).trim().to_owned())
            .ok_or(Error::Malformed {
                what: "SCT Identifier",
            })?;
        let instance = doc
            .child(item, sc_ns, "Instance")
            .map(|i| doc.text(i).trim().to_owned());
        let id = doc.id_of(item).map(str::to_owned);
        let key = self
            .env
            .keys
            .security_context(&identifier, instance.as_deref())
            .ok_or(Error::TokenUnavailable {
                what: "security context",
            })?;
        let source = KeySource::SecurityContext {
            identifier: identifier.clone(),
        };
        if let Some(id) = id {
            self.by_id
                .insert(id.clone(), Token::Symmetric(key.clone(), source.clone()));
            self.out.symmetric_tokens.push((id, key.clone(), source));
        }
        self.sct_by_identifier.push((identifier.clone(), key));
        self.out.security_contexts.push(identifier);
        Ok(())
    }

    pub(super) fn derived_key(&mut self, item: NodeId) -> Result<(), Error> {
        let doc = self.doc();
        let sc_ns = doc.name(item).ns;
        if let Some(a) = doc.attribute(item, "", "Algorithm") {
            if !matches!(a.trim(), vt::DK_PSHA1_13 | vt::DK_PSHA1_2005) {
                return Err(Error::UnsupportedToken {
                    what: "derivation algorithm",
                });
            }
        }
        let str_node =
            doc.child(item, ns::WSSE, "SecurityTokenReference")
                .ok_or(Error::Malformed {
                    what: "DerivedKeyToken base",
                })?;
        let r = TokenReference::read(doc, str_node)?;
        let num = |local: &str| -> Result<Option<usize>, Error> {
            match doc.child(item, sc_ns, local) {
                None => Ok(None),
                Some(n) => doc
                    .text(n)
                    .trim()
                    .parse::<usize>()
                    .map(Some)
                    .map_err(|_| Error::DerivedKey { what: "number" }),
            }
        };
        let length = num("Length")?.unwrap_or(32);
        let offset = match (num("Offset")?, num("Generation")?) {
            (Some(_), Some(_)) => {
                return Err(Error::DerivedKey {
                    what: "both offset and generation",
                })
            }
            (Some(o), None) => o,
            (None, Some(g)) => g
                .checked_mul(length)
                .ok_or(Error::DerivedKey { what: "generation" })?,
            (None, None) => 0,
        };
        if length < self.cfg.min_derived_key_len {
            return Err(Error::DerivedKey {
                what: "key shorter than 128 bits",
            });
        }
        if offset
            .checked_add(length)
            .is_none_or(|e| e > self.cfg.max_derived_key_end)
        {
            return Err(Error::DerivedKey {
                what: "offset and length too large",
            });
        }
        let label = doc
            .child(item, sc_ns, "Label")
            .map(|l| doc.text(l).into_owned())
            .unwrap_or_else(|| "WS-SecureConversationWS-SecureConversation".to_owned());
        let nonce = doc
            .child(item, sc_ns, "Nonce")
            .and_then(|n| base64_decode(&doc.text(n)))
            .ok_or(Error::DerivedKey {
                what: "missing nonce",
            })?;
        let id = doc.id_of(item).map(str::to_owned);
        let (base, source) = self.symmetric_for(&r)?;
        let mut seed = label.into_bytes();
        seed.extend_from_slice(&nonce);
        let key = crypto::psha1_at(base.expose(), &seed, offset, length)
            .map_err(|_| Error::DerivedKey { what: "derivation" })?;
        let source = KeySource::Derived(Box::new(source));
        if let Some(id) = id {
            self.by_id
                .insert(id.clone(), Token::Symmetric(key.clone(), source.clone()));
            self.out.symmetric_tokens.push((id, key, source));
        }
        Ok(())
    }

    /// A certificate named in `ds:X509Data` by IssuerSerial or SKI (not carried inline).
    pub(super) fn x509_data_reference(&self, x509: NodeId) -> Result<Certificate, Error> {
        let doc = self.doc();
        if let Some(is) = doc.child(x509, ns::DS, "X509IssuerSerial") {
            let text = |local: &str| {
                doc.child(is, ns::DS, local)
                    .map(|n| doc.text(n).trim().to_owned())
                    .ok_or(Error::Malformed {
                        what: "X509IssuerSerial",
                    })
            };
            let r = TokenReference::IssuerSerial {
                issuer: text("X509IssuerName")?,
                serial: text("X509SerialNumber")?,
            };
            return self.certificate_for(&r);
        }
        if let Some(ski) = doc.child(x509, ns::DS, "X509SKI") {
            let r = TokenReference::KeyIdentifier {
                value_type: vt::X509_SKI.to_owned(),
                value: doc.text(ski).trim().to_owned(),
            };
            return self.certificate_for(&r);
        }
        Err(Error::UnsupportedToken {
            what: "X509Data without certificate, issuer-serial or ski",
        })
    }
}
