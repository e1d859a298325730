//! Outbound security headers, in every order, read back by our inbound processing and (the
//! signature) by xmlsec1.

use std::process::Command;

use wstrust::crypto::{
    BlockCipher, DigestAlgorithm, HmacAlgorithm, OaepParams, RsaPrivateKey, SignatureAlgorithm,
};
use wstrust::pki::Certificate;
use wstrust::soap::SoapVersion;
use wstrust::wss::{
    self, write_reference, Encryptor, Environment, FixedClock, InboundConfig, Order, Protection,
    Requirements, Signer, SignerKeyInfo,
};
use wstrust::xml::{ns, Document, Writer};
use wstrust::xmlsec::{SignatureMethod, SigningKey};

use crate::support::{fixture_text, require_tool, shared};
use crate::wss_support::{MemoryReplay, TestKeys};

const NOW: i64 = 1_795_428_720_000;

fn body(w: &mut Writer) {
    w.start(ns::WST13, "RequestSecurityToken")
        .element_text(
            ns::WST13,
            "RequestType",
            "http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue",
        )
        .element_text(ns::WST13, "KeySize", "256")
        .end();
}

fn headers(w: &mut Writer) {
    w.start(ns::WSA, "Action")
        .attr(ns::WSU, "Id", "wsa-action")
        .text("http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue")
        .end();
}

fn client() -> (RsaPrivateKey, Certificate) {
    (
        RsaPrivateKey::from_pem(&fixture_text("clients/pki/client.key")).unwrap(),
        Certificate::from_pem(&fixture_text("clients/pki/client.pem")).unwrap(),
    )
}

fn receive(
    xml: &str,
    version: SoapVersion,
    keys: &TestKeys,
) -> Result<wss::SecuredMessage, wss::Error> {
    let clock = FixedClock(NOW + 1000);
    let replay = MemoryReplay::default();
    let env = Environment {
        clock: &clock,
        replay: &replay,
        keys,
    };
    wss::process(
        Document::parse(xml.as_bytes()).unwrap(),
        version,
        &InboundConfig::default(),
        env,
    )
}

#[test]
fn signed_and_encrypted_in_both_orders_is_accepted_with_every_requirement() {
    let (key, cert) = client();
    let sts = Certificate::from_pem(&fixture_text("clients/pki/sts.pem")).unwrap();
    let keys = TestKeys::recorded_pki();
    for version in [SoapVersion::V11, SoapVersion::V12] {
        for order in [Order::SignThenEncrypt, Order::EncryptThenSign] {
            for encrypt_signature in [false, true] {
                if encrypt_signature && order == Order::EncryptThenSign {
                    continue;
                }
                for cipher in [BlockCipher::Aes256Gcm, BlockCipher::Aes128Cbc] {
                    let p = Protection {
                        signer: Some(Signer {
                            key: SigningKey::Rsa(&key),
                            method: SignatureMethod::Rsa(SignatureAlgorithm::RsaSha256),
                            digest: DigestAlgorithm::Sha256,
                            key_info: SignerKeyInfo::BinarySecurityToken(&cert),
                        }),
                        encrypt: Some((
                            Encryptor::Certificate {
                                cert: &sts,
                                oaep: OaepParams::sha1(),
                            },
                            cipher,
                        )),
                        order,
                        encrypt_signature,
                        signed_ids: vec!["wsa-action".into()],
                        ..Protection::default()
                    };
                    let out = wss::secure_envelope(version, NOW, &headers, &body, &p).unwrap();
                    let tag = format!("{version} {order:?} sigenc={encrypt_signature} {cipher:?}");
                    assert!(
                        !out.xml.contains("RequestType"),
                        "{tag}: body not encrypted"
                    );
                    let msg = receive(&out.xml, version, &keys)
                        .unwrap_or_else(|e| panic!("{tag}: {e}\n{}", out.xml));
                    let mut req = Requirements::default();
                    req.body_signed = true;
                    req.timestamp_signed = true;
                    req.body_encrypted = true;
                    req.addressing_signed = true;
                    req.signature_encrypted = encrypt_signature;
                    req.check(&msg).unwrap_or_else(|e| panic!("{tag}: {e}"));
                    assert!(
                        msg.document()
                            .source()
                            .contains("<wst:KeySize>256</wst:KeySize>"),
                        "{tag}"
                    );
                    assert_eq!(
                        msg.signatures()[0].value(),
                        out.signature_value.clone().unwrap(),
                        "{tag}"
                    );
                    // Without the signature encrypted, that requirement must fail.
                    if !encrypt_signature {
                        let mut strict = Requirements::default();
                        strict.signature_encrypted = true;
                        assert!(strict.check(&msg).is_err(), "{tag}");
                    }
                }
            }
        }
    }
}

#[test]
fn hmac_signature_keyed_by_a_security_context() {
    let mut keys = TestKeys::recorded_pki();
    let secret = [7u8; 32];
    keys.contexts
        .push(("urn:uuid:ctx-1".into(), secret.to_vec()));
    let ki = |w: &mut Writer| write_reference(w, "urn:uuid:ctx-1", Some(wss::value_type::SCT_13));
    let p = Protection {
        signer: Some(Signer {
            key: SigningKey::Hmac(&secret),
            method: SignatureMethod::Hmac(HmacAlgorithm::Sha256),
            digest: DigestAlgorithm::Sha256,
            key_info: SignerKeyInfo::Custom(&ki),
        }),
        ..Protection::default()
    };
    let out = wss::secure_envelope(SoapVersion::V12, NOW, &headers, &body, &p).unwrap();
    let msg = receive(&out.xml, SoapVersion::V12, &keys).unwrap();
    assert!(matches!(
        msg.signatures()[0].token(),
        wss::SigningToken::Symmetric { .. }
    ));
    let mut req = Requirements::default();
    req.body_signed = true;
    req.timestamp_signed = true;
    req.check(&msg).unwrap();
    // Another key: refused.
    let mut other = TestKeys::recorded_pki();
    other
        .contexts
        .push(("urn:uuid:ctx-1".into(), vec![8u8; 32]));
    assert!(receive(&out.xml, SoapVersion::V12, &other).is_err());
}

#[test]
fn signature_confirmations_are_signed_and_read_back() {
    let (key, cert) = client();
    let p = Protection {
        signer: Some(Signer {
            key: SigningKey::Rsa(&key),
            method: SignatureMethod::Rsa(SignatureAlgorithm::RsaSha256),
            digest: DigestAlgorithm::Sha256,
            key_info: SignerKeyInfo::Thumbprint(&cert),
        }),
        signature_confirmations: vec![vec![1, 2, 3], Vec::new()],
        ..Protection::default()
    };
    let out = wss::secure_envelope(SoapVersion::V11, NOW, &headers, &body, &p).unwrap();
    let keys = TestKeys::recorded_pki();
    let msg = receive(&out.xml, SoapVersion::V11, &keys).unwrap();
    assert_eq!(
        msg.signature_confirmations(),
        vec![vec![1, 2, 3], Vec::new()]
    );
    let doc = msg.document();
    let sc = doc
        .descendants_or_self(doc.root())
        .find(|n| doc.is(*n, ns::WSSE11, "SignatureConfirmation"))
        .unwrap();
    assert!(msg.is_signed(sc));
}

#[test]
fn xmlsec1_verifies_our_security_header_signature() {
    if !require_tool("xmlsec1") {
        return;
    }
    let (key, cert) = client();
    for version in [SoapVersion::V11, SoapVersion::V12] {
        let p = Protection {
            signer: Some(Signer {
                key: SigningKey::Rsa(&key),
                method: SignatureMethod::Rsa(SignatureAlgorithm::RsaSha256),
                digest: DigestAlgorithm::Sha256,
                key_info: SignerKeyInfo::BinarySecurityToken(&cert),
            }),
            ..Protection::default()
        };
        let out = wss::secure_envelope(version, NOW, &headers, &body, &p).unwrap();
        let f =
            std::env::temp_dir().join(format!("wstrust-wss-{}-{version}.xml", std::process::id()));
        std::fs::write(&f, &out.xml).unwrap();
        let o = Command::new("xmlsec1")
            .args(["--verify", "--pubkey-cert-pem"])
            .arg(shared().join("clients/pki/client.pem"))
            .args(["--id-attr:Id", "Body", "--id-attr:Id", "Timestamp"])
            .arg(&f)
            .output()
            .unwrap();
        std::fs::remove_file(&f).ok();
        assert!(
            o.status.success(),
            "{version}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

#[test]
fn key_info_x509_data_by_issuer_serial_and_ski() {
    let (key, cert) = client();
    let issuer_serial = |w: &mut Writer| {
        w.start(ns::DS, "X509Data")
            .start(ns::DS, "X509IssuerSerial");
        w.element_text(ns::DS, "X509IssuerName", "CN=WS-Trust Interop Test CA");
        w.element_text(ns::DS, "X509SerialNumber", cert.serial());
        w.end().end();
    };
    let ski_b64 = wstrust::xmlsec::base64_encode(&cert.subject_key_id());
    let ski = |w: &mut Writer| {
        w.start(ns::DS, "X509Data")
            .element_text(ns::DS, "X509SKI", &ski_b64)
            .end();
    };
    let keys = TestKeys::recorded_pki();
    for ki in [&issuer_serial as &dyn Fn(&mut Writer), &ski] {
        let p = Protection {
            signer: Some(Signer {
                key: SigningKey::Rsa(&key),
                method: SignatureMethod::Rsa(SignatureAlgorithm::RsaSha256),
                digest: DigestAlgorithm::Sha256,
                key_info: SignerKeyInfo::Custom(ki),
            }),
            ..Protection::default()
        };
        let out = wss::secure_envelope(SoapVersion::V11, NOW, &headers, &body, &p).unwrap();
        let msg = receive(&out.xml, SoapVersion::V11, &keys).unwrap();
        assert!(
            matches!(&msg.signatures()[0].token(), wss::SigningToken::X509(c) if c.serial() == cert.serial())
        );
    }
}
