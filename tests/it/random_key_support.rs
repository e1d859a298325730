//! Requests protected under a random key sent as an `xenc:EncryptedKey` for the STS (pattern 4
//! and the symmetric binding over an X.509 protection token), and the requester's reading of
//! the reply under the same key: shared by `pattern_authenticated` and `engine_defaults`.

use wstrust::crypto::{
    random_bytes, BlockCipher, DigestAlgorithm, OaepParams, RsaPrivateKey, SecretBytes,
};
use wstrust::pki::{Certificate, TrustError};
use wstrust::soap::{Addressing, SoapVersion};
use wstrust::wss::{
    self, CertificateRef, Encryptor, FixedClock, KeyResolver, Order, Protection, Signer,
    SignerKeyInfo,
};
use wstrust::xml::{ns, Document, Writer};
use wstrust::xmlsec::{base64_encode, write_encrypted_key, SignatureMethod, SigningKey};

use crate::engine_support::*;
use crate::wss_support::{MemoryReplay, TestKeys};

/// A request protected under a random key, and what its sender keeps to read the reply.
pub struct Request {
    pub xml: String,
    pub message_id: String,
    pub signature_value: Vec<u8>,
    /// The random key K.
    pub key: Vec<u8>,
    /// K's EncryptedKeySHA1 (the reply names K by it).
    pub ek_sha1: String,
}

/// A random key sent as `xenc:EncryptedKey` `ek-1` for the STS certificate: its XML, the key
/// and its EncryptedKeySHA1.
pub fn encrypted_key_for_sts() -> (String, Vec<u8>, String) {
    let content_key = random_bytes(32).unwrap();
    let sts = cert("sts");
    let mut w = Writer::new();
    let thumb = base64_encode(sts.thumbprint_sha1());
    let ki =
        |w: &mut Writer| wss::write_key_identifier(w, wss::value_type::THUMBPRINT_SHA1, &thumb);
    write_encrypted_key(
        &mut w,
        Some("ek-1"),
        &content_key,
        sts.public_key(),
        &OaepParams::sha1(),
        Some(&ki),
        &[],
    )
    .unwrap();
    let ek = w.finish().unwrap();
    let ek_doc = Document::parse(ek.as_bytes()).unwrap();
    let cv = ek_doc
        .descendants_or_self(ek_doc.root())
        .find(|n| ek_doc.is(*n, ns::XENC, "CipherValue"))
        .unwrap();
    let wrapped = wstrust::xmlsec::base64_decode(&ek_doc.text(cv)).unwrap();
    let ek_sha1 = base64_encode(&wstrust::crypto::digest(DigestAlgorithm::Sha1, &wrapped));
    (ek, content_key, ek_sha1)
}

/// The requester's keys: the recorded PKI, its own private key, the key it sent.
struct RequesterKeys {
    inner: TestKeys,
    sent: (String, Vec<u8>),
}

impl KeyResolver for RequesterKeys {
    fn certificate(&self, r: &CertificateRef) -> Option<Certificate> {
        self.inner.certificate(r)
    }
    fn validate(&self, c: &Certificate, now: i64) -> Result<(), TrustError> {
        self.inner.validate(c, now)
    }
    fn private_key(&self, c: &Certificate) -> Option<RsaPrivateKey> {
        (key("client").public_key() == *c.public_key()).then(|| key("client"))
    }
    fn security_context(&self, _: &str, _: Option<&str>) -> Option<SecretBytes> {
        None
    }
    fn encrypted_key(&self, sha1: &str) -> Option<SecretBytes> {
        (sha1 == self.sent.0).then(|| SecretBytes::from_slice(&self.sent.1))
    }
}

/// The requester's processing of a reply to `req` (SOAP `soap`): decrypted with K, verified.
pub fn read_in(
    soap: SoapVersion,
    reply: &str,
    req: &Request,
    now: i64,
) -> Result<(wss::SecuredMessage, Addressing), wss::Error> {
    let keys = RequesterKeys {
        inner: TestKeys::recorded_pki(),
        sent: (req.ek_sha1.clone(), req.key.clone()),
    };
    let replay = MemoryReplay::default();
    let clock = FixedClock(now);
    let env = wss::Environment {
        clock: &clock,
        replay: &replay,
        keys: &keys,
    };
    let msg = wss::process(
        Document::parse(reply.as_bytes()).unwrap(),
        soap,
        &wss::InboundConfig::default(),
        env,
    )?;
    let a = Addressing::read(&msg.envelope()?).unwrap();
    Ok((msg, a))
}

/// How a symmetric-binding request (a signature by the random key itself) is made.
#[derive(Clone, Copy, Debug)]
pub struct Symmetric {
    pub order: Order,
    /// Sign and encrypt with DerivedKeyTokens over the EncryptedKey (WS-SC 1.3 or 2005/02).
    pub derived: Option<wstrust::trust::ScVersion>,
    pub hmac: wstrust::crypto::HmacAlgorithm,
    /// The UsernameToken is covered by the signature.
    pub sign_user: bool,
    pub password: &'static str,
}

impl Symmetric {
    pub fn new(order: Order) -> Self {
        Self {
            order,
            derived: None,
            hmac: wstrust::crypto::HmacAlgorithm::Sha256,
            sign_user: true,
            password: "secret",
        }
    }
}

/// A DerivedKeyToken `id` over `#ek-1` and the key it derives from `base`.
pub fn dkt_over_ek(version: wstrust::trust::ScVersion, id: &str, base: &[u8]) -> (String, Vec<u8>) {
    let nonce = random_bytes(16).unwrap();
    let mut seed = b"WS-SecureConversationWS-SecureConversation".to_vec();
    seed.extend_from_slice(&nonce);
    let key = wstrust::crypto::psha1(base, &seed, 32)
        .unwrap()
        .expose()
        .to_vec();
    let xml = format!(
        "<wsc:DerivedKeyToken xmlns:wsc=\"{}\" xmlns:wsu=\"{}\" xmlns:wsse=\"{}\" wsu:Id=\"{id}\">\
         <wsse:SecurityTokenReference><wsse:Reference URI=\"#ek-1\" ValueType=\"{}\"/></wsse:SecurityTokenReference>\
         <wsc:Offset>0</wsc:Offset><wsc:Length>32</wsc:Length><wsc:Nonce>{}</wsc:Nonce></wsc:DerivedKeyToken>",
        version.namespace(),
        ns::WSU,
        ns::WSSE,
        wss::value_type::ENCRYPTED_KEY,
        base64_encode(&nonce)
    );
    (xml, key)
}

/// The symmetric binding over an X.509 protection token, as WSS4J/CXF and WCF's
/// `UserNameForCertificate` send it: a random key sent as an EncryptedKey for the STS signs
/// (HMAC) the Body, the Timestamp, the MessageID and the UsernameToken, and encrypts the Body
/// (and, sign-then-encrypt, the signature).
pub fn symmetric_request_in(soap: SoapVersion, rst: &str, how: Symmetric, now: i64) -> Request {
    let (ek, k, ek_sha1) = encrypted_key_for_sts();
    let message_id = format!("urn:uuid:{}", hex8());
    let body_doc = Document::parse(rst.as_bytes()).unwrap();
    let body = |w: &mut Writer| {
        w.copy(&body_doc, body_doc.root());
    };
    let headers = |w: &mut Writer| {
        w.start(ns::WSA, "MessageID")
            .attr(ns::WSU, "Id", "q-msgid")
            .text(&message_id)
            .end();
    };
    let user = format!(
        "<wsse:UsernameToken xmlns:wsse=\"{}\" xmlns:wsu=\"{}\" wsu:Id=\"ut-1\"><wsse:Username>alice</wsse:Username>\
         <wsse:Password Type=\"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText\">{}</wsse:Password></wsse:UsernameToken>",
        ns::WSSE,
        ns::WSU,
        how.password
    );
    let mut tokens = vec![ek];
    let (sig_key, enc_key, sig_ref, enc_ref) = match how.derived {
        None => (k.clone(), k.clone(), "#ek-1", "#ek-1"),
        Some(v) => {
            let (sig_dkt, sk) = dkt_over_ek(v, "dk-sig", &k);
            let (enc_dkt, ek_) = dkt_over_ek(v, "dk-enc", &k);
            tokens.push(sig_dkt);
            tokens.push(enc_dkt);
            (sk, ek_, "#dk-sig", "#dk-enc")
        }
    };
    tokens.push(user);
    let vt = |r: &str| match (r, how.derived) {
        ("#ek-1", _) | (_, None) => wss::value_type::ENCRYPTED_KEY.to_owned(),
        (_, Some(v)) => v.dk_value_type().to_owned(),
    };
    let sig_info = |w: &mut Writer| wss::write_reference(w, sig_ref, Some(&vt(sig_ref)));
    let enc_info = |w: &mut Writer| wss::write_reference(w, enc_ref, Some(&vt(enc_ref)));
    let mut signed_ids = vec!["q-msgid".to_owned()];
    if how.sign_user {
        signed_ids.push("ut-1".to_owned());
    }
    let p = Protection {
        signer: Some(Signer {
            key: SigningKey::Hmac(&sig_key),
            method: SignatureMethod::Hmac(how.hmac),
            digest: DigestAlgorithm::Sha256,
            key_info: SignerKeyInfo::Custom(&sig_info),
        }),
        encrypt: Some((
            Encryptor::Symmetric {
                key: &enc_key,
                key_info: &enc_info,
            },
            BlockCipher::Aes256Gcm,
        )),
        order: how.order,
        encrypt_signature: how.order == Order::SignThenEncrypt,
        header_tokens: tokens,
        signed_ids,
        ..Protection::default()
    };
    let out = wss::secure_envelope(soap, now, &headers, &body, &p).unwrap();
    Request {
        xml: out.xml,
        message_id,
        signature_value: out.signature_value.unwrap(),
        key: k,
        ek_sha1,
    }
}

/// [`read_in`] for SOAP 1.2.
pub fn read(
    reply: &str,
    req: &Request,
    now: i64,
) -> Result<(wss::SecuredMessage, Addressing), wss::Error> {
    read_in(SoapVersion::V12, reply, req, now)
}

/// [`symmetric_request_in`] for SOAP 1.2 and the usual Issue body.
pub fn symmetric_request(how: Symmetric, now: i64) -> Request {
    symmetric_request_in(SoapVersion::V12, &issue_body(""), how, now)
}
