//! Writing `EncryptedKey` and `EncryptedData`.

use crate::crypto::{self, BlockCipher, DigestAlgorithm, OaepParams, RsaPublicKey};
use crate::xml::{canonicalize, ns, C14nOptions, Document, NodeId, NodeKind, Writer};
use crate::xmlsec::algorithm::{self, uri};
use crate::xmlsec::enc::model::EncryptedType;
use crate::xmlsec::{base64, Error};

fn mgf_uri(d: DigestAlgorithm) -> &'static str {
    match d {
        DigestAlgorithm::Sha1 => uri::MGF1_SHA1,
        DigestAlgorithm::Sha256 => uri::MGF1_SHA256,
        DigestAlgorithm::Sha384 => uri::MGF1_SHA384,
        DigestAlgorithm::Sha512 => uri::MGF1_SHA512,
    }
}

/// Writes an `xenc:EncryptedKey` carrying `key` for `recipient` with RSA-OAEP.
///
/// SHA-1/MGF1-SHA1 is written as `rsa-oaep-mgf1p` (what WSS4J, WCF and xmlsec1 1.2 read);
/// anything else as XML Encryption 1.1 `rsa-oaep` with its `DigestMethod` and `MGF`.
/// `key_info` writes the content of `ds:KeyInfo` (typically a SecurityTokenReference to the
/// recipient's certificate); `data_references` become an `xenc:ReferenceList`.
pub fn write_encrypted_key(
    w: &mut Writer,
    id: Option<&str>,
    key: &[u8],
    recipient: &RsaPublicKey,
    oaep: &OaepParams,
    key_info: Option<&dyn Fn(&mut Writer)>,
    data_references: &[&str],
) -> Result<(), Error> {
    let wrapped = recipient.oaep_encrypt(oaep, key)?;
    w.start_prefixed(ns::XENC, "EncryptedKey", Some("xenc"));
    if let Some(id) = id {
        w.attr("", "Id", id);
    }
    let mgf1p = oaep.digest == DigestAlgorithm::Sha1 && oaep.mgf1 == DigestAlgorithm::Sha1;
    w.start_prefixed(ns::XENC, "EncryptionMethod", Some("xenc"))
        .attr(
            "",
            "Algorithm",
            if mgf1p {
                uri::RSA_OAEP_MGF1P
            } else {
                uri::RSA_OAEP
            },
        );
    w.start_prefixed(ns::DS, "DigestMethod", Some("ds"))
        .attr("", "Algorithm", algorithm::digest_uri(oaep.digest))
        .end();
    if !mgf1p {
        w.start_prefixed(ns::XENC11, "MGF", Some("xenc11"))
            .attr("", "Algorithm", mgf_uri(oaep.mgf1))
            .end();
    }
    if let Some(label) = oaep.label.as_deref().filter(|l| !l.is_empty()) {
        w.element_text(ns::XENC, "OAEPparams", &base64::encode(label));
    }
    w.end();
    if let Some(ki) = key_info {
        w.start_prefixed(ns::DS, "KeyInfo", Some("ds"));
        ki(w);
        w.end();
    }
    w.start_prefixed(ns::XENC, "CipherData", Some("xenc"));
    w.element_text(ns::XENC, "CipherValue", &base64::encode(&wrapped));
    w.end();
    if !data_references.is_empty() {
        w.start_prefixed(ns::XENC, "ReferenceList", Some("xenc"));
        for r in data_references {
            w.start_prefixed(ns::XENC, "DataReference", Some("xenc"))
                .attr("", "URI", r)
                .end();
        }
        w.end();
    }
    w.end();
    Ok(())
}

/// Writes an `xenc:EncryptedData` of `plaintext` under `key`.
pub fn write_encrypted_data(
    w: &mut Writer,
    id: Option<&str>,
    kind: EncryptedType,
    cipher: BlockCipher,
    key: &[u8],
    plaintext: &[u8],
    key_info: Option<&dyn Fn(&mut Writer)>,
) -> Result<(), Error> {
    let value = crypto::encrypt(cipher, key, plaintext)?;
    w.start_prefixed(ns::XENC, "EncryptedData", Some("xenc"));
    if let Some(id) = id {
        w.attr("", "Id", id);
    }
    match kind {
        EncryptedType::Element => {
            w.attr("", "Type", uri::TYPE_ELEMENT);
        }
        EncryptedType::Content => {
            w.attr("", "Type", uri::TYPE_CONTENT);
        }
        EncryptedType::Data => {}
    }
    w.start_prefixed(ns::XENC, "EncryptionMethod", Some("xenc"))
        .attr("", "Algorithm", algorithm::cipher_uri(cipher))
        .end();
    if let Some(ki) = key_info {
        w.start_prefixed(ns::DS, "KeyInfo", Some("ds"));
        ki(w);
        w.end();
    }
    w.start_prefixed(ns::XENC, "CipherData", Some("xenc"));
    w.element_text(ns::XENC, "CipherValue", &base64::encode(&value));
    w.end();
    w.end();
    Ok(())
}

/// The octets to encrypt for an element: its exclusive canonical form, which declares every
/// namespace it uses, so it parses back in any context.
pub fn element_plaintext(doc: &Document, node: NodeId) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    canonicalize(
        doc,
        node,
        &C14nOptions::exclusive().with_comments(true),
        &mut out,
    )?;
    Ok(out)
}

/// The octets to encrypt for the content of an element: each child in exclusive canonical
/// form.
pub fn content_plaintext(doc: &Document, node: NodeId) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    for c in doc.children(node) {
        match doc.kind(c) {
            NodeKind::Element => canonicalize(
                doc,
                c,
                &C14nOptions::exclusive().with_comments(true),
                &mut out,
            )?,
            _ => canonicalize(doc, c, &C14nOptions::exclusive(), &mut out)?,
        }
    }
    Ok(out)
}
