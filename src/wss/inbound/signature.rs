//! Signatures in the security header: the key their `KeyInfo` names (a token, an X.509
//! certificate, a bare key value or an issued token), verification, and the record of what
//! they cover.

use crate::pki::Certificate;
use crate::xml::{ns, Document, NodeId};
use crate::xmlsec::{self, ReferenceResolver, Signature, VerificationKey};

use super::{path_of, vt, Error, SignatureRecord, SigningToken, State, Token, TokenReference};

impl State<'_> {
    pub(super) fn signature(&mut self, item: NodeId) -> Result<(), Error> {
        let sig = Signature::read(self.doc(), item, &self.cfg.xmlsec)?;
        let ki = sig.key_info.ok_or(Error::TokenUnavailable {
            what: "signature without key info",
        })?;
        let doc = self.doc();
        let (record_token, verified) = if let Some(s) =
            doc.child(ki, ns::WSSE, "SecurityTokenReference")
        {
            let r = TokenReference::read(doc, s)?;
            if let Some(node) = self.assertion_named(&r)? {
                return self.issued_token_signature(item, node, &sig);
            }
            let is_cert = match &r {
                TokenReference::Reference { uri, .. } => uri
                    .strip_prefix('#')
                    .is_some_and(|id| matches!(self.by_id.get(id), Some(Token::X509(_)))),
                TokenReference::KeyIdentifier { value_type, .. } => {
                    matches!(
                        value_type.as_str(),
                        vt::X509V3 | vt::X509_SKI | vt::THUMBPRINT_SHA1
                    )
                }
                TokenReference::IssuerSerial { .. } => true,
            };
            if is_cert {
                self.verify_by_certificate(&sig, self.certificate_for(&r)?)?
            } else {
                let (key, source) = self.symmetric_for(&r)?;
                let v = self.verify_with(&sig, VerificationKey::Hmac(key.expose()))?;
                (SigningToken::Symmetric { source }, v)
            }
        } else if let Some(x509) = doc.child(ki, ns::DS, "X509Data") {
            let ders = xmlsec::x509_certificates(doc, ki)?;
            let cert = match ders.first() {
                Some(der) => Certificate::from_der(der).map_err(|_| Error::UnsupportedToken {
                    what: "certificate",
                })?,
                None => self.x509_data_reference(x509)?,
            };
            self.verify_by_certificate(&sig, cert)?
        } else if doc.child(ki, ns::DS, "KeyValue").is_some() {
            if !self.cfg.danger_allow_key_value {
                return Err(Error::UnsupportedToken {
                    what: "bare KeyValue (BSP R5417)",
                });
            }
            let key = xmlsec::rsa_key_value(doc, ki)?
                .ok_or(Error::UnsupportedToken { what: "KeyValue" })?;
            let v = self.verify_with(&sig, VerificationKey::Rsa(&key))?;
            (SigningToken::KeyValue, v)
        } else {
            return Err(Error::UnsupportedToken {
                what: "key info (RetrievalMethod, KeyName and others)",
            });
        };
        self.record_signature(item, record_token, &verified)
    }

    /// Verifies `sig` with `key` under the configured policy, dereferencing STR-Transforms
    /// to local tokens.
    pub(super) fn verify_with(
        &self,
        sig: &Signature,
        key: VerificationKey<'_>,
    ) -> Result<xmlsec::VerifiedSignature, Error> {
        Ok(xmlsec::verify(
            self.doc(),
            sig,
            key,
            &self.cfg.xmlsec,
            &StrResolver,
        )?)
    }

    /// Validates `cert` against the trust store, then verifies `sig` with its key.
    fn verify_by_certificate(
        &self,
        sig: &Signature,
        cert: Certificate,
    ) -> Result<(SigningToken, xmlsec::VerifiedSignature), Error> {
        self.env.keys.validate(&cert, self.now / 1000)?;
        let v = self.verify_with(sig, VerificationKey::Rsa(cert.public_key()))?;
        Ok((SigningToken::X509(cert), v))
    }

    pub(super) fn record_signature(
        &mut self,
        item: NodeId,
        record_token: SigningToken,
        verified: &xmlsec::VerifiedSignature,
    ) -> Result<(), Error> {
        let doc = self.doc();
        let whole_document = verified
            .signed_nodes()
            .iter()
            .any(|s| s.is_whole_document());
        let paths = verified
            .signed_nodes()
            .iter()
            .filter(|s| !s.is_whole_document())
            .map(|s| path_of(doc, s.node()))
            .collect();
        let signature_path = path_of(doc, item);
        self.out.algorithms.extend(verified.algorithms());
        self.out.signatures.push(SignatureRecord {
            token: record_token,
            value: verified.value().to_vec(),
            paths,
            whole_document,
            signature_path,
        });
        Ok(())
    }
}

/// STR-Transform dereferencing for local tokens (by `#id`, or a SAML assertion by id).
struct StrResolver;

impl ReferenceResolver for StrResolver {
    fn dereference_token(&self, doc: &Document, str_node: NodeId) -> Option<NodeId> {
        match TokenReference::read(doc, str_node).ok()? {
            TokenReference::Reference { uri, .. } => {
                doc.element_by_id(uri.strip_prefix('#')?).ok()?
            }
            TokenReference::KeyIdentifier { value_type, value }
                if value_type == vt::SAML_ASSERTION_ID || value_type == vt::SAML_ID =>
            {
                doc.element_by_id(&value).ok()?
            }
            _ => None,
        }
    }
}
