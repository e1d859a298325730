//! The documents `inspect` explains besides WS-Trust messages: a bare `xenc:EncryptedData` or
//! `xenc:EncryptedKey`, a signed document (`ds:Signature` as the root or inside it), a
//! WS-MetadataExchange / WSDL document (endpoints, bindings, policies) and WS-Federation (SAML
//! 2.0) metadata (entity, roles, certificates, endpoints).
//!
//! Everything is read from the tree as it stands; nothing is fetched (no `CipherReference`,
//! no `RetrievalMethod`, no `MetadataReference`), nothing is decrypted without a key given,
//! and a signature is verified only with a certificate or key given on the command line,
//! never with the one the document carries.

use crate::crypto::{self, hex, DigestAlgorithm};
use crate::pki::Certificate;
use crate::xml::{datetime, ns, Document, NodeId};
use crate::xmlsec::{
    self, base64_decode, decrypt_data, decrypt_key, EncryptedData, EncryptedKey, KeyEncryptionKey,
    NoResolver, Policy, Signature, VerificationKey,
};

use super::metadata::{explain_federation, explain_mex, MD, WSDL};
use super::{clean, describe_key_info, open_encrypted_key, short, InspectKeys, Report};

/// The elements named `{ns}local` in the subtree of `n`, in document order.
pub(super) fn all(doc: &Document, n: NodeId, ns_: &str, local: &str) -> Vec<NodeId> {
    doc.descendants_or_self(n)
        .filter(|x| doc.is(*x, ns_, local))
        .collect()
}

/// The `Algorithm` of child `{ns}local` of `n`.
pub(super) fn algorithm<'d>(
    doc: &'d Document,
    n: NodeId,
    ns_: &str,
    local: &str,
) -> Option<&'d str> {
    doc.child(n, ns_, local)
        .and_then(|m| doc.attribute(m, "", "Algorithm"))
}

/// A readable name for an algorithm URI (its fragment or last segment when unknown).
pub(super) fn algorithm_name(uri: &str) -> String {
    let known = match uri {
        "http://www.w3.org/2001/04/xmlenc#aes128-cbc" => "AES-128-CBC",
        "http://www.w3.org/2001/04/xmlenc#aes192-cbc" => "AES-192-CBC",
        "http://www.w3.org/2001/04/xmlenc#aes256-cbc" => "AES-256-CBC",
        "http://www.w3.org/2009/xmlenc11#aes128-gcm" => "AES-128-GCM",
        "http://www.w3.org/2009/xmlenc11#aes192-gcm" => "AES-192-GCM",
        "http://www.w3.org/2009/xmlenc11#aes256-gcm" => "AES-256-GCM",
        "http://www.w3.org/2001/04/xmlenc#tripledes-cbc" => "3DES-CBC",
        "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p" => "RSA-OAEP (MGF1 with SHA-1)",
        "http://www.w3.org/2009/xmlenc11#rsa-oaep" => "RSA-OAEP",
        "http://www.w3.org/2001/04/xmlenc#rsa-1_5" => "RSA PKCS#1 v1.5 (refused by this library)",
        "http://www.w3.org/2001/04/xmlenc#kw-aes128" => "AES-128 key wrap",
        "http://www.w3.org/2001/04/xmlenc#kw-aes192" => "AES-192 key wrap",
        "http://www.w3.org/2001/04/xmlenc#kw-aes256" => "AES-256 key wrap",
        "http://www.w3.org/2000/09/xmldsig#sha1" => "SHA-1",
        "http://www.w3.org/2001/04/xmlenc#sha256" => "SHA-256",
        "http://www.w3.org/2001/04/xmldsig-more#sha384" => "SHA-384",
        "http://www.w3.org/2001/04/xmlenc#sha512" => "SHA-512",
        "http://www.w3.org/2000/09/xmldsig#rsa-sha1" => "RSA-SHA1",
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256" => "RSA-SHA256",
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384" => "RSA-SHA384",
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512" => "RSA-SHA512",
        "http://www.w3.org/2000/09/xmldsig#hmac-sha1" => "HMAC-SHA1",
        "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256" => "HMAC-SHA256",
        "http://www.w3.org/2001/10/xml-exc-c14n#" => "exclusive c14n",
        "http://www.w3.org/2001/10/xml-exc-c14n#WithComments" => "exclusive c14n with comments",
        "http://www.w3.org/TR/2001/REC-xml-c14n-20010315" => "inclusive c14n 1.0",
        "http://www.w3.org/2006/12/xml-c14n11" => "inclusive c14n 1.1",
        "http://www.w3.org/2000/09/xmldsig#enveloped-signature" => "enveloped signature",
        "http://www.w3.org/2009/xmlenc11#mgf1sha1" => "MGF1 with SHA-1",
        "http://www.w3.org/2009/xmlenc11#mgf1sha256" => "MGF1 with SHA-256",
        _ => return clean(short(uri)),
    };
    known.to_owned()
}

/// The body of `input` as explained by one of these document kinds, if it is one.
pub(super) fn explain_document(r: &mut Report, doc: &Document, keys: &InspectKeys) -> Option<()> {
    let root = doc.root();
    if doc.is(root, ns::XENC, "EncryptedData") {
        explain_encrypted_data(r, doc, root, 0, keys);
    } else if doc.is(root, ns::XENC, "EncryptedKey") {
        explain_encrypted_key(r, doc, root, 0, keys);
    } else if doc.is(root, MD, "EntityDescriptor") || doc.is(root, MD, "EntitiesDescriptor") {
        // Before MEX: its endpoint references hold mex:Metadata.
        explain_federation(r, doc, root, keys);
    } else if let Some(defs) = find_metadata(doc, root) {
        explain_mex(r, doc, defs);
    } else if doc
        .descendants_or_self(root)
        .any(|n| doc.is(n, ns::DS, "Signature"))
    {
        explain_signed(r, doc, keys);
    } else {
        return None;
    }
    Some(())
}

/// A `mex:Metadata` or `wsdl:definitions` at or under `n` (e.g. in a SOAP Body).
pub(super) fn find_metadata(doc: &Document, n: NodeId) -> Option<NodeId> {
    doc.descendants_or_self(n)
        .find(|x| doc.is(*x, ns::MEX, "Metadata") || doc.is(*x, WSDL, "definitions"))
}

// --- XML Encryption -----------------------------------------------------------------------

fn cipher_summary(doc: &Document, el: NodeId, tag: usize) -> String {
    let Some(cd) = doc.child(el, ns::XENC, "CipherData") else {
        return "no CipherData".into();
    };
    if let Some(cr) = doc.child(cd, ns::XENC, "CipherReference") {
        return format!(
            "CipherReference {} (external, never fetched)",
            clean(doc.attribute(cr, "", "URI").unwrap_or("?"))
        );
    }
    match doc
        .child(cd, ns::XENC, "CipherValue")
        .and_then(|v| base64_decode(&doc.text(v)))
    {
        Some(v) if tag > 0 && v.len() > tag => format!(
            "{} bytes of CipherValue ({} bytes of ciphertext besides the IV/tag)",
            v.len(),
            v.len().saturating_sub(tag)
        ),
        Some(v) => format!("{} bytes of CipherValue", v.len()),
        None => "an unreadable CipherValue".into(),
    }
}

fn key_info_lines(r: &mut Report, doc: &Document, el: NodeId, i: usize, keys: &InspectKeys) {
    let Some(ki) = doc.child(el, ns::DS, "KeyInfo") else {
        r.line(i, "key info: none (the recipient must know the key)");
        return;
    };
    for c in doc.child_elements(ki) {
        let name = doc.name(c);
        match (name.ns, name.local) {
            (ns::XENC, "EncryptedKey") => {
                r.line(i, "key info: an embedded EncryptedKey");
                explain_encrypted_key(r, doc, c, i + 1, keys);
            }
            (ns::DS, "KeyName") => r.line(i, format!("key info: KeyName {}", clean(&doc.text(c)))),
            (ns::DS, "RetrievalMethod") => r.line(
                i,
                format!(
                    "key info: RetrievalMethod {} (never fetched)",
                    clean(doc.attribute(c, "", "URI").unwrap_or("?"))
                ),
            ),
            _ => r.line(i, format!("key info: {}", describe_key_info(doc, ki))),
        }
    }
}

fn explain_encrypted_data(
    r: &mut Report,
    doc: &Document,
    el: NodeId,
    i: usize,
    keys: &InspectKeys,
) {
    let id = doc
        .attribute(el, "", "Id")
        .map(|v| format!(" #{}", clean(v)))
        .unwrap_or_default();
    let kind = match doc.attribute(el, "", "Type") {
        Some("http://www.w3.org/2001/04/xmlenc#Element") => "an encrypted element".to_owned(),
        Some("http://www.w3.org/2001/04/xmlenc#Content") => {
            "the encrypted content of an element".to_owned()
        }
        Some(t) => format!("encrypted data of type {}", clean(t)),
        None => "encrypted octets (no Type)".to_owned(),
    };
    r.line(i, format!("XML Encryption EncryptedData{id}: {kind}"));
    let j = i + 1;
    if let Some(m) = doc.attribute(el, "", "MimeType") {
        r.line(j, format!("MIME type: {}", clean(m)));
    }
    let method = algorithm(doc, el, ns::XENC, "EncryptionMethod");
    r.line(
        j,
        format!(
            "content encryption: {}",
            method.map_or_else(
                || "not named (the recipient must know it)".into(),
                algorithm_name
            )
        ),
    );
    let tag = match method {
        Some(m) if m.ends_with("-gcm") => 12 + 16,
        Some(m) if m.ends_with("-cbc") => 16,
        _ => 0,
    };
    key_info_lines(r, doc, el, j, keys);
    r.line(j, format!("cipher data: {}", cipher_summary(doc, el, tag)));
    r.line(j, decrypt_line(doc, el, keys));
}

/// What the keys given make of an EncryptedData: the content key from its embedded
/// EncryptedKey (or `--secret`), then the plaintext's size and, for an element, its name.
fn decrypt_line(doc: &Document, el: NodeId, keys: &InspectKeys) -> String {
    if keys.private_keys.is_empty() && keys.secret.is_none() {
        return "not decrypted (give the recipient's key with --key, or the content key with \
                --secret)"
            .into();
    }
    let ed = match EncryptedData::read(doc, el) {
        Ok(ed) => ed,
        Err(e) => return format!("not decrypted: refused ({e})"),
    };
    let policy = Policy::default();
    let embedded = doc
        .child(el, ns::DS, "KeyInfo")
        .and_then(|ki| doc.child(ki, ns::XENC, "EncryptedKey"))
        .and_then(|ek| EncryptedKey::read(doc, ek).ok());
    let mut content_keys = Vec::new();
    if let Some(ek) = &embedded {
        for (n, k) in keys.private_keys.iter().enumerate() {
            if let Ok(v) = decrypt_key(ek, KeyEncryptionKey::Rsa(k), &policy) {
                content_keys.push((format!("the EncryptedKey opened with --key #{}", n + 1), v));
                break;
            }
        }
        if let Some(s) = &keys.secret {
            if let Ok(v) = decrypt_key(ek, KeyEncryptionKey::Symmetric(s.expose()), &policy) {
                content_keys.push(("the EncryptedKey opened with --secret".to_owned(), v));
            }
        }
    }
    if let Some(s) = &keys.secret {
        content_keys.push(("--secret".to_owned(), s.clone()));
    }
    for (how, key) in content_keys {
        if let Ok(plain) = decrypt_data(&ed, key.expose(), &policy) {
            let bytes = plain.expose();
            let what = match Document::parse(bytes) {
                Ok(d) => format!(
                    ", an element {{{}}}{}",
                    d.name(d.root()).ns,
                    d.name(d.root()).local
                ),
                Err(_) => String::new(),
            };
            return format!(
                "decrypted with {how}: {} bytes of plaintext{what}",
                bytes.len()
            );
        }
    }
    "not decrypted with the keys given".into()
}

fn explain_encrypted_key(r: &mut Report, doc: &Document, el: NodeId, i: usize, keys: &InspectKeys) {
    let id = doc
        .attribute(el, "", "Id")
        .map(|v| format!(" #{}", clean(v)))
        .unwrap_or_default();
    r.line(i, format!("XML Encryption EncryptedKey{id}"));
    let j = i + 1;
    if let Some(m) = doc.child(el, ns::XENC, "EncryptionMethod") {
        let mut s = doc
            .attribute(m, "", "Algorithm")
            .map_or_else(|| "?".into(), algorithm_name);
        if let Some(d) = algorithm(doc, m, ns::DS, "DigestMethod") {
            s.push_str(&format!(", digest {}", algorithm_name(d)));
        }
        if let Some(g) = algorithm(doc, m, ns::XENC11, "MGF") {
            s.push_str(&format!(", mask {}", algorithm_name(g)));
        }
        r.line(j, format!("key transport: {s}"));
    } else {
        r.line(j, "key transport: not named");
    }
    if let Some(rc) = doc.attribute(el, "", "Recipient") {
        r.line(j, format!("recipient hint: {}", clean(rc)));
    }
    if let Some(c) = doc.child(el, ns::XENC, "CarriedKeyName") {
        r.line(j, format!("carried key name: {}", clean(&doc.text(c))));
    }
    key_info_lines(r, doc, el, j, keys);
    let size = doc
        .child(el, ns::XENC, "CipherData")
        .and_then(|cd| doc.child(cd, ns::XENC, "CipherValue"))
        .and_then(|v| base64_decode(&doc.text(v)));
    match size {
        Some(v) => r.line(
            j,
            format!(
                "cipher data: {} bytes (for RSA: a {}-bit key-encryption key)",
                v.len(),
                v.len() * 8
            ),
        ),
        None => r.line(j, format!("cipher data: {}", cipher_summary(doc, el, 0))),
    }
    let refs: Vec<String> = doc
        .child(el, ns::XENC, "ReferenceList")
        .map(|l| {
            doc.child_elements(l)
                .filter_map(|d| doc.attribute(d, "", "URI").map(clean))
                .collect()
        })
        .unwrap_or_default();
    if !refs.is_empty() {
        r.line(j, format!("decrypts: {}", refs.join(", ")));
    }
    let opened = open_encrypted_key(doc, el, keys);
    let opened = opened.rsplit("; ").next().unwrap_or(&opened).to_owned();
    r.line(j, opened);
}

// --- XML Signature ------------------------------------------------------------------------

fn explain_signed(r: &mut Report, doc: &Document, keys: &InspectKeys) {
    let root = doc.root();
    let sigs = all(doc, root, ns::DS, "Signature");
    r.line(
        0,
        format!(
            "a signed document ({}, {} signature{})",
            clean(doc.name(root).local),
            sigs.len(),
            if sigs.len() == 1 { "" } else { "s" }
        ),
    );
    for s in sigs {
        explain_signature_element(r, doc, s, 1, keys);
    }
}

/// One `ds:Signature`: algorithms, references (what each points at, its transforms and
/// digest), key info, and a verification with the keys given (only those).
pub(super) fn explain_signature_element(
    r: &mut Report,
    doc: &Document,
    s: NodeId,
    i: usize,
    keys: &InspectKeys,
) {
    let parent = doc.parent(s).filter(|p| doc.is_element(*p));
    let place = match parent {
        Some(p) => format!("inside {}", clean(doc.name(p).local)),
        None => "the document element".into(),
    };
    r.line(i, format!("Signature ({place})"));
    let j = i + 1;
    let Some(si) = doc.child(s, ns::DS, "SignedInfo") else {
        r.line(j, "no SignedInfo: not a signature");
        return;
    };
    if let Some(a) = algorithm(doc, si, ns::DS, "CanonicalizationMethod") {
        r.line(j, format!("canonicalization: {}", algorithm_name(a)));
    }
    if let Some(a) = algorithm(doc, si, ns::DS, "SignatureMethod") {
        r.line(j, format!("signature method: {}", algorithm_name(a)));
    }
    for rf in doc.children_named(si, ns::DS, "Reference") {
        let uri = doc.attribute(rf, "", "URI");
        let target = match uri {
            Some("") => "the whole document".to_owned(),
            Some(u) => match u.strip_prefix('#') {
                Some(id) => match doc.element_by_id(id) {
                    Ok(Some(n)) => format!("element {} {}", clean(doc.name(n).local), clean(u)),
                    Ok(None) => format!("{} (no element has this Id)", clean(u)),
                    Err(_) => format!("{} (an Id held by two elements: refused)", clean(u)),
                },
                None => format!("{} (outside the document: never fetched)", clean(u)),
            },
            None => "no URI (the application must know what)".to_owned(),
        };
        let transforms: Vec<String> = doc
            .child(rf, ns::DS, "Transforms")
            .map(|t| {
                doc.children_named(t, ns::DS, "Transform")
                    .map(|x| {
                        doc.attribute(x, "", "Algorithm")
                            .map_or_else(|| "?".into(), algorithm_name)
                    })
                    .collect()
            })
            .unwrap_or_default();
        let digest =
            algorithm(doc, rf, ns::DS, "DigestMethod").map_or_else(|| "?".into(), algorithm_name);
        r.line(
            j,
            format!(
                "signs {target}; transforms: {}; digest {digest}",
                if transforms.is_empty() {
                    "none".to_owned()
                } else {
                    transforms.join(", ")
                }
            ),
        );
    }
    let key_info = doc.child(s, ns::DS, "KeyInfo");
    match key_info {
        Some(ki) => {
            r.line(j, format!("key info: {}", describe_key_info(doc, ki)));
            for der in xmlsec::x509_certificates(doc, ki).unwrap_or_default() {
                if let Ok(c) = Certificate::from_der(&der) {
                    certificate_lines(r, &c, j + 1);
                }
            }
        }
        None => r.line(j, "key info: none (the verifier must know the key)"),
    }
    r.line(j, verify_line(doc, s, keys));
}

/// Verifies signature `s` with each certificate and key given (never with one the document
/// carries).
fn verify_line(doc: &Document, s: NodeId, keys: &InspectKeys) -> String {
    if keys.certificates.is_empty() && keys.private_keys.is_empty() && keys.secret.is_none() {
        return "not verified (give the signer's certificate with --cert)".into();
    }
    let policy = Policy::default();
    let sig = match Signature::read(doc, s, &policy) {
        Ok(x) => x,
        Err(e) => return format!("not verified: refused by this library's policy ({e})"),
    };
    let publics = keys
        .certificates
        .iter()
        .map(|c| (format!("--cert {}", c.subject()), c.public_key().clone()))
        .chain(
            keys.private_keys
                .iter()
                .enumerate()
                .map(|(n, k)| (format!("--key #{}", n + 1), k.public_key())),
        );
    let mut last = None;
    for (name, pk) in publics {
        match xmlsec::verify(doc, &sig, VerificationKey::Rsa(&pk), &policy, &NoResolver) {
            Ok(_) => return format!("verified with {name}"),
            Err(e) => last = Some(e.to_string()),
        }
    }
    if let Some(k) = &keys.secret {
        match xmlsec::verify(
            doc,
            &sig,
            VerificationKey::Hmac(k.expose()),
            &policy,
            &NoResolver,
        ) {
            Ok(_) => return "verified with --secret".into(),
            Err(e) => last = Some(e.to_string()),
        }
    }
    match last {
        // A key this library will not use (an RSA key under 2048 bits, say): not a verdict
        // on the document.
        Some(e) if e.starts_with("refused by policy") => {
            format!("not verified: the key given is refused by this library's policy ({e})")
        }
        e => format!(
            "does NOT verify with the keys given ({})",
            e.unwrap_or_else(|| "no key fits".into())
        ),
    }
}

pub(super) fn certificate_lines(r: &mut Report, c: &Certificate, i: usize) {
    let when = |s: i64| datetime::format_seconds(s).unwrap_or_else(|| s.to_string());
    r.line(i, format!("certificate {}", clean(c.subject())));
    r.line(i + 1, format!("issued by {}", clean(c.issuer())));
    r.line(
        i + 1,
        format!("valid {} to {}", when(c.not_before()), when(c.not_after())),
    );
    r.line(
        i + 1,
        format!(
            "SHA-1 thumbprint {}, SHA-256 thumbprint {}",
            hex(c.thumbprint_sha1()),
            hex(&crypto::digest(DigestAlgorithm::Sha256, c.der()))
        ),
    );
}
