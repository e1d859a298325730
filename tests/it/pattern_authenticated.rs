//! Pattern 4, authenticated request/reply: the requester encrypts the RST Body with a random
//! key sent as an EncryptedKey for the STS certificate and signs Body, Timestamp and that
//! EncryptedKey with its certificate, in both orders (encrypt-then-sign; sign-then-encrypt
//! with the signature encrypted). The reply is encrypted with the same key, signed by the STS
//! and bound to the request (RelatesTo, SignatureConfirmation); a reply is refused as the
//! answer to another request.

use wstrust::crypto::{BlockCipher, DigestAlgorithm, SignatureAlgorithm};
use wstrust::service::ReplyExpectation;
use wstrust::soap::{Envelope, SoapVersion};
use wstrust::wss::{self, Encryptor, Order, Protection, Signer, SignerKeyInfo};
use wstrust::xml::{ns, Document, Writer};
use wstrust::xmlsec::{SignatureMethod, SigningKey};

use crate::engine_support::*;
use crate::random_key_support::{
    encrypted_key_for_sts, read, symmetric_request, Request, Symmetric,
};

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
        match &msg.signature_over(env.body()).unwrap().token() {
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
        let source = match &msg.signature_over(env.body()).unwrap().token() {
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
