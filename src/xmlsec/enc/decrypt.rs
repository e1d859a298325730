//! Decryption. Every failure, whatever its cause (key transport, padding, tag, plaintext
//! that does not parse), is the one [`Error::Decryption`]: no padding or OAEP oracle.

use std::ops::Range;

use crate::crypto::{self, RsaPrivateKey, SecretBytes};
use crate::xml::{Document, Limits, NodeId, NodeKind};
use crate::xmlsec::enc::model::{EncryptedData, EncryptedKey, EncryptedType, KeyTransport};
use crate::xmlsec::{Error, Policy};

/// The key that unwraps an `EncryptedKey`.
#[derive(Clone, Copy, Debug)]
pub enum KeyEncryptionKey<'a> {
    /// Our RSA private key (RSA-OAEP).
    Rsa(&'a RsaPrivateKey),
    /// A symmetric key-encryption key (AES key wrap).
    Symmetric(&'a [u8]),
}

/// Unwraps the key of an `EncryptedKey`.
pub fn decrypt_key(
    ek: &EncryptedKey,
    kek: KeyEncryptionKey<'_>,
    policy: &Policy,
) -> Result<SecretBytes, Error> {
    match &ek.method {
        // Refused below, whatever the policy says.
        KeyTransport::Rsa15 => {}
        // Not implemented (aws-lc-rs has OAEP with equal hashes only): unsupported, not a
        // policy matter.
        KeyTransport::RsaOaep(p) if p.digest != p.mgf1 => {
            return Err(Error::unsupported(
                "rsa-oaep with different digest and mgf1",
            ))
        }
        m => policy.check(m.algorithm())?,
    }
    match (&ek.method, kek) {
        // PKCS#1 v1.5 key transport is a padding-oracle class (Bleichenbacher): never
        // implemented, whatever the policy says.
        (KeyTransport::Rsa15, _) => Err(Error::Refused {
            what: if policy.danger_allow_rsa_1_5 {
                "rsa-1_5 key transport is not implemented"
            } else {
                "rsa-1_5 key transport"
            },
        }),
        (KeyTransport::RsaOaep(params), KeyEncryptionKey::Rsa(k)) => k
            .oaep_decrypt(params, &ek.cipher_value)
            .map_err(|e| match e {
                crypto::Error::Unsupported(_) => Error::unsupported("rsa-oaep parameters"),
                _ => Error::Decryption,
            }),
        (KeyTransport::AesKeyWrap(len), KeyEncryptionKey::Symmetric(k)) => {
            if k.len() != *len {
                return Err(Error::Decryption);
            }
            crypto::aes_key_unwrap(k, &ek.cipher_value).map_err(|_| Error::Decryption)
        }
        _ => Err(Error::WrongKeyType),
    }
}

/// Decrypts the octets of an `EncryptedData` with its content key.
pub fn decrypt_data(ed: &EncryptedData, key: &[u8], policy: &Policy) -> Result<SecretBytes, Error> {
    policy.check(crate::xmlsec::Algorithm::DataEncryption(ed.method))?;
    if key.len() != ed.method.key_len() {
        return Err(Error::Decryption);
    }
    crypto::decrypt(ed.method, key, &ed.cipher_value).map_err(|_| Error::Decryption)
}

/// A document with one `EncryptedData` replaced by its plaintext.
#[derive(Debug)]
pub struct Decrypted {
    /// The new document (node ids differ from the old one).
    pub document: Document,
    /// Byte range of the plaintext in the new document's source.
    pub region: Range<usize>,
}

/// Puts `plaintext` in place of `ed` and re-parses the whole document under `limits`.
///
/// The plaintext must first parse as a balanced fragment in the namespace context of the
/// `EncryptedData` (a single element for `Element` type), so it cannot close or open
/// elements outside the place it replaces.
pub fn replace_encrypted_data(
    doc: &Document,
    ed: &EncryptedData,
    plaintext: &[u8],
    limits: &Limits,
) -> Result<Decrypted, Error> {
    if ed.kind == EncryptedType::Data {
        return Err(Error::Refused {
            what: "EncryptedData without Element or Content type put into the tree",
        });
    }
    let text = std::str::from_utf8(plaintext).map_err(|_| Error::Decryption)?;
    check_fragment(doc, ed.node, text, ed.kind, limits)?;
    let span = doc.span(ed.node);
    let src = doc.source();
    let mut out = String::with_capacity(src.len() + text.len());
    out.push_str(src.get(..span.start).ok_or(Error::Decryption)?);
    out.push_str(text);
    out.push_str(src.get(span.end..).ok_or(Error::Decryption)?);
    let document = Document::parse_with(out.as_bytes(), limits).map_err(|_| Error::Decryption)?;
    Ok(Decrypted {
        document,
        region: span.start..span.start + text.len(),
    })
}

fn check_fragment(
    doc: &Document,
    at: NodeId,
    text: &str,
    kind: EncryptedType,
    limits: &Limits,
) -> Result<(), Error> {
    // The namespace context of the EncryptedData, innermost binding first.
    let mut decls: Vec<(&str, &str)> = Vec::new();
    let mut cur = doc.parent_element(at);
    while let Some(n) = cur {
        for d in doc.namespace_declarations(n) {
            if !decls.iter().any(|(p, _)| *p == d.prefix) {
                decls.push((d.prefix, d.uri));
            }
        }
        cur = doc.parent_element(n);
    }
    let mut wrapper = String::with_capacity(text.len() + 256);
    wrapper.push_str("<wstrust-fragment");
    for (p, u) in &decls {
        if p.is_empty() {
            wrapper.push_str(" xmlns=\"");
        } else {
            wrapper.push_str(" xmlns:");
            wrapper.push_str(p);
            wrapper.push_str("=\"");
        }
        wrapper.push_str(
            &u.replace('&', "&amp;")
                .replace('"', "&quot;")
                .replace('<', "&lt;"),
        );
        wrapper.push('"');
    }
    wrapper.push('>');
    wrapper.push_str(text);
    wrapper.push_str("</wstrust-fragment>");
    let frag = Document::parse_with(wrapper.as_bytes(), limits).map_err(|_| Error::Decryption)?;
    if kind == EncryptedType::Element {
        let mut elements = 0;
        for c in frag.children(frag.root()) {
            match frag.kind(c) {
                NodeKind::Element => elements += 1,
                NodeKind::Text(t) if t.trim().is_empty() => {}
                _ => return Err(Error::Decryption),
            }
        }
        if elements != 1 {
            return Err(Error::Decryption);
        }
    }
    Ok(())
}
