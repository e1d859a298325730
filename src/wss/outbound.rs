//! Outbound security headers: Timestamp, BinarySecurityToken, Signature, EncryptedKey,
//! EncryptedData and SignatureConfirmation, in either order (sign-then-encrypt with the
//! signature optionally encrypted too, or encrypt-then-sign with the signature covering the
//! ciphertext).
//!
//! The envelope is written once with a slot in the security header; digests are taken over
//! the exclusive canonical form the writer captured while writing it, so inserting the
//! signature and key elements into the slot afterwards changes no digest.

use crate::crypto::{self, BlockCipher, DigestAlgorithm, OaepParams};
use crate::pki::Certificate;
use crate::soap::SoapVersion;
use crate::xml::{ns, CaptureKind, Document, Writer};
use crate::xmlsec::{
    self, write_encrypted_data, write_encrypted_key, CanonicalReference, EncryptedType,
    SignatureMethod, SignatureSpec, SigningKey,
};

use super::time;
use super::token_ref::value_type as vt;
use super::Error;

/// How the signer's key is named in `ds:KeyInfo`.
pub enum SignerKeyInfo<'a> {
    /// Include the certificate as a BinarySecurityToken and reference it.
    BinarySecurityToken(&'a Certificate),
    /// Reference the certificate by ThumbprintSHA1 (the receiver knows it).
    Thumbprint(&'a Certificate),
    /// Caller-written `ds:KeyInfo` content (e.g. an STR to an SCT or EncryptedKeySHA1).
    Custom(&'a dyn Fn(&mut Writer)),
}

/// Who signs the message.
pub struct Signer<'a> {
    /// The key.
    pub key: SigningKey<'a>,
    /// The method (RSA-SHA256 for certificates, HMAC-SHA1/256 for proof keys).
    pub method: SignatureMethod,
    /// Reference digest.
    pub digest: DigestAlgorithm,
    /// How the key is named.
    pub key_info: SignerKeyInfo<'a>,
}

/// For whom the Body is encrypted.
pub enum Encryptor<'a> {
    /// A fresh content key, sent as an EncryptedKey for this certificate (referenced by its
    /// subject key identifier).
    Certificate {
        /// Recipient certificate.
        cert: &'a Certificate,
        /// OAEP parameters.
        oaep: OaepParams,
    },
    /// A key both sides already hold (the request's EncryptedKey, a proof or derived key),
    /// named by caller-written KeyInfo content.
    Symmetric {
        /// The key.
        key: &'a [u8],
        /// `ds:KeyInfo` content of the EncryptedData.
        key_info: &'a dyn Fn(&mut Writer),
    },
}

/// Which protection comes first.
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq)]
pub enum Order {
    /// Sign the plaintext, then encrypt (the receiver decrypts first).
    #[default]
    SignThenEncrypt,
    /// Encrypt, then sign the ciphertext (the receiver verifies first).
    EncryptThenSign,
}

/// The protection of one outbound message.
pub struct Protection<'a> {
    /// Timestamp lifetime in milliseconds (`None`: no Timestamp).
    pub timestamp_ttl_ms: Option<i64>,
    /// The signer, if signed (Body, Timestamp, SignatureConfirmations and `signed_ids`).
    pub signer: Option<Signer<'a>>,
    /// Body encryption, if any.
    pub encrypt: Option<(Encryptor<'a>, BlockCipher)>,
    /// Order of signing and encryption.
    pub order: Order,
    /// Encrypt the `ds:Signature` too (sign-then-encrypt only).
    pub encrypt_signature: bool,
    /// `wsse11:SignatureConfirmation` values to send (empty value: "request was unsigned").
    pub signature_confirmations: Vec<Vec<u8>>,
    /// Further elements (by their Id) the signature must cover, e.g. WS-Addressing headers.
    pub signed_ids: Vec<String>,
    /// Tokens (complete elements: an SCT, a DerivedKeyToken, ...) written into the security
    /// header before the signature, in order, for the signer's or encryptor's KeyInfo to
    /// refer to. Each must declare the namespaces it uses.
    pub header_tokens: Vec<String>,
}

impl Default for Protection<'_> {
    fn default() -> Self {
        Self {
            timestamp_ttl_ms: Some(300_000),
            signer: None,
            encrypt: None,
            order: Order::default(),
            encrypt_signature: false,
            signature_confirmations: Vec::new(),
            signed_ids: Vec::new(),
            header_tokens: Vec::new(),
        }
    }
}

/// A secured message.
#[derive(Debug)]
pub struct Secured {
    /// The envelope.
    pub xml: String,
    /// Our SignatureValue (what the peer's SignatureConfirmation must echo).
    pub signature_value: Option<Vec<u8>>,
}

fn new_id(prefix: &str) -> Result<String, Error> {
    let r = crypto::random_bytes(12).map_err(|_| Error::Malformed { what: "random" })?;
    let hex: String = r.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("{prefix}-{hex}"))
}

fn xs(e: xmlsec::Error) -> Error {
    Error::XmlSec(e)
}

/// Writes an envelope of `version` with `headers` and `body`, protected as `p` says.
///
/// The envelope is written once. The writer captures the exclusive canonical form of each
/// element to sign as it writes it ([`Writer::capture_ids`]), and the plaintext of the Body
/// content when it is to be encrypted, so nothing is parsed back: the signature and key
/// elements go into a slot left in the security header, the encrypted Body content replaces
/// the plaintext in place (sign-then-encrypt), or is written instead of it (encrypt-then-sign,
/// where the Body content is first written on its own for its plaintext).
pub fn secure_envelope(
    version: SoapVersion,
    now_ms: i64,
    headers: &dyn Fn(&mut Writer),
    body: &dyn Fn(&mut Writer),
    p: &Protection<'_>,
) -> Result<Secured, Error> {
    let env_ns = version.namespace();
    let body_id = new_id("Body")?;
    let ts_id = new_id("TS")?;
    let bst_id = new_id("X509")?;
    let ek_id = new_id("EK")?;
    let confirmation_ids = p
        .signature_confirmations
        .iter()
        .map(|_| new_id("SC"))
        .collect::<Result<Vec<_>, _>>()?;
    let content_key = match &p.encrypt {
        Some((Encryptor::Certificate { .. }, cipher)) => Some(
            crypto::random_bytes(cipher.key_len())
                .map_err(|_| Error::Malformed { what: "random" })?,
        ),
        Some((Encryptor::Symmetric { key, .. }, _)) => Some(key.to_vec()),
        None => None,
    };
    let encryption = match (&p.encrypt, &content_key) {
        (Some((enc, cipher)), Some(key)) => Some((enc, *cipher, key.as_slice())),
        _ => None,
    };
    let ki_ek = |w: &mut Writer| write_reference(w, &format!("#{ek_id}"), Some(vt::ENCRYPTED_KEY));
    let data_key_info: &dyn Fn(&mut Writer) = match &p.encrypt {
        Some((Encryptor::Symmetric { key_info, .. }, _)) => *key_info,
        _ => &ki_ek,
    };
    // An EncryptedData element of its own (a fresh Id, the data key named as configured).
    let encrypted_data = |ty: EncryptedType,
                          cipher: BlockCipher,
                          key: &[u8],
                          plain: &[u8]|
     -> Result<(String, String), Error> {
        let ed_id = new_id("ED")?;
        let mut ew = Writer::new();
        write_encrypted_data(
            &mut ew,
            Some(&ed_id),
            ty,
            cipher,
            key,
            plain,
            Some(data_key_info),
        )
        .map_err(xs)?;
        Ok((ed_id, ew.finish()?))
    };
    let mut encrypted_ids: Vec<String> = Vec::new();
    let encrypt_then_sign = p.order == Order::EncryptThenSign && encryption.is_some();

    // Encrypt-then-sign: the Body content, written on its own, gives the plaintext (each
    // child's exclusive canonical form, which does not depend on where it is written).
    let mut body_plaintext: Option<(String, Vec<u8>)> = None;
    if encrypt_then_sign {
        let mut bw = Writer::new();
        bw.start_prefixed(env_ns, "Body", Some("s"))
            .capture(CaptureKind::Content);
        body(&mut bw);
        bw.end();
        let (_, caps) = bw.finish_captured()?;
        let plain = caps
            .into_iter()
            .next()
            .ok_or(Error::Malformed { what: "body" })?;
        let ed_id = new_id("ED")?;
        encrypted_ids.push(format!("#{ed_id}"));
        body_plaintext = Some((ed_id, plain.into_canonical()));
    }

    // 1. The envelope with a slot in the security header.
    // What the signature covers: Body, Timestamp, confirmations and the named extras.
    let mut to_sign: Vec<String> = Vec::new();
    if p.signer.is_some() {
        to_sign.push(body_id.clone());
        if p.timestamp_ttl_ms.is_some() {
            to_sign.push(ts_id.clone());
        }
        to_sign.extend(confirmation_ids.iter().cloned());
        to_sign.extend(p.signed_ids.iter().cloned());
    }
    let mut w = Writer::with_capacity(4096);
    w.capture_ids(to_sign.iter().cloned());
    w.start_prefixed(env_ns, "Envelope", Some("s"));
    w.start_prefixed(env_ns, "Header", Some("s"));
    headers(&mut w);
    w.start(ns::WSSE, "Security")
        .attr(env_ns, "mustUnderstand", version.must_understand_true())
        .declare("wsu", ns::WSU);
    if let Some(ttl) = p.timestamp_ttl_ms {
        w.start(ns::WSU, "Timestamp").attr(ns::WSU, "Id", &ts_id);
        w.element_text(ns::WSU, "Created", &time::format(now_ms));
        w.element_text(ns::WSU, "Expires", &time::format(now_ms + ttl));
        w.end();
    }
    for (v, id) in p.signature_confirmations.iter().zip(&confirmation_ids) {
        w.start(ns::WSSE11, "SignatureConfirmation")
            .attr(ns::WSU, "Id", id);
        if !v.is_empty() {
            w.attr("", "Value", &xmlsec::base64_encode(v));
        }
        w.end();
    }
    if let Some(Signer {
        key_info: SignerKeyInfo::BinarySecurityToken(cert),
        ..
    }) = &p.signer
    {
        w.start(ns::WSSE, "BinarySecurityToken")
            .attr(ns::WSU, "Id", &bst_id)
            .attr("", "ValueType", vt::X509V3)
            .attr("", "EncodingType", vt::BASE64)
            .text(&xmlsec::base64_encode(cert.der()))
            .end();
    }
    for t in &p.header_tokens {
        let d = Document::parse(t.as_bytes())?;
        w.copy(&d, d.root());
    }
    // The slot: the Security element's content ends here; what goes in is inserted later.
    w.text("");
    let slot = w.as_str().len();
    w.end();
    w.end();
    w.start_prefixed(env_ns, "Body", Some("s"))
        .attr(ns::WSU, "Id", &body_id);
    match (&body_plaintext, encryption) {
        (Some((ed_id, plain)), Some((_, cipher, key))) => {
            write_encrypted_data(
                &mut w,
                Some(ed_id),
                EncryptedType::Content,
                cipher,
                key,
                plain,
                Some(data_key_info),
            )
            .map_err(xs)?;
        }
        _ => {
            if encryption.is_some() {
                w.capture(CaptureKind::Content);
            }
            body(&mut w);
        }
    }
    w.end();
    w.end();
    let (mut xml, captured) = w.finish_captured()?;

    let mut slot_items: Vec<String> = Vec::new();
    let mut signature_value = None;

    // 2. The signature over what `to_sign` names.
    if let Some(signer) = &p.signer {
        let uris: Vec<String> = to_sign.iter().map(|id| format!("#{id}")).collect();
        let mut refs = Vec::with_capacity(to_sign.len());
        for (id, uri) in to_sign.iter().zip(&uris) {
            let c = captured
                .iter()
                .find(|c| c.id() == Some(id.as_str()))
                .ok_or(Error::Malformed {
                    what: "signed id not in message",
                })?;
            refs.push(CanonicalReference {
                uri,
                enveloped: false,
                canonical: c.canonical(),
            });
        }
        let bst_ref = |w: &mut Writer| write_reference(w, &format!("#{bst_id}"), Some(vt::X509V3));
        let thumb = |w: &mut Writer| {
            if let SignerKeyInfo::Thumbprint(c) = &signer.key_info {
                write_key_identifier(
                    w,
                    vt::THUMBPRINT_SHA1,
                    &xmlsec::base64_encode(c.thumbprint_sha1()),
                );
            }
        };
        let ki: &dyn Fn(&mut Writer) = match &signer.key_info {
            SignerKeyInfo::BinarySecurityToken(_) => &bst_ref,
            SignerKeyInfo::Thumbprint(_) => &thumb,
            SignerKeyInfo::Custom(f) => f,
        };
        let spec = SignatureSpec {
            method: signer.method,
            digest: signer.digest,
            id: None,
        };
        let made = xmlsec::sign_canonical(&refs, spec, signer.key, Some(ki)).map_err(xs)?;
        // Our value, for the caller's SignatureConfirmation checks.
        signature_value = Some(made.value);
        let sig = made.xml;
        match encryption {
            Some((_, cipher, key)) if p.order == Order::SignThenEncrypt && p.encrypt_signature => {
                let (ed_id, ed) =
                    encrypted_data(EncryptedType::Element, cipher, key, sig.as_bytes())?;
                slot_items.push(ed);
                encrypted_ids.push(format!("#{ed_id}"));
            }
            _ => slot_items.push(sig),
        }
    }

    // Sign-then-encrypt: the Body content, as captured, is replaced by its EncryptedData,
    // which goes first in the reference list (decrypted before the signature is verified).
    if let (false, Some((_, cipher, key))) = (encrypt_then_sign, encryption) {
        let plain = captured
            .iter()
            .find(|c| c.kind() == CaptureKind::Content)
            .ok_or(Error::Malformed { what: "body" })?;
        let (ed_id, ed) = encrypted_data(EncryptedType::Content, cipher, key, plain.canonical())?;
        let range = plain.content();
        if range.end > slot {
            xml.replace_range(range, &ed);
        } else {
            return Err(Error::Malformed { what: "body" });
        }
        encrypted_ids.insert(0, format!("#{ed_id}"));
    }

    // 3. The key (or a reference list) goes before what it decrypts in sign-then-encrypt,
    //    after the signature in encrypt-then-sign.
    if let Some((enc, _, key)) = encryption {
        let refs: Vec<&str> = encrypted_ids.iter().map(String::as_str).collect();
        let mut kw = Writer::new();
        match enc {
            Encryptor::Certificate { cert, oaep } => {
                let ski = cert.subject_key_id();
                let ki = |w: &mut Writer| {
                    write_key_identifier(w, vt::X509_SKI, &xmlsec::base64_encode(&ski))
                };
                write_encrypted_key(
                    &mut kw,
                    Some(&ek_id),
                    key,
                    cert.public_key(),
                    oaep,
                    Some(&ki),
                    &refs,
                )
                .map_err(xs)?;
            }
            Encryptor::Symmetric { .. } => {
                kw.start_prefixed(ns::XENC, "ReferenceList", Some("xenc"));
                for r in &refs {
                    kw.start_prefixed(ns::XENC, "DataReference", Some("xenc"))
                        .attr("", "URI", r)
                        .end();
                }
                kw.end();
            }
        }
        let item = kw.finish()?;
        match p.order {
            Order::SignThenEncrypt => slot_items.insert(0, item),
            Order::EncryptThenSign => slot_items.push(item),
        }
    }

    xml.insert_str(slot, &slot_items.concat());
    Ok(Secured {
        xml,
        signature_value,
    })
}

/// Writes `wsse:SecurityTokenReference/wsse:Reference`.
pub fn write_reference(w: &mut Writer, uri: &str, value_type: Option<&str>) {
    w.start(ns::WSSE, "SecurityTokenReference");
    if value_type == Some(vt::ENCRYPTED_KEY) {
        w.attr(ns::WSSE11, "TokenType", vt::ENCRYPTED_KEY);
    }
    w.start(ns::WSSE, "Reference").attr("", "URI", uri);
    if let Some(v) = value_type {
        w.attr("", "ValueType", v);
    }
    w.end();
    w.end();
}

/// Writes `wsse:SecurityTokenReference/wsse:KeyIdentifier`.
pub fn write_key_identifier(w: &mut Writer, value_type: &str, value: &str) {
    w.start(ns::WSSE, "SecurityTokenReference");
    // WSS 1.1 §7.3: a reference to an EncryptedKey by its SHA-1 names the token type (WSS4J
    // refuses it otherwise).
    if value_type == vt::ENCRYPTED_KEY_SHA1 {
        w.attr(ns::WSSE11, "TokenType", vt::ENCRYPTED_KEY);
    }
    w.start(ns::WSSE, "KeyIdentifier")
        .attr("", "EncodingType", vt::BASE64)
        .attr("", "ValueType", value_type)
        .text(value)
        .end();
    w.end();
}
