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

fn request(order: Order, now: i64) -> Request {
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
