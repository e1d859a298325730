//! Pattern 4, authenticated request/reply: the requester encrypts the RST Body with a random
//! key sent as an EncryptedKey for the STS certificate and signs Body, Timestamp and that
//! EncryptedKey with its certificate, in both orders (encrypt-then-sign; sign-then-encrypt
//! with the signature encrypted). The reply is encrypted with the same key, signed by the STS
//! and bound to the request (RelatesTo, SignatureConfirmation); a reply is refused as the
//! answer to another request.

use wstrust::crypto::{
    random_bytes, BlockCipher, DigestAlgorithm, OaepParams, RsaPrivateKey, SecretBytes,
    SignatureAlgorithm,
};
use wstrust::pki::{Certificate, TrustError};
use wstrust::service::ReplyExpectation;
use wstrust::soap::{Addressing, Envelope, SoapVersion};
use wstrust::wss::{
    self, CertificateRef, Encryptor, FixedClock, KeyResolver, Order, Protection, Signer,
    SignerKeyInfo,
};
use wstrust::xml::{ns, Document, Writer};
use wstrust::xmlsec::{base64_encode, write_encrypted_key, SignatureMethod, SigningKey};

use crate::engine_support::*;
use crate::wss_support::{MemoryReplay, TestKeys};

struct Request {
    xml: String,
    message_id: String,
    signature_value: Vec<u8>,
    key: Vec<u8>,
    ek_sha1: String,
}

/// A random key sent as `xenc:EncryptedKey` `ek-1` for the STS certificate: its XML, the key
/// and its EncryptedKeySHA1.
fn encrypted_key_for_sts() -> (String, Vec<u8>, String) {
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

fn request(order: Order, now: i64) -> Request {
    let (ek, content_key, ek_sha1) = encrypted_key_for_sts();
    let message_id = format!("urn:uuid:{}", hex8());
    let body_doc = Document::parse(issue_body("").as_bytes()).unwrap();
    let body = |w: &mut Writer| {
        w.copy(&body_doc, body_doc.root());
    };
    let headers = |w: &mut Writer| {
        w.start(ns::WSA, "MessageID")
            .attr(ns::WSU, "Id", "q-msgid")
            .text(&message_id)
            .end();
    };
    let ek_ref =
        |w: &mut Writer| wss::write_reference(w, "#ek-1", Some(wss::value_type::ENCRYPTED_KEY));
    let client_key = key("client");
    let client_cert = cert("client");
    let p = Protection {
        signer: Some(Signer {
            key: SigningKey::Rsa(&client_key),
            method: SignatureMethod::Rsa(SignatureAlgorithm::RsaSha256),
            digest: DigestAlgorithm::Sha256,
            key_info: SignerKeyInfo::BinarySecurityToken(&client_cert),
        }),
        encrypt: Some((
            Encryptor::Symmetric {
                key: &content_key,
                key_info: &ek_ref,
            },
            BlockCipher::Aes256Gcm,
        )),
        order,
        encrypt_signature: order == Order::SignThenEncrypt,
        header_tokens: vec![ek],
        signed_ids: vec!["q-msgid".into(), "ek-1".into()],
        ..Protection::default()
    };
    let out = wss::secure_envelope(SoapVersion::V12, now, &headers, &body, &p).unwrap();
    Request {
        xml: out.xml,
        message_id,
        signature_value: out.signature_value.unwrap(),
        key: content_key,
        ek_sha1,
    }
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

fn read(
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
        SoapVersion::V12,
        &wss::InboundConfig::default(),
        env,
    )?;
    let a = Addressing::read(&msg.envelope()?).unwrap();
    Ok((msg, a))
}

#[test]
fn encrypted_signed_request_gets_a_reply_under_the_same_key_bound_to_it() {
    let sts = sts(false);
    let svc = service(sts.store.clone());
    for order in [Order::EncryptThenSign, Order::SignThenEncrypt] {
        let req = request(order, NOW);
        assert!(
            !req.xml.contains("RequestType"),
            "the body travels encrypted"
        );
        let x = send_at(&sts, &req.xml, false, NOW);
        let reply = x.ok().source().to_owned();
        assert!(
            !reply.contains("RequestedProofToken"),
            "the reply body travels encrypted"
        );
        let (msg, addr) = read(&reply, &req, NOW).unwrap();
        let env = msg.envelope().unwrap();
        assert!(msg.was_encrypted(env.body_element().unwrap()), "{order:?}");
        match &msg.signature_over(env.body()).unwrap().token {
            wss::SigningToken::X509(c) => assert_eq!(c.der(), cert("sts").der()),
            _ => panic!("not signed by the sts"),
        }
        let expect = ReplyExpectation {
            message_id: req.message_id.clone(),
            signature_value: req.signature_value.clone(),
        };
        expect.check(&msg, &addr).unwrap();
        // The token's key is the requester's proof key.
        let doc = msg.document();
        assert_eq!(service_key(&svc, doc, NOW), client_proof(doc));
        drop(env);
        // The same reply is refused as the answer to another request.
        let other = request(order, NOW);
        let expect_other = ReplyExpectation {
            message_id: other.message_id.clone(),
            signature_value: other.signature_value.clone(),
        };
        assert!(expect_other.check(&msg, &addr).is_err());
        let wrong_sig = ReplyExpectation {
            message_id: req.message_id.clone(),
            signature_value: other.signature_value.clone(),
        };
        assert!(wrong_sig.check(&msg, &addr).is_err());
        // And another request's key cannot even open it.
        assert!(read(&reply, &other, NOW).is_err());
    }
}

#[test]
fn tampered_or_replayed_requests_are_refused() {
    let sts = sts(false);
    let req = request(Order::EncryptThenSign, NOW);
    send_at(&sts, &req.xml, false, NOW).ok();
    assert_eq!(
        send_at(&sts, &req.xml, false, NOW).fault(),
        "wst:FailedAuthentication",
        "replay"
    );
    let req = request(Order::SignThenEncrypt, NOW);
    let doc = Document::parse(req.xml.as_bytes()).unwrap();
    let cv = doc
        .descendants_or_self(doc.root())
        .filter(|n| doc.is(*n, ns::XENC, "CipherValue"))
        .last()
        .unwrap();
    let text = doc.text(cv).into_owned();
    let mut flipped = text.clone().into_bytes();
    flipped[10] = if flipped[10] == b'A' { b'B' } else { b'A' };
    let bad = req
        .xml
        .replace(&text, std::str::from_utf8(&flipped).unwrap());
    assert_eq!(
        send_at(&sts, &bad, false, NOW).fault(),
        "wst:FailedAuthentication"
    );
    let _ = Envelope::read;
}

/// How a symmetric-binding request (a signature by the random key itself) is made.
#[derive(Clone, Copy, Debug)]
struct Symmetric {
    order: Order,
    /// Sign and encrypt with DerivedKeyTokens over the EncryptedKey (WS-SC 1.3 or 2005/02).
    derived: Option<wstrust::trust::ScVersion>,
    hmac: wstrust::crypto::HmacAlgorithm,
    /// The UsernameToken is covered by the signature.
    sign_user: bool,
    password: &'static str,
}

impl Symmetric {
    fn new(order: Order) -> Self {
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
fn dkt_over_ek(version: wstrust::trust::ScVersion, id: &str, base: &[u8]) -> (String, Vec<u8>) {
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
fn symmetric_request(how: Symmetric, now: i64) -> Request {
    let (ek, k, ek_sha1) = encrypted_key_for_sts();
    let message_id = format!("urn:uuid:{}", hex8());
    let body_doc = Document::parse(issue_body("").as_bytes()).unwrap();
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
    let out = wss::secure_envelope(SoapVersion::V12, now, &headers, &body, &p).unwrap();
    Request {
        xml: out.xml,
        message_id,
        signature_value: out.signature_value.unwrap(),
        key: k,
        ek_sha1,
    }
}

#[test]
fn a_request_signed_by_its_random_key_gets_a_reply_signed_and_encrypted_with_it() {
    // Issue 17 item 3, both orders, the key itself or derived keys (WS-SC 1.3 and 2005/02),
    // HMAC-SHA256 and HMAC-SHA1. The UsernameToken's password is in clear text in the
    // header, so the channel is TLS (over plain HTTP that is refused: below).
    use wstrust::crypto::HmacAlgorithm;
    use wstrust::trust::ScVersion;
    let sts = sts(false);
    let svc = service(sts.store.clone());
    let mut cases = Vec::new();
    for order in [Order::EncryptThenSign, Order::SignThenEncrypt] {
        for derived in [None, Some(ScVersion::V13), Some(ScVersion::Feb2005)] {
            for hmac in [HmacAlgorithm::Sha256, HmacAlgorithm::Sha1] {
                cases.push(Symmetric {
                    derived,
                    hmac,
                    ..Symmetric::new(order)
                });
            }
        }
    }
    for how in cases {
        let req = symmetric_request(how, NOW);
        assert!(
            !req.xml.contains("RequestType"),
            "the body travels encrypted"
        );
        let x = send_at(&sts, &req.xml, true, NOW);
        assert_eq!(x.status, 200, "{how:?}: {:?}", x.log);
        let reply = x.doc.source().to_owned();
        assert!(
            !reply.contains("RequestedProofToken"),
            "{how:?}: reply encrypted"
        );
        let (msg, addr) = read(&reply, &req, NOW).unwrap();
        let env = msg.envelope().unwrap();
        assert!(msg.was_encrypted(env.body_element().unwrap()), "{how:?}");
        let source = match &msg.signature_over(env.body()).unwrap().token {
            wss::SigningToken::Symmetric { source } => source.clone(),
            other => panic!("{how:?}: reply signed by {other:?}"),
        };
        let want = wss::KeySource::EncryptedKey {
            sha1: req.ek_sha1.clone(),
        };
        match how.derived {
            None => assert_eq!(source, want, "{how:?}: signed with the random key"),
            Some(_) => assert_eq!(
                source,
                wss::KeySource::Derived(Box::new(want)),
                "{how:?}: signed with a key derived from it"
            ),
        }
        ReplyExpectation {
            message_id: req.message_id.clone(),
            signature_value: req.signature_value.clone(),
        }
        .check(&msg, &addr)
        .unwrap();
        // The token names the UsernameToken's user and carries the requester's proof key.
        let doc = msg.document();
        assert_eq!(
            service_key(&svc, doc, NOW),
            binary_secret_proof(doc),
            "{how:?}"
        );
        assert!(doc.source().contains(">alice<"), "{how:?}: issued to alice");
    }
}

#[test]
fn a_random_key_signature_binds_an_identity_only_through_a_signed_username_token() {
    let sts = sts(false);
    for (how, why) in [
        (
            Symmetric {
                sign_user: false,
                ..Symmetric::new(Order::EncryptThenSign)
            },
            "the username token is not signed",
        ),
        (
            Symmetric {
                password: "wrong",
                ..Symmetric::new(Order::EncryptThenSign)
            },
            "",
        ),
    ] {
        let req = symmetric_request(how, NOW);
        let x = send_at(&sts, &req.xml, true, NOW);
        assert_eq!(
            x.fault(),
            "wst:FailedAuthentication",
            "{how:?}: {:?}",
            x.log
        );
        assert!(
            x.log.as_deref().unwrap_or_default().contains(why),
            "{:?}",
            x.log
        );
    }
    // No UsernameToken at all (WCF's AnonymousForCertificate): no identity, refused.
    let req = symmetric_request(Symmetric::new(Order::EncryptThenSign), NOW);
    let doc = Document::parse(req.xml.as_bytes()).unwrap();
    let ut = doc
        .descendants_or_self(doc.root())
        .find(|n| doc.is(*n, ns::WSSE, "UsernameToken"))
        .unwrap();
    let span = doc.span(ut);
    let without = format!("{}{}", &req.xml[..span.start], &req.xml[span.end..]);
    let x = send_at(&sts, &without, true, NOW);
    assert_eq!(x.fault(), "wst:FailedAuthentication", "{:?}", x.log);
    // A clear-text password in a header that was not encrypted, over plain HTTP: refused.
    let req = symmetric_request(Symmetric::new(Order::EncryptThenSign), NOW);
    let x = send_at(&sts, &req.xml, false, NOW);
    assert_eq!(x.fault(), "wst:FailedAuthentication", "{:?}", x.log);
    assert!(x
        .log
        .as_deref()
        .unwrap_or_default()
        .contains("not confidential"));
    // None of these changed anything: the same shape, well made, is answered.
    let req = symmetric_request(Symmetric::new(Order::SignThenEncrypt), NOW);
    assert_eq!(send_at(&sts, &req.xml, true, NOW).status, 200);
}
